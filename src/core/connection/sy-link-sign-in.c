/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <libsoup/soup.h>
#include <string.h>

#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-json.h"
#include "sy-link-sign-in.h"
#include "sy-secret-store.h"

#define AUTHORIZE_PATH "/oauth/authorize"
#define TOKEN_PATH     "/link/token"
#define CALLBACK_PATH  "/callback"
#define DEFAULT_TIMEOUT_S 300

struct _SyLinkSignIn
{
  GObject       parent_instance;

  SyConnection *connection;
  char         *client_id;
  char         *client_secret;
  guint         timeout_s;

  char         *state;
  char         *code_verifier;
  char         *redirect_uri;
  char         *authorize_url;

  SoupServer   *listener;
  GTask        *waiting;
  GSource      *timeout_source;
  GSource      *cancel_source;
  gboolean      answered;
};

G_DEFINE_FINAL_TYPE (SyLinkSignIn, sy_link_sign_in, G_TYPE_OBJECT)

static void
source_clear (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
close_listener (SyLinkSignIn *self)
{
  if (self->listener != NULL)
    {
      soup_server_disconnect (self->listener);
      g_clear_object (&self->listener);
    }
}

static void
sy_link_sign_in_dispose (GObject *object)
{
  SyLinkSignIn *self = SY_LINK_SIGN_IN (object);

  source_clear (&self->timeout_source);
  source_clear (&self->cancel_source);
  close_listener (self);

  G_OBJECT_CLASS (sy_link_sign_in_parent_class)->dispose (object);
}

static void
sy_link_sign_in_finalize (GObject *object)
{
  SyLinkSignIn *self = SY_LINK_SIGN_IN (object);

  g_assert (self->waiting == NULL);
  g_clear_object (&self->connection);
  g_free (self->client_id);
  g_clear_pointer (&self->client_secret, sy_secret_free);
  g_clear_pointer (&self->state, sy_secret_free);
  g_clear_pointer (&self->code_verifier, sy_secret_free);
  g_free (self->redirect_uri);
  g_free (self->authorize_url);

  G_OBJECT_CLASS (sy_link_sign_in_parent_class)->finalize (object);
}

static void
sy_link_sign_in_class_init (SyLinkSignInClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_link_sign_in_dispose;
  object_class->finalize = sy_link_sign_in_finalize;
}

static void
sy_link_sign_in_init (SyLinkSignIn *self)
{
  self->timeout_s = DEFAULT_TIMEOUT_S;
}

SyLinkSignIn *
sy_link_sign_in_new (SyConnection *connection,
                     const char   *client_id,
                     const char   *client_secret)
{
  SyLinkSignIn *self;

  g_return_val_if_fail (SY_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);
  g_return_val_if_fail (client_secret != NULL, NULL);

  self = g_object_new (SY_TYPE_LINK_SIGN_IN, NULL);
  self->connection = g_object_ref (connection);
  self->client_id = g_strdup (client_id);
  self->client_secret = g_strdup (client_secret);
  return self;
}

void
sy_link_sign_in_set_timeout (SyLinkSignIn *self,
                             guint         seconds)
{
  g_return_if_fail (SY_IS_LINK_SIGN_IN (self));
  self->timeout_s = MAX (seconds, 1);
}

/* Base64url without padding (RFC 7636 appendix A). */
static char *
base64url (const guint8 *data,
           gsize         length)
{
  char *text = g_base64_encode (data, length);

  for (char *p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }
  return text;
}

static char *
random_base64url (gsize    bytes,
                  GError **error)
{
  guint8 buffer[64];
  char *text;
  int ret;

  g_assert (bytes <= sizeof buffer);
  ret = gnutls_rnd (GNUTLS_RND_KEY, buffer, bytes);
  if (ret < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Could not make random numbers for the sign-in: %s"), gnutls_strerror (ret));
      return NULL;
    }
  text = base64url (buffer, bytes);
  memset (buffer, 0, sizeof buffer);
  return text;
}

static char *
code_challenge (const char *verifier)
{
  guint8 digest[32];
  gsize length = sizeof digest;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &length);
  return base64url (digest, length);
}

static void
respond_page (SoupServerMessage *msg,
              guint              status,
              const char        *title,
              const char        *text)
{
  g_autofree char *escaped_title = g_markup_escape_text (title, -1);
  g_autofree char *escaped_text = g_markup_escape_text (text, -1);
  g_autofree char *page = g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                                           "<title>%s</title></head>"
                                           "<body style=\"font-family: sans-serif; margin: 3em\">"
                                           "<h1>%s</h1><p>%s</p></body></html>\n",
                                           escaped_title, escaped_title, escaped_text);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY, page, strlen (page));
}

