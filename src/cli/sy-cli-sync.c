/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <gio/gunixoutputstream.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "sy-cli-groups.h"
#include "sy-error.h"
#include "sy-state-store-sync.h"
#include "sy-sync-check.h"
#include "sy-sync-job.h"

#define STATUS_RECENT_RUNS 20
#define PROGRESS_INTERVAL_MS 250
#define MAX_MAPPING_WIDTH 32

/* --- write options ---------------------------------------------------- */

/* The options of `sync run` and `sync retry-failed` as typed: parsed by
 * hand so that an out-of-range value such as 0 reaches
 * sy_sync_options_validate(), whose message names the option and its
 * range. */
typedef struct
{
  char     *batch_size;
  char     *delay_ms;
  char     *concurrency;
  char     *max_rps;
  char     *timeout;
  char     *max_attempts;
  gboolean  dry_run;
} WriteOptionTexts;

static void
write_option_texts_clear (WriteOptionTexts *texts)
{
  g_clear_pointer (&texts->batch_size, g_free);
  g_clear_pointer (&texts->delay_ms, g_free);
  g_clear_pointer (&texts->concurrency, g_free);
  g_clear_pointer (&texts->max_rps, g_free);
  g_clear_pointer (&texts->timeout, g_free);
  g_clear_pointer (&texts->max_attempts, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WriteOptionTexts, write_option_texts_clear)

#define WRITE_OPTION_ENTRIES(texts) \
  { "batch-size", 0, 0, G_OPTION_ARG_STRING, &(texts).batch_size, \
    N_("Records per committed batch, 1 to 100 (default 50)"), N_("N") }, \
  { "delay-ms", 0, 0, G_OPTION_ARG_STRING, &(texts).delay_ms, \
    N_("Pause between batches, in milliseconds (default 0)"), N_("N") }, \
  { "concurrency", 0, 0, G_OPTION_ARG_STRING, &(texts).concurrency, \
    N_("Writes in flight at once, 1 to 32 (default 4)"), N_("N") }, \
  { "max-rps", 0, 0, G_OPTION_ARG_STRING, &(texts).max_rps, \
    N_("At most R requests a second to the target; 0 for no limit (the default)"), N_("R") }, \
  { "timeout", 0, 0, G_OPTION_ARG_STRING, &(texts).timeout, \
    N_("Give up on a request after S seconds (default 30)"), N_("S") }, \
  { "max-attempts", 0, 0, G_OPTION_ARG_STRING, &(texts).max_attempts, \
    N_("Attempts per record before it counts as failed, the first included (default 8)"), N_("N") }, \
  { "dry-run", 0, 0, G_OPTION_ARG_NONE, &(texts).dry_run, \
    N_("Compute every write and send none"), NULL }

static gboolean
write_option_texts_any (const WriteOptionTexts *texts)
{
  return texts->batch_size != NULL || texts->delay_ms != NULL || texts->concurrency != NULL ||
         texts->max_rps != NULL || texts->timeout != NULL || texts->max_attempts != NULL ||
         texts->dry_run;
}

static gboolean
parse_whole_option (const char *option_name,
                    const char *value,
                    guint      *out)
{
  guint64 number;

  if (value == NULL)
    return TRUE;

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &number, NULL))
    {
      sy_cli_printerr (_("%s wants a whole number, not “%s”"), option_name, value);
      return FALSE;
    }

  *out = (guint) number;
  return TRUE;
}

/* Applies the options given over options and checks the result; reports
 * the problem and returns FALSE when it cannot be used. */
static gboolean
apply_write_options (const WriteOptionTexts *texts,
                     SySyncOptions          *options)
{
  g_autoptr(GError) error = NULL;

  if (!parse_whole_option ("--batch-size", texts->batch_size, &options->batch_size) ||
      !parse_whole_option ("--delay-ms", texts->delay_ms, &options->delay_ms) ||
      !parse_whole_option ("--concurrency", texts->concurrency, &options->concurrency) ||
      !parse_whole_option ("--timeout", texts->timeout, &options->timeout_s) ||
      !parse_whole_option ("--max-attempts", texts->max_attempts, &options->max_attempts))
    return FALSE;

  if (texts->max_rps != NULL)
    {
      char *end = NULL;
      double rps = g_ascii_strtod (texts->max_rps, &end);

      if (end == texts->max_rps || *end != '\0' || !isfinite (rps))
        {
          sy_cli_printerr (_("--max-rps wants a number of requests a second (0 for no limit), not “%s”"),
                           texts->max_rps);
          return FALSE;
        }
      options->max_rps = rps;
    }

  if (texts->dry_run)
    options->dry_run = TRUE;

  if (!sy_sync_options_validate (options, &error))
    {
      sy_cli_printerr ("%s", error->message);
      return FALSE;
    }

  return TRUE;
}

/* --- shared pieces ---------------------------------------------------- */

/* Numbers go into translated messages as strings: xgettext cannot read
 * G_GINT64_FORMAT. */
static char *
format_id (gint64 id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, id);
}

static char *
format_count (guint64 count)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, count);
}

static gboolean
parse_run_id (const char *text,
              gint64     *run_id)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &number, NULL))
    {
      sy_cli_printerr (_("“%s” is not a run id: run ids are the numbers “%s sync status” lists"),
                       text, g_get_prgname ());
      return FALSE;
    }

  *run_id = (gint64) number;
  return TRUE;
}

