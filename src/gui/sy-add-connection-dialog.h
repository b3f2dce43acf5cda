/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-connection-store.h"
#include "sy-secret-store.h"

G_BEGIN_DECLS

typedef enum
{
  SY_ADD_CONNECTION_STATE_EDITING,  /* inputs not tested yet */
  SY_ADD_CONNECTION_STATE_TESTING,
  SY_ADD_CONNECTION_STATE_TESTED,   /* the test passed for the current inputs */
  SY_ADD_CONNECTION_STATE_FAILED,   /* the last test or add failed: see the error label */
  SY_ADD_CONNECTION_STATE_ADDING,
  SY_ADD_CONNECTION_STATE_ADDED,
  SY_ADD_CONNECTION_STATE_SIGNING_IN, /* Link: waiting for the browser's redirect */
} SyAddConnectionState;

#define SY_TYPE_ADD_CONNECTION_DIALOG (sy_add_connection_dialog_get_type ())
G_DECLARE_FINAL_TYPE (SyAddConnectionDialog, sy_add_connection_dialog, SY, ADD_CONNECTION_DIALOG, AdwWindow)

/* Asks for a name, a base URL, a platform and a token; tests the token
 * against the server, stores it in the keyring and adds the connection to
 * the store. Emits "connection-added" (SyConnection) and closes on success;
 * on failure it explains the problem inline and keeps what was typed. */
SyAddConnectionDialog *sy_add_connection_dialog_new        (GtkWindow             *parent,
                                                            SyConnectionStore     *connections,
                                                            SySecretStore         *secrets);

/* The same dialog, titled "Update Token", for a connection that exists:
 * its name is fixed, its address and platform can be changed and the
 * token is typed anew. On success it stores the token under the
 * connection's id, saves the connection store, emits "connection-updated"
 * (SyConnection) and closes. */
SyAddConnectionDialog *sy_add_connection_dialog_new_for_connection (GtkWindow         *parent,
                                                                    SyConnectionStore *connections,
                                                                    SySecretStore     *secrets,
                                                                    SyConnection      *connection);

/* Reconnect: for a connection signed in with Link, the dialog titled
 * "Reconnect" signs in again with the connection's client id and the
 * client secret from the keyring (asked for when the keyring has none),
 * and starts at once; the connection keeps its id. For a connection with
 * a pasted token it is the Update Token dialog. Emits
 * "connection-updated" and closes on success. */
SyAddConnectionDialog *sy_add_connection_dialog_new_for_reconnect (GtkWindow        *parent,
                                                                   SyConnectionStore *connections,
                                                                   SySecretStore     *secrets,
                                                                   SyConnection      *connection);

G_END_DECLS
