/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "sy-error.h"
#include "sy-link-test-support.h"
#include "sy-sandbox-client.h"
#include "sy-secret-store.h"
#include "sy-test-support.h"

/* `switchyard-cli connection link|create|providers` and what a Link
 * connection does afterwards, against a real switchyard-sandbox and the
 * test session's real keyring: the browser's part is played with plain
 * HTTP requests (the authorisation URL with `&auto=allow|deny`, then the
 * redirect to the CLI's loopback listener). The long sync whose tokens
 * expire under it is test-cli-link-expiry. */

static void
test_link_allow (SyLinkTestFixture *fixture,
                 gconstpointer      data)
{
  const char * const args[] = { "--records", "20", NULL };
  g_auto(SyCliRun) run = { 0 };
  g_auto(SyCliRun) records = { 0 };
  g_autoptr(JsonObject) connection = NULL;
  JsonObject *options;
  g_autofree char *access = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *expiry = NULL;
  g_autofree char *client_secret = NULL;

  sy_link_test_start_sandbox (fixture, args);
  sy_link_test_run_link (fixture, "warehouse", BROWSER_ALLOW, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "warehouse"));

  connection = sy_link_test_find_connection (fixture, "warehouse");
  g_assert_nonnull (connection);
  /* The platform came from the API, asked with the new token. */
  g_assert_cmpstr (json_object_get_string_member (connection, "platform"), ==, "mintsoft");
  options = json_object_get_object_member (connection, "options");
  g_assert_cmpstr (json_object_get_string_member (options, "auth"), ==, "link");
  g_assert_cmpstr (json_object_get_string_member (options, "link_client_id"), ==,
                   sy_sandbox_process_get_link_client_id (fixture->cli.sandbox));

  /* Everything secret is in the keyring, and nowhere else. */
  access = sy_link_test_lookup_secret (json_object_get_string_member (connection, "id"), SY_SECRET_KIND_ACCESS_TOKEN);
  refresh = sy_link_test_lookup_secret (json_object_get_string_member (connection, "id"), SY_SECRET_KIND_REFRESH_TOKEN);
  expiry = sy_link_test_lookup_secret (json_object_get_string_member (connection, "id"), SY_SECRET_KIND_TOKEN_EXPIRY);
  client_secret = sy_link_test_lookup_secret (json_object_get_string_member (connection, "id"), SY_SECRET_KIND_CLIENT_SECRET);
  g_assert_nonnull (access);
  g_assert_nonnull (refresh);
  g_assert_nonnull (expiry);
  g_assert_cmpstr (client_secret, ==, sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox));
  sy_link_test_assert_not_in_files (fixture->cli.config_dir, access);
  sy_link_test_assert_not_in_files (fixture->cli.config_dir, refresh);
  sy_link_test_assert_not_in_files (fixture->cli.config_dir, client_secret);
  sy_link_test_assert_not_in_files (fixture->cli.state_dir, access);
  sy_link_test_assert_not_in_files (fixture->cli.state_dir, refresh);
  g_assert_null (strstr (run.err, access));
  g_assert_null (strstr (run.out, access));

  g_assert_cmpint (sy_link_test_link_counter (fixture, NULL, "authorized"), ==, 1);
  g_assert_cmpint (sy_link_test_link_counter (fixture, "grants", "authorization_code"), ==, 1);

  sy_cli_run (&fixture->cli, NULL, &records, "records", "list", "warehouse", "wms/sales-orders", "--limit", "3", "--json");
  g_assert_cmpint (records.status, ==, 0);
  g_assert_cmpuint (sy_test_count_lines (records.out), ==, 3);
}


static void
test_link_deny (SyLinkTestFixture *fixture,
                gconstpointer      data)
{
  g_auto(SyCliRun) run = { 0 };

  sy_link_test_start_sandbox (fixture, NULL);
  sy_link_test_run_link (fixture, "warehouse", BROWSER_DENY, &run);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_nonnull (strstr (run.err, "denied"));
  g_assert_nonnull (strstr (run.err, "Nothing was stored"));
  sy_link_test_assert_nothing_stored (fixture, "warehouse");
  g_assert_cmpint (sy_link_test_link_counter (fixture, "grants", "authorization_code"), ==, 0);
}

static void
test_link_wrong_state (SyLinkTestFixture *fixture,
                       gconstpointer      data)
{
  g_auto(SyCliRun) run = { 0 };

  sy_link_test_start_sandbox (fixture, NULL);
  sy_link_test_run_link (fixture, "warehouse", BROWSER_WRONG_STATE, &run);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_nonnull (strstr (run.err, "state"));
  sy_link_test_assert_nothing_stored (fixture, "warehouse");
  /* The forged code never reached the token endpoint. */
  g_assert_cmpint (sy_link_test_link_counter (fixture, "grants", "authorization_code"), ==, 0);
  g_assert_cmpint (sy_link_test_link_counter (fixture, NULL, "refused"), ==, 0);
}

