/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the parts of the run panel share: its instance struct and helpers.
 * Only its own files include this; tests include sy-run-panel-private.h. */

#include <glib/gi18n.h>

#include "sy-state-store-sync.h"
#include "sy-sync-failure-list.h"
#include "sy-sync-history-list.h"
#include "sy-run-panel-private.h"

G_BEGIN_DECLS

struct _SyRunPanel
{
  AdwBin             parent_instance;

  SyApplication     *application;   /* weak */
  GSettings         *settings;
  GCancellable      *cancellable;
  GCancellable      *job_cancellable;
  GCancellable      *mapping_cancellable;
  GCancellable      *failures_cancellable;
  GCancellable      *history_cancellable;

  GFile             *mapping_file;
  GFileMonitor      *mapping_monitor;
  SyMapping         *mapping;
  char              *pair;

  SySyncJob         *job;
  gboolean           preparing;
  gboolean           running;
  gboolean           planning;      /* the plan's dry run goes on */
  SySyncJob         *plan_job;
  SyRunPanelActivity activity;
  gint64             job_started_us;
  guint              notify_after_s;
  guint              progress_idle;

  SySyncRun         *shown_run;
  gint64             shown_run_id;
  guint              failures_offset;
  gboolean           failures_loading;
  gboolean           failures_more;

  GPtrArray         *history;
  gboolean           history_loading;
  gint64             reveal_run_id;   /* to show once the history has it */

  char              *last_toast;

  /* A run that stopped because a connection needs reconnecting: resumed
   * once Reconnect succeeds. */
  SySyncRun         *paused_run;
  char              *reconnect_name;

  AdwToastOverlay   *toast_overlay;
  GtkStack          *content_stack;
  AdwViewStack      *view_stack;
  GtkLabel          *mapping_label;
  GtkLabel          *status_label;
  GtkWidget         *reconnect_button;
  GtkProgressBar    *progress_bar;
  GtkLabel          *read_label;
  GtkLabel          *written_label;
  GtkLabel          *failed_label;
  GtkLabel          *skipped_label;
  GtkStack          *control_stack;
  GtkButton         *pause_button;
  GtkWidget         *stop_button;
  GtkLabel          *result_label;
  GtkButton         *result_button;
  GtkWidget         *options_group;
  AdwExpanderRow    *options_row;
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
  SySyncHistoryList *history_list;
};

static inline SyApplication *
get_app (SyRunPanel *self)
{
  return self->application;
}

static inline SyStateStore *
get_state (SyRunPanel *self)
{
  SyApplication *app = get_app (self);

  return app ? sy_application_get_state_store (app) : NULL;
}

static inline GtkWindow *
get_window (SyRunPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static inline void
add_toast (SyRunPanel *self,
           const char   *title)
{
  AdwToast *toast = adw_toast_new (title);

  g_free (self->last_toast);
  self->last_toast = g_strdup (title);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static inline void
reset_cancellable (GCancellable **cancellable)
{
  if (*cancellable != NULL)
    g_cancellable_cancel (*cancellable);
  g_clear_object (cancellable);
  *cancellable = g_cancellable_new ();
}

static inline char *
format_count (guint64 count)
{
  /* Grouped as the locale groups thousands: "12,345". */
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, count);
}

static inline void
set_count (GtkLabel *label,
           guint64   count)
{
  g_autofree char *text = format_count (count);

  gtk_label_set_text (label, text);
}

static inline void
set_status (SyRunPanel *self,
            const char   *text)
{
  gtk_label_set_text (self->status_label, text);
}

/* sy-run-panel.c: which actions the window offers now */
void     sy_run_panel_update_actions         (SyRunPanel    *self);

/* sy-run-panel-failures.c: the failed records list and their export */
void     sy_run_panel_update_failures_view   (SyRunPanel    *self);
void     sy_run_panel_load_failures_page     (SyRunPanel    *self);
void     sy_run_panel_show_run               (SyRunPanel    *self,
                                                const SySyncRun *run);
void     sy_run_panel_record_failed_cb       (SyRunPanel    *self,
                                                SySyncResult    *result);
void     sy_run_panel_export_action          (GtkWidget       *widget,
                                                const char      *action_name,
                                                GVariant        *parameter);

/* sy-run-panel-progress.c: counts, status line and progress bar */
void     sy_run_panel_show_counts            (SyRunPanel    *self,
                                                guint64          read,
                                                guint64          written,
                                                guint64          failed,
                                                guint64          skipped);
void     sy_run_panel_show_progress          (SyRunPanel    *self);
void     sy_run_panel_progress_notify_cb     (SyRunPanel    *self);
void     sy_run_panel_show_past_run_summary  (SyRunPanel    *self,
                                                const SySyncRun *run);

/* sy-run-panel-history.c: the runs of the mapping's pair */
const SySyncRun *sy_run_panel_find_history_run (SyRunPanel  *self,
                                                  gint64         run_id);
void     sy_run_panel_load_history           (SyRunPanel    *self);

/* sy-run-panel-mapping.c: the mapping, read again when its file changes */
void     sy_run_panel_load_mapping           (SyRunPanel    *self);
/* sy-run-panel.c */
void     sy_run_panel_set_activity           (SyRunPanel    *self,
                                              SyRunPanelActivity activity);

G_END_DECLS
