/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "sy-catalogue.h"
#include "sy-cli-groups.h"
#include "sy-file.h"
#include "sy-state-store-webhooks.h"
#include "sy-webhook-receiver.h"
#include "sy-webhook-settings.h"
#include "sy-webhook-signature.h"

/* Far above any webhook secret, small enough that a wrong pipe (a file,
 * a binary) is refused instead of read whole. */
#define SECRET_MAX_BYTES (64 * 1024)

/* The webhook secret comes from standard input and nowhere else: argv and
 * the environment are visible to other processes and end up in shell
 * history. A secret may hold spaces; only one line ending is taken off.
 * Returns NULL with *error set when there is none or it cannot be one;
 * free the result with sy_secret_free(). */
static SyCliSecret *
read_secret_from_stdin (const char  *command,
                        GError     **error)
{
  gsize length = 0;
  char *buffer = sy_cli_read_stdin (_("Webhook secret: "), SECRET_MAX_BYTES, &length);
  SyCliSecret *secret = NULL;

  if (length > 0 && buffer[length - 1] == '\n')
    length--;
  if (length > 0 && buffer[length - 1] == '\r')
    length--;

  if (length > SECRET_MAX_BYTES)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The data on standard input is too long to be a webhook secret"));
  else if (length == 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("No webhook secret on standard input: write it to standard input of “%s … --secret-stdin”"),
                 command);
  else if (memchr (buffer, '\0', length) != NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The webhook secret on standard input holds a NUL byte"));
  else
    {
      secret = g_malloc (length + 1);
      memcpy (secret, buffer, length);
      secret[length] = '\0';
    }

  sy_cli_stdin_free (buffer, SECRET_MAX_BYTES);
  return secret;
}

static gboolean
parse_scheme (const char      *text,
              SyWebhookScheme *scheme)
{
  if (sy_webhook_scheme_from_string (text, scheme))
    return TRUE;
  sy_cli_printerr (_("“%s” is not a webhook signature scheme: use makini, merge, rutter or apideck"), text);
  return FALSE;
}

static void
print_verdict (SyCliContext    *context,
               SyWebhookScheme  scheme,
               const GError    *error)
{
  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();

      json_object_set_boolean_member (object, "valid", error == NULL);
      json_object_set_string_member (object, "scheme", sy_webhook_scheme_to_string (scheme));
      if (error != NULL)
        json_object_set_string_member (object, "reason", error->message);
      else
        json_object_set_null_member (object, "reason");
      json_node_take_object (node, object);
      sy_cli_print_json (node, FALSE);
    }
  else if (error == NULL)
    g_print ("%s\n", _("signature matches"));
  else
    g_print (_("signature does not match: %s\n"), error->message);
}

