/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-application-private.h"
#include "sy-connection-page-private.h"
#include "sy-connection-row.h"
#include "sy-error.h"
#include "sy-gui-test-util.h"
#include "sy-record-browser-private.h"
#include "sy-test-support.h"
#include "sy-window-private.h"

static gboolean
page_has_records (SyConnectionPage *page)
{
  SyRecordBrowser *browser = sy_connection_page_get_record_browser (page);

  return sy_record_browser_get_n_loaded (browser) > 0 && !sy_record_browser_get_loading (browser);
}

static char *
keyring_lookup (SySecretStore  *secrets,
                const char     *connection_id,
                GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_secret_store_lookup_async (secrets, connection_id, SY_SECRET_KIND_ACCESS_TOKEN, NULL,
                                sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_secret_store_lookup_finish (secrets, result, error);
}

/* `switchyard --demo`: a sandbox, two connections with their tokens in the
 * keyring, the first one's sales orders on screen; stopping the demo takes
 * the tokens out of the keyring again. */
static void
test_demo (void)
{
  g_autoptr(SySecretStore) keyring = sy_secret_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *shot2 = NULL;
  g_autofree char *token = NULL;
  g_autofree char *demo_config = NULL;
  g_autoptr(GPtrArray) leaked = NULL;
  g_autoptr(SyConnection) mintsoft = NULL;
  g_autoptr(SyConnection) netsuite = NULL;
  SyApplication *app;
  SyWindow *window;
  SyDemo *demo;
  SyConnectionPage *page;
  SyRecordBrowser *browser;
  SyConnectionStore *store;

  app = sy_gui_test_start_app (NULL, NULL, TRUE);
  window = sy_gui_test_get_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 760);

  demo = sy_application_get_demo (app);
  g_assert_nonnull (demo);
  SY_GUI_WAIT_FOR (sy_demo_get_connections (demo)->len == 2 ||
                   g_strcmp0 (sy_gui_test_get_stack_page (window, SY_TYPE_WINDOW, "content_stack"), "demo-failed") == 0);
  g_assert_cmpstr (sy_gui_test_get_stack_page (window, SY_TYPE_WINDOW, "content_stack"), !=, "demo-failed");

  /* The demo keeps to a configuration directory of its own. */
  demo_config = g_build_filename (g_get_user_cache_dir (), "switchyard", "demo", "config", NULL);
  g_assert_cmpstr (sy_application_get_config_dir (app), ==, demo_config);

  store = sy_application_get_connection_store (app);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  mintsoft = g_object_ref (sy_connection_store_find_by_name (store, SY_DEMO_MINTSOFT_NAME));
  netsuite = g_object_ref (sy_connection_store_find_by_name (store, SY_DEMO_NETSUITE_NAME));
  g_assert_cmpstr (sy_connection_get_domain (mintsoft), ==, "wms");
  g_assert_cmpstr (sy_connection_get_platform (netsuite), ==, "netsuite");

  /* The first demo connection and its sales orders, without a click. */
  page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  browser = sy_connection_page_get_record_browser (page);
  g_assert_true (sy_window_get_selected_connection (window) == mintsoft);
  SY_GUI_WAIT_FOR (page_has_records (page));
  g_assert_cmpstr (sy_record_browser_get_entity (browser), ==, "wms/sales-orders");
  SY_GUI_WAIT_FOR (sy_connection_get_status (mintsoft) == SY_CONNECTION_STATUS_ACTIVE &&
                   sy_connection_get_status (netsuite) == SY_CONNECTION_STATUS_ACTIVE);

  /* The tokens live in the keyring (this session has one), not in files. */
  g_assert_false (sy_demo_get_tokens_in_memory (demo));
  g_assert_null (sy_window_get_banner_text (window));
  token = keyring_lookup (keyring, sy_connection_get_id (mintsoft), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, sy_sandbox_process_get_token (sy_demo_get_sandbox (demo), "wms"));
  leaked = sy_test_files_containing (sy_application_get_config_dir (app), token);
  g_assert_cmpuint (leaked->len, ==, 0);
  g_clear_pointer (&token, g_free);

  shot = sy_gui_test_screenshot (GTK_WIDGET (window), "demo-mintsoft");

  /* The other demo connection has data too. */
  sy_window_select_connection (window, netsuite);
  SY_GUI_WAIT_FOR (sy_connection_page_get_has_client (page));
  sy_connection_page_set_entity (page, "erp/customers");
  SY_GUI_WAIT_FOR (page_has_records (page) &&
                   g_strcmp0 (sy_record_browser_get_entity (browser), "erp/customers") == 0);
  shot2 = sy_gui_test_screenshot (GTK_WIDGET (window), "demo-netsuite");

  /* On a narrow screen the page takes the whole window. */
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 720);
  sy_gui_test_wait_frames (GTK_WIDGET (window), 5);
  g_clear_pointer (&shot2, g_free);
  shot2 = sy_gui_test_screenshot (GTK_WIDGET (window), "demo-narrow");

  /* Stopping the demo (as quitting does) clears its tokens. */
  sy_demo_stop_async (demo, NULL, sy_test_store_result, &stopped);
  sy_test_await (&stopped);
  g_assert_true (sy_demo_stop_finish (demo, stopped, &error));
  g_assert_no_error (error);
  token = keyring_lookup (keyring, sy_connection_get_id (mintsoft), &error);
  g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&token, g_free);
  token = keyring_lookup (keyring, sy_connection_get_id (netsuite), &error);
  g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);

  sy_gui_test_stop_app (app);
}

