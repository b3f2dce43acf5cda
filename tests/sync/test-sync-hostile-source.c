/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "sy-state-store-sync.h"
#include "sy-sync-job.h"
#include "sy-test-support.h"

/* The sync job against sources that do not behave: one that ignores
 * filter[] and sort[] (a run must end, write everything once, and an
 * incremental run still only what changed), and one that lists records
 * without a key and the same record twice (each a failed record with its
 * reason). Source and target are small servers in this test, over
 * loopback HTTP; the state is a real state.db. */

#define SOURCE_ENTITY "wms/sales-orders"
#define TARGET_ENTITY "erp/sales-orders"
#define PER_PAGE 100

static const char mapping_json[] =
  "{\"version\": 1, \"name\": \"hostile\","
  " \"source\": {\"connection\": \"src\", \"entity\": \"" SOURCE_ENTITY "\"},"
  " \"target\": {\"connection\": \"dst\", \"entity\": \"" TARGET_ENTITY "\"},"
  " \"match\": {\"source\": \"key\", \"target\": \"code\"},"
  " \"fields\": [{\"target\": \"code\", \"source\": \"key\"},"
  "            {\"target\": \"orderNumber\", \"source\": \"orderNumber\"}]}";

typedef struct
{
  SoupServer   *server;
  char         *url;
  /* Source: JsonObject records in the order the server keeps them. */
  GPtrArray    *records;
  gboolean      honours_query;
  guint         list_requests;
  /* Target: code → JsonObject, and how many writes. */
  GHashTable   *written;
  guint         creates;
  guint         updates;
  guint         next_key;

  char         *state_dir;
  SyStateStore *store;
  SyMapping    *mapping;
  SyApiClient  *source;
  SyApiClient  *target;
} Fixture;

static JsonObject *
order_new (const char *key,
           const char *updated_at,
           const char *order_number)
{
  JsonObject *order = json_object_new ();

  if (key != NULL)
    json_object_set_string_member (order, "key", key);
  json_object_set_string_member (order, "updatedAt", updated_at);
  json_object_set_string_member (order, "orderNumber", order_number);
  return order;
}

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            JsonNode          *root)
{
  g_autofree char *text = json_to_string (root, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text, strlen (text));
}

static JsonNode *
node_of (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return node;
}

static int
compare_updated_at (gconstpointer a,
                    gconstpointer b)
{
  JsonObject *x = *(JsonObject * const *) a;
  JsonObject *y = *(JsonObject * const *) b;

  return strcmp (json_object_get_string_member (x, "updatedAt"), json_object_get_string_member (y, "updatedAt"));
}

static gboolean
passes_filter (JsonObject *record,
               GHashTable *query)
{
  const char *updated_at = json_object_get_string_member (record, "updatedAt");
  const char *gt = g_hash_table_lookup (query, "filter[updatedAt:gt]");
  const char *gteq = g_hash_table_lookup (query, "filter[updatedAt:gteq]");

  return (gt == NULL || strcmp (updated_at, gt) > 0) && (gteq == NULL || strcmp (updated_at, gteq) >= 0);
}

static void
answer_source_list (Fixture           *fixture,
                    SoupServerMessage *msg,
                    GHashTable        *query)
{
  g_autoptr(GPtrArray) listed = g_ptr_array_new ();
  const char *page_text = query ? g_hash_table_lookup (query, "page") : NULL;
  guint page = page_text ? (guint) g_ascii_strtoull (page_text, NULL, 10) : 1;
  guint last_page;
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonObject) meta = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonArray *data = json_array_new ();

  fixture->list_requests++;
  for (guint i = 0; i < fixture->records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (fixture->records, i);

      if (!fixture->honours_query || query == NULL || passes_filter (record, query))
        g_ptr_array_add (listed, record);
    }
  if (fixture->honours_query)
    g_ptr_array_sort (listed, compare_updated_at);

  page = MAX (page, 1);
  last_page = MAX ((listed->len + PER_PAGE - 1) / PER_PAGE, 1);
  for (guint i = (page - 1) * PER_PAGE; i < listed->len && i < page * PER_PAGE; i++)
    json_array_add_object_element (data, json_object_ref (g_ptr_array_index (listed, i)));

  json_object_set_int_member (meta, "current_page", page);
  json_object_set_int_member (meta, "last_page", last_page);
  json_object_set_int_member (meta, "per_page", PER_PAGE);
  json_object_set_int_member (meta, "total", listed->len);
  json_object_set_array_member (answer, "data", data);
  json_object_set_object_member (answer, "meta", g_steal_pointer (&meta));
  root = node_of (answer);
  reply_json (msg, 200, root);
}

