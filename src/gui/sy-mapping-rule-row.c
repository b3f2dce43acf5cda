/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-mapping-rule-row-private.h"

struct _SyMappingRuleRow
{
  GtkListBoxRow   parent_instance;

  SyMappingRule  *rule;
  SyMappingRule  *parent_rule;
  char           *problem;

  GtkWidget      *target_chooser;
  GtkWidget      *kind_dropdown;
  GtkWidget      *value_stack;
  GtkWidget      *source_chooser;
  GtkWidget      *value_entry;
  GtkWidget      *template_entry;
  GtkWidget      *transform_button;
  GtkWidget      *required_check;
  GtkWidget      *problem_icon;
  GtkWidget      *menu_button;

  /* The transform popover */
  GtkWidget      *transform_dropdown;
  GtkWidget      *option_stack;
  GtkWidget      *date_entry;
  GtkWidget      *date_format_dropdown;
  GtkWidget      *date_custom_box;
  GtkWidget      *date_example;
  GtkWidget      *transform_text;
  GtkWidget      *scale_spin;
  GtkWidget      *lookup_view;
  GtkWidget      *default_entry;
  GtkWidget      *transform_error;

  gboolean        populating;
  gboolean        touched;
  char           *summary;
  char           *full_text;
  char           *example;
};

G_DEFINE_FINAL_TYPE (SyMappingRuleRow, sy_mapping_rule_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  SIGNAL_EDITED,
  SIGNAL_ACTION_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_TOUCHED,
  PROP_PROBLEM,
  PROP_TRANSFORM_SUMMARY,
  PROP_TRANSFORM_TEXT,
  PROP_DATE_EXAMPLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The date formats offered by example, in the order of the drop-down;
 * "Custom…" follows them. The file keeps the strftime pattern. */
static const char *const date_formats[] = { "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d %b %Y", "iso8601" };
#define N_DATE_FORMATS G_N_ELEMENTS (date_formats)

static void update_problem_style (SyMappingRuleRow *self);

/* The order of the kind drop-down follows SyMappingRuleKind. */
static const char *const transform_ids[] = { "none", "date", "number", "lookup", "trim", "upper", "lower", "custom" };
enum { T_NONE, T_DATE, T_NUMBER, T_LOOKUP, T_TRIM, T_UPPER, T_LOWER, T_CUSTOM };

static void
emit_edited (SyMappingRuleRow *self)
{
  if (self->populating)
    return;
  /* Anything the user changed in the row counts as having looked at it. */
  sy_mapping_rule_row_set_touched (self, TRUE);
  g_signal_emit (self, signals[SIGNAL_EDITED], 0);
}

/* Dates */

/* The date every example is rendered from: one whose day, month and year
 * cannot be mistaken for each other. */
static GDateTime *
sample_date (void)
{
  return g_date_time_new_utc (2024, 1, 31, 14, 30, 0);
}

/* The sample date written in format ("iso8601" or strftime), or NULL when
 * GLib cannot use the format. */
static char *
render_date (const char *format)
{
  g_autoptr(GDateTime) date = sample_date ();

  if (format == NULL || *format == '\0')
    return NULL;
  if (g_ascii_strcasecmp (format, "iso8601") == 0)
    return g_date_time_format_iso8601 (date);
  return g_date_time_format (date, format);
}

static guint
date_format_index (const char *format)
{
  for (guint i = 0; format != NULL && i < N_DATE_FORMATS; i++)
    if (g_ascii_strcasecmp (format, date_formats[i]) == 0)
      return i;
  return N_DATE_FORMATS;
}

/* Transforms */

static guint
transform_kind_of (JsonNode    *transform,
                   JsonObject **options)
{
  const char *name = NULL;
  JsonObject *object;

  *options = NULL;
  if (transform == NULL || JSON_NODE_HOLDS_NULL (transform))
    return T_NONE;
  if (JSON_NODE_HOLDS_VALUE (transform) && json_node_get_value_type (transform) == G_TYPE_STRING)
    name = json_node_get_string (transform);
  else if (JSON_NODE_HOLDS_OBJECT (transform) &&
           json_object_get_size (object = json_node_get_object (transform)) == 1)
    {
      g_autoptr(GList) members = json_object_get_members (object);
      JsonNode *value = json_object_get_member (object, members->data);

      name = members->data;
      if (JSON_NODE_HOLDS_OBJECT (value))
        *options = json_node_get_object (value);
    }

  for (guint i = 0; name != NULL && i < T_CUSTOM; i++)
    if (g_str_equal (name, transform_ids[i]))
      return i;
  return T_CUSTOM;
}

/* What the transform does, short for the row (full: FALSE) or whole for
 * the popover (full: TRUE). */
static char *
describe_transform (JsonNode *transform,
                    gboolean  full)
{
  JsonObject *options;

  switch (transform_kind_of (transform, &options))
    {
    case T_NONE:
      return g_strdup (_("No Transform"));
    case T_DATE:
      {
        const char *to = options ? json_object_get_string_member_with_default (options, "to", NULL) : NULL;
        g_autofree char *example = render_date (to);

        if (to == NULL)
          return g_strdup (_("Date"));
        if (!full && g_ascii_strcasecmp (to, "iso8601") == 0)
          return g_strdup (_("Date as ISO 8601"));
        if (!full)
          /* Translators: the date transform, with the sample date (31 January 2024) as it writes it */
          return g_strdup_printf (_("Date as %s"), example ? example : to);
        /* Translators: the date transform in full: its format and the sample date as it writes it */
        return g_strdup_printf (_("Date, written as “%s” (31 January 2024 becomes “%s”)"), to, example ? example : "");
      }
    case T_NUMBER:
      if (options != NULL && json_object_has_member (options, "scale"))
        /* Translators: the number transform and its decimal places */
        return g_strdup_printf (_("Number, %d places"), (int) json_object_get_int_member_with_default (options, "scale", 0));
      return g_strdup (_("Number"));
    case T_LOOKUP:
      if (full)
        {
          g_autoptr(GString) text = g_string_new (NULL);
          g_autoptr(GList) members = options ? json_object_get_members (options) : NULL;

          g_string_append_printf (text, ngettext ("Lookup, %u entry", "Lookup, %u entries",
                                                  options ? json_object_get_size (options) : 0),
                                  options ? json_object_get_size (options) : 0);
          for (GList *l = members; l != NULL; l = l->next)
            {
              JsonNode *value = json_object_get_member (options, l->data);
              g_autofree char *shown = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING
                                       ? g_strdup (json_node_get_string (value))
                                       : json_to_string (value, FALSE);

              g_string_append_printf (text, "\n%s → %s", (char *) l->data, shown);
            }
          return g_string_free (g_steal_pointer (&text), FALSE);
        }
      return g_strdup_printf (ngettext ("Lookup, %u entry", "Lookup, %u entries",
                                        options ? json_object_get_size (options) : 0),
                              options ? json_object_get_size (options) : 0);
    case T_TRIM:
      return g_strdup (_("Trim"));
    case T_UPPER:
      return g_strdup (_("Upper Case"));
    case T_LOWER:
      return g_strdup (_("Lower Case"));
    default:
      if (full)
        {
          g_autofree char *json = json_to_string (transform, FALSE);

          /* Translators: a transform this editor cannot edit, and its JSON */
          return g_strdup_printf (_("Custom transform: %s"), json);
        }
      return g_strdup (_("Custom Transform"));
    }
}

static void
update_transform_button (SyMappingRuleRow *self)
{
  JsonNode *transform = sy_mapping_rule_get_transform (self->rule);
  g_autofree char *summary = describe_transform (transform, FALSE);
  g_autofree char *full = describe_transform (transform, TRUE);
  JsonNode *fallback = sy_mapping_rule_get_default (self->rule);
  g_autofree char *label = NULL;
  g_autofree char *text = NULL;
  JsonObject *options;

  if (fallback != NULL && JSON_NODE_HOLDS_VALUE (fallback))
    {
      g_autofree char *value = json_node_get_value_type (fallback) == G_TYPE_STRING
                               ? g_strdup (json_node_get_string (fallback))
                               : json_to_string (fallback, FALSE);

      /* The row says that there is a default; the popover says which. */
      if (transform_kind_of (transform, &options) == T_NONE)
        label = g_strdup (_("Default Only"));
      else
        /* Translators: a transform's short summary, and that the rule has a default value */
        label = g_strdup_printf (_("%s, with Default"), summary);
      /* Translators: a transform in full, and the default value of a rule */
      text = g_strdup_printf (_("%s\nDefault when the source is missing or empty: “%s”"), full, value);
    }
  else
    {
      label = g_steal_pointer (&summary);
      text = g_steal_pointer (&full);
    }

  gtk_label_set_text (GTK_LABEL (gtk_menu_button_get_child (GTK_MENU_BUTTON (self->transform_button))), label);
  gtk_widget_set_tooltip_text (self->transform_button, text);
  gtk_label_set_text (GTK_LABEL (self->transform_text), text);
  if (g_strcmp0 (self->summary, label) != 0)
    {
      g_free (self->summary);
      self->summary = g_steal_pointer (&label);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSFORM_SUMMARY]);
    }
  if (g_strcmp0 (self->full_text, text) != 0)
    {
      g_free (self->full_text);
      self->full_text = g_steal_pointer (&text);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSFORM_TEXT]);
    }
}

