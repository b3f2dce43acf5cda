/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-application.h"
#include "sy-certificate-page.h"
#include "sy-connection-check.h"
#include "sy-connection-page-private.h"
#include "sy-connection-row.h"
#include "sy-webhook-panel.h"

struct _SyConnectionPage
{
  AdwBin               parent_instance;

  SySecretStore       *secrets;
  SyConnection        *connection;
  GCancellable        *lookup_cancellable;
  GCancellable        *test_cancellable;
  char                *pending_entity;
  gboolean             has_client;

  AdwPreferencesGroup *details_group;
  AdwActionRow        *url_row;
  AdwActionRow        *insecure_row;
  AdwActionRow        *ca_row;
  AdwActionRow        *platform_row;
  AdwActionRow        *status_row;
  GtkImage            *status_icon;
  GtkSpinner          *status_spinner;
  GtkWidget           *test_button;
  GtkWidget           *remove_button;
  GtkStack            *browser_stack;
  SyRecordBrowser     *browser;
  AdwStatusPage       *problem_page;
  SyCertificatePage   *certificate_page;
  SyWebhookPanel      *webhook_panel;
};

G_DEFINE_FINAL_TYPE (SyConnectionPage, sy_connection_page, ADW_TYPE_BIN)

static const char *
domain_display_name (const char *domain)
{
  if (g_strcmp0 (domain, "wms") == 0)
    return _("Warehouse (WMS)");
  if (g_strcmp0 (domain, "erp") == 0)
    return _("Resource planning (ERP)");
  if (g_strcmp0 (domain, "eam") == 0)
    return _("Maintenance (EAM)");
  return domain;
}

static void
update_details (SyConnectionPage *self)
{
  const char *platform;
  const char *domain;
  const char *ca_file;
  g_autofree char *platform_text = NULL;

  if (self->connection == NULL)
    return;

  platform = sy_connection_get_platform (self->connection);
  domain = sy_connection_effective_domain (self->connection);

  adw_action_row_set_subtitle (self->url_row, sy_connection_get_base_url (self->connection));
  /* Shown for as long as it is true, not once: every request carries it. */
  gtk_widget_set_visible (GTK_WIDGET (self->insecure_row),
                          sy_connection_sends_token_in_clear (self->connection));
  ca_file = sy_connection_get_ca_file (self->connection);
  gtk_widget_set_visible (GTK_WIDGET (self->ca_row), ca_file != NULL);
  if (ca_file != NULL)
    {
      g_autofree char *display = g_filename_display_name (ca_file);

      adw_action_row_set_subtitle (self->ca_row, display);
    }

  if (platform != NULL && domain != NULL)
    platform_text = g_strdup_printf ("%s · %s", sy_platform_display_name (platform), domain_display_name (domain));
  else if (platform != NULL)
    platform_text = g_strdup (sy_platform_display_name (platform));
  else if (domain != NULL)
    platform_text = g_strdup (domain_display_name (domain));
  else
    platform_text = g_strdup (_("Not known yet"));
  adw_action_row_set_subtitle (self->platform_row, platform_text);
}

static void
update_status (SyConnectionPage *self)
{
  SyConnectionStatus status;
  const char *message;
  const char *icon_name;
  const char *style = NULL;
  g_autofree char *subtitle = NULL;

  if (self->connection == NULL)
    return;

  status = sy_connection_get_status (self->connection);
  message = sy_connection_get_status_message (self->connection);

  icon_name = sy_connection_status_get_icon_name (status, &style);
  if (icon_name == NULL)
    icon_name = "content-loading-symbolic";

  gtk_image_set_from_icon_name (self->status_icon, icon_name);
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_icon), "error");
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_icon), style);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, sy_connection_status_describe (status),
                                  -1);

  if (message != NULL && *message != '\0' && status != SY_CONNECTION_STATUS_UNKNOWN)
    subtitle = g_strdup_printf ("%s — %s", sy_connection_status_describe (status), message);
  else
    subtitle = g_strdup (sy_connection_status_describe (status));
  adw_action_row_set_subtitle (self->status_row, subtitle);

  gtk_widget_set_visible (GTK_WIDGET (self->status_spinner), status == SY_CONNECTION_STATUS_UNKNOWN);
  gtk_spinner_set_spinning (self->status_spinner, status == SY_CONNECTION_STATUS_UNKNOWN);
}

