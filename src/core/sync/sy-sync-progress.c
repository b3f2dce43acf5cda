/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-sync-progress-private.h"

#define NOTIFY_INTERVAL_MS 250
#define THROUGHPUT_WINDOW_US (5 * G_USEC_PER_SEC)
#define SAMPLE_SPACING_US (G_USEC_PER_SEC / 10)
#define N_SAMPLES 64

/* An ETA is only given once the rate it divides by rests on enough: the
 * first batches (connection set-up, a slow first page, a warm-up of the
 * target) would otherwise promise "about 1 second left" at 10 of 300
 * records. Enough is a few seconds of running AND a meaningful share of
 * the work: 2 % of the total, or 50 records for totals so large that 2 %
 * would take a long while. */
#define ETA_MIN_ELAPSED_US (3 * G_USEC_PER_SEC)
#define ETA_MIN_FRACTION 0.02
#define ETA_MIN_RECORDS 50

/* Time left divides by a rate smoothed over about half a minute (an
 * exponentially weighted average of the rate over steps of at least
 * SMOOTH_STEP_US): a burst of quick records or a few slow batches barely
 * move it, so "about 16 s left" is not followed by 25 s for 50 records.
 * The short-window throughput stays what the "N/s" figure shows. */
#define SMOOTH_TAU_US (30 * G_USEC_PER_SEC)
#define SMOOTH_STEP_US G_USEC_PER_SEC

typedef struct
{
  gint64  time;
  guint64 done;
} Sample;

struct _SySyncProgress
{
  GObject         parent_instance;

  SySyncJobState  state;
  gint64          run_id;
  guint64         read;
  guint64         created;
  guint64         updated;
  guint64         failed;
  guint64         skipped;
  gint64          total;
  gboolean        rate_limited;

  SySyncProgressClock clock;
  gpointer        clock_data;

  gint64          started_at;     /* monotonic; 0 before the job started */
  gint64          ended_at;       /* monotonic; 0 while it runs */

  /* Records with an outcome over time, oldest first, for the throughput
   * over the last few seconds. */
  Sample          samples[N_SAMPLES];
  guint           first_sample;
  guint           n_samples;

  /* The smoothed rate (records per second; < 0 before the first step)
   * and where its current step began. Paused time is no step. */
  double          smoothed_rate;
  gint64          smooth_time;
  guint64         smooth_done;

  gboolean        dirty;
  GSource        *throttle;
};

static gint64
real_clock (gpointer user_data)
{
  return g_get_monotonic_time ();
}

static inline gint64
now_us (SySyncProgress *self)
{
  return self->clock (self->clock_data);
}

G_DEFINE_FINAL_TYPE (SySyncProgress, sy_sync_progress, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  PROP_RUN_ID,
  PROP_READ,
  PROP_WRITTEN,
  PROP_CREATED,
  PROP_UPDATED,
  PROP_FAILED,
  PROP_SKIPPED,
  PROP_TOTAL,
  PROP_FRACTION,
  PROP_THROUGHPUT,
  PROP_ETA,
  PROP_ELAPSED,
  PROP_RATE_LIMITED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GType
sy_sync_job_state_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { SY_SYNC_JOB_STATE_IDLE, "SY_SYNC_JOB_STATE_IDLE", "idle" },
        { SY_SYNC_JOB_STATE_PREPARING, "SY_SYNC_JOB_STATE_PREPARING", "preparing" },
        { SY_SYNC_JOB_STATE_RUNNING, "SY_SYNC_JOB_STATE_RUNNING", "running" },
        { SY_SYNC_JOB_STATE_PAUSED, "SY_SYNC_JOB_STATE_PAUSED", "paused" },
        { SY_SYNC_JOB_STATE_STOPPING, "SY_SYNC_JOB_STATE_STOPPING", "stopping" },
        { SY_SYNC_JOB_STATE_FINISHED, "SY_SYNC_JOB_STATE_FINISHED", "finished" },
        { SY_SYNC_JOB_STATE_STOPPED, "SY_SYNC_JOB_STATE_STOPPED", "stopped" },
        { SY_SYNC_JOB_STATE_FAILED, "SY_SYNC_JOB_STATE_FAILED", "failed" },
        { 0, NULL, NULL },
      };
      GType type = g_enum_register_static (g_intern_static_string ("SySyncJobState"), values);

      g_once_init_leave (&type_id, type);
    }

  return type_id;
}

