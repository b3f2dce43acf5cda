/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-automation.h"
#include "sy-catalogue.h"
#include "sy-connection.h"
#include "sy-connection-store.h"
#include "sy-secret-store.h"
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
/* Starts a receiver, on the address and port kept with the connection,
 * for every connection of connections whose receiver is enabled
 * (sy_webhook_settings_get_receiver()) and whose webhook secret is in
 * secrets, each secret looked up asynchronously. A receiver that cannot
 * start (no secret, port in use) is not fatal: the connection has none,
 * the reason is logged and kept (sy_webhook_receivers_get_start_error())
 * and "changed" is emitted for it. Finishes when every one was tried;
 * FALSE only when cancelled. The GUI's application calls it at startup. */
void                sy_webhook_receivers_start_enabled_async  (SyWebhookReceivers  *self,
                                                               SyConnectionStore   *connections,
                                                               SySecretStore       *secrets,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
gboolean            sy_webhook_receivers_start_enabled_finish (SyWebhookReceivers  *self,
                                                               GAsyncResult        *result,
                                                               GError             **error);
/* Why the connection's last start failed (sy_webhook_receivers_start() or
 * the enabled ones' start), or NULL: cleared when it starts or is stopped. */
const GError       *sy_webhook_receivers_get_start_error      (SyWebhookReceivers  *self,
                                                               const char          *connection_id);

/* The connection's running receiver, or NULL. */
SyWebhookReceiver  *sy_webhook_receivers_lookup         (SyWebhookReceivers  *self,
                                                         const char          *connection_id);

G_END_DECLS
