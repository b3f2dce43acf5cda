/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-connection-services.h"
#include "sy-gui-test-util.h"
#include "sy-mapping-editor-private.h"
#include "sy-state-store-sync.h"
#include "sy-test-support.h"

/* The safety rules in the mapping editor (issue 12): a connection removed
 * under an open mapping is never replaced by another one, the mapping
 * keeps its name and cannot be synced; source and target cannot be the
 * same. Checked on the file on disk, not only on the rows. */

#define SOURCE_NAME "Mintsoft (demo)"
#define TARGET_NAME "NetSuite (demo)"
#define OTHER_NAME  "Second ERP"
#define MISSING_MESSAGE "Connection “NetSuite (demo)” no longer exists — pick another or add it"
#define SAME_MESSAGE "Source and target are the same — records would be written back where they came from"

typedef struct
{
  SySandboxProcess *sandbox;
  char             *config_dir;
  char             *state_dir;
  char             *mappings_dir;
  char             *demo_path;
  SyApplication    *app;
  GtkWindow        *window;
  SyMappingEditor  *editor;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->sandbox = sy_test_start_sandbox (NULL);
  fixture->config_dir = sy_test_make_tmpdir ("switchyard-mapsafety-config");
  fixture->state_dir = sy_test_make_tmpdir ("switchyard-mapsafety-state");
  fixture->mappings_dir = g_build_filename (fixture->config_dir, "mappings", NULL);
  fixture->demo_path = g_build_filename (fixture->mappings_dir, "mintsoft-to-netsuite.json", NULL);
  fixture->app = sy_gui_test_start_app (fixture->config_dir, fixture->state_dir, FALSE);

  sy_gui_test_add_sandbox_connection (fixture->app, fixture->sandbox, SOURCE_NAME, "wms", "wms");
  sy_gui_test_add_sandbox_connection (fixture->app, fixture->sandbox, TARGET_NAME, "erp", "erp");
  sy_gui_test_add_sandbox_connection (fixture->app, fixture->sandbox, OTHER_NAME, "erp", "erp");

  fixture->window = sy_mapping_editor_present_window (GTK_APPLICATION (fixture->app),
                                                      sy_application_get_connection_store (fixture->app),
                                                      sy_application_get_secret_store (fixture->app),
                                                      fixture->mappings_dir);
  fixture->editor = sy_mapping_editor_from_window (fixture->window);
  g_assert_nonnull (fixture->editor);
  gtk_window_set_default_size (fixture->window, 1280, 860);
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 2);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  AdwMessageDialog *dialog;

  while ((dialog = sy_gui_test_find_message_dialog ()) != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  if (fixture->app != NULL)
    sy_gui_test_stop_app (fixture->app);
  g_clear_object (&fixture->sandbox);
  sy_test_remove_tree (fixture->config_dir);
  sy_test_remove_tree (fixture->state_dir);
  g_free (fixture->config_dir);
  g_free (fixture->state_dir);
  g_free (fixture->mappings_dir);
  g_free (fixture->demo_path);
}

/* Helpers */

static char *
get_problem (Fixture *fixture)
{
  char *problem = NULL;

  g_object_get (fixture->editor, "connection-problem", &problem, NULL);
  return problem;
}

static gboolean
get_can_sync (Fixture *fixture)
{
  gboolean can_sync = FALSE;

  g_object_get (fixture->editor, "can-sync", &can_sync, NULL);
  return can_sync;
}

/* The mapping file as it is on disk. */
static JsonObject *
read_file_json (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  root = json_from_string (contents, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static const char *
end_connection (JsonObject *mapping,
                const char *end)
{
  return json_object_get_string_member (json_object_get_object_member (mapping, end), "connection");
}

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_connection_remove_finish (result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

/* Through core, as any view or the CLI removes one. */
static void
remove_connection (Fixture    *fixture,
                   const char *name)
{
  SyConnectionStore *store = sy_application_get_connection_store (fixture->app);
  SyConnection *connection = sy_connection_store_find_by_name (store, name);
  gboolean done = FALSE;

  g_assert_nonnull (connection);
  sy_connection_remove_async (store, sy_application_get_secret_store (fixture->app),
                              sy_application_get_state_store (fixture->app), connection, NULL,
                              on_removed, &done);
  SY_GUI_WAIT_FOR (done);
  g_assert_null (sy_connection_store_find_by_name (store, name));
  /* The editor's rows settle once every view of the store has its change. */
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 2);
}

static void
choose_connection (AdwComboRow *row,
                   const char  *name)
{
  GListModel *model = adw_combo_row_get_model (row);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyConnection) item = g_list_model_get_item (model, i);

      if (g_str_equal (sy_connection_get_name (item), name))
        {
          adw_combo_row_set_selected (row, i);
          sy_gui_test_iterate ();
          return;
        }
    }
  g_error ("“%s” is not offered", name);
}

