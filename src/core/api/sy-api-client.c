/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-api"

#include <string.h>

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "sy-api-client.h"
#include "sy-backoff.h"
#include "sy-http-body.h"
#include "sy-json.h"
#include "sy-sync-types.h"

/* Bodies above this size are parsed in a worker thread. A sync reads a
 * 100-record page (about 60 KB, a few ms of parsing, much more on a busy
 * machine) every few hundred ms: off the main loop, which keeps the window
 * drawing. Single records and write answers are smaller than this: for
 * them the parse costs less than the hop to a thread. */
#define SY_API_THREADED_PARSE_THRESHOLD (16 * 1024)
/* What is read of an answer, at most. A page of records is well under a
 * megabyte; a server sending more is broken or hostile, and reading on
 * would only fill the memory. */
#define SY_API_MAX_BODY (32 * 1024 * 1024)
/* An error answer is read for its message only: the head is enough. */
#define SY_API_MAX_ERROR_BODY (64 * 1024)
/* Connecting (resolving, TCP, TLS) gets this long at most, and half the
 * overall deadline when that is shorter, so that a server that cannot be
 * reached is told apart from one that is slow to answer. */
#define SY_API_CONNECT_TIMEOUT_S 15
#define SY_API_MAX_REQUEST_ID_CHARS 128
#define SY_API_BACKOFF_CAP_MS 30000
/* A server asking for a longer pause than this is still retried after this
 * long: a user waiting on a sync should not see it stall for an hour. */
#define SY_API_RETRY_AFTER_CAP_S 60
#define SY_API_DEFAULT_MAX_RETRIES 4
#define SY_API_DEFAULT_BASE_DELAY_MS 250
#define SY_API_DEFAULT_TIMEOUT_S 30

struct _SyApiClient
{
  GObject      parent_instance;

  SoupSession *session;
  GUri        *base_uri;
  char        *base_url;
  char        *token;
  guint        max_retries;
  guint        base_delay_ms;
  guint        timeout_s;
};

G_DEFINE_FINAL_TYPE (SyApiClient, sy_api_client, G_TYPE_OBJECT)

typedef struct
{
  char         *method;
  GUri         *uri;
  char         *path;
  GBytes       *body;
  gboolean      idempotent;
  gboolean      body_required;
  guint         attempts;

  SoupMessage  *message;
  gsize         body_limit;
  GCancellable *attempt_cancellable;
  GSource      *timeout_source;
  GSource      *connect_source;
  GSource      *wait_source;
  GSource      *cancel_source;
  gboolean      timed_out;
  gboolean      connect_timed_out;
} Request;

static void
source_clear (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
request_clear_sources (Request *request)
{
  source_clear (&request->timeout_source);
  source_clear (&request->connect_source);
  source_clear (&request->wait_source);
  source_clear (&request->cancel_source);
}

static void
request_free (Request *request)
{
  request_clear_sources (request);
  g_clear_object (&request->message);
  g_clear_object (&request->attempt_cancellable);
  g_clear_pointer (&request->uri, g_uri_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request->method);
  g_free (request->path);
  g_free (request);
}

static void
sy_api_client_finalize (GObject *object)
{
  SyApiClient *self = SY_API_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->base_uri, g_uri_unref);
  g_free (self->base_url);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);

  G_OBJECT_CLASS (sy_api_client_parent_class)->finalize (object);
}

static void
sy_api_client_class_init (SyApiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_api_client_finalize;
}

static void
sy_api_client_init (SyApiClient *self)
{
  self->max_retries = SY_API_DEFAULT_MAX_RETRIES;
  self->base_delay_ms = SY_API_DEFAULT_BASE_DELAY_MS;
  self->timeout_s = SY_API_DEFAULT_TIMEOUT_S;
}

static guint
connect_timeout_s (SyApiClient *self)
{
  return MIN (SY_API_CONNECT_TIMEOUT_S, MAX (self->timeout_s / 2, 1));
}

static GError *
invalid_url_error (const char *message)
{
  return sy_api_error_new_full (SY_API_ERROR_INVALID_URL, 0, NULL, 0, NULL, message);
}

/* Parses and normalises a base URL: http or https, a host, no user info
 * (credentials belong in the keyring), no query or fragment, and no
 * trailing slash so that paths can be appended as they are. */
static GUri *
parse_base_url (const char  *base_url,
                GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *stripped = NULL;
  g_autofree char *path = NULL;
  const char *scheme;
  const char *host;
  gboolean is_https;
  int port;

  if (base_url == NULL || *base_url == '\0')
    {
      g_propagate_error (error, invalid_url_error (_("Enter the address of the API, for example https://api.makini.io.")));
      return NULL;
    }

  stripped = g_strstrip (g_strdup (base_url));
  uri = g_uri_parse (stripped, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a web address. Enter an address such as https://api.makini.io."), stripped);
      g_propagate_error (error, invalid_url_error (message));
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_autofree char *message = g_strdup_printf (_("The address must start with https:// (or http:// for a local server), not “%s:”."), scheme);
      g_propagate_error (error, invalid_url_error (message));
      return NULL;
    }

  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    {
      g_autofree char *message = g_strdup_printf (_("The address “%s” has no server name. Enter an address such as https://api.makini.io."), stripped);
      g_propagate_error (error, invalid_url_error (message));
      return NULL;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_propagate_error (error, invalid_url_error (_("The address must not contain a user name or password; the token is entered separately.")));
      return NULL;
    }

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_propagate_error (error, invalid_url_error (_("The address must not contain “?” or “#”. Enter only the server’s address, such as https://api.makini.io.")));
      return NULL;
    }

  path = g_strdup (g_uri_get_path (uri));
  while (*path != '\0' && path[strlen (path) - 1] == '/')
    path[strlen (path) - 1] = '\0';

  is_https = g_ascii_strcasecmp (scheme, "https") == 0;
  port = g_uri_get_port (uri);
  if ((is_https && port == 443) || (!is_https && port == 80))
    port = -1;

  /* Without scheme normalisation, so that the default port stays implicit
   * (-1) rather than being reported as 443 or 80. */
  return g_uri_build (G_URI_FLAGS_ENCODED, is_https ? "https" : "http",
                      NULL, host, port, path, NULL, NULL);
}

