/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "sy-fuzz.h"
#include "sy-fuzz-http.h"

typedef struct
{
  guint   status;
  GStrv   headers; /* name, value, name, value, ... */
  GBytes *body;
} Answer;

static SoupServer *server;
static SyApiClient *client;
static GQueue answers = G_QUEUE_INIT;
static guint requests;

static void
answer_free (Answer *answer)
{
  g_strfreev (answer->headers);
  g_bytes_unref (answer->body);
  g_free (answer);
}

static void
handle (SoupServer        *unused_server,
        SoupServerMessage *message,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Answer *answer = g_queue_pop_head (&answers);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

  requests++;
  if (answer == NULL)
    {
      soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, "{\"data\":[]}", 11);
      return;
    }

  soup_server_message_set_status (message, answer->status, NULL);
  for (guint i = 0; answer->headers[i] != NULL && answer->headers[i + 1] != NULL; i += 2)
    soup_message_headers_append (headers, answer->headers[i], answer->headers[i + 1]);
  if (g_bytes_get_size (answer->body) > 0)
    soup_message_body_append_bytes (soup_server_message_get_response_body (message), answer->body);
  answer_free (answer);
}

SyApiClient *
sy_fuzz_http_get_client (void)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *url = NULL;

  if (client != NULL)
    return client;

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, handle, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));

  client = sy_api_client_new (url, "fuzz-token", &error);
  g_assert_no_error (error);
  sy_api_client_set_retry_policy (client, 0, 0);
  sy_api_client_set_timeout (client, 10);
  return client;
}

static gboolean
is_token (const char *name)
{
  if (*name == '\0')
    return FALSE;
  for (const char *c = name; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && strchr ("!#$%&'*+-.^_`|~", *c) == NULL)
      return FALSE;
  return TRUE;
}

/* libsoup refuses (with a warning) a value that would break the header
 * block; a server cannot send one either. */
static gboolean
is_header_value (const char *value)
{
  for (const char *c = value; *c != '\0'; c++)
    if ((guchar) *c < 0x20 && *c != '\t')
      return FALSE;
  return TRUE;
}

static gboolean
is_framing (const char *name)
{
  const char *framing[] = { "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "Trailer" };

  for (guint i = 0; i < G_N_ELEMENTS (framing); i++)
    if (g_ascii_strcasecmp (name, framing[i]) == 0)
      return TRUE;
  return FALSE;
}

static guint
fit_status (guint64 status)
{
  /* 1xx would leave the client waiting for a final answer. */
  if (status >= 200 && status <= 599)
    return status;
  return 200 + status % 400;
}

char *
sy_fuzz_http_queue_answer (GBytes *bytes)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  const char *end;
  const char *line = data;
  g_autoptr(GStrvBuilder) headers = g_strv_builder_new ();
  g_autofree char *word = NULL;
  Answer *answer = g_new0 (Answer, 1);
  gboolean first = TRUE;

  /* Empty bytes may have no data at all, and NULL + 0 is undefined. */
  if (data == NULL)
    data = line = "";
  end = data + size;
  answer->status = 200;
  while (line < end)
    {
      const char *newline = memchr (line, '\n', end - line);
      const char *line_end = newline != NULL ? newline : end;
      g_autofree char *text = g_strndup (line, line_end - line);

      line = newline != NULL ? newline + 1 : end;
      g_strchomp (text);
      if (first)
        {
          char *rest = NULL;
          guint64 status = g_ascii_strtoull (text, &rest, 10);

          answer->status = fit_status (status);
          g_strstrip (rest);
          if (*rest != '\0')
            word = g_strdup (rest);
          first = FALSE;
          continue;
        }
      if (*text == '\0')
        break;
      {
        char *colon = strchr (text, ':');

        if (colon == NULL)
          continue;
        *colon = '\0';
        if (!is_token (text) || is_framing (text) || !is_header_value (colon + 1))
          continue;
        g_strv_builder_add (headers, text);
        g_strv_builder_add (headers, g_strstrip (colon + 1));
      }
    }

  answer->headers = g_strv_builder_end (headers);
  answer->body = g_bytes_new_from_bytes (bytes, line - data, end - line);
  g_queue_push_tail (&answers, answer);

  return g_steal_pointer (&word);
}

void
sy_fuzz_http_queue_json (guint   status,
                         GBytes *body)
{
  Answer *answer = g_new0 (Answer, 1);
  const char * const headers[] = { "Content-Type", "application/json", NULL };

  answer->status = fit_status (status);
  answer->headers = g_strdupv ((char **) headers);
  answer->body = g_bytes_ref (body);
  g_queue_push_tail (&answers, answer);
}

guint
sy_fuzz_http_reset (void)
{
  guint answered = requests;

  g_queue_clear_full (&answers, (GDestroyNotify) answer_free);
  requests = 0;
  return answered;
}
