/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-api"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "sy-api-error-private.h"
#include "sy-json.h"

/* Error answers of the unified API, read and described: the status, the
 * request id, Retry-After, and a 422's field errors, for SY_API_ERROR. */

#define SY_API_MAX_REQUEST_ID_CHARS 128

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

char *
sy_api_header_request_id (SoupMessage *message)
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
  /* A field's name is server text too: JSON's \ud800 alone decodes to
   * bytes that are not UTF-8 (found by fuzz-api-answer). */
  g_autofree char *name = sy_json_quote_server_text (field, -1);

  if (name == NULL)
    return;

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
                       g_steal_pointer (&name),
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

GError *
sy_api_finish_error (SyApiError  code,
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
      /* The server names the field: its name is server text like the rest
       * (a control character in it reached the message; found by fuzzing). */
      g_autofree char *field = sy_json_quote_server_text (fields[i], -1);

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
      g_string_append_printf (message, _("%s: %s."), field != NULL ? field : "?", joined->len > 0 ? joined->str : _("invalid"));
    }
  if (n_fields > 5)
    {
      g_string_append_c (message, ' ');
      g_string_append_printf (message, _("And %u more fields."), n_fields - 5);
    }
}

GError *
sy_api_status_error (const char  *path,
                     SoupMessage *message,
                     GBytes      *bytes)
{
  guint status = soup_message_get_status (message);
  g_auto(ErrorBody) body = { NULL, NULL, NULL };
  g_autofree char *request_id = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  guint retry_after = parse_retry_after (message);

  error_body_parse (&body, message, bytes);
  request_id = sy_api_header_request_id (message);
  if (request_id == NULL)
    request_id = g_steal_pointer (&body.request_id);

  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      g_string_append (text, _("The server rejected the token (HTTP 401). Paste a new token or re-authorise the connection."));
      return sy_api_finish_error (SY_API_ERROR_UNAUTHORIZED, status, request_id, 0, NULL, text, body.message);

    case SOUP_STATUS_FORBIDDEN:
      g_string_append_printf (text, _("The token is not allowed to access %s (HTTP 403). Check the connection’s permissions."), path);
      return sy_api_finish_error (SY_API_ERROR_FORBIDDEN, status, request_id, 0, NULL, text, body.message);

    case SOUP_STATUS_NOT_FOUND:
      g_string_append_printf (text, _("The server has nothing at %s (HTTP 404)."), path);
      return sy_api_finish_error (SY_API_ERROR_NOT_FOUND, status, request_id, 0, NULL, text, body.message);

    case SOUP_STATUS_UNPROCESSABLE_ENTITY:
      g_string_append (text, _("The server rejected the data (HTTP 422)."));
      if (body.message != NULL)
        {
          g_string_append_c (text, ' ');
          g_string_append_printf (text, _("The server said: “%s”"), body.message);
        }
      append_field_errors (text, body.field_errors);
      return sy_api_finish_error (SY_API_ERROR_VALIDATION, status, request_id, 0, body.field_errors, text, NULL);

    case 429: /* Too Many Requests; libsoup 3.2 has no name for it */
      if (retry_after > 0)
        g_string_append_printf (text,
                                ngettext ("The server is limiting requests (HTTP 429). Try again in %u second.",
                                          "The server is limiting requests (HTTP 429). Try again in %u seconds.",
                                          retry_after),
                                retry_after);
      else
        g_string_append (text, _("The server is limiting requests (HTTP 429). Try again later."));
      return sy_api_finish_error (SY_API_ERROR_RATE_LIMITED, status, request_id, retry_after, NULL, text, body.message);

    default:
      break;
    }

  if (SOUP_STATUS_IS_SERVER_ERROR (status))
    {
      g_string_append_printf (text, _("The server failed to handle the request (HTTP %u). Try again later."), status);
      return sy_api_finish_error (SY_API_ERROR_SERVER, status, request_id, retry_after, NULL, text, body.message);
    }

  if (SOUP_STATUS_IS_REDIRECTION (status))
    {
      const char *location = soup_message_headers_get_one (soup_message_get_response_headers (message), "Location");
      g_autofree char *quoted = location ? sy_json_quote_server_text (location, -1) : NULL;

      /* Redirects are not followed: the token must not travel to a
       * server the user did not configure. */
      g_string_append_printf (text, _("The server sent the request elsewhere (HTTP %u, to %s). Check the connection’s address."),
                              status, quoted ? quoted : _("an unknown address"));
      return sy_api_finish_error (SY_API_ERROR_HTTP, status, request_id, 0, NULL, text, NULL);
    }

  g_string_append_printf (text, _("The server answered %s with an unexpected status (HTTP %u)."), path, status);
  return sy_api_finish_error (SY_API_ERROR_HTTP, status, request_id, 0, NULL, text, body.message);
}
