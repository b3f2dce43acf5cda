/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-fuzz.h"
#include "sy-state-store-sync.h"

/* Failed records as a run keeps them in state.db, one a line:
 * "KEY<TAB>STATUS<TAB>MESSAGE<TAB>FIELD_ERRORS<TAB>REQUEST_ID<TAB>ATTEMPTS"
 * (STATUS "ok" for a record that was written after all). They are
 * committed to a real state.db and exported as CSV and as JSON, as
 * `sync errors` and the sync window do. Both exports must read back to
 * exactly the failed records, whatever a server or a source put in them. */

#define MAX_RECORDS 200

static SyStateStore *store;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autofree char *state_dir = NULL;
  g_autoptr(GError) error = NULL;

  sy_fuzz_init ();
  state_dir = g_build_filename (sy_fuzz_get_tmpdir (), "state", NULL);
  store = sy_state_store_open (state_dir, &error);
  g_assert_no_error (error);
  return 0;
}

static char *
field (char **fields,
       guint  index)
{
  guint n = g_strv_length (fields);

  if (index >= n || *fields[index] == '\0')
    return NULL;
  /* The engine only ever stores text it got as JSON or made itself. */
  return g_utf8_make_valid (fields[index], -1);
}

static SySyncResult *
result_from_line (const char *line,
                  gint64      at)
{
  g_auto(GStrv) fields = g_strsplit (line, "\t", 6);
  g_autofree char *key = fields[0] != NULL ? g_utf8_make_valid (fields[0], -1) : g_strdup ("");
  g_autofree char *status = field (fields, 1);
  g_autofree char *attempts = field (fields, 5);
  SySyncResult *result;

  if (g_strcmp0 (status, "ok") == 0)
    {
      result = sy_sync_result_new (key, SY_SYNC_OUTCOME_CREATED);
      result->target_key = g_strconcat ("t-", key, NULL);
      result->payload_hash = g_strdup ("0");
      result->attempts = 1;
      result->at = at;
      return result;
    }

  result = sy_sync_result_new (key, SY_SYNC_OUTCOME_FAILED);
  result->status = status != NULL ? (guint) (g_ascii_strtoull (status, NULL, 10) % 1000) : 0;
  result->message = field (fields, 2);
  result->field_errors = field (fields, 3);
  result->request_id = field (fields, 4);
  result->attempts = attempts != NULL ? (guint) (g_ascii_strtoull (attempts, NULL, 10) % 100) : 1;
  result->at = at;
  return result;
}

/* What a CSV reader shows for a value: a spreadsheet formula is defused
 * with a leading quote. */
static char *
csv_expected (const char *value)
{
  if (value == NULL)
    return g_strdup ("");
  if (*value != '\0' && strchr ("=+-@\t\r", value[0]) != NULL)
    return g_strconcat ("'", value, NULL);
  return g_strdup (value);
}

/* RFC 4180, strictly: rows of fields, CRLF line ends. */
static GPtrArray *
parse_csv (const char *text,
           gsize       length)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  GString *value = g_string_new (NULL);
  gsize i = 0;

  while (i < length)
    {
      if (text[i] == '"' && value->len == 0)
        {
          i++;
          for (;;)
            {
              if (i >= length)
                abort ();
              if (text[i] == '"')
                {
                  if (i + 1 < length && text[i + 1] == '"')
                    {
                      g_string_append_c (value, '"');
                      i += 2;
                      continue;
                    }
                  i++;
                  break;
                }
              g_string_append_c (value, text[i++]);
            }
          if (i < length && text[i] != ',' && text[i] != '\r')
            abort ();
          continue;
        }
      if (text[i] == ',')
        {
          g_ptr_array_add (row, g_string_free (value, FALSE));
          value = g_string_new (NULL);
          i++;
          continue;
        }
      if (text[i] == '\r')
        {
          if (i + 1 >= length || text[i + 1] != '\n')
            abort ();
          g_ptr_array_add (row, g_string_free (value, FALSE));
          value = g_string_new (NULL);
          g_ptr_array_add (rows, row);
          row = g_ptr_array_new_with_free_func (g_free);
          i += 2;
          continue;
        }
      if (text[i] == '"' || text[i] == '\n')
        abort ();
      g_string_append_c (value, text[i++]);
    }
  /* Every row ends with CRLF, the last one too. */
  if (value->len != 0 || row->len != 0)
    abort ();
  g_string_free (value, TRUE);
  g_ptr_array_unref (row);
  return rows;
}

