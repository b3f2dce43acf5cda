/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-api-client.h"
#include "sy-catalogue.h"
#include "sy-page-iterator.h"
#include "sy-test-support.h"

static SyCatalogueField *
lookup (const char *entity,
        const char *path)
{
  return sy_catalogue_lookup_field (sy_catalogue_get_default (), entity, path);
}

static void
assert_field (const char *entity,
              const char *path,
              const char *type,
              gboolean    writable)
{
  SyCatalogueField *field = lookup (entity, path);

  if (field == NULL)
    g_error ("%s has no field %s", entity, path);
  g_assert_cmpstr (sy_catalogue_field_get_field_type (field), ==, type);
  g_assert_cmpint (sy_catalogue_field_get_writable (field), ==, writable);
  g_assert_false (sy_catalogue_field_get_custom (field));
}

static void
test_default_entities (void)
{
  SyCatalogue *catalogue = sy_catalogue_get_default ();
  static const char * const expected[] = {
    "wms/sales-orders", "wms/products", "wms/customers", "wms/stocks",
    "erp/sales-orders", "erp/customers", "erp/products", "erp/purchase-orders",
    "erp/purchase-orders.line-items",
    "eam/work-orders", "eam/assets",
  };

  g_assert_nonnull (catalogue);
  g_assert_true (catalogue == sy_catalogue_get_default ());

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (!sy_catalogue_has_entity (catalogue, expected[i]))
      g_error ("the catalogue lacks %s", expected[i]);

  /* Sub-resources and status lists are not entities. */
  g_assert_false (sy_catalogue_has_entity (catalogue, "erp/statuses"));
  g_assert_false (sy_catalogue_has_entity (catalogue, "erp/statuses/sales-orders"));
  g_assert_false (sy_catalogue_has_entity (catalogue, "eam/work-orders/custom-fields"));
  g_assert_false (sy_catalogue_has_entity (catalogue, "sales-orders"));
  g_assert_false (sy_catalogue_has_entity (catalogue, "crm/sales-orders"));
  g_assert_false (sy_catalogue_has_entity (catalogue, ""));
}

static void
test_sales_order_fields (void)
{
  const char *entity = "erp/sales-orders";
  GListModel *fields;

  assert_field (entity, "orderNumber", "string", TRUE);
  assert_field (entity, "customerKey", "string", TRUE);
  assert_field (entity, "lines[]", "array", TRUE);
  assert_field (entity, "lines[].productKey", "string", TRUE);
  assert_field (entity, "lines[].quantity", "number", TRUE);
  assert_field (entity, "shipmentAddress", "object", TRUE);
  assert_field (entity, "shipmentAddress.city", "string", TRUE);
  assert_field (entity, "shipmentAddress.isActive", "boolean", TRUE);
  assert_field (entity, "shipmentDate", "date-time", TRUE);

  /* Set by the server even where the reference repeats them in a body. */
  assert_field (entity, "key", "string", FALSE);
  assert_field (entity, "createdAt", "date-time", FALSE);
  assert_field (entity, "updatedAt", "date-time", FALSE);
  assert_field (entity, "shipmentAddress.updatedAt", "date-time", FALSE);

  /* A rule names the array by its plain name; it is the same field. */
  g_assert_true (lookup (entity, "lines") == lookup (entity, "lines[]"));

  g_assert_null (lookup (entity, "lines.productKey"));
  g_assert_null (lookup (entity, "lines[].noSuchField"));
  g_assert_null (lookup (entity, "noSuchField"));
  g_assert_null (lookup (entity, "shipmentAddress.noSuchField"));
  g_assert_null (lookup (entity, "orderNumber[]"));
  g_assert_null (lookup (entity, ""));
  g_assert_null (lookup ("erp/no-such-entity", "orderNumber"));

  /* The reference marks nothing required, and nothing is invented. */
  fields = sy_catalogue_get_fields (sy_catalogue_get_default (), entity);
  for (guint i = 0; i < g_list_model_get_n_items (fields); i++)
    {
      g_autoptr(SyCatalogueField) field = g_list_model_get_item (fields, i);

      g_assert_false (sy_catalogue_field_get_required (field));
    }

  /* The warehouse side and the other domains have their fields too. */
  assert_field ("wms/sales-orders", "orderNumber", "string", TRUE);
  assert_field ("wms/sales-orders", "lines[].productKey", "string", TRUE);
  assert_field ("erp/products", "code", "string", TRUE);
  assert_field ("erp/products", "name", "string", TRUE);
  assert_field ("wms/products", "isTaxable", "boolean", TRUE);
  assert_field ("erp/customers", "name", "string", TRUE);
  assert_field ("eam/work-orders", "title", "string", TRUE);
  assert_field ("eam/work-orders", "tasks[].title", "string", TRUE);
  assert_field ("eam/assets", "name", "string", TRUE);
  /* Listed but never written: no POST or PUT for vendors. */
  assert_field ("erp/vendors", "name", "string", FALSE);
}

