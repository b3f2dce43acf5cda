/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "sy-catalogue.h"
#include "sy-cli-groups.h"
#include "sy-error.h"
#include "sy-mapping.h"
#include "sy-page-iterator.h"

#define DEFAULT_SAMPLES 5
#define MAX_SAMPLES 100

static JsonArray *
strv_to_json (const char * const *strv)
{
  JsonArray *array = json_array_new ();

  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);
  return array;
}

static JsonArray *
warnings_to_json (GPtrArray *warnings)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < warnings->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (warnings, i));
  return array;
}

static JsonObject *
coverage_to_json (SyMappingCoverage *coverage)
{
  JsonObject *object = json_object_new ();

  json_object_set_array_member (object, "required_unmapped",
                                strv_to_json ((const char * const *) coverage->required_unmapped));
  json_object_set_array_member (object, "common_unmapped",
                                strv_to_json ((const char * const *) coverage->common_unmapped));
  json_object_set_array_member (object, "source_unused",
                                strv_to_json ((const char * const *) coverage->source_unused));
  return object;
}

static JsonObject *
endpoint_to_json (const char *connection,
                  const char *entity)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "connection", connection);
  json_object_set_string_member (object, "entity", entity);
  return object;
}

static void
print_coverage (SyMappingCoverage *coverage,
                gboolean           with_samples)
{
  guint required = coverage->required_unmapped != NULL ? g_strv_length (coverage->required_unmapped) : 0;
  guint common = coverage->common_unmapped != NULL ? g_strv_length (coverage->common_unmapped) : 0;
  guint unused = coverage->source_unused != NULL ? g_strv_length (coverage->source_unused) : 0;

  if (required > 0)
    {
      g_autofree char *names = g_strjoinv (", ", coverage->required_unmapped);

      g_print (g_dngettext (GETTEXT_PACKAGE, "  ✗ %u required field unmapped: %s\n",
                            "  ✗ %u required fields unmapped: %s\n", required),
               required, names);
    }
  if (common > 0)
    {
      g_autofree char *names = g_strjoinv (", ", coverage->common_unmapped);

      g_print (g_dngettext (GETTEXT_PACKAGE, "  %u commonly needed field unmapped: %s\n",
                            "  %u commonly needed fields unmapped: %s\n", common),
               common, names);
    }
  if (required == 0 && common == 0)
    g_print ("  %s\n", _("Every required and commonly needed field is mapped."));
  if (with_samples && unused > 0)
    {
      g_autofree char *names = g_strjoinv (", ", coverage->source_unused);

      g_print (g_dngettext (GETTEXT_PACKAGE, "  %u source field unused: %s\n",
                            "  %u source fields unused: %s\n", unused),
               unused, names);
    }
}

static int
mapping_check (SyCliContext   *context,
               char         ***args)
{
  g_auto(SyCliMappingFile) checked = { 0 };
  g_autoptr(SyMappingCoverage) coverage = NULL;
  g_autoptr(JsonArray) no_samples = json_array_new ();
  SyMapping *mapping;
  guint n_rules;
  int exit_code = SY_CLI_EXIT_OK;

  if (!sy_cli_parse_command (context, args, "mapping check FILE",
                             _("Checks a mapping file: its format, its entities against the catalogue of the "
                               "unified model and its connections against the configured ones, then sums it up. "
                               "Target fields the catalogue does not know are custom fields: a warning, not an "
                               "error. The file is only read.\n\n"
                               "Exit status: 0 when the mapping can be used (even with warnings); 2 when it "
                               "cannot, with the place (FILE:LINE) and the reason on standard error."),
                             NULL, 1, 1, &exit_code))
    return exit_code;

  if ((exit_code = sy_cli_load_mapping_file (context, (*args)[1], &checked)) != SY_CLI_EXIT_OK)
    return exit_code;

  mapping = checked.mapping;
  coverage = sy_mapping_get_coverage (mapping, checked.catalogue, no_samples);
  n_rules = g_list_model_get_n_items (sy_mapping_get_rules (mapping));

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonObject) object = json_object_new ();
      JsonObject *match = json_object_new ();

      json_object_set_boolean_member (object, "valid", TRUE);
      json_object_set_string_member (object, "name", sy_mapping_get_name (mapping));
      json_object_set_object_member (object, "source",
                                     endpoint_to_json (sy_mapping_get_source_connection (mapping),
                                                       sy_mapping_get_source_entity (mapping)));
      json_object_set_object_member (object, "target",
                                     endpoint_to_json (sy_mapping_get_target_connection (mapping),
                                                       sy_mapping_get_target_entity (mapping)));
      json_object_set_string_member (match, "source", sy_mapping_get_match_source (mapping));
      json_object_set_string_member (match, "target", sy_mapping_get_match_target (mapping));
      json_object_set_object_member (object, "match", match);
      json_object_set_int_member (object, "rules", n_rules);
      json_object_set_array_member (object, "warnings", warnings_to_json (checked.warnings));
      json_object_set_object_member (object, "coverage", coverage_to_json (coverage));
      json_node_set_object (root, object);
      sy_cli_print_json (root, FALSE);
      return SY_CLI_EXIT_OK;
    }

  g_print (_("%s: valid\n"), checked.path);
  g_print (_("  Name:   %s\n"), sy_mapping_get_name (mapping) != NULL ? sy_mapping_get_name (mapping) : "");
  g_print (_("  From:   %s %s\n"), sy_mapping_get_source_connection (mapping),
           sy_mapping_get_source_entity (mapping));
  g_print (_("  To:     %s %s\n"), sy_mapping_get_target_connection (mapping),
           sy_mapping_get_target_entity (mapping));
  g_print (_("  Match:  source %s = target %s\n"), sy_mapping_get_match_source (mapping),
           sy_mapping_get_match_target (mapping));
  g_print (g_dngettext (GETTEXT_PACKAGE, "  %u rule\n", "  %u rules\n", n_rules), n_rules);
  print_coverage (coverage, FALSE);
  for (guint i = 0; i < checked.warnings->len; i++)
    g_print (_("  Warning: %s\n"), (const char *) g_ptr_array_index (checked.warnings, i));

  return SY_CLI_EXIT_OK;
}

