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

#include "sy-state-store-private.h"
#include "sy-state-store-sync.h"

/* The tables are made by the 1 → 2 step of migrations[] in
 * sy-state-store.c. Every function here hands its work to the store's
 * worker thread: the *_work functions below are the only code that
 * touches the handle. */

/* Export rows are gathered up to this size before they are written, so
 * that a large export costs few writes but never much memory. */
#define EXPORT_CHUNK_SIZE (64 * 1024)

#define RUN_COLUMNS \
  "id, state, mapping_name, mapping_data, pair, source_connection, source_entity, " \
  "target_connection, target_entity, retry_of, batch_size, delay_ms, concurrency, max_rps, " \
  "timeout_s, max_attempts, full, dry_run, started_at, finished_at, read, created, updated, " \
  "failed, skipped, since, checkpoint, high_water, message"

#define RESULT_COLUMNS \
  "source_key, outcome, target_key, payload_hash, updated_at, status, message, " \
  "field_errors, request_id, attempts, at"

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
  GPtrArray          *results;
  char               *checkpoint;
  char               *high_water;
  SySyncExportFormat  format;
  GOutputStream      *stream;
  GFile              *file;
  GCancellable       *cancellable;
} Request;

static Request *
request_new (SyStateStore *self)
{
  Request *request = g_new0 (Request, 1);

  request->dir = g_strdup (sy_state_store_get_dir (self));
  return request;
}

static void
request_free (Request *request)
{
  g_free (request->dir);
  g_clear_pointer (&request->run, sy_sync_run_free);
  g_free (request->pair);
  g_free (request->message);
  g_strfreev (request->keys);
  g_clear_pointer (&request->results, g_ptr_array_unref);
  g_free (request->checkpoint);
  g_free (request->high_water);
  g_clear_object (&request->stream);
  g_clear_object (&request->file);
  g_clear_object (&request->cancellable);
  g_free (request);
}

/* --- helpers for the worker ------------------------------------------ */

static void
set_not_found (GError     **error,
               gint64       run_id,
               const char  *path)
{
  /* The number is formatted first: a G_GINT64_FORMAT inside the message
   * would cut it short for xgettext. */
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("There is no sync run %s in %s"), id, path);
}

static sqlite3_stmt *
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

static gboolean
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

/* Before a failed transaction's error is reported the handle's message
 * must have been read: ROLLBACK replaces it. */
static void
rollback (sqlite3 *db)
{
  if (!sqlite3_get_autocommit (db))
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
}

