/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>

#include "sy-paths.h"

static char *
dir_from_env_or (const char *variable,
                 const char *fallback_base)
{
  const char *value = g_getenv (variable);

  if (value != NULL && *value != '\0')
    return g_strdup (value);

  return g_build_filename (fallback_base, "switchyard", NULL);
}

char *
sy_paths_get_default_config_dir (void)
{
  return dir_from_env_or ("SWITCHYARD_CONFIG_DIR", g_get_user_config_dir ());
}

char *
sy_paths_get_default_state_dir (void)
{
  const char *xdg_state = g_getenv ("XDG_STATE_HOME");
  g_autofree char *fallback = NULL;

  /* g_get_user_state_dir() is GLib 2.72, but it caches the variable at
   * first use, which tests that change it cannot live with. */
  if (xdg_state != NULL && g_path_is_absolute (xdg_state))
    fallback = g_strdup (xdg_state);
  else
    fallback = g_build_filename (g_get_home_dir (), ".local", "state", NULL);

  return dir_from_env_or ("SWITCHYARD_STATE_DIR", fallback);
}

static char *
executable_if_present (const char *path)
{
  if (path != NULL && g_file_test (path, G_FILE_TEST_IS_EXECUTABLE) &&
      !g_file_test (path, G_FILE_TEST_IS_DIR))
    return g_strdup (path);
  return NULL;
}

char *
sy_paths_find_sandbox (void)
{
  g_autofree char *self_exe = NULL;
  char *found;

  if ((found = executable_if_present (g_getenv ("SWITCHYARD_SANDBOX"))))
    return found;

  /* In the build tree, the programs sit in sibling directories:
   * src/gui/switchyard, src/cli/switchyard-cli, src/sandbox/switchyard-sandbox. */
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self_exe);
      g_autofree char *sibling = g_build_filename (dir, "switchyard-sandbox", NULL);
      g_autofree char *build_tree = g_build_filename (dir, "..", "sandbox", "switchyard-sandbox", NULL);
      g_autofree char *from_tests = g_build_filename (dir, "..", "src", "sandbox", "switchyard-sandbox", NULL);

      if ((found = executable_if_present (sibling)) ||
          (found = executable_if_present (build_tree)) ||
          (found = executable_if_present (from_tests)))
        return found;
    }

  {
    g_autofree char *installed = g_build_filename (BINDIR, "switchyard-sandbox", NULL);
    if ((found = executable_if_present (installed)))
      return found;
  }

  return g_find_program_in_path ("switchyard-sandbox");
}
