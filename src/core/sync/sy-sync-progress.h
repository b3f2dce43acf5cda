/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  SY_SYNC_JOB_STATE_IDLE,       /* not started */
  SY_SYNC_JOB_STATE_PREPARING,  /* opening the run, reading the first page */
  SY_SYNC_JOB_STATE_RUNNING,
  SY_SYNC_JOB_STATE_PAUSED,     /* the batch in flight finished; waiting to be resumed */
  SY_SYNC_JOB_STATE_STOPPING,   /* finishing the batch in flight before stopping */
  SY_SYNC_JOB_STATE_FINISHED,   /* every record has an outcome (some may have failed) */
  SY_SYNC_JOB_STATE_STOPPED,    /* stopped or cancelled; the run can be resumed */
  SY_SYNC_JOB_STATE_FAILED,     /* an error stopped the run; it can be resumed */
} SySyncJobState;

#define SY_TYPE_SYNC_JOB_STATE (sy_sync_job_state_get_type ())
GType sy_sync_job_state_get_type (void) G_GNUC_CONST;

#define SY_TYPE_SYNC_PROGRESS (sy_sync_progress_get_type ())
G_DECLARE_FINAL_TYPE (SySyncProgress, sy_sync_progress, SY, SYNC_PROGRESS, GObject)

/* What a running sync has done so far, for a progress bar or line.
 * Read-only properties, all notified together at most four times a
 * second (and once more when the state changes), so that a view bound to
 * them costs nothing however fast records go:
 *   "state" (SySyncJobState), "run-id" (gint64, 0 before the run exists),
 *   "read", "written", "created", "updated", "failed", "skipped" (guint64),
 *   "total" (gint64: records the source announced, -1 when unknown),
 *   "fraction" (double 0..1, or -1 when total is unknown),
 *   "throughput" (double: records per second over the last few seconds),
 *   "eta" (gint64 seconds, -1 when unknown or paused; from the smoothed
 *     rate below, so that it does not swing with each batch),
 *   "elapsed" (gint64 seconds),
 *   "rate-limited" (gboolean: the target asked us to slow down lately).
 * Counts include what an earlier attempt of a resumed run committed. */
SySyncJobState sy_sync_progress_get_state        (SySyncProgress *self);
gint64         sy_sync_progress_get_run_id       (SySyncProgress *self);
guint64        sy_sync_progress_get_read         (SySyncProgress *self);
guint64        sy_sync_progress_get_written      (SySyncProgress *self);
guint64        sy_sync_progress_get_created      (SySyncProgress *self);
guint64        sy_sync_progress_get_updated      (SySyncProgress *self);
guint64        sy_sync_progress_get_failed       (SySyncProgress *self);
guint64        sy_sync_progress_get_skipped      (SySyncProgress *self);
gint64         sy_sync_progress_get_total        (SySyncProgress *self);
double         sy_sync_progress_get_fraction     (SySyncProgress *self);
double         sy_sync_progress_get_throughput   (SySyncProgress *self);
gint64         sy_sync_progress_get_eta          (SySyncProgress *self);
gint64         sy_sync_progress_get_elapsed      (SySyncProgress *self);
gboolean       sy_sync_progress_get_rate_limited (SySyncProgress *self);
/* Records per second averaged with exponentially fading weights over
 * about the last 20 s of running (paused time left out); what "eta"
 * divides by. -1 until a first second of running. */
double         sy_sync_progress_get_smoothed_rate (SySyncProgress *self);

/* "1,234 of 5,000 records · 380/s · about 10 s left": one translated
 * line, as the CLI's progress line and the GUI's subtitle show it. */
char          *sy_sync_progress_describe         (SySyncProgress *self);

G_END_DECLS
