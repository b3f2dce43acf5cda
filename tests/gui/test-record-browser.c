/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "sy-api-client.h"
#include "sy-gui-test-util.h"
#include "sy-record-browser-private.h"
#include "sy-test-support.h"

/* Generous: Mesa's software renderer under Xvfb on a busy machine. */
#define WAIT_TIMEOUT_US (30 * G_USEC_PER_SEC)

#define WAIT_UNTIL(condition)                                           \
  G_STMT_START {                                                        \
    gint64 deadline_ = g_get_monotonic_time () + WAIT_TIMEOUT_US;       \
    while (!(condition))                                                \
      {                                                                 \
        if (g_get_monotonic_time () > deadline_)                        \
          g_error ("Timed out waiting for %s", #condition);             \
        g_main_context_iteration (NULL, TRUE);                          \
      }                                                                 \
  } G_STMT_END

static gboolean
keep_main_loop_awake (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
spin_main_context (guint milliseconds)
{
  gboolean done = FALSE;

  g_timeout_add_once (milliseconds, set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type,
                 gboolean   mapped_only)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) &&
      (!mapped_only || gtk_widget_get_mapped (widget)))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type, mapped_only);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The browser's stack of list states (the one with a "records" page), not
 * one inside the drop-down nor the list/detail stack. */
