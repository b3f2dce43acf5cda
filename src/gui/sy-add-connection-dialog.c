/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-add-connection-dialog-private.h"
#include "sy-connection-check.h"
#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-link-sign-in.h"
#include "sy-sync-settings.h"

struct _SyAddConnectionDialog
{
  AdwWindow             parent_instance;

  SyConnectionStore    *connections;
  SySecretStore        *secrets;
  GCancellable         *cancellable;
  /* Set when the dialog updates the token of this connection instead of
   * adding a new one. */
  SyConnection         *editing;

  SyAddConnectionState  state;
  gboolean              add_after_test;
  /* The server or the store turned these down; cleared when edited. */
  gboolean              url_rejected;
  gboolean              name_rejected;
  char                 *detected_platform;
  char                 *error_text;
  /* The CA file chosen for this connection, or NULL for the system's. */
  char                 *ca_file;
  GtkFileChooserNative *ca_chooser;

  /* Link: the sign-in under way (its own cancellable, so that cancelling
   * it keeps the dialog open) and whether to open the browser. */
  gboolean              link_mode;
  gboolean              reconnecting;
  gboolean              open_browser;
  SyLinkSignIn         *sign_in;
  GCancellable         *sign_in_cancellable;
  char                 *authorize_url;

  AdwPreferencesGroup  *mode_group;
  AdwPreferencesGroup  *fields_group;
  GtkToggleButton      *token_mode_button;
  GtkToggleButton      *link_mode_button;
  AdwEntryRow          *client_id_row;
  AdwPasswordEntryRow  *client_secret_row;
  AdwPreferencesGroup  *sign_in_group;
  GtkSpinner           *sign_in_spinner;
  GtkLabel             *sign_in_label;
  GtkLabel             *sign_in_url_label;
  GtkWidget            *copy_url_button;
  GtkWidget            *cancel_sign_in_button;
  AdwEntryRow          *name_row;
  AdwEntryRow          *url_row;
  AdwComboRow          *platform_row;
  AdwPasswordEntryRow  *token_row;
  AdwActionRow         *insecure_row;
  GtkSwitch            *insecure_switch;
  AdwActionRow         *ca_row;
  GtkWidget            *ca_clear_button;
  GtkWidget            *ca_choose_button;
  GtkWidget            *add_button;
  GtkWidget            *cancel_button;
  GtkWidget            *test_button;
  GtkSpinner           *spinner;
  GtkLabel             *result_label;
  GtkLabel             *error_label;
};