static void
test_fields_sorted_and_cached (void)
{
  SyCatalogue *catalogue = sy_catalogue_get_default ();
  g_auto(GStrv) entities = sy_catalogue_list_entities (catalogue, NULL);

  g_assert_null (sy_catalogue_get_fields (catalogue, "erp/no-such-entity"));

  for (guint e = 0; entities[e] != NULL; e++)
    {
      GListModel *fields = sy_catalogue_get_fields (catalogue, entities[e]);
      GListModel *again = sy_catalogue_get_fields (catalogue, entities[e]);
      g_autofree char *previous = NULL;
      guint n_items;

      g_assert_nonnull (fields);
      g_assert_true (fields == again);
      g_assert_true (g_list_model_get_item_type (fields) == SY_TYPE_CATALOGUE_FIELD);
      n_items = g_list_model_get_n_items (fields);
      g_assert_cmpuint (n_items, >, 0);

      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(SyCatalogueField) field = g_list_model_get_item (fields, i);
          const char *path = sy_catalogue_field_get_path (field);

          if (previous != NULL)
            g_assert_cmpint (strcmp (previous, path), <, 0);
          g_assert_true (lookup (entities[e], path) == field);
          g_assert_false (sy_catalogue_field_get_custom (field));
          g_free (previous);
          previous = g_strdup (path);
        }
    }
}

static void
test_list_entities (void)
{
  SyCatalogue *catalogue = sy_catalogue_get_default ();
  g_auto(GStrv) all = sy_catalogue_list_entities (catalogue, NULL);
  g_auto(GStrv) erp = sy_catalogue_list_entities (catalogue, "erp");
  g_auto(GStrv) wms = sy_catalogue_list_entities (catalogue, "wms");
  g_auto(GStrv) eam = sy_catalogue_list_entities (catalogue, "eam");
  g_auto(GStrv) partial = sy_catalogue_list_entities (catalogue, "er");
  g_auto(GStrv) unknown = sy_catalogue_list_entities (catalogue, "crm");

  for (guint i = 0; erp[i] != NULL; i++)
    {
      g_assert_true (g_str_has_prefix (erp[i], "erp/"));
      if (i > 0)
        g_assert_cmpint (strcmp (erp[i - 1], erp[i]), <, 0);
    }
  for (guint i = 1; all[i] != NULL; i++)
    g_assert_cmpint (strcmp (all[i - 1], all[i]), <, 0);

  g_assert_true (g_strv_contains ((const char * const *)erp, "erp/sales-orders"));
  g_assert_false (g_strv_contains ((const char * const *)erp, "wms/sales-orders"));
  g_assert_cmpuint (g_strv_length (erp), >=, 20);
  g_assert_cmpuint (g_strv_length (all), ==,
                    g_strv_length (erp) + g_strv_length (wms) + g_strv_length (eam));
  /* A domain is a whole name, not a prefix. */
  g_assert_cmpuint (g_strv_length (partial), ==, 0);
  g_assert_cmpuint (g_strv_length (unknown), ==, 0);
}

static void
test_commonly_needed (void)
{
  SyCatalogue *catalogue = sy_catalogue_get_default ();
  g_auto(GStrv) orders = sy_catalogue_get_commonly_needed (catalogue, "erp/sales-orders");
  g_auto(GStrv) products = sy_catalogue_get_commonly_needed (catalogue, "erp/products");
  g_auto(GStrv) unknown = sy_catalogue_get_commonly_needed (catalogue, "erp/no-such-entity");
  g_auto(GStrv) entities = sy_catalogue_list_entities (catalogue, NULL);

  g_assert_true (g_strv_contains ((const char * const *)orders, "orderNumber"));
  g_assert_true (g_strv_contains ((const char * const *)orders, "lines"));
  g_assert_true (g_strv_contains ((const char * const *)orders, "lines[].productKey"));
  g_assert_true (g_strv_contains ((const char * const *)products, "code"));
  g_assert_true (g_strv_contains ((const char * const *)products, "name"));
  g_assert_nonnull (unknown);
  g_assert_cmpuint (g_strv_length (unknown), ==, 0);

  /* Every name on every list is a field a mapping can target. */
  for (guint e = 0; entities[e] != NULL; e++)
    {
      g_auto(GStrv) needed = sy_catalogue_get_commonly_needed (catalogue, entities[e]);

      for (guint i = 0; needed[i] != NULL; i++)
        {
          SyCatalogueField *field = lookup (entities[e], needed[i]);

          if (field == NULL)
            g_error ("%s: commonly needed %s is not a field", entities[e], needed[i]);
          g_assert_true (sy_catalogue_field_get_writable (field));
        }
    }
}

