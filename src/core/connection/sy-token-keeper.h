/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-connection.h"
#include "sy-secret-store.h"

G_BEGIN_DECLS

/* What the token endpoint (POST /link/token) hands over: an access token,
 * the refresh token that replaces it, and when the access token expires
 * (Unix time). obtained_at is when it was received, so that "refresh
 * ahead" can scale with the token's lifetime. */
typedef struct
{
  char   *access_token;
  char   *refresh_token;
  gint64  expires_at;
  gint64  obtained_at;
} SyTokenGrant;

SyTokenGrant *sy_token_grant_new_from_json (JsonNode     *answer,
                                            GError      **error);
SyTokenGrant *sy_token_grant_copy          (const SyTokenGrant *grant);
void          sy_token_grant_free          (SyTokenGrant *grant);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTokenGrant, sy_token_grant_free)

/* Writes a grant to the keyring: the refresh token, then the expiry, the
 * access token last, so that a crash in between leaves a pair that still
 * refreshes (an old access token is refused, and the new refresh token
 * mends it). */
void          sy_token_grant_store_async   (const SyTokenGrant  *grant,
                                            SySecretStore       *secrets,
                                            SyConnection        *connection,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean      sy_token_grant_store_finish  (GAsyncResult        *result,
                                            GError             **error);

/* Keeps the tokens of one connection signed in with Link fresh, for every
 * client of that connection in this process (docs/architecture.md §3):
 * refreshes a day before expiry (sooner for short-lived tokens) and once
 * when the server refuses the token; requests that meet one expiry
 * together refresh once. The refreshed pair is in the keyring before it
 * is used. Another process (the CLI beside the app) that refreshed first
 * is noticed in the keyring and its pair taken over. When refreshing is
 * refused, the connection needs reconnecting (status NEEDS_REAUTH). */
#define SY_TYPE_TOKEN_KEEPER (sy_token_keeper_get_type ())
G_DECLARE_FINAL_TYPE (SyTokenKeeper, sy_token_keeper, SY, TOKEN_KEEPER, GObject)

/* The process's keeper of that connection, made and loaded from the
 * keyring if needed. */
void           sy_token_keeper_obtain_async     (SySecretStore       *secrets,
                                                 SyConnection        *connection,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
SyTokenKeeper *sy_token_keeper_obtain_finish    (GAsyncResult        *result,
                                                 GError             **error);
/* The keeper of that connection if one is alive in this process. */
SyTokenKeeper *sy_token_keeper_lookup           (SySecretStore       *secrets,
                                                 const char          *connection_id);

/* A new sign-in (Reconnect) replaces the pair: the keeper uses it at once
 * and no longer needs reconnecting. The grant must be stored already. */
void           sy_token_keeper_take_grant       (SyTokenKeeper       *self,
                                                 const SyTokenGrant  *grant,
                                                 const char          *client_secret);

gboolean       sy_token_keeper_get_needs_reconnect (SyTokenKeeper    *self);
gint64         sy_token_keeper_get_expires_at   (SyTokenKeeper       *self);
/* Refreshes this keeper asked the server for, successful or not. */
guint          sy_token_keeper_get_refresh_count (SyTokenKeeper      *self);

/* Whether connection signs in with Link (its tokens are kept by a keeper). */
gboolean       sy_connection_uses_link          (SyConnection        *connection);
const char    *sy_connection_get_link_client_id (SyConnection        *connection);
void           sy_connection_set_link_client_id (SyConnection        *connection,
                                                 const char          *client_id);

G_END_DECLS
