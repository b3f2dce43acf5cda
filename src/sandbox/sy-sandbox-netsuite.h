/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The path of NetSuite's OAuth 2.0 token endpoint, the same on every account. */
#define SY_SANDBOX_NETSUITE_TOKEN_PATH "/services/rest/auth/oauth2/v1/token"
#define SY_SANDBOX_NETSUITE_CERTIFICATES_PATH "/__sandbox/netsuite/certificates"

#define SY_TYPE_SANDBOX_NETSUITE (sy_sandbox_netsuite_get_type ())
G_DECLARE_FINAL_TYPE (SySandboxNetsuite, sy_sandbox_netsuite, SY, SANDBOX_NETSUITE, GObject)

/* NetSuite's side of the machine-to-machine login: certificates uploaded
 * for an account and a client id, and the token endpoint that checks
 * client assertions against them. */
SySandboxNetsuite *sy_sandbox_netsuite_new                 (void);

/* POST SY_SANDBOX_NETSUITE_CERTIFICATES_PATH with {"account", "client_id",
 * "certificate": "<PEM>"}: answers {"certificate_id"}. Returns the status
 * it answered with. */
guint              sy_sandbox_netsuite_upload_certificate  (SySandboxNetsuite *self,
                                                            SoupServerMessage *msg);

/* POST SY_SANDBOX_NETSUITE_TOKEN_PATH: client credentials with a signed
 * client assertion. base_url is the sandbox's own http://127.0.0.1:PORT,
 * an audience it accepts besides the account's real token URL. Returns the
 * status it answered with. */
guint              sy_sandbox_netsuite_issue_token         (SySandboxNetsuite *self,
                                                            SoupServerMessage *msg,
                                                            const char        *base_url);

/* Adds "netsuite": {"certificates", "tokens_issued", "refused": {error: n}}. */
void               sy_sandbox_netsuite_add_stats           (SySandboxNetsuite *self,
                                                            JsonObject        *stats);

G_END_DECLS
