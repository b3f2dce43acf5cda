/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-certificate-page.h"
#include "sy-connection-check.h"
#include "sy-connection-row-private.h"
#include "sy-sidebar-row.h"
#include "sy-token-keeper.h"

struct _SyConnectionRow
{
  GtkListBoxRow  parent_instance;

  SyConnection  *connection;
  SyCertificate *certificate;
  char          *certificate_text;
  const char    *certificate_style;
  SyTokenKeeper *keeper;
  char          *sync_status;
  /* The worst of the health warnings, shown under the address. */
  char          *warning_text;

  GtkLabel      *name_label;
  GtkLabel      *subtitle_label;
  GtkLabel      *certificate_label;
  GtkStack      *status_stack;
  GtkImage      *status_icon;
  GtkSpinner    *status_spinner;
};

G_DEFINE_FINAL_TYPE (SyConnectionRow, sy_connection_row, GTK_TYPE_LIST_BOX_ROW)

const char *
sy_connection_status_describe (SyConnectionStatus status)
{
  switch (status)
    {
    case SY_CONNECTION_STATUS_ACTIVE:
      return _("Active");
    case SY_CONNECTION_STATUS_NEEDS_REAUTH:
      return _("Needs reconnecting");
    case SY_CONNECTION_STATUS_UNREACHABLE:
      return _("Unreachable");
    case SY_CONNECTION_STATUS_NO_KEYRING:
      return _("No keyring available");
    case SY_CONNECTION_STATUS_UNKNOWN:
    default:
      return _("Checking…");
    }
}

char *
sy_connection_describe_status_message (SyConnection *connection)
{
  const char *message = sy_connection_get_status_message (connection);

  /* A refused token's general words speak of pasting a new one; a Link
   * connection is mended by signing in again. */
  if (sy_connection_get_status (connection) == SY_CONNECTION_STATUS_NEEDS_REAUTH &&
      sy_connection_uses_link (connection))
    return g_strdup (_("Its sign-in has expired or was withdrawn. Reconnect to sign in again."));
  return g_strdup (message);
}

/* The status and any certificate warning: what a screen reader says about
 * the row besides its name. */
static void
update_description (SyConnectionRow *self)
{
  SyConnectionStatus status = sy_connection_get_status (self->connection);
  g_autofree char *message = sy_connection_describe_status_message (self->connection);
  g_autofree char *status_text = NULL;
  g_autofree char *description = NULL;

  if (message != NULL && *message != '\0' && status != SY_CONNECTION_STATUS_UNKNOWN)
    status_text = g_strdup_printf ("%s: %s", sy_connection_status_describe (status), message);
  else
    status_text = g_strdup (sy_connection_status_describe (status));

  if (self->warning_text != NULL)
    description = g_strdup_printf ("%s. %s", status_text, self->warning_text);
  else
    description = g_strdup (status_text);

  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_stack), status_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

const char *
sy_connection_status_get_icon_name (SyConnectionStatus   status,
                                    const char         **style_class)
{
  const char *icon_name = NULL;
  const char *style = NULL;

  switch (status)
    {
    case SY_CONNECTION_STATUS_ACTIVE:
      icon_name = "emblem-ok-symbolic";
      style = "success";
      break;
    case SY_CONNECTION_STATUS_NEEDS_REAUTH:
      icon_name = "dialog-password-symbolic";
      style = "warning";
      break;
    case SY_CONNECTION_STATUS_UNREACHABLE:
      icon_name = "network-offline-symbolic";
      style = "error";
      break;
    case SY_CONNECTION_STATUS_NO_KEYRING:
      icon_name = "channel-insecure-symbolic";
      style = "warning";
      break;
    case SY_CONNECTION_STATUS_UNKNOWN:
    default:
      break;
    }

  if (style_class != NULL)
    *style_class = style;
  return icon_name;
}

static void
update_status (SyConnectionRow *self)
{
  SyConnectionStatus status = sy_connection_get_status (self->connection);
  const char *style = NULL;
  const char *icon_name = sy_connection_status_get_icon_name (status, &style);

  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "error");

  if (icon_name == NULL)
    {
      gtk_spinner_start (self->status_spinner);
      gtk_stack_set_visible_child_name (self->status_stack, "checking");
    }
  else
    {
      gtk_spinner_stop (self->status_spinner);
      gtk_image_set_from_icon_name (self->status_icon, icon_name);
      gtk_widget_add_css_class (GTK_WIDGET (self->status_icon), style);
      gtk_stack_set_visible_child_name (self->status_stack, "icon");
    }

  update_description (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, sy_connection_status_describe (status),
                                  -1);
}

