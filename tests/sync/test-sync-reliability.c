/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "sy-cli-test-support.h"
#include "sy-example-mapping.h"
#include "sy-test-support.h"

/* docs/architecture.md §6's promise, tested from the outside: `switchyard-cli sync`
 * against a real switchyard-sandbox that fails, drops (before and after
 * writing), rate-limits and rejects, and a CLI that is killed with
 * SIGKILL at any moment. The target is checked through the sandbox's
 * inspection endpoints: every record once, none twice, every failure
 * accounted for. */

typedef struct
{
  SyCliFixture  cli;
  char         *mapping_path;
  SoupSession  *inspection;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  sy_cli_fixture_set_up (&fixture->cli, "sync-reliability", TRUE);
  fixture->inspection = soup_session_new_with_options ("timeout", 60, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->inspection);
  sy_cli_fixture_tear_down (&fixture->cli);
  g_clear_pointer (&fixture->mapping_path, g_free);
}

/* The sandbox with these arguments, the example's two connections, and
 * the mapping file: the example, plus (with_addressee) a rule that copies
 * the shipment addressee, the field /__sandbox/touch changes, so that a
 * touched record maps to a new payload. */
static void
start (Fixture            *fixture,
       const char * const *sandbox_args,
       gboolean            with_addressee)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *mapping = NULL;

  fixture->cli.sandbox = sy_test_start_sandbox (sandbox_args);
  if (sy_sandbox_process_get_ca_file (fixture->cli.sandbox) != NULL)
    {
      /* --tls: the inspection endpoints are asked over HTTPS too, trusting
       * the sandbox's CA alone, as the CLI's connections do. */
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (sy_sandbox_process_get_ca_file (fixture->cli.sandbox),
                                                                  &error);

      g_assert_no_error (error);
      g_clear_object (&fixture->inspection);
      fixture->inspection = soup_session_new_with_options ("timeout", 60, "tls-database", database, NULL);
    }
  sy_cli_add_connection (&fixture->cli, "mintsoft", "wms");
  sy_cli_add_connection (&fixture->cli, "netsuite", "erp");

  mapping = with_addressee ? sy_example_mapping_with_addressee () : g_strdup (sy_example_mapping);

  fixture->mapping_path = g_build_filename (fixture->cli.work_dir, "orders.json", NULL);
  g_file_set_contents (fixture->mapping_path, mapping, -1, &error);
  g_assert_no_error (error);
}

static int
truncate_file (const char *path)
{
  return truncate (path, 0);
}

/* --- the sandbox's inspection endpoints ------------------------------ */

static JsonNode *
inspect (Fixture    *fixture,
         const char *method,
         const char *path_and_query)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (fixture->cli.sandbox), path_and_query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  body = soup_session_send_and_read (fixture->inspection, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return sy_test_parse_json (text);
}

static gint64
member_int (JsonObject *object,
            const char *first_member,
            ...)
{
  const char *member = first_member;
  va_list ap;
  gint64 value;

  va_start (ap, first_member);
  for (const char *next = va_arg (ap, const char *); next != NULL; next = va_arg (ap, const char *))
    {
      object = json_object_get_object_member (object, member);
      g_assert_nonnull (object);
      member = next;
    }
  va_end (ap);
  value = json_object_get_int_member_with_default (object, member, 0);
  return value;
}

typedef struct
{
  gint64 target_count;
  gint64 posts;
  gint64 puts;
  gint64 created;      /* records stored by POST, answered or not */
  gint64 dropped_after_write;
  gint64 invalid_source_records;
  gint64 status_429;
  gint64 status_5xx;
  gint64 dropped;      /* connections closed unanswered, before or after the work */
  gint64 answered;     /* every answer sent, by any status */
} Stats;

static Stats
get_stats (Fixture *fixture)
{
  g_autoptr(JsonNode) root = inspect (fixture, "GET", "/__sandbox/stats");
  JsonObject *stats = json_node_get_object (root);
  JsonObject *requests = json_object_get_object_member (stats, "requests");
  g_autoptr(GList) statuses = json_object_get_members (requests);
  Stats result = { 0 };

  result.target_count = member_int (stats, "entities", "erp/sales-orders", "count", NULL);
  result.posts = member_int (stats, "methods", "POST", NULL);
  result.puts = member_int (stats, "methods", "PUT", NULL) + member_int (stats, "methods", "PATCH", NULL);
  result.created = member_int (stats, "writes", "created", NULL);
  result.dropped_after_write = member_int (stats, "dropped_after_write", NULL);
  result.invalid_source_records = member_int (stats, "invalid_source_records", NULL);
  result.status_429 = member_int (requests, "429", NULL);
  result.dropped = member_int (stats, "dropped_connections", NULL);
  for (GList *l = statuses; l != NULL; l = l->next)
    {
      result.answered += json_object_get_int_member (requests, l->data);
      if (g_str_has_prefix (l->data, "5"))
        result.status_5xx += json_object_get_int_member (requests, l->data);
    }
  return result;
}

static gint64
count_duplicates (Fixture *fixture)
{
  g_autoptr(JsonNode) root = inspect (fixture, "GET", "/__sandbox/duplicates?entity=erp/sales-orders&field=code");

  return json_object_get_int_member (json_node_get_object (root), "duplicates");
}

/* --- the CLI's answers ----------------------------------------------- */

/* `sync run --json`: the run id alone on the first line, then one JSON
 * object (docs/architecture.md §8); a lone JSON document is accepted too
 * (what --json means elsewhere), its run_id then counts. The first line
 * without --json is asserted by the SIGKILL test. */
