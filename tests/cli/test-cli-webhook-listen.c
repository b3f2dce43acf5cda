/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "sy-cli-test-support.h"
#include "sy-test-support.h"
#include "sy-webhook-signature.h"

/* `webhook secret`, `webhook listen` and `webhook events` as a user runs
 * them: the real binary with the real keyring, a real sandbox for the
 * connection, deliveries sent over loopback HTTP. */

#define SECRET "cli-webhook-secret-8d1e"

typedef struct
{
  SyCliFixture cli;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  sy_cli_fixture_set_up (&fixture->cli, "switchyard-cli-webhook-listen", FALSE);
  fixture->cli.sandbox = sy_test_start_sandbox (NULL);
  sy_cli_add_connection (&fixture->cli, "warehouse", "wms");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };

  /* Removing the connection takes its webhook secret out of the keyring. */
  sy_cli_run (&fixture->cli, NULL, &run, "connection", "remove", "warehouse");
  sy_cli_fixture_tear_down (&fixture->cli);
}

static void
set_secret (Fixture *fixture)
{
  g_auto(SyCliRun) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  sy_cli_run (&fixture->cli, SECRET "\n", &run, "webhook", "secret", "warehouse", "--secret-stdin", "--json");
  g_assert_cmpint (run.status, ==, 0);
  node = sy_test_parse_json (run.out);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "connection"), ==, "warehouse");
  g_assert_cmpstr (json_object_get_string_member (object, "scheme"), ==, "makini");
  g_assert_cmpstr (json_object_get_string_member (object, "header"), ==, "X-Signature");
}

static void
test_secret (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) config_hits = NULL;
  g_autoptr(GPtrArray) state_hits = NULL;
  g_autofree char *connections_path = NULL;
  g_autofree char *connections = NULL;

  {
    g_auto(SyCliRun) run = { 0 };

    /* Never from argv. */
    sy_cli_run (&fixture->cli, NULL, &run, "webhook", "secret", "warehouse");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, "", &run, "webhook", "secret", "warehouse", "--secret-stdin");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, SECRET, &run, "webhook", "secret", "warehouse", "--secret-stdin",
                "--scheme", "sha1");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, SECRET, &run, "webhook", "secret", "warehouse", "--secret-stdin",
                "--header", "X Signature");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, SECRET, &run, "webhook", "secret", "nobody", "--secret-stdin");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, SECRET "\n", &run, "webhook", "secret", "warehouse", "--secret-stdin",
                "--scheme", "rutter", "--header", "X-Hook-Signature");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "rutter"));
    g_assert_nonnull (strstr (run.out, "X-Hook-Signature"));
  }

  connections_path = g_build_filename (fixture->cli.config_dir, "connections.json", NULL);
  connections = sy_test_read_text (connections_path);
  g_assert_nonnull (strstr (connections, "\"webhook\""));
  g_assert_nonnull (strstr (connections, "X-Hook-Signature"));

  /* Back to the defaults; the secret is in no file. */
  set_secret (fixture);
  config_hits = sy_test_files_containing (fixture->cli.config_dir, SECRET);
  state_hits = sy_test_files_containing (fixture->cli.state_dir, SECRET);
  g_assert_cmpuint (config_hits->len, ==, 0);
  g_assert_cmpuint (state_hits->len, ==, 0);
}

static void
test_listen_without_secret (Fixture       *fixture,
                            gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };

  sy_cli_run (&fixture->cli, NULL, &run, "webhook", "listen", "--connection", "warehouse");
  g_assert_cmpint (run.status, ==, 2);
  sy_cli_assert_one_error_line (&run);
  g_assert_nonnull (strstr (run.err, "webhook secret"));
}

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
} Listener;

static void
listener_clear (Listener *listener)
{
  g_clear_object (&listener->out);
  if (listener->process != NULL)
    g_subprocess_force_exit (listener->process);
  g_clear_object (&listener->process);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Listener, listener_clear)

static char *
read_line (Listener *listener)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *line;

  g_data_input_stream_read_line_async (listener->out, G_PRIORITY_DEFAULT, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  line = g_data_input_stream_read_line_finish_utf8 (listener->out, result, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("listen: %s", line);
  return line;
}

static void
start_listener (Fixture    *fixture,
                Listener   *listener,
                const char *port)
{
  const char *args[] = { "webhook", "listen", "--connection", "warehouse", "--json",
                         port != NULL ? "--port" : NULL, port, NULL };
  g_autoptr(GPtrArray) argv = sy_cli_argv (&fixture->cli, args);
  g_autoptr(GError) error = NULL;

  listener->process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  listener->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (listener->process));
}

static guint
post (SoupSession *session,
      const char  *url,
      const char  *body,
      const char  *signature,
      char       **answer)
{
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_POST, url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_set_request_body_from_bytes (message, "application/json", bytes);
  soup_message_headers_replace (soup_message_get_request_headers (message), "X-Signature", signature);
  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  response = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);
  *answer = g_strndup (g_bytes_get_data (response, NULL), g_bytes_get_size (response));
  return soup_message_get_status (message);
}