static JsonNode *
lookup_from_text (const char  *text,
                  char       **reason)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(JsonObject) table = json_object_new ();
  JsonNode *node;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *equals;

      if (*line == '\0')
        continue;
      equals = strchr (line, '=');
      if (equals == NULL)
        {
          /* Translators: %u is a line number in the lookup table */
          *reason = g_strdup_printf (_("Line %u needs the form key=value"), i + 1);
          return NULL;
        }
      *equals = '\0';
      json_object_set_string_member (table, g_strstrip (line), g_strstrip (equals + 1));
    }

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, table);
  return node;
}

static char *
lookup_to_text (JsonObject *table)
{
  GString *text = g_string_new (NULL);
  g_autoptr(GList) members = table ? json_object_get_members (table) : NULL;

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (table, l->data);
      g_autofree char *shown = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING
                               ? g_strdup (json_node_get_string (value))
                               : json_to_string (value, FALSE);

      g_string_append_printf (text, "%s=%s\n", (char *) l->data, shown);
    }
  return g_string_free (text, FALSE);
}

static JsonNode *
wrap_transform (const char *name,
                JsonNode   *options)
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_member (object, name, options);
  json_node_set_object (node, object);
  return node;
}

/* The transform the popover describes, or NULL and a reason. */
static JsonNode *
build_transform (SyMappingRuleRow  *self,
                 guint              kind,
                 char             **reason)
{
  g_autoptr(JsonObject) options = NULL;
  JsonObject *current_options = NULL;
  JsonNode *node;

  /* Options this popover does not show (a date's "from") are kept. */
  if (transform_kind_of (sy_mapping_rule_get_transform (self->rule), &current_options) == kind &&
      current_options != NULL)
    {
      g_autoptr(JsonNode) wrapper = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonNode) copy = NULL;
      g_autofree char *text = NULL;

      /* A deep copy: json_node_copy() would share the rule's own object. */
      json_node_set_object (wrapper, current_options);
      text = json_to_string (wrapper, FALSE);
      copy = json_from_string (text, NULL);
      if (copy != NULL && JSON_NODE_HOLDS_OBJECT (copy))
        options = json_object_ref (json_node_get_object (copy));
    }

  switch (kind)
    {
    case T_DATE:
      if (options == NULL)
        options = json_object_new ();
      json_object_set_string_member (options, "to", gtk_editable_get_text (GTK_EDITABLE (self->date_entry)));
      node = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (node, options);
      return wrap_transform ("date", node);
    case T_NUMBER:
      if (options == NULL)
        options = json_object_new ();
      json_object_set_int_member (options, "scale",
                                  gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->scale_spin)));
      node = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (node, options);
      return wrap_transform ("number", node);
    case T_LOOKUP:
      {
        GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->lookup_view));
        GtkTextIter start, end;
        g_autofree char *text = NULL;

        gtk_text_buffer_get_bounds (buffer, &start, &end);
        text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
        node = lookup_from_text (text, reason);
        return node ? wrap_transform ("lookup", node) : NULL;
      }
    case T_TRIM:
    case T_UPPER:
    case T_LOWER:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (node, transform_ids[kind]);
      return node;
    default:
      return NULL;
    }
}

