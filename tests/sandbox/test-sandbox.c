/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-paths.h"
#include "sy-sandbox-client.h"
#include "sy-test-support.h"

/* Every test talks real HTTP to a switchyard-sandbox of its own. */

typedef struct
{
  guint status;
  JsonNode *root;               /* NULL when the body is not JSON */
  SoupMessageHeaders *headers;
  GError *error;                /* set when no answer came at all */
} Answer;

static void
answer_free (Answer *answer)
{
  g_clear_pointer (&answer->root, json_node_unref);
  g_clear_pointer (&answer->headers, soup_message_headers_unref);
  g_clear_error (&answer->error);
  g_free (answer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answer, answer_free)

static Answer *
call_url (const char *method,
          const char *url,
          const char *token,
          const char *body)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 20, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  Answer *answer = g_new0 (Answer, 1);

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }

  bytes = soup_session_send_and_read (session, msg, NULL, &answer->error);
  if (bytes == NULL)
    return answer;

  answer->status = soup_message_get_status (msg);
  answer->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (g_bytes_get_size (bytes) > 0)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      answer->root = json_from_string (text, NULL);
    }
  return answer;
}

/* connection: "wms", "erp", or NULL for no token. */
static Answer *
call (SySandboxProcess *sandbox,
      const char       *method,
      const char       *path,
      const char       *connection,
      const char       *body)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), path, NULL);

  return call_url (method, url, connection ? sy_sandbox_process_get_token (sandbox, connection) : NULL,
                   body);
}

static JsonObject *
answer_object (Answer *answer)
{
  g_assert_no_error (answer->error);
  g_assert_nonnull (answer->root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (answer->root));
  return json_node_get_object (answer->root);
}

static JsonArray *
answer_data (Answer *answer)
{
  return json_object_get_array_member (answer_object (answer), "data");
}

static JsonObject *
record_at (Answer *answer,
           guint   index)
{
  return json_array_get_object_element (answer_data (answer), index);
}

static void
assert_json_error (Answer     *answer,
                   guint       status)
{
  JsonObject *object = answer_object (answer);
  const char *request_id = soup_message_headers_get_one (answer->headers, "X-Request-Id");

  g_assert_cmpuint (answer->status, ==, status);
  g_assert_nonnull (json_object_get_string_member_with_default (object, "message", NULL));
  g_assert_nonnull (request_id);
  g_assert_cmpstr (json_object_get_string_member_with_default (object, "request_id", NULL), ==, request_id);
}

static void
assert_field_error (Answer     *answer,
                    const char *field)
{
  JsonObject *object = answer_object (answer);
  JsonObject *errors;

  g_assert_cmpuint (answer->status, ==, 422);
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "The given data was invalid.");
  errors = json_object_get_object_member (object, "errors");
  g_assert_nonnull (errors);
  if (!json_object_has_member (errors, field))
    g_error ("no error for %s in %s", field, json_to_string (answer->root, FALSE));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (errors, field)), >, 0);
}

static SySandboxProcess *
start (const char *first_arg,
       ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return sy_test_start_sandbox ((const char * const *) args->pdata);
}

/* All records of an entity, read in pages of 500. */
static GPtrArray *
fetch_all (SySandboxProcess *sandbox,
           const char       *connection,
           const char       *entity)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint page = 1; ; page++)
    {
      g_autofree char *path = g_strdup_printf ("/api/%s?per_page=500&page=%u", entity, page);
      g_autoptr(Answer) answer = call (sandbox, "GET", path, connection, NULL);
      JsonArray *data;

      g_assert_cmpuint (answer->status, ==, 200);
      data = answer_data (answer);
      for (guint i = 0; i < json_array_get_length (data); i++)
        g_ptr_array_add (records, json_object_ref (json_array_get_object_element (data, i)));
      if (json_object_get_null_member (json_object_get_object_member (answer_object (answer), "links"), "next"))
        break;
    }
  return records;
}

static GStrv
keys_of (GPtrArray *records)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv keys;

  for (guint i = 0; i < records->len; i++)
    g_strv_builder_add (builder, json_object_get_string_member (g_ptr_array_index (records, i), "key"));
  keys = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return keys;
}

static void
test_envelope (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--records", "200", NULL);
  g_autoptr(Answer) first = call (sandbox, "GET", "/api/wms/sales-orders", "wms", NULL);
  g_autoptr(Answer) last = call (sandbox, "GET", "/api/wms/sales-orders?page=14", "wms", NULL);
  g_autoptr(Answer) beyond = call (sandbox, "GET", "/api/wms/sales-orders?page=99", "wms", NULL);
  g_autofree char *path = g_strconcat (sy_sandbox_process_get_url (sandbox), "/api/wms/sales-orders", NULL);
  JsonObject *meta, *links, *order, *line;

  g_assert_cmpuint (first->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (first->headers, NULL), ==, "application/json");
  g_assert_nonnull (soup_message_headers_get_one (first->headers, "X-Request-Id"));
  g_assert_cmpuint (json_array_get_length (answer_data (first)), ==, 15);

  meta = json_object_get_object_member (answer_object (first), "meta");
  g_assert_cmpint (json_object_get_int_member (meta, "current_page"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (meta, "from"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (meta, "to"), ==, 15);
  g_assert_cmpint (json_object_get_int_member (meta, "per_page"), ==, 15);
  g_assert_cmpint (json_object_get_int_member (meta, "total"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (meta, "last_page"), ==, 14);
  g_assert_cmpstr (json_object_get_string_member (meta, "path"), ==, path);

  links = json_object_get_object_member (answer_object (first), "links");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (links, "first"), path));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (links, "first"), "page=1"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (links, "last"), "page=14"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (links, "next"), "page=2"));
  g_assert_true (json_object_get_null_member (links, "prev"));

  g_assert_cmpuint (json_array_get_length (answer_data (last)), ==, 5);
  links = json_object_get_object_member (answer_object (last), "links");
  g_assert_true (json_object_get_null_member (links, "next"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (links, "prev"), "page=13"));
  meta = json_object_get_object_member (answer_object (last), "meta");
  g_assert_cmpint (json_object_get_int_member (meta, "from"), ==, 196);
  g_assert_cmpint (json_object_get_int_member (meta, "to"), ==, 200);

  g_assert_cmpuint (json_array_get_length (answer_data (beyond)), ==, 0);
  meta = json_object_get_object_member (answer_object (beyond), "meta");
  g_assert_true (json_object_get_null_member (meta, "from"));
  g_assert_true (json_object_get_null_member (meta, "to"));

  /* The fields the mapping and the record browser rely on, named as the
   * unified model names them; "total" is Mintsoft's own, a custom field. */
  order = record_at (first, 0);
  for (const char * const *field = (const char * const[]) { "key", "createdAt", "updatedAt", "orderNumber",
                                                            "date", "currencyKey", "customerKey", "statusKey",
                                                            "total", "code", NULL };
       *field != NULL; field++)
    g_assert_true (json_object_has_member (order, *field));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (order, "lines")), >, 0);
  line = json_array_get_object_element (json_object_get_array_member (order, "lines"), 0);
  g_assert_true (json_object_has_member (line, "productKey"));
  g_assert_true (json_object_has_member (line, "quantity"));
  g_assert_true (json_object_has_member (line, "price"));
}

static void
test_per_page (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--records", "600", NULL);
  g_autoptr(Answer) clamped = call (sandbox, "GET", "/api/wms/sales-orders?per_page=1000", "wms", NULL);
  g_autoptr(Answer) small = call (sandbox, "GET", "/api/wms/sales-orders?per_page=7&page=2", "wms", NULL);
  g_autoptr(Answer) not_number = call (sandbox, "GET", "/api/wms/sales-orders?per_page=ten", "wms", NULL);
  g_autoptr(Answer) bad_page = call (sandbox, "GET", "/api/wms/sales-orders?page=-1", "wms", NULL);
  g_autoptr(Answer) zero = call (sandbox, "GET", "/api/wms/sales-orders?per_page=0", "wms", NULL);
  g_autoptr(Answer) full = call (sandbox, "GET", "/api/wms/sales-orders?per_page=14", "wms", NULL);
  g_autoptr(Answer) both_bad = call (sandbox, "GET", "/api/wms/sales-orders?per_page=ten&page=-1", "wms", NULL);

  g_assert_cmpuint (json_array_get_length (answer_data (clamped)), ==, 500);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (answer_object (clamped), "meta"),
                                               "per_page"), ==, 500);
  g_assert_cmpuint (json_array_get_length (answer_data (small)), ==, 7);
  /* Page 2 of 7 starts where page 1 of 14 has its eighth record. */
  g_assert_cmpstr (json_object_get_string_member (record_at (small, 0), "key"), ==,
                   json_object_get_string_member (record_at (full, 7), "key"));

  assert_field_error (not_number, "per_page");
  assert_field_error (bad_page, "page");
  assert_field_error (zero, "per_page");
  /* Both are named, not only the first. */
  assert_field_error (both_bad, "per_page");
  assert_field_error (both_bad, "page");
}

