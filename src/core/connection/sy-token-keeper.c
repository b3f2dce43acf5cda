/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sy-api-authenticator.h"
#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-token-keeper.h"

#define OPTION_AUTH           "auth"
#define OPTION_LINK_CLIENT_ID "link_client_id"
#define AUTH_LINK             "link"

#define TOKEN_PATH "/link/token"
/* Refreshed this long before expiry at most ("a day before")... */
#define REFRESH_AHEAD_MAX_S (24 * 60 * 60)
/* ...and no sooner than this share of the token's lifetime before it, so
 * that a token living minutes is not refreshed at every request. */
#define REFRESH_AHEAD_SHARE 5
/* After a refresh ahead of expiry failed (the server unreachable), the
 * token is used as it is for this long before trying again. */
#define REFRESH_AHEAD_RETRY_S 30
/* expires_in is an absolute Unix time for this API; a value this small
 * can only be a duration (RFC 6749's meaning), and is taken as one. */
#define EXPIRES_IN_DURATION_MAX (10 * 365 * 24 * 60 * 60)

struct _SyTokenKeeper
{
  GObject        parent_instance;

  SySecretStore *secrets;
  SyConnection  *connection;
  char          *registry_key;

  char          *access_token;
  char          *refresh_token;
  char          *client_secret;
  gint64         expires_at;
  gint64         obtained_at;

  gboolean       needs_reconnect;
  gint64         ahead_retry_after;
  guint          refresh_count;

  /* The refresh under way and the requests waiting for it. */
  gboolean       refreshing;
  char          *refusing_token;
  GPtrArray     *waiters;
  SyTokenGrant  *pending_grant;   /* received, being written to the keyring */
  GError        *refusal;         /* the server's refusal, being checked */
  /* The pair in use could not be written: the keyring's is spent. */
  gboolean       keyring_stale;
  guint          after_refusal_reads;
  /* Bumped by take_grant(): a refresh started before it is moot. */
  guint          generation;
  guint          refresh_generation;
};

static void sy_token_keeper_authenticator_init (SyApiAuthenticatorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SyTokenKeeper, sy_token_keeper, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SY_TYPE_API_AUTHENTICATOR,
                                                      sy_token_keeper_authenticator_init))

