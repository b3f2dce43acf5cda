/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-preferences-window.h"

G_BEGIN_DECLS

/* The window's controls and the error it shows. */

/* Why the typed default address was not taken, while that is shown; else
 * NULL. */
const char          *sy_preferences_window_get_base_url_error (SyPreferencesWindow *self);
/* The widget that edits a key: a GtkSpinButton, a GtkSwitch, or the
 * AdwEntryRow of "default-base-url"; NULL for a key the window does not
 * show. */
GtkWidget           *sy_preferences_window_get_control       (SyPreferencesWindow *self,
                                                              const char          *key);

G_END_DECLS
