/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-sync-settings.h"

/* A bundle of CA certificates is a few hundred KB at most; anything much
 * larger is not one (or is /dev/zero). */
#define CA_FILE_MAX_BYTES (4 * 1024 * 1024)

/* Asking the server during an add must answer while the user waits: fewer
 * retries than a sync's defaults. */
#define CHECK_MAX_RETRIES 1
#define CHECK_BASE_DELAY_MS 250

/* --- platforms ------------------------------------------------------- */

static const SyPlatformInfo platforms[] = {
  { "mintsoft", "Mintsoft", "wms" },
  { "netsuite", "NetSuite", "erp" },
  { "sap", "SAP", "erp" },
  { "dynamics365", "Microsoft Dynamics 365", "erp" },
  { "odoo", "Odoo", "erp" },
  { "shipbob", "ShipBob", "wms" },
  { "maximo", "IBM Maximo", "eam" },
  { "fiix", "Fiix", "eam" },
};

const SyPlatformInfo *
sy_platforms_get_all (guint *n_platforms)
{
  if (n_platforms != NULL)
    *n_platforms = G_N_ELEMENTS (platforms);
  return platforms;
}

static const SyPlatformInfo *
find_platform (const char *platform)
{
  if (platform == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (platforms); i++)
    if (g_ascii_strcasecmp (platforms[i].id, platform) == 0)
      return &platforms[i];
  return NULL;
}

const char *
sy_domain_for_platform (const char *platform)
{
  const SyPlatformInfo *info = find_platform (platform);

  return info ? info->domain : NULL;
}

const char *
sy_platform_display_name (const char *platform)
{
  const SyPlatformInfo *info = find_platform (platform);

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
  /* Makini calls it "provider"; keep to "platform" when a server says so. */
  const char *members[] = { "platform", "provider" };

  if (integration == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      JsonNode *node = json_object_get_member (integration, members[i]);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING &&
          json_node_get_string (node) != NULL && *json_node_get_string (node) != '\0')
        return json_node_get_string (node);
    }
  return NULL;
}

/* --- errors ---------------------------------------------------------- */

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

static const char *
request_id_of (const GError *error)
{
  const char *request_id = error->domain == SY_API_ERROR ? sy_api_error_get_request_id (error) : NULL;

  return request_id != NULL && *request_id != '\0' ? request_id : NULL;
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

  request_id = request_id_of (error);
  if (request_id != NULL)
    /* Translators: the first %s is a sentence, the second an identifier support staff can look up */
    return g_strdup_printf (_("%s (request %s)"), text, request_id);

  return g_steal_pointer (&text);
}

char *
sy_describe_error_one_line (const GError *error)
{
  GString *line;
  const char *request_id;

  g_return_val_if_fail (error != NULL, NULL);

  line = g_string_new (error->message);
  /* More goes on after the message (a request id, a hint): a full stop of
   * the core's sentence would end up in the middle. */
  while (line->len > 0 && g_ascii_isspace (line->str[line->len - 1]))
    g_string_truncate (line, line->len - 1);
  if (line->len > 1 && line->str[line->len - 1] == '.' && line->str[line->len - 2] != '.')
    g_string_truncate (line, line->len - 1);

  request_id = request_id_of (error);
  if (request_id != NULL && strstr (error->message, request_id) == NULL)
    g_string_append_printf (line, _(" (request id %s)"), request_id);

  /* One line per error, whatever the server put in its message. */
  g_strdelimit (line->str, "\r\n", ' ');
  return g_string_free (line, FALSE);
}

/* --- transport ------------------------------------------------------- */

