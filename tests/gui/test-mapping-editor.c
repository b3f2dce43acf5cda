/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>

#include "sy-field-chooser-private.h"
#include "sy-gui-test-util.h"
#include "sy-mapping-editor-private.h"
#include "sy-mapping-preview-private.h"
#include "sy-mapping-rule-row-private.h"
#include "sy-test-support.h"

typedef struct
{
  SySandboxProcess *sandbox;
  char             *config_dir;
  char             *state_dir;
  char             *mappings_dir;
  SyApplication    *app;
  GtkWindow        *window;
  SyMappingEditor  *editor;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->sandbox = sy_test_start_sandbox (NULL);
  fixture->config_dir = sy_test_make_tmpdir ("switchyard-mapgui-config");
  fixture->state_dir = sy_test_make_tmpdir ("switchyard-mapgui-state");
  fixture->mappings_dir = g_build_filename (fixture->config_dir, "mappings", NULL);
  fixture->app = sy_gui_test_start_app (fixture->config_dir, fixture->state_dir, FALSE);

  sy_gui_test_add_sandbox_connection (fixture->app, fixture->sandbox, "mintsoft", "wms", "wms");
  sy_gui_test_add_sandbox_connection (fixture->app, fixture->sandbox, "netsuite", "erp", "erp");

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
}

/* Helpers */

static guint
find_string (GListModel *model,
             const char *wanted)
{
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      if (GTK_IS_STRING_OBJECT (item) && g_str_equal (gtk_string_object_get_string (GTK_STRING_OBJECT (item)), wanted))
        return i;
      if (SY_IS_CONNECTION (item) && g_str_equal (sy_connection_get_name (SY_CONNECTION (item)), wanted))
        return i;
    }
  g_error ("“%s” is not offered", wanted);
  return GTK_INVALID_LIST_POSITION;
}

static void
choose (AdwComboRow *row,
        const char  *wanted)
{
  adw_combo_row_set_selected (row, find_string (adw_combo_row_get_model (row), wanted));
  sy_gui_test_iterate ();
}

/* Types into whatever has the keyboard focus. */
static void
type_into_focus (GtkWindow  *window,
                 const char *text)
{
  GtkWidget *focus = gtk_window_get_focus (window);

  g_assert_nonnull (focus);
  g_assert_true (GTK_IS_EDITABLE (focus));
  gtk_editable_set_text (GTK_EDITABLE (focus), text);
  sy_gui_test_iterate ();
}

static SyMappingRuleRow *
row_at (Fixture *fixture,
        guint    index)
{
  SyMappingRuleRow *row = sy_mapping_editor_get_rule_row (fixture->editor, index);

  g_assert_nonnull (row);
  return row;
}

static void
set_source (SyMappingRuleRow *row,
            const char       *source)
{
  gtk_editable_set_text (sy_field_chooser_get_entry (sy_mapping_rule_row_get_source_chooser (row)), source);
  sy_gui_test_iterate ();
}

static gboolean focus_is_in (GtkWindow *window,
                             GtkWidget *ancestor);

/* Alt+Down in the source field opens the list of the source's fields;
 * typing filters it, Enter picks. */
static void
pick_source_by_keyboard (Fixture          *fixture,
                         SyMappingRuleRow *row,
                         const char       *field)
{
  SyFieldChooser *chooser = sy_mapping_rule_row_get_source_chooser (row);
  GtkEditable *search = sy_field_chooser_get_search_entry (chooser);
  GListModel *filtered = sy_field_chooser_get_filtered (chooser);

  /* The source's fields come from the catalogue and the samples. */
  SY_GUI_WAIT_FOR (g_list_model_get_n_items (filtered) > 0);
  sy_field_chooser_popup (chooser);
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 2);
  g_assert_true (gtk_window_get_focus (fixture->window) == GTK_WIDGET (search) ||
                 focus_is_in (fixture->window, GTK_WIDGET (search)));
  gtk_editable_set_text (search, field);
  SY_GUI_WAIT_FOR (g_list_model_get_n_items (filtered) < 20);
  g_assert_cmpuint (g_list_model_get_n_items (filtered), >, 0);
  g_signal_emit_by_name (search, "activate");
  sy_gui_test_iterate ();
  g_assert_cmpstr (sy_field_chooser_get_text (chooser), ==, field);
  g_assert_cmpstr (sy_mapping_rule_get_source (sy_mapping_rule_row_get_rule (row)), ==, field);
  g_assert_true (focus_is_in (fixture->window, GTK_WIDGET (sy_field_chooser_get_entry (chooser))));
}

static gboolean
focus_is_in (GtkWindow *window,
             GtkWidget *ancestor)
{
  GtkWidget *focus = gtk_window_get_focus (window);

  return focus != NULL && (focus == ancestor || gtk_widget_is_ancestor (focus, ancestor));
}

/* Adds a rule with Ctrl+N and types its target where the focus lands. */
static SyMappingRuleRow *
add_rule_by_keyboard (Fixture    *fixture,
                      guint       expected_index,
                      const char *target)
{
  SyMappingRuleRow *row;

  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>n", NULL);
  row = row_at (fixture, expected_index);
  g_assert_true (focus_is_in (fixture->window, GTK_WIDGET (sy_mapping_rule_row_get_target_chooser (row))));
  type_into_focus (fixture->window, target);
  g_assert_cmpstr (sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row)), ==, target);
  return row;
}

static guint
count_lines_starting (const char *text,
                      const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      n++;
  return n;
}

static void
wait_for_fresh_preview (Fixture *fixture)
{
  SyMappingPreview *preview = SY_MAPPING_PREVIEW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "preview"));
  guint before = sy_mapping_preview_get_n_applied (preview);

  SY_GUI_WAIT_FOR (sy_mapping_preview_get_n_applied (preview) > before &&
                   g_str_equal (sy_mapping_preview_get_state (preview), "samples"));
}

static void
build_example_mapping (Fixture *fixture)
{
  SyMappingRuleRow *row;

  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "source_connection_row")), "mintsoft");
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "source_entity_row")), "wms/sales-orders");
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "target_connection_row")), "netsuite");
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "target_entity_row")), "erp/sales-orders");

  /* Nothing mapped yet: the coverage names what a sales order needs. */
  {
    SyMappingPreview *preview = SY_MAPPING_PREVIEW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "preview"));

    SY_GUI_WAIT_FOR (sy_mapping_preview_get_coverage_text (preview) != NULL &&
                     strstr (sy_mapping_preview_get_coverage_text (preview), "commonly needed fields unmapped: ") != NULL);
    g_test_message ("Coverage before: %s", sy_mapping_preview_get_coverage_text (preview));
    g_assert_nonnull (strstr (sy_mapping_preview_get_coverage_text (preview), "orderNumber"));
  }

  row = add_rule_by_keyboard (fixture, 0, "code");
  pick_source_by_keyboard (fixture, row, "key");

  row = add_rule_by_keyboard (fixture, 1, "orderNumber");
  set_source (row, "orderNo");
  gtk_check_button_set_active (sy_mapping_rule_row_get_required_check (row), TRUE);

  row = add_rule_by_keyboard (fixture, 2, "lines");
  set_source (row, "lines");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "rule.toggle-each", NULL));
  sy_gui_test_iterate ();

  /* The first item rule comes with "each", and takes the focus. */
  row = row_at (fixture, 3);
  g_assert_nonnull (sy_mapping_rule_row_get_parent_rule (row));
  g_assert_true (focus_is_in (fixture->window, GTK_WIDGET (sy_mapping_rule_row_get_target_chooser (row))));
  type_into_focus (fixture->window, "productKey");
  set_source (row, "productKey");

  /* An item rule is offered the fields of the array's items, by their
   * names inside an item. */
  {
    GListModel *offered = sy_field_chooser_get_filtered (sy_mapping_rule_row_get_target_chooser (row));
    gboolean found = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (offered); i++)
      {
        g_autoptr(SyCatalogueField) field = g_list_model_get_item (offered, i);

        g_assert_true (g_str_has_prefix (sy_catalogue_field_get_path (field), "lines[]."));
        found |= g_str_equal (sy_catalogue_field_get_path (field), "lines[].productKey");
      }
    g_assert_true (found);
  }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row_at (fixture, 2)), "rule.add-item", NULL));
  sy_gui_test_iterate ();
  row = row_at (fixture, 4);
  type_into_focus (fixture->window, "quantity");
  set_source (row, "quantity");
  g_assert_true (sy_mapping_rule_row_set_transform_choice (row, "number", "0"));
}

