/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/stat.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sy-certificate.h"
#include "sy-state-store.h"
#include "sy-cli-test-support.h"
#include "sy-test-support.h"

/* The schema version a database reaches when opened: one step per
 * migration (certificates; sync runs, results, key map). */
#define CURRENT_SCHEMA_VERSION "2"

/* The state database on a real file system with the real SQLite, the
 * certificates made by openssl. */

typedef struct
{
  char *dir;        /* the test's temporary directory */
  char *state_dir;  /* a state directory inside it, not there yet */
  char *db_path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = sy_test_make_tmpdir ("state-store");
  fixture->state_dir = g_build_filename (fixture->dir, "state", "switchyard", NULL);
  fixture->db_path = g_build_filename (fixture->state_dir, "state.db", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->state_dir);
  g_free (fixture->db_path);
}

/* A self-signed certificate made by openssl, as a user would import one. */
static SyCertificate *
make_certificate (Fixture    *fixture,
                  const char *common_name)
{
  g_autofree char *subject = g_strdup_printf ("/CN=%s", common_name);
  g_autofree char *out = g_build_filename (fixture->dir, "made.pem", NULL);
  g_autofree char *key = g_build_filename (fixture->dir, "made.key", NULL);
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
    "-nodes", "-keyout", key, "-subj", subject, "-days", "30", "-out", out, NULL
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  SyCertificate *certificate;
  gsize length;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);

  g_file_get_contents (out, &contents, &length, &error);
  g_assert_no_error (error);
  bytes = g_bytes_new (contents, length);
  certificate = sy_certificate_new_from_data (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (certificate);

  g_unlink (out);
  g_unlink (key);
  return certificate;
}

static void
assert_same_certificate (SyCertificate *a,
                         SyCertificate *b)
{
  g_autofree char *pem_a = NULL;
  g_autofree char *pem_b = NULL;

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (a), ==,
                   sy_certificate_get_sha256_fingerprint (b));
  pem_a = sy_certificate_to_pem (a);
  pem_b = sy_certificate_to_pem (b);
  g_assert_cmpstr (pem_a, ==, pem_b);
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
test_open (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = NULL;
  g_autofree char *journal_mode = NULL;
  g_autofree char *version = NULL;
  g_autofree char *table = NULL;
  g_autofree char *columns = NULL;
  g_autofree char *wal_path = NULL;

  store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpstr (sy_state_store_get_path (store), ==, fixture->db_path);

  g_assert_true (g_file_test (fixture->db_path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (sy_test_file_mode (fixture->state_dir), ==, 0700);
  g_assert_cmpuint (sy_test_file_mode (fixture->db_path), ==, 0600);

  journal_mode = query_text (fixture->db_path, "PRAGMA journal_mode");
  g_assert_cmpstr (journal_mode, ==, "wal");
  version = query_text (fixture->db_path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, CURRENT_SCHEMA_VERSION);
  table = query_text (fixture->db_path,
                      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'certificates'");
  g_assert_cmpstr (table, ==, "certificates");
  columns = query_text (fixture->db_path,
                        "SELECT group_concat(name, ',') FROM pragma_table_info('certificates')");
  g_assert_cmpstr (columns, ==, "connection_id,pem,sha256,subject,not_after,created_at");

  /* The write-ahead log holds the same data as the database: as private. */
  wal_path = g_strconcat (fixture->db_path, "-wal", NULL);
  if (g_file_test (wal_path, G_FILE_TEST_EXISTS))
    g_assert_cmpuint (sy_test_file_mode (wal_path), ==, 0600);
}

static void
test_certificates_sync (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SyCertificate) first = make_certificate (fixture, "First");
  g_autoptr(SyCertificate) second = make_certificate (fixture, "Second");
  g_autoptr(SyCertificate) loaded = NULL;
  g_autofree char *count = NULL;
  g_autofree char *row = NULL;
  GString *expected_sha256 = g_string_new (NULL);

  store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);

  /* Nothing yet: NULL, and no error. */
  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  g_assert_null (loaded);

  g_assert_true (sy_state_store_save_certificate (store, "connection-a", first, &error));
  g_assert_no_error (error);
  g_assert_true (sy_state_store_save_certificate (store, "connection-b", second, &error));
  g_assert_no_error (error);

  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  assert_same_certificate (loaded, first);
  g_clear_object (&loaded);

  /* One per connection: saving again replaces. */
  g_assert_true (sy_state_store_save_certificate (store, "connection-a", second, &error));
  g_assert_no_error (error);
  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  assert_same_certificate (loaded, second);
  g_clear_object (&loaded);
  count = query_text (fixture->db_path, "SELECT count(*) FROM certificates");
  g_assert_cmpstr (count, ==, "2");

  /* The columns hold what they say. */
  for (const char *p = sy_certificate_get_sha256_fingerprint (second); *p != '\0'; p++)
    if (*p != ':')
      g_string_append_c (expected_sha256, g_ascii_tolower (*p));
  row = query_text (fixture->db_path,
                    "SELECT sha256 || '|' || subject || '|' || not_after || '|' || (created_at > 0) "
                    "FROM certificates WHERE connection_id = 'connection-a'");
  {
    g_autofree char *expected = g_strdup_printf ("%s|%s|%" G_GINT64_FORMAT "|1",
                                                 expected_sha256->str,
                                                 sy_certificate_get_subject (second),
                                                 g_date_time_to_unix (sy_certificate_get_not_after (second)));
    g_assert_cmpstr (row, ==, expected);
  }
  g_string_free (expected_sha256, TRUE);

  g_assert_true (sy_state_store_delete_certificate (store, "connection-a", &error));
  g_assert_no_error (error);
  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  g_assert_null (loaded);

  /* Deleting what is not there is no error; the other connection's stays. */
  g_assert_true (sy_state_store_delete_certificate (store, "connection-a", &error));
  g_assert_no_error (error);
  loaded = sy_state_store_load_certificate (store, "connection-b", &error);
  g_assert_no_error (error);
  assert_same_certificate (loaded, second);
}

static void
test_certificates_async (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SyCertificate) first = make_certificate (fixture, "First");
  g_autoptr(SyCertificate) second = make_certificate (fixture, "Second");
  g_autoptr(SyCertificate) loaded = NULL;

  store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);

  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_load_certificate_async (store, "connection-a", NULL, sy_test_store_result, &result);
    /* Never completed from within the call: the caller's main loop does it. */
    g_assert_null (result);
    sy_test_await (&result);
    loaded = sy_state_store_load_certificate_finish (store, result, &error);
    g_assert_no_error (error);
    g_assert_null (loaded);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_save_certificate_async (store, "connection-a", first, NULL, sy_test_store_result, &result);
    sy_test_await (&result);
    g_assert_true (sy_state_store_save_certificate_finish (store, result, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_load_certificate_async (store, "connection-a", NULL, sy_test_store_result, &result);
    sy_test_await (&result);
    loaded = sy_state_store_load_certificate_finish (store, result, &error);
    g_assert_no_error (error);
    assert_same_certificate (loaded, first);
    g_clear_object (&loaded);
  }
  {
    g_autoptr(GAsyncResult) result = NULL;

    sy_state_store_save_certificate_async (store, "connection-a", second, NULL, sy_test_store_result, &result);
    sy_test_await (&result);
    g_assert_true (sy_state_store_save_certificate_finish (store, result, &error));
    g_assert_no_error (error);
  }

  /* What the async call wrote, the sync one reads (one worker, one handle). */
  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  assert_same_certificate (loaded, second);
  g_clear_object (&loaded);

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    /* Cancelled before it ran: reported as such. */
    g_cancellable_cancel (cancellable);
    sy_state_store_load_certificate_async (store, "connection-a", cancellable, sy_test_store_result, &result);
    sy_test_await (&result);
    loaded = sy_state_store_load_certificate_finish (store, result, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (loaded);
    g_clear_error (&error);
  }
}

