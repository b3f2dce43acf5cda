/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-catalogue.h"
#include "sy-connection-check.h"
#include "sy-field-chooser.h"
#include "sy-mapping-editor-internal.h"
#include "sy-sync-check.h"

G_DEFINE_FINAL_TYPE (SyMappingEditor, sy_mapping_editor, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_TITLE,
  PROP_FILE,
  PROP_CONNECTION_PROBLEM,
  PROP_CAN_SYNC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
sy_mapping_editor_show_error (SyMappingEditor *self,
                              const char      *heading,
                              const char      *body)
{
  AdwMessageDialog *dialog = new_message (self, heading, body);

  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Titles and unsaved changes */

const char *
sy_mapping_editor_display_name (SyMappingEditor *self)
{
  const char *name = self->mapping ? sy_mapping_get_name (self->mapping) : NULL;

  return name != NULL && *name != '\0' ? name : _("New Mapping");
}

void
sy_mapping_editor_update_title (SyMappingEditor *self)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *basename = self->file ? g_file_get_basename (self->file) : NULL;
  GtkWindow *window = get_window (self);

  title = self->dirty ? g_strdup_printf ("• %s", sy_mapping_editor_display_name (self)) : g_strdup (sy_mapping_editor_display_name (self));
  if (basename != NULL && self->dirty)
    /* Translators: a mapping's file name, and that it has unsaved changes */
    subtitle = g_strdup_printf (_("%s — unsaved changes"), basename);
  else if (basename != NULL)
    subtitle = g_strdup (basename);
  else
    subtitle = g_strdup (_("Not saved yet"));

  adw_view_switcher_title_set_title (self->window_title, title);
  adw_view_switcher_title_set_subtitle (self->window_title, subtitle);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  /* A title changes with every change of file (open, save as, new). */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  if (window != NULL && sy_mapping_editor_from_window (window) == self)
    gtk_window_set_title (window, title);
}

void
sy_mapping_editor_update_dirty (SyMappingEditor *self)
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
      sy_mapping_editor_update_title (self);
    }
}

void
sy_mapping_editor_mark_saved (SyMappingEditor *self,
                              GFile           *file)
{
  if (file != NULL && file != self->file)
    g_set_object (&self->file, file);
  g_free (self->saved_data);
  self->saved_data = sy_mapping_to_data (self->mapping, NULL);
  self->dirty = FALSE;
  sy_mapping_editor_update_title (self);
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

/* A stand-in is not in the store: choosing it changes nothing. */
static gboolean
is_stand_in (SyMappingEditor *self,
             SyConnection    *connection)
{
  return connection != NULL &&
         sy_connection_store_find_by_name (self->connections, sy_connection_get_name (connection)) != connection;
}

static void
show_connection (SyMappingEditor *self,
                 AdwComboRow     *row,
                 const char      *name)
{
  GListStore *choices = row == self->target_connection_row ? self->target_choices : self->source_choices;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint position = find_connection (self, name);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->connections), i));
  if (position == GTK_INVALID_LIST_POSITION && name != NULL && *name != '\0')
    {
      position = items->len;
      g_ptr_array_add (items, sy_connection_new (name, NULL));
    }
  g_list_store_splice (choices, 0, g_list_model_get_n_items (G_LIST_MODEL (choices)), items->pdata, items->len);

  adw_combo_row_set_selected (row, position);
  if (is_stand_in (self, selected_connection (row)))
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

/* The safety rules (sy-sync-check.h) as an error row; a mapping that
 * breaks one cannot be synced. The mapping itself is left as it is: a
 * missing connection keeps its name until a person picks another. */
