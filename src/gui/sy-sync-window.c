/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-connection-check.h"
#include "sy-error.h"
#include "sy-mapping-editor.h"
#include "sy-state-store-sync.h"
#include "sy-sync-window.h"

/* Failed records are read from state.db a page at a time. */
#define FAILURES_PAGE_SIZE 500
/* The history shows the latest runs of the pair. */
#define HISTORY_LIMIT 50
/* Shorter runs finish while the user still looks. */
#define NOTIFY_AFTER_S 10
/* Saving a mapping renames a temporary file: list once things settle. */
#define RELIST_DELAY_MS 300
/* Counts a person can read as they change: about ten updates a second. */
#define PROGRESS_INTERVAL_MS 100

typedef enum
{
  START_NEW,
  START_RESUME,
  START_RETRY,
} StartKind;

struct _SySyncWindow
{
  AdwWindow          parent_instance;

  GSettings         *settings;
  GCancellable      *cancellable;
  GCancellable      *job_cancellable;
  GCancellable      *mapping_cancellable;
  GCancellable      *failures_cancellable;
  GCancellable      *history_cancellable;

  GFileMonitor      *monitor;
  guint              relist_source;
  GPtrArray         *mapping_files;
  GtkStringList     *mapping_names;
  GFile             *wanted_file;
  gboolean           listing;
  gboolean           listed;
  gboolean           selecting;

  GFile             *mapping_file;
  SyMapping         *mapping;
  char              *pair;

  SySyncJob         *job;
  gboolean           preparing;
  gboolean           running;
  gint64             job_started_us;
  guint              notify_after_s;
  guint              progress_idle;
  gboolean           close_after_job;
  gboolean           held;
  gboolean           may_close;

  SySyncRun         *shown_run;
  gint64             shown_run_id;
  guint              failures_offset;
  gboolean           failures_loading;
  gboolean           failures_more;

  GPtrArray         *history;
  gboolean           history_loading;

  char              *last_toast;

  AdwViewSwitcherTitle *switcher_title;
  AdwToastOverlay   *toast_overlay;
  GtkStack          *content_stack;
  AdwViewStack      *view_stack;
  AdwComboRow       *mapping_row;
  GtkLabel          *status_label;
  GtkProgressBar    *progress_bar;
  GtkLabel          *read_label;
  GtkLabel          *written_label;
  GtkLabel          *failed_label;
  GtkLabel          *skipped_label;
  GtkStack          *control_stack;
  GtkButton         *pause_button;
  GtkWidget         *settings_group;
  GtkSpinButton     *batch_size_spin;
  GtkSpinButton     *delay_spin;
  GtkSpinButton     *concurrency_spin;
  GtkSpinButton     *max_rps_spin;
  GtkSwitch         *full_switch;
  GtkSwitch         *dry_run_switch;
  AdwViewStackPage  *failures_page;
  GtkStack          *failures_stack;
  AdwStatusPage     *no_failures_page;
  SySyncFailureList *failure_list;
  GtkLabel          *failures_label;
  GtkWidget         *more_failures_button;
  GtkListBox        *history_list;
};

G_DEFINE_FINAL_TYPE (SySyncWindow, sy_sync_window, ADW_TYPE_WINDOW)

static void update_actions (SySyncWindow *self);
static void load_history (SySyncWindow *self);
static void show_run (SySyncWindow    *self,
                      const SySyncRun *run);

static SyApplication *
get_app (SySyncWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return SY_IS_APPLICATION (app) ? SY_APPLICATION (app) : NULL;
}

static SyStateStore *
get_state (SySyncWindow *self)
{
  SyApplication *app = get_app (self);

  return app ? sy_application_get_state_store (app) : NULL;
}

