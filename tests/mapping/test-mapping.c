/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "sy-api-client.h"
#include "sy-catalogue.h"
#include "sy-example-mapping.h"
#include "sy-mapping.h"
#include "sy-page-iterator.h"
#include "sy-test-support.h"

/* SyMapping as a whole: the docs/architecture.md §5 file, refusals that name their
 * line, round trips, atomic saves, signals, coverage, validation against
 * the catalogue, and the demo mapping against the real sandbox. */

/* A wms/sales-orders record as switchyard-sandbox serves it. */
static const char sandbox_order[] =
  "{\"key\": \"0100000000000042\", \"createdAt\": \"2024-05-28T10:11:12Z\","
  " \"updatedAt\": \"2024-05-29T08:00:00Z\", \"code\": \"SO0000042\", \"orderNumber\": \"MS-100042\","
  " \"date\": \"2024-05-27T22:15:00Z\", \"status\": \"shipped\", \"currencyKey\": \"EUR\","
  " \"customerKey\": \"0300000000000007\", \"total\": \"123.40\","
  " \"shipmentAddress\": {\"name\": \"Ada Ltd\", \"city\": \"York\", \"postcode\": \"YO1 7HH\"},"
  " \"lines\": [{\"productKey\": \"0200000000000003\", \"quantity\": 2, \"price\": \"12.50\"},"
  "            {\"productKey\": \"0200000000000004\", \"quantity\": \"7\", \"price\": \"3.99\"}]}";

static const char expected_payload[] =
  "{\"code\": \"0100000000000042\", \"orderNumber\": \"MS-100042\", \"date\": \"2024-05-27\","
  " \"currencyKey\": \"1\", \"memo\": \"Mintsoft order MS-100042\", \"statusKey\": \"pending\","
  " \"lines\": [{\"productKey\": \"0200000000000003\", \"quantity\": 2},"
  "            {\"productKey\": \"0200000000000004\", \"quantity\": 7}]}";

static JsonNode *
parse (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static char *
to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static SyMapping *
load_example (void)
{
  g_autoptr(GError) error = NULL;
  SyMapping *mapping = sy_mapping_new_from_data (sy_example_mapping, -1, "example.json", &error);

  g_assert_no_error (error);
  g_assert_nonnull (mapping);
  return mapping;
}

static GPtrArray *
new_problems (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) sy_mapping_problem_free);
}

/* ---- the §8 example ---- */

static void
test_example_applies (void)
{
  g_autoptr(SyMapping) mapping = load_example ();
  g_autoptr(JsonNode) order = parse (sandbox_order);
  g_autoptr(JsonNode) expected = parse (expected_payload);
  g_autoptr(GPtrArray) problems = new_problems ();
  g_autoptr(JsonObject) payload = NULL;
  g_autofree char *payload_text = NULL;
  g_autofree char *expected_text = NULL;

  g_assert_cmpstr (sy_mapping_get_name (mapping), ==, "Mintsoft orders to NetSuite");
  g_assert_cmpstr (sy_mapping_get_source_connection (mapping), ==, "mintsoft");
  g_assert_cmpstr (sy_mapping_get_source_entity (mapping), ==, "wms/sales-orders");
  g_assert_cmpstr (sy_mapping_get_target_connection (mapping), ==, "netsuite");
  g_assert_cmpstr (sy_mapping_get_target_entity (mapping), ==, "erp/sales-orders");
  g_assert_cmpstr (sy_mapping_get_match_source (mapping), ==, "key");
  g_assert_cmpstr (sy_mapping_get_match_target (mapping), ==, "code");
  g_assert_cmpuint (g_list_model_get_n_items (sy_mapping_get_rules (mapping)), ==, 7);
  g_assert_cmpstr (sy_mapping_get_filename (mapping), ==, "example.json");
  g_assert_cmpuint (sy_mapping_get_member_line (mapping, "source.connection"), ==, 4);
  g_assert_cmpuint (sy_mapping_get_member_line (mapping, "source.entity"), ==, 4);
  g_assert_cmpuint (sy_mapping_get_member_line (mapping, "target.connection"), ==, 5);
  g_assert_cmpuint (sy_mapping_get_member_line (mapping, "target.entity"), ==, 5);
  g_assert_cmpuint (sy_mapping_get_member_line (mapping, "fields"), ==, 0);

  /* With the real catalogue: the payload also passes its type checks. */
  payload = sy_mapping_apply (mapping, json_node_get_object (order), sy_catalogue_get_default (), problems);
  payload_text = to_text (payload);
  expected_text = to_text (json_node_get_object (expected));
  g_assert_cmpstr (payload_text, ==, expected_text);
  g_assert_cmpuint (problems->len, ==, 0);

  /* Applying is pure: the record is untouched, a second run is equal. */
  {
    g_autoptr(JsonNode) pristine = parse (sandbox_order);
    g_autoptr(JsonObject) again = sy_mapping_apply (mapping, json_node_get_object (order), NULL, NULL);
    g_autofree char *again_text = to_text (again);

    g_assert_true (json_node_equal (order, pristine));
    g_assert_cmpstr (again_text, ==, expected_text);
  }
}

