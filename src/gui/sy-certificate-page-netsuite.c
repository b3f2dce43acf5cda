/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-certificate-page-internal.h"
#include "sy-error.h"

/* The guided NetSuite machine-to-machine set-up and its login test. */

static char *
get_stripped_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

void
sy_certificate_page_load_netsuite_options (SyCertificatePage *self)
{
  JsonObject *netsuite = NULL;
  struct {
    AdwEntryRow *row;
    const char  *member;
  } fields[] = {
    { self->account_row, "account" },
    { self->client_id_row, "client_id" },
    { self->certificate_id_row, "certificate_id" },
    { self->token_url_row, "token_url" },
  };

  if (self->connection != NULL)
    {
      JsonObject *options = sy_connection_get_options (self->connection);
      JsonNode *node = options != NULL ? json_object_get_member (options, "netsuite") : NULL;

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        netsuite = json_node_get_object (node);
    }

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const char *value = NULL;

      if (netsuite != NULL && json_object_has_member (netsuite, fields[i].member))
        value = json_object_get_string_member_with_default (netsuite, fields[i].member, NULL);
      gtk_editable_set_text (GTK_EDITABLE (fields[i].row), value != NULL ? value : "");
    }
}

void
sy_certificate_page_reset_login (SyCertificatePage *self)
{
  g_cancellable_cancel (self->login_cancellable);
  g_clear_object (&self->login_cancellable);
  g_clear_pointer (&self->login_result, g_free);
  gtk_spinner_set_spinning (self->login_spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->login_spinner), FALSE);
  gtk_image_set_from_icon_name (self->login_icon, "channel-secure-symbolic");
  set_style (GTK_WIDGET (self->login_icon), NULL);
  adw_action_row_set_subtitle (self->login_row,
                               _("Signs a client assertion with the private key and asks NetSuite for an access token"));
  set_login_error (self, NULL);
  self->testing_login = FALSE;
}

/* ---------------------------------------------------------------------
 * NetSuite set-up and the login test
 * ------------------------------------------------------------------ */

void
sy_certificate_page_account_changed_cb (SyCertificatePage *self)
{
  g_autofree char *account = get_stripped_text (self->account_row);
  g_autofree char *url = NULL;
  g_autofree char *subtitle = NULL;

  if (*account != '\0')
    url = sy_netsuite_token_url_for_account (account, NULL);

  if (url != NULL)
    subtitle = g_strdup_printf (_("Token URL: %s unless set here"), url);
  else
    subtitle = g_strdup (_("Token URL: the account’s own unless set here"));
  adw_expander_row_set_subtitle (self->advanced_row, subtitle);
}

static void
options_saved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SyCertificatePage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sy_connection_store_save_finish (SY_CONNECTION_STORE (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("The NetSuite settings could not be saved: %s"), error->message);
      set_login_error (self, text);
    }
}

static void
set_or_remove (JsonObject *object,
               const char *member,
               const char *value)
{
  if (value != NULL && *value != '\0')
    json_object_set_string_member (object, member, value);
  else if (json_object_has_member (object, member))
    json_object_remove_member (object, member);
}

/* options["netsuite"] = {account, client_id, certificate_id[, token_url]}:
 * the CLI's netsuite test reads the same connection. */
static void
save_netsuite_options (SyCertificatePage *self)
{
  g_autofree char *account = get_stripped_text (self->account_row);
  g_autofree char *client_id = get_stripped_text (self->client_id_row);
  g_autofree char *certificate_id = get_stripped_text (self->certificate_id_row);
  g_autofree char *token_url = get_stripped_text (self->token_url_row);
  JsonObject *options;
  JsonObject *netsuite;
  JsonNode *node;

  if (self->connection == NULL)
    return;

  options = sy_connection_get_options (self->connection);
  if (options == NULL)
    return;
  node = json_object_get_member (options, "netsuite");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      json_object_set_object_member (options, "netsuite", json_object_new ());
      node = json_object_get_member (options, "netsuite");
    }
  netsuite = json_node_get_object (node);

  set_or_remove (netsuite, "account", account);
  set_or_remove (netsuite, "client_id", client_id);
  set_or_remove (netsuite, "certificate_id", certificate_id);
  set_or_remove (netsuite, "token_url", token_url);

  if (self->connections != NULL)
    sy_connection_store_save_async (self->connections, NULL, options_saved_cb, g_object_ref (self));
}

void
sy_certificate_page_netsuite_apply_cb (SyCertificatePage *self)
{
  set_login_error (self, NULL);
  save_netsuite_options (self);
}

