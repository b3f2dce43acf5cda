/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-secret-store.h"
#include "sy-webhook-receiver.h"
#include "sy-webhook-settings.h"
#include "sy-webhook-signature.h"

#define DELIVERY_KEY "sy-webhook-delivery"

struct _SyWebhookReceiver
{
  GObject          parent_instance;

  SyConnection    *connection;
  char            *secret;
  SyWebhookScheme  scheme;
  char            *header;
  SyStateStore    *state;
  SyCatalogue     *catalogue;
  gint64           tolerance_s;

  SoupServer      *server;
  char            *address;
  guint            port;
};

G_DEFINE_FINAL_TYPE (SyWebhookReceiver, sy_webhook_receiver, G_TYPE_OBJECT)

enum
{
  SIGNAL_EVENT_ACCEPTED,
  SIGNAL_DELIVERY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The body of one request as it arrives, kept by the receiver rather than
 * by libsoup so that a body over the cap is never held whole. */
typedef struct
{
  GByteArray *body;
  gboolean    too_large;
} Delivery;

static void
delivery_free (Delivery *delivery)
{
  g_byte_array_unref (delivery->body);
  g_free (delivery);
}

static void
sy_webhook_receiver_dispose (GObject *object)
{
  SyWebhookReceiver *self = SY_WEBHOOK_RECEIVER (object);

  sy_webhook_receiver_stop (self);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (sy_webhook_receiver_parent_class)->dispose (object);
}

static void
sy_webhook_receiver_finalize (GObject *object)
{
  SyWebhookReceiver *self = SY_WEBHOOK_RECEIVER (object);

  g_clear_object (&self->connection);
  g_clear_object (&self->state);
  g_clear_object (&self->catalogue);
  g_clear_pointer (&self->secret, sy_secret_free);
  g_free (self->header);
  g_free (self->address);

  G_OBJECT_CLASS (sy_webhook_receiver_parent_class)->finalize (object);
}

static void
sy_webhook_receiver_class_init (SyWebhookReceiverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_webhook_receiver_dispose;
  object_class->finalize = sy_webhook_receiver_finalize;

  signals[SIGNAL_EVENT_ACCEPTED] =
    g_signal_new ("event-accepted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_DELIVERY] =
    g_signal_new ("delivery", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_UINT, G_TYPE_STRING, G_TYPE_POINTER);
}

static void
sy_webhook_receiver_init (SyWebhookReceiver *self)
{
  self->tolerance_s = SY_WEBHOOK_RECEIVER_DEFAULT_TOLERANCE_S;
}

SyWebhookReceiver *
sy_webhook_receiver_new (SyConnection *connection,
                         const char   *secret,
                         SyStateStore *state,
                         SyCatalogue  *catalogue)
{
  SyWebhookReceiver *self;

  g_return_val_if_fail (SY_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (secret != NULL && *secret != '\0', NULL);
  g_return_val_if_fail (SY_IS_STATE_STORE (state), NULL);
  g_return_val_if_fail (SY_IS_CATALOGUE (catalogue), NULL);

  self = g_object_new (SY_TYPE_WEBHOOK_RECEIVER, NULL);
  self->connection = g_object_ref (connection);
  self->secret = g_strdup (secret);
  self->scheme = sy_webhook_settings_get_scheme (connection);
  self->header = g_strdup (sy_webhook_settings_get_header (connection));
  self->state = g_object_ref (state);
  self->catalogue = g_object_ref (catalogue);
  return self;
}

void
sy_webhook_receiver_set_tolerance (SyWebhookReceiver *self,
                                   gint64             tolerance_s)
{
  g_return_if_fail (SY_IS_WEBHOOK_RECEIVER (self));
  g_return_if_fail (tolerance_s > 0);

  self->tolerance_s = tolerance_s;
}

SyConnection *
sy_webhook_receiver_get_connection (SyWebhookReceiver *self)
{
  g_return_val_if_fail (SY_IS_WEBHOOK_RECEIVER (self), NULL);

  return self->connection;
}

/* --- answering ------------------------------------------------------- */

static void
answer_json (SoupServerMessage *msg,
             guint              status,
             const char        *member,
             JsonNode          *value)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, member);
  json_builder_add_value (builder, value);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text, strlen (text));
}

static void
answer_error (SoupServerMessage *msg,
              guint              status,
              const char        *reason)
{
  answer_json (msg, status, "error", json_node_init_string (json_node_alloc (), reason));
}