/* A record's key for a heading, on one line whatever the server sent. */
static char *
describe_key (JsonObject *record)
{
  JsonNode *node = record != NULL && json_object_has_member (record, "key")
                   ? json_object_get_member (record, "key")
                   : NULL;
  char *text;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return g_strdup (_("(no key)"));
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    text = g_strdup (json_node_get_string (node));
  else
    text = json_to_string (node, FALSE);

  for (char *p = text; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      *p = ' ';
  return text;
}

static char *
one_line_text (const char *text)
{
  char *copy = g_strdup (text != NULL ? text : "");

  for (char *p = copy; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      *p = ' ';
  return copy;
}

static int
mapping_preview (SyCliContext   *context,
                 char         ***args)
{
  g_autofree char *sample_text = NULL;
  const GOptionEntry entries[] = {
    { "sample", 0, 0, G_OPTION_ARG_STRING, &sample_text,
      N_("Preview N records of the source, newest first (1 to 100, default 5)"), N_("N") },
    { NULL }
  };
  g_auto(SyCliMappingFile) checked = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(SyPageIterator) iterator = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonArray) samples = NULL;
  g_autoptr(JsonArray) sample_documents = json_array_new ();
  g_autoptr(SyMappingCoverage) coverage = NULL;
  SyConnection *connection;
  const char *source_name;
  guint64 n_samples = DEFAULT_SAMPLES;
  guint n_fetched;
  gboolean json;
  int exit_code = SY_CLI_EXIT_OK;

  if (!sy_cli_parse_command (context, args, "mapping preview FILE",
                             _("Checks a mapping file as “mapping check” does, reads sample records of its "
                               "source (the most recently updated first) and shows what the mapping makes of "
                               "each: the target payload and its problems, then the coverage. Nothing is "
                               "written anywhere.\n\n"
                               "Exit status: 0 when the preview ran, even when it shows problems (it is a "
                               "preview); 2 for a usage error or a mapping file or configuration that cannot "
                               "be used; 3 when the samples cannot be read (authentication, network, server "
                               "errors)."),
                             entries, 1, 1, &exit_code))
    return exit_code;

  if (sample_text != NULL &&
      !sy_cli_parse_count ("--sample", sample_text, MAX_SAMPLES, &n_samples))
    return SY_CLI_EXIT_USAGE;

  if ((exit_code = sy_cli_load_mapping_file (context, (*args)[1], &checked)) != SY_CLI_EXIT_OK)
    return exit_code;

  source_name = sy_mapping_get_source_connection (checked.mapping);
  connection = sy_cli_context_find_connection (context, source_name, &error);
  if (connection == NULL)
    return sy_cli_report_error (error, NULL);
  client = sy_cli_context_create_client (context, connection, &error);
  if (client == NULL)
    return sy_cli_report_error (error, NULL);

  /* One page of the newest records: what a user has just been working
   * on is what they know how it should look in the target. */
  iterator = sy_page_iterator_new (client, sy_mapping_get_source_entity (checked.mapping),
                                   (guint) n_samples);
  sy_page_iterator_set_sort (iterator, "updatedAt", TRUE);
  sy_page_iterator_next_async (iterator, sy_cli_context_get_cancellable (context),
                               sy_cli_store_result, &result);
  sy_cli_await (&result);
  samples = sy_page_iterator_next_finish (iterator, result, &error);
  if (samples == NULL && error == NULL)
    samples = json_array_new ();
  if (samples == NULL)
    {
      if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_NOT_FOUND))
        {
          g_autofree char *reason = sy_cli_describe_error (error);

          sy_cli_printerr (_("“%s” has no entity “%s” (%s)"), source_name,
                           sy_mapping_get_source_entity (checked.mapping), reason);
          return SY_CLI_EXIT_USAGE;
        }
      return sy_cli_report_error (error, _("Could not read sample records"));
    }

  /* A server may ignore per_page: never preview more than asked for. */
  n_fetched = MIN (json_array_get_length (samples), (guint) n_samples);
  while (json_array_get_length (samples) > n_fetched)
    json_array_remove_element (samples, n_fetched);

  json = sy_cli_context_get_json (context);
  if (!json)
    {
      g_print (_("%s: %s %s → %s %s\n"), checked.path,
               source_name, sy_mapping_get_source_entity (checked.mapping),
               sy_mapping_get_target_connection (checked.mapping),
               sy_mapping_get_target_entity (checked.mapping));
      for (guint i = 0; i < checked.warnings->len; i++)
        g_print (_("Warning: %s\n"), (const char *) g_ptr_array_index (checked.warnings, i));
      if (n_fetched == 0)
        g_print (_("The source has no records to preview.\n"));
    }

  for (guint i = 0; i < n_fetched; i++)
    {
      JsonNode *source_node = json_array_get_element (samples, i);
      JsonObject *record = JSON_NODE_HOLDS_OBJECT (source_node) ? json_node_get_object (source_node) : NULL;
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_mapping_problem_free);
      g_autoptr(JsonObject) empty = NULL;
      g_autoptr(JsonObject) payload = NULL;
      g_autoptr(JsonNode) payload_node = json_node_new (JSON_NODE_OBJECT);

      if (record == NULL)
        {
          /* Not a record: mapped as an empty one, so that its problems show. */
          empty = json_object_new ();
          record = empty;
        }
      payload = sy_mapping_apply (checked.mapping, record, checked.catalogue, problems);
      if (payload == NULL)
        payload = json_object_new ();
      json_node_set_object (payload_node, payload);

      if (json)
        {
          JsonObject *document = json_object_new ();
          JsonArray *problem_array = json_array_new ();

          json_object_set_member (document, "source", json_node_copy (source_node));
          json_object_set_member (document, "payload", json_node_copy (payload_node));
          for (guint p = 0; p < problems->len; p++)
            {
              SyMappingProblem *problem = g_ptr_array_index (problems, p);
              JsonObject *problem_object = json_object_new ();

              json_object_set_string_member (problem_object, "field", problem->field);
              json_object_set_string_member (problem_object, "message", problem->message);
              json_array_add_object_element (problem_array, problem_object);
            }
          json_object_set_array_member (document, "problems", problem_array);
          json_array_add_object_element (sample_documents, document);
        }
      else
        {
          g_autofree char *key = describe_key (record);
          g_autofree char *pretty = json_to_string (payload_node, TRUE);

          g_print (_("\nSample %u of %u: source record %s\n"), i + 1, n_fetched, key);
          /* JSON is UTF-8 whatever the locale, and escapes control characters. */
          fputs (pretty, stdout);
          fputc ('\n', stdout);
          for (guint p = 0; p < problems->len; p++)
            {
              SyMappingProblem *problem = g_ptr_array_index (problems, p);
              g_autofree char *field = one_line_text (problem->field);
              g_autofree char *message = one_line_text (problem->message);

              g_print ("✗ %s: %s\n", field, message);
            }
          if (problems->len == 0)
            g_print ("%s\n", _("✓ No problems"));
        }
    }

  coverage = sy_mapping_get_coverage (checked.mapping, checked.catalogue, samples);

  if (json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_array_member (object, "samples", json_array_ref (sample_documents));
      json_object_set_object_member (object, "coverage", coverage_to_json (coverage));
      json_node_set_object (root, object);
      sy_cli_print_json (root, FALSE);
    }
  else
    {
      g_print ("\n%s\n", _("Coverage:"));
      print_coverage (coverage, TRUE);
    }

  return SY_CLI_EXIT_OK;
}

static const SyCliCommand mapping_commands[] = {
  { "check", N_("Check a mapping file and sum it up"), mapping_check },
  { "preview", N_("Show what a mapping makes of sample records of its source"), mapping_preview },
  { NULL }
};

int
sy_cli_mapping_run (SyCliContext  *context,
                    char         **args)
{
  return sy_cli_run_group (context, "mapping", N_("Check and preview field mappings"),
                           mapping_commands, args);
}
