/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-generate-certificate-dialog-private.h"

struct _SyGenerateCertificateDialog
{
  AdwWindow      parent_instance;

  GCancellable  *cancellable;
  gboolean       busy;
  char          *error_text;

  AdwComboRow   *key_type_row;
  AdwEntryRow   *common_name_row;
  AdwEntryRow   *organisation_row;
  GtkSpinButton *days_spin;
  GtkWidget     *generate_button;
  GtkWidget     *cancel_button;
  GtkSpinner    *spinner;
  GtkLabel      *progress_label;
  GtkLabel      *error_label;
  GtkWidget     *preferences_page;
};

G_DEFINE_FINAL_TYPE (SyGenerateCertificateDialog, sy_generate_certificate_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

enum {
  GENERATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The combo row lists the key types in the order of SyKeySpec. */
G_STATIC_ASSERT (SY_KEY_SPEC_RSA_3072 == 0);
G_STATIC_ASSERT (SY_KEY_SPEC_EC_P521 == 4);

static char *
get_stripped_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

/* RFC 4514: a value may hold any character once the special ones are
 * escaped, so "Acme, Inc." stays one attribute. */
static void
append_dn_value (GString    *dn,
                 const char *value)
{
  gsize length = strlen (value);

  for (gsize i = 0; i < length; i++)
    {
      char c = value[i];
      gboolean special = strchr (",+\"\\<>;=", c) != NULL
                         || (i == 0 && (c == '#' || c == ' '))
                         || (i == length - 1 && c == ' ');

      if (special)
        g_string_append_c (dn, '\\');
      g_string_append_c (dn, c);
    }
}

static void
update_sensitivity (SyGenerateCertificateDialog *self)
{
  g_autofree char *common_name = get_stripped_text (self->common_name_row);

  gtk_widget_set_sensitive (self->generate_button, !self->busy && *common_name != '\0');
  gtk_widget_set_sensitive (self->preferences_page, !self->busy);
}

static void
set_error (SyGenerateCertificateDialog *self,
           const char                  *text)
{
  g_free (self->error_text);
  self->error_text = g_strdup (text);
  gtk_label_set_text (self->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
set_busy (SyGenerateCertificateDialog *self,
          gboolean                     busy)
{
  if (self->busy == busy)
    return;

  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_label), busy);
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
inputs_changed_cb (SyGenerateCertificateDialog *self)
{
  if (!self->busy)
    set_error (self, NULL);
  update_sensitivity (self);
}

static void
generated_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GWeakRef *dialog_ref = user_data;
  g_autoptr(SyGenerateCertificateDialog) self = g_weak_ref_get (dialog_ref);
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  g_weak_ref_clear (dialog_ref);
  g_free (dialog_ref);

  certificate = sy_certificate_generate_finish (result, &key, &error);
  /* A key finished just as the user cancelled is dropped all the same. */
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;

  set_busy (self, FALSE);
  g_clear_object (&self->cancellable);

  if (certificate == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The certificate could not be generated: %s"), error->message);
      set_error (self, text);
      return;
    }

  g_signal_emit (self, signals[GENERATED], 0, certificate, key);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
generate_clicked_cb (SyGenerateCertificateDialog *self)
{
  g_autofree char *subject = sy_generate_certificate_dialog_get_subject (self);
  GWeakRef *dialog_ref;

  if (self->busy || subject == NULL)
    return;

  set_error (self, NULL);
  set_busy (self, TRUE);
  self->cancellable = g_cancellable_new ();

  /* Weak: a dialog closed while its key is being made (RSA-4096 takes
   * seconds) must go then, while the window it is transient for is still
   * there. Kept until the key came, it could outlive that window, and a
   * GTK 4.8 window destroyed with its parent keeps pointing at the parent:
   * finalized after it, it disconnects its handlers from freed memory. */
  dialog_ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (dialog_ref, self);
  sy_certificate_generate_async (sy_generate_certificate_dialog_get_key_spec (self),
                                 subject,
                                 sy_generate_certificate_dialog_get_days (self),
                                 self->cancellable,
                                 generated_cb,
                                 dialog_ref);
}

static void
cancel_clicked_cb (SyGenerateCertificateDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
sy_generate_certificate_dialog_close_request (GtkWindow *window)
{
  SyGenerateCertificateDialog *self = SY_GENERATE_CERTIFICATE_DIALOG (window);

  /* The key being made is thrown away: nothing was stored yet. */
  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (sy_generate_certificate_dialog_parent_class)->close_request (window);
}

static void
sy_generate_certificate_dialog_dispose (GObject *object)
{
  SyGenerateCertificateDialog *self = SY_GENERATE_CERTIFICATE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_GENERATE_CERTIFICATE_DIALOG);

  G_OBJECT_CLASS (sy_generate_certificate_dialog_parent_class)->dispose (object);
}

static void
sy_generate_certificate_dialog_finalize (GObject *object)
{
  SyGenerateCertificateDialog *self = SY_GENERATE_CERTIFICATE_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_free (self->error_text);

  G_OBJECT_CLASS (sy_generate_certificate_dialog_parent_class)->finalize (object);
}

static void
sy_generate_certificate_dialog_get_property (GObject    *object,
                                             guint       prop_id,
                                             GValue     *value,
                                             GParamSpec *pspec)
{
  SyGenerateCertificateDialog *self = SY_GENERATE_CERTIFICATE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_generate_certificate_dialog_class_init (SyGenerateCertificateDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sy_generate_certificate_dialog_dispose;
  object_class->finalize = sy_generate_certificate_dialog_finalize;
  object_class->get_property = sy_generate_certificate_dialog_get_property;
  window_class->close_request = sy_generate_certificate_dialog_close_request;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SyGenerateCertificateDialog::generated:
   * @certificate: the new self-signed certificate
   * @key: its private key
   */
  signals[GENERATED] =
    g_signal_new ("generated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, SY_TYPE_CERTIFICATE, SY_TYPE_PRIVATE_KEY);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-generate-certificate-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SyGenerateCertificateDialog, key_type_row);
  gtk_widget_class_bind_template_child (widget_class, SyGenerateCertificateDialog, common_name_row);
  gtk_widget_class_bind_template_child (widget_class, SyGenerateCertificateDialog, organisation_row);
  gtk_widget_class_bind_template_child (widget_class, SyGenerateCertificateDialog, days_spin);
  gtk_widget_class_bind_template_child (widget_class, SyGenerateCertificateDialog, generate_button);
  gtk_widget_class_bind_template_child (widget_class, SyGenerateCertificateDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, SyGenerateCertificateDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, SyGenerateCertificateDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, SyGenerateCertificateDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, SyGenerateCertificateDialog, preferences_page);
  gtk_widget_class_bind_template_callback (widget_class, generate_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, inputs_changed_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sy_generate_certificate_dialog_init (SyGenerateCertificateDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_sensitivity (self);
}

SyGenerateCertificateDialog *
sy_generate_certificate_dialog_new (GtkWindow *parent)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (SY_TYPE_GENERATE_CERTIFICATE_DIALOG,
                       "transient-for", parent,
                       NULL);
}

char *
sy_generate_certificate_dialog_get_subject (SyGenerateCertificateDialog *self)
{
  g_autofree char *common_name = NULL;
  g_autofree char *organisation = NULL;
  GString *dn;

  g_return_val_if_fail (SY_IS_GENERATE_CERTIFICATE_DIALOG (self), NULL);

  common_name = get_stripped_text (self->common_name_row);
  organisation = get_stripped_text (self->organisation_row);
  if (*common_name == '\0')
    return NULL;

  dn = g_string_new ("CN=");
  append_dn_value (dn, common_name);
  if (*organisation != '\0')
    {
      g_string_append (dn, ",O=");
      append_dn_value (dn, organisation);
    }
  return g_string_free (dn, FALSE);
}

SyKeySpec
sy_generate_certificate_dialog_get_key_spec (SyGenerateCertificateDialog *self)
{
  guint selected;

  g_return_val_if_fail (SY_IS_GENERATE_CERTIFICATE_DIALOG (self), SY_KEY_SPEC_RSA_3072);

  selected = adw_combo_row_get_selected (self->key_type_row);
  if (selected > SY_KEY_SPEC_EC_P521)
    return SY_KEY_SPEC_RSA_3072;
  return (SyKeySpec) selected;
}

void
sy_generate_certificate_dialog_set_key_spec (SyGenerateCertificateDialog *self,
                                             SyKeySpec                    spec)
{
  g_return_if_fail (SY_IS_GENERATE_CERTIFICATE_DIALOG (self));
  g_return_if_fail (spec <= SY_KEY_SPEC_EC_P521);

  adw_combo_row_set_selected (self->key_type_row, spec);
}

guint
sy_generate_certificate_dialog_get_days (SyGenerateCertificateDialog *self)
{
  int days;

  g_return_val_if_fail (SY_IS_GENERATE_CERTIFICATE_DIALOG (self), SY_CERTIFICATE_MAX_DAYS);

  /* The text may not have been committed to the adjustment yet. */
  gtk_spin_button_update (self->days_spin);
  days = gtk_spin_button_get_value_as_int (self->days_spin);
  return (guint) CLAMP (days, 1, SY_CERTIFICATE_MAX_DAYS);
}

gboolean
sy_generate_certificate_dialog_get_busy (SyGenerateCertificateDialog *self)
{
  g_return_val_if_fail (SY_IS_GENERATE_CERTIFICATE_DIALOG (self), FALSE);
  return self->busy;
}

const char *
sy_generate_certificate_dialog_get_error (SyGenerateCertificateDialog *self)
{
  g_return_val_if_fail (SY_IS_GENERATE_CERTIFICATE_DIALOG (self), NULL);
  return self->error_text;
}