G_DEFINE_FINAL_TYPE (SyAddConnectionDialog, sy_add_connection_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum {
  CONNECTION_ADDED,
  CONNECTION_UPDATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The platform row offers "Automatic" (index 0, asks the server), then
 * the platforms of the shared table in its order. */
static const char *
platform_at (guint index)
{
  guint n_platforms;
  const SyPlatformInfo *platforms = sy_platforms_get_all (&n_platforms);

  return index > 0 && index <= n_platforms ? platforms[index - 1].id : NULL;
}

static const char *
get_text (gpointer row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
set_state (SyAddConnectionDialog *self,
           SyAddConnectionState   state)
{
  gboolean busy;

  if (self->state == state)
    return;

  self->state = state;
  busy = state == SY_ADD_CONNECTION_STATE_TESTING || state == SY_ADD_CONNECTION_STATE_ADDING;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->sign_in_group), state == SY_ADD_CONNECTION_STATE_SIGNING_IN);
  gtk_spinner_set_spinning (self->sign_in_spinner, state == SY_ADD_CONNECTION_STATE_SIGNING_IN);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
mark_row (gpointer  row,
          gboolean  invalid)
{
  if (invalid)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  gtk_accessible_update_state (GTK_ACCESSIBLE (row),
                               GTK_ACCESSIBLE_STATE_INVALID,
                               invalid ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE,
                               -1);
}

static void
mark_row_with_message (SyAddConnectionDialog *self,
                       gpointer               row,
                       gboolean               invalid)
{
  mark_row (row, invalid);
  /* Screen readers then read the inline explanation with the field. */
  if (invalid)
    gtk_accessible_update_relation (GTK_ACCESSIBLE (row),
                                    GTK_ACCESSIBLE_RELATION_ERROR_MESSAGE, self->error_label,
                                    -1);
  else
    gtk_accessible_reset_relation (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_RELATION_ERROR_MESSAGE);
}

static void
show_error (SyAddConnectionDialog *self,
            const char            *text)
{
  g_free (self->error_text);
  self->error_text = g_strdup (text);
  gtk_label_set_text (self->error_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

/* Validation: what the user typed, before anything goes over the network. */

static gboolean
name_is_valid (SyAddConnectionDialog  *self,
               char                  **problem)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  /* The name of a connection being updated is not up for change. */
  if (self->editing != NULL)
    return TRUE;

  name = g_strstrip (g_strdup (get_text (self->name_row)));
  if (!sy_connection_validate_name (name, &error))
    {
      *problem = g_strdup (error->message);
      return FALSE;
    }
  if (sy_connection_store_find_by_name (self->connections, name) != NULL)
    {
      *problem = g_strdup_printf (_("There is already a connection named “%s”. Choose another name."), name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
url_is_valid (SyAddConnectionDialog  *self,
              char                  **problem)
{
  g_autoptr(GError) error = NULL;
  gboolean insecure;

  if (!sy_connection_validate_base_url (get_text (self->url_row), &error))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->insecure_row), FALSE);
      *problem = g_strdup (error->message);
      return FALSE;
    }

  /* The switch shows only where it matters, and is never on by itself. */
  insecure = sy_base_url_is_insecure (get_text (self->url_row));
  gtk_widget_set_visible (GTK_WIDGET (self->insecure_row), insecure);
  if (insecure && !gtk_switch_get_active (self->insecure_switch))
    {
      *problem = g_strdup (_("Plain http:// to another machine sends the token unencrypted. Use https://, or allow unencrypted HTTP below."));
      return FALSE;
    }
  return TRUE;
}

static void
update_sensitivity (SyAddConnectionDialog *self)
{
  g_autofree char *name_problem = NULL;
  g_autofree char *url_problem = NULL;
  gboolean busy = self->state == SY_ADD_CONNECTION_STATE_TESTING ||
                  self->state == SY_ADD_CONNECTION_STATE_ADDING ||
                  self->state == SY_ADD_CONNECTION_STATE_ADDED ||
                  self->state == SY_ADD_CONNECTION_STATE_SIGNING_IN;
  gboolean name_ok = name_is_valid (self, &name_problem);
  gboolean url_ok = url_is_valid (self, &url_problem);
  gboolean token_ok = self->link_mode
                      ? *get_text (self->client_id_row) != '\0' && *get_text (self->client_secret_row) != '\0'
                      : *get_text (self->token_row) != '\0';
  gboolean name_typed = *get_text (self->name_row) != '\0';
  gboolean url_typed = *get_text (self->url_row) != '\0';

  /* Point out a problem as soon as there is something to judge, but do not
   * shout at empty fields the user has not reached yet. */
  mark_row_with_message (self, self->name_row, (name_typed && !name_ok) || self->name_rejected);
  mark_row_with_message (self, self->url_row, (url_typed && !url_ok) || self->url_rejected);

  if (self->state == SY_ADD_CONNECTION_STATE_EDITING)
    {
      if (name_typed && name_problem != NULL)
        show_error (self, name_problem);
      else if (url_typed && url_problem != NULL)
        show_error (self, url_problem);
      else
        show_error (self, NULL);
    }

  gtk_widget_set_sensitive (self->test_button, !busy && url_ok && token_ok);
  gtk_widget_set_sensitive (self->add_button, !busy && name_ok && url_ok && token_ok);
  gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), !busy && self->editing == NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->url_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->platform_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->token_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->client_id_row), !busy && !self->reconnecting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->client_secret_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->mode_group), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->insecure_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->ca_row), !busy);
}

static void
inputs_changed_cb (SyAddConnectionDialog *self)
{
  self->name_rejected = FALSE;
  if (self->state == SY_ADD_CONNECTION_STATE_FAILED)
    set_state (self, SY_ADD_CONNECTION_STATE_EDITING);
  update_sensitivity (self);
}

static void
credentials_changed_cb (SyAddConnectionDialog *self)
{
  /* A passed test vouches only for the address and token it was run with. */
  if (self->state == SY_ADD_CONNECTION_STATE_TESTED ||
      self->state == SY_ADD_CONNECTION_STATE_FAILED)
    {
      set_state (self, SY_ADD_CONNECTION_STATE_EDITING);
      gtk_label_set_text (self->result_label, "");
      g_clear_pointer (&self->detected_platform, g_free);
    }
  self->url_rejected = FALSE;
  mark_row_with_message (self, self->token_row, FALSE);
  update_sensitivity (self);
}

