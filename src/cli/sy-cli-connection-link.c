/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sy-cli-connection-private.h"
#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-link-admin.h"
#include "sy-link-sign-in.h"
#include "sy-sync-settings.h"

/* Room for a client secret and a provider's credentials, not for a file
 * piped in by mistake. */
#define SECRETS_MAX_BYTES (64 * 1024)
#define DEFAULT_LINK_TIMEOUT_S 300

/* Standard input, wiped when freed: a client secret on its first line,
 * then (for create) one credential per line as FIELD=VALUE. */
typedef struct
{
  char   *buffer;
  GStrv   lines;
} StdinSecrets;

static void
stdin_secrets_free (StdinSecrets *secrets)
{
  if (secrets == NULL)
    return;
  for (guint i = 0; secrets->lines != NULL && secrets->lines[i] != NULL; i++)
    explicit_bzero (secrets->lines[i], strlen (secrets->lines[i]));
  g_strfreev (secrets->lines);
  sy_cli_stdin_free (secrets->buffer, SECRETS_MAX_BYTES);
  g_free (secrets);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC ( StdinSecrets,
                                stdin_secrets_free)

static StdinSecrets *
read_secrets (const char  *prompt,
              GError     **error)
{
  g_autoptr(StdinSecrets) secrets = g_new0 (StdinSecrets, 1);
  gsize length = 0;

  secrets->buffer = sy_cli_read_stdin (prompt, SECRETS_MAX_BYTES, &length);
  if (length > SECRETS_MAX_BYTES)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The data on standard input is too long to be a client secret and credentials"));
      return NULL;
    }
  secrets->lines = g_strsplit (secrets->buffer, "\n", -1);
  for (guint i = 0; secrets->lines[i] != NULL; i++)
    g_strstrip (secrets->lines[i]);
  if (secrets->lines[0] == NULL || *secrets->lines[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("No client secret on standard input: write the integration app’s client secret on its first line"));
      return NULL;
    }
  for (const char *p = secrets->lines[0]; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p) || *p == ' ')
      {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             _("The client secret on standard input contains spaces or control characters; give it alone on the first line"));
        return NULL;
      }
  return g_steal_pointer (&secrets);
}

/* The connection as the options describe it: address, CA file, insecure
 * http; an existing one of that name keeps its address unless told. */
static SyConnection *
describe_connection (const char    *name,
                     SyConnection  *existing,
                     const char    *url,
                     const char    *ca_file,
                     gboolean       allow_insecure_http,
                     GError       **error)
{
  g_autofree char *address = NULL;
  g_autoptr(SyConnection) wanted = NULL;

  if (!sy_connection_validate_name (name, error))
    return NULL;
  if (url != NULL)
    address = g_strdup (url);
  else if (existing != NULL)
    address = g_strdup (sy_connection_get_base_url (existing));
  else
    address = sy_settings_get_default_base_url ();
  if (!sy_connection_validate_base_url (address, error))
    return NULL;

  wanted = sy_connection_new (existing != NULL ? sy_connection_get_name (existing) : name, address);
  sy_connection_set_allow_insecure_http (wanted, allow_insecure_http);
  if (ca_file != NULL)
    {
      g_autofree char *absolute = g_canonicalize_filename (ca_file, NULL);

      sy_connection_set_ca_file (wanted, absolute);
    }
  else if (existing != NULL)
    sy_connection_set_ca_file (wanted, sy_connection_get_ca_file (existing));

  if (!sy_connection_check_transport (wanted, error))
    return NULL;
  return g_steal_pointer (&wanted);
}

static int
report_added (SyCliContext *context,
              SyConnection *connection,
              gboolean      reconnected)
{
  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) node = sy_cli_connection_to_json (connection);
      sy_cli_print_json (node, FALSE);
    }
  else if (sy_connection_get_platform (connection) != NULL)
    g_print (reconnected ? _("Reconnected “%s” (%s)\n") : _("Added “%s” (%s)\n"),
             sy_connection_get_name (connection), sy_connection_get_platform (connection));
  else
    g_print (reconnected ? _("Reconnected “%s”\n") : _("Added “%s”\n"), sy_connection_get_name (connection));
  return SY_CLI_EXIT_OK;
}

