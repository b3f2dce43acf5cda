/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-mapping-editor-private.h"
#include "sy-mapping-page.h"

struct _SyMappingPage
{
  AdwBin               parent_instance;

  SyApplication       *application;
  SyMappingEditor     *editor;
  GHashTable          *run_panels;     /* path → SyRunPanel (owned by run_panels stack too) */
  GFile               *file;           /* the file shown, NULL for a new mapping */
  gboolean             folded;
  GBinding            *reveal_binding;

  AdwViewStack        *views;
  AdwBin              *editor_slot;
  GtkWidget           *runs_back_button;
  AdwViewSwitcherTitle *runs_title;
  GtkStack            *run_panels_stack;
  AdwViewSwitcherBar  *switcher_bar;
  AdwViewSwitcherTitle *editor_title;
};

G_DEFINE_FINAL_TYPE (SyMappingPage, sy_mapping_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_FILE,
  PROP_FOLDED,
  PROP_VIEW,
  N_PROPS
};

enum {
  RUNS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
show_run_panel (SyMappingPage *self)
{
  g_autofree char *path = self->file ? g_file_get_path (self->file) : NULL;

  if (path == NULL)
    {
      gtk_stack_set_visible_child_name (self->run_panels_stack, "unsaved");
      return;
    }
  gtk_stack_set_visible_child (self->run_panels_stack,
                               GTK_WIDGET (sy_mapping_page_get_run_panel (self, self->file)));
}

static void
editor_file_changed_cb (SyMappingPage *self)
{
  GFile *file = NULL;

  g_object_get (self->editor, "file", &file, NULL);
  if (file == self->file || (file != NULL && self->file != NULL && g_file_equal (file, self->file)))
    {
      g_clear_object (&file);
      return;
    }
  g_clear_object (&self->file);
  self->file = file;
  show_run_panel (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
}

static void
bind_switcher_bar (SyMappingPage *self)
{
  GObject *title;

  /* The bar stands in for the switcher of the header shown, once that is
   * too narrow for it. */
  g_clear_pointer (&self->reveal_binding, g_binding_unbind);
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->views), "runs") == 0 || self->editor == NULL)
    title = G_OBJECT (self->runs_title);
  else
    title = G_OBJECT (self->editor_title);
  if (title != NULL)
    self->reveal_binding = g_object_bind_property (title, "title-visible", self->switcher_bar, "reveal",
                                                   G_BINDING_SYNC_CREATE);
}

static void
view_changed_cb (SyMappingPage *self)
{
  bind_switcher_bar (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEW]);
}

static GtkWidget *
new_back_button (SyMappingPage *self)
{
  GtkWidget *button = gtk_button_new_from_icon_name ("go-previous-symbolic");

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.go-back");
  gtk_widget_set_tooltip_text (button, _("Back (Alt+Left)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Back to the Sidebar"), -1);
  g_object_bind_property (self, "folded", button, "visible", G_BINDING_SYNC_CREATE);
  return button;
}

/* The editor takes the stores as they are when it is made: made on first
 * use, after the demo has settled which secret store holds its tokens. */
static SyMappingEditor *
ensure_editor (SyMappingPage *self)
{
  g_autofree char *dir = NULL;

  if (self->editor != NULL)
    return self->editor;

  g_return_val_if_fail (self->application != NULL, NULL);

  dir = g_build_filename (sy_application_get_config_dir (self->application), "mappings", NULL);
  self->editor = sy_mapping_editor_new (sy_application_get_connection_store (self->application),
                                        sy_application_get_secret_store (self->application),
                                        dir);
  self->editor_title = sy_mapping_editor_embed (self->editor, self->views, new_back_button (self));
  adw_bin_set_child (self->editor_slot, GTK_WIDGET (self->editor));
  g_object_bind_property (self->editor, "title", self->runs_title, "title", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->editor, "notify::file", G_CALLBACK (editor_file_changed_cb), self, G_CONNECT_SWAPPED);
  bind_switcher_bar (self);
  return self->editor;
}

static void
run_panel_activity_cb (SyMappingPage *self)
{
  g_signal_emit (self, signals[RUNS_CHANGED], 0);
}

