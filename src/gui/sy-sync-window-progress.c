/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-sync-window-internal.h"

/* The Run page's counts, status line and progress bar. */

/* Counts a person can read as they change: about ten updates a second. */
#define PROGRESS_INTERVAL_MS 100

/* Progress */

void
sy_sync_window_show_counts (SySyncWindow *self,
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
sy_sync_window_show_progress (SySyncWindow *self)
{
  SySyncProgress *progress;
  g_autofree char *described = NULL;
  g_autofree char *text = NULL;
  double fraction;

  if (self->job == NULL)
    return;

  progress = sy_sync_job_get_progress (self->job);
  sy_sync_window_show_counts (self,
                              sy_sync_progress_get_read (progress),
                              sy_sync_progress_get_written (progress),
                              sy_sync_progress_get_failed (progress),
                              sy_sync_progress_get_skipped (progress));

  if (self->shown_run_id != sy_sync_progress_get_run_id (progress) && self->running)
    {
      self->shown_run_id = sy_sync_progress_get_run_id (progress);
      sy_sync_window_update_actions (self);
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
      /* Translators: a sync is paused; %s says how far it got */
      text = g_strdup_printf (_("Paused — %s"), described);
      break;
    case SY_SYNC_JOB_STATE_STOPPING:
      text = g_strdup (_("Stopping after the batch in flight…"));
      break;
    case SY_SYNC_JOB_STATE_RUNNING:
    case SY_SYNC_JOB_STATE_FINISHED:
    case SY_SYNC_JOB_STATE_STOPPED:
    case SY_SYNC_JOB_STATE_FAILED:
    default:
      if (sy_sync_progress_get_rate_limited (progress))
        /* Translators: %s says how far a sync got */
        text = g_strdup_printf (_("%s · the target asked to slow down"), described);
      else
        text = g_strdup (described);
      break;
    }
  set_status (self, text);

  if (fraction >= 0)
    gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  else if (sy_sync_progress_get_state (progress) == SY_SYNC_JOB_STATE_RUNNING)
    gtk_progress_bar_pulse (self->progress_bar);

  gtk_button_set_label (self->pause_button,
                        sy_sync_job_get_paused (self->job) ? _("_Resume") : _("_Pause"));
  sy_sync_window_update_failures_view (self);
  sy_sync_window_update_actions (self);
}

static gboolean
progress_idle_cb (gpointer user_data)
{
  SySyncWindow *self = user_data;

  self->progress_idle = 0;
  sy_sync_window_show_progress (self);
  return G_SOURCE_REMOVE;
}

/* The progress notifies its properties together: one update for all, and
 * at most PROGRESS_INTERVAL_MS apart. Each update changes labels, which
 * makes GTK 4.8 lay out the whole window anew and ask the X server for the
 * monitor's work area, round trips that wait on a busy server; with an
 * idle per change, a fast run did that on every frame. */
void
sy_sync_window_progress_notify_cb (SySyncWindow *self)
{
  if (self->progress_idle == 0)
    self->progress_idle = g_timeout_add (PROGRESS_INTERVAL_MS, progress_idle_cb, self);
}

void
sy_sync_window_show_past_run_summary (SySyncWindow    *self,
                                      const SySyncRun *run)
{
  g_autoptr(GDateTime) started = NULL;
  g_autofree char *when = NULL;
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;

  if (run == NULL)
    {
      sy_sync_window_show_counts (self, 0, 0, 0, 0);
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      set_status (self, self->mapping ? _("Ready to start") : "");
      return;
    }

  started = g_date_time_new_from_unix_local (run->started_at);
  when = started ? g_date_time_format (started, "%x %H:%M") : g_strdup ("");
  id = g_strdup_printf ("%" G_GINT64_FORMAT, run->id);
  /* Translators: the last sync run's number, state ("Finished") and date */
  text = g_strdup_printf (_("Last run %s: %s, %s"), id, sy_sync_run_state_get_label (run->state), when);
  set_status (self, text);
  sy_sync_window_show_counts (self, run->read, sy_sync_run_get_written (run), run->failed, run->skipped);
  gtk_progress_bar_set_fraction (self->progress_bar, run->state == SY_SYNC_RUN_STATE_FINISHED ? 1.0 : 0.0);
}