SyApiClient *
sy_api_client_new (const char  *base_url,
                   const char  *token,
                   GError     **error)
{
  g_autoptr(SyApiClient) self = NULL;
  g_autoptr(GUri) base_uri = NULL;
  g_autofree char *user_agent = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  base_uri = parse_base_url (base_url, error);
  if (base_uri == NULL)
    return NULL;

  self = g_object_new (SY_TYPE_API_CLIENT, NULL);
  self->base_uri = g_steal_pointer (&base_uri);
  /* Not g_uri_to_string(): scheme normalisation would add a "/" path. */
  self->base_url = g_uri_join (G_URI_FLAGS_ENCODED,
                               g_uri_get_scheme (self->base_uri),
                               NULL,
                               g_uri_get_host (self->base_uri),
                               g_uri_get_port (self->base_uri),
                               g_uri_get_path (self->base_uri),
                               NULL, NULL);
  self->token = g_strdup (token);

  /* TLS verification stays libsoup's default (the system trust store);
   * nothing here ever accepts a certificate the system refuses. */
  user_agent = g_strdup_printf ("Switchyard/%s", PACKAGE_VERSION);
  /* libsoup allows two connections per host by default: a sync job's
   * writes in flight, plus a lookup or two, need one each. */
  self->session = soup_session_new_with_options ("user-agent", user_agent,
                                                 "timeout", self->timeout_s,
                                                 "max-conns", 2 * SY_SYNC_CONCURRENCY_MAX + 8,
                                                 "max-conns-per-host", SY_SYNC_CONCURRENCY_MAX + 4,
                                                 NULL);

  return g_steal_pointer (&self);
}

const char *
sy_api_client_get_base_url (SyApiClient *self)
{
  g_return_val_if_fail (SY_IS_API_CLIENT (self), NULL);

  return self->base_url;
}

void
sy_api_client_set_token (SyApiClient *self,
                         const char  *token)
{
  g_return_if_fail (SY_IS_API_CLIENT (self));

  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  self->token = g_strdup (token);
}

void
sy_api_client_set_retry_policy (SyApiClient *self,
                                guint        max_retries,
                                guint        base_delay_ms)
{
  g_return_if_fail (SY_IS_API_CLIENT (self));

  self->max_retries = max_retries;
  self->base_delay_ms = base_delay_ms;
}

void
sy_api_client_set_timeout (SyApiClient *self,
                           guint        timeout_s)
{
  g_return_if_fail (SY_IS_API_CLIENT (self));
  g_return_if_fail (timeout_s > 0);

  self->timeout_s = timeout_s;
  g_object_set (self->session, "timeout", timeout_s, NULL);
}

void
sy_api_client_set_tls_database (SyApiClient  *self,
                                GTlsDatabase *database)
{
  g_return_if_fail (SY_IS_API_CLIENT (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  if (database != NULL)
    soup_session_set_tls_database (self->session, database);
  else
    {
      g_autoptr(GTlsDatabase) system = g_tls_backend_get_default_database (g_tls_backend_get_default ());

      soup_session_set_tls_database (self->session, system);
    }
}

static gboolean
is_safe_path_segment (const char *segment)
{
  if (*segment == '\0' || strcmp (segment, ".") == 0 || strcmp (segment, "..") == 0)
    return FALSE;

  for (const char *c = segment; *c != '\0'; c++)
    {
      if (!(g_ascii_islower (*c) || g_ascii_isdigit (*c) || *c == '-' || *c == '.' || *c == '_'))
        return FALSE;
    }

  return TRUE;
}

char *
sy_api_client_entity_path (const char  *entity,
                           GError     **error)
{
  g_auto(GStrv) segments = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (entity != NULL && *entity != '\0')
    segments = g_strsplit (entity, "/", -1);

  if (segments == NULL || g_strv_length (segments) < 2)
    goto invalid;

  for (guint i = 0; segments[i] != NULL; i++)
    {
      if (!is_safe_path_segment (segments[i]))
        goto invalid;
    }

  return g_strconcat ("/api/", entity, NULL);

invalid:
  {
    g_autofree char *message = g_strdup_printf (_("“%s” is not an entity name. Use the domain and the entity, for example wms/sales-orders."),
                                                entity ? entity : "");
    g_propagate_error (error, invalid_url_error (message));
    return NULL;
  }
}

/* Request ids are quoted to users and written to logs: keep only the
 * characters ids are made of, so a hostile server cannot inject text. */
static char *
sanitize_request_id (const char *value)
{
  g_autoptr(GString) id = NULL;

  if (value == NULL)
    return NULL;

  id = g_string_new (NULL);
  for (const char *c = value; *c != '\0' && id->len < SY_API_MAX_REQUEST_ID_CHARS; c++)
    {
      if (g_ascii_isalnum (*c) || strchr ("-_.:/+=", *c) != NULL)
        g_string_append_c (id, *c);
    }

  if (id->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&id), FALSE);
}

static char *
header_request_id (SoupMessage *message)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *names[] = { "X-Request-Id", "Request-Id", "X-Correlation-Id", "X-Amzn-RequestId" };

  /* Header lookups are case-insensitive, so X-Request-ID is covered too. */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = soup_message_headers_get_one (headers, names[i]);

      if (value != NULL && *value != '\0')
        return sanitize_request_id (value);
    }

  return NULL;
}

