/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include <libsoup/soup.h>

#include "sy-api-client.h"
#include "sy-connection-services.h"
#include "sy-example-mapping.h"
#include "sy-gui-test-util.h"
#include "sy-record-browser-private.h"
#include "sy-record-model.h"
#include "sy-sandbox-client.h"
#include "sy-state-store-sync.h"
#include "sy-sync-job.h"
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

  /* Refresh starts again from the first page; the rows stay on screen
   * until it is in. */
  g_assert_true (gtk_widget_activate_action (browser, "browser.refresh", NULL));
  g_assert_true (sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), ==, 300);
  g_assert_cmpstr (visible_state (browser), ==, "records");
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

static SyRecord *
shown_record (GtkWidget *browser,
              guint      position)
{
  GtkColumnView *column_view = GTK_COLUMN_VIEW (find_descendant (browser, GTK_TYPE_COLUMN_VIEW, FALSE));

  return g_list_model_get_item (G_LIST_MODEL (gtk_column_view_get_model (column_view)), position);
}

static char *
dup_string_property (gpointer    object,
                     const char *property)
{
  char *value = NULL;

  g_object_get (object, property, &value, NULL);
  return value;
}

static gboolean
string_property_is (gpointer    object,
                    const char *property,
                    const char *expected)
{
  g_autofree char *value = dup_string_property (object, property);

  return g_strcmp0 (value, expected) == 0;
}

static gboolean
idle_with_records (GtkWidget *browser)
{
  return sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)) > 0 &&
         !sy_record_browser_get_loading (SY_RECORD_BROWSER (browser));
}

static JsonObject *
find_by_key (GPtrArray  *records,
             const char *key)
{
  for (guint i = 0; i < records->len; i++)
    {
      JsonObject *object = g_ptr_array_index (records, i);
      JsonNode *member = json_object_get_member (object, "key");
      g_autofree char *text = JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING
        ? g_strdup (json_node_get_string (member))
        : g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (member));

      if (g_str_equal (text, key))
        return object;
    }

  return NULL;
}

/* The rows under widget whose titles start with prefix. An expander
 * row's header is a row of the same title inside it: counted once. */
static GPtrArray *
rows_titled (GtkWidget  *widget,
             const char *prefix,
             GPtrArray  *found)
{
  if (ADW_IS_PREFERENCES_ROW (widget) &&
      (found->len == 0 || !gtk_widget_is_ancestor (widget, g_ptr_array_index (found, found->len - 1)) ||
       !g_str_equal (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)),
                     adw_preferences_row_get_title (g_ptr_array_index (found, found->len - 1)))) &&
      g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), prefix))
    g_ptr_array_add (found, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    rows_titled (child, prefix, found);

  return found;
}

static GtkWidget *
row_titled (GtkWidget  *widget,
            const char *title)
{
  g_autoptr(GPtrArray) rows = rows_titled (widget, title, g_ptr_array_new ());

  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (adw_preferences_row_get_title (g_ptr_array_index (rows, i)), title))
      return g_ptr_array_index (rows, i);

  return NULL;
}

