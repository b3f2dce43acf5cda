/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-rate-limiter.h"

/* Grants remembered to estimate the rate a job without max_rps reached
 * when the server first says "too many". */
#define OBSERVED_GRANTS 32
#define OBSERVED_WINDOW_US (5 * G_USEC_PER_SEC)
/* A burst of 429s answers one burst of requests: one slowdown for all. */
#define SLOWDOWN_HOLDOFF_US (G_USEC_PER_SEC)
#define MIN_RATE 0.2

typedef struct
{
  SyRateLimiter *limiter;
  GTask         *task;
  GSource       *cancel_source;
} Waiter;

struct _SyRateLimiter
{
  GObject             parent_instance;

  double              max_rps;
  SyRateLimiterClock  clock;
  gpointer            clock_data;

  gboolean            granted;
  gint64              last_grant;
  gint64              pause_until;
  /* Slowdown: the rate starts at slow_rate and climbs linearly back to
   * recover_rate over SY_RATE_LIMITER_RECOVERY_US from slow_since. */
  gint64              slow_since;     /* 0: not slowed */
  double              slow_rate;
  double              recover_rate;

  gint64              grants[OBSERVED_GRANTS];
  guint               n_grants;
  guint               grant_head;

  GQueue              waiters;
  GSource            *timer;
};

G_DEFINE_FINAL_TYPE (SyRateLimiter, sy_rate_limiter, G_TYPE_OBJECT)

static gint64
real_clock (gpointer user_data)
{
  return g_get_monotonic_time ();
}

static gint64
now_us (SyRateLimiter *self)
{
  return self->clock (self->clock_data);
}

static void
waiter_free (Waiter *waiter)
{
  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  g_clear_object (&waiter->task);
  g_free (waiter);
}

static void
sy_rate_limiter_dispose (GObject *object)
{
  SyRateLimiter *self = SY_RATE_LIMITER (object);
  Waiter *waiter;

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }

  /* Waiters hold a reference, so this only runs without any; but a
   * dispose from g_object_run_dispose() must not leave tasks hanging. */
  while ((waiter = g_queue_pop_head (&self->waiters)) != NULL)
    {
      g_task_return_new_error (waiter->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", "Rate limiter disposed");
      waiter_free (waiter);
    }

  G_OBJECT_CLASS (sy_rate_limiter_parent_class)->dispose (object);
}

static void
sy_rate_limiter_class_init (SyRateLimiterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_rate_limiter_dispose;
}

static void
sy_rate_limiter_init (SyRateLimiter *self)
{
  self->clock = real_clock;
  g_queue_init (&self->waiters);
}

SyRateLimiter *
sy_rate_limiter_new (double max_rps)
{
  SyRateLimiter *self = g_object_new (SY_TYPE_RATE_LIMITER, NULL);

  self->max_rps = MAX (max_rps, 0);
  return self;
}

void
sy_rate_limiter_set_clock (SyRateLimiter      *self,
                           SyRateLimiterClock  clock,
                           gpointer            user_data)
{
  g_return_if_fail (SY_IS_RATE_LIMITER (self));

  self->clock = clock != NULL ? clock : real_clock;
  self->clock_data = clock != NULL ? user_data : NULL;
}

static double
effective_rate (SyRateLimiter *self,
                gint64         now)
{
  double cap;
  gint64 elapsed;

  if (self->slow_since == 0)
    return self->max_rps;

  elapsed = now - self->slow_since;
  if (elapsed >= SY_RATE_LIMITER_RECOVERY_US)
    {
      self->slow_since = 0;
      return self->max_rps;
    }

  cap = self->slow_rate + (self->recover_rate - self->slow_rate) * (double) MAX (elapsed, 0) / SY_RATE_LIMITER_RECOVERY_US;
  return self->max_rps > 0 ? MIN (self->max_rps, cap) : cap;
}

/* The earliest time the next request may go. */
static gint64
next_free (SyRateLimiter *self,
           gint64         now)
{
  double rate = effective_rate (self, now);
  gint64 next = self->pause_until;

  if (rate > 0 && self->granted)
    next = MAX (next, self->last_grant + (gint64) (G_USEC_PER_SEC / rate));

  return next;
}

static gint64
take_slot (SyRateLimiter *self)
{
  gint64 now = now_us (self);
  gint64 next = next_free (self, now);

  if (next > now)
    return next - now;

  self->granted = TRUE;
  self->last_grant = now;
  self->grants[self->grant_head] = now;
  self->grant_head = (self->grant_head + 1) % OBSERVED_GRANTS;
  self->n_grants = MIN (self->n_grants + 1, OBSERVED_GRANTS);
  return 0;
}

static void serve_waiters (SyRateLimiter *self);

static gboolean
on_timer (gpointer user_data)
{
  SyRateLimiter *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  serve_waiters (self);
  return G_SOURCE_REMOVE;
}