static void
test_link_timeout (SyLinkTestFixture *fixture,
                   gconstpointer      data)
{
  g_auto(SyCliRun) run = { 0 };
  g_autofree char *input = NULL;

  sy_link_test_start_sandbox (fixture, NULL);
  input = g_strconcat (sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox), "\n", NULL);
  sy_cli_run (&fixture->cli, input, &run, "connection", "link", "warehouse",
              "--client-id", sy_sandbox_process_get_link_client_id (fixture->cli.sandbox),
              "--client-secret-stdin", "--url", sy_sandbox_process_get_url (fixture->cli.sandbox),
              "--no-browser", "--timeout", "1");
  g_assert_cmpint (run.status, ==, 3);
  g_assert_cmpuint (sy_test_count_lines (run.out), ==, 1);
  g_assert_nonnull (strstr (run.err, "did not come back"));
  sy_link_test_assert_nothing_stored (fixture, "warehouse");
}



/* A token that expires is renewed once by whoever meets it; a refresh
 * token that no longer works means "needs reconnecting"; Reconnect keeps
 * the connection's id, so its runs and key map, and the run resumes. */
static void
test_refresh_and_reconnect (SyLinkTestFixture *fixture,
                            gconstpointer      data)
{
  const char * const args[] = { "--seed", "7", "--records", "120", NULL };
  g_autofree char *mapping = g_build_filename (fixture->files_dir, "orders.json", NULL);
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autofree char *run_id = NULL;
  gint64 refreshes;

  sy_link_test_start_sandbox (fixture, args);
  sy_link_test_write_mapping (fixture, mapping);
  sy_link_test_link_both (fixture);
  before = sy_link_test_find_connection (fixture, "mintsoft");

  /* Expired under the CLI's feet: the 401 is met, refreshed once, sent again. */
  sy_link_test_inspect (fixture, "/__sandbox/link/expire-access-tokens");
  {
    g_auto(SyCliRun) records = { 0 };

    sy_cli_run (&fixture->cli, NULL, &records, "records", "list", "mintsoft", "wms/sales-orders", "--limit", "2", "--json");
    g_assert_cmpint (records.status, ==, 0);
    g_assert_cmpuint (sy_test_count_lines (records.out), ==, 2);
  }
  g_assert_cmpint (sy_link_test_link_counter (fixture, "grants", "refresh_token"), ==, 1);
  /* The renewed pair was kept: a second process uses it without refreshing. */
  {
    g_auto(SyCliRun) records = { 0 };

    sy_cli_run (&fixture->cli, NULL, &records, "records", "list", "mintsoft", "wms/sales-orders", "--limit", "2", "--json");
    g_assert_cmpint (records.status, ==, 0);
  }
  g_assert_cmpint (sy_link_test_link_counter (fixture, "grants", "refresh_token"), ==, 1);

  /* A first run, interrupted by a sign-in that can no longer be renewed. */
  {
    g_auto(SyCliRun) sync = { 0 };

    sy_cli_run (&fixture->cli, NULL, &sync, "sync", "run", mapping, "--batch-size", "50", "--json");
    g_assert_cmpint (sync.status, ==, 0);
  }
  sy_link_test_inspect (fixture, "/__sandbox/touch?entity=wms/sales-orders&count=60");
  sy_link_test_inspect (fixture, "/__sandbox/link/revoke-refresh-tokens");
  sy_link_test_inspect (fixture, "/__sandbox/link/expire-access-tokens");
  {
    g_auto(SyCliRun) sync = { 0 };

    sy_cli_run (&fixture->cli, NULL, &sync, "sync", "run", mapping, "--batch-size", "50", "--json");
    g_assert_cmpint (sync.status, ==, 3);
    g_assert_nonnull (strstr (sync.err, "needs reconnecting"));
    run_id = sy_link_test_parse_run_id (sync.out);
    g_assert_nonnull (run_id);
  }
  refreshes = sy_link_test_link_counter (fixture, "grants", "refresh_token");

  /* Reconnect: the same connection, the same id, its history kept. */
  {
    g_auto(SyCliRun) relinked = { 0 };

    sy_link_test_run_link (fixture, "mintsoft", BROWSER_ALLOW, &relinked);
    g_assert_cmpint (relinked.status, ==, 0);
    g_assert_nonnull (strstr (relinked.out, "Reconnected"));
    g_clear_pointer (&relinked.out, g_free);
    g_clear_pointer (&relinked.err, g_free);
    sy_link_test_run_link (fixture, "netsuite", BROWSER_ALLOW_ERP, &relinked);
    g_assert_cmpint (relinked.status, ==, 0);
  }
  after = sy_link_test_find_connection (fixture, "mintsoft");
  g_assert_cmpstr (json_object_get_string_member (after, "id"), ==, json_object_get_string_member (before, "id"));

  {
    g_auto(SyCliRun) resumed = { 0 };

    sy_cli_run (&fixture->cli, NULL, &resumed, "sync", "resume", run_id, "--json");
    g_assert_cmpint (resumed.status, ==, 0);
  }
  /* Nothing lost, nothing written twice, and no refresh needed. */
  g_assert_cmpint (sy_sandbox_client_duplicates (fixture->cli.sandbox, fixture->session, "erp/sales-orders", "code"), ==, 0);
  {
    g_autoptr(JsonNode) stats = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "GET", "/__sandbox/stats");
    gint64 invalid = json_object_get_int_member (json_node_get_object (stats), "invalid_source_records");

    g_assert_cmpint (sy_sandbox_client_count (fixture->cli.sandbox, fixture->session, "erp/sales-orders"), ==, 120 - invalid);
  }
  g_assert_cmpint (sy_link_test_link_counter (fixture, "grants", "refresh_token"), ==, refreshes);
}

