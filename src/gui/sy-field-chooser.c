/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-catalogue-field.h"
#include "sy-field-chooser-private.h"

struct _SyFieldChooser
{
  GtkWidget           parent_instance;

  GtkWidget          *entry;
  GtkWidget          *button;
  GtkWidget          *search_entry;
  GtkWidget          *list_view;

  GListStore         *fields_holder;   /* holds the current fields model */
  GtkFlattenListModel *fields;
  GtkCustomFilter    *prefix_filter;
  GtkStringFilter    *search_filter;
  GtkFilterListModel *filtered;
  GtkSingleSelection *selection;

  char               *prefix;
  gboolean            setting_text;
};

G_DEFINE_FINAL_TYPE (SyFieldChooser, sy_field_chooser, GTK_TYPE_WIDGET)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
strip_prefix (SyFieldChooser *self,
              const char     *path)
{
  if (self->prefix != NULL && g_str_has_prefix (path, self->prefix))
    return path + strlen (self->prefix);
  return path;
}

static gboolean
prefix_matches (gpointer item,
                gpointer user_data)
{
  SyFieldChooser *self = user_data;
  const char *path = sy_catalogue_field_get_path (SY_CATALOGUE_FIELD (item));

  if (self->prefix != NULL)
    return g_str_has_prefix (path, self->prefix) && path[strlen (self->prefix)] != '\0';
  /* Line items are chosen in the rules of their array. */
  return strstr (path, "[]") == NULL;
}

/* What the search matches and the list shows: the path below the prefix. */
static char *
display_path (SyCatalogueField *field,
              SyFieldChooser   *self)
{
  if (field == NULL)
    return NULL;
  return g_strdup (strip_prefix (self, sy_catalogue_field_get_path (field)));
}

static void
item_setup (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *path = gtk_label_new (NULL);
  GtkWidget *type = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (path), 0);
  gtk_widget_set_hexpand (path, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (path), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (type), 1);
  gtk_widget_add_css_class (type, "dim-label");
  gtk_widget_add_css_class (type, "caption");
  gtk_box_append (GTK_BOX (box), path);
  gtk_box_append (GTK_BOX (box), type);
  gtk_list_item_set_child (item, box);
}

static void
item_bind (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  SyFieldChooser *self = user_data;
  SyCatalogueField *field = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *path = gtk_widget_get_first_child (box);
  GtkWidget *type = gtk_widget_get_next_sibling (path);
  g_autofree char *type_text = NULL;
  const char *description = sy_catalogue_field_get_description (field);

  gtk_label_set_text (GTK_LABEL (path), strip_prefix (self, sy_catalogue_field_get_path (field)));
  if (sy_catalogue_field_get_custom (field))
    /* Translators: a field type, for a field found in sample records only */
    type_text = g_strdup_printf (_("%s, custom"), sy_catalogue_field_get_field_type (field));
  else if (sy_catalogue_field_get_required (field))
    /* Translators: a field type, for a field the target requires */
    type_text = g_strdup_printf (_("%s, required"), sy_catalogue_field_get_field_type (field));
  else
    type_text = g_strdup (sy_catalogue_field_get_field_type (field));
  gtk_label_set_text (GTK_LABEL (type), type_text);
  gtk_widget_set_tooltip_text (box, description != NULL && *description ? description : NULL);
}

static void
entry_changed_cb (SyFieldChooser *self)
{
  if (!self->setting_text)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
sy_field_chooser_pick (SyFieldChooser *self,
                       guint           position)
{
  g_autoptr(SyCatalogueField) field = NULL;

  g_return_if_fail (SY_IS_FIELD_CHOOSER (self));

  field = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);
  if (field == NULL)
    return;

  gtk_editable_set_text (GTK_EDITABLE (self->entry), strip_prefix (self, sy_catalogue_field_get_path (field)));
  gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
  sy_field_chooser_popdown (self);
  gtk_widget_grab_focus (self->entry);
}

static void
list_activate_cb (SyFieldChooser *self,
                  guint           position)
{
  sy_field_chooser_pick (self, position);
}

static void
search_activate_cb (SyFieldChooser *self)
{
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint selected = gtk_single_selection_get_selected (self->selection);

  /* Enter takes the field typed in full, even when others contain it and
   * sort first ("key" among "currencyKey", "customerKey"). */
  for (guint i = 0; i < n && *search != '\0'; i++)
    {
      g_autoptr(SyCatalogueField) field = g_list_model_get_item (G_LIST_MODEL (self->filtered), i);

      if (g_ascii_strcasecmp (strip_prefix (self, sy_catalogue_field_get_path (field)), search) == 0)
        {
          sy_field_chooser_pick (self, i);
          return;
        }
    }
  sy_field_chooser_pick (self, selected != GTK_INVALID_LIST_POSITION ? selected : 0);
}