typedef struct
{
  SyStateStore *store;
  GPtrArray    *order;
  guint         expected;
  char         *expected_fingerprint[32];
} OrderData;

typedef struct
{
  OrderData *data;
  guint      index;
} OrderCall;

static void
order_saved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  OrderCall *call = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_state_store_save_certificate_finish (SY_STATE_STORE (source), result, &error));
  g_assert_no_error (error);
  g_ptr_array_add (call->data->order, GUINT_TO_POINTER (call->index));
  g_free (call);
}

static void
order_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  OrderCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCertificate) loaded = NULL;

  loaded = sy_state_store_load_certificate_finish (SY_STATE_STORE (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  /* A load sees exactly the saves queued before it. */
  g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (loaded), ==,
                   call->data->expected_fingerprint[call->index]);
  g_ptr_array_add (call->data->order, GUINT_TO_POINTER (call->index));
  g_free (call);
}

static void
test_order (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCertificate) first = make_certificate (fixture, "First");
  g_autoptr(SyCertificate) second = make_certificate (fixture, "Second");
  OrderData order = { 0 };
  const guint n_calls = 24;

  order.store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  order.order = g_ptr_array_new ();

  /* Queued all at once, alternating saves of two certificates with loads. */
  for (guint i = 0; i < n_calls; i++)
    {
      OrderCall *call = g_new0 (OrderCall, 1);

      call->data = &order;
      call->index = i;
      if (i % 2 == 0)
        sy_state_store_save_certificate_async (order.store, "connection-a",
                                               (i / 2) % 2 == 0 ? first : second,
                                               NULL, order_saved, call);
      else
        {
          order.expected_fingerprint[i] = (char *) sy_certificate_get_sha256_fingerprint ((i / 2) % 2 == 0 ? first : second);
          sy_state_store_load_certificate_async (order.store, "connection-a", NULL, order_loaded, call);
        }
    }

  while (order.order->len < n_calls)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < n_calls; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_ptr_array_index (order.order, i)), ==, i);

  g_ptr_array_unref (order.order);
  g_object_unref (order.store);
}

