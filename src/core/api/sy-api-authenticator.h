/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What lends an SyApiClient its bearer token when the token can expire and
 * be refreshed (a connection signed in with Link). The client asks for the
 * token at every attempt, refreshes ahead when told the token is about to
 * expire, and once on a 401. One authenticator serves every client of a
 * connection, so that requests meeting one expiry refresh once: refresh
 * is given the token that was refused, and finishes at once without asking
 * the server when that token has already been replaced. */
#define SY_TYPE_API_AUTHENTICATOR (sy_api_authenticator_get_type ())
G_DECLARE_INTERFACE (SyApiAuthenticator, sy_api_authenticator, SY, API_AUTHENTICATOR, GObject)

struct _SyApiAuthenticatorInterface
{
  GTypeInterface parent_iface;

  char     *(*dup_token)      (SyApiAuthenticator  *self);
  gboolean  (*wants_refresh)  (SyApiAuthenticator  *self);
  void      (*refresh_async)  (SyApiAuthenticator  *self,
                               const char          *refused_token,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data);
  gboolean  (*refresh_finish) (SyApiAuthenticator  *self,
                               GAsyncResult        *result,
                               GError             **error);
};

/* The token to send now (free with sy_secret_free()-like care: it is
 * wiped by the caller), or NULL when there is none. */
char     *sy_api_authenticator_dup_token      (SyApiAuthenticator  *self);
/* TRUE when the token should be refreshed before it is used again. */
gboolean  sy_api_authenticator_wants_refresh  (SyApiAuthenticator  *self);
void      sy_api_authenticator_refresh_async  (SyApiAuthenticator  *self,
                                               const char          *refused_token,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean  sy_api_authenticator_refresh_finish (SyApiAuthenticator  *self,
                                               GAsyncResult        *result,
                                               GError             **error);

G_END_DECLS