static const char *
chosen_platform (SyAddConnectionDialog *self)
{
  const char *platform = platform_at (adw_combo_row_get_selected (self->platform_row));

  return platform != NULL ? platform : self->detected_platform;
}

static void
fail (SyAddConnectionDialog *self,
      const GError          *error)
{
  g_autofree char *text = sy_describe_error (error);

  self->add_after_test = FALSE;
  if (error->domain == SY_API_ERROR)
    {
      switch (error->code)
        {
        case SY_API_ERROR_UNAUTHORIZED:
        case SY_API_ERROR_FORBIDDEN:
          /* A refused sign-in is the person's answer in the browser, not
           * a field's fault. */
          if (!self->link_mode)
            mark_row_with_message (self, self->token_row, TRUE);
          break;
        case SY_API_ERROR_NETWORK:
        case SY_API_ERROR_NOT_FOUND:
        case SY_API_ERROR_INVALID_RESPONSE:
        case SY_API_ERROR_INVALID_URL:
          self->url_rejected = TRUE;
          break;
        default:
          break;
        }
    }
  else if (g_error_matches (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_DUPLICATE_NAME) ||
           g_error_matches (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_NAME))
    self->name_rejected = TRUE;
  else if (g_error_matches (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INSECURE_URL) ||
           g_error_matches (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_CA_FILE))
    self->url_rejected = TRUE;

  gtk_label_set_text (self->result_label, "");
  set_state (self, SY_ADD_CONNECTION_STATE_FAILED);
  show_error (self, text);
  update_sensitivity (self);
}

/* What the inputs describe: the connection to add, or the new settings
 * of the one being updated. */
static SyConnection *
describe_connection (SyAddConnectionDialog *self)
{
  g_autofree char *name = NULL;
  SyConnection *connection;
  const char *platform = chosen_platform (self);

  if (self->editing != NULL)
    name = g_strdup (sy_connection_get_name (self->editing));
  else
    name = g_strstrip (g_strdup (get_text (self->name_row)));

  connection = sy_connection_new (name, get_text (self->url_row));
  if (platform != NULL)
    {
      sy_connection_set_platform (connection, platform);
      sy_connection_set_domain (connection, sy_domain_for_platform (platform));
    }
  sy_connection_set_allow_insecure_http (connection,
                                         gtk_widget_get_visible (GTK_WIDGET (self->insecure_row)) &&
                                         gtk_switch_get_active (self->insecure_switch));
  sy_connection_set_ca_file (connection, self->ca_file);
  return connection;
}

/* Adding and updating: the connection services keep the token first and
 * undo it when the connection cannot be saved. */
static void
connection_added_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(SyAddConnectionDialog) self = user_data;
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = sy_connection_add_finish (result, NULL, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (connection == NULL)
    {
      fail (self, error);
      return;
    }

  set_state (self, SY_ADD_CONNECTION_STATE_ADDED);
  g_signal_emit (self, signals[self->editing != NULL ? CONNECTION_UPDATED : CONNECTION_ADDED], 0, connection);
  gtk_window_close (GTK_WINDOW (self));
}

static void
add_connection (SyAddConnectionDialog *self)
{
  g_autofree char *problem = NULL;
  g_autoptr(SyConnection) connection = NULL;

  self->add_after_test = FALSE;
  if (self->editing == NULL && !name_is_valid (self, &problem))
    {
      g_autoptr(GError) error = g_error_new_literal (SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_NAME, problem);
      fail (self, error);
      return;
    }

  set_state (self, SY_ADD_CONNECTION_STATE_ADDING);
  update_sensitivity (self);

  connection = describe_connection (self);
  if (self->editing == NULL)
    {
      const char *platform = sy_connection_get_platform (connection);
      g_autofree char *status_message = NULL;

      if (platform != NULL)
        status_message = g_strdup_printf (_("Connected to %s"), sy_platform_display_name (platform));
      sy_connection_set_status (connection, SY_CONNECTION_STATUS_ACTIVE,
                                status_message ? status_message : _("Connected"));
    }

  sy_connection_add_async (self->connections, self->secrets, connection,
                           get_text (self->token_row),
                           self->editing != NULL ? SY_CONNECTION_ADD_REPLACE : SY_CONNECTION_ADD_DEFAULT,
                           self->cancellable, connection_added_cb, g_object_ref (self));
}

