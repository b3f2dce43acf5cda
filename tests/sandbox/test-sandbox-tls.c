/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <glib/gstdio.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-cli-test-support.h"
#include "sy-paths.h"
#include "sy-sandbox-client.h"
#include "sy-test-support.h"

/* `switchyard-sandbox --tls`: real HTTPS with a CA made at start, trusted
 * only by the clients that are told to (docs/architecture.md §9), and a
 * count of the connections it accepts, so that tests and benchmarks can
 * count handshakes. */

static const char * const tls_args[] = { "--tls", "--records", "20", NULL };
static const char * const plain_args[] = { "--records", "20", NULL };

/* A client that trusts the sandbox's CA and nothing else. */
static SoupSession *
trusting_session (const char *ca_file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (ca_file, &error);

  g_assert_no_error (error);
  return soup_session_new_with_options ("tls-database", database, "timeout", 20, NULL);
}

/* /__sandbox/stats' connections.accepted, read on a connection of its
 * own (which it counts too). */
static gint64
accepted_connections (SySandboxProcess *sandbox)
{
  const char *ca_file = sy_sandbox_process_get_ca_file (sandbox);
  g_autoptr(SoupSession) session = ca_file != NULL ? trusting_session (ca_file)
                                                   : soup_session_new_with_options ("timeout", 20, NULL);
  g_autoptr(JsonNode) stats = sy_sandbox_client_inspect (sandbox, session, "GET", "/__sandbox/stats");
  JsonObject *connections = json_object_get_object_member (json_node_get_object (stats), "connections");

  g_assert_nonnull (connections);
  return json_object_get_int_member (connections, "accepted");
}

static void
assert_is_ca_certificate (const char *path)
{
  g_autofree char *pem = NULL;
  gsize length = 0;
  gnutls_datum_t datum;
  gnutls_x509_crt_t crt;
  unsigned int critical = 0;

  g_assert_true (g_file_get_contents (path, &pem, &length, NULL));
  g_assert_true (g_str_has_prefix (pem, "-----BEGIN CERTIFICATE-----\n"));
  /* The CA's certificate only: its key never leaves the sandbox. */
  g_assert_null (strstr (pem, "PRIVATE KEY"));

  datum.data = (unsigned char *) pem;
  datum.size = length;
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_PEM), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_get_ca_status (crt, &critical), >, 0);
  g_assert_cmpint (gnutls_x509_crt_get_expiration_time (crt), >, time (NULL));
  gnutls_x509_crt_deinit (crt);
}

/* switchyard-sandbox --tls as a child of our own, for what needs its
 * process: its first line, parsed, in *announced. */
static GSubprocess *
spawn_tls_sandbox (JsonNode **announced)
{
  g_autofree char *program = sy_paths_find_sandbox ();
  g_autoptr(GSubprocess) sandbox = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_nonnull (program);
  sandbox = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                              program, "--tls", "--records", "5", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sandbox));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);

  *announced = sy_test_parse_json (line);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*announced));
  return g_steal_pointer (&sandbox);
}

static void
terminate (GSubprocess *sandbox)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (sandbox, SIGTERM);
  g_subprocess_wait (sandbox, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (sandbox));
  g_assert_cmpint (g_subprocess_get_exit_status (sandbox), ==, 0);
}

/* The first line as any tool reads it: the contract's members plus "ca";
 * the CA file lives in a private directory that SIGTERM takes away. */
