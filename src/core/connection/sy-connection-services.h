/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-api-client.h"
#include "sy-certificate.h"
#include "sy-connection-store.h"
#include "sy-connection.h"
#include "sy-private-key.h"
#include "sy-secret-store.h"
#include "sy-state-store.h"
#include "sy-token-keeper.h"

G_BEGIN_DECLS

/* What the GUI, the CLI and the demo do with a connection, written once:
 * open a client for it, add it with its token, remove it with everything
 * that belongs to it, attach a private key (sy-connection-services.c); the
 * rules a client is made by (sy-connection-transport.c); the words for
 * errors and the table of platforms they all show
 * (sy-connection-describe.c). */

/* --- platforms ------------------------------------------------------- */

typedef struct
{
  const char *id;            /* "mintsoft", as the API names it */
  const char *display_name;  /* "Mintsoft", as people write it */
  const char *domain;        /* "wms", "erp" or "eam" */
} SyPlatformInfo;

/* The platforms Switchyard knows, in the order a list offers them. */
const SyPlatformInfo *sy_platforms_get_all           (guint               *n_platforms);
/* "wms" for a warehouse platform, "erp", "eam", or NULL when unknown. */
const char           *sy_domain_for_platform         (const char          *platform);
/* A platform identifier as people write it: "mintsoft" → "Mintsoft". */
const char           *sy_platform_display_name       (const char          *platform);
/* The connection's domain, else the one its platform implies, or NULL. */
const char           *sy_connection_effective_domain (SyConnection        *connection);
/* The platform an integration object names ("platform" or "provider"),
 * or NULL when it names none. */
const char           *sy_integration_get_platform    (JsonObject          *integration);

/* --- errors ---------------------------------------------------------- */

/* What an error means, in sentences for a window. */
char                 *sy_describe_error              (const GError        *error);
/* The error's own message on one line, without a final full stop, with the
 * server's request id: for a terminal, where more may follow on the line. */
char                 *sy_describe_error_one_line     (const GError        *error);

/* --- transport ------------------------------------------------------- */

/* Whether base_url is plain http:// to a host other than this machine
 * (127.0.0.0/8, ::1 and localhost are this machine). */
gboolean              sy_base_url_is_insecure        (const char          *base_url);
/* Whether this connection sends its token unencrypted: plain http to
 * another machine, which the user allowed. Callers say so whenever they
 * use it. */
gboolean              sy_connection_sends_token_in_clear (SyConnection    *connection);
/* Loads a PEM file of certificate authorities to trust. A missing,
 * unreadable, oversized or empty file is SY_CONFIG_ERROR_CA_FILE. */
GTlsDatabase         *sy_load_ca_file                (const char          *path,
                                                      GError             **error);
/* Whether the connection's address and TLS settings allow a client: plain
 * http to another machine only when allowed (SY_CONFIG_ERROR_INSECURE_URL),
 * a CA file only when it can be used. */
gboolean              sy_connection_check_transport  (SyConnection        *connection,
                                                      GError             **error);
/* The one place a client for a connection is made: its address, its CA
 * file, the preferences' request timeout, and the rules above. */
SyApiClient          *sy_connection_create_client    (SyConnection        *connection,
                                                      const char          *token,
                                                      GError             **error);
/* The connection a client was made for by sy_connection_create_client()
 * (a new reference), or NULL: another client, or the connection is gone.
 * Lets a sync say which connection it wrote to, and a view find the
 * connection whose records it shows. */
SyConnection         *sy_connection_dup_for_client   (SyApiClient         *client);

/* --- opening a client ------------------------------------------------ */

/* Looks the connection's token up in the keyring and finishes with a
 * client ready to use. No token is SY_SECRET_ERROR_NOT_FOUND. */
