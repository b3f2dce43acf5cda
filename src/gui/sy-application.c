/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <signal.h>

#include "sy-application-private.h"
#include "sy-catalogue.h"
#include "sy-mapping-editor.h"
#include "sy-paths.h"
#include "sy-preferences-window.h"
#include "sy-signature-checker.h"
#include "sy-sync-history-list.h"
#include "sy-run-panel.h"
#include "sy-sync-settings.h"
#include "sy-webhook-settings.h"
#include "sy-window.h"

#define SY_WEBSITE "https://github.com/switchyard/switchyard"

struct _SyApplication
{
  AdwApplication     parent_instance;

  char              *config_dir;
  char              *state_dir;
  gboolean           demo_mode;

  SyConnectionStore *connections;
  SySecretStore     *secrets;
  SyStateStore      *state;
  SyWebhookReceivers *webhook_receivers;
  GError            *load_error;
  GSettings         *settings;

  SyDemo            *demo;
  GError            *demo_error;
  gboolean           demo_done;

  guint              signal_sources[2];

  gboolean           background_start;  /* --background: no window at first */
  gboolean           held;              /* held for "run-in-background" */

  SyAutomation      *automation;
  GCancellable      *cancellable;
  guint              n_stopping;        /* automations stopping */
  gboolean           reload_pending;    /* a reload waits for one to stop */
};

G_DEFINE_FINAL_TYPE (SyApplication, sy_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_CONFIG_DIR,
  PROP_STATE_DIR,
  PROP_DEMO,
  PROP_SECRET_STORE,
  PROP_AUTOMATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const GOptionEntry option_entries[] = {
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Start on the embedded demo: a local server with sample data"), NULL },
  { "config-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Read connections from DIR instead of the default configuration folder"), N_("DIR") },
  { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Keep runs and checkpoints in DIR instead of the default state folder"), N_("DIR") },
  { "background", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Start without a window, running mappings on their schedules (as at login)"), NULL },
  { NULL }
};

static SyWindow *
get_main_window (SyApplication *self)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  for (GList *l = windows; l != NULL; l = l->next)
    if (SY_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
set_secret_store (SyApplication *self,
                  SySecretStore *secrets)
{
  if (g_set_object (&self->secrets, secrets))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECRET_STORE]);
}

/* The demo */

static void
demo_tokens_in_memory_cb (SyApplication *self)
{
  /* Switch before the demo adds its connections, so that every lookup of
   * their tokens goes where the tokens are. */
  set_secret_store (self, sy_demo_get_secret_store (self->demo));
}

static void
demo_started_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SyApplication) self = user_data;
  g_autoptr(GError) mapping_error = NULL;
  SyWindow *window;

  sy_demo_start_finish (SY_DEMO (source), result, &self->demo_error);
  if (self->demo_error != NULL)
    g_message ("The demo could not start: %s", self->demo_error->message);

  self->demo_done = TRUE;
  /* The demo comes with a mapping between its two connections. */
  if (self->demo_error == NULL && !sy_mapping_editor_install_demo_mapping_for (self, &mapping_error))
    g_message ("The demo mapping could not be installed: %s", mapping_error->message);
  window = get_main_window (self);
  if (window != NULL)
    sy_window_demo_ready (window, self->demo, self->demo_error);
  g_application_release (G_APPLICATION (self));
}

static void
start_demo (SyApplication *self)
{
  SyWindow *window = get_main_window (self);

  if (self->demo != NULL || self->demo_error != NULL)
    return;

  self->demo = sy_demo_new (self->connections, self->secrets);
  g_signal_connect_object (self->demo, "notify::tokens-in-memory",
                           G_CALLBACK (demo_tokens_in_memory_cb), self, G_CONNECT_SWAPPED);
  if (window != NULL)
    sy_window_demo_starting (window);

  g_application_hold (G_APPLICATION (self));
  sy_demo_start_async (self->demo, NULL, demo_started_cb, g_object_ref (self));
}