/* Seconds to wait from a Retry-After header: delta-seconds or an
 * HTTP-date. Returns 0 when absent or unusable. */
static guint
parse_retry_after (SoupMessage *message)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (message), "Retry-After");
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) now = NULL;
  guint64 seconds = 0;
  GTimeSpan delta;

  if (value == NULL)
    return 0;

  while (g_ascii_isspace (*value))
    value++;

  if (g_ascii_isdigit (*value))
    {
      if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &seconds, NULL))
        {
          g_autofree char *trimmed = g_strstrip (g_strdup (value));

          if (!g_ascii_string_to_unsigned (trimmed, 10, 0, G_MAXUINT64, &seconds, NULL))
            return 0;
        }
      return (guint) MIN (seconds, (guint64) 24 * 3600);
    }

  date = soup_date_time_new_from_http_string (value);
  if (date == NULL)
    return 0;

  now = g_date_time_new_now_utc ();
  delta = g_date_time_difference (date, now);
  if (delta <= 0)
    return 0;

  /* Round up: waiting a little too long is harmless, too short is a 429. */
  return (guint) MIN ((delta + G_TIME_SPAN_SECOND - 1) / G_TIME_SPAN_SECOND, (GTimeSpan) 24 * 3600);
}

static char *
html_title (const char *html,
            gsize       length)
{
  g_autofree char *text = g_strndup (html, MIN (length, (gsize) 64 * 1024));
  g_autofree char *lower = g_ascii_strdown (text, -1);
  const char *open = strstr (lower, "<title");
  const char *start;
  const char *end;

  if (open == NULL || (start = strchr (open, '>')) == NULL)
    return NULL;
  start++;
  end = strstr (start, "</title");
  if (end == NULL)
    return NULL;

  return sy_json_quote_server_text (text + (start - lower), end - start);
}

static void
field_errors_add (GHashTable *field_errors,
                  const char *field,
                  JsonNode   *messages)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (JSON_NODE_HOLDS_ARRAY (messages))
    {
      JsonArray *array = json_node_get_array (messages);

      for (guint i = 0; i < json_array_get_length (array) && i < 20; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          const char *text = NULL;
          g_autofree char *nested = NULL;

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
            text = json_node_get_string (element);
          else if (JSON_NODE_HOLDS_OBJECT (element))
            text = nested = sy_json_object_dup_text (json_node_get_object (element), "message");

          if (text != NULL)
            {
              g_autofree char *quoted = sy_json_quote_server_text (text, -1);
              if (quoted != NULL)
                g_strv_builder_add (builder, quoted);
            }
        }
    }
  else if (JSON_NODE_HOLDS_VALUE (messages) && json_node_get_value_type (messages) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (messages);
      g_autofree char *quoted = sy_json_quote_server_text (text, -1);

      if (quoted != NULL)
        g_strv_builder_add (builder, quoted);
    }

  g_hash_table_insert (field_errors,
                       g_strdup (field),
                       g_strv_builder_end (builder));
}

typedef struct
{
  char       *message;
  char       *request_id;
  GHashTable *field_errors;
} ErrorBody;

static void
error_body_clear (ErrorBody *body)
{
  g_clear_pointer (&body->message, g_free);
  g_clear_pointer (&body->request_id, g_free);
  g_clear_pointer (&body->field_errors, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ErrorBody, error_body_clear)

static void
error_body_from_json_object (ErrorBody  *out,
                             JsonObject *object)
{
  const char *message_members[] = { "message", "error_description", "detail", "title", "error" };
  g_autofree char *request_id = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (message_members) && out->message == NULL; i++)
    {
      g_autofree char *text = sy_json_object_dup_text (object, message_members[i]);

      if (text != NULL)
        out->message = sy_json_quote_server_text (text, -1);
    }

  /* {"error": {"message": ...}} */
  if (out->message == NULL && json_object_has_member (object, "error") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "error")))
    {
      JsonObject *nested = json_object_get_object_member (object, "error");
      g_autofree char *text = sy_json_object_dup_text (nested, "message");

      if (text != NULL)
        out->message = sy_json_quote_server_text (text, -1);
    }

  request_id = sy_json_object_dup_text (object, "request_id");
  if (request_id == NULL)
    request_id = sy_json_object_dup_text (object, "requestId");
  out->request_id = sanitize_request_id (request_id);

  if (json_object_has_member (object, "errors") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "errors")))
    {
      JsonObject *errors = json_object_get_object_member (object, "errors");
      JsonObjectIter iter;
      const char *field;
      JsonNode *messages;

      out->field_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
      json_object_iter_init (&iter, errors);
      while (json_object_iter_next (&iter, &field, &messages))
        field_errors_add (out->field_errors, field, messages);
    }
}

/* Whatever the server put in an error answer: JSON with or without a
 * message, a JSON array, an HTML error page, plain text, or nothing. */
