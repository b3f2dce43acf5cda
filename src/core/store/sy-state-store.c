/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sy-state-store-private.h"

/* Another Switchyard process (the CLI next to the GUI) may hold a write
 * lock for the length of a batch; waiting a little beats failing. */
#define BUSY_TIMEOUT_MS 5000

/* The schema, one step per entry: entry N brings user_version N to N + 1.
 * Steps are only ever appended (the sync engine adds its tables with a new
 * one); a released step is never edited, or databases that already ran it
 * would differ from new ones. */
static const char * const migrations[] = {
  /* 0 → 1: the public certificate of a connection. */
  "CREATE TABLE certificates ("
  "  connection_id TEXT PRIMARY KEY,"
  "  pem TEXT NOT NULL,"
  "  sha256 TEXT NOT NULL,"
  "  subject TEXT,"
  "  not_after INTEGER,"
  "  created_at INTEGER"
  ");",
  /* 1 → 2: the sync engine (sy-state-store-sync.c). Counts are kept in
   * the run so that showing it reads one row; last_seq numbers the run's
   * results in commit order without scanning them. */
  "CREATE TABLE sync_runs ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  state TEXT NOT NULL,"
  "  mapping_name TEXT NOT NULL,"
  "  mapping_data TEXT,"
  "  pair TEXT NOT NULL,"
  "  source_connection TEXT NOT NULL,"
  "  source_entity TEXT NOT NULL,"
  "  target_connection TEXT NOT NULL,"
  "  target_entity TEXT NOT NULL,"
  "  retry_of INTEGER REFERENCES sync_runs (id) ON DELETE SET NULL,"
  "  batch_size INTEGER NOT NULL,"
  "  delay_ms INTEGER NOT NULL,"
  "  concurrency INTEGER NOT NULL,"
  "  max_rps REAL NOT NULL,"
  "  timeout_s INTEGER NOT NULL,"
  "  max_attempts INTEGER NOT NULL,"
  "  full INTEGER NOT NULL,"
  "  dry_run INTEGER NOT NULL,"
  "  started_at INTEGER NOT NULL,"
  "  finished_at INTEGER NOT NULL DEFAULT 0,"
  "  read INTEGER NOT NULL DEFAULT 0,"
  "  created INTEGER NOT NULL DEFAULT 0,"
  "  updated INTEGER NOT NULL DEFAULT 0,"
  "  failed INTEGER NOT NULL DEFAULT 0,"
  "  skipped INTEGER NOT NULL DEFAULT 0,"
  "  since TEXT,"
  "  checkpoint TEXT,"
  "  high_water TEXT,"
  "  message TEXT,"
  "  last_seq INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX sync_runs_pair ON sync_runs (pair, id);"
  "CREATE INDEX sync_runs_high_water ON sync_runs (pair, finished_at, id)"
  "  WHERE state = 'finished' AND dry_run = 0 AND retry_of IS NULL AND high_water IS NOT NULL;"
  "CREATE TABLE sync_results ("
  "  run_id INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,"
  "  source_key TEXT NOT NULL,"
  "  outcome TEXT NOT NULL,"
  "  target_key TEXT,"
  "  payload_hash TEXT,"
  "  updated_at TEXT,"
  "  status INTEGER NOT NULL DEFAULT 0,"
  "  message TEXT,"
  "  field_errors TEXT,"
  "  request_id TEXT,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  at INTEGER NOT NULL,"
  "  seq INTEGER NOT NULL,"
  "  PRIMARY KEY (run_id, source_key)"
  ") WITHOUT ROWID;"
  "CREATE INDEX sync_results_outcome ON sync_results (run_id, outcome, seq);"
  "CREATE TABLE sync_key_map ("
  "  pair TEXT NOT NULL,"
  "  source_key TEXT NOT NULL,"
  "  target_key TEXT NOT NULL,"
  "  payload_hash TEXT,"
  "  updated_at TEXT,"
  "  PRIMARY KEY (pair, source_key)"
  ") WITHOUT ROWID;"
  "CREATE TABLE sync_in_flight ("
  "  run_id INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,"
  "  source_key TEXT NOT NULL,"
  "  PRIMARY KEY (run_id, source_key)"
  ") WITHOUT ROWID;",
};

