/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-application-private.h"
#include "sy-connection-page-private.h"
#include "sy-connection-row.h"
#include "sy-gui-test-util.h"
#include "sy-mapping-editor-private.h"
#include "sy-mapping-row.h"
#include "sy-mapping-preview-private.h"
#include "sy-preferences-window.h"
#include "sy-record-browser-private.h"
#include "sy-run-panel.h"
#include "sy-test-support.h"
#include "sy-window-private.h"

/* The main window with the keyboard alone: Tab, as GTK moves focus for it
 * (gtk_widget_child_focus() is what the Tab binding calls; GTK 4.8 cannot
 * synthesise key events), reaches every control of the sidebar and the
 * page, and every control it reaches has a name a screen reader can say.
 * The same for the preferences, the sync window and the mapping editor
 * (wide, and narrow where it folds into one pane at a time). */

#define MAX_STEPS 500

/* Widgets whose parts take the focus but which are one control to a user
 * (and to a screen reader): the entry of a spin button, the toggle of a
 * menu button, the rows of a column view. */
static gboolean
is_composite_control (GtkWidget *widget)
{
  return GTK_IS_SPIN_BUTTON (widget) || GTK_IS_ENTRY (widget) || GTK_IS_SEARCH_ENTRY (widget) ||
         GTK_IS_PASSWORD_ENTRY (widget) || GTK_IS_MENU_BUTTON (widget) || GTK_IS_DROP_DOWN (widget) ||
         GTK_IS_COLUMN_VIEW (widget) || GTK_IS_LIST_VIEW (widget) || GTK_IS_GRID_VIEW (widget) ||
         ADW_IS_ENTRY_ROW (widget) || ADW_IS_SPLIT_BUTTON (widget);
}

static GtkWidget *
control_for (GtkWidget *widget)
{
  GtkWidget *control = widget;

  for (GtkWidget *w = gtk_widget_get_parent (widget); w != NULL; w = gtk_widget_get_parent (w))
    {
      /* A button of its own inside an entry row (a suffix) stays itself. */
      if (ADW_IS_ENTRY_ROW (w) && !GTK_IS_TEXT (widget))
        break;
      if (is_composite_control (w))
        control = w;
    }
  return control;
}

static char *
describe (GtkWidget *widget)
{
  const char *tooltip = gtk_widget_get_tooltip_text (widget);
  const char *name = NULL;

  if (GTK_IS_BUTTON (widget))
    name = gtk_button_get_label (GTK_BUTTON (widget));
  if (name == NULL && ADW_IS_PREFERENCES_ROW (widget))
    name = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
  if (name == NULL)
    name = tooltip;
  if (name == NULL && gtk_widget_get_name (widget) != NULL)
    name = gtk_widget_get_name (widget);

  return g_strdup_printf ("%s “%s”", G_OBJECT_TYPE_NAME (widget), name ? name : "");
}

/* The controls a user sees and can use: shown, sensitive, focusable, and
 * inside nothing that refuses the focus. Labels (selectable text) are
 * reachable but are not controls. */
static void
collect_controls (GtkWidget  *widget,
                  GHashTable *controls)
{
  if (!gtk_widget_get_mapped (widget) || !gtk_widget_is_sensitive (widget) ||
      !gtk_widget_get_can_focus (widget))
    return;

  if (is_composite_control (widget))
    {
      g_hash_table_add (controls, control_for (widget));
      return;
    }

  /* A list box, a scrolled window: the rows and what is inside are the
   * controls. */
  if (gtk_widget_get_focusable (widget) && !GTK_IS_LABEL (widget) && !GTK_IS_WINDOW (widget) &&
      !GTK_IS_LIST_BOX (widget) && !GTK_IS_SCROLLED_WINDOW (widget) && !GTK_IS_VIEWPORT (widget))
    g_hash_table_add (controls, control_for (widget));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_controls (child, controls);
}

