/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <glib/gstdio.h>
#include <pty.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include <glib-unix.h>
#include <libsoup/soup.h>

#include "sy-error.h"
#include "sy-secret-store.h"
#include "sy-cli-test-support.h"
#include "sy-test-support.h"

/* switchyard-cli as a user runs it: a child process with its own
 * configuration and state directories, the real keyring of the test
 * session and a real switchyard-sandbox on loopback. */

typedef SyCliFixture Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  sy_cli_fixture_set_up (fixture, "cli", FALSE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_cli_fixture_tear_down (fixture);
}

static void
start_sandbox (Fixture            *fixture,
               const char * const *extra_args)
{
  fixture->sandbox = sy_test_start_sandbox (extra_args);
}

static const char *
sandbox_url (Fixture *fixture)
{
  return sy_sandbox_process_get_url (fixture->sandbox);
}

static const char *
wms_token (Fixture *fixture)
{
  return sy_sandbox_process_get_token (fixture->sandbox, "wms");
}

static char *
token_line (const char *token)
{
  return g_strconcat (token, "\n", NULL);
}

/* The "connections" array of `connection list --json`. */
static JsonArray *
list_connections (Fixture *fixture)
{
  g_auto(SyCliRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  sy_cli_run (fixture, NULL, &run, "connection", "list", "--json");
  g_assert_cmpint (run.status, ==, 0);
  root = sy_test_parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  object = json_node_get_object (root);
  g_assert_true (json_object_has_member (object, "connections"));
  return json_array_ref (json_object_get_array_member (object, "connections"));
}

/* A loopback port nothing listens on: bound, then released. */
static char *
closed_port_url (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any_port, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, &error);
  g_assert_no_error (error);

  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

static void
test_help (Fixture       *fixture,
           gconstpointer  data)
{
  const char * const *commands[] = {
    (const char * const[]) { "--help", NULL },
    (const char * const[]) { "help", NULL },
    (const char * const[]) { "connection", "--help", NULL },
    (const char * const[]) { "connection", "add", "--help", NULL },
    (const char * const[]) { "connection", "list", "--help", NULL },
    (const char * const[]) { "connection", "test", "--help", NULL },
    (const char * const[]) { "connection", "remove", "--help", NULL },
    (const char * const[]) { "records", "--help", NULL },
    (const char * const[]) { "records", "list", "--help", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run_argv (fixture, NULL, commands[i], &run);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_true (strstr (run.out, "Usage") != NULL);
      g_assert_cmpstr (run.err, ==, "");
    }

  {
    g_auto(SyCliRun) run = { 0 };

    /* The top level lists the groups. */
    sy_cli_run (fixture, NULL, &run, "--help");
    g_assert_true (strstr (run.out, "connection") != NULL);
    g_assert_true (strstr (run.out, "records") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    /* The command's options, including one a user needs. */
    sy_cli_run (fixture, NULL, &run, "connection", "add", "--help");
    g_assert_true (strstr (run.out, "--token-stdin") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "--version");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (strstr (run.out, PACKAGE_VERSION) != NULL);
  }
}

static void
test_usage_errors (Fixture       *fixture,
                   gconstpointer  data)
{
  const char * const *commands[] = {
    (const char * const[]) { "frobnicate", NULL },
    (const char * const[]) { "--frobnicate", "connection", "list", NULL },
    (const char * const[]) { "connection", NULL },
    (const char * const[]) { "connection", "frobnicate", NULL },
    (const char * const[]) { "connection", "list", "--frobnicate", NULL },
    (const char * const[]) { "connection", "list", "extra", NULL },
    (const char * const[]) { "connection", "test", NULL },
    (const char * const[]) { "connection", "remove", NULL },
    (const char * const[]) { "records", "list", "only-a-name", NULL },
    (const char * const[]) { NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run_argv (fixture, NULL, commands[i], &run);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_true (g_str_has_prefix (run.err, "switchyard-cli: "));
      g_assert_cmpstr (run.out, ==, "");
    }
}

static void
test_lifecycle (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(JsonArray) connections = NULL;
  g_autoptr(JsonArray) after = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autofree char *input = NULL;
  g_autofree char *id = NULL;
  const char *token;
  JsonObject *connection;

  start_sandbox (fixture, NULL);
  token = wms_token (fixture);
  input = token_line (token);

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, input, &run, "connection", "add", "Warehouse", "--url", sandbox_url (fixture), "--token-stdin");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (strstr (run.out, "Warehouse") != NULL);
    /* The platform is learned from the server's answer. */
    g_assert_true (strstr (run.out, "mintsoft") != NULL);
    g_assert_null (strstr (run.out, token));
    g_assert_null (strstr (run.err, token));
  }

  /* The token is in the keyring, in no file. */
  files = sy_test_files_containing (fixture->config_dir, token);
  g_assert_cmpuint (files->len, ==, 0);
  g_clear_pointer (&files, g_ptr_array_unref);
  files = sy_test_files_containing (fixture->state_dir, token);
  g_assert_cmpuint (files->len, ==, 0);
  g_assert_true (g_file_test (fixture->config_dir, G_FILE_TEST_IS_DIR));
  {
    g_autofree char *path = g_build_filename (fixture->config_dir, "connections.json", NULL);
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  }

  connections = list_connections (fixture);
  g_assert_cmpuint (json_array_get_length (connections), ==, 1);
  connection = json_array_get_object_element (connections, 0);
  g_assert_cmpstr (json_object_get_string_member (connection, "name"), ==, "Warehouse");
  g_assert_cmpstr (json_object_get_string_member (connection, "base_url"), ==, sandbox_url (fixture));
  g_assert_cmpstr (json_object_get_string_member (connection, "platform"), ==, "mintsoft");
  g_assert_true (json_object_has_member (connection, "domain"));
  id = g_strdup (json_object_get_string_member (connection, "id"));
  g_assert_nonnull (id);
  g_assert_cmpstr (id, !=, "");

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "list", "--json");
    g_assert_null (strstr (run.out, token));
  }
  {
    g_auto(SyCliRun) run = { 0 };

    /* --json before the command works as well as after it. */
    sy_cli_run (fixture, NULL, &run, "--json", "connection", "list");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (strstr (run.out, "\"connections\"") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "list");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (run.out, "NAME"));
    g_assert_true (strstr (run.out, "PLATFORM") != NULL);
    g_assert_true (strstr (run.out, "URL") != NULL);
    g_assert_true (strstr (run.out, "Warehouse") != NULL);
    g_assert_true (strstr (run.out, sandbox_url (fixture)) != NULL);
    g_assert_null (strstr (run.out, token));
    g_assert_cmpuint (sy_test_count_lines (run.out), ==, 2);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    /* Names compare without case, as in the GUI. */
    sy_cli_run (fixture, NULL, &run, "connection", "test", "warehouse");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (strstr (run.out, "mintsoft") != NULL);
    g_assert_true (strstr (run.out, "done") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;
    JsonObject *object;

    sy_cli_run (fixture, NULL, &run, "connection", "test", "Warehouse", "--json");
    g_assert_cmpint (run.status, ==, 0);
    root = sy_test_parse_json (run.out);
    object = json_node_get_object (root);
    g_assert_true (json_object_get_boolean_member (object, "ok"));
    g_assert_cmpstr (json_object_get_string_member (object, "platform"), ==, "mintsoft");
    g_assert_cmpstr (json_object_get_string_member (object, "sync_status"), ==, "done");
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "remove", "Warehouse");
    g_assert_cmpint (run.status, ==, 0);
  }

  after = list_connections (fixture);
  g_assert_cmpuint (json_array_get_length (after), ==, 0);

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "test", "Warehouse");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "remove", "Warehouse");
    g_assert_cmpint (run.status, ==, 2);
  }

  /* The keyring itself holds nothing more for that connection. */
  {
    g_autoptr(SySecretStore) secrets = sy_secret_store_new ();
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    char *secret;

    sy_secret_store_lookup_async (secrets, id, SY_SECRET_KIND_ACCESS_TOKEN, NULL,
                                  sy_test_store_result, &result);
    sy_test_await (&result);
    secret = sy_secret_store_lookup_finish (secrets, result, &error);
    g_assert_null (secret);
    g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
  }
}

