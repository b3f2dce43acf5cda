/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libsoup/soup.h>

#include "sy-sandbox-netsuite.h"
#include "sy-sandbox-query.h"
#include "sy-sandbox-server-private.h"

/* Connections the kernel queues before we accept them. */
#define LISTEN_BACKLOG 512

#define DEFAULT_PER_PAGE 15
#define MAX_PER_PAGE 500
#define RATE_WINDOW_USEC (60 * G_USEC_PER_SEC)

/* Set on a message whose connection --drop-rate closes after the request
 * was carried out: the answer is computed (and a write stored), then lost. */
#define DROP_AFTER_KEY "sy-sandbox-drop-after"

G_DEFINE_FINAL_TYPE (SySandboxServer, sy_sandbox_server, G_TYPE_OBJECT)

static void
free_time_queue (gpointer queue)
{
  g_queue_free_full (queue, g_free);
}

static void
destroy_delay (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static void
sy_sandbox_server_dispose (GObject *object)
{
  SySandboxServer *self = SY_SANDBOX_SERVER (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_pointer (&self->delayed, g_hash_table_unref);
  g_clear_pointer (&self->idle_watches, g_hash_table_unref);
  g_clear_pointer (&self->in_flight, g_hash_table_unref);
  g_clear_object (&self->server);
  g_clear_object (&self->data);
  g_clear_object (&self->netsuite);
  g_clear_object (&self->link);
  g_clear_object (&self->webhooks);

  G_OBJECT_CLASS (sy_sandbox_server_parent_class)->dispose (object);
}

static void
sy_sandbox_server_finalize (GObject *object)
{
  SySandboxServer *self = SY_SANDBOX_SERVER (object);

  g_free (self->url);
  g_free (self->wms_token);
  g_free (self->erp_token);
  g_free (self->run_id);
  g_rand_free (self->switch_rand);
  g_hash_table_unref (self->status_counts);
  g_hash_table_unref (self->method_counts);
  g_hash_table_unref (self->rate_windows);

  G_OBJECT_CLASS (sy_sandbox_server_parent_class)->finalize (object);
}

static void
sy_sandbox_server_class_init (SySandboxServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_sandbox_server_dispose;
  object_class->finalize = sy_sandbox_server_finalize;
}

static void
sy_sandbox_server_init (SySandboxServer *self)
{
  self->status_counts = g_hash_table_new (NULL, NULL);
  self->method_counts = g_hash_table_new (g_str_hash, g_str_equal);
  self->rate_windows = g_hash_table_new_full (NULL, NULL, NULL, free_time_queue);
  self->delayed = g_hash_table_new_full (NULL, NULL, g_object_unref, destroy_delay);
  self->idle_watches = g_hash_table_new_full (NULL, NULL, g_object_unref, destroy_delay);
  self->in_flight = g_hash_table_new_full (NULL, NULL, g_object_unref, g_free);
}

/* Tokens and request ids come from a rand seeded from /dev/urandom: new
 * tokens every run, whatever --seed says. */
static char *
random_hex (GRand *rand,
            guint  n_bytes)
{
  GString *hex = g_string_sized_new (n_bytes * 2);

  for (guint i = 0; i < n_bytes; i++)
    g_string_append_printf (hex, "%02x", (guint) g_rand_int_range (rand, 0, 256));
  return g_string_free (hex, FALSE);
}

char *
sy_sandbox_server_generate_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

char *
sy_sandbox_server_object_to_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return sy_sandbox_server_generate_json (node);
}

/* --- requests in flight, for /__sandbox/stats's "in_flight" ----------- */

typedef struct
{
  guint    connection;  /* SY_SANDBOX_CONNECTION_* */
  gboolean write;
  gboolean beside;      /* a GET counted in reads_beside_writes */
} InFlight;

static guint
writes_in_flight (SySandboxServer *self)
{
  guint writes = 0;

  for (guint i = 0; i < SY_SANDBOX_N_CONNECTIONS; i++)
    writes += self->concurrency[i].writes;
  return writes;
}

/* An API request of a known token is taken: it counts until
 * in_flight_end(). Other requests (no token, a wrong one) are answered
 * before anything else and are not counted. */
static void
in_flight_begin (SySandboxServer   *self,
                 SoupServerMessage *msg,
                 const char        *connection)
{
  const char *method = soup_server_message_get_method (msg);
  SySandboxConcurrency *counts;
  InFlight *entry;

  if (g_strcmp0 (connection, "wms") != 0 && g_strcmp0 (connection, "erp") != 0)
    return;
  if (!g_str_equal (method, "GET") && !g_str_equal (method, "POST") && !g_str_equal (method, "PUT") &&
      !g_str_equal (method, "PATCH"))
    return;

  entry = g_new0 (InFlight, 1);
  entry->connection = g_str_equal (connection, "wms") ? SY_SANDBOX_CONNECTION_WMS : SY_SANDBOX_CONNECTION_ERP;
  entry->write = !g_str_equal (method, "GET");
  counts = &self->concurrency[entry->connection];

  if (entry->write)
    {
      GHashTableIter iter;
      gpointer value;

      /* The GETs already in flight now overlap a write. */
      g_hash_table_iter_init (&iter, self->in_flight);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          InFlight *other = value;

          if (!other->write && !other->beside)
            {
              other->beside = TRUE;
              self->reads_beside_writes++;
            }
        }
      counts->writes++;
    }
  else
    {
      if (writes_in_flight (self) > 0)
        {
          entry->beside = TRUE;
          self->reads_beside_writes++;
        }
      counts->reads++;
    }

  counts->max_reads = MAX (counts->max_reads, counts->reads);
  counts->max_writes = MAX (counts->max_writes, counts->writes);
  counts->max_all = MAX (counts->max_all, counts->reads + counts->writes);
  g_hash_table_replace (self->in_flight, g_object_ref (msg), entry);
}

