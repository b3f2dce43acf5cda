/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-sync"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-json.h"
#include "sy-sync-job-private.h"

void
sy_sync_record_free (Record *record)
{
  if (record->wait_source != NULL)
    {
      g_source_destroy (record->wait_source);
      g_source_unref (record->wait_source);
    }
  g_free (record->source_key);
  g_free (record->updated_at);
  g_clear_pointer (&record->payload, json_node_unref);
  g_free (record->payload_hash);
  g_free (record->match_value);
  g_free (record->target_key);
  g_free (record->display_value);
  g_clear_object (&record->lookup);
  g_clear_pointer (&record->result, sy_sync_result_free);
  g_free (record);
}

void
sy_sync_replace_str (char       **pointer,
             const char  *value)
{
  if (*pointer == value)
    return;
  g_free (*pointer);
  *pointer = g_strdup (value);
}

/* A dotted path into the payload ("code", "shipmentAddress.city"). */
char *
sy_sync_value_at (JsonNode   *payload,
                  const char *path)
{
  g_auto(GStrv) segments = NULL;
  JsonNode *node = payload;

  if (payload == NULL || path == NULL)
    return NULL;

  segments = g_strsplit (path, ".", -1);
  for (guint i = 0; segments[i] != NULL; i++)
    {
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        return NULL;
      node = json_object_get_member (json_node_get_object (node), segments[i]);
    }

  return sy_json_node_dup_text (node);
}

static int
compare_member_names (gconstpointer a,
                      gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The same payload always gives the same bytes, whatever order its
 * members were set in. */
static void
append_canonical (GString  *out,
                  JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GPtrArray) names = g_ptr_array_new ();
        GList *members = json_object_get_members (object);

        for (GList *l = members; l != NULL; l = l->next)
          g_ptr_array_add (names, l->data);
        g_list_free (members);
        g_ptr_array_sort (names, compare_member_names);

        g_string_append_c (out, '{');
        for (guint i = 0; i < names->len; i++)
          {
            g_autoptr(JsonNode) name = json_node_init_string (json_node_alloc (), g_ptr_array_index (names, i));
            g_autofree char *quoted = json_to_string (name, FALSE);

            if (i > 0)
              g_string_append_c (out, ',');
            g_string_append (out, quoted);
            g_string_append_c (out, ':');
            append_canonical (out, json_object_get_member (object, g_ptr_array_index (names, i)));
          }
        g_string_append_c (out, '}');
        break;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        g_string_append_c (out, '[');
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            append_canonical (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
        break;
      }

    case JSON_NODE_NULL:
    case JSON_NODE_VALUE:
    default:
      {
        g_autofree char *text = json_to_string (node, FALSE);
        g_string_append (out, text);
        break;
      }
    }
}

char *
sy_sync_payload_hash (JsonNode *payload)
{
  g_autoptr(GString) canonical = g_string_new (NULL);

  append_canonical (canonical, payload);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, canonical->str, canonical->len);
}

static char *
field_errors_to_json (GHashTable *field_errors)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree const char **fields = NULL;
  JsonObject *object;
  guint n_fields = 0;

  if (field_errors == NULL || g_hash_table_size (field_errors) == 0)
    return NULL;

  fields = (const char **) g_hash_table_get_keys_as_array (field_errors, &n_fields);
  qsort (fields, n_fields, sizeof (char *), compare_member_names);

  object = json_object_new ();
  for (guint i = 0; i < n_fields; i++)
    {
      const char * const *messages = g_hash_table_lookup (field_errors, fields[i]);
      JsonArray *array = json_array_new ();

      for (guint j = 0; messages != NULL && messages[j] != NULL; j++)
        json_array_add_string_element (array, messages[j]);
      json_object_set_array_member (object, fields[i], array);
    }

  root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, object);
  return json_to_string (root, FALSE);
}

gboolean
sy_sync_time_is_later (const char *a,
               const char *b)
{
  if (a == NULL)
    return FALSE;
  if (b == NULL)
    return TRUE;
  /* The API's timestamps are ISO 8601 in UTC, one format per server:
   * they sort as text. */
  return strcmp (a, b) > 0;
}