static void
test_wrong_token (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(JsonArray) connections = NULL;
  const char *wrong = "sbx_wms_0000000000000000000000000000wrong";

  start_sandbox (fixture, NULL);

  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *input = token_line (wrong);

    sy_cli_run (fixture, input, &run, "connection", "add", "Warehouse", "--url", sandbox_url (fixture), "--token-stdin");
    g_assert_cmpint (run.status, ==, 3);
    sy_cli_assert_one_error_line (&run);
    /* Clear: it names the connection, says what is wrong and how to fix it. */
    g_assert_true (strstr (run.err, "Warehouse") != NULL);
    g_assert_true (strstr (run.err, "token") != NULL);
    g_assert_true (strstr (run.err, "--replace") != NULL);
    g_assert_null (strstr (run.err, wrong));
    g_assert_cmpstr (run.out, ==, "");
  }

  /* Kept, so that the user can fix it. */
  connections = list_connections (fixture);
  g_assert_cmpuint (json_array_get_length (connections), ==, 1);

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "test", "Warehouse");
    g_assert_cmpint (run.status, ==, 3);
    sy_cli_assert_one_error_line (&run);
    g_assert_true (strstr (run.err, "token") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "records", "list", "Warehouse", "wms/sales-orders");
    g_assert_cmpint (run.status, ==, 3);
    sy_cli_assert_one_error_line (&run);
    g_assert_cmpstr (run.out, ==, "");
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *input = g_strdup_printf ("Bearer %s\r\n", wms_token (fixture));

    /* --replace fixes it (with the token as copied from a header). */
    sy_cli_run (fixture, input, &run, "connection", "add", "Warehouse", "--url", sandbox_url (fixture),
                "--token-stdin", "--replace");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "test", "Warehouse");
    g_assert_cmpint (run.status, ==, 0);
  }

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "remove", "Warehouse");
    g_assert_cmpint (run.status, ==, 0);
  }
}

