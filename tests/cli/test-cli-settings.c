/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "sy-cli-test-support.h"
#include "sy-connection.h"
#include "sy-test-support.h"

/* switchyard-cli reads the preferences the app's preferences window
 * writes. The CLI children here use GLib's keyfile backend in a directory
 * of the test's own, so that the test can set their preferences as a
 * file, as dconf would hand them over. */

typedef struct
{
  SyCliFixture  cli;
  char         *settings_home;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const char * const *sandbox_args = data;

  sy_cli_fixture_set_up (&fixture->cli, "switchyard-cli-settings", FALSE);
  fixture->cli.sandbox = sy_test_start_sandbox (sandbox_args);
  fixture->settings_home = sy_test_make_tmpdir ("switchyard-cli-settings-home");

  /* Inherited by every CLI the test starts; this process itself keeps to
   * the memory backend it began with. */
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  g_setenv ("XDG_CONFIG_HOME", fixture->settings_home, TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_cli_fixture_tear_down (&fixture->cli);
  sy_test_remove_tree (fixture->settings_home);
  g_free (fixture->settings_home);
}

/* Writes the preferences as the keyfile backend keeps them; values in
 * GVariant text format, NULL-terminated key/value pairs. */
static void
write_preferences (Fixture    *fixture,
                   const char *first_key,
                   ...)
{
  g_autofree char *dir = g_build_filename (fixture->settings_home, "glib-2.0", "settings", NULL);
  g_autofree char *path = g_build_filename (dir, "keyfile", NULL);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  const char *key = first_key;
  va_list args;

  va_start (args, first_key);
  while (key != NULL)
    {
      g_key_file_set_string (keyfile, "io/github/switchyard/Switchyard", key, va_arg (args, const char *));
      key = va_arg (args, const char *);
    }
  va_end (args);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_key_file_save_to_file (keyfile, path, &error));
  g_assert_no_error (error);
}

static char *
quoted (const char *text)
{
  g_autoptr(GVariant) variant = g_variant_ref_sink (g_variant_new_string (text));

  return g_variant_print (variant, FALSE);
}

