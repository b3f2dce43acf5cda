/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "sy-cli-test-support.h"
#include "sy-connection-store.h"
#include "sy-sandbox-client.h"
#include "sy-state-store-sync.h"
#include "sy-state-store-webhooks.h"
#include "sy-test-support.h"
#include "sy-webhook-settings.h"
#include "sy-webhook-signature.h"

/* `switchyard-cli serve` as a service manager runs it: a child process
 * with the test session's keyring, a real sandbox, mapping files in the
 * configuration's mappings/ folder; stopped with SIGTERM, started again. */

#define N_RECORDS 300
#define TARGET_ENTITY "erp/sales-orders"

static const char mapping_text[] =
  "{\n  \"version\": 1,\n  \"name\": \"Orders\",\n"
  "  \"source\": {\"connection\": \"wms\", \"entity\": \"wms/sales-orders\"},\n"
  "  \"target\": {\"connection\": \"erp\", \"entity\": \"erp/sales-orders\"},\n"
  "  \"match\": {\"source\": \"key\", \"target\": \"code\"},\n"
  "  \"automation\": {\"every_minutes\": 60},\n"
  "  \"fields\": [\n"
  "    {\"target\": \"code\", \"source\": \"key\"},\n"
  "    {\"target\": \"orderNumber\", \"source\": \"orderNumber\", \"required\": true},\n"
  "    {\"target\": \"statusKey\", \"value\": \"pending\"},\n"
  "    {\"target\": \"shipmentAddress.addressee\", \"source\": \"shipmentAddress.addressee\"},\n"
  "    {\"target\": \"lines\", \"source\": \"lines\", \"each\": [\n"
  "      {\"target\": \"productKey\", \"source\": \"productKey\"},\n"
  "      {\"target\": \"quantity\", \"source\": \"quantity\", \"transform\": {\"number\": {\"scale\": 0}}}]}\n"
  "  ]\n}\n";

typedef struct
{
  SyCliFixture cli;
  SoupSession *session;
} Fixture;

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GString          *text;
  gboolean          eof;
} Serve;

static void read_next_line (Serve *serve);

static void
on_line (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Serve *serve = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source_object), result,
                                                                    NULL, &error);

  g_assert_no_error (error);
  if (line == NULL)
    {
      serve->eof = TRUE;
      return;
    }
  g_test_message ("serve: %s", line);
  g_string_append (serve->text, line);
  g_string_append_c (serve->text, '\n');
  read_next_line (serve);
}

static void
read_next_line (Serve *serve)
{
  g_data_input_stream_read_line_async (serve->out, G_PRIORITY_DEFAULT, NULL, on_line, serve);
}

static void
serve_start (Fixture *fixture,
             Serve   *serve)
{
  const char * const args[] = { "serve", NULL };
  g_autoptr(GPtrArray) argv = sy_cli_argv (&fixture->cli, args);
  g_autoptr(GError) error = NULL;

  serve->process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  serve->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve->process));
  serve->text = g_string_new (NULL);
  serve->eof = FALSE;
  read_next_line (serve);
}

