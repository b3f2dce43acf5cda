/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-sync-window-internal.h"

/* The mappings folder, watched, and the mapping chosen from it. */

/* Saving a mapping renames a temporary file: list once things settle. */
#define RELIST_DELAY_MS 300

/* The mapping */

static void
update_title (SySyncWindow *self)
{
  const char *name = self->mapping ? sy_mapping_get_name (self->mapping) : NULL;
  g_autofree char *title = NULL;

  if (name != NULL && *name != '\0')
    /* Translators: the window title, with the mapping's name */
    title = g_strdup_printf (_("Sync “%s”"), name);
  else
    title = g_strdup (_("Sync"));
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_view_switcher_title_set_subtitle (self->switcher_title, name ? name : "");
}

static void
mapping_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SySyncWindow) self = user_data;
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *subtitle = NULL;

  mapping = sy_mapping_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (mapping == NULL)
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->mapping_row), error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->mapping_row), "error");
      set_status (self, _("This mapping cannot be synced until it is fixed in the mapping editor."));
      sy_sync_window_update_actions (self);
      return;
    }

  g_set_object (&self->mapping, mapping);
  g_free (self->pair);
  self->pair = sy_sync_pair_for (sy_mapping_get_source_connection (mapping),
                                 sy_mapping_get_source_entity (mapping),
                                 sy_mapping_get_target_connection (mapping),
                                 sy_mapping_get_target_entity (mapping));
  /* Translators: a mapping's source and target: connection and entity each */
  subtitle = g_strdup_printf (_("%s · %s → %s · %s"),
                              sy_mapping_get_source_connection (mapping),
                              sy_mapping_get_source_entity (mapping),
                              sy_mapping_get_target_connection (mapping),
                              sy_mapping_get_target_entity (mapping));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->mapping_row), subtitle);
  gtk_widget_remove_css_class (GTK_WIDGET (self->mapping_row), "error");
  update_title (self);
  sy_sync_window_show_past_run_summary (self, NULL);
  sy_sync_window_load_history (self);
  sy_sync_window_update_actions (self);
}

void
sy_sync_window_mapping_selected_cb (SySyncWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->mapping_row);
  GFile *file;

  /* The running job keeps its mapping, whatever the folder does. */
  if (self->selecting || self->preparing || self->running ||
      selected == GTK_INVALID_LIST_POSITION || selected >= self->mapping_files->len)
    return;

  file = g_ptr_array_index (self->mapping_files, selected);
  if (self->mapping_file != NULL && g_file_equal (file, self->mapping_file) && self->mapping != NULL)
    return;

  g_set_object (&self->mapping_file, file);
  g_clear_object (&self->mapping);
  g_clear_pointer (&self->pair, g_free);
  g_clear_object (&self->job);
  sy_sync_window_show_run (self, NULL);
  sy_sync_window_load_history (self);
  update_title (self);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->mapping_row), _("Loading…"));
  sy_sync_window_update_actions (self);

  reset_cancellable (&self->mapping_cancellable);
  sy_mapping_load_async (file, self->mapping_cancellable, mapping_loaded_cb, g_object_ref (self));
}

char *
sy_sync_window_mappings_dir (SySyncWindow *self)
{
  SyApplication *app = get_app (self);

  return g_build_filename (sy_application_get_config_dir (app), "mappings", NULL);
}

static int
compare_files (gconstpointer a,
               gconstpointer b)
{
  g_autofree char *name_a = g_file_get_basename (*(GFile **) a);
  g_autofree char *name_b = g_file_get_basename (*(GFile **) b);

  return g_utf8_collate (name_a, name_b);
}

static void
fill_mappings (SySyncWindow *self,
               GPtrArray    *files)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GFile *keep = self->wanted_file ? self->wanted_file : self->mapping_file;
  guint selected = files->len > 0 ? 0 : GTK_INVALID_LIST_POSITION;

  g_ptr_array_sort (files, compare_files);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *basename = g_file_get_basename (g_ptr_array_index (files, i));

      if (g_str_has_suffix (basename, ".json"))
        basename[strlen (basename) - strlen (".json")] = '\0';
      g_ptr_array_add (names, g_steal_pointer (&basename));
      if (keep != NULL && g_file_equal (keep, g_ptr_array_index (files, i)))
        selected = i;
    }
  g_ptr_array_add (names, NULL);

  self->selecting = TRUE;
  g_ptr_array_unref (self->mapping_files);
  self->mapping_files = g_ptr_array_ref (files);
  gtk_string_list_splice (self->mapping_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->mapping_names)),
                          (const char * const *) names->pdata);
  adw_combo_row_set_selected (self->mapping_row, selected);
  self->selecting = FALSE;
  g_clear_object (&self->wanted_file);

  self->listed = TRUE;
  gtk_stack_set_visible_child_name (self->content_stack, files->len > 0 ? "sync" : "empty");
  sy_sync_window_mapping_selected_cb (self);
}