/* The request's answer is released, or its connection dropped; a second
 * call does nothing. */
static void
in_flight_end (SySandboxServer   *self,
               SoupServerMessage *msg)
{
  InFlight *entry = g_hash_table_lookup (self->in_flight, msg);

  if (entry == NULL)
    return;
  if (entry->write)
    self->concurrency[entry->connection].writes--;
  else
    self->concurrency[entry->connection].reads--;
  g_hash_table_remove (self->in_flight, msg);
}

/* Holds an answer back for --latency-ms without blocking other requests. */
static gboolean
release_delayed (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  SySandboxServer *self = g_object_get_data (G_OBJECT (msg), "sy-sandbox-server");

  in_flight_end (self, msg);
  soup_server_message_unpause (msg);
  g_hash_table_remove (self->delayed, msg);
  return G_SOURCE_REMOVE;
}

static void
count_method (SySandboxServer *self,
              const char      *method)
{
  /* Interned: the key outlives the message whose method it names. */
  const char *interned = g_intern_string (method);
  gpointer count = g_hash_table_lookup (self->method_counts, interned);

  g_hash_table_insert (self->method_counts, (gpointer) interned,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));
}

static void
count_status (SySandboxServer *self,
              guint            status)
{
  gpointer count = g_hash_table_lookup (self->status_counts, GUINT_TO_POINTER (status));

  g_hash_table_insert (self->status_counts, GUINT_TO_POINTER (status),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));
}

