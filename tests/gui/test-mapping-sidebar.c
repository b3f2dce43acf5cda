/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "sy-connection-page-private.h"
#include "sy-gui-test-util.h"
#include "sy-mapping-editor-private.h"
#include "sy-mapping-row.h"
#include "sy-state-store-sync.h"
#include "sy-test-support.h"
#include "sy-window-private.h"

/* The main window organised around mappings: the sidebar lists them by
 * title, a mapping opens in the content pane with its runs beside it,
 * deleting one can be undone, a missing connection is shown on its row,
 * and leaving unsaved changes asks first. Everything is checked on the
 * files on disk as well as on the widgets. */

typedef struct
{
  char             *config_dir;
  char             *state_dir;
  char             *mappings_dir;
  SySandboxProcess *sandbox;
  SyApplication    *app;
  SyWindow         *window;
} Fixture;

static char *
mapping_text (const char *name,
              const char *source,
              const char *target)
{
  return g_strdup_printf ("{\n  \"version\": 1,\n  \"name\": \"%s\",\n"
                          "  \"source\": {\"connection\": \"%s\", \"entity\": \"wms/sales-orders\"},\n"
                          "  \"target\": {\"connection\": \"%s\", \"entity\": \"erp/sales-orders\"},\n"
                          "  \"match\": {\"source\": \"key\", \"target\": \"externalId\"},\n"
                          "  \"fields\": [\n    {\"target\": \"externalId\", \"source\": \"key\"}\n  ]\n}\n",
                          name, source, target);
}

static char *
write_mapping (Fixture    *fixture,
               const char *file_name,
               const char *name,
               const char *source,
               const char *target)
{
  char *path = g_build_filename (fixture->mappings_dir, file_name, NULL);
  g_autofree char *text = mapping_text (name, source, target);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->config_dir = sy_test_make_tmpdir ("switchyard-sidebar-config");
  fixture->state_dir = sy_test_make_tmpdir ("switchyard-sidebar-state");
  fixture->mappings_dir = g_build_filename (fixture->config_dir, "mappings", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->mappings_dir, 0700), ==, 0);
  fixture->sandbox = sy_test_start_sandbox (NULL);
  fixture->app = sy_gui_test_start_app (fixture->config_dir, fixture->state_dir, FALSE);
  fixture->window = sy_gui_test_get_window (fixture->app);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1200, 800);
  sy_gui_test_add_sandbox_connection (fixture->app, fixture->sandbox, "Warehouse", "wms", "wms");
  sy_gui_test_add_sandbox_connection (fixture->app, fixture->sandbox, "ERP", "erp", "erp");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_gui_test_stop_app (fixture->app);
  g_clear_object (&fixture->sandbox);
  sy_test_remove_tree (fixture->config_dir);
  sy_test_remove_tree (fixture->state_dir);
  g_free (fixture->config_dir);
  g_free (fixture->state_dir);
  g_free (fixture->mappings_dir);
}

static GtkListBox *
mapping_list (Fixture *fixture)
{
  return GTK_LIST_BOX (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "mapping_list"));
}

static guint
n_mapping_rows (Fixture *fixture)
{
  guint n = 0;

  while (gtk_list_box_get_row_at_index (mapping_list (fixture), n) != NULL)
    n++;
  return n;
}

static SyMappingRow *
mapping_row (Fixture *fixture,
             guint    index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (mapping_list (fixture), index);

  g_assert_nonnull (row);
  return SY_MAPPING_ROW (row);
}

static const char *
row_title (Fixture *fixture,
           guint    index)
{
  return sy_mapping_library_item_get_title (sy_mapping_row_get_item (mapping_row (fixture, index)));
}

static char *
row_string (SyMappingRow *row,
            const char   *property)
{
  char *value = NULL;

  g_object_get (row, property, &value, NULL);
  return value;
}

/* Listed by title (not file name), sorted; selecting one shows it in the
 * content pane, in the editor, with its runs as the other view. */