/* The example line under the date format, for the pattern as typed. */
static void
update_date_example (SyMappingRuleRow *self)
{
  const char *format = gtk_editable_get_text (GTK_EDITABLE (self->date_entry));
  g_autofree char *rendered = render_date (format);
  g_autofree char *example = NULL;

  if (rendered != NULL)
    /* Translators: the sample date (31 January 2024, 14:30 UTC) written in the chosen format */
    example = g_strdup_printf (_("31 January 2024 becomes “%s”"), rendered);
  else
    example = g_strdup (_("No example: GLib cannot use this format"));
  gtk_label_set_text (GTK_LABEL (self->date_example), example);
  if (rendered != NULL)
    gtk_widget_remove_css_class (self->date_example, "error");
  else
    gtk_widget_add_css_class (self->date_example, "error");
  if (g_strcmp0 (self->example, rendered) != 0)
    {
      g_free (self->example);
      self->example = g_steal_pointer (&rendered);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATE_EXAMPLE]);
    }
}

/* An example picked in the drop-down writes its pattern into the entry,
 * which is what the transform is built from; "Custom…" shows the entry. */
static void
date_format_selected_cb (SyMappingRuleRow *self)
{
  guint index = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->date_format_dropdown));
  gboolean custom = index >= N_DATE_FORMATS;

  gtk_widget_set_visible (self->date_custom_box, custom);
  if (self->populating)
    return;
  if (!custom)
    gtk_editable_set_text (GTK_EDITABLE (self->date_entry), date_formats[index]);
  else
    gtk_widget_grab_focus (self->date_entry);
}

static void
select_date_format (SyMappingRuleRow *self,
                    const char       *format)
{
  gboolean populating = self->populating;

  self->populating = TRUE;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->date_format_dropdown), date_format_index (format));
  gtk_widget_set_visible (self->date_custom_box, date_format_index (format) >= N_DATE_FORMATS);
  self->populating = populating;
}

static void
apply_transform (SyMappingRuleRow *self)
{
  guint kind = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->transform_dropdown));
  g_autoptr(JsonNode) transform = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  const char *pages[] = { "none", "date", "number", "lookup", "none", "none", "none", "none" };

  gtk_stack_set_visible_child_name (GTK_STACK (self->option_stack), pages[MIN (kind, T_CUSTOM)]);
  update_date_example (self);
  if (self->populating || kind == T_CUSTOM)
    return;

  transform = build_transform (self, kind, &reason);
  if (reason == NULL && !sy_mapping_rule_set_transform (self->rule, transform, &error))
    reason = g_strdup (error->message);

  gtk_label_set_text (GTK_LABEL (self->transform_error), reason ? reason : "");
  gtk_widget_set_visible (self->transform_error, reason != NULL);
  if (reason == NULL)
    {
      update_transform_button (self);
      emit_edited (self);
    }
}

static void
default_changed_cb (SyMappingRuleRow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->default_entry));
  g_autoptr(JsonNode) value = NULL;

  if (self->populating)
    return;
  if (*text != '\0')
    {
      value = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (value, text);
    }
  sy_mapping_rule_set_default (self->rule, value);
  update_transform_button (self);
  emit_edited (self);
}

static void
populate_transform_popover (SyMappingRuleRow *self)
{
  JsonObject *options;
  guint kind = transform_kind_of (sy_mapping_rule_get_transform (self->rule), &options);
  JsonNode *fallback = sy_mapping_rule_get_default (self->rule);

  self->populating = TRUE;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->transform_dropdown), kind);
  if (kind == T_DATE && options != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->date_entry),
                           json_object_get_string_member_with_default (options, "to", "%Y-%m-%d"));
  select_date_format (self, gtk_editable_get_text (GTK_EDITABLE (self->date_entry)));
  if (kind == T_NUMBER && options != NULL)
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->scale_spin),
                               json_object_get_int_member_with_default (options, "scale", 0));
  if (kind == T_LOOKUP)
    {
      g_autofree char *text = lookup_to_text (options);
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->lookup_view)), text, -1);
    }
  if (fallback != NULL && JSON_NODE_HOLDS_VALUE (fallback))
    {
      g_autofree char *text = json_node_get_value_type (fallback) == G_TYPE_STRING
                              ? g_strdup (json_node_get_string (fallback))
                              : json_to_string (fallback, FALSE);
      gtk_editable_set_text (GTK_EDITABLE (self->default_entry), text);
    }
  /* Shows the options of the transform without writing it back: a file's
   * transform stays exactly as it was until the user changes it. */
  apply_transform (self);
  self->populating = FALSE;
  update_transform_button (self);
}