static void
drop_connection (SySandboxServer   *self,
                 SoupServerMessage *msg)
{
  g_autoptr(GIOStream) stream = NULL;

  in_flight_end (self, msg);
  stream = soup_server_message_steal_connection (msg);
  self->dropped++;
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

/* The end of a --latency-ms delay for an answer that is to be lost. */
static gboolean
drop_delayed (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  SySandboxServer *self = g_object_get_data (G_OBJECT (msg), "sy-sandbox-server");

  /* The table holds the last reference to msg and to this source. */
  g_object_ref (msg);
  drop_connection (self, msg);
  g_hash_table_remove (self->delayed, msg);
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

#define ARRIVAL_KEY "sy-sandbox-arrival"
#define COUNTED_KEY "sy-sandbox-counted"

static void
stamp_arrival (SoupServerMessage *msg,
               gpointer           user_data)
{
  gint64 now = g_get_monotonic_time ();

  g_object_set_data_full (G_OBJECT (msg), ARRIVAL_KEY, g_memdup2 (&now, sizeof now), g_free);
}

/* --latency-ms is the time from a request's arrival to its answer, as a
 * client sees a remote server's: the time spent reading and handling the
 * request is part of it, not added to it. */
static void
on_request_started (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  SySandboxServer *self = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);

  stamp_arrival (msg, NULL);

  /* libsoup 3.2 has no signal for a new connection, but it starts the
   * first message of each one as it accepts it, before any TLS handshake
   * (which may then fail), and every connection has a GSocket of its own:
   * the first message seen on a socket counts the connection. A mark on
   * the socket, not a table of sockets, so that a freed socket's address
   * reused by the next one cannot hide it. */
  if (socket != NULL && g_object_get_data (G_OBJECT (socket), COUNTED_KEY) == NULL)
    {
      g_object_set_data (G_OBJECT (socket), COUNTED_KEY, GINT_TO_POINTER (TRUE));
      self->accepted++;
      /* That first message starts at the accept, so over TLS its request
       * arrives only after the handshake: the latency runs from then, as a
       * remote server's would, rather than hiding the handshake. */
      if (soup_server_is_https (server))
        g_signal_connect (msg, "got-headers", G_CALLBACK (stamp_arrival), NULL);
    }

  /* A next request on a kept-alive connection: libsoup's again. */
  if (socket != NULL)
    g_hash_table_remove (self->idle_watches, socket);
}

static gboolean
dispatch_delay (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs delay_funcs = { NULL, NULL, dispatch_delay, NULL, NULL, NULL };

static void
hold_back (SySandboxServer   *self,
           SoupServerMessage *msg,
           GSourceFunc        release)
{
  const gint64 *arrival = g_object_get_data (G_OBJECT (msg), ARRIVAL_KEY);
  gint64 due = (arrival != NULL ? *arrival : g_get_monotonic_time ()) +
               (gint64) self->options.latency_ms * 1000;
  GSource *delay = g_source_new (&delay_funcs, sizeof (GSource));

  g_source_set_ready_time (delay, due);

  g_object_set_data (G_OBJECT (msg), "sy-sandbox-server", self);
  g_source_set_callback (delay, release, msg, NULL);
  g_source_attach (delay, NULL);
  g_hash_table_insert (self->delayed, g_object_ref (msg), delay);
  soup_server_message_pause (msg);
}

/* Every answer of /api goes through here: counted, then delayed — or, for
 * a request --drop-rate picked to lose its answer, thrown away with the
 * connection once the latency has passed, as when a network fails between
 * the server's commit and the client. Only answers sent are counted by
 * status. */
static void
respond (SySandboxServer   *self,
         SoupServerMessage *msg,
         guint              status,
         char              *body)
{
  const char *method = soup_server_message_get_method (msg);
  gboolean is_write = g_str_equal (method, "POST") || g_str_equal (method, "PUT") ||
                      g_str_equal (method, "PATCH");

  if (is_write && status == SOUP_STATUS_CREATED)
    self->created++;
  else if (is_write && status == SOUP_STATUS_OK)
    self->updated++;

  if (g_object_get_data (G_OBJECT (msg), DROP_AFTER_KEY) != NULL)
    {
      g_free (body);
      self->dropped_after++;
      if (is_write && SOUP_STATUS_IS_SUCCESSFUL (status))
        self->dropped_after_write++;
      if (self->options.latency_ms > 0)
        hold_back (self, msg, drop_delayed);
      else
        drop_connection (self, msg);
      return;
    }

  /* libsoup 3.2 has no phrase for 429. */
  soup_server_message_set_status (msg, status, status == 429 ? "Too Many Requests" : NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
  count_status (self, status);

  if (self->options.latency_ms > 0)
    hold_back (self, msg, release_delayed);
  else
    in_flight_end (self, msg);
}

static void
respond_error (SySandboxServer   *self,
               SoupServerMessage *msg,
               guint              status,
               const char        *request_id,
               const char        *message,
               JsonObject        *field_errors)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "message", message);
  if (field_errors != NULL)
    json_object_set_object_member (object, "errors", json_object_ref (field_errors));
  json_object_set_string_member (object, "request_id", request_id);
  respond (self, msg, status, sy_sandbox_server_object_to_json (object));
}

static void
respond_invalid (SySandboxServer   *self,
                 SoupServerMessage *msg,
                 const char        *request_id,
                 JsonObject        *field_errors)
{
  respond_error (self, msg, 422, request_id, "The given data was invalid.", field_errors);
}

static void
respond_record (SySandboxServer       *self,
                SoupServerMessage     *msg,
                guint                  status,
                const SySandboxRecord *record)
{
  gsize length;
  const char *json = sy_sandbox_record_to_json (record, &length);
  GString *body = g_string_sized_new (length + 16);

  g_string_append (body, "{\"data\":");
  g_string_append_len (body, json, length);
  g_string_append_c (body, '}');
  respond (self, msg, status, g_string_free (body, FALSE));
}

/* --- lists ---------------------------------------------------------- */

/* A positive integer parameter; FALSE (with *field_errors filled) when
 * it is not a number. Absent: the default. */
static gboolean
parse_count_param (GHashTable *params,
                   const char *name,
                   guint64     fallback,
                   guint64    *value,
                   JsonObject *field_errors)
{
  const char *text = params != NULL ? g_hash_table_lookup (params, name) : NULL;
  g_autoptr(GError) error = NULL;

  *value = fallback;
  if (text == NULL)
    return TRUE;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, value, &error))
    {
      g_autofree char *message = g_strdup_printf ("The %s must be an integer.", name);
      JsonArray *messages = json_array_new ();

      json_array_add_string_element (messages, message);
      json_object_set_array_member (field_errors, name, messages);
      return FALSE;
    }
  return TRUE;
}

/* The request's own URL with page=N: other parameters (filters, sorts,
 * per_page) are kept as the client sent them. */
static char *
page_url (SySandboxServer   *self,
          SoupServerMessage *msg,
          guint64            page)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  GString *url = g_string_new (self->url);

  g_string_append (url, g_uri_get_path (uri));
  g_string_append_c (url, '?');
  if (query != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (query, "&", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        {
          if (*parts[i] == '\0' || g_str_has_prefix (parts[i], "page=") ||
              g_str_equal (parts[i], "page"))
            continue;
          g_string_append (url, parts[i]);
          g_string_append_c (url, '&');
        }
    }
  g_string_append_printf (url, "page=%" G_GUINT64_FORMAT, page);
  return g_string_free (url, FALSE);
}

static void
set_url_or_null (JsonObject *object,
                 const char *member,
                 char       *url)
{
  if (url != NULL)
    json_object_set_string_member (object, member, url);
  else
    json_object_set_null_member (object, member);
  g_free (url);
}

/* Opaque to clients, and URL-safe (base64url without padding) so that a
 * client that forgets to escape it still sends it back intact. */
static char *
encode_cursor (guint64 offset)
{
  g_autofree char *plain = g_strdup_printf ("sy1:%" G_GUINT64_FORMAT, offset);
  char *encoded = g_base64_encode ((const guchar *) plain, strlen (plain));

  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  *strchrnul (encoded, '=') = '\0';
  return encoded;
}