static void
test_required_on_every_record (void)
{
  g_autoptr(SyMapping) mapping = load_example ();
  SyMappingRule *rule = g_list_model_get_item (sy_mapping_get_rules (mapping), 1);

  g_assert_cmpstr (sy_mapping_rule_get_target (rule), ==, "orderNumber");
  sy_mapping_rule_set_source (rule, "orderNo");
  g_object_unref (rule);

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(JsonNode) order = parse (sandbox_order);
      g_autoptr(GPtrArray) problems = new_problems ();
      g_autofree char *number = g_strdup_printf ("MS-%06u", i);
      g_autoptr(JsonObject) payload = NULL;
      SyMappingProblem *problem;

      json_object_set_string_member (json_node_get_object (order), "orderNumber", number);
      payload = sy_mapping_apply (mapping, json_node_get_object (order), NULL, problems);
      g_assert_cmpuint (problems->len, ==, 1);
      problem = g_ptr_array_index (problems, 0);
      g_assert_cmpstr (problem->field, ==, "orderNumber");
      g_assert_cmpstr (problem->message, ==, "orderNumber is required but the source field “orderNo” is missing");
      g_assert_false (json_object_has_member (payload, "orderNumber"));
      /* The rest is still mapped, for the preview to show. */
      g_assert_cmpstr (json_object_get_string_member (payload, "code"), ==, "0100000000000042");
    }
}

static void
test_round_trip (void)
{
  g_autoptr(SyMapping) mapping = load_example ();
  g_autoptr(SyMapping) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *data_again = NULL;
  gsize length;

  data = sy_mapping_to_data (mapping, &length);
  g_assert_cmpuint (length, ==, strlen (data));
  /* The writer keeps the §8 layout: the example comes back unchanged. */
  g_assert_cmpstr (data, ==, sy_example_mapping);

  again = sy_mapping_new_from_data (data, length, NULL, &error);
  g_assert_no_error (error);
  data_again = sy_mapping_to_data (again, NULL);
  g_assert_cmpstr (data_again, ==, data);
}

static void
test_round_trip_edited (void)
{
  g_autoptr(SyMapping) mapping = sy_mapping_new ();
  g_autoptr(SyMappingRule) rule = sy_mapping_rule_new ("memo");
  g_autoptr(SyMappingRule) constant = sy_mapping_rule_new ("rate");
  g_autoptr(SyMapping) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) transform = parse ("[\"trim\", {\"lookup\": {\"a\\\"b\": \"line\\nbreak\", \"é\": 1.5}}]");
  g_autoptr(JsonNode) value = json_node_init_double (json_node_alloc (), 0.1);
  g_autoptr(JsonNode) default_value = json_node_init_int (json_node_alloc (), -3);
  g_autofree char *data = NULL;
  g_autofree char *data_again = NULL;

  sy_mapping_set_name (mapping, "Ünïcode \"quoted\" name");
  sy_mapping_set_source (mapping, "src", "wms/products");
  sy_mapping_set_target (mapping, "dst", "erp/products");
  sy_mapping_rule_set_template (rule, "{{x}} {a.b}");
  g_assert_true (sy_mapping_rule_set_transform (rule, transform, &error));
  g_assert_no_error (error);
  sy_mapping_rule_set_default (rule, default_value);
  sy_mapping_rule_set_required (rule, TRUE);
  sy_mapping_rule_set_value (constant, value);
  sy_mapping_insert_rule (mapping, 0, constant);
  sy_mapping_insert_rule (mapping, 0, rule);

  data = sy_mapping_to_data (mapping, NULL);
  g_assert_null (strstr (data, "\"match\""));
  again = sy_mapping_new_from_data (data, -1, NULL, &error);
  g_assert_no_error (error);
  data_again = sy_mapping_to_data (again, NULL);
  g_assert_cmpstr (data_again, ==, data);
  g_assert_cmpstr (sy_mapping_get_name (again), ==, "Ünïcode \"quoted\" name");
  {
    SyMappingRule *first = g_list_model_get_item (sy_mapping_get_rules (again), 0);
    SyMappingRule *second = g_list_model_get_item (sy_mapping_get_rules (again), 1);

    g_assert_cmpint (sy_mapping_rule_get_kind (first), ==, SY_MAPPING_RULE_TEMPLATE);
    g_assert_true (json_node_equal (sy_mapping_rule_get_transform (first), transform));
    g_assert_true (sy_mapping_rule_get_required (first));
    g_assert_cmpint (json_node_get_int (sy_mapping_rule_get_default (first)), ==, -3);
    g_assert_cmpint (sy_mapping_rule_get_kind (second), ==, SY_MAPPING_RULE_VALUE);
    g_assert_cmpfloat (json_node_get_double (sy_mapping_rule_get_value (second)), ==, 0.1);
    g_object_unref (first);
    g_object_unref (second);
  }
}

/* ---- refusals ---- */

static void
test_invalid_json (void)
{
  const char *text = "{\n  \"version\": 1,\n  \"name\": \"x\"\n  \"fields\": []\n}\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = sy_mapping_new_from_data (text, -1, "broken.json", &error);

  g_assert_null (mapping);
  g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_PARSE);
  /* The line that lacks its comma. */
  g_assert_cmpuint (sy_mapping_error_get_line (error), ==, 3);
  g_assert_cmpuint (sy_mapping_error_get_column (error), >, 0);
  g_assert_true (g_str_has_prefix (error->message, "broken.json:3: "));
  g_clear_error (&error);

  /* A constant json-glib would read as another number is named with its
   * line, not kept wrong. */
  g_assert_null (sy_mapping_new_from_data ("{\n  \"version\": 1,\n  \"name\": \"x\",\n  \"fields\": [{\"target\": \"id\",\n"
                                           "    \"constant\": 9223372036854775808}]\n}\n", -1, "huge.json", &error));
  g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_PARSE);
  g_assert_cmpuint (sy_mapping_error_get_line (error), ==, 5);
  g_assert_true (g_str_has_prefix (error->message, "huge.json:5: "));
  g_clear_error (&error);

  g_assert_null (sy_mapping_new_from_data ("", 0, "empty.json", &error));
  g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (sy_mapping_new_from_data ("[1, 2]", -1, "list.json", &error));
  g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID);
  g_assert_cmpuint (sy_mapping_error_get_line (error), ==, 1);
}

