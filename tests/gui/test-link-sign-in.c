/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <locale.h>

#include "sy-add-connection-dialog-private.h"
#include "sy-connection-page-private.h"
#include "sy-connection-row-private.h"
#include "sy-gui-test-util.h"
#include "sy-demo.h"
#include "sy-mapping-editor-private.h"
#include "sy-record-browser-private.h"
#include "sy-run-panel-private.h"
#include "sy-test-support.h"
#include "sy-token-keeper.h"
#include "sy-window-private.h"

/* Link sign-in from the Add Connection dialog, and Reconnect, against the
 * sandbox's /oauth/authorize (auto=allow|deny answers at once with the
 * redirect) and the real keyring. The test plays the browser: it follows
 * the link the dialog shows, then the redirect to the dialog's listener. */

typedef struct
{
  SySandboxProcess *sandbox;
  char             *config_dir;
  char             *state_dir;
  SyApplication    *app;
  SyWindow         *window;
  SySecretStore    *secrets;
  SoupSession      *session;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->sandbox = sy_test_start_sandbox (data);
  g_assert_nonnull (sy_sandbox_process_get_link_client_id (fixture->sandbox));
  fixture->config_dir = sy_test_make_tmpdir ("switchyard-gui-config");
  fixture->state_dir = sy_test_make_tmpdir ("switchyard-gui-state");
  fixture->secrets = sy_secret_store_new ();
  fixture->session = soup_session_new ();
  fixture->app = sy_gui_test_start_app (fixture->config_dir, fixture->state_dir, FALSE);
  fixture->window = sy_gui_test_get_window (fixture->app);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->app != NULL)
    sy_gui_test_stop_app (fixture->app);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->sandbox);
  sy_test_remove_tree (fixture->config_dir);
  sy_test_remove_tree (fixture->state_dir);
  g_free (fixture->config_dir);
  g_free (fixture->state_dir);
}

/* HTTP as a browser would, but asynchronously: the dialog's listener
 * answers on this very main context. */

typedef struct
{
  SoupMessage *message;
  GBytes      *body;
  gboolean     done;
} Fetch;

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *fetch = user_data;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  fetch->done = TRUE;
}

/* Returns the status; *location (may be NULL) gets a redirect's target. */
static guint
http_request (Fixture     *fixture,
              const char  *method,
              const char  *url,
              char       **location)
{
  Fetch fetch = { 0 };
  guint status;

  fetch.message = soup_message_new (method, url);
  g_assert_nonnull (fetch.message);
  soup_message_add_flags (fetch.message, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_and_read_async (fixture->session, fetch.message, G_PRIORITY_DEFAULT, NULL,
                                    fetched_cb, &fetch);
  SY_GUI_WAIT_FOR (fetch.done);

  status = soup_message_get_status (fetch.message);
  if (location != NULL)
    *location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (fetch.message),
                                                        "Location"));
  g_clear_pointer (&fetch.body, g_bytes_unref);
  g_object_unref (fetch.message);
  return status;
}

/* The person answers in the browser: allow or deny. */
static void
answer_in_browser_for (Fixture    *fixture,
                       const char *authorize_url,
                       const char *decision,
                       const char *platform)
{
  g_autofree char *url = g_strdup_printf ("%s&auto=%s%s%s", authorize_url, decision,
                                          platform ? "&platform=" : "", platform ? platform : "");
  g_autofree char *location = NULL;

  g_assert_true (g_str_has_prefix (authorize_url, sy_sandbox_process_get_url (fixture->sandbox)));
  g_assert_cmpuint (http_request (fixture, "GET", url, &location), ==, 302);
  g_assert_nonnull (location);
  g_assert_true (g_str_has_prefix (location, "http://127.0.0.1:"));
  g_assert_cmpuint (http_request (fixture, "GET", location, NULL), ==, 200);
}

static void
answer_in_browser (Fixture    *fixture,
                   const char *authorize_url,
                   const char *decision)
{
  answer_in_browser_for (fixture, authorize_url, decision, NULL);
}

static void
sandbox_post (Fixture    *fixture,
              const char *path)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (fixture->sandbox), path, NULL);

  g_assert_cmpuint (http_request (fixture, "POST", url, NULL), ==, 200);
}