/* Tests */

static void
test_build_preview_fix_save (Fixture       *fixture,
                             gconstpointer  data)
{
  SyMappingPreview *preview = SY_MAPPING_PREVIEW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "preview"));
  g_autofree char *problems = NULL;
  g_autofree char *described = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *path = NULL;
  g_autofree char *shot = NULL;
  g_autoptr(SyMapping) loaded = NULL;
  g_autoptr(GError) error = NULL;
  SyMappingRuleRow *order_row;
  AdwMessageDialog *dialog;
  GtkWidget *entry;
  JsonArray *samples;
  guint n_samples;

  build_example_mapping (fixture);
  g_assert_cmpuint (sy_mapping_editor_get_n_rule_rows (fixture->editor), ==, 5);
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));

  /* The preview fetched samples and reports the wrong source on each. */
  wait_for_fresh_preview (fixture);
  samples = sy_mapping_preview_get_samples (preview);
  g_assert_nonnull (samples);
  n_samples = json_array_get_length (samples);
  g_assert_cmpuint (n_samples, >, 0);
  problems = sy_mapping_preview_dump_problems (preview);
  g_test_message ("Problems:\n%s", problems);
  g_assert_cmpuint (count_lines_starting (problems, "orderNumber:"), ==, n_samples);
  g_assert_cmpuint (count_lines_starting (problems, "code:"), ==, 0);
  g_assert_cmpuint (count_lines_starting (problems, "lines"), ==, 0);

  order_row = row_at (fixture, 1);
  g_assert_nonnull (sy_mapping_rule_row_get_problem (order_row));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (order_row), "error"));
  g_assert_nonnull (gtk_widget_get_tooltip_text (GTK_WIDGET (order_row)));
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (order_row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));
  g_assert_null (sy_mapping_rule_row_get_problem (row_at (fixture, 0)));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row_at (fixture, 0)), "error"));
  described = sy_mapping_preview_describe_problems (preview, "orderNumber");
  expected = g_strdup_printf ("(in %u of %u samples)", n_samples, n_samples);
  g_assert_true (g_str_has_suffix (described, expected));

  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-problem");
  g_clear_pointer (&shot, g_free);

  /* Fixing the source makes the problem go away. */
  set_source (order_row, "orderNumber");
  wait_for_fresh_preview (fixture);
  g_clear_pointer (&problems, g_free);
  problems = sy_mapping_preview_dump_problems (preview);
  g_assert_cmpuint (count_lines_starting (problems, "orderNumber:"), ==, 0);
  g_assert_null (sy_mapping_rule_row_get_problem (row_at (fixture, 1)));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row_at (fixture, 1)), "error"));
  g_assert_nonnull (sy_mapping_preview_get_coverage_text (preview));
  g_test_message ("Coverage: %s", sy_mapping_preview_get_coverage_text (preview));

  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor");
  g_clear_pointer (&shot, g_free);

  /* Saving with Ctrl+S asks for a name the first time. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>s", NULL);
  dialog = sy_gui_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  g_test_message ("Save asks: %s — %s", adw_message_dialog_get_heading (dialog), adw_message_dialog_get_body (dialog));
  g_assert_nonnull (adw_message_dialog_get_extra_child (dialog));
  entry = gtk_widget_get_first_child (adw_message_dialog_get_extra_child (dialog));
  g_assert_true (GTK_IS_EDITABLE (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), "Orders to NetSuite");
  sy_gui_test_respond (dialog, "save");
  SY_GUI_WAIT_FOR (!sy_mapping_editor_has_unsaved_changes (fixture->editor));

  path = g_build_filename (fixture->mappings_dir, "Orders to NetSuite.json", NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  loaded = sy_mapping_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  {
    g_autofree char *built = sy_mapping_to_data (sy_mapping_editor_get_mapping (fixture->editor), NULL);
    g_autofree char *reloaded = sy_mapping_to_data (loaded, NULL);
    GListModel *rules = sy_mapping_get_rules (loaded);
    g_autoptr(SyMappingRule) order_rule = g_list_model_get_item (rules, 1);
    g_autoptr(SyMappingRule) lines_rule = g_list_model_get_item (rules, 2);

    g_assert_cmpstr (built, ==, reloaded);
    g_assert_cmpstr (sy_mapping_get_name (loaded), ==, "Orders to NetSuite");
    g_assert_cmpstr (sy_mapping_get_source_connection (loaded), ==, "mintsoft");
    g_assert_cmpstr (sy_mapping_get_source_entity (loaded), ==, "wms/sales-orders");
    g_assert_cmpstr (sy_mapping_get_target_connection (loaded), ==, "netsuite");
    g_assert_cmpstr (sy_mapping_get_target_entity (loaded), ==, "erp/sales-orders");
    g_assert_cmpuint (g_list_model_get_n_items (rules), ==, 3);
    g_assert_cmpstr (sy_mapping_rule_get_target (order_rule), ==, "orderNumber");
    g_assert_cmpstr (sy_mapping_rule_get_source (order_rule), ==, "orderNumber");
    g_assert_true (sy_mapping_rule_get_required (order_rule));
    g_assert_nonnull (sy_mapping_rule_get_children (lines_rule));
    g_assert_cmpuint (g_list_model_get_n_items (sy_mapping_rule_get_children (lines_rule)), ==, 2);
  }
  g_assert_cmpstr (sy_mapping_editor_get_last_toast (fixture->editor), ==, "Saved “Orders to NetSuite”");

  /* Ctrl+S again writes to the same file, without asking. */
  set_source (row_at (fixture, 0), "orderNumber");
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>s", NULL);
  g_assert_null (sy_gui_test_find_message_dialog ());
  SY_GUI_WAIT_FOR (!sy_mapping_editor_has_unsaved_changes (fixture->editor));
  g_file_get_contents (path, &saved, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (saved, "\"source\" : \"orderNumber\"") ? saved : strstr (saved, "\"source\": \"orderNumber\""));

  /* Narrow: the preview stacks behind the rules. */
  gtk_window_set_default_size (fixture->window, 420, 760);
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 30);
  /* The rules, which wrap onto more lines, scrolled into view by the focus. */
  gtk_widget_grab_focus (GTK_WIDGET (sy_field_chooser_get_entry (sy_mapping_rule_row_get_source_chooser (row_at (fixture, 4)))));
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 10);
  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-narrow");
  g_clear_pointer (&shot, g_free);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->editor), "editor.switch-pane", NULL));
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 20);
  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-narrow-preview");

  sy_gui_test_assert_buttons_labelled (GTK_WIDGET (fixture->window));
}

