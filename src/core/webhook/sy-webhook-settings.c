/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sy-error.h"
#include "sy-webhook-settings.h"

#define OPTION_WEBHOOK "webhook"
#define MEMBER_SCHEME  "scheme"
#define MEMBER_HEADER  "header"
#define MEMBER_RECEIVE "receive"
#define MEMBER_ENABLED "enabled"
#define MEMBER_ADDRESS "address"
#define MEMBER_PORT    "port"

/* A shared secret is a short string; anything longer is a wrong pipe. */
#define SECRET_MAX_BYTES 4096

static JsonObject *
webhook_options (SyConnection *connection)
{
  JsonObject *options = sy_connection_get_options (connection);
  JsonNode *node;

  if (options == NULL)
    return NULL;
  node = json_object_get_member (options, OPTION_WEBHOOK);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

static const char *
string_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

SyWebhookScheme
sy_webhook_settings_get_scheme (SyConnection *connection)
{
  SyWebhookScheme scheme = SY_WEBHOOK_SCHEME_MAKINI;
  const char *text;

  g_return_val_if_fail (SY_IS_CONNECTION (connection), SY_WEBHOOK_SCHEME_MAKINI);

  text = string_member (webhook_options (connection), MEMBER_SCHEME);
  if (text == NULL || !sy_webhook_scheme_from_string (text, &scheme))
    return SY_WEBHOOK_SCHEME_MAKINI;
  return scheme;
}

const char *
sy_webhook_settings_get_header (SyConnection *connection)
{
  const char *header;

  g_return_val_if_fail (SY_IS_CONNECTION (connection), NULL);

  header = string_member (webhook_options (connection), MEMBER_HEADER);
  /* A hand-edited file may hold anything; a header that cannot be one
   * would make every delivery "missing its signature". */
  if (header == NULL || !sy_webhook_settings_validate_header (header, NULL))
    return sy_webhook_scheme_default_header (sy_webhook_settings_get_scheme (connection));
  return header;
}

gboolean
sy_webhook_settings_is_configured (SyConnection *connection)
{
  g_return_val_if_fail (SY_IS_CONNECTION (connection), FALSE);

  return webhook_options (connection) != NULL;
}

void
sy_webhook_settings_set (SyConnection    *connection,
                         SyWebhookScheme  scheme,
                         const char      *header)
{
  JsonObject *options;
  JsonObject *webhook;

  g_return_if_fail (SY_IS_CONNECTION (connection));
  g_return_if_fail (header == NULL || sy_webhook_settings_validate_header (header, NULL));

  options = sy_connection_get_options (connection);
  webhook = webhook_options (connection);
  if (webhook == NULL)
    {
      webhook = json_object_new ();
      json_object_set_object_member (options, OPTION_WEBHOOK, webhook);
    }

  /* Other members (a later version's) are kept. */
  json_object_set_string_member (webhook, MEMBER_SCHEME, sy_webhook_scheme_to_string (scheme));
  json_object_set_string_member (webhook, MEMBER_HEADER,
                                 header != NULL ? header : sy_webhook_scheme_default_header (scheme));
}

gboolean
sy_webhook_settings_get_receiver (SyConnection  *connection,
                                  char         **address,
                                  guint         *port)
{
  JsonObject *webhook;
  JsonNode *node;
  JsonObject *receive = NULL;
  gboolean enabled = FALSE;
  const char *text;
  gint64 number = 0;

  g_return_val_if_fail (SY_IS_CONNECTION (connection), FALSE);

  webhook = webhook_options (connection);
  node = webhook != NULL ? json_object_get_member (webhook, MEMBER_RECEIVE) : NULL;
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    receive = json_node_get_object (node);

  /* A hand-edited file may hold anything: what is not right is not there. */
  node = receive != NULL ? json_object_get_member (receive, MEMBER_ENABLED) : NULL;
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    enabled = json_node_get_boolean (node);
  node = receive != NULL ? json_object_get_member (receive, MEMBER_PORT) : NULL;
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    number = json_node_get_int (node);
  text = string_member (receive, MEMBER_ADDRESS);

  if (address != NULL)
    *address = text != NULL && *text != '\0' ? g_strdup (text) : NULL;
  if (port != NULL)
    *port = number > 0 && number <= 65535 ? (guint) number : 0;
  return enabled;
}

void
sy_webhook_settings_set_receiver (SyConnection *connection,
                                  gboolean      enabled,
                                  const char   *address,
                                  guint         port)
{
  JsonObject *webhook;
  JsonObject *receive;

  g_return_if_fail (SY_IS_CONNECTION (connection));
  g_return_if_fail (port <= 65535);

  webhook = webhook_options (connection);
  if (webhook == NULL)
    {
      /* The scheme and header the connection has until now, kept. */
      sy_webhook_settings_set (connection, sy_webhook_settings_get_scheme (connection), NULL);
      webhook = webhook_options (connection);
    }
  receive = json_object_new ();
  json_object_set_boolean_member (receive, MEMBER_ENABLED, enabled);
  json_object_set_string_member (receive, MEMBER_ADDRESS, address != NULL ? address : "127.0.0.1");
  json_object_set_int_member (receive, MEMBER_PORT, port);
  json_object_set_object_member (webhook, MEMBER_RECEIVE, receive);
}

gboolean
sy_webhook_settings_validate_header (const char  *header,
                                     GError     **error)
{
  /* RFC 9110 §5.6.2: a header name is a token. */
  static const char tchar_punctuation[] = "!#$%&'*+-.^_`|~";

  if (header == NULL || *header == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The signature header name is empty"));
      return FALSE;
    }
  for (const char *p = header; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (tchar_punctuation, *p) == NULL)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _("“%s” cannot be an HTTP header name: use letters, digits and dashes, e.g. X-Signature"),
                     g_utf8_validate (header, -1, NULL) ? header : "?");
        return FALSE;
      }
  return TRUE;
}

