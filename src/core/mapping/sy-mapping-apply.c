/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-mapping.h"
#include "sy-mapping-private.h"
#include "sy-mapping-transform.h"

/* ---- applying ---- */

JsonObject *
sy_mapping_apply (SyMapping   *self,
                  JsonObject  *record,
                  SyCatalogue *catalogue,
                  GPtrArray   *problems)
{
  JsonObject *out;
  SyApplyContext context;

  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);
  g_return_val_if_fail (record != NULL, NULL);

  out = json_object_new ();
  context.catalogue = catalogue;
  context.entity = self->target_entity;
  context.problems = problems;

  for (guint i = 0; i < self->rule_array->len; i++)
    sy_mapping_rule_apply_to (g_ptr_array_index (self->rule_array, i), record, out, &context, NULL);
  return out;
}

/* ---- coverage ---- */

/* The catalogue paths the rules write ("shipmentAddress.city",
 * "lines[].productKey") and their parents into written; the paths written
 * whole (not through "each") into whole, which covers their insides. */
static void
collect_written (GPtrArray  *rules,
                 const char *prefix,
                 GHashTable *written,
                 GHashTable *whole)
{
  for (guint i = 0; rules != NULL && i < rules->len; i++)
    {
      SyMappingRule *rule = g_ptr_array_index (rules, i);
      const char *target = sy_mapping_rule_get_target (rule);
      GPtrArray *children = sy_mapping_rule_get_child_rules (rule);
      g_autofree char *path = NULL;

      if (target == NULL)
        continue;
      path = g_strconcat (prefix, target, NULL);

      for (char *dot = strchr (path + strlen (prefix), '.'); dot != NULL; dot = strchr (dot + 1, '.'))
        g_hash_table_add (written, g_strndup (path, dot - path));
      g_hash_table_add (written, g_strdup (path));

      if (children != NULL && sy_mapping_rule_get_kind (rule) == SY_MAPPING_RULE_SOURCE)
        {
          g_autofree char *child_prefix = g_strconcat (path, "[].", NULL);
          collect_written (children, child_prefix, written, whole);
        }
      else
        g_hash_table_add (whole, g_strdup (path));
    }
}

/* The path of the object or list that holds field, or NULL at the top. */
static char *
parent_path (const char *field)
{
  const char *dot = strrchr (field, '.');

  if (dot == NULL)
    return NULL;
  if (dot - field >= 2 && dot[-1] == ']' && dot[-2] == '[')
    return g_strndup (field, dot - field - 2);
  return g_strndup (field, dot - field);
}

static gboolean
is_covered (const char *field,
            GHashTable *written,
            GHashTable *whole)
{
  g_autofree char *parent = NULL;

  if (g_hash_table_contains (written, field))
    return TRUE;
  for (parent = parent_path (field); parent != NULL;)
    {
      char *next;

      if (g_hash_table_contains (whole, parent))
        return TRUE;
      next = parent_path (parent);
      g_free (parent);
      parent = next;
    }
  return FALSE;
}

/* A nested field matters only where its container is written at all. */
static gboolean
container_written (const char *field,
                   GHashTable *written)
{
  g_autofree char *parent = parent_path (field);

  return parent == NULL || g_hash_table_contains (written, parent);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GStrv
sorted_strv (GPtrArray *array)
{
  g_ptr_array_sort (array, compare_strings);
  g_ptr_array_add (array, NULL);
  return (GStrv) g_ptr_array_free (array, FALSE);
}

SyMappingCoverage *
sy_mapping_get_coverage (SyMapping   *self,
                         SyCatalogue *catalogue,
                         JsonArray   *samples)
{
  g_autoptr(GHashTable) written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) whole = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) read = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) unused = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) required_set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *required = g_ptr_array_new ();
  GPtrArray *common = g_ptr_array_new ();
  GPtrArray *source_unused = g_ptr_array_new ();
  SyMappingCoverage *coverage;

  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);

  collect_written (self->rule_array, "", written, whole);

  if (catalogue != NULL && self->target_entity != NULL)
    {
      GListModel *fields = sy_catalogue_get_fields (catalogue, self->target_entity);
      g_auto(GStrv) commonly_needed = sy_catalogue_get_commonly_needed (catalogue, self->target_entity);

      for (guint i = 0; fields != NULL && i < g_list_model_get_n_items (fields); i++)
        {
          g_autoptr(SyCatalogueField) field = g_list_model_get_item (fields, i);
          g_autofree char *path = g_strdup (sy_catalogue_field_get_path (field));

          if (!sy_catalogue_field_get_required (field) || !sy_catalogue_field_get_writable (field))
            continue;
          /* The catalogue names a list "lines[]", a rule plainly "lines". */
          if (g_str_has_suffix (path, "[]"))
            path[strlen (path) - 2] = '\0';
          if (!is_covered (path, written, whole) && container_written (path, written))
            {
              g_ptr_array_add (required, g_strdup (path));
              g_hash_table_add (required_set, g_strdup (path));
            }
        }
      for (guint i = 0; commonly_needed != NULL && commonly_needed[i] != NULL; i++)
        {
          const char *path = commonly_needed[i];

          if (!g_hash_table_contains (required_set, path) && !is_covered (path, written, whole) &&
              container_written (path, written))
            g_ptr_array_add (common, g_strdup (path));
        }
    }

  for (guint i = 0; i < self->rule_array->len; i++)
    sy_mapping_rule_add_source_roots (g_ptr_array_index (self->rule_array, i), read);
  if (self->match_source != NULL)
    {
      g_autofree char *reason = NULL;
      SyPath *path = sy_path_compile (self->match_source, &reason);

      if (path != NULL)
        g_hash_table_add (read, g_strdup (path->segments[0]));
      sy_path_free (path);
    }

  for (guint i = 0; samples != NULL && i < json_array_get_length (samples); i++)
    {
      JsonNode *sample = json_array_get_element (samples, i);
      g_autoptr(GList) members = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (sample))
        continue;
      members = json_object_get_members (json_node_get_object (sample));
      for (GList *l = members; l != NULL; l = l->next)
        if (!g_hash_table_contains (read, l->data) && g_hash_table_add (unused, l->data))
          g_ptr_array_add (source_unused, g_strdup (l->data));
    }

  coverage = g_new0 (SyMappingCoverage, 1);
  coverage->required_unmapped = sorted_strv (required);
  coverage->common_unmapped = sorted_strv (common);
  coverage->source_unused = sorted_strv (source_unused);
  return coverage;
}
