/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-catalogue.h"
#include "sy-connection-check.h"
#include "sy-field-chooser.h"
#include "sy-mapping-editor.h"
#include "sy-sync-window.h"

#define DEMO_MAPPING_RESOURCE "/io/github/switchyard/Switchyard/demo/mintsoft-to-netsuite.json"
#define DEMO_MAPPING_FILE "mintsoft-to-netsuite.json"

typedef void (*ProceedFunc) (SyMappingEditor *self,
                             gpointer         data);

typedef struct
{
  ProceedFunc    func;
  gpointer       data;
  GDestroyNotify destroy;
} Pending;

struct _SyMappingEditor
{
  AdwBin             parent_instance;

  SyConnectionStore *connections;
  SySecretStore     *secrets;
  SyCatalogue       *catalogue;
  char              *mappings_dir;

  SyMapping         *mapping;
  GFile             *file;
  char              *saved_data;      /* what the file holds, NULL: never saved */
  gboolean           dirty;
  char              *last_toast;
  GCancellable      *cancellable;
  gboolean           updating;

  GListStore        *source_fields;
  GListStore        *target_fields;
  GtkStringList     *source_entities;
  GtkStringList     *target_entities;

  AdwWindowTitle    *window_title;
  GtkMenuButton     *open_button;
  GtkPopover        *open_popover;
  GtkListBox        *open_list;
  AdwToastOverlay   *toast_overlay;
  AdwLeaflet        *leaflet;
  GtkWidget         *rules_pane;
  GtkWidget         *pane_button;
  guint              fold_idle;
  AdwEntryRow       *name_row;
  AdwComboRow       *source_connection_row;
  AdwComboRow       *source_entity_row;
  AdwComboRow       *target_connection_row;
  AdwComboRow       *target_entity_row;
  GtkWidget         *ends_box;
  AdwActionRow      *match_source_row;
  AdwActionRow      *match_target_row;
  GtkWidget         *match_source;
  GtkWidget         *match_target;
  GtkListBox        *rule_list;
  GtkWidget         *no_rules_label;
  SyMappingPreview  *preview;
};

G_DEFINE_FINAL_TYPE (SyMappingEditor, sy_mapping_editor, ADW_TYPE_BIN)

static void rebuild_rules (SyMappingEditor *self,
                           SyMappingRule   *focus);
static void save_then (SyMappingEditor *self,
                       Pending         *pending);

static void
pending_free (Pending *pending)
{
  if (pending == NULL)
    return;
  if (pending->destroy != NULL)
    pending->destroy (pending->data);
  g_free (pending);
}

static Pending *
pending_new (ProceedFunc    func,
             gpointer       data,
             GDestroyNotify destroy)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->func = func;
  pending->data = data;
  pending->destroy = destroy;
  return pending;
}

static void
pending_run (SyMappingEditor *self,
             Pending         *pending)
{
  if (pending == NULL)
    return;
  pending->func (self, pending->data);
  pending_free (pending);
}

static GtkWindow *
get_window (SyMappingEditor *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
add_toast (SyMappingEditor *self,
           const char      *title)
{
  AdwToast *toast = adw_toast_new (title);

  g_free (self->last_toast);
  self->last_toast = g_strdup (title);
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static AdwMessageDialog *
new_message (SyMappingEditor *self,
             const char      *heading,
             const char      *body)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (get_window (self), heading, body));

  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  return dialog;
}

static void
show_error (SyMappingEditor *self,
            const char      *heading,
            const char      *body)
{
  AdwMessageDialog *dialog = new_message (self, heading, body);

  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Titles and unsaved changes */

static const char *
display_name (SyMappingEditor *self)
{
  const char *name = self->mapping ? sy_mapping_get_name (self->mapping) : NULL;

  return name != NULL && *name != '\0' ? name : _("New Mapping");
}

static void
update_title (SyMappingEditor *self)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *basename = self->file ? g_file_get_basename (self->file) : NULL;
  GtkWindow *window = get_window (self);

  title = self->dirty ? g_strdup_printf ("• %s", display_name (self)) : g_strdup (display_name (self));
  if (basename != NULL && self->dirty)
    /* Translators: a mapping's file name, and that it has unsaved changes */
    subtitle = g_strdup_printf (_("%s — unsaved changes"), basename);
  else if (basename != NULL)
    subtitle = g_strdup (basename);
  else
    subtitle = g_strdup (_("Not saved yet"));

  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  if (window != NULL && sy_mapping_editor_from_window (window) == self)
    gtk_window_set_title (window, title);
}

static void
update_dirty (SyMappingEditor *self)
{
  g_autofree char *data = NULL;
  gboolean dirty = TRUE;

  if (self->mapping == NULL)
    return;
  data = sy_mapping_to_data (self->mapping, NULL);
  if (self->saved_data != NULL)
    dirty = g_strcmp0 (data, self->saved_data) != 0;
  if (dirty != self->dirty)
    {
      self->dirty = dirty;
      update_title (self);
    }
}

static void
mark_saved (SyMappingEditor *self,
            GFile           *file)
{
  if (file != NULL && file != self->file)
    g_set_object (&self->file, file);
  g_free (self->saved_data);
  self->saved_data = sy_mapping_to_data (self->mapping, NULL);
  self->dirty = FALSE;
  update_title (self);
}

/* Fields offered in the drop-downs */

static void
replace_fields (GListStore *store,
                GListModel *fields)
{
  guint n = fields ? g_list_model_get_n_items (fields) : 0;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, g_list_model_get_item (fields, i));
  g_list_store_splice (store, 0, g_list_model_get_n_items (G_LIST_MODEL (store)), items->pdata, items->len);
}

static void
update_source_fields (SyMappingEditor *self)
{
  g_autoptr(GListModel) fields = sy_mapping_preview_discover_fields (self->preview);

  replace_fields (self->source_fields, fields);
}

