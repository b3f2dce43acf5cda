/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sy-file.h"
#include "sy-json.h"
#include "sy-mapping.h"
#include "sy-mapping-transform.h"

/* ---- errors ---- */

typedef struct
{
  guint line;
  guint column;
} SyMappingErrorPrivate;

static void
sy_mapping_error_private_init (SyMappingErrorPrivate *priv)
{
}

static void
sy_mapping_error_private_copy (const SyMappingErrorPrivate *src,
                               SyMappingErrorPrivate       *dest)
{
  dest->line = src->line;
  dest->column = src->column;
}

static void
sy_mapping_error_private_clear (SyMappingErrorPrivate *priv)
{
}

G_DEFINE_EXTENDED_ERROR (SyMappingError, sy_mapping_error)

guint
sy_mapping_error_get_line (const GError *error)
{
  SyMappingErrorPrivate *priv = error != NULL ? sy_mapping_error_get_private (error) : NULL;

  return priv != NULL ? priv->line : 0;
}

guint
sy_mapping_error_get_column (const GError *error)
{
  SyMappingErrorPrivate *priv = error != NULL ? sy_mapping_error_get_private (error) : NULL;

  return priv != NULL ? priv->column : 0;
}

GError *
sy_mapping_error_new_at (gint        code,
                         const char *filename,
                         guint       line,
                         guint       column,
                         const char *reason)
{
  GError *error;
  SyMappingErrorPrivate *priv;

  if (line > 0 && filename != NULL)
    error = g_error_new (SY_MAPPING_ERROR, code, "%s:%u: %s", filename, line, reason);
  else if (line > 0)
    error = g_error_new (SY_MAPPING_ERROR, code, _("line %u: %s"), line, reason);
  else if (filename != NULL)
    error = g_error_new (SY_MAPPING_ERROR, code, "%s: %s", filename, reason);
  else
    error = g_error_new_literal (SY_MAPPING_ERROR, code, reason);

  priv = sy_mapping_error_get_private (error);
  priv->line = line;
  priv->column = column;
  return error;
}

/* ---- problems and coverage ---- */

SyMappingProblem *
sy_mapping_problem_new_full (const char *field,
                             const char *message,
                             gboolean    blocking)
{
  SyMappingProblem *problem = g_new0 (SyMappingProblem, 1);

  problem->field = g_strdup (field);
  problem->message = g_strdup (message);
  problem->blocking = !!blocking;
  return problem;
}

SyMappingProblem *
sy_mapping_problem_new (const char *field,
                        const char *message)
{
  return sy_mapping_problem_new_full (field, message, FALSE);
}

SyMappingProblem *
sy_mapping_problem_copy (const SyMappingProblem *problem)
{
  return sy_mapping_problem_new_full (problem->field, problem->message, problem->blocking);
}

void
sy_mapping_problem_free (SyMappingProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->field);
  g_free (problem->message);
  g_free (problem);
}

G_DEFINE_BOXED_TYPE (SyMappingProblem, sy_mapping_problem, sy_mapping_problem_copy, sy_mapping_problem_free)

static SyMappingCoverage *
sy_mapping_coverage_copy (const SyMappingCoverage *coverage)
{
  SyMappingCoverage *copy = g_new0 (SyMappingCoverage, 1);

  copy->required_unmapped = g_strdupv (coverage->required_unmapped);
  copy->common_unmapped = g_strdupv (coverage->common_unmapped);
  copy->source_unused = g_strdupv (coverage->source_unused);
  return copy;
}

void
sy_mapping_coverage_free (SyMappingCoverage *coverage)
{
  if (coverage == NULL)
    return;
  g_strfreev (coverage->required_unmapped);
  g_strfreev (coverage->common_unmapped);
  g_strfreev (coverage->source_unused);
  g_free (coverage);
}

G_DEFINE_BOXED_TYPE (SyMappingCoverage, sy_mapping_coverage, sy_mapping_coverage_copy, sy_mapping_coverage_free)

/* ---- the object ---- */

struct _SyMapping
{
  GObject parent_instance;

  char *name;
  char *source_connection;
  char *source_entity;
  char *target_connection;
  char *target_entity;
  char *match_source;
  char *match_target;
  GListStore *rules;
  GPtrArray *rule_array;     /* the rules' items, for applying without refs */

  /* Where the file said what validate() may refuse, for its messages. */
  char *filename;
  guint source_entity_line;
  guint target_entity_line;
  guint source_connection_line;
  guint target_connection_line;
};

