/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-catalogue.h"
#include "sy-core-resources.h"

#define CATALOGUE_RESOURCE "/io/github/switchyard/Switchyard/catalogue/unified-model.json"
#define CATALOGUE_VERSION 1

typedef struct
{
  /* SyCatalogueField, sorted by path; the list store is built from it on
   * first use and kept. */
  GPtrArray  *fields;
  GHashTable *by_path;
  GStrv       commonly_needed;
  GListStore *store;
} Entity;

struct _SyCatalogue
{
  GObject     parent_instance;

  GHashTable *entities;   /* "domain/entity" → Entity */
  /* The default catalogue is shared between threads (the sync engine maps
   * records off the main thread); the lazily built stores need a lock. */
  GMutex      lock;
};

G_DEFINE_FINAL_TYPE (SyCatalogue, sy_catalogue, G_TYPE_OBJECT)

static const char * const known_types[] = {
  "string", "integer", "number", "boolean", "date", "date-time",
  "object", "array", "unknown", NULL
};

static void
entity_free (gpointer data)
{
  Entity *entity = data;

  g_clear_pointer (&entity->fields, g_ptr_array_unref);
  g_clear_pointer (&entity->by_path, g_hash_table_unref);
  g_clear_pointer (&entity->commonly_needed, g_strfreev);
  g_clear_object (&entity->store);
  g_free (entity);
}

static void
sy_catalogue_finalize (GObject *object)
{
  SyCatalogue *self = (SyCatalogue *)object;

  g_clear_pointer (&self->entities, g_hash_table_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (sy_catalogue_parent_class)->finalize (object);
}

static void
sy_catalogue_class_init (SyCatalogueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_catalogue_finalize;
}

static void
sy_catalogue_init (SyCatalogue *self)
{
  self->entities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entity_free);
  g_mutex_init (&self->lock);
}

static int
compare_fields (gconstpointer a,
                gconstpointer b)
{
  SyCatalogueField *field_a = *(SyCatalogueField **)a;
  SyCatalogueField *field_b = *(SyCatalogueField **)b;

  return strcmp (sy_catalogue_field_get_path (field_a),
                 sy_catalogue_field_get_path (field_b));
}

static gboolean
set_invalid (GError    **error,
             const char *entity,
             const char *reason)
{
  if (entity != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 /* Translators: the first %s is an entity such as
                  * "erp/sales-orders", the second the reason. */
                 _("The unified-model catalogue is invalid at entity “%s”: %s"),
                 entity, reason);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The unified-model catalogue is invalid: %s"), reason);
  return FALSE;
}

