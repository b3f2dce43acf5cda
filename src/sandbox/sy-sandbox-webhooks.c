/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "sy-file.h"
#include "sy-sandbox-webhooks.h"

/* Signed webhook deliveries, as an integration platform sends them: one
 * POST per record change, the makini signature of the raw body in
 * X-Signature, retried with backoff while the receiver fails or is down.
 * The signature is computed here with GHmac on purpose, apart from the
 * core's verifier, so that a test of one against the other means
 * something (docs/architecture.md, section 9). */

#define MAX_CONNECTIONS 8
/* Deliveries handed to libsoup at once; the others wait in our own queue,
 * since libsoup walks its whole queue on every step: with a thousand
 * deliveries queued there at once, a burst cost twice the CPU. */
#define MAX_IN_FLIGHT (2 * MAX_CONNECTIONS)
#define TIMEOUT_S 30

typedef enum
{
  FORGE_WRONG_SECRET,
  FORGE_BORROWED_SIGNATURE,  /* the genuine delivery's signature on another body */
  FORGE_TRUNCATED,
  FORGE_MISSING,
  N_FORGE_KINDS
} ForgeKind;

struct _SySandboxWebhooks
{
  GObject parent_instance;

  char *url;
  char *header;
  char *secret;
  double forge_rate;
  double repeat_rate;
  /* Which events are forged or repeated, and how: reproducible per seed.
   * Event ids are not: a receiver keeps the ids it has seen, and two runs
   * of the sandbox must not send the same id for different changes. */
  GRand *switch_rand;
  char *run_id;
  guint64 serial;

  SoupSession *session;
  GCancellable *cancellable;
  GHashTable *waiting;       /* Delivery → GSource of its next attempt */
  GQueue ready;              /* Delivery, due now, beyond MAX_IN_FLIGHT */
  guint n_in_flight;
  gboolean closed;

  guint64 events;
  guint64 forged;
  guint64 repeated;
  guint64 sent;
  guint64 retries;
  guint64 unanswered;
  guint64 delivered;
  guint64 rejected;
  guint64 failed;
  guint64 pending;
};

G_DEFINE_FINAL_TYPE (SySandboxWebhooks, sy_sandbox_webhooks, G_TYPE_OBJECT)

typedef struct
{
  SySandboxWebhooks *owner;
  GBytes *body;
  char *signature;           /* NULL: the header is left out */
  guint attempts;
  gboolean repeat;           /* send a copy once this one is done */
} Delivery;

static void
delivery_free (Delivery *delivery)
{
  g_object_unref (delivery->owner);
  g_bytes_unref (delivery->body);
  g_free (delivery->signature);
  g_free (delivery);
}

static Delivery *
delivery_new (SySandboxWebhooks *owner,
              GBytes            *body,
              const char        *signature,
              gboolean           repeat)
{
  Delivery *delivery = g_new0 (Delivery, 1);

  delivery->owner = g_object_ref (owner);
  delivery->body = g_bytes_ref (body);
  delivery->signature = g_strdup (signature);
  delivery->repeat = repeat;
  return delivery;
}

static void
destroy_source (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static void
clear_ready (SySandboxWebhooks *self)
{
  Delivery *delivery;

  while ((delivery = g_queue_pop_head (&self->ready)) != NULL)
    delivery_free (delivery);
}

static void
sy_sandbox_webhooks_dispose (GObject *object)
{
  SySandboxWebhooks *self = SY_SANDBOX_WEBHOOKS (object);

  g_clear_pointer (&self->waiting, g_hash_table_unref);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (sy_sandbox_webhooks_parent_class)->dispose (object);
}

static void
sy_sandbox_webhooks_finalize (GObject *object)
{
  SySandboxWebhooks *self = SY_SANDBOX_WEBHOOKS (object);

  g_free (self->url);
  g_free (self->header);
  if (self->secret != NULL)
    memset (self->secret, 0, strlen (self->secret));
  g_free (self->secret);
  g_free (self->run_id);
  g_rand_free (self->switch_rand);

  G_OBJECT_CLASS (sy_sandbox_webhooks_parent_class)->finalize (object);
}

static void
sy_sandbox_webhooks_class_init (SySandboxWebhooksClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_sandbox_webhooks_dispose;
  object_class->finalize = sy_sandbox_webhooks_finalize;
}

static void
sy_sandbox_webhooks_init (SySandboxWebhooks *self)
{
  /* A waiting delivery holds a reference to us, so the table is empty by
   * the time dispose runs, unless close() emptied it first. */
  self->waiting = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) delivery_free, destroy_source);
  self->cancellable = g_cancellable_new ();
}

