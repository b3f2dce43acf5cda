/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-clock.h"

typedef struct
{
  guint       id;
  gint64      due;       /* monotonic, microseconds */
  GSourceFunc func;
  gpointer    user_data;
} ManualTimeout;

struct _SyClock
{
  GObject     parent_instance;

  gboolean    manual;
  GTimeZone  *timezone;

  /* Manual clock. */
  gint64      monotonic;
  GDateTime  *wall;
  GPtrArray  *timeouts;    /* of ManualTimeout */
  guint       next_id;
  GHashTable *system_ids;  /* system clock: ids we handed out → GSource id */
};

G_DEFINE_TYPE (SyClock, sy_clock, G_TYPE_OBJECT)

static void
sy_clock_finalize (GObject *object)
{
  SyClock *self = SY_CLOCK (object);

  if (self->system_ids != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->system_ids);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_source_remove (GPOINTER_TO_UINT (value));
      g_hash_table_unref (self->system_ids);
    }
  g_clear_pointer (&self->timeouts, g_ptr_array_unref);
  g_clear_pointer (&self->wall, g_date_time_unref);
  g_clear_pointer (&self->timezone, g_time_zone_unref);

  G_OBJECT_CLASS (sy_clock_parent_class)->finalize (object);
}

static void
sy_clock_class_init (SyClockClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_clock_finalize;
}

static void
sy_clock_init (SyClock *self)
{
  self->next_id = 1;
}

SyClock *
sy_clock_new_system (void)
{
  SyClock *self = g_object_new (SY_TYPE_CLOCK, NULL);

  self->timezone = g_time_zone_new_local ();
  self->system_ids = g_hash_table_new (NULL, NULL);
  return self;
}

SyClock *
sy_clock_new_manual (GDateTime *start)
{
  SyClock *self;

  g_return_val_if_fail (start != NULL, NULL);

  self = g_object_new (SY_TYPE_CLOCK, NULL);
  self->manual = TRUE;
  self->timezone = g_time_zone_ref (g_date_time_get_timezone (start));
  self->wall = g_date_time_ref (start);
  self->monotonic = 1000 * G_USEC_PER_SEC;
  self->timeouts = g_ptr_array_new_with_free_func (g_free);
  return self;
}

gboolean
sy_clock_is_manual (SyClock *self)
{
  g_return_val_if_fail (SY_IS_CLOCK (self), FALSE);

  return self->manual;
}

gint64
sy_clock_get_monotonic (SyClock *self)
{
  g_return_val_if_fail (SY_IS_CLOCK (self), 0);

  return self->manual ? self->monotonic : g_get_monotonic_time ();
}

GDateTime *
sy_clock_get_now (SyClock *self)
{
  g_return_val_if_fail (SY_IS_CLOCK (self), NULL);

  if (self->manual)
    return g_date_time_ref (self->wall);
  return g_date_time_new_now (self->timezone);
}

GTimeZone *
sy_clock_get_timezone (SyClock *self)
{
  g_return_val_if_fail (SY_IS_CLOCK (self), NULL);

  return self->timezone;
}

typedef struct
{
  SyClock    *clock;     /* not owned: the clock removes its sources when finalized */
  guint       id;
  GSourceFunc func;
  gpointer    user_data;
} SystemTimeout;

static gboolean
system_timeout_fired (gpointer data)
{
  SystemTimeout *timeout = data;

  /* Once only, like a manual timer: the id is forgotten before the call
   * so that the callback may add another. */
  g_hash_table_remove (timeout->clock->system_ids, GUINT_TO_POINTER (timeout->id));
  timeout->func (timeout->user_data);
  return G_SOURCE_REMOVE;
}

guint
sy_clock_add_timeout (SyClock     *self,
                      gint64       delay_us,
                      GSourceFunc  func,
                      gpointer     user_data)
{
  guint id;

  g_return_val_if_fail (SY_IS_CLOCK (self), 0);
  g_return_val_if_fail (func != NULL, 0);

  id = self->next_id++;
  if (self->next_id == 0)
    self->next_id = 1;
  delay_us = MAX (delay_us, 0);

  if (self->manual)
    {
      ManualTimeout *timeout = g_new0 (ManualTimeout, 1);

      timeout->id = id;
      timeout->due = self->monotonic + delay_us;
      timeout->func = func;
      timeout->user_data = user_data;
      g_ptr_array_add (self->timeouts, timeout);
    }
  else
    {
      SystemTimeout *timeout = g_new0 (SystemTimeout, 1);
      guint source_id;
      /* Rounded up: a timer must not fire before its time. */
      guint64 delay_ms = ((guint64) delay_us + 999) / 1000;

      timeout->clock = self;
      timeout->id = id;
      timeout->func = func;
      timeout->user_data = user_data;
      source_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) MIN (delay_ms, G_MAXUINT),
                                      system_timeout_fired, timeout, g_free);
      g_hash_table_insert (self->system_ids, GUINT_TO_POINTER (id), GUINT_TO_POINTER (source_id));
    }
  return id;
}

void
sy_clock_remove_timeout (SyClock *self,
                         guint    id)
{
  g_return_if_fail (SY_IS_CLOCK (self));

  if (id == 0)
    return;
  if (self->manual)
    {
      for (guint i = 0; i < self->timeouts->len; i++)
        if (((ManualTimeout *) g_ptr_array_index (self->timeouts, i))->id == id)
          {
            g_ptr_array_remove_index (self->timeouts, i);
            return;
          }
    }
  else
    {
      gpointer source_id;

      if (g_hash_table_steal_extended (self->system_ids, GUINT_TO_POINTER (id), NULL, &source_id))
        g_source_remove (GPOINTER_TO_UINT (source_id));
    }
}

static ManualTimeout *
take_earliest_due (SyClock *self,
                   gint64   until)
{
  guint best = G_MAXUINT;

  for (guint i = 0; i < self->timeouts->len; i++)
    {
      ManualTimeout *timeout = g_ptr_array_index (self->timeouts, i);

      if (timeout->due <= until &&
          (best == G_MAXUINT || timeout->due < ((ManualTimeout *) g_ptr_array_index (self->timeouts, best))->due))
        best = i;
    }
  return best == G_MAXUINT ? NULL : g_ptr_array_steal_index (self->timeouts, best);
}

static void
set_manual_time (SyClock *self,
                 gint64   monotonic)
{
  GDateTime *wall = g_date_time_add (self->wall, monotonic - self->monotonic);

  g_date_time_unref (self->wall);
  self->wall = wall;
  self->monotonic = monotonic;
}

void
sy_clock_advance (SyClock *self,
                  gint64   delta_us)
{
  gint64 until;
  ManualTimeout *timeout;

  g_return_if_fail (SY_IS_CLOCK (self));
  g_return_if_fail (self->manual);
  g_return_if_fail (delta_us >= 0);

  until = self->monotonic + delta_us;
  g_object_ref (self);
  while ((timeout = take_earliest_due (self, until)) != NULL)
    {
      if (timeout->due > self->monotonic)
        set_manual_time (self, timeout->due);
      timeout->func (timeout->user_data);
      g_free (timeout);
    }
  set_manual_time (self, until);
  g_object_unref (self);
}

guint
sy_clock_get_n_timeouts (SyClock *self)
{
  g_return_val_if_fail (SY_IS_CLOCK (self), 0);
  g_return_val_if_fail (self->manual, 0);

  return self->timeouts->len;
}