static void
log_rejection (SyWebhookReceiver    *self,
               guint                 status,
               const SyWebhookEvent *event)
{
  /* The reason, never the signature or the secret: a log is read by
   * people who must not be able to forge a delivery from it. */
  g_message ("Webhook delivery for “%s” refused (%u): %s%s%s",
             sy_connection_get_name (self->connection), status, event->reason,
             event->event_id != NULL ? "; event " : "",
             event->event_id != NULL ? event->event_id : "");
}

/* A refusal without storing: the body was never read (405, 413). */
static void
refuse_unread (SyWebhookReceiver *self,
               SoupServerMessage *msg,
               guint              status,
               const char        *reason)
{
  g_autoptr(SyWebhookEvent) event = sy_webhook_event_new ();

  event->connection_id = g_strdup (sy_connection_get_id (self->connection));
  event->verdict = g_strdup (SY_WEBHOOK_VERDICT_REJECTED);
  event->reason = g_strdup (reason);
  log_rejection (self, status, event);
  answer_error (msg, status, reason);
  g_signal_emit (self, signals[SIGNAL_DELIVERY], 0, status, SY_WEBHOOK_VERDICT_REJECTED, event);
}

typedef struct
{
  SyWebhookReceiver *self;
  SoupServerMessage *msg;
  SyWebhookEvent    *event;
  guint              status;   /* for a refusal; 0 for an accepted event */
} Pending;

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->self);
  g_object_unref (pending->msg);
  sy_webhook_event_free (pending->event);
  g_free (pending);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Pending *pending = user_data;
  SyWebhookReceiver *self = pending->self;
  SyWebhookEvent *event = pending->event;
  g_autoptr(GError) error = NULL;
  gboolean is_new = FALSE;
  gint64 row_id = 0;
  const char *verdict;
  guint status;

  if (!sy_state_store_add_webhook_event_finish (SY_STATE_STORE (source), result, &is_new, &row_id, &error))
    {
      /* Not stored, so not taken: the sender must try again later. */
      g_warning ("A webhook delivery for “%s” could not be stored: %s",
                 sy_connection_get_name (self->connection), error->message);
      answer_error (pending->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, _("The event could not be stored"));
      if (self->server != NULL)
        soup_server_message_unpause (pending->msg);
      pending_free (pending);
      return;
    }

  event->id = row_id;
  if (pending->status != 0)
    {
      status = pending->status;
      verdict = SY_WEBHOOK_VERDICT_REJECTED;
      answer_error (pending->msg, status, event->reason);
    }
  else if (is_new)
    {
      status = SOUP_STATUS_OK;
      verdict = SY_WEBHOOK_VERDICT_ACCEPTED;
      answer_json (pending->msg, status, "accepted", json_node_init_boolean (json_node_alloc (), TRUE));
    }
  else
    {
      /* 2xx so that the sender stops retrying; nothing is done twice. */
      status = SOUP_STATUS_OK;
      verdict = "duplicate";
      answer_json (pending->msg, status, "duplicate", json_node_init_boolean (json_node_alloc (), TRUE));
    }
  /* Stopping the receiver closed the sender's connection: the event is
   * kept all the same, and the sender's retry will be a duplicate. */
  if (self->server != NULL)
    soup_server_message_unpause (pending->msg);

  g_signal_emit (self, signals[SIGNAL_DELIVERY], 0, status, verdict, event);
  if (pending->status == 0 && is_new)
    g_signal_emit (self, signals[SIGNAL_EVENT_ACCEPTED], 0,
                   sy_connection_get_name (self->connection), event->entity, event->record_key);
  pending_free (pending);
}

/* Stores the event with its verdict, then answers: the answer promises
 * the sender that the event is kept. status 0 accepts it. */
static void
store_then_answer (SyWebhookReceiver *self,
                   SoupServerMessage *msg,
                   SyWebhookEvent    *event,
                   guint              status)
{
  Pending *pending = g_new0 (Pending, 1);

  g_free (event->verdict);
  event->verdict = g_strdup (status == 0 ? SY_WEBHOOK_VERDICT_ACCEPTED : SY_WEBHOOK_VERDICT_REJECTED);
  if (status != 0)
    log_rejection (self, status, event);

  pending->self = g_object_ref (self);
  pending->msg = g_object_ref (msg);
  pending->event = event;
  pending->status = status;
  soup_server_message_pause (msg);
  sy_state_store_add_webhook_event_async (self->state, event, NULL, stored_cb, pending);
}