static JsonObject *
parse_run_output (const char *out,
                  gint64     *run_id,
                  JsonNode  **holder)
{
  const char *newline = strchr (out, '\n');
  g_autofree char *first_line = NULL;
  const char *json_text = out;
  guint64 id = 0;
  JsonObject *object;

  g_assert_nonnull (newline);
  first_line = g_strndup (out, newline - out);
  if (g_ascii_string_to_unsigned (first_line, 10, 1, G_MAXINT64, &id, NULL))
    json_text = newline + 1;
  else
    g_test_message ("`sync run --json` printed no run id line before its JSON object");

  *holder = sy_test_parse_json (json_text);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*holder));
  object = json_node_get_object (*holder);
  if (id == 0)
    id = json_object_get_int_member (object, "run_id");
  *run_id = (gint64) id;
  g_assert_cmpint (*run_id, >, 0);
  g_assert_cmpint (json_object_get_int_member (object, "run_id"), ==, *run_id);
  for (const char * const *member = (const char * const[]) { "read", "written", "created", "updated", "failed",
                                                             "skipped", NULL };
       *member != NULL; member++)
    if (!json_object_has_member (object, *member))
      g_error ("`sync run --json` lacks “%s”: %s", *member, newline + 1);
  return object;
}

static JsonObject *
sync_status (Fixture   *fixture,
             gint64     run_id,
             JsonNode **holder)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);
  g_auto(SyCliRun) run = { 0 };

  sy_cli_run (&fixture->cli, NULL, &run, "sync", "status", id, "--json");
  g_assert_cmpint (run.status, ==, 0);
  *holder = sy_test_parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*holder));
  return json_node_get_object (*holder);
}

/* The failed records `sync errors ID --format json` lists, as JSON
 * objects, whether it prints one array, an object holding one, or JSON
 * lines. */
static GPtrArray *
sync_errors (Fixture *fixture,
             gint64   run_id)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);
  g_auto(SyCliRun) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  sy_cli_run (&fixture->cli, NULL, &run, "sync", "errors", id, "--format", "json");
  g_assert_cmpint (run.status, ==, 0);

  if (json_parser_load_from_data (parser, run.out, -1, NULL))
    {
      JsonNode *root = json_parser_get_root (parser);
      JsonArray *array = NULL;

      if (JSON_NODE_HOLDS_ARRAY (root))
        array = json_node_get_array (root);
      else if (JSON_NODE_HOLDS_OBJECT (root))
        {
          JsonObject *object = json_node_get_object (root);

          for (const char * const *member = (const char * const[]) { "errors", "records", "failed", NULL };
               *member != NULL && array == NULL; member++)
            if (json_object_has_member (object, *member) &&
                JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, *member)))
              array = json_object_get_array_member (object, *member);
          if (array == NULL)
            g_ptr_array_add (records, json_object_ref (object));
        }
      for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
        g_ptr_array_add (records, json_object_ref (json_array_get_object_element (array, i)));
      return records;
    }

  {
    g_auto(GStrv) lines = g_strsplit (run.out, "\n", -1);

    for (guint i = 0; lines[i] != NULL; i++)
      {
        g_autoptr(JsonNode) node = NULL;

        if (*g_strstrip (lines[i]) == '\0')
          continue;
        node = sy_test_parse_json (lines[i]);
        g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
        g_ptr_array_add (records, json_object_ref (json_node_get_object (node)));
      }
  }
  return records;
}

static const char *
string_member_of (JsonObject         *object,
                  const char * const *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      JsonNode *node = json_object_get_member (object, names[i]);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        return json_node_get_string (node);
    }
  return NULL;
}

/* The keys of the source orders the ERP must reject (their customer and
 * first product are unknown to it), read from a twin sandbox without any
 * switch: the data does not depend on the switches. */
static GHashTable *
invalid_source_keys (const char *records,
                     const char *invalid_rate)
{
  const char * const args[] = { "--records", records, "--invalid-rate", invalid_rate, NULL };
  g_autoptr(SySandboxProcess) twin = sy_test_start_sandbox (args);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *authorization = g_strconcat ("Bearer ", sy_sandbox_process_get_token (twin, "wms"), NULL);
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint page = 1; ; page++)
    {
      g_autofree char *url = g_strdup_printf ("%s/api/wms/sales-orders?per_page=500&page=%u",
                                              sy_sandbox_process_get_url (twin), page);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;
      JsonArray *data;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
      body = soup_session_send_and_read (session, msg, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
      text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      root = sy_test_parse_json (text);
      data = json_object_get_array_member (json_node_get_object (root), "data");
      if (json_array_get_length (data) == 0)
        break;
      for (guint i = 0; i < json_array_get_length (data); i++)
        {
          JsonObject *order = json_array_get_object_element (data, i);

          if (g_str_has_prefix (json_object_get_string_member (order, "customerKey"), "09"))
            g_hash_table_add (keys, g_strdup (json_object_get_string_member (order, "key")));
        }
    }
  sy_sandbox_process_stop (twin);
  return keys;
}

/* Like sy_cli_run(), but the CLI's standard error goes straight to the
 * test's log and a crash is reported with its signal. */
