/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libsoup/soup.h>

#include "sy-api-client-private.h"
#include "sy-test-support.h"

#define TEST_TOKEN "sy-test-token-5f0c2a9d1e"

/* Everything logged, captured to prove the token is never in it. */
static GString *captured_log;

static GLogWriterOutput
capture_log_writer (GLogLevelFlags   log_level,
                    const GLogField *fields,
                    gsize            n_fields,
                    gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }

  /* Every domain, not only the client's: libsoup and GIO must not leak
   * the token either. */
  if (message != NULL)
    {
      g_string_append_printf (captured_log, "%s: %s\n", domain ? domain : "", message);
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* A real HTTP server in the test process that misbehaves on purpose. */
typedef struct _TestServer TestServer;
typedef void (*TestHandler) (TestServer        *server,
                             SoupServerMessage *message,
                             guint              hit);

struct _TestServer
{
  SoupServer  *server;
  char        *url;
  TestHandler  handler;
  guint        hits;
  gpointer     data;
  char        *last_path;
  char        *last_method;
  GHashTable  *last_query;
  SoupMessageHeaders *last_headers;
  char        *last_body;
  gboolean     saw_disconnect;
  GSource     *hangup_source;
};

static void
test_server_callback (SoupServer        *soup_server,
                      SoupServerMessage *message,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  TestServer *server = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (message);

  server->hits++;
  g_free (server->last_path);
  server->last_path = g_strdup (path);
  g_free (server->last_method);
  server->last_method = g_strdup (soup_server_message_get_method (message));
  g_clear_pointer (&server->last_query, g_hash_table_unref);
  server->last_query = query ? g_hash_table_ref (query) : NULL;
  g_clear_pointer (&server->last_headers, soup_message_headers_unref);
  server->last_headers = soup_message_headers_ref (soup_server_message_get_request_headers (message));
  g_free (server->last_body);
  server->last_body = body->length ? g_strndup (body->data, body->length) : NULL;

  server->handler (server, message, server->hits);
}

/* Over HTTPS with this certificate, or plain HTTP when it is NULL. */
static TestServer *
test_server_new_full (TestHandler      handler,
                      GTlsCertificate *certificate)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;
  SoupServerListenOptions options = SOUP_SERVER_LISTEN_IPV4_ONLY;
  GSList *uris;

  server->handler = handler;
  if (certificate != NULL)
    {
      server->server = soup_server_new ("tls-certificate", certificate, NULL);
      options |= SOUP_SERVER_LISTEN_HTTPS;
    }
  else
    server->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server->server, NULL, test_server_callback, server, NULL);
  soup_server_listen_local (server->server, 0, options, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server->server);
  g_assert_nonnull (uris);
  server->url = g_strdup_printf ("%s://127.0.0.1:%d", certificate != NULL ? "https" : "http",
                                 g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return server;
}

static TestServer *
test_server_new (TestHandler handler)
{
  return test_server_new_full (handler, NULL);
}

static void
test_server_free (TestServer *server)
{
  if (server->hangup_source != NULL)
    {
      g_source_destroy (server->hangup_source);
      g_source_unref (server->hangup_source);
    }
  soup_server_disconnect (server->server);
  g_object_unref (server->server);
  g_clear_pointer (&server->last_query, g_hash_table_unref);
  g_clear_pointer (&server->last_headers, soup_message_headers_unref);
  g_free (server->last_path);
  g_free (server->last_method);
  g_free (server->last_body);
  g_free (server->url);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestServer, test_server_free)

static void
respond (SoupServerMessage *message,
         guint              status,
         const char        *content_type,
         const char        *body)
{
  soup_server_message_set_status (message, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (message, content_type, SOUP_MEMORY_COPY, body, strlen (body));
}

static SyApiClient *
new_client (const char *url)
{
  g_autoptr(GError) error = NULL;
  SyApiClient *client = sy_api_client_new (url, TEST_TOKEN, &error);

  g_assert_no_error (error);
  g_assert_nonnull (client);
  /* Short waits keep the tests quick; the retry logic is the same. */
  sy_api_client_set_retry_policy (client, 3, 1);
  return client;
}

static JsonNode *
get_sync (SyApiClient   *client,
          const char    *path,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_api_client_get_async (client, path, cancellable, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_api_client_get_finish (client, result, error);
}

static JsonNode *
send_sync (SyApiClient  *client,
           const char   *method,
           const char   *path,
           const char   *json,
           GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) body = json ? json_from_string (json, NULL) : NULL;

  sy_api_client_send_async (client, method, path, body, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_api_client_send_finish (client, result, error);
}

static void
assert_no_token (const char *text)
{
  g_assert_null (strstr (text, TEST_TOKEN));
}

/* Base URLs */

static void
test_base_url (void)
{
  struct { const char *in; const char *out; } valid[] = {
    { "https://api.makini.io", "https://api.makini.io" },
    { "https://api.makini.io/", "https://api.makini.io" },
    { "https://api.makini.io///", "https://api.makini.io" },
    { "  http://127.0.0.1:8080/ ", "http://127.0.0.1:8080" },
    { "HTTPS://api.makini.io:443/", "https://api.makini.io" },
    { "https://example.com/unified/", "https://example.com/unified" },
  };
  const char *invalid[] = {
    "", "api.makini.io", "ftp://api.makini.io", "file:///etc/passwd", "http://",
    "https://user:secret@api.makini.io", "https://api.makini.io/?x=1", "javascript:alert(1)",
    "not a url at all",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SyApiClient) client = sy_api_client_new (valid[i].in, "t", &error);

      g_assert_no_error (error);
      g_assert_cmpstr (sy_api_client_get_base_url (client), ==, valid[i].out);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SyApiClient) client = sy_api_client_new (invalid[i], "t", &error);

      g_assert_null (client);
      g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_URL);
      g_assert_cmpuint (strlen (error->message), >, 10);
      g_assert_null (strstr (error->message, "secret"));
    }
}

static void
test_entity_path (void)
{
  struct { const char *in; const char *out; } valid[] = {
    { "wms/sales-orders", "/api/wms/sales-orders" },
    { "erp/customers", "/api/erp/customers" },
    { "eam/work-orders/wo_1.2", "/api/eam/work-orders/wo_1.2" },
  };
  const char *invalid[] = {
    "", "wms", "wms/", "/wms/sales-orders", "wms//sales-orders", "wms/../system/connections",
    "wms/..", "wms/sales-orders?page=2", "wms/sales-orders#x", "WMS/sales-orders",
    "wms/sales orders", "wms/sales%2forders", "wms/sales-orders&x=1", "https://evil/wms/x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = sy_api_client_entity_path (valid[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (path, ==, valid[i].out);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = sy_api_client_entity_path (invalid[i], &error);

      g_assert_null (path);
      g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_URL);
    }
}

/* Requests */

static void
echo_handler (TestServer        *server,
              SoupServerMessage *message,
              guint              hit)
{
  if (g_str_equal (soup_server_message_get_method (message), "PUT"))
    respond (message, SOUP_STATUS_NO_CONTENT, NULL, NULL);
  else
    respond (message, SOUP_STATUS_OK, "application/json", "{\"data\": {\"ok\": true}}");
}