/* Link sign-in: the browser asks the person, the platform redirects to
 * the sign-in's loopback listener, and the grant goes to the keyring with
 * the connection. Nothing is stored before the grant. */

static void
linked_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  connection_added_cb (source, result, user_data);
}

/* A sign-in that has ended is kept until the next one starts or the
 * dialog goes: dropping it closes its listener, and the page that tells
 * the browser how it went may not have been sent yet. */
static void
fail_sign_in (SyAddConnectionDialog *self,
              const GError          *error)
{
  g_clear_pointer (&self->authorize_url, g_free);
  gtk_label_set_text (self->sign_in_url_label, "");

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                         _("Sign-in cancelled. Nothing was stored; sign in again when ready."));
      set_state (self, SY_ADD_CONNECTION_STATE_FAILED);
      show_error (self, cancelled->message);
      update_sensitivity (self);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      set_state (self, SY_ADD_CONNECTION_STATE_FAILED);
      show_error (self, _("The browser did not come back in time. Nothing was stored; sign in again."));
      update_sensitivity (self);
      return;
    }
  /* The sign-in's own words say what happened in the browser; the general
   * ones for a refused token would point at Update Token. */
  if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED))
    {
      gtk_label_set_text (self->result_label, "");
      set_state (self, SY_ADD_CONNECTION_STATE_FAILED);
      show_error (self, error->message);
      update_sensitivity (self);
      return;
    }
  fail (self, error);
}

static void
sign_in_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SyAddConnectionDialog) self = user_data;
  g_autoptr(SyTokenGrant) grant = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConnection) connection = NULL;
  SyConnectionAddFlags flags = SY_CONNECTION_ADD_CHECK;

  grant = sy_link_sign_in_wait_finish (SY_LINK_SIGN_IN (source), result, &error);
  /* The dialog is closing: nothing more to show. */
  if (g_cancellable_is_cancelled (self->cancellable) || SY_LINK_SIGN_IN (source) != self->sign_in)
    return;
  if (grant == NULL)
    {
      fail_sign_in (self, error);
      return;
    }

  g_clear_pointer (&self->authorize_url, g_free);
  set_state (self, SY_ADD_CONNECTION_STATE_ADDING);
  gtk_label_set_text (self->result_label, _("Signed in. Saving the connection…"));
  update_sensitivity (self);

  connection = describe_connection (self);
  sy_connection_set_link_client_id (connection, get_text (self->client_id_row));
  if (self->editing == NULL)
    sy_connection_set_status (connection, SY_CONNECTION_STATUS_ACTIVE, _("Connected"));
  else
    flags |= SY_CONNECTION_ADD_REPLACE;

  sy_connection_add_linked_async (self->connections, self->secrets, connection, grant,
                                  get_text (self->client_secret_row), flags,
                                  self->cancellable, linked_cb, g_object_ref (self));
}

static void
browser_opened_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SyAddConnectionDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error) &&
      !g_cancellable_is_cancelled (self->cancellable) &&
      self->state == SY_ADD_CONNECTION_STATE_SIGNING_IN)
    /* The link stays on show: it can be opened by hand. */
    gtk_label_set_text (self->sign_in_label, _("No browser could be opened. Copy the link into one."));
}

static void
start_sign_in (SyAddConnectionDialog *self)
{
  g_autofree char *problem = NULL;
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  if (self->editing == NULL && !name_is_valid (self, &problem))
    {
      error = g_error_new_literal (SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_NAME, problem);
      fail (self, error);
      return;
    }

  connection = describe_connection (self);
  g_clear_object (&self->sign_in);
  self->sign_in = sy_link_sign_in_new (connection, get_text (self->client_id_row),
                                       get_text (self->client_secret_row));
  if (!sy_link_sign_in_prepare (self->sign_in, &error))
    {
      g_clear_object (&self->sign_in);
      fail (self, error);
      return;
    }

  g_free (self->authorize_url);
  self->authorize_url = g_strdup (sy_link_sign_in_get_authorize_url (self->sign_in));
  gtk_label_set_text (self->sign_in_url_label, self->authorize_url);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sign_in_url_label), self->authorize_url);
  gtk_label_set_text (self->sign_in_label, _("Waiting for the browser…"));
  gtk_label_set_text (self->result_label, "");
  show_error (self, NULL);
  set_state (self, SY_ADD_CONNECTION_STATE_SIGNING_IN);
  update_sensitivity (self);

  g_clear_object (&self->sign_in_cancellable);
  self->sign_in_cancellable = g_cancellable_new ();
  sy_link_sign_in_wait_async (self->sign_in, self->sign_in_cancellable,
                              sign_in_done_cb, g_object_ref (self));

  /* Inside Flatpak this goes through the OpenURI portal. */
  if (self->open_browser)
    gtk_show_uri_full (GTK_WINDOW (self), self->authorize_url, GDK_CURRENT_TIME,
                       self->cancellable, browser_opened_cb, g_object_ref (self));
}

