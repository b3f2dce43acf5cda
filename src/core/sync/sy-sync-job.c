/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-sync"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-catalogue.h"
#include "sy-page-iterator.h"
#include "sy-rate-limiter.h"
#include "sy-sync-job.h"

#define SOURCE_PER_PAGE 100
/* Pages held at once: the one being cut into batches and the next. */
#define MAX_PAGES 2
#define BACKOFF_BASE_MS 250
#define BACKOFF_CAP_MS 10000
#define RETRY_AFTER_DEFAULT_S 1
#define RETRY_AFTER_CAP_S 60
/* 429s are the server pacing us, not the record failing: they do not use
 * up its attempts, but a server that never lets it through must not keep
 * it forever. */
#define MAX_RATE_LIMITED_RETRIES 50

typedef enum
{
  MODE_NEW,
  MODE_RESUME,
  MODE_RETRY,
} JobMode;

typedef enum
{
  ACTION_NONE,
  ACTION_CREATE,
  ACTION_UPDATE,
} Action;

typedef enum
{
  BATCH_PREPARING,    /* mapped; waiting for the store's lookup and the in-flight mark */
  BATCH_DISPATCHING,
  BATCH_COMMITTING,
} BatchPhase;

typedef struct _Batch Batch;

typedef struct
{
  Batch        *batch;
  char         *source_key;
  char         *updated_at;
  JsonNode     *payload;
  char         *payload_hash;
  char         *match_value;
  char         *target_key;
  Action        action;
  gboolean      look_up_first;   /* the create may have reached the target */
  gboolean      missing;         /* retry: the source no longer has it */
  guint         attempts;        /* writes sent */
  guint         failed_lookups;
  guint         rate_limited;
  GSource      *wait_source;
  SySyncResult *result;
} Record;

struct _Batch
{
  SySyncJob  *job;
  GPtrArray  *records;       /* Record */
  BatchPhase  phase;
  guint       next;          /* next record to dispatch */
  guint       n_unfinished;
  char       *checkpoint;    /* the largest updatedAt of this batch and all before */
};

typedef struct
{
  char    **keys;
  guint     n_keys;
  JsonNode **slots;
  guint     next;
  guint     n_pending;
  guint     n_done;
} KeyFetch;

struct _SySyncJob
{
  GObject          parent_instance;

  SyStateStore    *store;
  SyMapping       *mapping;
  char            *mapping_data;
  SyCatalogue     *catalogue;
  SyApiClient     *source;
  SyApiClient     *target;
  SySyncOptions    options;
  SySyncProgress  *progress;
  SyRateLimiter   *limiter;

  JobMode          mode;
  SySyncRun       *run;            /* as last loaded from the store */
  gint64           run_id;
  gint64           failed_run_id;  /* retry */
  char            *pair;
  char            *source_path;
  char            *target_path;
  SySyncLock      *lock;

  GTask           *task;
  GCancellable    *cancellable;    /* ours: aborts everything in flight */
  GSource         *user_cancel_source;

  /* Source. */
  SyPageIterator  *iterator;
  char            *boundary;       /* the latest updatedAt handed out */
  GHashTable      *boundary_keys;  /* keys handed out at that instant */
  gboolean         page_single_instant;
  gboolean         keyset_disabled;
  GQueue           pages;          /* JsonArray, head being consumed */
  guint            page_pos;
  gboolean         page_pending;
  gboolean         source_done;
  GPtrArray       *retry_keys;
  guint            retry_pos;
  KeyFetch        *key_fetch;
  GHashTable      *missing_keys;
  GHashTable      *open_keys;      /* source keys of the open batches */
  gint64           base_total;     /* records committed before this attempt */

  /* Writes. */
  GQueue           batches;        /* Batch, in source order */
  guint            in_flight;
  guint            pending_ops;    /* store operations whose answer is awaited */
  gboolean         committing;
  GSource         *delay_source;
  char            *high_water;     /* the largest updatedAt read */
  char            *checkpoint;     /* the last committed one */
  guint64          live_read;      /* read in batches not committed yet */

  gboolean         started;
  gboolean         paused;
  gboolean         stopping;
  gboolean         cancelled;
  gboolean         ending;
  GError          *fatal;
};

G_DEFINE_FINAL_TYPE (SySyncJob, sy_sync_job, G_TYPE_OBJECT)

enum
{
  SIGNAL_RECORD_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void pump (SySyncJob *self);
static void record_step (Record *record);

/* --- small helpers ---------------------------------------------------- */

static void
record_free (Record *record)
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
  g_clear_pointer (&record->result, sy_sync_result_free);
  g_free (record);
}

