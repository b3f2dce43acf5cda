/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-mapping.h"

/* Every rule kind and transform, applied through the public API to small
 * records: what lands in the payload and which problems are reported. */

static SyMapping *
mapping_with_rules (const char *rules)
{
  g_autofree char *text = g_strdup_printf ("{\"version\": 1, \"name\": \"t\","
                                           " \"source\": {\"connection\": \"a\", \"entity\": \"wms/sales-orders\"},"
                                           " \"target\": {\"connection\": \"b\", \"entity\": \"erp/sales-orders\"},"
                                           " \"fields\": [%s]}", rules);
  g_autoptr(GError) error = NULL;
  SyMapping *mapping = sy_mapping_new_from_data (text, -1, "t.json", &error);

  g_assert_no_error (error);
  g_assert_nonnull (mapping);
  return mapping;
}

static char *
refusal_of (const char *rules)
{
  g_autofree char *text = g_strdup_printf ("{\"version\": 1, \"name\": \"t\","
                                           " \"source\": {\"connection\": \"a\", \"entity\": \"wms/sales-orders\"},"
                                           " \"target\": {\"connection\": \"b\", \"entity\": \"erp/sales-orders\"},"
                                           " \"fields\": [%s]}", rules);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = sy_mapping_new_from_data (text, -1, "t.json", &error);

  g_assert_null (mapping);
  g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID);
  g_assert_cmpuint (sy_mapping_error_get_line (error), ==, 1);
  g_assert_true (g_str_has_prefix (error->message, "t.json:1: "));
  return g_strdup (error->message);
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

typedef struct
{
  JsonObject *payload;
  GPtrArray *problems;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->payload, json_object_unref);
  g_clear_pointer (&outcome->problems, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static Outcome
run (const char *rules,
     const char *record_json)
{
  g_autoptr(SyMapping) mapping = mapping_with_rules (rules);
  g_autoptr(JsonObject) record = parse_object (record_json);
  Outcome outcome;

  outcome.problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_mapping_problem_free);
  outcome.payload = sy_mapping_apply (mapping, record, NULL, outcome.problems);
  return outcome;
}

static char *
payload_text (Outcome *outcome)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), outcome->payload);

  return json_to_string (node, FALSE);
}

/* Applies rules to record and compares the payload (as compact JSON) and
 * the problems ("field: message" fragments, in order). */
static void
check (const char *rules,
       const char *record,
       const char *expected_payload,
       ...)
{
  g_auto(Outcome) outcome = run (rules, record);
  g_autofree char *text = payload_text (&outcome);
  const char *fragment;
  guint n = 0;
  va_list args;

  g_autoptr(JsonObject) expected_object = parse_object (expected_payload);
  g_autoptr(JsonNode) expected_node = json_node_init_object (json_node_alloc (), expected_object);
  /* Through the same generator, so that doubles print alike. */
  g_autofree char *expected = json_to_string (expected_node, FALSE);

  g_assert_cmpstr (text, ==, expected);

  va_start (args, expected_payload);
  while ((fragment = va_arg (args, const char *)) != NULL)
    {
      const char *colon = strstr (fragment, ": ");
      SyMappingProblem *problem;
      g_autofree char *field = NULL;

      g_assert_cmpuint (n, <, outcome.problems->len);
      problem = g_ptr_array_index (outcome.problems, n);
      g_assert_nonnull (colon);
      field = g_strndup (fragment, colon - fragment);
      g_assert_cmpstr (problem->field, ==, field);
      if (strstr (problem->message, colon + 2) == NULL)
        g_error ("problem “%s” does not contain “%s”", problem->message, colon + 2);
      n++;
    }
  va_end (args);
  if (n != outcome.problems->len)
    g_error ("expected %u problems, got %u (first: %s)", n, outcome.problems->len,
             ((SyMappingProblem *) g_ptr_array_index (outcome.problems, n))->message);
}

/* ---- date ---- */

