/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sy-certificate.h"
#include "sy-pkcs12.h"
#include "sy-private-key-private.h"

struct _SyCertificate
{
  GObject             parent_instance;

  gnutls_x509_crt_t   crt;
  GBytes             *der;

  char               *subject;
  char               *issuer;
  char               *serial;
  GDateTime          *not_before;
  GDateTime          *not_after;
  gnutls_pk_algorithm_t pk;
  guint               key_bits;
  gnutls_ecc_curve_t  curve;
  char               *signature_algorithm;
  char               *sha256_fingerprint;
};

G_DEFINE_FINAL_TYPE (SyCertificate, sy_certificate, G_TYPE_OBJECT)

static const struct
{
  SyKeySpec    spec;
  const char  *name;
} key_spec_names[] = {
  { SY_KEY_SPEC_RSA_3072, "rsa-3072" },
  { SY_KEY_SPEC_RSA_4096, "rsa-4096" },
  { SY_KEY_SPEC_EC_P256, "ec-p256" },
  { SY_KEY_SPEC_EC_P384, "ec-p384" },
  { SY_KEY_SPEC_EC_P521, "ec-p521" },
};

gboolean
sy_key_spec_from_string (const char *name,
                         SyKeySpec  *spec)
{
  g_return_val_if_fail (spec != NULL, FALSE);

  if (name == NULL)
    return FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (key_spec_names); i++)
    {
      if (g_ascii_strcasecmp (name, key_spec_names[i].name) == 0)
        {
          *spec = key_spec_names[i].spec;
          return TRUE;
        }
    }

  return FALSE;
}

const char *
sy_key_spec_to_string (SyKeySpec spec)
{
  for (gsize i = 0; i < G_N_ELEMENTS (key_spec_names); i++)
    {
      if (key_spec_names[i].spec == spec)
        return key_spec_names[i].name;
    }

  g_return_val_if_reached (NULL);
}

static void
sy_certificate_finalize (GObject *object)
{
  SyCertificate *self = SY_CERTIFICATE (object);

  g_clear_pointer (&self->crt, gnutls_x509_crt_deinit);
  g_clear_pointer (&self->der, g_bytes_unref);
  g_clear_pointer (&self->subject, g_free);
  g_clear_pointer (&self->issuer, g_free);
  g_clear_pointer (&self->serial, g_free);
  g_clear_pointer (&self->not_before, g_date_time_unref);
  g_clear_pointer (&self->not_after, g_date_time_unref);
  g_clear_pointer (&self->signature_algorithm, g_free);
  g_clear_pointer (&self->sha256_fingerprint, g_free);

  G_OBJECT_CLASS (sy_certificate_parent_class)->finalize (object);
}

static void
sy_certificate_class_init (SyCertificateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_certificate_finalize;
}

static void
sy_certificate_init (SyCertificate *self)
{
}

static char *
colon_hex (const guint8 *bytes,
           gsize         size)
{
  GString *out = g_string_sized_new (size * 3);

  for (gsize i = 0; i < size; i++)
    g_string_append_printf (out, i == 0 ? "%02X" : ":%02X", bytes[i]);

  return g_string_free (out, FALSE);
}

/* A DN as GnuTLS writes it carries a string attribute's bytes as they are
 * in the certificate: valid UTF-8 or not (found by tests/fuzz). Labels and
 * JSON output need it valid. */
static char *
dup_datum (const gnutls_datum_t *datum)
{
  return g_utf8_make_valid ((const char *) datum->data, datum->size);
}

static GDateTime *
date_time_from_time_t (time_t t)
{
  GDateTime *result = g_date_time_new_from_unix_utc (t);

  /* Dates GDateTime cannot hold (year > 9999) never come out of X.509, but
   * a NULL here would crash every caller. */
  return result != NULL ? result : g_date_time_new_from_unix_utc (0);
}

