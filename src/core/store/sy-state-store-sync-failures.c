/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-state-store-sync-private.h"

/* Export rows are gathered up to this size before they are written, so
 * that a large export costs few writes but never much memory. */
#define EXPORT_CHUNK_SIZE (64 * 1024)

#define RESULT_COLUMNS \
  "source_key, outcome, target_key, payload_hash, updated_at, status, message, " \
  "field_errors, request_id, attempts, at, display_value"

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
  result->display_value = column_strdup (statement, 11);
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

  if (!sy_state_store_sync_read_run_header (db, path, request->run_id, NULL, NULL, NULL, error))
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
      JsonNode *parsed;

      /* Text of only white space parses, with no root at all. */
      if (json_parser_load_from_data (parser, field_errors, -1, NULL) &&
          (parsed = json_parser_get_root (parser)) != NULL &&
          JSON_NODE_HOLDS_OBJECT (parsed))
        field_errors_node = json_node_copy (parsed);
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
  /* Added last (schema 5): what a person knows the record by, or null. */
  add_string_or_null (builder, "display_value", (const char *) sqlite3_column_text (statement, 11));
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
        sy_state_store_sync_set_not_found (error, run_id, path);
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