enum
{
  PROP_0,
  PROP_NAME,
  PROP_SOURCE_CONNECTION,
  PROP_SOURCE_ENTITY,
  PROP_TARGET_CONNECTION,
  PROP_TARGET_ENTITY,
  PROP_MATCH_SOURCE,
  PROP_MATCH_TARGET,
  PROP_RULES,
  N_PROPS
};

enum
{
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (SyMapping, sy_mapping, G_TYPE_OBJECT)

static void
emit_changed (SyMapping *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_rules_items_changed (SyMapping  *self,
                        guint       position,
                        guint       removed,
                        guint       added,
                        GListModel *model)
{
  g_autoptr(GPtrArray) old = self->rule_array;
  guint n = g_list_model_get_n_items (model);

  /* The array holds its own references, so that a rule removed from the
   * store is still there to be disconnected from. */
  self->rule_array = g_ptr_array_new_full (n, g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      SyMappingRule *rule = g_list_model_get_item (model, i);

      g_ptr_array_add (self->rule_array, rule);
      if (i >= position && i < position + added)
        {
          g_signal_handlers_disconnect_by_func (rule, emit_changed, self);
          g_signal_connect_object (rule, "changed", G_CALLBACK (emit_changed), self, G_CONNECT_SWAPPED);
        }
    }
  for (guint i = 0; i < old->len; i++)
    if (!g_ptr_array_find (self->rule_array, g_ptr_array_index (old, i), NULL))
      g_signal_handlers_disconnect_by_func (g_ptr_array_index (old, i), emit_changed, self);
  emit_changed (self);
}

static void
sy_mapping_dispose (GObject *object)
{
  SyMapping *self = SY_MAPPING (object);

  if (self->rules != NULL)
    {
      for (guint i = 0; i < self->rule_array->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->rule_array, i), self);
      g_signal_handlers_disconnect_by_data (self->rules, self);
      g_ptr_array_set_size (self->rule_array, 0);
    }
  g_clear_object (&self->rules);

  G_OBJECT_CLASS (sy_mapping_parent_class)->dispose (object);
}

static void
sy_mapping_finalize (GObject *object)
{
  SyMapping *self = SY_MAPPING (object);

  g_free (self->name);
  g_free (self->source_connection);
  g_free (self->source_entity);
  g_free (self->target_connection);
  g_free (self->target_entity);
  g_free (self->match_source);
  g_free (self->match_target);
  g_free (self->filename);
  g_ptr_array_unref (self->rule_array);

  G_OBJECT_CLASS (sy_mapping_parent_class)->finalize (object);
}

static void
sy_mapping_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SyMapping *self = SY_MAPPING (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_SOURCE_CONNECTION:
      g_value_set_string (value, self->source_connection);
      break;
    case PROP_SOURCE_ENTITY:
      g_value_set_string (value, self->source_entity);
      break;
    case PROP_TARGET_CONNECTION:
      g_value_set_string (value, self->target_connection);
      break;
    case PROP_TARGET_ENTITY:
      g_value_set_string (value, self->target_entity);
      break;
    case PROP_MATCH_SOURCE:
      g_value_set_string (value, self->match_source);
      break;
    case PROP_MATCH_TARGET:
      g_value_set_string (value, self->match_target);
      break;
    case PROP_RULES:
      g_value_set_object (value, self->rules);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  SyMapping *self = SY_MAPPING (object);

  switch (prop_id)
    {
    case PROP_NAME:
      sy_mapping_set_name (self, g_value_get_string (value));
      break;
    case PROP_SOURCE_CONNECTION:
      sy_mapping_set_source (self, g_value_get_string (value), self->source_entity);
      break;
    case PROP_SOURCE_ENTITY:
      sy_mapping_set_source (self, self->source_connection, g_value_get_string (value));
      break;
    case PROP_TARGET_CONNECTION:
      sy_mapping_set_target (self, g_value_get_string (value), self->target_entity);
      break;
    case PROP_TARGET_ENTITY:
      sy_mapping_set_target (self, self->target_connection, g_value_get_string (value));
      break;
    case PROP_MATCH_SOURCE:
      sy_mapping_set_match (self, g_value_get_string (value), self->match_target);
      break;
    case PROP_MATCH_TARGET:
      sy_mapping_set_match (self, self->match_source, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_class_init (SyMappingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = sy_mapping_dispose;
  object_class->finalize = sy_mapping_finalize;
  object_class->get_property = sy_mapping_get_property;
  object_class->set_property = sy_mapping_set_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_SOURCE_CONNECTION] = g_param_spec_string ("source-connection", NULL, NULL, NULL, flags);
  properties[PROP_SOURCE_ENTITY] = g_param_spec_string ("source-entity", NULL, NULL, NULL, flags);
  properties[PROP_TARGET_CONNECTION] = g_param_spec_string ("target-connection", NULL, NULL, NULL, flags);
  properties[PROP_TARGET_ENTITY] = g_param_spec_string ("target-entity", NULL, NULL, NULL, flags);
  properties[PROP_MATCH_SOURCE] = g_param_spec_string ("match-source", NULL, NULL, NULL, flags);
  properties[PROP_MATCH_TARGET] = g_param_spec_string ("match-target", NULL, NULL, NULL, flags);
  properties[PROP_RULES] = g_param_spec_object ("rules", NULL, NULL, G_TYPE_LIST_MODEL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A property, a rule or a rule's child changed: what an editor needs
   * to know about unsaved changes. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sy_mapping_init (SyMapping *self)
{
  self->rules = g_list_store_new (SY_TYPE_MAPPING_RULE);
  self->rule_array = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect_object (self->rules, "items-changed", G_CALLBACK (on_rules_items_changed), self,
                           G_CONNECT_SWAPPED);
}

SyMapping *
sy_mapping_new (void)
{
  return g_object_new (SY_TYPE_MAPPING, NULL);
}

/* ---- accessors ---- */

static gboolean
replace_string (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

const char *
sy_mapping_get_name (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);
  return self->name;
}

void
sy_mapping_set_name (SyMapping  *self,
                     const char *name)
{
  g_return_if_fail (SY_IS_MAPPING (self));

  if (replace_string (&self->name, name))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
      emit_changed (self);
    }
}

const char *
sy_mapping_get_source_connection (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);
  return self->source_connection;
}

const char *
sy_mapping_get_source_entity (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);
  return self->source_entity;
}

void
sy_mapping_set_source (SyMapping  *self,
                       const char *connection,
                       const char *entity)
{
  gboolean changed = FALSE;
  g_autofree char *entity_copy = g_strdup (entity);
  g_autofree char *connection_copy = g_strdup (connection);

  g_return_if_fail (SY_IS_MAPPING (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (replace_string (&self->source_connection, connection_copy))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE_CONNECTION]);
      self->source_connection_line = 0;
      changed = TRUE;
    }
  if (replace_string (&self->source_entity, entity_copy))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE_ENTITY]);
      self->source_entity_line = 0;
      changed = TRUE;
    }
  g_object_thaw_notify (G_OBJECT (self));
  if (changed)
    emit_changed (self);
}