static void
answer_target (Fixture           *fixture,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonNode) root = NULL;

  if (g_str_equal (method, "GET"))
    {
      JsonArray *data = json_array_new ();
      GHashTableIter iter;
      gpointer name, value, record;

      /* filter[field]=value on any field; without one, everything. */
      g_hash_table_iter_init (&iter, fixture->written);
      while (g_hash_table_iter_next (&iter, NULL, &record))
        {
          gboolean matches = TRUE;
          GHashTableIter filters;

          if (query != NULL)
            {
              g_hash_table_iter_init (&filters, query);
              while (g_hash_table_iter_next (&filters, &name, &value))
                {
                  g_autofree char *field = NULL;

                  if (!g_str_has_prefix (name, "filter[") || !g_str_has_suffix (name, "]"))
                    continue;
                  field = g_strndup ((const char *) name + 7, strlen (name) - 8);
                  matches &= g_strcmp0 (json_object_get_string_member_with_default (record, field, NULL),
                                        value) == 0;
                }
            }
          if (matches)
            json_array_add_object_element (data, json_object_ref (record));
        }
      json_object_set_array_member (answer, "data", data);
    }
  else
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);
      g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *record;
      const char *code;
      g_autofree char *key = NULL;

      g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                                 NULL));
      record = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
      code = json_object_get_string_member (record, "code");

      if (g_str_equal (method, "POST"))
        {
          key = g_strdup_printf ("T%u", ++fixture->next_key);
          fixture->creates++;
        }
      else
        {
          key = g_strdup (strrchr (path, '/') + 1);
          fixture->updates++;
        }
      json_object_set_string_member (record, "key", key);
      g_hash_table_replace (fixture->written, g_strdup (code), record);
      json_object_set_object_member (answer, "data", json_object_ref (record));
    }

  root = node_of (answer);
  reply_json (msg, g_str_equal (method, "POST") ? 201 : 200, root);
}

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Fixture *fixture = user_data;

  if (g_str_equal (path, "/api/" SOURCE_ENTITY))
    answer_source_list (fixture, msg, query);
  else if (g_str_has_prefix (path, "/api/" TARGET_ENTITY))
    answer_target (fixture, msg, path, query);
  else
    soup_server_message_set_status (msg, 404, NULL);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  fixture->records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  fixture->written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  fixture->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fixture->server, NULL, handle, fixture, NULL);
  soup_server_listen_local (fixture->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fixture->server);
  fixture->url = g_uri_to_string_partial (uris->data, G_URI_HIDE_PASSWORD);
  if (g_str_has_suffix (fixture->url, "/"))
    fixture->url[strlen (fixture->url) - 1] = '\0';

  fixture->state_dir = sy_test_make_tmpdir ("sync-hostile");
  fixture->store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  fixture->mapping = sy_mapping_new_from_data (mapping_json, -1, "hostile.json", &error);
  g_assert_no_error (error);
  fixture->source = sy_api_client_new (fixture->url, "source-token", &error);
  g_assert_no_error (error);
  fixture->target = sy_api_client_new (fixture->url, "target-token", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->source);
  g_clear_object (&fixture->target);
  g_clear_object (&fixture->mapping);
  g_clear_object (&fixture->store);
  soup_server_disconnect (fixture->server);
  g_clear_object (&fixture->server);
  g_clear_pointer (&fixture->records, g_ptr_array_unref);
  g_clear_pointer (&fixture->written, g_hash_table_unref);
  g_clear_pointer (&fixture->url, g_free);
  sy_test_remove_tree (fixture->state_dir);
  g_clear_pointer (&fixture->state_dir, g_free);
}

/* Runs a sync to its end and returns the run as state.db has it. */
static SySyncRun *
run_sync (Fixture *fixture,
          gboolean full)
{
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SySyncOptions options;
  SySyncRun *run;

  sy_sync_options_init (&options);
  options.batch_size = 20;
  options.full = full;
  job = sy_sync_job_new (fixture->store, fixture->mapping, fixture->source, fixture->target, &options);
  sy_sync_job_run_async (job, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_sync_job_run_finish (job, result, &error));
  g_assert_no_error (error);

  run = sy_state_store_load_run (fixture->store, sy_sync_job_get_run_id (job), &error);
  g_assert_no_error (error);
  return run;
}

static void
assert_target_holds_source (Fixture *fixture)
{
  g_assert_cmpuint (g_hash_table_size (fixture->written), ==, fixture->records->len);
  for (guint i = 0; i < fixture->records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (fixture->records, i);
      JsonObject *written = g_hash_table_lookup (fixture->written, json_object_get_string_member (record, "key"));

      g_assert_nonnull (written);
      g_assert_cmpstr (json_object_get_string_member (written, "orderNumber"), ==,
                       json_object_get_string_member (record, "orderNumber"));
    }
}

