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
#include "sy-mapping-page.h"
#include "sy-mapping-row.h"
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
  SyMappingLibrary     *library;
  gboolean              following_page;  /* the sidebar follows the page, not the other way */
  gboolean              may_close;       /* unsaved changes and runs were asked about */
  gboolean              close_when_idle; /* closing once its runs have stopped */
  gboolean              holding;         /* holds the application while out of sight */

  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *content;
  GtkListBox           *connection_list;
  GtkListBox           *mapping_list;
  SyMappingPage        *mapping_page;
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

  /* One selection in the sidebar: a connection or a mapping. */
  if (row != NULL)
    {
      gtk_list_box_unselect_all (self->mapping_list);
      gtk_stack_set_visible_child_name (GTK_STACK (self->content), "connections");
    }
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
      gtk_list_box_get_selected_row (self->mapping_list) == NULL &&
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

/* Mappings */

static GtkWidget *
create_mapping_row (gpointer item,
                    gpointer user_data)
{
  SyWindow *self = user_data;
  SyMappingRow *row = sy_mapping_row_new (SY_MAPPING_LIBRARY_ITEM (item), self->connections);

  sy_mapping_row_refresh_runs (row, sy_application_get_state_store (get_app (self)));
  return GTK_WIDGET (row);
}

static SyMappingRow *
find_mapping_row (SyWindow *self,
                  GFile    *file)
{
  for (guint i = 0; file != NULL; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->mapping_list, i);

      if (row == NULL)
        break;
      if (g_file_equal (sy_mapping_library_item_get_file (sy_mapping_row_get_item (SY_MAPPING_ROW (row))), file))
        return SY_MAPPING_ROW (row);
    }
  return NULL;
}

/* The sidebar shows which mapping the page holds: after a question about
 * unsaved changes kept the old one, after Save As, after a reload. */
static void
select_page_mapping (SyWindow *self)
{
  SyMappingRow *row;

  if (!g_str_equal (gtk_stack_get_visible_child_name (GTK_STACK (self->content)), "mapping"))
    return;
  row = find_mapping_row (self, sy_mapping_page_get_file (self->mapping_page));
  self->following_page = TRUE;
  if (row == NULL)
    gtk_list_box_unselect_all (self->mapping_list);
  else if (gtk_list_box_get_selected_row (self->mapping_list) != GTK_LIST_BOX_ROW (row))
    gtk_list_box_select_row (self->mapping_list, GTK_LIST_BOX_ROW (row));
  self->following_page = FALSE;
}

static void
show_mapping_pane (SyWindow *self)
{
  gtk_list_box_unselect_all (self->connection_list);
  gtk_stack_set_visible_child_name (GTK_STACK (self->content), "mapping");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-mapping", TRUE);
}

static void
mapping_row_selected_cb (SyWindow      *self,
                         GtkListBoxRow *row)
{
  SyMappingLibraryItem *item;

  if (row == NULL || self->following_page)
    return;
  item = sy_mapping_row_get_item (SY_MAPPING_ROW (row));
  show_mapping_pane (self);
  sy_mapping_page_open (self->mapping_page, sy_mapping_library_item_get_file (item));
}

static void
refresh_mapping_runs (SyWindow *self)
{
  SyStateStore *state = sy_application_get_state_store (get_app (self));

  for (guint i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->mapping_list, i);

      if (row == NULL)
        break;
      sy_mapping_row_refresh_runs (SY_MAPPING_ROW (row), state);
    }
}

