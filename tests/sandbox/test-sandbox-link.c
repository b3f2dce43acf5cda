/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-paths.h"
#include "sy-test-support.h"

/* The sandbox's Link emulation over real HTTP: the authorisation code flow
 * with PKCE, refresh, expiry, client credentials and creating connections
 * (docs/architecture.md §9). Each test starts a switchyard-sandbox of its
 * own and reads its first line itself, for the "link" member. */

#define REDIRECT_URI "http://127.0.0.1:49152/callback"
/* CHALLENGE is BASE64URL-NOPAD (SHA-256 (VERIFIER)), worked out apart
 * from the sandbox (Python's hashlib and base64). */
#define VERIFIER "dBjftJeZ4CVP-mJ92ZVQHBtgZkV2iffIzzpj28x0m5g"
#define CHALLENGE "ffqRCbiCvWuAzlcDUMJI-H538__A7CtrqL-ZtCDTNx0"
#define THIRTY_DAYS_S ((gint64) 30 * 24 * 3600)

typedef struct
{
  GSubprocess *child;
  char *url;
  char *wms_token;
  char *erp_token;
  char *client_id;
  char *client_secret;
} Sandbox;

static void
sandbox_free (Sandbox *sandbox)
{
  if (sandbox->child != NULL)
    {
      g_subprocess_force_exit (sandbox->child);
      g_subprocess_wait (sandbox->child, NULL, NULL);
      g_object_unref (sandbox->child);
    }
  g_free (sandbox->url);
  g_free (sandbox->wms_token);
  g_free (sandbox->erp_token);
  g_free (sandbox->client_id);
  g_free (sandbox->client_secret);
  g_free (sandbox);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sandbox, sandbox_free)

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

/* extra: NULL-terminated arguments after --records 20, or NULL. */
static Sandbox *
start (const char * const *extra)
{
  g_autofree char *program = sy_paths_find_sandbox ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) announced = NULL;
  g_autofree char *line = NULL;
  Sandbox *sandbox = g_new0 (Sandbox, 1);
  JsonObject *object, *tokens, *link;

  g_assert_nonnull (program);
  g_ptr_array_add (argv, program);
  g_ptr_array_add (argv, "--records");
  g_ptr_array_add (argv, "20");
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra[i]);
  g_ptr_array_add (argv, NULL);

  sandbox->child = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sandbox->child));
  g_data_input_stream_read_line_async (output, G_PRIORITY_DEFAULT, NULL, on_line_read, &line);
  while (line == NULL)
    g_main_context_iteration (NULL, TRUE);

  announced = json_from_string (line, &error);
  g_assert_no_error (error);
  g_assert_nonnull (announced);
  object = json_node_get_object (announced);
  tokens = json_object_get_object_member (object, "tokens");
  link = json_object_get_object_member (object, "link");
  g_assert_nonnull (link);
  sandbox->url = g_strdup (json_object_get_string_member (object, "url"));
  sandbox->wms_token = g_strdup (json_object_get_string_member (tokens, "wms"));
  sandbox->erp_token = g_strdup (json_object_get_string_member (tokens, "erp"));
  sandbox->client_id = g_strdup (json_object_get_string_member (link, "client_id"));
  sandbox->client_secret = g_strdup (json_object_get_string_member (link, "client_secret"));
  return sandbox;
}

typedef struct
{
  guint status;
  SoupMessageHeaders *headers;
  char *text;
  JsonNode *root;           /* NULL when the body is not JSON */
} Answer;

static void
answer_free (Answer *answer)
{
  g_clear_pointer (&answer->headers, soup_message_headers_unref);
  g_clear_pointer (&answer->root, json_node_unref);
  g_free (answer->text);
  g_free (answer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answer, answer_free)

/* authorization: a whole Authorization header, or NULL. Redirects are
 * not followed: the test reads them. */
static Answer *
request (Sandbox    *sandbox,
         const char *method,
         const char *path,
         const char *authorization,
         const char *content_type,
         const char *body)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 20, NULL);
  g_autofree char *url = g_strconcat (sandbox->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  Answer *answer = g_new0 (Answer, 1);

  g_assert_nonnull (msg);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  if (body != NULL)
    {
      g_autoptr(GBytes) request_body = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, content_type, request_body);
    }
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);

  answer->status = soup_message_get_status (msg);
  answer->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  answer->text = g_bytes_get_size (bytes) > 0 ? g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes))
                                              : g_strdup ("");
  if (*answer->text != '\0')
    answer->root = json_from_string (answer->text, NULL);
  return answer;
}

static Answer *
api_get (Sandbox    *sandbox,
         const char *path,
         const char *token)
{
  g_autofree char *header = g_strconcat ("Bearer ", token, NULL);

  return request (sandbox, "GET", path, header, NULL, NULL);
}