static void
test_unreachable (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *url = closed_port_url ();
  g_auto(SyCliRun) run = { 0 };
  g_auto(SyCliRun) test_run = { 0 };
  g_auto(SyCliRun) remove_run = { 0 };

  sy_cli_run (fixture, "some-token\n", &run, "connection", "add", "Nowhere", "--url", url, "--token-stdin");
  g_assert_cmpint (run.status, ==, 3);
  sy_cli_assert_one_error_line (&run);
  g_assert_true (strstr (run.err, url) != NULL);
  g_assert_null (strstr (run.err, "some-token"));

  sy_cli_run (fixture, NULL, &test_run, "connection", "test", "Nowhere");
  g_assert_cmpint (test_run.status, ==, 3);
  sy_cli_assert_one_error_line (&test_run);

  sy_cli_run (fixture, NULL, &remove_run, "connection", "remove", "Nowhere");
  g_assert_cmpint (remove_run.status, ==, 0);
}

static void
test_invalid_input (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(JsonArray) connections = NULL;
  const char *url = "http://127.0.0.1:9";
  struct
  {
    const char *input;
    const char * const *args;
    const char *in_message;
  } cases[] = {
    /* Not an http(s) URL. */
    { "token\n", (const char * const[]) { "connection", "add", "A", "--url", "ftp://example.com", "--token-stdin", NULL }, "http" },
    { "token\n", (const char * const[]) { "connection", "add", "A", "--url", "not a url", "--token-stdin", NULL }, NULL },
    /* No way to give a token in argv. */
    { NULL, (const char * const[]) { "connection", "add", "A", "--url", url, "--token", "secret", NULL }, NULL },
    { NULL, (const char * const[]) { "connection", "add", "A", "--url", url, "--token=secret", NULL }, NULL },
    { "token\n", (const char * const[]) { "connection", "add", "A", "--url", url, NULL }, "standard input" },
    /* Nothing on standard input. */
    { NULL, (const char * const[]) { "connection", "add", "A", "--url", url, "--token-stdin", NULL }, "token" },
    { " \n\t\n", (const char * const[]) { "connection", "add", "A", "--url", url, "--token-stdin", NULL }, "token" },
    { "token\n", (const char * const[]) { "connection", "add", "   ", "--url", url, "--token-stdin", NULL }, NULL },
    /* Without --url the preferences' default address is used:
     * test-cli-settings covers that. */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run_argv (fixture, cases[i].input, cases[i].args, &run);
      g_assert_cmpint (run.status, ==, 2);
      sy_cli_assert_one_error_line (&run);
      if (cases[i].in_message != NULL)
        g_assert_true (strstr (run.err, cases[i].in_message) != NULL);
      g_assert_null (strstr (run.err, "secret"));
    }

  /* None of them saved anything. */
  connections = list_connections (fixture);
  g_assert_cmpuint (json_array_get_length (connections), ==, 0);
}

static void
test_duplicate (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(JsonArray) connections = NULL;
  g_autofree char *closed = closed_port_url ();
  g_autofree char *input = NULL;
  JsonObject *connection;

  start_sandbox (fixture, NULL);
  input = token_line (wms_token (fixture));

  {
    g_auto(SyCliRun) run = { 0 };

    /* Saved untested, with a wrong address and a wrong token. */
    sy_cli_run (fixture, "wrong-token\n", &run, "connection", "add", "Shop", "--url", closed,
                "--token-stdin", "--no-test", "--platform", "shopify");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, input, &run, "connection", "add", "Shop", "--url", sandbox_url (fixture), "--token-stdin");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_true (strstr (run.err, "--replace") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, input, &run, "connection", "add", "shop", "--url", sandbox_url (fixture), "--token-stdin");
    g_assert_cmpint (run.status, ==, 2);
  }

  connections = list_connections (fixture);
  g_assert_cmpuint (json_array_get_length (connections), ==, 1);
  connection = json_array_get_object_element (connections, 0);
  g_assert_cmpstr (json_object_get_string_member (connection, "base_url"), ==, closed);
  g_assert_cmpstr (json_object_get_string_member (connection, "platform"), ==, "shopify");
  g_clear_pointer (&connections, json_array_unref);

  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonNode) root = NULL;

    /* --replace updates the address and the token; the platform the user
     * gave wins over the server's. */
    sy_cli_run (fixture, input, &run, "connection", "add", "Shop", "--url", sandbox_url (fixture),
                "--token-stdin", "--replace", "--platform", "mintsoft-uk", "--json");
    g_assert_cmpint (run.status, ==, 0);
    root = sy_test_parse_json (run.out);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "name"), ==, "Shop");
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "base_url"), ==,
                     sandbox_url (fixture));
  }

  connections = list_connections (fixture);
  g_assert_cmpuint (json_array_get_length (connections), ==, 1);
  connection = json_array_get_object_element (connections, 0);
  g_assert_cmpstr (json_object_get_string_member (connection, "base_url"), ==, sandbox_url (fixture));
  g_assert_cmpstr (json_object_get_string_member (connection, "platform"), ==, "mintsoft-uk");

  {
    g_auto(SyCliRun) run = { 0 };

    /* The new token is the one in the keyring now. */
    sy_cli_run (fixture, NULL, &run, "connection", "test", "Shop");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "remove", "Shop");
    g_assert_cmpint (run.status, ==, 0);
  }
}

