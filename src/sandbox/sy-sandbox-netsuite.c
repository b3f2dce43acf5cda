/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-certificate.h"
#include "sy-netsuite-login.h"
#include "sy-sandbox-netsuite.h"

#define CLIENT_ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define MAX_FORM_BYTES (64 * 1024)
#define MAX_ASSERTION_LIFETIME_S 3600
/* How far ahead of our clock an iat may be. */
#define CLOCK_SKEW_S 300
#define ACCESS_TOKEN_LIFETIME_S 3600
/* NetSuite refuses certificates valid for longer than two years; a day of
 * slack for rounding of generated ones. */
#define MAX_VALIDITY_S ((gint64) (730 + 1) * 24 * 3600)

typedef struct
{
  char *account;      /* lower case, '-' for '_': the host name label */
  char *client_id;
  SyCertificate *certificate;
} Upload;

struct _SySandboxNetsuite
{
  GObject parent_instance;

  GRand *rand;
  GHashTable *uploads;     /* certificate id → Upload */
  guint64 tokens_issued;
  GHashTable *refusals;    /* OAuth error code → count */
};

G_DEFINE_FINAL_TYPE (SySandboxNetsuite, sy_sandbox_netsuite, G_TYPE_OBJECT)

static void
upload_free (gpointer data)
{
  Upload *upload = data;

  g_free (upload->account);
  g_free (upload->client_id);
  g_clear_object (&upload->certificate);
  g_free (upload);
}

static void
sy_sandbox_netsuite_finalize (GObject *object)
{
  SySandboxNetsuite *self = SY_SANDBOX_NETSUITE (object);

  g_rand_free (self->rand);
  g_hash_table_unref (self->uploads);
  g_hash_table_unref (self->refusals);

  G_OBJECT_CLASS (sy_sandbox_netsuite_parent_class)->finalize (object);
}

static void
sy_sandbox_netsuite_class_init (SySandboxNetsuiteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_sandbox_netsuite_finalize;
}

static void
sy_sandbox_netsuite_init (SySandboxNetsuite *self)
{
  /* Seeded from /dev/urandom: certificate ids and tokens differ every run. */
  self->rand = g_rand_new ();
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, upload_free);
  self->refusals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

SySandboxNetsuite *
sy_sandbox_netsuite_new (void)
{
  return g_object_new (SY_TYPE_SANDBOX_NETSUITE, NULL);
}

static char *
random_hex (GRand *rand,
            guint  n_bytes)
{
  GString *hex = g_string_sized_new (n_bytes * 2);

  for (guint i = 0; i < n_bytes; i++)
    g_string_append_printf (hex, "%02x", (guint) g_rand_int_range (rand, 0, 256));
  return g_string_free (hex, FALSE);
}

static guint
respond_json (SoupServerMessage *msg,
              guint              status,
              JsonObject        *object)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  char *body;

  json_node_set_object (node, object);
  json_generator_set_root (generator, node);
  body = json_generator_to_data (generator, NULL);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
  return status;
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *member = json_object_get_member (object, name);

  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (member);
}

static gboolean
int_member (JsonObject *object,
            const char *name,
            gint64     *value)
{
  JsonNode *member = json_object_get_member (object, name);

  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (member);
  return TRUE;
}