static void
test_date (void)
{
  const char *to_day = "{\"target\": \"d\", \"source\": \"d\", \"transform\": {\"date\": {\"to\": \"%Y-%m-%d\"}}}";

  check (to_day, "{\"d\": \"2024-05-28T23:11:12Z\"}", "{\"d\":\"2024-05-28\"}", NULL);
  /* The written zone's date, not UTC's. */
  check (to_day, "{\"d\": \"2024-06-01T23:30:00-05:00\"}", "{\"d\":\"2024-06-01\"}", NULL);
  check (to_day, "{\"d\": \"2024-06-01\"}", "{\"d\":\"2024-06-01\"}", NULL);
  check (to_day, "{\"d\": \"2024-06-01 23:59:59\"}", "{\"d\":\"2024-06-01\"}", NULL);
  check ("{\"target\": \"d\", \"source\": \"d\", \"transform\": {\"date\": {\"to\": \"%d/%m/%Y %H:%M\"}}}",
         "{\"d\": \"2024-02-29T07:05:00\"}", "{\"d\":\"29/02/2024 07:05\"}", NULL);
  check ("{\"target\": \"d\", \"source\": \"d\", \"transform\": {\"date\": {\"from\": \"%d/%m/%Y\", \"to\": \"iso8601\"}}}",
         "{\"d\": \"31/12/2024\"}", "{\"d\":\"2024-12-31T00:00:00Z\"}", NULL);
  check ("{\"target\": \"d\", \"source\": \"d\", \"transform\": {\"date\": {\"from\": \"iso8601\", \"to\": \"%Y\"}}}",
         "{\"d\": \"1999-12-31T23:59:59+01:00\"}", "{\"d\":\"1999\"}", NULL);

  /* Malformed dates are problems, not guesses. */
  check (to_day, "{\"d\": \"2024-13-45\"}", "{}", "d: “2024-13-45” is not an ISO 8601 date", NULL);
  check (to_day, "{\"d\": \"2023-02-29\"}", "{}", "d: “2023-02-29” is not", NULL);
  check (to_day, "{\"d\": \"yesterday\"}", "{}", "d: “yesterday” is not", NULL);
  check (to_day, "{\"d\": 20240601}", "{}", "d: “20240601” is not a date", NULL);
  check ("{\"target\": \"d\", \"source\": \"d\", \"transform\": {\"date\": {\"from\": \"%s\", \"to\": \"%Y-%m-%dT%H:%M:%S%z\"}}}",
         "{\"d\": 1717200000}", "{\"d\":\"2024-06-01T00:00:00+0000\"}", NULL);
  check ("{\"target\": \"d\", \"source\": \"d\", \"transform\": {\"date\": {\"from\": \"%d/%m/%Y\", \"to\": \"%F\"}}}",
         "{\"d\": \"31/02/2024\"}", "{}", "d: “31/02/2024” is not a date in the format “%d/%m/%Y”", NULL);
  check ("{\"target\": \"d\", \"source\": \"d\", \"transform\": {\"date\": {\"from\": \"%d/%m/%Y\", \"to\": \"%F\"}}}",
         "{\"d\": \"31/12/2024 trailing\"}", "{}", "d: is not a date in the format", NULL);

  /* A failed transform falls back to the default, silently. */
  check ("{\"target\": \"d\", \"source\": \"d\", \"transform\": {\"date\": {\"to\": \"%F\"}}, \"default\": \"1970-01-01\"}",
         "{\"d\": \"yesterday\"}", "{\"d\":\"1970-01-01\"}", NULL);
  /* Empty and null are missing values, not malformed dates. */
  check (to_day, "{\"d\": \"\"}", "{}", NULL);
  check (to_day, "{\"d\": null}", "{}", NULL);
}

/* ---- number ---- */

