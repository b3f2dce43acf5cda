/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-sandbox-entity.h"

struct _SySandboxEntity
{
  GObject parent_instance;

  char *name;
  char *key_prefix;
  gboolean writable;
  guint64 next_serial;
  GPtrArray *records;      /* SySandboxRecord*, creation order */
  GHashTable *by_key;      /* key → SySandboxRecord* (owned by records) */
  char *cached_order_key;  /* what cached_order is sorted by */
  GPtrArray *cached_order; /* SySandboxRecord* (owned by records), or NULL */
};

G_DEFINE_FINAL_TYPE (SySandboxEntity, sy_sandbox_entity, G_TYPE_OBJECT)

static void
record_free (SySandboxRecord *record)
{
  g_free (record->key);
  g_clear_pointer (&record->object, json_object_unref);
  g_free (record->json);
  g_free (record);
}

static void
sy_sandbox_entity_finalize (GObject *object)
{
  SySandboxEntity *self = SY_SANDBOX_ENTITY (object);

  g_clear_pointer (&self->cached_order, g_ptr_array_unref);
  g_free (self->cached_order_key);
  g_hash_table_unref (self->by_key);
  g_ptr_array_unref (self->records);
  g_free (self->name);
  g_free (self->key_prefix);

  G_OBJECT_CLASS (sy_sandbox_entity_parent_class)->finalize (object);
}

static void
sy_sandbox_entity_class_init (SySandboxEntityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_sandbox_entity_finalize;
}

static void
sy_sandbox_entity_init (SySandboxEntity *self)
{
  self->records = g_ptr_array_new_with_free_func ((GDestroyNotify) record_free);
  self->by_key = g_hash_table_new (g_str_hash, g_str_equal);
  self->next_serial = 1;
}

SySandboxEntity *
sy_sandbox_entity_new (const char *name,
                       const char *key_prefix,
                       gboolean    writable)
{
  SySandboxEntity *self = g_object_new (SY_TYPE_SANDBOX_ENTITY, NULL);

  self->name = g_strdup (name);
  self->key_prefix = g_strdup (key_prefix);
  self->writable = writable;
  return self;
}

const char *
sy_sandbox_entity_get_name (SySandboxEntity *self)
{
  return self->name;
}

gboolean
sy_sandbox_entity_is_writable (SySandboxEntity *self)
{
  return self->writable;
}

guint
sy_sandbox_entity_get_n_records (SySandboxEntity *self)
{
  return self->records->len;
}

const SySandboxRecord *
sy_sandbox_entity_get_record (SySandboxEntity *self,
                              guint            position)
{
  g_return_val_if_fail (position < self->records->len, NULL);

  return g_ptr_array_index (self->records, position);
}

const SySandboxRecord *
sy_sandbox_entity_lookup (SySandboxEntity *self,
                          const char      *key)
{
  return g_hash_table_lookup (self->by_key, key);
}

static void
forget_cached_order (SySandboxEntity *self)
{
  g_clear_pointer (&self->cached_order, g_ptr_array_unref);
  g_clear_pointer (&self->cached_order_key, g_free);
}

GPtrArray *
sy_sandbox_entity_get_cached_order (SySandboxEntity *self,
                                    const char      *order_key)
{
  if (self->cached_order == NULL || g_strcmp0 (self->cached_order_key, order_key) != 0)
    return NULL;
  return self->cached_order;
}

void
sy_sandbox_entity_set_cached_order (SySandboxEntity *self,
                                    const char      *order_key,
                                    GPtrArray       *order)
{
  g_return_if_fail (order->len == self->records->len);

  forget_cached_order (self);
  self->cached_order_key = g_strdup (order_key);
  self->cached_order = g_ptr_array_ref (order);
}

char *
sy_sandbox_entity_make_key (SySandboxEntity *self)
{
  /* Fourteen digits, like the keys of the real API. */
  return g_strdup_printf ("%s%012" G_GUINT64_FORMAT, self->key_prefix, self->next_serial);
}

char *
sy_sandbox_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);

  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

static void
stamp_record (SySandboxRecord *record)
{
  g_autofree char *created = sy_sandbox_format_time (record->created_at);
  g_autofree char *updated = sy_sandbox_format_time (record->updated_at);

  json_object_set_string_member (record->object, "key", record->key);
  json_object_set_string_member (record->object, "createdAt", created);
  json_object_set_string_member (record->object, "updatedAt", updated);
  g_clear_pointer (&record->json, g_free);
}

const SySandboxRecord *
sy_sandbox_entity_insert (SySandboxEntity *self,
                          const char      *key,
                          JsonObject      *object,
                          gint64           created_at,
                          gint64           updated_at)
{
  SySandboxRecord *record = g_new0 (SySandboxRecord, 1);
  g_autoptr(JsonObject) ordered = json_object_new ();
  GList *members;

  record->key = key != NULL ? g_strdup (key) : sy_sandbox_entity_make_key (self);
  record->created_at = created_at;
  record->updated_at = MAX (updated_at, created_at);

  /* key first, then the fields in the order given, then the times: the
   * order the real API answers in, and stable for byte-identical runs. */
  json_object_set_string_member (ordered, "key", record->key);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *member = l->data;

      if (g_str_equal (member, "key") || g_str_equal (member, "createdAt") ||
          g_str_equal (member, "updatedAt"))
        continue;
      json_object_set_member (ordered, member,
                              json_node_copy (json_object_get_member (object, member)));
    }
  g_list_free (members);
  record->object = g_steal_pointer (&ordered);
  stamp_record (record);

  forget_cached_order (self);
  g_ptr_array_add (self->records, record);
  g_hash_table_insert (self->by_key, record->key, record);
  self->next_serial++;

  return record;
}

const SySandboxRecord *
sy_sandbox_entity_replace (SySandboxEntity *self,
                           const char      *key,
                           JsonObject      *object,
                           gint64           updated_at)
{
  SySandboxRecord *record = g_hash_table_lookup (self->by_key, key);
  g_autoptr(JsonObject) ordered = NULL;
  GList *members;

  if (record == NULL)
    return NULL;

  ordered = json_object_new ();
  json_object_set_string_member (ordered, "key", record->key);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *member = l->data;

      if (g_str_equal (member, "key") || g_str_equal (member, "createdAt") ||
          g_str_equal (member, "updatedAt"))
        continue;
      json_object_set_member (ordered, member,
                              json_node_copy (json_object_get_member (object, member)));
    }
  g_list_free (members);

  forget_cached_order (self);
  json_object_unref (record->object);
  record->object = g_steal_pointer (&ordered);
  record->updated_at = MAX (updated_at, record->created_at);
  stamp_record (record);

  return record;
}

const char *
sy_sandbox_record_to_json (const SySandboxRecord *record,
                           gsize                 *length)
{
  /* The cache is an implementation detail: a const record may fill it. */
  SySandboxRecord *mutable_record = (SySandboxRecord *) record;

  if (record->json == NULL)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, record->object);
      json_generator_set_root (generator, node);
      mutable_record->json = json_generator_to_data (generator, &mutable_record->json_length);
    }

  if (length != NULL)
    *length = record->json_length;
  return record->json;
}