/* A source that answers every listing with all its records in its own
 * order, whatever filter[] and sort[] say: once that shows, the run reads
 * it whole, page by page, and filters here. Before, a run asked for page
 * 1 thousands of times and never ended. */
static void
test_ignores_filter_and_sort (Fixture       *fixture,
                              gconstpointer  data)
{
  const guint n = 250;
  g_autoptr(SySyncRun) first = NULL;
  g_autoptr(SySyncRun) second = NULL;
  g_autoptr(SySyncRun) third = NULL;
  guint creates, requests;

  fixture->honours_query = FALSE;
  for (guint i = 0; i < n; i++)
    {
      /* Neither sorted by key nor by time. */
      guint position = (i * 97) % n;
      g_autofree char *key = g_strdup_printf ("K%04u", i);
      g_autofree char *updated_at = g_strdup_printf ("2024-01-01T00:%02u:%02uZ", position / 60, position % 60);
      g_autofree char *number = g_strdup_printf ("SO-%u", i);

      g_ptr_array_add (fixture->records, order_new (key, updated_at, number));
    }

  first = run_sync (fixture, FALSE);
  g_test_message ("first run: %u listings asked for", fixture->list_requests);
  g_assert_cmpuint (first->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  g_assert_cmpuint (first->read, ==, n);
  g_assert_cmpuint (first->created, ==, n);
  g_assert_cmpuint (first->failed, ==, 0);
  g_assert_cmpuint (fixture->creates, ==, n);
  /* Three pages and a few restarts, not thousands. */
  g_assert_cmpuint (fixture->list_requests, <=, 10);
  assert_target_holds_source (fixture);

  /* Nothing changed: the server still answers everything, nothing is
   * written. */
  creates = fixture->creates;
  requests = fixture->list_requests;
  second = run_sync (fixture, FALSE);
  g_assert_cmpuint (second->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  g_assert_cmpuint (second->read, ==, 0);
  g_assert_cmpuint (fixture->creates, ==, creates);
  g_assert_cmpuint (fixture->updates, ==, 0);
  g_assert_cmpuint (fixture->list_requests - requests, <=, 10);

  /* Three edited: those three, as updates, and nothing else. */
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *record = g_ptr_array_index (fixture->records, 10 + i * 50);
      g_autofree char *number = g_strdup_printf ("SO-edited-%u", i);

      json_object_set_string_member (record, "updatedAt", "2024-01-02T00:00:00Z");
      json_object_set_string_member (record, "orderNumber", number);
    }
  requests = fixture->list_requests;
  third = run_sync (fixture, FALSE);
  g_assert_cmpuint (third->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  g_assert_cmpuint (third->read, ==, 3);
  g_assert_cmpuint (third->updated, ==, 3);
  g_assert_cmpuint (fixture->creates, ==, creates);
  g_assert_cmpuint (fixture->updates, ==, 3);
  g_assert_cmpuint (fixture->list_requests - requests, <=, 10);
  assert_target_holds_source (fixture);
}

/* Records without a key (missing, null, empty) and one listed twice with
 * the same updatedAt: each a failed record with its reason, counted and
 * in the run's failures; the others are written. */
static void
test_keyless_and_repeated (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(SySyncRun) run = NULL;
  g_autoptr(SySyncRun) again = NULL;
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *null_key;
  JsonObject *empty_key;
  gboolean saw_missing = FALSE, saw_null = FALSE, saw_empty = FALSE, saw_repeated = FALSE;

  fixture->honours_query = TRUE;
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *key = g_strdup_printf ("K%04u", i);
      g_autofree char *updated_at = g_strdup_printf ("2024-01-01T00:00:%02uZ", i);
      g_autofree char *number = g_strdup_printf ("SO-%u", i);

      g_ptr_array_add (fixture->records, order_new (key, updated_at, number));
    }
  g_ptr_array_add (fixture->records, order_new (NULL, "2024-01-01T00:00:05Z", "SO-missing"));
  null_key = order_new (NULL, "2024-01-01T00:00:06Z", "SO-null");
  json_object_set_null_member (null_key, "key");
  g_ptr_array_add (fixture->records, null_key);
  empty_key = order_new ("", "2024-01-01T00:00:07Z", "SO-empty");
  g_ptr_array_add (fixture->records, empty_key);
  /* K0012 twice, as it is. */
  g_ptr_array_add (fixture->records, json_object_ref (g_ptr_array_index (fixture->records, 12)));

  run = run_sync (fixture, FALSE);
  g_assert_cmpuint (run->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  g_assert_cmpuint (run->failed, ==, 4);
  g_assert_cmpuint (run->created, ==, 29);
  g_assert_cmpuint (run->read, ==, 33);
  g_assert_cmpuint (fixture->creates, ==, 29);
  g_assert_false (g_hash_table_contains (fixture->written, "K0012"));

  failures = sy_state_store_list_failures (fixture->store, run->id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failures->len, ==, 4);
  for (guint i = 0; i < failures->len; i++)
    {
      SySyncResult *failure = g_ptr_array_index (failures, i);

      g_test_message ("%s: %s", failure->source_key, failure->message);
      g_assert_nonnull (failure->source_key);
      if (strstr (failure->message, "has no key") != NULL)
        saw_missing = TRUE;
      else if (strstr (failure->message, "key is null") != NULL)
        saw_null = TRUE;
      else if (strstr (failure->message, "key is empty") != NULL)
        saw_empty = TRUE;
      else if (strstr (failure->message, "more than once") != NULL)
        {
          g_assert_cmpstr (failure->source_key, ==, "K0012");
          saw_repeated = TRUE;
        }
    }
  g_assert_true (saw_missing && saw_null && saw_empty && saw_repeated);

  /* A full run meets them again: the same failures, nothing written twice. */
  again = run_sync (fixture, TRUE);
  g_assert_cmpuint (again->failed, ==, 4);
  g_assert_cmpuint (fixture->creates, ==, 29);
}

/* A pair without a key map whose match rule does not name the source key
 * (orders matched by their number): what the target already holds is
 * found by the match field and updated, nothing is created again. */
static void
test_adopt_by_lookup (Fixture       *fixture,
                      gconstpointer  data)
{
  static const char by_number_json[] =
    "{\"version\": 1, \"name\": \"by-number\","
    " \"source\": {\"connection\": \"src\", \"entity\": \"" SOURCE_ENTITY "\"},"
    " \"target\": {\"connection\": \"dst\", \"entity\": \"" TARGET_ENTITY "\"},"
    " \"match\": {\"source\": \"orderNumber\", \"target\": \"orderNumber\"},"
    " \"fields\": [{\"target\": \"code\", \"source\": \"key\"},"
    "            {\"target\": \"orderNumber\", \"source\": \"orderNumber\"},"
    "            {\"target\": \"memo\", \"template\": \"order {orderNumber}\"}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(SySyncRun) run = NULL;

  g_clear_object (&fixture->mapping);
  fixture->mapping = sy_mapping_new_from_data (by_number_json, -1, "by-number.json", &error);
  g_assert_no_error (error);

  fixture->honours_query = TRUE;
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *key = g_strdup_printf ("K%04u", i);
      g_autofree char *updated_at = g_strdup_printf ("2024-01-01T00:00:%02uZ", i);
      g_autofree char *number = g_strdup_printf ("SO-%u", i);

      g_ptr_array_add (fixture->records, order_new (key, updated_at, number));
      /* Ten of them were written before state.db was lost. */
      if (i < 10)
        {
          JsonObject *held = json_object_new ();
          g_autofree char *target_key = g_strdup_printf ("OLD%u", i);

          json_object_set_string_member (held, "key", target_key);
          json_object_set_string_member (held, "code", key);
          json_object_set_string_member (held, "orderNumber", number);
          json_object_set_string_member (held, "memo", "stale");
          g_hash_table_replace (fixture->written, g_strdup (key), held);
        }
    }

  run = run_sync (fixture, FALSE);
  g_assert_cmpuint (run->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  g_assert_cmpuint (run->failed, ==, 0);
  g_assert_cmpuint (run->created, ==, 2);
  g_assert_cmpuint (run->updated, ==, 10);
  g_assert_cmpuint (fixture->creates, ==, 2);
  g_assert_cmpuint (fixture->updates, ==, 10);
  g_assert_cmpuint (g_hash_table_size (fixture->written), ==, 12);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *key = g_strdup_printf ("K%04u", i);
      g_autofree char *memo = g_strdup_printf ("order SO-%u", i);
      g_autofree char *target_key = g_strdup_printf ("OLD%u", i);
      JsonObject *held = g_hash_table_lookup (fixture->written, key);

      g_assert_cmpstr (json_object_get_string_member (held, "key"), ==, target_key);
      g_assert_cmpstr (json_object_get_string_member (held, "memo"), ==, memo);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/sync-hostile-source/ignores-filter-and-sort", Fixture, NULL, fixture_set_up,
              test_ignores_filter_and_sort, fixture_tear_down);
  g_test_add ("/sync-hostile-source/keyless-and-repeated", Fixture, NULL, fixture_set_up,
              test_keyless_and_repeated, fixture_tear_down);
  g_test_add ("/sync-hostile-source/adopt-by-lookup", Fixture, NULL, fixture_set_up,
              test_adopt_by_lookup, fixture_tear_down);

  return g_test_run ();
}
