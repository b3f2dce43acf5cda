/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "sy-catalogue.h"
#include "sy-state-store-webhooks.h"
#include "sy-test-support.h"
#include "sy-webhook-receiver.h"
#include "sy-webhook-settings.h"
#include "sy-webhook-signature.h"

/* The receiver on a real loopback port, deliveries sent over HTTP by a
 * SoupSession and signed with sy_webhook_sign(), events in a real
 * state.db. */

#define SECRET "whsec-test-3f9a1c"

typedef struct
{
  char              *dir;
  SyStateStore      *state;
  SyConnection      *connection;
  SyWebhookReceiver *receiver;
  SoupSession       *session;
  char              *url;

  guint              accepted_signals;
  char              *last_connection;
  char              *last_entity;
  char              *last_key;
} Fixture;

static void
on_event_accepted (SyWebhookReceiver *receiver,
                   const char        *connection_name,
                   const char        *entity,
                   const char        *record_key,
                   Fixture           *fixture)
{
  fixture->accepted_signals++;
  g_free (fixture->last_connection);
  g_free (fixture->last_entity);
  g_free (fixture->last_key);
  fixture->last_connection = g_strdup (connection_name);
  fixture->last_entity = g_strdup (entity);
  fixture->last_key = g_strdup (record_key);
}

static void
start_receiver (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->receiver = sy_webhook_receiver_new (fixture->connection, SECRET, fixture->state,
                                               sy_catalogue_get_default ());
  g_signal_connect (fixture->receiver, "event-accepted", G_CALLBACK (on_event_accepted), fixture);
  g_assert_true (sy_webhook_receiver_listen (fixture->receiver, NULL, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sy_webhook_receiver_get_port (fixture->receiver), >, 0);
  fixture->url = sy_webhook_receiver_get_url (fixture->receiver);
  g_assert_true (g_str_has_prefix (fixture->url, "http://127.0.0.1:"));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *state_dir = NULL;
  g_autoptr(GError) error = NULL;

  fixture->dir = sy_test_make_tmpdir ("webhook-receiver");
  state_dir = g_build_filename (fixture->dir, "state", NULL);
  fixture->state = sy_state_store_open (state_dir, &error);
  g_assert_no_error (error);
  fixture->connection = sy_connection_new ("Warehouse", "http://127.0.0.1:9");
  fixture->session = soup_session_new ();
  if (data == NULL)
    start_receiver (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->receiver);
  g_clear_object (&fixture->connection);
  g_clear_object (&fixture->state);
  sy_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->url);
  g_free (fixture->last_connection);
  g_free (fixture->last_entity);
  g_free (fixture->last_key);
}

static char *
iso_time (gint64 offset_s)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) then = g_date_time_add_seconds (now, (gdouble) offset_s);

  return g_date_time_format (then, "%Y-%m-%dT%H:%M:%SZ");
}

/* A delivery body as the sandbox sends it. */
static GBytes *
make_body (const char *event_id,
           const char *entity,
           const char *key,
           gint64      age_s)
{
  g_autofree char *occurred_at = iso_time (-age_s);
  g_autofree char *text = g_strdup_printf ("{\"id\": \"%s\", \"type\": \"record.updated\", \"entity\": \"%s\", "
                                           "\"key\": \"%s\", \"occurred_at\": \"%s\"}",
                                           event_id, entity, key, occurred_at);
  gsize length = strlen (text);

  return g_bytes_new_take (g_steal_pointer (&text), length);
}

static char *
sign (GBytes *body)
{
  return sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, g_get_real_time () / G_USEC_PER_SEC);
}

typedef struct
{
  guint  status;
  char  *body;
} Answer;

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->body, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

static void
send_message (Fixture     *fixture,
              SoupMessage *message,
              Answer      *answer)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  soup_session_send_and_read_async (fixture->session, message, G_PRIORITY_DEFAULT, NULL,
                                    sy_test_store_result, &result);
  sy_test_await (&result);
  bytes = soup_session_send_and_read_finish (fixture->session, result, &error);
  g_assert_no_error (error);
  answer->status = soup_message_get_status (message);
  answer->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* POSTs body with signature in header (none when signature is NULL). */
