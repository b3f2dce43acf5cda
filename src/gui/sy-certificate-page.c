/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-certificate-page-internal.h"
#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-file.h"
#include "sy-generate-certificate-dialog.h"
#include "sy-netsuite-login.h"
#include "sy-pkcs12.h"

G_DEFINE_FINAL_TYPE (SyCertificatePage, sy_certificate_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_CERTIFICATE,
  PROP_BUSY,
  PROP_NEEDS_ATTENTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void import_parse_key (gpointer op, const char *passphrase);

/* Problems that need a decision are dialogs; the rest are inline. */
void
sy_certificate_page_show_error_dialog (SyCertificatePage *self,
                                       const char        *heading,
                                       const char        *body)
{
  GtkWidget *dialog;

  set_error_text (self, body);
  dialog = adw_message_dialog_new (get_parent_window (self), heading, body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
update_actions (SyCertificatePage *self)
{
  gboolean can_change = self->connection != NULL && self->secrets != NULL && self->state != NULL
                        && !self->loading && !self->storing;
  gboolean has_certificate = self->certificate != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "certificate.generate", can_change);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "certificate.import", can_change);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "certificate.export", has_certificate);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "certificate.copy-fingerprint", has_certificate);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "certificate.test-login",
                                 has_certificate && !self->testing_login && !self->storing);
}

void
sy_certificate_page_set_flag (SyCertificatePage *self,
                              gboolean          *flag,
                              gboolean           value)
{
  gboolean was_busy = sy_certificate_page_get_busy (self);

  *flag = value;
  update_actions (self);
  if (was_busy != sy_certificate_page_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

void
sy_certificate_page_set_certificate (SyCertificatePage *self,
                                     SyCertificate     *certificate)
{
  gboolean changed = g_set_object (&self->certificate, certificate);
  gboolean needs_attention;

  sy_certificate_page_show_certificate (self);
  update_actions (self);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CERTIFICATE]);

  needs_attention = self->problem_rows->len > 0;
  if (needs_attention != self->needs_attention)
    {
      self->needs_attention = needs_attention;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEEDS_ATTENTION]);
    }
}

/* ---------------------------------------------------------------------
 * Storing: the key in the keyring, the certificate in state.db
 * ------------------------------------------------------------------ */

static void
certificate_saved_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  SyCertificatePage *self = op->self;
  g_autoptr(GError) error = NULL;
  gboolean saved;

  saved = sy_state_store_save_certificate_finish (SY_STATE_STORE (source), result, &error);
  if (operation_is_stale (op))
    return;

  sy_certificate_page_set_flag (self, &self->storing, FALSE);
  if (!saved)
    {
      g_autofree char *body = g_strdup_printf (_("The certificate could not be saved: %s"), error->message);
      sy_certificate_page_show_error_dialog (self, _("Certificate Not Saved"), body);
      return;
    }

  set_error_text (self, NULL);
  sy_certificate_page_reset_login (self);
  sy_certificate_page_set_certificate (self, op->certificate);
  show_toast (self, op->done_message);
}

static void
key_stored_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  SyCertificatePage *self = op->self;
  g_autoptr(GError) error = NULL;
  gboolean stored;

  stored = sy_connection_attach_key_finish (result, &error);
  if (operation_is_stale (op))
    return;

  if (!stored)
    {
      g_autofree char *body = g_strdup_printf (_("The private key could not be kept in the keyring, so nothing was saved: %s"),
                                               error->message);
      sy_certificate_page_set_flag (self, &self->storing, FALSE);
      sy_certificate_page_show_error_dialog (self, _("Certificate Not Saved"), body);
      return;
    }

  {
    Operation *next = g_steal_pointer (&op);

    sy_state_store_save_certificate_async (self->state,
                                           sy_connection_get_id (next->connection),
                                           next->certificate,
                                           next->cancellable,
                                           certificate_saved_cb,
                                           next);
  }
}

/* Takes op; key may be NULL (a certificate handed over without its key):
 * then any old key goes, since it cannot belong to the new certificate. */
static void
store_certificate (Operation *op)
{
  SyCertificatePage *self = op->self;

  sy_certificate_page_set_flag (self, &self->storing, TRUE);
  sy_connection_attach_key_async (self->secrets, op->connection, op->key,
                                  op->cancellable, key_stored_cb, op);
}

