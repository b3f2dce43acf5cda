/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-state-store-webhooks.h"
#include "sy-token-keeper.h"

/* Asking the server during an add must answer while the user waits: fewer
 * retries than a sync's defaults. */
#define CHECK_MAX_RETRIES 1
#define CHECK_BASE_DELAY_MS 250

/* --- opening a client ------------------------------------------------ */

static void
on_client_success (gpointer client,
                   gpointer user_data)
{
  g_autoptr(SyConnection) connection = g_weak_ref_get (user_data);

  if (connection != NULL)
    sy_connection_note_success (connection);
}

static void
free_weak_ref (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* The connection outlives none of its clients' duties: a weak reference. */
static void
note_successes (SyApiClient  *client,
                SyConnection *connection)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, connection);
  sy_api_client_set_success_func (client, on_client_success, ref, free_weak_ref);
}

static void
token_found_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyConnection *connection = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SyApiClient *client;
  char *token;

  token = sy_secret_store_lookup_finish (SY_SECRET_STORE (source), result, &error);
  if (token == NULL && (error == NULL || g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND)))
    {
      g_task_return_new_error (task, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND,
                               _("The keyring holds no token for “%s”."),
                               sy_connection_get_name (connection));
      return;
    }
  if (token == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  client = sy_connection_create_client (connection, token, &error);
  sy_secret_free (token);
  if (client == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    {
      note_successes (client, connection);
      g_task_return_pointer (task, client, g_object_unref);
    }
}

static void
keeper_obtained_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyConnection *connection = g_task_get_task_data (task);
  g_autoptr(SyTokenKeeper) keeper = NULL;
  g_autoptr(GError) error = NULL;
  SyApiClient *client;

  keeper = sy_token_keeper_obtain_finish (result, &error);
  if (keeper == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  client = sy_connection_create_client (connection, NULL, &error);
  if (client == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sy_api_client_set_authenticator (client, SY_API_AUTHENTICATOR (keeper));
  note_successes (client, connection);
  g_task_return_pointer (task, client, g_object_unref);
}

void
sy_connection_open_client_async (SySecretStore       *secrets,
                                 SyConnection        *connection,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (SY_IS_CONNECTION (connection));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_connection_open_client_async);
  g_task_set_task_data (task, g_object_ref (connection), g_object_unref);

  /* Refused before the keyring is asked: the token would not be used. */
  if (!sy_connection_check_transport (connection, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* A token that expires is lent by the connection's keeper, which
   * refreshes it for every client of the connection at once. */
  if (sy_connection_uses_link (connection))
    {
      sy_token_keeper_obtain_async (secrets, connection, cancellable,
                                    keeper_obtained_cb, g_steal_pointer (&task));
      return;
    }

  sy_secret_store_lookup_async (secrets, sy_connection_get_id (connection),
                                SY_SECRET_KIND_ACCESS_TOKEN, cancellable,
                                token_found_cb, g_steal_pointer (&task));
}

SyApiClient *
sy_connection_open_client_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- adding ---------------------------------------------------------- */

static char *
token_label (const char *name)
{
  return g_strdup_printf (_("Switchyard token for “%s”"), name);
}

static char *
key_label_for_connection (const char *name)
{
  return g_strdup_printf (_("Switchyard private key for “%s”"), name);
}

static char *
key_label_for_certificate (SyCertificate *certificate)
{
  return g_strdup_printf (_("Switchyard private key for the certificate “%s” (SHA-256 %s)"),
                          sy_certificate_get_subject (certificate),
                          sy_certificate_get_sha256_fingerprint (certificate));
}

typedef struct
{
  SyConnectionStore    *store;
  SySecretStore        *secrets;
  /* What the caller described, and the store's connection it replaces
   * (or NULL for a new one). */
  SyConnection         *connection;
  SyConnection         *replaced;
  char                 *token;
  /* A Link sign-in: the whole grant and the integration app's secret. */
  SyTokenGrant         *grant;
  char                 *client_secret;
  SyConnectionAddFlags  flags;
  SyApiClient          *client;
  JsonObject           *integration;
} AddData;

static void
add_data_free (AddData *data)
{
  g_clear_object (&data->store);
  g_clear_object (&data->secrets);
  g_clear_object (&data->connection);
  g_clear_object (&data->replaced);
  sy_secret_free (data->token);
  g_clear_pointer (&data->grant, sy_token_grant_free);
  sy_secret_free (data->client_secret);
  g_clear_object (&data->client);
  g_clear_pointer (&data->integration, json_object_unref);
  g_free (data);
}

typedef struct
{
  JsonObject   *integration;
  SyConnection *connection;
} AddResult;

static void
add_result_free (AddResult *added)
{
  g_clear_pointer (&added->integration, json_object_unref);
  g_clear_object (&added->connection);
  g_free (added);
}

static void
return_added (GTask        *task,
              SyConnection *connection)
{
  AddData *data = g_task_get_task_data (task);
  AddResult *added = g_new0 (AddResult, 1);

  added->connection = g_object_ref (connection);
  added->integration = g_steal_pointer (&data->integration);
  g_task_return_pointer (task, added, (GDestroyNotify) add_result_free);
}

/* After a cancelled add nobody waits for the undoing any more. */
static void
rollback_cleared_quietly (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!sy_secret_store_clear_finish (SY_SECRET_STORE (source), result, &error))
    g_message ("Could not delete the token of a connection that was not added: %s", error->message);
}

static void
rollback_cleared_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) clear_error = NULL;

  if (!sy_secret_store_clear_finish (SY_SECRET_STORE (source), result, &clear_error))
    g_message ("Could not delete the token of a connection that was not added: %s", clear_error->message);

  g_task_return_error (task, g_object_steal_data (G_OBJECT (task), "sy-add-error"));
}