static gboolean
state_is_final (SySyncJobState state)
{
  return state == SY_SYNC_JOB_STATE_FINISHED ||
         state == SY_SYNC_JOB_STATE_STOPPED ||
         state == SY_SYNC_JOB_STATE_FAILED;
}

static guint64
done_count (SySyncProgress *self)
{
  return self->created + self->updated + self->failed + self->skipped;
}

static void
sy_sync_progress_finalize (GObject *object)
{
  SySyncProgress *self = SY_SYNC_PROGRESS (object);

  if (self->throttle != NULL)
    {
      g_source_destroy (self->throttle);
      g_source_unref (self->throttle);
    }

  G_OBJECT_CLASS (sy_sync_progress_parent_class)->finalize (object);
}

static void
sy_sync_progress_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SySyncProgress *self = SY_SYNC_PROGRESS (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_RUN_ID:
      g_value_set_int64 (value, self->run_id);
      break;
    case PROP_READ:
      g_value_set_uint64 (value, self->read);
      break;
    case PROP_WRITTEN:
      g_value_set_uint64 (value, sy_sync_progress_get_written (self));
      break;
    case PROP_CREATED:
      g_value_set_uint64 (value, self->created);
      break;
    case PROP_UPDATED:
      g_value_set_uint64 (value, self->updated);
      break;
    case PROP_FAILED:
      g_value_set_uint64 (value, self->failed);
      break;
    case PROP_SKIPPED:
      g_value_set_uint64 (value, self->skipped);
      break;
    case PROP_TOTAL:
      g_value_set_int64 (value, self->total);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, sy_sync_progress_get_fraction (self));
      break;
    case PROP_THROUGHPUT:
      g_value_set_double (value, sy_sync_progress_get_throughput (self));
      break;
    case PROP_ETA:
      g_value_set_int64 (value, sy_sync_progress_get_eta (self));
      break;
    case PROP_ELAPSED:
      g_value_set_int64 (value, sy_sync_progress_get_elapsed (self));
      break;
    case PROP_RATE_LIMITED:
      g_value_set_boolean (value, self->rate_limited);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_sync_progress_class_init (SySyncProgressClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = sy_sync_progress_finalize;
  object_class->get_property = sy_sync_progress_get_property;

  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SY_TYPE_SYNC_JOB_STATE,
                                              SY_SYNC_JOB_STATE_IDLE, flags);
  properties[PROP_RUN_ID] = g_param_spec_int64 ("run-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_READ] = g_param_spec_uint64 ("read", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_WRITTEN] = g_param_spec_uint64 ("written", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_CREATED] = g_param_spec_uint64 ("created", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_UPDATED] = g_param_spec_uint64 ("updated", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_FAILED] = g_param_spec_uint64 ("failed", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_SKIPPED] = g_param_spec_uint64 ("skipped", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_TOTAL] = g_param_spec_int64 ("total", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, -1, 1, -1, flags);
  properties[PROP_THROUGHPUT] = g_param_spec_double ("throughput", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_ELAPSED] = g_param_spec_int64 ("elapsed", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_RATE_LIMITED] = g_param_spec_boolean ("rate-limited", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_sync_progress_init (SySyncProgress *self)
{
  self->smoothed_rate = -1;
  self->total = -1;
  self->clock = real_clock;
}

SySyncProgress *
sy_sync_progress_new (void)
{
  return g_object_new (SY_TYPE_SYNC_PROGRESS, NULL);
}

void
sy_sync_progress_set_clock (SySyncProgress      *self,
                            SySyncProgressClock  clock,
                            gpointer             user_data)
{
  g_return_if_fail (SY_IS_SYNC_PROGRESS (self));

  self->clock = clock != NULL ? clock : real_clock;
  self->clock_data = clock != NULL ? user_data : NULL;
}

/* Every property at once: a view reads them together anyway, and one
 * frozen batch is one redraw. */
static void
emit_all (SySyncProgress *self)
{
  self->dirty = FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 1; i < N_PROPS; i++)
    g_object_notify_by_pspec (G_OBJECT (self), properties[i]);
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
on_throttle (gpointer user_data)
{
  SySyncProgress *self = user_data;

  if (!self->dirty)
    {
      g_clear_pointer (&self->throttle, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  emit_all (self);
  return G_SOURCE_CONTINUE;
}

/* The first change notifies at once; later ones wait for the end of the
 * interval, so at most one notification goes out per interval. */
static void
changed (SySyncProgress *self)
{
  self->dirty = TRUE;

  if (self->throttle != NULL)
    return;

  emit_all (self);
  self->throttle = g_timeout_source_new (NOTIFY_INTERVAL_MS);
  g_source_set_name (self->throttle, "[switchyard] sync progress");
  g_source_set_callback (self->throttle, on_throttle, self, NULL);
  g_source_attach (self->throttle, g_main_context_get_thread_default ());
}

void
sy_sync_progress_flush (SySyncProgress *self)
{
  g_return_if_fail (SY_IS_SYNC_PROGRESS (self));

  if (self->dirty)
    emit_all (self);
}

void
sy_sync_progress_set_state (SySyncProgress *self,
                            SySyncJobState  state)
{
  gint64 now;

  g_return_if_fail (SY_IS_SYNC_PROGRESS (self));

  if (self->state == state)
    return;

  now = now_us (self);
  if (self->started_at == 0 && state != SY_SYNC_JOB_STATE_IDLE)
    self->started_at = now;
  if (state_is_final (state))
    self->ended_at = now;
  else
    self->ended_at = 0;

  /* A new step from here: the time before (preparing, paused) carried
   * no records and must not lower the rate. */
  if (state == SY_SYNC_JOB_STATE_RUNNING)
    {
      self->smooth_time = now;
      self->smooth_done = done_count (self);
    }
  else if (state == SY_SYNC_JOB_STATE_PAUSED || state_is_final (state))
    self->smooth_time = 0;

  self->state = state;
  self->dirty = TRUE;
  sy_sync_progress_flush (self);
}

void
sy_sync_progress_set_run_id (SySyncProgress *self,
                             gint64          run_id)
{
  g_return_if_fail (SY_IS_SYNC_PROGRESS (self));

  if (self->run_id == run_id)
    return;

  self->run_id = run_id;
  self->dirty = TRUE;
  sy_sync_progress_flush (self);
}

static void
add_sample (SySyncProgress *self,
            gint64          now)
{
  guint last;

  if (self->n_samples > 0)
    {
      last = (self->first_sample + self->n_samples - 1) % N_SAMPLES;
      /* Close samples add nothing but churn: keep the newest count. */
      if (now - self->samples[last].time < SAMPLE_SPACING_US && self->n_samples > 1)
        {
          self->samples[last].time = now;
          self->samples[last].done = done_count (self);
          return;
        }
    }

  while (self->n_samples > 1 && self->samples[self->first_sample].time < now - THROUGHPUT_WINDOW_US)
    {
      self->first_sample = (self->first_sample + 1) % N_SAMPLES;
      self->n_samples--;
    }
  if (self->n_samples == N_SAMPLES)
    {
      self->first_sample = (self->first_sample + 1) % N_SAMPLES;
      self->n_samples--;
    }

  last = (self->first_sample + self->n_samples) % N_SAMPLES;
  self->samples[last].time = now;
  self->samples[last].done = done_count (self);
  self->n_samples++;
}

/* The smoothed rate if the step begun at smooth_time ended at now, or the
 * rate itself when the step is too short to weigh. */
static double
smoothed_rate_at (SySyncProgress *self,
                  gint64          now,
                  gboolean       *stepped)
{
  gint64 dt = now - self->smooth_time;
  guint64 done = done_count (self);
  double instant, weight;

  *stepped = FALSE;
  if (self->smooth_time == 0 || dt < SMOOTH_STEP_US)
    return self->smoothed_rate;

  *stepped = TRUE;
  instant = (double) (done >= self->smooth_done ? done - self->smooth_done : 0) * G_USEC_PER_SEC / (double) dt;
  if (self->smoothed_rate < 0)
    return instant;
  /* 1 - exp (-dt / tau), near enough for steps of a few seconds, without
   * libm. */
  weight = (double) dt / (double) (SMOOTH_TAU_US + dt);
  return self->smoothed_rate + weight * (instant - self->smoothed_rate);
}

static void
smooth_step (SySyncProgress *self,
             gint64          now)
{
  gboolean stepped;
  double rate;

  /* Counts of an earlier attempt, read while preparing: a start, no rate. */
  if (self->smooth_time == 0)
    {
      if (self->state == SY_SYNC_JOB_STATE_RUNNING)
        {
          self->smooth_time = now;
          self->smooth_done = done_count (self);
        }
      return;
    }

  rate = smoothed_rate_at (self, now, &stepped);
  if (!stepped)
    return;
  self->smoothed_rate = rate;
  self->smooth_time = now;
  self->smooth_done = done_count (self);
}

double
sy_sync_progress_get_smoothed_rate (SySyncProgress *self)
{
  gboolean stepped;
  double rate;

  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), -1);

  if (self->state != SY_SYNC_JOB_STATE_RUNNING && self->state != SY_SYNC_JOB_STATE_STOPPING)
    return self->smoothed_rate;
  /* A stall lowers it as time passes, not only at the next count. */
  rate = smoothed_rate_at (self, now_us (self), &stepped);
  return rate;
}

void
sy_sync_progress_set_counts (SySyncProgress *self,
                             guint64         read,
                             guint64         created,
                             guint64         updated,
                             guint64         failed,
                             guint64         skipped)
{
  g_return_if_fail (SY_IS_SYNC_PROGRESS (self));

  if (self->read == read && self->created == created && self->updated == updated &&
      self->failed == failed && self->skipped == skipped)
    return;

  self->read = read;
  self->created = created;
  self->updated = updated;
  self->failed = failed;
  self->skipped = skipped;
  add_sample (self, now_us (self));
  smooth_step (self, now_us (self));
  changed (self);
}

void
sy_sync_progress_set_total (SySyncProgress *self,
                            gint64          total)
{
  g_return_if_fail (SY_IS_SYNC_PROGRESS (self));

  total = MAX (total, -1);
  if (self->total == total)
    return;

  self->total = total;
  changed (self);
}

void
sy_sync_progress_set_rate_limited (SySyncProgress *self,
                                   gboolean        rate_limited)
{
  g_return_if_fail (SY_IS_SYNC_PROGRESS (self));

  rate_limited = !!rate_limited;
  if (self->rate_limited == rate_limited)
    return;

  self->rate_limited = rate_limited;
  changed (self);
}

SySyncJobState
sy_sync_progress_get_state (SySyncProgress *self)
{
  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), SY_SYNC_JOB_STATE_IDLE);
  return self->state;
}

