/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "cert-test-common.h"
#include "sy-certificate.h"
#include "sy-private-key.h"
#include "sy-secret-store.h"
#include "sy-test-support.h"

/* Keys are made by openssl at run time in this directory; nothing private
 * is committed. */
static char *workdir;

static const char *passphrase_file_contents = "correct horse battery staple\n";
static const char *passphrase = "correct horse battery staple";

/* Keys are compared with g_str_equal(), never g_assert_cmpstr(), so that a
 * failure does not print key material into the test log. */

static SyPrivateKey *
load_key_expecting_error (const char *name,
                          const char *key_passphrase,
                          GQuark      domain,
                          int         code,
                          GError    **out_error)
{
  g_autoptr(GBytes) bytes = cert_test_read (workdir, name);
  SyPrivateKey *key;

  key = sy_private_key_new_from_data (bytes, key_passphrase, out_error);
  g_assert_error (*out_error, domain, code);
  g_assert_null (key);
  g_assert_nonnull ((*out_error)->message);
  g_assert_cmpstr ((*out_error)->message, !=, "");
  return key;
}

static void
make_rsa_forms (void)
{
  static gboolean made;
  g_autofree char *pass_path = NULL;
  g_autofree char *out = NULL;

  if (made)
    return;
  made = TRUE;

  pass_path = cert_test_write (workdir, "pass.txt", passphrase_file_contents, -1);
  g_free (cert_test_openssl_ok (workdir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072",
                                "-out", "rsa-pkcs8.pem", NULL));
  g_free (cert_test_openssl_ok (workdir, "pkey", "-in", "rsa-pkcs8.pem", "-traditional",
                                "-out", "rsa-pkcs1.pem", NULL));
  g_free (cert_test_openssl_ok (workdir, "pkey", "-in", "rsa-pkcs8.pem", "-outform", "DER",
                                "-out", "rsa-pkcs8.der", NULL));
  g_free (cert_test_openssl_ok (workdir, "pkcs8", "-topk8", "-in", "rsa-pkcs8.pem",
                                "-v2", "aes-256-cbc", "-passout", "file:pass.txt",
                                "-out", "rsa-encrypted.pem", NULL));
  g_free (cert_test_openssl_ok (workdir, "pkcs8", "-topk8", "-in", "rsa-pkcs8.pem",
                                "-v2", "aes-256-cbc", "-passout", "file:pass.txt", "-outform", "DER",
                                "-out", "rsa-encrypted.der", NULL));
  /* The traditional OpenSSL encryption (Proc-Type: 4,ENCRYPTED). */
  g_free (cert_test_openssl_ok (workdir, "rsa", "-in", "rsa-pkcs8.pem", "-traditional", "-aes256",
                                "-passout", "file:pass.txt", "-out", "rsa-encrypted-traditional.pem", NULL));
}

static void
test_import_rsa_forms (void)
{
  const char *names[] = { "rsa-pkcs8.pem", "rsa-pkcs1.pem", "rsa-pkcs8.der" };
  g_autoptr(SyPrivateKey) reference = NULL;
  g_autofree char *reference_pem = NULL;
  g_autoptr(GBytes) original = NULL;

  make_rsa_forms ();

  reference = cert_test_load_key (workdir, "rsa-pkcs8.pem");
  g_assert_cmpint (sy_private_key_get_key_type (reference), ==, SY_KEY_TYPE_RSA);
  g_assert_cmpuint (sy_private_key_get_bits (reference), ==, 3072);
  g_assert_cmpstr (sy_private_key_get_jws_alg (reference), ==, "PS256");

  /* to_pem is unencrypted PKCS#8: the same text openssl wrote. */
  reference_pem = sy_private_key_to_pem (reference);
  original = cert_test_read (workdir, "rsa-pkcs8.pem");
  g_assert_true (g_str_has_prefix (reference_pem, "-----BEGIN PRIVATE KEY-----\n"));
  g_assert_true (strlen (reference_pem) == g_bytes_get_size (original)
                 && memcmp (reference_pem, g_bytes_get_data (original, NULL), strlen (reference_pem)) == 0);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(SyPrivateKey) key = cert_test_load_key (workdir, names[i]);
      g_autofree char *pem = sy_private_key_to_pem (key);

      g_test_message ("%s", names[i]);
      g_assert_cmpint (sy_private_key_get_key_type (key), ==, SY_KEY_TYPE_RSA);
      g_assert_cmpuint (sy_private_key_get_bits (key), ==, 3072);
      g_assert_true (g_str_equal (pem, reference_pem));
    }
}

