/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "switchyard-automation"

#include "config.h"

#include <glib/gi18n.h>

#include "sy-automation.h"
#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-state-store-sync.h"
#include "sy-state-store-webhooks.h"
#include "sy-sync-job.h"

/* A long timer is cut into pieces of at most this length, each checking
 * the wall clock again: a suspended machine or a corrected clock moves
 * the wall clock without moving the monotonic one. */
#define MAX_TIMER_US ((gint64) 5 * 60 * G_USEC_PER_SEC)

/* Changes keep coming while a run goes: a sender delivers a burst over
 * seconds, not at once. The run queued behind the one going starts once
 * they have been quiet this long (but no later than SETTLE_MAX_US after
 * the run ended), so that a burst of a thousand deliveries makes a
 * handful of runs, not one per trickle that came during the last. */
#define SETTLE_QUIET_US ((gint64) 1 * G_USEC_PER_SEC)
#define SETTLE_MAX_US ((gint64) 10 * G_USEC_PER_SEC)


typedef struct
{
  SyAutomation *self;          /* not owned: the automation owns the entry */
  SyMapping    *mapping;
  char         *pair;
  gboolean      scheduled;     /* every_minutes or at */
  gint64        last_start;    /* Unix seconds of the pair's newest run, 0: none */
  GDateTime    *due;           /* the schedule's next time, NULL: none armed */
  guint         timer;
  SySyncRun    *resume;        /* at start: a run to resume */

  gboolean      busy;          /* opening its connections or running */
  char         *cause;         /* of the run going */
  SyApiClient  *source;
  SyApiClient  *target;
  SySyncJob    *job;
  gboolean      queued;
  char         *queued_cause;
  guint         settle_timer;  /* the queued webhook run waits for quiet */
  gint64        settle_since;  /* monotonic µs the wait began */

  /* Rows of webhook_events: accepted since the last run started, and
   * those the running run covers (marked with it when it ends). */
  GArray       *pending_events;
  GArray       *covered_events;
} Entry;

struct _SyAutomation
{
  GObject            parent_instance;

  SyStateStore      *state;
  SyConnectionStore *connections;
  SySecretStore     *secrets;
  SyClock           *clock;
  SySyncOptions      options;
  GPtrArray         *entries;     /* of Entry */
  GCancellable      *cancellable; /* cancelled by a second stop */

  gboolean           started;
  gboolean           stopping;
  GTask             *stop_task;
};

enum
{
  RUN_STARTED,
  RUN_QUEUED,
  RUN_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (SyAutomation, sy_automation, G_TYPE_OBJECT)

static void start_run (Entry *entry, const char *cause, SySyncRun *resume);
static void arm (Entry *entry);

static void
entry_free (Entry *entry)
{
  if (entry->timer != 0)
    sy_clock_remove_timeout (entry->self->clock, entry->timer);
  if (entry->settle_timer != 0)
    sy_clock_remove_timeout (entry->self->clock, entry->settle_timer);
  g_clear_object (&entry->mapping);
  g_clear_object (&entry->source);
  g_clear_object (&entry->target);
  g_clear_object (&entry->job);
  g_clear_pointer (&entry->due, g_date_time_unref);
  g_clear_pointer (&entry->resume, sy_sync_run_free);
  g_free (entry->pair);
  g_free (entry->cause);
  g_free (entry->queued_cause);
  g_array_unref (entry->pending_events);
  g_array_unref (entry->covered_events);
  g_free (entry);
}

static void
sy_automation_dispose (GObject *object)
{
  SyAutomation *self = SY_AUTOMATION (object);

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_object (&self->clock);
  g_clear_object (&self->state);
  g_clear_object (&self->connections);
  g_clear_object (&self->secrets);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->stop_task);

  G_OBJECT_CLASS (sy_automation_parent_class)->dispose (object);
}

