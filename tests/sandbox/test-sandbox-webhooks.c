/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-paths.h"
#include "sy-sandbox-client.h"
#include "sy-test-support.h"

/* A real switchyard-sandbox sends its webhook deliveries to a SoupServer
 * of the test's own, which checks each signature with GHmac: the sender's
 * signing is checked here independently of the core's verifier. The
 * receiver runs in a thread of its own, so that the test's synchronous
 * calls to the sandbox never keep it from answering. */

#define SECRET "whsec-sandbox-test-3f9a"
/* A generous bound on how long the deliveries of one test may take: the
 * retries of one delivery sum to about a minute at most. Far beyond it
 * something is wrong, and the test says so rather than hanging. */
#define OVERALL_TIMEOUT_US (240 * G_USEC_PER_SEC)

typedef struct
{
  GBytes *body;
  char *signature;   /* NULL when the header was missing */
  gboolean valid;
  guint status;      /* what the receiver answered */
} Delivery;

static void
delivery_free (gpointer data)
{
  Delivery *delivery = data;

  g_bytes_unref (delivery->body);
  g_free (delivery->signature);
  g_free (delivery);
}

typedef struct
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  GSocket *socket;
  char *url;

  GMutex lock;
  GCond changed;
  GPtrArray *deliveries;   /* Delivery, in arrival order */
  const char *header;      /* where the signature is looked for */
  guint fail_first;        /* answer this many requests with fail_status first */
  guint fail_status;
  guint n_failed;
  gboolean listening;
} Receiver;

static char *
sign (const guint8 *data,
      gsize         length)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) SECRET, strlen (SECRET));
  guint8 digest[32];
  gsize digest_length = sizeof digest;

  g_hmac_update (hmac, data, length);
  g_hmac_get_digest (hmac, digest, &digest_length);
  return g_base64_encode (digest, digest_length);
}

static void
handle_delivery (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  Receiver *receiver = user_data;
  Delivery *delivery = g_new0 (Delivery, 1);
  gsize length = 0;
  const guint8 *data;

  /* Under the lock from the start: the test sets header and fail_first
   * from its own thread. */
  g_mutex_lock (&receiver->lock);
  delivery->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  delivery->signature = g_strdup (soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                                receiver->header));
  data = g_bytes_get_data (delivery->body, &length);
  if (delivery->signature != NULL)
    {
      g_autofree char *expected = sign (data, length);
      delivery->valid = g_str_equal (expected, delivery->signature);
    }

  if (receiver->n_failed < receiver->fail_first)
    {
      receiver->n_failed++;
      delivery->status = receiver->fail_status;
    }
  else
    delivery->status = delivery->valid ? SOUP_STATUS_OK : SOUP_STATUS_UNAUTHORIZED;
  g_ptr_array_add (receiver->deliveries, delivery);
  g_cond_broadcast (&receiver->changed);
  g_mutex_unlock (&receiver->lock);

  soup_server_message_set_status (msg, delivery->status, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "", 0);
}

static gpointer
receiver_thread (gpointer user_data)
{
  Receiver *receiver = user_data;

  g_main_context_push_thread_default (receiver->context);
  g_main_loop_run (receiver->loop);
  soup_server_disconnect (receiver->server);
  g_clear_object (&receiver->server);
  /* Sources the server left behind (closing connections) go with the
   * context's last iterations. */
  while (g_main_context_iteration (receiver->context, FALSE))
    ;
  g_main_context_pop_thread_default (receiver->context);
  return NULL;
}

static gboolean
start_listening_in_thread (gpointer user_data)
{
  Receiver *receiver = user_data;
  g_autoptr(GError) error = NULL;

  g_socket_listen (receiver->socket, &error);
  g_assert_no_error (error);
  soup_server_listen_socket (receiver->server, receiver->socket, 0, &error);
  g_assert_no_error (error);

  g_mutex_lock (&receiver->lock);
  receiver->listening = TRUE;
  g_cond_broadcast (&receiver->changed);
  g_mutex_unlock (&receiver->lock);
  return G_SOURCE_REMOVE;
}