static void
bind_text_or_null (sqlite3_stmt *statement,
                   int           index,
                   const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (statement, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (statement, index);
}

static char *
column_strdup (sqlite3_stmt *statement,
               int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (statement, column));
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
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
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
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
                       "since, checkpoint, high_water, message) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                       "?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
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

static gpointer
load_run_work (sqlite3     *db,
               const char  *path,
               gpointer     data,
               GError     **error)
{
  Request *request = data;
  sqlite3_stmt *statement;
  SySyncRun *run = NULL;
  int status;

  statement = prepare (db, path, "SELECT " RUN_COLUMNS " FROM sync_runs WHERE id = ?1", error);
  if (statement == NULL)
    return NULL;
  sqlite3_bind_int64 (statement, 1, request->run_id);

  status = sqlite3_step (statement);
  if (status == SQLITE_ROW)
    {
      run = run_from_statement (statement);
      detect_interrupted (run, request->dir);
    }
  else if (status == SQLITE_DONE)
    set_not_found (error, request->run_id, path);
  else
    sy_state_store_set_sqlite_error (error, db, path);

  sqlite3_finalize (statement);
  return run;
}

static Request *
run_id_request_new (SyStateStore *self,
                    gint64        run_id)
{
  Request *request = request_new (self);

  request->run_id = run_id;
  return request;
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
    set_not_found (error, request->run_id, path);
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

/* --- batches --------------------------------------------------------- */

void
sy_sync_batch_state_free (SySyncBatchState *state)
{
  if (state == NULL)
    return;

  g_clear_pointer (&state->target_keys, g_hash_table_unref);
  g_clear_pointer (&state->payload_hashes, g_hash_table_unref);
  g_clear_pointer (&state->done, g_hash_table_unref);
  g_clear_pointer (&state->in_flight, g_hash_table_unref);
  g_free (state);
}

static SySyncBatchState *
batch_state_new (void)
{
  SySyncBatchState *state = g_new0 (SySyncBatchState, 1);

  state->target_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  state->payload_hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  state->done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  state->in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return state;
}

/* Steps a one-row query of the key bound as ?2; TRUE when it found a row,
 * FALSE (error unset) when it found none. */
static gboolean
step_lookup (sqlite3_stmt  *statement,
             const char    *key,
             sqlite3       *db,
             const char    *path,
             gboolean      *found,
             GError       **error)
{
  int status;

  sqlite3_reset (statement);
  sqlite3_bind_text (statement, 2, key, -1, SQLITE_STATIC);
  status = sqlite3_step (statement);
  if (status != SQLITE_ROW && status != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      return FALSE;
    }
  *found = status == SQLITE_ROW;
  return TRUE;
}

static gpointer
lookup_batch_work (sqlite3     *db,
                   const char  *path,
                   gpointer     data,
                   GError     **error)
{
  Request *request = data;
  g_autoptr(SySyncBatchState) state = batch_state_new ();
  sqlite3_stmt *key_map = NULL;
  sqlite3_stmt *done = NULL;
  sqlite3_stmt *in_flight = NULL;
  gboolean ok = FALSE;

  /* One read transaction: the three answers describe the same moment. */
  if (!exec (db, path, "BEGIN", error))
    return NULL;

  key_map = prepare (db, path, "SELECT target_key, payload_hash FROM sync_key_map "
                               "WHERE pair = ?1 AND source_key = ?2", error);
  if (key_map == NULL)
    goto out;
  done = prepare (db, path, "SELECT 1 FROM sync_results WHERE run_id = ?1 AND source_key = ?2", error);
  if (done == NULL)
    goto out;
  in_flight = prepare (db, path, "SELECT 1 FROM sync_in_flight WHERE run_id = ?1 AND source_key = ?2", error);
  if (in_flight == NULL)
    goto out;

  sqlite3_bind_text (key_map, 1, request->pair, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (done, 1, request->run_id);
  sqlite3_bind_int64 (in_flight, 1, request->run_id);

  for (guint i = 0; request->keys != NULL && request->keys[i] != NULL; i++)
    {
      const char *key = request->keys[i];
      gboolean found;

      if (!step_lookup (key_map, key, db, path, &found, error))
        goto out;
      if (found)
        {
          g_hash_table_replace (state->target_keys, g_strdup (key), column_strdup (key_map, 0));
          if (sqlite3_column_type (key_map, 1) != SQLITE_NULL)
            g_hash_table_replace (state->payload_hashes, g_strdup (key), column_strdup (key_map, 1));
        }

      if (!step_lookup (done, key, db, path, &found, error))
        goto out;
      if (found)
        g_hash_table_add (state->done, g_strdup (key));

      if (!step_lookup (in_flight, key, db, path, &found, error))
        goto out;
      if (found)
        g_hash_table_add (state->in_flight, g_strdup (key));
    }

  ok = TRUE;

out:
  sqlite3_finalize (key_map);
  sqlite3_finalize (done);
  sqlite3_finalize (in_flight);
  if (ok && !exec (db, path, "COMMIT", error))
    ok = FALSE;
  rollback (db);
  return ok ? g_steal_pointer (&state) : NULL;
}

static Request *
keys_request_new (SyStateStore       *self,
                  gint64              run_id,
                  const char         *pair,
                  const char * const *source_keys)
{
  Request *request = run_id_request_new (self, run_id);

  request->pair = g_strdup (pair);
  request->keys = g_strdupv ((char **) source_keys);
  return request;
}

void
sy_state_store_lookup_batch_async (SyStateStore        *self,
                                   gint64               run_id,
                                   const char          *pair,
                                   const char * const  *source_keys,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (pair != NULL);
  g_return_if_fail (source_keys != NULL);

  sy_state_store_run_async (self, lookup_batch_work, keys_request_new (self, run_id, pair, source_keys),
                            (GDestroyNotify) request_free, (GDestroyNotify) sy_sync_batch_state_free,
                            sy_state_store_lookup_batch_async, cancellable, callback, user_data);
}

SySyncBatchState *
sy_state_store_lookup_batch_finish (SyStateStore  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, sy_state_store_lookup_batch_async), NULL);

  return sy_state_store_run_finish (self, result, error);
}

SySyncBatchState *
sy_state_store_lookup_batch (SyStateStore        *self,
                             gint64               run_id,
                             const char          *pair,
                             const char * const  *source_keys,
                             GError             **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (pair != NULL, NULL);
  g_return_val_if_fail (source_keys != NULL, NULL);

  return sy_state_store_run (self, lookup_batch_work, keys_request_new (self, run_id, pair, source_keys),
                             (GDestroyNotify) request_free, error);
}

/* The run's pair and whether it is a dry run, inside the caller's
 * transaction; NOT_FOUND for an unknown run. */
static gboolean
read_run_header (sqlite3     *db,
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
    set_not_found (error, run_id, path);
  else
    sy_state_store_set_sqlite_error (error, db, path);

  sqlite3_finalize (statement);
  return ok;
}

static gpointer
mark_in_flight_work (sqlite3     *db,
                     const char  *path,
                     gpointer     data,
                     GError     **error)
{
  Request *request = data;
  sqlite3_stmt *insert = NULL;
  gboolean ok = FALSE;

  if (!exec (db, path, "BEGIN IMMEDIATE", error))
    return NULL;

  if (!read_run_header (db, path, request->run_id, NULL, NULL, NULL, error))
    goto out;

  insert = prepare (db, path, "INSERT OR IGNORE INTO sync_in_flight (run_id, source_key) VALUES (?1, ?2)", error);
  if (insert == NULL)
    goto out;
  sqlite3_bind_int64 (insert, 1, request->run_id);

  for (guint i = 0; request->keys != NULL && request->keys[i] != NULL; i++)
    {
      sqlite3_reset (insert);
      sqlite3_bind_text (insert, 2, request->keys[i], -1, SQLITE_STATIC);
      if (sqlite3_step (insert) != SQLITE_DONE)
        {
          sy_state_store_set_sqlite_error (error, db, path);
          goto out;
        }
    }

  ok = exec (db, path, "COMMIT", error);

out:
  sqlite3_finalize (insert);
  rollback (db);
  return ok ? GINT_TO_POINTER (TRUE) : NULL;
}

void
sy_state_store_mark_in_flight_async (SyStateStore        *self,
                                     gint64               run_id,
                                     const char * const  *source_keys,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (source_keys != NULL);

  sy_state_store_run_async (self, mark_in_flight_work, keys_request_new (self, run_id, NULL, source_keys),
                            (GDestroyNotify) request_free, NULL,
                            sy_state_store_mark_in_flight_async, cancellable, callback, user_data);
}

gboolean
sy_state_store_mark_in_flight_finish (SyStateStore  *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, sy_state_store_mark_in_flight_async), FALSE);

  return sy_state_store_run_finish (self, result, error) != NULL;
}

