/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SY_TYPE_CATALOGUE_FIELD (sy_catalogue_field_get_type ())
G_DECLARE_FINAL_TYPE (SyCatalogueField, sy_catalogue_field, SY, CATALOGUE_FIELD, GObject)

/* One field of a unified-model entity. Nested line items appear as their
 * own fields with a path such as "lines[].productKey". Properties: "path",
 * "type", "description", "writable", "required", "custom". */
SyCatalogueField *sy_catalogue_field_new             (const char       *path,
                                                      const char       *type,
                                                      const char       *description,
                                                      gboolean          writable,
                                                      gboolean          required,
                                                      gboolean          custom);
const char       *sy_catalogue_field_get_path        (SyCatalogueField *self);
/* "string", "integer", "number", "boolean", "date", "date-time",
 * "object", "array", or "unknown" for discovered custom fields. */
const char       *sy_catalogue_field_get_field_type  (SyCatalogueField *self);
const char       *sy_catalogue_field_get_description (SyCatalogueField *self);
gboolean          sy_catalogue_field_get_writable    (SyCatalogueField *self);
/* Required when writing (create) to the target. */
gboolean          sy_catalogue_field_get_required    (SyCatalogueField *self);
/* Seen in sample records, absent from the catalogue. */
gboolean          sy_catalogue_field_get_custom      (SyCatalogueField *self);

G_END_DECLS