/* Replaces the first occurrence of from in the example. */
static char *
example_with (const char *from,
              const char *to)
{
  const char *at = strstr (sy_example_mapping, from);
  g_autoptr(GString) text = g_string_new (sy_example_mapping);

  g_assert_nonnull (at);
  g_string_erase (text, at - sy_example_mapping, strlen (from));
  g_string_insert (text, at - sy_example_mapping, to);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_refusals_name_the_line (void)
{
  struct
  {
    const char *from;
    const char *to;
    guint line;
    const char *reason;
  } cases[] = {
    { "\"version\": 1", "\"version\": 2", 2, "version 1 only" },
    { "\"version\": 1", "\"version\": \"1\"", 2, "version 1 only" },
    { "\"version\": 1,\n", "", 1, "no “version”" },
    { "\"name\": \"Mintsoft orders to NetSuite\",\n", "", 1, "needs a “name”" },
    { "\"name\": \"Mintsoft orders to NetSuite\"", "\"name\": \"\"", 3, "needs a “name”" },
    { "  \"source\": {\"connection\": \"mintsoft\", \"entity\": \"wms/sales-orders\"},\n", "", 1, "no “source”" },
    { "\"entity\": \"wms/sales-orders\"", "\"entity\": \"sales-orders\"", 4, "domain/name" },
    { "\"entity\": \"erp/sales-orders\"", "\"entity\": \"erp/sales/orders\"", 5, "domain/name" },
    { "\"connection\": \"netsuite\"", "\"connection\": 5", 5, "must be the name of a connection" },
    { "\"connection\": \"mintsoft\"", "\"connexion\": \"mintsoft\"", 4, "no member “connexion”" },
    { "\"match\": {\"source\": \"key\", \"target\": \"code\"}", "\"match\": {\"source\": \"key\"}", 6, "“match” needs both" },
    { "\"match\": {\"source\": \"key\", ", "\"match\": {\"sourse\": \"key\", ", 6, "no member “sourse”" },
    { "  \"fields\": [\n", "  \"felds\": [\n", 7, "has no member “felds”" },
    { "{\"target\": \"code\", \"source\": \"key\"}", "{\"source\": \"key\"}", 8, "needs a “target”" },
    { "{\"target\": \"code\", \"source\": \"key\"}", "{\"target\": \"code\"}", 8, "needs one of “source”, “value” or “template”" },
    { "{\"target\": \"code\", \"source\": \"key\"}", "{\"target\": \"code\", \"source\": \"key\", \"value\": \"x\"}", 8, "has two sources, “source” and “value”" },
    { "\"required\": true", "\"required\": \"yes\"", 9, "true or false" },
    { "\"required\": true", "\"requird\": true", 9, "no member “requird”" },
    { "{\"date\": {\"to\": \"%Y-%m-%d\"}}", "{\"dat\": {\"to\": \"%Y-%m-%d\"}}", 10, "unknown transform “dat”" },
    { "{\"to\": \"%Y-%m-%d\"}", "{\"to\": \"%Y-%m-%d\", \"tz\": \"UTC\"}", 10, "no option “tz”" },
    { "\"default\": \"1\"", "\"default\": \"1\", \"source\": \"x\"", 11, "appears twice" },
    { "\"template\": \"Mintsoft order {orderNumber}\"", "\"template\": \"Mintsoft order {orderNumber\"", 12, "without its “}”" },
    { "{\"target\": \"statusKey\", \"value\": \"pending\"}", "{\"target\": \"statusKey\", \"value\": \"pending\", \"each\": [{\"target\": \"a\", \"source\": \"a\"}]}", 13, "“each” but no “source”" },
    { "{\"target\": \"statusKey\", \"value\": \"pending\"}", "{\"target\": \"code\", \"value\": \"pending\"}", 13, "two rules write “code”" },
    { "\"each\": [\n      {\"target\": \"productKey\", \"source\": \"productKey\"},\n      {\"target\": \"quantity\", \"source\": \"quantity\", \"transform\": {\"number\": {\"scale\": 0}}}]}",
      "\"each\": []}", 14, "“each” must be a list of rules" },
    { "{\"target\": \"productKey\", \"source\": \"productKey\"}", "{\"target\": \"productKey\", \"template\": \"{a}\", \"source\": \"productKey\"}", 15, "has two sources" },
    { "{\"number\": {\"scale\": 0}}", "{\"number\": {\"scale\": 0}, \"trim\": true}", 16, "exactly one transform" },
    { "{\"scale\": 0}", "{\"scale\": 13}", 16, "from 0 to 12" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = example_with (cases[i].from, cases[i].to);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyMapping) mapping = sy_mapping_new_from_data (text, -1, "m.json", &error);
      g_autofree char *prefix = g_strdup_printf ("m.json:%u: ", cases[i].line);

      g_test_message ("case %u: %s", i, cases[i].to);
      g_assert_null (mapping);
      g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID);
      if (sy_mapping_error_get_line (error) != cases[i].line || !g_str_has_prefix (error->message, prefix) ||
          strstr (error->message, cases[i].reason) == NULL)
        g_error ("case %u: expected line %u and “%s”, got line %u: %s", i, cases[i].line, cases[i].reason,
                 sy_mapping_error_get_line (error), error->message);
    }
}

