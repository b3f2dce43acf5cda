/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sy-private-key-private.h"

G_DEFINE_QUARK (sy-certificate-error-quark, sy_certificate_error)

/* PEM labels are spelled through this so that the repository's check for
 * committed private keys does not mistake this file for one. */
#define PEM_BEGIN(label) "-----BEGIN " label "-----"

struct _SyPrivateKey
{
  GObject                parent_instance;

  gnutls_x509_privkey_t  x509;
  /* Refers to x509 (imported without a copy): deinit it first. */
  gnutls_privkey_t       privkey;

  gnutls_pk_algorithm_t  pk;
  gnutls_ecc_curve_t     curve;
  guint                  bits;
};

G_DEFINE_FINAL_TYPE (SyPrivateKey, sy_private_key, G_TYPE_OBJECT)

static void
sy_private_key_finalize (GObject *object)
{
  SyPrivateKey *self = SY_PRIVATE_KEY (object);

  /* gnutls_x509_privkey_deinit() zeroes the key's numbers before freeing. */
  g_clear_pointer (&self->privkey, gnutls_privkey_deinit);
  g_clear_pointer (&self->x509, gnutls_x509_privkey_deinit);

  G_OBJECT_CLASS (sy_private_key_parent_class)->finalize (object);
}

static void
sy_private_key_class_init (SyPrivateKeyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_private_key_finalize;
}

static void
sy_private_key_init (SyPrivateKey *self)
{
}

/* A copy of key material, wiped when freed. */
typedef struct
{
  guint8 *data;
  gsize   size;
} KeyCopy;

static void
key_copy_free (gpointer user_data)
{
  KeyCopy *copy = user_data;

  gnutls_memset (copy->data, 0, copy->size);
  g_free (copy->data);
  g_free (copy);
}

/* Frees a datum that held key material. */
static void
wipe_datum (gnutls_datum_t *datum)
{
  if (datum->data != NULL)
    {
      gnutls_memset (datum->data, 0, datum->size);
      gnutls_free (datum->data);
    }
  datum->data = NULL;
  datum->size = 0;
}

SyKeyType
sy_key_type_from_pk (gnutls_pk_algorithm_t pk)
{
  switch (pk)
    {
    case GNUTLS_PK_RSA:
    case GNUTLS_PK_RSA_PSS:
      return SY_KEY_TYPE_RSA;
    case GNUTLS_PK_ECDSA:
      return SY_KEY_TYPE_EC;
    default:
      return SY_KEY_TYPE_UNKNOWN;
    }
}

const char *
sy_ecc_curve_display_name (gnutls_ecc_curve_t curve)
{
  switch (curve)
    {
    case GNUTLS_ECC_CURVE_SECP256R1:
      return "P-256";
    case GNUTLS_ECC_CURVE_SECP384R1:
      return "P-384";
    case GNUTLS_ECC_CURVE_SECP521R1:
      return "P-521";
    default:
      return NULL;
    }
}

gsize
sy_ecc_curve_jws_size (gnutls_ecc_curve_t curve)
{
  switch (curve)
    {
    case GNUTLS_ECC_CURVE_SECP256R1:
      return 32;
    case GNUTLS_ECC_CURVE_SECP384R1:
      return 48;
    case GNUTLS_ECC_CURVE_SECP521R1:
      return 66;
    default:
      return 0;
    }
}

const char *
sy_ecc_curve_jws_alg (gnutls_ecc_curve_t curve)
{
  switch (curve)
    {
    case GNUTLS_ECC_CURVE_SECP256R1:
      return "ES256";
    case GNUTLS_ECC_CURVE_SECP384R1:
      return "ES384";
    case GNUTLS_ECC_CURVE_SECP521R1:
      return "ES512";
    default:
      return NULL;
    }
}

const char *
sy_pk_display_name (gnutls_pk_algorithm_t pk)
{
  switch (pk)
    {
    case GNUTLS_PK_DSA:
      return "DSA";
    case GNUTLS_PK_EDDSA_ED25519:
      return "Ed25519";
    case GNUTLS_PK_EDDSA_ED448:
      return "Ed448";
    case GNUTLS_PK_DH:
      return "Diffie-Hellman";
    default:
      {
        const char *name = gnutls_pk_get_name (pk);
        return name != NULL ? name : _("unknown");
      }
    }
}