/* Until it listens, the port is bound but refuses connections: the
 * receiver is "down", and no other process can take its port meanwhile. */
static void
receiver_listen (Receiver *receiver)
{
  g_main_context_invoke (receiver->context, start_listening_in_thread, receiver);
  g_mutex_lock (&receiver->lock);
  while (!receiver->listening)
    g_cond_wait (&receiver->changed, &receiver->lock);
  g_mutex_unlock (&receiver->lock);
}

static Receiver *
receiver_new (gboolean listen)
{
  Receiver *receiver = g_new0 (Receiver, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_init (&receiver->lock);
  g_cond_init (&receiver->changed);
  receiver->deliveries = g_ptr_array_new_with_free_func (delivery_free);
  receiver->header = "X-Signature";

  receiver->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (receiver->socket, any_port, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (receiver->socket, &error);
  g_assert_no_error (error);
  receiver->url = g_strdup_printf ("http://127.0.0.1:%u/hooks/switchyard",
                                   g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  /* The server's sources belong to the thread's context: it is made with
   * that context pushed. */
  receiver->context = g_main_context_new ();
  receiver->loop = g_main_loop_new (receiver->context, FALSE);
  g_main_context_push_thread_default (receiver->context);
  receiver->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (receiver->server, "/hooks/switchyard", handle_delivery, receiver, NULL);
  g_main_context_pop_thread_default (receiver->context);

  receiver->thread = g_thread_new ("webhook-receiver", receiver_thread, receiver);
  if (listen)
    receiver_listen (receiver);
  return receiver;
}

static gboolean
quit_in_thread (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
receiver_free (Receiver *receiver)
{
  g_main_context_invoke (receiver->context, quit_in_thread, receiver->loop);
  g_thread_join (receiver->thread);
  g_main_loop_unref (receiver->loop);
  g_main_context_unref (receiver->context);
  g_object_unref (receiver->socket);
  g_ptr_array_unref (receiver->deliveries);
  g_mutex_clear (&receiver->lock);
  g_cond_clear (&receiver->changed);
  g_free (receiver->url);
  g_free (receiver);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Receiver, receiver_free)

/* Waits for the receiver to get something, or a little while: between two
 * looks at the sandbox's stats. */
static void
receiver_wait (Receiver *receiver,
               guint     n_seen)
{
  gint64 until = g_get_monotonic_time () + 200 * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&receiver->lock);
  while (receiver->deliveries->len == n_seen && g_cond_wait_until (&receiver->changed, &receiver->lock, until))
    ;
  g_mutex_unlock (&receiver->lock);
}

static guint
receiver_count (Receiver *receiver)
{
  guint n;

  g_mutex_lock (&receiver->lock);
  n = receiver->deliveries->len;
  g_mutex_unlock (&receiver->lock);
  return n;
}

/* --- the sandbox ---------------------------------------------------- */

typedef struct
{
  char *dir;
  char *secret_file;
  SySandboxProcess *sandbox;
  SoupSession *session;
} Sender;

static void
sender_free (Sender *sender)
{
  g_clear_object (&sender->sandbox);
  g_clear_object (&sender->session);
  sy_test_remove_tree (sender->dir);
  g_free (sender->dir);
  g_free (sender->secret_file);
  g_free (sender);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sender, sender_free)

/* A sandbox that delivers to receiver; extra arguments NULL-terminated. */
static Sender *
sender_start (Receiver   *receiver,
              const char *first_arg,
              ...)
{
  Sender *sender = g_new0 (Sender, 1);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list ap;

  sender->dir = sy_test_make_tmpdir ("sandbox-webhooks");
  sender->secret_file = g_build_filename (sender->dir, "webhook-secret", NULL);
  /* With the newline an editor leaves: not part of the secret. */
  g_file_set_contents (sender->secret_file, SECRET "\n", -1, &error);
  g_assert_no_error (error);

  g_ptr_array_add (args, (gpointer) "--webhook-url");
  g_ptr_array_add (args, receiver->url);
  g_ptr_array_add (args, (gpointer) "--webhook-secret-file");
  g_ptr_array_add (args, sender->secret_file);
  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  sender->sandbox = sy_test_start_sandbox ((const char * const *) args->pdata);
  sender->session = soup_session_new_with_options ("timeout", 60, NULL);
  return sender;
}

static JsonObject *
webhook_stats (Sender *sender)
{
  g_autoptr(JsonNode) root = sy_sandbox_client_inspect (sender->sandbox, sender->session, "GET", "/__sandbox/stats");
  JsonObject *webhooks = json_object_get_object_member (json_node_get_object (root), "webhooks");

  g_assert_nonnull (webhooks);
  g_assert_true (json_object_get_boolean_member (webhooks, "enabled"));
  return json_object_ref (webhooks);
}

static gint64
stat_of (JsonObject *stats,
      const char *name)
{
  g_assert_true (json_object_has_member (stats, name));
  return json_object_get_int_member (stats, name);
}

/* Until the sandbox's stats member `name` is at least `at_least` (or,
 * for "pending", until it is 0). */
static JsonObject *
wait_for_stat_of (Sender     *sender,
               Receiver   *receiver,
               const char *name,
               gint64      at_least)
{
  gint64 deadline = g_get_monotonic_time () + OVERALL_TIMEOUT_US;

  for (;;)
    {
      guint n_seen = receiver_count (receiver);
      g_autoptr(JsonObject) stats = webhook_stats (sender);
      gint64 value = stat_of (stats, name);

      if (g_str_equal (name, "pending") ? value == 0 : value >= at_least)
        return g_steal_pointer (&stats);
      if (g_get_monotonic_time () > deadline)
        g_error ("the sandbox's webhooks.%s stayed at %" G_GINT64_FORMAT, name, value);
      receiver_wait (receiver, n_seen);
    }
}

static JsonObject *
wait_until_done (Sender   *sender,
                 Receiver *receiver)
{
  return wait_for_stat_of (sender, receiver, "pending", 0);
}

/* Every delivery made is accounted for once all are done. */
static void
assert_consistent (JsonObject *stats,
                   Receiver   *receiver)
{
  g_assert_cmpint (stat_of (stats, "pending"), ==, 0);
  g_assert_cmpint (stat_of (stats, "events") + stat_of (stats, "forged") + stat_of (stats, "repeated"), ==,
                   stat_of (stats, "delivered") + stat_of (stats, "rejected") + stat_of (stats, "failed"));
  g_assert_cmpint (stat_of (stats, "sent") - stat_of (stats, "retries"), ==,
                   stat_of (stats, "events") + stat_of (stats, "forged") + stat_of (stats, "repeated"));
  /* Each attempt either reached the receiver or got no answer at all. */
  g_assert_cmpint (stat_of (stats, "sent"), ==, (gint64) receiver_count (receiver) + stat_of (stats, "unanswered"));
}

/* The API call's answer, parsed; status in *status. */
static JsonNode *
api (Sender     *sender,
     const char *method,
     const char *path,
     const char *body,
     guint      *status)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sender->sandbox), path, NULL);
  g_autofree char *authorization = NULL;
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *connection = g_str_has_prefix (path, "/api/erp/") ? "erp" : "wms";

  authorization = g_strconcat ("Bearer ", sy_sandbox_process_get_token (sender->sandbox, connection), NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  if (body != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  answer = soup_session_send_and_read (sender->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  return json_from_string (text, NULL);
}

/* Creates a product in the ERP; its key. */
static char *
create_product (Sender     *sender,
                const char *code)
{
  g_autofree char *body = g_strdup_printf ("{\"code\": \"%s\", \"name\": \"Bell %s\", \"sku\": \"SKU-%s\","
                                           " \"price\": \"4.50\"}", code, code, code);
  guint status = 0;
  g_autoptr(JsonNode) answer = api (sender, "POST", "/api/erp/products", body, &status);

  g_assert_cmpuint (status, ==, 201);
  return g_strdup (json_object_get_string_member (json_object_get_object_member (json_node_get_object (answer),
                                                                                 "data"), "key"));
}

static void
update_product (Sender     *sender,
                const char *method,
                const char *key)
{
  g_autofree char *path = g_strconcat ("/api/erp/products/", key, NULL);
  guint status = 0;
  g_autoptr(JsonNode) answer = api (sender, method, path, "{\"name\": \"Renamed bell\"}", &status);

  g_assert_cmpuint (status, ==, 200);
}

/* POST /__sandbox/touch; the keys touched. */
static GPtrArray *
touch (Sender     *sender,
       const char *entity,
       guint       count)
{
  g_autofree char *path = g_strdup_printf ("/__sandbox/touch?entity=%s&count=%u", entity, count);
  g_autoptr(JsonNode) answer = sy_sandbox_client_inspect (sender->sandbox, sender->session, "POST", path);
  JsonArray *keys = json_object_get_array_member (json_node_get_object (answer), "keys");
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpuint (json_array_get_length (keys), ==, count);
  for (guint i = 0; i < count; i++)
    g_ptr_array_add (result, g_strdup (json_array_get_string_element (keys, i)));
  return result;
}

static JsonObject *
delivery_object (Delivery *delivery)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (delivery->body, NULL), g_bytes_get_size (delivery->body));
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* "record.updated wms/sales-orders 0100…" */
static char *
change_of (JsonObject *event)
{
  return g_strdup_printf ("%s %s %s", json_object_get_string_member (event, "type"),
                          json_object_get_string_member (event, "entity"),
                          json_object_get_string_member (event, "key"));
}

/* --- tests ---------------------------------------------------------- */

static void
test_every_change_delivered (void)
{
  g_autoptr(Receiver) receiver = receiver_new (TRUE);
  g_autoptr(Sender) sender = sender_start (receiver, NULL);
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) touched = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autoptr(JsonNode) refused = NULL;
  g_autofree char *first = create_product (sender, "WH-1");
  g_autofree char *second = create_product (sender, "WH-2");
  g_autofree char *third = create_product (sender, "WH-3");
  guint status = 0;

  update_product (sender, "PUT", second);
  update_product (sender, "PATCH", third);
  touched = touch (sender, "wms/sales-orders", 5);
  /* A write the sandbox refuses changes nothing, so nothing is sent. */
  refused = api (sender, "POST", "/api/erp/products", "[1]", &status);
  g_assert_cmpuint (status, ==, 422);
  g_clear_pointer (&refused, json_node_unref);
  refused = api (sender, "PUT", "/api/erp/products/no-such-key", "{\"name\": \"x\"}", &status);
  g_assert_cmpuint (status, ==, 404);

  g_hash_table_add (expected, g_strconcat ("record.created erp/products ", first, NULL));
  g_hash_table_add (expected, g_strconcat ("record.created erp/products ", second, NULL));
  g_hash_table_add (expected, g_strconcat ("record.created erp/products ", third, NULL));
  g_hash_table_add (expected, g_strconcat ("record.updated erp/products ", second, NULL));
  g_hash_table_add (expected, g_strconcat ("record.updated erp/products ", third, NULL));
  for (guint i = 0; i < touched->len; i++)
    g_hash_table_add (expected, g_strconcat ("record.updated wms/sales-orders ",
                                             (char *) g_ptr_array_index (touched, i), NULL));
  g_assert_cmpuint (g_hash_table_size (expected), ==, 10);

  stats = wait_until_done (sender, receiver);
  g_assert_cmpint (stat_of (stats, "events"), ==, 10);
  g_assert_cmpint (stat_of (stats, "delivered"), ==, 10);
  g_assert_cmpint (stat_of (stats, "sent"), ==, 10);
  g_assert_cmpint (stat_of (stats, "retries"), ==, 0);
  g_assert_cmpint (stat_of (stats, "rejected"), ==, 0);
  g_assert_cmpint (stat_of (stats, "failed"), ==, 0);
  g_assert_cmpint (stat_of (stats, "forged"), ==, 0);
  g_assert_cmpint (stat_of (stats, "repeated"), ==, 0);
  assert_consistent (stats, receiver);

  g_assert_cmpuint (receiver->deliveries->len, ==, 10);
  for (guint i = 0; i < receiver->deliveries->len; i++)
    {
      Delivery *delivery = g_ptr_array_index (receiver->deliveries, i);
      g_autoptr(JsonObject) event = delivery_object (delivery);
      g_autofree char *change = change_of (event);
      const char *id = json_object_get_string_member (event, "id");
      g_autoptr(GDateTime) occurred = g_date_time_new_from_iso8601 (json_object_get_string_member (event,
                                                                                                     "occurred_at"),
                                                                      NULL);

      /* Signed with the file's secret, its newline left out. */
      g_assert_nonnull (delivery->signature);
      g_assert_true (delivery->valid);
      g_assert_cmpuint (delivery->status, ==, 200);
      g_assert_true (g_hash_table_remove (expected, change));
      g_assert_nonnull (id);
      g_assert_true (g_hash_table_add (ids, (gpointer) g_intern_string (id)));
      g_assert_nonnull (occurred);
      g_assert_true (g_str_has_suffix (json_object_get_string_member (event, "occurred_at"), "Z"));
    }
  g_assert_cmpuint (g_hash_table_size (expected), ==, 0);
}

typedef struct
{
  gint64 events, forged, repeated;
  GHashTable *forged_keys;     /* keys that got a forgery */
  GHashTable *repeated_keys;   /* keys whose delivery came twice */
} ForgeRun;

static void
forge_run_clear (ForgeRun *run)
{
  g_clear_pointer (&run->forged_keys, g_hash_table_unref);
  g_clear_pointer (&run->repeated_keys, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ForgeRun, forge_run_clear)

#define FORGE_TOUCHES 40

static void
run_forge_scenario (ForgeRun *run)
{
  g_autoptr(Receiver) receiver = receiver_new (TRUE);
  g_autoptr(Sender) sender = sender_start (receiver, "--seed", "7", "--webhook-forge-rate", "0.3",
                                           "--webhook-repeat-rate", "0.3", NULL);
  g_autoptr(GPtrArray) touched = touch (sender, "wms/sales-orders", FORGE_TOUCHES);
  g_autoptr(JsonObject) stats = wait_until_done (sender, receiver);
  g_autoptr(GHashTable) genuine = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) g_bytes_unref);
  g_autoptr(GHashTable) genuine_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) forgeries = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  guint n_valid = 0, n_invalid = 0, n_twice = 0;

  run->forged_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  run->repeated_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  run->events = stat_of (stats, "events");
  run->forged = stat_of (stats, "forged");
  run->repeated = stat_of (stats, "repeated");

  g_assert_cmpint (run->events, ==, FORGE_TOUCHES);
  /* Draws of 0.3 over 40 events: none at all would be a broken switch. */
  g_assert_cmpint (run->forged, >, 0);
  g_assert_cmpint (run->forged, <, FORGE_TOUCHES);
  g_assert_cmpint (run->repeated, >, 0);
  g_assert_cmpint (run->repeated, <, FORGE_TOUCHES);
  /* A receiver that rejects forgeries with 401: no retry for them, and
   * every genuine delivery (repeats too) answered 200. */
  g_assert_cmpint (stat_of (stats, "rejected"), ==, run->forged);
  g_assert_cmpint (stat_of (stats, "delivered"), ==, run->events + run->repeated);
  g_assert_cmpint (stat_of (stats, "retries"), ==, 0);
  g_assert_cmpint (stat_of (stats, "failed"), ==, 0);
  g_assert_cmpint (stat_of (stats, "sent"), ==, run->events + run->forged + run->repeated);
  assert_consistent (stats, receiver);

  for (guint i = 0; i < receiver->deliveries->len; i++)
    {
      Delivery *delivery = g_ptr_array_index (receiver->deliveries, i);
      g_autoptr(JsonObject) event = delivery_object (delivery);
      const char *id = json_object_get_string_member (event, "id");
      const char *key = json_object_get_string_member (event, "key");
      GBytes *earlier;

      if (!delivery->valid)
        {
          n_invalid++;
          g_assert_cmpuint (delivery->status, ==, 401);
          g_ptr_array_add (forgeries, g_steal_pointer (&event));
          continue;
        }

      n_valid++;
      earlier = g_hash_table_lookup (genuine, id);
      if (earlier != NULL)
        {
          /* A repeat is the same delivery again, byte for byte. */
          g_assert_true (g_bytes_equal (earlier, delivery->body));
          g_assert_true (g_hash_table_add (run->repeated_keys, g_strdup (key)));
          n_twice++;
          continue;
        }
      g_hash_table_insert (genuine, g_strdup (id), g_bytes_ref (delivery->body));
      /* One genuine event per touched record. */
      g_assert_true (g_hash_table_add (genuine_keys, g_strdup (key)));
    }

  g_assert_cmpuint (n_invalid, ==, run->forged);
  g_assert_cmpuint (n_twice, ==, run->repeated);
  g_assert_cmpuint (n_valid, ==, run->events + run->repeated);
  g_assert_cmpuint (g_hash_table_size (genuine), ==, FORGE_TOUCHES);
  for (guint i = 0; i < touched->len; i++)
    g_assert_true (g_hash_table_contains (genuine_keys, g_ptr_array_index (touched, i)));

  /* Forgeries claim a real change under an id no genuine delivery has. */
  for (guint i = 0; i < forgeries->len; i++)
    {
      JsonObject *event = g_ptr_array_index (forgeries, i);
      const char *key = json_object_get_string_member (event, "key");

      g_assert_false (g_hash_table_contains (genuine, json_object_get_string_member (event, "id")));
      g_assert_true (g_hash_table_contains (genuine_keys, key));
      g_assert_true (g_hash_table_add (run->forged_keys, g_strdup (key)));
    }
}

