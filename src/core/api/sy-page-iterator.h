/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-api-client.h"

G_BEGIN_DECLS

#define SY_TYPE_PAGE_ITERATOR (sy_page_iterator_get_type ())
G_DECLARE_FINAL_TYPE (SyPageIterator, sy_page_iterator, SY, PAGE_ITERATOR, GObject)

/* Streams the records of one entity, a page at a time, so that no caller
 * ever holds more than one page. Follows meta.last_page, links.next or
 * next_cursor, whichever the server gives; without any of them it stops on
 * an empty or short page. It always terminates: a page or cursor that the
 * server repeats ends the iteration with SY_API_ERROR_INVALID_RESPONSE. */
SyPageIterator *sy_page_iterator_new           (SyApiClient         *client,
                                                const char          *entity,
                                                guint                per_page);

/* Adds filter[field]=value, or filter[field:op]=value when op is not NULL
 * (gt, gteq, lt, lted, contains, startsWith). Call before the first page. */
void            sy_page_iterator_add_filter    (SyPageIterator      *self,
                                                const char          *field,
                                                const char          *op,
                                                const char          *value);
/* Adds sort[field]=0 (ascending) or 1 (descending). */
void            sy_page_iterator_set_sort      (SyPageIterator      *self,
                                                const char          *field,
                                                gboolean             descending);

/* Finishes with the next page's records (a JsonArray of objects, possibly
 * empty), or NULL without an error once there are no more pages. */
void            sy_page_iterator_next_async    (SyPageIterator      *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
JsonArray      *sy_page_iterator_next_finish   (SyPageIterator      *self,
                                                GAsyncResult        *result,
                                                GError             **error);

gboolean        sy_page_iterator_is_done       (SyPageIterator      *self);
guint           sy_page_iterator_get_pages_read (SyPageIterator     *self);
/* meta.total when the server gave it, else -1. */
gint64          sy_page_iterator_get_total     (SyPageIterator      *self);

G_END_DECLS
