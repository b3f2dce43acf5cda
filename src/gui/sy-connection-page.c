/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-application.h"
#include "sy-certificate-page.h"
#include "sy-connection-check.h"
#include "sy-connection-page-private.h"
#include "sy-sync-history-list.h"
#include "sy-connection-row.h"
#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-mapping-library.h"
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

  /* The toast of this page's last removal while its Undo is offered. */
  AdwToast            *removal_toast;

  AdwPreferencesGroup *status_group;
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
  GtkWidget           *problem_secondary_button;
  AdwViewStackPage    *certificate_stack_page;
  AdwViewStack        *view_stack;
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
  PROP_REMOVAL_TOAST,
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
  /* A month's name, not "12/07/26", which reads differently in different
   * countries; the pattern the run history uses. */
  g_autofree char *date = local ? sy_sync_history_list_format_when (local) : NULL;
  g_autofree char *relative = describe_relative (unix_time - g_get_real_time () / G_USEC_PER_SEC);

  if (date == NULL)
    return g_steal_pointer (&relative);
  /* Translators: a date and how far away it is, "7 Dec 2026, 14:05 (in 3 days)" */
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

/* Each error state beside the action that mends it: a refused token is
 * mended by a new one (or by signing in again with Link), an unreachable
 * server perhaps by trying again. */
static void
update_fix_button (SyConnectionPage *self)
{
  SyConnectionStatus status = sy_connection_get_status (self->connection);
  GtkButton *button = GTK_BUTTON (self->reconnect_button);

  switch (status)
    {
    case SY_CONNECTION_STATUS_NEEDS_REAUTH:
      if (sy_connection_uses_link (self->connection))
        {
          gtk_button_set_label (button, _("_Reconnect…"));
          gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.reconnect-connection");
          gtk_widget_set_tooltip_text (self->reconnect_button, _("Sign in again to give Switchyard access (Shift+Ctrl+U)"));
        }
      else
        {
          gtk_button_set_label (button, _("_Update Token…"));
          gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.update-token");
          gtk_widget_set_tooltip_text (self->reconnect_button, _("Type a new token for this connection (Ctrl+U)"));
        }
      gtk_widget_set_visible (self->reconnect_button, TRUE);
      break;
    case SY_CONNECTION_STATUS_UNREACHABLE:
      gtk_button_set_label (button, _("_Try Again"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "connection.test");
      gtk_widget_set_tooltip_text (self->reconnect_button, _("Test the connection again"));
      gtk_widget_set_visible (self->reconnect_button, TRUE);
      break;
    case SY_CONNECTION_STATUS_UNKNOWN:
    case SY_CONNECTION_STATUS_ACTIVE:
    case SY_CONNECTION_STATUS_NO_KEYRING:
    default:
      gtk_widget_set_visible (self->reconnect_button, FALSE);
      break;
    }
}

static void
update_health (SyConnectionPage *self)
{
  SyCertificate *certificate;
  gint64 last_success;

  if (self->connection == NULL)
    return;

  update_fix_button (self);

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

/* A tab hidden or shown while the focus is elsewhere leaves the stack's
 * focus child pointing at a page no longer on screen, and Tab then finds
 * no way into the stack. */
static void
forget_stale_focus (SyConnectionPage *self)
{
  GtkRoot *root;
  GtkWidget *focus;

  if (self->view_stack == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  root = gtk_widget_get_root (GTK_WIDGET (self));
  focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->view_stack)))
    gtk_widget_set_focus_child (GTK_WIDGET (self->view_stack), NULL);
}

gboolean
sy_connection_page_platform_uses_certificate (const char *platform)
{
  /* The certificate signs NetSuite's machine-to-machine sign-in; no other
   * platform asks for one. Unknown yet: it may be NetSuite. */
  return platform == NULL || g_ascii_strcasecmp (platform, "netsuite") == 0;
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

  adw_view_stack_page_set_visible (self->certificate_stack_page, sy_connection_page_platform_uses_certificate (platform));
  forget_stale_focus (self);
}

static void
set_problem_action (GtkWidget  *button,
                    const char *label,
                    const char *action_name)
{
  gtk_widget_set_visible (button, label != NULL);
  if (label == NULL)
    return;
  gtk_button_set_label (GTK_BUTTON (button), label);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
}