static int
run_cli_logged (Fixture            *fixture,
                const char * const *args,
                char              **out)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GPtrArray) argv = sy_cli_argv (&fixture->cli, args);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *command_line = g_strjoinv (" ", (char **) args);

  g_subprocess_launcher_set_cwd (launcher, fixture->cli.work_dir);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_subprocess_communicate_utf8_finish (process, result, out, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_subprocess_wait_async (process, NULL, sy_test_store_result, &result);
  sy_test_await (&result);

  g_test_message ("switchyard-cli %s\nstdout: %.2000s", command_line, *out);
  if (g_subprocess_get_if_signaled (process))
    g_error ("switchyard-cli %s was killed by signal %d (%s)", command_line,
             g_subprocess_get_term_sig (process), g_strsignal (g_subprocess_get_term_sig (process)));
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

/* --- a) everything goes wrong at once -------------------------------- */

static guint count_addressees_differing (Fixture    *fixture,
                                         GHashTable *invalid);

/* One hostile target, over plain HTTP or over TLS. */
typedef struct
{
  gboolean    tls;
  const char *records;       /* as --records takes it */
  gint64      n_records;
  const char *invalid_rate;
  gint64      min_invalid;
  const char *drop_rate;
  const char *rate_limit;    /* per minute */
  /* The run makes more requests than --rate-limit lets through in a
   * minute, so 429s must have happened. */
  gboolean    expect_429;
} HostileTarget;

static const HostileTarget hostile_plain = {
  .tls = FALSE, .records = "5000", .n_records = 5000, .invalid_rate = "0.01", .min_invalid = 10,
  .drop_rate = "0.02", .rate_limit = "6000", .expect_429 = FALSE,
};

/* Fewer records over TLS: handshakes are slow under the sanitizers, which
 * CI runs this under too. Enough that every fault happens: about 60 5xx,
 * 20 drops, and a rate limit each run passes within its first seconds (the
 * 429's Retry-After then pauses it for most of a minute, which is the bulk
 * of this subtest's time). */
static const HostileTarget hostile_tls = {
  .tls = TRUE, .records = "600", .n_records = 600, .invalid_rate = "0.03", .min_invalid = 5,
  .drop_rate = "0.03", .rate_limit = "400", .expect_429 = TRUE,
};

static void
test_hostile_target (Fixture       *fixture,
                     gconstpointer  data)
{
  const HostileTarget *hostile = data;
  const char * const args[] = { "--records", hostile->records, "--fail-rate", "0.1", "--drop-rate", hostile->drop_rate,
                                "--invalid-rate", hostile->invalid_rate, "--rate-limit", hostile->rate_limit,
                                hostile->tls ? "--tls" : NULL, NULL };
  g_autoptr(GHashTable) invalid = invalid_source_keys (hostile->records, hostile->invalid_rate);
  const gint64 n_records = hostile->n_records;
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(JsonNode) summary_holder = NULL;
  g_autoptr(JsonNode) status_holder = NULL;
  g_auto(SyCliRun) run = { 0 };
  JsonObject *summary, *status;
  gint64 run_id, n_invalid;
  gint64 started = g_get_monotonic_time ();
  Stats stats;

  start (fixture, args, TRUE);
  sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path, "--json",
              "--concurrency", "8", "--batch-size", "100", "--max-rps", "100");
  g_test_message ("sync run took %.1f s", (g_get_monotonic_time () - started) / 1e6);

  if (hostile->tls)
    g_assert_true (g_str_has_prefix (sy_sandbox_process_get_url (fixture->cli.sandbox), "https://"));

  stats = get_stats (fixture);
  n_invalid = stats.invalid_source_records;
  g_assert_cmpint (n_invalid, ==, g_hash_table_size (invalid));
  g_assert_cmpint (n_invalid, >, hostile->min_invalid);
  g_test_message ("sandbox: %" G_GINT64_FORMAT " POST, %" G_GINT64_FORMAT " PUT, %" G_GINT64_FORMAT
                  " answered 5xx, %" G_GINT64_FORMAT " answered 429, %" G_GINT64_FORMAT " connections dropped, %"
                  G_GINT64_FORMAT " creates stored whose answer was dropped",
                  stats.posts, stats.puts, stats.status_5xx, stats.status_429, stats.dropped,
                  stats.dropped_after_write);
  /* Every fault the scenario is about did happen. */
  g_assert_cmpint (stats.status_5xx, >, 0);
  g_assert_cmpint (stats.dropped, >, 0);
  if (hostile->expect_429)
    g_assert_cmpint (stats.status_429, >, 0);

  /* Exit 1: the job ran, some records failed. A run that ended FAILED
   * (exit 3) and needs a resume is a bug, not bad luck. */
  g_assert_cmpint (run.status, ==, 1);
  summary = parse_run_output (run.out, &run_id, &summary_holder);

  status = sync_status (fixture, run_id, &status_holder);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "finished");
  g_assert_cmpint (json_object_get_int_member (summary, "read"), ==, n_records);
  g_assert_cmpint (count_duplicates (fixture), ==, 0);
  /* The drops after a write happened. */
  g_assert_cmpint (stats.dropped_after_write, >, 0);

  /* Exactly the invalid orders are listed, each with its 422 and the
   * server's reason: every valid order got through its 5xx answers and
   * dropped connections within its retry budget (a write fails here about
   * one time in eight; all 8 attempts of some order failing would happen
   * about once in 5,000 runs of this test). */
  errors = sync_errors (fixture, run_id);
  for (guint i = 0; i < errors->len; i++)
    {
      JsonObject *error = g_ptr_array_index (errors, i);
      const char *key = string_member_of (error, (const char * const[]) { "source_key", "key", "sourceKey", NULL });
      const char *message = string_member_of (error, (const char * const[]) { "message", NULL });

      g_assert_nonnull (key);
      g_assert_true (g_hash_table_add (listed, (gpointer) key));
      g_assert_nonnull (message);
      g_assert_cmpstr (message, !=, "");
      if (!g_hash_table_contains (invalid, key))
        {
          g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
          g_autofree char *text = NULL;

          json_node_set_object (node, error);
          text = json_to_string (node, FALSE);
          g_error ("a valid order is in the failed-record log: %s", text);
        }
      g_assert_cmpint (json_object_get_int_member (error, "status"), ==, 422);
    }
  g_assert_cmpuint (errors->len, ==, n_invalid);
  g_assert_cmpint (json_object_get_int_member (summary, "failed"), ==, n_invalid);
  g_assert_cmpint (json_object_get_int_member (summary, "created"), ==, n_records - n_invalid);
  g_assert_cmpint (json_object_get_int_member (summary, "written"), ==, n_records - n_invalid);
  g_assert_cmpint (stats.target_count, ==, n_records - n_invalid);

  /* Retrying the failed records reads exactly those again; the target
   * still refuses every one, and nothing is written twice. */
  {
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);
    const char * const retry_args[] = { "sync", "retry-failed", id, "--json", "--max-rps", "100", NULL };
    g_autoptr(JsonNode) retry_holder = NULL;
    g_autofree char *retry_out = NULL;
    JsonObject *retry_summary;
    gint64 retry_id;

    g_assert_cmpint (run_cli_logged (fixture, retry_args, &retry_out), ==, 1);
    retry_summary = parse_run_output (retry_out, &retry_id, &retry_holder);
    g_assert_cmpint (retry_id, !=, run_id);
    g_assert_cmpint (json_object_get_int_member (retry_summary, "read"), ==, n_invalid);
    g_assert_cmpint (json_object_get_int_member (retry_summary, "failed"), ==, n_invalid);
  }
  g_assert_cmpint (count_duplicates (fixture), ==, 0);
  g_assert_cmpint (get_stats (fixture).target_count, ==, n_records - n_invalid);

  /* Every order edited: the next run updates every valid one, through the
   * same faults, on kept-alive connections (GET and PUT are what libsoup
   * sends again by itself when such a connection is closed under them). */
  {
    g_autofree char *touch = g_strdup_printf ("/__sandbox/touch?entity=wms/sales-orders&count=%s", hostile->records);
    g_autoptr(JsonNode) touched = inspect (fixture, "POST", touch);
    g_autoptr(JsonNode) update_holder = NULL;
    g_auto(SyCliRun) update = { 0 };
    JsonObject *update_summary;
    gint64 update_id;
    Stats before = get_stats (fixture), after;

    g_assert_cmpint (json_object_get_int_member (json_node_get_object (touched), "touched"), ==, n_records);
    sy_cli_run (&fixture->cli, NULL, &update, "sync", "run", fixture->mapping_path, "--json",
                "--concurrency", "8", "--batch-size", "100", "--max-rps", "100");
    g_assert_cmpint (update.status, ==, 1);
    update_summary = parse_run_output (update.out, &update_id, &update_holder);
    after = get_stats (fixture);
    g_test_message ("update run: %" G_GINT64_FORMAT " PUT, %" G_GINT64_FORMAT " answered 429",
                    after.puts - before.puts, after.status_429 - before.status_429);
    g_assert_cmpint (json_object_get_int_member (update_summary, "created"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (update_summary, "updated"), ==, n_records - n_invalid);
    g_assert_cmpint (json_object_get_int_member (update_summary, "failed"), ==, n_invalid);
    g_assert_cmpint (after.puts - before.puts, >=, n_records - n_invalid);
    g_assert_cmpint (after.target_count, ==, n_records - n_invalid);
    g_assert_cmpint (count_duplicates (fixture), ==, 0);
    g_assert_cmpuint (count_addressees_differing (fixture, invalid), ==, 0);
  }
}

