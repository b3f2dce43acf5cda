/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "cert-test-common.h"
#include "sy-test-support.h"

static char *
run_openssl_argv (const char  *dir,
                  GPtrArray   *argv,
                  char       **out_stderr,
                  GError     **error)
{
  g_autofree char *standard_output = NULL;
  g_autofree char *standard_error = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (dir, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &standard_output, &standard_error, &wait_status, error))
    return NULL;

  if (!g_spawn_check_wait_status (wait_status, error))
    {
      g_autofree char *command = g_strjoinv (" ", (char **) argv->pdata);

      g_prefix_error (error, "%s: %s: ", command, standard_error);
      if (out_stderr != NULL)
        *out_stderr = g_steal_pointer (&standard_error);
      return NULL;
    }

  if (out_stderr != NULL)
    *out_stderr = g_steal_pointer (&standard_error);
  return g_steal_pointer (&standard_output);
}

char *
cert_test_openssl (const char  *dir,
                   char       **out_stderr,
                   GError     **error,
                   ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) "openssl");
  va_start (args, error);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);

  return run_openssl_argv (dir, argv, out_stderr, error);
}

char *
cert_test_openssl_ok (const char *dir,
                      ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *arg;
  char *output;
  va_list args;

  g_ptr_array_add (argv, (gpointer) "openssl");
  va_start (args, dir);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);

  output = run_openssl_argv (dir, argv, NULL, &error);
  g_assert_no_error (error);
  return output;
}

GBytes *
cert_test_read (const char *dir,
                const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize size = 0;

  g_file_get_contents (path, &contents, &size, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, size);
}

char *
cert_test_write (const char *dir,
                 const char *name,
                 const void *data,
                 gssize      size)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, size, &error);
  g_assert_no_error (error);
  return path;
}

void
cert_test_openssl_selfsigned (const char         *dir,
                              const char         *name,
                              const char * const *genpkey_args,
                              const char * const *extra_req_args)
{
  g_autofree char *key_name = g_strdup_printf ("%s-key.pem", name);
  g_autofree char *cert_name = g_strdup_printf ("%s.pem", name);
  g_autofree char *subject = g_strdup_printf ("/CN=%s/O=Switchyard Tests", name);
  g_autoptr(GPtrArray) genpkey = g_ptr_array_new ();
  g_autoptr(GPtrArray) req = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *genpkey_output = NULL;
  g_autofree char *req_output = NULL;

  g_ptr_array_add (genpkey, (gpointer) "openssl");
  g_ptr_array_add (genpkey, (gpointer) "genpkey");
  for (gsize i = 0; genpkey_args[i] != NULL; i++)
    g_ptr_array_add (genpkey, (gpointer) genpkey_args[i]);
  g_ptr_array_add (genpkey, (gpointer) "-out");
  g_ptr_array_add (genpkey, key_name);
  genpkey_output = run_openssl_argv (dir, genpkey, NULL, &error);
  g_assert_no_error (error);

  g_ptr_array_add (req, (gpointer) "openssl");
  g_ptr_array_add (req, (gpointer) "req");
  g_ptr_array_add (req, (gpointer) "-x509");
  g_ptr_array_add (req, (gpointer) "-new");
  g_ptr_array_add (req, (gpointer) "-key");
  g_ptr_array_add (req, key_name);
  g_ptr_array_add (req, (gpointer) "-subj");
  g_ptr_array_add (req, subject);
  g_ptr_array_add (req, (gpointer) "-out");
  g_ptr_array_add (req, cert_name);
  for (gsize i = 0; extra_req_args != NULL && extra_req_args[i] != NULL; i++)
    g_ptr_array_add (req, (gpointer) extra_req_args[i]);
  req_output = run_openssl_argv (dir, req, NULL, &error);
  g_assert_no_error (error);
}

SyCertificate *
cert_test_load_certificate (const char *dir,
                            const char *name)
{
  g_autoptr(GBytes) bytes = cert_test_read (dir, name);
  g_autoptr(GError) error = NULL;
  SyCertificate *certificate;

  certificate = sy_certificate_new_from_data (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (certificate);
  return certificate;
}

SyPrivateKey *
cert_test_load_key (const char *dir,
                    const char *name)
{
  g_autoptr(GBytes) bytes = cert_test_read (dir, name);
  g_autoptr(GError) error = NULL;
  SyPrivateKey *key;

  key = sy_private_key_new_from_data (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
  return key;
}

SyCertificate *
cert_test_generate (SyKeySpec      spec,
                    const char    *subject_dn,
                    guint          days,
                    SyPrivateKey **out_key,
                    GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_certificate_generate_async (spec, subject_dn, days, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_certificate_generate_finish (result, out_key, error);
}

static void
append_der_integer (GByteArray   *out,
                    const guint8 *digits,
                    gsize         length)
{
  guint8 header[2] = { 0x02, 0 };
  gboolean pad;

  while (length > 1 && digits[0] == 0)
    {
      digits++;
      length--;
    }
  pad = (digits[0] & 0x80) != 0;
  header[1] = length + (pad ? 1 : 0);
  g_byte_array_append (out, header, 2);
  if (pad)
    g_byte_array_append (out, (const guint8 *) "", 1);
  g_byte_array_append (out, digits, length);
}

/* Written here by hand, independently of GnuTLS's encoder, so the check by
 * openssl does not rely on the code under test. */
GBytes *
cert_test_raw_ecdsa_to_der (GBytes *raw)
{
  g_autoptr(GByteArray) integers = g_byte_array_new ();
  g_autoptr(GByteArray) der = g_byte_array_new ();
  const guint8 *bytes;
  gsize size;

  bytes = g_bytes_get_data (raw, &size);
  g_assert_cmpuint (size % 2, ==, 0);
  append_der_integer (integers, bytes, size / 2);
  append_der_integer (integers, bytes + size / 2, size / 2);

  g_byte_array_append (der, (const guint8 *) "\x30", 1);
  if (integers->len < 0x80)
    {
      guint8 length = integers->len;
      g_byte_array_append (der, &length, 1);
    }
  else
    {
      guint8 length[2] = { 0x81, integers->len };
      g_assert_cmpuint (integers->len, <, 0x100);
      g_byte_array_append (der, length, 2);
    }
  g_byte_array_append (der, integers->data, integers->len);

  return g_byte_array_free_to_bytes (g_steal_pointer (&der));
}
