/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs12.h>
#include <gnutls/x509.h>

#include "sy-pkcs12.h"
#include "sy-private-key-private.h"

/* Far more than any bundle of a certificate, a key and a chain. */
#define MAX_BUNDLE_SIZE (16 * 1024 * 1024)

static gnutls_pkcs12_t
parse (GBytes *data)
{
  gnutls_pkcs12_t p12 = NULL;
  gnutls_datum_t datum;
  gsize size;

  datum.data = (unsigned char *) g_bytes_get_data (data, &size);
  /* A PFX is a DER SEQUENCE; nothing else is worth handing to GnuTLS. */
  if (size < 2 || size > MAX_BUNDLE_SIZE || datum.data[0] != 0x30)
    return NULL;
  datum.size = (unsigned int) size;

  if (gnutls_pkcs12_init (&p12) < 0)
    return NULL;
  if (gnutls_pkcs12_import (p12, &datum, GNUTLS_X509_FMT_DER, 0) < 0)
    g_clear_pointer (&p12, gnutls_pkcs12_deinit);
  return p12;
}

gboolean
sy_pkcs12_detect (GBytes *data)
{
  gnutls_pkcs12_t p12;

  g_return_val_if_fail (data != NULL, FALSE);

  p12 = parse (data);
  if (p12 == NULL)
    return FALSE;
  gnutls_pkcs12_deinit (p12);
  return TRUE;
}

static void
set_passphrase_error (GError     **error,
                      const char  *passphrase)
{
  if (passphrase == NULL || *passphrase == '\0')
    g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_BAD_PASSPHRASE,
                         _("The PKCS#12 bundle is protected by a passphrase: enter it"));
  else
    g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_BAD_PASSPHRASE,
                         _("The passphrase is wrong: the PKCS#12 bundle could not be opened"));
}

/* The password GnuTLS is to use, checked against the bundle's MAC when it
 * has one. Tools differ on a bundle "without" a passphrase: an empty one
 * (OpenSSL) or none at all, so both are tried. */
static gboolean
choose_password (gnutls_pkcs12_t   p12,
                 const char       *passphrase,
                 const char      **out_password,
                 GError          **error)
{
  const char *candidates[2] = { passphrase, NULL };
  guint n_candidates = 1;
  unsigned int mac = 0, iterations = 0, salt_size = 0;
  char *oid = NULL;
  int ret;

  if (passphrase == NULL || *passphrase == '\0')
    {
      candidates[0] = "";
      n_candidates = 2;
    }

  salt_size = 0;
  ret = gnutls_pkcs12_mac_info (p12, &mac, NULL, &salt_size, &iterations, &oid);
  gnutls_free (oid);
  if (ret == GNUTLS_E_SHORT_MEMORY_BUFFER)
    {
      g_autofree guint8 *salt = g_malloc (salt_size);

      oid = NULL;
      ret = gnutls_pkcs12_mac_info (p12, &mac, salt, &salt_size, &iterations, &oid);
      gnutls_free (oid);
    }
  if (ret < 0)
    {
      /* No MAC: the passphrase is checked when the bags are decrypted. */
      *out_password = candidates[0];
      return TRUE;
    }

  /* GnuTLS sets no bound on the MAC's iterations. */
  if (iterations > SY_KDF_MAX_ITERATIONS)
    {
      sy_set_iterations_error (error, iterations);
      return FALSE;
    }

  for (guint i = 0; i < n_candidates; i++)
    if (gnutls_pkcs12_verify_mac (p12, candidates[i]) >= 0)
      {
        *out_password = candidates[i];
        return TRUE;
      }

  set_passphrase_error (error, passphrase);
  return FALSE;
}

static SyCertificate *
certificate_from_der (const gnutls_datum_t  *der,
                      GError               **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (der->data, der->size);

  return sy_certificate_new_from_data (bytes, error);
}

static SyCertificate *
certificate_from_crt (gnutls_x509_crt_t   crt,
                      GError            **error)
{
  gnutls_datum_t der = { NULL, 0 };
  SyCertificate *certificate;
  int ret;

  ret = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &der);
  if (ret < 0)
    {
      g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_FAILED, "%s", gnutls_strerror (ret));
      return NULL;
    }
  certificate = certificate_from_der (&der, error);
  gnutls_free (der.data);
  return certificate;
}

/* A bundle of certificates alone: its one certificate. GnuTLS's simple
 * parser wants a key, so the bags are read here. */
static SyCertificate *
certificate_without_key (gnutls_pkcs12_t   p12,
                         const char       *password,
                         GError          **error)
{
  g_autoptr(GPtrArray) certificates = g_ptr_array_new_with_free_func (g_object_unref);

  for (int index = 0; ; index++)
    {
      gnutls_pkcs12_bag_t bag = NULL;
      int ret, count;

      if (gnutls_pkcs12_bag_init (&bag) < 0)
        break;
      ret = gnutls_pkcs12_get_bag (p12, index, bag);
      if (ret >= 0 && gnutls_pkcs12_bag_get_type (bag, 0) == GNUTLS_BAG_ENCRYPTED)
        ret = gnutls_pkcs12_bag_decrypt (bag, password);
      if (ret < 0)
        {
          gnutls_pkcs12_bag_deinit (bag);
          if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
          if (ret == GNUTLS_E_ILLEGAL_PARAMETER)
            sy_set_iterations_error (error, 0);
          else
            g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                         _("The PKCS#12 bundle is damaged: %s"), gnutls_strerror (ret));
          return NULL;
        }

      count = gnutls_pkcs12_bag_get_count (bag);
      for (int element = 0; element < count; element++)
        {
          gnutls_datum_t der;
          SyCertificate *certificate;

          if (gnutls_pkcs12_bag_get_type (bag, element) != GNUTLS_BAG_CERTIFICATE ||
              gnutls_pkcs12_bag_get_data (bag, element, &der) < 0)
            continue;
          certificate = certificate_from_der (&der, error);
          if (certificate == NULL)
            {
              gnutls_pkcs12_bag_deinit (bag);
              return NULL;
            }
          g_ptr_array_add (certificates, certificate);
        }
      gnutls_pkcs12_bag_deinit (bag);
    }

  if (certificates->len == 0)
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                           _("The PKCS#12 bundle holds no certificate"));
      return NULL;
    }
  if (certificates->len > 1)
    {
      g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_MULTIPLE,
                   ngettext ("The PKCS#12 bundle holds %u certificate and no private key to tell which one to use",
                             "The PKCS#12 bundle holds %u certificates and no private key to tell which one to use",
                             certificates->len),
                   certificates->len);
      return NULL;
    }

  return g_object_ref (g_ptr_array_index (certificates, 0));
}