/* --- b) SIGKILL at any moment ---------------------------------------- */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  char             *first_line;
  gboolean          line_done;
  gboolean          exited;
} Child;

static void
on_first_line (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Child *child = user_data;

  child->first_line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  child->line_done = TRUE;
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Child *child = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  child->exited = TRUE;
}

/* The CLI in the background: standard output piped (the run id is its
 * first line), standard error to the test's log. */
static Child *
spawn_cli (Fixture            *fixture,
           const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GPtrArray) argv = sy_cli_argv (&fixture->cli, args);
  g_autoptr(GError) error = NULL;
  Child *child = g_new0 (Child, 1);

  g_subprocess_launcher_set_cwd (launcher, fixture->cli.work_dir);
  child->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->process));
  g_data_input_stream_read_line_async (child->out, G_PRIORITY_DEFAULT, NULL, on_first_line, child);
  g_subprocess_wait_async (child->process, NULL, on_exited, child);
  return child;
}

static void
child_free (Child *child)
{
  if (!child->exited)
    {
      g_subprocess_force_exit (child->process);
      while (!child->exited)
        g_main_context_iteration (NULL, TRUE);
    }
  /* The pending read, if any, ends at the pipe's end. */
  while (!child->line_done)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&child->out);
  g_clear_object (&child->process);
  g_free (child->first_line);
  g_free (child);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Child, child_free)

static gint64
await_run_id (Child *child)
{
  guint64 id = 0;

  while (!child->line_done)
    g_main_context_iteration (NULL, TRUE);
  if (child->first_line == NULL ||
      !g_ascii_string_to_unsigned (child->first_line, 10, 1, G_MAXINT64, &id, NULL))
    g_error ("`sync run` printed no run id first: “%s”", child->first_line ? child->first_line : "(nothing)");
  return (gint64) id;
}

/* Polls the target's count until it reaches at least `created`, then
 * kills the child with SIGKILL. FALSE if the child ended first. */
static gboolean
kill_after_created (Fixture *fixture,
                    Child   *child,
                    gint64   created,
                    gint64  *count_at_kill)
{
  for (;;)
    {
      Stats stats;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (child->exited)
        return FALSE;
      stats = get_stats (fixture);
      if (stats.target_count >= created)
        {
          g_subprocess_send_signal (child->process, SIGKILL);
          while (!child->exited)
            g_main_context_iteration (NULL, TRUE);
          g_assert_true (g_subprocess_get_if_signaled (child->process));
          g_assert_cmpint (g_subprocess_get_term_sig (child->process), ==, SIGKILL);
          *count_at_kill = get_stats (fixture).target_count;
          return TRUE;
        }
      g_usleep (2 * 1000);
    }
}