const char *
sy_mapping_get_target_connection (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);
  return self->target_connection;
}

const char *
sy_mapping_get_target_entity (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);
  return self->target_entity;
}

void
sy_mapping_set_target (SyMapping  *self,
                       const char *connection,
                       const char *entity)
{
  gboolean changed = FALSE;
  g_autofree char *entity_copy = g_strdup (entity);
  g_autofree char *connection_copy = g_strdup (connection);

  g_return_if_fail (SY_IS_MAPPING (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (replace_string (&self->target_connection, connection_copy))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET_CONNECTION]);
      self->target_connection_line = 0;
      changed = TRUE;
    }
  if (replace_string (&self->target_entity, entity_copy))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET_ENTITY]);
      self->target_entity_line = 0;
      changed = TRUE;
    }
  g_object_thaw_notify (G_OBJECT (self));
  if (changed)
    emit_changed (self);
}

const char *
sy_mapping_get_match_source (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);
  return self->match_source;
}

const char *
sy_mapping_get_match_target (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);
  return self->match_target;
}

void
sy_mapping_set_match (SyMapping  *self,
                      const char *source_path,
                      const char *target_field)
{
  gboolean changed = FALSE;
  g_autofree char *source_copy = g_strdup (source_path);
  g_autofree char *target_copy = g_strdup (target_field);

  g_return_if_fail (SY_IS_MAPPING (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (replace_string (&self->match_source, source_copy))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MATCH_SOURCE]);
      changed = TRUE;
    }
  if (replace_string (&self->match_target, target_copy))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MATCH_TARGET]);
      changed = TRUE;
    }
  g_object_thaw_notify (G_OBJECT (self));
  if (changed)
    emit_changed (self);
}

GListModel *
sy_mapping_get_rules (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);
  return G_LIST_MODEL (self->rules);
}

