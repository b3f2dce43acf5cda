/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-sandbox-data.h"
#include "sy-sandbox-link.h"
#include "sy-sandbox-webhooks.h"

G_BEGIN_DECLS

typedef struct
{
  guint latency_ms;         /* added to every /api answer */
  guint rate_limit;         /* requests per minute per token; 0: unlimited */
  double fail_rate;         /* share of /api requests answered with a 5xx */
  double drop_rate;         /* share of /api connections closed unanswered: half
                             * before the request is carried out, half after */
  gboolean cursor_pagination;
  guint32 seed;             /* drives the switches above, reproducibly */
  guint64 token_ttl_s;      /* lifetime of the access tokens Link issues; 0: 30 days */
} SySandboxServerOptions;

#define SY_TYPE_SANDBOX_SERVER (sy_sandbox_server_get_type ())
G_DECLARE_FINAL_TYPE (SySandboxServer, sy_sandbox_server, SY, SANDBOX_SERVER, GObject)

SySandboxServer *sy_sandbox_server_new       (SySandboxData                *data,
                                              const SySandboxServerOptions *options);
/* Serve HTTPS with this certificate (and its key); before listening. */
void             sy_sandbox_server_set_tls_certificate (SySandboxServer    *self,
                                                        GTlsCertificate    *certificate);
/* Listens on 127.0.0.1 only; port 0 picks a free one. */
gboolean         sy_sandbox_server_listen    (SySandboxServer              *self,
                                              guint                         port,
                                              GError                      **error);
/* "http://127.0.0.1:PORT" ("https://" with a certificate), once listening. */
const char      *sy_sandbox_server_get_url   (SySandboxServer              *self);
/* The bearer token of the seeded connection "wms" or "erp". */
const char      *sy_sandbox_server_get_token (SySandboxServer              *self,
                                              const char                   *connection);
/* The Link emulation: its app's client id and secret, for the first line. */
SySandboxLink   *sy_sandbox_server_get_link  (SySandboxServer              *self);
/* Where record changes are sent as signed deliveries; NULL: nowhere. */
void             sy_sandbox_server_set_webhooks (SySandboxServer           *self,
                                                 SySandboxWebhooks         *webhooks);

G_END_DECLS