static void
test_request_headers (void)
{
  g_autoptr(TestServer) server = test_server_new (echo_handler);
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *base = g_strconcat (server->url, "/", NULL);
  g_autofree char *user_agent = g_strdup_printf ("Switchyard/%s", PACKAGE_VERSION);

  client = new_client (base);
  node = get_sync (client, "/api/wms/products?page=2", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  g_assert_cmpstr (server->last_method, ==, "GET");
  g_assert_cmpstr (server->last_path, ==, "/api/wms/products");
  g_assert_cmpstr (g_hash_table_lookup (server->last_query, "page"), ==, "2");
  g_assert_cmpstr (soup_message_headers_get_one (server->last_headers, "Authorization"), ==, "Bearer " TEST_TOKEN);
  g_assert_cmpstr (soup_message_headers_get_one (server->last_headers, "Accept"), ==, "application/json");
  g_assert_cmpstr (soup_message_headers_get_one (server->last_headers, "User-Agent"), ==, user_agent);

  /* A path without its leading slash still lands under the base URL. */
  g_clear_pointer (&node, json_node_unref);
  node = get_sync (client, "api/wms/stocks", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (server->last_path, ==, "/api/wms/stocks");

  g_clear_pointer (&node, json_node_unref);
  node = send_sync (client, "POST", "/api/erp/sales-orders", "{\"code\": \"A-1\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (server->last_method, ==, "POST");
  g_assert_cmpstr (server->last_body, ==, "{\"code\":\"A-1\"}");
  g_assert_cmpstr (soup_message_headers_get_content_type (server->last_headers, NULL), ==, "application/json");
  g_assert_cmpstr (soup_message_headers_get_one (server->last_headers, "Authorization"), ==, "Bearer " TEST_TOKEN);

  /* An update may answer 204 with nothing. */
  g_clear_pointer (&node, json_node_unref);
  node = send_sync (client, "PUT", "/api/erp/sales-orders/1", "{\"code\": \"A-1\"}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_NULL (node));
  g_assert_cmpstr (server->last_method, ==, "PUT");

  sy_api_client_set_token (client, "another-token");
  g_clear_pointer (&node, json_node_unref);
  node = get_sync (client, "/api/wms/stocks", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (soup_message_headers_get_one (server->last_headers, "Authorization"), ==, "Bearer another-token");
}

static void
html_200_handler (TestServer        *server,
                  SoupServerMessage *message,
                  guint              hit)
{
  respond (message, SOUP_STATUS_OK, "text/html",
           "<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in</body></html>");
}

static void
garbage_200_handler (TestServer        *server,
                     SoupServerMessage *message,
                     guint              hit)
{
  respond (message, SOUP_STATUS_OK, "application/json", "{\"data\": [1, 2,");
}

static void
empty_200_handler (TestServer        *server,
                   SoupServerMessage *message,
                   guint              hit)
{
  respond (message, SOUP_STATUS_OK, "application/json", "");
}

static void
test_invalid_success_bodies (void)
{
  TestHandler handlers[] = { html_200_handler, garbage_200_handler, empty_200_handler };

  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    {
      g_autoptr(TestServer) server = test_server_new (handlers[i]);
      g_autoptr(SyApiClient) client = new_client (server->url);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;

      node = get_sync (client, "/api/wms/sales-orders", NULL, &error);
      g_assert_null (node);
      g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
      g_assert_cmpuint (sy_api_error_get_status (error), ==, 200);
      g_assert_nonnull (strstr (error->message, "/api/wms/sales-orders"));
      g_assert_null (strstr (error->message, "<"));
      /* Not a transient failure: asking again would not help. */
      g_assert_cmpuint (server->hits, ==, 1);

      /* A create must answer with the record it made. */
      g_clear_error (&error);
      node = send_sync (client, "POST", "/api/erp/sales-orders", "{}", &error);
      g_assert_null (node);
      g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
    }
}

static void
html_500_handler (TestServer        *server,
                  SoupServerMessage *message,
                  guint              hit)
{
  respond (message, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/html; charset=utf-8",
           "<html><head><title>500 Internal\n  Server Error</title><style>body{}</style></head>"
           "<body><h1>Whoops, looks like something went wrong.</h1></body></html>");
}

static void
test_html_500 (void)
{
  g_autoptr(TestServer) server = test_server_new (html_500_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = get_sync (client, "/api/wms/sales-orders", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_SERVER);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 500);
  g_assert_true (sy_api_error_is_transient (error));
  g_assert_nonnull (strstr (error->message, "500 Internal Server Error"));
  g_assert_null (strstr (error->message, "<"));
  g_assert_null (strstr (error->message, "Whoops"));
  /* One attempt and three retries. */
  g_assert_cmpuint (server->hits, ==, 4);
  g_assert_nonnull (strstr (error->message, "4 attempts"));
}

static void
retry_after_handler (TestServer        *server,
                     SoupServerMessage *message,
                     guint              hit)
{
  if (hit == 1)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (message), "Retry-After", "1");
      respond (message, 429, "application/json", "{\"message\": \"Too Many Attempts.\"}");
      return;
    }

  respond (message, SOUP_STATUS_OK, "application/json", "{\"data\": []}");
}

static void
test_retry_after (void)
{
  g_autoptr(TestServer) server = test_server_new (retry_after_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 start = g_get_monotonic_time ();

  node = get_sync (client, "/api/wms/stocks", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpuint (server->hits, ==, 2);
  /* The backoff base is 1 ms: only Retry-After explains a pause of a second. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * G_TIME_SPAN_MILLISECOND);
}

static void
retry_after_date_handler (TestServer        *server,
                          SoupServerMessage *message,
                          guint              hit)
{
  if (hit == 1)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) later = g_date_time_add_seconds (now, 2);
      g_autofree char *date = soup_date_time_to_string (later, SOUP_DATE_HTTP);

      soup_message_headers_replace (soup_server_message_get_response_headers (message), "Retry-After", date);
      respond (message, SOUP_STATUS_SERVICE_UNAVAILABLE, "text/plain", "maintenance");
      return;
    }

  respond (message, SOUP_STATUS_OK, "application/json", "{\"data\": []}");
}

static void
test_retry_after_date (void)
{
  g_autoptr(TestServer) server = test_server_new (retry_after_date_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 start = g_get_monotonic_time ();

  node = get_sync (client, "/api/wms/stocks", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (server->hits, ==, 2);
  /* An HTTP date two seconds ahead (whole seconds): at least one second. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * G_TIME_SPAN_MILLISECOND);
}

static void
unavailable_once_handler (TestServer        *server,
                          SoupServerMessage *message,
                          guint              hit)
{
  if (hit == 1)
    respond (message, SOUP_STATUS_SERVICE_UNAVAILABLE, "application/json", "{\"message\": \"Down for maintenance\"}");
  else
    respond (message, SOUP_STATUS_OK, "application/json", "{\"data\": {\"key\": \"1\"}}");
}

static void
test_retry_503 (void)
{
  g_autoptr(TestServer) server = test_server_new (unavailable_once_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = get_sync (client, "/api/wms/stocks", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (server->hits, ==, 2);

  /* PUT is idempotent: retried too. */
  server->hits = 0;
  g_clear_pointer (&node, json_node_unref);
  node = send_sync (client, "PUT", "/api/erp/sales-orders/1", "{}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (server->hits, ==, 2);

  /* POST is not: whether a create may be repeated is the caller's call. */
  server->hits = 0;
  g_clear_pointer (&node, json_node_unref);
  node = send_sync (client, "POST", "/api/erp/sales-orders", "{}", &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_SERVER);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 503);
  g_assert_nonnull (strstr (error->message, "Down for maintenance"));
  g_assert_cmpuint (server->hits, ==, 1);
}

static void
always_429_handler (TestServer        *server,
                    SoupServerMessage *message,
                    guint              hit)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (message), "Retry-After", "7");
  soup_message_headers_replace (soup_server_message_get_response_headers (message), "X-Request-ID", "rl-42");
  respond (message, 429, "application/json", "{\"message\": \"Too Many Attempts.\"}");
}

static void
test_post_rate_limited (void)
{
  g_autoptr(TestServer) server = test_server_new (always_429_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = send_sync (client, "POST", "/api/erp/sales-orders", "{}", &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_RATE_LIMITED);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 429);
  g_assert_cmpuint (sy_api_error_get_retry_after (error), ==, 7);
  g_assert_cmpstr (sy_api_error_get_request_id (error), ==, "rl-42");
  g_assert_nonnull (strstr (error->message, "7 seconds"));
  g_assert_nonnull (strstr (error->message, "(request id rl-42)"));
  g_assert_cmpuint (server->hits, ==, 1);
}

static void
validation_handler (TestServer        *server,
                    SoupServerMessage *message,
                    guint              hit)
{
  if (g_str_equal (server->last_path, "/api/erp/sales-orders"))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (message), "X-Request-ID", "abc-123");
      respond (message, SOUP_STATUS_UNPROCESSABLE_ENTITY, "application/json",
               "{\"message\": \"The given data was invalid.\", \"errors\": {"
               "\"code\": [\"The code has already been taken.\"],"
               "\"lines.0.quantity\": [\"The quantity must be at least 1.\", \"The quantity must be an integer.\"]}}");
    }
  else
    {
      /* Request id only in the body, errors in an odd shape. */
      respond (message, SOUP_STATUS_UNPROCESSABLE_ENTITY, "application/json",
               "{\"request_id\": \"body-77\", \"errors\": {\"date\": \"is not a date\", \"memo\": 3}}");
    }
}

static void
test_validation (void)
{
  g_autoptr(TestServer) server = test_server_new (validation_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  GHashTable *field_errors;
  const char * const *messages;

  node = send_sync (client, "POST", "/api/erp/sales-orders", "{\"code\": \"A-1\"}", &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_VALIDATION);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 422);
  g_assert_cmpstr (sy_api_error_get_request_id (error), ==, "abc-123");
  g_assert_false (sy_api_error_is_transient (error));
  field_errors = sy_api_error_get_field_errors (error);
  g_assert_nonnull (field_errors);
  g_assert_cmpuint (g_hash_table_size (field_errors), ==, 2);
  messages = g_hash_table_lookup (field_errors, "code");
  g_assert_nonnull (messages);
  g_assert_cmpuint (g_strv_length ((GStrv) messages), ==, 1);
  g_assert_cmpstr (messages[0], ==, "The code has already been taken.");
  messages = g_hash_table_lookup (field_errors, "lines.0.quantity");
  g_assert_cmpuint (g_strv_length ((GStrv) messages), ==, 2);
  g_assert_nonnull (strstr (error->message, "HTTP 422"));
  g_assert_nonnull (strstr (error->message, "The given data was invalid."));
  g_assert_nonnull (strstr (error->message, "code: The code has already been taken."));
  g_assert_true (g_str_has_suffix (error->message, "(request id abc-123)"));
  g_test_message ("%s", error->message);
  g_assert_cmpuint (server->hits, ==, 1);

  /* A PUT that fails validation is not retried either. */
  g_clear_error (&error);
  node = send_sync (client, "PUT", "/api/erp/sales-orders/9", "{}", &error);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_VALIDATION);
  g_assert_cmpstr (sy_api_error_get_request_id (error), ==, "body-77");
  field_errors = sy_api_error_get_field_errors (error);
  messages = g_hash_table_lookup (field_errors, "date");
  g_assert_cmpstr (messages[0], ==, "is not a date");
  messages = g_hash_table_lookup (field_errors, "memo");
  g_assert_nonnull (messages);
  g_assert_cmpuint (g_strv_length ((GStrv) messages), ==, 0);
  g_assert_cmpuint (server->hits, ==, 2);
}