static void
sy_automation_class_init (SyAutomationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_automation_dispose;

  signals[RUN_STARTED] =
    g_signal_new ("run-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, SY_TYPE_MAPPING, G_TYPE_STRING, G_TYPE_INT64);
  signals[RUN_QUEUED] =
    g_signal_new ("run-queued", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, SY_TYPE_MAPPING, G_TYPE_STRING);
  signals[RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, SY_TYPE_MAPPING, G_TYPE_STRING,
                  SY_TYPE_SYNC_RUN | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sy_automation_init (SyAutomation *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  self->cancellable = g_cancellable_new ();
  sy_sync_options_init_from_settings (&self->options);
}

SyAutomation *
sy_automation_new (SyStateStore      *state,
                   SyConnectionStore *connections,
                   SySecretStore     *secrets,
                   SyClock           *clock)
{
  SyAutomation *self;

  g_return_val_if_fail (SY_IS_STATE_STORE (state), NULL);
  g_return_val_if_fail (SY_IS_CONNECTION_STORE (connections), NULL);
  g_return_val_if_fail (SY_IS_SECRET_STORE (secrets), NULL);
  g_return_val_if_fail (clock == NULL || SY_IS_CLOCK (clock), NULL);

  self = g_object_new (SY_TYPE_AUTOMATION, NULL);
  self->state = g_object_ref (state);
  self->connections = g_object_ref (connections);
  self->secrets = g_object_ref (secrets);
  self->clock = clock != NULL ? g_object_ref (clock) : sy_clock_new_system ();
  return self;
}

void
sy_automation_add_mapping (SyAutomation *self,
                           SyMapping    *mapping)
{
  Entry *entry;

  g_return_if_fail (SY_IS_AUTOMATION (self));
  g_return_if_fail (SY_IS_MAPPING (mapping));
  g_return_if_fail (!self->started);

  entry = g_new0 (Entry, 1);
  entry->self = self;
  entry->mapping = g_object_ref (mapping);
  entry->pending_events = g_array_new (FALSE, FALSE, sizeof (gint64));
  entry->covered_events = g_array_new (FALSE, FALSE, sizeof (gint64));
  entry->pair = sy_sync_pair_for (sy_mapping_get_source_connection (mapping),
                                  sy_mapping_get_source_entity (mapping),
                                  sy_mapping_get_target_connection (mapping),
                                  sy_mapping_get_target_entity (mapping));
  entry->scheduled = sy_mapping_get_every_minutes (mapping) > 0 || sy_mapping_get_at_times (mapping)[0] != NULL;
  g_ptr_array_add (self->entries, entry);
}

void
sy_automation_set_sync_options (SyAutomation        *self,
                                const SySyncOptions *options)
{
  g_return_if_fail (SY_IS_AUTOMATION (self));
  g_return_if_fail (options != NULL);

  self->options = *options;
  self->options.full = FALSE;
  self->options.dry_run = FALSE;
}

static Entry *
find_entry (SyAutomation *self,
            SyMapping    *mapping)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->mapping == mapping)
        return entry;
    }
  return NULL;
}

/* --- schedules ------------------------------------------------------- */

/* The first of the mapping's times strictly after reference. Built with
 * g_date_time_new() in the clock's zone, which moves a time that a change
 * to daylight saving time skips to the moment after the gap. */
static GDateTime *
next_at_time (Entry     *entry,
              GDateTime *reference)
{
  const char * const *times = sy_mapping_get_at_times (entry->mapping);
  GTimeZone *zone = sy_clock_get_timezone (entry->self->clock);
  GDateTime *best = NULL;

  /* Two days ahead covers every time; three for a day a change of zone
   * rule shortens. */
  for (int day = 0; day < 3; day++)
    {
      g_autoptr(GDateTime) date = g_date_time_add_days (reference, day);

      for (guint i = 0; times[i] != NULL; i++)
        {
          guint hour, minute;
          GDateTime *candidate;

          if (!sy_mapping_parse_time (times[i], &hour, &minute))
            continue;
          candidate = g_date_time_new (zone, g_date_time_get_year (date), g_date_time_get_month (date),
                                       g_date_time_get_day_of_month (date), (int) hour, (int) minute, 0);
          if (candidate != NULL && g_date_time_compare (candidate, reference) > 0 &&
              (best == NULL || g_date_time_compare (candidate, best) < 0))
            {
              g_clear_pointer (&best, g_date_time_unref);
              best = g_steal_pointer (&candidate);
            }
          g_clear_pointer (&candidate, g_date_time_unref);
        }
      if (best != NULL)
        break;
    }
  return best;
}

/* When the schedule next comes due after the pair's last run started; now
 * when it never ran. */