/* Whether anything started a run: state.db keeps every run from its start. */
static gboolean
sync_window_open (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = sy_state_store_list_runs (sy_application_get_state_store (fixture->app), NULL, 0, &error);

  g_assert_no_error (error);
  return runs->len > 0;
}

static void
save (Fixture *fixture)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->editor), "editor.save", NULL));
  sy_gui_test_iterate ();
}

/* Tests */

static void
test_connection_removed_under_open_mapping (Fixture       *fixture,
                                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(JsonObject) on_disk = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  AdwComboRow *target_row = sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "target_connection_row");
  AdwComboRow *source_row = sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "source_connection_row");
  GtkWidget *error_row = sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "connection_error_row");
  SyMapping *mapping;
  AdwMessageDialog *dialog;

  /* The shipped demo mapping, on connections of the names it uses. */
  g_assert_true (sy_mapping_editor_install_demo_mapping (fixture->mappings_dir, &error));
  g_assert_no_error (error);
  file = g_file_new_for_path (fixture->demo_path);
  sy_mapping_editor_open_file (fixture->editor, file);
  SY_GUI_WAIT_FOR (sy_mapping_editor_get_file (fixture->editor) != NULL);
  mapping = sy_mapping_editor_get_mapping (fixture->editor);
  g_assert_cmpstr (sy_mapping_get_target_connection (mapping), ==, TARGET_NAME);
  problem = get_problem (fixture);
  g_assert_null (problem);
  g_assert_true (get_can_sync (fixture));
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (error_row)));
  g_assert_false (sy_mapping_editor_has_unsaved_changes (fixture->editor));

  /* The target connection goes while the mapping is open. */
  remove_connection (fixture, TARGET_NAME);
  SY_GUI_WAIT_FOR (!get_can_sync (fixture));
  g_assert_true (mapping == sy_mapping_editor_get_mapping (fixture->editor));
  g_assert_cmpstr (sy_mapping_get_target_connection (mapping), ==, TARGET_NAME);
  g_assert_cmpstr (sy_mapping_get_source_connection (mapping), ==, SOURCE_NAME);
  g_assert_cmpstr (sy_mapping_get_target_entity (mapping), ==, "erp/sales-orders");
  /* The row shows the missing name, not another connection. */
  g_assert_nonnull (adw_combo_row_get_selected_item (target_row));
  g_assert_cmpstr (sy_connection_get_name (adw_combo_row_get_selected_item (target_row)), ==, TARGET_NAME);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (target_row)), ==, "“NetSuite (demo)” does not exist");
  g_clear_pointer (&problem, g_free);
  problem = get_problem (fixture);
  g_assert_cmpstr (problem, ==, MISSING_MESSAGE);
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (error_row)));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (error_row)), ==, MISSING_MESSAGE);
  g_assert_false (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  g_assert_false (get_can_sync (fixture));

  /* How it looks, wide and on a phone, light and dark; the error row's
   * text wraps rather than widening the window. */
  {
    g_autofree char *wide = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-safety-missing-connection");
    g_autofree char *narrow = NULL;
    g_autofree char *dark = NULL;

    gtk_window_set_default_size (fixture->window, 360, 720);
    sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 30);
    narrow = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-safety-missing-connection-narrow");
    g_assert_cmpuint (sy_gui_test_report_too_wide (gtk_widget_get_parent (error_row), 360), ==, 0);
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
    sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 2);
    dark = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-safety-missing-connection-narrow-dark");
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
    gtk_window_set_default_size (fixture->window, 1280, 860);
    sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 2);
  }

  /* editor.sync does nothing: no sync starts. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->editor), "editor.sync", NULL);
  sy_gui_test_iterate ();
  g_assert_false (sync_window_open (fixture));
  while ((dialog = sy_gui_test_find_message_dialog ()) != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));

  /* Saved (with another change), the file keeps the missing name. */
  sy_mapping_set_name (mapping, "Orders, renamed");
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  save (fixture);
  SY_GUI_WAIT_FOR (!sy_mapping_editor_has_unsaved_changes (fixture->editor));
  g_assert_null (sy_gui_test_find_message_dialog ());
  on_disk = read_file_json (fixture->demo_path);
  g_assert_cmpstr (json_object_get_string_member (on_disk, "name"), ==, "Orders, renamed");
  g_assert_cmpstr (end_connection (on_disk, "target"), ==, TARGET_NAME);
  g_assert_cmpstr (end_connection (on_disk, "source"), ==, SOURCE_NAME);
  g_clear_pointer (&on_disk, json_object_unref);

  /* The connection comes back under its name (an undone removal): the row
   * recovers, and nothing changed in the mapping. */
  sy_gui_test_add_sandbox_connection (fixture->app, fixture->sandbox, TARGET_NAME, "erp", "erp");
  SY_GUI_WAIT_FOR (get_can_sync (fixture));
  g_clear_pointer (&problem, g_free);
  problem = get_problem (fixture);
  g_assert_null (problem);
  g_assert_true (get_can_sync (fixture));
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (error_row)));
  g_assert_nonnull (adw_combo_row_get_selected_item (target_row));
  g_assert_cmpstr (sy_connection_get_name (adw_combo_row_get_selected_item (target_row)), ==, TARGET_NAME);
  g_assert_false (sy_mapping_editor_has_unsaved_changes (fixture->editor));

  /* Gone again; picking another connection clears the error. */
  remove_connection (fixture, TARGET_NAME);
  SY_GUI_WAIT_FOR (!get_can_sync (fixture));
  g_clear_pointer (&problem, g_free);
  problem = get_problem (fixture);
  g_assert_cmpstr (problem, ==, MISSING_MESSAGE);
  choose_connection (target_row, OTHER_NAME);
  g_assert_cmpstr (sy_mapping_get_target_connection (mapping), ==, OTHER_NAME);
  g_assert_cmpstr (sy_mapping_get_target_entity (mapping), ==, "erp/sales-orders");
  g_clear_pointer (&problem, g_free);
  problem = get_problem (fixture);
  g_assert_null (problem);
  g_assert_true (get_can_sync (fixture));
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  save (fixture);
  SY_GUI_WAIT_FOR (!sy_mapping_editor_has_unsaved_changes (fixture->editor));
  on_disk = read_file_json (fixture->demo_path);
  g_assert_cmpstr (end_connection (on_disk, "target"), ==, OTHER_NAME);
  g_clear_pointer (&on_disk, json_object_unref);

  /* Source and target the same connection and entity: shown, not synced,
   * and never saved. */
  g_assert_true (g_file_get_contents (fixture->demo_path, &before, NULL, NULL));
  choose_connection (target_row, SOURCE_NAME);
  g_assert_cmpstr (sy_mapping_get_target_connection (mapping), ==, SOURCE_NAME);
  g_assert_cmpstr (sy_mapping_get_target_entity (mapping), ==, sy_mapping_get_source_entity (mapping));
  g_clear_pointer (&problem, g_free);
  problem = get_problem (fixture);
  g_assert_cmpstr (problem, ==, SAME_MESSAGE);
  g_assert_false (get_can_sync (fixture));
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (error_row)));
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  save (fixture);
  SY_GUI_WAIT_FOR (sy_gui_test_find_message_dialog () != NULL);
  dialog = sy_gui_test_find_message_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==, SAME_MESSAGE);
  sy_gui_test_respond (dialog, "close");
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 2);
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  g_assert_true (g_file_get_contents (fixture->demo_path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, before);
  on_disk = read_file_json (fixture->demo_path);
  g_assert_cmpstr (end_connection (on_disk, "target"), ==, OTHER_NAME);
  g_clear_pointer (&on_disk, json_object_unref);

  /* Picking the source's other side back clears it. */
  choose_connection (source_row, SOURCE_NAME);
  choose_connection (target_row, OTHER_NAME);
  g_clear_pointer (&problem, g_free);
  problem = get_problem (fixture);
  g_assert_null (problem);
  g_assert_true (get_can_sync (fixture));
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add ("/mapping-safety/connection-removed-under-open-mapping", Fixture, NULL,
              fixture_set_up, test_connection_removed_under_open_mapping, fixture_tear_down);

  return g_test_run ();
}