static void
test_every_key_once_pages (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--records", "2000", NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), "/api/wms/sales-orders?per_page=37", NULL);
  guint pages = 0;
  gint64 total = -1;

  /* Follow links.next as a client would, until it is null. */
  while (url != NULL)
    {
      g_autoptr(Answer) answer = call_url ("GET", url, sy_sandbox_process_get_token (sandbox, "wms"), NULL);
      JsonObject *links;
      JsonArray *data;

      g_assert_cmpuint (answer->status, ==, 200);
      data = answer_data (answer);
      total = json_object_get_int_member (json_object_get_object_member (answer_object (answer), "meta"), "total");
      for (guint i = 0; i < json_array_get_length (data); i++)
        {
          const char *key = json_object_get_string_member (json_array_get_object_element (data, i), "key");
          g_assert_true (g_hash_table_add (seen, g_strdup (key)));
        }

      links = json_object_get_object_member (answer_object (answer), "links");
      g_free (url);
      url = json_object_get_null_member (links, "next") ? NULL
            : g_strdup (json_object_get_string_member (links, "next"));
      g_assert_cmpuint (++pages, <=, 60);
    }

  g_assert_cmpuint (pages, ==, 55);
  g_assert_cmpint (total, ==, 2000);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 2000);
}

static void
test_every_key_once_cursor (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--records", "2000", "--pagination", "cursor", NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  g_autoptr(Answer) bad = NULL;
  guint pages = 0;

  do
    {
      g_autofree char *escaped = cursor ? g_uri_escape_string (cursor, NULL, FALSE) : NULL;
      g_autofree char *path = g_strdup_printf ("/api/wms/sales-orders?per_page=150%s%s",
                                               escaped ? "&cursor=" : "", escaped ? escaped : "");
      g_autoptr(Answer) answer = call (sandbox, "GET", path, "wms", NULL);
      JsonObject *object = answer_object (answer);
      JsonArray *data = answer_data (answer);

      g_assert_cmpuint (answer->status, ==, 200);
      g_assert_false (json_object_has_member (object, "links"));
      g_assert_false (json_object_has_member (object, "meta"));
      g_assert_true (json_object_has_member (object, "next_cursor"));
      for (guint i = 0; i < json_array_get_length (data); i++)
        {
          const char *key = json_object_get_string_member (json_array_get_object_element (data, i), "key");
          g_assert_true (g_hash_table_add (seen, g_strdup (key)));
        }

      g_free (cursor);
      cursor = json_object_get_null_member (object, "next_cursor") ? NULL
               : g_strdup (json_object_get_string_member (object, "next_cursor"));
      if (cursor != NULL)
        {
          /* Safe in a URL as it is, for clients that do not escape it. */
          g_autofree char *cursor_escaped = g_uri_escape_string (cursor, NULL, FALSE);
          g_assert_cmpstr (cursor_escaped, ==, cursor);
        }
      g_assert_cmpuint (++pages, <=, 20);
    }
  while (cursor != NULL);

  g_assert_cmpuint (pages, ==, 14);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 2000);

  bad = call (sandbox, "GET", "/api/wms/sales-orders?cursor=not-a-cursor", "wms", NULL);
  assert_field_error (bad, "cursor");
}

/* The sandbox's answer to a filter, checked against the same filter
 * applied here to the full list. */
static void
assert_filter (SySandboxProcess *sandbox,
               GPtrArray        *all,
               const char       *field,
               const char       *op,
               const char       *value,
               gboolean        (*keep) (const char *record_value, const char *value))
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);
  g_autofree char *path = op != NULL
    ? g_strdup_printf ("/api/wms/sales-orders?per_page=500&filter%%5B%s%%3A%s%%5D=%s", field, op, escaped)
    : g_strdup_printf ("/api/wms/sales-orders?per_page=500&filter%%5B%s%%5D=%s", field, escaped);
  g_autoptr(Answer) answer = call (sandbox, "GET", path, "wms", NULL);
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  JsonArray *data;

  g_assert_cmpuint (answer->status, ==, 200);
  for (guint i = 0; i < all->len; i++)
    {
      JsonObject *record = g_ptr_array_index (all, i);
      if (keep (json_object_get_string_member (record, field), value))
        g_ptr_array_add (expected, (gpointer) json_object_get_string_member (record, "key"));
    }

  data = answer_data (answer);
  g_assert_cmpuint (json_array_get_length (data), ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (data, i), "key"), ==,
                     g_ptr_array_index (expected, i));
}

static gboolean keep_gt (const char *a, const char *b) { return strcmp (a, b) > 0; }
static gboolean keep_gteq (const char *a, const char *b) { return strcmp (a, b) >= 0; }
static gboolean keep_lt (const char *a, const char *b) { return strcmp (a, b) < 0; }
static gboolean keep_lted (const char *a, const char *b) { return strcmp (a, b) <= 0; }
static gboolean keep_equal (const char *a, const char *b) { return strcmp (a, b) == 0; }
static gboolean keep_starts_with (const char *a, const char *b) { return g_str_has_prefix (a, b); }
static gboolean keep_contains (const char *a, const char *b) { return strstr (a, b) != NULL; }

static void
test_filters (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--records", "300", NULL);
  g_autoptr(GPtrArray) all = fetch_all (sandbox, "wms", "wms/sales-orders");
  JsonObject *pivot = g_ptr_array_index (all, 120);
  const char *pivot_updated = json_object_get_string_member (pivot, "updatedAt");
  g_autoptr(Answer) any = NULL;
  g_autoptr(Answer) all_match = NULL;
  g_autoptr(Answer) bad_op = NULL;
  g_autoptr(Answer) customers = NULL;

  g_assert_cmpuint (all->len, ==, 300);

  /* Timestamps in one format compare as text: the local check is strcmp. */
  assert_filter (sandbox, all, "updatedAt", "gt", pivot_updated, keep_gt);
  assert_filter (sandbox, all, "updatedAt", "gteq", pivot_updated, keep_gteq);
  assert_filter (sandbox, all, "updatedAt", "lt", pivot_updated, keep_lt);
  assert_filter (sandbox, all, "updatedAt", "lted", pivot_updated, keep_lted);
  assert_filter (sandbox, all, "createdAt", "gt", "2024-07-01T00:00:00Z", keep_gt);
  assert_filter (sandbox, all, "orderNumber", NULL, "MS-100042", keep_equal);
  assert_filter (sandbox, all, "currencyKey", NULL, "EUR", keep_equal);
  assert_filter (sandbox, all, "orderNumber", "startsWith", "MS-1001", keep_starts_with);
  assert_filter (sandbox, all, "code", "contains", "0002", keep_contains);
  assert_filter (sandbox, all, "key", "gt", json_object_get_string_member (pivot, "key"), keep_gt);

  /* Some orders are neither EUR nor MS-100001: any is wider than all. */
  any = call (sandbox, "GET",
              "/api/wms/sales-orders?per_page=500&filterMatch=any&filter%5BcurrencyKey%5D=EUR&filter%5BorderNumber%5D=MS-100001",
              "wms", NULL);
  all_match = call (sandbox, "GET",
                    "/api/wms/sales-orders?per_page=500&filter%5BcurrencyKey%5D=EUR&filter%5BorderNumber%5D=MS-100001",
                    "wms", NULL);
  {
    guint n_eur = 0;
    gboolean first_is_eur = g_str_equal (json_object_get_string_member (g_ptr_array_index (all, 0), "currencyKey"), "EUR");

    for (guint i = 0; i < all->len; i++)
      n_eur += g_str_equal (json_object_get_string_member (g_ptr_array_index (all, i), "currencyKey"), "EUR");
    g_assert_cmpuint (json_array_get_length (answer_data (any)), ==, n_eur + (first_is_eur ? 0 : 1));
    g_assert_cmpuint (json_array_get_length (answer_data (all_match)), ==, first_is_eur ? 1 : 0);
  }

  customers = call (sandbox, "GET", "/api/wms/customers?per_page=500&filter%5Bname%3Acontains%5D=oak",
                    "wms", NULL);
  g_assert_cmpuint (customers->status, ==, 200);
  for (guint i = 0; i < json_array_get_length (answer_data (customers)); i++)
    {
      g_autofree char *name = g_ascii_strdown (json_object_get_string_member (record_at (customers, i), "name"), -1);
      g_assert_nonnull (strstr (name, "oak"));
    }

  bad_op = call (sandbox, "GET", "/api/wms/sales-orders?filter%5BupdatedAt%3Afuzzy%5D=1", "wms", NULL);
  assert_field_error (bad_op, "filter[updatedAt:fuzzy]");
}

