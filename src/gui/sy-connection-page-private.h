/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-connection-page.h"
#include "sy-record-browser.h"

G_BEGIN_DECLS

SyRecordBrowser *sy_connection_page_get_record_browser (SyConnectionPage *self);
/* Whether the record browser has a client (the token was found). */
gboolean         sy_connection_page_get_has_client     (SyConnectionPage *self);

G_END_DECLS