static void
batch_free (Batch *batch)
{
  g_ptr_array_unref (batch->records);
  g_free (batch->checkpoint);
  g_free (batch);
}

static void
key_fetch_free (KeyFetch *fetch)
{
  for (guint i = 0; i < fetch->n_keys; i++)
    g_clear_pointer (&fetch->slots[i], json_node_unref);
  g_free (fetch->slots);
  g_free (fetch->keys);
  g_free (fetch);
}

static void
replace_str (char       **pointer,
             const char  *value)
{
  if (*pointer == value)
    return;
  g_free (*pointer);
  *pointer = g_strdup (value);
}

static char *
node_as_text (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    default:
      return NULL;
    }
}

static char *
member_as_text (JsonObject *object,
                const char *name)
{
  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  return node_as_text (json_object_get_member (object, name));
}

/* A dotted path into the payload ("code", "shipmentAddress.city"). */
static char *
payload_value_at (JsonNode   *payload,
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

  return node_as_text (node);
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

static char *
payload_hash (JsonNode *payload)
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

static gboolean
time_is_later (const char *a,
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

static SySyncJobState
current_running_state (SySyncJob *self)
{
  if (self->stopping)
    return SY_SYNC_JOB_STATE_STOPPING;
  /* Paused once what was open is committed and counted. */
  if (self->paused && g_queue_is_empty (&self->batches) && self->pending_ops == 0 && self->in_flight == 0)
    return SY_SYNC_JOB_STATE_PAUSED;
  return SY_SYNC_JOB_STATE_RUNNING;
}

static void
update_counts (SySyncJob *self)
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
    batch_free (batch);
  while ((page = g_queue_pop_head (&self->pages)) != NULL)
    json_array_unref (page);
  g_clear_pointer (&self->key_fetch, key_fetch_free);
  g_clear_pointer (&self->lock, sy_sync_lock_free);

  g_clear_object (&self->iterator);
  g_clear_object (&self->limiter);
  g_clear_object (&self->source);
  g_clear_object (&self->target);
  g_clear_object (&self->mapping);
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
  g_clear_error (&self->fatal);
  g_free (self->mapping_data);
  g_free (self->pair);
  g_free (self->source_path);
  g_free (self->target_path);
  g_free (self->high_water);
  g_free (self->checkpoint);
  g_free (self->boundary);
  g_hash_table_unref (self->boundary_keys);
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
  self->boundary_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The mapping “%s” cannot be synced: %s"),
                   sy_mapping_get_name (mapping) ? sy_mapping_get_name (mapping) : "", local_error->message);
      return FALSE;
    }

  if (sy_mapping_get_match_target (mapping) == NULL || *sy_mapping_get_match_target (mapping) == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
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
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
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
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Sync run %lld kept no mapping to continue with."), (long long) run->id);
      return NULL;
    }

  mapping = sy_mapping_new_from_data (run->mapping_data, -1, run->mapping_name, &local_error);
  if (mapping == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
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
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
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
      update_counts (self);
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

  step = g_task_new (self, NULL, NULL, NULL);
  if (self->run_id == 0)
    {
      /* It failed before the run existed: nothing to record. */
      g_autoptr(GTask) owned = step;

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

  sy_state_store_set_run_state_async (self->store, self->run_id, state, message, NULL,
                                      on_final_state_set, step);
}

/* Records waiting to retry hold no request that would come back. */
static void
abandon_waiting_records (SySyncJob *self)
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

static void
set_fatal (SySyncJob    *self,
           const GError *error)
{
  if (self->fatal != NULL || self->cancelled)
    return;

  self->fatal = g_error_copy (error);
  g_debug ("Run %" G_GINT64_FORMAT " fails: %s", self->run_id, error->message);
  abandon_waiting_records (self);
}

/* --- source ----------------------------------------------------------- */

/* Page numbers shift when a record read earlier is edited meanwhile (it
 * moves to the end of the updatedAt order) and the record that slid onto
 * the page already read would be missed. So after each page the listing
 * starts again from the last updatedAt read (keyset pagination), passing
 * over the records of that same instant already handed out. Only a page
 * whose records all share one instant goes on by page number. */
static JsonArray *
keyset_filter_page (SySyncJob *self,
                    JsonArray *page)
{
  JsonArray *kept = json_array_sized_new (json_array_get_length (page));
  gboolean single_instant = TRUE;
  const char *first = NULL;

  for (guint i = 0; i < json_array_get_length (page); i++)
    {
      JsonNode *node = json_array_get_element (page, i);
      JsonObject *record = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autofree char *key = member_as_text (record, "key");
      g_autofree char *updated_at = member_as_text (record, "updatedAt");

      if (key == NULL || updated_at == NULL)
        {
          /* Without both, no place in the order can be named. */
          self->keyset_disabled = TRUE;
          json_array_add_element (kept, json_node_ref (node));
          continue;
        }

      if (first == NULL)
        first = json_object_get_string_member_with_default (record, "updatedAt", NULL);
      else if (g_strcmp0 (first, json_object_get_string_member_with_default (record, "updatedAt", NULL)) != 0)
        single_instant = FALSE;

      if (g_strcmp0 (updated_at, self->boundary) == 0)
        {
          if (g_hash_table_contains (self->boundary_keys, key))
            continue;
        }
      else if (time_is_later (updated_at, self->boundary))
        {
          replace_str (&self->boundary, updated_at);
          g_hash_table_remove_all (self->boundary_keys);
        }
      g_hash_table_add (self->boundary_keys, g_steal_pointer (&key));
      json_array_add_element (kept, json_node_ref (node));
    }

  self->page_single_instant = single_instant;
  json_array_unref (page);
  return kept;
}

static void
keyset_maybe_restart (SySyncJob *self)
{
  if (self->keyset_disabled || self->page_single_instant || self->boundary == NULL)
    return;

  g_clear_object (&self->iterator);
  self->iterator = sy_page_iterator_new (self->source, sy_mapping_get_source_entity (self->mapping),
                                         SOURCE_PER_PAGE);
  sy_page_iterator_set_sort (self->iterator, "updatedAt", FALSE);
  sy_page_iterator_add_filter (self->iterator, "updatedAt", "gteq", self->boundary);
}

static void
on_page (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SySyncJob *self = user_data;
  g_autoptr(GError) error = NULL;
  JsonArray *page;

  self->page_pending = FALSE;
  page = sy_page_iterator_next_finish (SY_PAGE_ITERATOR (source), result, &error);

  if (page == NULL && error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autoptr(GError) wrapped = NULL;

          wrapped = g_error_new (error->domain, error->code, _("Reading the source failed: %s"), error->message);
          set_fatal (self, wrapped);
        }
      self->source_done = TRUE;
    }
  else if (page == NULL)
    self->source_done = TRUE;
  else
    {
      SyPageIterator *iterator = SY_PAGE_ITERATOR (source);

      if (sy_sync_progress_get_total (self->progress) < 0 && sy_page_iterator_get_total (iterator) >= 0)
        sy_sync_progress_set_total (self->progress, self->base_total + sy_page_iterator_get_total (iterator));

      page = keyset_filter_page (self, page);
      if (json_array_get_length (page) > 0)
        g_queue_push_tail (&self->pages, page);
      else
        json_array_unref (page);

      if (sy_page_iterator_is_done (iterator))
        self->source_done = TRUE;
      else
        keyset_maybe_restart (self);
    }

  if (sy_sync_progress_get_state (self->progress) == SY_SYNC_JOB_STATE_PREPARING)
    sy_sync_progress_set_state (self->progress, current_running_state (self));

  pump (self);
  g_object_unref (self);
}

