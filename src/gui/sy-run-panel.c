/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-connection-check.h"
#include "sy-add-connection-dialog.h"
#include "sy-error.h"
#include "sy-run-panel-internal.h"

/* Shorter runs finish while the user still looks. */
#define NOTIFY_AFTER_S 10

typedef enum
{
  START_NEW,
  START_RESUME,
  START_RETRY,
} StartKind;

G_DEFINE_FINAL_TYPE (SyRunPanel, sy_run_panel, ADW_TYPE_BIN)

G_DEFINE_ENUM_TYPE (SyRunPanelActivity, sy_run_panel_activity,
                    G_DEFINE_ENUM_VALUE (SY_RUN_PANEL_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (SY_RUN_PANEL_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (SY_RUN_PANEL_PAUSED, "paused"),
                    G_DEFINE_ENUM_VALUE (SY_RUN_PANEL_STOPPING, "stopping"))

enum
{
  PROP_0,
  PROP_MAPPING_FILE,
  PROP_ACTIVITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
sy_run_panel_set_activity (SyRunPanel        *self,
                           SyRunPanelActivity activity)
{
  if (self->activity == activity)
    return;
  self->activity = activity;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVITY]);
}

/* What the panel does now, from the job's state. */
static void
update_activity (SyRunPanel *self)
{
  SyRunPanelActivity activity = SY_RUN_PANEL_IDLE;

  if (self->planning || self->preparing)
    activity = SY_RUN_PANEL_RUNNING;
  else if (self->running && self->job != NULL)
    {
      switch (sy_sync_progress_get_state (sy_sync_job_get_progress (self->job)))
        {
        case SY_SYNC_JOB_STATE_PAUSED:
          activity = SY_RUN_PANEL_PAUSED;
          break;
        case SY_SYNC_JOB_STATE_STOPPING:
          activity = SY_RUN_PANEL_STOPPING;
          break;
        default:
          activity = sy_sync_job_get_paused (self->job) ? SY_RUN_PANEL_PAUSED : SY_RUN_PANEL_RUNNING;
          break;
        }
    }
  sy_run_panel_set_activity (self, activity);
}

/* Options */

void
sy_run_panel_set_options (SyRunPanel        *self,
                            const SySyncOptions *options)
{
  g_return_if_fail (SY_IS_RUN_PANEL (self));
  g_return_if_fail (options != NULL);

  gtk_spin_button_set_value (self->batch_size_spin, options->batch_size);
  gtk_spin_button_set_value (self->delay_spin, options->delay_ms);
  gtk_spin_button_set_value (self->concurrency_spin, options->concurrency);
  gtk_spin_button_set_value (self->max_rps_spin, options->max_rps);
  gtk_switch_set_active (self->full_switch, options->full);
  gtk_switch_set_active (self->dry_run_switch, options->dry_run);
}

void
sy_run_panel_get_options (SyRunPanel  *self,
                            SySyncOptions *options)
{
  g_return_if_fail (SY_IS_RUN_PANEL (self));
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
sy_run_panel_update_actions (SyRunPanel *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean busy = self->preparing || self->running || self->planning;
  gboolean has_state = get_state (self) != NULL;
  gboolean can_start = !busy && self->mapping != NULL && has_state;
  guint n_failures = sy_sync_failure_list_get_n_items (self->failure_list);
  guint64 run_failures = self->shown_run ? self->shown_run->failed : 0;
  gboolean paused = self->running && self->job != NULL && sy_sync_job_get_paused (self->job);
  const char *controls = gtk_stack_get_visible_child_name (self->control_stack);

  gtk_widget_action_set_enabled (widget, "runs.start", can_start);
  gtk_widget_action_set_enabled (widget, "runs.start-full", can_start);
  gtk_widget_action_set_enabled (widget, "runs.dry-run", can_start);
  gtk_widget_action_set_enabled (widget, "runs.pause", self->running && self->job != NULL && !paused);
  gtk_widget_action_set_enabled (widget, "runs.resume", paused);
  gtk_widget_action_set_enabled (widget, "runs.stop", busy);
  gtk_widget_action_set_enabled (widget, "runs.export",
                                 self->shown_run_id != 0 && (n_failures > 0 || run_failures > 0) && has_state);
  gtk_widget_action_set_enabled (widget, "runs.retry-failed",
                                 !busy && self->shown_run != NULL && run_failures > 0);
  gtk_widget_action_set_enabled (widget, "runs.resume-run", !busy);
  gtk_widget_action_set_enabled (widget, "runs.reconnect", !busy && self->paused_run != NULL);
  gtk_widget_set_visible (self->reconnect_button, !busy && self->paused_run != NULL);
  gtk_widget_action_set_enabled (widget, "runs.more-failures",
                                 self->failures_more && !self->failures_loading);

  /* Once a run ends its result stays where Stop was until the user is
   * done with it: a click meant for Stop cannot start the next run. */
  if (busy)
    gtk_stack_set_visible_child_name (self->control_stack, "running");
  else if (g_strcmp0 (controls, "running") == 0)
    gtk_stack_set_visible_child_name (self->control_stack, "idle");
  gtk_widget_action_set_enabled (widget, "runs.done", !busy);
  gtk_widget_set_sensitive (self->options_group, !busy);
  update_activity (self);
}

/* Starting a job: the tokens of both connections, then the job. */

/* Starting a job: the tokens of both connections, then (for a plan) the
 * dry run and the question, then the job. */

typedef struct
{
  SyRunPanel    *self;
  StartKind      kind;
  gboolean       plan;      /* a dry run first, and ask before writing */
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

static gboolean
panel_in_front (SyRunPanel *self)
{
  GtkWindow *window = get_window (self);

  return window != NULL && gtk_window_is_active (window) && gtk_widget_get_visible (GTK_WIDGET (window)) &&
         gtk_widget_get_mapped (GTK_WIDGET (self));
}

static void
notify_finished (SyRunPanel *self,
                 const char *title,
                 const char *body)
{
  g_autoptr(GNotification) notification = NULL;
  GApplication *app = G_APPLICATION (get_app (self));
  g_autofree char *id = g_strdup_printf ("sync-finished-%" G_GINT64_FORMAT, self->shown_run_id);

  if (app == NULL)
    return;
  if (g_get_monotonic_time () - self->job_started_us < (gint64) self->notify_after_s * G_USEC_PER_SEC)
    return;
  if (panel_in_front (self))
    return;
  if (self->settings != NULL && !g_settings_get_boolean (self->settings, "notify-on-finish"))
    return;

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_application_send_notification (app, id, notification);
}

static void
job_ended (SyRunPanel *self)
{
  self->preparing = FALSE;
  self->running = FALSE;
  self->planning = FALSE;
  g_clear_handle_id (&self->progress_idle, g_source_remove);
}

static void
fail_start (SyRunPanel *self,
            const char *reason)
{
  g_autofree char *text = g_strdup_printf (_("The sync could not start: %s"), reason);

  set_status (self, text);
  add_toast (self, text);
  job_ended (self);
  sy_run_panel_update_actions (self);
}

/* Where Stop was: the run's result, and what to do about it. */
static void
show_result (SyRunPanel *self,
             const char *text,
             guint64     failed)
{
  gtk_label_set_text (self->result_label, text);
  /* One line, for a height that does not change; the whole of a long
   * reason is also in the History's row of the run. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->result_label), text);
  if (failed > 0)
    {
      gtk_button_set_label (self->result_button, _("View _Failed Records"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->result_button), "runs.show-failures");
      gtk_widget_add_css_class (GTK_WIDGET (self->result_label), "warning");
    }
  else
    {
      gtk_button_set_label (self->result_button, _("View _History"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->result_button), "runs.show-history");
      gtk_widget_remove_css_class (GTK_WIDGET (self->result_label), "warning");
    }
  gtk_stack_set_visible_child_name (self->control_stack, "result");
}

/* The engine stops at a refused token (docs/architecture.md §6); when a
 * connection of the run needs reconnecting, that is the reason, and the
 * run can go on once it is mended. Its name, or NULL. */
static char *
find_connection_needing_reconnect (SyRunPanel *self,
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
  g_autoptr(SyRunPanel) self = user_data;
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
  sy_run_panel_show_progress (self);

  written = format_count (sy_sync_progress_get_written (progress));
  failed = format_count (sy_sync_progress_get_failed (progress));
  if (finished)
    {
      guint64 n_failed = sy_sync_progress_get_failed (progress);

      if (sy_sync_job_get_options (job)->dry_run)
        /* Translators: a dry run's result: records it would write, would fail */
        text = g_strdup_printf (_("Dry run finished — %s would be written, %s would fail"), written, failed);
      else if (n_failed > 0)
        /* Translators: how many records a finished sync wrote and how many failed */
        text = g_strdup_printf (_("Finished — %s written, %s failed"), written, failed);
      else
        /* Translators: how many records a finished sync wrote */
        text = g_strdup_printf (_("Finished — %s written"), written);
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
        sy_run_panel_show_run (self, run);
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
  show_result (self, text, sy_sync_progress_get_failed (progress));
  sy_run_panel_load_history (self);
  sy_run_panel_update_failures_view (self);
  sy_run_panel_update_actions (self);
}

static void
run_job (SyRunPanel *self,
         StartData  *data,
         SySyncJob  *job)
{
  g_set_object (&self->job, job);
  self->preparing = FALSE;
  self->running = TRUE;
  /* How long the run took, for its notification: not the plan, nor the
   * time its question waited for an answer. */
  self->job_started_us = g_get_monotonic_time ();
  g_signal_connect_object (sy_sync_job_get_progress (job), "notify",
                           G_CALLBACK (sy_run_panel_progress_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (job, "record-failed", G_CALLBACK (sy_run_panel_record_failed_cb), self, G_CONNECT_SWAPPED);

  /* The list now follows this run as it goes. */
  sy_run_panel_show_run (self, NULL);
  self->shown_run_id = data->kind == START_RESUME ? data->run->id : 0;
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  sy_run_panel_show_progress (self);
  sy_run_panel_update_actions (self);
  /* The engine refuses a mapping whose connection is gone (removed after
   * the panel read the mapping) before it reads or writes anything. */
  sy_sync_job_set_connections (job, sy_application_get_connection_store (get_app (self)));
  sy_sync_job_run_async (job, self->job_cancellable, job_done_cb, g_object_ref (self));
}

static void
create_job (SyRunPanel *self,
            StartData  *data_in);

/* Plan, then apply */

/* The answer may come more than once (a response, then the close): the
 * first takes the start's contents, the dialog's end frees the rest. */
static StartData *
start_data_take (StartData *data)
{
  StartData *taken = g_new0 (StartData, 1);

  *taken = *data;
  taken->self = g_object_ref (data->self);
  data->mapping = NULL;
  data->run = NULL;
  for (guint i = 0; i < 2; i++)
    {
      data->names[i] = NULL;
      data->clients[i] = NULL;
    }
  return taken;
}

static void
start_data_closure_free (gpointer  data,
                         GClosure *closure)
{
  start_data_free (data);
}

static void
plan_response_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  gpointer          user_data)
{
  StartData *data = user_data;
  SyRunPanel *self = data->self;

  if (!self->planning || data->mapping == NULL)
    return;
  if (g_str_equal (response, "write"))
    {
      StartData *taken = start_data_take (data);

      taken->plan = FALSE;
      self->planning = FALSE;
      self->preparing = TRUE;
      set_status (self, _("Writing…"));
      create_job (self, taken);
      return;
    }

  g_clear_object (&data->mapping);

  job_ended (self);
  set_status (self, _("Nothing was written."));
  sy_run_panel_update_actions (self);
}

static void
plan_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(StartData) data = user_data;
  SyRunPanel *self = data->self;
  SySyncJob *plan = SY_SYNC_JOB (source);
  SySyncProgress *progress = sy_sync_job_get_progress (plan);
  g_autoptr(GError) error = NULL;
  g_autofree char *create = NULL;
  g_autofree char *update = NULL;
  g_autofree char *unchanged = NULL;
  g_autofree char *fail = NULL;
  g_autofree char *body = NULL;
  g_autofree char *write_label = NULL;
  g_autofree char *n_write_text = NULL;
  guint64 n_write;
  AdwMessageDialog *dialog;

  if (!sy_sync_job_run_finish (plan, result, &error))
    {
      if (plan != self->plan_job)
        return;
      g_clear_object (&self->plan_job);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          job_ended (self);
          set_status (self, _("Stopped before anything was written."));
          sy_run_panel_update_actions (self);
        }
      else
        {
          g_autofree char *reason = sy_describe_error (error);

          fail_start (self, reason);
        }
      return;
    }
  if (plan != self->plan_job)
    return;
  g_clear_object (&self->plan_job);

  n_write = sy_sync_progress_get_created (progress) + sy_sync_progress_get_updated (progress);
  n_write_text = format_count (n_write);
  create = format_count (sy_sync_progress_get_created (progress));
  update = format_count (sy_sync_progress_get_updated (progress));
  unchanged = format_count (sy_sync_progress_get_skipped (progress));
  fail = format_count (sy_sync_progress_get_failed (progress));
  /* Translators: the plan of a sync, from its dry run on the real source */
  body = g_strdup_printf (_("Computed on the source just now, nothing written yet:\n"
                            "%s to create\n%s to update\n%s unchanged\n%s would fail"),
                          create, update, unchanged, fail);
  /* Translators: the button that starts writing; %s is a number of records */
  write_label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "_Write %s Record", "_Write %s Records",
                                              (gulong) n_write), n_write_text);
  set_status (self, _("Waiting for the plan to be confirmed…"));

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (get_window (self), _("Write These Records?"), body));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "write", write_label, NULL);
  adw_message_dialog_set_response_appearance (dialog, "write", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dialog, "write", n_write > 0);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (plan_response_cb), g_steal_pointer (&data),
                         start_data_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
start_plan (SyRunPanel *self,
            StartData  *data)
{
  SySyncOptions options = data->options;
  g_autoptr(SySyncJob) plan = NULL;

  options.dry_run = TRUE;
  plan = sy_sync_job_new (get_state (self), data->mapping, data->clients[0], data->clients[1], &options);
  g_set_object (&self->plan_job, plan);
  self->preparing = FALSE;
  self->planning = TRUE;
  set_status (self, _("Working out what this run will write…"));
  gtk_progress_bar_pulse (self->progress_bar);
  sy_run_panel_update_actions (self);
  sy_sync_job_set_connections (plan, sy_application_get_connection_store (get_app (self)));
  sy_sync_job_run_async (plan, self->job_cancellable, plan_done_cb, data);
}

static void
create_job (SyRunPanel *self,
            StartData  *data_in)
{
  g_autoptr(StartData) data = data_in;
  SyStateStore *state = get_state (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(SySyncJob) job = NULL;

  if (data->kind == START_NEW && data->plan)
    {
      start_plan (self, g_steal_pointer (&data));
      return;
    }

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
  run_job (self, data, job);
}

static void
lookup_next_token (StartData *data);

static void
client_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(StartData) data = user_data;
  SyRunPanel *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyApiClient) client = NULL;

  client = sy_connection_open_client_finish (result, &error);
  /* The panel is gone. */
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->preparing)
    {
      if (self->preparing)
        {
          set_status (self, _("Cancelled before the run started."));
          job_ended (self);
          sy_run_panel_update_actions (self);
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
    create_job (self, g_steal_pointer (&data));
}

static void
lookup_next_token (StartData *data)
{
  SyRunPanel *self = data->self;
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
   * panel stays usable, and Stop ends the wait. */
  sy_connection_open_client_async (sy_application_get_secret_store (app), connection,
                                   self->job_cancellable, client_opened_cb, data);
}

/* Whether a real run of this mapping has finished before: the first one
 * shows its plan. Unknown (history not read): as if not. */
static gboolean
had_real_run (SyRunPanel *self)
{
  for (guint i = 0; self->history != NULL && i < self->history->len; i++)
    {
      const SySyncRun *run = g_ptr_array_index (self->history, i);

      if (run->state == SY_SYNC_RUN_STATE_FINISHED && !run->options.dry_run)
        return TRUE;
    }
  return FALSE;
}

static void
start_job (SyRunPanel      *self,
           StartKind        kind,
           const SySyncRun *run,
           int              full,
           int              dry_run)
{
  StartData *data;
  g_autoptr(GError) error = NULL;

  if (self->preparing || self->running || self->planning || get_state (self) == NULL)
    return;

  data = g_new0 (StartData, 1);
  data->self = g_object_ref (self);
  data->kind = kind;
  sy_run_panel_get_options (self, &data->options);
  if (full >= 0)
    data->options.full = full;
  if (dry_run >= 0)
    data->options.dry_run = dry_run;
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
      /* Plan, then apply: before the first real run, and before any full
       * one, the dry run's counts and a question. */
      data->plan = !data->options.dry_run && (data->options.full || !had_real_run (self));
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
  self->job_started_us = g_get_monotonic_time ();
  set_status (self, _("Opening the connections…"));
  sy_run_panel_show_counts (self, 0, 0, 0, 0);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  adw_view_stack_set_visible_child_name (self->view_stack, "run");
  sy_run_panel_update_actions (self);

  lookup_next_token (data);
}

/* Actions */

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  start_job (SY_RUN_PANEL (widget), START_NEW, NULL, -1, -1);
}

