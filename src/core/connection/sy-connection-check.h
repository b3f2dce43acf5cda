/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-api-client.h"
#include "sy-connection-services.h"
#include "sy-connection.h"
#include "sy-secret-store.h"

G_BEGIN_DECLS

/* Looks up the connection's token, builds a client and asks the server
 * which integration the token is for. Sets the connection's status (and
 * its platform and domain if they were unknown) whatever the outcome, and
 * finishes with the client on success. */
void         sy_check_connection_async      (SySecretStore       *secrets,
                                             SyConnection        *connection,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
SyApiClient *sy_check_connection_finish     (GAsyncResult        *result,
                                             GError             **error);

/* Asks the server of a connection that may not be saved yet which
 * integration token belongs to (no keyring involved), with the client the
 * connection's settings allow: finishes with the "data" object of
 * /api/integrations/current. */
void         sy_test_token_async            (SyConnection        *connection,
                                             const char          *token,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
JsonObject  *sy_test_token_finish           (GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
