/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-mapping-row.h"
#include "sy-sidebar-row.h"
#include "sy-state-store-sync.h"
#include "sy-sync-types.h"

struct _SyMappingRow
{
  GtkListBoxRow         parent_instance;

  SyMappingLibraryItem *item;
  SyConnectionStore    *connections;
  GCancellable         *cancellable;
  char                 *problem;     /* what is wrong with it, or NULL */
  char                 *last_run;    /* how its last run ended, or NULL */
  const char           *run_icon;    /* the icon that says so */

  GtkLabel             *title_label;
  GtkLabel             *subtitle_label;
  GtkLabel             *problem_label;
  GtkImage             *status_icon;
};

G_DEFINE_FINAL_TYPE (SyMappingRow, sy_mapping_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  PROP_0,
  PROP_PROBLEM,
  PROP_LAST_RUN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_accessible_label (SyMappingRow *self)
{
  g_autoptr(GString) label = g_string_new (sy_mapping_library_item_get_title (self->item));

  if (self->problem != NULL)
    g_string_append_printf (label, ", %s", self->problem);
  else if (self->last_run != NULL)
    g_string_append_printf (label, ", %s", self->last_run);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label->str, -1);
}

static void
set_status (SyMappingRow *self,
            const char   *icon_name,
            const char   *tooltip)
{
  gtk_widget_set_visible (GTK_WIDGET (self->status_icon), icon_name != NULL);
  if (icon_name != NULL)
    gtk_image_set_from_icon_name (self->status_icon, icon_name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_icon), tooltip);
}

static void
update_status_icon (SyMappingRow *self)
{
  if (self->problem != NULL)
    set_status (self, "dialog-warning-symbolic", self->problem);
  else if (self->last_run != NULL)
    set_status (self, self->run_icon, self->last_run);
  else
    set_status (self, NULL, NULL);
  update_accessible_label (self);
}

static char *
find_problem (SyMappingRow *self)
{
  const char *load_error = sy_mapping_library_item_get_load_error (self->item);
  const char *names[] = {
    sy_mapping_library_item_get_source_connection (self->item),
    sy_mapping_library_item_get_target_connection (self->item),
  };

  if (load_error != NULL)
    return g_strdup (_("This file cannot be read as a mapping"));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (names[i] != NULL && *names[i] != '\0' &&
        sy_connection_store_find_by_name (self->connections, names[i]) == NULL)
      /* Translators: a connection's name */
      return g_strdup_printf (_("Connection “%s” no longer exists"), names[i]);
  return NULL;
}

static void
update (SyMappingRow *self)
{
  const char *source = sy_mapping_library_item_get_source_connection (self->item);
  const char *target = sy_mapping_library_item_get_target_connection (self->item);
  g_autofree char *problem = find_problem (self);

  gtk_label_set_text (self->title_label, sy_mapping_library_item_get_title (self->item));
  if (source != NULL && target != NULL)
    {
      /* Translators: a mapping's source and target connections */
      g_autofree char *subtitle = g_strdup_printf (_("%s → %s"), source, target);

      gtk_label_set_text (self->subtitle_label, subtitle);
    }
  else
    gtk_label_set_text (self->subtitle_label, sy_mapping_library_item_get_load_error (self->item));

  if (g_strcmp0 (problem, self->problem) != 0)
    {
      g_free (self->problem);
      self->problem = g_steal_pointer (&problem);
      gtk_label_set_text (self->problem_label, self->problem ? self->problem : "");
      gtk_widget_set_visible (GTK_WIDGET (self->problem_label), self->problem != NULL);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
    }
  update_status_icon (self);
}

/* The newest run */

