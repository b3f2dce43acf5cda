/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "cert-test-common.h"
#include "sy-state-store-sync.h"
#include "sy-sync-types.h"
#include "sy-test-support.h"

/* The sync engine's part of state.db on a real file system with the real
 * SQLite; the lock against a real second process (flock(1)). */

typedef struct
{
  char         *dir;
  char         *state_dir;
  char         *db_path;
  SyStateStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = sy_test_make_tmpdir ("sync-store");
  fixture->state_dir = g_build_filename (fixture->dir, "state", NULL);
  fixture->db_path = g_build_filename (fixture->state_dir, "state.db", NULL);
  /* Tests of opening make their own store. */
  if (data == NULL)
    {
      fixture->store = sy_state_store_open (fixture->state_dir, &error);
      g_assert_no_error (error);
    }
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->store);
  sy_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->state_dir);
  g_free (fixture->db_path);
}

/* Asks the file itself, through a connection of our own. */
static char *
query_text (const char *path,
            const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &statement, NULL), ==, SQLITE_OK);
  if (sqlite3_step (statement) == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (statement, 0));
  sqlite3_finalize (statement);
  sqlite3_close (db);
  return text;
}

static void
exec_on_file (const char *path,
              const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static SySyncRun *
make_run (const char *source_entity,
          gboolean    dry_run)
{
  SySyncRun *run = sy_sync_run_new ();

  run->mapping_name = g_strdup ("orders-to-erp");
  run->mapping_data = g_strdup ("{\"version\": 1, \"rules\": []}");
  run->source_connection = g_strdup ("wms-one");
  run->source_entity = g_strdup (source_entity);
  run->target_connection = g_strdup ("erp-two");
  run->target_entity = g_strdup ("sales-orders");
  run->pair = sy_sync_pair_for (run->source_connection, run->source_entity,
                                run->target_connection, run->target_entity);
  run->options.dry_run = dry_run;
  return run;
}

static gint64
create_run (Fixture         *fixture,
            const SySyncRun *run)
{
  g_autoptr(GError) error = NULL;
  gint64 id = sy_state_store_create_run (fixture->store, run, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static SySyncRun *
load_run (Fixture *fixture,
          gint64   id)
{
  g_autoptr(GError) error = NULL;
  SySyncRun *run = sy_state_store_load_run (fixture->store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (run);
  return run;
}

static SySyncResult *
result_new (const char    *key,
            SySyncOutcome  outcome,
            const char    *target_key,
            const char    *updated_at)
{
  SySyncResult *result = sy_sync_result_new (key, outcome);

  result->target_key = g_strdup (target_key);
  result->payload_hash = target_key != NULL ? g_strdup_printf ("hash-of-%s", key) : NULL;
  result->updated_at = g_strdup (updated_at);
  result->attempts = 1;
  result->at = 1700000000;
  return result;
}

static SySyncResult *
failure_new (const char *key,
             guint       status,
             const char *message)
{
  SySyncResult *result = sy_sync_result_new (key, SY_SYNC_OUTCOME_FAILED);

  result->status = status;
  result->message = g_strdup (message);
  result->attempts = 3;
  result->at = 1700000000;
  return result;
}

static GPtrArray *
results_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) sy_sync_result_free);
}

static void
commit (Fixture    *fixture,
        gint64      run_id,
        GPtrArray  *results,
        const char *checkpoint,
        const char *high_water)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_state_store_commit_batch (fixture->store, run_id, results, checkpoint, high_water, &error));
  g_assert_no_error (error);
}

static void
assert_counts (const SySyncRun *run,
               guint64          read,
               guint64          created,
               guint64          updated,
               guint64          failed,
               guint64          skipped)
{
  g_assert_cmpuint (run->read, ==, read);
  g_assert_cmpuint (run->created, ==, created);
  g_assert_cmpuint (run->updated, ==, updated);
  g_assert_cmpuint (run->failed, ==, failed);
  g_assert_cmpuint (run->skipped, ==, skipped);
}

static SySyncBatchState *
lookup (Fixture            *fixture,
        gint64              run_id,
        const char         *pair,
        const char * const *keys)
{
  g_autoptr(GError) error = NULL;
  SySyncBatchState *state = sy_state_store_lookup_batch (fixture->store, run_id, pair, keys, &error);

  g_assert_no_error (error);
  g_assert_nonnull (state);
  return state;
}

/* --- types ------------------------------------------------------------ */

static void
test_types (Fixture       *fixture,
            gconstpointer  data)
{
  const char *states[] = { "running", "interrupted", "stopped", "failed", "finished" };
  const char *outcomes[] = { "created", "updated", "unchanged", "failed", "would-create", "would-update" };
  SySyncOptions options;
  g_autoptr(GError) error = NULL;
  g_autofree char *pair = NULL;
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) run_copy = NULL;
  g_autoptr(SySyncResult) result = failure_new ("k1", 422, "bad");
  g_autoptr(SySyncResult) result_copy = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      SySyncRunState state = 99;

      g_assert_cmpstr (sy_sync_run_state_to_string (i), ==, states[i]);
      g_assert_true (sy_sync_run_state_from_string (states[i], &state));
      g_assert_cmpint (state, ==, i);
      g_assert_nonnull (sy_sync_run_state_get_label (i));
      g_assert_cmpstr (sy_sync_run_state_get_label (i), !=, "");
    }
  {
    SySyncRunState state = SY_SYNC_RUN_STATE_FINISHED;

    g_assert_false (sy_sync_run_state_from_string ("Running", &state));
    g_assert_false (sy_sync_run_state_from_string (NULL, &state));
    g_assert_cmpint (state, ==, SY_SYNC_RUN_STATE_FINISHED);
  }
  g_assert_false (sy_sync_run_state_is_resumable (SY_SYNC_RUN_STATE_RUNNING));
  g_assert_true (sy_sync_run_state_is_resumable (SY_SYNC_RUN_STATE_INTERRUPTED));
  g_assert_true (sy_sync_run_state_is_resumable (SY_SYNC_RUN_STATE_STOPPED));
  g_assert_true (sy_sync_run_state_is_resumable (SY_SYNC_RUN_STATE_FAILED));
  g_assert_false (sy_sync_run_state_is_resumable (SY_SYNC_RUN_STATE_FINISHED));

  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    {
      SySyncOutcome outcome = 99;

      g_assert_cmpstr (sy_sync_outcome_to_string (i), ==, outcomes[i]);
      g_assert_true (sy_sync_outcome_from_string (outcomes[i], &outcome));
      g_assert_cmpint (outcome, ==, i);
    }
  {
    SySyncOutcome outcome = SY_SYNC_OUTCOME_CREATED;

    g_assert_false (sy_sync_outcome_from_string ("skipped", &outcome));
    g_assert_cmpint (outcome, ==, SY_SYNC_OUTCOME_CREATED);
  }

  sy_sync_options_init (&options);
  g_assert_cmpuint (options.batch_size, ==, 50);
  g_assert_cmpuint (options.delay_ms, ==, 0);
  g_assert_cmpuint (options.concurrency, ==, 4);
  g_assert_cmpfloat (options.max_rps, ==, 0.0);
  g_assert_cmpuint (options.timeout_s, ==, 30);
  g_assert_cmpuint (options.max_attempts, ==, 8);
  g_assert_false (options.full);
  g_assert_false (options.dry_run);
  g_assert_true (sy_sync_options_validate (&options, &error));
  g_assert_no_error (error);

  options.batch_size = 100;
  options.concurrency = 32;
  g_assert_true (sy_sync_options_validate (&options, &error));
  g_assert_no_error (error);

  options.batch_size = 101;
  options.concurrency = 0;
  options.max_rps = -1;
  g_assert_false (sy_sync_options_validate (&options, &error));
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_INVALID_OPTIONS);
  g_assert_nonnull (strstr (error->message, "--batch-size must be between 1 and 100"));
  g_assert_nonnull (strstr (error->message, "--concurrency"));
  g_assert_nonnull (strstr (error->message, "--max-rps"));
  g_assert_null (strstr (error->message, "--timeout"));
  g_clear_error (&error);

  sy_sync_options_init (&options);
  options.timeout_s = 0;
  options.max_attempts = 0;
  g_assert_false (sy_sync_options_validate (&options, &error));
  g_assert_nonnull (strstr (error->message, "--timeout"));
  g_assert_nonnull (strstr (error->message, "--max-attempts"));
  g_assert_null (strstr (error->message, "--batch-size"));
  g_clear_error (&error);

  /* The GSettings ranges are the limits. */
  sy_sync_options_init (&options);
  options.delay_ms = 60000;
  options.max_rps = 1000;
  options.timeout_s = 600;
  g_assert_true (sy_sync_options_validate (&options, &error));
  g_assert_no_error (error);
  options.delay_ms = 60001;
  options.max_rps = NAN;
  g_assert_false (sy_sync_options_validate (&options, &error));
  g_assert_nonnull (strstr (error->message, "--delay-ms"));
  g_assert_nonnull (strstr (error->message, "--max-rps"));
  g_assert_null (strstr (error->message, "--timeout"));
  g_clear_error (&error);

  pair = sy_sync_pair_for ("a", "b", "c", "d");
  g_assert_cmpstr (pair, ==, "a\nb\nc\nd");

  run->id = 7;
  run->since = g_strdup ("2024-01-01T00:00:00Z");
  run->created = 3;
  run->updated = 4;
  run_copy = g_boxed_copy (SY_TYPE_SYNC_RUN, run);
  g_assert_true (run_copy != run);
  g_assert_true (run_copy->mapping_name != run->mapping_name);
  g_assert_cmpstr (run_copy->mapping_name, ==, run->mapping_name);
  g_assert_cmpstr (run_copy->since, ==, run->since);
  g_assert_cmpstr (run_copy->pair, ==, run->pair);
  g_assert_cmpint (run_copy->id, ==, 7);
  g_assert_cmpuint (sy_sync_run_get_written (run_copy), ==, 7);

  result->field_errors = g_strdup ("{\"name\": [\"required\"]}");
  result_copy = g_boxed_copy (SY_TYPE_SYNC_RESULT, result);
  g_assert_true (result_copy->message != result->message);
  g_assert_cmpstr (result_copy->message, ==, "bad");
  g_assert_cmpstr (result_copy->field_errors, ==, result->field_errors);
  g_assert_cmpuint (result_copy->status, ==, 422);
  g_assert_cmpint (result_copy->outcome, ==, SY_SYNC_OUTCOME_FAILED);
  g_assert_true (G_TYPE_IS_BOXED (SY_TYPE_SYNC_RUN));
  g_assert_true (G_TYPE_IS_BOXED (SY_TYPE_SYNC_RESULT));

  {
    SySyncExportFormat format = SY_SYNC_EXPORT_JSON;

    g_assert_true (sy_sync_export_format_from_string ("csv", &format));
    g_assert_cmpint (format, ==, SY_SYNC_EXPORT_CSV);
    g_assert_true (sy_sync_export_format_from_string ("json", &format));
    g_assert_cmpint (format, ==, SY_SYNC_EXPORT_JSON);
    g_assert_false (sy_sync_export_format_from_string ("xlsx", &format));
    g_assert_false (sy_sync_export_format_from_string (NULL, &format));
  }
}

