/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "sy-application.h"
#include "sy-automation.h"
#include "sy-connection-page.h"
#include "sy-gui-test-util.h"
#include "sy-error.h"
#include "sy-secret-store.h"
#include "sy-state-store-webhooks.h"
#include "sy-test-support.h"
#include "sy-webhook-panel.h"
#include "sy-webhook-settings.h"
#include "sy-webhook-signature.h"
#include "sy-window-private.h"

/* The connection page's Webhooks tab with the real keyring, a real
 * state.db and real HTTP: the secret goes to the keyring and nowhere
 * else, the switch runs a receiver that answers signed deliveries and
 * refuses forged ones, and the events list shows both. */

#define SECRET "panel-secret-7c2d9e"

/* Runs on each change of the warehouse's sales orders (the ERP has no token,
 * so the run fails at once: what matters is that it was asked for). */
static const char mapping_text[] =
  "{\n  \"version\": 1,\n  \"name\": \"Orders\",\n"
  "  \"source\": {\"connection\": \"Warehouse\", \"entity\": \"wms/sales-orders\"},\n"
  "  \"target\": {\"connection\": \"ERP\", \"entity\": \"erp/sales-orders\"},\n"
  "  \"match\": {\"source\": \"key\", \"target\": \"code\"},\n"
  "  \"automation\": {\"on_changes\": true},\n"
  "  \"fields\": [\n"
  "    {\"target\": \"code\", \"source\": \"key\"},\n"
  "    {\"target\": \"orderNumber\", \"source\": \"orderNumber\", \"required\": true}\n"
  "  ]\n}\n";
#define CONNECTION_NAME "Warehouse"

typedef struct
{
  char             *config_dir;
  char             *state_dir;
  SyApplication    *app;
  SyConnection     *connection;
  SyConnectionPage *page;
  SyWebhookPanel   *panel;
  /* An automated run that fails is told in a notification. */
  SyGuiTestNotifications *notifications;
} Fixture;

static GtkWidget *
find_descendant (GtkWidget *root,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void start_app (Fixture *fixture);

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(SyConnectionStore) connections = NULL;
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  fixture->config_dir = sy_test_make_tmpdir ("switchyard-webhook-panel-config");
  fixture->state_dir = sy_test_make_tmpdir ("switchyard-webhook-panel-state");

  connections = sy_connection_store_new (fixture->config_dir);
  connection = sy_connection_new (CONNECTION_NAME, "http://127.0.0.1:9/");
  g_assert_true (sy_connection_store_add (connections, connection, &error));
  g_assert_no_error (error);
  if (data != NULL)
    {
      g_autoptr(SyConnection) erp = sy_connection_new ("ERP", "http://127.0.0.1:9/");
      g_autofree char *dir = g_build_filename (fixture->config_dir, "mappings", NULL);
      g_autofree char *path = g_build_filename (dir, "orders.json", NULL);

      g_assert_true (sy_connection_store_add (connections, erp, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_assert_true (g_file_set_contents (path, mapping_text, -1, &error));
      g_assert_no_error (error);
    }

  fixture->notifications = sy_gui_test_notifications_start ();
  start_app (fixture);
}

static void
start_app (Fixture *fixture)
{
  SyWindow *window;

  fixture->app = sy_gui_test_start_app (fixture->config_dir, fixture->state_dir, FALSE);
  g_assert_nonnull (sy_application_get_state_store (fixture->app));
  fixture->connection = sy_connection_store_find_by_name (sy_application_get_connection_store (fixture->app),
                                                          CONNECTION_NAME);
  g_assert_nonnull (fixture->connection);
  window = sy_gui_test_get_window (fixture->app);
  sy_window_select_connection (window, fixture->connection);
  fixture->page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  fixture->panel = SY_WEBHOOK_PANEL (find_descendant (GTK_WIDGET (fixture->page), SY_TYPE_WEBHOOK_PANEL));
  g_assert_nonnull (fixture->panel);
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (fixture->panel));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_gui_test_stop_app (fixture->app);
  sy_gui_test_notifications_stop (fixture->notifications);
  sy_test_remove_tree (fixture->config_dir);
  sy_test_remove_tree (fixture->state_dir);
  g_free (fixture->config_dir);
  g_free (fixture->state_dir);
}

static gpointer
panel_child (Fixture    *fixture,
             const char *name)
{
  return sy_gui_test_get_child (fixture->panel, SY_TYPE_WEBHOOK_PANEL, name);
}

/* Whether text occurs in any file under dir. */
static gboolean
tree_contains (const char *dir,
               const char *text)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  if (listing == NULL)
    return FALSE;
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (tree_contains (path, text))
            return TRUE;
        }
      else if (g_file_get_contents (path, &contents, &length, NULL) &&
               g_strstr_len (contents, (gssize) length, text) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* The title of the events list's row whose title or subtitle holds text,
 * or NULL. */
static const char *
find_event_row (Fixture    *fixture,
                const char *text)
{
  GtkWidget *list = panel_child (fixture, "events_list");

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      const char *title;
      const char *subtitle;

      if (!ADW_IS_ACTION_ROW (row))
        continue;
      title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
      subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
      if ((title != NULL && strstr (title, text) != NULL) || (subtitle != NULL && strstr (subtitle, text) != NULL))
        return title;
    }
  return NULL;
}