static void
test_number (void)
{
  const char *whole = "{\"target\": \"n\", \"source\": \"n\", \"transform\": {\"number\": {\"scale\": 0}}}";
  const char *cents = "{\"target\": \"n\", \"source\": \"n\", \"transform\": {\"number\": {\"scale\": 2}}}";
  const char *english = "{\"target\": \"n\", \"source\": \"n\", \"transform\": {\"number\": {\"scale\": 2, \"thousands\": \",\"}}}";
  const char *german = "{\"target\": \"n\", \"source\": \"n\", \"transform\": {\"number\": {\"scale\": 2, \"decimal\": \",\", \"thousands\": \".\"}}}";
  const char *spaced = "{\"target\": \"n\", \"source\": \"n\", \"transform\": {\"number\": {\"decimal\": \",\", \"thousands\": \" \"}}}";
  const char *plain = "{\"target\": \"n\", \"source\": \"n\", \"transform\": {\"number\": {}}}";

  check (whole, "{\"n\": 7}", "{\"n\":7}", NULL);
  check (whole, "{\"n\": 2.5}", "{\"n\":3}", NULL);
  check (whole, "{\"n\": -2.5}", "{\"n\":-3}", NULL);
  check (whole, "{\"n\": \"99.5\"}", "{\"n\":100}", NULL);
  check (whole, "{\"n\": \"-0.4\"}", "{\"n\":0}", NULL);
  check (whole, "{\"n\": \" 12 \"}", "{\"n\":12}", NULL);
  check (whole, "{\"n\": \"\\u00a012\\u2003\"}", "{\"n\":12}", NULL);
  check (cents, "{\"n\": \"1.005\"}", "{\"n\":1.01}", NULL);
  check (cents, "{\"n\": \"9.999\"}", "{\"n\":10.0}", NULL);
  check (cents, "{\"n\": 1234}", "{\"n\":1234.0}", NULL);
  check (english, "{\"n\": \"1,234.50\"}", "{\"n\":1234.5}", NULL);
  check (english, "{\"n\": \"1,234,567.891\"}", "{\"n\":1234567.89}", NULL);
  check (german, "{\"n\": \"1.234,50\"}", "{\"n\":1234.5}", NULL);
  check (spaced, "{\"n\": \"1 234,5\"}", "{\"n\":1234.5}", NULL);
  check (plain, "{\"n\": \"42\"}", "{\"n\":42}", NULL);
  check (plain, "{\"n\": \"+4.25\"}", "{\"n\":4.25}", NULL);
  check (whole, "{\"n\": \"12.\"}", "{\"n\":12}", NULL);
  check (whole, "{\"n\": \".5\"}", "{\"n\":1}", NULL);
  check (whole, "{\"n\": \"-.5\"}", "{\"n\":-1}", NULL);
  check (cents, "{\"n\": 2.675}", "{\"n\":2.68}", NULL);
  check (cents, "{\"n\": 0.0000001}", "{\"n\":0.0}", NULL);
  check (cents, "{\"n\": 0.000006}", "{\"n\":0.0}", NULL);
  check (cents, "{\"n\": 0.005}", "{\"n\":0.01}", NULL);
  check (whole, "{\"n\": \".\"}", "{}", "n: “.” is not a number", NULL);
  check (whole, "{\"n\": \"-\"}", "{}", "n: “-” is not a number", NULL);
  check (whole, "{\"n\": 1e300}", "{}", "n: cannot be rounded to a whole number", NULL);

  check (whole, "{\"n\": \"12abc\"}", "{}", "n: “12abc” is not a number", NULL);
  check (whole, "{\"n\": \"abc\"}", "{}", "n: “abc” is not a number", NULL);
  check (whole, "{\"n\": \"1,234.50\"}", "{}", "n: “1,234.50” is not a number", NULL);
  check (english, "{\"n\": \"12,34\"}", "{}", "n: “12,34” is not a number", NULL);
  check (english, "{\"n\": \"1234,567.1\"}", "{}", "n: is not a number", NULL);
  check (german, "{\"n\": \"1,234.50\"}", "{}", "n: is not a number", NULL);
  check (whole, "{\"n\": \" \"}", "{}", "n: “ ” is not a number", NULL);
  check (whole, "{\"n\": true}", "{}", "n: “true” is not a number", NULL);
  check (whole, "{\"n\": [1]}", "{}", "n: is not a number", NULL);
  check (whole, "{\"n\": \"99999999999999999999\"}", "{}", "n: too large", NULL);
  check (whole, "{\"n\": \"\"}", "{}", NULL);
  check (whole, "{\"n\": null}", "{}", NULL);
  check ("{\"target\": \"n\", \"source\": \"n\", \"required\": true, \"transform\": {\"number\": {\"scale\": 0}}}",
         "{\"n\": null}", "{}", "n: n is required but the source field “n” is empty", NULL);
  check ("{\"target\": \"n\", \"source\": \"n\", \"default\": 0, \"transform\": {\"number\": {\"scale\": 0}}}",
         "{\"n\": \"12abc\"}", "{\"n\":0}", NULL);
}