typedef enum
{
  OP_OPEN,
  OP_SAVE_CERTIFICATE,
  OP_LOAD_CERTIFICATE,
  OP_DELETE_CERTIFICATE,
  OP_GENERIC,
  OP_QUIT,
} OpKind;

/* One piece of work for the worker thread, with what it needs (copied on
 * the caller's thread, so that the worker shares no object with it) and
 * its outcome. An op either carries a GTask (async: the worker returns
 * through it) or is waited for by the caller (sync: the condition). */
typedef struct
{
  OpKind          kind;

  char           *connection_id;
  char           *pem;
  char           *sha256;
  char           *subject;
  gint64          not_after;
  gboolean        has_not_after;

  gboolean        ok;
  SyCertificate  *certificate;
  GError         *error;

  /* OP_GENERIC */
  SyStateStoreWork work;
  gpointer         work_data;
  GDestroyNotify   work_data_free;
  GDestroyNotify   result_free;
  gpointer         result;

  GTask          *task;
  GMutex          mutex;
  GCond           cond;
  gboolean        done;
} Op;

/* What only the worker thread touches. */
typedef struct
{
  char        *path;
  sqlite3     *db;
  GAsyncQueue *queue;
} Worker;

struct _SyStateStore
{
  GObject      parent_instance;

  char        *path;
  char        *dir;
  GAsyncQueue *queue;
  GThread     *thread;
};

G_DEFINE_FINAL_TYPE (SyStateStore, sy_state_store, G_TYPE_OBJECT)

static Op *
op_new (OpKind kind)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  g_mutex_init (&op->mutex);
  g_cond_init (&op->cond);
  return op;
}

static void
op_free (Op *op)
{
  g_free (op->connection_id);
  g_free (op->pem);
  g_free (op->sha256);
  g_free (op->subject);
  g_clear_object (&op->certificate);
  if (op->work_data_free != NULL)
    g_clear_pointer (&op->work_data, op->work_data_free);
  if (op->result_free != NULL && op->result != NULL && op->result != GINT_TO_POINTER (TRUE))
    g_clear_pointer (&op->result, op->result_free);
  g_clear_error (&op->error);
  g_clear_object (&op->task);
  g_mutex_clear (&op->mutex);
  g_cond_clear (&op->cond);
  g_free (op);
}

/* sqlite3 reports through the handle; every error names the file, as the
 * user may have several (one per --state-dir). */
void
sy_state_store_set_sqlite_error (GError     **error,
                                 sqlite3     *db,
                                 const char  *path)
{
  int code = db != NULL ? sqlite3_errcode (db) : SQLITE_ERROR;
  const char *message = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (code);

  if (code == SQLITE_NOTADB)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("%s is not a Switchyard state database (it is not an SQLite database). "
                   "It was left as it is: move it away to start with an empty one"),
                 path);
  else if (code == SQLITE_CORRUPT)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The state database %s is damaged (%s). It was left as it is: "
                   "move it away to start with an empty one"),
                 path, message);
  else if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                 _("The state database %s is busy in another program: %s"), path, message);
  else if (code == SQLITE_READONLY || code == SQLITE_PERM || code == SQLITE_CANTOPEN)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 _("The state database %s cannot be written: %s"), path, message);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 _("The state database %s failed: %s"), path, message);
}

