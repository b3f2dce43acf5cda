/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-connection-check.h"
#include "sy-error.h"
#include "sy-sync-settings.h"

/* A test must answer while the user waits: fewer retries than the
 * client's defaults, which suit long syncs. How long one request may take
 * is the user's request-timeout preference, as everywhere else. */
#define TEST_MAX_RETRIES   1

static char *
describe_api_error (const GError *error)
{
  guint status = sy_api_error_get_status (error);

  switch ((SyApiError) error->code)
    {
    case SY_API_ERROR_UNAUTHORIZED:
      return g_strdup (_("The server refused the token: it is wrong, or the connection needs to be authorised again. Use “Update Token…” to type a new one."));
    case SY_API_ERROR_FORBIDDEN:
      return g_strdup (_("The token is not allowed to do this: the server denied permission."));
    case SY_API_ERROR_NOT_FOUND:
      return g_strdup (_("The server does not know this address. Check the base URL."));
    case SY_API_ERROR_RATE_LIMITED:
      if (sy_api_error_get_retry_after (error) > 0)
        return g_strdup_printf (_("The server is receiving too many requests. Try again in %u seconds."),
                                sy_api_error_get_retry_after (error));
      return g_strdup (_("The server is receiving too many requests. Try again in a moment."));
    case SY_API_ERROR_SERVER:
      return g_strdup_printf (_("The server had an internal problem (HTTP %u). Try again later."), status);
    case SY_API_ERROR_NETWORK:
      /* The client already says what went wrong (refused, timed out, no
       * such host) in a sentence meant for people. */
      if (error->message != NULL && *error->message != '\0')
        return g_strdup (error->message);
      return g_strdup (_("The server could not be reached. Check the address and the network connection."));
    case SY_API_ERROR_INVALID_RESPONSE:
      return g_strdup (_("The server’s answer is not data of the integration API — perhaps a web page. Check the base URL."));
    case SY_API_ERROR_INVALID_URL:
      return g_strdup (_("The address must start with http:// or https:// and name a server."));
    case SY_API_ERROR_VALIDATION:
      return g_strdup (error->message);
    case SY_API_ERROR_HTTP:
    default:
      if (status != 0)
        return g_strdup_printf (_("The server answered with an unexpected status (HTTP %u)."), status);
      return g_strdup (error->message);
    }
}

static char *
describe_secret_error (const GError *error)
{
  switch ((SySecretError) error->code)
    {
    case SY_SECRET_ERROR_NO_KEYRING:
      return g_strdup (_("No keyring is available, so tokens can be neither kept nor read. Install and unlock a keyring such as GNOME Keyring."));
    case SY_SECRET_ERROR_LOCKED:
      return g_strdup (_("The keyring is locked. Unlock it and try again."));
    case SY_SECRET_ERROR_TIMEOUT:
      return g_strdup (_("The keyring did not answer in time. It may be waiting to be unlocked."));
    case SY_SECRET_ERROR_NOT_FOUND:
      return g_strdup (_("The keyring holds no token for this connection. Use “Update Token…” to type a new one."));
    case SY_SECRET_ERROR_FAILED:
    default:
      return g_strdup (error->message);
    }
}

char *
sy_describe_error (const GError *error)
{
  g_autofree char *text = NULL;
  const char *request_id;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == SY_API_ERROR)
    text = describe_api_error (error);
  else if (error->domain == SY_SECRET_ERROR)
    text = describe_secret_error (error);
  else
    text = g_strdup (error->message);

  request_id = error->domain == SY_API_ERROR ? sy_api_error_get_request_id (error) : NULL;
  if (request_id != NULL && *request_id != '\0')
    /* Translators: the first %s is a sentence, the second an identifier support staff can look up */
    return g_strdup_printf (_("%s (request %s)"), text, request_id);

  return g_steal_pointer (&text);
}

typedef struct
{
  const char *platform;
  const char *display_name;
  const char *domain;
} PlatformInfo;

static const PlatformInfo platforms[] = {
  { "mintsoft", "Mintsoft", "wms" },
  { "shipbob", "ShipBob", "wms" },
  { "netsuite", "NetSuite", "erp" },
  { "sap", "SAP", "erp" },
  { "dynamics365", "Microsoft Dynamics 365", "erp" },
  { "odoo", "Odoo", "erp" },
  { "maximo", "IBM Maximo", "eam" },
  { "fiix", "Fiix", "eam" },
};

static const PlatformInfo *
find_platform (const char *platform)
{
  if (platform == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (platforms); i++)
    if (g_ascii_strcasecmp (platforms[i].platform, platform) == 0)
      return &platforms[i];
  return NULL;
}

const char *
sy_domain_for_platform (const char *platform)
{
  const PlatformInfo *info = find_platform (platform);

  return info ? info->domain : NULL;
}

const char *
sy_platform_display_name (const char *platform)
{
  const PlatformInfo *info = find_platform (platform);

  return info ? info->display_name : platform;
}

const char *
sy_connection_effective_domain (SyConnection *connection)
{
  const char *domain = sy_connection_get_domain (connection);

  if (domain != NULL && *domain != '\0')
    return domain;
  return sy_domain_for_platform (sy_connection_get_platform (connection));
}

const char *
sy_integration_get_platform (JsonObject *integration)
{
  const char *members[] = { "platform", "provider" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      JsonNode *node = json_object_get_member (integration, members[i]);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING)
        return json_node_get_string (node);
    }
  return NULL;
}