void
sy_mapping_insert_rule (SyMapping     *self,
                        guint          position,
                        SyMappingRule *rule)
{
  g_return_if_fail (SY_IS_MAPPING (self));
  g_return_if_fail (SY_IS_MAPPING_RULE (rule));

  position = MIN (position, g_list_model_get_n_items (G_LIST_MODEL (self->rules)));
  g_list_store_insert (self->rules, position, rule);
}

void
sy_mapping_remove_rule (SyMapping *self,
                        guint      position)
{
  g_return_if_fail (SY_IS_MAPPING (self));
  g_return_if_fail (position < g_list_model_get_n_items (G_LIST_MODEL (self->rules)));

  g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->rule_array, position), self);
  g_list_store_remove (self->rules, position);
}

const char *
sy_mapping_get_filename (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);
  return self->filename;
}

guint
sy_mapping_get_member_line (SyMapping  *self,
                            const char *member)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), 0);
  g_return_val_if_fail (member != NULL, 0);

  if (g_str_equal (member, "source.connection"))
    return self->source_connection_line;
  if (g_str_equal (member, "source.entity"))
    return self->source_entity_line;
  if (g_str_equal (member, "target.connection"))
    return self->target_connection_line;
  if (g_str_equal (member, "target.entity"))
    return self->target_entity_line;
  return 0;
}

/* ---- parsing ---- */

static const char *const top_members[] = { "version", "name", "source", "target", "match", "fields", NULL };
static const char *const end_members[] = { "connection", "entity", NULL };
static const char *const match_members[] = { "source", "target", NULL };

