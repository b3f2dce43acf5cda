/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-add-connection-dialog-private.h"
#include "sy-application-private.h"
#include "sy-connection.h"
#include "sy-gui-test-util.h"
#include "sy-preferences-window-private.h"
#include "sy-sync-settings.h"
#include "sy-sync-types.h"
#include "sy-test-support.h"
#include "sy-window-private.h"

typedef struct
{
  char          *config_dir;
  char          *state_dir;
  SyApplication *app;
  GSettings     *settings;
} Fixture;

static const char * const all_keys[] = {
  "sync-batch-size", "sync-delay-ms", "sync-concurrency", "sync-max-rps",
  "request-timeout", "notify-on-finish", "default-base-url",
  "run-in-background", "start-at-login",
};

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->config_dir = sy_test_make_tmpdir ("switchyard-prefs-config");
  fixture->state_dir = sy_test_make_tmpdir ("switchyard-prefs-state");
  fixture->app = sy_gui_test_start_app (fixture->config_dir, fixture->state_dir, FALSE);
  /* GSETTINGS_BACKEND=memory: what the window writes stays in this process. */
  fixture->settings = sy_application_get_settings (fixture->app);
  g_assert_nonnull (fixture->settings);
  g_object_ref (fixture->settings);
  for (gsize i = 0; i < G_N_ELEMENTS (all_keys); i++)
    g_settings_reset (fixture->settings, all_keys[i]);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  for (gsize i = 0; i < G_N_ELEMENTS (all_keys); i++)
    g_settings_reset (fixture->settings, all_keys[i]);
  g_clear_object (&fixture->settings);
  sy_gui_test_stop_app (fixture->app);
  sy_test_remove_tree (fixture->config_dir);
  sy_test_remove_tree (fixture->state_dir);
  g_free (fixture->config_dir);
  g_free (fixture->state_dir);
}

static SyPreferencesWindow *
find_preferences (SyApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (SY_IS_PREFERENCES_WINDOW (l->data))
      return l->data;
  return NULL;
}

/* app.preferences, as the menu item and Ctrl+, trigger it. */
static SyPreferencesWindow *
open_preferences (Fixture *fixture)
{
  SyPreferencesWindow *preferences;

  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "preferences", NULL);
  preferences = find_preferences (fixture->app);
  g_assert_nonnull (preferences);
  sy_gui_test_wait_frames (GTK_WIDGET (preferences), 2);
  return preferences;
}

static gboolean
strv_contains (const char * const *strv,
               const char         *text)
{
  return strv != NULL && g_strv_contains (strv, text);
}

static void
test_action_and_shortcut (Fixture       *fixture,
                          gconstpointer  data)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture->app), "app.preferences");
  SyPreferencesWindow *first, *second;

  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "preferences"));
  g_assert_true (strv_contains ((const char * const *) accels, "<Control>comma"));

  /* Asked for twice, it is the same window. */
  first = open_preferences (fixture);
  second = open_preferences (fixture);
  g_assert_true (first == second);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (first)) ==
                 GTK_WINDOW (sy_gui_test_get_window (fixture->app)));

  sy_gui_test_assert_buttons_labelled (GTK_WIDGET (first));
  for (gsize i = 0; i < G_N_ELEMENTS (all_keys); i++)
    {
      GtkWidget *control = sy_preferences_window_get_control (first, all_keys[i]);

      g_assert_nonnull (control);
      /* Every control has a name a screen reader can say. */
      if (!ADW_IS_ENTRY_ROW (control))
        g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL));
    }
}

/* Each row writes its key, and what the key holds is what the row shows;
 * a sync set up afterwards starts with the new defaults. */
