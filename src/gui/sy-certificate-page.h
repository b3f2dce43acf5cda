/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-certificate.h"
#include "sy-connection-store.h"
#include "sy-secret-store.h"
#include "sy-state-store.h"

G_BEGIN_DECLS

/* Within this many days of its end a certificate is shown as a warning. */
#define SY_CERTIFICATE_WARNING_DAYS 30

#define SY_TYPE_CERTIFICATE_PAGE (sy_certificate_page_get_type ())
G_DECLARE_FINAL_TYPE (SyCertificatePage, sy_certificate_page, SY, CERTIFICATE_PAGE, AdwBin)

/* A connection's certificate as GNOME's certificate viewer shows one
 * (identity, issuer, expiry countdown, details, fingerprint), NetSuite's
 * objections to it, the actions that import, generate and export it, and
 * the guided NetSuite machine-to-machine set-up with a login test.
 *
 * Actions (with shortcuts while the page has the focus):
 * certificate.generate (Ctrl+G), certificate.import (Ctrl+I),
 * certificate.export (Ctrl+E), certificate.copy-fingerprint,
 * certificate.test-login. */
GtkWidget     *sy_certificate_page_new                (void);

/* Shows the certificate of connection (NULL: the empty state). The page
 * keeps NetSuite's account, client id and certificate id in the
 * connection's options["netsuite"] and saves connections; the private key
 * goes to secrets, the certificate to state. */
void           sy_certificate_page_set_connection     (SyCertificatePage *self,
                                                       SyConnection      *connection,
                                                       SyConnectionStore *connections,
                                                       SySecretStore     *secrets,
                                                       SyStateStore      *state);

/* The "certificate" property: the certificate shown, or NULL. */
SyCertificate *sy_certificate_page_get_certificate    (SyCertificatePage *self);
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

/* Its parts, for tests that type and click as a person would. */
GtkEditable   *sy_certificate_page_get_account_entry        (SyCertificatePage *self);
GtkEditable   *sy_certificate_page_get_client_id_entry      (SyCertificatePage *self);
GtkEditable   *sy_certificate_page_get_certificate_id_entry (SyCertificatePage *self);
GtkEditable   *sy_certificate_page_get_token_url_entry      (SyCertificatePage *self);
GtkWidget     *sy_certificate_page_get_test_login_button    (SyCertificatePage *self);
AdwExpanderRow *sy_certificate_page_get_details_row         (SyCertificatePage *self);

G_END_DECLS
