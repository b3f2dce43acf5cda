/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-add-connection-dialog.h"
#include "sy-connection-check.h"
#include "sy-connection-page.h"
#include "sy-connection-row.h"
#include "sy-error.h"
#include "sy-token-keeper.h"
#include "sy-mapping-editor.h"
#include "sy-run-panel.h"
#include "sy-window-private.h"

/* A connection id that is never stored: looking it up tells whether a
 * keyring answers at all, before any connection needs it. */
#define KEYRING_PROBE_ID "switchyard-keyring-probe"

struct _SyWindow
{
  AdwApplicationWindow  parent_instance;

  SyConnectionStore    *connections;
  GSettings            *settings;
  GCancellable         *cancellable;
  char                 *last_toast;
  gboolean              keyring_missing;
  gboolean              demo_starting;
  gboolean              load_error_reported;
  SyConnection         *titled_connection;

  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *content;
  GtkListBox           *connection_list;
  AdwWindowTitle       *content_title;
  GtkRevealer          *banner_revealer;
  GtkLabel             *banner_label;
  GtkStack             *content_stack;
  AdwStatusPage        *demo_failed_page;
  SyConnectionPage     *connection_page;
};

G_DEFINE_FINAL_TYPE (SyWindow, sy_window, ADW_TYPE_APPLICATION_WINDOW)

static SyApplication *
get_app (SyWindow *self)
{
  return SY_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

static SySecretStore *
get_secrets (SyWindow *self)
{
  return sy_application_get_secret_store (get_app (self));
}

void
sy_window_add_toast (SyWindow   *self,
                     const char *title)
{
  AdwToast *toast = adw_toast_new (title);

  g_return_if_fail (SY_IS_WINDOW (self));

  g_free (self->last_toast);
  self->last_toast = g_strdup (title);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

const char *
sy_window_get_last_toast (SyWindow *self)
{
  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);
  return self->last_toast;
}

/* The banner */

static void
update_banner (SyWindow *self)
{
  SySecretStore *secrets = get_secrets (self);
  const char *text = NULL;

  if (secrets != NULL && sy_secret_store_is_in_memory (secrets))
    text = _("No keyring available: demo tokens are kept in memory only and forgotten when Switchyard quits.");
  else if (self->keyring_missing)
    text = _("No keyring available: tokens cannot be saved, so connections cannot be added or used. Install and unlock a keyring such as GNOME Keyring.");

  if (text != NULL)
    gtk_label_set_text (self->banner_label, text);
  gtk_revealer_set_reveal_child (self->banner_revealer, text != NULL);
}

const char *
sy_window_get_banner_text (SyWindow *self)
{
  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->banner_revealer))
    return NULL;
  return gtk_label_get_text (self->banner_label);
}

static void
note_keyring_error (SyWindow     *self,
                    const GError *error)
{
  if (g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NO_KEYRING) && !self->keyring_missing)
    {
      self->keyring_missing = TRUE;
      update_banner (self);
    }
}

static void
keyring_probed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SyWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = sy_secret_store_lookup_finish (SY_SECRET_STORE (source), result, &error);
  sy_secret_free (secret);
  if (error != NULL && !g_cancellable_is_cancelled (self->cancellable))
    note_keyring_error (self, error);
}

/* Status checks */

static void
connection_checked_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(SyWindow) self = user_data;
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(GError) error = NULL;

  /* The check has set the connection's status: the row shows it. */
  client = sy_check_connection_finish (result, &error);
  if (error != NULL && !g_cancellable_is_cancelled (self->cancellable))
    note_keyring_error (self, error);
}

static void
check_connection (SyWindow     *self,
                  SyConnection *connection)
{
  sy_check_connection_async (get_secrets (self), connection, self->cancellable,
                             connection_checked_cb, g_object_ref (self));
}

static void
check_all_connections (SyWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyConnection) connection = g_list_model_get_item (G_LIST_MODEL (self->connections), i);
      check_connection (self, connection);
    }
}

/* Content */