/* What a failure of a sync command means for the exit code, in one
 * place. The engine's own failures are the user's input or setup (2);
 * anything else goes by the shared rules of sy_cli_exit_code_for_error(),
 * except that a failure never reads as success or as failed records. */
static const struct
{
  SySyncError code;
  SyCliExit   exit_code;
} sync_exit_codes[] = {
  { SY_SYNC_ERROR_PAIR_BUSY, SY_CLI_EXIT_USAGE },
  { SY_SYNC_ERROR_NO_SUCH_RUN, SY_CLI_EXIT_USAGE },
  { SY_SYNC_ERROR_NOT_RESUMABLE, SY_CLI_EXIT_USAGE },
  { SY_SYNC_ERROR_INVALID_MAPPING, SY_CLI_EXIT_USAGE },
  { SY_SYNC_ERROR_INVALID_OPTIONS, SY_CLI_EXIT_USAGE },
  { SY_SYNC_ERROR_INVALID_RESULT, SY_CLI_EXIT_USAGE },
  { SY_SYNC_ERROR_ALREADY_RAN, SY_CLI_EXIT_USAGE },
  { SY_SYNC_ERROR_UNSAFE_MAPPING, SY_CLI_EXIT_USAGE },
};

static int
sync_exit_code_for_error (const GError *error)
{
  int exit_code;

  if (error != NULL && error->domain == SY_SYNC_ERROR)
    {
      for (guint i = 0; i < G_N_ELEMENTS (sync_exit_codes); i++)
        if (sync_exit_codes[i].code == (SySyncError) error->code)
          return sync_exit_codes[i].exit_code;
      return SY_CLI_EXIT_USAGE;
    }

  exit_code = sy_cli_exit_code_for_error (error);
  if (exit_code == SY_CLI_EXIT_OK || exit_code == SY_CLI_EXIT_RECORDS_FAILED)
    exit_code = SY_CLI_EXIT_USAGE;
  return exit_code;
}

/* Prints the error and gives its exit code. */
static int
report_sync_error (const GError *error,
                   const char   *prefix)
{
  sy_cli_report_error (error, prefix);
  return sync_exit_code_for_error (error);
}

static SyStateStore *
open_state_store (SyCliContext  *context,
                  int           *exit_code)
{
  g_autoptr(GError) error = NULL;
  SyStateStore *store = sy_state_store_open (sy_cli_context_get_state_dir (context), &error);

  if (store == NULL)
    *exit_code = sy_cli_report_error (error, _("Could not open the state database"));
  return store;
}

/* For commands that only read: works in a read-only state directory. */
static SyStateStore *
open_state_store_read_only (SyCliContext  *context,
                            int           *exit_code)
{
  g_autoptr(GError) error = NULL;
  SyStateStore *store = sy_state_store_open_read_only (sy_cli_context_get_state_dir (context), &error);

  if (store == NULL)
    *exit_code = sy_cli_report_error (error, _("Could not open the state database"));
  return store;
}

/* The run, or NULL with the problem reported ("There is no sync run 42":
 * a usage error) and *exit_code set. */
static SySyncRun *
load_run (SyStateStore *store,
          gint64        run_id,
          int          *exit_code)
{
  g_autoptr(GError) error = NULL;
  SySyncRun *run = sy_state_store_load_run (store, run_id, &error);

  if (run == NULL)
    {
      if (error == NULL)
        {
          g_autofree char *id = format_id (run_id);

          g_set_error (&error, SY_SYNC_ERROR, SY_SYNC_ERROR_NO_SUCH_RUN, _("There is no sync run %s"), id);
        }
      *exit_code = report_sync_error (error, NULL);
    }
  return run;
}

/* The safety rules of sy-sync-check.h for a run kept in state.db, before
 * a client is opened: exit 2 with the rule's message. */
static int
check_run_connections (SyCliContext    *context,
                       const SySyncRun *run)
{
  g_autoptr(GError) error = NULL;
  SyConnectionStore *connections = sy_cli_context_get_connections (context, &error);

  if (connections == NULL)
    return sy_cli_report_error (error, NULL);
  if (!sy_sync_check_run (run, connections, &error))
    return report_sync_error (error, NULL);
  return SY_CLI_EXIT_OK;
}

/* Clients for the source and target connections by name, with their
 * tokens from the keyring. */
static int
create_clients (SyCliContext  *context,
                const char    *source_name,
                const char    *target_name,
                SyApiClient  **source,
                SyApiClient  **target)
{
  g_autoptr(GError) error = NULL;
  SyConnection *connection;

  connection = sy_cli_context_find_connection (context, source_name, &error);
  if (connection == NULL)
    return sy_cli_report_error (error, NULL);
  *source = sy_cli_context_create_client (context, connection, &error);
  if (*source == NULL)
    return sy_cli_report_error (error, NULL);

  connection = sy_cli_context_find_connection (context, target_name, &error);
  if (connection == NULL)
    return sy_cli_report_error (error, NULL);
  *target = sy_cli_context_create_client (context, connection, &error);
  if (*target == NULL)
    return sy_cli_report_error (error, NULL);

  return SY_CLI_EXIT_OK;
}


