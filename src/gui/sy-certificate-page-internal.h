/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the parts of the certificate page share: its instance struct and helpers.
 * Only its own files include this; tests include sy-certificate-page-private.h. */

#include <glib/gi18n.h>

#include "sy-certificate-page-private.h"
#include "sy-netsuite-login.h"

G_BEGIN_DECLS

struct _SyCertificatePage
{
  AdwBin             parent_instance;

  SyConnection      *connection;
  SyConnectionStore *connections;
  SySecretStore     *secrets;
  SyStateStore      *state;
  SyCertificate     *certificate;

  /* Cancelled whenever the page turns to another connection. */
  GCancellable      *cancellable;
  GCancellable      *login_cancellable;
  gboolean           loading;
  gboolean           storing;
  gboolean           testing_login;
  gboolean           needs_attention;
  char              *error_text;
  char              *login_result;
  GPtrArray         *problem_rows;
  GtkFileChooserNative *chooser;

  AdwToastOverlay   *toast_overlay;
  GtkStack          *stack;
  GtkSpinner        *loading_spinner;
  AdwStatusPage     *empty_page;
  GtkLabel          *subject_label;
  GtkLabel          *organisation_label;
  GtkLabel          *issuer_label;
  GtkImage          *expiry_icon;
  GtkLabel          *expiry_label;
  AdwPreferencesGroup *problems_group;
  AdwExpanderRow    *details_row;
  AdwActionRow      *subject_row;
  AdwActionRow      *issuer_row;
  AdwActionRow      *serial_row;
  AdwActionRow      *not_before_row;
  AdwActionRow      *not_after_row;
  AdwActionRow      *key_row;
  AdwActionRow      *signature_row;
  AdwActionRow      *fingerprint_row;
  AdwEntryRow       *account_row;
  AdwEntryRow       *client_id_row;
  AdwEntryRow       *certificate_id_row;
  AdwExpanderRow    *advanced_row;
  AdwEntryRow       *token_url_row;
  AdwActionRow      *login_row;
  GtkImage          *login_icon;
  GtkSpinner        *login_spinner;
  GtkWidget         *test_login_button;
  GtkLabel          *login_error_label;
};

static inline GtkWindow *
get_parent_window (SyCertificatePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static inline void
show_toast (SyCertificatePage *self,
            const char        *title)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

static inline void
set_error_text (SyCertificatePage *self,
                const char        *text)
{
  g_free (self->error_text);
  self->error_text = g_strdup (text);
}

static inline void
set_login_error (SyCertificatePage *self,
                 const char        *text)
{
  if (text != NULL)
    set_error_text (self, text);
  gtk_label_set_text (self->login_error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->login_error_label), text != NULL);
}

static inline void
set_style (GtkWidget  *widget,
           const char *style)
{
  gtk_widget_remove_css_class (widget, "warning");
  gtk_widget_remove_css_class (widget, "error");
  gtk_widget_remove_css_class (widget, "success");
  if (style != NULL)
    gtk_widget_add_css_class (widget, style);
}

/* An answer for a connection the page no longer shows must be dropped:
 * each operation carries the cancellable that was current when it began. */
typedef struct
{
  SyCertificatePage *self;
  GCancellable      *cancellable;
  SyConnection      *connection;
  /* Certificates being stored or imported. */
  SyCertificate     *certificate;
  SyPrivateKey      *key;
  const char        *done_message;
  /* Imports. */
  GFile             *certificate_file;
  GFile             *key_file;
  GBytes            *key_data;
  /* key_data is a PKCS#12 bundle, certificate and key behind one passphrase. */
  gboolean           key_data_is_bundle;
  /* Login tests. */
  SyNetsuiteLogin   *login;
} Operation;

static inline Operation *
operation_new (SyCertificatePage *self,
               GCancellable      *cancellable)
{
  Operation *op = g_new0 (Operation, 1);

  op->self = g_object_ref (self);
  op->cancellable = g_object_ref (cancellable);
  op->connection = g_object_ref (self->connection);
  return op;
}

static inline void
operation_free (Operation *op)
{
  g_object_unref (op->self);
  g_object_unref (op->cancellable);
  g_object_unref (op->connection);
  g_clear_object (&op->certificate);
  g_clear_object (&op->key);
  g_clear_object (&op->certificate_file);
  g_clear_object (&op->key_file);
  g_clear_pointer (&op->key_data, g_bytes_unref);
  g_clear_object (&op->login);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Operation, operation_free)

static inline gboolean
operation_is_stale (Operation *op)
{
  return g_cancellable_is_cancelled (op->cancellable) || op->self->connection != op->connection;
}

/* ---------------------------------------------------------------------
 * Importing
 * ------------------------------------------------------------------ */

static inline char *
file_display_name (GFile *file)
{
  g_autofree char *basename = g_file_get_basename (file);

  return g_filename_display_name (basename != NULL ? basename : "");
}

static inline void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *patterns[])
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (chooser, filter);
}

/* sy-certificate-page.c */
void sy_certificate_page_show_error_dialog (SyCertificatePage *self,
                                            const char        *heading,
                                            const char        *body);
void sy_certificate_page_set_flag (SyCertificatePage *self,
                                   gboolean          *flag,
                                   gboolean           value);
void sy_certificate_page_set_certificate (SyCertificatePage *self,
                                          SyCertificate     *certificate);
GtkFileChooserNative  *sy_certificate_page_new_chooser (SyCertificatePage    *self,
                                                        const char           *title,
                                                        GtkFileChooserAction  action,
                                                        const char           *accept_label);

/* sy-certificate-page-details.c: the certificate as the viewer shows it */
void sy_certificate_page_show_certificate (SyCertificatePage *self);
void sy_certificate_page_certificate_loaded_cb (GObject      *source,
                                                GAsyncResult *result,
                                                gpointer      user_data);

/* sy-certificate-page-netsuite.c: NetSuite set-up and the login test */
void sy_certificate_page_load_netsuite_options (SyCertificatePage *self);
void sy_certificate_page_reset_login (SyCertificatePage *self);
void sy_certificate_page_account_changed_cb (SyCertificatePage *self);
void sy_certificate_page_netsuite_apply_cb (SyCertificatePage *self);
void sy_certificate_page_test_login_action (GtkWidget  *widget,
                                            const char *action_name,
                                            GVariant   *parameter);

/* sy-certificate-page-export.c: export and copy the fingerprint */
void sy_certificate_page_export_action (GtkWidget  *widget,
                                        const char *action_name,
                                        GVariant   *parameter);
void sy_certificate_page_copy_fingerprint_action (GtkWidget  *widget,
                                                  const char *action_name,
                                                  GVariant   *parameter);

G_END_DECLS
