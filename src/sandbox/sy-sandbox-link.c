/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-sandbox-link.h"

#define MAX_FORM_BYTES (64 * 1024)
#define DEFAULT_TOKEN_TTL_S ((guint64) 30 * 24 * 3600)
#define REFRESH_TOKEN_TTL_S ((gint64) 31 * 24 * 3600)
#define CODE_TTL_S 600
#define PER_PAGE 15

typedef enum
{
  GRANT_AUTHORIZATION_CODE,
  GRANT_REFRESH_TOKEN,
  GRANT_CLIENT_CREDENTIALS,
  N_GRANT_TYPES
} GrantType;

static const char * const grant_type_names[N_GRANT_TYPES] = {
  "authorization_code", "refresh_token", "client_credentials"
};

/* One authorisation: what a connection holds across refreshes. Its
 * current tokens are the only good ones; earlier ones stay in the token
 * tables, pointing here, so that they can be told apart from unknown
 * ones (superseded rather than invalid). */
typedef struct
{
  const char *domain;          /* "wms", "erp" or SY_SANDBOX_LINK_ADMIN_DOMAIN, static */
  char *access_token;
  gint64 access_expires_us;    /* real time */
  char *refresh_token;         /* NULL: none, or revoked by inspection */
  gint64 refresh_expires_us;
  gboolean revoked;
} Grant;

typedef struct
{
  char *client_id;
  char *redirect_uri;
  char *challenge;             /* NULL: no PKCE */
  gboolean challenge_s256;
  const char *domain;          /* static */
  gint64 expires_us;
  gboolean used;
  Grant *grant;                /* issued from it, owned by the grants array */
} Code;

struct _SySandboxLink
{
  GObject parent_instance;

  GRand *rand;
  gint64 token_ttl_us;
  char *client_id;
  char *client_secret;

  GPtrArray *grants;           /* Grant, owned; never shrinks, so keys stay valid */
  GHashTable *access_tokens;   /* token → Grant (every one ever issued) */
  GHashTable *refresh_tokens;  /* token → Grant (every one ever issued) */
  GHashTable *codes;           /* code → Code */

  guint64 authorized;
  guint64 denied;
  guint64 grants_issued[N_GRANT_TYPES];
  guint64 refused;
  guint64 expired_token_requests;
  guint64 connections_created;
};

G_DEFINE_FINAL_TYPE (SySandboxLink, sy_sandbox_link, G_TYPE_OBJECT)

static void
grant_free (gpointer data)
{
  Grant *grant = data;

  g_free (grant->access_token);
  g_free (grant->refresh_token);
  g_free (grant);
}

static void
code_free (gpointer data)
{
  Code *code = data;

  g_free (code->client_id);
  g_free (code->redirect_uri);
  g_free (code->challenge);
  g_free (code);
}

static void
sy_sandbox_link_finalize (GObject *object)
{
  SySandboxLink *self = SY_SANDBOX_LINK (object);

  g_rand_free (self->rand);
  g_free (self->client_id);
  g_free (self->client_secret);
  g_hash_table_unref (self->access_tokens);
  g_hash_table_unref (self->refresh_tokens);
  g_hash_table_unref (self->codes);
  g_ptr_array_unref (self->grants);

  G_OBJECT_CLASS (sy_sandbox_link_parent_class)->finalize (object);
}

static void
sy_sandbox_link_class_init (SySandboxLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_sandbox_link_finalize;
}

static void
sy_sandbox_link_init (SySandboxLink *self)
{
  /* Seeded from /dev/urandom: the app's secret, codes and tokens differ
   * every run, whatever --seed says. */
  self->rand = g_rand_new ();
  self->grants = g_ptr_array_new_with_free_func (grant_free);
  self->access_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->refresh_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, code_free);
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

static char *
new_secret (GRand      *rand,
            const char *prefix)
{
  g_autofree char *hex = random_hex (rand, 24);

  return g_strconcat (prefix, hex, NULL);
}

SySandboxLink *
sy_sandbox_link_new (guint64 token_ttl_s)
{
  SySandboxLink *self = g_object_new (SY_TYPE_SANDBOX_LINK, NULL);
  g_autofree char *id_hex = random_hex (self->rand, 8);

  if (token_ttl_s == 0)
    token_ttl_s = DEFAULT_TOKEN_TTL_S;
  self->token_ttl_us = (gint64) MIN (token_ttl_s, (guint64) G_MAXINT64 / G_USEC_PER_SEC / 4) * G_USEC_PER_SEC;
  self->client_id = g_strconcat ("sbx_app_", id_hex, NULL);
  self->client_secret = new_secret (self->rand, "sbx_secret_");
  return self;
}

const char *
sy_sandbox_link_get_client_id (SySandboxLink *self)
{
  g_return_val_if_fail (SY_IS_SANDBOX_LINK (self), NULL);
  return self->client_id;
}

const char *
sy_sandbox_link_get_client_secret (SySandboxLink *self)
{
  g_return_val_if_fail (SY_IS_SANDBOX_LINK (self), NULL);
  return self->client_secret;
}

/* --- helpers ------------------------------------------------------ */

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

static char *
object_to_json (JsonObject *object)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

static const char *
domain_for_platform (const char *platform)
{
  if (platform == NULL || g_str_equal (platform, "wms"))
    return "wms";
  if (g_str_equal (platform, "erp"))
    return "erp";
  return NULL;
}

