/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-certificate.h"
#include "sy-error.h"
#include "sy-netsuite-login.h"
#include "sy-test-support.h"

#define TOKEN_PATH "/services/rest/auth/oauth2/v1/token"
#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define ACCOUNT "TSTDRV1234567_SB1"
#define CLIENT_ID "4f0c1e2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e"

typedef struct
{
  SyCertificate *certificate;
  SyPrivateKey *key;
} KeyPair;

/* Generated once: RSA-3072 takes a moment. */
static KeyPair rsa_pair;
static KeyPair ec_pair;
static KeyPair other_rsa_pair;
static SySandboxProcess *sandbox;
static SoupSession *session;

static void
generate_pair (SyKeySpec  spec,
               KeyPair   *pair)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_certificate_generate_async (spec, "CN=Switchyard NetSuite test,O=Switchyard", 30, NULL,
                                 sy_test_store_result, &result);
  sy_test_await (&result);
  pair->certificate = sy_certificate_generate_finish (result, &pair->key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pair->certificate);
  g_assert_nonnull (pair->key);
}

static void
clear_pair (KeyPair *pair)
{
  g_clear_object (&pair->certificate);
  g_clear_object (&pair->key);
}

static char *
sandbox_token_url (void)
{
  return g_strconcat (sy_sandbox_process_get_url (sandbox), TOKEN_PATH, NULL);
}

/* --- helpers -------------------------------------------------------- */

static GBytes *
base64url_decode (const char *text,
                  gsize       length)
{
  GString *padded = g_string_new_len (text, length);
  gsize decoded_length = 0;
  guchar *data;

  g_assert_cmpuint (strspn (padded->str, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), ==, length);
  g_strdelimit (padded->str, "-", '+');
  g_strdelimit (padded->str, "_", '/');
  while (padded->len % 4 != 0)
    g_string_append_c (padded, '=');
  data = g_base64_decode (padded->str, &decoded_length);
  g_string_free (padded, TRUE);
  return g_bytes_new_take (data, decoded_length);
}

static char *
base64url_encode (const guint8 *data,
                  gsize         length)
{
  char *text = g_base64_encode (data, length);

  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  *strchrnul (text, '=') = '\0';
  return text;
}

static char *
base64url_encode_string (const char *text)
{
  return base64url_encode ((const guint8 *) text, strlen (text));
}

static JsonObject *
parse_object (const char *data,
              gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, data, length, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

typedef struct
{
  JsonObject *header;
  JsonObject *claims;
  char *signing_input;
  GBytes *signature;
} Jwt;

static void
jwt_clear (Jwt *jwt)
{
  g_clear_pointer (&jwt->header, json_object_unref);
  g_clear_pointer (&jwt->claims, json_object_unref);
  g_clear_pointer (&jwt->signing_input, g_free);
  g_clear_pointer (&jwt->signature, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Jwt, jwt_clear)

static void
jwt_decode (const char *text,
            Jwt        *jwt)
{
  g_auto(GStrv) parts = g_strsplit (text, ".", -1);
  g_autoptr(GBytes) header = NULL;
  g_autoptr(GBytes) claims = NULL;
  gsize length = 0;
  const char *data;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  /* No padding anywhere: base64url as JWS wants it. */
  g_assert_null (strchr (text, '='));

  header = base64url_decode (parts[0], strlen (parts[0]));
  data = g_bytes_get_data (header, &length);
  jwt->header = parse_object (data, length);

  claims = base64url_decode (parts[1], strlen (parts[1]));
  data = g_bytes_get_data (claims, &length);
  jwt->claims = parse_object (data, length);

  jwt->signing_input = g_strconcat (parts[0], ".", parts[1], NULL);
  jwt->signature = base64url_decode (parts[2], strlen (parts[2]));
}

static void
write_file (const char *dir,
            const char *name,
            const void *data,
            gsize       length,
            char      **out_path)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
  *out_path = path;
}

static gboolean
run_openssl (const char * const *argv,
             char              **out_stdout)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *standard_output = NULL;
  g_autofree char *standard_error = NULL;
  int status = 0;

  /* Captured even when unwanted: stray lines would break the TAP output. */
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &standard_output, &standard_error, &status, &error);
  if (out_stdout != NULL)
    *out_stdout = g_steal_pointer (&standard_output);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("openssl: %s", standard_error);
      return FALSE;
    }
  return TRUE;
}

/* DER length and INTEGER encodings, for ECDSA-Sig-Value. */
static void
der_append_length (GByteArray *out,
                   gsize       length)
{
  guint8 byte;

  if (length < 0x80)
    {
      byte = length;
      g_byte_array_append (out, &byte, 1);
      return;
    }
  g_assert_cmpuint (length, <, 0x100);
  byte = 0x81;
  g_byte_array_append (out, &byte, 1);
  byte = length;
  g_byte_array_append (out, &byte, 1);
}

static void
der_append_integer (GByteArray   *out,
                    const guint8 *value,
                    gsize         length)
{
  static const guint8 tag = 0x02, zero = 0x00;

  while (length > 1 && value[0] == 0)
    {
      value++;
      length--;
    }
  g_byte_array_append (out, &tag, 1);
  der_append_length (out, length + (value[0] & 0x80 ? 1 : 0));
  if (value[0] & 0x80)
    g_byte_array_append (out, &zero, 1);
  g_byte_array_append (out, value, length);
}

/* JWS carries ECDSA as R||S; openssl wants the DER SEQUENCE. */
static GBytes *
ecdsa_raw_to_der (GBytes *raw)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (raw, &length);
  g_autoptr(GByteArray) integers = g_byte_array_new ();
  GByteArray *sequence = g_byte_array_new ();
  static const guint8 tag = 0x30;

  g_assert_cmpuint (length % 2, ==, 0);
  der_append_integer (integers, data, length / 2);
  der_append_integer (integers, data + length / 2, length / 2);
  g_byte_array_append (sequence, &tag, 1);
  der_append_length (sequence, integers->len);
  g_byte_array_append (sequence, integers->data, integers->len);
  return g_byte_array_free_to_bytes (sequence);
}

