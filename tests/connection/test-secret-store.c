/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsecret/secret.h>

#include "sy-connection-store.h"
#include "sy-error.h"
#include "sy-secret-store.h"
#include "sy-test-support.h"

/* The same schema the store writes with; the tests read the keyring through
 * libsecret directly to see what really landed there. */
static const SecretSchema test_schema = {
  SY_SECRET_SCHEMA, SECRET_SCHEMA_NONE,
  {
    { "connection-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

static gboolean
store_secret (SySecretStore  *store,
              const char     *connection_id,
              const char     *kind,
              const char     *secret,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *label = g_strdup_printf ("Switchyard: test %s %s", connection_id, kind);
  gboolean ok;

  sy_secret_store_store_async (store, connection_id, kind, label, secret, cancellable,
                               sy_test_store_result, &result);
  sy_test_await (&result);
  ok = sy_secret_store_store_finish (store, result, error);
  if (!ok && error != NULL)
    g_test_message ("store failed: %s", (*error)->message);
  return ok;
}

static char *
lookup_secret (SySecretStore  *store,
               const char     *connection_id,
               const char     *kind,
               GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_secret_store_lookup_async (store, connection_id, kind, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_secret_store_lookup_finish (store, result, error);
}

static gboolean
clear_secrets (SySecretStore  *store,
               const char     *connection_id,
               const char     *kind,
               GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_secret_store_clear_async (store, connection_id, kind, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_secret_store_clear_finish (store, result, error);
}

static void
assert_secret (SySecretStore *store,
               const char    *connection_id,
               const char    *kind,
               const char    *expected)
{
  g_autoptr(GError) error = NULL;
  char *secret = lookup_secret (store, connection_id, kind, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, expected);
  sy_secret_free (secret);
}

static void
assert_not_found (SySecretStore *store,
                  const char    *connection_id,
                  const char    *kind)
{
  g_autoptr(GError) error = NULL;
  char *secret = lookup_secret (store, connection_id, kind, &error);

  g_assert_null (secret);
  g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
}

/* Items in the real keyring for this connection (and kind, if given). */
static GList *
keyring_items (const char *connection_id,
               const char *kind)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  GList *items;

  g_hash_table_insert (attributes, (gpointer) "connection-id", (gpointer) connection_id);
  if (kind != NULL)
    g_hash_table_insert (attributes, (gpointer) "kind", (gpointer) kind);

  items = secret_service_search_sync (NULL, &test_schema, attributes,
                                      SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  return items;
}

static guint
count_keyring_items (const char *connection_id,
                     const char *kind)
{
  GList *items = keyring_items (connection_id, kind);
  guint count = g_list_length (items);

  g_list_free_full (items, g_object_unref);
  return count;
}

/* Each test uses its own connection ids, so tests never see each other's
 * secrets even in one keyring. */
static char *
new_connection_id (void)
{
  return g_uuid_string_random ();
}

static void
test_keyring_round_trip (void)
{
  g_autoptr(SySecretStore) store = sy_secret_store_new ();
  g_autofree char *id = new_connection_id ();
  g_autoptr(GError) error = NULL;
  GList *items;

  g_assert_false (sy_secret_store_is_in_memory (store));

  g_assert_true (store_secret (store, id, SY_SECRET_KIND_ACCESS_TOKEN, "tok-ABC-123", NULL, &error));
  g_assert_no_error (error);
  assert_secret (store, id, SY_SECRET_KIND_ACCESS_TOKEN, "tok-ABC-123");
  assert_not_found (store, id, SY_SECRET_KIND_REFRESH_TOKEN);

  /* It is really in the keyring, once, with our label and attributes. */
  items = keyring_items (id, SY_SECRET_KIND_ACCESS_TOKEN);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  {
    g_autofree char *label = secret_item_get_label (items->data);
    g_autofree char *expected = g_strdup_printf ("Switchyard: test %s %s", id, SY_SECRET_KIND_ACCESS_TOKEN);
    g_autoptr(GHashTable) attributes = secret_item_get_attributes (items->data);

    g_assert_cmpstr (label, ==, expected);
    g_assert_cmpstr (g_hash_table_lookup (attributes, "xdg:schema"), ==, SY_SECRET_SCHEMA);
    g_assert_cmpstr (g_hash_table_lookup (attributes, "connection-id"), ==, id);
    g_assert_cmpstr (g_hash_table_lookup (attributes, "kind"), ==, SY_SECRET_KIND_ACCESS_TOKEN);
  }
  g_list_free_full (items, g_object_unref);

  /* A second store replaces the first rather than adding a second item. */
  g_assert_true (store_secret (store, id, SY_SECRET_KIND_ACCESS_TOKEN, "tok-NEW-456", NULL, &error));
  g_assert_no_error (error);
  assert_secret (store, id, SY_SECRET_KIND_ACCESS_TOKEN, "tok-NEW-456");
  g_assert_cmpuint (count_keyring_items (id, SY_SECRET_KIND_ACCESS_TOKEN), ==, 1);

  g_assert_true (clear_secrets (store, id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_keyring_items (id, NULL), ==, 0);
}

static void
test_keyring_clear (void)
{
  g_autoptr(SySecretStore) store = sy_secret_store_new ();
  g_autofree char *id = new_connection_id ();
  g_autoptr(GError) error = NULL;

  g_assert_true (store_secret (store, id, SY_SECRET_KIND_ACCESS_TOKEN, "access", NULL, NULL));
  g_assert_true (store_secret (store, id, SY_SECRET_KIND_REFRESH_TOKEN, "refresh", NULL, NULL));
  g_assert_true (store_secret (store, id, SY_SECRET_KIND_PRIVATE_KEY, "key", NULL, NULL));
  g_assert_cmpuint (count_keyring_items (id, NULL), ==, 3);

  g_assert_true (clear_secrets (store, id, SY_SECRET_KIND_ACCESS_TOKEN, &error));
  g_assert_no_error (error);
  assert_not_found (store, id, SY_SECRET_KIND_ACCESS_TOKEN);
  assert_secret (store, id, SY_SECRET_KIND_REFRESH_TOKEN, "refresh");
  assert_secret (store, id, SY_SECRET_KIND_PRIVATE_KEY, "key");

  /* Clearing what is not there is fine. */
  g_assert_true (clear_secrets (store, id, SY_SECRET_KIND_ACCESS_TOKEN, &error));
  g_assert_no_error (error);

  g_assert_true (clear_secrets (store, id, NULL, &error));
  g_assert_no_error (error);
  assert_not_found (store, id, SY_SECRET_KIND_REFRESH_TOKEN);
  assert_not_found (store, id, SY_SECRET_KIND_PRIVATE_KEY);
  g_assert_cmpuint (count_keyring_items (id, NULL), ==, 0);

  g_assert_true (clear_secrets (store, id, NULL, &error));
  g_assert_no_error (error);
}

static void
test_keyring_connections_isolated (void)
{
  g_autoptr(SySecretStore) store = sy_secret_store_new ();
  g_autofree char *first = new_connection_id ();
  g_autofree char *second = new_connection_id ();

  g_assert_true (store_secret (store, first, SY_SECRET_KIND_ACCESS_TOKEN, "first-token", NULL, NULL));
  assert_not_found (store, second, SY_SECRET_KIND_ACCESS_TOKEN);

  g_assert_true (store_secret (store, second, SY_SECRET_KIND_ACCESS_TOKEN, "second-token", NULL, NULL));
  assert_secret (store, first, SY_SECRET_KIND_ACCESS_TOKEN, "first-token");
  assert_secret (store, second, SY_SECRET_KIND_ACCESS_TOKEN, "second-token");

  /* Clearing one connection leaves the other alone. */
  g_assert_true (clear_secrets (store, first, NULL, NULL));
  assert_not_found (store, first, SY_SECRET_KIND_ACCESS_TOKEN);
  assert_secret (store, second, SY_SECRET_KIND_ACCESS_TOKEN, "second-token");
  g_assert_true (clear_secrets (store, second, NULL, NULL));
}

static void
assert_no_file_contains (const char *dir,
                         const char *needle)
{
  g_autoptr(GPtrArray) found = NULL;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return;

  found = sy_test_files_containing (dir, needle);
  for (guint i = 0; i < found->len; i++)
    g_test_message ("secret found in %s", (char *) g_ptr_array_index (found, i));
  g_assert_cmpuint (found->len, ==, 0);
}

static void
test_keyring_secret_not_in_files (void)
{
  g_autofree char *root = sy_test_make_tmpdir ("switchyard-secret");
  g_autofree char *config_dir = g_build_filename (root, "config", NULL);
  g_autofree char *state_dir = g_build_filename (root, "state", NULL);
  g_autofree char *keyrings_dir = g_build_filename (g_get_user_data_dir (), "keyrings", NULL);
  g_autofree char *unique = g_uuid_string_random ();
  g_autofree char *secret = g_strdup_printf ("sk-test-%s", unique);
  g_autoptr(SyConnectionStore) connections = sy_connection_store_new (config_dir);
  g_autoptr(SyConnection) connection = sy_connection_new ("Mintsoft", "http://127.0.0.1:9");
  g_autoptr(SySecretStore) store = sy_secret_store_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (state_dir, 0700), ==, 0);
  g_assert_true (sy_connection_store_load (connections, &error));
  g_assert_true (sy_connection_store_add (connections, connection, &error));
  g_assert_no_error (error);

  g_assert_true (store_secret (store, sy_connection_get_id (connection),
                               SY_SECRET_KIND_ACCESS_TOKEN, secret, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sy_connection_store_save (connections, &error));
  g_assert_no_error (error);
  assert_secret (store, sy_connection_get_id (connection), SY_SECRET_KIND_ACCESS_TOKEN, secret);

  assert_no_file_contains (root, secret);
  /* The keyring's own file holds it encrypted, never in clear. */
  assert_no_file_contains (keyrings_dir, secret);

  g_assert_true (clear_secrets (store, sy_connection_get_id (connection), NULL, NULL));
  sy_test_remove_tree (root);
}

static void
test_keyring_caller_cancels (void)
{
  g_autoptr(SySecretStore) store = sy_secret_store_new ();
  g_autofree char *id = new_connection_id ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled_before = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_secret_store_store_async (store, id, SY_SECRET_KIND_ACCESS_TOKEN, "label", "x",
                               cancellable, sy_test_store_result, &result);
  g_cancellable_cancel (cancellable);
  sy_test_await (&result);
  g_assert_false (sy_secret_store_store_finish (store, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);

  g_cancellable_cancel (cancelled_before);
  sy_secret_store_lookup_async (store, id, SY_SECRET_KIND_ACCESS_TOKEN,
                                cancelled_before, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_null (sy_secret_store_lookup_finish (store, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* The store still works afterwards. */
  g_assert_true (clear_secrets (store, id, NULL, NULL));
}

static void
test_in_memory (void)
{
  g_autoptr(SySecretStore) store = sy_secret_store_new_in_memory ();
  g_autofree char *first = new_connection_id ();
  g_autofree char *second = new_connection_id ();
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_secret_store_is_in_memory (store));

  g_assert_true (store_secret (store, first, SY_SECRET_KIND_ACCESS_TOKEN, "mem-token", NULL, &error));
  g_assert_no_error (error);
  assert_secret (store, first, SY_SECRET_KIND_ACCESS_TOKEN, "mem-token");
  assert_not_found (store, first, SY_SECRET_KIND_REFRESH_TOKEN);
  assert_not_found (store, second, SY_SECRET_KIND_ACCESS_TOKEN);

  g_assert_true (store_secret (store, first, SY_SECRET_KIND_ACCESS_TOKEN, "mem-token-2", NULL, NULL));
  g_assert_true (store_secret (store, first, SY_SECRET_KIND_REFRESH_TOKEN, "mem-refresh", NULL, NULL));
  g_assert_true (store_secret (store, second, SY_SECRET_KIND_ACCESS_TOKEN, "other", NULL, NULL));
  assert_secret (store, first, SY_SECRET_KIND_ACCESS_TOKEN, "mem-token-2");

  g_assert_true (clear_secrets (store, first, SY_SECRET_KIND_ACCESS_TOKEN, &error));
  g_assert_no_error (error);
  assert_not_found (store, first, SY_SECRET_KIND_ACCESS_TOKEN);
  assert_secret (store, first, SY_SECRET_KIND_REFRESH_TOKEN, "mem-refresh");

  g_assert_true (clear_secrets (store, first, NULL, &error));
  g_assert_no_error (error);
  assert_not_found (store, first, SY_SECRET_KIND_REFRESH_TOKEN);
  assert_secret (store, second, SY_SECRET_KIND_ACCESS_TOKEN, "other");

  /* Nothing of it reached the real keyring. */
  g_assert_cmpuint (count_keyring_items (first, NULL), ==, 0);
  g_assert_cmpuint (count_keyring_items (second, NULL), ==, 0);
}

static void
mark_called (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  gboolean *called = user_data;

  g_assert_true (sy_secret_store_store_finish (SY_SECRET_STORE (source), result, NULL));
  *called = TRUE;
}

static void
test_in_memory_not_reentrant (void)
{
  g_autoptr(SySecretStore) store = sy_secret_store_new_in_memory ();
  gboolean called = FALSE;

  sy_secret_store_store_async (store, "id", SY_SECRET_KIND_ACCESS_TOKEN, "label", "s",
                               NULL, mark_called, &called);
  /* The callback runs from the main loop, not inside the call. */
  g_assert_false (called);
  while (!called)
    g_main_context_iteration (NULL, TRUE);
}

/* No session bus at all: the address points at a socket that does not
 * exist, and there is no X11 display to autolaunch one. */
static void
test_no_keyring_without_bus (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = sy_test_make_tmpdir ("switchyard-nobus");
      g_autofree char *address = g_strdup_printf ("unix:path=%s/no-such-socket", dir);
      g_autoptr(SySecretStore) store = NULL;
      g_autoptr(GError) error = NULL;
      char *secret;

      g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
      g_unsetenv ("DISPLAY");

      store = sy_secret_store_new ();
      g_assert_false (store_secret (store, "id", SY_SECRET_KIND_ACCESS_TOKEN, "s", NULL, &error));
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NO_KEYRING);
      g_assert_nonnull (strstr (error->message, "No keyring is available"));
      g_assert_nonnull (strstr (error->message, "Secret Service"));
      g_clear_error (&error);

      secret = lookup_secret (store, "id", SY_SECRET_KIND_ACCESS_TOKEN, &error);
      g_assert_null (secret);
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NO_KEYRING);
      g_clear_error (&error);

      g_assert_false (clear_secrets (store, "id", NULL, &error));
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NO_KEYRING);

      /* No address at all and no display: GDBus cannot autolaunch. */
      g_clear_error (&error);
      g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
      g_setenv ("XDG_RUNTIME_DIR", dir, TRUE);
      g_assert_false (store_secret (store, "id", SY_SECRET_KIND_ACCESS_TOKEN, "s", NULL, &error));
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NO_KEYRING);
      g_assert_nonnull (strstr (error->message, "No keyring is available"));

      /* A display that is not there: GDBus runs dbus-launch, which is
       * either missing (a spawn error) or cannot reach the display. */
      g_clear_error (&error);
      g_setenv ("DISPLAY", ":4242", TRUE);
      g_assert_false (store_secret (store, "id", SY_SECRET_KIND_ACCESS_TOKEN, "s", NULL, &error));
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NO_KEYRING);

      sy_test_remove_tree (dir);
      return;
    }

  /* A hang would show as a timeout of the child, or as the store's own
   * TIMEOUT error instead of NO_KEYRING. */
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* A session bus on which nobody provides org.freedesktop.secrets. */
static void
test_no_keyring_without_service (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_autoptr(SySecretStore) store = NULL;
      g_autoptr(GError) error = NULL;

      g_unsetenv ("DISPLAY");
      g_test_dbus_up (bus);

      store = sy_secret_store_new ();
      g_assert_false (store_secret (store, "id", SY_SECRET_KIND_ACCESS_TOKEN, "s", NULL, &error));
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NO_KEYRING);
      g_assert_nonnull (strstr (error->message, "No keyring is available"));

      /* Not g_test_dbus_down(): libsecret keeps the bus connection for
       * the life of the process, which down() would wait for. */
      g_test_dbus_stop (bus);
      return;
    }

  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* A stand-in for a keyring that misbehaves: it owns org.freedesktop.secrets
 * on the private bus and answers every call with the D-Bus error named in
 * user_data, or, when that is NULL, never answers at all (like a keyring
 * stuck on a prompt nobody can see). Runs in GDBus's worker thread. */
static GDBusMessage *
misbehave (GDBusConnection *connection,
           GDBusMessage    *message,
           gboolean         incoming,
           gpointer         user_data)
{
  const char *error_name = user_data;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return message;

  if (error_name != NULL)
    {
      g_autoptr(GDBusMessage) reply = g_dbus_message_new_method_error (message, error_name,
                                                                        "Emulated keyring error");
      g_dbus_connection_send_message (connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
    }

  g_object_unref (message);
  return NULL;
}

static GDBusConnection *
start_misbehaving_keyring (GTestDBus  *bus,
                           const char *error_name)
{
  g_autoptr(GDBusConnection) service = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 request_result = 0;

  service = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                    NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_add_filter (service, misbehave, (gpointer) error_name, NULL);
  reply = g_dbus_connection_call_sync (service, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.secrets", 4 /* DO_NOT_QUEUE */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &request_result);
  g_assert_cmpuint (request_result, ==, 1 /* PRIMARY_OWNER */);

  return g_steal_pointer (&service);
}

static void
test_timeout (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_autoptr(GDBusConnection) service = NULL;
      g_autoptr(SySecretStore) store = NULL;
      g_autoptr(GError) error = NULL;
      char *secret;

      g_unsetenv ("DISPLAY");
      g_test_dbus_up (bus);
      service = start_misbehaving_keyring (bus, NULL);

      store = sy_secret_store_new ();
      sy_secret_store_set_timeout (store, 300);

      g_assert_false (store_secret (store, "id", SY_SECRET_KIND_ACCESS_TOKEN, "s", NULL, &error));
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_TIMEOUT);
      g_assert_nonnull (strstr (error->message, "did not answer in time"));
      g_clear_error (&error);

      secret = lookup_secret (store, "id", SY_SECRET_KIND_ACCESS_TOKEN, &error);
      g_assert_null (secret);
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_TIMEOUT);
      g_clear_error (&error);

      g_assert_false (clear_secrets (store, "id", NULL, &error));
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_TIMEOUT);

      /* Let libsecret finish cancelling what was left running. */
      for (guint i = 0; i < 10; i++)
        g_main_context_iteration (NULL, FALSE);

      g_test_dbus_stop (bus);
      return;
    }

  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_locked (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_autoptr(GDBusConnection) service = NULL;
      g_autoptr(SySecretStore) store = NULL;
      g_autoptr(GError) error = NULL;
      char *secret;

      g_unsetenv ("DISPLAY");
      g_test_dbus_up (bus);
      service = start_misbehaving_keyring (bus, "org.freedesktop.Secret.Error.IsLocked");

      store = sy_secret_store_new ();
      g_assert_false (store_secret (store, "id", SY_SECRET_KIND_ACCESS_TOKEN, "s", NULL, &error));
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_LOCKED);
      g_assert_nonnull (strstr (error->message, "locked"));
      g_clear_error (&error);

      secret = lookup_secret (store, "id", SY_SECRET_KIND_ACCESS_TOKEN, &error);
      g_assert_null (secret);
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_LOCKED);

      g_test_dbus_stop (bus);
      return;
    }

  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* Any other keyring failure keeps the keyring's own words, minus the
 * D-Bus error name a user has no use for. */