static GtkWidget *
find_button_with_action (GtkWidget  *widget,
                         const char *action)
{
  if (GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_with_action (child, action);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static const char * const few_records_args[] = { "--records", "30", NULL };

static void
test_detail_view (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (few_records_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, sy_sandbox_process_get_token (sandbox, "wms"));
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GPtrArray) sandbox_orders = NULL;
  g_autoptr(SyRecord) record = NULL;
  g_autoptr(SyRecord) detail_record = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) expected = NULL;
  g_autoptr(GPtrArray) line_rows = NULL;
  g_autofree char *lines_text = NULL;
  g_autofree char *copied = NULL;
  GtkWidget *browser = NULL;
  GtkWidget *window = new_window_with_browser (&browser);
  GtkWidget *lines_row;
  GtkWidget *address_row;
  GtkWidget *city_row;
  GtkWidget *copy_button;
  JsonObject *sandbox_order;
  JsonArray *sandbox_lines;

  sy_record_browser_set_client (SY_RECORD_BROWSER (browser), client, "wms");
  WAIT_UNTIL (idle_with_records (browser));
  sandbox_orders = sy_sandbox_client_list_all (sandbox, session, "wms", "wms/sales-orders");

  /* The third order, as the sandbox holds it. */
  record = shown_record (browser, 2);
  sandbox_order = find_by_key (sandbox_orders, sy_record_get_key (record));
  g_assert_nonnull (sandbox_order);
  sandbox_lines = json_object_get_array_member (sandbox_order, "lines");
  g_assert_cmpuint (json_array_get_length (sandbox_lines), >, 0);

  /* In the table, nested lines read as their first products, not as
   * "4 lines" alone. */
  lines_text = sy_record_get_display_text (record, "lines");
  g_test_message ("lines cell: %s", lines_text);
  g_assert_nonnull (strstr (lines_text, " × "));
  g_assert_nonnull (strstr (lines_text, json_object_get_string_member (json_array_get_object_element (sandbox_lines, 0),
                                                                       "productKey")));

  /* Enter or a double-click on a row opens it. */
  g_signal_emit_by_name (find_descendant (browser, GTK_TYPE_COLUMN_VIEW, FALSE), "activate", 2);
  g_object_get (browser, "detail-record", &detail_record, NULL);
  g_assert_true (detail_record == record);
  sy_gui_test_wait_frames (window, 10);

  /* Every field a row; the order's lines open, one row per line. */
  lines_row = row_titled (browser, "Lines");
  g_assert_nonnull (lines_row);
  g_assert_true (ADW_IS_EXPANDER_ROW (lines_row));
  g_assert_true (gtk_widget_get_mapped (lines_row));
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (lines_row)));
  line_rows = rows_titled (lines_row, "Line ", g_ptr_array_new ());
  g_assert_cmpuint (line_rows->len, ==, json_array_get_length (sandbox_lines));
  g_assert_nonnull (row_titled (browser, "Order Number"));

  /* A nested object opens into its fields, the values as the server has them. */
  address_row = row_titled (browser, "Shipment Address");
  g_assert_nonnull (address_row);
  g_assert_true (ADW_IS_EXPANDER_ROW (address_row));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (address_row), TRUE);
  sy_gui_test_wait_frames (window, 10);
  city_row = row_titled (address_row, "City");
  g_assert_nonnull (city_row);
  g_assert_nonnull (find_label_with_text (city_row,
                                          json_object_get_string_member (json_object_get_object_member (sandbox_order,
                                                                                                        "shipmentAddress"),
                                                                         "city")));
  save_screenshot (window, "record-browser-detail");
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  sy_gui_test_wait_frames (window, 10);
  g_assert_cmpuint (sy_gui_test_report_too_wide (window, 360), ==, 0);
  save_screenshot (window, "record-browser-detail-narrow");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  sy_gui_test_wait_frames (window, 10);
  save_screenshot (window, "record-browser-detail-narrow-dark");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* Copy as JSON: the record exactly as the sandbox holds it. */
  copy_button = find_button_with_action (browser, "detail.copy-json");
  g_assert_nonnull (copy_button);
  g_signal_emit_by_name (copy_button, "clicked");
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (browser), NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  copied = gdk_clipboard_read_text_finish (gtk_widget_get_clipboard (browser), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strchr (copied, '\n'));
  json_parser_load_from_data (parser, copied, -1, &error);
  g_assert_no_error (error);
  expected = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (expected, sandbox_order);
  g_assert_true (json_node_equal (json_parser_get_root (parser), expected));

  /* Back (Escape, Alt+Left, the Back button) returns to the list. */
  g_clear_object (&detail_record);
  g_assert_true (gtk_widget_activate_action (browser, "browser.back", NULL));
  g_object_get (browser, "detail-record", &detail_record, NULL);
  g_assert_null (detail_record);
  g_assert_true (gtk_widget_get_mapped (find_descendant (browser, GTK_TYPE_COLUMN_VIEW, FALSE)) ||
                 gtk_widget_get_child_visible (find_descendant (browser, GTK_TYPE_COLUMN_VIEW, FALSE)));

  gtk_window_destroy (GTK_WINDOW (window));
}