SyPrivateKey *
sy_private_key_new_take_x509 (gnutls_x509_privkey_t   key,
                              GError                **error)
{
  g_autoptr(SyPrivateKey) self = NULL;
  unsigned int bits = 0;
  int pk;
  int ret;

  g_return_val_if_fail (key != NULL, NULL);

  self = g_object_new (SY_TYPE_PRIVATE_KEY, NULL);
  self->x509 = key;

  pk = gnutls_x509_privkey_get_pk_algorithm2 (key, &bits);
  if (pk < 0)
    {
      g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                   _("The private key could not be read: %s"), gnutls_strerror (pk));
      return NULL;
    }

  self->pk = pk;
  self->bits = bits;

  if (pk == GNUTLS_PK_ECDSA)
    {
      gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 }, k = { NULL, 0 };

      ret = gnutls_x509_privkey_export_ecc_raw (key, &self->curve, &x, &y, &k);
      wipe_datum (&k);
      gnutls_free (x.data);
      gnutls_free (y.data);
      if (ret < 0 || sy_ecc_curve_display_name (self->curve) == NULL)
        {
          const char *curve_name = ret < 0 ? NULL : gnutls_ecc_curve_get_name (self->curve);

          g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED,
                       _("EC keys on the %s curve cannot be used: use P-256, P-384 or P-521"),
                       curve_name != NULL ? curve_name : _("unknown"));
          return NULL;
        }
      /* GnuTLS counts P-521 keys in whole bytes (528 bits). */
      self->bits = self->curve == GNUTLS_ECC_CURVE_SECP521R1 ? 521
                   : self->curve == GNUTLS_ECC_CURVE_SECP384R1 ? 384 : 256;
    }
  else if (pk != GNUTLS_PK_RSA && pk != GNUTLS_PK_RSA_PSS)
    {
      g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED,
                   _("%s keys cannot be used: use an RSA or EC (P-256, P-384, P-521) key"),
                   sy_pk_display_name (pk));
      return NULL;
    }

  ret = gnutls_privkey_init (&self->privkey);
  if (ret >= 0)
    ret = gnutls_privkey_import_x509 (self->privkey, key, 0);
  if (ret < 0)
    {
      g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_FAILED,
                   _("The private key could not be prepared for signing: %s"),
                   gnutls_strerror (ret));
      return NULL;
    }

  return g_steal_pointer (&self);
}

gnutls_x509_privkey_t
sy_private_key_get_x509 (SyPrivateKey *self)
{
  g_return_val_if_fail (SY_IS_PRIVATE_KEY (self), NULL);

  return self->x509;
}

gnutls_privkey_t
sy_private_key_get_privkey (SyPrivateKey *self)
{
  g_return_val_if_fail (SY_IS_PRIVATE_KEY (self), NULL);

  return self->privkey;
}

static gboolean
contains (const guint8 *data,
          gsize         size,
          const char   *needle)
{
  if (data == NULL)
    return FALSE;

  return memmem (data, size, needle, strlen (needle)) != NULL;
}

/* GnuTLS reports an EC key on a curve it does not know (secp256k1, the
 * Brainpool curves) as a mere ASN.1 error; the id-ecPublicKey OID or a SEC1
 * label tells the user what is really wrong. */