static void
serve_wait_for (Serve      *serve,
                const char *text)
{
  while (strstr (serve->text->str, text) == NULL)
    {
      g_assert_false (serve->eof);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* SIGTERM, then the exit status, once everything it wrote was read. */
static int
serve_stop (Serve *serve)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (serve->process, SIGTERM);
  while (!serve->eof)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_wait_async (serve->process, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_subprocess_wait_finish (serve->process, result, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (serve->process));
  return g_subprocess_get_exit_status (serve->process);
}

static void
serve_clear (Serve *serve)
{
  g_clear_object (&serve->out);
  g_clear_object (&serve->process);
  if (serve->text != NULL)
    g_string_free (g_steal_pointer (&serve->text), TRUE);
}

static GPtrArray *
list_runs (Fixture *fixture)
{
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *runs;

  store = sy_state_store_open_read_only (fixture->cli.state_dir, &error);
  g_assert_no_error (error);
  runs = sy_state_store_list_runs (store, NULL, 0, &error);
  g_assert_no_error (error);
  return runs;
}

static gint64
target_count (Fixture *fixture)
{
  return sy_sandbox_client_count (fixture->cli.sandbox, fixture->session, TARGET_ENTITY);
}

static void
write_mapping (Fixture    *fixture,
               const char *name,
               const char *text)
{
  g_autofree char *dir = g_build_filename (fixture->cli.config_dir, "mappings", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

typedef struct
{
  Fixture *fixture;
  guint    source_id;
} Watch;

static gboolean
watch_target_written (gpointer user_data)
{
  Watch *watch = user_data;

  if (target_count (watch->fixture) == 0)
    return G_SOURCE_CONTINUE;
  watch->source_id = 0;
  return G_SOURCE_REMOVE;
}

/* A mapping whose schedule never ran runs at start; SIGTERM stops it
 * after the batch in flight with exit status 0; the next start resumes
 * that run to the end, and the target ends in step. */
static void
test_stop_and_resume (void)
{
  const char * const sandbox_args[] = { "--records", G_STRINGIFY (N_RECORDS), "--seed", "21",
                                        "--latency-ms", "20", NULL };
  Fixture fixture = { 0 };
  Serve first = { 0 }, second = { 0 };
  Watch watch = { &fixture, 0 };
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) after = NULL;
  SySyncRun *run;
  gint64 run_id;

  sy_cli_fixture_set_up (&fixture.cli, "serve", FALSE);
  fixture.session = soup_session_new_with_options ("timeout", 60, NULL);
  fixture.cli.sandbox = sy_test_start_sandbox (sandbox_args);
  sy_cli_add_connection (&fixture.cli, "wms", "wms");
  sy_cli_add_connection (&fixture.cli, "erp", "erp");
  write_mapping (&fixture, "orders.json", mapping_text);
  /* One that cannot be used is left out, and the others still run. */
  write_mapping (&fixture, "broken.json", "{\"version\": 1, \"name\": \"Broken\"");
  /* One without automation is not served. */
  write_mapping (&fixture, "manual.json", "{\"version\": 1, \"name\": \"By hand\","
                 " \"source\": {\"connection\": \"wms\", \"entity\": \"wms/products\"},"
                 " \"target\": {\"connection\": \"erp\", \"entity\": \"erp/products\"},"
                 " \"fields\": [{\"target\": \"code\", \"source\": \"key\"}]}");

  serve_start (&fixture, &first);
  serve_wait_for (&first, "Serving 1 mapping");
  g_assert_nonnull (strstr (first.text->str, "broken.json: left out"));
  g_assert_nonnull (strstr (first.text->str, "every 60 minutes"));
  serve_wait_for (&first, "run started (scheduled)");

  watch.source_id = g_timeout_add (20, watch_target_written, &watch);
  while (watch.source_id != 0)
    {
      g_assert_false (first.eof);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpint (serve_stop (&first), ==, 0);
  g_assert_nonnull (strstr (first.text->str, "it resumes on the next start"));
  g_assert_nonnull (strstr (first.text->str, "Stopped\n"));

  runs = list_runs (&fixture);
  g_assert_cmpuint (runs->len, ==, 1);
  run = g_ptr_array_index (runs, 0);
  g_assert_cmpint (run->state, ==, SY_SYNC_RUN_STATE_STOPPED);
  g_assert_cmpstr (run->cause, ==, "scheduled");
  g_assert_cmpuint (run->read, <, N_RECORDS);
  run_id = run->id;
  g_assert_cmpint (target_count (&fixture), <, N_RECORDS);

  /* Started again: the stopped run resumes and ends; nothing new starts
   * before the schedule's hour is up. */
  serve_start (&fixture, &second);
  serve_wait_for (&second, " finished: ");
  g_assert_cmpint (serve_stop (&second), ==, 0);
  {
    g_autofree char *resumed = g_strdup_printf ("run %" G_GINT64_FORMAT " resumed (scheduled)", run_id);

    g_assert_nonnull (strstr (second.text->str, resumed));
    g_assert_null (strstr (second.text->str, "run started"));
  }

  after = list_runs (&fixture);
  g_assert_cmpuint (after->len, ==, 1);
  run = g_ptr_array_index (after, 0);
  g_assert_cmpint (run->id, ==, run_id);
  g_assert_cmpint (run->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  g_assert_cmpuint (run->failed, ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, N_RECORDS);
  g_assert_cmpint (sy_sandbox_client_duplicates (fixture.cli.sandbox, fixture.session, TARGET_ENTITY, "code"), ==, 0);

  /* `sync status` shows why the run started. */
  {
    g_auto(SyCliRun) status = { 0 };
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);
    g_autoptr(JsonNode) root = NULL;

    sy_cli_run (&fixture.cli, NULL, &status, "--json", "sync", "status", id);
    g_assert_cmpint (status.status, ==, 0);
    root = sy_test_parse_json (status.out);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "cause"), ==, "scheduled");
  }

  serve_clear (&first);
  serve_clear (&second);
  g_clear_object (&fixture.session);
  sy_cli_fixture_tear_down (&fixture.cli);
}

static guint
count_occurrences (const char *text,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
serve_wait_for_count (Serve      *serve,
                      const char *text,
                      guint       count)
{
  while (count_occurrences (serve->text->str, text) < count)
    {
      g_assert_false (serve->eof);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* The text after needle on its line. */
static char *
serve_find_rest_of_line (Serve      *serve,
                         const char *needle)
{
  const char *start = strstr (serve->text->str, needle);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (needle);
  end = strchr (start, '\n');
  g_assert_nonnull (end);
  return g_strndup (start, (gsize) (end - start));
}

static void
set_webhook_secret (Fixture    *fixture,
                    const char *connection_name,
                    const char *secret)
{
  g_autoptr(SyConnectionStore) store = sy_connection_store_new (fixture->cli.config_dir);
  g_autoptr(SySecretStore) secrets = sy_secret_store_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyConnection *connection;

  sy_connection_store_load (store, &error);
  g_assert_no_error (error);
  connection = sy_connection_store_find_by_name (store, connection_name);
  g_assert_nonnull (connection);
  sy_webhook_settings_store_secret_async (secrets, connection, secret, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_webhook_settings_store_secret_finish (secrets, result, &error));
  g_assert_no_error (error);
}

/* A source record edited now; its key. */
static char *
touch_one (Fixture *fixture)
{
  g_autoptr(JsonNode) answer = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "POST",
                                                          "/__sandbox/touch?entity=wms/sales-orders&count=1");
  JsonArray *keys = json_object_get_array_member (json_node_get_object (answer), "keys");

  return g_strdup (json_array_get_string_element (keys, 0));
}

/* POSTs a delivery of event_id for key, signed with secret; the status. */
static guint
deliver (Fixture    *fixture,
         const char *url,
         const char *event_id,
         const char *key,
         const char *secret)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *occurred_at = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *text = g_strdup_printf ("{\"id\": \"%s\", \"type\": \"record.updated\", "
                                           "\"entity\": \"wms/sales-orders\", \"key\": \"%s\", "
                                           "\"occurred_at\": \"%s\"}", event_id, key, occurred_at);
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));
  g_autofree char *signature = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, secret, body, 0);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_append (soup_message_get_request_headers (message), "X-Signature", signature);
  soup_message_set_request_body_from_bytes (message, "application/json", body);
  answer = soup_session_send_and_read (fixture->session, message, NULL, &error);
  g_assert_no_error (error);
  return soup_message_get_status (message);
}

