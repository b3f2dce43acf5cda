/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-error.h"
#include "sy-sync-job-private.h"

/* The parts of the sync engine that decide something on their own —
 * keyset paging, the failure policy, progress over time — checked
 * without a server and without sleeping. */

static JsonArray *
page_of (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

/* "k1,k2" for the records of a page, to compare in one assertion. */
static char *
keys_of (JsonArray *page)
{
  g_autoptr(GString) keys = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (page); i++)
    {
      JsonObject *record = json_array_get_object_element (page, i);

      if (i > 0)
        g_string_append_c (keys, ',');
      g_string_append (keys, json_object_get_string_member_with_default (record, "key", "-"));
    }
  return g_string_free (g_steal_pointer (&keys), FALSE);
}

static char *
filter (SySyncKeyset *keyset,
        const char   *json)
{
  g_autoptr(JsonArray) kept = sy_sync_keyset_filter_page (keyset, page_of (json));

  return keys_of (kept);
}

static void
test_keyset_restart_skips_handed_out (void)
{
  SySyncKeyset keyset;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  sy_sync_keyset_init (&keyset);

  first = filter (&keyset, "[{\"key\":\"a\",\"updatedAt\":\"2024-01-01T00:00:01Z\"},"
                           " {\"key\":\"b\",\"updatedAt\":\"2024-01-01T00:00:02Z\"},"
                           " {\"key\":\"c\",\"updatedAt\":\"2024-01-01T00:00:02Z\"}]");
  g_assert_cmpstr (first, ==, "a,b,c");
  g_assert_cmpstr (keyset.boundary, ==, "2024-01-01T00:00:02Z");
  g_assert_true (sy_sync_keyset_should_restart (&keyset));

  /* Listed again from the boundary (gteq): b and c were handed out at
   * that instant, d is new at it, e is later. */
  second = filter (&keyset, "[{\"key\":\"b\",\"updatedAt\":\"2024-01-01T00:00:02Z\"},"
                            " {\"key\":\"c\",\"updatedAt\":\"2024-01-01T00:00:02Z\"},"
                            " {\"key\":\"d\",\"updatedAt\":\"2024-01-01T00:00:02Z\"},"
                            " {\"key\":\"e\",\"updatedAt\":\"2024-01-01T00:00:03Z\"}]");
  g_assert_cmpstr (second, ==, "d,e");
  g_assert_cmpstr (keyset.boundary, ==, "2024-01-01T00:00:03Z");
  g_assert_cmpuint (g_hash_table_size (keyset.boundary_keys), ==, 1);

  sy_sync_keyset_clear (&keyset);
}

/* A record edited during the run comes back later in the order with a
 * newer updatedAt: it is handed out again. */
static void
test_keyset_edited_record_comes_again (void)
{
  SySyncKeyset keyset;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  sy_sync_keyset_init (&keyset);
  first = filter (&keyset, "[{\"key\":\"a\",\"updatedAt\":\"2024-01-01T00:00:01Z\"},"
                           " {\"key\":\"b\",\"updatedAt\":\"2024-01-01T00:00:02Z\"}]");
  second = filter (&keyset, "[{\"key\":\"b\",\"updatedAt\":\"2024-01-01T00:00:02Z\"},"
                            " {\"key\":\"a\",\"updatedAt\":\"2024-01-01T00:00:09Z\"}]");
  g_assert_cmpstr (first, ==, "a,b");
  g_assert_cmpstr (second, ==, "a");
  sy_sync_keyset_clear (&keyset);
}

/* A page of one instant goes on by page number: restarting from that
 * instant would list the same page again. */
static void
test_keyset_single_instant (void)
{
  SySyncKeyset keyset;
  g_autofree char *kept = NULL;

  sy_sync_keyset_init (&keyset);
  kept = filter (&keyset, "[{\"key\":\"a\",\"updatedAt\":\"2024-01-01T00:00:01Z\"},"
                          " {\"key\":\"b\",\"updatedAt\":\"2024-01-01T00:00:01Z\"}]");
  g_assert_cmpstr (kept, ==, "a,b");
  g_assert_true (keyset.single_instant);
  g_assert_false (sy_sync_keyset_should_restart (&keyset));
  sy_sync_keyset_clear (&keyset);
}

/* Without a key or an updatedAt there is no place in the order: keyset
 * paging stops, and the record still goes on (to fail with its reason). */
