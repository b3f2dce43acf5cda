/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the files of the sync tables share (sy-state-store-sync.c: lock
 * and runs; -batch.c: lookups, in-flight marks, commits; -failures.c:
 * failures and their export): the request an operation copies for the
 * worker thread, and small helpers for the handle. Only the worker
 * thread calls the helpers. */

#include <json-glib/json-glib.h>

#include "sy-state-store-private.h"
#include "sy-state-store-sync.h"

G_BEGIN_DECLS

#define RUN_COLUMNS \
  "id, state, mapping_name, mapping_data, pair, source_connection, source_entity, " \
  "target_connection, target_entity, retry_of, batch_size, delay_ms, concurrency, max_rps, " \
  "timeout_s, max_attempts, full, dry_run, started_at, finished_at, read, created, updated, " \
  "failed, skipped, since, checkpoint, high_water, message, cause"

/* Everything an operation needs, copied on the caller's thread so that
 * the worker shares nothing with it. Each operation uses some fields. */
typedef struct
{
  char               *dir;
  gint64              run_id;
  SySyncRun          *run;
  char               *pair;
  guint               offset;
  guint               limit;
  SySyncRunState      state;
  char               *message;
  GStrv               keys;
  GStrv               target_keys;
  gboolean            complete;
  GPtrArray          *results;
  char               *checkpoint;
  char               *high_water;
  SySyncExportFormat  format;
  GOutputStream      *stream;
  GFile              *file;
  GCancellable       *cancellable;
} Request;

static inline Request *
request_new (SyStateStore *self)
{
  Request *request = g_new0 (Request, 1);

  request->dir = g_strdup (sy_state_store_get_dir (self));
  return request;
}

static inline void
request_free (Request *request)
{
  g_free (request->dir);
  g_clear_pointer (&request->run, sy_sync_run_free);
  g_free (request->pair);
  g_free (request->message);
  g_strfreev (request->keys);
  g_strfreev (request->target_keys);
  g_clear_pointer (&request->results, g_ptr_array_unref);
  g_free (request->checkpoint);
  g_free (request->high_water);
  g_clear_object (&request->stream);
  g_clear_object (&request->file);
  g_clear_object (&request->cancellable);
  g_free (request);
}

static inline sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *path,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *statement = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &statement, NULL) != SQLITE_OK)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      sqlite3_finalize (statement);
      return NULL;
    }
  return statement;
}


/* Before a failed transaction's error is reported the handle's message
 * must have been read: ROLLBACK replaces it. */
static inline void
rollback (sqlite3 *db)
{
  if (!sqlite3_get_autocommit (db))
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
}

static inline void
bind_text_or_null (sqlite3_stmt *statement,
                   int           index,
                   const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (statement, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (statement, index);
}

static inline char *
column_strdup (sqlite3_stmt *statement,
               int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (statement, column));
}

static inline gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static inline Request *
run_id_request_new (SyStateStore *self,
                    gint64        run_id)
{
  Request *request = request_new (self);

  request->run_id = run_id;
  return request;
}

/* G_IO_ERROR_NOT_FOUND naming the run and the file. */
void        sy_state_store_sync_set_not_found (GError     **error,
                                               gint64       run_id,
                                               const char  *path);
/* The run's pair, whether it is a dry run and its last result sequence,
 * inside the caller's transaction; NOT_FOUND for an unknown run. */
gboolean    sy_state_store_sync_read_run_header (sqlite3    *db,
                                               const char  *path,
                                               gint64       run_id,
                                               char       **pair,
                                               gboolean    *dry_run,
                                               gint64      *last_seq,
                                               GError     **error);
/* The run as kept, interrupted when no process holds its pair; NULL with
 * NOT_FOUND for an unknown run. */
SySyncRun  *sy_state_store_sync_read_run      (sqlite3     *db,
                                               const char  *path,
                                               const char  *state_dir,
                                               gint64       run_id,
                                               GError     **error);

G_END_DECLS
