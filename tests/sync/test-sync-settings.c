/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-connection.h"
#include "sy-sync-settings.h"
#include "sy-sync-types.h"
#include "sy-test-support.h"

/* The test runs with GSETTINGS_BACKEND=memory and the build tree's
 * compiled schema (tests/meson.build), so writes stay in this process. */

static GSettings *
new_settings (void)
{
  GSettings *settings = sy_settings_new_if_installed ();

  g_assert_nonnull (settings);
  return settings;
}

static void
reset_all (GSettings *settings)
{
  const char *keys[] = { "sync-batch-size", "sync-delay-ms", "sync-concurrency", "sync-max-rps",
                         "request-timeout", "default-base-url" };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_reset (settings, keys[i]);
}

/* Whether the schema is there or not, a sync starts with the same values. */
static void
test_schema_defaults_match_builtin (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *url = NULL;
  SySyncOptions builtin, from_settings;

  reset_all (settings);
  sy_sync_options_init (&builtin);
  sy_sync_options_init_from_settings (&from_settings);

  g_assert_cmpuint (from_settings.batch_size, ==, builtin.batch_size);
  g_assert_cmpuint (from_settings.delay_ms, ==, builtin.delay_ms);
  g_assert_cmpuint (from_settings.concurrency, ==, builtin.concurrency);
  g_assert_cmpfloat (from_settings.max_rps, ==, builtin.max_rps);
  g_assert_cmpuint (from_settings.timeout_s, ==, builtin.timeout_s);
  g_assert_cmpuint (from_settings.max_attempts, ==, builtin.max_attempts);
  g_assert_false (from_settings.full);
  g_assert_false (from_settings.dry_run);

  url = sy_settings_get_default_base_url ();
  g_assert_cmpstr (url, ==, SY_DEFAULT_BASE_URL);
  g_assert_cmpuint (sy_settings_get_request_timeout (), ==, builtin.timeout_s);
}

static void
test_changed_keys_come_through (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *url = NULL;
  SySyncOptions options;
  g_autoptr(GError) error = NULL;

  g_settings_set_uint (settings, "sync-batch-size", 75);
  g_settings_set_uint (settings, "sync-delay-ms", 1500);
  g_settings_set_uint (settings, "sync-concurrency", 9);
  g_settings_set_double (settings, "sync-max-rps", 2.5);
  g_settings_set_uint (settings, "request-timeout", 7);
  g_settings_set_string (settings, "default-base-url", "http://127.0.0.1:8080");

  sy_sync_options_init_from_settings (&options);
  g_assert_cmpuint (options.batch_size, ==, 75);
  g_assert_cmpuint (options.delay_ms, ==, 1500);
  g_assert_cmpuint (options.concurrency, ==, 9);
  g_assert_cmpfloat (options.max_rps, ==, 2.5);
  g_assert_cmpuint (options.timeout_s, ==, 7);
  /* What the preferences hold is always a valid set of options. */
  g_assert_true (sy_sync_options_validate (&options, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (sy_settings_get_request_timeout (), ==, 7);
  url = sy_settings_get_default_base_url ();
  g_assert_cmpstr (url, ==, "http://127.0.0.1:8080");

  /* Extremes of the schema's ranges are still options the engine takes. */
  g_settings_set_uint (settings, "sync-batch-size", 100);
  g_settings_set_uint (settings, "sync-concurrency", 32);
  g_settings_set_double (settings, "sync-max-rps", 1000);
  sy_sync_options_init_from_settings (&options);
  g_assert_cmpuint (options.batch_size, ==, 100);
  g_assert_cmpuint (options.concurrency, ==, 32);
  g_assert_true (sy_sync_options_validate (&options, &error));
  g_assert_no_error (error);

  reset_all (settings);
}

/* An empty address is not an address: new connections get the built-in
 * one rather than an empty field. */
static void
test_empty_base_url (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *url = NULL;

  g_settings_set_string (settings, "default-base-url", "   ");
  url = sy_settings_get_default_base_url ();
  g_assert_cmpstr (url, ==, SY_DEFAULT_BASE_URL);

  reset_all (settings);
}

static char *self_path;

/* What the child below prints. */
static int
print_settings_without_schema (void)
{
  g_autoptr(GSettings) settings = sy_settings_new_if_installed ();
  g_autofree char *url = sy_settings_get_default_base_url ();
  SySyncOptions options;

  sy_sync_options_init_from_settings (&options);
  g_print ("installed=%s batch=%u delay=%u concurrency=%u rps=%g timeout=%u request-timeout=%u url=%s\n",
           settings != NULL ? "yes" : "no", options.batch_size, options.delay_ms,
           options.concurrency, options.max_rps, options.timeout_s,
           sy_settings_get_request_timeout (), url);
  return 0;
}

/* g_settings_new() aborts on an unknown schema; running from the build
 * tree or a CLI installed without the app must not. The child starts with
 * no schema anywhere: its environment is set before GIO looks. */
static void
test_missing_schema (void)
{
  g_autofree char *empty = sy_test_make_tmpdir ("switchyard-no-schemas");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  SySyncOptions builtin;

  g_subprocess_launcher_setenv (launcher, "SY_TEST_PRINT_SETTINGS", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_SCHEMA_DIR", empty, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_DIRS", empty, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", empty, TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, self_path, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (child, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_test_message ("child: %s%s", out, err);

  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);

  sy_sync_options_init (&builtin);
  expected = g_strdup_printf ("installed=no batch=%u delay=%u concurrency=%u rps=%g timeout=%u request-timeout=%u url=%s\n",
                              builtin.batch_size, builtin.delay_ms, builtin.concurrency,
                              builtin.max_rps, builtin.timeout_s, builtin.timeout_s, SY_DEFAULT_BASE_URL);
  g_assert_cmpstr (out, ==, expected);

  sy_test_remove_tree (empty);
}

int
main (int   argc,
      char *argv[])
{
  if (g_getenv ("SY_TEST_PRINT_SETTINGS") != NULL)
    return print_settings_without_schema ();

  g_test_init (&argc, &argv, NULL);
  self_path = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (self_path);

  g_test_add_func ("/sync-settings/schema-defaults-match-builtin", test_schema_defaults_match_builtin);
  g_test_add_func ("/sync-settings/changed-keys", test_changed_keys_come_through);
  g_test_add_func ("/sync-settings/empty-base-url", test_empty_base_url);
  g_test_add_func ("/sync-settings/missing-schema", test_missing_schema);

  {
    int status = g_test_run ();

    g_free (self_path);
    return status;
  }
}