static void
serve_waiters (SyRateLimiter *self)
{
  while (!g_queue_is_empty (&self->waiters))
    {
      gint64 wait = take_slot (self);
      Waiter *waiter;

      if (wait > 0)
        {
          if (self->timer == NULL)
            {
              /* Rounded up: early wake-ups would only arm the timer again. */
              self->timer = g_timeout_source_new ((guint) MIN ((wait + 999) / 1000, (gint64) G_MAXUINT));
              g_source_set_name (self->timer, "[switchyard] rate limiter");
              g_source_set_callback (self->timer, on_timer, self, NULL);
              g_source_attach (self->timer, g_task_get_context (((Waiter *) g_queue_peek_head (&self->waiters))->task));
            }
          return;
        }

      waiter = g_queue_pop_head (&self->waiters);
      g_task_return_boolean (waiter->task, TRUE);
      waiter_free (waiter);
    }
}

gint64
sy_rate_limiter_try_acquire (SyRateLimiter *self)
{
  g_return_val_if_fail (SY_IS_RATE_LIMITER (self), 0);

  if (!g_queue_is_empty (&self->waiters))
    {
      gint64 now = now_us (self);
      return MAX (next_free (self, now) - now, 1);
    }

  return take_slot (self);
}

static gboolean
on_waiter_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  Waiter *waiter = user_data;
  SyRateLimiter *self = waiter->limiter;

  g_queue_remove (&self->waiters, waiter);
  g_clear_pointer (&waiter->cancel_source, g_source_unref);
  g_task_return_error_if_cancelled (waiter->task);
  waiter_free (waiter);

  if (g_queue_is_empty (&self->waiters) && self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }

  return G_SOURCE_REMOVE;
}

void
sy_rate_limiter_acquire_async (SyRateLimiter       *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Waiter *waiter;

  g_return_if_fail (SY_IS_RATE_LIMITER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_rate_limiter_acquire_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (g_queue_is_empty (&self->waiters) && take_slot (self) == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->limiter = self;
  waiter->task = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_name (waiter->cancel_source, "[switchyard] rate limiter cancel");
      g_source_set_callback (waiter->cancel_source, (GSourceFunc) G_CALLBACK (on_waiter_cancelled), waiter, NULL);
      g_source_attach (waiter->cancel_source, g_task_get_context (waiter->task));
    }
  g_queue_push_tail (&self->waiters, waiter);
  serve_waiters (self);
}

gboolean
sy_rate_limiter_acquire_finish (SyRateLimiter  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (SY_IS_RATE_LIMITER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sy_rate_limiter_pause (SyRateLimiter *self,
                       guint          delay_ms)
{
  g_return_if_fail (SY_IS_RATE_LIMITER (self));

  /* A timer armed earlier fires too soon at worst; serving then re-arms it. */
  self->pause_until = MAX (self->pause_until, now_us (self) + (gint64) delay_ms * 1000);
}

static double
observed_rate (SyRateLimiter *self,
               gint64         now)
{
  gint64 oldest = G_MAXINT64;
  gint64 newest = 0;
  guint n = 0;

  for (guint i = 0; i < self->n_grants; i++)
    {
      gint64 t = self->grants[i];

      if (t < now - OBSERVED_WINDOW_US)
        continue;
      oldest = MIN (oldest, t);
      newest = MAX (newest, t);
      n++;
    }

  if (n < 2 || newest <= oldest)
    return n;

  return (double) (n - 1) * G_USEC_PER_SEC / (double) (newest - oldest);
}

void
sy_rate_limiter_slow_down (SyRateLimiter *self)
{
  gint64 now;
  double current;

  g_return_if_fail (SY_IS_RATE_LIMITER (self));

  now = now_us (self);
  if (self->slow_since != 0 && now - self->slow_since < SLOWDOWN_HOLDOFF_US)
    return;

  current = effective_rate (self, now);
  if (current <= 0)
    current = observed_rate (self, now);
  if (current <= 0)
    current = 1;

  self->slow_rate = MAX (current / 2, MIN_RATE);
  /* From a slowdown, back to where the rate was before this one. */
  if (self->max_rps > 0)
    self->recover_rate = self->max_rps;
  else if (self->slow_since == 0)
    self->recover_rate = current;
  self->slow_since = now;
}

double
sy_rate_limiter_get_rate (SyRateLimiter *self)
{
  g_return_val_if_fail (SY_IS_RATE_LIMITER (self), 0);

  return effective_rate (self, now_us (self));
}

gboolean
sy_rate_limiter_is_limited (SyRateLimiter *self)
{
  gint64 now;

  g_return_val_if_fail (SY_IS_RATE_LIMITER (self), FALSE);

  now = now_us (self);
  effective_rate (self, now);
  return self->pause_until > now || self->slow_since != 0;
}