static GDateTime *
compute_due (Entry *entry)
{
  SyAutomation *self = entry->self;
  g_autoptr(GDateTime) last = NULL;
  GDateTime *due = NULL;
  guint every = sy_mapping_get_every_minutes (entry->mapping);

  if (!entry->scheduled)
    return NULL;
  if (entry->last_start == 0)
    return sy_clock_get_now (self->clock);

  last = g_date_time_new_from_unix_utc (entry->last_start);
  {
    GDateTime *local = g_date_time_to_timezone (last, sy_clock_get_timezone (self->clock));

    g_date_time_unref (last);
    last = local;
  }
  if (every > 0)
    due = g_date_time_add_minutes (last, (int) every);
  if (sy_mapping_get_at_times (entry->mapping)[0] != NULL)
    {
      GDateTime *at = next_at_time (entry, last);

      if (at != NULL && (due == NULL || g_date_time_compare (at, due) < 0))
        {
          g_clear_pointer (&due, g_date_time_unref);
          due = at;
        }
      else
        g_clear_pointer (&at, g_date_time_unref);
    }
  return due;
}

static gboolean
on_timer (gpointer user_data)
{
  Entry *entry = user_data;
  g_autoptr(GDateTime) now = sy_clock_get_now (entry->self->clock);

  entry->timer = 0;
  if (entry->due == NULL)
    return G_SOURCE_REMOVE;
  if (g_date_time_compare (now, entry->due) >= 0)
    {
      g_clear_pointer (&entry->due, g_date_time_unref);
      sy_automation_request_run (entry->self, entry->mapping, "scheduled");
    }
  else
    arm (entry);
  return G_SOURCE_REMOVE;
}

/* Sets the timer for entry->due; runs at once when it is past. */
static void
arm (Entry *entry)
{
  SyAutomation *self = entry->self;
  g_autoptr(GDateTime) now = NULL;
  GTimeSpan delay;

  if (entry->timer != 0)
    {
      sy_clock_remove_timeout (self->clock, entry->timer);
      entry->timer = 0;
    }
  if (entry->due == NULL || self->stopping)
    return;

  now = sy_clock_get_now (self->clock);
  delay = g_date_time_difference (entry->due, now);
  if (delay <= 0)
    {
      g_clear_pointer (&entry->due, g_date_time_unref);
      sy_automation_request_run (self, entry->mapping, "scheduled");
      return;
    }
  entry->timer = sy_clock_add_timeout (self->clock, MIN (delay, MAX_TIMER_US), on_timer, entry);
}

static void
schedule (Entry *entry)
{
  g_clear_pointer (&entry->due, g_date_time_unref);
  entry->due = compute_due (entry);
  if (entry->due != NULL)
    {
      g_autofree char *text = g_date_time_format (entry->due, "%F %T %Z");

      g_debug ("%s: next scheduled run at %s", sy_mapping_get_name (entry->mapping), text);
    }
  arm (entry);
}

/* --- runs ------------------------------------------------------------ */

static void
check_stopped (SyAutomation *self)
{
  if (self->stop_task == NULL || sy_automation_get_n_running (self) > 0)
    return;

  g_task_return_boolean (self->stop_task, TRUE);
  g_clear_object (&self->stop_task);
}

static void
on_event_marked (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* An event forgotten meanwhile (its connection removed) is no loss. */
  if (!sy_state_store_mark_webhook_event_finish (SY_STATE_STORE (source_object), result, &error))
    g_debug ("Could not record what a webhook event started: %s", error->message);
}

/* What the run's webhook events started, for the list of a connection's
 * events. */
static void
mark_covered_events (Entry     *entry,
                     SySyncRun *run)
{
  g_autofree char *triggered = NULL;

  if (entry->covered_events->len == 0)
    return;
  /* Not translated: it is kept in state.db, read by any front end. */
  triggered = g_strdup_printf ("sync run %" G_GINT64_FORMAT, run->id);
  for (guint i = 0; i < entry->covered_events->len; i++)
    sy_state_store_mark_webhook_event_async (entry->self->state, g_array_index (entry->covered_events, gint64, i),
                                             triggered, NULL, on_event_marked, NULL);
  g_array_set_size (entry->covered_events, 0);
}

