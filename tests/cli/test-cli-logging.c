/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "sy-cli-test-support.h"
#include "sy-example-mapping.h"
#include "sy-test-support.h"

/* Other programs read switchyard-cli's standard output (run ids, CSV,
 * JSON lines). With G_MESSAGES_DEBUG=all, GLib's debug lines must go to
 * standard error and leave that output as it is. */

#define N_RECORDS 60

typedef struct
{
  SyCliFixture  cli;
  char         *files_dir;
  char         *mapping_path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const char * const args[] = { "--seed", "11", "--records", G_STRINGIFY (N_RECORDS), "--invalid-rate", "0.2", NULL };
  g_autoptr(GError) error = NULL;

  sy_cli_fixture_set_up (&fixture->cli, "logging", FALSE);
  fixture->files_dir = sy_test_make_tmpdir ("logging-files");
  fixture->mapping_path = g_build_filename (fixture->files_dir, "orders.json", NULL);
  g_file_set_contents (fixture->mapping_path, sy_example_mapping, -1, &error);
  g_assert_no_error (error);

  /* The sandbox speaks its own first-line protocol on stdout: it is
   * started, and the connections added, before debugging is turned on. */
  fixture->cli.sandbox = sy_test_start_sandbox (args);
  sy_cli_add_connection (&fixture->cli, "mintsoft", "wms");
  sy_cli_add_connection (&fixture->cli, "netsuite", "erp");
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_unsetenv ("G_MESSAGES_DEBUG");
  sy_cli_fixture_tear_down (&fixture->cli);
  sy_test_remove_tree (fixture->files_dir);
  g_free (fixture->files_dir);
  g_free (fixture->mapping_path);
}

static void
assert_debug_on_stderr (const SyCliRun *run)
{
  /* Proof that debugging was on at all; otherwise a clean stdout would
   * prove nothing. */
  g_assert_nonnull (strstr (run->err, "-DEBUG"));
}

static void
test_records_json_lines (Fixture       *fixture,
                         gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };
  g_auto(GStrv) lines = NULL;
  guint n_lines;

  sy_cli_run (&fixture->cli, NULL, &run, "--json", "records", "list", "mintsoft", "wms/sales-orders",
              "--per-page", "25");
  g_assert_cmpint (run.status, ==, 0);
  assert_debug_on_stderr (&run);

  lines = g_strsplit (run.out, "\n", -1);
  n_lines = g_strv_length (lines);
  /* One record a line, and the text ends with a newline. */
  g_assert_cmpuint (n_lines, ==, N_RECORDS + 1);
  g_assert_cmpstr (lines[N_RECORDS], ==, "");
  for (guint i = 0; i < N_RECORDS; i++)
    {
      g_autoptr(JsonNode) record = sy_test_parse_json (lines[i]);

      g_assert_true (JSON_NODE_HOLDS_OBJECT (record));
      g_assert_true (json_object_has_member (json_node_get_object (record), "key"));
    }
}

static void
test_sync_run_id_and_csv (Fixture       *fixture,
                          gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };
  g_auto(SyCliRun) errors = { 0 };
  g_auto(SyCliRun) summary = { 0 };
  g_autoptr(GRegex) run_id_only = g_regex_new ("^[0-9]+$", 0, 0, NULL);
  g_auto(GStrv) out_lines = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *run_id = NULL;
  g_auto(GStrv) csv_lines = NULL;
  gint64 failed;

  /* Some source records are invalid: the run "partly fails" (exit 1). */
  sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path);
  g_assert_cmpint (run.status, ==, 1);
  assert_debug_on_stderr (&run);
  /* The run id, alone on the first line: scripts read it with head -1;
   * then the summary, and nothing of GLib's. */
  out_lines = g_strsplit (run.out, "\n", -1);
  g_assert_true (g_regex_match (run_id_only, out_lines[0], 0, NULL));
  run_id = g_strdup (out_lines[0]);
  g_assert_null (strstr (run.out, "DEBUG"));

  sy_cli_run (&fixture->cli, NULL, &summary, "--json", "sync", "status", run_id);
  g_assert_cmpint (summary.status, ==, 0);
  root = sy_test_parse_json (summary.out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  failed = json_object_get_int_member (json_node_get_object (root), "failed");
  g_assert_cmpint (failed, >, 0);

  sy_cli_run (&fixture->cli, NULL, &errors, "sync", "errors", run_id, "--format", "csv");
  g_assert_cmpint (errors.status, ==, 0);
  g_assert_true (g_str_has_prefix (errors.out, "source_key,target_entity,status,message,field_errors,request_id,attempts,at\r\n"));
  /* A header and one line per failed record (RFC 4180 line ends). */
  g_assert_cmpuint (sy_test_count_lines (errors.out), ==, failed + 1);
  csv_lines = g_strsplit (errors.out, "\r\n", -1);
  for (gint64 i = 1; i <= failed; i++)
    g_assert_nonnull (strstr (csv_lines[i], ",erp/sales-orders,422,"));
  g_assert_null (strstr (errors.out, "DEBUG"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* This process turns G_MESSAGES_DEBUG on for its children; its own
   * debug lines must not end up in the TAP stream either. */
  g_log_writer_default_set_use_stderr (TRUE);

  g_test_add ("/cli/logging/records-json-lines", Fixture, NULL,
              fixture_set_up, test_records_json_lines, fixture_tear_down);
  g_test_add ("/cli/logging/sync-run-id-and-csv", Fixture, NULL,
              fixture_set_up, test_sync_run_id_and_csv, fixture_tear_down);

  return g_test_run ();
}