/* --- reading a delivery ---------------------------------------------- */

static const char *
optional_string (JsonObject *object,
                 const char *member,
                 gboolean   *wrong_type)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      *wrong_type = TRUE;
      return NULL;
    }
  return json_node_get_string (node);
}

/* Fills the event from the verified body; returns the status of a
 * refusal with event->reason set, or 0. */
static guint
read_event (SyWebhookReceiver *self,
            GBytes            *body,
            SyWebhookEvent    *event)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (body, &length);
  JsonNode *root;
  JsonObject *object;
  gboolean wrong_type = FALSE;
  const char *event_id, *type, *entity, *key, *occurred_at;

  if (length == 0 || !g_utf8_validate (data, length, NULL) ||
      !json_parser_load_from_data (parser, data, length, &error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      event->reason = g_strdup (_("the body is not a JSON object"));
      return SOUP_STATUS_BAD_REQUEST;
    }
  object = json_node_get_object (root);

  event_id = optional_string (object, "id", &wrong_type);
  type = optional_string (object, "type", &wrong_type);
  entity = optional_string (object, "entity", &wrong_type);
  key = optional_string (object, "key", &wrong_type);
  occurred_at = optional_string (object, "occurred_at", &wrong_type);
  event->event_id = g_strdup (event_id != NULL && *event_id != '\0' ? event_id : NULL);
  event->event_type = g_strdup (type);
  event->entity = g_strdup (entity);
  event->record_key = g_strdup (key);

  if (wrong_type)
    {
      event->reason = g_strdup (_("id, type, entity, key and occurred_at must be strings"));
      return SOUP_STATUS_BAD_REQUEST;
    }
  if (entity == NULL || *entity == '\0' || key == NULL || *key == '\0')
    {
      event->reason = g_strdup (_("the event names no entity or no record key"));
      return SOUP_STATUS_BAD_REQUEST;
    }

  if (occurred_at != NULL)
    {
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
      g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (occurred_at, utc);
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;
      gint64 at;

      if (when == NULL)
        {
          event->reason = g_strdup (_("occurred_at is not an ISO 8601 time"));
          return SOUP_STATUS_BAD_REQUEST;
        }
      at = g_date_time_to_unix (when);
      /* A genuine delivery captured and sent again later: its signature
       * still matches, only its age gives it away. */
      if (at < now - self->tolerance_s || at > now + SY_WEBHOOK_RECEIVER_FUTURE_SKEW_S)
        {
          event->reason = g_strdup (_("replayed or stale: occurred_at is outside the accepted window"));
          return SOUP_STATUS_UNAUTHORIZED;
        }
    }

  if (!sy_catalogue_has_entity (self->catalogue, entity))
    {
      event->reason = g_strdup_printf (_("unknown entity “%s”"), entity);
      return SOUP_STATUS_UNPROCESSABLE_ENTITY;
    }

  return 0;
}