static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
get_boolean_member (JsonObject *object,
                    const char *name,
                    gboolean   *value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    {
      *value = FALSE;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *value = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
is_valid_entity_name (const char *name)
{
  const char *slash = strchr (name, '/');

  return slash != NULL && slash != name && slash[1] != '\0' && strchr (slash + 1, '/') == NULL;
}

static Entity *
parse_entity (const char *name,
              JsonNode   *node,
              GError    **error)
{
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GHashTable) by_path = NULL;
  g_autoptr(GStrvBuilder) commonly_needed = g_strv_builder_new ();
  JsonObject *object;
  JsonNode *fields_node;
  JsonNode *common_node;
  JsonArray *array;
  Entity *entity;

  if (!is_valid_entity_name (name))
    {
      set_invalid (error, name, _("an entity is named “domain/entity”"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      set_invalid (error, name, _("an entity must be an object"));
      return NULL;
    }
  object = json_node_get_object (node);

  fields_node = json_object_get_member (object, "fields");
  if (fields_node == NULL || !JSON_NODE_HOLDS_ARRAY (fields_node))
    {
      set_invalid (error, name, _("“fields” must be an array"));
      return NULL;
    }
  array = json_node_get_array (fields_node);

  fields = g_ptr_array_new_with_free_func (g_object_unref);
  by_path = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *field_node = json_array_get_element (array, i);
      JsonObject *field_object;
      const char *path;
      const char *type;
      const char *description;
      gboolean writable, required;
      SyCatalogueField *field;

      if (!JSON_NODE_HOLDS_OBJECT (field_node))
        {
          set_invalid (error, name, _("a field must be an object"));
          return NULL;
        }
      field_object = json_node_get_object (field_node);
      path = get_string_member (field_object, "path");
      type = get_string_member (field_object, "type");
      description = get_string_member (field_object, "description");

      if (path == NULL || *path == '\0')
        {
          set_invalid (error, name, _("a field has no “path”"));
          return NULL;
        }
      if (type == NULL || !g_strv_contains (known_types, type))
        {
          g_autofree char *reason =
            g_strdup_printf (_("field “%s” has an unknown type"), path);
          set_invalid (error, name, reason);
          return NULL;
        }
      if (!get_boolean_member (field_object, "writable", &writable)
          || !get_boolean_member (field_object, "required", &required))
        {
          g_autofree char *reason =
            g_strdup_printf (_("field “%s”: “writable” and “required” must be booleans"), path);
          set_invalid (error, name, reason);
          return NULL;
        }
      if (g_hash_table_contains (by_path, path))
        {
          g_autofree char *reason =
            g_strdup_printf (_("field “%s” is listed twice"), path);
          set_invalid (error, name, reason);
          return NULL;
        }

      field = sy_catalogue_field_new (path, type, description, writable, required, FALSE);
      g_ptr_array_add (fields, field);
      g_hash_table_insert (by_path, (gpointer)sy_catalogue_field_get_path (field), field);
    }

  common_node = json_object_get_member (object, "commonlyNeeded");
  if (common_node != NULL)
    {
      JsonArray *common;

      if (!JSON_NODE_HOLDS_ARRAY (common_node))
        {
          set_invalid (error, name, _("“commonlyNeeded” must be an array of strings"));
          return NULL;
        }
      common = json_node_get_array (common_node);
      for (guint i = 0; i < json_array_get_length (common); i++)
        {
          JsonNode *item = json_array_get_element (common, i);

          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            {
              set_invalid (error, name, _("“commonlyNeeded” must be an array of strings"));
              return NULL;
            }
          g_strv_builder_add (commonly_needed, json_node_get_string (item));
        }
    }

  g_ptr_array_sort (fields, compare_fields);

  entity = g_new0 (Entity, 1);
  entity->fields = g_steal_pointer (&fields);
  entity->by_path = g_steal_pointer (&by_path);
  entity->commonly_needed = g_strv_builder_end (commonly_needed);
  return entity;
}

SyCatalogue *
sy_catalogue_new_from_data (const char  *json,
                            gsize        length,
                            GError     **error)
{
  g_autoptr(SyCatalogue) self = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *root;
  JsonNode *version;
  JsonNode *entities;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  g_return_val_if_fail (json != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json ? json : "", length, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The unified-model catalogue is not valid JSON: %s"),
                   local_error->message);
      return NULL;
    }

  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      set_invalid (error, NULL, _("the document must be a JSON object"));
      return NULL;
    }
  root = json_node_get_object (json_parser_get_root (parser));

  version = json_object_get_member (root, "version");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version)
      || json_node_get_value_type (version) != G_TYPE_INT64
      || json_node_get_int (version) != CATALOGUE_VERSION)
    {
      set_invalid (error, NULL, _("unsupported or missing “version”"));
      return NULL;
    }

  entities = json_object_get_member (root, "entities");
  if (entities == NULL || !JSON_NODE_HOLDS_OBJECT (entities))
    {
      set_invalid (error, NULL, _("“entities” must be an object"));
      return NULL;
    }

  self = g_object_new (SY_TYPE_CATALOGUE, NULL);

  json_object_iter_init (&iter, json_node_get_object (entities));
  while (json_object_iter_next (&iter, &name, &node))
    {
      Entity *entity = parse_entity (name, node, error);

      if (entity == NULL)
        return NULL;
      g_hash_table_replace (self->entities, g_strdup (name), entity);
    }

  return g_steal_pointer (&self);
}

static gpointer
load_default (gpointer data)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  SyCatalogue *catalogue;
  gsize length;
  const char *json;

  /* Naming the generated resource keeps its object file in a static link;
   * its constructor then registers it. Registering again is harmless. */
  bytes = g_resource_lookup_data (sy_core_get_resource (), CATALOGUE_RESOURCE,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (bytes == NULL)
    g_error ("The built-in catalogue is missing: %s", error->message);

  json = g_bytes_get_data (bytes, &length);
  catalogue = sy_catalogue_new_from_data (json, length, &error);
  if (catalogue == NULL)
    g_error ("The built-in catalogue is broken: %s", error->message);

  return catalogue;
}

SyCatalogue *
sy_catalogue_get_default (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, load_default, NULL);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **)a, *(const char **)b);
}