char *
sy_sandbox_webhooks_read_secret (const char  *path,
                                 GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;

  if (!sy_file_load_regular (path, SY_FILE_MAX_KEY_SIZE, &contents, &length, &local_error))
    {
      g_set_error (error, G_FILE_ERROR, local_error->code,
                   _("cannot read the webhook secret from “%s”: %s"), path, local_error->message);
      return NULL;
    }
  if (memchr (contents, '\0', length) != NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("the webhook secret in “%s” contains a NUL byte"), path);
      return NULL;
    }

  /* Editors and `echo` end a file with a newline that is no part of the
   * secret. */
  if (length > 0 && contents[length - 1] == '\n')
    contents[--length] = '\0';
  if (length > 0 && contents[length - 1] == '\r')
    contents[--length] = '\0';

  if (length == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("the webhook secret file “%s” is empty"), path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

char *
sy_sandbox_webhooks_sign (const char   *secret,
                          const guint8 *body,
                          gsize         length)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  g_hmac_update (hmac, body, length);
  g_hmac_get_digest (hmac, digest, &digest_length);
  return g_base64_encode (digest, digest_length);
}

static char *
sign_bytes (const char *secret,
            GBytes     *body)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (body, &length);

  return sy_sandbox_webhooks_sign (secret, data, length);
}

SySandboxWebhooks *
sy_sandbox_webhooks_new (const char *url,
                         const char *header,
                         const char *secret,
                         double      forge_rate,
                         double      repeat_rate,
                         guint32     seed)
{
  SySandboxWebhooks *self;
  g_autoptr(GRand) id_rand = g_rand_new ();

  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (secret != NULL && *secret != '\0', NULL);

  self = g_object_new (SY_TYPE_SANDBOX_WEBHOOKS, NULL);
  self->url = g_strdup (url);
  self->header = g_strdup (header != NULL ? header : SY_SANDBOX_WEBHOOK_DEFAULT_HEADER);
  self->secret = g_strdup (secret);
  self->forge_rate = forge_rate;
  self->repeat_rate = repeat_rate;
  self->switch_rand = g_rand_new_with_seed (seed ^ 0x3eb4007u);
  self->run_id = g_strdup_printf ("%08x", g_rand_int (id_rand));
  /* No idle timeout: see sy_api_client_new() for the deliveries it loses. */
  self->session = soup_session_new_with_options ("timeout", TIMEOUT_S,
                                                 "idle-timeout", 0,
                                                 "max-conns-per-host", MAX_CONNECTIONS,
                                                 "user-agent", "switchyard-sandbox ",
                                                 NULL);
  return self;
}

static void send_attempt (Delivery *delivery);
static void start_attempt (Delivery *delivery);

static void
pump (SySandboxWebhooks *self)
{
  while (self->n_in_flight < MAX_IN_FLIGHT && !g_queue_is_empty (&self->ready))
    start_attempt (g_queue_pop_head (&self->ready));
}

static gboolean
on_retry_due (gpointer user_data)
{
  Delivery *delivery = user_data;
  SySandboxWebhooks *self = delivery->owner;

  /* The table's destroy functions would free the delivery and this
   * source: take both out of it first. */
  g_hash_table_steal (self->waiting, delivery);
  g_source_unref (g_main_current_source ());
  send_attempt (delivery);
  return G_SOURCE_REMOVE;
}

/* Done with a delivery, whatever the outcome: a repeated one now goes out
 * again, as when a sender never saw the first answer. */
static void
finish (Delivery *delivery)
{
  SySandboxWebhooks *self = delivery->owner;

  self->pending--;
  if (delivery->repeat && !self->closed)
    {
      Delivery *copy = delivery_new (self, delivery->body, delivery->signature, FALSE);

      self->repeated++;
      self->pending++;
      send_attempt (copy);
    }
  delivery_free (delivery);
}

