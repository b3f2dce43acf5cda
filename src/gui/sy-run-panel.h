/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-application.h"

G_BEGIN_DECLS

/* What the panel is doing, for a window that asks before it closes. */
typedef enum
{
  SY_RUN_PANEL_IDLE,
  SY_RUN_PANEL_RUNNING,    /* preparing or running */
  SY_RUN_PANEL_PAUSED,
  SY_RUN_PANEL_STOPPING,   /* finishing the batch in flight */
} SyRunPanelActivity;

#define SY_TYPE_RUN_PANEL_ACTIVITY (sy_run_panel_activity_get_type ())
GType sy_run_panel_activity_get_type (void) G_GNUC_CONST;

#define SY_TYPE_RUN_PANEL (sy_run_panel_get_type ())
G_DECLARE_FINAL_TYPE (SyRunPanel, sy_run_panel, SY, RUN_PANEL, AdwBin)

/* One mapping's runs (issue 12): the current run on top (start, pause,
 * stop, its progress and result), its failed records with a detail pane,
 * and the runs before it. Runs go on while the panel is out of sight.
 * Properties: "mapping-file" (GFile, construct-only), "activity"
 * (SyRunPanelActivity, notified on change).
 * Actions (runs.*) and their keys: start Ctrl+Return, start-full,
 * dry-run, pause Ctrl+P, resume Ctrl+P, stop Ctrl+. (asks: after this
 * batch, or now), retry-failed Ctrl+R, export Ctrl+E, reconnect
 * Shift+Ctrl+U, show-failures, show-history, done. */
SyRunPanel *sy_run_panel_new               (SyApplication *application,
                                            GFile         *mapping_file);
GFile      *sy_run_panel_get_mapping_file  (SyRunPanel    *self);
SyRunPanelActivity sy_run_panel_get_activity (SyRunPanel  *self);

/* Shows that run (its failed records), at once or once the history lists it. */
void        sy_run_panel_reveal_run        (SyRunPanel    *self,
                                            gint64         run_id);

/* Stops the run after its batch in flight (what closing the window asks
 * for); a run still being planned or prepared is cancelled. */
void        sy_run_panel_stop_after_batch  (SyRunPanel    *self);

G_END_DECLS