static void
test_close_asks (Fixture       *fixture,
                 gconstpointer  data)
{
  AdwMessageDialog *dialog;
  GtkWindow *window = fixture->window;

  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &fixture->window);

  /* Nothing to lose: no question. */
  g_assert_false (sy_mapping_editor_has_unsaved_changes (fixture->editor));

  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>n", NULL);
  type_into_focus (window, "code");
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));

  gtk_window_close (window);
  sy_gui_test_iterate ();
  dialog = sy_gui_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (dialog), "Save Changes"));
  sy_gui_test_respond (dialog, "cancel");
  g_assert_nonnull (fixture->window);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));

  /* Enter on a row moves into its first field. */
  gtk_widget_grab_focus (GTK_WIDGET (row_at (fixture, 0)));
  g_assert_true (gtk_window_get_focus (window) == GTK_WIDGET (row_at (fixture, 0)));
  gtk_widget_activate (GTK_WIDGET (row_at (fixture, 0)));
  sy_gui_test_iterate ();
  g_assert_true (focus_is_in (window, GTK_WIDGET (sy_mapping_rule_row_get_target_chooser (row_at (fixture, 0)))));

  /* Deleting the rule with its key leaves nothing unsaved. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row_at (fixture, 0)), "rule.remove", NULL));
  sy_gui_test_iterate ();
  g_assert_cmpuint (sy_mapping_editor_get_n_rule_rows (fixture->editor), ==, 0);
  g_assert_false (sy_mapping_editor_has_unsaved_changes (fixture->editor));

  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>n", NULL);
  type_into_focus (window, "memo");
  gtk_window_close (window);
  sy_gui_test_iterate ();
  dialog = sy_gui_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  sy_gui_test_respond (dialog, "discard");
  SY_GUI_WAIT_FOR (fixture->window == NULL);
  g_assert_null (sy_gui_test_find_message_dialog ());
}

static void
test_open_errors_and_demo (Fixture       *fixture,
                           gconstpointer  data)
{
  /* Line 7: a rule with two sources. */
  const char *broken =
    "{\n"
    "  \"version\": 1,\n"
    "  \"name\": \"Broken\",\n"
    "  \"source\": {\"connection\": \"mintsoft\", \"entity\": \"wms/sales-orders\"},\n"
    "  \"target\": {\"connection\": \"netsuite\", \"entity\": \"erp/sales-orders\"},\n"
    "  \"fields\": [\n"
    "    {\"target\": \"code\", \"source\": \"key\", \"value\": 1}\n"
    "  ]\n"
    "}\n";
  g_autofree char *broken_path = g_build_filename (fixture->mappings_dir, "broken.json", NULL);
  g_autofree char *demo_path = g_build_filename (fixture->mappings_dir, "mintsoft-to-netsuite.json", NULL);
  g_autofree char *after = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog;
  const char *body;

  g_assert_cmpint (g_mkdir_with_parents (fixture->mappings_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (broken_path, broken, -1, NULL));

  file = g_file_new_for_path (broken_path);
  sy_mapping_editor_open_file (fixture->editor, file);
  SY_GUI_WAIT_FOR (sy_gui_test_find_message_dialog () != NULL);
  dialog = sy_gui_test_find_message_dialog ();
  body = adw_message_dialog_get_body (dialog);
  g_test_message ("Open error: %s", body);
  g_assert_nonnull (strstr (body, "broken.json:7"));
  sy_gui_test_respond (dialog, "close");
  g_assert_null (sy_mapping_editor_get_file (fixture->editor));
  g_assert_true (g_file_get_contents (broken_path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, broken);

  /* The demo's mapping, from the resource, opens and previews. */
  g_assert_true (sy_mapping_editor_install_demo_mapping (fixture->mappings_dir, &error));
  g_assert_no_error (error);
  g_clear_object (&file);
  file = g_file_new_for_path (demo_path);
  sy_mapping_editor_open_file (fixture->editor, file);
  SY_GUI_WAIT_FOR (sy_mapping_editor_get_file (fixture->editor) != NULL);
  g_assert_true (g_file_equal (sy_mapping_editor_get_file (fixture->editor), file));
  g_assert_false (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  g_assert_cmpuint (sy_mapping_editor_get_n_rule_rows (fixture->editor), ==, 10);
  /* Its connections are the demo's, which this configuration lacks. */
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "source_connection_row")))),
                   ==, "“Mintsoft (demo)” does not exist");
  g_assert_cmpstr (sy_mapping_preview_get_state (SY_MAPPING_PREVIEW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "preview"))), ==, "error");

  /* Duplicate: a new, unsaved copy that asks for its name; the original
   * file stays as it was. */
  {
    g_autofree char *demo_before = NULL;
    g_autofree char *demo_after = NULL;
    g_autofree char *copy_path = g_build_filename (fixture->mappings_dir, "Mintsoft orders to NetSuite (Copy).json", NULL);
    GtkWidget *entry;

    g_assert_true (g_file_get_contents (demo_path, &demo_before, NULL, NULL));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->editor), "editor.duplicate", NULL));
    sy_gui_test_iterate ();
    g_assert_null (sy_mapping_editor_get_file (fixture->editor));
    g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));
    dialog = sy_gui_test_find_message_dialog ();
    g_assert_nonnull (dialog);
    entry = gtk_widget_get_first_child (adw_message_dialog_get_extra_child (dialog));
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "Mintsoft orders to NetSuite (Copy)");
    sy_gui_test_respond (dialog, "save");
    SY_GUI_WAIT_FOR (!sy_mapping_editor_has_unsaved_changes (fixture->editor));
    g_assert_true (g_file_test (copy_path, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_get_contents (demo_path, &demo_after, NULL, NULL));
    g_assert_cmpstr (demo_before, ==, demo_after);
  }

  /* Export writes a copy out; Import brings it back in under a free name
   * and opens it. */
  {
    g_autofree char *outside = sy_test_make_tmpdir ("switchyard-mapgui-export");
    g_autofree char *export_path = g_build_filename (outside, "shared.json", NULL);
    g_autofree char *imported_path = g_build_filename (fixture->mappings_dir, "shared.json", NULL);
    g_autofree char *imported_again = g_build_filename (fixture->mappings_dir, "shared 2.json", NULL);
    g_autofree char *exported = NULL;
    g_autofree char *current = sy_mapping_to_data (sy_mapping_editor_get_mapping (fixture->editor), NULL);
    g_autoptr(GFile) export_file = g_file_new_for_path (export_path);

    sy_mapping_editor_export_file (fixture->editor, export_file);
    SY_GUI_WAIT_FOR (g_strcmp0 (sy_mapping_editor_get_last_toast (fixture->editor), "Exported to “shared.json”") == 0);
    g_assert_true (g_file_get_contents (export_path, &exported, NULL, NULL));
    g_assert_cmpstr (exported, ==, current);

    sy_mapping_editor_import_file (fixture->editor, export_file);
    SY_GUI_WAIT_FOR (g_file_test (imported_path, G_FILE_TEST_IS_REGULAR));
    sy_mapping_editor_import_file (fixture->editor, export_file);
    SY_GUI_WAIT_FOR (g_file_test (imported_again, G_FILE_TEST_IS_REGULAR));
    g_assert_nonnull (sy_mapping_editor_get_file (fixture->editor));
    {
      g_autofree char *opened = g_file_get_path (sy_mapping_editor_get_file (fixture->editor));
      g_assert_cmpstr (opened, ==, imported_again);
    }

    /* A broken file is refused and nothing is copied. */
    {
      g_autoptr(GFile) broken_file = g_file_new_for_path (broken_path);
      g_autofree char *copied = g_build_filename (fixture->mappings_dir, "broken 2.json", NULL);

      sy_mapping_editor_import_file (fixture->editor, broken_file);
      SY_GUI_WAIT_FOR (sy_gui_test_find_message_dialog () != NULL);
      dialog = sy_gui_test_find_message_dialog ();
      g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), ":7:"));
      sy_gui_test_respond (dialog, "close");
      g_assert_false (g_file_test (copied, G_FILE_TEST_EXISTS));
    }

    /* So is a FIFO, at once: reading it would wait, with the window
     * frozen, for a writer that never comes. */
    {
      g_autofree char *fifo_path = g_build_filename (outside, "pipe.json", NULL);
      g_autoptr(GFile) fifo = g_file_new_for_path (fifo_path);
      g_autofree char *copied = g_build_filename (fixture->mappings_dir, "pipe.json", NULL);

      g_assert_cmpint (mkfifo (fifo_path, 0600), ==, 0);
      sy_mapping_editor_import_file (fixture->editor, fifo);
      SY_GUI_WAIT_FOR (sy_gui_test_find_message_dialog () != NULL);
      dialog = sy_gui_test_find_message_dialog ();
      g_test_message ("FIFO: %s", adw_message_dialog_get_body (dialog));
      g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "The Mapping Could Not Be Imported");
      sy_gui_test_respond (dialog, "close");
      g_assert_false (g_file_test (copied, G_FILE_TEST_EXISTS));
    }
    sy_test_remove_tree (outside);
  }
}