/* Local time, as people read it in a terminal. */
static char *
format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) when = NULL;

  if (unix_seconds <= 0)
    return g_strdup ("");
  when = g_date_time_new_from_unix_local (unix_seconds);
  if (when == NULL)
    return g_strdup ("");
  return g_date_time_format (when, "%Y-%m-%d %H:%M:%S");
}

/* Server and file data on one line, with nothing that moves the cursor. */
static char *
one_line (const char *text)
{
  char *copy = g_strdup (text != NULL ? text : "");

  for (char *p = copy; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      *p = ' ';
  return copy;
}

static void
set_string_or_null (JsonObject *object,
                    const char *member,
                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

static JsonObject *
options_to_json (const SySyncOptions *options)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "batch_size", options->batch_size);
  json_object_set_int_member (object, "delay_ms", options->delay_ms);
  json_object_set_int_member (object, "concurrency", options->concurrency);
  json_object_set_double_member (object, "max_rps", options->max_rps);
  json_object_set_int_member (object, "timeout_s", options->timeout_s);
  json_object_set_int_member (object, "max_attempts", options->max_attempts);
  json_object_set_boolean_member (object, "full", options->full);
  json_object_set_boolean_member (object, "dry_run", options->dry_run);
  return object;
}

/* Every field of a run; the mapping file it ran with only on request (it
 * is big, and a list does not need it). */
static JsonObject *
run_to_json (const SySyncRun *run,
             gboolean         with_mapping_data)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "id", run->id);
  json_object_set_int_member (object, "run_id", run->id);
  json_object_set_string_member (object, "state", sy_sync_run_state_to_string (run->state));
  json_object_set_boolean_member (object, "resumable", sy_sync_run_state_is_resumable (run->state));
  set_string_or_null (object, "mapping_name", run->mapping_name);
  set_string_or_null (object, "pair", run->pair);
  set_string_or_null (object, "source_connection", run->source_connection);
  set_string_or_null (object, "source_entity", run->source_entity);
  set_string_or_null (object, "target_connection", run->target_connection);
  set_string_or_null (object, "target_entity", run->target_entity);
  if (run->retry_of > 0)
    json_object_set_int_member (object, "retry_of", run->retry_of);
  else
    json_object_set_null_member (object, "retry_of");
  json_object_set_object_member (object, "options", options_to_json (&run->options));
  json_object_set_boolean_member (object, "dry_run", run->options.dry_run);
  json_object_set_int_member (object, "started_at", run->started_at);
  if (run->finished_at > 0)
    json_object_set_int_member (object, "finished_at", run->finished_at);
  else
    json_object_set_null_member (object, "finished_at");
  json_object_set_int_member (object, "read", (gint64) run->read);
  json_object_set_int_member (object, "written", (gint64) sy_sync_run_get_written (run));
  json_object_set_int_member (object, "created", (gint64) run->created);
  json_object_set_int_member (object, "updated", (gint64) run->updated);
  json_object_set_int_member (object, "failed", (gint64) run->failed);
  json_object_set_int_member (object, "skipped", (gint64) run->skipped);
  set_string_or_null (object, "since", run->since);
  set_string_or_null (object, "checkpoint", run->checkpoint);
  set_string_or_null (object, "high_water", run->high_water);
  set_string_or_null (object, "message", run->message);
  set_string_or_null (object, "cause", run->cause);

  if (with_mapping_data)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      /* The mapping as an object, as its file has it; the text if it
       * somehow is not JSON any more. */
      if (run->mapping_data != NULL &&
          json_parser_load_from_data (parser, run->mapping_data, -1, NULL) &&
          json_parser_get_root (parser) != NULL)
        json_object_set_member (object, "mapping_data", json_node_copy (json_parser_get_root (parser)));
      else
        set_string_or_null (object, "mapping_data", run->mapping_data);
    }

  return object;
}

/* Takes object: every caller builds one just to print it (found leaking
 * by the sanitizer run). */
static void
print_json_object (JsonObject *object)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (root, object);
  sy_cli_print_json (root, FALSE);
}

static void
print_errors_hint (const SySyncRun *run)
{
  g_autofree char *failed = format_count (run->failed);
  g_autofree char *id = format_id (run->id);

  g_print (g_dngettext (GETTEXT_PACKAGE,
                        "%s record failed; see it with “%s sync errors %s”.\n",
                        "%s records failed; see them with “%s sync errors %s”.\n",
                        (gulong) MIN (run->failed, G_MAXULONG)),
           failed, g_get_prgname (), id);
}

/* --- running a job ---------------------------------------------------- */

typedef struct
{
  SySyncJob *job;
  gboolean   json;
  gboolean   progress_shown;
  gboolean   run_id_printed;
  guint      progress_source;
} JobRunner;

static void
clear_progress (JobRunner *runner)
{
  if (runner->progress_shown)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
      runner->progress_shown = FALSE;
    }
}

/* The run id alone on the first line, flushed at once: a script (or a
 * test) has it even if this process is killed a moment later. */