static void
error_body_parse (ErrorBody   *out,
                  SoupMessage *message,
                  GBytes      *bytes)
{
  const char *content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (message), NULL);
  gsize length = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &length) : NULL;
  g_autoptr(JsonParser) parser = NULL;

  if (data == NULL || length == 0)
    return;

  if (length <= SY_API_MAX_ERROR_BODY)
    {
      parser = json_parser_new_immutable ();
      if (sy_json_parser_load (parser, data, length, NULL) && json_parser_get_root (parser) != NULL)
        {
          JsonNode *root = json_parser_get_root (parser);

          if (JSON_NODE_HOLDS_OBJECT (root))
            {
              error_body_from_json_object (out, json_node_get_object (root));
            }
          else if (JSON_NODE_HOLDS_ARRAY (root) && json_array_get_length (json_node_get_array (root)) > 0)
            {
              JsonNode *first = json_array_get_element (json_node_get_array (root), 0);

              if (JSON_NODE_HOLDS_OBJECT (first))
                error_body_from_json_object (out, json_node_get_object (first));
              else if (JSON_NODE_HOLDS_VALUE (first) && json_node_get_value_type (first) == G_TYPE_STRING)
                out->message = sy_json_quote_server_text (json_node_get_string (first), -1);
            }
          else if (JSON_NODE_HOLDS_VALUE (root) && json_node_get_value_type (root) == G_TYPE_STRING)
            {
              out->message = sy_json_quote_server_text (json_node_get_string (root), -1);
            }
          return;
        }
    }

  if ((content_type != NULL && g_str_has_suffix (content_type, "html")) ||
      g_ascii_strncasecmp (data, "<!doctype html", MIN (length, 14)) == 0 ||
      g_ascii_strncasecmp (data, "<html", MIN (length, 5)) == 0)
    {
      out->message = html_title (data, length);
      return;
    }

  if (content_type == NULL || g_str_has_prefix (content_type, "text/"))
    out->message = sy_json_quote_server_text (data, length);
}

static char *
uri_host_and_port (GUri *uri)
{
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));

  return g_strdup (g_uri_get_host (uri));
}

static GError *
finish_error (SyApiError  code,
              guint       status,
              const char *request_id,
              guint       retry_after,
              GHashTable *field_errors,
              GString    *message,
              const char *server_message)
{
  if (server_message != NULL)
    {
      g_string_append_c (message, ' ');
      g_string_append_printf (message, _("The server said: “%s”"), server_message);
    }
  if (request_id != NULL)
    g_string_append_printf (message, _(" (request id %s)"), request_id);

  return sy_api_error_new_full (code, status, request_id, retry_after, field_errors, message->str);
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
append_field_errors (GString    *message,
                     GHashTable *field_errors)
{
  g_autofree const char **fields = NULL;
  guint n_fields = 0;

  if (field_errors == NULL || g_hash_table_size (field_errors) == 0)
    return;

  fields = (const char **) g_hash_table_get_keys_as_array (field_errors, &n_fields);
  qsort (fields, n_fields, sizeof (char *), compare_strings);

  for (guint i = 0; i < n_fields && i < 5; i++)
    {
      const char * const *messages = g_hash_table_lookup (field_errors, fields[i]);
      g_autoptr(GString) joined = g_string_new (NULL);

      for (guint j = 0; messages != NULL && messages[j] != NULL; j++)
        {
          if (joined->len > 0)
            g_string_append (joined, joined->str[joined->len - 1] == '.' ? " " : "; ");
          g_string_append (joined, messages[j]);
        }
      /* The sentence gets its own full stop. */
      if (joined->len > 0 && joined->str[joined->len - 1] == '.')
        g_string_truncate (joined, joined->len - 1);

      g_string_append_c (message, ' ');
      g_string_append_printf (message, _("%s: %s."), fields[i], joined->len > 0 ? joined->str : _("invalid"));
    }
  if (n_fields > 5)
    {
      g_string_append_c (message, ' ');
      g_string_append_printf (message, _("And %u more fields."), n_fields - 5);
    }
}

static GError *
status_error (Request     *request,
              SoupMessage *message,
              GBytes      *bytes)
{
  guint status = soup_message_get_status (message);
  g_auto(ErrorBody) body = { NULL, NULL, NULL };
  g_autofree char *request_id = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  guint retry_after = parse_retry_after (message);

  error_body_parse (&body, message, bytes);
  request_id = header_request_id (message);
  if (request_id == NULL)
    request_id = g_steal_pointer (&body.request_id);

  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      g_string_append (text, _("The server rejected the token (HTTP 401). Paste a new token or re-authorise the connection."));
      return finish_error (SY_API_ERROR_UNAUTHORIZED, status, request_id, 0, NULL, text, body.message);

    case SOUP_STATUS_FORBIDDEN:
      g_string_append_printf (text, _("The token is not allowed to access %s (HTTP 403). Check the connection’s permissions."), request->path);
      return finish_error (SY_API_ERROR_FORBIDDEN, status, request_id, 0, NULL, text, body.message);

    case SOUP_STATUS_NOT_FOUND:
      g_string_append_printf (text, _("The server has nothing at %s (HTTP 404)."), request->path);
      return finish_error (SY_API_ERROR_NOT_FOUND, status, request_id, 0, NULL, text, body.message);

    case SOUP_STATUS_UNPROCESSABLE_ENTITY:
      g_string_append (text, _("The server rejected the data (HTTP 422)."));
      if (body.message != NULL)
        {
          g_string_append_c (text, ' ');
          g_string_append_printf (text, _("The server said: “%s”"), body.message);
        }
      append_field_errors (text, body.field_errors);
      return finish_error (SY_API_ERROR_VALIDATION, status, request_id, 0, body.field_errors, text, NULL);

    case 429: /* Too Many Requests; libsoup 3.2 has no name for it */
      if (retry_after > 0)
        g_string_append_printf (text,
                                ngettext ("The server is limiting requests (HTTP 429). Try again in %u second.",
                                          "The server is limiting requests (HTTP 429). Try again in %u seconds.",
                                          retry_after),
                                retry_after);
      else
        g_string_append (text, _("The server is limiting requests (HTTP 429). Try again later."));
      return finish_error (SY_API_ERROR_RATE_LIMITED, status, request_id, retry_after, NULL, text, body.message);

    default:
      break;
    }

  if (SOUP_STATUS_IS_SERVER_ERROR (status))
    {
      g_string_append_printf (text, _("The server failed to handle the request (HTTP %u). Try again later."), status);
      return finish_error (SY_API_ERROR_SERVER, status, request_id, retry_after, NULL, text, body.message);
    }

  if (SOUP_STATUS_IS_REDIRECTION (status))
    {
      const char *location = soup_message_headers_get_one (soup_message_get_response_headers (message), "Location");
      g_autofree char *quoted = location ? sy_json_quote_server_text (location, -1) : NULL;

      /* Redirects are not followed: the token must not travel to a
       * server the user did not configure. */
      g_string_append_printf (text, _("The server sent the request elsewhere (HTTP %u, to %s). Check the connection’s address."),
                              status, quoted ? quoted : _("an unknown address"));
      return finish_error (SY_API_ERROR_HTTP, status, request_id, 0, NULL, text, NULL);
    }

  g_string_append_printf (text, _("The server answered %s with an unexpected status (HTTP %u)."), request->path, status);
  return finish_error (SY_API_ERROR_HTTP, status, request_id, 0, NULL, text, body.message);
}