static void
odd_errors_handler (TestServer        *server,
                    SoupServerMessage *message,
                    guint              hit)
{
  const char *path = server->last_path;

  if (g_str_equal (path, "/401"))
    respond (message, SOUP_STATUS_UNAUTHORIZED, "application/json", "{\"error\": \"invalid_token\"}");
  else if (g_str_equal (path, "/401-bare"))
    respond (message, SOUP_STATUS_UNAUTHORIZED, "application/json", "{}");
  else if (g_str_equal (path, "/403"))
    respond (message, SOUP_STATUS_FORBIDDEN, "application/json", "[{\"message\": \"No access to WMS\"}]");
  else if (g_str_equal (path, "/404"))
    {
      /* A megabyte of text: the message must stay readable. */
      g_autoptr(GString) huge = g_string_new ("Not here. ");
      while (huge->len < 1024 * 1024)
        g_string_append (huge, "blah\x01\x02 ");
      soup_message_headers_replace (soup_server_message_get_response_headers (message), "X-Request-Id", "x y<script>");
      respond (message, SOUP_STATUS_NOT_FOUND, "text/plain", huge->str);
    }
  else if (g_str_equal (path, "/418"))
    respond (message, 418, "application/json", "{\"message\": \"I'm a teapot\", \"request_id\": 12345}");
  else if (g_str_equal (path, "/302"))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (message), "Location", "http://elsewhere.invalid/steal");
      respond (message, SOUP_STATUS_FOUND, "text/html", "<a href=x>moved</a>");
    }
  else
    respond (message, SOUP_STATUS_OK, "application/json", "{}");
}

static GError *
get_error (SyApiClient *client,
           const char  *path)
{
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;

  node = get_sync (client, path, NULL, &error);
  g_assert_null (node);
  g_assert_nonnull (error);
  assert_no_token (error->message);
  return error;
}

static void
test_odd_error_bodies (void)
{
  g_autoptr(TestServer) server = test_server_new (odd_errors_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;

  error = get_error (client, "/401");
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 401);
  g_assert_nonnull (strstr (error->message, "Paste a new token or re-authorise the connection"));
  g_assert_nonnull (strstr (error->message, "invalid_token"));
  g_clear_error (&error);

  error = get_error (client, "/401-bare");
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);
  g_assert_null (sy_api_error_get_request_id (error));
  g_clear_error (&error);

  error = get_error (client, "/403");
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_FORBIDDEN);
  g_assert_nonnull (strstr (error->message, "No access to WMS"));
  g_clear_error (&error);

  error = get_error (client, "/404");
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_NOT_FOUND);
  g_assert_cmpuint (strlen (error->message), <, 600);
  g_assert_nonnull (strstr (error->message, "Not here."));
  g_assert_null (strchr (error->message, '\x01'));
  g_assert_null (strstr (error->message, "<script>"));
  g_assert_cmpstr (sy_api_error_get_request_id (error), ==, "xyscript");
  g_clear_error (&error);

  error = get_error (client, "/418");
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_HTTP);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 418);
  g_assert_cmpstr (sy_api_error_get_request_id (error), ==, "12345");
  g_clear_error (&error);

  /* Redirects are not followed: the token stays with the configured server. */
  server->hits = 0;
  error = get_error (client, "/302");
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_HTTP);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 302);
  g_assert_nonnull (strstr (error->message, "http://elsewhere.invalid/steal"));
  g_assert_cmpuint (server->hits, ==, 1);
}

