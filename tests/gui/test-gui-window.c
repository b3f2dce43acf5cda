/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "sy-add-connection-dialog-private.h"
#include "sy-certificate-page-private.h"
#include "sy-connection-check.h"
#include "sy-connection-page-private.h"
#include "sy-connection-page.h"
#include "sy-connection-row-private.h"
#include "sy-connection-row.h"
#include "sy-error.h"
#include "sy-example-mapping.h"
#include "sy-gui-test-util.h"
#include "sy-record-browser-private.h"
#include "sy-test-support.h"
#include "sy-window-private.h"

typedef struct
{
  SySandboxProcess *sandbox;
  char             *config_dir;
  char             *state_dir;
  SyApplication    *app;
  SyWindow         *window;
  SySecretStore    *secrets;
} Fixture;

static void
fixture_set_up_with (Fixture            *fixture,
                     const char * const *sandbox_args)
{
  fixture->sandbox = sy_test_start_sandbox (sandbox_args);
  fixture->config_dir = sy_test_make_tmpdir ("switchyard-gui-config");
  fixture->state_dir = sy_test_make_tmpdir ("switchyard-gui-state");
  fixture->secrets = sy_secret_store_new ();
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture_set_up_with (fixture, NULL);
}

static void
fixture_start_app (Fixture *fixture)
{
  fixture->app = sy_gui_test_start_app (fixture->config_dir, fixture->state_dir, FALSE);
  fixture->window = sy_gui_test_get_window (fixture->app);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->app != NULL)
    sy_gui_test_stop_app (fixture->app);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->sandbox);
  sy_test_remove_tree (fixture->config_dir);
  sy_test_remove_tree (fixture->state_dir);
  g_free (fixture->config_dir);
  g_free (fixture->state_dir);
}

/* Keyring helpers, through the same store the application uses. */

static char *
keyring_lookup (SySecretStore  *secrets,
                const char     *connection_id,
                GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_secret_store_lookup_async (secrets, connection_id, SY_SECRET_KIND_ACCESS_TOKEN, NULL,
                                sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_secret_store_lookup_finish (secrets, result, error);
}

static void
keyring_clear (SySecretStore *secrets,
               const char    *connection_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_secret_store_clear_async (secrets, connection_id, NULL, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  sy_secret_store_clear_finish (secrets, result, &error);
  g_assert_no_error (error);
}

/* Adds a connection the way the dialog does, without the dialog. */
static SyConnection *
add_connection_directly (Fixture    *fixture,
                         const char *name,
                         const char *sandbox_connection)
{
  g_autoptr(SyConnection) connection = sy_connection_new (name, sy_sandbox_process_get_url (fixture->sandbox));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyConnectionStore *store = sy_application_get_connection_store (fixture->app);

  sy_secret_store_store_async (fixture->secrets, sy_connection_get_id (connection),
                               SY_SECRET_KIND_ACCESS_TOKEN, "test token",
                               sy_sandbox_process_get_token (fixture->sandbox, sandbox_connection),
                               NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_secret_store_store_finish (fixture->secrets, result, &error));
  g_assert_no_error (error);

  g_assert_true (sy_connection_store_add (store, connection, &error));
  g_assert_no_error (error);

  return g_steal_pointer (&connection);
}

static SyConnection *
row_connection (SyWindow *window,
                int       index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_list")), index);

  return row ? sy_connection_row_get_connection (SY_CONNECTION_ROW (row)) : NULL;
}

/* (1) No connections: the empty state invites the user to add one. */
static void
test_empty_state (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *shot = NULL;

  fixture_start_app (fixture);
  sy_gui_test_assert_buttons_labelled (GTK_WIDGET (fixture->window));

  g_assert_cmpstr (sy_gui_test_get_stack_page (fixture->window, SY_TYPE_WINDOW, "content_stack"), ==, "empty");
  g_assert_null (row_connection (fixture->window, 0));
  g_assert_null (sy_window_get_selected_connection (fixture->window));
  /* Removing needs a connection; adding is always possible. */
  g_assert_false (gtk_widget_activate_action (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_page"),
                                              "connection.remove", NULL) &&
                  sy_gui_test_find_message_dialog () != NULL);
  g_assert_null (sy_window_get_banner_text (fixture->window));
  /* Every action has its shortcut. */
  {
    const char *accels[][2] = {
      { "<Control>n", "win.add-connection" },
      { "F5", "win.refresh" },
      { "<Control>r", "win.refresh" },
      { "<Control>q", "app.quit" },
      { "<Control>question", "win.show-help-overlay" },
      { "<Alt>Left", "win.go-back" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
      {
        g_auto(GStrv) actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (fixture->app), accels[i][0]);
        g_assert_true (g_strv_contains ((const char * const *) actions, accels[i][1]));
      }
  }
  /* Ctrl+? has a shortcuts window to show. */
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (fixture->window)));

  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "empty-state");

  /* The window's size comes from GSettings and goes back there on close. */
  {
    g_autoptr(GSettings) settings = g_settings_new (APP_ID);
    int width, height;

    gtk_window_get_default_size (GTK_WINDOW (fixture->window), &width, &height);
    g_assert_cmpint (width, ==, g_settings_get_int (settings, "window-width"));
    g_assert_cmpint (height, ==, g_settings_get_int (settings, "window-height"));

    gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1111, 777);
    gtk_window_close (GTK_WINDOW (fixture->window));
    fixture->window = NULL;
    g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1111);
    g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 777);
    g_settings_reset (settings, "window-width");
    g_settings_reset (settings, "window-height");
  }
}