void                  sy_connection_open_client_async  (SySecretStore       *secrets,
                                                        SyConnection        *connection,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
SyApiClient          *sy_connection_open_client_finish (GAsyncResult        *result,
                                                        GError             **error);

/* --- adding ---------------------------------------------------------- */

typedef enum
{
  SY_CONNECTION_ADD_DEFAULT = 0,
  /* Ask the server which integration the token is for before keeping
   * anything; a refusal keeps nothing. A platform it names is learnt. */
  SY_CONNECTION_ADD_CHECK   = 1 << 0,
  /* A connection of that name may exist: its token is replaced, and it
   * takes the new address, platform (when given), insecure-http permission
   * and CA file; its other options stay. */
  SY_CONNECTION_ADD_REPLACE = 1 << 1,
} SyConnectionAddFlags;

/* Keeps the token in the keyring, then adds the connection to the store (or
 * updates the one it replaces) and saves it. When a step fails, what the
 * earlier ones did for a new connection is undone: no token is left
 * without its connection, no connection without its token. */
void                  sy_connection_add_async        (SyConnectionStore   *store,
                                                      SySecretStore       *secrets,
                                                      SyConnection        *connection,
                                                      const char          *token,
                                                      SyConnectionAddFlags flags,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* The connection as the store now holds it (transfer full): the one given,
 * or the one it replaced. integration (may be NULL): what the check
 * learnt, or NULL without SY_CONNECTION_ADD_CHECK. */
/* The same for a connection signed in with Link (its link client id set):
 * the grant's tokens, their expiry and the integration app's secret go to
 * the keyring. With SY_CONNECTION_ADD_REPLACE this is Reconnect: the
 * connection keeps its id, so its mappings, history and key map. */
void                  sy_connection_add_linked_async (SyConnectionStore   *store,
                                                      SySecretStore       *secrets,
                                                      SyConnection        *connection,
                                                      const SyTokenGrant  *grant,
                                                      const char          *client_secret,
                                                      SyConnectionAddFlags flags,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
SyConnection         *sy_connection_add_finish       (GAsyncResult        *result,
                                                      JsonObject         **integration,
                                                      GError             **error);

/* --- removing -------------------------------------------------------- */

/* Deletes the connection's secrets (token, private key, every kind), its
 * certificate in state (may be NULL: nothing to delete there), then the
 * connection itself. When a step fails the connection is kept, so that
 * nothing it owns lingers unseen. */
void                  sy_connection_remove_async     (SyConnectionStore   *store,
                                                      SySecretStore       *secrets,
                                                      SyStateStore        *state,
                                                      SyConnection        *connection,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean              sy_connection_remove_finish    (GAsyncResult        *result,
                                                      GError             **error);

/* Removing with room for an Undo: withdraw takes the connection out of
 * the store and connections.json at once (the CLI and every view see it
 * gone) but keeps its secrets, certificate and webhook events; restore
 * puts the same object back (same id, name and settings, so the mappings
 * that name it work again); forget deletes what it kept, once the Undo is
 * no longer offered. forget does nothing when the store holds a connection
 * of that id again (restored elsewhere): a kept token is never deleted
 * under a live connection. */
gboolean              sy_connection_withdraw         (SyConnectionStore   *store,
                                                      SyConnection        *connection,
                                                      GError             **error);
gboolean              sy_connection_restore          (SyConnectionStore   *store,
                                                      SyConnection        *connection,
                                                      GError             **error);
void                  sy_connection_forget_secrets_async  (SyConnectionStore   *store,
                                                      SySecretStore       *secrets,
                                                      SyStateStore        *state,
                                                      SyConnection        *connection,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean              sy_connection_forget_secrets_finish (GAsyncResult     *result,
                                                      GError             **error);

/* --- private keys ---------------------------------------------------- */

/* Keeps key in the keyring as the connection's private key; NULL deletes
 * the one it had (a certificate handed over without its key). */
void                  sy_connection_attach_key_async (SySecretStore       *secrets,
                                                      SyConnection        *connection,
                                                      SyPrivateKey        *key,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* Keeps the key of a certificate that has no connection yet under
 * pending_id, until it is attached. */
void                  sy_connection_keep_pending_key_async (SySecretStore  *secrets,
                                                      const char          *pending_id,
                                                      SyCertificate       *certificate,
                                                      SyPrivateKey        *key,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* Finishes either. */
gboolean              sy_connection_attach_key_finish (GAsyncResult       *result,
                                                       GError            **error);

G_END_DECLS