static SyWebhookReceiver *
get_receiver (Fixture *fixture)
{
  return sy_webhook_receivers_lookup (sy_application_get_webhook_receivers (fixture->app),
                                      sy_connection_get_id (fixture->connection));
}

static char *
make_body (const char *event_id,
           const char *key)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *occurred_at = g_date_time_format_iso8601 (now);

  return g_strdup_printf ("{\"id\":\"%s\",\"type\":\"record.updated\",\"entity\":\"wms/sales-orders\","
                          "\"key\":\"%s\",\"occurred_at\":\"%s\"}", event_id, key, occurred_at);
}

/* POSTs body signed with secret to url; the status, or 0 with error set. */
static guint
post (const char  *url,
      const char  *body,
      const char  *secret,
      GError     **error)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autofree char *signature = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, secret, bytes, 0);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) answer = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (message),
                                sy_webhook_scheme_default_header (SY_WEBHOOK_SCHEME_MAKINI), signature);
  soup_message_set_request_body_from_bytes (message, "application/json", bytes);
  /* The receiver answers on this main context: it must keep running. */
  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, sy_test_store_result, &result);
  SY_GUI_WAIT_FOR (result != NULL);
  answer = soup_session_send_and_read_finish (session, result, error);
  if (answer == NULL)
    return 0;
  return soup_message_get_status (message);
}

