/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sy-cli-context.h"
#include "sy-private-key.h"
#include "sy-state-store.h"

G_BEGIN_DECLS

/* What the `cert` and `netsuite` groups share. */

/* The state database of --state-dir. */
SyStateStore *sy_cli_cert_open_state_store     (SyCliContext  *context,
                                                GError       **error);

/* A connection's private key from the keyring. A missing one is
 * SY_SECRET_ERROR_NOT_FOUND with a message that says how to add one. */
SyPrivateKey *sy_cli_cert_lookup_connection_key (SyCliContext  *context,
                                                 SyConnection  *connection,
                                                 GError       **error);

G_END_DECLS
