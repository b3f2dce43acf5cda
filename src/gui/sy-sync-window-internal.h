/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the parts of the sync window share: its instance struct and helpers.
 * Only its own files include this; tests include sy-sync-window-private.h. */

#include <glib/gi18n.h>

#include "sy-state-store-sync.h"
#include "sy-sync-history-list.h"
#include "sy-sync-window-private.h"

G_BEGIN_DECLS

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
  gint64             reveal_run_id;   /* to show once the history has it */

  char              *last_toast;

  /* A run that stopped because a connection needs reconnecting: resumed
   * once Reconnect succeeds. */
  SySyncRun         *paused_run;
  char              *reconnect_name;

  AdwViewSwitcherTitle *switcher_title;
  AdwToastOverlay   *toast_overlay;
  GtkStack          *content_stack;
  AdwViewStack      *view_stack;
  AdwComboRow       *mapping_row;
  GtkLabel          *status_label;
  GtkWidget         *reconnect_button;
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
  SySyncHistoryList *history_list;
};

static inline SyApplication *
get_app (SySyncWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return SY_IS_APPLICATION (app) ? SY_APPLICATION (app) : NULL;
}

static inline SyStateStore *
get_state (SySyncWindow *self)
{
  SyApplication *app = get_app (self);

  return app ? sy_application_get_state_store (app) : NULL;
}

static inline void
add_toast (SySyncWindow *self,
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
set_status (SySyncWindow *self,
            const char   *text)
{
  gtk_label_set_text (self->status_label, text);
}

/* sy-sync-window.c: which actions the window offers now */
void     sy_sync_window_update_actions         (SySyncWindow    *self);

/* sy-sync-window-failures.c: the failed records list and their export */
void     sy_sync_window_update_failures_view   (SySyncWindow    *self);
void     sy_sync_window_load_failures_page     (SySyncWindow    *self);
void     sy_sync_window_show_run               (SySyncWindow    *self,
                                                const SySyncRun *run);
void     sy_sync_window_record_failed_cb       (SySyncWindow    *self,
                                                SySyncResult    *result);
void     sy_sync_window_export_action          (GtkWidget       *widget,
                                                const char      *action_name,
                                                GVariant        *parameter);

/* sy-sync-window-progress.c: counts, status line and progress bar */
void     sy_sync_window_show_counts            (SySyncWindow    *self,
                                                guint64          read,
                                                guint64          written,
                                                guint64          failed,
                                                guint64          skipped);
void     sy_sync_window_show_progress          (SySyncWindow    *self);
void     sy_sync_window_progress_notify_cb     (SySyncWindow    *self);
void     sy_sync_window_show_past_run_summary  (SySyncWindow    *self,
                                                const SySyncRun *run);

/* sy-sync-window-history.c: the runs of the mapping's pair */
const SySyncRun *sy_sync_window_find_history_run (SySyncWindow  *self,
                                                  gint64         run_id);
void     sy_sync_window_load_history           (SySyncWindow    *self);

/* sy-sync-window-mappings.c: the mappings folder and the selected mapping */
char    *sy_sync_window_mappings_dir           (SySyncWindow    *self);
void     sy_sync_window_list_mappings          (SySyncWindow    *self);
void     sy_sync_window_mapping_selected_cb    (SySyncWindow    *self);
void     sy_sync_window_mappings_changed_cb    (SySyncWindow      *self,
                                                GFile             *file,
                                                GFile             *other_file,
                                                GFileMonitorEvent  event);

G_END_DECLS