static void
update_target_fields (SyMappingEditor *self)
{
  const char *entity = sy_mapping_get_target_entity (self->mapping);
  GListModel *fields = NULL;

  if (entity != NULL && sy_catalogue_has_entity (self->catalogue, entity))
    fields = sy_catalogue_get_fields (self->catalogue, entity);
  replace_fields (self->target_fields, fields);
}

/* Source and target */

static guint
find_connection (SyMappingEditor *self,
                 const char      *name)
{
  SyConnection *connection = name ? sy_connection_store_find_by_name (self->connections, name) : NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  for (guint i = 0; connection != NULL && i < n; i++)
    {
      g_autoptr(SyConnection) item = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (item == connection)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static SyConnection *
selected_connection (AdwComboRow *row)
{
  return adw_combo_row_get_selected_item (row);
}

static const char *
selected_entity (AdwComboRow *row)
{
  GtkStringObject *item = adw_combo_row_get_selected_item (row);

  return item ? gtk_string_object_get_string (item) : NULL;
}

/* Fills the entity list for the connection's domain and selects entity,
 * which is kept even if the catalogue or the domain lacks it, so that the
 * row always shows what the mapping says. */
static void
fill_entities (SyMappingEditor *self,
               GtkStringList   *list,
               AdwComboRow     *row,
               SyConnection    *connection,
               const char      *entity)
{
  const char *domain = connection ? sy_connection_effective_domain (connection) : NULL;
  g_auto(GStrv) entities = sy_catalogue_list_entities (self->catalogue, domain);
  guint selected = GTK_INVALID_LIST_POSITION;
  guint n;

  gtk_string_list_splice (list, 0, g_list_model_get_n_items (G_LIST_MODEL (list)),
                          (const char * const *) entities);
  n = g_list_model_get_n_items (G_LIST_MODEL (list));
  for (guint i = 0; entity != NULL && i < n; i++)
    if (g_str_equal (gtk_string_list_get_string (list, i), entity))
      selected = i;
  if (selected == GTK_INVALID_LIST_POSITION && entity != NULL && *entity != '\0')
    {
      gtk_string_list_append (list, entity);
      selected = n;
    }
  adw_combo_row_set_selected (row, selected);

  if (entity != NULL && *entity != '\0' && !sy_catalogue_has_entity (self->catalogue, entity))
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Not in the catalogue"));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), NULL);
}

static void
show_connection (SyMappingEditor *self,
                 AdwComboRow     *row,
                 const char      *name)
{
  guint position = find_connection (self, name);

  adw_combo_row_set_selected (row, position);
  if (position == GTK_INVALID_LIST_POSITION && name != NULL && *name != '\0')
    {
      g_autofree char *text = g_strdup_printf (_("“%s” does not exist"), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text);
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
    }
  else
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), NULL);
      gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
    }
}

static void
show_ends (SyMappingEditor *self)
{
  self->updating = TRUE;
  show_connection (self, self->source_connection_row, sy_mapping_get_source_connection (self->mapping));
  show_connection (self, self->target_connection_row, sy_mapping_get_target_connection (self->mapping));
  fill_entities (self, self->source_entities, self->source_entity_row,
                 selected_connection (self->source_connection_row), sy_mapping_get_source_entity (self->mapping));
  fill_entities (self, self->target_entities, self->target_entity_row,
                 selected_connection (self->target_connection_row), sy_mapping_get_target_entity (self->mapping));
  self->updating = FALSE;
}

/* The entity of the same name in another domain: sales orders stay sales
 * orders when the connection changes from a warehouse to an ERP. */
static char *
counterpart_entity (SyMappingEditor *self,
                    SyConnection    *connection,
                    const char      *entity,
                    const char      *other_entity)
{
  const char *domain = connection ? sy_connection_effective_domain (connection) : NULL;
  const char *names[] = { entity, other_entity, NULL };

  if (domain == NULL)
    return g_strdup (entity);
  for (guint i = 0; i < G_N_ELEMENTS (names) - 1; i++)
    {
      const char *slash = names[i] ? strchr (names[i], '/') : NULL;
      g_autofree char *candidate = slash ? g_strdup_printf ("%s%s", domain, slash) : NULL;

      if (candidate != NULL && sy_catalogue_has_entity (self->catalogue, candidate))
        return g_steal_pointer (&candidate);
    }
  return NULL;
}

static void
connection_selected_cb (SyMappingEditor *self,
                        GParamSpec      *pspec,
                        AdwComboRow     *row)
{
  gboolean target = row == self->target_connection_row;
  SyConnection *connection = selected_connection (row);
  g_autofree char *entity = NULL;

  if (self->updating || self->mapping == NULL || connection == NULL)
    return;

  if (target)
    entity = counterpart_entity (self, connection, sy_mapping_get_target_entity (self->mapping),
                                 sy_mapping_get_source_entity (self->mapping));
  else
    entity = counterpart_entity (self, connection, sy_mapping_get_source_entity (self->mapping),
                                 sy_mapping_get_target_entity (self->mapping));

  if (target)
    sy_mapping_set_target (self->mapping, sy_connection_get_name (connection), entity);
  else
    sy_mapping_set_source (self->mapping, sy_connection_get_name (connection), entity);
  show_ends (self);
  if (target)
    update_target_fields (self);
  update_dirty (self);
}

static void
entity_selected_cb (SyMappingEditor *self,
                    GParamSpec      *pspec,
                    AdwComboRow     *row)
{
  gboolean target = row == self->target_entity_row;
  const char *entity = selected_entity (row);

  if (self->updating || self->mapping == NULL || entity == NULL)
    return;

  if (target)
    sy_mapping_set_target (self->mapping, sy_mapping_get_target_connection (self->mapping), entity);
  else
    sy_mapping_set_source (self->mapping, sy_mapping_get_source_connection (self->mapping), entity);

  /* The other side, still without an entity, gets the same kind of record. */
  {
    AdwComboRow *other_row = target ? self->source_connection_row : self->target_connection_row;
    const char *other_entity = target ? sy_mapping_get_source_entity (self->mapping)
                                      : sy_mapping_get_target_entity (self->mapping);
    SyConnection *other = selected_connection (other_row);

    if (other != NULL && (other_entity == NULL || *other_entity == '\0'))
      {
        g_autofree char *counterpart = counterpart_entity (self, other, NULL, entity);

        if (counterpart != NULL && target)
          sy_mapping_set_source (self->mapping, sy_connection_get_name (other), counterpart);
        else if (counterpart != NULL)
          sy_mapping_set_target (self->mapping, sy_connection_get_name (other), counterpart);
        if (counterpart != NULL)
          show_ends (self);
      }
  }
  update_target_fields (self);
  update_dirty (self);
}