static gboolean
on_settled (gpointer user_data)
{
  Entry *entry = user_data;
  g_autofree char *queued_cause = g_steal_pointer (&entry->queued_cause);

  entry->settle_timer = 0;
  entry->queued = FALSE;
  start_run (entry, queued_cause, NULL);
  return G_SOURCE_REMOVE;
}

/* (Re)starts the wait for quiet, unless it has waited its longest. */
static void
arm_settle (Entry *entry)
{
  SyClock *clock = entry->self->clock;
  gint64 waited = sy_clock_get_monotonic (clock) - entry->settle_since;

  if (entry->settle_timer != 0)
    {
      if (waited >= SETTLE_MAX_US - SETTLE_QUIET_US)
        return;
      sy_clock_remove_timeout (clock, entry->settle_timer);
    }
  entry->settle_timer = sy_clock_add_timeout (clock, MIN (SETTLE_QUIET_US, SETTLE_MAX_US - waited),
                                              on_settled, entry);
}

static void
run_ended (Entry      *entry,
           SySyncRun  *run,
           GError     *error)
{
  SyAutomation *self = entry->self;
  g_autofree char *cause = g_steal_pointer (&entry->cause);

  /* A run that could not start acted on nothing: its events stay
   * unmarked, and the next start catches up with them. */
  if (run != NULL && run->id > 0)
    mark_covered_events (entry, run);
  g_array_set_size (entry->covered_events, 0);

  g_clear_object (&entry->job);
  g_clear_object (&entry->source);
  g_clear_object (&entry->target);
  entry->busy = FALSE;

  g_signal_emit (self, signals[RUN_FINISHED], 0, entry->mapping, cause, run, error);

  if (self->stopping)
    {
      entry->queued = FALSE;
      g_clear_pointer (&entry->queued_cause, g_free);
      check_stopped (self);
      return;
    }
  if (entry->queued)
    {
      g_autofree char *queued_cause = NULL;

      if (g_strcmp0 (entry->queued_cause, "webhook") == 0)
        {
          entry->settle_since = sy_clock_get_monotonic (self->clock);
          arm_settle (entry);
          return;
        }
      queued_cause = g_steal_pointer (&entry->queued_cause);
      entry->queued = FALSE;
      start_run (entry, queued_cause, NULL);
    }
}

typedef struct
{
  Entry  *entry;
  GError *error;   /* the job's */
} EndData;

static void
on_run_loaded (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  EndData *data = user_data;
  Entry *entry = data->entry;
  SyAutomation *self = entry->self;
  g_autoptr(SySyncRun) run = sy_state_store_load_run_finish (self->state, result, NULL);

  /* state.db has the last word on what the run did. */
  if (run == NULL)
    run = sy_sync_job_dup_run (entry->job);
  run_ended (entry, run, data->error);
  g_clear_error (&data->error);
  g_free (data);
  g_object_unref (self);
}

static void
on_job_done (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Entry *entry = user_data;
  SyAutomation *self = entry->self;
  SySyncJob *job = SY_SYNC_JOB (source_object);
  EndData *data = g_new0 (EndData, 1);

  data->entry = entry;
  sy_sync_job_run_finish (job, result, &data->error);
  if (sy_sync_job_get_run_id (job) > 0)
    {
      /* The reference taken when the job started goes with this call. */
      sy_state_store_load_run_async (self->state, sy_sync_job_get_run_id (job), NULL, on_run_loaded, data);
      return;
    }
  {
    g_autoptr(SySyncRun) run = sy_sync_job_dup_run (job);

    run_ended (entry, run, data->error);
  }
  g_clear_error (&data->error);
  g_free (data);
  g_object_unref (self);
}

static void
launch_job (Entry     *entry,
            SySyncRun *resume)
{
  SyAutomation *self = entry->self;
  g_autoptr(GError) error = NULL;

  if (resume != NULL)
    {
      entry->job = sy_sync_job_new_resume (self->state, resume, entry->source, entry->target, &error);
      if (entry->job == NULL)
        {
          g_object_ref (self);
          run_ended (entry, resume, error);
          g_object_unref (self);
          return;
        }
    }
  else
    {
      entry->job = sy_sync_job_new (self->state, entry->mapping, entry->source, entry->target, &self->options);
      sy_sync_job_set_cause (entry->job, entry->cause);
    }
  sy_sync_job_set_connections (entry->job, self->connections);
  g_object_ref (self);
  sy_sync_job_run_async (entry->job, self->cancellable, on_job_done, entry);
}