/* A receiver for the connection with a webhook secret: a verified
 * delivery runs the mapping with "on_changes"; a forged one and a repeat
 * run nothing; the target ends in step. */
static void
test_webhook_triggers_runs (void)
{
  const char * const sandbox_args[] = { "--records", "30", "--seed", "23", NULL };
  /* A throw-away secret of this test's own keyring. */
  const char *secret = "serve-test-webhook-secret";
  Fixture fixture = { 0 };
  Serve serve = { 0 };
  g_autoptr(GPtrArray) runs = NULL;
  g_autofree char *url = NULL;
  g_autofree char *first_key = NULL;
  g_autofree char *second_key = NULL;

  sy_cli_fixture_set_up (&fixture.cli, "serve-webhook", FALSE);
  fixture.session = soup_session_new_with_options ("timeout", 60, NULL);
  fixture.cli.sandbox = sy_test_start_sandbox (sandbox_args);
  sy_cli_add_connection (&fixture.cli, "wms", "wms");
  sy_cli_add_connection (&fixture.cli, "erp", "erp");
  set_webhook_secret (&fixture, "wms", secret);
  {
    g_autoptr(GString) text = g_string_new (mapping_text);

    g_string_replace (text, "{\"every_minutes\": 60}", "{\"on_changes\": true}", 1);
    write_mapping (&fixture, "orders.json", text->str);
  }

  {
    const char * const args[] = { "serve", "--webhook-port", "WMS=0", NULL };
    g_autoptr(GPtrArray) argv = sy_cli_argv (&fixture.cli, args);
    g_autoptr(GError) error = NULL;

    serve.process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
    g_assert_no_error (error);
    serve.out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve.process));
    serve.text = g_string_new (NULL);
    read_next_line (&serve);
  }
  serve_wait_for (&serve, "Serving 1 mapping");
  serve_wait_for (&serve, "receiving webhook deliveries at ");
  url = serve_find_rest_of_line (&serve, "receiving webhook deliveries at ");
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  /* Nothing runs before a change. */
  g_assert_null (strstr (serve.text->str, "run started"));

  first_key = touch_one (&fixture);
  g_assert_cmpuint (deliver (&fixture, url, "event-1", first_key, "not-the-secret"), ==, 401);
  g_assert_cmpuint (deliver (&fixture, url, "event-1", first_key, secret), ==, 200);
  serve_wait_for_count (&serve, " finished: ", 1);
  /* The same delivery again is answered and not acted on. */
  g_assert_cmpuint (deliver (&fixture, url, "event-1", first_key, secret), ==, 200);

  second_key = touch_one (&fixture);
  g_assert_cmpuint (deliver (&fixture, url, "event-2", second_key, secret), ==, 200);
  serve_wait_for_count (&serve, " finished: ", 2);
  g_assert_cmpint (serve_stop (&serve), ==, 0);

  g_assert_cmpuint (count_occurrences (serve.text->str, "run started (webhook)"), ==, 2);
  g_assert_cmpuint (count_occurrences (serve.text->str, "answered 401 (rejected)"), ==, 1);
  g_assert_cmpuint (count_occurrences (serve.text->str, "(duplicate)"), ==, 1);

  runs = list_runs (&fixture);
  g_assert_cmpuint (runs->len, ==, 2);
  for (guint i = 0; i < runs->len; i++)
    {
      SySyncRun *run = g_ptr_array_index (runs, i);

      g_assert_cmpstr (run->cause, ==, "webhook");
      g_assert_cmpint (run->state, ==, SY_SYNC_RUN_STATE_FINISHED);
    }
  /* The second run read only what changed after the first. */
  g_assert_cmpuint (((SySyncRun *) g_ptr_array_index (runs, 0))->read, ==, 1);
  g_assert_cmpuint (((SySyncRun *) g_ptr_array_index (runs, 0))->updated, ==, 1);
  g_assert_cmpint (target_count (&fixture), ==, 30);
  g_assert_cmpint (sy_sandbox_client_duplicates (fixture.cli.sandbox, fixture.session, TARGET_ENTITY, "code"), ==, 0);

  /* Each accepted event says which run it started; the forged one none. */
  {
    g_autoptr(SyConnectionStore) store = sy_connection_store_new (fixture.cli.config_dir);
    g_autoptr(SyStateStore) state = NULL;
    g_autoptr(GPtrArray) events = NULL;
    g_autoptr(GError) error = NULL;
    guint accepted = 0;

    sy_connection_store_load (store, &error);
    g_assert_no_error (error);
    state = sy_state_store_open_read_only (fixture.cli.state_dir, &error);
    g_assert_no_error (error);
    events = sy_state_store_list_webhook_events (state, sy_connection_get_id (sy_connection_store_find_by_name (store, "wms")),
                                                 0, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < events->len; i++)
      {
        SyWebhookEvent *event = g_ptr_array_index (events, i);
        g_autofree char *expected = NULL;

        if (g_strcmp0 (event->verdict, SY_WEBHOOK_VERDICT_ACCEPTED) != 0)
          {
            g_assert_null (event->triggered);
            continue;
          }
        expected = g_strdup_printf ("sync run %" G_GINT64_FORMAT,
                                    g_str_equal (event->event_id, "event-1") ? ((SySyncRun *) g_ptr_array_index (runs, 1))->id
                                                                            : ((SySyncRun *) g_ptr_array_index (runs, 0))->id);
        g_assert_cmpstr (event->triggered, ==, expected);
        g_assert_cmpint (event->acted_at, >, 0);
        accepted++;
      }
    g_assert_cmpuint (accepted, ==, 2);
  }

  serve_clear (&serve);
  g_clear_object (&fixture.session);
  sy_cli_fixture_tear_down (&fixture.cli);
}

