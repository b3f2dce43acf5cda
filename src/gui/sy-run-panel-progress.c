/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-run-panel-internal.h"

/* The Run page's counts, status line and progress bar. */

/* Counts a person can read as they change: about ten updates a second. */
#define PROGRESS_INTERVAL_MS 100

/* Progress */

void
sy_run_panel_show_counts (SyRunPanel *self,
                            guint64       read,
                            guint64       written,
                            guint64       failed,
                            guint64       skipped)
{
  set_count (self->read_label, read);
  set_count (self->written_label, written);
  set_count (self->failed_label, failed);
  set_count (self->skipped_label, skipped);
}

void
sy_run_panel_show_progress (SyRunPanel *self)
{
  SySyncProgress *progress;
  g_autofree char *described = NULL;
  g_autofree char *text = NULL;
  double fraction;

  if (self->job == NULL)
    return;

  progress = sy_sync_job_get_progress (self->job);
  sy_run_panel_show_counts (self,
                              sy_sync_progress_get_read (progress),
                              sy_sync_progress_get_written (progress),
                              sy_sync_progress_get_failed (progress),
                              sy_sync_progress_get_skipped (progress));

  if (self->shown_run_id != sy_sync_progress_get_run_id (progress) && self->running)
    {
      self->shown_run_id = sy_sync_progress_get_run_id (progress);
      sy_run_panel_update_actions (self);
    }

  if (!self->running)
    return;

  fraction = sy_sync_progress_get_fraction (progress);
  described = sy_sync_progress_describe (progress);
  switch (sy_sync_progress_get_state (progress))
    {
    case SY_SYNC_JOB_STATE_IDLE:
    case SY_SYNC_JOB_STATE_PREPARING:
      text = g_strdup (_("Reading the first page…"));
      break;
    case SY_SYNC_JOB_STATE_PAUSED:
      {
        g_autofree char *done = format_count (sy_sync_progress_get_read (progress));

        /* No rate and no time left: nothing moves while paused. */
        if (sy_sync_progress_get_total (progress) >= 0)
          {
            g_autofree char *total = format_count ((guint64) sy_sync_progress_get_total (progress));

            /* Translators: a paused sync: records read of how many */
            text = g_strdup_printf (_("Paused · %s of %s records"), done, total);
          }
        else
          /* Translators: a paused sync: records read */
          text = g_strdup_printf (_("Paused · %s records"), done);
      }
      break;
    case SY_SYNC_JOB_STATE_STOPPING:
      text = g_strdup (_("Stopping after the batch in flight…"));
      break;
    case SY_SYNC_JOB_STATE_RUNNING:
    case SY_SYNC_JOB_STATE_FINISHED:
    case SY_SYNC_JOB_STATE_STOPPED:
    case SY_SYNC_JOB_STATE_FAILED:
    default:
      /* The description says "slowed down by the server" itself. */
      text = g_strdup (described);
      break;
    }
  set_status (self, text);

  if (fraction >= 0)
    gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  else if (sy_sync_progress_get_state (progress) == SY_SYNC_JOB_STATE_RUNNING)
    gtk_progress_bar_pulse (self->progress_bar);

  if (sy_sync_job_get_paused (self->job))
    {
      gtk_button_set_label (self->pause_button, _("_Resume"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->pause_button), "runs.resume");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button), _("Go on from where it paused (Ctrl+P)"));
    }
  else
    {
      gtk_button_set_label (self->pause_button, _("_Pause"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->pause_button), "runs.pause");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button), _("Pause after the batch in flight (Ctrl+P)"));
    }
  sy_run_panel_update_failures_view (self);
  sy_run_panel_update_actions (self);
}

static gboolean
progress_idle_cb (gpointer user_data)
{
  SyRunPanel *self = user_data;

  self->progress_idle = 0;
  sy_run_panel_show_progress (self);
  return G_SOURCE_REMOVE;
}

/* The progress notifies its properties together: one update for all, and
 * at most PROGRESS_INTERVAL_MS apart. Each update changes labels, which
 * makes GTK 4.8 lay out the whole window anew and ask the X server for the
 * monitor's work area, round trips that wait on a busy server; with an
 * idle per change, a fast run did that on every frame. */
void
sy_run_panel_progress_notify_cb (SyRunPanel *self)
{
  if (self->progress_idle == 0)
    self->progress_idle = g_timeout_add (PROGRESS_INTERVAL_MS, progress_idle_cb, self);
}

void
sy_run_panel_show_past_run_summary (SyRunPanel    *self,
                                      const SySyncRun *run)
{
  g_autoptr(GDateTime) started = NULL;
  g_autofree char *when = NULL;
  g_autofree char *text = NULL;

  if (run == NULL)
    {
      sy_run_panel_show_counts (self, 0, 0, 0, 0);
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      set_status (self, self->mapping ? _("Ready to start") : "");
      return;
    }

  started = g_date_time_new_from_unix_local (run->started_at);
  when = started ? sy_sync_history_list_format_when (started) : g_strdup ("");
  {
    g_autofree char *state = sy_sync_history_list_describe_state (run);

    /* Translators: the last sync run's state ("Finished with 2 failed") and date */
    text = g_strdup_printf (_("Last run: %s, %s"), state, when);
  }
  set_status (self, text);
  sy_run_panel_show_counts (self, run->read, sy_sync_run_get_written (run), run->failed, run->skipped);
  gtk_progress_bar_set_fraction (self->progress_bar, run->state == SY_SYNC_RUN_STATE_FINISHED ? 1.0 : 0.0);
}
