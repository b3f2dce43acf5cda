/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-run-panel-internal.h"

/* The History page's runs: read from state.db for the mapping's pair and
 * handed to the SySyncHistoryList that shows them. */

/* The history shows the latest runs of the pair; numbered from the
 * oldest listed, "Run 3 of this mapping". */
#define HISTORY_LIMIT 500

const SySyncRun *
sy_run_panel_find_history_run (SyRunPanel *self,
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

static void
history_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SyRunPanel) self = user_data;
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
  sy_sync_history_list_set_runs (self->history_list, self->history);

  /* Before any run of this window: the newest one is what people want to
   * see, with its failed records. */
  if (!self->preparing && !self->running && self->job == NULL)
    {
      const SySyncRun *newest = self->history->len > 0 ? g_ptr_array_index (self->history, 0) : NULL;

      sy_run_panel_show_past_run_summary (self, newest);
      sy_run_panel_show_run (self, newest);
    }
  else if (self->shown_run_id != 0 && !self->running)
    {
      const SySyncRun *run = sy_run_panel_find_history_run (self, self->shown_run_id);

      /* Keep the list; the run's counts are the committed ones now. */
      if (run != NULL)
        {
          g_clear_pointer (&self->shown_run, sy_sync_run_free);
          self->shown_run = sy_sync_run_copy (run);
        }
      sy_run_panel_update_failures_view (self);
    }
  sy_run_panel_update_actions (self);
  if (self->reveal_run_id != 0)
    sy_run_panel_reveal_run (self, self->reveal_run_id);
}

/* A run of the history (a notification's "Show Run"), once it is listed. */
void
sy_run_panel_reveal_run (SyRunPanel *self,
                           gint64        run_id)
{
  g_return_if_fail (SY_IS_RUN_PANEL (self));

  self->reveal_run_id = run_id;
  if (run_id == 0 || sy_run_panel_find_history_run (self, run_id) == NULL)
    return;
  self->reveal_run_id = 0;
  adw_view_stack_set_visible_child_name (self->view_stack, "history");
  gtk_widget_activate_action (GTK_WIDGET (self), "runs.show-run", "x", run_id);
}

void
sy_run_panel_load_history (SyRunPanel *self)
{
  SyStateStore *state = get_state (self);

  g_clear_pointer (&self->history, g_ptr_array_unref);
  sy_sync_history_list_set_runs (self->history_list, self->history);
  if (state == NULL || self->pair == NULL)
    return;

  reset_cancellable (&self->history_cancellable);
  self->history_loading = TRUE;
  sy_state_store_list_runs_async (state, self->pair, HISTORY_LIMIT, self->history_cancellable,
                                  history_loaded_cb, g_object_ref (self));
}
