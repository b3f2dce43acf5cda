/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "sy-gui-test-util.h"
#include "sy-test-support.h"

/* The main window in German: the catalogue the build made from po/de.po,
 * bound the way src/gui/main.c binds it, with LANGUAGE=de on top of the
 * C.UTF-8 locale. */

static AdwStatusPage *
find_mapped_status_page (GtkWidget  *root,
                         const char *title)
{
  GtkWidget *child;

  if (ADW_IS_STATUS_PAGE (root) && gtk_widget_get_mapped (root) &&
      g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (root)), title) == 0)
    return ADW_STATUS_PAGE (root);

  for (child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwStatusPage *found = find_mapped_status_page (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_empty_window_in_german (void)
{
  g_autofree char *config_dir = sy_test_make_tmpdir ("switchyard-gui-de-config");
  g_autofree char *state_dir = sy_test_make_tmpdir ("switchyard-gui-de-state");
  g_autofree char *screenshot = NULL;
  SyApplication *app;
  SyWindow *window;

  app = sy_gui_test_start_app (config_dir, state_dir, FALSE);
  window = sy_gui_test_get_window (app);

  SY_GUI_WAIT_FOR (find_mapped_status_page (GTK_WIDGET (window), "Keine Verbindungen") != NULL);
  g_assert_null (find_mapped_status_page (GTK_WIDGET (window), "No Connections"));

  screenshot = sy_gui_test_screenshot (GTK_WIDGET (window), "main-window-empty-de");
  g_assert_true (g_file_test (screenshot, G_FILE_TEST_IS_REGULAR));

  sy_gui_test_stop_app (app);
  sy_test_remove_tree (config_dir);
  sy_test_remove_tree (state_dir);
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("SWITCHYARD_LOCALEDIR");

  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  sy_gui_test_init (&argc, &argv);

  g_assert_nonnull (localedir);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_test_add_func ("/translation/gui/empty-window-in-german", test_empty_window_in_german);

  return g_test_run ();
}
