/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-api-client.h"

G_BEGIN_DECLS

/* A real HTTP server on loopback, in the harness's own process and main
 * context, that answers each request with the next queued answer (and
 * with an empty list once the queue is empty). What the client reads
 * then goes through libsoup's own parsing, as it would from a server. */

/* Starts the server (once) and returns a client for it (one per process:
 * its connection is kept alive from one input to the next). No retries:
 * every input is one answer. */
SyApiClient *sy_fuzz_http_get_client   (void);

/* Parses "STATUS [WORD]\nName: value\n...\n\nBODY" (an HTTP answer in
 * short) and queues it; returns WORD (e.g. "POST"), or NULL. Header lines
 * that are not "Name: value" with a token name, and the headers that frame
 * the message (Content-Length, Transfer-Encoding, Connection), are left
 * out: the server frames the answer. A status outside 200–599 becomes
 * 200 + status % 400. */
char        *sy_fuzz_http_queue_answer (GBytes          *answer);
void         sy_fuzz_http_queue_json   (guint            status,
                                        GBytes          *body);
/* Empties the queue; returns how many requests were answered since the
 * last reset. */
guint        sy_fuzz_http_reset        (void);

G_END_DECLS
