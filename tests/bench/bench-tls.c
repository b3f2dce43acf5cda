/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-bench-sync-support.h"
#include "sy-cli-test-support.h"
#include "sy-example-mapping.h"
#include "sy-sandbox-client.h"
#include "sy-test-support.h"

/* Issue 15, "Fast over real HTTPS": `switchyard-cli sync run` against
 * switchyard-sandbox with latency, over TLS (`--tls`, its CA trusted with
 * `connection add --ca-file`) and, for comparison, over plain HTTP. Each
 * scenario times three runs from the start of the CLI process to its exit:
 * the first run (every record created), a run after every source order was
 * edited (every record updated) and an incremental run with nothing
 * changed; and counts the connections the sandbox accepted during each
 * (/__sandbox/stats' connections.accepted: with --tls, TLS handshakes).
 *
 * It prints the figures and the goals next to them; it asserts nothing
 * about speed, but fails on wrong results: a run that did not finish or
 * failed records, counts that do not add up, a target that does not hold
 * exactly one record for every source order, with what the source says.
 * SWITCHYARD_BENCH_QUICK=1 scales the sizes down for a smoke run.
 * Arguments name scenarios to run alone: tls, http, tls-32. */

#define BATCH_SIZE "100"
/* "Connections ≤ concurrency + a few": the source's reads and the
 * connection check have connections of their own. */
#define FEW_EXTRA_CONNECTIONS 4
#define GOAL_SHARE_OF_IDEAL 0.95
/* Issue 15's hard line, for a 2,000-record run. */
#define HARD_LINE_UPDATE_SHARE 0.9
#define HARD_LINE_CONNECTIONS 40

typedef struct
{
  const char *name;
  gboolean    tls;
  guint       concurrency;
  guint       latency_ms;
} Scenario;

/* Each has the same ideal, concurrency ÷ latency = 400 records/s. */
static const Scenario scenarios[] = {
  { "tls", TRUE, 8, 20 },
  { "http", FALSE, 8, 20 },
  { "tls-32", TRUE, 32, 80 },
};

typedef enum
{
  RUN_CREATES,
  RUN_UPDATES,
  RUN_INCREMENTAL,
  N_RUNS
} RunKind;

static const char * const run_names[N_RUNS] = { "creates", "updates", "incremental" };

typedef struct
{
  gint64 read;
  gint64 written;
  double seconds;
  gint64 connections;  /* accepted by the sandbox while the CLI ran */
} RunFigures;

typedef struct
{
  const Scenario *scenario;
  guint           n_records;
  RunFigures      runs[N_RUNS];
} ScenarioFigures;

typedef struct
{
  SyCliFixture cli;
  char        *mapping_path;
  /* For touches and for checking the target between runs. */
  SoupSession *inspection;
} Bench;

static gboolean quick;

/* A client of the sandbox that trusts its CA, if it has one, and nothing
 * else: the benchmark checks the certificate as the CLI does. */
static SoupSession *
sandbox_session_new (SySandboxProcess *sandbox)
{
  const char *ca_file = sy_sandbox_process_get_ca_file (sandbox);
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  if (ca_file == NULL)
    return soup_session_new_with_options ("timeout", 120, NULL);
  database = g_tls_file_database_new (ca_file, &error);
  g_assert_no_error (error);
  return soup_session_new_with_options ("tls-database", database, "timeout", 120, NULL);
}

static void
bench_start (Bench          *bench,
             const Scenario *scenario,
             guint           n_records)
{
  g_autofree char *records = g_strdup_printf ("%u", n_records);
  g_autofree char *latency = g_strdup_printf ("%u", scenario->latency_ms);
  g_autofree char *prefix = g_strdup_printf ("bench-tls-%s", scenario->name);
  g_autoptr(GPtrArray) sandbox_args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *mapping = NULL;

  g_ptr_array_add (sandbox_args, (gpointer) "--records");
  g_ptr_array_add (sandbox_args, records);
  g_ptr_array_add (sandbox_args, (gpointer) "--latency-ms");
  g_ptr_array_add (sandbox_args, latency);
  if (scenario->tls)
    g_ptr_array_add (sandbox_args, (gpointer) "--tls");
  g_ptr_array_add (sandbox_args, NULL);

  memset (bench, 0, sizeof *bench);
  sy_cli_fixture_set_up (&bench->cli, prefix, TRUE);
  bench->cli.sandbox = sy_test_start_sandbox ((const char * const *) sandbox_args->pdata);
  g_assert_true (g_str_has_prefix (sy_sandbox_process_get_url (bench->cli.sandbox),
                                   scenario->tls ? "https://" : "http://"));
  bench->inspection = sandbox_session_new (bench->cli.sandbox);
  sy_cli_add_connection (&bench->cli, "mintsoft", "wms");
  sy_cli_add_connection (&bench->cli, "netsuite", "erp");

  bench->mapping_path = g_build_filename (bench->cli.work_dir, "orders.json", NULL);
  mapping = sy_example_mapping_with_addressee ();
  g_file_set_contents (bench->mapping_path, mapping, -1, &error);
  g_assert_no_error (error);
}

