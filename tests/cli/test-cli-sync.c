/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-cli-test-support.h"
#include "sy-example-mapping.h"
#include "sy-state-store-sync.h"
#include "sy-test-support.h"

/* `switchyard-cli sync run|resume|status|errors|retry-failed` as a user
 * runs them: a child process with its own configuration and state
 * directories, the real keyring of the test session, a real
 * switchyard-sandbox on loopback, docs/architecture.md §5's example mapping in a
 * file, and the sandbox's inspection endpoints as the judge of what
 * reached the target. */

#define TARGET_ENTITY "erp/sales-orders"
#define SOURCE_ENTITY "wms/sales-orders"
/* The example's source line (1-based), which a test breaks. */
#define LINE_SOURCE 4

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
  g_autoptr(GError) error = NULL;

  sy_cli_fixture_set_up (&fixture->cli, "sync", FALSE);
  fixture->files_dir = sy_test_make_tmpdir ("sync-files");
  fixture->mapping_path = g_build_filename (fixture->files_dir, "orders.json", NULL);
  g_file_set_contents (fixture->mapping_path, sy_example_mapping, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_cli_fixture_tear_down (&fixture->cli);
  sy_test_remove_tree (fixture->files_dir);
  g_free (fixture->files_dir);
  g_free (fixture->mapping_path);
}

/* A sandbox with `records` source orders (and the extra arguments), and
 * the example's two connections added through the CLI. */
static void
start_sandbox (Fixture    *fixture,
               const char *records,
               const char *extra_name,
               const char *extra_value)
{
  const char * const args[] = { "--seed", "7", "--records", records, extra_name, extra_value, NULL };

  fixture->cli.sandbox = sy_test_start_sandbox (args);
  sy_cli_add_connection (&fixture->cli, "mintsoft", "wms");
  sy_cli_add_connection (&fixture->cli, "netsuite", "erp");
}

static JsonNode *
sandbox_get (Fixture    *fixture,
             const char *path)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (fixture->cli.sandbox), path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  /* The sandbox is a process of its own: a blocking call is fine here. */
  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return sy_test_parse_json (text);
}

static gint64
sandbox_count (Fixture    *fixture,
               const char *entity)
{
  g_autoptr(JsonNode) stats = sandbox_get (fixture, "/__sandbox/stats");
  JsonObject *entities = json_object_get_object_member (json_node_get_object (stats), "entities");

  if (!json_object_has_member (entities, entity))
    return 0;
  return json_object_get_int_member (json_object_get_object_member (entities, entity), "count");
}

static gint64
sandbox_invalid_source_records (Fixture *fixture)
{
  g_autoptr(JsonNode) stats = sandbox_get (fixture, "/__sandbox/stats");

  return json_object_get_int_member (json_node_get_object (stats), "invalid_source_records");
}

static gint64
sandbox_duplicates (Fixture *fixture)
{
  g_autoptr(JsonNode) answer = sandbox_get (fixture, "/__sandbox/duplicates?entity=" TARGET_ENTITY "&field=code");

  return json_object_get_int_member (json_node_get_object (answer), "duplicates");
}

static gint64
int_member (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);
  return json_node_get_int (node);
}

/* The summary `sync run --json` prints: exactly one JSON object, with
 * docs/architecture.md §8's seven members as integers. */
