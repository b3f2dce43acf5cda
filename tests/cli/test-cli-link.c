/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "sy-cli-test-support.h"
#include "sy-example-mapping.h"
#include "sy-sandbox-client.h"
#include "sy-error.h"
#include "sy-secret-store.h"
#include "sy-test-support.h"

/* `switchyard-cli connection link|create|providers` and what a Link
 * connection does afterwards, against a real switchyard-sandbox and the
 * test session's real keyring: the browser's part is played with plain
 * HTTP requests (the authorisation URL with `&auto=allow|deny`, then the
 * redirect to the CLI's loopback listener). */

typedef struct
{
  SyCliFixture  cli;
  SoupSession  *session;
  char         *files_dir;
  guint         forced_expiries;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  sy_cli_fixture_set_up (&fixture->cli, "link", FALSE);
  fixture->session = soup_session_new ();
  fixture->files_dir = sy_test_make_tmpdir ("link-files");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_cli_fixture_tear_down (&fixture->cli);
  g_clear_object (&fixture->session);
  sy_test_remove_tree (fixture->files_dir);
  g_free (fixture->files_dir);
}

static void
start_sandbox (Fixture            *fixture,
               const char * const *extra_args)
{
  fixture->cli.sandbox = sy_test_start_sandbox (extra_args);
  g_assert_nonnull (sy_sandbox_process_get_link_client_id (fixture->cli.sandbox));
  g_assert_nonnull (sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox));
}

/* What the browser does with the authorisation URL: the sandbox answers
 * at once with a redirect, which is followed to the CLI's listener.
 * Returns the redirect's target. */
static char *
play_browser (Fixture    *fixture,
              const char *authorize_url,
              const char *extra_query)
{
  g_autofree char *url = g_strconcat (authorize_url, extra_query, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(SoupMessage) redirected = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  const char *location;

  g_assert_nonnull (message);
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  body = soup_session_send_and_read (fixture->session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 302);
  location = soup_message_headers_get_one (soup_message_get_response_headers (message), "Location");
  g_assert_nonnull (location);

  g_clear_pointer (&body, g_bytes_unref);
  redirected = soup_message_new ("GET", location);
  body = soup_session_send_and_read (fixture->session, redirected, NULL, &error);
  g_assert_no_error (error);
  return g_strdup (location);
}

/* Small outputs, read once the child has written all of them. */
static char *
read_all (GInputStream *stream)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char buffer[4096];
  gssize n;

  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, &error)) > 0)
    g_string_append_len (text, buffer, n);
  g_assert_no_error (error);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

typedef enum
{
  BROWSER_ALLOW,
  BROWSER_ALLOW_ERP,
  BROWSER_DENY,
  BROWSER_WRONG_STATE,
} Browser;

