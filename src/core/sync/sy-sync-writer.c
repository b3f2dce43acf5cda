/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-sync"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-backoff.h"
#include "sy-json.h"
#include "sy-sync-job-private.h"

#define BACKOFF_CAP_MS 10000
/* A match field is meant to be unique: a second record is worth seeing
 * only to know it is not. */
#define LOOKUP_PER_PAGE 2
#define RETRY_AFTER_DEFAULT_S 1
#define RETRY_AFTER_CAP_S 60
/* 429s are the server pacing us, not the record failing: they do not use
 * up its attempts, but a server that never lets it through must not keep
 * it forever. */
#define MAX_RATE_LIMITED_RETRIES 50

/* Records waiting to retry hold no request that would come back. */
void
sy_sync_writer_abandon_waiting (SySyncJob *self)
{
  for (GList *l = self->batches.head; l != NULL; l = l->next)
    {
      Batch *batch = l->data;

      for (guint i = 0; i < batch->records->len; i++)
        {
          Record *record = g_ptr_array_index (batch->records, i);

          if (record != NULL && record->wait_source != NULL)
            {
              g_source_destroy (record->wait_source);
              g_clear_pointer (&record->wait_source, g_source_unref);
              self->in_flight--;
            }
        }
    }
}

/* --- writes ----------------------------------------------------------- */

static void
record_finish (Record       *record,
               SySyncResult *result)
{
  SySyncJob *self = record->batch->job;

  g_clear_pointer (&record->result, sy_sync_result_free);
  record->result = result;
  record->batch->n_unfinished--;
  self->in_flight--;
  sy_sync_job_pump (self);
}

/* The record stops without an outcome (cancelled, or the run failed). */
static void
record_abandon (Record *record)
{
  SySyncJob *self = record->batch->job;

  self->in_flight--;
  sy_sync_job_pump (self);
}

static gboolean
on_record_wait_done (gpointer user_data)
{
  Record *record = user_data;

  g_clear_pointer (&record->wait_source, g_source_unref);
  sy_sync_record_step (record);
  return G_SOURCE_REMOVE;
}

static void
record_wait (Record *record,
             guint   delay_ms)
{
  record->wait_source = g_timeout_source_new (delay_ms);
  g_source_set_name (record->wait_source, "[switchyard] sync retry wait");
  g_source_set_callback (record->wait_source, on_record_wait_done, record, NULL);
  g_source_attach (record->wait_source, g_main_context_get_thread_default ());
}



SySyncRetryAction
sy_sync_classify_failure (const GError *error,
                          gboolean      was_create,
                          gboolean     *may_have_arrived)
{
  gboolean transient = sy_api_error_is_transient (error);

  *may_have_arrived = FALSE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return SY_SYNC_RETRY_ABANDON;

  if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED) ||
      g_error_matches (error, SY_API_ERROR, SY_API_ERROR_FORBIDDEN))
    {
      /* A 401 can come from a proxy after the server took the create. */
      *may_have_arrived = was_create;
      return SY_SYNC_RETRY_FATAL;
    }

  /* Not an attempt: the server refused before doing anything. */
  if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_RATE_LIMITED))
    return SY_SYNC_RETRY_PACED;

  /* An answer that cannot be read may follow a create that was made. */
  if (transient || (was_create && g_error_matches (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE)))
    {
      *may_have_arrived = was_create;
      return SY_SYNC_RETRY_BACKOFF;
    }

  return SY_SYNC_RETRY_FAIL;
}

