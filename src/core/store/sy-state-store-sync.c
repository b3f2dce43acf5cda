/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "sy-state-store-sync-private.h"

/* The tables are made by the 1 → 2 step of migrations[] in
 * sy-state-store.c. Every function here hands its work to the store's
 * worker thread: the *_work functions below are the only code that
 * touches the handle. */

void
sy_state_store_sync_set_not_found (GError     **error,
                                   gint64       run_id,
                                   const char  *path)
{
  /* The number is formatted first: a G_GINT64_FORMAT inside the message
   * would cut it short for xgettext. */
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);

  g_set_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NO_SUCH_RUN,
               _("There is no sync run %s in %s"), id, path);
}

/* --- lock ------------------------------------------------------------ */

struct _SySyncLock
{
  int   fd;
  char *path;
};

static char *
lock_path_for (const char *state_dir,
               const char *pair)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, pair, -1);
  g_autofree char *name = g_strconcat (digest, ".lock", NULL);

  return g_build_filename (state_dir, "locks", name, NULL);
}

/* "the source's orders → the target's orders", for messages. */
static char *
describe_pair (const char *pair)
{
  g_auto(GStrv) parts = g_strsplit (pair, "\n", 4);

  if (g_strv_length (parts) != 4)
    return g_strdup (pair);

  /* TRANSLATORS: a sync pair: source connection, source entity, target connection, target entity */
  return g_strdup_printf (_("%s %s → %s %s"), parts[0], parts[1], parts[2], parts[3]);
}

/* A reader probing whether a run is still alive (pair_is_locked) holds
 * the lock for the length of two system calls: a few short retries keep
 * that from reading as "another sync is running", at a cost of
 * milliseconds only when the pair is really busy. */
#define LOCK_ATTEMPTS 4

static gboolean
try_flock (int fd)
{
  for (guint attempt = 1;; attempt++)
    {
      if (flock (fd, LOCK_EX | LOCK_NB) == 0)
        return TRUE;
      if (errno != EWOULDBLOCK || attempt == LOCK_ATTEMPTS)
        return FALSE;
      g_usleep (1000);
    }
}

