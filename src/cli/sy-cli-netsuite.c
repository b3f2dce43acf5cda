/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-cli-cert.h"
#include "sy-cli-groups.h"
#include "sy-error.h"
#include "sy-netsuite-login.h"

/* Where a connection remembers its NetSuite login (none of it secret), as
 * the GUI's certificate page does: options.netsuite = {"account",
 * "client_id", "certificate_id"[, "token_url"]}. */
#define NETSUITE_OPTIONS "netsuite"

static JsonObject *
remembered_login (SyConnection *connection)
{
  JsonObject *options = sy_connection_get_options (connection);

  if (options == NULL || !json_object_has_member (options, NETSUITE_OPTIONS) ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (options, NETSUITE_OPTIONS)))
    return NULL;
  return json_object_get_object_member (options, NETSUITE_OPTIONS);
}

/* The option if given, else what the last successful test used. */
static char *
option_or_remembered (const char *given,
                      JsonObject *remembered,
                      const char *member)
{
  JsonNode *node;

  if (given != NULL)
    return g_strstrip (g_strdup (given));
  if (remembered == NULL || !json_object_has_member (remembered, member))
    return NULL;
  node = json_object_get_member (remembered, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

static void
remember_login (SyCliContext *context,
                SyConnection *connection,
                const char   *account,
                const char   *client_id,
                const char   *certificate_id,
                const char   *token_url)
{
  JsonObject *options = sy_connection_get_options (connection);
  JsonObject *netsuite = remembered_login (connection);
  g_autoptr(GError) error = NULL;
  SyConnectionStore *store;

  if (options == NULL)
    return;
  if (netsuite == NULL)
    {
      netsuite = json_object_new ();
      json_object_set_object_member (options, NETSUITE_OPTIONS, netsuite);
    }

  /* Other members (added by the GUI, later versions) are kept. */
  json_object_set_string_member (netsuite, "account", account);
  json_object_set_string_member (netsuite, "client_id", client_id);
  json_object_set_string_member (netsuite, "certificate_id", certificate_id);
  /* Only a URL other than the account's own is worth remembering. */
  if (token_url != NULL)
    json_object_set_string_member (netsuite, "token_url", token_url);
  else if (json_object_has_member (netsuite, "token_url"))
    json_object_remove_member (netsuite, "token_url");

  store = sy_cli_context_get_connections (context, &error);
  if (store == NULL || !sy_connection_store_save (store, &error))
    sy_cli_report_error (error, _("The login works, but could not be remembered for the connection"));
}

static gboolean
validate_token_url (const char  *url,
                    GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a token URL: give an http or https URL, e.g. https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"),
                   url);
      return FALSE;
    }
  return TRUE;
}

/* A refused login, an unreachable server and an odd answer are all the
 * connection's failures (3); a key or an id that cannot make a login
 * never reached NetSuite (2). */
static int
login_exit_code (const GError *error)
{
  if (error->domain == SY_API_ERROR && error->code != SY_API_ERROR_INVALID_URL)
    return SY_CLI_EXIT_CONNECTION;
  return sy_cli_exit_code_for_error (error);
}

