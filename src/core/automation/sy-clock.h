/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SY_TYPE_CLOCK (sy_clock_get_type ())
G_DECLARE_FINAL_TYPE (SyClock, sy_clock, SY, CLOCK, GObject)

/* The time the scheduler reads and the timers it sets. The system clock
 * reads GLib's monotonic and wall clocks and sets GLib timeouts on the
 * thread-default main context; a manual clock (for tests) stands still
 * until sy_clock_advance() moves it, which fires the timers that come due
 * on the way, in order, without waiting. */
SyClock    *sy_clock_new_system      (void);
/* Starts at wall time start (its time zone is the clock's local zone, so
 * that a test can pick one with daylight saving time). */
SyClock    *sy_clock_new_manual      (GDateTime   *start);

gboolean    sy_clock_is_manual       (SyClock     *self);
/* Microseconds, never going back. */
gint64      sy_clock_get_monotonic   (SyClock     *self);
/* Now, in the clock's local time zone. */
GDateTime  *sy_clock_get_now         (SyClock     *self);
GTimeZone  *sy_clock_get_timezone    (SyClock     *self);

/* Calls func once, after delay_us of monotonic time. Returns an id > 0
 * for sy_clock_remove_timeout(). */
guint       sy_clock_add_timeout     (SyClock     *self,
                                      gint64       delay_us,
                                      GSourceFunc  func,
                                      gpointer     user_data);
void        sy_clock_remove_timeout  (SyClock     *self,
                                      guint        id);

/* Manual clocks only: moves both clocks forward by delta_us, firing each
 * timer due on the way at its own time (a timer a callback adds inside the
 * window fires too). */
void        sy_clock_advance         (SyClock     *self,
                                      gint64       delta_us);
/* Manual clocks only: the number of timers waiting. */
guint       sy_clock_get_n_timeouts  (SyClock     *self);

G_END_DECLS
