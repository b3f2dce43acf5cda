/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-sync"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-connection-services.h"
#include "sy-sync-check.h"
#include "sy-sync-job-private.h"

G_DEFINE_FINAL_TYPE (SySyncJob, sy_sync_job, G_TYPE_OBJECT)

enum
{
  SIGNAL_RECORD_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
sy_sync_batch_free (Batch *batch)
{
  g_ptr_array_unref (batch->records);
  g_free (batch->checkpoint);
  g_free (batch);
}

SySyncJobState
sy_sync_job_running_state (SySyncJob *self)
{
  if (self->stopping)
    return SY_SYNC_JOB_STATE_STOPPING;
  /* Paused once what was open is committed and counted. */
  if (self->paused && g_queue_is_empty (&self->batches) && self->pending_ops == 0 && self->in_flight == 0)
    return SY_SYNC_JOB_STATE_PAUSED;
  return SY_SYNC_JOB_STATE_RUNNING;
}

void
sy_sync_job_update_counts (SySyncJob *self)
{
  const SySyncRun *run = self->run;

  if (run == NULL)
    return;

  sy_sync_progress_set_counts (self->progress, run->read + self->live_read,
                               run->created, run->updated, run->failed, run->skipped);
}

/* --- GObject ---------------------------------------------------------- */

static void
sy_sync_job_dispose (GObject *object)
{
  SySyncJob *self = SY_SYNC_JOB (object);
  Batch *batch;
  JsonArray *page;

  if (self->delay_source != NULL)
    {
      g_source_destroy (self->delay_source);
      g_clear_pointer (&self->delay_source, g_source_unref);
    }
  if (self->user_cancel_source != NULL)
    {
      g_source_destroy (self->user_cancel_source);
      g_clear_pointer (&self->user_cancel_source, g_source_unref);
    }
  while ((batch = g_queue_pop_head (&self->batches)) != NULL)
    sy_sync_batch_free (batch);
  while ((page = g_queue_pop_head (&self->pages)) != NULL)
    json_array_unref (page);
  g_clear_pointer (&self->key_fetch, sy_sync_key_fetch_free);
  g_clear_pointer (&self->lock, sy_sync_lock_free);

  g_clear_object (&self->iterator);
  g_clear_object (&self->adopt_iterator);
  g_clear_object (&self->limiter);
  g_clear_object (&self->source);
  g_clear_object (&self->target);
  g_clear_object (&self->mapping);
  g_clear_object (&self->connections);
  g_clear_object (&self->catalogue);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (sy_sync_job_parent_class)->dispose (object);
}

static void
sy_sync_job_finalize (GObject *object)
{
  SySyncJob *self = SY_SYNC_JOB (object);

  g_clear_object (&self->progress);
  g_clear_pointer (&self->run, sy_sync_run_free);
  g_clear_pointer (&self->retry_keys, g_ptr_array_unref);
  g_clear_pointer (&self->missing_keys, g_hash_table_unref);
  g_clear_pointer (&self->previous_failures, g_hash_table_unref);
  g_clear_error (&self->fatal);
  g_free (self->mapping_data);
  g_free (self->cause);
  g_free (self->pair);
  g_free (self->source_path);
  g_free (self->target_path);
  g_free (self->high_water);
  g_free (self->checkpoint);
  sy_sync_keyset_clear (&self->keyset);
  g_hash_table_unref (self->open_keys);

  G_OBJECT_CLASS (sy_sync_job_parent_class)->finalize (object);
}

static void
sy_sync_job_class_init (SySyncJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_sync_job_dispose;
  object_class->finalize = sy_sync_job_finalize;

  signals[SIGNAL_RECORD_FAILED] =
    g_signal_new ("record-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1,
                  SY_TYPE_SYNC_RESULT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sy_sync_job_init (SySyncJob *self)
{
  self->progress = sy_sync_progress_new ();
  self->cancellable = g_cancellable_new ();
  self->missing_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sy_sync_keyset_init (&self->keyset);
  self->open_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->pages);
  g_queue_init (&self->batches);
  sy_sync_options_init (&self->options);
}

/* --- construction ----------------------------------------------------- */

static gboolean
setup (SySyncJob    *self,
       SyStateStore *store,
       SyMapping    *mapping,
       SyApiClient  *source,
       SyApiClient  *target,
       GError      **error)
{
  g_autoptr(GError) local_error = NULL;

  self->store = g_object_ref (store);
  self->mapping = g_object_ref (mapping);
  self->source = g_object_ref (source);
  self->target = g_object_ref (target);
  self->catalogue = g_object_ref (sy_catalogue_get_default ());
  if (self->mapping_data == NULL)
    self->mapping_data = sy_mapping_to_data (mapping, NULL);

  self->pair = sy_sync_pair_for (sy_mapping_get_source_connection (mapping),
                                 sy_mapping_get_source_entity (mapping),
                                 sy_mapping_get_target_connection (mapping),
                                 sy_mapping_get_target_entity (mapping));

  self->source_path = sy_api_client_entity_path (sy_mapping_get_source_entity (mapping), &local_error);
  if (self->source_path != NULL)
    self->target_path = sy_api_client_entity_path (sy_mapping_get_target_entity (mapping), &local_error);
  if (self->target_path == NULL)
    {
      g_set_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_INVALID_MAPPING,
                   _("The mapping “%s” cannot be synced: %s"),
                   sy_mapping_get_name (mapping) ? sy_mapping_get_name (mapping) : "", local_error->message);
      return FALSE;
    }

  if (sy_mapping_get_match_target (mapping) == NULL || *sy_mapping_get_match_target (mapping) == '\0')
    {
      g_set_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_INVALID_MAPPING,
                   _("The mapping “%s” has no match rule: without a target field that holds the source record’s identity, a sync could write a record twice."),
                   sy_mapping_get_name (mapping) ? sy_mapping_get_name (mapping) : "");
      return FALSE;
    }

