/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "sy-cli-command.h"
#include "sy-file.h"
#include "sy-json.h"
#include "sy-error.h"

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

void
sy_cli_mapping_file_clear (SyCliMappingFile *checked)
{
  g_clear_pointer (&checked->path, g_free);
  g_clear_pointer (&checked->text, g_free);
  g_clear_object (&checked->mapping);
  g_clear_pointer (&checked->warnings, g_ptr_array_unref);
}

/* Where each member of the file's objects ends, to point at the place of a
 * problem found after parsing (an entity the catalogue lacks, a connection
 * that is gone): JsonParser only knows its line while it parses. */
typedef struct
{
  GHashTable *lines;   /* "<object address>/<member>" → line */
} MemberLines;

static char *
member_lines_key (JsonObject *object,
                  const char *member)
{
  return g_strdup_printf ("%p/%s", (void *) object, member);
}

static void
record_member_line (JsonParser *parser,
                    JsonObject *object,
                    const char *member,
                    gpointer    user_data)
{
  MemberLines *member_lines = user_data;

  g_hash_table_insert (member_lines->lines, member_lines_key (object, member),
                       GUINT_TO_POINTER (json_parser_get_current_line (parser)));
}

/* The line of section.member (e.g. source.entity) in a mapping file's
 * text, or 0 when the text does not have it. */
static guint
find_member_line (const char *text,
                  gsize       length,
                  const char *section,
                  const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GHashTable) lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *key = NULL;
  MemberLines member_lines = { lines };
  JsonNode *root;
  JsonObject *object;

  g_signal_connect (parser, "object-member", G_CALLBACK (record_member_line), &member_lines);
  if (!sy_json_parser_load (parser, text, (gssize) length, NULL))
    return 0;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return 0;
  object = json_node_get_object (root);
  if (!json_object_has_member (object, section) ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, section)))
    return 0;
  object = json_object_get_object_member (object, section);

  key = member_lines_key (object, member);
  return GPOINTER_TO_UINT (g_hash_table_lookup (lines, key));
}

/* Prints "FILE:LINE: message" (or "FILE: message") as one line and
 * returns the usage exit code: everything here is the file's fault. */
static int
report_file_problem (SyCliMappingFile *checked,
                     const char       *section,
                     const char       *member,
                     const char       *message)
{
  guint line = section != NULL
               ? find_member_line (checked->text, checked->length, section, member)
               : 0;
  g_autofree char *one_line = g_strdup (message);

  g_strdelimit (one_line, "\r\n", ' ');
  if (line > 0)
    sy_cli_printerr ("%s:%u: %s", checked->path, line, one_line);
  else
    sy_cli_printerr ("%s: %s", checked->path, one_line);

  return SY_CLI_EXIT_USAGE;
}

/* A target field's path as the catalogue spells it: "lines[].quantity". */
static void
collect_unknown_targets (GListModel  *rules,
                         const char  *prefix,
                         SyCatalogue *catalogue,
                         const char  *entity,
                         GPtrArray   *warnings)
{
  for (guint i = 0; i < g_list_model_get_n_items (rules); i++)
    {
      g_autoptr(SyMappingRule) rule = g_list_model_get_item (rules, i);
      GListModel *children = sy_mapping_rule_get_children (rule);
      g_autofree char *path = g_strconcat (prefix, sy_mapping_rule_get_target (rule), NULL);

      if (sy_catalogue_lookup_field (catalogue, entity, path) == NULL)
        g_ptr_array_add (warnings,
                         g_strdup_printf (_("“%s” is not a field of %s in the catalogue; it is sent as a custom field"),
                                          path, entity));

      if (children != NULL)
        {
          g_autofree char *child_prefix = g_strconcat (path, "[].", NULL);

          collect_unknown_targets (children, child_prefix, catalogue, entity, warnings);
        }
    }
}

static int
check_connection (SyCliContext     *context,
                  SyCliMappingFile *checked,
                  const char       *section,
                  const char       *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *message = NULL;
  SyConnectionStore *store = sy_cli_context_get_connections (context, &error);

  if (store == NULL)
    return sy_cli_report_error (error, NULL);
  if (sy_connection_store_find_by_name (store, name) != NULL)
    return SY_CLI_EXIT_OK;

  quoted = sy_cli_quote_for_shell (name);
  if (g_str_equal (section, "source"))
    message = g_strdup_printf (_("the source connection “%s” does not exist: add it with “%s connection add %s --url URL --token-stdin”"),
                               name, g_get_prgname (), quoted);
  else
    message = g_strdup_printf (_("the target connection “%s” does not exist: add it with “%s connection add %s --url URL --token-stdin”"),
                               name, g_get_prgname (), quoted);

  return report_file_problem (checked, section, "connection", message);
}

/* Loads the file and makes every check of `mapping check`: the file (its
 * JSON and docs/architecture.md §5), the entities against the catalogue and the
 * connections against the store. Reports the first failure and returns
 * its exit code; the file is only ever read. */
int
sy_cli_load_mapping_file (SyCliContext     *context,
                          const char       *path,
                          SyCliMappingFile *checked)
{
  g_autoptr(GError) error = NULL;
  int exit_code;

  checked->path = g_strdup (path);
  checked->warnings = g_ptr_array_new_with_free_func (g_free);

  /* What sy_mapping_load_file() does, keeping the text: problems found
   * after parsing are pointed at in the very bytes that were parsed. */
  if (!sy_file_load_regular (path, SY_FILE_MAX_CONFIG_SIZE, &checked->text, &checked->length, &error))
    return sy_cli_report_error (error, NULL);

  checked->mapping = sy_mapping_new_from_data (checked->text, (gssize) checked->length, path, &error);
  if (checked->mapping == NULL)
    {
      /* The message already reads "FILE:LINE: reason". */
      if (error->domain == SY_MAPPING_ERROR)
        {
          g_autofree char *one_line = sy_cli_describe_error (error);

          sy_cli_printerr ("%s", one_line);
          return SY_CLI_EXIT_USAGE;
        }
      return sy_cli_report_error (error, NULL);
    }

  checked->catalogue = sy_catalogue_get_default ();
  if (!sy_mapping_validate (checked->mapping, checked->catalogue, &error))
    {
      const char *section = NULL;

      if (sy_mapping_error_get_line (error) > 0 || g_str_has_prefix (error->message, path))
        {
          g_autofree char *one_line = sy_cli_describe_error (error);

          sy_cli_printerr ("%s", one_line);
          return SY_CLI_EXIT_USAGE;
        }

      /* Point at the entity the catalogue lacks. */
      if (!sy_catalogue_has_entity (checked->catalogue, sy_mapping_get_source_entity (checked->mapping)))
        section = "source";
      else if (!sy_catalogue_has_entity (checked->catalogue, sy_mapping_get_target_entity (checked->mapping)))
        section = "target";

      return report_file_problem (checked, section, "entity", error->message);
    }

  if ((exit_code = check_connection (context, checked, "source",
                                     sy_mapping_get_source_connection (checked->mapping))) != SY_CLI_EXIT_OK)
    return exit_code;
  if ((exit_code = check_connection (context, checked, "target",
                                     sy_mapping_get_target_connection (checked->mapping))) != SY_CLI_EXIT_OK)
    return exit_code;

  collect_unknown_targets (sy_mapping_get_rules (checked->mapping), "", checked->catalogue,
                           sy_mapping_get_target_entity (checked->mapping), checked->warnings);

  return SY_CLI_EXIT_OK;
}
