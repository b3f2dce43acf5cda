/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "sy-cli-test-support.h"
#include "sy-example-mapping.h"
#include "sy-test-support.h"

/* `switchyard-cli mapping check|preview` as a user runs them: a child
 * process with its own configuration and state directories, the real
 * keyring of the test session and a real switchyard-sandbox on loopback,
 * on mapping files written to a temporary directory. */

typedef struct
{
  SyCliFixture  cli;
  /* The mapping files; the CLI runs in the test's own directory. */
  char         *files_dir;
} Fixture;

/* Lines (1-based) of docs/architecture.md §5's example, sy_example_mapping, that
 * tests replace or name. */
#define LINE_SOURCE 4
#define LINE_TARGET 5
#define LINE_ORDER_NUMBER 9
#define LINE_CURRENCY 11
#define LINE_STATUS 13
#define LINE_LINES_START 14

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  sy_cli_fixture_set_up (&fixture->cli, "mapping", FALSE);
  fixture->files_dir = sy_test_make_tmpdir ("mapping-files");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_cli_fixture_tear_down (&fixture->cli);
  sy_test_remove_tree (fixture->files_dir);
  g_free (fixture->files_dir);
}

static void
start_sandbox (Fixture *fixture)
{
  const char * const args[] = { "--seed", "7", "--records", "60", NULL };

  fixture->cli.sandbox = sy_test_start_sandbox (args);
}

static void
add_example_connections (Fixture *fixture)
{
  sy_cli_add_connection (&fixture->cli, "mintsoft", "wms");
  sy_cli_add_connection (&fixture->cli, "netsuite", "erp");
}

/* The example's lines, without their newlines. */
static GStrv
example_lines (void)
{
  g_auto(GStrv) lines = g_strsplit (sy_example_mapping, "\n", -1);
  guint n_lines = g_strv_length (lines);

  /* The example ends in a newline: the last piece is the empty rest. */
  g_assert_cmpstr (lines[n_lines - 1], ==, "");
  g_clear_pointer (&lines[n_lines - 1], g_free);
  return g_steal_pointer (&lines);
}