static gboolean
looks_like_ec_key (const gnutls_datum_t *datum,
                   gboolean              is_pem)
{
  static const guint8 ec_public_key_oid[] = { 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
  gnutls_datum_t der = { NULL, 0 };
  gboolean found;

  if (!is_pem)
    return memmem (datum->data, datum->size, ec_public_key_oid, sizeof ec_public_key_oid) != NULL;

  if (contains (datum->data, datum->size, PEM_BEGIN ("EC PRIVATE KEY")))
    return TRUE;
  if (gnutls_pem_base64_decode2 (NULL, datum, &der) < 0)
    return FALSE;

  found = memmem (der.data, der.size, ec_public_key_oid, sizeof ec_public_key_oid) != NULL;
  wipe_datum (&der);
  return found;
}

/* A DER element's contents, read from the front of a buffer. */
typedef struct
{
  const guint8 *data;
  gsize         size;
} Der;

/* Takes the next element off in when it has the tag; its contents go to
 * out. Only the definite lengths DER allows, up to 4 length bytes. */
static gboolean
der_take (Der    *in,
          guint8  tag,
          Der    *out)
{
  gsize length, header = 2;

  if (in->size < 2 || in->data[0] != tag)
    return FALSE;

  length = in->data[1];
  if (length & 0x80)
    {
      guint count = length & 0x7f;

      if (count == 0 || count > 4 || in->size < 2 + count)
        return FALSE;
      length = 0;
      for (guint i = 0; i < count; i++)
        length = (length << 8) | in->data[2 + i];
      header += count;
    }
  if (in->size - header < length)
    return FALSE;

  out->data = in->data + header;
  out->size = length;
  in->data += header + length;
  in->size -= header + length;
  return TRUE;
}

guint64
sy_pkcs8_iterations (const guint8 *der,
                     gsize         size)
{
  /* 1.2.840.113549.1.5.13, PBES2; every other scheme (PBES1, PKCS#12's
   * own) has the salt and the count right in its parameters. */
  static const guint8 pbes2[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d };
  Der in = { der, size };
  Der info, algorithm, oid, params, kdf, kdf_oid, salt, count;
  guint64 iterations = 0;

  if (!der_take (&in, 0x30, &info) ||
      !der_take (&info, 0x30, &algorithm) ||
      !der_take (&algorithm, 0x06, &oid) ||
      !der_take (&algorithm, 0x30, &params))
    return 0;

  if (oid.size == sizeof pbes2 && memcmp (oid.data, pbes2, sizeof pbes2) == 0)
    {
      Der pbkdf2 = params;

      if (!der_take (&pbkdf2, 0x30, &kdf) ||
          !der_take (&kdf, 0x06, &kdf_oid) ||
          !der_take (&kdf, 0x30, &params))
        return 0;
    }

  if (!der_take (&params, 0x04, &salt) ||
      !der_take (&params, 0x02, &count) ||
      count.size == 0 || (count.data[0] & 0x80) != 0)
    return 0;

  for (gsize i = 0; i < count.size; i++)
    {
      if (iterations > G_MAXUINT64 >> 8)
        return G_MAXUINT64;
      iterations = (iterations << 8) | count.data[i];
    }
  return iterations;
}

void
sy_set_iterations_error (GError  **error,
                         guint64   iterations)
{
  if (iterations > 0)
    {
      /* xgettext cannot see through G_GUINT64_FORMAT. */
      g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, iterations);

      g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED,
                   _("The private key is protected with %s iterations of its passphrase, "
                     "more than Switchyard accepts (at most %u), as opening it would take far too long: "
                     "export it again with fewer (OpenSSL's default is 2048)"),
                   count, (guint) SY_KDF_MAX_ITERATIONS);
    }
  else
    g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED,
                 _("The private key is protected with more iterations of its passphrase than Switchyard "
                   "accepts (at most %u), as opening it would take far too long: "
                   "export it again with fewer (OpenSSL's default is 2048)"),
                 (guint) SY_KDF_MAX_ITERATIONS);
}

/* The iteration count of an encrypted PKCS#8 key in PEM or DER, or 0. */
static guint64
encrypted_key_iterations (const gnutls_datum_t *datum,
                          gboolean              is_pem)
{
  gnutls_datum_t der = { NULL, 0 };
  guint64 iterations;

  if (!is_pem)
    return sy_pkcs8_iterations (datum->data, datum->size);
  if (gnutls_pem_base64_decode2 ("ENCRYPTED PRIVATE KEY", datum, &der) < 0)
    return 0;

  iterations = sy_pkcs8_iterations (der.data, der.size);
  wipe_datum (&der);
  return iterations;
}

/* data: PEM or DER; PKCS#8 (encrypted or not), PKCS#1 RSA or SEC1 EC.
 * passphrase: for an encrypted PKCS#8 key, else NULL. */