  self->limiter = sy_rate_limiter_new (self->options.max_rps);
  return TRUE;
}

SySyncJob *
sy_sync_job_new (SyStateStore        *store,
                 SyMapping           *mapping,
                 SyApiClient         *source,
                 SyApiClient         *target,
                 const SySyncOptions *options)
{
  g_autoptr(SySyncJob) self = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (SY_IS_STATE_STORE (store), NULL);
  g_return_val_if_fail (SY_IS_MAPPING (mapping), NULL);
  g_return_val_if_fail (SY_IS_API_CLIENT (source), NULL);
  g_return_val_if_fail (SY_IS_API_CLIENT (target), NULL);

  self = g_object_new (SY_TYPE_SYNC_JOB, NULL);
  self->mode = MODE_NEW;
  if (options != NULL)
    self->options = *options;

  /* A mapping that cannot be synced is reported when the job runs, where
   * the caller is ready to show an error. */
  if (!setup (self, store, mapping, source, target, &error))
    self->fatal = g_steal_pointer (&error);

  return g_steal_pointer (&self);
}

static gboolean
check_run_entities (const SySyncRun  *run,
                    SyMapping        *mapping,
                    GError          **error)
{
  if (g_strcmp0 (run->source_entity, sy_mapping_get_source_entity (mapping)) != 0 ||
      g_strcmp0 (run->target_entity, sy_mapping_get_target_entity (mapping)) != 0 ||
      g_strcmp0 (run->source_connection, sy_mapping_get_source_connection (mapping)) != 0 ||
      g_strcmp0 (run->target_connection, sy_mapping_get_target_connection (mapping)) != 0)
    {
      g_set_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NOT_RESUMABLE,
                   _("Sync run %lld went from %s to %s, but its mapping now goes from %s to %s."),
                   (long long) run->id, run->source_entity, run->target_entity,
                   sy_mapping_get_source_entity (mapping), sy_mapping_get_target_entity (mapping));
      return FALSE;
    }
  return TRUE;
}

static SyMapping *
mapping_of_run (const SySyncRun  *run,
                GError          **error)
{
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(GError) local_error = NULL;

  if (run->mapping_data == NULL)
    {
      g_set_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NOT_RESUMABLE,
                   _("Sync run %lld kept no mapping to continue with."), (long long) run->id);
      return NULL;
    }

  mapping = sy_mapping_new_from_data (run->mapping_data, -1, run->mapping_name, &local_error);
  if (mapping == NULL)
    {
      g_set_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NOT_RESUMABLE,
                   _("The mapping of sync run %lld no longer reads: %s"),
                   (long long) run->id, local_error->message);
      return NULL;
    }

  if (!check_run_entities (run, mapping, error))
    return NULL;

  return g_steal_pointer (&mapping);
}

SySyncJob *
sy_sync_job_new_resume (SyStateStore     *store,
                        const SySyncRun  *run,
                        SyApiClient      *source,
                        SyApiClient      *target,
                        GError          **error)
{
  g_autoptr(SySyncJob) self = NULL;
  g_autoptr(SyMapping) mapping = NULL;

  g_return_val_if_fail (SY_IS_STATE_STORE (store), NULL);
  g_return_val_if_fail (run != NULL, NULL);
  g_return_val_if_fail (SY_IS_API_CLIENT (source), NULL);
  g_return_val_if_fail (SY_IS_API_CLIENT (target), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!sy_sync_run_state_is_resumable (run->state))
    {
      g_set_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NOT_RESUMABLE,
                   _("Sync run %lld is %s: only an interrupted, stopped or failed run can be resumed."),
                   (long long) run->id, sy_sync_run_state_get_label (run->state));
      return NULL;
    }

  mapping = mapping_of_run (run, error);
  if (mapping == NULL)
    return NULL;

  self = g_object_new (SY_TYPE_SYNC_JOB, NULL);
  self->mode = MODE_RESUME;
  self->options = run->options;
  self->run = sy_sync_run_copy (run);
  self->run_id = run->id;
  /* A retry run goes on reading only the failures it retries. */
  self->failed_run_id = run->retry_of;
  self->mapping_data = g_strdup (run->mapping_data);
  if (!setup (self, store, mapping, source, target, error))
    return NULL;

  return g_steal_pointer (&self);
}

