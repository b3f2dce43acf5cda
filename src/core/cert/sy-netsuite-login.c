/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "sy-error.h"
#include "sy-http-body.h"
#include "sy-json.h"
#include "sy-netsuite-login.h"

#define TOKEN_URL_FORMAT "https://%s.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
#define CLIENT_ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define NETSUITE_SCOPE "restlets,rest_webservices"
/* NetSuite refuses an assertion whose exp is more than an hour after iat. */
#define MAX_ASSERTION_LIFETIME_S 3600
/* A test login needs the assertion for one request only: a short life
 * limits what a leaked one is worth. */
#define TEST_ASSERTION_LIFETIME_S 300
#define MAX_LABEL_LENGTH 63
/* The whole exchange, from connecting to the answer's last byte: the
 * session's own timeout only notices a server that goes silent, not one
 * that trickles a byte now and then. */
#define REQUEST_TIMEOUT_S 30
/* A token answer or an OAuth error is a few hundred bytes. */
#define MAX_ANSWER_SIZE (64 * 1024)

struct _SyNetsuiteLogin
{
  GObject parent_instance;

  char *account;
  char *client_id;
  char *certificate_id;
  char *token_url;   /* NULL: derived from the account */
  SoupSession *session;
  guint timeout_s;
};

G_DEFINE_FINAL_TYPE (SyNetsuiteLogin, sy_netsuite_login, G_TYPE_OBJECT)

/* --- token URL ----------------------------------------------------- */

char *
sy_netsuite_token_url_for_account (const char  *account,
                                   GError     **error)
{
  g_autofree char *label = NULL;
  gsize length;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  label = g_strstrip (g_ascii_strdown (account != NULL ? account : "", -1));
  g_strdelimit (label, "_", '-');
  length = strlen (label);

  if (length == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The NetSuite account id is empty. It is shown under Setup → Company → Company Information, for example 1234567 or TSTDRV1234567_SB1."));
      return NULL;
    }
  if (length > MAX_LABEL_LENGTH)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The NetSuite account id is too long (%u characters; at most %u)."),
                   (guint) length, (guint) MAX_LABEL_LENGTH);
      return NULL;
    }
  if (strspn (label, "abcdefghijklmnopqrstuvwxyz0123456789-") != length ||
      label[0] == '-' || label[length - 1] == '-')
    {
      g_autofree char *shown = g_utf8_make_valid (account, -1);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a NetSuite account id: use letters, digits and “_” only, for example 1234567 or TSTDRV1234567_SB1."),
                   shown);
      return NULL;
    }

  return g_strdup_printf (TOKEN_URL_FORMAT, label);
}

/* --- the client assertion ----------------------------------------- */

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
base64url_encode_json (JsonObject *object)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *json = NULL;
  gsize length = 0;

  json_node_set_object (node, object);
  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, FALSE);
  json = json_generator_to_data (generator, &length);
  return base64url_encode ((const guint8 *) json, length);
}

