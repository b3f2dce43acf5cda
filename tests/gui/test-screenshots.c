/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-application-private.h"
#include "sy-connection-page-private.h"
#include "sy-gui-test-util.h"
#include "sy-mapping-editor-private.h"
#include "sy-mapping-preview-private.h"
#include "sy-preferences-window-private.h"
#include "sy-record-browser-private.h"
#include "sy-signature-checker-private.h"
#include "sy-run-panel.h"
#include "sy-test-support.h"
#include "sy-state-store-webhooks.h"
#include "sy-webhook-panel.h"
#include "sy-window-private.h"

/* Each screen of the demo at a normal and a phone's width, light and dark,
 * saved as <screen>-<wide|narrow>-<light|dark>.png under
 * $SWITCHYARD_SCREENSHOT_DIR (build/tests/screenshots). Every picture has
 * something drawn, dark ones are darker than light ones, and at 360 px
 * nothing is wider than the screen. */

#define WIDE_WIDTH   1000
#define NARROW_WIDTH 360
#define HEIGHT       720

static SyApplication *app;

static gboolean
demo_has_records (gpointer user_data)
{
  SyWindow *window = user_data;
  SyRecordBrowser *browser = sy_connection_page_get_record_browser (SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page")));

  return sy_record_browser_get_n_loaded (browser) > 0 && !sy_record_browser_get_loading (browser);
}

/* The demo, started once for all the screens. */
static SyWindow *
get_demo_window (void)
{
  SyWindow *window;

  if (app == NULL)
    {
      app = sy_gui_test_start_app (NULL, NULL, TRUE);
      window = sy_gui_test_get_window (app);
      SY_GUI_WAIT_FOR (sy_demo_get_connections (sy_application_get_demo (app))->len == 2 ||
                       g_strcmp0 (sy_gui_test_get_stack_page (window, SY_TYPE_WINDOW, "content_stack"), "demo-failed") == 0);
      g_assert_cmpstr (sy_gui_test_get_stack_page (window, SY_TYPE_WINDOW, "content_stack"), ==, "connection");
    }

  window = sy_gui_test_get_window (app);
  sy_gui_test_wait_until (demo_has_records, window, 60, "the demo's records");
  return window;
}

static double
mean_brightness (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  g_autofree guchar *pixels = NULL;
  gsize stride;
  int width, height;
  double sum = 0;

  g_assert_no_error (error);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  stride = (gsize) width * 4;
  pixels = g_malloc (stride * height);
  gdk_texture_download (texture, pixels, stride);

  /* Cairo's ARGB32 in memory order on little endian: B, G, R, A. */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guchar *p = pixels + y * stride + x * 4;

        sum += 0.0722 * p[0] + 0.7152 * p[1] + 0.2126 * p[2];
      }
  return sum / ((double) width * height);
}

static void
set_dark (gboolean dark)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
}

/* Lays window out at a phone's width and answers how much its content
 * asks for (0 when it fits): nothing may ask for more room than a phone
 * has, or the window could not shrink to it. Every layout that does not
 * fit is named. */