/* Verifies the JWT's signature with openssl alone, from the certificate's
 * public key; then checks that openssl does refuse a changed input. */
static void
assert_openssl_verifies (SyCertificate *certificate,
                         const char    *assertion)
{
  g_auto(Jwt) jwt = { NULL };
  g_autofree char *dir = sy_test_make_tmpdir ("netsuite-openssl");
  g_autofree char *certificate_pem = sy_certificate_to_pem (certificate);
  g_autofree char *certificate_path = NULL;
  g_autofree char *public_key_pem = NULL;
  g_autofree char *public_key_path = NULL;
  g_autofree char *input_path = NULL;
  g_autofree char *tampered_path = NULL;
  g_autofree char *signature_path = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autofree char *verified = NULL;
  g_autofree char *tampered = NULL;
  const char *alg;
  gboolean rsa;

  jwt_decode (assertion, &jwt);
  alg = json_object_get_string_member (jwt.header, "alg");
  rsa = g_str_equal (alg, "PS256");
  signature = rsa ? g_bytes_ref (jwt.signature) : ecdsa_raw_to_der (jwt.signature);

  write_file (dir, "certificate.pem", certificate_pem, strlen (certificate_pem), &certificate_path);
  {
    const char *argv[] = { "openssl", "x509", "-in", certificate_path, "-pubkey", "-noout", NULL };

    g_assert_true (run_openssl (argv, &public_key_pem));
  }
  write_file (dir, "public.pem", public_key_pem, strlen (public_key_pem), &public_key_path);
  write_file (dir, "input", jwt.signing_input, strlen (jwt.signing_input), &input_path);
  tampered = g_strdup (jwt.signing_input);
  tampered[strlen (tampered) - 1] ^= 1;
  write_file (dir, "tampered", tampered, strlen (tampered), &tampered_path);
  write_file (dir, "signature", g_bytes_get_data (signature, NULL), g_bytes_get_size (signature), &signature_path);

  if (rsa)
    {
      const char *argv[] = { "openssl", "dgst", "-sha256",
                             "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                             "-verify", public_key_path, "-signature", signature_path, input_path, NULL };
      const char *tampered_argv[] = { "openssl", "dgst", "-sha256",
                                      "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                                      "-verify", public_key_path, "-signature", signature_path, tampered_path, NULL };

      g_assert_true (run_openssl (argv, &verified));
      g_assert_nonnull (strstr (verified, "Verified OK"));
      g_assert_false (run_openssl (tampered_argv, NULL));
    }
  else
    {
      const char *argv[] = { "openssl", "dgst", "-sha256",
                             "-verify", public_key_path, "-signature", signature_path, input_path, NULL };
      const char *tampered_argv[] = { "openssl", "dgst", "-sha256",
                                      "-verify", public_key_path, "-signature", signature_path, tampered_path, NULL };

      g_assert_true (run_openssl (argv, &verified));
      g_assert_nonnull (strstr (verified, "Verified OK"));
      g_assert_false (run_openssl (tampered_argv, NULL));
    }

  sy_test_remove_tree (dir);
}

/* A synchronous request to the sandbox: the tests' own plumbing. */
static GBytes *
post (const char  *path,
      const char  *content_type,
      const char  *body,
      guint       *out_status)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_POST, url);
  g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr(GError) error = NULL;
  GBytes *answer;

  soup_message_set_request_body_from_bytes (message, content_type, request);
  answer = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  *out_status = soup_message_get_status (message);
  return answer;
}

static JsonObject *
post_json_object (const char *path,
                  const char *content_type,
                  const char *body,
                  guint      *out_status)
{
  g_autoptr(GBytes) answer = post (path, content_type, body, out_status);
  gsize length = 0;
  const char *data = g_bytes_get_data (answer, &length);

  return parse_object (data, length);
}

static JsonObject *
upload_pem (const char *account,
            const char *client_id,
            const char *pem,
            guint      *out_status)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "account");
  json_builder_add_string_value (builder, account);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, client_id);
  json_builder_set_member_name (builder, "certificate");
  json_builder_add_string_value (builder, pem);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  body = json_generator_to_data (generator, NULL);

  return post_json_object ("/__sandbox/netsuite/certificates", "application/json", body, out_status);
}

/* Uploads like a user would after exporting the public certificate;
 * returns the certificate id NetSuite would show. */
static char *
upload_certificate (SyCertificate *certificate,
                    const char    *client_id)
{
  g_autofree char *pem = sy_certificate_to_pem (certificate);
  g_autoptr(JsonObject) answer = NULL;
  guint status = 0;
  const char *certificate_id;

  answer = upload_pem (ACCOUNT, client_id, pem, &status);
  g_assert_cmpuint (status, ==, 201);
  certificate_id = json_object_get_string_member (answer, "certificate_id");
  g_assert_nonnull (certificate_id);
  g_assert_cmpuint (strlen (certificate_id), ==, 32);
  g_assert_cmpstr (json_object_get_string_member (answer, "account"), ==, "tstdrv1234567-sb1");
  return g_strdup (certificate_id);
}

/* Posts an assertion to the sandbox's token endpoint as the client does. */
static JsonObject *
exchange_assertion (const char *assertion,
                    guint      *out_status)
{
  g_autofree char *form = soup_form_encode ("grant_type", "client_credentials",
                                            "client_assertion_type", ASSERTION_TYPE,
                                            "client_assertion", assertion,
                                            NULL);

  return post_json_object (TOKEN_PATH, "application/x-www-form-urlencoded", form, out_status);
}

static void
assert_refused (JsonObject *answer,
                guint       status,
                const char *oauth_error,
                const char *description_part)
{
  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpstr (json_object_get_string_member (answer, "error"), ==, oauth_error);
  g_assert_nonnull (strstr (json_object_get_string_member (answer, "error_description"), description_part));
  g_assert_false (json_object_has_member (answer, "access_token"));
}