/* ---- lookup ---- */

static void
test_lookup (void)
{
  const char *table = "{\"target\": \"c\", \"source\": \"c\", \"transform\": {\"lookup\": {\"GBP\": \"1\", \"USD\": 2, \"7\": true}}}";

  check (table, "{\"c\": \"GBP\"}", "{\"c\":\"1\"}", NULL);
  check (table, "{\"c\": \"USD\"}", "{\"c\":2}", NULL);
  check (table, "{\"c\": 7}", "{\"c\":true}", NULL);
  check (table, "{\"c\": \"EUR\"}", "{}", "c: “EUR” is not in the lookup table", NULL);
  check (table, "{\"c\": \"gbp\"}", "{}", "c: “gbp” is not in the lookup table", NULL);
  check ("{\"target\": \"c\", \"source\": \"c\", \"transform\": {\"lookup\": {\"GBP\": \"1\"}}, \"default\": \"9\"}",
         "{\"c\": \"EUR\"}", "{\"c\":\"9\"}", NULL);
  /* A missing source takes the default too. */
  check ("{\"target\": \"c\", \"source\": \"c\", \"transform\": {\"lookup\": {\"GBP\": \"1\"}}, \"default\": \"9\"}",
         "{}", "{\"c\":\"9\"}", NULL);
}

/* ---- text ---- */

static void
test_text (void)
{
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": {\"trim\": true}}",
         "{\"t\": \"  hello world \\t\\n\"}", "{\"t\":\"hello world\"}", NULL);
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": \"trim\"}",
         "{\"t\": \"\\u00a0\\u2003caf\\u00e9\\u3000\"}", "{\"t\":\"café\"}", NULL);
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": \"trim\"}",
         "{\"t\": \" 🚀 \"}", "{\"t\":\"🚀\"}", NULL);
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": {\"upper\": true}}",
         "{\"t\": \"straße\"}", "{\"t\":\"STRASSE\"}", NULL);
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": {\"lower\": true}}",
         "{\"t\": \"ÉCOLE\"}", "{\"t\":\"école\"}", NULL);
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": \"upper\"}",
         "{\"t\": \"🚀 ok\"}", "{\"t\":\"🚀 OK\"}", NULL);
  /* Numbers have no case: passed on as they are. */
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": \"upper\"}", "{\"t\": 12}", "{\"t\":12}", NULL);
  /* Blank after trimming is empty: required and default apply. */
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": \"trim\"}", "{\"t\": \"   \"}", "{}", NULL);
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": \"trim\", \"required\": true}",
         "{\"t\": \"   \"}", "{}", "t: t is required but the source field “t” is empty", NULL);
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": \"trim\", \"default\": \"n/a\"}",
         "{\"t\": \"   \"}", "{\"t\":\"n/a\"}", NULL);
}