static int
narrow_overflow (GtkWindow  *window,
                 const char *name)
{
  int minimum = 0, natural = 0;

  gtk_window_set_default_size (window, NARROW_WIDTH, HEIGHT);
  sy_gui_test_wait_frames (GTK_WIDGET (window), 10);
  /* The window frame, which the requested size leaves out, is not
   * measured: only what it holds. */
  gtk_widget_measure (gtk_window_get_child (window), GTK_ORIENTATION_HORIZONTAL, -1,
                      &minimum, &natural, NULL, NULL);
  g_test_message ("%s: minimum width %d, natural width %d, shown at %d",
                  name, minimum, natural, gtk_widget_get_width (GTK_WIDGET (window)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, MAX (minimum, NARROW_WIDTH));
  if (minimum <= NARROW_WIDTH)
    return 0;
  sy_gui_test_report_too_wide (gtk_window_get_child (window), NARROW_WIDTH);
  return minimum;
}

/* Shoots window four times; prepare, when given, runs after each resize
 * (for a screen that needs settling once laid out anew). */
static void
shoot_screen (GtkWindow  *window,
              const char *screen,
              void      (*prepare) (GtkWindow *window))
{
  const int widths[] = { WIDE_WIDTH, NARROW_WIDTH };

  /* A window sizes itself when it is first shown: resize it after that. */
  sy_gui_test_wait_frames (GTK_WIDGET (window), 5);

  for (gsize w = 0; w < G_N_ELEMENTS (widths); w++)
    {
      double brightness[2] = { 0, 0 };

      for (int dark = 0; dark <= 1; dark++)
        {
          g_autofree char *name = g_strdup_printf ("%s-%s-%s", screen,
                                                   widths[w] == WIDE_WIDTH ? "wide" : "narrow",
                                                   dark ? "dark" : "light");
          g_autofree char *path = NULL;
          int minimum = 0, natural = 0;

          set_dark (dark);
          gtk_window_set_default_size (window, widths[w], HEIGHT);
          sy_gui_test_wait_frames (GTK_WIDGET (window), 10);
          /* A window just presented may take a few more frames to resize. */
          for (guint frame = 0; frame < 100 && widths[w] == WIDE_WIDTH &&
               gtk_widget_get_width (GTK_WIDGET (window)) < WIDE_WIDTH - 20; frame++)
            sy_gui_test_wait_frames (GTK_WIDGET (window), 1);
          if (prepare != NULL)
            prepare (window);

          /* Its content is measured, without the window frame that the
           * requested size leaves out. */
          gtk_widget_measure (gtk_window_get_child (window), GTK_ORIENTATION_HORIZONTAL, -1,
                              &minimum, &natural, NULL, NULL);
          g_test_message ("%s: minimum width %d, natural width %d, shown at %d",
                          name, minimum, natural, gtk_widget_get_width (GTK_WIDGET (window)));
          /* Whether it fits is asserted by the all-fit test, which lays
           * every screen out anew: here every screen is still shot. */
          if (widths[w] == NARROW_WIDTH)
            g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, MAX (minimum, NARROW_WIDTH));
          else
            g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), >, NARROW_WIDTH * 2);

          /* Not blank: sy_gui_test_screenshot() asserts more than one colour. */
          path = sy_gui_test_screenshot (GTK_WIDGET (window), name);
          brightness[dark] = mean_brightness (path);
        }

      g_test_message ("%s: mean brightness light %.1f, dark %.1f", screen, brightness[0], brightness[1]);
      g_assert_cmpfloat (brightness[1] + 30, <, brightness[0]);
    }

  set_dark (FALSE);
}

static GtkWindow *
open_main_window (void)
{
  return GTK_WINDOW (get_demo_window ());
}

static void
close_main_window (GtkWindow *window)
{
}

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
show_tab (SyWindow   *window,
          const char *name)
{
  GtkWidget *tabs = find_widget (GTK_WIDGET (SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"))), ADW_TYPE_VIEW_STACK);

  g_assert_nonnull (tabs);
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (tabs), name);
}

static GtkWindow *
open_certificate_page (void)
{
  SyWindow *window = get_demo_window ();
  SyConnectionStore *store = sy_application_get_connection_store (app);

  /* Only the NetSuite connection has a Certificate tab. */
  sy_window_select_connection (window, sy_connection_store_find_by_name (store, SY_DEMO_NETSUITE_NAME));
  show_tab (window, "certificate");
  return GTK_WINDOW (window);
}

static void
close_certificate_page (GtkWindow *window)
{
  SyConnectionStore *store = sy_application_get_connection_store (app);

  show_tab (SY_WINDOW (window), "records");
  sy_window_select_connection (SY_WINDOW (window), sy_connection_store_find_by_name (store, SY_DEMO_MINTSOFT_NAME));
}

/* The editor shown in the main window; the demo's mapping open. */
static SyMappingEditor *
shown_editor (void)
{
  return sy_mapping_page_get_editor (sy_window_get_mapping_page (sy_gui_test_get_window (app)));
}

static GtkWindow *
open_mapping_editor (void)
{
  g_autofree char *path = NULL;
  SyMappingEditor *editor;
  SyMappingPreview *preview;
  SyWindow *window = get_demo_window ();

  /* The demo's mapping, listed in the sidebar, with its preview on the
   * demo's sales orders. */
  path = g_build_filename (sy_application_get_config_dir (app), "mappings", "mintsoft-to-netsuite.json", NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  editor = sy_gui_test_open_mapping (app, path);
  sy_mapping_page_show_view (sy_window_get_mapping_page (window), "mapping");
  preview = SY_MAPPING_PREVIEW (sy_gui_test_get_child (editor, SY_TYPE_MAPPING_EDITOR, "preview"));
  SY_GUI_WAIT_FOR (g_strcmp0 (sy_mapping_preview_get_state (preview), "samples") == 0 &&
                   sy_mapping_preview_get_n_applied (preview) > 0);
  return GTK_WINDOW (window);
}

/* Back to the demo's first connection, as the other screens expect. */
static void
close_mapping_page (GtkWindow *window)
{
  GtkListBox *connections = GTK_LIST_BOX (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_list"));

  gtk_list_box_select_row (connections, gtk_list_box_get_row_at_index (connections, 0));
}

/* The demo mapping's runs, the other view of its page. */
static GtkWindow *
open_mapping_runs (void)
{
  GtkWindow *window = open_mapping_editor ();

  sy_mapping_page_show_view (sy_window_get_mapping_page (SY_WINDOW (window)), "runs");
  return window;
}

static void
destroy_window (GtkWindow *window)
{
  sy_gui_test_destroy_window (window);
}

static GtkWindow *
open_preferences (void)
{
  SyPreferencesWindow *preferences;

  get_demo_window ();
  preferences = sy_application_show_preferences (app);
  g_assert_nonnull (preferences);
  return GTK_WINDOW (preferences);
}

/* Filled in as a developer would, with a signature that matches. */
static GtkWindow *
open_signature_checker (void)
{
  const char *body =
    "{\"id\":\"evt_0001\",\"type\":\"record.updated\",\"entity\":\"wms/sales-orders\",\n"
    " \"key\":\"SO-1001\",\"occurred_at\":\"2026-12-07T05:40:00Z\"}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (body, strlen (body));
  g_autofree char *signature = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, "screenshot-secret", bytes, 0);
  SySignatureChecker *checker;

  get_demo_window ();
  checker = sy_application_show_signature_checker (app);
  g_assert_nonnull (checker);
  sy_signature_checker_set_inputs (checker, SY_WEBHOOK_SCHEME_MAKINI, body, signature, "screenshot-secret");
  SY_GUI_WAIT_FOR (!sy_signature_checker_is_checking (checker));
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_MATCHES);
  return GTK_WINDOW (checker);
}

/* Scrolls the scrolled window around widget so that widget is at its top. */
static void
scroll_to (GtkWidget *widget)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t bounds;

  g_assert_nonnull (scrolled);
  g_assert_true (gtk_widget_compute_bounds (widget, gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolled)), &bounds));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)),
                            MAX (0, bounds.origin.y - 12));
  sy_gui_test_wait_frames (widget, 5);
}

