/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One mapping file of the library, as the sidebar lists it: its title and
 * the endpoints it names, read from the file (not a live SyMapping: the
 * editor owns that). A file that does not load keeps its item, with the
 * reason in "load-error", so a broken file is seen, not hidden. */
#define SY_TYPE_MAPPING_LIBRARY_ITEM (sy_mapping_library_item_get_type ())
G_DECLARE_FINAL_TYPE (SyMappingLibraryItem, sy_mapping_library_item, SY, MAPPING_LIBRARY_ITEM, GObject)

GFile      *sy_mapping_library_item_get_file              (SyMappingLibraryItem *self);
const char *sy_mapping_library_item_get_path              (SyMappingLibraryItem *self);
const char *sy_mapping_library_item_get_title             (SyMappingLibraryItem *self);
const char *sy_mapping_library_item_get_source_connection (SyMappingLibraryItem *self);
const char *sy_mapping_library_item_get_source_entity     (SyMappingLibraryItem *self);
const char *sy_mapping_library_item_get_target_connection (SyMappingLibraryItem *self);
const char *sy_mapping_library_item_get_target_entity     (SyMappingLibraryItem *self);
const char *sy_mapping_library_item_get_load_error        (SyMappingLibraryItem *self);

G_END_DECLS