static Answer *
api_post (Sandbox    *sandbox,
          const char *path,
          const char *token,
          const char *json)
{
  g_autofree char *header = token != NULL ? g_strconcat ("Bearer ", token, NULL) : NULL;

  return request (sandbox, "POST", path, header, "application/json", json);
}

static JsonObject *
object_of (Answer *answer)
{
  if (answer->root == NULL || !JSON_NODE_HOLDS_OBJECT (answer->root))
    g_error ("not a JSON object (%u): %s", answer->status, answer->text);
  return json_node_get_object (answer->root);
}

/* The form of a token request with the client's id and secret in it. */
static Answer *
token_request (Sandbox    *sandbox,
               const char *first_name,
               ...)
{
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *encoded = NULL;
  const char *name;
  va_list ap;

  va_start (ap, first_name);
  for (name = first_name; name != NULL; name = va_arg (ap, const char *))
    g_hash_table_insert (form, (gpointer) name, va_arg (ap, char *));
  va_end (ap);
  g_hash_table_insert (form, "client_id", sandbox->client_id);
  g_hash_table_insert (form, "client_secret", sandbox->client_secret);
  encoded = soup_form_encode_hash (form);
  return request (sandbox, "POST", "/link/token", NULL, "application/x-www-form-urlencoded", encoded);
}

static void
assert_oauth_error (Answer     *answer,
                    guint       status,
                    const char *error)
{
  JsonObject *object = object_of (answer);

  if (answer->status != status || g_strcmp0 (json_object_get_string_member_with_default (object, "error", NULL), error) != 0)
    g_error ("expected %u %s, got %u %s", status, error, answer->status, answer->text);
  g_assert_nonnull (json_object_get_string_member_with_default (object, "error_description", NULL));
}

/* The query parameters of a redirect's Location (asserting a 302 to
 * REDIRECT_URI or to prefix). */
static GHashTable *
redirect_params (Answer     *answer,
                 const char *prefix)
{
  const char *location = soup_message_headers_get_one (answer->headers, "Location");
  g_autoptr(GUri) uri = NULL;

  if (answer->status != 302)
    g_error ("expected a redirect, got %u: %s", answer->status, answer->text);
  g_assert_nonnull (location);
  g_assert_true (g_str_has_prefix (location, prefix));
  uri = g_uri_parse (location, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_assert_nonnull (uri);
  g_assert_nonnull (g_uri_get_query (uri));
  return soup_form_decode (g_uri_get_query (uri));
}

/* GET /oauth/authorize?...&auto=decision; more: extra "&name=value"s. */
static Answer *
authorize (Sandbox    *sandbox,
           const char *redirect_uri,
           const char *state,
           const char *decision,
           const char *more)
{
  g_autofree char *redirect_escaped = g_uri_escape_string (redirect_uri, NULL, FALSE);
  g_autofree char *state_escaped = g_uri_escape_string (state, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/oauth/authorize?response_type=code&client_id=%s&redirect_uri=%s"
                                           "&state=%s%s%s%s",
                                           sandbox->client_id, redirect_escaped, state_escaped,
                                           decision != NULL ? "&auto=" : "", decision != NULL ? decision : "",
                                           more != NULL ? more : "");

  return request (sandbox, "GET", path, NULL, NULL, NULL);
}

/* A code for platform (NULL: the default) with the S256 challenge. */
static char *
get_code (Sandbox    *sandbox,
          const char *platform)
{
  g_autofree char *more = g_strdup_printf ("&code_challenge=" CHALLENGE "&code_challenge_method=S256%s%s",
                                           platform != NULL ? "&platform=" : "", platform != NULL ? platform : "");
  g_autoptr(Answer) answer = authorize (sandbox, REDIRECT_URI, "s", "allow", more);
  g_autoptr(GHashTable) params = redirect_params (answer, REDIRECT_URI "?");

  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "s");
  return g_strdup (g_hash_table_lookup (params, "code"));
}

typedef struct
{
  char *access;
  char *refresh;
  gint64 expires_in;
} Tokens;

