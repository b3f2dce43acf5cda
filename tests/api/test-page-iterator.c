/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "sy-page-iterator.h"
#include "sy-test-support.h"

/* A real HTTP server in the test process that pages in odd ways. */
typedef struct _TestServer TestServer;
typedef void (*TestHandler) (TestServer        *server,
                             SoupServerMessage *message,
                             GHashTable        *query,
                             guint              hit);

struct _TestServer
{
  SoupServer *server;
  char       *url;
  TestHandler handler;
  guint       hits;
  GPtrArray  *queries;
  const char *expected_path;
};

static void
test_server_callback (SoupServer        *soup_server,
                      SoupServerMessage *message,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  TestServer *server = user_data;
  g_autoptr(GHashTable) empty = NULL;

  if (query == NULL)
    query = empty = g_hash_table_new (g_str_hash, g_str_equal);

  server->hits++;
  g_assert_cmpstr (path, ==, server->expected_path);
  g_ptr_array_add (server->queries, g_hash_table_ref (query));
  server->handler (server, message, query, server->hits);
}

static TestServer *
test_server_new (TestHandler handler)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  server->handler = handler;
  server->expected_path = "/api/wms/sales-orders";
  server->queries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  server->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server->server, NULL, test_server_callback, server, NULL);
  soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server->server);
  server->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return server;
}

static void
test_server_free (TestServer *server)
{
  soup_server_disconnect (server->server);
  g_object_unref (server->server);
  g_ptr_array_unref (server->queries);
  g_free (server->url);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestServer, test_server_free)

static const char *
query_of (TestServer *server,
          guint       hit,
          const char *name)
{
  g_assert_cmpuint (hit, >=, 1);
  g_assert_cmpuint (hit, <=, server->queries->len);
  return g_hash_table_lookup (g_ptr_array_index (server->queries, hit - 1), name);
}

static guint
page_param (GHashTable *query)
{
  const char *page = g_hash_table_lookup (query, "page");

  return page ? (guint) g_ascii_strtoull (page, NULL, 10) : 0;
}

/* n records keyed "<prefix>-<first + i>". */
static void
append_records (GString    *json,
                const char *prefix,
                guint       first,
                guint       n)
{
  g_string_append (json, "[");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (json, "%s{\"key\": \"%s-%u\", \"updatedAt\": \"2024-01-01T00:00:00Z\"}",
                            i ? "," : "", prefix, first + i);
  g_string_append (json, "]");
}

static void
respond_json (SoupServerMessage *message,
              GString           *json)
{
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY, json->str, json->len);
}

static SyApiClient *
new_client (const char *url)
{
  g_autoptr(GError) error = NULL;
  SyApiClient *client = sy_api_client_new (url, "page-test-token", &error);

  g_assert_no_error (error);
  sy_api_client_set_retry_policy (client, 8, 1);
  return client;
}