static gboolean
same_keys (GHashTable *a,
           GHashTable *b)
{
  GHashTableIter iter;
  gpointer key;

  if (g_hash_table_size (a) != g_hash_table_size (b))
    return FALSE;
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (b, key))
      return FALSE;
  return TRUE;
}

static void
test_forged_and_repeated (void)
{
  g_auto(ForgeRun) first = { 0 };
  g_auto(ForgeRun) second = { 0 };

  run_forge_scenario (&first);
  /* Same seed, same changes: the same records forged and repeated. */
  run_forge_scenario (&second);
  g_assert_cmpint (first.forged, ==, second.forged);
  g_assert_cmpint (first.repeated, ==, second.repeated);
  g_assert_true (same_keys (first.forged_keys, second.forged_keys));
  g_assert_true (same_keys (first.repeated_keys, second.repeated_keys));
}

/* A receiver that fails (5xx) or is busy (429) gets the delivery again;
 * one that refuses it otherwise (4xx) does not. */
static void
test_retry_after_status (gconstpointer data)
{
  guint fail_status = GPOINTER_TO_UINT (data);
  gboolean retried = fail_status == 429 || SOUP_STATUS_IS_SERVER_ERROR (fail_status);
  g_autoptr(Receiver) receiver = receiver_new (TRUE);
  g_autoptr(Sender) sender = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *key = NULL;
  Delivery *last;

  g_mutex_lock (&receiver->lock);
  receiver->fail_first = 3;
  receiver->fail_status = fail_status;
  g_mutex_unlock (&receiver->lock);
  sender = sender_start (receiver, NULL);
  key = create_product (sender, "RETRY-1");
  stats = wait_until_done (sender, receiver);

  g_assert_cmpint (stat_of (stats, "events"), ==, 1);
  g_assert_cmpint (stat_of (stats, "unanswered"), ==, 0);
  assert_consistent (stats, receiver);
  if (!retried)
    {
      g_assert_cmpint (stat_of (stats, "sent"), ==, 1);
      g_assert_cmpint (stat_of (stats, "rejected"), ==, 1);
      g_assert_cmpint (stat_of (stats, "retries"), ==, 0);
      g_assert_cmpuint (receiver->deliveries->len, ==, 1);
      g_assert_cmpuint (((Delivery *) g_ptr_array_index (receiver->deliveries, 0))->status, ==, fail_status);
      return;
    }
  g_assert_cmpint (stat_of (stats, "sent"), ==, 4);
  g_assert_cmpint (stat_of (stats, "retries"), ==, 3);
  g_assert_cmpint (stat_of (stats, "delivered"), ==, 1);

  /* Every attempt is the same delivery. */
  g_assert_cmpuint (receiver->deliveries->len, ==, 4);
  last = g_ptr_array_index (receiver->deliveries, 3);
  g_assert_cmpuint (last->status, ==, 200);
  for (guint i = 0; i < 3; i++)
    {
      Delivery *attempt = g_ptr_array_index (receiver->deliveries, i);

      g_assert_cmpuint (attempt->status, ==, fail_status);
      g_assert_true (g_bytes_equal (attempt->body, last->body));
      g_assert_cmpstr (attempt->signature, ==, last->signature);
    }
  {
    g_autoptr(JsonObject) event = delivery_object (last);
    g_assert_cmpstr (json_object_get_string_member (event, "key"), ==, key);
  }
}