static JsonArray *
parse_array (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));
  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

static SyCatalogueField *
find_field (GListModel *fields,
            const char *path)
{
  for (guint i = 0; i < g_list_model_get_n_items (fields); i++)
    {
      g_autoptr(SyCatalogueField) field = g_list_model_get_item (fields, i);

      if (g_str_equal (sy_catalogue_field_get_path (field), path))
        return field;  /* the model keeps it alive */
    }
  return NULL;
}

static void
assert_discovered (GListModel *fields,
                   const char *path,
                   const char *type,
                   gboolean    custom)
{
  SyCatalogueField *field = find_field (fields, path);

  if (field == NULL)
    g_error ("%s was not discovered", path);
  g_assert_cmpstr (sy_catalogue_field_get_field_type (field), ==, type);
  g_assert_cmpint (sy_catalogue_field_get_custom (field), ==, custom);
  if (custom)
    {
      g_assert_false (sy_catalogue_field_get_writable (field));
      g_assert_false (sy_catalogue_field_get_required (field));
    }
}

static guint
count_custom (GListModel *fields)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (fields); i++)
    {
      g_autoptr(SyCatalogueField) field = g_list_model_get_item (fields, i);

      n += sy_catalogue_field_get_custom (field);
    }
  return n;
}

static void
assert_sorted_unique (GListModel *fields)
{
  for (guint i = 1; i < g_list_model_get_n_items (fields); i++)
    {
      g_autoptr(SyCatalogueField) a = g_list_model_get_item (fields, i - 1);
      g_autoptr(SyCatalogueField) b = g_list_model_get_item (fields, i);

      g_assert_cmpint (strcmp (sy_catalogue_field_get_path (a), sy_catalogue_field_get_path (b)), <, 0);
    }
}

static const char samples_json[] =
  "["
  " {\"key\": \"1\", \"orderNumber\": \"SO-1\", \"memo\": \"first\", \"priority\": 3,"
  "  \"weight\": 2, \"rush\": true, \"shippedOn\": \"2024-03-01\","
  "  \"promisedAt\": \"2024-03-01T10:00:00Z\", \"channel\": null, \"mixed\": 1,"
  "  \"notADate\": \"2024-13-45\", \"looksLikeDate\": \"2024-02-30T10:00:00Z\","
  "  \"extra\": {\"a\": 1, \"b\": {\"c\": \"deep\"}}, \"tags\": [\"x\", \"y\"],"
  "  \"shipmentAddress\": {\"city\": \"Leeds\", \"region\": \"Yorkshire\"},"
  "  \"lines\": [{\"productKey\": \"p1\", \"quantity\": 2, \"giftWrap\": true},"
  "             {\"productKey\": \"p2\", \"quantity\": 1.5, \"batch\": {\"lot\": \"L1\"}}]},"
  " {\"key\": \"2\", \"orderNumber\": \"SO-2\", \"weight\": 2.5, \"channel\": null,"
  "  \"mixed\": \"one\", \"lines\": [], \"écriture\": \"ü\"},"
  " 42, null, [\"not a record\"]"
  "]";