static JsonArray *
next_sync (SyPageIterator  *iterator,
           GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_page_iterator_next_async (iterator, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_page_iterator_next_finish (iterator, result, error);
}

/* Reads every page; counts each key and how many appear twice. Returns
 * the number of records, or stops at the first error. */
static guint
drain (SyPageIterator  *iterator,
       GHashTable      *keys,
       guint           *duplicates,
       GError         **error)
{
  guint n_records = 0;

  *duplicates = 0;
  for (;;)
    {
      g_autoptr(JsonArray) page = next_sync (iterator, error);

      if (page == NULL)
        return n_records;

      for (guint i = 0; i < json_array_get_length (page); i++)
        {
          JsonObject *record = json_array_get_object_element (page, i);
          const char *key = json_object_get_string_member (record, "key");

          n_records++;
          if (!g_hash_table_add (keys, g_strdup (key)))
            (*duplicates)++;
        }
    }
}

static GHashTable *
new_key_set (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* The query string */

static void
single_short_page_handler (TestServer        *server,
                           SoupServerMessage *message,
                           GHashTable        *query,
                           guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  append_records (json, "q", 0, 1);
  g_string_append (json, "}");
  respond_json (message, json);
}

static void
test_query (void)
{
  g_autoptr(TestServer) server = test_server_new (single_short_page_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 25);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  guint duplicates;

  sy_page_iterator_add_filter (iterator, "updatedAt", "gt", "2024-01-01T00:00:00+01:00");
  sy_page_iterator_add_filter (iterator, "status", NULL, "a&b=c d#e");
  sy_page_iterator_set_sort (iterator, "updatedAt", TRUE);
  sy_page_iterator_set_sort (iterator, "code", FALSE);

  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_true (sy_page_iterator_is_done (iterator));
  g_assert_cmpuint (sy_page_iterator_get_pages_read (iterator), ==, 1);
  g_assert_cmpint (sy_page_iterator_get_total (iterator), ==, -1);
  g_assert_cmpuint (server->hits, ==, 1);

  /* What the server decoded is exactly what was asked: escaping held. */
  g_assert_cmpuint (g_hash_table_size (g_ptr_array_index (server->queries, 0)), ==, 6);
  g_assert_cmpstr (query_of (server, 1, "page"), ==, "1");
  g_assert_cmpstr (query_of (server, 1, "per_page"), ==, "25");
  g_assert_cmpstr (query_of (server, 1, "filter[updatedAt:gt]"), ==, "2024-01-01T00:00:00+01:00");
  g_assert_cmpstr (query_of (server, 1, "filter[status]"), ==, "a&b=c d#e");
  g_assert_cmpstr (query_of (server, 1, "sort[updatedAt]"), ==, "1");
  g_assert_cmpstr (query_of (server, 1, "sort[code]"), ==, "0");
}

/* meta.current_page / meta.last_page */

static void
meta_handler (TestServer        *server,
              SoupServerMessage *message,
              GHashTable        *query,
              guint              hit)
{
  guint page = page_param (query);
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  g_assert_cmpuint (page, >=, 1);
  g_assert_cmpuint (page, <=, 3);
  append_records (json, "m", (page - 1) * 10, page < 3 ? 10 : 5);
  /* The links point elsewhere: page numbers must win, keeping the filters. */
  g_string_append_printf (json, ", \"links\": {\"next\": \"http://elsewhere.invalid/x?page=%u\"},"
                          " \"meta\": {\"current_page\": %u, \"last_page\": 3, \"per_page\": 10, \"total\": 25}}",
                          page + 1, page);
  respond_json (message, json);
}

static void
test_meta (void)
{
  g_autoptr(TestServer) server = test_server_new (meta_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) after_end = NULL;
  guint duplicates;

  sy_page_iterator_add_filter (iterator, "code", "startsWith", "SO");
  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 25);
  g_assert_no_error (error);
  g_assert_cmpuint (duplicates, ==, 0);
  g_assert_cmpuint (g_hash_table_size (keys), ==, 25);
  g_assert_cmpuint (sy_page_iterator_get_pages_read (iterator), ==, 3);
  g_assert_cmpint (sy_page_iterator_get_total (iterator), ==, 25);
  g_assert_true (sy_page_iterator_is_done (iterator));
  g_assert_cmpuint (server->hits, ==, 3);
  g_assert_cmpstr (query_of (server, 3, "page"), ==, "3");
  g_assert_cmpstr (query_of (server, 3, "filter[code:startsWith]"), ==, "SO");

  /* Once done, nothing more is asked. */
  after_end = next_sync (iterator, &error);
  g_assert_no_error (error);
  g_assert_null (after_end);
  g_assert_cmpuint (server->hits, ==, 3);
}

static void
unbounded_handler (TestServer        *server,
                   SoupServerMessage *message,
                   GHashTable        *query,
                   guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  /* Full pages of new records forever, but last_page says 2. */
  append_records (json, "u", hit * 10, 10);
  g_string_append (json, ", \"meta\": {\"last_page\": 2}}");
  respond_json (message, json);
}

static void
test_last_page_bound (void)
{
  g_autoptr(TestServer) server = test_server_new (unbounded_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  guint duplicates;

  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 20);
  g_assert_no_error (error);
  g_assert_cmpuint (server->hits, ==, 2);
}

/* links.next */

static void
links_handler (TestServer        *server,
               SoupServerMessage *message,
               GHashTable        *query,
               guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  append_records (json, "l", hit * 10, 10);
  if (hit == 1)
    g_string_append_printf (json, ", \"links\": {\"next\": \"%s/api/wms/sales-orders?page=2&per_page=10&via=absolute\"}}", server->url);
  else if (hit == 2)
    g_string_append (json, ", \"links\": {\"next\": \"/api/wms/sales-orders?page=3&per_page=10&via=relative\"}}");
  else
    g_string_append (json, ", \"links\": {\"next\": null}}");
  respond_json (message, json);
}

static void
test_links_next (void)
{
  g_autoptr(TestServer) server = test_server_new (links_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  guint duplicates;

  /* Full pages, so only the null link can end the reading. */
  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 30);
  g_assert_no_error (error);
  g_assert_cmpuint (server->hits, ==, 3);
  g_assert_cmpstr (query_of (server, 2, "via"), ==, "absolute");
  g_assert_cmpstr (query_of (server, 3, "via"), ==, "relative");
}

static void
foreign_link_handler (TestServer        *server,
                      SoupServerMessage *message,
                      GHashTable        *query,
                      guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  append_records (json, "f", hit * 10, hit < 3 ? 10 : 4);
  g_string_append (json, ", \"links\": {\"next\": \"http://attacker.invalid/api/wms/sales-orders?page=2\"}}");
  respond_json (message, json);
}

static void
test_links_other_host (void)
{
  g_autoptr(TestServer) server = test_server_new (foreign_link_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  guint duplicates;

  /* The foreign link is ignored; page numbers and the short page decide. */
  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 24);
  g_assert_no_error (error);
  g_assert_cmpuint (server->hits, ==, 3);
  g_assert_cmpstr (query_of (server, 2, "page"), ==, "2");
  g_assert_cmpstr (query_of (server, 3, "page"), ==, "3");
}

static void
prefixed_links_handler (TestServer        *server,
                        SoupServerMessage *message,
                        GHashTable        *query,
                        guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  append_records (json, "x", hit * 10, 10);
  if (hit == 1)
    g_string_append_printf (json, ", \"links\": {\"next\": \"%s/unified/api/wms/sales-orders?page=2&per_page=10\"}}", server->url);
  else if (hit == 2)
    /* Outside the base path: the same host, but not the API. */
    g_string_append_printf (json, ", \"links\": {\"next\": \"%s/other/api/wms/sales-orders?page=3\"}}", server->url);
  else
    g_string_append (json, ", \"links\": {\"next\": null}}");
  respond_json (message, json);
}

static void
test_base_path (void)
{
  g_autoptr(TestServer) server = test_server_new (prefixed_links_handler);
  g_autofree char *base_url = g_strconcat (server->url, "/unified/", NULL);
  g_autoptr(SyApiClient) client = new_client (base_url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  guint duplicates;

  /* Every request lands under the base path (the handler checks it). The
   * link that leaves it is not followed: there is no telling where the
   * rest is, and the list must not pass for complete. */
  server->expected_path = "/unified/api/wms/sales-orders";
  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 20);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
  g_assert_cmpuint (server->hits, ==, 2);
  g_assert_cmpstr (query_of (server, 2, "page"), ==, "2");
  g_assert_true (sy_page_iterator_is_done (iterator));
  g_test_message ("%s", error->message);
}

/* Servers that would loop forever */

static void
same_page_handler (TestServer        *server,
                   SoupServerMessage *message,
                   GHashTable        *query,
                   guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  append_records (json, "s", 0, 10);
  g_string_append_printf (json, ", \"links\": {\"next\": \"%s/api/wms/sales-orders?page=1&per_page=10\"},"
                          " \"meta\": {\"current_page\": 1}}", server->url);
  respond_json (message, json);
}

static void
test_same_page_forever (void)
{
  g_autoptr(TestServer) server = test_server_new (same_page_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) after_error = NULL;
  guint duplicates;

  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 10);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "same page"));
  g_assert_cmpuint (duplicates, ==, 0);
  g_assert_cmpuint (server->hits, ==, 2);
  g_assert_true (sy_page_iterator_is_done (iterator));

  g_clear_error (&error);
  after_error = next_sync (iterator, &error);
  g_assert_no_error (error);
  g_assert_null (after_error);
  g_assert_cmpuint (server->hits, ==, 2);
}