static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  SyWebhookReceiver *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  Delivery *delivery;

  if (g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_POST) != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "POST");
      refuse_unread (self, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, _("only POST delivers an event"));
      return;
    }

  /* Refused before a byte of the body is read. */
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > SY_WEBHOOK_MAX_BODY)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      refuse_unread (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, _("the body is larger than 1 MiB"));
      return;
    }

  delivery = g_new0 (Delivery, 1);
  delivery->body = g_byte_array_new ();
  g_object_set_data_full (G_OBJECT (msg), DELIVERY_KEY, delivery, (GDestroyNotify) delivery_free);
  /* A chunked body has no length up front: collect it here, up to the
   * cap, instead of letting libsoup hold all of it. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  Delivery *delivery = g_object_get_data (G_OBJECT (msg), DELIVERY_KEY);
  gsize length;
  const guint8 *data = g_bytes_get_data (chunk, &length);

  if (delivery == NULL || delivery->too_large)
    return;
  if (delivery->body->len + length > SY_WEBHOOK_MAX_BODY)
    {
      delivery->too_large = TRUE;
      g_byte_array_set_size (delivery->body, 0);
      return;
    }
  g_byte_array_append (delivery->body, data, length);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), NULL);
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  SyWebhookReceiver *self = user_data;
  Delivery *delivery = g_object_get_data (G_OBJECT (msg), DELIVERY_KEY);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(SyWebhookEvent) event = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  const char *signature;
  guint status;

  if (delivery == NULL)
    {
      /* Not a request the early handler let through. */
      answer_error (msg, SOUP_STATUS_BAD_REQUEST, _("unexpected request"));
      return;
    }
  if (delivery->too_large)
    {
      refuse_unread (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, _("the body is larger than 1 MiB"));
      return;
    }

  body = g_bytes_new (delivery->body->data, delivery->body->len);
  event = sy_webhook_event_new ();
  event->connection_id = g_strdup (sy_connection_get_id (self->connection));
  {
    /* What the signature covers: an apideck delivery re-spaced by a
     * replayer signs the same, so it must count as the same. */
    g_autoptr(GBytes) signed_body = sy_webhook_signed_bytes (self->scheme, body);

    event->body_hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, signed_body);
  }

  /* Verified before it is parsed: nothing a forger wrote is interpreted. */
  signature = soup_message_headers_get_one (headers, self->header);
  if (signature == NULL || *signature == '\0')
    {
      event->reason = g_strdup_printf (_("no signature: the %s header is missing"), self->header);
      store_then_answer (self, msg, g_steal_pointer (&event), SOUP_STATUS_UNAUTHORIZED);
      return;
    }
  if (!sy_webhook_verify (self->scheme, self->secret, body, signature, NULL,
                          g_get_real_time () / G_USEC_PER_SEC, 0, &error))
    {
      if (g_error_matches (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MISMATCH))
        event->reason = g_strdup (_("forged or altered: the signature does not match the body"));
      else
        event->reason = g_strdup_printf (_("the signature cannot be read: %s"), error->message);
      store_then_answer (self, msg, g_steal_pointer (&event), SOUP_STATUS_UNAUTHORIZED);
      return;
    }

  status = read_event (self, body, event);
  store_then_answer (self, msg, g_steal_pointer (&event), status);
}

/* --- listening ------------------------------------------------------- */

gboolean
sy_webhook_receiver_listen (SyWebhookReceiver  *self,
                            const char         *address,
                            guint               port,
                            GError            **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SoupServer) server = NULL;
  GSList *uris;

  g_return_val_if_fail (SY_IS_WEBHOOK_RECEIVER (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  if (address == NULL)
    address = "127.0.0.1";
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0"), address);
      return FALSE;
    }
  if (port > G_MAXUINT16)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%u is not a port number (1–65535, or 0 for a free one)"), port);
      return FALSE;
    }

  server = soup_server_new ("server-header", "switchyard-webhook", NULL);
  soup_server_add_early_handler (server, NULL, early_handler, self, NULL);
  soup_server_add_handler (server, NULL, handler, self, NULL);
  g_signal_connect (server, "request-started", G_CALLBACK (request_started_cb), self);

  socket_address = g_inet_socket_address_new (inet, port);
  if (!soup_server_listen (server, socket_address, 0, &local_error))
    {
      g_set_error (error, G_IO_ERROR,
                   local_error->domain == G_IO_ERROR ? local_error->code : G_IO_ERROR_FAILED,
                   _("Could not receive webhooks on %s port %u: %s"),
                   address, port, local_error->message);
      return FALSE;
    }

  uris = soup_server_get_uris (server);
  self->port = uris != NULL ? (guint) g_uri_get_port (uris->data) : port;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_free (self->address);
  self->address = g_strdup (address);
  self->server = g_steal_pointer (&server);
  return TRUE;
}

guint
sy_webhook_receiver_get_port (SyWebhookReceiver *self)
{
  g_return_val_if_fail (SY_IS_WEBHOOK_RECEIVER (self), 0);

  return self->server != NULL ? self->port : 0;
}

char *
sy_webhook_receiver_get_url (SyWebhookReceiver *self)
{
  g_return_val_if_fail (SY_IS_WEBHOOK_RECEIVER (self), NULL);

  if (self->server == NULL)
    return NULL;
  if (strchr (self->address, ':') != NULL)
    return g_strdup_printf ("http://[%s]:%u/", self->address, self->port);
  return g_strdup_printf ("http://%s:%u/", self->address, self->port);
}

void
sy_webhook_receiver_stop (SyWebhookReceiver *self)
{
  g_return_if_fail (SY_IS_WEBHOOK_RECEIVER (self));

  if (self->server == NULL)
    return;
  soup_server_disconnect (self->server);
  g_signal_handlers_disconnect_by_data (self->server, self);
  g_clear_object (&self->server);
}