static void
test_unknown_connection_is_not_a_parse_error (void)
{
  g_autofree char *text = example_with ("\"connection\": \"mintsoft\"", "\"connection\": \"nobody has this one\"");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = sy_mapping_new_from_data (text, -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (sy_mapping_get_source_connection (mapping), ==, "nobody has this one");
  g_clear_object (&mapping);

  /* Nor a draft's missing or empty one: it reads as none. */
  {
    g_autofree char *missing = example_with ("{\"connection\": \"netsuite\", ", "{");
    g_autofree char *empty = example_with ("\"connection\": \"mintsoft\"", "\"connection\": \"\"");
    g_autoptr(SyMapping) without = sy_mapping_new_from_data (missing, -1, NULL, &error);
    g_autoptr(SyMapping) blank = NULL;
    g_autofree char *written = NULL;
    g_autoptr(SyMapping) reread = NULL;

    g_assert_no_error (error);
    g_assert_null (sy_mapping_get_target_connection (without));
    blank = sy_mapping_new_from_data (empty, -1, NULL, &error);
    g_assert_no_error (error);
    g_assert_null (sy_mapping_get_source_connection (blank));
    written = sy_mapping_to_data (blank, NULL);
    g_assert_nonnull (strstr (written, "\"source\": {\"connection\": \"\", \"entity\": \"wms/sales-orders\"}"));
    reread = sy_mapping_new_from_data (written, -1, NULL, &error);
    g_assert_no_error (error);
  }
}

static void
test_rule_on_its_own (void)
{
  g_autoptr(JsonNode) good = parse ("{\"target\": \"a.b\", \"source\": \"x.0.y\", \"default\": 5}");
  g_autoptr(JsonNode) bad = parse ("{\"target\": \"a\", \"source\": \"x\", \"template\": \"{x}\"}");
  g_autoptr(JsonNode) bad_transform = parse ("{\"nope\": true}");
  g_autoptr(JsonNode) good_transform = parse ("\"lower\"");
  g_autoptr(SyMappingRule) rule = NULL;
  g_autoptr(SyMappingRule) refused = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;

  rule = sy_mapping_rule_new_from_json (json_node_get_object (good), &error);
  g_assert_no_error (error);
  back = sy_mapping_rule_to_json (rule);
  g_assert_true (json_node_equal (back, good));

  refused = sy_mapping_rule_new_from_json (json_node_get_object (bad), &error);
  g_assert_null (refused);
  g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID);
  g_assert_cmpuint (sy_mapping_error_get_line (error), ==, 0);
  g_assert_nonnull (strstr (error->message, "two sources"));
  g_clear_error (&error);

  /* An invalid transform leaves the rule as it was. */
  g_assert_true (sy_mapping_rule_set_transform (rule, good_transform, NULL));
  g_assert_false (sy_mapping_rule_set_transform (rule, bad_transform, &error));
  g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "unknown transform “nope”"));
  g_assert_true (json_node_equal (sy_mapping_rule_get_transform (rule), good_transform));
}

/* ---- signals ---- */

static void
count_changed (gpointer  object,
               guint    *count)
{
  (*count)++;
}

static void
test_changed_signal (void)
{
  g_autoptr(SyMapping) mapping = load_example ();
  g_autoptr(SyMappingRule) lines = g_list_model_get_item (sy_mapping_get_rules (mapping), 6);
  g_autoptr(SyMappingRule) quantity = g_list_model_get_item (sy_mapping_rule_get_children (lines), 1);
  g_autoptr(SyMappingRule) added = sy_mapping_rule_new ("customerKey");
  guint changed = 0;

  g_signal_connect (mapping, "changed", G_CALLBACK (count_changed), &changed);

  sy_mapping_set_name (mapping, "Renamed");
  g_assert_cmpuint (changed, ==, 1);
  sy_mapping_set_name (mapping, "Renamed");
  g_assert_cmpuint (changed, ==, 1);
  sy_mapping_set_source (mapping, "other", "wms/sales-orders");
  g_assert_cmpuint (changed, ==, 2);
  sy_mapping_set_match (mapping, "orderNumber", "orderNumber");
  g_assert_cmpuint (changed, ==, 3);

  sy_mapping_rule_set_required (lines, TRUE);
  g_assert_cmpuint (changed, ==, 4);
  /* A rule inside "each" counts too. */
  sy_mapping_rule_set_required (quantity, TRUE);
  g_assert_cmpuint (changed, ==, 5);
  {
    g_autoptr(SyMappingRule) product = g_list_model_get_item (sy_mapping_rule_get_children (lines), 0);

    g_list_store_remove (G_LIST_STORE (sy_mapping_rule_get_children (lines)), 0);
    g_assert_cmpuint (changed, ==, 6);
    /* A rule taken out of "each" no longer counts. */
    sy_mapping_rule_set_source (product, "sku");
    g_assert_cmpuint (changed, ==, 6);
  }

  sy_mapping_insert_rule (mapping, 100, added);
  g_assert_cmpuint (changed, ==, 7);
  sy_mapping_rule_set_source (added, "customerKey");
  g_assert_cmpuint (changed, >=, 8);
  changed = 0;
  sy_mapping_remove_rule (mapping, 7);
  g_assert_cmpuint (changed, ==, 1);
  /* A removed rule no longer speaks for the mapping. */
  sy_mapping_rule_set_source (added, "somethingElse");
  g_assert_cmpuint (changed, ==, 1);
  /* Nor one removed from the list model directly, as an editor may. */
  {
    g_autoptr(SyMappingRule) first = g_list_model_get_item (sy_mapping_get_rules (mapping), 0);

    g_list_store_remove (G_LIST_STORE (sy_mapping_get_rules (mapping)), 0);
    g_assert_cmpuint (changed, ==, 2);
    sy_mapping_rule_set_required (first, TRUE);
    g_assert_cmpuint (changed, ==, 2);
    g_list_store_insert (G_LIST_STORE (sy_mapping_get_rules (mapping)), 0, first);
    g_assert_cmpuint (changed, ==, 3);
    sy_mapping_rule_set_required (first, FALSE);
    g_assert_cmpuint (changed, ==, 4);
  }
  g_assert_cmpuint (g_list_model_get_n_items (sy_mapping_get_rules (mapping)), ==, 7);
}