gboolean
sy_mapping_rule_row_set_transform_choice (SyMappingRuleRow *self,
                                          const char       *kind,
                                          const char       *option)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE_ROW (self), FALSE);

  for (guint i = 0; i < T_CUSTOM; i++)
    if (g_str_equal (kind, transform_ids[i]))
      {
        self->populating = TRUE;
        if (i == T_DATE && option != NULL)
          {
            gtk_editable_set_text (GTK_EDITABLE (self->date_entry), option);
            select_date_format (self, option);
          }
        else if (i == T_NUMBER && option != NULL)
          gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->scale_spin), g_ascii_strtod (option, NULL));
        else if (i == T_LOOKUP && option != NULL)
          gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->lookup_view)), option, -1);
        gtk_drop_down_set_selected (GTK_DROP_DOWN (self->transform_dropdown), i);
        self->populating = FALSE;
        apply_transform (self);
        return !gtk_widget_get_visible (self->transform_error);
      }
  return FALSE;
}

void
sy_mapping_rule_row_edit_transform (SyMappingRuleRow *self)
{
  g_return_if_fail (SY_IS_MAPPING_RULE_ROW (self));
  gtk_menu_button_popup (GTK_MENU_BUTTON (self->transform_button));
}

/* The rule's own fields */

/* The row takes the focus on its own (Tab stops on it before its
 * fields), so a screen reader needs to hear which rule it is. */
static void
update_accessible_label (SyMappingRuleRow *self)
{
  const char *target = sy_field_chooser_get_text (SY_FIELD_CHOOSER (self->target_chooser));
  g_autofree char *label = NULL;

  if (target == NULL || *target == '\0')
    label = g_strdup (self->parent_rule ? _("Item rule without a target field") : _("Rule without a target field"));
  else if (self->parent_rule != NULL)
    /* Translators: the accessible name of a rule for a field of each array item */
    label = g_strdup_printf (_("Item rule for %s"), target);
  else
    /* Translators: the accessible name of a rule, with the target field it fills */
    label = g_strdup_printf (_("Rule for %s"), target);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
target_changed_cb (SyMappingRuleRow *self)
{
  sy_mapping_rule_set_target (self->rule, sy_field_chooser_get_text (SY_FIELD_CHOOSER (self->target_chooser)));
  update_accessible_label (self);
  emit_edited (self);
}

static void
source_changed_cb (SyMappingRuleRow *self)
{
  guint kind = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->kind_dropdown));

  if (self->populating)
    return;

  switch (kind)
    {
    case SY_MAPPING_RULE_SOURCE:
      sy_mapping_rule_set_source (self->rule, sy_field_chooser_get_text (SY_FIELD_CHOOSER (self->source_chooser)));
      gtk_stack_set_visible_child (GTK_STACK (self->value_stack), self->source_chooser);
      break;
    case SY_MAPPING_RULE_VALUE:
      {
        g_autoptr(JsonNode) value = json_node_new (JSON_NODE_VALUE);

        json_node_set_string (value, gtk_editable_get_text (GTK_EDITABLE (self->value_entry)));
        sy_mapping_rule_set_value (self->rule, value);
        gtk_stack_set_visible_child (GTK_STACK (self->value_stack), self->value_entry);
      }
      break;
    case SY_MAPPING_RULE_TEMPLATE:
      sy_mapping_rule_set_template (self->rule, gtk_editable_get_text (GTK_EDITABLE (self->template_entry)));
      gtk_stack_set_visible_child (GTK_STACK (self->value_stack), self->template_entry);
      break;
    default:
      break;
    }
  emit_edited (self);
}

static void
required_toggled_cb (SyMappingRuleRow *self)
{
  if (self->populating)
    return;
  sy_mapping_rule_set_required (self->rule, gtk_check_button_get_active (GTK_CHECK_BUTTON (self->required_check)));
  emit_edited (self);
}

static void
populate (SyMappingRuleRow *self)
{
  SyMappingRuleKind kind = sy_mapping_rule_get_kind (self->rule);
  JsonNode *value = sy_mapping_rule_get_value (self->rule);

  self->populating = TRUE;
  sy_field_chooser_set_text (SY_FIELD_CHOOSER (self->target_chooser), sy_mapping_rule_get_target (self->rule));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->kind_dropdown), kind);
  sy_field_chooser_set_text (SY_FIELD_CHOOSER (self->source_chooser), sy_mapping_rule_get_source (self->rule));
  gtk_editable_set_text (GTK_EDITABLE (self->template_entry), sy_mapping_rule_get_template (self->rule) ?: "");
  if (value != NULL && JSON_NODE_HOLDS_VALUE (value))
    {
      g_autofree char *text = json_node_get_value_type (value) == G_TYPE_STRING
                              ? g_strdup (json_node_get_string (value))
                              : json_to_string (value, FALSE);
      gtk_editable_set_text (GTK_EDITABLE (self->value_entry), text);
    }
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->required_check), sy_mapping_rule_get_required (self->rule));
  switch (kind)
    {
    case SY_MAPPING_RULE_VALUE:
      gtk_stack_set_visible_child (GTK_STACK (self->value_stack), self->value_entry);
      break;
    case SY_MAPPING_RULE_TEMPLATE:
      gtk_stack_set_visible_child (GTK_STACK (self->value_stack), self->template_entry);
      break;
    default:
      gtk_stack_set_visible_child (GTK_STACK (self->value_stack), self->source_chooser);
      break;
    }
  self->populating = FALSE;
  update_accessible_label (self);

  populate_transform_popover (self);
}