/* The problem and what mends it: a refused or missing token a new one
 * (Reconnect for Link), an unreachable server trying again or a changed
 * address or certificate authority (both in the Update Token dialog), a
 * refused address or CA file a changed one. */
static void
show_problem (SyConnectionPage *self,
              const GError     *error)
{
  g_autofree char *text = sy_describe_error (error);
  gboolean link = self->connection != NULL && sy_connection_uses_link (self->connection);

  adw_status_page_set_description (self->problem_page, text);
  if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED) ||
      g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND))
    {
      if (link)
        set_problem_action (self->problem_button, _("_Reconnect…"), "win.reconnect-connection");
      else
        set_problem_action (self->problem_button, _("_Update Token…"), "win.update-token");
      set_problem_action (self->problem_secondary_button, NULL, NULL);
    }
  else if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_NETWORK))
    {
      set_problem_action (self->problem_button, _("_Try Again"), "win.refresh");
      set_problem_action (self->problem_secondary_button, _("_Edit Address…"), "win.update-token");
    }
  else if (error != NULL && error->domain == SY_CONFIG_ERROR)
    {
      set_problem_action (self->problem_button, _("_Edit Address…"), "win.update-token");
      set_problem_action (self->problem_secondary_button, _("_Try Again"), "win.refresh");
    }
  else
    {
      set_problem_action (self->problem_button, _("_Try Again"), "win.refresh");
      set_problem_action (self->problem_secondary_button, NULL, NULL);
    }
  gtk_stack_set_visible_child_name (self->browser_stack, "problem");
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

  /* A refused token: the records cannot be mended by trying again, so
   * they give way to the problem and its action (Update Token…). A new
   * token reloads the page. */
  if (status == SY_CONNECTION_STATUS_NEEDS_REAUTH && self->has_client)
    {
      g_autoptr(GError) refused = g_error_new_literal (SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED,
                                                       message != NULL && *message != '\0'
                                                       ? message : _("The server refused the token."));

      show_problem (self, refused);
    }
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

/* Removing */

/* A removal whose Undo is still offered: the connection is out of the
 * store and connections.json, its secrets still in the keyring. It is
 * settled once: undone (the connection back) or forgotten (its secrets
 * deleted) when the toast goes, the page goes or the application quits. */
typedef struct
{
  GWeakRef           page;
  /* Only compared, never followed: the page's weak reference is already
   * cleared while it is disposed. */
  gconstpointer      owner;
  SyConnectionStore *store;
  SySecretStore     *secrets;
  SyStateStore      *state;
  SyConnection      *connection;
  AdwToast          *toast;
  GApplication      *held;
  gboolean           settled;
} PendingRemoval;

/* Every removal not yet settled, of every page: the application finishes
 * them when it quits. */
static GPtrArray *pending_removals;
/* Secrets being deleted: finishing waits for them. */
static guint n_forgetting;

static void
pending_removal_free (PendingRemoval *pending)
{
  g_weak_ref_clear (&pending->page);
  g_clear_object (&pending->store);
  g_clear_object (&pending->secrets);
  g_clear_object (&pending->state);
  g_clear_object (&pending->connection);
  g_clear_object (&pending->toast);
  g_clear_object (&pending->held);
}

static PendingRemoval *
pending_removal_ref (PendingRemoval *pending)
{
  return g_rc_box_acquire (pending);
}

static void
pending_removal_unref (PendingRemoval *pending)
{
  g_rc_box_release_full (pending, (GDestroyNotify) pending_removal_free);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PendingRemoval, pending_removal_unref)

static void
add_toast (SyConnectionPage *self,
           AdwToast         *toast)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), g_object_ref (toast));
}

/* Marks it settled and lets go of it: no longer in the list, its toast
 * no longer calls back, and taken away unless it is going already (its
 * own button or timeout settled it). */