/* The example with line `line` (1-based) replaced, or as it is when 0. */
static char *
example_text (guint       line,
              const char *replacement)
{
  g_auto(GStrv) lines = example_lines ();
  GString *text = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_string_append (text, i + 1 == line ? replacement : lines[i]);
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

static char *
write_file (Fixture    *fixture,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->files_dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static char *
write_example (Fixture    *fixture,
               const char *name,
               guint       line,
               const char *replacement)
{
  g_autofree char *text = example_text (line, replacement);

  return write_file (fixture, name, text);
}

static gboolean
strv_json_contains (JsonArray  *array,
                    const char *needle)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (strstr (json_array_get_string_element (array, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

static void
assert_coverage_shape (JsonObject *coverage)
{
  const char * const members[] = { "required_unmapped", "common_unmapped", "source_unused" };

  for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
    {
      g_assert_true (json_object_has_member (coverage, members[i]));
      g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (coverage, members[i])));
    }
}

/* The date part of an ISO 8601 time, in the time's own zone, as the §8
 * example's {"date": {"to": "%Y-%m-%d"}} writes it. */
static char *
expected_date (const char *iso8601)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (iso8601, utc);

  g_assert_nonnull (when);
  return g_date_time_format (when, "%Y-%m-%d");
}

/* What docs/architecture.md §5's example must make of a source order, field by field. */
static void
assert_example_payload (JsonObject *source,
                        JsonObject *payload)
{
  const char *order_number = json_object_get_string_member (source, "orderNumber");
  g_autofree char *date = expected_date (json_object_get_string_member (source, "date"));
  g_autofree char *memo = g_strdup_printf ("Mintsoft order %s", order_number);
  JsonArray *source_lines = json_object_get_array_member (source, "lines");
  JsonArray *payload_lines;

  g_assert_cmpstr (json_object_get_string_member (payload, "code"), ==,
                   json_object_get_string_member (source, "key"));
  g_assert_cmpstr (json_object_get_string_member (payload, "orderNumber"), ==, order_number);
  g_assert_cmpstr (json_object_get_string_member (payload, "date"), ==, date);
  /* GBP through the lookup table, every other currency through the
   * default: "1" either way. */
  g_assert_cmpstr (json_object_get_string_member (payload, "currencyKey"), ==, "1");
  g_assert_cmpstr (json_object_get_string_member (payload, "memo"), ==, memo);
  g_assert_cmpstr (json_object_get_string_member (payload, "statusKey"), ==, "pending");

  g_assert_true (json_object_has_member (payload, "lines"));
  payload_lines = json_object_get_array_member (payload, "lines");
  g_assert_cmpuint (json_array_get_length (payload_lines), ==, json_array_get_length (source_lines));
  g_assert_cmpuint (json_array_get_length (payload_lines), >, 0);
  for (guint l = 0; l < json_array_get_length (source_lines); l++)
    {
      JsonObject *source_line = json_array_get_object_element (source_lines, l);
      JsonObject *payload_line = json_array_get_object_element (payload_lines, l);
      JsonNode *quantity = json_object_get_member (payload_line, "quantity");

      g_assert_cmpstr (json_object_get_string_member (payload_line, "productKey"), ==,
                       json_object_get_string_member (source_line, "productKey"));
      /* A number, not the string of one. */
      g_assert_nonnull (quantity);
      g_assert_true (JSON_NODE_HOLDS_VALUE (quantity));
      g_assert_true (json_node_get_value_type (quantity) == G_TYPE_INT64 ||
                     json_node_get_value_type (quantity) == G_TYPE_DOUBLE);
      g_assert_cmpfloat (json_node_get_double (quantity), ==,
                         (double) json_object_get_int_member (source_line, "quantity"));
      /* Only what the rules say goes into a line. */
      g_assert_false (json_object_has_member (payload_line, "price"));
    }

  /* Nothing the rules do not name. */
  g_assert_cmpuint (json_object_get_size (payload), ==, 7);
}

/* Runs `mapping preview --json` and returns its document, after checking
 * that it is exactly docs/architecture.md §8's shape. */
static JsonObject *
run_preview_json (Fixture    *fixture,
                  const char *path,
                  const char *sample,
                  guint       expected_samples)
{
  g_auto(SyCliRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *document;
  JsonArray *samples;

  sy_cli_run (&fixture->cli, NULL, &run, "mapping", "preview", path, "--json", "--sample", sample);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  /* One document. */
  g_assert_cmpuint (sy_test_count_lines (run.out), ==, 1);
  root = sy_test_parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  document = json_node_get_object (root);
  g_assert_cmpuint (json_object_get_size (document), ==, 2);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (document, "samples")));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (document, "coverage")));
  assert_coverage_shape (json_object_get_object_member (document, "coverage"));

  samples = json_object_get_array_member (document, "samples");
  g_assert_cmpuint (json_array_get_length (samples), ==, expected_samples);
  for (guint i = 0; i < json_array_get_length (samples); i++)
    {
      JsonObject *sample_object = json_array_get_object_element (samples, i);
      JsonArray *problems;

      g_assert_cmpuint (json_object_get_size (sample_object), ==, 3);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (sample_object, "source")));
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (sample_object, "payload")));
      g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (sample_object, "problems")));
      problems = json_object_get_array_member (sample_object, "problems");
      for (guint p = 0; p < json_array_get_length (problems); p++)
        {
          JsonObject *problem = json_array_get_object_element (problems, p);

          g_assert_nonnull (json_object_get_string_member (problem, "field"));
          g_assert_nonnull (json_object_get_string_member (problem, "message"));
          g_assert_cmpstr (json_object_get_string_member (problem, "message"), !=, "");
        }
    }

  return json_object_ref (document);
}

static void
test_help (Fixture       *fixture,
           gconstpointer  data)
{
  const char * const *commands[] = {
    (const char * const[]) { "mapping", "--help", NULL },
    (const char * const[]) { "help", "mapping", NULL },
    (const char * const[]) { "mapping", "check", "--help", NULL },
    (const char * const[]) { "mapping", "preview", "--help", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run_argv (&fixture->cli, NULL, commands[i], &run);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_true (strstr (run.out, "Usage") != NULL);
      g_assert_cmpstr (run.err, ==, "");
    }

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "--help");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (strstr (run.out, "mapping") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "preview", "--help");
    g_assert_true (strstr (run.out, "--sample") != NULL);
    /* The exit status of a preview with problems is documented. */
    g_assert_true (strstr (run.out, "Exit status") != NULL);
  }
}

