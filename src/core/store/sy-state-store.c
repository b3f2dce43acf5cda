/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sy-state-store-private.h"

/* Another Switchyard process (the CLI next to the GUI) may hold a write
 * lock for the length of a batch; waiting a little beats failing. */
#define BUSY_TIMEOUT_MS 5000

/* PRAGMA application_id of every state.db ("Swyd"), so that an SQLite
 * file of another program is never taken for ours (file(1) shows it). */
#define APPLICATION_ID 0x53777964

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
  /* 2 → 3: webhook deliveries (sy-state-store-webhooks.c). Only accepted
   * events are unique by the sender's id: a forged delivery must not be
   * able to claim an id before the genuine one arrives. */
  "CREATE TABLE webhook_events ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  connection_id TEXT NOT NULL,"
  "  event_id TEXT,"
  "  body_hash TEXT NOT NULL,"
  "  event_type TEXT,"
  "  entity TEXT,"
  "  record_key TEXT,"
  "  verdict TEXT NOT NULL,"
  "  reason TEXT,"
  "  received_at INTEGER NOT NULL,"
  "  acted_at INTEGER,"
  "  triggered TEXT"
  ");"
  "CREATE UNIQUE INDEX webhook_events_event ON webhook_events (connection_id, event_id)"
  "  WHERE verdict = 'accepted' AND event_id IS NOT NULL;"
  "CREATE INDEX webhook_events_body ON webhook_events (connection_id, body_hash);"
  "CREATE INDEX webhook_events_recent ON webhook_events (connection_id, id);",
  /* 3 → 4: why a run started ("scheduled", "webhook"; NULL: a person
   * started it), for the runs a schedule or a trigger starts. */
  "ALTER TABLE sync_runs ADD COLUMN cause TEXT;",
  /* 4 → 5: what a person knows a failed record by (the order number),
   * SySyncResult.display_value; NULL in results kept before. */
  "ALTER TABLE sync_results ADD COLUMN display_value TEXT;",
};

typedef enum
{
  OP_OPEN,
  OP_WORK,
  OP_QUIT,
} OpKind;

/* One piece of work for the worker thread (sy_state_store_run_async()),
 * or opening the file, or the end. An op either carries a GTask (async:
 * the worker returns through it) or is waited for by the caller (sync:
 * the condition). */
typedef struct
{
  OpKind           kind;

  SyStateStoreWork work;
  gpointer         work_data;
  GDestroyNotify   work_data_free;
  GDestroyNotify   result_free;

  gpointer         result;
  GError          *error;

  GTask           *task;
  GMutex           mutex;
  GCond            cond;
  gboolean         done;
} Op;