static void
tokens_clear (Tokens *tokens)
{
  g_clear_pointer (&tokens->access, g_free);
  g_clear_pointer (&tokens->refresh, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Tokens, tokens_clear)

static void
read_tokens (Answer   *answer,
             Tokens   *tokens,
             gboolean  with_refresh)
{
  JsonObject *object = object_of (answer);

  if (answer->status != 200)
    g_error ("token request answered %u: %s", answer->status, answer->text);
  g_assert_cmpstr (json_object_get_string_member (object, "token_type"), ==, "Bearer");
  tokens->access = g_strdup (json_object_get_string_member (object, "access_token"));
  tokens->refresh = g_strdup (json_object_get_string_member_with_default (object, "refresh_token", NULL));
  tokens->expires_in = json_object_get_int_member (object, "expires_in");
  g_assert_nonnull (tokens->access);
  g_assert_true (with_refresh == (tokens->refresh != NULL));
  g_assert_cmpstr (soup_message_headers_get_one (answer->headers, "Cache-Control"), ==, "no-store");
}

static void
exchange (Sandbox    *sandbox,
          const char *code,
          Tokens     *tokens)
{
  g_autoptr(Answer) answer = token_request (sandbox, "grant_type", "authorization_code", "code", code,
                                            "redirect_uri", REDIRECT_URI, "code_verifier", VERIFIER, NULL);

  read_tokens (answer, tokens, TRUE);
}

static const char *
current_platform (Sandbox    *sandbox,
                  const char *token)
{
  static char platform[32];
  g_autoptr(Answer) answer = api_get (sandbox, "/api/integrations/current", token);

  g_assert_cmpuint (answer->status, ==, 200);
  g_strlcpy (platform, json_object_get_string_member (json_object_get_object_member (object_of (answer), "data"),
                                                      "platform"),
             sizeof platform);
  return platform;
}

static guint
count_of (Answer *answer)
{
  return json_array_get_length (json_object_get_array_member (object_of (answer), "data"));
}

static void
assert_unauthenticated (Sandbox    *sandbox,
                        const char *token,
                        const char *path,
                        const char *words)
{
  g_autoptr(Answer) answer = api_get (sandbox, path, token);
  const char *message;

  g_assert_cmpuint (answer->status, ==, 401);
  message = json_object_get_string_member (object_of (answer), "message");
  if (strstr (message, words) == NULL)
    g_error ("expected “%s” in “%s”", words, message);
}

static JsonObject *
link_stats (Sandbox *sandbox,
            Answer **holder)
{
  *holder = request (sandbox, "GET", "/__sandbox/stats", NULL, NULL, NULL);
  g_assert_cmpuint ((*holder)->status, ==, 200);
  return json_object_get_object_member (object_of (*holder), "link");
}

/* --- tests ------------------------------------------------------- */

static void
test_first_line (void)
{
  const char * const seed[] = { "--seed", "7", NULL };
  g_autoptr(Sandbox) a = start (seed);
  g_autoptr(Sandbox) b = start (seed);

  g_assert_nonnull (a->client_id);
  g_assert_cmpuint (strlen (a->client_secret), >=, 32);
  /* New every run, whatever the seed: like the tokens. */
  g_assert_cmpstr (a->client_secret, !=, b->client_secret);
  g_assert_cmpstr (a->wms_token, !=, b->wms_token);
}

static void
test_code_with_pkce (void)
{
  g_autoptr(Sandbox) sandbox = start (NULL);
  const char *state = "x y&z=1/é?";
  g_autoptr(Answer) redirected = authorize (sandbox, REDIRECT_URI, state, "allow",
                                            "&code_challenge=" CHALLENGE "&code_challenge_method=S256");
  g_autoptr(GHashTable) params = redirect_params (redirected, REDIRECT_URI "?code=");
  g_auto(Tokens) tokens = { 0 };
  g_autoptr(Answer) orders = NULL;
  g_autoptr(Answer) again = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* state comes back exactly. */
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, state);
  exchange (sandbox, g_hash_table_lookup (params, "code"), &tokens);
  /* An absolute time, not a duration. */
  g_assert_cmpint (tokens.expires_in, >=, now + THIRTY_DAYS_S - 5);
  g_assert_cmpint (tokens.expires_in, <=, now + THIRTY_DAYS_S + 5);

  orders = api_get (sandbox, "/api/wms/sales-orders?per_page=5", tokens.access);
  g_assert_cmpuint (orders->status, ==, 200);
  g_assert_cmpuint (count_of (orders), ==, 5);
  g_assert_cmpstr (current_platform (sandbox, tokens.access), ==, "mintsoft");
  {
    g_autoptr(Answer) erp = api_get (sandbox, "/api/erp/customers", tokens.access);

    g_assert_cmpuint (erp->status, ==, 403);
  }

  /* A code is single use; presented again, what it gave is revoked. */
  again = token_request (sandbox, "grant_type", "authorization_code", "code", g_hash_table_lookup (params, "code"),
                         "redirect_uri", REDIRECT_URI, "code_verifier", VERIFIER, NULL);
  assert_oauth_error (again, 400, "invalid_grant");
  assert_unauthenticated (sandbox, tokens.access, "/api/wms/sales-orders", "revoked");
  {
    g_autoptr(Answer) refreshed = token_request (sandbox, "grant_type", "refresh_token",
                                                 "refresh_token", tokens.refresh, NULL);

    assert_oauth_error (refreshed, 400, "invalid_grant");
  }
}