static void
test_receiver_down_at_first (void)
{
  g_autoptr(Receiver) receiver = receiver_new (FALSE);
  g_autoptr(Sender) sender = sender_start (receiver, NULL);
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *key = create_product (sender, "DOWN-1");

  /* The port refuses connections until the sandbox has tried at least once. */
  refused = wait_for_stat_of (sender, receiver, "unanswered", 1);
  g_assert_cmpint (stat_of (refused, "delivered"), ==, 0);
  g_assert_cmpint (stat_of (refused, "pending"), ==, 1);
  receiver_listen (receiver);

  stats = wait_until_done (sender, receiver);
  g_assert_cmpint (stat_of (stats, "events"), ==, 1);
  g_assert_cmpint (stat_of (stats, "delivered"), ==, 1);
  g_assert_cmpint (stat_of (stats, "failed"), ==, 0);
  g_assert_cmpint (stat_of (stats, "retries"), >=, 1);
  g_assert_cmpint (stat_of (stats, "unanswered"), ==, stat_of (stats, "retries"));
  assert_consistent (stats, receiver);
  g_assert_cmpuint (receiver->deliveries->len, ==, 1);
  g_assert_true (((Delivery *) g_ptr_array_index (receiver->deliveries, 0))->valid);
}

static void
test_custom_header (void)
{
  g_autoptr(Receiver) receiver = receiver_new (TRUE);
  g_autoptr(Sender) sender = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *key = NULL;

  g_mutex_lock (&receiver->lock);
  receiver->header = "X-Makini-Signature";
  g_mutex_unlock (&receiver->lock);
  sender = sender_start (receiver, "--webhook-header", "X-Makini-Signature", NULL);
  key = create_product (sender, "HEADER-1");
  stats = wait_until_done (sender, receiver);

  g_assert_cmpint (stat_of (stats, "delivered"), ==, 1);
  assert_consistent (stats, receiver);
  g_assert_cmpuint (receiver->deliveries->len, ==, 1);
  g_assert_true (((Delivery *) g_ptr_array_index (receiver->deliveries, 0))->valid);
}

