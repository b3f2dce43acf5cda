/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-add-connection-dialog.h"
#include "sy-mapping.h"
#include "sy-run-panel.h"
#include "sy-state-store-sync.h"
#include "sy-sync-failure-list.h"
#include "sy-sync-job.h"

G_BEGIN_DECLS

/* The mapping read from the file, or NULL. */
SyMapping         *sy_run_panel_get_mapping          (SyRunPanel          *self);
/* The options the run options rows show. */
void               sy_run_panel_get_options          (SyRunPanel          *self,
                                                      SySyncOptions       *options);
void               sy_run_panel_set_options          (SyRunPanel          *self,
                                                      const SySyncOptions *options);
/* The job of the current or last run, or NULL (the plan's dry run is not
 * one). */
SySyncJob         *sy_run_panel_get_job              (SyRunPanel          *self);
/* Whether a run (or its plan) is being prepared or going on. */
gboolean           sy_run_panel_get_busy             (SyRunPanel          *self);
/* The run whose failed records the list shows, or 0. */
gint64             sy_run_panel_get_shown_run_id     (SyRunPanel          *self);
gboolean           sy_run_panel_get_failures_loading (SyRunPanel          *self);
/* The runs of the mapping as the History lists them, newest first
 * (SySyncRun, owned by the panel), and whether it is loading. */
GPtrArray         *sy_run_panel_get_history          (SyRunPanel          *self);
gboolean           sy_run_panel_get_history_loading  (SyRunPanel          *self);
/* What Export does once its file chooser answers. */
void               sy_run_panel_export_failures      (SyRunPanel          *self,
                                                      GFile               *file,
                                                      SySyncExportFormat   format);
/* How long a run must take for its end to be announced by a desktop
 * notification when the panel is not in front (10 s; tests shorten it). */
void               sy_run_panel_set_notify_after     (SyRunPanel          *self,
                                                      guint                seconds);
/* Opens the Reconnect dialog of a run paused for it, or NULL. */
SyAddConnectionDialog *sy_run_panel_open_reconnect_dialog (SyRunPanel     *self);
/* The title of the last toast shown, or NULL. */
const char        *sy_run_panel_get_last_toast       (SyRunPanel          *self);

G_END_DECLS
