/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-connection-services.h"
#include "sy-connection.h"
#include "sy-error.h"

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  GHashTable *counts = user_data;
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (count + 1));
}

static guint
notified (GHashTable *counts,
          const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static void
test_new_has_random_id (void)
{
  g_autoptr(SyConnection) first = sy_connection_new ("WMS", NULL);
  g_autoptr(SyConnection) second = sy_connection_new ("WMS", NULL);

  g_assert_true (g_uuid_string_is_valid (sy_connection_get_id (first)));
  g_assert_true (g_uuid_string_is_valid (sy_connection_get_id (second)));
  g_assert_cmpstr (sy_connection_get_id (first), !=, sy_connection_get_id (second));
  g_assert_cmpstr (sy_connection_get_base_url (first), ==, SY_DEFAULT_BASE_URL);
  g_assert_null (sy_connection_get_platform (first));
  g_assert_null (sy_connection_get_domain (first));
  g_assert_cmpint (sy_connection_get_status (first), ==, SY_CONNECTION_STATUS_UNKNOWN);
}

static void
test_notify_only_on_change (void)
{
  g_autoptr(SyConnection) connection = sy_connection_new ("WMS", "http://127.0.0.1:8080");
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);

  g_signal_connect (connection, "notify", G_CALLBACK (count_notify), counts);

  sy_connection_set_name (connection, "WMS");
  sy_connection_set_base_url (connection, "http://127.0.0.1:8080");
  sy_connection_set_platform (connection, NULL);
  sy_connection_set_status (connection, SY_CONNECTION_STATUS_UNKNOWN, NULL);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 0);

  sy_connection_set_name (connection, "Warehouse");
  sy_connection_set_platform (connection, "mintsoft");
  sy_connection_set_domain (connection, "wms");
  sy_connection_set_base_url (connection, "https://api.makini.io");
  g_assert_cmpuint (notified (counts, "name"), ==, 1);
  g_assert_cmpuint (notified (counts, "platform"), ==, 1);
  g_assert_cmpuint (notified (counts, "domain"), ==, 1);
  g_assert_cmpuint (notified (counts, "base-url"), ==, 1);

  sy_connection_set_status (connection, SY_CONNECTION_STATUS_NEEDS_REAUTH, "Token expired");
  g_assert_cmpuint (notified (counts, "status"), ==, 1);
  g_assert_cmpuint (notified (counts, "status-message"), ==, 1);

  /* Same status, new message: only the message changes. */
  sy_connection_set_status (connection, SY_CONNECTION_STATUS_NEEDS_REAUTH, "Token revoked");
  g_assert_cmpuint (notified (counts, "status"), ==, 1);
  g_assert_cmpuint (notified (counts, "status-message"), ==, 2);

  /* Through the property, as a binding would set it. */
  g_object_set (connection, "status", SY_CONNECTION_STATUS_NEEDS_REAUTH, NULL);
  g_assert_cmpuint (notified (counts, "status"), ==, 1);
  g_object_set (connection, "name", "Warehouse", NULL);
  g_assert_cmpuint (notified (counts, "name"), ==, 1);
  g_object_set (connection, "name", "Store", NULL);
  g_assert_cmpuint (notified (counts, "name"), ==, 2);
  g_assert_cmpstr (sy_connection_get_name (connection), ==, "Store");
}

static void
test_status_enum_type (void)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (SY_TYPE_CONNECTION_STATUS);
  GEnumValue *value;

  g_assert_true (G_TYPE_IS_ENUM (SY_TYPE_CONNECTION_STATUS));
  value = g_enum_get_value (enum_class, SY_CONNECTION_STATUS_NO_KEYRING);
  g_assert_nonnull (value);
  g_assert_cmpstr (value->value_nick, ==, "no-keyring");
  g_assert_cmpuint (enum_class->n_values, ==, 5);
}

static const char *round_trip_json =
  "{\"id\": \"7c1a3a2e-3f59-4ad6-9d0b-4d7f6c1e2a10\","
  " \"name\": \"Mintsoft\","
  " \"base_url\": \"http://127.0.0.1:4010\","
  " \"platform\": \"mintsoft\","
  " \"domain\": \"wms\","
  " \"options\": {\"account\": \"1234\", \"future_option\": {\"nested\": [1, 2, {\"deep\": true}]}, \"n\": 3.5},"
  " \"added_by_a_newer_version\": [\"x\", null]}";