static void
test_window_action_and_quit (Fixture       *fixture,
                             gconstpointer  data)
{
  SyWindow *main_window = sy_gui_test_get_window (fixture->app);
  AdwMessageDialog *dialog;

  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);

  /* win.show-mappings (Ctrl+M) goes to the mappings in the main window:
   * with none saved yet, a new one. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (main_window), "win.show-mappings", NULL));
  g_assert_cmpstr (sy_gui_test_get_stack_page (main_window, SY_TYPE_WINDOW, "content"), ==, "mapping");
  g_assert_null (sy_mapping_page_get_file (sy_window_get_mapping_page (main_window)));
  {
    g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture->app), "win.show-mappings");
    g_assert_cmpstr (accels[0], ==, "<Control>m");
  }

  /* Quitting with unsaved changes asks, and Cancel keeps everything. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>n", NULL);
  type_into_focus (fixture->window, "code");

  /* A mapping without its ends would be a file nobody could open. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>s", NULL);
  dialog = sy_gui_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (dialog), "Cannot Be Saved Yet"));
  g_test_message ("Not savable: %s", adw_message_dialog_get_body (dialog));
  sy_gui_test_respond (dialog, "close");
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "source_connection_row")), "mintsoft");
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "target_connection_row")), "netsuite");
  /* The entity follows the connection's domain: sales orders either side
   * once one side has them. */
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "source_entity_row")), "wms/sales-orders");
  g_assert_cmpstr (sy_mapping_get_source_entity (sy_mapping_editor_get_mapping (fixture->editor)), ==, "wms/sales-orders");
  g_assert_cmpstr (sy_mapping_get_target_entity (sy_mapping_editor_get_mapping (fixture->editor)), ==, "erp/sales-orders");
  set_source (row_at (fixture, 0), "key");

  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "quit", NULL);
  sy_gui_test_iterate ();
  dialog = sy_gui_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  sy_gui_test_respond (dialog, "cancel");
  g_assert_nonnull (fixture->window);
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));

  /* Save from the question: the file is written, then the window goes. */
  gtk_window_close (fixture->window);
  sy_gui_test_iterate ();
  dialog = sy_gui_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  sy_gui_test_respond (dialog, "save");
  dialog = sy_gui_test_find_message_dialog ();
  g_assert_nonnull (dialog);   /* never saved: asks for a name */
  g_test_message ("Then: %s — %s", adw_message_dialog_get_heading (dialog), adw_message_dialog_get_body (dialog));
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_first_child (adw_message_dialog_get_extra_child (dialog))),
                         "Quit test");
  sy_gui_test_respond (dialog, "save");
  SY_GUI_WAIT_FOR (fixture->window == NULL);
  {
    g_autofree char *path = g_build_filename (fixture->mappings_dir, "Quit test.json", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(SyMapping) mapping = sy_mapping_load_file (path, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (sy_mapping_get_rules (mapping)), ==, 1);
  }
}

/* Fetches cancelled and restarted quickly, in every phase (opening the
 * client, reading the page, done): only the last one's samples count, the
 * preview gets to them, and nothing late replaces them. Edits that keep
 * the source do not restart a fetch in flight. */
static void
test_preview_restart (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(SyMapping) mapping = sy_mapping_new ();
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  SyMappingPreview *preview = SY_MAPPING_PREVIEW (sy_mapping_preview_new ());
  JsonArray *samples;

  gtk_window_set_child (window, GTK_WIDGET (preview));
  gtk_window_present (window);
  sy_mapping_preview_set_stores (preview,
                                 sy_application_get_connection_store (fixture->app),
                                 sy_application_get_secret_store (fixture->app));
  sy_mapping_set_source (mapping, "mintsoft", "wms/sales-orders");
  sy_mapping_preview_set_mapping (preview, mapping);

  for (guint i = 0; i < 16; i++)
    {
      g_autofree char *name = g_strdup_printf ("Restart %u", i);

      sy_mapping_preview_set_sample_size (preview, 1 + i % 4);
      for (guint j = 0; j < i; j++)
        sy_gui_test_iterate ();
      sy_mapping_set_name (mapping, name);
      if (i % 3 == 0)
        sy_mapping_preview_reload (preview);
    }

  /* An edit in flight: the fetch goes on and lands. */
  sy_mapping_preview_set_sample_size (preview, 3);
  g_assert_cmpstr (sy_mapping_preview_get_state (preview), ==, "loading");
  sy_mapping_set_name (mapping, "Last edit");
  g_assert_cmpstr (sy_mapping_preview_get_state (preview), ==, "loading");

  SY_GUI_WAIT_FOR (g_str_equal (sy_mapping_preview_get_state (preview), "samples"));
  samples = sy_mapping_preview_get_samples (preview);
  g_assert_nonnull (samples);
  g_assert_cmpuint (json_array_get_length (samples), ==, 3);

  /* Whatever the cancelled fetches still bring back is dropped. */
  for (guint i = 0; i < 100; i++)
    sy_gui_test_iterate ();
  g_assert_cmpstr (sy_mapping_preview_get_state (preview), ==, "samples");
  g_assert_true (sy_mapping_preview_get_samples (preview) == samples);
  g_assert_cmpuint (json_array_get_length (samples), ==, 3);

  sy_gui_test_destroy_window (window);
}

/* The demo installs its mapping, which previews its own sample orders
 * without a problem. */
static void
test_demo_mapping (void)
{
  g_autofree char *config_dir = sy_test_make_tmpdir ("switchyard-mapgui-demo-config");
  g_autofree char *state_dir = sy_test_make_tmpdir ("switchyard-mapgui-demo-state");
  g_autofree char *path = g_build_filename (config_dir, "mappings", "mintsoft-to-netsuite.json", NULL);
  g_autofree char *problems = NULL;
  g_autofree char *shot = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  SyApplication *app = sy_gui_test_start_app (config_dir, state_dir, TRUE);
  SyWindow *main_window = sy_gui_test_get_window (app);
  SyMappingEditor *editor = NULL;
  SyMappingPreview *preview;
  GtkWindow *window;

  SY_GUI_WAIT_FOR (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  /* Ctrl+M shows the demo's mapping, listed by its title, in the main
   * window. */
  SY_GUI_WAIT_FOR (sy_mapping_library_find_by_file (sy_application_get_mapping_library (app), file) != NULL);
  g_assert_cmpstr (sy_mapping_library_item_get_title (sy_mapping_library_find_by_file (sy_application_get_mapping_library (app), file)),
                   ==, "Mintsoft orders to NetSuite");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (main_window), "win.show-mappings", NULL));
  editor = sy_mapping_page_get_editor (sy_window_get_mapping_page (main_window));
  SY_GUI_WAIT_FOR (sy_mapping_editor_get_file (editor) != NULL);
  g_assert_true (g_file_equal (sy_mapping_editor_get_file (editor), file));
  window = GTK_WINDOW (main_window);
  gtk_window_set_default_size (window, 1280, 860);
  preview = SY_MAPPING_PREVIEW (sy_gui_test_get_child (editor, SY_TYPE_MAPPING_EDITOR, "preview"));
  SY_GUI_WAIT_FOR (g_str_equal (sy_mapping_preview_get_state (preview), "samples") &&
                   sy_mapping_preview_get_n_applied (preview) > 0);
  problems = sy_mapping_preview_dump_problems (preview);
  g_test_message ("Demo problems:\n%s", problems);
  g_assert_cmpuint (count_lines_starting (problems, "orderNumber:"), ==, 0);
  g_assert_false (sy_mapping_editor_has_unsaved_changes (editor));

  shot = sy_gui_test_screenshot (GTK_WIDGET (window), "mapping-editor-demo");

  sy_gui_test_stop_app (app);
  sy_test_remove_tree (config_dir);
  sy_test_remove_tree (state_dir);
}