static void
test_bad_options (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("sandbox-webhook-options");
  g_autofree char *empty = g_build_filename (dir, "empty", NULL);
  g_autofree char *newline_only = g_build_filename (dir, "newline-only", NULL);
  g_autofree char *good = g_build_filename (dir, "good", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  const char *url = "http://127.0.0.1:9/hook";
  struct {
    const char * const *args;
    const char *message;
  } cases[] = {
    { (const char * const[]) { "--webhook-url", url, "--webhook-secret-file", empty, NULL }, "is empty" },
    { (const char * const[]) { "--webhook-url", url, "--webhook-secret-file", newline_only, NULL }, "is empty" },
    { (const char * const[]) { "--webhook-url", url, "--webhook-secret-file", dir, NULL }, "not a regular file" },
    { (const char * const[]) { "--webhook-url", url, "--webhook-secret-file", missing, NULL }, "missing" },
    { (const char * const[]) { "--webhook-url", url, NULL }, "--webhook-secret-file" },
    { (const char * const[]) { "--webhook-url", "http:///no-host", "--webhook-secret-file", good, NULL }, "--webhook-url" },
    { (const char * const[]) { "--webhook-url", url, "--webhook-secret-file", good,
                               "--webhook-forge-rate", "1.5", NULL }, "--webhook-forge-rate" },
    { (const char * const[]) { "--webhook-url", url, "--webhook-secret-file", good,
                               "--webhook-header", "X Signature", NULL }, "--webhook-header" },
    { (const char * const[]) { "--webhook-url", url, "--webhook-secret-file", good,
                               "--webhook-header", "", NULL }, "--webhook-header" },
    { (const char * const[]) { "--webhook-url", url, "--webhook-secret-file", good,
                               "--webhook-repeat-rate", "-0.1", NULL }, "--webhook-repeat-rate" },
  };
  g_autoptr(GError) error = NULL;

  g_file_set_contents (empty, "", 0, &error);
  g_assert_no_error (error);
  g_file_set_contents (newline_only, "\n", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (good, SECRET, -1, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status = -1;

      sy_test_run_sandbox_binary (cases[i].args, &status, &out, &err);
      g_assert_cmpint (status, ==, 2);
      g_assert_cmpstr (out, ==, "");
      g_assert_true (g_str_has_prefix (err, "switchyard-sandbox: "));
      if (strstr (err, cases[i].message) == NULL)
        g_error ("case %u: “%s” does not say “%s”", i, err, cases[i].message);
      /* The secret never shows in a message. */
      g_assert_null (strstr (err, SECRET));
    }

  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = -1;

    sy_test_run_sandbox_binary ((const char * const[]) { "--help", NULL }, &status, &out, &err);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "--webhook-forge-rate"));
    g_assert_nonnull (strstr (out, "--webhook-repeat-rate"));
    g_assert_nonnull (strstr (out, "X-Signature"));
  }

  sy_test_remove_tree (dir);
}

