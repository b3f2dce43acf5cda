/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-connection-check.h"
#include "sy-add-connection-dialog.h"
#include "sy-error.h"
#include "sy-mapping-editor.h"
#include "sy-sync-window-internal.h"

/* Shorter runs finish while the user still looks. */
#define NOTIFY_AFTER_S 10

typedef enum
{
  START_NEW,
  START_RESUME,
  START_RETRY,
} StartKind;

G_DEFINE_FINAL_TYPE (SySyncWindow, sy_sync_window, ADW_TYPE_WINDOW)

/* Options */

void
sy_sync_window_set_options (SySyncWindow        *self,
                            const SySyncOptions *options)
{
  g_return_if_fail (SY_IS_SYNC_WINDOW (self));
  g_return_if_fail (options != NULL);

  gtk_spin_button_set_value (self->batch_size_spin, options->batch_size);
  gtk_spin_button_set_value (self->delay_spin, options->delay_ms);
  gtk_spin_button_set_value (self->concurrency_spin, options->concurrency);
  gtk_spin_button_set_value (self->max_rps_spin, options->max_rps);
  gtk_switch_set_active (self->full_switch, options->full);
  gtk_switch_set_active (self->dry_run_switch, options->dry_run);
}

void
sy_sync_window_get_options (SySyncWindow  *self,
                            SySyncOptions *options)
{
  g_return_if_fail (SY_IS_SYNC_WINDOW (self));
  g_return_if_fail (options != NULL);

  /* Timeouts and attempts have no row here: the preferences' values. */
  sy_sync_options_init_from_settings (options);
  options->batch_size = gtk_spin_button_get_value_as_int (self->batch_size_spin);
  options->delay_ms = gtk_spin_button_get_value_as_int (self->delay_spin);
  options->concurrency = gtk_spin_button_get_value_as_int (self->concurrency_spin);
  options->max_rps = gtk_spin_button_get_value (self->max_rps_spin);
  options->full = gtk_switch_get_active (self->full_switch);
  options->dry_run = gtk_switch_get_active (self->dry_run_switch);
}

/* Actions' availability */

void
sy_sync_window_update_actions (SySyncWindow *self)
{
  gboolean busy = self->preparing || self->running;
  gboolean has_state = get_state (self) != NULL;
  guint n_failures = sy_sync_failure_list_get_n_items (self->failure_list);
  guint64 run_failures = self->shown_run ? self->shown_run->failed : 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.start", !busy && self->mapping != NULL && has_state);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.pause", self->running && self->job != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.stop", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.cancel", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.export",
                                 self->shown_run_id != 0 && (n_failures > 0 || run_failures > 0) && has_state);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.retry-failed",
                                 !busy && self->shown_run != NULL && run_failures > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.resume-run", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.reconnect", !busy && self->paused_run != NULL);
  gtk_widget_set_visible (self->reconnect_button, !busy && self->paused_run != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.more-failures",
                                 self->failures_more && !self->failures_loading);

  gtk_stack_set_visible_child_name (self->control_stack, busy ? "running" : "idle");
  gtk_widget_set_sensitive (self->settings_group, !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->mapping_row), !busy);
}

/* Starting a job: the tokens of both connections, then the job. */

typedef struct
{
  SySyncWindow  *self;
  StartKind      kind;
  SyMapping     *mapping;
  SySyncRun     *run;
  SySyncOptions  options;
  char          *names[2];
  SyApiClient   *clients[2];
  guint          next;
} StartData;

static void
start_data_free (StartData *data)
{
  g_object_unref (data->self);
  g_clear_object (&data->mapping);
  g_clear_pointer (&data->run, sy_sync_run_free);
  for (guint i = 0; i < 2; i++)
    {
      g_free (data->names[i]);
      g_clear_object (&data->clients[i]);
    }
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StartData, start_data_free)