/* The "Automation" group writes the mapping file's "automation" member and
 * reads it back; a save into mappings/ reloads the application's
 * automation, which runs the mapping when its source changes. */
typedef struct
{
  guint      n_notified;
  SySyncRun *run;
  char      *cause;
  gboolean   finished;
} AutomationSeen;

static void
automation_notified_cb (GObject        *app,
                        GParamSpec     *pspec,
                        AutomationSeen *seen)
{
  seen->n_notified++;
}

static void
run_finished_cb (SyAutomation   *automation,
                 SyMapping      *mapping,
                 const char     *cause,
                 SySyncRun      *run,
                 GError         *error,
                 AutomationSeen *seen)
{
  g_assert_no_error (error);
  g_assert_nonnull (run);
  seen->run = sy_sync_run_copy (run);
  seen->cause = g_strdup (cause);
  seen->finished = TRUE;
}

static void
test_automation (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->mappings_dir, "mintsoft-to-netsuite.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(SyMapping) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *shot = NULL;
  GtkSwitch *every_switch = GTK_SWITCH (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "every_switch"));
  GtkSpinButton *every_spin = GTK_SPIN_BUTTON (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "every_spin"));
  GtkEditable *at_row = GTK_EDITABLE (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "at_row"));
  GtkWidget *at_error_row = sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "at_error_row");
  GtkSwitch *on_changes_switch = GTK_SWITCH (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "on_changes_switch"));
  SyMapping *mapping;
  SyAutomation *automation;
  AutomationSeen seen = { 0 };
  gulong handler;

  g_assert_true (sy_mapping_editor_install_demo_mapping (fixture->mappings_dir, &error));
  g_assert_no_error (error);
  sy_mapping_editor_open_file (fixture->editor, file);
  SY_GUI_WAIT_FOR (sy_mapping_editor_get_file (fixture->editor) != NULL);
  mapping = sy_mapping_editor_get_mapping (fixture->editor);
  g_assert_false (sy_mapping_has_automation (mapping));
  g_assert_false (gtk_switch_get_active (every_switch));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (every_spin)));

  /* Sync on changes alone, saved into mappings/: the application's
   * automation reloads (stopped, then loaded again) and a change of the
   * mapping's source runs it. */
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "source_connection_row")), "mintsoft");
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "target_connection_row")), "netsuite");
  g_assert_cmpstr (sy_mapping_get_source_entity (mapping), ==, "wms/sales-orders");
  gtk_switch_set_active (on_changes_switch, TRUE);
  g_assert_true (sy_mapping_get_on_changes (mapping));
  handler = g_signal_connect (fixture->app, "notify::automation", G_CALLBACK (automation_notified_cb), &seen);
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>s", NULL);
  SY_GUI_WAIT_FOR (!sy_mapping_editor_has_unsaved_changes (fixture->editor));
  SY_GUI_WAIT_FOR (seen.n_notified >= 2 && sy_application_get_automation (fixture->app) != NULL);
  g_signal_handler_disconnect (fixture->app, handler);
  automation = sy_application_get_automation (fixture->app);
  g_signal_connect (automation, "run-finished", G_CALLBACK (run_finished_cb), &seen);
  sy_automation_notify_change (automation, "Mintsoft", "wms/sales-orders");
  SY_GUI_WAIT_FOR (seen.finished);
  g_test_message ("run %" G_GINT64_FORMAT " (%s): %" G_GUINT64_FORMAT " created",
                  seen.run->id, seen.cause, seen.run->created);
  g_assert_cmpstr (seen.cause, ==, "webhook");
  g_assert_cmpint (seen.run->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  g_assert_cmpuint (seen.run->created, >, 0);
  g_signal_handlers_disconnect_by_data (automation, &seen);
  g_clear_pointer (&seen.run, sy_sync_run_free);
  g_clear_pointer (&seen.cause, g_free);

  /* A schedule: every 15 minutes and at two times. */
  gtk_switch_set_active (every_switch, TRUE);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (every_spin)));
  gtk_spin_button_set_value (every_spin, 15);
  g_assert_cmpuint (sy_mapping_get_every_minutes (mapping), ==, 15);
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));

  /* A time that is not HH:MM is refused with a message, not applied. */
  gtk_editable_set_text (at_row, "6:00, 18:30");
  g_assert_true (gtk_widget_get_visible (at_error_row));
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (at_error_row)), "“6:00”"));
  g_assert_null (sy_mapping_get_at_times (mapping)[0]);
  /* Nor saved while it says so. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>s", NULL);
  {
    AdwMessageDialog *dialog = sy_gui_test_find_message_dialog ();

    g_assert_nonnull (dialog);
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "“6:00”"));
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  gtk_editable_set_text (at_row, "06:00, 18:30");
  g_assert_false (gtk_widget_get_visible (at_error_row));
  g_assert_cmpstr (sy_mapping_get_at_times (mapping)[0], ==, "06:00");
  g_assert_cmpstr (sy_mapping_get_at_times (mapping)[1], ==, "18:30");
  g_assert_null (sy_mapping_get_at_times (mapping)[2]);

  gtk_widget_grab_focus (GTK_WIDGET (at_row));
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 10);
  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-automation");
  g_clear_pointer (&shot, g_free);
  gtk_window_set_default_size (fixture->window, 420, 760);
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 30);
  gtk_widget_grab_focus (GTK_WIDGET (on_changes_switch));
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 10);
  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-automation-narrow");
  g_clear_pointer (&shot, g_free);
  sy_gui_test_assert_buttons_labelled (GTK_WIDGET (fixture->window));

  /* The file holds it. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>s", NULL);
  SY_GUI_WAIT_FOR (!sy_mapping_editor_has_unsaved_changes (fixture->editor));
  loaded = sy_mapping_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sy_mapping_get_every_minutes (loaded), ==, 15);
  g_assert_cmpstr (sy_mapping_get_at_times (loaded)[0], ==, "06:00");
  g_assert_cmpstr (sy_mapping_get_at_times (loaded)[1], ==, "18:30");
  g_assert_true (sy_mapping_get_on_changes (loaded));

  /* Read back into the widgets. */
  gtk_switch_set_active (on_changes_switch, FALSE);
  sy_mapping_editor_set_mapping (fixture->editor, loaded, file);
  g_assert_true (gtk_switch_get_active (every_switch));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (every_spin), ==, 15);
  g_assert_cmpstr (gtk_editable_get_text (at_row), ==, "06:00, 18:30");
  g_assert_true (gtk_switch_get_active (on_changes_switch));
  g_assert_false (sy_mapping_editor_has_unsaved_changes (fixture->editor));

  g_free (seen.cause);
}

/* Issue 12: the rule list */

/* The widget under root (popovers included) whose accessible label is
 * label: found as a screen reader finds it. */
