/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <unistd.h>

#include <glib/gstdio.h>

#include "sy-paths.h"
#include "sy-test-support.h"

/* Set before GLib caches it (g_get_user_config_dir() reads it once). */
static char *xdg_config_home;

static void
test_config_dir_override (void)
{
  g_autofree char *dir = NULL;

  g_setenv ("SWITCHYARD_CONFIG_DIR", "/some/where/config", TRUE);
  dir = sy_paths_get_default_config_dir ();
  g_assert_cmpstr (dir, ==, "/some/where/config");
  g_unsetenv ("SWITCHYARD_CONFIG_DIR");
}

static void
test_config_dir_xdg (void)
{
  g_autofree char *expected = g_build_filename (xdg_config_home, "switchyard", NULL);
  g_autofree char *unset_dir = NULL;
  g_autofree char *empty_dir = NULL;

  g_unsetenv ("SWITCHYARD_CONFIG_DIR");
  unset_dir = sy_paths_get_default_config_dir ();
  g_assert_cmpstr (unset_dir, ==, expected);

  /* An empty override is no override. */
  g_setenv ("SWITCHYARD_CONFIG_DIR", "", TRUE);
  empty_dir = sy_paths_get_default_config_dir ();
  g_assert_cmpstr (empty_dir, ==, expected);
  g_unsetenv ("SWITCHYARD_CONFIG_DIR");
}

static void
test_state_dir_override (void)
{
  g_autofree char *dir = NULL;

  g_setenv ("SWITCHYARD_STATE_DIR", "/some/where/state", TRUE);
  g_setenv ("XDG_STATE_HOME", "/ignored/state", TRUE);
  dir = sy_paths_get_default_state_dir ();
  g_assert_cmpstr (dir, ==, "/some/where/state");
  g_unsetenv ("SWITCHYARD_STATE_DIR");
}

static void
test_state_dir_xdg (void)
{
  g_autofree char *from_xdg = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *from_home = NULL;
  g_autofree char *relative = NULL;
  g_autofree char *home_expected = g_build_filename (g_get_home_dir (), ".local", "state", "switchyard", NULL);

  g_unsetenv ("SWITCHYARD_STATE_DIR");

  g_setenv ("XDG_STATE_HOME", "/xdg/state", TRUE);
  from_xdg = sy_paths_get_default_state_dir ();
  g_assert_cmpstr (from_xdg, ==, "/xdg/state/switchyard");

  /* Unlike g_get_user_state_dir(), a later change is seen. */
  g_setenv ("XDG_STATE_HOME", "/other/state", TRUE);
  changed = sy_paths_get_default_state_dir ();
  g_assert_cmpstr (changed, ==, "/other/state/switchyard");

  g_unsetenv ("XDG_STATE_HOME");
  from_home = sy_paths_get_default_state_dir ();
  g_assert_cmpstr (from_home, ==, home_expected);

  /* The XDG spec says to ignore relative paths. */
  g_setenv ("XDG_STATE_HOME", "relative/state", TRUE);
  relative = sy_paths_get_default_state_dir ();
  g_assert_cmpstr (relative, ==, home_expected);
  g_unsetenv ("XDG_STATE_HOME");
}

static void
test_find_sandbox_from_env (void)
{
  g_autofree char *tmp = sy_test_make_tmpdir ("switchyard-paths");
  g_autofree char *program = g_build_filename (tmp, "my-sandbox", NULL);
  g_autofree char *plain_file = g_build_filename (tmp, "not-executable", NULL);
  g_autofree char *saved = g_strdup (g_getenv ("SWITCHYARD_SANDBOX"));
  g_autofree char *found = NULL;
  g_autofree char *found_plain = NULL;
  g_autofree char *found_dir = NULL;

  g_assert_true (g_file_set_contents (program, "#!/bin/sh\nexit 0\n", -1, NULL));
  g_assert_cmpint (g_chmod (program, 0755), ==, 0);
  g_assert_true (g_file_set_contents (plain_file, "", -1, NULL));
  g_assert_cmpint (g_chmod (plain_file, 0644), ==, 0);

  g_setenv ("SWITCHYARD_SANDBOX", program, TRUE);
  found = sy_paths_find_sandbox ();
  g_assert_cmpstr (found, ==, program);

  /* Something that cannot be run is passed over (for a non-root user;
   * root may execute any file, so only a directory is certain). */
  g_setenv ("SWITCHYARD_SANDBOX", tmp, TRUE);
  found_dir = sy_paths_find_sandbox ();
  g_assert_cmpstr (found_dir, !=, tmp);
  if (found_dir != NULL)
    g_assert_true (g_file_test (found_dir, G_FILE_TEST_IS_EXECUTABLE));

  if (geteuid () != 0)
    {
      g_setenv ("SWITCHYARD_SANDBOX", plain_file, TRUE);
      found_plain = sy_paths_find_sandbox ();
      g_assert_cmpstr (found_plain, !=, plain_file);
    }

  if (saved != NULL)
    g_setenv ("SWITCHYARD_SANDBOX", saved, TRUE);
  else
    g_unsetenv ("SWITCHYARD_SANDBOX");
  sy_test_remove_tree (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *tmp = g_dir_make_tmp ("switchyard-paths-XXXXXX", NULL);
  int result;

  g_assert_nonnull (tmp);
  xdg_config_home = g_build_filename (tmp, "xdg-config", NULL);
  g_setenv ("XDG_CONFIG_HOME", xdg_config_home, TRUE);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/paths/config-dir/override", test_config_dir_override);
  g_test_add_func ("/paths/config-dir/xdg", test_config_dir_xdg);
  g_test_add_func ("/paths/state-dir/override", test_state_dir_override);
  g_test_add_func ("/paths/state-dir/xdg", test_state_dir_xdg);
  g_test_add_func ("/paths/find-sandbox/env", test_find_sandbox_from_env);

  result = g_test_run ();

  g_rmdir (tmp);
  g_free (xdg_config_home);
  return result;
}