static void
test_stats_without_webhooks (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(JsonNode) root = sy_sandbox_client_inspect (sandbox, session, "GET", "/__sandbox/stats");
  JsonObject *webhooks = json_object_get_object_member (json_node_get_object (root), "webhooks");

  g_assert_nonnull (webhooks);
  g_assert_false (json_object_get_boolean_member (webhooks, "enabled"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sandbox-webhooks/every-change-delivered", test_every_change_delivered);
  g_test_add_func ("/sandbox-webhooks/forged-and-repeated", test_forged_and_repeated);
  g_test_add_data_func ("/sandbox-webhooks/retry-after-503", GUINT_TO_POINTER (503), test_retry_after_status);
  g_test_add_data_func ("/sandbox-webhooks/retry-after-429", GUINT_TO_POINTER (429), test_retry_after_status);
  g_test_add_data_func ("/sandbox-webhooks/no-retry-after-400", GUINT_TO_POINTER (400), test_retry_after_status);
  g_test_add_func ("/sandbox-webhooks/receiver-down-at-first", test_receiver_down_at_first);
  g_test_add_func ("/sandbox-webhooks/custom-header", test_custom_header);
  g_test_add_func ("/sandbox-webhooks/bad-options", test_bad_options);
  g_test_add_func ("/sandbox-webhooks/stats-without-webhooks", test_stats_without_webhooks);

  return g_test_run ();
}