static gboolean
dialog_settled (SyAddConnectionDialog *dialog)
{
  SyAddConnectionState state = sy_add_connection_dialog_get_state (dialog);

  return state == SY_ADD_CONNECTION_STATE_TESTED ||
         state == SY_ADD_CONNECTION_STATE_FAILED ||
         state == SY_ADD_CONNECTION_STATE_ADDED;
}

/* (2) The dialog tests the token, stores it in the keyring only, and adds
 * the connection to the sidebar and connections.json. */
static void
test_add_connection (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *token = sy_sandbox_process_get_token (fixture->sandbox, "wms");
  g_autoptr(SyAddConnectionDialog) dialog = NULL;
  g_autoptr(GPtrArray) leaked = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_path = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *shot = NULL;
  SyConnectionStore *store;
  SyConnection *added;

  fixture_start_app (fixture);
  store = sy_application_get_connection_store (fixture->app);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.add-connection", NULL));
  dialog = g_object_ref (sy_window_open_add_connection_dialog (fixture->window));
  sy_gui_test_wait_frames (GTK_WIDGET (dialog), 2);

  /* Nothing typed yet: nothing to add. */
  g_assert_false (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));
  g_assert_cmpstr (gtk_editable_get_text (sy_add_connection_dialog_get_url_entry (dialog)), ==, SY_DEFAULT_BASE_URL);

  gtk_editable_set_text (sy_add_connection_dialog_get_name_entry (dialog), "Warehouse");
  gtk_editable_set_text (sy_add_connection_dialog_get_url_entry (dialog), sy_sandbox_process_get_url (fixture->sandbox));
  gtk_editable_set_text (sy_add_connection_dialog_get_token_entry (dialog), token);
  g_assert_true (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));
  g_assert_cmpuint (adw_combo_row_get_selected (sy_add_connection_dialog_get_platform_row (dialog)), ==, 0);

  /* A button "clicks" a moment after it is activated, as from the keyboard. */
  g_assert_true (gtk_widget_activate (sy_add_connection_dialog_get_test_button (dialog)));
  SY_GUI_WAIT_FOR (sy_add_connection_dialog_get_state (dialog) != SY_ADD_CONNECTION_STATE_EDITING);
  SY_GUI_WAIT_FOR (dialog_settled (dialog));
  g_assert_cmpstr (sy_add_connection_dialog_get_error (dialog), ==, NULL);
  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_TESTED);
  /* "Automatic" was filled in from the server's answer. */
  g_assert_cmpuint (adw_combo_row_get_selected (sy_add_connection_dialog_get_platform_row (dialog)), !=, 0);

  shot = sy_gui_test_screenshot (GTK_WIDGET (dialog), "add-connection-dialog");
  sy_gui_test_assert_buttons_labelled (GTK_WIDGET (dialog));

  g_assert_true (gtk_widget_activate (sy_add_connection_dialog_get_add_button (dialog)));
  SY_GUI_WAIT_FOR (sy_add_connection_dialog_get_state (dialog) == SY_ADD_CONNECTION_STATE_ADDED ||
                   sy_add_connection_dialog_get_state (dialog) == SY_ADD_CONNECTION_STATE_FAILED);
  g_assert_cmpstr (sy_add_connection_dialog_get_error (dialog), ==, NULL);

  /* In the store, in the sidebar, selected, and announced. */
  added = sy_connection_store_find_by_name (store, "Warehouse");
  g_assert_nonnull (added);
  g_assert_cmpstr (sy_connection_get_platform (added), ==, "mintsoft");
  g_assert_cmpstr (sy_connection_get_domain (added), ==, "wms");
  g_assert_true (row_connection (fixture->window, 0) == added);
  g_assert_true (sy_window_get_selected_connection (fixture->window) == added);
  g_assert_cmpstr (sy_gui_test_get_stack_page (fixture->window, SY_TYPE_WINDOW, "content_stack"), ==, "connection");
  g_assert_cmpstr (sy_window_get_last_toast (fixture->window), ==, "Added “Warehouse”");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));

  /* In connections.json, without its token. */
  json_path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  g_assert_true (g_file_get_contents (json_path, &json, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (json, "Warehouse"));
  g_assert_nonnull (strstr (json, sy_connection_get_id (added)));

  /* The token is in the keyring and in no file. */
  stored = keyring_lookup (fixture->secrets, sy_connection_get_id (added), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, token);
  leaked = sy_test_files_containing (fixture->config_dir, token);
  g_assert_cmpuint (leaked->len, ==, 0);
  g_clear_pointer (&leaked, g_ptr_array_unref);
  leaked = sy_test_files_containing (fixture->state_dir, token);
  g_assert_cmpuint (leaked->len, ==, 0);

  keyring_clear (fixture->secrets, sy_connection_get_id (added));
}

/* (3) A wrong token is explained inline; nothing is added and nothing the
 * user typed is lost. */