static JsonObject *
run_login (SyNetsuiteLogin *login,
           SyPrivateKey    *key,
           GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_netsuite_login_test_async (login, key, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_netsuite_login_test_finish (login, result, error);
}

/* Signs header and claims as given, with the key's own JWS signature:
 * for assertions the public API refuses to make. */
static char *
sign_raw (SyPrivateKey *key,
          const char   *header_json,
          const char   *claims_json)
{
  g_autofree char *header = base64url_encode_string (header_json);
  g_autofree char *claims = base64url_encode_string (claims_json);
  g_autofree char *input = g_strconcat (header, ".", claims, NULL);
  g_autoptr(GBytes) input_bytes = g_bytes_new (input, strlen (input));
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *signature_text = NULL;
  const char *alg = NULL;

  signature = sy_private_key_sign_jws (key, input_bytes, &alg, &error);
  g_assert_no_error (error);
  signature_text = base64url_encode (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature));
  return g_strconcat (input, ".", signature_text, NULL);
}

/* --- token URL ------------------------------------------------------ */

static void
test_token_url (void)
{
  static const struct { const char *account; const char *url; } good[] = {
    { "TSTDRV1234567_SB1", "https://tstdrv1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token" },
    { "1234567", "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token" },
    { " 1234567_RP ", "https://1234567-rp.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token" },
  };
  static const char *bad[] = {
    "", "   ", "_1234567", "1234567_", "-abc", "acme.example.com", "acme/evil", "a b",
    "äccount", "123?x=1", "a@b",
    "a123456789012345678901234567890123456789012345678901234567890123",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = sy_netsuite_token_url_for_account (good[i].account, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, good[i].url);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = sy_netsuite_token_url_for_account (bad[i], &error);

      g_test_message ("account “%s”", bad[i]);
      g_assert_null (url);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }

  /* 63 characters is the longest host name label. */
  {
    g_autofree char *longest = g_strnfill (63, 'a');
    g_autofree char *url = sy_netsuite_token_url_for_account (longest, NULL);

    g_assert_nonnull (url);
  }
}

/* --- the assertion -------------------------------------------------- */

static void
assert_assertion_claims (KeyPair    *pair,
                         const char *expected_alg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 3, 1, 12, 0, 0);
  g_autofree char *token_url = sy_netsuite_token_url_for_account (ACCOUNT, NULL);
  g_autofree char *assertion = NULL;
  g_auto(Jwt) jwt = { NULL };

  assertion = sy_netsuite_sign_client_assertion (pair->key, "cert-id-1", CLIENT_ID, token_url,
                                                 now, 3600, &error);
  g_assert_no_error (error);
  jwt_decode (assertion, &jwt);

  g_assert_cmpuint (json_object_get_size (jwt.header), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (jwt.header, "typ"), ==, "JWT");
  g_assert_cmpstr (json_object_get_string_member (jwt.header, "alg"), ==, expected_alg);
  g_assert_cmpstr (json_object_get_string_member (jwt.header, "kid"), ==, "cert-id-1");

  g_assert_cmpuint (json_object_get_size (jwt.claims), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (jwt.claims, "iss"), ==, CLIENT_ID);
  g_assert_cmpstr (json_object_get_string_member (jwt.claims, "scope"), ==, "restlets,rest_webservices");
  g_assert_cmpstr (json_object_get_string_member (jwt.claims, "aud"), ==, token_url);
  g_assert_cmpint (json_object_get_int_member (jwt.claims, "iat"), ==, g_date_time_to_unix (now));
  g_assert_cmpint (json_object_get_int_member (jwt.claims, "exp") - json_object_get_int_member (jwt.claims, "iat"), ==, 3600);

  /* The signature is the core's own verification's business too. */
  {
    g_autoptr(GBytes) input = g_bytes_new (jwt.signing_input, strlen (jwt.signing_input));

    g_assert_true (sy_certificate_verify_jws (pair->certificate, expected_alg, input, jwt.signature, &error));
    g_assert_no_error (error);
  }
  assert_openssl_verifies (pair->certificate, assertion);
}

static void
test_assertion_ps256 (void)
{
  assert_assertion_claims (&rsa_pair, "PS256");
}

static void
test_assertion_es256 (void)
{
  assert_assertion_claims (&ec_pair, "ES256");
}

static void
test_assertion_refusals (void)
{
  g_autofree char *token_url = sy_netsuite_token_url_for_account (ACCOUNT, NULL);
  static const guint bad_lifetimes[] = { 0, 3601, 86400 };

  for (guint i = 0; i < G_N_ELEMENTS (bad_lifetimes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *assertion = sy_netsuite_sign_client_assertion (ec_pair.key, "cert", CLIENT_ID, token_url,
                                                                      NULL, bad_lifetimes[i], &error);

      g_assert_null (assertion);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *assertion = sy_netsuite_sign_client_assertion (ec_pair.key, "", CLIENT_ID, token_url,
                                                                    NULL, 60, &error);
    g_assert_null (assertion);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *assertion = sy_netsuite_sign_client_assertion (ec_pair.key, "cert", NULL, token_url,
                                                                    NULL, 60, &error);
    g_assert_null (assertion);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
  /* With no time given, iat is now. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *assertion = sy_netsuite_sign_client_assertion (ec_pair.key, "cert", CLIENT_ID, token_url,
                                                                    NULL, 60, &error);
    g_auto(Jwt) jwt = { NULL };
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;

    g_assert_no_error (error);
    jwt_decode (assertion, &jwt);
    g_assert_cmpint (ABS (json_object_get_int_member (jwt.claims, "iat") - now), <=, 2);
    g_assert_cmpint (json_object_get_int_member (jwt.claims, "exp"), ==,
                     json_object_get_int_member (jwt.claims, "iat") + 60);
  }
}

/* --- the exchange against the sandbox -------------------------------- */

static JsonObject *
sandbox_stats (void)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), "/__sandbox/stats", NULL);
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = soup_session_send_and_read (session, message, NULL, &error);
  g_autoptr(JsonObject) stats = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
  stats = parse_object (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  return json_object_ref (json_object_get_object_member (stats, "netsuite"));
}

static void
assert_login_succeeds (KeyPair *pair)
{
  g_autofree char *certificate_id = upload_certificate (pair->certificate, CLIENT_ID);
  g_autofree char *token_url = sandbox_token_url ();
  g_autoptr(SyNetsuiteLogin) login = sy_netsuite_login_new (ACCOUNT, CLIENT_ID, certificate_id, token_url);
  g_autoptr(JsonObject) before = sandbox_stats ();
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(GError) error = NULL;

  result = run_login (login, pair->key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);

  g_assert_cmpstr (json_object_get_string_member (result, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (result, "expires_in"), ==, 3600);
  /* The access token itself is never handed out. */
  g_assert_false (json_object_has_member (result, "access_token"));
  g_assert_cmpuint (json_object_get_size (result), ==, 2);

  after = sandbox_stats ();
  g_assert_cmpint (json_object_get_int_member (after, "tokens_issued"), ==,
                   json_object_get_int_member (before, "tokens_issued") + 1);
}

static void
test_exchange_ps256 (void)
{
  assert_login_succeeds (&rsa_pair);
}

static void
test_exchange_es256 (void)
{
  assert_login_succeeds (&ec_pair);
}

static void
assert_login_refused (SyNetsuiteLogin *login,
                      SyPrivateKey    *key,
                      const char      *oauth_error,
                      const char      *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) result = run_login (login, key, &error);

  g_assert_null (result);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 400);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "NetSuite refused the login"));
  g_assert_nonnull (strstr (error->message, oauth_error));
  g_assert_nonnull (strstr (error->message, reason));
}