static void
test_sigkill_and_resume (Fixture       *fixture,
                         gconstpointer  data)
{
  gboolean hostile = GPOINTER_TO_INT (data);
  const char * const calm_args[] = { "--records", "2000", "--latency-ms", "5", NULL };
  /* Drops after a write and kills together: creates whose outcome is
   * unknown both in the process and across it. */
  const char * const hostile_args[] = { "--records", "2000", "--latency-ms", "5", "--drop-rate", "0.05",
                                        "--fail-rate", "0.05", NULL };
  const char * const *args = hostile ? hostile_args : calm_args;
  const gint64 kill_points[] = { 200, 700, 1300 };
  g_autofree char *id_text = NULL;
  g_autoptr(JsonNode) status_holder = NULL;
  g_auto(SyCliRun) last = { 0 };
  JsonObject *status;
  gint64 run_id, at_kill = 0;
  guint kills = 0;

  start (fixture, args, FALSE);

  /* Killed as soon as it said which run it is. */
  {
    const char * const run_args[] = { "sync", "run", fixture->mapping_path, "--batch-size", "50", NULL };
    g_autoptr(Child) child = spawn_cli (fixture, run_args);

    run_id = await_run_id (child);
    g_subprocess_send_signal (child->process, SIGKILL);
    while (!child->exited)
      g_main_context_iteration (NULL, TRUE);
    g_test_message ("killed `sync run` at once, with %" G_GINT64_FORMAT " orders in the target",
                    get_stats (fixture).target_count);
    kills++;
  }
  id_text = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);

  for (guint i = 0; i < G_N_ELEMENTS (kill_points); i++)
    {
      const char * const resume_args[] = { "sync", "resume", id_text, NULL };
      g_autoptr(Child) child = spawn_cli (fixture, resume_args);

      if (kill_after_created (fixture, child, kill_points[i], &at_kill))
        {
          g_test_message ("killed `sync resume` at %" G_GINT64_FORMAT " orders in the target", at_kill);
          kills++;
        }
      else
        g_test_message ("`sync resume` ended (status %d) before %" G_GINT64_FORMAT " orders",
                        g_subprocess_get_exit_status (child->process), kill_points[i]);
      g_assert_cmpint (count_duplicates (fixture), ==, 0);
    }
  /* Otherwise the test proved less than it says. */
  g_assert_cmpuint (kills, ==, 1 + G_N_ELEMENTS (kill_points));

  sy_cli_run (&fixture->cli, NULL, &last, "sync", "resume", id_text, "--json");
  g_assert_cmpint (last.status, ==, 0);

  g_assert_cmpint (get_stats (fixture).target_count, ==, 2000);
  g_assert_cmpint (count_duplicates (fixture), ==, 0);

  status = sync_status (fixture, run_id, &status_holder);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "finished");
  g_assert_cmpint (json_object_get_int_member (status, "read"), ==, 2000);
  g_assert_cmpint (json_object_get_int_member (status, "failed"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (status, "created") + json_object_get_int_member (status, "updated") +
                   json_object_get_int_member (status, "skipped"), ==, 2000);
  g_test_message ("finished: created %" G_GINT64_FORMAT ", updated %" G_GINT64_FORMAT ", skipped %" G_GINT64_FORMAT,
                  json_object_get_int_member (status, "created"), json_object_get_int_member (status, "updated"),
                  json_object_get_int_member (status, "skipped"));
}

/* --- c) incremental runs --------------------------------------------- */

static JsonObject *
run_sync (Fixture    *fixture,
          gint64     *run_id,
          JsonNode  **holder)
{
  g_auto(SyCliRun) run = { 0 };

  sy_cli_run (&fixture->cli, NULL, &run, "sync", "run", fixture->mapping_path, "--json");
  g_assert_cmpint (run.status, ==, 0);
  return parse_run_output (run.out, run_id, holder);
}

/* --- b'') a new run after a killed one ------------------------------ */

/* One number from state.db, read while the CLI may be writing it. */
static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *statement = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &statement, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (statement, 0);
  sqlite3_finalize (statement);
  return value;
}

#define IN_FLIGHT_SQL "SELECT count(*) FROM sync_in_flight"
/* The adoption mark is a key map row under the empty source key. */
#define COMMITTED_SQL "SELECT count(*) FROM sync_key_map WHERE source_key <> ''"

/* A run killed while its creates are stored by the target but not
 * committed, then a NEW `sync run` of the same mapping (not a resume):
 * the killed run's in-flight creates are looked up, not sent again. */
static void
test_new_run_after_kill (Fixture       *fixture,
                         gconstpointer  data)
{
  /* Slow answers: a POST is stored at once, answered 1.5 s later. */
  const char * const args[] = { "--records", "100", "--latency-ms", "1500", NULL };
  g_autofree char *db_path = NULL;
  g_autoptr(JsonNode) second_holder = NULL;
  JsonObject *second;
  gint64 first_id, second_id, in_flight = 0, committed = 0;
  Stats at_kill;
  sqlite3 *db = NULL;

  start (fixture, args, FALSE);
  db_path = g_build_filename (fixture->cli.state_dir, "state.db", NULL);

  {
    const char * const run_args[] = { "sync", "run", fixture->mapping_path, "--batch-size", "20",
                                      "--concurrency", "20", NULL };
    g_autoptr(Child) child = spawn_cli (fixture, run_args);

    first_id = await_run_id (child);
    g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
    sqlite3_busy_timeout (db, 5000);

    /* Killed once creates are marked in flight and the target stored
     * some of them: sent, not committed. */
    for (;;)
      {
        while (g_main_context_iteration (NULL, FALSE))
          ;
        g_assert_false (child->exited);
        in_flight = query_int (db, IN_FLIGHT_SQL);
        committed = query_int (db, COMMITTED_SQL);
        if (in_flight > 0 && get_stats (fixture).target_count > committed)
          break;
        g_usleep (2 * 1000);
      }
    g_subprocess_send_signal (child->process, SIGKILL);
    while (!child->exited)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (g_subprocess_get_if_signaled (child->process));
  }

  in_flight = query_int (db, IN_FLIGHT_SQL);
  committed = query_int (db, COMMITTED_SQL);
  at_kill = get_stats (fixture);
  g_test_message ("killed run %" G_GINT64_FORMAT " with %" G_GINT64_FORMAT " creates in flight, %"
                  G_GINT64_FORMAT " committed, %" G_GINT64_FORMAT " orders in the target",
                  first_id, in_flight, committed, at_kill.target_count);
  /* Otherwise the test proved nothing. */
  g_assert_cmpint (in_flight, >, 0);
  g_assert_cmpint (at_kill.target_count, >, committed);

  second = run_sync (fixture, &second_id, &second_holder);
  g_assert_cmpint (second_id, !=, first_id);
  g_assert_cmpint (json_object_get_int_member (second, "failed"), ==, 0);

  g_assert_cmpint (get_stats (fixture).target_count, ==, 100);
  g_assert_cmpint (count_duplicates (fixture), ==, 0);
  /* Every mark was settled, the killed run's with the rest. */
  g_assert_cmpint (query_int (db, IN_FLIGHT_SQL), ==, 0);
  g_assert_cmpint (query_int (db, COMMITTED_SQL), ==, 100);
  sqlite3_close (db);
}