static void
big_body_handler (TestServer        *server,
                  SoupServerMessage *message,
                  guint              hit)
{
  g_autoptr(GString) body = g_string_new ("{\"data\": [");

  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (body, "%s{\"key\": \"%u\", \"memo\": \"a record with some text in it\"}", i ? "," : "", i);
  if (g_str_equal (server->last_path, "/broken"))
    g_string_append (body, ",");
  g_string_append (body, "]}");

  respond (message, SOUP_STATUS_OK, "application/json", body->str);
}

static void
test_big_body (void)
{
  g_autoptr(TestServer) server = test_server_new (big_body_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *data;

  node = get_sync (client, "/big", NULL, &error);
  g_assert_no_error (error);
  data = json_object_get_array_member (json_node_get_object (node), "data");
  g_assert_cmpuint (json_array_get_length (data), ==, 20000);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (data, 19999), "key"), ==, "19999");
  /* Callers may edit what they get (a mapping fills in fields). */
  json_object_set_string_member (json_array_get_object_element (data, 0), "memo", "edited");

  g_clear_pointer (&node, json_node_unref);
  node = get_sync (client, "/broken", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
}

/* Hostile answers: nested too deep, too large, trickled */

static char *
nested_lists (gsize levels)
{
  char *text = g_malloc (2 * levels + 1);

  memset (text, '[', levels);
  memset (text + levels, ']', levels);
  text[2 * levels] = '\0';
  return text;
}

static void
deep_handler (TestServer        *server,
              SoupServerMessage *message,
              guint              hit)
{
  g_autofree char *deep = nested_lists (100000);
  guint status = g_str_equal (server->last_path, "/deep-error") ? SOUP_STATUS_UNPROCESSABLE_ENTITY : SOUP_STATUS_OK;

  respond (message, status, "application/json", deep);
}

static void
huge_integer_handler (TestServer        *server,
                      SoupServerMessage *message,
                      guint              hit)
{
  respond (message, SOUP_STATUS_OK, "application/json",
           "{\"data\": [{\"key\": \"1\", \"quantity\": 9223372036854775808}]}");
}

/* json-glib would read the quantity as -9223372036854775808, without an
 * error, and a sync would write that on: the answer is refused instead. */
static void
test_huge_integer_answer (void)
{
  g_autoptr(TestServer) server = test_server_new (huge_integer_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = get_sync (client, "/records", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "too large to be kept exactly"));
}

/* json-glib recurses once per level: 100,000 levels (200 KB) overflowed
 * the stack of every command that read such an answer. */
static void
test_deep_answer (void)
{
  g_autoptr(TestServer) server = test_server_new (deep_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = get_sync (client, "/deep", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "levels deep"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* An error answer is parsed for its message: no deeper either. */
  node = send_sync (client, "POST", "/deep-error", "{}", &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_VALIDATION);
}

/* Bytes the flooding handler produced, over all its answers. */
static gsize flood_produced;
#define FLOOD_CHUNK (256 * 1024)

static void
flood_append (SoupServerMessage *message)
{
  SoupMessageBody *body = soup_server_message_get_response_body (message);
  gsize limit = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (message), "flood-limit"));
  gsize sent = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (message), "flood-sent"));
  char *chunk;

  if (sent >= limit)
    {
      soup_message_body_complete (body);
      return;
    }
  chunk = g_malloc (FLOOD_CHUNK);
  memset (chunk, ' ', FLOOD_CHUNK);
  soup_message_body_append (body, SOUP_MEMORY_TAKE, chunk, FLOOD_CHUNK);
  flood_produced += FLOOD_CHUNK;
  g_object_set_data (G_OBJECT (message), "flood-sent", GSIZE_TO_POINTER (sent + FLOOD_CHUNK));
}

/* An answer of 64 MiB (or 200 MiB for an error), made only as fast as the
 * client reads it, in chunks with no length announced. */
static void
flood_handler (TestServer        *server,
               SoupServerMessage *message,
               guint              hit)
{
  gboolean error = g_str_equal (server->last_path, "/flood-error");
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

  soup_server_message_set_status (message, error ? SOUP_STATUS_INTERNAL_SERVER_ERROR : SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, error ? "text/plain" : "application/json", NULL);
  g_object_set_data (G_OBJECT (message), "flood-limit",
                     GSIZE_TO_POINTER ((gsize) (error ? 200 : 64) * 1024 * 1024));
  g_signal_connect (message, "wrote-chunk", G_CALLBACK (flood_append), NULL);
  soup_message_body_append (soup_server_message_get_response_body (message), SOUP_MEMORY_STATIC, "{\"data\": [", 10);
}

static void
test_endless_answer (void)
{
  g_autoptr(TestServer) server = test_server_new (flood_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  flood_produced = 0;
  node = get_sync (client, "/flood", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "too large"));
  g_test_message ("%s (%" G_GSIZE_FORMAT " bytes sent)", error->message, flood_produced);
  /* Not retried: the same question would get the same answer. */
  g_assert_cmpuint (server->hits, ==, 1);
  /* The client stopped reading: the rest was never even made. */
  g_assert_cmpuint (flood_produced, <, 60 * 1024 * 1024);
}

static void
test_endless_error_answer (void)
{
  g_autoptr(TestServer) server = test_server_new (flood_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  flood_produced = 0;
  node = get_sync (client, "/flood-error", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_SERVER);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 500);
  g_test_message ("%s (%" G_GSIZE_FORMAT " bytes sent)", error->message, flood_produced);
  /* A 5xx is retried (four attempts); each reads the head of the error,
   * not its 200 MiB: what the server made is what sockets buffer. */
  g_assert_cmpuint (server->hits, ==, 4);
  g_assert_cmpuint (flood_produced, <, 4 * 16 * 1024 * 1024);
}

/* Says the answer is 1 GiB, then sends nothing: refused on the headers. */
static void
huge_length_handler (TestServer        *server,
                     SoupServerMessage *message,
                     guint              hit)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_length (headers, (goffset) 1024 * 1024 * 1024);
  soup_message_headers_set_content_type (headers, "application/json", NULL);
  /* The body is never completed: the server waits for the rest. */
  soup_message_body_append (soup_server_message_get_response_body (message), SOUP_MEMORY_STATIC, "{\"data\": [", 10);
}

static void
test_huge_declared_answer (void)
{
  g_autoptr(TestServer) server = test_server_new (huge_length_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  sy_api_client_set_timeout (client, 10);
  sy_api_client_set_retry_policy (client, 0, 1);
  node = get_sync (client, "/api/wms/sales-orders", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "too large"));
  g_assert_cmpuint (server->hits, ==, 1);
}

