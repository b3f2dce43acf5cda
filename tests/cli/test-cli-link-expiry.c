/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-link-test-support.h"
#include "sy-sandbox-client.h"
#include "sy-test-support.h"

/* A long sync through Link connections whose tokens expire under it. Its
 * own test (suite "chaos"): under the sanitizers it runs with the fast
 * unwinder, like the chaos test. */

static gboolean
expire_tokens_now (gpointer user_data)
{
  SyLinkTestFixture *fixture = user_data;

  sy_link_test_inspect (fixture, "/__sandbox/link/expire-access-tokens");
  fixture->forced_expiries++;
  return fixture->forced_expiries < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* 20,000 records through two Link connections whose tokens expire every
 * few seconds, and three times at once under the requests in flight:
 * renewed ahead of expiry and on a 401, by one refresh per expiry (a
 * second refresh with the same refresh token would be refused by the
 * sandbox and counted), nothing lost or doubled. */
static void
test_long_sync_token_expiry (SyLinkTestFixture *fixture,
                             gconstpointer      data)
{
  const char * const args[] = { "--seed", "11", "--records", "20000", "--token-ttl", "4", NULL };
  g_autofree char *mapping = g_build_filename (fixture->files_dir, "orders.json", NULL);
  g_auto(SyCliRun) sync = { 0 };
  g_autoptr(JsonNode) stats = NULL;
  g_autoptr(JsonNode) result = NULL;
  gint64 invalid;
  gint64 refreshes;
  guint expiring;

  sy_link_test_start_sandbox (fixture, args);
  sy_link_test_write_mapping (fixture, mapping);
  sy_link_test_link_both (fixture);

  expiring = g_timeout_add (1500, expire_tokens_now, fixture);
  sy_cli_run (&fixture->cli, NULL, &sync, "sync", "run", mapping, "--batch-size", "100", "--concurrency", "8", "--json");
  if (fixture->forced_expiries < 3)
    g_source_remove (expiring);
  result = sy_test_parse_json (sync.out);
  stats = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "GET", "/__sandbox/stats");
  invalid = json_object_get_int_member (json_node_get_object (stats), "invalid_source_records");
  /* Records the ERP rejects fail (exit 1); everything else arrived once. */
  g_assert_cmpint (sync.status, ==, invalid > 0 ? 1 : 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (result), "failed"), ==, invalid);
  g_assert_cmpint (sy_sandbox_client_count (fixture->cli.sandbox, fixture->session, "erp/sales-orders"), ==, 20000 - invalid);
  g_assert_cmpint (sy_sandbox_client_duplicates (fixture->cli.sandbox, fixture->session, "erp/sales-orders", "code"), ==, 0);

  refreshes = sy_link_test_link_counter (fixture, "grants", "refresh_token");
  g_test_message ("%" G_GINT64_FORMAT " refreshes, %" G_GINT64_FORMAT " requests met an expired token",
                  refreshes, sy_link_test_link_counter (fixture, NULL, "expired_token_requests"));
  /* Each connection's token expired at least twice during the run, and
   * requests in flight met the forced expiries... */
  g_assert_cmpint (fixture->forced_expiries, >=, 2);
  g_assert_cmpint (sy_link_test_link_counter (fixture, NULL, "expired_token_requests"), >, 0);
  g_assert_cmpint (refreshes, >=, 4);
  /* ...and each expiry was renewed by one refresh: none was refused. */
  g_assert_cmpint (sy_link_test_link_counter (fixture, NULL, "refused"), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli/link/long-sync-token-expiry", SyLinkTestFixture, NULL,
              sy_link_test_fixture_set_up, test_long_sync_token_expiry, sy_link_test_fixture_tear_down);

  return g_test_run ();
}