/* RFC 7636's unreserved characters, 43 to 128 of them: a code_verifier,
 * or a plain code_challenge. */
static gboolean
is_pkce_string (const char *text)
{
  gsize length = strlen (text);

  if (length < 43 || length > 128)
    return FALSE;
  return strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == length;
}

static gboolean
is_s256_challenge (const char *text)
{
  /* BASE64URL-NOPAD of 32 bytes. */
  return strlen (text) == 43 &&
         strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43;
}

static char *
s256 (const char *verifier)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  char *encoded;

  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &length);
  encoded = g_base64_encode (digest, length);
  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  if (strchr (encoded, '=') != NULL)
    *strchr (encoded, '=') = '\0';
  return encoded;
}

/* Only a loopback redirect with an explicit port, as a desktop app
 * listening for the answer has (RFC 8252 §7.3): anything else could send
 * the code to someone else. */
static gboolean
redirect_uri_allowed (const char  *redirect_uri,
                      const char **problem)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;

  *problem = "redirect_uri is missing.";
  if (redirect_uri == NULL || *redirect_uri == '\0')
    return FALSE;
  *problem = "redirect_uri is not a URL.";
  uri = g_uri_parse (redirect_uri, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;
  *problem = "redirect_uri must be http://127.0.0.1:PORT/…, http://localhost:PORT/… or http://[::1]:PORT/….";
  host = g_uri_get_host (uri);
  if (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 || host == NULL ||
      (!g_str_equal (host, "127.0.0.1") && g_ascii_strcasecmp (host, "localhost") != 0 &&
       !g_str_equal (host, "::1")) ||
      g_uri_get_port (uri) <= 0 || g_uri_get_userinfo (uri) != NULL ||
      !g_str_has_prefix (g_uri_get_path (uri), "/"))
    return FALSE;
  *problem = "redirect_uri must not have a fragment.";
  if (g_uri_get_fragment (uri) != NULL)
    return FALSE;
  return TRUE;
}

/* --- /oauth/authorize --------------------------------------------- */

static guint
respond_html (SoupServerMessage *msg,
              guint              status,
              const char        *title,
              const char        *body_html)
{
  char *page = g_strdup_printf ("<!DOCTYPE html>\n"
                                "<html lang=\"en\">\n"
                                "<head>\n"
                                "<meta charset=\"utf-8\">\n"
                                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                                "<title>%s — Switchyard sandbox</title>\n"
                                "<style>\n"
                                "body { font: 16px/1.5 sans-serif; margin: 0; background: #f6f5f4; color: #241f31; }\n"
                                "main { max-width: 32em; margin: 3em auto; padding: 1.5em 2em; background: #fff;"
                                " border-radius: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }\n"
                                "h1 { font-size: 1.4em; margin-top: 0; }\n"
                                "fieldset { border: 1px solid #c0bfbc; border-radius: 8px; margin: 1em 0; }\n"
                                "label { display: block; padding: .25em 0; }\n"
                                "button { font: inherit; padding: .5em 1.5em; margin-right: .5em; border-radius: 8px;"
                                " border: 1px solid #9a9996; background: #fff; }\n"
                                "button.allow { background: #3584e4; border-color: #1c71d8; color: #fff; }\n"
                                ".note { color: #5e5c64; font-size: .9em; }\n"
                                "</style>\n"
                                "</head>\n"
                                "<body>\n<main>\n%s</main>\n</body>\n</html>\n",
                                title, body_html);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  /* The consent page must not be framed by another page (clickjacking). */
  soup_message_headers_replace (headers, "X-Frame-Options", "DENY");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE, page, strlen (page));
  return status;
}

static guint
refuse_page (SoupServerMessage *msg,
             const char        *reason)
{
  g_autofree char *escaped = g_markup_escape_text (reason, -1);
  g_autofree char *body = g_strdup_printf ("<h1>This sign-in request cannot be answered</h1>\n"
                                           "<p>%s</p>\n"
                                           "<p class=\"note\">The app that sent you here is not set up "
                                           "correctly; you can close this page.</p>\n",
                                           escaped);

  return respond_html (msg, SOUP_STATUS_BAD_REQUEST, "Sign-in refused", body);
}

/* redirect_uri?name=value&...&state=STATE: state echoed exactly, last. */
static guint
redirect (SoupServerMessage *msg,
          const char        *redirect_uri,
          const char        *state,
          const char        *first_name,
          ...)
{
  GString *location = g_string_new (redirect_uri);
  char separator = strchr (redirect_uri, '?') != NULL ? '&' : '?';
  const char *name;
  va_list ap;

  /* A URI that ends in ? or & needs no separator. */
  if (location->len > 0 && (location->str[location->len - 1] == '?' || location->str[location->len - 1] == '&'))
    separator = '\0';

  va_start (ap, first_name);
  for (name = first_name; name != NULL; name = va_arg (ap, const char *))
    {
      const char *value = va_arg (ap, const char *);
      g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

      if (separator != '\0')
        g_string_append_c (location, separator);
      g_string_append_printf (location, "%s=%s", name, escaped);
      separator = '&';
    }
  va_end (ap);
  if (state != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (state, NULL, FALSE);

      if (separator != '\0')
        g_string_append_c (location, separator);
      g_string_append_printf (location, "state=%s", escaped);
    }

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-store");
  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location->str);
  g_string_free (location, TRUE);
  return SOUP_STATUS_FOUND;
}