static void
start_full_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  start_job (SY_RUN_PANEL (widget), START_NEW, NULL, TRUE, FALSE);
}

static void
dry_run_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  start_job (SY_RUN_PANEL (widget), START_NEW, NULL, -1, TRUE);
}

static void
pause_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SyRunPanel *self = SY_RUN_PANEL (widget);
  gboolean pause = g_str_equal (action_name, "runs.pause");

  if (self->job == NULL || !self->running || sy_sync_job_get_paused (self->job) == pause)
    return;
  sy_sync_job_set_paused (self->job, pause);
  sy_run_panel_show_progress (self);
}

/* Ctrl+P: one key for both. */
static void
toggle_pause_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SyRunPanel *self = SY_RUN_PANEL (widget);

  if (self->job == NULL || !self->running)
    return;
  pause_action (widget, sy_sync_job_get_paused (self->job) ? "runs.resume" : "runs.pause", NULL);
}

static void
stop_after_batch (SyRunPanel *self)
{
  if (self->running && self->job != NULL)
    {
      sy_sync_job_stop (self->job);
      set_status (self, _("Stopping after the batch in flight…"));
    }
  else if (self->preparing || self->planning)
    g_cancellable_cancel (self->job_cancellable);
  sy_run_panel_update_actions (self);
}