static char *
describe_problems (GPtrArray *problems)
{
  g_autoptr(GString) text = g_string_new (_("The mapping cannot make a valid record:"));

  for (guint i = 0; i < problems->len; i++)
    {
      SyMappingProblem *problem = g_ptr_array_index (problems, i);

      if (!problem->blocking)
        continue;
      g_string_append_c (text, ' ');
      g_string_append_printf (text, _("%s: %s."), problem->field, problem->message);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

SySyncResult *
sy_sync_record_failed_result (Record     *record,
               guint       status,
               const char *message)
{
  SySyncResult *result = sy_sync_result_new (record->source_key, SY_SYNC_OUTCOME_FAILED);

  result->status = status;
  result->message = g_strdup (message);
  result->updated_at = g_strdup (record->updated_at);
  result->payload_hash = g_strdup (record->payload_hash);
  result->display_value = g_strdup (record->display_value);
  result->attempts = record->attempts;
  result->at = g_get_real_time () / G_USEC_PER_SEC;
  return result;
}

SySyncResult *
sy_sync_record_outcome_result (Record        *record,
                SySyncOutcome  outcome)
{
  SySyncResult *result = sy_sync_result_new (record->source_key, outcome);

  result->target_key = g_strdup (record->target_key);
  result->payload_hash = g_strdup (record->payload_hash);
  result->updated_at = g_strdup (record->updated_at);
  result->display_value = g_strdup (record->display_value);
  result->attempts = record->attempts;
  result->at = g_get_real_time () / G_USEC_PER_SEC;
  return result;
}

/* A value at a dotted path of the source record, when it is text or a
 * number (never an object or a list). */
static char *
scalar_at (JsonObject *source,
           const char *path)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  if (path == NULL || *path == '\0')
    return NULL;
  node = json_node_init_object (json_node_alloc (), source);
  text = sy_sync_value_at (node, path);
  if (text == NULL || *text == '\0')
    return NULL;
  return g_steal_pointer (&text);
}

/* What a person knows the record by (SySyncResult.display_value): the
 * match field when it is not the key itself (that is shown anyway), else
 * the first required rule's source field, e.g. the order number. */
static char *
display_value_for (SyMapping  *mapping,
                   JsonObject *source)
{
  const char *match = sy_mapping_get_match_source (mapping);
  GListModel *rules;
  guint n_rules;

  if (match != NULL && g_strcmp0 (match, "key") != 0)
    return scalar_at (source, match);

  rules = sy_mapping_get_rules (mapping);
  n_rules = g_list_model_get_n_items (rules);
  for (guint i = 0; i < n_rules; i++)
    {
      g_autoptr(SyMappingRule) rule = g_list_model_get_item (rules, i);
      const char *path = sy_mapping_rule_get_source (rule);

      if (sy_mapping_rule_get_required (rule) && path != NULL && g_strcmp0 (path, "key") != 0)
        return scalar_at (source, path);
    }
  return NULL;
}

/* Whether a failure came from the server's judgement of the payload
 * (400–499 but for 408 and 429), not from the way there: sent again
 * unchanged, it would be refused again. */
static gboolean
failure_is_refusal (const SySyncResult *failure)
{
  return failure->status >= 400 && failure->status < 500 &&
         failure->status != 408 && failure->status != 429;
}

/* Retry: a record the target refused whose payload is what it refused
 * keeps that failure, with a note, instead of being sent again. */
static SySyncResult *
unchanged_refusal (SySyncJob *self,
                   Record    *record)
{
  const SySyncResult *failure;
  const char *note;
  SySyncResult *result;

  if (self->previous_failures == NULL || record->payload_hash == NULL)
    return NULL;
  failure = g_hash_table_lookup (self->previous_failures, record->source_key);
  if (failure == NULL || !failure_is_refusal (failure) ||
      g_strcmp0 (failure->payload_hash, record->payload_hash) != 0)
    return NULL;

  result = sy_sync_result_copy (failure);
  result->outcome = SY_SYNC_OUTCOME_FAILED;
  g_clear_pointer (&result->target_key, g_free);
  sy_sync_replace_str (&result->updated_at, record->updated_at);
  sy_sync_replace_str (&result->display_value, record->display_value);
  result->attempts = 0;
  result->at = g_get_real_time () / G_USEC_PER_SEC;
  note = _("Not sent again: the data is the same as when it was refused; change the record or the mapping first.");
  if (result->message == NULL || !g_str_has_prefix (result->message, note))
    {
      char *message = result->message != NULL ? g_strconcat (note, " ", result->message, NULL) : g_strdup (note);

      g_free (result->message);
      result->message = message;
    }
  return result;
}

/* Why a source record has no usable key. */
static const char *
keyless_reason (JsonObject *source)
{
  JsonNode *key = json_object_get_member (source, "key");

  if (key == NULL)
    return _("The source record has no key, so it can neither be written nor found again.");
  if (JSON_NODE_HOLDS_NULL (key))
    return _("The source record’s key is null, so it can neither be written nor found again.");
  if (JSON_NODE_HOLDS_VALUE (key) && json_node_get_value_type (key) == G_TYPE_STRING)
    return _("The source record’s key is empty, so it can neither be written nor found again.");
  return _("The source record’s key is neither text nor a whole number, so it can neither be written nor found again.");
}

/* A name to keep a keyless record's failure under: the same record gives
 * the same name in every run, so that a resume does not count it twice. */
static char *
keyless_name (JsonObject *source)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), source);
  g_autofree char *hash = sy_sync_payload_hash (node);

  return g_strdup_printf ("%s%.16s", SY_SYNC_KEYLESS_PREFIX, hash);
}