static void
demo_stopped_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  if (!sy_demo_stop_finish (SY_DEMO (source), result, &error))
    g_message ("The demo tokens could not all be deleted from the keyring: %s", error->message);
  *done = TRUE;
}

/* Automation: the mappings of mappings/ on their schedules and on
 * changes, as `switchyard-cli serve` runs them (docs/architecture.md §6). */

static void load_automation (SyApplication *self);

/* An automated run that failed, or ended with failed records, is told in
 * a notification whose action opens the run: nobody watched it. */
static void
automation_run_finished_cb (SyAutomation  *automation,
                            SyMapping     *mapping,
                            const char    *cause,
                            SySyncRun     *run,
                            GError        *error,
                            SyApplication *self)
{
  const char *filename = sy_mapping_get_filename (mapping);
  g_autofree char *basename = filename != NULL ? g_path_get_basename (filename) : NULL;
  const char *name = sy_mapping_get_name (mapping) != NULL ? sy_mapping_get_name (mapping)
                     : basename != NULL ? basename : "";
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      (run != NULL && run->state == SY_SYNC_RUN_STATE_STOPPED) ||
      (run != NULL && run->state == SY_SYNC_RUN_STATE_FINISHED && run->failed == 0))
    return;

  if (run != NULL && run->state == SY_SYNC_RUN_STATE_FINISHED)
    {
      /* Translators: a mapping's name */
      title = g_strdup_printf (_("“%s” Synced With Failed Records"), name);
      /* Translators: why the run started ("Scheduled", "On changes"), then how many records failed */
      body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s: %llu record failed", "%s: %llu records failed",
                                           run->failed > G_MAXULONG ? G_MAXULONG : (gulong) run->failed),
                              sy_sync_history_list_get_cause_label (cause), (unsigned long long) run->failed);
    }
  else
    {
      const char *reason = error != NULL ? error->message
                           : run != NULL && run->message != NULL ? run->message
                           : run != NULL ? sy_sync_run_state_get_label (run->state) : "";

      /* Translators: a mapping's name */
      title = g_strdup_printf (_("“%s” Could Not Sync"), name);
      /* Translators: why the run started ("Scheduled", "On changes"), then why it failed */
      body = g_strdup_printf (_("%s: %s"), sy_sync_history_list_get_cause_label (cause), reason);
    }

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  if (filename != NULL)
    {
      g_notification_set_default_action_and_target (notification, "app.show-run", "(sx)",
                                                    filename, run != NULL ? run->id : (gint64) 0);
      g_notification_add_button_with_target (notification, _("Show Run"), "app.show-run", "(sx)",
                                             filename, run != NULL ? run->id : (gint64) 0);
    }
  id = g_strdup_printf ("automation-%s", filename != NULL ? filename : name);
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

static void
automation_started_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!sy_automation_start_finish (SY_AUTOMATION (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("The automation could not start: %s", error->message);
}

static void
automation_stopped_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(SyApplication) self = user_data;

  sy_automation_stop_finish (SY_AUTOMATION (source), result, NULL);
  self->n_stopping--;
  /* The old one's runs stopped after their batch, their pairs' locks are
   * free: the new one resumes them. */
  if (self->n_stopping == 0 && self->reload_pending)
    {
      self->reload_pending = FALSE;
      load_automation (self);
    }
}

static void
stop_automation (SyApplication *self)
{
  g_autoptr(SyAutomation) automation = g_steal_pointer (&self->automation);

  if (automation == NULL)
    return;
  self->n_stopping++;
  sy_automation_stop_async (automation, automation_stopped_cb, g_object_ref (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOMATION]);
}