static JsonObject *
parse_object (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static void
assert_logged (Listener   *listener,
               guint       status,
               const char *verdict,
               const char *event_id)
{
  g_autofree char *line = read_line (listener);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  g_assert_nonnull (line);
  node = sy_test_parse_json (line);
  object = parse_object (node);
  g_assert_cmpint (json_object_get_int_member (object, "status"), ==, status);
  g_assert_cmpstr (json_object_get_string_member (object, "verdict"), ==, verdict);
  if (event_id != NULL)
    {
      g_assert_cmpstr (json_object_get_string_member (object, "event_id"), ==, event_id);
      g_assert_cmpstr (json_object_get_string_member (object, "entity"), ==, "wms/sales-orders");
      g_assert_cmpstr (json_object_get_string_member (object, "key"), ==, "SO-3");
    }
  else
    g_assert_true (json_object_get_null_member (object, "event_id"));
  g_assert_null (strstr (line, SECRET));
}

static gint64
count_rows (Fixture    *fixture,
            const char *verdict)
{
  g_autofree char *path = g_build_filename (fixture->cli.state_dir, "state.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  gint64 count;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM webhook_events WHERE verdict = ?1",
                                       -1, &statement, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (statement, 1, verdict, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
  count = sqlite3_column_int64 (statement, 0);
  sqlite3_finalize (statement);
  sqlite3_close (db);
  return count;
}

static void
test_listen (Fixture       *fixture,
             gconstpointer  data)
{
  g_auto(Listener) listener = { 0 };
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *occurred_at = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *body = g_strdup_printf ("{\"id\": \"evt-cli-1\", \"type\": \"record.created\", "
                                           "\"entity\": \"wms/sales-orders\", \"key\": \"SO-3\", "
                                           "\"occurred_at\": \"%s\"}", occurred_at);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autofree char *signature = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, bytes, 0);
  g_autofree char *forged = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, "guessed", bytes, 0);
  g_autofree char *first_line = NULL;
  g_autofree char *port_text = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  const char *url;

  set_secret (fixture);
  start_listener (fixture, &listener, NULL);

  first_line = read_line (&listener);
  g_assert_nonnull (first_line);
  first = sy_test_parse_json (first_line);
  url = json_object_get_string_member (parse_object (first), "url");
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_uri_get_port (uri), >, 0);

  {
    g_autofree char *answer = NULL;

    g_assert_cmpuint (post (session, url, body, signature, &answer), ==, 200);
    assert_logged (&listener, 200, "accepted", "evt-cli-1");
  }
  {
    g_autofree char *answer = NULL;

    g_assert_cmpuint (post (session, url, body, forged, &answer), ==, 401);
    assert_logged (&listener, 401, "rejected", NULL);
  }
  {
    g_autofree char *answer = NULL;

    g_assert_cmpuint (post (session, url, body, signature, &answer), ==, 200);
    g_assert_nonnull (strstr (answer, "\"duplicate\":true"));
    assert_logged (&listener, 200, "duplicate", "evt-cli-1");
  }

  /* The port is taken while it listens. */
  port_text = g_strdup_printf ("%d", g_uri_get_port (uri));
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "webhook", "listen", "--connection", "warehouse",
                "--port", port_text);
    g_assert_cmpint (run.status, !=, 0);
    sy_cli_assert_one_error_line (&run);
    g_assert_nonnull (strstr (run.err, port_text));
  }

  /* SIGTERM ends it cleanly. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    g_subprocess_send_signal (listener.process, SIGTERM);
    g_subprocess_wait_async (listener.process, NULL, sy_test_store_result, &result);
    sy_test_await (&result);
    g_assert_true (g_subprocess_wait_finish (listener.process, result, &error));
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_if_exited (listener.process));
    g_assert_cmpint (g_subprocess_get_exit_status (listener.process), ==, 0);
    g_clear_object (&listener.process);
  }

  g_assert_cmpint (count_rows (fixture, "accepted"), ==, 1);
  g_assert_cmpint (count_rows (fixture, "rejected"), ==, 1);

  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonNode) node = NULL;
    JsonArray *events;
    JsonObject *newest, *oldest;

    sy_cli_run (&fixture->cli, NULL, &run, "webhook", "events", "warehouse", "--json");
    g_assert_cmpint (run.status, ==, 0);
    node = sy_test_parse_json (run.out);
    events = json_object_get_array_member (parse_object (node), "events");
    g_assert_cmpuint (json_array_get_length (events), ==, 2);
    newest = json_array_get_object_element (events, 0);
    oldest = json_array_get_object_element (events, 1);
    g_assert_cmpstr (json_object_get_string_member (newest, "verdict"), ==, "rejected");
    g_assert_nonnull (strstr (json_object_get_string_member (newest, "reason"), "does not match"));
    g_assert_cmpstr (json_object_get_string_member (oldest, "verdict"), ==, "accepted");
    g_assert_cmpstr (json_object_get_string_member (oldest, "event_id"), ==, "evt-cli-1");
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, NULL, &run, "webhook", "events", "warehouse", "--limit", "1");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpuint (sy_test_count_lines (run.out), ==, 1);
    g_assert_nonnull (strstr (run.out, "rejected"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cli/webhook/secret", test_secret);
  ADD ("/cli/webhook/listen-without-secret", test_listen_without_secret);
  ADD ("/cli/webhook/listen", test_listen);
#undef ADD

  return g_test_run ();
}