static void
test_chain (void)
{
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": [\"trim\", {\"upper\": true}]}",
         "{\"t\": \"  gbp \"}", "{\"t\":\"GBP\"}", NULL);
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": [\"trim\", \"upper\", {\"lookup\": {\"GBP\": \"1\"}}]}",
         "{\"t\": \" gbp\"}", "{\"t\":\"1\"}", NULL);
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": [{\"number\": {\"decimal\": \",\"}}, {\"number\": {\"scale\": 0}}]}",
         "{\"t\": \"12,6\"}", "{\"t\":13}", NULL);
  check ("{\"target\": \"t\", \"source\": \"t\", \"transform\": [\"trim\", {\"number\": {\"scale\": 0}}]}",
         "{\"t\": \"   \"}", "{}", NULL);
}

/* ---- the other rule kinds ---- */

static void
test_template (void)
{
  check ("{\"target\": \"m\", \"template\": \"Order {orderNumber} for {customer.name}, {lines.0.quantity} items, {total} total, paid {paid}\"}",
         "{\"orderNumber\": \"MS-1\", \"customer\": {\"name\": \"Ada\"}, \"lines\": [{\"quantity\": 3}], \"total\": 12.5, \"paid\": false}",
         "{\"m\":\"Order MS-1 for Ada, 3 items, 12.5 total, paid false\"}", NULL);
  check ("{\"target\": \"m\", \"template\": \"{{literal}} {{{ orderNumber }}}\"}",
         "{\"orderNumber\": \"MS-1\"}", "{\"m\":\"{literal} {MS-1}\"}", NULL);
  check ("{\"target\": \"m\", \"template\": \"Order {orderNumber}\"}",
         "{}", "{}", "m: the template’s field “orderNumber” is missing", NULL);
  check ("{\"target\": \"m\", \"template\": \"Order {orderNumber}\"}",
         "{\"orderNumber\": null}", "{}", "m: the template’s field “orderNumber” is missing", NULL);
  check ("{\"target\": \"m\", \"template\": \"Order {orderNumber}\", \"required\": true}",
         "{\"orderNumber\": {\"a\": 1}}", "{}", "m: m is required but the template’s field “orderNumber” is missing", NULL);
  check ("{\"target\": \"m\", \"template\": \"Order {orderNumber}\", \"default\": \"no order\"}",
         "{}", "{\"m\":\"no order\"}", NULL);
  check ("{\"target\": \"m\", \"template\": \"{a}\", \"transform\": \"upper\"}",
         "{\"a\": \"x\"}", "{\"m\":\"X\"}", NULL);
}

static void
test_value (void)
{
  check ("{\"target\": \"s\", \"value\": \"pending\"}, {\"target\": \"n\", \"value\": 3},"
         " {\"target\": \"b\", \"value\": false}, {\"target\": \"o\", \"value\": {\"x\": [1, 2]}},"
         " {\"target\": \"z\", \"value\": null}",
         "{}", "{\"s\":\"pending\",\"n\":3,\"b\":false,\"o\":{\"x\":[1,2]},\"z\":null}", NULL);
  check ("{\"target\": \"s\", \"value\": \"\", \"required\": true}", "{}", "{}",
         "s: s is required but its value is empty", NULL);
  check ("{\"target\": \"s\", \"value\": \" a \", \"transform\": \"trim\"}", "{}", "{\"s\":\"a\"}", NULL);
}

static void
test_missing_and_required (void)
{
  check ("{\"target\": \"orderNumber\", \"source\": \"orderNo\", \"required\": true}",
         "{\"orderNumber\": \"MS-1\"}", "{}",
         "orderNumber: orderNumber is required but the source field “orderNo” is missing", NULL);
  check ("{\"target\": \"memo\", \"source\": \"note\"}", "{}", "{}",
         "memo: the source field “note” is missing", NULL);
  check ("{\"target\": \"memo\", \"source\": \"note\"}", "{\"note\": \"\"}", "{}", NULL);
  check ("{\"target\": \"memo\", \"source\": \"note\", \"default\": \"-\"}", "{}", "{\"memo\":\"-\"}", NULL);
  check ("{\"target\": \"memo\", \"source\": \"note\", \"default\": \"\", \"required\": true}", "{}", "{}",
         "memo: memo is required but the source field “note” is missing", NULL);
  check ("{\"target\": \"city\", \"source\": \"address.city\", \"required\": true}",
         "{\"address\": \"London\"}", "{}", "city: city is required but the source field “address.city” is missing", NULL);
  check ("{\"target\": \"whole\", \"source\": \"address\"}",
         "{\"address\": {\"city\": \"Leeds\"}}", "{\"whole\":{\"city\":\"Leeds\"}}", NULL);
}