static void key_fetch_more (SySyncJob *self);

static void
key_fetch_finish (SySyncJob *self)
{
  KeyFetch *fetch = self->key_fetch;
  JsonArray *page = json_array_sized_new (fetch->n_keys);

  for (guint i = 0; i < fetch->n_keys; i++)
    if (fetch->slots[i] != NULL)
      json_array_add_element (page, g_steal_pointer (&fetch->slots[i]));

  g_clear_pointer (&self->key_fetch, key_fetch_free);
  self->page_pending = FALSE;
  if (self->retry_pos >= self->retry_keys->len)
    self->source_done = TRUE;

  if (json_array_get_length (page) > 0)
    g_queue_push_tail (&self->pages, page);
  else
    json_array_unref (page);

  if (sy_sync_progress_get_state (self->progress) == SY_SYNC_JOB_STATE_PREPARING)
    sy_sync_progress_set_state (self->progress, current_running_state (self));
}

typedef struct
{
  SySyncJob *job;
  guint      index;
} KeyFetchItem;

static void
on_key_fetched (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  KeyFetchItem *item = user_data;
  SySyncJob *self = item->job;
  KeyFetch *fetch = self->key_fetch;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  root = sy_api_client_get_finish (SY_API_CLIENT (source), result, &error);
  fetch->n_pending--;
  fetch->n_done++;

  if (root != NULL)
    {
      JsonNode *data = root;

      if (JSON_NODE_HOLDS_OBJECT (root) && json_object_has_member (json_node_get_object (root), "data"))
        data = json_object_get_member (json_node_get_object (root), "data");
      if (JSON_NODE_HOLDS_OBJECT (data))
        fetch->slots[item->index] = json_node_ref (data);
      else
        error = sy_api_error_new_full (SY_API_ERROR_INVALID_RESPONSE, 200, NULL, 0, NULL,
                                       _("The source’s answer for one record is not a record."));
    }

  if (error != NULL)
    {
      if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_NOT_FOUND))
        {
          /* Gone from the source: it fails again, saying so. */
          JsonObject *stub = json_object_new ();
          JsonNode *node = json_node_new (JSON_NODE_OBJECT);

          json_object_set_string_member (stub, "key", fetch->keys[item->index]);
          json_node_take_object (node, stub);
          fetch->slots[item->index] = node;
          g_hash_table_add (self->missing_keys, g_strdup (fetch->keys[item->index]));
        }
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autoptr(GError) wrapped = g_error_new (error->domain, error->code, _("Reading the source failed: %s"),
                                                   error->message);
          set_fatal (self, wrapped);
        }
    }

  g_free (item);

  if (self->fatal != NULL || self->cancelled)
    {
      if (fetch->n_pending == 0)
        {
          g_clear_pointer (&self->key_fetch, key_fetch_free);
          self->page_pending = FALSE;
          self->source_done = TRUE;
        }
    }
  else if (fetch->n_done == fetch->n_keys)
    key_fetch_finish (self);
  else
    key_fetch_more (self);

  pump (self);
  g_object_unref (self);
}