static void
append_hidden (GString    *html,
               const char *name,
               const char *value)
{
  g_autofree char *escaped = NULL;

  if (value == NULL)
    return;
  escaped = g_markup_escape_text (value, -1);
  g_string_append_printf (html, "<input type=\"hidden\" name=\"%s\" value=\"%s\">\n", name, escaped);
}

static guint
consent_page (SoupServerMessage *msg,
              GHashTable        *params,
              const char        *domain)
{
  static const char * const hidden[] = {
    "response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method",
  };
  gboolean wms = g_str_equal (domain, "wms");
  g_autoptr(GString) html = g_string_new (NULL);

  g_string_append_printf (html, "<h1>Allow Switchyard to access %s?</h1>\n",
                          wms ? "Warehouse (Mintsoft)" : "ERP (NetSuite)");
  g_string_append (html, "<p>Switchyard asks to read and write the records of the system you choose. "
                         "This is the Switchyard sandbox: nothing leaves this computer.</p>\n"
                         "<form method=\"post\" action=\"" SY_SANDBOX_LINK_AUTHORIZE_PATH "\">\n");
  for (guint i = 0; i < G_N_ELEMENTS (hidden); i++)
    append_hidden (html, hidden[i], g_hash_table_lookup (params, hidden[i]));
  g_string_append_printf (html,
                          "<fieldset>\n<legend>System</legend>\n"
                          "<label><input type=\"radio\" name=\"platform\" value=\"wms\"%s> Warehouse (Mintsoft)</label>\n"
                          "<label><input type=\"radio\" name=\"platform\" value=\"erp\"%s> ERP (NetSuite)</label>\n"
                          "</fieldset>\n"
                          "<p>\n<button type=\"submit\" name=\"decision\" value=\"allow\" class=\"allow\">Allow</button>\n"
                          "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n</p>\n"
                          "</form>\n",
                          wms ? " checked" : "", wms ? "" : " checked");
  return respond_html (msg, SOUP_STATUS_OK, "Allow access?", html->str);
}

/* A POSTed form's fields over the URL's: the consent page posts them all. */
static GHashTable *
authorize_params (SoupServerMessage *msg,
                  GHashTable        *query)
{
  GHashTable *params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  if (query != NULL)
    {
      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_replace (params, g_strdup (key), g_strdup (value));
    }

  if (g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_POST))
    {
      const char *content_type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg),
                                                                        NULL);
      g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
      gsize length = 0;
      const char *data = g_bytes_get_data (body, &length);

      if (content_type != NULL && g_ascii_strcasecmp (content_type, "application/x-www-form-urlencoded") == 0 &&
          length <= MAX_FORM_BYTES)
        {
          g_autofree char *text = g_strndup (data != NULL ? data : "", length);
          g_autoptr(GHashTable) form = soup_form_decode (text);

          g_hash_table_iter_init (&iter, form);
          while (g_hash_table_iter_next (&iter, &key, &value))
            g_hash_table_replace (params, g_strdup (key), g_strdup (value));
        }
    }
  return params;
}

guint
sy_sandbox_link_authorize (SySandboxLink     *self,
                           SoupServerMessage *msg,
                           GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GHashTable) params = NULL;
  const char *client_id, *redirect_uri, *state, *challenge, *challenge_method, *decision;
  const char *problem;
  const char *domain;
  g_autofree char *code_text = NULL;
  Code *code;

  g_return_val_if_fail (SY_IS_SANDBOX_LINK (self), 500);

  if (!g_str_equal (method, SOUP_METHOD_GET) && !g_str_equal (method, SOUP_METHOD_POST))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET, POST");
      return respond_html (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed",
                           "<h1>Method not allowed</h1>\n<p>Open this page with GET.</p>\n");
    }

  params = authorize_params (msg, query);
  client_id = g_hash_table_lookup (params, "client_id");
  redirect_uri = g_hash_table_lookup (params, "redirect_uri");
  state = g_hash_table_lookup (params, "state");

  /* Until the app and its redirect_uri are known good, errors are shown
   * here: a redirect would hand them to whoever forged the request. */
  if (client_id == NULL || *client_id == '\0')
    return refuse_page (msg, "The request names no app (client_id is missing).");
  if (!g_str_equal (client_id, self->client_id))
    return refuse_page (msg, "No app with this client_id is registered.");
  if (!redirect_uri_allowed (redirect_uri, &problem))
    return refuse_page (msg, problem);

  if (g_strcmp0 (g_hash_table_lookup (params, "response_type"), "code") != 0)
    return redirect (msg, redirect_uri, state, "error", "unsupported_response_type",
                     "error_description", "response_type must be code.", NULL);

  challenge = g_hash_table_lookup (params, "code_challenge");
  challenge_method = g_hash_table_lookup (params, "code_challenge_method");
  if (challenge == NULL && challenge_method != NULL)
    return redirect (msg, redirect_uri, state, "error", "invalid_request",
                     "error_description", "code_challenge_method without code_challenge.", NULL);
  if (challenge != NULL)
    {
      /* RFC 7636 §4.3: plain when the method is left out. */
      if (challenge_method == NULL)
        challenge_method = "plain";
      if (!g_str_equal (challenge_method, "S256") && !g_str_equal (challenge_method, "plain"))
        return redirect (msg, redirect_uri, state, "error", "invalid_request",
                         "error_description", "code_challenge_method must be S256 or plain.", NULL);
      if (g_str_equal (challenge_method, "S256") ? !is_s256_challenge (challenge) : !is_pkce_string (challenge))
        return redirect (msg, redirect_uri, state, "error", "invalid_request",
                         "error_description", "code_challenge is malformed.", NULL);
    }

  domain = domain_for_platform (g_hash_table_lookup (params, "platform"));
  if (domain == NULL)
    return redirect (msg, redirect_uri, state, "error", "invalid_request",
                     "error_description", "platform must be wms or erp.", NULL);

  decision = g_hash_table_lookup (params, "decision");
  if (decision == NULL)
    decision = g_hash_table_lookup (params, "auto");
  if (decision == NULL)
    return consent_page (msg, params, domain);

  if (g_str_equal (decision, "deny"))
    {
      self->denied++;
      return redirect (msg, redirect_uri, state, "error", "access_denied",
                       "error_description", "The user denied access.", NULL);
    }
  if (!g_str_equal (decision, "allow"))
    return redirect (msg, redirect_uri, state, "error", "invalid_request",
                     "error_description", "The decision must be allow or deny.", NULL);

  do
    {
      g_free (code_text);
      code_text = random_hex (self->rand, 20);
    }
  while (g_hash_table_contains (self->codes, code_text));

  code = g_new0 (Code, 1);
  code->client_id = g_strdup (client_id);
  code->redirect_uri = g_strdup (redirect_uri);
  code->challenge = g_strdup (challenge);
  code->challenge_s256 = challenge != NULL && g_str_equal (challenge_method, "S256");
  code->domain = domain;
  code->expires_us = g_get_real_time () + (gint64) CODE_TTL_S * G_USEC_PER_SEC;
  g_hash_table_insert (self->codes, g_strdup (code_text), code);
  self->authorized++;

  return redirect (msg, redirect_uri, state, "code", code_text, NULL);
}