static void
update_labels (SyConnectionRow *self)
{
  const char *name = sy_connection_get_name (self->connection);
  const char *platform = sy_connection_get_platform (self->connection);
  const char *base_url = sy_connection_get_base_url (self->connection);
  g_autofree char *subtitle = NULL;

  if (platform != NULL && *platform != '\0')
    subtitle = g_strdup_printf ("%s · %s", sy_platform_display_name (platform), base_url);
  else
    subtitle = g_strdup (base_url);

  gtk_label_set_text (self->name_label, name);
  gtk_label_set_text (self->subtitle_label, subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);
}

/* Issue 5: the sidebar warns as the certificate page does, so a
 * certificate running out is noticed without opening its tab. NULL when
 * the certificate needs no attention. */
static char *
describe_certificate (SyCertificate  *certificate,
                      const char    **style)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GDateTime *not_before = sy_certificate_get_not_before (certificate);
  gint64 days = sy_certificate_get_days_left (certificate, now);

  *style = "error";
  if (not_before != NULL && g_date_time_compare (now, not_before) < 0)
    return g_strdup (_("Certificate not yet valid"));
  if (days < 0)
    return g_strdup (_("Certificate expired"));
  if (days == 0)
    return g_strdup (_("Certificate expires today"));

  *style = "warning";
  if (days <= SY_CERTIFICATE_WARNING_DAYS)
    return g_strdup_printf (ngettext ("Certificate expires in %d day", "Certificate expires in %d days", (gulong) days),
                            (int) days);

  *style = NULL;
  return NULL;
}

/* The sign-in of a Link connection running out within a day: the keeper
 * refreshes well before that, so this means refreshing is not working. */
static char *
describe_token_expiry (SyTokenKeeper *keeper)
{
  gint64 expires_at = sy_token_keeper_get_expires_at (keeper);
  gint64 left = expires_at - g_get_real_time () / G_USEC_PER_SEC;

  if (expires_at <= 0 || sy_token_keeper_get_needs_reconnect (keeper) || left > 24 * 3600)
    return NULL;
  if (left <= 0)
    return g_strdup (_("Sign-in expired"));
  if (left < 3600)
    return g_strdup (_("Sign-in expires within the hour"));
  return g_strdup_printf (ngettext ("Sign-in expires in %d hour", "Sign-in expires in %d hours", (gulong) (left / 3600)),
                          (int) (left / 3600));
}

/* The worst of what needs attention: errors before warnings, and among
 * equals the platform, then the sign-in, then the certificate. */
static void
update_warning (SyConnectionRow *self)
{
  GtkWidget *label = GTK_WIDGET (self->certificate_label);
  g_autofree char *token_text = self->keeper ? describe_token_expiry (self->keeper) : NULL;
  const char *sync_text = NULL;
  const char *sync_style = NULL;
  const char *text = NULL;
  const char *style = NULL;

  if (g_strcmp0 (self->sync_status, "fail") == 0)
    {
      sync_text = _("Platform sync failed");
      sync_style = "error";
    }
  else if (g_strcmp0 (self->sync_status, "error") == 0)
    {
      sync_text = _("Platform sync had errors");
      sync_style = "warning";
    }

  if (g_strcmp0 (sync_style, "error") == 0)
    {
      text = sync_text;
      style = sync_style;
    }
  else if (g_strcmp0 (self->certificate_style, "error") == 0)
    {
      text = self->certificate_text;
      style = self->certificate_style;
    }
  else if (sync_text != NULL)
    {
      text = sync_text;
      style = sync_style;
    }
  else if (token_text != NULL)
    {
      text = token_text;
      style = "warning";
    }
  else if (self->certificate_text != NULL)
    {
      text = self->certificate_text;
      style = self->certificate_style;
    }

  g_free (self->warning_text);
  self->warning_text = g_strdup (text);

  gtk_widget_remove_css_class (label, "warning");
  gtk_widget_remove_css_class (label, "error");
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  gtk_label_set_text (self->certificate_label, text ? text : "");
  gtk_widget_set_tooltip_text (label, text);
  gtk_widget_set_visible (label, text != NULL);

  update_description (self);
}