static void
key_fetch_more (SySyncJob *self)
{
  KeyFetch *fetch = self->key_fetch;

  while (fetch->next < fetch->n_keys && fetch->n_pending < self->options.concurrency)
    {
      KeyFetchItem *item = g_new0 (KeyFetchItem, 1);
      g_autofree char *escaped = g_uri_escape_string (fetch->keys[fetch->next], NULL, FALSE);
      g_autofree char *path = g_strconcat (self->source_path, "/", escaped, NULL);

      item->job = g_object_ref (self);
      item->index = fetch->next++;
      fetch->n_pending++;
      sy_api_client_get_async (self->source, path, self->cancellable, on_key_fetched, item);
    }
}

static void
request_pages (SySyncJob *self)
{
  if (self->page_pending || self->source_done || self->fatal != NULL || self->cancelled || self->stopping ||
      g_queue_get_length (&self->pages) >= MAX_PAGES)
    return;

  if (self->retry_keys != NULL)
    {
      KeyFetch *fetch;
      guint n;

      if (self->retry_pos >= self->retry_keys->len)
        {
          self->source_done = TRUE;
          return;
        }

      n = MIN (SOURCE_PER_PAGE, self->retry_keys->len - self->retry_pos);
      fetch = g_new0 (KeyFetch, 1);
      fetch->n_keys = n;
      fetch->keys = g_new0 (char *, n);
      fetch->slots = g_new0 (JsonNode *, n);
      for (guint i = 0; i < n; i++)
        fetch->keys[i] = g_ptr_array_index (self->retry_keys, self->retry_pos + i);
      self->retry_pos += n;
      self->key_fetch = fetch;
      self->page_pending = TRUE;
      key_fetch_more (self);
      return;
    }

  self->page_pending = TRUE;
  sy_page_iterator_next_async (self->iterator, self->cancellable, on_page, g_object_ref (self));
}

static guint
records_available (SySyncJob *self)
{
  guint n = 0;
  guint i = 0;

  for (GList *l = self->pages.head; l != NULL; l = l->next, i++)
    {
      guint length = json_array_get_length (l->data);

      n += i == 0 ? length - self->page_pos : length;
    }
  return n;
}

/* The next source record, taken from the pages (a new reference). */
static JsonObject *
take_record (SySyncJob *self)
{
  JsonArray *page = g_queue_peek_head (&self->pages);
  JsonNode *node;
  JsonObject *record = NULL;

  if (page == NULL)
    return NULL;

  node = json_array_get_element (page, self->page_pos++);
  if (JSON_NODE_HOLDS_OBJECT (node))
    record = json_object_ref (json_node_get_object (node));

  if (self->page_pos >= json_array_get_length (page))
    {
      json_array_unref (g_queue_pop_head (&self->pages));
      self->page_pos = 0;
    }

  return record;
}

/* The key of the record take_record() would hand out next, or NULL. */
static char *
peek_record_key (SySyncJob *self)
{
  JsonArray *page = g_queue_peek_head (&self->pages);
  JsonNode *node;

  if (page == NULL)
    return NULL;

  node = json_array_get_element (page, self->page_pos);
  return JSON_NODE_HOLDS_OBJECT (node) ? member_as_text (json_node_get_object (node), "key") : NULL;
}

/* Whether the next record is one an open batch still holds: read again
 * because it was edited during the run. It waits until that batch is
 * committed, so that its create is never sent twice at once and its
 * second payload goes out as an update. */
