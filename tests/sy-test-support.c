/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/wait.h>

#include "sy-paths.h"
#include "sy-test-support.h"

char *
sy_test_make_tmpdir (const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("%s-XXXXXX", prefix ? prefix : "switchyard-test");
  char *path = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return path;
}

void
sy_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      sy_test_remove_tree (child);
    }
  g_rmdir (path);
}

void
sy_test_store_result (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

void
sy_test_await (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

SySandboxProcess *
sy_test_start_sandbox (const char * const *extra_args)
{
  g_autoptr(SySandboxProcess) sandbox = sy_sandbox_process_new (extra_args);
  g_autoptr(GError) error = NULL;

  sy_sandbox_process_start_sync (sandbox, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sy_sandbox_process_get_url (sandbox));

  return g_steal_pointer (&sandbox);
}

static void
collect_files_containing (const char *dir_path,
                          const char *needle,
                          GPtrArray  *found)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          collect_files_containing (path, needle, found);
          continue;
        }
      if (g_file_get_contents (path, &contents, &length, NULL) &&
          memmem (contents, length, needle, strlen (needle)) != NULL)
        g_ptr_array_add (found, g_steal_pointer (&path));
    }
}

GPtrArray *
sy_test_files_containing (const char *dir,
                          const char *needle)
{
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);

  collect_files_containing (dir, needle, found);
  return found;
}

void
sy_test_run_sandbox_binary (const char * const *args,
                            int                *exit_status,
                            char              **out,
                            char              **err)
{
  g_autofree char *program = sy_paths_find_sandbox ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  g_assert_nonnull (program);
  g_ptr_array_add (argv, program);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  *exit_status = WEXITSTATUS (wait_status);
}

guint
sy_test_count_dir_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;
  return count;
}

guint
sy_test_count_open_files (const char *pid)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "fd", NULL);

  return sy_test_count_dir_entries (path);
}
