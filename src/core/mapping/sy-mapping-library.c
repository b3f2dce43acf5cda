/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "sy-mapping-library.h"
#include "sy-mapping-library-private.h"
#include "sy-mapping.h"

/* A burst of file events (an atomic save is a create, a change and a
 * rename) becomes one reading. */
#define RELOAD_DELAY_MS 150

struct _SyMappingLibrary
{
  GObject       parent_instance;
  char         *directory;
  GPtrArray    *items;         /* SyMappingLibraryItem, sorted by title */
  GFileMonitor *monitor;
  GCancellable *cancellable;
  guint         reload_source;
  guint64       generation;    /* of the last reading started */
  guint64       applied;       /* of the last reading shown */
  gboolean      loaded;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SyMappingLibrary, sy_mapping_library, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_DIRECTORY,
  PROP_LOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GListModel */

static GType
get_item_type (GListModel *model)
{
  return SY_TYPE_MAPPING_LIBRARY_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  return SY_MAPPING_LIBRARY (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  SyMappingLibrary *self = SY_MAPPING_LIBRARY (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* Reading, in a thread */

typedef struct
{
  char    *directory;
  guint64  generation;
} ReadData;

static void
read_data_free (ReadData *data)
{
  g_free (data->directory);
  g_free (data);
}

static char *
title_from_path (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  if (g_str_has_suffix (base, ".json"))
    base[strlen (base) - strlen (".json")] = '\0';
  return g_steal_pointer (&base);
}

static SyMappingLibraryEntry *
read_entry (const char *path)
{
  SyMappingLibraryEntry *entry = g_new0 (SyMappingLibraryEntry, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = sy_mapping_load_file (path, &error);

  entry->path = g_strdup (path);
  if (mapping == NULL)
    {
      entry->title = title_from_path (path);
      entry->load_error = g_strdup (error->message);
      return entry;
    }
  if (sy_mapping_get_name (mapping) != NULL && *sy_mapping_get_name (mapping) != '\0')
    entry->title = g_strdup (sy_mapping_get_name (mapping));
  else
    entry->title = title_from_path (path);
  entry->source_connection = g_strdup (sy_mapping_get_source_connection (mapping));
  entry->source_entity = g_strdup (sy_mapping_get_source_entity (mapping));
  entry->target_connection = g_strdup (sy_mapping_get_target_connection (mapping));
  entry->target_entity = g_strdup (sy_mapping_get_target_entity (mapping));
  return entry;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const SyMappingLibraryEntry *left = *(SyMappingLibraryEntry * const *) a;
  const SyMappingLibraryEntry *right = *(SyMappingLibraryEntry * const *) b;
  g_autofree char *left_folded = g_utf8_casefold (left->title, -1);
  g_autofree char *right_folded = g_utf8_casefold (right->title, -1);
  g_autofree char *left_key = g_utf8_collate_key (left_folded, -1);
  g_autofree char *right_key = g_utf8_collate_key (right_folded, -1);
  int order = strcmp (left_key, right_key);

  return order != 0 ? order : strcmp (left->path, right->path);
}

static void
read_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ReadData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) paths = sy_mapping_list_files (data->directory, &error);
  g_autoptr(GPtrArray) entries = NULL;

  if (paths == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_mapping_library_entry_free);
  for (guint i = 0; i < paths->len; i++)
    {
      if (g_task_return_error_if_cancelled (task))
        return;
      g_ptr_array_add (entries, read_entry (g_ptr_array_index (paths, i)));
    }
  g_ptr_array_sort (entries, compare_entries);
  g_task_return_pointer (task, g_steal_pointer (&entries), (GDestroyNotify) g_ptr_array_unref);
}

static SyMappingLibraryItem *
find_by_path (GPtrArray  *items,
              const char *path)
{
  for (guint i = 0; i < items->len; i++)
    {
      SyMappingLibraryItem *item = g_ptr_array_index (items, i);

      if (g_strcmp0 (sy_mapping_library_item_get_path (item), path) == 0)
        return item;
    }
  return NULL;
}

/* Keeps the objects of files still there, so bindings and selections
 * hold; announces a change of the list only when its order or members
 * changed. */
static void
apply_entries (SyMappingLibrary *self,
               GPtrArray        *entries)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean same = entries->len == self->items->len;
  guint removed = self->items->len;

  for (guint i = 0; i < entries->len; i++)
    {
      SyMappingLibraryEntry *entry = g_ptr_array_index (entries, i);
      SyMappingLibraryItem *item = find_by_path (self->items, entry->path);

      if (item != NULL)
        {
          sy_mapping_library_item_update (item, entry);
          g_ptr_array_add (items, g_object_ref (item));
        }
      else
        g_ptr_array_add (items, sy_mapping_library_item_new (entry));
      same = same && g_ptr_array_index (self->items, i) == g_ptr_array_index (items, i);
    }
  if (same)
    return;
  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&items);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->items->len);
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SyMappingLibrary *self = SY_MAPPING_LIBRARY (source);
  g_autoptr(GTask) caller = user_data;
  ReadData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = g_task_propagate_pointer (G_TASK (result), &error);