/* --- /link/token -------------------------------------------------- */

static guint
refuse (SySandboxLink     *self,
        SoupServerMessage *msg,
        guint              status,
        const char        *oauth_error,
        const char        *description)
{
  g_autoptr(JsonObject) answer = json_object_new ();

  self->refused++;
  json_object_set_string_member (answer, "error", oauth_error);
  json_object_set_string_member (answer, "error_description", description);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-store");
  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "WWW-Authenticate", "Basic realm=\"switchyard-sandbox\"");
  return respond_json (msg, status, answer);
}

/* The form (or JSON object) of a token request, as strings. NULL when
 * the body is neither. */
static GHashTable *
token_params (SoupServerMessage *msg,
              const char       **problem)
{
  const char *content_type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg),
                                                                    NULL);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  gsize length = 0;
  const char *data = g_bytes_get_data (body, &length);

  *problem = "The request body is too large.";
  if (length > MAX_FORM_BYTES)
    return NULL;

  if (content_type != NULL && g_ascii_strcasecmp (content_type, "application/json") == 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      GHashTable *params;
      JsonObject *object;
      JsonNode *root;
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      *problem = "The request body is not a JSON object.";
      if (data == NULL || length == 0 || !json_parser_load_from_data (parser, data, length, NULL))
        return NULL;
      root = json_parser_get_root (parser);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        return NULL;
      object = json_node_get_object (root);
      params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &name, &member))
        if (JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING)
          g_hash_table_replace (params, g_strdup (name), g_strdup (json_node_get_string (member)));
      return params;
    }

  *problem = "The request body must be application/x-www-form-urlencoded (or a JSON object).";
  if (content_type == NULL || g_ascii_strcasecmp (content_type, "application/x-www-form-urlencoded") != 0)
    return NULL;
  {
    g_autofree char *text = g_strndup (data != NULL ? data : "", length);

    return soup_form_decode (text);
  }
}

/* RFC 6749 §2.3.1: HTTP Basic with the form-encoded id and secret, or
 * both as parameters; never both ways at once. */
static gboolean
authenticate_client (SySandboxLink     *self,
                     SoupServerMessage *msg,
                     GHashTable        *params,
                     const char       **problem,
                     guint             *status,
                     const char       **oauth_error)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  const char *param_id = g_hash_table_lookup (params, "client_id");
  const char *param_secret = g_hash_table_lookup (params, "client_secret");
  g_autofree char *id = NULL;
  g_autofree char *secret = NULL;

  *status = SOUP_STATUS_UNAUTHORIZED;
  *oauth_error = "invalid_client";

  if (header != NULL && g_ascii_strncasecmp (header, "Basic ", 6) == 0)
    {
      gsize length = 0;
      g_autofree guchar *decoded = NULL;
      g_autofree char *text = NULL;
      char *colon;

      if (param_secret != NULL)
        {
          *status = SOUP_STATUS_BAD_REQUEST;
          *oauth_error = "invalid_request";
          *problem = "Authenticate the client with HTTP Basic or with client_secret, not both.";
          return FALSE;
        }
      decoded = g_base64_decode (header + 6, &length);
      text = g_strndup ((const char *) decoded, length);
      colon = strchr (text, ':');
      *problem = "The HTTP Basic credentials are malformed.";
      if (colon == NULL)
        return FALSE;
      *colon = '\0';
      id = g_uri_unescape_string (text, NULL);
      secret = g_uri_unescape_string (colon + 1, NULL);
      if (id == NULL || secret == NULL)
        return FALSE;
      if (param_id != NULL && !g_str_equal (param_id, id))
        {
          *status = SOUP_STATUS_BAD_REQUEST;
          *oauth_error = "invalid_request";
          *problem = "client_id differs from the HTTP Basic user.";
          return FALSE;
        }
    }
  else
    {
      id = g_strdup (param_id);
      secret = g_strdup (param_secret);
    }

  *problem = "The client is not authenticated: give client_id and client_secret, or HTTP Basic.";
  if (id == NULL || secret == NULL)
    return FALSE;
  *problem = "Unknown client or wrong client secret.";
  if (!g_str_equal (id, self->client_id) || !g_str_equal (secret, self->client_secret))
    return FALSE;
  return TRUE;
}

