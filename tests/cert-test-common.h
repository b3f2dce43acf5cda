/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-certificate.h"
#include "sy-private-key.h"

G_BEGIN_DECLS

/* Runs `openssl args...` in dir (NULL-terminated). Returns its standard
 * output and sets *out_stderr, or NULL with an error carrying stderr when it
 * exits non-zero. */
char          *cert_test_openssl        (const char     *dir,
                                         char          **out_stderr,
                                         GError        **error,
                                         ...) G_GNUC_NULL_TERMINATED;
/* The same, failing the test unless openssl succeeds. */
char          *cert_test_openssl_ok     (const char     *dir,
                                         ...) G_GNUC_NULL_TERMINATED;

GBytes        *cert_test_read           (const char     *dir,
                                         const char     *name);
char          *cert_test_write          (const char     *dir,
                                         const char     *name,
                                         const void     *data,
                                         gssize          size);

/* Makes a self-signed certificate <name>.pem for the key <name>-key.pem
 * with `openssl req -x509`; extra are more req arguments (or NULL). */
void           cert_test_openssl_selfsigned (const char          *dir,
                                             const char          *name,
                                             const char * const  *genpkey_args,
                                             const char * const  *extra_req_args);

/* Loads dir/name as a certificate or key, failing the test on an error. */
SyCertificate *cert_test_load_certificate (const char   *dir,
                                           const char   *name);
SyPrivateKey  *cert_test_load_key         (const char   *dir,
                                           const char   *name);

/* sy_certificate_generate_async() run to completion. */
SyCertificate *cert_test_generate       (SyKeySpec       spec,
                                         const char     *subject_dn,
                                         guint           days,
                                         SyPrivateKey  **out_key,
                                         GError        **error);

/* A JWS raw R||S ECDSA signature as the DER SEQUENCE openssl verifies. */
GBytes        *cert_test_raw_ecdsa_to_der (GBytes       *raw);

G_END_DECLS