static void
test_usage_errors (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = write_example (fixture, "example.json", 0, NULL);
  const char * const *commands[] = {
    (const char * const[]) { "mapping", NULL },
    (const char * const[]) { "mapping", "frobnicate", NULL },
    (const char * const[]) { "mapping", "check", NULL },
    (const char * const[]) { "mapping", "check", path, "extra", NULL },
    (const char * const[]) { "mapping", "preview", NULL },
    (const char * const[]) { "mapping", "preview", path, "--sample", "0", NULL },
    (const char * const[]) { "mapping", "preview", path, "--sample", "101", NULL },
    (const char * const[]) { "mapping", "preview", path, "--sample", "abc", NULL },
    (const char * const[]) { "mapping", "preview", path, "--sample", "-3", NULL },
    (const char * const[]) { "mapping", "preview", path, "--sample", NULL },
    (const char * const[]) { "mapping", "check", path, "--sample", "3", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run_argv (&fixture->cli, NULL, commands[i], &run);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_true (g_str_has_prefix (run.err, "switchyard-cli: "));
      g_assert_cmpstr (run.out, ==, "");
    }

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "preview", path, "--sample", "101");
    sy_cli_assert_one_error_line (&run);
    g_assert_true (strstr (run.err, "--sample") != NULL);
    g_assert_true (strstr (run.err, "100") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *missing = g_build_filename (fixture->files_dir, "no-such-file.json", NULL);

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", missing);
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_true (strstr (run.err, "no-such-file.json") != NULL);
  }
}

static void
test_check (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *no_lines = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  JsonObject *coverage;

  start_sandbox (fixture);
  add_example_connections (fixture);
  path = write_example (fixture, "example.json", 0, NULL);
  g_file_get_contents (path, &before, NULL, NULL);

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.err, ==, "");
    g_assert_true (strstr (run.out, "Mintsoft orders to NetSuite") != NULL);
    g_assert_true (strstr (run.out, "wms/sales-orders") != NULL);
    g_assert_true (strstr (run.out, "erp/sales-orders") != NULL);
    g_assert_true (strstr (run.out, "7 rules") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;
    JsonObject *object;
    JsonObject *source;
    JsonObject *target;

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path, "--json");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpuint (sy_test_count_lines (run.out), ==, 1);
    root = sy_test_parse_json (run.out);
    object = json_node_get_object (root);
    g_assert_true (json_object_get_boolean_member (object, "valid"));
    g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "Mintsoft orders to NetSuite");
    source = json_object_get_object_member (object, "source");
    target = json_object_get_object_member (object, "target");
    g_assert_cmpstr (json_object_get_string_member (source, "connection"), ==, "mintsoft");
    g_assert_cmpstr (json_object_get_string_member (source, "entity"), ==, "wms/sales-orders");
    g_assert_cmpstr (json_object_get_string_member (target, "connection"), ==, "netsuite");
    g_assert_cmpstr (json_object_get_string_member (target, "entity"), ==, "erp/sales-orders");
    g_assert_cmpint (json_object_get_int_member (object, "rules"), ==, 7);
    /* The unified model has no memo: the example's one custom field. */
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "warnings")), ==, 1);
    g_assert_true (strv_json_contains (json_object_get_array_member (object, "warnings"), "memo"));
    coverage = json_object_get_object_member (object, "coverage");
    assert_coverage_shape (coverage);
    /* Every commonly needed field of a sales order is mapped. */
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (coverage, "common_unmapped")), ==, 0);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (coverage, "required_unmapped")), ==, 0);
  }

  /* Without its lines rule, the mapping misses what an order is usually
   * made of. */
  {
    g_autofree char *text = example_text (0, NULL);
    g_auto(GStrv) lines = example_lines ();
    GString *cut = g_string_new (NULL);
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;
    JsonArray *common;

    for (guint i = 0; lines[i] != NULL; i++)
      {
        if (i + 1 == LINE_LINES_START || i + 1 == LINE_LINES_START + 1 || i + 1 == LINE_LINES_START + 2)
          continue;
        /* The rule before the lines is the last one now. */
        if (i + 1 == LINE_STATUS)
          g_string_append (cut, "    {\"target\": \"statusKey\", \"value\": \"pending\"}");
        else
          g_string_append (cut, lines[i]);
        g_string_append_c (cut, '\n');
      }
    no_lines = write_file (fixture, "no-lines.json", cut->str);
    g_string_free (cut, TRUE);

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", no_lines, "--json");
    g_assert_cmpint (run.status, ==, 0);
    root = sy_test_parse_json (run.out);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "rules"), ==, 6);
    common = json_object_get_array_member (json_object_get_object_member (json_node_get_object (root), "coverage"),
                                           "common_unmapped");
    g_assert_true (strv_json_contains (common, "lines"));
    g_assert_false (strv_json_contains (common, "orderNumber"));
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", no_lines);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (strstr (run.out, "commonly needed") != NULL);
    g_assert_true (strstr (run.out, "lines") != NULL);
  }

  /* Only read. */
  g_file_get_contents (path, &after, NULL, NULL);
  g_assert_cmpstr (before, ==, after);
}