static gboolean
next_record_is_open (SySyncJob *self)
{
  g_autofree char *key = peek_record_key (self);

  return key != NULL && g_hash_table_contains (self->open_keys, key);
}

/* --- batches ---------------------------------------------------------- */

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

static SySyncResult *
failed_result (Record     *record,
               guint       status,
               const char *message)
{
  SySyncResult *result = sy_sync_result_new (record->source_key, SY_SYNC_OUTCOME_FAILED);

  result->status = status;
  result->message = g_strdup (message);
  result->updated_at = g_strdup (record->updated_at);
  result->payload_hash = g_strdup (record->payload_hash);
  result->attempts = record->attempts;
  result->at = g_get_real_time () / G_USEC_PER_SEC;
  return result;
}

static SySyncResult *
outcome_result (Record        *record,
                SySyncOutcome  outcome)
{
  SySyncResult *result = sy_sync_result_new (record->source_key, outcome);

  result->target_key = g_strdup (record->target_key);
  result->payload_hash = g_strdup (record->payload_hash);
  result->updated_at = g_strdup (record->updated_at);
  result->attempts = record->attempts;
  result->at = g_get_real_time () / G_USEC_PER_SEC;
  return result;
}

/* Maps one source record; a record that cannot be sent gets its failed
 * result at once. */
