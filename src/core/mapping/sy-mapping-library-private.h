/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sy-mapping-library-item.h"

G_BEGIN_DECLS

/* What the library read of one file, handed from its thread to the main
 * context where the items live. */
typedef struct
{
  char *path;
  char *title;
  char *source_connection;
  char *source_entity;
  char *target_connection;
  char *target_entity;
  char *load_error;
} SyMappingLibraryEntry;

void                  sy_mapping_library_entry_free (SyMappingLibraryEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyMappingLibraryEntry, sy_mapping_library_entry_free)

SyMappingLibraryItem *sy_mapping_library_item_new    (const SyMappingLibraryEntry *entry);
/* Sets what changed and notifies only that. */
void                  sy_mapping_library_item_update (SyMappingLibraryItem        *self,
                                                      const SyMappingLibraryEntry *entry);

G_END_DECLS