static JsonObject *
parse_summary (const SyCliRun *run)
{
  const char * const members[] = { "run_id", "read", "written", "created", "updated", "failed", "skipped" };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *summary;

  g_assert_cmpuint (sy_test_count_lines (run->out), ==, 1);
  root = sy_test_parse_json (run->out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  summary = json_node_get_object (root);
  for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
    g_assert_cmpint (int_member (summary, members[i]), >=, 0);
  g_assert_cmpint (int_member (summary, "run_id"), >, 0);
  g_assert_cmpint (int_member (summary, "written"), ==,
                   int_member (summary, "created") + int_member (summary, "updated"));
  g_assert_true (json_object_has_member (summary, "state"));
  return json_object_ref (summary);
}

/* The run id alone on the first line of stdout. */
static gint64
first_line_run_id (const char *out)
{
  g_autofree char *line = g_strndup (out, strcspn (out, "\n"));
  guint64 id = 0;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (line, !=, "");
  g_ascii_string_to_unsigned (line, 10, 1, G_MAXINT64, &id, &error);
  g_assert_no_error (error);
  return (gint64) id;
}

static JsonObject *
run_status (Fixture *fixture,
            gint64   run_id)
{
  g_auto(SyCliRun) run = { 0 };
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);
  g_autoptr(JsonNode) root = NULL;

  sy_cli_run (&fixture->cli, NULL, &run, "sync", "status", id, "--json");
  g_assert_cmpint (run.status, ==, 0);
  root = sy_test_parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static void
test_help (Fixture       *fixture,
           gconstpointer  data)
{
  const char * const commands[] = { "run", "resume", "status", "errors", "retry-failed" };

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "--help");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (strstr (run.out, "sync") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "--help");
    g_assert_cmpint (run.status, ==, 0);
    for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
      g_assert_true (strstr (run.out, commands[i]) != NULL);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run (&fixture->cli, NULL, &run, "sync", commands[i], "--help");
      g_assert_cmpint (run.status, ==, 0);
      g_assert_cmpstr (run.err, ==, "");
      g_assert_true (strstr (run.out, "Exit status") != NULL);
    }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", "--help");
    g_assert_true (strstr (run.out, "--batch-size") != NULL);
    g_assert_true (strstr (run.out, "--dry-run") != NULL);
    g_assert_true (strstr (run.out, "--max-rps") != NULL);
  }
}

static void
test_run (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) full = NULL;
  gint64 source_count;
  gint64 human_id;

  start_sandbox (fixture, "300", NULL, NULL);
  source_count = sandbox_count (fixture, SOURCE_ENTITY);
  g_assert_cmpint (source_count, ==, 300);
  g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, 0);

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path, "--json");
    g_assert_cmpint (run.status, ==, 0);
    first = parse_summary (&run);
  }
  /* Every order, once, and the counts say what the target holds. */
  g_assert_cmpint (int_member (first, "read"), ==, source_count);
  g_assert_cmpint (int_member (first, "created"), ==, source_count);
  g_assert_cmpint (int_member (first, "written"), ==, sandbox_count (fixture, TARGET_ENTITY));
  g_assert_cmpint (int_member (first, "failed"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "state"), ==, "finished");
  g_assert_cmpint (sandbox_duplicates (fixture), ==, 0);

  /* Nothing changed since: the next run writes nothing. */
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path, "--json");
    g_assert_cmpint (run.status, ==, 0);
    second = parse_summary (&run);
  }
  g_assert_cmpint (int_member (second, "run_id"), >, int_member (first, "run_id"));
  g_assert_cmpint (int_member (second, "written"), ==, 0);
  g_assert_cmpint (int_member (second, "failed"), ==, 0);

  /* Even reading everything again: the payloads are what was written. */
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path, "--full", "--json");
    g_assert_cmpint (run.status, ==, 0);
    full = parse_summary (&run);
  }
  g_assert_cmpint (int_member (full, "read"), ==, source_count);
  g_assert_cmpint (int_member (full, "written"), ==, 0);
  g_assert_cmpint (int_member (full, "skipped"), ==, source_count);
  g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, source_count);
  g_assert_cmpint (sandbox_duplicates (fixture), ==, 0);

  /* For people: the id first, alone, then a summary. */
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path, "--full");
    g_assert_cmpint (run.status, ==, 0);
    human_id = first_line_run_id (run.out);
    g_assert_cmpint (human_id, >, int_member (full, "run_id"));
    g_assert_cmpuint (sy_test_count_lines (run.out), >=, 2);
    g_assert_null (strstr (run.out, "sync errors"));
    /* Piped: no progress line. */
    g_assert_null (strchr (run.err, '\r'));
  }

  /* Listed, newest first. */
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, human_id);

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "status");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (g_strchug (run.out), "ID"));
    /* A heading and the four runs. */
    g_assert_cmpuint (sy_test_count_lines (run.out), ==, 5);
    g_assert_true (strstr (run.out, "Mintsoft orders to NetSuite") != NULL);
    g_assert_true (g_str_has_prefix (g_strchug (strchr (run.out, '\n') + 1), id));
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;
    JsonArray *runs;

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "status", "--json");
    g_assert_cmpint (run.status, ==, 0);
    root = sy_test_parse_json (run.out);
    runs = json_object_get_array_member (json_node_get_object (root), "runs");
    g_assert_cmpuint (json_array_get_length (runs), ==, 4);
    g_assert_cmpint (int_member (json_array_get_object_element (runs, 0), "id"), ==, human_id);
    g_assert_cmpint (int_member (json_array_get_object_element (runs, 3), "id"), ==,
                     int_member (first, "run_id"));
  }

  /* One run, every detail. */
  {
    g_autoptr(JsonObject) status = run_status (fixture, int_member (first, "run_id"));
    JsonObject *options;

    g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "finished");
    g_assert_cmpstr (json_object_get_string_member (status, "mapping_name"), ==, "Mintsoft orders to NetSuite");
    g_assert_cmpstr (json_object_get_string_member (status, "source_connection"), ==, "mintsoft");
    g_assert_cmpstr (json_object_get_string_member (status, "source_entity"), ==, SOURCE_ENTITY);
    g_assert_cmpstr (json_object_get_string_member (status, "target_connection"), ==, "netsuite");
    g_assert_cmpstr (json_object_get_string_member (status, "target_entity"), ==, TARGET_ENTITY);
    g_assert_true (json_object_has_member (status, "pair"));
    g_assert_cmpint (int_member (status, "read"), ==, source_count);
    g_assert_cmpint (int_member (status, "written"), ==, source_count);
    g_assert_cmpint (int_member (status, "created"), ==, source_count);
    g_assert_cmpint (int_member (status, "failed"), ==, 0);
    g_assert_cmpint (int_member (status, "started_at"), >, 0);
    g_assert_cmpint (int_member (status, "finished_at"), >=, int_member (status, "started_at"));
    g_assert_false (json_object_get_boolean_member (status, "resumable"));
    g_assert_true (json_object_has_member (status, "high_water"));
    g_assert_true (json_object_has_member (status, "checkpoint"));
    g_assert_true (json_object_has_member (status, "mapping_data"));
    options = json_object_get_object_member (status, "options");
    g_assert_cmpint (int_member (options, "batch_size"), ==, 50);
    g_assert_false (json_object_get_boolean_member (options, "dry_run"));
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, int_member (first, "run_id"));

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "status", id);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (strstr (run.out, "mintsoft " SOURCE_ENTITY) != NULL);
    g_assert_true (strstr (run.out, "netsuite " TARGET_ENTITY) != NULL);
    g_assert_null (strstr (run.out, "sync resume"));
  }

  /* A finished run has nothing to resume. */
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, int_member (first, "run_id"));

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "resume", id);
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  /* Nor failed records to retry: no run is started. */
  {
    g_auto(SyCliRun) run = { 0 };
    g_auto(SyCliRun) list = { 0 };
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, int_member (first, "run_id"));
    g_autofree char *message = g_strdup_printf ("Run %s has no failed records", id);
    g_autoptr(JsonNode) root = NULL;

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "retry-failed", id);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (strstr (run.out, message) != NULL);
    sy_cli_run (&fixture->cli, NULL, &list, "sync", "status", "--json");
    root = sy_test_parse_json (list.out);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (root), "runs")), ==, 4);
  }
}

