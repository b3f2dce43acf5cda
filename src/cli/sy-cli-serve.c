/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sy-automation.h"
#include "sy-cli-command.h"
#include "sy-cli-groups.h"
#include "sy-state-store-sync.h"
#include "sy-webhook-receivers.h"
#include "sy-webhook-settings.h"

/* `switchyard-cli serve`: the mappings of the configuration's mappings/
 * folder run on their schedules and, through a webhook receiver per
 * connection with a webhook secret, on changes in one long-running process, until SIGTERM or SIGINT
 * (docs/architecture.md §6 and §8). What it does goes to standard output,
 * one line per event with the time, for a terminal or the journal. */

typedef struct
{
  SyCliContext *context;
  SyAutomation *automation;
  SyWebhookReceivers *receivers;
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
    log_line (_("“%s”: run %lld resumed (%s)"), sy_mapping_get_name (mapping), (long long) resumed, cause);
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
    log_line (_("“%s”: run %lld finished: %llu read, %llu created, %llu updated, %llu failed, %llu unchanged"),
              name, (long long) run->id, (unsigned long long) run->read, (unsigned long long) run->created,
              (unsigned long long) run->updated, (unsigned long long) run->failed,
              (unsigned long long) run->skipped);
  else if (run->state == SY_SYNC_RUN_STATE_STOPPED ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    log_line (_("“%s”: run %lld stopped after %llu records; it resumes on the next start"),
              name, (long long) run->id, (unsigned long long) run->read);
  else
    {
      g_autofree char *description = error != NULL ? sy_cli_describe_error (error) : g_strdup (run->message);

      log_line (_("“%s”: run %lld failed: %s"), name, (long long) run->id,
                description != NULL ? description : sy_sync_run_state_get_label (run->state));
    }
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

static void
on_delivery (SyWebhookReceivers *receivers,
             SyWebhookReceiver  *receiver,
             guint               status,
             const char         *verdict,
             gpointer            event_pointer,
             Server             *server)
{
  const SyWebhookEvent *event = event_pointer;
  const char *name = sy_connection_get_name (sy_webhook_receiver_get_connection (receiver));

  if (event != NULL && event->reason != NULL)
    /* TRANSLATORS: a connection's name, an HTTP status, a verdict ("rejected"), the reason */
    log_line (_("“%s”: webhook delivery answered %u (%s): %s"), name, status, verdict, event->reason);
  else
    /* TRANSLATORS: a connection's name, an HTTP status, a verdict ("accepted", "duplicate"), entity, key */
    log_line (_("“%s”: webhook delivery answered %u (%s): %s %s"), name, status, verdict,
              event != NULL && event->entity != NULL ? event->entity : "-",
              event != NULL && event->record_key != NULL ? event->record_key : "-");
}

static void
on_event_accepted (SyWebhookReceivers *receivers,
                   const char         *connection_name,
                   const char         *entity,
                   const char         *record_key,
                   Server             *server)
{
  /* After the runs it started or queued were logged: a reader of the log
   * knows the event was acted on once it reads this line. */
  /* TRANSLATORS: a connection's name, an entity, a record's key */
  log_line (_("“%s”: change of %s %s taken"), connection_name, entity, record_key != NULL ? record_key : "-");
}

/* "NAME=PORT" of --webhook-port, into ports (name → port). */
static gboolean
parse_webhook_ports (char       **specs,
                     GHashTable  *ports)
{
  for (guint i = 0; specs != NULL && specs[i] != NULL; i++)
    {
      const char *equals = strrchr (specs[i], '=');
      g_autofree char *name = NULL;
      guint64 port;

      if (equals == NULL || equals == specs[i] ||
          !g_ascii_string_to_unsigned (equals + 1, 10, 0, 65535, &port, NULL))
        {
          sy_cli_printerr (_("--webhook-port takes CONNECTION=PORT, with a port from 0 (any free one) to 65535"));
          return FALSE;
        }
      name = g_strndup (specs[i], (gsize) (equals - specs[i]));
      g_hash_table_insert (ports, g_ascii_strdown (g_strstrip (name), -1), GUINT_TO_POINTER ((guint) port));
    }
  return TRUE;
}

/* One receiver per connection that has a webhook secret in the keyring,
 * each of its accepted events a change for the automation. A connection
 * named in --webhook-port must have one; a port that cannot be had stops
 * serve before anything runs. */
static int
start_receivers (Server       *server,
                 const char   *address,
                 GHashTable   *ports)
{
  SyConnectionStore *connections = sy_cli_context_get_connections (server->context, NULL);
  SySecretStore *secrets = sy_cli_context_get_secrets (server->context);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (connections));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyConnection) connection = g_list_model_get_item (G_LIST_MODEL (connections), i);
      g_autofree char *key = g_ascii_strdown (sy_connection_get_name (connection), -1);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(SyCliSecret) secret = NULL;
      SyWebhookReceiver *receiver;
      g_autofree char *url = NULL;
      gpointer port = NULL;
      gboolean named = g_hash_table_lookup_extended (ports, key, NULL, &port);

      g_hash_table_remove (ports, key);
      sy_webhook_settings_lookup_secret_async (secrets, connection, NULL, sy_cli_store_result, &result);
      sy_cli_await (&result);
      secret = sy_webhook_settings_lookup_secret_finish (secrets, result, &error);
      if (secret == NULL)
        {
          if (!named && g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND))
            continue;
          return sy_cli_report_error (error, NULL);
        }

      /* Its accepted events go to the automation (SyWebhookReceivers). */
      receiver = sy_webhook_receivers_start (server->receivers, connection, secret, address,
                                             GPOINTER_TO_UINT (port), &error);
      if (receiver == NULL)
        return sy_cli_report_error (error, NULL);
      url = sy_webhook_receiver_get_url (receiver);
      log_line (_("“%s”: receiving webhook deliveries at %s"), sy_connection_get_name (connection), url);
    }

  if (g_hash_table_size (ports) > 0)
    {
      GHashTableIter iter;
      gpointer name;

      g_hash_table_iter_init (&iter, ports);
      g_hash_table_iter_next (&iter, &name, NULL);
      sy_cli_printerr (_("--webhook-port names “%s”, which is not a connection"), (const char *) name);
      return SY_CLI_EXIT_USAGE;
    }
  return SY_CLI_EXIT_OK;
}