static int
netsuite_test (SyCliContext   *context,
               char         ***args)
{
  g_autofree char *connection_name = NULL;
  g_autofree char *account_option = NULL;
  g_autofree char *client_id_option = NULL;
  g_autofree char *certificate_id_option = NULL;
  g_autofree char *token_url_option = NULL;
  const GOptionEntry entries[] = {
    { "connection", 0, 0, G_OPTION_ARG_STRING, &connection_name,
      N_("The connection whose private key signs the login"), N_("NAME") },
    { "account", 0, 0, G_OPTION_ARG_STRING, &account_option,
      N_("NetSuite account id, e.g. 1234567 or 1234567_SB1"), N_("ID") },
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &client_id_option,
      N_("Client id of the NetSuite integration record"), N_("ID") },
    { "certificate-id", 0, 0, G_OPTION_ARG_STRING, &certificate_id_option,
      N_("Certificate id NetSuite showed after the upload"), N_("ID") },
    { "token-url", 0, 0, G_OPTION_ARG_STRING, &token_url_option,
      N_("Token endpoint (default: the one remembered for the account, else https://ACCOUNT.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token)"),
      N_("URL") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(SyNetsuiteLogin) login = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *account = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *certificate_id = NULL;
  g_autofree char *token_url = NULL;
  g_autofree char *account_url = NULL;
  g_autofree char *remembered_account = NULL;
  g_autofree char *custom_token_url = NULL;
  SyConnection *connection;
  JsonObject *remembered;
  const char *token_type = "Bearer";
  gint64 expires_in = -1;
  int exit_code;

  if (!sy_cli_parse_command (context, args,
                             "netsuite test --connection NAME --account ID --client-id ID --certificate-id ID [--token-url URL]",
                             _("Tests NetSuite's machine-to-machine login: signs a client assertion with the connection's "
                               "private key and asks NetSuite's token endpoint for an access token (which is not shown). "
                               "On success the account, client and certificate ids are remembered for the connection, and "
                               "may be left out next time.\n\n"
                               "Exit status: 0 the login works; 2 bad options, no private key, no keyring; 3 NetSuite "
                               "refused the login (its reason is shown) or could not be reached."),
                             entries, 0, 0, &exit_code))
    return exit_code;

  if (connection_name == NULL)
    {
      sy_cli_printerr (_("“netsuite test” needs --connection NAME, the connection whose private key signs the login"));
      return SY_CLI_EXIT_USAGE;
    }
  connection = sy_cli_context_find_connection (context, connection_name, &error);
  if (connection == NULL)
    return sy_cli_report_error (error, NULL);

  remembered = remembered_login (connection);
  account = option_or_remembered (account_option, remembered, "account");
  client_id = option_or_remembered (client_id_option, remembered, "client_id");
  certificate_id = option_or_remembered (certificate_id_option, remembered, "certificate_id");
  if (account == NULL || client_id == NULL || certificate_id == NULL)
    {
      sy_cli_printerr (_("“netsuite test” needs %s (NetSuite shows the account id under Company Information, the client id "
                         "on the integration record and the certificate id after the certificate's upload)"),
                       account == NULL ? "--account ID" : client_id == NULL ? "--client-id ID" : "--certificate-id ID");
      return SY_CLI_EXIT_USAGE;
    }
  if (*client_id == '\0' || *certificate_id == '\0')
    {
      sy_cli_printerr (_("The client id and the certificate id cannot be empty"));
      return SY_CLI_EXIT_USAGE;
    }

  /* The account id is checked even with --token-url: it is remembered. */
  account_url = sy_netsuite_token_url_for_account (account, &error);
  if (account_url == NULL)
    return sy_cli_report_error (error, NULL);
  /* A token URL set for this account before (a test system) still applies;
   * another account has its own. */
  remembered_account = option_or_remembered (NULL, remembered, "account");
  if (token_url_option != NULL)
    custom_token_url = g_strstrip (g_strdup (token_url_option));
  else if (g_strcmp0 (remembered_account, account) == 0)
    custom_token_url = option_or_remembered (NULL, remembered, "token_url");
  if (custom_token_url != NULL && *custom_token_url == '\0')
    g_clear_pointer (&custom_token_url, g_free);

  if (custom_token_url != NULL)
    {
      if (!validate_token_url (custom_token_url, &error))
        return sy_cli_report_error (error, NULL);
      token_url = g_strdup (custom_token_url);
    }
  else
    token_url = g_steal_pointer (&account_url);

  key = sy_cli_cert_lookup_connection_key (context, connection, &error);
  if (key == NULL)
    return sy_cli_report_error (error, NULL);

  login = sy_netsuite_login_new (account, client_id, certificate_id, token_url);
  sy_netsuite_login_test_async (login, key, sy_cli_context_get_cancellable (context),
                                sy_cli_store_result, &result);
  sy_cli_await (&result);
  answer = sy_netsuite_login_test_finish (login, result, &error);

  if (answer == NULL)
    {
      g_autofree char *reason = sy_cli_describe_error (error);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return sy_cli_report_error (error, NULL);

      if (sy_cli_context_get_json (context))
        {
          g_autoptr(JsonObject) object = json_object_new ();
          g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

          json_object_set_boolean_member (object, "ok", FALSE);
          json_object_set_string_member (object, "connection", sy_connection_get_name (connection));
          json_object_set_string_member (object, "token_url", token_url);
          json_object_set_string_member (object, "error", reason);
          json_node_set_object (node, object);
          sy_cli_print_json (node, FALSE);
        }

      /* The core's message already says that NetSuite refused, and why. */
      if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED))
        sy_cli_printerr ("%s", reason);
      else
        sy_cli_printerr (_("The NetSuite login test at %s failed: %s"), token_url, reason);
      return login_exit_code (error);
    }

  if (json_object_has_member (answer, "token_type") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (answer, "token_type")) &&
      json_node_get_value_type (json_object_get_member (answer, "token_type")) == G_TYPE_STRING)
    token_type = json_object_get_string_member (answer, "token_type");
  if (json_object_has_member (answer, "expires_in") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (answer, "expires_in")))
    expires_in = json_object_get_int_member (answer, "expires_in");

  remember_login (context, connection, account, client_id, certificate_id, custom_token_url);

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_boolean_member (object, "ok", TRUE);
      json_object_set_string_member (object, "connection", sy_connection_get_name (connection));
      json_object_set_string_member (object, "account", account);
      json_object_set_string_member (object, "client_id", client_id);
      json_object_set_string_member (object, "certificate_id", certificate_id);
      json_object_set_string_member (object, "token_url", token_url);
      json_object_set_string_member (object, "token_type", token_type);
      json_object_set_int_member (object, "expires_in", expires_in);
      json_node_set_object (node, object);
      sy_cli_print_json (node, FALSE);
    }
  else if (expires_in >= 0)
    {
      g_autofree char *seconds = g_strdup_printf ("%" G_GINT64_FORMAT, expires_in);

      g_print (_("NetSuite login works: a %s token valid for %s s was issued\n"), token_type, seconds);
    }
  else
    g_print (_("NetSuite login works: a %s token was issued\n"), token_type);

  return SY_CLI_EXIT_OK;
}

static const SyCliCommand netsuite_commands[] = {
  { "test", N_("Test NetSuite's machine-to-machine login with a connection's certificate"), netsuite_test },
  { NULL }
};

int
sy_cli_netsuite_run (SyCliContext  *context,
                     char         **args)
{
  return sy_cli_run_group (context, "netsuite", N_("Test NetSuite's certificate login"),
                           netsuite_commands, args);
}
