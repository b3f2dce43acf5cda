/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-certificate.h"
#include "sy-fuzz.h"

/* A certificate file a user imports (PEM or DER). It is refused with a
 * SY_CERTIFICATE_ERROR, or everything the certificate page shows can be
 * read from it, and its PEM reads back as the same certificate. */

static GDateTime *now;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  sy_fuzz_init ();
  /* Fixed, so that an input behaves the same on every run. */
  now = g_date_time_new_utc (2026, 1, 1, 0, 0, 0);
  return 0;
}

static void
check_text (const char *text)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyCertificate) again = NULL;
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GBytes) der_again = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *pem_again = NULL;
  g_autofree char *key = NULL;
  g_auto(GStrv) problems = NULL;

  certificate = sy_certificate_new_from_data (bytes, &error);
  if (certificate == NULL)
    {
      if (error == NULL || error->domain != SY_CERTIFICATE_ERROR)
        {
          g_printerr ("refused without a certificate error: %s\n", error ? error->message : "(no error)");
          abort ();
        }
      sy_fuzz_assert_message (error->message);
      return 0;
    }

  check_text (sy_certificate_get_subject (certificate));
  check_text (sy_certificate_get_issuer (certificate));
  check_text (sy_certificate_get_serial (certificate));
  check_text (sy_certificate_get_curve (certificate));
  check_text (sy_certificate_get_signature_algorithm (certificate));
  check_text (sy_certificate_get_sha256_fingerprint (certificate));
  (void) sy_certificate_get_not_before (certificate);
  (void) sy_certificate_get_not_after (certificate);
  (void) sy_certificate_get_days_left (certificate, now);
  (void) sy_certificate_get_key_type (certificate);
  (void) sy_certificate_get_key_bits (certificate);
  key = sy_certificate_describe_key (certificate);
  check_text (key);
  problems = sy_certificate_check_netsuite (certificate, now);
  for (char **p = problems; p != NULL && *p != NULL; p++)
    sy_fuzz_assert_message (*p);

  /* What it exports for upload is the same certificate. */
  pem = sy_certificate_to_pem (certificate);
  {
    g_autoptr(GBytes) pem_bytes = g_bytes_new (pem, strlen (pem));

    again = sy_certificate_new_from_data (pem_bytes, &error);
  }
  if (again == NULL)
    {
      g_printerr ("an imported certificate's PEM does not import: %s\n", error->message);
      abort ();
    }
  der = sy_certificate_get_der (certificate);
  der_again = sy_certificate_get_der (again);
  pem_again = sy_certificate_to_pem (again);
  if (!g_bytes_equal (der, der_again) || strcmp (pem, pem_again) != 0 ||
      g_strcmp0 (sy_certificate_get_sha256_fingerprint (certificate),
                 sy_certificate_get_sha256_fingerprint (again)) != 0)
    abort ();

  return 0;
}