typedef struct
{
  Entry     *entry;
  SySyncRun *resume;
} OpenData;

static void open_next_client (OpenData *data);

static void
open_data_free (OpenData *data)
{
  g_clear_pointer (&data->resume, sy_sync_run_free);
  g_free (data);
}

static void
on_client_opened (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OpenData *data = user_data;
  Entry *entry = data->entry;
  SyAutomation *self = entry->self;
  g_autoptr(GError) error = NULL;
  SyApiClient *client = sy_connection_open_client_finish (result, &error);

  if (client == NULL)
    {
      run_ended (entry, NULL, error);
      open_data_free (data);
      g_object_unref (self);
      return;
    }
  if (entry->source == NULL)
    entry->source = client;
  else
    entry->target = client;
  open_next_client (data);
  g_object_unref (self);
}

/* Opens the source's client, then the target's, then runs. */
static void
open_next_client (OpenData *data)
{
  Entry *entry = data->entry;
  SyAutomation *self = entry->self;
  const char *name;
  SyConnection *connection;

  if (self->stopping)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     _("Stopped before the run started"));

      run_ended (entry, NULL, error);
      open_data_free (data);
      return;
    }
  if (entry->source != NULL && entry->target != NULL)
    {
      launch_job (entry, data->resume);
      open_data_free (data);
      return;
    }

  name = entry->source == NULL ? sy_mapping_get_source_connection (entry->mapping)
                               : sy_mapping_get_target_connection (entry->mapping);
  connection = name != NULL ? sy_connection_store_find_by_name (self->connections, name) : NULL;
  if (connection == NULL)
    {
      g_autoptr(GError) error = NULL;

      if (name == NULL)
        error = g_error_new (SY_SYNC_ERROR, SY_SYNC_ERROR_INVALID_MAPPING,
                             _("The mapping “%s” names no connection for its %s"),
                             sy_mapping_get_name (entry->mapping),
                             entry->source == NULL ? _("source") : _("target"));
      else
        error = g_error_new (SY_CONFIG_ERROR, SY_CONFIG_ERROR_NOT_FOUND,
                             _("There is no connection named “%s”"), name);
      run_ended (entry, NULL, error);
      open_data_free (data);
      return;
    }
  sy_connection_open_client_async (self->secrets, connection, self->cancellable, on_client_opened, data);
  g_object_ref (self);
}

static void
start_run (Entry      *entry,
           const char *cause,
           SySyncRun  *resume)
{
  SyAutomation *self = entry->self;
  OpenData *data;

  entry->busy = TRUE;
  entry->cause = g_strdup (cause);
  /* This run reads every change accepted until now. */
  g_array_set_size (entry->covered_events, 0);
  g_array_append_vals (entry->covered_events, entry->pending_events->data, entry->pending_events->len);
  g_array_set_size (entry->pending_events, 0);
  {
    g_autoptr(GDateTime) now = sy_clock_get_now (self->clock);

    entry->last_start = g_date_time_to_unix (now);
  }
  g_signal_emit (self, signals[RUN_STARTED], 0, entry->mapping, cause, resume != NULL ? resume->id : (gint64) 0);

  /* The next time counts from this start; if it comes while this run
   * still runs, it is queued behind it. */
  schedule (entry);

  data = g_new0 (OpenData, 1);
  data->entry = entry;
  data->resume = resume != NULL ? sy_sync_run_copy (resume) : NULL;
  open_next_client (data);
}