/* Fills the cached fields from self->crt. */
static gboolean
load_fields (SyCertificate  *self,
             GError        **error)
{
  gnutls_datum_t datum = { NULL, 0 };
  guint8 buffer[64];
  size_t size;
  unsigned int bits = 0;
  int ret;

  ret = gnutls_x509_crt_export2 (self->crt, GNUTLS_X509_FMT_DER, &datum);
  if (ret < 0)
    goto fail;
  self->der = g_bytes_new (datum.data, datum.size);
  gnutls_free (datum.data);

  ret = gnutls_x509_crt_get_dn3 (self->crt, &datum, 0);
  if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    self->subject = g_strdup ("");
  else if (ret < 0)
    goto fail;
  else
    {
      self->subject = dup_datum (&datum);
      gnutls_free (datum.data);
    }

  ret = gnutls_x509_crt_get_issuer_dn3 (self->crt, &datum, 0);
  if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    self->issuer = g_strdup ("");
  else if (ret < 0)
    goto fail;
  else
    {
      self->issuer = dup_datum (&datum);
      gnutls_free (datum.data);
    }

  size = sizeof buffer;
  ret = gnutls_x509_crt_get_serial (self->crt, buffer, &size);
  if (ret < 0)
    goto fail;
  self->serial = colon_hex (buffer, size);

  self->not_before = date_time_from_time_t (gnutls_x509_crt_get_activation_time (self->crt));
  self->not_after = date_time_from_time_t (gnutls_x509_crt_get_expiration_time (self->crt));

  ret = gnutls_x509_crt_get_pk_algorithm (self->crt, &bits);
  if (ret < 0)
    {
      char oid[128];

      /* An EC key on a curve GnuTLS does not know (secp256k1) is still a
       * certificate to show; check_netsuite() explains the curve. */
      size = sizeof oid;
      if (gnutls_x509_crt_get_pk_oid (self->crt, oid, &size) >= 0
          && g_str_equal (oid, "1.2.840.10045.2.1"))
        ret = GNUTLS_PK_ECDSA;
      else
        ret = GNUTLS_PK_UNKNOWN;
      bits = 0;
    }
  self->pk = ret;
  self->key_bits = bits;
  self->curve = GNUTLS_ECC_CURVE_INVALID;
  if (self->pk == GNUTLS_PK_ECDSA)
    {
      gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };

      /* Fails for curves GnuTLS does not know (secp256k1): that is simply
       * a curve NetSuite does not accept either. */
      if (gnutls_x509_crt_get_pk_ecc_raw (self->crt, &self->curve, &x, &y) < 0)
        self->curve = GNUTLS_ECC_CURVE_INVALID;
      gnutls_free (x.data);
      gnutls_free (y.data);
      /* GnuTLS counts P-521 in whole bytes (528 bits). */
      if (self->curve == GNUTLS_ECC_CURVE_SECP521R1)
        self->key_bits = 521;
    }

  ret = gnutls_x509_crt_get_signature_algorithm (self->crt);
  if (ret >= 0 && gnutls_sign_get_name (ret) != NULL)
    self->signature_algorithm = g_strdup (gnutls_sign_get_name (ret));
  else
    {
      char oid[128];

      size = sizeof oid;
      if (gnutls_x509_crt_get_signature_oid (self->crt, oid, &size) >= 0)
        self->signature_algorithm = g_strdup (oid);
      else
        self->signature_algorithm = g_strdup (_("unknown"));
    }

  size = sizeof buffer;
  ret = gnutls_x509_crt_get_fingerprint (self->crt, GNUTLS_DIG_SHA256, buffer, &size);
  if (ret < 0)
    goto fail;
  self->sha256_fingerprint = colon_hex (buffer, size);

  return TRUE;

fail:
  g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
               _("The certificate could not be read: %s"), gnutls_strerror (ret));
  return FALSE;
}

