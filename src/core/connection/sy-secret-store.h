/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Kinds of secret kept per connection (the "kind" attribute). */
#define SY_SECRET_KIND_ACCESS_TOKEN   "access-token"
#define SY_SECRET_KIND_REFRESH_TOKEN  "refresh-token"
#define SY_SECRET_KIND_WEBHOOK_SECRET "webhook-secret"
#define SY_SECRET_KIND_CLIENT_SECRET  "client-secret"
#define SY_SECRET_KIND_PRIVATE_KEY    "private-key"
/* Not secret, but kept beside the tokens it describes: "EXPIRES OBTAINED",
 * two Unix times. */
#define SY_SECRET_KIND_TOKEN_EXPIRY   "token-expiry"

#define SY_TYPE_SECRET_STORE (sy_secret_store_get_type ())
G_DECLARE_FINAL_TYPE (SySecretStore, sy_secret_store, SY, SECRET_STORE, GObject)

/* Secrets in the system keyring (schema SY_SECRET_SCHEMA, attributes
 * "connection-id" and "kind"). Every call is asynchronous, cancellable and
 * bounded by a timeout, because a locked keyring may wait forever on an
 * unlock prompt nobody sees. The three ways of having no keyring at all are
 * reported as SY_SECRET_ERROR_NO_KEYRING. */
SySecretStore *sy_secret_store_new            (void);
/* Keeps secrets in this process's memory only (the demo, without a
 * keyring). They are gone when the process exits. */
SySecretStore *sy_secret_store_new_in_memory  (void);
gboolean       sy_secret_store_is_in_memory   (SySecretStore       *self);

void           sy_secret_store_set_timeout    (SySecretStore       *self,
                                               guint                timeout_ms);

void           sy_secret_store_store_async    (SySecretStore       *self,
                                               const char          *connection_id,
                                               const char          *kind,
                                               const char          *label,
                                               const char          *secret,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean       sy_secret_store_store_finish   (SySecretStore       *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* Finishes with NULL and SY_SECRET_ERROR_NOT_FOUND when there is none. The
 * returned string is allocated with secret_password_free()-compatible
 * non-pageable memory where possible: free it with sy_secret_free(). */
void           sy_secret_store_lookup_async   (SySecretStore       *self,
                                               const char          *connection_id,
                                               const char          *kind,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
char          *sy_secret_store_lookup_finish  (SySecretStore       *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* Removes the secrets of a connection: of one kind, or all when kind is NULL.
 * Removing nothing is not an error. */
void           sy_secret_store_clear_async    (SySecretStore       *self,
                                               const char          *connection_id,
                                               const char          *kind,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean       sy_secret_store_clear_finish   (SySecretStore       *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* Wipes and frees a secret string. NULL is fine. */
void           sy_secret_free                 (char                *secret);

G_END_DECLS