static void
add_toast (SySyncWindow *self,
           const char   *title)
{
  AdwToast *toast = adw_toast_new (title);

  g_free (self->last_toast);
  self->last_toast = g_strdup (title);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
reset_cancellable (GCancellable **cancellable)
{
  if (*cancellable != NULL)
    g_cancellable_cancel (*cancellable);
  g_clear_object (cancellable);
  *cancellable = g_cancellable_new ();
}

static char *
format_count (guint64 count)
{
  /* Grouped as the locale groups thousands: "12,345". */
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, count);
}

static void
set_count (GtkLabel *label,
           guint64   count)
{
  g_autofree char *text = format_count (count);

  gtk_label_set_text (label, text);
}

static void
set_status (SySyncWindow *self,
            const char   *text)
{
  gtk_label_set_text (self->status_label, text);
}

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

/* Failed records */

static void
update_failures_view (SySyncWindow *self)
{
  guint n = sy_sync_failure_list_get_n_items (self->failure_list);
  guint64 total = n;
  g_autofree char *text = NULL;

  if (self->running && self->job != NULL)
    total = MAX (total, sy_sync_progress_get_failed (sy_sync_job_get_progress (self->job)));
  else if (self->shown_run != NULL)
    total = MAX (total, self->shown_run->failed);

  gtk_stack_set_visible_child_name (self->failures_stack, n > 0 ? "list" : "none");
  adw_view_stack_page_set_needs_attention (self->failures_page, total > 0);

  if (self->shown_run_id == 0)
    text = g_strdup (_("No run yet"));
  else if (total > n)
    {
      g_autofree char *shown = format_count (n);
      g_autofree char *all = format_count (total);
      g_autofree char *run = g_strdup_printf ("%" G_GINT64_FORMAT, self->shown_run_id);

      /* Translators: failed records shown, of how many, and the run's number */
      text = g_strdup_printf (_("%s of %s failed records of run %s"), shown, all, run);
    }
  else
    {
      g_autofree char *shown = format_count (n);
      g_autofree char *run = g_strdup_printf ("%" G_GINT64_FORMAT, self->shown_run_id);

      /* Translators: how many failed records, and the run's number */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s failed record in run %s",
                                           "%s failed records in run %s", n),
                              shown, run);
    }
  gtk_label_set_text (self->failures_label, text);
  gtk_widget_set_visible (self->more_failures_button, self->failures_more && !self->running);

  if (self->shown_run_id == 0)
    adw_status_page_set_description (self->no_failures_page, _("Failed records of a run are listed here, with the server’s reason."));
  else if (self->failures_loading)
    adw_status_page_set_description (self->no_failures_page, _("Loading…"));
  else
    adw_status_page_set_description (self->no_failures_page, _("Every record of this run was written, or is waiting to be."));
}

static void
failures_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(SySyncWindow) self = user_data;
  g_autoptr(GPtrArray) failures = NULL;
  g_autoptr(GError) error = NULL;

  failures = sy_state_store_list_failures_finish (SY_STATE_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->failures_loading = FALSE;
  if (failures == NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Failed records could not be read: %s"), error->message);
      add_toast (self, title);
    }
  else
    {
      sy_sync_failure_list_add_page (self->failure_list, failures);
      self->failures_offset += failures->len;
      self->failures_more = failures->len == FAILURES_PAGE_SIZE;
    }
  update_failures_view (self);
  update_actions (self);
}

static void
load_failures_page (SySyncWindow *self)
{
  SyStateStore *state = get_state (self);

  if (state == NULL || self->shown_run_id == 0)
    return;

  reset_cancellable (&self->failures_cancellable);
  self->failures_loading = TRUE;
  sy_state_store_list_failures_async (state, self->shown_run_id, self->failures_offset, FAILURES_PAGE_SIZE,
                                      self->failures_cancellable, failures_loaded_cb, g_object_ref (self));
  update_failures_view (self);
}