static void
same_cursor_handler (TestServer        *server,
                     SoupServerMessage *message,
                     GHashTable        *query,
                     guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  /* New records every time, so only the repeated cursor gives it away. */
  append_records (json, "c", hit * 10, 10);
  g_string_append (json, ", \"next_cursor\": \"c1\"}");
  respond_json (message, json);
}

static void
test_same_cursor_forever (void)
{
  g_autoptr(TestServer) server = test_server_new (same_cursor_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  guint duplicates;

  /* The second page's records are new and handed out; the reading stops
   * at the next call, before the repeated cursor is followed. */
  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 20);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "same page"));
  g_assert_cmpuint (duplicates, ==, 0);
  g_assert_cmpuint (server->hits, ==, 2);
  g_assert_true (sy_page_iterator_is_done (iterator));
  g_assert_cmpstr (query_of (server, 2, "cursor"), ==, "c1");
  g_assert_null (query_of (server, 2, "page"));
}

/* Ignores the page asked for and sends three pages in a cycle, without
 * meta or links: 30 records, read for ever. After 60 requests it gives
 * up with an empty page, so that a reader that does not notice ends. */
static void
cycling_pages_handler (TestServer        *server,
                       SoupServerMessage *message,
                       GHashTable        *query,
                       guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  append_records (json, "cy", ((hit - 1) % 3) * 10, hit <= 60 ? 10 : 0);
  g_string_append (json, "}");
  respond_json (message, json);
}

