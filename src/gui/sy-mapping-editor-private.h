/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-mapping-editor.h"

G_BEGIN_DECLS

/* The editor's state and entry points, for its parts and for tests; the
 * application goes through the editor.* actions. */

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
/* The rule rows in order (items of "each" rules after their parent). */
guint             sy_mapping_editor_get_n_rule_rows   (SyMappingEditor   *self);
SyMappingRuleRow *sy_mapping_editor_get_rule_row      (SyMappingEditor   *self,
                                                       guint              index);
/* The title of the last toast shown, or NULL. */
const char       *sy_mapping_editor_get_last_toast    (SyMappingEditor   *self);
/* sy_mapping_editor_present_for_application() on any configuration. */
GtkWindow        *sy_mapping_editor_present_window    (GtkApplication    *application,
                                                       SyConnectionStore *connections,
                                                       SySecretStore     *secrets,
                                                       const char        *mappings_dir);
/* sy_mapping_editor_install_demo_mapping_for() into any folder. */
gboolean          sy_mapping_editor_install_demo_mapping (const char     *mappings_dir,
                                                          GError        **error);

G_END_DECLS