static void
test_keyset_record_without_place (void)
{
  SySyncKeyset keyset;
  g_autofree char *kept = NULL;

  sy_sync_keyset_init (&keyset);
  kept = filter (&keyset, "[{\"key\":\"a\",\"updatedAt\":\"2024-01-01T00:00:01Z\"},"
                          " {\"updatedAt\":\"2024-01-01T00:00:02Z\"},"
                          " {\"key\":\"c\",\"updatedAt\":\"2024-01-01T00:00:03Z\"}]");
  g_assert_cmpstr (kept, ==, "a,-,c");
  g_assert_true (keyset.disabled);
  g_assert_false (sy_sync_keyset_should_restart (&keyset));
  sy_sync_keyset_clear (&keyset);
}

/* A record before what was asked for: the server ignores the filter.
 * From then on the page is filtered here, against where the run reads
 * from, and the listing is not restarted from the boundary. */
static void
test_keyset_ignored_filter (void)
{
  SySyncKeyset keyset;
  g_autofree char *kept = NULL;

  sy_sync_keyset_init (&keyset);
  sy_sync_keyset_set_floor (&keyset, "2024-01-01T00:00:05Z", FALSE);
  kept = filter (&keyset, "[{\"key\":\"a\",\"updatedAt\":\"2024-01-01T00:00:06Z\"},"
                          " {\"key\":\"b\",\"updatedAt\":\"2024-01-01T00:00:07Z\"},"
                          " {\"key\":\"c\",\"updatedAt\":\"2024-01-01T00:00:05Z\"},"
                          " {\"key\":\"d\",\"updatedAt\":\"2024-01-01T00:00:08Z\"},"
                          " {\"key\":\"e\",\"updatedAt\":\"2024-01-01T00:00:01Z\"}]");
  g_assert_cmpstr (kept, ==, "a,b,d");
  g_assert_true (keyset.untrusted);
  g_assert_false (sy_sync_keyset_should_restart (&keyset));
  sy_sync_keyset_clear (&keyset);
}

/* After a restart from the boundary, a record before it shows the filter
 * ignored too; records out of order on a page show the sort ignored. */
static void
test_keyset_ignored_order (void)
{
  SySyncKeyset keyset;
  SySyncKeyset unsorted;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *kept = NULL;

  sy_sync_keyset_init (&keyset);
  first = filter (&keyset, "[{\"key\":\"a\",\"updatedAt\":\"2024-01-01T00:00:01Z\"},"
                           " {\"key\":\"b\",\"updatedAt\":\"2024-01-01T00:00:02Z\"}]");
  g_assert_true (sy_sync_keyset_should_restart (&keyset));
  sy_sync_keyset_restarted (&keyset);
  g_assert_cmpstr (keyset.lower, ==, "2024-01-01T00:00:02Z");
  second = filter (&keyset, "[{\"key\":\"a\",\"updatedAt\":\"2024-01-01T00:00:01Z\"},"
                            " {\"key\":\"b\",\"updatedAt\":\"2024-01-01T00:00:02Z\"}]");
  g_assert_true (keyset.untrusted);
  /* No floor: the whole listing, handed out again and passed over by the
   * run's results. */
  g_assert_cmpstr (second, ==, "a,b");
  sy_sync_keyset_clear (&keyset);

  sy_sync_keyset_init (&unsorted);
  kept = filter (&unsorted, "[{\"key\":\"a\",\"updatedAt\":\"2024-01-01T00:00:03Z\"},"
                            " {\"key\":\"b\",\"updatedAt\":\"2024-01-01T00:00:02Z\"}]");
  g_assert_true (unsorted.untrusted);
  g_assert_cmpstr (kept, ==, "a,b");
  sy_sync_keyset_clear (&unsorted);
}

/* The same record twice in one answer is noted, both copies handed out
 * (to fail, saying why). */
static void
test_keyset_repeated_record (void)
{
  SySyncKeyset keyset;
  g_autofree char *kept = NULL;

  sy_sync_keyset_init (&keyset);
  kept = filter (&keyset, "[{\"key\":\"a\",\"updatedAt\":\"2024-01-01T00:00:01Z\"},"
                          " {\"key\":\"b\",\"updatedAt\":\"2024-01-01T00:00:02Z\"},"
                          " {\"key\":\"b\",\"updatedAt\":\"2024-01-01T00:00:02Z\"}]");
  g_assert_cmpstr (kept, ==, "a,b,b");
  g_assert_nonnull (keyset.repeated);
  g_assert_cmpstr (g_hash_table_lookup (keyset.repeated, "b"), ==, "2024-01-01T00:00:02Z");
  g_assert_false (g_hash_table_contains (keyset.repeated, "a"));
  g_assert_false (keyset.untrusted);
  sy_sync_keyset_clear (&keyset);
}