static void
connections_changed_cb (SyMappingEditor *self)
{
  if (self->mapping != NULL)
    show_ends (self);
}

static void
name_changed_cb (SyMappingEditor *self)
{
  if (self->updating || self->mapping == NULL)
    return;
  sy_mapping_set_name (self->mapping, gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  update_dirty (self);
  update_title (self);
}

static void
match_changed_cb (SyMappingEditor *self)
{
  if (self->updating || self->mapping == NULL)
    return;
  sy_mapping_set_match (self->mapping,
                        sy_field_chooser_get_text (SY_FIELD_CHOOSER (self->match_source)),
                        sy_field_chooser_get_text (SY_FIELD_CHOOSER (self->match_target)));
  update_dirty (self);
}

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
  rebuild_rules (self, focus);
  update_dirty (self);
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
  update_dirty (self);
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

static void
highlight_problems (SyMappingEditor *self)
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

static void
rebuild_rules (SyMappingEditor *self,
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
  highlight_problems (self);

  if (focus_row != NULL)
    sy_mapping_rule_row_focus_first (SY_MAPPING_RULE_ROW (focus_row));
}

static void
rule_activated_cb (SyMappingEditor *self,
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

static void
add_rule_action (GtkWidget  *widget,
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

/* Showing a mapping */

static void
mapping_changed_cb (SyMappingEditor *self)
{
  update_dirty (self);
}

static void
rules_changed_cb (SyMappingEditor *self)
{
  /* Structural changes made here rebuild the rows themselves, with the
   * focus where it belongs; this catches the others. */
  if (!self->updating)
    {
      guint n_rows = 0;

      for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->rule_list));
           child != NULL; child = gtk_widget_get_next_sibling (child))
        if (SY_IS_MAPPING_RULE_ROW (child) && sy_mapping_rule_row_get_parent_rule (SY_MAPPING_RULE_ROW (child)) == NULL)
          n_rows++;
      if (n_rows != g_list_model_get_n_items (sy_mapping_get_rules (self->mapping)))
        rebuild_rules (self, NULL);
    }
}

void
sy_mapping_editor_set_mapping (SyMappingEditor *self,
                               SyMapping       *mapping,
                               GFile           *file)
{
  g_autoptr(SyMapping) fresh = NULL;

  g_return_if_fail (SY_IS_MAPPING_EDITOR (self));

  if (mapping == NULL)
    mapping = fresh = sy_mapping_new ();

  if (self->mapping != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->mapping, self);
      g_signal_handlers_disconnect_by_data (sy_mapping_get_rules (self->mapping), self);
    }
  g_set_object (&self->mapping, mapping);
  g_set_object (&self->file, file);
  g_clear_pointer (&self->saved_data, g_free);
  self->saved_data = sy_mapping_to_data (mapping, NULL);
  self->dirty = FALSE;

  g_signal_connect_object (mapping, "changed", G_CALLBACK (mapping_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (sy_mapping_get_rules (mapping), "items-changed",
                           G_CALLBACK (rules_changed_cb), self, G_CONNECT_SWAPPED | G_CONNECT_AFTER);

  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), sy_mapping_get_name (mapping) ?: "");
  sy_field_chooser_set_text (SY_FIELD_CHOOSER (self->match_source), sy_mapping_get_match_source (mapping));
  sy_field_chooser_set_text (SY_FIELD_CHOOSER (self->match_target), sy_mapping_get_match_target (mapping));
  self->updating = FALSE;
  show_ends (self);

  sy_mapping_preview_set_mapping (self->preview, mapping);
  update_source_fields (self);
  update_target_fields (self);
  rebuild_rules (self, NULL);
  update_title (self);
}

/* Saving */

typedef struct
{
  SyMappingEditor *self;
  GFile           *file;
  Pending         *pending;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->file);
  pending_free (data->pending);
  g_free (data);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  SaveData *data = user_data;
  SyMappingEditor *self = data->self;
  g_autoptr(GError) error = NULL;

  if (!sy_mapping_save_finish (SY_MAPPING (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *heading = g_strdup_printf (_("“%s” Could Not Be Saved"), display_name (self));
          show_error (self, heading, error->message);
        }
      save_data_free (data);
      return;
    }

  if (SY_MAPPING (source) == self->mapping)
    {
      g_autofree char *toast = g_strdup_printf (_("Saved “%s”"), display_name (self));

      mark_saved (self, data->file);
      add_toast (self, toast);
    }
  pending_run (self, g_steal_pointer (&data->pending));
  save_data_free (data);
}

static void
save_to (SyMappingEditor *self,
         GFile           *file,
         Pending         *pending)
{
  SaveData *data = g_new0 (SaveData, 1);
  g_autoptr(GFile) parent = g_file_get_parent (file);

  if (parent != NULL)
    g_file_make_directory_with_parents (parent, NULL, NULL);

  data->self = g_object_ref (self);
  data->file = g_object_ref (file);
  data->pending = pending;
  sy_mapping_save_async (self->mapping, file, self->cancellable, saved_cb, data);
}

static char *
file_name_for (const char *name)
{
  GString *out = g_string_new (NULL);
  g_autofree char *stripped = g_strstrip (g_strdup (name));

  for (const char *p = stripped; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || c == '\\' || g_unichar_iscntrl (c) || (out->len == 0 && c == '.'))
        g_string_append_c (out, '-');
      else
        g_string_append_unichar (out, c);
    }
  if (out->len == 0)
    g_string_append (out, "mapping");
  g_string_append (out, ".json");
  return g_string_free (out, FALSE);
}