static void
cancel_sign_in_clicked_cb (SyAddConnectionDialog *self)
{
  if (self->sign_in_cancellable != NULL)
    g_cancellable_cancel (self->sign_in_cancellable);
}

static void
copy_url_clicked_cb (SyAddConnectionDialog *self)
{
  if (self->authorize_url == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->authorize_url);
  gtk_label_set_text (self->result_label, _("Link copied"));
}

static void
apply_mode (SyAddConnectionDialog *self)
{
  gboolean link = self->link_mode;

  gtk_widget_set_visible (GTK_WIDGET (self->platform_row), !link);
  gtk_widget_set_visible (GTK_WIDGET (self->token_row), !link);
  gtk_widget_set_visible (self->test_button, !link);
  gtk_widget_set_visible (GTK_WIDGET (self->client_id_row), link);
  gtk_widget_set_visible (GTK_WIDGET (self->client_secret_row), link);
  adw_preferences_group_set_description (self->fields_group,
                                         link ? _("Sign in to the platform in the browser. The tokens it hands over and the client secret are kept in the keyring, never in a file.")
                                              : _("The token is kept in the keyring, never in a file. Generate one in the integration dashboard."));
  if (link)
    gtk_button_set_label (GTK_BUTTON (self->add_button), _("Sign _In…"));
  else
    gtk_button_set_label (GTK_BUTTON (self->add_button), self->editing != NULL ? _("_Save") : _("_Add"));
  gtk_label_set_text (self->result_label, "");
  if (self->state == SY_ADD_CONNECTION_STATE_FAILED || self->state == SY_ADD_CONNECTION_STATE_TESTED)
    set_state (self, SY_ADD_CONNECTION_STATE_EDITING);
  update_sensitivity (self);
}

static void
mode_changed_cb (SyAddConnectionDialog *self)
{
  gboolean link = gtk_toggle_button_get_active (self->link_mode_button);

  if (link == self->link_mode)
    return;
  self->link_mode = link;
  apply_mode (self);
}

/* Testing */

static void
select_platform (SyAddConnectionDialog *self,
                 const char            *platform)
{
  guint n_platforms;
  const SyPlatformInfo *platforms = sy_platforms_get_all (&n_platforms);

  for (guint i = 0; i < n_platforms; i++)
    if (g_ascii_strcasecmp (platforms[i].id, platform) == 0)
      {
        adw_combo_row_set_selected (self->platform_row, i + 1);
        return;
      }
}

static void
token_tested_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SyAddConnectionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) integration = NULL;
  g_autofree char *text = NULL;
  const char *platform;

  integration = sy_test_token_finish (result, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (integration == NULL)
    {
      fail (self, error);
      return;
    }

  platform = sy_integration_get_platform (integration);
  g_free (self->detected_platform);
  self->detected_platform = g_strdup (platform);

  self->url_rejected = FALSE;
  set_state (self, SY_ADD_CONNECTION_STATE_TESTED);
  if (platform != NULL && adw_combo_row_get_selected (self->platform_row) == 0)
    select_platform (self, platform);

  if (platform != NULL)
    text = g_strdup_printf (_("Connected to %s"), sy_platform_display_name (platform));
  else
    text = g_strdup (_("Connected"));
  gtk_label_set_text (self->result_label, text);
  show_error (self, NULL);
  mark_row_with_message (self, self->token_row, FALSE);
  update_sensitivity (self);

  if (self->add_after_test)
    add_connection (self);
}

