/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-error.h"
#include "sy-secret-store.h"
#include "sy-state-store-webhooks.h"
#include "sy-webhook-panel.h"
#include "sy-webhook-settings.h"

#define N_EVENTS_SHOWN 50

/* The address row's choices, in the order of its model. */
enum
{
  ADDRESS_LOOPBACK,
  ADDRESS_ANY,
  ADDRESS_OTHER,
};

struct _SyWebhookPanel
{
  AdwBin               parent_instance;

  SyConnection        *connection;
  SyConnectionStore   *connections;
  SySecretStore       *secrets;
  SyStateStore        *state;
  SyWebhookReceivers  *receivers;
  GCancellable        *cancellable;
  guint                n_pending;
  guint                refresh_source;  /* a refresh after deliveries */
  gboolean             has_secret;
  gboolean             updating;     /* widgets set from the model, not the user */

  AdwPreferencesGroup *signing_group;
  AdwActionRow        *secret_state_row;
  GtkImage            *secret_state_icon;
  AdwEntryRow         *secret_row;
  AdwComboRow         *scheme_row;
  AdwEntryRow         *header_row;
  AdwActionRow        *receive_row;
  GtkSwitch           *receive_switch;
  AdwActionRow        *port_row;
  GtkSpinButton       *port_spin;
  AdwComboRow         *address_row;
  GtkImage            *address_warning_icon;
  AdwEntryRow         *custom_address_row;
  AdwActionRow        *url_row;
  GtkLabel            *url_label;
  AdwActionRow        *receiver_error_row;
  GtkListBox          *events_list;
};

G_DEFINE_FINAL_TYPE (SyWebhookPanel, sy_webhook_panel, ADW_TYPE_BIN)

/* --- what the panel shows -------------------------------------------- */

static SyWebhookReceiver *
get_receiver (SyWebhookPanel *self)
{
  if (self->receivers == NULL || self->connection == NULL)
    return NULL;
  return sy_webhook_receivers_lookup (self->receivers, sy_connection_get_id (self->connection));
}

/* A problem under the receiver's rows (title NULL: the receiver's own),
 * or none when message is NULL. */
static void
show_problem (SyWebhookPanel *self,
              const char     *title,
              const char     *message)
{
  gtk_widget_set_visible (GTK_WIDGET (self->receiver_error_row), message != NULL);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->receiver_error_row),
                                 title != NULL ? title : _("Could Not Receive Deliveries"));
  adw_action_row_set_subtitle (self->receiver_error_row, message != NULL ? message : "");
}

static void
show_receiver_error (SyWebhookPanel *self,
                     const char     *message)
{
  show_problem (self, NULL, message);
}

/* The address the receiver is to listen on, as chosen, or NULL with
 * error set when the one typed is not an IP address. */
static char *
get_address (SyWebhookPanel  *self,
             GError         **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autofree char *text = NULL;

  switch (adw_combo_row_get_selected (self->address_row))
    {
    case ADDRESS_ANY:
      return g_strdup ("0.0.0.0");
    case ADDRESS_OTHER:
      break;
    case ADDRESS_LOOPBACK:
    default:
      return g_strdup ("127.0.0.1");
    }

  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->custom_address_row))));
  if (*text == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Type the IP address to listen on, e.g. 192.168.1.20"));
      return NULL;
    }
  inet = g_inet_address_new_from_string (text);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address, e.g. 192.168.1.20 or ::1"), text);
      return NULL;
    }
  return g_steal_pointer (&text);
}

/* Whether address (an IP address or anything else) is this computer's
 * loopback only. */
static gboolean
is_loopback (const char *address)
{
  g_autoptr(GInetAddress) inet = address != NULL ? g_inet_address_new_from_string (address) : NULL;

  return inet == NULL || g_inet_address_get_is_loopback (inet);
}

/* The address row's subtitle and warning, and the custom entry, follow
 * the choice. */
static void
update_address (SyWebhookPanel *self)
{
  guint choice = adw_combo_row_get_selected (self->address_row);
  g_autofree char *typed = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->custom_address_row))));
  gboolean exposed = choice == ADDRESS_ANY || (choice == ADDRESS_OTHER && !is_loopback (typed));

  gtk_widget_set_visible (GTK_WIDGET (self->custom_address_row), choice == ADDRESS_OTHER);
  gtk_widget_set_visible (GTK_WIDGET (self->address_warning_icon), exposed);
  if (exposed)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->address_row),
                                 _("Deliveries from other machines can reach the receiver. For deliveries from the "
                                   "internet, put it behind a TLS reverse proxy, as the README explains."));
  else if (choice == ADDRESS_OTHER)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->address_row), _("An IP address of this computer"));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->address_row),
                                 _("Only programs on this computer can deliver"));
}

