/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-link-sign-in.h"
#include "sy-secret-store-private.h"
#include "sy-sandbox-client.h"
#include "sy-test-support.h"
#include "sy-token-keeper.h"

/* SyTokenKeeper against a real switchyard-sandbox and the test session's
 * real keyring: a connection signed in with Link in this process (the
 * browser's part played with HTTP requests), then its token expired by the
 * sandbox under many requests at once. */

#define N_REQUESTS 16

typedef struct
{
  SySandboxProcess  *sandbox;
  SoupSession       *session;
  char              *config_dir;
  SyConnectionStore *store;
  SySecretStore     *secrets;
  SyConnection      *connection;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const char * const args[] = { "--records", "40", NULL };

  fixture->sandbox = sy_test_start_sandbox (args);
  fixture->session = soup_session_new ();
  fixture->config_dir = sy_test_make_tmpdir ("keeper-config");
  fixture->store = sy_connection_store_new (fixture->config_dir);
  fixture->secrets = sy_secret_store_new ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->connection);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->session);
  sy_sandbox_process_stop (fixture->sandbox);
  g_clear_object (&fixture->sandbox);
  sy_test_remove_tree (fixture->config_dir);
  g_free (fixture->config_dir);
}

static void
on_redirect_followed (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
}

/* Signs in as a user would, with the sandbox approving at once, and keeps
 * the connection through secrets (one per process). */
static void
link_connection_through (Fixture              *fixture,
                         SySecretStore        *secrets,
                         const char           *name,
                         SyConnectionAddFlags  flags)
{
  g_autoptr(SyConnection) wanted = sy_connection_new (name, sy_sandbox_process_get_url (fixture->sandbox));
  g_autoptr(SyLinkSignIn) sign_in = NULL;
  g_autoptr(SyTokenGrant) grant = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) added = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) authorize = NULL;
  g_autoptr(SoupMessage) redirect = NULL;
  g_autoptr(GBytes) body = NULL;
  const char *client_secret = sy_sandbox_process_get_link_client_secret (fixture->sandbox);

  sy_connection_set_link_client_id (wanted, sy_sandbox_process_get_link_client_id (fixture->sandbox));
  sign_in = sy_link_sign_in_new (wanted, sy_sandbox_process_get_link_client_id (fixture->sandbox), client_secret);
  g_assert_true (sy_link_sign_in_prepare (sign_in, &error));
  g_assert_no_error (error);
  sy_link_sign_in_wait_async (sign_in, NULL, sy_test_store_result, &result);

  url = g_strconcat (sy_link_sign_in_get_authorize_url (sign_in), "&auto=allow", NULL);
  authorize = soup_message_new ("GET", url);
  soup_message_add_flags (authorize, SOUP_MESSAGE_NO_REDIRECT);
  body = soup_session_send_and_read (fixture->session, authorize, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (authorize), ==, 302);
  /* The listener lives on this main loop: followed asynchronously. */
  redirect = soup_message_new ("GET", soup_message_headers_get_one (soup_message_get_response_headers (authorize), "Location"));
  soup_session_send_and_read_async (fixture->session, redirect, G_PRIORITY_DEFAULT, NULL, on_redirect_followed, NULL);

  sy_test_await (&result);
  grant = sy_link_sign_in_wait_finish (sign_in, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (grant->refresh_token);
  g_assert_cmpint (grant->expires_at, >, g_get_real_time () / G_USEC_PER_SEC);

  sy_connection_add_linked_async (fixture->store, secrets, wanted, grant, client_secret,
                                  SY_CONNECTION_ADD_CHECK | flags, NULL, sy_test_store_result, &added);
  sy_test_await (&added);
  g_clear_object (&fixture->connection);
  fixture->connection = sy_connection_add_finish (added, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (sy_connection_uses_link (fixture->connection));
}

static void
link_connection (Fixture              *fixture,
                 const char           *name,
                 SyConnectionAddFlags  flags)
{
  link_connection_through (fixture, fixture->secrets, name, flags);
}

static SyApiClient *
open_client (Fixture       *fixture,
             SySecretStore *secrets)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyApiClient *client;

  sy_connection_open_client_async (secrets, fixture->connection, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  client = sy_connection_open_client_finish (result, &error);
  g_assert_no_error (error);
  return client;
}

static gint64
refresh_grants (Fixture *fixture)
{
  g_autoptr(JsonNode) stats = sy_sandbox_client_inspect (fixture->sandbox, fixture->session, "GET", "/__sandbox/stats");
  JsonObject *link = json_object_get_object_member (json_node_get_object (stats), "link");

  return json_object_get_int_member (json_object_get_object_member (link, "grants"), "refresh_token");
}

static gint64
refused_count (Fixture *fixture)
{
  g_autoptr(JsonNode) stats = sy_sandbox_client_inspect (fixture->sandbox, fixture->session, "GET", "/__sandbox/stats");
  JsonObject *link = json_object_get_object_member (json_node_get_object (stats), "link");

  return json_object_get_int_member (link, "refused");
}

static void
inspect (Fixture    *fixture,
         const char *path)
{
  g_autoptr(JsonNode) answer = sy_sandbox_client_inspect (fixture->sandbox, fixture->session, "POST", path);

  g_assert_nonnull (answer);
}

typedef struct
{
  guint   pending;
  guint   succeeded;
  GError *last_error;
} Requests;

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Requests *requests = user_data;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(GError) error = NULL;

  page = sy_api_client_get_finish (SY_API_CLIENT (source), result, &error);
  if (page != NULL)
    requests->succeeded++;
  else
    {
      g_clear_error (&requests->last_error);
      requests->last_error = g_steal_pointer (&error);
    }
  requests->pending--;
}

