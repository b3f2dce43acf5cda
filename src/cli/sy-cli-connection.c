/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "sy-cli-cert.h"
#include "sy-cli-connection-private.h"
#include "sy-cli-groups.h"
#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-sync-settings.h"

/* Testing a connection is interactive: answer quickly, retry nothing. */
#define TEST_TIMEOUT_S 15

/* Generous for a bearer token, small enough that a wrong pipe (a file,
 * a binary) is refused instead of read whole. */
#define TOKEN_MAX_BYTES (64 * 1024)

/* A token read from standard input: wiped before it is freed. */
typedef char SyCliStdinToken;

static void
stdin_token_free (SyCliStdinToken *token)
{
  if (token == NULL)
    return;
  explicit_bzero (token, strlen (token));
  g_free (token);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyCliStdinToken, stdin_token_free)

/* The token comes from standard input and nowhere else: argv and the
 * environment are visible to other processes and end up in shell history. */
static SyCliStdinToken *
read_token_from_stdin (const char  *name,
                       GError     **error)
{
  g_autofree char *prompt = g_strdup_printf (_("Token for “%s”: "), name);
  gsize length;
  char *buffer = sy_cli_read_stdin (prompt, TOKEN_MAX_BYTES, &length);
  char *start, *end;
  SyCliStdinToken *token = NULL;

  start = buffer;
  end = buffer + MIN (length, TOKEN_MAX_BYTES);
  while (start < end && g_ascii_isspace (*start))
    start++;
  while (end > start && g_ascii_isspace (end[-1]))
    end--;
  /* A token copied together with its header's scheme. */
  if (end - start > 7 && g_ascii_strncasecmp (start, "Bearer ", 7) == 0)
    {
      start += 7;
      while (start < end && g_ascii_isspace (*start))
        start++;
    }

  if (length > TOKEN_MAX_BYTES)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The data on standard input is too long to be a token"));
  else if (start == end)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("No token on standard input: write the token to standard input of “connection add … --token-stdin”"));
  else
    {
      for (char *p = start; p < end; p++)
        if (g_ascii_iscntrl (*p) || *p == ' ')
          {
            /* Never echo the bytes: they are (a mangled) secret. */
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The token on standard input contains spaces or control characters; give one token on one line"));
            goto out;
          }
      token = g_strndup (start, end - start);
    }

out:
  sy_cli_stdin_free (buffer, TOKEN_MAX_BYTES);
  return token;
}

JsonNode *
sy_cli_connection_to_json (SyConnection *connection)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  /* Spelled out rather than sy_connection_to_json(): this is the CLI's
   * documented output, whatever else the configuration file comes to hold. */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, sy_connection_get_id (connection));
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, sy_connection_get_name (connection));
  json_builder_set_member_name (builder, "base_url");
  json_builder_add_string_value (builder, sy_connection_get_base_url (connection));
  json_builder_set_member_name (builder, "platform");
  if (sy_connection_get_platform (connection) != NULL)
    json_builder_add_string_value (builder, sy_connection_get_platform (connection));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "domain");
  if (sy_connection_get_domain (connection) != NULL)
    json_builder_add_string_value (builder, sy_connection_get_domain (connection));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static const char *