/* --- runs ------------------------------------------------------------- */

static void
test_runs_round_trip (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) loaded = NULL;
  g_autoptr(SySyncRun) other = make_run ("products", TRUE);
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id, other_id, third_id;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;

  run->id = 999;                          /* ignored */
  run->state = SY_SYNC_RUN_STATE_FINISHED; /* ignored */
  run->retry_of = 0;
  run->options = (SySyncOptions) { 77, 250, 9, 12.5, 45, 7, TRUE, FALSE };
  run->started_at = 1700000123;
  run->read = 1;
  run->since = g_strdup ("2024-01-02T03:04:05Z");
  run->checkpoint = g_strdup ("2024-01-02T03:04:06Z");
  run->high_water = g_strdup ("2024-01-02T03:04:07Z");
  run->message = g_strdup ("a message");

  id = create_run (fixture, run);
  g_assert_cmpint (id, !=, 999);
  loaded = load_run (fixture, id);

  g_assert_cmpint (loaded->id, ==, id);
  /* Nobody holds the pair: a running run reads as interrupted. */
  g_assert_cmpint (loaded->state, ==, SY_SYNC_RUN_STATE_INTERRUPTED);
  g_assert_cmpstr (loaded->mapping_name, ==, "orders-to-erp");
  g_assert_cmpstr (loaded->mapping_data, ==, run->mapping_data);
  g_assert_cmpstr (loaded->pair, ==, "wms-one\norders\nerp-two\nsales-orders");
  g_assert_cmpstr (loaded->source_connection, ==, "wms-one");
  g_assert_cmpstr (loaded->source_entity, ==, "orders");
  g_assert_cmpstr (loaded->target_connection, ==, "erp-two");
  g_assert_cmpstr (loaded->target_entity, ==, "sales-orders");
  g_assert_cmpint (loaded->retry_of, ==, 0);
  g_assert_cmpuint (loaded->options.batch_size, ==, 77);
  g_assert_cmpuint (loaded->options.delay_ms, ==, 250);
  g_assert_cmpuint (loaded->options.concurrency, ==, 9);
  g_assert_cmpfloat (loaded->options.max_rps, ==, 12.5);
  g_assert_cmpuint (loaded->options.timeout_s, ==, 45);
  g_assert_cmpuint (loaded->options.max_attempts, ==, 7);
  g_assert_true (loaded->options.full);
  g_assert_false (loaded->options.dry_run);
  g_assert_cmpint (loaded->started_at, ==, 1700000123);
  g_assert_cmpint (loaded->finished_at, ==, 0);
  assert_counts (loaded, 1, 0, 0, 0, 0);
  g_assert_cmpstr (loaded->since, ==, "2024-01-02T03:04:05Z");
  g_assert_cmpstr (loaded->checkpoint, ==, "2024-01-02T03:04:06Z");
  g_assert_cmpstr (loaded->high_water, ==, "2024-01-02T03:04:07Z");
  g_assert_cmpstr (loaded->message, ==, "a message");

  /* The other one: a dry retry, no pair given (made from the four),
   * started now, NULL strings kept NULL. */
  g_clear_pointer (&other->pair, g_free);
  g_clear_pointer (&other->mapping_data, g_free);
  other->retry_of = id;
  other_id = create_run (fixture, other);
  g_clear_pointer (&loaded, sy_sync_run_free);
  loaded = load_run (fixture, other_id);
  g_assert_cmpstr (loaded->pair, ==, "wms-one\nproducts\nerp-two\nsales-orders");
  g_assert_null (loaded->mapping_data);
  g_assert_null (loaded->since);
  g_assert_null (loaded->checkpoint);
  g_assert_null (loaded->high_water);
  g_assert_null (loaded->message);
  g_assert_cmpint (loaded->retry_of, ==, id);
  g_assert_true (loaded->options.dry_run);
  g_assert_cmpint (loaded->started_at, >=, before);
  g_assert_cmpint (loaded->started_at, <=, g_get_real_time () / G_USEC_PER_SEC);

  third_id = create_run (fixture, run);
  g_assert_cmpint (third_id, >, other_id);

  /* Newest first; by pair; limited. */
  runs = sy_state_store_list_runs (fixture->store, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 3);
  g_assert_cmpint (((SySyncRun *) runs->pdata[0])->id, ==, third_id);
  g_assert_cmpint (((SySyncRun *) runs->pdata[1])->id, ==, other_id);
  g_assert_cmpint (((SySyncRun *) runs->pdata[2])->id, ==, id);
  g_assert_cmpint (((SySyncRun *) runs->pdata[2])->state, ==, SY_SYNC_RUN_STATE_INTERRUPTED);
  g_assert_cmpstr (((SySyncRun *) runs->pdata[2])->message, ==, "a message");
  g_clear_pointer (&runs, g_ptr_array_unref);

  runs = sy_state_store_list_runs (fixture->store, run->pair, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  g_assert_cmpint (((SySyncRun *) runs->pdata[0])->id, ==, third_id);
  g_assert_cmpint (((SySyncRun *) runs->pdata[1])->id, ==, id);
  g_clear_pointer (&runs, g_ptr_array_unref);

  runs = sy_state_store_list_runs (fixture->store, NULL, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 1);
  g_assert_cmpint (((SySyncRun *) runs->pdata[0])->id, ==, third_id);
  g_clear_pointer (&runs, g_ptr_array_unref);

  runs = sy_state_store_list_runs (fixture->store, "no\nsuch\npair\nhere", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 0);
  g_clear_pointer (&runs, g_ptr_array_unref);

  /* States: final ones get finished_at, running again clears it. */
  g_assert_true (sy_state_store_set_run_state (fixture->store, id, SY_SYNC_RUN_STATE_FAILED,
                                               "The target answered 401", &error));
  g_assert_no_error (error);
  g_clear_pointer (&loaded, sy_sync_run_free);
  loaded = load_run (fixture, id);
  g_assert_cmpint (loaded->state, ==, SY_SYNC_RUN_STATE_FAILED);
  g_assert_cmpstr (loaded->message, ==, "The target answered 401");
  g_assert_cmpint (loaded->finished_at, >=, before);

  g_assert_true (sy_state_store_set_run_state (fixture->store, id, SY_SYNC_RUN_STATE_RUNNING, NULL, &error));
  g_clear_pointer (&loaded, sy_sync_run_free);
  loaded = load_run (fixture, id);
  g_assert_cmpint (loaded->finished_at, ==, 0);
  g_assert_null (loaded->message);

  g_assert_true (sy_state_store_set_run_state (fixture->store, id, SY_SYNC_RUN_STATE_FINISHED, NULL, &error));
  g_clear_pointer (&loaded, sy_sync_run_free);
  loaded = load_run (fixture, id);
  g_assert_cmpint (loaded->state, ==, SY_SYNC_RUN_STATE_FINISHED);
  g_assert_cmpint (loaded->finished_at, >=, before);

  /* Unknown runs. */
  g_assert_null (sy_state_store_load_run (fixture->store, 4242, &error));
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NO_SUCH_RUN);
  g_assert_nonnull (strstr (error->message, "4242"));
  g_assert_nonnull (strstr (error->message, fixture->db_path));
  g_clear_error (&error);
  g_assert_false (sy_state_store_set_run_state (fixture->store, 4242, SY_SYNC_RUN_STATE_STOPPED, NULL, &error));
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NO_SUCH_RUN);
  g_clear_error (&error);

  /* It is all in the file, not in memory. */
  g_clear_object (&fixture->store);
  fixture->store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  g_clear_pointer (&loaded, sy_sync_run_free);
  loaded = load_run (fixture, id);
  g_assert_cmpstr (loaded->high_water, ==, "2024-01-02T03:04:07Z");
  g_assert_cmpint (loaded->state, ==, SY_SYNC_RUN_STATE_FINISHED);
}