static void
notify_finished (SySyncWindow *self,
                 const char   *title,
                 const char   *body)
{
  g_autoptr(GNotification) notification = NULL;
  GApplication *app = G_APPLICATION (get_app (self));
  g_autofree char *id = g_strdup_printf ("sync-finished-%" G_GINT64_FORMAT, self->shown_run_id);

  if (app == NULL)
    return;
  if (g_get_monotonic_time () - self->job_started_us < (gint64) self->notify_after_s * G_USEC_PER_SEC)
    return;
  if (gtk_window_is_active (GTK_WINDOW (self)) && gtk_widget_get_visible (GTK_WIDGET (self)))
    return;
  if (self->settings != NULL && !g_settings_get_boolean (self->settings, "notify-on-finish"))
    return;

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_application_send_notification (app, id, notification);
}

static void
job_ended (SySyncWindow *self)
{
  self->preparing = FALSE;
  self->running = FALSE;
  g_clear_handle_id (&self->progress_idle, g_source_remove);
}

/* Last, as it may destroy the window. */
static void
close_if_asked (SySyncWindow *self)
{
  /* The window keeps the application while it exists. */
  if (self->held)
    {
      self->held = FALSE;
      g_application_release (G_APPLICATION (get_app (self)));
    }
  if (self->close_after_job)
    {
      self->may_close = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

static void
fail_start (SySyncWindow *self,
            const char   *reason)
{
  g_autofree char *text = g_strdup_printf (_("The sync could not start: %s"), reason);

  set_status (self, text);
  add_toast (self, text);
  job_ended (self);
  sy_sync_window_update_actions (self);
  close_if_asked (self);
}

/* The engine stops at a refused token (docs/architecture.md §6); when a
 * connection of the run needs reconnecting, that is the reason, and the
 * run can go on once it is mended. Its name, or NULL. */
static char *
find_connection_needing_reconnect (SySyncWindow *self,
                                   SySyncJob    *job,
                                   const GError *error)
{
  g_autoptr(SySyncRun) run = NULL;
  SyApplication *app = get_app (self);
  const char *names[2];

  if (app == NULL || !g_error_matches (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED))
    return NULL;
  run = sy_sync_job_dup_run (job);
  if (run == NULL)
    return NULL;
  names[0] = run->source_connection;
  names[1] = run->target_connection;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      SyConnection *connection = sy_connection_store_find_by_name (sy_application_get_connection_store (app), names[i]);

      if (connection != NULL && sy_connection_get_status (connection) == SY_CONNECTION_STATUS_NEEDS_REAUTH)
        return g_strdup (names[i]);
    }
  return NULL;
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SySyncWindow) self = user_data;
  SySyncJob *job = SY_SYNC_JOB (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(SySyncRun) run = NULL;
  g_autofree char *text = NULL;
  g_autofree char *body = NULL;
  g_autofree char *written = NULL;
  g_autofree char *failed = NULL;
  SySyncProgress *progress = sy_sync_job_get_progress (job);
  gboolean finished;
  const char *name;
  g_autofree char *paused_name = NULL;

  finished = sy_sync_job_run_finish (job, result, &error);
  if (job != self->job)
    return;

  sy_sync_failure_list_flush (self->failure_list);
  self->running = FALSE;
  sy_sync_window_show_progress (self);

  written = format_count (sy_sync_progress_get_written (progress));
  failed = format_count (sy_sync_progress_get_failed (progress));
  if (finished)
    {
      /* Translators: how many records a finished sync wrote and how many failed */
      text = g_strdup_printf (_("Finished: %s written, %s failed"), written, failed);
      gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    text = g_strdup (_("Stopped. The run can be resumed from the History."));
  else if ((paused_name = find_connection_needing_reconnect (self, job, error)) != NULL)
    {
      /* Translators: %s is a connection's name */
      text = g_strdup_printf (_("Paused: “%s” needs reconnecting. Reconnect, and the run goes on where it stopped."),
                              paused_name);
    }
  else
    {
      g_autofree char *reason = sy_describe_error (error);
      /* Translators: %s says why a sync run failed */
      text = g_strdup_printf (_("The run failed: %s It can be resumed from the History once that is fixed."), reason);
    }
  set_status (self, text);

  run = sy_sync_job_dup_run (job);
  if (run != NULL)
    {
      g_clear_pointer (&self->shown_run, sy_sync_run_free);
      self->shown_run = sy_sync_run_copy (run);
      self->shown_run_id = run->id;
      /* A resumed or retried run also has failures of an earlier attempt. */
      if (sy_sync_failure_list_get_n_items (self->failure_list) != run->failed)
        sy_sync_window_show_run (self, run);
    }

  g_clear_pointer (&self->paused_run, sy_sync_run_free);
  g_clear_pointer (&self->reconnect_name, g_free);
  if (paused_name != NULL && run != NULL && sy_sync_run_state_is_resumable (run->state))
    {
      self->paused_run = sy_sync_run_copy (run);
      self->reconnect_name = g_strdup (paused_name);
    }

  name = self->mapping ? sy_mapping_get_name (self->mapping) : NULL;
  body = g_strdup_printf ("%s\n%s", name ? name : "", text);
  notify_finished (self, finished ? _("Sync Finished") : paused_name ? _("Sync Paused") : _("Sync Ended"), body);

  job_ended (self);
  sy_sync_window_load_history (self);
  sy_sync_window_update_failures_view (self);
  sy_sync_window_update_actions (self);
  close_if_asked (self);
}

static void
create_job (SySyncWindow *self,
            StartData    *data)
{
  SyStateStore *state = get_state (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(SySyncJob) job = NULL;

  switch (data->kind)
    {
    case START_NEW:
      job = sy_sync_job_new (state, data->mapping, data->clients[0], data->clients[1], &data->options);
      break;
    case START_RESUME:
      job = sy_sync_job_new_resume (state, data->run, data->clients[0], data->clients[1], &error);
      break;
    case START_RETRY:
      job = sy_sync_job_new_retry_failed (state, data->run, data->clients[0], data->clients[1],
                                          &data->options, &error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (job == NULL)
    {
      fail_start (self, error->message);
      return;
    }

  g_set_object (&self->job, job);
  self->preparing = FALSE;
  self->running = TRUE;
  g_signal_connect_object (sy_sync_job_get_progress (job), "notify",
                           G_CALLBACK (sy_sync_window_progress_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (job, "record-failed", G_CALLBACK (sy_sync_window_record_failed_cb), self, G_CONNECT_SWAPPED);

  /* The list now follows this run as it goes. */
  sy_sync_window_show_run (self, NULL);
  self->shown_run_id = data->kind == START_RESUME ? data->run->id : 0;
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  sy_sync_window_show_progress (self);
  sy_sync_job_run_async (job, self->job_cancellable, job_done_cb, g_object_ref (self));
}

static void
lookup_next_token (StartData *data);

static void
client_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(StartData) data = user_data;
  SySyncWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyApiClient) client = NULL;

  client = sy_connection_open_client_finish (result, &error);
  /* The window is gone. */
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->preparing)
    {
      if (self->preparing)
        {
          set_status (self, _("Cancelled before the run started."));
          job_ended (self);
          sy_sync_window_update_actions (self);
          close_if_asked (self);
        }
      return;
    }
  if (client == NULL)
    {
      g_autofree char *reason = sy_describe_error (error);
      g_autofree char *text = g_strdup_printf (_("“%s”: %s"), data->names[data->next], reason);

      fail_start (self, text);
      return;
    }

  data->clients[data->next] = g_steal_pointer (&client);
  data->next++;
  if (data->next < G_N_ELEMENTS (data->clients))
    lookup_next_token (g_steal_pointer (&data));
  else
    create_job (self, data);
}

static void
lookup_next_token (StartData *data)
{
  SySyncWindow *self = data->self;
  SyApplication *app = get_app (self);
  SyConnection *connection;

  connection = sy_connection_store_find_by_name (sy_application_get_connection_store (app), data->names[data->next]);
  if (connection == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("There is no connection named “%s”."), data->names[data->next]);

      fail_start (self, text);
      start_data_free (data);
      return;
    }

  /* The keyring may take a while to answer (an unlock prompt): the
   * window stays usable, and Cancel ends the wait. */
  sy_connection_open_client_async (sy_application_get_secret_store (app), connection,
                                   self->job_cancellable, client_opened_cb, data);
}

static void
start_job (SySyncWindow    *self,
           StartKind        kind,
           const SySyncRun *run)
{
  StartData *data;
  g_autoptr(GError) error = NULL;

  if (self->preparing || self->running || get_state (self) == NULL)
    return;

  data = g_new0 (StartData, 1);
  data->self = g_object_ref (self);
  data->kind = kind;
  sy_sync_window_get_options (self, &data->options);
  if (kind == START_NEW)
    {
      if (self->mapping == NULL)
        {
          start_data_free (data);
          return;
        }
      data->mapping = g_object_ref (self->mapping);
      data->names[0] = g_strdup (sy_mapping_get_source_connection (self->mapping));
      data->names[1] = g_strdup (sy_mapping_get_target_connection (self->mapping));
    }
  else
    {
      data->run = sy_sync_run_copy (run);
      data->names[0] = g_strdup (run->source_connection);
      data->names[1] = g_strdup (run->target_connection);
      /* A retry keeps the run's dry-run-ness; full means nothing to it. */
      data->options.full = FALSE;
    }

  if (!sy_sync_options_validate (&data->options, &error))
    {
      add_toast (self, error->message);
      start_data_free (data);
      return;
    }

  reset_cancellable (&self->job_cancellable);
  g_clear_object (&self->job);
  /* Another run (or this one resumed from the History) replaces the
   * offer to reconnect. */
  g_clear_pointer (&self->paused_run, sy_sync_run_free);
  g_clear_pointer (&self->reconnect_name, g_free);
  self->preparing = TRUE;
  self->close_after_job = FALSE;
  self->job_started_us = g_get_monotonic_time ();
  set_status (self, _("Opening the connections…"));
  sy_sync_window_show_counts (self, 0, 0, 0, 0);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  adw_view_stack_set_visible_child_name (self->view_stack, "run");
  sy_sync_window_update_actions (self);

  lookup_next_token (data);
}

/* Actions */

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  start_job (SY_SYNC_WINDOW (widget), START_NEW, NULL);
}

static void
pause_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SySyncWindow *self = SY_SYNC_WINDOW (widget);

  if (self->job == NULL || !self->running)
    return;
  sy_sync_job_set_paused (self->job, !sy_sync_job_get_paused (self->job));
  sy_sync_window_show_progress (self);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SySyncWindow *self = SY_SYNC_WINDOW (widget);

  if (self->running && self->job != NULL)
    {
      sy_sync_job_stop (self->job);
      set_status (self, _("Stopping after the batch in flight…"));
    }
  else if (self->preparing)
    g_cancellable_cancel (self->job_cancellable);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SySyncWindow *self = SY_SYNC_WINDOW (widget);

  if (self->preparing || self->running)
    {
      set_status (self, _("Cancelling…"));
      g_cancellable_cancel (self->job_cancellable);
    }
}

static void
retry_failed_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SySyncWindow *self = SY_SYNC_WINDOW (widget);

  if (self->shown_run != NULL && self->shown_run->failed > 0)
    {
      g_autoptr(SySyncRun) run = sy_sync_run_copy (self->shown_run);

      start_job (self, START_RETRY, run);
    }
}

