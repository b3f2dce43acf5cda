/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-connection-store.h"
#include "sy-secret-store.h"
#include "sy-state-store.h"
#include "sy-webhook-receivers.h"

G_BEGIN_DECLS

#define SY_TYPE_WEBHOOK_PANEL (sy_webhook_panel_get_type ())
G_DECLARE_FINAL_TYPE (SyWebhookPanel, sy_webhook_panel, SY, WEBHOOK_PANEL, AdwBin)

/* A connection's webhooks: the signing secret (kept in the keyring, never
 * shown), scheme and header (in connections.json), a switch that starts
 * or stops its receiver in the application's SyWebhookReceivers, the
 * address it listens on, and the connection's recent events. */
GtkWidget *sy_webhook_panel_new         (void);

/* Any of them may be NULL (the panel then shows what it can). */
void       sy_webhook_panel_set_context (SyWebhookPanel     *self,
                                         SyConnection       *connection,
                                         SyConnectionStore  *connections,
                                         SySecretStore      *secrets,
                                         SyStateStore       *state,
                                         SyWebhookReceivers *receivers);

/* Reads the recent events again (webhooks.refresh). */
void       sy_webhook_panel_refresh     (SyWebhookPanel     *self);
/* Whether a keyring or state.db request is still answering. */
gboolean   sy_webhook_panel_is_busy     (SyWebhookPanel     *self);
/* Whether the keyring holds a secret for the connection, as last looked up. */
gboolean   sy_webhook_panel_has_secret  (SyWebhookPanel     *self);

G_END_DECLS