static Record *
record_new (SySyncJob  *self,
            Batch      *batch,
            JsonObject *source)
{
  Record *record;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(JsonObject) payload = NULL;
  gboolean blocking = FALSE;

  record = g_new0 (Record, 1);
  record->batch = batch;
  record->source_key = member_as_text (source, "key");
  record->updated_at = member_as_text (source, "updatedAt");

  if (record->source_key != NULL && g_hash_table_contains (self->missing_keys, record->source_key))
    {
      record->missing = TRUE;
      record->result = failed_result (record, 404, _("The source no longer has this record."));
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
      record->payload_hash = payload_hash (record->payload);
      record->match_value = payload_value_at (record->payload, sy_mapping_get_match_target (self->mapping));
    }

  if (blocking || payload == NULL)
    {
      g_autofree char *message = describe_problems (problems);

      record->result = failed_result (record, 0, message);
    }

  return record;
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

  available = records_available (self);
  if (available == 0 || next_record_is_open (self))
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
  batch->records = g_ptr_array_new_with_free_func ((GDestroyNotify) record_free);
  batch->phase = BATCH_PREPARING;

  checkpoint = previous != NULL ? previous->checkpoint : self->checkpoint;
  batch->checkpoint = g_strdup (checkpoint);

  while (batch->records->len < self->options.batch_size && records_available (self) > 0 &&
         !next_record_is_open (self))
    {
      g_autoptr(JsonObject) source = take_record (self);
      Record *record;

      if (source == NULL)
        continue;

      record = record_new (self, batch, source);
      if (record->source_key == NULL)
        {
          /* Nothing to keep a result under, nothing to find it by later. */
          g_debug ("A source record without a key was left out");
          record_free (record);
          continue;
        }

      if (time_is_later (record->updated_at, self->high_water))
        replace_str (&self->high_water, record->updated_at);
      if (time_is_later (record->updated_at, batch->checkpoint))
        replace_str (&batch->checkpoint, record->updated_at);

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
        set_fatal (self, error);
      /* Nothing of this batch may be sent: its creates are not marked. */
      batch->next = batch->records->len;
    }

  batch->phase = BATCH_DISPATCHING;
  pump (self);
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
        set_fatal (self, error);
      /* The batch never dispatches: its records stay without a result. */
      batch->phase = BATCH_DISPATCHING;
      batch->next = batch->records->len;
      for (guint i = 0; i < batch->records->len; i++)
        if (((Record *) g_ptr_array_index (batch->records, i))->result == NULL)
          batch->n_unfinished++;
      pump (self);
      return;
    }

  creates = g_ptr_array_new ();
  kept = g_ptr_array_new_with_free_func ((GDestroyNotify) record_free);
  for (guint i = 0; i < batch->records->len; i++)
    {
      Record *record = g_ptr_array_index (batch->records, i);
      const char *target_key;
      const char *last_hash;

      g_ptr_array_index (batch->records, i) = NULL;

      /* An earlier attempt of this run already committed it. */
      if (state->done != NULL && g_hash_table_contains (state->done, record->source_key))
        {
          g_hash_table_remove (self->open_keys, record->source_key);
          record_free (record);
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
        record->result = outcome_result (record, SY_SYNC_OUTCOME_UNCHANGED);
      else if (target_key != NULL)
        {
          record->action = ACTION_UPDATE;
          if (self->options.dry_run)
            record->result = outcome_result (record, SY_SYNC_OUTCOME_WOULD_UPDATE);
        }
      else
        {
          record->action = ACTION_CREATE;
          /* Marked in flight by an attempt that may have sent it; a retry
           * run cannot know whether the failed run's create arrived. */
          record->look_up_first = (state->in_flight != NULL &&
                                   g_hash_table_contains (state->in_flight, record->source_key)) ||
                                  self->failed_run_id > 0;
          if (self->options.dry_run)
            record->result = outcome_result (record, SY_SYNC_OUTCOME_WOULD_CREATE);
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

  update_counts (self);

  if (creates->len > 0 && self->fatal == NULL && !self->cancelled)
    {
      g_ptr_array_add (creates, NULL);
      self->pending_ops++;
      sy_state_store_mark_in_flight_async (self->store, self->run_id, (const char * const *) creates->pdata,
                                           self->cancellable, on_batch_marked, batch);
      return;
    }

  batch->phase = BATCH_DISPATCHING;
  pump (self);
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
  pump (self);
}

/* The record stops without an outcome (cancelled, or the run failed). */
static void
record_abandon (Record *record)
{
  SySyncJob *self = record->batch->job;

  self->in_flight--;
  pump (self);
}

static guint
backoff_ms (guint retry_index)
{
  guint64 ceiling = (guint64) BACKOFF_BASE_MS << MIN (retry_index, 16);

  ceiling = MIN (ceiling, BACKOFF_CAP_MS);
  /* Equal jitter: at least half the step, so that retries spread out. */
  return (guint) (ceiling / 2 + g_random_int_range (0, (gint32) (ceiling / 2) + 1));
}

static gboolean
on_record_wait_done (gpointer user_data)
{
  Record *record = user_data;

  g_clear_pointer (&record->wait_source, g_source_unref);
  record_step (record);
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

static SySyncResult *
result_from_error (Record       *record,
                   const GError *error)
{
  SySyncResult *result = failed_result (record, sy_api_error_get_status (error), error->message);
  g_autofree char *field_errors = field_errors_to_json (sy_api_error_get_field_errors (error));

  result->field_errors = g_steal_pointer (&field_errors);
  result->request_id = g_strdup (sy_api_error_get_request_id (error));
  return result;
}

/* What to do when a request of this record failed. */
static void
record_failed_request (Record       *record,
                       const GError *error,
                       gboolean      was_create,
                       gboolean      was_write)
{
  SySyncJob *self = record->batch->job;

  /* A lookup is a read that sends nothing: it spends none of the record's
   * write attempts (after a lost answer every attempt is a lookup and a
   * write, and counting both would halve the budget where it is needed
   * most), but it has a budget of its own, so that a target that never
   * answers one still lets the record end. */
  if (!was_write && sy_api_error_is_transient (error) &&
      !g_error_matches (error, SY_API_ERROR, SY_API_ERROR_RATE_LIMITED))
    record->failed_lookups++;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->cancelled)
    {
      record_abandon (record);
      return;
    }

  if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED) ||
      g_error_matches (error, SY_API_ERROR, SY_API_ERROR_FORBIDDEN))
    {
      /* Every other record would fail the same way. */
      set_fatal (self, error);
      if (was_create)
        record->look_up_first = TRUE;
      record_abandon (record);
      return;
    }

  if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_RATE_LIMITED))
    {
      guint retry_after = sy_api_error_get_retry_after (error);

      /* Not an attempt: the server refused before doing anything. */
      if (was_write && record->attempts > 0)
        record->attempts--;
      record->rate_limited++;
      sy_rate_limiter_pause (self->limiter,
                             MIN (retry_after > 0 ? retry_after : RETRY_AFTER_DEFAULT_S, RETRY_AFTER_CAP_S) * 1000);
      sy_rate_limiter_slow_down (self->limiter);
      sy_sync_progress_set_rate_limited (self->progress, TRUE);

      if (record->rate_limited > MAX_RATE_LIMITED_RETRIES)
        record_finish (record, result_from_error (record, error));
      else
        record_step (record);
      return;
    }

  if (was_create && (sy_api_error_is_transient (error) ||
                     g_error_matches (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE)))
    {
      /* The create may have been made although no usable answer came. */
      record->look_up_first = TRUE;
    }

  if (sy_api_error_is_transient (error) ||
      (was_create && g_error_matches (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE)))
    {
      if (record->attempts < self->options.max_attempts &&
          record->failed_lookups < self->options.max_attempts && self->fatal == NULL)
        {
          record_wait (record, backoff_ms (MAX (record->attempts + record->failed_lookups, 1) - 1));
          return;
        }
      if (self->fatal != NULL)
        {
          record_abandon (record);
          return;
        }
    }

  record_finish (record, result_from_error (record, error));
}

