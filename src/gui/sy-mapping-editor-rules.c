/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-mapping-editor-internal.h"
#include "sy-mapping-preview-private.h"

/* The rule list: rows edited in place, items of "each" rules after their
 * parent, and the preview's problems shown on the rows. */

/* Rules */

static guint
index_in (GListModel *model,
          gpointer    item)
{
  guint n = model ? g_list_model_get_n_items (model) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) other = g_list_model_get_item (model, i);

      if (other == item)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static GListStore *
copy_children (SyMappingRule *rule)
{
  GListModel *children = sy_mapping_rule_get_children (rule);
  GListStore *copy = g_list_store_new (SY_TYPE_MAPPING_RULE);
  guint n = children ? g_list_model_get_n_items (children) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (children, i);
      g_list_store_append (copy, item);
    }
  return copy;
}

static void
rows_changed (SyMappingEditor *self,
              SyMappingRule   *focus)
{
  sy_mapping_editor_rebuild_rules (self, focus);
  sy_mapping_editor_update_dirty (self);
}

static void
row_edited_cb (SyMappingEditor  *self,
               SyMappingRuleRow *row)
{
  SyMappingRule *rule = sy_mapping_rule_row_get_rule (row);

  /* An array rule's items offer the fields below its target and source. */
  if (sy_mapping_rule_get_children (rule) != NULL)
    for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->rule_list));
         child != NULL; child = gtk_widget_get_next_sibling (child))
      if (SY_IS_MAPPING_RULE_ROW (child) &&
          sy_mapping_rule_row_get_parent_rule (SY_MAPPING_RULE_ROW (child)) == rule)
        sy_mapping_rule_row_update_prefixes (SY_MAPPING_RULE_ROW (child));
  sy_mapping_editor_update_dirty (self);
}

/* A rule the user has not filled in yet: its problems wait until the user
 * touched it (docs: issue 12, a new rule is not red before typing). */
static SyMappingRule *
new_rule_for (SyMappingEditor *self)
{
  SyMappingRule *rule = sy_mapping_rule_new ("");

  g_hash_table_add (self->untouched_rules, g_object_ref (rule));
  return rule;
}

/* Removing a rule, and taking it back */

typedef struct
{
  SyMapping     *mapping;
  SyMappingRule *rule;
  SyMappingRule *parent;
  guint          position;
} Removal;

static void
removal_free (Removal *removal)
{
  g_clear_object (&removal->mapping);
  g_clear_object (&removal->rule);
  g_clear_object (&removal->parent);
  g_free (removal);
}

static void
undo_removal_cb (AdwToast        *toast,
                 SyMappingEditor *self)
{
  /* Taken from the toast: a second click finds nothing to put back. */
  Removal *removal = g_object_steal_data (G_OBJECT (toast), "sy-removal");

  if (removal == NULL)
    return;
  /* Another mapping is open now: the rule belonged to the one before. */
  if (removal->mapping != self->mapping)
    {
      removal_free (removal);
      return;
    }

  if (removal->parent != NULL)
    {
      g_autoptr(GListStore) children = copy_children (removal->parent);
      guint n = g_list_model_get_n_items (G_LIST_MODEL (children));

      g_list_store_insert (children, MIN (removal->position, n), removal->rule);
      sy_mapping_rule_set_children (removal->parent, G_LIST_MODEL (children));
    }
  else
    {
      guint n = g_list_model_get_n_items (sy_mapping_get_rules (self->mapping));

      sy_mapping_insert_rule (self->mapping, MIN (removal->position, n), removal->rule);
    }
  rows_changed (self, removal->rule);
  sy_mapping_editor_update_unused (self);
  removal_free (removal);
}

static void
show_removal_toast (SyMappingEditor *self,
                    SyMappingRule   *rule,
                    SyMappingRule   *parent,
                    guint            position)
{
  AdwToastOverlay *overlay = self->toast_overlay;
  AdwToast *toast = adw_toast_new (_("Rule removed"));
  Removal *removal = g_new0 (Removal, 1);

  /* Embedded elsewhere, the editor may have no overlay of its own. */
  if (overlay == NULL)
    overlay = ADW_TOAST_OVERLAY (gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY));

  removal->mapping = g_object_ref (self->mapping);
  removal->rule = g_object_ref (rule);
  removal->parent = parent ? g_object_ref (parent) : NULL;
  removal->position = position;
  g_object_set_data_full (G_OBJECT (toast), "sy-removal", removal, (GDestroyNotify) removal_free);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_timeout (toast, 8);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (undo_removal_cb), self, 0);

  g_free (self->last_toast);
  self->last_toast = g_strdup (_("Rule removed"));
  if (overlay != NULL)
    adw_toast_overlay_add_toast (overlay, toast);
  else
    g_object_unref (toast);
}