static gboolean
exec_sql (Worker      *worker,
          const char  *sql,
          GError     **error)
{
  if (sqlite3_exec (worker->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      sy_state_store_set_sqlite_error (error, worker->db, worker->path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
query_int (Worker      *worker,
           const char  *sql,
           gint64      *out,
           GError     **error)
{
  sqlite3_stmt *statement = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (worker->db, sql, -1, &statement, NULL) == SQLITE_OK &&
      sqlite3_step (statement) == SQLITE_ROW)
    {
      *out = sqlite3_column_int64 (statement, 0);
      ok = TRUE;
    }
  else
    sy_state_store_set_sqlite_error (error, worker->db, worker->path);

  sqlite3_finalize (statement);
  return ok;
}

static gboolean
migrate (Worker  *worker,
         gint64   from_version,
         GError **error)
{
  g_autofree char *set_version = NULL;

  if (from_version == G_N_ELEMENTS (migrations))
    return TRUE;

  /* IMMEDIATE: take the write lock before reading anything, so that two
   * processes opening an old database at once do not both migrate it. */
  if (!exec_sql (worker, "BEGIN IMMEDIATE", error))
    return FALSE;

  /* The version may have moved while we waited for the lock. */
  if (!query_int (worker, "PRAGMA user_version", &from_version, error))
    goto rollback;

  for (gint64 version = from_version; version < (gint64) G_N_ELEMENTS (migrations); version++)
    if (!exec_sql (worker, migrations[version], error))
      goto rollback;

  set_version = g_strdup_printf ("PRAGMA user_version = %u", (guint) G_N_ELEMENTS (migrations));
  if (!exec_sql (worker, set_version, error) ||
      !exec_sql (worker, "COMMIT", error))
    goto rollback;

  return TRUE;

rollback:
  sqlite3_exec (worker->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* The file is made by us, empty and 0600, before SQLite sees it: SQLite
 * would create it under the umask, and gives its -wal and -shm files the
 * database file's mode. An existing file is never touched here. */
static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved_errno = errno;

      if (saved_errno == EEXIST)
        return TRUE;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the state database %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  close (fd);
  return TRUE;
}

static gboolean
worker_open (Worker  *worker,
             GError **error)
{
  g_autofree char *dir = g_path_get_dirname (worker->path);
  gint64 version = 0;
  sqlite3_stmt *statement = NULL;
  gboolean wal = FALSE;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the state directory %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (!create_private_file (worker->path, error))
    return FALSE;

  if (sqlite3_open_v2 (worker->path, &worker->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    {
      sy_state_store_set_sqlite_error (error, worker->db, worker->path);
      return FALSE;
    }
  sqlite3_extended_result_codes (worker->db, 0);
  sqlite3_busy_timeout (worker->db, BUSY_TIMEOUT_MS);

  /* Read before anything writes: a file that is not ours, or is from a
   * newer Switchyard, must be left exactly as it is. Counting the schema
   * reads the header, which is where a foreign file is caught. */
  if (!query_int (worker, "SELECT count(*) FROM sqlite_schema", &version, error) ||
      !query_int (worker, "PRAGMA user_version", &version, error))
    return FALSE;

  if (version > (gint64) G_N_ELEMENTS (migrations) || version < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("The state database %s was written by a newer version of Switchyard "
                     "(schema %d, this version knows up to %d). "
                     "It was left as it is: update Switchyard to use it"),
                   worker->path, (int) version, (int) G_N_ELEMENTS (migrations));
      return FALSE;
    }

  /* WAL: readers (the GUI) never wait for a writer (a sync in the CLI).
   * FULL, not NORMAL: the sync engine commits "this create is about to be
   * sent" before sending it, and that must survive a power cut too, or a
   * resume could send the create twice. It costs one fsync per commit,
   * which is a few per batch of 50 records. */
  if (sqlite3_prepare_v2 (worker->db, "PRAGMA journal_mode = WAL", -1, &statement, NULL) == SQLITE_OK &&
      sqlite3_step (statement) == SQLITE_ROW)
    wal = g_ascii_strcasecmp ((const char *) sqlite3_column_text (statement, 0), "wal") == 0;
  else
    {
      sy_state_store_set_sqlite_error (error, worker->db, worker->path);
      sqlite3_finalize (statement);
      return FALSE;
    }
  sqlite3_finalize (statement);
  if (!wal)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("The state database %s cannot use write-ahead logging (is it on a network file system?)"),
                   worker->path);
      return FALSE;
    }

  if (!exec_sql (worker, "PRAGMA synchronous = FULL", error) ||
      !exec_sql (worker, "PRAGMA foreign_keys = ON", error))
    return FALSE;

  return migrate (worker, version, error);
}

static gboolean
worker_save_certificate (Worker  *worker,
                         Op      *op,
                         GError **error)
{
  sqlite3_stmt *statement = NULL;
  gboolean ok;

  /* An upsert rather than INSERT OR REPLACE: REPLACE deletes the row first,
   * which would cascade to any table that comes to reference it. */
  ok = sqlite3_prepare_v2 (worker->db,
                           "INSERT INTO certificates (connection_id, pem, sha256, subject, not_after, created_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                           "ON CONFLICT (connection_id) DO UPDATE SET "
                           "pem = excluded.pem, sha256 = excluded.sha256, subject = excluded.subject, "
                           "not_after = excluded.not_after, created_at = excluded.created_at",
                           -1, &statement, NULL) == SQLITE_OK;
  if (ok)
    {
      sqlite3_bind_text (statement, 1, op->connection_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 2, op->pem, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 3, op->sha256, -1, SQLITE_STATIC);
      if (op->subject != NULL)
        sqlite3_bind_text (statement, 4, op->subject, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (statement, 4);
      if (op->has_not_after)
        sqlite3_bind_int64 (statement, 5, op->not_after);
      else
        sqlite3_bind_null (statement, 5);
      sqlite3_bind_int64 (statement, 6, g_get_real_time () / G_USEC_PER_SEC);
      ok = sqlite3_step (statement) == SQLITE_DONE;
    }

  if (!ok)
    sy_state_store_set_sqlite_error (error, worker->db, worker->path);
  sqlite3_finalize (statement);
  return ok;
}

static gboolean
worker_load_certificate (Worker         *worker,
                         Op             *op,
                         SyCertificate **out,
                         GError        **error)
{
  sqlite3_stmt *statement = NULL;
  g_autoptr(GBytes) pem = NULL;
  g_autoptr(GError) local_error = NULL;
  int status;

  *out = NULL;

  if (sqlite3_prepare_v2 (worker->db, "SELECT pem FROM certificates WHERE connection_id = ?1",
                          -1, &statement, NULL) != SQLITE_OK)
    {
      sy_state_store_set_sqlite_error (error, worker->db, worker->path);
      return FALSE;
    }
  sqlite3_bind_text (statement, 1, op->connection_id, -1, SQLITE_STATIC);

  status = sqlite3_step (statement);
  if (status == SQLITE_ROW)
    pem = g_bytes_new (sqlite3_column_text (statement, 0), sqlite3_column_bytes (statement, 0));
  else if (status != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, worker->db, worker->path);
      sqlite3_finalize (statement);
      return FALSE;
    }
  sqlite3_finalize (statement);

  if (pem == NULL)
    return TRUE;

  *out = sy_certificate_new_from_data (pem, &local_error);
  if (*out == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The certificate kept in %s could not be read: %s"),
                   worker->path, local_error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
worker_delete_certificate (Worker  *worker,
                           Op      *op,
                           GError **error)
{
  sqlite3_stmt *statement = NULL;
  gboolean ok;

  ok = sqlite3_prepare_v2 (worker->db, "DELETE FROM certificates WHERE connection_id = ?1",
                           -1, &statement, NULL) == SQLITE_OK;
  if (ok)
    {
      sqlite3_bind_text (statement, 1, op->connection_id, -1, SQLITE_STATIC);
      ok = sqlite3_step (statement) == SQLITE_DONE;
    }
  if (!ok)
    sy_state_store_set_sqlite_error (error, worker->db, worker->path);
  sqlite3_finalize (statement);
  return ok;
}

static void
worker_run (Worker *worker,
            Op     *op)
{
  GCancellable *cancellable = op->task != NULL ? g_task_get_cancellable (op->task) : NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &op->error))
    return;

  if (op->kind != OP_OPEN && worker->db == NULL)
    {
      g_set_error (&op->error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                   _("The state database %s is not open"), worker->path);
      return;
    }

  switch (op->kind)
    {
    case OP_OPEN:
      op->ok = worker_open (worker, &op->error);
      if (!op->ok)
        g_clear_pointer (&worker->db, sqlite3_close);
      break;
    case OP_SAVE_CERTIFICATE:
      op->ok = worker_save_certificate (worker, op, &op->error);
      break;
    case OP_LOAD_CERTIFICATE:
      op->ok = worker_load_certificate (worker, op, &op->certificate, &op->error);
      break;
    case OP_DELETE_CERTIFICATE:
      op->ok = worker_delete_certificate (worker, op, &op->error);
      break;
    case OP_GENERIC:
      op->result = op->work (worker->db, worker->path, op->work_data, &op->error);
      op->ok = op->error == NULL;
      if (op->work_data_free != NULL)
        g_clear_pointer (&op->work_data, op->work_data_free);
      break;
    case OP_QUIT:
    default:
      g_assert_not_reached ();
    }
}

static void
worker_complete (Op *op)
{
  if (op->task == NULL)
    {
      /* The caller waits, and frees the op. */
      g_mutex_lock (&op->mutex);
      op->done = TRUE;
      g_cond_signal (&op->cond);
      g_mutex_unlock (&op->mutex);
      return;
    }

  /* GTask hands the result over to the caller's main context. */
  if (op->error != NULL)
    g_task_return_error (op->task, g_steal_pointer (&op->error));
  else if (op->kind == OP_LOAD_CERTIFICATE)
    g_task_return_pointer (op->task, g_steal_pointer (&op->certificate), g_object_unref);
  else if (op->kind == OP_GENERIC)
    {
      /* GINT_TO_POINTER (TRUE) is "done, nothing to hand over": not for a free function. */
      GDestroyNotify result_free = op->result == GINT_TO_POINTER (TRUE) ? NULL : op->result_free;

      g_task_return_pointer (op->task, g_steal_pointer (&op->result), result_free);
    }
  else
    g_task_return_boolean (op->task, op->ok);

  op_free (op);
}

static gpointer
worker_thread (gpointer data)
{
  Worker *worker = data;
  Op *op;

  while ((op = g_async_queue_pop (worker->queue))->kind != OP_QUIT)
    {
      worker_run (worker, op);
      worker_complete (op);
    }
  op_free (op);

  /* Closing checkpoints the WAL into the database when we are its last user. */
  g_clear_pointer (&worker->db, sqlite3_close);
  g_async_queue_unref (worker->queue);
  g_free (worker->path);
  g_free (worker);

  return NULL;
}

/* Queues op and waits for the worker to finish it. */
static void
run_sync (SyStateStore *self,
          Op           *op)
{
  g_mutex_lock (&op->mutex);
  g_async_queue_push (self->queue, op);
  while (!op->done)
    g_cond_wait (&op->cond, &op->mutex);
  g_mutex_unlock (&op->mutex);
}

static void
sy_state_store_finalize (GObject *object)
{
  SyStateStore *self = SY_STATE_STORE (object);

  if (self->thread != NULL)
    {
      g_async_queue_push (self->queue, op_new (OP_QUIT));
      /* The worker may drop the last reference itself, with the last task
       * it returns: it cannot wait for itself, so it is left to finish. */
      if (g_thread_self () == self->thread)
        g_thread_unref (self->thread);
      else
        g_thread_join (self->thread);
      self->thread = NULL;
    }
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_free (self->path);
  g_free (self->dir);

  G_OBJECT_CLASS (sy_state_store_parent_class)->finalize (object);
}

static void
sy_state_store_class_init (SyStateStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_state_store_finalize;
}

static void
sy_state_store_init (SyStateStore *self)
{
}

SyStateStore *
sy_state_store_open (const char  *state_dir,
                     GError     **error)
{
  g_autoptr(SyStateStore) self = NULL;
  Worker *worker;
  Op *op;

  g_return_val_if_fail (state_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SY_TYPE_STATE_STORE, NULL);
  self->path = g_build_filename (state_dir, "state.db", NULL);
  self->dir = g_strdup (state_dir);
  self->queue = g_async_queue_new ();

  worker = g_new0 (Worker, 1);
  worker->path = g_strdup (self->path);
  worker->queue = g_async_queue_ref (self->queue);
  self->thread = g_thread_new ("sy-state-store", worker_thread, worker);

  op = op_new (OP_OPEN);
  run_sync (self, op);
  if (!op->ok)
    {
      g_propagate_error (error, g_steal_pointer (&op->error));
      op_free (op);
      return NULL;
    }
  op_free (op);

  return g_steal_pointer (&self);
}

const char *
sy_state_store_get_path (SyStateStore *self)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);

  return self->path;
}

const char *
sy_state_store_get_dir (SyStateStore *self)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);

  return self->dir;
}