static GError *
transport_error (Request      *request,
                 SyApiClient  *self,
                 const GError *cause)
{
  g_autofree char *host = uri_host_and_port (request->uri);
  g_autoptr(GString) text = g_string_new (NULL);
  SyApiError code = SY_API_ERROR_NETWORK;

  if (request->connect_timed_out)
    {
      guint seconds = connect_timeout_s (self);

      g_string_append_printf (text,
                              ngettext ("The server %s could not be connected to within %u second.",
                                        "The server %s could not be connected to within %u seconds.",
                                        seconds),
                              host, seconds);
    }
  else if (request->timed_out || g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_string_append_printf (text,
                            ngettext ("The server %s did not answer within %u second.",
                                      "The server %s did not answer within %u seconds.",
                                      self->timeout_s),
                            host, self->timeout_s);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    g_string_append_printf (text, _("The server %s refused the connection. Check the address and that the server is running."), host);
  else if (cause->domain == G_RESOLVER_ERROR)
    g_string_append_printf (text, _("The server name %s could not be found. Check the address and the network connection."), g_uri_get_host (request->uri));
  else if (cause->domain == G_TLS_ERROR)
    g_string_append_printf (text, _("A secure connection to %s could not be established: %s"), host, cause->message);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
           g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
    g_string_append_printf (text, _("The server %s cannot be reached. Check the network connection."), host);
  else if (g_error_matches (cause, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_PARSING) ||
           g_error_matches (cause, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_ENCODING))
    {
      code = SY_API_ERROR_INVALID_RESPONSE;
      g_string_append_printf (text, _("The server %s sent an answer that is not valid HTTP: %s"), host, cause->message);
    }
  else
    g_string_append_printf (text, _("The connection to %s failed: %s"), host, cause->message);

  return sy_api_error_new_full (code, 0, NULL, 0, NULL, text->str);
}

static guint
backoff_delay_ms (SyApiClient *self,
                  guint        retry_index,
                  guint        retry_after_s)
{
  if (retry_after_s > 0)
    return MIN (retry_after_s, SY_API_RETRY_AFTER_CAP_S) * 1000;

  return sy_backoff_delay_ms (self->base_delay_ms, retry_index, SY_API_BACKOFF_CAP_MS);
}

static void start_attempt (GTask *task);

static gboolean
on_wait_done (gpointer user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);

  g_clear_pointer (&request->wait_source, g_source_unref);
  start_attempt (task);

  return G_SOURCE_REMOVE;
}

