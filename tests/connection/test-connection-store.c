/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>

#include "sy-connection-store.h"
#include "sy-error.h"
#include "sy-test-support.h"

typedef struct
{
  char *root;
  char *config_dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->root = sy_test_make_tmpdir ("switchyard-store");
  /* Not created yet: the store must create it. */
  fixture->config_dir = g_build_filename (fixture->root, "config", "switchyard", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_test_remove_tree (fixture->root);
  g_free (fixture->root);
  g_free (fixture->config_dir);
}

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

static void
record_change (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               gpointer    user_data)
{
  GArray *changes = user_data;
  Change change = { position, removed, added };

  g_array_append_val (changes, change);
}

static void
assert_change (GArray *changes,
               guint   index,
               guint   position,
               guint   removed,
               guint   added)
{
  Change *change;

  g_assert_cmpuint (changes->len, >, index);
  change = &g_array_index (changes, Change, index);
  g_assert_cmpuint (change->position, ==, position);
  g_assert_cmpuint (change->removed, ==, removed);
  g_assert_cmpuint (change->added, ==, added);
}

static SyConnectionStore *
load_store (const char *config_dir)
{
  g_autoptr(SyConnectionStore) store = sy_connection_store_new (config_dir);
  g_autoptr(GError) error = NULL;

  sy_connection_store_load (store, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&store);
}

static SyConnection *
add_connection (SyConnectionStore *store,
                const char        *name,
                const char        *url)
{
  g_autoptr(SyConnection) connection = sy_connection_new (name, url);
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_connection_store_add (store, connection, &error));
  g_assert_no_error (error);
  return connection;
}

static char *
read_file (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&contents);
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Sorted names of the directory's entries. */
static GStrv
list_dir (const char *dir_path)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, (gpointer) name);
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (names, i));

  return g_strv_builder_end (builder);
}

static void
test_load_missing (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(SyConnectionStore) store = load_store (fixture->config_dir);
  g_autofree char *expected_path = g_build_filename (fixture->config_dir, "connections.json", NULL);

  g_assert_cmpstr (sy_connection_store_get_path (store), ==, expected_path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (store)) == SY_TYPE_CONNECTION);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (store), 0));
  g_assert_null (sy_connection_store_get_broken_path (store));
  /* Loading alone writes nothing. */
  g_assert_false (g_file_test (fixture->config_dir, G_FILE_TEST_EXISTS));
}

static void
test_add_save_reload (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(SyConnectionStore) store = load_store (fixture->config_dir);
  g_autoptr(SyConnectionStore) reloaded = NULL;
  g_autoptr(SyConnection) first_again = NULL;
  SyConnection *first, *second, *found;
  struct stat st;

  first = add_connection (store, "Mintsoft", "http://127.0.0.1:4010");
  sy_connection_set_platform (first, "mintsoft");
  sy_connection_set_domain (first, "wms");
  json_object_set_string_member (sy_connection_get_options (first), "account", "A-1");
  sy_connection_set_status (first, SY_CONNECTION_STATUS_ACTIVE, "ok");
  g_assert_true (sy_connection_store_save (store, NULL));
  second = add_connection (store, "NetSuite", NULL);

  g_assert_cmpint (g_stat (fixture->config_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (sy_connection_store_get_path (store), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  reloaded = load_store (fixture->config_dir);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 2);

  first_again = g_list_model_get_item (G_LIST_MODEL (reloaded), 0);
  g_assert_cmpstr (sy_connection_get_id (first_again), ==, sy_connection_get_id (first));
  g_assert_cmpstr (sy_connection_get_name (first_again), ==, "Mintsoft");
  g_assert_cmpstr (sy_connection_get_base_url (first_again), ==, "http://127.0.0.1:4010");
  g_assert_cmpstr (sy_connection_get_platform (first_again), ==, "mintsoft");
  g_assert_cmpstr (sy_connection_get_domain (first_again), ==, "wms");
  g_assert_cmpstr (json_object_get_string_member (sy_connection_get_options (first_again), "account"), ==, "A-1");
  /* The status is never persisted. */
  g_assert_cmpint (sy_connection_get_status (first_again), ==, SY_CONNECTION_STATUS_UNKNOWN);
  g_assert_null (sy_connection_get_status_message (first_again));

  found = sy_connection_store_find_by_id (reloaded, sy_connection_get_id (second));
  g_assert_nonnull (found);
  g_assert_cmpstr (sy_connection_get_name (found), ==, "NetSuite");
  g_assert_cmpstr (sy_connection_get_base_url (found), ==, SY_DEFAULT_BASE_URL);
  g_assert_true (sy_connection_store_find_by_name (reloaded, "  netsuite ") == found);
  g_assert_null (sy_connection_store_find_by_name (reloaded, "Nope"));
  g_assert_null (sy_connection_store_find_by_id (reloaded, "Nope"));
}

static void
test_file_format (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(SyConnectionStore) store = load_store (fixture->config_dir);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  SyConnection *connection = add_connection (store, "WMS", "http://127.0.0.1:1");
  JsonObject *root, *entry;

  json_parser_load_from_file (parser, sy_connection_store_get_path (store), &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "connections")), ==, 1);
  entry = json_array_get_object_element (json_object_get_array_member (root, "connections"), 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "id"), ==, sy_connection_get_id (connection));
  g_assert_cmpstr (json_object_get_string_member (entry, "name"), ==, "WMS");
  g_assert_cmpstr (json_object_get_string_member (entry, "base_url"), ==, "http://127.0.0.1:1");
  g_assert_true (json_object_has_member (entry, "options"));
  g_assert_false (json_object_has_member (entry, "status"));
}