/* How many iterations the bag GnuTLS refused asks for: from an encrypted
 * bag's parameters, or from a shrouded key bag in a bag in the clear. 0
 * when no bag says. */
static guint64
excess_iterations (gnutls_pkcs12_t p12)
{
  guint64 found = 0;

  for (int index = 0; found == 0; index++)
    {
      gnutls_pkcs12_bag_t bag = NULL;

      if (gnutls_pkcs12_bag_init (&bag) < 0)
        break;
      if (gnutls_pkcs12_get_bag (p12, index, bag) < 0)
        {
          gnutls_pkcs12_bag_deinit (bag);
          break;
        }

      if (gnutls_pkcs12_bag_get_type (bag, 0) == GNUTLS_BAG_ENCRYPTED)
        {
          unsigned int schema = 0, cipher = 0, iterations = 0;
          guint8 salt[128];
          unsigned int salt_size = sizeof salt;
          char *oid = NULL;

          if (gnutls_pkcs12_bag_enc_info (bag, &schema, &cipher, salt, &salt_size, &iterations, &oid) >= 0 &&
              iterations > SY_KDF_MAX_ITERATIONS)
            found = iterations;
          gnutls_free (oid);
        }
      else
        {
          int count = gnutls_pkcs12_bag_get_count (bag);

          for (int element = 0; element < count && found == 0; element++)
            {
              gnutls_datum_t der;
              guint64 iterations;

              if (gnutls_pkcs12_bag_get_type (bag, element) == GNUTLS_BAG_PKCS8_ENCRYPTED_KEY &&
                  gnutls_pkcs12_bag_get_data (bag, element, &der) >= 0 &&
                  (iterations = sy_pkcs8_iterations (der.data, der.size)) > SY_KDF_MAX_ITERATIONS)
                found = iterations;
            }
        }
      gnutls_pkcs12_bag_deinit (bag);
    }

  return found;
}

SyCertificate *
sy_pkcs12_import (GBytes         *data,
                  const char     *passphrase,
                  SyPrivateKey  **out_key,
                  GError        **error)
{
  gnutls_pkcs12_t p12;
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t *chain = NULL;
  unsigned int chain_length = 0;
  const char *password = NULL;
  guint64 iterations;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyPrivateKey) private_key = NULL;
  int ret;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (out_key != NULL && *out_key == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p12 = parse (data);
  if (p12 == NULL)
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                           g_bytes_get_size (data) == 0
                           ? _("The file is empty")
                           : _("This is not a PKCS#12 bundle, or it is damaged"));
      return NULL;
    }

  if (!choose_password (p12, passphrase, &password, error))
    {
      gnutls_pkcs12_deinit (p12);
      return NULL;
    }

  /* The chain starts with the certificate that belongs to the key. */
  ret = gnutls_pkcs12_simple_parse (p12, password, &key, &chain, &chain_length, NULL, NULL, NULL, 0);
  if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    certificate = certificate_without_key (p12, password, error);
  else if (ret < 0)
    {
      if (ret == GNUTLS_E_DECRYPTION_FAILED)
        set_passphrase_error (error, passphrase);
      else if (ret == GNUTLS_E_ILLEGAL_PARAMETER && (iterations = excess_iterations (p12)) > 0)
        /* GnuTLS refuses too many iterations before it derives
         * anything, with its error for any parameter out of range. */
        sy_set_iterations_error (error, iterations);
      else
        g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                     _("The PKCS#12 bundle could not be read: %s"), gnutls_strerror (ret));
    }
  else if (chain_length == 0)
    g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                         _("The PKCS#12 bundle holds a private key but not its certificate"));
  else
    {
      certificate = certificate_from_crt (chain[0], error);
      if (certificate != NULL)
        {
          if (gnutls_x509_privkey_verify_params (key) < 0)
            g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                                 _("The private key is damaged: its parts do not fit together"));
          else
            private_key = sy_private_key_new_take_x509 (g_steal_pointer (&key), error);
          if (private_key == NULL)
            g_clear_object (&certificate);
        }
    }

  for (unsigned int i = 0; i < chain_length; i++)
    gnutls_x509_crt_deinit (chain[i]);
  gnutls_free (chain);
  g_clear_pointer (&key, gnutls_x509_privkey_deinit);
  gnutls_pkcs12_deinit (p12);

  if (certificate == NULL)
    return NULL;

  *out_key = g_steal_pointer (&private_key);
  return g_steal_pointer (&certificate);
}
