/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-generate-certificate-dialog.h"

G_BEGIN_DECLS

/* What the dialog was asked for, and where it stands. */

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

G_END_DECLS
