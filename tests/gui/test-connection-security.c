/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-add-connection-dialog-private.h"
#include "sy-add-connection-dialog.h"
#include "sy-connection-page.h"
#include "sy-gui-test-util.h"
#include "sy-test-support.h"

/* Plain http to another machine in the GUI: the Add Connection dialog
 * refuses it until its switch is turned on, and the connection page warns
 * for as long as a connection sends its token that way. */

#define REMOTE_URL "http://switchyard-test.invalid:8080"

static AdwPreferencesRow *
find_row (GtkWidget  *root,
          const char *title)
{
  GtkWidget *child;

  if (ADW_IS_PREFERENCES_ROW (root) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return ADW_PREFERENCES_ROW (root);

  for (child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      AdwPreferencesRow *found = find_row (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkSwitch *
find_switch (GtkWidget *root)
{
  GtkWidget *child;

  if (GTK_IS_SWITCH (root))
    return GTK_SWITCH (root);
  for (child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkSwitch *found = find_switch (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_dialog_insecure_switch (void)
{
  g_autofree char *config_dir = sy_test_make_tmpdir ("switchyard-gui-security");
  g_autoptr(SyConnectionStore) store = sy_connection_store_new (config_dir);
  g_autoptr(SySecretStore) secrets = sy_secret_store_new ();
  SyAddConnectionDialog *dialog = sy_add_connection_dialog_new (NULL, store, secrets);
  AdwPreferencesRow *row;
  GtkSwitch *allow;

  gtk_window_present (GTK_WINDOW (dialog));
  row = find_row (GTK_WIDGET (dialog), "Allow _Unencrypted HTTP");
  g_assert_nonnull (row);
  allow = find_switch (GTK_WIDGET (row));
  g_assert_nonnull (allow);

  gtk_editable_set_text (sy_add_connection_dialog_get_name_entry (dialog), "Remote");
  gtk_editable_set_text (sy_add_connection_dialog_get_token_entry (dialog), "a-token");
  /* https (the default address): nothing to allow. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (row)));
  g_assert_true (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));

  gtk_editable_set_text (sy_add_connection_dialog_get_url_entry (dialog), REMOTE_URL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (row)));
  g_assert_false (gtk_switch_get_active (allow));
  g_assert_false (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));
  g_assert_false (gtk_widget_get_sensitive (sy_add_connection_dialog_get_test_button (dialog)));
  g_assert_nonnull (strstr (sy_add_connection_dialog_get_error (dialog), "unencrypted"));
  sy_gui_test_wait_frames (GTK_WIDGET (dialog), 3);
  g_free (sy_gui_test_screenshot (GTK_WIDGET (dialog), "add-connection-insecure-http"));

  gtk_switch_set_active (allow, TRUE);
  g_assert_true (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));
  g_assert_null (sy_add_connection_dialog_get_error (dialog));

  /* This machine is not "another machine". */
  gtk_switch_set_active (allow, FALSE);
  gtk_editable_set_text (sy_add_connection_dialog_get_url_entry (dialog), "http://127.0.0.1:8080");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (row)));
  g_assert_true (gtk_widget_get_sensitive (sy_add_connection_dialog_get_add_button (dialog)));

  gtk_window_destroy (GTK_WINDOW (dialog));
  sy_test_remove_tree (config_dir);
}

static void
test_page_warns (void)
{
  g_autoptr(SySecretStore) secrets = sy_secret_store_new ();
  g_autoptr(SyConnection) remote = sy_connection_new ("Remote", REMOTE_URL);
  g_autoptr(SyConnection) local = sy_connection_new ("Local", "http://localhost:8080");
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = sy_connection_page_new ();
  AdwPreferencesRow *warning;

  gtk_window_set_child (GTK_WINDOW (window), page);
  sy_connection_page_set_secret_store (SY_CONNECTION_PAGE (page), secrets);
  warning = find_row (page, "Token Sent Unencrypted");
  g_assert_nonnull (warning);

  sy_connection_set_allow_insecure_http (remote, TRUE);
  sy_connection_page_set_connection (SY_CONNECTION_PAGE (page), remote);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (warning)));
  sy_gui_test_wait_frames (window, 3);
  g_free (sy_gui_test_screenshot (window, "connection-page-insecure-http"));

  /* Loopback is never a warning, even when allowed. */
  sy_connection_set_allow_insecure_http (local, TRUE);
  sy_connection_page_set_connection (SY_CONNECTION_PAGE (page), local);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (warning)));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/connection-security/dialog-insecure-switch", test_dialog_insecure_switch);
  g_test_add_func ("/gui/connection-security/page-warns", test_page_warns);

  return g_test_run ();
}
