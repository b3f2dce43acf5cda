/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "sy-test-support.h"

static JsonNode *
get_json (const char *url,
          const char *token,
          guint      *status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  if (token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  return json_from_string (g_bytes_get_data (body, NULL), &error);
}

static void
test_start_and_tokens (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (NULL);
  const char *url = sy_sandbox_process_get_url (sandbox);
  const char *wms = sy_sandbox_process_get_token (sandbox, "wms");
  const char *erp = sy_sandbox_process_get_token (sandbox, "erp");
  g_autofree char *current = NULL;
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  g_assert_nonnull (wms);
  g_assert_nonnull (erp);
  g_assert_cmpstr (wms, !=, erp);
  g_assert_null (sy_sandbox_process_get_token (sandbox, "eam"));

  /* The tokens read from the child really open the API. */
  current = g_strconcat (url, "/api/integrations/current", NULL);
  answer = get_json (current, erp, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (answer), "data"),
                                                  "platform"), ==, "netsuite");
}

static void
test_two_sandboxes_differ (void)
{
  g_autoptr(SySandboxProcess) first = sy_test_start_sandbox (NULL);
  g_autoptr(SySandboxProcess) second = sy_test_start_sandbox (NULL);

  g_assert_cmpstr (sy_sandbox_process_get_url (first), !=, sy_sandbox_process_get_url (second));
  g_assert_cmpstr (sy_sandbox_process_get_token (first, "wms"), !=,
                   sy_sandbox_process_get_token (second, "wms"));
}

/* The child must be gone once the object is: no server outlives a test. */
static void
test_child_gone_after_unref (void)
{
  SySandboxProcess *sandbox = sy_test_start_sandbox (NULL);
  g_autofree char *url = g_strdup (sy_sandbox_process_get_url (sandbox));
  g_autofree char *current = g_strconcat (url, "/api/integrations/current", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  g_object_unref (sandbox);

  msg = soup_message_new ("GET", current);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static void
test_stop_then_urls_cleared (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (NULL);

  sy_sandbox_process_stop (sandbox);
  g_assert_null (sy_sandbox_process_get_url (sandbox));
  g_assert_null (sy_sandbox_process_get_token (sandbox, "wms"));
  /* Stopping twice is harmless. */
  sy_sandbox_process_stop (sandbox);
}

static void
test_extra_args_passed (void)
{
  const char * const args[] = { "--records", "7", "--pagination", "cursor", NULL };
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (args);
  g_autofree char *list = g_strconcat (sy_sandbox_process_get_url (sandbox),
                                       "/api/wms/sales-orders?per_page=100", NULL);
  g_autoptr(JsonNode) answer = NULL;
  JsonObject *object;
  guint status = 0;

  answer = get_json (list, sy_sandbox_process_get_token (sandbox, "wms"), &status);
  g_assert_cmpuint (status, ==, 200);
  object = json_node_get_object (answer);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "data")), ==, 7);
  g_assert_true (json_object_has_member (object, "next_cursor"));
}

/* Run in a copy of this program outside the build tree, where no sandbox
 * sits beside it: what a user without the sandbox installed would see. */
static int
missing_binary_probe (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_sandbox_process_new (NULL);
  g_autoptr(GError) error = NULL;

  if (sy_sandbox_process_start_sync (sandbox, NULL, &error))
    {
      g_print ("STARTED\n");
      return 1;
    }
  g_print ("%s\n%s\n", g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? "NOT_FOUND" : "OTHER",
           error->message);
  return 0;
}