static void
update_title (SyWindow *self)
{
  SyConnection *connection = self->titled_connection;
  const char *platform = connection ? sy_connection_get_platform (connection) : NULL;

  adw_window_title_set_title (self->content_title, connection ? sy_connection_get_name (connection) : "");
  adw_window_title_set_subtitle (self->content_title, platform ? sy_platform_display_name (platform) : "");
}

/* The title follows the shown connection as it is renamed or a test finds
 * out its platform. */
static void
set_titled_connection (SyWindow     *self,
                       SyConnection *connection)
{
  if (self->titled_connection == connection)
    return;

  if (self->titled_connection != NULL)
    g_signal_handlers_disconnect_by_func (self->titled_connection, update_title, self);
  g_set_object (&self->titled_connection, connection);
  if (connection != NULL)
    {
      g_signal_connect_swapped (connection, "notify::name", G_CALLBACK (update_title), self);
      g_signal_connect_swapped (connection, "notify::platform", G_CALLBACK (update_title), self);
    }
  update_title (self);
}

static void
update_content (SyWindow *self)
{
  SyConnection *connection = sy_connection_page_get_connection (self->connection_page);
  const char *page;

  if (connection != NULL)
    page = "connection";
  else if (self->demo_starting)
    page = "starting";
  else if (g_str_equal (gtk_stack_get_visible_child_name (self->content_stack), "demo-failed"))
    page = "demo-failed";
  else
    page = "empty";

  gtk_stack_set_visible_child_name (self->content_stack, page);

  set_titled_connection (self, connection);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.remove-connection", connection != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.update-token", connection != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reconnect-connection", connection != NULL);
}

static void
row_selected_cb (SyWindow      *self,
                 GtkListBoxRow *row)
{
  SyConnection *connection = NULL;

  if (row != NULL)
    connection = sy_connection_row_get_connection (SY_CONNECTION_ROW (row));

  sy_connection_page_set_connection (self->connection_page, connection);
  update_content (self);
}

static void
row_activated_cb (SyWindow      *self,
                  GtkListBoxRow *row)
{
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

/* Certificate warnings in the sidebar */

static void
row_certificate_loaded_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(SyConnectionRow) row = user_data;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  /* An unreadable certificate is reported on the connection's Certificate
   * tab; the sidebar then simply has nothing to warn about. */
  certificate = sy_state_store_load_certificate_finish (SY_STATE_STORE (source), result, &error);
  if (error == NULL)
    sy_connection_row_set_certificate (row, certificate);
}

static void
row_keeper_obtained_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(SyConnectionRow) row = user_data;
  g_autoptr(SyTokenKeeper) keeper = NULL;
  g_autoptr(GError) error = NULL;

  /* No keeper (no keyring, no tokens): the status already says so. */
  keeper = sy_token_keeper_obtain_finish (result, &error);
  if (keeper != NULL)
    sy_connection_row_set_token_keeper (row, keeper);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  SyWindow *self = user_data;
  SyConnection *connection = SY_CONNECTION (item);
  GtkWidget *row = sy_connection_row_new (connection);
  SyStateStore *state = sy_application_get_state_store (get_app (self));

  if (state != NULL)
    sy_state_store_load_certificate_async (state, sy_connection_get_id (connection), self->cancellable,
                                           row_certificate_loaded_cb, g_object_ref (row));
  if (sy_connection_uses_link (connection) && get_secrets (self) != NULL)
    sy_token_keeper_obtain_async (get_secrets (self), connection, self->cancellable,
                                  row_keeper_obtained_cb, g_object_ref (row));
  return row;
}

static SyConnectionRow *
find_row (SyWindow     *self,
          SyConnection *connection)
{
  guint n;

  if (self->connections == NULL)
    return NULL;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  for (guint i = 0; i < n; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->connection_list, i);

      if (row != NULL && sy_connection_row_get_connection (SY_CONNECTION_ROW (row)) == connection)
        return SY_CONNECTION_ROW (row);
    }
  return NULL;
}

