/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-record-browser.h"

G_BEGIN_DECLS

/* What the browser has loaded, and loading more as scrolling to the end does. */

/* Whether a page is being fetched (the "loading" property). */
gboolean     sy_record_browser_get_loading (SyRecordBrowser *self);
/* Records loaded so far (for tests and the status line). */
guint        sy_record_browser_get_n_loaded (SyRecordBrowser *self);
/* Asks for the next page, as scrolling near the end does. */
void         sy_record_browser_load_more   (SyRecordBrowser *self);

G_END_DECLS
