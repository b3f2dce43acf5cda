/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sy-private-key.h"

G_BEGIN_DECLS

/* Shared with sy-certificate.c (generation and key matching) and
 * sy-pkcs12.c only. */

/* Takes ownership of key; NULL and an error when the key type is one we
 * cannot sign with. */
SyPrivateKey          *sy_private_key_new_take_x509 (gnutls_x509_privkey_t   key,
                                                     GError                **error);
gnutls_x509_privkey_t  sy_private_key_get_x509      (SyPrivateKey           *self);
gnutls_privkey_t       sy_private_key_get_privkey   (SyPrivateKey           *self);

/* RSA for both RSA and RSA-PSS, EC for ECDSA, else UNKNOWN. */
SyKeyType              sy_key_type_from_pk          (gnutls_pk_algorithm_t   pk);

/* A name to show in an error about a key type we cannot use ("DSA"). */
const char            *sy_pk_display_name           (gnutls_pk_algorithm_t   pk);

/* "P-256", "P-384", "P-521" for the curves NetSuite accepts, else NULL. */
const char            *sy_ecc_curve_display_name    (gnutls_ecc_curve_t      curve);
/* Bytes of one of R and S in a JWS ECDSA signature; 0 if not accepted. */
gsize                  sy_ecc_curve_jws_size        (gnutls_ecc_curve_t      curve);
/* The JWS alg for a curve ("ES256"...), or NULL. */
const char            *sy_ecc_curve_jws_alg         (gnutls_ecc_curve_t      curve);

/* GnuTLS derives no key from a passphrase with more iterations than this
 * (nor does Switchyard check a PKCS#12 MAC with more): a file asking for
 * billions would keep the user waiting for hours. */
#define SY_KDF_MAX_ITERATIONS (10 * 1024 * 1024 - 1)

/* The iteration count of an encrypted PKCS#8 key (DER
 * EncryptedPrivateKeyInfo: PBES2 or PBES1/PKCS#12 schemes), 0 when it
 * cannot be read, G_MAXUINT64 past that. */
guint64                sy_pkcs8_iterations          (const guint8           *der,
                                                     gsize                   size);
/* SY_CERTIFICATE_ERROR_UNSUPPORTED for a key protected with too many
 * iterations (0: the count is not known). */
void                   sy_set_iterations_error      (GError                **error,
                                                     guint64                 iterations);

G_END_DECLS