static void
alternating_pages_handler (TestServer        *server,
                           SoupServerMessage *message,
                           GHashTable        *query,
                           guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  append_records (json, "alt", (hit % 2) * 10, hit <= 60 ? 10 : 0);
  g_string_append (json, "}");
  respond_json (message, json);
}

static void
assert_cycle_stopped (TestHandler handler,
                      guint       distinct_pages)
{
  g_autoptr(TestServer) server = test_server_new (handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  guint duplicates;

  /* Every distinct page once; the first one met again ends the reading. */
  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, distinct_pages * 10);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "same page"));
  g_assert_cmpuint (duplicates, ==, 0);
  g_assert_cmpuint (server->hits, ==, distinct_pages + 1);
  g_assert_true (sy_page_iterator_is_done (iterator));
}

static void
test_alternating_pages (void)
{
  assert_cycle_stopped (alternating_pages_handler, 2);
}

static void
test_cycling_pages (void)
{
  assert_cycle_stopped (cycling_pages_handler, 3);
}

/* Page numbers a list cannot have: the next page number would overflow. */
static void
huge_page_number_handler (TestServer        *server,
                          SoupServerMessage *message,
                          GHashTable        *query,
                          guint              hit)
{
  const char *metas[] = {
    "{\"current_page\": 9223372036854775807, \"last_page\": 9223372036854775807}",
    "{\"current_page\": 9223372036854775807}",
    "{\"current_page\": 1, \"last_page\": 9223372036854775807}",
    "{\"current_page\": 1e300, \"last_page\": 2}",
    "{\"current_page\": \"-9223372036854775808\", \"last_page\": 2}",
  };
  g_autoptr(GString) json = g_string_new ("{\"data\": ");
  const char *meta = metas[GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (server->server), "case"))];
  append_records (json, "big", 0, 10);
  g_string_append_printf (json, ", \"meta\": %s}", meta);
  respond_json (message, json);
}

static void
test_huge_page_numbers (void)
{
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(TestServer) server = test_server_new (huge_page_number_handler);
      g_autoptr(SyApiClient) client = new_client (server->url);
      g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
      g_autoptr(GHashTable) keys = new_key_set ();
      g_autoptr(GError) error = NULL;
      guint duplicates;
      guint n_records;

      g_object_set_data (G_OBJECT (server->server), "case", GUINT_TO_POINTER (i));
      n_records = drain (iterator, keys, &duplicates, &error);
      g_test_message ("case %u: %u records, %s", i, n_records, error ? error->message : "no error");
      /* 1e300 is no integer at all: ignored, as if absent; the page
       * asked for next comes back the same and ends the reading. */
      if (i == 3)
        {
          g_assert_cmpuint (n_records, ==, 10);
          g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
          g_assert_cmpuint (server->hits, ==, 2);
          continue;
        }
      g_assert_cmpuint (n_records, ==, 0);
      g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
      g_assert_nonnull (strstr (error->message, "no list can have"));
      g_assert_cmpuint (server->hits, ==, 1);
    }
}