static void
test_add_wrong_token (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(SyAddConnectionDialog) dialog = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *json_path = NULL;
  SyConnectionStore *store;
  const char *error_text;

  fixture_start_app (fixture);
  store = sy_application_get_connection_store (fixture->app);
  dialog = g_object_ref (sy_window_open_add_connection_dialog (fixture->window));

  /* A URL that is not http(s) is refused before anything is sent. */
  gtk_editable_set_text (sy_add_connection_dialog_get_name_entry (dialog), "Wrong");
  gtk_editable_set_text (sy_add_connection_dialog_get_url_entry (dialog), "ftp://example.com");
  gtk_editable_set_text (sy_add_connection_dialog_get_token_entry (dialog), "not-the-token");
  g_assert_false (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));
  g_assert_false (gtk_widget_get_sensitive (sy_add_connection_dialog_get_test_button (dialog)));
  g_assert_nonnull (sy_add_connection_dialog_get_error (dialog));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (sy_add_connection_dialog_get_url_entry (dialog)), "error"));

  /* With a good address the wrong token is caught by Add's own test. */
  gtk_editable_set_text (sy_add_connection_dialog_get_url_entry (dialog), sy_sandbox_process_get_url (fixture->sandbox));
  g_assert_null (sy_add_connection_dialog_get_error (dialog));
  g_assert_true (gtk_widget_activate (sy_add_connection_dialog_get_add_button (dialog)));
  SY_GUI_WAIT_FOR (dialog_settled (dialog));

  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_FAILED);
  error_text = sy_add_connection_dialog_get_error (dialog);
  g_assert_nonnull (error_text);
  g_assert_nonnull (strstr (error_text, "token"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (sy_add_connection_dialog_get_token_entry (dialog)), "error"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));

  g_assert_cmpstr (gtk_editable_get_text (sy_add_connection_dialog_get_name_entry (dialog)), ==, "Wrong");
  g_assert_cmpstr (gtk_editable_get_text (sy_add_connection_dialog_get_token_entry (dialog)), ==, "not-the-token");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_null (row_connection (fixture->window, 0));
  json_path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  if (g_file_test (json_path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *json = NULL;
      g_assert_true (g_file_get_contents (json_path, &json, NULL, NULL));
      g_assert_null (strstr (json, "Wrong"));
    }

  shot = sy_gui_test_screenshot (GTK_WIDGET (dialog), "add-connection-wrong-token");

  /* Typing a new token clears the verdict; Cancel closes and adds nothing. */
  gtk_editable_set_text (sy_add_connection_dialog_get_token_entry (dialog), "another");
  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_EDITING);
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
}

static gboolean
page_has_records (SyConnectionPage *page)
{
  SyRecordBrowser *browser = sy_connection_page_get_record_browser (page);

  return sy_record_browser_get_n_loaded (browser) > 0 && !sy_record_browser_get_loading (browser);
}

/* A server that answers every request the same wrong way. */
static void
misbehave (SoupServer        *server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  const char *how = user_data;

  if (g_str_equal (how, "html"))
    {
      const char *page = "<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>";

      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "text/html", SOUP_MEMORY_STATIC, page, strlen (page));
    }
  else
    {
      const char *body = "{\"message\": \"Server Error\"}";

      soup_server_message_set_status (message, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, body, strlen (body));
    }
}

static char *
start_misbehaving_server (SoupServer **server,
                          const char  *how)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  char *url;

  *server = soup_server_new (NULL, NULL);
  soup_server_add_handler (*server, NULL, misbehave, (gpointer) how, NULL);
  g_assert_true (soup_server_listen_local (*server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);

  uris = soup_server_get_uris (*server);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}

/* A loopback address nothing listens on. */
static char *
closed_port_url (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

static void
assert_test_fails_with (SyAddConnectionDialog *dialog,
                        const char            *url,
                        const char            *words)
{
  gtk_editable_set_text (sy_add_connection_dialog_get_url_entry (dialog), url);
  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_EDITING);
  g_assert_true (gtk_widget_activate (sy_add_connection_dialog_get_test_button (dialog)));
  SY_GUI_WAIT_FOR (sy_add_connection_dialog_get_state (dialog) != SY_ADD_CONNECTION_STATE_EDITING);
  SY_GUI_WAIT_FOR (dialog_settled (dialog));

  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_FAILED);
  g_test_message ("%s → %s", url, sy_add_connection_dialog_get_error (dialog));
  g_assert_nonnull (strstr (sy_add_connection_dialog_get_error (dialog), words));
  g_assert_cmpstr (gtk_editable_get_text (sy_add_connection_dialog_get_url_entry (dialog)), ==, url);
}

/* Servers that are not the API, or broken, or absent: each is explained in
 * words, and a duplicate name is refused before anything is sent. */
static void
test_add_errors (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(SoupServer) html_server = NULL;
  g_autoptr(SoupServer) failing_server = NULL;
  g_autoptr(SyAddConnectionDialog) dialog = NULL;
  g_autoptr(SyConnection) existing = NULL;
  g_autofree char *html_url = start_misbehaving_server (&html_server, "html");
  g_autofree char *failing_url = start_misbehaving_server (&failing_server, "500");
  g_autofree char *closed_url = closed_port_url ();
  g_autofree char *shot = NULL;

  fixture_start_app (fixture);
  existing = add_connection_directly (fixture, "Taken", "wms");
  dialog = g_object_ref (sy_window_open_add_connection_dialog (fixture->window));

  gtk_editable_set_text (sy_add_connection_dialog_get_name_entry (dialog), "taken");
  gtk_editable_set_text (sy_add_connection_dialog_get_token_entry (dialog), "some-token");
  g_assert_nonnull (sy_add_connection_dialog_get_error (dialog));
  g_assert_nonnull (strstr (sy_add_connection_dialog_get_error (dialog), "already"));
  g_assert_false (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (sy_add_connection_dialog_get_name_entry (dialog)), "error"));
  gtk_editable_set_text (sy_add_connection_dialog_get_name_entry (dialog), "Fresh");
  g_assert_null (sy_add_connection_dialog_get_error (dialog));

  assert_test_fails_with (dialog, html_url, "web page");
  assert_test_fails_with (dialog, failing_url, "internal problem");
  assert_test_fails_with (dialog, closed_url, closed_url + strlen ("http://"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (sy_add_connection_dialog_get_url_entry (dialog)), "error"));
  shot = sy_gui_test_screenshot (GTK_WIDGET (dialog), "add-connection-unreachable");

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sy_application_get_connection_store (fixture->app))), ==, 1);
  gtk_window_close (GTK_WINDOW (dialog));
  keyring_clear (fixture->secrets, sy_connection_get_id (existing));
}