static void
print_run_id (JobRunner *runner)
{
  gint64 run_id = sy_sync_job_get_run_id (runner->job);

  if (runner->json || runner->run_id_printed || run_id <= 0)
    return;

  runner->run_id_printed = TRUE;
  clear_progress (runner);
  g_print ("%" G_GINT64_FORMAT "\n", run_id);
  fflush (stdout);
}

static void
on_run_id_changed (SySyncProgress *progress,
                   GParamSpec     *pspec,
                   gpointer        user_data)
{
  print_run_id (user_data);
}

static gboolean
redraw_progress (gpointer user_data)
{
  JobRunner *runner = user_data;
  g_autofree char *description = NULL;
  g_autofree char *line = NULL;

  print_run_id (runner);

  description = sy_sync_progress_describe (sy_sync_job_get_progress (runner->job));
  if (description == NULL || *description == '\0')
    return G_SOURCE_CONTINUE;

  line = one_line (description);
  g_printerr ("\r%s\033[K", line);
  fflush (stderr);
  runner->progress_shown = TRUE;
  return G_SOURCE_CONTINUE;
}

/* The first Ctrl+C (or SIGTERM): finish the batch in flight, commit it,
 * stop; the next one cancels the requests in flight. */
static void
stop_after_batch (gpointer user_data)
{
  JobRunner *runner = user_data;

  sy_sync_job_stop (runner->job);
  clear_progress (runner);
  g_printerr ("%s\n", _("Stopping after the batch in flight… (Ctrl+C again to stop at once)"));
}

static void
print_summary (const SySyncRun *run)
{
  const char *label = sy_sync_run_state_get_label (run->state);
  g_autofree char *read = format_count (run->read);
  g_autofree char *created = format_count (run->created);
  g_autofree char *updated = format_count (run->updated);
  g_autofree char *failed = format_count (run->failed);
  g_autofree char *skipped = format_count (run->skipped);
  g_autofree char *id = format_id (run->id);

  if (run->options.dry_run)
    /* TRANSLATORS: run id, its state ("Finished"), then counts of records */
    g_print (_("Run %s (dry run, nothing written): %s. %s read, %s to create, %s to update, %s failed, %s unchanged.\n"),
             id, label, read, created, updated, failed, skipped);
  else
    /* TRANSLATORS: run id, its state ("Finished"), then counts of records */
    g_print (_("Run %s: %s. %s read, %s created, %s updated, %s failed, %s skipped (unchanged).\n"),
             id, label, read, created, updated, failed, skipped);

  if (run->failed > 0)
    print_errors_hint (run);
}

/* Runs the job to its end and reports it as docs/architecture.md §8 says: the run id
 * first, a summary (or one JSON object) last, and the exit code. */
static int
execute_job (SyCliContext *context,
             SyStateStore *store,
             SySyncJob    *job)
{
  JobRunner runner = { 0 };
  SySyncProgress *progress = sy_sync_job_get_progress (job);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SySyncRun) run = NULL;
  gboolean finished;
  gulong handler;
  gint64 run_id;
  int exit_code;

  runner.job = job;
  runner.json = sy_cli_context_get_json (context);

  handler = g_signal_connect (progress, "notify::run-id", G_CALLBACK (on_run_id_changed), &runner);
  /* A progress line for people; logs and pipes stay clean. */
  if (isatty (STDERR_FILENO))
    runner.progress_source = g_timeout_add (PROGRESS_INTERVAL_MS, redraw_progress, &runner);
  sy_cli_context_set_interrupt_func (context, stop_after_batch, &runner);

  sy_sync_job_run_async (job, sy_cli_context_get_cancellable (context), sy_cli_store_result, &result);
  sy_cli_await (&result);
  finished = sy_sync_job_run_finish (job, result, &error);

  sy_cli_context_set_interrupt_func (context, NULL, NULL);
  g_clear_handle_id (&runner.progress_source, g_source_remove);
  g_signal_handler_disconnect (progress, handler);
  clear_progress (&runner);
  /* The notification may still have been on its way. */
  print_run_id (&runner);

  run_id = sy_sync_job_get_run_id (job);
  if (run_id <= 0)
    {
      /* Nothing was started: the pair is busy, the source unreachable… */
      if (error == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The sync ended before it started"));
      return report_sync_error (error, NULL);
    }

  /* state.db has the last word on what the run did. */
  run = sy_state_store_load_run (store, run_id, NULL);
  if (run == NULL)
    run = sy_sync_job_dup_run (job);
  if (run == NULL)
    {
      run = sy_sync_run_new ();
      run->id = run_id;
      run->state = finished ? SY_SYNC_RUN_STATE_FINISHED : SY_SYNC_RUN_STATE_FAILED;
      run->read = sy_sync_progress_get_read (progress);
      run->created = sy_sync_progress_get_created (progress);
      run->updated = sy_sync_progress_get_updated (progress);
      run->failed = sy_sync_progress_get_failed (progress);
      run->skipped = sy_sync_progress_get_skipped (progress);
      run->options = *sy_sync_job_get_options (job);
    }

  if (finished)
    exit_code = run->failed > 0 ? SY_CLI_EXIT_RECORDS_FAILED : SY_CLI_EXIT_OK;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    exit_code = SY_CLI_EXIT_INTERRUPTED;
  else
    exit_code = sync_exit_code_for_error (error);

  if (runner.json)
    {
      JsonObject *object = run_to_json (run, FALSE);

      if (!finished && error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *description = sy_cli_describe_error (error);

          json_object_set_string_member (object, "error", description);
        }
      print_json_object (object);
    }
  else
    print_summary (run);

  if (!finished)
    {
      g_autofree char *id = format_id (run_id);

      if (exit_code == SY_CLI_EXIT_INTERRUPTED)
        sy_cli_printerr (_("Run %s stopped"), id);
      else
        sy_cli_report_error (error, _("The sync failed"));
      g_printerr (_("Resume it with “%s sync resume %s”.\n"), g_get_prgname (), id);
    }

  return exit_code;
}