static Grant *
new_grant (SySandboxLink *self,
           const char    *domain)
{
  Grant *grant = g_new0 (Grant, 1);

  grant->domain = domain;
  g_ptr_array_add (self->grants, grant);
  return grant;
}

/* New tokens for the grant; the ones it had stay in the tables, now
 * superseded. */
static void
issue_tokens (SySandboxLink *self,
              Grant         *grant,
              gboolean       with_refresh)
{
  gint64 now = g_get_real_time ();
  gboolean admin = g_str_equal (grant->domain, SY_SANDBOX_LINK_ADMIN_DOMAIN);

  g_free (grant->access_token);
  do
    grant->access_token = new_secret (self->rand, admin ? "sbx_admin_" : "sbx_link_");
  while (g_hash_table_contains (self->access_tokens, grant->access_token));
  grant->access_expires_us = now + self->token_ttl_us;
  g_hash_table_insert (self->access_tokens, g_strdup (grant->access_token), grant);

  g_clear_pointer (&grant->refresh_token, g_free);
  if (with_refresh)
    {
      do
        grant->refresh_token = new_secret (self->rand, "sbx_refresh_");
      while (g_hash_table_contains (self->refresh_tokens, grant->refresh_token));
      grant->refresh_expires_us = now + REFRESH_TOKEN_TTL_S * G_USEC_PER_SEC;
      g_hash_table_insert (self->refresh_tokens, g_strdup (grant->refresh_token), grant);
    }
}

/* expires_in is when the access token expires, in whole seconds since
 * 1970 — not a lifetime: the API does it that way. Rounded down, so a
 * client that trusts it never uses a token past its end. */
static void
set_token_members (JsonObject *object,
                   Grant      *grant)
{
  json_object_set_string_member (object, "access_token", grant->access_token);
  if (grant->refresh_token != NULL)
    json_object_set_string_member (object, "refresh_token", grant->refresh_token);
  json_object_set_int_member (object, "expires_in", grant->access_expires_us / G_USEC_PER_SEC);
}

static guint
answer_tokens (SySandboxLink     *self,
               SoupServerMessage *msg,
               Grant             *grant,
               GrantType          type)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  self->grants_issued[type]++;
  set_token_members (answer, grant);
  json_object_set_string_member (answer, "token_type", "Bearer");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Pragma", "no-cache");
  return respond_json (msg, SOUP_STATUS_OK, answer);
}

static guint
exchange_code (SySandboxLink     *self,
               SoupServerMessage *msg,
               GHashTable        *params,
               const char        *client_id)
{
  const char *code_text = g_hash_table_lookup (params, "code");
  const char *redirect_uri = g_hash_table_lookup (params, "redirect_uri");
  const char *verifier = g_hash_table_lookup (params, "code_verifier");
  Code *code;

  if (code_text == NULL || *code_text == '\0')
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "code is missing.");
  if (redirect_uri == NULL || *redirect_uri == '\0')
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "redirect_uri is missing.");

  code = g_hash_table_lookup (self->codes, code_text);
  if (code == NULL || !g_str_equal (code->client_id, client_id))
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant", "The authorization code is unknown.");
  if (code->used)
    {
      /* RFC 6749 §4.1.2: a code presented twice may have been stolen, so
       * what it gave is taken back. */
      if (code->grant != NULL)
        code->grant->revoked = TRUE;
      return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                     "The authorization code was already used; the tokens issued for it are revoked.");
    }
  /* Single use whatever happens next: a wrong verifier cannot be retried. */
  code->used = TRUE;
  if (g_get_real_time () >= code->expires_us)
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant", "The authorization code has expired.");
  if (!g_str_equal (redirect_uri, code->redirect_uri))
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                   "redirect_uri differs from the one of the authorization request.");
  if (code->challenge != NULL)
    {
      g_autofree char *computed = NULL;

      if (verifier == NULL || *verifier == '\0')
        return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                       "code_verifier is missing: the authorization request had a code_challenge.");
      if (!is_pkce_string (verifier))
        return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                       "code_verifier must be 43 to 128 unreserved characters.");
      computed = code->challenge_s256 ? s256 (verifier) : g_strdup (verifier);
      if (!g_str_equal (computed, code->challenge))
        return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                       "code_verifier does not match the code_challenge.");
    }

  code->grant = new_grant (self, code->domain);
  issue_tokens (self, code->grant, TRUE);
  return answer_tokens (self, msg, code->grant, GRANT_AUTHORIZATION_CODE);
}