static char *
keyring_lookup (Fixture    *fixture,
                const char *connection_id,
                const char *kind)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;

  sy_secret_store_lookup_async (fixture->secrets, connection_id, kind, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  secret = sy_secret_store_lookup_finish (fixture->secrets, result, &error);
  if (g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND))
    return NULL;
  g_assert_no_error (error);
  return secret;
}

static char *
read_connections_json (Fixture *fixture)
{
  g_autofree char *path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  char *json = NULL;

  if (!g_file_get_contents (path, &json, NULL, NULL))
    return g_strdup ("");
  return json;
}

static gboolean
page_has_records (SyConnectionPage *page)
{
  SyRecordBrowser *browser = sy_connection_page_get_record_browser (page);

  return sy_record_browser_get_n_loaded (browser) > 0 && !sy_record_browser_get_loading (browser);
}

static SyConnectionPage *
get_page (Fixture *fixture)
{
  return SY_CONNECTION_PAGE (sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_page"));
}

/* Opens Add Connection, switches to Link, types, signs in and waits for
 * the link to follow. */
static SyAddConnectionDialog *
start_link_dialog (Fixture    *fixture,
                   const char *name)
{
  SyAddConnectionDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.add-connection", NULL));
  dialog = g_object_ref (sy_window_open_add_connection_dialog (fixture->window));
  sy_add_connection_dialog_set_open_browser (dialog, FALSE);
  sy_gui_test_wait_frames (GTK_WIDGET (dialog), 2);

  sy_add_connection_dialog_set_link_mode (dialog, TRUE);
  g_assert_true (sy_add_connection_dialog_get_link_mode (dialog));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (sy_add_connection_dialog_get_token_entry (dialog))));
  g_assert_false (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));

  gtk_editable_set_text (sy_add_connection_dialog_get_name_entry (dialog), name);
  gtk_editable_set_text (sy_add_connection_dialog_get_url_entry (dialog), sy_sandbox_process_get_url (fixture->sandbox));
  gtk_editable_set_text (sy_add_connection_dialog_get_client_id_entry (dialog),
                         sy_sandbox_process_get_link_client_id (fixture->sandbox));
  gtk_editable_set_text (sy_add_connection_dialog_get_client_secret_entry (dialog),
                         sy_sandbox_process_get_link_client_secret (fixture->sandbox));
  g_assert_true (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));

  g_assert_true (gtk_widget_activate (sy_add_connection_dialog_get_add_button (dialog)));
  SY_GUI_WAIT_FOR (sy_add_connection_dialog_get_authorize_url (dialog) != NULL);
  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_SIGNING_IN);
  /* The fields wait with the sign-in. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (sy_add_connection_dialog_get_name_entry (dialog))));
  return dialog;
}

static gboolean
dialog_ended (SyAddConnectionDialog *dialog)
{
  SyAddConnectionState state = sy_add_connection_dialog_get_state (dialog);

  return state == SY_ADD_CONNECTION_STATE_ADDED || state == SY_ADD_CONNECTION_STATE_FAILED;
}

/* Adds "name" through the dialog's Link way. */
static SyConnection *
add_linked_for (Fixture    *fixture,
                const char *name,
                const char *platform,
                gboolean    screenshot)
{
  g_autoptr(SyAddConnectionDialog) dialog = start_link_dialog (fixture, name);
  g_autofree char *url = g_strdup (sy_add_connection_dialog_get_authorize_url (dialog));

  if (screenshot)
    {
      g_autofree char *shot = NULL;

      sy_gui_test_wait_frames (GTK_WIDGET (dialog), 2);
      shot = sy_gui_test_screenshot (GTK_WIDGET (dialog), "add-connection-link-waiting");
      sy_gui_test_assert_buttons_labelled (GTK_WIDGET (dialog));
    }

  answer_in_browser_for (fixture, url, "allow", platform);
  SY_GUI_WAIT_FOR (dialog_ended (dialog));
  g_assert_cmpstr (sy_add_connection_dialog_get_error (dialog), ==, NULL);
  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_ADDED);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));

  return sy_connection_store_find_by_name (sy_application_get_connection_store (fixture->app), name);
}