/* A database made by the previous version (schema 1) keeps what it holds. */
static void
test_migration (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyCertificate) loaded = NULL;
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autofree char *pem = NULL;
  char *sql = NULL;
  g_autofree char *version = NULL;
  g_autofree char *tables = NULL;
  const char * const genpkey[] = { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", NULL };

  cert_test_openssl_selfsigned (fixture->dir, "kept", genpkey, NULL);
  certificate = cert_test_load_certificate (fixture->dir, "kept.pem");
  pem = sy_certificate_to_pem (certificate);

  g_assert_cmpint (g_mkdir_with_parents (fixture->state_dir, 0700), ==, 0);
  sql = sqlite3_mprintf ("PRAGMA journal_mode = WAL;"
                         "CREATE TABLE certificates ("
                         "  connection_id TEXT PRIMARY KEY,"
                         "  pem TEXT NOT NULL,"
                         "  sha256 TEXT NOT NULL,"
                         "  subject TEXT,"
                         "  not_after INTEGER,"
                         "  created_at INTEGER"
                         ");"
                         "INSERT INTO certificates VALUES ('connection-a', %Q, 'ab', 'CN=kept', 1, 2);"
                         "PRAGMA user_version = 1;",
                         pem);
  exec_on_file (fixture->db_path, sql);
  sqlite3_free (sql);

  fixture->store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);

  loaded = sy_state_store_load_certificate (fixture->store, "connection-a", &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (loaded), ==,
                   sy_certificate_get_sha256_fingerprint (certificate));

  /* The sync tables are there and work. */
  create_run (fixture, run);
  g_clear_object (&fixture->store);

  version = query_text (fixture->db_path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "5");
  tables = query_text (fixture->db_path,
                       "SELECT group_concat (name, ',') FROM (SELECT name FROM sqlite_schema "
                       "WHERE type = 'table' AND name LIKE 'sync_%' ORDER BY name)");
  g_assert_cmpstr (tables, ==, "sync_in_flight,sync_key_map,sync_results,sync_runs");

  /* Opening again does not migrate again. */
  fixture->store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  g_clear_pointer (&run, sy_sync_run_free);
  run = load_run (fixture, 1);
  g_assert_cmpstr (run->mapping_name, ==, "orders-to-erp");
}

/* A database of schema 4 (before failures kept a display value) keeps
 * its failures, which come back without one; new ones keep theirs. */
static void
test_migration_display_value (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(GPtrArray) results = results_new ();
  g_autoptr(GPtrArray) failures = NULL;
  g_autofree char *version = NULL;
  g_autofree char *columns = NULL;
  SySyncResult *failure;
  gint64 id;

  fixture->store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  id = create_run (fixture, run);
  g_ptr_array_add (results, failure_new ("old", 422, "refused before"));
  commit (fixture, id, results, NULL, NULL);
  g_clear_object (&fixture->store);

  /* What the previous version's database looks like. */
  exec_on_file (fixture->db_path,
                "ALTER TABLE sync_results DROP COLUMN display_value; PRAGMA user_version = 4;");
  columns = query_text (fixture->db_path,
                        "SELECT count(*) FROM pragma_table_info ('sync_results') WHERE name = 'display_value'");
  g_assert_cmpstr (columns, ==, "0");

  fixture->store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  g_ptr_array_set_size (results, 0);
  failure = failure_new ("new", 422, "refused now");
  failure->display_value = g_strdup ("SO-1001");
  g_ptr_array_add (results, failure);
  commit (fixture, id, results, NULL, NULL);

  failures = sy_state_store_list_failures (fixture->store, id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failures->len, ==, 2);
  failure = g_ptr_array_index (failures, 0);
  g_assert_cmpstr (failure->source_key, ==, "old");
  g_assert_cmpstr (failure->message, ==, "refused before");
  g_assert_null (failure->display_value);
  failure = g_ptr_array_index (failures, 1);
  g_assert_cmpstr (failure->source_key, ==, "new");
  g_assert_cmpstr (failure->display_value, ==, "SO-1001");
  g_clear_object (&fixture->store);

  version = query_text (fixture->db_path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "5");
}

/* --- batches ---------------------------------------------------------- */

static void
test_commit_counts (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) loaded = NULL;
  g_autoptr(GPtrArray) results = results_new ();
  g_autoptr(SySyncBatchState) state = NULL;
  const char * const keys[] = { "o1", "o2", "o3", "o4", "o5", NULL };
  gint64 id = create_run (fixture, run);

  g_ptr_array_add (results, result_new ("o1", SY_SYNC_OUTCOME_CREATED, "T1", "2024-01-01T00:00:01Z"));
  g_ptr_array_add (results, result_new ("o2", SY_SYNC_OUTCOME_CREATED, "T2", "2024-01-01T00:00:02Z"));
  g_ptr_array_add (results, result_new ("o3", SY_SYNC_OUTCOME_UPDATED, "T3", "2024-01-01T00:00:03Z"));
  g_ptr_array_add (results, result_new ("o4", SY_SYNC_OUTCOME_UNCHANGED, "T4", "2024-01-01T00:00:04Z"));
  g_ptr_array_add (results, failure_new ("o5", 422, "The name is required"));
  commit (fixture, id, results, "2024-01-01T00:00:04Z", "2024-01-01T00:00:09Z");

  loaded = load_run (fixture, id);
  assert_counts (loaded, 5, 2, 1, 1, 1);
  g_assert_cmpuint (sy_sync_run_get_written (loaded), ==, 3);
  g_assert_cmpstr (loaded->checkpoint, ==, "2024-01-01T00:00:04Z");
  g_assert_cmpstr (loaded->high_water, ==, "2024-01-01T00:00:09Z");

  state = lookup (fixture, id, run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->target_keys), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (state->target_keys, "o1"), ==, "T1");
  g_assert_cmpstr (g_hash_table_lookup (state->target_keys, "o4"), ==, "T4");
  g_assert_false (g_hash_table_contains (state->target_keys, "o5"));
  g_assert_cmpstr (g_hash_table_lookup (state->payload_hashes, "o3"), ==, "hash-of-o3");
  g_assert_cmpuint (g_hash_table_size (state->done), ==, 5);
  /* What the job compares a record read again with. */
  g_assert_cmpstr (g_hash_table_lookup (state->done, "o2"), ==, "2024-01-01T00:00:02Z");
  g_assert_cmpuint (g_hash_table_size (state->in_flight), ==, 0);

  /* A second batch: NULL checkpoint and high water leave them; counts add up. */
  g_ptr_array_set_size (results, 0);
  g_ptr_array_add (results, result_new ("o6", SY_SYNC_OUTCOME_CREATED, "T6", "2024-01-01T00:00:06Z"));
  commit (fixture, id, results, NULL, NULL);
  g_clear_pointer (&loaded, sy_sync_run_free);
  loaded = load_run (fixture, id);
  assert_counts (loaded, 6, 3, 1, 1, 1);
  g_assert_cmpstr (loaded->checkpoint, ==, "2024-01-01T00:00:04Z");
  g_assert_cmpstr (loaded->high_water, ==, "2024-01-01T00:00:09Z");

  /* An unchanged record without a hash keeps the one written before. */
  g_ptr_array_set_size (results, 0);
  {
    SySyncResult *unchanged = result_new ("o1", SY_SYNC_OUTCOME_UNCHANGED, "T1", NULL);

    g_clear_pointer (&unchanged->payload_hash, g_free);
    g_ptr_array_add (results, unchanged);
  }
  commit (fixture, id, results, "2024-01-01T00:00:06Z", NULL);
  g_clear_pointer (&state, sy_sync_batch_state_free);
  state = lookup (fixture, id, run->pair, keys);
  g_assert_cmpstr (g_hash_table_lookup (state->payload_hashes, "o1"), ==, "hash-of-o1");
  g_clear_pointer (&loaded, sy_sync_run_free);
  loaded = load_run (fixture, id);
  /* o1 stays one this run created (it did); read is unchanged. */
  assert_counts (loaded, 6, 3, 1, 1, 1);
  g_assert_cmpstr (loaded->checkpoint, ==, "2024-01-01T00:00:06Z");

  /* An empty batch only moves the checkpoint. */
  g_ptr_array_set_size (results, 0);
  commit (fixture, id, results, "2024-01-01T00:00:07Z", NULL);
  g_clear_pointer (&loaded, sy_sync_run_free);
  loaded = load_run (fixture, id);
  assert_counts (loaded, 6, 3, 1, 1, 1);
  g_assert_cmpstr (loaded->checkpoint, ==, "2024-01-01T00:00:07Z");
}

static void
assert_nothing_kept (Fixture    *fixture,
                     gint64      id,
                     const char *pair)
{
  g_autoptr(SySyncRun) loaded = load_run (fixture, id);
  g_autoptr(SySyncBatchState) state = NULL;
  const char * const keys[] = { "a1", "a2", "a3", NULL };
  g_autofree char *count = NULL;

  assert_counts (loaded, 0, 0, 0, 0, 0);
  g_assert_null (loaded->checkpoint);
  g_assert_null (loaded->high_water);
  state = lookup (fixture, id, pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->target_keys), ==, 0);
  g_assert_cmpuint (g_hash_table_size (state->done), ==, 0);
  /* The in-flight mark of a1 survived the failed commit. */
  g_assert_true (g_hash_table_contains (state->in_flight, "a1"));
  count = query_text (fixture->db_path, "SELECT count(*) FROM sync_results");
  g_assert_cmpstr (count, ==, "0");
}

/* Adoption: pairs the target already held go into the key map without
 * replacing what the map knows, and only the last call marks the pair
 * adopted. */
static void
test_adopt_keys (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(GPtrArray) results = results_new ();
  g_autoptr(SySyncBatchState) state = NULL;
  g_autoptr(GError) error = NULL;
  const char * const keys[] = { "o1", "o2", "o3", NULL };
  const char * const first_sources[] = { "o1", "o2", NULL };
  const char * const first_targets[] = { "X1", "X2", NULL };
  const char * const none[] = { NULL };
  gint64 id = create_run (fixture, run);
  gboolean adopted = TRUE;

  g_assert_true (sy_state_store_is_adopted (fixture->store, run->pair, &adopted, &error));
  g_assert_no_error (error);
  g_assert_false (adopted);

  g_ptr_array_add (results, result_new ("o1", SY_SYNC_OUTCOME_CREATED, "T1", "2024-01-01T00:00:01Z"));
  commit (fixture, id, results, NULL, NULL);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      gboolean last = i == 1;

      sy_state_store_adopt_keys_async (fixture->store, run->pair, last ? none : first_sources,
                                       last ? none : first_targets, last, NULL, sy_test_store_result, &result);
      sy_test_await (&result);
      g_assert_true (sy_state_store_adopt_keys_finish (fixture->store, result, &error));
      g_assert_no_error (error);
      g_assert_true (sy_state_store_is_adopted (fixture->store, run->pair, &adopted, &error));
      g_assert_cmpint (adopted, ==, last);
    }

  state = lookup (fixture, id, run->pair, keys);
  /* o1 keeps what the run wrote; o2 is the target's; o3 unknown. */
  g_assert_cmpstr (g_hash_table_lookup (state->target_keys, "o1"), ==, "T1");
  g_assert_cmpstr (g_hash_table_lookup (state->payload_hashes, "o1"), ==, "hash-of-o1");
  g_assert_cmpstr (g_hash_table_lookup (state->target_keys, "o2"), ==, "X2");
  g_assert_false (g_hash_table_contains (state->payload_hashes, "o2"));
  g_assert_false (g_hash_table_contains (state->target_keys, "o3"));
}

