/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "sy-cli-command.h"

static gboolean
is_help_option (const char *arg)
{
  return g_str_equal (arg, "--help") || g_str_equal (arg, "-h") || g_str_equal (arg, "-?");
}

/* Global options that take a separate value, so that "connection
 * --config-dir DIR list" does not take DIR for the command. */
static gboolean
takes_separate_value (const char *arg)
{
  return g_str_equal (arg, "--config-dir") || g_str_equal (arg, "--state-dir");
}

static void
print_group_help (const char         *group,
                  const char         *summary,
                  const SyCliCommand *commands,
                  FILE               *stream)
{
  g_autoptr(GString) help = g_string_new (NULL);
  int width = 0;

  for (const SyCliCommand *command = commands; command->name != NULL; command++)
    width = MAX (width, (int) strlen (command->name));

  g_string_append_printf (help, _("Usage:\n  %s %s COMMAND [OPTION…]\n\n"),
                          g_get_prgname (), group);
  g_string_append_printf (help, "%s\n\n", _(summary));
  g_string_append (help, _("Commands:\n"));
  for (const SyCliCommand *command = commands; command->name != NULL; command++)
    g_string_append_printf (help, "  %-*s  %s\n", width, command->name, _(command->summary));
  g_string_append_printf (help, _("\nRun “%s %s COMMAND --help” for the options of a command.\n"),
                          g_get_prgname (), group);

  if (stream == stdout)
    g_print ("%s", help->str);
  else
    g_printerr ("%s", help->str);
}

int
sy_cli_run_group (SyCliContext        *context,
                  const char          *group,
                  const char          *summary,
                  const SyCliCommand  *commands,
                  char               **args)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) command_args = NULL;
  const SyCliCommand *command = NULL;
  int command_index = -1;

  /* args[0] is the group. Options may come before the command's name. */
  for (int i = 1; args[i] != NULL; i++)
    {
      if (g_str_equal (args[i], "--"))
        break;
      if (is_help_option (args[i]))
        {
          print_group_help (group, summary, commands, stdout);
          return SY_CLI_EXIT_OK;
        }
      if (takes_separate_value (args[i]) && args[i + 1] != NULL)
        {
          i++;
          continue;
        }
      if (args[i][0] != '-')
        {
          command_index = i;
          break;
        }
    }

  if (command_index < 0)
    {
      sy_cli_printerr (_("“%s” needs a command"), group);
      print_group_help (group, summary, commands, stderr);
      return SY_CLI_EXIT_USAGE;
    }

  if (g_str_equal (args[command_index], "help"))
    {
      print_group_help (group, summary, commands, stdout);
      return SY_CLI_EXIT_OK;
    }

  for (const SyCliCommand *candidate = commands; candidate->name != NULL; candidate++)
    if (g_str_equal (candidate->name, args[command_index]))
      command = candidate;

  if (command == NULL)
    {
      sy_cli_printerr (_("Unknown command “%s %s”; try “%s %s --help”"),
                       group, args[command_index], g_get_prgname (), group);
      return SY_CLI_EXIT_USAGE;
    }

  builder = g_strv_builder_new ();
  g_strv_builder_add (builder, g_get_prgname ());
  for (int i = 1; args[i] != NULL; i++)
    if (i != command_index)
      g_strv_builder_add (builder, args[i]);
  command_args = g_strv_builder_end (builder);

  return command->run (context, &command_args);
}

void
sy_cli_forget_option_value (GError *error)
{
  char *value;

  /* GLib quotes an unknown option whole: "--token=abc" must not end up on
   * stderr (and in logs) with its value. */
  if (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION) &&
      (value = strchr (error->message, '=')) != NULL)
    *value = '\0';
}

gboolean
sy_cli_parse_command (SyCliContext        *context,
                      char              ***args,
                      const char          *parameter_string,
                      const char          *summary,
                      const GOptionEntry  *entries,
                      int                  min_positional,
                      int                  max_positional,
                      int                 *exit_code)
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean help = FALSE;
  const GOptionEntry help_entries[] = {
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, N_("Show this help"), NULL },
    { NULL }
  };
  GOptionGroup *group;
  guint positional;

  option_context = g_option_context_new (parameter_string);
  g_option_context_set_summary (option_context, summary);
  /* --help is handled here rather than by GLib, which would exit(). */
  g_option_context_set_help_enabled (option_context, FALSE);
  group = sy_cli_context_create_option_group (context, entries);
  g_option_group_add_entries (group, help_entries);
  g_option_context_set_main_group (option_context, group);

  if (!g_option_context_parse_strv (option_context, args, &error))
    {
      sy_cli_forget_option_value (error);
      sy_cli_printerr (_("%s; try “%s %s --help”"), error->message,
                       g_get_prgname (), parameter_string);
      *exit_code = SY_CLI_EXIT_USAGE;
      return FALSE;
    }

  if (help)
    {
      g_autofree char *text = g_option_context_get_help (option_context, TRUE, NULL);

      g_print ("%s", text);
      *exit_code = SY_CLI_EXIT_OK;
      return FALSE;
    }

  positional = g_strv_length (*args) - 1;
  if ((int) positional < min_positional ||
      (max_positional >= 0 && (int) positional > max_positional))
    {
      if ((int) positional < min_positional)
        sy_cli_printerr (_("Missing arguments: usage is “%s %s”"),
                         g_get_prgname (), parameter_string);
      else
        sy_cli_printerr (_("Unexpected argument “%s”: usage is “%s %s”"),
                         (*args)[max_positional + 1], g_get_prgname (), parameter_string);
      *exit_code = SY_CLI_EXIT_USAGE;
      return FALSE;
    }

  return TRUE;
}

gboolean
sy_cli_parse_count (const char *option_name,
                    const char *value,
                    guint64     max,
                    guint64    *out)
{
  g_autoptr(GError) error = NULL;

  if (!g_ascii_string_to_unsigned (value, 10, 1, max, out, &error))
    {
      g_autofree char *max_text = g_strdup_printf ("%" G_GUINT64_FORMAT, max);

      sy_cli_printerr (_("%s wants a whole number from 1 to %s, not “%s”"),
                       option_name, max_text, value);
      return FALSE;
    }

  return TRUE;
}
