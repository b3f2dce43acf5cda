/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "sy-sandbox-netsuite.h"
#include "sy-sandbox-server-private.h"

/* The inspection endpoints, /__sandbox/...: what tests and the chaos run
 * ask the sandbox about itself, for loopback clients only. */

#define MAX_TOUCH 100000

/* --- /__sandbox ----------------------------------------------------- */

static int
compare_statuses (gconstpointer a,
                  gconstpointer b)
{
  return (int) GPOINTER_TO_UINT (*(gconstpointer const *) a) - (int) GPOINTER_TO_UINT (*(gconstpointer const *) b);
}

/* {"wms": {"max", "max_reads", "max_writes"}, "erp": {...},
 * "reads_beside_writes"}: how far the client overlapped its requests. */
static JsonObject *
in_flight_stats (SySandboxServer *self)
{
  static const char * const names[SY_SANDBOX_N_CONNECTIONS] = { "wms", "erp" };
  JsonObject *in_flight = json_object_new ();

  for (guint i = 0; i < SY_SANDBOX_N_CONNECTIONS; i++)
    {
      JsonObject *counts = json_object_new ();

      json_object_set_int_member (counts, "max", self->concurrency[i].max_all);
      json_object_set_int_member (counts, "max_reads", self->concurrency[i].max_reads);
      json_object_set_int_member (counts, "max_writes", self->concurrency[i].max_writes);
      json_object_set_object_member (in_flight, names[i], counts);
    }
  json_object_set_int_member (in_flight, "reads_beside_writes", self->reads_beside_writes);
  return in_flight;
}