static void
test_import_encrypted (void)
{
  const char *names[] = { "rsa-encrypted.pem", "rsa-encrypted.der", "rsa-encrypted-traditional.pem" };
  g_autoptr(SyPrivateKey) reference = NULL;
  g_autofree char *reference_pem = NULL;

  make_rsa_forms ();
  reference = cert_test_load_key (workdir, "rsa-pkcs8.pem");
  reference_pem = sy_private_key_to_pem (reference);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GBytes) bytes = cert_test_read (workdir, names[i]);
      g_autoptr(SyPrivateKey) key = NULL;
      g_autoptr(GError) wrong_error = NULL;
      g_autoptr(GError) missing_error = NULL;
      g_autoptr(GError) empty_error = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *pem = NULL;

      g_test_message ("%s", names[i]);

      load_key_expecting_error (names[i], "not the passphrase", SY_CERTIFICATE_ERROR,
                                SY_CERTIFICATE_ERROR_BAD_PASSPHRASE, &wrong_error);
      g_assert_nonnull (strstr (wrong_error->message, "passphrase is wrong"));

      load_key_expecting_error (names[i], NULL, SY_CERTIFICATE_ERROR,
                                SY_CERTIFICATE_ERROR_BAD_PASSPHRASE, &missing_error);
      g_assert_nonnull (strstr (missing_error->message, "enter its passphrase"));

      load_key_expecting_error (names[i], "", SY_CERTIFICATE_ERROR,
                                SY_CERTIFICATE_ERROR_BAD_PASSPHRASE, &empty_error);

      key = sy_private_key_new_from_data (bytes, passphrase, &error);
      g_assert_no_error (error);
      pem = sy_private_key_to_pem (key);
      /* Decrypted, and exported without encryption. */
      g_assert_true (g_str_equal (pem, reference_pem));
    }
}