static void
test_platform_erp_json_and_basic (void)
{
  g_autoptr(Sandbox) sandbox = start (NULL);
  g_autofree char *code = get_code (sandbox, "erp");
  g_autofree char *body = g_strdup_printf ("{\"grant_type\": \"authorization_code\", \"code\": \"%s\", "
                                           "\"redirect_uri\": \"" REDIRECT_URI "\", \"code_verifier\": \"" VERIFIER "\"}",
                                           code);
  g_autofree char *pair = g_strconcat (sandbox->client_id, ":", sandbox->client_secret, NULL);
  g_autofree char *basic64 = g_base64_encode ((const guchar *) pair, strlen (pair));
  g_autofree char *basic = g_strconcat ("Basic ", basic64, NULL);
  g_autoptr(Answer) answer = request (sandbox, "POST", "/link/token", basic, "application/json", body);
  g_auto(Tokens) tokens = { 0 };
  g_autoptr(Answer) customers = NULL;
  g_autoptr(Answer) orders = NULL;

  read_tokens (answer, &tokens, TRUE);
  g_assert_cmpstr (current_platform (sandbox, tokens.access), ==, "netsuite");
  customers = api_get (sandbox, "/api/erp/customers?per_page=3", tokens.access);
  g_assert_cmpuint (customers->status, ==, 200);
  g_assert_cmpuint (count_of (customers), ==, 3);
  orders = api_get (sandbox, "/api/wms/sales-orders", tokens.access);
  g_assert_cmpuint (orders->status, ==, 403);
}

static void
test_deny (void)
{
  g_autoptr(Sandbox) sandbox = start (NULL);
  /* A redirect_uri with a query of its own gets the answer appended. */
  g_autoptr(Answer) answer = authorize (sandbox, "http://localhost:8080/cb?from=app", "st&ate", "deny", NULL);
  g_autoptr(GHashTable) params = redirect_params (answer, "http://localhost:8080/cb?from=app&");

  g_assert_cmpstr (g_hash_table_lookup (params, "error"), ==, "access_denied");
  g_assert_nonnull (g_hash_table_lookup (params, "error_description"));
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "st&ate");
  g_assert_cmpstr (g_hash_table_lookup (params, "from"), ==, "app");
  g_assert_false (g_hash_table_contains (params, "code"));
}

static void
test_bad_redirect_and_client (void)
{
  g_autoptr(Sandbox) sandbox = start (NULL);
  static const char * const refused[] = {
    "http://example.com:8080/cb",
    "https://127.0.0.1:8080/cb",
    "http://127.0.0.1/cb",            /* no port */
    "http://127.0.0.1.evil.example:80/cb",
    "http://user@127.0.0.1:8080/cb",
    "http://127.0.0.1:8080/cb#fragment",
    "not a url",
  };
  static const char * const accepted[] = {
    "http://127.0.0.1:8080/cb", "http://localhost:8080/", "http://[::1]:8080/cb",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(Answer) answer = authorize (sandbox, refused[i], "s", "allow", NULL);

      if (answer->status != 400)
        g_error ("%s: expected 400, got %u", refused[i], answer->status);
      g_assert_null (soup_message_headers_get_one (answer->headers, "Location"));
      g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (answer->headers, NULL), "text/html"));
      g_assert_nonnull (strstr (answer->text, "redirect_uri"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(Answer) answer = authorize (sandbox, accepted[i], "s", "allow", NULL);
      g_autoptr(GHashTable) params = redirect_params (answer, accepted[i]);

      g_assert_nonnull (g_hash_table_lookup (params, "code"));
    }

  {
    g_autoptr(Answer) answer = request (sandbox, "GET",
                                        "/oauth/authorize?response_type=code&client_id=nobody&redirect_uri="
                                        "http%3A%2F%2F127.0.0.1%3A8080%2Fcb&state=s&auto=allow",
                                        NULL, NULL, NULL);

    g_assert_cmpuint (answer->status, ==, 400);
    g_assert_null (soup_message_headers_get_one (answer->headers, "Location"));
    g_assert_nonnull (strstr (answer->text, "client_id"));
  }
}

