/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/stat.h>
#include <glib/gstdio.h>

#include "sy-cli-test-support.h"
#include "sy-test-support.h"

void
sy_cli_fixture_set_up (SyCliFixture *fixture,
                       const char   *prefix,
                       gboolean      with_work_dir)
{
  g_autofree char *config = g_strconcat (prefix, "-config", NULL);
  g_autofree char *state = g_strconcat (prefix, "-state", NULL);

  fixture->config_dir = sy_test_make_tmpdir (config);
  fixture->state_dir = sy_test_make_tmpdir (state);
  if (with_work_dir)
    {
      g_autofree char *work = g_strconcat (prefix, "-work", NULL);

      fixture->work_dir = sy_test_make_tmpdir (work);
    }
}

void
sy_cli_fixture_tear_down (SyCliFixture *fixture)
{
  if (fixture->sandbox != NULL)
    sy_sandbox_process_stop (fixture->sandbox);
  g_clear_object (&fixture->sandbox);
  sy_test_remove_tree (fixture->config_dir);
  sy_test_remove_tree (fixture->state_dir);
  if (fixture->work_dir != NULL)
    sy_test_remove_tree (fixture->work_dir);
  g_clear_pointer (&fixture->config_dir, g_free);
  g_clear_pointer (&fixture->state_dir, g_free);
  g_clear_pointer (&fixture->work_dir, g_free);
}

void
sy_cli_run_clear (SyCliRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

GPtrArray *
sy_cli_argv (SyCliFixture       *fixture,
             const char * const *args)
{
  GPtrArray *argv = g_ptr_array_new ();
  const char *cli = g_getenv ("SWITCHYARD_CLI");

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  g_ptr_array_add (argv, (gpointer) "--config-dir");
  g_ptr_array_add (argv, fixture->config_dir);
  g_ptr_array_add (argv, (gpointer) "--state-dir");
  g_ptr_array_add (argv, fixture->state_dir);
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  return argv;
}

void
sy_cli_run_argv (SyCliFixture       *fixture,
                 const char         *input,
                 const char * const *args,
                 SyCliRun           *run)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = sy_cli_argv (fixture, args);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *command_line = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (fixture->work_dir != NULL)
    g_subprocess_launcher_set_cwd (launcher, fixture->work_dir);
  if (fixture->no_keyring)
    {
      /* No session bus and no display to autolaunch one: the first of the
       * three ways of having no keyring that TESTING.md lists. */
      g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
      g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
      g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
      g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", fixture->state_dir, TRUE);
    }
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8_async (process, input, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_subprocess_communicate_utf8_finish (process, result, &run->out, &run->err, &error);
  g_assert_no_error (error);

  /* Both pipes are at their end; now wait for the exit status itself. */
  g_clear_object (&result);
  g_subprocess_wait_async (process, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_subprocess_wait_finish (process, result, &error);
  g_assert_no_error (error);

  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);

  command_line = g_strjoinv (" ", (char **) args);
  g_test_message ("switchyard-cli %s → %d\nstdout: %.3000s\nstderr: %s",
                  command_line, run->status, run->out, run->err);
}

void
sy_cli_add_connection (SyCliFixture *fixture,
                       const char   *name,
                       const char   *system)
{
  g_autofree char *input = g_strconcat (sy_sandbox_process_get_token (fixture->sandbox, system), "\n", NULL);
  g_auto(SyCliRun) run = { 0 };

  const char *ca_file = sy_sandbox_process_get_ca_file (fixture->sandbox);

  /* A sandbox with --tls is trusted through its throw-away CA alone. */
  if (ca_file != NULL)
    sy_cli_run (fixture, input, &run, "connection", "add", name,
                "--url", sy_sandbox_process_get_url (fixture->sandbox), "--ca-file", ca_file, "--token-stdin");
  else
    sy_cli_run (fixture, input, &run, "connection", "add", name,
                "--url", sy_sandbox_process_get_url (fixture->sandbox), "--token-stdin");
  g_assert_cmpint (run.status, ==, 0);
}

guint
sy_test_count_lines (const char *text)
{
  guint lines = 0;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      lines++;
  return lines;
}

void
sy_cli_assert_one_error_line (const SyCliRun *run)
{
  g_assert_true (g_str_has_prefix (run->err, "switchyard-cli: "));
  g_assert_cmpuint (sy_test_count_lines (run->err), ==, 1);
}

JsonNode *
sy_test_parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

char *
sy_test_read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

guint
sy_test_file_mode (const char *path)
{
  GStatBuf buf;

  g_assert_cmpint (g_stat (path, &buf), ==, 0);
  return buf.st_mode & 0777;
}