static char *
key_from_answer (JsonNode *root)
{
  JsonObject *object;
  char *key;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  object = json_node_get_object (root);
  if (json_object_has_member (object, "data") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "data")))
    {
      key = member_as_text (json_object_get_object_member (object, "data"), "key");
      if (key != NULL)
        return key;
    }

  return member_as_text (object, "key");
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
      replace_str (&record->target_key, key);
      record_finish (record, outcome_result (record, SY_SYNC_OUTCOME_CREATED));
      return;
    }

  record_finish (record, outcome_result (record, SY_SYNC_OUTCOME_UPDATED));
}

static void
on_lookup_answer (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Record *record = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonNode *data = NULL;

  root = sy_api_client_get_finish (SY_API_CLIENT (source), result, &error);
  if (root == NULL)
    {
      /* A lookup is itself harmless to repeat; whether the create arrived
       * is still unknown. */
      record_failed_request (record, error, TRUE, FALSE);
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (root))
    data = json_object_get_member (json_node_get_object (root), "data");

  if (data == NULL || !JSON_NODE_HOLDS_ARRAY (data))
    {
      g_autoptr(GError) invalid = sy_api_error_new_full (SY_API_ERROR_INVALID_RESPONSE, 200, NULL, 0, NULL,
                                                         _("The target’s answer to a search is not a list of records."));
      record_finish (record, result_from_error (record, invalid));
      return;
    }

  if (json_array_get_length (json_node_get_array (data)) > 0)
    {
      JsonNode *first = json_array_get_element (json_node_get_array (data), 0);
      g_autofree char *key = JSON_NODE_HOLDS_OBJECT (first) ? member_as_text (json_node_get_object (first), "key") : NULL;

      if (key != NULL)
        {
          /* The create did arrive: it is not sent again. */
          replace_str (&record->target_key, key);
          record_finish (record, outcome_result (record, SY_SYNC_OUTCOME_CREATED));
          return;
        }
    }

  record->look_up_first = FALSE;
  record_step (record);
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
      g_autofree char *name = g_uri_escape_string (sy_mapping_get_match_target (self->mapping), NULL, FALSE);
      g_autofree char *value = NULL;
      g_autofree char *path = NULL;

      if (record->match_value == NULL)
        {
          record_finish (record, failed_result (record, 0,
                                                _("The record may have been created by an earlier attempt, but its match field is empty, so that cannot be checked. Check the target by hand.")));
          return;
        }
      value = g_uri_escape_string (record->match_value, NULL, FALSE);
      path = g_strdup_printf ("%s?filter%%5B%s%%5D=%s&per_page=2", self->target_path, name, value);
      sy_api_client_get_async (self->target, path, self->cancellable, on_lookup_answer, record);
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
static void
record_step (Record *record)
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

static void
dispatch (SySyncJob *self)
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
          record_step (record);
        }
    }
}

/* --- commits ---------------------------------------------------------- */

static void
on_run_reloaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SySyncJob *self = user_data;
  g_autoptr(SySyncRun) run = NULL;
  g_autoptr(GError) error = NULL;

  self->pending_ops--;
  run = sy_state_store_load_run_finish (SY_STATE_STORE (source), result, &error);
  if (run != NULL)
    {
      guint64 live = 0;

      g_clear_pointer (&self->run, sy_sync_run_free);
      self->run = g_steal_pointer (&run);
      for (GList *l = self->batches.head; l != NULL; l = l->next)
        {
          Batch *batch = l->data;
          if (batch->phase != BATCH_PREPARING)
            live += batch->records->len;
        }
      self->live_read = live;
      update_counts (self);
    }

  pump (self);
}

static gboolean
on_delay_done (gpointer user_data)
{
  SySyncJob *self = user_data;

  g_clear_pointer (&self->delay_source, g_source_unref);
  pump (self);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  Batch     *batch;
  GPtrArray *results;
  gboolean   complete;
} Commit;