/* --- commands --------------------------------------------------------- */

static int
sync_run (SyCliContext   *context,
          char         ***args)
{
  g_auto(WriteOptionTexts) texts = { 0 };
  gboolean full = FALSE;
  const GOptionEntry entries[] = {
    { "full", 0, 0, G_OPTION_ARG_NONE, &full,
      N_("Read every record of the source, not only those changed since the last run"), NULL },
    WRITE_OPTION_ENTRIES (texts),
    { NULL }
  };
  g_auto(SyCliMappingFile) checked = { 0 };
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SyApiClient) source = NULL;
  g_autoptr(SyApiClient) target = NULL;
  g_autoptr(SySyncJob) job = NULL;
  SySyncOptions options;
  int exit_code = SY_CLI_EXIT_OK;

  if (!sy_cli_parse_command (context, args, "sync run FILE",
                             _("Syncs the source of a mapping file into its target: reads the records changed "
                               "since the last finished run (every record with --full), maps each and creates or "
                               "updates it in the target, in batches, each committed to the state database. "
                               "Defaults come from the preferences. Prints the run’s id on the first line as "
                               "soon as it exists, and a summary at the end (one JSON object with --json). "
                               "Ctrl+C stops after the batch in flight; “sync resume” continues.\n\n"
                               "Exit status: 0 when every record read was synced; 1 when some records failed "
                               "(“sync errors” lists them); 2 for a usage error, a mapping file or "
                               "configuration that cannot be used, or another sync of the same source and "
                               "target still running; 3 when the sync failed on the connection "
                               "(authentication, network); 130 when it was stopped."),
                             entries, 1, 1, &exit_code))
    return exit_code;

  sy_sync_options_init_from_settings (&options);
  options.full = full;
  if (!apply_write_options (&texts, &options))
    return SY_CLI_EXIT_USAGE;

  if ((exit_code = sy_cli_load_mapping_file (context, (*args)[1], &checked)) != SY_CLI_EXIT_OK)
    return exit_code;

  /* The connections exist (checked above); source and target must differ. */
  {
    g_autoptr(GError) error = NULL;

    if (!sy_sync_check_mapping (checked.mapping, sy_cli_context_get_connections (context, NULL), &error))
      return report_sync_error (error, NULL);
  }

  if ((exit_code = create_clients (context,
                                   sy_mapping_get_source_connection (checked.mapping),
                                   sy_mapping_get_target_connection (checked.mapping),
                                   &source, &target)) != SY_CLI_EXIT_OK)
    return exit_code;

  if ((store = open_state_store (context, &exit_code)) == NULL)
    return exit_code;

  job = sy_sync_job_new (store, checked.mapping, source, target, &options);
  sy_sync_job_set_connections (job, sy_cli_context_get_connections (context, NULL));
  return execute_job (context, store, job);
}

static int
sync_resume (SyCliContext   *context,
             char         ***args)
{
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SySyncRun) run = NULL;
  g_autoptr(SyApiClient) source = NULL;
  g_autoptr(SyApiClient) target = NULL;
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(GError) error = NULL;
  gint64 run_id;
  int exit_code = SY_CLI_EXIT_OK;

  if (!sy_cli_parse_command (context, args, "sync resume RUN_ID",
                             _("Continues a sync run that was stopped, interrupted or failed, from its last "
                               "committed batch, with the mapping and options it started with. Records it "
                               "already synced are not written again. Output as “sync run”.\n\n"
                               "Exit status: 0 when every record read was synced; 1 when some records failed; "
                               "2 for a usage error, an unknown run, a run that cannot be resumed (it finished, "
                               "or another process is running it) or a configuration that cannot be used; 3 "
                               "when the sync failed on the connection (authentication, network); 130 when it "
                               "was stopped."),
                             NULL, 1, 1, &exit_code))
    return exit_code;

  if (!parse_run_id ((*args)[1], &run_id))
    return SY_CLI_EXIT_USAGE;
  if ((store = open_state_store (context, &exit_code)) == NULL)
    return exit_code;
  if ((run = load_run (store, run_id, &exit_code)) == NULL)
    return exit_code;

  if (!sy_sync_run_state_is_resumable (run->state))
    {
      g_autofree char *id = format_id (run_id);

      if (run->state == SY_SYNC_RUN_STATE_RUNNING)
        sy_cli_printerr (_("Run %s is running in another process; it cannot be resumed twice"), id);
      else if (run->failed > 0)
        sy_cli_printerr (_("Run %s has finished, there is nothing to resume; retry its failed records with “%s sync retry-failed %s”"),
                         id, g_get_prgname (), id);
      else
        sy_cli_printerr (_("Run %s has finished, there is nothing to resume"), id);
      return SY_CLI_EXIT_USAGE;
    }

  if ((exit_code = check_run_connections (context, run)) != SY_CLI_EXIT_OK)
    return exit_code;
  if ((exit_code = create_clients (context, run->source_connection, run->target_connection,
                                   &source, &target)) != SY_CLI_EXIT_OK)
    return exit_code;

  job = sy_sync_job_new_resume (store, run, source, target, &error);
  if (job == NULL)
    return report_sync_error (error, NULL);
  sy_sync_job_set_connections (job, sy_cli_context_get_connections (context, NULL));

  return execute_job (context, store, job);
}