static void
update_connection_problem (SyMappingEditor *self)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean had_problem = self->connection_problem != NULL;

  if (self->mapping != NULL && self->connections != NULL)
    problems = sy_mapping_check_connections (self->mapping, self->connections);
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, ((SyMappingProblem *) g_ptr_array_index (problems, i))->message);
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->connection_error_row), text->str);
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->connection_error_row)), text->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.sync", text->len == 0);

  if (g_strcmp0 (self->connection_problem, text->len > 0 ? text->str : NULL) == 0)
    return;
  g_free (self->connection_problem);
  self->connection_problem = text->len > 0 ? g_strdup (text->str) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_PROBLEM]);
  if (had_problem != (self->connection_problem != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_SYNC]);
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
  update_connection_problem (self);
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

  /* A removed connection moves the row's selection to another one: that is
   * no choice of the user's, and the mapping keeps the name it has. */
  if (self->updating || self->connections_changing || self->mapping == NULL || connection == NULL ||
      is_stand_in (self, connection))
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
  sy_mapping_editor_update_dirty (self);
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
  sy_mapping_editor_update_dirty (self);
}

static void
connections_changing_cb (SyMappingEditor *self)
{
  self->connections_changing = TRUE;
}

static gboolean
connections_settled_cb (gpointer user_data)
{
  SyMappingEditor *self = user_data;

  self->connections_idle = 0;
  self->connections_changing = FALSE;
  if (self->mapping != NULL)
    show_ends (self);
  return G_SOURCE_REMOVE;
}

/* The rows are put back once the store's change has reached every view of
 * it: selecting in a drop-down whose list is still being updated crashes
 * GTK. */
static void
connections_changed_cb (SyMappingEditor *self)
{
  if (self->connections_idle == 0)
    self->connections_idle = g_idle_add (connections_settled_cb, self);
}