static void
test_unknown_members_survive (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(SyConnectionStore) store = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root, *entry;

  write_file (fixture->config_dir, "connections.json",
              "{\"version\": 1, \"ui\": {\"sort\": \"name\"}, \"connections\": ["
              "{\"id\": \"one\", \"name\": \"One\", \"base_url\": \"https://api.makini.io\","
              " \"options\": {\"tenant\": \"t1\", \"future\": [1, 2]}, \"color\": \"blue\"}]}");

  store = load_store (fixture->config_dir);
  add_connection (store, "Two", NULL);

  json_parser_load_from_file (parser, sy_connection_store_get_path (store), &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "ui"), "sort"), ==, "name");
  entry = json_array_get_object_element (json_object_get_array_member (root, "connections"), 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "color"), ==, "blue");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entry, "options"), "tenant"), ==, "t1");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_object_get_object_member (entry, "options"),
                                                                         "future")), ==, 2);
}

static void
test_duplicate_and_invalid_refused (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(SyConnectionStore) store = load_store (fixture->config_dir);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char *duplicates[] = { "Mintsoft", "MINTSOFT", "  mintsoft  ", "mIntSoft " };
  SyConnection *original;

  original = add_connection (store, "Mintsoft", NULL);
  before = read_file (sy_connection_store_get_path (store));

  for (guint i = 0; i < G_N_ELEMENTS (duplicates); i++)
    {
      g_autoptr(SyConnection) duplicate = sy_connection_new (duplicates[i], NULL);
      g_autoptr(GError) error = NULL;

      g_assert_false (sy_connection_store_add (store, duplicate, &error));
      g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_DUPLICATE_NAME);
      g_assert_nonnull (strstr (error->message, "Mintsoft"));
    }

  {
    g_autoptr(GError) error = NULL;

    /* The same object twice. */
    g_assert_false (sy_connection_store_add (store, original, &error));
    g_assert_nonnull (error);
  }

  {
    g_autoptr(SyConnection) blank = sy_connection_new ("   ", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false (sy_connection_store_add (store, blank, &error));
    g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_NAME);
  }

  {
    g_autoptr(SyConnection) with_token = sy_connection_new ("Token", "https://tok@api.makini.io");
    g_autoptr(GError) error = NULL;

    g_assert_false (sy_connection_store_add (store, with_token, &error));
    g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_URL);
  }

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  after = read_file (sy_connection_store_get_path (store));
  g_assert_cmpstr (before, ==, after);
}