static SyConnection *
add_linked (Fixture    *fixture,
            const char *name,
            gboolean    screenshot)
{
  return add_linked_for (fixture, name, NULL, screenshot);
}

/* (1) The whole flow: allowed in the browser, the connection is kept with
 * auth link, its tokens only in the keyring, and it reads records. */
static void
test_link_allow (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *json = NULL;
  g_autofree char *access = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *secret = NULL;
  g_autoptr(GPtrArray) leaked = NULL;
  SyConnection *added;
  SyConnectionPage *page;

  added = add_linked (fixture, "Linked Warehouse", TRUE);
  g_assert_nonnull (added);
  g_assert_true (sy_connection_uses_link (added));
  g_assert_cmpstr (sy_connection_get_link_client_id (added), ==, sy_sandbox_process_get_link_client_id (fixture->sandbox));
  g_assert_true (sy_window_get_selected_connection (fixture->window) == added);
  g_assert_cmpstr (sy_window_get_last_toast (fixture->window), ==, "Added “Linked Warehouse”");

  json = read_connections_json (fixture);
  g_assert_nonnull (strstr (json, sy_connection_get_id (added)));
  g_assert_nonnull (strstr (json, "\"link\""));

  access = keyring_lookup (fixture, sy_connection_get_id (added), SY_SECRET_KIND_ACCESS_TOKEN);
  refresh = keyring_lookup (fixture, sy_connection_get_id (added), SY_SECRET_KIND_REFRESH_TOKEN);
  secret = keyring_lookup (fixture, sy_connection_get_id (added), SY_SECRET_KIND_CLIENT_SECRET);
  g_assert_nonnull (access);
  g_assert_nonnull (refresh);
  g_assert_cmpstr (secret, ==, sy_sandbox_process_get_link_client_secret (fixture->sandbox));
  {
    const char *needles[] = { access, refresh, secret };

    for (guint i = 0; i < G_N_ELEMENTS (needles); i++)
      {
        leaked = sy_test_files_containing (fixture->config_dir, needles[i]);
        g_assert_cmpuint (leaked->len, ==, 0);
        g_clear_pointer (&leaked, g_ptr_array_unref);
        leaked = sy_test_files_containing (fixture->state_dir, needles[i]);
        g_assert_cmpuint (leaked->len, ==, 0);
        g_clear_pointer (&leaked, g_ptr_array_unref);
      }
  }

  page = get_page (fixture);
  sy_connection_page_set_entity (page, "wms/sales-orders");
  SY_GUI_WAIT_FOR (page_has_records (page));
  g_assert_cmpint (sy_connection_get_status (added), ==, SY_CONNECTION_STATUS_ACTIVE);

  /* Health: the sign-in's expiry (the sandbox's 30 days), the platform's
   * sync status, the last request that worked; no certificate, no row. */
  {
    AdwActionRow *token_row = sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "token_expiry_row");
    AdwActionRow *sync_row = sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "sync_status_row");
    AdwActionRow *success_row = sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "last_success_row");
    GtkWidget *certificate_row = sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "certificate_expiry_row");
    GtkListBox *list = sy_gui_test_get_child (fixture->window, SY_TYPE_WINDOW, "connection_list");
    SyConnectionRow *row = SY_CONNECTION_ROW (gtk_list_box_get_row_at_index (list, 0));
    g_autofree char *shot = NULL;

    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (token_row)));
    SY_GUI_WAIT_FOR (strstr (adw_action_row_get_subtitle (token_row), "in 30 days") != NULL ||
                     strstr (adw_action_row_get_subtitle (token_row), "in 29 days") != NULL);
    SY_GUI_WAIT_FOR (sy_connection_page_get_sync_status (page) != NULL);
    g_assert_cmpstr (adw_action_row_get_subtitle (sync_row), ==,
                     sy_connection_page_describe_sync_status (sy_connection_page_get_sync_status (page)));
    g_assert_cmpstr (adw_action_row_get_subtitle (sync_row), !=, "Not reported");
    g_assert_cmpstr (adw_action_row_get_subtitle (success_row), !=, "Never in this session");
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (success_row), "just now"));
    g_assert_false (gtk_widget_get_visible (certificate_row));
    g_assert_cmpstr (sy_connection_page_describe_sync_status ("fail"), ==, "Sync failed");

    /* The sidebar says the worst: nothing now, a failing platform sync
     * when the platform reports one. */
    g_assert_null (sy_connection_row_get_warning (row));
    sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 3);
    shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "connection-health");
    sy_connection_row_set_sync_status (row, "fail");
    g_assert_cmpstr (sy_connection_row_get_warning (row), ==, "Platform sync failed");
  }
}