static Op *
generic_op_new (SyStateStoreWork work,
                gpointer         data,
                GDestroyNotify   data_free,
                GDestroyNotify   result_free)
{
  Op *op = op_new (OP_GENERIC);

  op->work = work;
  op->work_data = data;
  op->work_data_free = data_free;
  op->result_free = result_free;
  return op;
}

void
sy_state_store_run_async (SyStateStore        *self,
                          SyStateStoreWork     work,
                          gpointer             data,
                          GDestroyNotify       data_free,
                          GDestroyNotify       result_free,
                          gpointer             source_tag,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  Op *op;

  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (work != NULL);

  op = generic_op_new (work, data, data_free, result_free);
  op->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, source_tag);
  g_async_queue_push (self->queue, op);
}

gpointer
sy_state_store_run_finish (SyStateStore  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gpointer
sy_state_store_run (SyStateStore      *self,
                    SyStateStoreWork   work,
                    gpointer           data,
                    GDestroyNotify     data_free,
                    GError           **error)
{
  Op *op;
  gpointer result;

  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (work != NULL, NULL);

  op = generic_op_new (work, data, data_free, NULL);
  run_sync (self, op);
  result = g_steal_pointer (&op->result);
  if (op->error != NULL)
    g_propagate_error (error, g_steal_pointer (&op->error));
  op_free (op);
  return result;
}

/* sha256 is kept as lower-case hex without colons: the form that names a
 * certificate elsewhere (a keyring entry of a key not yet attached). */
static char *
canonical_fingerprint (SyCertificate *certificate)
{
  const char *fingerprint = sy_certificate_get_sha256_fingerprint (certificate);
  GString *canonical = g_string_new (NULL);

  for (const char *p = fingerprint; p != NULL && *p != '\0'; p++)
    if (*p != ':')
      g_string_append_c (canonical, g_ascii_tolower (*p));

  return g_string_free (canonical, FALSE);
}

static Op *
save_op_new (const char    *connection_id,
             SyCertificate *certificate)
{
  Op *op = op_new (OP_SAVE_CERTIFICATE);
  GDateTime *not_after = sy_certificate_get_not_after (certificate);

  op->connection_id = g_strdup (connection_id);
  op->pem = sy_certificate_to_pem (certificate);
  op->sha256 = canonical_fingerprint (certificate);
  op->subject = g_strdup (sy_certificate_get_subject (certificate));
  if (not_after != NULL)
    {
      op->not_after = g_date_time_to_unix (not_after);
      op->has_not_after = TRUE;
    }

  return op;
}

static gboolean
finish_op_sync (Op      *op,
                GError **error)
{
  gboolean ok = op->ok;

  if (op->error != NULL)
    g_propagate_error (error, g_steal_pointer (&op->error));
  op_free (op);
  return ok;
}

void
sy_state_store_save_certificate_async (SyStateStore        *self,
                                       const char          *connection_id,
                                       SyCertificate       *certificate,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  Op *op;

  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (connection_id != NULL);
  g_return_if_fail (SY_IS_CERTIFICATE (certificate));

  op = save_op_new (connection_id, certificate);
  op->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, sy_state_store_save_certificate_async);
  g_async_queue_push (self->queue, op);
}