static SyCertificate *
sy_certificate_new_take_crt (gnutls_x509_crt_t   crt,
                             GError            **error)
{
  g_autoptr(SyCertificate) self = g_object_new (SY_TYPE_CERTIFICATE, NULL);

  self->crt = crt;
  if (!load_fields (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

static gsize
count_occurrences (const guint8 *data,
                   gsize         size,
                   const char   *needle)
{
  gsize needle_length = strlen (needle);
  gsize count = 0;
  const guint8 *end = data + size;

  while (data < end)
    {
      const guint8 *found = memmem (data, end - data, needle, needle_length);

      if (found == NULL)
        break;
      count++;
      data = found + needle_length;
    }

  return count;
}

SyCertificate *
sy_certificate_new_from_data (GBytes  *data,
                              GError **error)
{
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t datum;
  const guint8 *bytes;
  gsize size;
  int ret;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_bytes_get_data (data, &size);
  if (size == 0)
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                           _("The certificate file is empty"));
      return NULL;
    }
  if (size > 16 * 1024 * 1024)
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                           _("This file is far too large to be a certificate"));
      return NULL;
    }

  datum.data = (unsigned char *) bytes;
  datum.size = size;

  if (memmem (bytes, size, "-----BEGIN ", strlen ("-----BEGIN ")) != NULL)
    {
      gnutls_x509_crt_t *list = NULL;
      unsigned int count = 0;
      gsize blocks;

      blocks = count_occurrences (bytes, size, "-----BEGIN CERTIFICATE-----")
               + count_occurrences (bytes, size, "-----BEGIN X509 CERTIFICATE-----");
      if (blocks == 0)
        {
          g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                               count_occurrences (bytes, size, "PRIVATE KEY-----") > 0
                               ? _("This file holds a private key, not a certificate")
                               : _("This PEM file holds no certificate"));
          return NULL;
        }
      if (blocks > 1)
        {
          g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_MULTIPLE,
                       ngettext ("This file holds %u certificate: choose a file with only the one certificate to use",
                                 "This file holds %u certificates: choose a file with only the one certificate to use",
                                 (gulong) blocks),
                       (guint) blocks);
          return NULL;
        }

      ret = gnutls_x509_crt_list_import2 (&list, &count, &datum, GNUTLS_X509_FMT_PEM, 0);
      if (ret < 0 || count == 0)
        {
          for (unsigned int i = 0; ret >= 0 && i < count; i++)
            gnutls_x509_crt_deinit (list[i]);
          gnutls_free (list);
          g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                               _("The certificate in this PEM file is damaged or incomplete"));
          return NULL;
        }
      for (unsigned int i = 1; i < count; i++)
        gnutls_x509_crt_deinit (list[i]);
      crt = list[0];
      gnutls_free (list);
      if (count > 1)
        {
          gnutls_x509_crt_deinit (crt);
          g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_MULTIPLE,
                       ngettext ("This file holds %u certificate: choose a file with only the one certificate to use",
                                 "This file holds %u certificates: choose a file with only the one certificate to use",
                                 count),
                       count);
          return NULL;
        }
    }
  else
    {
      ret = gnutls_x509_crt_init (&crt);
      if (ret < 0)
        {
          g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_FAILED,
                       "%s", gnutls_strerror (ret));
          return NULL;
        }

      ret = gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_DER);
      if (ret < 0)
        {
          gnutls_x509_crt_deinit (crt);
          if (sy_pkcs12_detect (data))
            {
              g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                                   _("This is a PKCS#12 bundle (.p12, .pfx), not a certificate alone: "
                                     "import it as a bundle, with its passphrase"));
              return NULL;
            }
          /* A DER certificate starts with a SEQUENCE tag: if this one does,
           * it is most likely cut short rather than something else. */
          g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                               bytes[0] == 0x30
                               ? _("The certificate is damaged or incomplete (the DER data ends too early or is malformed)")
                               : _("This file is not a certificate: expected a PEM or DER X.509 certificate"));
          return NULL;
        }
    }

  return sy_certificate_new_take_crt (crt, error);
}

GBytes *
sy_certificate_get_der (SyCertificate *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  return g_bytes_ref (self->der);
}

