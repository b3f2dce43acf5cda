/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-rate-limiter.h"
#include "sy-test-support.h"

typedef struct
{
  gint64 now;
} FakeClock;

static gint64
fake_now (gpointer user_data)
{
  return ((FakeClock *) user_data)->now;
}

static SyRateLimiter *
limiter_with_clock (double     max_rps,
                    FakeClock *clock)
{
  SyRateLimiter *limiter = sy_rate_limiter_new (max_rps);

  clock->now = 1000 * G_USEC_PER_SEC;
  sy_rate_limiter_set_clock (limiter, fake_now, clock);
  return limiter;
}

static void
test_bucket_spacing (void)
{
  FakeClock clock;
  g_autoptr(SyRateLimiter) limiter = limiter_with_clock (10, &clock);

  /* A burst of one: the first goes at once, the second a tenth later. */
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 0);
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 100000);
  clock.now += 40000;
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 60000);
  clock.now += 60000;
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 0);
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 100000);

  /* Idle time does not build up a burst. */
  clock.now += 10 * G_USEC_PER_SEC;
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 0);
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 100000);
  g_assert_false (sy_rate_limiter_is_limited (limiter));
}

static void
test_unlimited (void)
{
  FakeClock clock;
  g_autoptr(SyRateLimiter) limiter = limiter_with_clock (0, &clock);

  for (guint i = 0; i < 100; i++)
    g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 0);
  g_assert_cmpfloat (sy_rate_limiter_get_rate (limiter), ==, 0);
}

static void
test_pause_deadline (void)
{
  FakeClock clock;
  g_autoptr(SyRateLimiter) limiter = limiter_with_clock (0, &clock);

  sy_rate_limiter_pause (limiter, 2000);
  g_assert_true (sy_rate_limiter_is_limited (limiter));
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 2 * G_USEC_PER_SEC);

  /* A shorter pause asked later does not cut the longer one short. */
  clock.now += G_USEC_PER_SEC;
  sy_rate_limiter_pause (limiter, 100);
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, G_USEC_PER_SEC);

  clock.now += G_USEC_PER_SEC - 1;
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 1);
  clock.now += 1;
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 0);
  g_assert_false (sy_rate_limiter_is_limited (limiter));
}

static void
test_slowdown_recovers (void)
{
  FakeClock clock;
  g_autoptr(SyRateLimiter) limiter = limiter_with_clock (10, &clock);

  g_assert_cmpfloat (sy_rate_limiter_get_rate (limiter), ==, 10);
  sy_rate_limiter_slow_down (limiter);
  g_assert_cmpfloat_with_epsilon (sy_rate_limiter_get_rate (limiter), 5, 1e-9);
  g_assert_true (sy_rate_limiter_is_limited (limiter));

  /* One burst of 429s is one slowdown. */
  clock.now += G_USEC_PER_SEC / 2;
  sy_rate_limiter_slow_down (limiter);
  g_assert_cmpfloat (sy_rate_limiter_get_rate (limiter), >, 5);

  /* Spacing follows the lowered rate. */
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 0);
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), >, 100000);

  /* Linear recovery: half way after half the time, whole at the end. */
  clock.now += SY_RATE_LIMITER_RECOVERY_US / 2 - G_USEC_PER_SEC / 2;
  g_assert_cmpfloat_with_epsilon (sy_rate_limiter_get_rate (limiter), 7.5, 1e-6);
  clock.now += SY_RATE_LIMITER_RECOVERY_US / 2;
  g_assert_cmpfloat (sy_rate_limiter_get_rate (limiter), ==, 10);
  g_assert_false (sy_rate_limiter_is_limited (limiter));

  /* A second 429 during a slowdown halves it again. */
  sy_rate_limiter_slow_down (limiter);
  clock.now += 2 * G_USEC_PER_SEC;
  sy_rate_limiter_slow_down (limiter);
  g_assert_cmpfloat (sy_rate_limiter_get_rate (limiter), <, 3);
}

