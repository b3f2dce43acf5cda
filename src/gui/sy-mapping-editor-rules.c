/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-mapping-editor-internal.h"

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

static SyMappingRule *
new_rule (void)
{
  return sy_mapping_rule_new ("");
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

          focus = new_rule ();
          g_list_store_append (children, focus);
          sy_mapping_rule_set_children (rule, G_LIST_MODEL (children));
        }
      rows_changed (self, focus ? focus : rule);
      return;
    }

  if (g_str_equal (action, "rule.add-item"))
    {
      g_autoptr(GListStore) children = copy_children (rule);

      focus = new_rule ();
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

static GtkWidget *
add_row (SyMappingEditor *self,
         SyMappingRule   *rule,
         SyMappingRule   *parent)
{
  GtkWidget *row = sy_mapping_rule_row_new (rule, parent, G_LIST_MODEL (self->target_fields),
                                            G_LIST_MODEL (self->source_fields));

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
  g_autoptr(SyMappingRule) rule = new_rule ();
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