char *
sy_netsuite_sign_client_assertion (SyPrivateKey  *key,
                                   const char    *certificate_id,
                                   const char    *client_id,
                                   const char    *token_url,
                                   GDateTime     *now,
                                   guint          lifetime_s,
                                   GError       **error)
{
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autofree char *claims_part = NULL;
  const char *alg;
  gint64 iat;

  g_return_val_if_fail (SY_IS_PRIVATE_KEY (key), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (certificate_id == NULL || *certificate_id == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The certificate id is missing. NetSuite shows it after the certificate is uploaded (Setup → Integration → OAuth 2.0 Client Credentials (M2M) Setup)."));
      return NULL;
    }
  if (client_id == NULL || *client_id == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The client id is missing. It is the consumer key of the NetSuite integration record."));
      return NULL;
    }
  if (token_url == NULL || *token_url == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The token URL is missing."));
      return NULL;
    }
  if (lifetime_s == 0 || lifetime_s > MAX_ASSERTION_LIFETIME_S)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A client assertion must be valid for 1 to %u seconds; %u was asked for."),
                   (guint) MAX_ASSERTION_LIFETIME_S, lifetime_s);
      return NULL;
    }

  if (now != NULL)
    iat = g_date_time_to_unix (now);
  else
    {
      g_autoptr(GDateTime) current = g_date_time_new_now_utc ();
      iat = g_date_time_to_unix (current);
    }

  json_object_set_string_member (claims, "iss", client_id);
  json_object_set_string_member (claims, "scope", NETSUITE_SCOPE);
  json_object_set_string_member (claims, "aud", token_url);
  json_object_set_int_member (claims, "iat", iat);
  json_object_set_int_member (claims, "exp", iat + lifetime_s);
  claims_part = base64url_encode_json (claims);

  alg = sy_private_key_get_jws_alg (key);
  if (alg != NULL)
    {
      g_autoptr(JsonObject) header = json_object_new ();
      g_autofree char *header_part = NULL;
      g_autofree char *signing_input = NULL;
      g_autoptr(GBytes) input_bytes = NULL;
      g_autoptr(GBytes) signature = NULL;
      g_autofree char *signature_part = NULL;
      const char *signed_alg = NULL;
      gsize signature_length = 0;
      const guint8 *signature_data;

      json_object_set_string_member (header, "typ", "JWT");
      json_object_set_string_member (header, "alg", alg);
      json_object_set_string_member (header, "kid", certificate_id);
      header_part = base64url_encode_json (header);

      signing_input = g_strconcat (header_part, ".", claims_part, NULL);
      input_bytes = g_bytes_new_static (signing_input, strlen (signing_input));
      signature = sy_private_key_sign_jws (key, input_bytes, &signed_alg, error);
      if (signature == NULL)
        return NULL;

      /* The header's alg is part of what was signed. */
      if (g_strcmp0 (signed_alg, alg) == 0)
        {
          signature_data = g_bytes_get_data (signature, &signature_length);
          signature_part = base64url_encode (signature_data, signature_length);
          return g_strconcat (signing_input, ".", signature_part, NULL);
        }
    }

  g_set_error_literal (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_UNSUPPORTED,
                       _("The private key cannot sign a client assertion NetSuite accepts."));
  return NULL;
}

/* --- the login ----------------------------------------------------- */

static void
sy_netsuite_login_finalize (GObject *object)
{
  SyNetsuiteLogin *self = SY_NETSUITE_LOGIN (object);

  g_free (self->account);
  g_free (self->client_id);
  g_free (self->certificate_id);
  g_free (self->token_url);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (sy_netsuite_login_parent_class)->finalize (object);
}

static void
sy_netsuite_login_class_init (SyNetsuiteLoginClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_netsuite_login_finalize;
}

static void
sy_netsuite_login_init (SyNetsuiteLogin *self)
{
  g_autofree char *user_agent = g_strdup_printf ("Switchyard/%s", PACKAGE_VERSION);

  /* TLS verification stays libsoup's default (the system trust store).
   * No idle timeout, for the reason given in sy_api_client_new(): a
   * request put on a connection as its idle timer expires is lost. */
  self->session = soup_session_new_with_options ("user-agent", user_agent,
                                                 "timeout", REQUEST_TIMEOUT_S,
                                                 "idle-timeout", 0,
                                                 NULL);
  self->timeout_s = REQUEST_TIMEOUT_S;
}

void
sy_netsuite_login_set_timeout (SyNetsuiteLogin *self,
                               guint            timeout_s)
{
  g_return_if_fail (SY_IS_NETSUITE_LOGIN (self));
  g_return_if_fail (timeout_s > 0);

  self->timeout_s = timeout_s;
  g_object_set (self->session, "timeout", timeout_s, NULL);
}

SyNetsuiteLogin *
sy_netsuite_login_new (const char *account,
                       const char *client_id,
                       const char *certificate_id,
                       const char *token_url)
{
  SyNetsuiteLogin *self = g_object_new (SY_TYPE_NETSUITE_LOGIN, NULL);

  self->account = g_strdup (account);
  self->client_id = g_strdup (client_id);
  self->certificate_id = g_strdup (certificate_id);
  self->token_url = token_url != NULL && *token_url != '\0' ? g_strdup (token_url) : NULL;
  return self;
}

/* NetSuite's OAuth error answer, {"error", "error_description"}; anything
 * else (an HTML page from a proxy) leaves both NULL. */
