/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "cert-test-common.h"
#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-state-store-webhooks.h"
#include "sy-test-support.h"
#include "sy-tls-test-server.h"

/* The connection services against the real keyring of the test session,
 * a real switchyard-sandbox on loopback and real files. */

typedef struct
{
  char              *dir;
  char              *config_dir;
  char              *state_dir;
  SyConnectionStore *store;
  SySecretStore     *secrets;
  SySandboxProcess  *sandbox;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = sy_test_make_tmpdir ("switchyard-services");
  fixture->config_dir = g_build_filename (fixture->dir, "config", NULL);
  fixture->state_dir = g_build_filename (fixture->dir, "state", NULL);
  g_assert_cmpint (g_mkdir (fixture->config_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (fixture->state_dir, 0700), ==, 0);
  fixture->store = sy_connection_store_new (fixture->config_dir);
  fixture->secrets = sy_secret_store_new ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->sandbox != NULL)
    sy_sandbox_process_stop (fixture->sandbox);
  g_clear_object (&fixture->sandbox);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->secrets);
  sy_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->config_dir);
  g_free (fixture->state_dir);
}

static void
start_sandbox (Fixture *fixture)
{
  fixture->sandbox = sy_test_start_sandbox (NULL);
}

static char *
lookup (Fixture    *fixture,
        const char *id,
        const char *kind,
        GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_secret_store_lookup_async (fixture->secrets, id, kind, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_secret_store_lookup_finish (fixture->secrets, result, error);
}

static void
assert_no_secret (Fixture    *fixture,
                  const char *id,
                  const char *kind)
{
  g_autoptr(GError) error = NULL;
  char *secret = lookup (fixture, id, kind, &error);

  g_assert_null (secret);
  g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
}

static void
assert_secret (Fixture    *fixture,
               const char *id,
               const char *kind,
               const char *expected)
{
  g_autoptr(GError) error = NULL;
  char *secret = lookup (fixture, id, kind, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, expected);
  sy_secret_free (secret);
}

static void
store_secret (Fixture    *fixture,
              const char *id,
              const char *kind,
              const char *secret)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_secret_store_store_async (fixture->secrets, id, kind, "Switchyard test secret", secret, NULL,
                               sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_secret_store_store_finish (fixture->secrets, result, &error));
  g_assert_no_error (error);
}

static void
clear_secrets (Fixture    *fixture,
               const char *id)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_secret_store_clear_async (fixture->secrets, id, NULL, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_secret_store_clear_finish (fixture->secrets, result, NULL));
}

static SyConnection *
add (Fixture              *fixture,
     SyConnection         *connection,
     const char           *token,
     SyConnectionAddFlags  flags,
     JsonObject          **integration,
     GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_connection_add_async (fixture->store, fixture->secrets, connection, token, flags, NULL,
                           sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_connection_add_finish (result, integration, error);
}

static SyApiClient *
open_client (Fixture       *fixture,
             SyConnection  *connection,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_connection_open_client_async (fixture->secrets, connection, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_connection_open_client_finish (result, error);
}

static JsonObject *
ask_integration (SyApiClient  *client,
                 GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_api_client_get_current_integration_async (client, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_api_client_get_current_integration_finish (client, result, error);
}

/* What is on disk, read back by a store of its own. */
static guint
saved_connections (Fixture *fixture)
{
  g_autoptr(SyConnectionStore) reread = sy_connection_store_new (fixture->config_dir);
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_connection_store_load (reread, &error));
  g_assert_no_error (error);
  return g_list_model_get_n_items (G_LIST_MODEL (reread));
}

static void
test_add_keeps_token_and_connection (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(SyConnection) added = NULL;
  g_autoptr(JsonObject) integration = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) leaked = NULL;
  const char *token;

  start_sandbox (fixture);
  token = sy_sandbox_process_get_token (fixture->sandbox, "wms");
  connection = sy_connection_new ("Warehouse", sy_sandbox_process_get_url (fixture->sandbox));

  added = add (fixture, connection, token, SY_CONNECTION_ADD_CHECK, &integration, &error);
  g_assert_no_error (error);
  g_assert_true (added == connection);
  g_assert_nonnull (integration);
  /* What the server said is learnt before the connection is saved. */
  g_assert_cmpstr (sy_connection_get_platform (added), ==, sy_integration_get_platform (integration));
  g_assert_cmpstr (sy_connection_get_domain (added), ==, "wms");

  g_assert_true (sy_connection_store_find_by_name (fixture->store, "Warehouse") == connection);
  g_assert_cmpuint (saved_connections (fixture), ==, 1);
  assert_secret (fixture, sy_connection_get_id (connection), SY_SECRET_KIND_ACCESS_TOKEN, token);
  leaked = sy_test_files_containing (fixture->dir, token);
  g_assert_cmpuint (leaked->len, ==, 0);

  clear_secrets (fixture, sy_connection_get_id (connection));
}

static void
test_add_rolls_back_when_check_fails (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(SyConnection) added = NULL;
  g_autoptr(GError) error = NULL;

  start_sandbox (fixture);
  connection = sy_connection_new ("Warehouse", sy_sandbox_process_get_url (fixture->sandbox));

  added = add (fixture, connection, "not-the-token", SY_CONNECTION_ADD_CHECK, NULL, &error);
  g_assert_null (added);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 0);
  g_assert_cmpuint (saved_connections (fixture), ==, 0);
  assert_no_secret (fixture, sy_connection_get_id (connection), SY_SECRET_KIND_ACCESS_TOKEN);
}

