/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "sy-catalogue.h"
#include "sy-state-store-webhooks.h"
#include "sy-test-support.h"
#include "sy-error.h"
#include "sy-webhook-receivers.h"
#include "sy-webhook-settings.h"
#include "sy-webhook-signature.h"

/* The set of running receivers that serve and the GUI's application keep:
 * one per connection, a restart on its own port, a port in use leaving
 * none, deliveries forwarded, a stopped one refusing connections. */

#define SECRET "receivers-secret-51be"

typedef struct
{
  guint              n_changed;
  guint              n_delivered;
  SyWebhookReceiver *last_receiver;
  char              *last_verdict;
} Seen;

static void
on_changed (SyWebhookReceivers *receivers,
            const char         *connection_id,
            Seen               *seen)
{
  seen->n_changed++;
}

static void
on_delivery (SyWebhookReceivers *receivers,
             SyWebhookReceiver  *receiver,
             guint               status,
             const char         *verdict,
             gpointer            event,
             Seen               *seen)
{
  seen->n_delivered++;
  seen->last_receiver = receiver;
  g_free (seen->last_verdict);
  seen->last_verdict = g_strdup (verdict);
}

static guint
post (const char  *url,
      GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *occurred_at = g_date_time_format_iso8601 (now);
  g_autofree char *body = g_strdup_printf ("{\"id\":\"evt_set_1\",\"type\":\"record.updated\","
                                           "\"entity\":\"wms/sales-orders\",\"key\":\"SO-1\","
                                           "\"occurred_at\":\"%s\"}", occurred_at);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autofree char *signature = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, bytes, 0);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) answer = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (message), "X-Signature", signature);
  soup_message_set_request_body_from_bytes (message, "application/json", bytes);
  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  answer = soup_session_send_and_read_finish (session, result, error);
  return answer != NULL ? soup_message_get_status (message) : 0;
}