/* (2) Denied in the browser: said in the dialog, nothing stored, what was
 * typed kept for another try. */
static void
test_link_deny (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(SyAddConnectionDialog) dialog = start_link_dialog (fixture, "Denied");
  g_autofree char *url = g_strdup (sy_add_connection_dialog_get_authorize_url (dialog));
  g_autofree char *json = NULL;
  g_autofree char *shot = NULL;
  const char *error_text;

  answer_in_browser (fixture, url, "deny");
  SY_GUI_WAIT_FOR (dialog_ended (dialog));
  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_FAILED);
  error_text = sy_add_connection_dialog_get_error (dialog);
  g_assert_nonnull (error_text);
  g_assert_nonnull (strstr (error_text, "denied"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_cmpstr (gtk_editable_get_text (sy_add_connection_dialog_get_name_entry (dialog)), ==, "Denied");
  g_assert_cmpstr (gtk_editable_get_text (sy_add_connection_dialog_get_client_secret_entry (dialog)), ==,
                   sy_sandbox_process_get_link_client_secret (fixture->sandbox));
  g_assert_true (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));
  shot = sy_gui_test_screenshot (GTK_WIDGET (dialog), "add-connection-link-denied");

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sy_application_get_connection_store (fixture->app))), ==, 0);
  json = read_connections_json (fixture);
  g_assert_null (strstr (json, "Denied"));

  /* Cancelling a sign-in also keeps nothing, and the dialog stays. */
  g_assert_true (gtk_widget_activate (sy_add_connection_dialog_get_add_button (dialog)));
  SY_GUI_WAIT_FOR (sy_add_connection_dialog_get_authorize_url (dialog) != NULL);
  gtk_widget_activate (GTK_WIDGET (sy_gui_test_get_child (dialog, SY_TYPE_ADD_CONNECTION_DIALOG, "cancel_sign_in_button")));
  SY_GUI_WAIT_FOR (dialog_ended (dialog));
  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_FAILED);
  g_assert_nonnull (strstr (sy_add_connection_dialog_get_error (dialog), "cancelled"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sy_application_get_connection_store (fixture->app))), ==, 0);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  gtk_window_close (GTK_WINDOW (dialog));
}

/* (3) Refreshing refused: the connection needs reconnecting, says so with
 * the action that fixes it, and Reconnect keeps its id. */
