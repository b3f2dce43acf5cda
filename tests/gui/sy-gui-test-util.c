/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "sy-gui-test-util.h"
#include "sy-test-support.h"

/* Under AddressSanitizer, no leak report for GUI tests: fontconfig keeps
 * its caches for the life of the process on purpose, and Mesa's driver,
 * once unloaded, leaves a block of its one-time set-up whose stack cannot
 * be told apart (the module is gone). The core tests keep leak checking. */
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "detect_leaks=0";
}

void
sy_gui_test_init (int    *argc,
                  char ***argv)
{
  g_test_init (argc, argv, NULL);

  /* Subprocesses are for tests of a desktop without a keyring: no session
   * bus at all, hence no Secret Service (and no accessibility bus). */
  if (g_test_subprocess ())
    {
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/switchyard-test-bus", TRUE);
      g_setenv ("GTK_A11Y", "none", TRUE);
    }

  if (!gtk_init_check ())
    {
      /* Not a skip: where these tests run, a display must be there. */
      g_print ("Bail out! Cannot open a display (DISPLAY=%s): GUI tests run under build-aux/test.sh\n",
               g_getenv ("DISPLAY") ? g_getenv ("DISPLAY") : "(unset)");
      exit (1);
    }
  adw_init ();
}

static gboolean
wake_up (gpointer user_data)
{
  gboolean *fired = user_data;

  *fired = TRUE;
  return G_SOURCE_REMOVE;
}

void
sy_gui_test_iterate (void)
{
  gboolean fired = FALSE;
  guint source = g_timeout_add (20, wake_up, &fired);

  g_main_context_iteration (NULL, TRUE);
  if (!fired)
    g_source_remove (source);
}

void
sy_gui_test_wait_until (gboolean   (*condition) (gpointer user_data),
                        gpointer     user_data,
                        guint        timeout_s,
                        const char  *what)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!condition (user_data))
    {
      if (g_get_monotonic_time () > end)
        g_error ("Timed out after %u s waiting for %s", timeout_s, what);
      sy_gui_test_iterate ();
    }
}

gpointer
sy_gui_test_get_child (gpointer    widget,
                       GType       template_type,
                       const char *name)
{
  GObject *child;

  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (widget, template_type));
  child = gtk_widget_get_template_child (GTK_WIDGET (widget), template_type, name);
  if (child == NULL)
    g_error ("%s has no template child “%s”", g_type_name (template_type), name);
  return child;
}

const char *
sy_gui_test_get_stack_page (gpointer    widget,
                            GType       template_type,
                            const char *name)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (sy_gui_test_get_child (widget, template_type, name)));
}

gboolean
sy_gui_test_get_boolean (gpointer    object,
                         const char *property)
{
  gboolean value = FALSE;

  g_object_get (object, property, &value, NULL);
  return value;
}

static gboolean
only_caller_holds (gpointer user_data)
{
  return G_OBJECT (user_data)->ref_count == 1;
}

void
sy_gui_test_destroy_window (gpointer window)
{
  g_assert_true (GTK_IS_WINDOW (window));
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  /* Cancelled operations still hold the window until their callbacks
   * have run; anything that holds it for longer is a leak. */
  sy_gui_test_wait_until (only_caller_holds, window, 30, "the window's last reference");
  g_assert_finalize_object (window);
}

static gboolean
count_frame (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       user_data)
{
  guint *frames = user_data;

  (*frames)++;
  return G_SOURCE_CONTINUE;
}

void
sy_gui_test_wait_frames (GtkWidget *widget,
                         guint      n_frames)
{
  guint frames = 0;
  guint id;

  SY_GUI_WAIT_FOR (gtk_widget_get_mapped (widget));
  id = gtk_widget_add_tick_callback (widget, count_frame, &frames, NULL);
  SY_GUI_WAIT_FOR (frames >= n_frames);
  gtk_widget_remove_tick_callback (widget, id);
}