/* Problems */

/* A rule the user has not touched yet keeps its problem (saving still
 * reports it) but looks neutral: a fresh rule is incomplete, not wrong. */
static void
update_problem_style (SyMappingRuleRow *self)
{
  const char *message = self->touched ? self->problem : NULL;

  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self), "sy-rule-problem");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self), message);
      gtk_widget_set_tooltip_text (self->problem_icon, message);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self), "sy-rule-problem");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self), NULL);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
  gtk_widget_set_visible (self->problem_icon, message != NULL);
}

void
sy_mapping_rule_row_set_problem (SyMappingRuleRow *self,
                                 const char       *message)
{
  g_return_if_fail (SY_IS_MAPPING_RULE_ROW (self));

  if (g_strcmp0 (self->problem, message) == 0)
    return;
  g_free (self->problem);
  self->problem = g_strdup (message);
  update_problem_style (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
}

void
sy_mapping_rule_row_set_touched (SyMappingRuleRow *self,
                                 gboolean          touched)
{
  g_return_if_fail (SY_IS_MAPPING_RULE_ROW (self));

  touched = !!touched;
  if (self->touched == touched)
    return;
  self->touched = touched;
  update_problem_style (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOUCHED]);
}

gboolean
sy_mapping_rule_row_get_touched (SyMappingRuleRow *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE_ROW (self), FALSE);
  return self->touched;
}

const char *
sy_mapping_rule_row_get_problem (SyMappingRuleRow *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE_ROW (self), NULL);
  return self->problem;
}

/* Actions */

static void
row_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  if (g_str_equal (action_name, "rule.edit-transform"))
    sy_mapping_rule_row_edit_transform (SY_MAPPING_RULE_ROW (widget));
  else
    g_signal_emit (widget, signals[SIGNAL_ACTION_REQUESTED], 0, action_name);
}

static void
sy_mapping_rule_row_dispose (GObject *object)
{
  SyMappingRuleRow *self = SY_MAPPING_RULE_ROW (object);

  g_clear_object (&self->rule);
  g_clear_object (&self->parent_rule);

  G_OBJECT_CLASS (sy_mapping_rule_row_parent_class)->dispose (object);
}

