/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-api"

#include "sy-http-body.h"
#include "sy-http-exchange.h"

/* Why threads: libsoup's asynchronous API crashes on requests it restarts
 * (docs/architecture.md §4, "Connections and libsoup").
 * Each request in flight holds a worker thread while it waits for its
 * answer. A sync has at most 32 writes in flight, plus a page read ahead
 * and the lookups of a batch; the rest of the application a few more.
 * Past this, requests queue for a thread (their deadlines still run). */
#define SY_HTTP_EXCHANGE_MAX_THREADS 128

struct _SyHttpExchange
{
  GObject       parent_instance;

  SoupSession  *session;
  SoupMessage  *message;
  GBytes       *request_body;
  char         *content_type;
  GMainContext *context;
  gsize         max_body;
  gsize         max_error_body;
  gulong        wrote_headers_id;
  gulong        restarted_id;
  gint          request_sent;    /* atomic */
  gboolean      truncated;       /* written by the worker before it returns */
  gboolean      started;
};

G_DEFINE_FINAL_TYPE (SyHttpExchange, sy_http_exchange, G_TYPE_OBJECT)

typedef struct
{
  SoupSession *session;
  SoupMessage *message;
} Leftovers;

static gboolean
release_leftovers (gpointer data)
{
  Leftovers *leftovers = data;

  g_clear_object (&leftovers->message);
  g_clear_object (&leftovers->session);
  g_free (leftovers);

  return G_SOURCE_REMOVE;
}

static void
sy_http_exchange_finalize (GObject *object)
{
  SyHttpExchange *self = SY_HTTP_EXCHANGE (object);
  Leftovers *leftovers = g_new0 (Leftovers, 1);

  g_clear_signal_handler (&self->wrote_headers_id, self->message);
  g_clear_signal_handler (&self->restarted_id, self->message);
  g_clear_pointer (&self->request_body, g_bytes_unref);
  g_free (self->content_type);
  /* The last reference may be dropped on the worker thread. The session
   * is let go on the context that uses it: were it the last reference (its
   * client gone while an abandoned attempt ran on), libsoup would tear it
   * down on a thread whose sources it does not own. On a worker the
   * thread-default context is its own (worker_context()), so this is
   * queued for the main loop, never run here. */
  leftovers->session = g_steal_pointer (&self->session);
  leftovers->message = g_steal_pointer (&self->message);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, release_leftovers, leftovers, NULL);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (sy_http_exchange_parent_class)->finalize (object);
}

static void
sy_http_exchange_class_init (SyHttpExchangeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_http_exchange_finalize;
}

static void
sy_http_exchange_init (SyHttpExchange *self)
{
}

void
sy_http_exchange_configure_process (void)
{
  /* HTTP/2's gain is many requests on one connection; libsoup 3.2 shares an
   * HTTP/2 connection only among requests of the thread that opened it, and
   * here each request in flight has its own thread. Measured over the TLS
   * sandbox (bench-tls, 2,000 records), HTTP/2 was no faster at concurrency
   * 8 or 32, and no test server speaks it by default: HTTP/1.1 it is.
   * SWITCHYARD_HTTP2=1 leaves libsoup's choice, to measure again. */
  if (g_strcmp0 (g_getenv ("SWITCHYARD_HTTP2"), "1") != 0)
    g_setenv ("SOUP_FORCE_HTTP1", "1", TRUE);
}

/* Emitted on the worker thread. */
static void
on_wrote_headers (SoupMessage *message,
                  gpointer     user_data)
{
  SyHttpExchange *self = user_data;

  g_atomic_int_set (&self->request_sent, TRUE);
}

/* libsoup forgets a request's body when it restarts the request (on a
 * kept-alive connection closed under it); a PUT would go out again with
 * none. Emitted on the worker thread, before the request is sent again. */
static void
on_restarted (SoupMessage *message,
              gpointer     user_data)
{
  SyHttpExchange *self = user_data;

  soup_message_set_request_body_from_bytes (message, self->content_type, self->request_body);
}