static void
test_sort (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--records", "300", NULL);
  g_autoptr(Answer) descending = call (sandbox, "GET", "/api/wms/sales-orders?per_page=500&sort%5BupdatedAt%5D=1",
                                       "wms", NULL);
  g_autoptr(Answer) ascending = call (sandbox, "GET", "/api/wms/sales-orders?per_page=500&sort%5BupdatedAt%5D=0",
                                      "wms", NULL);
  g_autoptr(Answer) bad = call (sandbox, "GET", "/api/wms/sales-orders?sort%5BupdatedAt%5D=up", "wms", NULL);
  g_autoptr(Answer) by_key = call (sandbox, "GET", "/api/wms/sales-orders?per_page=500", "wms", NULL);
  gboolean key_order_differs = FALSE;

  g_assert_cmpuint (json_array_get_length (answer_data (descending)), ==, 300);
  for (guint i = 1; i < 300; i++)
    {
      g_assert_cmpstr (json_object_get_string_member (record_at (descending, i - 1), "updatedAt"), >=,
                       json_object_get_string_member (record_at (descending, i), "updatedAt"));
      g_assert_cmpstr (json_object_get_string_member (record_at (ascending, i - 1), "updatedAt"), <=,
                       json_object_get_string_member (record_at (ascending, i), "updatedAt"));
      /* Default order is by key. */
      g_assert_cmpstr (json_object_get_string_member (record_at (by_key, i - 1), "key"), <,
                       json_object_get_string_member (record_at (by_key, i), "key"));
      if (!g_str_equal (json_object_get_string_member (record_at (by_key, i), "key"),
                        json_object_get_string_member (record_at (ascending, i), "key")))
        key_order_differs = TRUE;
    }
  /* Otherwise sorting would prove nothing. */
  g_assert_true (key_order_differs);
  assert_field_error (bad, "sort[updatedAt]");
}

static void
test_auth (void)
{
  g_autoptr(SySandboxProcess) sandbox = start (NULL);
  g_autoptr(Answer) missing = call (sandbox, "GET", "/api/wms/products", NULL, NULL);
  g_autoptr(Answer) wms_on_erp = call (sandbox, "GET", "/api/erp/products", "wms", NULL);
  g_autoptr(Answer) erp_on_wms = call (sandbox, "GET", "/api/wms/sales-orders", "erp", NULL);
  g_autoptr(Answer) erp_write_wms = call (sandbox, "POST", "/api/wms/products", "erp", "{}");
  g_autoptr(Answer) wms_current = call (sandbox, "GET", "/api/integrations/current", "wms", NULL);
  g_autoptr(Answer) erp_current = call (sandbox, "GET", "/api/integrations/current", "erp", NULL);
  g_autoptr(Answer) anonymous_current = call (sandbox, "GET", "/api/integrations/current", NULL, NULL);
  JsonObject *integration;

  assert_json_error (missing, 401);
  {
    g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), "/api/wms/products", NULL);
    g_autoptr(Answer) bad_token = call_url ("GET", url, "sbx_wms_not-the-token", NULL);
    g_autoptr(Answer) other_run = NULL;
    g_autoptr(SySandboxProcess) other = start (NULL);

    assert_json_error (bad_token, 401);
    /* Tokens are per run: another sandbox's token is worthless here. */
    other_run = call_url ("GET", url, sy_sandbox_process_get_token (other, "wms"), NULL);
    assert_json_error (other_run, 401);
  }
  assert_json_error (wms_on_erp, 403);
  assert_json_error (erp_on_wms, 403);
  assert_json_error (erp_write_wms, 403);
  assert_json_error (anonymous_current, 401);

  g_assert_cmpuint (wms_current->status, ==, 200);
  integration = json_object_get_object_member (answer_object (wms_current), "data");
  g_assert_cmpstr (json_object_get_string_member (integration, "platform"), ==, "mintsoft");
  g_assert_cmpstr (json_object_get_string_member (integration, "sync_status"), ==, "done");
  g_assert_nonnull (json_object_get_string_member (integration, "id"));
  g_assert_nonnull (json_object_get_string_member (integration, "name"));
  integration = json_object_get_object_member (answer_object (erp_current), "data");
  g_assert_cmpstr (json_object_get_string_member (integration, "platform"), ==, "netsuite");
}

static void
test_read_and_not_found (void)
{
  g_autoptr(SySandboxProcess) sandbox = start (NULL);
  g_autoptr(Answer) list = call (sandbox, "GET", "/api/wms/stocks", "wms", NULL);
  const char *key = json_object_get_string_member (record_at (list, 3), "key");
  g_autofree char *path = g_strconcat ("/api/wms/stocks/", key, NULL);
  g_autoptr(Answer) one = call (sandbox, "GET", path, "wms", NULL);
  g_autoptr(Answer) no_key = call (sandbox, "GET", "/api/wms/stocks/99999999999999", "wms", NULL);
  g_autoptr(Answer) no_entity = call (sandbox, "GET", "/api/wms/spaceships", "wms", NULL);
  g_autoptr(Answer) no_put = call (sandbox, "PUT", "/api/erp/customers/99999999999999", "erp", "{\"name\": \"x\"}");
  g_autoptr(Answer) outside = call (sandbox, "GET", "/nothing-here", "wms", NULL);
  JsonObject *record;

  g_assert_cmpuint (one->status, ==, 200);
  record = json_object_get_object_member (answer_object (one), "data");
  g_assert_cmpstr (json_object_get_string_member (record, "key"), ==, key);
  g_assert_true (json_object_has_member (record, "productKey"));
  assert_json_error (no_key, 404);
  assert_json_error (no_entity, 404);
  assert_json_error (no_put, 404);
  assert_json_error (outside, 404);
}

static void
test_erp_shares_customers_and_products (void)
{
  g_autoptr(SySandboxProcess) sandbox = start (NULL);
  const char *entities[] = { "customers", "products" };

  for (guint e = 0; e < G_N_ELEMENTS (entities); e++)
    {
      g_autofree char *wms_name = g_strconcat ("wms/", entities[e], NULL);
      g_autofree char *erp_name = g_strconcat ("erp/", entities[e], NULL);
      g_autoptr(GPtrArray) wms = fetch_all (sandbox, "wms", wms_name);
      g_autoptr(GPtrArray) erp = fetch_all (sandbox, "erp", erp_name);

      g_assert_cmpuint (wms->len, >, 0);
      g_assert_cmpuint (wms->len, ==, erp->len);
      for (guint i = 0; i < wms->len; i++)
        {
          g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (wms, i), "code"), ==,
                           json_object_get_string_member (g_ptr_array_index (erp, i), "code"));
          g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (wms, i), "key"), ==,
                           json_object_get_string_member (g_ptr_array_index (erp, i), "key"));
        }
    }

  {
    g_autoptr(Answer) orders = call (sandbox, "GET", "/api/erp/sales-orders", "erp", NULL);
    g_assert_cmpuint (json_array_get_length (answer_data (orders)), ==, 0);
  }
}

/* A valid ERP order built from the seeded customers and products. */
static char *
valid_order (SySandboxProcess *sandbox,
             const char       *code)
{
  g_autoptr(Answer) customers = call (sandbox, "GET", "/api/erp/customers", "erp", NULL);
  g_autoptr(Answer) products = call (sandbox, "GET", "/api/erp/products", "erp", NULL);

  return g_strdup_printf ("{\"code\": \"%s\", \"orderNumber\": \"MS-%s\", \"date\": \"2024-05-01\","
                          " \"currencyKey\": \"GBP\", \"customerKey\": \"%s\","
                          " \"lines\": [{\"productKey\": \"%s\", \"quantity\": 3, \"price\": \"9.99\"}]}",
                          code, code,
                          json_object_get_string_member (record_at (customers, 0), "key"),
                          json_object_get_string_member (record_at (products, 1), "key"));
}

static void
test_create_and_update (void)
{
  g_autoptr(SySandboxProcess) sandbox = start (NULL);
  g_autofree char *body = valid_order (sandbox, "W-1");
  g_autoptr(Answer) created = call (sandbox, "POST", "/api/erp/sales-orders", "erp", body);
  g_autoptr(Answer) second = NULL;
  g_autoptr(Answer) read_back = NULL;
  g_autoptr(Answer) updated = NULL;
  g_autoptr(Answer) listed = NULL;
  g_autoptr(Answer) product = NULL;
  g_autoptr(Answer) customer = NULL;
  g_autoptr(Answer) customer_update = NULL;
  g_autoptr(Answer) wms_write = NULL;
  g_autofree char *path = NULL;
  g_autofree char *customer_path = NULL;
  JsonObject *record;
  const char *key;

  g_assert_cmpuint (created->status, ==, 201);
  record = json_object_get_object_member (answer_object (created), "data");
  key = json_object_get_string_member (record, "key");
  g_assert_nonnull (key);
  g_assert_cmpstr (json_object_get_string_member (record, "code"), ==, "W-1");
  g_assert_nonnull (json_object_get_string_member (record, "createdAt"));
  g_assert_cmpstr (json_object_get_string_member (record, "createdAt"), ==,
                   json_object_get_string_member (record, "updatedAt"));

  second = call (sandbox, "POST", "/api/erp/sales-orders", "erp", body);
  g_assert_cmpuint (second->status, ==, 201);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (answer_object (second), "data"), "key"),
                   !=, key);

  path = g_strconcat ("/api/erp/sales-orders/", key, NULL);
  read_back = call (sandbox, "GET", path, "erp", NULL);
  g_assert_cmpuint (read_back->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (answer_object (read_back), "data"),
                                                  "orderNumber"), ==, "MS-W-1");

  updated = call (sandbox, "PUT", path, "erp", "{\"memo\": \"changed\", \"key\": \"ignored\"}");
  g_assert_cmpuint (updated->status, ==, 200);
  record = json_object_get_object_member (answer_object (updated), "data");
  g_assert_cmpstr (json_object_get_string_member (record, "key"), ==, key);
  g_assert_cmpstr (json_object_get_string_member (record, "memo"), ==, "changed");
  /* Fields the update did not name stay. */
  g_assert_cmpstr (json_object_get_string_member (record, "orderNumber"), ==, "MS-W-1");

  listed = call (sandbox, "GET", "/api/erp/sales-orders", "erp", NULL);
  g_assert_cmpuint (json_array_get_length (answer_data (listed)), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (record_at (listed, 0), "memo"), ==, "changed");

  product = call (sandbox, "POST", "/api/erp/products", "erp",
                  "{\"code\": \"NEW-1\", \"name\": \"Brass Bell\", \"sku\": \"SKU-NEW\", \"price\": \"4.50\"}");
  g_assert_cmpuint (product->status, ==, 201);
  customer = call (sandbox, "POST", "/api/erp/customers", "erp",
                   "{\"code\": \"CUST-NEW\", \"name\": \"New Customer Ltd\", \"email\": \"a@b.example\"}");
  g_assert_cmpuint (customer->status, ==, 201);
  customer_path = g_strconcat ("/api/erp/customers/",
                               json_object_get_string_member (json_object_get_object_member (answer_object (customer), "data"), "key"),
                               NULL);
  customer_update = call (sandbox, "PUT", customer_path, "erp", "{\"email\": \"c@d.example\"}");
  g_assert_cmpuint (customer_update->status, ==, 200);

  wms_write = call (sandbox, "POST", "/api/wms/sales-orders", "wms", body);
  g_assert_cmpuint (wms_write->status, ==, 405);
}