static void
test_remove_and_items_changed (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(SyConnectionStore) store = load_store (fixture->config_dir);
  g_autoptr(SyConnectionStore) reloaded = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(SyConnection) stranger = sy_connection_new ("Stranger", NULL);
  g_autoptr(GError) error = NULL;
  SyConnection *a, *b, *c;

  g_signal_connect (store, "items-changed", G_CALLBACK (record_change), changes);

  a = add_connection (store, "A", NULL);
  b = add_connection (store, "B", NULL);
  c = add_connection (store, "C", NULL);
  g_assert_cmpuint (changes->len, ==, 3);
  assert_change (changes, 0, 0, 0, 1);
  assert_change (changes, 1, 1, 0, 1);
  assert_change (changes, 2, 2, 0, 1);

  /* Keep b alive past its removal, as a GUI row would. */
  g_object_ref (b);
  g_assert_true (sy_connection_store_remove (store, b, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 4);
  assert_change (changes, 3, 1, 1, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  g_assert_null (sy_connection_store_find_by_name (store, "B"));

  g_assert_false (sy_connection_store_remove (store, b, &error));
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (sy_connection_store_remove (store, stranger, &error));
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (changes->len, ==, 4);
  g_object_unref (b);

  g_assert_true (sy_connection_store_remove (store, c, NULL));
  assert_change (changes, 4, 1, 1, 0);
  g_assert_true (sy_connection_store_remove (store, a, NULL));
  assert_change (changes, 5, 0, 1, 0);

  reloaded = load_store (fixture->config_dir);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 0);

  /* Loading again announces the replacement of everything. */
  add_connection (store, "D", NULL);
  add_connection (store, "E", NULL);
  g_array_set_size (changes, 0);
  g_assert_true (sy_connection_store_load (store, NULL));
  g_assert_cmpuint (changes->len, ==, 2);
  assert_change (changes, 0, 0, 2, 0);
  assert_change (changes, 1, 0, 0, 2);
}

static void
test_atomic_no_temp_files (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(SyConnectionStore) store = load_store (fixture->config_dir);
  g_auto(GStrv) entries = NULL;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("Connection %u", i);
      add_connection (store, name, NULL);
    }
  g_assert_true (sy_connection_store_save (store, NULL));

  entries = list_dir (fixture->config_dir);
  g_assert_cmpuint (g_strv_length (entries), ==, 1);
  g_assert_cmpstr (entries[0], ==, "connections.json");
}

static void
test_save_async (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(SyConnectionStore) store = load_store (fixture->config_dir);
  g_autoptr(SyConnectionStore) reloaded = NULL;
  g_autoptr(GAsyncResult) first_result = NULL;
  g_autoptr(GAsyncResult) second_result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) entries = NULL;
  SyConnection *connection = add_connection (store, "Before", NULL);

  sy_connection_set_name (connection, "Renamed once");
  sy_connection_store_save_async (store, NULL, sy_test_store_result, &first_result);
  /* Changed again before the first write ran: the file must end up with
   * the later state, whichever worker finishes last. */
  sy_connection_set_name (connection, "Renamed twice");
  sy_connection_store_save_async (store, NULL, sy_test_store_result, &second_result);

  sy_test_await (&first_result);
  sy_test_await (&second_result);
  g_assert_true (sy_connection_store_save_finish (store, first_result, &error));
  g_assert_no_error (error);
  g_assert_true (sy_connection_store_save_finish (store, second_result, &error));
  g_assert_no_error (error);

  reloaded = load_store (fixture->config_dir);
  g_assert_nonnull (sy_connection_store_find_by_name (reloaded, "Renamed twice"));
  g_assert_null (sy_connection_store_find_by_name (reloaded, "Renamed once"));

  entries = list_dir (fixture->config_dir);
  g_assert_cmpuint (g_strv_length (entries), ==, 1);
}

static gboolean
is_broken_name (const char *name)
{
  return g_regex_match_simple ("^connections\\.json\\.broken-[0-9]{8}-[0-9]{6}(-[0-9]+)?$", name, 0, 0);
}

static void
assert_moved_aside (const char *config_dir,
                    const char *contents)
{
  g_autoptr(SyConnectionStore) store = sy_connection_store_new (config_dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *basename = NULL;
  const char *broken_path;

  write_file (config_dir, "connections.json", contents);

  g_assert_false (sy_connection_store_load (store, &error));
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE);

  broken_path = sy_connection_store_get_broken_path (store);
  g_assert_nonnull (broken_path);
  g_assert_nonnull (strstr (error->message, broken_path));
  basename = g_path_get_basename (broken_path);
  g_assert_true (is_broken_name (basename));

  kept = read_file (broken_path);
  g_assert_cmpstr (kept, ==, contents);
  g_assert_false (g_file_test (sy_connection_store_get_path (store), G_FILE_TEST_EXISTS));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
}

