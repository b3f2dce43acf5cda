/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-add-connection-dialog.h"
#include "sy-application.h"
#include "sy-connection-page.h"

G_BEGIN_DECLS

#define SY_TYPE_WINDOW (sy_window_get_type ())
G_DECLARE_FINAL_TYPE (SyWindow, sy_window, SY, WINDOW, AdwApplicationWindow)

/* The main window: connections in a sidebar, the selected one's page (or an
 * empty state) beside it, toasts, and a banner when there is no keyring. */
SyWindow              *sy_window_new                         (SyApplication *application);

void                   sy_window_select_connection           (SyWindow      *self,
                                                              SyConnection  *connection);
SyConnection          *sy_window_get_selected_connection     (SyWindow      *self);
SyConnectionPage      *sy_window_get_connection_page         (SyWindow      *self);
GtkListBox            *sy_window_get_connection_list         (SyWindow      *self);
/* "empty", "starting", "demo-failed" or "connection". */
const char            *sy_window_get_visible_content         (SyWindow      *self);
/* The banner's text while it is shown, else NULL. */
const char            *sy_window_get_banner_text             (SyWindow      *self);

/* Opens the Add Connection dialog (win.add-connection) and returns it. */
SyAddConnectionDialog *sy_window_open_add_connection_dialog  (SyWindow      *self);
/* Opens the Update Token dialog for the selected connection
 * (win.update-token) and returns it, or NULL when none is selected. */
SyAddConnectionDialog *sy_window_open_update_token_dialog    (SyWindow      *self);
/* Asks whether to remove the selected connection (win.remove-connection)
 * and returns the question, or NULL when nothing is selected. */
AdwMessageDialog      *sy_window_ask_remove_connection       (SyWindow      *self);

void                   sy_window_add_toast                   (SyWindow      *self,
                                                              const char    *title);
/* The title of the last toast shown, or NULL. */
const char            *sy_window_get_last_toast              (SyWindow      *self);

/* Called by the application around the demo's start. */
void                   sy_window_demo_starting               (SyWindow      *self);
void                   sy_window_demo_ready                  (SyWindow      *self,
                                                              SyDemo        *demo,
                                                              const GError  *error);

G_END_DECLS
