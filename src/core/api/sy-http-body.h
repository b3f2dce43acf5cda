/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Reads an answer's body from stream to its end or to max_size bytes,
 * whichever comes first, and closes the stream (an answer left unread
 * closes its connection). Finishes with the bytes read; *truncated says
 * whether there was more. Never holds more than max_size plus one read. */
void    sy_http_body_read_async  (GInputStream         *stream,
                                  gsize                 max_size,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data);
GBytes *sy_http_body_read_finish (GAsyncResult         *result,
                                  gboolean             *truncated,
                                  GError              **error);
/* The same, blocking, for a worker thread; leaves closing to the caller. */
GBytes *sy_http_body_read        (GInputStream         *stream,
                                  gsize                 max_size,
                                  gboolean             *truncated,
                                  GCancellable         *cancellable,
                                  GError              **error);

G_END_DECLS
