/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-fuzz.h"
#include "sy-pkcs12.h"
#include "sy-private-key.h"
#include "sy-secret-store.h"

/* A PKCS#12 bundle a user imports, after a first line with the passphrase
 * typed with it ("none" for none). It is refused with a
 * SY_CERTIFICATE_ERROR, or it gives a certificate (and maybe its key)
 * that read back the same once kept. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  sy_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const uint8_t *newline = memchr (data, '\n', size);
  g_autofree char *passphrase = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autofree char *pem = NULL;

  if (newline == NULL)
    return 0;
  passphrase = g_strndup ((const char *) data, newline - data);
  bytes = g_bytes_new (newline + 1, size - (newline + 1 - data));

  (void) sy_pkcs12_detect (bytes);
  certificate = sy_pkcs12_import (bytes, g_str_equal (passphrase, "none") ? NULL : passphrase, &key, &error);
  if (certificate == NULL)
    {
      if (key != NULL || error == NULL || error->domain != SY_CERTIFICATE_ERROR)
        abort ();
      sy_fuzz_assert_message (error->message);
      return 0;
    }

  if (!g_utf8_validate (sy_certificate_get_subject (certificate), -1, NULL))
    abort ();
  pem = sy_certificate_to_pem (certificate);
  if (pem == NULL || !g_str_has_prefix (pem, "-----BEGIN CERTIFICATE-----"))
    abort ();
  if (key != NULL)
    {
      g_autoptr(SyPrivateKey) again = NULL;
      char *base64 = sy_private_key_to_base64 (key);

      again = sy_private_key_new_from_base64 (base64, &error);
      sy_secret_free (base64);
      if (again == NULL || sy_private_key_get_bits (again) != sy_private_key_get_bits (key))
        abort ();
      (void) sy_certificate_matches_key (certificate, key);
    }
  return 0;
}