static void
test_check_custom_field (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = NULL;

  start_sandbox (fixture);
  add_example_connections (fixture);
  path = write_example (fixture, "custom.json", LINE_STATUS,
                        "    {\"target\": \"statusKey\", \"value\": \"pending\"}, {\"target\": \"warehouseNoteX\", \"value\": \"x\"},");

  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;
    JsonObject *object;

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path, "--json");
    g_assert_cmpint (run.status, ==, 0);
    root = sy_test_parse_json (run.out);
    object = json_node_get_object (root);
    g_assert_cmpint (json_object_get_int_member (object, "rules"), ==, 8);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "warnings")), ==, 2);
    g_assert_true (strv_json_contains (json_object_get_array_member (object, "warnings"), "warehouseNoteX"));
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (strstr (run.out, "warehouseNoteX") != NULL);
  }
}

static void
test_preview (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) document = NULL;
  g_autoptr(JsonObject) larger = NULL;
  JsonArray *samples;
  const char *previous_updated = NULL;
  gboolean saw_other_currency = FALSE;

  start_sandbox (fixture);
  add_example_connections (fixture);
  path = write_example (fixture, "example.json", 0, NULL);

  document = run_preview_json (fixture, path, "3", 3);
  samples = json_object_get_array_member (document, "samples");
  for (guint i = 0; i < json_array_get_length (samples); i++)
    {
      JsonObject *sample_object = json_array_get_object_element (samples, i);
      JsonObject *source = json_object_get_object_member (sample_object, "source");
      const char *updated = json_object_get_string_member (source, "updatedAt");

      /* The whole source record, as the server sent it. */
      g_assert_true (json_object_has_member (source, "shipmentAddress"));
      assert_example_payload (source, json_object_get_object_member (sample_object, "payload"));
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (sample_object, "problems")), ==, 0);

      /* Newest first. */
      if (previous_updated != NULL)
        g_assert_cmpstr (previous_updated, >=, updated);
      previous_updated = updated;
    }

  /* Enough samples to meet currencies the lookup table lacks. */
  larger = run_preview_json (fixture, path, "40", 40);
  samples = json_object_get_array_member (larger, "samples");
  for (guint i = 0; i < json_array_get_length (samples); i++)
    {
      JsonObject *sample_object = json_array_get_object_element (samples, i);
      JsonObject *source = json_object_get_object_member (sample_object, "source");

      if (!g_str_equal (json_object_get_string_member (source, "currencyKey"), "GBP"))
        saw_other_currency = TRUE;
      assert_example_payload (source, json_object_get_object_member (sample_object, "payload"));
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (sample_object, "problems")), ==, 0);
    }
  g_assert_true (saw_other_currency);

  /* Coverage over the samples: source fields that no rule reads. */
  g_assert_true (strv_json_contains (json_object_get_array_member (json_object_get_object_member (larger, "coverage"),
                                                                   "source_unused"),
                                     "shipmentAddress"));

  {
    g_auto(SyCliRun) run = { 0 };
    JsonObject *first = json_array_get_object_element (json_object_get_array_member (document, "samples"), 0);
    const char *key = json_object_get_string_member (json_object_get_object_member (first, "source"), "key");

    /* For a person: each sample's key and payload, then the coverage;
     * the default is 5 samples. */
    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "preview", path);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.err, ==, "");
    g_assert_true (strstr (run.out, key) != NULL);
    g_assert_true (strstr (run.out, "Sample 5 of 5") != NULL);
    g_assert_null (strstr (run.out, "Sample 6"));
    g_assert_true (strstr (run.out, "\"statusKey\" : \"pending\"") != NULL);
    g_assert_true (strstr (run.out, "Coverage") != NULL);
  }
}

