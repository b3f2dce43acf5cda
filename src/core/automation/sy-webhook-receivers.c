/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-webhook-receivers.h"

struct _SyWebhookReceivers
{
  GObject       parent_instance;

  SyStateStore *state;
  SyCatalogue  *catalogue;
  SyAutomation *automation;
  GHashTable   *receivers;   /* connection id → SyWebhookReceiver */
  /* The row of the accepted event being answered: a receiver emits
   * "delivery" (which carries the stored event) right before
   * "event-accepted" (which does not), for the same event. */
  gint64        accepted_row;
};

G_DEFINE_FINAL_TYPE (SyWebhookReceivers, sy_webhook_receivers, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  SIGNAL_DELIVERY,
  SIGNAL_EVENT_ACCEPTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
sy_webhook_receivers_dispose (GObject *object)
{
  SyWebhookReceivers *self = SY_WEBHOOK_RECEIVERS (object);

  if (self->receivers != NULL)
    {
      GHashTableIter iter;
      gpointer receiver;

      g_hash_table_iter_init (&iter, self->receivers);
      while (g_hash_table_iter_next (&iter, NULL, &receiver))
        {
          g_signal_handlers_disconnect_by_data (receiver, self);
          sy_webhook_receiver_stop (receiver);
        }
      g_clear_pointer (&self->receivers, g_hash_table_unref);
    }
  g_clear_object (&self->automation);
  g_clear_object (&self->state);
  g_clear_object (&self->catalogue);

  G_OBJECT_CLASS (sy_webhook_receivers_parent_class)->dispose (object);
}

static void
sy_webhook_receivers_class_init (SyWebhookReceiversClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_webhook_receivers_dispose;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_DELIVERY] =
    g_signal_new ("delivery", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  SY_TYPE_WEBHOOK_RECEIVER, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_POINTER);
  signals[SIGNAL_EVENT_ACCEPTED] =
    g_signal_new ("event-accepted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
sy_webhook_receivers_init (SyWebhookReceivers *self)
{
  self->receivers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

SyWebhookReceivers *
sy_webhook_receivers_new (SyStateStore *state,
                          SyCatalogue  *catalogue)
{
  SyWebhookReceivers *self;

  g_return_val_if_fail (SY_IS_STATE_STORE (state), NULL);
  g_return_val_if_fail (SY_IS_CATALOGUE (catalogue), NULL);

  self = g_object_new (SY_TYPE_WEBHOOK_RECEIVERS, NULL);
  self->state = g_object_ref (state);
  self->catalogue = g_object_ref (catalogue);
  return self;
}

void
sy_webhook_receivers_set_automation (SyWebhookReceivers *self,
                                     SyAutomation       *automation)
{
  g_return_if_fail (SY_IS_WEBHOOK_RECEIVERS (self));
  g_return_if_fail (automation == NULL || SY_IS_AUTOMATION (automation));

  g_set_object (&self->automation, automation);
}

static void
on_event_accepted (SyWebhookReceiver  *receiver,
                   const char         *connection_name,
                   const char         *entity,
                   const char         *record_key,
                   SyWebhookReceivers *self)
{
  gint64 row = self->accepted_row;

  self->accepted_row = 0;
  /* With its row, the event is marked with the run it started. */
  if (self->automation != NULL)
    sy_automation_notify_event (self->automation, connection_name, entity, row);
  g_signal_emit (self, signals[SIGNAL_EVENT_ACCEPTED], 0, connection_name, entity, record_key);
}

static void
on_delivery (SyWebhookReceiver  *receiver,
             guint               status,
             const char         *verdict,
             gpointer            event,
             SyWebhookReceivers *self)
{
  const SyWebhookEvent *stored = event;

  self->accepted_row = stored != NULL && g_strcmp0 (verdict, SY_WEBHOOK_VERDICT_ACCEPTED) == 0 ? stored->id : 0;
  g_signal_emit (self, signals[SIGNAL_DELIVERY], 0, receiver, status, verdict, event);
}

/* Removes without emitting "changed"; whether it had one. Its handlers
 * stay: an event it was storing when it stopped is still answered, and
 * still passed on. */
static gboolean
remove_receiver (SyWebhookReceivers *self,
                 const char         *connection_id)
{
  SyWebhookReceiver *receiver = g_hash_table_lookup (self->receivers, connection_id);

  if (receiver == NULL)
    return FALSE;
  sy_webhook_receiver_stop (receiver);
  g_hash_table_remove (self->receivers, connection_id);
  return TRUE;
}

SyWebhookReceiver *
sy_webhook_receivers_start (SyWebhookReceivers  *self,
                            SyConnection        *connection,
                            const char          *secret,
                            const char          *address,
                            guint                port,
                            GError             **error)
{
  g_autoptr(SyWebhookReceiver) receiver = NULL;
  g_autofree char *id = NULL;
  SyWebhookReceiver *kept;

  g_return_val_if_fail (SY_IS_WEBHOOK_RECEIVERS (self), NULL);
  g_return_val_if_fail (SY_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  id = g_strdup (sy_connection_get_id (connection));
  /* The old one first: a port given again is its port. */
  if (remove_receiver (self, id))
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, id);

  receiver = sy_webhook_receiver_new (connection, secret, self->state, self->catalogue);
  if (!sy_webhook_receiver_listen (receiver, address, port, error))
    return NULL;
  /* Disconnected when self goes: a receiver stopped by then may still
   * finish storing an event. */
  g_signal_connect_object (receiver, "event-accepted", G_CALLBACK (on_event_accepted), self, 0);
  g_signal_connect_object (receiver, "delivery", G_CALLBACK (on_delivery), self, 0);
  kept = receiver;
  g_hash_table_insert (self->receivers, g_strdup (id), g_steal_pointer (&receiver));
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, id);
  return kept;
}

void
sy_webhook_receivers_stop (SyWebhookReceivers *self,
                           const char         *connection_id)
{
  g_autofree char *id = NULL;

  g_return_if_fail (SY_IS_WEBHOOK_RECEIVERS (self));
  g_return_if_fail (connection_id != NULL);

  id = g_strdup (connection_id);
  if (remove_receiver (self, id))
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, id);
}

void
sy_webhook_receivers_stop_all (SyWebhookReceivers *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer id;

  g_return_if_fail (SY_IS_WEBHOOK_RECEIVERS (self));

  /* Copies: stopping one removes its key. */
  g_hash_table_iter_init (&iter, self->receivers);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    g_ptr_array_add (ids, g_strdup (id));
  for (guint i = 0; i < ids->len; i++)
    sy_webhook_receivers_stop (self, g_ptr_array_index (ids, i));
}

void
sy_webhook_receivers_stop_removed (SyWebhookReceivers *self,
                                   SyConnectionStore  *connections)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer id;

  g_return_if_fail (SY_IS_WEBHOOK_RECEIVERS (self));
  g_return_if_fail (SY_IS_CONNECTION_STORE (connections));

  g_hash_table_iter_init (&iter, self->receivers);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    if (sy_connection_store_find_by_id (connections, id) == NULL)
      g_ptr_array_add (ids, g_strdup (id));
  for (guint i = 0; i < ids->len; i++)
    sy_webhook_receivers_stop (self, g_ptr_array_index (ids, i));
}

SyWebhookReceiver *
sy_webhook_receivers_lookup (SyWebhookReceivers *self,
                             const char         *connection_id)
{
  g_return_val_if_fail (SY_IS_WEBHOOK_RECEIVERS (self), NULL);
  g_return_val_if_fail (connection_id != NULL, NULL);

  return g_hash_table_lookup (self->receivers, connection_id);
}
