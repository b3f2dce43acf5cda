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

SyMapping        *sy_mapping_editor_get_mapping       (SyMappingEditor   *self);
/* The file the mapping was loaded from or last saved to, or NULL. */
GFile            *sy_mapping_editor_get_file          (SyMappingEditor   *self);
const char       *sy_mapping_editor_get_mappings_dir  (SyMappingEditor   *self);
gboolean          sy_mapping_editor_has_unsaved_changes (SyMappingEditor *self);
/* Shows mapping (loaded from file, or new when file is NULL) at once,
 * without asking about unsaved changes. */
void              sy_mapping_editor_set_mapping       (SyMappingEditor   *self,
                                                       SyMapping         *mapping,
                                                       GFile             *file);
/* Asks about unsaved changes, then loads the file; an error is shown with
 * its line and reason, and the current mapping stays. */
void              sy_mapping_editor_open_file         (SyMappingEditor   *self,
                                                       GFile             *file);
/* What Import and Export do once their file chooser has answered. Import
 * checks the file, copies it into the mappings folder (under a free name)
 * and opens the copy, after asking about unsaved changes; Export writes the
 * mapping as it stands to file. */
void              sy_mapping_editor_import_file       (SyMappingEditor   *self,
                                                       GFile             *file);
void              sy_mapping_editor_export_file       (SyMappingEditor   *self,
                                                       GFile             *file);
/* Asks about unsaved changes (Save / Discard / Cancel) when there are any,
 * then calls callback with TRUE if the caller may go ahead. */
void              sy_mapping_editor_confirm_close     (SyMappingEditor   *self,
                                                       void             (*callback) (SyMappingEditor *editor,
                                                                                     gboolean         proceed,
                                                                                     gpointer         user_data),
                                                       gpointer           user_data);

SyMappingPreview *sy_mapping_editor_get_preview       (SyMappingEditor   *self);
AdwComboRow      *sy_mapping_editor_get_connection_row (SyMappingEditor  *self,
                                                        gboolean          target);
AdwComboRow      *sy_mapping_editor_get_entity_row    (SyMappingEditor   *self,
                                                       gboolean           target);
/* The rule rows in order (items of "each" rules after their parent). */
guint             sy_mapping_editor_get_n_rule_rows   (SyMappingEditor   *self);
SyMappingRuleRow *sy_mapping_editor_get_rule_row      (SyMappingEditor   *self,
                                                       guint              index);
/* The title of the last toast shown, or NULL. */
const char       *sy_mapping_editor_get_last_toast    (SyMappingEditor   *self);

/* Opens the application's mapping editor window (one per application),
 * or presents it when it is open. Closing it with unsaved changes asks. */
GtkWindow        *sy_mapping_editor_present_window    (GtkApplication    *application,
                                                       SyConnectionStore *connections,
                                                       SySecretStore     *secrets,
                                                       const char        *mappings_dir);
/* The same, on the application's configuration (<config-dir>/mappings),
 * connections and keyring: what win.show-mappings opens. */
GtkWindow        *sy_mapping_editor_present_for_application (SyApplication *application);
/* The editor inside a window made by sy_mapping_editor_present_window(). */
SyMappingEditor  *sy_mapping_editor_from_window       (GtkWindow         *window);

/* Copies the demo mapping (Mintsoft sales orders to NetSuite, from the
 * resource) into mappings_dir unless a file of that name is there already. */
gboolean          sy_mapping_editor_install_demo_mapping (const char     *mappings_dir,
                                                          GError        **error);
/* The same, into the application's <config-dir>/mappings. */
gboolean          sy_mapping_editor_install_demo_mapping_for (SyApplication *application,
                                                              GError       **error);

G_END_DECLS