static int
sync_retry_failed (SyCliContext   *context,
                   char         ***args)
{
  g_auto(WriteOptionTexts) texts = { 0 };
  const GOptionEntry entries[] = {
    WRITE_OPTION_ENTRIES (texts),
    { NULL }
  };
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SySyncRun) run = NULL;
  g_autoptr(SyApiClient) source = NULL;
  g_autoptr(SyApiClient) target = NULL;
  g_autoptr(SySyncJob) job = NULL;
  g_autoptr(GError) error = NULL;
  SySyncOptions options;
  gint64 run_id;
  int exit_code = SY_CLI_EXIT_OK;

  if (!sy_cli_parse_command (context, args, "sync retry-failed RUN_ID",
                             _("Starts a new run that syncs again only the records that failed in a run, each "
                               "read again from the source, with that run’s mapping. Write options not given "
                               "are that run’s. Output as “sync run”.\n\n"
                               "Exit status: 0 when every record was synced this time (or the run had no failed "
                               "records: then no run is started); 1 when some still failed; 2 for a usage error, "
                               "an unknown run or a configuration that cannot be used; 3 when the sync failed on "
                               "the connection (authentication, network); 130 when it was stopped."),
                             entries, 1, 1, &exit_code))
    return exit_code;

  if (!parse_run_id ((*args)[1], &run_id))
    return SY_CLI_EXIT_USAGE;

  if ((store = open_state_store (context, &exit_code)) == NULL)
    return exit_code;
  if ((run = load_run (store, run_id, &exit_code)) == NULL)
    return exit_code;

  options = run->options;
  if (write_option_texts_any (&texts) && !apply_write_options (&texts, &options))
    return SY_CLI_EXIT_USAGE;

  if (run->state == SY_SYNC_RUN_STATE_RUNNING)
    {
      g_autofree char *id = format_id (run_id);

      sy_cli_printerr (_("Run %s is still running; retry its failed records once it has ended"), id);
      return SY_CLI_EXIT_USAGE;
    }

  if (run->failed == 0)
    {
      g_autofree char *id = format_id (run_id);
      g_autofree char *message = g_strdup_printf (_("Run %s has no failed records"), id);

      if (sy_cli_context_get_json (context))
        {
          JsonObject *object = json_object_new ();

          json_object_set_int_member (object, "retry_of", run_id);
          json_object_set_int_member (object, "read", 0);
          json_object_set_int_member (object, "written", 0);
          json_object_set_int_member (object, "created", 0);
          json_object_set_int_member (object, "updated", 0);
          json_object_set_int_member (object, "failed", 0);
          json_object_set_int_member (object, "skipped", 0);
          json_object_set_string_member (object, "message", message);
          print_json_object (object);
        }
      else
        g_print ("%s\n", message);
      return SY_CLI_EXIT_OK;
    }

  if ((exit_code = check_run_connections (context, run)) != SY_CLI_EXIT_OK)
    return exit_code;
  if ((exit_code = create_clients (context, run->source_connection, run->target_connection,
                                   &source, &target)) != SY_CLI_EXIT_OK)
    return exit_code;

  job = sy_sync_job_new_retry_failed (store, run, source, target,
                                      write_option_texts_any (&texts) ? &options : NULL, &error);
  if (job == NULL)
    return report_sync_error (error, NULL);
  sy_sync_job_set_connections (job, sy_cli_context_get_connections (context, NULL));

  return execute_job (context, store, job);
}

/* Pads (or cuts) text to width characters, for a table. */
static void
append_cell (GString    *line,
             const char *text,
             int         width,
             gboolean    align_right,
             gboolean    last)
{
  int length = (int) g_utf8_strlen (text, -1);

  if (length > width)
    {
      const char *cut = g_utf8_offset_to_pointer (text, width - 1);

      g_string_append_len (line, text, cut - text);
      g_string_append (line, "…");
      length = width;
      text = "";
    }

  if (align_right)
    for (int i = length; i < width; i++)
      g_string_append_c (line, ' ');
  g_string_append (line, text);
  if (!align_right && !last)
    for (int i = length; i < width; i++)
      g_string_append_c (line, ' ');
  if (!last)
    g_string_append (line, "  ");
}

enum { COLUMN_ID, COLUMN_STATE, COLUMN_MAPPING, COLUMN_STARTED, COLUMN_READ, COLUMN_WRITTEN, COLUMN_FAILED, N_COLUMNS };

