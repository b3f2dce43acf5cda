/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-application.h"
#include "sy-mapping-editor.h"
#include "sy-run-panel.h"

G_BEGIN_DECLS

/* One mapping in the main window's content pane: its rules and live
 * preview (the editor) and its runs, as two views of one page. Runs go on
 * when another mapping is shown: the page keeps one run panel per mapping
 * file for as long as the window lives. */
#define SY_TYPE_MAPPING_PAGE (sy_mapping_page_get_type ())
G_DECLARE_FINAL_TYPE (SyMappingPage, sy_mapping_page, SY, MAPPING_PAGE, AdwBin)

void             sy_mapping_page_set_application (SyMappingPage *self,
                                                  SyApplication *application);
/* Shows the mapping in file, asking first when the shown one has unsaved
 * changes; "file" says which one is shown once that is settled. */
void             sy_mapping_page_open            (SyMappingPage *self,
                                                  GFile         *file);
/* A new, unsaved mapping (after the same question). */
void             sy_mapping_page_new_mapping     (SyMappingPage *self);
/* "mapping" (rules and preview) or "runs". */
void             sy_mapping_page_show_view       (SyMappingPage *self,
                                                  const char    *name);
GFile           *sy_mapping_page_get_file        (SyMappingPage *self);
SyMappingEditor *sy_mapping_page_get_editor      (SyMappingPage *self);
/* The run panel of the mapping in file, made when first asked for. */
SyRunPanel      *sy_mapping_page_get_run_panel   (SyMappingPage *self,
                                                  GFile         *file);
/* What the run panel of the mapping in file is doing; idle when it has
 * none yet (no panel is made for asking). */
SyRunPanelActivity sy_mapping_page_get_run_activity (SyMappingPage *self,
                                                   GFile         *file);
/* How many of the page's run panels are running or paused. */
void             sy_mapping_page_count_runs      (SyMappingPage *self,
                                                  guint         *running,
                                                  guint         *paused);
gboolean         sy_mapping_page_has_unsaved_changes (SyMappingPage *self);
/* Asks every running or paused run to stop after its batch in flight. */
void             sy_mapping_page_stop_runs       (SyMappingPage *self);
/* Asks about unsaved changes, then calls back whether the page may go. */
void             sy_mapping_page_confirm_leave   (SyMappingPage *self,
                                                  void         (*callback) (SyMappingPage *page,
                                                                            gboolean       proceed,
                                                                            gpointer       user_data),
                                                  gpointer       user_data);

G_END_DECLS
