/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sy-catalogue.h"
#include "sy-cli-context.h"
#include "sy-mapping.h"

G_BEGIN_DECLS

/* A command of a group, e.g. "add" in "connection add". args is a
 * NULL-terminated, g_strdupv()-allocated vector whose first element is
 * the program name and which no longer holds the group and command names,
 * ready for sy_cli_parse_command(). */
typedef int (*SyCliCommandFunc) (SyCliContext  *context,
                                 char        ***args);

typedef struct
{
  const char       *name;
  const char       *summary;   /* N_() */
  SyCliCommandFunc  run;
} SyCliCommand;

/* Runs args[0] (the group name) args[1] (a command of commands, ended by
 * an entry with a NULL name) ...; handles "GROUP --help" and usage errors. */
int      sy_cli_run_group     (SyCliContext        *context,
                               const char          *group,
                               const char          *summary,
                               const SyCliCommand  *commands,
                               char               **args);

/* Parses a command's options and the global ones, which may come anywhere.
 * parameter_string is the usage after the program name, e.g.
 * "connection test NAME"; summary is translated. Afterwards (*args)[1..]
 * are the positional arguments, of which there must be between
 * min_positional and max_positional (-1: any number). Returns FALSE with
 * *exit_code set when the command must end now: after --help (0, help on
 * stdout) or a usage error (2, reported on stderr). */
gboolean sy_cli_parse_command (SyCliContext        *context,
                               char              ***args,
                               const char          *parameter_string,
                               const char          *summary,
                               const GOptionEntry  *entries,
                               int                  min_positional,
                               int                  max_positional,
                               int                 *exit_code);

/* Removes the value from an unknown-option error ("--token=VALUE"). */
void     sy_cli_forget_option_value (GError            *error);

/* Parses a positive count for options such as --limit; reports a usage
 * error naming option_name on failure. */
gboolean sy_cli_parse_count   (const char          *option_name,
                               const char          *value,
                               guint64              max,
                               guint64             *out);

/* A mapping file that loaded and passed every check `mapping check` makes,
 * with what a report needs. */
typedef struct
{
  char        *path;
  char        *text;
  gsize        length;
  SyMapping   *mapping;
  SyCatalogue *catalogue;   /* not owned: the default one */
  GPtrArray   *warnings;
} SyCliMappingFile;

void     sy_cli_mapping_file_clear (SyCliMappingFile *checked);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SyCliMappingFile, sy_cli_mapping_file_clear)

/* Loads a mapping file and makes every check of `mapping check` (and of
 * the commands that use a mapping: preview, sync run): the file (its JSON
 * and docs/architecture.md §5), the entities against the catalogue and the
 * connections against the store. Reports the first failure on stderr
 * ("FILE:LINE: reason") and returns its exit code; the file is only ever
 * read. */
int      sy_cli_load_mapping_file  (SyCliContext      *context,
                                    const char        *path,
                                    SyCliMappingFile  *checked);

G_END_DECLS
