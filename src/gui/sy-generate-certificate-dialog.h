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
 * caller's business. The read-only "busy" property: a key is being made. */
SyGenerateCertificateDialog *sy_generate_certificate_dialog_new (GtkWindow *parent);

G_END_DECLS
