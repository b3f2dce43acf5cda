/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-certificate-page.h"
#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-generate-certificate-dialog.h"
#include "sy-netsuite-login.h"
#include "sy-pkcs12.h"

struct _SyCertificatePage
{
  AdwBin             parent_instance;

  SyConnection      *connection;
  SyConnectionStore *connections;
  SySecretStore     *secrets;
  SyStateStore      *state;
  SyCertificate     *certificate;

  /* Cancelled whenever the page turns to another connection. */
  GCancellable      *cancellable;
  GCancellable      *login_cancellable;
  gboolean           loading;
  gboolean           storing;
  gboolean           testing_login;
  gboolean           needs_attention;
  char              *error_text;
  char              *login_result;
  GPtrArray         *problem_rows;
  GtkFileChooserNative *chooser;

  AdwToastOverlay   *toast_overlay;
  GtkStack          *stack;
  GtkSpinner        *loading_spinner;
  AdwStatusPage     *empty_page;
  GtkLabel          *subject_label;
  GtkLabel          *organisation_label;
  GtkLabel          *issuer_label;
  GtkImage          *expiry_icon;
  GtkLabel          *expiry_label;
  AdwPreferencesGroup *problems_group;
  AdwExpanderRow    *details_row;
  AdwActionRow      *subject_row;
  AdwActionRow      *issuer_row;
  AdwActionRow      *serial_row;
  AdwActionRow      *not_before_row;
  AdwActionRow      *not_after_row;
  AdwActionRow      *key_row;
  AdwActionRow      *signature_row;
  AdwActionRow      *fingerprint_row;
  AdwEntryRow       *account_row;
  AdwEntryRow       *client_id_row;
  AdwEntryRow       *certificate_id_row;
  AdwExpanderRow    *advanced_row;
  AdwEntryRow       *token_url_row;
  AdwActionRow      *login_row;
  GtkImage          *login_icon;
  GtkSpinner        *login_spinner;
  GtkWidget         *test_login_button;
  GtkLabel          *login_error_label;
};

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

/* ---------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------ */

