/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-error.h"
#include "sy-example-mapping.h"
#include "sy-link-test-support.h"
#include "sy-sandbox-client.h"
#include "sy-secret-store.h"
#include "sy-test-support.h"


void
sy_link_test_fixture_set_up (SyLinkTestFixture *fixture,
                             gconstpointer      data)
{
  sy_cli_fixture_set_up (&fixture->cli, "link", FALSE);
  fixture->session = soup_session_new ();
  fixture->files_dir = sy_test_make_tmpdir ("link-files");
}

void
sy_link_test_fixture_tear_down (SyLinkTestFixture *fixture,
                                gconstpointer      data)
{
  sy_cli_fixture_tear_down (&fixture->cli);
  g_clear_object (&fixture->session);
  sy_test_remove_tree (fixture->files_dir);
  g_free (fixture->files_dir);
}

void
sy_link_test_start_sandbox (SyLinkTestFixture  *fixture,
                            const char * const *extra_args)
{
  fixture->cli.sandbox = sy_test_start_sandbox (extra_args);
  g_assert_nonnull (sy_sandbox_process_get_link_client_id (fixture->cli.sandbox));
  g_assert_nonnull (sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox));
}

/* What the browser does with the authorisation URL: the sandbox answers
 * at once with a redirect, which is followed to the CLI's listener.
 * Returns the redirect's target. */
char *
sy_link_test_play_browser (SyLinkTestFixture *fixture,
                           const char        *authorize_url,
                           const char        *extra_query)
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
sy_link_test_read_all (GInputStream *stream)
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



/* Runs `connection link NAME` to its end, playing the browser as told. */
void
sy_link_test_run_link (SyLinkTestFixture *fixture,
                       const char        *name,
                       SyLinkTestBrowser  browser,
                       SyCliRun          *run)
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
      location = sy_link_test_play_browser (fixture, first_line, "&auto=allow");
      break;
    case BROWSER_ALLOW_ERP:
      location = sy_link_test_play_browser (fixture, first_line, "&auto=allow&platform=erp");
      break;
    case BROWSER_DENY:
      location = sy_link_test_play_browser (fixture, first_line, "&auto=deny");
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

  rest = sy_link_test_read_all (G_INPUT_STREAM (lines));
  run->err = sy_link_test_read_all (g_subprocess_get_stderr_pipe (process));
  g_subprocess_wait_async (process, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (g_subprocess_wait_finish (process, result, &error));
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  run->out = g_strdup (rest != NULL ? rest : "");
  g_test_message ("connection link %s → %d\nstdout: %s\nstderr: %s", name, run->status, run->out, run->err);
}

JsonObject *
sy_link_test_find_connection (SyLinkTestFixture *fixture,
                              const char        *name)
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

char *
sy_link_test_lookup_secret (const char *connection_id,
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
void
sy_link_test_assert_not_in_files (const char *dir,
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
          sy_link_test_assert_not_in_files (path, needle);
          continue;
        }
      if (g_file_get_contents (path, &contents, &length, NULL) && length > 0)
        g_assert_null (g_strstr_len (contents, length, needle));
    }
}

gint64
sy_link_test_link_counter (SyLinkTestFixture *fixture,
                           const char        *group,
                           const char        *member)
{
  g_autoptr(JsonNode) stats = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "GET", "/__sandbox/stats");
  JsonObject *link = json_object_get_object_member (json_node_get_object (stats), "link");

  if (group != NULL)
    link = json_object_get_object_member (link, group);
  return json_object_get_int_member (link, member);
}

void
sy_link_test_inspect (SyLinkTestFixture *fixture,
                      const char        *path)
{
  g_autoptr(JsonNode) answer = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "POST", path);

  g_assert_nonnull (answer);
}


void
sy_link_test_write_mapping (SyLinkTestFixture *fixture,
                            const char        *path)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, sy_example_mapping, -1, &error);
  g_assert_no_error (error);
}

char *
sy_link_test_parse_run_id (const char *json_text)
{
  g_autoptr(JsonNode) node = sy_test_parse_json (json_text);

  return g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (json_node_get_object (node), "run_id"));
}

void
sy_link_test_assert_nothing_stored (SyLinkTestFixture *fixture,
                                    const char        *name)
{
  g_autoptr(JsonObject) connection = sy_link_test_find_connection (fixture, name);

  g_assert_null (connection);
}

/* The example mapping's two connections, both signed in with Link:
 * "mintsoft" on the warehouse data, "netsuite" on the ERP's. */
void
sy_link_test_link_both (SyLinkTestFixture *fixture)
{
  g_auto(SyCliRun) warehouse = { 0 };
  g_auto(SyCliRun) erp = { 0 };

  sy_link_test_run_link (fixture, "mintsoft", BROWSER_ALLOW, &warehouse);
  g_assert_cmpint (warehouse.status, ==, 0);
  sy_link_test_run_link (fixture, "netsuite", BROWSER_ALLOW_ERP, &erp);
  g_assert_cmpint (erp.status, ==, 0);
  g_assert_nonnull (strstr (erp.out, "netsuite"));
}