integration_string (JsonObject *integration,
                    const char *member)
{
  JsonNode *node;

  if (integration == NULL || !json_object_has_member (integration, member))
    return NULL;
  node = json_object_get_member (integration, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
fetch_current_integration (SyCliContext  *context,
                           SyApiClient   *client,
                           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_api_client_set_retry_policy (client, 0, 0);
  sy_api_client_set_timeout (client, TEST_TIMEOUT_S);
  sy_api_client_get_current_integration_async (client, sy_cli_context_get_cancellable (context),
                                               sy_cli_store_result, &result);
  sy_cli_await (&result);
  return sy_api_client_get_current_integration_finish (client, result, error);
}

/* Whether the answer taught us something to keep about the connection. */
static gboolean
learn_from_integration (SyConnection *connection,
                        JsonObject   *integration,
                        gboolean      keep_platform)
{
  const char *platform = sy_integration_get_platform (integration);
  const char *domain = integration_string (integration, "domain");
  gboolean changed = FALSE;

  if (!keep_platform && platform != NULL &&
      g_strcmp0 (platform, sy_connection_get_platform (connection)) != 0)
    {
      sy_connection_set_platform (connection, platform);
      changed = TRUE;
    }
  if (domain != NULL && *domain != '\0' && sy_connection_get_domain (connection) == NULL)
    {
      sy_connection_set_domain (connection, domain);
      changed = TRUE;
    }

  return changed;
}

/* Why a test failed, in words that point at the likely fix. saved says
 * whether it follows adding the connection. */
static char *
describe_test_failure (SyConnection *connection,
                       const GError *error,
                       gboolean      saved)
{
  g_autofree char *reason = sy_cli_describe_error (error);
  const char *name = sy_connection_get_name (connection);

  if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED))
    return saved
           ? g_strdup_printf (_("“%s” was saved, but its token was refused: %s"), name, reason)
           : g_strdup_printf (_("The token of “%s” was refused: %s"), name, reason);
  if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_FORBIDDEN))
    return saved
           ? g_strdup_printf (_("“%s” was saved, but its token lacks a permission: %s"), name, reason)
           : g_strdup_printf (_("The token of “%s” lacks a permission: %s"), name, reason);
  return saved
         ? g_strdup_printf (_("“%s” was saved, but testing it at %s failed: %s"),
                            name, sy_connection_get_base_url (connection), reason)
         : g_strdup_printf (_("Testing “%s” at %s failed: %s"),
                            name, sy_connection_get_base_url (connection), reason);
}

/* Any answer but the integration, even a 422, means the server at that
 * URL does not work as the unified API with that token: a connection
 * error, whatever the same status means elsewhere. */
static int
test_failure_exit_code (const GError *error)
{
  int exit_code = sy_cli_exit_code_for_error (error);

  if (error->domain == SY_API_ERROR && exit_code == SY_CLI_EXIT_USAGE)
    return SY_CLI_EXIT_CONNECTION;
  return exit_code;
}

static int
save_store (SyCliContext      *context,
            SyConnectionStore *store)
{
  g_autoptr(GError) error = NULL;

  if (!sy_connection_store_save (store, &error))
    return sy_cli_report_error (error, _("Could not save the connections"));
  return SY_CLI_EXIT_OK;
}