guint
sy_gui_test_count_colours (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  g_autofree guchar *pixels = g_malloc (stride * height);
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);

  gdk_texture_download (texture, pixels, stride);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 pixel;

        memcpy (&pixel, pixels + y * stride + x * 4, 4);
        g_hash_table_add (colours, GUINT_TO_POINTER (pixel));
        if (g_hash_table_size (colours) > 16)
          return g_hash_table_size (colours);
      }
  return g_hash_table_size (colours);
}

char *
sy_gui_test_screenshot (GtkWidget  *widget,
                        const char *name)
{
  const char *dir = g_getenv ("SWITCHYARD_SCREENSHOT_DIR");
  g_autofree char *fallback = NULL;
  g_autofree char *file_name = g_strconcat (name, ".png", NULL);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  char *path;
  int width, height;

  if (dir == NULL)
    dir = fallback = g_build_filename (g_get_tmp_dir (), "switchyard-screenshots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);

  sy_gui_test_wait_frames (widget, 3);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  path = g_build_filename (dir, file_name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);

  /* A blank picture would mean nothing was drawn. */
  g_assert_cmpuint (sy_gui_test_count_colours (texture), >, 1);

  return path;
}

SyApplication *
sy_gui_test_start_app (const char *config_dir,
                       const char *state_dir,
                       gboolean    demo)
{
  static guint n_apps;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_id = g_strdup_printf ("%s.Test%u", APP_ID, n_apps++);
  SyApplication *app = sy_application_new ();

  /* Each test's application on the bus under a name of its own, so that
   * one still being torn down does not stand in the next one's way. */
  g_object_set (app,
                "application-id", app_id,
                "config-dir", config_dir,
                "state-dir", state_dir,
                "demo", demo,
                NULL);
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));

  g_assert_nonnull (sy_gui_test_get_window (app));
  sy_gui_test_wait_frames (GTK_WIDGET (sy_gui_test_get_window (app)), 2);

  return app;
}

SyWindow *
sy_gui_test_get_window (SyApplication *app)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  for (GList *l = windows; l != NULL; l = l->next)
    if (SY_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
mapping_listed (gpointer user_data)
{
  GFile *file = user_data;
  SyApplication *app = g_object_get_data (G_OBJECT (file), "sy-app");

  return sy_mapping_library_find_by_file (sy_application_get_mapping_library (app), file) != NULL;
}

SyMappingEditor *
sy_gui_test_open_mapping (SyApplication *app,
                          const char    *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  SyWindow *window = sy_gui_test_get_window (app);
  SyMappingPage *page = sy_window_get_mapping_page (window);
  SyMappingEditor *editor;

  g_object_set_data (G_OBJECT (file), "sy-app", app);
  sy_gui_test_wait_until (mapping_listed, file, 30, "the mapping in the sidebar");
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "edit-mapping"));
  g_action_group_activate_action (G_ACTION_GROUP (app), "edit-mapping", g_variant_new_string (path));
  editor = sy_mapping_page_get_editor (page);
  SY_GUI_WAIT_FOR (sy_mapping_page_get_file (page) != NULL && g_file_equal (sy_mapping_page_get_file (page), file));
  return editor;
}

SyRunPanel *
sy_gui_test_show_runs (SyApplication *app,
                       GFile         *file)
{
  SyWindow *window = sy_gui_test_get_window (app);

  g_assert_nonnull (window);
  sy_window_show_mapping (window, file, "runs");
  return sy_mapping_page_get_run_panel (sy_window_get_mapping_page (window), file);
}

void
sy_gui_test_stop_app (SyApplication *app)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (GTK_WINDOW (windows->data));

  /* Let cancelled requests come back before the objects go. */
  for (guint i = 0; i < 20; i++)
    sy_gui_test_iterate ();

  g_object_unref (app);
}

AdwMessageDialog *
sy_gui_test_find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