static void
test_rows_change_settings (Fixture       *fixture,
                           gconstpointer  data)
{
  SyPreferencesWindow *preferences = open_preferences (fixture);
  GtkSpinButton *batch = GTK_SPIN_BUTTON (sy_preferences_window_get_control (preferences, "sync-batch-size"));
  GtkSpinButton *delay = GTK_SPIN_BUTTON (sy_preferences_window_get_control (preferences, "sync-delay-ms"));
  GtkSpinButton *concurrency = GTK_SPIN_BUTTON (sy_preferences_window_get_control (preferences, "sync-concurrency"));
  GtkSpinButton *rps = GTK_SPIN_BUTTON (sy_preferences_window_get_control (preferences, "sync-max-rps"));
  GtkSpinButton *timeout = GTK_SPIN_BUTTON (sy_preferences_window_get_control (preferences, "request-timeout"));
  GtkSwitch *notify = GTK_SWITCH (sy_preferences_window_get_control (preferences, "notify-on-finish"));
  SySyncOptions options;

  /* The window starts from the keys' values. */
  g_assert_cmpfloat (gtk_spin_button_get_value (batch), ==, 50);
  g_assert_cmpfloat (gtk_spin_button_get_value (timeout), ==, 30);
  g_assert_true (gtk_switch_get_active (notify));

  gtk_spin_button_set_value (batch, 80);
  gtk_spin_button_set_value (delay, 1200);
  gtk_spin_button_set_value (concurrency, 8);
  gtk_spin_button_set_value (rps, 2.5);
  gtk_spin_button_set_value (timeout, 12);
  gtk_switch_set_active (notify, FALSE);

  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "sync-batch-size"), ==, 80);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "sync-delay-ms"), ==, 1200);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "sync-concurrency"), ==, 8);
  g_assert_cmpfloat (g_settings_get_double (fixture->settings, "sync-max-rps"), ==, 2.5);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "request-timeout"), ==, 12);
  g_assert_false (g_settings_get_boolean (fixture->settings, "notify-on-finish"));

  sy_sync_options_init_from_settings (&options);
  g_assert_cmpuint (options.batch_size, ==, 80);
  g_assert_cmpuint (options.delay_ms, ==, 1200);
  g_assert_cmpuint (options.concurrency, ==, 8);
  g_assert_cmpfloat (options.max_rps, ==, 2.5);
  g_assert_cmpuint (options.timeout_s, ==, 12);

  /* The spin buttons keep to the engine's limits. */
  gtk_spin_button_set_value (batch, 500);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "sync-batch-size"), ==, SY_SYNC_BATCH_SIZE_MAX);
  gtk_spin_button_set_value (concurrency, 0);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "sync-concurrency"), ==, 1);

  /* A change made elsewhere (another window, gsettings) shows here. */
  g_settings_set_uint (fixture->settings, "sync-batch-size", 25);
  g_settings_set_boolean (fixture->settings, "notify-on-finish", TRUE);
  g_assert_cmpfloat (gtk_spin_button_get_value (batch), ==, 25);
  g_assert_true (gtk_switch_get_active (notify));

  gtk_window_destroy (GTK_WINDOW (preferences));
}

static GtkWidget *
find_button_with_icon (GtkWidget  *root,
                       const char *icon_name)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (root)), icon_name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_with_icon (child, icon_name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
type_text (GtkEditable *editable,
           const char  *text)
{
  gtk_editable_set_text (editable, text);
  sy_gui_test_iterate ();
}

/* Only a valid address is kept; an invalid one says why, where it was
 * typed, and new connections start with the kept one. */
static void
test_default_base_url (Fixture       *fixture,
                       gconstpointer  data)
{
  SyPreferencesWindow *preferences = open_preferences (fixture);
  GtkWidget *row = sy_preferences_window_get_control (preferences, "default-base-url");
  SyAddConnectionDialog *dialog;
  g_autofree char *stored = NULL;
  GtkWidget *reset;

  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, SY_DEFAULT_BASE_URL);
  g_assert_null (sy_preferences_window_get_base_url_error (preferences));

  type_text (GTK_EDITABLE (row), "ftp://files.example.com");
  g_assert_nonnull (sy_preferences_window_get_base_url_error (preferences));
  g_assert_nonnull (strstr (sy_preferences_window_get_base_url_error (preferences), "https://"));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  stored = g_settings_get_string (fixture->settings, "default-base-url");
  g_assert_cmpstr (stored, ==, SY_DEFAULT_BASE_URL);
  g_clear_pointer (&stored, g_free);

  type_text (GTK_EDITABLE (row), "http://127.0.0.1:8080");
  g_assert_null (sy_preferences_window_get_base_url_error (preferences));
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  stored = g_settings_get_string (fixture->settings, "default-base-url");
  g_assert_cmpstr (stored, ==, "http://127.0.0.1:8080");
  g_clear_pointer (&stored, g_free);

  /* A new connection starts there. */
  dialog = sy_window_open_add_connection_dialog (sy_gui_test_get_window (fixture->app));
  g_assert_cmpstr (gtk_editable_get_text (sy_add_connection_dialog_get_url_entry (dialog)), ==, "http://127.0.0.1:8080");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Reset brings back the built-in address, in the key and on screen. */
  type_text (GTK_EDITABLE (row), "not an address");
  g_assert_nonnull (sy_preferences_window_get_base_url_error (preferences));
  reset = find_button_with_icon (row, "edit-undo-symbolic");
  g_assert_nonnull (reset);
  g_assert_true (gtk_widget_get_sensitive (reset));
  g_signal_emit_by_name (reset, "clicked");
  g_assert_null (sy_preferences_window_get_base_url_error (preferences));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, SY_DEFAULT_BASE_URL);
  stored = g_settings_get_string (fixture->settings, "default-base-url");
  g_assert_cmpstr (stored, ==, SY_DEFAULT_BASE_URL);
  /* Nothing left to reset. */
  g_assert_false (gtk_widget_get_sensitive (reset));

  gtk_window_destroy (GTK_WINDOW (preferences));
}