/* Every source order is in the target once, with the addressee the
 * source has now. */
static void
assert_in_step (Fixture *fixture)
{
  g_autoptr(GPtrArray) source = sy_sandbox_client_list_all (fixture->cli.sandbox, fixture->session, "wms",
                                                            "wms/sales-orders");
  g_autoptr(GPtrArray) target = sy_sandbox_client_list_all (fixture->cli.sandbox, fixture->session, "erp",
                                                            TARGET_ENTITY);
  g_autoptr(GHashTable) by_code = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpuint (target->len, ==, source->len);
  g_assert_cmpint (sy_sandbox_client_duplicates (fixture->cli.sandbox, fixture->session, TARGET_ENTITY, "code"), ==, 0);
  for (guint i = 0; i < target->len; i++)
    {
      JsonObject *record = g_ptr_array_index (target, i);

      g_hash_table_insert (by_code, (gpointer) json_object_get_string_member (record, "code"), record);
    }
  for (guint i = 0; i < source->len; i++)
    {
      JsonObject *record = g_ptr_array_index (source, i);
      JsonObject *written = g_hash_table_lookup (by_code, json_object_get_string_member (record, "key"));
      JsonObject *source_address = json_object_get_object_member (record, "shipmentAddress");
      JsonObject *target_address;

      g_assert_nonnull (written);
      target_address = json_object_get_object_member (written, "shipmentAddress");
      g_assert_cmpstr (json_object_get_string_member_with_default (target_address, "addressee", NULL), ==,
                       json_object_get_string_member_with_default (source_address, "addressee", NULL));
    }
}

