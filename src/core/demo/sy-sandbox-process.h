/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SY_TYPE_SANDBOX_PROCESS (sy_sandbox_process_get_type ())
G_DECLARE_FINAL_TYPE (SySandboxProcess, sy_sandbox_process, SY, SANDBOX_PROCESS, GObject)

/* A switchyard-sandbox child process on a free loopback port, for the demo,
 * the tests and the benchmarks. The tokens it prints are read from its
 * standard output, never passed through argv or the environment. The child
 * is killed when the object is disposed. */
SySandboxProcess *sy_sandbox_process_new           (const char * const  *extra_args);

void              sy_sandbox_process_start_async   (SySandboxProcess    *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean          sy_sandbox_process_start_finish  (SySandboxProcess    *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
/* Runs a main context until the sandbox is up: for tests and the CLI. */
gboolean          sy_sandbox_process_start_sync    (SySandboxProcess    *self,
                                                    GCancellable        *cancellable,
                                                    GError             **error);

/* "http://127.0.0.1:PORT" ("https://" with --tls), once started. */
const char       *sy_sandbox_process_get_url       (SySandboxProcess    *self);
/* The token of the seeded connection "wms" or "erp", once started. */
const char       *sy_sandbox_process_get_token     (SySandboxProcess    *self,
                                                    const char          *connection);
/* With --tls among the extra arguments: the absolute path of the CA
 * certificate (PEM) to trust, once started; else NULL. */
/* The sandbox's integration app for Link sign-in ("link" in its first
 * line), or NULL. */
const char       *sy_sandbox_process_get_link_client_id     (SySandboxProcess *self);
const char       *sy_sandbox_process_get_link_client_secret (SySandboxProcess *self);
const char       *sy_sandbox_process_get_ca_file   (SySandboxProcess    *self);
/* The integration app the sandbox accepts for Link sign-in, once started;
 * NULL when the sandbox announced none. */
const char       *sy_sandbox_process_get_link_client_id     (SySandboxProcess *self);
const char       *sy_sandbox_process_get_link_client_secret (SySandboxProcess *self);
void              sy_sandbox_process_stop          (SySandboxProcess    *self);

G_END_DECLS
