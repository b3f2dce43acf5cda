/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-api-client.h"
#include "sy-record-model.h"
#include "sy-test-support.h"

#define N_RECORDS 120
#define PER_PAGE 25

typedef struct
{
  guint position;
  guint removed;
  guint added;
} ItemsChange;

static void
record_items_changed (GListModel *model,
                      guint       position,
                      guint       removed,
                      guint       added,
                      GArray     *changes)
{
  ItemsChange change = { position, removed, added };

  g_array_append_val (changes, change);
}

/* What a view sees when "loading" turns FALSE: the page must be in. */
static void
record_n_items_when_idle (SyRecordModel *model,
                          GParamSpec    *pspec,
                          guint         *n_items)
{
  if (!sy_record_model_get_loading (model))
    *n_items = g_list_model_get_n_items (G_LIST_MODEL (model));
}

static void
wait_while_loading (SyRecordModel *model)
{
  while (sy_record_model_get_loading (model))
    g_main_context_iteration (NULL, TRUE);
}

static void
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* Lets late callbacks (of cancelled requests, say) arrive. */
static void
spin_main_context (guint milliseconds)
{
  gboolean done = FALSE;

  g_timeout_add_once (milliseconds, set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Every record of the entity is there, each exactly once. */
static void
assert_distinct_keys (GListModel *model,
                      guint       expected)
{
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, expected);
  for (guint i = 0; i < expected; i++)
    {
      g_autoptr(SyRecord) record = g_list_model_get_item (model, i);
      const char *key = sy_record_get_key (record);

      g_assert_nonnull (key);
      g_assert_false (g_hash_table_contains (keys, key));
      g_hash_table_add (keys, g_strdup (key));
    }
  g_assert_cmpuint (g_hash_table_size (keys), ==, expected);
}

static SyApiClient *
client_for (SySandboxProcess *sandbox,
            const char       *token)
{
  g_autoptr(GError) error = NULL;
  SyApiClient *client = sy_api_client_new (sy_sandbox_process_get_url (sandbox), token, &error);

  g_assert_no_error (error);
  /* A wrong token must fail now, not after the default backoff. */
  sy_api_client_set_retry_policy (client, 1, 50);
  return client;
}

static const char * const records_args[] = { "--records", G_STRINGIFY (N_RECORDS), NULL };

static void
test_pages_in_order (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (records_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, sy_sandbox_process_get_token (sandbox, "wms"));
  g_autoptr(SyRecordModel) model = sy_record_model_new (client, "wms/sales-orders", PER_PAGE);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (ItemsChange));
  guint n_loads = 0;
  guint n_items_when_idle = 0;

  g_signal_connect (model, "items-changed", G_CALLBACK (record_items_changed), changes);
  g_signal_connect (model, "notify::loading", G_CALLBACK (record_n_items_when_idle), &n_items_when_idle);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == SY_TYPE_RECORD);
  g_assert_true (sy_record_model_get_has_more (model));
  g_assert_false (sy_record_model_get_loading (model));
  g_assert_null (sy_record_model_get_columns (model));

  /* The first page, and a second request while it is in flight that
   * must not fetch it twice. */
  sy_record_model_load_more (model);
  g_assert_true (sy_record_model_get_loading (model));
  sy_record_model_load_more (model);
  wait_while_loading (model);
  n_loads++;

  g_assert_no_error (sy_record_model_get_error (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, PER_PAGE);
  g_assert_cmpuint (n_items_when_idle, ==, PER_PAGE);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, ItemsChange, 0).position, ==, 0);
  g_assert_cmpuint (g_array_index (changes, ItemsChange, 0).removed, ==, 0);
  g_assert_cmpuint (g_array_index (changes, ItemsChange, 0).added, ==, PER_PAGE);
  g_assert_true (sy_record_model_get_has_more (model));

  while (sy_record_model_get_has_more (model))
    {
      guint n_before = g_list_model_get_n_items (G_LIST_MODEL (model));
      guint changes_before = changes->len;

      g_assert_cmpuint (n_loads, <, N_RECORDS / PER_PAGE + 3);
      sy_record_model_load_more (model);
      sy_record_model_load_more (model);
      sy_record_model_load_more (model);
      wait_while_loading (model);
      n_loads++;
      g_assert_no_error (sy_record_model_get_error (model));

      /* At most one page per load, appended at the end. */
      g_assert_cmpuint (changes->len, <=, changes_before + 1);
      if (changes->len == changes_before + 1)
        {
          ItemsChange *change = &g_array_index (changes, ItemsChange, changes_before);

          g_assert_cmpuint (change->position, ==, n_before);
          g_assert_cmpuint (change->removed, ==, 0);
          g_assert_cmpuint (change->added, >, 0);
          g_assert_cmpuint (change->added, <=, PER_PAGE);
          g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n_before + change->added);
        }
      else
        g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n_before);
    }

  /* 120 records in pages of 25: five pages with records. */
  g_assert_cmpuint (changes->len, ==, (N_RECORDS + PER_PAGE - 1) / PER_PAGE);
  assert_distinct_keys (G_LIST_MODEL (model), N_RECORDS);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), N_RECORDS));

  /* Done means done: nothing more is fetched or added. */
  sy_record_model_load_more (model);
  g_assert_false (sy_record_model_get_loading (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_RECORDS);
}