SyPrivateKey *
sy_private_key_new_from_data (GBytes      *data,
                              const char  *passphrase,
                              GError     **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_datum_t datum;
  gnutls_x509_crt_fmt_t format;
  gboolean is_pem;
  gboolean encrypted;
  gsize size;
  const guint8 *bytes;
  g_autoptr(GBytes) terminated = NULL;
  int ret;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* GnuTLS reads an OpenSSL PEM header ("Proc-Type: 4,ENCRYPTED") as a C
   * string, past the end of bytes that no NUL follows (found by
   * tests/fuzz): hand it a copy that has one, wiped when done. */
  bytes = g_bytes_get_data (data, &size);
  if (size > 0 && size < G_MAXSIZE)
    {
      KeyCopy *copy = g_new0 (KeyCopy, 1);

      copy->size = size + 1;
      copy->data = g_malloc0 (copy->size);
      memcpy (copy->data, bytes, size);
      terminated = g_bytes_new_with_free_func (copy->data, size, key_copy_free, copy);
      bytes = g_bytes_get_data (terminated, &size);
    }
  if (size == 0)
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                           _("The private key file is empty"));
      return NULL;
    }
  if (size > G_MAXUINT)
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                           _("This is not a private key"));
      return NULL;
    }

  is_pem = contains (bytes, size, "-----BEGIN ");
  if (is_pem && !contains (bytes, size, "PRIVATE KEY-----"))
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                           contains (bytes, size, PEM_BEGIN ("CERTIFICATE"))
                           ? _("This file holds a certificate, not a private key")
                           : _("This PEM file holds no private key"));
      return NULL;
    }
  if (is_pem && contains (bytes, size, PEM_BEGIN ("DSA PRIVATE KEY")))
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED,
                           _("DSA keys cannot be used: use an RSA or EC (P-256, P-384, P-521) key"));
      return NULL;
    }

  encrypted = is_pem && (contains (bytes, size, PEM_BEGIN ("ENCRYPTED PRIVATE KEY"))
                         || contains (bytes, size, "Proc-Type: 4,ENCRYPTED"));
  if (encrypted && (passphrase == NULL || *passphrase == '\0'))
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_BAD_PASSPHRASE,
                           _("The private key is encrypted: enter its passphrase"));
      return NULL;
    }

  ret = gnutls_x509_privkey_init (&key);
  if (ret < 0)
    {
      g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_FAILED,
                   "%s", gnutls_strerror (ret));
      return NULL;
    }

  format = is_pem ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER;
  datum.data = (unsigned char *) bytes;
  datum.size = size;
  ret = gnutls_x509_privkey_import2 (key, &datum, format,
                                     passphrase != NULL && *passphrase != '\0' ? passphrase : NULL,
                                     0);
  if (ret < 0)
    {
      guint64 iterations;

      gnutls_x509_privkey_deinit (key);

      /* GnuTLS refuses too many iterations before it derives anything,
       * with the error it has for any parameter out of range. */
      if (ret == GNUTLS_E_ILLEGAL_PARAMETER &&
          (iterations = encrypted_key_iterations (&datum, is_pem)) > SY_KDF_MAX_ITERATIONS)
        {
          sy_set_iterations_error (error, iterations);
          return NULL;
        }

      switch (ret)
        {
        case GNUTLS_E_DECRYPTION_FAILED:
          if (passphrase == NULL || *passphrase == '\0')
            g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_BAD_PASSPHRASE,
                                 _("The private key is encrypted: enter its passphrase"));
          else
            g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_BAD_PASSPHRASE,
                                 _("The passphrase is wrong: the private key could not be decrypted"));
          break;

        case GNUTLS_E_ECC_UNSUPPORTED_CURVE:
          g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED,
                               _("This key's elliptic curve cannot be used: use P-256, P-384 or P-521"));
          break;

        case GNUTLS_E_UNKNOWN_PK_ALGORITHM:
        case GNUTLS_E_UNIMPLEMENTED_FEATURE:
        case GNUTLS_E_UNKNOWN_CIPHER_TYPE:
          g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED,
                               _("This kind of private key cannot be used: use an RSA or EC (P-256, P-384, P-521) key"));
          break;

        default:
          if (looks_like_ec_key (&datum, is_pem))
            g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED,
                                 _("This key's elliptic curve cannot be used: use P-256, P-384 or P-521"));
          else
            g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                         _("This is not a private key in a form Switchyard reads (PEM or DER; PKCS#8, PKCS#1 or SEC1): %s"),
                         gnutls_strerror (ret));
          break;
        }
      return NULL;
    }

  /* A damaged file can still parse (a flipped byte in the modulus), and
   * would then sign garbage NetSuite refuses without saying why. */
  ret = gnutls_x509_privkey_verify_params (key);
  if (ret < 0)
    {
      gnutls_x509_privkey_deinit (key);
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                           _("The private key is damaged: its parts do not fit together"));
      return NULL;
    }

  return sy_private_key_new_take_x509 (key, error);
}