SyHttpExchange *
sy_http_exchange_new (SoupSession *session,
                      SoupMessage *message,
                      const char  *content_type,
                      GBytes      *request_body,
                      gsize        max_body,
                      gsize        max_error_body)
{
  SyHttpExchange *self;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (SOUP_IS_MESSAGE (message), NULL);

  self = g_object_new (SY_TYPE_HTTP_EXCHANGE, NULL);
  self->session = g_object_ref (session);
  self->message = g_object_ref (message);
  self->context = g_main_context_ref_thread_default ();
  self->max_body = max_body;
  self->max_error_body = max_error_body;
  self->wrote_headers_id = g_signal_connect (message, "wrote-headers", G_CALLBACK (on_wrote_headers), self);
  if (request_body != NULL)
    {
      self->request_body = g_bytes_ref (request_body);
      self->content_type = g_strdup (content_type);
      soup_message_set_request_body_from_bytes (message, content_type, request_body);
      self->restarted_id = g_signal_connect (message, "restarted", G_CALLBACK (on_restarted), self);
    }

  return self;
}

gboolean
sy_http_exchange_get_request_sent (SyHttpExchange *self)
{
  g_return_val_if_fail (SY_IS_HTTP_EXCHANGE (self), FALSE);

  return g_atomic_int_get (&self->request_sent);
}

/* How much of the answer is read. A 2xx answer that declares more than
 * max_body is not read at all (0, and truncated): closing it unread drops
 * the connection rather than reading megabytes only to refuse them. */
static gsize
answer_limit (SyHttpExchange *self)
{
  guint status = soup_message_get_status (self->message);
  gboolean success = SOUP_STATUS_IS_SUCCESSFUL (status);
  gsize limit = success ? self->max_body : self->max_error_body;
  goffset declared = soup_message_headers_get_content_length (soup_message_get_response_headers (self->message));

  if (success && declared > 0 && (guint64) declared > limit)
    {
      self->truncated = TRUE;
      return 0;
    }
  return limit;
}

static GBytes *
read_answer (SyHttpExchange  *self,
             GInputStream    *stream,
             GCancellable    *cancellable,
             GError         **error)
{
  gsize limit = answer_limit (self);

  if (limit == 0)
    return g_bytes_new (NULL, 0);
  return sy_http_body_read (stream, limit, &self->truncated, cancellable, error);
}

/* libsoup's asynchronous API, kept only to check a newer libsoup for the
 * bugs that made Switchyard leave it (SWITCHYARD_LIBSOUP_ASYNC=1; see
 * tests/libsoup/soak.sh): with it, GETs and PUTs on kept-alive connections
 * crash libsoup 3.2–3.6 when a server drops connections. */
static gboolean
use_async_api (void)
{
  static gsize checked;
  static gboolean use_async;

  if (g_once_init_enter (&checked))
    {
      use_async = g_strcmp0 (g_getenv ("SWITCHYARD_LIBSOUP_ASYNC"), "1") == 0;
      if (use_async)
        g_message ("SWITCHYARD_LIBSOUP_ASYNC=1: requests use libsoup’s asynchronous API, which can crash");
      g_once_init_leave (&checked, 1);
    }
  return use_async;
}