SyRunPanel *
sy_mapping_page_get_run_panel (SyMappingPage *self,
                               GFile         *file)
{
  g_autofree char *path = NULL;
  SyRunPanel *panel;

  g_return_val_if_fail (SY_IS_MAPPING_PAGE (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (self->application != NULL, NULL);

  path = g_file_get_path (file);
  panel = g_hash_table_lookup (self->run_panels, path);
  if (panel != NULL)
    return panel;

  panel = sy_run_panel_new (self->application, file);
  gtk_stack_add_named (self->run_panels_stack, GTK_WIDGET (panel), path);
  g_hash_table_insert (self->run_panels, g_strdup (path), panel);
  g_signal_connect_object (panel, "notify::activity", G_CALLBACK (run_panel_activity_cb), self, G_CONNECT_SWAPPED);
  return panel;
}

SyRunPanelActivity
sy_mapping_page_get_run_activity (SyMappingPage *self,
                                  GFile         *file)
{
  g_autofree char *path = NULL;
  SyRunPanel *panel;

  g_return_val_if_fail (SY_IS_MAPPING_PAGE (self), SY_RUN_PANEL_IDLE);
  g_return_val_if_fail (G_IS_FILE (file), SY_RUN_PANEL_IDLE);

  path = g_file_get_path (file);
  panel = g_hash_table_lookup (self->run_panels, path);
  return panel != NULL ? sy_run_panel_get_activity (panel) : SY_RUN_PANEL_IDLE;
}

void
sy_mapping_page_count_runs (SyMappingPage *self,
                            guint         *running,
                            guint         *paused)
{
  GHashTableIter iter;
  gpointer panel;

  g_return_if_fail (SY_IS_MAPPING_PAGE (self));

  *running = *paused = 0;
  g_hash_table_iter_init (&iter, self->run_panels);
  while (g_hash_table_iter_next (&iter, NULL, &panel))
    {
      SyRunPanelActivity activity;

      g_object_get (panel, "activity", &activity, NULL);
      if (activity == SY_RUN_PANEL_PAUSED)
        (*paused)++;
      else if (activity != SY_RUN_PANEL_IDLE)
        (*running)++;
    }
}

void
sy_mapping_page_stop_runs (SyMappingPage *self)
{
  GHashTableIter iter;
  gpointer panel;

  g_return_if_fail (SY_IS_MAPPING_PAGE (self));

  g_hash_table_iter_init (&iter, self->run_panels);
  while (g_hash_table_iter_next (&iter, NULL, &panel))
    if (sy_run_panel_get_activity (panel) != SY_RUN_PANEL_IDLE)
      sy_run_panel_stop_after_batch (panel);
}

void
sy_mapping_page_set_application (SyMappingPage *self,
                                 SyApplication *application)
{
  g_return_if_fail (SY_IS_MAPPING_PAGE (self));
  g_return_if_fail (SY_IS_APPLICATION (application));
  g_return_if_fail (self->application == NULL);

  self->application = application;
}

static void open_answered (SyMappingPage *self, gboolean proceed, gpointer user_data);

void
sy_mapping_page_open (SyMappingPage *self,
                      GFile         *file)
{
  g_return_if_fail (SY_IS_MAPPING_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->file != NULL && g_file_equal (file, self->file))
    return;
  if (!sy_mapping_page_has_unsaved_changes (self))
    {
      sy_mapping_editor_open_file (ensure_editor (self), file);
      return;
    }
  sy_mapping_page_confirm_leave (self, open_answered, g_object_ref (file));
}

void
sy_mapping_page_new_mapping (SyMappingPage *self)
{
  g_return_if_fail (SY_IS_MAPPING_PAGE (self));

  gtk_widget_activate_action (GTK_WIDGET (ensure_editor (self)), "editor.new", NULL);
  adw_view_stack_set_visible_child_name (self->views, "mapping");
}

void
sy_mapping_page_show_view (SyMappingPage *self,
                           const char    *name)
{
  g_return_if_fail (SY_IS_MAPPING_PAGE (self));

  ensure_editor (self);
  adw_view_stack_set_visible_child_name (self->views, name);
}

GFile *
sy_mapping_page_get_file (SyMappingPage *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_PAGE (self), NULL);
  return self->file;
}

SyMappingEditor *
sy_mapping_page_get_editor (SyMappingPage *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_PAGE (self), NULL);
  return ensure_editor (self);
}

