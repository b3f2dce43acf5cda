/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-connection-store.h"
#include "sy-sandbox-process.h"
#include "sy-secret-store.h"

G_BEGIN_DECLS

#define SY_DEMO_MINTSOFT_NAME "Mintsoft (demo)"
#define SY_DEMO_NETSUITE_NAME "NetSuite (demo)"

#define SY_TYPE_DEMO (sy_demo_get_type ())
G_DECLARE_FINAL_TYPE (SyDemo, sy_demo, SY, DEMO, GObject)

/* The embedded demo: a switchyard-sandbox on a free loopback port and two
 * connections to it, "Mintsoft (demo)" (wms) and "NetSuite (demo)" (erp),
 * added to a connection store of its own configuration directory. Their
 * tokens go to the keyring, or, when there is none, to an in-memory secret
 * store (see sy_demo_get_tokens_in_memory()). */

/* Empties and recreates base_dir/config and base_dir/state, so that data of
 * an earlier demo never accumulates. base_dir NULL means
 * $XDG_CACHE_HOME/switchyard/demo. */
gboolean       sy_demo_prepare_dirs          (const char          *base_dir,
                                              char               **config_dir,
                                              char               **state_dir,
                                              GError             **error);

/* connections: the (empty) store of the demo's configuration directory;
 * secrets: the keyring store to try first. */
SyDemo        *sy_demo_new                   (SyConnectionStore   *connections,
                                              SySecretStore       *secrets);

/* Starts the sandbox, stores the tokens and adds the two connections. */
void           sy_demo_start_async           (SyDemo              *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean       sy_demo_start_finish          (SyDemo              *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* The store that holds the demo tokens: the one given to sy_demo_new(), or
 * an in-memory one when the keyring was not available. */
SySecretStore *sy_demo_get_secret_store      (SyDemo              *self);
/* Whether the tokens are kept in memory only (the "tokens-in-memory"
 * property). */
gboolean       sy_demo_get_tokens_in_memory  (SyDemo              *self);
/* Why the keyring could not be used, or NULL. */
const char    *sy_demo_get_keyring_message   (SyDemo              *self);
SySandboxProcess *sy_demo_get_sandbox        (SyDemo              *self);
/* The demo connections, in the order they were added, once started. */
GPtrArray     *sy_demo_get_connections       (SyDemo              *self);

/* Deletes the demo tokens from the keyring and stops the sandbox. */
void           sy_demo_stop_async            (SyDemo              *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean       sy_demo_stop_finish           (SyDemo              *self,
                                              GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
