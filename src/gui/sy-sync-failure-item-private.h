/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-sync-failure-item.h"

G_BEGIN_DECLS

/* The failed record an item stands for. */

const SySyncResult *sy_sync_failure_item_get_result     (SySyncFailureItem  *self);
guint               sy_sync_failure_item_get_status     (SySyncFailureItem  *self);

G_END_DECLS
