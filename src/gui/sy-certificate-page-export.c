/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-certificate-page-internal.h"

/* Exporting the public certificate, and copying its fingerprint. */

/* ---------------------------------------------------------------------
 * Exporting and copying
 * ------------------------------------------------------------------ */

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SyCertificatePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = file_display_name (G_FILE (source));

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      g_autofree char *body = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      body = g_strdup_printf (_("“%s” could not be written: %s"), name, error->message);
      sy_certificate_page_show_error_dialog (self, _("Certificate Not Exported"), body);
      return;
    }

  {
    g_autofree char *title = g_strdup_printf (_("Public certificate saved as “%s”"), name);
    show_toast (self, title);
  }
}

void
sy_certificate_page_export_to_file (SyCertificatePage *self,
                                    GFile             *file)
{
  g_autoptr(GBytes) bytes = NULL;
  char *pem;

  g_return_if_fail (SY_IS_CERTIFICATE_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->certificate == NULL)
    return;

  pem = sy_certificate_to_pem (self->certificate);
  bytes = g_bytes_new_take (pem, strlen (pem));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_NONE,
                                       self->cancellable, exported_cb, g_object_ref (self));
}

static void
export_chooser_response_cb (GtkNativeDialog   *chooser,
                            int                response,
                            SyCertificatePage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        sy_certificate_page_export_to_file (self, file);
    }
  if (self->chooser == GTK_FILE_CHOOSER_NATIVE (chooser))
    g_clear_object (&self->chooser);
}

/* "Acme / Prod" → "Acme-Prod-certificate.pem": a name any file system takes. */
static char *
suggest_file_name (SyConnection *connection)
{
  GString *name = g_string_new (NULL);
  gboolean dash = FALSE;

  for (const char *p = sy_connection_get_name (connection); *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c) || c == '_' || c == '.')
        {
          g_string_append_unichar (name, c);
          dash = FALSE;
        }
      else if (!dash && name->len > 0)
        {
          g_string_append_c (name, '-');
          dash = TRUE;
        }
    }
  if (name->len > 0 && !dash)
    g_string_append_c (name, '-');
  g_string_append (name, "certificate.pem");
  return g_string_free (name, FALSE);
}

void
sy_certificate_page_export_action (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *parameter)
{
  SyCertificatePage *self = SY_CERTIFICATE_PAGE (widget);
  static const char *pem_patterns[] = { "*.pem", "*.crt", "*.cer", NULL };
  g_autofree char *suggested = NULL;
  GtkFileChooserNative *chooser;

  if (self->certificate == NULL || self->connection == NULL)
    return;

  chooser = sy_certificate_page_new_chooser (self, _("Export Public Certificate"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"));
  add_filter (GTK_FILE_CHOOSER (chooser), _("Certificates (PEM)"), pem_patterns);
  suggested = suggest_file_name (self->connection);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
sy_certificate_page_copy_fingerprint_action (GtkWidget  *widget,
                                             const char *action_name,
                                             GVariant   *parameter)
{
  SyCertificatePage *self = SY_CERTIFICATE_PAGE (widget);

  if (self->certificate == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          sy_certificate_get_sha256_fingerprint (self->certificate));
  show_toast (self, _("Fingerprint copied"));
}
