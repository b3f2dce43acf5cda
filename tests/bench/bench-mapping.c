/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>

#include "sy-catalogue.h"
#include "sy-example-mapping.h"
#include "sy-mapping.h"

/* How fast the DESIGN.md §8 example maps sandbox-like sales orders on one
 * core: records in memory, sy_mapping_apply() in a loop, the payload
 * freed each time as a sync run would. Prints figures against the goal of
 * 100,000 records/s; asserts nothing about speed. */

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

static void
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
  double seconds, per_second;

  while (done < n_records)
    {
      JsonObject *payload = sy_mapping_apply (mapping, g_ptr_array_index (orders, done % orders->len),
                                              catalogue, problems);

      json_object_unref (payload);
      n_problems += problems->len;
      g_ptr_array_set_size (problems, 0);
      done++;
      /* Checking the clock every record would be part of the measure. */
      if (done % 4096 == 0 && g_get_monotonic_time () > deadline)
        break;
    }

  seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  per_second = done / seconds;
  g_print ("%-28s %8u records in %6.3f s: %10.0f records/s, %5.2fx the goal of %.0f/s (%u problems)\n",
           label, done, seconds, per_second, per_second / GOAL_PER_SECOND, GOAL_PER_SECOND, n_problems);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(GPtrArray) orders = NULL;
  guint n_records = DEFAULT_RECORDS;

  if (argc > 1)
    n_records = (guint) MAX (1, atoi (argv[1]));

  mapping = sy_mapping_new_from_data (sy_example_mapping, -1, "example.json", &error);
  if (mapping == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  orders = make_orders (DISTINCT_ORDERS);

  g_print ("bench-mapping: the DESIGN.md section 8 example, %u sandbox-like orders, one core\n", DISTINCT_ORDERS);
  /* A short warm-up so that the first figure is not the page faults'. */
  run ("warm-up", mapping, orders, NULL, 20000);
  run ("apply", mapping, orders, NULL, n_records);
  run ("apply + catalogue checks", mapping, orders, sy_catalogue_get_default (), n_records);
  return 0;
}