gint64
sy_sync_progress_get_run_id (SySyncProgress *self)
{
  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), 0);
  return self->run_id;
}

guint64
sy_sync_progress_get_read (SySyncProgress *self)
{
  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), 0);
  return self->read;
}

guint64
sy_sync_progress_get_written (SySyncProgress *self)
{
  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), 0);
  return self->created + self->updated;
}

guint64
sy_sync_progress_get_created (SySyncProgress *self)
{
  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), 0);
  return self->created;
}

guint64
sy_sync_progress_get_updated (SySyncProgress *self)
{
  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), 0);
  return self->updated;
}

guint64
sy_sync_progress_get_failed (SySyncProgress *self)
{
  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), 0);
  return self->failed;
}

guint64
sy_sync_progress_get_skipped (SySyncProgress *self)
{
  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), 0);
  return self->skipped;
}

gint64
sy_sync_progress_get_total (SySyncProgress *self)
{
  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), -1);
  return self->total;
}

double
sy_sync_progress_get_fraction (SySyncProgress *self)
{
  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), -1);

  if (self->state == SY_SYNC_JOB_STATE_FINISHED)
    return 1.0;
  if (self->total < 0)
    return -1;
  if (self->total == 0)
    return 0;

  return CLAMP ((double) done_count (self) / (double) self->total, 0.0, 1.0);
}