/* The name GTK 4.8 gives assistive technologies: a label, or what the
 * labelled-by relation points at. */
static gboolean
has_accessible_name (GtkWidget *control)
{
  if (gtk_test_accessible_has_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL) ||
      gtk_test_accessible_has_relation (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return TRUE;

  /* An entry's text takes the focus and carries its entry's name. */
  if (GTK_IS_TEXT (control) && gtk_widget_get_parent (control) != NULL)
    return has_accessible_name (gtk_widget_get_parent (control));

  return FALSE;
}

static gboolean
demo_has_records (gpointer user_data)
{
  SyWindow *window = user_data;
  SyConnectionPage *page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  SyRecordBrowser *browser = sy_connection_page_get_record_browser (page);

  return sy_record_browser_get_n_loaded (browser) > 0 && !sy_record_browser_get_loading (browser);
}

typedef struct
{
  GPtrArray  *order;     /* controls in the order Tab reached them */
  GHashTable *reached;
} Walk;

static void
walk_clear (Walk *walk)
{
  g_clear_pointer (&walk->order, g_ptr_array_unref);
  g_clear_pointer (&walk->reached, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Walk, walk_clear)

static gboolean
page_settled (gpointer user_data)
{
  SyWindow *window = user_data;
  SyConnectionPage *page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  SyRecordBrowser *browser = sy_connection_page_get_record_browser (page);

  return sy_connection_page_get_has_client (page) && !sy_record_browser_get_loading (browser);
}

/* Tab onto a connection in the sidebar selects it (the list is in browse
 * mode), and its page loads: a user sees that page next, so the walk goes
 * on once it is there. The demo ERP has no sales orders yet; its
 * customers are what a user would pick to see records. */
static void
wait_for_page (SyWindow *window)
{
  SyConnectionPage *page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  SyRecordBrowser *browser = sy_connection_page_get_record_browser (page);

  sy_gui_test_wait_frames (GTK_WIDGET (window), 2);
  if (sy_window_get_selected_connection (window) == NULL)
    return;

  sy_gui_test_wait_until (page_settled, window, 60, "the selected connection's page");
  if (g_strcmp0 (sy_record_browser_get_entity (browser), "erp/sales-orders") == 0)
    {
      sy_connection_page_set_entity (page, "erp/customers");
      sy_gui_test_wait_until (demo_has_records, window, 60, "the demo ERP's customers");
    }
  sy_gui_test_wait_frames (GTK_WIDGET (window), 2);
}

static void
walk_with_tab (GtkWindow        *window,
               GtkDirectionType  direction,
               Walk             *walk)
{
  GtkWidget *first = NULL;
  gboolean left_first = FALSE;

  walk->order = g_ptr_array_new ();
  walk->reached = g_hash_table_new (NULL, NULL);

  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  for (guint step = 0; step < MAX_STEPS; step++)
    {
      GtkWidget *focus, *control;

      /* At the end of the chain the window wraps to its start itself. */
      g_assert_true (gtk_widget_child_focus (GTK_WIDGET (window), direction));
      if (SY_IS_WINDOW (window))
        wait_for_page (SY_WINDOW (window));
      focus = gtk_window_get_focus (GTK_WINDOW (window));
      g_assert_nonnull (focus);
      control = control_for (focus);

      /* Round once: back at the first control, having been elsewhere (a
       * list may take several presses inside itself). */
      if (first == NULL)
        first = control;
      else if (control != first)
        left_first = TRUE;
      else if (left_first)
        return;

      if (!g_hash_table_contains (walk->reached, control))
        {
          g_autofree char *text = describe (control);

          g_test_message ("%s %u: %s", direction == GTK_DIR_TAB_FORWARD ? "Tab" : "Shift+Tab",
                          step + 1, text);
          g_ptr_array_add (walk->order, control);
          g_hash_table_add (walk->reached, control);
        }
    }

  g_error ("Focus did not come back to where it started within %d presses of (Shift+)Tab", MAX_STEPS);
}

/* Walks window with Tab and asserts that every control on screen was
 * reached and has a name; then Shift+Tab must reach the same ones. The
 * walk (in Tab order) is kept in walk. */
static void
assert_keyboard_walk (GtkWindow *window,
                      Walk      *walk)
{
  g_autoptr(GHashTable) visible = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) unreached = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) unnamed = g_ptr_array_new_with_free_func (g_free);
  g_auto(Walk) back = { 0 };
  GHashTableIter iter;
  gpointer key;

  walk_with_tab (window, GTK_DIR_TAB_FORWARD, walk);

  /* Every control on screen was reached... */
  collect_controls (GTK_WIDGET (window), visible);
  g_test_message ("%u controls on screen, %u reached with Tab",
                  g_hash_table_size (visible), walk->order->len);
  g_hash_table_iter_init (&iter, visible);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (walk->reached, key))
      g_ptr_array_add (unreached, describe (key));
  for (guint i = 0; i < unreached->len; i++)
    g_test_message ("Not reached with Tab: %s", (char *) g_ptr_array_index (unreached, i));

  /* ...and has a name. */
  for (guint i = 0; i < walk->order->len; i++)
    {
      GtkWidget *control = g_ptr_array_index (walk->order, i);

      if (!GTK_IS_LABEL (control) && !has_accessible_name (control))
        g_ptr_array_add (unnamed, describe (control));
    }
  for (guint i = 0; i < unnamed->len; i++)
    g_test_message ("No accessible name: %s", (char *) g_ptr_array_index (unnamed, i));

  g_assert_cmpuint (unreached->len, ==, 0);
  g_assert_cmpuint (unnamed->len, ==, 0);

  /* Shift+Tab goes the same way back. */
  walk_with_tab (window, GTK_DIR_TAB_BACKWARD, &back);
  g_assert_cmpuint (back.order->len, ==, walk->order->len);
  g_hash_table_iter_init (&iter, walk->reached);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_true (g_hash_table_contains (back.reached, key));
}