static GtkWidget *
find_labelled (GtkWidget  *root,
               const char *label)
{
  if (gtk_test_accessible_has_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL))
    {
      g_autofree char *mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (root),
                                                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label);
      if (mismatch == NULL)
        return root;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_labelled (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The first button under root whose label is label. */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The label under root showing text, or NULL. */
static GtkLabel *
find_label_text (GtkWidget  *root,
                 const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return GTK_LABEL (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label_text (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The visible label under root whose text contains part, or NULL. */
static GtkLabel *
find_label_containing (GtkWidget  *root,
                       const char *part)
{
  if (GTK_IS_LABEL (root) && gtk_widget_is_visible (root) && strstr (gtk_label_get_text (GTK_LABEL (root)), part) != NULL)
    return GTK_LABEL (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label_containing (child, part);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static char *
get_string (gpointer    object,
            const char *property)
{
  char *value = NULL;

  g_object_get (object, property, &value, NULL);
  return value;
}

static gboolean
get_touched (SyMappingRuleRow *row)
{
  gboolean touched;

  g_object_get (row, "touched", &touched, NULL);
  return touched;
}

/* The demo mapping, opened on the fixture's connections and saved; its
 * samples fetched. Returns the file's path. */
static char *
open_demo (Fixture *fixture)
{
  g_autofree char *path = g_build_filename (fixture->mappings_dir, "mintsoft-to-netsuite.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  SyMappingPreview *preview = SY_MAPPING_PREVIEW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "preview"));

  g_assert_true (sy_mapping_editor_install_demo_mapping (fixture->mappings_dir, &error));
  g_assert_no_error (error);
  sy_mapping_editor_open_file (fixture->editor, file);
  SY_GUI_WAIT_FOR (sy_mapping_editor_get_file (fixture->editor) != NULL);
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "source_connection_row")), "mintsoft");
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "target_connection_row")), "netsuite");
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>s", NULL);
  SY_GUI_WAIT_FOR (!sy_mapping_editor_has_unsaved_changes (fixture->editor));
  SY_GUI_WAIT_FOR (sy_mapping_preview_get_samples (preview) != NULL &&
                   g_str_equal (sy_mapping_preview_get_state (preview), "samples"));
  sy_gui_test_iterate ();
  return g_steal_pointer (&path);
}

static int
center_y (GtkWidget *widget,
          GtkWidget *within)
{
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_compute_bounds (widget, within, &bounds));
  return (int) (bounds.origin.y + bounds.size.height / 2);
}

static void
test_rule_layout (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = open_demo (fixture);
  GtkWidget *rule_list = sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "rule_list");
  g_autofree char *shot = NULL;
  guint n_rows;

  /* Wide (the test screen's 1280 px, the preview beside the rules): every
   * rule on one line, source → transform → target. */
  gtk_window_set_default_size (fixture->window, 1280, 900);
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 20);
  g_test_message ("Rule list %d px wide", gtk_widget_get_width (rule_list));
  g_assert_cmpint (gtk_widget_get_width (rule_list), >=, 850);
  n_rows = sy_mapping_editor_get_n_rule_rows (fixture->editor);
  g_assert_cmpuint (n_rows, ==, 10);
  for (guint i = 0; i < n_rows; i++)
    {
      SyMappingRuleRow *row = row_at (fixture, i);
      GtkWidget *source = GTK_WIDGET (sy_mapping_rule_row_get_kind_dropdown (row));
      GtkWidget *target = GTK_WIDGET (sy_mapping_rule_row_get_target_chooser (row));
      int source_y = center_y (source, GTK_WIDGET (row));
      int target_y = center_y (target, GTK_WIDGET (row));
      graphene_rect_t source_bounds, target_bounds;

      g_assert_cmpint (ABS (source_y - target_y), <=, 3);
      /* In reading order: the source on the left of the target. */
      g_assert_true (gtk_widget_compute_bounds (source, GTK_WIDGET (row), &source_bounds));
      g_assert_true (gtk_widget_compute_bounds (target, GTK_WIDGET (row), &target_bounds));
      g_assert_cmpfloat (source_bounds.origin.x, <, target_bounds.origin.x);
      g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (gtk_menu_button_get_child (GTK_MENU_BUTTON (find_labelled (GTK_WIDGET (row), "Transform and default")))))));
      /* As high as the first, one-line row. */
      g_assert_cmpint (ABS (gtk_widget_get_height (GTK_WIDGET (row)) - gtk_widget_get_height (GTK_WIDGET (row_at (fixture, 0)))), <=, 2);
    }
  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-rules-wide");
  g_clear_pointer (&shot, g_free);

  /* A phone: rules may wrap, nothing is cut off. */
  gtk_window_set_default_size (fixture->window, 360, 760);
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 30);
  g_assert_cmpuint (sy_gui_test_report_too_wide (rule_list, gtk_widget_get_width (rule_list)), ==, 0);
  g_assert_cmpint (gtk_widget_get_width (rule_list), <=, 360);
  for (guint i = 0; i < n_rows; i++)
    {
      GtkWidget *button = find_labelled (GTK_WIDGET (row_at (fixture, i)), "Transform and default");
      GtkWidget *label = gtk_menu_button_get_child (GTK_MENU_BUTTON (button));

      g_test_message ("Rule %u: “%s”", i, gtk_label_get_text (GTK_LABEL (label)));
      g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (label))));
    }
  gtk_widget_grab_focus (GTK_WIDGET (sy_field_chooser_get_entry (sy_mapping_rule_row_get_target_chooser (row_at (fixture, 3)))));
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 10);
  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-rules-narrow");
  g_clear_pointer (&shot, g_free);

  /* The transform popover fits a phone too, light and dark. */
  {
    GtkWidget *button = find_labelled (GTK_WIDGET (row_at (fixture, 3)), "Transform and default");
    GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
    AdwStyleManager *style = adw_style_manager_get_default ();

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row_at (fixture, 3)), "rule.edit-transform", NULL));
    SY_GUI_WAIT_FOR (gtk_widget_get_mapped (popover));
    sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 5);
    g_assert_cmpuint (sy_gui_test_report_too_wide (popover, 360), ==, 0);
    shot = sy_gui_test_screenshot (popover, "mapping-editor-date-popover-narrow");
    g_clear_pointer (&shot, g_free);
    gtk_popover_popdown (GTK_POPOVER (popover));
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
    sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 10);
    shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-rules-narrow-dark");
    g_clear_pointer (&shot, g_free);
    gtk_window_set_default_size (fixture->window, 1280, 900);
    sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 20);
    shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-rules-wide-dark");
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  }
}

