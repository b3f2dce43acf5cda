/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sy-mapping-library-item.h"
#include "sy-mapping-library-private.h"

struct _SyMappingLibraryItem
{
  GObject  parent_instance;
  GFile   *file;
  char    *path;
  char    *title;
  char    *source_connection;
  char    *source_entity;
  char    *target_connection;
  char    *target_entity;
  char    *load_error;
};

G_DEFINE_FINAL_TYPE (SyMappingLibraryItem, sy_mapping_library_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_PATH,
  PROP_TITLE,
  PROP_SOURCE_CONNECTION,
  PROP_SOURCE_ENTITY,
  PROP_TARGET_CONNECTION,
  PROP_TARGET_ENTITY,
  PROP_LOAD_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
sy_mapping_library_entry_free (SyMappingLibraryEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->path);
  g_free (entry->title);
  g_free (entry->source_connection);
  g_free (entry->source_entity);
  g_free (entry->target_connection);
  g_free (entry->target_entity);
  g_free (entry->load_error);
  g_free (entry);
}

static void
sy_mapping_library_item_finalize (GObject *object)
{
  SyMappingLibraryItem *self = SY_MAPPING_LIBRARY_ITEM (object);

  g_clear_object (&self->file);
  g_free (self->path);
  g_free (self->title);
  g_free (self->source_connection);
  g_free (self->source_entity);
  g_free (self->target_connection);
  g_free (self->target_entity);
  g_free (self->load_error);

  G_OBJECT_CLASS (sy_mapping_library_item_parent_class)->finalize (object);
}

static void
sy_mapping_library_item_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  SyMappingLibraryItem *self = SY_MAPPING_LIBRARY_ITEM (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_SOURCE_CONNECTION:
      g_value_set_string (value, self->source_connection);
      break;
    case PROP_SOURCE_ENTITY:
      g_value_set_string (value, self->source_entity);
      break;
    case PROP_TARGET_CONNECTION:
      g_value_set_string (value, self->target_connection);
      break;
    case PROP_TARGET_ENTITY:
      g_value_set_string (value, self->target_entity);
      break;
    case PROP_LOAD_ERROR:
      g_value_set_string (value, self->load_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_mapping_library_item_class_init (SyMappingLibraryItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = sy_mapping_library_item_finalize;
  object_class->get_property = sy_mapping_library_item_get_property;

  properties[PROP_FILE] = g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE, flags);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_SOURCE_CONNECTION] = g_param_spec_string ("source-connection", NULL, NULL, NULL, flags);
  properties[PROP_SOURCE_ENTITY] = g_param_spec_string ("source-entity", NULL, NULL, NULL, flags);
  properties[PROP_TARGET_CONNECTION] = g_param_spec_string ("target-connection", NULL, NULL, NULL, flags);
  properties[PROP_TARGET_ENTITY] = g_param_spec_string ("target-entity", NULL, NULL, NULL, flags);
  /* NULL when the file loaded. */
  properties[PROP_LOAD_ERROR] = g_param_spec_string ("load-error", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_mapping_library_item_init (SyMappingLibraryItem *self)
{
}

static void
update_string (SyMappingLibraryItem *self,
               char                **field,
               const char           *value,
               guint                 prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

SyMappingLibraryItem *
sy_mapping_library_item_new (const SyMappingLibraryEntry *entry)
{
  SyMappingLibraryItem *self;

  g_return_val_if_fail (entry != NULL && entry->path != NULL, NULL);

  self = g_object_new (SY_TYPE_MAPPING_LIBRARY_ITEM, NULL);
  self->path = g_strdup (entry->path);
  self->file = g_file_new_for_path (entry->path);
  self->title = g_strdup (entry->title);
  self->source_connection = g_strdup (entry->source_connection);
  self->source_entity = g_strdup (entry->source_entity);
  self->target_connection = g_strdup (entry->target_connection);
  self->target_entity = g_strdup (entry->target_entity);
  self->load_error = g_strdup (entry->load_error);
  return self;
}

void
sy_mapping_library_item_update (SyMappingLibraryItem        *self,
                                const SyMappingLibraryEntry *entry)
{
  g_return_if_fail (SY_IS_MAPPING_LIBRARY_ITEM (self));
  g_return_if_fail (g_strcmp0 (self->path, entry->path) == 0);

  g_object_freeze_notify (G_OBJECT (self));
  update_string (self, &self->title, entry->title, PROP_TITLE);
  update_string (self, &self->source_connection, entry->source_connection, PROP_SOURCE_CONNECTION);
  update_string (self, &self->source_entity, entry->source_entity, PROP_SOURCE_ENTITY);
  update_string (self, &self->target_connection, entry->target_connection, PROP_TARGET_CONNECTION);
  update_string (self, &self->target_entity, entry->target_entity, PROP_TARGET_ENTITY);
  update_string (self, &self->load_error, entry->load_error, PROP_LOAD_ERROR);
  g_object_thaw_notify (G_OBJECT (self));
}

GFile *
sy_mapping_library_item_get_file (SyMappingLibraryItem *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY_ITEM (self), NULL);
  return self->file;
}

const char *
sy_mapping_library_item_get_path (SyMappingLibraryItem *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY_ITEM (self), NULL);
  return self->path;
}

const char *
sy_mapping_library_item_get_title (SyMappingLibraryItem *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY_ITEM (self), NULL);
  return self->title;
}

const char *
sy_mapping_library_item_get_source_connection (SyMappingLibraryItem *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY_ITEM (self), NULL);
  return self->source_connection;
}

const char *
sy_mapping_library_item_get_source_entity (SyMappingLibraryItem *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY_ITEM (self), NULL);
  return self->source_entity;
}

const char *
sy_mapping_library_item_get_target_connection (SyMappingLibraryItem *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY_ITEM (self), NULL);
  return self->target_connection;
}

const char *
sy_mapping_library_item_get_target_entity (SyMappingLibraryItem *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY_ITEM (self), NULL);
  return self->target_entity;
}

const char *
sy_mapping_library_item_get_load_error (SyMappingLibraryItem *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_LIBRARY_ITEM (self), NULL);
  return self->load_error;
}