static GFile *
file_in_mappings_dir (SyMappingEditor *self,
                      const char      *name)
{
  g_autofree char *basename = file_name_for (name);
  g_autofree char *path = g_build_filename (self->mappings_dir, basename, NULL);

  return g_file_new_for_path (path);
}

typedef struct
{
  SyMappingEditor *self;
  GtkWidget       *entry;
  GtkWidget       *hint;
  Pending         *pending;
} SaveAsData;

static void
save_as_data_free (SaveAsData *data)
{
  g_object_unref (data->self);
  pending_free (data->pending);
  g_free (data);
}

static void
save_as_name_changed_cb (GtkEditable      *entry,
                         AdwMessageDialog *dialog)
{
  SaveAsData *data = g_object_get_data (G_OBJECT (dialog), "sy-save-as");
  const char *name = gtk_editable_get_text (entry);
  g_autoptr(GFile) file = file_in_mappings_dir (data->self, name);
  g_autofree char *stripped = g_strstrip (g_strdup (name));
  gboolean empty = *stripped == '\0';
  gboolean taken = g_file_query_exists (file, NULL) &&
                   (data->self->file == NULL || !g_file_equal (file, data->self->file));

  adw_message_dialog_set_response_enabled (dialog, "save", !empty && !taken);
  gtk_label_set_text (GTK_LABEL (data->hint), taken ? _("A mapping of this name exists already") : "");
}

static void
save_as_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  SaveAsData *data = g_object_get_data (G_OBJECT (dialog), "sy-save-as");
  SyMappingEditor *self = data->self;
  const char *name;
  g_autoptr(GFile) file = NULL;

  if (!g_str_equal (response, "save"))
    return;

  name = gtk_editable_get_text (GTK_EDITABLE (data->entry));
  file = file_in_mappings_dir (self, name);
  if (g_strcmp0 (sy_mapping_get_name (self->mapping), name) != 0)
    {
      self->updating = TRUE;
      sy_mapping_set_name (self->mapping, name);
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
      self->updating = FALSE;
    }
  save_to (self, file, g_steal_pointer (&data->pending));
}

static void
save_as (SyMappingEditor *self,
         Pending         *pending)
{
  AdwMessageDialog *dialog = new_message (self, _("Save Mapping As"), NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  SaveAsData *data = g_new0 (SaveAsData, 1);
  g_autofree char *body = g_strdup_printf (_("Mappings are kept in “%s”."), self->mappings_dir);

  adw_message_dialog_set_body (dialog, body);
  data->self = g_object_ref (self);
  data->pending = pending;
  data->entry = gtk_entry_new ();
  gtk_entry_set_activates_default (GTK_ENTRY (data->entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (data->entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Mapping name"), -1);
  data->hint = gtk_label_new (NULL);
  gtk_widget_add_css_class (data->hint, "error");
  gtk_box_append (GTK_BOX (box), data->entry);
  gtk_box_append (GTK_BOX (box), data->hint);
  adw_message_dialog_set_extra_child (dialog, box);
  g_object_set_data_full (G_OBJECT (dialog), "sy-save-as", data, (GDestroyNotify) save_as_data_free);

  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "save", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (data->entry, "changed", G_CALLBACK (save_as_name_changed_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (save_as_response_cb), NULL);

  gtk_editable_set_text (GTK_EDITABLE (data->entry), sy_mapping_get_name (self->mapping) ?: "");
  save_as_name_changed_cb (GTK_EDITABLE (data->entry), dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (data->entry);
}

/* A file the loader would refuse is no use to anyone: say what is missing
 * instead, and keep the work in the editor. */
static gboolean
check_savable (SyMappingEditor *self,
               gboolean         name_asked)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) reparsed = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *data = sy_mapping_to_data (self->mapping, NULL);

  /* Save As asks for the name: only the rest must be right already. */
  root = json_from_string (data, NULL);
  if (name_asked && root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      json_object_set_string_member (json_node_get_object (root), "name", display_name (self));
      g_free (data);
      data = json_to_string (root, TRUE);
    }

  reparsed = sy_mapping_new_from_data (data, -1, display_name (self), &error);
  if (reparsed != NULL)
    return TRUE;

  heading = g_strdup_printf (_("“%s” Cannot Be Saved Yet"), display_name (self));
  show_error (self, heading, error->message);
  return FALSE;
}

static void
save_then (SyMappingEditor *self,
           Pending         *pending)
{
  if (!check_savable (self, self->file == NULL))
    {
      pending_free (pending);
      return;
    }
  if (self->file == NULL)
    save_as (self, pending);
  else
    save_to (self, self->file, pending);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  save_then (SY_MAPPING_EDITOR (widget), NULL);
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  if (check_savable (SY_MAPPING_EDITOR (widget), TRUE))
    save_as (SY_MAPPING_EDITOR (widget), NULL);
}

/* Unsaved changes */

static void
discard_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (user_data);
  Pending *pending = g_object_steal_data (G_OBJECT (dialog), "sy-pending");

  if (g_str_equal (response, "discard"))
    pending_run (self, pending);
  else if (g_str_equal (response, "save"))
    save_then (self, pending);
  else
    pending_free (pending);
}

/* Runs func once the user agrees to lose no work: at once when nothing is
 * unsaved, else after Save or Discard; never after Cancel. */
static void
confirm_then (SyMappingEditor *self,
              ProceedFunc      func,
              gpointer         data,
              GDestroyNotify   destroy)
{
  Pending *pending = pending_new (func, data, destroy);
  AdwMessageDialog *dialog;

  update_dirty (self);
  if (!self->dirty)
    {
      pending_run (self, pending);
      return;
    }

  dialog = new_message (self, NULL, _("Unsaved changes are lost if you don’t save them."));
  adw_message_dialog_format_heading (dialog, _("Save Changes to “%s”?"), display_name (self));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "sy-pending", pending, (GDestroyNotify) pending_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (discard_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

typedef struct
{
  void   (*callback) (SyMappingEditor *editor, gboolean proceed, gpointer user_data);
  gpointer user_data;
  gboolean called;
} CloseData;

static void
close_proceed (SyMappingEditor *self,
               gpointer         data)
{
  CloseData *close = data;

  close->called = TRUE;
  close->callback (self, TRUE, close->user_data);
}

static void
close_data_free (gpointer data)
{
  CloseData *close = data;

  /* Cancelled: the caller learns it may not go ahead. */
  if (!close->called)
    close->callback (NULL, FALSE, close->user_data);
  g_free (close);
}

void
sy_mapping_editor_confirm_close (SyMappingEditor *self,
                                 void           (*callback) (SyMappingEditor *editor,
                                                             gboolean         proceed,
                                                             gpointer         user_data),
                                 gpointer         user_data)
{
  CloseData *close = g_new0 (CloseData, 1);

  g_return_if_fail (SY_IS_MAPPING_EDITOR (self));

  close->callback = callback;
  close->user_data = user_data;
  confirm_then (self, close_proceed, close, close_data_free);
}

/* Opening */

typedef struct
{
  SyMappingEditor *self;
  GFile           *file;
} LoadData;

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LoadData *data = user_data;
  g_autoptr(SyMappingEditor) self = data->self;
  g_autoptr(GFile) file = data->file;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = sy_mapping_load_finish (result, &error);

  g_free (data);
  if (mapping == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, _("The Mapping Could Not Be Opened"), error->message);
      return;
    }
  sy_mapping_editor_set_mapping (self, mapping, file);
}

static void
open_file_now (SyMappingEditor *self,
               gpointer         user_data)
{
  LoadData *data = g_new0 (LoadData, 1);

  data->self = g_object_ref (self);
  data->file = g_object_ref (G_FILE (user_data));
  sy_mapping_load_async (data->file, self->cancellable, loaded_cb, data);
}

void
sy_mapping_editor_open_file (SyMappingEditor *self,
                             GFile           *file)
{
  g_return_if_fail (SY_IS_MAPPING_EDITOR (self));
  g_return_if_fail (G_IS_FILE (file));

  confirm_then (self, open_file_now, g_object_ref (file), g_object_unref);
}

static void
open_row_activated_cb (SyMappingEditor *self,
                       GtkListBoxRow   *row)
{
  GFile *file = g_object_get_data (G_OBJECT (row), "sy-file");

  gtk_popover_popdown (self->open_popover);
  if (file != NULL)
    sy_mapping_editor_open_file (self, file);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

static void
open_popover_shown_cb (SyMappingEditor *self)
{
  g_autoptr(GDir) dir = g_dir_open (self->mappings_dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *child;
  const char *name;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->open_list))) != NULL)
    gtk_list_box_remove (self->open_list, child);

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *basename = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (self->mappings_dir, basename, NULL);
      g_autofree char *title = g_strndup (basename, strlen (basename) - strlen (".json"));
      GtkWidget *label = gtk_label_new (title);
      GtkWidget *row = gtk_list_box_row_new ();

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      g_object_set_data_full (G_OBJECT (row), "sy-file", g_file_new_for_path (path), g_object_unref);
      gtk_list_box_append (self->open_list, row);
    }

  if (names->len == 0)
    {
      GtkWidget *label = gtk_label_new (_("No saved mappings yet"));
      GtkWidget *row = gtk_list_box_row_new ();

      gtk_widget_add_css_class (label, "dim-label");
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_append (self->open_list, row);
    }
  else
    gtk_widget_grab_focus (gtk_widget_get_first_child (GTK_WIDGET (self->open_list)));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);

  gtk_menu_button_popup (self->open_button);
}