static void
test_other_failure (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_autoptr(GDBusConnection) service = NULL;
      g_autoptr(SySecretStore) store = NULL;
      g_autoptr(GError) error = NULL;

      g_unsetenv ("DISPLAY");
      g_test_dbus_up (bus);
      service = start_misbehaving_keyring (bus, "org.freedesktop.DBus.Error.Failed");

      store = sy_secret_store_new ();
      g_assert_false (store_secret (store, "id", SY_SECRET_KIND_ACCESS_TOKEN, "s", NULL, &error));
      g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, "Emulated keyring error"));
      g_assert_null (strstr (error->message, "org.freedesktop"));

      g_test_dbus_stop (bus);
      return;
    }

  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_secret_free (void)
{
  sy_secret_free (NULL);
  sy_secret_free (g_strdup ("to be wiped"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secret-store/keyring/round-trip", test_keyring_round_trip);
  g_test_add_func ("/secret-store/keyring/clear", test_keyring_clear);
  g_test_add_func ("/secret-store/keyring/connections-isolated", test_keyring_connections_isolated);
  g_test_add_func ("/secret-store/keyring/secret-not-in-files", test_keyring_secret_not_in_files);
  g_test_add_func ("/secret-store/keyring/caller-cancels", test_keyring_caller_cancels);
  g_test_add_func ("/secret-store/in-memory/round-trip", test_in_memory);
  g_test_add_func ("/secret-store/in-memory/not-reentrant", test_in_memory_not_reentrant);
  g_test_add_func ("/secret-store/no-keyring/without-bus", test_no_keyring_without_bus);
  g_test_add_func ("/secret-store/no-keyring/without-service", test_no_keyring_without_service);
  g_test_add_func ("/secret-store/timeout", test_timeout);
  g_test_add_func ("/secret-store/locked", test_locked);
  g_test_add_func ("/secret-store/other-failure", test_other_failure);
  g_test_add_func ("/secret-store/secret-free", test_secret_free);

  return g_test_run ();
}