static void
parse_oauth_error (GBytes  *body,
                   char   **oauth_error,
                   char   **description)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *member;

  *oauth_error = NULL;
  *description = NULL;
  if (data == NULL || length == 0 ||
      !sy_json_parser_load (parser, data, length, NULL))
    return;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  object = json_node_get_object (root);

  member = json_object_get_member (object, "error");
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
      json_node_get_value_type (member) == G_TYPE_STRING)
    *oauth_error = sy_json_quote_server_text (json_node_get_string (member), -1);

  member = json_object_get_member (object, "error_description");
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
      json_node_get_value_type (member) == G_TYPE_STRING)
    *description = sy_json_quote_server_text (json_node_get_string (member), -1);
}

static guint
parse_retry_after (SoupMessage *message)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                    "Retry-After");
  guint64 seconds = 0;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, 24 * 3600, &seconds, NULL))
    return 0;
  return (guint) seconds;
}

static GError *
refusal_error (SoupMessage *message,
               GBytes      *body)
{
  guint status = soup_message_get_status (message);
  const char *request_id = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                         "X-Request-Id");
  g_autofree char *quoted_request_id = sy_json_quote_server_text (request_id, -1);
  g_autofree char *oauth_error = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  guint retry_after = parse_retry_after (message);
  SyApiError code;

  parse_oauth_error (body, &oauth_error, &description);
  /* The sentence gets its own full stop after the status. */
  if (description != NULL && g_str_has_suffix (description, "."))
    description[strlen (description) - 1] = '\0';

  if (status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_UNAUTHORIZED)
    code = (status == SOUP_STATUS_UNAUTHORIZED ||
            g_strcmp0 (oauth_error, "invalid_client") == 0 ||
            g_strcmp0 (oauth_error, "invalid_grant") == 0 ||
            g_strcmp0 (oauth_error, "unauthorized_client") == 0)
      ? SY_API_ERROR_UNAUTHORIZED : SY_API_ERROR_HTTP;
  else if (status == SOUP_STATUS_FORBIDDEN)
    code = SY_API_ERROR_FORBIDDEN;
  else if (status == SOUP_STATUS_NOT_FOUND)
    code = SY_API_ERROR_NOT_FOUND;
  else if (status == SOUP_STATUS_UNPROCESSABLE_ENTITY)
    code = SY_API_ERROR_VALIDATION;
  else if (status == 429)
    code = SY_API_ERROR_RATE_LIMITED;
  else if (SOUP_STATUS_IS_SERVER_ERROR (status))
    code = SY_API_ERROR_SERVER;
  else
    code = SY_API_ERROR_HTTP;

  if (oauth_error != NULL && description != NULL)
    /* Translators: the first %s is NetSuite's error code (invalid_grant),
     * the second its explanation. */
    g_string_append_printf (text, _("NetSuite refused the login: %s — %s (HTTP %u)."),
                            oauth_error, description, status);
  else if (oauth_error != NULL)
    g_string_append_printf (text, _("NetSuite refused the login: %s (HTTP %u)."), oauth_error, status);
  else if (code == SY_API_ERROR_SERVER)
    g_string_append_printf (text, _("NetSuite failed to handle the login (HTTP %u). Try again later."), status);
  else if (code == SY_API_ERROR_NOT_FOUND)
    g_string_append (text, _("The token URL does not exist (HTTP 404). Check the account id."));
  else if (code == SY_API_ERROR_RATE_LIMITED)
    g_string_append (text, _("NetSuite is limiting logins (HTTP 429). Try again later."));
  else if (SOUP_STATUS_IS_REDIRECTION (status))
    g_string_append_printf (text, _("The token URL sent the login elsewhere (HTTP %u). Check the account id and the token URL."), status);
  else
    g_string_append_printf (text, _("NetSuite refused the login without saying why (HTTP %u)."), status);

  if (g_strcmp0 (oauth_error, "invalid_client") == 0)
    {
      g_string_append_c (text, ' ');
      g_string_append (text, _("Check the client id and the certificate id."));
    }
  if (quoted_request_id != NULL)
    g_string_append_printf (text, _(" (request id %s)"), quoted_request_id);

  return sy_api_error_new_full (code, status, quoted_request_id, retry_after, NULL, text->str);
}