/* N_REQUESTS at once, spread over the clients; returns how many succeeded. */
static guint
request_all_at_once (SyApiClient **clients,
                     guint         n_clients,
                     GError      **last_error)
{
  Requests requests = { 0 };

  for (guint i = 0; i < N_REQUESTS; i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/wms/sales-orders?per_page=5&page=%u", 1 + i % 4);

      requests.pending++;
      sy_api_client_get_async (clients[i % n_clients], path, NULL, on_listed, &requests);
    }
  while (requests.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  if (last_error != NULL)
    *last_error = g_steal_pointer (&requests.last_error);
  g_clear_error (&requests.last_error);
  return requests.succeeded;
}

static void
test_one_refresh_for_many (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(SyApiClient) first = NULL;
  g_autoptr(SyApiClient) second = NULL;
  g_autoptr(SyTokenKeeper) keeper = NULL;
  SyApiClient *clients[2];
  gint64 expires_before;

  link_connection (fixture, "warehouse", SY_CONNECTION_ADD_DEFAULT);
  first = open_client (fixture, fixture->secrets);
  second = open_client (fixture, fixture->secrets);
  clients[0] = first;
  clients[1] = second;

  /* Every client of the connection shares one keeper. */
  keeper = sy_token_keeper_lookup (fixture->secrets, sy_connection_get_id (fixture->connection));
  g_assert_nonnull (keeper);
  g_assert_true (sy_api_client_get_authenticator (first) == SY_API_AUTHENTICATOR (keeper));
  g_assert_true (sy_api_client_get_authenticator (second) == SY_API_AUTHENTICATOR (keeper));

  g_assert_cmpuint (request_all_at_once (clients, 2, NULL), ==, N_REQUESTS);
  g_assert_cmpuint (sy_token_keeper_get_refresh_count (keeper), ==, 0);

  /* All of them meet the expiry together: one refresh. */
  expires_before = sy_token_keeper_get_expires_at (keeper);
  inspect (fixture, "/__sandbox/link/expire-access-tokens");
  g_assert_cmpuint (request_all_at_once (clients, 2, NULL), ==, N_REQUESTS);
  g_assert_cmpuint (sy_token_keeper_get_refresh_count (keeper), ==, 1);
  g_assert_cmpint (refresh_grants (fixture), ==, 1);
  g_assert_cmpint (sy_token_keeper_get_expires_at (keeper), >=, expires_before);
  g_assert_false (sy_token_keeper_get_needs_reconnect (keeper));
  g_assert_cmpint (sy_connection_get_last_success_at (fixture->connection), >, 0);

  /* The refreshed pair was in the keyring before it was used. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *stored = NULL;
    g_autofree char *current = sy_api_authenticator_dup_token (SY_API_AUTHENTICATOR (keeper));

    sy_secret_store_lookup_async (fixture->secrets, sy_connection_get_id (fixture->connection),
                                  SY_SECRET_KIND_ACCESS_TOKEN, NULL, sy_test_store_result, &result);
    sy_test_await (&result);
    stored = sy_secret_store_lookup_finish (fixture->secrets, result, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (stored, ==, current);
  }

  /* The refresh token revoked: one attempt, then "needs reconnecting". */
  inspect (fixture, "/__sandbox/link/revoke-refresh-tokens");
  inspect (fixture, "/__sandbox/link/expire-access-tokens");
  {
    g_autoptr(GError) error = NULL;

    g_assert_cmpuint (request_all_at_once (clients, 2, &error), ==, 0);
    g_assert_error (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);
    g_assert_nonnull (strstr (error->message, "needs reconnecting"));
  }
  g_assert_cmpuint (sy_token_keeper_get_refresh_count (keeper), ==, 2);
  g_assert_true (sy_token_keeper_get_needs_reconnect (keeper));
  g_assert_cmpint (sy_connection_get_status (fixture->connection), ==, SY_CONNECTION_STATUS_NEEDS_REAUTH);

  /* Reconnect: the same connection and id; the keeper its clients
   * share takes the new pair, and they work again. */
  {
    g_autofree char *id = g_strdup (sy_connection_get_id (fixture->connection));

    link_connection (fixture, "warehouse", SY_CONNECTION_ADD_REPLACE);
    g_assert_cmpstr (sy_connection_get_id (fixture->connection), ==, id);
    g_assert_false (sy_token_keeper_get_needs_reconnect (keeper));
    g_assert_cmpint (sy_connection_get_status (fixture->connection), !=, SY_CONNECTION_STATUS_NEEDS_REAUTH);
    g_assert_cmpuint (request_all_at_once (clients, 2, NULL), ==, N_REQUESTS);
    g_assert_cmpuint (sy_token_keeper_get_refresh_count (keeper), ==, 2);
  }
}

/* Another process (the CLI beside the app) refreshed first: its pair is
 * taken from the keyring instead of refreshing with a spent refresh token. */
static void
test_refreshed_elsewhere (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(SySecretStore) other_process = sy_secret_store_new ();
  g_autoptr(SyApiClient) ours = NULL;
  g_autoptr(SyApiClient) theirs = NULL;
  g_autoptr(SyTokenKeeper) our_keeper = NULL;
  g_autoptr(SyTokenKeeper) their_keeper = NULL;
  SyApiClient *clients[1];

  link_connection (fixture, "warehouse", SY_CONNECTION_ADD_DEFAULT);
  ours = open_client (fixture, fixture->secrets);
  /* A keeper per secret store, as a keeper per process. */
  theirs = open_client (fixture, other_process);
  our_keeper = sy_token_keeper_lookup (fixture->secrets, sy_connection_get_id (fixture->connection));
  their_keeper = sy_token_keeper_lookup (other_process, sy_connection_get_id (fixture->connection));
  g_assert_true (our_keeper != their_keeper);

  inspect (fixture, "/__sandbox/link/expire-access-tokens");
  clients[0] = theirs;
  g_assert_cmpuint (request_all_at_once (clients, 1, NULL), ==, N_REQUESTS);
  g_assert_cmpint (refresh_grants (fixture), ==, 1);

  clients[0] = ours;
  g_assert_cmpuint (request_all_at_once (clients, 1, NULL), ==, N_REQUESTS);
  /* Ours never asked the server: a second refresh would have been refused. */
  g_assert_cmpint (refresh_grants (fixture), ==, 1);
  g_assert_cmpuint (sy_token_keeper_get_refresh_count (our_keeper), ==, 0);
  g_assert_false (sy_token_keeper_get_needs_reconnect (our_keeper));
}

/* Reconnected by another process (the CLI, its own secret store): this
 * process's keeper, which needed reconnecting, takes the new pair from
 * the keyring and says so no more. */
static void
test_reconnected_elsewhere (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(SySecretStore) other_process = sy_secret_store_new ();
  g_autoptr(SyApiClient) ours = NULL;
  g_autoptr(SyTokenKeeper) keeper = NULL;
  g_autoptr(GError) error = NULL;
  SyApiClient *clients[1];

  link_connection (fixture, "warehouse", SY_CONNECTION_ADD_DEFAULT);
  ours = open_client (fixture, fixture->secrets);
  keeper = sy_token_keeper_lookup (fixture->secrets, sy_connection_get_id (fixture->connection));
  clients[0] = ours;

  inspect (fixture, "/__sandbox/link/revoke-refresh-tokens");
  inspect (fixture, "/__sandbox/link/expire-access-tokens");
  g_assert_cmpuint (request_all_at_once (clients, 1, &error), ==, 0);
  g_assert_true (sy_token_keeper_get_needs_reconnect (keeper));

  link_connection_through (fixture, other_process, "warehouse", SY_CONNECTION_ADD_REPLACE);

  g_assert_cmpuint (request_all_at_once (clients, 1, NULL), ==, N_REQUESTS);
  g_assert_false (sy_token_keeper_get_needs_reconnect (keeper));
  g_assert_cmpint (sy_connection_get_status (fixture->connection), !=, SY_CONNECTION_STATUS_NEEDS_REAUTH);
}

/* The keyring refuses one write of a renewed pair. The server has already
 * replaced the old pair, so the new one is used all the same (the
 * keyring's is spent and is not taken back): no request fails, the spent
 * refresh token is never sent again, and the next renewal is kept. */
static void
check_keyring_refuses (Fixture    *fixture,
                       const char *refused_kind)
{
  g_autoptr(SyApiClient) ours = NULL;
  g_autoptr(SyTokenKeeper) keeper = NULL;
  SyApiClient *clients[1];

  link_connection (fixture, "warehouse", SY_CONNECTION_ADD_DEFAULT);
  ours = open_client (fixture, fixture->secrets);
  keeper = sy_token_keeper_lookup (fixture->secrets, sy_connection_get_id (fixture->connection));
  clients[0] = ours;

  inspect (fixture, "/__sandbox/link/expire-access-tokens");
  sy_secret_store_fail_next_store (fixture->secrets, refused_kind);
  g_assert_cmpuint (request_all_at_once (clients, 1, NULL), ==, N_REQUESTS);
  g_assert_cmpint (refresh_grants (fixture), ==, 1);
  g_assert_cmpuint (request_all_at_once (clients, 1, NULL), ==, N_REQUESTS);

  /* Renewed again, this time kept. */
  inspect (fixture, "/__sandbox/link/expire-access-tokens");
  g_assert_cmpuint (request_all_at_once (clients, 1, NULL), ==, N_REQUESTS);
  g_assert_cmpint (refresh_grants (fixture), ==, 2);
  g_assert_cmpint (refused_count (fixture), ==, 0);
  g_assert_false (sy_token_keeper_get_needs_reconnect (keeper));
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autofree char *stored = NULL;
    g_autofree char *current = sy_api_authenticator_dup_token (SY_API_AUTHENTICATOR (keeper));

    sy_secret_store_lookup_async (fixture->secrets, sy_connection_get_id (fixture->connection),
                                  SY_SECRET_KIND_ACCESS_TOKEN, NULL, sy_test_store_result, &result);
    sy_test_await (&result);
    stored = sy_secret_store_lookup_finish (fixture->secrets, result, NULL);
    g_assert_cmpstr (stored, ==, current);
  }
}