static void
bench_stop (Bench *bench)
{
  g_clear_object (&bench->inspection);
  sy_cli_fixture_tear_down (&bench->cli);
  g_clear_pointer (&bench->mapping_path, g_free);
}

/* connections.accepted, asked on a connection of its own (which the
 * sandbox counts too, before it answers): a kept-alive connection could
 * have been closed for idleness meanwhile and be counted again. */
static gint64
accepted_connections (Bench *bench)
{
  g_autoptr(SoupSession) session = sandbox_session_new (bench->cli.sandbox);
  g_autoptr(JsonNode) stats = sy_sandbox_client_inspect (bench->cli.sandbox, session, "GET", "/__sandbox/stats");
  JsonObject *connections = json_object_get_object_member (json_node_get_object (stats), "connections");

  g_assert_nonnull (connections);
  return json_object_get_int_member (connections, "accepted");
}

static void
run_sync_counted (Bench          *bench,
                  const Scenario *scenario,
                  SyBenchRun     *run,
                  RunFigures     *figures)
{
  g_autofree char *concurrency = g_strdup_printf ("%u", scenario->concurrency);
  const char * const cli_args[] = { "--concurrency", concurrency, "--batch-size", BATCH_SIZE, NULL };
  gint64 before, after;

  before = accepted_connections (bench);
  sy_bench_run_sync (&bench->cli, bench->mapping_path, cli_args, run);
  after = accepted_connections (bench);

  /* Less the connection that asked for the second count. */
  figures->connections = after - before - 1;
  figures->seconds = run->seconds;
  figures->read = sy_bench_run_int (run, "read");
  figures->written = sy_bench_run_int (run, "written");
}

/* The run finished, failed nothing, and its counts add up to what it read;
 * the target holds one record for each source order, as the source has it
 * now. */
static void
assert_run_correct (Bench      *bench,
                    SyBenchRun *run,
                    guint       n_records,
                    gint64      expected_created,
                    gint64      expected_updated)
{
  gint64 read = sy_bench_run_int (run, "read");
  gint64 written = sy_bench_run_int (run, "written");
  gint64 failed = sy_bench_run_int (run, "failed");
  gint64 skipped = sy_bench_run_int (run, "skipped");

  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpint (failed, ==, 0);
  g_assert_cmpint (sy_bench_run_int (run, "created"), ==, expected_created);
  g_assert_cmpint (sy_bench_run_int (run, "updated"), ==, expected_updated);
  g_assert_cmpint (written, ==, expected_created + expected_updated);
  g_assert_cmpint (read, ==, written + failed + skipped);
  if (written > 0)
    {
      /* A run that writes reads every order (all are new or touched) and
       * skips none. */
      g_assert_cmpint (read, ==, n_records);
      g_assert_cmpint (skipped, ==, 0);
    }

  g_assert_cmpint (sy_sandbox_client_count (bench->cli.sandbox, bench->inspection, "erp/sales-orders"), ==,
                   n_records);
  g_assert_cmpint (sy_sandbox_client_duplicates (bench->cli.sandbox, bench->inspection, "erp/sales-orders",
                                                 "code"), ==, 0);
  sy_bench_assert_target_is_source (bench->cli.sandbox, bench->inspection, n_records, TRUE);
}

/* Every source order edited in a field the mapping writes. */
static void
touch_every_order (Bench *bench,
                   guint  n_records)
{
  g_autofree char *path = g_strdup_printf ("/__sandbox/touch?entity=wms/sales-orders&count=%u", n_records);
  g_autoptr(JsonNode) answer = sy_sandbox_client_inspect (bench->cli.sandbox, bench->inspection, "POST", path);

  g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "touched"), ==, n_records);
}

static double
ideal_rate (const Scenario *scenario)
{
  return scenario->concurrency / (scenario->latency_ms / 1000.0);
}

static double
rate_of (const RunFigures *figures)
{
  return figures->written / figures->seconds;
}

static const char *
verdict (gboolean met)
{
  return met ? "met" : "NOT met";
}