static void
test_exchange_wrong_certificate_id (void)
{
  g_autofree char *certificate_id = upload_certificate (rsa_pair.certificate, CLIENT_ID);
  g_autofree char *token_url = sandbox_token_url ();
  g_autoptr(SyNetsuiteLogin) login = sy_netsuite_login_new (ACCOUNT, CLIENT_ID, "0123456789abcdef0123456789abcdef",
                                                            token_url);

  assert_login_refused (login, rsa_pair.key, "invalid_client", "No certificate with this id");
}

static void
test_exchange_wrong_client_id (void)
{
  g_autofree char *certificate_id = upload_certificate (ec_pair.certificate, CLIENT_ID);
  g_autofree char *token_url = sandbox_token_url ();
  g_autoptr(SyNetsuiteLogin) login = sy_netsuite_login_new (ACCOUNT, "not-the-client-id", certificate_id, token_url);

  assert_login_refused (login, ec_pair.key, "invalid_client", "client id");
}

static void
test_exchange_wrong_key (void)
{
  /* The certificate uploaded is rsa_pair's, the assertion signed with another key. */
  g_autofree char *certificate_id = upload_certificate (rsa_pair.certificate, CLIENT_ID);
  g_autofree char *token_url = sandbox_token_url ();
  g_autoptr(SyNetsuiteLogin) login = sy_netsuite_login_new (ACCOUNT, CLIENT_ID, certificate_id, token_url);

  assert_login_refused (login, other_rsa_pair.key, "invalid_grant", "signature could not be verified");
}

/* A self-signed certificate made with GnuTLS directly, for what the
 * public API will not make: a backdated validity (openssl 3.0 cannot
 * either), an RSA-2048 key, a plain (not PSS) RSA key. */
static char *
make_gnutls_certificate (gnutls_pk_algorithm_t   algorithm,
                         unsigned int            bits,
                         gint64                  not_before,
                         gint64                  not_after,
                         gnutls_x509_privkey_t  *out_key)
{
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t certificate;
  gnutls_datum_t pem = { NULL, 0 };
  static const guint8 serial[] = { 0x01, 0x23, 0x45 };
  char *pem_text;

  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, algorithm, bits, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_init (&certificate), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_version (certificate, 3), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_serial (certificate, serial, sizeof serial), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_activation_time (certificate, not_before), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_expiration_time (certificate, not_after), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_dn (certificate, "CN=Made by the test", NULL), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key (certificate, key), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_sign2 (certificate, certificate, key, GNUTLS_DIG_SHA256, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_export2 (certificate, GNUTLS_X509_FMT_PEM, &pem), ==, 0);
  pem_text = g_strndup ((const char *) pem.data, pem.size);
  gnutls_free (pem.data);
  gnutls_x509_crt_deinit (certificate);

  if (out_key != NULL)
    *out_key = key;
  else
    gnutls_x509_privkey_deinit (key);
  return pem_text;
}

static SyPrivateKey *
private_key_from_gnutls (gnutls_x509_privkey_t key)
{
  gnutls_datum_t pem = { NULL, 0 };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  SyPrivateKey *private_key;

  g_assert_cmpint (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &pem), ==, 0);
  bytes = g_bytes_new (pem.data, pem.size);
  memset (pem.data, 0, pem.size);
  gnutls_free (pem.data);
  private_key = sy_private_key_new_from_data (bytes, NULL, &error);
  g_assert_no_error (error);
  return private_key;
}

static void
make_expired_pair (char         **out_certificate_pem,
                   SyPrivateKey **out_key)
{
  g_autoptr(GDateTime) not_before = g_date_time_new_utc (2020, 1, 1, 0, 0, 0);
  g_autoptr(GDateTime) not_after = g_date_time_new_utc (2020, 2, 1, 0, 0, 0);
  gnutls_x509_privkey_t key;

  *out_certificate_pem = make_gnutls_certificate (GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                                  g_date_time_to_unix (not_before), g_date_time_to_unix (not_after),
                                                  &key);
  *out_key = private_key_from_gnutls (key);
  gnutls_x509_privkey_deinit (key);
}

static void
test_exchange_expired_certificate (void)
{
  g_autofree char *pem = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(JsonObject) upload = NULL;
  g_autofree char *token_url = sandbox_token_url ();
  g_autoptr(SyNetsuiteLogin) login = NULL;
  guint status = 0;

  make_expired_pair (&pem, &key);
  upload = upload_pem (ACCOUNT, CLIENT_ID, pem, &status);
  g_assert_cmpuint (status, ==, 201);

  login = sy_netsuite_login_new (ACCOUNT, CLIENT_ID, json_object_get_string_member (upload, "certificate_id"),
                                 token_url);
  assert_login_refused (login, key, "invalid_grant", "certificate expired on 2020-02-01");
}