/* --- b') edits made during a run -------------------------------------- */

/* Polls the target's count until it reaches at least `created`. FALSE if
 * the child ended first. */
static gboolean
wait_for_created (Fixture *fixture,
                  Child   *child,
                  gint64   created)
{
  for (;;)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (child->exited)
        return FALSE;
      if (get_stats (fixture).target_count >= created)
        return TRUE;
      g_usleep (2 * 1000);
    }
}

/* Every record of an entity, by the value of one of its members. */
static GHashTable *
fetch_all (Fixture    *fixture,
           const char *entity,
           const char *token_name,
           const char *by_member)
{
  /* The inspection session: over --tls it trusts the sandbox's CA. */
  SoupSession *session = fixture->inspection;
  g_autofree char *authorization = g_strconcat ("Bearer ", sy_sandbox_process_get_token (fixture->cli.sandbox,
                                                                                        token_name), NULL);
  GHashTable *records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);

  for (guint page = 1; ; page++)
    {
      g_autofree char *url = g_strdup_printf ("%s/api/%s?per_page=500&page=%u",
                                              sy_sandbox_process_get_url (fixture->cli.sandbox), entity, page);
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;
      JsonArray *data;

      /* A sandbox with faults switched on fails reads too, and its rate
       * limit may still be spent by the run: tried again, for up to about
       * a minute and a half. */
      for (guint attempt = 0; attempt < 180; attempt++)
        {
          if (attempt > 0)
            g_usleep (G_USEC_PER_SEC / 2);
          g_clear_object (&msg);
          g_clear_pointer (&body, g_bytes_unref);
          g_clear_error (&error);
          msg = soup_message_new ("GET", url);
          soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
          body = soup_session_send_and_read (session, msg, NULL, &error);
          if (error == NULL && soup_message_get_status (msg) == 200)
            break;
          /* Only the sandbox's faults are worth waiting out. */
          if (error != NULL && error->domain == G_TLS_ERROR)
            break;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
      text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      root = sy_test_parse_json (text);
      data = json_object_get_array_member (json_node_get_object (root), "data");
      if (json_array_get_length (data) == 0)
        break;
      for (guint i = 0; i < json_array_get_length (data); i++)
        {
          JsonObject *record = json_array_get_object_element (data, i);

          g_hash_table_replace (records, g_strdup (json_object_get_string_member (record, by_member)),
                                json_object_ref (record));
        }
    }
  return records;
}

static const char *
addressee_of (JsonObject *record)
{
  JsonObject *address = json_object_get_object_member (record, "shipmentAddress");

  return address != NULL ? json_object_get_string_member_with_default (address, "addressee", NULL) : NULL;
}

/* How many valid source orders the target holds with another addressee
 * than the source's (or not at all). */
static guint
count_addressees_differing (Fixture    *fixture,
                            GHashTable *invalid)
{
  g_autoptr(GHashTable) source = fetch_all (fixture, "wms/sales-orders", "wms", "key");
  g_autoptr(GHashTable) target = fetch_all (fixture, "erp/sales-orders", "erp", "code");
  GHashTableIter iter;
  gpointer key, value;
  guint differing = 0;

  g_hash_table_iter_init (&iter, source);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      JsonObject *written = g_hash_table_lookup (target, key);

      if (g_hash_table_contains (invalid, key))
        continue;
      if (written == NULL || g_strcmp0 (addressee_of (written), addressee_of (value)) != 0)
        {
          g_test_message ("order %s: the target says “%s”, the source “%s”", (const char *) key,
                          written != NULL ? addressee_of (written) : "(missing)", addressee_of (value));
          differing++;
        }
    }
  return differing;
}

/* The target holds every source order as the mapping makes it now: each
 * field the mapping copies, compared one by one. */