/* A file that cannot be used is reported and left out: the others still run. */
static void
load_automation (SyApplication *self)
{
  g_autofree char *dir = NULL;
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GError) error = NULL;

  if (self->state == NULL || self->automation != NULL)
    return;

  self->automation = sy_automation_new (self->state, self->connections, self->secrets, NULL);
  g_signal_connect_object (self->automation, "run-finished",
                           G_CALLBACK (automation_run_finished_cb), self, 0);
  dir = g_build_filename (self->config_dir, "mappings", NULL);
  paths = sy_mapping_list_files (dir, &error);
  if (paths == NULL)
    g_message ("%s", error->message);
  for (guint i = 0; paths != NULL && i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(SyMapping) mapping = NULL;
      g_autoptr(GError) mapping_error = NULL;

      mapping = sy_mapping_load_file (path, &mapping_error);
      if (mapping != NULL && !sy_mapping_validate (mapping, sy_catalogue_get_default (), &mapping_error))
        g_clear_object (&mapping);
      if (mapping == NULL)
        {
          g_message ("%s: left out of the automation: %s", path, mapping_error->message);
          continue;
        }
      if (sy_mapping_has_automation (mapping))
        sy_automation_add_mapping (self->automation, mapping);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOMATION]);
  sy_automation_start_async (self->automation, self->cancellable, automation_started_cb, NULL);
}

void
sy_application_reload_automation (SyApplication *self)
{
  g_return_if_fail (SY_IS_APPLICATION (self));

  if (self->state == NULL)
    return;
  self->reload_pending = TRUE;
  stop_automation (self);
  if (self->n_stopping == 0)
    {
      self->reload_pending = FALSE;
      load_automation (self);
    }
}

/* Running in the background: with "run-in-background" the application
 * holds itself, so that closing the last window leaves the automation
 * running; with "start-at-login" as well it starts at login, through the
 * Background portal inside Flatpak and an autostart file outside. */

static gboolean
in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

static void
background_requested_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("The Background portal refused: %s", error->message);
}

/* The portal answers with a request whose outcome the user decides; what
 * it grants is remembered by the portal, so asking again is harmless. */
static void
request_background_portal (SyApplication *self,
                           gboolean       autostart)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));
  const char *commandline[] = { "switchyard", "--background", NULL };
  GVariantBuilder options;

  if (bus == NULL)
    return;
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Run mappings on their schedules and on changes")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (autostart));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  g_dbus_connection_call (bus, "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                          "org.freedesktop.portal.Background", "RequestBackground",
                          g_variant_new ("(sa{sv})", "", &options), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, background_requested_cb, NULL);
}

char *
sy_application_dup_autostart_path (SyApplication *self)
{
  g_autofree char *name = g_strconcat (g_application_get_application_id (G_APPLICATION (self)), ".desktop", NULL);

  return g_build_filename (g_get_user_config_dir (), "autostart", name, NULL);
}

static void
update_autostart_file (SyApplication *self,
                       gboolean       autostart)
{
  g_autofree char *path = sy_application_dup_autostart_path (self);
  g_autoptr(GError) error = NULL;

  if (autostart)
    {
      g_autofree char *dir = g_path_get_dirname (path);
      g_autofree char *contents =
        g_strdup_printf ("[Desktop Entry]\n"
                         "Type=Application\n"
                         "Name=Switchyard\n"
                         "Exec=%s --background\n"
                         "Icon=%s\n"
                         "NoDisplay=true\n"
                         "X-GNOME-Autostart-enabled=true\n",
                         g_get_prgname () != NULL ? g_get_prgname () : "switchyard", APP_ID);

      if (g_mkdir_with_parents (dir, 0700) != 0 ||
          !g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
        g_message ("%s could not be written: %s", path, error != NULL ? error->message : g_strerror (errno));
    }
  else if (g_unlink (path) != 0 && errno != ENOENT)
    g_message ("%s could not be removed: %s", path, g_strerror (errno));
}

static void
background_settings_changed_cb (SyApplication *self)
{
  gboolean background = g_settings_get_boolean (self->settings, "run-in-background");
  gboolean autostart = background && g_settings_get_boolean (self->settings, "start-at-login");

  if (background && !self->held)
    g_application_hold (G_APPLICATION (self));
  else if (!background && self->held)
    g_application_release (G_APPLICATION (self));
  self->held = background;

  /* Turned off, it is asked again with autostart off: the portal keeps
   * the last answer, and would go on starting Switchyard at login. */
  if (in_flatpak ())
    request_background_portal (self, autostart);
  else
    update_autostart_file (self, autostart);
}

gboolean
sy_application_get_held_in_background (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), FALSE);
  return self->held;
}