static void
test_keyring_refuses_refresh_token (Fixture       *fixture,
                                    gconstpointer  data)
{
  check_keyring_refuses (fixture, SY_SECRET_KIND_REFRESH_TOKEN);
}

static void
test_keyring_refuses_access_token (Fixture       *fixture,
                                   gconstpointer  data)
{
  check_keyring_refuses (fixture, SY_SECRET_KIND_ACCESS_TOKEN);
}

/* Two processes meet one expiry at once: the one that loses the race
 * waits for the winner's pair to be whole in the keyring (refresh token
 * first, access token last) instead of retrying with half of it. */
static void
test_two_processes_at_once (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(SySecretStore) other_process = sy_secret_store_new ();
  g_autoptr(SyApiClient) ours = NULL;
  g_autoptr(SyApiClient) theirs = NULL;
  g_autoptr(SyTokenKeeper) our_keeper = NULL;
  g_autoptr(SyTokenKeeper) their_keeper = NULL;
  g_autoptr(GError) error = NULL;
  SyApiClient *clients[2];

  link_connection (fixture, "warehouse", SY_CONNECTION_ADD_DEFAULT);
  ours = open_client (fixture, fixture->secrets);
  theirs = open_client (fixture, other_process);
  our_keeper = sy_token_keeper_lookup (fixture->secrets, sy_connection_get_id (fixture->connection));
  their_keeper = sy_token_keeper_lookup (other_process, sy_connection_get_id (fixture->connection));

  inspect (fixture, "/__sandbox/link/expire-access-tokens");
  clients[0] = ours;
  clients[1] = theirs;
  g_assert_cmpuint (request_all_at_once (clients, 2, &error), ==, N_REQUESTS);
  g_assert_no_error (error);
  g_assert_false (sy_token_keeper_get_needs_reconnect (our_keeper));
  g_assert_false (sy_token_keeper_get_needs_reconnect (their_keeper));
}