static void
post (Fixture    *fixture,
      GBytes     *body,
      const char *header,
      const char *signature,
      Answer     *answer)
{
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_POST, fixture->url);

  soup_message_set_request_body_from_bytes (message, "application/json", body);
  if (signature != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (message), header, signature);
  send_message (fixture, message, answer);
}

static void
post_signed (Fixture *fixture,
             GBytes  *body,
             Answer  *answer)
{
  g_autofree char *signature = sign (body);

  post (fixture, body, "X-Signature", signature, answer);
}

static GPtrArray *
list_events (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events;

  events = sy_state_store_list_webhook_events (fixture->state, sy_connection_get_id (fixture->connection),
                                               0, &error);
  g_assert_no_error (error);
  return events;
}

static guint
count_verdict (GPtrArray  *events,
               const char *verdict)
{
  guint count = 0;

  for (guint i = 0; i < events->len; i++)
    count += g_strcmp0 (((SyWebhookEvent *) g_ptr_array_index (events, i))->verdict, verdict) == 0;
  return count;
}

static void
test_genuine (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GBytes) body = make_body ("evt-100", "wms/sales-orders", "SO-42", 10);
  g_auto(Answer) answer = { 0 };
  g_autoptr(GPtrArray) events = NULL;
  SyWebhookEvent *event;

  post_signed (fixture, body, &answer);
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_nonnull (strstr (answer.body, "\"accepted\":true"));

  g_assert_cmpuint (fixture->accepted_signals, ==, 1);
  g_assert_cmpstr (fixture->last_connection, ==, "Warehouse");
  g_assert_cmpstr (fixture->last_entity, ==, "wms/sales-orders");
  g_assert_cmpstr (fixture->last_key, ==, "SO-42");

  events = list_events (fixture);
  g_assert_cmpuint (events->len, ==, 1);
  event = g_ptr_array_index (events, 0);
  g_assert_cmpstr (event->verdict, ==, SY_WEBHOOK_VERDICT_ACCEPTED);
  g_assert_cmpstr (event->event_id, ==, "evt-100");
  g_assert_cmpstr (event->entity, ==, "wms/sales-orders");
  g_assert_cmpstr (event->record_key, ==, "SO-42");
  g_assert_cmpstr (event->event_type, ==, "record.updated");
  {
    g_autofree char *hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, body);

    g_assert_cmpstr (event->body_hash, ==, hash);
  }
}

/* The signature's digest with one bit flipped, in the same encoding. */
static char *
flip_one_bit (const char *signature)
{
  gsize length;
  g_autofree guchar *digest = g_base64_decode (signature, &length);

  g_assert_cmpuint (length, ==, 32);
  digest[17] ^= 0x04;
  return g_base64_encode (digest, length);
}