/* A record created by a run, edited in the source and written again by
 * the same run stays one the run created; its newer updatedAt and target
 * payload are what the run keeps. */
static void
test_commit_created_then_updated (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) loaded = NULL;
  g_autoptr(GPtrArray) results = results_new ();
  g_autoptr(SySyncBatchState) state = NULL;
  const char * const keys[] = { "o1", "o2", NULL };
  gint64 id = create_run (fixture, run);

  g_ptr_array_add (results, result_new ("o1", SY_SYNC_OUTCOME_CREATED, "T1", "2024-01-01T00:00:01Z"));
  g_ptr_array_add (results, result_new ("o2", SY_SYNC_OUTCOME_UPDATED, "T2", "2024-01-01T00:00:02Z"));
  commit (fixture, id, results, "2024-01-01T00:00:02Z", "2024-01-01T00:00:02Z");

  g_ptr_array_set_size (results, 0);
  g_ptr_array_add (results, result_new ("o1", SY_SYNC_OUTCOME_UPDATED, "T1", "2024-01-01T00:00:07Z"));
  g_ptr_array_add (results, result_new ("o2", SY_SYNC_OUTCOME_UPDATED, "T2", "2024-01-01T00:00:08Z"));
  commit (fixture, id, results, "2024-01-01T00:00:08Z", "2024-01-01T00:00:08Z");

  loaded = load_run (fixture, id);
  assert_counts (loaded, 2, 1, 1, 0, 0);
  state = lookup (fixture, id, run->pair, keys);
  g_assert_cmpstr (g_hash_table_lookup (state->done, "o1"), ==, "2024-01-01T00:00:07Z");
  g_assert_cmpstr (g_hash_table_lookup (state->done, "o2"), ==, "2024-01-01T00:00:08Z");
}

static void
test_commit_atomic (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(GPtrArray) results = results_new ();
  g_autoptr(GError) error = NULL;
  const char * const flying[] = { "a1", NULL };
  gint64 id = create_run (fixture, run);

  g_assert_true (sy_state_store_mark_in_flight (fixture->store, id, flying, &error));
  g_assert_no_error (error);

  /* A NULL key after a good result: SQLite refuses it midway. */
  g_ptr_array_add (results, result_new ("a1", SY_SYNC_OUTCOME_CREATED, "T1", "2024-01-01T00:00:01Z"));
  g_ptr_array_add (results, result_new ("a2", SY_SYNC_OUTCOME_UPDATED, "T2", "2024-01-01T00:00:02Z"));
  g_ptr_array_add (results, result_new (NULL, SY_SYNC_OUTCOME_FAILED, NULL, NULL));
  g_assert_false (sy_state_store_commit_batch (fixture->store, id, results, "2024-01-01T00:00:02Z",
                                               "2024-01-01T00:00:03Z", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, fixture->db_path));
  g_clear_error (&error);
  assert_nothing_kept (fixture, id, run->pair);

  /* A created record without its target key. */
  g_ptr_array_set_size (results, 0);
  g_ptr_array_add (results, result_new ("a1", SY_SYNC_OUTCOME_CREATED, "T1", "2024-01-01T00:00:01Z"));
  g_ptr_array_add (results, result_new ("a3", SY_SYNC_OUTCOME_CREATED, NULL, "2024-01-01T00:00:03Z"));
  g_assert_false (sy_state_store_commit_batch (fixture->store, id, results, "2024-01-01T00:00:03Z", NULL, &error));
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_INVALID_RESULT);
  g_assert_nonnull (strstr (error->message, "a3"));
  g_clear_error (&error);
  assert_nothing_kept (fixture, id, run->pair);

  /* A constraint of the database itself: another process's trigger. */
  exec_on_file (fixture->db_path,
                "CREATE TRIGGER refuse_a2 BEFORE INSERT ON sync_key_map WHEN NEW.source_key = 'a2' "
                "BEGIN SELECT RAISE (ABORT, 'refused by the test'); END;");
  g_ptr_array_set_size (results, 0);
  g_ptr_array_add (results, result_new ("a1", SY_SYNC_OUTCOME_CREATED, "T1", "2024-01-01T00:00:01Z"));
  g_ptr_array_add (results, result_new ("a2", SY_SYNC_OUTCOME_CREATED, "T2", "2024-01-01T00:00:02Z"));
  g_assert_false (sy_state_store_commit_batch (fixture->store, id, results, "2024-01-01T00:00:02Z", NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "refused by the test"));
  g_clear_error (&error);
  assert_nothing_kept (fixture, id, run->pair);
  exec_on_file (fixture->db_path, "DROP TRIGGER refuse_a2");

  /* An unknown run. */
  g_assert_false (sy_state_store_commit_batch (fixture->store, 4242, results, NULL, NULL, &error));
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NO_SUCH_RUN);
  g_clear_error (&error);

  /* The store is still usable after the failures: no transaction left open. */
  commit (fixture, id, results, "2024-01-01T00:00:02Z", NULL);
  {
    g_autoptr(SySyncRun) loaded = load_run (fixture, id);

    assert_counts (loaded, 2, 2, 0, 0, 0);
  }
}

static void
test_commit_replace (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) loaded = NULL;
  g_autoptr(GPtrArray) results = results_new ();
  gint64 id = create_run (fixture, run);

  g_ptr_array_add (results, failure_new ("r1", 503, "Service unavailable"));
  g_ptr_array_add (results, failure_new ("r2", 0, "Connection reset"));
  g_ptr_array_add (results, result_new ("r3", SY_SYNC_OUTCOME_CREATED, "T3", "2024-01-01T00:00:03Z"));
  commit (fixture, id, results, NULL, NULL);
  loaded = load_run (fixture, id);
  assert_counts (loaded, 3, 1, 0, 2, 0);

  /* Resume: r1 now succeeds, r2 fails again, r3 is written again as an
   * update, and stays a record this run created. */
  g_ptr_array_set_size (results, 0);
  g_ptr_array_add (results, result_new ("r1", SY_SYNC_OUTCOME_CREATED, "T1", "2024-01-01T00:00:01Z"));
  g_ptr_array_add (results, failure_new ("r2", 500, "Internal error"));
  g_ptr_array_add (results, result_new ("r3", SY_SYNC_OUTCOME_UPDATED, "T3", "2024-01-01T00:00:03Z"));
  commit (fixture, id, results, NULL, NULL);
  g_clear_pointer (&loaded, sy_sync_run_free);
  loaded = load_run (fixture, id);
  assert_counts (loaded, 3, 2, 0, 1, 0);

  /* The same key twice in one batch: the last one counts. */
  g_ptr_array_set_size (results, 0);
  g_ptr_array_add (results, failure_new ("r4", 429, "Too many requests"));
  g_ptr_array_add (results, result_new ("r4", SY_SYNC_OUTCOME_CREATED, "T4", "2024-01-01T00:00:04Z"));
  g_ptr_array_add (results, result_new ("r2", SY_SYNC_OUTCOME_CREATED, "T2", "2024-01-01T00:00:02Z"));
  commit (fixture, id, results, NULL, NULL);
  g_clear_pointer (&loaded, sy_sync_run_free);
  loaded = load_run (fixture, id);
  assert_counts (loaded, 4, 4, 0, 0, 0);

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) failures = sy_state_store_list_failures (fixture->store, id, 0, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (failures->len, ==, 0);
  }
}

static void
test_commit_dry_run (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", TRUE);
  g_autoptr(SySyncRun) real_run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) loaded = NULL;
  g_autoptr(GPtrArray) results = results_new ();
  g_autoptr(SySyncBatchState) state = NULL;
  g_autofree char *count = NULL;
  const char * const keys[] = { "d1", "d2", "d3", "d4", NULL };
  gint64 id = create_run (fixture, run);
  gint64 real_id;

  g_ptr_array_add (results, result_new ("d1", SY_SYNC_OUTCOME_WOULD_CREATE, NULL, "2024-01-01T00:00:01Z"));
  g_ptr_array_add (results, result_new ("d2", SY_SYNC_OUTCOME_WOULD_UPDATE, "T2", "2024-01-01T00:00:02Z"));
  g_ptr_array_add (results, result_new ("d3", SY_SYNC_OUTCOME_UNCHANGED, "T3", "2024-01-01T00:00:03Z"));
  g_ptr_array_add (results, failure_new ("d4", 0, "The mapping needs a name"));
  commit (fixture, id, results, "2024-01-01T00:00:03Z", "2024-01-01T00:00:03Z");

  loaded = load_run (fixture, id);
  assert_counts (loaded, 4, 1, 1, 1, 1);
  g_assert_cmpstr (loaded->checkpoint, ==, "2024-01-01T00:00:03Z");

  count = query_text (fixture->db_path, "SELECT count(*) FROM sync_key_map");
  g_assert_cmpstr (count, ==, "0");

  state = lookup (fixture, id, run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->target_keys), ==, 0);
  g_assert_cmpuint (g_hash_table_size (state->done), ==, 4);

  /* A real run of the same pair sees no key map either. */
  real_id = create_run (fixture, real_run);
  g_clear_pointer (&state, sy_sync_batch_state_free);
  state = lookup (fixture, real_id, real_run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->target_keys), ==, 0);
  g_assert_cmpuint (g_hash_table_size (state->done), ==, 0);
}

