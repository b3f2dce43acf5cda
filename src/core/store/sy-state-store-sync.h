/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-state-store.h"
#include "sy-sync-types.h"

G_BEGIN_DECLS

/* The sync engine's part of state.db (docs/architecture.md §3.4, §6): runs, per-record
 * results, the source → target key map, the records whose create was sent
 * but not yet committed ("in flight"), and the lock that keeps two
 * processes off the same pair. Everything runs on the state store's worker
 * thread; the _async variants are for the main loop, the plain ones for
 * the CLI and tests. Errors of state.db are G_IO_ERROR codes as in
 * sy-state-store.h; an unknown run id is SY_SYNC_ERROR_NO_SUCH_RUN ("There
 * is no sync run 42"). */

/* --- lock ------------------------------------------------------------ */

/* An exclusive hold on a pair, across processes (flock on a file under
 * <state-dir>/locks/), released by sy_sync_lock_free() or when the process
 * dies, however it dies. SY_SYNC_ERROR_PAIR_BUSY when another process or job holds
 * it, with a message saying so. */
typedef struct _SySyncLock SySyncLock;
SySyncLock   *sy_state_store_lock_pair            (SyStateStore        *self,
                                                   const char          *pair,
                                                   GError             **error);
void          sy_sync_lock_free                   (SySyncLock          *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySyncLock, sy_sync_lock_free)

/* --- runs ------------------------------------------------------------ */

/* Inserts a run in state "running" (run->id and run->state are ignored);
 * finishes with its new id. */