static guint
count_containing (GPtrArray  *records,
                  const char *field,
                  const char *text)
{
  guint n = 0;

  for (guint i = 0; i < records->len; i++)
    {
      JsonObject *object = g_ptr_array_index (records, i);
      const char *value = json_object_get_string_member_with_default (object, field, NULL);

      if (value != NULL && strcasestr (value, text) != NULL)
        n++;
    }

  return n;
}

static GtkDropDown *
search_field_dropdown (GtkWidget *browser)
{
  return sy_gui_test_get_child (browser, SY_TYPE_RECORD_BROWSER, "field_dropdown");
}

static void
type_search (GtkWidget  *browser,
             const char *text)
{
  GtkEditable *entry = sy_gui_test_get_child (browser, SY_TYPE_RECORD_BROWSER, "search_entry");

  gtk_editable_set_text (entry, text);
  /* The search waits for typing to pause, then asks the server. */
  WAIT_UNTIL (string_property_is (browser, "search-text", text[0] != '\0' ? text : NULL) &&
              !sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
}

static const char * const search_records_args[] = { "--records", "120", NULL };

static void
test_search (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (search_records_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, sy_sandbox_process_get_token (sandbox, "wms"));
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GPtrArray) orders = NULL;
  GtkWidget *browser = NULL;
  GtkWidget *window = new_window_with_browser (&browser);
  GtkSearchBar *search_bar;
  GtkDropDown *fields;
  AdwStatusPage *status;
  guint expected;
  guint code_position = GTK_INVALID_LIST_POSITION;

  sy_record_browser_set_client (SY_RECORD_BROWSER (browser), client, "wms");
  WAIT_UNTIL (idle_with_records (browser));
  orders = sy_sandbox_client_list_all (sandbox, session, "wms", "wms/sales-orders");
  g_assert_cmpuint (orders->len, ==, 120);

  /* Ctrl+F opens the search, on the order number first. */
  search_bar = sy_gui_test_get_child (browser, SY_TYPE_RECORD_BROWSER, "search_bar");
  g_assert_false (gtk_search_bar_get_search_mode (search_bar));
  g_assert_true (gtk_widget_activate_action (browser, "browser.search", NULL));
  g_assert_true (gtk_search_bar_get_search_mode (search_bar));
  g_assert_true (string_property_is (browser, "search-field", "orderNumber"));

  /* The server filters: exactly the orders whose number contains the
   * text, as counted in the sandbox's own data. */
  type_search (browser, "MS-10001");
  expected = count_containing (orders, "orderNumber", "MS-10001");
  g_assert_cmpuint (expected, ==, 10);
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), ==, expected);
  g_assert_cmpstr (visible_state (browser), ==, "records");
  for (guint i = 0; i < expected; i++)
    {
      g_autoptr(SyRecord) record = shown_record (browser, i);
      g_autofree char *number = sy_record_get_display_text (record, "orderNumber");

      g_assert_nonnull (strstr (number, "MS-10001"));
    }
  spin_main_context (300);
  save_screenshot (window, "record-browser-search");
  /* The toolbar and the search bar fit a phone. */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  sy_gui_test_wait_frames (window, 10);
  g_assert_cmpuint (sy_gui_test_report_too_wide (window, 360), ==, 0);
  save_screenshot (window, "record-browser-search-narrow");
  gtk_window_set_default_size (GTK_WINDOW (window), 960, 640);

  /* Another field: the codes. */
  fields = search_field_dropdown (browser);
  for (guint i = 0; i < g_list_model_get_n_items (gtk_drop_down_get_model (fields)); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (fields)), i), "Code"))
      code_position = i;
  g_assert_cmpuint (code_position, !=, GTK_INVALID_LIST_POSITION);
  gtk_drop_down_set_selected (fields, code_position);
  g_assert_true (string_property_is (browser, "search-field", "code"));
  type_search (browser, "so000011");
  expected = count_containing (orders, "code", "so000011");
  g_assert_cmpuint (expected, >, 1);
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), ==, expected);

  /* Nothing found says what was searched where. */
  type_search (browser, "no-such-code");
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), ==, 0);
  g_assert_cmpstr (visible_state (browser), ==, "empty");
  spin_main_context (300);
  status = ADW_STATUS_PAGE (find_descendant (browser, ADW_TYPE_STATUS_PAGE, TRUE));
  g_assert_nonnull (status);
  g_assert_cmpstr (adw_status_page_get_title (status), ==, "No Matches");
  g_assert_nonnull (strstr (adw_status_page_get_description (status), "“no-such-code”"));
  g_assert_nonnull (strstr (adw_status_page_get_description (status), "Code"));
  save_screenshot (window, "record-browser-search-empty");

  /* Closing the search lists everything again. */
  gtk_search_bar_set_search_mode (search_bar, FALSE);
  WAIT_UNTIL (string_property_is (browser, "search-text", NULL) && idle_with_records (browser));
  g_assert_cmpuint (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)), >, expected);

  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkColumnViewColumn *
