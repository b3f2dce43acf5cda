/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-mapping-editor-internal.h"

/* The editor's own window, and the demo mapping. */

/* The editor's window */

static void
close_window_later (gpointer user_data)
{
  g_autoptr(GtkWindow) window = user_data;

  gtk_window_close (window);
}

static void
window_close_answered (SyMappingEditor *editor,
                       gboolean         proceed,
                       gpointer         user_data)
{
  GtkWindow *window = user_data;

  /* Once the question has gone: closing its parent under it would leave
   * the dialog pointing at a window that no longer exists. */
  if (proceed)
    {
      g_object_set_data (G_OBJECT (window), "sy-may-close", GINT_TO_POINTER (TRUE));
      g_idle_add_once (close_window_later, g_object_ref (window));
    }
  g_object_unref (window);
}

static gboolean
window_close_request_cb (GtkWindow *window)
{
  SyMappingEditor *editor = sy_mapping_editor_from_window (window);

  if (editor == NULL || g_object_get_data (G_OBJECT (window), "sy-may-close") ||
      !sy_mapping_editor_has_unsaved_changes (editor))
    return FALSE;

  sy_mapping_editor_confirm_close (editor, window_close_answered, g_object_ref (window));
  return TRUE;
}

GtkWindow *
sy_mapping_editor_present_window (GtkApplication    *application,
                                  SyConnectionStore *connections,
                                  SySecretStore     *secrets,
                                  const char        *mappings_dir)
{
  GList *windows = gtk_application_get_windows (application);
  SyMappingEditor *editor;
  GtkWidget *window;

  for (GList *l = windows; l != NULL; l = l->next)
    if (sy_mapping_editor_from_window (l->data) != NULL)
      {
        gtk_window_present (l->data);
        return l->data;
      }

  editor = sy_mapping_editor_new (connections, secrets, mappings_dir);
  window = adw_window_new ();
  gtk_window_set_application (GTK_WINDOW (window), application);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 780);
  gtk_widget_set_size_request (window, 360, 400);
  adw_window_set_content (ADW_WINDOW (window), GTK_WIDGET (editor));
  g_object_set_data (G_OBJECT (window), "sy-mapping-editor", editor);
  g_signal_connect (window, "close-request", G_CALLBACK (window_close_request_cb), NULL);
  sy_mapping_editor_update_title (editor);
  gtk_window_present (GTK_WINDOW (window));
  return GTK_WINDOW (window);
}

static char *
mappings_dir_of (SyApplication *application)
{
  return g_build_filename (sy_application_get_config_dir (application), "mappings", NULL);
}

GtkWindow *
sy_mapping_editor_present_for_application (SyApplication *application)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (SY_IS_APPLICATION (application), NULL);

  dir = mappings_dir_of (application);
  return sy_mapping_editor_present_window (GTK_APPLICATION (application),
                                           sy_application_get_connection_store (application),
                                           sy_application_get_secret_store (application),
                                           dir);
}

gboolean
sy_mapping_editor_install_demo_mapping_for (SyApplication  *application,
                                            GError        **error)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (SY_IS_APPLICATION (application), FALSE);

  dir = mappings_dir_of (application);
  return sy_mapping_editor_install_demo_mapping (dir, error);
}

SyMappingEditor *
sy_mapping_editor_from_window (GtkWindow *window)
{
  g_return_val_if_fail (GTK_IS_WINDOW (window), NULL);
  return g_object_get_data (G_OBJECT (window), "sy-mapping-editor");
}

gboolean
sy_mapping_editor_install_demo_mapping (const char  *mappings_dir,
                                        GError     **error)
{
  g_autofree char *path = g_build_filename (mappings_dir, DEMO_MAPPING_FILE, NULL);
  g_autoptr(GBytes) bytes = NULL;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;

  bytes = g_resources_lookup_data (DEMO_MAPPING_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return FALSE;
  if (g_mkdir_with_parents (mappings_dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create “%s”: %s"), mappings_dir, g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}