/* (4) The connection page shows real records and pages on. */
static void
test_browse_records (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(SyConnection) connection = NULL;
  g_autofree char *shot = NULL;
  SyConnectionPage *page;
  SyRecordBrowser *browser;
  guint first_page;

  fixture_start_app (fixture);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1100, 760);
  connection = add_connection_directly (fixture, "Mintsoft", "wms");
  sy_connection_set_platform (connection, "mintsoft");

  /* Checked on arrival, then selected because it is the only one. */
  SY_GUI_WAIT_FOR (sy_connection_get_status (connection) != SY_CONNECTION_STATUS_UNKNOWN);
  g_assert_cmpint (sy_connection_get_status (connection), ==, SY_CONNECTION_STATUS_ACTIVE);
  g_assert_true (sy_window_get_selected_connection (fixture->window) == connection);
  g_assert_cmpstr (sy_gui_test_get_stack_page (fixture->window, SY_TYPE_WINDOW, "content_stack"), ==, "connection");

  page = SY_CONNECTION_PAGE (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_page"));
  browser = sy_connection_page_get_record_browser (page);
  sy_connection_page_set_entity (page, "wms/sales-orders");
  SY_GUI_WAIT_FOR (page_has_records (page));
  g_assert_true (sy_connection_page_get_has_client (page));
  g_assert_cmpstr (sy_record_browser_get_entity (browser), ==, "wms/sales-orders");

  first_page = sy_record_browser_get_n_loaded (browser);
  sy_record_browser_load_more (browser);
  SY_GUI_WAIT_FOR (sy_record_browser_get_n_loaded (browser) > first_page &&
                   !sy_record_browser_get_loading (browser));

  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "connection-page");
  sy_gui_test_assert_buttons_labelled (GTK_WIDGET (fixture->window));

  keyring_clear (fixture->secrets, sy_connection_get_id (connection));
}

static SyAddConnectionDialog *
find_add_connection_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (SY_IS_ADD_CONNECTION_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return SY_ADD_CONNECTION_DIALOG (window);
    }
  return NULL;
}

/* (4b) A connection whose token the server refuses gets a new one through
 * "Update Token…": same id, same entry, the new token in the keyring only. */
static void
test_update_token (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *token = sy_sandbox_process_get_token (fixture->sandbox, "wms");
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(SyAddConnectionDialog) dialog = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) leaked = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *json_path = NULL;
  g_autofree char *json_before = NULL;
  g_autofree char *json_after = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *id = NULL;
  JsonArray *entries;
  JsonObject *entry;
  SyConnectionStore *store;
  SyConnectionPage *page;

  fixture_start_app (fixture);
  store = sy_application_get_connection_store (fixture->app);

  /* Added through the stores, with a token the sandbox does not know. */
  connection = sy_connection_new ("Warehouse", sy_sandbox_process_get_url (fixture->sandbox));
  id = g_strdup (sy_connection_get_id (connection));
  sy_secret_store_store_async (fixture->secrets, id, SY_SECRET_KIND_ACCESS_TOKEN, "test token",
                               "a-token-the-server-refuses", NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_secret_store_store_finish (fixture->secrets, result, &error));
  g_assert_no_error (error);
  g_assert_true (sy_connection_store_add (store, connection, &error));
  g_assert_no_error (error);

  SY_GUI_WAIT_FOR (sy_connection_get_status (connection) != SY_CONNECTION_STATUS_UNKNOWN);
  g_assert_cmpint (sy_connection_get_status (connection), ==, SY_CONNECTION_STATUS_NEEDS_REAUTH);
  g_assert_true (sy_window_get_selected_connection (fixture->window) == connection);
  page = SY_CONNECTION_PAGE (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_page"));

  json_path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  g_assert_true (g_file_get_contents (json_path, &json_before, NULL, &error));
  g_assert_no_error (error);

  /* The page's button and shortcut go through win.update-token. */
  g_assert_null (find_add_connection_dialog ());
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "win.update-token", NULL));
  dialog = find_add_connection_dialog ();
  g_assert_nonnull (dialog);
  g_object_ref (dialog);
  sy_gui_test_wait_frames (GTK_WIDGET (dialog), 2);

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Update Token");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (sy_add_connection_dialog_get_add_button (dialog))), ==, "_Save");
  g_assert_cmpstr (gtk_editable_get_text (sy_add_connection_dialog_get_name_entry (dialog)), ==, "Warehouse");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (sy_add_connection_dialog_get_name_entry (dialog))));
  g_assert_cmpstr (gtk_editable_get_text (sy_add_connection_dialog_get_url_entry (dialog)), ==,
                   sy_sandbox_process_get_url (fixture->sandbox));
  g_assert_cmpstr (gtk_editable_get_text (sy_add_connection_dialog_get_token_entry (dialog)), ==, "");
  g_assert_false (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));
  sy_gui_test_assert_buttons_labelled (GTK_WIDGET (dialog));

  gtk_editable_set_text (sy_add_connection_dialog_get_token_entry (dialog), token);
  /* Its own name is no duplicate. */
  g_assert_true (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));
  g_assert_true (gtk_widget_activate (sy_add_connection_dialog_get_test_button (dialog)));
  SY_GUI_WAIT_FOR (sy_add_connection_dialog_get_state (dialog) != SY_ADD_CONNECTION_STATE_EDITING);
  SY_GUI_WAIT_FOR (dialog_settled (dialog));
  g_assert_cmpstr (sy_add_connection_dialog_get_error (dialog), ==, NULL);
  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_TESTED);

  g_assert_true (gtk_widget_activate (sy_add_connection_dialog_get_add_button (dialog)));
  SY_GUI_WAIT_FOR (sy_add_connection_dialog_get_state (dialog) == SY_ADD_CONNECTION_STATE_ADDED ||
                   sy_add_connection_dialog_get_state (dialog) == SY_ADD_CONNECTION_STATE_FAILED);
  g_assert_cmpstr (sy_add_connection_dialog_get_error (dialog), ==, NULL);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_cmpstr (sy_window_get_last_toast (fixture->window), ==, "Token updated");

  /* Re-tested with the new token, and the records come. */
  SY_GUI_WAIT_FOR (sy_connection_get_status (connection) == SY_CONNECTION_STATUS_ACTIVE);
  sy_connection_page_set_entity (page, "wms/sales-orders");
  SY_GUI_WAIT_FOR (page_has_records (page));
  g_assert_cmpuint (sy_record_browser_get_n_loaded (sy_connection_page_get_record_browser (page)), >, 0);

  /* The same single entry, under the same id: only the platform learnt. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_true (sy_connection_store_find_by_id (store, id) == connection);
  g_assert_cmpstr (sy_connection_get_name (connection), ==, "Warehouse");
  g_assert_true (g_file_get_contents (json_path, &json_after, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (strstr (json_before, "mintsoft"));
  g_assert_true (json_parser_load_from_data (parser, json_after, -1, &error));
  g_assert_no_error (error);
  entries = JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser))
            ? json_node_get_array (json_parser_get_root (parser))
            : json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "connections");
  g_assert_nonnull (entries);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  entry = json_array_get_object_element (entries, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (entry, "name"), ==, "Warehouse");
  g_assert_cmpstr (json_object_get_string_member (entry, "base_url"), ==, sy_sandbox_process_get_url (fixture->sandbox));
  g_assert_cmpstr (json_object_get_string_member (entry, "platform"), ==, "mintsoft");

  /* The new token replaced the old one in the keyring, and is in no file. */
  stored = keyring_lookup (fixture->secrets, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, token);
  leaked = sy_test_files_containing (fixture->config_dir, token);
  g_assert_cmpuint (leaked->len, ==, 0);
  g_clear_pointer (&leaked, g_ptr_array_unref);
  leaked = sy_test_files_containing (fixture->state_dir, token);
  g_assert_cmpuint (leaked->len, ==, 0);

  keyring_clear (fixture->secrets, id);
}

