/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sy-automation.h"
#include "sy-cli-command.h"
#include "sy-cli-groups.h"
#include "sy-state-store-sync.h"

/* `switchyard-cli serve`: the mappings of the configuration's mappings/
 * folder run on their schedules (and, through the webhook receivers, on
 * changes) in one long-running process, until SIGTERM or SIGINT
 * (docs/architecture.md §6 and §8). What it does goes to standard output,
 * one line per event with the time, for a terminal or the journal. */

typedef struct
{
  SyCliContext *context;
  SyAutomation *automation;
  gboolean      stopped;
  gulong        cancelled_handler;
} Server;

static void
log_line (const char *format,
          ...) G_GNUC_PRINTF (1, 2);

static void
log_line (const char *format,
          ...)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%F %T");
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_print ("%s %s\n", stamp, text);
  /* A journal or a pipe sees each line when it happens. */
  fflush (stdout);
}

static void
on_run_started (SyAutomation *automation,
                SyMapping    *mapping,
                const char   *cause,
                gint64        resumed,
                Server       *server)
{
  if (resumed > 0)
    /* TRANSLATORS: a mapping's name, a run id, then why it ran ("scheduled", "webhook") */
    log_line (_("“%s”: run %" G_GINT64_FORMAT " resumed (%s)"), sy_mapping_get_name (mapping), resumed, cause);
  else
    /* TRANSLATORS: a mapping's name, then why it runs ("scheduled", "webhook") */
    log_line (_("“%s”: run started (%s)"), sy_mapping_get_name (mapping), cause);
}

static void
on_run_queued (SyAutomation *automation,
               SyMapping    *mapping,
               const char   *cause,
               Server       *server)
{
  /* TRANSLATORS: a mapping's name, then why it runs ("scheduled", "webhook") */
  log_line (_("“%s”: a %s run is due while the previous one still runs; it is queued behind it"),
            sy_mapping_get_name (mapping), cause);
}

static void
on_run_finished (SyAutomation *automation,
                 SyMapping    *mapping,
                 const char   *cause,
                 SySyncRun    *run,
                 GError       *error,
                 Server       *server)
{
  const char *name = sy_mapping_get_name (mapping);

  if (run == NULL)
    {
      g_autofree char *description = sy_cli_describe_error (error);

      log_line (_("“%s”: the run could not start: %s"), name, description);
      return;
    }

  if (run->state == SY_SYNC_RUN_STATE_FINISHED)
    log_line (_("“%s”: run %" G_GINT64_FORMAT " finished: %" G_GUINT64_FORMAT " read, %" G_GUINT64_FORMAT
                " created, %" G_GUINT64_FORMAT " updated, %" G_GUINT64_FORMAT " failed, %" G_GUINT64_FORMAT
                " unchanged"),
              name, run->id, run->read, run->created, run->updated, run->failed, run->skipped);
  else if (run->state == SY_SYNC_RUN_STATE_STOPPED ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    log_line (_("“%s”: run %" G_GINT64_FORMAT " stopped after %" G_GUINT64_FORMAT
                " records; it resumes on the next start"),
              name, run->id, run->read);
  else
    {
      g_autofree char *description = error != NULL ? sy_cli_describe_error (error) : g_strdup (run->message);

      log_line (_("“%s”: run %" G_GINT64_FORMAT " failed: %s"), name, run->id,
                description != NULL ? description : sy_sync_run_state_get_label (run->state));
    }
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The mappings' files, sorted by name; a folder that does not exist has
 * none. */
static GPtrArray *
list_mapping_files (const char  *dir,
                    GError     **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *name;

  listing = g_dir_open (dir, 0, &local_error);
  if (listing == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&paths);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  while ((name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_suffix (name, ".json") && name[0] != '.')
      g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (paths, compare_paths);
  return g_steal_pointer (&paths);
}

static char *
describe_automation (SyMapping *mapping)
{
  GString *text = g_string_new (NULL);
  const char * const *times = sy_mapping_get_at_times (mapping);
  guint every = sy_mapping_get_every_minutes (mapping);

  if (every > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "every %u minute", "every %u minutes", every),
                            every);
  if (times[0] != NULL)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) times);

      if (text->len > 0)
        g_string_append (text, "; ");
      g_string_append_printf (text, _("at %s"), list);
    }
  if (sy_mapping_get_on_changes (mapping))
    {
      if (text->len > 0)
        g_string_append (text, "; ");
      g_string_append (text, _("on changes"));
    }
  return g_string_free (text, FALSE);
}

/* Where the webhook receivers plug in: one per connection that has a
 * webhook secret, its "event-accepted" signal connected to
 * sy_automation_notify_change(). The receiver (SyWebhookReceiver) is not
 * part of this build yet, so serve runs schedules only. */
static void
start_receivers (Server *server)
{
}

