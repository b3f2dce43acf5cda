/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "sy-mapping-library.h"
#include "sy-test-support.h"

/* The mappings folder as a list model: titles from the files, sorted,
 * broken files listed with their reason, changes on disk picked up by the
 * monitor, items kept across readings, and the lookup by connection that
 * the removal dialog asks. */

static char *
mapping_text (const char *name,
              const char *source,
              const char *target)
{
  return g_strdup_printf ("{\n  \"version\": 1,\n  \"name\": \"%s\",\n"
                          "  \"source\": {\"connection\": \"%s\", \"entity\": \"wms/sales-orders\"},\n"
                          "  \"target\": {\"connection\": \"%s\", \"entity\": \"erp/sales-orders\"},\n"
                          "  \"match\": {\"source\": \"key\", \"target\": \"code\"},\n"
                          "  \"fields\": [\n    {\"target\": \"code\", \"source\": \"key\"}\n  ]\n}\n",
                          name, source, target);
}

static void
write_mapping (const char *dir,
               const char *file_name,
               const char *name,
               const char *source,
               const char *target)
{
  g_autofree char *path = g_build_filename (dir, file_name, NULL);
  g_autofree char *text = mapping_text (name, source, target);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
reload (SyMappingLibrary *library)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_mapping_library_reload_async (library, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_mapping_library_reload_finish (library, result, &error));
  g_assert_no_error (error);
}

static SyMappingLibraryItem *
item_at (SyMappingLibrary *library,
         guint             position)
{
  g_autoptr(SyMappingLibraryItem) item = g_list_model_get_item (G_LIST_MODEL (library), position);

  g_assert_nonnull (item);
  /* The library keeps its own reference. */
  return item;
}

static void
test_titles_sorted_and_broken_files (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("library");
  g_autofree char *broken = g_build_filename (dir, "broken.json", NULL);
  g_autofree char *hidden = g_build_filename (dir, ".hidden.json", NULL);
  g_autoptr(SyMappingLibrary) library = NULL;

  write_mapping (dir, "z-orders.json", "Orders to NetSuite", "Warehouse", "ERP");
  write_mapping (dir, "a-returns.json", "Returns to the warehouse", "ERP", "Warehouse");
  g_assert_true (g_file_set_contents (broken, "{ not json", -1, NULL));
  g_assert_true (g_file_set_contents (hidden, "{}", -1, NULL));

  library = sy_mapping_library_new (dir);
  g_assert_false (sy_mapping_library_get_loaded (library));
  reload (library);
  g_assert_true (sy_mapping_library_get_loaded (library));

  /* By title, not by file name; the broken file keeps its place by its file
   * name and says why it cannot be used; hidden files are not listed. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (library)), ==, 3);
  g_assert_cmpstr (sy_mapping_library_item_get_title (item_at (library, 0)), ==, "broken");
  g_assert_nonnull (sy_mapping_library_item_get_load_error (item_at (library, 0)));
  g_assert_cmpstr (sy_mapping_library_item_get_title (item_at (library, 1)), ==, "Orders to NetSuite");
  g_assert_null (sy_mapping_library_item_get_load_error (item_at (library, 1)));
  g_assert_cmpstr (sy_mapping_library_item_get_source_connection (item_at (library, 1)), ==, "Warehouse");
  g_assert_cmpstr (sy_mapping_library_item_get_target_connection (item_at (library, 1)), ==, "ERP");
  g_assert_cmpstr (sy_mapping_library_item_get_target_entity (item_at (library, 1)), ==, "erp/sales-orders");
  g_assert_cmpstr (sy_mapping_library_item_get_title (item_at (library, 2)), ==, "Returns to the warehouse");

  sy_test_remove_tree (dir);
}

static void
count_changes_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_items_kept_across_readings (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("library");
  g_autoptr(SyMappingLibrary) library = sy_mapping_library_new (dir);
  SyMappingLibraryItem *orders;
  guint changes = 0;

  write_mapping (dir, "orders.json", "Orders", "Warehouse", "ERP");
  reload (library);
  orders = item_at (library, 0);
  g_signal_connect (library, "items-changed", G_CALLBACK (count_changes_cb), &changes);

  /* A rename of the title (same file) updates the same object, and the
   * list does not announce a change it did not have. */
  write_mapping (dir, "orders.json", "Orders, renamed", "Warehouse", "Second ERP");
  reload (library);
  g_assert_true (item_at (library, 0) == orders);
  g_assert_cmpstr (sy_mapping_library_item_get_title (orders), ==, "Orders, renamed");
  g_assert_cmpstr (sy_mapping_library_item_get_target_connection (orders), ==, "Second ERP");
  g_assert_cmpuint (changes, ==, 0);

  /* A new file is a change of the list; the old item stays the same object. */
  write_mapping (dir, "products.json", "Products", "ERP", "Warehouse");
  reload (library);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (library)), ==, 2);
  g_assert_true (item_at (library, 0) == orders);

  sy_test_remove_tree (dir);
}

static void
test_monitor_picks_up_changes (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("library");
  g_autoptr(SyMappingLibrary) library = sy_mapping_library_new (dir);
  g_autofree char *path = g_build_filename (dir, "orders.json", NULL);
  gint64 deadline;

  reload (library);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (library)), ==, 0);

  /* Written by another process (the CLI, a file manager): no reload call. */
  write_mapping (dir, "orders.json", "Orders", "Warehouse", "ERP");
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_list_model_get_n_items (G_LIST_MODEL (library)) == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (library)), ==, 1);

  g_assert_cmpint (g_unlink (path), ==, 0);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_list_model_get_n_items (G_LIST_MODEL (library)) == 1 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (library)), ==, 0);

  sy_test_remove_tree (dir);
}

static void
test_find_by_file (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("library");
  g_autoptr(SyMappingLibrary) library = sy_mapping_library_new (dir);
  g_autofree char *path = g_build_filename (dir, "b.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/x.json");

  write_mapping (dir, "a.json", "A", "Warehouse", "ERP");
  write_mapping (dir, "b.json", "B", "ERP", "Warehouse");
  write_mapping (dir, "c.json", "C", "Warehouse", "Second ERP");
  reload (library);

  g_assert_cmpstr (sy_mapping_library_item_get_title (sy_mapping_library_find_by_file (library, file)), ==, "B");
  g_assert_null (sy_mapping_library_find_by_file (library, missing));

  sy_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mapping-library/titles-sorted-and-broken-files", test_titles_sorted_and_broken_files);
  g_test_add_func ("/mapping-library/items-kept-across-readings", test_items_kept_across_readings);
  g_test_add_func ("/mapping-library/monitor-picks-up-changes", test_monitor_picks_up_changes);
  g_test_add_func ("/mapping-library/find-by-file", test_find_by_file);

  return g_test_run ();
}