static void
test_dry_run (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_auto(SyCliRun) run = { 0 };

  start_sandbox (fixture, "200", NULL, NULL);

  sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path, "--dry-run", "--json");
  g_assert_cmpint (run.status, ==, 0);
  summary = parse_summary (&run);
  g_assert_true (json_object_get_boolean_member (summary, "dry_run"));
  g_assert_cmpint (int_member (summary, "read"), ==, 200);
  g_assert_cmpint (int_member (summary, "failed"), ==, 0);
  /* Computed, not sent. */
  g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, 0);

  status = run_status (fixture, int_member (summary, "run_id"));
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (status, "options"), "dry_run"));

  /* A dry run is no high-water mark: the real run then writes everything. */
  {
    g_auto(SyCliRun) real = { 0 };
    g_autoptr(JsonObject) real_summary = NULL;

    sy_cli_run (&fixture->cli, NULL, &real, "sync", "run", fixture->mapping_path, "--json");
    g_assert_cmpint (real.status, ==, 0);
    real_summary = parse_summary (&real);
    g_assert_cmpint (int_member (real_summary, "created"), ==, 200);
    g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, 200);
  }
}

static void
test_failures (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(JsonObject) retry = NULL;
  g_autofree char *id = NULL;
  gint64 invalid;
  gint64 failed;

  start_sandbox (fixture, "200", "--invalid-rate", "0.1");
  invalid = sandbox_invalid_source_records (fixture);
  g_assert_cmpint (invalid, >, 0);

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path, "--json");
    g_assert_cmpint (run.status, ==, 1);
    summary = parse_summary (&run);
  }
  failed = int_member (summary, "failed");
  g_assert_cmpint (failed, ==, invalid);
  g_assert_cmpint (int_member (summary, "read"), ==, 200);
  g_assert_cmpint (int_member (summary, "created"), ==, 200 - invalid);
  g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, 200 - invalid);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, int_member (summary, "run_id"));

  /* CSV: a header, then one line per failed record, each a 422. */
  {
    g_auto(SyCliRun) run = { 0 };
    g_auto(GStrv) lines = NULL;

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "errors", id, "--format", "csv");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.err, ==, "");
    g_assert_true (g_str_has_prefix (run.out, "source_key,target_entity,status,message,field_errors,request_id,attempts,at"));
    g_assert_cmpuint (sy_test_count_lines (run.out), ==, failed + 1);
    lines = g_strsplit (run.out, "\n", -1);
    for (guint i = 1; i <= failed; i++)
      g_assert_true (strstr (lines[i], "," TARGET_ENTITY ",422,") != NULL);
  }
  /* The default is CSV too. */
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "errors", id);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (run.out, "source_key,"));
  }
  /* JSON, asked for either way. */
  for (guint way = 0; way < 2; way++)
    {
      g_auto(SyCliRun) run = { 0 };
      g_autoptr(JsonNode) root = NULL;
      JsonArray *records;

      if (way == 0)
        sy_cli_run (&fixture->cli, NULL, &run, "sync", "errors", id, "--format", "json");
      else
        sy_cli_run (&fixture->cli, NULL, &run, "--json", "sync", "errors", id);
      g_assert_cmpint (run.status, ==, 0);
      root = sy_test_parse_json (run.out);
      g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
      records = json_node_get_array (root);
      g_assert_cmpuint (json_array_get_length (records), ==, failed);
      for (guint i = 0; i < json_array_get_length (records); i++)
        {
          JsonObject *record = json_array_get_object_element (records, i);
          const char * const members[] = { "source_key", "target_entity", "status", "message",
                                           "field_errors", "request_id", "attempts", "at" };

          for (gsize m = 0; m < G_N_ELEMENTS (members); m++)
            g_assert_true (json_object_has_member (record, members[m]));
          g_assert_cmpint (json_object_get_int_member (record, "status"), ==, 422);
          g_assert_cmpstr (json_object_get_string_member (record, "target_entity"), ==, TARGET_ENTITY);
        }
    }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "errors", id, "--format", "xml");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_true (strstr (run.err, "--format") != NULL);
  }

  /* People are told how to see them. */
  {
    g_autoptr(JsonObject) status = run_status (fixture, int_member (summary, "run_id"));
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *hint = g_strdup_printf ("sync errors %s", id);

    g_assert_cmpint (int_member (status, "failed"), ==, failed);
    sy_cli_run (&fixture->cli, NULL, &run, "sync", "status", id);
    g_assert_true (strstr (run.out, hint) != NULL);
  }

  /* Retrying reads only those, and they fail again for the same reason. */
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "retry-failed", id, "--json");
    g_assert_cmpint (run.status, ==, 1);
    retry = parse_summary (&run);
  }
  g_assert_cmpint (int_member (retry, "run_id"), >, int_member (summary, "run_id"));
  g_assert_cmpint (int_member (retry, "read"), ==, failed);
  g_assert_cmpint (int_member (retry, "failed"), ==, failed);
  g_assert_cmpint (int_member (retry, "written"), ==, 0);
  g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, 200 - invalid);
  {
    g_autoptr(JsonObject) status = run_status (fixture, int_member (retry, "run_id"));

    g_assert_cmpint (int_member (status, "retry_of"), ==, int_member (summary, "run_id"));
  }

  /* For people: the id first, and where to look. */
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *retry_id = NULL;
    g_autofree char *hint = NULL;

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "retry-failed", id, "--batch-size", "5");
    g_assert_cmpint (run.status, ==, 1);
    retry_id = g_strdup_printf ("%" G_GINT64_FORMAT, first_line_run_id (run.out));
    hint = g_strdup_printf ("switchyard-cli sync errors %s", retry_id);
    g_assert_true (strstr (run.out, hint) != NULL);
  }
  g_assert_cmpint (sandbox_duplicates (fixture), ==, 0);
}

