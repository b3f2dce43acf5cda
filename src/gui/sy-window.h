/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-add-connection-dialog.h"
#include "sy-application.h"
#include "sy-connection-page.h"
#include "sy-demo.h"

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

G_END_DECLS