static void
test_no_keyring (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *input = NULL;
  g_autoptr(JsonArray) connections = NULL;

  start_sandbox (fixture, NULL);
  input = token_line (wms_token (fixture));

  fixture->no_keyring = TRUE;
  for (guint i = 0; i < 2; i++)
    {
      g_auto(SyCliRun) run = { 0 };

      if (i == 0)
        sy_cli_run (fixture, input, &run, "connection", "add", "Warehouse", "--url", sandbox_url (fixture), "--token-stdin");
      else
        sy_cli_run (fixture, input, &run, "connection", "add", "Warehouse", "--url", sandbox_url (fixture), "--token-stdin",
                    "--no-test");
      g_assert_cmpint (run.status, ==, 2);
      sy_cli_assert_one_error_line (&run);
      g_assert_true (strstr (run.err, "keyring") != NULL);
    }

  /* Nothing was saved without its token. */
  fixture->no_keyring = FALSE;
  connections = list_connections (fixture);
  g_assert_cmpuint (json_array_get_length (connections), ==, 0);
  g_clear_pointer (&connections, json_array_unref);

  sy_cli_add_connection (fixture, "Warehouse", "wms");

  /* What needs no secret keeps working; what does says why it cannot. */
  fixture->no_keyring = TRUE;
  connections = list_connections (fixture);
  g_assert_cmpuint (json_array_get_length (connections), ==, 1);
  {
    const char * const *commands[] = {
      (const char * const[]) { "connection", "test", "Warehouse", NULL },
      (const char * const[]) { "records", "list", "Warehouse", "wms/sales-orders", NULL },
      (const char * const[]) { "connection", "remove", "Warehouse", NULL },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
      {
        g_auto(SyCliRun) run = { 0 };

        sy_cli_run_argv (fixture, NULL, commands[i], &run);
        g_assert_cmpint (run.status, ==, 2);
        sy_cli_assert_one_error_line (&run);
        g_assert_true (strstr (run.err, "keyring") != NULL);
      }
  }

  /* The connection whose secrets could not be cleared was kept. */
  fixture->no_keyring = FALSE;
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "test", "Warehouse");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "remove", "Warehouse");
    g_assert_cmpint (run.status, ==, 0);
  }
}

static void
test_broken_config (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  const char *broken = "{ \"version\": 1, \"connections\": [ { \"name\": ";
  g_autoptr(GDir) dir = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *moved_contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(SyCliRun) run = { 0 };
  g_autoptr(JsonArray) connections = NULL;
  const char *name;

  g_file_set_contents (path, broken, -1, &error);
  g_assert_no_error (error);

  sy_cli_run (fixture, NULL, &run, "connection", "list");
  g_assert_cmpint (run.status, ==, 0);
  sy_cli_assert_one_error_line (&run);

  /* The file was moved aside, byte for byte, and the message says where. */
  dir = g_dir_open (fixture->config_dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "connections.json.broken-"))
      {
        g_assert_null (moved);
        moved = g_build_filename (fixture->config_dir, name, NULL);
      }
  g_assert_nonnull (moved);
  g_assert_true (strstr (run.err, moved) != NULL);
  g_file_get_contents (moved, &moved_contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (moved_contents, ==, broken);
  g_assert_null (strstr (run.out, "Warehouse"));

  connections = list_connections (fixture);
  g_assert_cmpuint (json_array_get_length (connections), ==, 0);
}

/* 100,000 nested lists overflowed json-glib's stack, and the file stayed
 * where it was: every later command crashed too. Now it is moved aside like
 * any file that does not parse, and the next command runs clean. */
static void
test_deep_config (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  g_autofree char *deep = g_malloc (100001);
  g_autoptr(GError) error = NULL;

  memset (deep, '[', 100000);
  deep[100000] = '\0';
  g_file_set_contents (path, deep, -1, &error);
  g_assert_no_error (error);

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "list");
    g_assert_cmpint (run.status, ==, 0);
    sy_cli_assert_one_error_line (&run);
    g_assert_true (strstr (run.err, "broken-") != NULL);
  }
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "list");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.err, ==, "");
  }
}

/* A FIFO as connections.json: reading it waited for a writer for ever,
 * deaf to SIGTERM. It is refused at once, and not replaced. */