static void
test_usage_errors (Fixture       *fixture,
                   gconstpointer  data)
{
  const struct
  {
    const char *option;
    const char *value;
  } bad_options[] = {
    { "--batch-size", "0" },
    { "--batch-size", "101" },
    { "--batch-size", "many" },
    { "--concurrency", "0" },
    { "--max-rps", "-1" },
    { "--max-attempts", "0" },
  };
  const char * const unknown_run[][3] = {
    { "status", "999", NULL },
    { "resume", "999", NULL },
    { "errors", "999", NULL },
    { "retry-failed", "999", NULL },
    { "resume", "twelve", NULL },
    { "status", "-3", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad_options); i++)
    for (guint json = 0; json < 2; json++)
      {
        g_auto(SyCliRun) run = { 0 };

        if (json)
          sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path,
                      bad_options[i].option, bad_options[i].value, "--json");
        else
          sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path,
                      bad_options[i].option, bad_options[i].value);
        g_assert_cmpint (run.status, ==, 2);
        sy_cli_assert_one_error_line (&run);
        g_assert_true (strstr (run.err, bad_options[i].option) != NULL);
        g_assert_cmpstr (run.out, ==, "");
      }

  for (gsize i = 0; i < G_N_ELEMENTS (unknown_run); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run (&fixture->cli, NULL, &run, "sync", unknown_run[i][0], unknown_run[i][1]);
      g_assert_cmpint (run.status, ==, 2);
      sy_cli_assert_one_error_line (&run);
      g_assert_cmpstr (run.out, ==, "");
      if (g_str_equal (unknown_run[i][1], "999"))
        g_assert_true (strstr (run.err, "There is no sync run 999") != NULL);
    }

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "run");
    g_assert_cmpint (run.status, ==, 2);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "frobnicate");
    g_assert_cmpint (run.status, ==, 2);
  }

  /* Nothing ran yet. */
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "status", "--json");
    g_assert_cmpint (run.status, ==, 0);
    root = sy_test_parse_json (run.out);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (root), "runs")), ==, 0);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "status");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpuint (sy_test_count_lines (run.out), ==, 1);
  }
}

