/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-window.h"

G_BEGIN_DECLS

/* The window's state and what its actions do, for the window itself and
 * for tests; the application goes through the win.* actions. */

void                   sy_window_select_connection           (SyWindow      *self,
                                                              SyConnection  *connection);
SyConnection          *sy_window_get_selected_connection     (SyWindow      *self);
/* The banner's text while it is shown, else NULL. */
const char            *sy_window_get_banner_text             (SyWindow      *self);
/* Opens the Add Connection dialog (win.add-connection) and returns it. */
SyAddConnectionDialog *sy_window_open_add_connection_dialog  (SyWindow      *self);
/* Opens the Update Token dialog for the selected connection
 * (win.update-token; Reconnect for one signed in with Link) and returns
 * it, or NULL when none is selected. */
SyAddConnectionDialog *sy_window_open_update_token_dialog    (SyWindow      *self);
/* Opens the Reconnect dialog for the selected connection
 * (win.reconnect-connection; the Update Token dialog for a pasted token)
 * and returns it, or NULL when none is selected. */
SyAddConnectionDialog *sy_window_open_reconnect_dialog       (SyWindow      *self);
/* Deletes the mapping in file with a toast that offers Undo for 10 s;
 * refused while it is syncing. */
gboolean               sy_window_delete_mapping              (SyWindow      *self,
                                                              GFile         *file,
                                                              GError       **error);
void                   sy_window_add_toast                   (SyWindow      *self,
                                                              const char    *title);
/* The title of the last toast shown, or NULL. */
const char            *sy_window_get_last_toast              (SyWindow      *self);

G_END_DECLS