/* The token is kept, then connections.json cannot be written: the token
 * goes again. */
static void
test_add_rolls_back_when_save_fails (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(SyConnection) connection = sy_connection_new ("Warehouse", "http://127.0.0.1:9");
  g_autoptr(SyConnection) added = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *blocker = g_build_filename (fixture->dir, "not-a-dir", NULL);
  g_autofree char *config_dir = g_build_filename (blocker, "config", NULL);

  /* A configuration directory under a regular file cannot be created. */
  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  g_clear_object (&fixture->store);
  fixture->store = sy_connection_store_new (config_dir);

  added = add (fixture, connection, "a-token-that-must-not-stay", SY_CONNECTION_ADD_DEFAULT, NULL, &error);
  g_assert_null (added);
  g_assert_nonnull (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 0);
  assert_no_secret (fixture, sy_connection_get_id (connection), SY_SECRET_KIND_ACCESS_TOKEN);
}

/* No Secret Service at all: nothing is written anywhere. */
static void
test_add_rolls_back_when_keyring_fails (Fixture       *fixture,
                                        gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      g_autofree char *address = g_strdup_printf ("unix:path=%s/no-such-socket", fixture->dir);
      g_autoptr(SySecretStore) secrets = NULL;
      g_autoptr(SyConnection) connection = sy_connection_new ("Warehouse", "http://127.0.0.1:9");
      g_autoptr(SyConnection) added = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *json = g_build_filename (fixture->config_dir, "connections.json", NULL);

      g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
      g_unsetenv ("DISPLAY");
      g_clear_object (&fixture->secrets);
      fixture->secrets = sy_secret_store_new ();

      added = add (fixture, connection, "a-token", SY_CONNECTION_ADD_DEFAULT, NULL, &error);
      g_assert_null (added);
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NO_KEYRING);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 0);
      g_assert_false (g_file_test (json, G_FILE_TEST_EXISTS));
      return;
    }

  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_add_replace (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(SyConnection) first = sy_connection_new ("Warehouse", "http://127.0.0.1:9");
  g_autoptr(SyConnection) second = sy_connection_new ("warehouse ", "http://localhost:10");
  g_autoptr(SyConnection) added = NULL;
  g_autoptr(SyConnection) replaced = NULL;
  g_autoptr(GError) error = NULL;

  sy_connection_set_platform (first, "mintsoft");
  json_object_set_string_member (sy_connection_get_options (first), "account", "kept");
  added = add (fixture, first, "first-token", SY_CONNECTION_ADD_DEFAULT, NULL, &error);
  g_assert_no_error (error);

  /* Without REPLACE a second one of that name is refused, and nothing of
   * the first is touched. */
  replaced = add (fixture, second, "second-token", SY_CONNECTION_ADD_DEFAULT, NULL, &error);
  g_assert_null (replaced);
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_DUPLICATE_NAME);
  g_clear_error (&error);
  assert_secret (fixture, sy_connection_get_id (first), SY_SECRET_KIND_ACCESS_TOKEN, "first-token");
  assert_no_secret (fixture, sy_connection_get_id (second), SY_SECRET_KIND_ACCESS_TOKEN);

  sy_connection_set_ca_file (second, "/etc/ssl/certs/ca-certificates.crt");
  replaced = add (fixture, second, "second-token", SY_CONNECTION_ADD_REPLACE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (replaced == first);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 1);
  g_assert_cmpstr (sy_connection_get_base_url (first), ==, "http://localhost:10");
  g_assert_cmpstr (sy_connection_get_platform (first), ==, "mintsoft");
  g_assert_cmpstr (sy_connection_get_ca_file (first), ==, "/etc/ssl/certs/ca-certificates.crt");
  g_assert_cmpstr (json_object_get_string_member (sy_connection_get_options (first), "account"), ==, "kept");
  assert_secret (fixture, sy_connection_get_id (first), SY_SECRET_KIND_ACCESS_TOKEN, "second-token");
  assert_no_secret (fixture, sy_connection_get_id (second), SY_SECRET_KIND_ACCESS_TOKEN);

  clear_secrets (fixture, sy_connection_get_id (first));
}