static void
test_fifo_config (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  g_auto(SyCliRun) run = { 0 };

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  sy_cli_run (fixture, NULL, &run, "connection", "list");
  g_assert_cmpint (run.status, ==, 2);
  sy_cli_assert_one_error_line (&run);
  g_assert_true (strstr (run.err, "not a regular file") != NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* Every line of `records list --json`, parsed; asserts each is an object
 * with a key. */
static GPtrArray *
parse_json_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  guint n_lines = g_strv_length (lines);

  /* The output ends with a newline: the last piece is empty. */
  g_assert_cmpuint (n_lines, >=, 1);
  g_assert_cmpstr (lines[n_lines - 1], ==, "");
  for (guint i = 0; i + 1 < n_lines; i++)
    {
      g_autoptr(JsonNode) node = sy_test_parse_json (lines[i]);

      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      g_assert_true (json_object_has_member (json_node_get_object (node), "key"));
      g_ptr_array_add (records, json_object_ref (json_node_get_object (node)));
    }

  return records;
}

static void
assert_all_distinct (GPtrArray *records,
                     guint      expected)
{
  g_autoptr(GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpuint (records->len, ==, expected);
  for (guint i = 0; i < records->len; i++)
    {
      const char *key = json_object_get_string_member (g_ptr_array_index (records, i), "key");

      g_assert_nonnull (key);
      g_assert_false (g_hash_table_contains (keys, key));
      g_hash_table_add (keys, (gpointer) key);
    }
  g_assert_cmpuint (g_hash_table_size (keys), ==, expected);
}

static void
test_records_stream (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *pagination = data;
  const char * const args[] = { "--records", "2000", "--pagination", pagination, NULL };
  g_autoptr(GPtrArray) records = NULL;
  g_auto(SyCliRun) run = { 0 };
  g_auto(SyCliRun) table = { 0 };
  g_auto(SyCliRun) small_pages = { 0 };

  start_sandbox (fixture, args);
  sy_cli_add_connection (fixture, "Warehouse", "wms");

  sy_cli_run (fixture, NULL, &run, "records", "list", "Warehouse", "wms/sales-orders", "--json");
  g_assert_cmpint (run.status, ==, 0);
  /* Piped: no progress, no noise. */
  g_assert_cmpstr (run.err, ==, "");
  records = parse_json_lines (run.out);
  assert_all_distinct (records, 2000);
  g_clear_pointer (&records, g_ptr_array_unref);

  /* Pages that do not divide the total evenly. */
  sy_cli_run (fixture, NULL, &small_pages, "--json", "records", "list", "Warehouse", "wms/sales-orders",
              "--per-page", "37");
  g_assert_cmpint (small_pages.status, ==, 0);
  records = parse_json_lines (small_pages.out);
  assert_all_distinct (records, 2000);

  sy_cli_run (fixture, NULL, &table, "records", "list", "Warehouse", "wms/sales-orders");
  g_assert_cmpint (table.status, ==, 0);
  g_assert_cmpstr (table.err, ==, "");
  g_assert_true (g_str_has_prefix (table.out, "key"));
  g_assert_true (strstr (table.out, "updatedAt") != NULL);
  /* A header and one line per record. */
  g_assert_cmpuint (sy_test_count_lines (table.out), ==, 2001);
}

/* How many requests the sandbox has answered so far, whatever their status. */
static gint64
sandbox_request_count (Fixture *fixture)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (sandbox_url (fixture), "/__sandbox/stats", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) statuses = NULL;
  JsonObject *requests;
  gint64 count = 0;

  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  g_assert_no_error (error);

  requests = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "requests");
  statuses = json_object_get_members (requests);
  for (GList *l = statuses; l != NULL; l = l->next)
    count += json_object_get_int_member (requests, l->data);

  return count;
}

/* 200 records in two pages that it sends in turn, whatever page is asked
 * for, without meta: `records list` printed 107,100 lines. This server
 * stops by itself after 60 pages, so that a reader that does not notice
 * ends too. */
static void
alternating_handler (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  guint *hits = user_data;
  g_autoptr(GString) body = g_string_new (NULL);

  if (g_str_equal (path, "/api/integrations/current"))
    g_string_append (body, "{\"data\": {\"id\": \"alt\", \"name\": \"Alternating\", \"platform\": \"mintsoft\","
                           " \"provider\": \"mintsoft\", \"sync_status\": \"done\"}}");
  else
    {
      guint first = ((*hits)++ % 2) * 100;

      g_string_append (body, "{\"data\": [");
      for (guint i = 0; i < 100 && *hits <= 60; i++)
        g_string_append_printf (body, "%s{\"key\": \"SO-%u\", \"updatedAt\": \"2025-01-01T00:00:00Z\"}",
                                i ? "," : "", first + i);
      g_string_append (body, "]}");
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body->str, body->len);
}