static void
test_discover_fields (void)
{
  SyCatalogue *catalogue = sy_catalogue_get_default ();
  g_autoptr(JsonArray) samples = parse_array (samples_json);
  g_autoptr(GListModel) fields = sy_catalogue_discover_fields (catalogue, "erp/sales-orders", samples);
  GListModel *known = sy_catalogue_get_fields (catalogue, "erp/sales-orders");
  g_autoptr(GListModel) again = sy_catalogue_discover_fields (catalogue, "erp/sales-orders", samples);

  g_assert_true (g_list_model_get_item_type (fields) == SY_TYPE_CATALOGUE_FIELD);
  assert_sorted_unique (fields);

  /* Catalogue fields stay what the catalogue says, with its types. */
  assert_discovered (fields, "key", "string", FALSE);
  assert_discovered (fields, "orderNumber", "string", FALSE);
  assert_discovered (fields, "lines[]", "array", FALSE);
  assert_discovered (fields, "lines[].productKey", "string", FALSE);
  assert_discovered (fields, "lines[].quantity", "number", FALSE);
  assert_discovered (fields, "shipmentAddress.city", "string", FALSE);
  /* Catalogue fields absent from the samples are offered all the same. */
  assert_discovered (fields, "billingAddress.postCode", "string", FALSE);

  assert_discovered (fields, "memo", "string", TRUE);
  assert_discovered (fields, "priority", "integer", TRUE);
  assert_discovered (fields, "weight", "number", TRUE);
  assert_discovered (fields, "rush", "boolean", TRUE);
  assert_discovered (fields, "shippedOn", "date", TRUE);
  assert_discovered (fields, "promisedAt", "date-time", TRUE);
  assert_discovered (fields, "channel", "unknown", TRUE);
  assert_discovered (fields, "mixed", "unknown", TRUE);
  assert_discovered (fields, "notADate", "string", TRUE);
  assert_discovered (fields, "looksLikeDate", "string", TRUE);
  assert_discovered (fields, "extra", "object", TRUE);
  assert_discovered (fields, "extra.a", "integer", TRUE);
  assert_discovered (fields, "extra.b", "object", TRUE);
  assert_discovered (fields, "extra.b.c", "string", TRUE);
  assert_discovered (fields, "tags[]", "array", TRUE);
  assert_discovered (fields, "shipmentAddress.region", "string", TRUE);
  assert_discovered (fields, "lines[].giftWrap", "boolean", TRUE);
  assert_discovered (fields, "lines[].batch", "object", TRUE);
  assert_discovered (fields, "lines[].batch.lot", "string", TRUE);
  assert_discovered (fields, "écriture", "string", TRUE);

  g_assert_null (find_field (fields, "tags"));
  g_assert_null (find_field (fields, "lines"));
  g_assert_null (find_field (fields, "lines.giftWrap"));
  g_assert_null (find_field (fields, "tags[].x"));

  g_assert_cmpuint (count_custom (fields), ==, 20);
  g_assert_cmpuint (g_list_model_get_n_items (fields), ==,
                    g_list_model_get_n_items (known) + 20);

  /* A new model every time, and the catalogue itself is unchanged. */
  g_assert_true (fields != again);
  g_assert_null (lookup ("erp/sales-orders", "memo"));
  g_assert_cmpuint (g_list_model_get_n_items (again), ==, g_list_model_get_n_items (fields));
}

static void
test_discover_unknown_entity (void)
{
  SyCatalogue *catalogue = sy_catalogue_get_default ();
  g_autoptr(JsonArray) samples = parse_array ("[{\"key\": \"1\", \"lines\": [{\"sku\": \"A\"}]}]");
  g_autoptr(JsonArray) empty = json_array_new ();
  g_autoptr(GListModel) fields = sy_catalogue_discover_fields (catalogue, "crm/leads", samples);
  g_autoptr(GListModel) nothing = sy_catalogue_discover_fields (catalogue, "crm/leads", empty);
  g_autoptr(GListModel) catalogue_only = sy_catalogue_discover_fields (catalogue, "erp/customers", NULL);
  GListModel *customers = sy_catalogue_get_fields (catalogue, "erp/customers");

  g_assert_cmpuint (g_list_model_get_n_items (fields), ==, 3);
  assert_discovered (fields, "key", "string", TRUE);
  assert_discovered (fields, "lines[]", "array", TRUE);
  assert_discovered (fields, "lines[].sku", "string", TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (nothing), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (catalogue_only), ==,
                    g_list_model_get_n_items (customers));
  g_assert_cmpuint (count_custom (catalogue_only), ==, 0);
}

static SyApiClient *
client_for (SySandboxProcess *sandbox,
            const char       *connection)
{
  g_autoptr(GError) error = NULL;
  SyApiClient *client = sy_api_client_new (sy_sandbox_process_get_url (sandbox),
                                           sy_sandbox_process_get_token (sandbox, connection),
                                           &error);

  g_assert_no_error (error);
  return client;
}

