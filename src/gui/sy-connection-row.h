/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-certificate.h"
#include "sy-connection.h"
#include "sy-token-keeper.h"

G_BEGIN_DECLS

#define SY_TYPE_CONNECTION_ROW (sy_connection_row_get_type ())
G_DECLARE_FINAL_TYPE (SyConnectionRow, sy_connection_row, SY, CONNECTION_ROW, GtkListBoxRow)

/* A connection in the sidebar: its name, platform and address, and an icon
 * for its status that follows the connection as it changes. */
GtkWidget     *sy_connection_row_new                     (SyConnection       *connection);
SyConnection  *sy_connection_row_get_connection          (SyConnectionRow    *self);

/* The connection's certificate (NULL: none): the row warns under the
 * address when it runs out within SY_CERTIFICATE_WARNING_DAYS, has run
 * out or is not valid yet. */
void           sy_connection_row_set_certificate         (SyConnectionRow    *self,
                                                          SyCertificate      *certificate);

/* A Link connection's keeper: the row warns when the sign-in runs out
 * within a day. */
void           sy_connection_row_set_token_keeper        (SyConnectionRow    *self,
                                                          SyTokenKeeper      *keeper);
/* The platform's sync_status as last reported: "error" and "fail" warn. */
void           sy_connection_row_set_sync_status         (SyConnectionRow    *self,
                                                          const char         *sync_status);

/* The status in words, as screen readers announce it. */
const char    *sy_connection_status_describe             (SyConnectionStatus  status);
/* The connection's status message as the GUI shows it (worded for how
 * the connection signs in), or NULL. */
char          *sy_connection_describe_status_message     (SyConnection       *connection);
/* The status icon and its style class ("success", "warning", "error");
 * NULL for a status still being checked. */
const char    *sy_connection_status_get_icon_name        (SyConnectionStatus   status,
                                                          const char         **style_class);

G_END_DECLS
