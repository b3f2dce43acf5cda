/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-connection.h"

G_BEGIN_DECLS

#define SY_TYPE_CONNECTION_STORE (sy_connection_store_get_type ())
G_DECLARE_FINAL_TYPE (SyConnectionStore, sy_connection_store, SY, CONNECTION_STORE, GObject)

/* The connections of one configuration directory, as a GListModel of
 * SyConnection sorted as the user added them. Backed by
 * <config-dir>/connections.json, replaced atomically on every save. */
SyConnectionStore *sy_connection_store_new            (const char         *config_dir);
const char        *sy_connection_store_get_path       (SyConnectionStore  *self);

/* Reads connections.json. A missing file is an empty store. A file that
 * does not parse is renamed to connections.json.broken-<timestamp>, the
 * store is left empty and SY_CONFIG_ERROR_BROKEN_FILE is returned with the
 * new name in the message: the caller reports it and carries on. */
gboolean           sy_connection_store_load           (SyConnectionStore  *self,
                                                       GError            **error);
/* Where the last load moved a broken file, or NULL. */
const char        *sy_connection_store_get_broken_path (SyConnectionStore *self);

gboolean           sy_connection_store_save           (SyConnectionStore  *self,
                                                       GError            **error);
void               sy_connection_store_save_async     (SyConnectionStore  *self,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
gboolean           sy_connection_store_save_finish    (SyConnectionStore  *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);

/* Adds and saves; refuses a duplicate or invalid name, or an invalid URL. */
gboolean           sy_connection_store_add            (SyConnectionStore  *self,
                                                       SyConnection       *connection,
                                                       GError            **error);
/* Removes and saves. Secrets are the caller's to clear (SySecretStore). */
gboolean           sy_connection_store_remove         (SyConnectionStore  *self,
                                                       SyConnection       *connection,
                                                       GError            **error);
/* Names compare case-insensitively, ignoring surrounding spaces. Both
 * return the store's own object (transfer none), or NULL. */
SyConnection      *sy_connection_store_find_by_name   (SyConnectionStore  *self,
                                                       const char         *name);
/* Whether two connection names are the same name to the store (what
 * find_by_name matches): for whoever compares names it has no store for. */
gboolean           sy_connection_names_equal          (const char         *a,
                                                       const char         *b);
SyConnection      *sy_connection_store_find_by_id     (SyConnectionStore  *self,
                                                       const char         *id);

G_END_DECLS