/* What to do when a request of this record failed. */
static void
record_failed_request (Record       *record,
                       const GError *error,
                       gboolean      was_create,
                       gboolean      was_write)
{
  SySyncJob *self = record->batch->job;
  gboolean may_have_arrived = FALSE;
  SySyncRetryAction action = sy_sync_classify_failure (error, was_create, &may_have_arrived);

  /* A lookup is a read that sends nothing: it spends none of the record's
   * write attempts (after a lost answer every attempt is a lookup and a
   * write, and counting both would halve the budget where it is needed
   * most), but it has a budget of its own, so that a target that never
   * answers one still lets the record end. */
  if (!was_write && action == SY_SYNC_RETRY_BACKOFF && sy_api_error_is_transient (error))
    record->failed_lookups++;

  if (may_have_arrived)
    record->look_up_first = TRUE;

  if (action == SY_SYNC_RETRY_ABANDON || self->cancelled)
    {
      record_abandon (record);
      return;
    }

  switch (action)
    {
    case SY_SYNC_RETRY_FATAL:
      sy_sync_job_set_fatal (self, error);
      record_abandon (record);
      return;

    case SY_SYNC_RETRY_PACED:
      {
        guint retry_after = sy_api_error_get_retry_after (error);

        if (was_write && record->attempts > 0)
          record->attempts--;
        record->rate_limited++;
        sy_rate_limiter_pause (self->limiter,
                               MIN (retry_after > 0 ? retry_after : RETRY_AFTER_DEFAULT_S, RETRY_AFTER_CAP_S) * 1000);
        sy_rate_limiter_slow_down (self->limiter);
        sy_sync_progress_set_rate_limited (self->progress, TRUE);

        if (record->rate_limited > MAX_RATE_LIMITED_RETRIES)
          record_finish (record, sy_sync_record_result_from_error (record, error));
        else
          sy_sync_record_step (record);
        return;
      }

    case SY_SYNC_RETRY_BACKOFF:
      if (self->fatal != NULL)
        {
          record_abandon (record);
          return;
        }
      if (record->attempts < self->options.max_attempts &&
          record->failed_lookups < self->options.max_attempts)
        {
          record_wait (record, sy_backoff_delay_ms (BACKOFF_BASE_MS, MAX (record->attempts + record->failed_lookups, 1) - 1,
                                                   BACKOFF_CAP_MS));
          return;
        }
      break;

    case SY_SYNC_RETRY_ABANDON:
    case SY_SYNC_RETRY_FAIL:
    default:
      break;
    }

  record_finish (record, sy_sync_record_result_from_error (record, error));
}

static char *
key_from_answer (JsonNode *root)
{
  JsonNode *data = sy_json_unwrap_data (root);
  char *key = NULL;

  if (data != NULL && JSON_NODE_HOLDS_OBJECT (data))
    key = sy_json_object_dup_text (json_node_get_object (data), "key");
  /* Some servers answer a create with the record beside other members. */
  if (key == NULL && root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    key = sy_json_object_dup_text (json_node_get_object (root), "key");
  return key;
}

static void
on_write_answer (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Record *record = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  gboolean was_create = record->action == ACTION_CREATE;

  root = sy_api_client_send_finish (SY_API_CLIENT (source), result, &error);
  if (root == NULL)
    {
      record_failed_request (record, error, was_create, TRUE);
      return;
    }

  if (was_create)
    {
      g_autofree char *key = key_from_answer (root);

      if (key == NULL)
        {
          g_autoptr(GError) invalid = NULL;

          invalid = sy_api_error_new_full (SY_API_ERROR_INVALID_RESPONSE, 0, NULL, 0, NULL,
                                           _("The target answered the create without the new record’s key."));
          record_failed_request (record, invalid, TRUE, TRUE);
          return;
        }
      sy_sync_replace_str (&record->target_key, key);
      record_finish (record, sy_sync_record_outcome_result (record, SY_SYNC_OUTCOME_CREATED));
      return;
    }

  record_finish (record, sy_sync_record_outcome_result (record, SY_SYNC_OUTCOME_UPDATED));
}

static void
on_lookup_answer (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Record *record = user_data;
  SySyncJob *self = record->batch->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) page = NULL;
  /* Dropped when the answer has been handled. */
  g_autoptr(SyPageIterator) lookup G_GNUC_UNUSED = g_steal_pointer (&record->lookup);
  const char *match_field = sy_mapping_get_match_target (self->mapping);

  page = sy_page_iterator_next_finish (SY_PAGE_ITERATOR (source), result, &error);
  if (page == NULL && error != NULL)
    {
      if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE))
        {
          /* Asking again would get the same answer. */
          g_prefix_error (&error, _("The target’s answer to a search cannot be read: "));
          record_finish (record, sy_sync_record_result_from_error (record, error));
          return;
        }
      /* A lookup is itself harmless to repeat; whether the create arrived
       * is still unknown. */
      record_failed_request (record, error, TRUE, FALSE);
      return;
    }

  /* Only a record that holds the value counts: a server that ignores the
   * filter answers with others. */
  for (guint i = 0; page != NULL && i < json_array_get_length (page); i++)
    {
      JsonNode *node = json_array_get_element (page, i);
      g_autofree char *value = sy_sync_value_at (node, match_field);
      g_autofree char *key = NULL;

      if (g_strcmp0 (value, record->match_value) != 0 || !JSON_NODE_HOLDS_OBJECT (node))
        continue;
      key = sy_json_object_dup_text (json_node_get_object (node), "key");
      if (key != NULL && record->adopt_lookup)
        {
          /* The target held it before this pair had a key map: what it
           * holds may be old, so the payload goes out as an update. */
          sy_sync_replace_str (&record->target_key, key);
          record->action = ACTION_UPDATE;
          record->look_up_first = FALSE;
          sy_sync_record_step (record);
          return;
        }
      if (key != NULL)
        {
          /* The create did arrive: it is not sent again. */
          sy_sync_replace_str (&record->target_key, key);
          record_finish (record, sy_sync_record_outcome_result (record, SY_SYNC_OUTCOME_CREATED));
          return;
        }
    }

  record->look_up_first = FALSE;
  sy_sync_record_step (record);
}