static gboolean
check_members (JsonObject         *object,
               const char * const *known,
               const char         *what,
               SyMappingLocator   *locator,
               GError            **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (known, l->data))
        {
          g_autofree char *list = g_strjoinv (", ", (char **) known);
          *error = sy_mapping_locator_error (locator, object, l->data, _("%s has no member “%s” (known: %s)"),
                                             what, (const char *) l->data, list);
          return FALSE;
        }
    }
  return TRUE;
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static gboolean
is_entity_name (const char *entity)
{
  const char *slash = strchr (entity, '/');

  if (slash == NULL || slash == entity || slash[1] == '\0' || strchr (slash + 1, '/') != NULL)
    return FALSE;
  for (const char *p = entity; *p != '\0'; p++)
    if (p != slash && !g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* "source" or "target": {"connection", "entity"}. */
static gboolean
parse_end (JsonObject        *root,
           const char        *member,
           SyMappingLocator  *locator,
           const char       **connection,
           const char       **entity,
           GError           **error)
{
  JsonNode *node = json_object_get_member (root, member);
  g_autofree char *what = g_strdup_printf (_("the mapping’s “%s”"), member);
  JsonObject *object;

  if (node == NULL)
    {
      *error = sy_mapping_locator_error (locator, root, NULL,
                                         _("the mapping has no “%s” (write {\"connection\": …, \"entity\": …})"),
                                         member);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      *error = sy_mapping_locator_error (locator, root, member,
                                         _("the mapping’s “%s” must be an object {\"connection\": …, \"entity\": …}"),
                                         member);
      return FALSE;
    }
  object = json_node_get_object (node);
  if (!check_members (object, end_members, what, locator, error))
    return FALSE;

  /* A connection that is missing, empty or unknown here is for the
   * caller to report (the file is shareable, and a draft may lack one). */
  *connection = get_string (object, "connection");
  if (*connection == NULL && json_object_has_member (object, "connection"))
    {
      *error = sy_mapping_locator_error (locator, object, "connection",
                                         _("the mapping’s “%s”: “connection” must be the name of a connection"),
                                         member);
      return FALSE;
    }
  if (*connection != NULL && **connection == '\0')
    *connection = NULL;
  *entity = get_string (object, "entity");
  if (*entity == NULL || !is_entity_name (*entity))
    {
      *error = sy_mapping_locator_error (locator, object, json_object_has_member (object, "entity") ? "entity" : NULL,
                                         _("the mapping’s “%s” needs an “entity” of the form domain/name, e.g. “wms/sales-orders”"),
                                         member);
      return FALSE;
    }
  return TRUE;
}

static SyMapping *
parse_mapping (JsonNode          *root_node,
               SyMappingLocator  *locator,
               const char        *filename,
               GError           **error)
{
  g_autoptr(SyMapping) self = NULL;
  g_autoptr(GHashTable) targets = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObject *root;
  JsonNode *node;
  const char *name;
  const char *source_connection, *source_entity, *target_connection, *target_entity;
  JsonArray *fields;
  guint column;

  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    {
      *error = sy_mapping_error_new_at (SY_MAPPING_ERROR_INVALID, filename, 1, 1,
                                        _("a mapping file holds one JSON object"));
      return NULL;
    }
  root = json_node_get_object (root_node);
  if (!check_members (root, top_members, _("a mapping"), locator, error))
    return NULL;

  node = json_object_get_member (root, "version");
  if (node == NULL)
    {
      *error = sy_mapping_locator_error (locator, root, NULL, _("the mapping has no “version” (write \"version\": 1)"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) != 1)
    {
      *error = sy_mapping_locator_error (locator, root, "version",
                                         _("this application reads mapping files of version 1 only"));
      return NULL;
    }

  name = get_string (root, "name");
  if (name == NULL || *name == '\0')
    {
      *error = sy_mapping_locator_error (locator, root, json_object_has_member (root, "name") ? "name" : NULL,
                                         _("the mapping needs a “name”, a non-empty string"));
      return NULL;
    }

  if (!parse_end (root, "source", locator, &source_connection, &source_entity, error) ||
      !parse_end (root, "target", locator, &target_connection, &target_entity, error))
    return NULL;

  self = sy_mapping_new ();
  self->filename = g_strdup (filename);
  sy_mapping_set_name (self, name);
  sy_mapping_set_source (self, source_connection, source_entity);
  sy_mapping_set_target (self, target_connection, target_entity);
  sy_mapping_locator_find (locator, json_object_get_object_member (root, "source"), "entity",
                           &self->source_entity_line, &column);
  sy_mapping_locator_find (locator, json_object_get_object_member (root, "target"), "entity",
                           &self->target_entity_line, &column);
  sy_mapping_locator_find (locator, json_object_get_object_member (root, "source"), "connection",
                           &self->source_connection_line, &column);
  sy_mapping_locator_find (locator, json_object_get_object_member (root, "target"), "connection",
                           &self->target_connection_line, &column);

  if ((node = json_object_get_member (root, "match")) != NULL)
    {
      JsonObject *match;
      const char *match_source, *match_target;
      g_autofree char *reason = NULL;
      SyPath *path;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          *error = sy_mapping_locator_error (locator, root, "match",
                                             _("“match” must be an object {\"source\": …, \"target\": …}"));
          return NULL;
        }
      match = json_node_get_object (node);
      if (!check_members (match, match_members, _("“match”"), locator, error))
        return NULL;
      match_source = get_string (match, "source");
      match_target = get_string (match, "target");
      if (match_source == NULL || match_target == NULL)
        {
          *error = sy_mapping_locator_error (locator, match, match_source == NULL ? "source" : "target",
                                             _("“match” needs both “source” (a source field) and “target” (the target field holding it)"));
          return NULL;
        }
      if ((path = sy_path_compile (match_source, &reason)) == NULL ||
          (sy_path_free (path), (path = sy_path_compile (match_target, &reason)) == NULL))
        {
          *error = sy_mapping_locator_error (locator, match, NULL, _("“match”: %s"), reason);
          return NULL;
        }
      sy_path_free (path);
      sy_mapping_set_match (self, match_source, match_target);
    }

  node = json_object_get_member (root, "fields");
  if (node == NULL)
    {
      *error = sy_mapping_locator_error (locator, root, NULL, _("the mapping has no “fields”, its list of rules"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      *error = sy_mapping_locator_error (locator, root, "fields", _("“fields” must be a list of rules"));
      return NULL;
    }

  fields = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (fields); i++)
    {
      JsonNode *element = json_array_get_element (fields, i);
      g_autoptr(SyMappingRule) rule = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          *error = sy_mapping_locator_error (locator, root, "fields",
                                             _("element %u of “fields” is not a rule object"), i + 1);
          return NULL;
        }
      rule = sy_mapping_rule_parse (json_node_get_object (element), locator, error);
      if (rule == NULL)
        return NULL;
      if (!g_hash_table_add (targets, (gpointer) sy_mapping_rule_get_target (rule)))
        {
          *error = sy_mapping_locator_error (locator, json_node_get_object (element), "target",
                                             _("two rules write “%s”"), sy_mapping_rule_get_target (rule));
          return NULL;
        }
      g_list_store_append (self->rules, rule);
    }

  return g_steal_pointer (&self);
}

/* json-glib's message starts with "<data>:LINE:COLUMN: "; the position is
 * reported separately, in our own format. */
static const char *
strip_position (const char *message,
                guint      *line,
                guint      *column)
{
  const char *p = message;
  char *end;

  if (!g_str_has_prefix (p, "<data>:"))
    return message;
  p += strlen ("<data>:");
  *line = (guint) g_ascii_strtoull (p, &end, 10);
  p = end;
  if (*p == ':')
    {
      *column = (guint) g_ascii_strtoull (p + 1, &end, 10);
      p = end;
    }
  while (*p == ':' || *p == ' ')
    p++;
  return p;
}

SyMapping *
sy_mapping_new_from_data (const char  *data,
                          gssize       length,
                          const char  *filename,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(SyMappingLocator) locator = sy_mapping_locator_new (filename);
  g_autoptr(GError) local_error = NULL;
  GError *duplicate;
  SyMapping *self;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (data);

  /* Before json-glib, which recurses once per level: a file of deeply
   * nested "each" would overflow the stack, or take time and memory
   * growing with the square of its depth to check. */
  {
    guint line = 0;

    if (!sy_json_check_depth (data, length, SY_JSON_MAX_DEPTH, &line, NULL))
      {
        g_autofree char *reason = g_strdup_printf (_("lists and objects are nested more than %u levels deep; nest “each” less deeply"),
                                                   SY_JSON_MAX_DEPTH);

        g_propagate_error (error, sy_mapping_error_new_at (SY_MAPPING_ERROR_PARSE, filename, line, 0, reason));
        return NULL;
      }
  }

  sy_mapping_locator_attach (locator, parser);
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      guint line = 0, column = 0;
      const char *detail = strip_position (local_error->message, &line, &column);
      /* json-glib quotes the bad string's bytes as they are. */
      g_autofree char *valid_detail = g_utf8_make_valid (detail, -1);
      g_autofree char *reason = g_strdup_printf (_("not valid JSON: %s"), valid_detail);

      if (line == 0)
        line = 1;
      g_propagate_error (error, sy_mapping_error_new_at (SY_MAPPING_ERROR_PARSE, filename, line, column, reason));
      return NULL;
    }

  if ((duplicate = sy_mapping_locator_take_error (locator)) != NULL)
    {
      g_propagate_error (error, duplicate);
      return NULL;
    }

  sy_json_repair_strings (json_parser_get_root (parser));
  self = parse_mapping (json_parser_get_root (parser), locator, filename, &local_error);
  if (self == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return self;
}

SyMapping *
sy_mapping_load_file (const char  *path,
                      GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!sy_file_load_regular (path, SY_FILE_MAX_CONFIG_SIZE, &contents, &length, error))
    return NULL;
  return sy_mapping_new_from_data (contents, length, path, error);
}

static void
load_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *contents = NULL;
  g_autofree char *shown = g_file_get_parse_name (file);
  gsize length;
  GError *error = NULL;
  SyMapping *mapping;

  /* A local file goes through the same checks as any other (a FIFO would
   * block this thread for good); others are what GIO makes of them. */
  if (g_file_peek_path (file) != NULL
      ? !sy_file_load_regular (g_file_peek_path (file), SY_FILE_MAX_CONFIG_SIZE, &contents, &length, &error)
      : !g_file_load_contents (file, cancellable, &contents, &length, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  mapping = sy_mapping_new_from_data (contents, length, shown, &error);
  if (mapping == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, mapping, g_object_unref);
}

void
sy_mapping_load_async (GFile               *file,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_mapping_load_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_in_thread);
}

SyMapping *
sy_mapping_load_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- writing ---- */

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_double (GString *out,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  const char *text = g_ascii_formatd (buffer, sizeof buffer, "%.15g", value);

  if (g_ascii_strtod (text, NULL) != value)
    text = g_ascii_formatd (buffer, sizeof buffer, "%.17g", value);
  g_string_append (out, text);
  if (strpbrk (text, ".eEn") == NULL)
    g_string_append (out, ".0");
}

/* One line per node, the way §8 writes rules: {"a": 1, "b": [2, 3]}. A
 * rule's "each" list breaks onto lines of its own at indent + 2. */
static void
append_compact (GString    *out,
                JsonNode   *node,
                gboolean    is_rule,
                guint       indent)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = json_object_get_members (object);

        g_string_append_c (out, '{');
        for (GList *l = members; l != NULL; l = l->next)
          {
            JsonNode *member = json_object_get_member (object, l->data);

            if (l != members)
              g_string_append (out, ", ");
            append_json_string (out, l->data);
            g_string_append (out, ": ");
            if (is_rule && g_str_equal (l->data, "each") && JSON_NODE_HOLDS_ARRAY (member))
              {
                JsonArray *children = json_node_get_array (member);

                g_string_append_c (out, '[');
                for (guint i = 0; i < json_array_get_length (children); i++)
                  {
                    g_string_append (out, i > 0 ? ",\n" : "\n");
                    g_string_append_printf (out, "%*s", indent + 2, "");
                    append_compact (out, json_array_get_element (children, i), TRUE, indent + 2);
                  }
                g_string_append_c (out, ']');
              }
            else
              append_compact (out, member, FALSE, indent);
          }
        g_string_append_c (out, '}');
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        g_string_append_c (out, '[');
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            if (i > 0)
              g_string_append (out, ", ");
            append_compact (out, json_array_get_element (array, i), FALSE, indent);
          }
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;

    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          append_json_string (out, json_node_get_string (node));
          break;
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        default:
          append_double (out, json_node_get_double (node));
          break;
        }
      break;
    }
}