enum
{
  PROP_0,
  PROP_NEEDS_RECONNECT,
  PROP_EXPIRES_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* registry key → GWeakRef of the keeper: a keeper lives as long as the
 * clients that use it, and a weak reference never hands out one that is
 * being finalized. */
static GHashTable *keepers;
G_LOCK_DEFINE_STATIC (keepers);

static void
free_weak_ref (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static char *
registry_key (SySecretStore *secrets,
              const char    *connection_id)
{
  return g_strdup_printf ("%p/%s", (gpointer) secrets, connection_id);
}

/* --- connection options ----------------------------------------------- */

gboolean
sy_connection_uses_link (SyConnection *connection)
{
  JsonObject *options;

  g_return_val_if_fail (SY_IS_CONNECTION (connection), FALSE);

  options = sy_connection_get_options (connection);
  return json_object_has_member (options, OPTION_AUTH) &&
         g_strcmp0 (json_object_get_string_member_with_default (options, OPTION_AUTH, NULL), AUTH_LINK) == 0;
}

const char *
sy_connection_get_link_client_id (SyConnection *connection)
{
  g_return_val_if_fail (SY_IS_CONNECTION (connection), NULL);
  return json_object_get_string_member_with_default (sy_connection_get_options (connection),
                                                     OPTION_LINK_CLIENT_ID, NULL);
}

void
sy_connection_set_link_client_id (SyConnection *connection,
                                  const char   *client_id)
{
  JsonObject *options;

  g_return_if_fail (SY_IS_CONNECTION (connection));

  options = sy_connection_get_options (connection);
  if (client_id != NULL)
    {
      json_object_set_string_member (options, OPTION_AUTH, AUTH_LINK);
      json_object_set_string_member (options, OPTION_LINK_CLIENT_ID, client_id);
    }
  else
    {
      if (json_object_has_member (options, OPTION_AUTH))
        json_object_remove_member (options, OPTION_AUTH);
      if (json_object_has_member (options, OPTION_LINK_CLIENT_ID))
        json_object_remove_member (options, OPTION_LINK_CLIENT_ID);
    }
}

/* --- grants ----------------------------------------------------------- */

static char *
dup_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

static gboolean
read_time_member (JsonObject *object,
                  const char *name,
                  gint64     *out)
{
  JsonNode *node = json_object_get_member (object, name);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *out = json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    {
      double value = json_node_get_double (node);

      /* Converting a double beyond gint64's range is undefined. */
      if (!(value >= 0 && value < 1e15))
        return FALSE;
      *out = (gint64) value;
    }
  else if (type == G_TYPE_STRING)
    {
      /* The published schema types it as a string. */
      const char *text = json_node_get_string (node);
      char *end = NULL;
      gint64 value = g_ascii_strtoll (text, &end, 10);

      if (end == text || *end != '\0')
        return FALSE;
      *out = value;
    }
  else
    return FALSE;

  return TRUE;
}

SyTokenGrant *
sy_token_grant_new_from_json (JsonNode  *answer,
                              GError   **error)
{
  g_autoptr(SyTokenGrant) grant = g_new0 (SyTokenGrant, 1);
  JsonObject *object;
  gint64 expires_in = 0;

  /* POST /api/system/connections wraps it in "data". */
  if (answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) &&
      json_object_has_member (json_node_get_object (answer), "data") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (answer), "data")))
    answer = json_object_get_member (json_node_get_object (answer), "data");

  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    {
      g_set_error_literal (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE,
                           _("The token endpoint’s answer is not a JSON object."));
      return NULL;
    }
  object = json_node_get_object (answer);

  grant->access_token = dup_string_member (object, "access_token");
  grant->refresh_token = dup_string_member (object, "refresh_token");
  grant->obtained_at = g_get_real_time () / G_USEC_PER_SEC;
  if (grant->access_token == NULL || *grant->access_token == '\0')
    {
      g_set_error_literal (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE,
                           _("The token endpoint’s answer holds no access token."));
      return NULL;
    }
  if (read_time_member (object, "expires_in", &expires_in) && expires_in > 0)
    grant->expires_at = expires_in <= EXPIRES_IN_DURATION_MAX ? grant->obtained_at + expires_in : expires_in;

  return g_steal_pointer (&grant);
}

SyTokenGrant *
sy_token_grant_copy (const SyTokenGrant *grant)
{
  SyTokenGrant *copy = g_new0 (SyTokenGrant, 1);

  copy->access_token = g_strdup (grant->access_token);
  copy->refresh_token = g_strdup (grant->refresh_token);
  copy->expires_at = grant->expires_at;
  copy->obtained_at = grant->obtained_at;
  return copy;
}

void
sy_token_grant_free (SyTokenGrant *grant)
{
  if (grant == NULL)
    return;
  g_clear_pointer (&grant->access_token, sy_secret_free);
  g_clear_pointer (&grant->refresh_token, sy_secret_free);
  g_free (grant);
}

typedef struct
{
  SySecretStore *secrets;
  char          *connection_id;
  char          *name;
  /* kind, label, value triples still to write, in order. */
  GPtrArray     *items;
  guint          next;
} StoreData;

static void
store_data_free (StoreData *data)
{
  g_clear_object (&data->secrets);
  g_free (data->connection_id);
  g_free (data->name);
  for (guint i = 2; i < data->items->len; i += 3)
    g_clear_pointer (&data->items->pdata[i], sy_secret_free);
  g_ptr_array_unref (data->items);
  g_free (data);
}

static void store_next (GTask *task);