static void
search_stop_cb (SyFieldChooser *self)
{
  sy_field_chooser_popdown (self);
  gtk_widget_grab_focus (self->entry);
}

static void
search_changed_cb (SyFieldChooser *self)
{
  gtk_string_filter_set_search (self->search_filter,
                                gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static gboolean
search_key_pressed_cb (SyFieldChooser        *self,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       GtkEventControllerKey *controller)
{
  if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    {
      if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) > 0)
        {
          gtk_single_selection_set_selected (self->selection, 0);
          gtk_widget_child_focus (self->list_view, GTK_DIR_TAB_FORWARD);
        }
      return TRUE;
    }
  return FALSE;
}

static gboolean
entry_key_pressed_cb (SyFieldChooser        *self,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      GtkEventControllerKey *controller)
{
  if ((keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down) && (state & GDK_ALT_MASK))
    {
      sy_field_chooser_popup (self);
      return TRUE;
    }
  return FALSE;
}

static void
popover_shown_cb (SyFieldChooser *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_widget_grab_focus (self->search_entry);
}

void
sy_field_chooser_popup (SyFieldChooser *self)
{
  g_return_if_fail (SY_IS_FIELD_CHOOSER (self));
  gtk_menu_button_popup (GTK_MENU_BUTTON (self->button));
}

void
sy_field_chooser_popdown (SyFieldChooser *self)
{
  g_return_if_fail (SY_IS_FIELD_CHOOSER (self));
  gtk_menu_button_popdown (GTK_MENU_BUTTON (self->button));
}

static gboolean
sy_field_chooser_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (SY_FIELD_CHOOSER (widget)->entry);
}

/* Focus moves between the entry and the button only. GTK's default would,
 * on Shift+Tab out of the entry, grab the chooser itself, which hands the
 * focus straight back to the entry: Shift+Tab could never leave it. */
static gboolean
sy_field_chooser_focus (GtkWidget        *widget,
                        GtkDirectionType  direction)
{
  SyFieldChooser *self = SY_FIELD_CHOOSER (widget);
  gboolean backward = direction == GTK_DIR_TAB_BACKWARD || direction == GTK_DIR_LEFT || direction == GTK_DIR_UP;
  GtkWidget *parts[2];
  GtkWidget *focus_child = gtk_widget_get_focus_child (widget);
  gboolean past_focus = focus_child == NULL;

  parts[0] = backward ? self->button : self->entry;
  parts[1] = backward ? self->entry : self->button;

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      if (!past_focus)
        {
          if (parts[i] != focus_child)
            continue;
          past_focus = TRUE;
        }
      if (gtk_widget_child_focus (parts[i], direction))
        return TRUE;
    }
  return FALSE;
}

static void
sy_field_chooser_dispose (GObject *object)
{
  SyFieldChooser *self = SY_FIELD_CHOOSER (object);

  g_clear_pointer (&self->entry, gtk_widget_unparent);
  g_clear_pointer (&self->button, gtk_widget_unparent);
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->fields);
  g_clear_object (&self->fields_holder);
  g_clear_object (&self->prefix_filter);
  g_clear_object (&self->search_filter);

  G_OBJECT_CLASS (sy_field_chooser_parent_class)->dispose (object);
}

static void
sy_field_chooser_finalize (GObject *object)
{
  SyFieldChooser *self = SY_FIELD_CHOOSER (object);

  g_free (self->prefix);

  G_OBJECT_CLASS (sy_field_chooser_parent_class)->finalize (object);
}

static void
sy_field_chooser_class_init (SyFieldChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_field_chooser_dispose;
  object_class->finalize = sy_field_chooser_finalize;
  widget_class->grab_focus = sy_field_chooser_grab_focus;
  widget_class->focus = sy_field_chooser_focus;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sy-field-chooser");
}

