/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-sync-settings.h"

/* How a connection's token travels: the rules every client is made by. */

/* A bundle of CA certificates is a few hundred KB at most; anything much
 * larger is not one (or is /dev/zero). */
#define CA_FILE_MAX_BYTES (4 * 1024 * 1024)

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

static void
free_connection_ref (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static GQuark
client_connection_quark (void)
{
  return g_quark_from_static_string ("sy-client-connection");
}

SyConnection *
sy_connection_dup_for_client (SyApiClient *client)
{
  GWeakRef *ref;

  g_return_val_if_fail (SY_IS_API_CLIENT (client), NULL);

  ref = g_object_get_qdata (G_OBJECT (client), client_connection_quark ());
  return ref != NULL ? g_weak_ref_get (ref) : NULL;
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

  /* Weak: a client may outlive the connection it was made for (removed
   * during a sync), and must not keep it alive. */
  {
    GWeakRef *ref = g_new0 (GWeakRef, 1);

    g_weak_ref_init (ref, connection);
    g_object_set_qdata_full (G_OBJECT (client), client_connection_quark (), ref, free_connection_ref);
  }

  return g_steal_pointer (&client);
}