static void
test_json_round_trip (void)
{
  g_autoptr(JsonObject) input = parse_object (round_trip_json);
  g_autoptr(JsonNode) input_node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(SyConnection) connection = NULL;
  g_autoptr(JsonNode) output = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *options;

  connection = sy_connection_new_from_json (input, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sy_connection_get_id (connection), ==, "7c1a3a2e-3f59-4ad6-9d0b-4d7f6c1e2a10");
  g_assert_cmpstr (sy_connection_get_name (connection), ==, "Mintsoft");
  g_assert_cmpstr (sy_connection_get_base_url (connection), ==, "http://127.0.0.1:4010");
  g_assert_cmpstr (sy_connection_get_platform (connection), ==, "mintsoft");
  g_assert_cmpstr (sy_connection_get_domain (connection), ==, "wms");

  options = sy_connection_get_options (connection);
  g_assert_cmpstr (json_object_get_string_member (options, "account"), ==, "1234");

  json_node_set_object (input_node, input);
  output = sy_connection_to_json (connection);
  g_assert_true (json_node_equal (input_node, output));

  /* The status is what the app learned this session, not configuration. */
  sy_connection_set_status (connection, SY_CONNECTION_STATUS_ACTIVE, "All good");
  g_clear_pointer (&output, json_node_unref);
  output = sy_connection_to_json (connection);
  g_assert_false (json_object_has_member (json_node_get_object (output), "status"));
  g_assert_false (json_object_has_member (json_node_get_object (output), "status_message"));
  g_assert_true (json_node_equal (input_node, output));
}

static void
test_json_copies_are_independent (void)
{
  g_autoptr(JsonObject) input = parse_object (round_trip_json);
  g_autoptr(SyConnection) connection = sy_connection_new_from_json (input, NULL);
  g_autoptr(JsonNode) output = NULL;
  JsonObject *future;

  g_assert_nonnull (connection);

  /* Changing the parsed tree afterwards must not change the connection. */
  future = json_object_get_object_member (json_object_get_object_member (input, "options"), "future_option");
  json_object_set_string_member (future, "changed", "by the caller");

  output = sy_connection_to_json (connection);
  future = json_object_get_object_member (json_object_get_object_member (json_node_get_object (output), "options"),
                                          "future_option");
  g_assert_false (json_object_has_member (future, "changed"));

  /* Nor the other way round. */
  json_object_set_string_member (future, "changed", "in the output");
  g_clear_pointer (&output, json_node_unref);
  output = sy_connection_to_json (connection);
  future = json_object_get_object_member (json_object_get_object_member (json_node_get_object (output), "options"),
                                          "future_option");
  g_assert_false (json_object_has_member (future, "changed"));
}

static void
test_json_minimal_entry (void)
{
  g_autoptr(JsonObject) input = parse_object ("{\"id\": \"abc\", \"name\": \"ERP\", \"platform\": null}");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConnection) connection = sy_connection_new_from_json (input, &error);
  g_autoptr(JsonNode) output = NULL;
  JsonObject *object;

  g_assert_no_error (error);
  g_assert_cmpstr (sy_connection_get_base_url (connection), ==, SY_DEFAULT_BASE_URL);
  g_assert_null (sy_connection_get_platform (connection));

  output = sy_connection_to_json (connection);
  object = json_node_get_object (output);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, "abc");
  g_assert_cmpstr (json_object_get_string_member (object, "base_url"), ==, SY_DEFAULT_BASE_URL);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "options")));
}

static void
test_json_rejects_bad_entries (void)
{
  const char *bad[] = {
    "{\"name\": \"No id\"}",
    "{\"id\": \"\", \"name\": \"Empty id\"}",
    "{\"id\": \"abc\"}",
    "{\"id\": \"abc\", \"name\": \"\"}",
    "{\"id\": \"abc\", \"name\": 42}",
    "{\"id\": 7, \"name\": \"Number id\"}",
    "{\"id\": \"abc\", \"name\": \"x\", \"base_url\": [\"not\", \"text\"]}",
    "{\"id\": \"abc\", \"name\": \"x\", \"options\": [1, 2]}",
    "{\"id\": \"abc\", \"name\": \"x\", \"options\": \"text\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) input = parse_object (bad[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyConnection) connection = sy_connection_new_from_json (input, &error);

      g_test_message ("entry: %s", bad[i]);
      g_assert_null (connection);
      g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE);
      g_assert_cmpstr (error->message, !=, "");
    }
}

static void
test_validate_name (void)
{
  const char *good[] = { "WMS", "Mintsoft (UK) — live", "  padded  ", "日本の倉庫", "a" };
  const char *bad[] = { NULL, "", " ", "\t \u00a0 ", "\u00a0\u2003", "line\nbreak", "tab\there", "bell\a",
                        "del\x7f", "c1\xc2\x85", "sep\u2028", "bad utf8 \xff" };
  g_autoptr(GString) longest = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (sy_connection_validate_name (good[i], &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("name #%u", i);
      g_assert_false (sy_connection_validate_name (bad[i], &error));
      g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_NAME);
      g_assert_cmpstr (error->message, !=, "");
    }

  /* 100 characters (not bytes) are fine, 101 are not. */
  for (guint i = 0; i < 100; i++)
    g_string_append (longest, "é");
  g_assert_true (sy_connection_validate_name (longest->str, NULL));
  g_string_append (longest, "é");
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (sy_connection_validate_name (longest->str, &error));
    g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_NAME);
    g_assert_nonnull (strstr (error->message, "100"));
  }
}