static void
test_listed_and_opened (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *orders = write_mapping (fixture, "zz-orders.json", "Orders to the ERP", "Warehouse", "ERP");
  g_autofree char *returns = write_mapping (fixture, "aa-returns.json", "Returns", "Warehouse", "ERP");
  g_autoptr(GFile) orders_file = g_file_new_for_path (orders);
  SyMappingPage *page = sy_window_get_mapping_page (fixture->window);
  SyMappingEditor *editor;
  g_autofree char *view = NULL;
  g_autofree char *shot = NULL;

  SY_GUI_WAIT_FOR (n_mapping_rows (fixture) == 2);
  g_assert_cmpstr (row_title (fixture, 0), ==, "Orders to the ERP");
  g_assert_cmpstr (row_title (fixture, 1), ==, "Returns");

  gtk_list_box_select_row (mapping_list (fixture), GTK_LIST_BOX_ROW (mapping_row (fixture, 0)));
  g_assert_cmpstr (sy_gui_test_get_stack_page (fixture->window, SY_TYPE_WINDOW, "content"), ==, "mapping");
  editor = sy_mapping_page_get_editor (page);
  SY_GUI_WAIT_FOR (sy_mapping_editor_get_file (editor) != NULL);
  g_assert_true (g_file_equal (sy_mapping_editor_get_file (editor), orders_file));
  g_assert_cmpstr (sy_mapping_get_name (sy_mapping_editor_get_mapping (editor)), ==, "Orders to the ERP");
  /* One selection in the sidebar. */
  g_assert_null (gtk_list_box_get_selected_row (GTK_LIST_BOX (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_list"))));

  /* Its runs (Shift+Ctrl+R) are the page's other view. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-sync", NULL));
  g_object_get (page, "view", &view, NULL);
  g_assert_cmpstr (view, ==, "runs");
  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-sidebar-runs");

  /* A connection row takes the content pane back. */
  gtk_list_box_select_row (GTK_LIST_BOX (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_list")),
                           gtk_list_box_get_row_at_index (GTK_LIST_BOX (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_list")), 0));
  g_assert_cmpstr (sy_gui_test_get_stack_page (fixture->window, SY_TYPE_WINDOW, "content"), ==, "connections");
  g_assert_null (gtk_list_box_get_selected_row (mapping_list (fixture)));
}

static gboolean
exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static guint
count_hidden_files (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (listing)) != NULL)
    n += name[0] == '.';
  return n;
}

/* Delete takes the file away at once and offers Undo, which puts back
 * the same bytes; without Undo the file is gone for good. */
static void
test_delete_and_undo (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *orders = write_mapping (fixture, "orders.json", "Orders", "Warehouse", "ERP");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  AdwToastOverlay *overlay = ADW_TOAST_OVERLAY (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "toast_overlay"));

  g_assert_true (g_file_get_contents (orders, &before, NULL, NULL));
  SY_GUI_WAIT_FOR (n_mapping_rows (fixture) == 1);
  gtk_list_box_select_row (mapping_list (fixture), GTK_LIST_BOX_ROW (mapping_row (fixture, 0)));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.delete-mapping", NULL));
  g_assert_false (exists (orders));
  g_assert_cmpstr (sy_window_get_last_toast (fixture->window), ==, "“Orders” deleted");
  SY_GUI_WAIT_FOR (n_mapping_rows (fixture) == 0);

  {
    GtkWidget *button = NULL;

    /* The toast's Undo button, as a person would press it. */
    for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (overlay)); child != NULL && button == NULL;
         child = gtk_widget_get_next_sibling (child))
      for (GtkWidget *inner = gtk_widget_get_first_child (child); inner != NULL && button == NULL;
           inner = gtk_widget_get_next_sibling (inner))
        if (GTK_IS_BUTTON (inner) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (inner)), "_Undo") == 0)
          button = inner;
    g_assert_nonnull (button);
    g_signal_emit_by_name (button, "clicked");
  }
  SY_GUI_WAIT_FOR (n_mapping_rows (fixture) == 1);
  g_assert_true (g_file_get_contents (orders, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (count_hidden_files (fixture->mappings_dir), ==, 0);

  /* Again, and this time the toast goes unanswered: gone for good. */
  gtk_list_box_select_row (mapping_list (fixture), GTK_LIST_BOX_ROW (mapping_row (fixture, 0)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.delete-mapping", NULL));
  SY_GUI_WAIT_FOR (n_mapping_rows (fixture) == 0);
  g_assert_cmpuint (count_hidden_files (fixture->mappings_dir), ==, 1);
  sy_gui_test_destroy_window (fixture->window);
  fixture->window = NULL;
  /* The toast is dropped with its window, which ends the offer. */
  for (guint i = 0; i < 20; i++)
    sy_gui_test_iterate ();
  g_assert_false (exists (orders));
  g_assert_cmpuint (count_hidden_files (fixture->mappings_dir), ==, 0);
}

/* A mapping that names a connection that does not exist says so on its
 * row; adding that connection clears the warning. */
static void
test_missing_connection_row (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *path = write_mapping (fixture, "second.json", "To the second ERP", "Warehouse", "Second ERP");
  g_autofree char *problem = NULL;
  g_autofree char *cleared = NULL;

  SY_GUI_WAIT_FOR (n_mapping_rows (fixture) == 1);
  problem = row_string (mapping_row (fixture, 0), "problem");
  g_assert_cmpstr (problem, ==, "Connection “Second ERP” no longer exists");

  sy_gui_test_add_sandbox_connection (fixture->app, fixture->sandbox, "Second ERP", "erp", "erp");
  cleared = row_string (mapping_row (fixture, 0), "problem");
  g_assert_null (cleared);
}

/* Opening another mapping with unsaved changes asks; Cancel keeps the
 * changes, the mapping shown and its row selected. */
static void
test_unsaved_changes_asked (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *first = write_mapping (fixture, "a.json", "A", "Warehouse", "ERP");
  g_autofree char *second = write_mapping (fixture, "b.json", "B", "Warehouse", "ERP");
  g_autoptr(GFile) first_file = g_file_new_for_path (first);
  SyMappingPage *page = sy_window_get_mapping_page (fixture->window);
  SyMappingEditor *editor;
  AdwMessageDialog *dialog;
  g_autofree char *on_disk = NULL;

  SY_GUI_WAIT_FOR (n_mapping_rows (fixture) == 2);
  editor = sy_gui_test_open_mapping (fixture->app, first);
  sy_mapping_set_name (sy_mapping_editor_get_mapping (editor), "A, edited");
  SY_GUI_WAIT_FOR (sy_mapping_editor_has_unsaved_changes (editor));

  gtk_list_box_select_row (mapping_list (fixture), GTK_LIST_BOX_ROW (mapping_row (fixture, 1)));
  dialog = sy_gui_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  sy_gui_test_respond (dialog, "cancel");
  for (guint i = 0; i < 10; i++)
    sy_gui_test_iterate ();

  g_assert_true (g_file_equal (sy_mapping_page_get_file (page), first_file));
  g_assert_true (sy_mapping_editor_has_unsaved_changes (editor));
  g_assert_true (gtk_list_box_get_selected_row (mapping_list (fixture)) == GTK_LIST_BOX_ROW (mapping_row (fixture, 0)));
  g_assert_true (g_file_get_contents (first, &on_disk, NULL, NULL));
  g_assert_nonnull (strstr (on_disk, "\"name\": \"A\""));
}


/* Removing a connection while a mapping that names it is open: the
 * removal question names the mapping; the editor keeps the name (it is not
 * re-targeted at another connection nor marked modified), says what is
 * wrong and cannot sync; the row warns; the file is untouched; Undo puts
 * everything back. */
static void
test_remove_connection_under_open_mapping (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autofree char *path = write_mapping (fixture, "orders.json", "Orders to the ERP", "Warehouse", "ERP");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *row_problem = NULL;
  g_autofree char *cleared = NULL;
  SyConnectionStore *store = sy_application_get_connection_store (fixture->app);
  SyConnectionPage *connection_page = SY_CONNECTION_PAGE (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_page"));
  SyConnection *erp = sy_connection_store_find_by_name (store, "ERP");
  SyMappingEditor *editor;
  AdwMessageDialog *question;
  AdwToast *toast = NULL;
  gboolean can_sync = TRUE;

  g_assert_true (g_file_get_contents (path, &before, NULL, NULL));
  editor = sy_gui_test_open_mapping (fixture->app, path);
  g_assert_false (sy_mapping_editor_has_unsaved_changes (editor));

  sy_window_select_connection (fixture->window, erp);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (connection_page), "connection.remove", NULL));
  SY_GUI_WAIT_FOR ((question = sy_gui_test_find_message_dialog ()) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (question), "• Orders to the ERP"));
  sy_gui_test_respond (question, "remove");
  g_assert_null (sy_connection_store_find_by_name (store, "ERP"));

  /* Back to the mapping: as it was, with the reason it cannot run. */
  sy_window_show_mapping (fixture->window, file, "mapping");
  SY_GUI_WAIT_FOR (!sy_gui_test_get_boolean (editor, "can-sync"));
  g_assert_cmpstr (sy_mapping_get_target_connection (sy_mapping_editor_get_mapping (editor)), ==, "ERP");
  g_assert_cmpstr (sy_mapping_get_source_connection (sy_mapping_editor_get_mapping (editor)), ==, "Warehouse");
  g_assert_false (sy_mapping_editor_has_unsaved_changes (editor));
  g_object_get (editor, "connection-problem", &problem, "can-sync", &can_sync, NULL);
  g_assert_cmpstr (problem, ==, "Connection “ERP” no longer exists — pick another or add it");
  g_assert_false (can_sync);
  row_problem = row_string (mapping_row (fixture, 0), "problem");
  g_assert_cmpstr (row_problem, ==, "Connection “ERP” no longer exists");
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, before);

  /* Asked to run anyway (app.run-mapping, as a scheduled run or a script
   * would): the engine refuses before it reads or writes anything. */
  {
    g_autoptr(GPtrArray) runs = NULL;
    g_autoptr(GError) error = NULL;
    SyRunPanel *panel;

    g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "run-mapping", g_variant_new_string (path));
    panel = sy_mapping_page_get_run_panel (sy_window_get_mapping_page (fixture->window), file);
    for (guint i = 0; i < 200; i++)
      sy_gui_test_iterate ();
    SY_GUI_WAIT_FOR (sy_run_panel_get_activity (panel) == SY_RUN_PANEL_IDLE);
    runs = sy_state_store_list_runs (sy_application_get_state_store (fixture->app), NULL, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (runs->len, ==, 0);
    while ((question = sy_gui_test_find_message_dialog ()) != NULL)
      gtk_window_destroy (GTK_WINDOW (question));
    sy_window_show_mapping (fixture->window, file, "mapping");
  }

  /* Undo: the connection is back, and with it the mapping. */
  g_object_get (connection_page, "removal-toast", &toast, NULL);
  g_assert_nonnull (toast);
  g_signal_emit_by_name (toast, "button-clicked");
  adw_toast_dismiss (toast);
  g_object_unref (toast);
  g_assert_nonnull (sy_connection_store_find_by_name (store, "ERP"));
  SY_GUI_WAIT_FOR (sy_gui_test_get_boolean (editor, "can-sync"));
  g_clear_pointer (&problem, g_free);
  g_object_get (editor, "connection-problem", &problem, "can-sync", &can_sync, NULL);
  g_assert_null (problem);
  g_assert_true (can_sync);
  cleared = row_string (mapping_row (fixture, 0), "problem");
  g_assert_null (cleared);
  g_assert_false (sy_mapping_editor_has_unsaved_changes (editor));
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add ("/gui/mapping-sidebar/listed-and-opened", Fixture, NULL, fixture_set_up, test_listed_and_opened, fixture_tear_down);
  g_test_add ("/gui/mapping-sidebar/delete-and-undo", Fixture, NULL, fixture_set_up, test_delete_and_undo, fixture_tear_down);
  g_test_add ("/gui/mapping-sidebar/missing-connection-row", Fixture, NULL, fixture_set_up, test_missing_connection_row, fixture_tear_down);
  g_test_add ("/gui/mapping-sidebar/remove-connection-under-open-mapping", Fixture, NULL, fixture_set_up, test_remove_connection_under_open_mapping, fixture_tear_down);
  g_test_add ("/gui/mapping-sidebar/unsaved-changes-asked", Fixture, NULL, fixture_set_up, test_unsaved_changes_asked, fixture_tear_down);

  return g_test_run ();
}