gboolean
sy_state_store_mark_in_flight (SyStateStore        *self,
                               gint64               run_id,
                               const char * const  *source_keys,
                               GError             **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (source_keys != NULL, FALSE);

  return sy_state_store_run (self, mark_in_flight_work, keys_request_new (self, run_id, NULL, source_keys),
                             (GDestroyNotify) request_free, error) != NULL;
}

/* Which of the run's counters an outcome moves. A dry run's would-create
 * and would-update count as created and updated: the run says it was a
 * dry run. read is counted apart (every distinct key once). */
typedef enum
{
  COUNT_CREATED,
  COUNT_UPDATED,
  COUNT_FAILED,
  COUNT_SKIPPED,
  N_COUNTS,
} Count;

static Count
count_for_outcome (SySyncOutcome outcome)
{
  switch (outcome)
    {
    case SY_SYNC_OUTCOME_CREATED:
    case SY_SYNC_OUTCOME_WOULD_CREATE:
      return COUNT_CREATED;
    case SY_SYNC_OUTCOME_UPDATED:
    case SY_SYNC_OUTCOME_WOULD_UPDATE:
      return COUNT_UPDATED;
    case SY_SYNC_OUTCOME_UNCHANGED:
      return COUNT_SKIPPED;
    case SY_SYNC_OUTCOME_FAILED:
    default:
      return COUNT_FAILED;
    }
}

static gboolean
outcome_maps_key (SySyncOutcome outcome)
{
  return outcome == SY_SYNC_OUTCOME_CREATED ||
         outcome == SY_SYNC_OUTCOME_UPDATED ||
         outcome == SY_SYNC_OUTCOME_UNCHANGED;
}

/* The statements of one commit, prepared once and reset per result. */
typedef struct
{
  sqlite3_stmt *previous;
  sqlite3_stmt *upsert_result;
  sqlite3_stmt *upsert_key;
  sqlite3_stmt *leave_flight;
  sqlite3_stmt *update_run;
} CommitStatements;

static void
commit_statements_clear (CommitStatements *statements)
{
  sqlite3_finalize (statements->previous);
  sqlite3_finalize (statements->upsert_result);
  sqlite3_finalize (statements->upsert_key);
  sqlite3_finalize (statements->leave_flight);
  sqlite3_finalize (statements->update_run);
}