static void
test_preview_missing_source (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) document = NULL;
  JsonArray *samples;

  start_sandbox (fixture);
  add_example_connections (fixture);
  path = write_example (fixture, "missing.json", LINE_ORDER_NUMBER,
                        "    {\"target\": \"orderNumber\", \"source\": \"orderNo\", \"required\": true},");

  document = run_preview_json (fixture, path, "4", 4);
  samples = json_object_get_array_member (document, "samples");
  for (guint i = 0; i < json_array_get_length (samples); i++)
    {
      JsonObject *sample_object = json_array_get_object_element (samples, i);
      JsonArray *problems = json_object_get_array_member (sample_object, "problems");
      gboolean found = FALSE;

      for (guint p = 0; p < json_array_get_length (problems); p++)
        {
          JsonObject *problem = json_array_get_object_element (problems, p);

          if (g_str_equal (json_object_get_string_member (problem, "field"), "orderNumber"))
            found = TRUE;
          /* Only the broken rule has something to say. */
          g_assert_cmpstr (json_object_get_string_member (problem, "field"), ==, "orderNumber");
        }
      g_assert_true (found);
    }

  {
    g_auto(SyCliRun) run = { 0 };

    /* A preview with problems still ran: exit 0, problems on stdout. */
    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "preview", path, "--sample", "2");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (strstr (run.out, "✗ orderNumber: ") != NULL);
  }
}

static void
test_broken_files (Fixture       *fixture,
                   gconstpointer  data)
{
  struct
  {
    const char *name;
    guint       line;
    const char *replacement;
  } cases[] = {
    /* Not JSON: a comma missing inside the line. */
    { "invalid-json.json", LINE_CURRENCY,
      "    {\"target\": \"currencyKey\" \"source\": \"currencyKey\"},"},
    { "unknown-transform.json", LINE_CURRENCY,
      "    {\"target\": \"currencyKey\", \"source\": \"currencyKey\", \"transform\": {\"frobnicate\": {}}},"},
    { "two-sources.json", LINE_STATUS,
      "    {\"target\": \"statusKey\", \"source\": \"status\", \"value\": \"pending\"},"},
    { "unknown-source-entity.json", LINE_SOURCE,
      "  \"source\": {\"connection\": \"mintsoft\", \"entity\": \"wms/nothing\"},"},
    { "unknown-target-entity.json", LINE_TARGET,
      "  \"target\": {\"connection\": \"netsuite\", \"entity\": \"erp/nothing\"},"},
  };

  start_sandbox (fixture);
  add_example_connections (fixture);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_example (fixture, cases[i].name, cases[i].line, cases[i].replacement);
      g_autofree char *before = NULL;
      g_autofree char *place = g_strdup_printf ("%s:%u:", path, cases[i].line);
      const char *commands[] = { "check", "preview" };

      g_file_get_contents (path, &before, NULL, NULL);
      for (gsize c = 0; c < G_N_ELEMENTS (commands); c++)
        for (guint json = 0; json < 2; json++)
          {
            g_auto(SyCliRun) run = { 0 };
            g_autofree char *after = NULL;

            if (json)
              sy_cli_run (&fixture->cli, NULL, &run, "mapping", commands[c], path, "--json");
            else
              sy_cli_run (&fixture->cli, NULL, &run, "mapping", commands[c], path);
            g_assert_cmpint (run.status, ==, 2);
            sy_cli_assert_one_error_line (&run);
            /* The place: FILE:LINE. */
            g_assert_true (strstr (run.err, place) != NULL);
            g_assert_cmpstr (run.out, ==, "");

            /* The file on disk is untouched. */
            g_file_get_contents (path, &after, NULL, NULL);
            g_assert_cmpstr (before, ==, after);
          }
    }

  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *path = write_example (fixture, "unknown-entity-message.json", LINE_SOURCE,
                                           "  \"source\": {\"connection\": \"mintsoft\", \"entity\": \"wms/nothing\"},");

    /* The reason names what is wrong. */
    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path);
    g_assert_true (strstr (run.err, "wms/nothing") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *path = write_example (fixture, "unknown-transform-message.json", LINE_CURRENCY,
                                           "    {\"target\": \"currencyKey\", \"source\": \"currencyKey\", \"transform\": {\"frobnicate\": {}}},");

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path);
    g_assert_true (strstr (run.err, "frobnicate") != NULL);
  }
}

