/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-bench-sync-support.h"
#include "sy-cli-test-support.h"
#include "sy-example-mapping.h"
#include "sy-sandbox-client.h"
#include "sy-test-support.h"

/* `switchyard-cli sync run` against switchyard-sandbox over loopback:
 * throughput with a slow target, the rate under a server's rate limit,
 * and peak memory as the source grows. Prints figures and the goals next
 * to them; asserts nothing about speed, but fails on wrong results: a run
 * that did not finish or failed records, counts that do not add up, or a
 * target that does not hold exactly one record for every source order
 * (found by the code the mapping writes, with the order's number).
 * SWITCHYARD_BENCH_QUICK=1 scales the sizes down for a smoke run. */

#define MEMORY_LIMIT_KIB (64 * 1024)

static gboolean quick;

typedef struct
{
  SyCliFixture  cli;
  char         *mapping_path;
  SoupSession  *inspection;
} Bench;

static void
bench_start (Bench              *bench,
             const char         *name,
             const char * const *sandbox_args)
{
  g_autoptr(GError) error = NULL;

  memset (bench, 0, sizeof *bench);
  sy_cli_fixture_set_up (&bench->cli, name, TRUE);
  bench->inspection = soup_session_new_with_options ("timeout", 120, NULL);
  bench->cli.sandbox = sy_test_start_sandbox (sandbox_args);
  sy_cli_add_connection (&bench->cli, "mintsoft", "wms");
  sy_cli_add_connection (&bench->cli, "netsuite", "erp");

  bench->mapping_path = g_build_filename (bench->cli.work_dir, "orders.json", NULL);
  g_file_set_contents (bench->mapping_path, sy_example_mapping, -1, &error);
  g_assert_no_error (error);
}

static void
bench_stop (Bench *bench)
{
  g_clear_object (&bench->inspection);
  sy_cli_fixture_tear_down (&bench->cli);
  g_clear_pointer (&bench->mapping_path, g_free);
}

static JsonNode *
inspect (Bench      *bench,
         const char *path_and_query)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (bench->cli.sandbox), path_and_query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  body = soup_session_send_and_read (bench->inspection, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return sy_test_parse_json (text);
}

typedef struct
{
  gint64 target_count;
  gint64 duplicates;
  gint64 writes;       /* POST, PUT and PATCH requests received */
  gint64 answered;     /* answers sent, by any status */
  gint64 status_429;
} Stats;

static Stats
get_stats (Bench *bench)
{
  g_autoptr(JsonNode) root = inspect (bench, "/__sandbox/stats");
  g_autoptr(JsonNode) duplicates = inspect (bench, "/__sandbox/duplicates?entity=erp/sales-orders&field=code");
  JsonObject *stats = json_node_get_object (root);
  JsonObject *requests = json_object_get_object_member (stats, "requests");
  JsonObject *methods = json_object_get_object_member (stats, "methods");
  g_autoptr(GList) statuses = json_object_get_members (requests);
  Stats result = { 0 };

  result.target_count = json_object_get_int_member (json_object_get_object_member (json_object_get_object_member (stats,
                                                                                                                  "entities"),
                                                                                   "erp/sales-orders"),
                                                    "count");
  result.duplicates = json_object_get_int_member (json_node_get_object (duplicates), "duplicates");
  result.writes = json_object_get_int_member_with_default (methods, "POST", 0) +
                  json_object_get_int_member_with_default (methods, "PUT", 0) +
                  json_object_get_int_member_with_default (methods, "PATCH", 0);
  result.status_429 = json_object_get_int_member_with_default (requests, "429", 0);
  for (GList *l = statuses; l != NULL; l = l->next)
    result.answered += json_object_get_int_member (requests, l->data);
  return result;
}

/* A run that wrote every record once and failed none. */
static void
assert_complete (Bench      *bench,
                 SyBenchRun *measured,
                 guint       n_records,
                 Stats      *stats)
{
  *stats = get_stats (bench);
  g_assert_cmpint (measured->status, ==, 0);
  g_assert_cmpint (sy_bench_run_int (measured, "read"), ==, n_records);
  g_assert_cmpint (sy_bench_run_int (measured, "failed"), ==, 0);
  g_assert_cmpint (sy_bench_run_int (measured, "skipped"), ==, 0);
  g_assert_cmpint (sy_bench_run_int (measured, "created"), ==, n_records);
  g_assert_cmpint (sy_bench_run_int (measured, "written"), ==, n_records);
  g_assert_cmpint (stats->target_count, ==, n_records);
  g_assert_cmpint (stats->duplicates, ==, 0);
  sy_bench_assert_target_is_source (bench->cli.sandbox, bench->inspection, n_records, FALSE);
}