/* The choice that gives address, e.g. a running receiver's. */
static void
show_address (SyWebhookPanel *self,
              const char     *address)
{
  if (g_strcmp0 (address, "127.0.0.1") == 0)
    adw_combo_row_set_selected (self->address_row, ADDRESS_LOOPBACK);
  else if (g_strcmp0 (address, "0.0.0.0") == 0)
    adw_combo_row_set_selected (self->address_row, ADDRESS_ANY);
  else
    {
      gtk_editable_set_text (GTK_EDITABLE (self->custom_address_row), address);
      adw_combo_row_set_selected (self->address_row, ADDRESS_OTHER);
    }
  update_address (self);
}

/* The host of a receiver's URL, without an IPv6 address's brackets. */
static char *
url_host (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  return uri != NULL ? g_strdup (g_uri_get_host (uri)) : NULL;
}

static void
update_secret_state (SyWebhookPanel *self)
{
  if (self->has_secret)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->secret_state_row),
                                     _("A secret is kept in the keyring"));
      adw_action_row_set_subtitle (self->secret_state_row, _("Type a new one below to replace it"));
      gtk_image_set_from_icon_name (self->secret_state_icon, "emblem-ok-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->secret_state_icon), "success");
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->secret_state_row), _("No secret yet"));
      adw_action_row_set_subtitle (self->secret_state_row,
                                   _("Type the secret the sender signs its deliveries with"));
      gtk_image_set_from_icon_name (self->secret_state_icon, "dialog-password-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->secret_state_icon), "success");
    }
}

static void
update_receiver (SyWebhookPanel *self)
{
  SyWebhookReceiver *receiver = get_receiver (self);
  gboolean running = receiver != NULL;

  self->updating = TRUE;
  gtk_switch_set_active (self->receive_switch, running);
  gtk_switch_set_state (self->receive_switch, running);
  self->updating = FALSE;

  /* Without a secret nothing could check a delivery: the switch says why
   * it cannot be turned on. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->receive_switch),
                            running || (self->has_secret && self->receivers != NULL && self->connection != NULL));
  if (running)
    adw_action_row_set_subtitle (self->receive_row, _("Verified deliveries start the mappings that sync on changes"));
  else if (self->receivers == NULL)
    adw_action_row_set_subtitle (self->receive_row, _("Unavailable: the state database could not be opened"));
  else if (!self->has_secret)
    adw_action_row_set_subtitle (self->receive_row, _("Set a signing secret first"));
  else if (adw_combo_row_get_selected (self->address_row) == ADDRESS_LOOPBACK)
    adw_action_row_set_subtitle (self->receive_row, _("Listens on this computer only"));
  else
    adw_action_row_set_subtitle (self->receive_row, _("Listens on the address below"));

  /* The settings a receiver was started with stay until it stops. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->secret_row), !running && self->connection != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->scheme_row), !running && self->connection != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->header_row), !running && self->connection != NULL);
  adw_preferences_group_set_description (self->signing_group,
                                         running ? _("Turn receiving off to change how deliveries are signed.")
                                                 : _("How the sender signs its deliveries. A delivery whose signature does not match is refused."));
  gtk_widget_set_sensitive (GTK_WIDGET (self->port_spin), !running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->address_row), !running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->custom_address_row), !running);
  gtk_widget_set_visible (GTK_WIDGET (self->url_row), running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "webhooks.copy-url", running);
  if (running)
    {
      g_autofree char *url = sy_webhook_receiver_get_url (receiver);
      g_autofree char *host = url_host (url);

      gtk_label_set_text (self->url_label, url);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->url_label), url);
      self->updating = TRUE;
      gtk_spin_button_set_value (self->port_spin, sy_webhook_receiver_get_port (receiver));
      if (host != NULL)
        show_address (self, host);
      self->updating = FALSE;
    }
  else
    gtk_label_set_text (self->url_label, "");
}

/* The address and port kept with the connection, while none runs. */
static void
update_saved_receiver (SyWebhookPanel *self)
{
  g_autofree char *address = NULL;
  guint port = 0;

  if (self->connection == NULL || get_receiver (self) != NULL)
    return;
  sy_webhook_settings_get_receiver (self->connection, &address, &port);
  self->updating = TRUE;
  gtk_spin_button_set_value (self->port_spin, port);
  show_address (self, address != NULL ? address : "127.0.0.1");
  self->updating = FALSE;
}

static void
update_settings (SyWebhookPanel *self)
{
  self->updating = TRUE;
  if (self->connection != NULL)
    {
      adw_combo_row_set_selected (self->scheme_row, sy_webhook_settings_get_scheme (self->connection));
      gtk_editable_set_text (GTK_EDITABLE (self->header_row), sy_webhook_settings_get_header (self->connection));
    }
  else
    gtk_editable_set_text (GTK_EDITABLE (self->header_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->secret_row), "");
  self->updating = FALSE;
}

/* --- asynchronous requests ------------------------------------------- */

/* Each request holds the panel and the cancellable current when it
 * started: an answer for a connection no longer shown is dropped. */
typedef struct
{
  SyWebhookPanel *self;
  GCancellable   *cancellable;
  gboolean        start_after;  /* a lookup for the switch */
} Request;

static Request *
request_new (SyWebhookPanel *self)
{
  Request *request = g_new0 (Request, 1);

  request->self = g_object_ref (self);
  request->cancellable = g_object_ref (self->cancellable);
  self->n_pending++;
  return request;
}

static void
request_free (Request *request)
{
  request->self->n_pending--;
  g_object_unref (request->self);
  g_object_unref (request->cancellable);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static char *
format_time (gint64 unix_s)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_s);

  return time != NULL ? g_date_time_format (time, "%F %T") : g_strdup ("");
}