double
sy_sync_progress_get_throughput (SySyncProgress *self)
{
  const Sample *first, *last;
  gint64 now, span;

  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), 0);

  if (self->n_samples < 2)
    return 0;

  now = self->ended_at != 0 ? self->ended_at : now_us (self);
  first = &self->samples[self->first_sample];
  last = &self->samples[(self->first_sample + self->n_samples - 1) % N_SAMPLES];

  /* Silence since the last count lowers the figure too: a stalled job
   * must not go on showing its old speed. */
  span = MAX (now, last->time) - first->time;
  if (span <= 0 || last->done < first->done)
    return 0;

  return (double) (last->done - first->done) * G_USEC_PER_SEC / (double) span;
}

gint64
sy_sync_progress_get_eta (SySyncProgress *self)
{
  double throughput;
  guint64 done;

  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), -1);

  if (state_is_final (self->state))
    return self->state == SY_SYNC_JOB_STATE_FINISHED ? 0 : -1;
  if (self->total < 0)
    return -1;

  done = done_count (self);
  if (done >= (guint64) self->total)
    return 0;

  if (self->started_at == 0 || now_us (self) - self->started_at < ETA_MIN_ELAPSED_US)
    return -1;
  if (done < ETA_MIN_RECORDS && (double) done < ETA_MIN_FRACTION * (double) self->total)
    return -1;

  /* Paused: no promise at all. */
  if (self->state == SY_SYNC_JOB_STATE_PAUSED)
    return -1;
  throughput = sy_sync_progress_get_smoothed_rate (self);
  if (throughput <= 0)
    return -1;

  return (gint64) (((double) ((guint64) self->total - done)) / throughput + 0.5);
}