/* The failed records of a past run, from state.db. */
static void
show_run (SySyncWindow    *self,
          const SySyncRun *run)
{
  g_clear_pointer (&self->shown_run, sy_sync_run_free);
  self->shown_run = run ? sy_sync_run_copy (run) : NULL;
  self->shown_run_id = run ? run->id : 0;
  self->failures_offset = 0;
  self->failures_more = FALSE;
  self->failures_loading = FALSE;
  if (self->failures_cancellable != NULL)
    g_cancellable_cancel (self->failures_cancellable);
  sy_sync_failure_list_clear (self->failure_list);
  if (run != NULL && run->failed > 0)
    load_failures_page (self);
  update_failures_view (self);
  update_actions (self);
}

static void
record_failed_cb (SySyncWindow *self,
                  SySyncResult *result)
{
  sy_sync_failure_list_add (self->failure_list, result);
}

/* Progress */

static void
show_counts (SySyncWindow *self,
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

static void
show_progress (SySyncWindow *self)
{
  SySyncProgress *progress;
  g_autofree char *described = NULL;
  g_autofree char *text = NULL;
  double fraction;

  if (self->job == NULL)
    return;

  progress = sy_sync_job_get_progress (self->job);
  show_counts (self,
               sy_sync_progress_get_read (progress),
               sy_sync_progress_get_written (progress),
               sy_sync_progress_get_failed (progress),
               sy_sync_progress_get_skipped (progress));

  if (self->shown_run_id != sy_sync_progress_get_run_id (progress) && self->running)
    {
      self->shown_run_id = sy_sync_progress_get_run_id (progress);
      update_actions (self);
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
  update_failures_view (self);
  update_actions (self);
}

static gboolean
progress_idle_cb (gpointer user_data)
{
  SySyncWindow *self = user_data;

  self->progress_idle = 0;
  show_progress (self);
  return G_SOURCE_REMOVE;
}

/* The progress notifies its properties together: one update for all, and
 * at most PROGRESS_INTERVAL_MS apart. Each update changes labels, which
 * makes GTK 4.8 lay out the whole window anew and ask the X server for the
 * monitor's work area, round trips that wait on a busy server; with an
 * idle per change, a fast run did that on every frame. */
static void
progress_notify_cb (SySyncWindow *self)
{
  if (self->progress_idle == 0)
    self->progress_idle = g_timeout_add (PROGRESS_INTERVAL_MS, progress_idle_cb, self);
}

static void
show_past_run_summary (SySyncWindow    *self,
                       const SySyncRun *run)
{
  g_autoptr(GDateTime) started = NULL;
  g_autofree char *when = NULL;
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;

  if (run == NULL)
    {
      show_counts (self, 0, 0, 0, 0);
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
  show_counts (self, run->read, sy_sync_run_get_written (run), run->failed, run->skipped);
  gtk_progress_bar_set_fraction (self->progress_bar, run->state == SY_SYNC_RUN_STATE_FINISHED ? 1.0 : 0.0);
}

/* Actions' availability */

static const SySyncRun *
find_history_run (SySyncWindow *self,
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
update_actions (SySyncWindow *self)
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
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sync.more-failures",
                                 self->failures_more && !self->failures_loading);

  gtk_stack_set_visible_child_name (self->control_stack, busy ? "running" : "idle");
  gtk_widget_set_sensitive (self->settings_group, !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->mapping_row), !busy);
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

      show_past_run_summary (self, newest);
      show_run (self, newest);
    }
  else if (self->shown_run_id != 0 && !self->running)
    {
      const SySyncRun *run = find_history_run (self, self->shown_run_id);

      /* Keep the list; the run's counts are the committed ones now. */
      if (run != NULL)
        {
          g_clear_pointer (&self->shown_run, sy_sync_run_free);
          self->shown_run = sy_sync_run_copy (run);
        }
      update_failures_view (self);
    }
  update_actions (self);
}

static void
load_history (SySyncWindow *self)
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

/* The mapping */

static void
update_title (SySyncWindow *self)
{
  const char *name = self->mapping ? sy_mapping_get_name (self->mapping) : NULL;
  g_autofree char *title = NULL;

  if (name != NULL && *name != '\0')
    /* Translators: the window title, with the mapping's name */
    title = g_strdup_printf (_("Sync “%s”"), name);
  else
    title = g_strdup (_("Sync"));
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_view_switcher_title_set_subtitle (self->switcher_title, name ? name : "");
}