static void
mark_gone (SoupServerMessage *message)
{
  g_object_set_data (G_OBJECT (message), "gone", GINT_TO_POINTER (TRUE));
}

static gboolean
trickle_one_byte (gpointer user_data)
{
  SoupServerMessage *message = user_data;

  /* The client gave up: there is nothing left to write to. */
  if (g_object_get_data (G_OBJECT (message), "gone") != NULL)
    return G_SOURCE_REMOVE;
  soup_message_body_append (soup_server_message_get_response_body (message), SOUP_MEMORY_STATIC, " ", 1);
  soup_server_message_unpause (message);
  return G_SOURCE_CONTINUE;
}

/* One byte every 300 ms, for ever: libsoup's idle timeout never fires. */
static void
trickle_handler (TestServer        *server,
                 SoupServerMessage *message,
                 guint              hit)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, "application/json", NULL);
  soup_message_body_append (soup_server_message_get_response_body (message), SOUP_MEMORY_STATIC, "{", 1);
  g_signal_connect (message, "finished", G_CALLBACK (mark_gone), NULL);
  g_signal_connect (message, "disconnected", G_CALLBACK (mark_gone), NULL);
  g_timeout_add_full (G_PRIORITY_DEFAULT, 300, trickle_one_byte, g_object_ref (message), g_object_unref);
}

static void
test_trickled_answer (void)
{
  g_autoptr(TestServer) server = test_server_new (trickle_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  sy_api_client_set_timeout (client, 2);
  sy_api_client_set_retry_policy (client, 0, 1);
  node = get_sync (client, "/api/wms/sales-orders", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "did not answer within 2 seconds"));
  g_assert_cmpuint (server->hits, ==, 1);
}

/* Cancellation, timeouts, transport failures */

