/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-backoff.h"

static void
test_backoff_grows_within_bounds (void)
{
  for (guint retry = 0; retry < 40; retry++)
    for (guint round = 0; round < 200; round++)
      {
        guint64 step = MIN ((guint64) 100 << MIN (retry, 20), (guint64) 30000);
        guint delay = sy_backoff_delay_ms (100, retry, 30000);

        /* Equal jitter: between half the step and the step. */
        g_assert_cmpuint (delay, >=, step / 2);
        g_assert_cmpuint (delay, <=, step);
      }
}

static void
test_backoff_spreads (void)
{
  guint lowest = G_MAXUINT;
  guint highest = 0;

  for (guint round = 0; round < 500; round++)
    {
      guint delay = sy_backoff_delay_ms (1000, 3, 60000);

      lowest = MIN (lowest, delay);
      highest = MAX (highest, delay);
    }
  /* 500 draws from 4001 values: all equal only if there is no jitter. */
  g_assert_cmpuint (lowest, <, highest);
}

static void
test_backoff_edges (void)
{
  g_assert_cmpuint (sy_backoff_delay_ms (0, 5, 1000), ==, 0);
  g_assert_cmpuint (sy_backoff_delay_ms (1, 0, 1000), ==, 1);
  g_assert_cmpuint (sy_backoff_delay_ms (G_MAXUINT, 1000, G_MAXUINT), <=, G_MAXUINT);
  g_assert_cmpuint (sy_backoff_delay_ms (G_MAXUINT, 1000, G_MAXUINT), >=, G_MAXUINT / 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/backoff/grows-within-bounds", test_backoff_grows_within_bounds);
  g_test_add_func ("/backoff/spreads", test_backoff_spreads);
  g_test_add_func ("/backoff/edges", test_backoff_edges);

  return g_test_run ();
}
