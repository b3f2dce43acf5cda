/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include "sy-gui-test-util.h"
#include "sy-test-support.h"

/* The desktop file says DBusActivatable=true: the session bus starts
 * `switchyard --gapplication-service` (the installed service file's Exec)
 * and the shell calls Activate. Here the test plays the bus's part. */

#define OBJECT_PATH "/io/github/switchyard/Switchyard"

static char *
read_key (const char *path,
          const char *group,
          const char *key)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  char *value;

  g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  value = g_key_file_get_string (keyfile, group, key, &error);
  g_assert_no_error (error);
  return value;
}

/* The files that make the activation happen agree with each other. */
static void
test_service_file (void)
{
  g_autofree char *service = g_test_build_filename (G_TEST_BUILT, "..", "data", APP_ID ".service", NULL);
  g_autofree char *desktop = g_test_build_filename (G_TEST_BUILT, "..", "data", APP_ID ".desktop", NULL);
  g_autofree char *name = read_key (service, "D-BUS Service", "Name");
  g_autofree char *exec = read_key (service, "D-BUS Service", "Exec");
  g_autofree char *activatable = read_key (desktop, "Desktop Entry", "DBusActivatable");

  g_assert_cmpstr (name, ==, APP_ID);
  g_assert_true (g_str_has_prefix (exec, BINDIR "/switchyard "));
  g_assert_true (g_str_has_suffix (exec, " --gapplication-service"));
  g_assert_cmpstr (activatable, ==, "true");
}

/* A failed assertion must not leave the application running (and the
 * test runner waiting on its output). */
static void
die_with_test (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
name_has_owner (GDBusConnection *bus,
                const char      *name)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

/* The window's actions, as GtkApplication exports them once it has a
 * window (win.show-help-overlay among them); NULL while there is none. */
static GVariant *
list_window_actions (GDBusConnection *bus)
{
  return g_dbus_connection_call_sync (bus, APP_ID, OBJECT_PATH "/window/1", "org.gtk.Actions", "List",
                                      NULL, G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
}

static void
test_activate_over_dbus (void)
{
  g_autofree char *binary = g_test_build_filename (G_TEST_BUILT, "..", "src", "gui", "switchyard", NULL);
  g_autofree char *config_dir = sy_test_make_tmpdir ("switchyard-dbus-config");
  g_autofree char *state_dir = sy_test_make_tmpdir ("switchyard-dbus-state");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) app = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) actions = NULL;
  g_autoptr(GAsyncResult) exited = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **names = NULL;
  gint64 end;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (name_has_owner (bus, APP_ID));

  /* Its own folders, through the environment: --config-dir would make it
   * a separate, unregistered instance. */
  g_subprocess_launcher_setenv (launcher, "SWITCHYARD_CONFIG_DIR", config_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "SWITCHYARD_STATE_DIR", state_dir, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_test, NULL, NULL);
  /* Under AddressSanitizer: fontconfig's and Mesa's process-long caches
   * are no leaks of ours (as in sy-gui-test-util.c). */
  g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
  app = g_subprocess_launcher_spawn (launcher, &error, binary, "--gapplication-service", NULL);
  g_assert_no_error (error);

  /* As a service it waits on the bus, with no window yet. */
  SY_GUI_WAIT_FOR (name_has_owner (bus, APP_ID));
  actions = list_window_actions (bus);
  g_assert_null (actions);

  reply = g_dbus_connection_call_sync (bus, APP_ID, OBJECT_PATH, "org.freedesktop.Application", "Activate",
                                       g_variant_new_parsed ("(@a{sv} {},)"), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);

  /* Activate opened the main window. */
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while ((actions = list_window_actions (bus)) == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_usleep (50000);
    }
  g_variant_get (actions, "(^a&s)", &names);
  g_assert_true (g_strv_contains (names, "show-help-overlay"));

  /* app.quit over the bus ends it cleanly. */
  reply = g_dbus_connection_call_sync (bus, APP_ID, OBJECT_PATH, "org.gtk.Actions", "Activate",
                                       g_variant_new_parsed ("('quit', @av [], @a{sv} {})"), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (app, NULL, sy_test_store_result, &exited);
  sy_test_await (&exited);
  g_assert_true (g_subprocess_wait_finish (app, exited, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (app));
  g_assert_cmpint (g_subprocess_get_exit_status (app), ==, 0);

  sy_test_remove_tree (config_dir);
  sy_test_remove_tree (state_dir);
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/dbus-activation/service-file", test_service_file);
  g_test_add_func ("/gui/dbus-activation/activate", test_activate_over_dbus);

  return g_test_run ();
}