gint64
sy_sync_progress_get_elapsed (SySyncProgress *self)
{
  gint64 end;

  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), 0);

  if (self->started_at == 0)
    return 0;

  end = self->ended_at != 0 ? self->ended_at : now_us (self);
  return (end - self->started_at) / G_USEC_PER_SEC;
}

gboolean
sy_sync_progress_get_rate_limited (SySyncProgress *self)
{
  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), FALSE);
  return self->rate_limited;
}

static char *
describe_duration (gint64 seconds)
{
  if (seconds < 60)
    return g_strdup_printf (ngettext ("about %d second left", "about %d seconds left", (gulong) seconds),
                            (int) seconds);
  if (seconds < 3600)
    {
      int minutes = (int) ((seconds + 30) / 60);
      return g_strdup_printf (ngettext ("about %d minute left", "about %d minutes left", (gulong) minutes),
                              minutes);
    }

  {
    int hours = (int) ((seconds + 1800) / 3600);
    return g_strdup_printf (ngettext ("about %d hour left", "about %d hours left", (gulong) hours), hours);
  }
}

/* With the locale's thousands separator. */
static char *
format_count (guint64 count)
{
  return g_strdup_printf ("%'llu", (unsigned long long) count);
}

char *
sy_sync_progress_describe (SySyncProgress *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *done_text = NULL;
  guint64 done;
  double throughput;
  gint64 eta;

  g_return_val_if_fail (SY_IS_SYNC_PROGRESS (self), NULL);

  done = done_count (self);
  done_text = format_count (done);
  if (self->total >= 0)
    {
      g_autofree char *total_text = format_count ((guint64) self->total);

      /* Translators: "1,234 of 5,000 records" */
      g_string_append_printf (text, ngettext ("%s of %s record", "%s of %s records", (gulong) self->total),
                              done_text, total_text);
    }
  else
    g_string_append_printf (text, ngettext ("%s record", "%s records", (gulong) done), done_text);

  throughput = sy_sync_progress_get_throughput (self);
  /* Paused: how far it got, and that it is paused; no rate. */
  if (!state_is_final (self->state) && self->state != SY_SYNC_JOB_STATE_PAUSED && throughput > 0)
    {
      g_string_append (text, " · ");
      /* Translators: records per second */
      g_string_append_printf (text, _("%.0f/s"), throughput);
    }

  eta = sy_sync_progress_get_eta (self);
  if (!state_is_final (self->state) && eta > 0)
    {
      g_autofree char *left = describe_duration (eta);

      g_string_append (text, " · ");
      g_string_append (text, left);
    }

  if (self->state == SY_SYNC_JOB_STATE_PAUSED)
    {
      g_string_append (text, " · ");
      g_string_append (text, _("paused"));
    }
  else if (self->rate_limited && !state_is_final (self->state))
    {
      g_string_append (text, " · ");
      g_string_append (text, _("slowed down by the server"));
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}