static void
test_in_flight (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) other_run = make_run ("orders", FALSE);
  g_autoptr(GPtrArray) results = results_new ();
  g_autoptr(SySyncBatchState) state = NULL;
  g_autoptr(GError) error = NULL;
  const char * const keys[] = { "f1", "f2", "f3", "f4", NULL };
  const char * const flying[] = { "f1", "f2", "f3", NULL };
  gint64 id = create_run (fixture, run);
  gint64 other_id = create_run (fixture, other_run);

  g_assert_true (sy_state_store_mark_in_flight (fixture->store, id, flying, &error));
  g_assert_no_error (error);
  /* Twice is harmless (a resume marks again). */
  g_assert_true (sy_state_store_mark_in_flight (fixture->store, id, flying, &error));
  g_assert_no_error (error);

  state = lookup (fixture, id, run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->in_flight), ==, 3);
  g_assert_true (g_hash_table_contains (state->in_flight, "f1"));
  g_assert_false (g_hash_table_contains (state->in_flight, "f4"));
  g_assert_cmpuint (g_hash_table_size (state->done), ==, 0);
  g_clear_pointer (&state, sy_sync_batch_state_free);

  /* Another run of the same pair has its own set. */
  state = lookup (fixture, other_id, run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->in_flight), ==, 0);
  g_clear_pointer (&state, sy_sync_batch_state_free);

  /* Committed creates leave the set; a failure whose create may have
   * reached the target stays in it, for resume to look it up. */
  g_ptr_array_add (results, result_new ("f1", SY_SYNC_OUTCOME_CREATED, "T1", "2024-01-01T00:00:01Z"));
  g_ptr_array_add (results, result_new ("f2", SY_SYNC_OUTCOME_UNCHANGED, "T2", "2024-01-01T00:00:02Z"));
  g_ptr_array_add (results, failure_new ("f3", 0, "Connection reset"));
  commit (fixture, id, results, NULL, NULL);

  state = lookup (fixture, id, run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->in_flight), ==, 1);
  g_assert_true (g_hash_table_contains (state->in_flight, "f3"));
  g_assert_cmpuint (g_hash_table_size (state->done), ==, 3);
  g_clear_pointer (&state, sy_sync_batch_state_free);

  g_ptr_array_set_size (results, 0);
  g_ptr_array_add (results, result_new ("f3", SY_SYNC_OUTCOME_CREATED, "T3", "2024-01-01T00:00:03Z"));
  commit (fixture, id, results, NULL, NULL);
  state = lookup (fixture, id, run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->in_flight), ==, 0);

  /* An unknown run. */
  g_assert_false (sy_state_store_mark_in_flight (fixture->store, 4242, flying, &error));
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NO_SUCH_RUN);
}

/* A run that starts takes over the in-flight creates of the pair's other
 * runs (a killed process's), in one step; another pair's stay its own. */
static void
test_in_flight_take_over (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(SySyncRun) killed_run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) new_run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) other_pair_run = make_run ("returns", FALSE);
  g_autoptr(SySyncBatchState) state = NULL;
  g_autoptr(GError) error = NULL;
  const char * const keys[] = { "f1", "f2", "f3", NULL };
  const char * const killed_flying[] = { "f1", "f2", NULL };
  const char * const new_flying[] = { "f2", "f3", NULL };
  gint64 killed_id = create_run (fixture, killed_run);
  gint64 new_id = create_run (fixture, new_run);
  gint64 other_id = create_run (fixture, other_pair_run);

  g_assert_true (sy_state_store_mark_in_flight (fixture->store, killed_id, killed_flying, &error));
  g_assert_true (sy_state_store_mark_in_flight (fixture->store, new_id, new_flying, &error));
  g_assert_true (sy_state_store_mark_in_flight (fixture->store, other_id, killed_flying, &error));
  g_assert_no_error (error);

  g_assert_true (sy_state_store_take_over_in_flight (fixture->store, new_id, new_run->pair, &error));
  g_assert_no_error (error);

  state = lookup (fixture, new_id, new_run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->in_flight), ==, 3);
  g_clear_pointer (&state, sy_sync_batch_state_free);
  state = lookup (fixture, killed_id, killed_run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->in_flight), ==, 0);
  g_clear_pointer (&state, sy_sync_batch_state_free);
  state = lookup (fixture, other_id, other_pair_run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->in_flight), ==, 2);
  g_clear_pointer (&state, sy_sync_batch_state_free);

  /* Resuming the killed run takes them back. */
  g_assert_true (sy_state_store_take_over_in_flight (fixture->store, killed_id, killed_run->pair, &error));
  g_assert_no_error (error);
  state = lookup (fixture, killed_id, killed_run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->in_flight), ==, 3);
  g_clear_pointer (&state, sy_sync_batch_state_free);
  state = lookup (fixture, new_id, new_run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->in_flight), ==, 0);
}

static void
test_lookup (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) next_run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) other_pair = make_run ("products", FALSE);
  g_autoptr(GPtrArray) results = results_new ();
  g_autoptr(SySyncBatchState) state = NULL;
  const char * const keys[] = { "k1", "k2", "k3", "unknown", NULL };
  const char * const none[] = { NULL };
  gint64 id = create_run (fixture, run);
  gint64 next_id;

  g_ptr_array_add (results, result_new ("k1", SY_SYNC_OUTCOME_CREATED, "T1", "2024-01-01T00:00:01Z"));
  g_ptr_array_add (results, result_new ("k2", SY_SYNC_OUTCOME_UPDATED, "T2", "2024-01-01T00:00:02Z"));
  g_ptr_array_add (results, failure_new ("k3", 422, "Invalid"));
  commit (fixture, id, results, NULL, NULL);

  /* The next run of the pair knows the targets but has done nothing. */
  next_id = create_run (fixture, next_run);
  state = lookup (fixture, next_id, run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->target_keys), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (state->target_keys, "k1"), ==, "T1");
  g_assert_cmpstr (g_hash_table_lookup (state->target_keys, "k2"), ==, "T2");
  g_assert_cmpstr (g_hash_table_lookup (state->payload_hashes, "k1"), ==, "hash-of-k1");
  g_assert_cmpstr (g_hash_table_lookup (state->payload_hashes, "k2"), ==, "hash-of-k2");
  g_assert_cmpuint (g_hash_table_size (state->done), ==, 0);
  g_clear_pointer (&state, sy_sync_batch_state_free);

  /* The key map moves with the latest write. */
  g_ptr_array_set_size (results, 0);
  {
    SySyncResult *updated = result_new ("k1", SY_SYNC_OUTCOME_UPDATED, "T1-new", "2024-02-01T00:00:01Z");

    g_free (updated->payload_hash);
    updated->payload_hash = g_strdup ("new-hash");
    g_ptr_array_add (results, updated);
  }
  commit (fixture, next_id, results, NULL, NULL);
  state = lookup (fixture, next_id, run->pair, keys);
  g_assert_cmpstr (g_hash_table_lookup (state->target_keys, "k1"), ==, "T1-new");
  g_assert_cmpstr (g_hash_table_lookup (state->payload_hashes, "k1"), ==, "new-hash");
  g_assert_cmpuint (g_hash_table_size (state->done), ==, 1);
  g_assert_true (g_hash_table_contains (state->done, "k1"));
  g_clear_pointer (&state, sy_sync_batch_state_free);

  /* The first run's done set includes its failure. */
  state = lookup (fixture, id, run->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->done), ==, 3);
  g_assert_true (g_hash_table_contains (state->done, "k3"));
  g_clear_pointer (&state, sy_sync_batch_state_free);

  /* Another pair shares nothing. */
  state = lookup (fixture, id, other_pair->pair, keys);
  g_assert_cmpuint (g_hash_table_size (state->target_keys), ==, 0);
  g_clear_pointer (&state, sy_sync_batch_state_free);

  state = lookup (fixture, id, run->pair, none);
  g_assert_cmpuint (g_hash_table_size (state->target_keys), ==, 0);
  g_assert_cmpuint (g_hash_table_size (state->done), ==, 0);
}

/* --- failures --------------------------------------------------------- */

static void
test_failures_paging (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(GPtrArray) results = results_new ();
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = create_run (fixture, run);

  /* Three batches; keys named so that commit order is not their sort order. */
  for (guint batch = 0; batch < 3; batch++)
    {
      g_ptr_array_set_size (results, 0);
      for (guint i = 0; i < 10; i++)
        {
          g_autofree char *key = g_strdup_printf ("z%02u-%u", 30 - (batch * 10 + i), batch);

          if (i % 2 == 0)
            {
              g_autofree char *message = g_strdup_printf ("failure %u", batch * 10 + i);
              SySyncResult *failure = failure_new (key, 422, message);

              failure->request_id = g_strdup_printf ("req-%u", batch * 10 + i);
              failure->field_errors = g_strdup ("{\"name\": [\"is required\"]}");
              g_ptr_array_add (results, failure);
            }
          else
            g_ptr_array_add (results, result_new (key, SY_SYNC_OUTCOME_CREATED, "T", "2024-01-01T00:00:00Z"));
        }
      commit (fixture, id, results, NULL, NULL);
    }

  all = sy_state_store_list_failures (fixture->store, id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 15);
  for (guint n = 0; n < all->len; n++)
    {
      SySyncResult *failure = all->pdata[n];
      guint expected = (n / 5) * 10 + (n % 5) * 2;
      g_autofree char *message = g_strdup_printf ("failure %u", expected);
      g_autofree char *request_id = g_strdup_printf ("req-%u", expected);

      g_assert_cmpint (failure->outcome, ==, SY_SYNC_OUTCOME_FAILED);
      g_assert_cmpstr (failure->message, ==, message);
      g_assert_cmpstr (failure->request_id, ==, request_id);
      g_assert_cmpuint (failure->status, ==, 422);
      g_assert_cmpuint (failure->attempts, ==, 3);
      g_assert_cmpint (failure->at, ==, 1700000000);
      g_assert_cmpstr (failure->field_errors, ==, "{\"name\": [\"is required\"]}");
    }

  page = sy_state_store_list_failures (fixture->store, id, 4, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 3);
  for (guint n = 0; n < 3; n++)
    g_assert_cmpstr (((SySyncResult *) page->pdata[n])->source_key, ==,
                     ((SySyncResult *) all->pdata[4 + n])->source_key);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = sy_state_store_list_failures (fixture->store, id, 13, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 2);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = sy_state_store_list_failures (fixture->store, id, 15, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 0);
  g_clear_pointer (&page, g_ptr_array_unref);

  /* A record that fails again moves to where it failed last. */
  g_ptr_array_set_size (results, 0);
  g_ptr_array_add (results, failure_new (((SySyncResult *) all->pdata[0])->source_key, 500, "again"));
  commit (fixture, id, results, NULL, NULL);
  page = sy_state_store_list_failures (fixture->store, id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 15);
  g_assert_cmpstr (((SySyncResult *) page->pdata[0])->source_key, ==,
                   ((SySyncResult *) all->pdata[1])->source_key);
  g_assert_cmpstr (((SySyncResult *) page->pdata[14])->message, ==, "again");
  g_clear_pointer (&page, g_ptr_array_unref);

  g_assert_null (sy_state_store_list_failures (fixture->store, 4242, 0, 0, &error));
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NO_SUCH_RUN);
}