static void
test_reopen (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SyCertificate) certificate = make_certificate (fixture, "Kept");
  g_autoptr(SyCertificate) loaded = NULL;
  g_autofree char *version = NULL;

  store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  g_assert_true (sy_state_store_save_certificate (store, "connection-a", certificate, &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  /* A second store on the same file while the first is open (the GUI and
   * the CLI at once), then alone. */
  store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  {
    g_autoptr(SyStateStore) other = sy_state_store_open (fixture->state_dir, &error);
    g_autoptr(SyCertificate) seen = NULL;

    g_assert_no_error (error);
    seen = sy_state_store_load_certificate (other, "connection-a", &error);
    g_assert_no_error (error);
    assert_same_certificate (seen, certificate);
  }
  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  assert_same_certificate (loaded, certificate);
  g_clear_object (&store);

  version = query_text (fixture->db_path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, CURRENT_SCHEMA_VERSION);
  g_assert_cmpuint (sy_test_file_mode (fixture->db_path), ==, 0600);
}

static GPtrArray *
list_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  return names;
}

static void
assert_refused_and_untouched (Fixture    *fixture,
                              GQuark      domain,
                              int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GPtrArray) names_before = NULL;
  g_autoptr(GPtrArray) names_after = NULL;
  gsize before_length, after_length;

  g_file_get_contents (fixture->db_path, &before, &before_length, &error);
  g_assert_no_error (error);
  names_before = list_dir (fixture->state_dir);

  store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_error (error, domain, code);
  g_assert_null (store);
  /* The message names the file, so the user knows which one. */
  g_assert_nonnull (strstr (error->message, fixture->db_path));
  g_test_message ("refused: %s", error->message);

  g_file_get_contents (fixture->db_path, &after, &after_length, NULL);
  g_assert_cmpmem (before, before_length, after, after_length);
  names_after = list_dir (fixture->state_dir);
  g_assert_cmpuint (names_after->len, ==, names_before->len);
}

static void
test_garbage_refused (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint8 bytes[8192];

  for (gsize i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) g_rand_int_range (rand, 0, 256);

  g_assert_cmpint (g_mkdir_with_parents (fixture->state_dir, 0700), ==, 0);
  g_file_set_contents (fixture->db_path, (const char *) bytes, sizeof bytes, &error);
  g_assert_no_error (error);
  assert_refused_and_untouched (fixture, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);

  /* A short text file too (smaller than an SQLite header). */
  g_file_set_contents (fixture->db_path, "not a database\n", -1, &error);
  g_assert_no_error (error);
  assert_refused_and_untouched (fixture, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_newer_version_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  sqlite3 *db = NULL;

  /* As a future Switchyard might leave it; in rollback mode, so that the
   * file alone holds everything. */
  g_assert_cmpint (g_mkdir_with_parents (fixture->state_dir, 0700), ==, 0);
  g_assert_cmpint (sqlite3_open (fixture->db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TABLE certificates (connection_id TEXT PRIMARY KEY, pem TEXT NOT NULL, "
                                 "sha256 TEXT NOT NULL, subject TEXT, not_after INTEGER, created_at INTEGER);"
                                 "CREATE TABLE future (x);"
                                 "PRAGMA user_version = 99;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  assert_refused_and_untouched (fixture, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

static void
test_older_version_migrated (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SyCertificate) certificate = make_certificate (fixture, "Migrated");
  g_autofree char *version = NULL;
  g_autofree char *other = NULL;
  sqlite3 *db = NULL;

  /* A database of schema 0 with something in it that must survive. */
  g_assert_cmpint (g_mkdir_with_parents (fixture->state_dir, 0700), ==, 0);
  g_assert_cmpint (sqlite3_open (fixture->db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE notes (x); INSERT INTO notes VALUES ('kept');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  g_assert_true (sy_state_store_save_certificate (store, "connection-a", certificate, &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  version = query_text (fixture->db_path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, CURRENT_SCHEMA_VERSION);
  other = query_text (fixture->db_path, "SELECT x FROM notes");
  g_assert_cmpstr (other, ==, "kept");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/state-store/open", test_open);
  ADD ("/state-store/certificates-sync", test_certificates_sync);
  ADD ("/state-store/certificates-async", test_certificates_async);
  ADD ("/state-store/order", test_order);
  ADD ("/state-store/reopen", test_reopen);
  ADD ("/state-store/garbage-refused", test_garbage_refused);
  ADD ("/state-store/newer-version-refused", test_newer_version_refused);
  ADD ("/state-store/older-version-migrated", test_older_version_migrated);
#undef ADD

  return g_test_run ();
}
