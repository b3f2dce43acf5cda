/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SY_TYPE_FIELD_CHOOSER (sy_field_chooser_get_type ())
G_DECLARE_FINAL_TYPE (SyFieldChooser, sy_field_chooser, SY, FIELD_CHOOSER, GtkWidget)

/* A field path typed freely or picked from a searchable list of catalogue
 * fields (a GListModel of SyCatalogueField): an entry and a drop-down
 * button. Alt+Down in the entry, or the button, opens the list; typing
 * there filters it, Down moves into it and Enter picks a field. Fields
 * nested below "prefix" (e.g. "lines[].") are offered without it; without
 * a prefix, nested fields are left out. Emits "changed" whenever the text
 * changes through the user (not through sy_field_chooser_set_text()). */
GtkWidget   *sy_field_chooser_new           (const char     *accessible_label);
void         sy_field_chooser_set_fields    (SyFieldChooser *self,
                                             GListModel     *fields);
void         sy_field_chooser_set_prefix    (SyFieldChooser *self,
                                             const char     *prefix);
const char  *sy_field_chooser_get_text      (SyFieldChooser *self);
void         sy_field_chooser_set_text      (SyFieldChooser *self,
                                             const char     *text);
GtkEditable *sy_field_chooser_get_entry     (SyFieldChooser *self);

G_END_DECLS