static int
connection_add (SyCliContext   *context,
                char         ***args)
{
  g_autofree char *url = NULL;
  g_autofree char *platform = NULL;
  g_autofree char *ca_file = NULL;
  gboolean token_stdin = FALSE;
  gboolean no_test = FALSE;
  gboolean replace = FALSE;
  gboolean allow_insecure_http = FALSE;
  const GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url,
      N_("The API's base URL (default: the default API address of the preferences, normally https://api.makini.io)"), N_("URL") },
    { "platform", 0, 0, G_OPTION_ARG_STRING, &platform,
      N_("The connected system, e.g. mintsoft (default: what the server says)"), N_("PLATFORM") },
    { "token-stdin", 0, 0, G_OPTION_ARG_NONE, &token_stdin,
      N_("Read the token from standard input (required: tokens are never taken from arguments)"), NULL },
    { "no-test", 0, 0, G_OPTION_ARG_NONE, &no_test,
      N_("Save without testing the connection"), NULL },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      N_("Update the URL, platform and token of an existing connection of that name"), NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("Trust the certificate authorities in this PEM file for the connection, instead of the system's"), N_("FILE") },
    { "allow-insecure-http", 0, 0, G_OPTION_ARG_NONE, &allow_insecure_http,
      N_("Allow a plain http:// URL to another machine, which sends the token unencrypted (given again with every --replace)"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCliStdinToken) token = NULL;
  g_autoptr(SyConnection) wanted = NULL;
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(JsonObject) integration = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  SyConnectionStore *store;
  SyConnection *existing;
  const char *name;
  int exit_code;

  if (!sy_cli_parse_command (context, args, "connection add NAME [--url URL] --token-stdin [--ca-file FILE] [--allow-insecure-http]",
                             _("Adds a connection and keeps its token in the keyring, then tests it."),
                             entries, 1, 1, &exit_code))
    return exit_code;
  name = (*args)[1];

  if (!token_stdin)
    {
      sy_cli_printerr (_("The token is read from standard input only, never from arguments or the environment "
                         "(other users can see those): add --token-stdin and write the token to standard input"));
      return SY_CLI_EXIT_USAGE;
    }
  if (!sy_connection_validate_name (name, &error) ||
      (url != NULL && !sy_connection_validate_base_url (url, &error)))
    return sy_cli_report_error (error, NULL);
  if (platform != NULL)
    {
      g_strstrip (platform);
      if (*platform == '\0')
        g_clear_pointer (&platform, g_free);
    }

  store = sy_cli_context_get_connections (context, &error);
  if (store == NULL)
    return sy_cli_report_error (error, NULL);

  existing = sy_connection_store_find_by_name (store, name);
  if (existing != NULL && !replace)
    {
      sy_cli_printerr (_("A connection named “%s” already exists; add --replace to update it, or choose another name"),
                       sy_connection_get_name (existing));
      return SY_CLI_EXIT_USAGE;
    }

  /* Without --url: a replaced connection keeps its address, a new one
   * starts where the preferences say, as in the app's Add Connection. */
  if (url == NULL)
    {
      url = existing != NULL ? g_strdup (sy_connection_get_base_url (existing))
                             : sy_settings_get_default_base_url ();
      if (!sy_connection_validate_base_url (url, &error))
        return sy_cli_report_error (error, NULL);
    }

  /* What the connection is to be; the services keep the token first and
   * undo it if the connection cannot be saved. */
  wanted = sy_connection_new (existing != NULL ? sy_connection_get_name (existing) : name, url);
  if (platform != NULL)
    sy_connection_set_platform (wanted, platform);
  sy_connection_set_allow_insecure_http (wanted, allow_insecure_http);
  if (ca_file != NULL)
    {
      g_autofree char *absolute = g_canonicalize_filename (ca_file, NULL);

      sy_connection_set_ca_file (wanted, absolute);
    }
  else if (existing != NULL)
    sy_connection_set_ca_file (wanted, sy_connection_get_ca_file (existing));

  /* Refused before the token is asked for: it would not be used. */
  if (!sy_connection_check_transport (wanted, &error))
    return sy_cli_report_error (error, NULL);

  token = read_token_from_stdin (name, &error);
  if (token == NULL)
    return sy_cli_report_error (error, NULL);

  sy_connection_add_async (store, sy_cli_context_get_secrets (context), wanted, token,
                           replace ? SY_CONNECTION_ADD_REPLACE : SY_CONNECTION_ADD_DEFAULT,
                           sy_cli_context_get_cancellable (context),
                           sy_cli_store_result, &result);
  sy_cli_await (&result);
  connection = sy_connection_add_finish (result, NULL, &error);
  if (connection == NULL)
    {
      if (error->domain == SY_SECRET_ERROR)
        return sy_cli_report_error (error, _("Could not keep the token in the keyring, so nothing was saved"));
      return sy_cli_report_error (error, NULL);
    }

  if (!no_test)
    {
      client = sy_connection_create_client (connection, token, &error);
      if (client != NULL)
        {
          sy_cli_warn_if_token_in_clear (connection);
          integration = fetch_current_integration (context, client, &error);
        }

      if (integration == NULL)
        {
          g_autofree char *reason = describe_test_failure (connection, error, TRUE);
          g_autofree char *quoted = sy_cli_quote_for_shell (sy_connection_get_name (connection));

          if (sy_cli_context_get_json (context))
            {
              g_autoptr(JsonNode) node = sy_cli_connection_to_json (connection);
              sy_cli_print_json (node, FALSE);
            }
          /* Kept, so that nothing typed is lost: say how to go on. */
          sy_cli_printerr (_("%s. Fix it with “%s connection add %s --replace --url URL --token-stdin” or remove it with “%s connection remove %s”"),
                           reason, g_get_prgname (), quoted, g_get_prgname (), quoted);
          return test_failure_exit_code (error);
        }

      if (learn_from_integration (connection, integration, platform != NULL) &&
          (exit_code = save_store (context, store)) != SY_CLI_EXIT_OK)
        return exit_code;
    }

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) node = sy_cli_connection_to_json (connection);
      sy_cli_print_json (node, FALSE);
    }
  else if (sy_connection_get_platform (connection) != NULL)
    g_print (existing != NULL ? _("Updated “%s” (%s)\n") : _("Added “%s” (%s)\n"),
             sy_connection_get_name (connection), sy_connection_get_platform (connection));
  else
    g_print (existing != NULL ? _("Updated “%s”\n") : _("Added “%s”\n"),
             sy_connection_get_name (connection));

  return SY_CLI_EXIT_OK;
}