static GtkWidget *
find_state_stack (GtkWidget *widget)
{
  if (GTK_IS_STACK (widget) && gtk_stack_get_child_by_name (GTK_STACK (widget), "records") != NULL)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_state_stack (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static const char *
visible_state (GtkWidget *browser)
{
  GtkWidget *stack = find_state_stack (browser);

  g_assert_nonnull (stack);
  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

static GtkWidget *
find_label_with_text (GtkWidget  *widget,
                      const char *prefix)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_str_has_prefix (gtk_label_get_text (GTK_LABEL (widget)), prefix))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label_with_text (child, prefix);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
find_button_with_label (GtkWidget  *widget,
                        const char *label)
{
  if (GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_with_label (child, label);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
new_window_with_browser (GtkWidget **browser)
{
  GtkWidget *window = gtk_window_new ();

  *browser = sy_record_browser_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 960, 640);
  gtk_window_set_child (GTK_WINDOW (window), *browser);
  gtk_window_present (GTK_WINDOW (window));

  return window;
}

static SyApiClient *
client_for (SySandboxProcess *sandbox,
            const char       *token)
{
  g_autoptr(GError) error = NULL;
  SyApiClient *client = sy_api_client_new (sy_sandbox_process_get_url (sandbox), token, &error);

  g_assert_no_error (error);
  sy_api_client_set_retry_policy (client, 1, 50);
  return client;
}

/* Saves the window as it is drawn; fails when the picture has hardly any
 * colours: text, separators and the header row make many, a blank or
 * failed render one. */
static void
save_screenshot (GtkWidget  *window,
                 const char *name)
{
  g_autofree char *path = sy_gui_test_screenshot (window, name);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (sy_gui_test_count_colours (texture), >, 16);
}

/* As a user does: drag to the end of what is there, look, drag again,
 * until more rows have arrived. The end moves as rows are laid out. */
static void
scroll_to_end_until_more (GtkWidget     *browser,
                          GtkAdjustment *adjustment,
                          guint          before)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;

  while (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)) <= before ||
         sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Scrolling to the end loaded nothing after %u records", before);
      gtk_adjustment_set_value (adjustment,
                                gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
      spin_main_context (100);
    }
}

static const char * const many_records_args[] = { "--records", "300", NULL };

static void
test_pages_columns_and_scrolling (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (many_records_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, sy_sandbox_process_get_token (sandbox, "wms"));
  GtkWidget *browser = NULL;
  GtkWidget *window = new_window_with_browser (&browser);
  GtkWidget *column_view;
  GtkWidget *dropdown;
  GtkWidget *scrolled_window;
  GtkAdjustment *adjustment;
  GListModel *columns;
  GListModel *entities;
  g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
  guint first_batch;
  guint passes = 0;

  g_assert_cmpstr (visible_state (browser), ==, "none");

  sy_record_browser_set_client (SY_RECORD_BROWSER (browser), client, "wms");
  g_assert_cmpstr (sy_record_browser_get_entity (SY_RECORD_BROWSER (browser)), ==, "wms/sales-orders");
  g_assert_true (sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpstr (visible_state (browser), ==, "loading");

  WAIT_UNTIL (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)) > 0 &&
              !sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpstr (visible_state (browser), ==, "records");

  /* The entities a WMS connection offers, in words. */
  dropdown = find_descendant (browser, GTK_TYPE_DROP_DOWN, FALSE);
  g_assert_nonnull (dropdown);
  entities = gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown));
  g_assert_cmpuint (g_list_model_get_n_items (entities), ==, 4);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (entities), 0), ==, "Sales Orders");
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (dropdown)), ==, 0);

  /* Columns come from the first page: key and updatedAt lead. */
  column_view = find_descendant (browser, GTK_TYPE_COLUMN_VIEW, FALSE);
  g_assert_nonnull (column_view);
  columns = gtk_column_view_get_columns (GTK_COLUMN_VIEW (column_view));
  g_assert_cmpuint (g_list_model_get_n_items (columns), >=, 3);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      g_ptr_array_add (titles, g_strdup (gtk_column_view_column_get_title (column)));
    }
  g_ptr_array_add (titles, NULL);
  g_assert_cmpstr (g_ptr_array_index (titles, 0), ==, "Key");
  g_assert_cmpstr (g_ptr_array_index (titles, 1), ==, "Updated");
  g_assert_true (g_strv_contains ((const char * const *) titles->pdata, "Order Number"));

  /* Once the rows reach a screenful beyond the view, nothing more is
   * fetched until the user scrolls: the browser never pulls in the whole
   * entity on its own. */
  scrolled_window = find_descendant (browser, GTK_TYPE_SCROLLED_WINDOW, TRUE);
  g_assert_nonnull (scrolled_window);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled_window));
  /* However long a busy machine takes to fill the view, and then some
   * time more in which nothing may be fetched. */
  WAIT_UNTIL (!sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)) &&
              gtk_adjustment_get_upper (adjustment) > 2 * gtk_adjustment_get_page_size (adjustment));
  first_batch = sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser));
  spin_main_context (800);
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), ==, first_batch);
  g_test_message ("first batch %u; value %g, page %g, upper %g", first_batch,
                  gtk_adjustment_get_value (adjustment), gtk_adjustment_get_page_size (adjustment),
                  gtk_adjustment_get_upper (adjustment));
  g_assert_cmpuint (first_batch % 50, ==, 0);
  g_assert_cmpuint (first_batch, <=, 150);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), >, 2 * gtk_adjustment_get_page_size (adjustment));
  g_assert_false (sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  {
    g_autofree char *expected = g_strdup_printf ("%u records loaded", first_batch);

    g_assert_nonnull (find_label_with_text (browser, expected));
  }

  /* Scrolling to the end fetches the next page, and so on to the last. */
  while (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)) < 300)
    {
      guint before = sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser));

      g_assert_cmpuint (passes++, <, 10);
      scroll_to_end_until_more (browser, adjustment, before);
      g_test_message ("pass %u: %u, then %u loaded", passes, before,
                      sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)));
      if (passes == 1)
        {
          spin_main_context (300);
          save_screenshot (window, "record-browser");
        }
    }
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), ==, 300);
  WAIT_UNTIL (find_label_with_text (browser, "All 300 records") != NULL);
  /* Nothing animates out of sight: once idle, the browser stops
   * drawing (a hidden spinning spinner would redraw 60 times a second).
   * What does end, such as the scrollbar fading out, may take a busy
   * machine longer: some second of the next ten has to be quiet. */
  {
    GdkFrameClock *frame_clock = gtk_widget_get_frame_clock (browser);
    gint64 frames = G_MAXINT64;

    for (guint second = 0; second < 10 && frames >= 30; second++)
      {
        gint64 frames_before = gdk_frame_clock_get_frame_counter (frame_clock);

        spin_main_context (1000);
        frames = gdk_frame_clock_get_frame_counter (frame_clock) - frames_before;
        g_test_message ("frames drawn in idle second %u: %" G_GINT64_FORMAT, second, frames);
      }
    g_assert_cmpint (frames, <, 30);
  }

  /* F5's action starts again from the first page. */
  g_assert_true (gtk_widget_activate_action (browser, "browser.refresh", NULL));
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), ==, 0);
  WAIT_UNTIL (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)) > 0 &&
              !sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), <, 300);

  /* Picking another entity in the drop-down shows its records. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), 1);
  g_assert_cmpstr (sy_record_browser_get_entity (SY_RECORD_BROWSER (browser)), ==, "wms/products");
  WAIT_UNTIL (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)) > 0 &&
              !sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpstr (visible_state (browser), ==, "records");

  /* No client: nothing to show, nothing loading, refresh disabled. */
  sy_record_browser_set_client (SY_RECORD_BROWSER (browser), NULL, NULL);
  g_assert_cmpstr (visible_state (browser), ==, "none");
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), ==, 0);
  g_assert_false (sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_false (gtk_widget_activate_action (browser, "browser.refresh", NULL) &&
                  sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_empty_entity (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (many_records_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, sy_sandbox_process_get_token (sandbox, "erp"));
  GtkWidget *browser = NULL;
  GtkWidget *window = new_window_with_browser (&browser);
  AdwStatusPage *status;

  /* A fresh ERP has no sales orders: say so, not "Loading…" forever. */
  sy_record_browser_set_client (SY_RECORD_BROWSER (browser), client, "erp");
  g_assert_cmpstr (sy_record_browser_get_entity (SY_RECORD_BROWSER (browser)), ==, "erp/sales-orders");
  WAIT_UNTIL (!sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpstr (visible_state (browser), ==, "empty");
  spin_main_context (100);
  status = ADW_STATUS_PAGE (find_descendant (browser, ADW_TYPE_STATUS_PAGE, TRUE));
  g_assert_nonnull (status);
  g_assert_cmpstr (adw_status_page_get_title (status), ==, "No Records");
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), ==, 0);
  save_screenshot (window, "record-browser-empty");

  /* The same connection's customers are there. */
  sy_record_browser_set_entity (SY_RECORD_BROWSER (browser), "erp/customers");
  WAIT_UNTIL (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)) > 0 &&
              !sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpstr (visible_state (browser), ==, "records");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_wrong_token (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (many_records_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, "not-the-token");
  GtkWidget *browser = NULL;
  GtkWidget *window = new_window_with_browser (&browser);
  AdwStatusPage *status;
  GtkWidget *retry;
  GtkWidget *scrolled_window = NULL;
  GtkAdjustment *adjustment;
  guint loaded;

  sy_record_browser_set_client (SY_RECORD_BROWSER (browser), client, "wms");
  WAIT_UNTIL (!sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpstr (visible_state (browser), ==, "error");
  spin_main_context (100);

  /* In words a user understands, with a way out. */
  status = ADW_STATUS_PAGE (find_descendant (browser, ADW_TYPE_STATUS_PAGE, TRUE));
  g_assert_nonnull (status);
  g_assert_cmpstr (adw_status_page_get_title (status), ==, "Not Signed In");
  g_assert_nonnull (strstr (adw_status_page_get_description (status), "token"));
  retry = find_descendant (GTK_WIDGET (status), GTK_TYPE_BUTTON, TRUE);
  g_assert_nonnull (retry);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (retry)), ==, "_Try Again");
  save_screenshot (window, "record-browser-error");

  /* Trying again with the right token (the connection was fixed) works. */
  sy_api_client_set_token (client, sy_sandbox_process_get_token (sandbox, "wms"));
  g_signal_emit_by_name (retry, "clicked");
  g_assert_true (sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  WAIT_UNTIL (!sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpstr (visible_state (browser), ==, "records");
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), >, 0);

  /* A later page that fails keeps the rows on screen and says why
   * below them, without asking again by itself. */
  WAIT_UNTIL ((scrolled_window = find_descendant (browser, GTK_TYPE_SCROLLED_WINDOW, TRUE)) != NULL);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled_window));
  sy_api_client_set_token (client, "revoked-meanwhile");
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;

    while (find_label_with_text (browser, "The server did not accept") == NULL)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        gtk_adjustment_set_value (adjustment,
                                  gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
        spin_main_context (100);
      }
  }
  g_assert_cmpstr (visible_state (browser), ==, "records");
  g_assert_false (sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  loaded = sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser));
  g_assert_cmpuint (loaded, >=, 50);
  gtk_adjustment_set_value (adjustment,
                            gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
  spin_main_context (500);
  g_assert_false (sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), ==, loaded);
  save_screenshot (window, "record-browser-error-later");

  sy_api_client_set_token (client, sy_sandbox_process_get_token (sandbox, "wms"));
  retry = find_button_with_label (browser, "Try _Again");
  g_assert_nonnull (retry);
  g_signal_emit_by_name (retry, "clicked");
  WAIT_UNTIL (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)) > loaded &&
              !sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  WAIT_UNTIL (find_label_with_text (browser, "The server did not accept") == NULL);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Under build-aux/test.sh there is always a display: without one this
   * is a failure, not a skip. */
  if (!gtk_init_check ())
    {
      g_printerr ("Cannot open a display; run the GUI tests through build-aux/test.sh\n");
      return 1;
    }
  adw_init ();

  g_timeout_add (50, keep_main_loop_awake, NULL);

  g_test_add_func ("/record-browser/pages-columns-scrolling", test_pages_columns_and_scrolling);
  g_test_add_func ("/record-browser/empty-entity", test_empty_entity);
  g_test_add_func ("/record-browser/wrong-token", test_wrong_token);

  return g_test_run ();
}