static void
test_validation (void)
{
  g_autoptr(SySandboxProcess) sandbox = start (NULL);
  g_autoptr(Answer) products = call (sandbox, "GET", "/api/erp/products", "erp", NULL);
  g_autoptr(Answer) customers = call (sandbox, "GET", "/api/erp/customers", "erp", NULL);
  const char *product = json_object_get_string_member (record_at (products, 0), "key");
  const char *customer = json_object_get_string_member (record_at (customers, 0), "key");
  g_autofree char *no_number = g_strdup_printf ("{\"customerKey\": \"%s\", \"lines\": [{\"productKey\": \"%s\", \"quantity\": 1}]}",
                                                customer, product);
  g_autofree char *bad_customer = g_strdup_printf ("{\"orderNumber\": \"A\", \"customerKey\": \"nobody\", \"lines\": [{\"productKey\": \"%s\", \"quantity\": 1}]}",
                                                   product);
  g_autofree char *no_lines = g_strdup_printf ("{\"orderNumber\": \"A\", \"customerKey\": \"%s\", \"lines\": []}", customer);
  g_autofree char *bad_product = g_strdup_printf ("{\"orderNumber\": \"A\", \"customerKey\": \"%s\", \"lines\": [{\"productKey\": \"%s\", \"quantity\": 1}, {\"productKey\": \"nothing\", \"quantity\": 1}]}",
                                                  customer, product);
  g_autoptr(Answer) a = call (sandbox, "POST", "/api/erp/sales-orders", "erp", no_number);
  g_autoptr(Answer) b = call (sandbox, "POST", "/api/erp/sales-orders", "erp", bad_customer);
  g_autoptr(Answer) c = call (sandbox, "POST", "/api/erp/sales-orders", "erp", no_lines);
  g_autoptr(Answer) d = call (sandbox, "POST", "/api/erp/sales-orders", "erp", bad_product);
  g_autoptr(Answer) e = call (sandbox, "POST", "/api/erp/sales-orders", "erp", "{\"orderNumber\": ");
  g_autoptr(Answer) f = call (sandbox, "POST", "/api/erp/sales-orders", "erp", "[1, 2]");
  g_autoptr(Answer) g = call (sandbox, "POST", "/api/erp/customers", "erp", "{\"code\": \"X\"}");
  /* White space alone parses as a document with no value at all. */
  g_autoptr(Answer) h = call (sandbox, "POST", "/api/erp/sales-orders", "erp", " \r\n ");
  g_autoptr(Answer) count = call (sandbox, "GET", "/api/erp/sales-orders", "erp", NULL);

  assert_field_error (a, "orderNumber");
  assert_field_error (b, "customerKey");
  assert_field_error (c, "lines");
  assert_field_error (d, "lines.1.productKey");
  g_assert_false (json_object_has_member (json_object_get_object_member (answer_object (d), "errors"),
                                          "lines.0.productKey"));
  assert_json_error (e, 400);
  assert_json_error (f, 422);
  assert_field_error (g, "name");
  assert_json_error (h, 422);
  /* Nothing rejected was stored. */
  g_assert_cmpuint (json_array_get_length (answer_data (count)), ==, 0);
}

static JsonObject *
get_stats (SySandboxProcess *sandbox,
           Answer          **holder)
{
  *holder = call (sandbox, "GET", "/__sandbox/stats", NULL, NULL);
  g_assert_cmpuint ((*holder)->status, ==, 200);
  return answer_object (*holder);
}

static void
test_invalid_rate (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--records", "200", "--invalid-rate", "0.3", NULL);
  g_autoptr(SySandboxProcess) clean = start ("--records", "200", NULL);
  g_autoptr(GPtrArray) orders = fetch_all (sandbox, "wms", "wms/sales-orders");
  g_autoptr(GPtrArray) erp_customers = fetch_all (sandbox, "erp", "erp/customers");
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(Answer) stats_holder = NULL;
  g_autoptr(Answer) clean_holder = NULL;
  JsonObject *invalid_order = NULL;
  gint64 invalid;
  guint unknown = 0;

  for (guint i = 0; i < erp_customers->len; i++)
    g_hash_table_add (known, (gpointer) json_object_get_string_member (g_ptr_array_index (erp_customers, i), "key"));
  for (guint i = 0; i < orders->len; i++)
    if (!g_hash_table_contains (known, json_object_get_string_member (g_ptr_array_index (orders, i), "customerKey")))
      {
        unknown++;
        invalid_order = g_ptr_array_index (orders, i);
      }

  invalid = json_object_get_int_member (get_stats (sandbox, &stats_holder), "invalid_source_records");
  g_assert_cmpint (invalid, ==, unknown);
  g_assert_cmpint (invalid, >, 20);
  g_assert_cmpint (invalid, <, 100);
  g_assert_cmpint (json_object_get_int_member (get_stats (clean, &clean_holder), "invalid_source_records"), ==, 0);

  /* Sent to the ERP as it is, a broken order is refused. */
  {
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
    g_autofree char *body = NULL;
    g_autoptr(Answer) rejected = NULL;

    g_assert_nonnull (invalid_order);
    json_node_set_object (node, invalid_order);
    body = json_to_string (node, FALSE);
    rejected = call (sandbox, "POST", "/api/erp/sales-orders", "erp", body);
    assert_field_error (rejected, "customerKey");
  }

  /* A mapping that leaves customerKey out (as the example of docs/architecture.md §5 does)
   * must still see the broken order refused: its first line names a product
   * nobody has. A good order without a customer is accepted. */
  {
    g_autoptr(JsonObject) stripped = json_object_new ();
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
    g_autofree char *body = NULL;
    g_autoptr(Answer) rejected = NULL;
    g_autofree char *good_body = valid_order (sandbox, "NO-CUSTOMER-1");
    g_autoptr(JsonNode) good = json_from_string (good_body, NULL);
    g_autofree char *good_without_customer = NULL;
    g_autoptr(Answer) accepted = NULL;

    json_object_set_string_member (stripped, "orderNumber",
                                   json_object_get_string_member (invalid_order, "orderNumber"));
    json_object_set_array_member (stripped, "lines",
                                  json_array_ref (json_object_get_array_member (invalid_order, "lines")));
    json_node_set_object (node, stripped);
    body = json_to_string (node, FALSE);
    rejected = call (sandbox, "POST", "/api/erp/sales-orders", "erp", body);
    assert_field_error (rejected, "lines.0.productKey");

    json_object_remove_member (json_node_get_object (good), "customerKey");
    good_without_customer = json_to_string (good, FALSE);
    accepted = call (sandbox, "POST", "/api/erp/sales-orders", "erp", good_without_customer);
    g_assert_cmpuint (accepted->status, ==, 201);
  }
}