/* Runs `connection link NAME` to its end, playing the browser as told. */
static void
run_link (Fixture    *fixture,
          const char *name,
          Browser     browser,
          SyCliRun   *run)
{
  const char *client_secret = sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox);
  const char * const args[] = {
    "connection", "link", name,
    "--client-id", sy_sandbox_process_get_link_client_id (fixture->cli.sandbox),
    "--client-secret-stdin", "--url", sy_sandbox_process_get_url (fixture->cli.sandbox),
    "--no-browser", "--timeout", "60", NULL
  };
  g_autoptr(GPtrArray) argv = sy_cli_argv (&fixture->cli, args);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = g_strconcat (client_secret, "\n", NULL);
  g_autofree char *first_line = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *location = NULL;

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), input, strlen (input), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (g_subprocess_get_stdin_pipe (process), NULL, &error);
  g_assert_no_error (error);

  /* The contract: the authorisation URL alone on the first line. */
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  first_line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first_line);
  g_assert_true (g_str_has_prefix (first_line, sy_sandbox_process_get_url (fixture->cli.sandbox)));
  g_assert_nonnull (strstr (first_line, "/oauth/authorize?"));
  g_assert_nonnull (strstr (first_line, "code_challenge_method=S256"));
  /* Never the secret in the URL. */
  g_assert_null (strstr (first_line, client_secret));

  switch (browser)
    {
    case BROWSER_ALLOW:
      location = play_browser (fixture, first_line, "&auto=allow");
      break;
    case BROWSER_ALLOW_ERP:
      location = play_browser (fixture, first_line, "&auto=allow&platform=erp");
      break;
    case BROWSER_DENY:
      location = play_browser (fixture, first_line, "&auto=deny");
      g_assert_nonnull (strstr (location, "error=access_denied"));
      break;
    case BROWSER_WRONG_STATE:
      {
        /* Someone else's redirect reaching the listener. */
        g_autoptr(GUri) uri = g_uri_parse (first_line, G_URI_FLAGS_NONE, &error);
        g_autoptr(GHashTable) query = NULL;
        g_autofree char *forged = NULL;
        g_autoptr(SoupMessage) message = NULL;
        g_autoptr(GBytes) body = NULL;

        g_assert_no_error (error);
        query = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, &error);
        g_assert_no_error (error);
        forged = g_strconcat (g_hash_table_lookup (query, "redirect_uri"), "?code=forged&state=not-this-one", NULL);
        message = soup_message_new ("GET", forged);
        body = soup_session_send_and_read (fixture->session, message, NULL, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (soup_message_get_status (message), ==, 400);
      }
      break;
    default:
      g_assert_not_reached ();
    }

  rest = read_all (G_INPUT_STREAM (lines));
  run->err = read_all (g_subprocess_get_stderr_pipe (process));
  g_subprocess_wait_async (process, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (g_subprocess_wait_finish (process, result, &error));
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  run->out = g_strdup (rest != NULL ? rest : "");
  g_test_message ("connection link %s → %d\nstdout: %s\nstderr: %s", name, run->status, run->out, run->err);
}

static JsonObject *
find_connection (Fixture    *fixture,
                 const char *name)
{
  g_autofree char *path = g_build_filename (fixture->cli.config_dir, "connections.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *connections;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  text = sy_test_read_text (path);
  root = sy_test_parse_json (text);
  connections = json_object_get_array_member (json_node_get_object (root), "connections");
  for (guint i = 0; i < json_array_get_length (connections); i++)
    {
      JsonObject *connection = json_array_get_object_element (connections, i);

      if (g_strcmp0 (json_object_get_string_member (connection, "name"), name) == 0)
        return json_object_ref (connection);
    }
  return NULL;
}

static char *
lookup_secret (const char *connection_id,
               const char *kind)
{
  g_autoptr(SySecretStore) secrets = sy_secret_store_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;

  sy_secret_store_lookup_async (secrets, connection_id, kind, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  secret = sy_secret_store_lookup_finish (secrets, result, &error);
  if (secret == NULL)
    g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
  return secret;
}

/* No file under dir holds needle. */
static void
assert_not_in_files (const char *dir,
                     const char *needle)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *entry;

  if (listing == NULL)
    return;
  while ((entry = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          assert_not_in_files (path, needle);
          continue;
        }
      if (g_file_get_contents (path, &contents, &length, NULL) && length > 0)
        g_assert_null (g_strstr_len (contents, length, needle));
    }
}

static gint64
link_counter (Fixture    *fixture,
              const char *group,
              const char *member)
{
  g_autoptr(JsonNode) stats = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "GET", "/__sandbox/stats");
  JsonObject *link = json_object_get_object_member (json_node_get_object (stats), "link");

  if (group != NULL)
    link = json_object_get_object_member (link, group);
  return json_object_get_int_member (link, member);
}

static void
inspect (Fixture    *fixture,
         const char *path)
{
  g_autoptr(JsonNode) answer = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "POST", path);

  g_assert_nonnull (answer);
}