static void
mapping_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SySyncWindow) self = user_data;
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *subtitle = NULL;

  mapping = sy_mapping_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (mapping == NULL)
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->mapping_row), error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->mapping_row), "error");
      set_status (self, _("This mapping cannot be synced until it is fixed in the mapping editor."));
      update_actions (self);
      return;
    }

  g_set_object (&self->mapping, mapping);
  g_free (self->pair);
  self->pair = sy_sync_pair_for (sy_mapping_get_source_connection (mapping),
                                 sy_mapping_get_source_entity (mapping),
                                 sy_mapping_get_target_connection (mapping),
                                 sy_mapping_get_target_entity (mapping));
  /* Translators: a mapping's source and target: connection and entity each */
  subtitle = g_strdup_printf (_("%s · %s → %s · %s"),
                              sy_mapping_get_source_connection (mapping),
                              sy_mapping_get_source_entity (mapping),
                              sy_mapping_get_target_connection (mapping),
                              sy_mapping_get_target_entity (mapping));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->mapping_row), subtitle);
  gtk_widget_remove_css_class (GTK_WIDGET (self->mapping_row), "error");
  update_title (self);
  show_past_run_summary (self, NULL);
  load_history (self);
  update_actions (self);
}

static void
mapping_selected_cb (SySyncWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->mapping_row);
  GFile *file;

  /* The running job keeps its mapping, whatever the folder does. */
  if (self->selecting || self->preparing || self->running ||
      selected == GTK_INVALID_LIST_POSITION || selected >= self->mapping_files->len)
    return;

  file = g_ptr_array_index (self->mapping_files, selected);
  if (self->mapping_file != NULL && g_file_equal (file, self->mapping_file) && self->mapping != NULL)
    return;

  g_set_object (&self->mapping_file, file);
  g_clear_object (&self->mapping);
  g_clear_pointer (&self->pair, g_free);
  g_clear_object (&self->job);
  show_run (self, NULL);
  load_history (self);
  update_title (self);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->mapping_row), _("Loading…"));
  update_actions (self);

  reset_cancellable (&self->mapping_cancellable);
  sy_mapping_load_async (file, self->mapping_cancellable, mapping_loaded_cb, g_object_ref (self));
}

static char *
mappings_dir (SySyncWindow *self)
{
  SyApplication *app = get_app (self);

  return g_build_filename (sy_application_get_config_dir (app), "mappings", NULL);
}

static int
compare_files (gconstpointer a,
               gconstpointer b)
{
  g_autofree char *name_a = g_file_get_basename (*(GFile **) a);
  g_autofree char *name_b = g_file_get_basename (*(GFile **) b);

  return g_utf8_collate (name_a, name_b);
}

static void
fill_mappings (SySyncWindow *self,
               GPtrArray    *files)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GFile *keep = self->wanted_file ? self->wanted_file : self->mapping_file;
  guint selected = files->len > 0 ? 0 : GTK_INVALID_LIST_POSITION;

  g_ptr_array_sort (files, compare_files);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *basename = g_file_get_basename (g_ptr_array_index (files, i));

      if (g_str_has_suffix (basename, ".json"))
        basename[strlen (basename) - strlen (".json")] = '\0';
      g_ptr_array_add (names, g_steal_pointer (&basename));
      if (keep != NULL && g_file_equal (keep, g_ptr_array_index (files, i)))
        selected = i;
    }
  g_ptr_array_add (names, NULL);

  self->selecting = TRUE;
  g_ptr_array_unref (self->mapping_files);
  self->mapping_files = g_ptr_array_ref (files);
  gtk_string_list_splice (self->mapping_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->mapping_names)),
                          (const char * const *) names->pdata);
  adw_combo_row_set_selected (self->mapping_row, selected);
  self->selecting = FALSE;
  g_clear_object (&self->wanted_file);

  self->listed = TRUE;
  gtk_stack_set_visible_child_name (self->content_stack, files->len > 0 ? "sync" : "empty");
  mapping_selected_cb (self);
}

