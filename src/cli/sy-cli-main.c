/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>

#include "sy-cli-context.h"
#include "sy-cli-groups.h"
#include "sy-http-exchange.h"

typedef struct
{
  const char *name;
  int       (*run) (SyCliContext *context, char **args);
  const char *summary;
} SyCliGroup;

#define SY_CLI_GROUP_ENTRY(name, run, summary) { name, run, summary },
static const SyCliGroup groups[] = {
  SY_CLI_FOR_EACH_GROUP (SY_CLI_GROUP_ENTRY)
};
#undef SY_CLI_GROUP_ENTRY

static char *
describe_groups (void)
{
  GString *text = g_string_new (_("Commands:"));
  int width = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (groups); i++)
    width = MAX (width, (int) strlen (groups[i].name));
  for (gsize i = 0; i < G_N_ELEMENTS (groups); i++)
    g_string_append_printf (text, "\n  %-*s  %s", width, groups[i].name, _(groups[i].summary));
  g_string_append_printf (text, _("\n\nRun “%s COMMAND --help” for more about a command.\n"
                                  "Exit status: 0 success, 1 some records failed, 2 usage, input or "
                                  "configuration error, 3 connection or authentication error."),
                          g_get_prgname ());

  return g_string_free (text, FALSE);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  g_auto(GStrv) args = NULL;
  SyCliContext *context;
  gboolean help = FALSE;
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, N_("Show this help"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Show the version"), NULL },
    { NULL }
  };
  const SyCliGroup *group = NULL;
  const char *localedir;
  int status;

  /* Standard output carries run ids, CSV and JSON for other programs;
   * GLib sends debug and info lines there unless told otherwise, so
   * G_MESSAGES_DEBUG=all would corrupt it. */
  g_log_writer_default_set_use_stderr (TRUE);

  sy_http_exchange_configure_process ();
  setlocale (LC_ALL, "");
  /* The build tree keeps its catalogues outside LOCALEDIR; tests point
   * here so that a translation can be checked before it is installed. */
  localedir = g_getenv ("SWITCHYARD_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE,
                  localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("switchyard-cli");

  context = sy_cli_context_new ();
  args = g_strdupv (argv);

  option_context = g_option_context_new (_("COMMAND [ARGUMENT…]"));
  g_option_context_set_summary (option_context,
                                _("Connect systems and read their records from the command line. "
                                  "Tokens are read from standard input, never from arguments."));
  description = describe_groups ();
  g_option_context_set_description (option_context, description);
  /* Stop at the command: what follows belongs to it. */
  g_option_context_set_strict_posix (option_context, TRUE);
  g_option_context_set_help_enabled (option_context, FALSE);
  g_option_context_set_main_group (option_context,
                                   sy_cli_context_create_option_group (context, entries));

  if (!g_option_context_parse_strv (option_context, &args, &error))
    {
      sy_cli_forget_option_value (error);
      sy_cli_printerr (_("%s; try “%s --help”"), error->message, g_get_prgname ());
      status = SY_CLI_EXIT_USAGE;
      goto out;
    }

  if (version)
    {
      g_print ("%s %s\n", g_get_prgname (), PACKAGE_VERSION);
      status = SY_CLI_EXIT_OK;
      goto out;
    }

  if (help || (args[1] != NULL && g_str_equal (args[1], "help") && args[2] == NULL))
    {
      g_autofree char *text = g_option_context_get_help (option_context, TRUE, NULL);

      g_print ("%s", text);
      status = SY_CLI_EXIT_OK;
      goto out;
    }

  if (args[1] == NULL)
    {
      g_autofree char *text = g_option_context_get_help (option_context, TRUE, NULL);

      sy_cli_printerr (_("No command given"));
      g_printerr ("%s", text);
      status = SY_CLI_EXIT_USAGE;
      goto out;
    }

  /* "help GROUP" is "GROUP --help". */
  if (g_str_equal (args[1], "help"))
    {
      g_autofree char *group_name = g_strdup (args[2]);
      g_auto(GStrv) help_args = g_new0 (char *, 4);

      help_args[0] = g_strdup (args[0]);
      help_args[1] = g_steal_pointer (&group_name);
      help_args[2] = g_strdup ("--help");
      g_strfreev (args);
      args = g_steal_pointer (&help_args);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (groups); i++)
    if (g_str_equal (groups[i].name, args[1]))
      group = &groups[i];

  if (group == NULL)
    {
      sy_cli_printerr (_("Unknown command “%s”; try “%s --help”"), args[1], g_get_prgname ());
      status = SY_CLI_EXIT_USAGE;
      goto out;
    }

  status = group->run (context, args + 1);

out:
  sy_cli_context_free (context);
  /* A reader that stopped early (`| head`) is no error. */
  if ((fflush (stdout) != 0 || ferror (stdout)) && errno != EPIPE)
    {
      g_printerr ("%s: %s\n", g_get_prgname (), _("Could not write to standard output"));
      if (status == SY_CLI_EXIT_OK)
        status = SY_CLI_EXIT_USAGE;
    }
  return status;
}