gboolean
sy_mapping_page_has_unsaved_changes (SyMappingPage *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_PAGE (self), FALSE);
  return self->editor != NULL && sy_mapping_editor_has_unsaved_changes (self->editor);
}

typedef struct
{
  SyMappingPage *self;
  void         (*callback) (SyMappingPage *page, gboolean proceed, gpointer user_data);
  gpointer       user_data;
} LeaveData;

static void
leave_answered (SyMappingEditor *editor,
                gboolean         proceed,
                gpointer         user_data)
{
  LeaveData *data = user_data;

  data->callback (data->self, proceed, data->user_data);
  g_object_unref (data->self);
  g_free (data);
}

void
sy_mapping_page_confirm_leave (SyMappingPage *self,
                               void         (*callback) (SyMappingPage *page,
                                                         gboolean       proceed,
                                                         gpointer       user_data),
                               gpointer       user_data)
{
  LeaveData *data;

  g_return_if_fail (SY_IS_MAPPING_PAGE (self));

  if (!sy_mapping_page_has_unsaved_changes (self))
    {
      callback (self, TRUE, user_data);
      return;
    }
  data = g_new0 (LeaveData, 1);
  data->self = g_object_ref (self);
  data->callback = callback;
  data->user_data = user_data;
  sy_mapping_editor_confirm_close (self->editor, leave_answered, data);
}

static void
open_answered (SyMappingPage *self,
               gboolean       proceed,
               gpointer       user_data)
{
  g_autoptr(GFile) file = user_data;

  if (!proceed)
    {
      /* Stay: whoever asked (the sidebar) goes back to the mapping shown. */
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
      return;
    }
  /* Saved or discarded: what the editor holds may go without a second
   * question. */
  sy_mapping_editor_set_mapping (self->editor, NULL, NULL);
  sy_mapping_editor_open_file (self->editor, file);
}

/* GObject */

static void
sy_mapping_page_dispose (GObject *object)
{
  SyMappingPage *self = SY_MAPPING_PAGE (object);

  g_clear_pointer (&self->reveal_binding, g_binding_unbind);
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_MAPPING_PAGE);
  g_clear_pointer (&self->run_panels, g_hash_table_unref);
  g_clear_object (&self->file);
  self->editor = NULL;

  G_OBJECT_CLASS (sy_mapping_page_parent_class)->dispose (object);
}

static void
sy_mapping_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SyMappingPage *self = SY_MAPPING_PAGE (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;
    case PROP_VIEW:
      g_value_set_string (value, adw_view_stack_get_visible_child_name (self->views));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SyMappingPage *self = SY_MAPPING_PAGE (object);

  switch (prop_id)
    {
    case PROP_FOLDED:
      if (self->folded != g_value_get_boolean (value))
        {
          self->folded = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_page_class_init (SyMappingPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_mapping_page_dispose;
  object_class->get_property = sy_mapping_page_get_property;
  object_class->set_property = sy_mapping_page_set_property;

  /* The mapping file shown, NULL for a new mapping not saved yet. */
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether the window shows one pane at a time: the headers then have a
   * Back button. */
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The view shown: "mapping" or "runs". */
  properties[PROP_VIEW] =
    g_param_spec_string ("view", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A run panel started, paused or ended a run. */
  signals[RUNS_CHANGED] = g_signal_new ("runs-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (SY_TYPE_RUN_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-mapping-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SyMappingPage, views);
  gtk_widget_class_bind_template_child (widget_class, SyMappingPage, editor_slot);
  gtk_widget_class_bind_template_child (widget_class, SyMappingPage, runs_back_button);
  gtk_widget_class_bind_template_child (widget_class, SyMappingPage, runs_title);
  gtk_widget_class_bind_template_child_full (widget_class, "run_panels", FALSE,
                                             G_STRUCT_OFFSET (SyMappingPage, run_panels_stack));
  gtk_widget_class_bind_template_child (widget_class, SyMappingPage, switcher_bar);
  gtk_widget_class_bind_template_callback (widget_class, view_changed_cb);
}

static void
sy_mapping_page_init (SyMappingPage *self)
{
  /* The stack holds the panels; the table only finds them by path. */
  self->run_panels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_object_bind_property (self, "folded", self->runs_back_button, "visible", G_BINDING_SYNC_CREATE);
}