static void
print_figures (const ScenarioFigures *result)
{
  const Scenario *scenario = result->scenario;
  const RunFigures *creates = &result->runs[RUN_CREATES];
  const RunFigures *updates = &result->runs[RUN_UPDATES];
  const char *connection_word = scenario->tls ? "TLS connections" : "connections";
  double ideal = ideal_rate (scenario);
  double update_share = rate_of (updates) / rate_of (creates);
  gint64 connection_goal = scenario->concurrency + FEW_EXTRA_CONNECTIONS;
  gint64 most_connections = 0;

  printf ("%s, --latency-ms %u, --concurrency %u, --batch-size %s, %u records "
          "(ideal %u / %.3f s = %.0f records/s):\n",
          scenario->tls ? "HTTPS (sandbox --tls)" : "plain HTTP", scenario->latency_ms, scenario->concurrency,
          BATCH_SIZE, result->n_records, scenario->concurrency, scenario->latency_ms / 1000.0, ideal);
  printf ("  %-12s %6s %8s %9s %10s %9s %16s\n", "run", "read", "written", "wall s", "records/s", "of ideal",
          connection_word);
  for (guint i = 0; i < N_RUNS; i++)
    {
      const RunFigures *figures = &result->runs[i];

      most_connections = MAX (most_connections, figures->connections);
      if (figures->written > 0)
        printf ("  %-12s %6" G_GINT64_FORMAT " %8" G_GINT64_FORMAT " %9.2f %10.0f %9.2f %16" G_GINT64_FORMAT "\n",
                run_names[i], figures->read, figures->written, figures->seconds, rate_of (figures), rate_of (figures) / ideal,
                figures->connections);
      else
        printf ("  %-12s %6" G_GINT64_FORMAT " %8" G_GINT64_FORMAT " %9.2f %10s %9s %16" G_GINT64_FORMAT "\n",
                run_names[i], figures->read, figures->written, figures->seconds, "-", "-", figures->connections);
    }

  printf ("  goals (printed, never asserted):\n");
  printf ("    updates as fast as creates (within %.0f %%): update rate / create rate = %.2f (%s)\n",
          100 * (1 - GOAL_SHARE_OF_IDEAL), update_share, verdict (update_share >= GOAL_SHARE_OF_IDEAL));
  printf ("    both ≥ %.2f of ideal: creates %.2f, updates %.2f (%s)\n", GOAL_SHARE_OF_IDEAL,
          rate_of (creates) / ideal, rate_of (updates) / ideal,
          verdict (rate_of (creates) >= GOAL_SHARE_OF_IDEAL * ideal &&
                   rate_of (updates) >= GOAL_SHARE_OF_IDEAL * ideal));
  printf ("    %s per run ≤ concurrency + %d = %" G_GINT64_FORMAT ": at most %" G_GINT64_FORMAT " (%s)\n",
          connection_word, FEW_EXTRA_CONNECTIONS, connection_goal, most_connections,
          verdict (most_connections <= connection_goal));
  printf ("    issue 15's hard line, updates ≥ %.1f × create rate with ≤ %d %s per 2,000-record run%s: "
          "%.2f ×, at most %" G_GINT64_FORMAT " (%s)\n",
          HARD_LINE_UPDATE_SHARE, HARD_LINE_CONNECTIONS, connection_word,
          scenario->tls ? "" : " (stated for TLS; plain HTTP for comparison)",
          update_share, most_connections,
          verdict (update_share >= HARD_LINE_UPDATE_SHARE && most_connections <= HARD_LINE_CONNECTIONS));
  fflush (stdout);
}

static void
bench_scenario (const Scenario  *scenario,
                ScenarioFigures *result)
{
  guint n_records = quick ? 200 : 2000;
  g_auto(SyBenchRun) creates = { 0 };
  g_auto(SyBenchRun) updates = { 0 };
  g_auto(SyBenchRun) incremental = { 0 };
  Bench bench;

  memset (result, 0, sizeof *result);
  result->scenario = scenario;
  result->n_records = n_records;
  bench_start (&bench, scenario, n_records);

  run_sync_counted (&bench, scenario, &creates, &result->runs[RUN_CREATES]);
  assert_run_correct (&bench, &creates, n_records, n_records, 0);

  touch_every_order (&bench, n_records);
  run_sync_counted (&bench, scenario, &updates, &result->runs[RUN_UPDATES]);
  assert_run_correct (&bench, &updates, n_records, 0, n_records);

  run_sync_counted (&bench, scenario, &incremental, &result->runs[RUN_INCREMENTAL]);
  assert_run_correct (&bench, &incremental, n_records, 0, 0);

  bench_stop (&bench);
  print_figures (result);
}

static const Scenario *
find_scenario (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    if (g_str_equal (scenarios[i].name, name))
      return &scenarios[i];
  g_error ("unknown scenario “%s” (tls, http, tls-32)", name);
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) chosen = g_ptr_array_new ();

  /* For the shared helpers' assertions and messages. */
  g_test_init (&argc, &argv, NULL);
  quick = sy_bench_is_quick ();

  for (int i = 1; i < argc; i++)
    g_ptr_array_add (chosen, (gpointer) find_scenario (argv[i]));
  if (chosen->len == 0)
    for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
      g_ptr_array_add (chosen, (gpointer) &scenarios[i]);

  if (quick)
    printf ("SWITCHYARD_BENCH_QUICK=1: 200 records a run, a smoke run; the goals are for 2,000\n");
  for (guint i = 0; i < chosen->len; i++)
    {
      ScenarioFigures result;

      bench_scenario (g_ptr_array_index (chosen, i), &result);
    }
  return 0;
}
