/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SY_CERTIFICATE_ERROR (sy_certificate_error_quark ())

typedef enum
{
  SY_CERTIFICATE_ERROR_INVALID,          /* garbage, empty, truncated */
  SY_CERTIFICATE_ERROR_MULTIPLE,         /* more than one certificate in a PEM */
  SY_CERTIFICATE_ERROR_BAD_PASSPHRASE,   /* encrypted key, wrong or missing passphrase */
  SY_CERTIFICATE_ERROR_KEY_MISMATCH,     /* the key is not the certificate's */
  SY_CERTIFICATE_ERROR_UNSUPPORTED,      /* a key type we cannot sign with */
  SY_CERTIFICATE_ERROR_FAILED,
} SyCertificateError;

GQuark sy_certificate_error_quark (void);

typedef enum
{
  SY_KEY_TYPE_UNKNOWN,
  SY_KEY_TYPE_RSA,
  SY_KEY_TYPE_EC,
} SyKeyType;

#define SY_TYPE_PRIVATE_KEY (sy_private_key_get_type ())
G_DECLARE_FINAL_TYPE (SyPrivateKey, sy_private_key, SY, PRIVATE_KEY, GObject)

/* A private key, in memory only. It is kept in the keyring as the base64 of
 * its PKCS#8 PEM (kind SY_SECRET_KIND_PRIVATE_KEY) so a multi-line PEM never
 * corrupts a keyring file, and written to disk only on explicit request. */
SyPrivateKey *sy_private_key_new_from_data   (GBytes        *data,
                                              const char    *passphrase,
                                              GError       **error);
SyPrivateKey *sy_private_key_new_from_base64 (const char    *base64,
                                              GError       **error);
/* Unencrypted PKCS#8 PEM. Free with sy_secret_free(). */
char         *sy_private_key_to_pem          (SyPrivateKey  *self);
/* base64 of the PEM, for the keyring. Free with sy_secret_free(). */
char         *sy_private_key_to_base64       (SyPrivateKey  *self);
SyKeyType     sy_private_key_get_key_type    (SyPrivateKey  *self);
guint         sy_private_key_get_bits        (SyPrivateKey  *self);

/* Writes the PEM to path with mode 0600 (created so; an existing file is
 * replaced atomically and ends up 0600 too). */
gboolean      sy_private_key_export          (SyPrivateKey  *self,
                                              const char    *path,
                                              GError       **error);

/* Signs a JWS signing input (base64url(header) "." base64url(payload)) and
 * returns the raw signature JWS wants: RSA-PSS SHA-256 with a 32-byte salt
 * for RSA keys ("PS256"); ECDSA as R||S, each left-padded to the curve size,
 * for EC keys ("ES256", "ES384", "ES512" by curve). out_alg gets the JWS
 * "alg" (a static string). */
GBytes       *sy_private_key_sign_jws        (SyPrivateKey  *self,
                                              GBytes        *signing_input,
                                              const char   **out_alg,
                                              GError       **error);
/* The JWS "alg" this key signs with (static), or NULL. */
const char   *sy_private_key_get_jws_alg     (SyPrivateKey  *self);

G_END_DECLS