static void
test_nested_targets (void)
{
  check ("{\"target\": \"shipmentAddress.city\", \"source\": \"a.city\"},"
         " {\"target\": \"shipmentAddress.postCode\", \"source\": \"a.postcode\"},"
         " {\"target\": \"x.y.z\", \"value\": 1}",
         "{\"a\": {\"city\": \"York\", \"postcode\": \"YO1 7HH\"}}",
         "{\"shipmentAddress\":{\"city\":\"York\",\"postCode\":\"YO1 7HH\"},\"x\":{\"y\":{\"z\":1}}}", NULL);
  check ("{\"target\": \"a\", \"value\": 1}, {\"target\": \"a.b\", \"value\": 2}", "{}", "{\"a\":1}",
         "a.b: “a” is already set to a value that is not an object", NULL);
}

static void
test_each (void)
{
  const char *lines = "{\"target\": \"lines\", \"source\": \"lines\", \"each\": ["
                      "{\"target\": \"productKey\", \"source\": \"sku\", \"required\": true},"
                      "{\"target\": \"quantity\", \"source\": \"qty\", \"transform\": {\"number\": {\"scale\": 0}}},"
                      "{\"target\": \"detail.note\", \"template\": \"{sku} x{qty}\"}]}";

  check (lines, "{\"lines\": [{\"sku\": \"A\", \"qty\": \"2\"}, {\"sku\": \"B\", \"qty\": 3.4}]}",
         "{\"lines\":[{\"productKey\":\"A\",\"quantity\":2,\"detail\":{\"note\":\"A x2\"}},"
         "{\"productKey\":\"B\",\"quantity\":3,\"detail\":{\"note\":\"B x3.4\"}}]}", NULL);
  check (lines, "{\"lines\": [{\"sku\": \"A\", \"qty\": 1}, {\"qty\": \"many\"}]}",
         "{\"lines\":[{\"productKey\":\"A\",\"quantity\":1,\"detail\":{\"note\":\"A x1\"}},{}]}",
         "lines[1].productKey: lines[1].productKey is required but the source field “sku” is missing",
         "lines[1].quantity: “many” is not a number",
         "lines[1].detail.note: the template’s field “sku” is missing", NULL);
  check (lines, "{\"lines\": []}", "{\"lines\":[]}", NULL);
  check (lines, "{\"lines\": {\"sku\": \"A\"}}", "{}", "lines: the source field “lines” is an object, not a list", NULL);
  check (lines, "{\"lines\": \"A\"}", "{}", "lines: the source field “lines” is text, not a list", NULL);
  check (lines, "{\"lines\": [{\"sku\": \"A\", \"qty\": 1}, 7]}",
         "{\"lines\":[{\"productKey\":\"A\",\"quantity\":1,\"detail\":{\"note\":\"A x1\"}}]}",
         "lines: “lines[1]” is a whole number, not an object", NULL);
  check (lines, "{}", "{}", "lines: the source field “lines” is missing", NULL);

  /* Nested lists, and a source deeper in the record. */
  check ("{\"target\": \"orders\", \"source\": \"batch.orders\", \"each\": [{\"target\": \"parts\", \"source\": \"parts\", \"each\": ["
         "{\"target\": \"n\", \"source\": \"n\", \"required\": true}]}]}",
         "{\"batch\": {\"orders\": [{\"parts\": [{\"n\": 1}, {}]}]}}",
         "{\"orders\":[{\"parts\":[{\"n\":1},{}]}]}",
         "orders[0].parts[1].n: orders[0].parts[1].n is required", NULL);
}