static void
test_bad_mapping (Fixture       *fixture,
                  gconstpointer  data)
{
  g_auto(GStrv) lines = g_strsplit (sy_example_mapping, "\n", -1);
  g_autofree char *text = NULL;
  g_autofree char *path = g_build_filename (fixture->files_dir, "broken.json", NULL);
  g_autofree char *place = g_strdup_printf ("%s:%d:", path, LINE_SOURCE);
  g_autoptr(GError) error = NULL;

  start_sandbox (fixture, "50", NULL, NULL);

  g_free (lines[LINE_SOURCE - 1]);
  lines[LINE_SOURCE - 1] = g_strdup ("  \"source\": {\"connection\": \"mintsoft\", \"entity\": \"wms/nothing\"},");
  text = g_strjoinv ("\n", lines);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);

  for (guint json = 0; json < 2; json++)
    {
      g_auto(SyCliRun) run = { 0 };

      if (json)
        sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", path, "--json");
      else
        sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", path);
      g_assert_cmpint (run.status, ==, 2);
      sy_cli_assert_one_error_line (&run);
      g_assert_true (strstr (run.err, place) != NULL);
      g_assert_cmpstr (run.out, ==, "");
    }

  /* A connection that is not there. */
  {
    g_auto(SyCliRun) run = { 0 };
    g_auto(SyCliRun) removed = { 0 };

    sy_cli_run (&fixture->cli, NULL, &removed, "connection", "remove", "netsuite");
    g_assert_cmpint (removed.status, ==, 0);
    sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path);
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_true (strstr (run.err, "netsuite") != NULL);
  }
  g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, 0);
}

static void
replace_token (Fixture    *fixture,
               const char *name,
               const char *token,
               int         expected_status)
{
  g_auto(SyCliRun) run = { 0 };
  g_autofree char *input = g_strconcat (token, "\n", NULL);

  sy_cli_run (&fixture->cli, input, &run, "connection", "add", name, "--replace",
              "--url", sy_sandbox_process_get_url (fixture->cli.sandbox), "--token-stdin");
  g_assert_cmpint (run.status, ==, expected_status);
}

