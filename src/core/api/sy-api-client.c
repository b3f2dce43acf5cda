/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-api"

#include <string.h>

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "sy-api-client-private.h"
#include "sy-api-error-private.h"
#include "sy-api-url-private.h"
#include "sy-backoff.h"
#include "sy-http-exchange.h"
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
/* Connecting (resolving, TCP, TLS) gets this long at most, and half the
 * overall deadline when that is shorter, so that a server that cannot be
 * reached is told apart from one that is slow to answer. */
#define SY_API_CONNECT_TIMEOUT_S 15
#define SY_API_BACKOFF_CAP_MS 30000
/* A server asking for a longer pause than this is still retried after this
 * long: a user waiting on a sync should not see it stall for an hour. */
#define SY_API_RETRY_AFTER_CAP_S 60
#define SY_API_DEFAULT_MAX_RETRIES 4
#define SY_API_DEFAULT_BASE_DELAY_MS 250
#define SY_API_DEFAULT_TIMEOUT_S 30
/* How long a cancelled attempt may take to end before it is left behind
 * (see on_attempt_abandoned). */
#define SY_API_ABANDON_GRACE_S 5

struct _SyApiClient
{
  GObject      parent_instance;

  SoupSession *session;
  GUri        *base_uri;
  char        *base_url;
  char        *token;
  GFunc        on_success;
  gpointer     on_success_data;
  GDestroyNotify on_success_destroy;
  /* When set, lends the token instead of the one above. */
  SyApiAuthenticator *authenticator;
  guint        max_retries;
  guint        base_delay_ms;
  guint        timeout_s;
  guint        abandoned_attempts;
  guint        late_answers;
};

G_DEFINE_FINAL_TYPE (SyApiClient, sy_api_client, G_TYPE_OBJECT)

typedef struct
{
  char         *method;
  GUri         *uri;
  char         *path;
  GBytes       *body;
  const char   *body_type;
  /* The bearer token of the last attempt, to tell the authenticator
   * which token a 401 refused. */
  char         *sent_token;
  gboolean      refreshed_ahead;
  gboolean      refreshed_after_refusal;
  /* Waiting for the connection's shared refresh; a caller's cancel ends
   * the request at once, and the refresh's callback then finds it over. */
  gboolean      awaiting_refresh;
  gboolean      returned_early;
  gboolean      idempotent;
  gboolean      body_required;
  guint         attempts;

  SoupMessage  *message;
  SyHttpExchange *exchange;
  GCancellable *attempt_cancellable;
  GSource      *timeout_source;
  GSource      *connect_source;
  GSource      *wait_source;
  GSource      *cancel_source;
  GSource      *abandon_source;
  /* The attempt whose answer is awaited from libsoup, 0 when none. */
  guint         live_attempt;
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
  source_clear (&request->abandon_source);
}

/* What a libsoup callback gets instead of the task: an attempt that was
 * left behind may still call back after the request retried or ended. */
typedef struct
{
  GWeakRef task;
  GWeakRef client;
  guint    attempt;
} AttemptToken;

static AttemptToken *
attempt_token_new (GTask *task,
                   guint  attempt)
{
  AttemptToken *token = g_new0 (AttemptToken, 1);

  g_weak_ref_init (&token->task, task);
  g_weak_ref_init (&token->client, g_task_get_source_object (task));
  token->attempt = attempt;
  return token;
}

/* The token's task, or NULL when the attempt is no longer the one awaited. */
static GTask *
attempt_token_take_task (AttemptToken *token)
{
  GTask *task = g_weak_ref_get (&token->task);
  guint attempt = token->attempt;

  g_weak_ref_clear (&token->task);
  g_weak_ref_clear (&token->client);
  g_free (token);

  if (task != NULL && ((Request *) g_task_get_task_data (task))->live_attempt != attempt)
    g_clear_object (&task);
  return task;
}

static void
wipe_string (char **text)
{
  if (*text != NULL)
    memset (*text, 0, strlen (*text));
  g_clear_pointer (text, g_free);
}