static GtkWindow *
get_parent_window (SyCertificatePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
show_toast (SyCertificatePage *self,
            const char        *title)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

static void
set_error_text (SyCertificatePage *self,
                const char        *text)
{
  g_free (self->error_text);
  self->error_text = g_strdup (text);
}

/* Problems that need a decision are dialogs; the rest are inline. */
static void
show_error_dialog (SyCertificatePage *self,
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
set_login_error (SyCertificatePage *self,
                 const char        *text)
{
  if (text != NULL)
    set_error_text (self, text);
  gtk_label_set_text (self->login_error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->login_error_label), text != NULL);
}

static char *
get_stripped_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

/* One attribute of an RFC 4514 DN ("CN=Acme\, Inc.,O=Acme"), unescaped. */
static char *
dn_get_attribute (const char *dn,
                  const char *name)
{
  gsize name_length = strlen (name);
  const char *p = dn;

  while (p != NULL && *p != '\0')
    {
      while (*p == ' ' || *p == ',' || *p == '+')
        p++;
      if (g_ascii_strncasecmp (p, name, name_length) == 0 && p[name_length] == '=')
        {
          GString *value = g_string_new (NULL);

          for (p += name_length + 1; *p != '\0' && *p != ',' && *p != '+'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (value, *p);
            }
          return g_string_free (value, FALSE);
        }
      /* Skip to the next unescaped separator. */
      for (; *p != '\0' && *p != ',' && *p != '+'; p++)
        if (*p == '\\' && p[1] != '\0')
          p++;
    }
  return NULL;
}

static char *
format_date (GDateTime *date_time)
{
  g_autoptr(GDateTime) local = NULL;

  if (date_time == NULL)
    return g_strdup (_("Unknown"));
  local = g_date_time_to_local (date_time);
  return g_date_time_format (local, "%x %X %Z");
}

static void
set_style (GtkWidget  *widget,
           const char *style)
{
  gtk_widget_remove_css_class (widget, "warning");
  gtk_widget_remove_css_class (widget, "error");
  gtk_widget_remove_css_class (widget, "success");
  if (style != NULL)
    gtk_widget_add_css_class (widget, style);
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

static void
set_flag (SyCertificatePage *self,
          gboolean          *flag,
          gboolean           value)
{
  gboolean was_busy = sy_certificate_page_get_busy (self);

  *flag = value;
  update_actions (self);
  if (was_busy != sy_certificate_page_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* An answer for a connection the page no longer shows must be dropped:
 * each operation carries the cancellable that was current when it began. */
typedef struct
{
  SyCertificatePage *self;
  GCancellable      *cancellable;
  SyConnection      *connection;
  /* Certificates being stored or imported. */
  SyCertificate     *certificate;
  SyPrivateKey      *key;
  const char        *done_message;
  /* Imports. */
  GFile             *certificate_file;
  GFile             *key_file;
  GBytes            *key_data;
  /* key_data is a PKCS#12 bundle, certificate and key behind one passphrase. */
  gboolean           key_data_is_bundle;
  /* Login tests. */
  SyNetsuiteLogin   *login;
} Operation;

static Operation *
operation_new (SyCertificatePage *self,
               GCancellable      *cancellable)
{
  Operation *op = g_new0 (Operation, 1);

  op->self = g_object_ref (self);
  op->cancellable = g_object_ref (cancellable);
  op->connection = g_object_ref (self->connection);
  return op;
}

static void
operation_free (Operation *op)
{
  g_object_unref (op->self);
  g_object_unref (op->cancellable);
  g_object_unref (op->connection);
  g_clear_object (&op->certificate);
  g_clear_object (&op->key);
  g_clear_object (&op->certificate_file);
  g_clear_object (&op->key_file);
  g_clear_pointer (&op->key_data, g_bytes_unref);
  g_clear_object (&op->login);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Operation, operation_free)

static gboolean
operation_is_stale (Operation *op)
{
  return g_cancellable_is_cancelled (op->cancellable) || op->self->connection != op->connection;
}

/* ---------------------------------------------------------------------
 * Showing a certificate
 * ------------------------------------------------------------------ */

static void
clear_problems (SyCertificatePage *self)
{
  for (guint i = 0; i < self->problem_rows->len; i++)
    adw_preferences_group_remove (self->problems_group, g_ptr_array_index (self->problem_rows, i));
  g_ptr_array_set_size (self->problem_rows, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->problems_group), FALSE);
}

static void
add_problem (SyCertificatePage *self,
             const char        *text,
             const char        *style)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Problem"),
                                  -1);
  gtk_widget_add_css_class (icon, style);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_preferences_group_add (self->problems_group, row);
  g_ptr_array_add (self->problem_rows, row);
  gtk_widget_set_visible (GTK_WIDGET (self->problems_group), TRUE);
}

static void
update_expiry (SyCertificatePage *self,
               GDateTime         *now)
{
  SyCertificate *certificate = self->certificate;
  GDateTime *not_before = sy_certificate_get_not_before (certificate);
  gint64 days = sy_certificate_get_days_left (certificate, now);
  g_autofree char *text = NULL;
  const char *style = NULL;

  if (not_before != NULL && g_date_time_compare (now, not_before) < 0)
    {
      g_autofree char *date = format_date (not_before);
      text = g_strdup_printf (_("Not valid before %s"), date);
      style = "error";
    }
  else if (days < 0)
    {
      text = g_strdup_printf (ngettext ("Expired %d day ago", "Expired %d days ago", (gulong) -days),
                              (int) -days);
      style = "error";
    }
  else if (days == 0)
    {
      text = g_strdup (_("Expires today"));
      style = "error";
    }
  else
    {
      text = g_strdup_printf (ngettext ("Expires in %d day", "Expires in %d days", (gulong) days),
                              (int) days);
      if (days <= SY_CERTIFICATE_WARNING_DAYS)
        style = "warning";
    }

  gtk_label_set_text (self->expiry_label, text);
  set_style (GTK_WIDGET (self->expiry_label), style);
  set_style (GTK_WIDGET (self->expiry_icon), style);
  gtk_image_set_from_icon_name (self->expiry_icon,
                                g_strcmp0 (style, "error") == 0 ? "dialog-error-symbolic" : "dialog-warning-symbolic");
  gtk_widget_set_visible (GTK_WIDGET (self->expiry_icon), style != NULL);
}

static void
show_certificate (SyCertificatePage *self)
{
  SyCertificate *certificate = self->certificate;
  const char *subject, *issuer;
  g_autofree char *common_name = NULL;
  g_autofree char *organisation = NULL;
  g_autofree char *issuer_name = NULL;
  g_autofree char *issuer_text = NULL;
  g_autofree char *not_before = NULL;
  g_autofree char *not_after = NULL;
  g_autofree char *key = NULL;
  g_auto(GStrv) problems = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  gint64 days;

  clear_problems (self);
  if (certificate == NULL)
    {
      const char *description;

      if (self->connection == NULL)
        description = _("Choose a connection to see its certificate.");
      else if (self->state == NULL)
        description = _("Certificates are kept in the state database, which could not be opened. Everything else keeps working.");
      else
        description = _("NetSuite’s machine-to-machine login needs a certificate. Generate a new key pair, or import a certificate you were given.");
      adw_status_page_set_description (self->empty_page, description);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  subject = sy_certificate_get_subject (certificate);
  issuer = sy_certificate_get_issuer (certificate);
  common_name = dn_get_attribute (subject, "CN");
  organisation = dn_get_attribute (subject, "O");
  issuer_name = dn_get_attribute (issuer, "CN");

  gtk_label_set_text (self->subject_label, common_name != NULL ? common_name : subject);
  gtk_label_set_text (self->organisation_label, organisation != NULL ? organisation : "");
  gtk_widget_set_visible (GTK_WIDGET (self->organisation_label), organisation != NULL);

  if (g_strcmp0 (subject, issuer) == 0)
    issuer_text = g_strdup (_("Self-signed"));
  else
    issuer_text = g_strdup_printf (_("Issued by %s"), issuer_name != NULL ? issuer_name : issuer);
  gtk_label_set_text (self->issuer_label, issuer_text);

  update_expiry (self, now);

  not_before = format_date (sy_certificate_get_not_before (certificate));
  not_after = format_date (sy_certificate_get_not_after (certificate));
  key = sy_certificate_describe_key (certificate);
  adw_action_row_set_subtitle (self->subject_row, subject);
  adw_action_row_set_subtitle (self->issuer_row, issuer);
  adw_action_row_set_subtitle (self->serial_row, sy_certificate_get_serial (certificate));
  adw_action_row_set_subtitle (self->not_before_row, not_before);
  adw_action_row_set_subtitle (self->not_after_row, not_after);
  adw_action_row_set_subtitle (self->key_row, key);
  adw_action_row_set_subtitle (self->signature_row, sy_certificate_get_signature_algorithm (certificate));
  adw_action_row_set_subtitle (self->fingerprint_row, sy_certificate_get_sha256_fingerprint (certificate));

  problems = sy_certificate_check_netsuite (certificate, now);
  for (guint i = 0; problems != NULL && problems[i] != NULL; i++)
    add_problem (self, problems[i], "error");
  adw_preferences_group_set_title (self->problems_group,
                                   problems != NULL && problems[0] != NULL
                                   ? _("NetSuite Will Refuse This Certificate")
                                   : _("Renew Soon"));

  /* Not a refusal yet, but logins stop on the day it runs out. */
  days = sy_certificate_get_days_left (certificate, now);
  if (days >= 0 && days <= SY_CERTIFICATE_WARNING_DAYS)
    {
      g_autofree char *warning =
        g_strdup_printf (ngettext ("The certificate expires in %d day: generate or import a new one and upload it to NetSuite before then.",
                                   "The certificate expires in %d days: generate or import a new one and upload it to NetSuite before then.",
                                   (gulong) days),
                         (int) days);
      add_problem (self, warning, "warning");
    }

  gtk_stack_set_visible_child_name (self->stack, "certificate");
}

static void
set_certificate (SyCertificatePage *self,
                 SyCertificate     *certificate)
{
  gboolean changed = g_set_object (&self->certificate, certificate);
  gboolean needs_attention;

  show_certificate (self);
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
 * Loading
 * ------------------------------------------------------------------ */

static void
certificate_loaded_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  SyCertificatePage *self = op->self;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  certificate = sy_state_store_load_certificate_finish (SY_STATE_STORE (source), result, &error);
  if (operation_is_stale (op))
    return;

  set_flag (self, &self->loading, FALSE);
  gtk_spinner_set_spinning (self->loading_spinner, FALSE);
  set_certificate (self, certificate);
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The saved certificate could not be read: %s"), error->message);

      set_error_text (self, text);
      adw_status_page_set_description (self->empty_page, text);
    }
}

static void
load_netsuite_options (SyCertificatePage *self)
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

static void
reset_login (SyCertificatePage *self)
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

  set_flag (self, &self->storing, FALSE);
  if (!saved)
    {
      g_autofree char *body = g_strdup_printf (_("The certificate could not be saved: %s"), error->message);
      show_error_dialog (self, _("Certificate Not Saved"), body);
      return;
    }

  set_error_text (self, NULL);
  reset_login (self);
  set_certificate (self, op->certificate);
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
      set_flag (self, &self->storing, FALSE);
      show_error_dialog (self, _("Certificate Not Saved"), body);
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

  set_flag (self, &self->storing, TRUE);
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

/* ---------------------------------------------------------------------
 * Importing
 * ------------------------------------------------------------------ */

static char *
file_display_name (GFile *file)
{
  g_autofree char *basename = g_file_get_basename (file);

  return g_filename_display_name (basename != NULL ? basename : "");
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
  show_error_dialog (op->self, heading, body);
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

static void
key_file_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Operation *op = user_data;
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      g_autofree char *name = file_display_name (G_FILE (source));
      g_autofree char *body = NULL;

      if (operation_is_stale (op))
        {
          operation_free (op);
          return;
        }
      body = g_strdup_printf (_("“%s” could not be read: %s"), name, error->message);
      import_fail (op, _("Private Key Not Imported"), body);
      return;
    }

  op->key_data = g_bytes_new_take (contents, length);
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
  g_file_load_contents_async (op->key_file, op->cancellable, key_file_loaded_cb, op);
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

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *patterns[])
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (chooser, filter);
}

