/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-cli-test-support.h"

/* switchyard-cli run in German, with the catalogue the build made from
 * po/de.po (SWITCHYARD_LOCALEDIR points at the build tree's po directory).
 * C.UTF-8 is the one locale every glibc system has; LANGUAGE picks the
 * translation on top of it, as it does on a desktop. */

typedef SyCliFixture Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const char *localedir = g_getenv ("SWITCHYARD_LOCALEDIR");
  g_autofree char *catalogue = NULL;

  g_assert_nonnull (localedir);
  catalogue = g_build_filename (localedir, "de", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_assert_true (g_file_test (catalogue, G_FILE_TEST_IS_REGULAR));

  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANG", "C.UTF-8", TRUE);
  sy_cli_fixture_set_up (fixture, "translation", FALSE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_cli_fixture_tear_down (fixture);
  g_unsetenv ("LANGUAGE");
}

static void
test_help_in_german (Fixture       *fixture,
                     gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };

  g_setenv ("LANGUAGE", "de", TRUE);
  sy_cli_run (fixture, NULL, &run, "--help");

  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Verbindungen hinzufügen, auflisten, testen und entfernen"));
  g_assert_nonnull (strstr (run.out, "Systeme verbinden und ihre Datensätze auf der Befehlszeile lesen."));
  g_assert_null (strstr (run.out, "Add, list, test and remove connections"));
}

/* The same program without LANGUAGE speaks English: the German above
 * comes from the locale, not from a build that only knows German. */
static void
test_help_in_english_without_language (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };

  g_unsetenv ("LANGUAGE");
  sy_cli_run (fixture, NULL, &run, "--help");

  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Add, list, test and remove connections"));
  g_assert_null (strstr (run.out, "Verbindungen hinzufügen"));
}

static void
test_command_output_in_german (Fixture       *fixture,
                               gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };

  g_setenv ("LANGUAGE", "de", TRUE);
  sy_cli_run (fixture, NULL, &run, "connection", "list");

  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "Keine Verbindungen. Füge eine mit „"));
}

/* Errors from the core library are translated too, placeholders intact. */
static void
test_error_in_german (Fixture       *fixture,
                      gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };

  g_setenv ("LANGUAGE", "de", TRUE);
  sy_cli_run (fixture, NULL, &run, "connection", "test", "nirgendwo");

  g_assert_cmpint (run.status, ==, 2);
  sy_cli_assert_one_error_line (&run);
  g_assert_nonnull (strstr (run.err, "Es gibt keine Verbindung namens „nirgendwo“"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/translation/cli/help-in-german", Fixture, NULL,
              fixture_set_up, test_help_in_german, fixture_tear_down);
  g_test_add ("/translation/cli/help-in-english-without-language", Fixture, NULL,
              fixture_set_up, test_help_in_english_without_language, fixture_tear_down);
  g_test_add ("/translation/cli/command-output-in-german", Fixture, NULL,
              fixture_set_up, test_command_output_in_german, fixture_tear_down);
  g_test_add ("/translation/cli/error-in-german", Fixture, NULL,
              fixture_set_up, test_error_in_german, fixture_tear_down);

  return g_test_run ();
}