static void
run_test (SyAddConnectionDialog *self)
{
  g_autoptr(SyConnection) connection = describe_connection (self);

  show_error (self, NULL);
  gtk_label_set_text (self->result_label, _("Testing…"));
  set_state (self, SY_ADD_CONNECTION_STATE_TESTING);
  update_sensitivity (self);

  sy_test_token_async (connection, get_text (self->token_row),
                       self->cancellable, token_tested_cb, g_object_ref (self));
}

static void
test_clicked_cb (SyAddConnectionDialog *self)
{
  self->add_after_test = FALSE;
  run_test (self);
}

static void
add_clicked_cb (SyAddConnectionDialog *self)
{
  if (!gtk_widget_get_sensitive (self->add_button))
    return;

  if (self->link_mode)
    {
      start_sign_in (self);
      return;
    }

  if (self->state == SY_ADD_CONNECTION_STATE_TESTED)
    {
      add_connection (self);
      return;
    }

  self->add_after_test = TRUE;
  run_test (self);
}

/* The CA file */

static void
set_ca_file (SyAddConnectionDialog *self,
             const char            *path)
{
  g_free (self->ca_file);
  self->ca_file = g_strdup (path);

  if (path != NULL)
    {
      g_autofree char *display = g_filename_display_name (path);

      adw_action_row_set_subtitle (self->ca_row, display);
    }
  else
    adw_action_row_set_subtitle (self->ca_row, _("The system’s trusted certificates"));
  gtk_widget_set_visible (self->ca_clear_button, path != NULL);
  credentials_changed_cb (self);
}

static void
ca_chosen_cb (GtkNativeDialog       *chooser,
              int                    response,
              SyAddConnectionDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr(GTlsDatabase) database = NULL;
      g_autoptr(GError) error = NULL;

      /* Said now rather than at the test: the file is fresh in mind. */
      if (path != NULL && (database = sy_load_ca_file (path, &error)) == NULL)
        {
          g_autofree char *text = sy_describe_error (error);

          set_state (self, SY_ADD_CONNECTION_STATE_FAILED);
          show_error (self, text);
        }
      else if (path != NULL)
        set_ca_file (self, path);
    }
  g_clear_object (&self->ca_chooser);
}

static void
ca_choose_clicked_cb (SyAddConnectionDialog *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->ca_chooser != NULL)
    return;

  self->ca_chooser = gtk_file_chooser_native_new (_("Choose a Certificate Authority"), GTK_WINDOW (self),
                                                  GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("PEM Certificates"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.crt");
  gtk_file_filter_add_pattern (filter, "*.cer");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->ca_chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->ca_chooser), TRUE);
  g_signal_connect (self->ca_chooser, "response", G_CALLBACK (ca_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->ca_chooser));
}

static void
ca_clear_clicked_cb (SyAddConnectionDialog *self)
{
  set_ca_file (self, NULL);
}

static void
cancel_clicked_cb (SyAddConnectionDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
sy_add_connection_dialog_close_request (GtkWindow *window)
{
  SyAddConnectionDialog *self = SY_ADD_CONNECTION_DIALOG (window);

  g_cancellable_cancel (self->cancellable);
  if (self->sign_in_cancellable != NULL)
    g_cancellable_cancel (self->sign_in_cancellable);

  return GTK_WINDOW_CLASS (sy_add_connection_dialog_parent_class)->close_request (window);
}

static void
sy_add_connection_dialog_dispose (GObject *object)
{
  SyAddConnectionDialog *self = SY_ADD_CONNECTION_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  if (self->sign_in_cancellable != NULL)
    g_cancellable_cancel (self->sign_in_cancellable);
  g_clear_object (&self->sign_in);
  if (self->ca_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ca_chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->ca_chooser));
      g_clear_object (&self->ca_chooser);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_ADD_CONNECTION_DIALOG);
  g_clear_object (&self->connections);
  g_clear_object (&self->secrets);
  g_clear_object (&self->editing);

  G_OBJECT_CLASS (sy_add_connection_dialog_parent_class)->dispose (object);
}

static void
sy_add_connection_dialog_finalize (GObject *object)
{
  SyAddConnectionDialog *self = SY_ADD_CONNECTION_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->sign_in_cancellable);
  g_free (self->authorize_url);
  g_free (self->detected_platform);
  g_free (self->error_text);
  g_free (self->ca_file);

  G_OBJECT_CLASS (sy_add_connection_dialog_parent_class)->finalize (object);
}