static JsonArray *
fetch_page (SyApiClient *client,
            const char  *entity)
{
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, entity, 10);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *page;

  sy_page_iterator_next_async (iterator, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  page = sy_page_iterator_next_finish (iterator, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpuint (json_array_get_length (page), ==, 10);
  return page;
}

/* Sample records as the sandbox serves them: the catalogue covers most of
 * each record, the rest comes back as custom fields with sensible types. */
static void
test_discover_from_sandbox (void)
{
  static const char * const args[] = { "--records", "25", NULL };
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (args);
  g_autoptr(SyApiClient) wms = client_for (sandbox, "wms");
  g_autoptr(SyApiClient) erp = client_for (sandbox, "erp");
  g_autoptr(JsonArray) orders = fetch_page (wms, "wms/sales-orders");
  g_autoptr(JsonArray) customers = fetch_page (erp, "erp/customers");
  g_autoptr(JsonArray) products = fetch_page (wms, "wms/products");
  SyCatalogue *catalogue = sy_catalogue_get_default ();
  g_autoptr(GListModel) order_fields = sy_catalogue_discover_fields (catalogue, "wms/sales-orders", orders);
  g_autoptr(GListModel) customer_fields = sy_catalogue_discover_fields (catalogue, "erp/customers", customers);
  g_autoptr(GListModel) product_fields = sy_catalogue_discover_fields (catalogue, "wms/products", products);
  JsonObject *order = json_array_get_object_element (orders, 0);
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  assert_sorted_unique (order_fields);

  /* Every member of a sample is offered, catalogue or custom. */
  json_object_iter_init (&iter, order);
  while (json_object_iter_next (&iter, &name, &node))
    {
      g_autofree char *path = JSON_NODE_HOLDS_ARRAY (node) ? g_strconcat (name, "[]", NULL)
                                                           : g_strdup (name);
      SyCatalogueField *field = find_field (order_fields, path);

      if (field == NULL)
        g_error ("%s of a sandbox order was not discovered", path);
      g_assert_cmpint (sy_catalogue_field_get_custom (field), ==,
                       lookup ("wms/sales-orders", path) == NULL);
    }

  assert_discovered (order_fields, "orderNumber", "string", FALSE);
  assert_discovered (order_fields, "lines[].productKey", "string", FALSE);
  assert_discovered (order_fields, "lines[].quantity", "number", FALSE);
  assert_discovered (order_fields, "createdAt", "date-time", FALSE);
  assert_discovered (order_fields, "shipmentAddress.city", "string", FALSE);
  g_assert_cmpuint (count_custom (order_fields), >, 0);
  g_assert_cmpuint (count_custom (order_fields), <, 10);

  assert_discovered (customer_fields, "name", "string", FALSE);
  assert_discovered (customer_fields, "code", "string", FALSE);
  assert_discovered (product_fields, "code", "string", FALSE);
  assert_discovered (product_fields, "isTaxable", "boolean", FALSE);
}

static void
assert_refused (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCatalogue) catalogue = sy_catalogue_new_from_data (json, strlen (json), &error);

  if (catalogue != NULL)
    g_error ("accepted: %s", json);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "catalogue"));
}