static void
wipe_and_free (gpointer text)
{
  wipe_string ((char **) &text);
}

static void
request_free (Request *request)
{
  request_clear_sources (request);
  g_clear_object (&request->message);
  g_clear_object (&request->exchange);
  g_clear_object (&request->attempt_cancellable);
  g_clear_pointer (&request->uri, g_uri_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  wipe_string (&request->sent_token);
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
  wipe_string (&self->token);
  g_clear_object (&self->authenticator);
  if (self->on_success_destroy != NULL)
    self->on_success_destroy (self->on_success_data);

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

SyApiClient *
sy_api_client_new (const char  *base_url,
                   const char  *token,
                   GError     **error)
{
  g_autoptr(SyApiClient) self = NULL;
  g_autoptr(GUri) base_uri = NULL;
  g_autofree char *user_agent = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  base_uri = sy_api_parse_base_url (base_url, error);
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
   * writes in flight, plus a lookup or two, need one each.
   * No idle timeout: in libsoup 3.2 (up to 3.6 at least) a connection's
   * idle timer that expires while a request is being put on it
   * disconnects it under the request, which then never ends, not even
   * when cancelled. A sync meets that exactly after a pause as long as the
   * timeout (a minute, the usual Retry-After). Idle connections are closed
   * by the server instead; libsoup notices that before reusing one. */
  self->session = soup_session_new_with_options ("user-agent", user_agent,
                                                 "timeout", self->timeout_s,
                                                 "idle-timeout", 0,
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
sy_api_client_set_authenticator (SyApiClient        *self,
                                 SyApiAuthenticator *authenticator)
{
  g_return_if_fail (SY_IS_API_CLIENT (self));
  g_return_if_fail (authenticator == NULL || SY_IS_API_AUTHENTICATOR (authenticator));

  g_set_object (&self->authenticator, authenticator);
}

SyApiAuthenticator *
sy_api_client_get_authenticator (SyApiClient *self)
{
  g_return_val_if_fail (SY_IS_API_CLIENT (self), NULL);
  return self->authenticator;
}

void
sy_api_client_set_success_func (SyApiClient    *self,
                                GFunc           func,
                                gpointer        data,
                                GDestroyNotify  destroy)
{
  g_return_if_fail (SY_IS_API_CLIENT (self));

  if (self->on_success_destroy != NULL)
    self->on_success_destroy (self->on_success_data);
  self->on_success = func;
  self->on_success_data = data;
  self->on_success_destroy = destroy;
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
sy_api_client_set_idle_timeout (SyApiClient *self,
                                guint        idle_timeout_s)
{
  g_return_if_fail (SY_IS_API_CLIENT (self));

  g_object_set (self->session, "idle-timeout", idle_timeout_s, NULL);
}

guint
sy_api_client_get_abandoned_attempts (SyApiClient *self)
{
  g_return_val_if_fail (SY_IS_API_CLIENT (self), 0);

  return self->abandoned_attempts;
}

guint
sy_api_client_get_late_answers (SyApiClient *self)
{
  g_return_val_if_fail (SY_IS_API_CLIENT (self), 0);

  return self->late_answers;
}

guint
sy_api_client_get_max_connections_per_host (SyApiClient *self)
{
  g_return_val_if_fail (SY_IS_API_CLIENT (self), 0);

  return soup_session_get_max_conns_per_host (self->session);
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

static char *
uri_host_and_port (GUri *uri)
{
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));

  return g_strdup (g_uri_get_host (uri));
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
static void refresh_then_start (GTask *task);

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
  SyApiClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);

  if (self->on_success != NULL)
    self->on_success (self, self->on_success_data);

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
  else if (g_error_matches (parse_error, SY_JSON_ERROR, SY_JSON_ERROR_NUMBER_TOO_LARGE))
    g_string_append_printf (text, _("The server’s answer to %s holds a whole number too large to be kept exactly; it was not read, so that no wrong value is written on."),
                            request->path);
  else if (content_type != NULL)
    g_string_append_printf (text, _("The server’s answer to %s is not JSON (HTTP %u, %s). Check that the address points at the API."),
                            request->path, status, content_type);
  else
    g_string_append_printf (text, _("The server’s answer to %s is not JSON (HTTP %u). Check that the address points at the API."),
                            request->path, status);
  request_return_error (task, sy_api_finish_error (SY_API_ERROR_INVALID_RESPONSE, status, request_id, 0, NULL, text, NULL));
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
  g_autofree char *request_id = sy_api_header_request_id (message);
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
      request_return_error (task, sy_api_finish_error (SY_API_ERROR_INVALID_RESPONSE, status, request_id, 0, NULL, text, NULL));
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
  g_autofree char *limit = g_format_size (SY_API_MAX_BODY);
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_append_printf (text, _("The server’s answer to %s is too large (more than %s). Reading stopped there; check that the address points at the API."),
                          request->path, limit);
  return sy_api_finish_error (SY_API_ERROR_INVALID_RESPONSE, status, NULL, 0, NULL, text, NULL);
}

/* The attempt is over, one way or the other: its timers and its
 * cancellable go; the message stays for the answer's headers. */
static void
attempt_end (Request *request)
{
  source_clear (&request->timeout_source);
  source_clear (&request->connect_source);
  source_clear (&request->abandon_source);
  g_clear_object (&request->attempt_cancellable);
  g_clear_object (&request->exchange);
  request->live_attempt = 0;
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
on_exchanged (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AttemptToken *token = user_data;
  g_autoptr(SyApiClient) self = g_weak_ref_get (&token->client);
  g_autoptr(GTask) task = attempt_token_take_task (token);
  Request *request;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *request_id = NULL;
  gboolean truncated = FALSE;
  guint status;

  bytes = sy_http_exchange_run_finish (SY_HTTP_EXCHANGE (source), result, &truncated, &error);
  if (task == NULL)
    {
      /* An attempt left behind ends here too: what it brought is not wanted. */
      if (self != NULL)
        self->late_answers++;
      return;
    }
  request = g_task_get_task_data (task);
  if (bytes == NULL)
    {
      attempt_failed (task, error);
      return;
    }

  message = g_steal_pointer (&request->message);
  attempt_end (request);
  status = soup_message_get_status (message);
  request_id = sy_api_header_request_id (message);
  g_debug ("%s %s -> %u (request id %s)", request->method, request->path, status,
           request_id ? request_id : "none");

  if (status == SOUP_STATUS_UNAUTHORIZED && self->authenticator != NULL && !request->refreshed_after_refusal)
    {
      /* Refused before anything was done: sent again, create or not, once
       * the token is refreshed; a second refusal is the answer. */
      g_debug ("%s %s: token refused, refreshing it", request->method, request->path);
      request->refreshed_after_refusal = TRUE;
      request->attempts--;
      refresh_then_start (task);
      return;
    }

  if (status == SOUP_STATUS_UNAUTHORIZED && self->authenticator != NULL)
    {
      /* Renewed and still refused: pasting a token is not the fix. */
      request_return_error (task, sy_api_error_new_full (SY_API_ERROR_UNAUTHORIZED, status, request_id, 0, NULL,
                                                         _("The server refused the connection’s renewed sign-in (HTTP 401). Reconnect the connection.")));
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      /* An error's message is in its head; the rest was never read. */
      retry_or_fail (task, sy_api_status_error (request->path, message, bytes));
      return;
    }

  if (truncated)
    {
      g_debug ("%s %s: answer larger than %d bytes", request->method, request->path, SY_API_MAX_BODY);
      /* Not retried: the same request would bring the same answer. */
      request_return_error (task, too_large_error (request, status));
      return;
    }

  handle_success (task, message, bytes);
}

/* libsoup 3.2 can lose a message: cancelled, it never calls back, with
 * neither the answer nor the cancellation (see the idle timeout in
 * sy_api_client_new(); that cause is avoided, others may remain). The
 * request must still end: the attempt is left behind, and its callback,
 * should it ever come, finds that it is no longer the one awaited. */
static gboolean
on_attempt_abandoned (gpointer user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                                 "The cancelled request did not end");

  g_clear_pointer (&request->abandon_source, g_source_unref);
  ((SyApiClient *) g_task_get_source_object (task))->abandoned_attempts++;
  g_debug ("%s %s: the cancelled attempt did not end within %u s; leaving it behind", request->method,
           request->path, SY_API_ABANDON_GRACE_S);
  attempt_failed (task, error);

  return G_SOURCE_REMOVE;
}

/* Cancels the attempt under way; it ends through its callback, or is left
 * behind when that does not come. */
static void
cancel_attempt (GTask *task)
{
  g_autoptr(GTask) hold G_GNUC_UNUSED = g_object_ref (task);
  Request *request = g_task_get_task_data (task);

  if (request->attempt_cancellable == NULL)
    return;

  /* The callback may run in here and end the request. */
  g_cancellable_cancel (request->attempt_cancellable);
  if (request->live_attempt != 0 && request->abandon_source == NULL)
    {
      request->abandon_source = g_timeout_source_new_seconds (SY_API_ABANDON_GRACE_S);
      g_source_set_name (request->abandon_source, "[switchyard] api abandon attempt");
      g_source_set_callback (request->abandon_source, on_attempt_abandoned, task, NULL);
      g_source_attach (request->abandon_source, g_task_get_context (task));
    }
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);

  g_clear_pointer (&request->connect_source, g_source_unref);
  /* The request is on a connection (new or kept alive) once its headers
   * are written: from there on only the overall deadline counts. */
  if (request->exchange != NULL && sy_http_exchange_get_request_sent (request->exchange))
    return G_SOURCE_REMOVE;

  request->timed_out = TRUE;
  request->connect_timed_out = TRUE;
  cancel_attempt (task);

  return G_SOURCE_REMOVE;
}

static gboolean
on_attempt_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);

  request->timed_out = TRUE;
  g_clear_pointer (&request->timeout_source, g_source_unref);
  g_debug ("%s %s: no answer in time, cancelling the attempt", request->method, request->path);
  cancel_attempt (task);

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
      cancel_attempt (task);
    }
  else if (request->awaiting_refresh)
    {
      g_debug ("%s %s: cancelled while the token was being refreshed", request->method, request->path);
      request->returned_early = TRUE;
      request_clear_sources (request);
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
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
on_token_refreshed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  /* This callback's own reference (see refresh_then_start()). */
  g_autoptr(GTask) hold G_GNUC_UNUSED = user_data;
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean refreshed;

  refreshed = sy_api_authenticator_refresh_finish (SY_API_AUTHENTICATOR (source), result, &error);
  request->awaiting_refresh = FALSE;
  if (request->returned_early)
    return;
  if (g_task_return_error_if_cancelled (task))
    {
      request_clear_sources (request);
      g_object_unref (task);
      return;
    }

  /* Refreshing ahead of expiry may fail while the token still works:
   * the request goes on with it. After a refusal, it cannot. */
  if (!refreshed && request->refreshed_after_refusal)
    {
      request_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!refreshed)
    g_debug ("%s %s: could not refresh the token ahead of its expiry", request->method, request->path);

  start_attempt (task);
}

