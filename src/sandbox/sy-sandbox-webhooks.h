/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Retries of a delivery the receiver failed (5xx, 429) or never answered:
 * after 0.5 s, 1 s, 2 s … at most this long apart, and at most this many
 * attempts in all. */
#define SY_SANDBOX_WEBHOOK_FIRST_DELAY_MS 500
#define SY_SANDBOX_WEBHOOK_MAX_DELAY_MS   30000
#define SY_SANDBOX_WEBHOOK_MAX_ATTEMPTS   8

#define SY_SANDBOX_WEBHOOK_DEFAULT_HEADER "X-Signature"

#define SY_TYPE_SANDBOX_WEBHOOKS (sy_sandbox_webhooks_get_type ())
G_DECLARE_FINAL_TYPE (SySandboxWebhooks, sy_sandbox_webhooks, SY, SANDBOX_WEBHOOKS, GObject)

/* The secret of --webhook-secret-file: a regular file, read once, less one
 * trailing newline; an empty secret is an error. */
char              *sy_sandbox_webhooks_read_secret    (const char        *path,
                                                       GError           **error);

/* header: where the signature goes; NULL: X-Signature. forge_rate: that share of events gets an extra delivery with a bad
 * signature and an event id of its own; repeat_rate: that share of
 * genuine deliveries is sent a second time, same body, once the first
 * copy is done. Both drawn from a rand seeded with seed. */
SySandboxWebhooks *sy_sandbox_webhooks_new            (const char        *url,
                                                       const char        *header,
                                                       const char        *secret,
                                                       double             forge_rate,
                                                       double             repeat_rate,
                                                       guint32            seed);

/* A record was created ("record.created") or changed ("record.updated"):
 * queues its delivery and returns at once. occurred_at: Unix seconds. */
void               sy_sandbox_webhooks_record_changed (SySandboxWebhooks *self,
                                                       const char        *type,
                                                       const char        *entity,
                                                       const char        *key,
                                                       gint64             occurred_at);

/* Sets the member "webhooks" of a /__sandbox/stats answer. */
void               sy_sandbox_webhooks_add_stats      (SySandboxWebhooks *self,
                                                       JsonObject        *stats);

/* Stops: deliveries waiting for a retry are dropped, those in flight
 * cancelled. Iterate the main context until get_n_in_flight() is 0 for
 * their callbacks to have run. */
void               sy_sandbox_webhooks_close          (SySandboxWebhooks *self);
guint              sy_sandbox_webhooks_get_n_in_flight (SySandboxWebhooks *self);

/* The makini signature: base64 of the HMAC-SHA256 of body with secret. */
char              *sy_sandbox_webhooks_sign           (const char        *secret,
                                                       const guint8      *body,
                                                       gsize              length);

G_END_DECLS