/* Whether connections.json names the connection. */
static gboolean
saved_has (Fixture    *fixture,
           const char *id)
{
  g_autofree char *json_path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  g_autofree char *json = NULL;

  g_assert_true (g_file_get_contents (json_path, &json, NULL, NULL));
  return strstr (json, id) != NULL;
}

static AdwToast *
removal_toast (SyConnectionPage *page)
{
  AdwToast *toast = NULL;

  g_object_get (page, "removal-toast", &toast, NULL);
  if (toast != NULL)
    g_object_unref (toast);
  return toast;
}

/* (5) Removing asks first, naming the mappings that use the connection;
 * it is gone from connections.json at once, its token kept while the
 * toast offers Undo; Undo brings it back with the same id; once the toast
 * goes, so does the token. */
static void
test_remove_connection (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(SyConnection) keep = NULL;
  g_autoptr(SyConnection) doomed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *mappings_dir = g_build_filename (fixture->config_dir, "mappings", NULL);
  g_autofree char *id = NULL;
  g_autoptr(GString) using = g_string_new (sy_example_mapping);
  SyConnectionStore *store;
  SyConnectionPage *page;
  AdwMessageDialog *question;
  AdwToast *toast;

  /* One mapping names the connection (in other letters), one does not. */
  g_string_replace (using, "Mintsoft orders to NetSuite", "Orders out of the doomed one", 1);
  g_string_replace (using, "\"connection\": \"mintsoft\"", "\"connection\": \"remove me\"", 1);
  g_assert_cmpint (g_mkdir_with_parents (mappings_dir, 0700), ==, 0);
  {
    g_autofree char *path = g_build_filename (mappings_dir, "uses.json", NULL);
    g_autofree char *other = g_build_filename (mappings_dir, "other.json", NULL);

    g_assert_true (g_file_set_contents (path, using->str, -1, NULL));
    g_assert_true (g_file_set_contents (other, sy_example_mapping, -1, NULL));
  }

  fixture_start_app (fixture);
  store = sy_application_get_connection_store (fixture->app);
  page = SY_CONNECTION_PAGE (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_page"));
  keep = add_connection_directly (fixture, "Keep Me", "erp");
  doomed = add_connection_directly (fixture, "Remove Me", "wms");
  id = g_strdup (sy_connection_get_id (doomed));

  sy_window_select_connection (fixture->window, doomed);
  g_assert_true (sy_window_get_selected_connection (fixture->window) == doomed);

  /* Cancelling keeps everything. The button sits at the end of the
   * Details tab, not in a header. */
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "remove_button"))),
                   ==, "connection.remove");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "connection.remove", NULL));
  SY_GUI_WAIT_FOR ((question = sy_gui_test_find_message_dialog ()) != NULL);
  g_assert_cmpstr (adw_message_dialog_get_heading (question), ==, "Remove “Remove Me”?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (question), "• Orders out of the doomed one"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (question), "will stop working until another connection is picked"));
  g_assert_null (strstr (adw_message_dialog_get_body (question), "Mintsoft orders to NetSuite"));
  sy_gui_test_respond (question, "cancel");
  g_assert_null (sy_gui_test_find_message_dialog ());
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  g_assert_true (saved_has (fixture, id));

  /* Removed: gone from the list and the file at once, the token kept. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "connection.remove", NULL));
  SY_GUI_WAIT_FOR ((question = sy_gui_test_find_message_dialog ()) != NULL);
  shot = sy_gui_test_screenshot (GTK_WIDGET (question), "remove-confirmation");
  sy_gui_test_respond (question, "remove");

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_null (sy_connection_store_find_by_name (store, "Remove Me"));
  g_assert_true (row_connection (fixture->window, 0) == keep);
  /* The neighbour is shown instead of a page for a connection that is gone. */
  SY_GUI_WAIT_FOR (sy_window_get_selected_connection (fixture->window) == keep);
  g_assert_false (saved_has (fixture, id));
  stored = keyring_lookup (fixture->secrets, id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);
  g_clear_pointer (&stored, g_free);
  toast = removal_toast (page);
  g_assert_nonnull (toast);
  g_assert_cmpstr (adw_toast_get_title (toast), ==, "“Remove Me” removed");
  g_assert_cmpstr (adw_toast_get_button_label (toast), ==, "_Undo");

  /* Undo: back in the file under the same id, with its token. */
  /* As a click on the toast's button does: its signal, then the toast goes. */
  g_signal_emit_by_name (toast, "button-clicked");
  adw_toast_dismiss (toast);
  g_assert_null (removal_toast (page));
  g_assert_true (saved_has (fixture, id));
  g_assert_true (sy_connection_store_find_by_id (store, id) == doomed);
  g_assert_cmpstr (sy_connection_get_name (sy_connection_store_find_by_id (store, id)), ==, "Remove Me");
  stored = keyring_lookup (fixture->secrets, id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);
  g_clear_pointer (&stored, g_free);

  /* Removed again and the toast left to go: the token goes with it. */
  sy_window_select_connection (fixture->window, doomed);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "connection.remove", NULL));
  SY_GUI_WAIT_FOR ((question = sy_gui_test_find_message_dialog ()) != NULL);
  sy_gui_test_respond (question, "remove");
  g_assert_false (saved_has (fixture, id));
  toast = removal_toast (page);
  g_assert_nonnull (toast);
  adw_toast_dismiss (toast);
  g_assert_null (removal_toast (page));
  sy_connection_page_finish_pending_removals ();
  stored = keyring_lookup (fixture->secrets, id, &error);
  g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
  g_assert_null (stored);
  g_clear_error (&error);
  g_assert_false (saved_has (fixture, id));
  stored = keyring_lookup (fixture->secrets, sy_connection_get_id (keep), &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);

  keyring_clear (fixture->secrets, sy_connection_get_id (keep));
}