static void
stop_now (SyRunPanel *self)
{
  if (self->preparing || self->running || self->planning)
    {
      set_status (self, _("Stopping…"));
      g_cancellable_cancel (self->job_cancellable);
    }
}

static void
stop_response_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  gpointer          user_data)
{
  SyRunPanel *self = SY_RUN_PANEL (user_data);

  if (g_str_equal (response, "after-batch"))
    stop_after_batch (self);
  else if (g_str_equal (response, "now"))
    stop_now (self);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SyRunPanel *self = SY_RUN_PANEL (widget);
  AdwMessageDialog *dialog;

  if (!self->preparing && !self->running && !self->planning)
    return;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (get_window (self), _("Stop the Run?"),
                                                       _("“Stop After This Batch” lets the records being sent "
                                                         "finish and be recorded; the run can be resumed later "
                                                         "from where it stopped.\n\n"
                                                         "“Stop Now” cancels the requests in flight: records "
                                                         "of that batch may or may not have been written, and "
                                                         "are sent again when the run is resumed.")));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Keep Running"),
                                    "now", _("Stop _Now"),
                                    "after-batch", _("Stop _After This Batch"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "now", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "after-batch", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "after-batch");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (stop_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
retry_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   gpointer          user_data)
{
  SyRunPanel *self = SY_RUN_PANEL (user_data);

  if (g_str_equal (response, "retry") && self->shown_run != NULL && self->shown_run->failed > 0)
    {
      g_autoptr(SySyncRun) run = sy_sync_run_copy (self->shown_run);

      start_job (self, START_RETRY, run, -1, -1);
    }
}