GStrv
sy_catalogue_list_entities (SyCatalogue *self,
                            const char  *domain)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  const char *name;
  gsize domain_length = domain ? strlen (domain) : 0;

  g_return_val_if_fail (SY_IS_CATALOGUE (self), NULL);

  g_hash_table_iter_init (&iter, self->entities);
  while (g_hash_table_iter_next (&iter, (gpointer *)&name, NULL))
    {
      if (domain != NULL
          && (strncmp (name, domain, domain_length) != 0 || name[domain_length] != '/'))
        continue;
      g_ptr_array_add (names, (gpointer)name);
    }

  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (names, i));

  return g_strv_builder_end (builder);
}

gboolean
sy_catalogue_has_entity (SyCatalogue *self,
                         const char  *entity)
{
  g_return_val_if_fail (SY_IS_CATALOGUE (self), FALSE);
  g_return_val_if_fail (entity != NULL, FALSE);

  return g_hash_table_contains (self->entities, entity);
}

GListModel *
sy_catalogue_get_fields (SyCatalogue *self,
                         const char  *entity_name)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Entity *entity;

  g_return_val_if_fail (SY_IS_CATALOGUE (self), NULL);
  g_return_val_if_fail (entity_name != NULL, NULL);

  entity = g_hash_table_lookup (self->entities, entity_name);
  if (entity == NULL)
    return NULL;

  locker = g_mutex_locker_new (&self->lock);
  if (entity->store == NULL)
    {
      entity->store = g_list_store_new (SY_TYPE_CATALOGUE_FIELD);
      g_list_store_splice (entity->store, 0, 0, entity->fields->pdata, entity->fields->len);
    }

  return G_LIST_MODEL (entity->store);
}

static SyCatalogueField *
entity_lookup (Entity     *entity,
               const char *path)
{
  SyCatalogueField *field;
  g_autofree char *array_path = NULL;

  field = g_hash_table_lookup (entity->by_path, path);
  if (field != NULL || g_str_has_suffix (path, "[]"))
    return field;

  /* A mapping rule names an array by its plain name ("lines"), the
   * catalogue lists it as "lines[]". */
  array_path = g_strconcat (path, "[]", NULL);
  return g_hash_table_lookup (entity->by_path, array_path);
}

SyCatalogueField *
sy_catalogue_lookup_field (SyCatalogue *self,
                           const char  *entity_name,
                           const char  *path)
{
  Entity *entity;

  g_return_val_if_fail (SY_IS_CATALOGUE (self), NULL);
  g_return_val_if_fail (entity_name != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  entity = g_hash_table_lookup (self->entities, entity_name);
  if (entity == NULL)
    return NULL;

  return entity_lookup (entity, path);
}

GStrv
sy_catalogue_get_commonly_needed (SyCatalogue *self,
                                  const char  *entity_name)
{
  Entity *entity;

  g_return_val_if_fail (SY_IS_CATALOGUE (self), NULL);
  g_return_val_if_fail (entity_name != NULL, NULL);

  entity = g_hash_table_lookup (self->entities, entity_name);
  if (entity == NULL)
    return g_new0 (char *, 1);

  return g_strdupv (entity->commonly_needed);
}

/* Discovery of custom fields. */

static gboolean
is_plain_date (const char *value)
{
  guint year, month, day;

  if (strlen (value) != 10)
    return FALSE;
  for (guint i = 0; i < 10; i++)
    if ((i == 4 || i == 7) ? value[i] != '-' : !g_ascii_isdigit (value[i]))
      return FALSE;

  year = g_ascii_strtoull (value, NULL, 10);
  month = g_ascii_strtoull (value + 5, NULL, 10);
  day = g_ascii_strtoull (value + 8, NULL, 10);
  return g_date_valid_dmy (day, month, year);
}

static gboolean
is_date_time (const char *value)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) date_time = NULL;
  g_autofree char *date_part = NULL;

  /* A bare number or word must not pass for a date: ISO 8601 here means a
   * full date, a separator and a time. */
  if (strlen (value) < 16)
    return FALSE;
  date_part = g_strndup (value, 10);
  if (!is_plain_date (date_part))
    return FALSE;

  utc = g_time_zone_new_utc ();
  date_time = g_date_time_new_from_iso8601 (value, utc);
  return date_time != NULL;
}