static void
test_stats_and_duplicates (void)
{
  g_autoptr(SySandboxProcess) sandbox = start (NULL);
  g_autofree char *body = valid_order (sandbox, "DUP-1");
  g_autofree char *other = valid_order (sandbox, "UNIQUE-1");
  g_autoptr(Answer) first = call (sandbox, "POST", "/api/erp/sales-orders", "erp", body);
  g_autoptr(Answer) before = call (sandbox, "GET", "/__sandbox/duplicates?entity=erp/sales-orders&field=code", NULL, NULL);
  g_autoptr(Answer) second = call (sandbox, "POST", "/api/erp/sales-orders", "erp", body);
  g_autoptr(Answer) third = call (sandbox, "POST", "/api/erp/sales-orders", "erp", other);
  g_autoptr(Answer) unauthorized = call (sandbox, "GET", "/api/erp/sales-orders", NULL, NULL);
  g_autoptr(Answer) after = call (sandbox, "GET", "/__sandbox/duplicates?entity=erp/sales-orders&field=code", NULL, NULL);
  g_autoptr(Answer) no_entity = call (sandbox, "GET", "/__sandbox/duplicates?entity=erp/nothing&field=code", NULL, NULL);
  g_autoptr(Answer) stats_holder = NULL;
  JsonObject *stats, *requests, *entities;

  g_assert_cmpuint (first->status, ==, 201);
  g_assert_cmpuint (second->status, ==, 201);
  g_assert_cmpuint (third->status, ==, 201);
  g_assert_cmpint (json_object_get_int_member (answer_object (before), "duplicates"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (answer_object (after), "duplicates"), ==, 1);
  g_assert_cmpuint (no_entity->status, ==, 404);
  (void) unauthorized;

  stats = get_stats (sandbox, &stats_holder);
  requests = json_object_get_object_member (stats, "requests");
  entities = json_object_get_object_member (stats, "entities");
  g_assert_cmpint (json_object_get_int_member (requests, "201"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (requests, "401"), ==, 1);
  /* valid_order() read customers and products twice: four 200s. */
  g_assert_cmpint (json_object_get_int_member (requests, "200"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (entities, "erp/sales-orders"), "count"),
                   ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (entities, "wms/sales-orders"), "count"),
                   ==, 200);
  g_assert_true (json_object_has_member (entities, "wms/stocks"));
  g_assert_true (json_object_has_member (entities, "erp/products"));
}

/* Every record of every entity, as JSON text. */
static char *
dump_data (SySandboxProcess *sandbox)
{
  GString *dump = g_string_new (NULL);
  const char *entities[][2] = {
    { "wms", "wms/sales-orders" }, { "wms", "wms/customers" }, { "wms", "wms/products" },
    { "wms", "wms/stocks" }, { "erp", "erp/customers" }, { "erp", "erp/products" },
  };

  for (guint e = 0; e < G_N_ELEMENTS (entities); e++)
    {
      g_autoptr(GPtrArray) records = fetch_all (sandbox, entities[e][0], entities[e][1]);

      for (guint i = 0; i < records->len; i++)
        {
          g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
          g_autofree char *text = NULL;

          json_node_set_object (node, g_ptr_array_index (records, i));
          text = json_to_string (node, FALSE);
          g_string_append (dump, text);
          g_string_append_c (dump, '\n');
        }
    }
  return g_string_free (dump, FALSE);
}

static void
test_same_seed_same_data (void)
{
  g_autoptr(SySandboxProcess) a = start ("--seed", "7", "--records", "300", NULL);
  g_autoptr(SySandboxProcess) b = start ("--seed", "7", "--records", "300", NULL);
  g_autoptr(SySandboxProcess) c = start ("--seed", "8", "--records", "300", NULL);
  g_autofree char *dump_a = dump_data (a);
  g_autofree char *dump_b = dump_data (b);
  g_autofree char *dump_c = dump_data (c);
  g_autoptr(GPtrArray) orders_a = fetch_all (a, "wms", "wms/sales-orders");
  g_autoptr(GPtrArray) orders_c = fetch_all (c, "wms", "wms/sales-orders");
  g_auto(GStrv) keys_a = keys_of (orders_a);
  g_auto(GStrv) keys_c = keys_of (orders_c);

  g_assert_cmpuint (strlen (dump_a), >, 10000);
  g_assert_cmpstr (dump_a, ==, dump_b);
  g_assert_cmpstr (dump_a, !=, dump_c);
  /* Keys follow creation order and stay comparable across seeds. */
  g_assert_cmpuint (g_strv_length (keys_a), ==, g_strv_length (keys_c));
  g_assert_cmpstr (sy_sandbox_process_get_token (a, "wms"), !=, sy_sandbox_process_get_token (b, "wms"));
}

static void
test_rate_limit (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--rate-limit", "3", NULL);
  g_autoptr(Answer) limited = NULL;
  g_autoptr(Answer) other_token = NULL;
  g_autoptr(Answer) stats_holder = NULL;
  const char *retry_after;
  guint64 seconds = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Answer) ok = call (sandbox, "GET", "/api/wms/products", "wms", NULL);
      g_assert_cmpuint (ok->status, ==, 200);
    }

  limited = call (sandbox, "GET", "/api/wms/products", "wms", NULL);
  assert_json_error (limited, 429);
  retry_after = soup_message_headers_get_one (limited->headers, "Retry-After");
  g_assert_nonnull (retry_after);
  g_assert_true (g_ascii_string_to_unsigned (retry_after, 10, 1, 60, &seconds, NULL));

  /* The limit is per token. */
  other_token = call (sandbox, "GET", "/api/erp/products", "erp", NULL);
  g_assert_cmpuint (other_token->status, ==, 200);

  /* Inspection is never limited. */
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (get_stats (sandbox, &stats_holder),
                                                                              "requests"), "429"), ==, 1);
}

static void
test_fail_rate (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--fail-rate", "1", NULL);
  g_autoptr(Answer) stats_holder = NULL;
  JsonObject *requests;
  gint64 failures = 0;

  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(Answer) answer = call (sandbox, "GET", "/api/wms/products", "wms", NULL);

      g_assert_cmpuint (answer->status, >=, 500);
      g_assert_cmpuint (answer->status, <=, 503);
      assert_json_error (answer, answer->status);
    }

  requests = json_object_get_object_member (get_stats (sandbox, &stats_holder), "requests");
  for (const char * const *status = (const char * const[]) { "500", "502", "503", NULL }; *status; status++)
    failures += json_object_get_int_member_with_default (requests, *status, 0);
  g_assert_cmpint (failures, ==, 6);
}

static void
test_drop_rate (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--drop-rate", "1", NULL);
  g_autoptr(Answer) dropped = call (sandbox, "GET", "/api/wms/products", "wms", NULL);
  g_autoptr(Answer) stats_holder = NULL;
  JsonObject *stats;

  g_assert_nonnull (dropped->error);
  g_assert_cmpuint (dropped->status, ==, 0);

  stats = get_stats (sandbox, &stats_holder);
  g_assert_cmpint (json_object_get_int_member (stats, "dropped_connections"), >=, 1);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (stats, "requests")), ==, 0);
}

static void
test_latency (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--latency-ms", "400", NULL);
  gint64 before = g_get_monotonic_time ();
  g_autoptr(Answer) answer = call (sandbox, "GET", "/api/wms/products", "wms", NULL);
  gint64 elapsed = g_get_monotonic_time () - before;

  g_assert_cmpuint (answer->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (answer_data (answer)), ==, 15);
  g_assert_cmpint (elapsed, >=, 400 * 1000);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  guint *pending = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  (*pending)--;
}

/* stats "in_flight" member path, e.g. ("erp", "max_reads"); connection
 * NULL for a member of in_flight itself. */
static gint64
in_flight_stat (SySandboxProcess *sandbox,
                const char       *connection,
                const char       *member)
{
  g_autoptr(SoupSession) session = soup_session_new ();

  return sy_sandbox_client_in_flight (sandbox, session, connection, member);
}

/* "in_flight" counts what the sandbox held at once: three GETs and a POST
 * of erp and a GET of wms sent together, each held for --latency-ms. */
static void
test_in_flight (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--latency-ms", "500", NULL);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 20, "max-conns-per-host", 10, NULL);
  g_autofree char *body = valid_order (sandbox, "F-1");
  const struct { const char *method, *path, *connection; } requests[] = {
    { "GET", "/api/erp/products", "erp" },
    { "GET", "/api/erp/customers", "erp" },
    { "GET", "/api/erp/products?page=2", "erp" },
    { "POST", "/api/erp/sales-orders", "erp" },
    { "GET", "/api/wms/products", "wms" },
  };
  guint pending = G_N_ELEMENTS (requests);

  /* valid_order()'s two GETs went one after the other. */
  g_assert_cmpint (in_flight_stat (sandbox, "erp", "max_reads"), ==, 1);
  g_assert_cmpint (in_flight_stat (sandbox, NULL, "reads_beside_writes"), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), requests[i].path, NULL);
      g_autofree char *authorization = g_strconcat ("Bearer ", sy_sandbox_process_get_token (sandbox, requests[i].connection),
                                                    NULL);
      g_autoptr(SoupMessage) msg = soup_message_new (requests[i].method, url);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
      if (g_str_equal (requests[i].method, "POST"))
        {
          g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
          soup_message_set_request_body_from_bytes (msg, "application/json", request);
        }
      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &pending);
    }
  while (pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpint (in_flight_stat (sandbox, "erp", "max_reads"), ==, 3);
  g_assert_cmpint (in_flight_stat (sandbox, "erp", "max_writes"), ==, 1);
  g_assert_cmpint (in_flight_stat (sandbox, "erp", "max"), ==, 4);
  g_assert_cmpint (in_flight_stat (sandbox, "wms", "max_reads"), ==, 1);
  g_assert_cmpint (in_flight_stat (sandbox, "wms", "max_writes"), ==, 0);
  /* Every GET of the burst was held while the POST was. */
  g_assert_cmpint (in_flight_stat (sandbox, NULL, "reads_beside_writes"), ==, 4);

  /* A request alone overlaps nothing: the counts stay. */
  {
    g_autoptr(Answer) alone = call (sandbox, "GET", "/api/erp/products", "erp", NULL);
    g_assert_cmpuint (alone->status, ==, 200);
  }
  g_assert_cmpint (in_flight_stat (sandbox, "erp", "max"), ==, 4);
  g_assert_cmpint (in_flight_stat (sandbox, NULL, "reads_beside_writes"), ==, 4);
}