static void
test_columns_for_sales_orders (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (records_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, sy_sandbox_process_get_token (sandbox, "wms"));
  g_autoptr(SyRecordModel) model = sy_record_model_new (client, "wms/sales-orders", 10);
  g_autoptr(SyRecord) record = NULL;
  const char * const *columns;

  sy_record_model_load_more (model);
  wait_while_loading (model);
  g_assert_no_error (sy_record_model_get_error (model));

  columns = sy_record_model_get_columns (model);
  g_assert_nonnull (columns);
  g_assert_cmpstr (columns[0], ==, "key");
  g_assert_cmpstr (columns[1], ==, "updatedAt");
  g_assert_true (g_strv_contains (columns, "orderNumber"));
  g_assert_cmpuint (g_strv_length ((GStrv) columns), <=, 9);

  /* Every proposed column has something to show in the first record. */
  record = g_list_model_get_item (G_LIST_MODEL (model), 0);
  for (guint i = 0; columns[i] != NULL; i++)
    {
      g_autofree char *text = sy_record_get_display_text (record, columns[i]);
      g_autofree char *title = sy_record_get_field_title (columns[i]);

      g_assert_nonnull (text);
      g_assert_nonnull (title);
      g_assert_cmpstr (title, !=, "");
      g_assert_null (strchr (text, '\n'));
    }
}

static void
test_wrong_token (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (records_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, "not-the-token");
  g_autoptr(SyRecordModel) model = sy_record_model_new (client, "wms/sales-orders", PER_PAGE);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (ItemsChange));
  const GError *error;

  g_signal_connect (model, "items-changed", G_CALLBACK (record_items_changed), changes);

  sy_record_model_load_more (model);
  wait_while_loading (model);

  error = sy_record_model_get_error (model);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);
  g_assert_false (sy_record_model_get_loading (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_cmpuint (changes->len, ==, 0);
  g_assert_null (sy_record_model_get_columns (model));

  /* Trying again is allowed, clears the old error while it runs, and
   * fails the same way. */
  sy_record_model_load_more (model);
  g_assert_true (sy_record_model_get_loading (model));
  g_assert_null (sy_record_model_get_error (model));
  wait_while_loading (model);
  g_assert_error (sy_record_model_get_error (model), SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);
}

static const char * const slow_args[] = { "--records", G_STRINGIFY (N_RECORDS), "--latency-ms", "300", NULL };

static void
test_cancel_mid_request (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (slow_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, sy_sandbox_process_get_token (sandbox, "wms"));
  g_autoptr(SyRecordModel) model = sy_record_model_new (client, "wms/sales-orders", PER_PAGE);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (ItemsChange));
  g_autoptr(SyRecord) first = NULL;

  g_signal_connect (model, "items-changed", G_CALLBACK (record_items_changed), changes);

  sy_record_model_load_more (model);
  g_assert_true (sy_record_model_get_loading (model));
  spin_main_context (50);
  sy_record_model_cancel (model);
  g_assert_false (sy_record_model_get_loading (model));

  /* The abandoned page never shows up, and is not an error. */
  spin_main_context (700);
  g_assert_cmpuint (changes->len, ==, 0);
  g_assert_no_error (sy_record_model_get_error (model));
  g_assert_true (sy_record_model_get_has_more (model));

  /* Cancel, then ask again at once: the model must wait for the
   * abandoned call and still deliver exactly one first page. */
  sy_record_model_load_more (model);
  sy_record_model_cancel (model);
  sy_record_model_load_more (model);
  wait_while_loading (model);
  g_assert_no_error (sy_record_model_get_error (model));
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, PER_PAGE);

  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_nonnull (sy_record_get_key (first));

  /* Cancelling a later page and asking again skips no record and
   * repeats none, even when the abandoned page had already arrived. */
  while (sy_record_model_get_has_more (model))
    {
      g_assert_cmpuint (changes->len, <, N_RECORDS / PER_PAGE + 3);
      sy_record_model_load_more (model);
      spin_main_context (changes->len % 2 == 0 ? 20 : 450);
      sy_record_model_cancel (model);
      sy_record_model_load_more (model);
      wait_while_loading (model);
      g_assert_no_error (sy_record_model_get_error (model));
    }
  assert_distinct_keys (G_LIST_MODEL (model), N_RECORDS);
}