static void
request_return_error (GTask  *task,
                      GError *error)
{
  Request *request = g_task_get_task_data (task);

  request_clear_sources (request);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
request_return_node (GTask    *task,
                     JsonNode *node)
{
  Request *request = g_task_get_task_data (task);

  request_clear_sources (request);
  g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

static void
retry_or_fail (GTask  *task,
               GError *error)
{
  SyApiClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  guint retries_done = request->attempts - 1;
  guint delay_ms;

  if (!request->idempotent || !sy_api_error_is_transient (error) || retries_done >= self->max_retries)
    {
      /* Only worth saying when retrying was what failed. */
      if (request->attempts > 1 && sy_api_error_is_transient (error))
        {
          g_autofree char *message = g_strdup_printf (ngettext ("%s Gave up after %u attempt.",
                                                                "%s Gave up after %u attempts.",
                                                                request->attempts),
                                                      error->message, request->attempts);
          g_free (error->message);
          error->message = g_steal_pointer (&message);
        }
      request_return_error (task, error);
      return;
    }

  delay_ms = backoff_delay_ms (self, retries_done, sy_api_error_get_retry_after (error));
  g_debug ("%s %s: retrying in %u ms (%s)", request->method, request->path, delay_ms,
           sy_api_error_get_status (error) ? "status" : "network");
  g_error_free (error);

  request->wait_source = g_timeout_source_new (delay_ms);
  g_source_set_name (request->wait_source, "[switchyard] api retry wait");
  g_source_set_callback (request->wait_source, on_wait_done, task, NULL);
  g_source_attach (request->wait_source, g_task_get_context (task));
}

static void
parse_in_thread (GTask        *parse_task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GBytes *bytes = task_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  GError *error = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  if (!sy_json_parser_load (parser, data, length, &error))
    {
      g_task_return_error (parse_task, error);
      return;
    }

  if (json_parser_get_root (parser) == NULL)
    g_task_return_pointer (parse_task, NULL, NULL);
  else
    g_task_return_pointer (parse_task, json_node_ref (json_parser_get_root (parser)), (GDestroyNotify) json_node_unref);
}

static void
return_parsed_body (GTask        *task,
                    JsonNode     *root,
                    const GError *parse_error,
                    guint         status,
                    const char   *content_type,
                    const char   *request_id)
{
  Request *request = g_task_get_task_data (task);
  g_autoptr(GString) text = NULL;

  if (root != NULL)
    {
      request_return_node (task, root);
      return;
    }

  text = g_string_new (NULL);
  if (g_error_matches (parse_error, SY_JSON_ERROR, SY_JSON_ERROR_TOO_DEEP))
    g_string_append_printf (text, _("The server’s answer to %s nests lists and objects more than %u levels deep; it was not read. Check that the address points at the API."),
                            request->path, SY_JSON_MAX_DEPTH);
  else if (content_type != NULL)
    g_string_append_printf (text, _("The server’s answer to %s is not JSON (HTTP %u, %s). Check that the address points at the API."),
                            request->path, status, content_type);
  else
    g_string_append_printf (text, _("The server’s answer to %s is not JSON (HTTP %u). Check that the address points at the API."),
                            request->path, status);
  request_return_error (task, finish_error (SY_API_ERROR_INVALID_RESPONSE, status, request_id, 0, NULL, text, NULL));
}

typedef struct
{
  GTask *task;
  guint  status;
  char  *content_type;
  char  *request_id;
} ParseContext;

static void
on_parsed_in_thread (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  ParseContext *context = user_data;
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root = g_task_propagate_pointer (G_TASK (result), &parse_error);

  if (g_task_return_error_if_cancelled (context->task))
    {
      g_clear_pointer (&root, json_node_unref);
      request_clear_sources (g_task_get_task_data (context->task));
      g_object_unref (context->task);
    }
  else
    {
      return_parsed_body (context->task, root, parse_error, context->status, context->content_type, context->request_id);
    }

  g_free (context->content_type);
  g_free (context->request_id);
  g_free (context);
}

static void
handle_success (GTask       *task,
                SoupMessage *message,
                GBytes      *bytes)
{
  Request *request = g_task_get_task_data (task);
  guint status = soup_message_get_status (message);
  g_autofree char *request_id = header_request_id (message);
  const char *content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (message), NULL);
  gsize length = bytes ? g_bytes_get_size (bytes) : 0;

  if (length == 0)
    {
      g_autoptr(GString) text = NULL;

      if (status == SOUP_STATUS_NO_CONTENT || !request->body_required)
        {
          request_return_node (task, json_node_new (JSON_NODE_NULL));
          return;
        }

      text = g_string_new (NULL);
      g_string_append_printf (text, _("The server sent an empty answer to %s (HTTP %u)."), request->path, status);
      request_return_error (task, finish_error (SY_API_ERROR_INVALID_RESPONSE, status, request_id, 0, NULL, text, NULL));
      return;
    }

  if (length > SY_API_THREADED_PARSE_THRESHOLD)
    {
      ParseContext *context = g_new0 (ParseContext, 1);
      g_autoptr(GTask) parse_task = NULL;

      context->task = task;
      context->status = status;
      context->content_type = g_strdup (content_type);
      context->request_id = g_steal_pointer (&request_id);

      parse_task = g_task_new (NULL, NULL, on_parsed_in_thread, context);
      g_task_set_source_tag (parse_task, handle_success);
      g_task_set_task_data (parse_task, g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
      g_task_run_in_thread (parse_task, parse_in_thread);
      return;
    }

  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) parse_error = NULL;
    JsonNode *root = NULL;

    if (sy_json_parser_load (parser, g_bytes_get_data (bytes, NULL), length, &parse_error) &&
        json_parser_get_root (parser) != NULL)
      root = json_node_ref (json_parser_get_root (parser));

    return_parsed_body (task, root, parse_error, status, content_type, request_id);
  }
}

static GError *
too_large_error (Request *request,
                 guint    status)
{
  g_autofree char *limit = g_format_size (request->body_limit);
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_append_printf (text, _("The server’s answer to %s is too large (more than %s). Reading stopped there; check that the address points at the API."),
                          request->path, limit);
  return finish_error (SY_API_ERROR_INVALID_RESPONSE, status, NULL, 0, NULL, text, NULL);
}

/* The attempt is over, one way or the other: its timers and its
 * cancellable go; the message stays for the answer's headers. */
static void
attempt_end (Request *request)
{
  source_clear (&request->timeout_source);
  source_clear (&request->connect_source);
  g_clear_object (&request->attempt_cancellable);
}

/* A failure while sending or reading: the caller cancelled, or the
 * network or the deadline failed us. */
static void
attempt_failed (GTask  *task,
                GError *error)
{
  SyApiClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);

  attempt_end (request);
  g_clear_object (&request->message);

  if (g_task_return_error_if_cancelled (task))
    {
      g_debug ("%s %s: cancelled", request->method, request->path);
      request_clear_sources (request);
      g_object_unref (task);
      return;
    }

  g_debug ("%s %s: no answer (%s)", request->method, request->path,
           request->timed_out ? "timed out" : g_quark_to_string (error->domain));
  retry_or_fail (task, transport_error (request, self, error));
}

