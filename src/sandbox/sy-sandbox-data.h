/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "sy-sandbox-entity.h"

G_BEGIN_DECLS

#define SY_TYPE_SANDBOX_DATA (sy_sandbox_data_get_type ())
G_DECLARE_FINAL_TYPE (SySandboxData, sy_sandbox_data, SY, SANDBOX_DATA, GObject)

/* The seeded store: the same seed gives byte-identical records. A share
 * invalid_rate of the WMS sales orders is made so that the ERP rejects them. */
SySandboxData   *sy_sandbox_data_new                        (guint          n_orders,
                                                             guint32        seed,
                                                             double         invalid_rate);
/* name is "domain/entity", e.g. "wms/sales-orders"; NULL if unknown. */
SySandboxEntity *sy_sandbox_data_lookup_entity              (SySandboxData *self,
                                                             const char    *name);
/* Entity names, sorted. */
const char * const *sy_sandbox_data_get_entity_names        (SySandboxData *self);
guint            sy_sandbox_data_get_invalid_source_records (SySandboxData *self);

/* Writes: on a validation failure these return NULL and set *field_errors
 * to {"field": ["message", ...]} (Laravel's 422 shape). */
const SySandboxRecord *sy_sandbox_data_create               (SySandboxData   *self,
                                                             SySandboxEntity *entity,
                                                             JsonObject      *object,
                                                             JsonObject     **field_errors);
/* Merges object's fields into the record. NULL with *field_errors NULL
 * when there is no such record. */
const SySandboxRecord *sy_sandbox_data_update               (SySandboxData   *self,
                                                             SySandboxEntity *entity,
                                                             const char      *key,
                                                             JsonObject      *object,
                                                             JsonObject     **field_errors);

/* Changes count records of entity (spread evenly over it) as an edit in
 * the source system would: a harmless field (the shipment addressee of
 * an order, else "notes") and updatedAt, set to now or, for records
 * touched within the same second, one second later than the last one
 * touched, so that every touched record has an updatedAt of its own that
 * is later than any before. The records touched (const SySandboxRecord *),
 * in entity order. count must be at most the number of records. */
GPtrArray             *sy_sandbox_data_touch                (SySandboxData   *self,
                                                             SySandboxEntity *entity,
                                                             guint            count);

G_END_DECLS