SySyncJob *
sy_sync_job_new_retry_failed (SyStateStore        *store,
                              const SySyncRun     *failed_run,
                              SyApiClient         *source,
                              SyApiClient         *target,
                              const SySyncOptions *options,
                              GError             **error)
{
  g_autoptr(SySyncJob) self = NULL;
  g_autoptr(SyMapping) mapping = NULL;

  g_return_val_if_fail (SY_IS_STATE_STORE (store), NULL);
  g_return_val_if_fail (failed_run != NULL, NULL);
  g_return_val_if_fail (SY_IS_API_CLIENT (source), NULL);
  g_return_val_if_fail (SY_IS_API_CLIENT (target), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  mapping = mapping_of_run (failed_run, error);
  if (mapping == NULL)
    return NULL;

  self = g_object_new (SY_TYPE_SYNC_JOB, NULL);
  self->mode = MODE_RETRY;
  self->options = options != NULL ? *options : failed_run->options;
  /* Only the failed records are read, whatever the run read. */
  self->options.full = FALSE;
  self->failed_run_id = failed_run->id;
  self->mapping_data = g_strdup (failed_run->mapping_data);
  if (!setup (self, store, mapping, source, target, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* --- ending ----------------------------------------------------------- */

static void
on_final_run_loaded (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SySyncJob *self = g_task_get_source_object (task);
  g_autoptr(SySyncRun) run = NULL;

  run = sy_state_store_load_run_finish (SY_STATE_STORE (source), result, NULL);
  if (run != NULL)
    {
      g_clear_pointer (&self->run, sy_sync_run_free);
      self->run = g_steal_pointer (&run);
      self->live_read = 0;
      sy_sync_job_update_counts (self);
    }

  g_clear_pointer (&self->lock, sy_sync_lock_free);

  if (self->fatal != NULL)
    sy_sync_progress_set_state (self->progress, SY_SYNC_JOB_STATE_FAILED);
  else if (self->cancelled || self->stopping)
    sy_sync_progress_set_state (self->progress, SY_SYNC_JOB_STATE_STOPPED);
  else
    sy_sync_progress_set_state (self->progress, SY_SYNC_JOB_STATE_FINISHED);
  sy_sync_progress_flush (self->progress);

  if (self->fatal != NULL)
    g_task_return_error (self->task, g_error_copy (self->fatal));
  else if (self->cancelled || self->stopping)
    g_task_return_new_error (self->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "%s", self->cancelled ? _("The sync was cancelled.") : _("The sync was stopped."));
  else
    g_task_return_boolean (self->task, TRUE);
  g_clear_object (&self->task);
}

static void
on_final_state_set (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SySyncJob *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!sy_state_store_set_run_state_finish (SY_STATE_STORE (source), result, &error))
    g_debug ("Could not record how run %" G_GINT64_FORMAT " ended: %s", self->run_id, error->message);

  sy_state_store_load_run_async (self->store, self->run_id, NULL, on_final_run_loaded, g_steal_pointer (&task));
}

/* Everything has stopped moving: record how the run ended. */
static void
end_run (SySyncJob *self)
{
  SySyncRunState state;
  const char *message = NULL;
  GTask *step;

  if (self->ending)
    return;
  self->ending = TRUE;

  if (self->fatal != NULL)
    {
      state = SY_SYNC_RUN_STATE_FAILED;
      message = self->fatal->message;
    }
  else if (self->cancelled || self->stopping)
    {
      state = SY_SYNC_RUN_STATE_STOPPED;
      message = self->cancelled ? _("Cancelled") : _("Stopped by the user");
    }
  else
    state = SY_SYNC_RUN_STATE_FINISHED;

  if (self->run_id == 0)
    {
      /* It failed before the run existed: nothing to record. */
      g_clear_pointer (&self->lock, sy_sync_lock_free);
      if (self->fatal != NULL)
        {
          sy_sync_progress_set_state (self->progress, SY_SYNC_JOB_STATE_FAILED);
          g_task_return_error (self->task, g_error_copy (self->fatal));
        }
      else
        {
          sy_sync_progress_set_state (self->progress, SY_SYNC_JOB_STATE_STOPPED);
          g_task_return_new_error (self->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("The sync was cancelled."));
        }
      g_clear_object (&self->task);
      return;
    }

  step = g_task_new (self, NULL, NULL, NULL);
  sy_state_store_set_run_state_async (self->store, self->run_id, state, message, NULL,
                                      on_final_state_set, step);
}

void
sy_sync_job_set_fatal (SySyncJob    *self,
                       const GError *error)
{
  if (self->fatal != NULL || self->cancelled)
    return;

  self->fatal = g_error_copy (error);
  g_debug ("Run %" G_GINT64_FORMAT " fails: %s", self->run_id, error->message);
  sy_sync_writer_abandon_waiting (self);
}

static void on_batch_looked_up (GObject *source, GAsyncResult *result, gpointer user_data);

static gboolean
can_open_batch (SySyncJob *self)
{
  guint max_open = self->options.delay_ms > 0 ? 1 : 2;
  guint available;

  if (self->fatal != NULL || self->cancelled || self->stopping || self->paused ||
      self->delay_source != NULL || g_queue_get_length (&self->batches) >= max_open)
    return FALSE;

  available = sy_sync_source_records_available (self);
  if (available == 0 || sy_sync_source_next_is_open (self))
    return FALSE;

  return available >= self->options.batch_size || g_queue_get_length (&self->pages) >= MAX_PAGES ||
         (self->source_done && !self->page_pending);
}

static void
open_batch (SySyncJob *self)
{
  Batch *batch = g_new0 (Batch, 1);
  Batch *previous = g_queue_peek_tail (&self->batches);
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  const char *checkpoint;

  batch->job = self;
  batch->records = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_sync_record_free);
  batch->phase = BATCH_PREPARING;

  checkpoint = previous != NULL ? previous->checkpoint : self->checkpoint;
  batch->checkpoint = g_strdup (checkpoint);

  while (batch->records->len < self->options.batch_size && sy_sync_source_records_available (self) > 0 &&
         !sy_sync_source_next_is_open (self))
    {
      g_autoptr(JsonObject) source = sy_sync_source_take_record (self);
      Record *record;

      if (source == NULL)
        continue;

      record = sy_sync_record_new (self, batch, source);

      if (sy_sync_time_is_later (record->updated_at, self->high_water))
        sy_sync_replace_str (&self->high_water, record->updated_at);
      if (sy_sync_time_is_later (record->updated_at, batch->checkpoint))
        sy_sync_replace_str (&batch->checkpoint, record->updated_at);

      g_ptr_array_add (batch->records, record);
      g_ptr_array_add (keys, record->source_key);
      g_hash_table_add (self->open_keys, g_strdup (record->source_key));
    }
  g_ptr_array_add (keys, NULL);

  g_queue_push_tail (&self->batches, batch);
  self->pending_ops++;
  sy_state_store_lookup_batch_async (self->store, self->run_id, self->pair,
                                     (const char * const *) keys->pdata, self->cancellable,
                                     on_batch_looked_up, batch);
}

static void
on_batch_marked (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Batch *batch = user_data;
  SySyncJob *self = batch->job;
  g_autoptr(GError) error = NULL;

  self->pending_ops--;
  if (!sy_state_store_mark_in_flight_finish (SY_STATE_STORE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        sy_sync_job_set_fatal (self, error);
      /* Nothing of this batch may be sent: its creates are not marked. */
      batch->next = batch->records->len;
    }

  batch->phase = BATCH_DISPATCHING;
  sy_sync_job_pump (self);
}

static void
on_batch_looked_up (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Batch *batch = user_data;
  SySyncJob *self = batch->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(SySyncBatchState) state = NULL;
  g_autoptr(GPtrArray) creates = NULL;
  GPtrArray *kept;

  self->pending_ops--;
  state = sy_state_store_lookup_batch_finish (SY_STATE_STORE (source), result, &error);
  if (state == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        sy_sync_job_set_fatal (self, error);
      /* The batch never dispatches: its records stay without a result. */
      batch->phase = BATCH_DISPATCHING;
      batch->next = batch->records->len;
      for (guint i = 0; i < batch->records->len; i++)
        if (((Record *) g_ptr_array_index (batch->records, i))->result == NULL)
          batch->n_unfinished++;
      sy_sync_job_pump (self);
      return;
    }

  creates = g_ptr_array_new ();
  kept = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_sync_record_free);
  for (guint i = 0; i < batch->records->len; i++)
    {
      Record *record = g_ptr_array_index (batch->records, i);
      const char *target_key;
      const char *last_hash;

      g_ptr_array_index (batch->records, i) = NULL;

      /* This run already committed it as it is now; a record edited
       * since (met again later in the listing, or after a resume) is
       * written again, so that no edit is lost. */
      if (state->done != NULL && g_hash_table_contains (state->done, record->source_key) &&
          !sy_sync_time_is_later (record->updated_at, g_hash_table_lookup (state->done, record->source_key)))
        {
          g_hash_table_remove (self->open_keys, record->source_key);
          sy_sync_record_free (record);
          continue;
        }
      g_ptr_array_add (kept, record);
      self->live_read++;

      if (record->result != NULL)
        continue;

      target_key = state->target_keys ? g_hash_table_lookup (state->target_keys, record->source_key) : NULL;
      last_hash = state->payload_hashes ? g_hash_table_lookup (state->payload_hashes, record->source_key) : NULL;
      record->target_key = g_strdup (target_key);

      if (target_key != NULL && g_strcmp0 (last_hash, record->payload_hash) == 0)
        record->result = sy_sync_record_outcome_result (record, SY_SYNC_OUTCOME_UNCHANGED);
      else if (target_key != NULL && last_hash == NULL && state->in_flight != NULL &&
               g_hash_table_contains (state->in_flight, record->source_key))
        {
          /* This run's own create, found in the target by the adoption
           * that followed a stop: as a lookup would have found it. */
          record->result = sy_sync_record_outcome_result (record, SY_SYNC_OUTCOME_CREATED);
        }
      else if (target_key != NULL)
        {
          record->action = ACTION_UPDATE;
          if (self->options.dry_run)
            record->result = sy_sync_record_outcome_result (record, SY_SYNC_OUTCOME_WOULD_UPDATE);
        }
      else
        {
          record->action = ACTION_CREATE;
          /* Marked in flight by an attempt that may have sent it; a retry
           * run cannot know whether the failed run's create arrived. */
          record->look_up_first = (state->in_flight != NULL &&
                                   g_hash_table_contains (state->in_flight, record->source_key)) ||
                                  self->failed_run_id > 0;
          record->adopt_lookup = !record->look_up_first && self->adopt_by_lookup;
          record->look_up_first |= record->adopt_lookup;
          if (self->options.dry_run)
            record->result = sy_sync_record_outcome_result (record, SY_SYNC_OUTCOME_WOULD_CREATE);
          else if (state->in_flight == NULL || !g_hash_table_contains (state->in_flight, record->source_key))
            g_ptr_array_add (creates, record->source_key);
        }

      if (record->result == NULL)
        batch->n_unfinished++;
    }
  /* Only pointers moved: the old array must not free the records. */
  g_ptr_array_set_free_func (batch->records, NULL);
  g_ptr_array_unref (batch->records);
  batch->records = kept;

  sy_sync_job_update_counts (self);

  if (creates->len > 0 && self->fatal == NULL && !self->cancelled)
    {
      g_ptr_array_add (creates, NULL);
      self->pending_ops++;
      sy_state_store_mark_in_flight_async (self->store, self->run_id, (const char * const *) creates->pdata,
                                           self->cancellable, on_batch_marked, batch);
      return;
    }

  batch->phase = BATCH_DISPATCHING;
  sy_sync_job_pump (self);
}

/* --- commits ---------------------------------------------------------- */

/* read counts what was committed and what the batches still open hold. */
static void
take_committed_run (SySyncJob *self,
                    SySyncRun *run)
{
  guint64 live = 0;

  g_clear_pointer (&self->run, sy_sync_run_free);
  self->run = run;
  for (GList *l = self->batches.head; l != NULL; l = l->next)
    {
      Batch *batch = l->data;

      if (batch->phase != BATCH_PREPARING)
        live += batch->records->len;
    }
  self->live_read = live;
  sy_sync_job_update_counts (self);
}

static gboolean
on_delay_done (gpointer user_data)
{
  SySyncJob *self = user_data;

  g_clear_pointer (&self->delay_source, g_source_unref);
  sy_sync_job_pump (self);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  Batch     *batch;
  GPtrArray *results;
  gboolean   complete;
} Commit;

static void sy_sync_job_notify_written (SySyncJob *self);

static void
on_committed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Commit *commit = user_data;
  Batch *batch = commit->batch;
  SySyncJob *self = batch->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(SySyncRun) run = NULL;

  self->pending_ops--;
  self->committing = FALSE;

  run = sy_state_store_commit_batch_finish (SY_STATE_STORE (source), result, &error);
  if (run == NULL)
    {
      g_prefix_error (&error, _("The results of a batch could not be saved: "));
      sy_sync_job_set_fatal (self, error);
    }
  else
    {
      if (commit->complete)
        sy_sync_replace_str (&self->checkpoint, batch->checkpoint);

      gboolean wrote = FALSE;

      for (guint i = 0; i < commit->results->len; i++)
        {
          SySyncResult *r = g_ptr_array_index (commit->results, i);

          if (r->outcome == SY_SYNC_OUTCOME_FAILED)
            g_signal_emit (self, signals[SIGNAL_RECORD_FAILED], 0, r);
          wrote |= r->outcome == SY_SYNC_OUTCOME_CREATED || r->outcome == SY_SYNC_OUTCOME_UPDATED;
        }
      if (wrote)
        sy_sync_job_notify_written (self);
    }

  g_queue_remove (&self->batches, batch);
  for (guint i = 0; i < commit->results->len; i++)
    g_hash_table_remove (self->open_keys, ((SySyncResult *) g_ptr_array_index (commit->results, i))->source_key);
  for (guint i = 0; i < batch->records->len; i++)
    g_hash_table_remove (self->open_keys, ((Record *) g_ptr_array_index (batch->records, i))->source_key);
  sy_sync_batch_free (batch);
  g_ptr_array_unref (commit->results);
  g_free (commit);

  if (!sy_rate_limiter_is_limited (self->limiter))
    sy_sync_progress_set_rate_limited (self->progress, FALSE);

  if (run != NULL)
    take_committed_run (self, g_steal_pointer (&run));

  if (self->options.delay_ms > 0 && self->delay_source == NULL && !self->stopping &&
      self->fatal == NULL && !self->cancelled)
    {
      self->delay_source = g_timeout_source_new (self->options.delay_ms);
      g_source_set_name (self->delay_source, "[switchyard] sync batch delay");
      g_source_set_callback (self->delay_source, on_delay_done, self, NULL);
      g_source_attach (self->delay_source, g_main_context_get_thread_default ());
    }

  sy_sync_job_pump (self);
}

/* Views of the target reload once what they show has changed there. */
static void
sy_sync_job_notify_written (SySyncJob *self)
{
  g_autoptr(SyConnection) connection = sy_connection_dup_for_client (self->target);

  if (connection != NULL)
    sy_connection_notify_records_written (connection, sy_mapping_get_target_entity (self->mapping));
}

static void
commit_batch (SySyncJob *self,
              Batch     *batch,
              gboolean   complete)
{
  Commit *commit = g_new0 (Commit, 1);

  commit->batch = batch;
  commit->complete = complete;
  commit->results = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_sync_result_free);
  for (guint i = 0; i < batch->records->len; i++)
    {
      Record *record = g_ptr_array_index (batch->records, i);

      if (record->result != NULL)
        g_ptr_array_add (commit->results, g_steal_pointer (&record->result));
    }

  batch->phase = BATCH_COMMITTING;
  self->committing = TRUE;
  self->pending_ops++;
  /* Without a cancellable: a batch is committed whole or not at all, and
   * one that started is worth keeping. The checkpoint only moves past a
   * batch every record of which has its outcome. */
  sy_state_store_commit_batch_async (self->store, self->run_id, commit->results,
                                     complete ? batch->checkpoint : NULL, self->high_water,
                                     NULL, on_committed, commit);
}