/* A grant from a sign-in, not stored yet (the first half of Reconnect). */
static SyTokenGrant *
sign_in_only (Fixture *fixture)
{
  g_autoptr(SyLinkSignIn) sign_in = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) authorize = NULL;
  g_autoptr(SoupMessage) redirect = NULL;
  g_autoptr(GBytes) body = NULL;
  SyTokenGrant *grant;

  sign_in = sy_link_sign_in_new (fixture->connection, sy_sandbox_process_get_link_client_id (fixture->sandbox),
                                 sy_sandbox_process_get_link_client_secret (fixture->sandbox));
  g_assert_true (sy_link_sign_in_prepare (sign_in, &error));
  sy_link_sign_in_wait_async (sign_in, NULL, sy_test_store_result, &result);
  url = g_strconcat (sy_link_sign_in_get_authorize_url (sign_in), "&auto=allow", NULL);
  authorize = soup_message_new ("GET", url);
  soup_message_add_flags (authorize, SOUP_MESSAGE_NO_REDIRECT);
  body = soup_session_send_and_read (fixture->session, authorize, NULL, &error);
  g_assert_no_error (error);
  redirect = soup_message_new ("GET", soup_message_headers_get_one (soup_message_get_response_headers (authorize), "Location"));
  soup_session_send_and_read_async (fixture->session, redirect, G_PRIORITY_DEFAULT, NULL, on_redirect_followed, NULL);
  sy_test_await (&result);
  grant = sy_link_sign_in_wait_finish (sign_in, result, &error);
  g_assert_no_error (error);
  return grant;
}