static GtkFileChooserNative *
new_chooser (SyCertificatePage    *self,
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
  GtkFileChooserNative *chooser = new_chooser (op->self, _("Choose the Private Key"),
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
  g_autofree char *name = file_display_name (G_FILE (source));
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      g_autofree char *body = NULL;

      if (operation_is_stale (op))
        {
          operation_free (op);
          return;
        }
      body = g_strdup_printf (_("“%s” could not be read: %s"), name, error->message);
      import_fail (op, _("Certificate Not Imported"), body);
      return;
    }

  data = g_bytes_new_take (contents, length);
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
  g_file_load_contents_async (certificate_file, op->cancellable, certificate_file_loaded_cb, op);
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
  GtkFileChooserNative *chooser = new_chooser (self, _("Import Certificate"),
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
 * Exporting and copying
 * ------------------------------------------------------------------ */

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SyCertificatePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = file_display_name (G_FILE (source));

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      g_autofree char *body = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      body = g_strdup_printf (_("“%s” could not be written: %s"), name, error->message);
      show_error_dialog (self, _("Certificate Not Exported"), body);
      return;
    }

  {
    g_autofree char *title = g_strdup_printf (_("Public certificate saved as “%s”"), name);
    show_toast (self, title);
  }
}

void
sy_certificate_page_export_to_file (SyCertificatePage *self,
                                    GFile             *file)
{
  g_autoptr(GBytes) bytes = NULL;
  char *pem;

  g_return_if_fail (SY_IS_CERTIFICATE_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->certificate == NULL)
    return;

  pem = sy_certificate_to_pem (self->certificate);
  bytes = g_bytes_new_take (pem, strlen (pem));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_NONE,
                                       self->cancellable, exported_cb, g_object_ref (self));
}

