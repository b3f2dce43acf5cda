/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SY_TYPE_PREFERENCES_WINDOW (sy_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (SyPreferencesWindow, sy_preferences_window, SY, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* The preferences (app.preferences): sync defaults, notifications and the
 * default API address, each bound to its key in settings, so that a change
 * applies at once, here and in switchyard-cli. */
SyPreferencesWindow *sy_preferences_window_new               (GtkWindow           *parent,
                                                              GSettings           *settings);

G_END_DECLS