static void
show_problem (SyConnectionPage *self,
              const GError     *error)
{
  g_autofree char *text = sy_describe_error (error);

  adw_status_page_set_description (self->problem_page, text);
  gtk_stack_set_visible_child_name (self->browser_stack, "problem");
}

/* An answer for a connection the page no longer shows must be dropped:
 * each request carries the cancellable that was current when it started. */
typedef struct
{
  SyConnectionPage *self;
  GCancellable     *cancellable;
} Request;

static Request *
request_new (SyConnectionPage *self,
             GCancellable     *cancellable)
{
  Request *request = g_new0 (Request, 1);

  request->self = g_object_ref (self);
  request->cancellable = g_object_ref (cancellable);
  return request;
}

static void
request_free (Request *request)
{
  g_object_unref (request->self);
  g_object_unref (request->cancellable);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static void
client_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  SyConnectionPage *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyApiClient) client = NULL;

  client = sy_connection_open_client_finish (result, &error);
  if (g_cancellable_is_cancelled (request->cancellable) || self->connection == NULL)
    return;

  if (client == NULL)
    {
      show_problem (self, error);
      return;
    }

  self->has_client = TRUE;
  gtk_stack_set_visible_child_name (self->browser_stack, "browser");
  sy_record_browser_set_client (self->browser, client,
                                sy_connection_effective_domain (self->connection));
  if (self->pending_entity != NULL)
    {
      g_autofree char *entity = g_steal_pointer (&self->pending_entity);
      sy_record_browser_set_entity (self->browser, entity);
    }
}

static void
load_client (SyConnectionPage *self)
{
  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);

  self->has_client = FALSE;
  sy_record_browser_set_client (self->browser, NULL, NULL);

  if (self->connection == NULL || self->secrets == NULL)
    return;

  gtk_stack_set_visible_child_name (self->browser_stack, "loading");
  self->lookup_cancellable = g_cancellable_new ();
  sy_connection_open_client_async (self->secrets, self->connection,
                                   self->lookup_cancellable, client_opened_cb,
                                   request_new (self, self->lookup_cancellable));
}

static void
connection_tested_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  SyConnectionPage *self = request->self;
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(GError) error = NULL;

  client = sy_check_connection_finish (result, &error);
  if (g_cancellable_is_cancelled (request->cancellable) || self->connection == NULL)
    return;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connection.test", TRUE);
  /* A token that now works deserves another try at the records. */
  if (client != NULL && !self->has_client)
    load_client (self);
}

void
sy_connection_page_test (SyConnectionPage *self)
{
  g_return_if_fail (SY_IS_CONNECTION_PAGE (self));

  if (self->connection == NULL || self->secrets == NULL)
    return;

  g_cancellable_cancel (self->test_cancellable);
  g_clear_object (&self->test_cancellable);
  self->test_cancellable = g_cancellable_new ();

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connection.test", FALSE);
  sy_check_connection_async (self->secrets, self->connection, self->test_cancellable,
                             connection_tested_cb,
                             request_new (self, self->test_cancellable));
}

/* An action rather than a button's signal: the button has a twin in the
 * narrow layout, and both follow the one enabled state. */
static void
test_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  sy_connection_page_test (SY_CONNECTION_PAGE (widget));
}

static void
sy_connection_page_dispose (GObject *object)
{
  SyConnectionPage *self = SY_CONNECTION_PAGE (object);

  g_cancellable_cancel (self->lookup_cancellable);
  g_cancellable_cancel (self->test_cancellable);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_CONNECTION_PAGE);
  g_clear_object (&self->secrets);

  G_OBJECT_CLASS (sy_connection_page_parent_class)->dispose (object);
}

static void
sy_connection_page_finalize (GObject *object)
{
  SyConnectionPage *self = SY_CONNECTION_PAGE (object);

  g_clear_object (&self->lookup_cancellable);
  g_clear_object (&self->test_cancellable);
  g_free (self->pending_entity);

  G_OBJECT_CLASS (sy_connection_page_parent_class)->finalize (object);
}

static void
sy_connection_page_class_init (SyConnectionPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_connection_page_dispose;
  object_class->finalize = sy_connection_page_finalize;

  g_type_ensure (SY_TYPE_RECORD_BROWSER);
  g_type_ensure (SY_TYPE_CERTIFICATE_PAGE);
  g_type_ensure (SY_TYPE_WEBHOOK_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-connection-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, details_group);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, url_row);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, insecure_row);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, ca_row);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, platform_row);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, status_row);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, status_icon);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, status_spinner);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, test_button);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, remove_button);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, browser_stack);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, browser);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, problem_page);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, certificate_page);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, webhook_panel);

  gtk_widget_class_install_action (widget_class, "connection.test", NULL, test_action);
}

