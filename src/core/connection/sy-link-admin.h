/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-api-client.h"
#include "sy-connection.h"
#include "sy-token-keeper.h"

G_BEGIN_DECLS

/* The admin flow (docs/architecture.md §3): an integration app's client
 * id and secret give an admin token (client_credentials at POST
 * /link/token), which lists the providers and their required fields and
 * creates a connection with POST /api/system/connections. The admin
 * token lives in the returned client only; the system's credentials are
 * sent once and kept nowhere. */

/* connection gives the address and transport settings. */
void          sy_link_admin_sign_in_async            (SyConnection        *connection,
                                                      const char          *client_id,
                                                      const char          *client_secret,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
SyApiClient  *sy_link_admin_sign_in_finish           (GAsyncResult        *result,
                                                      GError             **error);

/* Finishes with the "data" array of GET /api/system/platforms: objects
 * with "id", "name", "domain" and "fields" ([{"name", "label",
 * "required", "secret"}]). */
void          sy_link_admin_list_providers_async     (SyApiClient         *admin,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
JsonArray    *sy_link_admin_list_providers_finish    (GAsyncResult        *result,
                                                      GError             **error);

/* credentials: field name → value (strings). A 422 names the fields. */
void          sy_link_admin_create_connection_async  (SyApiClient         *admin,
                                                      const char          *name,
                                                      const char          *email,
                                                      const char          *provider,
                                                      GHashTable          *credentials,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
SyTokenGrant *sy_link_admin_create_connection_finish (GAsyncResult        *result,
                                                      GError             **error);

G_END_DECLS
