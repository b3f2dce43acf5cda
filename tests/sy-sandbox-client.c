/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-cli-test-support.h"
#include "sy-sandbox-client.h"

/* A sandbox with --fail-rate 0.05 fails eight tries in a row about once
 * in 10^10; a hundred tries only end on a sandbox that stopped answering
 * or on a wrong answer. */
#define MAX_TRIES 100

JsonNode *
sy_sandbox_client_get (SySandboxProcess *sandbox,
                       SoupSession      *session,
                       const char       *system,
                       const char       *path_and_query)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), path_and_query, NULL);
  g_autofree char *authorization = g_strconcat ("Bearer ", sy_sandbox_process_get_token (sandbox, system), NULL);
  g_autofree char *last_problem = NULL;

  for (guint attempt = 1; attempt <= MAX_TRIES; attempt++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;
      guint status;
      gulong wait_ms = 50;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
      body = soup_session_send_and_read (session, msg, NULL, &error);
      status = soup_message_get_status (msg);
      if (body != NULL && status == SOUP_STATUS_OK)
        {
          g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

          return sy_test_parse_json (text);
        }

      g_free (last_problem);
      last_problem = error != NULL ? g_strdup (error->message) : g_strdup_printf ("HTTP %u", status);
      /* Only what the sandbox's switches cause is worth a second try. */
      if (error == NULL && status != 429 && !SOUP_STATUS_IS_SERVER_ERROR (status))
        break;
      if (status == 429)
        {
          const char *retry_after = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                                  "Retry-After");
          guint64 seconds = 1;

          if (retry_after != NULL)
            g_ascii_string_to_unsigned (retry_after, 10, 0, 120, &seconds, NULL);
          wait_ms = MAX (seconds, 1) * 1000;
        }
      g_usleep (wait_ms * 1000);
    }
  g_error ("GET %s (token of “%s”) did not succeed: %s", path_and_query, system, last_problem);
  return NULL;
}

GPtrArray *
sy_sandbox_client_list_all (SySandboxProcess *sandbox,
                            SoupSession      *session,
                            const char       *system,
                            const char       *entity)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint page = 1; ; page++)
    {
      g_autofree char *path = g_strdup_printf ("/api/%s?per_page=500&page=%u", entity, page);
      g_autoptr(JsonNode) root = sy_sandbox_client_get (sandbox, session, system, path);
      JsonObject *object;
      JsonArray *data;

      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      object = json_node_get_object (root);
      g_assert_true (json_object_has_member (object, "data"));
      data = json_object_get_array_member (object, "data");
      if (json_array_get_length (data) == 0)
        break;
      for (guint i = 0; i < json_array_get_length (data); i++)
        g_ptr_array_add (records, json_object_ref (json_array_get_object_element (data, i)));
      if (json_array_get_length (data) < 500)
        break;
    }
  return records;
}

JsonNode *
sy_sandbox_client_inspect (SySandboxProcess *sandbox,
                           SoupSession      *session,
                           const char       *method,
                           const char       *path_and_query)
{
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), path_and_query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return sy_test_parse_json (text);
}

gint64
sy_sandbox_client_count (SySandboxProcess *sandbox,
                         SoupSession      *session,
                         const char       *entity)
{
  g_autoptr(JsonNode) root = sy_sandbox_client_inspect (sandbox, session, "GET", "/__sandbox/stats");
  JsonObject *entities = json_object_get_object_member (json_node_get_object (root), "entities");
  JsonObject *counts;

  g_assert_nonnull (entities);
  counts = json_object_get_object_member (entities, entity);
  if (counts == NULL)
    return 0;
  return json_object_get_int_member_with_default (counts, "count", 0);
}

gint64
sy_sandbox_client_duplicates (SySandboxProcess *sandbox,
                              SoupSession      *session,
                              const char       *entity,
                              const char       *field)
{
  g_autofree char *path = g_strdup_printf ("/__sandbox/duplicates?entity=%s&field=%s", entity, field);
  g_autoptr(JsonNode) root = sy_sandbox_client_inspect (sandbox, session, "GET", path);

  return json_object_get_int_member (json_node_get_object (root), "duplicates");
}

gint64
sy_sandbox_client_in_flight (SySandboxProcess *sandbox,
                             SoupSession      *session,
                             const char       *connection,
                             const char       *member)
{
  g_autoptr(JsonNode) root = sy_sandbox_client_inspect (sandbox, session, "GET", "/__sandbox/stats");
  JsonObject *in_flight = json_object_get_object_member (json_node_get_object (root), "in_flight");

  g_assert_nonnull (in_flight);
  if (connection != NULL)
    in_flight = json_object_get_object_member (in_flight, connection);
  g_assert_nonnull (in_flight);
  g_assert_true (json_object_has_member (in_flight, member));
  return json_object_get_int_member (in_flight, member);
}
