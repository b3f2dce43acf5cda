/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-application.h"
#include "sy-certificate-page.h"
#include "sy-connection-check.h"
#include "sy-connection-page-private.h"
#include "sy-connection-row.h"
#include "sy-error.h"
#include "sy-token-keeper.h"
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

  /* Health: the keeper of a Link connection's tokens, what the platform
   * last said about its sync, and a tick that keeps "in 5 minutes" true. */
  SyTokenKeeper       *keeper;
  GCancellable        *keeper_cancellable;
  char                *sync_status;
  guint                tick_source;

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
  GtkWidget           *reconnect_button;
  GtkWidget           *problem_button;
  AdwActionRow        *token_expiry_row;
  AdwActionRow        *sync_status_row;
  AdwActionRow        *certificate_expiry_row;
  AdwActionRow        *last_success_row;
  GtkStack            *browser_stack;
  SyRecordBrowser     *browser;
  AdwStatusPage       *problem_page;
  SyCertificatePage   *certificate_page;
  SyWebhookPanel      *webhook_panel;
};

G_DEFINE_FINAL_TYPE (SyConnectionPage, sy_connection_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SYNC_STATUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Health */

/* "in 29 days", "3 hours ago": how far away a moment is, roughly. */
static char *
describe_relative (gint64 delta)
{
  gint64 amount = ABS (delta);
  gboolean future = delta > 0;

  if (amount < 60)
    return g_strdup (future ? _("in under a minute") : _("just now"));
  if (amount < 3600)
    {
      int minutes = (int) (amount / 60);

      return future ? g_strdup_printf (ngettext ("in %d minute", "in %d minutes", minutes), minutes)
                    : g_strdup_printf (ngettext ("%d minute ago", "%d minutes ago", minutes), minutes);
    }
  if (amount < 48 * 3600)
    {
      int hours = (int) (amount / 3600);

      return future ? g_strdup_printf (ngettext ("in %d hour", "in %d hours", hours), hours)
                    : g_strdup_printf (ngettext ("%d hour ago", "%d hours ago", hours), hours);
    }
  {
    int days = (int) (amount / 86400);

    return future ? g_strdup_printf (ngettext ("in %d day", "in %d days", days), days)
                  : g_strdup_printf (ngettext ("%d day ago", "%d days ago", days), days);
  }
}

/* A moment as a date in the locale's words and how far away it is. */
static char *
describe_moment (gint64 unix_time)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_time);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;
  g_autofree char *date = local ? g_date_time_format (local, "%x %H:%M") : NULL;
  g_autofree char *relative = describe_relative (unix_time - g_get_real_time () / G_USEC_PER_SEC);

  if (date == NULL)
    return g_steal_pointer (&relative);
  /* Translators: a date and how far away it is, "12/07/2026 14:05 (in 3 days)" */
  return g_strdup_printf (_("%s (%s)"), date, relative);
}

const char *
sy_connection_page_describe_sync_status (const char *sync_status)
{
  if (sync_status == NULL)
    return _("Not reported");
  if (g_str_equal (sync_status, "inprogress"))
    return _("Syncing now");
  if (g_str_equal (sync_status, "done"))
    return _("Synced");
  if (g_str_equal (sync_status, "fulldone"))
    return _("Fully synced");
  if (g_str_equal (sync_status, "error"))
    return _("Sync had errors");
  if (g_str_equal (sync_status, "fail"))
    return _("Sync failed");
  return sync_status;
}

static void
update_health (SyConnectionPage *self)
{
  SyCertificate *certificate;
  gint64 last_success;

  if (self->connection == NULL)
    return;

  gtk_widget_set_visible (self->reconnect_button,
                          sy_connection_get_status (self->connection) == SY_CONNECTION_STATUS_NEEDS_REAUTH);

  gtk_widget_set_visible (GTK_WIDGET (self->token_expiry_row), sy_connection_uses_link (self->connection));
  if (self->keeper != NULL && sy_token_keeper_get_needs_reconnect (self->keeper))
    adw_action_row_set_subtitle (self->token_expiry_row, _("Expired: needs reconnecting"));
  else if (self->keeper != NULL && sy_token_keeper_get_expires_at (self->keeper) > 0)
    {
      g_autofree char *text = describe_moment (sy_token_keeper_get_expires_at (self->keeper));

      adw_action_row_set_subtitle (self->token_expiry_row, text);
    }
  else
    adw_action_row_set_subtitle (self->token_expiry_row, _("Not known yet"));

  certificate = sy_certificate_page_get_certificate (self->certificate_page);
  gtk_widget_set_visible (GTK_WIDGET (self->certificate_expiry_row), certificate != NULL);
  if (certificate != NULL && sy_certificate_get_not_after (certificate) != NULL)
    {
      g_autofree char *text = describe_moment (g_date_time_to_unix (sy_certificate_get_not_after (certificate)));

      adw_action_row_set_subtitle (self->certificate_expiry_row, text);
    }

  last_success = sy_connection_get_last_success_at (self->connection);
  if (last_success == 0)
    adw_action_row_set_subtitle (self->last_success_row, _("Never in this session"));
  else
    {
      g_autofree char *text = describe_moment (last_success);

      adw_action_row_set_subtitle (self->last_success_row, text);
    }

  adw_action_row_set_subtitle (self->sync_status_row, sy_connection_page_describe_sync_status (self->sync_status));
}