static void
refresh_then_start (GTask *task)
{
  SyApiClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);

  /* No caller's cancellable: the refresh is shared by every request of
   * the connection; this one checks for its cancellation afterwards. */
  request->awaiting_refresh = TRUE;
  sy_api_authenticator_refresh_async (self->authenticator, request->sent_token, NULL,
                                      on_token_refreshed, g_object_ref (task));
}

static void
start_attempt (GTask *task)
{
  SyApiClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  SoupMessageHeaders *headers;
  g_autofree char *authorization = NULL;

  if (self->authenticator != NULL && !request->refreshed_ahead &&
      sy_api_authenticator_wants_refresh (self->authenticator))
    {
      request->refreshed_ahead = TRUE;
      wipe_string (&request->sent_token);
      request->sent_token = sy_api_authenticator_dup_token (self->authenticator);
      refresh_then_start (task);
      return;
    }

  request->attempts++;
  request->timed_out = FALSE;
  request->connect_timed_out = FALSE;
  request->message = soup_message_new_from_uri (request->method, request->uri);
  soup_message_add_flags (request->message, SOUP_MESSAGE_NO_REDIRECT);

  headers = soup_message_get_request_headers (request->message);
  soup_message_headers_replace (headers, "Accept", "application/json");
  /* Every request may go on a kept-alive connection: one handshake per
   * connection, not per request, and no idle connections piling up over a
   * long sync. By default libsoup opens a new connection for every POST,
   * as reusing one risks a silent resend. That resend only ever happens
   * for methods that are idempotent by definition (libsoup checks the
   * method, not this flag, before restarting a request whose kept-alive
   * connection was closed under it), so the flag only lets a create reuse
   * a connection. A create that fails on such a connection ends with a
   * network error, which the caller treats as an unknown outcome; a GET or
   * PUT is sent again by libsoup, within the exchange (see
   * sy-http-exchange.c for why that must not be the asynchronous API). */
  if (g_str_equal (request->method, "POST"))
    soup_message_add_flags (request->message, SOUP_MESSAGE_IDEMPOTENT);
  wipe_string (&request->sent_token);
  request->sent_token = self->authenticator != NULL ? sy_api_authenticator_dup_token (self->authenticator)
                                                    : g_strdup (self->token);
  if (request->sent_token != NULL && *request->sent_token != '\0')
    {
      authorization = g_strconcat ("Bearer ", request->sent_token, NULL);
      soup_message_headers_replace (headers, "Authorization", authorization);
      memset (authorization, 0, strlen (authorization));
    }

  request->attempt_cancellable = g_cancellable_new ();
  request->live_attempt = request->attempts;

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

  request->exchange = sy_http_exchange_new (self->session, request->message, request->body_type, request->body,
                                            SY_API_MAX_BODY, SY_API_MAX_ERROR_BODY);
  sy_http_exchange_run_async (request->exchange, request->attempt_cancellable, on_exchanged,
                              attempt_token_new (task, request->live_attempt));
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
               const char          *body_type,
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
      g_task_return_error (task, sy_api_invalid_url_error (message));
      g_object_unref (task);
      return;
    }

  request = g_new0 (Request, 1);
  request->method = g_strdup (method);
  request->path = g_strdup (g_uri_get_path (uri));
  request->uri = g_steal_pointer (&uri);
  request->body = body ? g_bytes_ref (body) : NULL;
  request->body_type = body_type;
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

  start_request (self, "GET", path_and_query, NULL, NULL, TRUE,
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
      /* A body may hold credentials (creating a connection). */
      bytes = g_bytes_new_with_free_func (json, length, wipe_and_free, json);
    }

  /* A create must answer with the record (its key goes into the key map);
   * an update or a delete may legitimately answer with nothing. */
  start_request (self, method, path, bytes, "application/json", g_str_equal (method, "POST"),
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

void
sy_api_client_post_form_async (SyApiClient         *self,
                               const char          *path,
                               GHashTable          *form,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GBytes) bytes = NULL;
  char *encoded;

  g_return_if_fail (SY_IS_API_CLIENT (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (form != NULL);

  encoded = soup_form_encode_hash (form);
  /* The form holds secrets (a client secret, a code, a refresh token):
   * wiped once the request is over. */
  bytes = g_bytes_new_with_free_func (encoded, strlen (encoded), wipe_and_free, encoded);
  start_request (self, "POST", path, bytes, "application/x-www-form-urlencoded", TRUE,
                 sy_api_client_post_form_async, cancellable, callback, user_data);
}

JsonNode *
sy_api_client_post_form_finish (SyApiClient   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (SY_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_api_client_post_form_async, NULL);

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
