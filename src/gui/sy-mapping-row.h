/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-connection-store.h"
#include "sy-mapping-library-item.h"
#include "sy-state-store.h"

G_BEGIN_DECLS

/* A mapping in the sidebar: its title, what it moves where, how its last
 * run ended, and a warning when a connection it names does not exist. */
#define SY_TYPE_MAPPING_ROW (sy_mapping_row_get_type ())
G_DECLARE_FINAL_TYPE (SyMappingRow, sy_mapping_row, SY, MAPPING_ROW, GtkListBoxRow)

SyMappingRow         *sy_mapping_row_new           (SyMappingLibraryItem *item,
                                                    SyConnectionStore    *connections);
SyMappingLibraryItem *sy_mapping_row_get_item      (SyMappingRow         *self);
/* Reads the newest run of the mapping's source → target pair again. */
void                  sy_mapping_row_refresh_runs  (SyMappingRow         *self,
                                                    SyStateStore         *state);

G_END_DECLS