static gboolean
commit_statements_prepare (CommitStatements  *statements,
                           sqlite3           *db,
                           const char        *path,
                           GError           **error)
{
  statements->previous = prepare (db, path, "SELECT outcome FROM sync_results WHERE run_id = ?1 AND source_key = ?2",
                                  error);
  if (statements->previous == NULL)
    return FALSE;

  /* An upsert rather than INSERT OR REPLACE, which would delete first. */
  statements->upsert_result =
    prepare (db, path,
             "INSERT INTO sync_results (run_id, source_key, outcome, target_key, payload_hash, updated_at, "
             "status, message, field_errors, request_id, attempts, at, seq) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
             "ON CONFLICT (run_id, source_key) DO UPDATE SET outcome = excluded.outcome, "
             "target_key = excluded.target_key, payload_hash = excluded.payload_hash, "
             "updated_at = excluded.updated_at, status = excluded.status, message = excluded.message, "
             "field_errors = excluded.field_errors, request_id = excluded.request_id, "
             "attempts = excluded.attempts, at = excluded.at, seq = excluded.seq",
             error);
  if (statements->upsert_result == NULL)
    return FALSE;

  /* An unchanged record may come without its hash: the one kept stays. */
  statements->upsert_key =
    prepare (db, path,
             "INSERT INTO sync_key_map (pair, source_key, target_key, payload_hash, updated_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5) "
             "ON CONFLICT (pair, source_key) DO UPDATE SET target_key = excluded.target_key, "
             "payload_hash = coalesce (excluded.payload_hash, payload_hash), "
             "updated_at = coalesce (excluded.updated_at, updated_at)",
             error);
  if (statements->upsert_key == NULL)
    return FALSE;

  statements->leave_flight = prepare (db, path, "DELETE FROM sync_in_flight WHERE run_id = ?1 AND source_key = ?2",
                                      error);
  if (statements->leave_flight == NULL)
    return FALSE;

  statements->update_run =
    prepare (db, path,
             "UPDATE sync_runs SET read = read + ?2, created = created + ?3, updated = updated + ?4, "
             "failed = failed + ?5, skipped = skipped + ?6, last_seq = ?7, "
             "checkpoint = coalesce (?8, checkpoint), high_water = coalesce (?9, high_water) "
             "WHERE id = ?1",
             error);
  return statements->update_run != NULL;
}

static gboolean
step_done (sqlite3_stmt  *statement,
           sqlite3       *db,
           const char    *path,
           GError       **error)
{
  if (sqlite3_step (statement) != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
commit_one (CommitStatements    *statements,
            sqlite3             *db,
            const char          *path,
            gint64               run_id,
            const char          *pair,
            gboolean             dry_run,
            const SySyncResult  *result,
            gint64               seq,
            gint64              *read_delta,
            gint64              *deltas,
            GError             **error)
{
  sqlite3_stmt *statement;
  SySyncOutcome previous_outcome;
  int status;

  if (sy_sync_outcome_to_string (result->outcome) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The result of record %s has no valid outcome"),
                   result->source_key != NULL ? result->source_key : "?");
      return FALSE;
    }

  statement = statements->previous;
  sqlite3_reset (statement);
  sqlite3_bind_int64 (statement, 1, run_id);
  bind_text_or_null (statement, 2, result->source_key);
  status = sqlite3_step (statement);
  if (status == SQLITE_ROW)
    {
      /* A key that comes again leaves its old counter for its new one. */
      if (sy_sync_outcome_from_string ((const char *) sqlite3_column_text (statement, 0), &previous_outcome))
        deltas[count_for_outcome (previous_outcome)]--;
    }
  else if (status == SQLITE_DONE)
    (*read_delta)++;
  else
    {
      sy_state_store_set_sqlite_error (error, db, path);
      return FALSE;
    }
  deltas[count_for_outcome (result->outcome)]++;

  statement = statements->upsert_result;
  sqlite3_reset (statement);
  sqlite3_bind_int64 (statement, 1, run_id);
  bind_text_or_null (statement, 2, result->source_key);
  sqlite3_bind_text (statement, 3, sy_sync_outcome_to_string (result->outcome), -1, SQLITE_STATIC);
  bind_text_or_null (statement, 4, result->target_key);
  bind_text_or_null (statement, 5, result->payload_hash);
  bind_text_or_null (statement, 6, result->updated_at);
  sqlite3_bind_int64 (statement, 7, result->status);
  bind_text_or_null (statement, 8, result->message);
  bind_text_or_null (statement, 9, result->field_errors);
  bind_text_or_null (statement, 10, result->request_id);
  sqlite3_bind_int64 (statement, 11, result->attempts);
  sqlite3_bind_int64 (statement, 12, result->at != 0 ? result->at : now_seconds ());
  sqlite3_bind_int64 (statement, 13, seq);
  if (!step_done (statement, db, path, error))
    return FALSE;

  if (!outcome_maps_key (result->outcome))
    return TRUE;

  if (!dry_run)
    {
      if (result->target_key == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("The result of record %s has no target key; nothing of its batch was kept in %s"),
                       result->source_key, path);
          return FALSE;
        }

      statement = statements->upsert_key;
      sqlite3_reset (statement);
      sqlite3_bind_text (statement, 1, pair, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 2, result->source_key, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 3, result->target_key, -1, SQLITE_STATIC);
      bind_text_or_null (statement, 4, result->payload_hash);
      bind_text_or_null (statement, 5, result->updated_at);
      if (!step_done (statement, db, path, error))
        return FALSE;
    }

  statement = statements->leave_flight;
  sqlite3_reset (statement);
  sqlite3_bind_int64 (statement, 1, run_id);
  sqlite3_bind_text (statement, 2, result->source_key, -1, SQLITE_STATIC);
  return step_done (statement, db, path, error);
}