static void
export_chooser_response_cb (GtkNativeDialog   *chooser,
                            int                response,
                            SyCertificatePage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        sy_certificate_page_export_to_file (self, file);
    }
  if (self->chooser == GTK_FILE_CHOOSER_NATIVE (chooser))
    g_clear_object (&self->chooser);
}

/* "Acme / Prod" → "Acme-Prod-certificate.pem": a name any file system takes. */
static char *
suggest_file_name (SyConnection *connection)
{
  GString *name = g_string_new (NULL);
  gboolean dash = FALSE;

  for (const char *p = sy_connection_get_name (connection); *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c) || c == '_' || c == '.')
        {
          g_string_append_unichar (name, c);
          dash = FALSE;
        }
      else if (!dash && name->len > 0)
        {
          g_string_append_c (name, '-');
          dash = TRUE;
        }
    }
  if (name->len > 0 && !dash)
    g_string_append_c (name, '-');
  g_string_append (name, "certificate.pem");
  return g_string_free (name, FALSE);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SyCertificatePage *self = SY_CERTIFICATE_PAGE (widget);
  static const char *pem_patterns[] = { "*.pem", "*.crt", "*.cer", NULL };
  g_autofree char *suggested = NULL;
  GtkFileChooserNative *chooser;

  if (self->certificate == NULL || self->connection == NULL)
    return;

  chooser = new_chooser (self, _("Export Public Certificate"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"));
  add_filter (GTK_FILE_CHOOSER (chooser), _("Certificates (PEM)"), pem_patterns);
  suggested = suggest_file_name (self->connection);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
copy_fingerprint_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  SyCertificatePage *self = SY_CERTIFICATE_PAGE (widget);

  if (self->certificate == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          sy_certificate_get_sha256_fingerprint (self->certificate));
  show_toast (self, _("Fingerprint copied"));
}

/* ---------------------------------------------------------------------
 * NetSuite set-up and the login test
 * ------------------------------------------------------------------ */

static void
account_changed_cb (SyCertificatePage *self)
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

static void
netsuite_apply_cb (SyCertificatePage *self)
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
  set_flag (self, &self->testing_login, FALSE);

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

static void
test_login_action (GtkWidget  *widget,
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

  reset_login (self);
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
  set_flag (self, &self->testing_login, TRUE);
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
  gtk_widget_class_bind_template_callback (widget_class, account_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, netsuite_apply_cb);

  gtk_widget_class_install_action (widget_class, "certificate.generate", NULL, generate_action);
  gtk_widget_class_install_action (widget_class, "certificate.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "certificate.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "certificate.copy-fingerprint", NULL, copy_fingerprint_action);
  gtk_widget_class_install_action (widget_class, "certificate.test-login", NULL, test_login_action);

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
  account_changed_cb (self);
  reset_login (self);
  show_certificate (self);
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
  reset_login (self);

  g_set_object (&self->connection, connection);
  g_set_object (&self->connections, connections);
  g_set_object (&self->secrets, secrets);
  g_set_object (&self->state, state);
  self->storing = FALSE;
  set_error_text (self, NULL);
  load_netsuite_options (self);
  set_certificate (self, NULL);

  if (connection == NULL)
    {
      set_flag (self, &self->loading, FALSE);
      return;
    }

  self->cancellable = g_cancellable_new ();
  if (state == NULL)
    {
      set_flag (self, &self->loading, FALSE);
      return;
    }

  set_flag (self, &self->loading, TRUE);
  gtk_spinner_set_spinning (self->loading_spinner, TRUE);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  sy_state_store_load_certificate_async (state,
                                         sy_connection_get_id (connection),
                                         self->cancellable,
                                         certificate_loaded_cb,
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

GtkEditable *
sy_certificate_page_get_account_entry (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), NULL);
  return GTK_EDITABLE (self->account_row);
}

GtkEditable *
sy_certificate_page_get_client_id_entry (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), NULL);
  return GTK_EDITABLE (self->client_id_row);
}

GtkEditable *
sy_certificate_page_get_certificate_id_entry (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), NULL);
  return GTK_EDITABLE (self->certificate_id_row);
}

GtkEditable *
sy_certificate_page_get_token_url_entry (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), NULL);
  return GTK_EDITABLE (self->token_url_row);
}

GtkWidget *
sy_certificate_page_get_test_login_button (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), NULL);
  return self->test_login_button;
}

AdwExpanderRow *
sy_certificate_page_get_details_row (SyCertificatePage *self)
{
  g_return_val_if_fail (SY_IS_CERTIFICATE_PAGE (self), NULL);
  return self->details_row;
}
