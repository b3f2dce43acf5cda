/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>
#include <sqlite3.h>

#include "sy-connection-store.h"
#include "sy-example-mapping.h"
#include "sy-page-iterator.h"
#include "sy-state-store-sync.h"
#include "sy-sync-check.h"
#include "sy-sync-job.h"
#include "sy-sandbox-client.h"
#include "sy-test-support.h"

/* The sync job against a real switchyard-sandbox and a real state.db:
 * what arrives in the target is checked through the sandbox's inspection
 * endpoints, what the run says through the store. */

#define PAIR_SOURCE_CONNECTION "mintsoft"
#define PAIR_TARGET_CONNECTION "netsuite"

typedef struct
{
  SySandboxProcess *sandbox;
  SoupSession      *inspection;
  char             *state_dir;
  SyStateStore     *store;
  SyMapping        *mapping;
  SyApiClient      *source;
  SyApiClient      *target;
  SySyncOptions     options;
  guint             failed_signals;
} Fixture;

static void
fixture_start (Fixture            *fixture,
               const char * const *sandbox_args)
{
  g_autoptr(GError) error = NULL;

  fixture->sandbox = sy_test_start_sandbox (sandbox_args);
  fixture->inspection = soup_session_new_with_options ("timeout", 30, NULL);
  fixture->state_dir = sy_test_make_tmpdir ("sync-job");
  fixture->store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  fixture->mapping = sy_mapping_new_from_data (sy_example_mapping, -1, "example.json", &error);
  g_assert_no_error (error);
  fixture->source = sy_api_client_new (sy_sandbox_process_get_url (fixture->sandbox),
                                       sy_sandbox_process_get_token (fixture->sandbox, "wms"), &error);
  g_assert_no_error (error);
  fixture->target = sy_api_client_new (sy_sandbox_process_get_url (fixture->sandbox),
                                       sy_sandbox_process_get_token (fixture->sandbox, "erp"), &error);
  g_assert_no_error (error);

  sy_sync_options_init (&fixture->options);
  fixture->options.batch_size = 20;
  fixture->options.concurrency = 4;
}

static void
fixture_stop (Fixture *fixture)
{
  g_clear_object (&fixture->source);
  g_clear_object (&fixture->target);
  g_clear_object (&fixture->mapping);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->inspection);
  g_clear_object (&fixture->sandbox);
  sy_test_remove_tree (fixture->state_dir);
  g_clear_pointer (&fixture->state_dir, g_free);
}

static JsonNode *
inspect (Fixture    *fixture,
         const char *path)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (fixture->sandbox), path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length = 0;
  const char *data;
  JsonNode *root;

  bytes = soup_session_send_and_read (fixture->inspection, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
  data = g_bytes_get_data (bytes, &length);
  json_parser_load_from_data (parser, data, length, &error);
  g_assert_no_error (error);
  root = json_node_ref (json_parser_get_root (parser));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return root;
}

static gint64
target_count (Fixture *fixture)
{
  g_autoptr(JsonNode) stats = inspect (fixture, "/__sandbox/stats");
  JsonObject *entities = json_object_get_object_member (json_node_get_object (stats), "entities");

  if (!json_object_has_member (entities, "erp/sales-orders"))
    return 0;
  return json_object_get_int_member (json_object_get_object_member (entities, "erp/sales-orders"), "count");
}

static gint64
invalid_source_records (Fixture *fixture)
{
  g_autoptr(JsonNode) stats = inspect (fixture, "/__sandbox/stats");

  return json_object_get_int_member (json_node_get_object (stats), "invalid_source_records");
}

static gint64
target_duplicates (Fixture *fixture)
{
  g_autoptr(JsonNode) answer = inspect (fixture, "/__sandbox/duplicates?entity=erp/sales-orders&field=code");

  return json_object_get_int_member (json_node_get_object (answer), "duplicates");
}

/* Requests of one method the sandbox answered, whatever the status. */
static gint64
method_count (Fixture    *fixture,
              const char *method)
{
  g_autoptr(JsonNode) stats = inspect (fixture, "/__sandbox/stats");
  JsonObject *methods = json_object_get_object_member (json_node_get_object (stats), "methods");

  return json_object_get_int_member_with_default (methods, method, 0);
}

static guint
count_runs (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = sy_state_store_list_runs (fixture->store, NULL, 0, &error);

  g_assert_no_error (error);
  return runs->len;
}

static void
on_record_failed (SySyncJob    *job,
                  SySyncResult *result,
                  gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_cmpint (result->outcome, ==, SY_SYNC_OUTCOME_FAILED);
  g_assert_nonnull (result->source_key);
  fixture->failed_signals++;
}

