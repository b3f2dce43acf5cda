/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-state-store-private.h"
#include "sy-state-store-webhooks.h"

/* The webhook_events table (the 2 → 3 step of migrations[] in
 * sy-state-store.c). As for the other tables, the *_work functions run on
 * the store's worker thread and are the only code touching the handle. */

/* How many rejected deliveries a connection keeps: enough to see what a
 * misconfigured sender or an attacker did, bounded so that a flood of
 * forgeries cannot grow state.db without end. */
#define REJECTED_KEPT 500

/* Accepted deliveries are kept to recognise repeats (senders retry for
 * hours, a day at most) and to show what they started: a month, so that
 * state.db does not grow with every delivery for good. Checked on every
 * ACCEPTED_PRUNE_EVERY-th row, which keeps the cost of the scan off the
 * common insert. */
#define ACCEPTED_KEPT_S ((gint64) 30 * 24 * 60 * 60)
#define ACCEPTED_PRUNE_EVERY 256

SyWebhookEvent *
sy_webhook_event_new (void)
{
  return g_new0 (SyWebhookEvent, 1);
}

SyWebhookEvent *
sy_webhook_event_copy (const SyWebhookEvent *event)
{
  SyWebhookEvent *copy;

  g_return_val_if_fail (event != NULL, NULL);

  copy = g_memdup2 (event, sizeof *event);
  copy->connection_id = g_strdup (event->connection_id);
  copy->event_id = g_strdup (event->event_id);
  copy->body_hash = g_strdup (event->body_hash);
  copy->event_type = g_strdup (event->event_type);
  copy->entity = g_strdup (event->entity);
  copy->record_key = g_strdup (event->record_key);
  copy->verdict = g_strdup (event->verdict);
  copy->reason = g_strdup (event->reason);
  copy->triggered = g_strdup (event->triggered);
  return copy;
}

void
sy_webhook_event_free (SyWebhookEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->connection_id);
  g_free (event->event_id);
  g_free (event->body_hash);
  g_free (event->event_type);
  g_free (event->entity);
  g_free (event->record_key);
  g_free (event->verdict);
  g_free (event->reason);
  g_free (event->triggered);
  g_free (event);
}

typedef struct
{
  SyWebhookEvent *event;          /* add */
  char           *connection_id;  /* list, delete */
  guint           limit;          /* list */
  gint64          row_id;         /* mark */
  char           *triggered;      /* mark */
  char           *entity;         /* find */
  gint64          since;          /* find */
} Request;

static void
request_free (Request *request)
{
  sy_webhook_event_free (request->event);
  g_free (request->connection_id);
  g_free (request->triggered);
  g_free (request->entity);
  g_free (request);
}

typedef struct
{
  gboolean is_new;
  gint64   row_id;
} AddResult;

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
  if (sqlite3_column_type (statement, column) == SQLITE_NULL)
    return NULL;
  return g_strdup ((const char *) sqlite3_column_text (statement, column));
}

/* *row_id: the accepted row this event repeats, or 0. */
static gboolean
find_accepted (sqlite3               *db,
               const char            *path,
               const SyWebhookEvent  *event,
               gint64                *row_id,
               GError               **error)
{
  sqlite3_stmt *statement = NULL;
  int status;

  /* Without the sender's id, the same bytes are the same event. */
  if (sqlite3_prepare_v2 (db,
                          "SELECT id FROM webhook_events "
                          "WHERE connection_id = ?1 AND verdict = 'accepted' AND "
                          "(event_id = ?2 OR (?2 IS NULL AND event_id IS NULL AND body_hash = ?3)) "
                          "LIMIT 1",
                          -1, &statement, NULL) != SQLITE_OK)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      return FALSE;
    }
  sqlite3_bind_text (statement, 1, event->connection_id, -1, SQLITE_STATIC);
  bind_text_or_null (statement, 2, event->event_id);
  sqlite3_bind_text (statement, 3, event->body_hash, -1, SQLITE_STATIC);

  status = sqlite3_step (statement);
  *row_id = status == SQLITE_ROW ? sqlite3_column_int64 (statement, 0) : 0;
  if (status != SQLITE_ROW && status != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      sqlite3_finalize (statement);
      return FALSE;
    }
  sqlite3_finalize (statement);
  return TRUE;
}