static void
on_item_stored (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!sy_secret_store_store_finish (SY_SECRET_STORE (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  store_next (g_steal_pointer (&task));
}

static void
store_next (GTask *task)
{
  StoreData *data = g_task_get_task_data (task);
  guint i = data->next;

  if (i >= data->items->len)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  data->next += 3;
  sy_secret_store_store_async (data->secrets, data->connection_id,
                               data->items->pdata[i], data->items->pdata[i + 1], data->items->pdata[i + 2],
                               g_task_get_cancellable (task), on_item_stored, task);
}

static void
add_item (StoreData  *data,
          const char *kind,
          char       *label,
          char       *value)
{
  g_ptr_array_add (data->items, g_strdup (kind));
  g_ptr_array_add (data->items, label);
  g_ptr_array_add (data->items, value);
}

void
sy_token_grant_store_async (const SyTokenGrant  *grant,
                            SySecretStore       *secrets,
                            SyConnection        *connection,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  StoreData *data;
  const char *name;

  g_return_if_fail (grant != NULL && grant->access_token != NULL);
  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (SY_IS_CONNECTION (connection));

  name = sy_connection_get_name (connection);
  data = g_new0 (StoreData, 1);
  data->secrets = g_object_ref (secrets);
  data->connection_id = g_strdup (sy_connection_get_id (connection));
  data->items = g_ptr_array_new_with_free_func (g_free);

  if (grant->refresh_token != NULL)
    add_item (data, SY_SECRET_KIND_REFRESH_TOKEN,
              g_strdup_printf (_("Switchyard refresh token for “%s”"), name),
              g_strdup (grant->refresh_token));
  add_item (data, SY_SECRET_KIND_TOKEN_EXPIRY,
            g_strdup_printf (_("Switchyard token expiry for “%s”"), name),
            g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT, grant->expires_at, grant->obtained_at));
  add_item (data, SY_SECRET_KIND_ACCESS_TOKEN,
            g_strdup_printf (_("Switchyard token for “%s”"), name),
            g_strdup (grant->access_token));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_token_grant_store_async);
  g_task_set_task_data (task, data, (GDestroyNotify) store_data_free);
  store_next (task);
}

gboolean
sy_token_grant_store_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- the keeper ------------------------------------------------------- */

static void
sy_token_keeper_finalize (GObject *object)
{
  SyTokenKeeper *self = SY_TOKEN_KEEPER (object);

  {
    g_autoptr(GObject) listed = NULL;

    G_LOCK (keepers);
    if (keepers != NULL)
      {
        GWeakRef *ref = g_hash_table_lookup (keepers, self->registry_key);

        listed = ref != NULL ? g_weak_ref_get (ref) : NULL;
        /* Not listed any more, or listed again by a newer keeper. */
        if (ref != NULL && listed == NULL)
          g_hash_table_remove (keepers, self->registry_key);
      }
    G_UNLOCK (keepers);
    /* Released after the lock: the newer keeper's finalize takes it. */
  }

  g_assert (self->waiters->len == 0);
  g_ptr_array_unref (self->waiters);
  g_clear_pointer (&self->access_token, sy_secret_free);
  g_clear_pointer (&self->refresh_token, sy_secret_free);
  g_clear_pointer (&self->client_secret, sy_secret_free);
  g_clear_pointer (&self->refusing_token, sy_secret_free);
  g_clear_pointer (&self->pending_grant, sy_token_grant_free);
  g_clear_error (&self->refusal);
  g_free (self->registry_key);
  g_clear_object (&self->secrets);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (sy_token_keeper_parent_class)->finalize (object);
}