/* Quitting with a removal whose Undo is still offered deletes its secrets
 * then: none is left behind in the keyring. */
static void
test_remove_then_quit (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(SyConnection) doomed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *id = NULL;
  SyConnectionPage *page;
  AdwMessageDialog *question;

  fixture_start_app (fixture);
  page = SY_CONNECTION_PAGE (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_page"));
  doomed = add_connection_directly (fixture, "Remove Me", "wms");
  id = g_strdup (sy_connection_get_id (doomed));
  sy_window_select_connection (fixture->window, doomed);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "connection.remove", NULL));
  SY_GUI_WAIT_FOR ((question = sy_gui_test_find_message_dialog ()) != NULL);
  /* No mapping uses it: the dialog says only what is deleted. */
  g_assert_null (strstr (adw_message_dialog_get_body (question), "•"));
  sy_gui_test_respond (question, "remove");
  g_assert_nonnull (removal_toast (page));

  sy_connection_page_finish_pending_removals ();
  stored = keyring_lookup (fixture->secrets, id, &error);
  g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
  g_assert_null (stored);
  g_assert_null (removal_toast (page));
}

/* A damaged connections.json is moved aside and reported; the app works. */
static void
test_broken_config (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *json_path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  g_autofree char *shot = NULL;
  AdwMessageDialog *report;
  const char *broken_path;

  g_assert_true (g_file_set_contents (json_path, "{ this is not json", -1, NULL));
  fixture_start_app (fixture);

  SY_GUI_WAIT_FOR ((report = sy_gui_test_find_message_dialog ()) != NULL);
  broken_path = sy_connection_store_get_broken_path (sy_application_get_connection_store (fixture->app));
  g_assert_nonnull (broken_path);
  g_assert_true (g_file_test (broken_path, G_FILE_TEST_EXISTS));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (report), broken_path));
  g_assert_cmpstr (sy_gui_test_get_stack_page (fixture->window, SY_TYPE_WINDOW, "content_stack"), ==, "empty");

  shot = sy_gui_test_screenshot (GTK_WIDGET (report), "broken-config-report");
  sy_gui_test_respond (report, "close");
}

/* Without a keyring the window says so, marks connections, and the dialog
 * refuses to add a connection whose token could not be kept. */