/* --- export ----------------------------------------------------------- */

static gint64
make_failed_run (Fixture *fixture)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(GPtrArray) results = results_new ();
  gint64 id = create_run (fixture, run);
  SySyncResult *failure;

  failure = failure_new ("plain", 422, "The name is required");
  failure->field_errors = g_strdup ("{\"name\": [\"is required\", \"must be short\"]}");
  failure->request_id = g_strdup ("req-1");
  failure->at = 1700000000;
  g_ptr_array_add (results, failure);

  g_ptr_array_add (results, result_new ("fine", SY_SYNC_OUTCOME_CREATED, "T", "2024-01-01T00:00:00Z"));

  failure = failure_new ("tricky,key", 0, "Comma, \"quote\"\nand a new line");
  failure->attempts = 5;
  failure->at = 1700000001;
  g_ptr_array_add (results, failure);

  failure = failure_new ("=HYPERLINK(\"http://evil\")", 500, "@SUM(A1)");
  failure->request_id = g_strdup ("-1+2");
  failure->at = 1700000002;
  g_ptr_array_add (results, failure);

  commit (fixture, id, results, NULL, NULL);
  return id;
}

/* An RFC 4180 reader, strict enough to catch a malformed export. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      if (*p == '"')
        {
          g_assert_cmpuint (field->len, ==, 0);
          for (p++;; p++)
            {
              g_assert_true (*p != '\0');
              if (*p == '"' && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p++;
                }
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (field, *p);
            }
          g_assert_true (*p == ',' || *p == '\r');
        }
      else if (*p == ',')
        {
          g_ptr_array_add (row, g_string_free (g_steal_pointer (&field), FALSE));
          field = g_string_new (NULL);
          p++;
        }
      else if (*p == '\r')
        {
          g_assert_cmpint (p[1], ==, '\n');
          g_ptr_array_add (row, g_string_free (g_steal_pointer (&field), FALSE));
          field = g_string_new (NULL);
          g_ptr_array_add (rows, row);
          row = g_ptr_array_new_with_free_func (g_free);
          p += 2;
        }
      else
        {
          /* A bare quote or line break inside an unquoted field is malformed. */
          g_assert_cmpint (*p, !=, '\n');
          g_string_append_c (field, *p++);
        }
    }

  g_assert_cmpuint (field->len, ==, 0);
  g_assert_cmpuint (row->len, ==, 0);
  g_string_free (field, TRUE);
  g_ptr_array_unref (row);
  return rows;
}

static char *
export_to_string (Fixture            *fixture,
                  gint64              id,
                  SySyncExportFormat  format)
{
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_state_store_export_failures_to_stream (fixture->store, id, format, stream, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (stream, "", 1, NULL, NULL, &error));
  g_output_stream_close (stream, NULL, NULL);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (stream));
}

#define CSV_FIELD(rows, r, c) ((const char *) ((GPtrArray *) (rows)->pdata[r])->pdata[c])

static void
test_export_csv (Fixture       *fixture,
                 gconstpointer  data)
{
  gint64 id = make_failed_run (fixture);
  g_autofree char *csv = export_to_string (fixture, id, SY_SYNC_EXPORT_CSV);
  g_autoptr(GPtrArray) rows = parse_csv (csv);
  const char *header[] = { "source_key", "target_entity", "status", "message", "field_errors",
                           "request_id", "attempts", "at" };

  g_assert_true (g_str_has_prefix (csv, "source_key,target_entity,status,message,field_errors,"
                                        "request_id,attempts,at\r\n"));
  g_assert_cmpuint (rows->len, ==, 4);
  for (guint r = 0; r < rows->len; r++)
    g_assert_cmpuint (((GPtrArray *) rows->pdata[r])->len, ==, 8);
  for (guint c = 0; c < G_N_ELEMENTS (header); c++)
    g_assert_cmpstr (CSV_FIELD (rows, 0, c), ==, header[c]);

  g_assert_cmpstr (CSV_FIELD (rows, 1, 0), ==, "plain");
  g_assert_cmpstr (CSV_FIELD (rows, 1, 1), ==, "sales-orders");
  g_assert_cmpstr (CSV_FIELD (rows, 1, 2), ==, "422");
  g_assert_cmpstr (CSV_FIELD (rows, 1, 3), ==, "The name is required");
  g_assert_cmpstr (CSV_FIELD (rows, 1, 4), ==, "{\"name\": [\"is required\", \"must be short\"]}");
  g_assert_cmpstr (CSV_FIELD (rows, 1, 5), ==, "req-1");
  g_assert_cmpstr (CSV_FIELD (rows, 1, 6), ==, "3");
  g_assert_cmpstr (CSV_FIELD (rows, 1, 7), ==, "2023-11-14T22:13:20Z");

  g_assert_cmpstr (CSV_FIELD (rows, 2, 0), ==, "tricky,key");
  g_assert_cmpstr (CSV_FIELD (rows, 2, 2), ==, "");
  g_assert_cmpstr (CSV_FIELD (rows, 2, 3), ==, "Comma, \"quote\"\nand a new line");
  g_assert_cmpstr (CSV_FIELD (rows, 2, 4), ==, "");
  g_assert_cmpstr (CSV_FIELD (rows, 2, 6), ==, "5");

  /* Formula guard: a spreadsheet shows these as text. */
  g_assert_cmpstr (CSV_FIELD (rows, 3, 0), ==, "'=HYPERLINK(\"http://evil\")");
  g_assert_cmpstr (CSV_FIELD (rows, 3, 3), ==, "'@SUM(A1)");
  g_assert_cmpstr (CSV_FIELD (rows, 3, 5), ==, "'-1+2");
  g_assert_cmpstr (CSV_FIELD (rows, 3, 2), ==, "500");

  /* A run without failures: the header alone. */
  {
    g_autoptr(SySyncRun) clean = make_run ("orders", FALSE);
    gint64 clean_id = create_run (fixture, clean);
    g_autofree char *empty = export_to_string (fixture, clean_id, SY_SYNC_EXPORT_CSV);

    g_assert_cmpstr (empty, ==, "source_key,target_entity,status,message,field_errors,request_id,attempts,at\r\n");
  }

  /* An unknown run. */
  {
    g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
    g_autoptr(GError) error = NULL;

    g_assert_false (sy_state_store_export_failures_to_stream (fixture->store, 4242, SY_SYNC_EXPORT_CSV,
                                                              stream, NULL, &error));
    g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NO_SUCH_RUN);
  }
}

static void
assert_json_export (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  JsonObject *object;
  JsonArray *messages;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 3);

  object = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (object, "source_key"), ==, "plain");
  g_assert_cmpstr (json_object_get_string_member (object, "target_entity"), ==, "sales-orders");
  g_assert_cmpint (json_object_get_int_member (object, "status"), ==, 422);
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "The name is required");
  g_assert_cmpstr (json_object_get_string_member (object, "request_id"), ==, "req-1");
  g_assert_cmpint (json_object_get_int_member (object, "attempts"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (object, "at"), ==, "2023-11-14T22:13:20Z");
  /* Added after the others; null when the run kept none. */
  g_assert_true (json_object_has_member (object, "display_value"));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "display_value")));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "field_errors")));
  messages = json_object_get_array_member (json_object_get_object_member (object, "field_errors"), "name");
  g_assert_cmpuint (json_array_get_length (messages), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (messages, 1), ==, "must be short");

  object = json_array_get_object_element (array, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "source_key"), ==, "tricky,key");
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "status")));
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "Comma, \"quote\"\nand a new line");
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "field_errors")));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "request_id")));

  /* JSON needs no formula guard: the text is kept as it is. */
  object = json_array_get_object_element (array, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "source_key"), ==, "=HYPERLINK(\"http://evil\")");
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "@SUM(A1)");
}

static void
test_export_json (Fixture       *fixture,
                  gconstpointer  data)
{
  gint64 id = make_failed_run (fixture);
  g_autofree char *json = export_to_string (fixture, id, SY_SYNC_EXPORT_JSON);
  g_autoptr(SySyncRun) clean = make_run ("orders", FALSE);
  gint64 clean_id = create_run (fixture, clean);
  g_autofree char *empty = export_to_string (fixture, clean_id, SY_SYNC_EXPORT_JSON);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  assert_json_export (json);

  json_parser_load_from_data (parser, empty, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))), ==, 0);
}