static void
sy_token_keeper_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SyTokenKeeper *self = SY_TOKEN_KEEPER (object);

  switch (prop_id)
    {
    case PROP_NEEDS_RECONNECT:
      g_value_set_boolean (value, self->needs_reconnect);
      break;
    case PROP_EXPIRES_AT:
      g_value_set_int64 (value, self->expires_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_token_keeper_class_init (SyTokenKeeperClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_token_keeper_finalize;
  object_class->get_property = sy_token_keeper_get_property;

  properties[PROP_NEEDS_RECONNECT] =
    g_param_spec_boolean ("needs-reconnect", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXPIRES_AT] =
    g_param_spec_int64 ("expires-at", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_token_keeper_init (SyTokenKeeper *self)
{
  self->waiters = g_ptr_array_new ();
}

static void
set_needs_reconnect (SyTokenKeeper *self,
                     gboolean       needs_reconnect)
{
  if (self->needs_reconnect == needs_reconnect)
    return;
  self->needs_reconnect = needs_reconnect;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEEDS_RECONNECT]);
}

static void
set_expiry (SyTokenKeeper *self,
            gint64         expires_at,
            gint64         obtained_at)
{
  self->obtained_at = obtained_at;
  if (self->expires_at == expires_at)
    return;
  self->expires_at = expires_at;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPIRES_AT]);
}

static void
use_grant (SyTokenKeeper      *self,
           const SyTokenGrant *grant)
{
  g_clear_pointer (&self->access_token, sy_secret_free);
  self->access_token = g_strdup (grant->access_token);
  if (grant->refresh_token != NULL)
    {
      g_clear_pointer (&self->refresh_token, sy_secret_free);
      self->refresh_token = g_strdup (grant->refresh_token);
    }
  self->ahead_retry_after = 0;
  set_expiry (self, grant->expires_at, grant->obtained_at);
}

static gboolean
parse_expiry (const char *text,
              gint64     *expires_at,
              gint64     *obtained_at)
{
  g_auto(GStrv) parts = text ? g_strsplit (text, " ", 3) : NULL;

  if (parts == NULL || g_strv_length (parts) != 2)
    return FALSE;
  *expires_at = g_ascii_strtoll (parts[0], NULL, 10);
  *obtained_at = g_ascii_strtoll (parts[1], NULL, 10);
  return TRUE;
}

SyTokenKeeper *
sy_token_keeper_lookup (SySecretStore *secrets,
                        const char    *connection_id)
{
  g_autofree char *key = registry_key (secrets, connection_id);
  SyTokenKeeper *keeper = NULL;

  G_LOCK (keepers);
  if (keepers != NULL)
    {
      GWeakRef *ref = g_hash_table_lookup (keepers, key);

      if (ref != NULL)
        keeper = g_weak_ref_get (ref);
    }
  G_UNLOCK (keepers);

  return keeper;
}

/* --- reading the keyring ---------------------------------------------- */

/* Reads the connection's secrets into a grant-like snapshot, in order:
 * access token, refresh token, expiry, client secret. */
typedef struct
{
  SySecretStore *secrets;
  char          *connection_id;
  SyTokenGrant  *grant;
  char          *client_secret;
  guint          step;
} ReadData;

static const char *read_kinds[] = {
  SY_SECRET_KIND_ACCESS_TOKEN,
  SY_SECRET_KIND_REFRESH_TOKEN,
  SY_SECRET_KIND_TOKEN_EXPIRY,
  SY_SECRET_KIND_CLIENT_SECRET,
};

static void
read_data_free (ReadData *data)
{
  g_clear_object (&data->secrets);
  g_free (data->connection_id);
  sy_token_grant_free (data->grant);
  g_clear_pointer (&data->client_secret, sy_secret_free);
  g_free (data);
}

static void read_next (GTask *task);

static void
on_secret_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *value;

  value = sy_secret_store_lookup_finish (SY_SECRET_STORE (source), result, &error);
  if (value == NULL && !g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  switch (data->step)
    {
    case 0:
      data->grant->access_token = value;
      break;
    case 1:
      data->grant->refresh_token = value;
      break;
    case 2:
      if (!parse_expiry (value, &data->grant->expires_at, &data->grant->obtained_at))
        data->grant->expires_at = data->grant->obtained_at = 0;
      sy_secret_free (value);
      break;
    default:
      data->client_secret = value;
      break;
    }
  data->step++;
  read_next (g_steal_pointer (&task));
}

