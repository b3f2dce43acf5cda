/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>

#include "sy-catalogue.h"
#include "sy-example-mapping.h"
#include "sy-mapping.h"

/* How fast the example mapping of docs/architecture.md §5 maps
 * sandbox-like sales orders on one core: records in memory,
 * sy_mapping_apply() in a loop, the payload freed each time as a sync run
 * would. Prints figures against the goal of 100,000 records/s; asserts
 * nothing about speed, but fails on wrong results: every payload of the
 * distinct orders is checked field by field first, and a record the
 * mapping refuses (a blocking problem) during the timed loops fails the
 * benchmark, since every order here is valid. */

#define GOAL_PER_SECOND 100000.0
#define DEFAULT_RECORDS 500000
#define DISTINCT_ORDERS 1000
#define DEADLINE_SECONDS 30

/* Orders shaped like switchyard-sandbox's wms/sales-orders, 1–5 lines. */
static GPtrArray *
make_orders (guint n)
{
  static const char *const currencies[] = { "GBP", "GBP", "GBP", "USD", "EUR" };
  static const char *const cities[] = { "York", "Leeds", "Bristol", "Glasgow" };
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  GPtrArray *orders = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *order = json_object_new ();
      JsonObject *address = json_object_new ();
      JsonArray *lines = json_array_new ();
      g_autofree char *key = g_strdup_printf ("01%014u", i + 1);
      g_autofree char *code = g_strdup_printf ("SO%07u", i + 1);
      g_autofree char *number = g_strdup_printf ("MS-%06u", 100000 + i + 1);
      g_autoptr(GDateTime) when = g_date_time_new_utc (2024, 1 + i % 12, 1 + i % 28, i % 24, i % 60, i % 60);
      g_autofree char *date = g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");
      guint n_lines = g_rand_int_range (rand, 1, 6);

      json_object_set_string_member (order, "key", key);
      json_object_set_string_member (order, "createdAt", date);
      json_object_set_string_member (order, "updatedAt", date);
      json_object_set_string_member (order, "code", code);
      json_object_set_string_member (order, "orderNumber", number);
      json_object_set_string_member (order, "date", date);
      json_object_set_string_member (order, "status", "shipped");
      json_object_set_string_member (order, "currencyKey", currencies[i % G_N_ELEMENTS (currencies)]);
      json_object_set_string_member (order, "customerKey", "0300000000000007");
      json_object_set_string_member (order, "total", "123.40");
      json_object_set_string_member (address, "name", "Ada Ltd");
      json_object_set_string_member (address, "city", cities[i % G_N_ELEMENTS (cities)]);
      json_object_set_string_member (address, "postcode", "YO1 7HH");
      json_object_set_object_member (order, "shipmentAddress", address);
      for (guint l = 0; l < n_lines; l++)
        {
          JsonObject *line = json_object_new ();
          g_autofree char *product = g_strdup_printf ("02%014u", g_rand_int_range (rand, 1, 500));

          json_object_set_string_member (line, "productKey", product);
          json_object_set_int_member (line, "quantity", g_rand_int_range (rand, 1, 21));
          json_object_set_string_member (line, "price", "12.50");
          json_array_add_object_element (lines, line);
        }
      json_object_set_array_member (order, "lines", lines);
      g_ptr_array_add (orders, order);
    }
  return orders;
}

static const char *
string_at (JsonObject *object,
           const char *member)
{
  return object != NULL ? json_object_get_string_member_with_default (object, member, NULL) : NULL;
}

/* What the example must make of one order, or NULL when it did. */
static char *
check_payload (JsonObject *order,
               JsonObject *payload)
{
  const char *number = string_at (order, "orderNumber");
  g_autofree char *memo = g_strconcat ("Mintsoft order ", number, NULL);
  g_autofree char *day = g_strndup (string_at (order, "date"), 10);
  JsonArray *source_lines = json_object_get_array_member (order, "lines");
  JsonArray *lines;

  if (g_strcmp0 (string_at (payload, "code"), string_at (order, "key")) != 0)
    return g_strdup ("code is not the order's key");
  if (g_strcmp0 (string_at (payload, "orderNumber"), number) != 0)
    return g_strdup ("orderNumber differs");
  if (g_strcmp0 (string_at (payload, "date"), day) != 0)
    return g_strdup_printf ("date is %s, not %s", string_at (payload, "date"), day);
  /* GBP by the lookup, the other currencies by the default. */
  if (g_strcmp0 (string_at (payload, "currencyKey"), "1") != 0)
    return g_strdup ("currencyKey is not 1");
  if (g_strcmp0 (string_at (payload, "memo"), memo) != 0)
    return g_strdup ("memo differs");
  if (g_strcmp0 (string_at (payload, "statusKey"), "pending") != 0)
    return g_strdup ("statusKey is not “pending”");
  if (!json_object_has_member (payload, "lines") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (payload, "lines")))
    return g_strdup ("no lines");
  lines = json_object_get_array_member (payload, "lines");
  if (json_array_get_length (lines) != json_array_get_length (source_lines))
    return g_strdup ("a different number of lines");
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      JsonObject *line = json_array_get_object_element (lines, i);
      JsonObject *source_line = json_array_get_object_element (source_lines, i);

      if (g_strcmp0 (string_at (line, "productKey"), string_at (source_line, "productKey")) != 0 ||
          !json_object_has_member (line, "quantity") ||
          json_object_get_int_member (line, "quantity") != json_object_get_int_member (source_line, "quantity"))
        return g_strdup_printf ("line %u differs", i);
    }
  return NULL;
}

