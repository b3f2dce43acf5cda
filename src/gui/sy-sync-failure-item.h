/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "sy-sync-types.h"

G_BEGIN_DECLS

#define SY_TYPE_SYNC_FAILURE_ITEM (sy_sync_failure_item_get_type ())
G_DECLARE_FINAL_TYPE (SySyncFailureItem, sy_sync_failure_item, SY, SYNC_FAILURE_ITEM, GObject)

/* One failed record of a sync run, as a list model item: what the failed
 * records list shows in its columns. */
SySyncFailureItem  *sy_sync_failure_item_new            (const SySyncResult *result);

const char         *sy_sync_failure_item_get_source_key (SySyncFailureItem  *self);
/* "422", or a dash when no answer came (network, mapping). */
char               *sy_sync_failure_item_dup_status_text (SySyncFailureItem *self);
/* The server's message followed by its field errors
 * ("The given data was invalid. customerKey: unknown customer"). */
const char         *sy_sync_failure_item_get_reason     (SySyncFailureItem  *self);
const char         *sy_sync_failure_item_get_request_id (SySyncFailureItem  *self);

G_END_DECLS
