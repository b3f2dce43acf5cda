/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sy-connection-store.h"
#include "sy-mapping.h"
#include "sy-secret-store.h"

G_BEGIN_DECLS

#define SY_TYPE_MAPPING_PREVIEW (sy_mapping_preview_get_type ())
G_DECLARE_FINAL_TYPE (SyMappingPreview, sy_mapping_preview, SY, MAPPING_PREVIEW, GtkWidget)

/* The live preview of a mapping: fetches a page of sample records from the
 * source connection (asynchronously, again whenever the source changes),
 * applies the mapping to each of them again on every "changed" (debounced)
 * and shows, per sample, the source record, the target payload and the
 * problems, with the coverage as a short summary above. */
GtkWidget         *sy_mapping_preview_new              (void);
void               sy_mapping_preview_set_stores       (SyMappingPreview  *self,
                                                        SyConnectionStore *connections,
                                                        SySecretStore     *secrets);
void               sy_mapping_preview_set_mapping      (SyMappingPreview  *self,
                                                        SyMapping         *mapping);
SyMapping         *sy_mapping_preview_get_mapping      (SyMappingPreview  *self);
void               sy_mapping_preview_set_sample_size  (SyMappingPreview  *self,
                                                        guint              n_samples);
/* Fetches the samples again. */
void               sy_mapping_preview_reload           (SyMappingPreview  *self);
/* The problems of the last application for a target field, whatever the
 * sample: field is "orderNumber" or, for an item of an array,
 * "lines.quantity" (indices left out). A sentence with how many samples
 * had it, or NULL when none did. */
char              *sy_mapping_preview_describe_problems (SyMappingPreview *self,
                                                         const char       *field);
/* Custom fields found in the samples join the source's catalogue fields. */
GListModel        *sy_mapping_preview_discover_fields  (SyMappingPreview  *self);

G_END_DECLS