static void
set_secret (Fixture    *fixture,
            const char *secret)
{
  AdwEntryRow *secret_row = panel_child (fixture, "secret_row");

  gtk_editable_set_text (GTK_EDITABLE (secret_row), secret);
  g_signal_emit_by_name (secret_row, "apply");
  /* Out of the entry at once. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (secret_row)), ==, "");
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (fixture->panel));
}

static char *
keyring_secret (Fixture *fixture)
{
  SySecretStore *secrets = sy_application_get_secret_store (fixture->app);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;

  sy_webhook_settings_lookup_secret_async (secrets, fixture->connection, NULL, sy_test_store_result, &result);
  SY_GUI_WAIT_FOR (result != NULL);
  secret = sy_webhook_settings_lookup_secret_finish (secrets, result, &error);
  if (secret == NULL)
    g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
  return secret;
}

static void
test_deliveries (Fixture       *fixture,
                 gconstpointer  data)
{
  GtkSwitch *receive_switch = panel_child (fixture, "receive_switch");
  AdwActionRow *secret_state_row = panel_child (fixture, "secret_state_row");
  GtkLabel *url_label = panel_child (fixture, "url_label");
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *forged = NULL;
  char *stored;
  const char *title;

  /* No secret yet: nothing could check a delivery, so no switch. */
  g_assert_false (sy_webhook_panel_has_secret (fixture->panel));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (receive_switch)));
  stored = keyring_secret (fixture);
  g_assert_null (stored);

  set_secret (fixture, SECRET);
  g_assert_true (sy_webhook_panel_has_secret (fixture->panel));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (secret_state_row)), ==,
                   "A secret is kept in the keyring");
  stored = keyring_secret (fixture);
  g_assert_cmpstr (stored, ==, SECRET);
  sy_secret_free (stored);
  /* In the keyring and in no file. */
  g_assert_false (tree_contains (fixture->config_dir, SECRET));
  g_assert_false (tree_contains (fixture->state_dir, SECRET));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (receive_switch)));

  /* On: a receiver on loopback, its address shown. */
  gtk_switch_set_active (receive_switch, TRUE);
  SY_GUI_WAIT_FOR (get_receiver (fixture) != NULL && !sy_webhook_panel_is_busy (fixture->panel));
  url = sy_webhook_receiver_get_url (get_receiver (fixture));
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  g_assert_cmpstr (gtk_label_get_text (url_label), ==, url);
  g_assert_true (gtk_widget_get_visible (panel_child (fixture, "url_row")));
  g_assert_false (gtk_widget_get_sensitive (panel_child (fixture, "secret_row")));
  g_assert_false (gtk_widget_get_sensitive (panel_child (fixture, "scheme_row")));
  g_assert_false (tree_contains (fixture->config_dir, SECRET));

  /* A genuine delivery: 200, and in the list as accepted. */
  body = make_body ("evt_panel_1", "SO-7001");
  g_assert_cmpuint (post (url, body, SECRET, &error), ==, 200);
  g_assert_no_error (error);
  SY_GUI_WAIT_FOR (find_event_row (fixture, "SO-7001") != NULL);
  title = find_event_row (fixture, "evt_panel_1");
  g_assert_cmpstr (title, ==, "wms/sales-orders SO-7001");

  /* A forged one: refused, and in the list with its reason. */
  forged = make_body ("evt_panel_2", "SO-7002");
  g_assert_cmpuint (post (url, forged, "not-the-secret", &error), ==, 401);
  g_assert_no_error (error);
  /* Its body was never read as JSON: the row has the reason, not the
   * event's id or key. */
  SY_GUI_WAIT_FOR (find_event_row (fixture, "Refused: ") != NULL);
  title = find_event_row (fixture, "Refused: ");
  g_assert_nonnull (strstr (title, "signature does not match"));
  g_assert_null (find_event_row (fixture, "SO-7002"));
  g_assert_null (strstr (title, SECRET));

  /* The receiver is the application's: the page shows another connection
   * and this one again, and it still runs. */
  sy_connection_page_set_connection (fixture->page, NULL);
  g_assert_nonnull (get_receiver (fixture));
  sy_connection_page_set_connection (fixture->page, fixture->connection);
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (fixture->panel));
  g_assert_true (gtk_switch_get_active (receive_switch));
  g_assert_cmpstr (gtk_label_get_text (url_label), ==, url);
  g_assert_nonnull (find_event_row (fixture, "evt_panel_1"));

  /* Off: nothing listens any more. */
  gtk_switch_set_active (receive_switch, FALSE);
  g_assert_null (get_receiver (fixture));
  g_assert_false (gtk_widget_get_visible (panel_child (fixture, "url_row")));
  g_assert_cmpuint (post (url, body, SECRET, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

/* A port that is taken: the switch goes back off, the reason is shown. */
static void
test_port_in_use (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  GtkSwitch *receive_switch = panel_child (fixture, "receive_switch");
  AdwActionRow *error_row = panel_child (fixture, "receiver_error_row");
  g_autofree char *port_text = NULL;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  port_text = g_strdup_printf ("%u", port);

  set_secret (fixture, SECRET);
  gtk_spin_button_set_value (panel_child (fixture, "port_spin"), port);
  gtk_switch_set_active (receive_switch, TRUE);
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (fixture->panel) && !gtk_switch_get_active (receive_switch));
  g_assert_null (get_receiver (fixture));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_row)));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (error_row), port_text));
  g_socket_listener_close (listener);
}

/* All networks: the receiver listens on 0.0.0.0, the row warns, the
 * address is locked while it runs, and a delivery to loopback still
 * arrives. */