static void
test_new_from_data (void)
{
  static const char valid[] =
    "{\"version\": 1, \"entities\": {\"erp/things\": {\"commonlyNeeded\": [\"name\"],"
    " \"fields\": [{\"path\": \"name\", \"type\": \"string\", \"writable\": true, \"required\": true},"
    "            {\"path\": \"items[]\", \"type\": \"array\"},"
    "            {\"path\": \"code\", \"type\": \"string\", \"description\": \"A code.\"},"
    "            {\"path\": \"items[].size\", \"type\": \"integer\"}]},"
    " \"wms/empty\": {\"fields\": []}}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCatalogue) catalogue = sy_catalogue_new_from_data (valid, strlen (valid), &error);
  GListModel *fields;
  GListModel *empty;
  g_auto(GStrv) needed = NULL;
  g_auto(GStrv) entities = NULL;
  SyCatalogueField *field;

  g_assert_no_error (error);
  g_assert_nonnull (catalogue);
  g_assert_true (catalogue != sy_catalogue_get_default ());

  entities = sy_catalogue_list_entities (catalogue, NULL);
  g_assert_cmpuint (g_strv_length (entities), ==, 2);
  g_assert_cmpstr (entities[0], ==, "erp/things");
  g_assert_cmpstr (entities[1], ==, "wms/empty");

  fields = sy_catalogue_get_fields (catalogue, "erp/things");
  g_assert_cmpuint (g_list_model_get_n_items (fields), ==, 4);
  assert_sorted_unique (fields);
  field = sy_catalogue_lookup_field (catalogue, "erp/things", "name");
  g_assert_true (sy_catalogue_field_get_writable (field));
  g_assert_true (sy_catalogue_field_get_required (field));
  field = sy_catalogue_lookup_field (catalogue, "erp/things", "code");
  g_assert_cmpstr (sy_catalogue_field_get_description (field), ==, "A code.");
  g_assert_false (sy_catalogue_field_get_writable (field));
  field = sy_catalogue_lookup_field (catalogue, "erp/things", "items");
  g_assert_cmpstr (sy_catalogue_field_get_path (field), ==, "items[]");
  empty = sy_catalogue_get_fields (catalogue, "wms/empty");
  g_assert_cmpuint (g_list_model_get_n_items (empty), ==, 0);
  needed = sy_catalogue_get_commonly_needed (catalogue, "erp/things");
  g_assert_cmpuint (g_strv_length (needed), ==, 1);
  g_assert_cmpstr (needed[0], ==, "name");

  assert_refused ("");
  assert_refused ("not json");
  assert_refused ("{\"version\": 1, \"entities\": {");
  assert_refused ("[]");
  assert_refused ("\"catalogue\"");
  assert_refused ("{}");
  assert_refused ("{\"version\": 2, \"entities\": {}}");
  assert_refused ("{\"version\": \"1\", \"entities\": {}}");
  assert_refused ("{\"version\": 1}");
  assert_refused ("{\"version\": 1, \"entities\": []}");
  assert_refused ("{\"version\": 1, \"entities\": {\"salesorders\": {\"fields\": []}}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a/b\": {\"fields\": []}}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a\": []}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a\": {}}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a\": {\"fields\": {}}}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a\": {\"fields\": [\"name\"]}}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a\": {\"fields\": [{\"type\": \"string\"}]}}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a\": {\"fields\": [{\"path\": \"x\"}]}}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a\": {\"fields\": [{\"path\": \"x\", \"type\": \"text\"}]}}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a\": {\"fields\": [{\"path\": \"x\", \"type\": \"string\", \"writable\": \"yes\"}]}}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a\": {\"fields\": [{\"path\": \"x\", \"type\": \"string\"}, {\"path\": \"x\", \"type\": \"number\"}]}}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a\": {\"fields\": [], \"commonlyNeeded\": \"x\"}}}");
  assert_refused ("{\"version\": 1, \"entities\": {\"erp/a\": {\"fields\": [], \"commonlyNeeded\": [1]}}}");
}

static gpointer
read_fields_in_thread (gpointer data)
{
  const char *entity = data;
  SyCatalogue *catalogue = sy_catalogue_get_default ();
  GListModel *fields = NULL;

  for (guint i = 0; i < 200; i++)
    {
      GListModel *again = sy_catalogue_get_fields (catalogue, entity);

      g_assert_true (fields == NULL || again == fields);
      g_assert_cmpuint (g_list_model_get_n_items (again), >, 0);
      fields = again;
    }
  return fields;
}

/* The sync engine maps records off the main thread: the shared default
 * catalogue, loaded and cached lazily, must hand every thread the same
 * fields. */
static void
test_threads (void)
{
  GThread *threads[4];
  GListModel *fields;

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("catalogue", read_fields_in_thread, (gpointer)"wms/stocks");

  fields = sy_catalogue_get_fields (sy_catalogue_get_default (), "wms/stocks");

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_true (g_thread_join (threads[i]) == fields);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Before anything else loads the default catalogue, so that the threads
   * race for its first load. */
  g_test_add_func ("/catalogue/threads", test_threads);
  g_test_add_func ("/catalogue/default-entities", test_default_entities);
  g_test_add_func ("/catalogue/sales-order-fields", test_sales_order_fields);
  g_test_add_func ("/catalogue/fields-sorted-and-cached", test_fields_sorted_and_cached);
  g_test_add_func ("/catalogue/list-entities", test_list_entities);
  g_test_add_func ("/catalogue/commonly-needed", test_commonly_needed);
  g_test_add_func ("/catalogue/discover-fields", test_discover_fields);
  g_test_add_func ("/catalogue/discover-unknown-entity", test_discover_unknown_entity);
  g_test_add_func ("/catalogue/discover-from-sandbox", test_discover_from_sandbox);
  g_test_add_func ("/catalogue/new-from-data", test_new_from_data);

  return g_test_run ();
}