static void
retry_failed_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SyRunPanel *self = SY_RUN_PANEL (widget);
  AdwMessageDialog *dialog;

  if (self->shown_run == NULL || self->shown_run->failed == 0)
    return;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (get_window (self), _("Retry Failed Records?"),
                                                       _("Records the target rejected (a 4xx answer, such as "
                                                         "422) are sent again only if their data or the "
                                                         "mapping changed since: the same record would be "
                                                         "rejected the same way. Fix the data in the source, "
                                                         "or the mapping, first.\n\n"
                                                         "Records that failed for a passing reason (no answer, "
                                                         "rate limits, server errors) are all retried.")));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "retry", _("_Retry"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "retry", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "retry");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (retry_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
resume_run_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SyRunPanel *self = SY_RUN_PANEL (widget);
  const SySyncRun *found = sy_run_panel_find_history_run (self, g_variant_get_int64 (parameter));
  g_autoptr(SySyncRun) run = found ? sy_sync_run_copy (found) : NULL;

  if (run != NULL && sy_sync_run_state_is_resumable (run->state))
    start_job (self, START_RESUME, run, -1, -1);
}

static void
reconnected_cb (SyRunPanel          *self,
                SyConnection          *connection,
                SyAddConnectionDialog *dialog)
{
  g_autoptr(SySyncRun) run = g_steal_pointer (&self->paused_run);

  g_clear_pointer (&self->reconnect_name, g_free);
  sy_run_panel_update_actions (self);
  /* The same run, from its checkpoint: nothing lost, nothing twice. */
  if (run != NULL)
    start_job (self, START_RESUME, run, -1, -1);
}