static gboolean
tick_cb (gpointer user_data)
{
  update_health (user_data);
  return G_SOURCE_CONTINUE;
}

static void
set_sync_status (SyConnectionPage *self,
                 const char       *sync_status)
{
  if (g_strcmp0 (self->sync_status, sync_status) == 0)
    return;
  g_free (self->sync_status);
  self->sync_status = g_strdup (sync_status);
  update_health (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_STATUS]);
}

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
  g_autofree char *owned_message = NULL;
  const char *message;
  const char *icon_name;
  const char *style = NULL;
  g_autofree char *subtitle = NULL;

  if (self->connection == NULL)
    return;

  status = sy_connection_get_status (self->connection);
  message = owned_message = sy_connection_describe_status_message (self->connection);

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
  update_health (self);
}

static void
show_problem (SyConnectionPage *self,
              const GError     *error)
{
  g_autofree char *text = sy_describe_error (error);
  gboolean refused = g_error_matches (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);

  adw_status_page_set_description (self->problem_page, text);
  /* A refused token is mended by signing in again, not by trying again. */
  gtk_button_set_label (GTK_BUTTON (self->problem_button), refused ? _("_Reconnect…") : _("_Try Again"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->problem_button),
                                  refused ? "win.reconnect-connection" : "win.refresh");
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
integration_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  SyConnectionPage *self = request->self;
  g_autoptr(JsonObject) integration = NULL;
  g_autoptr(GError) error = NULL;

  integration = sy_api_client_get_current_integration_finish (SY_API_CLIENT (source), result, &error);
  if (g_cancellable_is_cancelled (request->cancellable) || self->connection == NULL || integration == NULL)
    return;
  set_sync_status (self, json_object_get_string_member_with_default (integration, "sync_status", NULL));
}

static void
ask_sync_status (SyConnectionPage *self,
                 SyApiClient      *client,
                 GCancellable     *cancellable)
{
  sy_api_client_get_current_integration_async (client, cancellable, integration_cb,
                                               request_new (self, cancellable));
}

static void
keeper_obtained_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  SyConnectionPage *self = request->self;
  g_autoptr(SyTokenKeeper) keeper = NULL;
  g_autoptr(GError) error = NULL;

  keeper = sy_token_keeper_obtain_finish (result, &error);
  if (g_cancellable_is_cancelled (request->cancellable) || self->connection == NULL || keeper == NULL)
    return;
  g_set_object (&self->keeper, keeper);
  g_signal_connect_object (keeper, "notify::expires-at", G_CALLBACK (update_health), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (keeper, "notify::needs-reconnect", G_CALLBACK (update_health), self, G_CONNECT_SWAPPED);
  update_health (self);
}

/* The keeper of a Link connection: its expiry for the health rows. */
static void
load_keeper (SyConnectionPage *self)
{
  g_cancellable_cancel (self->keeper_cancellable);
  g_clear_object (&self->keeper_cancellable);
  if (self->keeper != NULL)
    g_signal_handlers_disconnect_by_data (self->keeper, self);
  g_clear_object (&self->keeper);

  if (self->connection == NULL || self->secrets == NULL || !sy_connection_uses_link (self->connection))
    return;

  self->keeper_cancellable = g_cancellable_new ();
  sy_token_keeper_obtain_async (self->secrets, self->connection, self->keeper_cancellable,
                                keeper_obtained_cb, request_new (self, self->keeper_cancellable));
}

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
  ask_sync_status (self, client, request->cancellable);
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
  if (client != NULL)
    ask_sync_status (self, client, request->cancellable);
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
  g_cancellable_cancel (self->keeper_cancellable);
  g_clear_handle_id (&self->tick_source, g_source_remove);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  if (self->keeper != NULL)
    g_signal_handlers_disconnect_by_data (self->keeper, self);
  g_clear_object (&self->keeper);
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
  g_clear_object (&self->keeper_cancellable);
  g_free (self->pending_entity);
  g_free (self->sync_status);

  G_OBJECT_CLASS (sy_connection_page_parent_class)->finalize (object);
}

static void
sy_connection_page_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SyConnectionPage *self = SY_CONNECTION_PAGE (object);

  switch (prop_id)
    {
    case PROP_SYNC_STATUS:
      g_value_set_string (value, self->sync_status);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_connection_page_class_init (SyConnectionPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_connection_page_dispose;
  object_class->finalize = sy_connection_page_finalize;
  object_class->get_property = sy_connection_page_get_property;

  properties[PROP_SYNC_STATUS] =
    g_param_spec_string ("sync-status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

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
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, reconnect_button);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, problem_button);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, token_expiry_row);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, sync_status_row);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, certificate_expiry_row);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, last_success_row);
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
  g_signal_connect_object (self->certificate_page, "notify::certificate",
                           G_CALLBACK (update_health), self, G_CONNECT_SWAPPED);
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
  load_keeper (self);
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
      g_signal_connect_swapped (connection, "notify::last-success-at", G_CALLBACK (update_health), self);
      update_details (self);
      update_status (self);
      if (self->tick_source == 0)
        self->tick_source = g_timeout_add_seconds (60, tick_cb, self);
    }
  else
    g_clear_handle_id (&self->tick_source, g_source_remove);

  g_clear_pointer (&self->sync_status, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_STATUS]);
  load_keeper (self);
  update_health (self);
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

const char *
sy_connection_page_get_sync_status (SyConnectionPage *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION_PAGE (self), NULL);
  return self->sync_status;
}