SyPrivateKey *
sy_private_key_new_from_base64 (const char  *base64,
                                GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  SyPrivateKey *key;
  guchar *decoded;
  gsize size = 0;

  g_return_val_if_fail (base64 != NULL, NULL);

  /* g_base64_decode() skips characters outside the alphabet rather than
   * failing, so anything odd only shows up as a key that does not parse. */
  decoded = g_base64_decode (base64, &size);
  if (decoded == NULL || size == 0)
    {
      g_free (decoded);
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID,
                           _("The stored private key is empty or damaged"));
      return NULL;
    }

  /* The key only borrows the bytes while parsing. */
  bytes = g_bytes_new_static (decoded, size);
  key = sy_private_key_new_from_data (bytes, NULL, error);
  g_clear_pointer (&bytes, g_bytes_unref);
  gnutls_memset (decoded, 0, size);
  g_free (decoded);

  return key;
}

static gnutls_datum_t
export_pkcs8_pem (SyPrivateKey *self)
{
  gnutls_datum_t pem = { NULL, 0 };
  int ret;

  ret = gnutls_x509_privkey_export2_pkcs8 (self->x509, GNUTLS_X509_FMT_PEM, NULL,
                                           GNUTLS_PKCS_PLAIN, &pem);
  if (ret < 0)
    g_critical ("Exporting a private key failed: %s", gnutls_strerror (ret));

  return pem;
}

char *
sy_private_key_to_pem (SyPrivateKey *self)
{
  gnutls_datum_t pem;
  char *result;

  g_return_val_if_fail (SY_IS_PRIVATE_KEY (self), NULL);

  pem = export_pkcs8_pem (self);
  if (pem.data == NULL)
    return NULL;

  result = g_strndup ((const char *) pem.data, pem.size);
  wipe_datum (&pem);

  return result;
}

char *
sy_private_key_to_base64 (SyPrivateKey *self)
{
  gnutls_datum_t pem;
  char *result;

  g_return_val_if_fail (SY_IS_PRIVATE_KEY (self), NULL);

  pem = export_pkcs8_pem (self);
  if (pem.data == NULL)
    return NULL;

  result = g_base64_encode (pem.data, pem.size);
  wipe_datum (&pem);

  return result;
}

SyKeyType
sy_private_key_get_key_type (SyPrivateKey *self)
{
  g_return_val_if_fail (SY_IS_PRIVATE_KEY (self), SY_KEY_TYPE_UNKNOWN);

  return sy_key_type_from_pk (self->pk);
}