static void
return_error (SyLinkSignIn *self,
              GError       *error)
{
  GTask *task = g_steal_pointer (&self->waiting);

  source_clear (&self->timeout_source);
  source_clear (&self->cancel_source);
  if (task == NULL)
    {
      g_error_free (error);
      return;
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
on_code_exchanged (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  SyTokenGrant *grant = NULL;

  answer = sy_api_client_post_form_finish (SY_API_CLIENT (source), result, &error);
  if (answer != NULL)
    grant = sy_token_grant_new_from_json (answer, &error);
  if (grant == NULL)
    {
      g_autofree char *reason = sy_describe_error_one_line (error);

      g_task_return_new_error (task, error->domain, error->code,
                               _("The sign-in could not be completed: the server did not exchange its code for a token (%s). Nothing was stored."),
                               reason);
      return;
    }
  g_task_return_pointer (task, grant, (GDestroyNotify) sy_token_grant_free);
}

static void
exchange_code (SyLinkSignIn *self,
               const char   *code)
{
  GTask *task = g_steal_pointer (&self->waiting);
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(GHashTable) form = NULL;
  GError *error = NULL;

  source_clear (&self->timeout_source);
  source_clear (&self->cancel_source);

  client = sy_connection_create_client (self->connection, NULL, &error);
  if (client == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (form, (gpointer) "grant_type", (gpointer) "authorization_code");
  g_hash_table_insert (form, (gpointer) "code", (gpointer) code);
  g_hash_table_insert (form, (gpointer) "redirect_uri", self->redirect_uri);
  g_hash_table_insert (form, (gpointer) "client_id", self->client_id);
  g_hash_table_insert (form, (gpointer) "client_secret", self->client_secret);
  g_hash_table_insert (form, (gpointer) "code_verifier", self->code_verifier);
  sy_api_client_post_form_async (client, TOKEN_PATH, form, g_task_get_cancellable (task),
                                 on_code_exchanged, task);
}

static gboolean
state_matches (const char *expected,
               const char *given)
{
  gsize length = strlen (expected);
  guint8 difference = 0;

  if (given == NULL || strlen (given) != length)
    return FALSE;
  /* Compared in constant time: the state guards the redirect. */
  for (gsize i = 0; i < length; i++)
    difference |= (guint8) (expected[i] ^ given[i]);
  return difference == 0;
}

static void
on_callback (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  SyLinkSignIn *self = user_data;
  const char *state = query ? g_hash_table_lookup (query, "state") : NULL;
  const char *code = query ? g_hash_table_lookup (query, "code") : NULL;
  const char *denial = query ? g_hash_table_lookup (query, "error") : NULL;
  const char *description = query ? g_hash_table_lookup (query, "error_description") : NULL;

  if (!g_str_equal (path, CALLBACK_PATH))
    {
      respond_page (msg, SOUP_STATUS_NOT_FOUND, _("Not found"), _("This address only receives a sign-in."));
      return;
    }
  if (self->answered || self->waiting == NULL)
    {
      respond_page (msg, SOUP_STATUS_GONE, _("Sign-in already handled"),
                    _("This sign-in has already ended. Return to Switchyard."));
      return;
    }
  self->answered = TRUE;

  if (!state_matches (self->state, state))
    {
      respond_page (msg, SOUP_STATUS_BAD_REQUEST, _("Sign-in not accepted"),
                    _("This sign-in was not started by this Switchyard window. Nothing was stored; start the sign-in again."));
      return_error (self, g_error_new_literal (SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED,
                                               _("The browser came back with a sign-in that Switchyard did not start (its state did not match). Nothing was stored; start the sign-in again.")));
      return;
    }

  if (denial != NULL || code == NULL || *code == '\0')
    {
      g_autofree char *quoted = description != NULL ? sy_json_quote_server_text (description, -1) : NULL;

      respond_page (msg, SOUP_STATUS_OK, _("Access not given"),
                    _("Switchyard was not given access. You can close this window."));
      if (g_strcmp0 (denial, "access_denied") == 0)
        return_error (self, g_error_new (SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED,
                                         _("Access was denied in the browser%s%s. Nothing was stored."),
                                         quoted ? ": " : "", quoted ? quoted : ""));
      else
        return_error (self, g_error_new (SY_API_ERROR, SY_API_ERROR_UNAUTHORIZED,
                                         _("The sign-in ended without access (%s)%s%s. Nothing was stored."),
                                         denial ? denial : _("no code"), quoted ? ": " : "", quoted ? quoted : ""));
      return;
    }

  respond_page (msg, SOUP_STATUS_OK, _("Signed in"),
                _("Switchyard received the sign-in. You can close this window and return to Switchyard."));
  exchange_code (self, code);
}

gboolean
sy_link_sign_in_prepare (SyLinkSignIn  *self,
                         GError       **error)
{
  g_autofree char *challenge = NULL;
  g_autoptr(GString) url = NULL;
  GSList *uris;
  int port = 0;

  g_return_val_if_fail (SY_IS_LINK_SIGN_IN (self), FALSE);
  g_return_val_if_fail (self->listener == NULL, FALSE);

  /* The token endpoint must be one the connection may use at all. */
  if (!sy_connection_check_transport (self->connection, error))
    return FALSE;

  self->state = random_base64url (24, error);
  if (self->state == NULL)
    return FALSE;
  self->code_verifier = random_base64url (48, error);
  if (self->code_verifier == NULL)
    return FALSE;
  challenge = code_challenge (self->code_verifier);

  self->listener = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_handler (self->listener, NULL, on_callback, self, NULL);
  if (!soup_server_listen_local (self->listener, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    {
      g_clear_object (&self->listener);
      return FALSE;
    }
  uris = soup_server_get_uris (self->listener);
  if (uris != NULL)
    port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  self->redirect_uri = g_strdup_printf ("http://127.0.0.1:%d" CALLBACK_PATH, port);

  url = g_string_new (sy_connection_get_base_url (self->connection));
  while (url->len > 0 && url->str[url->len - 1] == '/')
    g_string_truncate (url, url->len - 1);
  g_string_append (url, AUTHORIZE_PATH "?response_type=code&client_id=");
  g_string_append_uri_escaped (url, self->client_id, NULL, FALSE);
  g_string_append (url, "&redirect_uri=");
  g_string_append_uri_escaped (url, self->redirect_uri, NULL, FALSE);
  g_string_append (url, "&state=");
  g_string_append (url, self->state);
  g_string_append (url, "&code_challenge=");
  g_string_append (url, challenge);
  g_string_append (url, "&code_challenge_method=S256");
  self->authorize_url = g_string_free (g_steal_pointer (&url), FALSE);

  return TRUE;
}

const char *
sy_link_sign_in_get_authorize_url (SyLinkSignIn *self)
{
  g_return_val_if_fail (SY_IS_LINK_SIGN_IN (self), NULL);
  return self->authorize_url;
}

const char *
sy_link_sign_in_get_redirect_uri (SyLinkSignIn *self)
{
  g_return_val_if_fail (SY_IS_LINK_SIGN_IN (self), NULL);
  return self->redirect_uri;
}

static gboolean
on_timeout (gpointer user_data)
{
  SyLinkSignIn *self = user_data;
  guint minutes = (self->timeout_s + 59) / 60;

  g_clear_pointer (&self->timeout_source, g_source_unref);
  close_listener (self);
  return_error (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                   ngettext ("The browser did not come back within %u minute. Nothing was stored; start the sign-in again.",
                                             "The browser did not come back within %u minutes. Nothing was stored; start the sign-in again.",
                                             minutes),
                                   minutes));
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  SyLinkSignIn *self = user_data;

  g_clear_pointer (&self->cancel_source, g_source_unref);
  close_listener (self);
  return_error (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The sign-in was cancelled.")));
  return G_SOURCE_REMOVE;
}

void
sy_link_sign_in_wait_async (SyLinkSignIn        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SY_IS_LINK_SIGN_IN (self));
  g_return_if_fail (self->waiting == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_link_sign_in_wait_async);

  if (self->listener == NULL || self->answered)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               "%s", _("The sign-in was not prepared, or has already ended."));
      return;
    }

  self->waiting = g_steal_pointer (&task);
  self->timeout_source = g_timeout_source_new_seconds (self->timeout_s);
  g_source_set_name (self->timeout_source, "[switchyard] link sign-in timeout");
  g_source_set_callback (self->timeout_source, on_timeout, self, NULL);
  g_source_attach (self->timeout_source, g_task_get_context (self->waiting));
  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, (GSourceFunc) G_CALLBACK (on_cancelled), self, NULL);
      g_source_attach (self->cancel_source, g_task_get_context (self->waiting));
    }
}

SyTokenGrant *
sy_link_sign_in_wait_finish (SyLinkSignIn  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (SY_IS_LINK_SIGN_IN (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