/* Takes task and error. The token of a connection that was never added
 * goes, and not cancellably: a half-undone add is worse than a slow one. */
static void
roll_back (GTask  *task,
           GError *error)
{
  AddData *data = g_task_get_task_data (task);

  if (data->replaced != NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  g_object_set_data (G_OBJECT (task), "sy-add-error", error);
  sy_secret_store_clear_async (data->secrets, sy_connection_get_id (data->connection), NULL,
                               NULL, rollback_cleared_cb, task);
}

static void
replaced_saved_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AddData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!sy_connection_store_save_finish (SY_CONNECTION_STORE (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* Reconnected: clients of this connection open now use the new sign-in
   * at once, once the settings it goes with (client id, address) are saved. */
  if (data->grant != NULL)
    {
      g_autoptr(SyTokenKeeper) keeper = sy_token_keeper_lookup (data->secrets, sy_connection_get_id (data->replaced));

      if (keeper != NULL)
        sy_token_keeper_take_grant (keeper, data->grant, data->client_secret);
    }
  return_added (task, data->replaced);
}

static void
take_settings (SyConnection *target,
               SyConnection *source)
{
  const char *platform = sy_connection_get_platform (source);

  sy_connection_set_base_url (target, sy_connection_get_base_url (source));
  if (platform != NULL && g_strcmp0 (platform, sy_connection_get_platform (target)) != 0)
    {
      const char *domain = sy_connection_get_domain (source);

      sy_connection_set_platform (target, platform);
      sy_connection_set_domain (target, domain != NULL ? domain : sy_domain_for_platform (platform));
    }
  sy_connection_set_allow_insecure_http (target, sy_connection_get_allow_insecure_http (source));
  sy_connection_set_ca_file (target, sy_connection_get_ca_file (source));
  /* Reconnecting with Link, or going back to a pasted token. */
  sy_connection_set_link_client_id (target, sy_connection_get_link_client_id (source));
}

static void add_secrets_stored (GTask *task);

static void
add_token_stored_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!sy_secret_store_store_finish (SY_SECRET_STORE (source), result, &error))
    {
      /* Nothing was kept: the keyring refused the one thing written. */
      g_task_return_error (task, error);
      return;
    }
  add_secrets_stored (g_steal_pointer (&task));
}

static void
add_grant_stored_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AddData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!sy_token_grant_store_finish (result, &error))
    {
      if (data->replaced == NULL)
        roll_back (g_steal_pointer (&task), error);
      else
        g_task_return_error (task, error);
      return;
    }

  add_secrets_stored (g_steal_pointer (&task));
}

static void
add_client_secret_stored_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AddData *data = g_task_get_task_data (task);
  SyConnection *owner = data->replaced != NULL ? data->replaced : data->connection;
  GCancellable *cancellable;
  GError *error = NULL;

  if (!sy_secret_store_store_finish (SY_SECRET_STORE (source), result, &error))
    {
      if (data->replaced == NULL)
        roll_back (g_steal_pointer (&task), error);
      else
        g_task_return_error (task, error);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  sy_token_grant_store_async (data->grant, data->secrets, owner, cancellable,
                              add_grant_stored_cb, g_steal_pointer (&task));
}

