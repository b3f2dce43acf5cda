/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib/gi18n.h>

#include "sy-cli-command.h"

G_BEGIN_DECLS

/* The command groups of switchyard-cli, in the order --help lists them.
 * Adding a group is one line here (and its file in meson.build): a file
 * sy-cli-<group>.c defining int sy_cli_<group>_run (SyCliContext *, char **)
 * that usually calls sy_cli_run_group(). args[0] is the group's name. */
#define SY_CLI_FOR_EACH_GROUP(GROUP) \
  GROUP ("connection", sy_cli_connection_run, N_("Add, list, test and remove connections")) \
  GROUP ("records",    sy_cli_records_run,    N_("Read records from a connection")) \
  GROUP ("mapping",    sy_cli_mapping_run,    N_("Check and preview field mappings")) \
  GROUP ("sync",       sy_cli_sync_run,       N_("Sync records from a source into a target")) \
  GROUP ("cert",       sy_cli_cert_run,       N_("Generate, import, show and export certificates")) \
  GROUP ("netsuite",   sy_cli_netsuite_run,   N_("Test NetSuite's certificate login")) \
  GROUP ("serve",      sy_cli_serve_run,      N_("Run mappings on their schedules and on changes, until stopped")) \
  GROUP ("webhook",    sy_cli_webhook_run,    N_("Check signatures, keep secrets and receive webhook deliveries"))

#define SY_CLI_DECLARE_GROUP(name, run, summary) \
  int run (SyCliContext *context, char **args);
SY_CLI_FOR_EACH_GROUP (SY_CLI_DECLARE_GROUP)
#undef SY_CLI_DECLARE_GROUP

G_END_DECLS