SySyncLock *
sy_state_store_lock_pair (SyStateStore  *self,
                          const char    *pair,
                          GError       **error)
{
  g_autofree char *lock_dir = NULL;
  g_autofree char *path = NULL;
  SySyncLock *lock;
  int fd;

  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (pair != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  lock_dir = g_build_filename (sy_state_store_get_dir (self), "locks", NULL);
  path = lock_path_for (sy_state_store_get_dir (self), pair);

  if (g_mkdir_with_parents (lock_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the lock directory %s: %s"), lock_dir, g_strerror (saved_errno));
      return NULL;
    }

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not open the lock file %s: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  /* flock, not fcntl locks: it belongs to this open file description, so
   * a second attempt in the same process fails too, and the kernel drops
   * it when the process dies however it dies. */
  if (!try_flock (fd))
    {
      int saved_errno = errno;
      g_autofree char *description = describe_pair (pair);

      close (fd);
      if (saved_errno == EWOULDBLOCK)
        g_set_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_PAIR_BUSY,
                     _("Another sync of %s is running (it holds %s). Wait for it to end, or stop it"),
                     description, path);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                     _("Could not lock %s: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  lock = g_new0 (SySyncLock, 1);
  lock->fd = fd;
  lock->path = g_steal_pointer (&path);
  return lock;
}

void
sy_sync_lock_free (SySyncLock *lock)
{
  if (lock == NULL)
    return;

  /* Closing the only descriptor of the open file releases the lock. The
   * file stays: removing it would race with a process about to lock it. */
  close (lock->fd);
  g_free (lock->path);
  g_free (lock);
}

/* Whether some process (this one included) holds the pair's lock. The
 * probe takes the lock for an instant when it is free. */
static gboolean
pair_is_locked (const char *state_dir,
                const char *pair)
{
  g_autofree char *path = lock_path_for (state_dir, pair);
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  gboolean locked;

  /* No lock file: nobody ever locked this pair here. */
  if (fd < 0)
    return FALSE;

  locked = flock (fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close (fd);
  return locked;
}

/* --- runs ------------------------------------------------------------ */

static SySyncRun *
run_from_statement (sqlite3_stmt *statement)
{
  SySyncRun *run = sy_sync_run_new ();
  SySyncRunState state = SY_SYNC_RUN_STATE_INTERRUPTED;

  run->id = sqlite3_column_int64 (statement, 0);
  /* A state this version does not know (a newer one wrote it) is shown as
   * interrupted: resumable, never taken for finished. */
  sy_sync_run_state_from_string ((const char *) sqlite3_column_text (statement, 1), &state);
  run->state = state;
  run->mapping_name = column_strdup (statement, 2);
  run->mapping_data = column_strdup (statement, 3);
  run->pair = column_strdup (statement, 4);
  run->source_connection = column_strdup (statement, 5);
  run->source_entity = column_strdup (statement, 6);
  run->target_connection = column_strdup (statement, 7);
  run->target_entity = column_strdup (statement, 8);
  run->retry_of = sqlite3_column_int64 (statement, 9);
  run->options.batch_size = sqlite3_column_int (statement, 10);
  run->options.delay_ms = sqlite3_column_int (statement, 11);
  run->options.concurrency = sqlite3_column_int (statement, 12);
  run->options.max_rps = sqlite3_column_double (statement, 13);
  run->options.timeout_s = sqlite3_column_int (statement, 14);
  run->options.max_attempts = sqlite3_column_int (statement, 15);
  run->options.full = sqlite3_column_int (statement, 16) != 0;
  run->options.dry_run = sqlite3_column_int (statement, 17) != 0;
  run->started_at = sqlite3_column_int64 (statement, 18);
  run->finished_at = sqlite3_column_int64 (statement, 19);
  run->read = sqlite3_column_int64 (statement, 20);
  run->created = sqlite3_column_int64 (statement, 21);
  run->updated = sqlite3_column_int64 (statement, 22);
  run->failed = sqlite3_column_int64 (statement, 23);
  run->skipped = sqlite3_column_int64 (statement, 24);
  run->since = column_strdup (statement, 25);
  run->checkpoint = column_strdup (statement, 26);
  run->high_water = column_strdup (statement, 27);
  run->message = column_strdup (statement, 28);
  run->cause = column_strdup (statement, 29);
  return run;
}

/* A run kept as running whose process is gone. */
static void
detect_interrupted (SySyncRun  *run,
                    const char *state_dir)
{
  if (run->state == SY_SYNC_RUN_STATE_RUNNING &&
      (run->pair == NULL || !pair_is_locked (state_dir, run->pair)))
    run->state = SY_SYNC_RUN_STATE_INTERRUPTED;
}

static gpointer
create_run_work (sqlite3     *db,
                 const char  *path,
                 gpointer     data,
                 GError     **error)
{
  Request *request = data;
  const SySyncRun *run = request->run;
  sqlite3_stmt *statement;
  gint64 *id = NULL;

  statement = prepare (db, path,
                       "INSERT INTO sync_runs (state, mapping_name, mapping_data, pair, "
                       "source_connection, source_entity, target_connection, target_entity, retry_of, "
                       "batch_size, delay_ms, concurrency, max_rps, timeout_s, max_attempts, full, dry_run, "
                       "started_at, finished_at, read, created, updated, failed, skipped, "
                       "since, checkpoint, high_water, message, cause) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                       "?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)",
                       error);
  if (statement == NULL)
    return NULL;

  sqlite3_bind_text (statement, 1, sy_sync_run_state_to_string (SY_SYNC_RUN_STATE_RUNNING), -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 2, run->mapping_name, -1, SQLITE_STATIC);
  bind_text_or_null (statement, 3, run->mapping_data);
  sqlite3_bind_text (statement, 4, run->pair, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 5, run->source_connection, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 6, run->source_entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 7, run->target_connection, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 8, run->target_entity, -1, SQLITE_STATIC);
  if (run->retry_of != 0)
    sqlite3_bind_int64 (statement, 9, run->retry_of);
  else
    sqlite3_bind_null (statement, 9);
  sqlite3_bind_int64 (statement, 10, run->options.batch_size);
  sqlite3_bind_int64 (statement, 11, run->options.delay_ms);
  sqlite3_bind_int64 (statement, 12, run->options.concurrency);
  sqlite3_bind_double (statement, 13, run->options.max_rps);
  sqlite3_bind_int64 (statement, 14, run->options.timeout_s);
  sqlite3_bind_int64 (statement, 15, run->options.max_attempts);
  sqlite3_bind_int (statement, 16, run->options.full ? 1 : 0);
  sqlite3_bind_int (statement, 17, run->options.dry_run ? 1 : 0);
  sqlite3_bind_int64 (statement, 18, run->started_at != 0 ? run->started_at : now_seconds ());
  sqlite3_bind_int64 (statement, 19, run->finished_at);
  sqlite3_bind_int64 (statement, 20, (sqlite3_int64) run->read);
  sqlite3_bind_int64 (statement, 21, (sqlite3_int64) run->created);
  sqlite3_bind_int64 (statement, 22, (sqlite3_int64) run->updated);
  sqlite3_bind_int64 (statement, 23, (sqlite3_int64) run->failed);
  sqlite3_bind_int64 (statement, 24, (sqlite3_int64) run->skipped);
  bind_text_or_null (statement, 25, run->since);
  bind_text_or_null (statement, 26, run->checkpoint);
  bind_text_or_null (statement, 27, run->high_water);
  bind_text_or_null (statement, 28, run->message);
  bind_text_or_null (statement, 29, run->cause);

  if (sqlite3_step (statement) == SQLITE_DONE)
    {
      id = g_new (gint64, 1);
      *id = sqlite3_last_insert_rowid (db);
    }
  else
    sy_state_store_set_sqlite_error (error, db, path);

  sqlite3_finalize (statement);
  return id;
}

static Request *
create_run_request_new (SyStateStore    *self,
                        const SySyncRun *run)
{
  Request *request = request_new (self);

  request->run = sy_sync_run_copy (run);
  if (request->run->pair == NULL)
    request->run->pair = sy_sync_pair_for (run->source_connection, run->source_entity,
                                           run->target_connection, run->target_entity);
  return request;
}

#define RUN_IS_COMPLETE(run) \
  ((run) != NULL && (run)->mapping_name != NULL && \
   (run)->source_connection != NULL && (run)->source_entity != NULL && \
   (run)->target_connection != NULL && (run)->target_entity != NULL)

void
sy_state_store_create_run_async (SyStateStore        *self,
                                 const SySyncRun     *run,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (RUN_IS_COMPLETE (run));

  sy_state_store_run_async (self, create_run_work, create_run_request_new (self, run),
                            (GDestroyNotify) request_free, g_free,
                            sy_state_store_create_run_async, cancellable, callback, user_data);
}

gint64
sy_state_store_create_run_finish (SyStateStore  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_autofree gint64 *id = NULL;

  g_return_val_if_fail (g_async_result_is_tagged (result, sy_state_store_create_run_async), 0);

  id = sy_state_store_run_finish (self, result, error);
  return id != NULL ? *id : 0;
}

gint64
sy_state_store_create_run (SyStateStore     *self,
                           const SySyncRun  *run,
                           GError          **error)
{
  g_autofree gint64 *id = NULL;

  g_return_val_if_fail (SY_IS_STATE_STORE (self), 0);
  g_return_val_if_fail (RUN_IS_COMPLETE (run), 0);

  id = sy_state_store_run (self, create_run_work, create_run_request_new (self, run),
                           (GDestroyNotify) request_free, error);
  return id != NULL ? *id : 0;
}

SySyncRun *
sy_state_store_sync_read_run (sqlite3     *db,
                              const char  *path,
                              const char  *state_dir,
                              gint64       run_id,
                              GError     **error)
{
  sqlite3_stmt *statement;
  SySyncRun *run = NULL;
  int status;

  statement = prepare (db, path, "SELECT " RUN_COLUMNS " FROM sync_runs WHERE id = ?1", error);
  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, run_id);

  status = sqlite3_step (statement);
  if (status == SQLITE_ROW)
    {
      run = run_from_statement (statement);
      detect_interrupted (run, state_dir);
    }
  else if (status == SQLITE_DONE)
    sy_state_store_sync_set_not_found (error, run_id, path);
  else
    sy_state_store_set_sqlite_error (error, db, path);

  sqlite3_finalize (statement);
  return run;
}

gboolean
sy_state_store_sync_read_run_header (sqlite3     *db,
                                     const char  *path,
                                     gint64       run_id,
                                     char       **pair,
                                     gboolean    *dry_run,
                                     gint64      *last_seq,
                                     GError     **error)
{
  sqlite3_stmt *statement;
  int status;
  gboolean ok = FALSE;

  statement = prepare (db, path, "SELECT pair, dry_run, last_seq FROM sync_runs WHERE id = ?1", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, run_id);

  status = sqlite3_step (statement);
  if (status == SQLITE_ROW)
    {
      if (pair != NULL)
        *pair = column_strdup (statement, 0);
      if (dry_run != NULL)
        *dry_run = sqlite3_column_int (statement, 1) != 0;
      if (last_seq != NULL)
        *last_seq = sqlite3_column_int64 (statement, 2);
      ok = TRUE;
    }
  else if (status == SQLITE_DONE)
    sy_state_store_sync_set_not_found (error, run_id, path);
  else
    sy_state_store_set_sqlite_error (error, db, path);

  sqlite3_finalize (statement);
  return ok;
}

static gpointer
load_run_work (sqlite3     *db,
               const char  *path,
               gpointer     data,
               GError     **error)
{
  Request *request = data;

  return sy_state_store_sync_read_run (db, path, request->dir, request->run_id, error);
}


void
sy_state_store_load_run_async (SyStateStore        *self,
                               gint64               run_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));

  sy_state_store_run_async (self, load_run_work, run_id_request_new (self, run_id),
                            (GDestroyNotify) request_free, (GDestroyNotify) sy_sync_run_free,
                            sy_state_store_load_run_async, cancellable, callback, user_data);
}