static void
test_records_alternating_pages (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_auto(SyCliRun) add = { 0 };
  g_auto(SyCliRun) run = { 0 };
  guint hits = 0;
  GSList *uris;

  soup_server_add_handler (server, NULL, alternating_handler, &hits, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  sy_cli_run (fixture, "alternating-token\n", &add, "connection", "add", "Alternating", "--url", url, "--token-stdin");
  g_assert_cmpint (add.status, ==, 0);

  sy_cli_run (fixture, NULL, &run, "records", "list", "Alternating", "wms/sales-orders", "--per-page", "100", "--json");
  /* Each record once, then the reading stops with an error. */
  g_assert_cmpint (run.status, ==, 3);
  sy_cli_assert_one_error_line (&run);
  g_assert_true (strstr (run.err, "same page") != NULL);
  records = parse_json_lines (run.out);
  assert_all_distinct (records, 200);
  g_assert_cmpuint (hits, ==, 3);
  soup_server_disconnect (server);
}

static void
test_records_limit (Fixture       *fixture,
                    gconstpointer  data)
{
  const char * const args[] = { "--records", "300", NULL };
  g_autoptr(GPtrArray) records = NULL;
  g_auto(SyCliRun) run = { 0 };
  g_auto(SyCliRun) table = { 0 };
  g_auto(SyCliRun) many = { 0 };
  gint64 requests_before;

  start_sandbox (fixture, args);
  sy_cli_add_connection (fixture, "Warehouse", "wms");

  /* The limit also stops the fetching: one small page, one request. */
  requests_before = sandbox_request_count (fixture);
  sy_cli_run (fixture, NULL, &run, "records", "list", "Warehouse", "wms/sales-orders", "--limit", "7", "--json");
  g_assert_cmpint (run.status, ==, 0);
  records = parse_json_lines (run.out);
  assert_all_distinct (records, 7);
  g_clear_pointer (&records, g_ptr_array_unref);
  g_assert_cmpint (sandbox_request_count (fixture) - requests_before, ==, 1);

  /* A limit across pages: three pages of 50 are read, not six. */
  requests_before = sandbox_request_count (fixture);
  sy_cli_run (fixture, NULL, &many, "records", "list", "Warehouse", "wms/sales-orders", "--limit", "130",
              "--per-page", "50", "--json");
  g_assert_cmpint (many.status, ==, 0);
  records = parse_json_lines (many.out);
  assert_all_distinct (records, 130);
  g_assert_cmpint (sandbox_request_count (fixture) - requests_before, ==, 3);

  sy_cli_run (fixture, NULL, &table, "records", "list", "Warehouse", "wms/sales-orders", "--limit", "7");
  g_assert_cmpint (table.status, ==, 0);
  g_assert_cmpuint (sy_test_count_lines (table.out), ==, 8);

  for (guint i = 0; i < 4; i++)
    {
      const char *bad[] = { "0", "-3", "seven", "" };
      g_auto(SyCliRun) bad_run = { 0 };

      sy_cli_run (fixture, NULL, &bad_run, "records", "list", "Warehouse", "wms/sales-orders", "--limit", bad[i]);
      g_assert_cmpint (bad_run.status, ==, 2);
      sy_cli_assert_one_error_line (&bad_run);
      g_assert_cmpstr (bad_run.out, ==, "");
    }
}

static GDateTime *
parse_updated_at (JsonObject *record)
{
  const char *text = json_object_get_string_member (record, "updatedAt");
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  GDateTime *when;

  g_assert_nonnull (text);
  when = g_date_time_new_from_iso8601 (text, utc);
  g_assert_nonnull (when);
  return when;
}

static int
compare_date_time_pointers (gconstpointer a,
                            gconstpointer b)
{
  return g_date_time_compare (*(GDateTime * const *) a, *(GDateTime * const *) b);
}

static void
test_records_updated_since (Fixture       *fixture,
                            gconstpointer  data)
{
  const char * const args[] = { "--records", "500", NULL };
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) recent = NULL;
  g_autoptr(GPtrArray) stamps = g_ptr_array_new_with_free_func ((GDestroyNotify) g_date_time_unref);
  g_autoptr(GDateTime) threshold = NULL;
  g_autofree char *since = NULL;
  g_auto(SyCliRun) full = { 0 };
  g_auto(SyCliRun) run = { 0 };
  g_auto(SyCliRun) bad = { 0 };
  guint expected = 0;

  start_sandbox (fixture, args);
  sy_cli_add_connection (fixture, "Warehouse", "wms");

  sy_cli_run (fixture, NULL, &full, "records", "list", "Warehouse", "wms/sales-orders", "--json");
  g_assert_cmpint (full.status, ==, 0);
  all = parse_json_lines (full.out);
  g_assert_cmpuint (all->len, ==, 500);

  for (guint i = 0; i < all->len; i++)
    g_ptr_array_add (stamps, parse_updated_at (g_ptr_array_index (all, i)));
  g_ptr_array_sort (stamps, compare_date_time_pointers);
  /* Somewhere in the middle, so that the filter has work either side. */
  threshold = g_date_time_ref (g_ptr_array_index (stamps, stamps->len * 2 / 3));
  for (guint i = 0; i < stamps->len; i++)
    if (g_date_time_compare (g_ptr_array_index (stamps, i), threshold) >= 0)
      expected++;
  g_assert_cmpuint (expected, >, 0);
  g_assert_cmpuint (expected, <, 500);

  /* Given with an offset, to check it is compared as a time. */
  {
    g_autoptr(GTimeZone) plus_two = g_time_zone_new_offset (2 * 3600);
    g_autoptr(GDateTime) local = g_date_time_to_timezone (threshold, plus_two);
    since = g_date_time_format_iso8601 (local);
  }

  sy_cli_run (fixture, NULL, &run, "records", "list", "Warehouse", "wms/sales-orders", "--json",
              "--updated-since", since);
  g_assert_cmpint (run.status, ==, 0);
  recent = parse_json_lines (run.out);
  assert_all_distinct (recent, expected);
  for (guint i = 0; i < recent->len; i++)
    {
      g_autoptr(GDateTime) when = parse_updated_at (g_ptr_array_index (recent, i));

      g_assert_cmpint (g_date_time_compare (when, threshold), >=, 0);
      /* Oldest first. */
      if (i > 0)
        {
          g_autoptr(GDateTime) before = parse_updated_at (g_ptr_array_index (recent, i - 1));
          g_assert_cmpint (g_date_time_compare (before, when), <=, 0);
        }
    }

  sy_cli_run (fixture, NULL, &bad, "records", "list", "Warehouse", "wms/sales-orders", "--updated-since", "yesterday");
  g_assert_cmpint (bad.status, ==, 2);
  sy_cli_assert_one_error_line (&bad);
}