static void
on_async_body_read (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyHttpExchange *self = g_task_get_source_object (task);
  GError *error = NULL;
  GBytes *bytes = sy_http_body_read_finish (result, &self->truncated, &error);

  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

static void
on_async_sent (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyHttpExchange *self = g_task_get_source_object (task);
  GCancellable *cancellable;
  GError *error = NULL;
  g_autoptr(GInputStream) stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  gsize limit;

  if (stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  limit = answer_limit (self);
  if (limit == 0)
    {
      g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_task_return_pointer (task, g_bytes_new (NULL, 0), (GDestroyNotify) g_bytes_unref);
      return;
    }
  /* Not in the call's own arguments: their order of evaluation is not
   * defined, and the steal may come first. */
  cancellable = g_task_get_cancellable (task);
  sy_http_body_read_async (stream, limit, cancellable, on_async_body_read, g_steal_pointer (&task));
}

static void
exchange_in_worker (GTask *task)
{
  SyHttpExchange *self = g_task_get_source_object (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GInputStream) stream = NULL;
  GError *error = NULL;
  GBytes *bytes;

  /* Cancelled while it waited for a thread (or left behind): a request
   * sent now would only take a kept-alive connection to fail on it. */
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* libsoup's synchronous path restarts a request whose kept-alive
   * connection was closed under it within this one call; its
   * asynchronous path does it across main-loop iterations, and there a
   * late error of the first connection can end the second (libsoup 3.2
   * up to 3.6 at least). */
  stream = soup_session_send (self->session, self->message, cancellable, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  bytes = read_answer (self, stream, cancellable, &error);
  /* Closing also finishes writing the request; a server that answered
   * early and stopped reading would otherwise hold it to the timeout. */
  g_input_stream_close (stream, cancellable, NULL);
  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

/* Each worker thread's own main context, never iterated. libsoup 3.2
 * attaches a few things to the thread-default context, which on a worker
 * would otherwise be the main one: a host's keep-alive timer (which frees
 * the host without libsoup's lock when it fires: fixed in 3.3.0) and, when
 * the last reference to an exchange goes on the worker, the release of the
 * session (see sy_http_exchange_finalize()), which must happen on the main
 * thread. Here the timer never fires (hosts go with the session) and the
 * release is queued for the main loop. */
static GMainContext *
worker_context (void)
{
  static GPrivate context_key = G_PRIVATE_INIT ((GDestroyNotify) g_main_context_unref);
  GMainContext *context = g_private_get (&context_key);

  if (context == NULL)
    {
      context = g_main_context_new ();
      g_private_set (&context_key, context);
    }
  return context;
}

static void
run_in_worker (gpointer data,
               gpointer pool_data)
{
  GMainContext *context = worker_context ();
  GTask *task = data;

  g_main_context_push_thread_default (context);
  exchange_in_worker (task);
  g_object_unref (task);
  g_main_context_pop_thread_default (context);
}

static GThreadPool *
worker_pool (void)
{
  static gsize created;
  static GThreadPool *pool;

  if (g_once_init_enter (&created))
    {
      g_autoptr(GError) error = NULL;

      pool = g_thread_pool_new (run_in_worker, NULL, SY_HTTP_EXCHANGE_MAX_THREADS, FALSE, &error);
      /* A non-exclusive pool starts its threads on demand: nothing fails here. */
      g_assert_no_error (error);
      g_once_init_leave (&created, 1);
    }

  return pool;
}

void
sy_http_exchange_run_async (SyHttpExchange      *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SY_IS_HTTP_EXCHANGE (self));
  g_return_if_fail (!self->started);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  self->started = TRUE;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_http_exchange_run_async);
  g_task_set_name (task, "[switchyard] http exchange");
  /* An answer that arrived is worth more than a deadline that came too
   * late to stop it: a create's outcome is then known. (A caller's cancel
   * still wins: the request's own task checks its cancellable.) */
  g_task_set_check_cancellable (task, FALSE);

  if (use_async_api ())
    {
      soup_session_send_async (self->session, self->message, G_PRIORITY_DEFAULT, cancellable, on_async_sent,
                               g_steal_pointer (&task));
      return;
    }
  if (!g_thread_pool_push (worker_pool (), g_object_ref (task), &error))
    {
      g_object_unref (task);
      g_task_return_error (task, g_steal_pointer (&error));
    }
}

GBytes *
sy_http_exchange_run_finish (SyHttpExchange  *self,
                             GAsyncResult    *result,
                             gboolean        *truncated,
                             GError         **error)
{
  g_return_val_if_fail (SY_IS_HTTP_EXCHANGE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_http_exchange_run_async, NULL);

  if (truncated != NULL)
    *truncated = self->truncated;
  return g_task_propagate_pointer (G_TASK (result), error);
}
