/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-add-connection-dialog.h"
#include "sy-application-private.h"
#include "sy-certificate-page.h"
#include "sy-connection-page-private.h"
#include "sy-connection-page.h"
#include "sy-error.h"
#include "sy-gui-test-util.h"
#include "sy-test-support.h"
#include "sy-window-private.h"

/* The connection page: what fits a window of 1000×700 and a phone, the
 * Certificate tab only where the platform signs in with one, and each
 * problem beside the action that mends it. Real sandbox, real keyring. */

static SyConnectionPage *
get_page (SyWindow *window)
{
  return SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
}

static gboolean
certificate_tab_visible (SyConnectionPage *page)
{
  AdwViewStackPage *tab = sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "certificate_stack_page");

  return adw_view_stack_page_get_visible (tab);
}

static AdwViewStack *
find_view_stack (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      AdwViewStack *found;

      if (ADW_IS_VIEW_STACK (child))
        return ADW_VIEW_STACK (child);
      found = find_view_stack (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Whether the widget is drawn whole inside within (not cut off). */
static gboolean
shown_whole_inside (GtkWidget *widget,
                    GtkWidget *within)
{
  graphene_rect_t bounds;

  if (!gtk_widget_get_mapped (widget) || !gtk_widget_compute_bounds (widget, within, &bounds))
    return FALSE;
  return bounds.origin.x >= 0 && bounds.origin.y >= 0 &&
         bounds.origin.x + bounds.size.width <= gtk_widget_get_width (within) &&
         bounds.origin.y + bounds.size.height <= gtk_widget_get_height (within);
}

/* The Import Certificate… button on screen (the empty state's, the wide
 * or the narrow row's), or NULL. */
static GtkWidget *
shown_import_button (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && gtk_widget_get_mapped (child) &&
          g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), "_Import Certificate…") == 0)
        return child;
      found = shown_import_button (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The demo's two connections: the Mintsoft one has no Certificate tab,
 * the NetSuite one has, and its Import Certificate… is not cut off at
 * 1000×700; nothing on the page asks for more than a phone's width. */
static void
test_demo_layout (void)
{
  SyApplication *app;
  SyWindow *window;
  SyDemo *demo;
  SyConnectionPage *page;
  SyConnectionStore *store;
  SyCertificatePage *certificate_page;
  AdwViewStack *tabs;
  GtkWidget *remove_button;
  g_autofree char *shot = NULL;
  g_autofree char *narrow_shot = NULL;

  app = sy_gui_test_start_app (NULL, NULL, TRUE);
  window = sy_gui_test_get_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  demo = sy_application_get_demo (app);
  SY_GUI_WAIT_FOR (sy_demo_get_connections (demo)->len == 2 ||
                   g_strcmp0 (sy_gui_test_get_stack_page (window, SY_TYPE_WINDOW, "content_stack"), "demo-failed") == 0);
  g_assert_cmpstr (sy_gui_test_get_stack_page (window, SY_TYPE_WINDOW, "content_stack"), ==, "connection");
  store = sy_application_get_connection_store (app);
  page = get_page (window);
  certificate_page = sy_connection_page_get_certificate_page (page);
  tabs = find_view_stack (GTK_WIDGET (page));
  g_assert_nonnull (tabs);

  sy_window_select_connection (window, sy_connection_store_find_by_name (store, SY_DEMO_MINTSOFT_NAME));
  sy_gui_test_wait_frames (GTK_WIDGET (window), 3);
  g_assert_false (certificate_tab_visible (page));

  sy_window_select_connection (window, sy_connection_store_find_by_name (store, SY_DEMO_NETSUITE_NAME));
  sy_gui_test_wait_frames (GTK_WIDGET (window), 3);
  g_assert_true (certificate_tab_visible (page));
  adw_view_stack_set_visible_child_name (tabs, "certificate");
  SY_GUI_WAIT_FOR (!sy_gui_test_get_boolean (certificate_page, "busy") &&
                   shown_import_button (GTK_WIDGET (certificate_page)) != NULL);
  sy_gui_test_wait_frames (GTK_WIDGET (window), 5);
  g_assert_true (shown_whole_inside (shown_import_button (GTK_WIDGET (certificate_page)), GTK_WIDGET (certificate_page)));
  g_assert_true (shown_whole_inside (shown_import_button (GTK_WIDGET (certificate_page)), GTK_WIDGET (window)));
  shot = sy_gui_test_screenshot (GTK_WIDGET (window), "connection-page-certificate-1000x700");

  /* The details tab scrolls, its Remove at the end. */
  adw_view_stack_set_visible_child_name (tabs, "details");
  sy_gui_test_wait_frames (GTK_WIDGET (window), 3);
  remove_button = sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "remove_button");
  g_assert_true (gtk_widget_get_mapped (remove_button));
  g_assert_true (gtk_widget_has_css_class (remove_button, "destructive-action"));
  g_free (sy_gui_test_screenshot (GTK_WIDGET (window), "connection-page-details-1000x700"));
  /* Delete on the page asks the same question; cancelled, nothing goes. */
  sy_gui_test_press_shortcut (GTK_WIDGET (page), "Delete", "connection.remove");
  SY_GUI_WAIT_FOR (sy_gui_test_find_message_dialog () != NULL);
  g_assert_cmpstr (adw_message_dialog_get_heading (sy_gui_test_find_message_dialog ()), ==,
                   "Remove “" SY_DEMO_NETSUITE_NAME "”?");
  sy_gui_test_respond (sy_gui_test_find_message_dialog (), "cancel");
  g_assert_nonnull (sy_connection_store_find_by_name (store, SY_DEMO_NETSUITE_NAME));

  /* A phone's width: nothing on the page asks for more. */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 700);
  sy_gui_test_wait_frames (GTK_WIDGET (window), 5);
  g_assert_cmpuint (sy_gui_test_report_too_wide (GTK_WIDGET (page), 360), ==, 0);
  adw_view_stack_set_visible_child_name (tabs, "certificate");
  sy_gui_test_wait_frames (GTK_WIDGET (window), 5);
  g_assert_cmpuint (sy_gui_test_report_too_wide (GTK_WIDGET (page), 360), ==, 0);
  narrow_shot = sy_gui_test_screenshot (GTK_WIDGET (window), "connection-page-certificate-360");

  /* The details, narrow and wide, light and dark. */
  adw_view_stack_set_visible_child_name (tabs, "details");
  for (guint dark = 0; dark <= 1; dark++)
    {
      adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                          dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
      for (guint wide = 0; wide <= 1; wide++)
        {
          g_autofree char *name = g_strdup_printf ("connection-page-details-%s-%s", wide ? "wide" : "360",
                                                   dark ? "dark" : "light");

          gtk_window_set_default_size (GTK_WINDOW (window), wide ? 1000 : 360, 700);
          sy_gui_test_wait_frames (GTK_WIDGET (window), 5);
          g_assert_true (gtk_widget_get_mapped (remove_button));
          g_free (sy_gui_test_screenshot (GTK_WIDGET (window), name));
        }
    }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  sy_gui_test_stop_app (app);
}

