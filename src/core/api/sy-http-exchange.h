/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define SY_TYPE_HTTP_EXCHANGE (sy_http_exchange_get_type ())

G_DECLARE_FINAL_TYPE (SyHttpExchange, sy_http_exchange, SY, HTTP_EXCHANGE, GObject)

/* Settles, for the whole process, what libsoup only reads from the
 * environment: HTTP/1.1 even where a server offers HTTP/2. Call at the
 * start of main(), before any thread exists. */
void            sy_http_exchange_configure_process (void);

/* One request and its answer, sent with libsoup's synchronous API on a
 * worker thread and finished on the caller's main context. Why not the
 * asynchronous API: see docs/architecture.md, "Connections and libsoup". */
/* request_body (with its content_type) is set on message here, and again
 * whenever libsoup restarts the request. */
SyHttpExchange *sy_http_exchange_new             (SoupSession          *session,
                                                  SoupMessage          *message,
                                                  const char           *content_type,
                                                  GBytes               *request_body,
                                                  gsize                 max_body,
                                                  gsize                 max_error_body);
void            sy_http_exchange_run_async       (SyHttpExchange       *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* The answer's body (its headers are on the message), read up to
 * max_body for a 2xx answer and max_error_body otherwise; *truncated says
 * there was more. NULL with error when no answer came. */
GBytes         *sy_http_exchange_run_finish      (SyHttpExchange       *self,
                                                  GAsyncResult         *result,
                                                  gboolean             *truncated,
                                                  GError              **error);
/* Whether the request's headers went out on a connection; safe to ask
 * while the exchange runs. */
gboolean        sy_http_exchange_get_request_sent (SyHttpExchange      *self);

G_END_DECLS