static void
test_dispose_mid_request (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (slow_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, sy_sandbox_process_get_token (sandbox, "wms"));
  SyRecordModel *model = sy_record_model_new (client, "wms/sales-orders", PER_PAGE);
  GArray *changes = g_array_new (FALSE, FALSE, sizeof (ItemsChange));

  g_signal_connect (model, "items-changed", G_CALLBACK (record_items_changed), changes);
  g_object_add_weak_pointer (G_OBJECT (model), (gpointer *) &model);

  sy_record_model_load_more (model);
  spin_main_context (50);

  /* Dropping the model mid-request finalizes it now; the answer that
   * comes later must not touch it (ASan catches it if it does). */
  g_object_unref (model);
  g_assert_null (model);

  spin_main_context (800);
  g_assert_cmpuint (changes->len, ==, 0);
  g_array_unref (changes);

  /* The client is still usable for a new model. */
  {
    g_autoptr(SyRecordModel) again = sy_record_model_new (client, "wms/customers", PER_PAGE);

    sy_record_model_load_more (again);
    wait_while_loading (again);
    g_assert_no_error (sy_record_model_get_error (again));
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (again)), >, 0);
  }
}

static JsonArray *
parse_array (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

static void
test_propose_columns_and_display_text (void)
{
  g_autoptr(JsonArray) records = parse_array (
    "[{\"key\": 7, \"createdAt\": \"2026-01-02T03:04:05Z\","
    "  \"description\": \"" "a long description that is much too long to be useful in a column of a table" "\","
    "  \"weird\": \"w\", \"customerKey\": \"c1\", \"paid\": true, \"amount\": 12.5,"
    "  \"address\": {\"line1\": \"1 Rail Road\", \"city\": \"Crewe\", \"zip\": null, \"country\": \"GB\", \"more\": \"x\"},"
    "  \"lines\": [{\"q\": 1}, {\"q\": 2}, {\"q\": 3}], \"tags\": [], \"orderNumber\": null},"
    " {\"key\": \"k2\", \"updatedAt\": \"2026-01-02T03:04:05Z\", \"name\": \"Two\\nlines\"}]");
  g_auto(GStrv) columns = sy_record_model_propose_columns (records);
  g_autoptr(SyRecord) first = sy_record_new (json_array_get_object_element (records, 0));
  g_autoptr(SyRecord) second = sy_record_new (json_array_get_object_element (records, 1));
  g_autofree char *lines = sy_record_get_display_text (first, "lines");
  g_autofree char *tags = sy_record_get_display_text (first, "tags");
  g_autofree char *paid = sy_record_get_display_text (first, "paid");
  g_autofree char *amount = sy_record_get_display_text (first, "amount");
  g_autofree char *key = sy_record_get_display_text (first, "key");
  g_autofree char *address = sy_record_get_display_text (first, "address");
  g_autofree char *missing = sy_record_get_display_text (first, "orderNumber");
  g_autofree char *name = sy_record_get_display_text (second, "name");
  g_autofree char *updated = sy_record_get_display_text (second, "updatedAt");
  g_autofree char *title = sy_record_get_field_title ("shipmentDate");

  /* key and updatedAt lead; preferred fields that are present come next
   * (orderNumber is null everywhere, so it is not); short scalars fill
   * up; the long description and the nested object do not; lines last. */
  g_assert_cmpstr (columns[0], ==, "key");
  g_assert_cmpstr (columns[1], ==, "updatedAt");
  g_assert_cmpstr (columns[2], ==, "name");
  g_assert_cmpstr (columns[3], ==, "customerKey");
  g_assert_false (g_strv_contains ((const char * const *) columns, "orderNumber"));
  g_assert_false (g_strv_contains ((const char * const *) columns, "description"));
  g_assert_false (g_strv_contains ((const char * const *) columns, "address"));
  g_assert_false (g_strv_contains ((const char * const *) columns, "createdAt"));
  g_assert_true (g_strv_contains ((const char * const *) columns, "weird"));
  g_assert_true (g_strv_contains ((const char * const *) columns, "paid"));
  g_assert_cmpstr (columns[g_strv_length (columns) - 1], ==, "lines");

  g_assert_cmpstr (sy_record_get_key (first), ==, "7");
  g_assert_cmpstr (sy_record_get_key (second), ==, "k2");
  g_assert_cmpstr (key, ==, "7");
  g_assert_cmpstr (lines, ==, "3 lines");
  {
    g_autoptr(JsonArray) named = parse_array (
      "[{\"lines\": [{\"sku\": \"A-1\", \"quantity\": 4}, {\"productKey\": \"p2\", \"quantity\": 1},"
      "  {\"sku\": \"C-3\"}, {\"sku\": \"D-4\"}], \"tags\": [\"red\", \"blue\"]}]");
    g_autoptr(SyRecord) order = sy_record_new (json_array_get_object_element (named, 0));
    g_autofree char *named_lines = sy_record_get_display_text (order, "lines");
    g_autofree char *named_tags = sy_record_get_display_text (order, "tags");

    /* Nested lists name their first elements, not just a count. */
    g_assert_cmpstr (named_lines, ==, "4 lines: 4 × A-1, 1 × p2, C-3…");
    g_assert_cmpstr (named_tags, ==, "2 items: red, blue");
  }
  g_assert_cmpstr (tags, ==, "0 items");
  g_assert_cmpstr (paid, ==, "Yes");
  g_assert_cmpstr (amount, ==, "12.5");
  g_assert_cmpstr (address, ==, "1 Rail Road, Crewe, GB");
  g_assert_cmpstr (missing, ==, "");
  g_assert_cmpstr (name, ==, "Two lines");
  g_assert_true (g_regex_match_simple ("^2026-01-0[12] [0-9][0-9]:[0-9][0-9]$", updated, 0, 0));
  g_assert_cmpstr (title, ==, "Shipment Date");
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* A search and a sort reach the server: across pages, exactly the
 * records whose order number contains the text, in descending order,
 * against an unfiltered read of the same entity. */
static void
test_filter_and_sort (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (records_args);
  g_autoptr(SyApiClient) client = client_for (sandbox, sy_sandbox_process_get_token (sandbox, "wms"));
  g_autoptr(SyRecordModel) all = sy_record_model_new (client, "wms/sales-orders", 100);
  g_autoptr(SyRecordModel) model = sy_record_model_new (client, "wms/sales-orders", 4);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  guint n;

  while (sy_record_model_get_has_more (all))
    {
      sy_record_model_load_more (all);
      wait_while_loading (all);
      g_assert_no_error (sy_record_model_get_error (all));
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (all)), ==, N_RECORDS);
  for (guint i = 0; i < N_RECORDS; i++)
    {
      g_autoptr(SyRecord) record = g_list_model_get_item (G_LIST_MODEL (all), i);
      g_autofree char *number = sy_record_get_display_text (record, "orderNumber");

      /* Case does not matter to :contains. */
      if (strstr (number, "MS-10001") != NULL)
        g_ptr_array_add (expected, g_steal_pointer (&number));
    }
  g_ptr_array_sort (expected, compare_strings);
  g_assert_cmpuint (expected->len, ==, 10);

  sy_record_model_add_filter (model, "orderNumber", "contains", "ms-10001");
  sy_record_model_set_sort (model, "orderNumber", TRUE);
  while (sy_record_model_get_has_more (model))
    {
      sy_record_model_load_more (model);
      wait_while_loading (model);
      g_assert_no_error (sy_record_model_get_error (model));
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, expected->len);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyRecord) record = g_list_model_get_item (G_LIST_MODEL (model), i);
      g_autofree char *number = sy_record_get_display_text (record, "orderNumber");

      g_assert_cmpstr (number, ==, g_ptr_array_index (expected, n - 1 - i));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/record-model/display-text", test_propose_columns_and_display_text);
  g_test_add_func ("/record-model/pages-in-order", test_pages_in_order);
  g_test_add_func ("/record-model/columns", test_columns_for_sales_orders);
  g_test_add_func ("/record-model/wrong-token", test_wrong_token);
  g_test_add_func ("/record-model/cancel", test_cancel_mid_request);
  g_test_add_func ("/record-model/dispose", test_dispose_mid_request);
  g_test_add_func ("/record-model/filter-and-sort", test_filter_and_sort);

  return g_test_run ();
}
