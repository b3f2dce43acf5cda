/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "cert-test-common.h"
#include "sy-certificate.h"
#include "sy-secret-store.h"
#include "sy-test-support.h"

/* Fixtures (keys included) are made by openssl at run time in here. */
static char *workdir;

typedef struct
{
  SyKeySpec    spec;
  SyKeyType    type;
  guint        bits;
  const char  *curve;
  const char  *signature_algorithm;
  const char  *openssl_key_line;
  const char  *jws_alg;
} GenerateCase;

static const GenerateCase generate_cases[] = {
  { SY_KEY_SPEC_RSA_3072, SY_KEY_TYPE_RSA, 3072, NULL, "RSA-PSS-SHA256", "Public-Key: (3072 bit)", "PS256" },
  { SY_KEY_SPEC_RSA_4096, SY_KEY_TYPE_RSA, 4096, NULL, "RSA-PSS-SHA256", "Public-Key: (4096 bit)", "PS256" },
  { SY_KEY_SPEC_EC_P256, SY_KEY_TYPE_EC, 256, "P-256", "ECDSA-SHA256", "NIST CURVE: P-256", "ES256" },
  { SY_KEY_SPEC_EC_P384, SY_KEY_TYPE_EC, 384, "P-384", "ECDSA-SHA384", "NIST CURVE: P-384", "ES384" },
  { SY_KEY_SPEC_EC_P521, SY_KEY_TYPE_EC, 521, "P-521", "ECDSA-SHA512", "NIST CURVE: P-521", "ES512" },
};

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” not found in:\n%s", needle, haystack);
}

static void
assert_problems (GStrv        problems,
                 const char  *expected)
{
  g_autofree char *joined = g_strjoinv ("\n", problems);

  if (expected == NULL)
    {
      if (problems[0] != NULL)
        g_error ("expected no problems, got:\n%s", joined);
      return;
    }

  for (gsize i = 0; problems[i] != NULL; i++)
    {
      if (strstr (problems[i], expected) != NULL)
        return;
    }
  g_error ("expected a problem containing “%s”, got:\n%s", expected, joined);
}

