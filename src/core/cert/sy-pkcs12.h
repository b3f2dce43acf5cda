/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-certificate.h"

G_BEGIN_DECLS

/* PKCS#12 bundles (.p12, .pfx): a certificate and its private key in one
 * file, protected by a passphrase, the way certificates are often handed
 * over. */

/* Whether data is a PKCS#12 bundle (DER), told from its structure without
 * the passphrase: so that a caller knows to ask for one. */
gboolean       sy_pkcs12_detect  (GBytes         *data);

/* The bundle's certificate and, in *out_key, the private key that belongs
 * to it (NULL when the bundle holds none). passphrase: NULL or "" for a
 * bundle without one.
 *
 * SY_CERTIFICATE_ERROR_BAD_PASSPHRASE when the passphrase is missing or
 * wrong, _UNSUPPORTED when the bundle asks for more iterations of the
 * passphrase than Switchyard accepts, _MULTIPLE for several certificates
 * and no key to choose by, _INVALID for anything that is not a readable
 * bundle. */
SyCertificate *sy_pkcs12_import  (GBytes         *data,
                                  const char     *passphrase,
                                  SyPrivateKey  **out_key,
                                  GError        **error);

G_END_DECLS
