/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-mapping.h"
#include "sy-mapping-rule.h"
#include "sy-mapping-rule-private.h"

static void
type_cache_free (TypeCache *cache)
{
  if (cache == NULL)
    return;
  g_object_unref (cache->catalogue);
  g_free (cache->entity);
  g_free (cache->path);
  g_free (cache);
}

enum
{
  PROP_0,
  PROP_TARGET,
  PROP_KIND,
  PROP_SOURCE,
  PROP_TEMPLATE,
  PROP_VALUE,
  PROP_TRANSFORM,
  PROP_DEFAULT,
  PROP_REQUIRED,
  PROP_CHILDREN,
  N_PROPS
};

enum
{
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (SyMappingRule, sy_mapping_rule, G_TYPE_OBJECT)

GType
sy_mapping_rule_kind_get_type (void)
{
  static gsize type_id;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { SY_MAPPING_RULE_SOURCE, "SY_MAPPING_RULE_SOURCE", "source" },
        { SY_MAPPING_RULE_VALUE, "SY_MAPPING_RULE_VALUE", "value" },
        { SY_MAPPING_RULE_TEMPLATE, "SY_MAPPING_RULE_TEMPLATE", "template" },
        { 0, NULL, NULL },
      };
      GType type = g_enum_register_static (g_intern_static_string ("SyMappingRuleKind"), values);
      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

static void
emit_changed (SyMappingRule *self,
              guint          prop_id)
{
  if (prop_id != PROP_0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_child_changed (SyMappingRule *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
rebuild_child_rules (SyMappingRule *self)
{
  g_autoptr(GPtrArray) old = g_steal_pointer (&self->child_rules);
  guint n;

  if (self->children != NULL)
    {
      n = g_list_model_get_n_items (self->children);
      self->child_rules = g_ptr_array_new_full (n, g_object_unref);
      for (guint i = 0; i < n; i++)
        {
          SyMappingRule *child = g_list_model_get_item (self->children, i);

          g_ptr_array_add (self->child_rules, child);
          g_signal_handlers_disconnect_by_func (child, on_child_changed, self);
          g_signal_connect_object (child, "changed", G_CALLBACK (on_child_changed), self, G_CONNECT_SWAPPED);
        }
    }

  /* The old array's references keep removed children alive to here. */
  for (guint i = 0; old != NULL && i < old->len; i++)
    {
      SyMappingRule *child = g_ptr_array_index (old, i);

      if (self->child_rules == NULL || !g_ptr_array_find (self->child_rules, child, NULL))
        g_signal_handlers_disconnect_by_func (child, on_child_changed, self);
    }
}

static void
on_children_items_changed (SyMappingRule *self)
{
  rebuild_child_rules (self);
  emit_changed (self, PROP_0);
}

static void
sy_mapping_rule_dispose (GObject *object)
{
  SyMappingRule *self = SY_MAPPING_RULE (object);

  if (self->children != NULL)
    g_signal_handlers_disconnect_by_data (self->children, self);
  g_clear_pointer (&self->child_rules, g_ptr_array_unref);
  g_clear_object (&self->children);

  G_OBJECT_CLASS (sy_mapping_rule_parent_class)->dispose (object);
}

static void
sy_mapping_rule_finalize (GObject *object)
{
  SyMappingRule *self = SY_MAPPING_RULE (object);

  g_free (self->target);
  g_free (self->source);
  g_free (self->template_);
  g_clear_pointer (&self->value, json_node_unref);
  g_clear_pointer (&self->transform, json_node_unref);
  g_clear_pointer (&self->default_value, json_node_unref);
  sy_path_free (self->target_path);
  sy_path_free (self->source_path);
  g_free (self->source_reason);
  sy_template_free (self->template_compiled);
  g_free (self->template_reason);
  sy_transform_free (self->transform_compiled);
  type_cache_free (self->type_cache);
  g_slist_free_full (self->old_type_caches, (GDestroyNotify) type_cache_free);
  g_mutex_clear (&self->type_cache_lock);

  G_OBJECT_CLASS (sy_mapping_rule_parent_class)->finalize (object);
}

static void
sy_mapping_rule_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SyMappingRule *self = SY_MAPPING_RULE (object);

  switch (prop_id)
    {
    case PROP_TARGET:
      g_value_set_string (value, self->target);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_TEMPLATE:
      g_value_set_string (value, self->template_);
      break;
    case PROP_VALUE:
      g_value_set_boxed (value, self->value);
      break;
    case PROP_TRANSFORM:
      g_value_set_boxed (value, self->transform);
      break;
    case PROP_DEFAULT:
      g_value_set_boxed (value, self->default_value);
      break;
    case PROP_REQUIRED:
      g_value_set_boolean (value, self->required);
      break;
    case PROP_CHILDREN:
      g_value_set_object (value, self->children);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_rule_set_kind (SyMappingRule     *self,
                          SyMappingRuleKind  kind)
{
  if (self->kind == kind)
    return;
  self->kind = kind;
  emit_changed (self, PROP_KIND);
}

static void
sy_mapping_rule_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SyMappingRule *self = SY_MAPPING_RULE (object);

  switch (prop_id)
    {
    case PROP_TARGET:
      sy_mapping_rule_set_target (self, g_value_get_string (value));
      break;
    case PROP_KIND:
      sy_mapping_rule_set_kind (self, g_value_get_enum (value));
      break;
    case PROP_SOURCE:
      sy_mapping_rule_set_source (self, g_value_get_string (value));
      break;
    case PROP_TEMPLATE:
      sy_mapping_rule_set_template (self, g_value_get_string (value));
      break;
    case PROP_VALUE:
      sy_mapping_rule_set_value (self, g_value_get_boxed (value));
      break;
    case PROP_TRANSFORM:
      {
        g_autoptr(GError) error = NULL;

        /* Through the property an invalid transform is refused the same
         * way; the editor uses the setter to show the reason. */
        if (!sy_mapping_rule_set_transform (self, g_value_get_boxed (value), &error))
          g_message ("Transform not set: %s", error->message);
      }
      break;
    case PROP_DEFAULT:
      sy_mapping_rule_set_default (self, g_value_get_boxed (value));
      break;
    case PROP_REQUIRED:
      sy_mapping_rule_set_required (self, g_value_get_boolean (value));
      break;
    case PROP_CHILDREN:
      sy_mapping_rule_set_children (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_rule_class_init (SyMappingRuleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_mapping_rule_dispose;
  object_class->finalize = sy_mapping_rule_finalize;
  object_class->get_property = sy_mapping_rule_get_property;
  object_class->set_property = sy_mapping_rule_set_property;

  properties[PROP_TARGET] =
    g_param_spec_string ("target", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, SY_TYPE_MAPPING_RULE_KIND, SY_MAPPING_RULE_SOURCE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOURCE] =
    g_param_spec_string ("source", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TEMPLATE] =
    g_param_spec_string ("template", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VALUE] =
    g_param_spec_boxed ("value", NULL, NULL, JSON_TYPE_NODE,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TRANSFORM] =
    g_param_spec_boxed ("transform", NULL, NULL, JSON_TYPE_NODE,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEFAULT] =
    g_param_spec_boxed ("default", NULL, NULL, JSON_TYPE_NODE,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REQUIRED] =
    g_param_spec_boolean ("required", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHILDREN] =
    g_param_spec_object ("children", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Any property of the rule or of a child rule changed, or a child was
   * added or removed: what an editor needs for "unsaved changes". */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sy_mapping_rule_init (SyMappingRule *self)
{
  self->kind = SY_MAPPING_RULE_SOURCE;
  g_mutex_init (&self->type_cache_lock);
}

SyMappingRule *
sy_mapping_rule_new (const char *target)
{
  SyMappingRule *self = g_object_new (SY_TYPE_MAPPING_RULE, NULL);

  sy_mapping_rule_set_target (self, target);
  return self;
}

/* ---- accessors ---- */

const char *
sy_mapping_rule_get_target (SyMappingRule *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE (self), NULL);
  return self->target;
}

void
sy_mapping_rule_set_target (SyMappingRule *self,
                            const char    *target)
{
  g_autofree char *reason = NULL;

  g_return_if_fail (SY_IS_MAPPING_RULE (self));

  if (g_strcmp0 (self->target, target) == 0)
    return;
  g_free (self->target);
  self->target = g_strdup (target);
  sy_path_free (self->target_path);
  self->target_path = target != NULL ? sy_path_compile (target, &reason) : NULL;
  emit_changed (self, PROP_TARGET);
}

SyMappingRuleKind
sy_mapping_rule_get_kind (SyMappingRule *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE (self), SY_MAPPING_RULE_SOURCE);
  return self->kind;
}

const char *
sy_mapping_rule_get_source (SyMappingRule *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE (self), NULL);
  return self->source;
}

void
sy_mapping_rule_set_source (SyMappingRule *self,
                            const char    *path)
{
  g_return_if_fail (SY_IS_MAPPING_RULE (self));

  if (g_strcmp0 (self->source, path) != 0)
    {
      g_free (self->source);
      self->source = g_strdup (path);
      sy_path_free (self->source_path);
      g_clear_pointer (&self->source_reason, g_free);
      self->source_path = path != NULL ? sy_path_compile (path, &self->source_reason) : NULL;
      emit_changed (self, PROP_SOURCE);
    }
  sy_mapping_rule_set_kind (self, SY_MAPPING_RULE_SOURCE);
}

const char *
sy_mapping_rule_get_template (SyMappingRule *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE (self), NULL);
  return self->template_;
}

void
sy_mapping_rule_set_template (SyMappingRule *self,
                              const char    *template_)
{
  g_return_if_fail (SY_IS_MAPPING_RULE (self));

  if (g_strcmp0 (self->template_, template_) != 0)
    {
      g_free (self->template_);
      self->template_ = g_strdup (template_);
      sy_template_free (self->template_compiled);
      g_clear_pointer (&self->template_reason, g_free);
      self->template_compiled = template_ != NULL ? sy_template_compile (template_, &self->template_reason) : NULL;
      emit_changed (self, PROP_TEMPLATE);
    }
  sy_mapping_rule_set_kind (self, SY_MAPPING_RULE_TEMPLATE);
}

JsonNode *
sy_mapping_rule_get_value (SyMappingRule *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE (self), NULL);
  return self->value;
}

static gboolean
nodes_equal (JsonNode *a,
             JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return json_node_equal (a, b);
}

void
sy_mapping_rule_set_value (SyMappingRule *self,
                           JsonNode      *value)
{
  g_return_if_fail (SY_IS_MAPPING_RULE (self));

  if (!nodes_equal (self->value, value))
    {
      g_clear_pointer (&self->value, json_node_unref);
      self->value = value != NULL ? sy_json_node_deep_copy (value) : NULL;
      emit_changed (self, PROP_VALUE);
    }
  sy_mapping_rule_set_kind (self, SY_MAPPING_RULE_VALUE);
}

JsonNode *
sy_mapping_rule_get_transform (SyMappingRule *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE (self), NULL);
  return self->transform;
}

gboolean
sy_mapping_rule_set_transform (SyMappingRule  *self,
                               JsonNode       *transform,
                               GError        **error)
{
  SyTransform *compiled = NULL;

  g_return_val_if_fail (SY_IS_MAPPING_RULE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (transform != NULL && JSON_NODE_HOLDS_NULL (transform))
    transform = NULL;
  if (nodes_equal (self->transform, transform))
    return TRUE;

  if (transform != NULL)
    {
      g_autofree char *reason = NULL;
      gconstpointer fault_container;
      const char *fault_member;

      compiled = sy_transform_compile (transform, &reason, &fault_container, &fault_member);
      if (compiled == NULL)
        {
          g_propagate_error (error, sy_mapping_error_new_at (SY_MAPPING_ERROR_INVALID, NULL, 0, 0, reason));
          return FALSE;
        }
    }

  g_clear_pointer (&self->transform, json_node_unref);
  self->transform = transform != NULL ? sy_json_node_deep_copy (transform) : NULL;
  sy_transform_free (self->transform_compiled);
  self->transform_compiled = compiled;
  emit_changed (self, PROP_TRANSFORM);
  return TRUE;
}

JsonNode *
sy_mapping_rule_get_default (SyMappingRule *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE (self), NULL);
  return self->default_value;
}

void
sy_mapping_rule_set_default (SyMappingRule *self,
                             JsonNode      *value)
{
  g_return_if_fail (SY_IS_MAPPING_RULE (self));

  if (nodes_equal (self->default_value, value))
    return;
  g_clear_pointer (&self->default_value, json_node_unref);
  self->default_value = value != NULL ? sy_json_node_deep_copy (value) : NULL;
  emit_changed (self, PROP_DEFAULT);
}

gboolean
sy_mapping_rule_get_required (SyMappingRule *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE (self), FALSE);
  return self->required;
}

void
sy_mapping_rule_set_required (SyMappingRule *self,
                              gboolean       required)
{
  g_return_if_fail (SY_IS_MAPPING_RULE (self));

  required = !!required;
  if (self->required == required)
    return;
  self->required = required;
  emit_changed (self, PROP_REQUIRED);
}

GListModel *
sy_mapping_rule_get_children (SyMappingRule *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE (self), NULL);
  return self->children;
}

void
sy_mapping_rule_set_children (SyMappingRule *self,
                              GListModel    *children)
{
  g_return_if_fail (SY_IS_MAPPING_RULE (self));
  g_return_if_fail (children == NULL || G_IS_LIST_MODEL (children));

  if (self->children == children)
    return;

  if (self->children != NULL)
    g_signal_handlers_disconnect_by_data (self->children, self);
  g_set_object (&self->children, children);
  if (children != NULL)
    g_signal_connect_object (children, "items-changed", G_CALLBACK (on_children_items_changed), self,
                             G_CONNECT_SWAPPED);
  rebuild_child_rules (self);
  emit_changed (self, PROP_CHILDREN);
}
