/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <glib/gstdio.h>

#include "sy-file.h"
#include "sy-test-support.h"

static void
test_regular_file (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("file");
  g_autofree char *path = g_build_filename (dir, "ten.json", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *again = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  g_assert_true (g_file_set_contents (path, "0123456789", 10, NULL));

  /* Exactly at the limit is fine... */
  g_assert_true (sy_file_load_regular (path, 10, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, 10);
  g_assert_cmpstr (contents, ==, "0123456789");

  /* ...one byte over is not. */
  g_assert_false (sy_file_load_regular (path, 9, &again, &length, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "larger than"));
  g_assert_null (again);

  sy_test_remove_tree (dir);
}

static void
test_empty_and_missing (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("file");
  g_autofree char *empty = g_build_filename (dir, "empty", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *none = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 1;

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (sy_file_load_regular (empty, 100, &contents, &length, &error));
  g_assert_cmpuint (length, ==, 0);
  g_assert_cmpstr (contents, ==, "");

  g_assert_false (sy_file_load_regular (missing, 100, &none, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  sy_test_remove_tree (dir);
}

/* A FIFO with no writer: g_file_get_contents() would wait for one forever. */
static void
test_fifo_refused (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("file");
  g_autofree char *path = g_build_filename (dir, "connections.json", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  g_assert_false (sy_file_load_regular (path, SY_FILE_MAX_CONFIG_SIZE, &contents, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_assert_null (contents);

  sy_test_remove_tree (dir);
}

/* /dev/zero never ends: read whole, it would take all the memory there is. */
static void
test_device_and_folder_refused (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("file");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (sy_file_load_regular ("/dev/zero", SY_FILE_MAX_KEY_SIZE, &contents, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error (&error);

  g_assert_false (sy_file_load_regular (dir, SY_FILE_MAX_KEY_SIZE, &contents, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
  g_assert_null (contents);

  sy_test_remove_tree (dir);
}

static void
test_async (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("file");
  g_autofree char *path = g_build_filename (dir, "mapping.json", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.json", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) fifo_result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *none = NULL;
  gsize length = 0;

  g_assert_true (g_file_set_contents (path, "{\"version\": 1}", -1, NULL));
  sy_file_load_regular_async (path, 100, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  contents = sy_file_load_regular_finish (result, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "{\"version\": 1}");
  g_assert_cmpuint (length, ==, 14);

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  sy_file_load_regular_async (fifo, 100, NULL, sy_test_store_result, &fifo_result);
  sy_test_await (&fifo_result);
  none = sy_file_load_regular_finish (fifo_result, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);

  sy_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/file/regular", test_regular_file);
  g_test_add_func ("/file/empty-and-missing", test_empty_and_missing);
  g_test_add_func ("/file/fifo-refused", test_fifo_refused);
  g_test_add_func ("/file/device-and-folder-refused", test_device_and_folder_refused);
  g_test_add_func ("/file/async", test_async);

  return g_test_run ();
}