static gboolean
decode_cursor (const char *cursor,
               guint64    *offset)
{
  g_autofree guchar *plain = NULL;
  g_autofree char *text = NULL;
  GString *padded;
  gsize length = 0;

  if (strlen (cursor) > 64 || strspn (cursor, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != strlen (cursor))
    return FALSE;
  padded = g_string_new (cursor);
  g_strdelimit (padded->str, "-", '+');
  g_strdelimit (padded->str, "_", '/');
  while (padded->len % 4 != 0)
    g_string_append_c (padded, '=');
  plain = g_base64_decode (padded->str, &length);
  g_string_free (padded, TRUE);

  if (plain == NULL || length < 5 || length > 32)
    return FALSE;
  text = g_strndup ((const char *) plain, length);
  return g_str_has_prefix (text, "sy1:") &&
         g_ascii_string_to_unsigned (text + 4, 10, 0, G_MAXUINT64, offset, NULL);
}

static void
answer_list (SySandboxServer   *self,
             SoupServerMessage *msg,
             SySandboxEntity   *entity,
             GHashTable        *params,
             const char        *request_id)
{
  g_autoptr(JsonObject) field_errors = json_object_new ();
  g_autoptr(JsonObject) query_errors = NULL;
  g_autoptr(SySandboxQuery) query = NULL;
  g_autoptr(GPtrArray) matches = NULL;
  guint64 per_page, page, offset = 0, total, end;
  gboolean per_page_valid, page_valid;
  GString *body;

  /* Both are parsed, so that both are named when both are wrong. */
  per_page_valid = parse_count_param (params, "per_page", DEFAULT_PER_PAGE, &per_page, field_errors);
  page_valid = parse_count_param (params, "page", 1, &page, field_errors);
  if (!per_page_valid || !page_valid)
    {
      respond_invalid (self, msg, request_id, field_errors);
      return;
    }
  if (per_page == 0)
    {
      JsonArray *messages = json_array_new ();

      json_array_add_string_element (messages, "The per_page must be at least 1.");
      json_object_set_array_member (field_errors, "per_page", messages);
      respond_invalid (self, msg, request_id, field_errors);
      return;
    }
  per_page = MIN (per_page, MAX_PER_PAGE);
  page = MAX (page, 1);

  if (self->options.cursor_pagination && params != NULL && g_hash_table_contains (params, "cursor"))
    {
      const char *cursor = g_hash_table_lookup (params, "cursor");

      if (*cursor != '\0' && !decode_cursor (cursor, &offset))
        {
          JsonArray *messages = json_array_new ();

          json_array_add_string_element (messages, "The cursor is invalid.");
          json_object_set_array_member (field_errors, "cursor", messages);
          respond_invalid (self, msg, request_id, field_errors);
          return;
        }
    }
  else if (!self->options.cursor_pagination)
    offset = (page - 1) * per_page;

  query = sy_sandbox_query_new (params, &query_errors);
  if (query == NULL)
    {
      respond_invalid (self, msg, request_id, query_errors);
      return;
    }

  /* With neither filter nor sort, the page is read straight from the store. */
  if (!sy_sandbox_query_is_identity (query))
    matches = sy_sandbox_query_run (query, entity);
  total = matches != NULL ? matches->len : sy_sandbox_entity_get_n_records (entity);
  offset = MIN (offset, total);
  end = MIN (offset + per_page, total);

  body = g_string_sized_new (256 + (end - offset) * 512);
  g_string_append (body, "{\"data\":[");
  for (guint64 i = offset; i < end; i++)
    {
      const SySandboxRecord *record = matches != NULL
        ? g_ptr_array_index (matches, i)
        : sy_sandbox_entity_get_record (entity, i);
      gsize length;
      const char *json = sy_sandbox_record_to_json (record, &length);

      if (i > offset)
        g_string_append_c (body, ',');
      g_string_append_len (body, json, length);
    }
  g_string_append (body, "],");

  if (self->options.cursor_pagination)
    {
      if (end < total)
        {
          g_autofree char *next = encode_cursor (end);
          g_string_append_printf (body, "\"next_cursor\":\"%s\"}", next);
        }
      else
        g_string_append (body, "\"next_cursor\":null}");
    }
  else
    {
      g_autoptr(JsonObject) links = json_object_new ();
      g_autoptr(JsonObject) meta = json_object_new ();
      guint64 last_page = MAX ((total + per_page - 1) / per_page, 1);
      g_autofree char *links_json = NULL;
      g_autofree char *meta_json = NULL;
      g_autofree char *path = g_strconcat (self->url, g_uri_get_path (soup_server_message_get_uri (msg)), NULL);

      set_url_or_null (links, "first", page_url (self, msg, 1));
      set_url_or_null (links, "last", page_url (self, msg, last_page));
      set_url_or_null (links, "prev", page > 1 ? page_url (self, msg, MIN (page - 1, last_page)) : NULL);
      set_url_or_null (links, "next", page < last_page ? page_url (self, msg, page + 1) : NULL);

      json_object_set_int_member (meta, "current_page", page);
      if (end > offset)
        json_object_set_int_member (meta, "from", offset + 1);
      else
        json_object_set_null_member (meta, "from");
      json_object_set_int_member (meta, "last_page", last_page);
      json_object_set_string_member (meta, "path", path);
      json_object_set_int_member (meta, "per_page", per_page);
      if (end > offset)
        json_object_set_int_member (meta, "to", end);
      else
        json_object_set_null_member (meta, "to");
      json_object_set_int_member (meta, "total", total);

      links_json = sy_sandbox_server_object_to_json (links);
      meta_json = sy_sandbox_server_object_to_json (meta);
      g_string_append_printf (body, "\"links\":%s,\"meta\":%s}", links_json, meta_json);
    }

  respond (self, msg, SOUP_STATUS_OK, g_string_free (body, FALSE));
}

/* --- writes --------------------------------------------------------- */

static JsonObject *
parse_body_object (SySandboxServer   *self,
                   SoupServerMessage *msg,
                   const char        *request_id)
{
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request_body);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  const char *text = g_bytes_get_data (bytes, &length);
  JsonNode *root;

  if (length == 0 || !json_parser_load_from_data (parser, text, length, &error))
    {
      respond_error (self, msg, SOUP_STATUS_BAD_REQUEST, request_id,
                     "The request body is not valid JSON.", NULL);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      respond_error (self, msg, 422, request_id, "The request body must be a JSON object.", NULL);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static void
answer_create (SySandboxServer   *self,
               SoupServerMessage *msg,
               SySandboxEntity   *entity,
               const char        *request_id)
{
  g_autoptr(JsonObject) object = parse_body_object (self, msg, request_id);
  g_autoptr(JsonObject) field_errors = NULL;
  const SySandboxRecord *record;

  if (object == NULL)
    return;

  record = sy_sandbox_data_create (self->data, entity, object, &field_errors);
  if (record == NULL)
    {
      respond_invalid (self, msg, request_id, field_errors);
      return;
    }
  sy_sandbox_server_record_changed (self, entity, record, TRUE);
  respond_record (self, msg, SOUP_STATUS_CREATED, record);
}

static void
answer_update (SySandboxServer   *self,
               SoupServerMessage *msg,
               SySandboxEntity   *entity,
               const char        *key,
               const char        *request_id)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) field_errors = NULL;
  const SySandboxRecord *record;

  if (sy_sandbox_entity_lookup (entity, key) == NULL)
    {
      respond_error (self, msg, SOUP_STATUS_NOT_FOUND, request_id, "Record not found.", NULL);
      return;
    }

  object = parse_body_object (self, msg, request_id);
  if (object == NULL)
    return;

  record = sy_sandbox_data_update (self->data, entity, key, object, &field_errors);
  if (record == NULL)
    {
      respond_invalid (self, msg, request_id, field_errors);
      return;
    }
  sy_sandbox_server_record_changed (self, entity, record, FALSE);
  respond_record (self, msg, SOUP_STATUS_OK, record);
}