static void
assert_target_matches_source (Fixture *fixture)
{
  g_autoptr(GHashTable) source = fetch_all (fixture, "wms/sales-orders", "wms", "key");
  g_autoptr(GHashTable) target = fetch_all (fixture, "erp/sales-orders", "erp", "code");
  GHashTableIter iter;
  gpointer key, value;
  guint wrong = 0;

  g_assert_cmpuint (g_hash_table_size (target), ==, g_hash_table_size (source));
  g_hash_table_iter_init (&iter, source);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      JsonObject *order = value;
      JsonObject *written = g_hash_table_lookup (target, key);
      g_autofree char *memo = NULL;
      JsonArray *source_lines, *target_lines;

      g_assert_nonnull (written);
      memo = g_strdup_printf ("Mintsoft order %s", json_object_get_string_member (order, "orderNumber"));
      g_assert_cmpstr (json_object_get_string_member (written, "orderNumber"), ==,
                       json_object_get_string_member (order, "orderNumber"));
      g_assert_cmpstr (json_object_get_string_member (written, "memo"), ==, memo);
      source_lines = json_object_get_array_member (order, "lines");
      target_lines = json_object_get_array_member (written, "lines");
      g_assert_cmpuint (json_array_get_length (target_lines), ==, json_array_get_length (source_lines));
      for (guint i = 0; i < json_array_get_length (source_lines); i++)
        g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (target_lines, i), "productKey"),
                         ==,
                         json_object_get_string_member (json_array_get_object_element (source_lines, i), "productKey"));
      if (g_strcmp0 (addressee_of (written), addressee_of (order)) != 0)
        {
          g_test_message ("order %s: the target says “%s”, the source “%s”", (const char *) key,
                          addressee_of (written), addressee_of (order));
          wrong++;
        }
    }
  g_assert_cmpuint (wrong, ==, 0);
}

/* Records edited in the source while a run reads it are written again
 * when the listing meets them later with their new updatedAt, also when
 * the run is killed and resumed; the next incremental run then has
 * nothing left to do. */
static void
test_edits_during_run (Fixture       *fixture,
                       gconstpointer  data)
{
  gboolean kill = GPOINTER_TO_INT (data);
  const char * const args[] = { "--records", "2000", "--latency-ms", "5", NULL };
  const char *run_args[] = { "sync", "run", NULL, "--concurrency", "2", NULL };
  g_autoptr(JsonNode) touched_holder = NULL;
  g_autoptr(JsonNode) next_holder = NULL;
  g_autofree char *id_text = NULL;
  JsonObject *next;
  gint64 run_id, next_id;

  start (fixture, args, TRUE);
  run_args[2] = fixture->mapping_path;

  {
    g_autoptr(Child) child = spawn_cli (fixture, (const char * const *) run_args);

    run_id = await_run_id (child);
    id_text = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);
    g_assert_true (wait_for_created (fixture, child, 800));
    touched_holder = inspect (fixture, "POST", "/__sandbox/touch?entity=wms/sales-orders&count=40");
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (touched_holder), "touched"), ==, 40);
    g_test_message ("touched 40 orders with %" G_GINT64_FORMAT " in the target", get_stats (fixture).target_count);

    if (kill)
      {
        gint64 at_kill;

        g_assert_true (kill_after_created (fixture, child, 1200, &at_kill));
        g_test_message ("killed `sync run` at %" G_GINT64_FORMAT " orders in the target", at_kill);
      }
    else
      {
        while (!child->exited)
          g_main_context_iteration (NULL, TRUE);
        g_assert_true (g_subprocess_get_if_exited (child->process));
        g_assert_cmpint (g_subprocess_get_exit_status (child->process), ==, 0);
      }
  }

  if (kill)
    {
      g_auto(SyCliRun) resumed = { 0 };

      sy_cli_run (&fixture->cli, NULL, &resumed, "sync", "resume", id_text, NULL);
      g_assert_cmpint (resumed.status, ==, 0);
    }

  g_assert_cmpint (get_stats (fixture).target_count, ==, 2000);
  g_assert_cmpint (count_duplicates (fixture), ==, 0);
  assert_target_matches_source (fixture);

  /* Nothing was left behind the high-water mark. */
  next = run_sync (fixture, &next_id, &next_holder);
  g_assert_cmpint (next_id, !=, run_id);
  g_assert_cmpint (json_object_get_int_member (next, "written"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (next, "failed"), ==, 0);
}

/* --- d) a lost state.db ---------------------------------------------- */

/* state.db deleted, or cut to nothing, between runs: the next run adopts
 * what the target holds (matched by the mapping's match field) before it
 * creates anything, so nothing is created twice. */
