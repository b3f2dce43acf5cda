/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-sync-history-list.h"

struct _SySyncHistoryList
{
  AdwBin      parent_instance;

  GtkListBox *list;
};

G_DEFINE_FINAL_TYPE (SySyncHistoryList, sy_sync_history_list, ADW_TYPE_BIN)

static char *
format_count (guint64 count)
{
  /* Grouped as the locale groups thousands, as the run's counts are. */
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, count);
}

const char *
sy_sync_history_list_get_cause_label (const char *cause)
{
  if (cause == NULL)
    return NULL;
  if (g_str_equal (cause, "scheduled"))
    /* Translators: a sync run that its mapping's schedule started */
    return _("Scheduled");
  if (g_str_equal (cause, "webhook"))
    /* Translators: a sync run that a change in the source (a webhook delivery) started */
    return _("On changes");
  return cause;
}

char *
sy_sync_history_list_format_when (GDateTime *when)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (g_date_time_get_year (now) == g_date_time_get_year (when) &&
      g_date_time_get_day_of_year (now) == g_date_time_get_day_of_year (when))
    /* Translators: a run's start today, for g_date_time_format ("Today, 14:05") */
    return g_date_time_format (when, _("Today, %H:%M"));
  /* Translators: a run's start, for g_date_time_format: day, month's
   * abbreviated name, year, time ("7 Dec 2026, 14:05"). Keep the month a
   * name: "12/07/26" reads differently in different countries. */
  return g_date_time_format (when, _("%-d %b %Y, %H:%M"));
}

char *
sy_sync_history_list_describe_state (const SySyncRun *run)
{
  if (run->state == SY_SYNC_RUN_STATE_FINISHED && run->failed > 0)
    {
      g_autofree char *failed = format_count (run->failed);

      /* Translators: a finished sync run some of whose records failed */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Finished with %s failed", "Finished with %s failed",
                                           (gulong) run->failed),
                              failed);
    }
  return g_strdup (sy_sync_run_state_get_label (run->state));
}

static GtkWidget *
new_row (const SySyncRun *run,
         guint            number)
{
  GtkWidget *row = adw_action_row_new ();
  g_autoptr(GDateTime) started = g_date_time_new_from_unix_local (run->started_at);
  g_autofree char *when = started ? sy_sync_history_list_format_when (started) : g_strdup ("");
  g_autofree char *state = sy_sync_history_list_describe_state (run);
  g_autofree char *number_text = g_strdup_printf ("%u", number);
  g_autofree char *title = NULL;
  g_autofree char *read = format_count (run->read);
  g_autofree char *written = format_count (sy_sync_run_get_written (run));
  g_autofree char *failed = format_count (run->failed);
  g_autofree char *skipped = format_count (run->skipped);
  GString *subtitle = g_string_new (NULL);

  if (run->options.dry_run)
    /* Translators: a dry run in the runs of a mapping, and its state */
    title = g_strdup_printf (_("Dry run · %s"), state);
  else
    /* Translators: a sync run's number among the runs of its mapping, and
     * its state ("Run 3 of this mapping · Finished with 2 failed") */
    title = g_strdup_printf (_("Run %s of this mapping · %s"), number_text, state);
  if (run->state == SY_SYNC_RUN_STATE_FINISHED && run->failed > 0)
    gtk_widget_add_css_class (row, "warning");
  else if (run->state == SY_SYNC_RUN_STATE_FAILED)
    gtk_widget_add_css_class (row, "error");
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
  if (run->cause != NULL)
    g_string_append_printf (subtitle, " · %s", sy_sync_history_list_get_cause_label (run->cause));
  if (run->message != NULL && *run->message != '\0')
    g_string_append_printf (subtitle, "\n%s", run->message);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  g_string_free (subtitle, TRUE);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "runs.show-run");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "x", run->id);

  if (sy_sync_run_state_is_resumable (run->state))
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Resume"));
      /* Translators: an accessible label; %s is a sync run's number */
      g_autofree char *label = g_strdup_printf (_("Resume run %s"), number_text);

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "runs.resume-run");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "x", run->id);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  return row;
}

void
sy_sync_history_list_set_runs (SySyncHistoryList *self,
                               GPtrArray         *runs)
{
  GtkWidget *child;

  g_return_if_fail (SY_IS_SYNC_HISTORY_LIST (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);

  /* Newest first: the oldest real run listed is run 1 of the mapping. Dry
   * runs (a plan's among them) wrote nothing and take no number. */
  {
    guint number = 0;

    for (guint i = 0; runs != NULL && i < runs->len; i++)
      number += !((const SySyncRun *) g_ptr_array_index (runs, i))->options.dry_run;
    for (guint i = 0; runs != NULL && i < runs->len; i++)
      {
        const SySyncRun *run = g_ptr_array_index (runs, i);

        gtk_list_box_append (self->list, new_row (run, number));
        number -= !run->options.dry_run;
      }
  }
}

static void
sy_sync_history_list_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), SY_TYPE_SYNC_HISTORY_LIST);

  G_OBJECT_CLASS (sy_sync_history_list_parent_class)->dispose (object);
}

static void
sy_sync_history_list_class_init (SySyncHistoryListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_sync_history_list_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-sync-history-list.ui");
  gtk_widget_class_bind_template_child (widget_class, SySyncHistoryList, list);
}

static void
sy_sync_history_list_init (SySyncHistoryList *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
sy_sync_history_list_new (void)
{
  return g_object_new (SY_TYPE_SYNC_HISTORY_LIST, NULL);
}