char *
sy_certificate_to_pem (SyCertificate *self)
{
  gnutls_datum_t pem = { NULL, 0 };
  char *result;
  int ret;

  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  ret = gnutls_x509_crt_export2 (self->crt, GNUTLS_X509_FMT_PEM, &pem);
  if (ret < 0)
    {
      g_critical ("Exporting a certificate failed: %s", gnutls_strerror (ret));
      return NULL;
    }

  result = g_strndup ((const char *) pem.data, pem.size);
  gnutls_free (pem.data);

  return result;
}

const char *
sy_certificate_get_subject (SyCertificate *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  return self->subject;
}

const char *
sy_certificate_get_issuer (SyCertificate *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  return self->issuer;
}

const char *
sy_certificate_get_serial (SyCertificate *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  return self->serial;
}

GDateTime *
sy_certificate_get_not_before (SyCertificate *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  return self->not_before;
}

GDateTime *
sy_certificate_get_not_after (SyCertificate *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  return self->not_after;
}

/* Rounds towards minus infinity, so an hour past expiry is day -1. */
static gint64
floor_days (GTimeSpan span)
{
  if (span >= 0)
    return span / G_TIME_SPAN_DAY;

  return -((-span + G_TIME_SPAN_DAY - 1) / G_TIME_SPAN_DAY);
}

gint64
sy_certificate_get_days_left (SyCertificate *self,
                              GDateTime     *now)
{
  g_autoptr(GDateTime) current = NULL;

  g_return_val_if_fail (SY_IS_CERTIFICATE (self), 0);

  if (now == NULL)
    now = current = g_date_time_new_now_utc ();

  return floor_days (g_date_time_difference (self->not_after, now));
}

SyKeyType
sy_certificate_get_key_type (SyCertificate *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), SY_KEY_TYPE_UNKNOWN);

  return sy_key_type_from_pk (self->pk);
}

guint
sy_certificate_get_key_bits (SyCertificate *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), 0);

  return self->key_bits;
}

const char *
sy_certificate_get_curve (SyCertificate *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  if (self->pk != GNUTLS_PK_ECDSA)
    return NULL;

  return sy_ecc_curve_display_name (self->curve);
}

char *
sy_certificate_describe_key (SyCertificate *self)
{
  const char *curve;

  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  switch (sy_certificate_get_key_type (self))
    {
    case SY_KEY_TYPE_RSA:
      /* Translators: the size of an RSA key, e.g. "RSA, 3072 bits" */
      return g_strdup_printf (_("RSA, %u bits"), self->key_bits);
    case SY_KEY_TYPE_EC:
      curve = sy_certificate_get_curve (self);
      if (curve != NULL)
        /* Translators: an elliptic-curve key, e.g. "EC P-256, 256 bits" */
        return g_strdup_printf (_("EC %s, %u bits"), curve, self->key_bits);
      return g_strdup_printf (_("EC, %u bits"), self->key_bits);
    case SY_KEY_TYPE_UNKNOWN:
    default:
      return g_strdup_printf (_("Unsupported key, %u bits"), self->key_bits);
    }
}

const char *
sy_certificate_get_signature_algorithm (SyCertificate *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  return self->signature_algorithm;
}

const char *
sy_certificate_get_sha256_fingerprint (SyCertificate *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  return self->sha256_fingerprint;
}

