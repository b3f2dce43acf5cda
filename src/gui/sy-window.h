/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-add-connection-dialog.h"
#include "sy-application.h"
#include "sy-connection-page.h"
#include "sy-demo.h"
#include "sy-mapping-page.h"

G_BEGIN_DECLS

#define SY_TYPE_WINDOW (sy_window_get_type ())
G_DECLARE_FINAL_TYPE (SyWindow, sy_window, SY, WINDOW, AdwApplicationWindow)

/* The main window: connections in a sidebar, the selected one's page (or an
 * empty state) beside it, toasts, and a banner when there is no keyring. */
SyWindow              *sy_window_new                         (SyApplication *application);

/* Called by the application around the demo's start. */
void                   sy_window_demo_starting               (SyWindow      *self);
void                   sy_window_demo_ready                  (SyWindow      *self,
                                                              SyDemo        *demo,
                                                              const GError  *error);

/* The mapping in file in the content pane, on view "mapping" or "runs"
 * (NULL: as it was): what app.edit-mapping and app.run-mapping show. */
void                   sy_window_show_mapping                (SyWindow      *self,
                                                              GFile         *file,
                                                              const char    *view);
/* A new mapping in the content pane (app.new-mapping). */
void                   sy_window_new_mapping                 (SyWindow      *self);
SyMappingPage         *sy_window_get_mapping_page            (SyWindow      *self);

G_END_DECLS
