/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include "sy-state-store.h"

G_BEGIN_DECLS

/* For the parts of the state store that live in their own files
 * (sy-state-store-sync.c): run a piece of work on the store's worker
 * thread, the only thread that touches the database.
 *
 * work runs on the worker thread with the open handle; it returns a
 * pointer result (or NULL) and sets error on failure. data belongs to the
 * op and is freed with data_free on the worker thread once work is done.
 * A result that outlives the op is handed to the caller, who frees it with
 * result_free when the task is dropped unclaimed. */
typedef gpointer (*SyStateStoreWork) (sqlite3     *db,
                                      const char  *path,
                                      gpointer     data,
                                      GError     **error);

void      sy_state_store_run_async    (SyStateStore        *self,
                                       SyStateStoreWork     work,
                                       gpointer             data,
                                       GDestroyNotify       data_free,
                                       GDestroyNotify       result_free,
                                       gpointer             source_tag,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
/* The work's result; NULL with error set when it failed. A work that
 * returns no result should return GINT_TO_POINTER (TRUE) on success. */
gpointer  sy_state_store_run_finish   (SyStateStore        *self,
                                       GAsyncResult        *result,
                                       GError             **error);
/* Blocks the caller until the work is done (CLI, tests). */
gpointer  sy_state_store_run          (SyStateStore        *self,
                                       SyStateStoreWork     work,
                                       gpointer             data,
                                       GDestroyNotify       data_free,
                                       GError             **error);

/* The error for the handle's last failure, naming the file. */
void      sy_state_store_set_sqlite_error (GError         **error,
                                           sqlite3         *db,
                                           const char      *path);

/* Runs sql (no result rows); the error names the file. */
static inline gboolean
exec (sqlite3     *db,
      const char  *path,
      const char  *sql,
      GError     **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      return FALSE;
    }
  return TRUE;
}

/* Runs sql, a statement with one parameter, ?1, bound to text (e.g.
 * "DELETE FROM t WHERE connection_id = ?1"); the error names the file. */
gboolean  sy_state_store_exec_with_text (sqlite3         *db,
                                         const char      *path,
                                         const char      *sql,
                                         const char      *text,
                                         GError         **error);

/* The directory state.db lives in (for lock files). */
const char *sy_state_store_get_dir    (SyStateStore        *self);

G_END_DECLS