static void
test_forged (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GBytes) body = make_body ("evt-200", "wms/sales-orders", "SO-7", 10);
  g_autoptr(GBytes) truncated = g_bytes_new_from_bytes (body, 0, g_bytes_get_size (body) - 1);
  g_autofree char *genuine = sign (body);
  g_autofree char *other_secret = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, "not-the-secret", body, 0);
  g_autofree char *bit_off = flip_one_bit (genuine);
  g_autoptr(GPtrArray) events = NULL;

  {
    g_auto(Answer) answer = { 0 };

    post (fixture, body, "X-Signature", other_secret, &answer);
    g_assert_cmpuint (answer.status, ==, 401);
    g_assert_nonnull (strstr (answer.body, "does not match"));
  }
  {
    g_auto(Answer) answer = { 0 };

    post (fixture, body, "X-Signature", bit_off, &answer);
    g_assert_cmpuint (answer.status, ==, 401);
  }
  {
    g_auto(Answer) answer = { 0 };

    post (fixture, body, NULL, NULL, &answer);
    g_assert_cmpuint (answer.status, ==, 401);
    g_assert_nonnull (strstr (answer.body, "X-Signature"));
  }
  {
    g_auto(Answer) answer = { 0 };

    /* The genuine signature of the whole body, on a body cut short. */
    post (fixture, truncated, "X-Signature", genuine, &answer);
    g_assert_cmpuint (answer.status, ==, 401);
  }
  {
    g_auto(Answer) answer = { 0 };

    post (fixture, body, "X-Signature", "%%% not base64 %%%", &answer);
    g_assert_cmpuint (answer.status, ==, 401);
  }

  g_assert_cmpuint (fixture->accepted_signals, ==, 0);
  events = list_events (fixture);
  g_assert_cmpuint (count_verdict (events, SY_WEBHOOK_VERDICT_ACCEPTED), ==, 0);
  g_assert_cmpuint (count_verdict (events, SY_WEBHOOK_VERDICT_REJECTED), ==, 5);
  for (guint i = 0; i < events->len; i++)
    {
      SyWebhookEvent *event = g_ptr_array_index (events, i);

      /* Nothing a forger wrote was read. */
      g_assert_null (event->event_id);
      g_assert_null (event->entity);
      g_assert_nonnull (event->reason);
    }

  /* The genuine delivery with the id a forger used is still new. */
  {
    g_auto(Answer) answer = { 0 };

    post (fixture, body, "X-Signature", genuine, &answer);
    g_assert_cmpuint (answer.status, ==, 200);
    g_assert_nonnull (strstr (answer.body, "\"accepted\":true"));
    g_assert_cmpuint (fixture->accepted_signals, ==, 1);
  }
}

static void
test_oversized (Fixture       *fixture,
                gconstpointer  data)
{
  gsize size = SY_WEBHOOK_MAX_BODY + 1;
  g_autofree char *text = g_malloc (size);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) events = NULL;

  memset (text, ' ', size);
  text[0] = '{';
  text[size - 1] = '}';
  body = g_bytes_new_take (g_steal_pointer (&text), size);

  {
    g_auto(Answer) answer = { 0 };

    post_signed (fixture, body, &answer);
    g_assert_cmpuint (answer.status, ==, 413);
  }
  {
    /* No Content-Length: the cap holds while the chunks arrive. */
    g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_POST, fixture->url);
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (body);
    g_autofree char *signature = sign (body);
    g_auto(Answer) answer = { 0 };

    soup_message_set_request_body (message, "application/json", stream, -1);
    soup_message_headers_replace (soup_message_get_request_headers (message), "X-Signature", signature);
    send_message (fixture, message, &answer);
    g_assert_cmpuint (answer.status, ==, 413);
  }

  g_assert_cmpuint (fixture->accepted_signals, ==, 0);
  events = list_events (fixture);
  g_assert_cmpuint (count_verdict (events, SY_WEBHOOK_VERDICT_ACCEPTED), ==, 0);

  /* The receiver still takes a delivery of a proper size afterwards. */
  {
    g_autoptr(GBytes) small = make_body ("evt-300", "wms/sales-orders", "SO-1", 0);
    g_auto(Answer) answer = { 0 };

    post_signed (fixture, small, &answer);
    g_assert_cmpuint (answer.status, ==, 200);
  }
}

static void
test_repeat (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GBytes) body = make_body ("evt-400", "wms/sales-orders", "SO-9", 5);
  g_autoptr(GPtrArray) events = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_auto(Answer) answer = { 0 };

      post_signed (fixture, body, &answer);
      g_assert_cmpuint (answer.status, ==, 200);
      if (i == 0)
        g_assert_nonnull (strstr (answer.body, "\"accepted\":true"));
      else
        g_assert_nonnull (strstr (answer.body, "\"duplicate\":true"));
    }

  g_assert_cmpuint (fixture->accepted_signals, ==, 1);
  events = list_events (fixture);
  g_assert_cmpuint (events->len, ==, 1);
}