static int
link_error_exit_code (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return SY_CLI_EXIT_CONNECTION;
  return sy_cli_exit_code_for_error (error);
}

static gboolean
has_browser (void)
{
  return g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL;
}

int
sy_cli_connection_link (SyCliContext   *context,
                        char         ***args)
{
  g_autofree char *url = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *ca_file = NULL;
  gboolean secret_stdin = FALSE;
  gboolean allow_insecure_http = FALSE;
  gboolean no_browser = FALSE;
  int timeout_s = DEFAULT_LINK_TIMEOUT_S;
  const GOptionEntry entries[] = {
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &client_id,
      N_("The integration app’s client id (required)"), N_("ID") },
    { "client-secret-stdin", 0, 0, G_OPTION_ARG_NONE, &secret_stdin,
      N_("Read the integration app’s client secret from standard input (required)"), NULL },
    { "url", 0, 0, G_OPTION_ARG_STRING, &url,
      N_("The API's base URL (default: the connection's, or the preferences' default)"), N_("URL") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("Trust the certificate authorities in this PEM file for the connection, instead of the system's"), N_("FILE") },
    { "allow-insecure-http", 0, 0, G_OPTION_ARG_NONE, &allow_insecure_http,
      N_("Allow a plain http:// URL to another machine, which sends the tokens unencrypted"), NULL },
    { "no-browser", 0, 0, G_OPTION_ARG_NONE, &no_browser,
      N_("Only print the authorisation URL; do not open a browser"), NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s,
      N_("Give up when the browser has not come back after this many seconds (default 300)"), N_("SECONDS") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(StdinSecrets) secrets = NULL;
  g_autoptr(SyConnection) wanted = NULL;
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(SyLinkSignIn) sign_in = NULL;
  g_autoptr(SyTokenGrant) grant = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) added = NULL;
  SyConnectionStore *store;
  SyConnection *existing;
  SyConnectionAddFlags flags = SY_CONNECTION_ADD_CHECK;
  const char *name;
  int exit_code;

  if (!sy_cli_parse_command (context, args, "connection link NAME --client-id ID --client-secret-stdin [--url URL]",
                             _("Signs in with Link in the browser and keeps the connection’s tokens in the keyring. "
                               "Prints the authorisation URL alone on the first line of standard output, opens it in a "
                               "browser when there is one, and waits for the browser to come back. An existing connection "
                               "of that name is reconnected: it keeps its mappings, history and key map."),
                             entries, 1, 1, &exit_code))
    return exit_code;
  name = (*args)[1];

  if (client_id == NULL || *client_id == '\0')
    {
      sy_cli_printerr (_("Give the integration app’s client id with --client-id"));
      return SY_CLI_EXIT_USAGE;
    }
  if (!secret_stdin)
    {
      sy_cli_printerr (_("The client secret is read from standard input only, never from arguments or the environment "
                         "(other users can see those): add --client-secret-stdin and write it to standard input"));
      return SY_CLI_EXIT_USAGE;
    }
  if (timeout_s <= 0)
    {
      sy_cli_printerr (_("--timeout must be a positive number of seconds"));
      return SY_CLI_EXIT_USAGE;
    }

  store = sy_cli_context_get_connections (context, &error);
  if (store == NULL)
    return sy_cli_report_error (error, NULL);
  existing = sy_connection_store_find_by_name (store, name);
  if (existing != NULL)
    flags |= SY_CONNECTION_ADD_REPLACE;

  wanted = describe_connection (name, existing, url, ca_file, allow_insecure_http, &error);
  if (wanted == NULL)
    return sy_cli_report_error (error, NULL);
  sy_connection_set_link_client_id (wanted, client_id);

  secrets = read_secrets (_("Client secret: "), &error);
  if (secrets == NULL)
    return sy_cli_report_error (error, NULL);

  sign_in = sy_link_sign_in_new (wanted, client_id, secrets->lines[0]);
  sy_link_sign_in_set_timeout (sign_in, timeout_s);
  if (!sy_link_sign_in_prepare (sign_in, &error))
    return sy_cli_report_error (error, _("Could not start the sign-in"));

  /* The contract: the URL alone on the first line, whatever else. */
  g_print ("%s\n", sy_link_sign_in_get_authorize_url (sign_in));
  fflush (stdout);
  if (!no_browser && has_browser ())
    g_app_info_launch_default_for_uri_async (sy_link_sign_in_get_authorize_url (sign_in), NULL, NULL, NULL, NULL);
  if (isatty (STDERR_FILENO))
    sy_cli_printerr (_("Waiting for the browser to come back (Ctrl+C stops)…"));

  sy_link_sign_in_wait_async (sign_in, sy_cli_context_get_cancellable (context), sy_cli_store_result, &result);
  sy_cli_await (&result);
  grant = sy_link_sign_in_wait_finish (sign_in, result, &error);
  if (grant == NULL)
    {
      sy_cli_report_error (error, NULL);
      return link_error_exit_code (error);
    }

  sy_connection_add_linked_async (store, sy_cli_context_get_secrets (context), wanted, grant, secrets->lines[0],
                                  flags, sy_cli_context_get_cancellable (context), sy_cli_store_result, &added);
  sy_cli_await (&added);
  connection = sy_connection_add_finish (added, NULL, &error);
  if (connection == NULL)
    {
      if (error->domain == SY_SECRET_ERROR)
        return sy_cli_report_error (error, _("Could not keep the tokens in the keyring, so nothing was saved"));
      return sy_cli_report_error (error, NULL);
    }
  sy_cli_warn_if_token_in_clear (connection);
  return report_added (context, connection, existing != NULL);
}