static void
test_records_errors (Fixture       *fixture,
                     gconstpointer  data)
{
  start_sandbox (fixture, NULL);
  sy_cli_add_connection (fixture, "Warehouse", "wms");

  {
    g_auto(SyCliRun) run = { 0 };

    /* A 404 on a list: the entity does not exist for this system. */
    sy_cli_run (fixture, NULL, &run, "records", "list", "Warehouse", "wms/no-such-things");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_true (strstr (run.err, "wms/no-such-things") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    /* Not of the form DOMAIN/NAME: refused before any request. */
    sy_cli_run (fixture, NULL, &run, "records", "list", "Warehouse", "../../etc/passwd");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "records", "list", "Elsewhere", "wms/sales-orders");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_true (strstr (run.err, "Elsewhere") != NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    /* The server goes away: a connection error. */
    sy_sandbox_process_stop (fixture->sandbox);
    sy_cli_run (fixture, NULL, &run, "records", "list", "Warehouse", "wms/sales-orders");
    g_assert_cmpint (run.status, ==, 3);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "connection", "remove", "Warehouse");
    g_assert_cmpint (run.status, ==, 0);
  }
}

/* A server that answers the first page and then misbehaves, as real
 * servers do: the records already printed must stay printed. */
typedef enum
{
  FAIL_UNAUTHORIZED,
  FAIL_SERVER_ERROR,
  FAIL_HTML,
} FailMode;

static void
misbehaving_handler (SoupServer        *server,
                     SoupServerMessage *message,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  FailMode mode = GPOINTER_TO_INT (user_data);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);
  const char *page = query != NULL ? g_hash_table_lookup (query, "page") : NULL;
  g_autoptr(GString) body = g_string_new (NULL);

  soup_message_headers_append (headers, "X-Request-Id", "req-flaky-42");

  if (g_str_equal (path, "/api/integrations/current"))
    {
      g_string_append (body, "{\"data\": {\"platform\": \"flaky\", \"sync_status\": \"done\"}}");
      soup_server_message_set_status (message, 200, NULL);
    }
  else if (g_str_equal (path, "/api/wms/sales-orders") && (page == NULL || g_str_equal (page, "1")))
    {
      g_string_append (body, "{\"data\": [");
      for (guint i = 1; i <= 3; i++)
        g_string_append_printf (body, "%s{\"key\": \"k%u\", \"updatedAt\": \"2024-01-0%uT00:00:00Z\"}",
                                i > 1 ? ", " : "", i, i);
      g_string_append (body, "], \"meta\": {\"current_page\": 1, \"last_page\": 3, \"per_page\": 3, \"total\": 9}}");
      soup_server_message_set_status (message, 200, NULL);
    }
  else if (g_str_equal (path, "/api/wms/sales-orders") && mode == FAIL_UNAUTHORIZED)
    {
      g_string_append (body, "{\"message\": \"Token revoked.\"}");
      soup_server_message_set_status (message, 401, NULL);
    }
  else if (g_str_equal (path, "/api/wms/sales-orders") && mode == FAIL_SERVER_ERROR)
    {
      g_string_append (body, "{\"message\": \"Database on fire.\"}");
      soup_server_message_set_status (message, 500, NULL);
    }
  else if (g_str_equal (path, "/api/wms/sales-orders") && mode == FAIL_HTML)
    {
      soup_server_message_set_status (message, 200, NULL);
      soup_server_message_set_response (message, "text/html", SOUP_MEMORY_COPY,
                                        "<html><body>Maintenance</body></html>", 37);
      return;
    }
  else
    {
      g_string_append (body, "{\"message\": \"Not found.\"}");
      soup_server_message_set_status (message, 404, NULL);
    }

  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY, body->str, body->len);
}