static void
retry_later (Delivery    *delivery,
             SoupMessage *msg)
{
  SySandboxWebhooks *self = delivery->owner;
  const char *retry_after = NULL;
  guint64 delay_ms, asked_s = 0;
  GSource *source;

  if (delivery->attempts >= SY_SANDBOX_WEBHOOK_MAX_ATTEMPTS)
    {
      g_debug ("Webhook delivery given up after %u attempts", delivery->attempts);
      self->failed++;
      finish (delivery);
      return;
    }

  delay_ms = MIN ((guint64) SY_SANDBOX_WEBHOOK_FIRST_DELAY_MS << (delivery->attempts - 1),
                  SY_SANDBOX_WEBHOOK_MAX_DELAY_MS);
  /* A receiver that says how long to wait is heeded, within our cap. */
  if (msg != NULL)
    retry_after = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");
  if (retry_after != NULL &&
      g_ascii_string_to_unsigned (retry_after, 10, 0, SY_SANDBOX_WEBHOOK_MAX_DELAY_MS / 1000, &asked_s, NULL))
    delay_ms = MAX (delay_ms, asked_s * 1000);

  source = g_timeout_source_new ((guint) delay_ms);
  g_source_set_callback (source, on_retry_due, delivery, NULL);
  g_source_attach (source, NULL);
  g_hash_table_insert (self->waiting, delivery, source);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Delivery *delivery = user_data;
  SySandboxWebhooks *self = delivery->owner;
  SoupSession *session = SOUP_SESSION (source);
  SoupMessage *msg = soup_session_get_async_result_message (session, result);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  answer = soup_session_send_and_read_finish (session, result, &error);
  self->n_in_flight--;

  if (self->closed)
    {
      delivery_free (delivery);
      return;
    }
  /* Another delivery takes this one's place before it is retried or
   * repeated, which queues it behind those already waiting. */
  pump (self);

  if (answer == NULL)
    {
      /* Refused, reset or timed out: the receiver is down or busy. */
      g_debug ("Webhook delivery unanswered: %s", error->message);
      self->unanswered++;
      retry_later (delivery, NULL);
      return;
    }

  status = soup_message_get_status (msg);
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      self->delivered++;
      finish (delivery);
    }
  else if (status == 429 || SOUP_STATUS_IS_SERVER_ERROR (status))
    retry_later (delivery, msg);
  else
    {
      g_debug ("Webhook delivery rejected with %u", status);
      self->rejected++;
      finish (delivery);
    }
}

/* libsoup writes a request's headers and its body apart; with Nagle's
 * algorithm the body then waits for the receiver's delayed ACK, 40 ms per
 * delivery, and a burst of a thousand changes took seconds on loopback. */
static void
on_network_event (SoupMessage        *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  gpointer            user_data)
{
  if (event == G_SOCKET_CLIENT_CONNECTED && G_IS_SOCKET_CONNECTION (connection))
    g_socket_set_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)),
                         IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

static void
send_attempt (Delivery *delivery)
{
  SySandboxWebhooks *self = delivery->owner;

  g_queue_push_tail (&self->ready, delivery);
  pump (self);
}

static void
start_attempt (Delivery *delivery)
{
  SySandboxWebhooks *self = delivery->owner;
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, self->url);

  if (msg == NULL)
    {
      /* main() checked the URL; nothing to retry if it was not one. */
      self->failed++;
      finish (delivery);
      return;
    }

  soup_message_set_request_body_from_bytes (msg, "application/json", delivery->body);
  g_signal_connect (msg, "network-event", G_CALLBACK (on_network_event), NULL);
  if (delivery->signature != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), self->header,
                                  delivery->signature);

  if (delivery->attempts > 0)
    self->retries++;
  delivery->attempts++;
  self->sent++;
  self->n_in_flight++;
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, self->cancellable,
                                    on_sent, delivery);
}