static gpointer
commit_batch_work (sqlite3     *db,
                   const char  *path,
                   gpointer     data,
                   GError     **error)
{
  Request *request = data;
  CommitStatements statements = { NULL, };
  g_autofree char *pair = NULL;
  gboolean dry_run = FALSE;
  gint64 seq = 0;
  gint64 read_delta = 0;
  gint64 deltas[N_COUNTS] = { 0, };
  gboolean ok = FALSE;

  /* IMMEDIATE: the write lock first, so that no other writer slips in
   * between the reads of earlier outcomes and the writes they decide. */
  if (!exec (db, path, "BEGIN IMMEDIATE", error))
    return NULL;

  if (!read_run_header (db, path, request->run_id, &pair, &dry_run, &seq, error) ||
      !commit_statements_prepare (&statements, db, path, error))
    goto out;

  for (guint i = 0; request->results != NULL && i < request->results->len; i++)
    if (!commit_one (&statements, db, path, request->run_id, pair, dry_run,
                     g_ptr_array_index (request->results, i), ++seq,
                     &read_delta, deltas, error))
      goto out;

  sqlite3_bind_int64 (statements.update_run, 1, request->run_id);
  sqlite3_bind_int64 (statements.update_run, 2, read_delta);
  sqlite3_bind_int64 (statements.update_run, 3, deltas[COUNT_CREATED]);
  sqlite3_bind_int64 (statements.update_run, 4, deltas[COUNT_UPDATED]);
  sqlite3_bind_int64 (statements.update_run, 5, deltas[COUNT_FAILED]);
  sqlite3_bind_int64 (statements.update_run, 6, deltas[COUNT_SKIPPED]);
  sqlite3_bind_int64 (statements.update_run, 7, seq);
  bind_text_or_null (statements.update_run, 8, request->checkpoint);
  bind_text_or_null (statements.update_run, 9, request->high_water);
  if (!step_done (statements.update_run, db, path, error))
    goto out;

  ok = exec (db, path, "COMMIT", error);

out:
  commit_statements_clear (&statements);
  rollback (db);
  return ok ? GINT_TO_POINTER (TRUE) : NULL;
}

static gpointer
copy_result (gconstpointer result,
             gpointer      user_data)
{
  return sy_sync_result_copy (result);
}

static Request *
commit_batch_request_new (SyStateStore *self,
                          gint64        run_id,
                          GPtrArray    *results,
                          const char   *checkpoint,
                          const char   *high_water)
{
  Request *request = run_id_request_new (self, run_id);

  if (results != NULL)
    {
      request->results = g_ptr_array_copy (results, copy_result, NULL);
      g_ptr_array_set_free_func (request->results, (GDestroyNotify) sy_sync_result_free);
    }
  request->checkpoint = g_strdup (checkpoint);
  request->high_water = g_strdup (high_water);
  return request;
}

void
sy_state_store_commit_batch_async (SyStateStore        *self,
                                   gint64               run_id,
                                   GPtrArray           *results,
                                   const char          *checkpoint,
                                   const char          *high_water,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));

  sy_state_store_run_async (self, commit_batch_work,
                            commit_batch_request_new (self, run_id, results, checkpoint, high_water),
                            (GDestroyNotify) request_free, NULL,
                            sy_state_store_commit_batch_async, cancellable, callback, user_data);
}

gboolean
sy_state_store_commit_batch_finish (SyStateStore  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, sy_state_store_commit_batch_async), FALSE);

  return sy_state_store_run_finish (self, result, error) != NULL;
}

gboolean
sy_state_store_commit_batch (SyStateStore  *self,
                             gint64         run_id,
                             GPtrArray     *results,
                             const char    *checkpoint,
                             const char    *high_water,
                             GError       **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);

  return sy_state_store_run (self, commit_batch_work,
                             commit_batch_request_new (self, run_id, results, checkpoint, high_water),
                             (GDestroyNotify) request_free, error) != NULL;
}

/* --- failures -------------------------------------------------------- */