static void
test_reconnect (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(SyAddConnectionDialog) dialog = NULL;
  g_autofree char *id = NULL;
  g_autofree char *url = NULL;
  g_autofree char *json = NULL;
  g_autofree char *shot = NULL;
  SyConnection *connection;
  SyConnectionPage *page;
  GtkWidget *reconnect_button;

  connection = add_linked (fixture, "Expiring", FALSE);
  id = g_strdup (sy_connection_get_id (connection));
  page = get_page (fixture);
  sy_connection_page_set_entity (page, "wms/sales-orders");
  SY_GUI_WAIT_FOR (page_has_records (page));

  reconnect_button = GTK_WIDGET (sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "reconnect_button"));
  g_assert_false (gtk_widget_get_visible (reconnect_button));

  sandbox_post (fixture, "/__sandbox/link/revoke-refresh-tokens");
  sandbox_post (fixture, "/__sandbox/link/expire-access-tokens");
  sy_connection_page_test (page);
  SY_GUI_WAIT_FOR (sy_connection_get_status (connection) == SY_CONNECTION_STATUS_NEEDS_REAUTH);
  g_assert_cmpstr (sy_connection_status_describe (SY_CONNECTION_STATUS_NEEDS_REAUTH), ==, "Needs reconnecting");
  {
    g_autofree char *message = sy_connection_describe_status_message (connection);
    AdwActionRow *status_row = sy_gui_test_get_child (page, SY_TYPE_CONNECTION_PAGE, "status_row");

    g_assert_nonnull (strstr (message, "Reconnect to sign in again"));
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (status_row), "Needs reconnecting"));
  }
  SY_GUI_WAIT_FOR (gtk_widget_get_visible (reconnect_button));
  g_assert_true (gtk_widget_is_sensitive (reconnect_button));
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 3);
  shot = sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "connection-needs-reconnecting");

  /* Reconnect from the page's button: the sign-in starts by itself with the
   * client secret from the keyring. */
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (reconnect_button)), ==, "win.reconnect-connection");
  {
    g_auto(GStrv) actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (fixture->app), "<Shift><Control>u");
    g_assert_true (g_strv_contains ((const char * const *) actions, "win.reconnect-connection"));
  }
  dialog = g_object_ref (sy_window_open_reconnect_dialog (fixture->window));
  g_assert_nonnull (dialog);
  sy_add_connection_dialog_set_open_browser (dialog, FALSE);
  SY_GUI_WAIT_FOR (sy_add_connection_dialog_get_authorize_url (dialog) != NULL);
  url = g_strdup (sy_add_connection_dialog_get_authorize_url (dialog));
  answer_in_browser (fixture, url, "allow");
  SY_GUI_WAIT_FOR (dialog_ended (dialog));
  g_assert_cmpstr (sy_add_connection_dialog_get_error (dialog), ==, NULL);

  /* The same connection, the same id, one entry, and it works again. */
  g_assert_true (sy_connection_store_find_by_id (sy_application_get_connection_store (fixture->app), id) == connection);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sy_application_get_connection_store (fixture->app))), ==, 1);
  json = read_connections_json (fixture);
  g_assert_nonnull (strstr (json, id));
  SY_GUI_WAIT_FOR (sy_connection_get_status (connection) == SY_CONNECTION_STATUS_ACTIVE);
  SY_GUI_WAIT_FOR (!gtk_widget_get_visible (reconnect_button));
  SY_GUI_WAIT_FOR (page_has_records (page));
}

static void shoot_four (GtkWindow  *window,
                        const char *name);