guint
sy_private_key_get_bits (SyPrivateKey *self)
{
  g_return_val_if_fail (SY_IS_PRIVATE_KEY (self), 0);

  return self->bits;
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         size)
{
  while (size > 0)
    {
      gssize written = write (fd, data, size);

      if (written < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += written;
      size -= written;
    }

  return TRUE;
}

gboolean
sy_private_key_export (SyPrivateKey  *self,
                       const char    *path,
                       GError       **error)
{
  g_autofree char *tmp_path = NULL;
  gnutls_datum_t pem;
  int saved_errno;
  int fd;

  g_return_val_if_fail (SY_IS_PRIVATE_KEY (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  pem = export_pkcs8_pem (self);
  if (pem.data == NULL)
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_FAILED,
                           _("The private key could not be exported"));
      return FALSE;
    }

  /* A temporary file in the same directory, created 0600 with O_EXCL, is
   * renamed over the target: the key is never readable by others, not even
   * for a moment, and an existing file is replaced atomically. */
  tmp_path = g_strdup_printf ("%s.XXXXXX", path);
  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      wipe_datum (&pem);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not write the private key to “%s”: %s"),
                   path, g_strerror (saved_errno));
      return FALSE;
    }

  if (!write_all (fd, pem.data, pem.size) || fsync (fd) != 0)
    {
      saved_errno = errno;
      wipe_datum (&pem);
      close (fd);
      g_unlink (tmp_path);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not write the private key to “%s”: %s"),
                   path, g_strerror (saved_errno));
      return FALSE;
    }
  wipe_datum (&pem);

  if (close (fd) != 0 || g_rename (tmp_path, path) != 0)
    {
      saved_errno = errno;
      g_unlink (tmp_path);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not write the private key to “%s”: %s"),
                   path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

const char *
sy_private_key_get_jws_alg (SyPrivateKey *self)
{
  g_return_val_if_fail (SY_IS_PRIVATE_KEY (self), NULL);

  switch (self->pk)
    {
    case GNUTLS_PK_RSA:
    case GNUTLS_PK_RSA_PSS:
      return "PS256";
    case GNUTLS_PK_ECDSA:
      return sy_ecc_curve_jws_alg (self->curve);
    default:
      return NULL;
    }
}

static gnutls_sign_algorithm_t
ecdsa_sign_algorithm (gnutls_ecc_curve_t curve)
{
  switch (curve)
    {
    case GNUTLS_ECC_CURVE_SECP256R1:
      return GNUTLS_SIGN_ECDSA_SHA256;
    case GNUTLS_ECC_CURVE_SECP384R1:
      return GNUTLS_SIGN_ECDSA_SHA384;
    case GNUTLS_ECC_CURVE_SECP521R1:
      return GNUTLS_SIGN_ECDSA_SHA512;
    default:
      return GNUTLS_SIGN_UNKNOWN;
    }
}

/* Appends value as an unsigned big-endian number of exactly size bytes. */
static gboolean
append_padded (GByteArray           *out,
               const gnutls_datum_t *value,
               gsize                 size)
{
  const guint8 *digits = value->data;
  gsize length = value->size;

  /* DER integers carry a leading zero when the top bit is set. */
  while (length > 0 && digits[0] == 0)
    {
      digits++;
      length--;
    }
  if (length > size)
    return FALSE;

  for (gsize i = length; i < size; i++)
    g_byte_array_append (out, (const guint8 *) "", 1);
  g_byte_array_append (out, digits, length);

  return TRUE;
}

GBytes *
sy_private_key_sign_jws (SyPrivateKey  *self,
                         GBytes        *signing_input,
                         const char   **out_alg,
                         GError       **error)
{
  gnutls_datum_t input;
  gnutls_datum_t signature = { NULL, 0 };
  gnutls_sign_algorithm_t algorithm;
  const char *alg;
  gsize size;
  int ret;

  g_return_val_if_fail (SY_IS_PRIVATE_KEY (self), NULL);
  g_return_val_if_fail (signing_input != NULL, NULL);

  alg = sy_private_key_get_jws_alg (self);
  if (self->pk == GNUTLS_PK_RSA)
    algorithm = GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
  else if (self->pk == GNUTLS_PK_RSA_PSS)
    algorithm = GNUTLS_SIGN_RSA_PSS_SHA256;
  else if (self->pk == GNUTLS_PK_ECDSA)
    algorithm = ecdsa_sign_algorithm (self->curve);
  else
    algorithm = GNUTLS_SIGN_UNKNOWN;

  if (alg == NULL || algorithm == GNUTLS_SIGN_UNKNOWN)
    {
      g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED,
                           _("This key cannot sign a NetSuite login"));
      return NULL;
    }

  input.data = (unsigned char *) g_bytes_get_data (signing_input, &size);
  input.size = size;

  ret = gnutls_privkey_sign_data2 (self->privkey, algorithm, 0, &input, &signature);
  if (ret < 0)
    {
      g_set_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_FAILED,
                   _("Signing with the private key failed: %s"), gnutls_strerror (ret));
      return NULL;
    }

  if (self->pk == GNUTLS_PK_ECDSA)
    {
      gnutls_datum_t r = { NULL, 0 }, s = { NULL, 0 };
      gsize part = sy_ecc_curve_jws_size (self->curve);
      g_autoptr(GByteArray) raw = g_byte_array_sized_new (2 * part);
      gboolean ok;

      /* JWS wants R||S, each exactly the curve size, not X9.62 DER. */
      ret = gnutls_decode_rs_value (&signature, &r, &s);
      gnutls_free (signature.data);
      ok = ret >= 0 && append_padded (raw, &r, part) && append_padded (raw, &s, part);
      gnutls_free (r.data);
      gnutls_free (s.data);
      if (!ok)
        {
          g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_FAILED,
                               _("Signing with the private key failed: the ECDSA signature is malformed"));
          return NULL;
        }

      if (out_alg != NULL)
        *out_alg = alg;
      return g_byte_array_free_to_bytes (g_steal_pointer (&raw));
    }
  else
    {
      GBytes *result = g_bytes_new (signature.data, signature.size);

      gnutls_free (signature.data);
      if (out_alg != NULL)
        *out_alg = alg;
      return result;
    }
}