/* Without a keyring the demo still works, with its tokens in memory, and
 * says so. */
static void
test_demo_no_keyring (void)
{
  g_autofree char *shot = NULL;
  SyApplication *app;
  SyWindow *window;
  SyDemo *demo;
  SyConnectionPage *page;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  app = sy_gui_test_start_app (NULL, NULL, TRUE);
  window = sy_gui_test_get_window (app);
  demo = sy_application_get_demo (app);
  SY_GUI_WAIT_FOR (sy_demo_get_connections (demo)->len == 2 ||
                   g_strcmp0 (sy_gui_test_get_stack_page (window, SY_TYPE_WINDOW, "content_stack"), "demo-failed") == 0);
  g_assert_cmpstr (sy_gui_test_get_stack_page (window, SY_TYPE_WINDOW, "content_stack"), ==, "connection");

  g_assert_true (sy_demo_get_tokens_in_memory (demo));
  g_assert_true (sy_secret_store_is_in_memory (sy_application_get_secret_store (app)));
  g_assert_nonnull (sy_window_get_banner_text (window));
  g_assert_nonnull (strstr (sy_window_get_banner_text (window), "memory"));

  page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  SY_GUI_WAIT_FOR (page_has_records (page));
  shot = sy_gui_test_screenshot (GTK_WIDGET (window), "demo-no-keyring");

  sy_gui_test_stop_app (app);
}

/* Each demo starts from scratch: what an earlier one left is gone. */
static void
test_demo_dirs_fresh (void)
{
  g_autofree char *base = sy_test_make_tmpdir ("switchyard-demo");
  g_autofree char *config = NULL;
  g_autofree char *state = NULL;
  g_autofree char *stale = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_demo_prepare_dirs (base, &config, &state, &error));
  g_assert_no_error (error);
  stale = g_build_filename (config, "connections.json", NULL);
  g_assert_true (g_file_set_contents (stale, "[]", -1, NULL));

  g_clear_pointer (&config, g_free);
  g_clear_pointer (&state, g_free);
  g_assert_true (sy_demo_prepare_dirs (base, &config, &state, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (config, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (state, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));

  sy_test_remove_tree (base);
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/demo/dirs-fresh", test_demo_dirs_fresh);
  g_test_add_func ("/gui/demo/start", test_demo);
  g_test_add_func ("/gui/demo/no-keyring", test_demo_no_keyring);

  return g_test_run ();
}