static gboolean
on_client_hangup (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  TestServer *server = user_data;
  char byte;
  gssize n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);

  if (n == 0 || (condition & (G_IO_HUP | G_IO_ERR)) != 0)
    {
      server->saw_disconnect = TRUE;
      g_clear_pointer (&server->hangup_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
on_message_disconnected (SoupServerMessage *message,
                         gpointer           user_data)
{
  TestServer *server = user_data;

  server->saw_disconnect = TRUE;
}

static void
never_answer_handler (TestServer        *server,
                      SoupServerMessage *message,
                      guint              hit)
{
  GSocket *socket = soup_server_message_get_socket (message);

  soup_server_message_pause (message);
  g_signal_connect (message, "disconnected", G_CALLBACK (on_message_disconnected), server);

  /* Watch the socket too: a paused message is not read from, so the
   * server library may not notice the client going away by itself. */
  if (socket != NULL && server->hangup_source == NULL)
    {
      server->hangup_source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (server->hangup_source, (GSourceFunc) G_CALLBACK (on_client_hangup), server, NULL);
      g_source_attach (server->hangup_source, NULL);
    }
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
wait_for_flag (gboolean *flag,
               guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;

  while (!*flag && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

static void
test_cancel_in_flight (void)
{
  g_autoptr(TestServer) server = test_server_new (never_answer_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 start = g_get_monotonic_time ();

  g_timeout_add (100, cancel_later, cancellable);
  node = get_sync (client, "/api/wms/sales-orders", cancellable, &error);
  g_assert_null (node);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The client's own timeout is 30 s; returning well before it means the
   * cancellation aborted the request rather than waiting it out. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (server->hits, ==, 1);

  wait_for_flag (&server->saw_disconnect, 5000);
  g_assert_true (server->saw_disconnect);
}

static void
unavailable_long_handler (TestServer        *server,
                          SoupServerMessage *message,
                          guint              hit)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (message), "Retry-After", "30");
  respond (message, SOUP_STATUS_SERVICE_UNAVAILABLE, "application/json", "{\"message\": \"later\"}");
}

static void
test_cancel_during_backoff (void)
{
  g_autoptr(TestServer) server = test_server_new (unavailable_long_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 start = g_get_monotonic_time ();

  g_timeout_add (100, cancel_later, cancellable);
  node = get_sync (client, "/api/wms/sales-orders", cancellable, &error);
  g_assert_null (node);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Retry-After asked for 30 s. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (server->hits, ==, 1);

  /* Already cancelled before the start: nothing is sent. */
  g_clear_error (&error);
  node = get_sync (client, "/api/wms/sales-orders", cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (server->hits, ==, 1);
}

static void
created_handler (TestServer        *server,
                 SoupServerMessage *message,
                 guint              hit)
{
  respond (message, 201, "application/json", "{\"data\": {\"key\": \"1\"}}");
}

typedef struct
{
  SyApiClient   *client;
  GAsyncResult **result;
} StallData;

/* The request goes out, and the main loop is held up for a second: the
 * connection's idle timer expires meanwhile, and libsoup then handles the
 * new request and the idle timer in the same iteration, in that order. */
static gboolean
send_then_stall (gpointer user_data)
{
  StallData *data = user_data;
  g_autoptr(JsonNode) body = json_from_string ("{\"code\": \"SO-1\"}", NULL);

  sy_api_client_send_async (data->client, "POST", "/api/erp/sales-orders", body, NULL, sy_test_store_result,
                            data->result);
  g_usleep (G_USEC_PER_SEC);
  return G_SOURCE_REMOVE;
}

/* A create sent on a kept-alive connection just as its idle timeout is
 * reached. Returns how the create ended. */
static JsonNode *
create_at_idle_timeout (TestServer   *server,
                        SyApiClient  *client,
                        guint         idle_timeout_s,
                        GError      **error)
{
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  StallData data = { client, &result };

  /* Opens the connection that then sits idle. */
  first = send_sync (client, "POST", "/api/erp/sales-orders", "{\"code\": \"SO-0\"}", error);
  g_assert_nonnull (first);
  g_timeout_add (idle_timeout_s * 1000 - 500, send_then_stall, &data);
  sy_test_await (&result);
  return sy_api_client_send_finish (client, result, error);
}

/* libsoup 3.2 (to 3.6 at least) disconnects a connection whose idle
 * timer expires while its asynchronous API is putting a request on it;
 * the request then never ends, not even when cancelled. A sync hung on it
 * after a minute's Retry-After. The client sets no idle timeout, and sends
 * with the synchronous API on a worker thread, which takes the connection
 * off the idle list before the main loop can expire it. */
static void
test_lost_attempt (void)
{
  g_autoptr(TestServer) server = test_server_new (created_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(SyApiClient) idle_client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  /* As the client is made: no idle timeout, nothing lost. */
  sy_api_client_set_timeout (client, 2);
  node = create_at_idle_timeout (server, client, 2, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpuint (server->hits, ==, 2);
  g_assert_cmpuint (sy_api_client_get_abandoned_attempts (client), ==, 0);
  g_clear_pointer (&node, json_node_unref);

  /* With libsoup's default idle timeout (set before a connection is made,
   * as each takes it from the session), the create is not lost either. */
  sy_api_client_set_timeout (idle_client, 2);
  sy_api_client_set_idle_timeout (idle_client, 2);
  node = create_at_idle_timeout (server, idle_client, 2, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpuint (sy_api_client_get_abandoned_attempts (idle_client), ==, 0);
  g_assert_cmpuint (server->hits, ==, 4);
  g_clear_pointer (&node, json_node_unref);

  /* The client goes on working. */
  node = send_sync (idle_client, "POST", "/api/erp/sales-orders", "{\"code\": \"SO-2\"}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpuint (server->hits, ==, 5);
}

static void
test_timeout (void)
{
  g_autoptr(TestServer) server = test_server_new (never_answer_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  sy_api_client_set_timeout (client, 1);
  sy_api_client_set_retry_policy (client, 1, 1);
  node = get_sync (client, "/api/wms/sales-orders", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_NETWORK);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 0);
  g_assert_nonnull (strstr (error->message, "did not answer within 1 second"));
  g_test_message ("%s", error->message);
  /* A timeout is transient: tried twice. */
  g_assert_cmpuint (server->hits, ==, 2);
}

static void
on_silent_accept (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GPtrArray *held = user_data;
  GSocketConnection *connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, NULL);

  /* Held open, never read from or written to: a TLS handshake stalls. */
  if (connection != NULL)
    {
      g_ptr_array_add (held, connection);
      g_socket_listener_accept_async (G_SOCKET_LISTENER (source), NULL, on_silent_accept, held);
    }
}

/* Answers the first request, and drops the connection under the second
 * without answering it, after reading it whole: what a server closing a
 * kept-alive connection does. */
static void
drop_second_handler (TestServer        *server,
                     SoupServerMessage *message,
                     guint              hit)
{
  if (hit == 2)
    {
      g_autoptr(GIOStream) stream = soup_server_message_steal_connection (message);

      g_io_stream_close (stream, NULL, NULL);
      return;
    }
  respond (message, 200, "application/json", "{\"data\": {\"key\": \"1\"}}");
}

/* libsoup sends a PUT again by itself when its kept-alive connection is
 * closed under it, and forgets its body doing so: it must go out whole.
 * The client's own retries are off, so only libsoup's restart can save it. */
static void
test_put_restarted_with_body (void)
{
  g_autoptr(TestServer) server = test_server_new (drop_second_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *body = "{\"code\":\"SO-1\",\"memo\":\"sent again\"}";

  sy_api_client_set_retry_policy (client, 0, 1);
  first = get_sync (client, "/api/erp/sales-orders/1", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);

  node = send_sync (client, "PUT", "/api/erp/sales-orders/1", body, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpuint (server->hits, ==, 3);
  g_assert_cmpstr (server->last_method, ==, "PUT");
  g_assert_cmpstr (server->last_body, ==, body);
}

static void
held_handler (TestServer        *server,
              SoupServerMessage *message,
              guint              hit)
{
  soup_server_message_pause (message);
  g_ptr_array_add (server->data, g_object_ref (message));
}

static void
empty_list_handler (TestServer        *server,
                    SoupServerMessage *message,
                    guint              hit)
{
  respond (message, 200, "application/json", "{\"data\": []}");
}

static gboolean
on_quiet_moment (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A request that does not end once cancelled: all connections to the
 * server are taken, so it waits for one inside libsoup, where cancelling
 * does not reach. It is left behind after a grace period and the caller
 * gets the cancellation; when it ends later, what it brings is ignored,
 * and it never reaches the server. */
static void
test_attempt_left_behind (void)
{
  g_autoptr(TestServer) server = test_server_new (held_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) waiting_result = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  guint connections = sy_api_client_get_max_connections_per_host (client);
  g_autofree GAsyncResult **results = g_new0 (GAsyncResult *, connections);
  gboolean quiet = FALSE;

  server->data = held;
  sy_api_client_set_timeout (client, 60);
  sy_api_client_set_retry_policy (client, 0, 1);
  for (guint i = 0; i < connections; i++)
    sy_api_client_get_async (client, "/api/wms/sales-orders", NULL, sy_test_store_result, &results[i]);
  while (held->len < connections)
    g_main_context_iteration (NULL, TRUE);

  sy_api_client_get_async (client, "/api/wms/sales-orders", cancellable, sy_test_store_result, &waiting_result);
  /* Long enough for it to be waiting for a connection. */
  g_timeout_add (300, on_quiet_moment, &quiet);
  while (!quiet)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  sy_test_await (&waiting_result);
  node = sy_api_client_get_finish (client, waiting_result, &error);
  g_assert_null (node);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (sy_api_client_get_abandoned_attempts (client), ==, 1);
  g_assert_cmpuint (sy_api_client_get_late_answers (client), ==, 0);

  /* The server answers the others: each gets its answer, and the request
   * left behind finds a connection, fails as cancelled before sending and
   * calls back; that is ignored. */
  for (guint i = 0; i < held->len; i++)
    {
      SoupServerMessage *message = g_ptr_array_index (held, i);

      respond (message, 200, "application/json", "{\"data\": []}");
      soup_server_message_unpause (message);
    }
  for (guint i = 0; i < connections; i++)
    {
      g_autoptr(JsonNode) answer = NULL;

      sy_test_await (&results[i]);
      answer = sy_api_client_get_finish (client, results[i], &error);
      g_assert_no_error (error);
      g_assert_nonnull (answer);
      g_clear_object (&results[i]);
    }
  while (sy_api_client_get_late_answers (client) < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (server->hits, ==, connections);

  /* The client goes on working. */
  server->handler = empty_list_handler;
  node = get_sync (client, "/api/wms/sales-orders", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpuint (server->hits, ==, connections + 1);
  server->data = NULL;
}

/* A server that takes the TCP connection and then says nothing: the TLS
 * handshake never ends. That is a connection that cannot be made, told
 * apart from an answer that is slow, and within half the deadline. */
static void
test_connect_timeout (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *url = NULL;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_accept_async (listener, NULL, on_silent_accept, held);
  url = g_strdup_printf ("https://127.0.0.1:%u", port);

  client = new_client (url);
  sy_api_client_set_timeout (client, 4);
  sy_api_client_set_retry_policy (client, 0, 1);
  node = get_sync (client, "/api/wms/sales-orders", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "could not be connected to within 2 seconds"));
  g_test_message ("%s", error->message);
  g_assert_cmpuint (held->len, ==, 1);
  g_socket_listener_close (listener);
}

static guint16
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

static void
test_connection_refused (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", closed_port ());
  g_autoptr(SyApiClient) client = new_client (url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = get_sync (client, "/api/integrations/current", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_NETWORK);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 0);
  g_assert_true (sy_api_error_is_transient (error));
  g_assert_nonnull (strstr (error->message, "refused"));
  g_assert_nonnull (strstr (error->message, "4 attempts"));
}

static gboolean
on_incoming_drop (GSocketService    *service,
                  GSocketConnection *connection,
                  GObject           *source_object,
                  gpointer           user_data)
{
  guint *accepted = user_data;

  (*accepted)++;
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
test_dropped_connection (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  guint accepted = 0;

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming_drop), &accepted);
  g_socket_service_start (service);
  url = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  client = new_client (url);
  sy_api_client_set_retry_policy (client, 2, 1);
  node = get_sync (client, "/api/wms/sales-orders", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_NETWORK);
  g_assert_cmpuint (accepted, >=, 3);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
}

/* A certificate no authority signed, made afresh for each run. */
static GTlsCertificate *
new_self_signed_certificate (void)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t certificate = NULL;
  gnutls_datum_t certificate_pem = { NULL, 0 };
  gnutls_datum_t key_pem = { NULL, 0 };
  const unsigned char serial[] = { 0x01, 0x23 };
  const unsigned char loopback[] = { 127, 0, 0, 1 };
  time_t now = time (NULL);
  g_autofree char *pem = NULL;
  g_autoptr(GError) error = NULL;
  GTlsCertificate *tls_certificate;

  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                 GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_init (&certificate), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_version (certificate, 3), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_serial (certificate, serial, sizeof serial), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_activation_time (certificate, now - 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_expiration_time (certificate, now + 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_dn_by_oid (certificate, GNUTLS_OID_X520_COMMON_NAME, 0, "127.0.0.1", 9), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_subject_alt_name (certificate, GNUTLS_SAN_IPADDRESS, loopback,
                                                         sizeof loopback, GNUTLS_FSAN_SET), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key (certificate, key), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_sign2 (certificate, certificate, key, GNUTLS_DIG_SHA256, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_export2 (certificate, GNUTLS_X509_FMT_PEM, &certificate_pem), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_export2 (key, GNUTLS_X509_FMT_PEM, &key_pem), ==, 0);

  pem = g_strdup_printf ("%.*s%.*s", (int) certificate_pem.size, certificate_pem.data,
                         (int) key_pem.size, key_pem.data);
  gnutls_free (certificate_pem.data);
  gnutls_free (key_pem.data);
  gnutls_x509_crt_deinit (certificate);
  gnutls_x509_privkey_deinit (key);

  tls_certificate = g_tls_certificate_new_from_pem (pem, -1, &error);
  g_assert_no_error (error);
  return tls_certificate;
}

static void
count_only_handler (TestServer        *server,
                    SoupServerMessage *message,
                    guint              hit)
{
  respond (message, SOUP_STATUS_OK, "application/json", "{\"data\": []}");
}

static void
test_tls_verified (void)
{
  g_autoptr(GTlsCertificate) certificate = new_self_signed_certificate ();
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *url = NULL;
  TestServer *server = test_server_new_full (count_only_handler, certificate);

  /* The token must never reach a server whose certificate does not check
   * out: no request arrives, and the user is told why. */
  client = new_client (server->url);
  sy_api_client_set_retry_policy (client, 0, 1);
  node = get_sync (client, "/api/integrations/current", NULL, &error);
  g_assert_null (node);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "secure connection"));
  g_test_message ("%s", error->message);
  g_assert_cmpuint (server->hits, ==, 0);

  test_server_free (server);
}

/* The current integration */

static void
integration_handler (TestServer        *server,
                     SoupServerMessage *message,
                     guint              hit)
{
  g_assert_cmpstr (server->last_path, ==, "/api/integrations/current");

  switch (hit)
    {
    case 1:
      respond (message, SOUP_STATUS_OK, "application/json",
               "{\"data\": {\"platform\": \"mintsoft\", \"sync_status\": \"done\"}}");
      break;
    case 2:
      respond (message, SOUP_STATUS_OK, "application/json", "{\"platform\": \"netsuite\"}");
      break;
    case 3:
      respond (message, SOUP_STATUS_OK, "application/json", "[\"mintsoft\"]");
      break;
    default:
      respond (message, SOUP_STATUS_OK, "application/json", "{\"data\": \"mintsoft\"}");
      break;
    }
}

static JsonObject *
current_integration_sync (SyApiClient  *client,
                          GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_api_client_get_current_integration_async (client, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_api_client_get_current_integration_finish (client, result, error);
}

static void
test_current_integration (void)
{
  g_autoptr(TestServer) server = test_server_new (integration_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) integration = NULL;

  integration = current_integration_sync (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (integration, "platform"), ==, "mintsoft");
  g_assert_cmpstr (json_object_get_string_member (integration, "sync_status"), ==, "done");
  g_clear_pointer (&integration, json_object_unref);

  integration = current_integration_sync (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (integration, "platform"), ==, "netsuite");

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonObject) broken = current_integration_sync (client, &error);

      g_assert_null (broken);
      g_assert_error (error, SY_API_ERROR, SY_API_ERROR_INVALID_RESPONSE);
      g_clear_error (&error);
    }
}

/* Secrets stay out of logs */

static void
logging_handler (TestServer        *server,
                 SoupServerMessage *message,
                 guint              hit)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (message), "X-Request-Id", "log-req-1");
  if (hit == 1)
    respond (message, SOUP_STATUS_OK, "application/json", "{\"data\": []}");
  else if (hit == 2)
    respond (message, SOUP_STATUS_UNAUTHORIZED, "application/json", "{\"message\": \"Unauthenticated.\"}");
  else if (hit == 3)
    respond (message, SOUP_STATUS_SERVICE_UNAVAILABLE, "application/json", "{}");
  else
    respond (message, SOUP_STATUS_UNPROCESSABLE_ENTITY, "application/json", "{\"errors\": {\"code\": [\"bad\"]}}");
}

static void
test_token_not_logged (void)
{
  g_autoptr(TestServer) server = test_server_new (logging_handler);
  g_autoptr(SyApiClient) client = new_client (server->url);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  g_string_truncate (captured_log, 0);

  node = get_sync (client, "/api/wms/sales-orders?page=1", NULL, &error);
  g_assert_no_error (error);

  g_clear_pointer (&node, json_node_unref);
  node = get_sync (client, "/api/wms/stocks", NULL, &error);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);
  assert_no_token (error->message);
  g_clear_error (&error);

  node = send_sync (client, "PUT", "/api/erp/sales-orders/5", "{\"code\": \"x\"}", &error);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_VALIDATION);
  assert_no_token (error->message);

  /* The log does carry what helps debugging: method, path, status, id. */
  g_assert_nonnull (strstr (captured_log->str, "GET /api/wms/sales-orders"));
  g_assert_nonnull (strstr (captured_log->str, "401"));
  g_assert_nonnull (strstr (captured_log->str, "log-req-1"));
  g_assert_nonnull (strstr (captured_log->str, "PUT /api/erp/sales-orders/5"));
  g_assert_nonnull (strstr (captured_log->str, "retrying"));
  assert_no_token (captured_log->str);
  g_assert_null (strstr (captured_log->str, "Bearer"));
  g_assert_null (strstr (captured_log->str, "Authorization"));
}

/* Against the sandbox */

static SyApiClient *
sandbox_client (SySandboxProcess *sandbox,
                const char       *connection)
{
  g_autoptr(GError) error = NULL;
  SyApiClient *client = sy_api_client_new (sy_sandbox_process_get_url (sandbox),
                                           sy_sandbox_process_get_token (sandbox, connection),
                                           &error);

  g_assert_no_error (error);
  sy_api_client_set_retry_policy (client, 4, 5);
  return client;
}

static void
test_sandbox_current_integration (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (NULL);
  g_autoptr(SyApiClient) client = sandbox_client (sandbox, "wms");
  g_autoptr(SyApiClient) wrong = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) integration = NULL;

  integration = current_integration_sync (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (integration, "platform"), ==, "mintsoft");
  g_assert_true (json_object_has_member (integration, "sync_status"));

  wrong = sy_api_client_new (sy_sandbox_process_get_url (sandbox), "not-the-token", &error);
  g_assert_no_error (error);
  g_clear_pointer (&integration, json_object_unref);
  integration = current_integration_sync (wrong, &error);
  g_assert_null (integration);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 401);
  g_assert_nonnull (sy_api_error_get_request_id (error));
  g_assert_nonnull (strstr (error->message, sy_api_error_get_request_id (error)));
  g_test_message ("%s", error->message);
}

static void
test_sandbox_errors (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (NULL);
  g_autoptr(SyApiClient) erp = sandbox_client (sandbox, "erp");
  g_autoptr(SyApiClient) wms = sandbox_client (sandbox, "wms");
  g_autoptr(GError) error = NULL;

  error = get_error (erp, "/api/wms/sales-orders");
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_FORBIDDEN);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 403);
  g_clear_error (&error);

  error = get_error (wms, "/api/wms/sales-orders/no-such-key");
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_NOT_FOUND);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 404);
}