column_titled (GtkWidget  *browser,
               const char *title)
{
  GListModel *columns = gtk_column_view_get_columns (GTK_COLUMN_VIEW (find_descendant (browser, GTK_TYPE_COLUMN_VIEW, FALSE)));

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      if (g_str_equal (gtk_column_view_column_get_title (column), title))
        return column;
    }

  return NULL;
}

/* The first keys of a direct query to the sandbox. */
static GPtrArray *
keys_of_query (SySandboxProcess *sandbox,
               SoupSession      *session,
               const char       *path_and_query)
{
  g_autoptr(JsonNode) answer = sy_sandbox_client_get (sandbox, session, "wms", path_and_query);
  JsonArray *data = json_object_get_array_member (json_node_get_object (answer), "data");
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (data); i++)
    {
      JsonNode *key = json_object_get_member (json_array_get_object_element (data, i), "key");

      g_ptr_array_add (keys, json_node_get_value_type (key) == G_TYPE_STRING
                             ? g_strdup (json_node_get_string (key))
                             : g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (key)));
    }

  return keys;
}

static void
assert_rows_in_order (GtkWidget *browser,
                      GPtrArray *keys)
{
  guint n = MIN (keys->len, sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)));

  g_assert_cmpuint (n, >=, 20);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyRecord) record = shown_record (browser, i);

      g_assert_cmpstr (sy_record_get_key (record), ==, g_ptr_array_index (keys, i));
    }
}