static GtkWidget *
event_row_new (const SyWebhookEvent *event)
{
  gboolean accepted = g_strcmp0 (event->verdict, SY_WEBHOOK_VERDICT_ACCEPTED) == 0;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (accepted ? "emblem-ok-symbolic" : "dialog-error-symbolic");
  g_autofree char *when = format_time (event->received_at);
  g_autofree char *what = NULL;
  g_autoptr(GString) subtitle = g_string_new (when);

  gtk_widget_add_css_class (icon, accepted ? "success" : "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accepted ? _("Accepted") : _("Refused"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  if (event->entity != NULL || event->record_key != NULL)
    what = g_strdup_printf ("%s %s", event->entity != NULL ? event->entity : "–",
                            event->record_key != NULL ? event->record_key : "–");
  if (accepted)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), what != NULL ? what : _("Accepted"));
  else
    {
      /* TRANSLATORS: a refused webhook delivery, then why */
      g_autofree char *title = g_strdup_printf (_("Refused: %s"), event->reason != NULL ? event->reason : "");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      if (what != NULL)
        g_string_append_printf (subtitle, " · %s", what);
    }
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (event->event_id != NULL)
    /* TRANSLATORS: the sender's id of a webhook event */
    g_string_append_printf (subtitle, _(" · event %s"), event->event_id);
  if (event->triggered != NULL)
    /* TRANSLATORS: what a webhook event started, e.g. “sync run 12” */
    g_string_append_printf (subtitle, _(" · started %s"), event->triggered);
  else if (accepted)
    g_string_append (subtitle, _(" · nothing started"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
  return row;
}

static void
clear_events (SyWebhookPanel *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->events_list))) != NULL)
    gtk_list_box_remove (self->events_list, child);
}

static void
show_events_message (SyWebhookPanel *self,
                     const char     *message)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), message);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_widget_add_css_class (row, "dim-label");
  gtk_list_box_append (self->events_list, row);
}

static void
events_listed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  SyWebhookPanel *self = request->self;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  events = sy_state_store_list_webhook_events_finish (SY_STATE_STORE (source), result, &error);
  if (g_cancellable_is_cancelled (request->cancellable))
    return;

  clear_events (self);
  if (events == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The events could not be read: %s"), error->message);

      show_events_message (self, text);
      return;
    }
  if (events->len == 0)
    show_events_message (self, _("No deliveries yet"));
  for (guint i = 0; i < events->len; i++)
    gtk_list_box_append (self->events_list, event_row_new (g_ptr_array_index (events, i)));
}

void
sy_webhook_panel_refresh (SyWebhookPanel *self)
{
  g_return_if_fail (SY_IS_WEBHOOK_PANEL (self));

  if (self->connection == NULL || self->state == NULL)
    {
      clear_events (self);
      return;
    }
  sy_state_store_list_webhook_events_async (self->state, sy_connection_get_id (self->connection),
                                            N_EVENTS_SHOWN, self->cancellable, events_listed_cb,
                                            request_new (self));
}