static void
pending_removal_settle (PendingRemoval *pending,
                        gboolean        toast_going)
{
  g_autoptr(SyConnectionPage) self = g_weak_ref_get (&pending->page);
  g_autoptr(PendingRemoval) keep = pending_removal_ref (pending);

  pending->settled = TRUE;
  if (self != NULL && self->removal_toast != NULL && self->removal_toast == pending->toast)
    {
      g_clear_object (&self->removal_toast);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOVAL_TOAST]);
    }
  if (pending->toast != NULL)
    {
      g_autoptr(AdwToast) toast = g_steal_pointer (&pending->toast);

      g_signal_handlers_disconnect_by_data (toast, pending);
      if (!toast_going)
        adw_toast_dismiss (toast);
    }
  if (pending_removals != NULL)
    g_ptr_array_remove (pending_removals, pending);
}

static void
secrets_forgotten_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(PendingRemoval) pending = user_data;
  g_autoptr(GError) error = NULL;

  if (!sy_connection_forget_secrets_finish (result, &error))
    g_warning ("The secrets of the removed connection %s could not be deleted: %s",
               sy_connection_get_id (pending->connection), error->message);
  n_forgetting--;
  if (pending->held != NULL)
    {
      g_autoptr(GApplication) app = g_steal_pointer (&pending->held);

      g_application_release (app);
    }
}

static void
pending_removal_forget (PendingRemoval *pending,
                        gboolean        toast_going)
{
  GApplication *app = g_application_get_default ();

  if (pending->settled)
    return;
  pending_removal_settle (pending, toast_going);

  /* The application stays until the keyring has answered. */
  n_forgetting++;
  if (app != NULL)
    {
      pending->held = g_object_ref (app);
      g_application_hold (app);
    }
  sy_connection_forget_secrets_async (pending->store, pending->secrets, pending->state,
                                      pending->connection, NULL, secrets_forgotten_cb,
                                      pending_removal_ref (pending));
}

static void
pending_removal_undo (PendingRemoval *pending)
{
  g_autoptr(SyConnectionPage) self = g_weak_ref_get (&pending->page);
  g_autoptr(GError) error = NULL;

  if (pending->settled)
    return;

  if (!sy_connection_restore (pending->store, pending->connection, &error))
    {
      g_autofree char *reason = sy_describe_error (error);
      g_autofree char *title = g_strdup_printf (_("“%s” could not be restored: %s"),
                                                sy_connection_get_name (pending->connection), reason);

      /* It stays removed, and so its secrets go as they would have. */
      pending_removal_forget (pending, TRUE);
      if (self != NULL)
        {
          g_autoptr(AdwToast) toast = adw_toast_new (title);

          add_toast (self, toast);
        }
      return;
    }
  pending_removal_settle (pending, TRUE);
}

static void
removal_toast_dismissed_cb (AdwToast       *toast,
                            PendingRemoval *pending)
{
  pending_removal_forget (pending, TRUE);
}

static void
removal_toast_undo_cb (AdwToast       *toast,
                       PendingRemoval *pending)
{
  pending_removal_undo (pending);
}

