/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-certificate.h"

G_BEGIN_DECLS

#define SY_TYPE_GENERATE_CERTIFICATE_DIALOG (sy_generate_certificate_dialog_get_type ())
G_DECLARE_FINAL_TYPE (SyGenerateCertificateDialog, sy_generate_certificate_dialog, SY, GENERATE_CERTIFICATE_DIALOG, AdwWindow)

/* Asks for a key type, a subject and a validity, then makes the key pair
 * and a self-signed certificate off the main thread. Emits "generated"
 * (SyCertificate, SyPrivateKey) and closes on success; Cancel (or closing
 * the window) stops the work and emits nothing. Storing the result is the
 * caller's business. */
SyGenerateCertificateDialog *sy_generate_certificate_dialog_new (GtkWindow *parent);

/* The subject as an RFC 4514 DN ("CN=Acme Ltd,O=Acme"), special
 * characters escaped, or NULL when no common name was given. */
char          *sy_generate_certificate_dialog_get_subject      (SyGenerateCertificateDialog *self);
SyKeySpec      sy_generate_certificate_dialog_get_key_spec     (SyGenerateCertificateDialog *self);
void           sy_generate_certificate_dialog_set_key_spec     (SyGenerateCertificateDialog *self,
                                                                SyKeySpec                    spec);
guint          sy_generate_certificate_dialog_get_days         (SyGenerateCertificateDialog *self);
/* The "busy" property: a key is being made. */
gboolean       sy_generate_certificate_dialog_get_busy         (SyGenerateCertificateDialog *self);
/* The error shown inline, or NULL. */
const char    *sy_generate_certificate_dialog_get_error        (SyGenerateCertificateDialog *self);

/* Its parts, for tests that type and click as a person would. */
AdwComboRow   *sy_generate_certificate_dialog_get_key_type_row      (SyGenerateCertificateDialog *self);
GtkEditable   *sy_generate_certificate_dialog_get_common_name_entry (SyGenerateCertificateDialog *self);
GtkEditable   *sy_generate_certificate_dialog_get_organisation_entry (SyGenerateCertificateDialog *self);
GtkSpinButton *sy_generate_certificate_dialog_get_days_spin         (SyGenerateCertificateDialog *self);
GtkWidget     *sy_generate_certificate_dialog_get_generate_button   (SyGenerateCertificateDialog *self);
GtkWidget     *sy_generate_certificate_dialog_get_cancel_button     (SyGenerateCertificateDialog *self);

G_END_DECLS