/* Actions */

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  SyApplication *self = user_data;
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));

  /* Closing (rather than destroying) lets each window save its size. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free (windows);
  /* A window that asked about unsaved changes stays, and so does the application. */
  if (gtk_application_get_windows (GTK_APPLICATION (self)) == NULL)
    g_application_quit (G_APPLICATION (self));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  SyApplication *self = user_data;
  const char *developers[] = { "The Switchyard developers " SY_WEBSITE, NULL };

  adw_show_about_window (GTK_WINDOW (get_main_window (self)),
                         "application-name", _("Switchyard"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", _("The Switchyard developers"),
                         "developers", developers,
                         "comments", _("Connect warehouse, ERP and maintenance systems through one integration API, keep their tokens in the keyring and browse their records."),
                         "website", SY_WEBSITE,
                         "issue-url", SY_WEBSITE "/issues",
                         "copyright", "© 2026 The Switchyard developers",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

SyPreferencesWindow *
sy_application_show_preferences (SyApplication *self)
{
  GtkWindow *parent;
  SyPreferencesWindow *preferences;

  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);

  if (self->settings == NULL)
    return NULL;

  /* One preferences window, brought forward when asked for again. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (SY_IS_PREFERENCES_WINDOW (l->data))
      {
        gtk_window_present (l->data);
        return l->data;
      }

  parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  preferences = sy_preferences_window_new (parent, self->settings);
  gtk_window_set_application (GTK_WINDOW (preferences), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (preferences));

  return preferences;
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  sy_application_show_preferences (SY_APPLICATION (user_data));
}

SySignatureChecker *
sy_application_show_signature_checker (SyApplication *self)
{
  SySignatureChecker *checker;

  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);

  /* One checker, brought forward when asked for again, with what was
   * typed into it. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (SY_IS_SIGNATURE_CHECKER (l->data))
      {
        gtk_window_present (l->data);
        return l->data;
      }

  checker = sy_signature_checker_new (gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_set_application (GTK_WINDOW (checker), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (checker));

  return checker;
}

static void
check_signature_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  sy_application_show_signature_checker (SY_APPLICATION (user_data));
}

/* A notification's "Show Run": the Sync window of the mapping, on the run. */
static void
show_run_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  SyApplication *self = user_data;
  const char *path;
  gint64 run_id;
  g_autoptr(GFile) file = NULL;
  GtkWindow *window;

  g_variant_get (parameter, "(&sx)", &path, &run_id);
  file = g_file_new_for_path (path);
  window = sy_run_panel_present_in_window (self, file);
  sy_run_panel_reveal_run (g_object_get_data (G_OBJECT (window), "sy-run-panel"), run_id);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  { "check-signature", check_signature_activated, NULL, NULL, NULL, { 0 } },
  { "show-run", show_run_activated, "(sx)", NULL, NULL, { 0 } },
};

/* Ctrl+C in the terminal or a polite kill ends the application as
 * app.quit does, so that the demo still clears its tokens on the way out. */
static gboolean
quit_on_signal (gpointer user_data)
{
  g_action_group_activate_action (G_ACTION_GROUP (user_data), "quit", NULL);
  return G_SOURCE_CONTINUE;
}

/* GApplication */

static int
sy_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  SyApplication *self = SY_APPLICATION (application);
  const char *dir = NULL;
  gboolean separate = FALSE;

  if (g_variant_dict_contains (options, "demo"))
    {
      self->demo_mode = TRUE;
      separate = TRUE;
    }
  if (g_variant_dict_lookup (options, "config-dir", "^&ay", &dir))
    {
      g_free (self->config_dir);
      self->config_dir = g_canonicalize_filename (dir, NULL);
      separate = TRUE;
    }
  if (g_variant_dict_contains (options, "background"))
    self->background_start = TRUE;
  if (g_variant_dict_lookup (options, "state-dir", "^&ay", &dir))
    {
      g_free (self->state_dir);
      self->state_dir = g_canonicalize_filename (dir, NULL);
      separate = TRUE;
    }

  /* Another configuration (or the demo) is another application: do not
   * hand these options to an instance that is already running. */
  if (separate)
    g_application_set_flags (application,
                             g_application_get_flags (application) | G_APPLICATION_NON_UNIQUE);

  return -1;
}