static void
test_no_keyring (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(SyConnection) orphan = NULL;
  g_autoptr(SyAddConnectionDialog) dialog = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *dialog_shot = NULL;
  SyConnectionStore *store;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  fixture_start_app (fixture);
  store = sy_application_get_connection_store (fixture->app);
  orphan = sy_connection_new ("Orphan", sy_sandbox_process_get_url (fixture->sandbox));
  g_assert_true (sy_connection_store_add (store, orphan, &error));
  g_assert_no_error (error);

  SY_GUI_WAIT_FOR (sy_connection_get_status (orphan) != SY_CONNECTION_STATUS_UNKNOWN);
  g_assert_cmpint (sy_connection_get_status (orphan), ==, SY_CONNECTION_STATUS_NO_KEYRING);
  SY_GUI_WAIT_FOR (sy_window_get_banner_text (fixture->window) != NULL);
  g_assert_nonnull (strstr (sy_window_get_banner_text (fixture->window), "No keyring"));
  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "no-keyring");

  dialog = g_object_ref (sy_window_open_add_connection_dialog (fixture->window));
  gtk_editable_set_text (sy_add_connection_dialog_get_name_entry (dialog), "Unkept");
  gtk_editable_set_text (sy_add_connection_dialog_get_url_entry (dialog), sy_sandbox_process_get_url (fixture->sandbox));
  gtk_editable_set_text (sy_add_connection_dialog_get_token_entry (dialog),
                         sy_sandbox_process_get_token (fixture->sandbox, "wms"));
  g_assert_true (gtk_widget_activate (sy_add_connection_dialog_get_add_button (dialog)));
  SY_GUI_WAIT_FOR (sy_add_connection_dialog_get_state (dialog) == SY_ADD_CONNECTION_STATE_FAILED ||
                   sy_add_connection_dialog_get_state (dialog) == SY_ADD_CONNECTION_STATE_ADDED);
  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_FAILED);
  g_assert_nonnull (strstr (sy_add_connection_dialog_get_error (dialog), "keyring"));
  g_assert_null (sy_connection_store_find_by_name (store, "Unkept"));
  g_assert_cmpstr (gtk_editable_get_text (sy_add_connection_dialog_get_name_entry (dialog)), ==, "Unkept");
  dialog_shot = sy_gui_test_screenshot (GTK_WIDGET (dialog), "add-connection-no-keyring");
  gtk_window_close (GTK_WINDOW (dialog));
}

static gboolean
count_tick (GtkWidget     *widget,
            GdkFrameClock *clock,
            gpointer       user_data)
{
  guint *ticks = user_data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

/* While a slow server takes its time, the window keeps drawing frames: no
 * request blocks the main loop. */
static void
test_responsive_while_loading (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(SyConnection) connection = NULL;
  SyConnectionPage *page;
  SyRecordBrowser *browser;
  guint ticks = 0;
  guint tick_id;

  fixture_start_app (fixture);
  connection = add_connection_directly (fixture, "Slow", "wms");
  SY_GUI_WAIT_FOR (sy_connection_get_status (connection) != SY_CONNECTION_STATUS_UNKNOWN);

  page = SY_CONNECTION_PAGE (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_page"));
  browser = sy_connection_page_get_record_browser (page);
  SY_GUI_WAIT_FOR (sy_connection_page_get_has_client (page));
  SY_GUI_WAIT_FOR (!sy_record_browser_get_loading (browser));

  tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (fixture->window), count_tick, &ticks, NULL);
  sy_record_browser_set_entity (browser, "wms/products");
  g_assert_true (sy_record_browser_get_loading (browser));
  SY_GUI_WAIT_FOR (!sy_record_browser_get_loading (browser));
  gtk_widget_remove_tick_callback (GTK_WIDGET (fixture->window), tick_id);

  /* The server waits 1.5 s per request; a blocked loop would draw one
   * frame at most in that time. */
  g_test_message ("%u frames drawn while a request was in flight", ticks);
  g_assert_cmpuint (ticks, >=, 10);
  g_assert_cmpuint (sy_record_browser_get_n_loaded (browser), >, 0);

  keyring_clear (fixture->secrets, sy_connection_get_id (connection));
}

/* Certificate warnings in the sidebar (issue 5) */

static SyCertificate *
generate_certificate (const char    *subject_dn,
                      guint          days,
                      SyPrivateKey **out_key)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyCertificate *certificate;

  sy_certificate_generate_async (SY_KEY_SPEC_EC_P256, subject_dn, days, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  certificate = sy_certificate_generate_finish (result, out_key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (certificate);
  return certificate;
}

static SyConnectionRow *
find_row_by_name (SyWindow   *window,
                  const char *name)
{
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_list")), i)) != NULL; i++)
    {
      if (g_strcmp0 (sy_connection_get_name (sy_connection_row_get_connection (SY_CONNECTION_ROW (row))), name) == 0)
        return SY_CONNECTION_ROW (row);
    }
  return NULL;
}

static GtkLabel *
find_label_with_text (GtkWidget  *widget,
                      const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return GTK_LABEL (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label_with_text (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
warns_of_days (SyConnectionRow *row,
               const char      *days,
               const char      *or_days)
{
  const char *warning = sy_connection_row_get_certificate_warning (row);

  return warning != NULL && (strstr (warning, days) != NULL || strstr (warning, or_days) != NULL);
}

/* A connection whose certificate runs out within 30 days says so in the
 * sidebar, in the warning colour, from state.db as the window appears and
 * again when a new certificate is imported on the Certificate tab; one
 * with two years left stays quiet. */
static void
test_certificate_warning (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(SyConnectionStore) store = sy_connection_store_new (fixture->config_dir);
  g_autoptr(SyConnection) soon = sy_connection_new ("Soon", sy_sandbox_process_get_url (fixture->sandbox));
  g_autoptr(SyConnection) later = sy_connection_new ("Later", sy_sandbox_process_get_url (fixture->sandbox));
  g_autoptr(SyCertificate) soon_certificate = generate_certificate ("CN=Soon", 10, NULL);
  g_autoptr(SyCertificate) later_certificate = generate_certificate ("CN=Later", 730, NULL);
  g_autoptr(SyPrivateKey) new_key = NULL;
  g_autoptr(SyCertificate) new_certificate = generate_certificate ("CN=Replacement", 5, &new_key);
  g_autofree char *new_certificate_pem = sy_certificate_to_pem (new_certificate);
  g_autofree char *certificate_path = g_build_filename (fixture->state_dir, "replacement.pem", NULL);
  g_autofree char *key_path = g_build_filename (fixture->state_dir, "replacement.key", NULL);
  g_autoptr(GFile) certificate_file = NULL;
  g_autoptr(GFile) key_file = NULL;
  g_autoptr(GError) error = NULL;
  SyConnectionRow *soon_row, *later_row;
  SyCertificatePage *page;
  GtkLabel *label;

  g_assert_true (sy_connection_store_add (store, soon, &error));
  g_assert_no_error (error);
  g_assert_true (sy_connection_store_add (store, later, &error));
  g_assert_no_error (error);
  {
    g_autoptr(SyStateStore) state = sy_state_store_open (fixture->state_dir, &error);

    g_assert_no_error (error);
    g_assert_true (sy_state_store_save_certificate (state, sy_connection_get_id (soon), soon_certificate, &error));
    g_assert_no_error (error);
    g_assert_true (sy_state_store_save_certificate (state, sy_connection_get_id (later), later_certificate, &error));
    g_assert_no_error (error);
  }

  fixture_start_app (fixture);
  soon_row = find_row_by_name (fixture->window, "Soon");
  later_row = find_row_by_name (fixture->window, "Later");
  g_assert_nonnull (soon_row);
  g_assert_nonnull (later_row);

  /* Whole days left shrink from 10 to 9 within the first second. */
  SY_GUI_WAIT_FOR (sy_connection_row_get_certificate_warning (soon_row) != NULL);
  g_assert_true (warns_of_days (soon_row, "10 days", "9 days"));
  g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (sy_connection_row_get_certificate (soon_row)), ==,
                   sy_certificate_get_sha256_fingerprint (soon_certificate));
  label = find_label_with_text (GTK_WIDGET (soon_row), sy_connection_row_get_certificate_warning (soon_row));
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (label)));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (label), "warning"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (label), "error"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (label)), ==, sy_connection_row_get_certificate_warning (soon_row));

  SY_GUI_WAIT_FOR (sy_connection_row_get_certificate (later_row) != NULL);
  g_assert_null (sy_connection_row_get_certificate_warning (later_row));
  g_assert_null (find_label_with_text (GTK_WIDGET (later_row), "Certificate expires in 730 days"));
  g_free (sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "sidebar-certificate-warning"));

  /* A replacement imported on the Certificate tab updates the row. The
   * application has its own objects for the connections it read. */
  sy_window_select_connection (fixture->window, sy_connection_row_get_connection (later_row));
  g_assert_true (sy_window_get_selected_connection (fixture->window) == sy_connection_row_get_connection (later_row));
  page = sy_connection_page_get_certificate_page (SY_CONNECTION_PAGE (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_page")));
  SY_GUI_WAIT_FOR (sy_certificate_page_get_certificate (page) != NULL && !sy_gui_test_get_boolean (page, "busy"));
  g_assert_true (g_file_set_contents (certificate_path, new_certificate_pem, -1, &error));
  g_assert_no_error (error);
  g_assert_true (sy_private_key_export (new_key, key_path, &error));
  g_assert_no_error (error);
  certificate_file = g_file_new_for_path (certificate_path);
  key_file = g_file_new_for_path (key_path);
  sy_certificate_page_import_files (page, certificate_file, key_file);

  SY_GUI_WAIT_FOR (warns_of_days (later_row, "5 days", "4 days") || sy_gui_test_find_message_dialog () != NULL);
  if (sy_gui_test_find_message_dialog () != NULL)
    g_error ("Import asked: %s — %s", adw_message_dialog_get_heading (sy_gui_test_find_message_dialog ()),
             adw_message_dialog_get_body (sy_gui_test_find_message_dialog ()));
  label = find_label_with_text (GTK_WIDGET (later_row), sy_connection_row_get_certificate_warning (later_row));
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (label), "warning"));
  /* The other row keeps its own certificate. */
  g_assert_true (warns_of_days (soon_row, "10 days", "9 days"));

  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_secret_store_clear_async (fixture->secrets, sy_connection_get_id (later), SY_SECRET_KIND_PRIVATE_KEY, NULL,
                                 sy_test_store_result, &result);
    sy_test_await (&result);
    sy_secret_store_clear_finish (fixture->secrets, result, &error);
    g_assert_no_error (error);
  }
}

