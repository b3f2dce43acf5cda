/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "sy-automation.h"
#include "sy-cli-test-support.h"
#include "sy-sandbox-client.h"
#include "sy-state-store-sync.h"
#include "sy-state-store-webhooks.h"
#include "sy-test-support.h"

/* SyAutomation against a real switchyard-sandbox, real connections with
 * their tokens in the test session's keyring and a real state.db; only
 * time is the test's (a manual SyClock), so that a schedule of minutes
 * comes due at once. */

#define SOURCE_ENTITY "wms/sales-orders"
#define TARGET_ENTITY "erp/sales-orders"

typedef struct
{
  SyCliFixture       cli;
  SoupSession       *session;
  SyConnectionStore *connections;
  SySecretStore     *secrets;
  SyStateStore      *state;
  SyClock           *clock;
  SyAutomation      *automation;
  SyMapping         *mapping;

  guint              started;
  gint64             last_resumed;  /* of the last run started */
  guint              queued;
  guint              finished;
  GPtrArray         *causes;      /* of each run started */
  GPtrArray         *runs;        /* SySyncRun of each run finished */
  GPtrArray         *errors;      /* messages of runs that ended in an error */
} Fixture;

static void
on_run_started (SyAutomation *automation,
                SyMapping    *mapping,
                const char   *cause,
                gint64        resumed,
                Fixture      *fixture)
{
  fixture->started++;
  fixture->last_resumed = resumed;
  g_ptr_array_add (fixture->causes, g_strdup (cause));
}

static void
on_run_queued (SyAutomation *automation,
               SyMapping    *mapping,
               const char   *cause,
               Fixture      *fixture)
{
  fixture->queued++;
}

static void
on_run_finished (SyAutomation *automation,
                 SyMapping    *mapping,
                 const char   *cause,
                 SySyncRun    *run,
                 GError       *error,
                 Fixture      *fixture)
{
  fixture->finished++;
  if (run != NULL)
    g_ptr_array_add (fixture->runs, sy_sync_run_copy (run));
  if (error != NULL)
    g_ptr_array_add (fixture->errors, g_strdup (error->message));
}

/* The example mapping (between the connections "wms" and "erp") plus the
 * field /__sandbox/touch edits, so that an edit changes what the target
 * must hold; automation as given (a JSON object's text). */
static SyMapping *
make_mapping (const char *automation)
{
  g_autofree char *text = g_strdup_printf (
    "{\n  \"version\": 1,\n  \"name\": \"Orders\",\n"
    "  \"source\": {\"connection\": \"wms\", \"entity\": \"" SOURCE_ENTITY "\"},\n"
    "  \"target\": {\"connection\": \"erp\", \"entity\": \"" TARGET_ENTITY "\"},\n"
    "  \"match\": {\"source\": \"key\", \"target\": \"code\"},\n"
    "  \"automation\": %s,\n"
    "  \"fields\": [\n"
    "    {\"target\": \"code\", \"source\": \"key\"},\n"
    "    {\"target\": \"orderNumber\", \"source\": \"orderNumber\", \"required\": true},\n"
    "    {\"target\": \"currencyKey\", \"source\": \"currencyKey\", \"transform\": {\"lookup\": {\"GBP\": \"1\"}}, \"default\": \"1\"},\n"
    "    {\"target\": \"statusKey\", \"value\": \"pending\"},\n"
    "    {\"target\": \"shipmentAddress.addressee\", \"source\": \"shipmentAddress.addressee\"},\n"
    "    {\"target\": \"lines\", \"source\": \"lines\", \"each\": [\n"
    "      {\"target\": \"productKey\", \"source\": \"productKey\"},\n"
    "      {\"target\": \"quantity\", \"source\": \"quantity\", \"transform\": {\"number\": {\"scale\": 0}}}]}\n"
    "  ]\n}\n", automation);
  g_autoptr(GError) error = NULL;
  SyMapping *mapping = sy_mapping_new_from_data (text, -1, "orders.json", &error);

  g_assert_no_error (error);
  return mapping;
}

static GDateTime *
local_time (const char *zone,
            int year, int month, int day, int hour, int minute)
{
  g_autoptr(GTimeZone) timezone = g_time_zone_new_identifier (zone);

  g_assert_nonnull (timezone);
  return g_date_time_new (timezone, year, month, day, hour, minute, 0);
}