  /* A reading that started earlier but ended later must not undo a newer one. */
  if (entries != NULL && data->generation > self->applied)
    {
      self->applied = data->generation;
      apply_entries (self, entries);
    }
  if (entries != NULL && !self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not read the mappings folder %s: %s", self->directory, error->message);

  if (caller == NULL)
    return;
  if (error != NULL)
    g_task_return_error (caller, g_steal_pointer (&error));
  else
    g_task_return_boolean (caller, TRUE);
}

static void
start_reading (SyMappingLibrary *self,
               GTask            *caller)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, read_done_cb, caller);
  ReadData *data = g_new0 (ReadData, 1);

  data->directory = g_strdup (self->directory);
  data->generation = ++self->generation;
  g_task_set_source_tag (task, start_reading);
  g_task_set_task_data (task, data, (GDestroyNotify) read_data_free);
  g_task_run_in_thread (task, read_in_thread);
}

void
sy_mapping_library_reload_async (SyMappingLibrary    *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SY_IS_MAPPING_LIBRARY (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_mapping_library_reload_async);
  start_reading (self, g_steal_pointer (&task));
}

gboolean
sy_mapping_library_reload_finish (SyMappingLibrary  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
reload_later_cb (gpointer user_data)
{
  SyMappingLibrary *self = user_data;

  self->reload_source = 0;
  start_reading (self, NULL);
  return G_SOURCE_REMOVE;
}

static void
folder_changed_cb (SyMappingLibrary  *self,
                   GFile             *file,
                   GFile             *other_file,
                   GFileMonitorEvent  event)
{
  if (event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED)
    return;
  if (self->reload_source == 0)
    self->reload_source = g_timeout_add (RELOAD_DELAY_MS, reload_later_cb, self);
}

/* GObject */

static void
sy_mapping_library_constructed (GObject *object)
{
  SyMappingLibrary *self = SY_MAPPING_LIBRARY (object);
  g_autoptr(GFile) folder = g_file_new_for_path (self->directory);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (sy_mapping_library_parent_class)->constructed (object);

  /* The folder may not exist yet; GIO's monitor notices when it appears. */
  self->monitor = g_file_monitor_directory (folder, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
  if (self->monitor != NULL)
    g_signal_connect_object (self->monitor, "changed", G_CALLBACK (folder_changed_cb), self, G_CONNECT_SWAPPED);
  else
    g_debug ("No monitor on %s (%s): the list is read again on reload", self->directory, error->message);
  start_reading (self, NULL);
}

static void
sy_mapping_library_dispose (GObject *object)
{
  SyMappingLibrary *self = SY_MAPPING_LIBRARY (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->monitor != NULL)
    g_file_monitor_cancel (self->monitor);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (sy_mapping_library_parent_class)->dispose (object);
}

static void
sy_mapping_library_finalize (GObject *object)
{
  SyMappingLibrary *self = SY_MAPPING_LIBRARY (object);

  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->items);
  g_free (self->directory);

  G_OBJECT_CLASS (sy_mapping_library_parent_class)->finalize (object);
}

static void
sy_mapping_library_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SyMappingLibrary *self = SY_MAPPING_LIBRARY (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_library_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SyMappingLibrary *self = SY_MAPPING_LIBRARY (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      self->directory = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_library_class_init (SyMappingLibraryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sy_mapping_library_constructed;
  object_class->dispose = sy_mapping_library_dispose;
  object_class->finalize = sy_mapping_library_finalize;
  object_class->get_property = sy_mapping_library_get_property;
  object_class->set_property = sy_mapping_library_set_property;

  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_mapping_library_init (SyMappingLibrary *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
}

SyMappingLibrary *
sy_mapping_library_new (const char *mappings_dir)
{
  g_return_val_if_fail (mappings_dir != NULL, NULL);

  return g_object_new (SY_TYPE_MAPPING_LIBRARY, "directory", mappings_dir, NULL);
}

const char *
sy_mapping_library_get_directory (SyMappingLibrary *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY (self), NULL);
  return self->directory;
}

gboolean
sy_mapping_library_get_loaded (SyMappingLibrary *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY (self), FALSE);
  return self->loaded;
}

SyMappingLibraryItem *
sy_mapping_library_find_by_file (SyMappingLibrary *self,
                                 GFile            *file)
{
  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      SyMappingLibraryItem *item = g_ptr_array_index (self->items, i);

      if (g_file_equal (sy_mapping_library_item_get_file (item), file))
        return item;
    }
  return NULL;
}
