/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-state-store-sync-private.h"

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
  state->done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
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
  done = prepare (db, path, "SELECT updated_at FROM sync_results WHERE run_id = ?1 AND source_key = ?2", error);
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
        g_hash_table_insert (state->done, g_strdup (key), column_strdup (done, 0));

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

/* A finished adoption is marked by a row under the empty source key,
 * which no record has (a keyless record fails under a made-up name). */
#define ADOPTED_MARK ""

static gpointer
is_adopted_work (sqlite3     *db,
                  const char  *path,
                  gpointer     data,
                  GError     **error)
{
  Request *request = data;
  sqlite3_stmt *statement;
  int status;
  gboolean *has = NULL;

  statement = prepare (db, path, "SELECT 1 FROM sync_key_map WHERE pair = ?1 AND source_key = ?2", error);
  if (statement == NULL)
    return NULL;
  sqlite3_bind_text (statement, 1, request->pair, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 2, ADOPTED_MARK, -1, SQLITE_STATIC);
  status = sqlite3_step (statement);
  if (status == SQLITE_ROW || status == SQLITE_DONE)
    {
      has = g_new (gboolean, 1);
      *has = status == SQLITE_ROW;
    }
  else
    sy_state_store_set_sqlite_error (error, db, path);
  sqlite3_finalize (statement);
  return has;
}

gboolean
sy_state_store_is_adopted (SyStateStore  *self,
                           const char    *pair,
                           gboolean      *adopted,
                           GError       **error)
{
  g_autofree gboolean *has = NULL;
  Request *request;

  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (pair != NULL, FALSE);
  g_return_val_if_fail (adopted != NULL, FALSE);

  request = request_new (self);
  request->pair = g_strdup (pair);
  has = sy_state_store_run (self, is_adopted_work, request, (GDestroyNotify) request_free, error);
  if (has == NULL)
    return FALSE;
  *adopted = *has;
  return TRUE;
}