static void
record_send (Record *record)
{
  SySyncJob *self = record->batch->job;

  if (self->cancelled || self->fatal != NULL)
    {
      record_abandon (record);
      return;
    }

  if (record->look_up_first)
    {
      if (record->match_value == NULL)
        {
          record_finish (record, sy_sync_record_failed_result (record, 0,
                                                _("The record may have been created by an earlier attempt, but its match field is empty, so that cannot be checked. Check the target by hand.")));
          return;
        }
      /* Each record looks itself up: the lookups of a batch go out
       * together, as many as --concurrency lets through. */
      g_debug ("Looking up “%s” in the target before creating it: %u requests in flight",
               record->source_key, self->in_flight);
      record->lookup = sy_page_iterator_new (self->target, sy_mapping_get_target_entity (self->mapping),
                                             LOOKUP_PER_PAGE);
      sy_page_iterator_add_filter (record->lookup, sy_mapping_get_match_target (self->mapping), NULL,
                                   record->match_value);
      sy_page_iterator_next_async (record->lookup, self->cancellable, on_lookup_answer, record);
      return;
    }

  record->attempts++;
  if (record->action == ACTION_UPDATE)
    {
      g_autofree char *escaped = g_uri_escape_string (record->target_key, NULL, FALSE);
      g_autofree char *path = g_strconcat (self->target_path, "/", escaped, NULL);

      sy_api_client_send_async (self->target, "PUT", path, record->payload, self->cancellable,
                                on_write_answer, record);
    }
  else
    sy_api_client_send_async (self->target, "POST", self->target_path, record->payload, self->cancellable,
                              on_write_answer, record);
}

static void
on_slot_acquired (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Record *record = user_data;

  if (!sy_rate_limiter_acquire_finish (SY_RATE_LIMITER (source), result, NULL))
    {
      record_abandon (record);
      return;
    }
  record_send (record);
}

/* Every request of a record waits for the rate limiter first. */
void
sy_sync_record_step (Record *record)
{
  SySyncJob *self = record->batch->job;

  if (self->cancelled || self->fatal != NULL)
    {
      record_abandon (record);
      return;
    }

  if (sy_rate_limiter_try_acquire (self->limiter) == 0)
    record_send (record);
  else
    sy_rate_limiter_acquire_async (self->limiter, self->cancellable, on_slot_acquired, record);
}

void
sy_sync_writer_dispatch (SySyncJob *self)
{
  if (self->fatal != NULL || self->cancelled)
    return;

  for (GList *l = self->batches.head; l != NULL && self->in_flight < self->options.concurrency; l = l->next)
    {
      Batch *batch = l->data;

      if (batch->phase != BATCH_DISPATCHING)
        continue;

      while (batch->next < batch->records->len && self->in_flight < self->options.concurrency)
        {
          Record *record = g_ptr_array_index (batch->records, batch->next++);

          if (record->result != NULL)
            continue;
          self->in_flight++;
          sy_sync_record_step (record);
        }
    }
}