static void
test_wrong_token (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *wrong = "sbx_erp_0000000000000000000000000000wrong";
  g_autoptr(JsonObject) status = NULL;
  g_autofree char *id = NULL;
  g_autofree char *hint = NULL;
  gint64 run_id;

  start_sandbox (fixture, "200", NULL, NULL);
  /* Refused by the server, kept so that the user can fix it. */
  replace_token (fixture, "netsuite", wrong, 3);

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path);
    g_assert_cmpint (run.status, ==, 3);
    run_id = first_line_run_id (run.out);
    id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);
    hint = g_strdup_printf ("switchyard-cli sync resume %s", id);
    g_assert_true (strstr (run.err, hint) != NULL);
    g_assert_true (g_str_has_prefix (run.err, "switchyard-cli: "));
    g_assert_null (strstr (run.err, wrong));
    g_assert_null (strstr (run.out, wrong));
  }
  g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, 0);

  status = run_status (fixture, run_id);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "failed");
  g_assert_true (json_object_get_boolean_member (status, "resumable"));
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "status", id);
    g_assert_true (strstr (run.out, hint) != NULL);
  }

  /* Still wrong: the same answer, in JSON too. */
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) summary = NULL;

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "resume", id, "--json");
    g_assert_cmpint (run.status, ==, 3);
    summary = parse_summary (&run);
    g_assert_cmpint (int_member (summary, "run_id"), ==, run_id);
    g_assert_cmpstr (json_object_get_string_member (summary, "state"), ==, "failed");
  }

  /* Fixed: the same run finishes. */
  replace_token (fixture, "netsuite", sy_sandbox_process_get_token (fixture->cli.sandbox, "erp"), 0);
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) summary = NULL;

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "resume", id, "--json");
    g_assert_cmpint (run.status, ==, 0);
    summary = parse_summary (&run);
    g_assert_cmpint (int_member (summary, "run_id"), ==, run_id);
    g_assert_cmpint (int_member (summary, "read"), ==, 200);
    g_assert_cmpint (int_member (summary, "failed"), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (summary, "state"), ==, "finished");
  }
  g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, 200);
  g_assert_cmpint (sandbox_duplicates (fixture), ==, 0);
}

static void
test_unreachable (Fixture       *fixture,
                  gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };
  g_autoptr(JsonObject) status = NULL;
  g_autofree char *hint = NULL;
  gint64 run_id;

  start_sandbox (fixture, "50", NULL, NULL);
  /* Both systems gone: the source cannot be read at all. */
  sy_sandbox_process_stop (fixture->cli.sandbox);

  sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path, "--max-attempts", "1",
              "--timeout", "5");
  g_assert_cmpint (run.status, ==, 3);
  g_assert_true (g_str_has_prefix (run.err, "switchyard-cli: "));
  /* The run failed as a whole, and can be resumed once the network is back. */
  run_id = first_line_run_id (run.out);
  hint = g_strdup_printf ("switchyard-cli sync resume %" G_GINT64_FORMAT, run_id);
  g_assert_true (strstr (run.err, hint) != NULL);
  status = run_status (fixture, run_id);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "failed");
  g_assert_true (json_object_get_boolean_member (status, "resumable"));
}

/* A `sync run` in the background: started, its first line read. */
typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GInputStream     *err;
  gint64            run_id;
} Background;

static void
background_start (Fixture            *fixture,
                  const char * const *args,
                  Background         *background)
{
  g_autoptr(GPtrArray) argv = sy_cli_argv (&fixture->cli, args);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  background->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                           G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                           &error);
  g_assert_no_error (error);
  background->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (background->process));
  background->err = g_object_ref (g_subprocess_get_stderr_pipe (background->process));

  /* The sandbox is another process: blocking on the pipe is fine. */
  line = g_data_input_stream_read_line_utf8 (background->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  background->run_id = first_line_run_id (line);
}

/* Reads the rest of the output and waits for the exit status. */
static void
background_finish (Background *background,
                   SyCliRun   *run)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char buffer[4096];
  gsize got;
  char *line;

  while ((line = g_data_input_stream_read_line_utf8 (background->out, NULL, NULL, &error)) != NULL)
    {
      g_string_append_printf (out, "%s\n", line);
      g_free (line);
    }
  g_assert_no_error (error);
  run->out = g_string_free (g_steal_pointer (&out), FALSE);

  out = g_string_new (NULL);
  while (g_input_stream_read_all (background->err, buffer, sizeof buffer, &got, NULL, &error) && got > 0)
    g_string_append_len (out, buffer, (gssize) got);
  g_assert_no_error (error);
  run->err = g_string_free (g_steal_pointer (&out), FALSE);

  g_subprocess_wait (background->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (background->process));
  run->status = g_subprocess_get_exit_status (background->process);
  g_test_message ("background sync → %d\nstdout: %s\nstderr: %s", run->status, run->out, run->err);

  g_clear_object (&background->out);
  g_clear_object (&background->err);
  g_clear_object (&background->process);
}