/* The editor's Automation group, filled in. */
static GtkWindow *
open_mapping_automation (void)
{
  GtkWindow *window = open_mapping_editor ();
  SyMappingEditor *editor = shown_editor ();

  gtk_switch_set_active (GTK_SWITCH (sy_gui_test_get_child (editor, SY_TYPE_MAPPING_EDITOR, "every_switch")), TRUE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (sy_gui_test_get_child (editor, SY_TYPE_MAPPING_EDITOR, "every_spin")), 30);
  gtk_editable_set_text (GTK_EDITABLE (sy_gui_test_get_child (editor, SY_TYPE_MAPPING_EDITOR, "at_row")), "06:00, 18:30");
  gtk_switch_set_active (GTK_SWITCH (sy_gui_test_get_child (editor, SY_TYPE_MAPPING_EDITOR, "on_changes_switch")), TRUE);
  return window;
}

static void
prepare_mapping_automation (GtkWindow *window)
{
  scroll_to (sy_gui_test_get_child (shown_editor (), SY_TYPE_MAPPING_EDITOR, "automation_group"));
}

static void
close_mapping_automation (GtkWindow *window)
{
  SyMappingEditor *editor = shown_editor ();
  g_autofree char *path = g_build_filename (sy_application_get_config_dir (app), "mappings", "mintsoft-to-netsuite.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  /* Not saved: the demo's file stays as it is, and the editor shows it
   * again for the next screen. */
  sy_mapping_editor_set_mapping (editor, NULL, NULL);
  sy_mapping_editor_open_file (editor, file);
  SY_GUI_WAIT_FOR (sy_mapping_editor_get_file (editor) != NULL);
  close_mapping_page (window);
}

/* The preferences' Background group, running in the background. */
static GtkWindow *
open_preferences_background (void)
{
  GtkWindow *window = open_preferences ();

  g_settings_set_boolean (sy_application_get_settings (app), "run-in-background", TRUE);
  return window;
}

static void
prepare_preferences_background (GtkWindow *window)
{
  GtkWidget *control = sy_preferences_window_get_control (SY_PREFERENCES_WINDOW (window), "run-in-background");

  scroll_to (gtk_widget_get_ancestor (control, ADW_TYPE_PREFERENCES_GROUP));
}

static void
close_preferences_background (GtkWindow *window)
{
  g_settings_reset (sy_application_get_settings (app), "run-in-background");
  sy_gui_test_destroy_window (window);
}

static void
add_webhook_event (SyConnection *connection,
                   const char   *event_id,
                   const char   *key,
                   const char   *reason)
{
  g_autoptr(SyWebhookEvent) event = sy_webhook_event_new ();
  g_autoptr(GError) error = NULL;
  gboolean is_new = FALSE;
  gint64 row_id = 0;

  event->connection_id = g_strdup (sy_connection_get_id (connection));
  event->event_id = g_strdup (event_id);
  event->body_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key != NULL ? key : reason, -1);
  if (key != NULL)
    {
      event->entity = g_strdup ("wms/sales-orders");
      event->record_key = g_strdup (key);
    }
  event->verdict = g_strdup (reason == NULL ? SY_WEBHOOK_VERDICT_ACCEPTED : SY_WEBHOOK_VERDICT_REJECTED);
  event->reason = g_strdup (reason);
  g_assert_true (sy_state_store_add_webhook_event (sy_application_get_state_store (app), event, &is_new, &row_id, &error));
  g_assert_no_error (error);
  if (reason == NULL && g_strcmp0 (key, "SO-1001") == 0)
    {
      g_assert_true (sy_state_store_mark_webhook_event (sy_application_get_state_store (app), row_id, "sync run 3", &error));
      g_assert_no_error (error);
    }
}