static void
update_certificate (SyConnectionRow *self)
{
  g_clear_pointer (&self->certificate_text, g_free);
  self->certificate_style = NULL;
  if (self->certificate != NULL)
    self->certificate_text = describe_certificate (self->certificate, &self->certificate_style);
  update_warning (self);
}

void
sy_connection_row_set_token_keeper (SyConnectionRow *self,
                                    SyTokenKeeper   *keeper)
{
  g_return_if_fail (SY_IS_CONNECTION_ROW (self));

  if (self->keeper != NULL)
    g_signal_handlers_disconnect_by_data (self->keeper, self);
  if (!g_set_object (&self->keeper, keeper))
    return;
  if (keeper != NULL)
    {
      g_signal_connect_object (keeper, "notify::expires-at", G_CALLBACK (update_warning), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (keeper, "notify::needs-reconnect", G_CALLBACK (update_warning), self, G_CONNECT_SWAPPED);
    }
  update_warning (self);
}

void
sy_connection_row_set_sync_status (SyConnectionRow *self,
                                   const char      *sync_status)
{
  g_return_if_fail (SY_IS_CONNECTION_ROW (self));

  if (g_strcmp0 (self->sync_status, sync_status) == 0)
    return;
  g_free (self->sync_status);
  self->sync_status = g_strdup (sync_status);
  update_warning (self);
}

const char *
sy_connection_row_get_warning (SyConnectionRow *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION_ROW (self), NULL);
  return self->warning_text;
}

void
sy_connection_row_set_certificate (SyConnectionRow *self,
                                   SyCertificate   *certificate)
{
  g_return_if_fail (SY_IS_CONNECTION_ROW (self));
  g_return_if_fail (certificate == NULL || SY_IS_CERTIFICATE (certificate));

  if (!g_set_object (&self->certificate, certificate))
    return;
  update_certificate (self);
}

SyCertificate *
sy_connection_row_get_certificate (SyConnectionRow *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION_ROW (self), NULL);
  return self->certificate;
}

const char *
sy_connection_row_get_certificate_warning (SyConnectionRow *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION_ROW (self), NULL);
  return self->certificate_text;
}

static void
sy_connection_row_dispose (GObject *object)
{
  SyConnectionRow *self = SY_CONNECTION_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_CONNECTION_ROW);
  g_clear_object (&self->connection);
  g_clear_object (&self->certificate);
  if (self->keeper != NULL)
    g_signal_handlers_disconnect_by_data (self->keeper, self);
  g_clear_object (&self->keeper);

  G_OBJECT_CLASS (sy_connection_row_parent_class)->dispose (object);
}

static void
sy_connection_row_finalize (GObject *object)
{
  SyConnectionRow *self = SY_CONNECTION_ROW (object);

  g_free (self->certificate_text);
  g_free (self->sync_status);
  g_free (self->warning_text);

  G_OBJECT_CLASS (sy_connection_row_parent_class)->finalize (object);
}

static void
sy_connection_row_class_init (SyConnectionRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->focus = sy_sidebar_row_focus;

  object_class->dispose = sy_connection_row_dispose;
  object_class->finalize = sy_connection_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-connection-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SyConnectionRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionRow, certificate_label);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionRow, status_stack);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionRow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionRow, status_spinner);
}

static void
sy_connection_row_init (SyConnectionRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
sy_connection_row_new (SyConnection *connection)
{
  SyConnectionRow *self;

  g_return_val_if_fail (SY_IS_CONNECTION (connection), NULL);

  self = g_object_new (SY_TYPE_CONNECTION_ROW, NULL);
  self->connection = g_object_ref (connection);

  g_signal_connect_object (connection, "notify::name", G_CALLBACK (update_labels), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (connection, "notify::base-url", G_CALLBACK (update_labels), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (connection, "notify::platform", G_CALLBACK (update_labels), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (connection, "notify::status", G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (connection, "notify::status-message", G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);

  update_labels (self);
  update_status (self);

  return GTK_WIDGET (self);
}

SyConnection *
sy_connection_row_get_connection (SyConnectionRow *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION_ROW (self), NULL);
  return self->connection;
}