static void
stuck_page_number_handler (TestServer        *server,
                           SoupServerMessage *message,
                           GHashTable        *query,
                           guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  append_records (json, "n", hit * 10, 10);
  g_string_append (json, ", \"meta\": {\"current_page\": 1, \"last_page\": 50}}");
  respond_json (message, json);
}

static void
test_page_number_not_advancing (void)
{
  g_autoptr(TestServer) server = test_server_new (stuck_page_number_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  guint duplicates;

  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 10);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
  g_assert_cmpuint (server->hits, ==, 2);
  g_assert_cmpstr (query_of (server, 2, "page"), ==, "2");
}

/* Without paging hints */

static void
short_pages_handler (TestServer        *server,
                     SoupServerMessage *message,
                     GHashTable        *query,
                     guint              hit)
{
  guint page = page_param (query);
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  g_assert_cmpuint (page, ==, hit);
  append_records (json, "p", page * 100, page < 3 ? 10 : 3);
  g_string_append (json, "}");
  respond_json (message, json);
}

static void
full_then_empty_handler (TestServer        *server,
                         SoupServerMessage *message,
                         GHashTable        *query,
                         guint              hit)
{
  guint page = page_param (query);
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  append_records (json, "e", page * 100, page < 3 ? 10 : 0);
  g_string_append (json, "}");
  respond_json (message, json);
}

static void
bare_array_handler (TestServer        *server,
                    SoupServerMessage *message,
                    GHashTable        *query,
                    guint              hit)
{
  g_autoptr(GString) json = g_string_new (NULL);

  append_records (json, "b", hit * 100, hit < 2 ? 10 : 1);
  respond_json (message, json);
}

static void
test_no_hints (void)
{
  struct { TestHandler handler; guint records; guint hits; } cases[] = {
    { short_pages_handler, 23, 3 },
    { full_then_empty_handler, 20, 3 },
    { bare_array_handler, 11, 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestServer) server = test_server_new (cases[i].handler);
      g_autoptr(SyApiClient) client = new_client (server->url);
      g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
      g_autoptr(GHashTable) keys = new_key_set ();
      g_autoptr(GError) error = NULL;
      guint duplicates;

      g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, cases[i].records);
      g_assert_no_error (error);
      g_assert_cmpuint (duplicates, ==, 0);
      g_assert_cmpuint (server->hits, ==, cases[i].hits);
      g_assert_true (sy_page_iterator_is_done (iterator));
    }
}

/* Cursors */

static void
cursor_handler (TestServer        *server,
                SoupServerMessage *message,
                GHashTable        *query,
                guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  append_records (json, "k", hit * 10, 10);
  if (hit < 3)
    g_string_append_printf (json, ", \"next_cursor\": \"opaque/+=%u&x\"}", hit);
  else
    g_string_append (json, ", \"next_cursor\": null}");
  respond_json (message, json);
}

static void
test_cursor (void)
{
  g_autoptr(TestServer) server = test_server_new (cursor_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  guint duplicates;

  sy_page_iterator_add_filter (iterator, "updatedAt", "gteq", "2024-01-01");
  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 30);
  g_assert_no_error (error);
  g_assert_cmpuint (server->hits, ==, 3);
  g_assert_cmpstr (query_of (server, 1, "page"), ==, "1");
  g_assert_cmpstr (query_of (server, 2, "cursor"), ==, "opaque/+=1&x");
  g_assert_null (query_of (server, 2, "page"));
  g_assert_cmpstr (query_of (server, 3, "cursor"), ==, "opaque/+=2&x");
  g_assert_cmpstr (query_of (server, 3, "per_page"), ==, "10");
  g_assert_cmpstr (query_of (server, 3, "filter[updatedAt:gteq]"), ==, "2024-01-01");
}