static void
on_committed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Commit *commit = user_data;
  Batch *batch = commit->batch;
  SySyncJob *self = batch->job;
  g_autoptr(GError) error = NULL;

  self->pending_ops--;
  self->committing = FALSE;

  if (!sy_state_store_commit_batch_finish (SY_STATE_STORE (source), result, &error))
    {
      g_autoptr(GError) wrapped = g_error_new (error->domain, error->code,
                                               _("The results of a batch could not be saved: %s"), error->message);
      set_fatal (self, wrapped);
    }
  else
    {
      if (commit->complete)
        replace_str (&self->checkpoint, batch->checkpoint);

      for (guint i = 0; i < commit->results->len; i++)
        {
          SySyncResult *r = g_ptr_array_index (commit->results, i);

          if (r->outcome == SY_SYNC_OUTCOME_FAILED)
            g_signal_emit (self, signals[SIGNAL_RECORD_FAILED], 0, r);
        }
    }

  g_queue_remove (&self->batches, batch);
  for (guint i = 0; i < commit->results->len; i++)
    g_hash_table_remove (self->open_keys, ((SySyncResult *) g_ptr_array_index (commit->results, i))->source_key);
  for (guint i = 0; i < batch->records->len; i++)
    g_hash_table_remove (self->open_keys, ((Record *) g_ptr_array_index (batch->records, i))->source_key);
  batch_free (batch);
  g_ptr_array_unref (commit->results);
  g_free (commit);

  if (!sy_rate_limiter_is_limited (self->limiter))
    sy_sync_progress_set_rate_limited (self->progress, FALSE);

  self->pending_ops++;
  sy_state_store_load_run_async (self->store, self->run_id, NULL, on_run_reloaded, self);

  if (self->options.delay_ms > 0 && self->delay_source == NULL && !self->stopping &&
      self->fatal == NULL && !self->cancelled)
    {
      self->delay_source = g_timeout_source_new (self->options.delay_ms);
      g_source_set_name (self->delay_source, "[switchyard] sync batch delay");
      g_source_set_callback (self->delay_source, on_delay_done, self, NULL);
      g_source_attach (self->delay_source, g_main_context_get_thread_default ());
    }

  pump (self);
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

/* --- the pump --------------------------------------------------------- */

static gboolean
nothing_moves (SySyncJob *self)
{
  return self->in_flight == 0 && self->pending_ops == 0 && !self->page_pending;
}

static void
pump (SySyncJob *self)
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

  request_pages (self);
  while (can_open_batch (self))
    open_batch (self);
  dispatch (self);
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
    sy_sync_progress_set_state (self->progress, current_running_state (self));
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
  g_free (prepare);
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
        prepare->retry_keys = g_ptr_array_new_with_free_func (g_free);
        for (guint i = 0; i < failures->len; i++)
          g_ptr_array_add (prepare->retry_keys,
                           g_strdup (((SySyncResult *) g_ptr_array_index (failures, i))->source_key));
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
          prepare->retry_keys = g_ptr_array_new_with_free_func (g_free);
          for (guint i = 0; i < failures->len; i++)
            g_ptr_array_add (prepare->retry_keys,
                             g_strdup (((SySyncResult *) g_ptr_array_index (failures, i))->source_key));
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

  prepare->run = sy_state_store_load_run (prepare->store, run_id, &error);
  if (prepare->run == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
start_reading (SySyncJob *self)
{
  const SySyncRun *run = self->run;

  if (self->retry_keys != NULL)
    {
      sy_sync_progress_set_total (self->progress, self->retry_keys->len);
      pump (self);
      return;
    }

  self->iterator = sy_page_iterator_new (self->source, sy_mapping_get_source_entity (self->mapping),
                                         SOURCE_PER_PAGE);
  sy_page_iterator_set_sort (self->iterator, "updatedAt", FALSE);

  if (self->mode == MODE_RESUME && run->checkpoint != NULL)
    {
      /* Records at the checkpoint itself may be committed or not: those
       * that are come back as done and are passed over. */
      sy_page_iterator_add_filter (self->iterator, "updatedAt", "gteq", run->checkpoint);
      self->base_total = run->read;
    }
  else if (run->since != NULL)
    sy_page_iterator_add_filter (self->iterator, "updatedAt", "gt", run->since);

  if (self->mode == MODE_RESUME)
    {
      self->base_total = run->read;
      replace_str (&self->checkpoint, run->checkpoint);
      replace_str (&self->high_water, run->high_water);
    }

  pump (self);
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
  sy_sync_progress_set_run_id (self->progress, self->run_id);
  update_counts (self);

  if (self->cancelled)
    {
      end_run (self);
      return;
    }

  start_reading (self);
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
  abandon_waiting_records (self);

  pump (self);
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
  run->options = self->options;
  run->started_at = g_get_real_time () / G_USEC_PER_SEC;
  run->state = SY_SYNC_RUN_STATE_RUNNING;
  return run;
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
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "%s", _("This sync has already run."));
      g_object_unref (task);
      return;
    }
  self->started = TRUE;

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, sy_sync_job_run_async);
  g_task_set_name (self->task, "[switchyard] sync job");

  sy_sync_progress_set_state (self->progress, SY_SYNC_JOB_STATE_PREPARING);

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
  pump (self);
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
  pump (self);
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