typedef struct
{
  SySyncWindow *self;
  GFile        *dir;
  GPtrArray    *files;
} ListData;

static void
list_data_free (ListData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->dir);
  g_ptr_array_unref (data->files);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ListData, list_data_free)

static void
list_done (ListData *data,
           GError   *error)
{
  SySyncWindow *self = data->self;

  self->listing = FALSE;
  /* No folder yet is no mapping yet. */
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_autofree char *title = g_strdup_printf (_("The mappings could not be listed: %s"), error->message);
      add_toast (self, title);
    }
  fill_mappings (self, data->files);
}

static void
next_files_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ListData) data = user_data;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  GList *infos;

  infos = g_file_enumerator_next_files_finish (G_FILE_ENUMERATOR (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL || infos == NULL)
    {
      list_done (data, error);
      return;
    }

  for (GList *l = infos; l != NULL; l = l->next)
    {
      GFileInfo *info = l->data;
      const char *name = g_file_info_get_name (info);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR &&
          g_str_has_suffix (name, ".json") && name[0] != '.')
        g_ptr_array_add (data->files, g_file_get_child (data->dir, name));
    }
  g_list_free_full (infos, g_object_unref);

  cancellable = data->self->cancellable;
  g_file_enumerator_next_files_async (G_FILE_ENUMERATOR (source), 64, G_PRIORITY_DEFAULT,
                                      cancellable, next_files_cb, g_steal_pointer (&data));
}

static void
enumerated_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ListData) data = user_data;
  g_autoptr(GFileEnumerator) enumerator = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  enumerator = g_file_enumerate_children_finish (G_FILE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (enumerator == NULL)
    {
      list_done (data, error);
      return;
    }
  cancellable = data->self->cancellable;
  g_file_enumerator_next_files_async (enumerator, 64, G_PRIORITY_DEFAULT, cancellable,
                                      next_files_cb, g_steal_pointer (&data));
}

void
sy_sync_window_list_mappings (SySyncWindow *self)
{
  g_autofree char *dir = sy_sync_window_mappings_dir (self);
  ListData *data;

  if (self->listing)
    return;
  self->listing = TRUE;

  data = g_new0 (ListData, 1);
  data->self = g_object_ref (self);
  data->dir = g_file_new_for_path (dir);
  data->files = g_ptr_array_new_with_free_func (g_object_unref);
  g_file_enumerate_children_async (data->dir,
                                   G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                   G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT, self->cancellable,
                                   enumerated_cb, data);
}

static gboolean
relist_cb (gpointer user_data)
{
  SySyncWindow *self = user_data;

  self->relist_source = 0;
  sy_sync_window_list_mappings (self);
  return G_SOURCE_REMOVE;
}

void
sy_sync_window_mappings_changed_cb (SySyncWindow      *self,
                                    GFile             *file,
                                    GFile             *other_file,
                                    GFileMonitorEvent  event)
{
  if (event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT || event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED)
    return;
  g_clear_handle_id (&self->relist_source, g_source_remove);
  self->relist_source = g_timeout_add (RELIST_DELAY_MS, relist_cb, self);
}

void
sy_sync_window_select_mapping (SySyncWindow *self,
                               GFile        *mapping_file)
{
  g_return_if_fail (SY_IS_SYNC_WINDOW (self));
  g_return_if_fail (G_IS_FILE (mapping_file));

  for (guint i = 0; self->listed && i < self->mapping_files->len; i++)
    if (g_file_equal (mapping_file, g_ptr_array_index (self->mapping_files, i)))
      {
        adw_combo_row_set_selected (self->mapping_row, i);
        return;
      }

  /* Not listed (yet): a new file, or the folder is still being read. */
  g_set_object (&self->wanted_file, mapping_file);
  g_clear_handle_id (&self->relist_source, g_source_remove);
  if (self->listing)
    return;
  sy_sync_window_list_mappings (self);
}
