/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-fuzz.h"
#include "sy-mapping.h"

/* A mapping file, then after a "---" line the source records it is applied
 * to (a JSON object, or a list of them). A file is refused with a
 * SY_MAPPING_ERROR, or it loads; what loads writes out and reads back the
 * same, and applies to any record without harm. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  sy_fuzz_init ();
  (void) sy_catalogue_get_default ();
  return 0;
}

static void
apply_to (SyMapping   *mapping,
          SyCatalogue *catalogue,
          JsonNode    *record)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_mapping_problem_free);
  g_autoptr(JsonObject) payload = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (record))
    return;

  payload = sy_mapping_apply (mapping, json_node_get_object (record), catalogue, problems);
  if (payload == NULL)
    abort ();
  for (guint i = 0; i < problems->len; i++)
    {
      SyMappingProblem *problem = g_ptr_array_index (problems, i);

      if (problem->field == NULL || !g_utf8_validate (problem->field, -1, NULL))
        abort ();
      sy_fuzz_assert_text (problem->message);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GPtrArray) parts = sy_fuzz_split (data, size, 2);
  GBytes *file = g_ptr_array_index (parts, 0);
  SyCatalogue *catalogue = sy_catalogue_get_default ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(SyMapping) again = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_again = NULL;
  g_autoptr(JsonNode) records = NULL;
  g_autoptr(JsonArray) samples = NULL;
  g_autoptr(SyMappingCoverage) coverage = NULL;
  gsize length = 0;

  const char *text_data = g_bytes_get_size (file) > 0 ? g_bytes_get_data (file, NULL) : "";

  mapping = sy_mapping_new_from_data (text_data, g_bytes_get_size (file), "fuzz.json", &error);
  if (mapping == NULL)
    {
      if (error == NULL || error->domain != SY_MAPPING_ERROR)
        abort ();
      sy_fuzz_assert_text (error->message);
      return 0;
    }

  /* What loads, saves; what saved, loads; and says the same again. */
  text = sy_mapping_to_data (mapping, &length);
  again = sy_mapping_new_from_data (text, length, "again.json", &error);
  if (again == NULL)
    {
      g_printerr ("a mapping that loaded does not load once written out: %s\n%s\n", error->message, text);
      abort ();
    }
  text_again = sy_mapping_to_data (again, NULL);
  if (strcmp (text, text_again) != 0)
    {
      g_printerr ("a mapping written out twice differs:\n%s\n%s\n", text, text_again);
      abort ();
    }

  if (!sy_mapping_validate (mapping, catalogue, &error))
    {
      sy_fuzz_assert_text (error->message);
      g_clear_error (&error);
    }

  if (parts->len < 2 || (records = sy_fuzz_parse_json (g_ptr_array_index (parts, 1))) == NULL)
    return 0;

  samples = json_array_new ();
  if (JSON_NODE_HOLDS_ARRAY (records))
    {
      JsonArray *array = json_node_get_array (records);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          apply_to (mapping, catalogue, element);
          apply_to (mapping, NULL, element);
          if (JSON_NODE_HOLDS_OBJECT (element))
            json_array_add_element (samples, json_node_copy (element));
        }
    }
  else
    {
      apply_to (mapping, catalogue, records);
      apply_to (mapping, NULL, records);
      if (JSON_NODE_HOLDS_OBJECT (records))
        json_array_add_element (samples, json_node_copy (records));
    }

  coverage = sy_mapping_get_coverage (mapping, catalogue, samples);
  if (coverage == NULL)
    abort ();
  return 0;
}