static gboolean
run_job (Fixture       *fixture,
         SySyncJob     *job,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_signal_connect (job, "record-failed", G_CALLBACK (on_record_failed), fixture);
  sy_sync_job_run_async (job, cancellable, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_sync_job_run_finish (job, result, error);
}

static SySyncRun *
load_run (Fixture *fixture,
          gint64   run_id)
{
  g_autoptr(GError) error = NULL;
  SySyncRun *run = sy_state_store_load_run (fixture->store, run_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (run);
  return run;
}

static SySyncRun *
run_new_job (Fixture             *fixture,
             const SySyncOptions *options,
             gboolean             expect_success)
{
  g_autoptr(SySyncJob) job = sy_sync_job_new (fixture->store, fixture->mapping, fixture->source,
                                              fixture->target, options);
  g_autoptr(GError) error = NULL;
  gboolean ok = run_job (fixture, job, NULL, &error);

  if (expect_success)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpint (sy_sync_progress_get_state (sy_sync_job_get_progress (job)), ==, SY_SYNC_JOB_STATE_FINISHED);
    }
  g_assert_cmpint (sy_sync_job_get_run_id (job), >, 0);
  return load_run (fixture, sy_sync_job_get_run_id (job));
}

static void
test_full_then_incremental (void)
{
  const char *args[] = { "--records", "130", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncRun) first = NULL;
  g_autoptr(SySyncRun) second = NULL;
  g_autoptr(SySyncRun) third = NULL;
  SySyncOptions full;

  fixture_start (&fixture, args);
  g_assert_cmpint (target_count (&fixture), ==, 0);

  first = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_cmpint (first->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  g_assert_cmpuint (first->read, ==, 130);
  g_assert_cmpuint (first->created, ==, 130);
  g_assert_cmpuint (first->updated, ==, 0);
  g_assert_cmpuint (first->failed, ==, 0);
  g_assert_nonnull (first->high_water);
  g_assert_cmpstr (first->checkpoint, ==, first->high_water);
  g_assert_cmpint (target_count (&fixture), ==, 130);
  g_assert_cmpint (target_duplicates (&fixture), ==, 0);

  /* Nothing changed since: nothing read, nothing written. */
  second = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_cmpstr (second->since, ==, first->high_water);
  g_assert_cmpuint (second->read, ==, 0);
  g_assert_cmpuint (sy_sync_run_get_written (second), ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, 130);

  /* Everything read again, every payload already there: all skipped. */
  full = fixture.options;
  full.full = TRUE;
  third = run_new_job (&fixture, &full, TRUE);
  g_assert_null (third->since);
  g_assert_cmpuint (third->read, ==, 130);
  g_assert_cmpuint (third->skipped, ==, 130);
  g_assert_cmpuint (sy_sync_run_get_written (third), ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, 130);
  g_assert_cmpint (target_duplicates (&fixture), ==, 0);

  fixture_stop (&fixture);
}

static void
test_dry_run (void)
{
  const char *args[] = { "--records", "45", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncRun) dry = NULL;
  g_autoptr(SySyncRun) real = NULL;
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GError) error = NULL;
  SySyncOptions options;

  fixture_start (&fixture, args);
  options = fixture.options;
  options.dry_run = TRUE;

  dry = run_new_job (&fixture, &options, TRUE);
  g_assert_true (dry->options.dry_run);
  g_assert_cmpuint (dry->read, ==, 45);
  /* Would-create counts as created in a dry run's report. */
  g_assert_cmpuint (dry->created, ==, 45);
  g_assert_cmpint (target_count (&fixture), ==, 0);
  failures = sy_state_store_list_failures (fixture.store, dry->id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failures->len, ==, 0);

  /* A dry run leaves no high-water mark and no key map behind. */
  real = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_null (real->since);
  g_assert_cmpuint (real->created, ==, 45);
  g_assert_cmpint (target_count (&fixture), ==, 45);

  fixture_stop (&fixture);
}

static void
test_invalid_records_and_retry (void)
{
  const char *args[] = { "--records", "80", "--invalid-rate", "0.2", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncRun) first = NULL;
  g_autoptr(SySyncRun) retry = NULL;
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SySyncJob) retry_job = NULL;
  gint64 invalid;
  gboolean ok;

  fixture_start (&fixture, args);
  invalid = invalid_source_records (&fixture);
  g_assert_cmpint (invalid, >, 0);
  g_assert_cmpint (invalid, <, 80);

  first = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_cmpint (first->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  g_assert_cmpuint (first->read, ==, 80);
  g_assert_cmpuint (first->failed, ==, invalid);
  g_assert_cmpuint (first->created, ==, 80 - invalid);
  g_assert_cmpuint (fixture.failed_signals, ==, invalid);
  g_assert_cmpint (target_count (&fixture), ==, 80 - invalid);

  failures = sy_state_store_list_failures (fixture.store, first->id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failures->len, ==, invalid);
  for (guint i = 0; i < failures->len; i++)
    {
      SySyncResult *result = g_ptr_array_index (failures, i);

      g_assert_cmpuint (result->status, ==, 422);
      g_assert_nonnull (result->message);
      g_assert_nonnull (result->request_id);
      g_assert_cmpuint (result->attempts, ==, 1);
      g_assert_nonnull (result->field_errors);
      g_assert_nonnull (strstr (result->field_errors, "lines.0.productKey"));
    }

  /* Nothing was fixed: the same records fail again, nothing else is read. */
  fixture.failed_signals = 0;
  retry_job = sy_sync_job_new_retry_failed (fixture.store, first, fixture.source, fixture.target, NULL, &error);
  g_assert_no_error (error);
  ok = run_job (&fixture, retry_job, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  retry = load_run (&fixture, sy_sync_job_get_run_id (retry_job));
  g_assert_cmpint (retry->retry_of, ==, first->id);
  g_assert_cmpuint (retry->read, ==, invalid);
  g_assert_cmpuint (retry->failed, ==, invalid);
  g_assert_cmpuint (sy_sync_run_get_written (retry), ==, 0);
  g_assert_cmpuint (fixture.failed_signals, ==, invalid);
  g_assert_cmpint (target_count (&fixture), ==, 80 - invalid);
  g_assert_cmpint (target_duplicates (&fixture), ==, 0);

  fixture_stop (&fixture);
}

static void
stop_after_first_commit (GObject    *progress,
                         GParamSpec *pspec,
                         gpointer    user_data)
{
  SySyncJob *job = user_data;

  if (sy_sync_progress_get_created (SY_SYNC_PROGRESS (progress)) > 0)
    sy_sync_job_stop (job);
}

static void
resume_and_check (Fixture *fixture,
                  gint64   run_id,
                  guint    n_records)
{
  g_autoptr(SySyncRun) stopped = load_run (fixture, run_id);
  g_autoptr(SySyncRun) finished = NULL;
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_assert_true (sy_sync_run_state_is_resumable (stopped->state));
  g_assert_cmpuint (stopped->read, <, n_records);

  job = sy_sync_job_new_resume (fixture->store, stopped, fixture->source, fixture->target, &error);
  g_assert_no_error (error);
  ok = run_job (fixture, job, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (sy_sync_job_get_run_id (job), ==, run_id);

  finished = load_run (fixture, run_id);
  g_assert_cmpint (finished->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  g_assert_cmpuint (finished->read, ==, n_records);
  g_assert_cmpuint (finished->created + finished->skipped, ==, n_records);
  g_assert_cmpuint (finished->failed, ==, 0);
  g_assert_cmpint (target_count (fixture), ==, n_records);
  g_assert_cmpint (target_duplicates (fixture), ==, 0);
}

static void
test_stop_and_resume (void)
{
  const char *args[] = { "--records", "150", "--latency-ms", "20", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(SySyncRun) stopped = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  fixture_start (&fixture, args);
  fixture.options.concurrency = 2;
  job = sy_sync_job_new (fixture.store, fixture.mapping, fixture.source, fixture.target, &fixture.options);
  g_signal_connect (sy_sync_job_get_progress (job), "notify::created", G_CALLBACK (stop_after_first_commit), job);

  ok = run_job (&fixture, job, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (ok);
  g_assert_cmpint (sy_sync_progress_get_state (sy_sync_job_get_progress (job)), ==, SY_SYNC_JOB_STATE_STOPPED);

  stopped = load_run (&fixture, sy_sync_job_get_run_id (job));
  g_assert_cmpint (stopped->state, ==, SY_SYNC_RUN_STATE_STOPPED);
  /* Whole batches only: what was committed is what arrived. */
  g_assert_cmpuint (stopped->created % fixture.options.batch_size, ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, stopped->created);
  g_assert_nonnull (stopped->checkpoint);

  resume_and_check (&fixture, stopped->id, 150);
  fixture_stop (&fixture);
}

typedef struct
{
  Fixture      *fixture;
  GCancellable *cancellable;
  guint         source_id;
} CancelWhenWritten;

/* Cancels as soon as the target holds a record: the first batch is then
 * still open, whatever the machine's speed (a fixed delay was too short
 * under the sanitizers, once the pair first adopts the target). */
static gboolean
cancel_when_target_written (gpointer user_data)
{
  CancelWhenWritten *watch = user_data;

  if (target_count (watch->fixture) == 0)
    return G_SOURCE_CONTINUE;
  g_cancellable_cancel (watch->cancellable);
  watch->source_id = 0;
  return G_SOURCE_REMOVE;
}

static void
test_cancel_and_resume (void)
{
  /* With latency, the sandbox has made a record long before its answer
   * comes: cancelling mid-batch loses answers of creates that happened.
   * The first batch (50, eight at a time) then takes about 1.4 s, so even
   * a watch that a loaded machine runs late still cancels inside it. */
  const char *args[] = { "--records", "200", "--latency-ms", "200", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  CancelWhenWritten watch = { 0 };
  gboolean ok;

  fixture_start (&fixture, args);
  fixture.options.batch_size = 50;
  fixture.options.concurrency = 8;
  job = sy_sync_job_new (fixture.store, fixture.mapping, fixture.source, fixture.target, &fixture.options);
  watch.fixture = &fixture;
  watch.cancellable = cancellable;
  watch.source_id = g_timeout_add (10, cancel_when_target_written, &watch);

  ok = run_job (&fixture, job, cancellable, &error);
  g_clear_handle_id (&watch.source_id, g_source_remove);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (ok);

  /* Some creates reached the target without being committed. */
  {
    g_autoptr(SySyncRun) cancelled = load_run (&fixture, sy_sync_job_get_run_id (job));
    g_assert_cmpint (target_count (&fixture), >, cancelled->created);
  }

  resume_and_check (&fixture, sy_sync_job_get_run_id (job), 200);
  fixture_stop (&fixture);
}

static void
test_unauthorized_fails_run (void)
{
  const char *args[] = { "--records", "60", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SyApiClient) bad_target = NULL;
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(SySyncRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  fixture_start (&fixture, args);
  bad_target = sy_api_client_new (sy_sandbox_process_get_url (fixture.sandbox), "not-the-token", &error);
  g_assert_no_error (error);

  job = sy_sync_job_new (fixture.store, fixture.mapping, fixture.source, bad_target, &fixture.options);
  ok = run_job (&fixture, job, NULL, &error);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);
  g_assert_false (ok);
  g_assert_cmpint (sy_sync_progress_get_state (sy_sync_job_get_progress (job)), ==, SY_SYNC_JOB_STATE_FAILED);

  run = load_run (&fixture, sy_sync_job_get_run_id (job));
  g_assert_cmpint (run->state, ==, SY_SYNC_RUN_STATE_FAILED);
  g_assert_nonnull (run->message);
  g_assert_cmpuint (run->failed, ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, 0);
  g_clear_error (&error);

  /* Resumable with the right token, and then every record arrives once. */
  resume_and_check (&fixture, run->id, 60);
  fixture_stop (&fixture);
}

static void
test_lock_busy (void)
{
  const char *args[] = { "--records", "5", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncLock) lock = NULL;
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pair = NULL;
  gboolean ok;

  fixture_start (&fixture, args);
  pair = sy_sync_pair_for (PAIR_SOURCE_CONNECTION, "wms/sales-orders", PAIR_TARGET_CONNECTION, "erp/sales-orders");
  lock = sy_state_store_lock_pair (fixture.store, pair, &error);
  g_assert_no_error (error);

  job = sy_sync_job_new (fixture.store, fixture.mapping, fixture.source, fixture.target, &fixture.options);
  ok = run_job (&fixture, job, NULL, &error);
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_PAIR_BUSY);
  g_assert_false (ok);
  g_assert_cmpint (sy_sync_job_get_run_id (job), ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, 0);

  fixture_stop (&fixture);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_progress_throttled (void)
{
  const char *args[] = { "--records", "150", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(GError) error = NULL;
  SySyncProgress *progress;
  guint notifications = 0;
  gint64 start, elapsed_ms;
  gboolean ok;
  g_autofree char *line = NULL;

  fixture_start (&fixture, args);
  /* One record a batch: unthrottled, every record would notify twice. */
  fixture.options.batch_size = 1;
  job = sy_sync_job_new (fixture.store, fixture.mapping, fixture.source, fixture.target, &fixture.options);
  progress = sy_sync_job_get_progress (job);
  g_signal_connect (progress, "notify::read", G_CALLBACK (count_notify), &notifications);

  start = g_get_monotonic_time ();
  ok = run_job (&fixture, job, NULL, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_no_error (error);
  g_assert_true (ok);

  g_assert_cmpuint (sy_sync_progress_get_read (progress), ==, 150);
  g_assert_cmpuint (sy_sync_progress_get_created (progress), ==, 150);
  g_assert_cmpuint (sy_sync_progress_get_written (progress), ==, 150);
  g_assert_cmpint (sy_sync_progress_get_total (progress), ==, 150);
  g_assert_cmpfloat (sy_sync_progress_get_fraction (progress), ==, 1.0);
  /* Four a second, plus one for each state change. */
  g_assert_cmpuint (notifications, <=, 4 * (elapsed_ms / 1000 + 1) + 8);
  g_assert_cmpuint (notifications, <, 150);
  g_test_message ("%u notifications over %" G_GINT64_FORMAT " ms", notifications, elapsed_ms);

  line = sy_sync_progress_describe (progress);
  g_assert_nonnull (strstr (line, "150"));

  fixture_stop (&fixture);
}

static void
test_flaky_target_exactly_once (void)
{
  /* 5xx, and connections dropped before or after the write was stored. */
  const char *args[] = { "--records", "100", "--fail-rate", "0.15", "--drop-rate", "0.15", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncRun) run = NULL;
  g_autoptr(JsonNode) stats = NULL;
  JsonObject *object;

  fixture_start (&fixture, args);
  /* Enough attempts that no record runs out of them by bad luck. */
  fixture.options.max_attempts = 15;

  run = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_cmpuint (run->read, ==, 100);
  g_assert_cmpuint (run->created, ==, 100);
  g_assert_cmpuint (run->failed, ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, 100);
  g_assert_cmpint (target_duplicates (&fixture), ==, 0);

  /* The switches did fire: this was not a quiet run. */
  stats = inspect (&fixture, "/__sandbox/stats");
  object = json_node_get_object (stats);
  g_assert_cmpint (json_object_get_int_member (object, "dropped_connections"), >, 0);

  fixture_stop (&fixture);
}

static void
test_update_after_touch (void)
{
  const char *args[] = { "--records", "60", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncRun) first = NULL;
  g_autoptr(SySyncRun) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) data = g_string_new (sy_example_mapping);
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) touch = NULL;
  g_autoptr(GBytes) answer = NULL;

  fixture_start (&fixture, args);
  /* The addressee is what the sandbox's touch changes. */
  g_string_replace (data, "    {\"target\": \"statusKey\", \"value\": \"pending\"},\n",
                    "    {\"target\": \"statusKey\", \"value\": \"pending\"},\n"
                    "    {\"target\": \"shipmentAddress.addressee\", \"source\": \"shipmentAddress.addressee\"},\n", 1);
  g_clear_object (&fixture.mapping);
  fixture.mapping = sy_mapping_new_from_data (data->str, data->len, "with-addressee.json", &error);
  g_assert_no_error (error);

  first = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_cmpuint (first->created, ==, 60);

  url = g_strconcat (sy_sandbox_process_get_url (fixture.sandbox), "/__sandbox/touch?entity=wms/sales-orders&count=7", NULL);
  touch = soup_message_new ("POST", url);
  answer = soup_session_send_and_read (fixture.inspection, touch, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (touch), ==, 200);

  /* Only what changed is read, and it is updated in place. */
  second = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_cmpuint (second->read, ==, 7);
  g_assert_cmpuint (second->updated, ==, 7);
  g_assert_cmpuint (second->created, ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, 60);
  g_assert_cmpint (target_duplicates (&fixture), ==, 0);

  fixture_stop (&fixture);
}

typedef struct
{
  SySyncJob *job;
  gboolean   paused_seen;
  guint64    created_when_paused;
} PauseState;

static gboolean
unpause (gpointer user_data)
{
  PauseState *state = user_data;

  /* Nothing moved while paused. */
  g_assert_cmpint (sy_sync_progress_get_state (sy_sync_job_get_progress (state->job)), ==, SY_SYNC_JOB_STATE_PAUSED);
  g_assert_cmpuint (sy_sync_progress_get_created (sy_sync_job_get_progress (state->job)), ==, state->created_when_paused);
  sy_sync_job_set_paused (state->job, FALSE);
  return G_SOURCE_REMOVE;
}

static void
on_pause_progress (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  PauseState *state = user_data;
  SySyncProgress *progress = SY_SYNC_PROGRESS (object);

  if (!state->paused_seen && sy_sync_progress_get_created (progress) > 0 && !sy_sync_job_get_paused (state->job))
    sy_sync_job_set_paused (state->job, TRUE);

  if (!state->paused_seen && sy_sync_progress_get_state (progress) == SY_SYNC_JOB_STATE_PAUSED)
    {
      state->paused_seen = TRUE;
      state->created_when_paused = sy_sync_progress_get_created (progress);
      g_timeout_add (400, unpause, state);
    }
}

static void
test_pause_and_delay (void)
{
  const char *args[] = { "--records", "100", "--latency-ms", "10", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(SySyncRun) run = NULL;
  g_autoptr(GError) error = NULL;
  PauseState state = { 0 };
  gint64 start, elapsed;
  gboolean ok;

  fixture_start (&fixture, args);
  fixture.options.batch_size = 25;
  fixture.options.delay_ms = 150;
  fixture.options.max_rps = 100;
  job = sy_sync_job_new (fixture.store, fixture.mapping, fixture.source, fixture.target, &fixture.options);
  state.job = job;
  g_signal_connect (sy_sync_job_get_progress (job), "notify", G_CALLBACK (on_pause_progress), &state);

  start = g_get_monotonic_time ();
  ok = run_job (&fixture, job, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_true (state.paused_seen);
  g_assert_cmpuint (state.created_when_paused % 25, ==, 0);

  /* Lower bounds only: 100 writes at 100 a second, three delays between
   * four batches, and the pause. */
  g_assert_cmpint (elapsed, >=, 990 * 1000);
  g_assert_cmpint (elapsed, >=, (3 * 150 + 400) * 1000);

  run = load_run (&fixture, sy_sync_job_get_run_id (job));
  g_assert_cmpuint (run->created, ==, 100);
  g_assert_cmpint (target_count (&fixture), ==, 100);
  fixture_stop (&fixture);
}

typedef struct
{
  Fixture  *fixture;
  gboolean  touched;
} TouchState;

static void
touch_after_first_page (GObject    *progress,
                          GParamSpec *pspec,
                          gpointer    user_data)
{
  TouchState *state = user_data;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) touch = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  /* The first page is in, the second not asked for yet. */
  if (state->touched || sy_sync_progress_get_state (SY_SYNC_PROGRESS (progress)) != SY_SYNC_JOB_STATE_RUNNING)
    return;

  state->touched = TRUE;
  url = g_strconcat (sy_sandbox_process_get_url (state->fixture->sandbox),
                     "/__sandbox/touch?entity=wms/sales-orders&count=40", NULL);
  touch = soup_message_new ("POST", url);
  answer = soup_session_send_and_read (state->fixture->inspection, touch, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (touch), ==, 200);
}

static void
test_source_edited_during_run (void)
{
  /* Records edited while the run reads move to the end of the updatedAt
   * order: page numbers would then skip the records sliding into the
   * pages already read. */
  const char *args[] = { "--records", "300", "--latency-ms", "5", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(SySyncRun) run = NULL;
  g_autoptr(GError) error = NULL;
  TouchState state = { &fixture, FALSE };
  gboolean ok;

  fixture_start (&fixture, args);
  fixture.options.concurrency = 2;
  job = sy_sync_job_new (fixture.store, fixture.mapping, fixture.source, fixture.target, &fixture.options);
  g_signal_connect (sy_sync_job_get_progress (job), "notify::state", G_CALLBACK (touch_after_first_page), &state);

  ok = run_job (&fixture, job, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_true (state.touched);

  run = load_run (&fixture, sy_sync_job_get_run_id (job));
  g_assert_cmpuint (run->read, ==, 300);
  g_assert_cmpuint (run->failed, ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, 300);
  g_assert_cmpint (target_duplicates (&fixture), ==, 0);

  fixture_stop (&fixture);
}

static SyMapping *
example_with (const char *find,
              const char *replace)
{
  g_autoptr(GString) data = g_string_new (sy_example_mapping);
  g_autoptr(GError) error = NULL;
  SyMapping *mapping;

  g_assert_cmpuint (g_string_replace (data, find, replace, 1), ==, 1);
  mapping = sy_mapping_new_from_data (data->str, data->len, "variant.json", &error);
  g_assert_no_error (error);
  return mapping;
}

static void
test_mapping_problems (void)
{
  const char *args[] = { "--records", "30", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncRun) blocked = NULL;
  g_autoptr(SySyncRun) optional = NULL;
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GError) error = NULL;

  fixture_start (&fixture, args);

  /* A required value the source lacks: every record fails here, and
   * nothing is sent. */
  g_clear_object (&fixture.mapping);
  fixture.mapping = example_with ("{\"target\": \"orderNumber\", \"source\": \"orderNumber\", \"required\": true}",
                                  "{\"target\": \"orderNumber\", \"source\": \"noSuchField\", \"required\": true}");
  blocked = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_cmpuint (blocked->read, ==, 30);
  g_assert_cmpuint (blocked->failed, ==, 30);
  g_assert_cmpuint (fixture.failed_signals, ==, 30);
  g_assert_cmpint (target_count (&fixture), ==, 0);
  failures = sy_state_store_list_failures (fixture.store, blocked->id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failures->len, ==, 30);
  for (guint i = 0; i < failures->len; i++)
    {
      SySyncResult *result = g_ptr_array_index (failures, i);

      g_assert_cmpuint (result->status, ==, 0);
      g_assert_cmpuint (result->attempts, ==, 0);
      g_assert_nonnull (strstr (result->message, "orderNumber"));
      g_assert_nonnull (strstr (result->message, "noSuchField"));
    }

  /* An optional field the source lacks is left out; the record goes.
   * (Full: the failures above are behind the high-water mark now.) */
  fixture.options.full = TRUE;
  g_clear_object (&fixture.mapping);
  fixture.mapping = example_with ("{\"target\": \"memo\", \"template\": \"Mintsoft order {orderNumber}\"}",
                                  "{\"target\": \"memo\", \"source\": \"noSuchField\"}");
  optional = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_cmpuint (optional->read, ==, 30);
  g_assert_cmpuint (optional->created, ==, 30);
  g_assert_cmpuint (optional->failed, ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, 30);

  fixture_stop (&fixture);
}

static void
note_rate_limited (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  if (sy_sync_progress_get_rate_limited (SY_SYNC_PROGRESS (object)))
    *(gboolean *) user_data = TRUE;
}

static void
test_rate_limited_target (void)
{
  /* The target allows 30 requests a minute: the 31st gets a 429 with a
   * Retry-After of most of a minute, and the job waits it out. */
  const char *args[] = { "--records", "34", "--rate-limit", "30", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(SySyncRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) stats = NULL;
  JsonObject *requests;
  gboolean rate_limited = FALSE;
  gboolean ok;

  fixture_start (&fixture, args);
  job = sy_sync_job_new (fixture.store, fixture.mapping, fixture.source, fixture.target, &fixture.options);
  g_signal_connect (sy_sync_job_get_progress (job), "notify::rate-limited", G_CALLBACK (note_rate_limited),
                    &rate_limited);

  ok = run_job (&fixture, job, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_true (rate_limited);

  run = load_run (&fixture, sy_sync_job_get_run_id (job));
  g_assert_cmpuint (run->created, ==, 34);
  g_assert_cmpuint (run->failed, ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, 34);
  g_assert_cmpint (target_duplicates (&fixture), ==, 0);

  /* The pause held everybody back: a handful of 429s, not one per retry
   * loop of every record. */
  stats = inspect (&fixture, "/__sandbox/stats");
  requests = json_object_get_object_member (json_node_get_object (stats), "requests");
  g_assert_true (json_object_has_member (requests, "429"));
  g_assert_cmpint (json_object_get_int_member (requests, "429"), <=, 2 * fixture.options.concurrency);

  fixture_stop (&fixture);
}

/* --- overlapping requests ---------------------------------------------- */

/* /__sandbox/stats's "in_flight" member. */
static gint64
in_flight_stat (Fixture    *fixture,
                const char *connection,
                const char *member)
{
  return sy_sandbox_client_in_flight (fixture->sandbox, fixture->inspection, connection, member);
}

/* The next source page is read while the batches before it are written,
 * not after: over a slow network a run that alternated would wait a whole
 * round trip per page. The sandbox counts the source reads that were in
 * flight while a write was; one page at a time, so memory stays flat. */
static void
test_source_read_ahead (void)
{
  const char *args[] = { "--records", "400", "--latency-ms", "40", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncRun) run = NULL;
  gint64 beside;

  fixture_start (&fixture, args);
  fixture.options.batch_size = 50;
  fixture.options.concurrency = 4;

  run = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_cmpuint (run->created, ==, 400);
  g_assert_cmpint (target_count (&fixture), ==, 400);
  g_assert_cmpint (target_duplicates (&fixture), ==, 0);

  /* Four pages of 100 and the read that finds no more: at least the last
   * three are asked for while earlier records are being written, whatever
   * the machine's speed (a page's writes take 25 times the latency of its
   * read). A run that read only between batches overlaps one read at
   * most: the second page's, with the first batch's store lookup. */
  beside = in_flight_stat (&fixture, NULL, "reads_beside_writes");
  g_test_message ("%" G_GINT64_FORMAT " reads overlapped a write", beside);
  g_assert_cmpint (beside, >=, 3);
  g_assert_cmpint (in_flight_stat (&fixture, "wms", "max_reads"), ==, 1);
  g_assert_cmpint (in_flight_stat (&fixture, "erp", "max_writes"), <=, fixture.options.concurrency);

  fixture_stop (&fixture);
}

/* The source's first n keys in updatedAt order: the run's first batch. */
static char **
first_source_keys (Fixture *fixture,
                   guint    n)
{
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (fixture->source, "wms/sales-orders", n);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonArray) page = NULL;
  g_autoptr(GError) error = NULL;
  GStrvBuilder *builder = g_strv_builder_new ();
  char **keys;

  sy_page_iterator_set_sort (iterator, "updatedAt", FALSE);
  sy_page_iterator_next_async (iterator, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  page = sy_page_iterator_next_finish (iterator, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (page), ==, n);
  for (guint i = 0; i < n; i++)
    g_strv_builder_add (builder, json_object_get_string_member (json_array_get_object_element (page, i), "key"));
  keys = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return keys;
}

/* A batch's creates whose outcome is unknown (here: marked in flight by
 * a run of the pair whose process died) are each looked up in the target
 * before they are sent; the lookups go out together, up to --concurrency,
 * not one after another. Counted by the sandbox, not timed. */
static void
test_lost_creates_looked_up_together (void)
{
  const char *args[] = { "--records", "60", "--latency-ms", "300", NULL };
  const guint n_lost = 10;
  Fixture fixture = { 0 };
  g_auto(GStrv) lost = NULL;
  g_autoptr(SySyncRun) dead = sy_sync_run_new ();
  g_autoptr(SySyncRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint64 dead_id;

  fixture_start (&fixture, args);
  fixture.options.batch_size = 20;
  fixture.options.concurrency = n_lost;
  lost = first_source_keys (&fixture, n_lost);

  dead->mapping_name = g_strdup (sy_mapping_get_name (fixture.mapping));
  dead->mapping_data = g_strdup (sy_example_mapping);
  dead->pair = sy_sync_pair_for (PAIR_SOURCE_CONNECTION, "wms/sales-orders", PAIR_TARGET_CONNECTION, "erp/sales-orders");
  dead->source_connection = g_strdup (PAIR_SOURCE_CONNECTION);
  dead->source_entity = g_strdup ("wms/sales-orders");
  dead->target_connection = g_strdup (PAIR_TARGET_CONNECTION);
  dead->target_entity = g_strdup ("erp/sales-orders");
  dead->options = fixture.options;
  dead->started_at = g_get_real_time () / G_USEC_PER_SEC;
  dead_id = sy_state_store_create_run (fixture.store, dead, &error);
  g_assert_no_error (error);
  sy_state_store_mark_in_flight (fixture.store, dead_id, (const char * const *) lost, &error);
  g_assert_no_error (error);

  run = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_cmpuint (run->created, ==, 60);
  g_assert_cmpuint (run->failed, ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, 60);
  g_assert_cmpint (target_duplicates (&fixture), ==, 0);

  /* The target saw every lookup of the batch at once (one after another
   * it would never have held more than one GET). */
  g_assert_cmpint (in_flight_stat (&fixture, "erp", "max_reads"), ==, n_lost);
  {
    g_autoptr(JsonNode) stats = inspect (&fixture, "/__sandbox/stats");
    JsonObject *methods = json_object_get_object_member (json_node_get_object (stats), "methods");

    /* The source's reads, the adoption's read of the empty target, and
     * one lookup per lost create; 60 creates, none sent twice. */
    g_assert_cmpint (json_object_get_int_member (methods, "POST"), ==, 60);
    g_assert_cmpint (json_object_get_int_member (methods, "GET"), >=, n_lost + 1);
  }

  fixture_stop (&fixture);
}

/* A connection store of the test's own that knows the names given. */
static SyConnectionStore *
make_connections (Fixture            *fixture,
                  const char         *subdir,
                  const char * const *names)
{
  g_autofree char *config_dir = g_build_filename (fixture->state_dir, subdir, NULL);
  SyConnectionStore *connections = sy_connection_store_new (config_dir);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(SyConnection) connection = sy_connection_new (names[i], sy_sandbox_process_get_url (fixture->sandbox));

      g_assert_true (sy_connection_store_add (connections, connection, &error));
      g_assert_no_error (error);
    }
  return connections;
}

static void
assert_refused (Fixture    *fixture,
                SySyncJob  *job,
                const char *message)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (run_job (fixture, job, NULL, &error));
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_UNSAFE_MAPPING);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_cmpint (sy_sync_job_get_run_id (job), ==, 0);
}

/* A mapping whose connection is gone, or that writes into its own source,
 * is refused before anything is read or written, for every kind of run. */
static void
test_unsafe_mapping_refused (void)
{
  const char *args[] = { "--records", "30", "--invalid-rate", "0.3", NULL };
  const char * const both[] = { PAIR_SOURCE_CONNECTION, PAIR_TARGET_CONNECTION, NULL };
  const char * const source_only[] = { PAIR_SOURCE_CONNECTION, NULL };
  Fixture fixture = { 0 };
  g_autoptr(SyConnectionStore) all = NULL;
  g_autoptr(SyConnectionStore) without_target = NULL;
  g_autoptr(SySyncRun) first = NULL;
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(SyMapping) same = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = NULL;
  const char *same_message = "Source and target are the same — records would be written back where they came from";
  gint64 posts, gets;
  SySyncOptions dry;

  fixture_start (&fixture, args);
  all = make_connections (&fixture, "all", both);
  without_target = make_connections (&fixture, "without-target", source_only);
  missing = sy_sync_describe_missing_connection (PAIR_TARGET_CONNECTION);
  g_assert_cmpstr (missing, ==, "Connection “netsuite” no longer exists — pick another or add it");

  /* The check itself, as the editor asks it. */
  problems = sy_mapping_check_connections (fixture.mapping, all);
  g_assert_cmpuint (problems->len, ==, 0);
  g_clear_pointer (&problems, g_ptr_array_unref);
  problems = sy_mapping_check_connections (fixture.mapping, without_target);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_cmpstr (((SyMappingProblem *) g_ptr_array_index (problems, 0))->field, ==, "target.connection");
  g_assert_cmpstr (((SyMappingProblem *) g_ptr_array_index (problems, 0))->message, ==, missing);
  g_assert_true (((SyMappingProblem *) g_ptr_array_index (problems, 0))->blocking);

  /* A first run that works, with failures to retry. */
  job = sy_sync_job_new (fixture.store, fixture.mapping, fixture.source, fixture.target, &fixture.options);
  sy_sync_job_set_connections (job, all);
  g_assert_true (run_job (&fixture, job, NULL, &error));
  g_assert_no_error (error);
  first = load_run (&fixture, sy_sync_job_get_run_id (job));
  g_assert_cmpuint (first->failed, >, 0);
  g_clear_object (&job);
  g_assert_cmpuint (count_runs (&fixture), ==, 1);
  posts = method_count (&fixture, "POST");
  gets = method_count (&fixture, "GET");

  /* The target connection is gone: new, dry, retry and resume are refused. */
  job = sy_sync_job_new (fixture.store, fixture.mapping, fixture.source, fixture.target, &fixture.options);
  sy_sync_job_set_connections (job, without_target);
  assert_refused (&fixture, job, missing);
  g_clear_object (&job);

  dry = fixture.options;
  dry.dry_run = TRUE;
  dry.full = TRUE;
  job = sy_sync_job_new (fixture.store, fixture.mapping, fixture.source, fixture.target, &dry);
  sy_sync_job_set_connections (job, without_target);
  assert_refused (&fixture, job, missing);
  g_clear_object (&job);

  job = sy_sync_job_new_retry_failed (fixture.store, first, fixture.source, fixture.target, NULL, &error);
  g_assert_no_error (error);
  sy_sync_job_set_connections (job, without_target);
  assert_refused (&fixture, job, missing);
  g_clear_object (&job);

  {
    g_autoptr(SySyncRun) stopped = sy_sync_run_copy (first);

    /* As a stopped run would be: only its state matters to the check. */
    stopped->state = SY_SYNC_RUN_STATE_STOPPED;
    job = sy_sync_job_new_resume (fixture.store, stopped, fixture.source, fixture.target, &error);
    g_assert_no_error (error);
    sy_sync_job_set_connections (job, without_target);
    assert_refused (&fixture, job, missing);
    g_clear_object (&job);
    g_assert_true (sy_sync_check_run (stopped, all, NULL));
    g_assert_false (sy_sync_check_run (stopped, without_target, NULL));
  }

  /* The same connection and entity on both sides: refused even without a
   * connection store, and whatever the case of the name. */
  same = sy_mapping_new_from_data (sy_example_mapping, -1, "example.json", &error);
  g_assert_no_error (error);
  sy_mapping_set_target (same, " MINTSOFT ", "wms/sales-orders");
  job = sy_sync_job_new (fixture.store, same, fixture.source, fixture.source, &fixture.options);
  assert_refused (&fixture, job, same_message);
  g_clear_object (&job);
  job = sy_sync_job_new (fixture.store, same, fixture.source, fixture.source, &fixture.options);
  sy_sync_job_set_connections (job, all);
  assert_refused (&fixture, job, same_message);
  g_clear_object (&job);

  /* Nothing was read or written, and state.db has no new run. */
  g_assert_cmpint (method_count (&fixture, "POST"), ==, posts);
  g_assert_cmpint (method_count (&fixture, "PUT"), ==, 0);
  g_assert_cmpint (method_count (&fixture, "GET"), ==, gets);
  g_assert_cmpuint (count_runs (&fixture), ==, 1);
  {
    g_autoptr(SySyncRun) again = load_run (&fixture, first->id);

    g_assert_cmpint (again->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  }

  fixture_stop (&fixture);
}

/* The key the sandbox's touch edited. */
static char *
touch_one (Fixture *fixture)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (fixture->sandbox),
                                      "/__sandbox/touch?entity=wms/sales-orders&count=1", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read (fixture->inspection, message, NULL, &error);
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *keys;

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
  answer = json_from_string (g_bytes_get_data (bytes, NULL), &error);
  g_assert_no_error (error);
  keys = json_object_get_array_member (json_node_get_object (answer), "keys");
  g_assert_cmpuint (json_array_get_length (keys), ==, 1);
  return g_strdup (json_array_get_string_element (keys, 0));
}

/* Retry Failed sends again only what could now succeed: a refused record
 * whose payload changed. The unchanged refusals stay failed, unsent. */
static void
test_retry_sends_only_changed (void)
{
  const char *args[] = { "--records", "12", "--invalid-rate", "1", NULL };
  Fixture fixture = { 0 };
  g_autoptr(SySyncRun) first = NULL;
  g_autoptr(SySyncRun) retry = NULL;
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = sy_example_mapping_with_addressee ();
  g_autofree char *touched_key = NULL;
  g_autoptr(GHashTable) transient = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 posts;
  guint n_notes = 0;

  fixture_start (&fixture, args);
  /* The addressee is in the payload, so a touch changes it. */
  g_clear_object (&fixture.mapping);
  fixture.mapping = sy_mapping_new_from_data (data, -1, "example.json", &error);
  g_assert_no_error (error);

  first = run_new_job (&fixture, &fixture.options, TRUE);
  g_assert_cmpuint (first->read, ==, 12);
  g_assert_cmpuint (first->failed, ==, 12);
  g_assert_cmpint (target_count (&fixture), ==, 0);
  before = sy_state_store_list_failures (fixture.store, first->id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (before->len, ==, 12);
  for (guint i = 0; i < before->len; i++)
    {
      SySyncResult *failure = g_ptr_array_index (before, i);

      g_assert_cmpuint (failure->status, ==, 422);
      g_assert_nonnull (failure->payload_hash);
      /* The order number, not the key. */
      g_assert_nonnull (failure->display_value);
      g_assert_cmpstr (failure->display_value, !=, failure->source_key);
    }

  /* One refused order changes in the source. */
  touched_key = touch_one (&fixture);

  /* Three others failed on the way, not on their data: no answer, 429
   * given up, 503. Those are sent again whatever their payload. */
  {
    g_autofree char *db_path = g_build_filename (fixture.state_dir, "state.db", NULL);
    const guint statuses[] = { 0, 429, 503 };
    sqlite3 *db = NULL;
    guint changed = 0;

    g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
    sqlite3_busy_timeout (db, 5000);
    for (guint i = 0; i < before->len && changed < G_N_ELEMENTS (statuses); i++)
      {
        SySyncResult *failure = g_ptr_array_index (before, i);
        char *sql;

        if (g_str_equal (failure->source_key, touched_key))
          continue;
        sql = sqlite3_mprintf ("UPDATE sync_results SET status = %u WHERE run_id = %lld AND source_key = %Q",
                               statuses[changed], (long long) first->id, failure->source_key);
        g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
        g_assert_cmpint (sqlite3_changes (db), ==, 1);
        sqlite3_free (sql);
        g_hash_table_add (transient, g_strdup (failure->source_key));
        changed++;
      }
    sqlite3_close (db);
    g_assert_cmpuint (changed, ==, 3);
  }

  posts = method_count (&fixture, "POST");
  job = sy_sync_job_new_retry_failed (fixture.store, first, fixture.source, fixture.target, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (run_job (&fixture, job, NULL, &error));
  g_assert_no_error (error);
  retry = load_run (&fixture, sy_sync_job_get_run_id (job));
  g_assert_cmpint (retry->retry_of, ==, first->id);

  /* Exactly four writes reached the sandbox: the changed record and the
   * three transient failures (refused now: their product is unknown). */
  g_assert_cmpint (method_count (&fixture, "POST") - posts, ==, 4);
  g_assert_cmpint (method_count (&fixture, "PUT"), ==, 0);
  g_assert_cmpint (target_count (&fixture), ==, 0);

  /* Every failure is still listed, the unsent ones with their previous
   * answer and a note. */
  g_assert_cmpuint (retry->failed, ==, 12);
  after = sy_state_store_list_failures (fixture.store, retry->id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 12);
  for (guint i = 0; i < after->len; i++)
    {
      SySyncResult *failure = g_ptr_array_index (after, i);
      SySyncResult *previous = NULL;

      for (guint j = 0; j < before->len; j++)
        if (g_str_equal (((SySyncResult *) g_ptr_array_index (before, j))->source_key, failure->source_key))
          previous = g_ptr_array_index (before, j);
      g_assert_nonnull (previous);
      g_assert_cmpuint (failure->status, ==, 422);
      g_assert_cmpstr (failure->display_value, ==, previous->display_value);
      if (g_str_equal (failure->source_key, touched_key))
        {
          g_assert_cmpuint (failure->attempts, ==, 1);
          g_assert_cmpstr (failure->payload_hash, !=, previous->payload_hash);
          g_assert_cmpstr (failure->request_id, !=, previous->request_id);
          g_assert_false (g_str_has_prefix (failure->message, "Not sent again"));
        }
      else if (g_hash_table_contains (transient, failure->source_key))
        {
          g_assert_cmpuint (failure->attempts, ==, 1);
          g_assert_cmpstr (failure->payload_hash, ==, previous->payload_hash);
          g_assert_cmpstr (failure->request_id, !=, previous->request_id);
          g_assert_false (g_str_has_prefix (failure->message, "Not sent again"));
        }
      else
        {
          n_notes++;
          g_assert_cmpuint (failure->attempts, ==, 0);
          g_assert_cmpstr (failure->payload_hash, ==, previous->payload_hash);
          g_assert_cmpstr (failure->request_id, ==, previous->request_id);
          g_assert_cmpstr (failure->field_errors, ==, previous->field_errors);
          g_assert_true (g_str_has_prefix (failure->message, "Not sent again"));
          g_assert_true (g_str_has_suffix (failure->message, previous->message));
        }
    }
  g_assert_cmpuint (n_notes, ==, 8);
  g_assert_cmpint (target_duplicates (&fixture), ==, 0);

  fixture_stop (&fixture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync-job/full-then-incremental", test_full_then_incremental);
  g_test_add_func ("/sync-job/dry-run", test_dry_run);
  g_test_add_func ("/sync-job/invalid-records-and-retry", test_invalid_records_and_retry);
  g_test_add_func ("/sync-job/stop-and-resume", test_stop_and_resume);
  g_test_add_func ("/sync-job/cancel-and-resume", test_cancel_and_resume);
  g_test_add_func ("/sync-job/unauthorized-fails-run", test_unauthorized_fails_run);
  g_test_add_func ("/sync-job/lock-busy", test_lock_busy);
  g_test_add_func ("/sync-job/progress-throttled", test_progress_throttled);
  g_test_add_func ("/sync-job/flaky-target-exactly-once", test_flaky_target_exactly_once);
  g_test_add_func ("/sync-job/update-after-touch", test_update_after_touch);
  g_test_add_func ("/sync-job/pause-and-delay", test_pause_and_delay);
  g_test_add_func ("/sync-job/source-edited-during-run", test_source_edited_during_run);
  g_test_add_func ("/sync-job/mapping-problems", test_mapping_problems);
  g_test_add_func ("/sync-job/rate-limited-target", test_rate_limited_target);
  g_test_add_func ("/sync-job/source-read-ahead", test_source_read_ahead);
  g_test_add_func ("/sync-job/lost-creates-looked-up-together", test_lost_creates_looked_up_together);
  g_test_add_func ("/sync-job/unsafe-mapping-refused", test_unsafe_mapping_refused);
  g_test_add_func ("/sync-job/retry-sends-only-changed", test_retry_sends_only_changed);

  return g_test_run ();
}