/* Malformed pages and errors */

static void
malformed_handler (TestServer        *server,
                   SoupServerMessage *message,
                   GHashTable        *query,
                   guint              hit)
{
  g_autoptr(GString) json = NULL;

  switch (hit)
    {
    case 1:
      json = g_string_new ("{\"data\": {\"key\": \"1\"}}");
      break;
    case 2:
      json = g_string_new ("{\"data\": [1, 2, 3]}");
      break;
    case 3:
      json = g_string_new ("{\"items\": []}");
      break;
    default:
      json = g_string_new ("\"just a string\"");
      break;
    }
  respond_json (message, json);
}

static void
test_malformed_pages (void)
{
  g_autoptr(TestServer) server = test_server_new (malformed_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);

  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonArray) page = next_sync (iterator, &error);

      g_assert_null (page);
      g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
      g_assert_true (sy_page_iterator_is_done (iterator));
    }
  g_assert_cmpuint (server->hits, ==, 4);
}

static void
unauthorized_once_handler (TestServer        *server,
                           SoupServerMessage *message,
                           GHashTable        *query,
                           guint              hit)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": ");

  if (hit == 1)
    {
      soup_server_message_set_status (message, SOUP_STATUS_UNAUTHORIZED, NULL);
      return;
    }

  append_records (json, "r", 0, 3);
  g_string_append (json, "}");
  respond_json (message, json);
}

static void
test_error_then_resume (void)
{
  g_autoptr(TestServer) server = test_server_new (unauthorized_once_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) page = NULL;

  page = next_sync (iterator, &error);
  g_assert_null (page);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);
  g_assert_false (sy_page_iterator_is_done (iterator));
  g_assert_cmpuint (sy_page_iterator_get_pages_read (iterator), ==, 0);
  g_clear_error (&error);

  /* After a new token, say, the same page is asked for again. */
  page = next_sync (iterator, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (page), ==, 3);
  g_assert_cmpstr (query_of (server, 2, "page"), ==, "1");
  g_assert_true (sy_page_iterator_is_done (iterator));
}

static void
test_invalid_entity (void)
{
  g_autoptr(SyApiClient) client = new_client ("http://127.0.0.1:9");
  const char *entities[] = { "../system/connections", "wms", "wms/sales-orders?x=1" };

  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    {
      g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, entities[i], 10);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonArray) page = next_sync (iterator, &error);

      g_assert_null (page);
      g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_URL);
    }
}

/* Against the sandbox */

static SyApiClient *
sandbox_client (SySandboxProcess *sandbox)
{
  g_autoptr(GError) error = NULL;
  SyApiClient *client = sy_api_client_new (sy_sandbox_process_get_url (sandbox),
                                           sy_sandbox_process_get_token (sandbox, "wms"),
                                           &error);

  g_assert_no_error (error);
  sy_api_client_set_retry_policy (client, 10, 1);
  return client;
}

static gint64
sandbox_request_count (SyApiClient *client,
                       const char  *status)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) stats = NULL;
  JsonObject *requests;

  sy_api_client_get_async (client, "/__sandbox/stats", NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  stats = sy_api_client_get_finish (client, result, &error);
  g_assert_no_error (error);
  requests = json_object_get_object_member (json_node_get_object (stats), "requests");
  return json_object_get_int_member_with_default (requests, status, 0);
}

static void
assert_reads_every_key_once (const char *pagination)
{
  const char *args[] = { "--records", "2000", "--pagination", pagination, NULL };
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (args);
  g_autoptr(SyApiClient) client = sandbox_client (sandbox);
  const guint per_pages[] = { 15, 100, 500 };

  for (guint i = 0; i < G_N_ELEMENTS (per_pages); i++)
    {
      g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", per_pages[i]);
      g_autoptr(GHashTable) keys = new_key_set ();
      g_autoptr(GError) error = NULL;
      guint expected_pages = (2000 + per_pages[i] - 1) / per_pages[i];
      guint duplicates;

      g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 2000);
      g_assert_no_error (error);
      g_assert_cmpuint (duplicates, ==, 0);
      g_assert_cmpuint (g_hash_table_size (keys), ==, 2000);
      g_assert_true (sy_page_iterator_is_done (iterator));
      /* At most one extra, empty page to learn that the end is reached. */
      g_assert_cmpuint (sy_page_iterator_get_pages_read (iterator), >=, expected_pages);
      g_assert_cmpuint (sy_page_iterator_get_pages_read (iterator), <=, expected_pages + 1);
      if (g_str_equal (pagination, "pages"))
        g_assert_cmpint (sy_page_iterator_get_total (iterator), ==, 2000);
    }
}