/* A typed address that is not one: the switch does not start. */
static void
show_address_error (SyWebhookPanel *self,
                    const char     *message)
{
  show_problem (self, _("This Address Cannot Be Used"), message);
  gtk_widget_add_css_class (GTK_WIDGET (self->custom_address_row), "error");
}

static void save_receiver (SyWebhookPanel *self,
                           gboolean        enabled,
                           const char     *address,
                           guint           port);

static void
start_receiver (SyWebhookPanel *self,
                const char     *secret)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  guint port = (guint) gtk_spin_button_get_value_as_int (self->port_spin);

  address = get_address (self, &error);
  if (address == NULL)
    show_address_error (self, error->message);
  else if (sy_webhook_receivers_start (self->receivers, self->connection, secret, address, port, &error) == NULL)
    show_receiver_error (self, error->message);
  else
    {
      show_receiver_error (self, NULL);
      /* It runs again when the application starts next time. */
      save_receiver (self, TRUE, address, port);
    }
  /* "changed" updated the rest when it started; not when it failed. */
  update_receiver (self);
}

static void
secret_looked_up_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  SyWebhookPanel *self = request->self;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = sy_webhook_settings_lookup_secret_finish (SY_SECRET_STORE (source), result, &error);
  if (g_cancellable_is_cancelled (request->cancellable))
    {
      g_clear_pointer (&secret, sy_secret_free);
      return;
    }

  self->has_secret = secret != NULL;
  if (secret == NULL && !g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND))
    show_receiver_error (self, error->message);
  update_secret_state (self);
  /* Unless the switch was turned off again meanwhile. */
  if (request->start_after && secret != NULL && gtk_switch_get_active (self->receive_switch))
    start_receiver (self, secret);
  else
    update_receiver (self);
  g_clear_pointer (&secret, sy_secret_free);
}

static void
lookup_secret (SyWebhookPanel *self,
               gboolean        start_after)
{
  Request *request;

  if (self->connection == NULL || self->secrets == NULL)
    return;
  request = request_new (self);
  request->start_after = start_after;
  sy_webhook_settings_lookup_secret_async (self->secrets, self->connection, self->cancellable,
                                           secret_looked_up_cb, request);
}

/* --- what the user does ---------------------------------------------- */

static void
receive_switch_cb (SyWebhookPanel *self)
{
  gboolean active = gtk_switch_get_active (self->receive_switch);

  if (self->updating || self->connection == NULL || self->receivers == NULL)
    return;

  if (active && get_receiver (self) == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *address = get_address (self, &error);

      if (address == NULL)
        {
          show_address_error (self, error->message);
          update_receiver (self);
          return;
        }
      /* The secret is read when it is needed and not kept by the panel. */
      lookup_secret (self, TRUE);
    }
  else if (!active && get_receiver (self) != NULL)
    {
      g_autofree char *address = get_address (self, NULL);

      show_receiver_error (self, NULL);
      sy_webhook_receivers_stop (self->receivers, sy_connection_get_id (self->connection));
      save_receiver (self, FALSE, address,
                     (guint) gtk_spin_button_get_value_as_int (self->port_spin));
    }
}

static void
address_changed_cb (SyWebhookPanel *self)
{
  if (self->updating)
    return;
  gtk_widget_remove_css_class (GTK_WIDGET (self->custom_address_row), "error");
  update_address (self);
  update_receiver (self);
}

static void
secret_stored_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  SyWebhookPanel *self = request->self;
  g_autoptr(GError) error = NULL;

  if (!sy_webhook_settings_store_secret_finish (SY_SECRET_STORE (source), result, &error))
    {
      if (!g_cancellable_is_cancelled (request->cancellable))
        {
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->secret_state_row),
                                         _("The secret could not be kept"));
          adw_action_row_set_subtitle (self->secret_state_row, error->message);
        }
      return;
    }
  if (g_cancellable_is_cancelled (request->cancellable))
    return;
  self->has_secret = TRUE;
  update_secret_state (self);
  update_receiver (self);
}

