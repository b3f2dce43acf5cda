/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sy-cli-command.h"
#include "sy-connection.h"

G_BEGIN_DECLS

/* What the "connection" commands share across their files. */

/* The CLI's documented JSON of a connection (id, name, base_url,
 * platform, domain). */
JsonNode *sy_cli_connection_to_json   (SyConnection   *connection);

/* Link sign-in and the admin flow (sy-cli-connection-link.c). */
int       sy_cli_connection_link      (SyCliContext   *context,
                                       char         ***args);
int       sy_cli_connection_create    (SyCliContext   *context,
                                       char         ***args);
int       sy_cli_connection_providers (SyCliContext   *context,
                                       char         ***args);

G_END_DECLS