static void
stop_receivers (Server *server)
{
  sy_webhook_receivers_stop_all (server->receivers);
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
  /* No delivery is taken that nothing would act on; the sender retries. */
  stop_receivers (server);
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
  g_auto(GStrv) webhook_ports = NULL;
  g_autofree char *webhook_address = NULL;
  const GOptionEntry entries[] = {
    { "webhook-address", 0, 0, G_OPTION_ARG_STRING, &webhook_address,
      N_("Receive webhook deliveries on ADDR (default: 127.0.0.1, this machine only)"), N_("ADDR") },
    { "webhook-port", 0, 0, G_OPTION_ARG_STRING_ARRAY, &webhook_ports,
      N_("Receive CONNECTION’s webhook deliveries on PORT (default: a free port); repeatable"),
      N_("CONNECTION=PORT") },
    { NULL }
  };
  g_autoptr(GHashTable) ports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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
                               "Each connection with a webhook secret (“webhook secret”) gets a receiver; its "
                               "verified deliveries start the runs of the mappings from that connection and "
                               "entity that have “on_changes”. Receivers listen on this machine only unless "
                               "--webhook-address says otherwise; put them behind a reverse proxy or a tunnel "
                               "for deliveries from the internet.\n\n"
                               "SIGTERM or Ctrl+C stops after the batches in flight (a second one at once); a "
                               "run stopped that way resumes when serve starts again.\n\n"
                               "Exit status: 0 when stopped; 2 for a usage error, a state database that "
                               "cannot be opened or a webhook port that cannot be had."),
                             entries, 0, 0, &exit_code))
    return exit_code;

  if (!parse_webhook_ports (webhook_ports, ports))
    return SY_CLI_EXIT_USAGE;

  connections = sy_cli_context_get_connections (context, &error);
  if (connections == NULL)
    return sy_cli_report_error (error, NULL);
  state = sy_state_store_open (sy_cli_context_get_state_dir (context), &error);
  if (state == NULL)
    return sy_cli_report_error (error, _("Could not open the state database"));

  server.context = context;
  server.receivers = sy_webhook_receivers_new (state, sy_catalogue_get_default ());
  server.automation = sy_automation_new (state, connections, sy_cli_context_get_secrets (context), NULL);
  sy_webhook_receivers_set_automation (server.receivers, server.automation);
  g_signal_connect (server.receivers, "delivery", G_CALLBACK (on_delivery), &server);
  g_signal_connect (server.receivers, "event-accepted", G_CALLBACK (on_event_accepted), &server);

  mappings_dir = g_build_filename (sy_cli_context_get_config_dir (context), "mappings", NULL);
  paths = sy_mapping_list_files (mappings_dir, &error);
  if (paths == NULL)
    {
      g_clear_object (&server.receivers);
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

  exit_code = start_receivers (&server, webhook_address, ports);
  if (exit_code != SY_CLI_EXIT_OK)
    {
      stop_receivers (&server);
      g_cancellable_disconnect (sy_cli_context_get_cancellable (context), server.cancelled_handler);
      sy_cli_context_set_interrupt_func (context, NULL, NULL);
      g_clear_object (&server.receivers);
      g_clear_object (&server.automation);
      return exit_code;
    }

  sy_automation_start_async (server.automation, NULL, sy_cli_store_result, &result);
  sy_cli_await (&result);
  if (!sy_automation_start_finish (server.automation, result, &error))
    exit_code = sy_cli_report_error (error, NULL);
  else
    while (!server.stopped)
      g_main_context_iteration (NULL, TRUE);

  g_cancellable_disconnect (sy_cli_context_get_cancellable (context), server.cancelled_handler);
  sy_cli_context_set_interrupt_func (context, NULL, NULL);
  stop_receivers (&server);
  if (exit_code == SY_CLI_EXIT_OK)
    log_line ("%s", _("Stopped"));
  g_clear_object (&server.receivers);
  g_clear_object (&server.automation);
  return exit_code;
}