/* --- the admin flow ------------------------------------------------- */

/* The options of the admin app, shared by providers and create. */
typedef struct
{
  char     *url;
  char     *client_id;
  char     *ca_file;
  gboolean  secret_stdin;
  gboolean  allow_insecure_http;
} AdminOptions;

static void
admin_options_clear (AdminOptions *options)
{
  g_clear_pointer (&options->url, g_free);
  g_clear_pointer (&options->client_id, g_free);
  g_clear_pointer (&options->ca_file, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AdminOptions, admin_options_clear)

#define N_ADMIN_ENTRIES 5

static void
admin_entries (GOptionEntry *entries,
               AdminOptions *options)
{
  const GOptionEntry admin[N_ADMIN_ENTRIES] = {
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &options->client_id, N_("The admin integration app’s client id (required)"), N_("ID") },
    { "client-secret-stdin", 0, 0, G_OPTION_ARG_NONE, &options->secret_stdin,
      N_("Read its client secret from standard input (required)"), NULL },
    { "url", 0, 0, G_OPTION_ARG_STRING, &options->url, N_("The API's base URL (default: the preferences' default)"), N_("URL") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &options->ca_file, N_("Trust the certificate authorities in this PEM file"), N_("FILE") },
    { "allow-insecure-http", 0, 0, G_OPTION_ARG_NONE, &options->allow_insecure_http,
      N_("Allow a plain http:// URL to another machine"), NULL },
  };

  memcpy (entries, admin, sizeof admin);
}

static SyApiClient *
admin_sign_in (SyCliContext  *context,
               SyConnection  *describing,
               const char    *client_id,
               const char    *client_secret,
               GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_link_admin_sign_in_async (describing, client_id, client_secret, sy_cli_context_get_cancellable (context),
                               sy_cli_store_result, &result);
  sy_cli_await (&result);
  return sy_link_admin_sign_in_finish (result, error);
}

static JsonArray *
list_providers (SyCliContext  *context,
                SyApiClient   *admin,
                GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_link_admin_list_providers_async (admin, sy_cli_context_get_cancellable (context), sy_cli_store_result, &result);
  sy_cli_await (&result);
  return sy_link_admin_list_providers_finish (result, error);
}