/* Every distinct order, mapped once and checked. FALSE and a message on
 * standard error at the first wrong one. */
static gboolean
check_orders (SyMapping   *mapping,
              GPtrArray   *orders,
              SyCatalogue *catalogue)
{
  for (guint i = 0; i < orders->len; i++)
    {
      JsonObject *order = g_ptr_array_index (orders, i);
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_mapping_problem_free);
      g_autoptr(JsonObject) payload = sy_mapping_apply (mapping, order, catalogue, problems);
      g_autofree char *wrong = NULL;

      for (guint p = 0; p < problems->len; p++)
        {
          SyMappingProblem *problem = g_ptr_array_index (problems, p);

          if (problem->blocking)
            {
              g_printerr ("bench-mapping: order %s%s: %s: %s\n", string_at (order, "key"),
                          catalogue ? " (with the catalogue)" : "", problem->field, problem->message);
              return FALSE;
            }
        }
      wrong = payload != NULL ? check_payload (order, payload) : g_strdup ("no payload");
      if (wrong != NULL)
        {
          g_printerr ("bench-mapping: order %s%s: %s\n", string_at (order, "key"),
                      catalogue ? " (with the catalogue)" : "", wrong);
          return FALSE;
        }
    }
  return TRUE;
}

/* The number of records the mapping refused. */
static guint
run (const char  *label,
     SyMapping   *mapping,
     GPtrArray   *orders,
     SyCatalogue *catalogue,
     guint        n_records)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_mapping_problem_free);
  gint64 started = g_get_monotonic_time ();
  gint64 deadline = started + DEADLINE_SECONDS * G_USEC_PER_SEC;
  guint done = 0;
  guint n_problems = 0;
  guint n_refused = 0;
  double seconds, per_second;

  while (done < n_records)
    {
      JsonObject *payload = sy_mapping_apply (mapping, g_ptr_array_index (orders, done % orders->len),
                                              catalogue, problems);

      json_object_unref (payload);
      n_problems += problems->len;
      for (guint p = 0; p < problems->len; p++)
        if (((SyMappingProblem *) g_ptr_array_index (problems, p))->blocking)
          {
            n_refused++;
            break;
          }
      g_ptr_array_set_size (problems, 0);
      done++;
      /* Checking the clock every record would be part of the measure. */
      if (done % 4096 == 0 && g_get_monotonic_time () > deadline)
        break;
    }

  seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  per_second = done / seconds;
  g_print ("%-28s %8u records in %6.3f s: %10.0f records/s, %5.2fx the goal of %.0f/s (%u problems, "
           "%u records refused)\n",
           label, done, seconds, per_second, per_second / GOAL_PER_SECOND, GOAL_PER_SECOND, n_problems, n_refused);
  return n_refused;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(GPtrArray) orders = NULL;
  guint n_records = DEFAULT_RECORDS;
  guint refused;

  if (argc > 1)
    n_records = (guint) MAX (1, atoi (argv[1]));

  mapping = sy_mapping_new_from_data (sy_example_mapping, -1, "example.json", &error);
  if (mapping == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  orders = make_orders (DISTINCT_ORDERS);

  g_print ("bench-mapping: the example mapping of docs/architecture.md section 5, %u sandbox-like orders, one core\n",
           DISTINCT_ORDERS);
  if (!check_orders (mapping, orders, NULL) || !check_orders (mapping, orders, sy_catalogue_get_default ()))
    return 1;

  /* A short warm-up so that the first figure is not the page faults'. */
  refused = run ("warm-up", mapping, orders, NULL, 20000);
  refused += run ("apply", mapping, orders, NULL, n_records);
  refused += run ("apply + catalogue checks", mapping, orders, sy_catalogue_get_default (), n_records);
  if (refused > 0)
    {
      g_printerr ("bench-mapping: the mapping refused %u records, all of which are valid\n", refused);
      return 1;
    }
  return 0;
}