static void
test_broken_shapes (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *broken[] = {
    "{\"version\": 1, \"connections\": [",
    "",
    "not json",
    "[]",
    "42",
    "{\"version\": \"1\", \"connections\": []}",
    "{\"version\": 0, \"connections\": []}",
    "{\"version\": 1, \"connections\": {}}",
    "{\"version\": 1, \"connections\": [42]}",
    "{\"version\": 1, \"connections\": [{\"name\": \"No id\"}]}",
    "{\"version\": 1, \"connections\": [{\"id\": \"x\"}]}",
    "{\"version\": 1, \"connections\": [{\"id\": \"x\", \"name\": \"A\"}, {\"id\": \"x\", \"name\": \"B\"}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *dir = g_strdup_printf ("%s-%u", fixture->config_dir, i);

      g_test_message ("broken file: %s", broken[i]);
      assert_moved_aside (dir, broken[i]);
    }
}

/* json-glib recurses per level: a file nested 100,000 deep crashed every
 * command before it could be moved aside. */
static void
test_broken_too_deep (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GString) deep = g_string_new ("{\"version\": 1, \"connections\": ");

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  assert_moved_aside (fixture->config_dir, deep->str);
}

/* A FIFO would block the load for good (and /dev/zero fill the memory):
 * refused at once, and, as for any file that could not be read, kept. */
static void
test_not_regular_file_refused (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(SyConnectionStore) store = sy_connection_store_new (fixture->config_dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fixture->config_dir, "connections.json", NULL);

  g_assert_cmpint (g_mkdir_with_parents (fixture->config_dir, 0700), ==, 0);
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  g_assert_false (sy_connection_store_load (store, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_assert_null (sy_connection_store_get_broken_path (store));
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_broken_file_kept_safe (Fixture       *fixture,
                            gconstpointer  data)
{
  const char *first_contents = "{\"version\": 1, \"connections\": [ oops";
  const char *second_contents = "also broken";
  g_autoptr(SyConnectionStore) store = sy_connection_store_new (fixture->config_dir);
  g_autoptr(SyConnectionStore) second_store = sy_connection_store_new (fixture->config_dir);
  g_autoptr(SyConnectionStore) reloaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first_broken = NULL;
  g_autofree char *kept = NULL;
  g_auto(GStrv) entries = NULL;

  write_file (fixture->config_dir, "connections.json", first_contents);
  g_assert_false (sy_connection_store_load (store, &error));
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE);
  g_clear_error (&error);
  first_broken = g_strdup (sy_connection_store_get_broken_path (store));

  /* The store carries on and saves a fresh file next to the broken copy. */
  add_connection (store, "Fresh", NULL);
  kept = read_file (first_broken);
  g_assert_cmpstr (kept, ==, first_contents);
  reloaded = load_store (fixture->config_dir);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 1);

  /* Broken again within the same second: a second copy, the first intact. */
  write_file (fixture->config_dir, "connections.json", second_contents);
  g_assert_false (sy_connection_store_load (second_store, &error));
  g_assert_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE);
  g_assert_cmpstr (sy_connection_store_get_broken_path (second_store), !=, first_broken);
  g_clear_pointer (&kept, g_free);
  kept = read_file (first_broken);
  g_assert_cmpstr (kept, ==, first_contents);
  g_clear_pointer (&kept, g_free);
  kept = read_file (sy_connection_store_get_broken_path (second_store));
  g_assert_cmpstr (kept, ==, second_contents);

  entries = list_dir (fixture->config_dir);
  g_assert_cmpuint (g_strv_length (entries), ==, 2);
  for (guint i = 0; entries[i] != NULL; i++)
    g_assert_true (is_broken_name (entries[i]));
}