/* The demo warehouse's Webhooks tab with a secret, the receiver on and a
 * few events, one of them refused. */
static GtkWindow *
open_webhook_panel (void)
{
  SyWindow *window = get_demo_window ();
  SyConnectionPage *page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  SyWebhookPanel *panel = SY_WEBHOOK_PANEL (find_widget (GTK_WIDGET (page), SY_TYPE_WEBHOOK_PANEL));
  SyConnection *connection = sy_connection_page_get_connection (page);
  GtkEditable *secret_row = sy_gui_test_get_child (panel, SY_TYPE_WEBHOOK_PANEL, "secret_row");
  GtkSwitch *receive_switch = sy_gui_test_get_child (panel, SY_TYPE_WEBHOOK_PANEL, "receive_switch");

  g_assert_nonnull (panel);
  show_tab (window, "webhooks");
  add_webhook_event (connection, "evt_0001", "SO-1001", NULL);
  add_webhook_event (connection, NULL, NULL, "forged or altered: the signature does not match the body");
  add_webhook_event (connection, "evt_0003", "SO-1002", NULL);

  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (panel));
  gtk_editable_set_text (secret_row, "screenshot-secret");
  g_signal_emit_by_name (secret_row, "apply");
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (panel) && sy_webhook_panel_has_secret (panel));
  gtk_switch_set_active (receive_switch, TRUE);
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (panel) &&
                   sy_webhook_receivers_lookup (sy_application_get_webhook_receivers (app),
                                                sy_connection_get_id (connection)) != NULL);
  sy_webhook_panel_refresh (panel);
  SY_GUI_WAIT_FOR (!sy_webhook_panel_is_busy (panel));
  return GTK_WINDOW (window);
}

static void
close_webhook_panel (GtkWindow *window)
{
  SyConnectionPage *page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));

  sy_webhook_receivers_stop_all (sy_application_get_webhook_receivers (app));
  sy_gui_test_wait_frames (GTK_WIDGET (page), 1);
  show_tab (SY_WINDOW (window), "records");
}

/* The Webhooks tab receiving on all networks: the address row warns. */
static GtkWindow *
open_webhook_panel_any (void)
{
  SyWindow *window = get_demo_window ();
  SyConnectionPage *page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  SyWebhookPanel *panel = SY_WEBHOOK_PANEL (find_widget (GTK_WIDGET (page), SY_TYPE_WEBHOOK_PANEL));

  adw_combo_row_set_selected (sy_gui_test_get_child (panel, SY_TYPE_WEBHOOK_PANEL, "address_row"), 1);
  return open_webhook_panel ();
}

static void
close_webhook_panel_any (GtkWindow *window)
{
  SyConnectionPage *page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  SyWebhookPanel *panel = SY_WEBHOOK_PANEL (find_widget (GTK_WIDGET (page), SY_TYPE_WEBHOOK_PANEL));

  close_webhook_panel (window);
  adw_combo_row_set_selected (sy_gui_test_get_child (panel, SY_TYPE_WEBHOOK_PANEL, "address_row"), 0);
}

/* The Webhooks tab scrolled to its end: the recent events. */
static void
scroll_to_events (GtkWindow *window)
{
  SyConnectionPage *page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  GtkWidget *panel = find_widget (GTK_WIDGET (page), SY_TYPE_WEBHOOK_PANEL);
  GtkScrolledWindow *scrolled = GTK_SCROLLED_WINDOW (find_widget (panel, GTK_TYPE_SCROLLED_WINDOW));
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scrolled);

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
  sy_gui_test_wait_frames (GTK_WIDGET (window), 3);
}