static void
add_secrets_stored (GTask *task)
{
  g_autoptr(GTask) owned = task;
  AddData *data = g_task_get_task_data (task);
  GError *error = NULL;

  /* A replaced connection's secrets are written over already: its
   * settings follow them, cancelled or not, so that the two agree. */
  if (data->replaced == NULL && g_task_return_error_if_cancelled (task))
    {
      sy_secret_store_clear_async (data->secrets, sy_connection_get_id (data->connection), NULL,
                                   NULL, rollback_cleared_quietly, NULL);
      return;
    }

  if (data->replaced != NULL)
    {
      take_settings (data->replaced, data->connection);
      sy_connection_store_save_async (data->store, NULL, replaced_saved_cb, g_steal_pointer (&owned));
      return;
    }

  if (!sy_connection_store_add (data->store, data->connection, &error))
    {
      roll_back (g_steal_pointer (&owned), error);
      return;
    }
  return_added (task, data->connection);
}

static void
store_token (GTask *task)
{
  AddData *data = g_task_get_task_data (task);
  SyConnection *owner = data->replaced != NULL ? data->replaced : data->connection;
  g_autofree char *label = token_label (sy_connection_get_name (owner));

  /* The secrets first: if the keyring is missing or refuses, nothing has
   * been written and connections.json needs no undoing. */
  if (data->grant != NULL)
    {
      g_autofree char *secret_label = g_strdup_printf (_("Switchyard Link client secret for “%s”"),
                                                       sy_connection_get_name (owner));

      sy_secret_store_store_async (data->secrets, sy_connection_get_id (owner),
                                   SY_SECRET_KIND_CLIENT_SECRET, secret_label, data->client_secret,
                                   g_task_get_cancellable (task),
                                   add_client_secret_stored_cb, task);
      return;
    }
  sy_secret_store_store_async (data->secrets, sy_connection_get_id (owner),
                               SY_SECRET_KIND_ACCESS_TOKEN, label, data->token,
                               g_task_get_cancellable (task),
                               add_token_stored_cb, task);
}

static void
add_checked_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AddData *data = g_task_get_task_data (task);
  GError *error = NULL;
  const char *platform;

  data->integration = sy_api_client_get_current_integration_finish (SY_API_CLIENT (source), result, &error);
  if (data->integration == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  platform = sy_integration_get_platform (data->integration);
  if (sy_connection_get_platform (data->connection) == NULL && platform != NULL)
    {
      sy_connection_set_platform (data->connection, platform);
      if (sy_connection_get_domain (data->connection) == NULL)
        sy_connection_set_domain (data->connection, sy_domain_for_platform (platform));
    }

  store_token (g_steal_pointer (&task));
}

static void
add_begin (GTask *owned_task)
{
  g_autoptr(GTask) task = owned_task;
  AddData *data = g_task_get_task_data (task);
  SyConnection *connection = data->connection;
  const char *token = data->token;
  SyConnectionAddFlags flags = data->flags;
  GCancellable *cancellable = g_task_get_cancellable (task);
  SyConnection *existing;
  GError *error = NULL;
  SyConnectionStore *store = data->store;

  existing = sy_connection_store_find_by_name (store, sy_connection_get_name (connection));
  if (existing != NULL && !(flags & SY_CONNECTION_ADD_REPLACE))
    {
      g_task_return_new_error (task, SY_CONFIG_ERROR, SY_CONFIG_ERROR_DUPLICATE_NAME,
                               _("There is already a connection named “%s”. Choose another name."),
                               sy_connection_get_name (existing));
      return;
    }
  if (existing != NULL)
    data->replaced = g_object_ref (existing);

  /* Made before anything is kept: the client has the last word on which
   * addresses and settings it can use, and what it refuses is not saved. */
  data->client = sy_connection_create_client (connection, token, &error);
  if (data->client == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (flags & SY_CONNECTION_ADD_CHECK)
    {
      sy_api_client_set_retry_policy (data->client, CHECK_MAX_RETRIES, CHECK_BASE_DELAY_MS);
      sy_api_client_get_current_integration_async (data->client, cancellable,
                                                   add_checked_cb, g_steal_pointer (&task));
      return;
    }

  store_token (g_steal_pointer (&task));
}

static AddData *
add_data_new (SyConnectionStore   *store,
              SySecretStore       *secrets,
              SyConnection        *connection,
              const char          *token,
              SyConnectionAddFlags flags)
{
  AddData *data = g_new0 (AddData, 1);

  data->store = g_object_ref (store);
  data->secrets = g_object_ref (secrets);
  data->connection = g_object_ref (connection);
  data->token = g_strdup (token);
  data->flags = flags;
  return data;
}

void
sy_connection_add_async (SyConnectionStore   *store,
                         SySecretStore       *secrets,
                         SyConnection        *connection,
                         const char          *token,
                         SyConnectionAddFlags flags,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SY_IS_CONNECTION_STORE (store));
  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (SY_IS_CONNECTION (connection));
  g_return_if_fail (token != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_connection_add_async);
  g_task_set_task_data (task, add_data_new (store, secrets, connection, token, flags),
                        (GDestroyNotify) add_data_free);
  add_begin (task);
}