static int
webhook_verify (SyCliContext   *context,
                char         ***args)
{
  g_autofree char *scheme_name = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *body_path = NULL;
  g_autofree char *timestamp = NULL;
  g_autofree char *tolerance_text = NULL;
  gboolean secret_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "scheme", 0, 0, G_OPTION_ARG_STRING, &scheme_name,
      N_("How the signature is encoded: makini, merge, rutter or apideck"), N_("SCHEME") },
    { "signature", 0, 0, G_OPTION_ARG_STRING, &signature,
      N_("The signature header's value, as received"), N_("SIG") },
    { "body", 0, 0, G_OPTION_ARG_FILENAME, &body_path,
      N_("A file holding the delivery's raw body, byte for byte"), N_("FILE") },
    { "secret-stdin", 0, 0, G_OPTION_ARG_NONE, &secret_stdin,
      N_("Read the webhook secret from standard input (required)"), NULL },
    { "timestamp", 0, 0, G_OPTION_ARG_STRING, &timestamp,
      N_("The delivery's timestamp (Unix seconds or milliseconds, or ISO 8601), checked against --tolerance"),
      N_("TIME") },
    { "tolerance", 0, 0, G_OPTION_ARG_STRING, &tolerance_text,
      N_("How far --timestamp may be from now (default 300)"), N_("SECONDS") },
    { NULL }
  };
  g_autoptr(SyCliSecret) secret = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *stripped = NULL;
  SyWebhookScheme scheme;
  guint64 tolerance = 300;
  gsize length = 0;
  int exit_code;

  if (!sy_cli_parse_command (context, args,
                             "webhook verify --scheme S --signature SIG --body FILE --secret-stdin [--timestamp TIME [--tolerance SECONDS]]",
                             _("Checks a webhook delivery's signature: the HMAC-SHA256 of the body with the secret, "
                               "encoded as the scheme says (makini: base64; merge: base64url without padding; "
                               "rutter: “sha256=” and base64; apideck: base64 of the body with its keys sorted). "
                               "The secret is read from standard input, never from the command line.\n\n"
                               "Prints “signature matches” or “signature does not match” and why; with --json "
                               "{\"valid\", \"scheme\", \"reason\"}.\n\n"
                               "Exit status: 0 the signature matches; 1 it does not (a wrong value, a signature "
                               "that is not in the scheme's encoding, a timestamp outside the tolerance); 2 bad "
                               "input: an unknown scheme, a missing option, an empty signature or secret, a body "
                               "that cannot be read or is larger than 1 MiB."),
                             entries, 0, 0, &exit_code))
    return exit_code;

  if (scheme_name == NULL || signature == NULL || body_path == NULL || !secret_stdin)
    {
      sy_cli_printerr (_("“webhook verify” needs %s"),
                       scheme_name == NULL ? "--scheme S" :
                       signature == NULL ? "--signature SIG" :
                       body_path == NULL ? "--body FILE" : "--secret-stdin");
      return SY_CLI_EXIT_USAGE;
    }
  if (!parse_scheme (scheme_name, &scheme))
    return SY_CLI_EXIT_USAGE;
  stripped = g_strstrip (g_strdup (signature));
  if (*stripped == '\0')
    {
      sy_cli_printerr (_("The signature is empty: give the signature header's value with --signature"));
      return SY_CLI_EXIT_USAGE;
    }
  if (tolerance_text != NULL &&
      !sy_cli_parse_count ("--tolerance", tolerance_text, G_MAXINT32, &tolerance))
    return SY_CLI_EXIT_USAGE;

  if (!sy_file_load_regular (body_path, SY_WEBHOOK_MAX_BODY, &contents, &length, &error))
    {
      g_autofree char *shown = g_filename_display_name (body_path);

      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_FAILED))
        sy_cli_printerr (_("%s: the body is larger than 1 MiB, more than any delivery is allowed"), shown);
      else
        sy_cli_printerr ("%s", error->message);
      return SY_CLI_EXIT_USAGE;
    }
  body = g_bytes_new_take (g_steal_pointer (&contents), length);

  secret = read_secret_from_stdin ("webhook verify", &error);
  if (secret == NULL)
    {
      sy_cli_printerr ("%s", error->message);
      return SY_CLI_EXIT_USAGE;
    }

  if (sy_webhook_verify (scheme, secret, body, signature, timestamp,
                         g_get_real_time () / G_USEC_PER_SEC, (gint64) tolerance, &error))
    {
      print_verdict (context, scheme, NULL);
      return SY_CLI_EXIT_OK;
    }

  /* A signature that is there but wrong, in any way, is the verdict the
   * developer asked for; only a check that could not be made is bad input. */
  if (g_error_matches (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_TOO_LARGE) ||
      (g_error_matches (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MALFORMED) && timestamp != NULL &&
       sy_webhook_verify (scheme, secret, body, signature, NULL, 0, 0, NULL)))
    {
      /* The second case: a genuine signature with a --timestamp that is
       * not a time. */
      sy_cli_printerr ("%s", error->message);
      return SY_CLI_EXIT_USAGE;
    }
  print_verdict (context, scheme, error);
  return SY_CLI_EXIT_RECORDS_FAILED;
}

/* --- secret ---------------------------------------------------------- */

static void
print_settings (SyCliContext *context,
                SyConnection *connection)
{
  const char *scheme = sy_webhook_scheme_to_string (sy_webhook_settings_get_scheme (connection));
  const char *header = sy_webhook_settings_get_header (connection);

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "connection", sy_connection_get_name (connection));
      json_object_set_string_member (object, "scheme", scheme);
      json_object_set_string_member (object, "header", header);
      json_node_take_object (node, object);
      sy_cli_print_json (node, FALSE);
    }
  else
    g_print (_("Webhook secret for “%s” kept in the keyring; deliveries are checked with the %s scheme in the %s header\n"),
             sy_connection_get_name (connection), scheme, header);
}