static void
try_commit (SySyncJob *self)
{
  Batch *head = g_queue_peek_head (&self->batches);

  if (self->committing || head == NULL || self->cancelled)
    return;

  if (head->phase == BATCH_DISPATCHING && head->n_unfinished == 0)
    {
      commit_batch (self, head, TRUE);
      return;
    }

  /* The run failed: keep what finished once nothing moves any more. */
  if (self->fatal != NULL && self->in_flight == 0)
    {
      for (GList *l = self->batches.head; l != NULL; l = l->next)
        if (((Batch *) l->data)->phase == BATCH_PREPARING)
          return;
      commit_batch (self, head, FALSE);
    }
}

/* --- the sy_sync_job_pump --------------------------------------------------------- */

static gboolean
nothing_moves (SySyncJob *self)
{
  return self->in_flight == 0 && self->pending_ops == 0 && !self->page_pending;
}

void
sy_sync_job_pump (SySyncJob *self)
{
  if (self->ending || self->task == NULL)
    return;

  if (self->cancelled || self->fatal != NULL)
    {
      if (self->fatal != NULL && !self->cancelled)
        try_commit (self);
      if (nothing_moves (self) && (self->cancelled || g_queue_is_empty (&self->batches)))
        end_run (self);
      return;
    }

  sy_sync_source_request_pages (self);
  while (can_open_batch (self))
    open_batch (self);
  sy_sync_writer_dispatch (self);
  try_commit (self);

  if (g_queue_is_empty (&self->batches) && nothing_moves (self))
    {
      if (self->stopping || (self->source_done && g_queue_is_empty (&self->pages)))
        {
          end_run (self);
          return;
        }
    }

  if (sy_sync_progress_get_state (self->progress) != SY_SYNC_JOB_STATE_PREPARING)
    sy_sync_progress_set_state (self->progress, sy_sync_job_running_state (self));
}