static GtkWindow *
find_add_connection_dialog (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (SY_IS_ADD_CONNECTION_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

/* A token the sandbox refuses (401): the status and the records both
 * offer Update Token…, not Try Again; the refused token stays where it
 * was (nothing is deleted for a refusal). */
static void
test_refused_token (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (NULL);
  g_autofree char *config_dir = sy_test_make_tmpdir ("switchyard-page-config");
  g_autofree char *state_dir = sy_test_make_tmpdir ("switchyard-page-state");
  g_autoptr(SySecretStore) secrets = sy_secret_store_new ();
  g_autoptr(SyConnection) connection = sy_connection_new ("Wrong Token", sy_sandbox_process_get_url (sandbox));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyApplication *app;
  SyWindow *window;
  SyConnectionPage *page;
  GtkWidget *fix_button;
  GtkWidget *problem_button;
  GtkWindow *dialog;
  g_autofree char *stored = NULL;

  sy_secret_store_store_async (secrets, sy_connection_get_id (connection), SY_SECRET_KIND_ACCESS_TOKEN,
                               "test token", "not-a-token-the-sandbox-knows", NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_secret_store_store_finish (secrets, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  app = sy_gui_test_start_app (config_dir, state_dir, FALSE);
  window = sy_gui_test_get_window (app);
  g_assert_true (sy_connection_store_add (sy_application_get_connection_store (app), connection, &error));
  g_assert_no_error (error);
  sy_window_select_connection (window, connection);
  page = get_page (window);

  /* The records: the server's refusal, and Update Token… to mend it. */
  sy_connection_page_test (page);
  SY_GUI_WAIT_FOR (g_strcmp0 (sy_gui_test_get_stack_page (page, SY_TYPE_CONNECTION_PAGE, "browser_stack"), "problem") == 0);
  problem_button = sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "problem_button");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (problem_button)), ==, "_Update Token…");
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (problem_button)), ==, "win.update-token");
  g_assert_false (gtk_widget_get_visible (sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "problem_secondary_button")));

  /* The status: the same, beside it. */
  sy_connection_page_test (page);
  SY_GUI_WAIT_FOR (sy_connection_get_status (connection) == SY_CONNECTION_STATUS_NEEDS_REAUTH);
  fix_button = sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "reconnect_button");
  SY_GUI_WAIT_FOR (gtk_widget_get_visible (fix_button));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (fix_button)), ==, "_Update Token…");
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (fix_button)), ==, "win.update-token");
  /* And the action opens the dialog that takes a new token. */
  g_free (sy_gui_test_screenshot (GTK_WIDGET (window), "connection-page-refused-token"));
  g_assert_true (gtk_widget_activate (fix_button));
  SY_GUI_WAIT_FOR ((dialog = find_add_connection_dialog ()) != NULL);
  gtk_window_destroy (dialog);

  sy_secret_store_lookup_async (secrets, sy_connection_get_id (connection), SY_SECRET_KIND_ACCESS_TOKEN, NULL,
                                sy_test_store_result, &result);
  sy_test_await (&result);
  stored = sy_secret_store_lookup_finish (secrets, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, "not-a-token-the-sandbox-knows");
  g_clear_object (&result);

  sy_gui_test_stop_app (app);
  sy_secret_store_clear_async (secrets, sy_connection_get_id (connection), NULL, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_secret_store_clear_finish (secrets, result, NULL));
  sy_test_remove_tree (config_dir);
  sy_test_remove_tree (state_dir);
}

