/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-api-authenticator.h"

G_DEFINE_INTERFACE (SyApiAuthenticator, sy_api_authenticator, G_TYPE_OBJECT)

static void
sy_api_authenticator_default_init (SyApiAuthenticatorInterface *iface)
{
}

char *
sy_api_authenticator_dup_token (SyApiAuthenticator *self)
{
  g_return_val_if_fail (SY_IS_API_AUTHENTICATOR (self), NULL);
  return SY_API_AUTHENTICATOR_GET_IFACE (self)->dup_token (self);
}

gboolean
sy_api_authenticator_wants_refresh (SyApiAuthenticator *self)
{
  g_return_val_if_fail (SY_IS_API_AUTHENTICATOR (self), FALSE);
  return SY_API_AUTHENTICATOR_GET_IFACE (self)->wants_refresh (self);
}

void
sy_api_authenticator_refresh_async (SyApiAuthenticator  *self,
                                    const char          *refused_token,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (SY_IS_API_AUTHENTICATOR (self));
  SY_API_AUTHENTICATOR_GET_IFACE (self)->refresh_async (self, refused_token, cancellable, callback, user_data);
}

gboolean
sy_api_authenticator_refresh_finish (SyApiAuthenticator  *self,
                                     GAsyncResult        *result,
                                     GError             **error)
{
  g_return_val_if_fail (SY_IS_API_AUTHENTICATOR (self), FALSE);
  return SY_API_AUTHENTICATOR_GET_IFACE (self)->refresh_finish (self, result, error);
}