void
sy_window_show_mapping (SyWindow   *self,
                        GFile      *file,
                        const char *view)
{
  g_return_if_fail (SY_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  show_mapping_pane (self);
  sy_mapping_page_open (self->mapping_page, file);
  select_page_mapping (self);
  if (view != NULL)
    sy_mapping_page_show_view (self->mapping_page, view);
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

void
sy_window_new_mapping (SyWindow *self)
{
  g_return_if_fail (SY_IS_WINDOW (self));

  show_mapping_pane (self);
  sy_mapping_page_new_mapping (self->mapping_page);
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

SyMappingPage *
sy_window_get_mapping_page (SyWindow *self)
{
  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);
  return self->mapping_page;
}

/* Deleting a mapping: the file is set aside (a hidden name the library
 * does not list) while the toast offers Undo, and removed for good when
 * the toast goes. */

typedef struct
{
  SyWindow         *window;   /* weak: the toast, and with it this, goes with the window */
  SyMappingLibrary *library;
  GFile            *file;
  GFile            *aside;
  gboolean          undone;
} DeleteData;

static void
delete_data_free (gpointer user_data)
{
  DeleteData *data = user_data;

  if (!data->undone)
    {
      g_autoptr(GError) error = NULL;

      if (!g_file_delete (data->aside, NULL, &error))
        g_warning ("Could not remove %s: %s", g_file_peek_path (data->aside), error->message);
    }
  g_clear_weak_pointer (&data->window);
  g_object_unref (data->library);
  g_object_unref (data->file);
  g_object_unref (data->aside);
  g_free (data);
}

static void
undo_delete_cb (AdwToast *toast,
                gpointer  user_data)
{
  DeleteData *data = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_move (data->aside, data->file, G_FILE_COPY_NONE, NULL, NULL, NULL, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The mapping could not be put back: %s"), error->message);

      if (data->window != NULL)
        sy_window_add_toast (data->window, text);
      return;
    }
  data->undone = TRUE;
  sy_mapping_library_reload_async (data->library, NULL, NULL, NULL);
}

gboolean
sy_window_delete_mapping (SyWindow  *self,
                          GFile     *file,
                          GError   **error)
{
  g_autofree char *basename = g_file_get_basename (file);
  g_autofree char *aside_name = g_strdup_printf (".%s.deleted", basename);
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autoptr(GFile) aside = g_file_get_child (parent, aside_name);
  SyMappingLibraryItem *item = sy_mapping_library_find_by_file (self->library, file);
  g_autofree char *title = g_strdup (item ? sy_mapping_library_item_get_title (item) : basename);
  g_autofree char *text = NULL;
  DeleteData *data;
  AdwToast *toast;

  g_return_val_if_fail (SY_IS_WINDOW (self), FALSE);

  if (sy_mapping_page_get_run_activity (self->mapping_page, file) != SY_RUN_PANEL_IDLE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   _("“%s” is syncing: stop its run before deleting it"), title);
      return FALSE;
    }
  if (!g_file_move (file, aside, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error))
    return FALSE;

  data = g_new0 (DeleteData, 1);
  g_set_weak_pointer (&data->window, self);
  data->library = g_object_ref (self->library);
  data->file = g_object_ref (file);
  data->aside = g_object_ref (aside);
  text = g_strdup_printf (_("“%s” deleted"), title);
  toast = adw_toast_new (text);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_timeout (toast, 10);
  g_signal_connect (toast, "button-clicked", G_CALLBACK (undo_delete_cb), data);
  g_object_set_data_full (G_OBJECT (toast), "sy-delete", data, delete_data_free);
  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  sy_mapping_library_reload_async (self->library, NULL, NULL, NULL);
  return TRUE;
}

static void
library_changed_cb (SyWindow *self)
{
  /* The page's mapping may have come (saved for the first time) or gone
   * (deleted): the sidebar shows it, or the first connection instead. */
  select_page_mapping (self);
  if (g_str_equal (gtk_stack_get_visible_child_name (GTK_STACK (self->content)), "mapping") &&
      sy_mapping_page_get_file (self->mapping_page) != NULL &&
      find_mapping_row (self, sy_mapping_page_get_file (self->mapping_page)) == NULL &&
      !g_file_query_exists (sy_mapping_page_get_file (self->mapping_page), NULL))
    {
      GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->connection_list, 0);

      if (first != NULL)
        gtk_list_box_select_row (self->connection_list, first);
    }
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

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SyWindow *self = SY_WINDOW (widget);

  check_all_connections (self);
  sy_connection_page_reload (self->connection_page);
}

/* Ctrl+M: to the mappings, at the one shown or the first. */
static void
show_mappings_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SyWindow *self = SY_WINDOW (widget);
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->mapping_list);

  if (row == NULL)
    row = gtk_list_box_get_row_at_index (self->mapping_list, 0);
  if (row == NULL)
    {
      sy_window_new_mapping (self);
      return;
    }
  gtk_list_box_select_row (self->mapping_list, row);
  gtk_widget_grab_focus (GTK_WIDGET (row));
}