static void
test_transform_popover_and_dates (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *path = open_demo (fixture);
  SyMappingRuleRow *row = row_at (fixture, 3);
  g_autofree char *summary = get_string (row, "transform-summary");
  g_autofree char *text = get_string (row, "transform-text");
  g_autofree char *example = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *shot = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *button, *formats, *pattern, *popover;
  GtkLabel *shown;
  JsonObject *date;

  g_assert_cmpstr (sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row)), ==, "date");
  /* The row: a summary that says what comes out, not a cut-off pattern. */
  g_test_message ("Row says “%s”; the popover “%s”", summary, text);
  g_assert_cmpstr (summary, ==, "Date as 2024-01-31");
  button = find_labelled (GTK_WIDGET (row), "Transform and default");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (gtk_menu_button_get_child (GTK_MENU_BUTTON (button)))), ==, summary);

  /* The popover: the whole transform, with its pattern. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "rule.edit-transform", NULL));
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  SY_GUI_WAIT_FOR (gtk_widget_get_mapped (popover));
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 5);
  g_assert_nonnull (strstr (text, "%Y-%m-%d"));
  g_assert_nonnull (strstr (text, "2024-01-31"));
  shown = find_label_text (popover, text);
  g_assert_nonnull (shown);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (shown)));
  g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (shown)));

  /* The format is one of the examples; the pattern stays hidden. */
  formats = find_labelled (popover, "Date format");
  pattern = find_labelled (popover, "Custom date pattern (strftime)");
  g_assert_true (GTK_IS_DROP_DOWN (formats));
  g_assert_true (GTK_IS_EDITABLE (pattern));
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (formats)), ==, 0);
  g_assert_false (gtk_widget_is_visible (pattern));
  {
    GListModel *offered = gtk_drop_down_get_model (GTK_DROP_DOWN (formats));
    const char *expected[] = { "2024-01-31", "31/01/2024", "01/31/2024", "31 Jan 2024",
                               "2024-01-31T14:30:00Z (ISO 8601)", "Custom…" };

    g_assert_cmpuint (g_list_model_get_n_items (offered), ==, G_N_ELEMENTS (expected));
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      {
        g_autoptr(GtkStringObject) item = g_list_model_get_item (offered, i);
        g_assert_cmpstr (gtk_string_object_get_string (item), ==, expected[i]);
      }
  }
  shot = sy_gui_test_screenshot (popover, "mapping-editor-date-popover");
  g_clear_pointer (&shot, g_free);

  /* Custom: the pattern shows, and the example follows the typing. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (formats), 5);
  sy_gui_test_iterate ();
  g_assert_true (gtk_widget_is_visible (pattern));
  gtk_editable_set_text (GTK_EDITABLE (pattern), "%d.%m.%Y %H:%M");
  sy_gui_test_iterate ();
  example = get_string (row, "date-example");
  g_assert_cmpstr (example, ==, "31.01.2024 14:30");
  g_assert_nonnull (find_label_text (popover, "31 January 2024 becomes “31.01.2024 14:30”"));
  g_clear_pointer (&example, g_free);
  /* A pattern GLib cannot use: said so, and not taken. */
  gtk_editable_set_text (GTK_EDITABLE (pattern), "%d.%Q");
  sy_gui_test_iterate ();
  example = get_string (row, "date-example");
  g_assert_null (example);
  {
    GtkLabel *problem = find_label_containing (popover, "“%d.%Q” is not a date format");

    g_assert_nonnull (problem);
    g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (problem), "error"));
  }
  {
    JsonObject *options;
    JsonNode *transform = sy_mapping_rule_get_transform (sy_mapping_rule_row_get_rule (row));

    options = json_object_get_object_member (json_node_get_object (transform), "date");
    g_assert_cmpstr (json_object_get_string_member (options, "to"), ==, "%d.%m.%Y %H:%M");
  }
  shot = sy_gui_test_screenshot (popover, "mapping-editor-date-custom-error");
  g_clear_pointer (&shot, g_free);

  /* Picking the example "31/01/2024" writes %d/%m/%Y. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (formats), 1);
  sy_gui_test_iterate ();
  g_assert_null (find_label_containing (popover, "is not a date format"));
  example = get_string (row, "date-example");
  g_assert_cmpstr (example, ==, "31/01/2024");
  g_clear_pointer (&summary, g_free);
  summary = get_string (row, "transform-summary");
  g_assert_cmpstr (summary, ==, "Date as 31/01/2024");
  gtk_popover_popdown (GTK_POPOVER (popover));
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>s", NULL);
  SY_GUI_WAIT_FOR (!sy_mapping_editor_has_unsaved_changes (fixture->editor));

  g_file_get_contents (path, &saved, NULL, &error);
  g_assert_no_error (error);
  root = json_from_string (saved, &error);
  g_assert_no_error (error);
  {
    JsonArray *fields = json_object_get_array_member (json_node_get_object (root), "fields");
    JsonObject *rule = json_array_get_object_element (fields, 3);

    g_assert_cmpstr (json_object_get_string_member (rule, "target"), ==, "date");
    date = json_object_get_object_member (json_object_get_object_member (rule, "transform"), "date");
    g_assert_cmpstr (json_object_get_string_member (date, "to"), ==, "%d/%m/%Y");
  }

  /* A file's pattern that is one of the examples shows as that example. */
  {
    g_autoptr(GFile) file = g_file_new_for_path (path);
    GtkWidget *reopened_formats;

    sy_mapping_editor_open_file (fixture->editor, file);
    sy_gui_test_iterate ();
    SY_GUI_WAIT_FOR (sy_mapping_editor_get_n_rule_rows (fixture->editor) == 10 &&
                     row_at (fixture, 3) != row);
    reopened_formats = find_labelled (GTK_WIDGET (row_at (fixture, 3)), "Date format");
    g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (reopened_formats)), ==, 1);
  }
}

static void
test_new_rule_untouched (Fixture       *fixture,
                         gconstpointer  data)
{
  SyMappingPreview *preview = SY_MAPPING_PREVIEW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "preview"));
  g_autofree char *problem = NULL;
  SyMappingRuleRow *row, *typed;
  AdwMessageDialog *dialog;

  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "source_connection_row")), "mintsoft");
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "source_entity_row")), "wms/sales-orders");
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "target_connection_row")), "netsuite");
  choose (ADW_COMBO_ROW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "target_entity_row")), "erp/sales-orders");

  /* Ctrl+N: a rule the preview finds wrong, shown neutral. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>n", NULL);
  row = row_at (fixture, 0);
  g_assert_false (get_touched (row));
  wait_for_fresh_preview (fixture);
  {
    g_autofree char *problems = sy_mapping_preview_dump_problems (preview);
    g_test_message ("Problems with a new rule:\n%s", problems);
  }
  SY_GUI_WAIT_FOR ((problem = get_string (row, "problem")) != NULL);
  g_test_message ("Kept for later: %s", problem);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_assert_null (gtk_widget_get_tooltip_text (GTK_WIDGET (row)));

  /* A second new rule, typed into: touched, its problem shows. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>n", NULL);
  typed = row_at (fixture, 1);
  g_assert_false (get_touched (typed));
  type_into_focus (fixture->window, "orderNumber");
  g_assert_true (get_touched (typed));
  set_source (typed, "orderNo");
  wait_for_fresh_preview (fixture);
  typed = row_at (fixture, 1);
  SY_GUI_WAIT_FOR (gtk_widget_has_css_class (GTK_WIDGET (row_at (fixture, 1)), "error"));
  /* The first is still untouched and neutral. */
  row = row_at (fixture, 0);
  g_assert_false (get_touched (row));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_free (sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-new-rule"));

  /* Saving still refuses it, says why, and now shows it. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>s", NULL);
  dialog = sy_gui_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  g_test_message ("Save says: %s — %s", adw_message_dialog_get_heading (dialog), adw_message_dialog_get_body (dialog));
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (dialog), "Cannot Be Saved Yet"));
  sy_gui_test_respond (dialog, "close");
  sy_gui_test_iterate ();
  row = row_at (fixture, 0);
  g_assert_true (get_touched (row));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_assert_nonnull (gtk_widget_get_tooltip_text (GTK_WIDGET (row)));
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  {
    g_autoptr(GPtrArray) files = sy_mapping_list_files (fixture->mappings_dir, NULL);
    g_assert_true (files == NULL || files->len == 0);
  }
}

static void
test_remove_undo (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = open_demo (fixture);
  GtkWidget *overlay = sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "toast_overlay");
  g_autofree char *original = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  SyMappingRule *removed;
  GtkWidget *undo;

  g_file_get_contents (path, &original, NULL, &error);
  g_assert_no_error (error);
  removed = sy_mapping_rule_row_get_rule (row_at (fixture, 4));
  g_assert_cmpstr (sy_mapping_rule_get_target (removed), ==, "currencyKey");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row_at (fixture, 4)), "rule.remove", NULL));
  sy_gui_test_iterate ();
  g_assert_cmpuint (sy_mapping_editor_get_n_rule_rows (fixture->editor), ==, 9);
  g_assert_cmpstr (sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row_at (fixture, 4))), ==, "memo");
  g_assert_cmpstr (sy_mapping_editor_get_last_toast (fixture->editor), ==, "Rule removed");
  g_assert_true (sy_mapping_editor_has_unsaved_changes (fixture->editor));

  /* The toast's Undo puts it back where it was, as it was. */
  SY_GUI_WAIT_FOR ((undo = find_button (overlay, "_Undo")) != NULL && gtk_widget_get_mapped (undo));
  g_free (sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-rule-removed"));
  g_signal_emit_by_name (undo, "clicked");
  sy_gui_test_iterate ();
  g_assert_cmpuint (sy_mapping_editor_get_n_rule_rows (fixture->editor), ==, 10);
  g_assert_cmpstr (sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row_at (fixture, 4))), ==, "currencyKey");
  g_assert_false (sy_mapping_editor_has_unsaved_changes (fixture->editor));
  /* The toast goes once it was used. */
  SY_GUI_WAIT_FOR (find_button (overlay, "_Undo") == NULL);

  /* Saved, the file is the one before the removal. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>s", NULL);
  SY_GUI_WAIT_FOR (g_strcmp0 (sy_mapping_editor_get_last_toast (fixture->editor), "Rule removed") != 0);
  g_file_get_contents (path, &after, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after, ==, original);

  /* An item rule too: back inside its array, at its place. */
  g_assert_cmpstr (sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row_at (fixture, 8))), ==, "productKey");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row_at (fixture, 8)), "rule.remove", NULL));
  sy_gui_test_iterate ();
  g_assert_cmpstr (sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row_at (fixture, 8))), ==, "quantity");
  SY_GUI_WAIT_FOR ((undo = find_button (overlay, "_Undo")) != NULL && gtk_widget_get_mapped (undo));
  g_signal_emit_by_name (undo, "clicked");
  sy_gui_test_iterate ();
  g_assert_cmpstr (sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row_at (fixture, 8))), ==, "productKey");
  g_assert_true (sy_mapping_rule_row_get_parent_rule (row_at (fixture, 8)) != NULL);
  g_assert_false (sy_mapping_editor_has_unsaved_changes (fixture->editor));
}

