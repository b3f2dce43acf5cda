/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "sy-mapping.h"

/* The mapping file's optional "automation" member: loaded, refused with
 * the line and the reason, written back in the same form. */

#define HEAD \
  "{\n  \"version\": 1,\n  \"name\": \"Orders\",\n" \
  "  \"source\": {\"connection\": \"wms\", \"entity\": \"wms/sales-orders\"},\n" \
  "  \"target\": {\"connection\": \"erp\", \"entity\": \"erp/sales-orders\"},\n" \
  "  \"match\": {\"source\": \"key\", \"target\": \"code\"}"
#define TAIL \
  ",\n  \"fields\": [\n    {\"target\": \"code\", \"source\": \"key\"}\n  ]\n}\n"

static SyMapping *
load (const char *text,
      GError    **error)
{
  return sy_mapping_new_from_data (text, -1, "orders.json", error);
}

static void
test_load_and_save (void)
{
  const char *text = HEAD ",\n  \"automation\": {\"every_minutes\": 15, \"at\": [\"06:00\", \"23:59\"], \"on_changes\": true}" TAIL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = load (text, &error);
  g_autofree char *saved = NULL;
  const char * const *at;

  g_assert_no_error (error);
  g_assert_true (sy_mapping_has_automation (mapping));
  g_assert_cmpuint (sy_mapping_get_every_minutes (mapping), ==, 15);
  at = sy_mapping_get_at_times (mapping);
  g_assert_cmpuint (g_strv_length ((char **) at), ==, 2);
  g_assert_cmpstr (at[0], ==, "06:00");
  g_assert_cmpstr (at[1], ==, "23:59");
  g_assert_true (sy_mapping_get_on_changes (mapping));

  /* Written back exactly as the canonical form reads. */
  saved = sy_mapping_to_data (mapping, NULL);
  g_assert_cmpstr (saved, ==, text);
}

static void
test_members_in_any_order_written_in_one (void)
{
  const char *text = HEAD ",\n  \"automation\": {\"on_changes\": false, \"at\": [\"18:30\"], \"every_minutes\": 10080}" TAIL;
  const char *expected = HEAD ",\n  \"automation\": {\"every_minutes\": 10080, \"at\": [\"18:30\"]}" TAIL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = load (text, &error);
  g_autoptr(SyMapping) again = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *saved_again = NULL;

  g_assert_no_error (error);
  g_assert_false (sy_mapping_get_on_changes (mapping));
  saved = sy_mapping_to_data (mapping, NULL);
  g_assert_cmpstr (saved, ==, expected);
  again = load (saved, &error);
  g_assert_no_error (error);
  saved_again = sy_mapping_to_data (again, NULL);
  g_assert_cmpstr (saved_again, ==, saved);
}

static void
test_absent_or_empty (void)
{
  const char *plain = HEAD TAIL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = load (plain, &error);
  g_autoptr(SyMapping) empty = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *saved_empty = NULL;

  g_assert_no_error (error);
  g_assert_false (sy_mapping_has_automation (mapping));
  g_assert_cmpuint (sy_mapping_get_every_minutes (mapping), ==, 0);
  g_assert_nonnull (sy_mapping_get_at_times (mapping));
  g_assert_null (sy_mapping_get_at_times (mapping)[0]);
  saved = sy_mapping_to_data (mapping, NULL);
  g_assert_cmpstr (saved, ==, plain);

  /* An empty member means no automation, and is not written back. */
  empty = load (HEAD ",\n  \"automation\": {\"at\": []}" TAIL, &error);
  g_assert_no_error (error);
  g_assert_false (sy_mapping_has_automation (empty));
  saved_empty = sy_mapping_to_data (empty, NULL);
  g_assert_cmpstr (saved_empty, ==, plain);
}

