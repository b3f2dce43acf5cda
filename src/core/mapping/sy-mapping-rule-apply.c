/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-mapping.h"
#include "sy-mapping-rule.h"
#include "sy-mapping-rule-private.h"

/* ---- applying ---- */

static gboolean
node_is_empty (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  return node_is_string (node) && *json_node_get_string (node) == '\0';
}

/* "lines[2].quantity", built only when there is a problem to report. */
static char *
field_name (const SyFieldPrefix *prefix,
            const char          *target)
{
  GString *out = g_string_new (target);

  for (const SyFieldPrefix *p = prefix; p != NULL; p = p->parent)
    {
      g_autofree char *step = g_strdup_printf ("%s[%u].", p->target, p->index);
      g_string_prepend (out, step);
    }
  return g_string_free (out, FALSE);
}

static void
add_problem (SyApplyContext      *context,
             const SyFieldPrefix *prefix,
             const char          *target,
             gboolean             blocking,
             char                *message)
{
  if (context->problems != NULL)
    {
      g_autofree char *field = field_name (prefix, target);
      g_ptr_array_add (context->problems, sy_mapping_problem_new_full (field, message, blocking));
    }
  g_free (message);
}

/* "lines[].productKey": how the catalogue names a nested field. */
static gboolean
catalogue_path (const SyFieldPrefix *prefix,
                const char          *target,
                char                *buffer,
                gsize                size)
{
  const SyFieldPrefix *chain[16];
  guint depth = 0;
  gsize used = 0;
  gsize length;

  for (const SyFieldPrefix *p = prefix; p != NULL; p = p->parent)
    {
      if (depth == G_N_ELEMENTS (chain))
        return FALSE;
      chain[depth++] = p;
    }
  while (depth > 0)
    {
      const char *part = chain[--depth]->target;

      length = strlen (part);
      if (used + length + 3 >= size)
        return FALSE;
      memcpy (buffer + used, part, length);
      memcpy (buffer + used + length, "[].", 3);
      used += length + 3;
    }
  length = strlen (target);
  if (used + length + 1 > size)
    return FALSE;
  memcpy (buffer + used, target, length + 1);
  return TRUE;
}

static FieldKind
classify (SyCatalogueField *field)
{
  const char *type = field != NULL ? sy_catalogue_field_get_field_type (field) : NULL;

  if (type == NULL)
    return FIELD_UNCHECKED;
  if (g_str_equal (type, "string") || g_str_equal (type, "date") || g_str_equal (type, "date-time"))
    return FIELD_TEXT;
  if (g_str_equal (type, "integer"))
    return FIELD_INTEGER;
  if (g_str_equal (type, "number"))
    return FIELD_NUMBER;
  if (g_str_equal (type, "boolean"))
    return FIELD_BOOLEAN;
  if (g_str_equal (type, "object"))
    return FIELD_OBJECT;
  if (g_str_equal (type, "array"))
    return FIELD_ARRAY;
  return FIELD_UNCHECKED;
}

static FieldKind
lookup_kind (SyMappingRule  *self,
             SyApplyContext *context,
             const char     *path)
{
  TypeCache *cache = g_atomic_pointer_get (&self->type_cache);
  TypeCache *fresh;

  if (cache != NULL && cache->catalogue == context->catalogue &&
      strcmp (cache->path, path) == 0 && strcmp (cache->entity, context->entity) == 0)
    return cache->kind;

  fresh = g_new0 (TypeCache, 1);
  fresh->catalogue = g_object_ref (context->catalogue);
  fresh->entity = g_strdup (context->entity);
  fresh->path = g_strdup (path);
  fresh->kind = classify (sy_catalogue_lookup_field (context->catalogue, context->entity, path));

  g_mutex_lock (&self->type_cache_lock);
  cache = g_atomic_pointer_get (&self->type_cache);
  if (cache != NULL)
    self->old_type_caches = g_slist_prepend (self->old_type_caches, cache);
  g_atomic_pointer_set (&self->type_cache, fresh);
  g_mutex_unlock (&self->type_cache_lock);
  return fresh->kind;
}

static const char *
describe_type (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return _("an object");
    case JSON_NODE_ARRAY:
      return _("a list");
    case JSON_NODE_NULL:
      return _("null");
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          return _("text");
        case G_TYPE_BOOLEAN:
          return _("true or false");
        case G_TYPE_INT64:
          return _("a whole number");
        default:
          return _("a number");
        }
    }
}

