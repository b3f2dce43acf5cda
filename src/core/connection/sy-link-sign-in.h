/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-connection.h"
#include "sy-token-keeper.h"

G_BEGIN_DECLS

/* One Link sign-in (OAuth 2.0 authorisation code with PKCE,
 * docs/architecture.md §3): a one-shot listener on
 * http://127.0.0.1:PORT/callback receives the browser's redirect, its
 * state is checked, and the code is exchanged at POST /link/token of the
 * connection's address. Nothing is stored here: the grant goes to
 * sy_connection_add_linked_async(). */
#define SY_TYPE_LINK_SIGN_IN (sy_link_sign_in_get_type ())
G_DECLARE_FINAL_TYPE (SyLinkSignIn, sy_link_sign_in, SY, LINK_SIGN_IN, GObject)

/* connection gives the address and its transport settings (CA file,
 * insecure http); client_id and client_secret are the integration app's. */
SyLinkSignIn *sy_link_sign_in_new               (SyConnection        *connection,
                                                 const char          *client_id,
                                                 const char          *client_secret);
/* How long to wait for the browser (default 300 s). */
void          sy_link_sign_in_set_timeout       (SyLinkSignIn        *self,
                                                 guint                seconds);

/* Opens the listener and makes the authorisation URL to show or open. */
gboolean      sy_link_sign_in_prepare           (SyLinkSignIn        *self,
                                                 GError             **error);
const char   *sy_link_sign_in_get_authorize_url (SyLinkSignIn        *self);
const char   *sy_link_sign_in_get_redirect_uri  (SyLinkSignIn        *self);

/* Waits for the redirect and exchanges the code. Fails with
 * SY_API_ERROR_UNAUTHORIZED when consent was denied or the redirect was
 * not this sign-in's, G_IO_ERROR_TIMED_OUT when the browser never came
 * back, G_IO_ERROR_CANCELLED. The listener closes either way. */
void          sy_link_sign_in_wait_async        (SyLinkSignIn        *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
SyTokenGrant *sy_link_sign_in_wait_finish       (SyLinkSignIn        *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