static void
test_token_errors (void)
{
  g_autoptr(Sandbox) sandbox = start (NULL);

  {
    g_autofree char *code = get_code (sandbox, NULL);
    g_autoptr(Answer) answer = token_request (sandbox, "grant_type", "authorization_code", "code", code,
                                              "redirect_uri", REDIRECT_URI,
                                              "code_verifier", "wrong-verifier-wrong-verifier-wrong-verifier-00", NULL);

    assert_oauth_error (answer, 400, "invalid_grant");
  }
  {
    g_autofree char *code = get_code (sandbox, NULL);
    g_autoptr(Answer) answer = token_request (sandbox, "grant_type", "authorization_code", "code", code,
                                              "redirect_uri", REDIRECT_URI, NULL);

    assert_oauth_error (answer, 400, "invalid_grant");
  }
  {
    g_autofree char *code = get_code (sandbox, NULL);
    g_autoptr(Answer) answer = token_request (sandbox, "grant_type", "authorization_code", "code", code,
                                              "redirect_uri", "http://127.0.0.1:49152/other",
                                              "code_verifier", VERIFIER, NULL);

    assert_oauth_error (answer, 400, "invalid_grant");
  }
  {
    g_autoptr(Answer) answer = token_request (sandbox, "grant_type", "authorization_code", "code", "nope",
                                              "redirect_uri", REDIRECT_URI, "code_verifier", VERIFIER, NULL);

    assert_oauth_error (answer, 400, "invalid_grant");
  }
  {
    g_autoptr(Answer) answer = token_request (sandbox, "grant_type", "password", NULL);

    assert_oauth_error (answer, 400, "unsupported_grant_type");
  }
  {
    g_autoptr(Answer) answer = token_request (sandbox, NULL);

    assert_oauth_error (answer, 400, "invalid_request");
  }
  {
    g_autofree char *body = g_strdup_printf ("grant_type=client_credentials&client_id=%s&client_secret=wrong",
                                             sandbox->client_id);
    g_autoptr(Answer) answer = request (sandbox, "POST", "/link/token", NULL,
                                        "application/x-www-form-urlencoded", body);

    assert_oauth_error (answer, 401, "invalid_client");
  }
  {
    g_autoptr(Answer) answer = request (sandbox, "POST", "/link/token", NULL,
                                        "application/x-www-form-urlencoded", "grant_type=client_credentials");

    assert_oauth_error (answer, 401, "invalid_client");
  }
  {
    g_autoptr(Answer) answer = request (sandbox, "GET", "/link/token", NULL, NULL, NULL);

    g_assert_cmpuint (answer->status, ==, 405);
  }
  {
    g_autoptr(Answer) holder = NULL;
    JsonObject *link = link_stats (sandbox, &holder);

    g_assert_cmpint (json_object_get_int_member (link, "refused"), ==, 9);
    g_assert_cmpint (json_object_get_int_member (link, "authorized"), ==, 3);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (link, "grants"),
                                                 "authorization_code"), ==, 0);
  }
}

static void
test_refresh (void)
{
  const char * const args[] = { "--rate-limit", "4", NULL };
  g_autoptr(Sandbox) sandbox = start (args);
  g_autofree char *code = get_code (sandbox, NULL);
  g_auto(Tokens) first = { 0 };
  g_auto(Tokens) second = { 0 };
  g_autoptr(Answer) refreshed = NULL;
  g_autoptr(Answer) reused = NULL;

  exchange (sandbox, code, &first);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Answer) answer = api_get (sandbox, "/api/wms/products?per_page=1", first.access);

      g_assert_cmpuint (answer->status, ==, 200);
    }

  refreshed = token_request (sandbox, "grant_type", "refresh_token", "refresh_token", first.refresh, NULL);
  read_tokens (refreshed, &second, TRUE);
  g_assert_cmpstr (second.access, !=, first.access);
  g_assert_cmpstr (second.refresh, !=, first.refresh);

  /* The old pair stops working at once. */
  assert_unauthenticated (sandbox, first.access, "/api/wms/products", "replaced");
  reused = token_request (sandbox, "grant_type", "refresh_token", "refresh_token", first.refresh, NULL);
  assert_oauth_error (reused, 400, "invalid_grant");

  /* The connection's rate window outlives its token: the fourth request
   * of the minute is the last one allowed. */
  {
    g_autoptr(Answer) fourth = api_get (sandbox, "/api/wms/products?per_page=1", second.access);
    g_autoptr(Answer) fifth = api_get (sandbox, "/api/wms/products?per_page=1", second.access);

    g_assert_cmpuint (fourth->status, ==, 200);
    g_assert_cmpuint (fifth->status, ==, 429);
  }
  /* The seeded token has a window of its own. */
  {
    g_autoptr(Answer) seeded = api_get (sandbox, "/api/wms/products?per_page=1", sandbox->wms_token);

    g_assert_cmpuint (seeded->status, ==, 200);
  }
  {
    g_autoptr(Answer) holder = NULL;
    JsonObject *link = link_stats (sandbox, &holder);
    JsonObject *grants = json_object_get_object_member (link, "grants");

    g_assert_cmpint (json_object_get_int_member (grants, "authorization_code"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (grants, "refresh_token"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (link, "expired_token_requests"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (link, "refused"), ==, 1);
  }
}

static void
test_token_ttl (void)
{
  const char * const args[] = { "--token-ttl", "1", NULL };
  g_autoptr(Sandbox) sandbox = start (args);
  g_autofree char *code = get_code (sandbox, NULL);
  g_auto(Tokens) tokens = { 0 };
  g_auto(Tokens) renewed = { 0 };
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  gint64 after;

  exchange (sandbox, code, &tokens);
  after = g_get_real_time () / G_USEC_PER_SEC;
  g_assert_cmpint (tokens.expires_in, >=, before);
  g_assert_cmpint (tokens.expires_in, <=, after + 1);

  g_usleep (2 * G_USEC_PER_SEC);
  assert_unauthenticated (sandbox, tokens.access, "/api/wms/sales-orders", "expired");
  /* The seeded tokens never expire. */
  {
    g_autoptr(Answer) seeded = api_get (sandbox, "/api/wms/sales-orders", sandbox->wms_token);

    g_assert_cmpuint (seeded->status, ==, 200);
  }

  /* The refresh token lives on. */
  {
    g_autoptr(Answer) answer = token_request (sandbox, "grant_type", "refresh_token",
                                              "refresh_token", tokens.refresh, NULL);
    g_autoptr(Answer) orders = NULL;

    read_tokens (answer, &renewed, TRUE);
    orders = api_get (sandbox, "/api/wms/sales-orders", renewed.access);
    g_assert_cmpuint (orders->status, ==, 200);
  }
  {
    g_autoptr(Answer) holder = NULL;
    JsonObject *link = link_stats (sandbox, &holder);

    g_assert_cmpint (json_object_get_int_member (link, "expired_token_requests"), ==, 1);
  }
}

static void
assert_field_error (JsonObject *errors,
                    const char *field)
{
  if (!json_object_has_member (errors, field))
    g_error ("no error for %s", field);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (errors, field)), >, 0);
}