static void
test_sandbox_writes (void)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (NULL);
  g_autoptr(SyApiClient) erp = sandbox_client (sandbox, "erp");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(JsonNode) read_back = NULL;
  g_autoptr(JsonNode) customers = NULL;
  g_autofree char *customer_key = NULL;
  g_autofree char *product_key = NULL;
  g_autofree char *order = NULL;
  g_autofree char *path = NULL;
  g_autofree char *key = NULL;
  JsonObject *record;
  GHashTable *field_errors;

  /* Invalid: no order number, no lines, a customer the ERP does not know. */
  created = send_sync (erp, "POST", "/api/erp/sales-orders",
                       "{\"memo\": \"no lines\", \"customerKey\": \"no-such-customer\"}", &error);
  g_assert_null (created);
  g_assert_error (error, SY_API_ERROR, SY_API_ERROR_VALIDATION);
  g_assert_cmpuint (sy_api_error_get_status (error), ==, 422);
  field_errors = sy_api_error_get_field_errors (error);
  g_assert_nonnull (field_errors);
  g_assert_true (g_hash_table_contains (field_errors, "orderNumber"));
  g_assert_true (g_hash_table_contains (field_errors, "customerKey"));
  g_assert_true (g_hash_table_contains (field_errors, "lines"));
  g_assert_nonnull (sy_api_error_get_request_id (error));
  g_clear_error (&error);

  /* Valid: a customer and a product the ERP knows. */
  customers = get_sync (erp, "/api/erp/customers?per_page=1", NULL, &error);
  g_assert_no_error (error);
  record = json_array_get_object_element (json_object_get_array_member (json_node_get_object (customers), "data"), 0);
  customer_key = g_strdup (json_object_get_string_member (record, "key"));
  g_clear_pointer (&customers, json_node_unref);
  customers = get_sync (erp, "/api/erp/products?per_page=1", NULL, &error);
  g_assert_no_error (error);
  record = json_array_get_object_element (json_object_get_array_member (json_node_get_object (customers), "data"), 0);
  product_key = g_strdup (json_object_get_string_member (record, "key"));

  order = g_strdup_printf ("{\"code\": \"TEST-1\", \"orderNumber\": \"1001\", \"date\": \"2024-03-01\","
                           " \"customerKey\": \"%s\", \"currencyKey\": \"1\", \"statusKey\": \"pending\","
                           " \"lines\": [{\"productKey\": \"%s\", \"quantity\": 2}]}",
                           customer_key, product_key);
  created = send_sync (erp, "POST", "/api/erp/sales-orders", order, &error);
  g_assert_no_error (error);
  g_assert_nonnull (created);
  record = json_node_get_object (created);
  if (json_object_has_member (record, "data"))
    record = json_object_get_object_member (record, "data");
  key = g_strdup (json_object_get_string_member (record, "key"));
  g_assert_nonnull (key);

  path = g_strdup_printf ("/api/erp/sales-orders/%s", key);
  updated = send_sync (erp, "PUT", path, "{\"memo\": \"updated by the test\"}", &error);
  g_assert_no_error (error);

  read_back = get_sync (erp, path, NULL, &error);
  g_assert_no_error (error);
  record = json_node_get_object (read_back);
  if (json_object_has_member (record, "data"))
    record = json_object_get_object_member (record, "data");
  g_assert_cmpstr (json_object_get_string_member (record, "memo"), ==, "updated by the test");
  g_assert_cmpstr (json_object_get_string_member (record, "code"), ==, "TEST-1");
}