void
sy_connection_page_finish_pending_removals (void)
{
  if (pending_removals != NULL)
    {
      g_autoptr(GPtrArray) all = g_ptr_array_copy (pending_removals, (GCopyFunc) pending_removal_ref, NULL);

      g_ptr_array_set_free_func (all, (GDestroyNotify) pending_removal_unref);
      for (guint i = 0; i < all->len; i++)
        pending_removal_forget (g_ptr_array_index (all, i), FALSE);
    }
  /* Called as the application quits, when no main loop runs any more. */
  while (n_forgetting > 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
start_removal (SyConnectionPage *self,
               SyConnection     *connection)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  SyConnectionStore *store;
  PendingRemoval *pending;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;

  if (!SY_IS_APPLICATION (app) || self->secrets == NULL)
    return;
  store = sy_application_get_connection_store (SY_APPLICATION (app));

  if (!sy_connection_withdraw (store, connection, &error))
    {
      g_autofree char *reason = sy_describe_error (error);
      g_autoptr(AdwToast) toast = NULL;

      title = g_strdup_printf (_("“%s” could not be removed: %s"), sy_connection_get_name (connection), reason);
      toast = adw_toast_new (title);
      add_toast (self, toast);
      return;
    }

  pending = g_rc_box_new0 (PendingRemoval);
  g_weak_ref_init (&pending->page, self);
  pending->owner = self;
  pending->store = g_object_ref (store);
  pending->secrets = g_object_ref (self->secrets);
  pending->state = sy_application_get_state_store (SY_APPLICATION (app));
  if (pending->state != NULL)
    g_object_ref (pending->state);
  pending->connection = g_object_ref (connection);
  if (pending_removals == NULL)
    pending_removals = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_removal_unref);
  g_ptr_array_add (pending_removals, pending);

  /* Translators: a toast after removing a connection, with an Undo button */
  title = g_strdup_printf (_("“%s” removed"), sy_connection_get_name (connection));
  pending->toast = adw_toast_new (title);
  adw_toast_set_button_label (pending->toast, _("_Undo"));
  adw_toast_set_timeout (pending->toast, 10);
  g_signal_connect_data (pending->toast, "button-clicked", G_CALLBACK (removal_toast_undo_cb),
                         pending_removal_ref (pending), (GClosureNotify) pending_removal_unref, 0);
  g_signal_connect_data (pending->toast, "dismissed", G_CALLBACK (removal_toast_dismissed_cb),
                         pending_removal_ref (pending), (GClosureNotify) pending_removal_unref, 0);
  g_set_object (&self->removal_toast, pending->toast);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOVAL_TOAST]);

  if (gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY) == NULL)
    {
      /* Nowhere to offer the Undo. */
      pending_removal_forget (pending, TRUE);
      return;
    }
  add_toast (self, pending->toast);
}

/* Whether a mapping's connection name is the connection's: by id, or by
 * name as the store compares names (case and surrounding spaces aside). */
static gboolean
names_connection (const char   *named,
                  SyConnection *connection)
{
  if (named == NULL)
    return FALSE;
  return g_str_equal (named, sy_connection_get_id (connection)) ||
         sy_connection_names_equal (named, sy_connection_get_name (connection));
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    SyConnectionPage *self)
{
  SyConnection *connection = g_object_get_data (G_OBJECT (dialog), "connection");

  if (g_str_equal (response, "remove") && connection != NULL)
    start_removal (self, connection);
}

static void
present_remove_dialog (SyConnectionPage *self,
                       SyConnection     *connection,
                       GPtrArray        *titles)
{
  g_autoptr(GString) body = g_string_new (NULL);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwMessageDialog *dialog;

  if (!GTK_IS_WINDOW (root))
    return;

  if (titles->len > 0)
    {
      g_string_append (body, ngettext ("This mapping uses it and will stop working until another connection is picked for it:",
                                       "These mappings use it and will stop working until another connection is picked for them:",
                                       titles->len));
      g_string_append (body, "\n");
      for (guint i = 0; i < titles->len; i++)
        g_string_append_printf (body, "\n• %s", (const char *) g_ptr_array_index (titles, i));
      g_string_append (body, "\n\n");
    }
  g_string_append (body, _("Its token, private key and certificate are deleted once the removal can no longer be undone, after a few seconds. Records in the connected system are not affected."));

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (root), NULL, NULL));
  adw_message_dialog_format_heading (dialog, _("Remove “%s”?"), sy_connection_get_name (connection));
  adw_message_dialog_set_body (dialog, body->str);
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "connection", g_object_ref (connection), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The asking, while the mapping library reads the folder again. */
typedef struct
{
  SyConnectionPage *self;
  GCancellable     *cancellable;
  SyConnection     *connection;
} RemoveAsk;

static void
remove_ask_free (RemoveAsk *ask)
{
  g_object_unref (ask->self);
  g_object_unref (ask->cancellable);
  g_object_unref (ask->connection);
  g_free (ask);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RemoveAsk, remove_ask_free)