static SySyncResult *
result_from_statement (sqlite3_stmt *statement)
{
  SySyncOutcome outcome = SY_SYNC_OUTCOME_FAILED;
  SySyncResult *result;

  sy_sync_outcome_from_string ((const char *) sqlite3_column_text (statement, 1), &outcome);
  result = sy_sync_result_new ((const char *) sqlite3_column_text (statement, 0), outcome);
  result->target_key = column_strdup (statement, 2);
  result->payload_hash = column_strdup (statement, 3);
  result->updated_at = column_strdup (statement, 4);
  result->status = sqlite3_column_int (statement, 5);
  result->message = column_strdup (statement, 6);
  result->field_errors = column_strdup (statement, 7);
  result->request_id = column_strdup (statement, 8);
  result->attempts = sqlite3_column_int (statement, 9);
  result->at = sqlite3_column_int64 (statement, 10);
  return result;
}

/* Uses the index sync_results_outcome (run_id, outcome, seq). */
#define FAILURES_QUERY \
  "SELECT " RESULT_COLUMNS " FROM sync_results " \
  "WHERE run_id = ?1 AND outcome = 'failed' ORDER BY seq LIMIT ?2 OFFSET ?3"

static gpointer
list_failures_work (sqlite3     *db,
                    const char  *path,
                    gpointer     data,
                    GError     **error)
{
  Request *request = data;
  g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_sync_result_free);
  sqlite3_stmt *statement = NULL;
  gboolean ok = FALSE;
  int status;

  if (!exec (db, path, "BEGIN", error))
    return NULL;

  if (!read_run_header (db, path, request->run_id, NULL, NULL, NULL, error))
    goto out;

  statement = prepare (db, path, FAILURES_QUERY, error);
  if (statement == NULL)
    goto out;
  sqlite3_bind_int64 (statement, 1, request->run_id);
  sqlite3_bind_int64 (statement, 2, request->limit != 0 ? (sqlite3_int64) request->limit : -1);
  sqlite3_bind_int64 (statement, 3, request->offset);

  while ((status = sqlite3_step (statement)) == SQLITE_ROW)
    g_ptr_array_add (failures, result_from_statement (statement));
  if (status != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      goto out;
    }

  ok = exec (db, path, "COMMIT", error);

out:
  sqlite3_finalize (statement);
  rollback (db);
  return ok ? g_steal_pointer (&failures) : NULL;
}

static Request *
list_failures_request_new (SyStateStore *self,
                           gint64        run_id,
                           guint         offset,
                           guint         limit)
{
  Request *request = run_id_request_new (self, run_id);

  request->offset = offset;
  request->limit = limit;
  return request;
}

void
sy_state_store_list_failures_async (SyStateStore        *self,
                                    gint64               run_id,
                                    guint                offset,
                                    guint                limit,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));

  sy_state_store_run_async (self, list_failures_work, list_failures_request_new (self, run_id, offset, limit),
                            (GDestroyNotify) request_free, (GDestroyNotify) g_ptr_array_unref,
                            sy_state_store_list_failures_async, cancellable, callback, user_data);
}

GPtrArray *
sy_state_store_list_failures_finish (SyStateStore  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, sy_state_store_list_failures_async), NULL);

  return sy_state_store_run_finish (self, result, error);
}

GPtrArray *
sy_state_store_list_failures (SyStateStore  *self,
                              gint64         run_id,
                              guint          offset,
                              guint          limit,
                              GError       **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);

  return sy_state_store_run (self, list_failures_work, list_failures_request_new (self, run_id, offset, limit),
                             (GDestroyNotify) request_free, error);
}

/* --- export ---------------------------------------------------------- */

gboolean
sy_sync_export_format_from_string (const char         *string,
                                   SySyncExportFormat *format)
{
  g_return_val_if_fail (format != NULL, FALSE);

  if (g_strcmp0 (string, "csv") == 0)
    *format = SY_SYNC_EXPORT_CSV;
  else if (g_strcmp0 (string, "json") == 0)
    *format = SY_SYNC_EXPORT_JSON;
  else
    return FALSE;
  return TRUE;
}

static char *
iso8601_from_unix (gint64 seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (seconds);

  return time != NULL ? g_date_time_format_iso8601 (time) : NULL;
}

/* RFC 4180: a field with a comma, a quote or a line break is quoted and
 * its quotes doubled. A field that a spreadsheet would take for a formula
 * (it starts with = + - @, or a tab or carriage return that some hide) is
 * prefixed with a single quote: failure messages come from the server and
 * from the source's data, which an attacker may control (CSV injection). */
