/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-add-connection-dialog.h"
#include "sy-sync-window.h"

G_BEGIN_DECLS

/* The window's state and entry points, for its parts and for tests; the
 * application goes through the sync.* actions. */

/* Selects the mapping of that file (once the mappings folder is listed). */
void               sy_sync_window_select_mapping      (SySyncWindow       *self,
                                                       GFile              *mapping_file);
/* The selected mapping's file and the mapping read from it, or NULL. */
GFile             *sy_sync_window_get_mapping_file    (SySyncWindow       *self);
SyMapping         *sy_sync_window_get_mapping         (SySyncWindow       *self);
/* The options the settings rows show. */
void               sy_sync_window_get_options         (SySyncWindow       *self,
                                                       SySyncOptions      *options);
void               sy_sync_window_set_options         (SySyncWindow       *self,
                                                       const SySyncOptions *options);
/* The job of the current or last run, or NULL. */
SySyncJob         *sy_sync_window_get_job             (SySyncWindow       *self);
/* Whether a run is being prepared or going on. */
gboolean           sy_sync_window_get_busy            (SySyncWindow       *self);
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
/* A run paused because a connection needs reconnecting offers Reconnect
 * (sync.reconnect, Shift+Ctrl+U): this opens its dialog and returns it, or
 * NULL when no run is paused so; on success the run is resumed. */
SyAddConnectionDialog *sy_sync_window_open_reconnect_dialog (SySyncWindow *self);
/* The title of the last toast shown, or NULL. */
const char        *sy_sync_window_get_last_toast      (SySyncWindow       *self);

G_END_DECLS