static void
append_cell (GString    *line,
             const char *text,
             int         width)
{
  int length = (int) g_utf8_strlen (text, -1);

  g_string_append (line, text);
  for (int i = length; i < width; i++)
    g_string_append_c (line, ' ');
}

static int
connection_list (SyCliContext   *context,
                 char         ***args)
{
  g_autoptr(GError) error = NULL;
  SyConnectionStore *store;
  GListModel *model;
  guint n_items;
  int exit_code;

  if (!sy_cli_parse_command (context, args, "connection list",
                             _("Lists the connections (never their tokens)."),
                             NULL, 0, 0, &exit_code))
    return exit_code;

  store = sy_cli_context_get_connections (context, &error);
  if (store == NULL)
    return sy_cli_report_error (error, NULL);

  model = G_LIST_MODEL (store);
  n_items = g_list_model_get_n_items (model);

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonObject) object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(SyConnection) connection = g_list_model_get_item (model, i);
          json_array_add_element (array, sy_cli_connection_to_json (connection));
        }
      json_object_set_array_member (object, "connections", array);
      json_node_set_object (root, object);
      sy_cli_print_json (root, FALSE);
    }
  else if (n_items == 0)
    {
      g_print (_("No connections. Add one with “%s connection add NAME --url URL --token-stdin”.\n"),
               g_get_prgname ());
    }
  else
    {
      const char *name_header = _("NAME");
      const char *platform_header = _("PLATFORM");
      int name_width = (int) g_utf8_strlen (name_header, -1);
      int platform_width = (int) g_utf8_strlen (platform_header, -1);
      g_autoptr(GString) table = g_string_new (NULL);

      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(SyConnection) connection = g_list_model_get_item (model, i);
          const char *platform = sy_connection_get_platform (connection);

          name_width = MAX (name_width, (int) g_utf8_strlen (sy_connection_get_name (connection), -1));
          if (platform != NULL)
            platform_width = MAX (platform_width, (int) g_utf8_strlen (platform, -1));
        }

      append_cell (table, name_header, name_width + 2);
      append_cell (table, platform_header, platform_width + 2);
      g_string_append_printf (table, "%s\n", _("URL"));
      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(SyConnection) connection = g_list_model_get_item (model, i);
          const char *platform = sy_connection_get_platform (connection);

          append_cell (table, sy_connection_get_name (connection), name_width + 2);
          append_cell (table, platform != NULL ? platform : "—", platform_width + 2);
          g_string_append_printf (table, "%s\n", sy_connection_get_base_url (connection));
        }
      g_print ("%s", table->str);
    }

  return SY_CLI_EXIT_OK;
}

