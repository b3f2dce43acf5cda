/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-connection.h"
#include "sy-secret-store.h"
#include "sy-webhook-signature.h"

G_BEGIN_DECLS

/* How a connection's sender signs its webhook deliveries: the scheme and
 * the header name live in the connection's options in connections.json
 * ("webhook": {"scheme": "makini", "header": "X-Signature"}); the secret
 * lives in the keyring (kind SY_SECRET_KIND_WEBHOOK_SECRET), never in a
 * file. A connection without settings uses makini and its header. */

/* The scheme kept for the connection, or makini when none (or one this
 * version does not know) is kept. */
SyWebhookScheme  sy_webhook_settings_get_scheme      (SyConnection     *connection);
/* The header kept for the connection, else the scheme's default. */
const char      *sy_webhook_settings_get_header      (SyConnection     *connection);
/* Whether the connection has any webhook settings at all. */
gboolean         sy_webhook_settings_is_configured   (SyConnection     *connection);
/* Keeps scheme and header (NULL: the scheme's default) in the options;
 * save the connection store afterwards. */
void             sy_webhook_settings_set             (SyConnection     *connection,
                                                      SyWebhookScheme   scheme,
                                                      const char       *header);

/* Whether a receiver is to run for the connection whenever the GUI
 * application runs ("webhook": {"receive": {"enabled": true, "address":
 * "127.0.0.1", "port": 8421}}): TRUE with the address (NULL when none was
 * kept: 127.0.0.1; free it) and the port (0: a free one each time). */
gboolean         sy_webhook_settings_get_receiver    (SyConnection     *connection,
                                                      char            **address,
                                                      guint            *port);
/* Keeps whether a receiver is to run, on address (NULL: 127.0.0.1) and
 * port; save the connection store afterwards. */
void             sy_webhook_settings_set_receiver    (SyConnection     *connection,
                                                      gboolean          enabled,
                                                      const char       *address,
                                                      guint             port);

/* Whether text can be an HTTP header name (an RFC 9110 token). */
gboolean         sy_webhook_settings_validate_header (const char       *header,
                                                      GError          **error);
/* Whether text can be a webhook secret: not empty, no control characters,
 * not absurdly long. Never quotes the secret. */
gboolean         sy_webhook_settings_validate_secret (const char       *secret,
                                                      GError          **error);

/* The connection's webhook secret in the keyring (replaces any). */
void             sy_webhook_settings_store_secret_async   (SySecretStore       *secrets,
                                                           SyConnection        *connection,
                                                           const char          *secret,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean         sy_webhook_settings_store_secret_finish  (SySecretStore       *secrets,
                                                           GAsyncResult        *result,
                                                           GError             **error);
/* Finishes with the secret (free it with sy_secret_free()), or NULL and
 * SY_SECRET_ERROR_NOT_FOUND with a message that says how to set one. */
void             sy_webhook_settings_lookup_secret_async  (SySecretStore       *secrets,
                                                           SyConnection        *connection,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
char            *sy_webhook_settings_lookup_secret_finish (SySecretStore       *secrets,
                                                           GAsyncResult        *result,
                                                           GError             **error);

G_END_DECLS