static void
row_action_cb (SyMappingEditor  *self,
               const char       *action,
               SyMappingRuleRow *row)
{
  SyMappingRule *rule = sy_mapping_rule_row_get_rule (row);
  SyMappingRule *parent = sy_mapping_rule_row_get_parent_rule (row);
  GListModel *rules = sy_mapping_get_rules (self->mapping);
  g_autoptr(SyMappingRule) keep = g_object_ref (rule);
  g_autoptr(SyMappingRule) keep_parent = parent ? g_object_ref (parent) : NULL;
  g_autoptr(SyMappingRule) focus = NULL;

  if (g_str_equal (action, "rule.toggle-each"))
    {
      if (sy_mapping_rule_get_children (rule) != NULL)
        sy_mapping_rule_set_children (rule, NULL);
      else
        {
          g_autoptr(GListStore) children = g_list_store_new (SY_TYPE_MAPPING_RULE);

          focus = new_rule_for (self);
          g_list_store_append (children, focus);
          sy_mapping_rule_set_children (rule, G_LIST_MODEL (children));
        }
      rows_changed (self, focus ? focus : rule);
      return;
    }

  if (g_str_equal (action, "rule.add-item"))
    {
      g_autoptr(GListStore) children = copy_children (rule);

      focus = new_rule_for (self);
      g_list_store_append (children, focus);
      sy_mapping_rule_set_children (rule, G_LIST_MODEL (children));
      rows_changed (self, focus);
      return;
    }

  if (parent != NULL)
    {
      g_autoptr(GListStore) children = copy_children (parent);
      guint n = g_list_model_get_n_items (G_LIST_MODEL (children));
      guint position = index_in (G_LIST_MODEL (children), rule);

      if (position == GTK_INVALID_LIST_POSITION)
        return;
      if (g_str_equal (action, "rule.remove"))
        {
          show_removal_toast (self, rule, parent, position);
          g_list_store_remove (children, position);
          if (n > 1)
            focus = g_list_model_get_item (G_LIST_MODEL (children), MIN (position, n - 2));
          else
            focus = g_object_ref (parent);
        }
      else if (g_str_equal (action, "rule.move-up") && position > 0)
        {
          g_list_store_remove (children, position);
          g_list_store_insert (children, position - 1, rule);
          focus = g_object_ref (rule);
        }
      else if (g_str_equal (action, "rule.move-down") && position + 1 < n)
        {
          g_list_store_remove (children, position);
          g_list_store_insert (children, position + 1, rule);
          focus = g_object_ref (rule);
        }
      else
        return;
      sy_mapping_rule_set_children (parent, G_LIST_MODEL (children));
      rows_changed (self, focus);
      return;
    }
  else
    {
      guint n = g_list_model_get_n_items (rules);
      guint position = index_in (rules, rule);

      if (position == GTK_INVALID_LIST_POSITION)
        return;
      if (g_str_equal (action, "rule.remove"))
        {
          show_removal_toast (self, rule, NULL, position);
          sy_mapping_remove_rule (self->mapping, position);
          if (n > 1)
            focus = g_list_model_get_item (rules, MIN (position, n - 2));
        }
      else if (g_str_equal (action, "rule.move-up") && position > 0)
        {
          sy_mapping_remove_rule (self->mapping, position);
          sy_mapping_insert_rule (self->mapping, position - 1, rule);
          focus = g_object_ref (rule);
        }
      else if (g_str_equal (action, "rule.move-down") && position + 1 < n)
        {
          sy_mapping_remove_rule (self->mapping, position);
          sy_mapping_insert_rule (self->mapping, position + 1, rule);
          focus = g_object_ref (rule);
        }
      else
        return;
      rows_changed (self, focus);
      sy_mapping_editor_update_unused (self);
    }
}

