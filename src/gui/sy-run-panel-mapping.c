/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-connection-services.h"
#include "sy-run-panel-internal.h"

/* The panel's one mapping, read from its file, and again when the file
 * changes (saved from the editor). */

static void
mapping_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SyRunPanel) self = user_data;
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *pair = NULL;

  mapping = sy_mapping_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (mapping == NULL)
    {
      /* A running job keeps the mapping it started with. */
      if (!self->preparing && !self->running)
        g_clear_object (&self->mapping);
      gtk_label_set_text (self->mapping_label, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->mapping_label), "error");
      if (!self->preparing && !self->running)
        set_status (self, _("This mapping cannot be synced until it is fixed in the mapping editor."));
      gtk_stack_set_visible_child_name (self->content_stack, "sync");
      sy_run_panel_update_actions (self);
      return;
    }

  g_set_object (&self->mapping, mapping);
  pair = sy_sync_pair_for (sy_mapping_get_source_connection (mapping),
                           sy_mapping_get_source_entity (mapping),
                           sy_mapping_get_target_connection (mapping),
                           sy_mapping_get_target_entity (mapping));
  /* Translators: a mapping's source and target: connection and entity each */
  subtitle = g_strdup_printf (_("%s · %s → %s · %s"),
                              sy_mapping_get_source_connection (mapping),
                              sy_mapping_get_source_entity (mapping),
                              sy_mapping_get_target_connection (mapping),
                              sy_mapping_get_target_entity (mapping));
  gtk_label_set_text (self->mapping_label, subtitle);
  {
    SyApplication *app = get_app (self);
    SyConnection *target = app ? sy_connection_store_find_by_name (sy_application_get_connection_store (app),
                                                                    sy_mapping_get_target_connection (mapping))
                               : NULL;

    /* "Rejected by NetSuite (422)": who said no. */
    sy_sync_failure_list_set_target_platform_name (self->failure_list,
                                                   target ? sy_platform_display_name (sy_connection_get_platform (target))
                                                          : NULL);
  }
  gtk_widget_remove_css_class (GTK_WIDGET (self->mapping_label), "error");
  gtk_stack_set_visible_child_name (self->content_stack, "sync");

  if (g_strcmp0 (pair, self->pair) != 0)
    {
      g_free (self->pair);
      self->pair = g_steal_pointer (&pair);
      if (!self->preparing && !self->running && self->job == NULL)
        sy_run_panel_show_past_run_summary (self, NULL);
      sy_run_panel_load_history (self);
    }
  sy_run_panel_update_actions (self);
}

void
sy_run_panel_load_mapping (SyRunPanel *self)
{
  if (self->mapping_file == NULL)
    return;
  reset_cancellable (&self->mapping_cancellable);
  sy_mapping_load_async (self->mapping_file, self->mapping_cancellable, mapping_loaded_cb, g_object_ref (self));
}