/* File choosers */

typedef void (*ChosenFunc) (SyMappingEditor *self,
                            GFile           *file);

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (user_data);
  ChosenFunc func = g_object_get_data (G_OBJECT (chooser), "sy-chosen");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        func (self, file);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
choose_file (SyMappingEditor      *self,
             const char           *title,
             GtkFileChooserAction  action,
             const char           *accept,
             const char           *suggested_name,
             ChosenFunc            func)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, get_window (self), action, accept, _("_Cancel"));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Mapping files"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_filter_add_mime_type (filter, "application/json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  if (suggested_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested_name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "sy-chosen", func);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_chosen (SyMappingEditor *self,
             GFile           *file)
{
  sy_mapping_editor_open_file (self, file);
}

static void
open_file_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);

  gtk_popover_popdown (self->open_popover);
  choose_file (self, _("Open Mapping"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), NULL, open_chosen);
}

/* Import copies a file into the mappings folder, once it is known to be a
 * valid mapping, then opens the copy. */
static void
import_now (SyMappingEditor *self,
            gpointer         data)
{
  GFile *file = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *basename = g_file_get_basename (file);
  g_autofree char *stem = NULL;
  g_autofree char *target_path = NULL;
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(GFile) target = NULL;
  gsize length;

  if (!g_file_load_contents (file, NULL, &contents, &length, NULL, &error))
    {
      show_error (self, _("The Mapping Could Not Be Imported"), error->message);
      return;
    }
  mapping = sy_mapping_new_from_data (contents, length, path ? path : basename, &error);
  if (mapping == NULL)
    {
      show_error (self, _("The Mapping Could Not Be Imported"), error->message);
      return;
    }

  g_mkdir_with_parents (self->mappings_dir, 0700);
  stem = g_str_has_suffix (basename, ".json") ? g_strndup (basename, strlen (basename) - 5) : g_strdup (basename);
  target_path = g_build_filename (self->mappings_dir, basename, NULL);
  if (!g_str_has_suffix (basename, ".json"))
    {
      g_free (target_path);
      target_path = g_strdup_printf ("%s/%s.json", self->mappings_dir, stem);
    }
  for (guint i = 2; g_file_test (target_path, G_FILE_TEST_EXISTS); i++)
    {
      g_free (target_path);
      target_path = g_strdup_printf ("%s/%s %u.json", self->mappings_dir, stem, i);
    }

  if (!g_file_set_contents_full (target_path, contents, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    {
      show_error (self, _("The Mapping Could Not Be Imported"), error->message);
      return;
    }

  target = g_file_new_for_path (target_path);
  sy_mapping_editor_set_mapping (self, mapping, target);
  {
    g_autofree char *target_name = g_file_get_basename (target);
    g_autofree char *toast = g_strdup_printf (_("Imported as “%s”"), target_name);
    add_toast (self, toast);
  }
}

void
sy_mapping_editor_import_file (SyMappingEditor *self,
                               GFile           *file)
{
  g_return_if_fail (SY_IS_MAPPING_EDITOR (self));
  g_return_if_fail (G_IS_FILE (file));

  confirm_then (self, import_now, g_object_ref (file), g_object_unref);
}

static void
import_chosen (SyMappingEditor *self,
               GFile           *file)
{
  sy_mapping_editor_import_file (self, file);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  choose_file (SY_MAPPING_EDITOR (widget), _("Import Mapping"), GTK_FILE_CHOOSER_ACTION_OPEN,
               _("_Import"), NULL, import_chosen);
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SyMappingEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, _("The Mapping Could Not Be Exported"), error->message);
      return;
    }
  {
    g_autofree char *name = g_file_get_basename (G_FILE (source));
    g_autofree char *toast = g_strdup_printf (_("Exported to “%s”"), name);
    add_toast (self, toast);
  }
}