void          sy_state_store_create_run_async     (SyStateStore        *self,
                                                   const SySyncRun     *run,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gint64        sy_state_store_create_run_finish    (SyStateStore        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
gint64        sy_state_store_create_run           (SyStateStore        *self,
                                                   const SySyncRun     *run,
                                                   GError             **error);

/* A run kept as "running" whose pair lock nobody holds reads as
 * SY_SYNC_RUN_STATE_INTERRUPTED. */
void          sy_state_store_load_run_async       (SyStateStore        *self,
                                                   gint64               run_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
SySyncRun    *sy_state_store_load_run_finish      (SyStateStore        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
SySyncRun    *sy_state_store_load_run             (SyStateStore        *self,
                                                   gint64               run_id,
                                                   GError             **error);

/* Newest first; pair NULL for every pair; limit 0 for all. A GPtrArray of
 * SySyncRun (free function set). */
void          sy_state_store_list_runs_async      (SyStateStore        *self,
                                                   const char          *pair,
                                                   guint                limit,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GPtrArray    *sy_state_store_list_runs_finish     (SyStateStore        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
GPtrArray    *sy_state_store_list_runs            (SyStateStore        *self,
                                                   const char          *pair,
                                                   guint                limit,
                                                   GError             **error);

/* The high_water of the newest finished run of the pair that was neither
 * a dry run nor a retry, or NULL (with no error) when there is none: where
 * an incremental run starts. */
char         *sy_state_store_get_high_water       (SyStateStore        *self,
                                                   const char          *pair,
                                                   GError             **error);

/* Sets the run's state, message and (for a final state) finished_at.
 * Setting RUNNING again is how resume takes a run back. */
void          sy_state_store_set_run_state_async  (SyStateStore        *self,
                                                   gint64               run_id,
                                                   SySyncRunState       state,
                                                   const char          *message,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean      sy_state_store_set_run_state_finish (SyStateStore        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
gboolean      sy_state_store_set_run_state        (SyStateStore        *self,
                                                   gint64               run_id,
                                                   SySyncRunState       state,
                                                   const char          *message,
                                                   GError             **error);

/* --- batches --------------------------------------------------------- */

/* What state.db knows about a batch's source keys before it is written. */
typedef struct
{
  GHashTable *target_keys;     /* source key → target key, from the pair's key map */
  GHashTable *payload_hashes;  /* source key → payload hash last written (may lack keys) */
  GHashTable *done;            /* source key → the updatedAt (or NULL) of the result this run already has for it */
  GHashTable *in_flight;       /* set of source keys of this run whose create may have been sent */
} SySyncBatchState;

void          sy_sync_batch_state_free            (SySyncBatchState    *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySyncBatchState, sy_sync_batch_state_free)

/* source_keys: NULL-terminated. */
void          sy_state_store_lookup_batch_async   (SyStateStore        *self,
                                                   gint64               run_id,
                                                   const char          *pair,
                                                   const char * const  *source_keys,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
SySyncBatchState *sy_state_store_lookup_batch_finish (SyStateStore     *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
SySyncBatchState *sy_state_store_lookup_batch     (SyStateStore        *self,
                                                   gint64               run_id,
                                                   const char          *pair,
                                                   const char * const  *source_keys,
                                                   GError             **error);

/* Whether the pair's key map took in what the target held, to the end: a
 * pair that did not (state.db lost, never synced, or stopped while doing
 * it) adopts the target's records first. */
gboolean      sy_state_store_is_adopted           (SyStateStore        *self,
                                                   const char          *pair,
                                                   gboolean            *adopted,
                                                   GError             **error);

/* Adds source_keys[i] → target_keys[i] (both NULL-terminated, as long)
 * to the pair's key map, without a payload hash, where the source key has
 * no entry yet: records the target already held. complete: the last of
 * them, the pair is adopted. One transaction. */
void          sy_state_store_adopt_keys_async     (SyStateStore        *self,
                                                   const char          *pair,
                                                   const char * const  *source_keys,
                                                   const char * const  *target_keys,
                                                   gboolean             complete,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean      sy_state_store_adopt_keys_finish    (SyStateStore        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Write-ahead for creates: committed (durably) before the first POST of
 * these keys is sent, so that after a crash the pair's next run (resumed
 * or new: see sy_state_store_take_over_in_flight()) knows which creates
 * may have reached the target and looks them up before sending again. */
void          sy_state_store_mark_in_flight_async (SyStateStore        *self,
                                                   gint64               run_id,
                                                   const char * const  *source_keys,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean      sy_state_store_mark_in_flight_finish (SyStateStore       *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
gboolean      sy_state_store_mark_in_flight       (SyStateStore        *self,
                                                   gint64               run_id,
                                                   const char * const  *source_keys,
                                                   GError             **error);

/* Called by a run as it starts (new, resumed or retry), holding the
 * pair's lock: the in-flight creates of every other run of the pair (a
 * process killed before it committed them) are filed under run_id, so
 * that this run looks them up before it creates them, and its commits
 * clear them. One transaction. */
gboolean      sy_state_store_take_over_in_flight  (SyStateStore        *self,
                                                   gint64               run_id,
                                                   const char          *pair,
                                                   GError             **error);

/* One transaction: each result (GPtrArray of SySyncResult) replaces any
 * earlier result of the same key in this run (the run's counts follow:
 * read counts distinct keys, a key that failed then succeeded moves from
 * failed to created); created/updated/unchanged results upsert the pair's
 * key map with their target key and payload hash (not in a dry run);
 * their keys leave the in-flight set; checkpoint and high_water (either
 * may be NULL: unchanged) are stored. Nothing is kept if any of it
 * fails. _finish gives the run as it stands after the commit. */
void          sy_state_store_commit_batch_async   (SyStateStore        *self,
                                                   gint64               run_id,
                                                   GPtrArray           *results,
                                                   const char          *checkpoint,
                                                   const char          *high_water,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
SySyncRun    *sy_state_store_commit_batch_finish  (SyStateStore        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
gboolean      sy_state_store_commit_batch         (SyStateStore        *self,
                                                   gint64               run_id,
                                                   GPtrArray           *results,
                                                   const char          *checkpoint,
                                                   const char          *high_water,
                                                   GError             **error);

/* --- failures -------------------------------------------------------- */

/* The failed results of a run in source order of commit, offset/limit for
 * paging (limit 0: all). GPtrArray of SySyncResult. */
void          sy_state_store_list_failures_async  (SyStateStore        *self,
                                                   gint64               run_id,
                                                   guint                offset,
                                                   guint                limit,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GPtrArray    *sy_state_store_list_failures_finish (SyStateStore        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
GPtrArray    *sy_state_store_list_failures        (SyStateStore        *self,
                                                   gint64               run_id,
                                                   guint                offset,
                                                   guint                limit,
                                                   GError             **error);

typedef enum
{
  SY_SYNC_EXPORT_CSV,
  SY_SYNC_EXPORT_JSON,
} SySyncExportFormat;

/* "csv"/"json" → format; FALSE for anything else. */
gboolean      sy_sync_export_format_from_string   (const char          *string,
                                                   SySyncExportFormat  *format);

/* The failed records of a run, streamed row by row (never all in memory):
 * CSV (RFC 4180, a header line: source_key,target_entity,status,message,
 * field_errors,request_id,attempts,at) or a JSON array of objects with
 * those members (field_errors as an object, at as ISO 8601).
 * The _to_stream variant blocks the caller (CLI: stdout); the async one
 * writes a file atomically (GUI: the file chooser's answer). */
gboolean      sy_state_store_export_failures_to_stream (SyStateStore        *self,
                                                   gint64               run_id,
                                                   SySyncExportFormat   format,
                                                   GOutputStream       *stream,
                                                   GCancellable        *cancellable,
                                                   GError             **error);
void          sy_state_store_export_failures_async (SyStateStore       *self,
                                                   gint64               run_id,
                                                   SySyncExportFormat   format,
                                                   GFile               *file,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean      sy_state_store_export_failures_finish (SyStateStore      *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

G_END_DECLS
