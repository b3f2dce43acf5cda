/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-api-authenticator.h"

#include "sy-error.h"

G_BEGIN_DECLS

#define SY_TYPE_API_CLIENT (sy_api_client_get_type ())
G_DECLARE_FINAL_TYPE (SyApiClient, sy_api_client, SY, API_CLIENT, GObject)

/* A client of the unified API for one connection: one SoupSession, one
 * bearer token (held in memory only, never logged), JSON in and out.
 *
 * Idempotent requests (GET, PUT) are retried on 429, 5xx and network
 * errors, honouring Retry-After, otherwise with exponential backoff and
 * jitter, up to the retry limit. POST is never retried here: whether a
 * create may be sent again is the caller's decision. Failures are
 * SY_API_ERROR errors (see sy-error.h), cancellation G_IO_ERROR_CANCELLED,
 * and cancelling aborts the request in flight. TLS certificates are always
 * verified. */
SyApiClient *sy_api_client_new                  (const char          *base_url,
                                                 const char          *token,
                                                 GError             **error);

const char  *sy_api_client_get_base_url         (SyApiClient         *self);
void         sy_api_client_set_token            (SyApiClient         *self,
                                                 const char          *token);
/* A connection whose token expires lends it through an authenticator
 * (see sy-api-authenticator.h); the token given to _new() is then unused. */
void         sy_api_client_set_authenticator    (SyApiClient         *self,
                                                 SyApiAuthenticator  *authenticator);
SyApiAuthenticator *sy_api_client_get_authenticator (SyApiClient     *self);
/* func (client, data) is called on the main context after every request
 * that succeeded (a connection's health). */
void         sy_api_client_set_success_func     (SyApiClient         *self,
                                                 GFunc                func,
                                                 gpointer             data,
                                                 GDestroyNotify       destroy);
/* max_retries: retries after the first attempt (default 4); base_delay_ms:
 * the first backoff step (default 250); the backoff is capped at 30 s. */
void         sy_api_client_set_retry_policy     (SyApiClient         *self,
                                                 guint                max_retries,
                                                 guint                base_delay_ms);
/* Per-request timeout in seconds (default 30). Like the TLS database
 * below, set before the first request: requests run on worker threads,
 * and libsoup's session settings are not safe to change under them. */
void         sy_api_client_set_timeout          (SyApiClient         *self,
                                                 guint                timeout_s);

/* The certificate authorities this client trusts, instead of the system's
 * (a connection's own CA file). NULL restores the system's. Verification
 * itself is never switched off. */
void         sy_api_client_set_tls_database     (SyApiClient         *self,
                                                 GTlsDatabase        *database);

/* GET path_and_query (e.g. "/api/wms/products?page=2"), answer as JSON. */
void         sy_api_client_get_async            (SyApiClient         *self,
                                                 const char          *path_and_query,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
JsonNode    *sy_api_client_get_finish           (SyApiClient         *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* method is "POST" or "PUT"; body is sent as application/json. */
void         sy_api_client_send_async           (SyApiClient         *self,
                                                 const char          *method,
                                                 const char          *path,
                                                 JsonNode            *body,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
JsonNode    *sy_api_client_send_finish          (SyApiClient         *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* POST path with form as application/x-www-form-urlencoded (an OAuth
 * token endpoint); the answer as JSON. Not retried, like every POST. */
void         sy_api_client_post_form_async      (SyApiClient         *self,
                                                 const char          *path,
                                                 GHashTable          *form,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
JsonNode    *sy_api_client_post_form_finish     (SyApiClient         *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* GET /api/integrations/current; finishes with its "data" object
 * (platform, sync_status, ...). Used to test a connection. */
void         sy_api_client_get_current_integration_async  (SyApiClient         *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
JsonObject  *sy_api_client_get_current_integration_finish (SyApiClient         *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/* "wms/sales-orders" → "/api/wms/sales-orders". NULL and an error when the
 * entity is not of the form DOMAIN/NAME with safe characters. */
char        *sy_api_client_entity_path          (const char          *entity,
                                                 GError             **error);

G_END_DECLS
