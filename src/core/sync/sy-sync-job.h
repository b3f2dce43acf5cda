/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-api-client.h"
#include "sy-connection-store.h"
#include "sy-mapping.h"
#include "sy-state-store-sync.h"
#include "sy-sync-progress.h"
#include "sy-sync-types.h"

G_BEGIN_DECLS

#define SY_TYPE_SYNC_JOB (sy_sync_job_get_type ())
G_DECLARE_FINAL_TYPE (SySyncJob, sy_sync_job, SY, SYNC_JOB, GObject)

/* One sync run (docs/architecture.md §6): streams the source page by page (sorted by
 * updatedAt; from the pair's high-water mark unless options.full), maps
 * each record, and writes it to the target: PUT when the key map knows
 * its target key, POST otherwise, nothing when the payload is what was
 * last written. Records go in batches of options.batch_size with at most
 * options.concurrency writes in flight and at most options.max_rps
 * requests a second; a 429 pauses the whole job for Retry-After and
 * lowers its rate for a while; 5xx and network errors are retried with
 * exponential backoff and jitter, up to options.max_attempts per record.
 * After each batch one transaction commits its results, key map and
 * checkpoint.
 *
 * Exactly once: creates are marked in flight (durably) before they are
 * sent; a create whose answer was lost, in this process or before a crash,
 * is looked up in the target by the mapping's match field before it is
 * sent again. A record that fails (422, a blocking mapping problem, its
 * retries spent) is kept with its reason and does not stop the run; an
 * error that would fail every record (401, 403, the source unreachable
 * once its retries are spent) ends the run as FAILED, resumable.
 *
 * The job owns the clients' retry policy while it runs: writes are
 * retried by the job, through its rate limiter. The job holds the pair's
 * lock from start to end. Memory stays flat: at most two batches and one
 * page are held. */

/* A new run of mapping from source to target. */
SySyncJob      *sy_sync_job_new               (SyStateStore        *store,
                                               SyMapping           *mapping,
                                               SyApiClient         *source,
                                               SyApiClient         *target,
                                               const SySyncOptions *options);
/* Continues run (resumable state) with its own mapping and options, from
 * its checkpoint; records it already committed are not written again.
 * NULL with SY_SYNC_ERROR_NOT_RESUMABLE when the run is not resumable or
 * its mapping no longer parses. */
SySyncJob      *sy_sync_job_new_resume        (SyStateStore        *store,
                                               const SySyncRun     *run,
                                               SyApiClient         *source,
                                               SyApiClient         *target,
                                               GError             **error);
/* A new run (retry_of = failed_run->id) that reads only the records that
 * failed in failed_run, each fetched again from the source by its key,
 * with failed_run's mapping. options NULL: failed_run's options. */
SySyncJob      *sy_sync_job_new_retry_failed  (SyStateStore        *store,
                                               const SySyncRun     *failed_run,
                                               SyApiClient         *source,
                                               SyApiClient         *target,
                                               const SySyncOptions *options,
                                               GError             **error);

/* Why a new run starts ("scheduled", "webhook"), kept in its row; NULL
 * (the default) when a person started it. Call before running. */
void            sy_sync_job_set_cause         (SySyncJob           *self,
                                               const char          *cause);

/* The connections the mapping's names refer to. Every run checks the
 * safety rules of sy-sync-check.h when it starts, before it reads or
 * writes anything or creates a run in state.db: source and target not the
 * same connection and entity, always; every connection named exists,
 * when connections are given (the CLI and SyAutomation give them; every
 * front end that starts runs should).
 * A mapping that breaks one fails the run with
 * SY_SYNC_ERROR_UNSAFE_MAPPING. Call before running. */
void            sy_sync_job_set_connections   (SySyncJob           *self,
                                               SyConnectionStore   *connections);

/* Runs to the end. TRUE when every record read has an outcome (look at
 * the progress for failures); FALSE with G_IO_ERROR_CANCELLED after
 * sy_sync_job_stop() or a cancellation, or with the error that failed the
 * run. The run stays resumable in both cases. Cancelling aborts the
 * requests in flight; their creates are looked up on resume. */
void            sy_sync_job_run_async         (SySyncJob           *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean        sy_sync_job_run_finish        (SySyncJob           *self,
                                               GAsyncResult        *result,
                                               GError             **error);

/* Stops after the batch in flight is committed (Ctrl-C, the Stop button). */
void            sy_sync_job_stop              (SySyncJob           *self);
/* Pauses after the batch in flight is committed; resumes where it paused. */
void            sy_sync_job_set_paused        (SySyncJob           *self,
                                               gboolean             paused);
gboolean        sy_sync_job_get_paused        (SySyncJob           *self);

SySyncProgress *sy_sync_job_get_progress      (SySyncJob           *self);
/* 0 until the run is created ("notify::run-id" on the progress). */
gint64          sy_sync_job_get_run_id        (SySyncJob           *self);
/* The run as last committed; NULL before it exists. */
SySyncRun      *sy_sync_job_dup_run           (SySyncJob           *self);
const SySyncOptions *sy_sync_job_get_options  (SySyncJob           *self);

/* Signal "record-failed" (SySyncResult *result): emitted on the main
 * context when a failed record is committed, for a live list. */

G_END_DECLS