SyAddConnectionDialog *
sy_run_panel_open_reconnect_dialog (SyRunPanel *self)
{
  SyApplication *app = get_app (self);
  SyConnection *connection;
  SyAddConnectionDialog *dialog;

  g_return_val_if_fail (SY_IS_RUN_PANEL (self), NULL);

  if (app == NULL || self->reconnect_name == NULL)
    return NULL;
  connection = sy_connection_store_find_by_name (sy_application_get_connection_store (app), self->reconnect_name);
  if (connection == NULL)
    return NULL;

  dialog = sy_add_connection_dialog_new_for_reconnect (get_window (self), sy_application_get_connection_store (app),
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
  sy_run_panel_open_reconnect_dialog (SY_RUN_PANEL (widget));
}

static void
show_run_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SyRunPanel *self = SY_RUN_PANEL (widget);
  const SySyncRun *found = sy_run_panel_find_history_run (self, g_variant_get_int64 (parameter));
  g_autoptr(SySyncRun) run = found ? sy_sync_run_copy (found) : NULL;

  /* The running job's list stays until it ends. */
  if (run == NULL || self->running || self->preparing)
    return;
  sy_run_panel_show_run (self, run);
  adw_view_stack_set_visible_child_name (self->view_stack, "failures");
}

static void
more_failures_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SyRunPanel *self = SY_RUN_PANEL (widget);

  if (self->failures_more && !self->failures_loading)
    sy_run_panel_load_failures_page (self);
}

