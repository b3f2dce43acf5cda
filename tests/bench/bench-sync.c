/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

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

typedef struct
{
  int        status;
  double     seconds;      /* from the spawn to the exit */
  glong      max_rss_kib;  /* the child's peak resident set (wait4) */
  gint64     run_id;
  JsonNode  *summary;      /* the --json object */
} Measured;

static void
measured_clear (Measured *measured)
{
  g_clear_pointer (&measured->summary, json_node_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Measured, measured_clear)

/* `sync run FILE --json args...`, timed, with its peak RSS from wait4():
 * spawned without a child watch, so that nobody else reaps it. Its
 * standard output goes to a file: a pipe nobody reads could stall it. */
static void
run_sync_measured (Bench              *bench,
                   const char * const *extra_args,
                   Measured           *measured)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *out_path = g_build_filename (bench->cli.work_dir, "sync-run.out", NULL);
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  struct rusage usage = { 0 };
  const char *newline;
  const char *json_text;
  int out_fd, null_fd, wait_status = 0;
  GPid pid = 0;
  gint64 started;
  guint64 id = 0;

  g_ptr_array_add (args, (gpointer) "sync");
  g_ptr_array_add (args, (gpointer) "run");
  g_ptr_array_add (args, bench->mapping_path);
  g_ptr_array_add (args, (gpointer) "--json");
  for (guint i = 0; extra_args[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) extra_args[i]);
  g_ptr_array_add (args, NULL);
  argv = sy_cli_argv (&bench->cli, (const char * const *) args->pdata);

  out_fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (out_fd, >=, 0);
  g_assert_cmpint (null_fd, >=, 0);

  started = g_get_monotonic_time ();
  g_spawn_async_with_fds (bench->cli.work_dir, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                          NULL, NULL, &pid, null_fd, out_fd, -1, &error);
  g_assert_no_error (error);
  close (out_fd);
  close (null_fd);

  while (wait4 (pid, &wait_status, 0, &usage) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  measured->seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  measured->max_rss_kib = usage.ru_maxrss;
  g_spawn_close_pid (pid);

  g_assert_true (WIFEXITED (wait_status));
  measured->status = WEXITSTATUS (wait_status);

  /* The run id on a line of its own, then the JSON object; or the JSON
   * object alone. */
  out = sy_test_read_text (out_path);
  json_text = out;
  newline = strchr (out, '\n');
  g_assert_nonnull (newline);
  {
    g_autofree char *first_line = g_strndup (out, newline - out);

    if (g_ascii_string_to_unsigned (first_line, 10, 1, G_MAXINT64, &id, NULL))
      json_text = newline + 1;
  }
  measured->summary = sy_test_parse_json (json_text);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (measured->summary));
  measured->run_id = id > 0 ? (gint64) id
                            : json_object_get_int_member (json_node_get_object (measured->summary), "run_id");
}

static gint64
summary_int (Measured   *measured,
             const char *member)
{
  JsonObject *object = json_node_get_object (measured->summary);

  if (!json_object_has_member (object, member))
    g_error ("`sync run --json` lacks “%s”", member);
  return json_object_get_int_member (object, member);
}

/* The target holds exactly the source's orders: one record for each,
 * carrying its key as the code and its order number, and nothing else. */
static void
assert_target_is_source (Bench *bench,
                         guint  n_records)
{
  g_autoptr(GPtrArray) source = sy_sandbox_client_list_all (bench->cli.sandbox, bench->inspection, "wms",
                                                            "wms/sales-orders");
  g_autoptr(GPtrArray) target = sy_sandbox_client_list_all (bench->cli.sandbox, bench->inspection, "erp",
                                                            "erp/sales-orders");
  g_autoptr(GHashTable) by_code = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpuint (source->len, ==, n_records);
  g_assert_cmpuint (target->len, ==, n_records);
  for (guint i = 0; i < target->len; i++)
    {
      JsonObject *record = g_ptr_array_index (target, i);
      const char *code = json_object_get_string_member_with_default (record, "code", NULL);

      if (code == NULL)
        g_error ("target record %s has no code", json_object_get_string_member_with_default (record, "key", "?"));
      if (!g_hash_table_insert (by_code, (gpointer) code, record))
        g_error ("two target records have the code %s", code);
    }
  for (guint i = 0; i < source->len; i++)
    {
      JsonObject *order = g_ptr_array_index (source, i);
      const char *key = json_object_get_string_member (order, "key");
      JsonObject *record = g_hash_table_lookup (by_code, key);

      if (record == NULL)
        g_error ("source order %s is not in the target", key);
      g_assert_cmpstr (json_object_get_string_member_with_default (record, "orderNumber", NULL), ==,
                       json_object_get_string_member_with_default (order, "orderNumber", NULL));
    }
}

/* A run that wrote every record once and failed none. */
static void
assert_complete (Bench    *bench,
                 Measured *measured,
                 guint     n_records,
                 Stats    *stats)
{
  *stats = get_stats (bench);
  g_assert_cmpint (measured->status, ==, 0);
  g_assert_cmpint (summary_int (measured, "read"), ==, n_records);
  g_assert_cmpint (summary_int (measured, "failed"), ==, 0);
  g_assert_cmpint (summary_int (measured, "skipped"), ==, 0);
  g_assert_cmpint (summary_int (measured, "created"), ==, n_records);
  g_assert_cmpint (summary_int (measured, "written"), ==, n_records);
  g_assert_cmpint (stats->target_count, ==, n_records);
  g_assert_cmpint (stats->duplicates, ==, 0);
  assert_target_is_source (bench, n_records);
}

static void
bench_throughput (void)
{
  guint n_records = quick ? 400 : 4000;
  g_autofree char *records = g_strdup_printf ("%u", n_records);
  const char * const sandbox_args[] = { "--records", records, "--latency-ms", "20", NULL };
  const char * const cli_args[] = { "--concurrency", "8", "--batch-size", "100", NULL };
  const double ideal = 8 / 0.020;
  g_auto(Measured) measured = { 0 };
  Bench bench;
  Stats stats;
  double rate;

  bench_start (&bench, "bench-sync-throughput", sandbox_args);
  run_sync_measured (&bench, cli_args, &measured);
  assert_complete (&bench, &measured, n_records, &stats);

  rate = summary_int (&measured, "written") / measured.seconds;
  printf ("throughput (%u records, --latency-ms 20, --concurrency 8, --batch-size 100):\n", n_records);
  printf ("  %" G_GINT64_FORMAT " written in %.2f s of the CLI process, %" G_GINT64_FORMAT
          " write requests received by the sandbox\n",
          summary_int (&measured, "written"), measured.seconds, stats.writes);
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
  g_auto(Measured) measured = { 0 };
  Bench bench;
  Stats stats;
  double rate;

  bench_start (&bench, "bench-sync-rate", sandbox_args);
  run_sync_measured (&bench, cli_args, &measured);
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
  g_auto(Measured) measured = { 0 };
  Bench bench;
  Stats stats;

  bench_start (&bench, "bench-sync-memory", sandbox_args);
  run_sync_measured (&bench, cli_args, &measured);
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
  quick = g_strcmp0 (g_getenv ("SWITCHYARD_BENCH_QUICK"), "1") == 0;

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