static void
test_all_networks (Fixture       *fixture,
                   gconstpointer  data)
{
  GtkSwitch *receive_switch = panel_child (fixture, "receive_switch");
  AdwComboRow *address_row = panel_child (fixture, "address_row");
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *loopback_url = NULL;
  g_autofree char *body = make_body ("evt_any_1", "SO-9001");
  const char *subtitle;
  guint port;

  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (address_row));
  g_assert_null (strstr (subtitle, "reverse proxy"));
  g_assert_false (gtk_widget_get_visible (panel_child (fixture, "address_warning_icon")));

  adw_combo_row_set_selected (address_row, 1);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (address_row));
  g_assert_nonnull (strstr (subtitle, "other machines"));
  g_assert_nonnull (strstr (subtitle, "TLS reverse proxy"));
  g_assert_true (gtk_widget_get_visible (panel_child (fixture, "address_warning_icon")));
  g_assert_false (gtk_widget_get_visible (panel_child (fixture, "custom_address_row")));

  set_secret (fixture, SECRET);
  gtk_switch_set_active (receive_switch, TRUE);
  SY_GUI_WAIT_FOR (get_receiver (fixture) != NULL && !sy_webhook_panel_is_busy (fixture->panel));
  url = sy_webhook_receiver_get_url (get_receiver (fixture));
  port = sy_webhook_receiver_get_port (get_receiver (fixture));
  g_assert_cmpuint (port, >, 0);
  g_assert_true (g_str_has_prefix (url, "http://0.0.0.0:"));
  g_assert_cmpstr (gtk_label_get_text (panel_child (fixture, "url_label")), ==, url);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (address_row)));
  g_assert_false (gtk_widget_get_sensitive (panel_child (fixture, "port_spin")));

  loopback_url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  g_assert_cmpuint (post (loopback_url, body, SECRET, &error), ==, 200);
  g_assert_no_error (error);
  SY_GUI_WAIT_FOR (find_event_row (fixture, "SO-9001") != NULL);

  /* Shown again for this connection: still all networks. */
  sy_connection_page_set_connection (fixture->page, NULL);
  adw_combo_row_set_selected (address_row, 0);
  sy_connection_page_set_connection (fixture->page, fixture->connection);
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (fixture->panel));
  g_assert_cmpuint (adw_combo_row_get_selected (address_row), ==, 1);

  gtk_switch_set_active (receive_switch, FALSE);
  g_assert_null (get_receiver (fixture));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (address_row)));
}

/* Another address: one that is not an IP address is refused with the
 * reason and the switch stays off; a loopback one of one's own is used. */
static void
test_custom_address (Fixture       *fixture,
                     gconstpointer  data)
{
  GtkSwitch *receive_switch = panel_child (fixture, "receive_switch");
  AdwComboRow *address_row = panel_child (fixture, "address_row");
  GtkEditable *custom_row = panel_child (fixture, "custom_address_row");
  AdwActionRow *error_row = panel_child (fixture, "receiver_error_row");
  g_autofree char *url = NULL;

  set_secret (fixture, SECRET);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (custom_row)));
  adw_combo_row_set_selected (address_row, 2);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (custom_row)));

  gtk_editable_set_text (custom_row, "not.an.address");
  gtk_switch_set_active (receive_switch, TRUE);
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (fixture->panel));
  g_assert_false (gtk_switch_get_active (receive_switch));
  g_assert_null (get_receiver (fixture));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_row)));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (error_row)), ==,
                   "This Address Cannot Be Used");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (error_row), "“not.an.address” is not an IP address"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (custom_row), "error"));

  /* Typing clears the mark; a non-loopback address warns. */
  gtk_editable_set_text (custom_row, " :: ");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (custom_row), "error"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (address_row)), "TLS reverse proxy"));

  gtk_editable_set_text (custom_row, " 127.0.0.1 ");
  g_assert_null (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (address_row)), "reverse proxy"));
  gtk_editable_set_text (custom_row, "127.0.0.2");
  gtk_switch_set_active (receive_switch, TRUE);
  SY_GUI_WAIT_FOR (get_receiver (fixture) != NULL && !sy_webhook_panel_is_busy (fixture->panel));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (error_row)));
  url = sy_webhook_receiver_get_url (get_receiver (fixture));
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.2:"));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (custom_row)));
  gtk_switch_set_active (receive_switch, FALSE);
}