static void
test_receivers (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("switchyard-receivers");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) state = sy_state_store_open (dir, &error);
  g_autoptr(SyConnection) warehouse = sy_connection_new ("Warehouse", "http://127.0.0.1:9/");
  g_autoptr(SyConnection) erp = sy_connection_new ("ERP", "http://127.0.0.1:9/");
  g_autoptr(SyWebhookReceivers) receivers = NULL;
  g_autofree char *url = NULL;
  SyWebhookReceiver *first;
  SyWebhookReceiver *second;
  Seen seen = { 0 };
  guint port;

  g_assert_no_error (error);
  receivers = sy_webhook_receivers_new (state, sy_catalogue_get_default ());
  g_signal_connect (receivers, "changed", G_CALLBACK (on_changed), &seen);
  g_signal_connect (receivers, "delivery", G_CALLBACK (on_delivery), &seen);
  g_assert_null (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (warehouse)));

  first = sy_webhook_receivers_start (receivers, warehouse, SECRET, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_true (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (warehouse)) == first);
  g_assert_cmpuint (seen.n_changed, ==, 1);
  port = sy_webhook_receiver_get_port (first);
  g_assert_cmpuint (port, >, 0);

  /* Started again on its own port: the old one gives the port up first. */
  second = sy_webhook_receivers_start (receivers, warehouse, SECRET, NULL, port, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
  g_assert_cmpuint (sy_webhook_receiver_get_port (second), ==, port);
  g_assert_true (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (warehouse)) == second);
  g_assert_cmpuint (seen.n_changed, ==, 3);

  /* Another connection on that port: an error, and it has none. */
  g_assert_null (sy_webhook_receivers_start (receivers, erp, SECRET, NULL, port, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);
  g_assert_null (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (erp)));
  /* Kept until it starts or is stopped. */
  g_assert_error (sy_webhook_receivers_get_start_error (receivers, sy_connection_get_id (erp)),
                  G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_null (sy_webhook_receivers_get_start_error (receivers, sy_connection_get_id (warehouse)));
  g_assert_cmpuint (seen.n_changed, ==, 3);

  /* A delivery is forwarded with the receiver that took it. */
  url = sy_webhook_receiver_get_url (second);
  g_assert_cmpuint (post (url, &error), ==, 200);
  g_assert_no_error (error);
  g_assert_cmpuint (seen.n_delivered, ==, 1);
  g_assert_true (seen.last_receiver == second);
  g_assert_cmpstr (seen.last_verdict, ==, SY_WEBHOOK_VERDICT_ACCEPTED);

  /* Stopped: nothing listens. */
  sy_webhook_receivers_stop (receivers, sy_connection_get_id (warehouse));
  g_assert_null (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (warehouse)));
  g_assert_cmpuint (seen.n_changed, ==, 4);
  g_assert_cmpuint (post (url, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  /* stop_all stops each one. */
  g_assert_nonnull (sy_webhook_receivers_start (receivers, warehouse, SECRET, NULL, 0, &error));
  g_assert_nonnull (sy_webhook_receivers_start (receivers, erp, SECRET, NULL, 0, &error));
  g_assert_no_error (error);
  g_assert_null (sy_webhook_receivers_get_start_error (receivers, sy_connection_get_id (erp)));
  sy_webhook_receivers_stop_all (receivers);
  g_assert_null (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (warehouse)));
  g_assert_null (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (erp)));
  g_assert_cmpuint (seen.n_changed, ==, 8);

  /* A connection the store no longer has loses its receiver; the others
   * keep theirs. */
  {
    g_autoptr(SyConnectionStore) connections = sy_connection_store_new (dir);

    g_assert_true (sy_connection_store_add (connections, warehouse, &error));
    g_assert_no_error (error);
    g_assert_nonnull (sy_webhook_receivers_start (receivers, warehouse, SECRET, NULL, 0, &error));
    g_assert_nonnull (sy_webhook_receivers_start (receivers, erp, SECRET, NULL, 0, &error));
    g_assert_no_error (error);
    sy_webhook_receivers_stop_removed (receivers, connections);
    g_assert_nonnull (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (warehouse)));
    g_assert_null (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (erp)));
  }

  g_clear_object (&receivers);
  g_free (seen.last_verdict);
  g_clear_object (&state);
  sy_test_remove_tree (dir);
}

/* A port that was free a moment ago. */
static guint
free_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

static void
store_secret (SySecretStore *secrets,
              SyConnection  *connection)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sy_webhook_settings_store_secret_async (secrets, connection, SECRET, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_webhook_settings_store_secret_finish (secrets, result, &error));
  g_assert_no_error (error);
}

/* The receivers turned on are kept with their connections (through a
 * save and a load of connections.json) and started again: one with its
 * secret on its port; one without a secret not, with the reason kept;
 * one not turned on not. */