static void
secret_apply_cb (SyWebhookPanel *self)
{
  g_autofree char *secret = NULL;
  g_autoptr(GError) error = NULL;

  if (self->connection == NULL || self->secrets == NULL)
    return;

  /* Out of the entry at once: nothing on screen keeps it. */
  secret = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->secret_row)));
  gtk_editable_set_text (GTK_EDITABLE (self->secret_row), "");
  if (!sy_webhook_settings_validate_secret (secret, &error))
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->secret_state_row),
                                     _("This secret cannot be used"));
      adw_action_row_set_subtitle (self->secret_state_row, error->message);
    }
  else
    sy_webhook_settings_store_secret_async (self->secrets, self->connection, secret, self->cancellable,
                                            secret_stored_cb, request_new (self));
  sy_secret_free (g_steal_pointer (&secret));
}

static void
settings_saved_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  SyWebhookPanel *self = request->self;
  g_autoptr(GError) error = NULL;

  if (!sy_connection_store_save_finish (SY_CONNECTION_STORE (source), result, &error) &&
      !g_cancellable_is_cancelled (request->cancellable))
    {
      show_problem (self, _("The Settings Could Not Be Saved"), error->message);
    }
}

static void
save_settings (SyWebhookPanel  *self,
               SyWebhookScheme  scheme,
               const char      *header)
{
  sy_webhook_settings_set (self->connection, scheme, header);
  if (self->connections != NULL)
    sy_connection_store_save_async (self->connections, self->cancellable, settings_saved_cb, request_new (self));
}

/* Whether a receiver runs when the application starts (the port as
 * chosen: 0 is a free one each time). */
static void
save_receiver (SyWebhookPanel *self,
               gboolean        enabled,
               const char     *address,
               guint           port)
{
  sy_webhook_settings_set_receiver (self->connection, enabled, address, port);
  if (self->connections != NULL)
    sy_connection_store_save_async (self->connections, self->cancellable, settings_saved_cb, request_new (self));
}

static void
scheme_changed_cb (SyWebhookPanel *self)
{
  SyWebhookScheme old_scheme;
  SyWebhookScheme scheme = adw_combo_row_get_selected (self->scheme_row);
  const char *header;

  if (self->updating || self->connection == NULL || scheme > SY_WEBHOOK_SCHEME_LAST)
    return;

  /* A header left at the old scheme's default follows the new scheme. */
  old_scheme = sy_webhook_settings_get_scheme (self->connection);
  header = gtk_editable_get_text (GTK_EDITABLE (self->header_row));
  if (*header == '\0' || g_ascii_strcasecmp (header, sy_webhook_scheme_default_header (old_scheme)) == 0)
    header = NULL;
  save_settings (self, scheme, header);
  update_settings (self);
}

static void
header_apply_cb (SyWebhookPanel *self)
{
  g_autofree char *header = NULL;
  g_autoptr(GError) error = NULL;

  if (self->connection == NULL)
    return;
  header = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->header_row))));
  if (*header != '\0' && !sy_webhook_settings_validate_header (header, &error))
    {
      show_problem (self, _("This Header Cannot Be Used"), error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->header_row), "error");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->header_row), "error");
  show_receiver_error (self, NULL);
  save_settings (self, sy_webhook_settings_get_scheme (self->connection), *header != '\0' ? header : NULL);
  update_settings (self);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  sy_webhook_panel_refresh (SY_WEBHOOK_PANEL (widget));
}

static void
copy_url_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SyWebhookPanel *self = SY_WEBHOOK_PANEL (widget);
  SyWebhookReceiver *receiver = get_receiver (self);
  g_autofree char *url = receiver != NULL ? sy_webhook_receiver_get_url (receiver) : NULL;

  if (url != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), url);
}

/* Why the receiver the application started did not start, if it did not. */
static void
show_start_error (SyWebhookPanel *self)
{
  const GError *error;

  if (self->receivers == NULL || self->connection == NULL || get_receiver (self) != NULL)
    return;
  error = sy_webhook_receivers_get_start_error (self->receivers, sy_connection_get_id (self->connection));
  if (error != NULL)
    show_receiver_error (self, error->message);
}

static void
receivers_changed_cb (SyWebhookReceivers *receivers,
                      const char         *connection_id,
                      SyWebhookPanel     *self)
{
  if (self->connection != NULL && g_strcmp0 (connection_id, sy_connection_get_id (self->connection)) == 0)
    {
      show_start_error (self);
      update_receiver (self);
    }
}

