/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The TLS material of `switchyard-sandbox --tls`: a throw-away CA made at
 * start and a server certificate it signs for 127.0.0.1 and localhost.
 * Only the CA certificate touches the disk, as ca.pem in a private
 * temporary directory that sy_sandbox_tls_free() removes; no private key
 * is ever written anywhere, and the CA's key is gone once it has signed. */
typedef struct _SySandboxTls SySandboxTls;

SySandboxTls    *sy_sandbox_tls_new             (GError       **error);
void             sy_sandbox_tls_free            (SySandboxTls  *self);
/* The absolute path of the CA certificate (PEM) clients are to trust. */
const char      *sy_sandbox_tls_get_ca_file     (SySandboxTls  *self);
/* The server's certificate with its private key, for SoupServer. */
GTlsCertificate *sy_sandbox_tls_get_certificate (SySandboxTls  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySandboxTls, sy_sandbox_tls_free)

G_END_DECLS