/* Shift+Ctrl+R: the runs of the mapping shown. */
static void
show_sync_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SyWindow *self = SY_WINDOW (widget);

  if (!g_str_equal (gtk_stack_get_visible_child_name (GTK_STACK (self->content)), "mapping"))
    show_mappings_action (widget, action_name, parameter);
  sy_mapping_page_show_view (self->mapping_page, "runs");
}

static void
open_mapping_file_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  SyWindow *self = SY_WINDOW (widget);

  show_mapping_pane (self);
  sy_mapping_page_show_view (self->mapping_page, "mapping");
  gtk_widget_activate_action (GTK_WIDGET (sy_mapping_page_get_editor (self->mapping_page)), "editor.open-file", NULL);
}

static void
remove_connection_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  SyWindow *self = SY_WINDOW (widget);

  if (sy_connection_page_get_connection (self->connection_page) != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self->connection_page), "connection.remove", NULL);
}

static void
delete_mapping_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SyWindow *self = SY_WINDOW (widget);
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->mapping_list);
  g_autoptr(GError) error = NULL;

  if (row == NULL)
    return;
  if (!sy_window_delete_mapping (self, sy_mapping_library_item_get_file (sy_mapping_row_get_item (SY_MAPPING_ROW (row))), &error))
    sy_window_add_toast (self, error->message);
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

static void
close_now (SyWindow *self)
{
  self->may_close = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
close_later_cb (gpointer user_data)
{
  close_now (SY_WINDOW (user_data));
  return G_SOURCE_REMOVE;
}

static void
release_hold (SyWindow *self)
{
  if (self->holding)
    {
      self->holding = FALSE;
      g_application_release (G_APPLICATION (get_app (self)));
    }
}

/* After Keep Running or Stop and Close: the window goes once no run of
 * its pages is left. */
static void
close_when_idle (SyWindow *self)
{
  guint running, paused;

  if (!self->close_when_idle)
    return;
  sy_mapping_page_count_runs (self->mapping_page, &running, &paused);
  if (running > 0 || paused > 0)
    return;
  self->close_when_idle = FALSE;
  release_hold (self);
  /* Not from inside the panel's own notification that it is idle: the
   * panel finishes what it does about its run's end first. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, close_later_cb, g_object_ref (self), g_object_unref);
}

/* Shown again (a notification's Show Run, the application activated)
 * while it waited for its runs: it stays. */
static void
visible_changed_cb (SyWindow *self)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (self)))
    return;
  self->close_when_idle = FALSE;
  release_hold (self);
}

static void
close_runs_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        gpointer          user_data)
{
  SyWindow *self = SY_WINDOW (user_data);

  if (g_str_equal (response, "cancel"))
    return;
  self->close_when_idle = TRUE;
  if (g_str_equal (response, "keep"))
    {
      /* Out of sight; the application stays for the run. */
      if (!self->holding)
        {
          self->holding = TRUE;
          g_application_hold (G_APPLICATION (get_app (self)));
        }
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
    }
  else
    sy_mapping_page_stop_runs (self->mapping_page);
  close_when_idle (self);
}

/* Runs live in the window's pages: closing it asks what becomes of them,
 * and says whether they run or are paused. A stopped run resumes later;
 * nothing is lost. */
