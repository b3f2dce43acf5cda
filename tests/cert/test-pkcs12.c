/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "cert-test-common.h"
#include "sy-certificate.h"
#include "sy-pkcs12.h"
#include "sy-private-key.h"
#include "sy-test-support.h"

/* PKCS#12 bundles made by `openssl pkcs12 -export` at run time, read with
 * GnuTLS. Passphrases reach openssl through a file, never argv. */
static char *workdir;

static const char *passphrase = "correct horse battery staple";

/* GnuTLS's limit is 10,485,759: this is one more. */
#define TOO_MANY_ITERATIONS "10485760"

static void
make_bundles (void)
{
  static gboolean made;
  const char * const ec[] = { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", NULL };
  const char * const rsa[] = { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", NULL };
  g_autofree char *pass_path = NULL;
  g_autofree char *pass_option = NULL;

  if (made)
    return;
  made = TRUE;

  pass_path = cert_test_write (workdir, "pass.txt", passphrase, -1);
  pass_option = g_strconcat ("file:", pass_path, NULL);
  cert_test_openssl_selfsigned (workdir, "ec", ec, NULL);
  cert_test_openssl_selfsigned (workdir, "rsa", rsa, NULL);
  cert_test_openssl_selfsigned (workdir, "other", ec, NULL);

  g_free (cert_test_openssl_ok (workdir, "pkcs12", "-export", "-in", "ec.pem", "-inkey", "ec-key.pem",
                                "-passout", pass_option, "-out", "ec.p12", NULL));
  g_free (cert_test_openssl_ok (workdir, "pkcs12", "-export", "-in", "rsa.pem", "-inkey", "rsa-key.pem",
                                "-passout", pass_option, "-out", "rsa.p12", NULL));
  /* "Without a passphrase" as OpenSSL makes it: an empty one. */
  g_free (cert_test_openssl_ok (workdir, "pkcs12", "-export", "-in", "ec.pem", "-inkey", "ec-key.pem",
                                "-passout", "pass:", "-out", "empty.p12", NULL));
  /* And with nothing encrypted and no MAC at all. */
  g_free (cert_test_openssl_ok (workdir, "pkcs12", "-export", "-in", "ec.pem", "-inkey", "ec-key.pem",
                                "-keypbe", "NONE", "-certpbe", "NONE", "-nomac",
                                "-passout", "pass:", "-out", "plain.p12", NULL));
  /* The older ciphers many exporters still use (3DES, RC2). */
  g_free (cert_test_openssl_ok (workdir, "pkcs12", "-export", "-legacy", "-in", "ec.pem", "-inkey", "ec-key.pem",
                                "-passout", pass_option, "-out", "legacy.p12", NULL));
  g_free (cert_test_openssl_ok (workdir, "pkcs12", "-export", "-nokeys", "-in", "ec.pem",
                                "-passout", pass_option, "-out", "certificate-only.p12", NULL));
}

static SyCertificate *
import_ok (const char     *name,
           const char     *bundle_passphrase,
           SyPrivateKey  **out_key)
{
  g_autoptr(GBytes) bytes = cert_test_read (workdir, name);
  g_autoptr(GError) error = NULL;
  SyCertificate *certificate;

  g_assert_true (sy_pkcs12_detect (bytes));
  certificate = sy_pkcs12_import (bytes, bundle_passphrase, out_key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (certificate);
  return certificate;
}

static void
assert_same_certificate (SyCertificate *certificate,
                         const char    *pem_name)
{
  g_autoptr(SyCertificate) expected = cert_test_load_certificate (workdir, pem_name);

  g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (certificate), ==,
                   sy_certificate_get_sha256_fingerprint (expected));
}

/* The key is compared by what it signs for, never printed. */
static void
assert_same_key (SyPrivateKey *key,
                 const char   *pem_name)
{
  g_autoptr(SyPrivateKey) expected = cert_test_load_key (workdir, pem_name);
  g_autofree char *a = sy_private_key_to_base64 (key);
  g_autofree char *b = sy_private_key_to_base64 (expected);

  g_assert_true (g_str_equal (a, b));
}

static void
test_with_passphrase (void)
{
  g_autoptr(SyCertificate) ec = NULL;
  g_autoptr(SyCertificate) rsa = NULL;
  g_autoptr(SyPrivateKey) ec_key = NULL;
  g_autoptr(SyPrivateKey) rsa_key = NULL;

  make_bundles ();

  ec = import_ok ("ec.p12", passphrase, &ec_key);
  assert_same_certificate (ec, "ec.pem");
  g_assert_nonnull (ec_key);
  assert_same_key (ec_key, "ec-key.pem");
  g_assert_true (sy_certificate_matches_key (ec, ec_key));

  rsa = import_ok ("rsa.p12", passphrase, &rsa_key);
  assert_same_certificate (rsa, "rsa.pem");
  g_assert_cmpint (sy_private_key_get_key_type (rsa_key), ==, SY_KEY_TYPE_RSA);
  g_assert_cmpuint (sy_private_key_get_bits (rsa_key), ==, 3072);
  g_assert_true (sy_certificate_matches_key (rsa, rsa_key));
}

static void
test_without_passphrase (void)
{
  const char * const names[] = { "empty.p12", "plain.p12" };

  make_bundles ();

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    for (guint empty = 0; empty < 2; empty++)
      {
        g_autoptr(SyCertificate) certificate = NULL;
        g_autoptr(SyPrivateKey) key = NULL;

        certificate = import_ok (names[i], empty ? "" : NULL, &key);
        assert_same_certificate (certificate, "ec.pem");
        g_assert_nonnull (key);
        assert_same_key (key, "ec-key.pem");
      }
}

static void
test_legacy_ciphers (void)
{
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyPrivateKey) key = NULL;

  make_bundles ();

  certificate = import_ok ("legacy.p12", passphrase, &key);
  assert_same_certificate (certificate, "ec.pem");
  assert_same_key (key, "ec-key.pem");
}

static void
test_certificate_only (void)
{
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyPrivateKey) key = NULL;

  make_bundles ();

  certificate = import_ok ("certificate-only.p12", passphrase, &key);
  assert_same_certificate (certificate, "ec.pem");
  g_assert_null (key);
}

