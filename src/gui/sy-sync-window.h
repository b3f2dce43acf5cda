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

/* Selects the mapping of that file (once the mappings folder is listed). */
void               sy_sync_window_select_mapping      (SySyncWindow       *self,
                                                       GFile              *mapping_file);
/* The selected mapping's file and the mapping read from it, or NULL. */
GFile             *sy_sync_window_get_mapping_file    (SySyncWindow       *self);
SyMapping         *sy_sync_window_get_mapping         (SySyncWindow       *self);
/* "loading", "empty" (no mappings: points to the editor) or "sync". */
const char        *sy_sync_window_get_visible_content (SySyncWindow       *self);

/* Shows the page "run", "failures" or "history". */
void               sy_sync_window_set_visible_page    (SySyncWindow       *self,
                                                       const char         *page);

/* The options the settings rows show. */
void               sy_sync_window_get_options         (SySyncWindow       *self,
                                                       SySyncOptions      *options);
void               sy_sync_window_set_options         (SySyncWindow       *self,
                                                       const SySyncOptions *options);

/* The job of the current or last run, or NULL. */
SySyncJob         *sy_sync_window_get_job             (SySyncWindow       *self);
/* Whether a run is being prepared or going on. */
gboolean           sy_sync_window_get_busy            (SySyncWindow       *self);
/* The status line under the progress bar. */
const char        *sy_sync_window_get_status_text     (SySyncWindow       *self);
/* The count shown for "read", "written", "failed" or "skipped". */
const char        *sy_sync_window_get_count_text      (SySyncWindow       *self,
                                                       const char         *count);

SySyncFailureList *sy_sync_window_get_failure_list    (SySyncWindow       *self);
/* The run whose failed records the list shows (Export and Retry Failed
 * act on it), or 0. */
gint64             sy_sync_window_get_shown_run_id    (SySyncWindow       *self);
/* Whether the failed records list is still loading a page. */
gboolean           sy_sync_window_get_failures_loading (SySyncWindow      *self);

/* The runs of the mapping's pair as the History page lists them, newest
 * first (SySyncRun, owned by the window), and whether it is loading. */
GPtrArray         *sy_sync_window_get_history         (SySyncWindow       *self);
gboolean           sy_sync_window_get_history_loading (SySyncWindow       *self);

/* What Export does once its file chooser answers: writes the shown run's
 * failed records to file, then says how it went in a toast. */
void               sy_sync_window_export_failures     (SySyncWindow       *self,
                                                       GFile              *file,
                                                       SySyncExportFormat  format);
/* How long a run must take for its end to be announced by a desktop
 * notification when the window is not in front (10 s; tests shorten it).
 * The GSettings key notify-on-finish turns these notifications off. */
void               sy_sync_window_set_notify_after    (SySyncWindow       *self,
                                                       guint               seconds);
/* The title of the last toast shown, or NULL. */
const char        *sy_sync_window_get_last_toast      (SySyncWindow       *self);

G_END_DECLS