static gboolean
prune_rejected (sqlite3     *db,
                const char  *path,
                const char  *connection_id,
                GError     **error)
{
  sqlite3_stmt *statement = NULL;
  gboolean ok;

  ok = sqlite3_prepare_v2 (db,
                           "DELETE FROM webhook_events WHERE connection_id = ?1 AND verdict = 'rejected' "
                           "AND id <= (SELECT id FROM webhook_events WHERE connection_id = ?1 "
                           "AND verdict = 'rejected' ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                           -1, &statement, NULL) == SQLITE_OK;
  if (ok)
    {
      sqlite3_bind_text (statement, 1, connection_id, -1, SQLITE_STATIC);
      sqlite3_bind_int (statement, 2, REJECTED_KEPT);
      ok = sqlite3_step (statement) == SQLITE_DONE;
    }
  if (!ok)
    sy_state_store_set_sqlite_error (error, db, path);
  sqlite3_finalize (statement);
  return ok;
}

static gboolean
prune_accepted (sqlite3     *db,
                const char  *path,
                const char  *connection_id,
                gint64       now,
                GError     **error)
{
  sqlite3_stmt *statement = NULL;
  gboolean ok;

  ok = sqlite3_prepare_v2 (db,
                           "DELETE FROM webhook_events WHERE connection_id = ?1 AND verdict = 'accepted' "
                           "AND received_at < ?2",
                           -1, &statement, NULL) == SQLITE_OK;
  if (ok)
    {
      sqlite3_bind_text (statement, 1, connection_id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (statement, 2, now - ACCEPTED_KEPT_S);
      ok = sqlite3_step (statement) == SQLITE_DONE;
    }
  if (!ok)
    sy_state_store_set_sqlite_error (error, db, path);
  sqlite3_finalize (statement);
  return ok;
}

static gpointer
add_event_work (sqlite3     *db,
                const char  *path,
                gpointer     data,
                GError     **error)
{
  Request *request = data;
  const SyWebhookEvent *event = request->event;
  gboolean accepted = g_strcmp0 (event->verdict, SY_WEBHOOK_VERDICT_ACCEPTED) == 0;
  sqlite3_stmt *statement = NULL;
  AddResult *result = g_new0 (AddResult, 1);
  gboolean ok = FALSE;

  /* IMMEDIATE: another process (the GUI and `serve`) may receive the
   * same event for the same connection; the check and the insert must be
   * one step. */
  if (!exec (db, path, "BEGIN IMMEDIATE", error))
    {
      g_free (result);
      return NULL;
    }

  if (accepted)
    {
      if (!find_accepted (db, path, event, &result->row_id, error))
        goto out;
      if (result->row_id != 0)
        {
          ok = exec (db, path, "COMMIT", error);
          goto out;
        }
    }

  if (sqlite3_prepare_v2 (db,
                          "INSERT INTO webhook_events (connection_id, event_id, body_hash, event_type, "
                          "entity, record_key, verdict, reason, received_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                          -1, &statement, NULL) != SQLITE_OK)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      goto out;
    }
  sqlite3_bind_text (statement, 1, event->connection_id, -1, SQLITE_STATIC);
  bind_text_or_null (statement, 2, event->event_id);
  sqlite3_bind_text (statement, 3, event->body_hash, -1, SQLITE_STATIC);
  bind_text_or_null (statement, 4, event->event_type);
  bind_text_or_null (statement, 5, event->entity);
  bind_text_or_null (statement, 6, event->record_key);
  sqlite3_bind_text (statement, 7, event->verdict, -1, SQLITE_STATIC);
  bind_text_or_null (statement, 8, event->reason);
  sqlite3_bind_int64 (statement, 9, event->received_at != 0 ? event->received_at
                                                            : g_get_real_time () / G_USEC_PER_SEC);
  if (sqlite3_step (statement) != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      goto out;
    }
  result->row_id = sqlite3_last_insert_rowid (db);
  result->is_new = TRUE;

  if (!accepted && !prune_rejected (db, path, event->connection_id, error))
    goto out;
  if (accepted && result->row_id % ACCEPTED_PRUNE_EVERY == 0 &&
      !prune_accepted (db, path, event->connection_id, g_get_real_time () / G_USEC_PER_SEC, error))
    goto out;

  ok = exec (db, path, "COMMIT", error);

out:
  sqlite3_finalize (statement);
  if (!ok)
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      g_free (result);
      return NULL;
    }
  return result;
}

static gpointer
find_accepted_work (sqlite3     *db,
                    const char  *path,
                    gpointer     data,
                    GError     **error)
{
  Request *request = data;
  sqlite3_stmt *statement = NULL;
  gint64 *row_id = g_new0 (gint64, 1);
  int status;

  if (sqlite3_prepare_v2 (db,
                          "SELECT id FROM webhook_events WHERE connection_id = ?1 AND verdict = 'accepted' "
                          "AND entity = ?2 AND received_at >= ?3 ORDER BY id DESC LIMIT 1",
                          -1, &statement, NULL) != SQLITE_OK)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      g_free (row_id);
      return NULL;
    }
  sqlite3_bind_text (statement, 1, request->connection_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 2, request->entity, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (statement, 3, request->since);
  status = sqlite3_step (statement);
  if (status == SQLITE_ROW)
    *row_id = sqlite3_column_int64 (statement, 0);
  else if (status != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      g_clear_pointer (&row_id, g_free);
    }
  sqlite3_finalize (statement);
  return row_id;
}

static gpointer
list_events_work (sqlite3     *db,
                  const char  *path,
                  gpointer     data,
                  GError     **error)
{
  Request *request = data;
  sqlite3_stmt *statement = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_webhook_event_free);
  int status;

  if (sqlite3_prepare_v2 (db,
                          "SELECT id, connection_id, event_id, body_hash, event_type, entity, record_key, "
                          "verdict, reason, received_at, acted_at, triggered FROM webhook_events "
                          "WHERE connection_id = ?1 ORDER BY id DESC LIMIT ?2",
                          -1, &statement, NULL) != SQLITE_OK)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      return NULL;
    }
  sqlite3_bind_text (statement, 1, request->connection_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (statement, 2, request->limit > 0 ? (gint64) request->limit : -1);

  while ((status = sqlite3_step (statement)) == SQLITE_ROW)
    {
      SyWebhookEvent *event = sy_webhook_event_new ();

      event->id = sqlite3_column_int64 (statement, 0);
      event->connection_id = column_strdup (statement, 1);
      event->event_id = column_strdup (statement, 2);
      event->body_hash = column_strdup (statement, 3);
      event->event_type = column_strdup (statement, 4);
      event->entity = column_strdup (statement, 5);
      event->record_key = column_strdup (statement, 6);
      event->verdict = column_strdup (statement, 7);
      event->reason = column_strdup (statement, 8);
      event->received_at = sqlite3_column_int64 (statement, 9);
      event->acted_at = sqlite3_column_int64 (statement, 10);
      event->triggered = column_strdup (statement, 11);
      g_ptr_array_add (events, event);
    }
  if (status != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      sqlite3_finalize (statement);
      return NULL;
    }
  sqlite3_finalize (statement);
  return g_steal_pointer (&events);
}

static gpointer
mark_event_work (sqlite3     *db,
                 const char  *path,
                 gpointer     data,
                 GError     **error)
{
  Request *request = data;
  sqlite3_stmt *statement = NULL;
  gboolean ok;

  ok = sqlite3_prepare_v2 (db, "UPDATE webhook_events SET acted_at = ?2, triggered = ?3 WHERE id = ?1",
                           -1, &statement, NULL) == SQLITE_OK;
  if (ok)
    {
      sqlite3_bind_int64 (statement, 1, request->row_id);
      sqlite3_bind_int64 (statement, 2, g_get_real_time () / G_USEC_PER_SEC);
      bind_text_or_null (statement, 3, request->triggered);
      ok = sqlite3_step (statement) == SQLITE_DONE;
    }
  if (!ok)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      sqlite3_finalize (statement);
      return NULL;
    }
  sqlite3_finalize (statement);

  if (sqlite3_changes (db) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("There is no webhook event %lld in %s"), (long long) request->row_id, path);
      return NULL;
    }
  return GINT_TO_POINTER (TRUE);
}