void
sy_mapping_editor_export_file (SyMappingEditor *self,
                               GFile           *file)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize length = 0;
  char *data;

  g_return_if_fail (SY_IS_MAPPING_EDITOR (self));
  g_return_if_fail (G_IS_FILE (file));

  data = sy_mapping_to_data (self->mapping, &length);
  bytes = g_bytes_new_take (data, length ? length : strlen (data));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, exported_cb, g_object_ref (self));
}

static void
export_chosen (SyMappingEditor *self,
               GFile           *file)
{
  sy_mapping_editor_export_file (self, file);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);
  g_autofree char *suggested = file_name_for (display_name (self));

  choose_file (self, _("Export Mapping"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), suggested, export_chosen);
}

static void
new_now (SyMappingEditor *self,
         gpointer         data)
{
  sy_mapping_editor_set_mapping (self, NULL, NULL);
}

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  confirm_then (SY_MAPPING_EDITOR (widget), new_now, NULL, NULL);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  g_autofree char *data = sy_mapping_to_data (self->mapping, &length);
  g_autoptr(SyMapping) copy = sy_mapping_new_from_data (data, length ? length : strlen (data), NULL, &error);
  g_autofree char *name = NULL;

  if (copy == NULL)
    {
      show_error (self, _("The Mapping Could Not Be Duplicated"), error->message);
      return;
    }
  /* Translators: the name of a duplicated mapping */
  name = g_strdup_printf (_("%s (Copy)"), display_name (self));
  sy_mapping_set_name (copy, name);

  /* The original keeps its file, unchanged; the copy is new and unsaved,
   * so closing it asks before anything is lost. */
  sy_mapping_editor_set_mapping (self, copy, NULL);
  g_clear_pointer (&self->saved_data, g_free);
  update_dirty (self);
  update_title (self);
  save_as (self, NULL);
}

/* Sync */

static void
sync_now (SyMappingEditor *self,
          gpointer         data)
{
  GtkWindow *window = get_window (self);
  GtkApplication *app = window ? gtk_window_get_application (window) : NULL;

  if (self->file != NULL && SY_IS_APPLICATION (app))
    sy_sync_window_present (SY_APPLICATION (app), self->file);
}

static void
save_before_sync_response_cb (AdwMessageDialog *dialog,
                              const char       *response,
                              gpointer          user_data)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (user_data);

  if (g_str_equal (response, "save"))
    save_then (self, pending_new (sync_now, NULL, NULL));
}

/* A sync reads the mapping file: what is only in the editor would not be
 * synced, so it is saved first. */
static void
sync_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);
  AdwMessageDialog *dialog;

  update_dirty (self);
  if (!self->dirty && self->file != NULL)
    {
      sync_now (self, NULL);
      return;
    }

  dialog = new_message (self, _("Save Before Syncing?"),
                        _("A sync uses the mapping as it is saved. Save your changes to sync them."));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "save", _("_Save and Sync"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (save_before_sync_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
switch_pane_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);

  if (adw_leaflet_get_visible_child (self->leaflet) == self->rules_pane)
    adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->preview));
  else
    adw_leaflet_set_visible_child (self->leaflet, self->rules_pane);
}

/* The leaflet folds while it is being allocated: showing the button there
 * would resize the header bar in the middle of that, so wait a moment. */
static gboolean
update_pane_button (gpointer user_data)
{
  SyMappingEditor *self = user_data;

  self->fold_idle = 0;
  gtk_widget_set_visible (self->pane_button, adw_leaflet_get_folded (self->leaflet));
  return G_SOURCE_REMOVE;
}

static void
folded_cb (SyMappingEditor *self)
{
  if (self->fold_idle == 0)
    self->fold_idle = g_idle_add (update_pane_button, self);
}

/* GObject */

static void
sy_mapping_editor_dispose (GObject *object)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->fold_idle, g_source_remove);
  if (self->mapping != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->mapping, self);
      g_signal_handlers_disconnect_by_data (sy_mapping_get_rules (self->mapping), self);
    }
  if (self->connections != NULL)
    g_signal_handlers_disconnect_by_data (self->connections, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_MAPPING_EDITOR);
  g_clear_object (&self->mapping);
  g_clear_object (&self->file);
  g_clear_object (&self->connections);
  g_clear_object (&self->secrets);
  g_clear_object (&self->catalogue);
  g_clear_object (&self->source_fields);
  g_clear_object (&self->target_fields);
  g_clear_object (&self->source_entities);
  g_clear_object (&self->target_entities);

  G_OBJECT_CLASS (sy_mapping_editor_parent_class)->dispose (object);
}