static void
test_first_line (void)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GSubprocess) sandbox = spawn_tls_sandbox (&root);
  g_autofree char *dir = NULL;
  JsonObject *object;
  JsonObject *tokens;
  const char *url;
  const char *ca_file;
  GStatBuf dir_stat;

  object = json_node_get_object (root);
  url = json_object_get_string_member (object, "url");
  g_assert_true (g_str_has_prefix (url, "https://127.0.0.1:"));
  tokens = json_object_get_object_member (object, "tokens");
  g_assert_nonnull (tokens);
  g_assert_cmpstr (json_object_get_string_member (tokens, "wms"), !=, "");
  g_assert_cmpstr (json_object_get_string_member (tokens, "erp"), !=, "");

  ca_file = json_object_get_string_member (object, "ca");
  g_assert_nonnull (ca_file);
  g_assert_true (g_path_is_absolute (ca_file));
  assert_is_ca_certificate (ca_file);

  dir = g_path_get_dirname (ca_file);
  g_assert_cmpint (g_stat (dir, &dir_stat), ==, 0);
  g_assert_cmpuint (dir_stat.st_mode & 0777, ==, 0700);

  terminate (sandbox);
  g_assert_false (g_file_test (ca_file, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* Without --tls nothing changes: http, no "ca". */
static void
test_plain_has_no_ca (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (plain_args);

  g_assert_true (g_str_has_prefix (sy_sandbox_process_get_url (sandbox), "http://127.0.0.1:"));
  g_assert_null (sy_sandbox_process_get_ca_file (sandbox));
}

static void
test_trusted_client_reads (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (tls_args);
  g_autoptr(SoupSession) session = trusting_session (sy_sandbox_process_get_ca_file (sandbox));
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(GPtrArray) orders = NULL;
  JsonArray *data;

  page = sy_sandbox_client_get (sandbox, session, "wms", "/api/wms/sales-orders?per_page=5");
  data = json_object_get_array_member (json_node_get_object (page), "data");
  g_assert_cmpuint (json_array_get_length (data), ==, 5);

  /* By name as well as by address: the certificate names both. */
  {
    g_autofree char *url = g_strdup (sy_sandbox_process_get_url (sandbox));
    g_autofree char *local = NULL;
    g_autoptr(SoupMessage) msg = NULL;
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GError) error = NULL;

    local = g_strconcat ("https://localhost", strrchr (url, ':'), "/__sandbox/stats", NULL);
    msg = soup_message_new ("GET", local);
    body = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  }

  orders = sy_sandbox_client_list_all (sandbox, session, "wms", "wms/sales-orders");
  g_assert_cmpuint (orders->len, ==, 20);
}

/* A client that does not trust the CA gets a TLS error, and nothing it
 * sent reaches the API: with the system's trust, and with another
 * sandbox's CA. */
static void
assert_refused (SySandboxProcess *sandbox,
                SoupSession      *session)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), "/api/wms/products", NULL);
  g_autofree char *authorization = g_strconcat ("Bearer ", sy_sandbox_process_get_token (sandbox, "wms"), NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_cmpuint (soup_message_get_tls_peer_certificate_errors (msg) & G_TLS_CERTIFICATE_UNKNOWN_CA, !=, 0);
}

static void
test_untrusted_client_fails (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (tls_args);
  g_autoptr(SySandboxProcess) other = sy_test_start_sandbox (tls_args);
  g_autoptr(SoupSession) system_trust = soup_session_new_with_options ("timeout", 20, NULL);
  g_autoptr(SoupSession) other_trust = trusting_session (sy_sandbox_process_get_ca_file (other));
  g_autoptr(SoupSession) session = trusting_session (sy_sandbox_process_get_ca_file (sandbox));
  g_autoptr(JsonNode) stats = NULL;
  JsonObject *methods;
  gint64 before;

  /* Each CA is made anew. */
  g_assert_cmpstr (sy_sandbox_process_get_ca_file (sandbox), !=, sy_sandbox_process_get_ca_file (other));

  before = accepted_connections (sandbox);
  assert_refused (sandbox, system_trust);
  assert_refused (sandbox, other_trust);

  /* Each refusal was a connection accepted whose handshake failed. */
  g_assert_cmpint (accepted_connections (sandbox), ==, before + 1 + 2);
  stats = sy_sandbox_client_inspect (sandbox, session, "GET", "/__sandbox/stats");
  methods = json_object_get_object_member (json_node_get_object (stats), "methods");
  g_assert_false (json_object_has_member (methods, "GET"));
}

/* Run over TLS and over plain HTTP: N requests that each ask for a new
 * connection open N connections; N requests on one session share one
 * kept-alive connection. */
static void
test_connections_counted (gconstpointer data)
{
  const char * const *args = data;
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (args);
  const char *ca_file = sy_sandbox_process_get_ca_file (sandbox);
  g_autofree char *authorization = g_strconcat ("Bearer ", sy_sandbox_process_get_token (sandbox, "wms"), NULL);
  const guint n = 5;
  gint64 before, after;

  g_assert_true ((ca_file != NULL) == (args == tls_args));

  before = accepted_connections (sandbox);
  {
    g_autoptr(SoupSession) session = ca_file != NULL ? trusting_session (ca_file)
                                                     : soup_session_new_with_options ("timeout", 20, NULL);

    for (guint i = 0; i < n; i++)
      {
        g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), "/api/integrations/current", NULL);
        g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
        g_autoptr(GBytes) body = NULL;
        g_autoptr(GError) error = NULL;

        soup_message_add_flags (msg, SOUP_MESSAGE_NEW_CONNECTION);
        soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
        body = soup_session_send_and_read (session, msg, NULL, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
      }
  }
  after = accepted_connections (sandbox);
  /* The second reading's own connection is the 1. */
  g_assert_cmpint (after - before, ==, n + 1);

  before = after;
  {
    g_autoptr(SoupSession) session = ca_file != NULL ? trusting_session (ca_file)
                                                     : soup_session_new_with_options ("timeout", 20, NULL);

    for (guint i = 0; i < n; i++)
      {
        g_autoptr(JsonNode) page = sy_sandbox_client_get (sandbox, session, "wms", "/api/wms/products?per_page=3");

        g_assert_true (JSON_NODE_HOLDS_OBJECT (page));
      }
  }
  after = accepted_connections (sandbox);
  g_assert_cmpint (after - before, ==, 1 + 1);
}