static void
test_client_credentials_and_connections (void)
{
  g_autoptr(Sandbox) sandbox = start (NULL);
  g_autoptr(Answer) answer = token_request (sandbox, "grant_type", "client_credentials", NULL);
  g_auto(Tokens) admin = { 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  read_tokens (answer, &admin, FALSE);
  g_assert_cmpint (admin.expires_in, >=, now + THIRTY_DAYS_S - 5);

  /* Only /api/system. */
  {
    g_autoptr(Answer) orders = api_get (sandbox, "/api/wms/sales-orders", admin.access);
    g_autoptr(Answer) current = api_get (sandbox, "/api/integrations/current", admin.access);
    g_autoptr(Answer) seeded = api_get (sandbox, "/api/system/platforms", sandbox->wms_token);
    g_autoptr(Answer) none = request (sandbox, "GET", "/api/system/platforms", NULL, NULL, NULL);

    g_assert_cmpuint (orders->status, ==, 403);
    g_assert_cmpuint (current->status, ==, 403);
    g_assert_cmpuint (seeded->status, ==, 403);
    g_assert_cmpuint (none->status, ==, 401);
  }

  {
    g_autoptr(Answer) platforms = api_get (sandbox, "/api/system/platforms", admin.access);
    JsonObject *object = object_of (platforms);
    JsonArray *data = json_object_get_array_member (object, "data");
    JsonObject *mintsoft, *netsuite, *api_key;
    JsonArray *fields;

    g_assert_cmpuint (platforms->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (data), ==, 2);
    g_assert_true (json_object_has_member (object, "links"));
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object, "meta"), "total"), ==, 2);
    mintsoft = json_array_get_object_element (data, 0);
    netsuite = json_array_get_object_element (data, 1);
    g_assert_cmpstr (json_object_get_string_member (mintsoft, "id"), ==, "mintsoft");
    g_assert_cmpstr (json_object_get_string_member (mintsoft, "domain"), ==, "wms");
    api_key = json_array_get_object_element (json_object_get_array_member (mintsoft, "fields"), 0);
    g_assert_cmpstr (json_object_get_string_member (api_key, "name"), ==, "api_key");
    g_assert_true (json_object_get_boolean_member (api_key, "required"));
    g_assert_true (json_object_get_boolean_member (api_key, "secret"));
    g_assert_cmpstr (json_object_get_string_member (netsuite, "id"), ==, "netsuite");
    g_assert_cmpstr (json_object_get_string_member (netsuite, "domain"), ==, "erp");
    fields = json_object_get_array_member (netsuite, "fields");
    g_assert_cmpuint (json_array_get_length (fields), ==, 5);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (fields, 0), "name"), ==,
                     "account_id");
    g_assert_false (json_object_get_boolean_member (json_array_get_object_element (fields, 0), "secret"));
    g_assert_true (json_object_get_boolean_member (json_array_get_object_element (fields, 4), "secret"));
  }

  {
    g_autoptr(Answer) invalid = api_post (sandbox, "/api/system/connections", admin.access,
                                          "{\"name\": \"Shop\", \"email\": \"shop@example.com\", "
                                          "\"provider\": \"mintsoft\", \"credentials\": {\"api_key\": \"\"}}");
    g_autoptr(Answer) worse = api_post (sandbox, "/api/system/connections", admin.access,
                                        "{\"name\": \"Shop\", \"email\": \"no-at-sign\", \"provider\": \"sap\", "
                                        "\"credentials\": {}}");
    JsonObject *errors;

    g_assert_cmpuint (invalid->status, ==, 422);
    errors = json_object_get_object_member (object_of (invalid), "errors");
    assert_field_error (errors, "credentials.api_key");
    g_assert_cmpuint (json_object_get_size (errors), ==, 1);
    g_assert_nonnull (json_object_get_string_member (object_of (invalid), "message"));

    g_assert_cmpuint (worse->status, ==, 422);
    errors = json_object_get_object_member (object_of (worse), "errors");
    assert_field_error (errors, "email");
    assert_field_error (errors, "provider");
  }

  {
    g_autoptr(Answer) created = api_post (sandbox, "/api/system/connections", admin.access,
                                          "{\"name\": \"Shop\", \"email\": \"shop@example.com\", "
                                          "\"provider\": \"mintsoft\", \"credentials\": {\"api_key\": \"k-123\"}}");
    JsonObject *data;
    g_autoptr(Answer) orders = NULL;

    g_assert_cmpuint (created->status, ==, 200);
    data = json_object_get_object_member (object_of (created), "data");
    g_assert_nonnull (json_object_get_string_member (data, "refresh_token"));
    g_assert_cmpint (json_object_get_int_member (data, "expires_in"), >=, now + THIRTY_DAYS_S - 5);
    g_assert_null (strstr (created->text, "k-123"));
    orders = api_get (sandbox, "/api/wms/sales-orders?per_page=2", json_object_get_string_member (data, "access_token"));
    g_assert_cmpuint (orders->status, ==, 200);
    g_assert_cmpuint (count_of (orders), ==, 2);
    g_assert_cmpstr (current_platform (sandbox, json_object_get_string_member (data, "access_token")), ==,
                     "mintsoft");
  }

  {
    g_autoptr(Answer) created = api_post (sandbox, "/api/system/connections", admin.access,
                                          "{\"name\": \"Books\", \"email\": \"books@example.com\", "
                                          "\"provider\": \"netsuite\", \"credentials\": {\"account_id\": \"123_SB1\", "
                                          "\"consumer_key\": \"a\", \"consumer_secret\": \"b\", \"token_id\": \"c\", "
                                          "\"token_secret\": \"d\"}}");
    const char *token;
    g_autoptr(Answer) customers = NULL;

    g_assert_cmpuint (created->status, ==, 200);
    token = json_object_get_string_member (json_object_get_object_member (object_of (created), "data"),
                                           "access_token");
    customers = api_get (sandbox, "/api/erp/customers?per_page=1", token);
    g_assert_cmpuint (customers->status, ==, 200);
    g_assert_cmpstr (current_platform (sandbox, token), ==, "netsuite");
  }

  {
    g_autoptr(Answer) by_user = api_post (sandbox, "/api/system/connections", sandbox->erp_token, "{}");
    g_autoptr(Answer) holder = NULL;
    JsonObject *link;

    g_assert_cmpuint (by_user->status, ==, 403);
    link = link_stats (sandbox, &holder);
    g_assert_cmpint (json_object_get_int_member (link, "connections_created"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (link, "grants"),
                                                 "client_credentials"), ==, 1);
  }
}