static void
sy_mapping_editor_finalize (GObject *object)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (object);

  g_clear_object (&self->cancellable);
  g_free (self->mappings_dir);
  g_free (self->saved_data);
  g_free (self->last_toast);

  G_OBJECT_CLASS (sy_mapping_editor_parent_class)->finalize (object);
}

static void
sy_mapping_editor_class_init (SyMappingEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_mapping_editor_dispose;
  object_class->finalize = sy_mapping_editor_finalize;

  g_type_ensure (SY_TYPE_MAPPING_PREVIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-mapping-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, open_button);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, open_popover);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, open_list);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, leaflet);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, rules_pane);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, pane_button);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, source_connection_row);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, source_entity_row);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, target_connection_row);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, target_entity_row);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, ends_box);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, match_source_row);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, match_target_row);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, rule_list);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, no_rules_label);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, preview);
  gtk_widget_class_bind_template_callback (widget_class, name_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, rule_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_popover_shown_cb);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "editor.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "editor.open-file", NULL, open_file_action);
  gtk_widget_class_install_action (widget_class, "editor.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "editor.duplicate", NULL, duplicate_action);
  gtk_widget_class_install_action (widget_class, "editor.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "editor.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "editor.add-rule", NULL, add_rule_action);
  gtk_widget_class_install_action (widget_class, "editor.switch-pane", NULL, switch_pane_action);
  gtk_widget_class_install_action (widget_class, "editor.sync", NULL, sync_action);

  /* Wherever the focus is in the window, as menu accelerators are. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "editor.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_S, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "editor.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "editor.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "editor.add-rule", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "editor.switch-pane", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "editor.sync", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_R, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "editor.sync", NULL);
}

static void
sy_mapping_editor_init (SyMappingEditor *self)
{
  self->cancellable = g_cancellable_new ();
  self->catalogue = g_object_ref (sy_catalogue_get_default ());
  self->source_fields = g_list_store_new (SY_TYPE_CATALOGUE_FIELD);
  self->target_fields = g_list_store_new (SY_TYPE_CATALOGUE_FIELD);
  self->source_entities = gtk_string_list_new (NULL);
  self->target_entities = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  adw_combo_row_set_model (self->source_entity_row, G_LIST_MODEL (self->source_entities));
  adw_combo_row_set_model (self->target_entity_row, G_LIST_MODEL (self->target_entities));
  g_signal_connect_swapped (self->source_connection_row, "notify::selected", G_CALLBACK (connection_selected_cb), self);
  g_signal_connect_swapped (self->target_connection_row, "notify::selected", G_CALLBACK (connection_selected_cb), self);
  g_signal_connect_swapped (self->source_entity_row, "notify::selected", G_CALLBACK (entity_selected_cb), self);
  g_signal_connect_swapped (self->target_entity_row, "notify::selected", G_CALLBACK (entity_selected_cb), self);

  self->match_source = sy_field_chooser_new (_("Match source field"));
  sy_field_chooser_set_fields (SY_FIELD_CHOOSER (self->match_source), G_LIST_MODEL (self->source_fields));
  self->match_target = sy_field_chooser_new (_("Match target field"));
  sy_field_chooser_set_fields (SY_FIELD_CHOOSER (self->match_target), G_LIST_MODEL (self->target_fields));
  g_signal_connect_swapped (self->match_source, "changed", G_CALLBACK (match_changed_cb), self);
  g_signal_connect_swapped (self->match_target, "changed", G_CALLBACK (match_changed_cb), self);
  /* Translators: an example of a source field that identifies a record */
  gtk_entry_set_placeholder_text (GTK_ENTRY (sy_field_chooser_get_entry (SY_FIELD_CHOOSER (self->match_source))), _("e.g. key"));
  /* Translators: an example of a target field that holds the source's identity */
  gtk_entry_set_placeholder_text (GTK_ENTRY (sy_field_chooser_get_entry (SY_FIELD_CHOOSER (self->match_target))), _("e.g. code"));
  gtk_widget_set_valign (self->match_source, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->match_target, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (self->match_source, 180, -1);
  gtk_widget_set_size_request (self->match_target, 180, -1);
  adw_action_row_add_suffix (self->match_source_row, self->match_source);
  adw_action_row_add_suffix (self->match_target_row, self->match_target);

  /* The fields inside take the focus, not the parts around them. */
  for (GtkWidget *child = gtk_widget_get_first_child (self->ends_box); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_set_focusable (child, FALSE);

  g_signal_connect_object (self->leaflet, "notify::folded", G_CALLBACK (folded_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->preview, "applied", G_CALLBACK (highlight_problems), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->preview, "samples-changed", G_CALLBACK (update_source_fields), self, G_CONNECT_SWAPPED);
}

SyMappingEditor *
sy_mapping_editor_new (SyConnectionStore *connections,
                       SySecretStore     *secrets,
                       const char        *mappings_dir)
{
  SyMappingEditor *self;

  g_return_val_if_fail (SY_IS_CONNECTION_STORE (connections), NULL);
  g_return_val_if_fail (SY_IS_SECRET_STORE (secrets), NULL);
  g_return_val_if_fail (mappings_dir != NULL, NULL);

  self = g_object_new (SY_TYPE_MAPPING_EDITOR, NULL);
  self->connections = g_object_ref (connections);
  self->secrets = g_object_ref (secrets);
  self->mappings_dir = g_strdup (mappings_dir);

  {
    GtkExpression *expression = gtk_property_expression_new (SY_TYPE_CONNECTION, NULL, "name");

    adw_combo_row_set_expression (self->source_connection_row, expression);
    adw_combo_row_set_expression (self->target_connection_row, expression);
    gtk_expression_unref (expression);
  }
  self->updating = TRUE;
  adw_combo_row_set_model (self->source_connection_row, G_LIST_MODEL (connections));
  adw_combo_row_set_model (self->target_connection_row, G_LIST_MODEL (connections));
  self->updating = FALSE;
  g_signal_connect_object (connections, "items-changed", G_CALLBACK (connections_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);

  sy_mapping_preview_set_stores (self->preview, connections, secrets);
  sy_mapping_editor_set_mapping (self, NULL, NULL);
  return self;
}

SyMapping *
sy_mapping_editor_get_mapping (SyMappingEditor *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_EDITOR (self), NULL);
  return self->mapping;
}

GFile *
sy_mapping_editor_get_file (SyMappingEditor *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_EDITOR (self), NULL);
  return self->file;
}

const char *
sy_mapping_editor_get_mappings_dir (SyMappingEditor *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_EDITOR (self), NULL);
  return self->mappings_dir;
}

gboolean
sy_mapping_editor_has_unsaved_changes (SyMappingEditor *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_EDITOR (self), FALSE);
  update_dirty (self);
  return self->dirty;
}