static void
receivers_started_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  /* Each failure was logged and is shown on its connection's page. */
  sy_webhook_receivers_start_enabled_finish (SY_WEBHOOK_RECEIVERS (source), result, NULL);
}

/* The receivers turned on in the Webhooks tab run again, with or without
 * a window (started at login with --background). */
static void
start_enabled_receivers (SyApplication *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  gboolean any = FALSE;

  for (guint i = 0; i < n && !any; i++)
    {
      g_autoptr(SyConnection) connection = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      any = sy_webhook_settings_get_receiver (connection, NULL, NULL);
    }
  if (!any || sy_application_get_webhook_receivers (self) == NULL)
    return;
  sy_webhook_receivers_start_enabled_async (self->webhook_receivers, self->connections, self->secrets,
                                            self->cancellable, receivers_started_cb, NULL);
}

static void
sy_application_startup (GApplication *application)
{
  SyApplication *self = SY_APPLICATION (application);
  const char *refresh_accels[] = { "F5", "<Control>r", NULL };
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *add_accels[] = { "<Control>n", NULL };
  const char *help_accels[] = { "<Control>question", NULL };
  const char *back_accels[] = { "<Alt>Left", NULL };
  const char *mappings_accels[] = { "<Control>m", NULL };
  const char *update_token_accels[] = { "<Control>u", NULL };
  const char *reconnect_accels[] = { "<Shift><Control>u", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };
  const char *check_signature_accels[] = { "<Shift><Control>k", NULL };

  G_APPLICATION_CLASS (sy_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  self->signal_sources[0] = g_unix_signal_add (SIGINT, quit_on_signal, self);
  self->signal_sources[1] = g_unix_signal_add (SIGTERM, quit_on_signal, self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.add-connection", add_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.refresh", refresh_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay", help_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.go-back", back_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-mappings", mappings_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.update-token", update_token_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.reconnect-connection", reconnect_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.check-signature", check_signature_accels);

  /* Without the schema (the build tree, no GSETTINGS_SCHEMA_DIR) there is
   * nothing to keep preferences in: the built-in defaults apply. */
  self->settings = sy_settings_new_if_installed ();
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "preferences")),
                               self->settings != NULL);
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::run-in-background",
                               G_CALLBACK (background_settings_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->settings, "changed::start-at-login",
                               G_CALLBACK (background_settings_changed_cb), self, G_CONNECT_SWAPPED);
      if (g_settings_get_boolean (self->settings, "run-in-background"))
        {
          g_application_hold (application);
          self->held = TRUE;
        }
    }

  if (self->demo_mode && (self->config_dir == NULL || self->state_dir == NULL))
    {
      g_autofree char *config_dir = NULL;
      g_autofree char *state_dir = NULL;

      if (sy_demo_prepare_dirs (NULL, &config_dir, &state_dir, &self->demo_error))
        {
          g_free (self->config_dir);
          g_free (self->state_dir);
          self->config_dir = g_steal_pointer (&config_dir);
          self->state_dir = g_steal_pointer (&state_dir);
        }
    }

  if (self->config_dir == NULL)
    self->config_dir = sy_paths_get_default_config_dir ();
  if (self->state_dir == NULL)
    self->state_dir = sy_paths_get_default_state_dir ();

  self->connections = sy_connection_store_new (self->config_dir);
  if (!sy_connection_store_load (self->connections, &self->load_error))
    g_message ("%s", self->load_error->message);

  if (self->secrets == NULL)
    {
      self->secrets = sy_secret_store_new ();
      /* The demo promises data within seconds: a keyring that hangs on an
       * unseen unlock prompt is given less time before memory stands in. */
      if (self->demo_mode)
        sy_secret_store_set_timeout (self->secrets, 5000);
    }

  /* Without state.db certificates cannot be kept; everything else works. */
  {
    g_autoptr(GError) state_error = NULL;

    self->state = sy_state_store_open (self->state_dir, &state_error);
    if (self->state == NULL)
      g_message ("%s", state_error->message);
  }

  load_automation (self);
  start_enabled_receivers (self);
}