static void
test_inspection (void)
{
  g_autoptr(Sandbox) sandbox = start (NULL);
  g_autofree char *code_a = get_code (sandbox, NULL);
  g_autofree char *code_b = get_code (sandbox, "erp");
  g_auto(Tokens) a = { 0 };
  g_auto(Tokens) b = { 0 };

  exchange (sandbox, code_a, &a);
  exchange (sandbox, code_b, &b);

  {
    g_autoptr(Answer) get = request (sandbox, "GET", "/__sandbox/link/revoke-refresh-tokens", NULL, NULL, NULL);
    g_autoptr(Answer) revoked = request (sandbox, "POST", "/__sandbox/link/revoke-refresh-tokens", NULL, NULL, NULL);
    g_autoptr(Answer) refresh = token_request (sandbox, "grant_type", "refresh_token",
                                               "refresh_token", a.refresh, NULL);
    g_autoptr(Answer) still = api_get (sandbox, "/api/wms/sales-orders", a.access);

    g_assert_cmpuint (get->status, ==, 405);
    g_assert_cmpuint (revoked->status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (object_of (revoked), "revoked"), ==, 2);
    assert_oauth_error (refresh, 400, "invalid_grant");
    /* Access tokens are not touched. */
    g_assert_cmpuint (still->status, ==, 200);
  }

  {
    g_autoptr(Answer) expired = request (sandbox, "POST", "/__sandbox/link/expire-access-tokens", NULL, NULL, NULL);
    g_autoptr(Answer) seeded = api_get (sandbox, "/api/erp/customers", sandbox->erp_token);

    g_assert_cmpuint (expired->status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (object_of (expired), "expired"), ==, 2);
    assert_unauthenticated (sandbox, a.access, "/api/wms/sales-orders", "expired");
    assert_unauthenticated (sandbox, b.access, "/api/erp/customers", "expired");
    g_assert_cmpuint (seeded->status, ==, 200);
  }

  {
    g_autoptr(Answer) holder = NULL;
    JsonObject *link = link_stats (sandbox, &holder);

    g_assert_cmpint (json_object_get_int_member (link, "expired_token_requests"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (link, "refused"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (link, "grants"),
                                                 "authorization_code"), ==, 2);
  }
}

static void
test_consent_page (void)
{
  g_autoptr(Sandbox) sandbox = start (NULL);
  g_autoptr(Answer) page = authorize (sandbox, REDIRECT_URI, "s<t>", NULL, "&platform=erp");
  g_autofree char *form = NULL;
  g_autoptr(Answer) posted = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(Answer) holder = NULL;
  g_auto(Tokens) tokens = { 0 };
  JsonObject *link;

  g_assert_cmpuint (page->status, ==, 200);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (page->headers, NULL), "text/html"));
  g_assert_nonnull (strstr (page->text, "<form method=\"post\" action=\"/oauth/authorize\">"));
  g_assert_nonnull (strstr (page->text, "Allow Switchyard to access ERP (NetSuite)?"));
  g_assert_nonnull (strstr (page->text, "value=\"erp\" checked"));
  g_assert_nonnull (strstr (page->text, "name=\"decision\" value=\"allow\""));
  g_assert_nonnull (strstr (page->text, "name=\"decision\" value=\"deny\""));
  /* Parameters are escaped into the page, never copied raw. */
  g_assert_nonnull (strstr (page->text, "value=\"s&lt;t&gt;\""));
  g_assert_null (strstr (page->text, "s<t>"));

  /* What the browser posts when the user picks the warehouse and allows. */
  form = soup_form_encode ("response_type", "code", "client_id", sandbox->client_id, "redirect_uri", REDIRECT_URI,
                           "state", "s<t>", "platform", "wms", "decision", "allow", NULL);
  posted = request (sandbox, "POST", "/oauth/authorize", NULL, "application/x-www-form-urlencoded", form);
  params = redirect_params (posted, REDIRECT_URI "?code=");
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "s<t>");
  {
    /* Without PKCE the verifier is not asked for. */
    g_autoptr(Answer) answer = token_request (sandbox, "grant_type", "authorization_code",
                                              "code", g_hash_table_lookup (params, "code"),
                                              "redirect_uri", REDIRECT_URI, NULL);

    read_tokens (answer, &tokens, TRUE);
    g_assert_cmpstr (current_platform (sandbox, tokens.access), ==, "mintsoft");
  }

  {
    g_autofree char *denial = soup_form_encode ("response_type", "code", "client_id", sandbox->client_id,
                                                "redirect_uri", REDIRECT_URI, "state", "q", "platform", "wms",
                                                "decision", "deny", NULL);
    g_autoptr(Answer) denied = request (sandbox, "POST", "/oauth/authorize", NULL,
                                        "application/x-www-form-urlencoded", denial);
    g_autoptr(GHashTable) denied_params = redirect_params (denied, REDIRECT_URI "?error=access_denied");

    g_assert_cmpstr (g_hash_table_lookup (denied_params, "state"), ==, "q");
  }

  link = link_stats (sandbox, &holder);
  g_assert_cmpint (json_object_get_int_member (link, "authorized"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (link, "denied"), ==, 1);
}

