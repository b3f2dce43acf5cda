/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-api-client.h"
#include "sy-connection.h"
#include "sy-secret-store.h"

G_BEGIN_DECLS

/* What an error means, in words for the person using the application. */
char        *sy_describe_error              (const GError        *error);

/* "wms" for a warehouse platform, "erp", "eam", or NULL when unknown. */
const char  *sy_domain_for_platform         (const char          *platform);
/* The connection's domain, else the one its platform implies, or NULL. */
const char  *sy_connection_effective_domain (SyConnection        *connection);
/* A platform identifier as people write it: "mintsoft" → "Mintsoft". */
const char  *sy_platform_display_name       (const char          *platform);

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

/* Asks base_url which integration token belongs to (no keyring involved):
 * finishes with the "data" object of /api/integrations/current. */
void         sy_test_token_async            (const char          *base_url,
                                             const char          *token,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
JsonObject  *sy_test_token_finish           (GAsyncResult        *result,
                                             GError             **error);

/* The platform an integration object names ("platform" or "provider"). */
const char  *sy_integration_get_platform    (JsonObject          *integration);

G_END_DECLS