/* RSA PKCS#1 v1.5 (RS256), signed for real with GnuTLS by the key of a
 * plain RSA-3072 certificate uploaded for it: refused for its alg alone. */
static void
test_exchange_rs256 (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gnutls_x509_privkey_t x509_key;
  g_autofree char *pem = make_gnutls_certificate (GNUTLS_PK_RSA, 3072, now - 60, now + 30 * 86400, &x509_key);
  g_autoptr(JsonObject) upload = NULL;
  g_autofree char *token_url = sandbox_token_url ();
  g_autofree char *header_json = NULL;
  g_autofree char *claims_json = g_strdup_printf ("{\"iss\":\"%s\",\"scope\":\"restlets,rest_webservices\","
                                                  "\"aud\":\"%s\",\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                                                  CLIENT_ID, token_url, now, now + 300);
  g_autofree char *header = NULL;
  g_autofree char *claims = base64url_encode_string (claims_json);
  g_autofree char *input = NULL;
  gnutls_datum_t input_datum;
  gnutls_datum_t signature = { NULL, 0 };
  gnutls_privkey_t key;
  g_autofree char *signature_text = NULL;
  g_autofree char *assertion = NULL;
  g_autoptr(JsonObject) answer = NULL;
  guint status = 0;

  upload = upload_pem (ACCOUNT, CLIENT_ID, pem, &status);
  g_assert_cmpuint (status, ==, 201);
  header_json = g_strdup_printf ("{\"typ\":\"JWT\",\"alg\":\"RS256\",\"kid\":\"%s\"}",
                                 json_object_get_string_member (upload, "certificate_id"));
  header = base64url_encode_string (header_json);
  input = g_strconcat (header, ".", claims, NULL);
  input_datum.data = (unsigned char *) input;
  input_datum.size = strlen (input);

  g_assert_cmpint (gnutls_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_privkey_import_x509 (key, x509_key, 0), ==, 0);
  g_assert_cmpint (gnutls_privkey_sign_data2 (key, GNUTLS_SIGN_RSA_SHA256, 0, &input_datum, &signature), ==, 0);
  gnutls_privkey_deinit (key);
  gnutls_x509_privkey_deinit (x509_key);
  signature_text = base64url_encode (signature.data, signature.size);
  gnutls_free (signature.data);
  assertion = g_strconcat (input, ".", signature_text, NULL);

  answer = exchange_assertion (assertion, &status);
  assert_refused (answer, status, "invalid_grant", "PKCS#1 v1.5");
}

/* Claims the public API will not make, signed for real, each refused. */
static void
test_exchange_bad_claims (void)
{
  g_autofree char *certificate_id = upload_certificate (ec_pair.certificate, CLIENT_ID);
  g_autofree char *token_url = sandbox_token_url ();
  g_autofree char *header_json = g_strdup_printf ("{\"typ\":\"JWT\",\"alg\":\"ES256\",\"kid\":\"%s\"}", certificate_id);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  struct { const char *aud; gint64 iat; gint64 exp; const char *scope; const char *oauth_error; const char *reason; } cases[] = {
    { token_url, now + 3600, now + 3900, "restlets,rest_webservices", "invalid_grant", "iat is in the future" },
    { token_url, now - 7200, now - 3600, "restlets,rest_webservices", "invalid_grant", "expired" },
    { token_url, now, now + 3601, "restlets,rest_webservices", "invalid_grant", "at most 3600 seconds" },
    { token_url, now, now, "restlets,rest_webservices", "invalid_grant", "expired" },
    { "https://other.example/services/rest/auth/oauth2/v1/token", now, now + 60, "restlets", "invalid_grant", "aud" },
    { token_url, now, now + 60, "everything", "invalid_scope", "scope" },
    /* The control: the same claims done right pass. */
    { token_url, now, now + 60, "restlets,rest_webservices", NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *claims_json = g_strdup_printf ("{\"iss\":\"%s\",\"scope\":\"%s\",\"aud\":\"%s\","
                                                      "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                                                      CLIENT_ID, cases[i].scope, cases[i].aud, cases[i].iat, cases[i].exp);
      g_autofree char *assertion = sign_raw (ec_pair.key, header_json, claims_json);
      g_autoptr(JsonObject) answer = NULL;
      guint status = 0;

      g_test_message ("case %u: %s", i, claims_json);
      answer = exchange_assertion (assertion, &status);
      if (cases[i].oauth_error == NULL)
        {
          g_assert_cmpuint (status, ==, 200);
          g_assert_cmpstr (json_object_get_string_member (answer, "token_type"), ==, "Bearer");
          g_assert_cmpuint (strlen (json_object_get_string_member (answer, "access_token")), >=, 32);
        }
      else
        assert_refused (answer, status, cases[i].oauth_error, cases[i].reason);
    }
}

/* The signing time is the caller's: an assertion from an hour ago is stale. */
static void
test_exchange_stale_assertion (void)
{
  g_autofree char *certificate_id = upload_certificate (ec_pair.certificate, CLIENT_ID);
  g_autofree char *token_url = sandbox_token_url ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) past = g_date_time_add_hours (now, -2);
  g_autoptr(GDateTime) future = g_date_time_add_hours (now, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *stale = sy_netsuite_sign_client_assertion (ec_pair.key, certificate_id, CLIENT_ID, token_url,
                                                              past, 3600, &error);
  g_autofree char *early = sy_netsuite_sign_client_assertion (ec_pair.key, certificate_id, CLIENT_ID, token_url,
                                                              future, 3600, &error);
  g_autoptr(JsonObject) stale_answer = NULL;
  g_autoptr(JsonObject) early_answer = NULL;
  guint status = 0;

  g_assert_no_error (error);
  stale_answer = exchange_assertion (stale, &status);
  assert_refused (stale_answer, status, "invalid_grant", "expired");
  early_answer = exchange_assertion (early, &status);
  assert_refused (early_answer, status, "invalid_grant", "iat is in the future");
}

/* The real NetSuite token URL of the account is an audience the sandbox
 * accepts too: a client configured for production passes unchanged. */
static void
test_exchange_real_audience (void)
{
  g_autofree char *certificate_id = upload_certificate (rsa_pair.certificate, CLIENT_ID);
  g_autofree char *real_url = sy_netsuite_token_url_for_account (ACCOUNT, NULL);
  g_autofree char *other_url = sy_netsuite_token_url_for_account ("9999999", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *assertion = sy_netsuite_sign_client_assertion (rsa_pair.key, certificate_id, CLIENT_ID, real_url,
                                                                  NULL, 300, &error);
  g_autofree char *other = sy_netsuite_sign_client_assertion (rsa_pair.key, certificate_id, CLIENT_ID, other_url,
                                                              NULL, 300, &error);
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) other_answer = NULL;
  guint status = 0;

  g_assert_no_error (error);
  answer = exchange_assertion (assertion, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (answer, "expires_in"), ==, 3600);

  /* Another account's URL is not this certificate's audience. */
  other_answer = exchange_assertion (other, &status);
  assert_refused (other_answer, status, "invalid_grant", "aud");
}

static void
test_token_endpoint_bad_requests (void)
{
  g_autofree char *certificate_id = upload_certificate (ec_pair.certificate, CLIENT_ID);
  g_autofree char *token_url = sandbox_token_url ();
  g_autofree char *assertion = sy_netsuite_sign_client_assertion (ec_pair.key, certificate_id, CLIENT_ID, token_url,
                                                                  NULL, 300, NULL);
  g_autofree char *wrong_grant = soup_form_encode ("grant_type", "password",
                                                   "client_assertion_type", ASSERTION_TYPE,
                                                   "client_assertion", assertion, NULL);
  g_autofree char *wrong_type = soup_form_encode ("grant_type", "client_credentials",
                                                  "client_assertion_type", "urn:example:other",
                                                  "client_assertion", assertion, NULL);
  g_autofree char *not_jwt = soup_form_encode ("grant_type", "client_credentials",
                                               "client_assertion_type", ASSERTION_TYPE,
                                               "client_assertion", "not.a-jwt", NULL);
  g_autofree char *garbage_jwt = soup_form_encode ("grant_type", "client_credentials",
                                                   "client_assertion_type", ASSERTION_TYPE,
                                                   "client_assertion", "e30.!!!.AAAA", NULL);
  g_autofree char *good = soup_form_encode ("grant_type", "client_credentials",
                                            "client_assertion_type", ASSERTION_TYPE,
                                            "client_assertion", assertion, NULL);
  JsonObject *answer;
  guint status = 0;

  answer = post_json_object (TOKEN_PATH, "application/x-www-form-urlencoded", wrong_grant, &status);
  assert_refused (answer, status, "unsupported_grant_type", "client_credentials");
  json_object_unref (answer);

  answer = post_json_object (TOKEN_PATH, "application/x-www-form-urlencoded", wrong_type, &status);
  assert_refused (answer, status, "invalid_request", "client_assertion_type");
  json_object_unref (answer);

  answer = post_json_object (TOKEN_PATH, "application/x-www-form-urlencoded", not_jwt, &status);
  assert_refused (answer, status, "invalid_request", "JWT");
  json_object_unref (answer);

  answer = post_json_object (TOKEN_PATH, "application/x-www-form-urlencoded", garbage_jwt, &status);
  assert_refused (answer, status, "invalid_request", "JWT");
  json_object_unref (answer);

  answer = post_json_object (TOKEN_PATH, "application/json", good, &status);
  assert_refused (answer, status, "invalid_request", "x-www-form-urlencoded");
  json_object_unref (answer);

  /* The same good form is accepted when sent right. */
  answer = post_json_object (TOKEN_PATH, "application/x-www-form-urlencoded", good, &status);
  g_assert_cmpuint (status, ==, 200);
  json_object_unref (answer);
}

/* --- the certificate upload ------------------------------------------ */

static void
test_upload_refusals (void)
{
  g_autofree char *good_pem = sy_certificate_to_pem (ec_pair.certificate);
  g_autofree char *truncated = g_strndup (good_pem, strlen (good_pem) / 2);
  struct { const char *account; const char *client_id; const char *pem; const char *field; } cases[] = {
    { ACCOUNT, CLIENT_ID, "garbage", "certificate" },
    { ACCOUNT, CLIENT_ID, truncated, "certificate" },
    { ACCOUNT, CLIENT_ID, "", "certificate" },
    { "not an account", CLIENT_ID, good_pem, "account" },
    { ACCOUNT, "", good_pem, "client_id" },
  };
  JsonObject *answer;
  guint status = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      JsonObject *errors;
      JsonArray *messages;

      answer = upload_pem (cases[i].account, cases[i].client_id, cases[i].pem, &status);
      g_assert_cmpuint (status, ==, 422);
      g_assert_false (json_object_has_member (answer, "certificate_id"));
      errors = json_object_get_object_member (answer, "errors");
      g_assert_nonnull (errors);
      messages = json_object_get_array_member (errors, cases[i].field);
      g_assert_nonnull (messages);
      g_assert_cmpuint (json_array_get_length (messages), ==, 1);
      g_assert_cmpuint (strlen (json_array_get_string_element (messages, 0)), >, 0);
      json_object_unref (answer);
    }

  answer = post_json_object ("/__sandbox/netsuite/certificates", "application/json", "[1, 2]", &status);
  g_assert_cmpuint (status, ==, 400);
  json_object_unref (answer);
}

/* NetSuite refuses RSA keys under 3072 bits at the upload. */
static void
test_upload_rsa_2048_refused (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *pem = make_gnutls_certificate (GNUTLS_PK_RSA, 2048, now - 60, now + 30 * 86400, NULL);
  JsonObject *answer;
  JsonArray *messages;
  guint status = 0;

  answer = upload_pem (ACCOUNT, CLIENT_ID, pem, &status);
  g_assert_cmpuint (status, ==, 422);
  messages = json_object_get_array_member (json_object_get_object_member (answer, "errors"), "certificate");
  g_assert_nonnull (strstr (json_array_get_string_element (messages, 0), "3072"));
  json_object_unref (answer);
}

/* --- the client against other answers -------------------------------- */

static void
test_login_bad_configuration (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyNetsuiteLogin) bad_account = sy_netsuite_login_new ("acme.example.com", CLIENT_ID, "cert", NULL);
  g_autoptr(SyNetsuiteLogin) bad_url = sy_netsuite_login_new (ACCOUNT, CLIENT_ID, "cert", "ftp://example.com/token");
  g_autoptr(JsonObject) result = NULL;

  result = run_login (bad_account, ec_pair.key, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  result = run_login (bad_url, ec_pair.key, &error);
  g_assert_null (result);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_URL);
}

static void
test_login_network_error (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SyNetsuiteLogin) login = NULL;
  g_autoptr(JsonObject) result = NULL;
  guint16 port;

  /* A port that was free a moment ago: nothing listens there now. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  url = g_strdup_printf ("http://127.0.0.1:%u" TOKEN_PATH, port);
  login = sy_netsuite_login_new (ACCOUNT, CLIENT_ID, "cert", url);

  result = run_login (login, ec_pair.key, &error);
  g_assert_null (result);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_NETWORK);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 0);
}

static void
test_login_cancelled (void)
{
  g_autofree char *token_url = sandbox_token_url ();
  g_autoptr(SyNetsuiteLogin) login = sy_netsuite_login_new (ACCOUNT, CLIENT_ID, "cert", token_url);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;

  sy_netsuite_login_test_async (login, ec_pair.key, cancellable, sy_test_store_result, &result);
  g_cancellable_cancel (cancellable);
  sy_test_await (&result);
  answer = sy_netsuite_login_test_finish (login, result, &error);
  g_assert_null (answer);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

typedef struct
{
  guint status;
  const char *content_type;
  const char *body;
  char *form;
} Canned;

static void
canned_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Canned *canned = user_data;
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  g_free (canned->form);
  canned->form = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_null (soup_message_headers_get_one (headers, "Authorization"));
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/x-www-form-urlencoded");

  soup_server_message_set_status (msg, canned->status, NULL);
  soup_server_message_set_response (msg, canned->content_type, SOUP_MEMORY_STATIC,
                                    canned->body, strlen (canned->body));
}

/* An in-test server answering what the sandbox never does: HTML, broken
 * JSON, a string expires_in. */
static void
test_login_other_answers (void)
{
  Canned canned = { 0 };
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  GSList *uris;
  g_autofree char *url = NULL;
  g_autoptr(SyNetsuiteLogin) login = NULL;
  struct { guint status; const char *content_type; const char *body; GQuark domain; int code; const char *text; } cases[] = {
    { 400, "text/html", "<html><body><h1>Bad Request</h1></body></html>", SY_API_ERROR, SY_API_ERROR_HTTP, "without saying why" },
    { 401, "application/json", "{\"error\":\"invalid_client\"}", SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED, "invalid_client" },
    { 400, "application/json", "{\"error\":\"invalid_grant\",\"error_description\":\"line one\\nline two\"}",
      SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED, "invalid_grant — line one line two" },
    { 400, "application/json", "{\"error\":42}", SY_API_ERROR, SY_API_ERROR_HTTP, "without saying why" },
    { 403, "application/json", "{\"error\":\"access_denied\"}", SY_API_ERROR, SY_API_ERROR_FORBIDDEN, "access_denied" },
    { 404, "text/html", "<html>Not here</html>", SY_API_ERROR, SY_API_ERROR_NOT_FOUND, "account id" },
    { 503, "text/html", "<html>Maintenance</html>", SY_API_ERROR, SY_API_ERROR_SERVER, "HTTP 503" },
    { 200, "text/html", "<html>Login</html>", SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE, "no access token" },
    { 200, "application/json", "{\"token_type\":\"Bearer\",\"expires_in\":3600}", SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE, "no access token" },
  };

  soup_server_listen (server, address, 0, &error);
  g_assert_no_error (error);
  soup_server_add_handler (server, NULL, canned_handler, &canned, NULL);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d" TOKEN_PATH, g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  login = sy_netsuite_login_new (ACCOUNT, CLIENT_ID, "cert-id", url);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) result = NULL;
      g_autoptr(GError) login_error = NULL;

      canned.status = cases[i].status;
      canned.content_type = cases[i].content_type;
      canned.body = cases[i].body;
      result = run_login (login, ec_pair.key, &login_error);
      g_test_message ("case %u: %s", i, login_error ? login_error->message : "(no error)");
      g_assert_null (result);
      g_assert_error (login_error, cases[i].domain, cases[i].code);
      g_assert_nonnull (strstr (login_error->message, cases[i].text));
      g_assert_null (strstr (login_error->message, "<html"));
    }

  /* What was posted: the three form fields, nothing else. */
  {
    g_autoptr(GHashTable) form = soup_form_decode (canned.form);
    g_auto(Jwt) jwt = { NULL };

    g_assert_true (g_str_has_prefix (canned.form,
                                     "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion="));
    g_assert_cmpuint (g_hash_table_size (form), ==, 3);
    jwt_decode (g_hash_table_lookup (form, "client_assertion"), &jwt);
    g_assert_cmpstr (json_object_get_string_member (jwt.header, "kid"), ==, "cert-id");
    g_assert_cmpstr (json_object_get_string_member (jwt.claims, "aud"), ==, url);
    g_assert_cmpint (json_object_get_int_member (jwt.claims, "exp") - json_object_get_int_member (jwt.claims, "iat"), <=, 3600);
  }

  /* NetSuite has answered expires_in as a string. */
  {
    g_autoptr(JsonObject) result = NULL;

    canned.status = 200;
    canned.content_type = "application/json";
    canned.body = "{\"access_token\":\"eyJraWQiOi.secret\",\"expires_in\":\"3600\",\"token_type\":\"bearer\"}";
    result = run_login (login, ec_pair.key, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (result, "token_type"), ==, "bearer");
    g_assert_cmpint (json_object_get_int_member (result, "expires_in"), ==, 3600);
    g_assert_false (json_object_has_member (result, "access_token"));
  }

  g_free (canned.form);
}