/* --- starting --------------------------------------------------------- */

typedef struct
{
  JobMode         mode;
  SyStateStore   *store;
  char           *pair;
  SySyncRun      *new_run;      /* MODE_NEW, MODE_RETRY */
  gboolean        full;
  gint64          run_id;       /* MODE_RESUME */
  gint64          failed_run_id;
  /* Out: */
  SySyncLock     *lock;
  SySyncRun      *run;
  GPtrArray      *retry_keys;
  GHashTable     *previous_failures;
  gboolean        adopt;
} Prepare;

static void
prepare_free (Prepare *prepare)
{
  g_clear_object (&prepare->store);
  g_free (prepare->pair);
  g_clear_pointer (&prepare->new_run, sy_sync_run_free);
  g_clear_pointer (&prepare->lock, sy_sync_lock_free);
  g_clear_pointer (&prepare->run, sy_sync_run_free);
  g_clear_pointer (&prepare->retry_keys, g_ptr_array_unref);
  g_clear_pointer (&prepare->previous_failures, g_hash_table_unref);
  g_free (prepare);
}

/* A record without a key cannot be fetched again: it stays with the run
 * that met it, and the next full read meets it again. */
static void
add_retry_keys (Prepare   *prepare,
                GPtrArray *failures)
{
  prepare->retry_keys = g_ptr_array_new_with_free_func (g_free);
  prepare->previous_failures = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                      (GDestroyNotify) sy_sync_result_free);
  for (guint i = 0; i < failures->len; i++)
    {
      SySyncResult *failure = g_ptr_array_index (failures, i);

      if (g_str_has_prefix (failure->source_key, SY_SYNC_KEYLESS_PREFIX))
        continue;
      g_ptr_array_add (prepare->retry_keys, g_strdup (failure->source_key));
      /* The table's key is the result's own string. */
      g_ptr_array_index (failures, i) = NULL;
      g_hash_table_replace (prepare->previous_failures, failure->source_key, failure);
    }
}

