/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "sy-sandbox-data.h"
#include "sy-sandbox-link.h"
#include "sy-sandbox-server.h"
#include "sy-sandbox-tls.h"
#include "sy-sandbox-webhooks.h"

#define EXIT_USAGE 2
#define MAX_RECORDS 1000000
/* Ten years: longer is no test of anything. */
#define MAX_TOKEN_TTL_S ((gint64) 10 * 366 * 24 * 3600)

static gboolean
quit_on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
check_rate (const char  *option,
            double       value,
            GError     **error)
{
  if (value >= 0.0 && value <= 1.0)
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("%s must be a share between 0 and 1"), option);
  return FALSE;
}

/* The first line of standard output is the contract with whoever started
 * us: where we listen, the tokens of the two seeded connections, the Link
 * integration app's client id and secret and, with --tls, the CA
 * certificate to trust. */
static void
announce (SySandboxServer *server,
          SySandboxTls    *tls)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "url");
  json_builder_add_string_value (builder, sy_sandbox_server_get_url (server));
  json_builder_set_member_name (builder, "tokens");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "wms");
  json_builder_add_string_value (builder, sy_sandbox_server_get_token (server, "wms"));
  json_builder_set_member_name (builder, "erp");
  json_builder_add_string_value (builder, sy_sandbox_server_get_token (server, "erp"));
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "link");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, sy_sandbox_link_get_client_id (sy_sandbox_server_get_link (server)));
  json_builder_set_member_name (builder, "client_secret");
  json_builder_add_string_value (builder, sy_sandbox_link_get_client_secret (sy_sandbox_server_get_link (server)));
  json_builder_end_object (builder);
  if (tls != NULL)
    {
      json_builder_set_member_name (builder, "ca");
      json_builder_add_string_value (builder, sy_sandbox_tls_get_ca_file (tls));
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  line = json_generator_to_data (generator, NULL);
  fputs (line, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  gint port = 0;
  gint records = 200;
  gint64 seed = 1;
  gint latency_ms = 0;
  gint rate_limit = 0;
  double fail_rate = 0, drop_rate = 0, invalid_rate = 0;
  double webhook_forge_rate = 0, webhook_repeat_rate = 0;
  g_autofree char *pagination = NULL;
  g_autofree char *webhook_url = NULL;
  g_autofree char *webhook_secret_file = NULL;
  g_autofree char *webhook_secret = NULL;
  g_autofree char *webhook_header = NULL;
  gboolean tls = FALSE;
  gint64 token_ttl = 0;
  const GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port,
      N_("Port on 127.0.0.1 to listen on (0: a free port)"), N_("N") },
    { "records", 0, 0, G_OPTION_ARG_INT, &records,
      N_("Number of warehouse sales orders (default 200)"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      N_("Seed of the generated data and of the switches (default 1)"), N_("N") },
    { "latency-ms", 0, 0, G_OPTION_ARG_INT, &latency_ms,
      N_("Delay every API answer by this many milliseconds"), N_("N") },
    { "rate-limit", 0, 0, G_OPTION_ARG_INT, &rate_limit,
      N_("Answer 429 past this many requests per minute per token (0: no limit)"), N_("PER_MINUTE") },
    { "fail-rate", 0, 0, G_OPTION_ARG_DOUBLE, &fail_rate,
      N_("Share of API requests answered with a 5xx"), N_("F") },
    { "drop-rate", 0, 0, G_OPTION_ARG_DOUBLE, &drop_rate,
      N_("Share of API requests whose connection is closed without an answer: half of them "
         "before the request is carried out, half after it (a write is stored, its answer lost)"),
      N_("F") },
    { "invalid-rate", 0, 0, G_OPTION_ARG_DOUBLE, &invalid_rate,
      N_("Share of warehouse sales orders the ERP rejects"), N_("F") },
    { "pagination", 0, 0, G_OPTION_ARG_STRING, &pagination,
      N_("Pagination style of lists: pages (default) or cursor"), N_("pages|cursor") },
    { "tls", 0, 0, G_OPTION_ARG_NONE, &tls,
      N_("Serve HTTPS with a certificate from a throw-away CA made at start; the first line "
         "names the CA file to trust (\"ca\"), which is removed at exit"), NULL },
    { "token-ttl", 0, 0, G_OPTION_ARG_INT64, &token_ttl,
      N_("Lifetime of every access token Link issues (/link/token, /api/system/connections); "
         "0: 30 days. The seeded tokens never expire"), N_("SECONDS") },
    { "webhook-url", 0, 0, G_OPTION_ARG_STRING, &webhook_url,
      N_("After each create, update and touch, POST a signed delivery about the record to this URL "
         "(needs --webhook-secret-file)"), N_("URL") },
    { "webhook-secret-file", 0, 0, G_OPTION_ARG_FILENAME, &webhook_secret_file,
      N_("File holding the webhook signing secret, read once at start (a trailing newline is not "
         "part of it)"), N_("FILE") },
    { "webhook-header", 0, 0, G_OPTION_ARG_STRING, &webhook_header,
      N_("Header that carries the signature (default X-Signature)"), N_("NAME") },
    { "webhook-forge-rate", 0, 0, G_OPTION_ARG_DOUBLE, &webhook_forge_rate,
      N_("Share of changes that also get a forged delivery: another event id, a bad signature"),
      N_("F") },
    { "webhook-repeat-rate", 0, 0, G_OPTION_ARG_DOUBLE, &webhook_repeat_rate,
      N_("Share of genuine deliveries sent a second time, same body, after the first is done"),
      N_("F") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SySandboxData) data = NULL;
  g_autoptr(SySandboxServer) server = NULL;
  g_autoptr(SySandboxWebhooks) webhooks = NULL;
  g_autoptr(SySandboxTls) sandbox_tls = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  SySandboxServerOptions options = { 0 };
  guint sigterm_id, sigint_id;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("A local server that speaks the unified API, with seeded "
                                  "warehouse (wms) and ERP (erp) data. The first line printed "
                                  "is JSON with its URL, the two connections' tokens and the Link "
                                  "integration app's client id and secret."));
  g_option_context_set_description (context,
                                    _("Inspection, from loopback only and without a token:\n"
                                      "  GET /__sandbox/stats  requests by status and method, drops, writes, record counts\n"
                                      "  GET /__sandbox/duplicates?entity=E&field=F  records sharing a value of F\n"
                                      "  POST /__sandbox/touch?entity=E&count=N  edit N records of E now (updatedAt and a "
                                      "harmless field) and list their keys\n"
                                      "  POST /__sandbox/netsuite/certificates  register a certificate for the NetSuite "
                                      "token endpoint\n"
                                      "  POST /__sandbox/link/revoke-refresh-tokens  every Link refresh token stops working\n"
                                      "  POST /__sandbox/link/expire-access-tokens  every Link access token expires now\n"
                                      "\n"
                                      "Webhooks: each delivery is a POST of {\"id\", \"type\", \"entity\", \"key\", "
                                      "\"occurred_at\"} with X-Signature: base64 of the HMAC-SHA256 of the body. A 5xx, a "
                                      "429 or no answer is retried after 0.5 s, 1 s, 2 s … (at most 30 s apart, 8 attempts); "
                                      "another 4xx is final. /__sandbox/stats counts them under \"webhooks\"; "
                                      "\"pending\": 0 means all are done."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto usage;

  if (argc > 1)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("Unexpected argument “%s”"), argv[1]);
      goto usage;
    }
  if (port < 0 || port > 65535)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--port must be between 0 and 65535"));
      goto usage;
    }
  if (records < 0 || records > MAX_RECORDS)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--records must be between 0 and %d"), MAX_RECORDS);
      goto usage;
    }
  if (seed < 0 || seed > G_MAXUINT32)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--seed must be between 0 and %u"), G_MAXUINT32);
      goto usage;
    }
  if (latency_ms < 0 || latency_ms > 600000)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--latency-ms must be between 0 and 600000"));
      goto usage;
    }
  if (token_ttl < 0 || token_ttl > MAX_TOKEN_TTL_S)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--token-ttl must be between 0 and %" G_GINT64_FORMAT), MAX_TOKEN_TTL_S);
      goto usage;
    }
  if (rate_limit < 0)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--rate-limit must not be negative"));
      goto usage;
    }
  if (!check_rate ("--fail-rate", fail_rate, &error) ||
      !check_rate ("--drop-rate", drop_rate, &error) ||
      !check_rate ("--invalid-rate", invalid_rate, &error) ||
      !check_rate ("--webhook-forge-rate", webhook_forge_rate, &error) ||
      !check_rate ("--webhook-repeat-rate", webhook_repeat_rate, &error))
    goto usage;
  if (pagination != NULL && !g_str_equal (pagination, "pages") && !g_str_equal (pagination, "cursor"))
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--pagination must be “pages” or “cursor”"));
      goto usage;
    }
  if (webhook_url != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (webhook_url, G_URI_FLAGS_NONE, NULL);
      const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
      const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

      if (scheme == NULL || (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
          host == NULL || *host == '\0')
        {
          g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--webhook-url must be an http or https URL"));
          goto usage;
        }
    }
  /* An HTTP token: letters, digits and !#$%&'*+-.^_`|~ */
  if (webhook_header != NULL &&
      (*webhook_header == '\0' ||
       strspn (webhook_header, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~") !=
       strlen (webhook_header)))
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--webhook-header must be an HTTP header name"));
      goto usage;
    }
  if (webhook_url != NULL && webhook_secret_file == NULL)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--webhook-url needs --webhook-secret-file to sign the deliveries"));
      goto usage;
    }
  if (webhook_secret_file != NULL)
    {
      webhook_secret = sy_sandbox_webhooks_read_secret (webhook_secret_file, &error);
      if (webhook_secret == NULL)
        {
          g_prefix_error (&error, "--webhook-secret-file: ");
          goto usage;
        }
    }

  /* A client that goes away mid-answer must not kill the server. */
  signal (SIGPIPE, SIG_IGN);

  options.latency_ms = latency_ms;
  options.rate_limit = rate_limit;
  options.fail_rate = fail_rate;
  options.drop_rate = drop_rate;
  options.cursor_pagination = pagination != NULL && g_str_equal (pagination, "cursor");
  options.seed = (guint32) seed;
  options.token_ttl_s = (guint64) token_ttl;

  data = sy_sandbox_data_new (records, (guint32) seed, invalid_rate);
  server = sy_sandbox_server_new (data, &options);
  if (webhook_url != NULL)
    {
      webhooks = sy_sandbox_webhooks_new (webhook_url, webhook_header, webhook_secret,
                                          webhook_forge_rate, webhook_repeat_rate, (guint32) seed);
      sy_sandbox_server_set_webhooks (server, webhooks);
    }
  if (tls)
    {
      sandbox_tls = sy_sandbox_tls_new (&error);
      if (sandbox_tls == NULL)
        {
          g_printerr (_("switchyard-sandbox: cannot serve HTTPS: %s\n"), error->message);
          return 1;
        }
      sy_sandbox_server_set_tls_certificate (server, sy_sandbox_tls_get_certificate (sandbox_tls));
    }
  if (!sy_sandbox_server_listen (server, port, &error))
    {
      g_printerr (_("switchyard-sandbox: cannot listen on 127.0.0.1:%d: %s\n"), port, error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_on_signal, loop);
  sigint_id = g_unix_signal_add (SIGINT, quit_on_signal, loop);

  announce (server, sandbox_tls);
  g_main_loop_run (loop);

  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);

  /* Deliveries still in flight end as cancelled; their callbacks hold the
   * last references, so let them run before we go. */
  if (webhooks != NULL)
    {
      sy_sandbox_webhooks_close (webhooks);
      while (sy_sandbox_webhooks_get_n_in_flight (webhooks) > 0)
        g_main_context_iteration (NULL, TRUE);
    }
  return 0;

usage:
  g_printerr ("switchyard-sandbox: %s\n", error->message);
  g_printerr (_("Try “switchyard-sandbox --help” for the options.\n"));
  return EXIT_USAGE;
}
