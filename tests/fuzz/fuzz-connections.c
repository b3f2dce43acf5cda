/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>

#include <glib/gstdio.h>

#include "sy-connection-store.h"
#include "sy-error.h"
#include "sy-fuzz.h"

/* A connections.json as found on disk, loaded by SyConnectionStore. A file
 * that loads must save and load again to the same connections; one that
 * does not is moved aside with a message fit to show. */

static char *config_dir;
static char *config_path;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  sy_fuzz_init ();
  config_dir = g_build_filename (sy_fuzz_get_tmpdir (), "config", NULL);
  config_path = g_build_filename (config_dir, "connections.json", NULL);
  g_mkdir_with_parents (config_dir, 0700);
  return 0;
}

static void
clear_config_dir (void)
{
  g_autoptr(GDir) dir = g_dir_open (config_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (config_dir, name, NULL);

      g_unlink (path);
    }
}

static void
touch_connection (SyConnection *connection)
{
  g_autoptr(JsonNode) json = sy_connection_to_json (connection);

  if (!g_utf8_validate (sy_connection_get_id (connection), -1, NULL) ||
      !g_utf8_validate (sy_connection_get_name (connection), -1, NULL) ||
      !g_utf8_validate (sy_connection_get_base_url (connection), -1, NULL))
    abort ();
  (void) sy_connection_get_platform (connection);
  (void) sy_connection_get_domain (connection);
  (void) sy_connection_get_options (connection);
  if (json == NULL || !JSON_NODE_HOLDS_OBJECT (json))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConnectionStore) store = NULL;
  g_autoptr(SyConnectionStore) again = NULL;
  guint n;

  clear_config_dir ();
  if (!g_file_set_contents (config_path, (const char *) data, size, &error))
    abort ();

  store = sy_connection_store_new (config_dir);
  if (!sy_connection_store_load (store, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    {
      /* A newer version's file: kept as it is, and never overwritten. */
      sy_fuzz_assert_text (error->message);
      g_clear_error (&error);
      if (!g_file_test (config_path, G_FILE_TEST_EXISTS) ||
          g_list_model_get_n_items (G_LIST_MODEL (store)) != 0 ||
          sy_connection_store_save (store, &error))
        abort ();
      clear_config_dir ();
      return 0;
    }
  if (error != NULL)
    {
      if (!g_error_matches (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE) ||
          sy_connection_store_get_broken_path (store) == NULL ||
          g_list_model_get_n_items (G_LIST_MODEL (store)) != 0)
        abort ();
      sy_fuzz_assert_text (error->message);
      /* Moved aside, never left in place to fail again. */
      if (g_file_test (config_path, G_FILE_TEST_EXISTS))
        abort ();
      clear_config_dir ();
      return 0;
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (store));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyConnection) connection = g_list_model_get_item (G_LIST_MODEL (store), i);

      touch_connection (connection);
      if (sy_connection_store_find_by_id (store, sy_connection_get_id (connection)) == NULL ||
          sy_connection_store_find_by_name (store, sy_connection_get_name (connection)) == NULL)
        abort ();
    }

  /* A store that loaded saves, and what it saved loads the same. A store
   * may refuse to save (a newer version's file); then it says so. */
  if (!sy_connection_store_save (store, &error))
    {
      sy_fuzz_assert_text (error->message);
      clear_config_dir ();
      return 0;
    }
  again = sy_connection_store_new (config_dir);
  if (!sy_connection_store_load (again, &error))
    {
      g_printerr ("a saved connections.json does not load: %s\n", error->message);
      abort ();
    }
  if (g_list_model_get_n_items (G_LIST_MODEL (again)) != n)
    abort ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyConnection) a = g_list_model_get_item (G_LIST_MODEL (store), i);
      g_autoptr(SyConnection) b = g_list_model_get_item (G_LIST_MODEL (again), i);

      if (g_strcmp0 (sy_connection_get_id (a), sy_connection_get_id (b)) != 0 ||
          g_strcmp0 (sy_connection_get_name (a), sy_connection_get_name (b)) != 0 ||
          g_strcmp0 (sy_connection_get_base_url (a), sy_connection_get_base_url (b)) != 0 ||
          g_strcmp0 (sy_connection_get_platform (a), sy_connection_get_platform (b)) != 0 ||
          g_strcmp0 (sy_connection_get_domain (a), sy_connection_get_domain (b)) != 0)
        abort ();
    }

  clear_config_dir ();
  return 0;
}