/* ---- saving and loading ---- */

static void
await_save (SyMapping  *mapping,
            GFile      *file,
            GError    **error,
            gboolean   *ok)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_mapping_save_async (mapping, file, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  *ok = sy_mapping_save_finish (mapping, result, error);
}

static void
test_save_and_load (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("mapping-save");
  g_autofree char *path = g_build_filename (dir, "orders.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(SyMapping) mapping = load_example ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SyMapping) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gboolean ok;

  await_save (mapping, file, &error, &ok);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, sy_example_mapping);

  sy_mapping_load_async (file, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  loaded = sy_mapping_load_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sy_mapping_get_name (loaded), ==, "Mintsoft orders to NetSuite");
  g_clear_object (&loaded);

  /* Synchronous save and load of an edited mapping. */
  sy_mapping_set_name (mapping, "Edited");
  g_assert_true (sy_mapping_save_file (mapping, path, &error));
  g_assert_no_error (error);
  loaded = sy_mapping_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sy_mapping_get_name (loaded), ==, "Edited");
  g_clear_object (&loaded);

  /* A broken file on disk: named with its path and line, never touched. */
  {
    g_autofree char *broken_path = g_build_filename (dir, "broken.json", NULL);
    g_autoptr(GFile) broken = g_file_new_for_path (broken_path);
    g_autofree char *after = NULL;
    g_autofree char *prefix = g_strdup_printf ("%s:3: ", broken_path);
    const char *text = "{\n \"version\": 1,\n \"name\": ,\n}";

    g_assert_true (g_file_set_contents (broken_path, text, -1, NULL));
    g_clear_object (&result);
    sy_mapping_load_async (broken, NULL, sy_test_store_result, &result);
    sy_test_await (&result);
    g_assert_null (sy_mapping_load_finish (result, &error));
    g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_PARSE);
    g_assert_true (g_str_has_prefix (error->message, prefix));
    g_clear_error (&error);
    g_assert_null (sy_mapping_load_file (broken_path, &error));
    g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_PARSE);
    g_assert_cmpuint (sy_mapping_error_get_line (error), ==, 3);
    g_clear_error (&error);
    g_assert_true (g_file_get_contents (broken_path, &after, NULL, NULL));
    g_assert_cmpstr (after, ==, text);
  }

  sy_test_remove_tree (dir);
}

/* A save that fails half-way (the file-size limit stops the write of the
 * temporary file) must leave the old file exactly as it was. This works
 * for root too, where a read-only directory would not. */
static void
test_failed_save_keeps_old_file (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("mapping-atomic");
  g_autofree char *path = g_build_filename (dir, "orders.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(SyMapping) mapping = load_example ();
  g_autoptr(SyMappingRule) big = sy_mapping_rule_new ("memo2");
  g_autoptr(GError) error = NULL;
  g_autofree char *long_template = NULL;
  g_autofree char *after = NULL;
  struct rlimit saved, limited;
  gboolean ok;

  g_assert_true (sy_mapping_save_file (mapping, path, &error));
  g_assert_no_error (error);

  long_template = g_strnfill (8192, 'x');
  sy_mapping_rule_set_template (big, long_template);
  sy_mapping_insert_rule (mapping, 0, big);

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limited = saved;
  limited.rlim_cur = 4096;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limited), ==, 0);

  ok = sy_mapping_save_file (mapping, path, &error);
  g_assert_false (ok);
  g_assert_nonnull (error);
  g_clear_error (&error);

  await_save (mapping, file, &error, &ok);
  g_assert_false (ok);
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, SIG_DFL);

  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, sy_example_mapping);
  {
    /* No temporary file left behind either. */
    g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
    guint n = 0;

    while (g_dir_read_name (listing) != NULL)
      n++;
    g_assert_cmpuint (n, ==, 1);
  }

  /* A cancelled save does not touch the file either. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GAsyncResult) result = NULL;
    g_autofree char *still = NULL;

    g_cancellable_cancel (cancellable);
    sy_mapping_save_async (mapping, file, cancellable, sy_test_store_result, &result);
    sy_test_await (&result);
    g_assert_false (sy_mapping_save_finish (mapping, result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_true (g_file_get_contents (path, &still, NULL, NULL));
    g_assert_cmpstr (still, ==, sy_example_mapping);
  }

  sy_test_remove_tree (dir);
}

/* ---- the catalogue ---- */

static void
test_validate (void)
{
  SyCatalogue *catalogue = sy_catalogue_get_default ();
  g_autoptr(SyMapping) mapping = load_example ();
  g_autoptr(SyMapping) custom = NULL;
  g_autoptr(SyMapping) unknown = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *custom_text = example_with ("{\"target\": \"memo\"", "{\"target\": \"custbody_mintsoft_memo\"");
  g_autofree char *unknown_text = example_with ("\"erp/sales-orders\"", "\"erp/sails-orders\"");

  g_assert_true (sy_mapping_validate (mapping, catalogue, &error));
  g_assert_no_error (error);
  g_assert_true (sy_mapping_validate (mapping, NULL, &error));

  /* A target field the catalogue does not know is a custom field. */
  custom = sy_mapping_new_from_data (custom_text, -1, "custom.json", &error);
  g_assert_no_error (error);
  g_assert_true (sy_mapping_validate (custom, catalogue, &error));
  g_assert_no_error (error);

  unknown = sy_mapping_new_from_data (unknown_text, -1, "unknown.json", &error);
  g_assert_no_error (error);
  g_assert_false (sy_mapping_validate (unknown, catalogue, &error));
  g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_UNKNOWN_ENTITY);
  g_assert_cmpuint (sy_mapping_error_get_line (error), ==, 5);
  g_assert_true (g_str_has_prefix (error->message, "unknown.json:5: "));
  g_assert_nonnull (strstr (error->message, "erp/sails-orders"));
  g_clear_error (&error);

  /* Both ends wrong and a broken rule: all of it in one message. */
  {
    g_autoptr(SyMappingRule) empty = sy_mapping_rule_new ("notes");

    sy_mapping_set_source (unknown, "x", "wms/nothing");
    sy_mapping_insert_rule (unknown, 0, empty);
    g_assert_false (sy_mapping_validate (unknown, catalogue, &error));
    g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_UNKNOWN_ENTITY);
    g_assert_nonnull (strstr (error->message, "wms/nothing"));
    g_assert_nonnull (strstr (error->message, "erp/sails-orders"));
    g_assert_nonnull (strstr (error->message, "“notes” has no valid source field"));
  }
}

