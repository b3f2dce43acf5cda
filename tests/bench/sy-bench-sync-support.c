/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sy-bench-sync-support.h"
#include "sy-sandbox-client.h"

gboolean
sy_bench_is_quick (void)
{
  return g_strcmp0 (g_getenv ("SWITCHYARD_BENCH_QUICK"), "1") == 0;
}

void
sy_bench_run_clear (SyBenchRun *run)
{
  g_clear_pointer (&run->summary, json_node_unref);
}

/* Spawned without a child watch, so that nobody else reaps it and wait4()
 * can tell its peak RSS. Its standard output goes to a file: a pipe
 * nobody reads could stall it. */
void
sy_bench_run_sync (SyCliFixture       *cli,
                   const char         *mapping_path,
                   const char * const *extra_args,
                   SyBenchRun         *run)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *out_path = g_build_filename (cli->work_dir, "sync-run.out", NULL);
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  struct rusage usage = { 0 };
  const char *newline;
  const char *json_text;
  int out_fd, null_fd, wait_status = 0;
  GPid pid = 0;
  gint64 started;
  guint64 id = 0;

  g_assert_nonnull (cli->work_dir);
  g_ptr_array_add (args, (gpointer) "sync");
  g_ptr_array_add (args, (gpointer) "run");
  g_ptr_array_add (args, (gpointer) mapping_path);
  g_ptr_array_add (args, (gpointer) "--json");
  for (guint i = 0; extra_args[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) extra_args[i]);
  g_ptr_array_add (args, NULL);
  argv = sy_cli_argv (cli, (const char * const *) args->pdata);

  out_fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (out_fd, >=, 0);
  g_assert_cmpint (null_fd, >=, 0);

  started = g_get_monotonic_time ();
  g_spawn_async_with_fds (cli->work_dir, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                          NULL, NULL, &pid, null_fd, out_fd, -1, &error);
  g_assert_no_error (error);
  close (out_fd);
  close (null_fd);

  while (wait4 (pid, &wait_status, 0, &usage) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  run->seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  run->max_rss_kib = usage.ru_maxrss;
  g_spawn_close_pid (pid);

  g_assert_true (WIFEXITED (wait_status));
  run->status = WEXITSTATUS (wait_status);

  /* The run id on a line of its own, then the JSON object; or the JSON
   * object alone. */
  out = sy_test_read_text (out_path);
  json_text = out;
  newline = strchr (out, '\n');
  g_assert_nonnull (newline);
  {
    g_autofree char *first_line = g_strndup (out, newline - out);

    if (g_ascii_string_to_unsigned (first_line, 10, 1, G_MAXINT64, &id, NULL))
      json_text = newline + 1;
  }
  run->summary = sy_test_parse_json (json_text);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (run->summary));
  run->run_id = id > 0 ? (gint64) id
                       : json_object_get_int_member (json_node_get_object (run->summary), "run_id");
}

gint64
sy_bench_run_int (const SyBenchRun *run,
                  const char       *member)
{
  JsonObject *object = json_node_get_object (run->summary);

  if (!json_object_has_member (object, member))
    g_error ("`sync run --json` lacks “%s”", member);
  return json_object_get_int_member (object, member);
}

static const char *
addressee_of (JsonObject *record)
{
  JsonObject *address = json_object_get_object_member (record, "shipmentAddress");

  return address != NULL ? json_object_get_string_member_with_default (address, "addressee", NULL) : NULL;
}

void
sy_bench_assert_target_is_source (SySandboxProcess *sandbox,
                                  SoupSession      *session,
                                  guint             n_records,
                                  gboolean          compare_addressee)
{
  g_autoptr(GPtrArray) source = sy_sandbox_client_list_all (sandbox, session, "wms", "wms/sales-orders");
  g_autoptr(GPtrArray) target = sy_sandbox_client_list_all (sandbox, session, "erp", "erp/sales-orders");
  g_autoptr(GHashTable) by_code = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpuint (source->len, ==, n_records);
  g_assert_cmpuint (target->len, ==, n_records);
  for (guint i = 0; i < target->len; i++)
    {
      JsonObject *record = g_ptr_array_index (target, i);
      const char *code = json_object_get_string_member_with_default (record, "code", NULL);

      if (code == NULL)
        g_error ("target record %s has no code", json_object_get_string_member_with_default (record, "key", "?"));
      if (!g_hash_table_insert (by_code, (gpointer) code, record))
        g_error ("two target records have the code %s", code);
    }
  for (guint i = 0; i < source->len; i++)
    {
      JsonObject *order = g_ptr_array_index (source, i);
      const char *key = json_object_get_string_member (order, "key");
      JsonObject *record = g_hash_table_lookup (by_code, key);

      if (record == NULL)
        g_error ("source order %s is not in the target", key);
      g_assert_cmpstr (json_object_get_string_member_with_default (record, "orderNumber", NULL), ==,
                       json_object_get_string_member_with_default (order, "orderNumber", NULL));
      if (compare_addressee && g_strcmp0 (addressee_of (record), addressee_of (order)) != 0)
        g_error ("source order %s is addressed to “%s”, its target record to “%s”", key,
                 addressee_of (order), addressee_of (record));
    }
}