static void
test_slowdown_without_limit (void)
{
  FakeClock clock;
  g_autoptr(SyRateLimiter) limiter = limiter_with_clock (0, &clock);

  /* 100 requests a second went through before the server objected. */
  for (guint i = 0; i < 20; i++)
    {
      g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 0);
      clock.now += 10000;
    }
  sy_rate_limiter_slow_down (limiter);
  g_assert_cmpfloat_with_epsilon (sy_rate_limiter_get_rate (limiter), 50, 1);
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 10000);
  clock.now += 10000;
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 0);
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), >=, 19000);

  clock.now += SY_RATE_LIMITER_RECOVERY_US;
  g_assert_cmpfloat (sy_rate_limiter_get_rate (limiter), ==, 0);
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 0);
  g_assert_cmpint (sy_rate_limiter_try_acquire (limiter), ==, 0);
}

typedef struct
{
  GArray *times;
  guint   cancelled;
  guint   pending;
} Acquired;

static void
on_acquired (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Acquired *acquired = user_data;
  g_autoptr(GError) error = NULL;

  if (sy_rate_limiter_acquire_finish (SY_RATE_LIMITER (source), result, &error))
    {
      gint64 now = g_get_monotonic_time ();
      g_array_append_val (acquired->times, now);
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      acquired->cancelled++;
    }
  acquired->pending--;
}

static void
test_async_spacing (void)
{
  g_autoptr(SyRateLimiter) limiter = sy_rate_limiter_new (50);
  Acquired acquired = { g_array_new (FALSE, FALSE, sizeof (gint64)), 0, 6 };
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < 6; i++)
    sy_rate_limiter_acquire_async (limiter, NULL, on_acquired, &acquired);
  while (acquired.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (acquired.times->len, ==, 6);
  /* Never sooner than the rate allows (20 ms at 50 a second): the i-th
   * grant comes i steps after the start. Measured from the start, not
   * between neighbours, whose callbacks a busy machine may run late and
   * so seemingly close together. */
  for (guint i = 1; i < acquired.times->len; i++)
    g_assert_cmpint (g_array_index (acquired.times, gint64, i) - start, >=, (gint64) i * (20000 - 1000));
  g_array_unref (acquired.times);
}

static void
test_async_pause_and_cancel (void)
{
  g_autoptr(SyRateLimiter) limiter = sy_rate_limiter_new (0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Acquired acquired = { g_array_new (FALSE, FALSE, sizeof (gint64)), 0, 1 };
  gint64 start = g_get_monotonic_time ();

  sy_rate_limiter_pause (limiter, 150);
  sy_rate_limiter_acquire_async (limiter, NULL, on_acquired, &acquired);
  while (acquired.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (acquired.times->len, ==, 1);
  g_assert_cmpint (g_array_index (acquired.times, gint64, 0) - start, >=, 150000);

  /* A waiter cancelled during a long pause leaves at once, empty-handed;
   * the one behind it still gets its turn when the pause ends. Long: a
   * machine that stalls this test for the whole pause would see both
   * leave in one iteration (once under the sanitizers with 200 ms). */
  sy_rate_limiter_pause (limiter, 3000);
  acquired.pending = 2;
  sy_rate_limiter_acquire_async (limiter, cancellable, on_acquired, &acquired);
  sy_rate_limiter_acquire_async (limiter, NULL, on_acquired, &acquired);
  g_cancellable_cancel (cancellable);
  while (acquired.pending > 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (acquired.cancelled, ==, 1);
  g_assert_cmpuint (acquired.times->len, ==, 1);
  while (acquired.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (acquired.times->len, ==, 2);
  g_array_unref (acquired.times);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rate-limiter/bucket-spacing", test_bucket_spacing);
  g_test_add_func ("/rate-limiter/unlimited", test_unlimited);
  g_test_add_func ("/rate-limiter/pause-deadline", test_pause_deadline);
  g_test_add_func ("/rate-limiter/slowdown-recovers", test_slowdown_recovers);
  g_test_add_func ("/rate-limiter/slowdown-without-limit", test_slowdown_without_limit);
  g_test_add_func ("/rate-limiter/async-spacing", test_async_spacing);
  g_test_add_func ("/rate-limiter/async-pause-and-cancel", test_async_pause_and_cancel);

  return g_test_run ();
}