void
sy_sandbox_server_record_changed (SySandboxServer       *self,
                                  SySandboxEntity       *entity,
                                  const SySandboxRecord *record,
                                  gboolean               created)
{
  if (self->webhooks == NULL)
    return;
  /* The event happened now. A record's updatedAt can be ahead of the
   * clock: a burst of touches gives each record a second of its own so
   * that incremental reads tell them apart, and a receiver rightly
   * refuses a delivery from minutes in the future. */
  sy_sandbox_webhooks_record_changed (self->webhooks, created ? "record.created" : "record.updated",
                                      sy_sandbox_entity_get_name (entity), record->key,
                                      MIN (record->updated_at, g_get_real_time () / G_USEC_PER_SEC));
}

/* --- /api ----------------------------------------------------------- */

static void
answer_integration (SySandboxServer   *self,
                    SoupServerMessage *msg,
                    const char        *connection)
{
  g_autoptr(JsonObject) integration = json_object_new ();
  g_autoptr(JsonObject) envelope = json_object_new ();
  gboolean is_wms = g_str_equal (connection, "wms");
  const char *platform = is_wms ? "mintsoft" : "netsuite";

  /* The Integration schema, plus the name and platform the app shows. */
  json_object_set_string_member (integration, "id", is_wms ? "sandbox-wms" : "sandbox-erp");
  json_object_set_string_member (integration, "name", is_wms ? "Sandbox Mintsoft" : "Sandbox NetSuite");
  json_object_set_string_member (integration, "platform", platform);
  json_object_set_string_member (integration, "provider", platform);
  json_object_set_string_member (integration, "company_name", "Switchyard Sandbox Ltd");
  json_object_set_string_member (integration, "email", "sandbox@switchyard.invalid");
  json_object_set_string_member (integration, "updated_at", "2025-01-01T00:00:00Z");
  json_object_set_string_member (integration, "sync_status", "done");
  json_object_set_string_member (integration, "sync_updated_at", "2025-01-01T00:00:00Z");
  json_object_set_object_member (envelope, "data", g_steal_pointer (&integration));

  respond (self, msg, SOUP_STATUS_OK, sy_sandbox_server_object_to_json (envelope));
}