/* A client that closes its kept-alive TLS connection says goodbye first
 * (close_notify), which libsoup 3.2's server reads as a failed request
 * and then forgets the connection: the sandbox must still close each one
 * rather than hold a descriptor per client that went away. */
static void
test_closed_keepalive_connections (void)
{
  g_autoptr(JsonNode) announced = NULL;
  g_autoptr(GSubprocess) sandbox = spawn_tls_sandbox (&announced);
  JsonObject *object = json_node_get_object (announced);
  const char *pid = g_subprocess_get_identifier (sandbox);
  const char *ca_file = json_object_get_string_member (object, "ca");
  g_autofree char *url = g_strconcat (json_object_get_string_member (object, "url"),
                                      "/api/wms/products?per_page=1", NULL);
  g_autofree char *authorization =
    g_strconcat ("Bearer ", json_object_get_string_member (json_object_get_object_member (object, "tokens"), "wms"),
                 NULL);
  guint before, after = 0;

  before = sy_test_count_open_files (pid);
  for (guint i = 0; i < 100; i++)
    {
      /* A session of its own each time: closed after its one request. */
      g_autoptr(SoupSession) session = trusting_session (ca_file);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
      body = soup_session_send_and_read (session, msg, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
    }
  /* The last closes may still be on their way. */
  for (guint attempt = 0; attempt < 500; attempt++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      after = sy_test_count_open_files (pid);
      if (after <= before + 2)
        break;
      g_usleep (10 * 1000);
    }

  terminate (sandbox);
  g_assert_cmpuint (after, <=, before + 2);
}

/* What a user does: switchyard-cli trusts the sandbox's CA for this one
 * connection (--ca-file), with its token in the real keyring, and reads
 * records over HTTPS; without --ca-file the connection is refused. */
static void
test_cli_with_ca_file (void)
{
  SyCliFixture fixture = { 0 };
  g_autofree char *token = NULL;
  g_auto(SyCliRun) untrusted = { 0 };
  g_auto(SyCliRun) add = { 0 };
  g_auto(SyCliRun) list = { 0 };
  g_auto(GStrv) lines = NULL;

  sy_cli_fixture_set_up (&fixture, "switchyard-sandbox-tls", FALSE);
  fixture.sandbox = sy_test_start_sandbox (tls_args);
  token = g_strconcat (sy_sandbox_process_get_token (fixture.sandbox, "wms"), "\n", NULL);

  sy_cli_run (&fixture, token, &untrusted, "connection", "add", "Untrusted",
              "--url", sy_sandbox_process_get_url (fixture.sandbox), "--token-stdin");
  g_assert_cmpint (untrusted.status, ==, 3);
  sy_cli_assert_one_error_line (&untrusted);

  sy_cli_run (&fixture, token, &add, "connection", "add", "Warehouse",
              "--url", sy_sandbox_process_get_url (fixture.sandbox),
              "--ca-file", sy_sandbox_process_get_ca_file (fixture.sandbox), "--token-stdin");
  g_assert_cmpint (add.status, ==, 0);

  sy_cli_run (&fixture, NULL, &list, "--json", "records", "list", "Warehouse", "wms/sales-orders", "--limit", "7");
  g_assert_cmpint (list.status, ==, 0);
  g_assert_cmpstr (list.err, ==, "");
  lines = g_strsplit (list.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 7 + 1);
  for (guint i = 0; i < 7; i++)
    {
      g_autoptr(JsonNode) record = sy_test_parse_json (lines[i]);

      g_assert_true (json_object_has_member (json_node_get_object (record), "key"));
    }

  sy_cli_fixture_tear_down (&fixture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sandbox/tls/first-line", test_first_line);
  g_test_add_func ("/sandbox/tls/plain-has-no-ca", test_plain_has_no_ca);
  g_test_add_func ("/sandbox/tls/trusted-client-reads", test_trusted_client_reads);
  g_test_add_func ("/sandbox/tls/untrusted-client-fails", test_untrusted_client_fails);
  g_test_add_data_func ("/sandbox/tls/connections-counted/tls", tls_args, test_connections_counted);
  g_test_add_data_func ("/sandbox/tls/connections-counted/plain", plain_args, test_connections_counted);
  g_test_add_func ("/sandbox/tls/closed-keepalive-connections", test_closed_keepalive_connections);
  g_test_add_func ("/sandbox/tls/cli-with-ca-file", test_cli_with_ca_file);

  return g_test_run ();
}