static gpointer
delete_events_work (sqlite3     *db,
                    const char  *path,
                    gpointer     data,
                    GError     **error)
{
  Request *request = data;

  return sy_state_store_exec_with_text (db, path, "DELETE FROM webhook_events WHERE connection_id = ?1",
                                        request->connection_id, error) ? GINT_TO_POINTER (TRUE) : NULL;
}

static Request *
add_request_new (const SyWebhookEvent *event)
{
  Request *request = g_new0 (Request, 1);

  request->event = sy_webhook_event_copy (event);
  return request;
}

static Request *
connection_request_new (const char *connection_id,
                        guint       limit)
{
  Request *request = g_new0 (Request, 1);

  request->connection_id = g_strdup (connection_id);
  request->limit = limit;
  return request;
}

static Request *
mark_request_new (gint64      row_id,
                  const char *triggered)
{
  Request *request = g_new0 (Request, 1);

  request->row_id = row_id;
  request->triggered = g_strdup (triggered);
  return request;
}

static gboolean
event_is_valid (const SyWebhookEvent *event)
{
  return event != NULL && event->connection_id != NULL && event->body_hash != NULL &&
         (g_strcmp0 (event->verdict, SY_WEBHOOK_VERDICT_ACCEPTED) == 0 ||
          g_strcmp0 (event->verdict, SY_WEBHOOK_VERDICT_REJECTED) == 0);
}