static void
read_next (GTask *task)
{
  ReadData *data = g_task_get_task_data (task);

  if (data->step >= G_N_ELEMENTS (read_kinds))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  sy_secret_store_lookup_async (data->secrets, data->connection_id, read_kinds[data->step],
                                g_task_get_cancellable (task), on_secret_read, task);
}

static void
read_secrets_async (SySecretStore       *secrets,
                    const char          *connection_id,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  ReadData *data = g_new0 (ReadData, 1);

  data->secrets = g_object_ref (secrets);
  data->connection_id = g_strdup (connection_id);
  data->grant = g_new0 (SyTokenGrant, 1);
  g_task_set_source_tag (task, read_secrets_async);
  g_task_set_task_data (task, data, (GDestroyNotify) read_data_free);
  read_next (task);
}

static ReadData *
read_secrets_finish (GAsyncResult  *result,
                     GError       **error)
{
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_task_get_task_data (G_TASK (result));
}

/* --- obtaining a keeper ----------------------------------------------- */

static void
on_keeper_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(SyTokenKeeper) keeper = NULL;
  SySecretStore *secrets = g_object_get_data (G_OBJECT (task), "sy-secrets");
  SyConnection *connection = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  ReadData *data;

  data = read_secrets_finish (result, &error);
  if (data == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (data->grant->access_token == NULL)
    {
      g_task_return_new_error (task, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND,
                               _("The keyring holds no token for “%s”."),
                               sy_connection_get_name (connection));
      return;
    }

  /* Another load may have finished first: there is one keeper. */
  keeper = sy_token_keeper_lookup (secrets, sy_connection_get_id (connection));
  if (keeper == NULL)
    {
      keeper = g_object_new (SY_TYPE_TOKEN_KEEPER, NULL);
      keeper->secrets = g_object_ref (secrets);
      keeper->connection = g_object_ref (connection);
      keeper->registry_key = registry_key (secrets, sy_connection_get_id (connection));
      use_grant (keeper, data->grant);
      keeper->client_secret = g_steal_pointer (&data->client_secret);

      GWeakRef *ref = g_new0 (GWeakRef, 1);

      g_weak_ref_init (ref, keeper);
      G_LOCK (keepers);
      if (keepers == NULL)
        keepers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_weak_ref);
      g_hash_table_replace (keepers, g_strdup (keeper->registry_key), ref);
      G_UNLOCK (keepers);
    }

  g_task_return_pointer (task, g_steal_pointer (&keeper), g_object_unref);
}

void
sy_token_keeper_obtain_async (SySecretStore       *secrets,
                              SyConnection        *connection,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SyTokenKeeper *keeper;

  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (SY_IS_CONNECTION (connection));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_token_keeper_obtain_async);
  g_task_set_task_data (task, g_object_ref (connection), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "sy-secrets", g_object_ref (secrets), g_object_unref);

  keeper = sy_token_keeper_lookup (secrets, sy_connection_get_id (connection));
  if (keeper != NULL)
    {
      g_task_return_pointer (task, keeper, g_object_unref);
      return;
    }

  read_secrets_async (secrets, sy_connection_get_id (connection), cancellable,
                      on_keeper_loaded, g_steal_pointer (&task));
}

SyTokenKeeper *
sy_token_keeper_obtain_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sy_token_keeper_take_grant (SyTokenKeeper      *self,
                            const SyTokenGrant *grant,
                            const char         *client_secret)
{
  g_return_if_fail (SY_IS_TOKEN_KEEPER (self));
  g_return_if_fail (grant != NULL);

  self->generation++;
  /* Given only once stored: the keyring's pair is this one. */
  self->keyring_stale = FALSE;
  use_grant (self, grant);
  if (client_secret != NULL)
    {
      g_clear_pointer (&self->client_secret, sy_secret_free);
      self->client_secret = g_strdup (client_secret);
    }
  if (sy_connection_get_status (self->connection) == SY_CONNECTION_STATUS_NEEDS_REAUTH)
    sy_connection_set_status (self->connection, SY_CONNECTION_STATUS_ACTIVE, NULL);
  set_needs_reconnect (self, FALSE);
}