static guint
free_loopback_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (socket);
  g_socket_bind (socket, any_port, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static JsonObject *
webhook_stats (Fixture *fixture)
{
  g_autoptr(JsonNode) stats = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "GET",
                                                         "/__sandbox/stats");

  return json_object_ref (json_object_get_object_member (json_node_get_object (stats), "webhooks"));
}

/* Nothing is left to happen: the sandbox has every delivery answered, serve
 * has taken every accepted event (its "taken" line comes after the runs it
 * started or queued), every queued run has started and every run ended.
 * Only lines are counted, so that this holds whatever the machine's pace. */
static gboolean
settled (Fixture *fixture,
         Serve   *serve)
{
  g_autoptr(JsonObject) stats = webhook_stats (fixture);
  const char *text = serve->text->str;
  const char *last_queued = g_strrstr (text, "it is queued behind it");
  const char *last_started = g_strrstr (text, "run started (");
  guint accepted = count_occurrences (text, "(accepted)");

  return json_object_get_int_member (stats, "pending") == 0 &&
         accepted + count_occurrences (text, "(duplicate)") == (guint) json_object_get_int_member (stats, "delivered") &&
         count_occurrences (text, " taken\n") == accepted &&
         (last_queued == NULL || (last_started != NULL && last_started > last_queued)) &&
         count_occurrences (text, "run started (") ==
           count_occurrences (text, " finished: ") + count_occurrences (text, "the run could not start");
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* What the issue asks serve to do: a warehouse that changes under it,
 * with forged and repeated deliveries in the stream from the sandbox; every
 * genuine delivery stored once and acted on, every forged one refused,
 * and the ERP ends exactly in step. */
static void
run_in_step_with_sandbox_deliveries (const char  *records,
                                     const guint *touches,
                                     guint        n_touches,
                                     guint        max_runs)
{
  const char *secret = "serve-test-sandbox-webhook-secret";
  guint port = free_loopback_port ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  g_autofree char *port_option = g_strdup_printf ("wms=%u", port);
  g_autofree char *secret_path = NULL;
  Fixture fixture = { 0 };
  Serve serve = { 0 };
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autoptr(GError) error = NULL;
  guint n_touched = 0;

  sy_cli_fixture_set_up (&fixture.cli, "serve-deliveries", TRUE);
  fixture.session = soup_session_new_with_options ("timeout", 60, NULL);
  secret_path = g_build_filename (fixture.cli.work_dir, "webhook-secret", NULL);
  g_file_set_contents_full (secret_path, secret, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  {
    const char * const sandbox_args[] = { "--records", records, "--seed", "41",
                                          "--webhook-url", url, "--webhook-secret-file", secret_path,
                                          "--webhook-forge-rate", "0.1", "--webhook-repeat-rate", "0.05", NULL };

    fixture.cli.sandbox = sy_test_start_sandbox (sandbox_args);
  }
  sy_cli_add_connection (&fixture.cli, "wms", "wms");
  sy_cli_add_connection (&fixture.cli, "erp", "erp");
  set_webhook_secret (&fixture, "wms", secret);
  {
    g_autoptr(GString) text = g_string_new (mapping_text);

    g_string_replace (text, "{\"every_minutes\": 60}", "{\"every_minutes\": 60, \"on_changes\": true}", 1);
    write_mapping (&fixture, "orders.json", text->str);
  }

  {
    const char * const args[] = { "serve", "--webhook-port", port_option, NULL };
    g_autoptr(GPtrArray) argv = sy_cli_argv (&fixture.cli, args);

    serve.process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
    g_assert_no_error (error);
    serve.out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve.process));
    serve.text = g_string_new (NULL);
    read_next_line (&serve);
  }
  /* The first run (never ran: at start) copies everything. */
  serve_wait_for (&serve, "receiving webhook deliveries at ");
  serve_wait_for_count (&serve, " finished: ", 1);

  /* The warehouse changes in bursts, while runs go on. */
  for (guint i = 0; i < n_touches; i++)
    {
      g_autofree char *path = g_strdup_printf ("/__sandbox/touch?entity=wms/sales-orders&count=%u", touches[i]);
      g_autoptr(JsonNode) answer = sy_sandbox_client_inspect (fixture.cli.sandbox, fixture.session, "POST", path);

      g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "touched"), ==, touches[i]);
      n_touched += touches[i];
      if (i % 2 == 0)
        serve_wait_for_count (&serve, " taken\n", 1 + i);
    }

  while (!settled (&fixture, &serve))
    {
      gboolean tick = FALSE;
      guint lines = count_occurrences (serve.text->str, "\n");
      guint source_id = g_timeout_add (50, set_flag, &tick);

      /* A new line, or a while for the sandbox's retries. */
      while (!tick && count_occurrences (serve.text->str, "\n") == lines)
        {
          g_assert_false (serve.eof);
          g_main_context_iteration (NULL, TRUE);
        }
      if (!tick)
        g_source_remove (source_id);
    }
  g_assert_cmpint (serve_stop (&serve), ==, 0);
  /* Nothing was running when it stopped. */
  g_assert_null (strstr (serve.text->str, "it resumes on the next start"));

  stats = webhook_stats (&fixture);
  g_test_message ("webhooks: %" G_GINT64_FORMAT " events, %" G_GINT64_FORMAT " forged, %" G_GINT64_FORMAT
                  " repeated", json_object_get_int_member (stats, "events"),
                  json_object_get_int_member (stats, "forged"), json_object_get_int_member (stats, "repeated"));
  /* The sandbox also reports the target's changes (the ERP is one of its
   * systems too): those are events no mapping here reads. */
  g_assert_cmpint (json_object_get_int_member (stats, "events"), >=, n_touched);
  g_assert_cmpint (json_object_get_int_member (stats, "failed"), ==, 0);
  /* Every genuine delivery stored and acted on once, every repeat
   * recognised, every forgery refused. */
  g_assert_cmpuint (count_occurrences (serve.text->str, "(accepted)"), ==, json_object_get_int_member (stats, "events"));
  g_assert_cmpuint (count_occurrences (serve.text->str, "change of wms/sales-orders"), ==, n_touched);
  g_assert_cmpuint (count_occurrences (serve.text->str, "(duplicate)"), ==,
                    json_object_get_int_member (stats, "repeated"));
  g_assert_cmpuint (count_occurrences (serve.text->str, "answered 401 (rejected)"), ==,
                    json_object_get_int_member (stats, "forged"));
  g_assert_cmpint (json_object_get_int_member (stats, "rejected"), ==, json_object_get_int_member (stats, "forged"));
  g_assert_cmpint (json_object_get_int_member (stats, "forged"), >, 0);

  runs = list_runs (&fixture);
  g_assert_cmpuint (runs->len, >=, 2);
  g_test_message ("%u runs for %u changes", runs->len, n_touched);
  g_assert_cmpuint (runs->len, <=, MIN (n_touched + 1, max_runs));
  for (guint i = 0; i < runs->len; i++)
    {
      SySyncRun *run = g_ptr_array_index (runs, i);

      g_assert_cmpint (run->state, ==, SY_SYNC_RUN_STATE_FINISHED);
      g_assert_cmpuint (run->failed, ==, 0);
      g_assert_cmpstr (run->cause, ==, i + 1 == runs->len ? "scheduled" : "webhook");
    }
  assert_in_step (&fixture);

  serve_clear (&serve);
  g_clear_object (&fixture.session);
  sy_cli_fixture_tear_down (&fixture.cli);
}