void
sy_automation_request_run (SyAutomation *self,
                           SyMapping    *mapping,
                           const char   *cause)
{
  Entry *entry;

  g_return_if_fail (SY_IS_AUTOMATION (self));
  g_return_if_fail (SY_IS_MAPPING (mapping));
  g_return_if_fail (cause != NULL);

  entry = find_entry (self, mapping);
  g_return_if_fail (entry != NULL);

  if (self->stopping)
    {
      g_debug ("%s: not started (%s): stopping", sy_mapping_get_name (mapping), cause);
      return;
    }
  /* Before start, a run waits for the last runs to be known: one to
   * resume comes first. */
  if (entry->busy || !self->started || entry->settle_timer != 0)
    {
      /* Another change while the queued run waits for quiet. */
      if (entry->settle_timer != 0)
        arm_settle (entry);
      /* One queued run picks up every change made until it reads the
       * source: more would only read the same records again. */
      if (!entry->queued)
        {
          entry->queued = TRUE;
          entry->queued_cause = g_strdup (cause);
          g_signal_emit (self, signals[RUN_QUEUED], 0, mapping, cause);
        }
      else
        g_debug ("%s: a %s run is already queued", sy_mapping_get_name (mapping), entry->queued_cause);
      return;
    }
  start_run (entry, cause, NULL);
}

void
sy_automation_notify_change (SyAutomation *self,
                             const char   *connection_name,
                             const char   *entity)
{
  sy_automation_notify_event (self, connection_name, entity, 0);
}

void
sy_automation_notify_event (SyAutomation *self,
                            const char   *connection_name,
                            const char   *entity,
                            gint64        event_row)
{
  g_return_if_fail (SY_IS_AUTOMATION (self));
  g_return_if_fail (connection_name != NULL);
  g_return_if_fail (entity != NULL);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      const char *source = sy_mapping_get_source_connection (entry->mapping);

      /* Connection names compare as the store compares them. */
      if (sy_mapping_get_on_changes (entry->mapping) && source != NULL &&
          g_ascii_strcasecmp (source, connection_name) == 0 &&
          g_strcmp0 (sy_mapping_get_source_entity (entry->mapping), entity) == 0)
        {
          if (event_row > 0 && !self->stopping)
            g_array_append_val (entry->pending_events, event_row);
          sy_automation_request_run (self, entry->mapping, "webhook");
        }
    }
}

/* --- start and stop -------------------------------------------------- */

typedef struct
{
  GTask *task;
  Entry *entry;
} LoadData;

static void
begin (SyAutomation *self)
{
  self->started = TRUE;
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (self->stopping)
        break;
      if (entry->resume != NULL)
        {
          g_autoptr(SySyncRun) resume = g_steal_pointer (&entry->resume);

          /* A run asked for meanwhile stays queued behind it. */
          start_run (entry, resume->cause, resume);
        }
      else if (entry->queued)
        {
          g_autofree char *cause = g_steal_pointer (&entry->queued_cause);

          entry->queued = FALSE;
          start_run (entry, cause, NULL);
        }
      else
        schedule (entry);
    }
}

static void
keep_first_error (LoadData *data,
                  GError  **error)
{
  if (g_object_get_data (G_OBJECT (data->task), "error") == NULL)
    g_object_set_data_full (G_OBJECT (data->task), "error", g_steal_pointer (error), (GDestroyNotify) g_error_free);
}

static void
entry_loaded (LoadData *data)
{
  SyAutomation *self = g_task_get_source_object (data->task);
  guint *pending = g_task_get_task_data (data->task);

  if (--(*pending) == 0)
    {
      GError *first_error = g_object_steal_data (G_OBJECT (data->task), "error");

      /* Without the last runs, a schedule could run what just ran, or
       * pass over a run to resume. */
      if (first_error != NULL)
        g_task_return_error (data->task, first_error);
      else
        {
          begin (self);
          g_task_return_boolean (data->task, TRUE);
        }
    }
  g_object_unref (data->task);
  g_free (data);
}

static void
on_event_found (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  LoadData *data = user_data;
  SyAutomation *self = g_task_get_source_object (data->task);
  Entry *entry = data->entry;
  g_autoptr(GError) error = NULL;
  gint64 row_id = 0;

  if (!sy_state_store_find_accepted_webhook_event_finish (self->state, result, &row_id, &error))
    keep_first_error (data, &error);
  /* Stored (and answered) but maybe never acted on: the process stopped
   * first. One run catches up with all of them; a change announced while
   * start-up went on may have queued it already. */
  else if (row_id > 0 && !entry->queued)
    {
      entry->queued = TRUE;
      entry->queued_cause = g_strdup ("webhook");
    }
  entry_loaded (data);
}