static void
on_stopped (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Server *server = user_data;

  sy_automation_stop_finish (SY_AUTOMATION (source_object), result, NULL);
  server->stopped = TRUE;
}

/* The first SIGTERM or SIGINT: no new run, the running ones stop after
 * their batch in flight. */
static void
stop_gently (gpointer user_data)
{
  Server *server = user_data;

  log_line ("%s", _("Stopping after the batches in flight… (again to stop at once)"));
  sy_automation_stop_async (server->automation, on_stopped, server);
}

/* The second: the context cancels; the requests in flight are cancelled
 * too, and their creates are looked up when the run resumes. */
static void
on_cancelled (GCancellable *cancellable,
              Server       *server)
{
  sy_automation_stop_async (server->automation, NULL, NULL);
}

int
sy_cli_serve_run (SyCliContext *context,
                  char        **args)
{
  const GOptionEntry entries[] = { { NULL } };
  g_auto(GStrv) argv = g_strdupv (args);
  g_autoptr(SyStateStore) state = NULL;
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *mappings_dir = NULL;
  SyConnectionStore *connections;
  Server server = { 0 };
  guint n_automated = 0;
  int exit_code = SY_CLI_EXIT_OK;

  if (!sy_cli_parse_command (context, &argv, "serve",
                             _("Runs the mappings of the configuration’s mappings folder without a person, "
                               "until stopped: each on its schedule (the mapping file’s “automation”: "
                               "“every_minutes”, “at” local times) and when its source changes "
                               "(“on_changes”). A mapping with a schedule that never ran runs at start; at "
                               "most one run per mapping goes at a time, and a run due meanwhile is queued "
                               "behind it. Each run is an incremental sync, recorded with its cause. One line "
                               "per event goes to standard output.\n\n"
                               "SIGTERM or Ctrl+C stops after the batches in flight (a second one at once); a "
                               "run stopped that way resumes when serve starts again.\n\n"
                               "Exit status: 0 when stopped; 2 for a usage error or a state database that "
                               "cannot be opened."),
                             entries, 0, 0, &exit_code))
    return exit_code;

  connections = sy_cli_context_get_connections (context, &error);
  if (connections == NULL)
    return sy_cli_report_error (error, NULL);
  state = sy_state_store_open (sy_cli_context_get_state_dir (context), &error);
  if (state == NULL)
    return sy_cli_report_error (error, _("Could not open the state database"));

  server.context = context;
  server.automation = sy_automation_new (state, connections, sy_cli_context_get_secrets (context), NULL);

  mappings_dir = g_build_filename (sy_cli_context_get_config_dir (context), "mappings", NULL);
  paths = list_mapping_files (mappings_dir, &error);
  if (paths == NULL)
    {
      g_clear_object (&server.automation);
      return sy_cli_report_error (error, NULL);
    }

  /* A file that cannot be used is reported and left out: the others
   * still run. */
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_auto(SyCliMappingFile) checked = { 0 };
      g_autofree char *description = NULL;

      if (sy_cli_load_mapping_file (context, path, &checked) != SY_CLI_EXIT_OK)
        {
          log_line (_("%s: left out (see the error above)"), path);
          continue;
        }
      if (!sy_mapping_has_automation (checked.mapping))
        continue;
      description = describe_automation (checked.mapping);
      log_line (_("“%s” (%s): %s"), sy_mapping_get_name (checked.mapping), path, description);
      sy_automation_add_mapping (server.automation, checked.mapping);
      n_automated++;
    }
  log_line (g_dngettext (GETTEXT_PACKAGE, "Serving %u mapping from %s", "Serving %u mappings from %s", n_automated),
            n_automated, mappings_dir);

  g_signal_connect (server.automation, "run-started", G_CALLBACK (on_run_started), &server);
  g_signal_connect (server.automation, "run-queued", G_CALLBACK (on_run_queued), &server);
  g_signal_connect (server.automation, "run-finished", G_CALLBACK (on_run_finished), &server);
  sy_cli_context_set_interrupt_func (context, stop_gently, &server);
  server.cancelled_handler = g_cancellable_connect (sy_cli_context_get_cancellable (context),
                                                    G_CALLBACK (on_cancelled), &server, NULL);

  start_receivers (&server);

  sy_automation_start_async (server.automation, NULL, sy_cli_store_result, &result);
  sy_cli_await (&result);
  if (!sy_automation_start_finish (server.automation, result, &error))
    exit_code = sy_cli_report_error (error, NULL);
  else
    while (!server.stopped)
      g_main_context_iteration (NULL, TRUE);

  g_cancellable_disconnect (sy_cli_context_get_cancellable (context), server.cancelled_handler);
  sy_cli_context_set_interrupt_func (context, NULL, NULL);
  if (exit_code == SY_CLI_EXIT_OK)
    log_line ("%s", _("Stopped"));
  g_clear_object (&server.automation);
  return exit_code;
}