static guint
count_unused_rows (GtkListBox *list,
                   const char *field)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (ADW_IS_PREFERENCES_ROW (child) &&
        (field == NULL || g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)), field) == 0))
      n++;
  return n;
}

static void
test_unused_fields (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *path = open_demo (fixture);
  GtkWidget *group = sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "unused_group");
  GtkListBox *list = GTK_LIST_BOX (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "unused_list"));
  g_autofree char *field = NULL;
  g_autofree char *saved = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) loaded = NULL;
  GtkListBoxRow *first;
  GtkWidget *add;
  SyMappingRuleRow *row;
  guint n_before;
  gboolean found = FALSE;

  /* Listed in the window, not in a tooltip. */
  SY_GUI_WAIT_FOR (gtk_widget_get_visible (group) && count_unused_rows (list, NULL) > 0);
  n_before = count_unused_rows (list, NULL);
  first = gtk_list_box_get_row_at_index (list, 0);
  field = g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (first)));
  g_test_message ("%u unused source fields, the first “%s”", n_before, field);
  for (guint i = 0; i < sy_mapping_editor_get_n_rule_rows (fixture->editor); i++)
    g_assert_cmpstr (sy_mapping_rule_get_source (sy_mapping_rule_row_get_rule (row_at (fixture, i))), !=, field);

  add = find_button (GTK_WIDGET (first), "_Add Rule");
  g_assert_nonnull (add);
  {
    g_autofree char *expected = g_strdup_printf ("Add a rule for %s", field);
    g_assert_true (find_labelled (GTK_WIDGET (first), expected) == add);
  }
  g_signal_emit_by_name (add, "clicked");
  sy_gui_test_iterate ();

  /* A rule that reads it, last; the field leaves the list. */
  g_assert_cmpuint (sy_mapping_editor_get_n_rule_rows (fixture->editor), ==, 11);
  row = row_at (fixture, 10);
  g_assert_cmpstr (sy_mapping_rule_get_source (sy_mapping_rule_row_get_rule (row)), ==, field);
  g_assert_cmpuint (count_unused_rows (list, field), ==, 0);
  g_assert_cmpuint (count_unused_rows (list, NULL), ==, n_before - 1);
  /* The target: the field of the same name if the target has one. */
  {
    GListModel *targets = sy_field_chooser_get_filtered (sy_mapping_rule_row_get_target_chooser (row));

    for (guint i = 0; i < g_list_model_get_n_items (targets); i++)
      {
        g_autoptr(SyCatalogueField) target = g_list_model_get_item (targets, i);
        found |= g_str_equal (sy_catalogue_field_get_path (target), field);
      }
  }
  g_test_message ("Target chosen: “%s”", sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row)));
  /* (Not a target another rule fills already.) */
  for (guint i = 0; found && i < 10; i++)
    found &= g_strcmp0 (sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row_at (fixture, i))), field) != 0;
  g_assert_cmpstr (sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row)), ==, found ? field : "");
  g_assert_true (get_touched (row) == found);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  /* Scrolled down to the list, below the rules. */
  {
    GtkScrolledWindow *pane = GTK_SCROLLED_WINDOW (sy_gui_test_get_child (fixture->editor, SY_TYPE_MAPPING_EDITOR, "rules_pane"));
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (pane);

    sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 5);
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
    sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 10);
  }
  g_free (sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "mapping-editor-unused-fields"));

  /* Saved (with a target typed where none was chosen): in the file. */
  if (!found)
    {
      gtk_editable_set_text (sy_field_chooser_get_entry (sy_mapping_rule_row_get_target_chooser (row)), "memo2");
      sy_gui_test_iterate ();
    }
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->editor), "<Control>s", NULL);
  SY_GUI_WAIT_FOR (!sy_mapping_editor_has_unsaved_changes (fixture->editor) || sy_gui_test_find_message_dialog () != NULL);
  if (sy_gui_test_find_message_dialog () != NULL)
    g_test_message ("Save refused: %s", adw_message_dialog_get_body (sy_gui_test_find_message_dialog ()));
  g_assert_null (sy_gui_test_find_message_dialog ());
  loaded = sy_mapping_load_file (path, &error);
  g_assert_no_error (error);
  {
    GListModel *rules = sy_mapping_get_rules (loaded);
    g_autoptr(SyMappingRule) last = g_list_model_get_item (rules, g_list_model_get_n_items (rules) - 1);

    g_assert_cmpuint (g_list_model_get_n_items (rules), ==, 9);
    g_assert_cmpstr (sy_mapping_rule_get_source (last), ==, field);
  }
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add ("/mapping-editor/build-preview-fix-save", Fixture, NULL,
              fixture_set_up, test_build_preview_fix_save, fixture_tear_down);
  g_test_add ("/mapping-editor/close-asks", Fixture, NULL,
              fixture_set_up, test_close_asks, fixture_tear_down);
  g_test_add ("/mapping-editor/open-errors-and-demo", Fixture, NULL,
              fixture_set_up, test_open_errors_and_demo, fixture_tear_down);

  g_test_add ("/mapping-editor/window-action-and-quit", Fixture, NULL,
              fixture_set_up, test_window_action_and_quit, fixture_tear_down);

  g_test_add ("/mapping-editor/preview-restart", Fixture, NULL,
              fixture_set_up, test_preview_restart, fixture_tear_down);

  g_test_add_func ("/mapping-editor/demo-mapping", test_demo_mapping);
  g_test_add ("/mapping-editor/automation", Fixture, NULL,
              fixture_set_up, test_automation, fixture_tear_down);

  g_test_add ("/mapping-editor/rule-layout", Fixture, NULL,
              fixture_set_up, test_rule_layout, fixture_tear_down);
  g_test_add ("/mapping-editor/transform-popover-and-dates", Fixture, NULL,
              fixture_set_up, test_transform_popover_and_dates, fixture_tear_down);
  g_test_add ("/mapping-editor/new-rule-untouched", Fixture, NULL,
              fixture_set_up, test_new_rule_untouched, fixture_tear_down);
  g_test_add ("/mapping-editor/remove-undo", Fixture, NULL,
              fixture_set_up, test_remove_undo, fixture_tear_down);
  g_test_add ("/mapping-editor/unused-fields", Fixture, NULL,
              fixture_set_up, test_unused_fields, fixture_tear_down);

  return g_test_run ();
}