/* The admin flow: the credentials go to the server once and are kept
 * nowhere: not in the configuration, the state, or the keyring. */
static void
test_create_with_credentials (SyLinkTestFixture *fixture,
                              gconstpointer      data)
{
  const char *credential = "mintsoft-api-key-7f3a9c";
  g_autofree char *input = NULL;
  g_autofree char *missing = NULL;
  g_autoptr(JsonObject) connection = NULL;
  const char *kinds[] = { SY_SECRET_KIND_ACCESS_TOKEN, SY_SECRET_KIND_REFRESH_TOKEN, SY_SECRET_KIND_TOKEN_EXPIRY,
                          SY_SECRET_KIND_CLIENT_SECRET, SY_SECRET_KIND_WEBHOOK_SECRET, SY_SECRET_KIND_PRIVATE_KEY };

  sy_link_test_start_sandbox (fixture, NULL);
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *secret_line = g_strconcat (sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox), "\n", NULL);

    sy_cli_run (&fixture->cli, secret_line, &run, "connection", "providers",
                "--client-id", sy_sandbox_process_get_link_client_id (fixture->cli.sandbox),
                "--client-secret-stdin", "--url", sy_sandbox_process_get_url (fixture->cli.sandbox));
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "mintsoft"));
    g_assert_nonnull (strstr (run.out, "api_key"));
  }

  /* A required credential left out: said before anything is sent. */
  missing = g_strconcat (sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox), "\n", NULL);
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, missing, &run, "connection", "create", "shop", "--provider", "mintsoft",
                "--email", "ops@example.com",
                "--client-id", sy_sandbox_process_get_link_client_id (fixture->cli.sandbox),
                "--client-secret-stdin", "--url", sy_sandbox_process_get_url (fixture->cli.sandbox));
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "api_key"));
    sy_link_test_assert_nothing_stored (fixture, "shop");
  }

  input = g_strdup_printf ("%s\napi_key=%s\n", sy_sandbox_process_get_link_client_secret (fixture->cli.sandbox), credential);
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, input, &run, "connection", "create", "shop", "--provider", "mintsoft",
                "--email", "ops@example.com",
                "--client-id", sy_sandbox_process_get_link_client_id (fixture->cli.sandbox),
                "--client-secret-stdin", "--url", sy_sandbox_process_get_url (fixture->cli.sandbox));
    g_assert_cmpint (run.status, ==, 0);
    g_assert_null (strstr (run.out, credential));
    g_assert_null (strstr (run.err, credential));
  }
  g_assert_cmpint (sy_link_test_link_counter (fixture, NULL, "connections_created"), ==, 1);

  connection = sy_link_test_find_connection (fixture, "shop");
  g_assert_nonnull (connection);
  g_assert_cmpstr (json_object_get_string_member (connection, "platform"), ==, "mintsoft");
  sy_link_test_assert_not_in_files (fixture->cli.config_dir, credential);
  sy_link_test_assert_not_in_files (fixture->cli.state_dir, credential);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *secret = sy_link_test_lookup_secret (json_object_get_string_member (connection, "id"), kinds[i]);

      if (secret != NULL)
        g_assert_null (strstr (secret, credential));
    }

  {
    g_auto(SyCliRun) records = { 0 };

    sy_cli_run (&fixture->cli, NULL, &records, "records", "list", "shop", "wms/sales-orders", "--limit", "2", "--json");
    g_assert_cmpint (records.status, ==, 0);
    g_assert_cmpuint (sy_test_count_lines (records.out), ==, 2);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, SyLinkTestFixture, NULL, sy_link_test_fixture_set_up, func, sy_link_test_fixture_tear_down)
  ADD ("/cli/link/allow", test_link_allow);
  ADD ("/cli/link/deny", test_link_deny);
  ADD ("/cli/link/wrong-state", test_link_wrong_state);
  ADD ("/cli/link/timeout", test_link_timeout);
  ADD ("/cli/link/refresh-and-reconnect", test_refresh_and_reconnect);
  ADD ("/cli/link/create-with-credentials", test_create_with_credentials);
#undef ADD

  return g_test_run ();
}