void
sy_connection_add_linked_async (SyConnectionStore   *store,
                                SySecretStore       *secrets,
                                SyConnection        *connection,
                                const SyTokenGrant  *grant,
                                const char          *client_secret,
                                SyConnectionAddFlags flags,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  AddData *data;

  g_return_if_fail (SY_IS_CONNECTION_STORE (store));
  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (SY_IS_CONNECTION (connection));
  g_return_if_fail (grant != NULL && grant->access_token != NULL);
  g_return_if_fail (client_secret != NULL);
  g_return_if_fail (sy_connection_get_link_client_id (connection) != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  /* Finished by sy_connection_add_finish() like any add. */
  g_task_set_source_tag (task, sy_connection_add_async);
  data = add_data_new (store, secrets, connection, grant->access_token, flags);
  data->grant = sy_token_grant_copy (grant);
  data->client_secret = g_strdup (client_secret);
  g_task_set_task_data (task, data, (GDestroyNotify) add_data_free);
  add_begin (task);
}

SyConnection *
sy_connection_add_finish (GAsyncResult  *result,
                          JsonObject   **integration,
                          GError       **error)
{
  AddResult *added;
  SyConnection *connection;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  added = g_task_propagate_pointer (G_TASK (result), error);
  if (added == NULL)
    return NULL;

  if (integration != NULL)
    *integration = g_steal_pointer (&added->integration);
  connection = g_steal_pointer (&added->connection);
  add_result_free (added);
  return connection;
}

/* --- removing -------------------------------------------------------- */

typedef struct
{
  SyConnectionStore *store;
  SyStateStore      *state;
  SyConnection      *connection;
  gboolean           only_secrets;  /* forgetting after an Undo ran out: not in the store any more */
} RemoveData;

static void
remove_data_free (RemoveData *data)
{
  g_clear_object (&data->store);
  g_clear_object (&data->state);
  g_clear_object (&data->connection);
  g_free (data);
}

/* The last step: out of connections.json, unless only the secrets were
 * to go. */
static void
finish_removal (GTask *task)
{
  RemoveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (data->only_secrets)
    g_task_return_boolean (task, TRUE);
  else if (!sy_connection_store_remove (data->store, data->connection, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* The state store's own worker does the work; this thread only waits for
 * it, so that the main loop does not. */
static void
delete_certificate_thread (GTask        *task,
                           gpointer      source_object,
                           gpointer      task_data,
                           GCancellable *cancellable)
{
  RemoveData *data = task_data;
  GError *error = NULL;

  if (!sy_state_store_delete_certificate (data->state, sy_connection_get_id (data->connection), &error) ||
      !sy_state_store_delete_webhook_events (data->state, sy_connection_get_id (data->connection), &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
certificate_deleted_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RemoveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!data->only_secrets)
        g_prefix_error (&error, _("The connection’s certificate could not be deleted, so the connection was kept: "));
      g_task_return_error (task, error);
      return;
    }
  finish_removal (task);
}

static void
secrets_cleared_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RemoveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!sy_secret_store_clear_finish (SY_SECRET_STORE (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (data->state != NULL)
    {
      /* The worker borrows the data: the task that owns it is the
       * worker's callback data, alive until the worker is done. */
      g_autoptr(GTask) worker = g_task_new (NULL, NULL, certificate_deleted_cb, g_steal_pointer (&task));

      g_task_set_task_data (worker, data, NULL);
      g_task_run_in_thread (worker, delete_certificate_thread);
      return;
    }

  finish_removal (task);
}

/* Secrets first: a connection left without its token can be mended, a
 * token left without its connection would linger where nobody looks. */
static void
start_removal (GTask             *task,
               SyConnectionStore *store,
               SySecretStore     *secrets,
               SyStateStore      *state,
               SyConnection      *connection,
               gboolean           only_secrets,
               GCancellable      *cancellable)
{
  RemoveData *data = g_new0 (RemoveData, 1);

  data->store = g_object_ref (store);
  data->state = state != NULL ? g_object_ref (state) : NULL;
  data->connection = g_object_ref (connection);
  data->only_secrets = only_secrets;
  g_task_set_task_data (task, data, (GDestroyNotify) remove_data_free);
  sy_secret_store_clear_async (secrets, sy_connection_get_id (connection), NULL,
                               cancellable, secrets_cleared_cb, task);
}

void
sy_connection_remove_async (SyConnectionStore   *store,
                            SySecretStore       *secrets,
                            SyStateStore        *state,
                            SyConnection        *connection,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SY_IS_CONNECTION_STORE (store));
  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (state == NULL || SY_IS_STATE_STORE (state));
  g_return_if_fail (SY_IS_CONNECTION (connection));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_connection_remove_async);
  start_removal (task, store, secrets, state, connection, FALSE, cancellable);
}

gboolean
sy_connection_remove_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- removing with room for an Undo ---------------------------------- */

gboolean
sy_connection_withdraw (SyConnectionStore  *store,
                        SyConnection       *connection,
                        GError            **error)
{
  g_return_val_if_fail (SY_IS_CONNECTION_STORE (store), FALSE);
  g_return_val_if_fail (SY_IS_CONNECTION (connection), FALSE);

  return sy_connection_store_remove (store, connection, error);
}

gboolean
sy_connection_restore (SyConnectionStore  *store,
                       SyConnection       *connection,
                       GError            **error)
{
  g_return_val_if_fail (SY_IS_CONNECTION_STORE (store), FALSE);
  g_return_val_if_fail (SY_IS_CONNECTION (connection), FALSE);

  return sy_connection_store_add (store, connection, error);
}

void
sy_connection_forget_secrets_async (SyConnectionStore   *store,
                                    SySecretStore       *secrets,
                                    SyStateStore        *state,
                                    SyConnection        *connection,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SY_IS_CONNECTION_STORE (store));
  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (state == NULL || SY_IS_STATE_STORE (state));
  g_return_if_fail (SY_IS_CONNECTION (connection));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_connection_forget_secrets_async);

  /* Put back (Undo) in the meantime: its secrets are in use again. */
  if (sy_connection_store_find_by_id (store, sy_connection_get_id (connection)) != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  start_removal (task, store, secrets, state, connection, TRUE, cancellable);
}

gboolean
sy_connection_forget_secrets_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- private keys ---------------------------------------------------- */

static void
key_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gboolean done;

  if (g_task_get_task_data (task) != NULL)
    done = sy_secret_store_store_finish (SY_SECRET_STORE (source), result, &error);
  else
    done = sy_secret_store_clear_finish (SY_SECRET_STORE (source), result, &error);

  if (!done)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
keep_key (SySecretStore       *secrets,
          const char          *id,
          const char          *label,
          SyPrivateKey        *key,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, sy_connection_attach_key_async);
  if (key != NULL)
    {
      char *secret = sy_private_key_to_base64 (key);

      /* Any non-NULL data: key_done_cb then knows it was a store. */
      g_task_set_task_data (task, GINT_TO_POINTER (TRUE), NULL);
      sy_secret_store_store_async (secrets, id, SY_SECRET_KIND_PRIVATE_KEY, label, secret,
                                   cancellable, key_done_cb, task);
      sy_secret_free (secret);
    }
  else
    sy_secret_store_clear_async (secrets, id, SY_SECRET_KIND_PRIVATE_KEY,
                                 cancellable, key_done_cb, task);
}

void
sy_connection_attach_key_async (SySecretStore       *secrets,
                                SyConnection        *connection,
                                SyPrivateKey        *key,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *label = NULL;

  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (SY_IS_CONNECTION (connection));

  label = key_label_for_connection (sy_connection_get_name (connection));
  keep_key (secrets, sy_connection_get_id (connection), label, key, cancellable, callback, user_data);
}

void
sy_connection_keep_pending_key_async (SySecretStore       *secrets,
                                      const char          *pending_id,
                                      SyCertificate       *certificate,
                                      SyPrivateKey        *key,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autofree char *label = NULL;

  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (pending_id != NULL);
  g_return_if_fail (SY_IS_CERTIFICATE (certificate));
  g_return_if_fail (key != NULL);

  label = key_label_for_certificate (certificate);
  keep_key (secrets, pending_id, label, key, cancellable, callback, user_data);
}

gboolean
sy_connection_attach_key_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