static JsonObject *
find_connection (Fixture    *fixture,
                 const char *name)
{
  g_auto(SyCliRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonArray *connections;

  sy_cli_run (&fixture->cli, NULL, &run, "--json", "connection", "list");
  g_assert_cmpint (run.status, ==, 0);
  root = sy_test_parse_json (run.out);
  connections = json_object_get_array_member (json_node_get_object (root), "connections");
  for (guint i = 0; i < json_array_get_length (connections); i++)
    {
      JsonObject *connection = json_array_get_object_element (connections, i);

      if (g_strcmp0 (json_object_get_string_member (connection, "name"), name) == 0)
        return json_object_ref (connection);
    }
  return NULL;
}

static void
remove_connection (Fixture    *fixture,
                   const char *name)
{
  g_auto(SyCliRun) run = { 0 };

  sy_cli_run (&fixture->cli, NULL, &run, "connection", "remove", name);
  g_assert_cmpint (run.status, ==, 0);
}

/* `connection add NAME` without --url: the default API address of the
 * preferences, tested against the real server there; --replace without
 * --url keeps the address the connection has. */
static void
test_add_uses_default_base_url (Fixture       *fixture,
                                gconstpointer  data)
{
  const char *sandbox_url = sy_sandbox_process_get_url (fixture->cli.sandbox);
  g_autofree char *input = g_strconcat (sy_sandbox_process_get_token (fixture->cli.sandbox, "wms"), "\n", NULL);
  g_autofree char *url_value = quoted (sandbox_url);
  g_autoptr(JsonObject) connection = NULL;
  g_auto(SyCliRun) add = { 0 };
  g_auto(SyCliRun) replace = { 0 };
  g_auto(SyCliRun) test = { 0 };

  write_preferences (fixture, "default-base-url", url_value, NULL);

  sy_cli_run (&fixture->cli, input, &add, "connection", "add", "Warehouse", "--token-stdin");
  g_assert_cmpint (add.status, ==, 0);
  connection = find_connection (fixture, "Warehouse");
  g_assert_nonnull (connection);
  g_assert_cmpstr (json_object_get_string_member (connection, "base_url"), ==, sandbox_url);
  /* The test against the sandbox told the CLI which system it is. */
  g_assert_cmpstr (json_object_get_string_member (connection, "platform"), ==, "mintsoft");
  g_clear_pointer (&connection, json_object_unref);

  /* Another default later does not move a connection that is replaced. */
  write_preferences (fixture, "default-base-url", "'http://127.0.0.1:9'", NULL);
  sy_cli_run (&fixture->cli, input, &replace, "connection", "add", "Warehouse", "--replace", "--token-stdin");
  g_assert_cmpint (replace.status, ==, 0);
  connection = find_connection (fixture, "Warehouse");
  g_assert_cmpstr (json_object_get_string_member (connection, "base_url"), ==, sandbox_url);

  sy_cli_run (&fixture->cli, NULL, &test, "connection", "test", "Warehouse");
  g_assert_cmpint (test.status, ==, 0);

  remove_connection (fixture, "Warehouse");
}

/* No preferences written: the built-in address, not an error. */
static void
test_add_without_preferences (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(JsonObject) connection = NULL;
  g_auto(SyCliRun) add = { 0 };

  /* --no-test: the built-in address is on the internet. */
  sy_cli_run (&fixture->cli, "some-token\n", &add, "connection", "add", "Remote", "--token-stdin", "--no-test");
  g_assert_cmpint (add.status, ==, 0);
  connection = find_connection (fixture, "Remote");
  g_assert_nonnull (connection);
  g_assert_cmpstr (json_object_get_string_member (connection, "base_url"), ==, SY_DEFAULT_BASE_URL);

  remove_connection (fixture, "Remote");
}

/* The request timeout of the preferences bounds the CLI's requests: a
 * server slower than it is given up on, one within it is waited for. */
static void
test_request_timeout (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *sandbox_url = sy_sandbox_process_get_url (fixture->cli.sandbox);
  g_autofree char *input = g_strconcat (sy_sandbox_process_get_token (fixture->cli.sandbox, "wms"), "\n", NULL);
  g_auto(SyCliRun) add = { 0 };
  g_auto(SyCliRun) slow = { 0 };
  g_auto(SyCliRun) patient = { 0 };

  sy_cli_run (&fixture->cli, input, &add, "connection", "add", "Slow", "--url", sandbox_url,
              "--token-stdin", "--no-test");
  g_assert_cmpint (add.status, ==, 0);

  write_preferences (fixture, "request-timeout", "uint32 1", NULL);
  sy_cli_run (&fixture->cli, NULL, &slow, "records", "list", "Slow", "wms/products", "--limit", "1");
  g_assert_cmpint (slow.status, ==, 3);
  g_assert_nonnull (strstr (slow.err, "within 1 second"));

  write_preferences (fixture, "request-timeout", "uint32 20", NULL);
  sy_cli_run (&fixture->cli, NULL, &patient, "--json", "records", "list", "Slow", "wms/products", "--limit", "1");
  g_assert_cmpint (patient.status, ==, 0);
  g_assert_cmpuint (sy_test_count_lines (patient.out), ==, 1);

  remove_connection (fixture, "Slow");
}

int
main (int   argc,
      char *argv[])
{
  static const char * const slow_sandbox[] = { "--latency-ms", "1800", NULL };

  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli-settings/add-uses-default-base-url", Fixture, NULL,
              fixture_set_up, test_add_uses_default_base_url, fixture_tear_down);
  g_test_add ("/cli-settings/add-without-preferences", Fixture, NULL,
              fixture_set_up, test_add_without_preferences, fixture_tear_down);
  g_test_add ("/cli-settings/request-timeout", Fixture, slow_sandbox,
              fixture_set_up, test_request_timeout, fixture_tear_down);

  return g_test_run ();
}