typedef struct
{
  SySyncWindow *self;
  GFile        *dir;
  GPtrArray    *files;
} ListData;

static void
list_data_free (ListData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->dir);
  g_ptr_array_unref (data->files);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ListData, list_data_free)

static void
list_done (ListData *data,
           GError   *error)
{
  SySyncWindow *self = data->self;

  self->listing = FALSE;
  /* No folder yet is no mapping yet. */
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_autofree char *title = g_strdup_printf (_("The mappings could not be listed: %s"), error->message);
      add_toast (self, title);
    }
  fill_mappings (self, data->files);
}

static void
next_files_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ListData) data = user_data;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  GList *infos;

  infos = g_file_enumerator_next_files_finish (G_FILE_ENUMERATOR (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL || infos == NULL)
    {
      list_done (data, error);
      return;
    }

  for (GList *l = infos; l != NULL; l = l->next)
    {
      GFileInfo *info = l->data;
      const char *name = g_file_info_get_name (info);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR &&
          g_str_has_suffix (name, ".json") && name[0] != '.')
        g_ptr_array_add (data->files, g_file_get_child (data->dir, name));
    }
  g_list_free_full (infos, g_object_unref);

  cancellable = data->self->cancellable;
  g_file_enumerator_next_files_async (G_FILE_ENUMERATOR (source), 64, G_PRIORITY_DEFAULT,
                                      cancellable, next_files_cb, g_steal_pointer (&data));
}

static void
enumerated_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ListData) data = user_data;
  g_autoptr(GFileEnumerator) enumerator = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  enumerator = g_file_enumerate_children_finish (G_FILE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (enumerator == NULL)
    {
      list_done (data, error);
      return;
    }
  cancellable = data->self->cancellable;
  g_file_enumerator_next_files_async (enumerator, 64, G_PRIORITY_DEFAULT, cancellable,
                                      next_files_cb, g_steal_pointer (&data));
}

static void
list_mappings (SySyncWindow *self)
{
  g_autofree char *dir = mappings_dir (self);
  ListData *data;

  if (self->listing)
    return;
  self->listing = TRUE;

  data = g_new0 (ListData, 1);
  data->self = g_object_ref (self);
  data->dir = g_file_new_for_path (dir);
  data->files = g_ptr_array_new_with_free_func (g_object_unref);
  g_file_enumerate_children_async (data->dir,
                                   G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                   G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT, self->cancellable,
                                   enumerated_cb, data);
}

static gboolean
relist_cb (gpointer user_data)
{
  SySyncWindow *self = user_data;

  self->relist_source = 0;
  list_mappings (self);
  return G_SOURCE_REMOVE;
}

static void
mappings_changed_cb (SySyncWindow      *self,
                     GFile             *file,
                     GFile             *other_file,
                     GFileMonitorEvent  event)
{
  if (event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT || event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED)
    return;
  g_clear_handle_id (&self->relist_source, g_source_remove);
  self->relist_source = g_timeout_add (RELIST_DELAY_MS, relist_cb, self);
}