static void
on_body_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SoupMessage) message = NULL;
  gboolean truncated = FALSE;
  guint status;

  bytes = sy_http_body_read_finish (result, &truncated, &error);
  if (bytes == NULL)
    {
      attempt_failed (task, error);
      return;
    }

  message = g_steal_pointer (&request->message);
  attempt_end (request);
  status = soup_message_get_status (message);

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      /* An error's message is in its head; the rest was never read. */
      retry_or_fail (task, status_error (request, message, bytes));
      return;
    }

  if (truncated)
    {
      g_debug ("%s %s: answer larger than %" G_GSIZE_FORMAT " bytes", request->method, request->path,
               request->body_limit);
      /* Not retried: the same request would bring the same answer. */
      request_return_error (task, too_large_error (request, status));
      return;
    }

  handle_success (task, message, bytes);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *request_id = NULL;
  goffset declared;
  guint status;

  stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  /* Connected: from here on only the overall deadline counts. */
  source_clear (&request->connect_source);
  if (stream == NULL)
    {
      attempt_failed (task, error);
      return;
    }

  status = soup_message_get_status (request->message);
  request_id = header_request_id (request->message);
  g_debug ("%s %s -> %u (request id %s)", request->method, request->path, status,
           request_id ? request_id : "none");

  request->body_limit = SOUP_STATUS_IS_SUCCESSFUL (status) ? SY_API_MAX_BODY : SY_API_MAX_ERROR_BODY;
  declared = soup_message_headers_get_content_length (soup_message_get_response_headers (request->message));
  if (SOUP_STATUS_IS_SUCCESSFUL (status) && declared > 0 && (guint64) declared > request->body_limit)
    {
      /* Closing unread drops the connection rather than reading it all. */
      g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      attempt_end (request);
      g_clear_object (&request->message);
      request_return_error (task, too_large_error (request, status));
      return;
    }

  sy_http_body_read_async (stream, request->body_limit, request->attempt_cancellable, on_body_read, task);
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);

  request->timed_out = TRUE;
  request->connect_timed_out = TRUE;
  g_clear_pointer (&request->connect_source, g_source_unref);
  if (request->attempt_cancellable != NULL)
    g_cancellable_cancel (request->attempt_cancellable);

  return G_SOURCE_REMOVE;
}

/* The request is on a connection (new or kept alive) once its headers
 * are written: the connect timeout has done its job. */
static void
on_wrote_headers (SoupMessage *message,
                  gpointer     user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);

  source_clear (&request->connect_source);
}

static gboolean
on_attempt_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);

  request->timed_out = TRUE;
  g_clear_pointer (&request->timeout_source, g_source_unref);
  if (request->attempt_cancellable != NULL)
    g_cancellable_cancel (request->attempt_cancellable);

  return G_SOURCE_REMOVE;
}

static gboolean
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);

  g_clear_pointer (&request->cancel_source, g_source_unref);

  if (request->attempt_cancellable != NULL)
    {
      /* The send callback will see the cancellation and return it. */
      g_cancellable_cancel (request->attempt_cancellable);
    }
  else if (request->wait_source != NULL)
    {
      g_debug ("%s %s: cancelled while waiting to retry", request->method, request->path);
      request_clear_sources (request);
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
    }

  return G_SOURCE_REMOVE;
}

static void
start_attempt (GTask *task)
{
  SyApiClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  SoupMessageHeaders *headers;
  g_autofree char *authorization = NULL;

  request->attempts++;
  request->timed_out = FALSE;
  request->connect_timed_out = FALSE;
  request->message = soup_message_new_from_uri (request->method, request->uri);
  g_signal_connect_object (request->message, "wrote-headers", G_CALLBACK (on_wrote_headers), task, 0);
  soup_message_add_flags (request->message, SOUP_MESSAGE_NO_REDIRECT);

  headers = soup_message_get_request_headers (request->message);
  soup_message_headers_replace (headers, "Accept", "application/json");
  /* By default libsoup opens a new connection for every POST, as reusing
   * one risks a silent resend. That resend only ever happens for methods
   * that are idempotent by definition (libsoup checks the method, not this
   * flag, before restarting a request whose kept-alive connection was
   * closed under it), so the flag only lets a create reuse a kept-alive
   * connection: no handshake per record, and no idle connections piling up
   * over a long sync. A create that fails on such a connection ends with a
   * network error, which the caller treats as an unknown outcome. */
  if (g_str_equal (request->method, "POST"))
    soup_message_add_flags (request->message, SOUP_MESSAGE_IDEMPOTENT);
  /* GET and PUT go on a connection of their own. libsoup 3.2 restarts an
   * idempotent request by itself when a kept-alive connection is closed
   * under it, and that path can complete the message twice and crash
   * (run_until_read_done() holds no reference on its queue item; seen
   * with a server dropping connections, as switchyard-sandbox
   * --drop-rate does and real servers do at their keep-alive timeout).
   * On a new connection there is nothing to restart: the failure comes
   * back to us, and GET and PUT are retried here anyway. */
  else
    soup_message_add_flags (request->message, SOUP_MESSAGE_NEW_CONNECTION);
  if (self->token != NULL && *self->token != '\0')
    {
      authorization = g_strconcat ("Bearer ", self->token, NULL);
      soup_message_headers_replace (headers, "Authorization", authorization);
      memset (authorization, 0, strlen (authorization));
    }
  if (request->body != NULL)
    soup_message_set_request_body_from_bytes (request->message, "application/json", request->body);

  request->attempt_cancellable = g_cancellable_new ();

  /* libsoup's own timeout only notices a server that goes silent; one
   * that trickles a byte now and then is stopped by this deadline, which
   * covers the whole attempt, from connecting to the answer's last byte. */
  request->timeout_source = g_timeout_source_new_seconds (self->timeout_s);
  g_source_set_name (request->timeout_source, "[switchyard] api request timeout");
  g_source_set_callback (request->timeout_source, on_attempt_timeout, task, NULL);
  g_source_attach (request->timeout_source, g_task_get_context (task));

  if (connect_timeout_s (self) < self->timeout_s)
    {
      request->connect_source = g_timeout_source_new_seconds (connect_timeout_s (self));
      g_source_set_name (request->connect_source, "[switchyard] api connect timeout");
      g_source_set_callback (request->connect_source, on_connect_timeout, task, NULL);
      g_source_attach (request->connect_source, g_task_get_context (task));
    }

  soup_session_send_async (self->session,
                           request->message,
                           G_PRIORITY_DEFAULT,
                           request->attempt_cancellable,
                           on_sent,
                           task);
}