static void
answer_stats (SySandboxServer   *self,
              SoupServerMessage *msg)
{
  g_autoptr(JsonObject) stats = json_object_new ();
  g_autoptr(GPtrArray) statuses = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer status_key, method_key, method_count;
  JsonObject *requests = json_object_new ();
  JsonObject *methods = json_object_new ();
  JsonObject *writes = json_object_new ();
  JsonObject *entities = json_object_new ();
  JsonObject *connections;
  const char * const *names = sy_sandbox_data_get_entity_names (self->data);
  char *body;

  g_hash_table_iter_init (&iter, self->status_counts);
  while (g_hash_table_iter_next (&iter, &status_key, NULL))
    g_ptr_array_add (statuses, status_key);
  g_ptr_array_sort (statuses, compare_statuses);
  for (guint i = 0; i < statuses->len; i++)
    {
      gpointer status = g_ptr_array_index (statuses, i);
      char status_text[16];

      g_snprintf (status_text, sizeof status_text, "%u", GPOINTER_TO_UINT (status));
      json_object_set_int_member (requests, status_text,
                                  GPOINTER_TO_UINT (g_hash_table_lookup (self->status_counts, status)));
    }

  for (guint i = 0; names[i] != NULL; i++)
    {
      JsonObject *entity = json_object_new ();

      json_object_set_int_member (entity, "count",
                                  sy_sandbox_entity_get_n_records (sy_sandbox_data_lookup_entity (self->data, names[i])));
      json_object_set_object_member (entities, names[i], entity);
    }

  g_hash_table_iter_init (&iter, self->method_counts);
  while (g_hash_table_iter_next (&iter, &method_key, &method_count))
    json_object_set_int_member (methods, method_key, GPOINTER_TO_UINT (method_count));

  json_object_set_int_member (writes, "created", self->created);
  json_object_set_int_member (writes, "updated", self->updated);

  json_object_set_object_member (stats, "requests", requests);
  json_object_set_object_member (stats, "methods", methods);
  json_object_set_object_member (stats, "writes", writes);
  connections = json_object_new ();
  json_object_set_int_member (connections, "accepted", self->accepted);
  json_object_set_object_member (stats, "connections", connections);
  json_object_set_int_member (stats, "dropped_connections", self->dropped);
  json_object_set_int_member (stats, "dropped_after_processing", self->dropped_after);
  json_object_set_int_member (stats, "dropped_after_write", self->dropped_after_write);
  json_object_set_object_member (stats, "entities", entities);
  json_object_set_object_member (stats, "in_flight", in_flight_stats (self));
  json_object_set_int_member (stats, "invalid_source_records",
                              sy_sandbox_data_get_invalid_source_records (self->data));
  sy_sandbox_netsuite_add_stats (self->netsuite, stats);
  sy_sandbox_link_add_stats (self->link, stats);
  if (self->webhooks != NULL)
    sy_sandbox_webhooks_add_stats (self->webhooks, stats);
  else
    {
      JsonObject *webhooks = json_object_new ();

      json_object_set_boolean_member (webhooks, "enabled", FALSE);
      json_object_set_object_member (stats, "webhooks", webhooks);
    }

  body = sy_sandbox_server_object_to_json (stats);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
inspection_error (SoupServerMessage *msg,
                  guint              status,
                  const char        *message)
{
  g_autoptr(JsonObject) object = json_object_new ();
  char *body;

  json_object_set_string_member (object, "message", message);
  body = sy_sandbox_server_object_to_json (object);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
answer_duplicates (SySandboxServer   *self,
                   SoupServerMessage *msg,
                   GHashTable        *params)
{
  const char *entity_name = params != NULL ? g_hash_table_lookup (params, "entity") : NULL;
  const char *field = params != NULL ? g_hash_table_lookup (params, "field") : NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(JsonObject) answer = NULL;
  SySandboxEntity *entity;
  guint64 duplicates = 0;
  char *body;

  if (entity_name == NULL || field == NULL)
    {
      inspection_error (msg, SOUP_STATUS_BAD_REQUEST, "Give entity= and field=.");
      return;
    }
  entity = sy_sandbox_data_lookup_entity (self->data, entity_name);
  if (entity == NULL)
    {
      inspection_error (msg, SOUP_STATUS_NOT_FOUND, "No such entity.");
      return;
    }

  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < sy_sandbox_entity_get_n_records (entity); i++)
    {
      const SySandboxRecord *record = sy_sandbox_entity_get_record (entity, i);
      JsonNode *node = json_object_get_member (record->object, field);
      char *value;

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        continue;
      value = sy_sandbox_server_generate_json (node);
      if (!g_hash_table_add (seen, value))
        duplicates++;
    }

  answer = json_object_new ();
  json_object_set_int_member (answer, "duplicates", duplicates);
  body = sy_sandbox_server_object_to_json (answer);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

/* POST /__sandbox/touch?entity=E&count=N: N records of E changed as if
 * someone had edited them in the source system just now, so that
 * incremental syncs have something to pick up. */
static void
answer_touch (SySandboxServer   *self,
              SoupServerMessage *msg,
              GHashTable        *params)
{
  const char *entity_name = params != NULL ? g_hash_table_lookup (params, "entity") : NULL;
  const char *count_text = params != NULL ? g_hash_table_lookup (params, "count") : NULL;
  g_autoptr(GPtrArray) touched = NULL;
  g_autoptr(JsonObject) answer = NULL;
  SySandboxEntity *entity;
  JsonArray *keys;
  guint64 count = 1;
  char *body;

  if (!g_str_equal (soup_server_message_get_method (msg), "POST"))
    {
      inspection_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Touch with POST.");
      return;
    }
  if (entity_name == NULL)
    {
      inspection_error (msg, SOUP_STATUS_BAD_REQUEST, "Give entity=.");
      return;
    }
  entity = sy_sandbox_data_lookup_entity (self->data, entity_name);
  if (entity == NULL)
    {
      inspection_error (msg, SOUP_STATUS_NOT_FOUND, "No such entity.");
      return;
    }
  if (count_text != NULL &&
      !g_ascii_string_to_unsigned (count_text, 10, 1, MAX_TOUCH, &count, NULL))
    {
      inspection_error (msg, SOUP_STATUS_BAD_REQUEST, "count= must be a positive integer.");
      return;
    }
  if (count > sy_sandbox_entity_get_n_records (entity))
    {
      inspection_error (msg, SOUP_STATUS_BAD_REQUEST, "count= is larger than the number of records.");
      return;
    }

  touched = sy_sandbox_data_touch (self->data, entity, count);
  keys = json_array_sized_new (touched->len);
  for (guint i = 0; i < touched->len; i++)
    {
      const SySandboxRecord *record = g_ptr_array_index (touched, i);

      json_array_add_string_element (keys, record->key);
      sy_sandbox_server_record_changed (self, entity, record, FALSE);
    }

  answer = json_object_new ();
  json_object_set_int_member (answer, "touched", touched->len);
  json_object_set_array_member (answer, "keys", keys);
  body = sy_sandbox_server_object_to_json (answer);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

/* POST /__sandbox/link/revoke-refresh-tokens or expire-access-tokens:
 * so that a test can make a refresh fail, or a token expire, at the
 * moment it chooses. */
static void
answer_link_switch (SySandboxServer   *self,
                    SoupServerMessage *msg,
                    gboolean           revoke_refresh)
{
  g_autoptr(JsonObject) answer = NULL;
  char *body;

  if (!g_str_equal (soup_server_message_get_method (msg), "POST"))
    {
      inspection_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Use POST.");
      return;
    }

  answer = json_object_new ();
  if (revoke_refresh)
    json_object_set_int_member (answer, "revoked", sy_sandbox_link_revoke_refresh_tokens (self->link));
  else
    json_object_set_int_member (answer, "expired", sy_sandbox_link_expire_access_tokens (self->link));
  body = sy_sandbox_server_object_to_json (answer);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

void
sy_sandbox_server_handle_inspection (SySandboxServer   *self,
                                     SoupServerMessage *msg,
                                     const char        *path,
                                     GHashTable        *params)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  if (!G_IS_INET_SOCKET_ADDRESS (remote) ||
      !g_inet_address_get_is_loopback (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote))))
    {
      inspection_error (msg, SOUP_STATUS_FORBIDDEN, "Inspection is for loopback clients only.");
      return;
    }

  if (g_str_equal (path, "/__sandbox/stats"))
    answer_stats (self, msg);
  else if (g_str_equal (path, "/__sandbox/duplicates"))
    answer_duplicates (self, msg, params);
  else if (g_str_equal (path, "/__sandbox/touch"))
    answer_touch (self, msg, params);
  else if (g_str_equal (path, SY_SANDBOX_LINK_REVOKE_REFRESH_PATH))
    answer_link_switch (self, msg, TRUE);
  else if (g_str_equal (path, SY_SANDBOX_LINK_EXPIRE_ACCESS_PATH))
    answer_link_switch (self, msg, FALSE);
  else if (g_str_equal (path, SY_SANDBOX_NETSUITE_CERTIFICATES_PATH))
    sy_sandbox_netsuite_upload_certificate (self->netsuite, msg);
  else
    inspection_error (msg, SOUP_STATUS_NOT_FOUND, "Not found.");
}