/* The About window names the version, the licence and where to go. */
static void
test_about (Fixture       *fixture,
            gconstpointer  data)
{
  AdwAboutWindow *about = NULL;
  GListModel *toplevels = gtk_window_get_toplevels ();

  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "about", NULL);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && about == NULL; i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (window))
        about = ADW_ABOUT_WINDOW (window);
    }
  g_assert_nonnull (about);
  g_assert_cmpstr (adw_about_window_get_version (about), ==, PACKAGE_VERSION);
  g_assert_cmpint (adw_about_window_get_license_type (about), ==, GTK_LICENSE_GPL_3_0);
  g_assert_cmpstr (adw_about_window_get_website (about), ==, "https://github.com/switchyard/switchyard");
  g_assert_nonnull (adw_about_window_get_issue_url (about));
  g_assert_nonnull (adw_about_window_get_developers (about));
  gtk_window_destroy (GTK_WINDOW (about));
}


/* "Run in the background" holds the application: closing its last window
 * leaves it running (in g_application_run, which ends when nothing holds
 * the application) until app.quit. "Start at login" writes the autostart
 * file (outside Flatpak), only while running in the background. */
typedef struct
{
  SyApplication *app;
  gboolean       still_running;
} BackgroundRun;

static gboolean
fail_timeout (gpointer user_data)
{
  g_error ("The application did not quit");
  return G_SOURCE_REMOVE;
}

static gboolean
still_running_idle (gpointer user_data)
{
  BackgroundRun *run = user_data;

  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (run->app)));
  run->still_running = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
close_windows_idle (gpointer user_data)
{
  BackgroundRun *run = user_data;
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (run->app))) != NULL)
    gtk_window_close (GTK_WINDOW (windows->data));
  /* Runs only if the loop goes on without windows. */
  g_idle_add (still_running_idle, run);
  return G_SOURCE_REMOVE;
}

static void
test_run_in_background (Fixture       *fixture,
                        gconstpointer  data)
{
  SyPreferencesWindow *preferences = open_preferences (fixture);
  GtkSwitch *background = GTK_SWITCH (sy_preferences_window_get_control (preferences, "run-in-background"));
  GtkSwitch *login = GTK_SWITCH (sy_preferences_window_get_control (preferences, "start-at-login"));
  g_autofree char *autostart = sy_application_dup_autostart_path (fixture->app);
  g_autofree char *contents = NULL;
  g_autofree char *shot = NULL;
  BackgroundRun run = { fixture->app, FALSE };
  guint timeout;

  g_assert_false (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS));
  g_assert_false (sy_application_get_held_in_background (fixture->app));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (login)));

  gtk_switch_set_active (background, TRUE);
  g_assert_true (g_settings_get_boolean (fixture->settings, "run-in-background"));
  g_assert_true (sy_application_get_held_in_background (fixture->app));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (login)));
  g_assert_false (g_file_test (autostart, G_FILE_TEST_EXISTS));

  gtk_switch_set_active (login, TRUE);
  g_assert_true (g_file_get_contents (autostart, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, " --background\n"));
  g_assert_nonnull (strstr (contents, "Type=Application\n"));

  gtk_widget_grab_focus (GTK_WIDGET (login));
  sy_gui_test_wait_frames (GTK_WIDGET (preferences), 10);
  shot = sy_gui_test_screenshot (GTK_WIDGET (preferences), "preferences-background");
  g_clear_pointer (&shot, g_free);
  gtk_window_set_default_size (GTK_WINDOW (preferences), 360, 640);
  sy_gui_test_wait_frames (GTK_WIDGET (preferences), 20);
  gtk_widget_grab_focus (GTK_WIDGET (login));
  sy_gui_test_wait_frames (GTK_WIDGET (preferences), 10);
  shot = sy_gui_test_screenshot (GTK_WIDGET (preferences), "preferences-background-narrow");

  /* Off again: no autostart without the background. */
  gtk_switch_set_active (background, FALSE);
  g_assert_false (sy_application_get_held_in_background (fixture->app));
  g_assert_false (g_file_test (autostart, G_FILE_TEST_EXISTS));
  gtk_switch_set_active (background, TRUE);
  g_assert_true (g_file_test (autostart, G_FILE_TEST_EXISTS));

  /* The last window closed, the application still runs and answers. */
  timeout = g_timeout_add_seconds (120, fail_timeout, NULL);
  g_idle_add (close_windows_idle, &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (fixture->app), 0, NULL), ==, 0);
  g_source_remove (timeout);
  g_assert_true (run.still_running);
  g_assert_false (sy_application_get_held_in_background (fixture->app));

  g_settings_reset (fixture->settings, "start-at-login");
  g_assert_false (g_file_test (autostart, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add ("/gui/preferences/action-and-shortcut", Fixture, NULL,
              fixture_set_up, test_action_and_shortcut, fixture_tear_down);
  g_test_add ("/gui/preferences/rows-change-settings", Fixture, NULL,
              fixture_set_up, test_rows_change_settings, fixture_tear_down);
  g_test_add ("/gui/preferences/default-base-url", Fixture, NULL,
              fixture_set_up, test_default_base_url, fixture_tear_down);
  g_test_add ("/gui/preferences/about", Fixture, NULL,
              fixture_set_up, test_about, fixture_tear_down);
  g_test_add ("/gui/preferences/run-in-background", Fixture, NULL,
              fixture_set_up, test_run_in_background, fixture_tear_down);

  return g_test_run ();
}