static void
test_type_mismatch (void)
{
  g_autofree char *text = example_with ("{\"target\": \"quantity\", \"source\": \"quantity\", \"transform\": {\"number\": {\"scale\": 0}}}",
                                        "{\"target\": \"quantity\", \"source\": \"quantity\"}");
  g_autofree char *text2 = NULL;
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(JsonNode) order = parse (sandbox_order);
  g_autoptr(GPtrArray) problems = new_problems ();
  g_autoptr(JsonObject) payload = NULL;
  SyMappingProblem *problem;
  g_autoptr(GError) error = NULL;

  mapping = sy_mapping_new_from_data (text, -1, NULL, &error);
  g_assert_no_error (error);

  /* The second line's quantity is the string "7": the catalogue wants a
   * number there. Without a catalogue nothing is checked. */
  payload = sy_mapping_apply (mapping, json_node_get_object (order), sy_catalogue_get_default (), problems);
  g_assert_cmpuint (problems->len, ==, 1);
  problem = g_ptr_array_index (problems, 0);
  g_assert_cmpstr (problem->field, ==, "lines[1].quantity");
  g_assert_cmpstr (problem->message, ==, "lines[1].quantity should be a number, not text");
  g_clear_pointer (&payload, json_object_unref);
  g_ptr_array_set_size (problems, 0);
  payload = sy_mapping_apply (mapping, json_node_get_object (order), NULL, problems);
  g_assert_cmpuint (problems->len, ==, 0);
  g_clear_pointer (&payload, json_object_unref);

  /* A number where the catalogue wants text. */
  g_clear_object (&mapping);
  text2 = example_with ("{\"target\": \"statusKey\", \"value\": \"pending\"}", "{\"target\": \"statusKey\", \"value\": 3}");
  mapping = sy_mapping_new_from_data (text2, -1, NULL, &error);
  g_assert_no_error (error);
  payload = sy_mapping_apply (mapping, json_node_get_object (order), sy_catalogue_get_default (), problems);
  g_assert_cmpuint (problems->len, ==, 1);
  problem = g_ptr_array_index (problems, 0);
  g_assert_cmpstr (problem->field, ==, "statusKey");
  g_assert_cmpstr (problem->message, ==, "statusKey should be text, not a whole number");
}

static gboolean
strv_equal (GStrv       actual,
            const char *expected)
{
  g_autofree char *joined = g_strjoinv (",", actual);

  if (g_strcmp0 (joined, expected) != 0)
    {
      g_test_message ("got “%s”, expected “%s”", joined, expected);
      return FALSE;
    }
  return TRUE;
}

static void
test_coverage (void)
{
  SyCatalogue *catalogue = sy_catalogue_get_default ();
  g_autoptr(SyMapping) mapping = load_example ();
  g_autoptr(JsonNode) samples = NULL;
  g_autoptr(SyMappingCoverage) coverage = NULL;
  g_autoptr(SyMappingCoverage) bare_coverage = NULL;
  g_autoptr(SyMappingCoverage) partial_coverage = NULL;
  g_autoptr(SyMappingCoverage) no_catalogue = NULL;
  g_autofree char *samples_text = g_strdup_printf ("[%s, {\"key\": \"x\", \"extra\": 1, \"note\": \"n\"}, 7]", sandbox_order);

  samples = parse (samples_text);
  coverage = sy_mapping_get_coverage (mapping, catalogue, json_node_get_array (samples));
  /* The API marks nothing required; what a create needs is all mapped. */
  g_assert_true (strv_equal (coverage->required_unmapped, ""));
  g_assert_true (strv_equal (coverage->common_unmapped, ""));
  /* key (rule and match), orderNumber (rule and template), date,
   * currencyKey and lines are read; the rest is not. */
  g_assert_true (strv_equal (coverage->source_unused,
                             "code,createdAt,customerKey,extra,note,shipmentAddress,status,total,updatedAt"));

  /* Without orderNumber and lines the commonly needed fields show up;
   * orderNumber still counts as read through the template. */
  {
    g_autoptr(SyMapping) bare = load_example ();

    sy_mapping_remove_rule (bare, 6);
    sy_mapping_remove_rule (bare, 1);
    bare_coverage = sy_mapping_get_coverage (bare, catalogue, json_node_get_array (samples));
    g_assert_true (strv_equal (bare_coverage->common_unmapped, "lines,orderNumber"));
    g_assert_true (strv_equal (bare_coverage->source_unused,
                               "code,createdAt,customerKey,extra,lines,note,shipmentAddress,status,total,updatedAt"));
  }

  /* Lines mapped without a quantity: the nested field is reported. */
  {
    g_autoptr(SyMapping) partial = load_example ();
    g_autoptr(SyMappingRule) lines = g_list_model_get_item (sy_mapping_get_rules (partial), 6);

    g_list_store_remove (G_LIST_STORE (sy_mapping_rule_get_children (lines)), 1);
    partial_coverage = sy_mapping_get_coverage (partial, catalogue, NULL);
    g_assert_true (strv_equal (partial_coverage->common_unmapped, "lines[].quantity"));
    g_assert_true (strv_equal (partial_coverage->source_unused, ""));
  }

  no_catalogue = sy_mapping_get_coverage (mapping, NULL, json_node_get_array (samples));
  g_assert_true (strv_equal (no_catalogue->required_unmapped, ""));
  g_assert_true (strv_equal (no_catalogue->common_unmapped, ""));
}