static void
fixture_set_up (Fixture            *fixture,
                const char * const *sandbox_args,
                gboolean            with_sandbox)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) start = local_time ("Europe/London", 2026, 3, 27, 12, 0);

  sy_cli_fixture_set_up (&fixture->cli, "automation", FALSE);
  if (with_sandbox)
    {
      fixture->cli.sandbox = sy_test_start_sandbox (sandbox_args);
      sy_cli_add_connection (&fixture->cli, "wms", "wms");
      sy_cli_add_connection (&fixture->cli, "erp", "erp");
    }
  fixture->session = soup_session_new_with_options ("timeout", 60, NULL);
  fixture->connections = sy_connection_store_new (fixture->cli.config_dir);
  sy_connection_store_load (fixture->connections, &error);
  g_assert_no_error (error);
  fixture->secrets = sy_secret_store_new ();
  fixture->state = sy_state_store_open (fixture->cli.state_dir, &error);
  g_assert_no_error (error);
  fixture->clock = sy_clock_new_manual (start);
  fixture->causes = g_ptr_array_new_with_free_func (g_free);
  fixture->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_sync_run_free);
  fixture->errors = g_ptr_array_new_with_free_func (g_free);
}

static void
new_automation (Fixture   *fixture,
                SyMapping *mapping)
{
  SySyncOptions options;

  g_clear_object (&fixture->automation);
  fixture->automation = sy_automation_new (fixture->state, fixture->connections, fixture->secrets, fixture->clock);
  sy_sync_options_init (&options);
  options.batch_size = 10;
  sy_automation_set_sync_options (fixture->automation, &options);
  sy_automation_add_mapping (fixture->automation, mapping);
  g_signal_connect (fixture->automation, "run-started", G_CALLBACK (on_run_started), fixture);
  g_signal_connect (fixture->automation, "run-queued", G_CALLBACK (on_run_queued), fixture);
  g_signal_connect (fixture->automation, "run-finished", G_CALLBACK (on_run_finished), fixture);
}

static void
start_automation (Fixture *fixture)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_automation_start_async (fixture->automation, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_automation_start_finish (fixture->automation, result, &error));
  g_assert_no_error (error);
}

static void
stop_automation (Fixture *fixture)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_automation_stop_async (fixture->automation, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_automation_stop_finish (fixture->automation, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sy_automation_get_n_running (fixture->automation), ==, 0);
}

static void
fixture_tear_down (Fixture *fixture)
{
  if (fixture->automation != NULL)
    stop_automation (fixture);
  g_clear_object (&fixture->automation);
  g_clear_object (&fixture->mapping);
  g_clear_object (&fixture->clock);
  g_clear_object (&fixture->state);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->connections);
  g_clear_object (&fixture->session);
  g_clear_pointer (&fixture->causes, g_ptr_array_unref);
  g_clear_pointer (&fixture->runs, g_ptr_array_unref);
  g_clear_pointer (&fixture->errors, g_ptr_array_unref);
  sy_cli_fixture_tear_down (&fixture->cli);
}

static void
wait_finished (Fixture *fixture,
               guint    count)
{
  while (fixture->finished < count)
    g_main_context_iteration (NULL, TRUE);
}

static void
assert_no_run_errors (Fixture *fixture)
{
  for (guint i = 0; i < fixture->errors->len; i++)
    g_test_message ("run error: %s", (const char *) g_ptr_array_index (fixture->errors, i));
  g_assert_cmpuint (fixture->errors->len, ==, 0);
}

static const char *
addressee (JsonObject *record)
{
  JsonObject *address;

  if (!json_object_has_member (record, "shipmentAddress") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (record, "shipmentAddress")))
    return NULL;
  address = json_object_get_object_member (record, "shipmentAddress");
  return json_object_get_string_member_with_default (address, "addressee", NULL);
}

/* Every source order is in the target once, with the addressee the
 * source has now. */
