/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-sync-types.h"

G_BEGIN_DECLS

#define SY_TYPE_SYNC_HISTORY_LIST (sy_sync_history_list_get_type ())
G_DECLARE_FINAL_TYPE (SySyncHistoryList, sy_sync_history_list, SY, SYNC_HISTORY_LIST, AdwBin)

/* The runs of a mapping, newest first, one row each: "Run 3 of this
 * mapping", the state (a finished run with failed records says so, in a
 * warning style), when (unambiguous: "7 Dec 2026, 14:05"), counts and the
 * run's message. A row activates runs.show-run, and a run that can be
 * resumed has a button for runs.resume-run; both take the run's id and
 * are the panel's to act on. */
GtkWidget *sy_sync_history_list_new      (void);

/* Shows runs (SySyncRun), or nothing when runs is NULL. */
void       sy_sync_history_list_set_runs (SySyncHistoryList *self,
                                          GPtrArray         *runs);

/* What started a run, for people: "Scheduled", "On changes" (a run's
 * cause "scheduled", "webhook"), or NULL for a run a person started. */
const char *sy_sync_history_list_get_cause_label (const char *cause);

/* "Today, 14:05" or "7 Dec 2026, 14:05". */
char       *sy_sync_history_list_format_when     (GDateTime       *when);
/* "Finished with 2 failed", or the state's label. */
char       *sy_sync_history_list_describe_state  (const SySyncRun *run);

G_END_DECLS