static void
test_in_step_with_sandbox_deliveries (void)
{
  const guint touches[] = { 7, 5, 9, 3, 6 };

  run_in_step_with_sandbox_deliveries ("40", touches, G_N_ELEMENTS (touches), G_MAXUINT);
}

/* The burst: a thousand changes of the warehouse, each one a
 * delivery, a tenth more forged and one in twenty sent twice. */
static void
test_burst_of_a_thousand_deliveries (void)
{
  const guint touches[] = { 400, 250, 350 };

  /* Bursts coalesce: a handful of runs (here three), not a thousand; the
   * bound leaves room for a slow machine, where quiet gaps come sooner. */
  run_in_step_with_sandbox_deliveries ("400", touches, G_N_ELEMENTS (touches), 20);
}

static void
test_usage (void)
{
  Fixture fixture = { 0 };

  sy_cli_fixture_set_up (&fixture.cli, "serve-usage", FALSE);
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture.cli, NULL, &run, "serve", "extra");
    g_assert_cmpint (run.status, ==, 2);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture.cli, NULL, &run, "serve", "--webhook-port", "wms");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    /* Not a connection: said before anything is served. */
    sy_cli_run (&fixture.cli, NULL, &run, "serve", "--webhook-port", "nowhere=8080");
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "nowhere"));
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture.cli, NULL, &run, "serve", "--help");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "SIGTERM"));
  }
  sy_cli_fixture_tear_down (&fixture.cli);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/serve/stop-and-resume", test_stop_and_resume);
  g_test_add_func ("/cli/serve/webhook-triggers-runs", test_webhook_triggers_runs);
  g_test_add_func ("/cli/serve/in-step-with-sandbox-deliveries", test_in_step_with_sandbox_deliveries);
  g_test_add_func ("/cli/serve/burst-of-a-thousand-deliveries", test_burst_of_a_thousand_deliveries);
  g_test_add_func ("/cli/serve/usage", test_usage);

  return g_test_run ();
}