static void
sy_mapping_rule_row_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SyMappingRuleRow *self = SY_MAPPING_RULE_ROW (object);

  switch (prop_id)
    {
    case PROP_TOUCHED:
      g_value_set_boolean (value, self->touched);
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    case PROP_TRANSFORM_SUMMARY:
      g_value_set_string (value, self->summary);
      break;
    case PROP_TRANSFORM_TEXT:
      g_value_set_string (value, self->full_text);
      break;
    case PROP_DATE_EXAMPLE:
      g_value_set_string (value, self->example);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_rule_row_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SyMappingRuleRow *self = SY_MAPPING_RULE_ROW (object);

  switch (prop_id)
    {
    case PROP_TOUCHED:
      sy_mapping_rule_row_set_touched (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_rule_row_finalize (GObject *object)
{
  SyMappingRuleRow *self = SY_MAPPING_RULE_ROW (object);

  g_free (self->problem);
  g_free (self->summary);
  g_free (self->full_text);
  g_free (self->example);

  G_OBJECT_CLASS (sy_mapping_rule_row_parent_class)->finalize (object);
}

static void
sy_mapping_rule_row_class_init (SyMappingRuleRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_mapping_rule_row_dispose;
  object_class->finalize = sy_mapping_rule_row_finalize;
  object_class->get_property = sy_mapping_rule_row_get_property;
  object_class->set_property = sy_mapping_rule_row_set_property;

  /* Whether the user changed the rule or tried to save it: its problem is
   * shown only then. */
  properties[PROP_TOUCHED] =
    g_param_spec_boolean ("touched", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The preview's problems for this rule, shown or not, or NULL. */
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* What the row's transform button says. */
  properties[PROP_TRANSFORM_SUMMARY] =
    g_param_spec_string ("transform-summary", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The whole transform and default in words, as the popover shows it. */
  properties[PROP_TRANSFORM_TEXT] =
    g_param_spec_string ("transform-text", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The sample date written in the date format being edited, or NULL. */
  properties[PROP_DATE_EXAMPLE] =
    g_param_spec_string ("date-example", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_EDITED] =
    g_signal_new ("edited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ACTION_REQUESTED] =
    g_signal_new ("action-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "rule.remove", NULL, row_action);
  gtk_widget_class_install_action (widget_class, "rule.move-up", NULL, row_action);
  gtk_widget_class_install_action (widget_class, "rule.move-down", NULL, row_action);
  gtk_widget_class_install_action (widget_class, "rule.add-item", NULL, row_action);
  gtk_widget_class_install_action (widget_class, "rule.toggle-each", NULL, row_action);
  gtk_widget_class_install_action (widget_class, "rule.edit-transform", NULL, row_action);

  /* Bubbling up: Delete inside an entry deletes a character instead. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "rule.remove", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "rule.move-up", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK, "rule.move-down", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK, "rule.edit-transform", NULL);
}

static GtkWidget *
labelled (GtkWidget  *widget,
          const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  return widget;
}

static GtkWidget *
build_transform_popover (SyMappingRuleRow *self)
{
  const char *names[] = { N_("None"), N_("Date"), N_("Number"), N_("Lookup Table"), N_("Trim Spaces"),
                          N_("Upper Case"), N_("Lower Case"), N_("Custom"), NULL };
  const char *translated[G_N_ELEMENTS (names)];
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *label, *box, *scrolled;
  int row = 0;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    translated[i] = names[i] ? _(names[i]) : NULL;

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);

  /* The whole transform in words: the row has room for a summary only. */
  self->transform_text = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->transform_text), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->transform_text), 0);
  gtk_label_set_max_width_chars (GTK_LABEL (self->transform_text), 36);
  gtk_label_set_selectable (GTK_LABEL (self->transform_text), TRUE);
  gtk_widget_set_focusable (self->transform_text, FALSE);
  gtk_widget_add_css_class (self->transform_text, "heading");
  gtk_grid_attach (GTK_GRID (grid), self->transform_text, 0, row++, 2, 1);

  label = gtk_label_new_with_mnemonic (_("_Transform"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  self->transform_dropdown = gtk_drop_down_new_from_strings (translated);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->transform_dropdown);
  labelled (self->transform_dropdown, _("Transform"));
  g_signal_connect_swapped (self->transform_dropdown, "notify::selected", G_CALLBACK (apply_transform), self);
  gtk_grid_attach (GTK_GRID (grid), label, 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), self->transform_dropdown, 1, row++, 1, 1);

  self->option_stack = gtk_stack_new ();
  gtk_stack_set_vhomogeneous (GTK_STACK (self->option_stack), FALSE);
  gtk_stack_add_named (GTK_STACK (self->option_stack), gtk_box_new (GTK_ORIENTATION_VERTICAL, 0), "none");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  {
    GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
    g_autoptr(GtkStringList) examples = gtk_string_list_new (NULL);

    for (guint i = 0; i < N_DATE_FORMATS; i++)
      {
        g_autofree char *rendered = render_date (date_formats[i]);

        if (g_str_equal (date_formats[i], "iso8601"))
          {
            /* Translators: the sample date in ISO 8601, named as such */
            g_autofree char *named = g_strdup_printf (_("%s (ISO 8601)"), rendered);
            gtk_string_list_append (examples, named);
          }
        else
          gtk_string_list_append (examples, rendered);
      }
    gtk_string_list_append (examples, _("Custom…"));

    label = gtk_label_new_with_mnemonic (_("_Format"));
    self->date_format_dropdown = labelled (gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&examples)), NULL),
                                           _("Date format"));
    gtk_widget_set_hexpand (self->date_format_dropdown, TRUE);
    gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->date_format_dropdown);
    g_signal_connect_swapped (self->date_format_dropdown, "notify::selected", G_CALLBACK (date_format_selected_cb), self);
    gtk_box_append (GTK_BOX (line), label);
    gtk_box_append (GTK_BOX (line), self->date_format_dropdown);
    gtk_box_append (GTK_BOX (box), line);
  }
  self->date_custom_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  label = gtk_label_new_with_mnemonic (_("_Pattern"));
  self->date_entry = labelled (gtk_entry_new (), _("Custom date pattern (strftime)"));
  gtk_editable_set_text (GTK_EDITABLE (self->date_entry), "%Y-%m-%d");
  gtk_widget_set_tooltip_text (self->date_entry, _("strftime directives such as %Y (year), %m (month), %d (day), %H:%M (time)"));
  gtk_widget_set_hexpand (self->date_entry, TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->date_entry);
  g_signal_connect_swapped (self->date_entry, "changed", G_CALLBACK (apply_transform), self);
  gtk_box_append (GTK_BOX (self->date_custom_box), label);
  gtk_box_append (GTK_BOX (self->date_custom_box), self->date_entry);
  gtk_widget_set_visible (self->date_custom_box, FALSE);
  gtk_box_append (GTK_BOX (box), self->date_custom_box);
  self->date_example = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->date_example), 0);
  gtk_label_set_wrap (GTK_LABEL (self->date_example), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (self->date_example), 36);
  gtk_label_set_selectable (GTK_LABEL (self->date_example), FALSE);
  gtk_widget_add_css_class (self->date_example, "dim-label");
  gtk_box_append (GTK_BOX (box), self->date_example);
  gtk_stack_add_named (GTK_STACK (self->option_stack), box, "date");

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  label = gtk_label_new_with_mnemonic (_("Decimal _places"));
  self->scale_spin = labelled (gtk_spin_button_new_with_range (0, 10, 1), _("Decimal places"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->scale_spin);
  g_signal_connect_swapped (self->scale_spin, "value-changed", G_CALLBACK (apply_transform), self);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), self->scale_spin);
  gtk_stack_add_named (GTK_STACK (self->option_stack), box, "number");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  label = gtk_label_new_with_mnemonic (_("_One “key=value” per line"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  self->lookup_view = labelled (gtk_text_view_new (), _("Lookup table, one key=value per line"));
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (self->lookup_view), TRUE);
  gtk_text_view_set_accepts_tab (GTK_TEXT_VIEW (self->lookup_view), FALSE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->lookup_view);
  g_signal_connect_swapped (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->lookup_view)), "changed",
                            G_CALLBACK (apply_transform), self);
  scrolled = gtk_scrolled_window_new ();
  gtk_widget_set_size_request (scrolled, 240, 100);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->lookup_view);
  gtk_widget_add_css_class (scrolled, "card");
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_stack_add_named (GTK_STACK (self->option_stack), box, "lookup");
  gtk_grid_attach (GTK_GRID (grid), self->option_stack, 0, row++, 2, 1);

  label = gtk_label_new_with_mnemonic (_("_Default"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  self->default_entry = labelled (gtk_entry_new (), _("Default value"));
  gtk_widget_set_tooltip_text (self->default_entry, _("Used when the source value is missing or empty"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->default_entry);
  g_signal_connect_swapped (self->default_entry, "changed", G_CALLBACK (default_changed_cb), self);
  gtk_grid_attach (GTK_GRID (grid), label, 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), self->default_entry, 1, row++, 1, 1);

  self->transform_error = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->transform_error), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->transform_error), 0);
  gtk_label_set_max_width_chars (GTK_LABEL (self->transform_error), 36);
  gtk_widget_add_css_class (self->transform_error, "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->transform_error), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Transform problem"), -1);
  gtk_widget_set_visible (self->transform_error, FALSE);
  gtk_grid_attach (GTK_GRID (grid), self->transform_error, 0, row++, 2, 1);

  gtk_popover_set_child (GTK_POPOVER (popover), grid);
  return popover;
}