/* Many failures, streamed: checks the chunking and the row count. */
static void
test_export_large (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(GPtrArray) results = results_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gint64 id = create_run (fixture, run);

  for (guint batch = 0; batch < 30; batch++)
    {
      g_ptr_array_set_size (results, 0);
      for (guint i = 0; i < 100; i++)
        {
          g_autofree char *key = g_strdup_printf ("key-%05u", batch * 100 + i);

          g_ptr_array_add (results, failure_new (key, 422, "A fairly long message, with a comma, "
                                                           "repeated so that rows add up quickly"));
        }
      commit (fixture, id, results, NULL, NULL);
    }

  csv = export_to_string (fixture, id, SY_SYNC_EXPORT_CSV);
  g_assert_cmpuint (strlen (csv), >, 3 * 64 * 1024);
  rows = parse_csv (csv);
  g_assert_cmpuint (rows->len, ==, 3001);
  g_assert_cmpstr (CSV_FIELD (rows, 3000, 0), ==, "key-02999");

  json = export_to_string (fixture, id, SY_SYNC_EXPORT_JSON);
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))), ==, 3000);
}

static gboolean
export_file (Fixture            *fixture,
             gint64              id,
             SySyncExportFormat  format,
             GFile              *file,
             GCancellable       *cancellable,
             GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_state_store_export_failures_async (fixture->store, id, format, file, cancellable,
                                        sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_state_store_export_failures_finish (fixture->store, result, error);
}

static void
test_export_file_async (Fixture       *fixture,
                        gconstpointer  data)
{
  gint64 id = make_failed_run (fixture);
  g_autofree char *export_dir = g_build_filename (fixture->dir, "exports", NULL);
  g_autofree char *path = g_build_filename (export_dir, "failures.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *streamed = export_to_string (fixture, id, SY_SYNC_EXPORT_CSV);

  g_assert_cmpint (g_mkdir (export_dir, 0700), ==, 0);

  /* Over an existing file. */
  g_assert_true (g_file_set_contents (path, "old contents", -1, NULL));
  g_assert_true (export_file (fixture, id, SY_SYNC_EXPORT_JSON, file, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  assert_json_export (contents);
  g_assert_cmpuint (sy_test_count_dir_entries (export_dir), ==, 1);

  g_assert_true (export_file (fixture, id, SY_SYNC_EXPORT_CSV, file, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &csv, NULL, NULL));
  g_assert_cmpstr (csv, ==, streamed);

  /* A failed export (unknown run) and a cancelled one leave the file as
   * it was, and no temporary file behind. */
  g_assert_false (export_file (fixture, 4242, SY_SYNC_EXPORT_JSON, file, NULL, &error));
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NO_SUCH_RUN);
  g_clear_error (&error);
  g_cancellable_cancel (cancelled);
  g_assert_false (export_file (fixture, id, SY_SYNC_EXPORT_JSON, file, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, streamed);
  g_assert_cmpuint (sy_test_count_dir_entries (export_dir), ==, 1);

  /* A directory that is not there: the message names the file. */
  {
    g_autofree char *missing = g_build_filename (fixture->dir, "no-such-dir", "failures.csv", NULL);
    g_autoptr(GFile) missing_file = g_file_new_for_path (missing);

    g_assert_false (export_file (fixture, id, SY_SYNC_EXPORT_CSV, missing_file, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, missing));
  }
}

/* --- lock ------------------------------------------------------------- */

static void
test_lock (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(SySyncLock) lock = NULL;
  g_autoptr(SySyncLock) second = NULL;
  g_autoptr(SySyncLock) other_pair = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, run->pair, -1);
  g_autofree char *lock_name = g_strconcat (digest, ".lock", NULL);
  g_autofree char *lock_dir = g_build_filename (fixture->state_dir, "locks", NULL);
  g_autofree char *lock_path = g_build_filename (lock_dir, lock_name, NULL);
  struct stat info;

  lock = sy_state_store_lock_pair (fixture->store, run->pair, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lock);

  g_assert_cmpint (g_stat (lock_dir, &info), ==, 0);
  g_assert_cmpuint (info.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (lock_path, &info), ==, 0);
  g_assert_cmpuint (info.st_mode & 0777, ==, 0600);

  /* flock is per open file: this process cannot take it twice either. */
  second = sy_state_store_lock_pair (fixture->store, run->pair, &error);
  g_assert_null (second);
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_PAIR_BUSY);
  g_assert_nonnull (strstr (error->message, "wms-one"));
  g_assert_nonnull (strstr (error->message, "erp-two"));
  g_clear_error (&error);

  /* Another store on the same directory (the GUI next to the CLI). */
  {
    g_autoptr(SyStateStore) other_store = sy_state_store_open (fixture->state_dir, &error);

    g_assert_no_error (error);
    second = sy_state_store_lock_pair (other_store, run->pair, &error);
    g_assert_null (second);
    g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_PAIR_BUSY);
    g_clear_error (&error);
  }

  /* Other pairs are free. */
  other_pair = sy_state_store_lock_pair (fixture->store, "a\nb\nc\nd", &error);
  g_assert_no_error (error);
  g_assert_nonnull (other_pair);

  g_clear_pointer (&lock, sy_sync_lock_free);
  second = sy_state_store_lock_pair (fixture->store, run->pair, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
}

static gboolean
wait_for_state (Fixture        *fixture,
                gint64          id,
                SySyncRunState  state)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(SySyncRun) run = load_run (fixture, id);

      if (run->state == state)
        return TRUE;
      g_usleep (10000);
    }
  return FALSE;
}

static void
test_interrupted (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) loaded = NULL;
  g_autoptr(SySyncLock) lock = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) holder = NULL;
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, run->pair, -1);
  g_autofree char *lock_name = g_strconcat (digest, ".lock", NULL);
  g_autofree char *lock_path = g_build_filename (fixture->state_dir, "locks", lock_name, NULL);
  gint64 id, finished_id;

  /* Before any lock file exists. */
  id = create_run (fixture, run);
  loaded = load_run (fixture, id);
  g_assert_cmpint (loaded->state, ==, SY_SYNC_RUN_STATE_INTERRUPTED);
  g_clear_pointer (&loaded, sy_sync_run_free);

  /* Held by this process. */
  lock = sy_state_store_lock_pair (fixture->store, run->pair, &error);
  g_assert_no_error (error);
  loaded = load_run (fixture, id);
  g_assert_cmpint (loaded->state, ==, SY_SYNC_RUN_STATE_RUNNING);
  g_clear_pointer (&loaded, sy_sync_run_free);
  runs = sy_state_store_list_runs (fixture->store, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((SySyncRun *) runs->pdata[0])->state, ==, SY_SYNC_RUN_STATE_RUNNING);
  g_clear_pointer (&runs, g_ptr_array_unref);
  /* The probe did not take the lock from its holder. */
  {
    g_autoptr(SySyncLock) again = sy_state_store_lock_pair (fixture->store, run->pair, &error);

    g_assert_null (again);
    g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_PAIR_BUSY);
    g_clear_error (&error);
  }

  /* Released: the process that ran it is gone, as far as anyone can tell. */
  g_clear_pointer (&lock, sy_sync_lock_free);
  loaded = load_run (fixture, id);
  g_assert_cmpint (loaded->state, ==, SY_SYNC_RUN_STATE_INTERRUPTED);
  g_clear_pointer (&loaded, sy_sync_run_free);
  runs = sy_state_store_list_runs (fixture->store, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((SySyncRun *) runs->pdata[0])->state, ==, SY_SYNC_RUN_STATE_INTERRUPTED);
  g_clear_pointer (&runs, g_ptr_array_unref);
  /* ... and the probe left it free. */
  lock = sy_state_store_lock_pair (fixture->store, run->pair, &error);
  g_assert_no_error (error);
  g_clear_pointer (&lock, sy_sync_lock_free);

  /* Held by another process, which is then killed. flock -o keeps the
   * lock in flock itself, not in cat. */
  holder = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error,
                             "flock", "--exclusive", "-o", lock_path, "cat", NULL);
  g_assert_no_error (error);
  g_assert_true (wait_for_state (fixture, id, SY_SYNC_RUN_STATE_RUNNING));
  lock = sy_state_store_lock_pair (fixture->store, run->pair, &error);
  g_assert_null (lock);
  g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_PAIR_BUSY);
  g_clear_error (&error);

  g_subprocess_send_signal (holder, SIGKILL);
  g_subprocess_wait (holder, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (g_subprocess_get_stdin_pipe (holder), NULL, NULL);
  g_assert_true (wait_for_state (fixture, id, SY_SYNC_RUN_STATE_INTERRUPTED));
  lock = sy_state_store_lock_pair (fixture->store, run->pair, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lock);

  /* Only running runs are probed. */
  finished_id = create_run (fixture, run);
  g_assert_true (sy_state_store_set_run_state (fixture->store, finished_id, SY_SYNC_RUN_STATE_FINISHED, NULL, &error));
  g_clear_pointer (&lock, sy_sync_lock_free);
  loaded = load_run (fixture, finished_id);
  g_assert_cmpint (loaded->state, ==, SY_SYNC_RUN_STATE_FINISHED);
}

/* --- high water ------------------------------------------------------- */

static gint64
finished_run (Fixture        *fixture,
              const char     *entity,
              gboolean        dry_run,
              gint64          retry_of,
              const char     *high_water,
              SySyncRunState  state)
{
  g_autoptr(SySyncRun) run = make_run (entity, dry_run);
  g_autoptr(GError) error = NULL;
  gint64 id;

  run->retry_of = retry_of;
  id = create_run (fixture, run);
  {
    g_autoptr(GPtrArray) results = results_new ();

    commit (fixture, id, results, high_water, high_water);
  }
  g_assert_true (sy_state_store_set_run_state (fixture->store, id, state, NULL, &error));
  g_assert_no_error (error);
  return id;
}

