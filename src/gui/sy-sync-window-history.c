/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-sync-window-internal.h"

/* The History page: the latest runs of the mapping's pair. */

/* The history shows the latest runs of the pair. */
#define HISTORY_LIMIT 50

const SySyncRun *
sy_sync_window_find_history_run (SySyncWindow *self,
                                 gint64        run_id)
{
  for (guint i = 0; self->history != NULL && i < self->history->len; i++)
    {
      const SySyncRun *run = g_ptr_array_index (self->history, i);

      if (run->id == run_id)
        return run;
    }
  return NULL;
}

/* History */

static GtkWidget *
new_history_row (SySyncWindow    *self,
                 const SySyncRun *run)
{
  GtkWidget *row = adw_action_row_new ();
  g_autoptr(GDateTime) started = g_date_time_new_from_unix_local (run->started_at);
  g_autofree char *when = started ? g_date_time_format (started, "%x %H:%M") : g_strdup ("");
  g_autofree char *title = NULL;
  g_autofree char *read = format_count (run->read);
  g_autofree char *written = format_count (sy_sync_run_get_written (run));
  g_autofree char *failed = format_count (run->failed);
  g_autofree char *skipped = format_count (run->skipped);
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run->id);
  GString *subtitle = g_string_new (NULL);

  /* Translators: a sync run's number and its state ("Finished") */
  title = g_strdup_printf (_("Run %s · %s"), id, sy_sync_run_state_get_label (run->state));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);

  /* Translators: when a sync run started, and what it did */
  g_string_append_printf (subtitle, _("%s · %s read, %s written, %s failed, %s skipped"),
                          when, read, written, failed, skipped);
  if (run->options.dry_run)
    g_string_append_printf (subtitle, " · %s", _("dry run"));
  if (run->retry_of != 0)
    /* Translators: a sync run that retried the failed records of another */
    g_string_append_printf (subtitle, " · %s", _("retry"));
  if (run->message != NULL && *run->message != '\0')
    g_string_append_printf (subtitle, "\n%s", run->message);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  g_string_free (subtitle, TRUE);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "sync.show-run");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "x", run->id);

  if (sy_sync_run_state_is_resumable (run->state))
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Resume"));
      /* Translators: an accessible label; %s is a sync run's number */
      g_autofree char *label = g_strdup_printf (_("Resume run %s"), id);

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "sync.resume-run");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "x", run->id);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  return row;
}

static void
show_history (SySyncWindow *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->history_list))) != NULL)
    gtk_list_box_remove (self->history_list, child);

  for (guint i = 0; self->history != NULL && i < self->history->len; i++)
    gtk_list_box_append (self->history_list, new_history_row (self, g_ptr_array_index (self->history, i)));
}

static void
history_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SySyncWindow) self = user_data;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;

  runs = sy_state_store_list_runs_finish (SY_STATE_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->history_loading = FALSE;
  if (runs == NULL)
    {
      g_autofree char *title = g_strdup_printf (_("The runs could not be read: %s"), error->message);
      add_toast (self, title);
      return;
    }

  g_clear_pointer (&self->history, g_ptr_array_unref);
  self->history = g_steal_pointer (&runs);
  show_history (self);

  /* Before any run of this window: the newest one is what people want to
   * see, with its failed records. */
  if (!self->preparing && !self->running && self->job == NULL)
    {
      const SySyncRun *newest = self->history->len > 0 ? g_ptr_array_index (self->history, 0) : NULL;

      sy_sync_window_show_past_run_summary (self, newest);
      sy_sync_window_show_run (self, newest);
    }
  else if (self->shown_run_id != 0 && !self->running)
    {
      const SySyncRun *run = sy_sync_window_find_history_run (self, self->shown_run_id);

      /* Keep the list; the run's counts are the committed ones now. */
      if (run != NULL)
        {
          g_clear_pointer (&self->shown_run, sy_sync_run_free);
          self->shown_run = sy_sync_run_copy (run);
        }
      sy_sync_window_update_failures_view (self);
    }
  sy_sync_window_update_actions (self);
}

void
sy_sync_window_load_history (SySyncWindow *self)
{
  SyStateStore *state = get_state (self);

  g_clear_pointer (&self->history, g_ptr_array_unref);
  show_history (self);
  if (state == NULL || self->pair == NULL)
    return;

  reset_cancellable (&self->history_cancellable);
  self->history_loading = TRUE;
  sy_state_store_list_runs_async (state, self->pair, HISTORY_LIMIT, self->history_cancellable,
                                  history_loaded_cb, g_object_ref (self));
}
