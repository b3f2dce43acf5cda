/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sy-sync-progress.h"

G_BEGIN_DECLS

/* For the job that owns it. Counts are absolute; notifications are
 * throttled unless flush is called. */
SySyncProgress *sy_sync_progress_new             (void);
void           sy_sync_progress_set_state        (SySyncProgress *self,
                                                  SySyncJobState  state);
void           sy_sync_progress_set_run_id       (SySyncProgress *self,
                                                  gint64          run_id);
void           sy_sync_progress_set_counts       (SySyncProgress *self,
                                                  guint64         read,
                                                  guint64         created,
                                                  guint64         updated,
                                                  guint64         failed,
                                                  guint64         skipped);
void           sy_sync_progress_set_total        (SySyncProgress *self,
                                                  gint64          total);
void           sy_sync_progress_set_rate_limited (SySyncProgress *self,
                                                  gboolean        rate_limited);
void           sy_sync_progress_flush            (SySyncProgress *self);

/* Monotonic microseconds; tests pass a fake one so that what depends on
 * elapsed time (throughput, ETA) is checked without sleeping. NULL: the
 * real clock. */
typedef gint64 (*SySyncProgressClock) (gpointer user_data);

void           sy_sync_progress_set_clock        (SySyncProgress      *self,
                                                  SySyncProgressClock  clock,
                                                  gpointer             user_data);

G_END_DECLS
