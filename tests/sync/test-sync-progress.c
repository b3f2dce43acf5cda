/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "sy-sync-progress-private.h"
#include "sy-sync-result-describe.h"

/* The time left from a smoothed rate, fed through a fake clock: no sleeps. */

typedef struct
{
  gint64 now;
} FakeClock;

static gint64
fake_clock (gpointer user_data)
{
  return ((FakeClock *) user_data)->now;
}

static void
feed (SySyncProgress *progress,
      FakeClock      *clock,
      guint64        *done,
      guint           per_second,
      guint           seconds)
{
  for (guint i = 0; i < seconds; i++)
    {
      clock->now += G_USEC_PER_SEC;
      *done += per_second;
      sy_sync_progress_set_counts (progress, *done, *done, 0, 0, 0);
    }
}

/* Steady 10 records a second: about (1000 - done) / 10 s left, moving
 * by a second a second. A one-second burst at ten times the rate, then
 * the target slowing to 2 a second: the figure moves, but never by more
 * than half at the burst and a third a second after, and nothing like what a five-second
 * window gives. */
static void
test_eta_smoothed (void)
{
  g_autoptr(SySyncProgress) progress = sy_sync_progress_new ();
  FakeClock clock = { 1000 * G_USEC_PER_SEC };
  guint64 done = 0;
  gint64 eta, before;

  sy_sync_progress_set_clock (progress, fake_clock, &clock);
  sy_sync_progress_set_state (progress, SY_SYNC_JOB_STATE_RUNNING);
  sy_sync_progress_set_total (progress, 1000);
  g_assert_cmpfloat (sy_sync_progress_get_smoothed_rate (progress), <, 0);
  g_assert_cmpint (sy_sync_progress_get_eta (progress), ==, -1);

  feed (progress, &clock, &done, 10, 30);
  eta = sy_sync_progress_get_eta (progress);
  g_test_message ("Steady: %" G_GINT64_FORMAT " s", eta);
  g_assert_cmpfloat_with_epsilon (sy_sync_progress_get_smoothed_rate (progress), 10.0, 0.01);
  g_assert_cmpint (eta, ==, 70);

  before = eta;
  feed (progress, &clock, &done, 100, 1);
  eta = sy_sync_progress_get_eta (progress);
  g_test_message ("After a burst: %" G_GINT64_FORMAT " s (short window: %.0f/s)", eta,
                  sy_sync_progress_get_throughput (progress));
  g_assert_cmpint (eta, >=, before / 2);
  /* The 5-second window would have said (1000 - 400) / 28 = 21 s. */
  g_assert_cmpint (eta, >, 40);

  for (guint i = 0; i < 25; i++)
    {
      before = eta;
      feed (progress, &clock, &done, 2, 1);
      eta = sy_sync_progress_get_eta (progress);
      g_assert_cmpint (eta, >, 0);
      g_assert_cmpint (ABS (eta - before), <=, before / 3 + 2);
    }
  g_test_message ("After 25 s at 2/s: %" G_GINT64_FORMAT " s", eta);
  /* It has learned that things are slower: more than the steady figure. */
  g_assert_cmpint (eta, >, 70);
}

/* A stall lowers the rate as time passes, without a new count. */
static void
test_eta_stall (void)
{
  g_autoptr(SySyncProgress) progress = sy_sync_progress_new ();
  FakeClock clock = { 1000 * G_USEC_PER_SEC };
  guint64 done = 0;
  gint64 eta;

  sy_sync_progress_set_clock (progress, fake_clock, &clock);
  sy_sync_progress_set_state (progress, SY_SYNC_JOB_STATE_RUNNING);
  sy_sync_progress_set_total (progress, 1000);
  feed (progress, &clock, &done, 10, 20);
  eta = sy_sync_progress_get_eta (progress);
  clock.now += 20 * G_USEC_PER_SEC;
  g_assert_cmpint (sy_sync_progress_get_eta (progress), >, eta);
}

/* Paused: no rate, no time left, "paused" once; the paused minutes do not
 * count against the rate once it runs again. */
static void
test_paused (void)
{
  g_autoptr(SySyncProgress) progress = sy_sync_progress_new ();
  FakeClock clock = { 1000 * G_USEC_PER_SEC };
  g_autofree char *paused = NULL;
  guint64 done = 0;
  double rate;
  const char *first;

  sy_sync_progress_set_clock (progress, fake_clock, &clock);
  sy_sync_progress_set_state (progress, SY_SYNC_JOB_STATE_RUNNING);
  sy_sync_progress_set_total (progress, 1000);
  feed (progress, &clock, &done, 10, 20);
  rate = sy_sync_progress_get_smoothed_rate (progress);

  sy_sync_progress_set_state (progress, SY_SYNC_JOB_STATE_PAUSED);
  clock.now += 120 * G_USEC_PER_SEC;
  g_assert_cmpint (sy_sync_progress_get_eta (progress), ==, -1);
  paused = sy_sync_progress_describe (progress);
  g_test_message ("Paused: %s", paused);
  g_assert_null (strstr (paused, "/s"));
  g_assert_null (strstr (paused, "left"));
  first = strstr (paused, "paused");
  g_assert_nonnull (first);
  g_assert_null (strstr (first + 1, "paused"));

  sy_sync_progress_set_state (progress, SY_SYNC_JOB_STATE_RUNNING);
  feed (progress, &clock, &done, 10, 1);
  g_assert_cmpfloat_with_epsilon (sy_sync_progress_get_smoothed_rate (progress), rate, 0.01);
  g_assert_cmpint (sy_sync_progress_get_eta (progress), >, 0);
}

static void
check_status (guint       status,
              guint       attempts,
              const char *platform,
              const char *expected)
{
  g_autoptr(SySyncResult) r = sy_sync_result_new ("K-1", SY_SYNC_OUTCOME_FAILED);
  g_autofree char *text = NULL;

  r->status = status;
  r->attempts = attempts;
  r->message = g_strdup ("whatever the server said");
  text = sy_sync_result_describe_status (r, platform);
  g_assert_cmpstr (text, ==, expected);
}

static void
test_describe_status (void)
{
  check_status (422, 1, "NetSuite", "Rejected by NetSuite (422)");
  check_status (400, 1, NULL, "Rejected by the target (400)");
  check_status (404, 1, "NetSuite", "Not found (404)");
  check_status (0, 4, "NetSuite", "Unreachable");
  check_status (0, 0, "NetSuite", "Mapping error");
  check_status (429, 5, "NetSuite", "Rate-limited, gave up");
  check_status (503, 5, "NetSuite", "Server error (503)");
  check_status (401, 1, "NetSuite", "Access refused (401)");
  check_status (504, 3, "NetSuite", "Timed out (504)");
}

int
main (int   argc,
      char *argv[])
{
  /* The English texts, whatever the environment's language. */
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync-progress/eta-smoothed", test_eta_smoothed);
  g_test_add_func ("/sync-progress/eta-stall", test_eta_stall);
  g_test_add_func ("/sync-progress/paused", test_paused);
  g_test_add_func ("/sync-progress/describe-status", test_describe_status);

  return g_test_run ();
}