/* "each" inside "each", 20,000 deep: `mapping check` took 76 s and 7.3 GB
 * (or overflowed the stack in the JSON parser). It is refused at once, at
 * its line. */
static void
test_deeply_nested_each (Fixture       *fixture,
                         gconstpointer  data)
{
  const guint levels = 20000;
  g_autoptr(GString) rule = g_string_new ("    ");
  g_autofree char *path = NULL;
  g_autofree char *place = NULL;
  g_auto(SyCliRun) run = { 0 };

  for (guint i = 0; i < levels; i++)
    g_string_append (rule, "{\"target\": \"lines\", \"source\": \"lines\", \"each\": [");
  g_string_append (rule, "{\"target\": \"x\", \"source\": \"x\"}");
  for (guint i = 0; i < levels; i++)
    g_string_append (rule, "]}");
  g_string_append_c (rule, ',');

  path = write_example (fixture, "nested-each.json", LINE_STATUS, rule->str);
  place = g_strdup_printf ("%s:%u:", path, LINE_STATUS);

  sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path);
  g_assert_cmpint (run.status, ==, 2);
  sy_cli_assert_one_error_line (&run);
  g_assert_true (strstr (run.err, place) != NULL);
  g_assert_true (strstr (run.err, "“each”") != NULL);
  g_assert_cmpstr (run.out, ==, "");
}

/* A mapping "file" that is a FIFO nobody writes to, or /dev/zero: read
 * whole, one hangs for ever, the other eats the memory. */
static void
test_not_regular_files (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *fifo = g_build_filename (fixture->files_dir, "mapping.json", NULL);
  const char *paths[] = { fifo, "/dev/zero", fixture->files_dir };

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      const char *commands[] = { "check", "preview" };

      for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
        {
          g_auto(SyCliRun) run = { 0 };

          sy_cli_run (&fixture->cli, NULL, &run, "mapping", commands[c], paths[i]);
          g_assert_cmpint (run.status, ==, 2);
          sy_cli_assert_one_error_line (&run);
          g_assert_true (strstr (run.err, "not a regular file") != NULL);
        }
    }
}

static void
test_unknown_connection (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = NULL;

  start_sandbox (fixture);
  path = write_example (fixture, "example.json", 0, NULL);

  /* Neither connection exists: the source is named first. */
  for (guint i = 0; i < 2; i++)
    {
      g_auto(SyCliRun) run = { 0 };

      if (i == 0)
        sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path);
      else
        sy_cli_run (&fixture->cli, NULL, &run, "mapping", "preview", path);
      g_assert_cmpint (run.status, ==, 2);
      sy_cli_assert_one_error_line (&run);
      g_assert_true (strstr (run.err, "“mintsoft”") != NULL);
      g_assert_true (strstr (run.err, "connection add mintsoft") != NULL);
      g_assert_cmpstr (run.out, ==, "");
    }

  sy_cli_add_connection (&fixture->cli, "mintsoft", "wms");
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *place = g_strdup_printf ("%s:%u:", path, LINE_TARGET);

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path);
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_true (strstr (run.err, "“netsuite”") != NULL);
    g_assert_true (strstr (run.err, place) != NULL);
  }

  sy_cli_add_connection (&fixture->cli, "netsuite", "erp");
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path);
    g_assert_cmpint (run.status, ==, 0);
  }
}