/* What only the worker thread touches. */
typedef struct
{
  char        *path;
  gboolean     read_only;
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
gboolean
sy_state_store_exec_with_text (sqlite3     *db,
                               const char  *path,
                               const char  *sql,
                               const char  *text,
                               GError     **error)
{
  sqlite3_stmt *statement = NULL;
  gboolean ok;

  ok = sqlite3_prepare_v2 (db, sql, -1, &statement, NULL) == SQLITE_OK;
  if (ok)
    {
      sqlite3_bind_text (statement, 1, text, -1, SQLITE_STATIC);
      ok = sqlite3_step (statement) == SQLITE_DONE;
    }
  if (!ok)
    sy_state_store_set_sqlite_error (error, db, path);
  sqlite3_finalize (statement);
  return ok;
}

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

/* The tables of a database as one text, "name(column,column);…" in name
 * order, so that two schemas compare as strings. SQLite's own tables
 * (sqlite_sequence) are left out. */
static char *
describe_tables (sqlite3 *db)
{
  sqlite3_stmt *statement = NULL;
  GString *description = g_string_new (NULL);

  if (sqlite3_prepare_v2 (db,
                          "SELECT m.name, (SELECT group_concat (p.name, ',') FROM pragma_table_info (m.name) p) "
                          "FROM sqlite_schema m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                          "ORDER BY m.name",
                          -1, &statement, NULL) != SQLITE_OK)
    {
      g_string_free (description, TRUE);
      return NULL;
    }

  while (sqlite3_step (statement) == SQLITE_ROW)
    g_string_append_printf (description, "%s(%s);",
                            (const char *) sqlite3_column_text (statement, 0),
                            (const char *) sqlite3_column_text (statement, 1));

  sqlite3_finalize (statement);
  return g_string_free (description, FALSE);
}

/* What the tables of a database at schema version look like, made by
 * running the same steps on an empty database in memory: the steps are
 * never edited, so this is exactly what an earlier Switchyard left. */
static char *
describe_schema_version (gint64 version)
{
  sqlite3 *db = NULL;
  char *description = NULL;

  if (sqlite3_open_v2 (":memory:", &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
    {
      gboolean ok = TRUE;

      for (gint64 step = 0; ok && step < version; step++)
        ok = sqlite3_exec (db, migrations[step], NULL, NULL, NULL) == SQLITE_OK;
      if (ok)
        description = describe_tables (db);
    }

  sqlite3_close (db);
  return description;
}

static void
set_foreign_error (GError     **error,
                   const char  *path)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               _("%s is not a Switchyard state database: it is an SQLite database of another program. "
                 "It was left as it is: move it away to start with an empty one"),
               path);
}

/* Decides whether the open file is ours, and how far it is migrated.
 * Ours is marked with APPLICATION_ID. An earlier Switchyard did not mark
 * it, so an unmarked file is ours only when its tables are exactly those
 * of its schema version; an empty one is new. Anything else belongs to
 * another program and is never adopted: its tables would be left beside
 * ours, and a sync would start from an empty key map. */
static gboolean
recognise (Worker  *worker,
           gint64  *out_version,
           GError **error)
{
  gint64 application_id = 0;
  gint64 version = 0;
  gint64 tables = 0;
  g_autofree char *found = NULL;
  g_autofree char *expected = NULL;

  /* Counting the schema reads the header, which is where a file that is
   * not SQLite at all is caught. */
  if (!query_int (worker, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'", &tables, error) ||
      !query_int (worker, "PRAGMA application_id", &application_id, error) ||
      !query_int (worker, "PRAGMA user_version", &version, error))
    return FALSE;

  *out_version = version;

  if (application_id == APPLICATION_ID)
    {
      if (version > (gint64) G_N_ELEMENTS (migrations) || version < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("The state database %s was written by a newer version of Switchyard "
                         "(schema %d, this version knows up to %d). "
                         "It was left as it is: update Switchyard to use it"),
                       worker->path, (int) version, (int) G_N_ELEMENTS (migrations));
          return FALSE;
        }
      return TRUE;
    }

  if (application_id == 0 && version == 0 && tables == 0)
    return TRUE;

  if (application_id == 0 && version > 0 && version <= (gint64) G_N_ELEMENTS (migrations))
    {
      found = describe_tables (worker->db);
      expected = describe_schema_version (version);
      if (found != NULL && expected != NULL && strcmp (found, expected) == 0)
        return TRUE;
    }

  set_foreign_error (error, worker->path);
  return FALSE;
}

/* Brings the database to the current schema and marks it as ours, in one
 * transaction. */
static gboolean
migrate (Worker  *worker,
         GError **error)
{
  g_autofree char *set_version = NULL;
  g_autofree char *set_application_id = NULL;
  gint64 from_version = 0;
  gint64 application_id = 0;

  if (!query_int (worker, "PRAGMA user_version", &from_version, error) ||
      !query_int (worker, "PRAGMA application_id", &application_id, error))
    return FALSE;
  if (from_version == G_N_ELEMENTS (migrations) && application_id == APPLICATION_ID)
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
  set_application_id = g_strdup_printf ("PRAGMA application_id = %d", APPLICATION_ID);
  if (!exec_sql (worker, set_version, error) ||
      !exec_sql (worker, set_application_id, error) ||
      !exec_sql (worker, "COMMIT", error))
    goto rollback;

  return TRUE;

rollback:
  sqlite3_exec (worker->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static void
remove_stale_companions (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_unlink (wal);
  g_unlink (shm);
}

/* The file is made by us, empty and 0600, before SQLite sees it: SQLite
 * would create it under the umask, and gives its -wal and -shm files the
 * database file's mode. An existing file is never touched here.
 *
 * A deleted or emptied state.db is started anew, but a -wal left beside
 * it by a crash belongs to the lost database: SQLite would replay its
 * pages into the new file and hand out a damaged mix. An empty database
 * file never has a live -wal, as switching to WAL writes the file's first
 * page before the -wal is made. */
static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  GStatBuf buf;
  int fd;

  if (g_stat (path, &buf) != 0 || (S_ISREG (buf.st_mode) && buf.st_size == 0))
    remove_stale_companions (path);

  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
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
open_handle (Worker      *worker,
             const char  *filename,
             int          flags,
             GError     **error)
{
  if (sqlite3_open_v2 (filename, &worker->db, flags, NULL) != SQLITE_OK)
    {
      sy_state_store_set_sqlite_error (error, worker->db, worker->path);
      g_clear_pointer (&worker->db, sqlite3_close);
      return FALSE;
    }
  sqlite3_extended_result_codes (worker->db, 0);
  sqlite3_busy_timeout (worker->db, BUSY_TIMEOUT_MS);
  return TRUE;
}

/* Reading never writes: not the file, not its directory. A missing file
 * reads as an empty store (in memory), so that `sync status` on a fresh
 * machine says "no runs" and leaves nothing behind.
 *
 * A WAL database needs its -shm to be read. When a process has it open
 * (or crashed), the -wal and -shm are there and a read-only handle uses
 * them. When they are not there and cannot be made (a read-only
 * directory), the file holds every committed change, so it is read as
 * immutable — never while a -wal exists, as that would ignore its pages. */
static gboolean
worker_open_read_only (Worker  *worker,
                       GError **error)
{
  g_autofree char *absolute = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *wal = g_strconcat (worker->path, "-wal", NULL);
  g_autoptr(GError) local_error = NULL;
  gint64 count;
  int code;

  if (!g_file_test (worker->path, G_FILE_TEST_EXISTS))
    {
      if (!open_handle (worker, ":memory:", SQLITE_OPEN_READWRITE, error))
        return FALSE;
      return migrate (worker, error);
    }

  if (!open_handle (worker, worker->path, SQLITE_OPEN_READONLY, error))
    return FALSE;
  if (query_int (worker, "SELECT count(*) FROM sqlite_schema", &count, &local_error))
    return TRUE;

  code = sqlite3_errcode (worker->db);
  if ((code != SQLITE_READONLY && code != SQLITE_CANTOPEN) ||
      g_file_test (wal, G_FILE_TEST_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_clear_pointer (&worker->db, sqlite3_close);
  absolute = g_canonicalize_filename (worker->path, NULL);
  uri = g_filename_to_uri (absolute, NULL, NULL);
  if (uri == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  uri = g_realloc (uri, strlen (uri) + sizeof "?immutable=1");
  strcat (uri, "?immutable=1");
  return open_handle (worker, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, error);
}

static gboolean
worker_open (Worker  *worker,
             GError **error)
{
  g_autofree char *dir = g_path_get_dirname (worker->path);
  gint64 version = 0;
  sqlite3_stmt *statement = NULL;
  gboolean wal = FALSE;

  if (worker->read_only)
    {
      if (!worker_open_read_only (worker, error) ||
          !recognise (worker, &version, error))
        return FALSE;
      /* An empty (or 0-byte) file reads as a missing one. */
      if (version == 0)
        {
          g_clear_pointer (&worker->db, sqlite3_close);
          return open_handle (worker, ":memory:", SQLITE_OPEN_READWRITE, error) &&
                 migrate (worker, error);
        }
      if (version < (gint64) G_N_ELEMENTS (migrations))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("The state database %s was written by an earlier version of Switchyard "
                         "and is updated the first time Switchyard writes to it; it cannot be read "
                         "before that"),
                       worker->path);
          return FALSE;
        }
      return TRUE;
    }

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the state directory %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (!create_private_file (worker->path, error) ||
      !open_handle (worker, worker->path, SQLITE_OPEN_READWRITE, error))
    return FALSE;

  /* SQLite quietly opens a file it may not write read-only; the failure
   * would then come with the first commit, in the middle of a sync. */
  if (sqlite3_db_readonly (worker->db, "main") == 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("The state database %s cannot be written: it is read-only"), worker->path);
      return FALSE;
    }

  /* Read before anything writes: a file that is not ours, or is from a
   * newer Switchyard, must be left exactly as it is. */
  if (!recognise (worker, &version, error))
    return FALSE;

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

  return migrate (worker, error);
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
      if (worker_open (worker, &op->error))
        op->result = GINT_TO_POINTER (TRUE);
      else
        g_clear_pointer (&worker->db, sqlite3_close);
      break;
    case OP_WORK:
      op->result = op->work (worker->db, worker->path, op->work_data, &op->error);
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
  /* GINT_TO_POINTER (TRUE) is "done, nothing to hand over": not for a free function. */
  GDestroyNotify result_free;

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
  result_free = op->result == GINT_TO_POINTER (TRUE) ? NULL : op->result_free;
  if (op->error != NULL)
    g_task_return_error (op->task, g_steal_pointer (&op->error));
  else
    g_task_return_pointer (op->task, g_steal_pointer (&op->result), result_free);

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

static SyStateStore *
open_store (const char  *state_dir,
            gboolean     read_only,
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
  worker->read_only = read_only;
  worker->queue = g_async_queue_ref (self->queue);
  self->thread = g_thread_new ("sy-state-store", worker_thread, worker);

  op = op_new (OP_OPEN);
  run_sync (self, op);
  if (op->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&op->error));
      op_free (op);
      return NULL;
    }
  op_free (op);

  return g_steal_pointer (&self);
}

SyStateStore *
sy_state_store_open (const char  *state_dir,
                     GError     **error)
{
  return open_store (state_dir, FALSE, error);
}

SyStateStore *
sy_state_store_open_read_only (const char  *state_dir,
                               GError     **error)
{
  return open_store (state_dir, TRUE, error);
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
  Op *op = op_new (OP_WORK);

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