static void
check_type (SyMappingRule       *self,
            SyApplyContext      *context,
            const SyFieldPrefix *prefix,
            JsonNode            *node)
{
  char path[256];
  const char *expected = NULL;
  JsonNodeType node_type = JSON_NODE_TYPE (node);
  GType value_type = node_type == JSON_NODE_VALUE ? json_node_get_value_type (node) : G_TYPE_INVALID;

  if (node_type == JSON_NODE_NULL || !catalogue_path (prefix, self->target, path, sizeof path))
    return;

  switch (lookup_kind (self, context, path))
    {
    case FIELD_TEXT:
      if (value_type != G_TYPE_STRING)
        expected = _("text");
      break;
    case FIELD_INTEGER:
      if (value_type != G_TYPE_INT64)
        expected = _("a whole number");
      break;
    case FIELD_NUMBER:
      if (value_type != G_TYPE_INT64 && value_type != G_TYPE_DOUBLE)
        expected = _("a number");
      break;
    case FIELD_BOOLEAN:
      if (value_type != G_TYPE_BOOLEAN)
        expected = _("true or false");
      break;
    case FIELD_OBJECT:
      if (node_type != JSON_NODE_OBJECT)
        expected = _("an object");
      break;
    case FIELD_ARRAY:
      if (node_type != JSON_NODE_ARRAY)
        expected = _("a list");
      break;
    case FIELD_UNCHECKED:
    default:
      break;
    }

  if (expected != NULL)
    {
      g_autofree char *name = field_name (prefix, self->target);
      add_problem (context, prefix, self->target, TRUE,
                   g_strdup_printf (_("%s should be %s, not %s"), name, expected, describe_type (node)));
    }
}

/* Stores node (taken) at the rule's target path under out, making the
 * objects on the way. */
static void
set_target (SyMappingRule       *self,
            JsonObject          *out,
            JsonNode            *node,
            SyApplyContext      *context,
            const SyFieldPrefix *prefix)
{
  const SyPath *path = self->target_path;
  JsonObject *parent = out;

  for (guint i = 0; i + 1 < path->n_segments; i++)
    {
      JsonNode *existing = json_object_get_member (parent, path->segments[i]);

      if (existing == NULL)
        {
          JsonObject *child = json_object_new ();
          json_object_set_object_member (parent, path->segments[i], child);
          parent = child;
        }
      else if (JSON_NODE_HOLDS_OBJECT (existing))
        parent = json_node_get_object (existing);
      else
        {
          add_problem (context, prefix, self->target, TRUE,
                       g_strdup_printf (_("“%s” is already set to a value that is not an object"),
                                        path->segments[i]));
          json_node_unref (node);
          return;
        }
    }
  json_object_set_member (parent, path->segments[path->n_segments - 1], node);
}

static JsonNode *
apply_each (SyMappingRule       *self,
            JsonNode            *list,
            SyApplyContext      *context,
            const SyFieldPrefix *prefix)
{
  JsonArray *elements = json_node_get_array (list);
  guint n = json_array_get_length (elements);
  JsonArray *out = json_array_sized_new (n);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (elements, i);
      SyFieldPrefix child_prefix = { prefix, self->target, i };
      JsonObject *item;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_autofree char *name = g_strdup_printf ("%s[%u]", self->source, i);
          add_problem (context, prefix, self->target, TRUE,
                       g_strdup_printf (_("“%s” is %s, not an object the rules inside “each” can read"),
                                        name, describe_type (element)));
          continue;
        }
      item = json_object_new ();
      for (guint r = 0; r < self->child_rules->len; r++)
        sy_mapping_rule_apply_to (g_ptr_array_index (self->child_rules, r), json_node_get_object (element),
                                  item, context, &child_prefix);
      json_array_add_object_element (out, item);
    }
  json_node_take_array (node, out);
  return node;
}