static void
test_refusals (void)
{
  const struct
  {
    const char *automation;
    const char *reason;
  } cases[] = {
    { "[]", "“automation” must be an object" },
    { "{\"every_minute\": 5}", "has no member “every_minute”" },
    { "{\"every_minutes\": 0}", "from 1 to 10080" },
    { "{\"every_minutes\": 10081}", "from 1 to 10080" },
    { "{\"every_minutes\": -3}", "from 1 to 10080" },
    { "{\"every_minutes\": 1.5}", "from 1 to 10080" },
    { "{\"every_minutes\": \"5\"}", "from 1 to 10080" },
    { "{\"at\": \"06:00\"}", "“at” must be a list" },
    { "{\"at\": [\"24:00\"]}", "element 1 of “at” is not a time of day" },
    { "{\"at\": [\"06:00\", \"6:30\"]}", "element 2 of “at” is not a time of day" },
    { "{\"at\": [\"12:60\"]}", "element 1 of “at”" },
    { "{\"at\": [\"12:00:00\"]}", "element 1 of “at”" },
    { "{\"at\": [600]}", "element 1 of “at”" },
    { "{\"at\": [\"07:15\", \"07:15\"]}", "“at” lists 07:15 twice" },
    { "{\"on_changes\": 1}", "“on_changes” must be true or false" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf (HEAD ",\n  \"automation\": %s" TAIL, cases[i].automation);
      g_autoptr(GError) error = NULL;
      g_autoptr(SyMapping) mapping = load (text, &error);

      g_test_message ("%s", cases[i].automation);
      g_assert_null (mapping);
      g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].reason));
      /* The line of the member at fault. */
      g_assert_true (g_str_has_prefix (error->message, "orders.json:7:"));
      g_assert_cmpuint (sy_mapping_error_get_line (error), ==, 7);
    }
}

static void
on_changed (SyMapping *mapping,
            guint     *count)
{
  (*count)++;
}

static void
test_setter (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = load (HEAD TAIL, &error);
  const char * const good[] = { "00:00", "12:30", NULL };
  const char * const bad[] = { "7:00", NULL };
  const char * const twice[] = { "08:00", "08:00", NULL };
  g_autofree char *saved = NULL;
  guint changed = 0;

  g_assert_no_error (error);
  g_signal_connect (mapping, "changed", G_CALLBACK (on_changed), &changed);

  g_assert_false (sy_mapping_set_automation (mapping, 10081, NULL, FALSE, &error));
  g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (sy_mapping_set_automation (mapping, 0, bad, FALSE, &error));
  g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (sy_mapping_set_automation (mapping, 0, twice, FALSE, &error));
  g_assert_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (changed, ==, 0);
  g_assert_false (sy_mapping_has_automation (mapping));

  g_assert_true (sy_mapping_set_automation (mapping, 60, good, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changed, ==, 1);
  saved = sy_mapping_to_data (mapping, NULL);
  g_assert_cmpstr (saved, ==,
                   HEAD ",\n  \"automation\": {\"every_minutes\": 60, \"at\": [\"00:00\", \"12:30\"], \"on_changes\": true}" TAIL);
}

static void
test_parse_time (void)
{
  guint hour = 99, minute = 99;

  g_assert_true (sy_mapping_parse_time ("09:05", &hour, &minute));
  g_assert_cmpuint (hour, ==, 9);
  g_assert_cmpuint (minute, ==, 5);
  g_assert_false (sy_mapping_parse_time ("", NULL, NULL));
  g_assert_false (sy_mapping_parse_time ("9:05", NULL, NULL));
  g_assert_false (sy_mapping_parse_time ("09-05", NULL, NULL));
  g_assert_false (sy_mapping_parse_time ("-1:05", NULL, NULL));
  g_assert_false (sy_mapping_parse_time ("23:5x", NULL, NULL));
}


/* What serve and the application automate: the *.json files of a folder,
 * not hidden, sorted; a folder that does not exist has none. */
static void
test_list_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("switchyard-list-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *not_a_dir = g_build_filename (dir, "b.json", NULL);
  const char *names[] = { "b.json", "a.json", ".hidden.json", "notes.txt", "c.json~" };
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (dir);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      g_assert_true (g_file_set_contents (path, "{}", -1, NULL));
    }

  paths = sy_mapping_list_files (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, ==, 2);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (paths, 0), G_DIR_SEPARATOR_S "a.json"));
  g_assert_true (g_str_has_suffix (g_ptr_array_index (paths, 1), G_DIR_SEPARATOR_S "b.json"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (paths, 0), dir));
  g_clear_pointer (&paths, g_ptr_array_unref);

  paths = sy_mapping_list_files (missing, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, ==, 0);
  g_clear_pointer (&paths, g_ptr_array_unref);

  /* A file where the folder should be is an error. */
  paths = sy_mapping_list_files (not_a_dir, &error);
  g_assert_null (paths);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mapping/automation/load-and-save", test_load_and_save);
  g_test_add_func ("/mapping/automation/canonical-order", test_members_in_any_order_written_in_one);
  g_test_add_func ("/mapping/automation/absent-or-empty", test_absent_or_empty);
  g_test_add_func ("/mapping/automation/refusals", test_refusals);
  g_test_add_func ("/mapping/automation/setter", test_setter);
  g_test_add_func ("/mapping/automation/parse-time", test_parse_time);
  g_test_add_func ("/mapping/automation/list-files", test_list_files);

  return g_test_run ();
}