GStrv
sy_certificate_check_netsuite (SyCertificate *self,
                               GDateTime     *now)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDateTime) current = NULL;
  GTimeSpan validity;

  g_return_val_if_fail (SY_IS_CERTIFICATE (self), NULL);

  if (now == NULL)
    now = current = g_date_time_new_now_utc ();

  switch (sy_certificate_get_key_type (self))
    {
    case SY_KEY_TYPE_RSA:
      if (self->key_bits < 3072)
        g_ptr_array_add (problems,
                             g_strdup_printf (_("RSA keys of %u bits are no longer accepted by NetSuite: use 3072 or 4096 bits"),
                                              self->key_bits));
      else if (self->key_bits != 3072 && self->key_bits != 4096)
        g_ptr_array_add (problems,
                             g_strdup_printf (_("NetSuite accepts RSA keys of 3072 or 4096 bits only, and this one has %u bits"),
                                              self->key_bits));
      break;

    case SY_KEY_TYPE_EC:
      if (sy_certificate_get_curve (self) == NULL)
        {
          const char *name = gnutls_ecc_curve_get_name (self->curve);

          if (name != NULL)
            g_ptr_array_add (problems,
                                 g_strdup_printf (_("NetSuite accepts EC keys on the P-256, P-384 or P-521 curves only, and this one is on %s"),
                                                  name));
          else
            g_ptr_array_add (problems,
                                g_strdup (_("NetSuite accepts EC keys on the P-256, P-384 or P-521 curves only, and this one is on another curve")));
        }
      break;

    case SY_KEY_TYPE_UNKNOWN:
    default:
      if (self->pk == GNUTLS_PK_UNKNOWN)
        {
          g_ptr_array_add (problems,
                           g_strdup (_("NetSuite accepts RSA or EC keys only, and this certificate has a key of an unknown kind")));
          break;
        }
      g_ptr_array_add (problems,
                           g_strdup_printf (_("NetSuite accepts RSA or EC keys only, not %s keys"),
                                            sy_pk_display_name (self->pk)));
      break;
    }

  validity = g_date_time_difference (self->not_after, self->not_before);
  if (validity > (GTimeSpan) SY_CERTIFICATE_MAX_DAYS * G_TIME_SPAN_DAY)
    g_ptr_array_add (problems,
                         g_strdup_printf (_("The certificate is valid for %d days; NetSuite accepts at most %d days (two years)"),
                                          (int) MIN ((validity + G_TIME_SPAN_DAY - 1) / G_TIME_SPAN_DAY, G_MAXINT),
                                          SY_CERTIFICATE_MAX_DAYS));

  if (g_date_time_compare (now, self->not_after) > 0)
    {
      g_autofree char *date = g_date_time_format (self->not_after, "%Y-%m-%d");

      g_ptr_array_add (problems,
                           g_strdup_printf (_("The certificate expired on %s"), date));
    }

  if (g_date_time_compare (now, self->not_before) < 0)
    {
      g_autofree char *date = g_date_time_format (self->not_before, "%Y-%m-%d %H:%M UTC");

      g_ptr_array_add (problems,
                           g_strdup_printf (_("The certificate is not valid yet: it becomes valid on %s"), date));
    }

  g_ptr_array_add (problems, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&problems), FALSE);
}

gboolean
sy_certificate_matches_key (SyCertificate *self,
                            SyPrivateKey  *key)
{
  guint8 certificate_id[64];
  guint8 key_id[64];
  size_t certificate_id_size = sizeof certificate_id;
  size_t key_id_size = sizeof key_id;

  g_return_val_if_fail (SY_IS_CERTIFICATE (self), FALSE);
  g_return_val_if_fail (SY_IS_PRIVATE_KEY (key), FALSE);

  if (gnutls_x509_crt_get_key_id (self->crt, GNUTLS_KEYID_USE_SHA256,
                                  certificate_id, &certificate_id_size) < 0)
    return FALSE;
  if (gnutls_x509_privkey_get_key_id (sy_private_key_get_x509 (key), GNUTLS_KEYID_USE_SHA256,
                                      key_id, &key_id_size) < 0)
    return FALSE;

  return certificate_id_size == key_id_size
         && memcmp (certificate_id, key_id, key_id_size) == 0;
}

gboolean
sy_certificate_check_key (SyCertificate  *self,
                          SyPrivateKey   *key,
                          GError        **error)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE (self), FALSE);
  g_return_val_if_fail (SY_IS_PRIVATE_KEY (key), FALSE);

  if (!sy_certificate_matches_key (self, key))
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_KEY_MISMATCH,
                           _("The private key does not belong to this certificate: choose the key the certificate was made for"));
      return FALSE;
    }

  return TRUE;
}