static void
test_start_enabled (void)
{
  g_autofree char *dir = sy_test_make_tmpdir ("switchyard-receivers-enabled");
  g_autoptr(GError) error = NULL;
  g_autoptr(SyStateStore) state = sy_state_store_open (dir, &error);
  g_autoptr(SySecretStore) secrets = sy_secret_store_new_in_memory ();
  g_autoptr(SyConnectionStore) saved = sy_connection_store_new (dir);
  g_autoptr(SyConnectionStore) connections = sy_connection_store_new (dir);
  g_autoptr(SyWebhookReceivers) receivers = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  const char *names[] = { "Warehouse", "ERP", "CMMS" };
  g_autofree char *address = NULL;
  g_autofree char *url = NULL;
  SyConnection *warehouse;
  SyConnection *erp;
  SyConnection *cmms;
  const GError *start_error;
  guint port = free_port ();
  guint kept_port = 1;

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(SyConnection) connection = sy_connection_new (names[i], "http://127.0.0.1:9/");

      g_assert_false (sy_webhook_settings_get_receiver (connection, &address, &kept_port));
      g_assert_null (address);
      g_assert_cmpuint (kept_port, ==, 0);
      g_assert_true (sy_connection_store_add (saved, connection, &error));
      g_assert_no_error (error);
    }
  warehouse = sy_connection_store_find_by_name (saved, "Warehouse");
  sy_webhook_settings_set (warehouse, SY_WEBHOOK_SCHEME_RUTTER, "X-Hook-Signature");
  sy_webhook_settings_set_receiver (warehouse, TRUE, "127.0.0.1", port);
  /* Before any scheme: the default one's header stays in use. */
  sy_webhook_settings_set_receiver (sy_connection_store_find_by_name (saved, "ERP"), TRUE, NULL, 0);
  sy_webhook_settings_set_receiver (sy_connection_store_find_by_name (saved, "CMMS"), FALSE, "0.0.0.0", 8421);
  g_assert_true (sy_connection_store_save (saved, &error));
  g_assert_no_error (error);

  g_assert_true (sy_connection_store_load (connections, &error));
  g_assert_no_error (error);
  warehouse = sy_connection_store_find_by_name (connections, "Warehouse");
  erp = sy_connection_store_find_by_name (connections, "ERP");
  cmms = sy_connection_store_find_by_name (connections, "CMMS");
  g_assert_true (sy_webhook_settings_get_receiver (warehouse, &address, &kept_port));
  g_assert_cmpstr (address, ==, "127.0.0.1");
  g_assert_cmpuint (kept_port, ==, port);
  g_clear_pointer (&address, g_free);
  g_assert_cmpint (sy_webhook_settings_get_scheme (warehouse), ==, SY_WEBHOOK_SCHEME_RUTTER);
  g_assert_cmpstr (sy_webhook_settings_get_header (warehouse), ==, "X-Hook-Signature");
  g_assert_true (sy_webhook_settings_get_receiver (erp, NULL, &kept_port));
  g_assert_cmpuint (kept_port, ==, 0);
  g_assert_cmpint (sy_webhook_settings_get_scheme (erp), ==, SY_WEBHOOK_SCHEME_MAKINI);
  g_assert_cmpstr (sy_webhook_settings_get_header (erp), ==, "X-Signature");
  g_assert_false (sy_webhook_settings_get_receiver (cmms, &address, &kept_port));
  g_assert_cmpstr (address, ==, "0.0.0.0");
  g_assert_cmpuint (kept_port, ==, 8421);

  /* Signed as makini for the post below. */
  sy_webhook_settings_set (warehouse, SY_WEBHOOK_SCHEME_MAKINI, NULL);
  store_secret (secrets, warehouse);
  store_secret (secrets, cmms);

  receivers = sy_webhook_receivers_new (state, sy_catalogue_get_default ());
  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*“ERP” did not start*keyring holds no webhook secret*");
  sy_webhook_receivers_start_enabled_async (receivers, connections, secrets, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  g_assert_true (sy_webhook_receivers_start_enabled_finish (receivers, result, &error));
  g_assert_no_error (error);
  g_test_assert_expected_messages ();

  g_assert_nonnull (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (warehouse)));
  g_assert_cmpuint (sy_webhook_receiver_get_port (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (warehouse))),
                    ==, port);
  url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  g_assert_cmpuint (post (url, &error), ==, 200);
  g_assert_no_error (error);

  g_assert_null (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (erp)));
  start_error = sy_webhook_receivers_get_start_error (receivers, sy_connection_get_id (erp));
  g_assert_error (start_error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (start_error->message, "ERP"));
  g_assert_null (sy_webhook_receivers_lookup (receivers, sy_connection_get_id (cmms)));
  g_assert_null (sy_webhook_receivers_get_start_error (receivers, sy_connection_get_id (cmms)));

  g_clear_object (&receivers);
  g_clear_object (&state);
  sy_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/automation/webhook-receivers", test_receivers);
  g_test_add_func ("/automation/webhook-receivers/start-enabled", test_start_enabled);
  return g_test_run ();
}