static void
print_run_table (GPtrArray *runs)
{
  const char *headings[N_COLUMNS] = {
    /* TRANSLATORS: column headings of “sync status”; keep them short */
    _("ID"), _("STATE"), _("MAPPING"), _("STARTED"), _("READ"), _("WRITTEN"), _("FAILED"),
  };
  const gboolean right[N_COLUMNS] = { TRUE, FALSE, FALSE, FALSE, TRUE, TRUE, TRUE };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GString) out = g_string_new (NULL);
  int widths[N_COLUMNS];

  for (guint c = 0; c < N_COLUMNS; c++)
    widths[c] = (int) g_utf8_strlen (headings[c], -1);

  for (guint i = 0; i < runs->len; i++)
    {
      const SySyncRun *run = g_ptr_array_index (runs, i);
      char **cells = g_new0 (char *, N_COLUMNS + 1);

      cells[COLUMN_ID] = format_id (run->id);
      cells[COLUMN_STATE] = g_strdup (sy_sync_run_state_get_label (run->state));
      cells[COLUMN_MAPPING] = one_line (run->mapping_name);
      cells[COLUMN_STARTED] = format_time (run->started_at);
      cells[COLUMN_READ] = format_count (run->read);
      cells[COLUMN_WRITTEN] = format_count (sy_sync_run_get_written (run));
      cells[COLUMN_FAILED] = format_count (run->failed);
      for (guint c = 0; c < N_COLUMNS; c++)
        widths[c] = MAX (widths[c], (int) g_utf8_strlen (cells[c], -1));
      g_ptr_array_add (rows, cells);
    }
  widths[COLUMN_MAPPING] = MIN (widths[COLUMN_MAPPING], MAX_MAPPING_WIDTH);

  for (guint c = 0; c < N_COLUMNS; c++)
    append_cell (out, headings[c], widths[c], right[c], c + 1 == N_COLUMNS);
  g_string_append_c (out, '\n');
  for (guint r = 0; r < rows->len; r++)
    {
      char **cells = g_ptr_array_index (rows, r);

      for (guint c = 0; c < N_COLUMNS; c++)
        append_cell (out, cells[c], widths[c], right[c], c + 1 == N_COLUMNS);
      g_string_append_c (out, '\n');
    }

  g_print ("%s", out->str);
}

static void
print_detail (const char *label,
              const char *value)
{
  g_autofree char *text = one_line (value);

  g_print ("  %-13s %s\n", label, text);
}

static void
print_run_details (const SySyncRun *run)
{
  const SySyncOptions *options = &run->options;
  g_autofree char *from = g_strdup_printf ("%s %s", run->source_connection, run->source_entity);
  g_autofree char *to = g_strdup_printf ("%s %s", run->target_connection, run->target_entity);
  g_autofree char *started = format_time (run->started_at);
  g_autofree char *rps = NULL;
  g_autofree char *option_text = NULL;
  g_autofree char *records = NULL;
  g_autofree char *read = format_count (run->read);
  g_autofree char *written = format_count (sy_sync_run_get_written (run));
  g_autofree char *created = format_count (run->created);
  g_autofree char *updated = format_count (run->updated);
  g_autofree char *failed = format_count (run->failed);
  g_autofree char *skipped = format_count (run->skipped);
  g_autofree char *id = format_id (run->id);

  g_print (_("Run %s: %s\n"), id, sy_sync_run_state_get_label (run->state));
  print_detail (_("Mapping:"), run->mapping_name);
  print_detail (_("From:"), from);
  print_detail (_("To:"), to);
  print_detail (_("Pair:"), run->pair);
  if (run->retry_of > 0)
    {
      g_autofree char *retried = format_id (run->retry_of);
      g_autofree char *retry_of = g_strdup_printf (_("the failed records of run %s"), retried);

      print_detail (_("Retries:"), retry_of);
    }
  print_detail (_("Started:"), started);
  if (run->finished_at > 0)
    {
      g_autofree char *finished = format_time (run->finished_at);

      print_detail (_("Ended:"), finished);
    }

  if (options->max_rps > 0)
    {
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];

      rps = g_strdup_printf (_("at most %s requests a second"),
                             g_ascii_formatd (buffer, sizeof buffer, "%g", options->max_rps));
    }
  else
    rps = g_strdup (_("no rate limit"));
  option_text = g_strdup_printf (_("batches of %u, %u ms apart, %u writes at once, %s, %u s timeout, %u attempts per record, %s%s"),
                                 options->batch_size, options->delay_ms, options->concurrency, rps,
                                 options->timeout_s, options->max_attempts,
                                 options->full ? _("full") : _("incremental"),
                                 options->dry_run ? _(", dry run") : "");
  print_detail (_("Options:"), option_text);

  records = g_strdup_printf (_("%s read, %s written (%s created, %s updated), %s failed, %s skipped"),
                             read, written, created, updated, failed, skipped);
  print_detail (_("Records:"), records);
  print_detail (_("Since:"), run->since != NULL ? run->since : _("the beginning"));
  print_detail (_("Checkpoint:"), run->checkpoint != NULL ? run->checkpoint : _("none yet"));
  print_detail (_("High-water:"), run->high_water != NULL ? run->high_water : _("none yet"));
  if (run->message != NULL && *run->message != '\0')
    print_detail (_("Message:"), run->message);

  if (sy_sync_run_state_is_resumable (run->state))
    g_print (_("Resume it with “%s sync resume %s”.\n"), g_get_prgname (), id);
  if (run->failed > 0)
    print_errors_hint (run);
}