static guint
refresh (SySandboxLink     *self,
         SoupServerMessage *msg,
         GHashTable        *params)
{
  const char *token = g_hash_table_lookup (params, "refresh_token");
  Grant *grant;

  if (token == NULL || *token == '\0')
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "refresh_token is missing.");
  grant = g_hash_table_lookup (self->refresh_tokens, token);
  if (grant == NULL)
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant", "The refresh token is unknown.");
  if (grant->revoked)
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant", "The refresh token was revoked.");
  if (g_strcmp0 (grant->refresh_token, token) != 0)
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                   "The refresh token was already used or revoked.");
  if (g_get_real_time () >= grant->refresh_expires_us)
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant", "The refresh token has expired.");

  issue_tokens (self, grant, TRUE);
  return answer_tokens (self, msg, grant, GRANT_REFRESH_TOKEN);
}

guint
sy_sandbox_link_issue_token (SySandboxLink     *self,
                             SoupServerMessage *msg)
{
  g_autoptr(GHashTable) params = NULL;
  const char *grant_type;
  const char *problem = NULL;
  const char *oauth_error = NULL;
  guint status = 0;

  g_return_val_if_fail (SY_IS_SANDBOX_LINK (self), 500);

  if (!g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_POST))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "POST");
      return refuse (self, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "invalid_request",
                     "The token endpoint takes POST only.");
    }

  params = token_params (msg, &problem);
  if (params == NULL)
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", problem);

  if (!authenticate_client (self, msg, params, &problem, &status, &oauth_error))
    return refuse (self, msg, status, oauth_error, problem);

  grant_type = g_hash_table_lookup (params, "grant_type");
  if (grant_type == NULL || *grant_type == '\0')
    return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "grant_type is missing.");
  if (g_str_equal (grant_type, "authorization_code"))
    return exchange_code (self, msg, params, self->client_id);
  if (g_str_equal (grant_type, "refresh_token"))
    return refresh (self, msg, params);
  if (g_str_equal (grant_type, "client_credentials"))
    {
      Grant *grant = new_grant (self, SY_SANDBOX_LINK_ADMIN_DOMAIN);

      issue_tokens (self, grant, FALSE);
      return answer_tokens (self, msg, grant, GRANT_CLIENT_CREDENTIALS);
    }
  return refuse (self, msg, SOUP_STATUS_BAD_REQUEST, "unsupported_grant_type",
                 "grant_type must be authorization_code, refresh_token or client_credentials.");
}

/* --- tokens at /api ----------------------------------------------- */

SySandboxLinkTokenState
sy_sandbox_link_lookup_token (SySandboxLink *self,
                              const char    *token,
                              const char   **domain,
                              gconstpointer *grant_key)
{
  Grant *grant;

  g_return_val_if_fail (SY_IS_SANDBOX_LINK (self), SY_SANDBOX_LINK_TOKEN_UNKNOWN);

  *domain = NULL;
  *grant_key = NULL;
  grant = token != NULL ? g_hash_table_lookup (self->access_tokens, token) : NULL;
  if (grant == NULL)
    return SY_SANDBOX_LINK_TOKEN_UNKNOWN;

  *domain = grant->domain;
  *grant_key = grant;
  if (grant->revoked)
    return SY_SANDBOX_LINK_TOKEN_REVOKED;
  if (g_strcmp0 (grant->access_token, token) != 0)
    return SY_SANDBOX_LINK_TOKEN_SUPERSEDED;
  if (g_get_real_time () >= grant->access_expires_us)
    return SY_SANDBOX_LINK_TOKEN_EXPIRED;
  return SY_SANDBOX_LINK_TOKEN_VALID;
}

void
sy_sandbox_link_count_expired_request (SySandboxLink *self)
{
  g_return_if_fail (SY_IS_SANDBOX_LINK (self));
  self->expired_token_requests++;
}

/* --- /api/system -------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *label;
  gboolean secret;
} PlatformField;

typedef struct
{
  const char *id;
  const char *name;
  const char *domain;
  PlatformField fields[6];
} Platform;

/* The two systems the seeded data sets stand for, with the credentials a
 * connection to each takes (all required). */
static const Platform platforms[] = {
  { "mintsoft", "Mintsoft", "wms",
    { { "api_key", "API key", TRUE }, { NULL } } },
  { "netsuite", "NetSuite", "erp",
    { { "account_id", "Account ID", FALSE },
      { "consumer_key", "Consumer key", TRUE },
      { "consumer_secret", "Consumer secret", TRUE },
      { "token_id", "Token ID", TRUE },
      { "token_secret", "Token secret", TRUE },
      { NULL } } },
};

static char *
system_error (guint      *status,
              guint       code,
              const char *request_id,
              const char *message,
              JsonObject *field_errors)
{
  g_autoptr(JsonObject) object = json_object_new ();

  *status = code;
  json_object_set_string_member (object, "message", message);
  if (field_errors != NULL)
    json_object_set_object_member (object, "errors", json_object_ref (field_errors));
  json_object_set_string_member (object, "request_id", request_id);
  return object_to_json (object);
}