static void
test_link_allow (Fixture       *fixture,
                 gconstpointer  data)
{
  const char * const args[] = { "--records", "20", NULL };
  g_auto(SyCliRun) run = { 0 };
  g_auto(SyCliRun) records = { 0 };
  g_autoptr(JsonObject) connection = NULL;
  JsonObject *options;
  g_autofree char *access = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *expiry = NULL;
  g_autofree char *client_secret = NULL;

  start_sandbox (fixture, args);
  run_link (fixture, "warehouse", BROWSER_ALLOW, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "warehouse"));

  connection = find_connection (fixture, "warehouse");
  g_assert_nonnull (connection);
  /* The platform came from the API, asked with the new token. */
  g_assert_cmpstr (json_object_get_string_member (connection, "platform"), ==, "mintsoft");
  options = json_object_get_object_member (connection, "options");
  g_assert_cmpstr (json_object_get_string_member (options, "auth"), ==, "link");
  g_assert_cmpstr (json_object_get_string_member (options, "link_client_id"), ==,
                   sy_sandbox_process_get_link_client_id (fixture->cli.sandbox));

  /* Everything secret is in the keyring, and nowhere else. */
  access = lookup_secret (json_object_get_string_member (connection, "id"), SY_SECRET_KIND_ACCESS_TOKEN);
  refresh = lookup_secret (json_object_get_string_member (connection, "id"), SY_SECRET_KIND_REFRESH_TOKEN);
  expiry = lookup_secret (json_object_get_string_member (connection, "id"), SY_SECRET_KIND_TOKEN_EXPIRY);
  client_secret = lookup_secret (json_object_get_string_member (connection, "id"), SY_SECRET_KIND_CLIENT_SECRET);
  g_assert_nonnull (access);
  g_assert_nonnull (refresh);
  g_assert_nonnull (expiry);
  g_assert_cmpstr (client_secret, ==, sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox));
  assert_not_in_files (fixture->cli.config_dir, access);
  assert_not_in_files (fixture->cli.config_dir, refresh);
  assert_not_in_files (fixture->cli.config_dir, client_secret);
  assert_not_in_files (fixture->cli.state_dir, access);
  assert_not_in_files (fixture->cli.state_dir, refresh);
  g_assert_null (strstr (run.err, access));
  g_assert_null (strstr (run.out, access));

  g_assert_cmpint (link_counter (fixture, NULL, "authorized"), ==, 1);
  g_assert_cmpint (link_counter (fixture, "grants", "authorization_code"), ==, 1);

  sy_cli_run (&fixture->cli, NULL, &records, "records", "list", "warehouse", "wms/sales-orders", "--limit", "3", "--json");
  g_assert_cmpint (records.status, ==, 0);
  g_assert_cmpuint (sy_test_count_lines (records.out), ==, 3);
}

static void
assert_nothing_stored (Fixture    *fixture,
                       const char *name)
{
  g_autoptr(JsonObject) connection = find_connection (fixture, name);

  g_assert_null (connection);
}

static void
test_link_deny (Fixture       *fixture,
                gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };

  start_sandbox (fixture, NULL);
  run_link (fixture, "warehouse", BROWSER_DENY, &run);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_nonnull (strstr (run.err, "denied"));
  g_assert_nonnull (strstr (run.err, "Nothing was stored"));
  assert_nothing_stored (fixture, "warehouse");
  g_assert_cmpint (link_counter (fixture, "grants", "authorization_code"), ==, 0);
}

static void
test_link_wrong_state (Fixture       *fixture,
                       gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };

  start_sandbox (fixture, NULL);
  run_link (fixture, "warehouse", BROWSER_WRONG_STATE, &run);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_nonnull (strstr (run.err, "state"));
  assert_nothing_stored (fixture, "warehouse");
  /* The forged code never reached the token endpoint. */
  g_assert_cmpint (link_counter (fixture, "grants", "authorization_code"), ==, 0);
  g_assert_cmpint (link_counter (fixture, NULL, "refused"), ==, 0);
}

static void
test_link_timeout (Fixture       *fixture,
                   gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };
  g_autofree char *input = NULL;

  start_sandbox (fixture, NULL);
  input = g_strconcat (sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox), "\n", NULL);
  sy_cli_run (&fixture->cli, input, &run, "connection", "link", "warehouse",
              "--client-id", sy_sandbox_process_get_link_client_id (fixture->cli.sandbox),
              "--client-secret-stdin", "--url", sy_sandbox_process_get_url (fixture->cli.sandbox),
              "--no-browser", "--timeout", "1");
  g_assert_cmpint (run.status, ==, 3);
  g_assert_cmpuint (sy_test_count_lines (run.out), ==, 1);
  g_assert_nonnull (strstr (run.err, "did not come back"));
  assert_nothing_stored (fixture, "warehouse");
}