static void
test_high_water (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *high_water = NULL;
  gint64 first;

  high_water = sy_state_store_get_high_water (fixture->store, run->pair, &error);
  g_assert_no_error (error);
  g_assert_null (high_water);

  first = finished_run (fixture, "orders", FALSE, 0, "2024-01-01T00:00:00Z", SY_SYNC_RUN_STATE_FINISHED);
  high_water = sy_state_store_get_high_water (fixture->store, run->pair, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (high_water, ==, "2024-01-01T00:00:00Z");
  g_clear_pointer (&high_water, g_free);

  /* Newer runs that do not count. */
  finished_run (fixture, "orders", TRUE, 0, "2024-02-01T00:00:00Z", SY_SYNC_RUN_STATE_FINISHED);
  finished_run (fixture, "orders", FALSE, first, "2024-03-01T00:00:00Z", SY_SYNC_RUN_STATE_FINISHED);
  finished_run (fixture, "orders", FALSE, 0, "2024-04-01T00:00:00Z", SY_SYNC_RUN_STATE_FAILED);
  finished_run (fixture, "orders", FALSE, 0, "2024-05-01T00:00:00Z", SY_SYNC_RUN_STATE_STOPPED);
  finished_run (fixture, "orders", FALSE, 0, NULL, SY_SYNC_RUN_STATE_FINISHED);
  finished_run (fixture, "products", FALSE, 0, "2024-06-01T00:00:00Z", SY_SYNC_RUN_STATE_FINISHED);
  {
    g_autoptr(SySyncRun) running = make_run ("orders", FALSE);
    gint64 running_id = create_run (fixture, running);
    g_autoptr(GPtrArray) results = results_new ();

    commit (fixture, running_id, results, NULL, "2024-07-01T00:00:00Z");
  }

  high_water = sy_state_store_get_high_water (fixture->store, run->pair, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (high_water, ==, "2024-01-01T00:00:00Z");
  g_clear_pointer (&high_water, g_free);

  /* A newer one that counts. */
  finished_run (fixture, "orders", FALSE, 0, "2024-08-01T00:00:00Z", SY_SYNC_RUN_STATE_FINISHED);
  high_water = sy_state_store_get_high_water (fixture->store, run->pair, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (high_water, ==, "2024-08-01T00:00:00Z");
  g_clear_pointer (&high_water, g_free);

  high_water = sy_state_store_get_high_water (fixture->store, "wms-one\nproducts\nerp-two\nsales-orders", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (high_water, ==, "2024-06-01T00:00:00Z");
}

/* --- async ------------------------------------------------------------ */

#define AWAIT(result) (sy_test_await (&(result)), (result))

static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) loaded = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) results = results_new ();
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(SySyncBatchState) state = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  const char * const keys[] = { "s1", "s2", NULL };
  gint64 id;

  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_create_run_async (fixture->store, run, NULL, sy_test_store_result, &result);
    /* The caller's copy may go at once: the store made its own. */
    g_clear_pointer (&run->mapping_name, g_free);
    run->mapping_name = g_strdup ("changed after the call");
    id = sy_state_store_create_run_finish (fixture->store, AWAIT (result), &error);
    g_assert_no_error (error);
    g_assert_cmpint (id, >, 0);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_mark_in_flight_async (fixture->store, id, keys, NULL, sy_test_store_result, &result);
    g_assert_true (sy_state_store_mark_in_flight_finish (fixture->store, AWAIT (result), &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_lookup_batch_async (fixture->store, id, run->pair, keys, NULL, sy_test_store_result, &result);
    state = sy_state_store_lookup_batch_finish (fixture->store, AWAIT (result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_hash_table_size (state->in_flight), ==, 2);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(SySyncRun) committed = NULL;

    g_ptr_array_add (results, result_new ("s1", SY_SYNC_OUTCOME_CREATED, "T1", "2024-01-01T00:00:01Z"));
    g_ptr_array_add (results, failure_new ("s2", 422, "Invalid"));
    sy_state_store_commit_batch_async (fixture->store, id, results, "2024-01-01T00:00:01Z",
                                       "2024-01-01T00:00:02Z", NULL, sy_test_store_result, &result);
    /* The batch was copied too. */
    g_ptr_array_set_size (results, 0);
    committed = sy_state_store_commit_batch_finish (fixture->store, AWAIT (result), &error);
    g_assert_no_error (error);
    /* The commit answers with the counts it left. */
    g_assert_nonnull (committed);
    g_assert_cmpint (committed->id, ==, id);
    g_assert_cmpuint (committed->read, ==, 2);
    g_assert_cmpuint (committed->created, ==, 1);
    g_assert_cmpuint (committed->failed, ==, 1);
    g_assert_cmpstr (committed->checkpoint, ==, "2024-01-01T00:00:01Z");
    g_assert_cmpstr (committed->high_water, ==, "2024-01-01T00:00:02Z");
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_set_run_state_async (fixture->store, id, SY_SYNC_RUN_STATE_STOPPED, "Stopped by you",
                                        NULL, sy_test_store_result, &result);
    g_assert_true (sy_state_store_set_run_state_finish (fixture->store, AWAIT (result), &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_load_run_async (fixture->store, id, NULL, sy_test_store_result, &result);
    loaded = sy_state_store_load_run_finish (fixture->store, AWAIT (result), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (loaded->mapping_name, ==, "orders-to-erp");
    g_assert_cmpint (loaded->state, ==, SY_SYNC_RUN_STATE_STOPPED);
    g_assert_cmpstr (loaded->message, ==, "Stopped by you");
    assert_counts (loaded, 2, 1, 0, 1, 0);
    g_assert_cmpstr (loaded->checkpoint, ==, "2024-01-01T00:00:01Z");
    g_assert_cmpstr (loaded->high_water, ==, "2024-01-01T00:00:02Z");
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_list_runs_async (fixture->store, run->pair, 10, NULL, sy_test_store_result, &result);
    runs = sy_state_store_list_runs_finish (fixture->store, AWAIT (result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (runs->len, ==, 1);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_list_failures_async (fixture->store, id, 0, 0, NULL, sy_test_store_result, &result);
    failures = sy_state_store_list_failures_finish (fixture->store, AWAIT (result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (failures->len, ==, 1);
    g_assert_cmpstr (((SySyncResult *) failures->pdata[0])->source_key, ==, "s2");
  }
  /* Errors come back through the finish call. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_load_run_async (fixture->store, 4242, NULL, sy_test_store_result, &result);
    g_assert_null (sy_state_store_load_run_finish (fixture->store, AWAIT (result), &error));
    g_assert_error (error, SY_SYNC_ERROR, SY_SYNC_ERROR_NO_SUCH_RUN);
    g_clear_error (&error);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    g_cancellable_cancel (cancelled);
    sy_state_store_create_run_async (fixture->store, run, cancelled, sy_test_store_result, &result);
    g_assert_cmpint (sy_state_store_create_run_finish (fixture->store, AWAIT (result), &error), ==, 0);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
  }
  /* An answer nobody collects is freed with the task. */
  sy_state_store_list_runs_async (fixture->store, NULL, 0, NULL, NULL, NULL);
  sy_state_store_load_run_async (fixture->store, id, NULL, NULL, NULL);
  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_list_runs_async (fixture->store, NULL, 0, NULL, sy_test_store_result, &result);
    g_clear_pointer (&runs, g_ptr_array_unref);
    runs = sy_state_store_list_runs_finish (fixture->store, AWAIT (result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (runs->len, ==, 1);
  }
}

/* Not a benchmark (tests/bench/ has none for this yet): a figure in the
 * log for 100-record batches, and a check that 50 of them add up. */
static void
test_commit_many (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(SySyncRun) run = make_run ("orders", FALSE);
  g_autoptr(SySyncRun) loaded = NULL;
  gint64 id = create_run (fixture, run);
  gint64 start = g_get_monotonic_time ();

  for (guint batch = 0; batch < 50; batch++)
    {
      g_autoptr(GPtrArray) results = results_new ();
      g_autofree char *checkpoint = g_strdup_printf ("2024-01-01T00:%02u:00Z", batch);

      for (guint i = 0; i < 100; i++)
        {
          g_autofree char *key = g_strdup_printf ("m%05u", batch * 100 + i);
          g_autofree char *target = g_strdup_printf ("T%05u", batch * 100 + i);

          g_ptr_array_add (results, result_new (key, SY_SYNC_OUTCOME_CREATED, target, checkpoint));
        }
      commit (fixture, id, results, checkpoint, checkpoint);
    }
  g_test_message ("50 batches of 100 records committed in %.1f ms (%.2f ms a batch, fsync included)",
                  (g_get_monotonic_time () - start) / 1000.0,
                  (g_get_monotonic_time () - start) / 1000.0 / 50);

  loaded = load_run (fixture, id);
  assert_counts (loaded, 5000, 5000, 0, 0, 0);
  g_assert_cmpstr (loaded->checkpoint, ==, "2024-01-01T00:49:00Z");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define ADD_UNOPENED(path, func) \
  g_test_add (path, Fixture, GINT_TO_POINTER (TRUE), fixture_set_up, func, fixture_tear_down)
  ADD ("/sync-store/types", test_types);
  ADD ("/sync-store/runs/round-trip", test_runs_round_trip);
  ADD_UNOPENED ("/sync-store/migration", test_migration);
  ADD_UNOPENED ("/sync-store/migration/display-value", test_migration_display_value);
  ADD ("/sync-store/commit/counts", test_commit_counts);
  ADD ("/sync-store/commit/created-then-updated", test_commit_created_then_updated);
  ADD ("/sync-store/adopt-keys", test_adopt_keys);
  ADD ("/sync-store/commit/atomic", test_commit_atomic);
  ADD ("/sync-store/commit/replace", test_commit_replace);
  ADD ("/sync-store/commit/dry-run", test_commit_dry_run);
  ADD ("/sync-store/commit/many", test_commit_many);
  ADD ("/sync-store/in-flight", test_in_flight);
  ADD ("/sync-store/in-flight/take-over", test_in_flight_take_over);
  ADD ("/sync-store/lookup", test_lookup);
  ADD ("/sync-store/failures/paging", test_failures_paging);
  ADD ("/sync-store/export/csv", test_export_csv);
  ADD ("/sync-store/export/json", test_export_json);
  ADD ("/sync-store/export/large", test_export_large);
  ADD ("/sync-store/export/file-async", test_export_file_async);
  ADD ("/sync-store/lock", test_lock);
  ADD ("/sync-store/interrupted", test_interrupted);
  ADD ("/sync-store/high-water", test_high_water);
  ADD ("/sync-store/async", test_async);
#undef ADD
#undef ADD_UNOPENED

  return g_test_run ();
}