static JsonObject *
find_provider (JsonArray  *providers,
               const char *id)
{
  for (guint i = 0; i < json_array_get_length (providers); i++)
    {
      JsonNode *node = json_array_get_element (providers, i);

      if (JSON_NODE_HOLDS_OBJECT (node) &&
          g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (node), "id", NULL), id) == 0)
        return json_node_get_object (node);
    }
  return NULL;
}

static JsonArray *
provider_fields (JsonObject *provider)
{
  JsonNode *fields = json_object_get_member (provider, "fields");

  return fields != NULL && JSON_NODE_HOLDS_ARRAY (fields) ? json_node_get_array (fields) : NULL;
}

int
sy_cli_connection_providers (SyCliContext   *context,
                             char         ***args)
{
  g_auto(AdminOptions) admin_options = { 0 };
  GOptionEntry entries[N_ADMIN_ENTRIES + 1] = { { NULL } };
  g_autoptr(GError) error = NULL;
  g_autoptr(StdinSecrets) secrets = NULL;
  g_autoptr(SyConnection) describing = NULL;
  g_autoptr(SyApiClient) admin = NULL;
  g_autoptr(JsonArray) providers = NULL;
  int exit_code;

  admin_entries (entries, &admin_options);
  if (!sy_cli_parse_command (context, args, "connection providers --client-id ID --client-secret-stdin [--url URL]",
                             _("Lists the systems a connection can be created for, with the credentials each needs."),
                             entries, 0, 0, &exit_code))
    return exit_code;
  if (admin_options.client_id == NULL || !admin_options.secret_stdin)
    {
      sy_cli_printerr (_("Give the admin app’s --client-id and write its client secret to standard input with --client-secret-stdin"));
      return SY_CLI_EXIT_USAGE;
    }

  describing = describe_connection ("admin", NULL, admin_options.url, admin_options.ca_file, admin_options.allow_insecure_http, &error);
  if (describing == NULL)
    return sy_cli_report_error (error, NULL);
  secrets = read_secrets (_("Client secret: "), &error);
  if (secrets == NULL)
    return sy_cli_report_error (error, NULL);
  admin = admin_sign_in (context, describing, admin_options.client_id, secrets->lines[0], &error);
  if (admin == NULL)
    return sy_cli_report_error (error, _("Could not sign in as the admin app"));
  providers = list_providers (context, admin, &error);
  if (providers == NULL)
    return sy_cli_report_error (error, NULL);

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), providers);
      sy_cli_print_json (node, FALSE);
      return SY_CLI_EXIT_OK;
    }
  for (guint i = 0; i < json_array_get_length (providers); i++)
    {
      JsonNode *node = json_array_get_element (providers, i);
      JsonObject *provider;
      JsonArray *fields;
      g_autoptr(GString) line = g_string_new (NULL);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      provider = json_node_get_object (node);
      g_string_append_printf (line, "%s\t%s", json_object_get_string_member_with_default (provider, "id", "?"),
                              json_object_get_string_member_with_default (provider, "name", ""));
      fields = provider_fields (provider);
      for (guint j = 0; fields != NULL && j < json_array_get_length (fields); j++)
        {
          JsonNode *field = json_array_get_element (fields, j);

          if (JSON_NODE_HOLDS_OBJECT (field))
            g_string_append_printf (line, "%s%s%s", j == 0 ? "\t" : ", ",
                                    json_object_get_string_member_with_default (json_node_get_object (field), "name", "?"),
                                    json_object_get_boolean_member_with_default (json_node_get_object (field), "required", FALSE)
                                      ? "" : _(" (optional)"));
        }
      g_print ("%s\n", line->str);
    }
  return SY_CLI_EXIT_OK;
}