/* The changes a receiver stored since the pair's last run started. */
static void
list_recent_events (LoadData *data)
{
  SyAutomation *self = g_task_get_source_object (data->task);
  Entry *entry = data->entry;
  const char *name = sy_mapping_get_source_connection (entry->mapping);
  SyConnection *connection = NULL;

  if (sy_mapping_get_on_changes (entry->mapping) && name != NULL &&
      sy_mapping_get_source_entity (entry->mapping) != NULL)
    connection = sy_connection_store_find_by_name (self->connections, name);
  if (connection == NULL)
    {
      entry_loaded (data);
      return;
    }
  /* One query, whatever else the connection received since: a burst for
   * other entities, or refusals, must not hide it. */
  sy_state_store_find_accepted_webhook_event_async (self->state, sy_connection_get_id (connection),
                                                    sy_mapping_get_source_entity (entry->mapping),
                                                    entry->last_start, NULL, on_event_found, data);
}

static void
on_runs_listed (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  LoadData *data = user_data;
  SyAutomation *self = g_task_get_source_object (data->task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = sy_state_store_list_runs_finish (self->state, result, &error);

  if (runs == NULL)
    {
      keep_first_error (data, &error);
      entry_loaded (data);
      return;
    }
  if (runs->len > 0)
    {
      SySyncRun *newest = g_ptr_array_index (runs, 0);

      data->entry->last_start = newest->started_at;
      /* Only what this automation started: a person's stopped run is
       * theirs to resume. */
      if (newest->cause != NULL &&
          (newest->state == SY_SYNC_RUN_STATE_STOPPED || newest->state == SY_SYNC_RUN_STATE_INTERRUPTED))
        data->entry->resume = sy_sync_run_copy (newest);
    }
  list_recent_events (data);
}

void
sy_automation_start_async (SyAutomation        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  guint *pending;

  g_return_if_fail (SY_IS_AUTOMATION (self));
  g_return_if_fail (!self->started);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_automation_start_async);
  pending = g_new (guint, 1);
  *pending = self->entries->len;
  g_task_set_task_data (task, pending, g_free);

  if (self->entries->len == 0)
    {
      begin (self);
      g_task_return_boolean (task, TRUE);
      return;
    }
  for (guint i = 0; i < self->entries->len; i++)
    {
      LoadData *data = g_new0 (LoadData, 1);

      data->task = g_object_ref (task);
      data->entry = g_ptr_array_index (self->entries, i);
      sy_state_store_list_runs_async (self->state, data->entry->pair, 1, NULL, on_runs_listed, data);
    }
}

gboolean
sy_automation_start_finish (SyAutomation  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sy_automation_stop_async (SyAutomation        *self,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SY_IS_AUTOMATION (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sy_automation_stop_async);

  if (self->stopping)
    {
      /* Again: do not wait for the batches in flight. */
      g_cancellable_cancel (self->cancellable);
      g_task_return_boolean (task, TRUE);
      return;
    }

  self->stopping = TRUE;
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->timer != 0)
        {
          sy_clock_remove_timeout (self->clock, entry->timer);
          entry->timer = 0;
        }
      if (entry->settle_timer != 0)
        {
          sy_clock_remove_timeout (self->clock, entry->settle_timer);
          entry->settle_timer = 0;
        }
      g_clear_pointer (&entry->due, g_date_time_unref);
      entry->queued = FALSE;
      g_clear_pointer (&entry->queued_cause, g_free);
      if (entry->job != NULL)
        sy_sync_job_stop (entry->job);
    }
  self->stop_task = g_steal_pointer (&task);
  check_stopped (self);
}

gboolean
sy_automation_stop_finish (SyAutomation  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

guint
sy_automation_get_n_running (SyAutomation *self)
{
  guint n = 0;

  g_return_val_if_fail (SY_IS_AUTOMATION (self), 0);

  for (guint i = 0; i < self->entries->len; i++)
    if (((Entry *) g_ptr_array_index (self->entries, i))->busy)
      n++;
  return n;
}

GDateTime *
sy_automation_dup_next_due (SyAutomation *self,
                            SyMapping    *mapping)
{
  Entry *entry;

  g_return_val_if_fail (SY_IS_AUTOMATION (self), NULL);

  entry = find_entry (self, mapping);
  g_return_val_if_fail (entry != NULL, NULL);
  return entry->due != NULL ? g_date_time_ref (entry->due) : NULL;
}