static void
write_mapping (Fixture    *fixture,
               const char *path)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, sy_example_mapping, -1, &error);
  g_assert_no_error (error);
}

static char *
parse_run_id (const char *json_text)
{
  g_autoptr(JsonNode) node = sy_test_parse_json (json_text);

  return g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (json_node_get_object (node), "run_id"));
}

/* A token that expires is renewed once by whoever meets it; a refresh
 * token that no longer works means "needs reconnecting"; Reconnect keeps
 * the connection's id, so its runs and key map, and the run resumes. */
static void
test_refresh_and_reconnect (Fixture       *fixture,
                            gconstpointer  data)
{
  const char * const args[] = { "--seed", "7", "--records", "120", NULL };
  g_autofree char *mapping = g_build_filename (fixture->files_dir, "orders.json", NULL);
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autofree char *run_id = NULL;
  gint64 refreshes;

  start_sandbox (fixture, args);
  write_mapping (fixture, mapping);
  {
    g_auto(SyCliRun) linked = { 0 };

    run_link (fixture, "mintsoft", BROWSER_ALLOW, &linked);
    g_assert_cmpint (linked.status, ==, 0);
    g_clear_pointer (&linked.out, g_free);
    g_clear_pointer (&linked.err, g_free);
    run_link (fixture, "netsuite", BROWSER_ALLOW_ERP, &linked);
    g_assert_cmpint (linked.status, ==, 0);
    g_assert_nonnull (strstr (linked.out, "netsuite"));
  }
  before = find_connection (fixture, "mintsoft");

  /* Expired under the CLI's feet: the 401 is met, refreshed once, sent again. */
  inspect (fixture, "/__sandbox/link/expire-access-tokens");
  {
    g_auto(SyCliRun) records = { 0 };

    sy_cli_run (&fixture->cli, NULL, &records, "records", "list", "mintsoft", "wms/sales-orders", "--limit", "2", "--json");
    g_assert_cmpint (records.status, ==, 0);
    g_assert_cmpuint (sy_test_count_lines (records.out), ==, 2);
  }
  g_assert_cmpint (link_counter (fixture, "grants", "refresh_token"), ==, 1);
  /* The renewed pair was kept: a second process uses it without refreshing. */
  {
    g_auto(SyCliRun) records = { 0 };

    sy_cli_run (&fixture->cli, NULL, &records, "records", "list", "mintsoft", "wms/sales-orders", "--limit", "2", "--json");
    g_assert_cmpint (records.status, ==, 0);
  }
  g_assert_cmpint (link_counter (fixture, "grants", "refresh_token"), ==, 1);

  /* A first run, interrupted by a sign-in that can no longer be renewed. */
  {
    g_auto(SyCliRun) sync = { 0 };

    sy_cli_run (&fixture->cli, NULL, &sync, "sync", "run", mapping, "--batch-size", "50", "--json");
    g_assert_cmpint (sync.status, ==, 0);
  }
  inspect (fixture, "/__sandbox/touch?entity=wms/sales-orders&count=60");
  inspect (fixture, "/__sandbox/link/revoke-refresh-tokens");
  inspect (fixture, "/__sandbox/link/expire-access-tokens");
  {
    g_auto(SyCliRun) sync = { 0 };

    sy_cli_run (&fixture->cli, NULL, &sync, "sync", "run", mapping, "--batch-size", "50", "--json");
    g_assert_cmpint (sync.status, ==, 3);
    g_assert_nonnull (strstr (sync.err, "needs reconnecting"));
    run_id = parse_run_id (sync.out);
    g_assert_nonnull (run_id);
  }
  refreshes = link_counter (fixture, "grants", "refresh_token");

  /* Reconnect: the same connection, the same id, its history kept. */
  {
    g_auto(SyCliRun) relinked = { 0 };

    run_link (fixture, "mintsoft", BROWSER_ALLOW, &relinked);
    g_assert_cmpint (relinked.status, ==, 0);
    g_assert_nonnull (strstr (relinked.out, "Reconnected"));
    g_clear_pointer (&relinked.out, g_free);
    g_clear_pointer (&relinked.err, g_free);
    run_link (fixture, "netsuite", BROWSER_ALLOW_ERP, &relinked);
    g_assert_cmpint (relinked.status, ==, 0);
  }
  after = find_connection (fixture, "mintsoft");
  g_assert_cmpstr (json_object_get_string_member (after, "id"), ==, json_object_get_string_member (before, "id"));

  {
    g_auto(SyCliRun) resumed = { 0 };

    sy_cli_run (&fixture->cli, NULL, &resumed, "sync", "resume", run_id, "--json");
    g_assert_cmpint (resumed.status, ==, 0);
  }
  /* Nothing lost, nothing written twice, and no refresh needed. */
  g_assert_cmpint (sy_sandbox_client_duplicates (fixture->cli.sandbox, fixture->session, "erp/sales-orders", "code"), ==, 0);
  {
    g_autoptr(JsonNode) stats = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "GET", "/__sandbox/stats");
    gint64 invalid = json_object_get_int_member (json_node_get_object (stats), "invalid_source_records");

    g_assert_cmpint (sy_sandbox_client_count (fixture->cli.sandbox, fixture->session, "erp/sales-orders"), ==, 120 - invalid);
  }
  g_assert_cmpint (link_counter (fixture, "grants", "refresh_token"), ==, refreshes);
}

