/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-cli-test-support.h"
#include "sy-test-support.h"
#include "sy-tls-test-server.h"

/* How a connection's token travels: never in clear text to another machine
 * unless the user said so (and then a warning every time), and over TLS
 * trusted by the system or by the connection's own CA file. */

/* Not resolvable anywhere (RFC 2606), so nothing is ever sent to it, and
 * not this machine, so plain http to it is insecure. */
#define REMOTE_URL "http://switchyard-test.invalid:8080"

typedef struct
{
  SyCliFixture cli;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  sy_cli_fixture_set_up (&fixture->cli, "switchyard-cli-security", TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_cli_fixture_tear_down (&fixture->cli);
}

static guint
count_connections (Fixture *fixture)
{
  g_auto(SyCliRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;

  sy_cli_run (&fixture->cli, NULL, &run, "--json", "connection", "list");
  g_assert_cmpint (run.status, ==, 0);
  root = sy_test_parse_json (run.out);
  return json_array_get_length (json_object_get_array_member (json_node_get_object (root), "connections"));
}

static JsonObject *
saved_options (Fixture    *fixture,
               const char *name)
{
  g_autofree char *path = g_build_filename (fixture->cli.config_dir, "connections.json", NULL);
  g_autofree char *text = sy_test_read_text (path);
  g_autoptr(JsonNode) root = sy_test_parse_json (text);
  JsonArray *connections = json_object_get_array_member (json_node_get_object (root), "connections");

  for (guint i = 0; i < json_array_get_length (connections); i++)
    {
      JsonObject *connection = json_array_get_object_element (connections, i);

      if (g_strcmp0 (json_object_get_string_member (connection, "name"), name) == 0)
        return json_object_ref (json_object_get_object_member (connection, "options"));
    }
  g_assert_not_reached ();
}

/* connections.json as a user might leave it after editing it by hand. */
static void
set_saved_option (Fixture    *fixture,
                  const char *name,
                  const char *option,
                  JsonNode   *value)
{
  g_autofree char *path = g_build_filename (fixture->cli.config_dir, "connections.json", NULL);
  g_autofree char *text = sy_test_read_text (path);
  g_autoptr(JsonNode) root = sy_test_parse_json (text);
  g_autofree char *written = NULL;
  JsonArray *connections = json_object_get_array_member (json_node_get_object (root), "connections");

  for (guint i = 0; i < json_array_get_length (connections); i++)
    {
      JsonObject *connection = json_array_get_object_element (connections, i);

      if (g_strcmp0 (json_object_get_string_member (connection, "name"), name) == 0)
        {
          JsonObject *options = json_object_get_object_member (connection, "options");

          if (value != NULL)
            json_object_set_member (options, option, value);
          else
            json_object_remove_member (options, option);
        }
    }
  written = json_to_string (root, TRUE);
  g_assert_true (g_file_set_contents (path, written, -1, NULL));
}

static void
test_insecure_http_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };

  sy_cli_run (&fixture->cli, "a-token\n", &run,
              "connection", "add", "Remote", "--url", REMOTE_URL, "--token-stdin");
  g_assert_cmpint (run.status, ==, 2);
  sy_cli_assert_one_error_line (&run);
  g_assert_nonnull (strstr (run.err, "unencrypted"));
  g_assert_nonnull (strstr (run.err, REMOTE_URL));
  g_assert_cmpuint (count_connections (fixture), ==, 0);
}

static void
test_insecure_http_allowed_warns (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_auto(SyCliRun) add = { 0 };
  g_auto(SyCliRun) test = { 0 };
  g_auto(SyCliRun) records = { 0 };
  g_auto(SyCliRun) replace = { 0 };
  g_auto(SyCliRun) refused = { 0 };
  g_auto(SyCliRun) removed = { 0 };
  g_autoptr(JsonObject) options = NULL;
  const char *warning = "Warning: the token of “Remote” is sent unencrypted over plain HTTP to " REMOTE_URL;

  /* Saving sends nothing: no warning yet. */
  sy_cli_run (&fixture->cli, "a-token\n", &add,
              "connection", "add", "Remote", "--url", REMOTE_URL, "--token-stdin",
              "--allow-insecure-http", "--no-test");
  g_assert_cmpint (add.status, ==, 0);
  g_assert_null (strstr (add.err, "Warning"));
  options = saved_options (fixture, "Remote");
  g_assert_true (json_object_get_boolean_member (options, "allow_insecure_http"));

  /* Every command that sends the token says so first. */
  sy_cli_run (&fixture->cli, NULL, &test, "connection", "test", "Remote");
  g_assert_cmpint (test.status, ==, 3);
  g_assert_true (g_str_has_prefix (test.err, "switchyard-cli: "));
  g_assert_nonnull (strstr (test.err, warning));

  sy_cli_run (&fixture->cli, NULL, &records, "records", "list", "Remote", "wms/products");
  g_assert_cmpint (records.status, ==, 3);
  g_assert_nonnull (strstr (records.err, warning));

  /* --replace restates the connection: without the flag, refused. */
  sy_cli_run (&fixture->cli, "another-token\n", &replace,
              "connection", "add", "Remote", "--replace", "--token-stdin", "--no-test");
  g_assert_cmpint (replace.status, ==, 2);
  g_assert_nonnull (strstr (replace.err, "unencrypted"));

  /* A connection whose permission went (connections.json edited by hand)
   * is refused before its token is used. */
  set_saved_option (fixture, "Remote", "allow_insecure_http", NULL);
  sy_cli_run (&fixture->cli, NULL, &refused, "connection", "test", "Remote");
  g_assert_cmpint (refused.status, ==, 2);
  sy_cli_assert_one_error_line (&refused);
  g_assert_null (strstr (refused.err, "Warning"));
  g_assert_nonnull (strstr (refused.err, "unencrypted"));

  sy_cli_run (&fixture->cli, NULL, &removed, "connection", "remove", "Remote");
  g_assert_cmpint (removed.status, ==, 0);
}