/* Hostile token endpoints: one that trickles a byte at a time, one that
 * never stops answering. */

static gsize hostile_produced;

static void
mark_gone (SoupServerMessage *msg)
{
  g_object_set_data (G_OBJECT (msg), "gone", GINT_TO_POINTER (TRUE));
}

static gboolean
trickle_one_byte (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  /* The client gave up: there is nothing left to write to. */
  if (g_object_get_data (G_OBJECT (msg), "gone") != NULL)
    return G_SOURCE_REMOVE;
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC, " ", 1);
  soup_server_message_unpause (msg);
  return G_SOURCE_CONTINUE;
}

static void
flood_more (SoupServerMessage *msg)
{
  char *chunk = g_malloc (256 * 1024);

  /* Stops by itself at 64 MiB, so that a client that reads it all ends. */
  if (hostile_produced >= 64 * 1024 * 1024)
    {
      g_free (chunk);
      soup_message_body_complete (soup_server_message_get_response_body (msg));
      return;
    }
  memset (chunk, ' ', 256 * 1024);
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_TAKE, chunk, 256 * 1024);
  hostile_produced += 256 * 1024;
}

static void
hostile_handler (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, "application/json", NULL);
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC, "{", 1);

  if (g_str_has_suffix (path, "/trickle"))
    {
      g_signal_connect (msg, "finished", G_CALLBACK (mark_gone), NULL);
      g_signal_connect (msg, "disconnected", G_CALLBACK (mark_gone), NULL);
      g_timeout_add_full (G_PRIORITY_DEFAULT, 300, trickle_one_byte, g_object_ref (msg), g_object_unref);
    }
  else
    g_signal_connect (msg, "wrote-chunk", G_CALLBACK (flood_more), NULL);
}