static JsonObject *
parse_object (const char *data,
              gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (data == NULL || length == 0 || !json_parser_load_from_data (parser, data, length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

/* --- certificate upload ------------------------------------------- */

static void
add_field_error (JsonObject *errors,
                 const char *field,
                 const char *message)
{
  JsonArray *messages = json_array_new ();

  json_array_add_string_element (messages, message);
  json_object_set_array_member (errors, field, messages);
}

/* What NetSuite checks when a certificate is uploaded: the key type and
 * size, and a validity of at most two years. Expiry is checked at login. */
static char *
certificate_problem (SyCertificate *certificate)
{
  GDateTime *not_before = sy_certificate_get_not_before (certificate);
  GDateTime *not_after = sy_certificate_get_not_after (certificate);
  guint bits = sy_certificate_get_key_bits (certificate);

  switch (sy_certificate_get_key_type (certificate))
    {
    case SY_KEY_TYPE_RSA:
      if (bits != 3072 && bits != 4096)
        return g_strdup_printf ("RSA keys must have 3072 or 4096 bits; this one has %u.", bits);
      break;

    case SY_KEY_TYPE_EC:
      if (sy_certificate_get_curve (certificate) == NULL)
        return g_strdup ("EC keys must be on the curve P-256, P-384 or P-521.");
      break;

    case SY_KEY_TYPE_UNKNOWN:
    default:
      return g_strdup ("The key must be RSA (3072 or 4096 bits) or EC (P-256, P-384 or P-521).");
    }

  if (not_before == NULL || not_after == NULL ||
      g_date_time_difference (not_after, not_before) / G_TIME_SPAN_SECOND > MAX_VALIDITY_S)
    return g_strdup ("The certificate must be valid for at most two years (730 days).");

  return NULL;
}

guint
sy_sandbox_netsuite_upload_certificate (SySandboxNetsuite *self,
                                        SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonObject) errors = json_object_new ();
  g_autoptr(SyCertificate) certificate = NULL;
  g_autofree char *account = NULL;
  g_autofree char *certificate_id = NULL;
  const char *account_text;
  const char *client_id;
  const char *pem;
  gsize length = 0;
  const char *data;
  Upload *upload;

  g_return_val_if_fail (SY_IS_SANDBOX_NETSUITE (self), 500);

  if (!g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_POST))
    {
      json_object_set_string_member (answer, "message", "Method not allowed: POST a certificate.");
      return respond_json (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, answer);
    }

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  data = g_bytes_get_data (body, &length);
  request = parse_object (data, length);
  if (request == NULL)
    {
      json_object_set_string_member (answer, "message",
                                     "The body must be a JSON object: {\"account\", \"client_id\", \"certificate\"}.");
      return respond_json (msg, SOUP_STATUS_BAD_REQUEST, answer);
    }

  account_text = string_member (request, "account");
  if (account_text == NULL || *account_text == '\0')
    add_field_error (errors, "account", "The account id is required.");
  else
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *token_url = sy_netsuite_token_url_for_account (account_text, &error);

      if (token_url == NULL)
        add_field_error (errors, "account", error->message);
      else
        {
          account = g_strstrip (g_ascii_strdown (account_text, -1));
          g_strdelimit (account, "_", '-');
        }
    }

  client_id = string_member (request, "client_id");
  if (client_id == NULL || *client_id == '\0')
    add_field_error (errors, "client_id", "The client id is required.");

  pem = string_member (request, "certificate");
  if (pem == NULL || *pem == '\0')
    add_field_error (errors, "certificate", "The certificate (PEM) is required.");
  else
    {
      g_autoptr(GBytes) pem_bytes = g_bytes_new (pem, strlen (pem));
      g_autoptr(GError) error = NULL;
      g_autofree char *problem = NULL;

      certificate = sy_certificate_new_from_data (pem_bytes, &error);
      if (certificate == NULL)
        add_field_error (errors, "certificate", error->message);
      else if ((problem = certificate_problem (certificate)) != NULL)
        {
          add_field_error (errors, "certificate", problem);
          g_clear_object (&certificate);
        }
    }

  if (json_object_get_size (errors) > 0)
    {
      json_object_set_string_member (answer, "message", "The given data was invalid.");
      json_object_set_object_member (answer, "errors", g_steal_pointer (&errors));
      return respond_json (msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, answer);
    }

  do
    {
      g_free (certificate_id);
      certificate_id = random_hex (self->rand, 16);
    }
  while (g_hash_table_contains (self->uploads, certificate_id));

  upload = g_new0 (Upload, 1);
  upload->account = g_strdup (account);
  upload->client_id = g_strdup (client_id);
  upload->certificate = g_steal_pointer (&certificate);
  g_hash_table_insert (self->uploads, g_strdup (certificate_id), upload);

  json_object_set_string_member (answer, "certificate_id", certificate_id);
  json_object_set_string_member (answer, "account", account);
  json_object_set_string_member (answer, "client_id", client_id);
  return respond_json (msg, SOUP_STATUS_CREATED, answer);
}

/* --- token endpoint ----------------------------------------------- */

static guint
refuse (SySandboxNetsuite *self,
        SoupServerMessage *msg,
        const char        *oauth_error,
        const char        *description)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  gpointer count = g_hash_table_lookup (self->refusals, oauth_error);

  g_hash_table_replace (self->refusals, g_strdup (oauth_error),
                        GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));

  json_object_set_string_member (answer, "error", oauth_error);
  json_object_set_string_member (answer, "error_description", description);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-store");
  return respond_json (msg, SOUP_STATUS_BAD_REQUEST, answer);
}

static GBytes *
base64url_decode (const char *text,
                  gsize       length)
{
  GString *padded;
  guchar *data;
  gsize decoded_length = 0;

  if (length == 0 || length % 4 == 1)
    return NULL;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '-' && text[i] != '_')
      return NULL;

  padded = g_string_new_len (text, length);
  g_strdelimit (padded->str, "-", '+');
  g_strdelimit (padded->str, "_", '/');
  while (padded->len % 4 != 0)
    g_string_append_c (padded, '=');
  data = g_base64_decode (padded->str, &decoded_length);
  g_string_free (padded, TRUE);
  return g_bytes_new_take (data, decoded_length);
}