static gboolean
refresh_after_deliveries (gpointer user_data)
{
  SyWebhookPanel *self = user_data;

  self->refresh_source = 0;
  sy_webhook_panel_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
delivery_cb (SyWebhookReceivers *receivers,
             SyWebhookReceiver  *receiver,
             guint               status,
             const char         *verdict,
             gpointer            event,
             SyWebhookPanel     *self)
{
  SyConnection *connection = sy_webhook_receiver_get_connection (receiver);

  /* A burst of deliveries reloads the list a few times a second, not once
   * each: every reload is a query on the store's one worker, which the
   * deliveries' own inserts wait behind before they are answered. */
  if (self->connection != NULL && self->refresh_source == 0 &&
      g_strcmp0 (sy_connection_get_id (connection), sy_connection_get_id (self->connection)) == 0)
    self->refresh_source = g_timeout_add (250, refresh_after_deliveries, self);
}

/* --- GObject --------------------------------------------------------- */

static void
sy_webhook_panel_dispose (GObject *object)
{
  SyWebhookPanel *self = SY_WEBHOOK_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->receivers != NULL)
    g_signal_handlers_disconnect_by_data (self->receivers, self);
  g_clear_object (&self->receivers);
  g_clear_object (&self->connection);
  g_clear_object (&self->connections);
  g_clear_object (&self->secrets);
  g_clear_object (&self->state);
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_WEBHOOK_PANEL);

  G_OBJECT_CLASS (sy_webhook_panel_parent_class)->dispose (object);
}

static void
sy_webhook_panel_finalize (GObject *object)
{
  SyWebhookPanel *self = SY_WEBHOOK_PANEL (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (sy_webhook_panel_parent_class)->finalize (object);
}

static void
sy_webhook_panel_class_init (SyWebhookPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_webhook_panel_dispose;
  object_class->finalize = sy_webhook_panel_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-webhook-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, signing_group);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, secret_state_row);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, secret_state_icon);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, secret_row);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, scheme_row);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, header_row);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, receive_row);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, receive_switch);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, port_row);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, port_spin);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, address_row);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, address_warning_icon);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, custom_address_row);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, url_row);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, url_label);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, receiver_error_row);
  gtk_widget_class_bind_template_child (widget_class, SyWebhookPanel, events_list);
  gtk_widget_class_bind_template_callback (widget_class, secret_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, scheme_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, header_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, receive_switch_cb);
  gtk_widget_class_bind_template_callback (widget_class, address_changed_cb);

  gtk_widget_class_install_action (widget_class, "webhooks.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "webhooks.copy-url", NULL, copy_url_action);
  /* Within the panel; the window's F5 and Ctrl+R reload the records. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, GDK_SHIFT_MASK, "webhooks.refresh", NULL);
}

static void
sy_webhook_panel_init (SyWebhookPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  update_address (self);
  update_secret_state (self);
  update_receiver (self);
}

GtkWidget *
sy_webhook_panel_new (void)
{
  return g_object_new (SY_TYPE_WEBHOOK_PANEL, NULL);
}

void
sy_webhook_panel_set_context (SyWebhookPanel     *self,
                              SyConnection       *connection,
                              SyConnectionStore  *connections,
                              SySecretStore      *secrets,
                              SyStateStore       *state,
                              SyWebhookReceivers *receivers)
{
  g_return_if_fail (SY_IS_WEBHOOK_PANEL (self));

  if (self->connection == connection && self->connections == connections && self->secrets == secrets &&
      self->state == state && self->receivers == receivers)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (self->receivers != NULL)
    g_signal_handlers_disconnect_by_data (self->receivers, self);
  g_set_object (&self->connection, connection);
  g_set_object (&self->connections, connections);
  g_set_object (&self->secrets, secrets);
  g_set_object (&self->state, state);
  g_set_object (&self->receivers, receivers);
  if (receivers != NULL)
    {
      g_signal_connect (receivers, "changed", G_CALLBACK (receivers_changed_cb), self);
      g_signal_connect (receivers, "delivery", G_CALLBACK (delivery_cb), self);
    }

  self->has_secret = FALSE;
  show_receiver_error (self, NULL);
  show_start_error (self);
  update_settings (self);
  update_saved_receiver (self);
  update_secret_state (self);
  update_receiver (self);
  lookup_secret (self, FALSE);
  sy_webhook_panel_refresh (self);
}

gboolean
sy_webhook_panel_is_busy (SyWebhookPanel *self)
{
  g_return_val_if_fail (SY_IS_WEBHOOK_PANEL (self), FALSE);
  return self->n_pending > 0;
}

gboolean
sy_webhook_panel_has_secret (SyWebhookPanel *self)
{
  g_return_val_if_fail (SY_IS_WEBHOOK_PANEL (self), FALSE);
  return self->has_secret;
}