static void
test_interrupt (Fixture       *fixture,
                gconstpointer  data)
{
  const char * const args[] = { "sync", "run", fixture->mapping_path, "--batch-size", "10",
                                "--concurrency", "2", NULL };
  Background background = { 0 };
  g_auto(SyCliRun) stopped = { 0 };
  g_autoptr(JsonObject) status = NULL;
  g_autofree char *id = NULL;
  g_autofree char *hint = NULL;
  gint64 written;

  /* Slow enough (400 orders at 20 ms a request, two at a time) that the
   * signal arrives long before the end. */
  start_sandbox (fixture, "400", "--latency-ms", "20");

  background_start (fixture, args, &background);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, background.run_id);

  /* While it runs, the pair is taken. */
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_cmpstr (run.out, ==, "");
  }
  {
    g_autoptr(JsonObject) running = run_status (fixture, background.run_id);

    g_assert_cmpstr (json_object_get_string_member (running, "state"), ==, "running");
  }
  /* Nor can the run itself be taken over. */
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "resume", id);
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_true (strstr (run.err, "running") != NULL);
  }

  /* Ctrl+C, or a service manager's SIGTERM: the same gentle stop. */
  g_subprocess_send_signal (background.process, GPOINTER_TO_INT (data));
  background_finish (&background, &stopped);
  g_assert_cmpint (stopped.status, ==, 130);
  g_assert_true (strstr (stopped.err, "Stopping after the batch in flight") != NULL);
  hint = g_strdup_printf ("switchyard-cli sync resume %s", id);
  g_assert_true (strstr (stopped.err, hint) != NULL);

  status = run_status (fixture, background.run_id);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "stopped");
  g_assert_true (json_object_get_boolean_member (status, "resumable"));
  written = int_member (status, "written");
  /* Stopped after whole batches, well before the end. */
  g_assert_cmpint (written % 10, ==, 0);
  g_assert_cmpint (written, <, 400);
  g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, written);

  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) summary = NULL;

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "resume", id, "--json");
    g_assert_cmpint (run.status, ==, 0);
    summary = parse_summary (&run);
    g_assert_cmpint (int_member (summary, "run_id"), ==, background.run_id);
    g_assert_cmpint (int_member (summary, "read"), ==, 400);
    g_assert_cmpint (int_member (summary, "written"), ==, 400);
    g_assert_cmpint (int_member (summary, "failed"), ==, 0);
  }
  g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, 400);
  g_assert_cmpint (sandbox_duplicates (fixture), ==, 0);
}

static void
test_interrupt_twice (Fixture       *fixture,
                      gconstpointer  data)
{
  const char * const args[] = { "sync", "run", fixture->mapping_path, "--batch-size", "20",
                                "--concurrency", "4", NULL };
  Background background = { 0 };
  g_auto(SyCliRun) stopped = { 0 };
  g_autoptr(JsonObject) status = NULL;
  g_autofree char *id = NULL;
  gint64 deadline;

  /* Slow answers (a batch of 20, four at a time, takes about half a
   * second), so that the second signal lands inside a batch. */
  start_sandbox (fixture, "200", "--latency-ms", "100");

  background_start (fixture, args, &background);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, background.run_id);

  /* Writing has begun. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (sandbox_count (fixture, TARGET_ENTITY) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10 * 1000);
    }

  /* The second signal does not wait for the batch: requests in flight
   * are abandoned, and their creates must be found again on resume. */
  g_subprocess_send_signal (background.process, SIGINT);
  g_usleep (50 * 1000);
  g_subprocess_send_signal (background.process, SIGINT);
  background_finish (&background, &stopped);
  g_assert_cmpint (stopped.status, ==, 130);

  status = run_status (fixture, background.run_id);
  g_assert_true (json_object_get_boolean_member (status, "resumable"));

  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) summary = NULL;

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "resume", id, "--json");
    g_assert_cmpint (run.status, ==, 0);
    summary = parse_summary (&run);
    g_assert_cmpint (int_member (summary, "read"), ==, 200);
    g_assert_cmpint (int_member (summary, "failed"), ==, 0);
  }
  g_assert_cmpint (sandbox_count (fixture, TARGET_ENTITY), ==, 200);
  g_assert_cmpint (sandbox_duplicates (fixture), ==, 0);
}

