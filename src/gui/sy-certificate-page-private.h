/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-certificate-page.h"

G_BEGIN_DECLS

/* The page's state and entry points, for its parts and for tests; the
 * application goes through the certificate.* actions and the properties. */

/* The "needs-attention" property: NetSuite would refuse the certificate,
 * or it runs out within SY_CERTIFICATE_WARNING_DAYS. */
gboolean       sy_certificate_page_get_needs_attention (SyCertificatePage *self);
/* The "busy" property: loading, storing or testing. */
gboolean       sy_certificate_page_get_busy           (SyCertificatePage *self);
/* "loading", "empty" or "certificate". */
const char    *sy_certificate_page_get_view           (SyCertificatePage *self);
/* What the file chooser does once a file is chosen: reads it (and, when
 * the certificate file holds no key, asks for the key file), checks the
 * key matches, and stores both. */
void           sy_certificate_page_import_file        (SyCertificatePage *self,
                                                       GFile             *file);
/* Imports a certificate and, if key_file is not NULL, its private key
 * from a file of its own. */
void           sy_certificate_page_import_files       (SyCertificatePage *self,
                                                       GFile             *certificate_file,
                                                       GFile             *key_file);
/* Writes the public certificate as PEM. */
void           sy_certificate_page_export_to_file     (SyCertificatePage *self,
                                                       GFile             *file);
/* The last problem shown inline under the login test or in a dialog, and
 * the last login result, or NULL. */
const char    *sy_certificate_page_get_error          (SyCertificatePage *self);
const char    *sy_certificate_page_get_login_result   (SyCertificatePage *self);

G_END_DECLS
