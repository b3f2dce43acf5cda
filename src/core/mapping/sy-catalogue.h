/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-catalogue-field.h"

G_BEGIN_DECLS

#define SY_TYPE_CATALOGUE (sy_catalogue_get_type ())
G_DECLARE_FINAL_TYPE (SyCatalogue, sy_catalogue, SY, CATALOGUE, GObject)

/* The unified model: for the WMS, ERP and EAM domains, their entities and
 * each entity's fields with types, writability and nested line items.
 * Generated from the public OpenAPI description by
 * build-aux/generate-catalogue.py into data/catalogue/, compiled into the
 * core library as a GResource. */

/* The built-in catalogue, loaded once (thread-safe), never NULL. */
SyCatalogue *sy_catalogue_get_default        (void);
SyCatalogue *sy_catalogue_new_from_data      (const char   *json,
                                              gsize         length,
                                              GError      **error);

/* Entities such as "wms/sales-orders", sorted; domain NULL = all. */
GStrv        sy_catalogue_list_entities      (SyCatalogue  *self,
                                              const char   *domain);
gboolean     sy_catalogue_has_entity         (SyCatalogue  *self,
                                              const char   *entity);
/* A GListModel of SyCatalogueField, sorted by path, or NULL for an unknown
 * entity. Transfer none: the model is built once per entity and lives as
 * long as the catalogue.
 *
 * Paths: nested objects are flattened with dots ("shipmentAddress.city");
 * an array is listed as "lines[]" (type "array") and the members of its
 * items as "lines[].productKey". That is the only form for members of
 * items ("lines.productKey" is unknown); sy_catalogue_lookup_field() also
 * finds an array by its plain name ("lines"), as a mapping rule names it. */
GListModel  *sy_catalogue_get_fields         (SyCatalogue  *self,
                                              const char   *entity);
/* path as in a mapping rule ("orderNumber", "shipmentAddress.city",
 * "lines[].productKey"); NULL when unknown. Transfer none. */
SyCatalogueField *sy_catalogue_lookup_field  (SyCatalogue  *self,
                                              const char   *entity,
                                              const char   *path);
/* The catalogue's fields plus every field found in the samples that the
 * catalogue lacks (custom fields, "custom" TRUE, type guessed from the
 * values), as a new GListModel of SyCatalogueField sorted by path. */
GListModel  *sy_catalogue_discover_fields    (SyCatalogue  *self,
                                              const char   *entity,
                                              JsonArray    *samples);
/* Target fields a create usually needs although the API marks none of
 * them required (e.g. erp/sales-orders: "orderNumber", "lines"), named as
 * a mapping rule's target: top level by plain name, array items as
 * "lines[].productKey". Empty (never NULL) for an unknown entity. */
GStrv        sy_catalogue_get_commonly_needed (SyCatalogue *self,
                                              const char   *entity);

G_END_DECLS
