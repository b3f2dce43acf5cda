/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-catalogue.h"
#include "sy-connection.h"
#include "sy-state-store.h"
#include "sy-state-store-webhooks.h"

G_BEGIN_DECLS

/* How far occurred_at may lie in the past before a delivery counts as a
 * replay, and how far in the future (a sender's clock running ahead). */
#define SY_WEBHOOK_RECEIVER_DEFAULT_TOLERANCE_S (60 * 60)
#define SY_WEBHOOK_RECEIVER_FUTURE_SKEW_S       (5 * 60)

#define SY_TYPE_WEBHOOK_RECEIVER (sy_webhook_receiver_get_type ())
G_DECLARE_FINAL_TYPE (SyWebhookReceiver, sy_webhook_receiver, SY, WEBHOOK_RECEIVER, GObject)

/* An HTTP server that takes one connection's signed webhook deliveries
 * (docs/architecture.md, webhooks). For each POST it caps the body, checks
 * the signature before reading a byte of it as JSON, refuses stale and
 * unknown deliveries, stores the event in state.db and only then answers
 * 200; a repeat answers 200 with {"duplicate": true} and is not acted on.
 * Scheme and header come from the connection's webhook settings.
 *
 * Signals:
 *   "event-accepted" (const char *connection_name, const char *entity,
 *                     const char *record_key): a genuine, first-seen event
 *                     was stored and answered.
 *   "delivery"       (guint status, const char *verdict, gpointer event):
 *                     every answered POST; verdict is "accepted",
 *                     "duplicate" or "rejected"; event is a const
 *                     SyWebhookEvent * (fields the receiver could not read
 *                     are NULL) valid during the emission only. */
SyWebhookReceiver *sy_webhook_receiver_new           (SyConnection       *connection,
                                                      const char         *secret,
                                                      SyStateStore       *state,
                                                      SyCatalogue        *catalogue);

/* Seconds occurred_at may be in the past (default 1 hour). */
void               sy_webhook_receiver_set_tolerance (SyWebhookReceiver  *self,
                                                      gint64              tolerance_s);

/* Starts listening on address (NULL: 127.0.0.1) and port (0: a free one).
 * A port in use is G_IO_ERROR_ADDRESS_IN_USE with a message naming it. */
gboolean           sy_webhook_receiver_listen        (SyWebhookReceiver  *self,
                                                      const char         *address,
                                                      guint               port,
                                                      GError            **error);
/* The bound port, 0 before listening. */
guint              sy_webhook_receiver_get_port      (SyWebhookReceiver  *self);
/* "http://ADDRESS:PORT/", NULL before listening. */
char              *sy_webhook_receiver_get_url       (SyWebhookReceiver  *self);
/* Stops listening and closes open connections; an event already being
 * stored is still stored (and signalled). */
void               sy_webhook_receiver_stop          (SyWebhookReceiver  *self);

SyConnection      *sy_webhook_receiver_get_connection (SyWebhookReceiver *self);

G_END_DECLS