/* In a thread: the lock and the store's answers are quick but may wait on
 * the disk, and the main loop never does. */
static void
prepare_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  Prepare *prepare = task_data;
  GError *error = NULL;
  gint64 run_id = prepare->run_id;

  prepare->lock = sy_state_store_lock_pair (prepare->store, prepare->pair, &error);
  if (prepare->lock == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  {
    gboolean adopted = TRUE;

    if (!sy_state_store_is_adopted (prepare->store, prepare->pair, &adopted, &error))
      {
        g_task_return_error (task, error);
        return;
      }
    prepare->adopt = !adopted;
  }

  switch (prepare->mode)
    {
    case MODE_NEW:
      if (!prepare->full)
        {
          char *since = sy_state_store_get_high_water (prepare->store, prepare->pair, &error);

          if (error != NULL)
            {
              g_task_return_error (task, error);
              return;
            }
          prepare->new_run->since = since;
        }
      run_id = sy_state_store_create_run (prepare->store, prepare->new_run, &error);
      break;

    case MODE_RETRY:
      {
        g_autoptr(GPtrArray) failures = sy_state_store_list_failures (prepare->store, prepare->failed_run_id,
                                                                      0, 0, &error);
        if (failures == NULL)
          {
            g_task_return_error (task, error);
            return;
          }
        add_retry_keys (prepare, failures);
        run_id = sy_state_store_create_run (prepare->store, prepare->new_run, &error);
        break;
      }

    case MODE_RESUME:
    default:
      if (prepare->failed_run_id > 0)
        {
          g_autoptr(GPtrArray) failures = sy_state_store_list_failures (prepare->store, prepare->failed_run_id,
                                                                        0, 0, &error);
          if (failures == NULL)
            {
              g_task_return_error (task, error);
              return;
            }
          add_retry_keys (prepare, failures);
        }
      if (!sy_state_store_set_run_state (prepare->store, run_id, SY_SYNC_RUN_STATE_RUNNING, NULL, &error))
        run_id = 0;
      break;
    }

  if (run_id <= 0)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Creates another run of the pair sent but did not commit (its process
   * died: the lock is ours) are this run's to look up before sending. */
  if (!sy_state_store_take_over_in_flight (prepare->store, run_id, prepare->pair, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  prepare->run = sy_state_store_load_run (prepare->store, run_id, &error);
  if (prepare->run == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}


static void
on_prepared (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SySyncJob *self = SY_SYNC_JOB (source);
  Prepare *prepare = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->pending_ops--;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      self->fatal = g_steal_pointer (&error);
      /* A resume that could not take its run back leaves it as it was. */
      if (self->mode == MODE_RESUME)
        self->run_id = 0;
      end_run (self);
      return;
    }

  self->lock = g_steal_pointer (&prepare->lock);
  g_clear_pointer (&self->run, sy_sync_run_free);
  self->run = g_steal_pointer (&prepare->run);
  self->run_id = self->run->id;
  self->retry_keys = g_steal_pointer (&prepare->retry_keys);
  self->previous_failures = g_steal_pointer (&prepare->previous_failures);
  sy_sync_progress_set_run_id (self->progress, self->run_id);
  sy_sync_job_update_counts (self);

  if (self->cancelled)
    {
      end_run (self);
      return;
    }

  if (prepare->adopt)
    sy_sync_adopt_start (self);
  else
    sy_sync_source_start (self);
}

static gboolean
on_user_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  SySyncJob *self = user_data;

  g_clear_pointer (&self->user_cancel_source, g_source_unref);
  if (self->cancelled || self->ending)
    return G_SOURCE_REMOVE;

  self->cancelled = TRUE;
  g_cancellable_cancel (self->cancellable);
  sy_sync_writer_abandon_waiting (self);

  sy_sync_job_pump (self);
  return G_SOURCE_REMOVE;
}

static SySyncRun *
new_run_for (SySyncJob *self)
{
  SySyncRun *run = sy_sync_run_new ();

  run->mapping_name = g_strdup (sy_mapping_get_name (self->mapping));
  run->mapping_data = g_strdup (self->mapping_data);
  run->pair = g_strdup (self->pair);
  run->source_connection = g_strdup (sy_mapping_get_source_connection (self->mapping));
  run->source_entity = g_strdup (sy_mapping_get_source_entity (self->mapping));
  run->target_connection = g_strdup (sy_mapping_get_target_connection (self->mapping));
  run->target_entity = g_strdup (sy_mapping_get_target_entity (self->mapping));
  run->retry_of = self->mode == MODE_RETRY ? self->failed_run_id : 0;
  run->cause = g_strdup (self->cause);
  run->options = self->options;
  run->started_at = g_get_real_time () / G_USEC_PER_SEC;
  run->state = SY_SYNC_RUN_STATE_RUNNING;
  return run;
}

void
sy_sync_job_set_cause (SySyncJob  *self,
                       const char *cause)
{
  g_return_if_fail (SY_IS_SYNC_JOB (self));

  g_free (self->cause);
  self->cause = g_strdup (cause);
}

void
sy_sync_job_set_connections (SySyncJob         *self,
                             SyConnectionStore *connections)
{
  g_return_if_fail (SY_IS_SYNC_JOB (self));
  g_return_if_fail (connections == NULL || SY_IS_CONNECTION_STORE (connections));

  g_set_object (&self->connections, connections);
}

void
sy_sync_job_run_async (SySyncJob           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) prepare_task = NULL;
  g_autoptr(GError) error = NULL;
  Prepare *prepare;

  g_return_if_fail (SY_IS_SYNC_JOB (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (self->started)
    {
      GTask *task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, sy_sync_job_run_async);
      g_task_return_new_error (task, SY_SYNC_ERROR, SY_SYNC_ERROR_ALREADY_RAN, "%s", _("This sync has already run."));
      g_object_unref (task);
      return;
    }
  self->started = TRUE;

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, sy_sync_job_run_async);
  g_task_set_name (self->task, "[switchyard] sync job");

  sy_sync_progress_set_state (self->progress, SY_SYNC_JOB_STATE_PREPARING);

  /* Before anything is read, written or kept in state.db: a mapping whose
   * connection is gone or that writes into its own source is refused. */
  if (self->fatal == NULL && self->mapping != NULL &&
      !sy_sync_check_mapping (self->mapping, self->connections, &error))
    self->fatal = g_steal_pointer (&error);
  if (self->fatal == NULL && !sy_sync_options_validate (&self->options, &error))
    self->fatal = g_steal_pointer (&error);
  if (self->fatal != NULL)
    {
      self->run_id = 0;
      end_run (self);
      return;
    }

  if (cancellable != NULL)
    {
      self->user_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_name (self->user_cancel_source, "[switchyard] sync job cancel");
      g_source_set_callback (self->user_cancel_source, (GSourceFunc) G_CALLBACK (on_user_cancelled), self, NULL);
      g_source_attach (self->user_cancel_source, g_main_context_get_thread_default ());
    }

  /* Writes are retried here, through the rate limiter, not by the client. */
  sy_api_client_set_retry_policy (self->target, 0, BACKOFF_BASE_MS);
  sy_api_client_set_timeout (self->target, self->options.timeout_s);
  /* Reads keep the client's own retries, but the run's timeout. */
  sy_api_client_set_timeout (self->source, self->options.timeout_s);

  prepare = g_new0 (Prepare, 1);
  prepare->mode = self->mode;
  prepare->store = g_object_ref (self->store);
  prepare->pair = g_strdup (self->pair);
  prepare->full = self->options.full;
  prepare->run_id = self->run_id;
  prepare->failed_run_id = self->failed_run_id;
  if (self->mode != MODE_RESUME)
    prepare->new_run = new_run_for (self);

  self->pending_ops++;
  prepare_task = g_task_new (self, NULL, on_prepared, NULL);
  g_task_set_source_tag (prepare_task, sy_sync_job_run_async);
  g_task_set_task_data (prepare_task, prepare, (GDestroyNotify) prepare_free);
  g_task_run_in_thread (prepare_task, prepare_in_thread);
}