static void
resume_run_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SySyncWindow *self = SY_SYNC_WINDOW (widget);
  const SySyncRun *found = sy_sync_window_find_history_run (self, g_variant_get_int64 (parameter));
  g_autoptr(SySyncRun) run = found ? sy_sync_run_copy (found) : NULL;

  if (run != NULL && sy_sync_run_state_is_resumable (run->state))
    start_job (self, START_RESUME, run);
}

static void
reconnected_cb (SySyncWindow          *self,
                SyConnection          *connection,
                SyAddConnectionDialog *dialog)
{
  g_autoptr(SySyncRun) run = g_steal_pointer (&self->paused_run);

  g_clear_pointer (&self->reconnect_name, g_free);
  sy_sync_window_update_actions (self);
  /* The same run, from its checkpoint: nothing lost, nothing twice. */
  if (run != NULL)
    start_job (self, START_RESUME, run);
}

SyAddConnectionDialog *
sy_sync_window_open_reconnect_dialog (SySyncWindow *self)
{
  SyApplication *app = get_app (self);
  SyConnection *connection;
  SyAddConnectionDialog *dialog;

  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), NULL);

  if (app == NULL || self->reconnect_name == NULL)
    return NULL;
  connection = sy_connection_store_find_by_name (sy_application_get_connection_store (app), self->reconnect_name);
  if (connection == NULL)
    return NULL;

  dialog = sy_add_connection_dialog_new_for_reconnect (GTK_WINDOW (self), sy_application_get_connection_store (app),
                                                       sy_application_get_secret_store (app), connection);
  g_signal_connect_object (dialog, "connection-updated", G_CALLBACK (reconnected_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
reconnect_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  sy_sync_window_open_reconnect_dialog (SY_SYNC_WINDOW (widget));
}

static void
show_run_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SySyncWindow *self = SY_SYNC_WINDOW (widget);
  const SySyncRun *found = sy_sync_window_find_history_run (self, g_variant_get_int64 (parameter));
  g_autoptr(SySyncRun) run = found ? sy_sync_run_copy (found) : NULL;

  /* The running job's list stays until it ends. */
  if (run == NULL || self->running || self->preparing)
    return;
  sy_sync_window_show_run (self, run);
  adw_view_stack_set_visible_child_name (self->view_stack, "failures");
}