/* Turns raw R||S back into the DER SEQUENCE GnuTLS verifies. */
static gboolean
raw_to_der (const guint8   *raw,
            gsize           size,
            gnutls_datum_t *der)
{
  gnutls_datum_t r, s;

  r.data = (unsigned char *) raw;
  r.size = size / 2;
  s.data = (unsigned char *) raw + size / 2;
  s.size = size / 2;

  return gnutls_encode_rs_value (der, &r, &s) >= 0;
}

gboolean
sy_certificate_verify_jws (SyCertificate  *self,
                           const char     *alg,
                           GBytes         *signing_input,
                           GBytes         *signature,
                           GError        **error)
{
  gnutls_pubkey_t pubkey = NULL;
  gnutls_sign_algorithm_t algorithm = GNUTLS_SIGN_UNKNOWN;
  gnutls_datum_t input, sig;
  gnutls_datum_t der = { NULL, 0 };
  gsize size;
  int ret;

  g_return_val_if_fail (SY_IS_CERTIFICATE (self), FALSE);
  g_return_val_if_fail (alg != NULL, FALSE);
  g_return_val_if_fail (signing_input != NULL, FALSE);
  g_return_val_if_fail (signature != NULL, FALSE);

  if (g_str_equal (alg, "PS256") && self->pk == GNUTLS_PK_RSA)
    algorithm = GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
  else if (g_str_equal (alg, "PS256") && self->pk == GNUTLS_PK_RSA_PSS)
    algorithm = GNUTLS_SIGN_RSA_PSS_SHA256;
  else if (self->pk == GNUTLS_PK_ECDSA
           && g_strcmp0 (alg, sy_ecc_curve_jws_alg (self->curve)) == 0)
    {
      if (self->curve == GNUTLS_ECC_CURVE_SECP256R1)
        algorithm = GNUTLS_SIGN_ECDSA_SHA256;
      else if (self->curve == GNUTLS_ECC_CURVE_SECP384R1)
        algorithm = GNUTLS_SIGN_ECDSA_SHA384;
      else if (self->curve == GNUTLS_ECC_CURVE_SECP521R1)
        algorithm = GNUTLS_SIGN_ECDSA_SHA512;
    }

  if (algorithm == GNUTLS_SIGN_UNKNOWN)
    {
      g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED,
                   _("The signature algorithm “%s” does not fit this certificate's key"), alg);
      return FALSE;
    }

  input.data = (unsigned char *) g_bytes_get_data (signing_input, &size);
  input.size = size;
  sig.data = (unsigned char *) g_bytes_get_data (signature, &size);
  sig.size = size;

  if (self->pk == GNUTLS_PK_ECDSA)
    {
      if (size != 2 * sy_ecc_curve_jws_size (self->curve) || !raw_to_der (sig.data, size, &der))
        {
          g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                               _("The signature has the wrong length for this certificate's key"));
          return FALSE;
        }
      sig = der;
    }

  ret = gnutls_pubkey_init (&pubkey);
  if (ret >= 0)
    ret = gnutls_pubkey_import_x509 (pubkey, self->crt, 0);
  if (ret >= 0)
    ret = gnutls_pubkey_verify_data2 (pubkey, algorithm, 0, &input, &sig);

  gnutls_free (der.data);
  g_clear_pointer (&pubkey, gnutls_pubkey_deinit);

  if (ret < 0)
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                           _("The signature does not match the certificate"));
      return FALSE;
    }

  return TRUE;
}

/* Generation */

typedef struct
{
  SyKeySpec  spec;
  char      *subject_dn;
  guint      days;
} GenerateData;

typedef struct
{
  SyCertificate *certificate;
  SyPrivateKey  *key;
} GenerateResult;

static void
generate_data_free (GenerateData *data)
{
  g_free (data->subject_dn);
  g_free (data);
}

