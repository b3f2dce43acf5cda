/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-api-client.h"

G_BEGIN_DECLS

#define SY_TYPE_RECORD_BROWSER (sy_record_browser_get_type ())
G_DECLARE_FINAL_TYPE (SyRecordBrowser, sy_record_browser, SY, RECORD_BROWSER, GtkWidget)

/* Browses the records of one connection: an entity picker and a
 * GtkColumnView whose pages are fetched as the user scrolls. */
GtkWidget   *sy_record_browser_new         (void);

/* Points the browser at a connection's client. domain ("wms", "erp",
 * "eam" or NULL for all) narrows the entities offered. Passing a NULL
 * client empties the browser. Cancels whatever was loading. */
void         sy_record_browser_set_client  (SyRecordBrowser *self,
                                            SyApiClient     *client,
                                            const char      *domain);
/* e.g. "wms/sales-orders"; reloads from the first page. */
void         sy_record_browser_set_entity  (SyRecordBrowser *self,
                                            const char      *entity);
const char  *sy_record_browser_get_entity  (SyRecordBrowser *self);

G_END_DECLS
