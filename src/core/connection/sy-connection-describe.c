/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-connection-services.h"
#include "sy-error.h"

/* The words the GUI and the CLI share for platforms and errors. */

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