SySyncRun *
sy_state_store_load_run_finish (SyStateStore  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, sy_state_store_load_run_async), NULL);

  return sy_state_store_run_finish (self, result, error);
}

SySyncRun *
sy_state_store_load_run (SyStateStore  *self,
                         gint64         run_id,
                         GError       **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);

  return sy_state_store_run (self, load_run_work, run_id_request_new (self, run_id),
                             (GDestroyNotify) request_free, error);
}

static gpointer
list_runs_work (sqlite3     *db,
                const char  *path,
                gpointer     data,
                GError     **error)
{
  Request *request = data;
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_sync_run_free);
  sqlite3_stmt *statement;
  int status;

  /* Two queries rather than "?1 IS NULL OR pair = ?1", which no index
   * serves. LIMIT -1 is SQLite's "no limit". */
  if (request->pair != NULL)
    statement = prepare (db, path,
                         "SELECT " RUN_COLUMNS " FROM sync_runs WHERE pair = ?2 ORDER BY id DESC LIMIT ?1",
                         error);
  else
    statement = prepare (db, path,
                         "SELECT " RUN_COLUMNS " FROM sync_runs ORDER BY id DESC LIMIT ?1",
                         error);
  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, request->limit != 0 ? (sqlite3_int64) request->limit : -1);
  if (request->pair != NULL)
    sqlite3_bind_text (statement, 2, request->pair, -1, SQLITE_STATIC);

  while ((status = sqlite3_step (statement)) == SQLITE_ROW)
    {
      SySyncRun *run = run_from_statement (statement);

      detect_interrupted (run, request->dir);
      g_ptr_array_add (runs, run);
    }
  if (status != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      sqlite3_finalize (statement);
      return NULL;
    }

  sqlite3_finalize (statement);
  return g_steal_pointer (&runs);
}