static void
assert_in_step (Fixture *fixture)
{
  g_autoptr(GPtrArray) source = sy_sandbox_client_list_all (fixture->cli.sandbox, fixture->session, "wms",
                                                            SOURCE_ENTITY);
  g_autoptr(GPtrArray) target = sy_sandbox_client_list_all (fixture->cli.sandbox, fixture->session, "erp",
                                                            TARGET_ENTITY);
  g_autoptr(GHashTable) by_code = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpuint (source->len, >, 0);
  g_assert_cmpuint (target->len, ==, source->len);
  g_assert_cmpint (sy_sandbox_client_duplicates (fixture->cli.sandbox, fixture->session, TARGET_ENTITY, "code"), ==, 0);
  for (guint i = 0; i < target->len; i++)
    {
      JsonObject *record = g_ptr_array_index (target, i);

      g_hash_table_insert (by_code, (gpointer) json_object_get_string_member (record, "code"), record);
    }
  for (guint i = 0; i < source->len; i++)
    {
      JsonObject *record = g_ptr_array_index (source, i);
      JsonObject *written = g_hash_table_lookup (by_code, json_object_get_string_member (record, "key"));

      g_assert_nonnull (written);
      g_assert_cmpstr (addressee (written), ==, addressee (record));
    }
}

static void
touch (Fixture *fixture,
       guint    count)
{
  g_autofree char *path = g_strdup_printf ("/__sandbox/touch?entity=" SOURCE_ENTITY "&count=%u", count);
  g_autoptr(JsonNode) answer = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "POST", path);

  g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "touched"), ==, count);
}

static GPtrArray *
list_runs (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *runs = sy_state_store_list_runs (fixture->state, NULL, 0, &error);

  g_assert_no_error (error);
  return runs;
}

/* ---- tests ---- */