static void
test_remove_clears_everything (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(SyConnection) keep = sy_connection_new ("Keep", "http://127.0.0.1:9");
  g_autoptr(SyConnection) doomed = sy_connection_new ("Doomed", "http://127.0.0.1:9");
  g_autoptr(SyConnection) added = NULL;
  g_autoptr(SyStateStore) state = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyCertificate) loaded = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = sy_connection_get_id (doomed);

  g_clear_object (&added);
  added = add (fixture, keep, "keep-token", SY_CONNECTION_ADD_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&added);
  added = add (fixture, doomed, "doomed-token", SY_CONNECTION_ADD_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  store_secret (fixture, id, SY_SECRET_KIND_REFRESH_TOKEN, "doomed-refresh");
  store_secret (fixture, id, SY_SECRET_KIND_WEBHOOK_SECRET, "doomed-webhook");

  certificate = cert_test_generate (SY_KEY_SPEC_EC_P256, "CN=Doomed", 30, &key, &error);
  g_assert_no_error (error);
  sy_connection_attach_key_async (fixture->secrets, doomed, key, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_connection_attach_key_finish (result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  {
    char *encoded = sy_private_key_to_base64 (key);

    assert_secret (fixture, id, SY_SECRET_KIND_PRIVATE_KEY, encoded);
    sy_secret_free (encoded);
  }

  state = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  g_assert_true (sy_state_store_save_certificate (state, id, certificate, &error));
  g_assert_no_error (error);
  {
    g_autoptr(SyWebhookEvent) event = sy_webhook_event_new ();

    event->connection_id = g_strdup (id);
    event->event_id = g_strdup ("evt-1");
    event->body_hash = g_strdup ("00");
    event->verdict = g_strdup (SY_WEBHOOK_VERDICT_ACCEPTED);
    g_assert_true (sy_state_store_add_webhook_event (state, event, NULL, NULL, &error));
    g_assert_no_error (error);
  }

  sy_connection_remove_async (fixture->store, fixture->secrets, state, doomed, NULL,
                              sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_connection_remove_finish (result, &error));
  g_assert_no_error (error);

  assert_no_secret (fixture, id, SY_SECRET_KIND_ACCESS_TOKEN);
  assert_no_secret (fixture, id, SY_SECRET_KIND_REFRESH_TOKEN);
  assert_no_secret (fixture, id, SY_SECRET_KIND_PRIVATE_KEY);
  assert_no_secret (fixture, id, SY_SECRET_KIND_WEBHOOK_SECRET);
  {
    g_autoptr(GPtrArray) events = sy_state_store_list_webhook_events (state, id, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (events->len, ==, 0);
  }
  loaded = sy_state_store_load_certificate (state, id, &error);
  g_assert_no_error (error);
  g_assert_null (loaded);
  g_assert_null (sy_connection_store_find_by_name (fixture->store, "Doomed"));
  g_assert_cmpuint (saved_connections (fixture), ==, 1);

  /* The neighbour keeps what is its own. */
  assert_secret (fixture, sy_connection_get_id (keep), SY_SECRET_KIND_ACCESS_TOKEN, "keep-token");
  clear_secrets (fixture, sy_connection_get_id (keep));
}

/* Removing with room for an Undo: gone from connections.json at once,
 * the token kept until forgotten; restored with the same id; forgetting
 * deletes the token, certificate and nothing of a restored connection. */
static void
test_withdraw_restore_forget (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(SyConnection) doomed = sy_connection_new ("Doomed", "http://127.0.0.1:9");
  g_autoptr(SyConnection) added = NULL;
  g_autoptr(SyStateStore) state = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyCertificate) loaded = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup (sy_connection_get_id (doomed));

  added = add (fixture, doomed, "doomed-token", SY_CONNECTION_ADD_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  state = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  certificate = cert_test_generate (SY_KEY_SPEC_EC_P256, "CN=Doomed", 30, &key, &error);
  g_assert_no_error (error);
  g_assert_true (sy_state_store_save_certificate (state, id, certificate, &error));
  g_assert_no_error (error);

  /* Withdrawn: no longer on disk, the token still in the keyring. */
  g_assert_true (sy_connection_withdraw (fixture->store, doomed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (saved_connections (fixture), ==, 0);
  assert_secret (fixture, id, SY_SECRET_KIND_ACCESS_TOKEN, "doomed-token");

  /* Restored: on disk again, under the same id, and the token works. */
  g_assert_true (sy_connection_restore (fixture->store, doomed, &error));
  g_assert_no_error (error);
  {
    g_autoptr(SyConnectionStore) reread = sy_connection_store_new (fixture->config_dir);

    g_assert_true (sy_connection_store_load (reread, &error));
    g_assert_no_error (error);
    g_assert_nonnull (sy_connection_store_find_by_id (reread, id));
    g_assert_cmpstr (sy_connection_get_name (sy_connection_store_find_by_id (reread, id)), ==, "Doomed");
  }

  /* Forgetting a connection that is back deletes nothing. */
  sy_connection_forget_secrets_async (fixture->store, fixture->secrets, state, doomed, NULL,
                                      sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_connection_forget_secrets_finish (result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  assert_secret (fixture, id, SY_SECRET_KIND_ACCESS_TOKEN, "doomed-token");

  /* Withdrawn again and forgotten: token and certificate gone. */
  g_assert_true (sy_connection_withdraw (fixture->store, doomed, &error));
  g_assert_no_error (error);
  sy_connection_forget_secrets_async (fixture->store, fixture->secrets, state, doomed, NULL,
                                      sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_connection_forget_secrets_finish (result, &error));
  g_assert_no_error (error);
  assert_no_secret (fixture, id, SY_SECRET_KIND_ACCESS_TOKEN);
  loaded = sy_state_store_load_certificate (state, id, &error);
  g_assert_no_error (error);
  g_assert_null (loaded);
  g_assert_cmpuint (saved_connections (fixture), ==, 0);
}

static void
test_open_client_without_token (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(SyConnection) connection = sy_connection_new ("Tokenless", "http://127.0.0.1:9");
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_connection_store_add (fixture->store, connection, &error));
  g_assert_no_error (error);

  client = open_client (fixture, connection, &error);
  g_assert_null (client);
  g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no token"));
  g_assert_nonnull (strstr (error->message, "Tokenless"));
}

static void
test_open_client_works (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(SyConnection) added = NULL;
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(JsonObject) integration = NULL;
  g_autoptr(GError) error = NULL;

  start_sandbox (fixture);
  connection = sy_connection_new ("ERP", sy_sandbox_process_get_url (fixture->sandbox));
  added = add (fixture, connection, sy_sandbox_process_get_token (fixture->sandbox, "erp"),
               SY_CONNECTION_ADD_DEFAULT, NULL, &error);
  g_assert_no_error (error);

  client = open_client (fixture, connection, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sy_api_client_get_base_url (client), ==, sy_sandbox_process_get_url (fixture->sandbox));
  integration = ask_integration (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sy_integration_get_platform (integration), ==, "netsuite");

  clear_secrets (fixture, sy_connection_get_id (connection));
}

static void
test_loopback_is_not_insecure (void)
{
  const char *secure[] = {
    "http://127.0.0.1:8080", "http://127.1.2.3", "http://[::1]:8080", "http://localhost",
    "http://LOCALHOST.:80/api", "http://api.localhost", "https://example.com", "https://192.0.2.1",
  };
  const char *insecure[] = {
    "http://example.com", "http://192.0.2.1:8080", "http://[2001:db8::1]", "http://128.0.0.1",
    "http://localhost.example.com", "HTTP://Example.com/api",
  };

  for (guint i = 0; i < G_N_ELEMENTS (secure); i++)
    g_assert_false (sy_base_url_is_insecure (secure[i]));
  for (guint i = 0; i < G_N_ELEMENTS (insecure); i++)
    g_assert_true (sy_base_url_is_insecure (insecure[i]));
}

/* Every way of getting a client goes through the one rule. */
static void
test_insecure_http_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(SyConnection) connection = sy_connection_new ("Remote", "http://192.0.2.1:8080");
  g_autoptr(SyConnection) added = NULL;
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(GError) error = NULL;

  client = sy_connection_create_client (connection, "a-token", &error);
  g_assert_null (client);
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INSECURE_URL);
  g_assert_nonnull (strstr (error->message, "unencrypted"));
  g_clear_error (&error);

  /* Adding keeps nothing. */
  added = add (fixture, connection, "a-token", SY_CONNECTION_ADD_DEFAULT, NULL, &error);
  g_assert_null (added);
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INSECURE_URL);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 0);
  assert_no_secret (fixture, sy_connection_get_id (connection), SY_SECRET_KIND_ACCESS_TOKEN);

  /* A connection saved by hand without the permission, with a token. */
  g_assert_true (sy_connection_store_add (fixture->store, connection, &error));
  store_secret (fixture, sy_connection_get_id (connection), SY_SECRET_KIND_ACCESS_TOKEN, "a-token");
  client = open_client (fixture, connection, &error);
  g_assert_null (client);
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INSECURE_URL);
  g_clear_error (&error);
  g_assert_false (sy_connection_sends_token_in_clear (connection));

  /* Allowed explicitly: a client, and a connection that says so. */
  sy_connection_set_allow_insecure_http (connection, TRUE);
  g_assert_true (sy_connection_get_allow_insecure_http (connection));
  g_assert_true (sy_connection_sends_token_in_clear (connection));
  client = open_client (fixture, connection, &error);
  g_assert_no_error (error);
  g_assert_nonnull (client);

  /* The permission survives connections.json. */
  g_assert_true (sy_connection_store_save (fixture->store, &error));
  {
    g_autoptr(SyConnectionStore) reread = sy_connection_store_new (fixture->config_dir);

    g_assert_true (sy_connection_store_load (reread, &error));
    g_assert_true (sy_connection_get_allow_insecure_http (sy_connection_store_find_by_name (reread, "Remote")));
  }

  clear_secrets (fixture, sy_connection_get_id (connection));
}

static void
test_bad_ca_file_refused (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(SyConnection) connection = sy_connection_new ("Private", "https://127.0.0.1:9");
  g_autofree char *missing = g_build_filename (fixture->dir, "no-such-ca.pem", NULL);
  g_autofree char *empty = g_build_filename (fixture->dir, "empty.pem", NULL);
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(SyConnection) added = NULL;
  g_autoptr(GError) error = NULL;

  sy_connection_set_ca_file (connection, missing);
  client = sy_connection_create_client (connection, "a-token", &error);
  g_assert_null (client);
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_CA_FILE);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  added = add (fixture, connection, "a-token", SY_CONNECTION_ADD_DEFAULT, NULL, &error);
  g_assert_null (added);
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_CA_FILE);
  g_clear_error (&error);
  assert_no_secret (fixture, sy_connection_get_id (connection), SY_SECRET_KIND_ACCESS_TOKEN);

  /* A file with no certificate in it, and something that is no file. */
  g_assert_true (g_file_set_contents (empty, "not a certificate\n", -1, NULL));
  sy_connection_set_ca_file (connection, empty);
  g_assert_false (sy_connection_check_transport (connection, &error));
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_CA_FILE);
  g_clear_error (&error);

  sy_connection_set_ca_file (connection, "/dev/zero");
  g_assert_false (sy_connection_check_transport (connection, &error));
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_CA_FILE);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
}