/* ---------------------------------------------------------------------
 * Generating
 * ------------------------------------------------------------------ */

static void
certificate_generated_cb (SyCertificatePage *self,
                          SyCertificate     *certificate,
                          SyPrivateKey      *key,
                          GtkWidget         *dialog)
{
  SyConnection *connection = g_object_get_data (G_OBJECT (dialog), "sy-connection");
  Operation *op;

  if (connection != self->connection || self->cancellable == NULL)
    return;

  op = operation_new (self, self->cancellable);
  op->certificate = g_object_ref (certificate);
  op->key = g_object_ref (key);
  op->done_message = _("Certificate generated");
  store_certificate (op);
}

static void
open_generate_dialog (SyCertificatePage *self)
{
  SyGenerateCertificateDialog *dialog = sy_generate_certificate_dialog_new (get_parent_window (self));

  g_object_set_data_full (G_OBJECT (dialog), "sy-connection", g_object_ref (self->connection), g_object_unref);
  g_signal_connect_object (dialog, "generated", G_CALLBACK (certificate_generated_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  return data != NULL && memmem (data, size, needle, strlen (needle)) != NULL;
}

static void
import_fail (Operation  *op,
             const char *heading,
             const char *body)
{
  sy_certificate_page_show_error_dialog (op->self, heading, body);
  operation_free (op);
}

static void
import_key_ready (Operation    *op,
                  SyPrivateKey *key)
{
  if (!sy_certificate_matches_key (op->certificate, key))
    {
      import_fail (op, _("Wrong Private Key"),
                   _("The private key does not belong to this certificate. Nothing was imported."));
      return;
    }
  op->key = g_object_ref (key);
  store_certificate (op);
}

static void
passphrase_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        gpointer          user_data)
{
  Operation *op = user_data;
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "sy-passphrase-entry");
  char *passphrase = g_strdup (gtk_editable_get_text (entry));

  /* op is handed on or freed once: a close after the answer is no answer. */
  g_signal_handlers_disconnect_by_func (dialog, passphrase_response_cb, op);

  /* The passphrase is done with: keep it no longer than needed. */
  gtk_editable_set_text (entry, "");

  if (g_strcmp0 (response, "unlock") != 0 || operation_is_stale (op))
    operation_free (op);
  else
    import_parse_key (op, passphrase);
  sy_secret_free (passphrase);
}