/* The admin flow: the credentials go to the server once and are kept
 * nowhere: not in the configuration, the state, or the keyring. */
static void
test_create_with_credentials (Fixture       *fixture,
                              gconstpointer  data)
{
  const char *credential = "mintsoft-api-key-7f3a9c";
  g_autofree char *input = NULL;
  g_autofree char *missing = NULL;
  g_autoptr(JsonObject) connection = NULL;
  const char *kinds[] = { SY_SECRET_KIND_ACCESS_TOKEN, SY_SECRET_KIND_REFRESH_TOKEN, SY_SECRET_KIND_TOKEN_EXPIRY,
                          SY_SECRET_KIND_CLIENT_SECRET, SY_SECRET_KIND_WEBHOOK_SECRET, SY_SECRET_KIND_PRIVATE_KEY };

  start_sandbox (fixture, NULL);
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *secret_line = g_strconcat (sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox), "\n", NULL);

    sy_cli_run (&fixture->cli, secret_line, &run, "connection", "providers",
                "--client-id", sy_sandbox_process_get_link_client_id (fixture->cli.sandbox),
                "--client-secret-stdin", "--url", sy_sandbox_process_get_url (fixture->cli.sandbox));
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "mintsoft"));
    g_assert_nonnull (strstr (run.out, "api_key"));
  }

  /* A required credential left out: said before anything is sent. */
  missing = g_strconcat (sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox), "\n", NULL);
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, missing, &run, "connection", "create", "shop", "--provider", "mintsoft",
                "--email", "ops@example.com",
                "--client-id", sy_sandbox_process_get_link_client_id (fixture->cli.sandbox),
                "--client-secret-stdin", "--url", sy_sandbox_process_get_url (fixture->cli.sandbox));
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "api_key"));
    assert_nothing_stored (fixture, "shop");
  }

  input = g_strdup_printf ("%s\napi_key=%s\n", sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox), credential);
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, input, &run, "connection", "create", "shop", "--provider", "mintsoft",
                "--email", "ops@example.com",
                "--client-id", sy_sandbox_process_get_link_client_id (fixture->cli.sandbox),
                "--client-secret-stdin", "--url", sy_sandbox_process_get_url (fixture->cli.sandbox));
    g_assert_cmpint (run.status, ==, 0);
    g_assert_null (strstr (run.out, credential));
    g_assert_null (strstr (run.err, credential));
  }
  g_assert_cmpint (link_counter (fixture, NULL, "connections_created"), ==, 1);

  connection = find_connection (fixture, "shop");
  g_assert_nonnull (connection);
  g_assert_cmpstr (json_object_get_string_member (connection, "platform"), ==, "mintsoft");
  assert_not_in_files (fixture->cli.config_dir, credential);
  assert_not_in_files (fixture->cli.state_dir, credential);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *secret = lookup_secret (json_object_get_string_member (connection, "id"), kinds[i]);

      if (secret != NULL)
        g_assert_null (strstr (secret, credential));
    }

  {
    g_auto(SyCliRun) records = { 0 };

    sy_cli_run (&fixture->cli, NULL, &records, "records", "list", "shop", "wms/sales-orders", "--limit", "2", "--json");
    g_assert_cmpint (records.status, ==, 0);
    g_assert_cmpuint (sy_test_count_lines (records.out), ==, 2);
  }
}