static void
bench_throughput (void)
{
  guint n_records = quick ? 400 : 4000;
  g_autofree char *records = g_strdup_printf ("%u", n_records);
  const char * const sandbox_args[] = { "--records", records, "--latency-ms", "20", NULL };
  const char * const cli_args[] = { "--concurrency", "8", "--batch-size", "100", NULL };
  const double ideal = 8 / 0.020;
  g_auto(SyBenchRun) measured = { 0 };
  Bench bench;
  Stats stats;
  double rate;

  bench_start (&bench, "bench-sync-throughput", sandbox_args);
  sy_bench_run_sync (&bench.cli, bench.mapping_path, cli_args, &measured);
  assert_complete (&bench, &measured, n_records, &stats);

  rate = sy_bench_run_int (&measured, "written") / measured.seconds;
  printf ("throughput (%u records, --latency-ms 20, --concurrency 8, --batch-size 100):\n", n_records);
  printf ("  %" G_GINT64_FORMAT " written in %.2f s of the CLI process, %" G_GINT64_FORMAT
          " write requests received by the sandbox\n",
          sy_bench_run_int (&measured, "written"), measured.seconds, stats.writes);
  printf ("throughput: %.0f writes/s = %.0f %% of the ideal %.0f (goal ≥ 90 %%)\n",
          rate, 100 * rate / ideal, ideal);
  fflush (stdout);
  bench_stop (&bench);
}

static void
bench_rate_limit (void)
{
  guint n_records = quick ? 70 : 700;
  g_autofree char *records = g_strdup_printf ("%u", n_records);
  const char * const sandbox_args[] = { "--records", records, "--rate-limit", "600", NULL };
  const char * const cli_args[] = { "--max-rps", "10", NULL };
  g_auto(SyBenchRun) measured = { 0 };
  Bench bench;
  Stats stats;
  double rate;

  bench_start (&bench, "bench-sync-rate", sandbox_args);
  sy_bench_run_sync (&bench.cli, bench.mapping_path, cli_args, &measured);
  assert_complete (&bench, &measured, n_records, &stats);

  /* The limit is per token: the target's requests are the writes. */
  rate = stats.writes / measured.seconds;
  printf ("rate limit (%u records, --rate-limit 600 per minute, --max-rps 10):\n", n_records);
  printf ("  %" G_GINT64_FORMAT " write requests in %.1f s, %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
          " answers were 429\n", stats.writes, measured.seconds, stats.status_429, stats.answered);
  printf ("rate: %.1f/s = %.0f %% of the 600/min limit (goal ≥ 95 %%); 429s: %.1f %% (goal < 1 %%)\n",
          rate, 100 * rate / 10.0, 100.0 * stats.status_429 / MAX (stats.answered, 1));
  fflush (stdout);
  bench_stop (&bench);
}

static glong
peak_rss_for (guint n_records)
{
  g_autofree char *records = g_strdup_printf ("%u", n_records);
  const char * const sandbox_args[] = { "--records", records, NULL };
  const char * const cli_args[] = { "--concurrency", "8", "--batch-size", "100", NULL };
  g_auto(SyBenchRun) measured = { 0 };
  Bench bench;
  Stats stats;

  bench_start (&bench, "bench-sync-memory", sandbox_args);
  sy_bench_run_sync (&bench.cli, bench.mapping_path, cli_args, &measured);
  assert_complete (&bench, &measured, n_records, &stats);
  printf ("  %u records: peak RSS %.1f MiB, %.1f s (%.0f writes/s)\n", n_records,
          measured.max_rss_kib / 1024.0, measured.seconds, n_records / measured.seconds);
  fflush (stdout);
  bench_stop (&bench);
  return measured.max_rss_kib;
}

static void
bench_memory (void)
{
  guint small = quick ? 1000 : 10000;
  guint large = quick ? 10000 : 100000;
  glong small_kib, large_kib;

  printf ("memory (sandbox without latency, --concurrency 8, --batch-size 100):\n");
  small_kib = peak_rss_for (small);
  large_kib = peak_rss_for (large);
  printf ("memory: peak RSS %.1f MiB for %u records, %.1f MiB for %u: ratio %.2f (goal ≤ 1.25), "
          "limit %d MiB (%s)\n",
          small_kib / 1024.0, small, large_kib / 1024.0, large, (double) large_kib / small_kib,
          MEMORY_LIMIT_KIB / 1024, large_kib <= MEMORY_LIMIT_KIB ? "within" : "EXCEEDED");
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  /* For the shared helpers' assertions and messages. */
  g_test_init (&argc, &argv, NULL);
  quick = sy_bench_is_quick ();

  if (argc > 1)
    {
      for (int i = 1; i < argc; i++)
        {
          if (g_str_equal (argv[i], "throughput"))
            bench_throughput ();
          else if (g_str_equal (argv[i], "rate"))
            bench_rate_limit ();
          else if (g_str_equal (argv[i], "memory"))
            bench_memory ();
          else
            g_error ("unknown benchmark “%s” (throughput, rate, memory)", argv[i]);
        }
      return 0;
    }

  bench_throughput ();
  bench_rate_limit ();
  bench_memory ();
  return 0;
}