static void
append_end (GString    *out,
            const char *member,
            const char *first_name,
            const char *first,
            const char *second_name,
            const char *second)
{
  g_string_append (out, ",\n  ");
  append_json_string (out, member);
  g_string_append (out, ": {");
  append_json_string (out, first_name);
  g_string_append (out, ": ");
  append_json_string (out, first != NULL ? first : "");
  g_string_append (out, ", ");
  append_json_string (out, second_name);
  g_string_append (out, ": ");
  append_json_string (out, second != NULL ? second : "");
  g_string_append_c (out, '}');
}

char *
sy_mapping_to_data (SyMapping *self,
                    gsize     *length)
{
  GString *out = g_string_new ("{\n  \"version\": 1,\n  \"name\": ");

  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);

  append_json_string (out, self->name != NULL ? self->name : "");
  append_end (out, "source", "connection", self->source_connection, "entity", self->source_entity);
  append_end (out, "target", "connection", self->target_connection, "entity", self->target_entity);
  if (self->match_source != NULL || self->match_target != NULL)
    append_end (out, "match", "source", self->match_source, "target", self->match_target);

  g_string_append (out, ",\n  \"fields\": [");
  for (guint i = 0; i < self->rule_array->len; i++)
    {
      g_autoptr(JsonNode) rule = sy_mapping_rule_to_json (g_ptr_array_index (self->rule_array, i));

      g_string_append (out, i > 0 ? ",\n    " : "\n    ");
      append_compact (out, rule, TRUE, 4);
    }
  g_string_append (out, self->rule_array->len > 0 ? "\n  ]\n}\n" : "]\n}\n");

  if (length != NULL)
    *length = out->len;
  return g_string_free (out, FALSE);
}