static void
describe_run (SyMappingRow    *self,
              const SySyncRun *run)
{
  const char *icon = NULL;
  char *text = NULL;

  if (run == NULL)
    text = NULL;
  else if (run->state == SY_SYNC_RUN_STATE_RUNNING)
    {
      icon = "media-playback-start-symbolic";
      text = g_strdup (_("Running"));
    }
  else if (run->state == SY_SYNC_RUN_STATE_FAILED)
    {
      icon = "dialog-error-symbolic";
      text = g_strdup (_("Last run failed"));
    }
  else if (run->state == SY_SYNC_RUN_STATE_STOPPED || run->state == SY_SYNC_RUN_STATE_INTERRUPTED)
    {
      icon = "media-playback-pause-symbolic";
      text = g_strdup (_("Last run stopped before the end: it can be resumed"));
    }
  else if (run->failed > 0)
    {
      icon = "dialog-warning-symbolic";
      guint failed = (guint) MIN (run->failed, G_MAXUINT);

      text = g_strdup_printf (ngettext ("Last run finished with %u failed record",
                                        "Last run finished with %u failed records",
                                        failed),
                              failed);
    }
  else
    {
      icon = "emblem-ok-symbolic";
      text = g_strdup (_("Last run finished"));
    }

  self->run_icon = icon;
  if (g_strcmp0 (text, self->last_run) != 0)
    {
      g_free (self->last_run);
      self->last_run = text;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_RUN]);
    }
  else
    g_free (text);
  update_status_icon (self);
}

static void
runs_listed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SyMappingRow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = sy_state_store_list_runs_finish (SY_STATE_STORE (source), result, &error);

  if (runs == NULL)
    return;
  describe_run (self, runs->len > 0 ? g_ptr_array_index (runs, 0) : NULL);
}

void
sy_mapping_row_refresh_runs (SyMappingRow *self,
                             SyStateStore *state)
{
  const char *source = sy_mapping_library_item_get_source_connection (self->item);
  const char *source_entity = sy_mapping_library_item_get_source_entity (self->item);
  const char *target = sy_mapping_library_item_get_target_connection (self->item);
  const char *target_entity = sy_mapping_library_item_get_target_entity (self->item);
  g_autofree char *pair = NULL;

  g_return_if_fail (SY_IS_MAPPING_ROW (self));

  if (state == NULL || source == NULL || source_entity == NULL || target == NULL || target_entity == NULL)
    return;
  pair = sy_sync_pair_for (source, source_entity, target, target_entity);
  sy_state_store_list_runs_async (state, pair, 1, self->cancellable, runs_listed_cb, g_object_ref (self));
}

/* GObject */

static void
sy_mapping_row_dispose (GObject *object)
{
  SyMappingRow *self = SY_MAPPING_ROW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_MAPPING_ROW);
  g_clear_object (&self->item);
  g_clear_object (&self->connections);

  G_OBJECT_CLASS (sy_mapping_row_parent_class)->dispose (object);
}

static void
sy_mapping_row_finalize (GObject *object)
{
  SyMappingRow *self = SY_MAPPING_ROW (object);

  g_clear_object (&self->cancellable);
  g_free (self->problem);
  g_free (self->last_run);

  G_OBJECT_CLASS (sy_mapping_row_parent_class)->finalize (object);
}

static void
sy_mapping_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SyMappingRow *self = SY_MAPPING_ROW (object);

  switch (prop_id)
    {
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    case PROP_LAST_RUN:
      g_value_set_string (value, self->last_run);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_row_class_init (SyMappingRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_mapping_row_dispose;
  object_class->finalize = sy_mapping_row_finalize;
  object_class->get_property = sy_mapping_row_get_property;
  widget_class->focus = sy_sidebar_row_focus;

  /* Why the mapping cannot run as it is (a connection it names is
   * missing, the file does not read), or NULL. */
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* How its newest run ended, in words, or NULL before the first. */
  properties[PROP_LAST_RUN] =
    g_param_spec_string ("last-run", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-mapping-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SyMappingRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, SyMappingRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, SyMappingRow, problem_label);
  gtk_widget_class_bind_template_child (widget_class, SyMappingRow, status_icon);
}

static void
sy_mapping_row_init (SyMappingRow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

SyMappingRow *
sy_mapping_row_new (SyMappingLibraryItem *item,
                    SyConnectionStore    *connections)
{
  SyMappingRow *self;

  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY_ITEM (item), NULL);
  g_return_val_if_fail (SY_IS_CONNECTION_STORE (connections), NULL);

  self = g_object_new (SY_TYPE_MAPPING_ROW, NULL);
  self->item = g_object_ref (item);
  self->connections = g_object_ref (connections);
  g_signal_connect_object (item, "notify", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (connections, "items-changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
  return self;
}

SyMappingLibraryItem *
sy_mapping_row_get_item (SyMappingRow *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_ROW (self), NULL);
  return self->item;
}