void
sy_gui_test_respond (AdwMessageDialog *dialog,
                     const char       *response)
{
  g_object_ref (dialog);
  adw_message_dialog_response (dialog, response);
  /* A click on a response button closes the dialog as well. */
  if (gtk_widget_get_visible (GTK_WIDGET (dialog)))
    gtk_window_close (GTK_WINDOW (dialog));
  g_object_unref (dialog);
  sy_gui_test_iterate ();
}

static gboolean
inside_library_widget (GtkWidget *widget)
{
  /* Buttons inside libadwaita's rows and GTK's composite widgets are theirs
   * to label; ours are the ones we put in our templates. */
  for (GtkWidget *w = gtk_widget_get_parent (widget); w != NULL; w = gtk_widget_get_parent (w))
    if (ADW_IS_ENTRY_ROW (w) || ADW_IS_COMBO_ROW (w) || GTK_IS_MENU_BUTTON (w) ||
        GTK_IS_DROP_DOWN (w) || GTK_IS_COLUMN_VIEW (w) || GTK_IS_WINDOW_CONTROLS (w))
      return TRUE;
  return FALSE;
}

static void
collect_unlabelled (GtkWidget *widget,
                    GPtrArray *unlabelled,
                    guint     *n_checked)
{
  gboolean icon_only = FALSE;

  if (GTK_IS_BUTTON (widget))
    icon_only = gtk_button_get_label (GTK_BUTTON (widget)) == NULL &&
                !GTK_IS_LABEL (gtk_button_get_child (GTK_BUTTON (widget)));
  else if (GTK_IS_MENU_BUTTON (widget))
    icon_only = gtk_menu_button_get_label (GTK_MENU_BUTTON (widget)) == NULL;

  if (icon_only && gtk_widget_get_visible (widget) && !inside_library_widget (widget))
    (*n_checked)++;
  if (icon_only && gtk_widget_get_visible (widget) && !inside_library_widget (widget) &&
      !gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL) &&
      !gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    g_ptr_array_add (unlabelled, g_strdup_printf ("%s (%s)", G_OBJECT_TYPE_NAME (widget),
                                                  gtk_widget_get_tooltip_text (widget) ?: "no tooltip"));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_unlabelled (child, unlabelled, n_checked);
}

void
sy_gui_test_assert_buttons_labelled (GtkWidget *root)
{
  g_autoptr(GPtrArray) unlabelled = g_ptr_array_new_with_free_func (g_free);
  guint n_checked = 0;

  collect_unlabelled (root, unlabelled, &n_checked);
  g_test_message ("%u icon-only buttons checked for an accessible label", n_checked);
  for (guint i = 0; i < unlabelled->len; i++)
    g_test_message ("No accessible label: %s", (char *) g_ptr_array_index (unlabelled, i));
  g_assert_cmpuint (unlabelled->len, ==, 0);
}

void
sy_gui_test_press_shortcut (GtkWidget  *widget,
                            const char *accelerator,
                            const char *expected_action)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  guint keyval;
  GdkModifierType modifiers;

  g_assert_true (gtk_accelerator_parse (accelerator, &keyval, &modifiers));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          if (!GTK_IS_KEYVAL_TRIGGER (trigger)
              || gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) != keyval
              || gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) != modifiers)
            continue;
          if (expected_action != NULL)
            {
              g_assert_true (GTK_IS_NAMED_ACTION (action));
              g_assert_cmpstr (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), ==, expected_action);
            }
          g_assert_true (gtk_shortcut_action_activate (action, 0, widget, NULL));
          sy_gui_test_iterate ();
          return;
        }
    }
  g_error ("No shortcut %s on %s", accelerator, G_OBJECT_TYPE_NAME (widget));
}

void
sy_gui_test_add_sandbox_connection (SyApplication    *app,
                                    SySandboxProcess *sandbox,
                                    const char       *name,
                                    const char       *sandbox_connection,
                                    const char       *domain)
{
  g_autoptr(SyConnection) connection = sy_connection_new (name, sy_sandbox_process_get_url (sandbox));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SySecretStore *secrets = sy_application_get_secret_store (app);

  sy_connection_set_domain (connection, domain);
  sy_secret_store_store_async (secrets, sy_connection_get_id (connection), SY_SECRET_KIND_ACCESS_TOKEN,
                               "test token", sy_sandbox_process_get_token (sandbox, sandbox_connection),
                               NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_secret_store_store_finish (secrets, result, &error));
  g_assert_no_error (error);
  g_assert_true (sy_connection_store_add (sy_application_get_connection_store (app), connection, &error));
  g_assert_no_error (error);
}