/* A certificate generated or imported on the Certificate tab is the shown
 * connection's new one. The tab shows none while it loads another
 * connection's, and the GUI never removes one, so that is no change. */
static void
shown_certificate_changed_cb (SyWindow *self)
{
  SyCertificatePage *page = sy_connection_page_get_certificate_page (self->connection_page);
  SyCertificate *certificate = sy_certificate_page_get_certificate (page);
  SyConnection *connection = sy_connection_page_get_connection (self->connection_page);
  SyConnectionRow *row;

  if (certificate == NULL || connection == NULL)
    return;
  row = find_row (self, connection);
  if (row != NULL)
    sy_connection_row_set_certificate (row, certificate);
}

/* The platform's sync status is asked for by the page of the shown
 * connection; the sidebar warns with it. */
static void
shown_sync_status_changed_cb (SyWindow *self)
{
  SyConnection *connection = sy_connection_page_get_connection (self->connection_page);
  SyConnectionRow *row = connection ? find_row (self, connection) : NULL;
  const char *sync_status = sy_connection_page_get_sync_status (self->connection_page);

  /* Cleared while another connection loads: keep what the row knew. */
  if (row != NULL && sync_status != NULL)
    sy_connection_row_set_sync_status (row, sync_status);
}

static void
connections_changed_cb (SyWindow   *self,
                        guint       position,
                        guint       removed,
                        guint       added,
                        GListModel *model)
{
  /* Connections that arrive from elsewhere (the demo, a reload) get their
   * status checked; those added through the dialog were just tested. */
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(SyConnection) connection = g_list_model_get_item (model, i);

      if (sy_connection_get_status (connection) == SY_CONNECTION_STATUS_UNKNOWN)
        check_connection (self, connection);
    }

  if (removed > 0)
    {
      SyConnection *shown = sy_connection_page_get_connection (self->connection_page);

      if (shown != NULL && sy_connection_store_find_by_id (self->connections, sy_connection_get_id (shown)) != shown)
        {
          gtk_list_box_unselect_all (self->connection_list);
          sy_connection_page_set_connection (self->connection_page, NULL);
        }
    }

  if (gtk_list_box_get_selected_row (self->connection_list) == NULL &&
      g_list_model_get_n_items (model) > 0)
    {
      guint next = MIN (position, g_list_model_get_n_items (model) - 1);
      gtk_list_box_select_row (self->connection_list,
                               gtk_list_box_get_row_at_index (self->connection_list, next));
    }

  update_content (self);
}

void
sy_window_select_connection (SyWindow     *self,
                             SyConnection *connection)
{
  guint n;

  g_return_if_fail (SY_IS_WINDOW (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyConnection) item = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (item == connection)
        {
          GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->connection_list, i);

          gtk_list_box_select_row (self->connection_list, row);
          adw_leaflet_set_visible_child (self->leaflet, self->content);
          return;
        }
    }
}

SyConnection *
sy_window_get_selected_connection (SyWindow *self)
{
  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);
  return sy_connection_page_get_connection (self->connection_page);
}

/* Actions */

static void
connection_added_cb (SyWindow              *self,
                     SyConnection          *connection,
                     SyAddConnectionDialog *dialog)
{
  g_autofree char *title = g_strdup_printf (_("Added “%s”"), sy_connection_get_name (connection));

  sy_window_select_connection (self, connection);
  sy_window_add_toast (self, title);
}

SyAddConnectionDialog *
sy_window_open_add_connection_dialog (SyWindow *self)
{
  SyAddConnectionDialog *dialog;

  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);

  dialog = sy_add_connection_dialog_new (GTK_WINDOW (self), self->connections, get_secrets (self));
  g_signal_connect_object (dialog, "connection-added", G_CALLBACK (connection_added_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));

  return dialog;
}