/* Who a request's bearer token is: the connection ("wms", "erp", or
 * SY_SANDBOX_LINK_ADMIN_DOMAIN for a Link admin token) when the token is
 * good, else NULL with *state saying why. *rate_key identifies the
 * connection across token refreshes and lives as long as we do: the
 * seeded token's own string, or the Link grant. */
static const char *
connection_for_token (SySandboxServer          *self,
                      SoupServerMessage        *msg,
                      const char              **token,
                      gconstpointer            *rate_key,
                      SySandboxLinkTokenState  *state)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  const char *domain = NULL;

  *token = NULL;
  *rate_key = NULL;
  *state = SY_SANDBOX_LINK_TOKEN_UNKNOWN;
  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;
  *token = header + 7;
  *state = SY_SANDBOX_LINK_TOKEN_VALID;
  if (g_str_equal (*token, self->wms_token))
    {
      *rate_key = self->wms_token;
      return "wms";
    }
  if (g_str_equal (*token, self->erp_token))
    {
      *rate_key = self->erp_token;
      return "erp";
    }
  *state = sy_sandbox_link_lookup_token (self->link, *token, &domain, rate_key);
  return *state == SY_SANDBOX_LINK_TOKEN_VALID ? domain : NULL;
}

/* Past the limit, the answer says how long until the oldest request of
 * the window leaves it. */
