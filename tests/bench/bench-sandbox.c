/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-sandbox-process.h"

/* Throughput and latency of switchyard-sandbox over loopback: a fixed
 * number of list requests, a fixed number in flight, one libsoup session.
 * Prints figures; asserts nothing about speed, but fails on wrong answers:
 * every answer must be a 200, every tenth is read in full (the page's
 * records, their count, meta.total, the filter and the order), and the
 * sandbox's own count of answers must match the requests made. */

#define DEADLINE_SECONDS 60
/* Parsing every answer would measure the client's JSON parser. */
#define CHECK_EVERY 10

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
  guint checked;
  guint records;
  gint64 filtered_total;    /* meta.total of the filtered list, once seen; -1 before */
  char *first_problem;
  GArray *latencies_usec;   /* gint64 */
  gboolean deadline_passed;
} Bench;

typedef struct
{
  Bench *bench;
  gint64 started_at;
  guint page;
  gboolean filtered;
} Request;

#define FILTER_SINCE "2024-06-01T00:00:00Z"

static void
problem (Bench      *bench,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static void
problem (Bench      *bench,
         const char *format,
         ...)
{
  va_list ap;

  bench->failed++;
  if (bench->first_problem != NULL)
    return;
  va_start (ap, format);
  bench->first_problem = g_strdup_vprintf (format, ap);
  va_end (ap);
}

/* What the sandbox must answer for this page: as many records as the page
 * holds, meta.total, and for the filtered list only records after the
 * filter's instant, in ascending order, and the same total every time. */
static void
check_answer (Bench   *bench,
              Request *request,
              GBytes  *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root, *meta;
  JsonArray *data;
  const char *previous = NULL;
  gint64 total;

  bench->checked++;
  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      problem (bench, "page %u: not a JSON object", request->page);
      return;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  data = json_object_has_member (root, "data") ? json_object_get_array_member (root, "data") : NULL;
  meta = json_object_has_member (root, "meta") ? json_object_get_object_member (root, "meta") : NULL;
  if (data == NULL || meta == NULL)
    {
      problem (bench, "page %u: no data or no meta", request->page);
      return;
    }
  total = json_object_get_int_member_with_default (meta, "total", -1);

  if (!request->filtered)
    {
      guint first = (request->page - 1) * bench->per_page;
      guint expected = first < bench->records ? MIN (bench->per_page, bench->records - first) : 0;

      if (total != bench->records)
        problem (bench, "page %u: meta.total %" G_GINT64_FORMAT ", not %u", request->page, total, bench->records);
      if (json_array_get_length (data) != expected)
        problem (bench, "page %u: %u records, not %u", request->page, json_array_get_length (data), expected);
      return;
    }

  if (bench->filtered_total < 0)
    bench->filtered_total = total;
  else if (total != bench->filtered_total)
    problem (bench, "filtered page %u: meta.total %" G_GINT64_FORMAT ", earlier %" G_GINT64_FORMAT,
             request->page, total, bench->filtered_total);
  if (total < 0 || total > bench->records)
    problem (bench, "filtered page %u: meta.total %" G_GINT64_FORMAT " of %u records", request->page, total,
             bench->records);
  for (guint i = 0; i < json_array_get_length (data); i++)
    {
      JsonObject *record = json_array_get_object_element (data, i);
      const char *updated_at = record ? json_object_get_string_member_with_default (record, "updatedAt", NULL) : NULL;

      /* ISO 8601 in UTC with the same precision: text order is time order. */
      if (updated_at == NULL || g_strcmp0 (updated_at, FILTER_SINCE) <= 0)
        problem (bench, "filtered page %u: a record updated at %s passed the filter", request->page,
                 updated_at ? updated_at : "(none)");
      else if (previous != NULL && g_strcmp0 (previous, updated_at) > 0)
        problem (bench, "filtered page %u: %s after %s in an ascending sort", request->page, updated_at, previous);
      previous = updated_at;
    }
}

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
  g_array_append_val (bench->latencies_usec, latency);
  bench->finished++;
  send_next (bench);

  if (body == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK || g_bytes_get_size (body) == 0)
    problem (bench, "page %u: %s", request->page,
             error != NULL ? error->message : soup_status_get_phrase (soup_message_get_status (msg)));
  else if (bench->finished % CHECK_EVERY == 0)
    check_answer (bench, request, body);
  g_free (request);
}

static void
send_next (Bench *bench)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *url = NULL;
  g_autofree char *authorization = NULL;
  Request *request;
  guint n = bench->started;
  guint page;
  gboolean filtered;

  if (bench->started >= bench->total || bench->deadline_passed)
    return;
  bench->started++;

  /* Walk the pages, and every fourth request asks for a filtered, sorted
   * list as an incremental sync would. */
  filtered = n % 4 == 3;
  if (filtered)
    {
      page = 1 + n % MAX (bench->n_pages / 2, 1);
      url = g_strdup_printf ("%s/api/wms/sales-orders?per_page=%u&filter%%5BupdatedAt%%3Agt%%5D=" FILTER_SINCE
                             "&sort%%5BupdatedAt%%5D=0&page=%u", bench->base_url, bench->per_page, page);
    }
  else
    {
      page = 1 + n % bench->n_pages;
      url = g_strdup_printf ("%s/api/wms/sales-orders?per_page=%u&page=%u", bench->base_url, bench->per_page, page);
    }

  msg = soup_message_new ("GET", url);
  authorization = g_strconcat ("Bearer ", bench->token, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);

  request = g_new0 (Request, 1);
  request->bench = bench;
  request->page = page;
  request->filtered = filtered;
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

/* The sandbox's own count: one 200 per request made, nothing else. */
static void
check_sandbox_counts (Bench *bench)
{
  g_autofree char *url = g_strconcat (bench->base_url, "/__sandbox/stats", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) statuses = NULL;
  JsonObject *requests;
  gint64 answered = 0, ok;

  body = soup_session_send_and_read (bench->session, msg, NULL, &error);
  if (body == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK ||
      !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      problem (bench, "/__sandbox/stats did not answer");
      return;
    }
  requests = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "requests");
  if (requests == NULL)
    {
      problem (bench, "/__sandbox/stats has no requests");
      return;
    }
  statuses = json_object_get_members (requests);
  for (GList *l = statuses; l != NULL; l = l->next)
    answered += json_object_get_int_member (requests, l->data);
  ok = json_object_get_int_member_with_default (requests, "200", 0);
  g_print ("  the sandbox counted %" G_GINT64_FORMAT " answers, %" G_GINT64_FORMAT " of them 200\n", answered, ok);
  if (ok != bench->finished || answered != bench->finished)
    problem (bench, "the sandbox answered %" G_GINT64_FORMAT " requests (%" G_GINT64_FORMAT " with 200), "
             "the client made %u", answered, ok, bench->finished);
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
  bench.records = records;
  bench.filtered_total = -1;
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
  check_sandbox_counts (&bench);
  g_print ("  %u answers read in full; %u problems%s%s\n", bench.checked, bench.failed,
           bench.first_problem ? ", the first: " : "", bench.first_problem ? bench.first_problem : "");

  g_array_unref (bench.latencies_usec);
  g_object_unref (bench.session);
  g_free (bench.base_url);
  g_free (bench.token);
  g_free (bench.first_problem);

  return bench.failed > 0 ? 1 : 0;
}