static int
webhook_secret (SyCliContext   *context,
                char         ***args)
{
  g_autofree char *scheme_name = NULL;
  g_autofree char *header = NULL;
  gboolean secret_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "secret-stdin", 0, 0, G_OPTION_ARG_NONE, &secret_stdin,
      N_("Read the webhook secret from standard input (required)"), NULL },
    { "scheme", 0, 0, G_OPTION_ARG_STRING, &scheme_name,
      N_("How the sender signs: makini (default), merge, rutter or apideck"), N_("SCHEME") },
    { "header", 0, 0, G_OPTION_ARG_STRING, &header,
      N_("The header that carries the signature (default: the scheme's, X-Signature for makini)"), N_("NAME") },
    { NULL }
  };
  g_autoptr(SyCliSecret) secret = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyConnection *connection;
  SyConnectionStore *store;
  SyWebhookScheme scheme = SY_WEBHOOK_SCHEME_MAKINI;
  int exit_code;

  if (!sy_cli_parse_command (context, args, "webhook secret NAME --secret-stdin [--scheme S] [--header H]",
                             _("Keeps the secret a connection's sender signs its webhook deliveries with in the "
                               "keyring, and the scheme and header it uses with the connection. The secret is "
                               "read from standard input, never from the command line."),
                             entries, 1, 1, &exit_code))
    return exit_code;

  if (!secret_stdin)
    {
      sy_cli_printerr (_("The secret is not taken from the command line (other users can see it): "
                         "add --secret-stdin and write the secret to standard input"));
      return SY_CLI_EXIT_USAGE;
    }
  if (scheme_name != NULL && !parse_scheme (scheme_name, &scheme))
    return SY_CLI_EXIT_USAGE;
  if (header != NULL && !sy_webhook_settings_validate_header (header, &error))
    return sy_cli_report_error (error, NULL);

  connection = sy_cli_context_find_connection (context, (*args)[1], &error);
  if (connection == NULL)
    return sy_cli_report_error (error, NULL);
  store = sy_cli_context_get_connections (context, &error);
  if (store == NULL)
    return sy_cli_report_error (error, NULL);

  secret = read_secret_from_stdin ("webhook secret", &error);
  if (secret == NULL || !sy_webhook_settings_validate_secret (secret, &error))
    {
      sy_cli_printerr ("%s", error->message);
      return SY_CLI_EXIT_USAGE;
    }

  /* The secret first: settings that name a secret the keyring refused
   * would make every delivery fail for a reason nobody sees. */
  sy_webhook_settings_store_secret_async (sy_cli_context_get_secrets (context), connection, secret,
                                          sy_cli_context_get_cancellable (context),
                                          sy_cli_store_result, &result);
  sy_cli_await (&result);
  if (!sy_webhook_settings_store_secret_finish (sy_cli_context_get_secrets (context), result, &error))
    return sy_cli_report_error (error, _("The webhook secret could not be kept"));

  sy_webhook_settings_set (connection, scheme, header);
  if (!sy_connection_store_save (store, &error))
    return sy_cli_report_error (error, _("The webhook secret is kept, but the scheme and header could not be saved"));

  print_settings (context, connection);
  return SY_CLI_EXIT_OK;
}

/* --- listen ---------------------------------------------------------- */

static JsonNode *
event_to_json (const SyWebhookEvent *event,
               const char           *verdict,
               guint                 status)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

#define SET_STRING_OR_NULL(member, value) \
  G_STMT_START { \
    if ((value) != NULL) \
      json_object_set_string_member (object, member, value); \
    else \
      json_object_set_null_member (object, member); \
  } G_STMT_END

  if (status != 0)
    json_object_set_int_member (object, "status", status);
  json_object_set_string_member (object, "verdict", verdict);
  SET_STRING_OR_NULL ("event_id", event->event_id);
  SET_STRING_OR_NULL ("type", event->event_type);
  SET_STRING_OR_NULL ("entity", event->entity);
  SET_STRING_OR_NULL ("key", event->record_key);
  SET_STRING_OR_NULL ("reason", event->reason);
  if (event->received_at != 0)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (event->received_at);
      g_autofree char *text = g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");

      json_object_set_string_member (object, "received_at", text);
    }
  if (event->acted_at != 0 || event->triggered != NULL)
    SET_STRING_OR_NULL ("triggered", event->triggered);
#undef SET_STRING_OR_NULL

  json_node_take_object (node, object);
  return node;
}