static Request *
list_runs_request_new (SyStateStore *self,
                       const char   *pair,
                       guint         limit)
{
  Request *request = request_new (self);

  request->pair = g_strdup (pair);
  request->limit = limit;
  return request;
}

void
sy_state_store_list_runs_async (SyStateStore        *self,
                                const char          *pair,
                                guint                limit,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));

  sy_state_store_run_async (self, list_runs_work, list_runs_request_new (self, pair, limit),
                            (GDestroyNotify) request_free, (GDestroyNotify) g_ptr_array_unref,
                            sy_state_store_list_runs_async, cancellable, callback, user_data);
}

GPtrArray *
sy_state_store_list_runs_finish (SyStateStore  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, sy_state_store_list_runs_async), NULL);

  return sy_state_store_run_finish (self, result, error);
}

GPtrArray *
sy_state_store_list_runs (SyStateStore  *self,
                          const char    *pair,
                          guint          limit,
                          GError       **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);

  return sy_state_store_run (self, list_runs_work, list_runs_request_new (self, pair, limit),
                             (GDestroyNotify) request_free, error);
}

/* The WHERE clause matches the partial index sync_runs_high_water word
 * for word, which is what lets SQLite use it. */
static gpointer
get_high_water_work (sqlite3     *db,
                     const char  *path,
                     gpointer     data,
                     GError     **error)
{
  Request *request = data;
  sqlite3_stmt *statement;
  char *high_water = NULL;
  int status;

  statement = prepare (db, path,
                       "SELECT high_water FROM sync_runs "
                       "WHERE state = 'finished' AND dry_run = 0 AND retry_of IS NULL "
                       "AND high_water IS NOT NULL AND pair = ?1 "
                       "ORDER BY finished_at DESC, id DESC LIMIT 1",
                       error);
  if (statement == NULL)
    return NULL;
  sqlite3_bind_text (statement, 1, request->pair, -1, SQLITE_STATIC);

  status = sqlite3_step (statement);
  if (status == SQLITE_ROW)
    high_water = column_strdup (statement, 0);
  else if (status != SQLITE_DONE)
    sy_state_store_set_sqlite_error (error, db, path);

  sqlite3_finalize (statement);
  return high_water;
}

