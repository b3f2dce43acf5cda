/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-certificate-page.h"
#include "sy-connection.h"
#include "sy-secret-store.h"

G_BEGIN_DECLS

#define SY_TYPE_CONNECTION_PAGE (sy_connection_page_get_type ())
G_DECLARE_FINAL_TYPE (SyConnectionPage, sy_connection_page, SY, CONNECTION_PAGE, AdwBin)

/* One connection: its status beside the action that mends it, its details
 * with a Remove button at their end (connection.remove: asks, naming the
 * mappings that use it, then removes it with an Undo in a toast of the
 * window's AdwToastOverlay; "removal-toast" is that toast while it is
 * offered), its records, certificate (NetSuite) and webhooks. */
GtkWidget       *sy_connection_page_new                (void);

void             sy_connection_page_set_secret_store   (SyConnectionPage *self,
                                                        SySecretStore    *secrets);
void             sy_connection_page_set_connection     (SyConnectionPage *self,
                                                        SyConnection     *connection);
SyConnection    *sy_connection_page_get_connection     (SyConnectionPage *self);
/* The Certificate tab: it shows the certificate of this page's connection. */
SyCertificatePage *sy_connection_page_get_certificate_page (SyConnectionPage *self);

/* Shows this entity (e.g. "wms/sales-orders") as soon as the connection's
 * token has been looked up. */
void             sy_connection_page_set_entity         (SyConnectionPage *self,
                                                        const char       *entity);
/* Looks the token up again and reloads the records. */
void             sy_connection_page_reload             (SyConnectionPage *self);
/* The platform's own sync state as it last said ("done", "error"…: the
 * "sync-status" property), or NULL; and in words. */
const char      *sy_connection_page_get_sync_status    (SyConnectionPage *self);
const char      *sy_connection_page_describe_sync_status (const char     *sync_status);
/* Tests the connection and updates its status. */
void             sy_connection_page_test               (SyConnectionPage *self);
/* Whether a connection to platform (NULL: not known yet) has a
 * Certificate tab: only NetSuite signs in with one. */
gboolean         sy_connection_page_platform_uses_certificate (const char *platform);
/* Deletes now the secrets of every removal whose Undo is still offered,
 * and returns once the keyring has answered: for the application's
 * shutdown, where no toast will time out any more. */
void             sy_connection_page_finish_pending_removals (void);

G_END_DECLS