static int
sync_status (SyCliContext   *context,
             char         ***args)
{
  gboolean all = FALSE;
  const GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all,
      N_("List every run, not only the 20 most recent"), NULL },
    { NULL }
  };
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  gint64 run_id;
  int exit_code = SY_CLI_EXIT_OK;

  if (!sy_cli_parse_command (context, args, "sync status [RUN_ID]",
                             _("Without a run id, lists the recent sync runs, newest first. With one, shows "
                               "everything about that run: its mapping, source and target, options, counts, "
                               "checkpoint, and how to resume it or see its failed records.\n\n"
                               "Exit status: 0 when it was shown; 2 for a usage error or an unknown run."),
                             entries, 0, 1, &exit_code))
    return exit_code;

  if ((*args)[1] != NULL && !parse_run_id ((*args)[1], &run_id))
    return SY_CLI_EXIT_USAGE;

  if ((store = open_state_store_read_only (context, &exit_code)) == NULL)
    return exit_code;

  if ((*args)[1] != NULL)
    {
      g_autoptr(SySyncRun) run = load_run (store, run_id, &exit_code);

      if (run == NULL)
        return exit_code;
      if (sy_cli_context_get_json (context))
        print_json_object (run_to_json (run, TRUE));
      else
        print_run_details (run);
      return SY_CLI_EXIT_OK;
    }

  runs = sy_state_store_list_runs (store, NULL, all ? 0 : STATUS_RECENT_RUNS, &error);
  if (runs == NULL)
    return sy_cli_report_error (error, _("Could not list the sync runs"));

  if (sy_cli_context_get_json (context))
    {
      JsonObject *object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < runs->len; i++)
        json_array_add_object_element (array, run_to_json (g_ptr_array_index (runs, i), FALSE));
      json_object_set_array_member (object, "runs", array);
      print_json_object (object);
    }
  else if (runs->len == 0)
    g_print (_("No sync runs yet; start one with “%s sync run FILE”.\n"), g_get_prgname ());
  else
    print_run_table (runs);

  return SY_CLI_EXIT_OK;
}

static int
sync_errors (SyCliContext   *context,
             char         ***args)
{
  g_autofree char *format_text = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text,
      N_("csv (the default) or json (the default with --json)"), N_("FORMAT") },
    { NULL }
  };
  g_autoptr(SyStateStore) store = NULL;
  g_autoptr(SySyncRun) run = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  SySyncExportFormat format;
  gint64 run_id;
  int exit_code = SY_CLI_EXIT_OK;

  if (!sy_cli_parse_command (context, args, "sync errors RUN_ID",
                             _("Writes the records that failed in a run to standard output, as CSV with a "
                               "header line (source_key, target_entity, status, message, field_errors, "
                               "request_id, attempts, at) or as a JSON array of objects with those members.\n\n"
                               "Exit status: 0 when they were written (even none); 2 for a usage error or an "
                               "unknown run."),
                             entries, 1, 1, &exit_code))
    return exit_code;

  if (!parse_run_id ((*args)[1], &run_id))
    return SY_CLI_EXIT_USAGE;

  if (format_text != NULL)
    {
      if (!sy_sync_export_format_from_string (format_text, &format))
        {
          sy_cli_printerr (_("--format wants csv or json, not “%s”"), format_text);
          return SY_CLI_EXIT_USAGE;
        }
    }
  else
    format = sy_cli_context_get_json (context) ? SY_SYNC_EXPORT_JSON : SY_SYNC_EXPORT_CSV;

  if ((store = open_state_store_read_only (context, &exit_code)) == NULL)
    return exit_code;
  if ((run = load_run (store, run_id, &exit_code)) == NULL)
    return exit_code;

  /* A reader that stops early (`| head`) gets an EPIPE, not a signal that
   * would end us in the middle of a database read. */
  signal (SIGPIPE, SIG_IGN);
  fflush (stdout);
  out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  if (!sy_state_store_export_failures_to_stream (store, run_id, format, out,
                                                 sy_cli_context_get_cancellable (context), &error) ||
      !g_output_stream_flush (out, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        return SY_CLI_EXIT_OK;
      exit_code = sy_cli_report_error (error, _("Could not write the failed records"));
      return exit_code == SY_CLI_EXIT_CONNECTION ? SY_CLI_EXIT_USAGE : exit_code;
    }

  return SY_CLI_EXIT_OK;
}

static const SyCliCommand sync_commands[] = {
  { "run", N_("Sync the source of a mapping into its target"), sync_run },
  { "resume", N_("Continue a stopped, interrupted or failed run"), sync_resume },
  { "status", N_("List the recent runs, or show one"), sync_status },
  { "errors", N_("Export the records that failed in a run (CSV or JSON)"), sync_errors },
  { "retry-failed", N_("Sync again only the records that failed in a run"), sync_retry_failed },
  { NULL }
};

int
sy_cli_sync_run (SyCliContext  *context,
                 char         **args)
{
  return sy_cli_run_group (context, "sync", N_("Sync records from a source into a target"),
                           sync_commands, args);
}