static void
test_sort (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (search_records_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, sy_sandbox_process_get_token (sandbox, "wms"));
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GPtrArray) descending = NULL;
  g_autoptr(GPtrArray) ascending = NULL;
  g_autoptr(GPtrArray) unsorted = NULL;
  GtkWidget *browser = NULL;
  GtkWidget *window = new_window_with_browser (&browser);
  GtkColumnView *column_view;
  GtkColumnViewColumn *column;

  sy_record_browser_set_client (SY_RECORD_BROWSER (browser), client, "wms");
  WAIT_UNTIL (idle_with_records (browser));
  unsorted = keys_of_query (sandbox, session, "/api/wms/sales-orders?per_page=50");
  assert_rows_in_order (browser, unsorted);

  /* A click on a header (twice: descending) sorts on the server. */
  column_view = GTK_COLUMN_VIEW (find_descendant (browser, GTK_TYPE_COLUMN_VIEW, FALSE));
  column = column_titled (browser, "Order Number");
  g_assert_nonnull (column);
  g_assert_nonnull (gtk_column_view_column_get_sorter (column));
  gtk_column_view_sort_by_column (column_view, column, GTK_SORT_DESCENDING);
  g_assert_true (string_property_is (browser, "sort-field", "orderNumber"));
  g_assert_true (sy_gui_test_get_boolean (browser, "sort-descending"));
  WAIT_UNTIL (idle_with_records (browser));
  descending = keys_of_query (sandbox, session, "/api/wms/sales-orders?sort%5BorderNumber%5D=1&per_page=50");
  assert_rows_in_order (browser, descending);
  {
    g_autoptr(SyRecord) first = shown_record (browser, 0);
    g_autofree char *number = sy_record_get_display_text (first, "orderNumber");

    g_assert_cmpstr (number, ==, "MS-100120");
  }
  /* The columns stay, and with them the arrow in the header. */
  g_assert_true (column_titled (browser, "Order Number") == column);
  spin_main_context (300);
  save_screenshot (window, "record-browser-sorted");

  gtk_column_view_sort_by_column (column_view, column, GTK_SORT_ASCENDING);
  g_assert_false (sy_gui_test_get_boolean (browser, "sort-descending"));
  WAIT_UNTIL (idle_with_records (browser));
  ascending = keys_of_query (sandbox, session, "/api/wms/sales-orders?sort%5BorderNumber%5D=0&per_page=50");
  assert_rows_in_order (browser, ascending);
  g_assert_cmpstr (g_ptr_array_index (ascending, 0), !=, g_ptr_array_index (descending, 0));

  /* The same from the keyboard: the Sort menu's actions. */
  {
    g_autoptr(GPtrArray) by_code = keys_of_query (sandbox, session, "/api/wms/sales-orders?sort%5Bcode%5D=1&per_page=50");
    GtkWidget *sort_button = sy_gui_test_get_child (browser, SY_TYPE_RECORD_BROWSER, "sort_button");
    GMenuModel *menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (sort_button));

    g_assert_nonnull (menu);
    g_assert_true (gtk_widget_get_sensitive (sort_button));
    g_assert_true (gtk_widget_activate_action (browser, "browser.sort-field", "s", "code"));
    g_assert_true (string_property_is (browser, "sort-field", "code"));
    g_assert_false (sy_gui_test_get_boolean (browser, "sort-descending"));
    g_assert_true (gtk_widget_activate_action (browser, "browser.sort-descending", NULL));
    g_assert_true (sy_gui_test_get_boolean (browser, "sort-descending"));
    WAIT_UNTIL (idle_with_records (browser));
    assert_rows_in_order (browser, by_code);
    /* Back to Order Number, ascending, as the header click left it. */
    g_assert_true (gtk_widget_activate_action (browser, "browser.sort-field", "s", "orderNumber"));
    g_assert_true (gtk_widget_activate_action (browser, "browser.sort-descending", NULL));
    g_assert_false (sy_gui_test_get_boolean (browser, "sort-descending"));
    WAIT_UNTIL (idle_with_records (browser));
    assert_rows_in_order (browser, ascending);
  }

  /* A search keeps the order, and Refresh keeps both. */
  g_assert_true (gtk_widget_activate_action (browser, "browser.search", NULL));
  type_search (browser, "MS-1000");
  g_assert_true (string_property_is (browser, "sort-field", "orderNumber"));
  g_assert_true (gtk_widget_activate_action (browser, "browser.refresh", NULL));
  WAIT_UNTIL (idle_with_records (browser));
  g_assert_true (string_property_is (browser, "search-text", "MS-1000"));
  {
    g_autoptr(SyRecord) first = shown_record (browser, 0);
    g_autofree char *number = sy_record_get_display_text (first, "orderNumber");

    g_assert_cmpstr (number, ==, "MS-100001");
  }

  /* The window's Refresh opens the connection's client again, as the
   * connection page does it: still searched and sorted. */
  sy_record_browser_set_client (SY_RECORD_BROWSER (browser), NULL, NULL);
  sy_record_browser_set_client (SY_RECORD_BROWSER (browser), client, "wms");
  sy_record_browser_set_entity (SY_RECORD_BROWSER (browser), "wms/sales-orders");
  WAIT_UNTIL (idle_with_records (browser));
  g_assert_true (string_property_is (browser, "search-text", "MS-1000"));
  g_assert_true (string_property_is (browser, "sort-field", "orderNumber"));
  for (guint i = 0; i < sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)); i++)
    {
      g_autoptr(SyRecord) record = shown_record (browser, i);
      g_autofree char *number = sy_record_get_display_text (record, "orderNumber");

      g_assert_nonnull (strstr (number, "MS-1000"));
    }
  {
    g_autoptr(SyRecord) first = shown_record (browser, 0);
    g_autofree char *number = sy_record_get_display_text (first, "orderNumber");

    g_assert_cmpstr (number, ==, "MS-100001");
  }

  /* Another entity starts over: its own columns, the server's order. */
  sy_record_browser_set_entity (SY_RECORD_BROWSER (browser), "wms/products");
  g_assert_true (string_property_is (browser, "sort-field", ""));
  g_assert_true (string_property_is (browser, "search-text", NULL));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_reload_after_sync (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (few_records_args);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SyConnection) connection = sy_connection_new ("ERP", sy_sandbox_process_get_url (sandbox));
  g_autoptr(SyApiClient) target = NULL;
  g_autoptr(SyApiClient) source = client_for (sandbox, sy_sandbox_process_get_token (sandbox, "wms"));
  g_autofree char *state_dir = sy_test_make_tmpdir ("record-browser");
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SySyncOptions options;
  GtkWidget *browser = NULL;
  GtkWidget *window = new_window_with_browser (&browser);
  gint64 written;

  /* The ERP has no sales orders yet. */
  target = sy_connection_create_client (connection, sy_sandbox_process_get_token (sandbox, "erp"), &error);
  g_assert_no_error (error);
  sy_record_browser_set_client (SY_RECORD_BROWSER (browser), target, "erp");
  g_assert_cmpstr (sy_record_browser_get_entity (SY_RECORD_BROWSER (browser)), ==, "erp/sales-orders");
  WAIT_UNTIL (!sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpstr (visible_state (browser), ==, "empty");

  /* A sync in this process writes them, batch after batch. */
  store = sy_state_store_open (state_dir, &error);
  g_assert_no_error (error);
  mapping = sy_mapping_new_from_data (sy_example_mapping, -1, "example.json", &error);
  g_assert_no_error (error);
  sy_sync_options_init (&options);
  options.batch_size = 10;
  job = sy_sync_job_new (store, mapping, source, target, &options);
  sy_sync_job_run_async (job, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_sync_job_run_finish (job, result, &error));
  g_assert_no_error (error);
  written = sy_sandbox_client_count (sandbox, session, "erp/sales-orders");
  g_assert_cmpint (written, >, 0);

  /* Nobody pressed Refresh: the list shows what the sync wrote. */
  WAIT_UNTIL (sy_record_browser_get_n_loaded (SY_RECORD_BROWSER (browser)) == (guint) written &&
              !sy_record_browser_get_loading (SY_RECORD_BROWSER (browser)));
  g_assert_cmpstr (visible_state (browser), ==, "records");

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&job);
  g_clear_object (&store);
  sy_test_remove_tree (state_dir);
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
  g_test_add_func ("/record-browser/detail-view", test_detail_view);
  g_test_add_func ("/record-browser/search", test_search);
  g_test_add_func ("/record-browser/sort", test_sort);
  g_test_add_func ("/record-browser/reload-after-sync", test_reload_after_sync);

  return g_test_run ();
}
