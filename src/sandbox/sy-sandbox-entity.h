/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One record of an entity. The JSON object is the record as the API shows
 * it; the times are kept parsed beside it so that filters and sorts on
 * createdAt/updatedAt need not parse a date per record per request. */
typedef struct
{
  char *key;
  JsonObject *object;
  gint64 created_at;   /* Unix seconds, UTC */
  gint64 updated_at;
  char *json;          /* cached serialization, NULL until asked for */
  gsize json_length;
} SySandboxRecord;

#define SY_TYPE_SANDBOX_ENTITY (sy_sandbox_entity_get_type ())
G_DECLARE_FINAL_TYPE (SySandboxEntity, sy_sandbox_entity, SY, SANDBOX_ENTITY, GObject)

/* name is "domain/entity", e.g. "erp/sales-orders". Keys are made of
 * key_prefix and a counter, so that key order is creation order. */
SySandboxEntity       *sy_sandbox_entity_new            (const char      *name,
                                                         const char      *key_prefix,
                                                         gboolean         writable);
const char            *sy_sandbox_entity_get_name       (SySandboxEntity *self);
gboolean               sy_sandbox_entity_is_writable    (SySandboxEntity *self);
guint                  sy_sandbox_entity_get_n_records  (SySandboxEntity *self);
/* In creation (and key) order. */
const SySandboxRecord *sy_sandbox_entity_get_record     (SySandboxEntity *self,
                                                         guint            position);
const SySandboxRecord *sy_sandbox_entity_lookup         (SySandboxEntity *self,
                                                         const char      *key);
/* A key no record has yet; the next one sy_sandbox_entity_insert() uses. */
char                  *sy_sandbox_entity_make_key       (SySandboxEntity *self);

/* Takes the object's fields; sets key (made here unless key is given),
 * createdAt and updatedAt in it. */
const SySandboxRecord *sy_sandbox_entity_insert         (SySandboxEntity *self,
                                                         const char      *key,
                                                         JsonObject      *object,
                                                         gint64           created_at,
                                                         gint64           updated_at);
/* Replaces the fields of an existing record (key and createdAt stay). */
const SySandboxRecord *sy_sandbox_entity_replace        (SySandboxEntity *self,
                                                         const char      *key,
                                                         JsonObject      *object,
                                                         gint64           updated_at);

/* A caller-computed ordering of all records (const SySandboxRecord *),
 * remembered under order_key until the next insert or replace: list
 * requests page through the same sorted view, and sorting every record
 * again for each page made a full read O(n² log n). NULL if none is
 * remembered for order_key. */
GPtrArray             *sy_sandbox_entity_get_cached_order (SySandboxEntity *self,
                                                           const char      *order_key);
void                   sy_sandbox_entity_set_cached_order (SySandboxEntity *self,
                                                           const char      *order_key,
                                                           GPtrArray       *order);

/* The record's JSON text, cached until the record changes. */
const char            *sy_sandbox_record_to_json        (const SySandboxRecord *record,
                                                         gsize                 *length);

char                  *sy_sandbox_format_time           (gint64           unix_seconds);

G_END_DECLS