static int
uri_port (GUri *uri)
{
  int port = g_uri_get_port (uri);

  if (port > 0)
    return port;

  return g_str_equal (g_uri_get_scheme (uri), "https") ? 443 : 80;
}

static void
start_request (SyApiClient         *self,
               const char          *method,
               const char          *path_and_query,
               GBytes              *body,
               gboolean             body_required,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task;
  Request *request;
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) parse_error = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, "[switchyard] api request");

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  url = g_strconcat (self->base_url, path_and_query[0] == '/' ? "" : "/", path_and_query, NULL);
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &parse_error);
  /* Whatever the path holds, the token goes to the configured server only. */
  if (uri != NULL &&
      (g_strcmp0 (g_uri_get_host (uri), g_uri_get_host (self->base_uri)) != 0 ||
       uri_port (uri) != uri_port (self->base_uri) ||
       g_strcmp0 (g_uri_get_scheme (uri), g_uri_get_scheme (self->base_uri)) != 0))
    {
      g_clear_pointer (&uri, g_uri_unref);
      g_set_error_literal (&parse_error, G_URI_ERROR, G_URI_ERROR_BAD_PATH, _("it leads to another server"));
    }
  if (uri == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” cannot be requested: %s"), path_and_query, parse_error->message);
      g_task_return_error (task, invalid_url_error (message));
      g_object_unref (task);
      return;
    }

  request = g_new0 (Request, 1);
  request->method = g_strdup (method);
  request->path = g_strdup (g_uri_get_path (uri));
  request->uri = g_steal_pointer (&uri);
  request->body = body ? g_bytes_ref (body) : NULL;
  request->idempotent = g_str_equal (method, "GET") || g_str_equal (method, "PUT") ||
                        g_str_equal (method, "DELETE") || g_str_equal (method, "HEAD");
  request->body_required = body_required;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  if (cancellable != NULL)
    {
      request->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_name (request->cancel_source, "[switchyard] api request cancel");
      g_source_set_callback (request->cancel_source, (GSourceFunc) G_CALLBACK (on_caller_cancelled), task, NULL);
      g_source_attach (request->cancel_source, g_task_get_context (task));
    }

  start_attempt (task);
}

void
sy_api_client_get_async (SyApiClient         *self,
                         const char          *path_and_query,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (SY_IS_API_CLIENT (self));
  g_return_if_fail (path_and_query != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_request (self, "GET", path_and_query, NULL, TRUE,
                 sy_api_client_get_async, cancellable, callback, user_data);
}

JsonNode *
sy_api_client_get_finish (SyApiClient   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (SY_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_api_client_get_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sy_api_client_send_async (SyApiClient         *self,
                          const char          *method,
                          const char          *path,
                          JsonNode            *body,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_if_fail (SY_IS_API_CLIENT (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (g_str_equal (method, "POST") || g_str_equal (method, "PUT") ||
                    g_str_equal (method, "PATCH") || g_str_equal (method, "DELETE"));
  g_return_if_fail (path != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (body != NULL)
    {
      gsize length = 0;
      char *json = json_to_string (body, FALSE);

      length = strlen (json);
      bytes = g_bytes_new_take (json, length);
    }

  /* A create must answer with the record (its key goes into the key map);
   * an update or a delete may legitimately answer with nothing. */
  start_request (self, method, path, bytes, g_str_equal (method, "POST"),
                 sy_api_client_send_async, cancellable, callback, user_data);
}

JsonNode *
sy_api_client_send_finish (SyApiClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (SY_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_api_client_send_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_current_integration (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonNode *data;
  JsonObject *object;

  root = sy_api_client_get_finish (SY_API_CLIENT (source), result, &error);
  if (root == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_task_return_error (task, sy_api_error_new_full (SY_API_ERROR_INVALID_RESPONSE, 200, NULL, 0, NULL,
                                                        _("The server’s description of the connection is not a JSON object. Check that the address points at the API.")));
      return;
    }

  /* The API wraps it in {"data": ...}; tolerate servers that do not. */
  data = sy_json_unwrap_data (root);
  if (!JSON_NODE_HOLDS_OBJECT (data))
    {
      g_task_return_error (task, sy_api_error_new_full (SY_API_ERROR_INVALID_RESPONSE, 200, NULL, 0, NULL,
                                                        _("The server’s description of the connection has no data. Check that the address points at the API.")));
      return;
    }
  object = json_node_get_object (data);

  g_task_return_pointer (task, json_object_ref (object), (GDestroyNotify) json_object_unref);
}

void
sy_api_client_get_current_integration_async (SyApiClient         *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SY_IS_API_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_api_client_get_current_integration_async);
  sy_api_client_get_async (self, "/api/integrations/current", cancellable, on_current_integration, task);
}

JsonObject *
sy_api_client_get_current_integration_finish (SyApiClient   *self,
                                              GAsyncResult  *result,
                                              GError       **error)
{
  g_return_val_if_fail (SY_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_api_client_get_current_integration_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