/* Events stored meanwhile show on webhooks.refresh. */
static void
test_refresh (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(SyWebhookEvent) event = sy_webhook_event_new ();
  g_autoptr(GError) error = NULL;
  gboolean is_new = FALSE;
  gint64 row_id = 0;

  g_assert_null (find_event_row (fixture, "evt_refresh"));
  event->connection_id = g_strdup (sy_connection_get_id (fixture->connection));
  event->event_id = g_strdup ("evt_refresh");
  event->body_hash = g_strdup ("00");
  event->entity = g_strdup ("wms/items");
  event->record_key = g_strdup ("SKU-1");
  event->verdict = g_strdup (SY_WEBHOOK_VERDICT_ACCEPTED);
  g_assert_true (sy_state_store_add_webhook_event (sy_application_get_state_store (fixture->app), event,
                                                   &is_new, &row_id, &error));
  g_assert_no_error (error);
  g_assert_true (sy_state_store_mark_webhook_event (sy_application_get_state_store (fixture->app), row_id,
                                                    "sync run 12", &error));
  g_assert_no_error (error);

  /* Shift+F5 within the tab, as the button does. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->panel), "<Shift>F5", "webhooks.refresh");
  SY_GUI_WAIT_FOR (find_event_row (fixture, "evt_refresh") != NULL);
  g_assert_cmpstr (find_event_row (fixture, "sync run 12"), ==, "wms/items SKU-1");
  sy_gui_test_assert_buttons_labelled (GTK_WIDGET (fixture->panel));
}

/* Scheme and header go to connections.json; a header that is not one is
 * refused with the reason; a header left at the scheme's default follows
 * the scheme. */
static void
test_settings (Fixture       *fixture,
               gconstpointer  data)
{
  AdwComboRow *scheme_row = panel_child (fixture, "scheme_row");
  GtkEditable *header_row = panel_child (fixture, "header_row");
  AdwActionRow *error_row = panel_child (fixture, "receiver_error_row");
  g_autofree char *path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  g_autofree char *contents = NULL;

  g_assert_cmpuint (adw_combo_row_get_selected (scheme_row), ==, SY_WEBHOOK_SCHEME_MAKINI);
  g_assert_cmpstr (gtk_editable_get_text (header_row), ==, "X-Signature");

  adw_combo_row_set_selected (scheme_row, SY_WEBHOOK_SCHEME_RUTTER);
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (fixture->panel));
  g_assert_cmpint (sy_webhook_settings_get_scheme (fixture->connection), ==, SY_WEBHOOK_SCHEME_RUTTER);
  g_assert_cmpstr (gtk_editable_get_text (header_row), ==,
                   sy_webhook_scheme_default_header (SY_WEBHOOK_SCHEME_RUTTER));

  gtk_editable_set_text (header_row, "Not a header");
  g_signal_emit_by_name (header_row, "apply");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_row)));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (error_row)), ==, "This Header Cannot Be Used");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (header_row), "error"));

  gtk_editable_set_text (header_row, "X-Custom-Signature");
  g_signal_emit_by_name (header_row, "apply");
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (fixture->panel));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (error_row)));
  g_assert_cmpstr (sy_webhook_settings_get_header (fixture->connection), ==, "X-Custom-Signature");
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "X-Custom-Signature"));
  g_assert_nonnull (strstr (contents, "rutter"));

  /* A header of one's own stays when the scheme changes. */
  adw_combo_row_set_selected (scheme_row, SY_WEBHOOK_SCHEME_MERGE);
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (fixture->panel));
  g_assert_cmpint (sy_webhook_settings_get_scheme (fixture->connection), ==, SY_WEBHOOK_SCHEME_MERGE);
  g_assert_cmpstr (gtk_editable_get_text (header_row), ==, "X-Custom-Signature");
}

typedef struct
{
  guint n_webhook_runs;
  char *mapping_name;
} Runs;

static void
on_run_finished (SyAutomation *automation,
                 SyMapping    *mapping,
                 const char   *cause,
                 gpointer      run,
                 GError       *error,
                 Runs         *runs)
{
  if (g_strcmp0 (cause, "webhook") == 0)
    {
      runs->n_webhook_runs++;
      g_free (runs->mapping_name);
      runs->mapping_name = g_strdup (sy_mapping_get_name (mapping));
    }
}