/* A server that does not answer: the status offers Try Again, which
 * tests the connection again. */
static void
test_unreachable (void)
{
  g_autofree char *config_dir = sy_test_make_tmpdir ("switchyard-page-config");
  g_autofree char *state_dir = sy_test_make_tmpdir ("switchyard-page-state");
  g_autoptr(SySecretStore) secrets = sy_secret_store_new ();
  /* Port 9 (discard) on loopback: nothing listens there in the tests. */
  g_autoptr(SyConnection) connection = sy_connection_new ("Gone", "http://127.0.0.1:9");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyApplication *app;
  SyWindow *window;
  SyConnectionPage *page;
  GtkWidget *fix_button;

  sy_secret_store_store_async (secrets, sy_connection_get_id (connection), SY_SECRET_KIND_ACCESS_TOKEN,
                               "test token", "some-token", NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_secret_store_store_finish (secrets, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  app = sy_gui_test_start_app (config_dir, state_dir, FALSE);
  window = sy_gui_test_get_window (app);
  g_assert_true (sy_connection_store_add (sy_application_get_connection_store (app), connection, &error));
  g_assert_no_error (error);
  sy_window_select_connection (window, connection);
  page = get_page (window);

  sy_connection_page_test (page);
  SY_GUI_WAIT_FOR (sy_connection_get_status (connection) == SY_CONNECTION_STATUS_UNREACHABLE);
  fix_button = sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "reconnect_button");
  SY_GUI_WAIT_FOR (gtk_widget_get_visible (fix_button) && gtk_widget_is_sensitive (fix_button));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (fix_button)), ==, "_Try Again");
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (fix_button)), ==, "connection.test");
  /* Trying again tests again: the action is busy until the answer. */
  g_signal_emit_by_name (fix_button, "clicked");
  g_assert_false (gtk_widget_is_sensitive (fix_button));
  SY_GUI_WAIT_FOR (gtk_widget_is_sensitive (fix_button));
  g_assert_cmpint (sy_connection_get_status (connection), ==, SY_CONNECTION_STATUS_UNREACHABLE);

  sy_gui_test_stop_app (app);
  sy_secret_store_clear_async (secrets, sy_connection_get_id (connection), NULL, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_secret_store_clear_finish (secrets, result, NULL));
  sy_test_remove_tree (config_dir);
  sy_test_remove_tree (state_dir);
}

/* Which platforms have a Certificate tab. */
static void
test_platform_certificate (void)
{
  g_assert_true (sy_connection_page_platform_uses_certificate (NULL));
  g_assert_true (sy_connection_page_platform_uses_certificate ("netsuite"));
  g_assert_true (sy_connection_page_platform_uses_certificate ("NetSuite"));
  g_assert_false (sy_connection_page_platform_uses_certificate ("mintsoft"));
  g_assert_false (sy_connection_page_platform_uses_certificate ("maximo"));
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/connection-page/platform-certificate", test_platform_certificate);
  g_test_add_func ("/gui/connection-page/demo-layout", test_demo_layout);
  g_test_add_func ("/gui/connection-page/refused-token", test_refused_token);
  g_test_add_func ("/gui/connection-page/unreachable", test_unreachable);

  return g_test_run ();
}