static void
sy_field_chooser_init (SyFieldChooser *self)
{
  GtkListItemFactory *factory;
  GtkEventController *keys;
  GtkWidget *popover, *box, *scrolled;
  GtkExpression *expression;

  gtk_widget_add_css_class (GTK_WIDGET (self), "linked");

  self->entry = gtk_entry_new ();
  gtk_widget_set_hexpand (self->entry, TRUE);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->entry), 10);
  gtk_widget_set_parent (self->entry, GTK_WIDGET (self));
  g_signal_connect_swapped (self->entry, "changed", G_CALLBACK (entry_changed_cb), self);
  keys = gtk_event_controller_key_new ();
  g_signal_connect_swapped (keys, "key-pressed", G_CALLBACK (entry_key_pressed_cb), self);
  gtk_widget_add_controller (self->entry, keys);

  /* The field list: the catalogue's fields, below the prefix, matching the
   * search. */
  self->fields_holder = g_list_store_new (G_TYPE_LIST_MODEL);
  self->fields = gtk_flatten_list_model_new (G_LIST_MODEL (g_object_ref (self->fields_holder)));
  self->prefix_filter = gtk_custom_filter_new (prefix_matches, self, NULL);
  expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                            G_CALLBACK (display_path), self, NULL);
  self->search_filter = gtk_string_filter_new (expression);
  gtk_string_filter_set_match_mode (self->search_filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  gtk_string_filter_set_ignore_case (self->search_filter, TRUE);
  {
    GtkEveryFilter *every = gtk_every_filter_new ();

    gtk_multi_filter_append (GTK_MULTI_FILTER (every), g_object_ref (GTK_FILTER (self->prefix_filter)));
    gtk_multi_filter_append (GTK_MULTI_FILTER (every), g_object_ref (GTK_FILTER (self->search_filter)));
    self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->fields)), GTK_FILTER (every));
  }
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->filtered)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (item_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (item_bind), self);
  self->list_view = gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)), factory);
  gtk_list_view_set_single_click_activate (GTK_LIST_VIEW (self->list_view), TRUE);
  g_signal_connect_swapped (self->list_view, "activate", G_CALLBACK (list_activate_cb), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Fields"), -1);

  self->search_entry = gtk_search_entry_new ();
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search fields"), -1);
  g_object_set (self->search_entry, "placeholder-text", _("Search fields"), NULL);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (search_activate_cb), self);
  g_signal_connect_swapped (self->search_entry, "stop-search", G_CALLBACK (search_stop_cb), self);
  keys = gtk_event_controller_key_new ();
  g_signal_connect_swapped (keys, "key-pressed", G_CALLBACK (search_key_pressed_cb), self);
  gtk_widget_add_controller (self->search_entry, keys);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 320);
  gtk_widget_set_size_request (scrolled, 260, -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->list_view);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (box), self->search_entry);
  gtk_box_append (GTK_BOX (box), scrolled);

  popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  g_signal_connect_swapped (popover, "show", G_CALLBACK (popover_shown_cb), self);

  self->button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (self->button), "pan-down-symbolic");
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (self->button), popover);
  gtk_widget_set_tooltip_text (self->button, _("Choose a Field (Alt+Down)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Choose a Field"), -1);
  gtk_widget_set_parent (self->button, GTK_WIDGET (self));
}

GtkWidget *
sy_field_chooser_new (const char *accessible_label)
{
  SyFieldChooser *self = g_object_new (SY_TYPE_FIELD_CHOOSER, NULL);

  if (accessible_label != NULL)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->entry),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_label, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_label, -1);
    }
  return GTK_WIDGET (self);
}

void
sy_field_chooser_set_fields (SyFieldChooser *self,
                             GListModel     *fields)
{
  g_return_if_fail (SY_IS_FIELD_CHOOSER (self));

  g_list_store_remove_all (self->fields_holder);
  if (fields != NULL)
    g_list_store_append (self->fields_holder, fields);
}

void
sy_field_chooser_set_prefix (SyFieldChooser *self,
                             const char     *prefix)
{
  g_return_if_fail (SY_IS_FIELD_CHOOSER (self));

  if (g_strcmp0 (self->prefix, prefix) == 0)
    return;
  g_free (self->prefix);
  self->prefix = g_strdup (prefix);
  gtk_filter_changed (GTK_FILTER (self->prefix_filter), GTK_FILTER_CHANGE_DIFFERENT);
  gtk_filter_changed (GTK_FILTER (self->search_filter), GTK_FILTER_CHANGE_DIFFERENT);
}

const char *
sy_field_chooser_get_text (SyFieldChooser *self)
{
  g_return_val_if_fail (SY_IS_FIELD_CHOOSER (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->entry));
}

void
sy_field_chooser_set_text (SyFieldChooser *self,
                           const char     *text)
{
  g_return_if_fail (SY_IS_FIELD_CHOOSER (self));

  if (g_strcmp0 (text ? text : "", gtk_editable_get_text (GTK_EDITABLE (self->entry))) == 0)
    return;
  self->setting_text = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->entry), text ? text : "");
  self->setting_text = FALSE;
}

GtkEditable *
sy_field_chooser_get_entry (SyFieldChooser *self)
{
  g_return_val_if_fail (SY_IS_FIELD_CHOOSER (self), NULL);
  return GTK_EDITABLE (self->entry);
}

GtkEditable *
sy_field_chooser_get_search_entry (SyFieldChooser *self)
{
  g_return_val_if_fail (SY_IS_FIELD_CHOOSER (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

GListModel *
sy_field_chooser_get_filtered (SyFieldChooser *self)
{
  g_return_val_if_fail (SY_IS_FIELD_CHOOSER (self), NULL);
  return G_LIST_MODEL (self->filtered);
}