static void
test_import_ec_forms (void)
{
  const struct {
    const char *curve;
    guint       bits;
    const char *alg;
  } curves[] = {
    { "P-256", 256, "ES256" },
    { "P-384", 384, "ES384" },
    { "P-521", 521, "ES512" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (curves); i++)
    {
      g_autofree char *curve_opt = g_strdup_printf ("ec_paramgen_curve:%s", curves[i].curve);
      g_autoptr(SyPrivateKey) pkcs8 = NULL;
      g_autoptr(SyPrivateKey) sec1 = NULL;
      g_autoptr(GBytes) sec1_bytes = NULL;
      g_autofree char *pkcs8_pem = NULL;
      g_autofree char *sec1_pem = NULL;
      g_autofree char *pkcs8_public = NULL;
      g_autofree char *sec1_public = NULL;
      g_autofree char *original_public = NULL;

      g_test_message ("%s", curves[i].curve);
      g_free (cert_test_openssl_ok (workdir, "genpkey", "-algorithm", "EC", "-pkeyopt", curve_opt,
                                    "-out", "ec.pem", NULL));
      g_free (cert_test_openssl_ok (workdir, "ec", "-in", "ec.pem", "-out", "ec-sec1.pem", NULL));

      sec1_bytes = cert_test_read (workdir, "ec-sec1.pem");
      g_assert_nonnull (memmem (g_bytes_get_data (sec1_bytes, NULL), g_bytes_get_size (sec1_bytes),
                                "BEGIN EC PRIVATE KEY", strlen ("BEGIN EC PRIVATE KEY")));

      pkcs8 = cert_test_load_key (workdir, "ec.pem");
      sec1 = cert_test_load_key (workdir, "ec-sec1.pem");
      g_assert_cmpint (sy_private_key_get_key_type (sec1), ==, SY_KEY_TYPE_EC);
      g_assert_cmpuint (sy_private_key_get_bits (sec1), ==, curves[i].bits);
      g_assert_cmpstr (sy_private_key_get_jws_alg (sec1), ==, curves[i].alg);

      pkcs8_pem = sy_private_key_to_pem (pkcs8);
      sec1_pem = sy_private_key_to_pem (sec1);
      g_assert_true (g_str_has_prefix (sec1_pem, "-----BEGIN PRIVATE KEY-----\n"));
      /* The same key (SEC1 may carry the curve twice, so compare what
       * openssl derives from each export). */
      g_free (cert_test_write (workdir, "ec-from-pkcs8.pem", pkcs8_pem, -1));
      g_free (cert_test_write (workdir, "ec-from-sec1.pem", sec1_pem, -1));
      pkcs8_public = cert_test_openssl_ok (workdir, "pkey", "-in", "ec-from-pkcs8.pem", "-pubout", NULL);
      sec1_public = cert_test_openssl_ok (workdir, "pkey", "-in", "ec-from-sec1.pem", "-pubout", NULL);
      original_public = cert_test_openssl_ok (workdir, "pkey", "-in", "ec.pem", "-pubout", NULL);
      g_assert_cmpstr (pkcs8_public, ==, original_public);
      g_assert_cmpstr (sec1_public, ==, original_public);
    }
}

static void
test_import_rsa_pss_key (void)
{
  g_autoptr(SyPrivateKey) key = NULL;

  /* An id-RSASSA-PSS key, as `openssl genpkey -algorithm RSA-PSS` makes. */
  g_free (cert_test_openssl_ok (workdir, "genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:3072",
                                "-out", "rsa-pss.pem", NULL));
  key = cert_test_load_key (workdir, "rsa-pss.pem");
  g_assert_cmpint (sy_private_key_get_key_type (key), ==, SY_KEY_TYPE_RSA);
  g_assert_cmpuint (sy_private_key_get_bits (key), ==, 3072);
  g_assert_cmpstr (sy_private_key_get_jws_alg (key), ==, "PS256");
}

static void
test_unsupported_keys (void)
{
  g_autoptr(GError) ed25519_error = NULL;
  g_autoptr(GError) secp256k1_error = NULL;
  g_autoptr(GError) dsa_error = NULL;

  g_free (cert_test_openssl_ok (workdir, "genpkey", "-algorithm", "ED25519", "-out", "ed25519.pem", NULL));
  load_key_expecting_error ("ed25519.pem", NULL, SY_CERTIFICATE_ERROR,
                            SY_CERTIFICATE_ERROR_UNSUPPORTED, &ed25519_error);
  g_assert_nonnull (strstr (ed25519_error->message, "Ed25519"));

  g_free (cert_test_openssl_ok (workdir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1",
                                "-out", "secp256k1.pem", NULL));
  load_key_expecting_error ("secp256k1.pem", NULL, SY_CERTIFICATE_ERROR,
                            SY_CERTIFICATE_ERROR_UNSUPPORTED, &secp256k1_error);
  g_assert_nonnull (strstr (secp256k1_error->message, "P-256, P-384 or P-521"));

  g_free (cert_test_openssl_ok (workdir, "genpkey", "-genparam", "-algorithm", "DSA",
                                "-pkeyopt", "dsa_paramgen_bits:1024", "-out", "dsa-params.pem", NULL));
  g_free (cert_test_openssl_ok (workdir, "genpkey", "-paramfile", "dsa-params.pem", "-out", "dsa.pem", NULL));
  load_key_expecting_error ("dsa.pem", NULL, SY_CERTIFICATE_ERROR,
                            SY_CERTIFICATE_ERROR_UNSUPPORTED, &dsa_error);
  g_assert_nonnull (strstr (dsa_error->message, "DSA"));
}

static void
test_bad_input (void)
{
  const guint8 garbage[] = { 0x30, 0x82, 0x01, 0xff, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x13, 0x37 };
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) garbage_bytes = g_bytes_new_static (garbage, sizeof garbage);
  g_autoptr(GBytes) text = g_bytes_new_static ("hello, world\n", 13);
  g_autoptr(GBytes) broken_pem = g_bytes_new_static ("-----BEGIN PRIVATE KEY-----\nAAAA!!!!\n-----END PRIVATE KEY-----\n", 62);
  g_autoptr(GBytes) certificate_bytes = NULL;
  g_autoptr(GBytes) truncated = NULL;
  GBytes *inputs[5];
  g_autoptr(GError) certificate_error = NULL;
  g_autoptr(GError) empty_error = NULL;
  SyPrivateKey *key;

  make_rsa_forms ();

  key = sy_private_key_new_from_data (empty, NULL, &empty_error);
  g_assert_null (key);
  g_assert_error (empty_error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID);
  g_assert_nonnull (strstr (empty_error->message, "empty"));

  {
    g_autoptr(GBytes) whole = cert_test_read (workdir, "rsa-pkcs8.der");

    truncated = g_bytes_new_from_bytes (whole, 0, g_bytes_get_size (whole) / 2);
  }

  inputs[0] = garbage_bytes;
  inputs[1] = text;
  inputs[2] = broken_pem;
  inputs[3] = truncated;
  inputs[4] = NULL;
  for (gsize i = 0; inputs[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("input %" G_GSIZE_FORMAT, i);
      key = sy_private_key_new_from_data (inputs[i], NULL, &error);
      g_assert_null (key);
      g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID);
    }

  g_free (cert_test_openssl_ok (workdir, "req", "-x509", "-new", "-key", "rsa-pkcs8.pem", "-subj", "/CN=Not a key",
                                "-out", "not-a-key.pem", NULL));
  certificate_bytes = cert_test_read (workdir, "not-a-key.pem");
  key = sy_private_key_new_from_data (certificate_bytes, NULL, &certificate_error);
  g_assert_null (key);
  g_assert_error (certificate_error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID);
  g_assert_nonnull (strstr (certificate_error->message, "certificate, not a private key"));
}