static char *
start_hostile_server (SoupServer *server)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  GSList *uris;
  char *url;

  soup_server_listen (server, address, 0, &error);
  g_assert_no_error (error);
  soup_server_add_handler (server, NULL, hostile_handler, NULL, NULL);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}

/* libsoup's idle timeout never fires on a byte every 300 ms: without a
 * deadline of its own, `netsuite test` waited for ever. */
static void
test_login_trickled_answer (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autofree char *base = start_hostile_server (server);
  g_autofree char *url = g_strconcat (base, "/trickle", NULL);
  g_autoptr(SyNetsuiteLogin) login = sy_netsuite_login_new (ACCOUNT, CLIENT_ID, "cert-id", url);
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_netsuite_login_set_timeout (login, 2);
  result = run_login (login, ec_pair.key, &error);
  g_assert_null (result);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "did not answer in time"));
}

static void
test_login_endless_answer (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autofree char *base = start_hostile_server (server);
  g_autofree char *url = g_strconcat (base, "/flood", NULL);
  g_autoptr(SyNetsuiteLogin) login = sy_netsuite_login_new (ACCOUNT, CLIENT_ID, "cert-id", url);
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(GError) error = NULL;

  hostile_produced = 0;
  result = run_login (login, ec_pair.key, &error);
  g_assert_null (result);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
  /* Only the head was read: the rest was never even made. */
  g_test_message ("%" G_GSIZE_FORMAT " bytes sent", hostile_produced);
  g_assert_cmpuint (hostile_produced, <, 32 * 1024 * 1024);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  generate_pair (SY_KEY_SPEC_RSA_3072, &rsa_pair);
  generate_pair (SY_KEY_SPEC_EC_P256, &ec_pair);
  generate_pair (SY_KEY_SPEC_RSA_3072, &other_rsa_pair);
  sandbox = sy_test_start_sandbox (NULL);
  session = soup_session_new ();

  g_test_add_func ("/netsuite/token-url", test_token_url);
  g_test_add_func ("/netsuite/assertion/ps256", test_assertion_ps256);
  g_test_add_func ("/netsuite/assertion/es256", test_assertion_es256);
  g_test_add_func ("/netsuite/assertion/refusals", test_assertion_refusals);
  g_test_add_func ("/netsuite/exchange/ps256", test_exchange_ps256);
  g_test_add_func ("/netsuite/exchange/es256", test_exchange_es256);
  g_test_add_func ("/netsuite/exchange/wrong-certificate-id", test_exchange_wrong_certificate_id);
  g_test_add_func ("/netsuite/exchange/wrong-client-id", test_exchange_wrong_client_id);
  g_test_add_func ("/netsuite/exchange/wrong-key", test_exchange_wrong_key);
  g_test_add_func ("/netsuite/exchange/expired-certificate", test_exchange_expired_certificate);
  g_test_add_func ("/netsuite/exchange/rs256", test_exchange_rs256);
  g_test_add_func ("/netsuite/exchange/bad-claims", test_exchange_bad_claims);
  g_test_add_func ("/netsuite/exchange/stale-assertion", test_exchange_stale_assertion);
  g_test_add_func ("/netsuite/exchange/real-audience", test_exchange_real_audience);
  g_test_add_func ("/netsuite/token-endpoint/bad-requests", test_token_endpoint_bad_requests);
  g_test_add_func ("/netsuite/upload/refusals", test_upload_refusals);
  g_test_add_func ("/netsuite/upload/rsa-2048", test_upload_rsa_2048_refused);
  g_test_add_func ("/netsuite/login/bad-configuration", test_login_bad_configuration);
  g_test_add_func ("/netsuite/login/network-error", test_login_network_error);
  g_test_add_func ("/netsuite/login/cancelled", test_login_cancelled);
  g_test_add_func ("/netsuite/login/other-answers", test_login_other_answers);
  g_test_add_func ("/netsuite/login/trickled-answer", test_login_trickled_answer);
  g_test_add_func ("/netsuite/login/endless-answer", test_login_endless_answer);

  status = g_test_run ();

  g_clear_object (&session);
  g_clear_object (&sandbox);
  clear_pair (&rsa_pair);
  clear_pair (&ec_pair);
  clear_pair (&other_rsa_pair);
  return status;
}