static JsonObject *
sandbox_get_json (Fixture    *fixture,
                  const char *path)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (fixture->sandbox), path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  /* The inspection endpoints answer at once, without the app's help. */
  body = soup_session_send_and_read (fixture->session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static gint64
sandbox_count (Fixture    *fixture,
               const char *entity)
{
  g_autoptr(JsonObject) stats = sandbox_get_json (fixture, "/__sandbox/stats");
  JsonObject *entities = json_object_get_object_member (stats, "entities");

  return json_object_get_int_member (json_object_get_object_member (entities, entity), "count");
}

/* (4) A sync that meets an expired sign-in pauses with the reason and a
 * Reconnect button; after Reconnect the same run goes on, and the target
 * ends with every record once. */
static void
test_sync_paused (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *mapping_path = NULL;
  g_autoptr(GFile) mapping_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) duplicates = NULL;
  SyRunPanel *window;
  AdwMessageDialog *plan;
  SySyncOptions options;
  SySyncProgress *progress;
  GtkLabel *status_label;
  GtkWidget *reconnect_button;
  gint64 run_id;
  guint reconnects = 0;
  gboolean shot_taken = FALSE;

  g_assert_nonnull (add_linked_for (fixture, SY_DEMO_MINTSOFT_NAME, "wms", FALSE));
  g_assert_nonnull (add_linked_for (fixture, SY_DEMO_NETSUITE_NAME, "erp", FALSE));
  g_assert_true (sy_mapping_editor_install_demo_mapping_for (fixture->app, &error));
  g_assert_no_error (error);

  mapping_path = g_build_filename (sy_application_get_config_dir (fixture->app), "mappings",
                                   "mintsoft-to-netsuite.json", NULL);
  mapping_file = g_file_new_for_path (mapping_path);
  window = sy_gui_test_show_runs (fixture->app, mapping_file);
  SY_GUI_WAIT_FOR (sy_run_panel_get_mapping (window) != NULL && !sy_run_panel_get_history_loading (window));
  sy_run_panel_get_options (window, &options);
  options.batch_size = 10;
  options.concurrency = 2;
  sy_run_panel_set_options (window, &options);
  status_label = sy_gui_test_get_child (window, SY_TYPE_RUN_PANEL, "status_label");
  reconnect_button = sy_gui_test_get_child (window, SY_TYPE_RUN_PANEL, "reconnect_button");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "runs.start", NULL));
  /* The mapping's first run shows its plan first. */
  SY_GUI_WAIT_FOR ((plan = sy_gui_test_find_message_dialog ()) != NULL);
  sy_gui_test_respond (plan, "write");
  SY_GUI_WAIT_FOR (sy_run_panel_get_job (window) != NULL &&
                   sy_sync_progress_get_written (sy_sync_job_get_progress (sy_run_panel_get_job (window))) >= 20);
  run_id = sy_sync_job_get_run_id (sy_run_panel_get_job (window));

  /* Every sign-in runs out at once, and none can be refreshed. */
  sandbox_post (fixture, "/__sandbox/link/revoke-refresh-tokens");
  sandbox_post (fixture, "/__sandbox/link/expire-access-tokens");

  /* Each connection in turn stops the run; each Reconnect resumes it. */
  while (TRUE)
    {
      g_autoptr(SyAddConnectionDialog) dialog = NULL;
      const char *text;
      const char *platform;

      SY_GUI_WAIT_FOR (!sy_run_panel_get_busy (window));
      progress = sy_sync_job_get_progress (sy_run_panel_get_job (window));
      g_assert_cmpint (sy_sync_job_get_run_id (sy_run_panel_get_job (window)), ==, run_id);
      if (sy_sync_progress_get_state (progress) == SY_SYNC_JOB_STATE_FINISHED)
        break;

      text = gtk_label_get_text (status_label);
      g_test_message ("Run stopped: %s", text);
      g_assert_true (g_str_has_prefix (text, "Paused: “"));
      g_assert_nonnull (strstr (text, "” needs reconnecting"));
      g_assert_true (gtk_widget_get_visible (reconnect_button));
      g_assert_cmpuint (++reconnects, <=, 2);
      if (!shot_taken)
        {
          shoot_four (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (window))), "link-sync-paused-needs-reconnecting");
          shot_taken = TRUE;
        }

      platform = strstr (text, SY_DEMO_NETSUITE_NAME) != NULL ? "erp" : "wms";
      dialog = g_object_ref (sy_run_panel_open_reconnect_dialog (window));
      sy_add_connection_dialog_set_open_browser (dialog, FALSE);
      SY_GUI_WAIT_FOR (sy_add_connection_dialog_get_authorize_url (dialog) != NULL);
      answer_in_browser_for (fixture, sy_add_connection_dialog_get_authorize_url (dialog), "allow", platform);
      SY_GUI_WAIT_FOR (dialog_ended (dialog));
      g_assert_cmpstr (sy_add_connection_dialog_get_error (dialog), ==, NULL);
      /* The run goes on by itself. */
      SY_GUI_WAIT_FOR (sy_run_panel_get_busy (window) || !gtk_widget_get_visible (reconnect_button));
    }

  g_assert_cmpuint (reconnects, >=, 1);
  g_assert_false (gtk_widget_get_visible (reconnect_button));
  /* On the sandbox: every order once, none twice. */
  duplicates = sandbox_get_json (fixture, "/__sandbox/duplicates?entity=erp/sales-orders&field=code");
  g_assert_cmpint (json_object_get_int_member (duplicates, "duplicates"), ==, 0);
  g_assert_cmpint (sandbox_count (fixture, "erp/sales-orders") + (gint64) sy_sync_progress_get_failed (progress), ==,
                   sandbox_count (fixture, "wms/sales-orders"));
  g_assert_cmpint (sandbox_count (fixture, "erp/sales-orders"), >, 0);
}

/* A screen at a normal and a phone's width, light and dark, saved as
 * NAME-<wide|narrow>-<light|dark>[-LANG].png; at 360 px nothing may ask
 * for more room than the phone has. */