gboolean
sy_webhook_settings_validate_secret (const char  *secret,
                                     GError     **error)
{
  gsize length = secret != NULL ? strlen (secret) : 0;

  if (length == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The webhook secret is empty"));
      return FALSE;
    }
  if (length > SECRET_MAX_BYTES)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The webhook secret is too long"));
      return FALSE;
    }
  for (const char *p = secret; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             _("The webhook secret contains control characters; give it on one line"));
        return FALSE;
      }
  return TRUE;
}

/* The one place the keyring entry's label is made. */
static char *
secret_label (SyConnection *connection)
{
  return g_strdup_printf (_("Switchyard webhook secret for “%s”"), sy_connection_get_name (connection));
}

void
sy_webhook_settings_store_secret_async (SySecretStore       *secrets,
                                        SyConnection        *connection,
                                        const char          *secret,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autofree char *label = NULL;

  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (SY_IS_CONNECTION (connection));
  g_return_if_fail (secret != NULL);

  label = secret_label (connection);
  sy_secret_store_store_async (secrets, sy_connection_get_id (connection), SY_SECRET_KIND_WEBHOOK_SECRET,
                               label, secret, cancellable, callback, user_data);
}

gboolean
sy_webhook_settings_store_secret_finish (SySecretStore  *secrets,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  return sy_secret_store_store_finish (secrets, result, error);
}

static void
secret_found_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyConnection *connection = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = sy_secret_store_lookup_finish (SY_SECRET_STORE (source), result, &error);
  if (secret == NULL && (error == NULL || g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND)))
    g_task_return_new_error (task, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND,
                             _("The keyring holds no webhook secret for “%s”: set one with “switchyard-cli webhook secret NAME --secret-stdin”"),
                             sy_connection_get_name (connection));
  else if (secret == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, secret, (GDestroyNotify) sy_secret_free);
}

void
sy_webhook_settings_lookup_secret_async (SySecretStore       *secrets,
                                         SyConnection        *connection,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (SY_IS_CONNECTION (connection));

  task = g_task_new (secrets, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_webhook_settings_lookup_secret_async);
  g_task_set_task_data (task, g_object_ref (connection), g_object_unref);
  sy_secret_store_lookup_async (secrets, sy_connection_get_id (connection), SY_SECRET_KIND_WEBHOOK_SECRET,
                                cancellable, secret_found_cb, task);
}

char *
sy_webhook_settings_lookup_secret_finish (SySecretStore  *secrets,
                                          GAsyncResult   *result,
                                          GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, secrets), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_webhook_settings_lookup_secret_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