static guint
count_reached (Walk  *walk,
               GType  type)
{
  guint n = 0;

  for (guint i = 0; i < walk->order->len; i++)
    n += G_TYPE_CHECK_INSTANCE_TYPE (g_ptr_array_index (walk->order, i), type);
  return n;
}

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static guint
count_reached_inside (Walk      *walk,
                      GtkWidget *ancestor)
{
  guint n = 0;

  for (guint i = 0; i < walk->order->len; i++)
    n += gtk_widget_is_ancestor (g_ptr_array_index (walk->order, i), ancestor);
  return n;
}

/* The mapping editor as the app opens it (Mappings in the main window),
 * on the demo's mapping with the preview's samples loaded: wide, both
 * panes side by side; at 360 px it folds, and each pane (switched to with
 * its own action) is walked on its own. */
static void
walk_mapping_editor (SyApplication *app,
                     SyWindow      *main_window)
{
  g_autofree char *path = g_build_filename (sy_application_get_config_dir (app), "mappings",
                                            "mintsoft-to-netsuite.json", NULL);
  g_auto(Walk) wide = { 0 };
  g_auto(Walk) narrow_rules = { 0 };
  g_auto(Walk) narrow_preview = { 0 };
  SyMappingEditor *editor = NULL;
  SyMappingPreview *preview;
  GtkWindow *window;

  SY_GUI_WAIT_FOR (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  editor = sy_gui_test_open_mapping (app, path);
  window = GTK_WINDOW (main_window);
  g_assert_true (gtk_widget_get_root (GTK_WIDGET (editor)) == GTK_ROOT (window));
  preview = SY_MAPPING_PREVIEW (sy_gui_test_get_child (editor, SY_TYPE_MAPPING_EDITOR, "preview"));
  SY_GUI_WAIT_FOR (g_str_equal (sy_mapping_preview_get_state (preview), "samples") &&
                   sy_mapping_preview_get_n_applied (preview) > 0);

  g_test_message ("The mapping editor, 1200 px wide");
  gtk_window_set_default_size (window, 1200, 800);
  sy_gui_test_wait_frames (GTK_WIDGET (window), 10);
  assert_keyboard_walk (window, &wide);
  g_assert_cmpuint (count_reached (&wide, SY_TYPE_MAPPING_RULE_ROW), ==, sy_mapping_editor_get_n_rule_rows (editor));
  g_assert_cmpuint (count_reached (&wide, ADW_TYPE_COMBO_ROW), ==, 4);
  g_assert_cmpuint (count_reached_inside (&wide, GTK_WIDGET (preview)), >, 0);

  g_test_message ("The mapping editor, 360 px wide: the rules");
  gtk_window_set_default_size (window, 360, 760);
  sy_gui_test_wait_frames (GTK_WIDGET (window), 30);
  assert_keyboard_walk (window, &narrow_rules);
  g_assert_cmpuint (count_reached (&narrow_rules, SY_TYPE_MAPPING_RULE_ROW), ==, sy_mapping_editor_get_n_rule_rows (editor));
  g_assert_cmpuint (count_reached_inside (&narrow_rules, GTK_WIDGET (preview)), ==, 0);

  g_test_message ("The mapping editor, 360 px wide: the preview");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.switch-pane", NULL));
  sy_gui_test_wait_frames (GTK_WIDGET (window), 30);
  assert_keyboard_walk (window, &narrow_preview);
  g_assert_cmpuint (count_reached (&narrow_preview, SY_TYPE_MAPPING_RULE_ROW), ==, 0);
  g_assert_cmpuint (count_reached_inside (&narrow_preview, GTK_WIDGET (preview)), >, 0);
}

static void
test_keyboard_walk (void)
{
  g_auto(Walk) records = { 0 };
  g_auto(Walk) certificate = { 0 };
  g_auto(Walk) preferences = { 0 };
  SyApplication *app;
  SyWindow *window;
  SyDemo *demo;
  AdwViewStack *tabs;
  SyPreferencesWindow *preferences_window;
  g_auto(Walk) sync = { 0 };
  SyRunPanel *panel;

  app = sy_gui_test_start_app (NULL, NULL, TRUE);
  window = sy_gui_test_get_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 760);
  demo = sy_application_get_demo (app);
  SY_GUI_WAIT_FOR (sy_demo_get_connections (demo)->len == 2 ||
                   g_strcmp0 (sy_gui_test_get_stack_page (window, SY_TYPE_WINDOW, "content_stack"), "demo-failed") == 0);
  g_assert_cmpstr (sy_gui_test_get_stack_page (window, SY_TYPE_WINDOW, "content_stack"), ==, "connection");
  sy_gui_test_wait_until (demo_has_records, window, 60, "the demo's records");
  /* The demo's mapping is listed in the sidebar once its file is read. */
  SY_GUI_WAIT_FOR (g_list_model_get_n_items (G_LIST_MODEL (sy_application_get_mapping_library (app))) == 1);
  sy_gui_test_wait_frames (GTK_WIDGET (window), 5);

  /* The sidebar and the Records tab. The connections and the record list
   * are among what was reached: what the walk is for cannot go missing
   * unnoticed. */
  g_test_message ("The main window, Records tab");
  assert_keyboard_walk (GTK_WINDOW (window), &records);
  g_assert_cmpuint (count_reached (&records, SY_TYPE_CONNECTION_ROW), ==, 2);
  g_assert_cmpuint (count_reached (&records, SY_TYPE_MAPPING_ROW), ==, 1);
  g_assert_cmpuint (count_reached (&records, GTK_TYPE_DROP_DOWN), ==, 1);
  g_assert_cmpuint (count_reached (&records, GTK_TYPE_COLUMN_VIEW), ==, 1);

  /* The Certificate tab. */
  g_test_message ("The main window, Certificate tab");
  tabs = ADW_VIEW_STACK (find_widget (GTK_WIDGET (SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"))), ADW_TYPE_VIEW_STACK));
  g_assert_nonnull (tabs);
  /* Only the NetSuite connection has a Certificate tab. */
  sy_window_select_connection (window, sy_connection_store_find_by_name (sy_application_get_connection_store (app),
                                                                         SY_DEMO_NETSUITE_NAME));
  adw_view_stack_set_visible_child_name (tabs, "certificate");
  sy_gui_test_wait_frames (GTK_WIDGET (window), 3);
  assert_keyboard_walk (GTK_WINDOW (window), &certificate);
  g_assert_cmpuint (count_reached (&certificate, SY_TYPE_CONNECTION_ROW), ==, 2);
  g_assert_cmpuint (count_reached (&certificate, GTK_TYPE_COLUMN_VIEW), ==, 0);
  {
    GtkWidget *certificate_page = GTK_WIDGET (sy_connection_page_get_certificate_page (SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"))));
    guint on_tab = 0;

    for (guint i = 0; i < certificate.order->len; i++)
      on_tab += gtk_widget_is_ancestor (g_ptr_array_index (certificate.order, i), certificate_page);
    g_assert_cmpuint (on_tab, >, 0);
  }

  /* The preferences, opened with the keyboard's shortcut action. */
  g_test_message ("The preferences");
  preferences_window = sy_application_show_preferences (app);
  g_assert_nonnull (preferences_window);
  sy_gui_test_wait_frames (GTK_WIDGET (preferences_window), 3);
  assert_keyboard_walk (GTK_WINDOW (preferences_window), &preferences);
  g_assert_cmpuint (count_reached (&preferences, GTK_TYPE_SPIN_BUTTON), ==, 5);
  /* Notify, Run in the Background; Start at Login only once that is on. */
  g_assert_cmpuint (count_reached (&preferences, GTK_TYPE_SWITCH), ==, 2);
  g_assert_cmpuint (count_reached (&preferences, ADW_TYPE_ENTRY_ROW), ==, 1);
  gtk_window_destroy (GTK_WINDOW (preferences_window));

  /* The demo mapping's runs, in the main window. */
  g_test_message ("The runs of the demo's mapping");
  {
    g_autofree char *path = g_build_filename (sy_application_get_config_dir (app), "mappings",
                                              "mintsoft-to-netsuite.json", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);

    panel = sy_gui_test_show_runs (app, file);
  }
  SY_GUI_WAIT_FOR (g_strcmp0 (sy_gui_test_get_stack_page (panel, SY_TYPE_RUN_PANEL, "content_stack"), "loading") != 0);
  g_assert_cmpstr (sy_gui_test_get_stack_page (panel, SY_TYPE_RUN_PANEL, "content_stack"), ==, "sync");
  /* The run options, folded away, are on the walk once unfolded. */
  adw_expander_row_set_expanded (sy_gui_test_get_child (panel, SY_TYPE_RUN_PANEL, "options_row"), TRUE);
  sy_gui_test_wait_frames (GTK_WIDGET (window), 5);
  assert_keyboard_walk (GTK_WINDOW (window), &sync);
  g_assert_cmpuint (count_reached (&sync, GTK_TYPE_SPIN_BUTTON), >, 0);
  g_assert_cmpuint (count_reached (&sync, SY_TYPE_MAPPING_ROW), ==, 1);
  g_assert_cmpuint (count_reached_inside (&sync, GTK_WIDGET (panel)), >, 0);

  walk_mapping_editor (app, window);

  sy_gui_test_stop_app (app);
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/keyboard-walk/demo-window", test_keyboard_walk);

  return g_test_run ();
}