static void
more_failures_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SySyncWindow *self = SY_SYNC_WINDOW (widget);

  if (self->failures_more && !self->failures_loading)
    sy_sync_window_load_failures_page (self);
}

static void
open_editor_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SySyncWindow *self = SY_SYNC_WINDOW (widget);
  GtkWindow *window = sy_mapping_editor_present_for_application (get_app (self));
  SyMappingEditor *editor = window ? sy_mapping_editor_from_window (window) : NULL;

  if (editor != NULL && self->mapping_file != NULL)
    sy_mapping_editor_open_file (editor, self->mapping_file);
}

/* Closing while a run goes on */

static void
close_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   gpointer          user_data)
{
  SySyncWindow *self = SY_SYNC_WINDOW (user_data);

  if (!self->preparing && !self->running)
    {
      /* The run ended while the question was up. */
      if (!g_str_equal (response, "cancel"))
        gtk_window_close (GTK_WINDOW (self));
      return;
    }

  if (g_str_equal (response, "stop"))
    {
      self->close_after_job = TRUE;
      stop_action (GTK_WIDGET (self), "sync.stop", NULL);
    }
  else if (g_str_equal (response, "keep"))
    {
      /* The window goes out of sight; the application stays for the run
       * and says when it is done. */
      if (!self->held)
        {
          self->held = TRUE;
          g_application_hold (G_APPLICATION (get_app (self)));
        }
      self->close_after_job = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
    }
}