static void
test_schedule_fires (void)
{
  const char * const args[] = { "--records", "40", "--seed", "3", NULL };
  Fixture fixture = { 0 };
  g_autoptr(GDateTime) due = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GPtrArray) runs = NULL;

  fixture_set_up (&fixture, args, TRUE);
  fixture.mapping = make_mapping ("{\"every_minutes\": 10}");
  new_automation (&fixture, fixture.mapping);

  /* Never ran: it runs at start. */
  start_automation (&fixture);
  g_assert_cmpuint (fixture.started, ==, 1);
  wait_finished (&fixture, 1);
  assert_no_run_errors (&fixture);
  assert_in_step (&fixture);

  /* The next one counts from that start. */
  due = sy_automation_dup_next_due (fixture.automation, fixture.mapping);
  now = sy_clock_get_now (fixture.clock);
  g_assert_nonnull (due);
  g_assert_cmpint (g_date_time_difference (due, now), ==, 10 * G_TIME_SPAN_MINUTE);

  touch (&fixture, 5);
  sy_clock_advance (fixture.clock, 9 * G_TIME_SPAN_MINUTE + 59 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (fixture.started, ==, 1);
  sy_clock_advance (fixture.clock, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (fixture.started, ==, 2);
  wait_finished (&fixture, 2);
  assert_no_run_errors (&fixture);
  assert_in_step (&fixture);

  /* Both are in state.db as scheduled, incremental, finished runs. */
  runs = list_runs (&fixture);
  g_assert_cmpuint (runs->len, ==, 2);
  for (guint i = 0; i < runs->len; i++)
    {
      SySyncRun *run = g_ptr_array_index (runs, i);

      g_assert_cmpstr (run->cause, ==, "scheduled");
      g_assert_cmpint (run->state, ==, SY_SYNC_RUN_STATE_FINISHED);
      g_assert_false (run->options.full);
    }
  /* The second read only what changed since the first. */
  g_assert_cmpuint (((SySyncRun *) g_ptr_array_index (runs, 0))->read, ==, 5);
  g_assert_cmpuint (((SySyncRun *) g_ptr_array_index (runs, 0))->updated, ==, 5);

  fixture_tear_down (&fixture);
}

static void
test_overlapping_schedule_is_queued (void)
{
  const char * const args[] = { "--records", "60", "--seed", "5", NULL };
  Fixture fixture = { 0 };
  g_autoptr(GPtrArray) runs = NULL;

  fixture_set_up (&fixture, args, TRUE);
  fixture.mapping = make_mapping ("{\"every_minutes\": 1}");
  new_automation (&fixture, fixture.mapping);
  start_automation (&fixture);
  g_assert_cmpuint (fixture.started, ==, 1);
  g_assert_cmpuint (sy_automation_get_n_running (fixture.automation), ==, 1);

  /* The run has not ended (it has not been given the main loop yet) when
   * its schedule comes due, again and again: one run is queued. */
  for (guint i = 0; i < 5; i++)
    sy_clock_advance (fixture.clock, 61 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (fixture.started, ==, 1);
  g_assert_cmpuint (fixture.queued, ==, 1);
  g_assert_null (sy_automation_dup_next_due (fixture.automation, fixture.mapping));

  /* It starts after the first one, and only then is the next time set. */
  wait_finished (&fixture, 1);
  g_assert_cmpuint (fixture.started, ==, 2);
  wait_finished (&fixture, 2);
  g_assert_cmpuint (fixture.started, ==, 2);
  assert_no_run_errors (&fixture);
  assert_in_step (&fixture);

  runs = list_runs (&fixture);
  g_assert_cmpuint (runs->len, ==, 2);
  g_assert_cmpstr (((SySyncRun *) g_ptr_array_index (runs, 0))->cause, ==, "scheduled");
  g_assert_cmpstr (((SySyncRun *) g_ptr_array_index (runs, 1))->cause, ==, "scheduled");
  {
    g_autoptr(GDateTime) due = sy_automation_dup_next_due (fixture.automation, fixture.mapping);

    g_assert_nonnull (due);
  }

  fixture_tear_down (&fixture);
}

static void
test_burst_of_changes_coalesces (void)
{
  const char * const args[] = { "--records", "50", "--seed", "7", NULL };
  Fixture fixture = { 0 };
  g_autoptr(GPtrArray) runs = NULL;

  fixture_set_up (&fixture, args, TRUE);
  fixture.mapping = make_mapping ("{\"on_changes\": true}");
  new_automation (&fixture, fixture.mapping);
  start_automation (&fixture);
  /* No schedule: nothing runs by itself. */
  g_assert_cmpuint (fixture.started, ==, 0);
  g_assert_null (sy_automation_dup_next_due (fixture.automation, fixture.mapping));
  sy_clock_advance (fixture.clock, 24 * G_TIME_SPAN_HOUR);
  g_assert_cmpuint (fixture.started, ==, 0);

  /* Changes elsewhere start nothing. */
  sy_automation_notify_change (fixture.automation, "erp", SOURCE_ENTITY);
  sy_automation_notify_change (fixture.automation, "wms", "wms/products");
  g_assert_cmpuint (fixture.started, ==, 0);

  sy_automation_notify_change (fixture.automation, "wms", SOURCE_ENTITY);
  g_assert_cmpuint (fixture.started, ==, 1);
  wait_finished (&fixture, 1);
  assert_no_run_errors (&fixture);

  /* A change, then a burst of 100 during the run it starts: one more run. */
  touch (&fixture, 4);
  sy_automation_notify_change (fixture.automation, "WMS", SOURCE_ENTITY);
  g_assert_cmpuint (fixture.started, ==, 2);
  for (guint i = 0; i < 100; i++)
    sy_automation_notify_change (fixture.automation, "wms", SOURCE_ENTITY);
  touch (&fixture, 7);
  g_assert_cmpuint (fixture.started, ==, 2);
  g_assert_cmpuint (fixture.queued, ==, 1);

  /* The queued run waits for the changes to be quiet for a second, each
   * one starting the wait again, and for ten seconds at the most. */
  wait_finished (&fixture, 2);
  g_assert_cmpuint (fixture.started, ==, 2);
  sy_clock_advance (fixture.clock, G_USEC_PER_SEC / 2);
  sy_automation_notify_change (fixture.automation, "wms", SOURCE_ENTITY);
  sy_clock_advance (fixture.clock, G_USEC_PER_SEC / 2);
  g_assert_cmpuint (fixture.started, ==, 2);
  sy_clock_advance (fixture.clock, G_USEC_PER_SEC / 2);
  g_assert_cmpuint (fixture.started, ==, 3);
  wait_finished (&fixture, 3);
  g_assert_cmpuint (fixture.started, ==, 3);
  g_assert_cmpuint (fixture.queued, ==, 1);
  assert_no_run_errors (&fixture);
  assert_in_step (&fixture);

  runs = list_runs (&fixture);
  g_assert_cmpuint (runs->len, ==, 3);
  for (guint i = 0; i < runs->len; i++)
    g_assert_cmpstr (((SySyncRun *) g_ptr_array_index (runs, i))->cause, ==, "webhook");

  fixture_tear_down (&fixture);
}

typedef struct
{
  Fixture *fixture;
  guint    source_id;
} StopWatch;

/* Stops once the target holds a record: the run is then between batches
 * or in one, whatever the machine's speed. */
static gboolean
stop_when_target_written (gpointer user_data)
{
  StopWatch *watch = user_data;

  if (sy_sandbox_client_count (watch->fixture->cli.sandbox, watch->fixture->session, TARGET_ENTITY) == 0)
    return G_SOURCE_CONTINUE;
  watch->source_id = 0;
  return G_SOURCE_REMOVE;
}

static void
test_stop_then_resume (void)
{
  const char * const args[] = { "--records", "300", "--seed", "9", "--latency-ms", "20", NULL };
  Fixture fixture = { 0 };
  StopWatch watch = { &fixture, 0 };
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) after = NULL;
  SySyncRun *stopped;
  gint64 stopped_id;

  fixture_set_up (&fixture, args, TRUE);
  fixture.mapping = make_mapping ("{\"every_minutes\": 60}");
  new_automation (&fixture, fixture.mapping);
  start_automation (&fixture);
  g_assert_cmpuint (fixture.started, ==, 1);
  g_assert_cmpint (fixture.last_resumed, ==, 0);

  watch.source_id = g_timeout_add (20, stop_when_target_written, &watch);
  while (watch.source_id != 0 && fixture.finished == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (fixture.finished, ==, 0);
  stop_automation (&fixture);

  g_assert_cmpuint (fixture.finished, ==, 1);
  g_assert_cmpuint (fixture.runs->len, ==, 1);
  stopped = g_ptr_array_index (fixture.runs, 0);
  g_assert_cmpint (stopped->state, ==, SY_SYNC_RUN_STATE_STOPPED);
  g_assert_cmpstr (stopped->cause, ==, "scheduled");
  g_assert_cmpuint (stopped->read, <, 300);
  stopped_id = stopped->id;
  /* Stopping is the one error of that run. */
  g_assert_cmpuint (fixture.errors->len, ==, 1);
  g_ptr_array_set_size (fixture.errors, 0);

  /* Stopped: the clock moving on starts nothing. */
  sy_clock_advance (fixture.clock, 2 * G_TIME_SPAN_HOUR);
  g_assert_cmpuint (fixture.started, ==, 1);

  /* A new start (as after a restart) resumes that run, not a new one; a
   * change announced before the start has finished waits behind it. */
  g_clear_object (&fixture.mapping);
  fixture.mapping = make_mapping ("{\"every_minutes\": 60, \"on_changes\": true}");
  new_automation (&fixture, fixture.mapping);
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    sy_automation_start_async (fixture.automation, NULL, sy_test_store_result, &result);
    sy_automation_notify_change (fixture.automation, "wms", SOURCE_ENTITY);
    g_assert_cmpuint (fixture.started, ==, 1);
    sy_test_await (&result);
    g_assert_true (sy_automation_start_finish (fixture.automation, result, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpuint (fixture.started, ==, 2);
  g_assert_cmpuint (fixture.queued, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture.causes, 1), ==, "scheduled");
  g_assert_cmpint (fixture.last_resumed, ==, stopped_id);
  wait_finished (&fixture, 2);
  assert_no_run_errors (&fixture);
  g_assert_cmpint (((SySyncRun *) g_ptr_array_index (fixture.runs, 1))->id, ==, stopped_id);
  g_assert_cmpint (((SySyncRun *) g_ptr_array_index (fixture.runs, 1))->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  /* Then the change's run, a new one, once changes have been quiet. */
  sy_clock_advance (fixture.clock, G_USEC_PER_SEC);
  wait_finished (&fixture, 3);
  assert_no_run_errors (&fixture);
  g_assert_cmpuint (fixture.started, ==, 3);
  g_assert_cmpint (fixture.last_resumed, ==, 0);
  g_assert_cmpstr (g_ptr_array_index (fixture.causes, 2), ==, "webhook");
  assert_in_step (&fixture);

  after = list_runs (&fixture);
  g_assert_cmpuint (after->len, ==, 2);
  g_assert_cmpint (((SySyncRun *) g_ptr_array_index (after, 1))->id, ==, stopped_id);
  g_assert_cmpstr (((SySyncRun *) g_ptr_array_index (after, 0))->cause, ==, "webhook");

  fixture_tear_down (&fixture);
}

static void
store_event (Fixture    *fixture,
             const char *connection_name,
             const char *event_id,
             const char *verdict,
             const char *entity)
{
  g_autoptr(SyWebhookEvent) event = sy_webhook_event_new ();
  g_autoptr(GError) error = NULL;
  SyConnection *connection = sy_connection_store_find_by_name (fixture->connections, connection_name);
  gboolean is_new = FALSE;
  gint64 row_id = 0;

  g_assert_nonnull (connection);
  event->connection_id = g_strdup (sy_connection_get_id (connection));
  event->event_id = g_strdup (event_id);
  event->body_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, event_id, -1);
  event->event_type = g_strdup ("record.updated");
  event->entity = g_strdup (entity);
  event->record_key = g_strdup ("0100000000000001");
  event->verdict = g_strdup (verdict);
  /* A minute ago: a run started now is after it, to the second. */
  event->received_at = g_get_real_time () / G_USEC_PER_SEC - 60;
  if (g_str_equal (verdict, SY_WEBHOOK_VERDICT_REJECTED))
    event->reason = g_strdup ("forged");
  g_assert_true (sy_state_store_add_webhook_event (fixture->state, event, &is_new, &row_id, &error));
  g_assert_no_error (error);
}

/* A receiver stored (and answered) a change, then the process stopped
 * before acting on it: the next start runs the mapping once. */
static void
test_stored_change_runs_at_start (void)
{
  const char * const args[] = { "--records", "20", "--seed", "13", NULL };
  Fixture fixture = { 0 };

  fixture_set_up (&fixture, args, TRUE);
  fixture.mapping = make_mapping ("{\"on_changes\": true}");

  /* Refused ones and other entities' do not count. */
  store_event (&fixture, "wms", "forged-1", SY_WEBHOOK_VERDICT_REJECTED, SOURCE_ENTITY);
  store_event (&fixture, "wms", "products-1", SY_WEBHOOK_VERDICT_ACCEPTED, "wms/products");
  new_automation (&fixture, fixture.mapping);
  start_automation (&fixture);
  g_assert_cmpuint (fixture.started, ==, 0);

  store_event (&fixture, "wms", "orders-1", SY_WEBHOOK_VERDICT_ACCEPTED, SOURCE_ENTITY);
  store_event (&fixture, "wms", "orders-2", SY_WEBHOOK_VERDICT_ACCEPTED, SOURCE_ENTITY);
  store_event (&fixture, "wms", "forged-2", SY_WEBHOOK_VERDICT_REJECTED, SOURCE_ENTITY);
  /* However much else came after it. */
  for (guint i = 0; i < 1001; i++)
    {
      g_autofree char *id = g_strdup_printf ("products-after-%u", i);

      store_event (&fixture, "wms", id, SY_WEBHOOK_VERDICT_ACCEPTED, "wms/products");
    }
  new_automation (&fixture, fixture.mapping);
  start_automation (&fixture);
  g_assert_cmpuint (fixture.started, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture.causes, 0), ==, "webhook");
  wait_finished (&fixture, 1);
  assert_no_run_errors (&fixture);
  assert_in_step (&fixture);

  /* Caught up: the next start has nothing to do. */
  new_automation (&fixture, fixture.mapping);
  start_automation (&fixture);
  g_assert_cmpuint (fixture.started, ==, 1);

  fixture_tear_down (&fixture);
}

/* Times of day in local time, across the change to summer time. No
 * connection exists here: each run ends at once, which is all this needs. */
static void
test_at_times_local (void)
{
  Fixture fixture = { 0 };
  g_autoptr(GDateTime) start = local_time ("Europe/London", 2026, 3, 28, 23, 0);
  g_autoptr(GDateTime) due = NULL;
  g_autoptr(GDateTime) expected = NULL;

  fixture_set_up (&fixture, NULL, FALSE);
  g_clear_object (&fixture.clock);
  fixture.clock = sy_clock_new_manual (start);
  fixture.mapping = make_mapping ("{\"at\": [\"06:00\", \"01:30\"]}");
  new_automation (&fixture, fixture.mapping);
  start_automation (&fixture);
  /* Never ran: once at start. */
  g_assert_cmpuint (fixture.started, ==, 1);
  wait_finished (&fixture, 1);
  g_assert_cmpuint (fixture.errors->len, ==, 1);

  /* 01:30 does not exist on 29 March 2026 in London (01:00 GMT is 02:00
   * BST): it comes once the clock is past the gap, not a day late. */
  due = sy_automation_dup_next_due (fixture.automation, fixture.mapping);
  g_assert_nonnull (due);
  g_assert_cmpint (g_date_time_difference (due, start), >, G_TIME_SPAN_HOUR);
  g_assert_cmpint (g_date_time_difference (due, start), <=, 3 * G_TIME_SPAN_HOUR);
  g_clear_pointer (&due, g_date_time_unref);

  sy_clock_advance (fixture.clock, 3 * G_TIME_SPAN_HOUR);
  g_assert_cmpuint (fixture.started, ==, 2);
  wait_finished (&fixture, 2);

  /* Then 06:00 BST: 05:00 UTC, six hours after the start at 23:00 GMT. */
  due = sy_automation_dup_next_due (fixture.automation, fixture.mapping);
  expected = local_time ("Europe/London", 2026, 3, 29, 6, 0);
  g_assert_nonnull (due);
  g_assert_true (g_date_time_equal (due, expected));
  g_assert_cmpint (g_date_time_difference (expected, start), ==, 6 * G_TIME_SPAN_HOUR);
  sy_clock_advance (fixture.clock, 3 * G_TIME_SPAN_HOUR - G_TIME_SPAN_SECOND);
  g_assert_cmpuint (fixture.started, ==, 2);
  sy_clock_advance (fixture.clock, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (fixture.started, ==, 3);
  wait_finished (&fixture, 3);

  /* Next: 01:30 the day after, which exists. */
  g_clear_pointer (&due, g_date_time_unref);
  g_clear_pointer (&expected, g_date_time_unref);
  due = sy_automation_dup_next_due (fixture.automation, fixture.mapping);
  expected = local_time ("Europe/London", 2026, 3, 30, 1, 30);
  g_assert_true (g_date_time_equal (due, expected));

  fixture_tear_down (&fixture);
}

/* On the night summer time ends, 01:30 comes twice in London: the
 * mapping runs once, not twice. */
static void
test_at_time_repeated_hour (void)
{
  Fixture fixture = { 0 };
  g_autoptr(GDateTime) start = local_time ("Europe/London", 2026, 10, 24, 23, 0);
  g_autoptr(GDateTime) due = NULL;
  g_autoptr(GDateTime) next_day = NULL;

  fixture_set_up (&fixture, NULL, FALSE);
  g_clear_object (&fixture.clock);
  fixture.clock = sy_clock_new_manual (start);
  fixture.mapping = make_mapping ("{\"at\": [\"01:30\"]}");
  new_automation (&fixture, fixture.mapping);
  start_automation (&fixture);
  g_assert_cmpuint (fixture.started, ==, 1);
  wait_finished (&fixture, 1);

  /* 23:00 BST is 22:00 UTC; the two 01:30s are 00:30 and 01:30 UTC. */
  due = sy_automation_dup_next_due (fixture.automation, fixture.mapping);
  g_assert_nonnull (due);
  g_assert_cmpint (g_date_time_difference (due, start), >=, 2 * G_TIME_SPAN_HOUR + 30 * G_TIME_SPAN_MINUTE);
  g_assert_cmpint (g_date_time_difference (due, start), <=, 3 * G_TIME_SPAN_HOUR + 30 * G_TIME_SPAN_MINUTE);

  /* Past both: one run. */
  sy_clock_advance (fixture.clock, 4 * G_TIME_SPAN_HOUR);
  g_assert_cmpuint (fixture.started, ==, 2);
  wait_finished (&fixture, 2);
  g_clear_pointer (&due, g_date_time_unref);
  due = sy_automation_dup_next_due (fixture.automation, fixture.mapping);
  next_day = local_time ("Europe/London", 2026, 10, 26, 1, 30);
  g_assert_true (g_date_time_equal (due, next_day));

  fixture_tear_down (&fixture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/automation/schedule-fires", test_schedule_fires);
  g_test_add_func ("/automation/overlapping-schedule-is-queued", test_overlapping_schedule_is_queued);
  g_test_add_func ("/automation/burst-of-changes-coalesces", test_burst_of_changes_coalesces);
  g_test_add_func ("/automation/stop-then-resume", test_stop_then_resume);
  g_test_add_func ("/automation/stored-change-runs-at-start", test_stored_change_runs_at_start);
  g_test_add_func ("/automation/at-times-local", test_at_times_local);
  g_test_add_func ("/automation/at-time-repeated-hour", test_at_time_repeated_hour);

  return g_test_run ();
}
