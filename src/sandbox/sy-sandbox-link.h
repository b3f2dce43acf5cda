/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define SY_SANDBOX_LINK_AUTHORIZE_PATH "/oauth/authorize"
#define SY_SANDBOX_LINK_TOKEN_PATH "/link/token"
#define SY_SANDBOX_LINK_REVOKE_REFRESH_PATH "/__sandbox/link/revoke-refresh-tokens"
#define SY_SANDBOX_LINK_EXPIRE_ACCESS_PATH "/__sandbox/link/expire-access-tokens"

/* The part of /api an admin token (client_credentials) may use, in place
 * of a connection's "wms" or "erp". */
#define SY_SANDBOX_LINK_ADMIN_DOMAIN "system"

typedef enum
{
  SY_SANDBOX_LINK_TOKEN_UNKNOWN,
  SY_SANDBOX_LINK_TOKEN_VALID,
  SY_SANDBOX_LINK_TOKEN_EXPIRED,
  SY_SANDBOX_LINK_TOKEN_SUPERSEDED,  /* a refresh issued its successor */
  SY_SANDBOX_LINK_TOKEN_REVOKED,     /* its authorisation code was used twice */
} SySandboxLinkTokenState;

#define SY_TYPE_SANDBOX_LINK (sy_sandbox_link_get_type ())
G_DECLARE_FINAL_TYPE (SySandboxLink, sy_sandbox_link, SY, SANDBOX_LINK, GObject)

/* The Link side of the API: one integration app (a client id and secret,
 * new every run), the OAuth 2.0 authorisation code flow with PKCE, token
 * refresh, client credentials for the /api/system endpoints, and
 * connections created from credentials. token_ttl_s is the lifetime of
 * every access token it issues (0: 30 days). */
SySandboxLink           *sy_sandbox_link_new                  (guint64            token_ttl_s);

const char              *sy_sandbox_link_get_client_id        (SySandboxLink     *self);
const char              *sy_sandbox_link_get_client_secret    (SySandboxLink     *self);

/* GET or POST SY_SANDBOX_LINK_AUTHORIZE_PATH: the consent page, or the
 * redirect with a code or an error. query: the URL's parameters. Returns
 * the status it answered with. */
guint                    sy_sandbox_link_authorize            (SySandboxLink     *self,
                                                               SoupServerMessage *msg,
                                                               GHashTable        *query);

/* POST SY_SANDBOX_LINK_TOKEN_PATH. Returns the status it answered with. */
guint                    sy_sandbox_link_issue_token          (SySandboxLink     *self,
                                                               SoupServerMessage *msg);

/* What a bearer token issued here is. *domain: "wms", "erp" or
 * SY_SANDBOX_LINK_ADMIN_DOMAIN; *grant: a key that stays the same across
 * refreshes and lives as long as self (for per-connection state such as
 * rate windows). Both are set for every state but UNKNOWN. */
SySandboxLinkTokenState  sy_sandbox_link_lookup_token         (SySandboxLink     *self,
                                                               const char        *token,
                                                               const char       **domain,
                                                               gconstpointer     *grant);
/* An API request was refused for an expired or superseded token. */
void                     sy_sandbox_link_count_expired_request (SySandboxLink    *self);

/* /api/system/<resource> for an admin token. Sets *body to the JSON
 * answer and returns its status; errors carry request_id. */
guint                    sy_sandbox_link_answer_system        (SySandboxLink     *self,
                                                               SoupServerMessage *msg,
                                                               const char        *resource,
                                                               const char        *base_url,
                                                               const char        *request_id,
                                                               char             **body);

/* Inspection: every refresh token issued so far stops working, or every
 * access token expires now. Each returns how many were still good. */
guint                    sy_sandbox_link_revoke_refresh_tokens (SySandboxLink    *self);
guint                    sy_sandbox_link_expire_access_tokens (SySandboxLink     *self);

/* Adds "link": {"authorized", "denied", "grants": {...}, "refused",
 * "expired_token_requests", "connections_created"}. */
void                     sy_sandbox_link_add_stats            (SySandboxLink     *self,
                                                               JsonObject        *stats);

G_END_DECLS