static void
sy_add_connection_dialog_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  SyAddConnectionDialog *self = SY_ADD_CONNECTION_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_add_connection_dialog_class_init (SyAddConnectionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sy_add_connection_dialog_dispose;
  object_class->finalize = sy_add_connection_dialog_finalize;
  object_class->get_property = sy_add_connection_dialog_get_property;
  window_class->close_request = sy_add_connection_dialog_close_request;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      SY_ADD_CONNECTION_STATE_EDITING, SY_ADD_CONNECTION_STATE_SIGNING_IN,
                      SY_ADD_CONNECTION_STATE_EDITING,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CONNECTION_ADDED] =
    g_signal_new ("connection-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SY_TYPE_CONNECTION);

  signals[CONNECTION_UPDATED] =
    g_signal_new ("connection-updated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SY_TYPE_CONNECTION);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-add-connection-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, mode_group);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, fields_group);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, token_mode_button);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, link_mode_button);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, client_id_row);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, client_secret_row);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, sign_in_group);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, sign_in_spinner);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, sign_in_label);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, sign_in_url_label);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, copy_url_button);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, cancel_sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, platform_row);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, token_row);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, insecure_row);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, insecure_switch);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, ca_row);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, ca_clear_button);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, ca_choose_button);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, test_button);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, result_label);
  gtk_widget_class_bind_template_child (widget_class, SyAddConnectionDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, inputs_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, credentials_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, test_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, ca_choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, ca_clear_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, mode_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_url_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_sign_in_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sy_add_connection_dialog_init (SyAddConnectionDialog *self)
{
  g_autoptr(GtkStringList) choices = gtk_string_list_new (NULL);

  self->cancellable = g_cancellable_new ();
  self->open_browser = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));

  guint n_platforms;
  const SyPlatformInfo *platforms = sy_platforms_get_all (&n_platforms);

  gtk_string_list_append (choices, _("Automatic"));
  for (guint i = 0; i < n_platforms; i++)
    gtk_string_list_append (choices, platforms[i].display_name);
  adw_combo_row_set_model (self->platform_row, G_LIST_MODEL (choices));

  {
    g_autofree char *default_url = sy_settings_get_default_base_url ();

    gtk_editable_set_text (GTK_EDITABLE (self->url_row), default_url);
  }
}

SyAddConnectionDialog *
sy_add_connection_dialog_new (GtkWindow         *parent,
                              SyConnectionStore *connections,
                              SySecretStore     *secrets)
{
  SyAddConnectionDialog *self;

  g_return_val_if_fail (SY_IS_CONNECTION_STORE (connections), NULL);
  g_return_val_if_fail (SY_IS_SECRET_STORE (secrets), NULL);

  self = g_object_new (SY_TYPE_ADD_CONNECTION_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->connections = g_object_ref (connections);
  self->secrets = g_object_ref (secrets);
  update_sensitivity (self);

  return self;
}

SyAddConnectionDialog *
sy_add_connection_dialog_new_for_connection (GtkWindow         *parent,
                                             SyConnectionStore *connections,
                                             SySecretStore     *secrets,
                                             SyConnection      *connection)
{
  SyAddConnectionDialog *self;
  const char *platform;

  g_return_val_if_fail (SY_IS_CONNECTION (connection), NULL);

  self = sy_add_connection_dialog_new (parent, connections, secrets);
  if (self == NULL)
    return NULL;

  self->editing = g_object_ref (connection);
  gtk_window_set_title (GTK_WINDOW (self), _("Update Token"));
  gtk_button_set_label (GTK_BUTTON (self->add_button), _("_Save"));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), sy_connection_get_name (connection));
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), sy_connection_get_base_url (connection));
  platform = sy_connection_get_platform (connection);
  if (platform != NULL)
    select_platform (self, platform);
  gtk_switch_set_active (self->insecure_switch, sy_connection_get_allow_insecure_http (connection));
  set_ca_file (self, sy_connection_get_ca_file (connection));
  update_sensitivity (self);

  return self;
}

SyAddConnectionState
sy_add_connection_dialog_get_state (SyAddConnectionDialog *self)
{
  g_return_val_if_fail (SY_IS_ADD_CONNECTION_DIALOG (self), 0);
  return self->state;
}

