/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-application.h"
#include "sy-sandbox-process.h"
#include "sy-window.h"

G_BEGIN_DECLS

/* Initialises GLib's test framework and GTK. A test that cannot open a
 * display fails: it never skips. */
void           sy_gui_test_init               (int          *argc,
                                               char       ***argv);

/* Iterates the main context until condition(user_data) holds; fails the
 * test after timeout_s seconds, naming what it waited for. */
void           sy_gui_test_wait_until         (gboolean   (*condition) (gpointer user_data),
                                               gpointer     user_data,
                                               guint        timeout_s,
                                               const char  *what);
#define SY_GUI_WAIT_FOR(expr) \
  G_STMT_START { \
    gint64 sy_wait_end_ = g_get_monotonic_time () + 60 * G_USEC_PER_SEC; \
    while (!(expr)) \
      { \
        if (g_get_monotonic_time () > sy_wait_end_) \
          g_error ("Timed out waiting for %s", #expr); \
        sy_gui_test_iterate (); \
      } \
  } G_STMT_END

/* One bounded main-context iteration (wakes at least every 20 ms). */
void           sy_gui_test_iterate            (void);
/* Lets the widget be laid out and drawn a few frames. */
void           sy_gui_test_wait_frames        (GtkWidget    *widget,
                                               guint         n_frames);

/* The object the template of template_type names name in widget (one its
 * class binds), as a person would find it by its place in the window:
 * tests need no getters in the public headers. Fails if there is none. */
gpointer       sy_gui_test_get_child          (gpointer      widget,
                                               GType         template_type,
                                               const char   *name);
/* The visible page of the GtkStack the template names name. */
const char    *sy_gui_test_get_stack_page     (gpointer      widget,
                                               GType         template_type,
                                               const char   *name);
/* The value of a boolean property of object. */
gboolean       sy_gui_test_get_boolean        (gpointer      object,
                                               const char   *property);
/* Destroys window, lets pending callbacks drop what they hold, and
 * asserts that the window is finalised: nothing keeps it alive. */
void           sy_gui_test_destroy_window     (gpointer      window);

/* Renders widget to $SWITCHYARD_SCREENSHOT_DIR/NAME.png and fails unless
 * the picture has more than one colour. Returns the path. */
/* Distinct colours in a picture, counting stops past 16. */
guint          sy_gui_test_count_colours      (GdkTexture   *texture);
char          *sy_gui_test_screenshot         (GtkWidget    *widget,
                                               const char   *name);

/* An application on its own configuration and state directories, started
 * and activated: its main window is shown. */
SyApplication *sy_gui_test_start_app          (const char   *config_dir,
                                               const char   *state_dir,
                                               gboolean      demo);
SyWindow      *sy_gui_test_get_window         (SyApplication *app);
/* Waits until the sidebar lists the mapping file at path, opens it in the
 * main window (app.edit-mapping, the Mapping view) and waits until the
 * editor holds it; returns the editor. */
SyMappingEditor *sy_gui_test_open_mapping     (SyApplication *app,
                                               const char    *path);
/* Shows the runs of the mapping in file in the main window (what
 * app.run-mapping shows, without starting a run) and returns its panel. */
SyRunPanel      *sy_gui_test_show_runs        (SyApplication *app,
                                               GFile         *file);
/* Destroys the app's windows and drops the app. */
void           sy_gui_test_stop_app           (SyApplication *app);

/* Fails if a visible icon-only button under root has no accessible label. */
void           sy_gui_test_assert_buttons_labelled (GtkWidget *root);

/* The first AdwMessageDialog shown, or NULL. */
AdwMessageDialog *sy_gui_test_find_message_dialog (void);
/* Answers the dialog as a click on that response's button does. */
void           sy_gui_test_respond            (AdwMessageDialog *dialog,
                                               const char       *response);

/* Runs the action a shortcut of widget binds to accelerator ("<Control>s",
 * as gtk_accelerator_parse() reads it), as pressing the keys does, then
 * lets the main context run once; fails the test when there is no such
 * shortcut or, unless expected_action is NULL, it names another action.
 * GTK 4.8 has no public way to synthesise key events. */
void           sy_gui_test_press_shortcut     (GtkWidget        *widget,
                                               const char       *accelerator,
                                               const char       *expected_action);

/* Adds a connection named name to the app for one of the sandbox's seeded
 * connections ("wms" or "erp"), its token in the app's keyring. */
void           sy_gui_test_add_sandbox_connection (SyApplication    *app,
                                                   SySandboxProcess *sandbox,
                                                   const char       *name,
                                                   const char       *sandbox_connection,
                                                   const char       *domain);

/* A stand-in for the desktop's notification server on the test's session
 * bus, which keeps the summary ("title") of each notification, in order.
 * Start it before the application: GLib picks the server it talks to
 * then. The test session has no server of its own, and GLib warns (a
 * fatal warning in tests) when a notification finds none. */
typedef struct _SyGuiTestNotifications SyGuiTestNotifications;

SyGuiTestNotifications *sy_gui_test_notifications_start     (void);
GPtrArray              *sy_gui_test_notifications_summaries (SyGuiTestNotifications *notifications);
void                    sy_gui_test_notifications_stop      (SyGuiTestNotifications *notifications);

/* Logs the innermost widgets under widget that ask for more width than
 * limit (where a layout that does not fit a phone has to change); returns
 * how many, 0 when everything fits. */
guint       sy_gui_test_report_too_wide        (GtkWidget          *widget,
                                                int                 limit);

G_END_DECLS