static char *
answer_platforms (const char *base_url,
                  guint      *status)
{
  g_autoptr(JsonObject) envelope = json_object_new ();
  g_autofree char *path = g_strconcat (base_url, "/api/system/platforms", NULL);
  g_autofree char *first = g_strconcat (path, "?page=1", NULL);
  JsonArray *data = json_array_new ();
  JsonObject *links = json_object_new ();
  JsonObject *meta = json_object_new ();

  for (guint i = 0; i < G_N_ELEMENTS (platforms); i++)
    {
      JsonObject *platform = json_object_new ();
      JsonArray *fields = json_array_new ();

      json_object_set_string_member (platform, "id", platforms[i].id);
      json_object_set_string_member (platform, "name", platforms[i].name);
      json_object_set_string_member (platform, "domain", platforms[i].domain);
      for (guint j = 0; platforms[i].fields[j].name != NULL; j++)
        {
          JsonObject *field = json_object_new ();

          json_object_set_string_member (field, "name", platforms[i].fields[j].name);
          json_object_set_string_member (field, "label", platforms[i].fields[j].label);
          json_object_set_boolean_member (field, "required", TRUE);
          json_object_set_boolean_member (field, "secret", platforms[i].fields[j].secret);
          json_array_add_object_element (fields, field);
        }
      json_object_set_array_member (platform, "fields", fields);
      json_array_add_object_element (data, platform);
    }

  json_object_set_string_member (links, "first", first);
  json_object_set_string_member (links, "last", first);
  json_object_set_null_member (links, "prev");
  json_object_set_null_member (links, "next");
  json_object_set_int_member (meta, "current_page", 1);
  json_object_set_int_member (meta, "from", 1);
  json_object_set_int_member (meta, "last_page", 1);
  json_object_set_string_member (meta, "path", path);
  json_object_set_int_member (meta, "per_page", PER_PAGE);
  json_object_set_int_member (meta, "to", G_N_ELEMENTS (platforms));
  json_object_set_int_member (meta, "total", G_N_ELEMENTS (platforms));

  json_object_set_array_member (envelope, "data", data);
  json_object_set_object_member (envelope, "links", links);
  json_object_set_object_member (envelope, "meta", meta);
  *status = SOUP_STATUS_OK;
  return object_to_json (envelope);
}

static void
add_field_error (JsonObject *errors,
                 const char *field,
                 const char *message)
{
  JsonArray *messages = json_array_new ();

  json_array_add_string_element (messages, message);
  json_object_set_array_member (errors, field, messages);
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *member = json_object_get_member (object, name);

  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (member);
}

static gboolean
is_blank (const char *text)
{
  if (text == NULL)
    return TRUE;
  for (; *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

/* Something@something, without spaces: what a form would accept. */
static gboolean
is_email (const char *text)
{
  const char *at = text != NULL ? strchr (text, '@') : NULL;

  return at != NULL && at != text && at[1] != '\0' && strchr (at + 1, '@') == NULL &&
         strpbrk (text, " \t\r\n") == NULL;
}

/* The sandbox checks credentials and keeps none of them: the parsed
 * strings and the request body are overwritten, so that no copy lingers
 * in freed memory either. */
static void
wipe_credentials (SoupServerMessage *msg,
                  JsonObject        *request)
{
  JsonNode *credentials = json_object_get_member (request, "credentials");
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) flat = NULL;

  if (credentials != NULL && JSON_NODE_HOLDS_OBJECT (credentials))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (credentials));
      while (json_object_iter_next (&iter, &name, &member))
        if (JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING)
          {
            /* json-glib owns a copy of its own, writable. */
            char *value = (char *) json_node_get_string (member);

            if (value != NULL)
              memset (value, 0, strlen (value));
          }
    }
  json_object_remove_member (request, "credentials");

  /* The flattened copy, then the chunks it was copied from. */
  flat = soup_message_body_flatten (body);
  if (flat != NULL && g_bytes_get_size (flat) > 0)
    memset ((gpointer) g_bytes_get_data (flat, NULL), 0, g_bytes_get_size (flat));
  for (goffset offset = 0;;)
    {
      g_autoptr(GBytes) chunk = soup_message_body_get_chunk (body, offset);

      if (chunk == NULL || g_bytes_get_size (chunk) == 0)
        break;
      memset ((gpointer) g_bytes_get_data (chunk, NULL), 0, g_bytes_get_size (chunk));
      offset += g_bytes_get_size (chunk);
    }
  soup_message_body_truncate (body);
}