static void
on_delivery (SyWebhookReceiver *receiver,
             guint              status,
             const char        *verdict,
             gpointer           event_pointer,
             SyCliContext      *context)
{
  const SyWebhookEvent *event = event_pointer;

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) node = event_to_json (event, verdict, status);

      sy_cli_print_json (node, FALSE);
    }
  else
    g_print ("%u %s %s %s %s%s%s\n", status, verdict,
             event->event_id != NULL ? event->event_id : "-",
             event->entity != NULL ? event->entity : "-",
             event->record_key != NULL ? event->record_key : "-",
             event->reason != NULL ? ": " : "",
             event->reason != NULL ? event->reason : "");
  /* One line per delivery, as it happens, also into a pipe. */
  fflush (stdout);
}

static int
webhook_listen (SyCliContext   *context,
                char         ***args)
{
  g_autofree char *connection_name = NULL;
  g_autofree char *address = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *tolerance_text = NULL;
  const GOptionEntry entries[] = {
    { "connection", 0, 0, G_OPTION_ARG_STRING, &connection_name,
      N_("The connection whose deliveries to receive"), N_("NAME") },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address,
      N_("The address to listen on (default 127.0.0.1; 0.0.0.0 for every network)"), N_("ADDR") },
    { "port", 0, 0, G_OPTION_ARG_STRING, &port_text,
      N_("The port to listen on (default 0: a free one, printed at start)"), N_("N") },
    { "tolerance", 0, 0, G_OPTION_ARG_STRING, &tolerance_text,
      N_("How old a delivery may be before it counts as a replay (default 3600)"), N_("SECONDS") },
    { NULL }
  };
  SyConnection *connection;
  g_autoptr(SyStateStore) state = NULL;
  g_autoptr(SyWebhookReceiver) receiver = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCliSecret) secret = NULL;
  g_autofree char *url = NULL;
  GCancellable *cancellable = sy_cli_context_get_cancellable (context);
  guint64 port = 0;
  guint64 tolerance = SY_WEBHOOK_RECEIVER_DEFAULT_TOLERANCE_S;
  int exit_code;

  if (!sy_cli_parse_command (context, args, "webhook listen --connection NAME [--address ADDR] [--port N]",
                             _("Receives a connection's webhook deliveries until interrupted (Ctrl+C or SIGTERM). "
                               "Each delivery's signature is checked with the secret kept by “webhook secret” "
                               "before its body is read; genuine events are stored in the state database and "
                               "answered 200 (a repeat: 200 with {\"duplicate\": true}); a forged, missing or "
                               "truncated signature or a replayed delivery is answered 401, a body over 1 MiB "
                               "413, a body that is not an event 400, an unknown entity 422.\n\n"
                               "Prints the receiver's URL first ({\"url\"} with --json), then one line per "
                               "delivery: status, verdict, event id, entity, record key and, for a refusal, why."),
                             entries, 0, 0, &exit_code))
    return exit_code;

  if (connection_name == NULL)
    {
      sy_cli_printerr (_("“webhook listen” needs --connection NAME"));
      return SY_CLI_EXIT_USAGE;
    }
  if (port_text != NULL && !g_ascii_string_to_unsigned (port_text, 10, 0, G_MAXUINT16, &port, NULL))
    {
      sy_cli_printerr (_("--port wants a port number from 0 to 65535, not “%s”"), port_text);
      return SY_CLI_EXIT_USAGE;
    }
  if (tolerance_text != NULL && !sy_cli_parse_count ("--tolerance", tolerance_text, G_MAXINT32, &tolerance))
    return SY_CLI_EXIT_USAGE;

  connection = sy_cli_context_find_connection (context, connection_name, &error);
  if (connection == NULL)
    return sy_cli_report_error (error, NULL);

  sy_webhook_settings_lookup_secret_async (sy_cli_context_get_secrets (context), connection, cancellable,
                                           sy_cli_store_result, &result);
  sy_cli_await (&result);
  secret = sy_webhook_settings_lookup_secret_finish (sy_cli_context_get_secrets (context), result, &error);
  if (secret == NULL)
    return sy_cli_report_error (error, NULL);

  state = sy_state_store_open (sy_cli_context_get_state_dir (context), &error);
  if (state == NULL)
    return sy_cli_report_error (error, _("Could not open the state database"));

  receiver = sy_webhook_receiver_new (connection, secret, state, sy_catalogue_get_default ());
  sy_webhook_receiver_set_tolerance (receiver, (gint64) tolerance);
  g_signal_connect (receiver, "delivery", G_CALLBACK (on_delivery), context);
  if (!sy_webhook_receiver_listen (receiver, address, (guint) port, &error))
    return sy_cli_report_error (error, NULL);

  url = sy_webhook_receiver_get_url (receiver);
  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "url", url);
      json_node_take_object (node, object);
      sy_cli_print_json (node, FALSE);
    }
  else
    g_print (_("Receiving webhooks for “%s” at %s (%s scheme, %s header); Ctrl+C stops\n"),
             sy_connection_get_name (connection), url,
             sy_webhook_scheme_to_string (sy_webhook_settings_get_scheme (connection)),
             sy_webhook_settings_get_header (connection));
  fflush (stdout);

  while (!g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (NULL, TRUE);

  sy_webhook_receiver_stop (receiver);
  /* Events being stored when the signal came are kept before the store
   * closes (its worker finishes what it was given). */
  g_clear_object (&receiver);
  g_clear_object (&state);
  return SY_CLI_EXIT_OK;
}