static void
sy_connection_page_init (SyConnectionPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
sy_connection_page_new (void)
{
  return g_object_new (SY_TYPE_CONNECTION_PAGE, NULL);
}

/* The certificate page needs the application's stores as well. */
static void
update_certificate_page (SyConnectionPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;

  if (SY_IS_APPLICATION (app))
    {
      SyApplication *application = SY_APPLICATION (app);

      sy_certificate_page_set_connection (self->certificate_page, self->connection,
                                          sy_application_get_connection_store (application),
                                          self->secrets, sy_application_get_state_store (application));
      /* The receivers are the application's: they outlive this page. */
      sy_webhook_panel_set_context (self->webhook_panel, self->connection,
                                    sy_application_get_connection_store (application), self->secrets,
                                    sy_application_get_state_store (application),
                                    sy_application_get_webhook_receivers (application));
    }
  else
    {
      sy_certificate_page_set_connection (self->certificate_page, self->connection, NULL, self->secrets, NULL);
      sy_webhook_panel_set_context (self->webhook_panel, self->connection, NULL, self->secrets, NULL, NULL);
    }
}

void
sy_connection_page_set_secret_store (SyConnectionPage *self,
                                     SySecretStore    *secrets)
{
  g_return_if_fail (SY_IS_CONNECTION_PAGE (self));
  g_return_if_fail (secrets == NULL || SY_IS_SECRET_STORE (secrets));

  if (!g_set_object (&self->secrets, secrets))
    return;

  load_client (self);
  update_certificate_page (self);
}

void
sy_connection_page_set_connection (SyConnectionPage *self,
                                   SyConnection     *connection)
{
  g_return_if_fail (SY_IS_CONNECTION_PAGE (self));
  g_return_if_fail (connection == NULL || SY_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;

  g_cancellable_cancel (self->test_cancellable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connection.test", TRUE);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_set_object (&self->connection, connection);
  g_clear_pointer (&self->pending_entity, g_free);

  if (connection != NULL)
    {
      g_signal_connect_swapped (connection, "notify::name", G_CALLBACK (update_details), self);
      g_signal_connect_swapped (connection, "notify::base-url", G_CALLBACK (update_details), self);
      g_signal_connect_swapped (connection, "notify::platform", G_CALLBACK (update_details), self);
      g_signal_connect_swapped (connection, "notify::domain", G_CALLBACK (update_details), self);
      g_signal_connect_swapped (connection, "notify::status", G_CALLBACK (update_status), self);
      g_signal_connect_swapped (connection, "notify::status-message", G_CALLBACK (update_status), self);
      update_details (self);
      update_status (self);
    }

  load_client (self);
  update_certificate_page (self);
}

SyConnection *
sy_connection_page_get_connection (SyConnectionPage *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION_PAGE (self), NULL);
  return self->connection;
}

SyRecordBrowser *
sy_connection_page_get_record_browser (SyConnectionPage *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION_PAGE (self), NULL);
  return self->browser;
}

SyCertificatePage *
sy_connection_page_get_certificate_page (SyConnectionPage *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION_PAGE (self), NULL);
  return self->certificate_page;
}

void
sy_connection_page_set_entity (SyConnectionPage *self,
                               const char       *entity)
{
  g_return_if_fail (SY_IS_CONNECTION_PAGE (self));

  if (self->has_client)
    {
      sy_record_browser_set_entity (self->browser, entity);
      return;
    }
  g_free (self->pending_entity);
  self->pending_entity = g_strdup (entity);
}

void
sy_connection_page_reload (SyConnectionPage *self)
{
  g_autofree char *entity = NULL;

  g_return_if_fail (SY_IS_CONNECTION_PAGE (self));

  /* The transport settings may have changed with the token; they have
   * no property to notify. */
  update_details (self);
  /* Keep the user's place: the same entity once the token is back. */
  if (self->has_client && sy_record_browser_get_entity (self->browser) != NULL)
    entity = g_strdup (sy_record_browser_get_entity (self->browser));
  load_client (self);
  if (entity != NULL && self->pending_entity == NULL)
    self->pending_entity = g_steal_pointer (&entity);
}

gboolean
sy_connection_page_get_has_client (SyConnectionPage *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION_PAGE (self), FALSE);
  return self->has_client;
}