/* Maps one source record; a record that cannot be sent gets its failed
 * result at once. */
Record *
sy_sync_record_new (SySyncJob  *self,
            Batch      *batch,
            JsonObject *source)
{
  Record *record;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(JsonObject) payload = NULL;
  gboolean blocking = FALSE;

  record = g_new0 (Record, 1);
  record->batch = batch;
  record->source_key = sy_json_object_dup_text (source, "key");
  record->updated_at = sy_json_object_dup_text (source, "updatedAt");
  record->display_value = display_value_for (self->mapping, source);

  if (record->source_key == NULL || *record->source_key == '\0')
    {
      const char *message = keyless_reason (source);

      g_free (record->source_key);
      record->source_key = keyless_name (source);
      record->keyless = TRUE;
      record->result = sy_sync_record_failed_result (record, 0, message);
      return record;
    }

  if (self->keyset.repeated != NULL &&
      g_hash_table_contains (self->keyset.repeated, record->source_key) &&
      g_strcmp0 (g_hash_table_lookup (self->keyset.repeated, record->source_key), record->updated_at) == 0)
    {
      record->result = sy_sync_record_failed_result (record, 0,
                                                     _("The source listed this record more than once with the same updatedAt, so which copy is right cannot be told. Check it in the source, then retry the failed records."));
      return record;
    }

  if (g_hash_table_contains (self->missing_keys, record->source_key))
    {
      record->missing = TRUE;
      record->result = sy_sync_record_failed_result (record, 404, _("The source no longer has this record."));
      return record;
    }

  problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_mapping_problem_free);
  payload = sy_mapping_apply (self->mapping, source, self->catalogue, problems);
  for (guint i = 0; i < problems->len; i++)
    blocking |= ((SyMappingProblem *) g_ptr_array_index (problems, i))->blocking;

  if (payload != NULL)
    {
      record->payload = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (record->payload, payload);
      record->payload_hash = sy_sync_payload_hash (record->payload);
      record->match_value = sy_sync_value_at (record->payload, sy_mapping_get_match_target (self->mapping));
    }

  if (blocking || payload == NULL)
    {
      g_autofree char *message = describe_problems (problems);

      record->result = sy_sync_record_failed_result (record, 0, message);
    }
  else
    record->result = unchanged_refusal (self, record);

  return record;
}

SySyncResult *
sy_sync_record_result_from_error (Record       *record,
                   const GError *error)
{
  SySyncResult *result = sy_sync_record_failed_result (record, sy_api_error_get_status (error), error->message);
  g_autofree char *field_errors = field_errors_to_json (sy_api_error_get_field_errors (error));

  result->field_errors = g_steal_pointer (&field_errors);
  result->request_id = g_strdup (sy_api_error_get_request_id (error));
  return result;
}