void
sy_sync_window_select_mapping (SySyncWindow *self,
                               GFile        *mapping_file)
{
  g_return_if_fail (SY_IS_SYNC_WINDOW (self));
  g_return_if_fail (G_IS_FILE (mapping_file));

  for (guint i = 0; self->listed && i < self->mapping_files->len; i++)
    if (g_file_equal (mapping_file, g_ptr_array_index (self->mapping_files, i)))
      {
        adw_combo_row_set_selected (self->mapping_row, i);
        return;
      }

  /* Not listed (yet): a new file, or the folder is still being read. */
  g_set_object (&self->wanted_file, mapping_file);
  g_clear_handle_id (&self->relist_source, g_source_remove);
  if (self->listing)
    return;
  list_mappings (self);
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
  update_actions (self);
  close_if_asked (self);
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

  finished = sy_sync_job_run_finish (job, result, &error);
  if (job != self->job)
    return;

  sy_sync_failure_list_flush (self->failure_list);
  self->running = FALSE;
  show_progress (self);

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
        show_run (self, run);
    }

  name = self->mapping ? sy_mapping_get_name (self->mapping) : NULL;
  body = g_strdup_printf ("%s\n%s", name ? name : "", text);
  notify_finished (self, finished ? _("Sync Finished") : _("Sync Ended"), body);

  job_ended (self);
  load_history (self);
  update_failures_view (self);
  update_actions (self);
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
                           G_CALLBACK (progress_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (job, "record-failed", G_CALLBACK (record_failed_cb), self, G_CONNECT_SWAPPED);

  /* The list now follows this run as it goes. */
  show_run (self, NULL);
  self->shown_run_id = data->kind == START_RESUME ? data->run->id : 0;
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  show_progress (self);
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
          update_actions (self);
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
  self->preparing = TRUE;
  self->close_after_job = FALSE;
  self->job_started_us = g_get_monotonic_time ();
  set_status (self, _("Opening the connections…"));
  show_counts (self, 0, 0, 0, 0);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  adw_view_stack_set_visible_child_name (self->view_stack, "run");
  update_actions (self);

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
  show_progress (self);
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
  const SySyncRun *found = find_history_run (self, g_variant_get_int64 (parameter));
  g_autoptr(SySyncRun) run = found ? sy_sync_run_copy (found) : NULL;

  if (run != NULL && sy_sync_run_state_is_resumable (run->state))
    start_job (self, START_RESUME, run);
}

static void
show_run_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SySyncWindow *self = SY_SYNC_WINDOW (widget);
  const SySyncRun *found = find_history_run (self, g_variant_get_int64 (parameter));
  g_autoptr(SySyncRun) run = found ? sy_sync_run_copy (found) : NULL;

  /* The running job's list stays until it ends. */
  if (run == NULL || self->running || self->preparing)
    return;
  show_run (self, run);
  adw_view_stack_set_visible_child_name (self->view_stack, "failures");
}

static void
more_failures_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SySyncWindow *self = SY_SYNC_WINDOW (widget);

  if (self->failures_more && !self->failures_loading)
    load_failures_page (self);
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

/* Export */

typedef struct
{
  SySyncWindow *self;
  GFile        *file;
} ExportData;

static void
export_data_free (ExportData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->file);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExportData, export_data_free)

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ExportData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (data->file);
  g_autofree char *title = NULL;

  if (sy_state_store_export_failures_finish (SY_STATE_STORE (source), result, &error))
    /* Translators: %s is a file name */
    title = g_strdup_printf (_("Failed records exported to “%s”"), name);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  else
    /* Translators: a file name and why it could not be written */
    title = g_strdup_printf (_("“%s” could not be written: %s"), name, error->message);
  add_toast (data->self, title);
}