static GMenuModel *
build_row_menu (gboolean is_item,
                gboolean has_items)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) structure = g_menu_new ();
  g_autoptr(GMenu) order = g_menu_new ();

  g_menu_append (structure, _("_Transform and Default…"), "rule.edit-transform");
  if (!is_item)
    {
      g_menu_append (structure, has_items ? _("Stop Mapping Each _Item") : _("Map Each _Item of an Array"),
                     "rule.toggle-each");
      if (has_items)
        g_menu_append (structure, _("_Add Item Rule"), "rule.add-item");
    }
  g_menu_append (order, _("Move _Up"), "rule.move-up");
  g_menu_append (order, _("Move _Down"), "rule.move-down");
  g_menu_append (order, _("_Remove Rule"), "rule.remove");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (structure));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (order));
  return G_MENU_MODEL (menu);
}

static void
add_part (GtkWidget *flow_box,
          GtkWidget *part)
{
  gtk_flow_box_append (GTK_FLOW_BOX (flow_box), part);
  /* The fields inside take the focus, not the part around them. */
  gtk_widget_set_focusable (gtk_widget_get_parent (part), FALSE);
}

static GtkWidget *
new_arrow (void)
{
  GtkWidget *arrow = gtk_label_new ("→");

  gtk_widget_add_css_class (arrow, "dim-label");
  gtk_accessible_update_property (GTK_ACCESSIBLE (arrow), GTK_ACCESSIBLE_PROPERTY_LABEL, _("becomes"), -1);
  return arrow;
}

static void
sy_mapping_rule_row_init (SyMappingRuleRow *self)
{
  self->touched = TRUE;
}

GtkWidget *
sy_mapping_rule_row_new (SyMappingRule *rule,
                         SyMappingRule *parent,
                         GListModel    *target_fields,
                         GListModel    *source_fields)
{
  /* Translators: where a rule's value comes from: a field of the source record, a constant or a template */
  const char *kinds[] = { C_("value from", "Field"), C_("value from", "Constant"), C_("value from", "Template"), NULL };
  SyMappingRuleRow *self;
  g_autoptr(GMenuModel) menu = NULL;
  GtkWidget *box, *part;

  g_return_val_if_fail (SY_IS_MAPPING_RULE (rule), NULL);

  self = g_object_new (SY_TYPE_MAPPING_RULE_ROW, NULL);
  self->rule = g_object_ref (rule);
  self->parent_rule = parent ? g_object_ref (parent) : NULL;

  box = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (box), GTK_SELECTION_NONE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (box), 1);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (box), 3);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (box), 6);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (box), 6);
  gtk_widget_set_margin_start (box, parent ? 24 : 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);

  self->problem_icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");
  gtk_widget_add_css_class (self->problem_icon, "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->problem_icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Problem"), -1);
  gtk_widget_set_visible (self->problem_icon, FALSE);

  self->target_chooser = sy_field_chooser_new (parent ? _("Item target field") : _("Target field"));
  sy_field_chooser_set_fields (SY_FIELD_CHOOSER (self->target_chooser), target_fields);
  gtk_entry_set_placeholder_text (GTK_ENTRY (sy_field_chooser_get_entry (SY_FIELD_CHOOSER (self->target_chooser))),
                                  _("Target field"));
  gtk_widget_set_size_request (self->target_chooser, 120, -1);
  g_signal_connect_swapped (self->target_chooser, "changed", G_CALLBACK (target_changed_cb), self);


  self->kind_dropdown = labelled (gtk_drop_down_new_from_strings (kinds), _("Value comes from"));
  g_signal_connect_swapped (self->kind_dropdown, "notify::selected", G_CALLBACK (source_changed_cb), self);

  self->source_chooser = sy_field_chooser_new (parent ? _("Item source field") : _("Source field"));
  sy_field_chooser_set_fields (SY_FIELD_CHOOSER (self->source_chooser), source_fields);
  gtk_entry_set_placeholder_text (GTK_ENTRY (sy_field_chooser_get_entry (SY_FIELD_CHOOSER (self->source_chooser))),
                                  _("Source field"));
  g_signal_connect_swapped (self->source_chooser, "changed", G_CALLBACK (source_changed_cb), self);
  self->value_entry = labelled (gtk_entry_new (), _("Constant value"));
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->value_entry), _("Constant"));
  g_signal_connect_swapped (self->value_entry, "changed", G_CALLBACK (source_changed_cb), self);
  self->template_entry = labelled (gtk_entry_new (), _("Template"));
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->template_entry), _("Order {orderNumber}"));
  g_signal_connect_swapped (self->template_entry, "changed", G_CALLBACK (source_changed_cb), self);
  self->value_stack = gtk_stack_new ();
  gtk_widget_set_hexpand (self->value_stack, TRUE);
  gtk_widget_set_size_request (self->value_stack, 120, -1);
  /* Small natural widths: the three parts of a rule share one line (a
   * flow box gives every part the widest one's natural width); the
   * fields still grow into the room there is. */
  {
    GtkEditable *editables[] = { GTK_EDITABLE (self->value_entry), GTK_EDITABLE (self->template_entry),
                                 sy_field_chooser_get_entry (SY_FIELD_CHOOSER (self->source_chooser)),
                                 sy_field_chooser_get_entry (SY_FIELD_CHOOSER (self->target_chooser)) };

    for (guint i = 0; i < G_N_ELEMENTS (editables); i++)
      {
        gtk_editable_set_width_chars (editables[i], 10);
        gtk_editable_set_max_width_chars (editables[i], 10);
      }
  }
  gtk_stack_add_child (GTK_STACK (self->value_stack), self->source_chooser);
  gtk_stack_add_child (GTK_STACK (self->value_stack), self->value_entry);
  gtk_stack_add_child (GTK_STACK (self->value_stack), self->template_entry);

  self->transform_button = labelled (gtk_menu_button_new (), _("Transform and default"));
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (self->transform_button), build_transform_popover (self));
  {
    GtkWidget *label = gtk_label_new (NULL);

    /* Summaries are short; only a long default value could need this,
     * and the popover shows it whole. */
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
    gtk_label_set_max_width_chars (GTK_LABEL (label), 30);
    gtk_label_set_width_chars (GTK_LABEL (label), 10);
    gtk_label_set_xalign (GTK_LABEL (label), 0);
    gtk_menu_button_set_child (GTK_MENU_BUTTON (self->transform_button), label);
  }
  gtk_widget_add_css_class (self->transform_button, "flat");

  self->required_check = gtk_check_button_new_with_mnemonic (_("Re_quired"));
  gtk_widget_set_tooltip_text (self->required_check, _("Every record must get a value for this field"));
  g_signal_connect_swapped (self->required_check, "toggled", G_CALLBACK (required_toggled_cb), self);

  menu = build_row_menu (parent != NULL, sy_mapping_rule_get_children (rule) != NULL);
  self->menu_button = labelled (gtk_menu_button_new (), _("Rule menu"));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (self->menu_button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->menu_button), menu);
  gtk_widget_set_tooltip_text (self->menu_button, _("Rule Menu"));
  gtk_widget_add_css_class (self->menu_button, "flat");

  /* Read left to right as the data flows: source → transform → target.
   * Three parts that sit on one line where there is room and wrap onto
   * more on narrow widths. */
  part = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (part), self->problem_icon);
  gtk_box_append (GTK_BOX (part), self->kind_dropdown);
  gtk_box_append (GTK_BOX (part), self->value_stack);
  add_part (box, part);
  part = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  /* The arrows stay beside the transform, also on a line of their own. */
  gtk_widget_set_halign (part, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (part), new_arrow ());
  gtk_box_append (GTK_BOX (part), self->transform_button);
  gtk_box_append (GTK_BOX (part), new_arrow ());
  add_part (box, part);
  part = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_hexpand (self->target_chooser, TRUE);
  gtk_box_append (GTK_BOX (part), self->target_chooser);
  gtk_box_append (GTK_BOX (part), self->required_check);
  gtk_box_append (GTK_BOX (part), self->menu_button);
  add_part (box, part);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);

  sy_mapping_rule_row_update_prefixes (self);
  populate (self);
  return GTK_WIDGET (self);
}