static void
finish_login (SyCertificatePage *self,
              const char        *error_text)
{
  gtk_spinner_set_spinning (self->login_spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->login_spinner), FALSE);
  sy_certificate_page_set_flag (self, &self->testing_login, FALSE);

  if (error_text != NULL)
    {
      gtk_image_set_from_icon_name (self->login_icon, "dialog-error-symbolic");
      set_style (GTK_WIDGET (self->login_icon), "error");
      adw_action_row_set_subtitle (self->login_row, _("The last test failed"));
      set_login_error (self, error_text);
    }
}

static void
login_tested_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  SyCertificatePage *self = op->self;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  gint64 expires_in;

  answer = sy_netsuite_login_test_finish (SY_NETSUITE_LOGIN (source), result, &error);
  if (operation_is_stale (op))
    return;

  if (answer == NULL)
    {
      /* The message carries NetSuite's own error and its description. */
      finish_login (self, error->message);
      return;
    }

  expires_in = json_object_get_int_member_with_default (answer, "expires_in", 0);
  g_free (self->login_result);
  if (expires_in >= 60)
    self->login_result = g_strdup_printf (ngettext ("NetSuite issued an access token valid for %d minute",
                                                    "NetSuite issued an access token valid for %d minutes",
                                                    (gulong) (expires_in / 60)),
                                          (int) (expires_in / 60));
  else
    self->login_result = g_strdup (_("NetSuite issued an access token"));

  finish_login (self, NULL);
  set_error_text (self, NULL);
  gtk_image_set_from_icon_name (self->login_icon, "emblem-ok-symbolic");
  set_style (GTK_WIDGET (self->login_icon), "success");
  adw_action_row_set_subtitle (self->login_row, self->login_result);
  show_toast (self, _("Logged in to NetSuite"));
}

static void
key_found_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  SyCertificatePage *self = op->self;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = sy_secret_store_lookup_finish (SY_SECRET_STORE (source), result, &error);
  if (operation_is_stale (op))
    {
      sy_secret_free (secret);
      return;
    }

  if (secret == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND))
        text = g_strdup (_("The keyring holds no private key for this certificate. Generate a certificate, or import one together with its private key."));
      else
        text = g_strdup_printf (_("The private key could not be read from the keyring: %s"), error->message);
      finish_login (self, text);
      return;
    }

  op->key = sy_private_key_new_from_base64 (secret, &error);
  sy_secret_free (secret);
  if (op->key == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The private key in the keyring is damaged: %s"), error->message);
      finish_login (self, text);
      return;
    }

  {
    Operation *next = g_steal_pointer (&op);

    sy_netsuite_login_test_async (next->login, next->key, next->cancellable, login_tested_cb, next);
  }
}

void
sy_certificate_page_test_login_action (GtkWidget  *widget,
                                       const char *action_name,
                                       GVariant   *parameter)
{
  SyCertificatePage *self = SY_CERTIFICATE_PAGE (widget);
  g_autofree char *account = get_stripped_text (self->account_row);
  g_autofree char *client_id = get_stripped_text (self->client_id_row);
  g_autofree char *certificate_id = get_stripped_text (self->certificate_id_row);
  g_autofree char *token_url = get_stripped_text (self->token_url_row);
  g_autoptr(GError) error = NULL;
  Operation *op;

  if (self->connection == NULL || self->certificate == NULL || self->testing_login)
    return;

  sy_certificate_page_reset_login (self);
  save_netsuite_options (self);

  if (*account == '\0')
    {
      finish_login (self, _("Enter the NetSuite account ID (Setup › Company › Company Information)."));
      return;
    }
  if (*client_id == '\0')
    {
      finish_login (self, _("Enter the client ID of the NetSuite integration record."));
      return;
    }
  if (*certificate_id == '\0')
    {
      finish_login (self, _("Enter the certificate ID NetSuite showed when the certificate was uploaded."));
      return;
    }
  if (*token_url == '\0')
    {
      g_free (token_url);
      token_url = sy_netsuite_token_url_for_account (account, &error);
      if (token_url == NULL)
        {
          finish_login (self, error->message);
          return;
        }
    }

  self->login_cancellable = g_cancellable_new ();
  sy_certificate_page_set_flag (self, &self->testing_login, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->login_spinner), TRUE);
  gtk_spinner_set_spinning (self->login_spinner, TRUE);
  adw_action_row_set_subtitle (self->login_row, _("Asking NetSuite for an access token…"));

  op = operation_new (self, self->login_cancellable);
  op->login = sy_netsuite_login_new (account, client_id, certificate_id, token_url);
  sy_secret_store_lookup_async (self->secrets,
                                sy_connection_get_id (self->connection),
                                SY_SECRET_KIND_PRIVATE_KEY,
                                op->cancellable,
                                key_found_cb,
                                op);
}