/* ---- refusals ---- */

static void
test_bad_transforms (void)
{
  struct
  {
    const char *transform;
    const char *reason;
  } cases[] = {
    { "{\"trim\": false}", "takes no options" },
    { "{\"upper\": \"yes\"}", "takes no options" },
    { "{\"trim\": true, \"upper\": true}", "exactly one transform" },
    { "{}", "exactly one transform" },
    { "{\"round\": 2}", "unknown transform “round”" },
    { "\"capitalise\"", "unknown transform “capitalise”" },
    { "\"date\"", "needs options" },
    { "[]", "empty list" },
    { "[[\"trim\"]]", "cannot hold another list" },
    { "42", "must be an object" },
    { "{\"date\": {}}", "needs “to”" },
    { "{\"date\": \"%Y\"}", "must be an object" },
    { "{\"date\": {\"to\": \"%Q\"}}", "not a date format GLib understands" },
    { "{\"date\": {\"to\": \"%Y\", \"from\": \"dd/mm/yyyy\"}}", "not a date format" },
    { "{\"date\": {\"to\": \"%Y\", \"zone\": \"UTC\"}}", "no option “zone”" },
    { "{\"number\": {\"scale\": -1}}", "from 0 to 12" },
    { "{\"number\": {\"scale\": 1.5}}", "from 0 to 12" },
    { "{\"number\": {\"decimal\": \";\"}}", "must be “.” or “,”" },
    { "{\"number\": {\"thousands\": \"'\"}}", "“thousands” must be" },
    { "{\"number\": {\"decimal\": \",\", \"thousands\": \",\"}}", "must differ" },
    { "{\"number\": {\"precision\": 2}}", "no option “precision”" },
    { "{\"lookup\": {\"a\": {\"b\": 1}}}", "lookup value for “a”" },
    { "{\"lookup\": [\"a\"]}", "must be an object" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *rule = g_strdup_printf ("{\"target\": \"x\", \"source\": \"x\", \"transform\": %s}",
                                               cases[i].transform);
      g_autofree char *message = refusal_of (rule);

      if (strstr (message, cases[i].reason) == NULL)
        g_error ("%s: “%s” does not contain “%s”", cases[i].transform, message, cases[i].reason);
    }
}

static void
test_bad_templates (void)
{
  g_autofree char *unclosed = refusal_of ("{\"target\": \"m\", \"template\": \"Order {orderNumber\"}");
  g_autofree char *empty = refusal_of ("{\"target\": \"m\", \"template\": \"Order {}\"}");
  g_autofree char *dots = refusal_of ("{\"target\": \"m\", \"template\": \"{a..b}\"}");

  g_assert_nonnull (strstr (unclosed, "without its “}”"));
  g_assert_nonnull (strstr (empty, "is not a field path"));
  g_assert_nonnull (strstr (dots, "empty part"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mapping/transform/date", test_date);
  g_test_add_func ("/mapping/transform/number", test_number);
  g_test_add_func ("/mapping/transform/lookup", test_lookup);
  g_test_add_func ("/mapping/transform/text", test_text);
  g_test_add_func ("/mapping/transform/chain", test_chain);
  g_test_add_func ("/mapping/transform/bad", test_bad_transforms);
  g_test_add_func ("/mapping/rule/template", test_template);
  g_test_add_func ("/mapping/rule/bad-template", test_bad_templates);
  g_test_add_func ("/mapping/rule/value", test_value);
  g_test_add_func ("/mapping/rule/missing-and-required", test_missing_and_required);
  g_test_add_func ("/mapping/rule/nested-targets", test_nested_targets);
  g_test_add_func ("/mapping/rule/each", test_each);

  return g_test_run ();
}