static void
test_records_misbehaving_server (Fixture       *fixture,
                                 gconstpointer  data)
{
  const FailMode modes[] = { FAIL_UNAUTHORIZED, FAIL_SERVER_ERROR, FAIL_HTML };

  for (gsize m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) records = NULL;
      g_autofree char *url = NULL;
      g_auto(SyCliRun) add = { 0 };
      g_auto(SyCliRun) run = { 0 };
      g_auto(SyCliRun) remove = { 0 };
      GSList *uris;

      soup_server_add_handler (server, NULL, misbehaving_handler, GINT_TO_POINTER (modes[m]), NULL);
      soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
      g_assert_no_error (error);
      uris = soup_server_get_uris (server);
      url = g_uri_to_string_partial (uris->data, G_URI_HIDE_NONE);
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
      if (g_str_has_suffix (url, "/"))
        url[strlen (url) - 1] = '\0';

      sy_cli_run (fixture, "flaky-token\n", &add, "connection", "add", "Flaky", "--url", url, "--token-stdin");
      g_assert_cmpint (add.status, ==, 0);
      g_assert_true (strstr (add.out, "flaky") != NULL);

      sy_cli_run (fixture, NULL, &run, "records", "list", "Flaky", "wms/sales-orders", "--json", "--per-page", "3");
      g_assert_cmpint (run.status, ==, 3);
      records = parse_json_lines (run.out);
      assert_all_distinct (records, 3);
      sy_cli_assert_one_error_line (&run);
      /* The server's request id, to quote to its support. */
      g_assert_true (strstr (run.err, "req-flaky-42") != NULL);

      sy_cli_run (fixture, NULL, &remove, "connection", "remove", "Flaky");
      g_assert_cmpint (remove.status, ==, 0);
    }
}

/* Runs the CLI with its standard error on a terminal (a pseudo-terminal
 * this test reads), standard output still a pipe; returns what the
 * terminal showed. */
static char *
run_cli_with_terminal_stderr (Fixture            *fixture,
                              const char * const *args,
                              int                *status)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) argv = sy_cli_argv (fixture, args);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) terminal = g_string_new (NULL);
  g_autofree char *out = NULL;
  int controller, child_side;
  char buffer[4096];
  ssize_t n;

  g_assert_cmpint (openpty (&controller, &child_side, NULL, NULL, NULL), ==, 0);
  g_assert_true (g_unix_set_fd_nonblocking (controller, TRUE, NULL));

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_take_stderr_fd (launcher, child_side);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  /* Only the child keeps the terminal open now. */
  g_clear_object (&launcher);

  g_subprocess_communicate_utf8_async (process, NULL, NULL, sy_test_store_result, &result);
  while (result == NULL)
    {
      g_main_context_iteration (NULL, FALSE);
      while ((n = read (controller, buffer, sizeof buffer)) > 0)
        g_string_append_len (terminal, buffer, n);
      g_usleep (1000);
    }
  g_subprocess_communicate_utf8_finish (process, result, &out, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_subprocess_wait_async (process, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  while ((n = read (controller, buffer, sizeof buffer)) > 0)
    g_string_append_len (terminal, buffer, n);
  close (controller);

  g_assert_true (g_subprocess_get_if_exited (process));
  *status = g_subprocess_get_exit_status (process);
  return g_string_free (g_steal_pointer (&terminal), FALSE);
}

static void
test_records_progress (Fixture       *fixture,
                       gconstpointer  data)
{
  const char * const sandbox_args[] = { "--records", "1000", NULL };
  const char * const table[] = { "records", "list", "Warehouse", "wms/sales-orders", "--per-page", "100", NULL };
  const char * const json[] = { "records", "list", "Warehouse", "wms/sales-orders", "--per-page", "100", "--json", NULL };
  g_autofree char *shown = NULL;
  g_autofree char *shown_json = NULL;
  int status;

  start_sandbox (fixture, sandbox_args);
  sy_cli_add_connection (fixture, "Warehouse", "wms");

  /* On a terminal, long work says how far it got... */
  shown = run_cli_with_terminal_stderr (fixture, table, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (strstr (shown, "Read ") != NULL);
  g_assert_true (strstr (shown, "records") != NULL);
  g_assert_null (strstr (shown, "switchyard-cli:"));

  /* ...but never into machine-readable output's company. */
  shown_json = run_cli_with_terminal_stderr (fixture, json, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (shown_json, ==, "");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("/cli/help", test_help, NULL);
  ADD ("/cli/usage-errors", test_usage_errors, NULL);
  ADD ("/cli/connection/lifecycle", test_lifecycle, NULL);
  ADD ("/cli/connection/wrong-token", test_wrong_token, NULL);
  ADD ("/cli/connection/unreachable", test_unreachable, NULL);
  ADD ("/cli/connection/invalid-input", test_invalid_input, NULL);
  ADD ("/cli/connection/duplicate", test_duplicate, NULL);
  ADD ("/cli/connection/broken-config", test_broken_config, NULL);
  ADD ("/cli/connection/deep-config", test_deep_config, NULL);
  ADD ("/cli/connection/fifo-config", test_fifo_config, NULL);
  ADD ("/cli/connection/no-keyring", test_no_keyring, NULL);
  ADD ("/cli/records/pages", test_records_stream, "pages");
  ADD ("/cli/records/cursor", test_records_stream, "cursor");
  ADD ("/cli/records/limit", test_records_limit, NULL);
  ADD ("/cli/records/alternating-pages", test_records_alternating_pages, NULL);
  ADD ("/cli/records/progress", test_records_progress, NULL);
  ADD ("/cli/records/updated-since", test_records_updated_since, NULL);
  ADD ("/cli/records/errors", test_records_errors, NULL);
  ADD ("/cli/records/misbehaving-server", test_records_misbehaving_server, NULL);

#undef ADD

  return g_test_run ();
}