static gboolean
sy_sync_window_close_request (GtkWindow *window)
{
  SySyncWindow *self = SY_SYNC_WINDOW (window);
  AdwMessageDialog *dialog;

  if (self->may_close || (!self->preparing && !self->running))
    return GTK_WINDOW_CLASS (sy_sync_window_parent_class)->close_request (window);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Stop the Sync?"),
                                                       _("A sync is running. It can stop after the batch in flight, "
                                                         "and be resumed later, or keep running without this window.")));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "keep", _("_Keep Running"),
                                    "stop", _("_Stop After Batch"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (close_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* GObject */

static void
sy_sync_window_dispose (GObject *object)
{
  SySyncWindow *self = SY_SYNC_WINDOW (object);
  GCancellable **cancellables[] = {
    &self->cancellable, &self->job_cancellable, &self->mapping_cancellable,
    &self->failures_cancellable, &self->history_cancellable,
  };

  /* A window destroyed under a run takes the run with it, at once; the
   * run stays resumable. */
  for (guint i = 0; i < G_N_ELEMENTS (cancellables); i++)
    if (*cancellables[i] != NULL)
      g_cancellable_cancel (*cancellables[i]);
  g_clear_handle_id (&self->relist_source, g_source_remove);
  g_clear_handle_id (&self->progress_idle, g_source_remove);
  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_file_monitor_cancel (self->monitor);
      g_clear_object (&self->monitor);
    }
  if (self->held)
    {
      self->held = FALSE;
      g_application_release (G_APPLICATION (get_app (self)));
    }
  if (self->job != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->job, self);
      g_signal_handlers_disconnect_by_data (sy_sync_job_get_progress (self->job), self);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_SYNC_WINDOW);
  g_clear_object (&self->job);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sy_sync_window_parent_class)->dispose (object);
}