static char *
create_connection (SySandboxLink     *self,
                   SoupServerMessage *msg,
                   const char        *request_id,
                   guint             *status)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonObject) errors = json_object_new ();
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) data = NULL;
  g_autoptr(JsonObject) envelope = NULL;
  const Platform *platform = NULL;
  JsonNode *credentials_node;
  JsonObject *credentials = NULL;
  const char *email;
  const char *provider;
  gsize length = 0;
  const char *text = g_bytes_get_data (body, &length);
  JsonNode *root;
  Grant *grant;

  if (text == NULL || length == 0 || length > MAX_FORM_BYTES ||
      !json_parser_load_from_data (parser, text, length, NULL))
    {
      soup_message_body_truncate (soup_server_message_get_request_body (msg));
      return system_error (status, SOUP_STATUS_BAD_REQUEST, request_id, "The request body is not valid JSON.", NULL);
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      soup_message_body_truncate (soup_server_message_get_request_body (msg));
      return system_error (status, 422, request_id, "The request body must be a JSON object.", NULL);
    }
  request = json_object_ref (json_node_get_object (root));

  if (is_blank (string_member (request, "name")))
    add_field_error (errors, "name", "The name field is required.");

  email = string_member (request, "email");
  if (is_blank (email))
    add_field_error (errors, "email", "The email field is required.");
  else if (!is_email (email))
    add_field_error (errors, "email", "The email must be a valid email address.");

  provider = string_member (request, "provider");
  for (guint i = 0; provider != NULL && i < G_N_ELEMENTS (platforms); i++)
    if (g_str_equal (provider, platforms[i].id))
      platform = &platforms[i];
  if (is_blank (provider))
    add_field_error (errors, "provider", "The provider field is required.");
  else if (platform == NULL)
    add_field_error (errors, "provider", "The selected provider is invalid: use mintsoft or netsuite.");

  credentials_node = json_object_get_member (request, "credentials");
  if (credentials_node != NULL && JSON_NODE_HOLDS_OBJECT (credentials_node))
    credentials = json_node_get_object (credentials_node);
  else
    add_field_error (errors, "credentials", "The credentials field is required and must be an object.");

  for (guint j = 0; platform != NULL && platform->fields[j].name != NULL; j++)
    {
      const PlatformField *field = &platform->fields[j];

      if (credentials == NULL || is_blank (string_member (credentials, field->name)))
        {
          g_autofree char *member = g_strconcat ("credentials.", field->name, NULL);
          g_autofree char *message = g_strdup_printf ("The %s is required.", field->label);

          add_field_error (errors, member, message);
        }
    }

  wipe_credentials (msg, request);

  if (json_object_get_size (errors) > 0)
    return system_error (status, 422, request_id, "The given data was invalid.", errors);

  grant = new_grant (self, platform->domain);
  issue_tokens (self, grant, TRUE);
  self->connections_created++;

  data = json_object_new ();
  set_token_members (data, grant);
  envelope = json_object_new ();
  json_object_set_object_member (envelope, "data", g_steal_pointer (&data));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-store");
  *status = SOUP_STATUS_OK;
  return object_to_json (envelope);
}

guint
sy_sandbox_link_answer_system (SySandboxLink     *self,
                               SoupServerMessage *msg,
                               const char        *resource,
                               const char        *base_url,
                               const char        *request_id,
                               char             **body)
{
  const char *method = soup_server_message_get_method (msg);
  guint status = 500;

  g_return_val_if_fail (SY_IS_SANDBOX_LINK (self), 500);

  if (g_str_equal (resource, "platforms"))
    {
      if (g_str_equal (method, SOUP_METHOD_GET))
        *body = answer_platforms (base_url, &status);
      else
        *body = system_error (&status, SOUP_STATUS_METHOD_NOT_ALLOWED, request_id, "Method not allowed.", NULL);
    }
  else if (g_str_equal (resource, "connections"))
    {
      if (g_str_equal (method, SOUP_METHOD_POST))
        *body = create_connection (self, msg, request_id, &status);
      else
        *body = system_error (&status, SOUP_STATUS_METHOD_NOT_ALLOWED, request_id, "Method not allowed.", NULL);
    }
  else
    *body = system_error (&status, SOUP_STATUS_NOT_FOUND, request_id, "Not found.", NULL);
  return status;
}

/* --- inspection --------------------------------------------------- */

guint
sy_sandbox_link_revoke_refresh_tokens (SySandboxLink *self)
{
  gint64 now = g_get_real_time ();
  guint revoked = 0;

  g_return_val_if_fail (SY_IS_SANDBOX_LINK (self), 0);

  for (guint i = 0; i < self->grants->len; i++)
    {
      Grant *grant = g_ptr_array_index (self->grants, i);

      if (grant->refresh_token == NULL)
        continue;
      if (!grant->revoked && now < grant->refresh_expires_us)
        revoked++;
      g_clear_pointer (&grant->refresh_token, g_free);
    }
  return revoked;
}

guint
sy_sandbox_link_expire_access_tokens (SySandboxLink *self)
{
  gint64 now = g_get_real_time ();
  guint expired = 0;

  g_return_val_if_fail (SY_IS_SANDBOX_LINK (self), 0);

  for (guint i = 0; i < self->grants->len; i++)
    {
      Grant *grant = g_ptr_array_index (self->grants, i);

      if (!grant->revoked && now < grant->access_expires_us)
        expired++;
      grant->access_expires_us = MIN (grant->access_expires_us, now);
    }
  return expired;
}

void
sy_sandbox_link_add_stats (SySandboxLink *self,
                           JsonObject    *stats)
{
  JsonObject *link = json_object_new ();
  JsonObject *grants = json_object_new ();

  g_return_if_fail (SY_IS_SANDBOX_LINK (self));

  for (guint i = 0; i < N_GRANT_TYPES; i++)
    json_object_set_int_member (grants, grant_type_names[i], self->grants_issued[i]);
  json_object_set_int_member (link, "authorized", self->authorized);
  json_object_set_int_member (link, "denied", self->denied);
  json_object_set_object_member (link, "grants", grants);
  json_object_set_int_member (link, "refused", self->refused);
  json_object_set_int_member (link, "expired_token_requests", self->expired_token_requests);
  json_object_set_int_member (link, "connections_created", self->connections_created);
  json_object_set_object_member (stats, "link", link);
}
