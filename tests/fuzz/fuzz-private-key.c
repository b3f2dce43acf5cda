/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-fuzz.h"
#include "sy-private-key.h"
#include "sy-secret-store.h"

/* A key file a user imports (PEM or DER, PKCS#1, SEC1 or PKCS#8, plain or
 * encrypted). The first line picks the passphrase typed with it: "none",
 * or the passphrase itself. The key is refused with a SY_CERTIFICATE_ERROR,
 * or it is kept (as the keyring keeps it) and read back the same, and it
 * signs. */

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
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(SyPrivateKey) again = NULL;
  g_autoptr(GBytes) signing_input = NULL;
  g_autoptr(GBytes) signature = NULL;
  char *base64;
  char *pem;
  const char *alg = NULL;

  if (newline == NULL)
    return 0;
  passphrase = g_strndup ((const char *) data, newline - data);
  bytes = g_bytes_new (newline + 1, size - (newline + 1 - data));

  key = sy_private_key_new_from_data (bytes, g_str_equal (passphrase, "none") ? NULL : passphrase, &error);
  if (key == NULL)
    {
      if (error == NULL || error->domain != SY_CERTIFICATE_ERROR)
        abort ();
      sy_fuzz_assert_message (error->message);
      return 0;
    }

  /* As the keyring keeps it, and back. */
  base64 = sy_private_key_to_base64 (key);
  again = sy_private_key_new_from_base64 (base64, &error);
  sy_secret_free (base64);
  if (again == NULL)
    {
      g_printerr ("a key that imported does not read back from the keyring: %s\n", error->message);
      abort ();
    }
  if (sy_private_key_get_key_type (again) != sy_private_key_get_key_type (key) ||
      sy_private_key_get_bits (again) != sy_private_key_get_bits (key))
    abort ();
  pem = sy_private_key_to_pem (key);
  if (pem == NULL || !g_str_has_prefix (pem, "-----BEGIN PRIVATE KEY-----"))
    abort ();
  sy_secret_free (pem);

  /* Signing is slow for large RSA keys; one short input is enough. */
  signing_input = g_bytes_new_static ("e30.e30", 7);
  signature = sy_private_key_sign_jws (key, signing_input, &alg, &error);
  if (signature == NULL)
    {
      if (error == NULL || error->domain != SY_CERTIFICATE_ERROR)
        abort ();
      sy_fuzz_assert_message (error->message);
    }
  else if (alg == NULL || g_strcmp0 (alg, sy_private_key_get_jws_alg (key)) != 0)
    {
      abort ();
    }

  return 0;
}