void
sy_mapping_rule_apply_to (SyMappingRule       *self,
                          JsonObject          *record,
                          JsonObject          *out,
                          SyApplyContext      *context,
                          const SyFieldPrefix *prefix)
{
  JsonNode *found = NULL;       /* borrowed */
  JsonNode *result = NULL;      /* owned */
  g_autofree char *rendered = NULL;
  const char *missing = NULL;
  gboolean absent = FALSE;

  if (self->target_path == NULL)
    {
      add_problem (context, prefix, self->target != NULL ? self->target : "", TRUE,
                   g_strdup (_("the rule has no valid target field")));
      return;
    }

  switch (self->kind)
    {
    case SY_MAPPING_RULE_SOURCE:
      if (self->source_path == NULL)
        {
          add_problem (context, prefix, self->target, TRUE,
                       self->source != NULL ? g_strdup_printf (_("“%s” is not a field path"), self->source)
                                            : g_strdup (_("the rule has no source field")));
          return;
        }
      found = sy_path_lookup (self->source_path, record);
      absent = found == NULL;
      break;

    case SY_MAPPING_RULE_TEMPLATE:
      if (self->template_compiled == NULL)
        {
          add_problem (context, prefix, self->target, TRUE,
                       g_strdup (self->template_reason != NULL ? self->template_reason
                                                               : _("the rule has no template")));
          return;
        }
      rendered = sy_template_render (self->template_compiled, record, &missing);
      if (rendered != NULL)
        result = json_node_init_string (json_node_alloc (), rendered);
      absent = rendered == NULL;
      break;

    case SY_MAPPING_RULE_VALUE:
    default:
      /* A constant null is deliberate: it clears the target field. */
      if (self->value != NULL && JSON_NODE_HOLDS_NULL (self->value) && self->transform_compiled == NULL)
        {
          set_target (self, out, json_node_new (JSON_NODE_NULL), context, prefix);
          return;
        }
      found = self->value;
      break;
    }

  if (result == NULL && !node_is_empty (found))
    {
      if (self->child_rules != NULL && self->kind == SY_MAPPING_RULE_SOURCE)
        {
          if (!JSON_NODE_HOLDS_ARRAY (found))
            {
              add_problem (context, prefix, self->target, TRUE,
                           g_strdup_printf (_("the source field “%s” is %s, not a list"), self->source,
                                            describe_type (found)));
              return;
            }
          result = apply_each (self, found, context, prefix);
        }
      else if (self->transform_compiled == NULL)
        result = sy_json_node_deep_copy (found);
    }

  if (self->transform_compiled != NULL && !node_is_empty (result != NULL ? result : found))
    {
      g_autofree char *reason = NULL;
      JsonNode *transformed = sy_transform_apply (self->transform_compiled, result != NULL ? result : found,
                                                  &reason);

      g_clear_pointer (&result, json_node_unref);
      if (transformed == NULL)
        {
          if (self->default_value != NULL && !node_is_empty (self->default_value))
            {
              result = sy_json_node_deep_copy (self->default_value);
              goto store;
            }
          add_problem (context, prefix, self->target, TRUE, g_steal_pointer (&reason));
          return;
        }
      result = transformed;
    }

  if (node_is_empty (result))
    {
      g_clear_pointer (&result, json_node_unref);
      if (self->default_value != NULL && !node_is_empty (self->default_value))
        result = sy_json_node_deep_copy (self->default_value);
      else if (self->required || absent)
        {
          g_autofree char *name = field_name (prefix, self->target);
          char *message;

          if (self->kind == SY_MAPPING_RULE_TEMPLATE && missing == NULL)
            message = g_strdup_printf (_("%s is required but its template gives empty text"), name);
          else if (self->kind == SY_MAPPING_RULE_TEMPLATE)
            message = self->required
              ? g_strdup_printf (_("%s is required but the template’s field “%s” is missing"), name, missing)
              : g_strdup_printf (_("the template’s field “%s” is missing"), missing);
          else if (self->kind == SY_MAPPING_RULE_VALUE)
            message = g_strdup_printf (_("%s is required but its value is empty"), name);
          else if (absent)
            message = self->required
              ? g_strdup_printf (_("%s is required but the source field “%s” is missing"), name, self->source)
              : g_strdup_printf (_("the source field “%s” is missing"), self->source);
          else
            message = g_strdup_printf (_("%s is required but the source field “%s” is empty"), name, self->source);
          add_problem (context, prefix, self->target, self->required, message);
          return;
        }
      else
        return;
    }

store:
  if (context->catalogue != NULL && context->entity != NULL)
    check_type (self, context, prefix, result);
  set_target (self, out, result, context, prefix);
}

/* ---- what a rule reads and writes, for coverage ---- */

void
sy_mapping_rule_add_source_roots (SyMappingRule *self,
                                  GHashTable    *set)
{
  if (self->kind == SY_MAPPING_RULE_SOURCE && self->source_path != NULL)
    g_hash_table_add (set, g_strdup (self->source_path->segments[0]));
  else if (self->kind == SY_MAPPING_RULE_TEMPLATE && self->template_compiled != NULL)
    sy_template_add_roots (self->template_compiled, set);
}

GPtrArray *
sy_mapping_rule_get_child_rules (SyMappingRule *self)
{
  return self->child_rules;
}