static void
name_changed_cb (SyMappingEditor *self)
{
  if (self->updating || self->mapping == NULL)
    return;
  sy_mapping_set_name (self->mapping, gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  sy_mapping_editor_update_dirty (self);
  sy_mapping_editor_update_title (self);
}

static void
match_changed_cb (SyMappingEditor *self)
{
  if (self->updating || self->mapping == NULL)
    return;
  sy_mapping_set_match (self->mapping,
                        sy_field_chooser_get_text (SY_FIELD_CHOOSER (self->match_source)),
                        sy_field_chooser_get_text (SY_FIELD_CHOOSER (self->match_target)));
  sy_mapping_editor_update_dirty (self);
}

/* Showing a mapping */

static void
mapping_changed_cb (SyMappingEditor *self)
{
  sy_mapping_editor_update_dirty (self);
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
        sy_mapping_editor_rebuild_rules (self, NULL);
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
  sy_mapping_editor_show_automation (self);

  sy_mapping_preview_set_mapping (self->preview, mapping);
  update_source_fields (self);
  update_target_fields (self);
  g_hash_table_remove_all (self->untouched_rules);
  sy_mapping_editor_rebuild_rules (self, NULL);
  sy_mapping_editor_update_unused (self);
  sy_mapping_editor_update_title (self);
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
  g_clear_handle_id (&self->connections_idle, g_source_remove);
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
  g_clear_pointer (&self->untouched_rules, g_hash_table_unref);
  g_clear_object (&self->source_entities);
  g_clear_object (&self->target_entities);
  g_clear_object (&self->source_choices);
  g_clear_object (&self->target_choices);

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
  g_free (self->connection_problem);

  G_OBJECT_CLASS (sy_mapping_editor_parent_class)->finalize (object);
}

static void
sy_mapping_editor_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, adw_view_switcher_title_get_title (self->window_title));
      break;
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_CONNECTION_PROBLEM:
      g_value_set_string (value, self->connection_problem);
      break;
    case PROP_CAN_SYNC:
      g_value_set_boolean (value, self->connection_problem == NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_editor_class_init (SyMappingEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_mapping_editor_dispose;
  object_class->finalize = sy_mapping_editor_finalize;
  object_class->get_property = sy_mapping_editor_get_property;

  /* The mapping's name as the header shows it, "• " in front while it has
   * unsaved changes: what a page hosting the editor titles itself with. */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The file the mapping is saved in, NULL while it never was. */
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* What the error row says: a connection the mapping names that does not
   * exist, or source and target the same (sy-sync-check.h); NULL when
   * neither. */
  properties[PROP_CONNECTION_PROBLEM] =
    g_param_spec_string ("connection-problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether editor.sync is enabled: FALSE while there is a connection problem. */
  properties[PROP_CAN_SYNC] =
    g_param_spec_boolean ("can-sync", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SY_TYPE_MAPPING_PREVIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-mapping-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, header_bar);
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
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, unused_group);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, unused_list);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, preview);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, automation_group);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, every_spin);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, every_switch);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, at_row);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, at_error_row);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, on_changes_switch);
  gtk_widget_class_bind_template_child (widget_class, SyMappingEditor, connection_error_row);
  gtk_widget_class_bind_template_callback_full (widget_class, "automation_changed_cb", G_CALLBACK (sy_mapping_editor_automation_changed_cb));
  gtk_widget_class_bind_template_callback (widget_class, name_changed_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "rule_activated_cb", G_CALLBACK (sy_mapping_editor_rule_activated_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "open_row_activated_cb", G_CALLBACK (sy_mapping_editor_open_row_activated_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "open_popover_shown_cb", G_CALLBACK (sy_mapping_editor_open_popover_shown_cb));

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, sy_mapping_editor_save_action);
  gtk_widget_class_install_action (widget_class, "editor.save-as", NULL, sy_mapping_editor_save_as_action);
  gtk_widget_class_install_action (widget_class, "editor.open", NULL, sy_mapping_editor_open_action);
  gtk_widget_class_install_action (widget_class, "editor.open-file", NULL, sy_mapping_editor_open_file_action);
  gtk_widget_class_install_action (widget_class, "editor.new", NULL, sy_mapping_editor_new_action);
  gtk_widget_class_install_action (widget_class, "editor.duplicate", NULL, sy_mapping_editor_duplicate_action);
  gtk_widget_class_install_action (widget_class, "editor.import", NULL, sy_mapping_editor_import_action);
  gtk_widget_class_install_action (widget_class, "editor.export", NULL, sy_mapping_editor_export_action);
  gtk_widget_class_install_action (widget_class, "editor.add-rule", NULL, sy_mapping_editor_add_rule_action);
  gtk_widget_class_install_action (widget_class, "editor.switch-pane", NULL, switch_pane_action);
  gtk_widget_class_install_action (widget_class, "editor.sync", NULL, sy_mapping_editor_sync_action);

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
  self->untouched_rules = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->source_entities = gtk_string_list_new (NULL);
  self->target_entities = gtk_string_list_new (NULL);
  self->source_choices = g_list_store_new (SY_TYPE_CONNECTION);
  self->target_choices = g_list_store_new (SY_TYPE_CONNECTION);

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
  g_signal_connect_object (self->preview, "applied", G_CALLBACK (sy_mapping_editor_highlight_problems), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->preview, "applied", G_CALLBACK (sy_mapping_editor_update_unused), self, G_CONNECT_SWAPPED);
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
  /* The rows show copies of the store (show_connection()), so that a
   * removed connection never moves their selection to another one. */
  g_signal_connect_object (connections, "items-changed", G_CALLBACK (connections_changing_cb), self,
                           G_CONNECT_SWAPPED);
  self->updating = TRUE;
  adw_combo_row_set_model (self->source_connection_row, G_LIST_MODEL (self->source_choices));
  adw_combo_row_set_model (self->target_connection_row, G_LIST_MODEL (self->target_choices));
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
  sy_mapping_editor_update_dirty (self);
  return self->dirty;
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


AdwViewSwitcherTitle *
sy_mapping_editor_embed (SyMappingEditor *self,
                         AdwViewStack    *views,
                         GtkWidget       *back_button)
{
  g_return_val_if_fail (SY_IS_MAPPING_EDITOR (self), NULL);
  g_return_val_if_fail (ADW_IS_VIEW_STACK (views), NULL);

  adw_view_switcher_title_set_stack (self->window_title, views);
  /* The sidebar lists the saved mappings: the header's own list would be a
   * second, different one. */
  gtk_widget_set_visible (GTK_WIDGET (self->open_button), FALSE);
  if (back_button != NULL)
    adw_header_bar_pack_start (self->header_bar, back_button);
  return self->window_title;
}