/* An idempotent request sent again until an answer comes: for sandboxes
 * that drop connections. */
static Answer *
call_until_answered (SySandboxProcess *sandbox,
                     const char       *method,
                     const char       *path,
                     const char       *connection,
                     const char       *body)
{
  for (guint attempt = 0; attempt < 60; attempt++)
    {
      Answer *answer = call (sandbox, method, path, connection, body);

      if (answer->error == NULL)
        return answer;
      answer_free (answer);
    }
  g_assert_not_reached ();
}

/* The records of entity whose field equals value exactly, as a client
 * that lost an answer looks its create up. */
static guint
count_matching (SySandboxProcess *sandbox,
                const char       *connection,
                const char       *entity,
                const char       *field,
                const char       *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/%s?filter%%5B%s%%5D=%s", entity, field, escaped);
  g_autoptr(Answer) answer = call_until_answered (sandbox, "GET", path, connection, NULL);
  JsonArray *data;

  g_assert_cmpuint (answer->status, ==, 200);
  data = answer_data (answer);
  for (guint i = 0; i < json_array_get_length (data); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (data, i), field), ==, value);
  return json_array_get_length (data);
}

/* Sends n_posts creates with codes prefix-0.., each once, and says how
 * many were answered (201); the codes of the others go to lost_codes. */
static guint
post_orders_once (SySandboxProcess *sandbox,
                  const char       *template,
                  const char       *prefix,
                  guint             n_posts,
                  GPtrArray        *lost_codes)
{
  guint answered = 0;

  for (guint i = 0; i < n_posts; i++)
    {
      g_autofree char *code = g_strdup_printf ("%s-%u", prefix, i);
      g_autoptr(JsonNode) order = json_from_string (template, NULL);
      g_autofree char *body = NULL;
      g_autoptr(Answer) answer = NULL;

      json_object_set_string_member (json_node_get_object (order), "code", code);
      body = json_to_string (order, FALSE);
      answer = call (sandbox, "POST", "/api/erp/sales-orders", "erp", body);
      if (answer->error != NULL)
        g_ptr_array_add (lost_codes, g_steal_pointer (&code));
      else
        {
          g_assert_cmpuint (answer->status, ==, 201);
          answered++;
        }
    }
  return answered;
}

static gint64
entity_count (JsonObject *stats,
              const char *entity)
{
  return json_object_get_int_member (json_object_get_object_member (json_object_get_object_member (stats, "entities"),
                                                                    entity), "count");
}

/* Half of the drops come after the request was carried out: the create is
 * stored although its client heard nothing, and a lookup by its code
 * finds it. The drops are drawn from the seeded rand: the same seed and
 * the same requests, the same drops. */
static void
test_drop_after_write (void)
{
  g_autoptr(SySandboxProcess) clean = start (NULL);
  g_autofree char *template = valid_order (clean, "X");
  g_autoptr(SySandboxProcess) sandbox = start ("--drop-rate", "0.5", "--seed", "5", NULL);
  g_autoptr(SySandboxProcess) same_seed = start ("--drop-rate", "0.5", "--seed", "5", NULL);
  g_autoptr(SySandboxProcess) always = start ("--drop-rate", "1", "--latency-ms", "300", NULL);
  g_autoptr(GPtrArray) lost = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) lost_again = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(Answer) stats_holder = NULL;
  g_autoptr(Answer) again_holder = NULL;
  g_autoptr(Answer) always_holder = NULL;
  JsonObject *stats, *again, *always_stats;
  guint answered, found = 0, lost_before = 0;
  gint64 stored, slowest = 0;

  answered = post_orders_once (sandbox, template, "DROP", 60, lost);
  stats = get_stats (sandbox, &stats_holder);
  stored = entity_count (stats, "erp/sales-orders");
  g_assert_cmpint (json_object_get_int_member (stats, "dropped_connections"), ==, lost->len);
  g_assert_cmpint (json_object_get_int_member (stats, "dropped_after_write"), ==, stored - answered);
  g_assert_cmpint (json_object_get_int_member (stats, "dropped_after_processing"), ==, stored - answered);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (stats, "writes"), "created"), ==, stored);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (stats, "methods"), "POST"), ==, 60);
  /* Only answers sent are counted by status. */
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (stats, "requests"), "201"), ==, answered);
  /* Both kinds happened (each is about a quarter of 60). */
  g_assert_cmpint (stored - answered, >, 0);
  g_assert_cmpint (stored - answered, <, lost->len);

  for (guint i = 0; i < lost->len; i++)
    {
      guint matching = count_matching (sandbox, "erp", "erp/sales-orders", "code", g_ptr_array_index (lost, i));

      g_assert_cmpuint (matching, <=, 1);
      found += matching;
      lost_before += 1 - matching;
    }
  g_assert_cmpint (found, ==, stored - answered);
  g_assert_cmpuint (lost_before, ==, lost->len - found);

  /* The same seed drops the same requests, before and after alike. */
  g_assert_cmpuint (post_orders_once (same_seed, template, "DROP", 60, lost_again), ==, answered);
  again = get_stats (same_seed, &again_holder);
  g_assert_cmpint (entity_count (again, "erp/sales-orders"), ==, stored);
  g_assert_cmpuint (lost_again->len, ==, lost->len);
  for (guint i = 0; i < lost->len; i++)
    g_assert_cmpstr (g_ptr_array_index (lost_again, i), ==, g_ptr_array_index (lost, i));

  /* A drop after the write still waits for --latency-ms, as the answer
   * would have; a drop before comes at once. */
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *code = g_strdup_printf ("SLOW-%u", i);
      g_autoptr(JsonNode) order = json_from_string (template, NULL);
      g_autofree char *body = NULL;
      g_autoptr(Answer) answer = NULL;
      gint64 before;

      json_object_set_string_member (json_node_get_object (order), "code", code);
      body = json_to_string (order, FALSE);
      before = g_get_monotonic_time ();
      answer = call (always, "POST", "/api/erp/sales-orders", "erp", body);
      slowest = MAX (slowest, g_get_monotonic_time () - before);
      g_assert_nonnull (answer->error);
    }
  always_stats = get_stats (always, &always_holder);
  g_assert_cmpint (json_object_get_int_member (always_stats, "dropped_connections"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (always_stats, "dropped_after_write"), ==,
                   entity_count (always_stats, "erp/sales-orders"));
  g_assert_cmpint (entity_count (always_stats, "erp/sales-orders"), >, 0);
  g_assert_cmpint (slowest, >=, 300 * 1000);
}

/* The lookup a sync engine makes for a create whose answer it lost:
 * filter[field]=value is an exact match, on any field, with both kinds of
 * pagination. */
static void
test_lookup_by_field (void)
{
  const char *paginations[] = { "pages", "cursor" };

  for (guint p = 0; p < G_N_ELEMENTS (paginations); p++)
    {
      g_autoptr(SySandboxProcess) sandbox = start ("--pagination", paginations[p], NULL);
      g_autofree char *template = valid_order (sandbox, "X");
      const char *codes[] = { "SO0000012", "SO00000120", "so0000012", "SO000001", "SO0000012 " };

      for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
        {
          g_autoptr(JsonNode) order = json_from_string (template, NULL);
          g_autofree char *body = NULL;
          g_autoptr(Answer) answer = NULL;

          json_object_set_string_member (json_node_get_object (order), "code", codes[i]);
          body = json_to_string (order, FALSE);
          answer = call (sandbox, "POST", "/api/erp/sales-orders", "erp", body);
          g_assert_cmpuint (answer->status, ==, 201);
        }

      for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
        g_assert_cmpuint (count_matching (sandbox, "erp", "erp/sales-orders", "code", codes[i]), ==, 1);
      g_assert_cmpuint (count_matching (sandbox, "erp", "erp/sales-orders", "code", "SO00000"), ==, 0);
      g_assert_cmpuint (count_matching (sandbox, "erp", "erp/sales-orders", "orderNumber", "MS-X"), ==, 5);
      g_assert_cmpuint (count_matching (sandbox, "wms", "wms/sales-orders", "code", "SO0000012"), ==, 1);
      g_assert_cmpuint (count_matching (sandbox, "wms", "wms/sales-orders", "orderNumber", "MS-100012"), ==, 1);
    }
}

/* Every key of the records matching query, paged with per_page 7 through
 * cursors, in the order given. */