static void
connection_updated_cb (SyWindow              *self,
                       SyConnection          *connection,
                       SyAddConnectionDialog *dialog)
{
  /* The status and the records were those of the old token. */
  if (sy_connection_page_get_connection (self->connection_page) == connection)
    {
      sy_connection_page_reload (self->connection_page);
      sy_connection_page_test (self->connection_page);
    }
  else
    check_connection (self, connection);
  if (sy_connection_uses_link (connection))
    {
      g_autofree char *title = g_strdup_printf (_("Reconnected “%s”"), sy_connection_get_name (connection));

      sy_window_add_toast (self, title);
    }
  else
    sy_window_add_toast (self, _("Token updated"));
}

SyAddConnectionDialog *
sy_window_open_update_token_dialog (SyWindow *self)
{
  SyAddConnectionDialog *dialog;
  SyConnection *connection;

  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);

  connection = sy_connection_page_get_connection (self->connection_page);
  if (connection == NULL)
    return NULL;
  /* A Link connection has no token to paste: its tokens come from signing
   * in again. */
  if (sy_connection_uses_link (connection))
    return sy_window_open_reconnect_dialog (self);

  dialog = sy_add_connection_dialog_new_for_connection (GTK_WINDOW (self), self->connections,
                                                        get_secrets (self), connection);
  g_signal_connect_object (dialog, "connection-updated", G_CALLBACK (connection_updated_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));

  return dialog;
}

/* Reconnect: a Link connection signs in again, keeping its id; one with a
 * pasted token gets a new one. Either way the fix sits beside the error. */
SyAddConnectionDialog *
sy_window_open_reconnect_dialog (SyWindow *self)
{
  SyAddConnectionDialog *dialog;
  SyConnection *connection;

  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);

  connection = sy_connection_page_get_connection (self->connection_page);
  if (connection == NULL)
    return NULL;

  dialog = sy_add_connection_dialog_new_for_reconnect (GTK_WINDOW (self), self->connections,
                                                       get_secrets (self), connection);
  g_signal_connect_object (dialog, "connection-updated", G_CALLBACK (connection_updated_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));

  return dialog;
}

static void
reconnect_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  sy_window_open_reconnect_dialog (SY_WINDOW (widget));
}

static void
update_token_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  sy_window_open_update_token_dialog (SY_WINDOW (widget));
}

static void
add_connection_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  sy_window_open_add_connection_dialog (SY_WINDOW (widget));
}

typedef struct
{
  SyWindow *window;
  char     *name;
} RemoveData;

static void
remove_data_free (RemoveData *data)
{
  g_object_unref (data->window);
  g_free (data->name);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RemoveData, remove_data_free)

static void
connection_removed_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(RemoveData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;

  if (sy_connection_remove_finish (result, &error))
    title = g_strdup_printf (_("Removed “%s”"), data->name);
  else
    {
      g_autofree char *reason = sy_describe_error (error);

      title = g_strdup_printf (_("“%s” could not be removed: %s"), data->name, reason);
    }

  sy_window_add_toast (data->window, title);
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  SyConnection *connection = user_data;
  SyWindow *self = SY_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (dialog)));
  RemoveData *data;

  if (!g_str_equal (response, "remove") || self == NULL)
    return;

  data = g_new0 (RemoveData, 1);
  data->window = g_object_ref (self);
  data->name = g_strdup (sy_connection_get_name (connection));
  /* Not cancelled with the window: a removal half done is worse than one
   * that finishes after the window has gone. */
  sy_connection_remove_async (self->connections, get_secrets (self),
                              sy_application_get_state_store (get_app (self)),
                              connection, NULL, connection_removed_cb, data);
}

AdwMessageDialog *
sy_window_ask_remove_connection (SyWindow *self)
{
  SyConnection *connection;
  AdwMessageDialog *dialog;

  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);

  connection = sy_connection_page_get_connection (self->connection_page);
  if (connection == NULL)
    return NULL;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), NULL, NULL));
  adw_message_dialog_format_heading (dialog, _("Remove “%s”?"), sy_connection_get_name (connection));
  adw_message_dialog_set_body (dialog, _("Its token, private key and certificate are deleted. Records in the connected system are not affected."));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (remove_response_cb),
                         g_object_ref (connection), (GClosureNotify) g_object_unref, 0);
  gtk_window_present (GTK_WINDOW (dialog));

  return dialog;
}