/* A server whose certificate only a private CA vouches for: trusted with
 * that CA file, refused without. */
static void
test_ca_file_trusted (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(SyTlsTestServer) server = sy_tls_test_server_new (fixture->dir, "private-token");
  g_autoptr(SyConnection) connection = sy_connection_new ("Private", sy_tls_test_server_get_url (server));
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(JsonObject) integration = NULL;
  g_autoptr(GError) error = NULL;

  client = sy_connection_create_client (connection, "private-token", &error);
  g_assert_no_error (error);
  sy_api_client_set_retry_policy (client, 0, 0);
  integration = ask_integration (client, &error);
  g_assert_null (integration);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_NETWORK);
  g_assert_cmpuint (sy_tls_test_server_get_n_requests (server), ==, 0);
  g_clear_error (&error);
  g_clear_object (&client);

  sy_connection_set_ca_file (connection, sy_tls_test_server_get_ca_file (server));
  client = sy_connection_create_client (connection, "private-token", &error);
  g_assert_no_error (error);
  integration = ask_integration (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sy_integration_get_platform (integration), ==, "odoo");
  g_assert_cmpuint (sy_tls_test_server_get_n_requests (server), ==, 1);
}

static void
test_platform_table (void)
{
  guint n_platforms = 0;
  const SyPlatformInfo *platforms = sy_platforms_get_all (&n_platforms);
  g_autoptr(JsonObject) integration = json_object_new ();

  g_assert_cmpuint (n_platforms, >, 0);
  for (guint i = 0; i < n_platforms; i++)
    {
      g_assert_cmpstr (sy_domain_for_platform (platforms[i].id), ==, platforms[i].domain);
      g_assert_cmpstr (sy_platform_display_name (platforms[i].id), ==, platforms[i].display_name);
    }
  g_assert_cmpstr (sy_domain_for_platform ("NetSuite"), ==, "erp");
  g_assert_null (sy_domain_for_platform ("unheard-of"));
  g_assert_cmpstr (sy_platform_display_name ("unheard-of"), ==, "unheard-of");

  /* An empty "platform" does not hide the "provider". */
  json_object_set_string_member (integration, "platform", "");
  json_object_set_string_member (integration, "provider", "mintsoft");
  g_assert_cmpstr (sy_integration_get_platform (integration), ==, "mintsoft");
}