static void
generate_result_free (GenerateResult *result)
{
  g_clear_object (&result->certificate);
  g_clear_object (&result->key);
  g_free (result);
}

static gboolean
validate_dn (const char  *dn,
             GError     **error)
{
  gnutls_x509_crt_t scratch = NULL;
  const char *error_position = NULL;
  int ret;

  if (dn == NULL || *dn == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Enter a subject, for example “CN=My Integration,O=Example Ltd”"));
      return FALSE;
    }

  ret = gnutls_x509_crt_init (&scratch);
  if (ret >= 0)
    ret = gnutls_x509_crt_set_dn (scratch, dn, &error_position);
  g_clear_pointer (&scratch, gnutls_x509_crt_deinit);

  if (ret < 0)
    {
      if (error_position != NULL && error_position >= dn && *error_position != '\0')
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _("The subject “%s” is not a valid distinguished name (near “%s”): write it like “CN=My Integration,O=Example Ltd”"),
                     dn, error_position);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _("The subject “%s” is not a valid distinguished name: write it like “CN=My Integration,O=Example Ltd”"),
                     dn);
      return FALSE;
    }

  return TRUE;
}

static gboolean
set_generate_error (GError     **error,
                    const char  *what,
                    int          ret)
{
  g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_FAILED,
               _("Generating the certificate failed (%s): %s"), what, gnutls_strerror (ret));
  return FALSE;
}

static SyCertificate *
build_certificate (SyPrivateKey  *key,
                   const char    *subject_dn,
                   guint          days,
                   gboolean       rsa,
                   GError       **error)
{
  /* ECDSA with the hash that matches the curve's strength, as JWS does. */
  gnutls_digest_algorithm_t digest = GNUTLS_DIG_SHA256;
  gnutls_x509_crt_t crt = NULL;
  guint8 serial[16];
  guint8 key_id[64];
  size_t key_id_size = sizeof key_id;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  time_t not_before = now - 60;
  int ret;

  if (g_strcmp0 (sy_private_key_get_jws_alg (key), "ES384") == 0)
    digest = GNUTLS_DIG_SHA384;
  else if (g_strcmp0 (sy_private_key_get_jws_alg (key), "ES512") == 0)
    digest = GNUTLS_DIG_SHA512;

  ret = gnutls_x509_crt_init (&crt);
  if (ret < 0)
    {
      set_generate_error (error, "init", ret);
      return NULL;
    }

  /* 16 random bytes, top bit clear so the INTEGER stays positive and
   * non-zero first byte so it keeps all 16 bytes. */
  ret = gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial);
  if (ret < 0)
    goto fail;
  serial[0] &= 0x7f;
  if (serial[0] == 0)
    serial[0] = 0x01;

  if ((ret = gnutls_x509_crt_set_version (crt, 3)) < 0
      || (ret = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0
      || (ret = gnutls_x509_crt_set_dn (crt, subject_dn, NULL)) < 0
      /* The span is exactly `days`, minus nothing: NetSuite measures
       * not-after minus not-before, and the minute of clock-skew margin
       * must not push a 730-day certificate over its limit. */
      || (ret = gnutls_x509_crt_set_activation_time (crt, not_before)) < 0
      || (ret = gnutls_x509_crt_set_expiration_time (crt, not_before + (time_t) days * 86400)) < 0
      || (ret = gnutls_x509_crt_set_key (crt, sy_private_key_get_x509 (key))) < 0
      || (ret = gnutls_x509_crt_set_basic_constraints (crt, 0, -1)) < 0
      || (ret = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0)
    goto fail;

  ret = gnutls_x509_privkey_get_key_id (sy_private_key_get_x509 (key), GNUTLS_KEYID_USE_SHA1,
                                        key_id, &key_id_size);
  if (ret < 0 || (ret = gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_size)) < 0)
    goto fail;

  ret = gnutls_x509_crt_privkey_sign (crt, crt, sy_private_key_get_privkey (key), digest,
                                      rsa ? GNUTLS_PRIVKEY_SIGN_FLAG_RSA_PSS : 0);
  if (ret < 0)
    goto fail;

  return sy_certificate_new_take_crt (crt, error);

fail:
  gnutls_x509_crt_deinit (crt);
  set_generate_error (error, "X.509", ret);
  return NULL;
}

