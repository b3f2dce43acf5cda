/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-automation.h"
#include "sy-catalogue.h"
#include "sy-connection.h"
#include "sy-connection-store.h"
#include "sy-state-store.h"
#include "sy-webhook-receiver.h"

G_BEGIN_DECLS

#define SY_TYPE_WEBHOOK_RECEIVERS (sy_webhook_receivers_get_type ())
G_DECLARE_FINAL_TYPE (SyWebhookReceivers, sy_webhook_receivers, SY, WEBHOOK_RECEIVERS, GObject)

/* The running webhook receivers of a process, at most one per connection
 * (by id), and where their events go: each accepted event is a change for
 * the automation, when one is set (sy_automation_notify_change()). The
 * GUI's application owns one, so that a receiver outlives the page that
 * started it.
 *
 * Signals:
 *   "changed"  (const char *connection_id): a receiver started or stopped.
 *   "delivery" (SyWebhookReceiver *receiver, guint status, const char *verdict,
 *               gpointer event): a receiver's "delivery", forwarded (also
 *               for an event a receiver stopped meanwhile was storing);
 *               accepted events go to the automation the same way.
 *   "event-accepted" (const char *connection_name, const char *entity,
 *               const char *record_key): after an accepted event went to
 *               the automation (sy_automation_notify_event(), which marks
 *               the event with the run it starts). */
SyWebhookReceivers *sy_webhook_receivers_new            (SyStateStore        *state,
                                                         SyCatalogue         *catalogue);

/* Where accepted events go from now on (NULL: nowhere). */
void                sy_webhook_receivers_set_automation (SyWebhookReceivers  *self,
                                                         SyAutomation        *automation);

/* Starts a receiver for connection with secret on address (NULL:
 * 127.0.0.1) and port (0: a free one), replacing (stopping) the one it had.
 * Returns it (owned by self), or NULL with the error of
 * sy_webhook_receiver_listen(), the connection then having none. */
SyWebhookReceiver  *sy_webhook_receivers_start          (SyWebhookReceivers  *self,
                                                         SyConnection        *connection,
                                                         const char          *secret,
                                                         const char          *address,
                                                         guint                port,
                                                         GError             **error);
/* Stops the connection's receiver, if it has one. */
void                sy_webhook_receivers_stop           (SyWebhookReceivers  *self,
                                                         const char          *connection_id);
void                sy_webhook_receivers_stop_all       (SyWebhookReceivers  *self);
/* Stops the receivers of connections that connections no longer has (a
 * connection removed while its receiver ran). */
void                sy_webhook_receivers_stop_removed   (SyWebhookReceivers  *self,
                                                         SyConnectionStore   *connections);
/* The connection's running receiver, or NULL. */
SyWebhookReceiver  *sy_webhook_receivers_lookup         (SyWebhookReceivers  *self,
                                                         const char          *connection_id);

G_END_DECLS