/* FIELD=VALUE lines after the secret; on a terminal, asked field by field. */
static GHashTable *
read_credentials (StdinSecrets  *secrets,
                  JsonObject    *provider,
                  GError       **error)
{
  g_autoptr(GHashTable) credentials = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 1; secrets->lines[i] != NULL; i++)
    {
      char *line = secrets->lines[i];
      char *equals = strchr (line, '=');

      if (*line == '\0')
        continue;
      if (equals == NULL || equals == line)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Line %u of standard input is not FIELD=VALUE (the client secret is on line 1, then one credential per line)"),
                       i + 1);
          return NULL;
        }
      *equals = '\0';
      g_strstrip (line);
      g_hash_table_replace (credentials, line, equals + 1);
    }

  if (isatty (STDIN_FILENO) && g_hash_table_size (credentials) == 0)
    {
      JsonArray *fields = provider_fields (provider);

      /* Asked here, never taken from arguments. Kept in the secrets'
       * lines so that they are wiped with them. */
      for (guint j = 0; fields != NULL && j < json_array_get_length (fields); j++)
        {
          JsonObject *field = json_node_get_object (json_array_get_element (fields, j));
          const char *field_name = json_object_get_string_member_with_default (field, "name", NULL);
          g_autofree char *prompt = NULL;
          gsize length = 0;
          char *buffer;
          guint n;

          if (field_name == NULL)
            continue;
          prompt = g_strdup_printf ("%s: ", json_object_get_string_member_with_default (field, "label", field_name));
          buffer = sy_cli_read_stdin (prompt, SECRETS_MAX_BYTES, &length);
          g_strstrip (buffer);
          n = g_strv_length (secrets->lines);
          secrets->lines = g_renew (char *, secrets->lines, n + 2);
          secrets->lines[n] = g_strdup (buffer);
          secrets->lines[n + 1] = NULL;
          sy_cli_stdin_free (buffer, SECRETS_MAX_BYTES);
          g_hash_table_replace (credentials, (gpointer) field_name, secrets->lines[n]);
        }
    }
  return g_steal_pointer (&credentials);
}