static void
test_generate (gconstpointer data)
{
  const GenerateCase *test_case = data;
  const char *spec_name = sy_key_spec_to_string (test_case->spec);
  g_autofree char *dir = g_build_filename (workdir, spec_name, NULL);
  g_autofree char *key_path = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cert_path = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyCertificate) other = NULL;
  g_autoptr(SyCertificate) reread = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(SyPrivateKey) other_key = NULL;
  g_autoptr(SyPrivateKey) key_copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_auto(GStrv) problems = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *text = NULL;
  g_autofree char *verify = NULL;
  g_autofree char *check = NULL;
  g_autofree char *check_stderr = NULL;
  g_autofree char *dates = NULL;
  char *base64;
  const char *serial;
  gint64 days_left;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);

  certificate = cert_test_generate (test_case->spec, "CN=Switchyard Test,O=Example Ltd,C=DE",
                                    SY_CERTIFICATE_MAX_DAYS, &key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (certificate);
  g_assert_nonnull (key);

  g_assert_cmpstr (sy_certificate_get_subject (certificate), ==, "CN=Switchyard Test,O=Example Ltd,C=DE");
  g_assert_cmpstr (sy_certificate_get_issuer (certificate), ==, sy_certificate_get_subject (certificate));
  g_assert_cmpint (sy_certificate_get_key_type (certificate), ==, test_case->type);
  g_assert_cmpuint (sy_certificate_get_key_bits (certificate), ==, test_case->bits);
  g_assert_cmpstr (sy_certificate_get_curve (certificate), ==, test_case->curve);
  g_assert_cmpstr (sy_certificate_get_signature_algorithm (certificate), ==, test_case->signature_algorithm);
  g_assert_cmpint (sy_private_key_get_key_type (key), ==, test_case->type);
  g_assert_cmpuint (sy_private_key_get_bits (key), ==, test_case->bits);
  g_assert_cmpstr (sy_private_key_get_jws_alg (key), ==, test_case->jws_alg);

  /* 16 random bytes, positive. */
  serial = sy_certificate_get_serial (certificate);
  g_assert_cmpuint (strlen (serial), ==, 16 * 3 - 1);
  g_assert_cmpint (g_ascii_xdigit_value (serial[0]), <, 8);

  /* Exactly 730 days, starting a minute ago at most. */
  g_assert_cmpint (g_date_time_difference (sy_certificate_get_not_after (certificate),
                                           sy_certificate_get_not_before (certificate)),
                   ==, (GTimeSpan) 730 * G_TIME_SPAN_DAY);
  g_assert_cmpint (g_date_time_compare (sy_certificate_get_not_before (certificate), now), <=, 0);
  g_assert_cmpint (g_date_time_difference (now, sy_certificate_get_not_before (certificate)),
                   <=, 2 * G_TIME_SPAN_MINUTE);
  days_left = sy_certificate_get_days_left (certificate, now);
  g_assert_cmpint (days_left, >=, 729);
  g_assert_cmpint (days_left, <=, 730);

  problems = sy_certificate_check_netsuite (certificate, now);
  assert_problems (problems, NULL);

  g_assert_true (sy_certificate_matches_key (certificate, key));
  g_assert_true (sy_certificate_check_key (certificate, key, &error));
  g_assert_no_error (error);

  /* Another key of the same type does not match. */
  other = cert_test_generate (test_case->spec, "CN=Other", 1, &other_key, &error);
  g_assert_no_error (error);
  g_assert_false (sy_certificate_matches_key (certificate, other_key));
  g_assert_false (sy_certificate_matches_key (other, key));
  g_assert_false (sy_certificate_check_key (certificate, other_key, &error));
  g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_KEY_MISMATCH);
  g_clear_error (&error);

  /* openssl reads and verifies what was made. */
  pem = sy_certificate_to_pem (certificate);
  cert_path = cert_test_write (dir, "cert.pem", pem, -1);
  text = cert_test_openssl_ok (dir, "x509", "-in", "cert.pem", "-text", "-noout", NULL);
  assert_contains (text, test_case->openssl_key_line);
  assert_contains (text, "Version: 3 (0x2)");
  assert_contains (text, "CA:FALSE");
  assert_contains (text, "Digital Signature");
  assert_contains (text, "X509v3 Subject Key Identifier");
  if (test_case->type == SY_KEY_TYPE_RSA)
    {
      assert_contains (text, "Signature Algorithm: rsassaPss");
      assert_contains (text, "Hash Algorithm: sha256");
      assert_contains (text, "Salt Length: 0x20");
      assert_contains (text, "rsaEncryption");
    }
  else
    {
      assert_contains (text, "ecdsa-with-SHA");
    }
  verify = cert_test_openssl_ok (dir, "verify", "-CAfile", "cert.pem", "cert.pem", NULL);
  assert_contains (verify, "cert.pem: OK");
  dates = cert_test_openssl_ok (dir, "x509", "-in", "cert.pem", "-noout", "-serial", NULL);
  {
    g_autoptr(GString) bare = g_string_new (NULL);

    for (const char *p = serial; *p != '\0'; p++)
      if (*p != ':')
        g_string_append_c (bare, *p);
    assert_contains (dates, bare->str);
  }

  /* The exported key is 0600 and passes openssl's own consistency check. */
  g_assert_true (sy_private_key_export (key, key_path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (file_mode (key_path), ==, 0600);
  if (test_case->type == SY_KEY_TYPE_RSA)
    {
      check = cert_test_openssl_ok (dir, "rsa", "-check", "-noout", "-in", "key.pem", NULL);
      assert_contains (check, "RSA key ok");
    }
  else
    {
      g_autoptr(GError) check_error = NULL;

      check = cert_test_openssl (dir, &check_stderr, &check_error, "ec", "-check", "-noout", "-in", "key.pem", NULL);
      g_assert_no_error (check_error);
      assert_contains (check_stderr, "EC Key valid");
    }

  /* The key survives the keyring's base64 form. */
  base64 = sy_private_key_to_base64 (key);
  key_copy = sy_private_key_new_from_base64 (base64, &error);
  sy_secret_free (base64);
  g_assert_no_error (error);
  g_assert_true (sy_certificate_matches_key (certificate, key_copy));

  /* And the certificate survives PEM. */
  reread = cert_test_load_certificate (dir, "cert.pem");
  g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (reread), ==,
                   sy_certificate_get_sha256_fingerprint (certificate));
}

static void
test_generate_custom_days (void)
{
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *dir = g_build_filename (workdir, "days", NULL);
  g_autofree char *pem = NULL;
  g_autofree char *enddate = NULL;
  g_autofree char *expected_end = NULL;
  gint64 days_left;

  certificate = cert_test_generate (SY_KEY_SPEC_EC_P256, "CN=Thirty Days", 30, &key, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_date_time_difference (sy_certificate_get_not_after (certificate),
                                           sy_certificate_get_not_before (certificate)),
                   ==, (GTimeSpan) 30 * G_TIME_SPAN_DAY);
  days_left = sy_certificate_get_days_left (certificate, now);
  g_assert_cmpint (days_left, >=, 29);
  g_assert_cmpint (days_left, <=, 30);

  /* openssl sees the same end date. */
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  pem = sy_certificate_to_pem (certificate);
  g_free (cert_test_write (dir, "cert.pem", pem, -1));
  enddate = cert_test_openssl_ok (dir, "x509", "-in", "cert.pem", "-noout", "-enddate", "-dateopt", "iso_8601", NULL);
  expected_end = g_date_time_format (sy_certificate_get_not_after (certificate), "notAfter=%Y-%m-%d %H:%M:%SZ");
  assert_contains (enddate, expected_end);

  /* One day is the least. */
  g_clear_object (&certificate);
  g_clear_object (&key);
  certificate = cert_test_generate (SY_KEY_SPEC_EC_P256, "CN=Müller \\, Söhne GmbH,O=Zürich AG", 1, &key, &error);
  g_assert_no_error (error);
  /* Non-ASCII and escaped commas survive as the user wrote them. */
  g_assert_cmpstr (sy_certificate_get_subject (certificate), ==, "CN=Müller \\, Söhne GmbH,O=Zürich AG");
  g_assert_cmpint (g_date_time_difference (sy_certificate_get_not_after (certificate),
                                           sy_certificate_get_not_before (certificate)),
                   ==, G_TIME_SPAN_DAY);
}