/* The Webhooks tab at its top: the receiver's rows. */
static void
scroll_to_receiver (GtkWindow *window)
{
  SyConnectionPage *page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  GtkWidget *panel = find_widget (GTK_WIDGET (page), SY_TYPE_WEBHOOK_PANEL);
  GtkScrolledWindow *scrolled = GTK_SCROLLED_WINDOW (find_widget (panel, GTK_TYPE_SCROLLED_WINDOW));

  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (scrolled), 0);
  sy_gui_test_wait_frames (GTK_WIDGET (window), 3);
}

typedef struct
{
  const char  *name;
  GtkWindow *(*open)  (void);
  void       (*close) (GtkWindow *window);
  void       (*prepare) (GtkWindow *window);
} Screen;

static const Screen screens[] = {
  { "main", open_main_window, close_main_window },
  { "certificate", open_certificate_page, close_certificate_page },
  { "mapping-editor", open_mapping_editor, close_mapping_page },
  { "mapping-runs", open_mapping_runs, close_mapping_page },
  { "preferences", open_preferences, destroy_window },
  { "signature-checker", open_signature_checker, destroy_window },
  { "mapping-automation", open_mapping_automation, close_mapping_automation, prepare_mapping_automation },
  { "preferences-background", open_preferences_background, close_preferences_background, prepare_preferences_background },
  { "webhooks", open_webhook_panel, close_webhook_panel },
  { "webhook-events", open_webhook_panel, close_webhook_panel, scroll_to_events },
  { "webhooks-all-networks", open_webhook_panel_any, close_webhook_panel_any, scroll_to_receiver },
};

static void
test_shoot (gconstpointer data)
{
  const Screen *screen = data;
  GtkWindow *window = screen->open ();

  shoot_screen (window, screen->name, screen->prepare);
  screen->close (window);
}

/* Opens every screen itself, so that it measures when run alone too. */
static void
test_all_fit_narrow (void)
{
  g_autoptr(GPtrArray) too_wide = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; i < G_N_ELEMENTS (screens); i++)
    {
      GtkWindow *window = screens[i].open ();

      /* A window sizes itself when it is first shown: resize it after that. */
      sy_gui_test_wait_frames (GTK_WIDGET (window), 5);
      for (int dark = 0; dark <= 1; dark++)
        {
          g_autofree char *name = g_strdup_printf ("%s-narrow-%s", screens[i].name,
                                                   dark ? "dark" : "light");
          int needed;

          set_dark (dark);
          needed = narrow_overflow (window, name);
          if (needed > 0)
            g_ptr_array_add (too_wide, g_strdup_printf ("%s needs %d px", name, needed));
        }
      set_dark (FALSE);
      screens[i].close (window);
    }

  for (guint i = 0; i < too_wide->len; i++)
    g_test_message ("Wider than %d px: %s", NARROW_WIDTH, (char *) g_ptr_array_index (too_wide, i));
  g_assert_cmpuint (too_wide->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  sy_gui_test_init (&argc, &argv);

  g_test_add_data_func ("/gui/screenshots/main-window", &screens[0], test_shoot);
  g_test_add_data_func ("/gui/screenshots/certificate-page", &screens[1], test_shoot);
  g_test_add_data_func ("/gui/screenshots/mapping-editor", &screens[2], test_shoot);
  g_test_add_data_func ("/gui/screenshots/mapping-runs", &screens[3], test_shoot);
  g_test_add_data_func ("/gui/screenshots/preferences", &screens[4], test_shoot);
  g_test_add_data_func ("/gui/screenshots/signature-checker", &screens[5], test_shoot);
  g_test_add_data_func ("/gui/screenshots/mapping-automation", &screens[6], test_shoot);
  g_test_add_data_func ("/gui/screenshots/preferences-background", &screens[7], test_shoot);
  g_test_add_data_func ("/gui/screenshots/webhooks", &screens[8], test_shoot);
  g_test_add_data_func ("/gui/screenshots/webhook-events", &screens[9], test_shoot);
  g_test_add_data_func ("/gui/screenshots/webhooks-all-networks", &screens[10], test_shoot);
  g_test_add_func ("/gui/screenshots/all-fit-360px", test_all_fit_narrow);

  status = g_test_run ();
  if (app != NULL)
    sy_gui_test_stop_app (app);
  return status;
}