static void
test_describe_error (void)
{
  g_autoptr(GError) api = sy_api_error_new_full (SY_API_ERROR_SERVER, 503, "req-42", 0, NULL,
                                                 "Service Unavailable.\nTry later.");
  g_autofree char *sentence = sy_describe_error (api);
  g_autofree char *line = sy_describe_error_one_line (api);
  g_autoptr(GError) secret = g_error_new_literal (SY_SECRET_ERROR, SY_SECRET_ERROR_LOCKED, "locked");
  g_autofree char *secret_sentence = sy_describe_error (secret);

  g_assert_nonnull (strstr (sentence, "HTTP 503"));
  g_assert_nonnull (strstr (sentence, "req-42"));
  g_assert_null (strchr (line, '\n'));
  g_assert_nonnull (strstr (line, "req-42"));
  g_assert_false (g_str_has_suffix (line, "."));
  g_assert_nonnull (strstr (secret_sentence, "Unlock it"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/connection-services/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("add/keeps-token-and-connection", test_add_keeps_token_and_connection);
  ADD ("add/rolls-back-when-check-fails", test_add_rolls_back_when_check_fails);
  ADD ("add/rolls-back-when-save-fails", test_add_rolls_back_when_save_fails);
  ADD ("add/rolls-back-when-keyring-fails", test_add_rolls_back_when_keyring_fails);
  ADD ("add/replace", test_add_replace);
  ADD ("remove/clears-token-key-certificate-webhook", test_remove_clears_everything);
  ADD ("remove/withdraw-restore-forget", test_withdraw_restore_forget);
  ADD ("open-client/without-token", test_open_client_without_token);
  ADD ("open-client/works", test_open_client_works);
  ADD ("transport/insecure-http-refused", test_insecure_http_refused);
  ADD ("transport/bad-ca-file-refused", test_bad_ca_file_refused);
  ADD ("transport/ca-file-trusted", test_ca_file_trusted);
#undef ADD
  g_test_add_func ("/connection-services/transport/loopback", test_loopback_is_not_insecure);
  g_test_add_func ("/connection-services/platform-table", test_platform_table);
  g_test_add_func ("/connection-services/describe-error", test_describe_error);

  return g_test_run ();
}
