/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-state-store.h"

G_BEGIN_DECLS

/* The webhook deliveries a connection's receiver answered, with their
 * verdict (docs/architecture.md §2): one row per genuine first-seen event
 * ("accepted"), and one per delivery that was refused ("rejected", with
 * the reason). A repeat of an accepted event adds no row. */

#define SY_WEBHOOK_VERDICT_ACCEPTED "accepted"
#define SY_WEBHOOK_VERDICT_REJECTED "rejected"

typedef struct
{
  gint64  id;             /* the row; 0 before it is stored */
  char   *connection_id;
  char   *event_id;       /* the sender's id; NULL when it gave none or was not read */
  char   *body_hash;      /* lower-case hex SHA-256 of the raw body */
  char   *event_type;     /* "record.created", ... or NULL */
  char   *entity;         /* or NULL */
  char   *record_key;     /* or NULL */
  char   *verdict;        /* SY_WEBHOOK_VERDICT_* */
  char   *reason;         /* why it was rejected, or NULL */
  gint64  received_at;    /* Unix seconds */
  gint64  acted_at;       /* Unix seconds, 0 until something acted on it */
  char   *triggered;      /* what it started, e.g. "sync run 12", or NULL */
} SyWebhookEvent;

SyWebhookEvent *sy_webhook_event_new   (void);
SyWebhookEvent *sy_webhook_event_copy  (const SyWebhookEvent *event);
void            sy_webhook_event_free  (SyWebhookEvent       *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyWebhookEvent, sy_webhook_event_free)

/* Keeps an event; received_at 0 means now. An accepted event whose
 * event_id (or, without one, whose body_hash) the connection already has
 * accepted is a repeat: nothing is written and *is_new is FALSE. Rejected
 * events are always written (only the newest few hundred per connection
 * are kept, so that a flood of forgeries cannot fill the disk). *row_id is
 * the new row, or the accepted row a repeat repeats. */
void      sy_state_store_add_webhook_event_async     (SyStateStore          *self,
                                                      const SyWebhookEvent  *event,
                                                      GCancellable          *cancellable,
                                                      GAsyncReadyCallback    callback,
                                                      gpointer               user_data);
gboolean  sy_state_store_add_webhook_event_finish    (SyStateStore          *self,
                                                      GAsyncResult          *result,
                                                      gboolean              *is_new,
                                                      gint64                *row_id,
                                                      GError               **error);
gboolean  sy_state_store_add_webhook_event           (SyStateStore          *self,
                                                      const SyWebhookEvent  *event,
                                                      gboolean              *is_new,
                                                      gint64                *row_id,
                                                      GError               **error);

/* The connection's events, newest first; limit 0 for all. A GPtrArray of
 * SyWebhookEvent (free function set). */
void       sy_state_store_list_webhook_events_async  (SyStateStore          *self,
                                                      const char            *connection_id,
                                                      guint                  limit,
                                                      GCancellable          *cancellable,
                                                      GAsyncReadyCallback    callback,
                                                      gpointer               user_data);
GPtrArray *sy_state_store_list_webhook_events_finish (SyStateStore          *self,
                                                      GAsyncResult          *result,
                                                      GError               **error);
GPtrArray *sy_state_store_list_webhook_events        (SyStateStore          *self,
                                                      const char            *connection_id,
                                                      guint                  limit,
                                                      GError               **error);

/* The newest event of connection_id accepted for entity at or after
 * since (Unix seconds): *row_id is its row, 0 when there is none. */
void       sy_state_store_find_accepted_webhook_event_async  (SyStateStore        *self,
                                                              const char          *connection_id,
                                                              const char          *entity,
                                                              gint64               since,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean   sy_state_store_find_accepted_webhook_event_finish (SyStateStore        *self,
                                                              GAsyncResult        *result,
                                                              gint64              *row_id,
                                                              GError             **error);

/* Records what an accepted event started (acted_at = now). An unknown row
 * is G_IO_ERROR_NOT_FOUND. */
void      sy_state_store_mark_webhook_event_async    (SyStateStore          *self,
                                                      gint64                 row_id,
                                                      const char            *triggered,
                                                      GCancellable          *cancellable,
                                                      GAsyncReadyCallback    callback,
                                                      gpointer               user_data);
gboolean  sy_state_store_mark_webhook_event_finish   (SyStateStore          *self,
                                                      GAsyncResult          *result,
                                                      GError               **error);
gboolean  sy_state_store_mark_webhook_event          (SyStateStore          *self,
                                                      gint64                 row_id,
                                                      const char            *triggered,
                                                      GError               **error);

/* Forgets every event of a connection (when it is removed). */
gboolean  sy_state_store_delete_webhook_events       (SyStateStore          *self,
                                                      const char            *connection_id,
                                                      GError               **error);

G_END_DECLS