static const char *
guess_type (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return "object";
    case JSON_NODE_ARRAY:
      return "array";
    case JSON_NODE_NULL:
      return NULL;
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return "boolean";
    case G_TYPE_INT64:
      return "integer";
    case G_TYPE_DOUBLE:
      return "number";
    case G_TYPE_STRING:
      {
        const char *value = json_node_get_string (node);

        if (is_plain_date (value))
          return "date";
        if (is_date_time (value))
          return "date-time";
        return "string";
      }
    default:
      return "string";
    }
}

static const char *
merge_types (const char *seen,
             const char *type)
{
  static const char * const stringish[] = { "string", "date", "date-time", NULL };

  if (seen == NULL)
    return type;
  if (type == NULL || g_str_equal (seen, type))
    return seen;
  if ((g_str_equal (seen, "integer") && g_str_equal (type, "number"))
      || (g_str_equal (seen, "number") && g_str_equal (type, "integer")))
    return "number";
  if (g_strv_contains (stringish, seen) && g_strv_contains (stringish, type))
    return "string";
  /* Values of different kinds under one name: say so rather than guess. */
  return "unknown";
}

typedef struct
{
  Entity     *entity;
  /* path → guessed type (static string) or NULL while only nulls were seen,
   * for paths the catalogue lacks. */
  GHashTable *custom;
} Discovery;

static void discover_object (Discovery  *discovery,
                             const char *prefix,
                             JsonObject *object);

static void
discover_member (Discovery  *discovery,
                 const char *path,
                 JsonNode   *node)
{
  const char *type = guess_type (node);

  if (discovery->entity == NULL || entity_lookup (discovery->entity, path) == NULL)
    {
      gpointer seen = NULL;

      if (g_hash_table_lookup_extended (discovery->custom, path, NULL, &seen))
        g_hash_table_insert (discovery->custom, g_strdup (path), (gpointer)merge_types (seen, type));
      else
        g_hash_table_insert (discovery->custom, g_strdup (path), (gpointer)type);
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autofree char *prefix = g_strconcat (path, ".", NULL);

      discover_object (discovery, prefix, json_node_get_object (node));
    }
}

static void
discover_object (Discovery  *discovery,
                 const char *prefix,
                 JsonObject *object)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    {
      g_autofree char *path = g_strconcat (prefix, name, NULL);

      if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          g_autofree char *array_path = g_strconcat (path, "[]", NULL);
          g_autofree char *item_prefix = g_strconcat (array_path, ".", NULL);

          discover_member (discovery, array_path, node);
          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *item = json_array_get_element (array, i);

              if (JSON_NODE_HOLDS_OBJECT (item))
                discover_object (discovery, item_prefix, json_node_get_object (item));
            }
        }
      else
        {
          discover_member (discovery, path, node);
        }
    }
}

GListModel *
sy_catalogue_discover_fields (SyCatalogue *self,
                              const char  *entity_name,
                              JsonArray   *samples)
{
  g_autoptr(GHashTable) custom = NULL;
  g_autoptr(GPtrArray) fields = NULL;
  GListStore *store;
  Discovery discovery;
  GHashTableIter iter;
  const char *path;
  const char *type;

  g_return_val_if_fail (SY_IS_CATALOGUE (self), NULL);
  g_return_val_if_fail (entity_name != NULL, NULL);

  custom = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  discovery.entity = g_hash_table_lookup (self->entities, entity_name);
  discovery.custom = custom;

  for (guint i = 0; samples != NULL && i < json_array_get_length (samples); i++)
    {
      JsonNode *sample = json_array_get_element (samples, i);

      if (JSON_NODE_HOLDS_OBJECT (sample))
        discover_object (&discovery, "", json_node_get_object (sample));
    }

  fields = g_ptr_array_new_with_free_func (g_object_unref);
  if (discovery.entity != NULL)
    for (guint i = 0; i < discovery.entity->fields->len; i++)
      g_ptr_array_add (fields, g_object_ref (g_ptr_array_index (discovery.entity->fields, i)));

  g_hash_table_iter_init (&iter, custom);
  while (g_hash_table_iter_next (&iter, (gpointer *)&path, (gpointer *)&type))
    g_ptr_array_add (fields, sy_catalogue_field_new (path, type ? type : "unknown",
                                                     NULL, FALSE, FALSE, TRUE));

  g_ptr_array_sort (fields, compare_fields);

  store = g_list_store_new (SY_TYPE_CATALOGUE_FIELD);
  g_list_store_splice (store, 0, 0, fields->pdata, fields->len);
  return G_LIST_MODEL (store);
}