static void
sy_application_activate (GApplication *application)
{
  SyApplication *self = SY_APPLICATION (application);
  SyWindow *window = get_main_window (self);

  /* Started at login: the automation runs, a window opens when asked. */
  if (self->background_start && window == NULL)
    {
      self->background_start = FALSE;
      if (self->held)
        return;
    }
  self->background_start = FALSE;

  if (window == NULL)
    window = sy_window_new (self);
  gtk_window_present (GTK_WINDOW (window));

  if (self->demo_mode && self->demo == NULL)
    {
      if (self->demo_error != NULL)
        sy_window_demo_ready (window, NULL, self->demo_error);
      else
        start_demo (self);
    }
}

static void
sy_application_shutdown (GApplication *application)
{
  SyApplication *self = SY_APPLICATION (application);

  /* The demo's tokens must not outlive it in the keyring. The secret store
   * bounds each call with a timeout, so this wait ends. */
  if (self->demo != NULL && self->demo_done)
    {
      gboolean done = FALSE;

      sy_demo_stop_async (self->demo, NULL, demo_stopped_cb, &done);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
    }

  for (guint i = 0; i < G_N_ELEMENTS (self->signal_sources); i++)
    g_clear_handle_id (&self->signal_sources[i], g_source_remove);

  if (self->held)
    {
      self->held = FALSE;
      g_application_release (application);
    }

  /* No delivery is taken that nothing would act on; the sender retries. */
  if (self->webhook_receivers != NULL)
    sy_webhook_receivers_stop_all (self->webhook_receivers);

  /* As serve stops: no new run, the running ones after their batch in
   * flight (they resume at the next start). */
  self->reload_pending = FALSE;
  stop_automation (self);
  while (self->n_stopping > 0)
    g_main_context_iteration (NULL, TRUE);

  G_APPLICATION_CLASS (sy_application_parent_class)->shutdown (application);
}

/* GObject */

static void
sy_application_dispose (GObject *object)
{
  SyApplication *self = SY_APPLICATION (object);

  for (guint i = 0; i < G_N_ELEMENTS (self->signal_sources); i++)
    g_clear_handle_id (&self->signal_sources[i], g_source_remove);
  g_cancellable_cancel (self->cancellable);
  /* Without a shutdown (a test's application): no run outlives it for
   * long. Stopping twice cancels the requests in flight. */
  if (self->automation != NULL)
    {
      sy_automation_stop_async (self->automation, NULL, NULL);
      sy_automation_stop_async (self->automation, NULL, NULL);
    }
  g_clear_object (&self->automation);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->demo);
  g_clear_object (&self->webhook_receivers);
  g_clear_object (&self->connections);
  g_clear_object (&self->secrets);
  g_clear_object (&self->state);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sy_application_parent_class)->dispose (object);
}

static void
sy_application_finalize (GObject *object)
{
  SyApplication *self = SY_APPLICATION (object);

  g_free (self->config_dir);
  g_free (self->state_dir);
  g_clear_error (&self->load_error);
  g_clear_error (&self->demo_error);

  G_OBJECT_CLASS (sy_application_parent_class)->finalize (object);
}