static void
test_generate_refuses (void)
{
  const struct {
    const char *subject;
    guint       days;
    const char *message;
  } cases[] = {
    { "CN=Test", 0, "between 1 and 730 days" },
    { "CN=Test", 731, "between 1 and 730 days" },
    { "CN=Test", 100000, "between 1 and 730 days" },
    { "", 730, "Enter a subject" },
    { "just some words", 730, "not a valid distinguished name" },
    { "XYZZY=Test", 730, "not a valid distinguished name" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SyCertificate) certificate = NULL;
      g_autoptr(SyPrivateKey) key = NULL;
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();

      g_test_message ("“%s”, %u days", cases[i].subject, cases[i].days);
      certificate = cert_test_generate (SY_KEY_SPEC_RSA_4096, cases[i].subject, cases[i].days, &key, &error);
      g_assert_null (certificate);
      g_assert_null (key);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      assert_contains (error->message, cases[i].message);
      /* Refused up front, before an RSA-4096 key is made. */
      g_test_message ("refused after %" G_GINT64_FORMAT " µs", g_get_monotonic_time () - start);
    }
}

static void
test_generate_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(GError) error = NULL;

  sy_certificate_generate_async (SY_KEY_SPEC_RSA_4096, "CN=Cancelled", 730, cancellable,
                                 sy_test_store_result, &result);
  g_cancellable_cancel (cancellable);
  sy_test_await (&result);

  certificate = sy_certificate_generate_finish (result, &key, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (certificate);
  g_assert_null (key);
}

static void
test_key_spec_names (void)
{
  const char *names[] = { "rsa-3072", "rsa-4096", "ec-p256", "ec-p384", "ec-p521" };
  SyKeySpec spec;

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_true (sy_key_spec_from_string (names[i], &spec));
      g_assert_cmpstr (sy_key_spec_to_string (spec), ==, names[i]);
    }

  g_assert_false (sy_key_spec_from_string ("rsa-2048", &spec));
  g_assert_false (sy_key_spec_from_string ("", &spec));
  g_assert_false (sy_key_spec_from_string (NULL, &spec));
}

/* Imports of certificates made by openssl. */

typedef struct
{
  const char  *name;
  const char  *genpkey[5];
  const char  *req[9];
  SyKeyType    type;
  guint        bits;
  const char  *curve;
  const char  *signature_algorithm;
  const char  *problem;     /* NULL when NetSuite accepts it */
} ImportCase;

#define PSS_SIGN "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"

