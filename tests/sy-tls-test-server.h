/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* An HTTPS server on 127.0.0.1 whose certificate is signed by a private
 * CA that openssl makes for it (in dir, as ca.pem): nothing the system
 * trusts. It answers GET /api/integrations/current for the bearer token it
 * is given, 401 for any other, and counts the requests that reached it. */
typedef struct _SyTlsTestServer SyTlsTestServer;

SyTlsTestServer *sy_tls_test_server_new         (const char      *dir,
                                                 const char      *token);
void             sy_tls_test_server_free        (SyTlsTestServer *self);
/* "https://127.0.0.1:PORT" */
const char      *sy_tls_test_server_get_url     (SyTlsTestServer *self);
/* The PEM file of the CA that signed the server's certificate. */
const char      *sy_tls_test_server_get_ca_file (SyTlsTestServer *self);
/* Requests that got through TLS to the handler. */
guint            sy_tls_test_server_get_n_requests (SyTlsTestServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTlsTestServer, sy_tls_test_server_free)

G_END_DECLS