gboolean
sy_token_keeper_get_needs_reconnect (SyTokenKeeper *self)
{
  g_return_val_if_fail (SY_IS_TOKEN_KEEPER (self), FALSE);
  return self->needs_reconnect;
}

gint64
sy_token_keeper_get_expires_at (SyTokenKeeper *self)
{
  g_return_val_if_fail (SY_IS_TOKEN_KEEPER (self), 0);
  return self->expires_at;
}

guint
sy_token_keeper_get_refresh_count (SyTokenKeeper *self)
{
  g_return_val_if_fail (SY_IS_TOKEN_KEEPER (self), 0);
  return self->refresh_count;
}

/* --- refreshing ------------------------------------------------------- */

static void
finish_refresh (SyTokenKeeper *self,
                const GError  *error)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

  self->waiters = g_ptr_array_new ();
  self->refreshing = FALSE;
  g_clear_pointer (&self->refusing_token, sy_secret_free);
  g_clear_pointer (&self->pending_grant, sy_token_grant_free);
  g_clear_error (&self->refusal);
  self->after_refusal_reads = 0;

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = waiters->pdata[i];

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

static GError *
needs_reconnect_error (SyTokenKeeper *self,
                       const GError  *cause)
{
  g_autofree char *reason = cause != NULL ? sy_describe_error_one_line (cause) : NULL;

  if (reason != NULL)
    return g_error_new (SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED,
                        _("“%s” needs reconnecting: the server would not renew its sign-in (%s). Reconnect it to go on."),
                        sy_connection_get_name (self->connection), reason);
  return g_error_new (SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED,
                      _("“%s” needs reconnecting: its sign-in has expired. Reconnect it to go on."),
                      sy_connection_get_name (self->connection));
}

static void
become_disconnected (SyTokenKeeper *self,
                     const GError  *cause)
{
  g_autoptr(GError) error = needs_reconnect_error (self, cause);

  set_needs_reconnect (self, TRUE);
  sy_connection_set_status (self->connection, SY_CONNECTION_STATUS_NEEDS_REAUTH, error->message);
  finish_refresh (self, error);
}

/* A new sign-in was handed over while this refresh ran: its outcome is
 * moot, and the waiters send again with the new token. */
static gboolean
superseded (SyTokenKeeper *self)
{
  if (self->refresh_generation == self->generation)
    return FALSE;
  finish_refresh (self, NULL);
  return TRUE;
}

/* A pair that works again: whatever said "needs reconnecting" is over. */
static void
mend (SyTokenKeeper *self)
{
  if (sy_connection_get_status (self->connection) == SY_CONNECTION_STATUS_NEEDS_REAUTH)
    sy_connection_set_status (self->connection, SY_CONNECTION_STATUS_ACTIVE, NULL);
  set_needs_reconnect (self, FALSE);
}

static void
on_refreshed_pair_stored (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(SyTokenKeeper) self = user_data;
  g_autoptr(GError) error = NULL;

  if (superseded (self))
    return;

  /* The old pair is gone at the server: the new one is the only one that
   * works, kept or not. The keyring's is spent and must not be adopted. */
  self->keyring_stale = !sy_token_grant_store_finish (result, &error);
  if (self->keyring_stale)
    g_message ("The renewed sign-in of “%s” could not be kept in the keyring: %s",
               sy_connection_get_name (self->connection), error->message);

  use_grant (self, self->pending_grant);
  set_needs_reconnect (self, FALSE);
  finish_refresh (self, NULL);
}

/* Takes the keyring's pair when another process renewed or reconnected
 * the connection, and ends the refresh: only once that pair is whole (its
 * access token, written last, is new) and only when the keyring's pair is
 * not one this keeper knows to be spent. */