/* --- events ---------------------------------------------------------- */

static int
webhook_events (SyCliContext   *context,
                char         ***args)
{
  g_autofree char *limit_text = NULL;
  const GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_STRING, &limit_text,
      N_("Show at most N events, newest first (default 20)"), N_("N") },
    { NULL }
  };
  SyConnection *connection;
  g_autoptr(SyStateStore) state = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  guint64 limit = 20;
  int exit_code;

  if (!sy_cli_parse_command (context, args, "webhook events NAME [--limit N]",
                             _("Lists the webhook deliveries a connection's receiver answered, newest first, "
                               "with their verdict, why a refused one was refused and what an accepted one "
                               "started. --json prints {\"events\": [{\"verdict\", \"event_id\", \"type\", "
                               "\"entity\", \"key\", \"reason\", \"received_at\", ...}]}."),
                             entries, 1, 1, &exit_code))
    return exit_code;
  if (limit_text != NULL && !sy_cli_parse_count ("--limit", limit_text, G_MAXINT32, &limit))
    return SY_CLI_EXIT_USAGE;

  connection = sy_cli_context_find_connection (context, (*args)[1], &error);
  if (connection == NULL)
    return sy_cli_report_error (error, NULL);
  state = sy_state_store_open_read_only (sy_cli_context_get_state_dir (context), &error);
  if (state == NULL)
    return sy_cli_report_error (error, _("Could not open the state database"));
  events = sy_state_store_list_webhook_events (state, sy_connection_get_id (connection), (guint) limit, &error);
  if (events == NULL)
    return sy_cli_report_error (error, _("Could not read the webhook events"));

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < events->len; i++)
        {
          SyWebhookEvent *event = g_ptr_array_index (events, i);

          json_array_add_element (array, event_to_json (event, event->verdict, 0));
        }
      json_object_set_array_member (object, "events", array);
      json_node_take_object (node, object);
      sy_cli_print_json (node, FALSE);
      return SY_CLI_EXIT_OK;
    }

  if (events->len == 0)
    g_print (_("No webhook deliveries for “%s” yet\n"), sy_connection_get_name (connection));
  for (guint i = 0; i < events->len; i++)
    {
      SyWebhookEvent *event = g_ptr_array_index (events, i);
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (event->received_at);
      g_autofree char *time_text = g_date_time_format (when, "%Y-%m-%d %H:%M:%S");

      g_print ("%s  %-8s  %s  %s  %s%s%s%s%s\n", time_text, event->verdict,
               event->event_id != NULL ? event->event_id : "-",
               event->entity != NULL ? event->entity : "-",
               event->record_key != NULL ? event->record_key : "-",
               event->reason != NULL ? "  " : "", event->reason != NULL ? event->reason : "",
               event->triggered != NULL ? "  → " : "", event->triggered != NULL ? event->triggered : "");
    }
  return SY_CLI_EXIT_OK;
}

/* The `webhook` group's commands. */
static const SyCliCommand webhook_commands[] = {
  { "verify", N_("Check a webhook delivery's signature"), webhook_verify },
  { "secret", N_("Keep a connection's webhook secret, scheme and header"), webhook_secret },
  { "listen", N_("Receive a connection's webhook deliveries"), webhook_listen },
  { "events", N_("List the webhook deliveries a connection received"), webhook_events },
  { NULL }
};

int
sy_cli_webhook_run (SyCliContext  *context,
                    char         **args)
{
  return sy_cli_run_group (context, "webhook", N_("Check signatures, keep secrets and receive webhook deliveries"),
                           webhook_commands, args);
}