/* Damaged keys, one byte at a time: read or refused with
 * SY_CERTIFICATE_ERROR, never a crash (run under ASan). */
static void
test_mutated_input (void)
{
  const char *names[] = { "rsa-pkcs8.der", "rsa-encrypted.der" };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261126);
  g_autoptr(SyCertificate) certificate = NULL;

  make_rsa_forms ();
  g_free (cert_test_openssl_ok (workdir, "req", "-x509", "-new", "-key", "rsa-pkcs8.pem", "-subj", "/CN=Mutated",
                                "-out", "mutated-cert.pem", NULL));
  certificate = cert_test_load_certificate (workdir, "mutated-cert.pem");

  for (gsize n = 0; n < G_N_ELEMENTS (names); n++)
    {
      g_autoptr(GBytes) der = cert_test_read (workdir, names[n]);
      guint refused = 0;

      for (guint i = 0; i < 150; i++)
        {
          gsize size = g_bytes_get_size (der);
          g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (der, NULL), size);
          g_autoptr(GBytes) mutated = NULL;
          g_autoptr(SyPrivateKey) key = NULL;
          g_autoptr(GError) error = NULL;
          gsize position = g_rand_int_range (rand, 0, MIN (size, 120));

          copy[position] = g_rand_int_range (rand, 0, 256);
          mutated = g_bytes_new (copy, size);
          key = sy_private_key_new_from_data (mutated, n == 1 ? passphrase : NULL, &error);
          if (key == NULL)
            {
              g_assert_nonnull (error);
              g_assert_true (error->domain == SY_CERTIFICATE_ERROR);
              refused++;
            }
          else
            {
              g_autoptr(GBytes) input = g_bytes_new_static ("header.payload", 14);
              g_autoptr(GBytes) signature = NULL;
              g_autoptr(GError) sign_error = NULL;

              /* Still the original key: it signs what its certificate
               * verifies. */
              g_assert_true (sy_certificate_matches_key (certificate, key));
              signature = sy_private_key_sign_jws (key, input, NULL, &sign_error);
              g_assert_no_error (sign_error);
              g_assert_true (sy_certificate_verify_jws (certificate, "PS256", input, signature, &sign_error));
              g_assert_no_error (sign_error);
            }
        }
      g_test_message ("%s: %u of 150 damaged keys refused", names[n], refused);
      /* A flipped byte in the numbers is caught too, not only a broken
       * structure; the few accepted changes leave the key intact. */
      g_assert_cmpuint (refused, >=, 140);
    }
}

