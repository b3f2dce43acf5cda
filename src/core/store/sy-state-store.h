/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-certificate.h"

G_BEGIN_DECLS

#define SY_TYPE_STATE_STORE (sy_state_store_get_type ())
G_DECLARE_FINAL_TYPE (SyStateStore, sy_state_store, SY, STATE_STORE, GObject)

/* <state-dir>/state.db: SQLite in WAL mode, schema versioned with
 * PRAGMA user_version and migrated forward on open. Every query runs on the
 * store's own worker thread, one at a time, so the main loop never waits on
 * the disk; the _sync variants are for the CLI and tests.
 *
 * A file that is not Switchyard's (another program's SQLite database) is
 * refused and left as it is; a missing or empty one is made anew. The
 * certificates are here; sync runs, checkpoints and the key map are in
 * sy-state-store-sync.h. */
SyStateStore  *sy_state_store_open                     (const char          *state_dir,
                                                        GError             **error);
/* For commands that only read (sync status, sync errors): never creates,
 * migrates or writes anything, so it works in a read-only state
 * directory. A missing state.db reads as an empty one. Writes through it
 * fail. */
SyStateStore  *sy_state_store_open_read_only           (const char          *state_dir,
                                                        GError             **error);
const char    *sy_state_store_get_path                 (SyStateStore        *self);

/* The connection's public certificate (one per connection; replaces). */
void           sy_state_store_save_certificate_async   (SyStateStore        *self,
                                                        const char          *connection_id,
                                                        SyCertificate       *certificate,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean       sy_state_store_save_certificate_finish  (SyStateStore        *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);
gboolean       sy_state_store_save_certificate         (SyStateStore        *self,
                                                        const char          *connection_id,
                                                        SyCertificate       *certificate,
                                                        GError             **error);

/* Finishes with NULL and no error when the connection has none. */
void           sy_state_store_load_certificate_async   (SyStateStore        *self,
                                                        const char          *connection_id,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
SyCertificate *sy_state_store_load_certificate_finish  (SyStateStore        *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);
SyCertificate *sy_state_store_load_certificate         (SyStateStore        *self,
                                                        const char          *connection_id,
                                                        GError             **error);

gboolean       sy_state_store_delete_certificate       (SyStateStore        *self,
                                                        const char          *connection_id,
                                                        GError             **error);

G_END_DECLS