static GError *
api_error (SyApiError code,
           guint      status)
{
  return sy_api_error_new_full (code, status, "req-1", code == SY_API_ERROR_RATE_LIMITED ? 7 : 0, NULL, "failed");
}

static void
test_classify_failure (void)
{
  struct
  {
    SyApiError         code;
    guint              status;
    gboolean           was_create;
    SySyncRetryAction  action;
    gboolean           may_have_arrived;
  } cases[] = {
    { SY_API_ERROR_UNAUTHORIZED, 401, FALSE, SY_SYNC_RETRY_FATAL, FALSE },
    { SY_API_ERROR_UNAUTHORIZED, 401, TRUE, SY_SYNC_RETRY_FATAL, TRUE },
    { SY_API_ERROR_FORBIDDEN, 403, FALSE, SY_SYNC_RETRY_FATAL, FALSE },
    { SY_API_ERROR_RATE_LIMITED, 429, TRUE, SY_SYNC_RETRY_PACED, FALSE },
    { SY_API_ERROR_SERVER, 503, TRUE, SY_SYNC_RETRY_BACKOFF, TRUE },
    { SY_API_ERROR_SERVER, 500, FALSE, SY_SYNC_RETRY_BACKOFF, FALSE },
    { SY_API_ERROR_NETWORK, 0, TRUE, SY_SYNC_RETRY_BACKOFF, TRUE },
    { SY_API_ERROR_NETWORK, 0, FALSE, SY_SYNC_RETRY_BACKOFF, FALSE },
    { SY_API_ERROR_INVALID_RESPONSE, 200, TRUE, SY_SYNC_RETRY_BACKOFF, TRUE },
    { SY_API_ERROR_INVALID_RESPONSE, 200, FALSE, SY_SYNC_RETRY_FAIL, FALSE },
    { SY_API_ERROR_VALIDATION, 422, TRUE, SY_SYNC_RETRY_FAIL, FALSE },
    { SY_API_ERROR_NOT_FOUND, 404, FALSE, SY_SYNC_RETRY_FAIL, FALSE },
    { SY_API_ERROR_HTTP, 409, TRUE, SY_SYNC_RETRY_FAIL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = api_error (cases[i].code, cases[i].status);
      gboolean may_have_arrived = !cases[i].may_have_arrived;

      g_test_message ("case %u: status %u, create %d", i, cases[i].status, cases[i].was_create);
      g_assert_cmpint (sy_sync_classify_failure (error, cases[i].was_create, &may_have_arrived), ==,
                       cases[i].action);
      g_assert_cmpint (may_have_arrived, ==, cases[i].may_have_arrived);
    }
}

static void
test_classify_cancelled (void)
{
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  g_autoptr(GError) prefixed = api_error (SY_API_ERROR_UNAUTHORIZED, 401);
  gboolean may_have_arrived;

  g_assert_cmpint (sy_sync_classify_failure (cancelled, TRUE, &may_have_arrived), ==, SY_SYNC_RETRY_ABANDON);
  g_assert_false (may_have_arrived);

  /* Context added with g_prefix_error keeps what decides. */
  g_prefix_error (&prefixed, "Writing the target failed: ");
  g_assert_cmpint (sy_sync_classify_failure (prefixed, FALSE, &may_have_arrived), ==, SY_SYNC_RETRY_FATAL);
  g_assert_cmpuint (sy_api_error_get_status (prefixed), ==, 401);
  g_assert_cmpstr (sy_api_error_get_request_id (prefixed), ==, "req-1");
}

static void
test_payload_hash_canonical (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *one = NULL;
  g_autofree char *two = NULL;
  g_autofree char *three = NULL;

  g_assert_true (json_parser_load_from_data (parser, "{\"b\":1,\"a\":{\"y\":[1,2],\"x\":\"s\"}}", -1, NULL));
  one = sy_sync_payload_hash (json_parser_get_root (parser));
  g_assert_true (json_parser_load_from_data (parser, "{\"a\":{\"x\":\"s\",\"y\":[1,2]},\"b\":1}", -1, NULL));
  two = sy_sync_payload_hash (json_parser_get_root (parser));
  g_assert_true (json_parser_load_from_data (parser, "{\"a\":{\"x\":\"s\",\"y\":[2,1]},\"b\":1}", -1, NULL));
  three = sy_sync_payload_hash (json_parser_get_root (parser));

  g_assert_cmpstr (one, ==, two);
  g_assert_cmpstr (one, !=, three);
}

typedef struct
{
  gint64 now;
} FakeClock;

static gint64
fake_clock (gpointer user_data)
{
  return ((FakeClock *) user_data)->now;
}

/* No ETA from the first few records: "about 1 second left" at 10 of 300
 * records was a promise the rate could not keep. It comes once the job
 * has run a few seconds and done 2 % of the total or 50 records. */
static void
test_progress_eta_waits (void)
{
  g_autoptr(SySyncProgress) progress = sy_sync_progress_new ();
  g_autoptr(SySyncProgress) large = sy_sync_progress_new ();
  FakeClock clock = { 1000 * G_USEC_PER_SEC };
  g_autofree char *early = NULL;
  g_autofree char *enough_done = NULL;
  g_autofree char *later = NULL;

  sy_sync_progress_set_clock (progress, fake_clock, &clock);
  sy_sync_progress_set_clock (large, fake_clock, &clock);
  sy_sync_progress_set_state (progress, SY_SYNC_JOB_STATE_RUNNING);
  sy_sync_progress_set_total (progress, 300);
  sy_sync_progress_set_state (large, SY_SYNC_JOB_STATE_RUNNING);
  sy_sync_progress_set_total (large, 1000000);

  /* Fast records at once: a rate, but not yet an ETA. */
  sy_sync_progress_set_counts (progress, 5, 5, 0, 0, 0);
  clock.now += G_USEC_PER_SEC / 5;
  sy_sync_progress_set_counts (progress, 10, 10, 0, 0, 0);
  g_assert_cmpfloat_with_epsilon (sy_sync_progress_get_throughput (progress), 25.0, 0.01);
  g_assert_cmpint (sy_sync_progress_get_eta (progress), ==, -1);
  early = sy_sync_progress_describe (progress);
  g_test_message ("Early: %s", early);
  g_assert_null (strstr (early, "left"));

  /* Enough records, still too early. */
  sy_sync_progress_set_counts (progress, 100, 100, 0, 0, 0);
  g_assert_cmpint (sy_sync_progress_get_eta (progress), ==, -1);
  enough_done = sy_sync_progress_describe (progress);
  g_assert_null (strstr (enough_done, "left"));

  /* Running long enough: 150 of 300 is plenty, while 40 of a million
   * (under 2 % and under 50 records) is not. */
  sy_sync_progress_set_counts (large, 20, 20, 0, 0, 0);
  clock.now += 3 * G_USEC_PER_SEC + G_USEC_PER_SEC / 5;
  sy_sync_progress_set_counts (progress, 150, 150, 0, 0, 0);
  sy_sync_progress_set_counts (large, 40, 40, 0, 0, 0);
  g_assert_cmpint (sy_sync_progress_get_eta (progress), >, 0);
  g_assert_cmpint (sy_sync_progress_get_elapsed (progress), ==, 3);
  later = sy_sync_progress_describe (progress);
  g_test_message ("Later: %s", later);
  g_assert_nonnull (strstr (later, "left"));
  g_assert_cmpint (sy_sync_progress_get_eta (large), ==, -1);

  /* 50 records is enough however large the total. */
  sy_sync_progress_set_counts (large, 50, 50, 0, 0, 0);
  g_assert_cmpint (sy_sync_progress_get_eta (large), >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync-units/keyset/restart-skips-handed-out", test_keyset_restart_skips_handed_out);
  g_test_add_func ("/sync-units/keyset/edited-record-comes-again", test_keyset_edited_record_comes_again);
  g_test_add_func ("/sync-units/keyset/single-instant", test_keyset_single_instant);
  g_test_add_func ("/sync-units/keyset/record-without-place", test_keyset_record_without_place);
  g_test_add_func ("/sync-units/keyset/ignored-filter", test_keyset_ignored_filter);
  g_test_add_func ("/sync-units/keyset/ignored-order", test_keyset_ignored_order);
  g_test_add_func ("/sync-units/keyset/repeated-record", test_keyset_repeated_record);
  g_test_add_func ("/sync-units/classify/api-errors", test_classify_failure);
  g_test_add_func ("/sync-units/classify/cancelled-and-prefixed", test_classify_cancelled);
  g_test_add_func ("/sync-units/payload-hash/canonical", test_payload_hash_canonical);
  g_test_add_func ("/sync-units/progress/eta-waits", test_progress_eta_waits);

  return g_test_run ();
}