static void
test_missing_binary (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("sandbox-missing");
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *copy_path = g_build_filename (dir, "probe", NULL);
  g_autoptr(GFile) source = g_file_new_for_path (self_exe);
  g_autoptr(GFile) copy = g_file_new_for_path (copy_path);
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  const char *argv[] = { copy_path, NULL };
  int wait_status = 0;

  g_file_copy (source, copy, G_FILE_COPY_NONE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  envp = g_environ_setenv (envp, "SWITCHYARD_SANDBOX", "/nonexistent/switchyard-sandbox", TRUE);
  envp = g_environ_setenv (envp, "PATH", "/nonexistent", TRUE);
  envp = g_environ_setenv (envp, "SY_TEST_MISSING_SANDBOX_PROBE", "1", TRUE);
  g_spawn_sync (dir, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &wait_status, &error);
  g_assert_no_error (error);
  g_test_message ("probe said: %s", out);

  g_assert_true (g_spawn_check_wait_status (wait_status, NULL));
  g_assert_true (g_str_has_prefix (out, "NOT_FOUND\n"));
  g_assert_nonnull (strstr (out, "switchyard-sandbox"));

  sy_test_remove_tree (dir);
}

static void
test_bad_arguments_fail_clearly (void)
{
  const char * const args[] = { "--pagination", "sideways", NULL };
  g_autoptr(SySandboxProcess) sandbox = sy_sandbox_process_new (args);
  g_autoptr(GError) error = NULL;

  g_assert_false (sy_sandbox_process_start_sync (sandbox, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_null (sy_sandbox_process_get_url (sandbox));
}

/* Starts a stand-in for the sandbox: a shell script. */
static gboolean
start_fake_sandbox_within (const char  *script,
                           guint        start_timeout_seconds,
                           GError     **error)
{
  g_autofree char *dir = sy_test_make_tmpdir ("sandbox-fake");
  g_autofree char *fake = g_build_filename (dir, "switchyard-sandbox", NULL);
  g_autofree char *real_sandbox = g_strdup (g_getenv ("SWITCHYARD_SANDBOX"));
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SySandboxProcess) sandbox = NULL;
  gboolean started;

  g_file_set_contents_full (fake, script, -1, G_FILE_SET_CONTENTS_NONE, 0755, &local_error);
  g_assert_no_error (local_error);
  g_setenv ("SWITCHYARD_SANDBOX", fake, TRUE);

  sandbox = sy_sandbox_process_new (NULL);
  if (start_timeout_seconds != 0)
    g_object_set (sandbox, "start-timeout", start_timeout_seconds, NULL);
  started = sy_sandbox_process_start_sync (sandbox, NULL, error);
  if (!started)
    {
      g_assert_null (sy_sandbox_process_get_url (sandbox));
      g_assert_null (sy_sandbox_process_get_token (sandbox, "wms"));
      g_assert_null (sy_sandbox_process_get_ca_file (sandbox));
    }

  if (real_sandbox != NULL)
    g_setenv ("SWITCHYARD_SANDBOX", real_sandbox, TRUE);
  else
    g_unsetenv ("SWITCHYARD_SANDBOX");
  sy_test_remove_tree (dir);
  return started;
}

static gboolean
start_fake_sandbox (const char  *script,
                    GError     **error)
{
  return start_fake_sandbox_within (script, 0, error);
}

static void
test_garbage_first_line (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (start_fake_sandbox ("#!/bin/sh\necho 'Welcome to my server!'\nexec sleep 30\n", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_incomplete_first_line (void)
{
  g_autoptr(GError) error = NULL;

  /* JSON, but without the tokens. */
  g_assert_false (start_fake_sandbox ("#!/bin/sh\necho '{\"url\": \"http://127.0.0.1:1\"}'\nexec sleep 30\n",
                                      &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

/* "ca" and an https url come together (--tls) or not at all: a line
 * with one and not the other, or a relative CA path, is refused. */
static void
test_tls_first_line_mismatch (void)
{
  static const char * const lines[] = {
    "{\"url\": \"https://127.0.0.1:1\", \"tokens\": {\"wms\": \"a\", \"erp\": \"b\"}}",
    "{\"url\": \"http://127.0.0.1:1\", \"tokens\": {\"wms\": \"a\", \"erp\": \"b\"}, \"ca\": \"/tmp/ca.pem\"}",
    "{\"url\": \"https://127.0.0.1:1\", \"tokens\": {\"wms\": \"a\", \"erp\": \"b\"}, \"ca\": \"ca.pem\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *script = g_strdup_printf ("#!/bin/sh\necho '%s'\nexec sleep 30\n", lines[i]);

      g_assert_false (start_fake_sandbox (script, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }
}

/* 100,000 nested lists on one line: json-glib alone would overflow the
 * stack; the first line is refused like any other garbage. */
static void
test_deep_first_line (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (start_fake_sandbox ("#!/bin/sh\n"
                                      "head -c 100000 /dev/zero | tr '\\0' '['\n"
                                      "echo\n"
                                      "exec sleep 30\n",
                                      &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_exits_early (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (start_fake_sandbox ("#!/bin/sh\nexit 3\n", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

static void
test_silent_times_out (void)
{
  g_autoptr(GError) error = NULL;
  gint64 before = g_get_monotonic_time ();

  g_assert_false (start_fake_sandbox_within ("#!/bin/sh\nexec sleep 60\n", 2, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "2 seconds"));
  /* The stand-in was killed, not waited for: it would have slept a minute. */
  g_assert_cmpint (g_get_monotonic_time () - before, <, 60 * G_USEC_PER_SEC);
}

static void
test_cancelled (void)
{
  const char * const args[] = { "--records", "10", NULL };
  g_autoptr(SySandboxProcess) sandbox = sy_sandbox_process_new (args);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (sy_sandbox_process_start_sync (sandbox, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (sy_sandbox_process_get_url (sandbox));
}

int
main (int   argc,
      char *argv[])
{
  if (g_getenv ("SY_TEST_MISSING_SANDBOX_PROBE") != NULL)
    return missing_binary_probe ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sandbox-process/start-and-tokens", test_start_and_tokens);
  g_test_add_func ("/sandbox-process/two-sandboxes-differ", test_two_sandboxes_differ);
  g_test_add_func ("/sandbox-process/child-gone-after-unref", test_child_gone_after_unref);
  g_test_add_func ("/sandbox-process/stop", test_stop_then_urls_cleared);
  g_test_add_func ("/sandbox-process/extra-args", test_extra_args_passed);
  g_test_add_func ("/sandbox-process/missing-binary", test_missing_binary);
  g_test_add_func ("/sandbox-process/bad-arguments", test_bad_arguments_fail_clearly);
  g_test_add_func ("/sandbox-process/garbage-first-line", test_garbage_first_line);
  g_test_add_func ("/sandbox-process/incomplete-first-line", test_incomplete_first_line);
  g_test_add_func ("/sandbox-process/tls-first-line-mismatch", test_tls_first_line_mismatch);
  g_test_add_func ("/sandbox-process/deep-first-line", test_deep_first_line);
  g_test_add_func ("/sandbox-process/exits-early", test_exits_early);
  g_test_add_func ("/sandbox-process/silent-times-out", test_silent_times_out);
  g_test_add_func ("/sandbox-process/cancelled", test_cancelled);

  return g_test_run ();
}
