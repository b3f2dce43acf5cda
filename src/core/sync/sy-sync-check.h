/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-connection-store.h"
#include "sy-mapping.h"
#include "sy-sync-types.h"

G_BEGIN_DECLS

/* The safety rules a mapping must meet before anything is read or written
 * for it (docs/architecture.md §6.8), in core so that no view can pass
 * them by: every connection it names exists, and its source and target
 * are not the same connection and entity (records would be written back
 * where they came from).
 *
 * A connection that does not exist is never replaced by another one: the
 * mapping keeps the name (a person may add that connection again) and
 * is refused until it exists.
 *
 * Names compare as the connection store compares them (case-insensitive,
 * surrounding spaces ignored). connections may be NULL: then only the
 * source-and-target rule is checked. */

/* The problems as SyMappingProblem (all blocking), in the order source,
 * target: field "source.connection" or "target.connection" for a missing
 * connection, "target" when source and target are the same. An empty
 * array when the mapping is safe to sync. Never NULL. */
GPtrArray *sy_mapping_check_connections (SyMapping          *mapping,
                                         SyConnectionStore  *connections);

/* The same as one GError, SY_SYNC_ERROR_UNSAFE_MAPPING, whose message is
 * the problems' messages, one per line. What the sync engine refuses a
 * run with (new, resumed, retry, dry run). */
gboolean   sy_sync_check_mapping        (SyMapping          *mapping,
                                         SyConnectionStore  *connections,
                                         GError            **error);
/* The same for a run kept in state.db (resume, retry), by the names it
 * kept, before its mapping is parsed or a client opened. */
gboolean   sy_sync_check_run            (const SySyncRun    *run,
                                         SyConnectionStore  *connections,
                                         GError            **error);

/* The message for a connection that no longer exists (translated). */
char      *sy_sync_describe_missing_connection (const char *name);

G_END_DECLS