static gboolean
rate_limited (SySandboxServer   *self,
              SoupServerMessage *msg,
              gconstpointer      rate_key,
              guint             *retry_after)
{
  GQueue *window = g_hash_table_lookup (self->rate_windows, rate_key);
  gint64 now = g_get_monotonic_time ();
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  char number[32];

  if (window == NULL)
    {
      window = g_queue_new ();
      g_hash_table_insert (self->rate_windows, (gpointer) rate_key, window);
    }

  while (!g_queue_is_empty (window) && *(gint64 *) g_queue_peek_head (window) <= now - RATE_WINDOW_USEC)
    g_free (g_queue_pop_head (window));

  g_snprintf (number, sizeof number, "%u", self->options.rate_limit);
  soup_message_headers_replace (headers, "X-RateLimit-Limit", number);

  if (g_queue_get_length (window) >= self->options.rate_limit)
    {
      gint64 oldest = *(gint64 *) g_queue_peek_head (window);
      gint64 wait = oldest + RATE_WINDOW_USEC - now;

      *retry_after = MAX (1, (guint) ((wait + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
      soup_message_headers_replace (headers, "X-RateLimit-Remaining", "0");
      return TRUE;
    }

  g_queue_push_tail (window, g_memdup2 (&now, sizeof now));
  g_snprintf (number, sizeof number, "%u", self->options.rate_limit - g_queue_get_length (window));
  soup_message_headers_replace (headers, "X-RateLimit-Remaining", number);
  return FALSE;
}

static void
handle_api (SySandboxServer   *self,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *params,
            const char        *request_id)
{
  const char *method = soup_server_message_get_method (msg);
  const char *connection;
  const char *token;
  gconstpointer rate_key;
  SySandboxLinkTokenState token_state;
  g_auto(GStrv) segments = NULL;
  g_autofree char *entity_name = NULL;
  SySandboxEntity *entity;
  guint n_segments;
  guint retry_after = 0;

  count_method (self, method);
  connection = connection_for_token (self, msg, &token, &rate_key, &token_state);
  in_flight_begin (self, msg, connection);

  /* The switches are drawn for every request, in the same order, so that
   * a sequential client sees the same failures on every run. Half of the
   * drops (drawn from the same rand) happen before anything is done, the
   * other half after the request was carried out: a create that reached
   * the target although its client never heard back, which a client must
   * look up before sending again. */
  if (self->options.drop_rate > 0 && g_rand_double (self->switch_rand) < self->options.drop_rate)
    {
      if (g_rand_boolean (self->switch_rand))
        {
          drop_connection (self, msg);
          return;
        }
      g_object_set_data (G_OBJECT (msg), DROP_AFTER_KEY, GINT_TO_POINTER (TRUE));
    }
  else if (self->options.fail_rate > 0 && g_rand_double (self->switch_rand) < self->options.fail_rate)
    {
      static const guint statuses[] = { 500, 502, 503 };
      guint status = statuses[g_rand_int_range (self->switch_rand, 0, G_N_ELEMENTS (statuses))];

      if (status == 503)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
      respond_error (self, msg, status, request_id, "The server failed to answer (sandbox --fail-rate).", NULL);
      return;
    }

  if (connection == NULL)
    {
      const char *message = "Unauthenticated: the token is invalid.";
      const char *challenge = "Bearer";

      switch (token_state)
        {
        case SY_SANDBOX_LINK_TOKEN_EXPIRED:
          message = "Unauthenticated: the token has expired.";
          challenge = "Bearer error=\"invalid_token\", error_description=\"The access token expired\"";
          sy_sandbox_link_count_expired_request (self->link);
          break;
        case SY_SANDBOX_LINK_TOKEN_SUPERSEDED:
          message = "Unauthenticated: the token has expired: it was replaced by a refresh.";
          challenge = "Bearer error=\"invalid_token\", error_description=\"The access token was replaced\"";
          sy_sandbox_link_count_expired_request (self->link);
          break;
        case SY_SANDBOX_LINK_TOKEN_REVOKED:
          message = "Unauthenticated: the token was revoked.";
          challenge = "Bearer error=\"invalid_token\", error_description=\"The access token was revoked\"";
          break;
        case SY_SANDBOX_LINK_TOKEN_UNKNOWN:
        case SY_SANDBOX_LINK_TOKEN_VALID:
        default:
          if (token == NULL)
            message = "Unauthenticated: no bearer token.";
          break;
        }
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "WWW-Authenticate", challenge);
      respond_error (self, msg, SOUP_STATUS_UNAUTHORIZED, request_id, message, NULL);
      return;
    }

  if (self->options.rate_limit > 0 && rate_limited (self, msg, rate_key, &retry_after))
    {
      char seconds[16];

      g_snprintf (seconds, sizeof seconds, "%u", retry_after);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", seconds);
      respond_error (self, msg, 429, request_id, "Too Many Attempts.", NULL);
      return;
    }

  /* "/api/erp/sales-orders/KEY" → "erp", "sales-orders", "KEY". */
  segments = g_strsplit (path + strlen ("/api/"), "/", -1);
  n_segments = g_strv_length (segments);
  while (n_segments > 0 && *segments[n_segments - 1] == '\0')
    {
      g_free (segments[--n_segments]);
      segments[n_segments] = NULL;
    }

  /* An admin token is for /api/system only, and only an admin token is. */
  if (g_str_equal (connection, SY_SANDBOX_LINK_ADMIN_DOMAIN))
    {
      if (n_segments == 2 && g_str_equal (segments[0], "system"))
        {
          char *body = NULL;
          guint status = sy_sandbox_link_answer_system (self->link, msg, segments[1], self->url, request_id, &body);

          respond (self, msg, status, body);
        }
      else if (n_segments >= 1 && g_str_equal (segments[0], "system"))
        respond_error (self, msg, SOUP_STATUS_NOT_FOUND, request_id, "Not found.", NULL);
      else
        respond_error (self, msg, SOUP_STATUS_FORBIDDEN, request_id,
                       "An admin token gives access to /api/system only.", NULL);
      return;
    }

  if (n_segments == 2 && g_str_equal (segments[0], "integrations") && g_str_equal (segments[1], "current"))
    {
      if (!g_str_equal (method, "GET"))
        respond_error (self, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, request_id, "Method not allowed.", NULL);
      else
        answer_integration (self, msg, connection);
      return;
    }

  if (n_segments == 0 || !g_str_equal (segments[0], connection))
    {
      respond_error (self, msg, SOUP_STATUS_FORBIDDEN, request_id,
                     "This token does not give access to this part of the API.", NULL);
      return;
    }

  entity_name = n_segments >= 2 ? g_strconcat (segments[0], "/", segments[1], NULL) : NULL;
  entity = entity_name != NULL ? sy_sandbox_data_lookup_entity (self->data, entity_name) : NULL;
  if (entity == NULL || n_segments > 3)
    {
      respond_error (self, msg, SOUP_STATUS_NOT_FOUND, request_id, "Not found.", NULL);
      return;
    }

  if (n_segments == 2)
    {
      if (g_str_equal (method, "GET"))
        answer_list (self, msg, entity, params, request_id);
      else if (g_str_equal (method, "POST") && sy_sandbox_entity_is_writable (entity))
        answer_create (self, msg, entity, request_id);
      else
        respond_error (self, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, request_id, "Method not allowed.", NULL);
      return;
    }

  if (g_str_equal (method, "GET"))
    {
      const SySandboxRecord *record = sy_sandbox_entity_lookup (entity, segments[2]);

      if (record == NULL)
        respond_error (self, msg, SOUP_STATUS_NOT_FOUND, request_id, "Record not found.", NULL);
      else
        respond_record (self, msg, SOUP_STATUS_OK, record);
    }
  else if ((g_str_equal (method, "PUT") || g_str_equal (method, "PATCH")) &&
           sy_sandbox_entity_is_writable (entity))
    answer_update (self, msg, entity, segments[2], request_id);
  else
    respond_error (self, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, request_id, "Method not allowed.", NULL);
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *params,
                gpointer           user_data)
{
  SySandboxServer *self = user_data;
  g_autofree char *request_id = g_strdup_printf ("%s-%06" G_GUINT64_FORMAT, self->run_id,
                                                 ++self->request_serial);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "X-Request-Id", request_id);

  if (g_str_has_prefix (path, "/__sandbox/"))
    sy_sandbox_server_handle_inspection (self, msg, path, params);
  else if (g_str_has_prefix (path, "/api/"))
    handle_api (self, msg, path, params, request_id);
  else if (g_str_equal (path, SY_SANDBOX_NETSUITE_TOKEN_PATH))
    count_status (self, sy_sandbox_netsuite_issue_token (self->netsuite, msg, self->url));
  else if (g_str_equal (path, SY_SANDBOX_LINK_AUTHORIZE_PATH))
    count_status (self, sy_sandbox_link_authorize (self->link, msg, params));
  else if (g_str_equal (path, SY_SANDBOX_LINK_TOKEN_PATH))
    count_status (self, sy_sandbox_link_issue_token (self->link, msg));
  else
    respond_error (self, msg, SOUP_STATUS_NOT_FOUND, request_id, "Not found.", NULL);
}

/* libsoup 3.2's server never closes a keep-alive connection that its
 * client closes between two requests: it reads the end of the stream as
 * a request that failed before it started, finishes it unseen and stops
 * watching the connection, which stays in CLOSE_WAIT and holds a
 * descriptor until the process runs out of them and stops accepting (a
 * sync of 100,000 records did). So between requests the sandbox watches
 * the socket itself and closes it when the client has gone.
 *
 * Bytes waiting are not proof of a next request: over TLS the client's
 * goodbye (close_notify) comes as bytes before the end of the stream, and
 * libsoup swallows it the same way. So the watch lasts until libsoup
 * starts reading a next request (on_request_started() ends it); bytes
 * that are not one are gone once libsoup has read them, and the end of
 * the stream behind them is then seen here. */
static gboolean
on_idle_socket_ready (GSocket      *socket,
                      GIOCondition  condition,
                      gpointer      user_data)
{
  SySandboxServer *self = user_data;
  char byte;
  gssize received;

  if (!g_socket_is_closed (socket))
    {
      received = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (received > 0 ||
          (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
        return G_SOURCE_CONTINUE;
      g_socket_close (socket, NULL);
    }

  g_hash_table_remove (self->idle_watches, socket);
  return G_SOURCE_REMOVE;
}

static void
on_request_finished (SoupServer        *server,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  SySandboxServer *self = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);
  GSource *watch;

  /* Whatever way its answer went. */
  in_flight_end (self, msg);

  if (socket == NULL || g_socket_is_closed (socket))
    return;

  watch = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (watch, (GSourceFunc) G_CALLBACK (on_idle_socket_ready), self, NULL);
  g_source_attach (watch, NULL);
  g_hash_table_replace (self->idle_watches, g_object_ref (socket), watch);
}

static void
on_request_aborted (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  in_flight_end (user_data, msg);
}

SySandboxServer *
sy_sandbox_server_new (SySandboxData                *data,
                       const SySandboxServerOptions *options)
{
  SySandboxServer *self = g_object_new (SY_TYPE_SANDBOX_SERVER, NULL);
  g_autoptr(GRand) secret_rand = g_rand_new ();
  g_autofree char *wms_hex = random_hex (secret_rand, 24);
  g_autofree char *erp_hex = random_hex (secret_rand, 24);

  self->data = g_object_ref (data);
  self->netsuite = sy_sandbox_netsuite_new ();
  self->link = sy_sandbox_link_new (options->token_ttl_s);
  self->options = *options;
  self->switch_rand = g_rand_new_with_seed (options->seed ^ 0x5c0ffee5u);
  self->wms_token = g_strconcat ("sbx_wms_", wms_hex, NULL);
  self->erp_token = g_strconcat ("sbx_erp_", erp_hex, NULL);
  self->run_id = random_hex (secret_rand, 4);

  self->server = soup_server_new ("server-header", "switchyard-sandbox ", NULL);
  soup_server_add_handler (self->server, NULL, handle_request, self, NULL);
  g_signal_connect (self->server, "request-started", G_CALLBACK (on_request_started), self);
  g_signal_connect (self->server, "request-finished", G_CALLBACK (on_request_finished), self);
  g_signal_connect (self->server, "request-aborted", G_CALLBACK (on_request_aborted), self);

  return self;
}

void
sy_sandbox_server_set_tls_certificate (SySandboxServer *self,
                                       GTlsCertificate *certificate)
{
  g_return_if_fail (self->url == NULL);

  soup_server_set_tls_certificate (self->server, certificate);
}

gboolean
sy_sandbox_server_listen (SySandboxServer  *self,
                          guint             port,
                          GError          **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocket) socket = NULL;
  GSList *uris;

  /* Our own socket rather than soup_server_listen(): its listener keeps
   * GLib's backlog of 10, and a client opening more connections than that
   * at once (a sync job at --concurrency 16) would see some of them wait a
   * whole SYN retransmission second, which is not what a real API does. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, address, TRUE, error) ||
      !g_socket_listen (socket, error) ||
      !soup_server_listen_socket (self->server, socket,
                                  soup_server_get_tls_certificate (self->server) != NULL ?
                                  SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;

  uris = soup_server_get_uris (self->server);
  g_return_val_if_fail (uris != NULL, FALSE);
  self->url = g_strdup_printf ("%s://127.0.0.1:%d", soup_server_is_https (self->server) ? "https" : "http",
                               g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return TRUE;
}

const char *
sy_sandbox_server_get_url (SySandboxServer *self)
{
  return self->url;
}

const char *
sy_sandbox_server_get_token (SySandboxServer *self,
                             const char      *connection)
{
  if (g_str_equal (connection, "wms"))
    return self->wms_token;
  if (g_str_equal (connection, "erp"))
    return self->erp_token;
  return NULL;
}

SySandboxLink *
sy_sandbox_server_get_link (SySandboxServer *self)
{
  return self->link;
}

void
sy_sandbox_server_set_webhooks (SySandboxServer   *self,
                                SySandboxWebhooks *webhooks)
{
  g_set_object (&self->webhooks, webhooks);
}
