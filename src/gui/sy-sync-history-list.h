/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-sync-types.h"

G_BEGIN_DECLS

#define SY_TYPE_SYNC_HISTORY_LIST (sy_sync_history_list_get_type ())
G_DECLARE_FINAL_TYPE (SySyncHistoryList, sy_sync_history_list, SY, SYNC_HISTORY_LIST, AdwBin)

/* The runs of a source → target pair, newest first, one row each: number,
 * state, when, counts and the run's message. A row activates
 * sync.show-run, and a run that can be resumed has a button for
 * sync.resume-run; both take the run's id and are the window's to act
 * on. */
GtkWidget *sy_sync_history_list_new      (void);

/* Shows runs (SySyncRun), or nothing when runs is NULL. */
void       sy_sync_history_list_set_runs (SySyncHistoryList *self,
                                          GPtrArray         *runs);

/* What started a run, for people: "Scheduled", "On changes" (a run's
 * cause "scheduled", "webhook"), or NULL for a run a person started. */
const char *sy_sync_history_list_get_cause_label (const char *cause);

G_END_DECLS
