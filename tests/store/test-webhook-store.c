/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sqlite3.h>

#include "sy-state-store.h"
#include "sy-state-store-webhooks.h"
#include "sy-test-support.h"

/* The webhook_events table of state.db, on a real file with the real
 * SQLite: events stored once, repeats recognised, refusals kept apart. */

typedef struct
{
  char         *dir;
  char         *state_dir;
  SyStateStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = sy_test_make_tmpdir ("webhook-store");
  fixture->state_dir = g_build_filename (fixture->dir, "state", NULL);
  fixture->store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->store);
  sy_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->state_dir);
}

static SyWebhookEvent *
make_event (const char *connection_id,
            const char *event_id,
            const char *body_hash,
            const char *verdict)
{
  SyWebhookEvent *event = sy_webhook_event_new ();

  event->connection_id = g_strdup (connection_id);
  event->event_id = g_strdup (event_id);
  event->body_hash = g_strdup (body_hash);
  event->verdict = g_strdup (verdict);
  event->event_type = g_strdup ("record.updated");
  event->entity = g_strdup ("wms/sales-orders");
  event->record_key = g_strdup ("SO-1");
  return event;
}

static gint64
add (Fixture              *fixture,
     const SyWebhookEvent *event,
     gboolean              expect_new)
{
  g_autoptr(GError) error = NULL;
  gboolean is_new = !expect_new;
  gint64 row_id = 0;

  g_assert_true (sy_state_store_add_webhook_event (fixture->store, event, &is_new, &row_id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (is_new, ==, expect_new);
  g_assert_cmpint (row_id, >, 0);
  return row_id;
}

static void
test_add_and_repeat (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(SyWebhookEvent) first = make_event ("conn-a", "evt-1", "aaaa", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(SyWebhookEvent) again = make_event ("conn-a", "evt-1", "bbbb", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(SyWebhookEvent) other_connection = make_event ("conn-b", "evt-1", "aaaa", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(SyWebhookEvent) second = make_event ("conn-a", "evt-2", "aaaa", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  gint64 row, repeat_row;
  SyWebhookEvent *newest;

  row = add (fixture, first, TRUE);
  /* The same id is the same event, whatever the bytes. */
  repeat_row = add (fixture, again, FALSE);
  g_assert_cmpint (repeat_row, ==, row);
  /* Ids are the sender's, per connection. */
  add (fixture, other_connection, TRUE);
  /* Another id with the same bytes is another event when ids are given. */
  add (fixture, second, TRUE);

  events = sy_state_store_list_webhook_events (fixture->store, "conn-a", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 2);
  newest = g_ptr_array_index (events, 0);
  g_assert_cmpstr (newest->event_id, ==, "evt-2");
  g_assert_cmpstr (newest->connection_id, ==, "conn-a");
  g_assert_cmpstr (newest->entity, ==, "wms/sales-orders");
  g_assert_cmpstr (newest->record_key, ==, "SO-1");
  g_assert_cmpstr (newest->event_type, ==, "record.updated");
  g_assert_cmpstr (newest->verdict, ==, SY_WEBHOOK_VERDICT_ACCEPTED);
  g_assert_null (newest->reason);
  g_assert_cmpint (newest->acted_at, ==, 0);
  g_assert_null (newest->triggered);
  g_assert_cmpint (newest->received_at, >, 0);
  g_assert_cmpstr (((SyWebhookEvent *) g_ptr_array_index (events, 1))->event_id, ==, "evt-1");

  g_clear_pointer (&events, g_ptr_array_unref);
  events = sy_state_store_list_webhook_events (fixture->store, "conn-a", 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);
}

static void
test_without_id_by_body (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(SyWebhookEvent) first = make_event ("conn-a", NULL, "1111", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(SyWebhookEvent) other = make_event ("conn-a", NULL, "2222", SY_WEBHOOK_VERDICT_ACCEPTED);
  gint64 row;

  row = add (fixture, first, TRUE);
  g_assert_cmpint (add (fixture, first, FALSE), ==, row);
  add (fixture, other, TRUE);
}

/* A forged delivery that names an id must not take it from the genuine
 * one that comes later. */
static void
test_rejected_claims_nothing (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(SyWebhookEvent) forged = make_event ("conn-a", "evt-1", "ffff", SY_WEBHOOK_VERDICT_REJECTED);
  g_autoptr(SyWebhookEvent) genuine = make_event ("conn-a", "evt-1", "aaaa", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  SyWebhookEvent *stored;

  forged->reason = g_strdup ("the signature does not match");
  add (fixture, forged, TRUE);
  /* Refusals are kept every time: each is a delivery someone sent. */
  add (fixture, forged, TRUE);
  add (fixture, genuine, TRUE);
  add (fixture, genuine, FALSE);

  events = sy_state_store_list_webhook_events (fixture->store, "conn-a", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 3);
  stored = g_ptr_array_index (events, 2);
  g_assert_cmpstr (stored->verdict, ==, SY_WEBHOOK_VERDICT_REJECTED);
  g_assert_cmpstr (stored->reason, ==, "the signature does not match");
}

static void
test_rejected_bounded (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(SyWebhookEvent) genuine = make_event ("conn-a", "evt-1", "aaaa", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  guint rejected = 0, accepted = 0;

  add (fixture, genuine, TRUE);
  for (guint i = 0; i < 520; i++)
    {
      g_autofree char *hash = g_strdup_printf ("%04x", i);
      g_autoptr(SyWebhookEvent) forged = make_event ("conn-a", NULL, hash, SY_WEBHOOK_VERDICT_REJECTED);

      add (fixture, forged, TRUE);
    }

  events = sy_state_store_list_webhook_events (fixture->store, "conn-a", 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    {
      SyWebhookEvent *event = g_ptr_array_index (events, i);

      if (g_strcmp0 (event->verdict, SY_WEBHOOK_VERDICT_ACCEPTED) == 0)
        accepted++;
      else
        rejected++;
    }
  /* The accepted event is never pruned; the newest refusals are kept. */
  g_assert_cmpuint (accepted, ==, 1);
  g_assert_cmpuint (rejected, ==, 500);
  g_assert_cmpstr (((SyWebhookEvent *) g_ptr_array_index (events, 0))->body_hash, ==, "0207");
}

/* Accepted deliveries older than a month go (checked every 256th row);
 * the recent ones stay, still recognised as repeats. */
static void
test_accepted_bounded (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(SyWebhookEvent) old = make_event ("conn-a", "evt-old", "0ld0", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(SyWebhookEvent) recent = make_event ("conn-a", "evt-recent", "4ece", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(SyWebhookEvent) other = make_event ("conn-b", "evt-other", "07e4", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  old->received_at = g_get_real_time () / G_USEC_PER_SEC - 40 * 24 * 60 * 60;
  other->received_at = old->received_at;
  recent->received_at = g_get_real_time () / G_USEC_PER_SEC - 2 * 24 * 60 * 60;
  add (fixture, old, TRUE);
  add (fixture, other, TRUE);
  add (fixture, recent, TRUE);
  for (guint i = 0; i < 260; i++)
    {
      g_autofree char *id = g_strdup_printf ("evt-%u", i);
      g_autofree char *hash = g_strdup_printf ("%04x", i);
      g_autoptr(SyWebhookEvent) event = make_event ("conn-a", id, hash, SY_WEBHOOK_VERDICT_ACCEPTED);

      add (fixture, event, TRUE);
    }

  events = sy_state_store_list_webhook_events (fixture->store, "conn-a", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 261);
  for (guint i = 0; i < events->len; i++)
    g_assert_cmpstr (((SyWebhookEvent *) g_ptr_array_index (events, i))->event_id, !=, "evt-old");
  add (fixture, recent, FALSE);
  /* Another connection's are its own to prune. */
  g_clear_pointer (&events, g_ptr_array_unref);
  events = sy_state_store_list_webhook_events (fixture->store, "conn-b", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);
}

static void
test_mark_and_delete (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(SyWebhookEvent) event = make_event ("conn-a", "evt-1", "aaaa", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(SyWebhookEvent) kept = make_event ("conn-b", "evt-1", "aaaa", SY_WEBHOOK_VERDICT_ACCEPTED);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  SyWebhookEvent *stored;
  gint64 row;

  row = add (fixture, event, TRUE);
  add (fixture, kept, TRUE);

  sy_state_store_mark_webhook_event_async (fixture->store, row, "sync run 7", NULL,
                                           sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_state_store_mark_webhook_event_finish (fixture->store, result, &error));
  g_assert_no_error (error);

  g_assert_false (sy_state_store_mark_webhook_event (fixture->store, row + 100, "nothing", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_clear_object (&result);
  sy_state_store_list_webhook_events_async (fixture->store, "conn-a", 10, NULL,
                                            sy_test_store_result, &result);
  sy_test_await (&result);
  events = sy_state_store_list_webhook_events_finish (fixture->store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);
  stored = g_ptr_array_index (events, 0);
  g_assert_cmpstr (stored->triggered, ==, "sync run 7");
  g_assert_cmpint (stored->acted_at, >, 0);

  g_assert_true (sy_state_store_delete_webhook_events (fixture->store, "conn-a", &error));
  g_assert_no_error (error);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = sy_state_store_list_webhook_events (fixture->store, "conn-a", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 0);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = sy_state_store_list_webhook_events (fixture->store, "conn-b", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);
}

/* Many adds in flight at once on the worker: each id is new exactly once. */
static void
test_async_burst (Fixture       *fixture,
                  gconstpointer  data)
{
  enum { N = 200 };
  GAsyncResult *results[N] = { NULL };
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  guint new_count = 0;

  for (guint i = 0; i < N; i++)
    {
      /* Every id twice. */
      g_autofree char *id = g_strdup_printf ("evt-%u", i / 2);
      g_autoptr(SyWebhookEvent) event = make_event ("conn-a", id, "aaaa", SY_WEBHOOK_VERDICT_ACCEPTED);

      sy_state_store_add_webhook_event_async (fixture->store, event, NULL, sy_test_store_result, &results[i]);
    }
  for (guint i = 0; i < N; i++)
    {
      gboolean is_new = FALSE;

      sy_test_await (&results[i]);
      g_assert_true (sy_state_store_add_webhook_event_finish (fixture->store, results[i], &is_new, NULL, &error));
      g_assert_no_error (error);
      new_count += is_new;
      g_clear_object (&results[i]);
    }
  g_assert_cmpuint (new_count, ==, N / 2);

  events = sy_state_store_list_webhook_events (fixture->store, "conn-a", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, N / 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/webhook-store/add-and-repeat", test_add_and_repeat);
  ADD ("/webhook-store/without-id-by-body", test_without_id_by_body);
  ADD ("/webhook-store/rejected-claims-nothing", test_rejected_claims_nothing);
  ADD ("/webhook-store/rejected-bounded", test_rejected_bounded);
  ADD ("/webhook-store/accepted-bounded", test_accepted_bounded);
  ADD ("/webhook-store/mark-and-delete", test_mark_and_delete);
  ADD ("/webhook-store/async-burst", test_async_burst);
#undef ADD

  return g_test_run ();
}
