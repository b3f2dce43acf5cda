/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-connection-check.h"
#include "sy-error.h"

/* A test must answer while the user waits: fewer retries than the
 * client's defaults, which suit long syncs. How long one request may take
 * is the user's request-timeout preference, as everywhere else. */
#define TEST_MAX_RETRIES   1
#define TEST_BASE_DELAY_MS 250

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

void
sy_test_token_async (SyConnection        *connection,
                     const char          *token,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  SyApiClient *client;

  g_return_if_fail (SY_IS_CONNECTION (connection));

  g_task_set_source_tag (task, sy_test_token_async);

  client = sy_connection_create_client (connection, token, &error);
  if (client == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sy_api_client_set_retry_policy (client, TEST_MAX_RETRIES, TEST_BASE_DELAY_MS);

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
check_client_opened_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CheckData *data = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;

  data->client = sy_connection_open_client_finish (result, &error);
  if (data->client == NULL)
    {
      fail_check (task, error);
      return;
    }
  sy_api_client_set_retry_policy (data->client, TEST_MAX_RETRIES, TEST_BASE_DELAY_MS);

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
  sy_connection_open_client_async (secrets, connection, cancellable,
                                   check_client_opened_cb, task);
}

SyApiClient *
sy_check_connection_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