static int
connection_test (SyCliContext   *context,
                 char         ***args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(JsonObject) integration = NULL;
  SyConnection *connection;
  const char *platform;
  const char *sync_status;
  int exit_code;

  if (!sy_cli_parse_command (context, args, "connection test NAME",
                             _("Checks that a connection's token works (GET /api/integrations/current)."),
                             NULL, 1, 1, &exit_code))
    return exit_code;

  connection = sy_cli_context_find_connection (context, (*args)[1], &error);
  if (connection == NULL)
    return sy_cli_report_error (error, NULL);

  client = sy_cli_context_create_client (context, connection, &error);
  if (client == NULL)
    return sy_cli_report_error (error, NULL);

  integration = fetch_current_integration (context, client, &error);
  if (integration == NULL)
    {
      g_autofree char *reason = describe_test_failure (connection, error, FALSE);

      sy_cli_printerr ("%s", reason);
      return test_failure_exit_code (error);
    }

  /* Remember what the server said, as the GUI does; not being able to
   * save that is worth a warning, not a failed test. */
  if (learn_from_integration (connection, integration, sy_connection_get_platform (connection) != NULL))
    {
      g_autoptr(SyConnectionStore) store = g_object_ref (sy_cli_context_get_connections (context, NULL));
      g_autoptr(GError) save_error = NULL;

      if (!sy_connection_store_save (store, &save_error))
        sy_cli_report_error (save_error, _("Could not save what the test learned"));
    }

  platform = sy_integration_get_platform (integration);
  sync_status = integration_string (integration, "sync_status");

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(JsonNode) integration_node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (integration_node, integration);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, sy_connection_get_name (connection));
      json_builder_set_member_name (builder, "ok");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "platform");
      if (platform != NULL)
        json_builder_add_string_value (builder, platform);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "sync_status");
      if (sync_status != NULL)
        json_builder_add_string_value (builder, sync_status);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "integration");
      json_builder_add_value (builder, json_node_copy (integration_node));
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      sy_cli_print_json (root, FALSE);
    }
  else
    {
      g_print (_("“%s” works.\n"), sy_connection_get_name (connection));
      g_print (_("Platform:    %s\n"), platform != NULL ? platform : _("unknown"));
      g_print (_("Sync status: %s\n"), sync_status != NULL ? sync_status : _("unknown"));
    }

  /* The token works, but the platform behind it does not accept its
   * credentials: the user should know, though the connection itself is up. */
  if (g_strcmp0 (sync_status, "fail") == 0)
    sy_cli_printerr (_("The platform behind “%s” rejects its credentials (sync status “fail”); reconnect it in the dashboard"),
                     sy_connection_get_name (connection));

  return SY_CLI_EXIT_OK;
}

static int
connection_remove (SyCliContext   *context,
                   char         ***args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(SyStateStore) state = NULL;
  SyConnectionStore *store;
  SyConnection *found;
  int exit_code;

  if (!sy_cli_parse_command (context, args, "connection remove NAME",
                             _("Removes a connection and every secret of it in the keyring."),
                             NULL, 1, 1, &exit_code))
    return exit_code;

  found = sy_cli_context_find_connection (context, (*args)[1], &error);
  if (found == NULL)
    return sy_cli_report_error (error, NULL);
  connection = g_object_ref (found);
  store = sy_cli_context_get_connections (context, NULL);

  /* A state.db that was never made has no certificate to forget, and is
   * not created just for that. */
  {
    g_autofree char *state_db = g_build_filename (sy_cli_context_get_state_dir (context), "state.db", NULL);

    if (g_file_test (state_db, G_FILE_TEST_EXISTS))
      {
        state = sy_cli_cert_open_state_store (context, &error);
        if (state == NULL)
          return sy_cli_report_error (error, _("Could not remove the connection’s certificate, so the connection was kept"));
      }
  }

  sy_connection_remove_async (store, sy_cli_context_get_secrets (context), state, connection,
                              sy_cli_context_get_cancellable (context),
                              sy_cli_store_result, &result);
  sy_cli_await (&result);
  if (!sy_connection_remove_finish (result, &error))
    {
      if (error->domain == SY_SECRET_ERROR)
        return sy_cli_report_error (error, _("Could not remove the secrets from the keyring, so the connection was kept"));
      return sy_cli_report_error (error, NULL);
    }

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) node = sy_cli_connection_to_json (connection);
      sy_cli_print_json (node, FALSE);
    }
  else
    g_print (_("Removed “%s”\n"), sy_connection_get_name (connection));

  return SY_CLI_EXIT_OK;
}

static const SyCliCommand connection_commands[] = {
  { "add", N_("Add a connection, its token read from standard input"), connection_add },
  { "link", N_("Sign in with Link in the browser"), sy_cli_connection_link },
  { "create", N_("Create a connection with a system’s credentials (admin flow)"), sy_cli_connection_create },
  { "providers", N_("List the systems a connection can be created for"), sy_cli_connection_providers },
  { "list", N_("List the connections"), connection_list },
  { "test", N_("Check that a connection works"), connection_test },
  { "remove", N_("Remove a connection and its secrets"), connection_remove },
  { NULL }
};

int
sy_cli_connection_run (SyCliContext  *context,
                       char         **args)
{
  return sy_cli_run_group (context, "connection", N_("Add, list, test and remove connections"),
                           connection_commands, args);
}