void
sy_mapping_editor_highlight_problems (SyMappingEditor *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->rule_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      SyMappingRuleRow *row;
      SyMappingRule *parent;
      g_autofree char *field = NULL;
      g_autofree char *problem = NULL;

      if (!SY_IS_MAPPING_RULE_ROW (child))
        continue;
      row = SY_MAPPING_RULE_ROW (child);
      parent = sy_mapping_rule_row_get_parent_rule (row);
      if (parent != NULL)
        field = g_strdup_printf ("%s.%s", sy_mapping_rule_get_target (parent),
                                 sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row)));
      else
        field = g_strdup (sy_mapping_rule_get_target (sy_mapping_rule_row_get_rule (row)));
      problem = sy_mapping_preview_describe_problems (self->preview, field);
      sy_mapping_rule_row_set_problem (row, problem);
    }
}

static void
row_touched_cb (SyMappingEditor  *self,
                GParamSpec       *pspec,
                SyMappingRuleRow *row)
{
  if (sy_mapping_rule_row_get_touched (row))
    g_hash_table_remove (self->untouched_rules, sy_mapping_rule_row_get_rule (row));
}

void
sy_mapping_editor_touch_rules (SyMappingEditor *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->rule_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (SY_IS_MAPPING_RULE_ROW (child))
      sy_mapping_rule_row_set_touched (SY_MAPPING_RULE_ROW (child), TRUE);
  g_hash_table_remove_all (self->untouched_rules);
}

static GtkWidget *
add_row (SyMappingEditor *self,
         SyMappingRule   *rule,
         SyMappingRule   *parent)
{
  GtkWidget *row = sy_mapping_rule_row_new (rule, parent, G_LIST_MODEL (self->target_fields),
                                            G_LIST_MODEL (self->source_fields));

  sy_mapping_rule_row_set_touched (SY_MAPPING_RULE_ROW (row), !g_hash_table_contains (self->untouched_rules, rule));
  g_signal_connect_object (row, "notify::touched", G_CALLBACK (row_touched_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "edited", G_CALLBACK (row_edited_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "action-requested", G_CALLBACK (row_action_cb), self, G_CONNECT_SWAPPED);
  gtk_list_box_append (self->rule_list, row);
  return row;
}

void
sy_mapping_editor_rebuild_rules (SyMappingEditor *self,
                                 SyMappingRule   *focus)
{
  GListModel *rules = self->mapping ? sy_mapping_get_rules (self->mapping) : NULL;
  guint n = rules ? g_list_model_get_n_items (rules) : 0;
  GtkWidget *focus_row = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->rule_list))) != NULL)
    gtk_list_box_remove (self->rule_list, child);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyMappingRule) rule = g_list_model_get_item (rules, i);
      GListModel *children = sy_mapping_rule_get_children (rule);
      guint n_children = children ? g_list_model_get_n_items (children) : 0;
      GtkWidget *row = add_row (self, rule, NULL);

      if (rule == focus)
        focus_row = row;
      for (guint j = 0; j < n_children; j++)
        {
          g_autoptr(SyMappingRule) item = g_list_model_get_item (children, j);
          GtkWidget *item_row = add_row (self, item, rule);

          if (item == focus)
            focus_row = item_row;
        }
    }

  gtk_widget_set_visible (GTK_WIDGET (self->rule_list), n > 0);
  gtk_widget_set_visible (self->no_rules_label, n == 0);
  sy_mapping_editor_highlight_problems (self);

  if (focus_row != NULL)
    sy_mapping_rule_row_focus_first (SY_MAPPING_RULE_ROW (focus_row));
}

void
sy_mapping_editor_rule_activated_cb (SyMappingEditor *self,
                                     GtkListBoxRow   *row)
{
  if (SY_IS_MAPPING_RULE_ROW (row))
    sy_mapping_rule_row_focus_first (SY_MAPPING_RULE_ROW (row));
}

/* The row whose widget has the keyboard focus, or NULL. */
static SyMappingRuleRow *
focused_row (SyMappingEditor *self)
{
  GtkWindow *window = get_window (self);
  GtkWidget *focus = window ? gtk_window_get_focus (window) : NULL;
  GtkWidget *row = focus ? gtk_widget_get_ancestor (focus, SY_TYPE_MAPPING_RULE_ROW) : NULL;

  return row ? SY_MAPPING_RULE_ROW (row) : NULL;
}