static gboolean
host_is_loopback (const char *host)
{
  g_autofree char *bare = NULL;
  g_autoptr(GInetAddress) address = NULL;
  gsize length;

  if (host == NULL || *host == '\0')
    return FALSE;

  bare = g_ascii_strdown (host, -1);
  length = strlen (bare);
  /* "localhost." is the same name, fully qualified. */
  if (length > 1 && bare[length - 1] == '.')
    bare[--length] = '\0';
  if (g_str_equal (bare, "localhost") || g_str_has_suffix (bare, ".localhost"))
    return TRUE;

  if (length > 2 && bare[0] == '[' && bare[length - 1] == ']')
    {
      bare[length - 1] = '\0';
      memmove (bare, bare + 1, length - 1);
    }
  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

gboolean
sy_base_url_is_insecure (const char *base_url)
{
  g_autoptr(GUri) uri = NULL;

  if (base_url == NULL)
    return FALSE;
  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0)
    return FALSE;
  return !host_is_loopback (g_uri_get_host (uri));
}

gboolean
sy_connection_sends_token_in_clear (SyConnection *connection)
{
  g_return_val_if_fail (SY_IS_CONNECTION (connection), FALSE);

  return sy_connection_get_allow_insecure_http (connection) &&
         sy_base_url_is_insecure (sy_connection_get_base_url (connection));
}

static void
set_ca_file_error (GError     **error,
                   const char  *path,
                   const char  *reason)
{
  /* Translators: %s is a file name, then the reason it cannot be used */
  g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_CA_FILE,
               _("The CA file “%s” cannot be used: %s"), path, reason);
}

GTlsDatabase *
sy_load_ca_file (const char  *path,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GList *certificates;
  GTlsDatabase *database;
  GStatBuf info;

  g_return_val_if_fail (path != NULL, NULL);

  /* Looked at before it is opened: a FIFO would block the opener and a
   * device would be read for ever. */
  if (g_stat (path, &info) != 0)
    {
      int saved_errno = errno;

      set_ca_file_error (error, path, g_strerror (saved_errno));
      return NULL;
    }
  if (!S_ISREG (info.st_mode))
    {
      set_ca_file_error (error, path, _("it is not a regular file"));
      return NULL;
    }
  if (info.st_size > CA_FILE_MAX_BYTES)
    {
      set_ca_file_error (error, path, _("it is too large to be a list of certificates"));
      return NULL;
    }

  certificates = g_tls_certificate_list_new_from_file (path, &local_error);
  if (local_error != NULL)
    {
      set_ca_file_error (error, path, local_error->message);
      return NULL;
    }
  if (certificates == NULL)
    {
      set_ca_file_error (error, path, _("it holds no PEM certificate"));
      return NULL;
    }
  g_list_free_full (certificates, g_object_unref);

  database = g_tls_file_database_new (path, &local_error);
  if (database == NULL)
    {
      set_ca_file_error (error, path, local_error->message);
      return NULL;
    }
  return database;
}

static gboolean
check_transport (SyConnection  *connection,
                 GTlsDatabase **database,
                 GError       **error)
{
  const char *base_url = sy_connection_get_base_url (connection);
  const char *ca_file = sy_connection_get_ca_file (connection);

  if (sy_base_url_is_insecure (base_url) && !sy_connection_get_allow_insecure_http (connection))
    {
      g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INSECURE_URL,
                   _("%s is plain http:// to another machine, which would send the token of “%s” unencrypted. "
                     "Use https://, or allow plain HTTP for this connection explicitly."),
                   base_url, sy_connection_get_name (connection));
      return FALSE;
    }

  if (ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) loaded = sy_load_ca_file (ca_file, error);

      if (loaded == NULL)
        return FALSE;
      if (database != NULL)
        *database = g_steal_pointer (&loaded);
    }

  return TRUE;
}

gboolean
sy_connection_check_transport (SyConnection  *connection,
                               GError       **error)
{
  g_return_val_if_fail (SY_IS_CONNECTION (connection), FALSE);

  return check_transport (connection, NULL, error);
}

