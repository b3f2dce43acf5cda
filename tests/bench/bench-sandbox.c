/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>

#include <libsoup/soup.h>

#include "sy-sandbox-process.h"

/* Throughput and latency of switchyard-sandbox over loopback: a fixed
 * number of list requests, a fixed number in flight, one libsoup session.
 * Prints figures; asserts nothing about speed. */

#define DEADLINE_SECONDS 60

typedef struct
{
  SoupSession *session;
  char *base_url;
  char *token;
  guint per_page;
  guint n_pages;

  guint total;
  guint started;
  guint finished;
  guint failed;
  GArray *latencies_usec;   /* gint64 */
  gboolean deadline_passed;
} Bench;

typedef struct
{
  Bench *bench;
  gint64 started_at;
} Request;

static void send_next (Bench *bench);

static void
request_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Request *request = user_data;
  Bench *bench = request->bench;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  gint64 latency;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  latency = g_get_monotonic_time () - request->started_at;
  if (body == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK || g_bytes_get_size (body) == 0)
    bench->failed++;
  g_array_append_val (bench->latencies_usec, latency);
  bench->finished++;
  g_free (request);

  send_next (bench);
}

static void
send_next (Bench *bench)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *url = NULL;
  g_autofree char *authorization = NULL;
  Request *request;
  guint n = bench->started;

  if (bench->started >= bench->total || bench->deadline_passed)
    return;
  bench->started++;

  /* Walk the pages, and every fourth request asks for a filtered, sorted
   * list as an incremental sync would. */
  if (n % 4 == 3)
    url = g_strdup_printf ("%s/api/wms/sales-orders?per_page=%u&filter%%5BupdatedAt%%3Agt%%5D=2024-06-01T00:00:00Z"
                           "&sort%%5BupdatedAt%%5D=0&page=%u", bench->base_url, bench->per_page,
                           1 + n % MAX (bench->n_pages / 2, 1));
  else
    url = g_strdup_printf ("%s/api/wms/sales-orders?per_page=%u&page=%u", bench->base_url, bench->per_page,
                           1 + n % bench->n_pages);

  msg = soup_message_new ("GET", url);
  authorization = g_strconcat ("Bearer ", bench->token, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);

  request = g_new0 (Request, 1);
  request->bench = bench;
  request->started_at = g_get_monotonic_time ();
  soup_session_send_and_read_async (bench->session, msg, G_PRIORITY_DEFAULT, NULL, request_done, request);
}

static gboolean
deadline_reached (gpointer user_data)
{
  Bench *bench = user_data;

  bench->deadline_passed = TRUE;
  return G_SOURCE_REMOVE;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *sorted,
               double  share)
{
  guint index;

  if (sorted->len == 0)
    return 0;
  index = MIN ((guint) (share * sorted->len), sorted->len - 1);
  return g_array_index (sorted, gint64, index) / 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  int requests = 5000;
  int concurrency = 12;
  int per_page = 50;
  int records = 2000;
  const GOptionEntry entries[] = {
    { "requests", 0, 0, G_OPTION_ARG_INT, &requests, "Requests to send (default 5000)", "N" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &concurrency, "Requests in flight (default 12)", "N" },
    { "per-page", 0, 0, G_OPTION_ARG_INT, &per_page, "Records per page (default 50)", "N" },
    { "records", 0, 0, G_OPTION_ARG_INT, &records, "Sales orders in the sandbox (default 2000)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SySandboxProcess) sandbox = NULL;
  g_autofree char *records_arg = NULL;
  Bench bench = { 0 };
  guint deadline_id;
  gint64 started_at, elapsed;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-sandbox: %s\n", error->message);
      return 2;
    }
  if (requests < 1 || concurrency < 1 || per_page < 1 || records < 1)
    {
      g_printerr ("bench-sandbox: the numbers must be positive\n");
      return 2;
    }

  records_arg = g_strdup_printf ("%d", records);
  sandbox = sy_sandbox_process_new ((const char * const[]) { "--records", records_arg, NULL });
  if (!sy_sandbox_process_start_sync (sandbox, NULL, &error))
    {
      g_printerr ("bench-sandbox: %s\n", error->message);
      return 1;
    }

  bench.session = soup_session_new_with_options ("max-conns", concurrency * 2,
                                                 "max-conns-per-host", concurrency, NULL);
  bench.base_url = g_strdup (sy_sandbox_process_get_url (sandbox));
  bench.token = g_strdup (sy_sandbox_process_get_token (sandbox, "wms"));
  bench.per_page = per_page;
  bench.n_pages = MAX ((records + per_page - 1) / per_page, 1);
  bench.total = requests;
  bench.latencies_usec = g_array_sized_new (FALSE, FALSE, sizeof (gint64), requests);

  deadline_id = g_timeout_add_seconds (DEADLINE_SECONDS, deadline_reached, &bench);
  started_at = g_get_monotonic_time ();
  for (int i = 0; i < concurrency; i++)
    send_next (&bench);
  while (bench.finished < bench.started)
    g_main_context_iteration (NULL, TRUE);
  elapsed = g_get_monotonic_time () - started_at;
  if (!bench.deadline_passed)
    g_source_remove (deadline_id);

  g_array_sort (bench.latencies_usec, compare_int64);
  g_print ("switchyard-sandbox: %u requests (%u failed), %d in flight, %d records per page, %d orders\n",
           bench.finished, bench.failed, concurrency, per_page, records);
  g_print ("  %.0f requests/s over %.2f s\n", bench.finished / (elapsed / (double) G_USEC_PER_SEC),
           elapsed / (double) G_USEC_PER_SEC);
  g_print ("  latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
           percentile_ms (bench.latencies_usec, 0.50), percentile_ms (bench.latencies_usec, 0.99),
           percentile_ms (bench.latencies_usec, 1.0));
  if (bench.deadline_passed)
    g_print ("  stopped at the %d s deadline\n", DEADLINE_SECONDS);

  g_array_unref (bench.latencies_usec);
  g_object_unref (bench.session);
  g_free (bench.base_url);
  g_free (bench.token);

  return bench.failed > 0 ? 1 : 0;
}