static void
append_csv_field (GString    *out,
                  const char *field)
{
  gboolean formula;

  if (field == NULL || *field == '\0')
    return;

  formula = strchr ("=+-@\t\r", field[0]) != NULL;
  if (strpbrk (field, ",\"\r\n") == NULL)
    {
      if (formula)
        g_string_append_c (out, '\'');
      g_string_append (out, field);
      return;
    }

  g_string_append_c (out, '"');
  if (formula)
    g_string_append_c (out, '\'');
  for (const char *p = field; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
append_csv_row (GString            *out,
                const char * const *fields,
                guint               n_fields)
{
  for (guint i = 0; i < n_fields; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_csv_field (out, fields[i]);
    }
  /* RFC 4180 ends lines with CRLF. */
  g_string_append (out, "\r\n");
}

static const char * const export_columns[] = {
  "source_key", "target_entity", "status", "message", "field_errors", "request_id", "attempts", "at",
};

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *member,
                    const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
append_json_row (GString      *out,
                 gboolean      first,
                 sqlite3_stmt *statement,
                 const char   *target_entity)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const char *field_errors = (const char *) sqlite3_column_text (statement, 7);
  int status = sqlite3_column_int (statement, 5);
  g_autofree char *at = iso8601_from_unix (sqlite3_column_int64 (statement, 10));
  JsonNode *field_errors_node = NULL;

  if (field_errors != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, field_errors, -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        field_errors_node = json_node_copy (json_parser_get_root (parser));
    }

  json_builder_begin_object (builder);
  add_string_or_null (builder, "source_key", (const char *) sqlite3_column_text (statement, 0));
  add_string_or_null (builder, "target_entity", target_entity);
  /* 0 is "no answer from the server": no status at all. */
  json_builder_set_member_name (builder, "status");
  if (status != 0)
    json_builder_add_int_value (builder, status);
  else
    json_builder_add_null_value (builder);
  add_string_or_null (builder, "message", (const char *) sqlite3_column_text (statement, 6));
  json_builder_set_member_name (builder, "field_errors");
  if (field_errors_node != NULL)
    json_builder_add_value (builder, field_errors_node);
  else
    json_builder_add_null_value (builder);
  add_string_or_null (builder, "request_id", (const char *) sqlite3_column_text (statement, 8));
  json_builder_set_member_name (builder, "attempts");
  json_builder_add_int_value (builder, sqlite3_column_int (statement, 9));
  add_string_or_null (builder, "at", at);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  g_string_append (out, first ? "\n  " : ",\n  ");
  /* One object at a time: the array itself is written around them. */
  {
    g_autofree char *text = json_generator_to_data (generator, NULL);
    g_string_append (out, text);
  }
}

static void
append_csv_result_row (GString      *out,
                       sqlite3_stmt *statement,
                       const char   *target_entity)
{
  int status = sqlite3_column_int (statement, 5);
  g_autofree char *status_text = status != 0 ? g_strdup_printf ("%d", status) : NULL;
  g_autofree char *attempts = g_strdup_printf ("%d", sqlite3_column_int (statement, 9));
  g_autofree char *at = iso8601_from_unix (sqlite3_column_int64 (statement, 10));
  const char *fields[] = {
    (const char *) sqlite3_column_text (statement, 0),
    target_entity,
    status_text,
    (const char *) sqlite3_column_text (statement, 6),
    (const char *) sqlite3_column_text (statement, 7),
    (const char *) sqlite3_column_text (statement, 8),
    attempts,
    at,
  };

  append_csv_row (out, fields, G_N_ELEMENTS (fields));
}

static gboolean
flush_chunk (GOutputStream  *stream,
             GString        *chunk,
             GCancellable   *cancellable,
             const char     *destination,
             GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  if (chunk->len == 0)
    return TRUE;

  if (!g_output_stream_write_all (stream, chunk->str, chunk->len, NULL, cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, local_error->domain, local_error->code,
                     _("Could not write the failed records to %s: %s"), destination, local_error->message);
      return FALSE;
    }
  g_string_truncate (chunk, 0);
  return TRUE;
}

/* Streams the run's failures to stream, one chunk at a time, from a
 * read transaction (a commit in another process does not tear it). */
static gboolean
export_to_stream (sqlite3             *db,
                  const char          *path,
                  gint64               run_id,
                  SySyncExportFormat   format,
                  GOutputStream       *stream,
                  const char          *destination,
                  GCancellable        *cancellable,
                  GError             **error)
{
  g_autoptr(GString) chunk = g_string_sized_new (EXPORT_CHUNK_SIZE + 4096);
  g_autofree char *target_entity = NULL;
  sqlite3_stmt *statement = NULL;
  gboolean first = TRUE;
  gboolean ok = FALSE;
  int status;

  if (!exec (db, path, "BEGIN", error))
    return FALSE;

  statement = prepare (db, path, "SELECT target_entity FROM sync_runs WHERE id = ?1", error);
  if (statement == NULL)
    goto out;
  sqlite3_bind_int64 (statement, 1, run_id);
  status = sqlite3_step (statement);
  if (status == SQLITE_ROW)
    target_entity = column_strdup (statement, 0);
  else
    {
      if (status == SQLITE_DONE)
        set_not_found (error, run_id, path);
      else
        sy_state_store_set_sqlite_error (error, db, path);
      goto out;
    }
  g_clear_pointer (&statement, sqlite3_finalize);

  statement = prepare (db, path, FAILURES_QUERY, error);
  if (statement == NULL)
    goto out;
  sqlite3_bind_int64 (statement, 1, run_id);
  sqlite3_bind_int64 (statement, 2, -1);
  sqlite3_bind_int64 (statement, 3, 0);

  if (format == SY_SYNC_EXPORT_CSV)
    append_csv_row (chunk, export_columns, G_N_ELEMENTS (export_columns));
  else
    g_string_append_c (chunk, '[');

  while ((status = sqlite3_step (statement)) == SQLITE_ROW)
    {
      if (format == SY_SYNC_EXPORT_CSV)
        append_csv_result_row (chunk, statement, target_entity);
      else
        append_json_row (chunk, first, statement, target_entity);
      first = FALSE;

      if (chunk->len >= EXPORT_CHUNK_SIZE &&
          !flush_chunk (stream, chunk, cancellable, destination, error))
        goto out;
    }
  if (status != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      goto out;
    }

  if (format == SY_SYNC_EXPORT_JSON)
    g_string_append (chunk, first ? "]\n" : "\n]\n");

  if (!flush_chunk (stream, chunk, cancellable, destination, error))
    goto out;

  ok = exec (db, path, "COMMIT", error);

out:
  sqlite3_finalize (statement);
  rollback (db);
  return ok;
}

static gpointer
export_to_stream_work (sqlite3     *db,
                       const char  *path,
                       gpointer     data,
                       GError     **error)
{
  Request *request = data;

  if (!export_to_stream (db, path, request->run_id, request->format, request->stream,
                         _("the output"), request->cancellable, error))
    return NULL;
  if (!g_output_stream_flush (request->stream, request->cancellable, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

static gpointer
export_to_file_work (sqlite3     *db,
                     const char  *path,
                     gpointer     data,
                     GError     **error)
{
  Request *request = data;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *destination = g_file_get_parse_name (request->file);

  /* g_file_replace writes a temporary file next to the destination and
   * renames it over the destination when closed: a reader never sees half
   * an export, and a failed one leaves the old file as it was. */
  stream = g_file_replace (request->file, NULL, FALSE, G_FILE_CREATE_NONE, request->cancellable, &local_error);
  if (stream == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, local_error->domain, local_error->code,
                     _("Could not write the failed records to %s: %s"), destination, local_error->message);
      return NULL;
    }

  if (!export_to_stream (db, path, request->run_id, request->format, G_OUTPUT_STREAM (stream),
                         destination, request->cancellable, error))
    {
      /* Closing with a cancelled cancellable drops the temporary file
       * instead of renaming it. */
      g_autoptr(GCancellable) abandon = g_cancellable_new ();

      g_cancellable_cancel (abandon);
      g_output_stream_close (G_OUTPUT_STREAM (stream), abandon, NULL);
      return NULL;
    }

  if (!g_output_stream_close (G_OUTPUT_STREAM (stream), request->cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, local_error->domain, local_error->code,
                     _("Could not write the failed records to %s: %s"), destination, local_error->message);
      return NULL;
    }

  return GINT_TO_POINTER (TRUE);
}

gboolean
sy_state_store_export_failures_to_stream (SyStateStore        *self,
                                          gint64               run_id,
                                          SySyncExportFormat   format,
                                          GOutputStream       *stream,
                                          GCancellable        *cancellable,
                                          GError             **error)
{
  Request *request;

  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  request = run_id_request_new (self, run_id);
  request->format = format;
  /* The caller is blocked until the worker is done with the stream. */
  request->stream = g_object_ref (stream);
  request->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;

  return sy_state_store_run (self, export_to_stream_work, request, (GDestroyNotify) request_free, error) != NULL;
}

void
sy_state_store_export_failures_async (SyStateStore        *self,
                                      gint64               run_id,
                                      SySyncExportFormat   format,
                                      GFile               *file,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  Request *request;

  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  request = run_id_request_new (self, run_id);
  request->format = format;
  request->file = g_file_dup (file);
  request->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;

  sy_state_store_run_async (self, export_to_file_work, request, (GDestroyNotify) request_free, NULL,
                            sy_state_store_export_failures_async, cancellable, callback, user_data);
}

gboolean
sy_state_store_export_failures_finish (SyStateStore  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, sy_state_store_export_failures_async), FALSE);

  return sy_state_store_run_finish (self, result, error) != NULL;
}