static void
test_sandbox_pages (void)
{
  assert_reads_every_key_once ("pages");
}

static void
test_sandbox_cursor (void)
{
  assert_reads_every_key_once ("cursor");
}

static int
compare_string_pointers (gconstpointer a,
                         gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
test_sandbox_filter (void)
{
  const char *args[] = { "--records", "2000", NULL };
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (args);
  g_autoptr(SyApiClient) client = sandbox_client (sandbox);
  g_autoptr(SyPageIterator) all = sy_page_iterator_new (client, "wms/sales-orders", 500);
  g_autoptr(SyPageIterator) newer = NULL;
  g_autoptr(GHashTable) updated_at = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) times = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *threshold;
  guint expected = 0;
  guint returned = 0;
  JsonArray *page;

  while ((page = next_sync (all, &error)) != NULL)
    {
      for (guint i = 0; i < json_array_get_length (page); i++)
        {
          JsonObject *record = json_array_get_object_element (page, i);

          g_hash_table_insert (updated_at,
                               g_strdup (json_object_get_string_member (record, "key")),
                               g_strdup (json_object_get_string_member (record, "updatedAt")));
        }
      json_array_unref (page);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (updated_at), ==, 2000);

  /* The median: about half the records are newer. The timestamps share one
   * format, so they compare as strings. */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, updated_at);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_add (times, value);
  }
  g_ptr_array_sort (times, compare_string_pointers);
  threshold = g_ptr_array_index (times, times->len / 2);
  for (guint i = 0; i < times->len; i++)
    expected += strcmp (g_ptr_array_index (times, i), threshold) > 0;
  g_assert_cmpuint (expected, >, 0);
  g_assert_cmpuint (expected, <, 2000);

  newer = sy_page_iterator_new (client, "wms/sales-orders", 100);
  sy_page_iterator_add_filter (newer, "updatedAt", "gt", threshold);
  while ((page = next_sync (newer, &error)) != NULL)
    {
      for (guint i = 0; i < json_array_get_length (page); i++)
        {
          JsonObject *record = json_array_get_object_element (page, i);
          const char *key = json_object_get_string_member (record, "key");
          const char *updated = json_object_get_string_member (record, "updatedAt");

          g_assert_cmpstr (updated, >, threshold);
          g_assert_cmpstr (g_hash_table_lookup (updated_at, key), ==, updated);
          returned++;
        }
      json_array_unref (page);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (returned, ==, expected);
}

static void
test_sandbox_fail_rate (void)
{
  const char *args[] = { "--records", "2000", "--fail-rate", "0.3", NULL };
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (args);
  g_autoptr(SyApiClient) client = sandbox_client (sandbox);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 100);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  guint duplicates;

  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 2000);
  g_assert_no_error (error);
  g_assert_cmpuint (duplicates, ==, 0);
  g_assert_cmpuint (g_hash_table_size (keys), ==, 2000);

  /* The failures did happen and were retried. */
  g_assert_cmpint (sandbox_request_count (client, "500") +
                   sandbox_request_count (client, "502") +
                   sandbox_request_count (client, "503"), >, 0);
}