void
sy_mapping_editor_add_rule_action (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);
  SyMappingRuleRow *current = focused_row (self);
  g_autoptr(SyMappingRule) rule = new_rule_for (self);
  GListModel *rules = sy_mapping_get_rules (self->mapping);
  guint position = g_list_model_get_n_items (rules);

  /* Below the rule being edited: where the user's attention is. */
  if (current != NULL && sy_mapping_rule_row_get_parent_rule (current) != NULL)
    {
      SyMappingRule *parent = sy_mapping_rule_row_get_parent_rule (current);
      g_autoptr(GListStore) children = copy_children (parent);
      guint index = index_in (G_LIST_MODEL (children), sy_mapping_rule_row_get_rule (current));

      g_list_store_insert (children, index + 1, rule);
      sy_mapping_rule_set_children (parent, G_LIST_MODEL (children));
      rows_changed (self, rule);
      return;
    }
  if (current != NULL)
    position = index_in (rules, sy_mapping_rule_row_get_rule (current)) + 1;

  sy_mapping_insert_rule (self->mapping, position, rule);
  rows_changed (self, rule);
}

/* Unused source fields */

static void
add_rule_for_field (SyMappingEditor *self,
                    const char      *field)
{
  g_autoptr(SyMappingRule) rule = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->target_fields));
  const char *target = "";

  GListModel *rules = sy_mapping_get_rules (self->mapping);
  guint n_rules = g_list_model_get_n_items (rules);

  /* The target field of the same name, when the target has one that no
   * rule fills yet. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyCatalogueField) candidate = g_list_model_get_item (G_LIST_MODEL (self->target_fields), i);

      if (g_str_equal (sy_catalogue_field_get_path (candidate), field))
        target = field;
    }
  for (guint i = 0; i < n_rules && *target != '\0'; i++)
    {
      g_autoptr(SyMappingRule) other = g_list_model_get_item (rules, i);

      if (g_strcmp0 (sy_mapping_rule_get_target (other), field) == 0)
        target = "";
    }

  if (*target == '\0')
    rule = new_rule_for (self);
  else
    rule = sy_mapping_rule_new (target);
  sy_mapping_rule_set_source (rule, field);
  sy_mapping_insert_rule (self->mapping, g_list_model_get_n_items (sy_mapping_get_rules (self->mapping)), rule);
  rows_changed (self, rule);
  sy_mapping_editor_update_unused (self);
}

static void
add_unused_clicked_cb (GtkButton       *button,
                       SyMappingEditor *self)
{
  add_rule_for_field (self, g_object_get_data (G_OBJECT (button), "sy-field"));
}

static char *
sample_value_text (JsonArray  *samples,
                   const char *field)
{
  guint n = samples ? json_array_get_length (samples) : 0;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *sample = json_array_get_element (samples, i);
      JsonNode *value;
      g_autoptr(GString) text = g_string_new (NULL);

      if (!JSON_NODE_HOLDS_OBJECT (sample))
        continue;
      value = json_object_get_member (json_node_get_object (sample), field);
      if (value == NULL || JSON_NODE_HOLDS_NULL (value))
        continue;
      if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        g_string_append (text, json_node_get_string (value));
      else
        {
          g_autofree char *json = json_to_string (value, FALSE);
          g_string_append (text, json);
        }
      if (text->len > 60)
        {
          g_string_truncate (text, g_utf8_offset_to_pointer (text->str, 57) - text->str);
          g_string_append (text, "…");
        }
      /* Translators: a value a source field has in a sample record */
      return g_strdup_printf (_("e.g. %s"), text->str);
    }
  return NULL;
}

void
sy_mapping_editor_update_unused (SyMappingEditor *self)
{
  JsonArray *samples = self->mapping ? sy_mapping_preview_get_samples (self->preview) : NULL;
  g_autoptr(SyMappingCoverage) coverage = NULL;
  GtkWidget *child;
  guint n = 0;

  if (samples != NULL)
    coverage = sy_mapping_get_coverage (self->mapping, self->catalogue, samples);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->unused_list))) != NULL)
    gtk_list_box_remove (self->unused_list, child);

  for (guint i = 0; coverage != NULL && coverage->source_unused != NULL && coverage->source_unused[i] != NULL; i++)
    {
      const char *field = coverage->source_unused[i];
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Add Rule"));
      g_autofree char *subtitle = sample_value_text (samples, field);
      /* Translators: the accessible name of the button that adds a rule reading a source field */
      g_autofree char *label = g_strdup_printf (_("Add a rule for %s"), field);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), field);
      if (subtitle != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      g_object_set_data_full (G_OBJECT (button), "sy-field", g_strdup (field), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (add_unused_clicked_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->unused_list, row);
      n++;
    }
  gtk_widget_set_visible (self->unused_group, n > 0);
}