static void
test_bad_ca_file_refused (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fixture->cli.work_dir, "no-such-ca.pem", NULL);
  g_autofree char *expected = g_strdup_printf ("The CA file “%s” cannot be used", missing);
  g_auto(SyCliRun) run = { 0 };
  g_auto(SyCliRun) empty = { 0 };
  g_autofree char *not_pem = g_build_filename (fixture->cli.work_dir, "notes.txt", NULL);

  sy_cli_run (&fixture->cli, "a-token\n", &run,
              "connection", "add", "Private", "--url", "https://127.0.0.1:9",
              "--ca-file", missing, "--token-stdin");
  g_assert_cmpint (run.status, ==, 2);
  sy_cli_assert_one_error_line (&run);
  g_assert_nonnull (strstr (run.err, expected));

  /* Relative to where the command runs, as a user types it. */
  g_assert_true (g_file_set_contents (not_pem, "no certificate here\n", -1, NULL));
  sy_cli_run (&fixture->cli, "a-token\n", &empty,
              "connection", "add", "Private", "--url", "https://127.0.0.1:9",
              "--ca-file", "notes.txt", "--token-stdin");
  g_assert_cmpint (empty.status, ==, 2);
  sy_cli_assert_one_error_line (&empty);
  g_assert_nonnull (strstr (empty.err, not_pem));

  g_assert_cmpuint (count_connections (fixture), ==, 0);
}

/* A server only a private CA vouches for: refused with the system's trust,
 * accepted with --ca-file. */
static void
test_ca_file_trusted (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(SyTlsTestServer) server = sy_tls_test_server_new (fixture->cli.work_dir, "private-token");
  g_auto(SyCliRun) untrusted = { 0 };
  g_auto(SyCliRun) trusted = { 0 };
  g_auto(SyCliRun) test = { 0 };
  g_autoptr(JsonObject) options = NULL;

  sy_cli_run (&fixture->cli, "private-token\n", &untrusted,
              "connection", "add", "Untrusted", "--url", sy_tls_test_server_get_url (server), "--token-stdin");
  g_assert_cmpint (untrusted.status, ==, 3);
  g_assert_cmpuint (sy_tls_test_server_get_n_requests (server), ==, 0);

  sy_cli_run (&fixture->cli, "private-token\n", &trusted,
              "connection", "add", "Private", "--url", sy_tls_test_server_get_url (server),
              "--ca-file", "ca.pem", "--token-stdin");
  g_assert_cmpint (trusted.status, ==, 0);
  g_assert_cmpstr (trusted.out, ==, "Added “Private” (odoo)\n");
  g_assert_cmpuint (sy_tls_test_server_get_n_requests (server), ==, 1);

  /* Kept as a path (the certificate is no secret), made absolute. */
  options = saved_options (fixture, "Private");
  g_assert_cmpstr (json_object_get_string_member (options, "ca_file"), ==, sy_tls_test_server_get_ca_file (server));

  sy_cli_run (&fixture->cli, NULL, &test, "connection", "test", "Private");
  g_assert_cmpint (test.status, ==, 0);
  g_assert_cmpuint (sy_tls_test_server_get_n_requests (server), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/cli/connection-security/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("insecure-http-refused", test_insecure_http_refused);
  ADD ("insecure-http-allowed-warns", test_insecure_http_allowed_warns);
  ADD ("bad-ca-file-refused", test_bad_ca_file_refused);
  ADD ("ca-file-trusted", test_ca_file_trusted);
#undef ADD

  return g_test_run ();
}