static GPtrArray *
fetch_cursor_pages (SySandboxProcess *sandbox,
                    const char       *query,
                    guint            *n_pages)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autofree char *cursor = NULL;

  *n_pages = 0;
  do
    {
      g_autofree char *path = g_strdup_printf ("/api/wms/sales-orders?per_page=7&%s%s%s", query,
                                               cursor ? "&cursor=" : "", cursor ? cursor : "");
      g_autoptr(Answer) answer = call (sandbox, "GET", path, "wms", NULL);
      JsonObject *object = answer_object (answer);
      JsonArray *data = answer_data (answer);

      g_assert_cmpuint (answer->status, ==, 200);
      for (guint i = 0; i < json_array_get_length (data); i++)
        g_ptr_array_add (records, json_object_ref (json_array_get_object_element (data, i)));
      g_free (cursor);
      cursor = json_object_get_null_member (object, "next_cursor") ? NULL
               : g_strdup (json_object_get_string_member (object, "next_cursor"));
      g_assert_cmpuint (++*n_pages, <=, 200);
    }
  while (cursor != NULL);
  return records;
}

static JsonObject *
touch (SySandboxProcess *sandbox,
       const char       *entity,
       guint             count,
       Answer          **holder)
{
  g_autofree char *path = g_strdup_printf ("/__sandbox/touch?entity=%s&count=%u", entity, count);

  *holder = call (sandbox, "POST", path, NULL, NULL);
  g_assert_cmpuint ((*holder)->status, ==, 200);
  return answer_object (*holder);
}

/* An incremental reader's query: filter[updatedAt:gt|gteq] and
 * sort[updatedAt]=0 page through cursors like through pages. */
static void
test_cursor_incremental (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--records", "400", "--pagination", "cursor", NULL);
  g_autoptr(SySandboxProcess) paged = start ("--records", "400", NULL);
  g_autoptr(Answer) pivot_answer = call (paged, "GET", "/api/wms/sales-orders?per_page=500&sort%5BupdatedAt%5D=0",
                                         "wms", NULL);
  JsonObject *pivot = record_at (pivot_answer, 150);
  g_autofree char *pivot_time = g_uri_escape_string (json_object_get_string_member (pivot, "updatedAt"), NULL, FALSE);
  g_autofree char *gt_query = g_strdup_printf ("filter%%5BupdatedAt%%3Agt%%5D=%s&sort%%5BupdatedAt%%5D=0", pivot_time);
  g_autofree char *gteq_query = g_strdup_printf ("filter%%5BupdatedAt%%3Agteq%%5D=%s&sort%%5BupdatedAt%%5D=0", pivot_time);
  g_autoptr(GPtrArray) gt = NULL;
  g_autoptr(GPtrArray) gteq = NULL;
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  g_autoptr(Answer) touched_holder = NULL;
  JsonObject *touched;
  guint n_pages;

  for (guint i = 0; i < 400; i++)
    if (strcmp (json_object_get_string_member (record_at (pivot_answer, i), "updatedAt"),
                json_object_get_string_member (pivot, "updatedAt")) > 0)
      g_ptr_array_add (expected, (gpointer) json_object_get_string_member (record_at (pivot_answer, i), "key"));

  gt = fetch_cursor_pages (sandbox, gt_query, &n_pages);
  g_assert_cmpuint (gt->len, ==, expected->len);
  g_assert_cmpuint (n_pages, ==, (expected->len + 6) / 7);
  for (guint i = 0; i < gt->len; i++)
    g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (gt, i), "key"), ==,
                     g_ptr_array_index (expected, i));

  gteq = fetch_cursor_pages (sandbox, gteq_query, &n_pages);
  g_assert_cmpuint (gteq->len, >, gt->len);
  for (guint i = 0; i < gteq->len; i++)
    g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (gteq, i), "updatedAt"), >=,
                     json_object_get_string_member (pivot, "updatedAt"));

  /* After a touch, the incremental query from the old high-water mark
   * finds exactly the touched records, oldest first. */
  {
    g_autoptr(Answer) last_answer = call (sandbox, "GET", "/api/wms/sales-orders?per_page=1&sort%5BupdatedAt%5D=1",
                                          "wms", NULL);
    g_autofree char *high_water = g_uri_escape_string (json_object_get_string_member (record_at (last_answer, 0),
                                                                                      "updatedAt"), NULL, FALSE);
    g_autofree char *since_query = g_strdup_printf ("filter%%5BupdatedAt%%3Agt%%5D=%s&sort%%5BupdatedAt%%5D=0",
                                                    high_water);
    g_autoptr(GPtrArray) changed = NULL;
    JsonArray *keys;

    touched = touch (sandbox, "wms/sales-orders", 20, &touched_holder);
    keys = json_object_get_array_member (touched, "keys");
    changed = fetch_cursor_pages (sandbox, since_query, &n_pages);
    g_assert_cmpuint (changed->len, ==, 20);
    g_assert_cmpuint (n_pages, ==, 3);
    for (guint i = 0; i < 20; i++)
      g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (changed, i), "key"), ==,
                       json_array_get_string_element (keys, i));
  }
}

/* The sandbox remembers a sorted order between pages; a write must make
 * it sort again, or a paging reader would miss the changed record. */
static void
test_sort_after_write (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--records", "60", NULL);
  const char *query = "/api/wms/sales-orders?per_page=500&sort%5BupdatedAt%5D=0";
  g_autoptr(Answer) before = call (sandbox, "GET", query, "wms", NULL);
  g_autoptr(Answer) touched_holder = NULL;
  g_autoptr(Answer) after = NULL;
  JsonObject *touched = touch (sandbox, "wms/sales-orders", 1, &touched_holder);
  const char *touched_key = json_array_get_string_element (json_object_get_array_member (touched, "keys"), 0);

  /* Otherwise the order would not have to change. */
  g_assert_cmpstr (json_object_get_string_member (record_at (before, 59), "key"), !=, touched_key);

  after = call (sandbox, "GET", query, "wms", NULL);
  g_assert_cmpuint (json_array_get_length (answer_data (after)), ==, 60);
  g_assert_cmpstr (json_object_get_string_member (record_at (after, 59), "key"), ==, touched_key);
}

static void
test_touch (void)
{
  g_autoptr(SySandboxProcess) sandbox = start ("--records", "300", NULL);
  g_autoptr(GPtrArray) before = fetch_all (sandbox, "wms", "wms/sales-orders");
  g_autoptr(GHashTable) before_by_key = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(Answer) first_holder = NULL;
  g_autoptr(Answer) second_holder = NULL;
  g_autoptr(Answer) products_holder = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GHashTable) touched_keys = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *latest_before = NULL;
  g_autofree char *last_of_first = NULL;
  JsonObject *first, *second, *products;
  JsonArray *keys;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < before->len; i++)
    {
      JsonObject *record = g_ptr_array_index (before, i);
      const char *updated_at = json_object_get_string_member (record, "updatedAt");

      g_hash_table_insert (before_by_key, (gpointer) json_object_get_string_member (record, "key"), record);
      if (latest_before == NULL || strcmp (updated_at, latest_before) > 0)
        {
          g_free (latest_before);
          latest_before = g_strdup (updated_at);
        }
    }

  first = touch (sandbox, "wms/sales-orders", 10, &first_holder);
  g_assert_cmpint (json_object_get_int_member (first, "touched"), ==, 10);
  keys = json_object_get_array_member (first, "keys");
  g_assert_cmpuint (json_array_get_length (keys), ==, 10);
  for (guint i = 0; i < 10; i++)
    g_assert_true (g_hash_table_add (touched_keys, (gpointer) json_array_get_string_element (keys, i)));

  after = fetch_all (sandbox, "wms", "wms/sales-orders");
  g_assert_cmpuint (after->len, ==, 300);
  {
    g_autoptr(GHashTable) times = g_hash_table_new (g_str_hash, g_str_equal);

    for (guint i = 0; i < after->len; i++)
      {
        JsonObject *record = g_ptr_array_index (after, i);
        const char *key = json_object_get_string_member (record, "key");
        JsonObject *old = g_hash_table_lookup (before_by_key, key);
        JsonObject *address = json_object_get_object_member (record, "shipmentAddress");
        JsonObject *old_address = json_object_get_object_member (old, "shipmentAddress");
        const char *updated_at = json_object_get_string_member (record, "updatedAt");
        g_autoptr(GDateTime) parsed = g_date_time_new_from_iso8601 (updated_at, NULL);

        g_assert_cmpstr (json_object_get_string_member (record, "orderNumber"), ==,
                         json_object_get_string_member (old, "orderNumber"));
        g_assert_cmpstr (json_object_get_string_member (record, "createdAt"), ==,
                         json_object_get_string_member (old, "createdAt"));
        if (!g_hash_table_contains (touched_keys, key))
          {
            g_assert_cmpstr (updated_at, ==, json_object_get_string_member (old, "updatedAt"));
            g_assert_cmpstr (json_object_get_string_member (address, "addressee"), ==,
                             json_object_get_string_member (old_address, "addressee"));
            continue;
          }
        /* Later than anything before, about now, and each its own. */
        g_assert_cmpstr (updated_at, >, latest_before);
        g_assert_cmpint (g_date_time_to_unix (parsed), >=, now);
        g_assert_cmpint (g_date_time_to_unix (parsed), <=, now + 60);
        g_assert_true (g_hash_table_add (times, (gpointer) updated_at));
        g_assert_cmpstr (json_object_get_string_member (address, "addressee"), !=,
                         json_object_get_string_member (old_address, "addressee"));
        g_assert_true (g_str_has_prefix (json_object_get_string_member (address, "addressee"),
                                         json_object_get_string_member (old_address, "addressee")));
        if (last_of_first == NULL || strcmp (updated_at, last_of_first) > 0)
          {
            g_free (last_of_first);
            last_of_first = g_strdup (updated_at);
          }
      }
    g_assert_cmpuint (g_hash_table_size (times), ==, 10);
  }

  /* A second touch comes strictly later, and the record read by key
   * shows the change too. */
  second = touch (sandbox, "wms/sales-orders", 3, &second_holder);
  keys = json_object_get_array_member (second, "keys");
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = g_strconcat ("/api/wms/sales-orders/", json_array_get_string_element (keys, i), NULL);
      g_autoptr(Answer) one = call (sandbox, "GET", path, "wms", NULL);
      JsonObject *record = json_object_get_object_member (answer_object (one), "data");

      g_assert_cmpstr (json_object_get_string_member (record, "updatedAt"), >, last_of_first);
      /* Touching again does not pile suffixes up. */
      g_assert_null (strstr (strstr (json_object_get_string_member (json_object_get_object_member (record, "shipmentAddress"),
                                                                    "addressee"), "(rev ") + 1, "(rev "));
    }

  /* Entities without an address get notes. */
  products = touch (sandbox, "wms/products", 2, &products_holder);
  {
    g_autofree char *path = g_strconcat ("/api/wms/products/",
                                         json_array_get_string_element (json_object_get_array_member (products, "keys"), 1),
                                         NULL);
    g_autoptr(Answer) one = call (sandbox, "GET", path, "wms", NULL);

    g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (answer_object (one), "data"),
                                                             "notes"), "rev"));
  }

  {
    const struct { const char *method; const char *path; guint status; } bad[] = {
      { "GET", "/__sandbox/touch?entity=wms/sales-orders&count=1", 405 },
      { "POST", "/__sandbox/touch?count=1", 400 },
      { "POST", "/__sandbox/touch?entity=wms/spaceships&count=1", 404 },
      { "POST", "/__sandbox/touch?entity=wms/sales-orders&count=0", 400 },
      { "POST", "/__sandbox/touch?entity=wms/sales-orders&count=ten", 400 },
      { "POST", "/__sandbox/touch?entity=wms/sales-orders&count=301", 400 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(Answer) answer = call (sandbox, bad[i].method, bad[i].path, NULL, NULL);

        g_assert_cmpuint (answer->status, ==, bad[i].status);
        g_assert_nonnull (json_object_get_string_member (answer_object (answer), "message"));
      }
  }
}