static void
remove_connection_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  sy_window_ask_remove_connection (SY_WINDOW (widget));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SyWindow *self = SY_WINDOW (widget);

  check_all_connections (self);
  sy_connection_page_reload (self->connection_page);
}

static void
show_mappings_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  sy_mapping_editor_present_for_application (get_app (SY_WINDOW (widget)));
}

static void
show_sync_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  sy_run_panel_present_in_window (get_app (SY_WINDOW (widget)), NULL);
}

static void
go_back_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SyWindow *self = SY_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* The demo */

void
sy_window_demo_starting (SyWindow *self)
{
  g_return_if_fail (SY_IS_WINDOW (self));

  self->demo_starting = TRUE;
  update_content (self);
}

void
sy_window_demo_ready (SyWindow     *self,
                      SyDemo       *demo,
                      const GError *error)
{
  GPtrArray *demo_connections;

  g_return_if_fail (SY_IS_WINDOW (self));

  self->demo_starting = FALSE;
  update_banner (self);

  if (error != NULL)
    {
      g_autofree char *text = sy_describe_error (error);

      adw_status_page_set_description (self->demo_failed_page, text);
      gtk_stack_set_visible_child_name (self->content_stack, "demo-failed");
      update_content (self);
      return;
    }

  demo_connections = sy_demo_get_connections (demo);
  if (demo_connections->len > 0)
    {
      sy_window_select_connection (self, g_ptr_array_index (demo_connections, 0));
      sy_connection_page_set_entity (self->connection_page, "wms/sales-orders");
    }
  update_content (self);
}

/* Startup reports */

static void
report_load_error (SyWindow *self)
{
  const GError *error = sy_application_get_load_error (get_app (self));
  AdwMessageDialog *dialog;

  if (error == NULL)
    return;

  if (g_error_matches (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE) &&
      sy_connection_store_get_broken_path (self->connections) != NULL)
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Connections Could Not Be Read"), NULL));
      adw_message_dialog_format_body (dialog,
                                      _("The list of connections was damaged, so it was moved aside to “%s”. "
                                        "Switchyard starts without connections; tokens in the keyring are untouched."),
                                      sy_connection_store_get_broken_path (self->connections));
    }
  else
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Connections Could Not Be Read"), NULL));
      adw_message_dialog_set_body (dialog, error->message);
    }

  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_set_body_use_markup (dialog, FALSE);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
secret_store_changed_cb (SyWindow *self)
{
  if (self->connection_page == NULL)
    return;
  sy_connection_page_set_secret_store (self->connection_page, get_secrets (self));
  update_banner (self);
}

/* Window size */