gboolean
sy_sync_job_run_finish (SySyncJob     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (SY_IS_SYNC_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- control ---------------------------------------------------------- */

void
sy_sync_job_stop (SySyncJob *self)
{
  g_return_if_fail (SY_IS_SYNC_JOB (self));

  if (self->stopping || self->ending || self->task == NULL)
    return;

  self->stopping = TRUE;
  sy_sync_progress_set_state (self->progress, SY_SYNC_JOB_STATE_STOPPING);
  sy_sync_job_pump (self);
}

void
sy_sync_job_set_paused (SySyncJob *self,
                        gboolean   paused)
{
  g_return_if_fail (SY_IS_SYNC_JOB (self));

  paused = !!paused;
  if (self->paused == paused)
    return;

  self->paused = paused;
  sy_sync_job_pump (self);
}

gboolean
sy_sync_job_get_paused (SySyncJob *self)
{
  g_return_val_if_fail (SY_IS_SYNC_JOB (self), FALSE);
  return self->paused;
}

SySyncProgress *
sy_sync_job_get_progress (SySyncJob *self)
{
  g_return_val_if_fail (SY_IS_SYNC_JOB (self), NULL);
  return self->progress;
}

gint64
sy_sync_job_get_run_id (SySyncJob *self)
{
  g_return_val_if_fail (SY_IS_SYNC_JOB (self), 0);
  return self->run_id;
}

SySyncRun *
sy_sync_job_dup_run (SySyncJob *self)
{
  g_return_val_if_fail (SY_IS_SYNC_JOB (self), NULL);

  if (self->run == NULL || self->run_id == 0)
    return NULL;
  return sy_sync_run_copy (self->run);
}

const SySyncOptions *
sy_sync_job_get_options (SySyncJob *self)
{
  g_return_val_if_fail (SY_IS_SYNC_JOB (self), NULL);
  return &self->options;
}