void
sy_mapping_rule_row_update_prefixes (SyMappingRuleRow *self)
{
  g_autofree char *target_prefix = NULL;
  g_autofree char *source_prefix = NULL;

  g_return_if_fail (SY_IS_MAPPING_RULE_ROW (self));

  if (self->parent_rule == NULL)
    return;
  target_prefix = g_strconcat (sy_mapping_rule_get_target (self->parent_rule) ?: "", "[].", NULL);
  source_prefix = g_strconcat (sy_mapping_rule_get_source (self->parent_rule) ?: "", "[].", NULL);
  sy_field_chooser_set_prefix (SY_FIELD_CHOOSER (self->target_chooser), target_prefix);
  sy_field_chooser_set_prefix (SY_FIELD_CHOOSER (self->source_chooser), source_prefix);
}

SyMappingRule *
sy_mapping_rule_row_get_rule (SyMappingRuleRow *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE_ROW (self), NULL);
  return self->rule;
}

SyMappingRule *
sy_mapping_rule_row_get_parent_rule (SyMappingRuleRow *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_RULE_ROW (self), NULL);
  return self->parent_rule;
}

SyFieldChooser *
sy_mapping_rule_row_get_target_chooser (SyMappingRuleRow *self)
{
  return SY_FIELD_CHOOSER (self->target_chooser);
}

SyFieldChooser *
sy_mapping_rule_row_get_source_chooser (SyMappingRuleRow *self)
{
  return SY_FIELD_CHOOSER (self->source_chooser);
}

GtkDropDown *
sy_mapping_rule_row_get_kind_dropdown (SyMappingRuleRow *self)
{
  return GTK_DROP_DOWN (self->kind_dropdown);
}

GtkEditable *
sy_mapping_rule_row_get_value_entry (SyMappingRuleRow *self)
{
  return GTK_EDITABLE (self->value_entry);
}

GtkCheckButton *
sy_mapping_rule_row_get_required_check (SyMappingRuleRow *self)
{
  return GTK_CHECK_BUTTON (self->required_check);
}

void
sy_mapping_rule_row_focus_first (SyMappingRuleRow *self)
{
  g_return_if_fail (SY_IS_MAPPING_RULE_ROW (self));
  gtk_widget_grab_focus (GTK_WIDGET (sy_field_chooser_get_entry (SY_FIELD_CHOOSER (self->target_chooser))));
}