int
main (int   argc,
      char *argv[])
{
  captured_log = g_string_new (NULL);
  g_log_set_writer_func (capture_log_writer, NULL, NULL);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/api-client/base-url", test_base_url);
  g_test_add_func ("/api-client/entity-path", test_entity_path);
  g_test_add_func ("/api-client/request-headers", test_request_headers);
  g_test_add_func ("/api-client/invalid-success-bodies", test_invalid_success_bodies);
  g_test_add_func ("/api-client/html-500", test_html_500);
  g_test_add_func ("/api-client/retry-after", test_retry_after);
  g_test_add_func ("/api-client/retry-after-date", test_retry_after_date);
  g_test_add_func ("/api-client/retry-503", test_retry_503);
  g_test_add_func ("/api-client/post-rate-limited", test_post_rate_limited);
  g_test_add_func ("/api-client/validation", test_validation);
  g_test_add_func ("/api-client/odd-error-bodies", test_odd_error_bodies);
  g_test_add_func ("/api-client/big-body", test_big_body);
  g_test_add_func ("/api-client/deep-answer", test_deep_answer);
  g_test_add_func ("/api-client/huge-integer-answer", test_huge_integer_answer);
  g_test_add_func ("/api-client/endless-answer", test_endless_answer);
  g_test_add_func ("/api-client/endless-error-answer", test_endless_error_answer);
  g_test_add_func ("/api-client/huge-declared-answer", test_huge_declared_answer);
  g_test_add_func ("/api-client/trickled-answer", test_trickled_answer);
  g_test_add_func ("/api-client/cancel-in-flight", test_cancel_in_flight);
  g_test_add_func ("/api-client/cancel-during-backoff", test_cancel_during_backoff);
  g_test_add_func ("/api-client/timeout", test_timeout);
  g_test_add_func ("/api-client/lost-attempt", test_lost_attempt);
  g_test_add_func ("/api-client/attempt-left-behind", test_attempt_left_behind);
  g_test_add_func ("/api-client/put-restarted-with-body", test_put_restarted_with_body);
  g_test_add_func ("/api-client/connect-timeout", test_connect_timeout);
  g_test_add_func ("/api-client/connection-refused", test_connection_refused);
  g_test_add_func ("/api-client/dropped-connection", test_dropped_connection);
  g_test_add_func ("/api-client/tls-verified", test_tls_verified);
  g_test_add_func ("/api-client/current-integration", test_current_integration);
  g_test_add_func ("/api-client/token-not-logged", test_token_not_logged);
  g_test_add_func ("/api-client/sandbox/current-integration", test_sandbox_current_integration);
  g_test_add_func ("/api-client/sandbox/errors", test_sandbox_errors);
  g_test_add_func ("/api-client/sandbox/writes", test_sandbox_writes);

  return g_test_run ();
}
