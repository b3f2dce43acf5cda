/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-api-client.h"
#include "sy-record.h"

G_BEGIN_DECLS

#define SY_TYPE_RECORD_MODEL (sy_record_model_get_type ())
G_DECLARE_FINAL_TYPE (SyRecordModel, sy_record_model, SY, RECORD_MODEL, GObject)

/* A GListModel of SyRecord for one entity that grows a page at a time, on
 * request (a browser asks for the next page as the user scrolls). It keeps
 * every record it loaded; the SyPageIterator underneath holds one page.
 *
 * Properties: "client", "entity", "per-page" (construct-only), "loading",
 * "has-more", "n-items", "total" (meta.total or -1), "error" (the last
 * failure as a GError; NULL again once another page is requested) and
 * "columns" (a GStrv, NULL until the first page with records).
 * items-changed is emitted once per page, before "loading" turns FALSE. */
SyRecordModel      *sy_record_model_new          (SyApiClient    *client,
                                                  const char     *entity,
                                                  guint           per_page);

SyApiClient        *sy_record_model_get_client   (SyRecordModel  *self);
const char         *sy_record_model_get_entity   (SyRecordModel  *self);
gboolean            sy_record_model_get_loading  (SyRecordModel  *self);
gboolean            sy_record_model_get_has_more (SyRecordModel  *self);
gint64              sy_record_model_get_total    (SyRecordModel  *self);
const GError       *sy_record_model_get_error    (SyRecordModel  *self);
/* Columns proposed from the first page: see sy_record_model_propose_columns(). */
const char * const *sy_record_model_get_columns  (SyRecordModel  *self);

/* Narrows and orders what the server sends: filter[field:op]=value (op
 * NULL for equality; "contains" for a search) and sort[field]. Only
 * before the first load_more(): a model lists one query; another query is
 * another model. */
void                sy_record_model_add_filter   (SyRecordModel  *self,
                                                  const char     *field,
                                                  const char     *op,
                                                  const char     *value);
void                sy_record_model_set_sort     (SyRecordModel  *self,
                                                  const char     *field,
                                                  gboolean        descending);

/* Starts fetching the next page unless one is in flight, none is left, or
 * the model was cancelled for good (dispose). Never blocks. After an
 * error, calling it again retries. */
void                sy_record_model_load_more    (SyRecordModel  *self);
/* Stops waiting for the page in flight, if any: "loading" turns FALSE at
 * once and nothing is added. The request itself is left to finish and
 * its page kept for the next load_more(), so no record is ever skipped;
 * disposing the model aborts the request. */
void                sy_record_model_cancel       (SyRecordModel  *self);

/* Proposes table columns for these records: "key", "updatedAt", then up
 * to five useful top-level fields present in them (order number, code,
 * name, status, total, customer, ... then other short scalar fields), and
 * nested "lines" arrays. */
GStrv               sy_record_model_propose_columns (JsonArray   *records);

G_END_DECLS