static void
test_bad_options (void)
{
  const char * const *cases[] = {
    (const char * const[]) { "--records", "-1", NULL },
    (const char * const[]) { "--records", "many", NULL },
    (const char * const[]) { "--fail-rate", "1.5", NULL },
    (const char * const[]) { "--drop-rate", "-0.1", NULL },
    (const char * const[]) { "--invalid-rate", "2", NULL },
    (const char * const[]) { "--pagination", "sideways", NULL },
    (const char * const[]) { "--port", "70000", NULL },
    (const char * const[]) { "--seed", "-4", NULL },
    (const char * const[]) { "--latency-ms", "-5", NULL },
    (const char * const[]) { "--rate-limit", "-1", NULL },
    (const char * const[]) { "--webhook-url", "ftp://x", NULL },
    (const char * const[]) { "--no-such-option", NULL },
    (const char * const[]) { "stray-argument", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status = -1;

      sy_test_run_sandbox_binary (cases[i], &status, &out, &err);
      g_assert_cmpint (status, ==, 2);
      g_assert_cmpstr (out, ==, "");
      g_assert_true (g_str_has_prefix (err, "switchyard-sandbox: "));
    }

  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = -1;

    sy_test_run_sandbox_binary ((const char * const[]) { "--help", NULL }, &status, &out, &err);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "--pagination"));
    g_assert_nonnull (strstr (out, "--webhook-secret-file"));
  }
}

static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **line = user_data;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  if (*line == NULL)
    *line = g_strdup ("");
}

static void
test_sigterm_exits_cleanly (void)
{
  g_autofree char *program = sy_paths_find_sandbox ();
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) stdout_stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) announced = NULL;
  g_autofree char *line = NULL;
  JsonObject *object;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, program, "--port", "0", NULL);
  g_assert_no_error (error);
  stdout_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  g_data_input_stream_read_line_async (stdout_stream, G_PRIORITY_DEFAULT, NULL, on_line_read, &line);
  while (line == NULL)
    g_main_context_iteration (NULL, TRUE);

  announced = json_from_string (line, &error);
  g_assert_no_error (error);
  object = json_node_get_object (announced);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (object, "url"), "http://127.0.0.1:"));
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (object, "tokens")), ==, 2);

  g_subprocess_send_signal (child, SIGTERM);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
}

/* Clients that keep a connection alive and then close it between two
 * requests (every SoupSession that goes away does) must not leave the
 * sandbox holding a descriptor each: libsoup 3.2's server alone would, and
 * a long sync ran it out of descriptors. */
static void
test_closed_keepalive_connections (void)
{
  g_autofree char *program = sy_paths_find_sandbox ();
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) stdout_stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) announced = NULL;
  g_autofree char *line = NULL;
  g_autofree char *url = NULL;
  const char *token;
  const char *pid;
  guint before, after = 0;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, program, "--latency-ms", "1", NULL);
  g_assert_no_error (error);
  pid = g_subprocess_get_identifier (child);
  stdout_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  g_data_input_stream_read_line_async (stdout_stream, G_PRIORITY_DEFAULT, NULL, on_line_read, &line);
  while (line == NULL)
    g_main_context_iteration (NULL, TRUE);
  announced = json_from_string (line, &error);
  g_assert_no_error (error);
  url = g_strconcat (json_object_get_string_member (json_node_get_object (announced), "url"),
                     "/api/wms/products?per_page=1", NULL);
  token = json_object_get_string_member (json_object_get_object_member (json_node_get_object (announced), "tokens"),
                                         "wms");

  before = sy_test_count_open_files (pid);
  for (guint i = 0; i < 200; i++)
    {
      /* A session of its own each time: closed after its one request. */
      g_autoptr(Answer) answer = call_url ("GET", url, token, NULL);

      g_assert_cmpuint (answer->status, ==, 200);
    }
  /* The last closes may still be on their way. */
  for (guint attempt = 0; attempt < 500; attempt++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      after = sy_test_count_open_files (pid);
      if (after <= before + 2)
        break;
      g_usleep (10 * 1000);
    }

  /* Stopped first: a failed assertion must not leave it running. */
  g_subprocess_send_signal (child, SIGTERM);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
  g_assert_cmpuint (after, <=, before + 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sandbox/envelope", test_envelope);
  g_test_add_func ("/sandbox/per-page", test_per_page);
  g_test_add_func ("/sandbox/every-key-once/pages", test_every_key_once_pages);
  g_test_add_func ("/sandbox/every-key-once/cursor", test_every_key_once_cursor);
  g_test_add_func ("/sandbox/filters", test_filters);
  g_test_add_func ("/sandbox/sort", test_sort);
  g_test_add_func ("/sandbox/auth", test_auth);
  g_test_add_func ("/sandbox/read-and-not-found", test_read_and_not_found);
  g_test_add_func ("/sandbox/erp-shares-customers-and-products", test_erp_shares_customers_and_products);
  g_test_add_func ("/sandbox/create-and-update", test_create_and_update);
  g_test_add_func ("/sandbox/validation", test_validation);
  g_test_add_func ("/sandbox/invalid-rate", test_invalid_rate);
  g_test_add_func ("/sandbox/stats-and-duplicates", test_stats_and_duplicates);
  g_test_add_func ("/sandbox/seed", test_same_seed_same_data);
  g_test_add_func ("/sandbox/rate-limit", test_rate_limit);
  g_test_add_func ("/sandbox/fail-rate", test_fail_rate);
  g_test_add_func ("/sandbox/drop-rate", test_drop_rate);
  g_test_add_func ("/sandbox/latency", test_latency);
  g_test_add_func ("/sandbox/in-flight", test_in_flight);
  g_test_add_func ("/sandbox/drop-after-write", test_drop_after_write);
  g_test_add_func ("/sandbox/lookup-by-field", test_lookup_by_field);
  g_test_add_func ("/sandbox/cursor-incremental", test_cursor_incremental);
  g_test_add_func ("/sandbox/touch", test_touch);
  g_test_add_func ("/sandbox/sort-after-write", test_sort_after_write);
  g_test_add_func ("/sandbox/closed-keepalive-connections", test_closed_keepalive_connections);
  g_test_add_func ("/sandbox/bad-options", test_bad_options);
  g_test_add_func ("/sandbox/sigterm", test_sigterm_exits_cleanly);

  return g_test_run ();
}