static gboolean
expire_tokens_now (gpointer user_data)
{
  Fixture *fixture = user_data;

  inspect (fixture, "/__sandbox/link/expire-access-tokens");
  fixture->forced_expiries++;
  return fixture->forced_expiries < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* 20,000 records through two Link connections whose tokens expire every
 * few seconds, and three times at once under the requests in flight:
 * renewed ahead of expiry and on a 401, by one refresh per expiry (a
 * second refresh with the same refresh token would be refused by the
 * sandbox and counted), nothing lost or doubled. */
static void
test_long_sync_token_expiry (Fixture       *fixture,
                             gconstpointer  data)
{
  const char * const args[] = { "--seed", "11", "--records", "20000", "--token-ttl", "4", NULL };
  g_autofree char *mapping = g_build_filename (fixture->files_dir, "orders.json", NULL);
  g_auto(SyCliRun) sync = { 0 };
  g_autoptr(JsonNode) stats = NULL;
  g_autoptr(JsonNode) result = NULL;
  gint64 invalid;
  gint64 refreshes;
  guint expiring;

  start_sandbox (fixture, args);
  write_mapping (fixture, mapping);
  {
    g_auto(SyCliRun) linked = { 0 };

    run_link (fixture, "mintsoft", BROWSER_ALLOW, &linked);
    g_assert_cmpint (linked.status, ==, 0);
    g_clear_pointer (&linked.out, g_free);
    g_clear_pointer (&linked.err, g_free);
    run_link (fixture, "netsuite", BROWSER_ALLOW_ERP, &linked);
    g_assert_cmpint (linked.status, ==, 0);
  }

  expiring = g_timeout_add (1500, expire_tokens_now, fixture);
  sy_cli_run (&fixture->cli, NULL, &sync, "sync", "run", mapping, "--batch-size", "100", "--concurrency", "8", "--json");
  if (fixture->forced_expiries < 3)
    g_source_remove (expiring);
  result = sy_test_parse_json (sync.out);
  stats = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "GET", "/__sandbox/stats");
  invalid = json_object_get_int_member (json_node_get_object (stats), "invalid_source_records");
  /* Records the ERP rejects fail (exit 1); everything else arrived once. */
  g_assert_cmpint (sync.status, ==, invalid > 0 ? 1 : 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (result), "failed"), ==, invalid);
  g_assert_cmpint (sy_sandbox_client_count (fixture->cli.sandbox, fixture->session, "erp/sales-orders"), ==, 20000 - invalid);
  g_assert_cmpint (sy_sandbox_client_duplicates (fixture->cli.sandbox, fixture->session, "erp/sales-orders", "code"), ==, 0);

  refreshes = link_counter (fixture, "grants", "refresh_token");
  g_test_message ("%" G_GINT64_FORMAT " refreshes, %" G_GINT64_FORMAT " requests met an expired token",
                  refreshes, link_counter (fixture, NULL, "expired_token_requests"));
  /* Each connection's token expired at least twice during the run, and
   * requests in flight met the forced expiries... */
  g_assert_cmpint (fixture->forced_expiries, >=, 2);
  g_assert_cmpint (link_counter (fixture, NULL, "expired_token_requests"), >, 0);
  g_assert_cmpint (refreshes, >=, 4);
  /* ...and each expiry was renewed by one refresh: none was refused. */
  g_assert_cmpint (link_counter (fixture, NULL, "refused"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cli/link/allow", test_link_allow);
  ADD ("/cli/link/deny", test_link_deny);
  ADD ("/cli/link/wrong-state", test_link_wrong_state);
  ADD ("/cli/link/timeout", test_link_timeout);
  ADD ("/cli/link/refresh-and-reconnect", test_refresh_and_reconnect);
  ADD ("/cli/link/create-with-credentials", test_create_with_credentials);
  ADD ("/cli/link/long-sync-token-expiry", test_long_sync_token_expiry);
#undef ADD

  return g_test_run ();
}