int
sy_cli_connection_create (SyCliContext   *context,
                          char         ***args)
{
  g_auto(AdminOptions) admin_options = { 0 };
  g_autofree char *provider_id = NULL;
  g_autofree char *email = NULL;
  GOptionEntry entries[N_ADMIN_ENTRIES + 3] = {
    { "provider", 0, 0, G_OPTION_ARG_STRING, &provider_id, N_("The system to connect, e.g. mintsoft (see “connection providers”)"), N_("PROVIDER") },
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_("The e-mail address the connection is registered to"), N_("ADDRESS") },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(StdinSecrets) secrets = NULL;
  g_autoptr(SyConnection) wanted = NULL;
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(SyApiClient) admin = NULL;
  g_autoptr(JsonArray) providers = NULL;
  g_autoptr(GHashTable) credentials = NULL;
  g_autoptr(SyTokenGrant) grant = NULL;
  g_autoptr(GAsyncResult) created = NULL;
  g_autoptr(GAsyncResult) added = NULL;
  SyConnectionStore *store;
  JsonObject *provider;
  JsonArray *fields;
  const char *name;
  int exit_code;

  admin_entries (entries + 2, &admin_options);
  /* The secret comes first on standard input, then the credentials. */
  entries[3].description = N_("Read the client secret from the first line of standard input, then the system’s credentials as FIELD=VALUE lines (required)");
  if (!sy_cli_parse_command (context, args,
                             "connection create NAME --provider PROVIDER --email ADDRESS --client-id ID --client-secret-stdin [--url URL]",
                             _("Creates a connection to a system with its credentials (the admin flow) and keeps the "
                               "connection’s tokens in the keyring. The credentials are sent once and stored nowhere."),
                             entries, 1, 1, &exit_code))
    return exit_code;
  name = (*args)[1];
  if (provider_id == NULL || email == NULL || admin_options.client_id == NULL || !admin_options.secret_stdin)
    {
      sy_cli_printerr (_("Give --provider, --email and the admin app’s --client-id, and write its client secret and the "
                         "system’s credentials to standard input with --client-secret-stdin"));
      return SY_CLI_EXIT_USAGE;
    }

  store = sy_cli_context_get_connections (context, &error);
  if (store == NULL)
    return sy_cli_report_error (error, NULL);
  if (sy_connection_store_find_by_name (store, name) != NULL)
    {
      sy_cli_printerr (_("A connection named “%s” already exists; choose another name"), name);
      return SY_CLI_EXIT_USAGE;
    }
  wanted = describe_connection (name, NULL, admin_options.url, admin_options.ca_file, admin_options.allow_insecure_http, &error);
  if (wanted == NULL)
    return sy_cli_report_error (error, NULL);
  sy_connection_set_link_client_id (wanted, admin_options.client_id);

  secrets = read_secrets (_("Client secret: "), &error);
  if (secrets == NULL)
    return sy_cli_report_error (error, NULL);
  admin = admin_sign_in (context, wanted, admin_options.client_id, secrets->lines[0], &error);
  if (admin == NULL)
    return sy_cli_report_error (error, _("Could not sign in as the admin app"));
  providers = list_providers (context, admin, &error);
  if (providers == NULL)
    return sy_cli_report_error (error, NULL);
  provider = find_provider (providers, provider_id);
  if (provider == NULL)
    {
      sy_cli_printerr (_("The server offers no provider “%s”; “connection providers” lists them"), provider_id);
      return SY_CLI_EXIT_USAGE;
    }

  credentials = read_credentials (secrets, provider, &error);
  if (credentials == NULL)
    return sy_cli_report_error (error, NULL);
  /* Said before anything is sent, with the names the server uses. */
  fields = provider_fields (provider);
  for (guint j = 0; fields != NULL && j < json_array_get_length (fields); j++)
    {
      JsonObject *field = json_node_get_object (json_array_get_element (fields, j));
      const char *field_name = json_object_get_string_member_with_default (field, "name", NULL);
      const char *value = field_name ? g_hash_table_lookup (credentials, field_name) : NULL;

      if (field_name != NULL && json_object_get_boolean_member_with_default (field, "required", FALSE) &&
          (value == NULL || *value == '\0'))
        {
          sy_cli_printerr (_("%s needs “%s” (%s): write it to standard input as %s=VALUE"),
                           json_object_get_string_member_with_default (provider, "name", provider_id), field_name,
                           json_object_get_string_member_with_default (field, "label", field_name), field_name);
          return SY_CLI_EXIT_USAGE;
        }
    }

  sy_link_admin_create_connection_async (admin, name, email, provider_id, credentials,
                                         sy_cli_context_get_cancellable (context), sy_cli_store_result, &created);
  sy_cli_await (&created);
  grant = sy_link_admin_create_connection_finish (created, &error);
  if (grant == NULL)
    return sy_cli_report_error (error, _("The server did not create the connection"));

  /* Not asked again which platform it is: the server has just said, and
   * nothing that can fail for a passing reason stands between the
   * connection created there and the one kept here. */
  sy_connection_set_platform (wanted, provider_id);
  if (json_object_get_string_member_with_default (provider, "domain", NULL) != NULL)
    sy_connection_set_domain (wanted, json_object_get_string_member_with_default (provider, "domain", NULL));
  sy_connection_add_linked_async (store, sy_cli_context_get_secrets (context), wanted, grant, secrets->lines[0],
                                  SY_CONNECTION_ADD_DEFAULT, sy_cli_context_get_cancellable (context),
                                  sy_cli_store_result, &added);
  sy_cli_await (&added);
  connection = sy_connection_add_finish (added, NULL, &error);
  if (connection == NULL)
    {
      g_autofree char *context_text =
        g_strdup_printf (_("The server created the connection, but it could not be kept here (run “connection create” "
                           "again only after removing “%s” from the integration dashboard, or it will exist twice)"), name);

      return sy_cli_report_error (error, context_text);
    }
  sy_cli_warn_if_token_in_clear (connection);
  return report_added (context, connection, FALSE);
}