static void
confirm_close_runs (SyWindow *self)
{
  guint running, paused;
  AdwMessageDialog *dialog;

  sy_mapping_page_count_runs (self->mapping_page, &running, &paused);
  if (running == 0 && paused == 0)
    {
      close_now (self);
      return;
    }
  if (running > 0)
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Stop the Running Sync?"), NULL));
      adw_message_dialog_set_body (dialog, _("A sync is running. It can stop after the batch in flight and be resumed later "
                                             "from the mapping’s runs, or keep running without this window; nothing is lost or written twice."));
      adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "keep", _("_Keep Running"),
                                        "stop", _("_Stop and Close"), NULL);
    }
  else
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Close with a Paused Sync?"), NULL));
      adw_message_dialog_set_body (dialog, _("A sync is paused. Closing the window stops it; "
                                             "it can be resumed later from the mapping’s runs, and nothing is lost."));
      adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "stop", _("_Stop and Close"), NULL);
    }
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  adw_message_dialog_set_response_appearance (dialog, "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (close_runs_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
close_unsaved_answered (SyMappingPage *page,
                        gboolean       proceed,
                        gpointer       user_data)
{
  g_autoptr(SyWindow) self = user_data;

  if (proceed)
    confirm_close_runs (self);
}

static gboolean
sy_window_close_request (GtkWindow *window)
{
  SyWindow *self = SY_WINDOW (window);

  if (!self->may_close)
    {
      guint running, paused;

      sy_mapping_page_count_runs (self->mapping_page, &running, &paused);
      if (sy_mapping_page_has_unsaved_changes (self->mapping_page))
        {
          sy_mapping_page_confirm_leave (self->mapping_page, close_unsaved_answered, g_object_ref (self));
          return TRUE;
        }
      if (running > 0 || paused > 0)
        {
          confirm_close_runs (self);
          return TRUE;
        }
    }

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

  sy_mapping_page_set_application (self->mapping_page, app);
  self->library = g_object_ref (sy_application_get_mapping_library (app));
  gtk_list_box_bind_model (self->mapping_list, G_LIST_MODEL (self->library), create_mapping_row, self, NULL);
  g_signal_connect_object (self->library, "items-changed", G_CALLBACK (library_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (self->mapping_page, "notify::file", G_CALLBACK (select_page_mapping), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->mapping_page, "runs-changed", G_CALLBACK (refresh_mapping_runs), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->mapping_page, "runs-changed", G_CALLBACK (close_when_idle), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "notify::visible", G_CALLBACK (visible_changed_cb), NULL);

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
  if (self->mapping_list != NULL)
    gtk_list_box_bind_model (self->mapping_list, NULL, NULL, NULL, NULL);
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);
  g_clear_object (&self->library);
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
  g_type_ensure (SY_TYPE_MAPPING_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SyWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, content);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, connection_list);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, mapping_list);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, mapping_page);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, demo_failed_page);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, connection_page);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, mapping_row_selected_cb);

  gtk_widget_class_install_action (widget_class, "win.add-connection", NULL, add_connection_action);
  gtk_widget_class_install_action (widget_class, "win.update-token", NULL, update_token_action);
  gtk_widget_class_install_action (widget_class, "win.reconnect-connection", NULL, reconnect_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.go-back", NULL, go_back_action);
  gtk_widget_class_install_action (widget_class, "win.show-mappings", NULL, show_mappings_action);
  gtk_widget_class_install_action (widget_class, "win.show-sync", NULL, show_sync_action);
  gtk_widget_class_install_action (widget_class, "win.open-mapping-file", NULL, open_mapping_file_action);
  gtk_widget_class_install_action (widget_class, "win.delete-mapping", NULL, delete_mapping_action);
  gtk_widget_class_install_action (widget_class, "win.remove-connection", NULL, remove_connection_action);
}

static void
sy_window_init (SyWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (sy_connection_page_get_certificate_page (self->connection_page), "notify::certificate",
                           G_CALLBACK (shown_certificate_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection_page, "notify::sync-status",
                           G_CALLBACK (shown_sync_status_changed_cb), self, G_CONNECT_SWAPPED);

  gtk_stack_set_visible_child_name (GTK_STACK (self->content), "connections");
  g_object_bind_property (self->leaflet, "folded", self->mapping_page, "folded", G_BINDING_SYNC_CREATE);
  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();

    /* Delete on a mapping row deletes the mapping (with Undo). */
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                            gtk_named_action_new ("win.delete-mapping")));
    gtk_widget_add_controller (GTK_WIDGET (self->mapping_list), shortcuts);

    /* Delete on a connection row asks the connection page to remove it. */
    shortcuts = gtk_shortcut_controller_new ();
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                            gtk_named_action_new ("win.remove-connection")));
    gtk_widget_add_controller (GTK_WIDGET (self->connection_list), shortcuts);
  }
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