static JsonObject *
decode_json_part (const char *part,
                  gsize       length)
{
  g_autoptr(GBytes) bytes = base64url_decode (part, length);
  gsize size = 0;
  const char *data;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);
  return parse_object (data, size);
}

static gboolean
audience_accepted (const char *aud,
                   const char *base_url,
                   Upload     *upload)
{
  g_autofree char *sandbox_url = g_strconcat (base_url, SY_SANDBOX_NETSUITE_TOKEN_PATH, NULL);
  g_autofree char *real_url = sy_netsuite_token_url_for_account (upload->account, NULL);

  return g_str_equal (aud, sandbox_url) || g_strcmp0 (aud, real_url) == 0;
}

static gboolean
scope_accepted (const char *scope)
{
  g_auto(GStrv) scopes = NULL;

  if (scope == NULL || *scope == '\0')
    return FALSE;
  scopes = g_strsplit (scope, ",", -1);
  for (guint i = 0; scopes[i] != NULL; i++)
    {
      const char *name = g_strstrip (scopes[i]);

      if (!g_str_equal (name, "restlets") && !g_str_equal (name, "rest_webservices") &&
          !g_str_equal (name, "suite_analytics"))
        return FALSE;
    }
  return TRUE;
}

guint
sy_sandbox_netsuite_issue_token (SySandboxNetsuite *self,
                                 SoupServerMessage *msg,
                                 const char        *base_url)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *form_text = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GBytes) signing_input = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *description = NULL;
  const char *content_type;
  const char *value;
  const char *assertion;
  const char *first_dot;
  const char *second_dot;
  const char *alg;
  const char *kid;
  const char *iss;
  const char *aud;
  gint64 iat, exp, now_s;
  gsize length = 0;
  const char *data;
  Upload *upload;

  g_return_val_if_fail (SY_IS_SANDBOX_NETSUITE (self), 500);

  if (!g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_POST))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "POST");
      answer = json_object_new ();
      json_object_set_string_member (answer, "error", "invalid_request");
      json_object_set_string_member (answer, "error_description", "The token endpoint takes POST only.");
      return respond_json (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, answer);
    }

  content_type = soup_message_headers_get_content_type (request_headers, NULL);
  if (content_type == NULL || g_ascii_strcasecmp (content_type, "application/x-www-form-urlencoded") != 0)
    return refuse (self, msg, "invalid_request",
                   "The request body must be application/x-www-form-urlencoded.");

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  data = g_bytes_get_data (body, &length);
  if (length > MAX_FORM_BYTES)
    return refuse (self, msg, "invalid_request", "The request body is too large.");
  form_text = g_strndup (data != NULL ? data : "", length);
  form = soup_form_decode (form_text);

  value = g_hash_table_lookup (form, "grant_type");
  if (value == NULL)
    return refuse (self, msg, "invalid_request", "grant_type is missing.");
  if (!g_str_equal (value, "client_credentials"))
    return refuse (self, msg, "unsupported_grant_type",
                   "Only grant_type=client_credentials is accepted here.");

  value = g_hash_table_lookup (form, "client_assertion_type");
  if (value == NULL || !g_str_equal (value, CLIENT_ASSERTION_TYPE))
    return refuse (self, msg, "invalid_request",
                   "client_assertion_type must be " CLIENT_ASSERTION_TYPE ".");

  assertion = g_hash_table_lookup (form, "client_assertion");
  if (assertion == NULL || *assertion == '\0')
    return refuse (self, msg, "invalid_request", "client_assertion is missing.");

  /* header "." claims "." signature */
  first_dot = strchr (assertion, '.');
  second_dot = first_dot != NULL ? strchr (first_dot + 1, '.') : NULL;
  if (second_dot == NULL || strchr (second_dot + 1, '.') != NULL)
    return refuse (self, msg, "invalid_request", "client_assertion is not a JWT (three base64url parts).");
  header = decode_json_part (assertion, first_dot - assertion);
  claims = decode_json_part (first_dot + 1, second_dot - first_dot - 1);
  signature = base64url_decode (second_dot + 1, strlen (second_dot + 1));
  if (header == NULL || claims == NULL || signature == NULL)
    return refuse (self, msg, "invalid_request",
                   "client_assertion is not a JWT: its parts must be base64url, the first two JSON objects.");

  value = string_member (header, "typ");
  if (value != NULL && g_ascii_strcasecmp (value, "JWT") != 0)
    return refuse (self, msg, "invalid_request", "The JWT header's typ must be JWT.");

  alg = string_member (header, "alg");
  if (alg == NULL)
    return refuse (self, msg, "invalid_request", "The JWT header has no alg.");
  if (g_str_equal (alg, "RS256") || g_str_equal (alg, "RS384") || g_str_equal (alg, "RS512"))
    {
      description = g_strdup_printf ("The JWT is signed with %s: RSA PKCS#1 v1.5 signatures are no longer accepted; "
                                     "sign with PS256, PS384 or PS512 (RSA-PSS), or use an EC key (ES256, ES384, ES512).",
                                     alg);
      return refuse (self, msg, "invalid_grant", description);
    }
  if (!g_str_equal (alg, "PS256") && !g_str_equal (alg, "PS384") && !g_str_equal (alg, "PS512") &&
      !g_str_equal (alg, "ES256") && !g_str_equal (alg, "ES384") && !g_str_equal (alg, "ES512"))
    return refuse (self, msg, "invalid_grant",
                   "The JWT's alg is not supported: use PS256, PS384, PS512, ES256, ES384 or ES512.");

  kid = string_member (header, "kid");
  if (kid == NULL || *kid == '\0')
    return refuse (self, msg, "invalid_client", "The JWT header has no kid (the certificate id).");
  upload = g_hash_table_lookup (self->uploads, kid);
  if (upload == NULL)
    return refuse (self, msg, "invalid_client",
                   "No certificate with this id (kid) is mapped to an integration on this account.");

  signing_input = g_bytes_new (assertion, second_dot - assertion);
  if (!sy_certificate_verify_jws (upload->certificate, alg, signing_input, signature, &error))
    {
      description = g_strdup_printf ("The JWT signature could not be verified with the certificate %s: %s",
                                     kid, error->message);
      return refuse (self, msg, "invalid_grant", description);
    }

  iss = string_member (claims, "iss");
  if (iss == NULL || !g_str_equal (iss, upload->client_id))
    return refuse (self, msg, "invalid_client",
                   "The JWT's iss is not the client id the certificate is mapped to.");

  now = g_date_time_new_now_utc ();
  now_s = g_date_time_to_unix (now);
  if (g_date_time_compare (now, sy_certificate_get_not_after (upload->certificate)) > 0)
    {
      g_autofree char *date = g_date_time_format (sy_certificate_get_not_after (upload->certificate), "%F");

      description = g_strdup_printf ("The certificate expired on %s.", date);
      return refuse (self, msg, "invalid_grant", description);
    }
  if (g_date_time_compare (now, sy_certificate_get_not_before (upload->certificate)) < 0)
    {
      g_autofree char *date = g_date_time_format (sy_certificate_get_not_before (upload->certificate), "%F");

      description = g_strdup_printf ("The certificate is not valid until %s.", date);
      return refuse (self, msg, "invalid_grant", description);
    }

  aud = string_member (claims, "aud");
  if (aud == NULL || !audience_accepted (aud, base_url, upload))
    return refuse (self, msg, "invalid_grant", "The JWT's aud is not this token endpoint's URL.");

  if (!int_member (claims, "iat", &iat) || !int_member (claims, "exp", &exp) || iat < 0 || exp < 0)
    return refuse (self, msg, "invalid_grant", "The JWT must carry iat and exp as whole seconds since 1970.");
  if (iat > now_s + CLOCK_SKEW_S)
    return refuse (self, msg, "invalid_grant", "The JWT's iat is in the future.");
  if (exp <= now_s)
    return refuse (self, msg, "invalid_grant", "The JWT has expired (exp is in the past).");
  if (exp <= iat || exp - iat > MAX_ASSERTION_LIFETIME_S)
    return refuse (self, msg, "invalid_grant", "The JWT's exp must be after iat and at most 3600 seconds after it.");

  if (!scope_accepted (string_member (claims, "scope")))
    return refuse (self, msg, "invalid_scope",
                   "The JWT's scope must list restlets, rest_webservices or suite_analytics.");

  self->tokens_issued++;
  access_token = random_hex (self->rand, 32);
  answer = json_object_new ();
  json_object_set_string_member (answer, "access_token", access_token);
  json_object_set_int_member (answer, "expires_in", ACCESS_TOKEN_LIFETIME_S);
  json_object_set_string_member (answer, "token_type", "Bearer");
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-store");
  return respond_json (msg, SOUP_STATUS_OK, answer);
}

void
sy_sandbox_netsuite_add_stats (SySandboxNetsuite *self,
                               JsonObject        *stats)
{
  JsonObject *netsuite = json_object_new ();
  JsonObject *refused = json_object_new ();
  GHashTableIter iter;
  gpointer key, count;

  g_return_if_fail (SY_IS_SANDBOX_NETSUITE (self));

  g_hash_table_iter_init (&iter, self->refusals);
  while (g_hash_table_iter_next (&iter, &key, &count))
    json_object_set_int_member (refused, key, GPOINTER_TO_UINT (count));

  json_object_set_int_member (netsuite, "certificates", g_hash_table_size (self->uploads));
  json_object_set_int_member (netsuite, "tokens_issued", self->tokens_issued);
  json_object_set_object_member (netsuite, "refused", refused);
  json_object_set_object_member (stats, "netsuite", netsuite);
}
