/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-mapping-library-item.h"

G_BEGIN_DECLS

/* The mappings folder as a list model of SyMappingLibraryItem, sorted by
 * title: read in a thread, and read again when the folder changes (a file
 * monitor), so the sidebar, the removal dialog and the tests all see the
 * same listing. Items keep their identity across reloads (same path, same
 * object; their properties are updated), so a selected row stays selected. */
#define SY_TYPE_MAPPING_LIBRARY (sy_mapping_library_get_type ())
G_DECLARE_FINAL_TYPE (SyMappingLibrary, sy_mapping_library, SY, MAPPING_LIBRARY, GObject)

SyMappingLibrary     *sy_mapping_library_new                (const char       *mappings_dir);
const char           *sy_mapping_library_get_directory      (SyMappingLibrary *self);
/* Reads the folder again now (after a save, a delete), and calls back
 * when the list reflects it. */
void                  sy_mapping_library_reload_async       (SyMappingLibrary    *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gboolean              sy_mapping_library_reload_finish      (SyMappingLibrary    *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);
/* Whether the first reading has finished ("loaded" property). */
gboolean              sy_mapping_library_get_loaded         (SyMappingLibrary *self);
SyMappingLibraryItem *sy_mapping_library_find_by_file       (SyMappingLibrary *self,
                                                             GFile            *file);

G_END_DECLS