const char *
sy_add_connection_dialog_get_error (SyAddConnectionDialog *self)
{
  g_return_val_if_fail (SY_IS_ADD_CONNECTION_DIALOG (self), NULL);
  return self->error_text;
}

GtkEditable *
sy_add_connection_dialog_get_name_entry (SyAddConnectionDialog *self)
{
  return GTK_EDITABLE (self->name_row);
}

GtkEditable *
sy_add_connection_dialog_get_url_entry (SyAddConnectionDialog *self)
{
  return GTK_EDITABLE (self->url_row);
}

GtkEditable *
sy_add_connection_dialog_get_token_entry (SyAddConnectionDialog *self)
{
  return GTK_EDITABLE (self->token_row);
}

AdwComboRow *
sy_add_connection_dialog_get_platform_row (SyAddConnectionDialog *self)
{
  return self->platform_row;
}

GtkWidget *
sy_add_connection_dialog_get_test_button (SyAddConnectionDialog *self)
{
  return self->test_button;
}

GtkWidget *
sy_add_connection_dialog_get_add_button (SyAddConnectionDialog *self)
{
  return self->add_button;
}

/* Reconnect */

static void
client_secret_found_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(SyAddConnectionDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = sy_secret_store_lookup_finish (SY_SECRET_STORE (source), result, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      sy_secret_free (secret);
      return;
    }
  if (secret == NULL)
    {
      /* Asked for rather than failed: the person may have it at hand. */
      show_error (self, _("The client secret is not in the keyring. Type it to sign in again."));
      gtk_widget_grab_focus (GTK_WIDGET (self->client_secret_row));
      update_sensitivity (self);
      return;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->client_secret_row), secret);
  sy_secret_free (secret);
  update_sensitivity (self);
  if (gtk_widget_get_sensitive (self->add_button))
    start_sign_in (self);
}

SyAddConnectionDialog *
sy_add_connection_dialog_new_for_reconnect (GtkWindow         *parent,
                                            SyConnectionStore *connections,
                                            SySecretStore     *secrets,
                                            SyConnection      *connection)
{
  SyAddConnectionDialog *self;

  g_return_val_if_fail (SY_IS_CONNECTION (connection), NULL);

  self = sy_add_connection_dialog_new_for_connection (parent, connections, secrets, connection);
  if (self == NULL || !sy_connection_uses_link (connection))
    return self;

  self->reconnecting = TRUE;
  gtk_window_set_title (GTK_WINDOW (self), _("Reconnect"));
  gtk_widget_set_visible (GTK_WIDGET (self->mode_group), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->client_id_row), sy_connection_get_link_client_id (connection));
  sy_add_connection_dialog_set_link_mode (self, TRUE);

  sy_secret_store_lookup_async (secrets, sy_connection_get_id (connection), SY_SECRET_KIND_CLIENT_SECRET,
                                self->cancellable, client_secret_found_cb, g_object_ref (self));
  return self;
}

gboolean
sy_add_connection_dialog_get_link_mode (SyAddConnectionDialog *self)
{
  g_return_val_if_fail (SY_IS_ADD_CONNECTION_DIALOG (self), FALSE);
  return self->link_mode;
}

void
sy_add_connection_dialog_set_link_mode (SyAddConnectionDialog *self,
                                        gboolean               link_mode)
{
  g_return_if_fail (SY_IS_ADD_CONNECTION_DIALOG (self));
  gtk_toggle_button_set_active (link_mode ? self->link_mode_button : self->token_mode_button, TRUE);
}

GtkEditable *
sy_add_connection_dialog_get_client_id_entry (SyAddConnectionDialog *self)
{
  return GTK_EDITABLE (self->client_id_row);
}

GtkEditable *
sy_add_connection_dialog_get_client_secret_entry (SyAddConnectionDialog *self)
{
  return GTK_EDITABLE (self->client_secret_row);
}

const char *
sy_add_connection_dialog_get_authorize_url (SyAddConnectionDialog *self)
{
  g_return_val_if_fail (SY_IS_ADD_CONNECTION_DIALOG (self), NULL);
  return self->state == SY_ADD_CONNECTION_STATE_SIGNING_IN ? self->authorize_url : NULL;
}

void
sy_add_connection_dialog_set_open_browser (SyAddConnectionDialog *self,
                                           gboolean               open_browser)
{
  g_return_if_fail (SY_IS_ADD_CONNECTION_DIALOG (self));
  self->open_browser = open_browser;
}