static gint64
sandbox_method (Fixture    *fixture,
                const char *method)
{
  g_autoptr(JsonNode) stats = sandbox_get (fixture, "/__sandbox/stats");
  JsonObject *methods = json_object_get_object_member (json_node_get_object (stats), "methods");

  return json_object_get_int_member_with_default (methods, method, 0);
}

static guint
count_runs (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = sy_state_store_open (fixture->cli.state_dir, &error);
  g_autoptr(GPtrArray) runs = NULL;

  g_assert_no_error (error);
  runs = sy_state_store_list_runs (store, NULL, 0, &error);
  g_assert_no_error (error);
  return runs->len;
}

/* The safety rules (docs/architecture.md §6.8): a mapping whose source and
 * target are the same, or whose connection is gone, is refused with exit 2
 * before anything is read or written, and no run is kept. */
static void
test_unsafe_mapping (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *same_path = g_build_filename (fixture->files_dir, "same.json", NULL);
  g_autofree char *same = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonObject) summary = NULL;
  g_autofree char *id = NULL;
  JsonObject *target;
  gint64 posts, gets;

  start_sandbox (fixture, "40", "--invalid-rate", "0.3");

  /* A run with failures to retry. */
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path, "--json");
    g_assert_cmpint (run.status, ==, 1);
    summary = parse_summary (&run);
    id = g_strdup_printf ("%" G_GINT64_FORMAT, int_member (summary, "run_id"));
  }
  g_assert_cmpuint (count_runs (fixture), ==, 1);
  posts = sandbox_method (fixture, "POST");
  gets = sandbox_method (fixture, "GET");

  /* Writing back into the source. */
  root = json_from_string (sy_example_mapping, &error);
  g_assert_no_error (error);
  target = json_object_get_object_member (json_node_get_object (root), "target");
  json_object_set_string_member (target, "connection", "mintsoft");
  json_object_set_string_member (target, "entity", SOURCE_ENTITY);
  same = json_to_string (root, TRUE);
  g_file_set_contents (same_path, same, -1, &error);
  g_assert_no_error (error);
  for (guint dry = 0; dry < 2; dry++)
    {
      g_auto(SyCliRun) run = { 0 };

      if (dry)
        sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", same_path, "--dry-run", "--full");
      else
        sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", same_path);
      g_assert_cmpint (run.status, ==, 2);
      sy_cli_assert_one_error_line (&run);
      g_assert_nonnull (strstr (run.err, "Source and target are the same — records would be written back where they came from"));
      g_assert_cmpstr (run.out, ==, "");
    }

  /* The target connection is gone: its failed records are not retried. */
  {
    g_auto(SyCliRun) removed = { 0 };
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &removed, "connection", "remove", "netsuite");
    g_assert_cmpint (removed.status, ==, 0);
    sy_cli_run (&fixture->cli, NULL, &run, "sync", "retry-failed", id);
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_nonnull (strstr (run.err, "Connection “netsuite” no longer exists — pick another or add it"));
    g_assert_cmpstr (run.out, ==, "");
  }

  g_assert_cmpint (sandbox_method (fixture, "POST"), ==, posts);
  g_assert_cmpint (sandbox_method (fixture, "PUT"), ==, 0);
  g_assert_cmpint (sandbox_method (fixture, "GET"), ==, gets);
  g_assert_cmpuint (count_runs (fixture), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/cli/sync/help", test_help);
  ADD ("/cli/sync/usage-errors", test_usage_errors);
  ADD ("/cli/sync/bad-mapping", test_bad_mapping);
  ADD ("/cli/sync/unsafe-mapping", test_unsafe_mapping);
  ADD ("/cli/sync/run", test_run);
  ADD ("/cli/sync/dry-run", test_dry_run);
  ADD ("/cli/sync/failures", test_failures);
  ADD ("/cli/sync/wrong-token", test_wrong_token);
  ADD ("/cli/sync/unreachable", test_unreachable);
  g_test_add ("/cli/sync/interrupt", Fixture, GINT_TO_POINTER (SIGINT),
              fixture_set_up, test_interrupt, fixture_tear_down);
  g_test_add ("/cli/sync/terminate", Fixture, GINT_TO_POINTER (SIGTERM),
              fixture_set_up, test_interrupt, fixture_tear_down);
  ADD ("/cli/sync/interrupt-twice", test_interrupt_twice);

#undef ADD

  return g_test_run ();
}