static void
test_bad_token_ttl (void)
{
  static const char * const values[] = { "-1", "abc", "999999999999" };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      const char * const args[] = { "--token-ttl", values[i], NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status = -1;

      sy_test_run_sandbox_binary (args, &status, &out, &err);
      g_assert_cmpint (status, ==, 2);
      g_assert_nonnull (strstr (err, "token-ttl"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sandbox-link/first-line", test_first_line);
  g_test_add_func ("/sandbox-link/code-with-pkce", test_code_with_pkce);
  g_test_add_func ("/sandbox-link/platform-erp", test_platform_erp_json_and_basic);
  g_test_add_func ("/sandbox-link/deny", test_deny);
  g_test_add_func ("/sandbox-link/bad-redirect-and-client", test_bad_redirect_and_client);
  g_test_add_func ("/sandbox-link/token-errors", test_token_errors);
  g_test_add_func ("/sandbox-link/refresh", test_refresh);
  g_test_add_func ("/sandbox-link/token-ttl", test_token_ttl);
  g_test_add_func ("/sandbox-link/client-credentials-and-connections", test_client_credentials_and_connections);
  g_test_add_func ("/sandbox-link/inspection", test_inspection);
  g_test_add_func ("/sandbox-link/consent-page", test_consent_page);
  g_test_add_func ("/sandbox-link/bad-token-ttl", test_bad_token_ttl);

  return g_test_run ();
}
