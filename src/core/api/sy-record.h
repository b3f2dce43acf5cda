/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SY_TYPE_RECORD (sy_record_get_type ())
G_DECLARE_FINAL_TYPE (SyRecord, sy_record, SY, RECORD, GObject)

/* One record of an entity as the server sent it, so that list models and
 * widgets can hold records as GObjects. The JsonObject is shared, never
 * copied: treat it as read-only. Properties: "object" (construct-only),
 * "key". */
SyRecord    *sy_record_new              (JsonObject  *object);

JsonObject  *sy_record_get_object       (SyRecord    *self);
/* The record's "key" as text (keys may be numbers), or NULL. */
const char  *sy_record_get_key          (SyRecord    *self);
/* The top-level field as one line of text for a table cell: strings as
 * they are (timestamps in local time), numbers, Yes/No, arrays as a count
 * ("3 lines"), objects as their first few values. "" when the field is
 * absent or null. */
char        *sy_record_get_display_text (SyRecord    *self,
                                         const char  *field);

/* A column title for a field name: "orderNumber" → "Order Number". */
char        *sy_record_get_field_title  (const char  *field);

/* The display text of a JSON value, as sy_record_get_display_text() gives
 * it; field only chooses the words for arrays ("3 lines"). */
char        *sy_record_describe_value   (const char  *field,
                                         JsonNode    *value);

G_END_DECLS
