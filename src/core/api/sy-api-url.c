/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-api"

#include <string.h>

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "sy-api-client.h"
#include "sy-api-url-private.h"

/* The addresses the client is given: the API's base URL, and the paths
 * of entities under it. */

GError *
sy_api_invalid_url_error (const char *message)
{
  return sy_api_error_new_full (SY_API_ERROR_INVALID_URL, 0, NULL, 0, NULL, message);
}

/* Parses and normalises a base URL: http or https, a host, no user info
 * (credentials belong in the keyring), no query or fragment, and no
 * trailing slash so that paths can be appended as they are. */
GUri *
sy_api_parse_base_url (const char  *base_url,
                       GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *stripped = NULL;
  g_autofree char *path = NULL;
  const char *scheme;
  const char *host;
  gboolean is_https;
  int port;

  if (base_url == NULL || *base_url == '\0')
    {
      g_propagate_error (error, sy_api_invalid_url_error (_("Enter the address of the API, for example https://api.makini.io.")));
      return NULL;
    }

  stripped = g_strstrip (g_strdup (base_url));
  uri = g_uri_parse (stripped, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a web address. Enter an address such as https://api.makini.io."), stripped);
      g_propagate_error (error, sy_api_invalid_url_error (message));
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_autofree char *message = g_strdup_printf (_("The address must start with https:// (or http:// for a local server), not “%s:”."), scheme);
      g_propagate_error (error, sy_api_invalid_url_error (message));
      return NULL;
    }

  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    {
      g_autofree char *message = g_strdup_printf (_("The address “%s” has no server name. Enter an address such as https://api.makini.io."), stripped);
      g_propagate_error (error, sy_api_invalid_url_error (message));
      return NULL;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_propagate_error (error, sy_api_invalid_url_error (_("The address must not contain a user name or password; the token is entered separately.")));
      return NULL;
    }

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_propagate_error (error, sy_api_invalid_url_error (_("The address must not contain “?” or “#”. Enter only the server’s address, such as https://api.makini.io.")));
      return NULL;
    }

  path = g_strdup (g_uri_get_path (uri));
  while (*path != '\0' && path[strlen (path) - 1] == '/')
    path[strlen (path) - 1] = '\0';

  is_https = g_ascii_strcasecmp (scheme, "https") == 0;
  port = g_uri_get_port (uri);
  if ((is_https && port == 443) || (!is_https && port == 80))
    port = -1;

  /* Without scheme normalisation, so that the default port stays implicit
   * (-1) rather than being reported as 443 or 80. */
  return g_uri_build (G_URI_FLAGS_ENCODED, is_https ? "https" : "http",
                      NULL, host, port, path, NULL, NULL);
}

static gboolean
is_safe_path_segment (const char *segment)
{
  if (*segment == '\0' || strcmp (segment, ".") == 0 || strcmp (segment, "..") == 0)
    return FALSE;

  for (const char *c = segment; *c != '\0'; c++)
    {
      if (!(g_ascii_islower (*c) || g_ascii_isdigit (*c) || *c == '-' || *c == '.' || *c == '_'))
        return FALSE;
    }

  return TRUE;
}

char *
sy_api_client_entity_path (const char  *entity,
                           GError     **error)
{
  g_auto(GStrv) segments = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (entity != NULL && *entity != '\0')
    segments = g_strsplit (entity, "/", -1);

  if (segments == NULL || g_strv_length (segments) < 2)
    goto invalid;

  for (guint i = 0; segments[i] != NULL; i++)
    {
      if (!is_safe_path_segment (segments[i]))
        goto invalid;
    }

  return g_strconcat ("/api/", entity, NULL);

invalid:
  {
    g_autofree char *message = g_strdup_printf (_("“%s” is not an entity name. Use the domain and the entity, for example wms/sales-orders."),
                                                entity ? entity : "");
    g_propagate_error (error, sy_api_invalid_url_error (message));
    return NULL;
  }
}