static void
sy_sync_window_finalize (GObject *object)
{
  SySyncWindow *self = SY_SYNC_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->job_cancellable);
  g_clear_object (&self->mapping_cancellable);
  g_clear_object (&self->failures_cancellable);
  g_clear_object (&self->history_cancellable);
  g_clear_pointer (&self->mapping_files, g_ptr_array_unref);
  g_clear_object (&self->mapping_names);
  g_clear_object (&self->wanted_file);
  g_clear_object (&self->mapping_file);
  g_clear_object (&self->mapping);
  g_free (self->pair);
  g_clear_pointer (&self->shown_run, sy_sync_run_free);
  g_clear_pointer (&self->history, g_ptr_array_unref);
  g_free (self->last_toast);
  g_clear_pointer (&self->paused_run, sy_sync_run_free);
  g_free (self->reconnect_name);

  G_OBJECT_CLASS (sy_sync_window_parent_class)->finalize (object);
}

static void
sy_sync_window_class_init (SySyncWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sy_sync_window_dispose;
  object_class->finalize = sy_sync_window_finalize;
  window_class->close_request = sy_sync_window_close_request;

  g_type_ensure (SY_TYPE_SYNC_FAILURE_LIST);
  g_type_ensure (SY_TYPE_SYNC_HISTORY_LIST);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-sync-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, mapping_row);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, reconnect_button);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, read_label);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, written_label);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, failed_label);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, skipped_label);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, control_stack);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, settings_group);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, batch_size_spin);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, delay_spin);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, concurrency_spin);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, max_rps_spin);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, full_switch);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, dry_run_switch);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, failures_page);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, failures_stack);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, no_failures_page);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, failure_list);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, failures_label);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, more_failures_button);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, history_list);

  gtk_widget_class_install_action (widget_class, "sync.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "sync.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "sync.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "sync.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "sync.export", NULL, sy_sync_window_export_action);
  gtk_widget_class_install_action (widget_class, "sync.retry-failed", NULL, retry_failed_action);
  gtk_widget_class_install_action (widget_class, "sync.resume-run", "x", resume_run_action);
  gtk_widget_class_install_action (widget_class, "sync.reconnect", NULL, reconnect_action);
  gtk_widget_class_install_action (widget_class, "sync.show-run", "x", show_run_action);
  gtk_widget_class_install_action (widget_class, "sync.more-failures", NULL, more_failures_action);
  gtk_widget_class_install_action (widget_class, "sync.open-editor", NULL, open_editor_action);

  /* Wherever the focus is in the window, as menu accelerators are. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "sync.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "sync.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "sync.pause", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, GDK_CONTROL_MASK, "sync.stop", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "sync.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_greater, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "sync.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "sync.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "sync.retry-failed", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "sync.reconnect", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_U, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "sync.reconnect", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
sy_sync_window_init (SySyncWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->job_cancellable = g_cancellable_new ();
  self->notify_after_s = NOTIFY_AFTER_S;
  self->mapping_files = g_ptr_array_new_with_free_func (g_object_unref);
  self->mapping_names = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  adw_combo_row_set_model (self->mapping_row, G_LIST_MODEL (self->mapping_names));
  g_signal_connect_swapped (self->mapping_row, "notify::selected", G_CALLBACK (sy_sync_window_mapping_selected_cb), self);

  gtk_stack_set_visible_child_name (self->content_stack, "loading");
  sy_sync_window_show_past_run_summary (self, NULL);
  sy_sync_window_update_failures_view (self);
  sy_sync_window_update_actions (self);
}

static gboolean
has_settings_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;

  return schema != NULL;
}

SySyncWindow *
sy_sync_window_new (SyApplication *application)
{
  SySyncWindow *self;
  SySyncOptions options;
  g_autofree char *dir = NULL;
  g_autoptr(GFile) dir_file = NULL;

  g_return_val_if_fail (SY_IS_APPLICATION (application), NULL);

  self = g_object_new (SY_TYPE_SYNC_WINDOW, "application", application, NULL);

  /* Without the schema (the build tree, no GSETTINGS_SCHEMA_DIR) the
   * window still works, with the built-in defaults. */
  if (has_settings_schema ())
    self->settings = g_settings_new (APP_ID);
  sy_sync_options_init_from_settings (&options);
  sy_sync_window_set_options (self, &options);

  if (sy_application_get_state_store (application) == NULL)
    set_status (self, _("Runs cannot be kept: the state database could not be opened."));

  dir = sy_sync_window_mappings_dir (self);
  g_mkdir_with_parents (dir, 0700);
  dir_file = g_file_new_for_path (dir);
  self->monitor = g_file_monitor_directory (dir_file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (self->monitor != NULL)
    g_signal_connect_swapped (self->monitor, "changed", G_CALLBACK (sy_sync_window_mappings_changed_cb), self);
  sy_sync_window_list_mappings (self);
  sy_sync_window_update_actions (self);
  return self;
}