static const ImportCase import_cases[] = {
  { "rsa-3072-pss", { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", NULL },
    { "-days", "730", "-sha256", PSS_SIGN, NULL },
    SY_KEY_TYPE_RSA, 3072, NULL, "RSA-PSS-SHA256", NULL },
  { "rsa-4096-pss", { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096", NULL },
    { "-days", "365", "-sha256", PSS_SIGN, NULL },
    SY_KEY_TYPE_RSA, 4096, NULL, "RSA-PSS-SHA256", NULL },
  { "rsa-3072-plain", { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", NULL },
    { "-days", "730", "-sha256", NULL },
    SY_KEY_TYPE_RSA, 3072, NULL, "RSA-SHA256", NULL },
  { "rsa-4096-plain", { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096", NULL },
    { "-days", "730", "-sha512", NULL },
    SY_KEY_TYPE_RSA, 4096, NULL, "RSA-SHA512", NULL },
  { "rsa-pss-key-3072", { "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:3072", NULL },
    { "-days", "730", "-sha256", NULL },
    SY_KEY_TYPE_RSA, 3072, NULL, "RSA-PSS-SHA256", NULL },
  { "ec-p256", { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", NULL },
    { "-days", "730", "-sha256", NULL },
    SY_KEY_TYPE_EC, 256, "P-256", "ECDSA-SHA256", NULL },
  { "ec-p384", { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", NULL },
    { "-days", "730", "-sha384", NULL },
    SY_KEY_TYPE_EC, 384, "P-384", "ECDSA-SHA384", NULL },
  { "ec-p521", { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", NULL },
    { "-days", "730", "-sha512", NULL },
    SY_KEY_TYPE_EC, 521, "P-521", "ECDSA-SHA512", NULL },
  { "rsa-2048", { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", NULL },
    { "-days", "730", "-sha256", NULL },
    SY_KEY_TYPE_RSA, 2048, NULL, "RSA-SHA256",
    "RSA keys of 2048 bits are no longer accepted by NetSuite: use 3072 or 4096 bits" },
  { "rsa-3584", { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3584", NULL },
    { "-days", "730", "-sha256", NULL },
    SY_KEY_TYPE_RSA, 3584, NULL, "RSA-SHA256",
    "NetSuite accepts RSA keys of 3072 or 4096 bits only, and this one has 3584 bits" },
  { "ec-secp256k1", { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", NULL },
    { "-days", "730", "-sha256", NULL },
    SY_KEY_TYPE_EC, 0, NULL, NULL,
    "NetSuite accepts EC keys on the P-256, P-384 or P-521 curves only" },
  { "ed25519", { "-algorithm", "ED25519", NULL },
    { "-days", "730", NULL },
    SY_KEY_TYPE_UNKNOWN, 0, NULL, "EdDSA-Ed25519",
    "NetSuite accepts RSA or EC keys only, not Ed25519 keys" },
  { "ec-p256-1000-days", { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", NULL },
    { "-days", "1000", "-sha256", NULL },
    SY_KEY_TYPE_EC, 256, "P-256", "ECDSA-SHA256",
    "The certificate is valid for 1000 days; NetSuite accepts at most 730 days (two years)" },
  { "ec-p256-731-days", { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", NULL },
    { "-days", "731", "-sha256", NULL },
    SY_KEY_TYPE_EC, 256, "P-256", "ECDSA-SHA256",
    "The certificate is valid for 731 days" },
};

static void
test_import (gconstpointer data)
{
  const ImportCase *test_case = data;
  g_autofree char *cert_name = g_strdup_printf ("%s.pem", test_case->name);
  g_autofree char *key_name = g_strdup_printf ("%s-key.pem", test_case->name);
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_auto(GStrv) problems = NULL;

  cert_test_openssl_selfsigned (workdir, test_case->name, test_case->genpkey, test_case->req);
  /* After openssl set not-before to its own "now". */
  now = g_date_time_new_now_utc ();
  certificate = cert_test_load_certificate (workdir, cert_name);

  g_assert_cmpint (sy_certificate_get_key_type (certificate), ==, test_case->type);
  if (test_case->bits != 0)
    g_assert_cmpuint (sy_certificate_get_key_bits (certificate), ==, test_case->bits);
  g_assert_cmpstr (sy_certificate_get_curve (certificate), ==, test_case->curve);
  if (test_case->signature_algorithm != NULL)
    g_assert_cmpstr (sy_certificate_get_signature_algorithm (certificate), ==, test_case->signature_algorithm);
  /* RFC 4514 lists the last RDN first: openssl's "/CN=x/O=y" reads "O=y,CN=x". */
  {
    g_autofree char *expected_subject = g_strdup_printf ("O=Switchyard Tests,CN=%s", test_case->name);
    g_assert_cmpstr (sy_certificate_get_subject (certificate), ==, expected_subject);
  }
  g_assert_cmpstr (sy_certificate_get_subject (certificate), ==, sy_certificate_get_issuer (certificate));

  problems = sy_certificate_check_netsuite (certificate, now);
  assert_problems (problems, test_case->problem);
  if (test_case->problem != NULL)
    g_assert_cmpuint (g_strv_length (problems), ==, 1);

  /* Its own key matches when it is one we can use. */
  if (test_case->problem == NULL)
    {
      g_autoptr(SyPrivateKey) key = cert_test_load_key (workdir, key_name);

      g_assert_true (sy_certificate_matches_key (certificate, key));
    }
}

/* openssl ca can set any start and end date, which req -x509 in openssl 3.0
 * cannot. */
static SyCertificate *
make_dated_certificate (const char *name,
                        const char *start,
                        const char *end)
{
  g_autofree char *dir = g_build_filename (workdir, name, NULL);
  g_autofree char *db = g_build_filename (dir, "db", NULL);
  const char *config =
    "[ ca ]\n"
    "default_ca = sy\n"
    "[ sy ]\n"
    "database = db/index.txt\n"
    "new_certs_dir = db\n"
    "serial = db/serial\n"
    "default_md = sha256\n"
    "policy = anything\n"
    "unique_subject = no\n"
    "[ anything ]\n"
    "commonName = supplied\n";

  g_assert_cmpint (g_mkdir_with_parents (db, 0700), ==, 0);
  g_free (cert_test_write (db, "index.txt", "", 0));
  g_free (cert_test_write (db, "serial", "01\n", -1));
  g_free (cert_test_write (dir, "ca.cnf", config, -1));
  g_free (cert_test_openssl_ok (dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                                "-out", "key.pem", NULL));
  g_free (cert_test_openssl_ok (dir, "req", "-new", "-key", "key.pem", "-subj", "/CN=Dated",
                                "-out", "req.csr", NULL));
  g_free (cert_test_openssl_ok (dir, "ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", "key.pem",
                                "-in", "req.csr", "-startdate", start, "-enddate", end,
                                "-notext", "-out", "cert.pem", NULL));

  return cert_test_load_certificate (dir, "cert.pem");
}

static void
test_import_expired (void)
{
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) back_then = g_date_time_new_utc (2020, 6, 1, 12, 0, 0);
  g_auto(GStrv) problems = NULL;
  g_auto(GStrv) problems_back_then = NULL;

  certificate = make_dated_certificate ("expired", "20200101000000Z", "20210101000000Z");
  problems = sy_certificate_check_netsuite (certificate, now);
  assert_problems (problems, "The certificate expired on 2021-01-01");
  g_assert_cmpuint (g_strv_length (problems), ==, 1);
  g_assert_cmpint (sy_certificate_get_days_left (certificate, now), <, 0);

  /* Back when it was valid it passed. */
  problems_back_then = sy_certificate_check_netsuite (certificate, back_then);
  assert_problems (problems_back_then, NULL);
  g_assert_cmpint (sy_certificate_get_days_left (certificate, back_then), ==, 213);
}

static void
test_import_not_yet_valid (void)
{
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) start = g_date_time_add_days (now, 10);
  g_autoptr(GDateTime) end = g_date_time_add_days (now, 100);
  g_autofree char *start_text = g_date_time_format (start, "%Y%m%d%H%M%SZ");
  g_autofree char *end_text = g_date_time_format (end, "%Y%m%d%H%M%SZ");
  g_autofree char *start_date = g_date_time_format (start, "%Y-%m-%d");
  g_auto(GStrv) problems = NULL;

  certificate = make_dated_certificate ("future", start_text, end_text);
  problems = sy_certificate_check_netsuite (certificate, now);
  assert_problems (problems, "The certificate is not valid yet: it becomes valid on");
  assert_problems (problems, start_date);
  g_assert_cmpuint (g_strv_length (problems), ==, 1);
}

static void
test_fingerprint_pem_der (void)
{
  g_autoptr(SyCertificate) from_pem = NULL;
  g_autoptr(SyCertificate) from_der = NULL;
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GBytes) our_der = NULL;
  g_autofree char *openssl_fingerprint = NULL;
  g_autofree char *openssl_serial = NULL;
  g_autofree char *expected = NULL;
  const char *genpkey[] = { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", NULL };
  const char *req[] = { "-days", "100", "-sha384", NULL };

  cert_test_openssl_selfsigned (workdir, "fingerprint", genpkey, req);
  g_free (cert_test_openssl_ok (workdir, "x509", "-in", "fingerprint.pem", "-outform", "DER",
                                "-out", "fingerprint.der", NULL));

  from_pem = cert_test_load_certificate (workdir, "fingerprint.pem");
  from_der = cert_test_load_certificate (workdir, "fingerprint.der");
  g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (from_pem), ==,
                   sy_certificate_get_sha256_fingerprint (from_der));
  g_assert_cmpstr (sy_certificate_get_subject (from_pem), ==, "O=Switchyard Tests,CN=fingerprint");

  openssl_fingerprint = cert_test_openssl_ok (workdir, "x509", "-in", "fingerprint.pem", "-noout",
                                              "-fingerprint", "-sha256", NULL);
  expected = g_strdup_printf ("sha256 Fingerprint=%s\n", sy_certificate_get_sha256_fingerprint (from_pem));
  g_assert_cmpstr (openssl_fingerprint, ==, expected);

  /* Windows line ends, explanatory text around the block, and a key in
   * the same file change nothing. */
  {
    g_autoptr(GBytes) pem = cert_test_read (workdir, "fingerprint.pem");
    g_autoptr(GBytes) key = cert_test_read (workdir, "fingerprint-key.pem");
    g_autofree char *pem_text = g_strndup (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
    g_autofree char *key_text = g_strndup (g_bytes_get_data (key, NULL), g_bytes_get_size (key));
    g_auto(GStrv) lines = g_strsplit (pem_text, "\n", -1);
    g_autofree char *crlf = g_strjoinv ("\r\n", lines);
    g_autofree char *decorated = g_strconcat ("Certificate for NetSuite\nsubject=whatever\n", pem_text, key_text, NULL);
    GBytes *variants[] = {
      g_bytes_new (crlf, strlen (crlf)),
      g_bytes_new (decorated, strlen (decorated)),
    };

    for (gsize i = 0; i < G_N_ELEMENTS (variants); i++)
      {
        g_autoptr(SyCertificate) variant = NULL;
        g_autoptr(GError) error = NULL;

        variant = sy_certificate_new_from_data (variants[i], &error);
        g_assert_no_error (error);
        g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (variant), ==,
                         sy_certificate_get_sha256_fingerprint (from_pem));
        g_bytes_unref (variants[i]);
      }

    /* The combined file also gives the key. */
    {
      g_autoptr(GBytes) combined = g_bytes_new (decorated, strlen (decorated));
      g_autoptr(SyPrivateKey) combined_key = NULL;
      g_autoptr(GError) error = NULL;

      combined_key = sy_private_key_new_from_data (combined, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (sy_certificate_matches_key (from_pem, combined_key));
    }
  }

  /* get_der gives back the file's bytes. */
  der = cert_test_read (workdir, "fingerprint.der");
  our_der = sy_certificate_get_der (from_pem);
  g_assert_true (g_bytes_equal (der, our_der));

  /* Dates agree with openssl's. */
  {
    g_autofree char *dates = cert_test_openssl_ok (workdir, "x509", "-in", "fingerprint.pem", "-noout",
                                                   "-startdate", "-enddate", "-dateopt", "iso_8601", NULL);
    g_autofree char *not_before = g_date_time_format (sy_certificate_get_not_before (from_der),
                                                      "notBefore=%Y-%m-%d %H:%M:%SZ\n");
    g_autofree char *not_after = g_date_time_format (sy_certificate_get_not_after (from_der),
                                                     "notAfter=%Y-%m-%d %H:%M:%SZ\n");
    assert_contains (dates, not_before);
    assert_contains (dates, not_after);
  }
}

static void
assert_certificate_error (GBytes     *bytes,
                          int         code,
                          const char *message)
{
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  certificate = sy_certificate_new_from_data (bytes, &error);
  g_assert_null (certificate);
  g_assert_error (error, SY_CERTIFICATE_ERROR, code);
  assert_contains (error->message, message);
}

static void
test_bad_input (void)
{
  const guint8 garbage[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0xff, 0xfe };
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) garbage_bytes = g_bytes_new_static (garbage, sizeof garbage);
  g_autoptr(GBytes) text = g_bytes_new_static ("This is a README, not a certificate.\n", 37);
  g_autoptr(GBytes) one = NULL;
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GBytes) truncated = NULL;
  g_autoptr(GBytes) two = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GBytes) broken_pem = NULL;
  g_autofree char *one_text = NULL;
  g_autofree char *broken_text = NULL;
  const char *genpkey[] = { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", NULL };
  const char *req[] = { "-days", "100", NULL };
  char *middle;

  cert_test_openssl_selfsigned (workdir, "bad-input", genpkey, req);
  g_free (cert_test_openssl_ok (workdir, "x509", "-in", "bad-input.pem", "-outform", "DER",
                                "-out", "bad-input.der", NULL));

  assert_certificate_error (empty, SY_CERTIFICATE_ERROR_INVALID, "empty");
  assert_certificate_error (garbage_bytes, SY_CERTIFICATE_ERROR_INVALID, "not a certificate");
  assert_certificate_error (text, SY_CERTIFICATE_ERROR_INVALID, "not a certificate");

  der = cert_test_read (workdir, "bad-input.der");
  for (gsize cut = 1; cut < g_bytes_get_size (der); cut += 37)
    {
      g_clear_pointer (&truncated, g_bytes_unref);
      truncated = g_bytes_new_from_bytes (der, 0, cut);
      assert_certificate_error (truncated, SY_CERTIFICATE_ERROR_INVALID, "damaged or incomplete");
    }

  one = cert_test_read (workdir, "bad-input.pem");
  one_text = g_strndup (g_bytes_get_data (one, NULL), g_bytes_get_size (one));
  two = g_bytes_new_take (g_strconcat (one_text, one_text, NULL), 2 * strlen (one_text));
  assert_certificate_error (two, SY_CERTIFICATE_ERROR_MULTIPLE, "holds 2 certificates");

  key = cert_test_read (workdir, "bad-input-key.pem");
  assert_certificate_error (key, SY_CERTIFICATE_ERROR_INVALID, "private key, not a certificate");

  /* A PEM whose base64 body was damaged. */
  broken_text = g_strdup (one_text);
  middle = broken_text + strlen (broken_text) / 2;
  memcpy (middle, "!!!!", 4);
  broken_pem = g_bytes_new_take (g_steal_pointer (&broken_text), strlen (one_text));
  assert_certificate_error (broken_pem, SY_CERTIFICATE_ERROR_INVALID, "damaged or incomplete");
}

/* Damaged certificates, one byte at a time: every one is either read or
 * refused with SY_CERTIFICATE_ERROR, never a crash (run under ASan). */
static void
test_mutated_input (void)
{
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261126);
  const char *genpkey[] = { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", NULL };
  const char *req[] = { "-days", "100", NULL };
  guint refused = 0;

  cert_test_openssl_selfsigned (workdir, "mutated", genpkey, req);
  g_free (cert_test_openssl_ok (workdir, "x509", "-in", "mutated.pem", "-outform", "DER",
                                "-out", "mutated.der", NULL));
  der = cert_test_read (workdir, "mutated.der");

  for (guint i = 0; i < 400; i++)
    {
      gsize size = g_bytes_get_size (der);
      g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (der, NULL), size);
      g_autoptr(GBytes) mutated = NULL;
      g_autoptr(SyCertificate) certificate = NULL;
      g_autoptr(GError) error = NULL;
      gsize position = g_rand_int_range (rand, 0, size);

      /* The first hundred bytes hold the lengths and tags that matter most. */
      if (i % 2 == 0)
        position = g_rand_int_range (rand, 0, MIN (size, 100));
      copy[position] = g_rand_int_range (rand, 0, 256);
      mutated = g_bytes_new (copy, size);

      certificate = sy_certificate_new_from_data (mutated, &error);
      if (certificate == NULL)
        {
          g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID);
          refused++;
        }
      else
        {
          g_auto(GStrv) problems = sy_certificate_check_netsuite (certificate, NULL);
          g_autofree char *pem = sy_certificate_to_pem (certificate);

          g_assert_nonnull (problems);
          g_assert_nonnull (pem);
          g_assert_nonnull (sy_certificate_get_subject (certificate));
          g_assert_nonnull (sy_certificate_get_sha256_fingerprint (certificate));
        }
    }

  g_test_message ("%u of 400 damaged certificates refused", refused);
  g_assert_cmpuint (refused, >, 0);
}

static void
test_key_mismatch (void)
{
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyPrivateKey) own = NULL;
  g_autoptr(SyPrivateKey) foreign = NULL;
  g_autoptr(GError) error = NULL;
  const char *genpkey[] = { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", NULL };
  const char *req[] = { "-days", "100", NULL };

  cert_test_openssl_selfsigned (workdir, "mismatch-a", genpkey, req);
  cert_test_openssl_selfsigned (workdir, "mismatch-b", genpkey, req);
  certificate = cert_test_load_certificate (workdir, "mismatch-a.pem");
  own = cert_test_load_key (workdir, "mismatch-a-key.pem");
  foreign = cert_test_load_key (workdir, "mismatch-b-key.pem");

  g_assert_true (sy_certificate_check_key (certificate, own, &error));
  g_assert_no_error (error);
  g_assert_false (sy_certificate_check_key (certificate, foreign, &error));
  g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_KEY_MISMATCH);
  assert_contains (error->message, "does not belong to this certificate");
}

/* JWS signatures, verified by us and independently by openssl. */

static void
check_jws (SyCertificate *certificate,
           SyPrivateKey  *key,
           const char    *expected_alg,
           const char    *dir)
{
  const char *input_text = "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImNlcnQtMSJ9.eyJpc3MiOiJjbGllbnQifQ";
  g_autoptr(GBytes) input = g_bytes_new_static (input_text, strlen (input_text));
  g_autoptr(GBytes) other_input = g_bytes_new_static (input_text, strlen (input_text) - 1);
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GBytes) tampered = NULL;
  g_autoptr(GBytes) openssl_signature = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *verified = NULL;
  g_autofree char *digest = NULL;
  const char *alg = NULL;
  guint8 *tampered_data;
  gsize size;

  signature = sy_private_key_sign_jws (key, input, &alg, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (alg, ==, expected_alg);

  size = g_bytes_get_size (signature);
  if (g_str_equal (alg, "PS256"))
    g_assert_cmpuint (size, ==, sy_certificate_get_key_bits (certificate) / 8);
  else if (g_str_equal (alg, "ES256"))
    g_assert_cmpuint (size, ==, 64);
  else if (g_str_equal (alg, "ES384"))
    g_assert_cmpuint (size, ==, 96);
  else
    g_assert_cmpuint (size, ==, 132);

  g_assert_true (sy_certificate_verify_jws (certificate, alg, input, signature, &error));
  g_assert_no_error (error);

  /* Randomised (PSS salt, ECDSA nonce): a second signature differs but
   * verifies too. */
  second = sy_private_key_sign_jws (key, input, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_bytes_equal (signature, second));
  g_assert_true (sy_certificate_verify_jws (certificate, alg, input, second, &error));
  g_assert_no_error (error);

  g_assert_false (sy_certificate_verify_jws (certificate, alg, other_input, signature, &error));
  g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID);
  g_clear_error (&error);

  tampered_data = g_memdup2 (g_bytes_get_data (signature, NULL), size);
  tampered_data[size / 3] ^= 0x01;
  tampered = g_bytes_new_take (tampered_data, size);
  g_assert_false (sy_certificate_verify_jws (certificate, alg, input, tampered, &error));
  g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (sy_certificate_verify_jws (certificate, "RS256", input, signature, &error));
  g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  /* Independent check by openssl with the certificate's public key. */
  pem = sy_certificate_to_pem (certificate);
  g_free (cert_test_write (dir, "jws-cert.pem", pem, -1));
  g_free (cert_test_openssl_ok (dir, "x509", "-in", "jws-cert.pem", "-pubkey", "-noout", "-out", "jws-pub.pem", NULL));
  g_free (cert_test_write (dir, "jws-input.txt", input_text, -1));
  if (g_str_equal (alg, "PS256"))
    {
      g_free (cert_test_write (dir, "jws-sig.bin", g_bytes_get_data (signature, NULL), size));
      verified = cert_test_openssl_ok (dir, "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss",
                                       "-sigopt", "rsa_pss_saltlen:32", "-verify", "jws-pub.pem",
                                       "-signature", "jws-sig.bin", "jws-input.txt", NULL);
    }
  else
    {
      g_autoptr(GBytes) der = cert_test_raw_ecdsa_to_der (signature);

      digest = g_strdup (g_str_equal (alg, "ES256") ? "-sha256" : g_str_equal (alg, "ES384") ? "-sha384" : "-sha512");
      g_free (cert_test_write (dir, "jws-sig.bin", g_bytes_get_data (der, NULL), g_bytes_get_size (der)));
      verified = cert_test_openssl_ok (dir, "dgst", digest, "-verify", "jws-pub.pem",
                                       "-signature", "jws-sig.bin", "jws-input.txt", NULL);
    }
  assert_contains (verified, "Verified OK");

  /* And the other way round: openssl signs, we verify (PSS only; openssl
   * writes ECDSA in DER, which JWS does not use). */
  if (g_str_equal (alg, "PS256"))
    {
      g_autofree char *key_pem = sy_private_key_to_pem (key);
      g_autofree char *key_path = g_build_filename (dir, "jws-key.pem", NULL);

      g_assert_true (sy_private_key_export (key, key_path, &error));
      g_assert_no_error (error);
      g_free (cert_test_openssl_ok (dir, "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss",
                                    "-sigopt", "rsa_pss_saltlen:32", "-sign", "jws-key.pem",
                                    "-out", "openssl-sig.bin", "jws-input.txt", NULL));
      g_unlink (key_path);
      openssl_signature = cert_test_read (dir, "openssl-sig.bin");
      g_assert_true (sy_certificate_verify_jws (certificate, "PS256", input, openssl_signature, &error));
      g_assert_no_error (error);
      sy_secret_free (g_steal_pointer (&key_pem));
    }
}

static void
test_jws_generated (gconstpointer data)
{
  const GenerateCase *test_case = data;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_strdup_printf ("%s/jws-%s", workdir, sy_key_spec_to_string (test_case->spec));

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  certificate = cert_test_generate (test_case->spec, "CN=JWS", 10, &key, &error);
  g_assert_no_error (error);
  check_jws (certificate, key, test_case->jws_alg, dir);
}

static void
test_jws_openssl_keys (void)
{
  const struct {
    const char *name;
    const char *genpkey[5];
    const char *alg;
  } cases[] = {
    { "jws-rsa", { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", NULL }, "PS256" },
    { "jws-rsa-pss", { "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:3072", NULL }, "PS256" },
    { "jws-p256", { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", NULL }, "ES256" },
    { "jws-p521", { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", NULL }, "ES512" },
  };
  const char *req[] = { "-days", "30", NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *cert_name = g_strdup_printf ("%s.pem", cases[i].name);
      g_autofree char *key_name = g_strdup_printf ("%s-key.pem", cases[i].name);
      g_autofree char *dir = g_build_filename (workdir, cases[i].name, NULL);
      g_autoptr(SyCertificate) certificate = NULL;
      g_autoptr(SyPrivateKey) key = NULL;

      g_test_message ("%s", cases[i].name);
      g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
      cert_test_openssl_selfsigned (dir, cases[i].name, cases[i].genpkey, req);
      certificate = cert_test_load_certificate (dir, cert_name);
      key = cert_test_load_key (dir, key_name);
      check_jws (certificate, key, cases[i].alg, dir);
    }
}

static void
test_jws_wrong_key (void)
{
  g_autoptr(SyCertificate) p256 = NULL;
  g_autoptr(SyCertificate) p384 = NULL;
  g_autoptr(SyPrivateKey) p256_key = NULL;
  g_autoptr(SyPrivateKey) p384_key = NULL;
  g_autoptr(GBytes) input = g_bytes_new_static ("a.b", 3);
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(GBytes) short_signature = NULL;
  g_autoptr(GError) error = NULL;
  const char *alg = NULL;

  p256 = cert_test_generate (SY_KEY_SPEC_EC_P256, "CN=A", 10, &p256_key, &error);
  g_assert_no_error (error);
  p384 = cert_test_generate (SY_KEY_SPEC_EC_P384, "CN=B", 10, &p384_key, &error);
  g_assert_no_error (error);

  signature = sy_private_key_sign_jws (p256_key, input, &alg, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (alg, ==, "ES256");

  /* ES256 does not fit a P-384 certificate, ES384 not a P-256 one. */
  g_assert_false (sy_certificate_verify_jws (p384, "ES256", input, signature, &error));
  g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_false (sy_certificate_verify_jws (p256, "ES384", input, signature, &error));
  g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_false (sy_certificate_verify_jws (p256, "PS256", input, signature, &error));
  g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  short_signature = g_bytes_new_from_bytes (signature, 0, 63);
  g_assert_false (sy_certificate_verify_jws (p256, "ES256", input, short_signature, &error));
  g_assert_error (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_INVALID);
  g_clear_error (&error);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  workdir = sy_test_make_tmpdir ("switchyard-test-certificate");

  for (gsize i = 0; i < G_N_ELEMENTS (generate_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/certificate/generate/%s",
                                               sy_key_spec_to_string (generate_cases[i].spec));
      g_autofree char *jws_path = g_strdup_printf ("/certificate/jws/generated/%s",
                                                   sy_key_spec_to_string (generate_cases[i].spec));

      g_test_add_data_func (path, &generate_cases[i], test_generate);
      g_test_add_data_func (jws_path, &generate_cases[i], test_jws_generated);
    }
  g_test_add_func ("/certificate/generate/custom-days", test_generate_custom_days);
  g_test_add_func ("/certificate/generate/refuses", test_generate_refuses);
  g_test_add_func ("/certificate/generate/cancelled", test_generate_cancelled);
  g_test_add_func ("/certificate/key-spec-names", test_key_spec_names);

  for (gsize i = 0; i < G_N_ELEMENTS (import_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/certificate/import/%s", import_cases[i].name);

      g_test_add_data_func (path, &import_cases[i], test_import);
    }
  g_test_add_func ("/certificate/import/expired", test_import_expired);
  g_test_add_func ("/certificate/import/not-yet-valid", test_import_not_yet_valid);
  g_test_add_func ("/certificate/import/fingerprint-pem-der", test_fingerprint_pem_der);
  g_test_add_func ("/certificate/import/bad-input", test_bad_input);
  g_test_add_func ("/certificate/import/mutated", test_mutated_input);
  g_test_add_func ("/certificate/import/key-mismatch", test_key_mismatch);
  g_test_add_func ("/certificate/jws/openssl-keys", test_jws_openssl_keys);
  g_test_add_func ("/certificate/jws/wrong-key", test_jws_wrong_key);

  status = g_test_run ();
  sy_test_remove_tree (workdir);
  g_free (workdir);
  return status;
}