static gpointer
adopt_keys_work (sqlite3     *db,
                 const char  *path,
                 gpointer     data,
                 GError     **error)
{
  Request *request = data;
  sqlite3_stmt *insert = NULL;
  gboolean ok = FALSE;

  if (!exec (db, path, "BEGIN IMMEDIATE", error))
    return NULL;

  insert = prepare (db, path, "INSERT OR IGNORE INTO sync_key_map (pair, source_key, target_key) VALUES (?1, ?2, ?3)",
                    error);
  if (insert == NULL)
    goto out;
  sqlite3_bind_text (insert, 1, request->pair, -1, SQLITE_STATIC);

  for (guint i = 0; request->keys[i] != NULL && request->target_keys[i] != NULL; i++)
    {
      sqlite3_reset (insert);
      sqlite3_bind_text (insert, 2, request->keys[i], -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 3, request->target_keys[i], -1, SQLITE_STATIC);
      if (sqlite3_step (insert) != SQLITE_DONE)
        {
          sy_state_store_set_sqlite_error (error, db, path);
          goto out;
        }
    }

  if (request->complete)
    {
      sqlite3_reset (insert);
      sqlite3_bind_text (insert, 2, ADOPTED_MARK, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 3, ADOPTED_MARK, -1, SQLITE_STATIC);
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
sy_state_store_adopt_keys_async (SyStateStore        *self,
                                 const char          *pair,
                                 const char * const  *source_keys,
                                 const char * const  *target_keys,
                                 gboolean             complete,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Request *request;

  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (pair != NULL);
  g_return_if_fail (source_keys != NULL && target_keys != NULL);
  g_return_if_fail (g_strv_length ((char **) source_keys) == g_strv_length ((char **) target_keys));

  request = keys_request_new (self, 0, pair, source_keys);
  request->target_keys = g_strdupv ((char **) target_keys);
  request->complete = complete;
  sy_state_store_run_async (self, adopt_keys_work, request, (GDestroyNotify) request_free, NULL,
                            sy_state_store_adopt_keys_async, cancellable, callback, user_data);
}

gboolean
sy_state_store_adopt_keys_finish (SyStateStore  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, sy_state_store_adopt_keys_async), FALSE);

  return sy_state_store_run_finish (self, result, error) != NULL;
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

  if (!sy_state_store_sync_read_run_header (db, path, request->run_id, NULL, NULL, NULL, error))
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

/* The in-flight creates of the pair's other runs become this run's: their
 * processes are gone (the caller holds the pair's lock), so whether they
 * reached the target is unknown, and this run looks each one up before
 * it could create it again, then clears it with the batch that settles
 * it. One transaction: no mark is ever without a run that owns it. */
static gpointer
take_over_in_flight_work (sqlite3     *db,
                          const char  *path,
                          gpointer     data,
                          GError     **error)
{
  Request *request = data;
  sqlite3_stmt *copy = NULL;
  sqlite3_stmt *clear = NULL;
  gboolean ok = FALSE;

  if (!exec (db, path, "BEGIN IMMEDIATE", error))
    return NULL;

  copy = prepare (db, path,
                  "INSERT OR IGNORE INTO sync_in_flight (run_id, source_key) "
                  "SELECT ?1, f.source_key FROM sync_in_flight f JOIN sync_runs r ON r.id = f.run_id "
                  "WHERE r.pair = ?2 AND f.run_id <> ?1",
                  error);
  if (copy == NULL)
    goto out;
  clear = prepare (db, path,
                   "DELETE FROM sync_in_flight WHERE run_id <> ?1 AND "
                   "run_id IN (SELECT id FROM sync_runs WHERE pair = ?2)",
                   error);
  if (clear == NULL)
    goto out;

  sqlite3_bind_int64 (copy, 1, request->run_id);
  sqlite3_bind_text (copy, 2, request->pair, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (clear, 1, request->run_id);
  sqlite3_bind_text (clear, 2, request->pair, -1, SQLITE_STATIC);
  if (sqlite3_step (copy) != SQLITE_DONE || sqlite3_step (clear) != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      goto out;
    }

  ok = exec (db, path, "COMMIT", error);

out:
  sqlite3_finalize (copy);
  sqlite3_finalize (clear);
  rollback (db);
  return ok ? GINT_TO_POINTER (TRUE) : NULL;
}

gboolean
sy_state_store_take_over_in_flight (SyStateStore  *self,
                                    gint64         run_id,
                                    const char    *pair,
                                    GError       **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (run_id > 0, FALSE);
  g_return_val_if_fail (pair != NULL, FALSE);

  return sy_state_store_run (self, take_over_in_flight_work, keys_request_new (self, run_id, pair, NULL),
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
             "status, message, field_errors, request_id, attempts, at, seq, display_value) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
             "ON CONFLICT (run_id, source_key) DO UPDATE SET outcome = excluded.outcome, "
             "target_key = excluded.target_key, payload_hash = excluded.payload_hash, "
             "updated_at = excluded.updated_at, status = excluded.status, message = excluded.message, "
             "field_errors = excluded.field_errors, request_id = excluded.request_id, "
             "attempts = excluded.attempts, at = excluded.at, seq = excluded.seq, "
             "display_value = excluded.display_value",
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
  SySyncOutcome outcome = result->outcome;
  int status;

  if (sy_sync_outcome_to_string (result->outcome) == NULL)
    {
      g_set_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_INVALID_RESULT,
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
        {
          deltas[count_for_outcome (previous_outcome)]--;
          /* Created by this run, then edited and written again: for the
           * run it is still a record it created. */
          if (previous_outcome == SY_SYNC_OUTCOME_CREATED &&
              (outcome == SY_SYNC_OUTCOME_UPDATED || outcome == SY_SYNC_OUTCOME_UNCHANGED))
            outcome = SY_SYNC_OUTCOME_CREATED;
          else if (previous_outcome == SY_SYNC_OUTCOME_WOULD_CREATE && outcome == SY_SYNC_OUTCOME_WOULD_UPDATE)
            outcome = SY_SYNC_OUTCOME_WOULD_CREATE;
        }
    }
  else if (status == SQLITE_DONE)
    (*read_delta)++;
  else
    {
      sy_state_store_set_sqlite_error (error, db, path);
      return FALSE;
    }
  deltas[count_for_outcome (outcome)]++;

  statement = statements->upsert_result;
  sqlite3_reset (statement);
  sqlite3_bind_int64 (statement, 1, run_id);
  bind_text_or_null (statement, 2, result->source_key);
  sqlite3_bind_text (statement, 3, sy_sync_outcome_to_string (outcome), -1, SQLITE_STATIC);
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
  bind_text_or_null (statement, 14, result->display_value);
  if (!step_done (statement, db, path, error))
    return FALSE;

  if (!outcome_maps_key (outcome))
    return TRUE;

  if (!dry_run)
    {
      if (result->target_key == NULL)
        {
          g_set_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_INVALID_RESULT,
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

  if (!sy_state_store_sync_read_run_header (db, path, request->run_id, &pair, &dry_run, &seq, error) ||
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
  if (!ok)
    return NULL;

  /* The counts as they now stand, so that the job need not ask again. */
  return sy_state_store_sync_read_run (db, path, request->dir, request->run_id, error);
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
                            (GDestroyNotify) request_free, (GDestroyNotify) sy_sync_run_free,
                            sy_state_store_commit_batch_async, cancellable, callback, user_data);
}

SySyncRun *
sy_state_store_commit_batch_finish (SyStateStore  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, sy_state_store_commit_batch_async), NULL);

  return sy_state_store_run_finish (self, result, error);
}

gboolean
sy_state_store_commit_batch (SyStateStore  *self,
                             gint64         run_id,
                             GPtrArray     *results,
                             const char    *checkpoint,
                             const char    *high_water,
                             GError       **error)
{
  g_autoptr(SySyncRun) run = NULL;

  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);

  run = sy_state_store_run (self, commit_batch_work,
                            commit_batch_request_new (self, run_id, results, checkpoint, high_water),
                            (GDestroyNotify) request_free, error);
  return run != NULL;
}