static GError *
network_error (SoupMessage  *message,
               const GError *cause)
{
  GUri *uri = soup_message_get_uri (message);
  const char *host = g_uri_get_host (uri);
  g_autofree char *text = NULL;

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    text = g_strdup_printf (_("NetSuite (%s) did not answer in time."), host);
  else if (cause->domain == G_RESOLVER_ERROR)
    text = g_strdup_printf (_("The server name %s could not be found. Check the account id and the network connection."), host);
  else if (cause->domain == G_TLS_ERROR)
    text = g_strdup_printf (_("A secure connection to %s could not be established: %s"), host, cause->message);
  else
    text = g_strdup_printf (_("The connection to %s failed: %s"), host, cause->message);

  return sy_api_error_new_full (SY_API_ERROR_NETWORK, 0, NULL, 0, NULL, text);
}

static JsonNode *
object_member_of_type (JsonObject *object,
                       const char *name,
                       GType       type)
{
  JsonNode *member = json_object_get_member (object, name);

  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != type)
    return NULL;
  return member;
}

/* {"access_token", "expires_in", "token_type"} → {"token_type",
 * "expires_in"}, or NULL when the answer is not a token. */
static JsonObject *
parse_token_answer (const char *data,
                    gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;
  JsonNode *access_token;
  JsonNode *token_type;
  JsonNode *expires_in;
  gint64 expires_in_s = -1;
  JsonObject *result;

  if (!sy_json_parser_load (parser, data, length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);

  access_token = object_member_of_type (object, "access_token", G_TYPE_STRING);
  token_type = object_member_of_type (object, "token_type", G_TYPE_STRING);
  if (access_token == NULL || *json_node_get_string (access_token) == '\0' || token_type == NULL)
    return NULL;

  /* NetSuite has sent expires_in both as a number and as a string. */
  if ((expires_in = object_member_of_type (object, "expires_in", G_TYPE_INT64)) != NULL)
    expires_in_s = json_node_get_int (expires_in);
  else if ((expires_in = object_member_of_type (object, "expires_in", G_TYPE_STRING)) != NULL)
    {
      guint64 parsed;

      if (g_ascii_string_to_unsigned (json_node_get_string (expires_in), 10, 0, G_MAXINT32, &parsed, NULL))
        expires_in_s = (gint64) parsed;
    }
  if (expires_in_s < 0)
    return NULL;

  result = json_object_new ();
  json_object_set_string_member (result, "token_type", json_node_get_string (token_type));
  json_object_set_int_member (result, "expires_in", expires_in_s);
  return result;
}

static void
wipe_bytes (GBytes *bytes)
{
  gsize length = 0;
  guint8 *data = g_bytes_unref_to_data (bytes, &length);

  /* The answer holds the access token: it must not linger in freed memory. */
  memset (data, 0, length);
  g_free (data);
}

/* A signed assertion is a credential for as long as it lives. */
static void
wipe_string (gpointer text)
{
  if (text != NULL)
    memset (text, 0, strlen (text));
  g_free (text);
}

typedef struct
{
  SoupMessage  *message;
  GCancellable *cancellable;   /* the caller's or the deadline's */
  GCancellable *caller;
  gulong        caller_handler;
  GSource      *deadline;
  gboolean      timed_out;
} TokenRequest;

static void
token_request_free (TokenRequest *request)
{
  if (request->deadline != NULL)
    {
      g_source_destroy (request->deadline);
      g_source_unref (request->deadline);
    }
  if (request->caller != NULL)
    {
      g_cancellable_disconnect (request->caller, request->caller_handler);
      g_object_unref (request->caller);
    }
  g_clear_object (&request->cancellable);
  g_clear_object (&request->message);
  g_free (request);
}

static gboolean
on_deadline (gpointer user_data)
{
  TokenRequest *request = user_data;

  request->timed_out = TRUE;
  g_clear_pointer (&request->deadline, g_source_unref);
  g_cancellable_cancel (request->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller,
                     gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

static void
token_request_failed (GTask  *task,
                      GError *error)
{
  TokenRequest *request = g_task_get_task_data (task);

  if (request->timed_out)
    {
      g_autoptr(GError) timed_out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, error->message);

      g_task_return_error (task, network_error (request->message, timed_out));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_error (task, network_error (request->message, error));
}

static void
token_answer_read (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TokenRequest *request = g_task_get_task_data (task);
  SoupMessage *message = request->message;
  g_autoptr(GError) error = NULL;
  gboolean truncated = FALSE;
  GBytes *body = sy_http_body_read_finish (result, &truncated, &error);
  guint status;

  if (body == NULL)
    {
      token_request_failed (task, error);
      return;
    }

  status = soup_message_get_status (message);
  if (status == SOUP_STATUS_OK)
    {
      gsize length = 0;
      const char *data = g_bytes_get_data (body, &length);
      JsonObject *answer = length > 0 && !truncated ? parse_token_answer (data, length) : NULL;

      wipe_bytes (body);
      if (answer == NULL)
        g_task_return_error (task, sy_api_error_new_full (SY_API_ERROR_INVALID_RESPONSE, status, NULL, 0, NULL,
                                                          _("NetSuite accepted the login but its answer holds no access token.")));
      else
        g_task_return_pointer (task, answer, (GDestroyNotify) json_object_unref);
      return;
    }

  /* An error's message is in its head; what is past the cap was not read. */
  g_task_return_error (task, refusal_error (message, body));
  wipe_bytes (body);
}

static void
token_request_sent (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TokenRequest *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);

  if (stream == NULL)
    {
      token_request_failed (task, error);
      return;
    }

  sy_http_body_read_async (stream, MAX_ANSWER_SIZE, request->cancellable, token_answer_read,
                           g_steal_pointer (&task));
}

void
sy_netsuite_login_test_async (SyNetsuiteLogin     *self,
                              SyPrivateKey        *key,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token_url = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) form_bytes = NULL;
  TokenRequest *request;
  char *assertion = NULL;
  char *form = NULL;

  g_return_if_fail (SY_IS_NETSUITE_LOGIN (self));
  g_return_if_fail (SY_IS_PRIVATE_KEY (key));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_netsuite_login_test_async);

  token_url = self->token_url != NULL
    ? g_strdup (self->token_url)
    : sy_netsuite_token_url_for_account (self->account, &error);
  if (token_url == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  uri = g_uri_parse (token_url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_autofree char *shown = g_utf8_make_valid (token_url, -1);
      g_autofree char *text = g_strdup_printf (_("“%s” is not a token URL: it must be an https:// address."), shown);

      g_task_return_error (task, sy_api_error_new_full (SY_API_ERROR_INVALID_URL, 0, NULL, 0, NULL, text));
      return;
    }

  assertion = sy_netsuite_sign_client_assertion (key, self->certificate_id, self->client_id,
                                                 token_url, NULL, TEST_ASSERTION_LIFETIME_S, &error);
  if (assertion == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  form = soup_form_encode ("grant_type", "client_credentials",
                           "client_assertion_type", CLIENT_ASSERTION_TYPE,
                           "client_assertion", assertion,
                           NULL);
  wipe_string (assertion);
  form_bytes = g_bytes_new_with_free_func (form, strlen (form), wipe_string, form);

  message = soup_message_new_from_uri (SOUP_METHOD_POST, uri);
  /* The assertion is meant for this URL only: never follow it elsewhere. */
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");
  soup_message_set_request_body_from_bytes (message, "application/x-www-form-urlencoded", form_bytes);

  request = g_new0 (TokenRequest, 1);
  request->message = g_object_ref (message);
  request->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, request, (GDestroyNotify) token_request_free);
  if (cancellable != NULL)
    {
      request->caller = g_object_ref (cancellable);
      request->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                                       g_object_ref (request->cancellable), g_object_unref);
    }
  request->deadline = g_timeout_source_new_seconds (self->timeout_s);
  g_source_set_static_name (request->deadline, "[switchyard] netsuite login deadline");
  g_source_set_callback (request->deadline, on_deadline, request, NULL);
  g_source_attach (request->deadline, g_task_get_context (task));

  soup_session_send_async (self->session, message, G_PRIORITY_DEFAULT, request->cancellable,
                           token_request_sent, g_steal_pointer (&task));
}

JsonObject *
sy_netsuite_login_test_finish (SyNetsuiteLogin  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (SY_IS_NETSUITE_LOGIN (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
