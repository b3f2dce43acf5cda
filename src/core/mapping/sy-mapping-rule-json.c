/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-mapping.h"
#include "sy-mapping-rule.h"
#include "sy-mapping-rule-private.h"

/* ---- JSON ---- */

static const char *const rule_members[] = {
  "target", "source", "value", "template", "transform", "default", "required", "each", NULL
};

SyMappingRule *
sy_mapping_rule_parse (JsonObject        *object,
                       SyMappingLocator  *locator,
                       GError           **error)
{
  g_autoptr(SyMappingRule) self = NULL;
  g_autoptr(GList) members = json_object_get_members (object);
  g_autofree char *reason = NULL;
  const char *origins[3] = { NULL, };
  guint n_origins = 0;
  const char *target;
  JsonNode *node;

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;

      if (!g_strv_contains (rule_members, name))
        {
          *error = sy_mapping_locator_error (locator, object, name,
                                             _("a rule has no member “%s” (known: target, source, value, template, transform, default, required, each)"),
                                             name);
          return NULL;
        }
      if (g_str_equal (name, "source") || g_str_equal (name, "value") || g_str_equal (name, "template"))
        origins[n_origins++] = name;
    }

  node = json_object_get_member (object, "target");
  if (node == NULL)
    {
      *error = sy_mapping_locator_error (locator, object, NULL, _("a rule needs a “target”, the field it writes"));
      return NULL;
    }
  target = node_is_string (node) ? json_node_get_string (node) : NULL;
  if (target == NULL)
    {
      *error = sy_mapping_locator_error (locator, object, "target", _("a rule’s “target” must be a string"));
      return NULL;
    }
  {
    SyPath *path = sy_path_compile (target, &reason);

    if (path == NULL)
      {
        *error = sy_mapping_locator_error (locator, object, "target", _("the target “%s” is not a field path: %s"),
                                           target, reason);
        return NULL;
      }
    sy_path_free (path);
  }

  if (n_origins == 0)
    {
      *error = sy_mapping_locator_error (locator, object, NULL,
                                         _("the rule for “%s” needs one of “source”, “value” or “template”"),
                                         target);
      return NULL;
    }
  if (n_origins > 1)
    {
      *error = sy_mapping_locator_error (locator, object, origins[1],
                                         _("the rule for “%s” has two sources, “%s” and “%s”: give only one of source, value or template"),
                                         target, origins[0], origins[1]);
      return NULL;
    }

  self = sy_mapping_rule_new (target);

  if ((node = json_object_get_member (object, "source")) != NULL)
    {
      SyPath *path;

      if (!node_is_string (node))
        {
          *error = sy_mapping_locator_error (locator, object, "source",
                                             _("the rule for “%s”: “source” must be a field path such as “shipmentAddress.city”"),
                                             target);
          return NULL;
        }
      path = sy_path_compile (json_node_get_string (node), &reason);
      if (path == NULL)
        {
          *error = sy_mapping_locator_error (locator, object, "source", _("the rule for “%s”: %s"), target, reason);
          return NULL;
        }
      sy_path_free (path);
      sy_mapping_rule_set_source (self, json_node_get_string (node));
    }
  else if ((node = json_object_get_member (object, "template")) != NULL)
    {
      SyTemplate *compiled;

      if (!node_is_string (node))
        {
          *error = sy_mapping_locator_error (locator, object, "template",
                                             _("the rule for “%s”: “template” must be a string"), target);
          return NULL;
        }
      compiled = sy_template_compile (json_node_get_string (node), &reason);
      if (compiled == NULL)
        {
          *error = sy_mapping_locator_error (locator, object, "template", _("the rule for “%s”: %s"), target, reason);
          return NULL;
        }
      sy_template_free (compiled);
      sy_mapping_rule_set_template (self, json_node_get_string (node));
    }
  else
    sy_mapping_rule_set_value (self, json_object_get_member (object, "value"));

  if ((node = json_object_get_member (object, "transform")) != NULL)
    {
      gconstpointer fault_container = NULL;
      const char *fault_member = NULL;
      SyTransform *compiled;

      if (json_object_has_member (object, "each"))
        {
          *error = sy_mapping_locator_error (locator, object, "transform",
                                             _("the rule for “%s” maps a list with “each”: put the transforms on the rules inside it"),
                                             target);
          return NULL;
        }
      compiled = sy_transform_compile (node, &reason, &fault_container, &fault_member);
      if (compiled == NULL)
        {
          if (fault_container == NULL)
            *error = sy_mapping_locator_error (locator, object, "transform", _("the rule for “%s”: %s"),
                                               target, reason);
          else
            *error = sy_mapping_locator_error (locator, fault_container, fault_member,
                                               _("the rule for “%s”: %s"), target, reason);
          return NULL;
        }
      self->transform = sy_json_node_deep_copy (node);
      self->transform_compiled = compiled;
    }

  if ((node = json_object_get_member (object, "default")) != NULL)
    sy_mapping_rule_set_default (self, node);

  if ((node = json_object_get_member (object, "required")) != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        {
          *error = sy_mapping_locator_error (locator, object, "required",
                                             _("the rule for “%s”: “required” must be true or false"), target);
          return NULL;
        }
      sy_mapping_rule_set_required (self, json_node_get_boolean (node));
    }

  if ((node = json_object_get_member (object, "each")) != NULL)
    {
      g_autoptr(GListStore) children = g_list_store_new (SY_TYPE_MAPPING_RULE);
      g_autoptr(GHashTable) targets = g_hash_table_new (g_str_hash, g_str_equal);
      JsonArray *array;

      if (self->kind != SY_MAPPING_RULE_SOURCE)
        {
          *error = sy_mapping_locator_error (locator, object, "each",
                                             _("the rule for “%s” has “each” but no “source”: “each” maps the elements of a source list"),
                                             target);
          return NULL;
        }
      if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0)
        {
          *error = sy_mapping_locator_error (locator, object, "each",
                                             _("the rule for “%s”: “each” must be a list of rules"), target);
          return NULL;
        }

      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          g_autoptr(SyMappingRule) child = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            {
              *error = sy_mapping_locator_error (locator, object, "each",
                                                 _("the rule for “%s”: every element of “each” must be a rule object"),
                                                 target);
              return NULL;
            }
          child = sy_mapping_rule_parse (json_node_get_object (element), locator, error);
          if (child == NULL)
            return NULL;
          if (!g_hash_table_add (targets, (gpointer) sy_mapping_rule_get_target (child)))
            {
              *error = sy_mapping_locator_error (locator, json_node_get_object (element), "target",
                                                 _("two rules write “%s”"), sy_mapping_rule_get_target (child));
              return NULL;
            }
          g_list_store_append (children, child);
        }
      sy_mapping_rule_set_children (self, G_LIST_MODEL (children));
    }

  return g_steal_pointer (&self);
}