/* ---- a notification server ---- */

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/><arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
notifications_method_cb (GDBusConnection       *connection,
                         const char            *sender,
                         const char            *object_path,
                         const char            *interface_name,
                         const char            *method_name,
                         GVariant              *parameters,
                         GDBusMethodInvocation *invocation,
                         gpointer               user_data)
{
  GPtrArray *summaries = user_data;

  if (g_str_equal (method_name, "Notify"))
    {
      const char *summary = NULL;
      const char *body = NULL;

      g_variant_get_child (parameters, 3, "&s", &summary);
      g_variant_get_child (parameters, 4, "&s", &body);
      g_test_message ("Notification: %s — %s", summary, body);
      g_ptr_array_add (summaries, g_strdup (summary));
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", summaries->len));
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    {
      const char *capabilities[] = { "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", capabilities));
    }
  else if (g_str_equal (method_name, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "test", "switchyard", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable notifications_vtable = { notifications_method_cb, NULL, NULL, { 0 } };

struct _SyGuiTestNotifications
{
  GDBusConnection *bus;
  GPtrArray       *summaries;
  guint            registration;
};

SyGuiTestNotifications *
sy_gui_test_notifications_start (void)
{
  SyGuiTestNotifications *notifications = g_new0 (SyGuiTestNotifications, 1);
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GError) error = NULL;

  notifications->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  notifications->summaries = g_ptr_array_new_with_free_func (g_free);
  notifications->registration =
    g_dbus_connection_register_object (notifications->bus, "/org/freedesktop/Notifications", node->interfaces[0],
                                       &notifications_vtable, notifications->summaries, NULL, &error);
  g_assert_no_error (error);
  owned = g_dbus_connection_call_sync (notifications->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.Notifications", 4),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  return notifications;
}

GPtrArray *
sy_gui_test_notifications_summaries (SyGuiTestNotifications *notifications)
{
  return notifications->summaries;
}

void
sy_gui_test_notifications_stop (SyGuiTestNotifications *notifications)
{
  g_dbus_connection_unregister_object (notifications->bus, notifications->registration);
  g_dbus_connection_call_sync (notifications->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "ReleaseName",
                               g_variant_new ("(s)", "org.freedesktop.Notifications"),
                               NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_ptr_array_unref (notifications->summaries);
  g_object_unref (notifications->bus);
  g_free (notifications);
}

static int
minimum_width (GtkWidget *widget)
{
  int minimum = 0;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  return minimum;
}

/* Names the innermost widgets that ask for more than limit, which is
 * where a layout that does not fit a phone has to change. */
guint
sy_gui_test_report_too_wide (GtkWidget *widget,
                             int        limit)
{
  guint n_wider_children = 0;

  if (!gtk_widget_get_visible (widget) || minimum_width (widget) <= limit)
    return 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n_wider_children += sy_gui_test_report_too_wide (child, limit);

  if (n_wider_children == 0)
    {
      GtkWidget *template_owner = widget;

      while (template_owner != NULL && !g_str_has_prefix (G_OBJECT_TYPE_NAME (template_owner), "Sy"))
        template_owner = gtk_widget_get_parent (template_owner);
      g_test_message ("Too wide for %d px: %s (%s%s), minimum width %d", limit,
                      G_OBJECT_TYPE_NAME (widget),
                      gtk_widget_get_css_classes (widget)[0] ? gtk_widget_get_css_classes (widget)[0] : "",
                      template_owner ? G_OBJECT_TYPE_NAME (template_owner) : "",
                      minimum_width (widget));
    }
  return 1;
}
