/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "cert-test-common.h"
#include "sy-tls-test-server.h"

struct _SyTlsTestServer
{
  SoupServer *server;
  char       *url;
  char       *ca_file;
  char       *authorization;
  guint       n_requests;
};

static void
integration_cb (SoupServer        *server,
                SoupServerMessage *message,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  SyTlsTestServer *self = user_data;
  const char *authorization;
  const char *body;

  self->n_requests++;
  authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (message),
                                                "Authorization");
  if (g_strcmp0 (authorization, self->authorization) != 0)
    {
      body = "{\"message\": \"Unauthenticated.\"}";
      soup_server_message_set_status (message, 401, NULL);
    }
  else
    {
      body = "{\"data\": {\"id\": 7, \"platform\": \"odoo\", \"sync_status\": \"done\"}}";
      soup_server_message_set_status (message, 200, NULL);
    }
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

SyTlsTestServer *
sy_tls_test_server_new (const char *dir,
                        const char *token)
{
  SyTlsTestServer *self = g_new0 (SyTlsTestServer, 1);
  g_autofree char *certificate_file = g_build_filename (dir, "server.pem", NULL);
  g_autofree char *key_file = g_build_filename (dir, "server-key.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_free (cert_test_openssl_ok (dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2",
                                "-subj", "/CN=Switchyard Test CA",
                                "-addext", "basicConstraints=critical,CA:TRUE",
                                "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL));
  g_free (cert_test_openssl_ok (dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                "-nodes", "-keyout", "server-key.pem", "-out", "server.csr",
                                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", NULL));
  g_free (cert_test_openssl_ok (dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                                "-CAcreateserial", "-out", "server.pem", "-days", "2",
                                "-copy_extensions", "copy", NULL));

  certificate = g_tls_certificate_new_from_files (certificate_file, key_file, &error);
  g_assert_no_error (error);

  self->server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (self->server, "/api/integrations/current", integration_cb, self, NULL);
  soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (self->server);
  g_assert_nonnull (uris);
  self->url = g_strdup_printf ("https://127.0.0.1:%d", g_uri_get_port (uris->data));
  self->ca_file = g_build_filename (dir, "ca.pem", NULL);
  self->authorization = g_strdup_printf ("Bearer %s", token);
  return self;
}

void
sy_tls_test_server_free (SyTlsTestServer *self)
{
  if (self == NULL)
    return;
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_free (self->url);
  g_free (self->ca_file);
  g_free (self->authorization);
  g_free (self);
}

const char *
sy_tls_test_server_get_url (SyTlsTestServer *self)
{
  return self->url;
}

const char *
sy_tls_test_server_get_ca_file (SyTlsTestServer *self)
{
  return self->ca_file;
}

guint
sy_tls_test_server_get_n_requests (SyTlsTestServer *self)
{
  return self->n_requests;
}