static GBytes *
export (gint64             run_id,
        SySyncExportFormat format)
{
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  if (!sy_state_store_export_failures_to_stream (store, run_id, format, stream, NULL, &error) ||
      !g_output_stream_close (stream, NULL, &error))
    {
      g_printerr ("export failed: %s\n", error->message);
      abort ();
    }
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (stream));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto(GStrv) lines = g_strsplit (text, "\n", MAX_RECORDS + 1);
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_sync_result_free);
  g_autoptr(GHashTable) last = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(SySyncRun) run = sy_sync_run_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) shown_rows = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer value;
  JsonArray *array;
  guint n_failed = 0;
  gint64 run_id;

  for (guint i = 0; lines[i] != NULL && i < MAX_RECORDS; i++)
    {
      SySyncResult *result = result_from_line (lines[i], 1700000000 + i);

      g_ptr_array_add (results, result);
      /* A later result of the same key replaces the earlier one. */
      g_hash_table_insert (last, result->source_key, result);
    }
  g_hash_table_iter_init (&iter, last);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((SySyncResult *) value)->outcome == SY_SYNC_OUTCOME_FAILED)
      n_failed++;

  run->mapping_name = g_strdup ("fuzz");
  run->mapping_data = g_strdup ("{}");
  run->source_connection = g_strdup ("source");
  run->source_entity = g_strdup ("wms/sales-orders");
  run->target_connection = g_strdup ("target");
  run->target_entity = g_strdup ("erp/sales-orders");
  run->pair = sy_sync_pair_for (run->source_connection, run->source_entity,
                                run->target_connection, run->target_entity);
  sy_sync_options_init (&run->options);
  run->started_at = 1700000000;
  run_id = sy_state_store_create_run (store, run, &error);
  if (run_id <= 0)
    abort ();
  if (!sy_state_store_commit_batch (store, run_id, results, NULL, NULL, &error))
    {
      g_printerr ("commit failed: %s\n", error->message);
      abort ();
    }

  /* CSV: a header, then one row of eight fields per failed record. */
  csv = export (run_id, SY_SYNC_EXPORT_CSV);
  rows = parse_csv (g_bytes_get_data (csv, NULL), g_bytes_get_size (csv));
  if (rows->len != n_failed + 1)
    abort ();
  for (guint i = 0; i < rows->len; i++)
    {
      GPtrArray *row = g_ptr_array_index (rows, i);
      SySyncResult *result;

      if (row->len != 8)
        abort ();
      if (i == 0)
        continue;
      /* Find the record by what its key and message read as. Two keys can
       * read the same ("-" is defused to "'-", which is also how "'-"
       * itself reads): the CSV is for people, the JSON export is exact. */
      g_hash_table_iter_init (&iter, last);
      result = NULL;
      while (result == NULL && g_hash_table_iter_next (&iter, NULL, &value))
        {
          SySyncResult *candidate = value;
          g_autofree char *shown = csv_expected (candidate->source_key);
          g_autofree char *message = csv_expected (candidate->message);

          if (candidate->outcome == SY_SYNC_OUTCOME_FAILED &&
              strcmp (shown, g_ptr_array_index (row, 0)) == 0 &&
              strcmp (message, g_ptr_array_index (row, 3)) == 0 &&
              !g_hash_table_contains (shown_rows, candidate))
            result = candidate;
        }
      /* Each failed record is exactly one row. */
      if (result == NULL || !g_hash_table_add (shown_rows, result))
        abort ();
      if (strcmp ("erp/sales-orders", g_ptr_array_index (row, 1)) != 0)
        abort ();
    }

  /* JSON: an array of one object per failed record. */
  json = export (run_id, SY_SYNC_EXPORT_JSON);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (json, NULL), g_bytes_get_size (json), &error))
    {
      g_printerr ("the JSON export does not parse: %s\n", error->message);
      abort ();
    }
  if (!JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    abort ();
  array = json_node_get_array (json_parser_get_root (parser));
  if (json_array_get_length (array) != n_failed)
    abort ();
  for (guint i = 0; i < n_failed; i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      const char *key = json_object_get_string_member (object, "source_key");
      SySyncResult *result = g_hash_table_lookup (last, key);
      JsonNode *message = json_object_get_member (object, "message");

      if (result == NULL || result->outcome != SY_SYNC_OUTCOME_FAILED ||
          !g_hash_table_add (seen, (gpointer) key))
        abort ();
      if (result->message == NULL ? !JSON_NODE_HOLDS_NULL (message)
                                  : g_strcmp0 (json_node_get_string (message), result->message) != 0)
        abort ();
    }

  return 0;
}