static void
generate_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GenerateData *data = task_data;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  gnutls_x509_privkey_t x509 = NULL;
  gnutls_pk_algorithm_t pk;
  unsigned int bits;
  GenerateResult *result;
  GError *error = NULL;
  int ret;

  if (g_task_return_error_if_cancelled (task))
    return;

  switch (data->spec)
    {
    case SY_KEY_SPEC_RSA_3072:
      pk = GNUTLS_PK_RSA;
      bits = 3072;
      break;
    case SY_KEY_SPEC_RSA_4096:
      pk = GNUTLS_PK_RSA;
      bits = 4096;
      break;
    case SY_KEY_SPEC_EC_P256:
      pk = GNUTLS_PK_ECDSA;
      bits = GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1);
      break;
    case SY_KEY_SPEC_EC_P384:
      pk = GNUTLS_PK_ECDSA;
      bits = GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP384R1);
      break;
    case SY_KEY_SPEC_EC_P521:
      pk = GNUTLS_PK_ECDSA;
      bits = GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP521R1);
      break;
    default:
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Unknown key type"));
      return;
    }

  ret = gnutls_x509_privkey_init (&x509);
  if (ret >= 0)
    ret = gnutls_x509_privkey_generate2 (x509, pk, bits, 0, NULL, 0);
  if (ret < 0)
    {
      g_clear_pointer (&x509, gnutls_x509_privkey_deinit);
      set_generate_error (&error, "key", ret);
      g_task_return_error (task, error);
      return;
    }

  key = sy_private_key_new_take_x509 (x509, &error);
  if (key == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  certificate = build_certificate (key, data->subject_dn, data->days, pk == GNUTLS_PK_RSA, &error);
  if (certificate == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  result = g_new0 (GenerateResult, 1);
  result->certificate = g_steal_pointer (&certificate);
  result->key = g_steal_pointer (&key);
  g_task_return_pointer (task, result, (GDestroyNotify) generate_result_free);
}

/* days: 1..SY_CERTIFICATE_MAX_DAYS; 0 is refused (callers wanting the
 * default pass SY_CERTIFICATE_MAX_DAYS). */
void
sy_certificate_generate_async (SyKeySpec            spec,
                               const char          *subject_dn,
                               guint                days,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GenerateData *data;
  GError *error = NULL;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_certificate_generate_async);
  g_task_set_name (task, "sy_certificate_generate_async");

  if ((guint) spec > SY_KEY_SPEC_EC_P521)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Unknown key type"));
      return;
    }

  if (days == 0 || days > SY_CERTIFICATE_MAX_DAYS)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("The validity must be between 1 and %d days (NetSuite accepts at most two years), not %u"),
                               SY_CERTIFICATE_MAX_DAYS, days);
      return;
    }

  /* Checked here, before the key generation spends a second on RSA-4096. */
  if (!validate_dn (subject_dn, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data = g_new0 (GenerateData, 1);
  data->spec = spec;
  data->subject_dn = g_strdup (subject_dn);
  data->days = days;
  g_task_set_task_data (task, data, (GDestroyNotify) generate_data_free);

  g_task_run_in_thread (task, generate_thread);
}

SyCertificate *
sy_certificate_generate_finish (GAsyncResult  *result,
                                SyPrivateKey **out_key,
                                GError       **error)
{
  GenerateResult *generated;
  SyCertificate *certificate;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_certificate_generate_async, NULL);

  generated = g_task_propagate_pointer (G_TASK (result), error);
  if (generated == NULL)
    return NULL;

  certificate = g_steal_pointer (&generated->certificate);
  if (out_key != NULL)
    *out_key = g_steal_pointer (&generated->key);
  generate_result_free (generated);

  return certificate;
}
