/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SY_TYPE_RATE_LIMITER (sy_rate_limiter_get_type ())
G_DECLARE_FINAL_TYPE (SyRateLimiter, sy_rate_limiter, SY, RATE_LIMITER, GObject)

/* Admission control for requests to one server: a token bucket of
 * max_rps requests a second with a burst of one (0: no limit), a pause
 * that holds everybody back until a deadline (a 429's Retry-After), and a
 * slowdown after a 429 (the rate is halved, then recovers linearly over
 * about 30 seconds). Waiters are served first come, first served, on the
 * main context they asked from. */

/* Monotonic microseconds; tests pass a fake one. */
typedef gint64 (*SyRateLimiterClock) (gpointer user_data);

#define SY_RATE_LIMITER_RECOVERY_US (30 * G_USEC_PER_SEC)

SyRateLimiter *sy_rate_limiter_new            (double               max_rps);
void           sy_rate_limiter_set_clock      (SyRateLimiter       *self,
                                               SyRateLimiterClock   clock,
                                               gpointer             user_data);

/* Takes the next slot if it is free now: 0. Otherwise takes nothing and
 * returns the microseconds until a slot may be free. Waiters queued by
 * acquire_async() go first. */
gint64         sy_rate_limiter_try_acquire    (SyRateLimiter       *self);

/* Finishes TRUE once a slot is taken; G_IO_ERROR_CANCELLED when
 * cancellable fires first (the slot is not taken). */
void           sy_rate_limiter_acquire_async  (SyRateLimiter       *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean       sy_rate_limiter_acquire_finish (SyRateLimiter       *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* Nobody is admitted before now + delay_ms (a longer pause already set
 * stays). */
void           sy_rate_limiter_pause          (SyRateLimiter       *self,
                                               guint                delay_ms);
/* The server said "too many": halve the rate (without max_rps, halve the
 * rate observed lately), recovering over SY_RATE_LIMITER_RECOVERY_US. */
void           sy_rate_limiter_slow_down      (SyRateLimiter       *self);

/* Requests a second admitted now, 0 for no limit. */
double         sy_rate_limiter_get_rate       (SyRateLimiter       *self);
/* Paused or slowed down at the moment. */
gboolean       sy_rate_limiter_is_limited     (SyRateLimiter       *self);

G_END_DECLS