static void
import_fails (const char  *name,
              const char  *bundle_passphrase,
              int          code,
              const char  *in_message)
{
  g_autoptr(GBytes) bytes = cert_test_read (workdir, name);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(SyCertificate) certificate = NULL;

  certificate = sy_pkcs12_import (bytes, bundle_passphrase, &key, &error);
  g_assert_error (error, SY_CERTIFICATE_ERROR, code);
  g_assert_null (certificate);
  g_assert_null (key);
  g_test_message ("%s: %s", name, error->message);
  g_assert_nonnull (strstr (error->message, in_message));
}

static void
test_wrong_passphrase (void)
{
  make_bundles ();

  import_fails ("ec.p12", "Correct horse battery staple", SY_CERTIFICATE_ERROR_BAD_PASSPHRASE, "wrong");
  import_fails ("legacy.p12", "wrong", SY_CERTIFICATE_ERROR_BAD_PASSPHRASE, "wrong");
  import_fails ("empty.p12", "something", SY_CERTIFICATE_ERROR_BAD_PASSPHRASE, "wrong");
  /* Missing rather than wrong: the user is asked for it. */
  import_fails ("ec.p12", NULL, SY_CERTIFICATE_ERROR_BAD_PASSPHRASE, "protected by a passphrase");
  import_fails ("ec.p12", "", SY_CERTIFICATE_ERROR_BAD_PASSPHRASE, "protected by a passphrase");
}

/* More iterations than GnuTLS derives a key with: refused with the
 * reason and the count, as a PKCS#12 key, a PKCS#12 MAC and a PKCS#8
 * key, not as "not a private key". Each costs openssl one derivation of
 * 10 million iterations (everything else in the clear or at 1). */
static void
test_too_many_iterations (void)
{
  g_autofree char *pass_option = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyPrivateKey) key = NULL;

  make_bundles ();
  pass_option = g_strconcat ("file:", workdir, "/pass.txt", NULL);

  g_free (cert_test_openssl_ok (workdir, "pkcs12", "-export", "-in", "ec.pem", "-inkey", "ec-key.pem",
                                "-iter", TOO_MANY_ITERATIONS, "-nomaciter", "-certpbe", "NONE",
                                "-passout", pass_option, "-out", "iterations.p12", NULL));
  import_fails ("iterations.p12", passphrase, SY_CERTIFICATE_ERROR_UNSUPPORTED, TOO_MANY_ITERATIONS);

  /* The MAC's iterations: GnuTLS would spend them all before saying
   * anything, so Switchyard looks first. */
  g_free (cert_test_openssl_ok (workdir, "pkcs12", "-export", "-in", "ec.pem", "-inkey", "ec-key.pem",
                                "-iter", TOO_MANY_ITERATIONS, "-keypbe", "NONE", "-certpbe", "NONE",
                                "-passout", pass_option, "-out", "mac-iterations.p12", NULL));
  import_fails ("mac-iterations.p12", passphrase, SY_CERTIFICATE_ERROR_UNSUPPORTED, TOO_MANY_ITERATIONS);
  import_fails ("mac-iterations.p12", "wrong", SY_CERTIFICATE_ERROR_UNSUPPORTED, TOO_MANY_ITERATIONS);

  g_free (cert_test_openssl_ok (workdir, "pkcs8", "-topk8", "-in", "ec-key.pem", "-iter", TOO_MANY_ITERATIONS,
                                "-passout", pass_option, "-out", "iterations-key.pem", NULL));
  bytes = cert_test_read (workdir, "iterations-key.pem");
  key = sy_private_key_new_from_data (bytes, passphrase, &error);
  g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED);
  g_assert_null (key);
  g_test_message ("PKCS#8: %s", error->message);
  g_assert_nonnull (strstr (error->message, TOO_MANY_ITERATIONS));
  g_assert_null (strstr (error->message, "not a private key"));
}