static void
shoot_four (GtkWindow  *window,
            const char *name)
{
  const char *language = g_getenv ("LANGUAGE");
  int widths[] = { 1000, 360 };

  for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
    for (int dark = 0; dark <= 1; dark++)
      {
        g_autofree char *shot_name = g_strdup_printf ("%s-%s-%s%s%s", name, w == 0 ? "wide" : "narrow",
                                                      dark ? "dark" : "light",
                                                      language ? "-" : "", language ? language : "");
        g_autofree char *shot = NULL;
        int minimum = 0;

        adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                            dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
        gtk_window_set_default_size (window, widths[w], 720);
        sy_gui_test_wait_frames (GTK_WIDGET (window), 10);
        shot = sy_gui_test_screenshot (GTK_WIDGET (window), shot_name);
        gtk_widget_measure (gtk_window_get_child (window), GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
        g_test_message ("%s: minimum width %d", shot_name, minimum);
        if (minimum > 360)
          sy_gui_test_report_too_wide (gtk_window_get_child (window), 360);
        g_assert_cmpint (minimum, <=, 360);
      }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

/* (5) The new screens, in any language: the Link way of Add Connection
 * waiting for the browser, a connection's health, and one that needs
 * reconnecting. */
static void
test_screens (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(SyAddConnectionDialog) dialog = start_link_dialog (fixture, "Warehouse");
  g_autofree char *url = g_strdup (sy_add_connection_dialog_get_authorize_url (dialog));
  SyConnectionPage *page = get_page (fixture);
  SyConnection *connection;

  shoot_four (GTK_WINDOW (dialog), "link-add-connection-waiting");
  answer_in_browser (fixture, url, "allow");
  SY_GUI_WAIT_FOR (dialog_ended (dialog));
  g_assert_cmpint (sy_add_connection_dialog_get_state (dialog), ==, SY_ADD_CONNECTION_STATE_ADDED);
  connection = sy_window_get_selected_connection (fixture->window);

  sy_connection_page_set_entity (page, "wms/sales-orders");
  SY_GUI_WAIT_FOR (page_has_records (page));
  SY_GUI_WAIT_FOR (sy_connection_page_get_sync_status (page) != NULL);
  shoot_four (GTK_WINDOW (fixture->window), "link-connection-health");

  sandbox_post (fixture, "/__sandbox/link/revoke-refresh-tokens");
  sandbox_post (fixture, "/__sandbox/link/expire-access-tokens");
  sy_connection_page_reload (page);
  SY_GUI_WAIT_FOR (sy_connection_get_status (connection) == SY_CONNECTION_STATUS_NEEDS_REAUTH);
  shoot_four (GTK_WINDOW (fixture->window), "link-connection-needs-reconnecting");
}

int
main (int   argc,
      char *argv[])
{
  /* LANGUAGE=de shows the screens in German, as the translation test does. */
  if (g_getenv ("LANGUAGE") != NULL && g_getenv ("SWITCHYARD_LOCALEDIR") != NULL)
    g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  sy_gui_test_init (&argc, &argv);
  if (g_getenv ("LANGUAGE") != NULL && g_getenv ("SWITCHYARD_LOCALEDIR") != NULL)
    {
      setlocale (LC_ALL, "");
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("SWITCHYARD_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
    }

  g_test_add ("/gui/link/allow", Fixture, NULL, fixture_set_up, test_link_allow, fixture_tear_down);
  g_test_add ("/gui/link/deny", Fixture, NULL, fixture_set_up, test_link_deny, fixture_tear_down);
  g_test_add ("/gui/link/reconnect", Fixture, NULL, fixture_set_up, test_reconnect, fixture_tear_down);
  {
    static const char *slow[] = { "--records", "150", "--latency-ms", "10", NULL };

    g_test_add ("/gui/link/sync-paused", Fixture, slow, fixture_set_up, test_sync_paused, fixture_tear_down);
  }
  g_test_add ("/gui/link/screens", Fixture, NULL, fixture_set_up, test_screens, fixture_tear_down);

  return g_test_run ();
}
