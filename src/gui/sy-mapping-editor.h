/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-application.h"
#include "sy-connection-store.h"
#include "sy-mapping-preview.h"
#include "sy-mapping-rule-row.h"
#include "sy-mapping.h"
#include "sy-secret-store.h"

G_BEGIN_DECLS

#define SY_TYPE_MAPPING_EDITOR (sy_mapping_editor_get_type ())
G_DECLARE_FINAL_TYPE (SyMappingEditor, sy_mapping_editor, SY, MAPPING_EDITOR, AdwBin)

/* The mapping editor (issue 3): source and target connection and entity,
 * the match, a list of rules edited in place, and the live preview beside
 * them (stacked on narrow widths). Mappings live in mappings_dir as
 * <name>.json. Actions (editor.*) and their keys: save Ctrl+S, save-as
 * Shift+Ctrl+S, open Ctrl+O, open-file, new, duplicate, import, export,
 * add-rule Ctrl+N, switch-pane Ctrl+P, sync Shift+Ctrl+R (saves first).
 * Unsaved changes are never dropped without asking. */
SyMappingEditor  *sy_mapping_editor_new               (SyConnectionStore *connections,
                                                       SySecretStore     *secrets,
                                                       const char        *mappings_dir);

/* Asks about unsaved changes, then loads the file; an error is shown with
 * its line and reason, and the current mapping stays. */
void              sy_mapping_editor_open_file         (SyMappingEditor   *self,
                                                       GFile             *file);

/* Opens the application's mapping editor window (one per application) on
 * its configuration (<config-dir>/mappings), connections and keyring, or
 * presents it when it is open: what win.show-mappings opens. Closing it
 * with unsaved changes asks. */
/* Makes the editor one view of a page: its header carries the page's view
 * switcher (views) and back_button (shown when the window is folded); the
 * header's list of saved mappings goes, as the page's sidebar lists them.
 * Returns the header's switcher. */
AdwViewSwitcherTitle *sy_mapping_editor_embed         (SyMappingEditor   *self,
                                                       AdwViewStack      *views,
                                                       GtkWidget         *back_button);
GtkWindow        *sy_mapping_editor_present_for_application (SyApplication *application);
/* The editor inside the mapping editor's window. */
SyMappingEditor  *sy_mapping_editor_from_window       (GtkWindow         *window);

/* Copies the demo mapping (Mintsoft sales orders to NetSuite, from the
 * resource) into the application's <config-dir>/mappings unless a file of
 * that name is there already. */
gboolean          sy_mapping_editor_install_demo_mapping_for (SyApplication *application,
                                                              GError       **error);

G_END_DECLS
