/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-field-chooser.h"

G_BEGIN_DECLS

/* The chooser's parts and what its controls do. */

/* The list the popup shows, after filtering (for tests). */
GListModel  *sy_field_chooser_get_filtered  (SyFieldChooser *self);
/* The popup's search entry (for tests). */
GtkEditable *sy_field_chooser_get_search_entry (SyFieldChooser *self);
/* Picks the filtered list's item at position, as Enter on it does. */
void         sy_field_chooser_pick          (SyFieldChooser *self,
                                             guint           position);
void         sy_field_chooser_popdown       (SyFieldChooser *self);
void         sy_field_chooser_popup         (SyFieldChooser *self);

G_END_DECLS