static void
test_stale (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GBytes) old = make_body ("evt-500", "wms/sales-orders", "SO-5", 2 * 60 * 60);
  g_autoptr(GBytes) future = make_body ("evt-501", "wms/sales-orders", "SO-5", -60 * 60);
  g_autoptr(GPtrArray) events = NULL;

  {
    g_auto(Answer) answer = { 0 };

    post_signed (fixture, old, &answer);
    g_assert_cmpuint (answer.status, ==, 401);
    g_assert_nonnull (strstr (answer.body, "replayed or stale"));
  }
  {
    g_auto(Answer) answer = { 0 };

    post_signed (fixture, future, &answer);
    g_assert_cmpuint (answer.status, ==, 401);
    g_assert_nonnull (strstr (answer.body, "replayed or stale"));
  }

  g_assert_cmpuint (fixture->accepted_signals, ==, 0);
  events = list_events (fixture);
  g_assert_cmpuint (count_verdict (events, SY_WEBHOOK_VERDICT_ACCEPTED), ==, 0);
}

static void
test_bad_json (Fixture       *fixture,
               gconstpointer  data)
{
  const char *bodies[] = {
    "this is not JSON",
    "[1, 2, 3]",
    "{\"id\": \"evt-600\", \"entity\": \"wms/sales-orders\"}",
    "{\"id\": \"evt-601\", \"entity\": 7, \"key\": \"SO-1\"}",
    "{\"id\": \"evt-602\", \"entity\": \"wms/sales-orders\", \"key\": \"SO-1\", \"occurred_at\": \"yesterday\"}",
  };
  g_autoptr(GPtrArray) events = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GBytes) body = g_bytes_new_static (bodies[i], strlen (bodies[i]));
      g_auto(Answer) answer = { 0 };

      post_signed (fixture, body, &answer);
      g_assert_cmpuint (answer.status, ==, 400);
    }

  g_assert_cmpuint (fixture->accepted_signals, ==, 0);
  events = list_events (fixture);
  g_assert_cmpuint (count_verdict (events, SY_WEBHOOK_VERDICT_REJECTED), ==, G_N_ELEMENTS (bodies));
}

static void
test_without_id (Fixture       *fixture,
                 gconstpointer  data)
{
  const char *text = "{\"type\": \"record.created\", \"entity\": \"wms/sales-orders\", \"key\": \"SO-77\"}";
  g_autoptr(GBytes) body = g_bytes_new_static (text, strlen (text));

  for (guint i = 0; i < 2; i++)
    {
      g_auto(Answer) answer = { 0 };

      post_signed (fixture, body, &answer);
      g_assert_cmpuint (answer.status, ==, 200);
      g_assert_nonnull (strstr (answer.body, i == 0 ? "\"accepted\":true" : "\"duplicate\":true"));
    }
  g_assert_cmpuint (fixture->accepted_signals, ==, 1);
}

static void
test_unknown_entity (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GBytes) body = make_body ("evt-700", "wms/flying-saucers", "UFO-1", 0);
  g_auto(Answer) answer = { 0 };
  g_autoptr(GPtrArray) events = NULL;
  SyWebhookEvent *event;

  post_signed (fixture, body, &answer);
  g_assert_cmpuint (answer.status, ==, 422);
  g_assert_cmpuint (fixture->accepted_signals, ==, 0);

  events = list_events (fixture);
  g_assert_cmpuint (events->len, ==, 1);
  event = g_ptr_array_index (events, 0);
  g_assert_cmpstr (event->verdict, ==, SY_WEBHOOK_VERDICT_REJECTED);
  g_assert_cmpstr (event->entity, ==, "wms/flying-saucers");
  g_assert_nonnull (strstr (event->reason, "wms/flying-saucers"));
}

static void
test_not_post (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_GET, fixture->url);
  g_auto(Answer) answer = { 0 };

  send_message (fixture, message, &answer);
  g_assert_cmpuint (answer.status, ==, 405);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (message), "Allow"), ==, "POST");
}