static gboolean
adopt_whole_keyring_pair (SyTokenKeeper *self,
                          ReadData      *data)
{
  if (self->keyring_stale || data == NULL || data->grant->access_token == NULL ||
      g_strcmp0 (data->grant->access_token, self->access_token) == 0 ||
      g_strcmp0 (data->grant->access_token, self->refusing_token) == 0)
    return FALSE;

  g_debug ("The sign-in of “%s” was renewed by another process", sy_connection_get_name (self->connection));
  use_grant (self, data->grant);
  if (data->client_secret != NULL)
    {
      g_clear_pointer (&self->client_secret, sy_secret_free);
      self->client_secret = g_steal_pointer (&data->client_secret);
    }
  mend (self);
  finish_refresh (self, NULL);
  return TRUE;
}

#define AFTER_REFUSAL_READS 10
#define AFTER_REFUSAL_WAIT_MS 200

static void on_keyring_checked_after_refusal (GObject *, GAsyncResult *, gpointer);

static gboolean
reread_after_refusal (gpointer user_data)
{
  SyTokenKeeper *self = user_data;

  read_secrets_async (self->secrets, sy_connection_get_id (self->connection), NULL,
                      on_keyring_checked_after_refusal, self);
  return G_SOURCE_REMOVE;
}

static void
on_keyring_checked_after_refusal (GObject      *source,
                                  GAsyncResult *result,
                                  gpointer      user_data)
{
  g_autoptr(SyTokenKeeper) self = user_data;
  g_autoptr(GError) cause = NULL;
  ReadData *data = read_secrets_finish (result, NULL);

  if (superseded (self))
    return;

  /* Another process refreshed first and holds the new pair. */
  if (adopt_whole_keyring_pair (self, data))
    return;
  /* Its refresh token is new but not its access token yet: being written. */
  if (!self->keyring_stale && data != NULL && data->grant->refresh_token != NULL &&
      g_strcmp0 (data->grant->refresh_token, self->refresh_token) != 0 &&
      ++self->after_refusal_reads < AFTER_REFUSAL_READS)
    {
      g_timeout_add (AFTER_REFUSAL_WAIT_MS, reread_after_refusal, g_steal_pointer (&self));
      return;
    }
  self->after_refusal_reads = 0;
  cause = g_steal_pointer (&self->refusal);
  become_disconnected (self, cause);
}

static void
on_token_answer (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SyTokenKeeper) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(SyTokenGrant) grant = NULL;

  if (superseded (self))
    return;

  answer = sy_api_client_post_form_finish (SY_API_CLIENT (source), result, &error);
  if (answer != NULL)
    grant = sy_token_grant_new_from_json (answer, &error);
  if (grant == NULL)
    {
      guint status = sy_api_error_get_status (error);

      /* 400 invalid_grant, 401 invalid_client: this pair will not come
       * back. Anything else (unreachable, 5xx) may pass. */
      if (status == 400 || status == 401 || status == 403)
        {
          self->refusal = g_steal_pointer (&error);
          read_secrets_async (self->secrets, sy_connection_get_id (self->connection), NULL,
                              on_keyring_checked_after_refusal, g_object_ref (self));
          return;
        }
      finish_refresh (self, error);
      return;
    }
  if (grant->refresh_token == NULL)
    grant->refresh_token = g_strdup (self->refresh_token);

  self->pending_grant = g_steal_pointer (&grant);
  sy_token_grant_store_async (self->pending_grant, self->secrets, self->connection, NULL,
                              on_refreshed_pair_stored, g_object_ref (self));
}

static void
refresh_at_server (SyTokenKeeper *self)
{
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(GError) error = NULL;
  const char *client_id = sy_connection_get_link_client_id (self->connection);

  if (self->refresh_token == NULL || client_id == NULL || self->client_secret == NULL)
    {
      become_disconnected (self, NULL);
      return;
    }

  client = sy_connection_create_client (self->connection, NULL, &error);
  if (client == NULL)
    {
      finish_refresh (self, error);
      return;
    }

  self->refresh_count++;
  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (form, (gpointer) "grant_type", (gpointer) "refresh_token");
  g_hash_table_insert (form, (gpointer) "refresh_token", self->refresh_token);
  g_hash_table_insert (form, (gpointer) "client_id", (gpointer) client_id);
  g_hash_table_insert (form, (gpointer) "client_secret", self->client_secret);
  g_debug ("Refreshing the token of “%s”", sy_connection_get_name (self->connection));
  sy_api_client_post_form_async (client, TOKEN_PATH, form, NULL, on_token_answer, g_object_ref (self));
}