SyMappingPreview *
sy_mapping_editor_get_preview (SyMappingEditor *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_EDITOR (self), NULL);
  return self->preview;
}

AdwComboRow *
sy_mapping_editor_get_connection_row (SyMappingEditor *self,
                                      gboolean         target)
{
  g_return_val_if_fail (SY_IS_MAPPING_EDITOR (self), NULL);
  return target ? self->target_connection_row : self->source_connection_row;
}

AdwComboRow *
sy_mapping_editor_get_entity_row (SyMappingEditor *self,
                                  gboolean         target)
{
  g_return_val_if_fail (SY_IS_MAPPING_EDITOR (self), NULL);
  return target ? self->target_entity_row : self->source_entity_row;
}

guint
sy_mapping_editor_get_n_rule_rows (SyMappingEditor *self)
{
  guint n = 0;

  g_return_val_if_fail (SY_IS_MAPPING_EDITOR (self), 0);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->rule_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (SY_IS_MAPPING_RULE_ROW (child))
      n++;
  return n;
}

SyMappingRuleRow *
sy_mapping_editor_get_rule_row (SyMappingEditor *self,
                                guint            index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (SY_IS_MAPPING_EDITOR (self), NULL);

  row = gtk_list_box_get_row_at_index (self->rule_list, index);
  return row && SY_IS_MAPPING_RULE_ROW (row) ? SY_MAPPING_RULE_ROW (row) : NULL;
}

const char *
sy_mapping_editor_get_last_toast (SyMappingEditor *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_EDITOR (self), NULL);
  return self->last_toast;
}

/* The editor's window */

static void
close_window_later (gpointer user_data)
{
  g_autoptr(GtkWindow) window = user_data;

  gtk_window_close (window);
}

static void
window_close_answered (SyMappingEditor *editor,
                       gboolean         proceed,
                       gpointer         user_data)
{
  GtkWindow *window = user_data;

  /* Once the question has gone: closing its parent under it would leave
   * the dialog pointing at a window that no longer exists. */
  if (proceed)
    {
      g_object_set_data (G_OBJECT (window), "sy-may-close", GINT_TO_POINTER (TRUE));
      g_idle_add_once (close_window_later, g_object_ref (window));
    }
  g_object_unref (window);
}

static gboolean
window_close_request_cb (GtkWindow *window)
{
  SyMappingEditor *editor = sy_mapping_editor_from_window (window);

  if (editor == NULL || g_object_get_data (G_OBJECT (window), "sy-may-close") ||
      !sy_mapping_editor_has_unsaved_changes (editor))
    return FALSE;

  sy_mapping_editor_confirm_close (editor, window_close_answered, g_object_ref (window));
  return TRUE;
}

GtkWindow *
sy_mapping_editor_present_window (GtkApplication    *application,
                                  SyConnectionStore *connections,
                                  SySecretStore     *secrets,
                                  const char        *mappings_dir)
{
  GList *windows = gtk_application_get_windows (application);
  SyMappingEditor *editor;
  GtkWidget *window;

  for (GList *l = windows; l != NULL; l = l->next)
    if (sy_mapping_editor_from_window (l->data) != NULL)
      {
        gtk_window_present (l->data);
        return l->data;
      }

  editor = sy_mapping_editor_new (connections, secrets, mappings_dir);
  window = adw_window_new ();
  gtk_window_set_application (GTK_WINDOW (window), application);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 780);
  gtk_widget_set_size_request (window, 360, 400);
  adw_window_set_content (ADW_WINDOW (window), GTK_WIDGET (editor));
  g_object_set_data (G_OBJECT (window), "sy-mapping-editor", editor);
  g_signal_connect (window, "close-request", G_CALLBACK (window_close_request_cb), NULL);
  update_title (editor);
  gtk_window_present (GTK_WINDOW (window));
  return GTK_WINDOW (window);
}

static char *
mappings_dir_of (SyApplication *application)
{
  return g_build_filename (sy_application_get_config_dir (application), "mappings", NULL);
}

GtkWindow *
sy_mapping_editor_present_for_application (SyApplication *application)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (SY_IS_APPLICATION (application), NULL);

  dir = mappings_dir_of (application);
  return sy_mapping_editor_present_window (GTK_APPLICATION (application),
                                           sy_application_get_connection_store (application),
                                           sy_application_get_secret_store (application),
                                           dir);
}

gboolean
sy_mapping_editor_install_demo_mapping_for (SyApplication  *application,
                                            GError        **error)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (SY_IS_APPLICATION (application), FALSE);

  dir = mappings_dir_of (application);
  return sy_mapping_editor_install_demo_mapping (dir, error);
}

SyMappingEditor *
sy_mapping_editor_from_window (GtkWindow *window)
{
  g_return_val_if_fail (GTK_IS_WINDOW (window), NULL);
  return g_object_get_data (G_OBJECT (window), "sy-mapping-editor");
}

gboolean
sy_mapping_editor_install_demo_mapping (const char  *mappings_dir,
                                        GError     **error)
{
  g_autofree char *path = g_build_filename (mappings_dir, DEMO_MAPPING_FILE, NULL);
  g_autoptr(GBytes) bytes = NULL;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;

  bytes = g_resources_lookup_data (DEMO_MAPPING_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return FALSE;
  if (g_mkdir_with_parents (mappings_dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create “%s”: %s"), mappings_dir, g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}
