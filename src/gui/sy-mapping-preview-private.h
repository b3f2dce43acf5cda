/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-mapping-preview.h"

G_BEGIN_DECLS

/* The samples fetched (a JsonArray of objects), or NULL. */
JsonArray         *sy_mapping_preview_get_samples      (SyMappingPreview  *self);
/* "empty", "loading", "error" or "samples". */
const char        *sy_mapping_preview_get_state        (SyMappingPreview  *self);
/* How many times the mapping was applied to the samples (tests wait on it). */
guint              sy_mapping_preview_get_n_applied    (SyMappingPreview  *self);
/* Every problem of the last application, as "field: message" lines. */
char              *sy_mapping_preview_dump_problems    (SyMappingPreview  *self);
/* The coverage summary shown, or NULL. */
const char        *sy_mapping_preview_get_coverage_text (SyMappingPreview *self);

G_END_DECLS