/* A delivery taken by the panel's receiver asks the application's
 * automation for the runs of the mappings that sync on changes; a forged
 * one asks for nothing. */
static void
test_triggers (Fixture       *fixture,
               gconstpointer  data)
{
  SyAutomation *automation = sy_application_get_automation (fixture->app);
  GtkSwitch *receive_switch = panel_child (fixture, "receive_switch");
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = make_body ("evt_trigger_1", "SO-8001");
  g_autofree char *forged = make_body ("evt_trigger_2", "SO-8002");
  g_autoptr(SyConnection) kept = NULL;
  Runs runs = { 0 };
  gulong handler;

  g_assert_nonnull (automation);
  handler = g_signal_connect (automation, "run-finished", G_CALLBACK (on_run_finished), &runs);

  set_secret (fixture, SECRET);
  gtk_switch_set_active (receive_switch, TRUE);
  SY_GUI_WAIT_FOR (get_receiver (fixture) != NULL && !sy_webhook_panel_is_busy (fixture->panel));
  url = sy_webhook_receiver_get_url (get_receiver (fixture));

  g_assert_cmpuint (post (url, forged, "not-the-secret", &error), ==, 401);
  g_assert_no_error (error);
  SY_GUI_WAIT_FOR (find_event_row (fixture, "Refused: ") != NULL);
  g_assert_cmpuint (runs.n_webhook_runs, ==, 0);

  g_assert_cmpuint (post (url, body, SECRET, &error), ==, 200);
  g_assert_no_error (error);
  SY_GUI_WAIT_FOR (runs.n_webhook_runs > 0);
  g_assert_cmpstr (runs.mapping_name, ==, "Orders");
  SY_GUI_WAIT_FOR (find_event_row (fixture, "SO-8001") != NULL);
  /* The mapping's target is not there: the run that was tried says so. */
  SY_GUI_WAIT_FOR (sy_gui_test_notifications_summaries (fixture->notifications)->len > 0);
  g_assert_cmpstr (g_ptr_array_index (sy_gui_test_notifications_summaries (fixture->notifications), 0), ==,
                   "“Orders” Could Not Sync");

  /* Removing the connection stops its receiver. */
  kept = g_object_ref (fixture->connection);
  g_assert_true (sy_connection_store_remove (sy_application_get_connection_store (fixture->app), kept, &error));
  g_assert_no_error (error);
  g_assert_null (sy_webhook_receivers_lookup (sy_application_get_webhook_receivers (fixture->app),
                                              sy_connection_get_id (kept)));
  g_assert_cmpuint (post (url, body, SECRET, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);

  g_signal_handler_disconnect (automation, handler);
  g_free (runs.mapping_name);
}

/* The application stopped and started again on the same folders (and
 * keyring), the connection's page shown again. */
static void
restart_app (Fixture *fixture)
{
  /* As the application's shutdown does (the test's app is not run):
   * the ports are given up, what is kept stays. */
  sy_webhook_receivers_stop_all (sy_application_get_webhook_receivers (fixture->app));
  sy_gui_test_stop_app (fixture->app);
  start_app (fixture);
}

/* A port that was free a moment ago. */
static guint
free_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

/* Turned on, the receiver runs again after a restart (as at login with
 * --background), on the port chosen; turned off, it does not. */
static void
test_restart (Fixture       *fixture,
              gconstpointer  data)
{
  guint port = free_port ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  g_autofree char *body = make_body ("evt_restart_1", "SO-7101");
  g_autoptr(GError) error = NULL;

  set_secret (fixture, SECRET);
  gtk_spin_button_set_value (panel_child (fixture, "port_spin"), port);
  gtk_switch_set_active (panel_child (fixture, "receive_switch"), TRUE);
  SY_GUI_WAIT_FOR (get_receiver (fixture) != NULL && !sy_webhook_panel_is_busy (fixture->panel));
  g_assert_cmpuint (sy_webhook_receiver_get_port (get_receiver (fixture)), ==, port);
  /* Kept with the connection, the secret not. */
  g_assert_true (tree_contains (fixture->config_dir, "\"receive\""));
  g_assert_false (tree_contains (fixture->config_dir, SECRET));

  restart_app (fixture);
  SY_GUI_WAIT_FOR (get_receiver (fixture) != NULL && !sy_webhook_panel_is_busy (fixture->panel));
  g_assert_cmpuint (sy_webhook_receiver_get_port (get_receiver (fixture)), ==, port);
  g_assert_true (gtk_switch_get_active (panel_child (fixture, "receive_switch")));
  g_assert_false (gtk_widget_get_visible (panel_child (fixture, "receiver_error_row")));
  g_assert_cmpuint (post (url, body, SECRET, &error), ==, 200);
  g_assert_no_error (error);
  SY_GUI_WAIT_FOR (find_event_row (fixture, "SO-7101") != NULL);

  /* Off: after a restart nothing listens, the port chosen still shown. */
  gtk_switch_set_active (panel_child (fixture, "receive_switch"), FALSE);
  g_assert_null (get_receiver (fixture));
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (fixture->panel));
  restart_app (fixture);
  g_assert_null (get_receiver (fixture));
  g_assert_false (gtk_switch_get_active (panel_child (fixture, "receive_switch")));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (panel_child (fixture, "port_spin")), ==, (int) port);
  g_assert_cmpuint (post (url, body, SECRET, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

/* Turned on, but its secret gone from the keyring meanwhile: after a
 * restart no receiver runs, and the tab says why. */
static void
test_restart_without_secret (Fixture       *fixture,
                             gconstpointer  data)
{
  SySecretStore *secrets;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AdwActionRow *error_row;

  set_secret (fixture, SECRET);
  gtk_switch_set_active (panel_child (fixture, "receive_switch"), TRUE);
  SY_GUI_WAIT_FOR (get_receiver (fixture) != NULL && !sy_webhook_panel_is_busy (fixture->panel));

  secrets = sy_application_get_secret_store (fixture->app);
  sy_secret_store_clear_async (secrets, sy_connection_get_id (fixture->connection), SY_SECRET_KIND_WEBHOOK_SECRET,
                               NULL, sy_test_store_result, &result);
  SY_GUI_WAIT_FOR (result != NULL);
  g_assert_true (sy_secret_store_clear_finish (secrets, result, &error));
  g_assert_no_error (error);

  /* Logged, without the secret. */
  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*“" CONNECTION_NAME "” did not start*keyring*");
  restart_app (fixture);
  error_row = panel_child (fixture, "receiver_error_row");
  SY_GUI_WAIT_FOR (gtk_widget_get_visible (GTK_WIDGET (error_row)) && !sy_webhook_panel_is_busy (fixture->panel));
  g_test_assert_expected_messages ();
  g_assert_null (get_receiver (fixture));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (error_row), "keyring"));
  g_assert_null (strstr (adw_action_row_get_subtitle (error_row), SECRET));
  g_assert_false (gtk_switch_get_active (panel_child (fixture, "receive_switch")));
  g_assert_false (sy_webhook_panel_has_secret (fixture->panel));
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add ("/gui/webhook-panel/deliveries", Fixture, NULL, fixture_set_up, test_deliveries, fixture_tear_down);
  g_test_add ("/gui/webhook-panel/port-in-use", Fixture, NULL, fixture_set_up, test_port_in_use, fixture_tear_down);
  g_test_add ("/gui/webhook-panel/all-networks", Fixture, NULL, fixture_set_up, test_all_networks,
              fixture_tear_down);
  g_test_add ("/gui/webhook-panel/custom-address", Fixture, NULL, fixture_set_up, test_custom_address,
              fixture_tear_down);
  g_test_add ("/gui/webhook-panel/refresh", Fixture, NULL, fixture_set_up, test_refresh, fixture_tear_down);
  g_test_add ("/gui/webhook-panel/settings", Fixture, NULL, fixture_set_up, test_settings, fixture_tear_down);
  g_test_add ("/gui/webhook-panel/restart", Fixture, NULL, fixture_set_up, test_restart, fixture_tear_down);
  g_test_add ("/gui/webhook-panel/restart-without-secret", Fixture, NULL, fixture_set_up,
              test_restart_without_secret, fixture_tear_down);
  g_test_add ("/gui/webhook-panel/triggers", Fixture, "with-mapping", fixture_set_up, test_triggers, fixture_tear_down);
  return g_test_run ();
}