static GBytes *
event_body (SySandboxWebhooks *self,
            const char        *type,
            const char        *entity,
            const char        *key,
            gint64             occurred_at)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (occurred_at);
  g_autofree char *id = g_strdup_printf ("evt_%s_%06" G_GUINT64_FORMAT, self->run_id, ++self->serial);
  g_autofree char *when = g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
  gsize length = 0;
  char *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "entity");
  json_builder_add_string_value (builder, entity);
  json_builder_set_member_name (builder, "key");
  json_builder_add_string_value (builder, key);
  json_builder_set_member_name (builder, "occurred_at");
  json_builder_add_string_value (builder, when);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}

void
sy_sandbox_webhooks_record_changed (SySandboxWebhooks *self,
                                    const char        *type,
                                    const char        *entity,
                                    const char        *key,
                                    gint64             occurred_at)
{
  g_autoptr(GBytes) body = NULL;
  g_autofree char *signature = NULL;
  gboolean forge, repeat;
  ForgeKind forge_kind;

  g_return_if_fail (SY_IS_SANDBOX_WEBHOOKS (self));

  if (self->closed)
    return;

  /* All three are drawn for every event, so that which events are forged
   * or repeated depends on the seed and the order of changes only. */
  forge = g_rand_double (self->switch_rand) < self->forge_rate;
  repeat = g_rand_double (self->switch_rand) < self->repeat_rate;
  forge_kind = (ForgeKind) g_rand_int_range (self->switch_rand, 0, N_FORGE_KINDS);

  body = event_body (self, type, entity, key, occurred_at);
  signature = sign_bytes (self->secret, body);
  self->events++;
  self->pending++;
  send_attempt (delivery_new (self, body, signature, repeat));

  /* A forgery comes in addition to the genuine delivery, under an id of
   * its own: the genuine stream stays complete, so a receiver that rejects
   * every forgery still ends in step with the records. */
  if (forge)
    {
      g_autoptr(GBytes) forged_body = event_body (self, type, entity, key, occurred_at);
      g_autofree char *forged_signature = NULL;

      switch (forge_kind)
        {
        case FORGE_WRONG_SECRET:
          {
            g_autofree char *wrong = g_strconcat (self->secret, "-forged", NULL);
            forged_signature = sign_bytes (wrong, forged_body);
          }
          break;
        case FORGE_BORROWED_SIGNATURE:
          forged_signature = g_strdup (signature);
          break;
        case FORGE_TRUNCATED:
          forged_signature = sign_bytes (self->secret, forged_body);
          forged_signature[strlen (forged_signature) / 2] = '\0';
          break;
        case FORGE_MISSING:
        case N_FORGE_KINDS:
        default:
          break;
        }

      self->forged++;
      self->pending++;
      send_attempt (delivery_new (self, forged_body, forged_signature, FALSE));
    }
}

void
sy_sandbox_webhooks_add_stats (SySandboxWebhooks *self,
                               JsonObject        *stats)
{
  JsonObject *webhooks = json_object_new ();

  json_object_set_boolean_member (webhooks, "enabled", TRUE);
  json_object_set_int_member (webhooks, "events", self->events);
  json_object_set_int_member (webhooks, "forged", self->forged);
  json_object_set_int_member (webhooks, "repeated", self->repeated);
  json_object_set_int_member (webhooks, "sent", self->sent);
  json_object_set_int_member (webhooks, "retries", self->retries);
  json_object_set_int_member (webhooks, "unanswered", self->unanswered);
  json_object_set_int_member (webhooks, "delivered", self->delivered);
  json_object_set_int_member (webhooks, "rejected", self->rejected);
  json_object_set_int_member (webhooks, "failed", self->failed);
  json_object_set_int_member (webhooks, "pending", self->pending);
  json_object_set_object_member (stats, "webhooks", webhooks);
}

void
sy_sandbox_webhooks_close (SySandboxWebhooks *self)
{
  g_return_if_fail (SY_IS_SANDBOX_WEBHOOKS (self));

  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_hash_table_remove_all (self->waiting);
  clear_ready (self);
}

guint
sy_sandbox_webhooks_get_n_in_flight (SySandboxWebhooks *self)
{
  g_return_val_if_fail (SY_IS_SANDBOX_WEBHOOKS (self), 0);

  return self->n_in_flight;
}