static void
test_lost_state (Fixture       *fixture,
                 gconstpointer  data)
{
  gboolean truncate = GPOINTER_TO_INT (data);
  const char * const args[] = { "--records", "200", NULL };
  g_autoptr(JsonNode) first_holder = NULL;
  g_autoptr(JsonNode) second_holder = NULL;
  g_autoptr(JsonNode) touched_holder = NULL;
  g_autofree char *db_path = NULL;
  JsonObject *first, *second;
  gint64 first_id, second_id;
  Stats after_first, after_second;

  start (fixture, args, TRUE);
  first = run_sync (fixture, &first_id, &first_holder);
  g_assert_cmpint (json_object_get_int_member (first, "created"), ==, 200);
  after_first = get_stats (fixture);
  g_assert_cmpint (after_first.target_count, ==, 200);

  db_path = g_build_filename (fixture->cli.state_dir, "state.db", NULL);
  g_assert_true (g_file_test (db_path, G_FILE_TEST_EXISTS));
  for (const char * const *suffix = (const char * const[]) { "", "-wal", "-shm", NULL }; *suffix != NULL; suffix++)
    {
      g_autofree char *path = g_strconcat (db_path, *suffix, NULL);

      if (truncate && **suffix == '\0')
        g_assert_cmpint (truncate_file (path), ==, 0);
      else
        g_remove (path);
    }

  /* Some edited meanwhile: they are updated, the rest left as it is. */
  touched_holder = inspect (fixture, "POST", "/__sandbox/touch?entity=wms/sales-orders&count=5");
  second = run_sync (fixture, &second_id, &second_holder);
  g_assert_cmpint (json_object_get_int_member (second, "read"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (second, "created"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (second, "failed"), ==, 0);
  after_second = get_stats (fixture);
  g_assert_cmpint (after_second.target_count, ==, 200);
  g_assert_cmpint (after_second.posts, ==, after_first.posts);
  g_assert_cmpint (count_duplicates (fixture), ==, 0);
  assert_target_matches_source (fixture);
}

static void
test_incremental (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *pagination = data;
  const char * const args[] = { "--records", "300", "--pagination", pagination, NULL };
  g_autoptr(JsonNode) first_holder = NULL;
  g_autoptr(JsonNode) second_holder = NULL;
  g_autoptr(JsonNode) third_holder = NULL;
  g_autoptr(JsonNode) touched_holder = NULL;
  JsonObject *first, *second, *third;
  JsonArray *touched_keys;
  gint64 first_id, second_id, third_id;
  Stats after_first, after_second, after_third;

  start (fixture, args, TRUE);

  first = run_sync (fixture, &first_id, &first_holder);
  g_assert_cmpint (json_object_get_int_member (first, "read"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (first, "created"), ==, 300);
  after_first = get_stats (fixture);
  g_assert_cmpint (after_first.target_count, ==, 300);

  /* Nothing changed: nothing written. */
  second = run_sync (fixture, &second_id, &second_holder);
  g_assert_cmpint (second_id, !=, first_id);
  g_assert_cmpint (json_object_get_int_member (second, "written"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (second, "created"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (second, "updated"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (second, "failed"), ==, 0);
  after_second = get_stats (fixture);
  g_assert_cmpint (after_second.target_count, ==, 300);
  g_assert_cmpint (after_second.posts, ==, after_first.posts);
  g_assert_cmpint (after_second.puts, ==, after_first.puts);

  /* Ten edited in the source: those ten read and updated, nothing else. */
  touched_holder = inspect (fixture, "POST", "/__sandbox/touch?entity=wms/sales-orders&count=10");
  touched_keys = json_object_get_array_member (json_node_get_object (touched_holder), "keys");
  g_assert_cmpuint (json_array_get_length (touched_keys), ==, 10);

  third = run_sync (fixture, &third_id, &third_holder);
  g_assert_cmpint (json_object_get_int_member (third, "read"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (third, "updated"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (third, "created"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (third, "written"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (third, "failed"), ==, 0);
  after_third = get_stats (fixture);
  g_assert_cmpint (after_third.target_count, ==, 300);
  g_assert_cmpint (after_third.posts, ==, after_second.posts);
  g_assert_cmpint (after_third.puts, ==, after_second.puts + 10);

  /* The target holds the edit, found by the code the mapping writes. */
  for (guint i = 0; i < 10; i++)
    {
      const char *key = json_array_get_string_element (touched_keys, i);
      g_autofree char *source_path = g_strdup_printf ("/api/wms/sales-orders/%s", key);
      g_autofree char *target_path = g_strdup_printf ("/api/erp/sales-orders?filter%%5Bcode%%5D=%s", key);
      g_autoptr(SoupSession) session = soup_session_new ();
      const char *paths[] = { source_path, target_path };
      const char *tokens[] = { "wms", "erp" };
      char *addressees[2] = { NULL, NULL };

      for (guint j = 0; j < 2; j++)
        {
          g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (fixture->cli.sandbox), paths[j], NULL);
          g_autofree char *authorization = g_strconcat ("Bearer ", sy_sandbox_process_get_token (fixture->cli.sandbox,
                                                                                                tokens[j]), NULL);
          g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
          g_autoptr(GBytes) body = NULL;
          g_autoptr(GError) error = NULL;
          g_autoptr(JsonNode) root = NULL;
          g_autofree char *text = NULL;
          JsonNode *record_data;
          JsonObject *record;

          soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
          body = soup_session_send_and_read (session, msg, NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
          text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
          root = sy_test_parse_json (text);
          record_data = json_object_get_member (json_node_get_object (root), "data");
          if (JSON_NODE_HOLDS_ARRAY (record_data))
            {
              g_assert_cmpuint (json_array_get_length (json_node_get_array (record_data)), ==, 1);
              record = json_array_get_object_element (json_node_get_array (record_data), 0);
            }
          else
            record = json_node_get_object (record_data);
          addressees[j] = g_strdup (json_object_get_string_member (json_object_get_object_member (record,
                                                                                                  "shipmentAddress"),
                                                                   "addressee"));
        }
      g_assert_nonnull (strstr (addressees[0], "(rev "));
      g_assert_cmpstr (addressees[1], ==, addressees[0]);
      g_free (addressees[0]);
      g_free (addressees[1]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/sync-reliability/incremental/pages", Fixture, "pages", fixture_set_up, test_incremental,
              fixture_tear_down);
  g_test_add ("/sync-reliability/incremental/cursor", Fixture, "cursor", fixture_set_up, test_incremental,
              fixture_tear_down);
  g_test_add ("/sync-reliability/sigkill-and-resume", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_sigkill_and_resume, fixture_tear_down);
  g_test_add ("/sync-reliability/sigkill-and-resume/drops-and-failures", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_sigkill_and_resume, fixture_tear_down);
  g_test_add ("/sync-reliability/sigkill-then-new-run", Fixture, NULL, fixture_set_up, test_new_run_after_kill,
              fixture_tear_down);
  g_test_add ("/sync-reliability/edits-during-run", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_edits_during_run, fixture_tear_down);
  g_test_add ("/sync-reliability/edits-during-run/sigkill-and-resume", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_edits_during_run, fixture_tear_down);
  g_test_add ("/sync-reliability/lost-state/deleted", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_lost_state, fixture_tear_down);
  g_test_add ("/sync-reliability/lost-state/truncated", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up,
              test_lost_state, fixture_tear_down);
  g_test_add ("/sync-reliability/hostile-target", Fixture, &hostile_plain, fixture_set_up, test_hostile_target,
              fixture_tear_down);
  g_test_add ("/sync-reliability/hostile-target/tls", Fixture, &hostile_tls, fixture_set_up, test_hostile_target,
              fixture_tear_down);

  return g_test_run ();
}