SyApiClient *
sy_connection_create_client (SyConnection  *connection,
                             const char    *token,
                             GError       **error)
{
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(GTlsDatabase) database = NULL;

  g_return_val_if_fail (SY_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The client judges the address first: a URL it cannot use at all is
   * worth saying before anything about its scheme. */
  client = sy_api_client_new (sy_connection_get_base_url (connection), token, error);
  if (client == NULL)
    return NULL;
  if (!check_transport (connection, &database, error))
    return NULL;

  if (database != NULL)
    sy_api_client_set_tls_database (client, database);
  sy_api_client_set_timeout (client, sy_settings_get_request_timeout ());

  return g_steal_pointer (&client);
}

/* --- opening a client ------------------------------------------------ */

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

  /* Where an expired token will be refreshed, once connections keep a
   * refresh token: here, before the client is handed out. */
  client = sy_connection_create_client (connection, token, &error);
  sy_secret_free (token);
  if (client == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
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

/* Takes error. The token of a connection that was never added goes, and
 * not cancellably: a half-undone add is worse than a slow one. */
static void
roll_back (GTask  *task,
           GError *error)
{
  AddData *data = g_task_get_task_data (task);

  if (data->replaced != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_object_set_data (G_OBJECT (task), "sy-add-error", error);
  sy_secret_store_clear_async (data->secrets, sy_connection_get_id (data->connection), NULL,
                               NULL, rollback_cleared_cb, g_object_ref (task));
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
}

static void
add_token_stored_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AddData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!sy_secret_store_store_finish (SY_SECRET_STORE (source), result, &error))
    {
      /* Nothing was kept: the keyring refused the one thing written. */
      g_task_return_error (task, error);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    {
      if (data->replaced == NULL)
        sy_secret_store_clear_async (data->secrets, sy_connection_get_id (data->connection), NULL,
                                     NULL, rollback_cleared_quietly, NULL);
      return;
    }

  if (data->replaced != NULL)
    {
      take_settings (data->replaced, data->connection);
      sy_connection_store_save_async (data->store, NULL, replaced_saved_cb, g_steal_pointer (&task));
      return;
    }

  if (!sy_connection_store_add (data->store, data->connection, &error))
    {
      roll_back (g_steal_pointer (&task), error);
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

  /* The token first: if the keyring is missing or refuses, nothing has
   * been written and connections.json needs no undoing. */
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
  g_autoptr(GTask) task = NULL;
  SyConnection *existing;
  AddData *data;
  GError *error = NULL;

  g_return_if_fail (SY_IS_CONNECTION_STORE (store));
  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (SY_IS_CONNECTION (connection));
  g_return_if_fail (token != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_connection_add_async);

  data = g_new0 (AddData, 1);
  data->store = g_object_ref (store);
  data->secrets = g_object_ref (secrets);
  data->connection = g_object_ref (connection);
  data->token = g_strdup (token);
  data->flags = flags;
  g_task_set_task_data (task, data, (GDestroyNotify) add_data_free);

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
} RemoveData;

static void
remove_data_free (RemoveData *data)
{
  g_clear_object (&data->store);
  g_clear_object (&data->state);
  g_clear_object (&data->connection);
  g_free (data);
}

static void
forget_connection (GTask *task)
{
  RemoveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!sy_connection_store_remove (data->store, data->connection, &error))
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

  if (!sy_state_store_delete_certificate (data->state, sy_connection_get_id (data->connection), &error))
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
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_prefix_error (&error, _("The connection’s certificate could not be deleted, so the connection was kept: "));
      g_task_return_error (task, error);
      return;
    }
  forget_connection (task);
}

static void
remove_secrets_cleared_cb (GObject      *source,
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

  forget_connection (task);
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
  RemoveData *data;

  g_return_if_fail (SY_IS_CONNECTION_STORE (store));
  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (state == NULL || SY_IS_STATE_STORE (state));
  g_return_if_fail (SY_IS_CONNECTION (connection));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_connection_remove_async);
  data = g_new0 (RemoveData, 1);
  data->store = g_object_ref (store);
  data->state = state != NULL ? g_object_ref (state) : NULL;
  data->connection = g_object_ref (connection);
  g_task_set_task_data (task, data, (GDestroyNotify) remove_data_free);

  /* Secrets first: a connection left without its token can be mended, a
   * token left without its connection would linger where nobody looks. */
  sy_secret_store_clear_async (secrets, sy_connection_get_id (connection), NULL,
                               cancellable, remove_secrets_cleared_cb, task);
}

gboolean
sy_connection_remove_finish (GAsyncResult  *result,
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
