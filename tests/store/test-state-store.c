/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sy-certificate.h"
#include "sy-state-store.h"
#include "sy-state-store-sync.h"
#include "sy-cli-test-support.h"
#include "sy-test-support.h"

/* The schema version a database reaches when opened: one step per
 * migration (certificates; sync runs, results, key map; webhook events;
 * the cause of a run). */
#define CURRENT_SCHEMA_VERSION "5"
/* PRAGMA application_id of a Switchyard state.db ("Swyd"). */
#define APPLICATION_ID "1400338788"
/* The user that cannot write where root made the files. */
#define NOBODY 65534

#define CERTIFICATES_TABLE \
  "CREATE TABLE certificates (connection_id TEXT PRIMARY KEY, pem TEXT NOT NULL, " \
  "sha256 TEXT NOT NULL, subject TEXT, not_after INTEGER, created_at INTEGER);"

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

/* A database in rollback mode, so that the file alone holds everything. */
static void
make_rollback_database (Fixture    *fixture,
                        const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (g_mkdir_with_parents (fixture->state_dir, 0700), ==, 0);
  g_assert_cmpint (sqlite3_open (fixture->db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static void
test_newer_version_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = NULL;

  /* As a future Switchyard might leave it. */
  make_rollback_database (fixture,
                          "PRAGMA application_id = " APPLICATION_ID ";"
                          CERTIFICATES_TABLE
                          "CREATE TABLE future (x);"
                          "PRAGMA user_version = 99;");

  assert_refused_and_untouched (fixture, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  store = sy_state_store_open_read_only (fixture->state_dir, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_null (store);
}

/* Another program's SQLite file in state.db's place: refused, never
 * adopted (a sync would start from an empty key map and create every
 * record again), and left exactly as it was. */
static void
test_foreign_refused (Fixture       *fixture,
                      gconstpointer  data)
{
  const char * const foreign[] = {
    /* Unmarked, with tables of its own. */
    "CREATE TABLE notes (x); INSERT INTO notes VALUES ('kept');",
    /* Marked as another program's (Fossil's id), with our table names. */
    "PRAGMA application_id = 252006674; " CERTIFICATES_TABLE,
    /* Unmarked, a schema version but no tables. */
    "PRAGMA user_version = 1;",
    /* Unmarked, our tables of schema 1 and one more. */
    CERTIFICATES_TABLE " CREATE TABLE notes (x); PRAGMA user_version = 1;",
    /* Unmarked, our table with other columns. */
    "CREATE TABLE certificates (connection_id TEXT PRIMARY KEY, pem TEXT); PRAGMA user_version = 1;",
    /* Unmarked, schema version 2 but only the tables of 1. */
    CERTIFICATES_TABLE " PRAGMA user_version = 2;",
  };

  for (guint i = 0; i < G_N_ELEMENTS (foreign); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SyStateStore) store = NULL;

      sy_test_remove_tree (fixture->state_dir);
      make_rollback_database (fixture, foreign[i]);
      assert_refused_and_untouched (fixture, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);

      /* Reading refuses it as well. */
      store = sy_state_store_open_read_only (fixture->state_dir, &error);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_null (store);
    }
}

/* A database made by the previous version of Switchyard has our tables
 * but no application_id: it is recognised by its tables, kept, migrated
 * and marked. */
static void
test_previous_version_marked (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SyCertificate) certificate = make_certificate (fixture, "Earlier");
  g_autoptr(SyCertificate) loaded = NULL;
  g_autofree char *application_id = NULL;
  g_autofree char *version = NULL;
  sqlite3 *db = NULL;

  /* The current schema as the previous version left it: unmarked. */
  store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  g_assert_true (sy_state_store_save_certificate (store, "connection-a", certificate, &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (fixture->db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA application_id = 0", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  application_id = query_text (fixture->db_path, "PRAGMA application_id");
  g_assert_cmpstr (application_id, ==, "0");
  g_clear_pointer (&application_id, g_free);

  /* Reading does not mark it: it writes nothing. */
  store = sy_state_store_open_read_only (fixture->state_dir, &error);
  g_assert_no_error (error);
  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  assert_same_certificate (loaded, certificate);
  g_clear_object (&loaded);
  g_clear_object (&store);
  application_id = query_text (fixture->db_path, "PRAGMA application_id");
  g_assert_cmpstr (application_id, ==, "0");
  g_clear_pointer (&application_id, g_free);

  store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  assert_same_certificate (loaded, certificate);
  g_clear_object (&store);

  application_id = query_text (fixture->db_path, "PRAGMA application_id");
  g_assert_cmpstr (application_id, ==, APPLICATION_ID);
  version = query_text (fixture->db_path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, CURRENT_SCHEMA_VERSION);
}

/* Saves a certificate through a store, so that the file has content. */
static void
fill_database (Fixture       *fixture,
               SyCertificate *certificate)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = sy_state_store_open (fixture->state_dir, &error);

  g_assert_no_error (error);
  g_assert_true (sy_state_store_save_certificate (store, "connection-a", certificate, &error));
  g_assert_no_error (error);
}

/* Writes a change that only the -wal holds, and leaves the -wal and -shm
 * behind as a process killed after its commit would. */
static void
leave_wal (Fixture    *fixture,
           const char *sql)
{
  sqlite3 *db = NULL;
  int on = 1;

  g_assert_cmpint (sqlite3_open (fixture->db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_file_control (db, "main", SQLITE_FCNTL_PERSIST_WAL, &on), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static void
assert_fresh_and_usable (Fixture       *fixture,
                         SyCertificate *certificate)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SyCertificate) loaded = NULL;
  g_autofree char *application_id = NULL;
  g_autofree char *check = NULL;

  store = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  g_assert_null (loaded);
  g_assert_true (sy_state_store_save_certificate (store, "connection-b", certificate, &error));
  g_assert_no_error (error);
  loaded = sy_state_store_load_certificate (store, "connection-b", &error);
  g_assert_no_error (error);
  assert_same_certificate (loaded, certificate);
  g_clear_object (&store);

  g_assert_cmpuint (sy_test_file_mode (fixture->db_path), ==, 0600);
  application_id = query_text (fixture->db_path, "PRAGMA application_id");
  g_assert_cmpstr (application_id, ==, APPLICATION_ID);
  check = query_text (fixture->db_path, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
}

/* A truncated (0-byte) state.db is started anew, even with the -wal of
 * the lost database still beside it. */
static void
test_truncated_recreated (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(SyCertificate) certificate = make_certificate (fixture, "Truncated");

  fill_database (fixture, certificate);
  g_assert_cmpint (truncate (fixture->db_path, 0), ==, 0);
  assert_fresh_and_usable (fixture, certificate);

  fill_database (fixture, certificate);
  leave_wal (fixture, "UPDATE certificates SET subject = 'in the wal only'");
  g_assert_cmpint (truncate (fixture->db_path, 0), ==, 0);
  assert_fresh_and_usable (fixture, certificate);
}

/* A deleted state.db is made again; a -wal and -shm left by a crash are
 * the lost database's and go with it. */
static void
test_deleted_recreated (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(SyCertificate) certificate = make_certificate (fixture, "Deleted");
  g_autofree char *wal = g_strconcat (fixture->db_path, "-wal", NULL);

  fill_database (fixture, certificate);
  g_assert_cmpint (g_unlink (fixture->db_path), ==, 0);
  assert_fresh_and_usable (fixture, certificate);

  fill_database (fixture, certificate);
  leave_wal (fixture, "UPDATE certificates SET subject = 'in the wal only'");
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_unlink (fixture->db_path), ==, 0);
  assert_fresh_and_usable (fixture, certificate);
}

/* Reading writes nothing, creates nothing, and refuses writes. */
static void
test_read_only_open (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SyCertificate) certificate = make_certificate (fixture, "Read");
  g_autoptr(SyCertificate) loaded = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) names_before = NULL;
  g_autoptr(GPtrArray) names_after = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_length, after_length;

  /* No state directory at all: an empty store, and still no directory. */
  store = sy_state_store_open_read_only (fixture->state_dir, &error);
  g_assert_no_error (error);
  runs = sy_state_store_list_runs (store, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 0);
  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  g_assert_null (loaded);
  g_clear_object (&store);
  g_assert_false (g_file_test (fixture->state_dir, G_FILE_TEST_EXISTS));

  /* A 0-byte state.db reads as empty too, and stays 0 bytes. */
  g_assert_cmpint (g_mkdir_with_parents (fixture->state_dir, 0700), ==, 0);
  g_file_set_contents (fixture->db_path, "", 0, &error);
  g_assert_no_error (error);
  store = sy_state_store_open_read_only (fixture->state_dir, &error);
  g_assert_no_error (error);
  g_clear_pointer (&runs, g_ptr_array_unref);
  runs = sy_state_store_list_runs (store, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 0);
  g_clear_object (&store);
  g_file_get_contents (fixture->db_path, &before, &before_length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (before_length, ==, 0);
  g_clear_pointer (&before, g_free);
  g_assert_cmpint (g_unlink (fixture->db_path), ==, 0);

  fill_database (fixture, certificate);
  g_file_get_contents (fixture->db_path, &before, &before_length, &error);
  g_assert_no_error (error);
  names_before = list_dir (fixture->state_dir);

  store = sy_state_store_open_read_only (fixture->state_dir, &error);
  g_assert_no_error (error);
  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  assert_same_certificate (loaded, certificate);
  g_assert_false (sy_state_store_save_certificate (store, "connection-b", certificate, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_assert_false (sy_state_store_delete_certificate (store, "connection-a", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_clear_object (&store);

  g_file_get_contents (fixture->db_path, &after, &after_length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (before, before_length, after, after_length);
  /* Where it may, SQLite makes the -shm a reader shares with writers (and
   * an empty -wal): a reader cannot remove them, the next writer does. */
  names_after = list_dir (fixture->state_dir);
  for (guint i = 0; i < names_after->len; i++)
    {
      const char *name = g_ptr_array_index (names_after, i);
      g_autofree char *path = g_build_filename (fixture->state_dir, name, NULL);

      g_assert_true (g_str_equal (name, "state.db") || g_str_equal (name, "state.db-shm") ||
                     g_str_equal (name, "state.db-wal"));
      if (g_str_equal (name, "state.db-wal"))
        {
          g_autofree char *wal = NULL;
          gsize wal_length;

          g_file_get_contents (path, &wal, &wal_length, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (wal_length, ==, 0);
        }
    }
  g_assert_cmpuint (names_before->len, ==, 1);
}

/* What the child of test_read_only_directory does, as an unprivileged
 * user (root reads and writes whatever the modes say). */
static void
read_only_directory_child (const char *state_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SyCertificate) loaded = NULL;
  g_autoptr(GPtrArray) runs = NULL;

  g_assert_cmpint (setegid (NOBODY), ==, 0);
  g_assert_cmpint (seteuid (NOBODY), ==, 0);

  /* Writing cannot work here: the point of the read-only open. */
  store = sy_state_store_open (state_dir, &error);
  g_assert_nonnull (error);
  g_assert_null (store);
  g_test_message ("read-write open: %s", error->message);
  g_clear_error (&error);

  store = sy_state_store_open_read_only (state_dir, &error);
  g_assert_no_error (error);
  loaded = sy_state_store_load_certificate (store, "connection-a", &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (sy_certificate_get_subject (loaded), ==, g_getenv ("SY_TEST_EXPECTED_SUBJECT"));
  runs = sy_state_store_list_runs (store, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 0);
  g_clear_object (&store);

  g_assert_cmpint (seteuid (0), ==, 0);
  g_assert_cmpint (setegid (0), ==, 0);
}

/* A state directory of mode 0555 with state.db 0444, read by a user who
 * cannot write there: once with the file alone (cleanly closed: no -shm
 * can be made, so the file is read as immutable), once with the -wal and
 * -shm a killed writer left (read through them: the last change is only
 * in the -wal). */
static void
test_read_only_directory (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(SyCertificate) certificate = NULL;
  g_autofree char *parent = g_path_get_dirname (fixture->state_dir);

  if (g_test_subprocess ())
    {
      read_only_directory_child (g_getenv ("SY_TEST_STATE_DIR"));
      return;
    }

  certificate = make_certificate (fixture, "Shared");
  fill_database (fixture, certificate);
  /* Only the user's own directories in the way are opened for the walk. */
  g_assert_cmpint (g_chmod (fixture->dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (parent, 0755), ==, 0);
  g_setenv ("SY_TEST_STATE_DIR", fixture->state_dir, TRUE);

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *wal = g_strconcat (fixture->db_path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (fixture->db_path, "-shm", NULL);

      if (i == 0)
        {
          g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
          g_setenv ("SY_TEST_EXPECTED_SUBJECT", sy_certificate_get_subject (certificate), TRUE);
        }
      else
        {
          g_autoptr(SyCertificate) other = make_certificate (fixture, "Newer");
          g_autoptr(GError) error = NULL;
          g_autoptr(SyStateStore) store = NULL;
          g_autofree char *pem = sy_certificate_to_pem (other);
          char *sql = sqlite3_mprintf ("UPDATE certificates SET pem = %Q", pem);

          leave_wal (fixture, sql);
          sqlite3_free (sql);
          g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
          g_chmod (wal, 0444);
          g_chmod (shm, 0444);
          g_setenv ("SY_TEST_EXPECTED_SUBJECT", sy_certificate_get_subject (other), TRUE);
        }

      g_assert_cmpint (g_chmod (fixture->db_path, 0444), ==, 0);
      g_assert_cmpint (g_chmod (fixture->state_dir, 0555), ==, 0);
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_assert_cmpint (g_chmod (fixture->state_dir, 0700), ==, 0);
      g_assert_cmpint (g_chmod (fixture->db_path, 0600), ==, 0);
      g_test_trap_assert_passed ();
    }

  g_unsetenv ("SY_TEST_STATE_DIR");
  g_unsetenv ("SY_TEST_EXPECTED_SUBJECT");
}

/* `sync status` and `sync errors` only read: they leave no file behind,
 * and work where nothing can be written. */
static void
test_cli_reads_only (Fixture       *fixture,
                     gconstpointer  data)
{
  SyCliFixture cli = { 0 };
  g_auto(SyCliRun) status = { 0 };
  g_auto(SyCliRun) errors = { 0 };

  sy_cli_fixture_set_up (&cli, "state-store-cli", FALSE);
  sy_test_remove_tree (cli.state_dir);

  sy_cli_run (&cli, NULL, &status, "sync", "status");
  g_assert_cmpint (status.status, ==, 0);
  sy_cli_run (&cli, NULL, &errors, "sync", "errors", "7");
  g_assert_cmpint (errors.status, ==, 2);
  g_assert_nonnull (strstr (errors.err, "7"));
  g_assert_false (g_file_test (cli.state_dir, G_FILE_TEST_EXISTS));

  sy_cli_fixture_tear_down (&cli);
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
  ADD ("/state-store/foreign-refused", test_foreign_refused);
  ADD ("/state-store/previous-version-marked", test_previous_version_marked);
  ADD ("/state-store/truncated-recreated", test_truncated_recreated);
  ADD ("/state-store/deleted-recreated", test_deleted_recreated);
  ADD ("/state-store/read-only-open", test_read_only_open);
  ADD ("/state-store/read-only-directory", test_read_only_directory);
  ADD ("/state-store/cli-reads-only", test_cli_reads_only);
#undef ADD

  return g_test_run ();
}