static void
test_base64_round_trip (void)
{
  g_autoptr(SyPrivateKey) ec = NULL;
  g_autoptr(SyPrivateKey) rsa = NULL;
  SyPrivateKey *keys[2];

  make_rsa_forms ();
  g_free (cert_test_openssl_ok (workdir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
                                "-out", "ec-b64.pem", NULL));
  rsa = cert_test_load_key (workdir, "rsa-pkcs8.pem");
  ec = cert_test_load_key (workdir, "ec-b64.pem");
  keys[0] = rsa;
  keys[1] = ec;

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(SyPrivateKey) copy = NULL;
      g_autoptr(GError) error = NULL;
      char *base64 = sy_private_key_to_base64 (keys[i]);
      char *pem = sy_private_key_to_pem (keys[i]);
      char *copy_pem;

      /* One line: safe in a keyring file. */
      g_assert_null (strchr (base64, '\n'));
      copy = sy_private_key_new_from_base64 (base64, &error);
      g_assert_no_error (error);
      g_assert_cmpint (sy_private_key_get_key_type (copy), ==, sy_private_key_get_key_type (keys[i]));
      g_assert_cmpuint (sy_private_key_get_bits (copy), ==, sy_private_key_get_bits (keys[i]));
      copy_pem = sy_private_key_to_pem (copy);
      g_assert_true (g_str_equal (copy_pem, pem));

      sy_secret_free (base64);
      sy_secret_free (pem);
      sy_secret_free (copy_pem);
    }

  {
    g_autoptr(GError) empty_error = NULL;
    g_autoptr(GError) junk_error = NULL;
    SyPrivateKey *key;

    key = sy_private_key_new_from_base64 ("", &empty_error);
    g_assert_null (key);
    g_assert_error (empty_error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID);

    key = sy_private_key_new_from_base64 ("bm90IGEga2V5IGF0IGFsbA==", &junk_error);
    g_assert_null (key);
    g_assert_error (junk_error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID);
  }
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
test_export (void)
{
  g_autofree char *dir = g_build_filename (workdir, "export", NULL);
  g_autofree char *path = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *missing = g_build_filename (workdir, "no-such-dir", "key.pem", NULL);
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(SyPrivateKey) reread = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) missing_error = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *check = NULL;
  mode_t old_umask;

  make_rsa_forms ();
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  key = cert_test_load_key (workdir, "rsa-pkcs8.pem");
  pem = sy_private_key_to_pem (key);

  /* Even with a permissive umask the file is 0600. */
  old_umask = umask (0);
  g_assert_true (sy_private_key_export (key, path, &error));
  umask (old_umask);
  g_assert_no_error (error);
  g_assert_cmpuint (file_mode (path), ==, 0600);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_equal (contents, pem));
  g_clear_pointer (&contents, g_free);

  check = cert_test_openssl_ok (dir, "rsa", "-check", "-noout", "-in", "key.pem", NULL);
  g_assert_nonnull (strstr (check, "RSA key ok"));

  /* An existing world-readable file is replaced, and ends up 0600. */
  g_assert_true (g_file_set_contents (path, "old contents", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_assert_true (sy_private_key_export (key, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (file_mode (path), ==, 0600);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_equal (contents, pem));
  /* No temporary file is left behind. */
  g_assert_cmpuint (sy_test_count_dir_entries (dir), ==, 1);

  reread = cert_test_load_key (dir, "key.pem");
  g_assert_cmpuint (sy_private_key_get_bits (reread), ==, 3072);

  g_assert_false (sy_private_key_export (key, missing, &missing_error));
  g_assert_error (missing_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (missing_error->message, missing));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  workdir = sy_test_make_tmpdir ("switchyard-test-private-key");

  g_test_add_func ("/private-key/import/rsa-forms", test_import_rsa_forms);
  g_test_add_func ("/private-key/import/encrypted", test_import_encrypted);
  g_test_add_func ("/private-key/import/ec-forms", test_import_ec_forms);
  g_test_add_func ("/private-key/import/rsa-pss", test_import_rsa_pss_key);
  g_test_add_func ("/private-key/import/unsupported", test_unsupported_keys);
  g_test_add_func ("/private-key/import/bad-input", test_bad_input);
  g_test_add_func ("/private-key/import/mutated", test_mutated_input);
  g_test_add_func ("/private-key/base64", test_base64_round_trip);
  g_test_add_func ("/private-key/export", test_export);

  status = g_test_run ();
  sy_test_remove_tree (workdir);
  g_free (workdir);
  return status;
}