/* Testing a token */

static void
integration_answered_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  JsonObject *integration;

  integration = sy_api_client_get_current_integration_finish (SY_API_CLIENT (source), result, &error);
  if (integration == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, integration, (GDestroyNotify) json_object_unref);
}

static SyApiClient *
new_test_client (const char  *base_url,
                 const char  *token,
                 GError     **error)
{
  SyApiClient *client = sy_api_client_new (base_url, token, error);

  if (client != NULL)
    {
      sy_api_client_set_retry_policy (client, TEST_MAX_RETRIES, 250);
      sy_api_client_set_timeout (client, sy_settings_get_request_timeout ());
    }
  return client;
}

void
sy_test_token_async (const char          *base_url,
                     const char          *token,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  SyApiClient *client;

  g_task_set_source_tag (task, sy_test_token_async);

  client = new_test_client (base_url, token, &error);
  if (client == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_set_task_data (task, client, g_object_unref);
  sy_api_client_get_current_integration_async (client, cancellable,
                                               integration_answered_cb,
                                               g_steal_pointer (&task));
}

JsonObject *
sy_test_token_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Checking a stored connection */

typedef struct
{
  SyConnection       *connection;
  SyApiClient        *client;
  SyConnectionStatus  previous_status;
  char               *previous_message;
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_clear_object (&data->connection);
  g_clear_object (&data->client);
  g_free (data->previous_message);
  g_free (data);
}

static void
fail_check (GTask  *task,
            GError *error)
{
  CheckData *data = g_task_get_task_data (task);
  SyConnectionStatus status = SY_CONNECTION_STATUS_UNREACHABLE;
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      sy_connection_set_status (data->connection, data->previous_status, data->previous_message);
      g_task_return_error (task, error);
      return;
    }

  if (error->domain == SY_SECRET_ERROR)
    status = error->code == SY_SECRET_ERROR_NOT_FOUND ? SY_CONNECTION_STATUS_NEEDS_REAUTH
                                                      : SY_CONNECTION_STATUS_NO_KEYRING;
  else if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED) ||
           g_error_matches (error, SY_API_ERROR, SY_API_ERROR_FORBIDDEN))
    status = SY_CONNECTION_STATUS_NEEDS_REAUTH;

  /* The status line names the state already; say what it means here. */
  if (g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NO_KEYRING))
    message = g_strdup (_("The token cannot be read without a keyring."));
  else
    message = sy_describe_error (error);
  sy_connection_set_status (data->connection, status, message);
  g_task_return_error (task, error);
}

static void
check_answered_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  g_autoptr(JsonObject) integration = NULL;
  GError *error = NULL;
  const char *platform;
  const char *sync_status;

  integration = sy_api_client_get_current_integration_finish (SY_API_CLIENT (source), result, &error);
  if (integration == NULL)
    {
      fail_check (task, error);
      return;
    }

  platform = sy_integration_get_platform (integration);
  if (sy_connection_get_platform (data->connection) == NULL && platform != NULL)
    sy_connection_set_platform (data->connection, platform);
  if (sy_connection_get_domain (data->connection) == NULL && sy_domain_for_platform (platform) != NULL)
    sy_connection_set_domain (data->connection, sy_domain_for_platform (platform));

  sync_status = json_object_get_string_member_with_default (integration, "sync_status", NULL);
  if (g_strcmp0 (sync_status, "fail") == 0)
    {
      sy_connection_set_status (data->connection, SY_CONNECTION_STATUS_NEEDS_REAUTH,
                                _("The connected system rejected its credentials: authorise the connection again."));
    }
  else
    {
      g_autofree char *message = NULL;

      if (platform != NULL)
        message = g_strdup_printf (_("Connected to %s"), sy_platform_display_name (platform));
      else
        message = g_strdup (_("Connected"));
      sy_connection_set_status (data->connection, SY_CONNECTION_STATUS_ACTIVE, message);
    }

  g_task_return_pointer (task, g_object_ref (data->client), g_object_unref);
}

static void
check_token_found_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;
  char *token;

  token = sy_secret_store_lookup_finish (SY_SECRET_STORE (source), result, &error);
  if (token == NULL)
    {
      fail_check (task, error);
      return;
    }

  data->client = new_test_client (sy_connection_get_base_url (data->connection), token, &error);
  sy_secret_free (token);
  if (data->client == NULL)
    {
      fail_check (task, error);
      return;
    }

  cancellable = g_task_get_cancellable (task);
  sy_api_client_get_current_integration_async (data->client, cancellable,
                                               check_answered_cb, g_steal_pointer (&task));
}

void
sy_check_connection_async (SySecretStore       *secrets,
                           SyConnection        *connection,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  CheckData *data;

  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (SY_IS_CONNECTION (connection));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_check_connection_async);

  data = g_new0 (CheckData, 1);
  data->connection = g_object_ref (connection);
  data->previous_status = sy_connection_get_status (connection);
  data->previous_message = g_strdup (sy_connection_get_status_message (connection));
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);

  sy_connection_set_status (connection, SY_CONNECTION_STATUS_UNKNOWN, _("Checking…"));
  sy_secret_store_lookup_async (secrets, sy_connection_get_id (connection),
                                SY_SECRET_KIND_ACCESS_TOKEN, cancellable,
                                check_token_found_cb, task);
}

SyApiClient *
sy_check_connection_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
