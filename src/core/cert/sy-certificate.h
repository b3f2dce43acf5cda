/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-private-key.h"

G_BEGIN_DECLS

/* Key types a certificate can be generated with (NetSuite's accepted set). */
typedef enum
{
  SY_KEY_SPEC_RSA_3072,
  SY_KEY_SPEC_RSA_4096,
  SY_KEY_SPEC_EC_P256,
  SY_KEY_SPEC_EC_P384,
  SY_KEY_SPEC_EC_P521,
} SyKeySpec;

/* "rsa-3072", "rsa-4096", "ec-p256", "ec-p384", "ec-p521" (the CLI's names). */
gboolean     sy_key_spec_from_string          (const char     *name,
                                               SyKeySpec      *spec);
const char  *sy_key_spec_to_string            (SyKeySpec       spec);

/* NetSuite accepts certificates valid for at most this many days; it is
 * also the default validity of a generated one. */
#define SY_CERTIFICATE_MAX_DAYS 730

#define SY_TYPE_CERTIFICATE (sy_certificate_get_type ())
G_DECLARE_FINAL_TYPE (SyCertificate, sy_certificate, SY, CERTIFICATE, GObject)

/* An X.509 certificate (public part only), immutable once made. Loads one
 * certificate from PEM or DER; refuses garbage, an empty input, a truncated
 * DER and a PEM holding more than one certificate, with messages a user
 * understands (SY_CERTIFICATE_ERROR). */
SyCertificate *sy_certificate_new_from_data     (GBytes         *data,
                                                 GError        **error);

/* Generates a key pair and a self-signed certificate off the calling
 * thread: random serial, the subject DN the user gives ("CN=Acme,O=Acme"),
 * valid from now for days (1..SY_CERTIFICATE_MAX_DAYS), basic constraints
 * CA:FALSE, key usage digitalSignature. RSA keys are made for RSA-PSS
 * signing (the certificate is signed with RSA-PSS SHA-256). */
void           sy_certificate_generate_async    (SyKeySpec            spec,
                                                 const char          *subject_dn,
                                                 guint                days,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
SyCertificate *sy_certificate_generate_finish   (GAsyncResult        *result,
                                                 SyPrivateKey       **out_key,
                                                 GError             **error);

/* A new reference to the DER bytes: g_bytes_unref() it. */
GBytes        *sy_certificate_get_der           (SyCertificate  *self);
char          *sy_certificate_to_pem            (SyCertificate  *self);

/* What GNOME's certificate viewer shows. */
const char    *sy_certificate_get_subject       (SyCertificate  *self);
const char    *sy_certificate_get_issuer        (SyCertificate  *self);
/* Colon-separated hex. */
const char    *sy_certificate_get_serial        (SyCertificate  *self);
GDateTime     *sy_certificate_get_not_before    (SyCertificate  *self);
GDateTime     *sy_certificate_get_not_after     (SyCertificate  *self);
/* Whole days from now until not-after; negative once expired. */
gint64         sy_certificate_get_days_left     (SyCertificate  *self,
                                                 GDateTime      *now);
SyKeyType      sy_certificate_get_key_type      (SyCertificate  *self);
guint          sy_certificate_get_key_bits      (SyCertificate  *self);
/* "P-256", "P-384", "P-521" for EC keys, else NULL. */
const char    *sy_certificate_get_curve         (SyCertificate  *self);
/* The key as a person reads it, translated: "RSA, 3072 bits",
 * "EC P-256, 256 bits". */
char          *sy_certificate_describe_key      (SyCertificate  *self);
/* e.g. "RSA-PSS-SHA256", "ECDSA-SHA384". */
const char    *sy_certificate_get_signature_algorithm (SyCertificate *self);
/* SHA-256 of the DER, upper-case colon-separated hex. */
const char    *sy_certificate_get_sha256_fingerprint  (SyCertificate *self);

/* NetSuite's rules: RSA 3072/4096 or EC P-256/384/521, validity at most
 * SY_CERTIFICATE_MAX_DAYS, not expired, already valid. Returns every
 * problem as a sentence for the user (empty when it passes). */
GStrv          sy_certificate_check_netsuite    (SyCertificate  *self,
                                                 GDateTime      *now);
gboolean       sy_certificate_matches_key       (SyCertificate  *self,
                                                 SyPrivateKey   *key);
/* matches_key() as an error for the user: SY_CERTIFICATE_ERROR_KEY_MISMATCH
 * when the key is not the certificate's. */
gboolean       sy_certificate_check_key         (SyCertificate  *self,
                                                 SyPrivateKey   *key,
                                                 GError        **error);

/* Verifies a JWS signature (PS256, ES256, ES384, ES512; ES* as raw R||S)
 * over signing_input with this certificate's public key. The alg must fit
 * the key (ES384 only with a P-384 key). FALSE and an error otherwise. */
gboolean       sy_certificate_verify_jws        (SyCertificate  *self,
                                                 const char     *alg,
                                                 GBytes         *signing_input,
                                                 GBytes         *signature,
                                                 GError        **error);

G_END_DECLS
