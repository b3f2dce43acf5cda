/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-add-connection-dialog.h"

G_BEGIN_DECLS

/* The "state" property. */
SyAddConnectionState   sy_add_connection_dialog_get_state  (SyAddConnectionDialog *self);
/* The error shown inline, or NULL. */
const char            *sy_add_connection_dialog_get_error  (SyAddConnectionDialog *self);

/* Its parts, for tests that type and click as a person would. */
GtkEditable           *sy_add_connection_dialog_get_name_entry  (SyAddConnectionDialog *self);
GtkEditable           *sy_add_connection_dialog_get_url_entry   (SyAddConnectionDialog *self);
GtkEditable           *sy_add_connection_dialog_get_token_entry (SyAddConnectionDialog *self);
AdwComboRow           *sy_add_connection_dialog_get_platform_row (SyAddConnectionDialog *self);
GtkWidget             *sy_add_connection_dialog_get_test_button (SyAddConnectionDialog *self);
GtkWidget             *sy_add_connection_dialog_get_add_button  (SyAddConnectionDialog *self);
/* Link */
gboolean               sy_add_connection_dialog_get_link_mode   (SyAddConnectionDialog *self);
void                   sy_add_connection_dialog_set_link_mode   (SyAddConnectionDialog *self,
                                                                 gboolean               link_mode);
GtkEditable           *sy_add_connection_dialog_get_client_id_entry     (SyAddConnectionDialog *self);
GtkEditable           *sy_add_connection_dialog_get_client_secret_entry (SyAddConnectionDialog *self);
/* The authorisation URL shown while waiting for the browser, or NULL. */
const char            *sy_add_connection_dialog_get_authorize_url (SyAddConnectionDialog *self);
/* Tests have no browser: they follow the link themselves. */
void                   sy_add_connection_dialog_set_open_browser (SyAddConnectionDialog *self,
                                                                  gboolean               open_browser);

G_END_DECLS
