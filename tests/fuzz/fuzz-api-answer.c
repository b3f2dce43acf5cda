/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-error.h"
#include "sy-fuzz.h"
#include "sy-fuzz-http.h"

/* One answer of a server, as "STATUS [POST|PUT]\nHeaders\n\nBODY", read by
 * SyApiClient over loopback HTTP: success bodies, error bodies (JSON,
 * HTML, text), request ids, Retry-After, field errors. The client must
 * turn every answer into a node or an SY_API_ERROR whose message is fit
 * to show. */

typedef struct
{
  gboolean  done;
  JsonNode *root;
  GError   *error;
} Outcome;

static void
on_get (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->root = sy_api_client_get_finish (SY_API_CLIENT (source), result, &outcome->error);
  outcome->done = TRUE;
}

static void
on_send (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->root = sy_api_client_send_finish (SY_API_CLIENT (source), result, &outcome->error);
  outcome->done = TRUE;
}

static void
check_request_id (const char *id)
{
  if (id == NULL)
    return;
  /* Quoted to users and written to logs: only what ids are made of. */
  for (const char *c = id; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && strchr ("-_.:/+=", *c) == NULL)
      abort ();
}

static void
check_field_errors (GHashTable *field_errors)
{
  GHashTableIter iter;
  gpointer field;
  gpointer messages;

  if (field_errors == NULL)
    return;
  g_hash_table_iter_init (&iter, field_errors);
  while (g_hash_table_iter_next (&iter, &field, &messages))
    {
      if (!g_utf8_validate (field, -1, NULL))
        abort ();
      for (char **m = messages; m != NULL && *m != NULL; m++)
        sy_fuzz_assert_message (*m);
    }
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  sy_fuzz_init ();
  sy_fuzz_http_get_client ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  SyApiClient *client = sy_fuzz_http_get_client ();
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autofree char *method = NULL;
  Outcome outcome = { 0 };

  sy_fuzz_http_reset ();
  method = sy_fuzz_http_queue_answer (bytes);

  if (g_strcmp0 (method, "POST") == 0 || g_strcmp0 (method, "PUT") == 0)
    {
      g_autoptr(JsonNode) body = json_from_string ("{\"code\":\"SO1\"}", NULL);

      sy_api_client_send_async (client, method,
                                g_str_equal (method, "PUT") ? "/api/erp/sales-orders/1" : "/api/erp/sales-orders",
                                body, NULL, on_send, &outcome);
    }
  else
    {
      sy_api_client_get_async (client, "/api/wms/sales-orders?page=1", NULL, on_get, &outcome);
    }
  sy_fuzz_run_until (&outcome.done);

  /* One outcome, never both or neither. */
  if ((outcome.root == NULL) == (outcome.error == NULL))
    abort ();
  if (outcome.error != NULL)
    {
      if (outcome.error->domain != SY_API_ERROR)
        abort ();
      sy_fuzz_assert_message (outcome.error->message);
      check_request_id (sy_api_error_get_request_id (outcome.error));
      check_field_errors (sy_api_error_get_field_errors (outcome.error));
    }

  g_clear_pointer (&outcome.root, json_node_unref);
  g_clear_error (&outcome.error);
  sy_fuzz_http_reset ();
  return 0;
}