static void
test_newer_version_untouched (Fixture       *fixture,
                              gconstpointer  data)
{
  const char *newer =
    "{\"version\": 2, \"connections\": [{\"id\": \"n\", \"name\": \"From the future\","
    " \"endpoints\": [\"a\", \"b\"]}], \"profiles\": {}}";
  g_autoptr(SyConnectionStore) store = sy_connection_store_new (fixture->config_dir);
  g_autoptr(SyConnection) connection = sy_connection_new ("Mine", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) entries = NULL;

  write_file (fixture->config_dir, "connections.json", newer);

  g_assert_false (sy_connection_store_load (store, &error));
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE));
  g_assert_nonnull (strstr (error->message, "newer"));
  g_clear_error (&error);
  g_assert_null (sy_connection_store_get_broken_path (store));

  g_assert_false (sy_connection_store_add (store, connection, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_false (sy_connection_store_save (store, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  sy_connection_store_save_async (store, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_false (sy_connection_store_save_finish (store, result, &error));
  g_assert_nonnull (error);

  contents = read_file (sy_connection_store_get_path (store));
  g_assert_cmpstr (contents, ==, newer);
  entries = list_dir (fixture->config_dir);
  g_assert_cmpuint (g_strv_length (entries), ==, 1);
}

static void
test_failed_save_rolls_back (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(SyConnectionStore) store = load_store (fixture->config_dir);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(SyConnection) extra = sy_connection_new ("Extra", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup (sy_connection_store_get_path (store));
  g_autofree char *moved = g_strconcat (path, ".saved", NULL);
  g_auto(GStrv) entries = NULL;
  SyConnection *kept;

  kept = add_connection (store, "Kept", NULL);
  g_signal_connect (store, "items-changed", G_CALLBACK (record_change), changes);

  /* A directory where the file belongs makes the final rename fail, even
   * for root (whom a read-only directory would not stop). */
  g_assert_cmpint (g_rename (path, moved), ==, 0);
  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);

  g_assert_false (sy_connection_store_add (store, extra, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_null (sy_connection_store_find_by_name (store, "Extra"));

  g_assert_false (sy_connection_store_remove (store, kept, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_true (sy_connection_store_find_by_name (store, "Kept") == kept);
  g_assert_cmpuint (changes->len, ==, 0);

  /* No temporary file is left behind. */
  entries = list_dir (fixture->config_dir);
  g_assert_cmpuint (g_strv_length (entries), ==, 2);

  /* Once the way is clear again, the same change works. */
  g_assert_cmpint (g_rmdir (path), ==, 0);
  g_assert_true (sy_connection_store_add (store, extra, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 1);
  assert_change (changes, 0, 1, 0, 1);
}

static void
test_failed_save_unwritable_dir (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *blocker = g_build_filename (fixture->root, "not-a-dir", NULL);
  g_autofree char *config_dir = g_build_filename (blocker, "switchyard", NULL);
  g_autoptr(SyConnectionStore) store = NULL;
  g_autoptr(SyConnection) connection = sy_connection_new ("A", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  store = load_store (config_dir);

  g_assert_false (sy_connection_store_add (store, connection, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
  g_assert_nonnull (strstr (error->message, config_dir));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
}

static void
test_unreadable_file_not_replaced (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  g_autoptr(SyConnectionStore) store = sy_connection_store_new (fixture->config_dir);
  g_autoptr(GError) error = NULL;

  /* A directory cannot be read as a file; it is not "broken" JSON either. */
  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  g_assert_false (sy_connection_store_load (store, &error));
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE));
  g_clear_error (&error);
  g_assert_null (sy_connection_store_get_broken_path (store));
  g_assert_false (sy_connection_store_save (store, &error));
  g_assert_nonnull (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/connection-store/load-missing", test_load_missing);
  ADD ("/connection-store/add-save-reload", test_add_save_reload);
  ADD ("/connection-store/file-format", test_file_format);
  ADD ("/connection-store/unknown-members-survive", test_unknown_members_survive);
  ADD ("/connection-store/duplicate-and-invalid-refused", test_duplicate_and_invalid_refused);
  ADD ("/connection-store/remove-and-items-changed", test_remove_and_items_changed);
  ADD ("/connection-store/atomic-no-temp-files", test_atomic_no_temp_files);
  ADD ("/connection-store/save-async", test_save_async);
  ADD ("/connection-store/broken/shapes", test_broken_shapes);
  ADD ("/connection-store/broken/kept-safe", test_broken_file_kept_safe);
  ADD ("/connection-store/broken/too-deep", test_broken_too_deep);
  ADD ("/connection-store/not-regular-file-refused", test_not_regular_file_refused);
  ADD ("/connection-store/newer-version-untouched", test_newer_version_untouched);
  ADD ("/connection-store/failed-save/rolls-back", test_failed_save_rolls_back);
  ADD ("/connection-store/failed-save/unwritable-dir", test_failed_save_unwritable_dir);
  ADD ("/connection-store/unreadable-file-not-replaced", test_unreadable_file_not_replaced);

#undef ADD

  return g_test_run ();
}
