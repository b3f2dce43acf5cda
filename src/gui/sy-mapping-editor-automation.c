/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-mapping-editor-internal.h"

/* The mapping editor's "Automation" group: the mapping file's optional
 * "automation" member (docs/architecture.md §6), through the SyMapping API.
 * A list of times that does not parse is not applied: the row says why,
 * and the mapping keeps the last list that did. */

/* "06:00, 18:30" into its times; NULL and a message when one is not HH:MM. */
static GStrv
parse_times (const char  *text,
             char       **message)
{
  g_auto(GStrv) parts = g_strsplit_set (text, ",; ", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);

      if (*part == '\0')
        continue;
      if (!sy_mapping_parse_time (part, NULL, NULL))
        {
          /* TRANSLATORS: what was typed, then the form a time must have */
          *message = g_strdup_printf (_("“%s” is not a time of day: write each as HH:MM (00:00 to 23:59), separated by commas"),
                                      part);
          return NULL;
        }
      g_strv_builder_add (builder, part);
    }
  return g_strv_builder_end (builder);
}

void
sy_mapping_editor_automation_changed_cb (SyMappingEditor *self)
{
  g_auto(GStrv) times = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  gboolean every = gtk_switch_get_active (self->every_switch);

  gtk_widget_set_sensitive (GTK_WIDGET (self->every_spin), every);
  if (self->updating || self->mapping == NULL)
    return;

  times = parse_times (gtk_editable_get_text (GTK_EDITABLE (self->at_row)), &message);
  gtk_widget_set_visible (GTK_WIDGET (self->at_error_row), times == NULL);
  if (times == NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->at_error_row), message);
      gtk_widget_add_css_class (GTK_WIDGET (self->at_row), "error");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->at_row), "error");

  if (!sy_mapping_set_automation (self->mapping,
                                  every ? (guint) gtk_spin_button_get_value_as_int (self->every_spin) : 0,
                                  times[0] != NULL ? (const char * const *) times : NULL,
                                  gtk_switch_get_active (self->on_changes_switch),
                                  &error))
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->at_error_row), error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->at_error_row), TRUE);
      return;
    }
  sy_mapping_editor_update_dirty (self);
}

void
sy_mapping_editor_show_automation (SyMappingEditor *self)
{
  guint every = sy_mapping_get_every_minutes (self->mapping);
  g_autofree char *times = g_strjoinv (", ", (char **) sy_mapping_get_at_times (self->mapping));

  self->updating = TRUE;
  gtk_switch_set_active (self->every_switch, every > 0);
  gtk_spin_button_set_value (self->every_spin, every > 0 ? every : 60);
  gtk_widget_set_sensitive (GTK_WIDGET (self->every_spin), every > 0);
  gtk_editable_set_text (GTK_EDITABLE (self->at_row), times);
  gtk_switch_set_active (self->on_changes_switch, sy_mapping_get_on_changes (self->mapping));
  gtk_widget_set_visible (GTK_WIDGET (self->at_error_row), FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->at_row), "error");
  self->updating = FALSE;
}
