/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-mapping.h"
#include "sy-mapping-rule.h"
#include "sy-mapping-transform.h"

struct _SyMappingRule
{
  GObject parent_instance;

  char *target;
  SyMappingRuleKind kind;
  char *source;
  char *template_;
  JsonNode *value;
  JsonNode *transform;
  JsonNode *default_value;
  gboolean required;
  GListModel *children;

  /* Compiled when the rule changes, read (never written) while applying,
   * so that applying needs no lock and parses nothing. */
  SyPath *target_path;
  SyPath *source_path;
  char *source_reason;
  SyTemplate *template_compiled;
  char *template_reason;
  SyTransform *transform_compiled;
  GPtrArray *child_rules;    /* children's items, NULL without "each" */

  /* The catalogue's type for the target, remembered for the catalogue,
   * entity and path it was looked up for. Replaced whole, atomically,
   * never changed in place: threads applying the mapping may read an old
   * one, so the old ones live until the rule is finalized. */
  gpointer type_cache;       /* TypeCache * */
  GSList *old_type_caches;
  GMutex type_cache_lock;
};

typedef enum
{
  FIELD_UNCHECKED,
  FIELD_TEXT,
  FIELD_INTEGER,
  FIELD_NUMBER,
  FIELD_BOOLEAN,
  FIELD_OBJECT,
  FIELD_ARRAY,
} FieldKind;

typedef struct
{
  SyCatalogue *catalogue;
  char *entity;
  char *path;
  FieldKind kind;
} TypeCache;

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

/* ---- JSON ---- */

static const char *const rule_members[] = {
  "target", "source", "value", "template", "transform", "default", "required", "each", NULL
};

static gboolean
node_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

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