SySyncWindow *
sy_sync_window_present (SyApplication *application,
                        GFile         *mapping_file)
{
  GList *windows;
  SySyncWindow *self;

  g_return_val_if_fail (SY_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (mapping_file == NULL || G_IS_FILE (mapping_file), NULL);

  windows = gtk_application_get_windows (GTK_APPLICATION (application));
  for (GList *l = windows; l != NULL; l = l->next)
    {
      SySyncWindow *window;
      GFile *file;

      if (!SY_IS_SYNC_WINDOW (l->data))
        continue;
      window = l->data;
      file = window->mapping_file ? window->mapping_file : window->wanted_file;
      if (mapping_file == NULL || (file != NULL && g_file_equal (file, mapping_file)))
        {
          /* Back from running out of sight: it stays once the run ends. */
          if (!gtk_widget_get_visible (GTK_WIDGET (window)) && window->held)
            {
              window->close_after_job = FALSE;
              window->held = FALSE;
              g_application_release (G_APPLICATION (application));
            }
          gtk_window_present (GTK_WINDOW (window));
          return window;
        }
    }

  /* One window per mapping: each can run its own sync. */
  self = sy_sync_window_new (application);
  if (mapping_file != NULL)
    sy_sync_window_select_mapping (self, mapping_file);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

GFile *
sy_sync_window_get_mapping_file (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), NULL);
  return self->mapping_file;
}

SyMapping *
sy_sync_window_get_mapping (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), NULL);
  return self->mapping;
}

SySyncJob *
sy_sync_window_get_job (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), NULL);
  return self->job;
}

gboolean
sy_sync_window_get_busy (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), FALSE);
  return self->preparing || self->running;
}

gint64
sy_sync_window_get_shown_run_id (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), 0);
  return self->shown_run_id;
}

gboolean
sy_sync_window_get_failures_loading (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), FALSE);
  return self->failures_loading;
}

GPtrArray *
sy_sync_window_get_history (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), NULL);
  return self->history;
}

gboolean
sy_sync_window_get_history_loading (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), FALSE);
  return self->history_loading;
}

void
sy_sync_window_set_notify_after (SySyncWindow *self,
                                 guint         seconds)
{
  g_return_if_fail (SY_IS_SYNC_WINDOW (self));
  self->notify_after_s = seconds;
}

const char *
sy_sync_window_get_last_toast (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), NULL);
  return self->last_toast;
}
