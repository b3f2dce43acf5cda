/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-application.h"
#include "sy-demo.h"
#include "sy-preferences-window.h"
#include "sy-signature-checker.h"

G_BEGIN_DECLS

/* The running demo, or NULL. */
SyDemo            *sy_application_get_demo             (SyApplication *self);
/* The application's preferences, or NULL when the schema is not installed
 * (app.preferences is disabled then). */
GSettings         *sy_application_get_settings         (SyApplication *self);
/* Presents the preferences window (app.preferences, Ctrl+,) and returns
 * it, or NULL without settings. */
SyPreferencesWindow *sy_application_show_preferences   (SyApplication *self);
/* Presents "Check a Signature…" (app.check-signature, Shift+Ctrl+K) and
 * returns it. */
SySignatureChecker *sy_application_show_signature_checker (SyApplication *self);

/* Loads the mappings of mappings/ again into a new automation, once the
 * current one stopped (after its batches in flight); the mapping editor
 * calls it after saving. */
void               sy_application_reload_automation    (SyApplication *self);

G_END_DECLS