static void
sy_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SyApplication *self = SY_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_CONFIG_DIR:
      g_value_set_string (value, self->config_dir);
      break;
    case PROP_STATE_DIR:
      g_value_set_string (value, self->state_dir);
      break;
    case PROP_DEMO:
      g_value_set_boolean (value, self->demo_mode);
      break;
    case PROP_SECRET_STORE:
      g_value_set_object (value, self->secrets);
      break;
    case PROP_AUTOMATION:
      g_value_set_object (value, self->automation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_application_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SyApplication *self = SY_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_CONFIG_DIR:
      g_free (self->config_dir);
      self->config_dir = g_value_dup_string (value);
      break;
    case PROP_STATE_DIR:
      g_free (self->state_dir);
      self->state_dir = g_value_dup_string (value);
      break;
    case PROP_DEMO:
      self->demo_mode = g_value_get_boolean (value);
      break;
    case PROP_SECRET_STORE:
      set_secret_store (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_application_class_init (SyApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = sy_application_dispose;
  object_class->finalize = sy_application_finalize;
  object_class->get_property = sy_application_get_property;
  object_class->set_property = sy_application_set_property;

  app_class->handle_local_options = sy_application_handle_local_options;
  app_class->startup = sy_application_startup;
  app_class->activate = sy_application_activate;
  app_class->shutdown = sy_application_shutdown;

  properties[PROP_CONFIG_DIR] =
    g_param_spec_string ("config-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE_DIR] =
    g_param_spec_string ("state-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEMO] =
    g_param_spec_boolean ("demo", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* Settable so that a test can hand in, say, an in-memory store. */
  properties[PROP_SECRET_STORE] =
    g_param_spec_object ("secret-store", NULL, NULL, SY_TYPE_SECRET_STORE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_AUTOMATION] =
    g_param_spec_object ("automation", NULL, NULL, SY_TYPE_AUTOMATION,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_application_init (SyApplication *self)
{
  self->cancellable = g_cancellable_new ();
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Connect business systems and browse their records."));
}

SyApplication *
sy_application_new (void)
{
  return g_object_new (SY_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/switchyard/Switchyard",
                       NULL);
}

SyConnectionStore *
sy_application_get_connection_store (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);
  return self->connections;
}

SyStateStore *
sy_application_get_state_store (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);

  return self->state;
}

/* A connection removed while its receiver ran: nothing may take its
 * deliveries any more. */
static void
connections_changed_cb (SyApplication *self,
                        guint          position,
                        guint          removed,
                        guint          added,
                        GListModel    *model)
{
  if (removed > 0 && self->webhook_receivers != NULL)
    sy_webhook_receivers_stop_removed (self->webhook_receivers, self->connections);
}

static void
automation_changed_cb (SyApplication *self,
                       GParamSpec    *pspec,
                       gpointer       user_data)
{
  if (self->webhook_receivers != NULL)
    sy_webhook_receivers_set_automation (self->webhook_receivers, self->automation);
}

SyWebhookReceivers *
sy_application_get_webhook_receivers (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);

  /* Made on first use: most sessions never start a receiver. Their
   * accepted events go to whichever automation the application has now
   * (a saved mapping replaces it). */
  if (self->webhook_receivers == NULL && self->state != NULL)
    {
      self->webhook_receivers = sy_webhook_receivers_new (self->state, sy_catalogue_get_default ());
      sy_webhook_receivers_set_automation (self->webhook_receivers, self->automation);
      g_signal_connect (self, "notify::automation", G_CALLBACK (automation_changed_cb), NULL);
      g_signal_connect_object (self->connections, "items-changed", G_CALLBACK (connections_changed_cb),
                               self, G_CONNECT_SWAPPED);
    }
  return self->webhook_receivers;
}

SySecretStore *
sy_application_get_secret_store (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);
  return self->secrets;
}

const char *
sy_application_get_config_dir (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);
  return self->config_dir;
}

const char *
sy_application_get_state_dir (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);
  return self->state_dir;
}

gboolean
sy_application_get_demo_mode (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), FALSE);
  return self->demo_mode;
}

SyDemo *
sy_application_get_demo (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);
  return self->demo;
}

GSettings *
sy_application_get_settings (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);
  return self->settings;
}

const GError *
sy_application_get_load_error (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);
  return self->load_error;
}

SyAutomation *
sy_application_get_automation (SyApplication *self)
{
  g_return_val_if_fail (SY_IS_APPLICATION (self), NULL);
  return self->automation;
}