static void
show_failures_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  adw_view_stack_set_visible_child_name (SY_RUN_PANEL (widget)->view_stack, "failures");
}

static void
show_history_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  adw_view_stack_set_visible_child_name (SY_RUN_PANEL (widget)->view_stack, "history");
}

/* The result put away: Start and the run options come back. */
static void
done_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SyRunPanel *self = SY_RUN_PANEL (widget);

  if (self->preparing || self->running || self->planning)
    return;
  gtk_stack_set_visible_child_name (self->control_stack, "idle");
  sy_run_panel_update_actions (self);
}

/* GObject */

static void
sy_run_panel_dispose (GObject *object)
{
  SyRunPanel *self = SY_RUN_PANEL (object);
  GCancellable **cancellables[] = {
    &self->cancellable, &self->job_cancellable, &self->mapping_cancellable,
    &self->failures_cancellable, &self->history_cancellable,
  };

  /* A panel destroyed under a run takes the run with it, at once; the
   * run stays resumable. */
  for (guint i = 0; i < G_N_ELEMENTS (cancellables); i++)
    if (*cancellables[i] != NULL)
      g_cancellable_cancel (*cancellables[i]);
  g_clear_handle_id (&self->progress_idle, g_source_remove);
  if (self->mapping_monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->mapping_monitor, self);
      g_file_monitor_cancel (self->mapping_monitor);
      g_clear_object (&self->mapping_monitor);
    }
  if (self->job != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->job, self);
      g_signal_handlers_disconnect_by_data (sy_sync_job_get_progress (self->job), self);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_RUN_PANEL);
  g_clear_object (&self->job);
  g_clear_object (&self->plan_job);
  g_clear_object (&self->settings);
  if (self->application != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->application), (gpointer *) &self->application);
      self->application = NULL;
    }

  G_OBJECT_CLASS (sy_run_panel_parent_class)->dispose (object);
}