static void
library_reloaded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(RemoveAsk) ask = user_data;
  SyConnectionPage *self = ask->self;
  GListModel *library = G_LIST_MODEL (source);
  g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);

  /* A folder that could not be read again still has its last listing. */
  sy_mapping_library_reload_finish (SY_MAPPING_LIBRARY (source), result, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connection.remove", self->connection != NULL);
  if (g_cancellable_is_cancelled (ask->cancellable) || ask->connection != self->connection)
    return;

  for (guint i = 0; i < g_list_model_get_n_items (library); i++)
    {
      g_autoptr(SyMappingLibraryItem) item = g_list_model_get_item (library, i);
      const char *title = sy_mapping_library_item_get_title (item);

      if (!names_connection (sy_mapping_library_item_get_source_connection (item), ask->connection) &&
          !names_connection (sy_mapping_library_item_get_target_connection (item), ask->connection))
        continue;
      if (title != NULL && *title != '\0')
        g_ptr_array_add (titles, g_strdup (title));
      else
        g_ptr_array_add (titles, g_file_get_basename (sy_mapping_library_item_get_file (item)));
    }
  present_remove_dialog (self, ask->connection, titles);
}

/* Asks first, naming the mappings that use the connection. */
static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SyConnectionPage *self = SY_CONNECTION_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  SyMappingLibrary *library = SY_IS_APPLICATION (app) ? sy_application_get_mapping_library (SY_APPLICATION (app)) : NULL;
  RemoveAsk *ask;

  if (self->connection == NULL || self->lookup_cancellable == NULL)
    return;
  if (library == NULL)
    {
      g_autoptr(GPtrArray) none = g_ptr_array_new ();

      present_remove_dialog (self, self->connection, none);
      return;
    }

  ask = g_new0 (RemoveAsk, 1);
  ask->self = g_object_ref (self);
  ask->cancellable = g_object_ref (self->lookup_cancellable);
  ask->connection = g_object_ref (self->connection);
  /* Once at a time: a second Delete while the folder is read is no
   * second dialog. Read again rather than trusted: a file saved a moment
   * ago may not have reached the file monitor yet. */
  gtk_widget_action_set_enabled (widget, "connection.remove", FALSE);
  sy_mapping_library_reload_async (library, ask->cancellable, library_reloaded_cb, ask);
}

static void
sy_connection_page_dispose (GObject *object)
{
  SyConnectionPage *self = SY_CONNECTION_PAGE (object);

  g_cancellable_cancel (self->lookup_cancellable);
  g_cancellable_cancel (self->test_cancellable);
  g_cancellable_cancel (self->keeper_cancellable);
  g_clear_handle_id (&self->tick_source, g_source_remove);
  /* The Undo goes with the page that offered it. */
  if (pending_removals != NULL)
    {
      g_autoptr(GPtrArray) all = g_ptr_array_copy (pending_removals, (GCopyFunc) pending_removal_ref, NULL);

      g_ptr_array_set_free_func (all, (GDestroyNotify) pending_removal_unref);
      for (guint i = 0; i < all->len; i++)
        {
          PendingRemoval *pending = g_ptr_array_index (all, i);

          /* Its toast is taken away with it, unless the overlay that
           * shows it is going too. */
          if (pending->owner == (gconstpointer) self)
            pending_removal_forget (pending, gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY) == NULL);
        }
    }
  g_clear_object (&self->removal_toast);
  if (self->view_stack != NULL)
    g_signal_handlers_disconnect_by_data (self->view_stack, self);
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
    case PROP_REMOVAL_TOAST:
      g_value_set_object (value, self->removal_toast);
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
  /* The toast offering to undo this page's last removal, while it does. */
  properties[PROP_REMOVAL_TOAST] =
    g_param_spec_object ("removal-toast", NULL, NULL, ADW_TYPE_TOAST,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SY_TYPE_RECORD_BROWSER);
  g_type_ensure (SY_TYPE_CERTIFICATE_PAGE);
  g_type_ensure (SY_TYPE_WEBHOOK_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-connection-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, status_group);
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
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, problem_secondary_button);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, certificate_stack_page);
  gtk_widget_class_bind_template_child (widget_class, SyConnectionPage, view_stack);
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
  gtk_widget_class_install_action (widget_class, "connection.remove", NULL, remove_action);
  /* Delete removes only where it cannot mean "delete a character": an
   * entry on the page takes the key first. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "connection.remove", NULL);
}

static void
sy_connection_page_init (SyConnectionPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connection.remove", FALSE);
  g_signal_connect_object (self->view_stack, "notify::visible-child",
                           G_CALLBACK (forget_stale_focus), self, G_CONNECT_SWAPPED);
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
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connection.remove", connection != NULL);
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