void
sy_sync_window_export_failures (SySyncWindow       *self,
                                GFile              *file,
                                SySyncExportFormat  format)
{
  SyStateStore *state;
  ExportData *data;

  g_return_if_fail (SY_IS_SYNC_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  state = get_state (self);
  if (state == NULL || self->shown_run_id == 0)
    {
      add_toast (self, _("There is no run to export failed records of."));
      return;
    }

  data = g_new0 (ExportData, 1);
  data->self = g_object_ref (self);
  data->file = g_object_ref (file);
  sy_state_store_export_failures_async (state, self->shown_run_id, format, file, self->cancellable,
                                        exported_cb, data);
}

static void
export_response_cb (GtkNativeDialog *chooser,
                    int              response,
                    gpointer         user_data)
{
  g_autoptr(SySyncWindow) self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      const char *choice = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), "format");
      g_autofree char *name = file ? g_file_get_basename (file) : NULL;
      SySyncExportFormat format = SY_SYNC_EXPORT_CSV;

      /* The name the user typed wins over the choice left as it was. */
      if (name != NULL && g_str_has_suffix (name, ".json"))
        format = SY_SYNC_EXPORT_JSON;
      else if (name != NULL && g_str_has_suffix (name, ".csv"))
        format = SY_SYNC_EXPORT_CSV;
      else if (choice != NULL)
        sy_sync_export_format_from_string (choice, &format);

      if (file != NULL)
        sy_sync_window_export_failures (self, file, format);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SySyncWindow *self = SY_SYNC_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) csv = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) json = gtk_file_filter_new ();
  g_autofree char *suggested = NULL;
  const char *choices[] = { "csv", "json", NULL };
  const char *choice_labels[] = { N_("CSV"), N_("JSON"), NULL };
  const char *translated[3] = { _(choice_labels[0]), _(choice_labels[1]), NULL };

  if (self->shown_run_id == 0)
    return;

  chooser = gtk_file_chooser_native_new (_("Export Failed Records"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);

  gtk_file_filter_set_name (csv, _("CSV files"));
  gtk_file_filter_add_pattern (csv, "*.csv");
  gtk_file_filter_add_mime_type (csv, "text/csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), csv);
  gtk_file_filter_set_name (json, _("JSON files"));
  gtk_file_filter_add_pattern (json, "*.json");
  gtk_file_filter_add_mime_type (json, "application/json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), json);
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), "format", _("Format"), choices, translated);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), "format", "csv");

  suggested = g_strdup_printf ("failed-records-run-%" G_GINT64_FORMAT ".csv", self->shown_run_id);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);

  g_signal_connect (chooser, "response", G_CALLBACK (export_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
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

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-sync-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, mapping_row);
  gtk_widget_class_bind_template_child (widget_class, SySyncWindow, status_label);
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
  gtk_widget_class_install_action (widget_class, "sync.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "sync.retry-failed", NULL, retry_failed_action);
  gtk_widget_class_install_action (widget_class, "sync.resume-run", "x", resume_run_action);
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
  g_signal_connect_swapped (self->mapping_row, "notify::selected", G_CALLBACK (mapping_selected_cb), self);

  gtk_stack_set_visible_child_name (self->content_stack, "loading");
  show_past_run_summary (self, NULL);
  update_failures_view (self);
  update_actions (self);
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

  dir = mappings_dir (self);
  g_mkdir_with_parents (dir, 0700);
  dir_file = g_file_new_for_path (dir);
  self->monitor = g_file_monitor_directory (dir_file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (self->monitor != NULL)
    g_signal_connect_swapped (self->monitor, "changed", G_CALLBACK (mappings_changed_cb), self);
  list_mappings (self);
  update_actions (self);
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

const char *
sy_sync_window_get_visible_content (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->content_stack);
}

void
sy_sync_window_set_visible_page (SySyncWindow *self,
                                 const char   *page)
{
  g_return_if_fail (SY_IS_SYNC_WINDOW (self));
  adw_view_stack_set_visible_child_name (self->view_stack, page);
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

const char *
sy_sync_window_get_status_text (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), NULL);
  return gtk_label_get_text (self->status_label);
}

const char *
sy_sync_window_get_count_text (SySyncWindow *self,
                               const char   *count)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), NULL);
  g_return_val_if_fail (count != NULL, NULL);

  if (g_str_equal (count, "read"))
    return gtk_label_get_text (self->read_label);
  if (g_str_equal (count, "written"))
    return gtk_label_get_text (self->written_label);
  if (g_str_equal (count, "failed"))
    return gtk_label_get_text (self->failed_label);
  if (g_str_equal (count, "skipped"))
    return gtk_label_get_text (self->skipped_label);
  g_return_val_if_reached (NULL);
}

SySyncFailureList *
sy_sync_window_get_failure_list (SySyncWindow *self)
{
  g_return_val_if_fail (SY_IS_SYNC_WINDOW (self), NULL);
  return self->failure_list;
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