typedef struct
{
  SyTokenKeeper *keeper;
  SyTokenGrant  *grant;
  const char    *client_secret;
  gboolean       done;
} Handover;

static void
on_grant_stored (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Handover *handover = user_data;

  g_assert_true (sy_token_grant_store_finish (result, NULL));
  /* What the linked add does once the grant is kept. */
  sy_token_keeper_take_grant (handover->keeper, handover->grant, handover->client_secret);
  handover->done = TRUE;
}

static void
on_listed_counting (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  guint *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) page = sy_api_client_get_finish (SY_API_CLIENT (source), result, &error);

  (*pending)--;
}

/* Reconnect finishes while a refresh of the revoked pair is out: the
 * refresh's refusal must not undo it. */
static void
test_reconnect_during_refresh (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(SyApiClient) ours = NULL;
  g_autoptr(SyTokenKeeper) keeper = NULL;
  g_autoptr(SyTokenGrant) fresh = NULL;
  Handover handover = { 0 };
  SyApiClient *clients[1];
  guint pending = 0;

  link_connection (fixture, "warehouse", SY_CONNECTION_ADD_DEFAULT);
  ours = open_client (fixture, fixture->secrets);
  keeper = sy_token_keeper_lookup (fixture->secrets, sy_connection_get_id (fixture->connection));
  inspect (fixture, "/__sandbox/link/revoke-refresh-tokens");
  inspect (fixture, "/__sandbox/link/expire-access-tokens");
  fresh = sign_in_only (fixture);

  for (guint i = 0; i < 4; i++, pending++)
    sy_api_client_get_async (ours, "/api/wms/sales-orders?per_page=5", NULL, on_listed_counting, &pending);
  while (sy_token_keeper_get_refresh_count (keeper) == 0)
    g_main_context_iteration (NULL, TRUE);
  handover.keeper = keeper;
  handover.grant = fresh;
  handover.client_secret = sy_sandbox_process_get_link_client_secret (fixture->sandbox);
  sy_token_grant_store_async (fresh, fixture->secrets, fixture->connection, NULL, on_grant_stored, &handover);
  while (pending > 0 || !handover.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (sy_token_keeper_get_needs_reconnect (keeper));
  g_assert_cmpint (sy_connection_get_status (fixture->connection), !=, SY_CONNECTION_STATUS_NEEDS_REAUTH);
  clients[0] = ours;
  g_assert_cmpuint (request_all_at_once (clients, 1, NULL), ==, N_REQUESTS);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/token-keeper/one-refresh-for-many", Fixture, NULL, fixture_set_up, test_one_refresh_for_many, fixture_tear_down);
  g_test_add ("/token-keeper/refreshed-elsewhere", Fixture, NULL, fixture_set_up, test_refreshed_elsewhere, fixture_tear_down);

  g_test_add ("/token-keeper/reconnected-elsewhere", Fixture, NULL, fixture_set_up, test_reconnected_elsewhere, fixture_tear_down);
  g_test_add ("/token-keeper/keyring-refuses/refresh-token", Fixture, NULL, fixture_set_up, test_keyring_refuses_refresh_token, fixture_tear_down);
  g_test_add ("/token-keeper/keyring-refuses/access-token", Fixture, NULL, fixture_set_up, test_keyring_refuses_access_token, fixture_tear_down);
  g_test_add ("/token-keeper/two-processes-at-once", Fixture, NULL, fixture_set_up, test_two_processes_at_once, fixture_tear_down);
  g_test_add ("/token-keeper/reconnect-during-refresh", Fixture, NULL, fixture_set_up, test_reconnect_during_refresh, fixture_tear_down);

  return g_test_run ();
}