static void
ask_for_passphrase (Operation *op,
                    gboolean   retry)
{
  g_autofree char *name = file_display_name (op->key_file != NULL ? op->key_file : op->certificate_file);
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  GtkWidget *entry;

  if (retry)
    body = g_strdup (_("That passphrase does not unlock the private key. Try again."));
  else
    body = g_strdup_printf (_("The private key in “%s” is protected by a passphrase."), name);

  dialog = adw_message_dialog_new (get_parent_window (op->self), _("Unlock the Private Key"), body);
  entry = gtk_password_entry_new ();
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
  g_object_set (entry, "activates-default", TRUE, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Passphrase"),
                                  -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  /* GTK 4.8's password entry handles a notification of its window while
   * the window is disposed, after the entry itself has gone: the window
   * keeps the entry alive until it is finalized. */
  g_object_set_data_full (G_OBJECT (dialog), "sy-passphrase-entry", g_object_ref (entry), g_object_unref);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "unlock", _("_Unlock"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "unlock", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "unlock");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (passphrase_response_cb), op);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void ask_for_key_file (Operation *op);

static void
import_parse_bundle (Operation  *op,
                     const char *passphrase)
{
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(GError) error = NULL;

  op->certificate = sy_pkcs12_import (op->key_data, passphrase, &key, &error);
  if (op->certificate == NULL)
    {
      g_autofree char *name = NULL;
      g_autofree char *body = NULL;

      if (g_error_matches (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_BAD_PASSPHRASE))
        {
          ask_for_passphrase (op, passphrase != NULL && *passphrase != '\0');
          return;
        }
      name = file_display_name (op->certificate_file);
      body = g_strdup_printf (_("“%s” is not a certificate Switchyard can use: %s"), name, error->message);
      import_fail (op, _("Certificate Not Imported"), body);
      return;
    }

  /* Done with the bundle: a key chosen next is read as a key. */
  op->key_data_is_bundle = FALSE;
  g_clear_pointer (&op->key_data, g_bytes_unref);
  if (key != NULL)
    import_key_ready (op, key);
  else
    ask_for_key_file (op);
}

static void
import_parse_key (gpointer    user_data,
                  const char *passphrase)
{
  Operation *op = user_data;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(GError) error = NULL;

  if (op->key_data_is_bundle)
    {
      import_parse_bundle (op, passphrase);
      return;
    }

  key = sy_private_key_new_from_data (op->key_data, passphrase, &error);
  if (key != NULL)
    {
      import_key_ready (op, key);
      return;
    }

  if (g_error_matches (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_BAD_PASSPHRASE))
    {
      ask_for_passphrase (op, passphrase != NULL);
      return;
    }

  {
    g_autofree char *body = g_strdup_printf (_("The private key could not be read: %s"), error->message);
    import_fail (op, _("Private Key Not Imported"), body);
  }
}

/* ---------------------------------------------------------------------
 * Reading the files a user chose
 * ------------------------------------------------------------------ */

/* Certificates and keys are read as the CLI reads them: a local file only
 * when it is a regular one (a FIFO would never finish, /dev/zero would fill
 * memory) and at most SY_FILE_MAX_KEY_SIZE of any file. */
static gboolean
read_more_below_limit (const char *file_contents,
                       goffset     file_size,
                       gpointer    callback_data)
{
  return file_size <= SY_FILE_MAX_KEY_SIZE;
}

static void
load_chosen_file_async (GFile               *file,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  const char *path = g_file_peek_path (file);

  if (path != NULL)
    sy_file_load_regular_async (path, SY_FILE_MAX_KEY_SIZE, cancellable, callback, user_data);
  else
    g_file_load_partial_contents_async (file, cancellable, read_more_below_limit, callback, user_data);
}

/* The error's message names the file. */
static GBytes *
load_chosen_file_finish (GFile         *file,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (g_async_result_is_tagged (result, sy_file_load_regular_async))
    {
      contents = sy_file_load_regular_finish (result, &length, error);
      return contents != NULL ? g_bytes_new_take (contents, length) : NULL;
    }

  if (!g_file_load_partial_contents_finish (file, result, &contents, &length, NULL, &local_error))
    {
      g_autofree char *name = file_display_name (file);

      g_set_error (error, local_error->domain, local_error->code,
                   _("“%s” could not be read: %s"), name, local_error->message);
      return NULL;
    }
  if (length > SY_FILE_MAX_KEY_SIZE)
    {
      g_autofree char *name = file_display_name (file);
      g_autofree char *limit = g_format_size (SY_FILE_MAX_KEY_SIZE);

      g_free (contents);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   _("“%s” is larger than %s, more than such a file can hold; it was not read."),
                   name, limit);
      return NULL;
    }
  return g_bytes_new_take (contents, length);
}

static void
key_file_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Operation *op = user_data;
  g_autoptr(GError) error = NULL;

  op->key_data = load_chosen_file_finish (op->key_file, result, &error);
  if (op->key_data == NULL)
    {
      if (operation_is_stale (op))
        {
          operation_free (op);
          return;
        }
      import_fail (op, _("Private Key Not Imported"), error->message);
      return;
    }

  if (operation_is_stale (op))
    {
      operation_free (op);
      return;
    }
  import_parse_key (op, NULL);
}

static void
load_key_file (Operation *op)
{
  load_chosen_file_async (op->key_file, op->cancellable, key_file_loaded_cb, op);
}

static void
key_chooser_response_cb (GtkNativeDialog *chooser,
                         int              response,
                         gpointer         user_data)
{
  g_autoptr(GtkNativeDialog) keep = g_object_ref (chooser);
  Operation *op = user_data;
  SyCertificatePage *self = op->self;

  /* Dropped first: freeing op may drop the last reference to self. */
  if (self->chooser == GTK_FILE_CHOOSER_NATIVE (chooser))
    g_clear_object (&self->chooser);

  if (response == GTK_RESPONSE_ACCEPT && !operation_is_stale (op))
    {
      op->key_file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (op->key_file != NULL)
        load_key_file (op);
      else
        operation_free (op);
    }
  else
    operation_free (op);
}