static void
test_wrong_token (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = NULL;
  const char *wrong = "sbx_wms_0000000000000000000000000000wrong";

  start_sandbox (fixture);
  sy_cli_add_connection (&fixture->cli, "netsuite", "erp");
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *input = g_strconcat (wrong, "\n", NULL);

    /* Refused by the server, kept so that the user can fix it. */
    sy_cli_run (&fixture->cli, input, &run, "connection", "add", "mintsoft",
                "--url", sy_sandbox_process_get_url (fixture->cli.sandbox), "--token-stdin");
    g_assert_cmpint (run.status, ==, 3);
  }
  path = write_example (fixture, "example.json", 0, NULL);

  {
    g_auto(SyCliRun) run = { 0 };

    /* Checking needs no server. */
    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path);
    g_assert_cmpint (run.status, ==, 0);
  }
  for (guint json = 0; json < 2; json++)
    {
      g_auto(SyCliRun) run = { 0 };

      if (json)
        sy_cli_run (&fixture->cli, NULL, &run, "mapping", "preview", path, "--json");
      else
        sy_cli_run (&fixture->cli, NULL, &run, "mapping", "preview", path);
      g_assert_cmpint (run.status, ==, 3);
      sy_cli_assert_one_error_line (&run);
      g_assert_null (strstr (run.err, wrong));
      if (json)
        g_assert_cmpstr (run.out, ==, "");
    }
}

/* data/demo/ of the source tree: next to tests/ (G_TEST_SRCDIR), or found
 * from the build tree's parent when run by hand. */
static char *
find_demo_mapping (void)
{
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");
  g_autofree char *from_srcdir = NULL;

  g_assert_nonnull (srcdir);
  from_srcdir = g_build_filename (srcdir, "..", "data", "demo", "mintsoft-to-netsuite.json", NULL);
  g_assert_true (g_file_test (from_srcdir, G_FILE_TEST_IS_REGULAR));
  return g_steal_pointer (&from_srcdir);
}

static void
test_demo_mapping (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = find_demo_mapping ();
  g_autofree char *contents = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) document = NULL;
  JsonObject *mapping;
  JsonArray *samples;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  root = sy_test_parse_json (contents);
  mapping = json_node_get_object (root);

  start_sandbox (fixture);

  {
    g_auto(SyCliRun) run = { 0 };

    /* Without its connections, it cannot be used... */
    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path);
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }

  /* ...with them, under the names it uses, it can. */
  sy_cli_add_connection (&fixture->cli, json_object_get_string_member (json_object_get_object_member (mapping, "source"), "connection"), "wms");
  sy_cli_add_connection (&fixture->cli, json_object_get_string_member (json_object_get_object_member (mapping, "target"), "connection"), "erp");

  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonNode) check = NULL;

    sy_cli_run (&fixture->cli, NULL, &run, "mapping", "check", path, "--json");
    g_assert_cmpint (run.status, ==, 0);
    check = sy_test_parse_json (run.out);
    g_assert_true (json_object_get_boolean_member (json_node_get_object (check), "valid"));
    /* The demo maps the customer too: nothing required is left out. */
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_object_get_object_member (json_node_get_object (check), "coverage"),
                                                                           "required_unmapped")), ==, 0);
  }

  /* On the sandbox's valid orders, the demo mapping has nothing to say. */
  document = run_preview_json (fixture, path, "10", 10);
  samples = json_object_get_array_member (document, "samples");
  for (guint i = 0; i < json_array_get_length (samples); i++)
    {
      JsonObject *sample_object = json_array_get_object_element (samples, i);
      JsonObject *source = json_object_get_object_member (sample_object, "source");
      JsonObject *payload = json_object_get_object_member (sample_object, "payload");

      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (sample_object, "problems")), ==, 0);
      g_assert_cmpstr (json_object_get_string_member (payload, "customerKey"), ==,
                       json_object_get_string_member (source, "customerKey"));
    }

  /* The shipped file stays as it is. */
  {
    g_autofree char *after = NULL;

    g_file_get_contents (path, &after, NULL, NULL);
    g_assert_cmpstr (contents, ==, after);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/cli/mapping/help", test_help);
  ADD ("/cli/mapping/usage-errors", test_usage_errors);
  ADD ("/cli/mapping/check", test_check);
  ADD ("/cli/mapping/check-custom-field", test_check_custom_field);
  ADD ("/cli/mapping/preview", test_preview);
  ADD ("/cli/mapping/preview-missing-source", test_preview_missing_source);
  ADD ("/cli/mapping/broken-files", test_broken_files);
  ADD ("/cli/mapping/deeply-nested-each", test_deeply_nested_each);
  ADD ("/cli/mapping/not-regular-files", test_not_regular_files);
  ADD ("/cli/mapping/unknown-connection", test_unknown_connection);
  ADD ("/cli/mapping/wrong-token", test_wrong_token);
  ADD ("/cli/mapping/demo-mapping", test_demo_mapping);

#undef ADD

  return g_test_run ();
}