char *
sy_state_store_get_high_water (SyStateStore  *self,
                               const char    *pair,
                               GError       **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (pair != NULL, NULL);

  return sy_state_store_run (self, get_high_water_work, list_runs_request_new (self, pair, 0),
                             (GDestroyNotify) request_free, error);
}

static gpointer
set_run_state_work (sqlite3     *db,
                    const char  *path,
                    gpointer     data,
                    GError     **error)
{
  Request *request = data;
  sqlite3_stmt *statement;
  gboolean ok = FALSE;

  statement = prepare (db, path,
                       "UPDATE sync_runs SET state = ?1, message = ?2, finished_at = ?3 WHERE id = ?4",
                       error);
  if (statement == NULL)
    return NULL;

  sqlite3_bind_text (statement, 1, sy_sync_run_state_to_string (request->state), -1, SQLITE_STATIC);
  bind_text_or_null (statement, 2, request->message);
  /* Taking a run back (resume) makes it unfinished again. */
  sqlite3_bind_int64 (statement, 3, request->state == SY_SYNC_RUN_STATE_RUNNING ? 0 : now_seconds ());
  sqlite3_bind_int64 (statement, 4, request->run_id);

  if (sqlite3_step (statement) != SQLITE_DONE)
    sy_state_store_set_sqlite_error (error, db, path);
  else if (sqlite3_changes (db) == 0)
    sy_state_store_sync_set_not_found (error, request->run_id, path);
  else
    ok = TRUE;

  sqlite3_finalize (statement);
  return ok ? GINT_TO_POINTER (TRUE) : NULL;
}

static Request *
set_run_state_request_new (SyStateStore   *self,
                           gint64          run_id,
                           SySyncRunState  state,
                           const char     *message)
{
  Request *request = run_id_request_new (self, run_id);

  request->state = state;
  request->message = g_strdup (message);
  return request;
}

void
sy_state_store_set_run_state_async (SyStateStore        *self,
                                    gint64               run_id,
                                    SySyncRunState       state,
                                    const char          *message,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (sy_sync_run_state_to_string (state) != NULL);

  sy_state_store_run_async (self, set_run_state_work,
                            set_run_state_request_new (self, run_id, state, message),
                            (GDestroyNotify) request_free, NULL,
                            sy_state_store_set_run_state_async, cancellable, callback, user_data);
}

gboolean
sy_state_store_set_run_state_finish (SyStateStore  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, sy_state_store_set_run_state_async), FALSE);

  return sy_state_store_run_finish (self, result, error) != NULL;
}

gboolean
sy_state_store_set_run_state (SyStateStore    *self,
                              gint64           run_id,
                              SySyncRunState   state,
                              const char      *message,
                              GError         **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (sy_sync_run_state_to_string (state) != NULL, FALSE);

  return sy_state_store_run (self, set_run_state_work,
                             set_run_state_request_new (self, run_id, state, message),
                             (GDestroyNotify) request_free, error) != NULL;
}

