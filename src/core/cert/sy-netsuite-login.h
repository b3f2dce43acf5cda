/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-private-key.h"

G_BEGIN_DECLS

/* https://<account>.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token,
 * the account id lower-cased with '_' as '-'. NULL and an error for an
 * account id that cannot be a host name label. */
char  *sy_netsuite_token_url_for_account   (const char    *account,
                                            GError       **error);

/* A client-assertion JWT: header typ=JWT, alg PS256 (RSA key) or ES256 /
 * ES384 / ES512 (EC key by curve), kid = certificate_id; claims iss =
 * client_id, scope = "restlets,rest_webservices", aud = token_url, iat =
 * now, exp = now + lifetime_s (at most 3600). */
char  *sy_netsuite_sign_client_assertion   (SyPrivateKey  *key,
                                            const char    *certificate_id,
                                            const char    *client_id,
                                            const char    *token_url,
                                            GDateTime     *now,
                                            guint          lifetime_s,
                                            GError       **error);

#define SY_TYPE_NETSUITE_LOGIN (sy_netsuite_login_get_type ())
G_DECLARE_FINAL_TYPE (SyNetsuiteLogin, sy_netsuite_login, SY, NETSUITE_LOGIN, GObject)

/* NetSuite machine-to-machine login (OAuth 2.0 client credentials with a
 * signed client assertion). */
SyNetsuiteLogin *sy_netsuite_login_new          (const char          *account,
                                                 const char          *client_id,
                                                 const char          *certificate_id,
                                                 const char          *token_url);

/* How long one login test may take in all, from connecting to the last
 * byte of the answer (default 30 s). */
void             sy_netsuite_login_set_timeout  (SyNetsuiteLogin     *self,
                                                 guint                timeout_s);

/* Posts grant_type=client_credentials with a fresh assertion to the token
 * URL. Finishes with {"token_type", "expires_in"} — the access token itself
 * is never handed out here — or an error whose message carries NetSuite's
 * own error and error_description (invalid_client, invalid_grant, ...). */
void             sy_netsuite_login_test_async   (SyNetsuiteLogin     *self,
                                                 SyPrivateKey        *key,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
JsonObject      *sy_netsuite_login_test_finish  (SyNetsuiteLogin     *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