static void
restore_window_size (SyWindow *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* Running from the build tree without GSETTINGS_SCHEMA_DIR must not
   * abort: the window then simply forgets its size. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    return;

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
sy_window_close_request (GtkWindow *window)
{
  SyWindow *self = SY_WINDOW (window);

  if (self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
    }

  return GTK_WINDOW_CLASS (sy_window_parent_class)->close_request (window);
}

/* After construction: GtkWindow sets "application" only once the object
 * is constructed. */
static void
setup (SyWindow *self)
{
  SyApplication *app = get_app (self);
  const char *sync_accels[] = { "<Shift><Control>r", NULL };

  restore_window_size (self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-sync", sync_accels);

  self->connections = g_object_ref (sy_application_get_connection_store (app));
  gtk_list_box_bind_model (self->connection_list, G_LIST_MODEL (self->connections),
                           create_row, self, NULL);
  g_signal_connect_object (self->connections, "items-changed",
                           G_CALLBACK (connections_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "notify::secret-store",
                           G_CALLBACK (secret_store_changed_cb), self, G_CONNECT_SWAPPED);

  sy_connection_page_set_secret_store (self->connection_page, get_secrets (self));

  if (g_list_model_get_n_items (G_LIST_MODEL (self->connections)) > 0)
    gtk_list_box_select_row (self->connection_list,
                             gtk_list_box_get_row_at_index (self->connection_list, 0));

  sy_secret_store_lookup_async (get_secrets (self), KEYRING_PROBE_ID, SY_SECRET_KIND_ACCESS_TOKEN,
                                self->cancellable, keyring_probed_cb, g_object_ref (self));
  check_all_connections (self);
  update_content (self);
}

static void
sy_window_map (GtkWidget *widget)
{
  SyWindow *self = SY_WINDOW (widget);

  GTK_WIDGET_CLASS (sy_window_parent_class)->map (widget);

  /* Once, and over the window rather than before it appears. */
  if (!self->load_error_reported)
    {
      self->load_error_reported = TRUE;
      report_load_error (self);
    }
}

static void
sy_window_dispose (GObject *object)
{
  SyWindow *self = SY_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->connections != NULL)
    g_signal_handlers_disconnect_by_data (self->connections, self);
  if (self->connection_list != NULL)
    {
      /* Rows going away select nothing: nothing to show any more. */
      g_signal_handlers_disconnect_by_data (self->connection_list, self);
      gtk_list_box_bind_model (self->connection_list, NULL, NULL, NULL, NULL);
    }
  if (self->titled_connection != NULL)
    g_signal_handlers_disconnect_by_func (self->titled_connection, update_title, self);
  g_clear_object (&self->titled_connection);
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_WINDOW);
  g_clear_object (&self->connections);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sy_window_parent_class)->dispose (object);
}

static void
sy_window_finalize (GObject *object)
{
  SyWindow *self = SY_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_free (self->last_toast);

  G_OBJECT_CLASS (sy_window_parent_class)->finalize (object);
}

static void
sy_window_class_init (SyWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sy_window_dispose;
  object_class->finalize = sy_window_finalize;
  window_class->close_request = sy_window_close_request;
  widget_class->map = sy_window_map;

  g_type_ensure (SY_TYPE_CONNECTION_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SyWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, content);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, connection_list);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, demo_failed_page);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, connection_page);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);

  gtk_widget_class_install_action (widget_class, "win.add-connection", NULL, add_connection_action);
  gtk_widget_class_install_action (widget_class, "win.remove-connection", NULL, remove_connection_action);
  gtk_widget_class_install_action (widget_class, "win.update-token", NULL, update_token_action);
  gtk_widget_class_install_action (widget_class, "win.reconnect-connection", NULL, reconnect_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.go-back", NULL, go_back_action);
  gtk_widget_class_install_action (widget_class, "win.show-mappings", NULL, show_mappings_action);
  gtk_widget_class_install_action (widget_class, "win.show-sync", NULL, show_sync_action);
}

static void
add_delete_shortcut (GtkWidget *widget)
{
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                          gtk_named_action_new ("win.remove-connection")));
  gtk_widget_add_controller (widget, shortcuts);
}

static void
sy_window_init (SyWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Delete removes a connection only where it cannot mean "delete a
   * character": on the sidebar and the connection page, not in entries. */
  add_delete_shortcut (GTK_WIDGET (self->connection_list));
  add_delete_shortcut (GTK_WIDGET (self->connection_page));

  g_signal_connect_object (sy_connection_page_get_certificate_page (self->connection_page), "notify::certificate",
                           G_CALLBACK (shown_certificate_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection_page, "notify::sync-status",
                           G_CALLBACK (shown_sync_status_changed_cb), self, G_CONNECT_SWAPPED);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.remove-connection", FALSE);
}

SyWindow *
sy_window_new (SyApplication *application)
{
  SyWindow *self;

  g_return_val_if_fail (SY_IS_APPLICATION (application), NULL);

  self = g_object_new (SY_TYPE_WINDOW, "application", application, NULL);
  setup (self);
  return self;
}
