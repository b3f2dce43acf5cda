/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-link-admin.h"

#define TOKEN_PATH       "/link/token"
#define PLATFORMS_PATH   "/api/system/platforms"
#define CONNECTIONS_PATH "/api/system/connections"

static void
on_admin_token (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyApiClient *client = g_task_get_task_data (task);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(SyTokenGrant) grant = NULL;
  GError *error = NULL;

  answer = sy_api_client_post_form_finish (SY_API_CLIENT (source), result, &error);
  if (answer != NULL)
    grant = sy_token_grant_new_from_json (answer, &error);
  if (grant == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  sy_api_client_set_token (client, grant->access_token);
  g_task_return_pointer (task, g_object_ref (client), g_object_unref);
}

void
sy_link_admin_sign_in_async (SyConnection        *connection,
                             const char          *client_id,
                             const char          *client_secret,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) form = NULL;
  SyApiClient *client;
  GError *error = NULL;

  g_return_if_fail (SY_IS_CONNECTION (connection));
  g_return_if_fail (client_id != NULL && client_secret != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_link_admin_sign_in_async);

  client = sy_connection_create_client (connection, NULL, &error);
  if (client == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, client, g_object_unref);

  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (form, (gpointer) "grant_type", (gpointer) "client_credentials");
  g_hash_table_insert (form, (gpointer) "client_id", (gpointer) client_id);
  g_hash_table_insert (form, (gpointer) "client_secret", (gpointer) client_secret);
  sy_api_client_post_form_async (client, TOKEN_PATH, form, cancellable, on_admin_token, g_steal_pointer (&task));
}

SyApiClient *
sy_link_admin_sign_in_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_providers (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) answer = NULL;
  GError *error = NULL;
  JsonNode *data;

  answer = sy_api_client_get_finish (SY_API_CLIENT (source), result, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  data = JSON_NODE_HOLDS_OBJECT (answer) ? json_object_get_member (json_node_get_object (answer), "data") : NULL;
  if (data == NULL || !JSON_NODE_HOLDS_ARRAY (data))
    {
      g_task_return_new_error (task, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE,
                               _("The list of providers from %s has no “data” list."), PLATFORMS_PATH);
      return;
    }
  g_task_return_pointer (task, json_array_ref (json_node_get_array (data)), (GDestroyNotify) json_array_unref);
}

void
sy_link_admin_list_providers_async (SyApiClient         *admin,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SY_IS_API_CLIENT (admin));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_link_admin_list_providers_async);
  sy_api_client_get_async (admin, PLATFORMS_PATH "?per_page=100", cancellable, on_providers, task);
}

JsonArray *
sy_link_admin_list_providers_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_created (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) answer = NULL;
  SyTokenGrant *grant = NULL;
  GError *error = NULL;

  answer = sy_api_client_send_finish (SY_API_CLIENT (source), result, &error);
  if (answer != NULL)
    grant = sy_token_grant_new_from_json (answer, &error);
  if (grant == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, grant, (GDestroyNotify) sy_token_grant_free);
}

/* The body holds the system's credentials: wiped once sent. */
static void
wipe_json_node (JsonNode *node)
{
  JsonObject *credentials = json_object_get_object_member (json_node_get_object (node), "credentials");
  GList *members = json_object_get_members (credentials);

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (credentials, l->data);
      const char *text = json_node_get_string (value);

      if (text != NULL)
        memset ((char *) text, 0, strlen (text));
    }
  g_list_free (members);
}

void
sy_link_admin_create_connection_async (SyApiClient         *admin,
                                       const char          *name,
                                       const char          *email,
                                       const char          *provider,
                                       GHashTable          *credentials,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  GHashTableIter iter;
  gpointer key, value;
  GTask *task;

  g_return_if_fail (SY_IS_API_CLIENT (admin));
  g_return_if_fail (name != NULL && email != NULL && provider != NULL && credentials != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, email);
  json_builder_set_member_name (builder, "provider");
  json_builder_add_string_value (builder, provider);
  json_builder_set_member_name (builder, "credentials");
  json_builder_begin_object (builder);
  g_hash_table_iter_init (&iter, credentials);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      json_builder_set_member_name (builder, key);
      json_builder_add_string_value (builder, value);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_link_admin_create_connection_async);
  /* The client serialises the body at once. */
  sy_api_client_send_async (admin, "POST", CONNECTIONS_PATH, body, cancellable, on_created, task);
  wipe_json_node (body);
}

SyTokenGrant *
sy_link_admin_create_connection_finish (GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