static void
test_port_in_use (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(SyWebhookReceiver) second = sy_webhook_receiver_new (fixture->connection, SECRET, fixture->state,
                                                                 sy_catalogue_get_default ());
  guint port = sy_webhook_receiver_get_port (fixture->receiver);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GError) error = NULL;

  g_assert_false (sy_webhook_receiver_listen (second, "127.0.0.1", port, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, port_text));
  g_assert_cmpuint (sy_webhook_receiver_get_port (second), ==, 0);
  g_clear_error (&error);

  g_assert_false (sy_webhook_receiver_listen (second, "not-an-address", 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* The connection's own scheme and header name are the ones checked. */
static void
test_settings (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GBytes) body = make_body ("evt-800", "erp/customers", "C-1", 0);
  g_autofree char *rutter = NULL;
  g_autofree char *makini = NULL;

  sy_webhook_settings_set (fixture->connection, SY_WEBHOOK_SCHEME_RUTTER, "X-Hook-Signature");
  g_assert_cmpint (sy_webhook_settings_get_scheme (fixture->connection), ==, SY_WEBHOOK_SCHEME_RUTTER);
  g_assert_cmpstr (sy_webhook_settings_get_header (fixture->connection), ==, "X-Hook-Signature");
  start_receiver (fixture);

  rutter = sy_webhook_sign (SY_WEBHOOK_SCHEME_RUTTER, SECRET, body, 0);
  makini = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, 0);
  {
    g_auto(Answer) answer = { 0 };

    /* The right signature under the default header is no signature. */
    post (fixture, body, "X-Signature", rutter, &answer);
    g_assert_cmpuint (answer.status, ==, 401);
  }
  {
    g_auto(Answer) answer = { 0 };

    post (fixture, body, "X-Hook-Signature", makini, &answer);
    g_assert_cmpuint (answer.status, ==, 401);
  }
  {
    g_auto(Answer) answer = { 0 };

    post (fixture, body, "X-Hook-Signature", rutter, &answer);
    g_assert_cmpuint (answer.status, ==, 200);
  }
  g_assert_cmpuint (fixture->accepted_signals, ==, 1);
  g_assert_cmpstr (fixture->last_entity, ==, "erp/customers");
}

/* apideck signs the body's canonical form, so a captured delivery with
 * neither id nor time, re-spaced and re-ordered, still matches: it must
 * still count as the same delivery. */
static void
test_apideck_respaced_repeat (Fixture       *fixture,
                              gconstpointer  data)
{
  const char *texts[] = {
    "{\"type\": \"record.updated\", \"entity\": \"wms/sales-orders\", \"key\": \"SO-91\"}",
    "{\"key\":\"SO-91\",\"entity\":\"wms/sales-orders\",   \"type\":\"record.updated\"}\n",
  };

  sy_webhook_settings_set (fixture->connection, SY_WEBHOOK_SCHEME_APIDECK, NULL);
  start_receiver (fixture);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GBytes) body = g_bytes_new_static (texts[i], strlen (texts[i]));
      g_autofree char *signature = sy_webhook_sign (SY_WEBHOOK_SCHEME_APIDECK, SECRET, body, 0);
      g_auto(Answer) answer = { 0 };

      post (fixture, body, sy_webhook_settings_get_header (fixture->connection), signature, &answer);
      g_assert_cmpuint (answer.status, ==, 200);
      g_assert_nonnull (strstr (answer.body, i == 0 ? "\"accepted\":true" : "\"duplicate\":true"));
    }
  g_assert_cmpuint (fixture->accepted_signals, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)
  ADD ("/webhook-receiver/genuine", test_genuine, NULL);
  ADD ("/webhook-receiver/forged", test_forged, NULL);
  ADD ("/webhook-receiver/oversized", test_oversized, NULL);
  ADD ("/webhook-receiver/repeat", test_repeat, NULL);
  ADD ("/webhook-receiver/stale", test_stale, NULL);
  ADD ("/webhook-receiver/bad-json", test_bad_json, NULL);
  ADD ("/webhook-receiver/without-id", test_without_id, NULL);
  ADD ("/webhook-receiver/unknown-entity", test_unknown_entity, NULL);
  ADD ("/webhook-receiver/not-post", test_not_post, NULL);
  ADD ("/webhook-receiver/port-in-use", test_port_in_use, NULL);
  ADD ("/webhook-receiver/settings", test_settings, "not started");
  ADD ("/webhook-receiver/apideck-respaced-repeat", test_apideck_respaced_repeat, "not started");
#undef ADD

  return g_test_run ();
}