static void
on_keyring_checked_before (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(SyTokenKeeper) self = user_data;
  ReadData *data = read_secrets_finish (result, NULL);

  if (superseded (self))
    return;

  /* Another process (the CLI beside the app) may have refreshed or
   * reconnected: its pair is in the keyring, and ours is no longer valid. */
  if (adopt_whole_keyring_pair (self, data))
    return;
  /* Refused before: the refresh token is spent, and only a Reconnect
   * (seen above, in the keyring) mends it. */
  if (self->needs_reconnect)
    {
      g_autoptr(GError) error = g_error_new_literal (SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED,
                                                     sy_connection_get_status_message (self->connection) != NULL
                                                       ? sy_connection_get_status_message (self->connection)
                                                       : _("The connection needs reconnecting."));

      finish_refresh (self, error);
      return;
    }
  refresh_at_server (self);
}

static char *
keeper_dup_token (SyApiAuthenticator *authenticator)
{
  SyTokenKeeper *self = SY_TOKEN_KEEPER (authenticator);

  return g_strdup (self->access_token);
}

static gint64
refresh_ahead_s (SyTokenKeeper *self)
{
  gint64 lifetime = self->expires_at - self->obtained_at;

  if (self->obtained_at <= 0 || lifetime <= 0)
    return REFRESH_AHEAD_MAX_S;
  return MIN (REFRESH_AHEAD_MAX_S, lifetime / REFRESH_AHEAD_SHARE);
}

static gboolean
keeper_wants_refresh (SyApiAuthenticator *authenticator)
{
  SyTokenKeeper *self = SY_TOKEN_KEEPER (authenticator);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (self->expires_at <= 0 || self->needs_reconnect || now < self->ahead_retry_after)
    return FALSE;
  return now >= self->expires_at - refresh_ahead_s (self);
}

static void
keeper_refresh_async (SyApiAuthenticator  *authenticator,
                      const char          *refused_token,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  SyTokenKeeper *self = SY_TOKEN_KEEPER (authenticator);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_task_set_source_tag (task, keeper_refresh_async);

  /* Already replaced (by a refresh that another request asked for): the
   * caller only needs to send again, unless the new one is expiring too. */
  if (!self->refreshing && g_strcmp0 (refused_token, self->access_token) != 0 && self->access_token != NULL &&
      (self->expires_at <= 0 || now < self->expires_at - refresh_ahead_s (self)))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  g_ptr_array_add (self->waiters, task);
  if (self->refreshing)
    return;

  self->refreshing = TRUE;
  self->refresh_generation = self->generation;
  self->refusing_token = g_strdup (refused_token);
  read_secrets_async (self->secrets, sy_connection_get_id (self->connection), NULL,
                      on_keyring_checked_before, g_object_ref (self));
}

static gboolean
keeper_refresh_finish (SyApiAuthenticator  *authenticator,
                       GAsyncResult        *result,
                       GError             **error)
{
  SyTokenKeeper *self = SY_TOKEN_KEEPER (authenticator);
  g_autoptr(GError) local_error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &local_error))
    {
      /* A refresh ahead of expiry that failed is not tried at once again. */
      if (!self->needs_reconnect)
        self->ahead_retry_after = g_get_real_time () / G_USEC_PER_SEC + REFRESH_AHEAD_RETRY_S;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static void
sy_token_keeper_authenticator_init (SyApiAuthenticatorInterface *iface)
{
  iface->dup_token = keeper_dup_token;
  iface->wants_refresh = keeper_wants_refresh;
  iface->refresh_async = keeper_refresh_async;
  iface->refresh_finish = keeper_refresh_finish;
}