/* The reference marks no field required; a catalogue that does shows
 * required fields, nested ones only where their list is mapped. */
static void
test_coverage_required (void)
{
  static const char catalogue_json[] =
    "{\"version\": 1, \"entities\": {"
    " \"wms/sales-orders\": {\"fields\": [{\"path\": \"key\", \"type\": \"string\"}]},"
    " \"erp/sales-orders\": {\"commonlyNeeded\": [\"memo\", \"customerKey\", \"lines[].quantity\"], \"fields\": ["
    "  {\"path\": \"code\", \"type\": \"string\", \"writable\": true, \"required\": true},"
    "  {\"path\": \"customerKey\", \"type\": \"string\", \"writable\": true, \"required\": true},"
    "  {\"path\": \"key\", \"type\": \"string\", \"required\": true},"
    "  {\"path\": \"lines[]\", \"type\": \"array\", \"writable\": true, \"required\": true},"
    "  {\"path\": \"lines[].taxKey\", \"type\": \"string\", \"writable\": true, \"required\": true},"
    "  {\"path\": \"shipmentAddress\", \"type\": \"object\", \"writable\": true},"
    "  {\"path\": \"shipmentAddress.country\", \"type\": \"string\", \"writable\": true, \"required\": true},"
    "  {\"path\": \"billingAddress.country\", \"type\": \"string\", \"writable\": true, \"required\": true}]}}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCatalogue) catalogue = sy_catalogue_new_from_data (catalogue_json, sizeof catalogue_json - 1, &error);
  g_autoptr(SyMapping) mapping = load_example ();
  g_autoptr(SyMappingRule) city = sy_mapping_rule_new ("shipmentAddress.city");
  g_autoptr(SyMappingCoverage) coverage = NULL;
  g_autoptr(SyMappingCoverage) without_lines = NULL;

  g_assert_no_error (error);
  sy_mapping_rule_set_source (city, "shipmentAddress.city");
  sy_mapping_insert_rule (mapping, 7, city);

  /* customerKey is required and unmapped; key is required but read-only;
   * lines[].taxKey and shipmentAddress.country are inside what the
   * mapping writes; billingAddress is not written at all. memo is
   * mapped, customerKey already counted as required. */
  coverage = sy_mapping_get_coverage (mapping, catalogue, NULL);
  g_assert_true (strv_equal (coverage->required_unmapped, "customerKey,lines[].taxKey,shipmentAddress.country"));
  g_assert_true (strv_equal (coverage->common_unmapped, ""));

  sy_mapping_remove_rule (mapping, 6);
  without_lines = sy_mapping_get_coverage (mapping, catalogue, NULL);
  g_assert_true (strv_equal (without_lines->required_unmapped, "customerKey,lines,shipmentAddress.country"));
}

/* Applying from several threads at once on an unedited mapping gives
 * every thread the same payloads, with the catalogue's type checks. */
typedef struct
{
  SyMapping *mapping;
  JsonObject *order;
  const char *expected;
  guint mismatches;
} ThreadJob;