static gboolean
take_add_result (AddResult *result,
                 gboolean  *is_new,
                 gint64    *row_id)
{
  if (result == NULL)
    return FALSE;
  if (is_new != NULL)
    *is_new = result->is_new;
  if (row_id != NULL)
    *row_id = result->row_id;
  g_free (result);
  return TRUE;
}

void
sy_state_store_add_webhook_event_async (SyStateStore         *self,
                                        const SyWebhookEvent *event,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (event_is_valid (event));

  sy_state_store_run_async (self, add_event_work, add_request_new (event),
                            (GDestroyNotify) request_free, g_free,
                            sy_state_store_add_webhook_event_async,
                            cancellable, callback, user_data);
}

gboolean
sy_state_store_add_webhook_event_finish (SyStateStore  *self,
                                         GAsyncResult  *result,
                                         gboolean      *is_new,
                                         gint64        *row_id,
                                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_state_store_add_webhook_event_async, FALSE);

  return take_add_result (sy_state_store_run_finish (self, result, error), is_new, row_id);
}

gboolean
sy_state_store_add_webhook_event (SyStateStore          *self,
                                  const SyWebhookEvent  *event,
                                  gboolean              *is_new,
                                  gint64                *row_id,
                                  GError               **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (event_is_valid (event), FALSE);

  return take_add_result (sy_state_store_run (self, add_event_work, add_request_new (event),
                                              (GDestroyNotify) request_free, error),
                          is_new, row_id);
}

void
sy_state_store_list_webhook_events_async (SyStateStore        *self,
                                          const char          *connection_id,
                                          guint                limit,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (connection_id != NULL);

  sy_state_store_run_async (self, list_events_work, connection_request_new (connection_id, limit),
                            (GDestroyNotify) request_free, (GDestroyNotify) g_ptr_array_unref,
                            sy_state_store_list_webhook_events_async,
                            cancellable, callback, user_data);
}

void
sy_state_store_find_accepted_webhook_event_async (SyStateStore        *self,
                                                  const char          *connection_id,
                                                  const char          *entity,
                                                  gint64               since,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data)
{
  Request *request;

  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (connection_id != NULL);
  g_return_if_fail (entity != NULL);

  request = connection_request_new (connection_id, 0);
  request->entity = g_strdup (entity);
  request->since = since;
  sy_state_store_run_async (self, find_accepted_work, request, (GDestroyNotify) request_free, g_free,
                            sy_state_store_find_accepted_webhook_event_async,
                            cancellable, callback, user_data);
}

gboolean
sy_state_store_find_accepted_webhook_event_finish (SyStateStore  *self,
                                                   GAsyncResult  *result,
                                                   gint64        *row_id,
                                                   GError       **error)
{
  g_autofree gint64 *found = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sy_state_store_find_accepted_webhook_event_async, FALSE);

  found = sy_state_store_run_finish (self, result, error);
  if (found == NULL)
    return FALSE;
  *row_id = *found;
  return TRUE;
}

GPtrArray *
sy_state_store_list_webhook_events_finish (SyStateStore  *self,
                                           GAsyncResult  *result,
                                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_state_store_list_webhook_events_async, NULL);

  return sy_state_store_run_finish (self, result, error);
}

GPtrArray *
sy_state_store_list_webhook_events (SyStateStore  *self,
                                    const char    *connection_id,
                                    guint          limit,
                                    GError       **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (connection_id != NULL, NULL);

  return sy_state_store_run (self, list_events_work, connection_request_new (connection_id, limit),
                             (GDestroyNotify) request_free, error);
}

void
sy_state_store_mark_webhook_event_async (SyStateStore        *self,
                                         gint64               row_id,
                                         const char          *triggered,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (row_id > 0);

  sy_state_store_run_async (self, mark_event_work, mark_request_new (row_id, triggered),
                            (GDestroyNotify) request_free, NULL,
                            sy_state_store_mark_webhook_event_async,
                            cancellable, callback, user_data);
}

gboolean
sy_state_store_mark_webhook_event_finish (SyStateStore  *self,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_state_store_mark_webhook_event_async, FALSE);

  return sy_state_store_run_finish (self, result, error) != NULL;
}

gboolean
sy_state_store_mark_webhook_event (SyStateStore  *self,
                                   gint64         row_id,
                                   const char    *triggered,
                                   GError       **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (row_id > 0, FALSE);

  return sy_state_store_run (self, mark_event_work, mark_request_new (row_id, triggered),
                             (GDestroyNotify) request_free, error) != NULL;
}

gboolean
sy_state_store_delete_webhook_events (SyStateStore  *self,
                                      const char    *connection_id,
                                      GError       **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (connection_id != NULL, FALSE);

  return sy_state_store_run (self, delete_events_work, connection_request_new (connection_id, 0),
                             (GDestroyNotify) request_free, error) != NULL;
}
