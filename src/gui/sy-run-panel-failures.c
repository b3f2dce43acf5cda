/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-run-panel-internal.h"

/* The Failures page: failed records of the shown run, a page at a time,
 * and their export. */

/* Failed records are read from state.db a page at a time. */
#define FAILURES_PAGE_SIZE 500

/* Failed records */

void
sy_run_panel_update_failures_view (SyRunPanel *self)
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

      /* Translators: failed records shown, of how many. The run's number
       * is the History's ("Run 3 of this mapping"), not said here. */
      text = g_strdup_printf (_("%s of %s failed records of this run"), shown, all);
    }
  else
    {
      g_autofree char *shown = format_count (n);

      /* Translators: how many failed records the shown run has */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s failed record in this run",
                                           "%s failed records in this run", n),
                              shown);
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
  g_autoptr(SyRunPanel) self = user_data;
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
  sy_run_panel_update_failures_view (self);
  sy_run_panel_update_actions (self);
}

void
sy_run_panel_load_failures_page (SyRunPanel *self)
{
  SyStateStore *state = get_state (self);

  if (state == NULL || self->shown_run_id == 0)
    return;

  reset_cancellable (&self->failures_cancellable);
  self->failures_loading = TRUE;
  sy_state_store_list_failures_async (state, self->shown_run_id, self->failures_offset, FAILURES_PAGE_SIZE,
                                      self->failures_cancellable, failures_loaded_cb, g_object_ref (self));
  sy_run_panel_update_failures_view (self);
}

/* The failed records of a past run, from state.db. */
void
sy_run_panel_show_run (SyRunPanel    *self,
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
    sy_run_panel_load_failures_page (self);
  sy_run_panel_update_failures_view (self);
  sy_run_panel_update_actions (self);
}

void
sy_run_panel_record_failed_cb (SyRunPanel *self,
                                 SySyncResult *result)
{
  sy_sync_failure_list_add (self->failure_list, result);
}

/* Export */

typedef struct
{
  SyRunPanel *self;
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
sy_run_panel_export_failures (SyRunPanel       *self,
                                GFile              *file,
                                SySyncExportFormat  format)
{
  SyStateStore *state;
  ExportData *data;

  g_return_if_fail (SY_IS_RUN_PANEL (self));
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
  g_autoptr(SyRunPanel) self = user_data;

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
        sy_run_panel_export_failures (self, file, format);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

void
sy_run_panel_export_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  SyRunPanel *self = SY_RUN_PANEL (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) csv = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) json = gtk_file_filter_new ();
  g_autofree char *suggested = NULL;
  const char *choices[] = { "csv", "json", NULL };
  const char *choice_labels[] = { N_("CSV"), N_("JSON"), NULL };
  const char *translated[3] = { _(choice_labels[0]), _(choice_labels[1]), NULL };

  if (self->shown_run_id == 0)
    return;

  chooser = gtk_file_chooser_native_new (_("Export Failed Records"), get_window (self),
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
