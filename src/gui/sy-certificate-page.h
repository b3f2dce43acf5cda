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
 * certificate.test-login.
 *
 * Read-only properties: "certificate" (the certificate shown, or NULL),
 * "needs-attention" (NetSuite would refuse the certificate, or it runs out
 * within SY_CERTIFICATE_WARNING_DAYS) and "busy" (loading, storing or
 * testing). */
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

G_END_DECLS