gboolean
sy_mapping_save_file (SyMapping   *self,
                      const char  *path,
                      GError     **error)
{
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (SY_IS_MAPPING (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  data = sy_mapping_to_data (self, &length);
  /* Written to a temporary file, synced and renamed over the old one: a
   * failure at any point leaves the old file as it was. */
  return g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static void
save_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GFile *file = g_object_get_data (G_OBJECT (task), "file");
  GBytes *bytes = task_data;
  g_autofree char *path = g_file_get_path (file);
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  GError *error = NULL;
  gboolean ok;

  if (g_task_return_error_if_cancelled (task))
    return;

  /* A local file goes through g_file_set_contents_full(), which removes
   * its temporary file when a write fails; anything else through GIO. */
  if (path != NULL)
    ok = g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error);
  else
    ok = g_file_replace_contents (file, data, length, NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                  cancellable, &error);
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
sy_mapping_save_async (SyMapping           *self,
                       GFile               *file,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  char *data;
  gsize length;

  g_return_if_fail (SY_IS_MAPPING (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_mapping_save_async);

  /* Serialised here, on the caller's thread, so that later edits cannot
   * race the write; the thread writes a temporary file and renames it
   * over the old one only once everything was written. */
  data = sy_mapping_to_data (self, &length);
  g_task_set_task_data (task, g_bytes_new_take (data, length), (GDestroyNotify) g_bytes_unref);
  g_object_set_data_full (G_OBJECT (task), "file", g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, save_in_thread);
}

gboolean
sy_mapping_save_finish (SyMapping     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- checks against the catalogue ---- */

static gboolean
is_valid_path (const char *text)
{
  g_autofree char *reason = NULL;
  SyPath *path = text != NULL ? sy_path_compile (text, &reason) : NULL;

  sy_path_free (path);
  return path != NULL;
}

static void
collect_rule_problems (GPtrArray *rules,
                       GString   *messages,
                       guint     *count)
{
  for (guint i = 0; rules != NULL && i < rules->len; i++)
    {
      SyMappingRule *rule = g_ptr_array_index (rules, i);
      const char *target = sy_mapping_rule_get_target (rule);
      const char *shown = target != NULL ? target : "";

      if (!is_valid_path (target))
        {
          g_string_append_printf (messages, "\n%s", _("a rule has no valid target field"));
          (*count)++;
        }

      switch (sy_mapping_rule_get_kind (rule))
        {
        case SY_MAPPING_RULE_SOURCE:
          if (!is_valid_path (sy_mapping_rule_get_source (rule)))
            {
              g_string_append_c (messages, '\n');
              g_string_append_printf (messages, _("the rule for “%s” has no valid source field"), shown);
              (*count)++;
            }
          break;
        case SY_MAPPING_RULE_TEMPLATE:
          {
            const char *text = sy_mapping_rule_get_template (rule);
            g_autofree char *reason = NULL;
            SyTemplate *compiled = text != NULL ? sy_template_compile (text, &reason) : NULL;

            if (compiled == NULL)
              {
                g_string_append_c (messages, '\n');
                g_string_append_printf (messages, _("the rule for “%s” has no valid template: %s"),
                                        shown, reason != NULL ? reason : _("it is empty"));
                (*count)++;
              }
            sy_template_free (compiled);
          }
          break;
        case SY_MAPPING_RULE_VALUE:
        default:
          break;
        }
      collect_rule_problems (sy_mapping_rule_get_child_rules (rule), messages, count);
    }
}

static void
append_location (GString    *messages,
                 const char *filename,
                 guint       line)
{
  g_string_append_c (messages, '\n');
  if (filename != NULL && line > 0)
    g_string_append_printf (messages, "%s:%u: ", filename, line);
}

gboolean
sy_mapping_validate (SyMapping    *self,
                     SyCatalogue  *catalogue,
                     GError      **error)
{
  g_autoptr(GString) entity_messages = g_string_new (NULL);
  g_autoptr(GString) rule_messages = g_string_new (NULL);
  guint n_entity = 0, n_rule = 0;
  guint first_line = 0;
  GString *all;
  GError *result;
  SyMappingErrorPrivate *priv;

  g_return_val_if_fail (SY_IS_MAPPING (self), FALSE);

  if (catalogue == NULL)
    catalogue = sy_catalogue_get_default ();

  if (self->source_entity == NULL || !sy_catalogue_has_entity (catalogue, self->source_entity))
    {
      append_location (entity_messages, self->filename, self->source_entity_line);
      g_string_append_printf (entity_messages, _("the source entity “%s” does not exist"),
                              self->source_entity != NULL ? self->source_entity : "");
      first_line = self->source_entity_line;
      n_entity++;
    }
  if (self->target_entity == NULL || !sy_catalogue_has_entity (catalogue, self->target_entity))
    {
      append_location (entity_messages, self->filename, self->target_entity_line);
      g_string_append_printf (entity_messages, _("the target entity “%s” does not exist"),
                              self->target_entity != NULL ? self->target_entity : "");
      if (first_line == 0)
        first_line = self->target_entity_line;
      n_entity++;
    }
  if (self->name == NULL || *self->name == '\0')
    {
      g_string_append_printf (rule_messages, "\n%s", _("the mapping has no name"));
      n_rule++;
    }
  collect_rule_problems (self->rule_array, rule_messages, &n_rule);

  if (n_entity + n_rule == 0)
    return TRUE;

  /* Every problem at once, the first on the first line. */
  all = g_string_new (NULL);
  g_string_append (all, entity_messages->str);
  g_string_append (all, rule_messages->str);
  g_string_erase (all, 0, 1);
  result = g_error_new_literal (SY_MAPPING_ERROR,
                                n_entity > 0 ? SY_MAPPING_ERROR_UNKNOWN_ENTITY : SY_MAPPING_ERROR_INVALID,
                                all->str);
  g_string_free (all, TRUE);
  priv = sy_mapping_error_get_private (result);
  priv->line = first_line;
  g_propagate_error (error, result);
  return FALSE;
}

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
