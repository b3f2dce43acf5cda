/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The focus vfunc of the main window's sidebar rows. GTK selects a list
 * row that Tab moves onto; in the sidebar a selection changes the content
 * pane, so Tab would swap the page away under a keyboard user passing by.
 * Here Tab only focuses a row; the arrows, Enter, Space and a click select
 * it, as before. */
gboolean sy_sidebar_row_focus (GtkWidget        *row,
                               GtkDirectionType  direction);

G_END_DECLS