static void
test_validate_base_url (void)
{
  const char *good[] = {
    "https://api.makini.io",
    "https://api.makini.io/",
    "HTTPS://API.MAKINI.IO",
    "http://127.0.0.1:8080",
    "http://[::1]:8080/base/path",
    "https://example.com/api?region=eu",
  };
  const char *bad[] = {
    NULL,
    "",
    "api.makini.io",
    "ftp://api.makini.io",
    "file:///etc/passwd",
    "https://",
    "https:///path-only",
    "https://api.makini.io/#section",
    "https://api.makini.io/#",
    "https://api.makini .io",
    " https://api.makini.io",
    "https://api.makini.io\n",
    "not a url at all",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("good URL: %s", good[i]);
      g_assert_true (sy_connection_validate_base_url (good[i], &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("bad URL #%u", i);
      g_assert_false (sy_connection_validate_base_url (bad[i], &error));
      g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_URL);
      g_assert_cmpstr (error->message, !=, "");
    }
}

static void
test_validate_base_url_refuses_credentials (void)
{
  const char *with_credentials[] = {
    "https://sk_live_Secret123@api.makini.io",
    "https://user:sk_live_Secret123@api.makini.io/",
    "http://:sk_live_Secret123@127.0.0.1:8080",
  };

  for (guint i = 0; i < G_N_ELEMENTS (with_credentials); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (sy_connection_validate_base_url (with_credentials[i], &error));
      g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_URL);
      /* It says why, and does not repeat the token. */
      g_assert_nonnull (strstr (error->message, "keyring"));
      g_assert_null (strstr (error->message, "sk_live_Secret123"));
    }
}

typedef struct
{
  GPtrArray *entities;
  GThread   *thread;
} Written;

static void
on_records_written (SyConnection *connection,
                    const char   *entity,
                    Written      *written)
{
  g_ptr_array_add (written->entities, g_strdup (entity));
  written->thread = g_thread_self ();
}

static gpointer
notify_from_thread (gpointer data)
{
  sy_connection_notify_records_written (data, "erp/customers");
  return NULL;
}

/* Views listen on the main context, whichever thread a sync ran on. */
static void
test_records_written (void)
{
  g_autoptr(SyConnection) connection = sy_connection_new ("ERP", "http://127.0.0.1:1");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyApiClient) client = sy_connection_create_client (connection, "token", &error);
  g_autoptr(SyApiClient) other = sy_api_client_new ("http://127.0.0.1:1", "token", NULL);
  g_autoptr(SyConnection) found = NULL;
  Written written = { g_ptr_array_new_with_free_func (g_free), NULL };
  GThread *thread;

  g_assert_no_error (error);
  g_signal_connect (connection, "records-written", G_CALLBACK (on_records_written), &written);

  /* On the main context, after the code that wrote. */
  sy_connection_notify_records_written (connection, "erp/sales-orders");
  g_assert_cmpuint (written.entities->len, ==, 0);
  while (written.entities->len < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (g_ptr_array_index (written.entities, 0), ==, "erp/sales-orders");

  /* From another thread: on the main context, when it runs. */
  thread = g_thread_new ("sync", notify_from_thread, connection);
  g_thread_join (thread);
  g_assert_cmpuint (written.entities->len, ==, 1);
  while (written.entities->len < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (g_ptr_array_index (written.entities, 1), ==, "erp/customers");
  g_assert_true (written.thread == g_thread_self ());

  /* A client knows the connection it was made for, without keeping it. */
  found = sy_connection_dup_for_client (client);
  g_assert_true (found == connection);
  g_assert_null (sy_connection_dup_for_client (other));
  g_clear_object (&found);
  g_clear_object (&connection);
  g_assert_null (sy_connection_dup_for_client (client));

  g_ptr_array_unref (written.entities);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connection/new-has-random-id", test_new_has_random_id);
  g_test_add_func ("/connection/records-written", test_records_written);
  g_test_add_func ("/connection/notify-only-on-change", test_notify_only_on_change);
  g_test_add_func ("/connection/status-enum-type", test_status_enum_type);
  g_test_add_func ("/connection/json/round-trip", test_json_round_trip);
  g_test_add_func ("/connection/json/copies-are-independent", test_json_copies_are_independent);
  g_test_add_func ("/connection/json/minimal-entry", test_json_minimal_entry);
  g_test_add_func ("/connection/json/rejects-bad-entries", test_json_rejects_bad_entries);
  g_test_add_func ("/connection/validate/name", test_validate_name);
  g_test_add_func ("/connection/validate/base-url", test_validate_base_url);
  g_test_add_func ("/connection/validate/base-url-credentials", test_validate_base_url_refuses_credentials);

  return g_test_run ();
}