static void
test_sandbox_drop_rate (void)
{
  const char *args[] = { "--records", "1000", "--drop-rate", "0.3", "--pagination", "cursor", NULL };
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (args);
  g_autoptr(SyApiClient) client = sandbox_client (sandbox);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 50);
  g_autoptr(GHashTable) keys = new_key_set ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) stats = NULL;
  guint duplicates;

  g_assert_cmpuint (drain (iterator, keys, &duplicates, &error), ==, 1000);
  g_assert_no_error (error);
  g_assert_cmpuint (duplicates, ==, 0);
  g_assert_cmpuint (g_hash_table_size (keys), ==, 1000);

  sy_api_client_get_async (client, "/__sandbox/stats", NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  stats = sy_api_client_get_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (stats), "dropped_connections"), >, 0);
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_sandbox_rate_limit (void)
{
  const char *args[] = { "--records", "100", "--rate-limit", "3", NULL };
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (args);
  g_autoptr(SyApiClient) client = sandbox_client (sandbox);
  g_autoptr(SyPageIterator) iterator = sy_page_iterator_new (client, "wms/sales-orders", 10);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) page = NULL;
  g_autoptr(SyApiClient) impatient = NULL;
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonArray) allowed = next_sync (iterator, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (json_array_get_length (allowed), ==, 10);
    }

  /* The fourth request in the minute is answered 429 with a Retry-After
   * of up to a minute: the client waits instead of failing at once. */
  g_timeout_add (1500, cancel_later, cancellable);
  sy_page_iterator_next_async (iterator, cancellable, sy_test_store_result, &result);
  sy_test_await (&result);
  page = sy_page_iterator_next_finish (iterator, result, &error);
  g_assert_null (page);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (sandbox_request_count (client, "429"), ==, 1);
  g_assert_false (sy_page_iterator_is_done (iterator));
  g_assert_cmpuint (sy_page_iterator_get_pages_read (iterator), ==, 3);
  g_clear_error (&error);

  /* Without retries, the Retry-After the sandbox sent is in the error. */
  impatient = sandbox_client (sandbox);
  sy_api_client_set_retry_policy (impatient, 0, 1);
  g_clear_object (&result);
  sy_api_client_get_async (impatient, "/api/wms/sales-orders", NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  node = sy_api_client_get_finish (impatient, result, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_RATE_LIMITED);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 429);
  g_assert_cmpuint (sy_api_error_get_retry_after (error), >=, 1);
  g_assert_cmpuint (sy_api_error_get_retry_after (error), <=, 60);
  g_assert_nonnull (sy_api_error_get_request_id (error));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/page-iterator/query", test_query);
  g_test_add_func ("/page-iterator/meta", test_meta);
  g_test_add_func ("/page-iterator/last-page-bound", test_last_page_bound);
  g_test_add_func ("/page-iterator/links-next", test_links_next);
  g_test_add_func ("/page-iterator/links-other-host", test_links_other_host);
  g_test_add_func ("/page-iterator/base-path", test_base_path);
  g_test_add_func ("/page-iterator/same-page-forever", test_same_page_forever);
  g_test_add_func ("/page-iterator/same-cursor-forever", test_same_cursor_forever);
  g_test_add_func ("/page-iterator/page-number-not-advancing", test_page_number_not_advancing);
  g_test_add_func ("/page-iterator/alternating-pages", test_alternating_pages);
  g_test_add_func ("/page-iterator/cycling-pages", test_cycling_pages);
  g_test_add_func ("/page-iterator/huge-page-numbers", test_huge_page_numbers);
  g_test_add_func ("/page-iterator/no-hints", test_no_hints);
  g_test_add_func ("/page-iterator/cursor", test_cursor);
  g_test_add_func ("/page-iterator/malformed-pages", test_malformed_pages);
  g_test_add_func ("/page-iterator/error-then-resume", test_error_then_resume);
  g_test_add_func ("/page-iterator/invalid-entity", test_invalid_entity);
  g_test_add_func ("/page-iterator/sandbox/pages", test_sandbox_pages);
  g_test_add_func ("/page-iterator/sandbox/cursor", test_sandbox_cursor);
  g_test_add_func ("/page-iterator/sandbox/filter", test_sandbox_filter);
  g_test_add_func ("/page-iterator/sandbox/fail-rate", test_sandbox_fail_rate);
  g_test_add_func ("/page-iterator/sandbox/drop-rate", test_sandbox_drop_rate);
  g_test_add_func ("/page-iterator/sandbox/rate-limit", test_sandbox_rate_limit);

  return g_test_run ();
}
