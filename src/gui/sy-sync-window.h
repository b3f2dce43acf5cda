/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-application.h"
#include "sy-mapping.h"
#include "sy-sync-failure-list.h"
#include "sy-sync-job.h"

G_BEGIN_DECLS

#define SY_TYPE_SYNC_WINDOW (sy_sync_window_get_type ())
G_DECLARE_FINAL_TYPE (SySyncWindow, sy_sync_window, SY, SYNC_WINDOW, AdwWindow)

/* The Sync window (issue 4): pick a mapping of <config-dir>/mappings, set
 * the run's options (defaults from GSettings), start, pause, stop after the
 * batch or cancel at once, watch its progress, its failed records and the
 * runs before it; export failed records, retry them, resume a run that
 * did not finish. Actions (sync.*) and their keys: start Ctrl+Return,
 * pause Ctrl+P, stop Ctrl+Period, cancel Shift+Ctrl+Period, export Ctrl+E,
 * retry-failed Ctrl+R. Closing it while a run goes on asks first. */
SySyncWindow      *sy_sync_window_new                 (SyApplication      *application);
/* Presents the application's sync window for mapping_file (NULL: any, or
 * the first mapping), opening one if there is none for it. */
SySyncWindow      *sy_sync_window_present             (SyApplication      *application,
                                                       GFile              *mapping_file);

/* Shows that run of the window's mapping (its failed records), at once or
 * once the history lists it. */
void               sy_sync_window_reveal_run          (SySyncWindow       *self,
                                                       gint64              run_id);

G_END_DECLS