static gpointer
apply_many (gpointer data)
{
  ThreadJob *job = data;

  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(GPtrArray) problems = new_problems ();
      g_autoptr(JsonObject) payload = sy_mapping_apply (job->mapping, job->order, sy_catalogue_get_default (),
                                                        problems);
      g_autofree char *text = to_text (payload);

      if (problems->len != 0 || g_strcmp0 (text, job->expected) != 0)
        job->mismatches++;
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(SyMapping) mapping = load_example ();
  g_autoptr(JsonNode) order = parse (sandbox_order);
  g_autoptr(JsonNode) expected = parse (expected_payload);
  g_autofree char *expected_text = to_text (json_node_get_object (expected));
  ThreadJob jobs[4];
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      jobs[i] = (ThreadJob) { mapping, json_node_get_object (order), expected_text, 0 };
      threads[i] = g_thread_new ("apply", apply_many, &jobs[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (jobs[i].mismatches, ==, 0);
    }
}

/* ---- against the sandbox ---- */

typedef struct
{
  guint created;
  guint refused;
  guint refused_invalid;   /* refused and made invalid by the sandbox */
  guint other;
} PostCounts;

static void
test_demo_mapping_against_sandbox (void)
{
  const char * const args[] = { "--records", "60", "--invalid-rate", "0.2", "--seed", "7", NULL };
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (args);
  const char *url = sy_sandbox_process_get_url (sandbox);
  g_autoptr(SyApiClient) wms = NULL;
  g_autoptr(SyApiClient) erp = NULL;
  g_autoptr(SyPageIterator) iterator = NULL;
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "demo", "mintsoft-to-netsuite.json", NULL);
  g_autoptr(JsonArray) all = json_array_new ();
  g_autoptr(SyMappingCoverage) coverage = NULL;
  PostCounts counts = { 0, };
  guint invalid_source_records;

  mapping = sy_mapping_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (sy_mapping_validate (mapping, NULL, &error));
  g_assert_no_error (error);

  wms = sy_api_client_new (url, sy_sandbox_process_get_token (sandbox, "wms"), &error);
  g_assert_no_error (error);
  erp = sy_api_client_new (url, sy_sandbox_process_get_token (sandbox, "erp"), &error);
  g_assert_no_error (error);

  iterator = sy_page_iterator_new (wms, sy_mapping_get_source_entity (mapping), 25);
  for (;;)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(JsonArray) page = NULL;

      sy_page_iterator_next_async (iterator, NULL, sy_test_store_result, &result);
      sy_test_await (&result);
      page = sy_page_iterator_next_finish (iterator, result, &error);
      g_assert_no_error (error);
      if (page == NULL)
        break;
      for (guint i = 0; i < json_array_get_length (page); i++)
        json_array_add_element (all, json_node_copy (json_array_get_element (page, i)));
    }
  g_assert_cmpuint (json_array_get_length (all), ==, 60);

  coverage = sy_mapping_get_coverage (mapping, sy_catalogue_get_default (), all);
  g_assert_true (strv_equal (coverage->common_unmapped, ""));
  g_assert_true (strv_equal (coverage->source_unused, "code,createdAt,shipmentAddress,statusKey,total,updatedAt"));

  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *order = json_array_get_object_element (all, i);
      g_autoptr(GPtrArray) problems = new_problems ();
      g_autoptr(JsonObject) payload = sy_mapping_apply (mapping, order, sy_catalogue_get_default (), problems);
      g_autoptr(JsonNode) body = json_node_init_object (json_node_alloc (), payload);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(JsonNode) answer = NULL;
      g_autoptr(GError) post_error = NULL;
      g_autofree char *expected_memo = g_strdup_printf ("Mintsoft order %s",
                                                        json_object_get_string_member (order, "orderNumber"));
      /* The sandbox makes an order invalid with a customer and a first
       * product the ERP has never heard of: keys starting with "09". */
      gboolean invalid = g_str_has_prefix (json_object_get_string_member (order, "customerKey"), "09");

      g_assert_cmpuint (problems->len, ==, 0);
      g_assert_cmpstr (json_object_get_string_member (payload, "memo"), ==, expected_memo);
      g_assert_cmpstr (json_object_get_string_member (payload, "code"), ==,
                       json_object_get_string_member (order, "key"));
      g_assert_cmpuint (strlen (json_object_get_string_member (payload, "date")), ==, 10);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (payload, "lines")), ==,
                        json_array_get_length (json_object_get_array_member (order, "lines")));

      sy_api_client_send_async (erp, "POST", "/api/erp/sales-orders", body, NULL, sy_test_store_result, &result);
      sy_test_await (&result);
      answer = sy_api_client_send_finish (erp, result, &post_error);
      if (answer != NULL)
        {
          g_assert_false (invalid);
          counts.created++;
        }
      else if (g_error_matches (post_error, SY_API_ERROR, SY_API_ERROR_VALIDATION))
        {
          g_assert_cmpuint (sy_api_error_get_status (post_error), ==, 422);
          counts.refused++;
          if (invalid)
            counts.refused_invalid++;
        }
      else
        {
          g_test_message ("unexpected: %s", post_error->message);
          counts.other++;
        }
    }

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(JsonNode) stats = NULL;
    JsonObject *entities;

    sy_api_client_get_async (erp, "/__sandbox/stats", NULL, sy_test_store_result, &result);
    sy_test_await (&result);
    stats = sy_api_client_get_finish (erp, result, &error);
    g_assert_no_error (error);
    invalid_source_records = json_object_get_int_member (json_node_get_object (stats), "invalid_source_records");
    entities = json_object_get_object_member (json_node_get_object (stats), "entities");
    /* Every create was answered 201, every refusal 422. */
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (stats), "requests"), "201"),
                     ==, counts.created);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (stats), "requests"), "422"),
                     ==, counts.refused);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (entities, "erp/sales-orders"), "count"),
                     ==, counts.created);
  }

  g_test_message ("created %u, refused %u (invalid sources: %u)", counts.created, counts.refused,
                  invalid_source_records);
  g_assert_cmpuint (counts.other, ==, 0);
  g_assert_cmpuint (invalid_source_records, >, 0);
  g_assert_cmpuint (counts.refused, ==, invalid_source_records);
  g_assert_cmpuint (counts.refused_invalid, ==, counts.refused);
  g_assert_cmpuint (counts.created + counts.refused, ==, 60);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mapping/example/applies", test_example_applies);
  g_test_add_func ("/mapping/example/required-on-every-record", test_required_on_every_record);
  g_test_add_func ("/mapping/round-trip/example", test_round_trip);
  g_test_add_func ("/mapping/round-trip/edited", test_round_trip_edited);
  g_test_add_func ("/mapping/refuse/invalid-json", test_invalid_json);
  g_test_add_func ("/mapping/refuse/names-the-line", test_refusals_name_the_line);
  g_test_add_func ("/mapping/unknown-connection", test_unknown_connection_is_not_a_parse_error);
  g_test_add_func ("/mapping/rule-on-its-own", test_rule_on_its_own);
  g_test_add_func ("/mapping/changed-signal", test_changed_signal);
  g_test_add_func ("/mapping/save-and-load", test_save_and_load);
  g_test_add_func ("/mapping/failed-save-keeps-old-file", test_failed_save_keeps_old_file);
  g_test_add_func ("/mapping/catalogue/validate", test_validate);
  g_test_add_func ("/mapping/catalogue/type-mismatch", test_type_mismatch);
  g_test_add_func ("/mapping/catalogue/coverage", test_coverage);
  g_test_add_func ("/mapping/catalogue/coverage-required", test_coverage_required);
  g_test_add_func ("/mapping/threads", test_threads);
  g_test_add_func ("/mapping/sandbox/demo-mapping", test_demo_mapping_against_sandbox);

  return g_test_run ();
}
