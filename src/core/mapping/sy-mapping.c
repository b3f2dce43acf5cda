/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-mapping.h"
#include "sy-mapping-private.h"
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

  /* Both are shown and stored as text, and both may quote a record's
   * own strings, which a JSON escape can make into bytes that are not
   * UTF-8 (found by tests/fuzz: a lone surrogate in a date). */
  problem->field = field != NULL ? g_utf8_make_valid (field, -1) : NULL;
  problem->message = message != NULL ? g_utf8_make_valid (message, -1) : NULL;
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
  g_strfreev (self->at_times);
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
  self->at_times = g_new0 (char *, 1);
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
