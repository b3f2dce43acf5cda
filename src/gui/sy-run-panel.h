/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-application.h"

G_BEGIN_DECLS

typedef enum
{
  SY_RUN_PANEL_IDLE,
  SY_RUN_PANEL_RUNNING,
  SY_RUN_PANEL_PAUSED,
  SY_RUN_PANEL_STOPPING,
} SyRunPanelActivity;

#define SY_TYPE_RUN_PANEL_ACTIVITY (sy_run_panel_activity_get_type ())
GType sy_run_panel_activity_get_type (void) G_GNUC_CONST;

#define SY_TYPE_RUN_PANEL (sy_run_panel_get_type ())
G_DECLARE_FINAL_TYPE (SyRunPanel, sy_run_panel, SY, RUN_PANEL, AdwBin)

SyRunPanel *sy_run_panel_new              (SyApplication *application,
                                           GFile         *mapping_file);
GFile      *sy_run_panel_get_mapping_file (SyRunPanel    *self);
void        sy_run_panel_reveal_run       (SyRunPanel    *self,
                                           gint64         run_id);

G_END_DECLS
