/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-error.h"
#include "sy-webhook-receivers.h"
#include "sy-webhook-settings.h"

struct _SyWebhookReceivers
{
  GObject       parent_instance;

  SyStateStore *state;
  SyCatalogue  *catalogue;
  SyAutomation *automation;
  GHashTable   *receivers;   /* connection id → SyWebhookReceiver */
  GHashTable   *start_errors; /* connection id → GError of its last start */
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
  g_clear_pointer (&self->start_errors, g_hash_table_unref);
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
  self->start_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_error_free);
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
  g_autoptr(GError) listen_error = NULL;
  SyWebhookReceiver *kept;

  g_return_val_if_fail (SY_IS_WEBHOOK_RECEIVERS (self), NULL);
  g_return_val_if_fail (SY_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  id = g_strdup (sy_connection_get_id (connection));
  /* The old one first: a port given again is its port. */
  if (remove_receiver (self, id))
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, id);

  receiver = sy_webhook_receiver_new (connection, secret, self->state, self->catalogue);
  if (!sy_webhook_receiver_listen (receiver, address, port, &listen_error))
    {
      g_hash_table_insert (self->start_errors, g_strdup (id), g_error_copy (listen_error));
      g_propagate_error (error, g_steal_pointer (&listen_error));
      return NULL;
    }
  g_hash_table_remove (self->start_errors, id);
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
  g_hash_table_remove (self->start_errors, id);
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

const GError *
sy_webhook_receivers_get_start_error (SyWebhookReceivers *self,
                                      const char         *connection_id)
{
  g_return_val_if_fail (SY_IS_WEBHOOK_RECEIVERS (self), NULL);
  g_return_val_if_fail (connection_id != NULL, NULL);

  return g_hash_table_lookup (self->start_errors, connection_id);
}

typedef struct
{
  SySecretStore *secrets;
  guint          n_pending;
} StartEnabled;

static void
start_enabled_free (StartEnabled *data)
{
  g_clear_object (&data->secrets);
  g_free (data);
}

typedef struct
{
  GTask        *task;
  SyConnection *connection;
} StartOne;

static void
start_enabled_done_one (GTask *task)
{
  StartEnabled *data = g_task_get_task_data (task);

  if (--data->n_pending > 0)
    return;
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
}

/* Kept, logged (the reason never holds the secret) and told. */
static void
start_failed (SyWebhookReceivers *self,
              SyConnection       *connection,
              GError             *error)
{
  const char *id = sy_connection_get_id (connection);

  g_warning ("The webhook receiver of “%s” did not start: %s", sy_connection_get_name (connection), error->message);
  g_hash_table_insert (self->start_errors, g_strdup (id), g_error_copy (error));
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, id);
}

static void
start_enabled_secret_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  StartOne *one = user_data;
  g_autoptr(GTask) task = one->task;
  g_autoptr(SyConnection) connection = one->connection;
  SyWebhookReceivers *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  guint port = 0;
  char *secret;

  g_free (one);
  secret = sy_webhook_settings_lookup_secret_finish (SY_SECRET_STORE (source), result, &error);
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    ;
  /* Turned off, or removed, meanwhile; or started by hand. */
  else if (!sy_webhook_settings_get_receiver (connection, &address, &port) ||
           sy_webhook_receivers_lookup (self, sy_connection_get_id (connection)) != NULL)
    ;
  else if (secret == NULL)
    {
      g_autoptr(GError) missing = NULL;

      if (g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND))
        missing = g_error_new (SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND,
                               _("The keyring holds no webhook secret for “%s”"),
                               sy_connection_get_name (connection));
      start_failed (self, connection, missing != NULL ? missing : error);
    }
  else if (sy_webhook_receivers_start (self, connection, secret, address, port, &error) == NULL)
    start_failed (self, connection, error);

  g_clear_pointer (&secret, sy_secret_free);
  start_enabled_done_one (task);
}

void
sy_webhook_receivers_start_enabled_async (SyWebhookReceivers  *self,
                                          SyConnectionStore   *connections,
                                          SySecretStore       *secrets,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  StartEnabled *data;
  guint n;

  g_return_if_fail (SY_IS_WEBHOOK_RECEIVERS (self));
  g_return_if_fail (SY_IS_CONNECTION_STORE (connections));
  g_return_if_fail (SY_IS_SECRET_STORE (secrets));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_webhook_receivers_start_enabled_async);
  data = g_new0 (StartEnabled, 1);
  data->secrets = g_object_ref (secrets);
  data->n_pending = 1;
  g_task_set_task_data (task, data, (GDestroyNotify) start_enabled_free);

  n = g_list_model_get_n_items (G_LIST_MODEL (connections));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyConnection) connection = g_list_model_get_item (G_LIST_MODEL (connections), i);
      StartOne *one;

      if (!sy_webhook_settings_get_receiver (connection, NULL, NULL))
        continue;
      one = g_new0 (StartOne, 1);
      one->task = g_object_ref (task);
      one->connection = g_object_ref (connection);
      data->n_pending++;
      sy_webhook_settings_lookup_secret_async (secrets, connection, cancellable, start_enabled_secret_cb, one);
    }
  start_enabled_done_one (task);
}

gboolean
sy_webhook_receivers_start_enabled_finish (SyWebhookReceivers  *self,
                                           GAsyncResult        *result,
                                           GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