static void
sy_run_panel_finalize (GObject *object)
{
  SyRunPanel *self = SY_RUN_PANEL (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->job_cancellable);
  g_clear_object (&self->mapping_cancellable);
  g_clear_object (&self->failures_cancellable);
  g_clear_object (&self->history_cancellable);
  g_clear_object (&self->mapping_file);
  g_clear_object (&self->mapping);
  g_free (self->pair);
  g_clear_pointer (&self->shown_run, sy_sync_run_free);
  g_clear_pointer (&self->history, g_ptr_array_unref);
  g_free (self->last_toast);
  g_clear_pointer (&self->paused_run, sy_sync_run_free);
  g_free (self->reconnect_name);

  G_OBJECT_CLASS (sy_run_panel_parent_class)->finalize (object);
}

static void
sy_run_panel_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SyRunPanel *self = SY_RUN_PANEL (object);

  switch (prop_id)
    {
    case PROP_MAPPING_FILE:
      g_value_set_object (value, self->mapping_file);
      break;
    case PROP_ACTIVITY:
      g_value_set_enum (value, self->activity);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_run_panel_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SyRunPanel *self = SY_RUN_PANEL (object);

  switch (prop_id)
    {
    case PROP_MAPPING_FILE:
      g_set_object (&self->mapping_file, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_run_panel_class_init (SyRunPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_run_panel_dispose;
  object_class->finalize = sy_run_panel_finalize;
  object_class->get_property = sy_run_panel_get_property;
  object_class->set_property = sy_run_panel_set_property;

  properties[PROP_MAPPING_FILE] =
    g_param_spec_object ("mapping-file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACTIVITY] =
    g_param_spec_enum ("activity", NULL, NULL, SY_TYPE_RUN_PANEL_ACTIVITY, SY_RUN_PANEL_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SY_TYPE_SYNC_FAILURE_LIST);
  g_type_ensure (SY_TYPE_SYNC_HISTORY_LIST);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-run-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, mapping_label);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, reconnect_button);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, read_label);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, written_label);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, failed_label);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, skipped_label);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, control_stack);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, pause_button);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, stop_button);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, result_label);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, result_button);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, options_group);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, options_row);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, batch_size_spin);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, delay_spin);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, concurrency_spin);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, max_rps_spin);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, full_switch);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, dry_run_switch);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, failures_page);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, failures_stack);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, no_failures_page);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, failure_list);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, failures_label);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, more_failures_button);
  gtk_widget_class_bind_template_child (widget_class, SyRunPanel, history_list);

  gtk_widget_class_install_action (widget_class, "runs.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "runs.start-full", NULL, start_full_action);
  gtk_widget_class_install_action (widget_class, "runs.dry-run", NULL, dry_run_action);
  gtk_widget_class_install_action (widget_class, "runs.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "runs.resume", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "runs.toggle-pause", NULL, toggle_pause_action);
  gtk_widget_class_install_action (widget_class, "runs.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "runs.export", NULL, sy_run_panel_export_action);
  gtk_widget_class_install_action (widget_class, "runs.retry-failed", NULL, retry_failed_action);
  gtk_widget_class_install_action (widget_class, "runs.resume-run", "x", resume_run_action);
  gtk_widget_class_install_action (widget_class, "runs.reconnect", NULL, reconnect_action);
  gtk_widget_class_install_action (widget_class, "runs.show-run", "x", show_run_action);
  gtk_widget_class_install_action (widget_class, "runs.more-failures", NULL, more_failures_action);
  gtk_widget_class_install_action (widget_class, "runs.show-failures", NULL, show_failures_action);
  gtk_widget_class_install_action (widget_class, "runs.show-history", NULL, show_history_action);
  gtk_widget_class_install_action (widget_class, "runs.done", NULL, done_action);

  /* Wherever the focus is in the panel. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "runs.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "runs.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "runs.toggle-pause", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, GDK_CONTROL_MASK, "runs.stop", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "runs.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "runs.retry-failed", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "runs.reconnect", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_U, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "runs.reconnect", NULL);
}

static void
sy_run_panel_init (SyRunPanel *self)
{
  self->cancellable = g_cancellable_new ();
  self->job_cancellable = g_cancellable_new ();
  self->notify_after_s = NOTIFY_AFTER_S;

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_stack_set_visible_child_name (self->content_stack, "loading");
  sy_run_panel_show_past_run_summary (self, NULL);
  sy_run_panel_update_failures_view (self);
  sy_run_panel_update_actions (self);
}

static gboolean
has_settings_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;

  return schema != NULL;
}

static void
mapping_file_changed_cb (SyRunPanel        *self,
                         GFile             *file,
                         GFile             *other_file,
                         GFileMonitorEvent  event)
{
  /* Saving renames a temporary file over it. */
  if (event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT || event == G_FILE_MONITOR_EVENT_CREATED ||
      event == G_FILE_MONITOR_EVENT_RENAMED || event == G_FILE_MONITOR_EVENT_MOVED_IN)
    sy_run_panel_load_mapping (self);
}

SyRunPanel *
sy_run_panel_new (SyApplication *application,
                  GFile         *mapping_file)
{
  SyRunPanel *self;
  SySyncOptions options;

  g_return_val_if_fail (SY_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (mapping_file == NULL || G_IS_FILE (mapping_file), NULL);

  self = g_object_new (SY_TYPE_RUN_PANEL, "mapping-file", mapping_file, NULL);
  self->application = application;
  g_object_add_weak_pointer (G_OBJECT (application), (gpointer *) &self->application);

  /* Without the schema (the build tree, no GSETTINGS_SCHEMA_DIR) the
   * panel still works, with the built-in defaults. */
  if (has_settings_schema ())
    self->settings = g_settings_new (APP_ID);
  sy_sync_options_init_from_settings (&options);
  /* Full and dry run are per run (their own actions), not remembered. */
  options.full = FALSE;
  options.dry_run = FALSE;
  sy_run_panel_set_options (self, &options);

  if (sy_application_get_state_store (application) == NULL)
    set_status (self, _("Runs cannot be kept: the state database could not be opened."));

  if (mapping_file == NULL)
    gtk_stack_set_visible_child_name (self->content_stack, "empty");
  else
    {
      self->mapping_monitor = g_file_monitor_file (mapping_file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
      if (self->mapping_monitor != NULL)
        g_signal_connect_swapped (self->mapping_monitor, "changed", G_CALLBACK (mapping_file_changed_cb), self);
      sy_run_panel_load_mapping (self);
    }
  sy_run_panel_update_actions (self);
  return self;
}

void
sy_run_panel_stop_after_batch (SyRunPanel *self)
{
  g_return_if_fail (SY_IS_RUN_PANEL (self));
  stop_after_batch (self);
}

SyRunPanelActivity
sy_run_panel_get_activity (SyRunPanel *self)
{
  g_return_val_if_fail (SY_IS_RUN_PANEL (self), SY_RUN_PANEL_IDLE);
  return self->activity;
}

GFile *
sy_run_panel_get_mapping_file (SyRunPanel *self)
{
  g_return_val_if_fail (SY_IS_RUN_PANEL (self), NULL);
  return self->mapping_file;
}

SyMapping *
sy_run_panel_get_mapping (SyRunPanel *self)
{
  g_return_val_if_fail (SY_IS_RUN_PANEL (self), NULL);
  return self->mapping;
}

SySyncJob *
sy_run_panel_get_job (SyRunPanel *self)
{
  g_return_val_if_fail (SY_IS_RUN_PANEL (self), NULL);
  return self->job;
}

gboolean
sy_run_panel_get_busy (SyRunPanel *self)
{
  g_return_val_if_fail (SY_IS_RUN_PANEL (self), FALSE);
  return self->preparing || self->running;
}

gint64
sy_run_panel_get_shown_run_id (SyRunPanel *self)
{
  g_return_val_if_fail (SY_IS_RUN_PANEL (self), 0);
  return self->shown_run_id;
}

gboolean
sy_run_panel_get_failures_loading (SyRunPanel *self)
{
  g_return_val_if_fail (SY_IS_RUN_PANEL (self), FALSE);
  return self->failures_loading;
}

GPtrArray *
sy_run_panel_get_history (SyRunPanel *self)
{
  g_return_val_if_fail (SY_IS_RUN_PANEL (self), NULL);
  return self->history;
}

gboolean
sy_run_panel_get_history_loading (SyRunPanel *self)
{
  g_return_val_if_fail (SY_IS_RUN_PANEL (self), FALSE);
  return self->history_loading;
}

void
sy_run_panel_set_notify_after (SyRunPanel *self,
                                 guint         seconds)
{
  g_return_if_fail (SY_IS_RUN_PANEL (self));
  self->notify_after_s = seconds;
}

const char *
sy_run_panel_get_last_toast (SyRunPanel *self)
{
  g_return_val_if_fail (SY_IS_RUN_PANEL (self), NULL);
  return self->last_toast;
}