static void
fixture_set_up_slow (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *args[] = { "--latency-ms", "1500", NULL };

  fixture_set_up_with (fixture, args);
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add ("/gui/window/empty-state", Fixture, NULL, fixture_set_up, test_empty_state, fixture_tear_down);
  g_test_add ("/gui/window/add-connection", Fixture, NULL, fixture_set_up, test_add_connection, fixture_tear_down);
  g_test_add ("/gui/window/add-wrong-token", Fixture, NULL, fixture_set_up, test_add_wrong_token, fixture_tear_down);
  g_test_add ("/gui/window/add-errors", Fixture, NULL, fixture_set_up, test_add_errors, fixture_tear_down);
  g_test_add ("/gui/window/browse-records", Fixture, NULL, fixture_set_up, test_browse_records, fixture_tear_down);
  g_test_add ("/gui/window/update-token", Fixture, NULL, fixture_set_up, test_update_token, fixture_tear_down);
  g_test_add ("/gui/window/remove-connection", Fixture, NULL, fixture_set_up, test_remove_connection, fixture_tear_down);
  g_test_add ("/gui/window/remove-then-quit", Fixture, NULL, fixture_set_up, test_remove_then_quit, fixture_tear_down);
  g_test_add ("/gui/window/broken-config", Fixture, NULL, fixture_set_up, test_broken_config, fixture_tear_down);
  g_test_add ("/gui/window/no-keyring", Fixture, NULL, fixture_set_up, test_no_keyring, fixture_tear_down);
  g_test_add ("/gui/window/certificate-warning", Fixture, NULL, fixture_set_up, test_certificate_warning, fixture_tear_down);
  g_test_add ("/gui/window/responsive-while-loading", Fixture, NULL, fixture_set_up_slow, test_responsive_while_loading, fixture_tear_down);

  return g_test_run ();
}