gboolean
sy_state_store_save_certificate_finish (SyStateStore  *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
sy_state_store_save_certificate (SyStateStore   *self,
                                 const char     *connection_id,
                                 SyCertificate  *certificate,
                                 GError        **error)
{
  Op *op;

  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (connection_id != NULL, FALSE);
  g_return_val_if_fail (SY_IS_CERTIFICATE (certificate), FALSE);

  op = save_op_new (connection_id, certificate);
  run_sync (self, op);
  return finish_op_sync (op, error);
}

void
sy_state_store_load_certificate_async (SyStateStore        *self,
                                       const char          *connection_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  Op *op;

  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (connection_id != NULL);

  op = op_new (OP_LOAD_CERTIFICATE);
  op->connection_id = g_strdup (connection_id);
  op->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, sy_state_store_load_certificate_async);
  g_async_queue_push (self->queue, op);
}

SyCertificate *
sy_state_store_load_certificate_finish (SyStateStore  *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

SyCertificate *
sy_state_store_load_certificate (SyStateStore  *self,
                                 const char    *connection_id,
                                 GError       **error)
{
  SyCertificate *certificate;
  Op *op;

  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (connection_id != NULL, NULL);

  op = op_new (OP_LOAD_CERTIFICATE);
  op->connection_id = g_strdup (connection_id);
  run_sync (self, op);

  certificate = g_steal_pointer (&op->certificate);
  if (op->error != NULL)
    g_propagate_error (error, g_steal_pointer (&op->error));
  op_free (op);
  return certificate;
}

gboolean
sy_state_store_delete_certificate (SyStateStore  *self,
                                   const char    *connection_id,
                                   GError       **error)
{
  Op *op;

  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (connection_id != NULL, FALSE);

  op = op_new (OP_DELETE_CERTIFICATE);
  op->connection_id = g_strdup (connection_id);
  run_sync (self, op);
  return finish_op_sync (op, error);
}