static void
test_detect (void)
{
  const char * const not_bundles[] = { "ec.pem", "ec-key.pem", "ec.der", "pass.txt" };
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  make_bundles ();
  g_free (cert_test_openssl_ok (workdir, "x509", "-in", "ec.pem", "-outform", "DER", "-out", "ec.der", NULL));

  for (guint i = 0; i < G_N_ELEMENTS (not_bundles); i++)
    {
      g_autoptr(GBytes) other = cert_test_read (workdir, not_bundles[i]);

      g_assert_false (sy_pkcs12_detect (other));
    }
  g_assert_false (sy_pkcs12_detect (empty));

  /* A bundle where a certificate alone is expected says what it is,
   * instead of "the DER data ends too early". */
  bytes = cert_test_read (workdir, "ec.p12");
  certificate = sy_certificate_new_from_data (bytes, &error);
  g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID);
  g_assert_null (certificate);
  g_assert_nonnull (strstr (error->message, "PKCS#12"));
}

/* Damaged bundles: cut short or with a byte flipped, never a crash. */
static void
test_damaged (void)
{
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;
  gsize size;

  make_bundles ();
  bytes = cert_test_read (workdir, "ec.p12");
  data = g_bytes_get_data (bytes, &size);

  for (gsize cut = 0; cut < size; cut += 37)
    {
      g_autoptr(GBytes) part = g_bytes_new (data, cut);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyPrivateKey) key = NULL;
      g_autoptr(SyCertificate) certificate = sy_pkcs12_import (part, passphrase, &key, &error);

      g_assert_null (certificate);
      g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SyPrivateKey) original_key = NULL;
    g_autoptr(SyCertificate) original = sy_pkcs12_import (bytes, passphrase, &original_key, &error);
    g_autofree char *original_key_pem = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (original_key);
    original_key_pem = sy_private_key_to_pem (original_key);

    for (gsize at = 0; at < size; at += 13)
      {
        g_autofree guint8 *copy = g_memdup2 (data, size);
        g_autoptr(GBytes) flipped = NULL;
        g_autoptr(SyPrivateKey) key = NULL;
        g_autoptr(SyCertificate) certificate = NULL;
        g_autofree char *key_pem = NULL;

        g_clear_error (&error);
        copy[at] ^= 0x5a;
        flipped = g_bytes_new (copy, size);
        certificate = sy_pkcs12_import (flipped, passphrase, &key, &error);
        if (certificate == NULL)
          {
            g_assert_nonnull (error);
            continue;
          }
        /* The MAC covers the contents, so a change there is caught (at the
         * latest as a passphrase that no longer fits). A few bytes of the
         * envelope are not covered by it (a DER length GnuTLS reads
         * leniently, say; which ones move with openssl's random salts): a
         * change there may be read past, but must never yield another
         * certificate or key. */
        g_test_message ("byte %" G_GSIZE_FORMAT " changed, bundle still read", at);
        g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (certificate), ==,
                         sy_certificate_get_sha256_fingerprint (original));
        g_assert_nonnull (key);
        key_pem = sy_private_key_to_pem (key);
        g_assert_cmpstr (key_pem, ==, original_key_pem);
      }
  }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  workdir = sy_test_make_tmpdir ("switchyard-test-pkcs12");

  g_test_add_func ("/pkcs12/with-passphrase", test_with_passphrase);
  g_test_add_func ("/pkcs12/without-passphrase", test_without_passphrase);
  g_test_add_func ("/pkcs12/legacy-ciphers", test_legacy_ciphers);
  g_test_add_func ("/pkcs12/certificate-only", test_certificate_only);
  g_test_add_func ("/pkcs12/wrong-passphrase", test_wrong_passphrase);
  g_test_add_func ("/pkcs12/too-many-iterations", test_too_many_iterations);
  g_test_add_func ("/pkcs12/detect", test_detect);
  g_test_add_func ("/pkcs12/damaged", test_damaged);

  status = g_test_run ();
  sy_test_remove_tree (workdir);
  g_free (workdir);
  return status;
}