SyMappingRule *
sy_mapping_rule_new_from_json (JsonObject  *object,
                               GError     **error)
{
  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (error == NULL)
    {
      g_autoptr(GError) ignored = NULL;
      return sy_mapping_rule_parse (object, NULL, &ignored);
    }
  return sy_mapping_rule_parse (object, NULL, error);
}

JsonNode *
sy_mapping_rule_to_json (SyMappingRule *self)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  g_return_val_if_fail (SY_IS_MAPPING_RULE (self), NULL);

  json_object_set_string_member (object, "target", self->target != NULL ? self->target : "");
  switch (self->kind)
    {
    case SY_MAPPING_RULE_SOURCE:
      json_object_set_string_member (object, "source", self->source != NULL ? self->source : "");
      break;
    case SY_MAPPING_RULE_TEMPLATE:
      json_object_set_string_member (object, "template", self->template_ != NULL ? self->template_ : "");
      break;
    case SY_MAPPING_RULE_VALUE:
    default:
      json_object_set_member (object, "value",
                              self->value != NULL ? sy_json_node_deep_copy (self->value) : json_node_new (JSON_NODE_NULL));
      break;
    }
  if (self->transform != NULL)
    json_object_set_member (object, "transform", sy_json_node_deep_copy (self->transform));
  if (self->default_value != NULL)
    json_object_set_member (object, "default", sy_json_node_deep_copy (self->default_value));
  if (self->required)
    json_object_set_boolean_member (object, "required", TRUE);
  if (self->child_rules != NULL && self->kind == SY_MAPPING_RULE_SOURCE)
    {
      JsonArray *each = json_array_new ();

      for (guint i = 0; i < self->child_rules->len; i++)
        json_array_add_element (each, sy_mapping_rule_to_json (g_ptr_array_index (self->child_rules, i)));
      json_object_set_array_member (object, "each", each);
    }

  json_node_take_object (node, object);
  return node;
}