GtkFileChooserNative *
sy_certificate_page_new_chooser (SyCertificatePage    *self,
                                 const char           *title,
                                 GtkFileChooserAction  action,
                                 const char           *accept_label)
{
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (title, get_parent_window (self), action, accept_label, _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  return self->chooser;
}

static void
choose_key_file (Operation *op)
{
  static const char *key_patterns[] = { "*.pem", "*.key", "*.p8", NULL };
  static const char *all_patterns[] = { "*", NULL };
  GtkFileChooserNative *chooser = sy_certificate_page_new_chooser (op->self, _("Choose the Private Key"),
                                                                   GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"));

  add_filter (GTK_FILE_CHOOSER (chooser), _("Private keys (PEM)"), key_patterns);
  add_filter (GTK_FILE_CHOOSER (chooser), _("All files"), all_patterns);
  g_signal_connect (chooser, "response", G_CALLBACK (key_chooser_response_cb), op);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
missing_key_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         gpointer          user_data)
{
  Operation *op = user_data;

  g_signal_handlers_disconnect_by_func (dialog, missing_key_response_cb, op);
  if (operation_is_stale (op) || g_strcmp0 (response, "cancel") == 0)
    operation_free (op);
  else if (g_strcmp0 (response, "choose") == 0)
    choose_key_file (op);
  else
    store_certificate (op);
}

static void
ask_for_key_file (Operation *op)
{
  g_autofree char *name = file_display_name (op->certificate_file);
  g_autofree char *body =
    g_strdup_printf (_("“%s” holds the certificate only. Logging in to NetSuite needs its private key too: choose the key file, or import the certificate alone to upload it."),
                     name);
  GtkWidget *dialog = adw_message_dialog_new (get_parent_window (op->self), _("Import the Private Key Too?"), body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "certificate-only", _("Certificate _Only"),
                                    "choose", _("_Choose Key File…"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "choose", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "choose");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (missing_key_response_cb), op);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
certificate_file_loaded_cb (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  Operation *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autofree char *name = file_display_name (op->certificate_file);

  data = load_chosen_file_finish (op->certificate_file, result, &error);
  if (data == NULL)
    {
      if (operation_is_stale (op))
        {
          operation_free (op);
          return;
        }
      import_fail (op, _("Certificate Not Imported"), error->message);
      return;
    }

  if (operation_is_stale (op))
    {
      operation_free (op);
      return;
    }

  if (op->key_file == NULL && sy_pkcs12_detect (data))
    {
      op->key_data = g_bytes_ref (data);
      op->key_data_is_bundle = TRUE;
      import_parse_bundle (op, NULL);
      return;
    }

  op->certificate = sy_certificate_new_from_data (data, &error);
  if (op->certificate == NULL)
    {
      g_autofree char *body = g_strdup_printf (_("“%s” is not a certificate Switchyard can use: %s"), name, error->message);
      import_fail (op, _("Certificate Not Imported"), body);
      return;
    }

  if (op->key_file != NULL)
    load_key_file (op);
  else if (bytes_contain (data, "PRIVATE KEY-----"))
    {
      op->key_data = g_bytes_ref (data);
      import_parse_key (op, NULL);
    }
  else
    ask_for_key_file (op);
}

void
sy_certificate_page_import_files (SyCertificatePage *self,
                                  GFile             *certificate_file,
                                  GFile             *key_file)
{
  Operation *op;

  g_return_if_fail (SY_IS_CERTIFICATE_PAGE (self));
  g_return_if_fail (G_IS_FILE (certificate_file));
  g_return_if_fail (key_file == NULL || G_IS_FILE (key_file));

  if (self->connection == NULL || self->cancellable == NULL)
    return;

  set_error_text (self, NULL);
  op = operation_new (self, self->cancellable);
  op->certificate_file = g_object_ref (certificate_file);
  op->key_file = key_file != NULL ? g_object_ref (key_file) : NULL;
  op->done_message = _("Certificate imported");
  load_chosen_file_async (certificate_file, op->cancellable, certificate_file_loaded_cb, op);
}

void
sy_certificate_page_import_file (SyCertificatePage *self,
                                 GFile             *file)
{
  sy_certificate_page_import_files (self, file, NULL);
}

static void
import_chooser_response_cb (GtkNativeDialog   *chooser,
                            int                response,
                            SyCertificatePage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        sy_certificate_page_import_file (self, file);
    }
  if (self->chooser == GTK_FILE_CHOOSER_NATIVE (chooser))
    g_clear_object (&self->chooser);
}

static void
open_import_chooser (SyCertificatePage *self)
{
  static const char *certificate_patterns[] = { "*.pem", "*.crt", "*.cer", "*.der", "*.p12", "*.pfx", NULL };
  static const char *all_patterns[] = { "*", NULL };
  GtkFileChooserNative *chooser = sy_certificate_page_new_chooser (self, _("Import Certificate"),
                                                                   GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"));

  add_filter (GTK_FILE_CHOOSER (chooser), _("Certificates (PEM, DER, PKCS#12)"), certificate_patterns);
  add_filter (GTK_FILE_CHOOSER (chooser), _("All files"), all_patterns);
  g_signal_connect_object (chooser, "response", G_CALLBACK (import_chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---------------------------------------------------------------------
 * Replacing needs a yes
 * ------------------------------------------------------------------ */

static void
replace_response_cb (AdwMessageDialog  *dialog,
                     const char        *response,
                     SyCertificatePage *self)
{
  const char *then = g_object_get_data (G_OBJECT (dialog), "sy-then");
  SyConnection *connection = g_object_get_data (G_OBJECT (dialog), "sy-connection");

  if (g_strcmp0 (response, "replace") != 0 || connection != self->connection)
    return;
  if (g_strcmp0 (then, "generate") == 0)
    open_generate_dialog (self);
  else
    open_import_chooser (self);
}

static void
confirm_replace_then (SyCertificatePage *self,
                      const char        *then)
{
  GtkWidget *dialog;

  if (self->certificate == NULL)
    {
      if (g_strcmp0 (then, "generate") == 0)
        open_generate_dialog (self);
      else
        open_import_chooser (self);
      return;
    }

  dialog = adw_message_dialog_new (get_parent_window (self), _("Replace the Certificate?"),
                                   _("The current certificate and its private key will be removed. NetSuite refuses logins with the new one until it is uploaded there."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "replace", _("_Replace"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "replace", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "sy-then", (gpointer) then);
  g_object_set_data_full (G_OBJECT (dialog), "sy-connection", g_object_ref (self->connection), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (replace_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
generate_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  confirm_replace_then (SY_CERTIFICATE_PAGE (widget), "generate");
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  confirm_replace_then (SY_CERTIFICATE_PAGE (widget), "import");
}

/* ---------------------------------------------------------------------
 * The object
 * ------------------------------------------------------------------ */

static void
sy_certificate_page_dispose (GObject *object)
{
  SyCertificatePage *self = SY_CERTIFICATE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->login_cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_CERTIFICATE_PAGE);
  g_clear_object (&self->connection);
  g_clear_object (&self->connections);
  g_clear_object (&self->secrets);
  g_clear_object (&self->state);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (sy_certificate_page_parent_class)->dispose (object);
}

static void
sy_certificate_page_finalize (GObject *object)
{
  SyCertificatePage *self = SY_CERTIFICATE_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->login_cancellable);
  g_clear_pointer (&self->problem_rows, g_ptr_array_unref);
  g_free (self->error_text);
  g_free (self->login_result);

  G_OBJECT_CLASS (sy_certificate_page_parent_class)->finalize (object);
}

static void
sy_certificate_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SyCertificatePage *self = SY_CERTIFICATE_PAGE (object);

  switch (prop_id)
    {
    case PROP_CERTIFICATE:
      g_value_set_object (value, self->certificate);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, sy_certificate_page_get_busy (self));
      break;
    case PROP_NEEDS_ATTENTION:
      g_value_set_boolean (value, self->needs_attention);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_certificate_page_class_init (SyCertificatePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_certificate_page_dispose;
  object_class->finalize = sy_certificate_page_finalize;
  object_class->get_property = sy_certificate_page_get_property;

  properties[PROP_CERTIFICATE] =
    g_param_spec_object ("certificate", NULL, NULL, SY_TYPE_CERTIFICATE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NEEDS_ATTENTION] =
    g_param_spec_boolean ("needs-attention", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/switchyard/Switchyard/sy-certificate-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, stack);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, subject_label);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, organisation_label);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, issuer_label);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, expiry_icon);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, expiry_label);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, problems_group);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, details_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, subject_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, issuer_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, serial_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, not_before_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, not_after_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, key_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, signature_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, account_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, client_id_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, certificate_id_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, token_url_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, login_row);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, login_icon);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, login_spinner);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, test_login_button);
  gtk_widget_class_bind_template_child (widget_class, SyCertificatePage, login_error_label);
  gtk_widget_class_bind_template_callback_full (widget_class, "account_changed_cb", G_CALLBACK (sy_certificate_page_account_changed_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "netsuite_apply_cb", G_CALLBACK (sy_certificate_page_netsuite_apply_cb));

  gtk_widget_class_install_action (widget_class, "certificate.generate", NULL, generate_action);
  gtk_widget_class_install_action (widget_class, "certificate.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "certificate.export", NULL, sy_certificate_page_export_action);
  gtk_widget_class_install_action (widget_class, "certificate.copy-fingerprint", NULL, sy_certificate_page_copy_fingerprint_action);
  gtk_widget_class_install_action (widget_class, "certificate.test-login", NULL, sy_certificate_page_test_login_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_g, GDK_CONTROL_MASK, "certificate.generate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "certificate.import", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "certificate.export", NULL);
}

static void
sy_certificate_page_init (SyCertificatePage *self)
{
  self->problem_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Not a bound child: the template would unparent it behind AdwBin's back. */
  self->toast_overlay = ADW_TOAST_OVERLAY (adw_bin_get_child (ADW_BIN (self)));
  sy_certificate_page_account_changed_cb (self);
  sy_certificate_page_reset_login (self);
  sy_certificate_page_show_certificate (self);
  update_actions (self);
}

GtkWidget *
sy_certificate_page_new (void)
{
  return g_object_new (SY_TYPE_CERTIFICATE_PAGE, NULL);
}

void
sy_certificate_page_set_connection (SyCertificatePage *self,
                                    SyConnection      *connection,
                                    SyConnectionStore *connections,
                                    SySecretStore     *secrets,
                                    SyStateStore      *state)
{
  g_return_if_fail (SY_IS_CERTIFICATE_PAGE (self));
  g_return_if_fail (connection == NULL || SY_IS_CONNECTION (connection));
  g_return_if_fail (connections == NULL || SY_IS_CONNECTION_STORE (connections));
  g_return_if_fail (secrets == NULL || SY_IS_SECRET_STORE (secrets));
  g_return_if_fail (state == NULL || SY_IS_STATE_STORE (state));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  sy_certificate_page_reset_login (self);

  g_set_object (&self->connection, connection);
  g_set_object (&self->connections, connections);
  g_set_object (&self->secrets, secrets);
  g_set_object (&self->state, state);
  self->storing = FALSE;
  set_error_text (self, NULL);
  sy_certificate_page_load_netsuite_options (self);
  sy_certificate_page_set_certificate (self, NULL);

  if (connection == NULL)
    {
      sy_certificate_page_set_flag (self, &self->loading, FALSE);
      return;
    }

  self->cancellable = g_cancellable_new ();
  if (state == NULL)
    {
      sy_certificate_page_set_flag (self, &self->loading, FALSE);
      return;
    }

  sy_certificate_page_set_flag (self, &self->loading, TRUE);
  gtk_spinner_set_spinning (self->loading_spinner, TRUE);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  sy_state_store_load_certificate_async (state,
                                         sy_connection_get_id (connection),
                                         self->cancellable,
                                         sy_certificate_page_certificate_loaded_cb,
                                         operation_new (self, self->cancellable));
}

SyCertificate *
sy_certificate_page_get_certificate (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), NULL);
  return self->certificate;
}

gboolean
sy_certificate_page_get_needs_attention (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), FALSE);
  return self->needs_attention;
}

gboolean
sy_certificate_page_get_busy (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), FALSE);
  return self->loading || self->storing || self->testing_login;
}

const char *
sy_certificate_page_get_view (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
sy_certificate_page_get_error (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), NULL);
  return self->error_text;
}

const char *
sy_certificate_page_get_login_result (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), NULL);
  return self->login_result;
}
