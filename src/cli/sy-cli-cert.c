/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sy-certificate.h"
#include "sy-cli-cert-private.h"
#include "sy-cli-groups.h"
#include "sy-connection-services.h"
#include "sy-error.h"
#include "sy-file.h"
#include "sy-pkcs12.h"

/* A private key generated or imported without --connection waits in the
 * keyring (and its certificate in state.db) under this prefix and the
 * certificate's SHA-256, until `cert import CERT --connection NAME` finds
 * it by the certificate and moves it under the connection. */
#define PENDING_ID_PREFIX "certificate:"

/* Far more than any passphrase; a wrong pipe (a file) is refused. */
#define PASSPHRASE_MAX_BYTES 4096

/* Public certificates are for sharing; the key never goes through here. */
#define PUBLIC_FILE_MODE 0644

#define ALL_KEY_TYPES "rsa-3072, rsa-4096, ec-p256, ec-p384, ec-p521"

SyStateStore *
sy_cli_cert_open_state_store (SyCliContext  *context,
                              GError       **error)
{
  return sy_state_store_open (sy_cli_context_get_state_dir (context), error);
}

/* --- the keyring ---------------------------------------------------- */

static char *
pending_id_for (SyCertificate *certificate)
{
  GString *id = g_string_new (PENDING_ID_PREFIX);

  for (const char *p = sy_certificate_get_sha256_fingerprint (certificate); *p != '\0'; p++)
    if (*p != ':')
      g_string_append_c (id, g_ascii_tolower (*p));

  return g_string_free (id, FALSE);
}

/* Under the connection's id when there is one, else under the pending id
 * of the certificate, until it is attached. */
static gboolean
store_key (SyCliContext   *context,
           const char     *id,
           SyConnection   *connection,
           SyCertificate  *certificate,
           SyPrivateKey   *key,
           GError        **error)
{
  SySecretStore *secrets = sy_cli_context_get_secrets (context);
  g_autoptr(GAsyncResult) result = NULL;

  if (connection != NULL)
    sy_connection_attach_key_async (secrets, connection, key,
                                    sy_cli_context_get_cancellable (context),
                                    sy_cli_store_result, &result);
  else
    sy_connection_keep_pending_key_async (secrets, id, certificate, key,
                                          sy_cli_context_get_cancellable (context),
                                          sy_cli_store_result, &result);
  sy_cli_await (&result);
  return sy_connection_attach_key_finish (result, error);
}

/* Undoing: not cancellable, as a half-undone change is worse. */
static gboolean
clear_key (SyCliContext  *context,
           const char    *id,
           GError       **error)
{
  SySecretStore *secrets = sy_cli_context_get_secrets (context);
  g_autoptr(GAsyncResult) result = NULL;

  sy_secret_store_clear_async (secrets, id, SY_SECRET_KIND_PRIVATE_KEY, NULL,
                               sy_cli_store_result, &result);
  sy_cli_await (&result);
  return sy_secret_store_clear_finish (secrets, result, error);
}

static void
clear_key_or_warn (SyCliContext *context,
                   const char   *id)
{
  g_autoptr(GError) error = NULL;

  if (!clear_key (context, id, &error))
    sy_cli_printerr (_("Could not remove a private key from the keyring: %s"), error->message);
}

/* NULL with SY_SECRET_ERROR_NOT_FOUND when there is none. */
static SyPrivateKey *
lookup_key (SyCliContext  *context,
            const char    *id,
            GError       **error)
{
  SySecretStore *secrets = sy_cli_context_get_secrets (context);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SyCliSecret) encoded = NULL;
  SyPrivateKey *key;

  sy_secret_store_lookup_async (secrets, id, SY_SECRET_KIND_PRIVATE_KEY,
                                sy_cli_context_get_cancellable (context),
                                sy_cli_store_result, &result);
  sy_cli_await (&result);
  encoded = sy_secret_store_lookup_finish (secrets, result, &local_error);
  if (encoded == NULL)
    {
      if (local_error == NULL)
        local_error = g_error_new_literal (SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND, "");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  key = sy_private_key_new_from_base64 (encoded, &local_error);
  if (key == NULL)
    g_set_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_FAILED,
                 _("The private key in the keyring could not be read: %s"), local_error->message);
  return key;
}

SyPrivateKey *
sy_cli_cert_lookup_connection_key (SyCliContext  *context,
                                   SyConnection  *connection,
                                   GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  SyPrivateKey *key;

  key = lookup_key (context, sy_connection_get_id (connection), &local_error);
  if (g_error_matches (local_error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND))
    {
      g_autofree char *quoted = sy_cli_quote_for_shell (sy_connection_get_name (connection));

      g_set_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND,
                   _("The keyring holds no private key for “%s”; generate one with “%s cert generate --type rsa-3072 --subject DN --out PUBLIC.pem --connection %s” "
                     "or import one with “%s cert import CERT.pem --key-file KEY.pem --connection %s”"),
                   sy_connection_get_name (connection), g_get_prgname (), quoted, g_get_prgname (), quoted);
      return NULL;
    }
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return key;
}

/* --- reading input -------------------------------------------------- */

static GBytes *
read_file (const char  *path,
           GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!sy_file_load_regular (path, SY_FILE_MAX_KEY_SIZE, &contents, &length, error))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

SyCertificate *
sy_cli_cert_load_certificate_file (const char  *path,
                                   GError     **error)
{
  g_autoptr(GBytes) bytes = read_file (path, error);
  g_autoptr(GError) local_error = NULL;
  SyCertificate *certificate;

  if (bytes == NULL)
    return NULL;

  certificate = sy_certificate_new_from_data (bytes, &local_error);
  if (certificate == NULL)
    {
      /* Which file, as import takes two. */
      g_set_error (error, local_error->domain, local_error->code,
                   "%s: %s", path, local_error->message);
      return NULL;
    }
  return certificate;
}

/* A passphrase: wiped before it is freed. */
typedef char SyCliPassphrase;

static void
passphrase_free (SyCliPassphrase *passphrase)
{
  if (passphrase == NULL)
    return;
  explicit_bzero (passphrase, strlen (passphrase));
  g_free (passphrase);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyCliPassphrase, passphrase_free)

/* One line from standard input, without echo on a terminal. A passphrase
 * may hold spaces: only the line ending is taken off. */
static SyCliPassphrase *
read_passphrase_from_stdin (const char  *key_path,
                            GError     **error)
{
  g_autofree char *prompt = g_strdup_printf (_("Passphrase for %s: "), key_path);
  gsize length = 0;
  char *buffer = sy_cli_read_stdin (prompt, PASSPHRASE_MAX_BYTES, &length);
  SyCliPassphrase *passphrase = NULL;

  if (length > 0 && buffer[length - 1] == '\n')
    length--;
  if (length > 0 && buffer[length - 1] == '\r')
    length--;

  if (length > PASSPHRASE_MAX_BYTES)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The data on standard input is too long to be a passphrase"));
  else if (length == 0)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("No passphrase on standard input: write the key's passphrase to standard input of “cert import … --passphrase-stdin”"));
  else if (memchr (buffer, '\0', length) != NULL || memchr (buffer, '\n', length) != NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The passphrase on standard input spans several lines; give it on one line"));
  else
    passphrase = g_strndup (buffer, length);

  sy_cli_stdin_free (buffer, PASSPHRASE_MAX_BYTES);
  return passphrase;
}

/* --- writing the public certificate --------------------------------- */

/* A temporary file next to the destination, holding the certificate, so
 * that the destination appears whole (rename) and only once the key is
 * safely in the keyring. */
static char *
write_temporary_public_file (const char  *path,
                             const char  *contents,
                             GError     **error)
{
  g_autofree char *template = g_strconcat (path, ".XXXXXX", NULL);
  gsize length = strlen (contents);
  gsize written = 0;
  int fd;

  fd = g_mkstemp_full (template, O_WRONLY | O_CLOEXEC, PUBLIC_FILE_MODE);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not write %s: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  while (written < length)
    {
      ssize_t n = write (fd, contents + written, length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved_errno = n < 0 ? errno : ENOSPC;

          close (fd);
          g_unlink (template);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not write %s: %s"), path, g_strerror (saved_errno));
          return NULL;
        }
      written += (gsize) n;
    }

  /* The umask may have taken bits away; a public certificate is for reading. */
  if (fchmod (fd, PUBLIC_FILE_MODE) != 0 || fsync (fd) != 0 || close (fd) != 0)
    {
      int saved_errno = errno;

      g_unlink (template);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not write %s: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  return g_steal_pointer (&template);
}

gboolean
sy_cli_cert_refuse_existing_file (const char *path,
                                  gboolean    force)
{
  if (!force && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      sy_cli_printerr (_("%s already exists; add --force to replace it"), path);
      return TRUE;
    }
  return FALSE;
}

static char *
describe_key_spec (SyKeySpec spec)
{
  switch (spec)
    {
    case SY_KEY_SPEC_RSA_3072:
      return g_strdup (_("Generating an RSA-3072 key…"));
    case SY_KEY_SPEC_RSA_4096:
      return g_strdup (_("Generating an RSA-4096 key…"));
    case SY_KEY_SPEC_EC_P256:
      return g_strdup (_("Generating an EC P-256 key…"));
    case SY_KEY_SPEC_EC_P384:
      return g_strdup (_("Generating an EC P-384 key…"));
    case SY_KEY_SPEC_EC_P521:
    default:
      return g_strdup (_("Generating an EC P-521 key…"));
    }
}

/* A connection's NetSuite certificate id belongs to the certificate it
 * was given for: forget it when that certificate goes. */
static void
forget_netsuite_certificate_id (SyCliContext *context,
                                SyConnection *connection)
{
  JsonObject *options = sy_connection_get_options (connection);
  JsonObject *netsuite;
  g_autoptr(GError) error = NULL;

  if (options == NULL || !json_object_has_member (options, "netsuite") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (options, "netsuite")))
    return;
  netsuite = json_object_get_object_member (options, "netsuite");
  if (!json_object_has_member (netsuite, "certificate_id"))
    return;

  json_object_remove_member (netsuite, "certificate_id");
  if (!sy_connection_store_save (sy_cli_context_get_connections (context, NULL), &error))
    sy_cli_report_error (error, _("Could not save the connections"));
}

/* --- cert generate -------------------------------------------------- */

static int
cert_generate (SyCliContext   *context,
               char         ***args)
{
  g_autofree char *type_name = NULL;
  g_autofree char *days_text = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *out = NULL;
  g_autofree char *connection_name = NULL;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "type", 0, 0, G_OPTION_ARG_STRING, &type_name,
      N_("Key type: rsa-3072, rsa-4096, ec-p256, ec-p384 or ec-p521"), N_("TYPE") },
    { "days", 0, 0, G_OPTION_ARG_STRING, &days_text,
      N_("Validity in days, at most 730 (the default; NetSuite's limit)"), N_("N") },
    { "subject", 0, 0, G_OPTION_ARG_STRING, &subject,
      N_("Subject distinguished name, e.g. \"CN=My Integration,O=Example Ltd\""), N_("DN") },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out,
      N_("Write the public certificate (PEM) to this file, for upload to NetSuite"), N_("PUBLIC.pem") },
    { "connection", 0, 0, G_OPTION_ARG_STRING, &connection_name,
      N_("Keep the key and the certificate for this connection"), N_("NAME") },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("Replace an existing --out file, and the connection's certificate and key"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SyStateStore) state = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_auto(GStrv) problems = NULL;
  g_autofree char *id = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *temporary = NULL;
  SyConnection *connection = NULL;
  gboolean replaced = FALSE;
  gboolean progress;
  guint64 days = SY_CERTIFICATE_MAX_DAYS;
  SyKeySpec spec;
  int exit_code;

  if (!sy_cli_parse_command (context, args,
                             "cert generate --type TYPE [--days N] --subject DN --out PUBLIC.pem [--connection NAME]",
                             _("Generates a key pair and a self-signed certificate for NetSuite's machine-to-machine login. "
                               "The public certificate is written to --out (mode 0644) for upload; the private key goes to the "
                               "keyring only (export it with “cert export-key” if you must).\n\n"
                               "Without --connection the key waits in the keyring under the certificate's SHA-256 fingerprint: "
                               "attach it later with “cert import PUBLIC.pem --connection NAME”.\n\n"
                               "Exit status: 0 done; 2 bad options, an existing file, no keyring."),
                             entries, 0, 0, &exit_code))
    return exit_code;

  if (type_name == NULL)
    {
      sy_cli_printerr (_("“cert generate” needs --type, one of %s"), ALL_KEY_TYPES);
      return SY_CLI_EXIT_USAGE;
    }
  if (!sy_key_spec_from_string (type_name, &spec))
    {
      sy_cli_printerr (_("Unknown key type “%s”: use one of %s"), type_name, ALL_KEY_TYPES);
      return SY_CLI_EXIT_USAGE;
    }
  if (days_text != NULL && !sy_cli_parse_count ("--days", days_text, SY_CERTIFICATE_MAX_DAYS, &days))
    return SY_CLI_EXIT_USAGE;
  if (subject == NULL || *g_strstrip (subject) == '\0')
    {
      sy_cli_printerr (_("“cert generate” needs --subject DN, e.g. --subject \"CN=My Integration,O=Example Ltd\""));
      return SY_CLI_EXIT_USAGE;
    }
  if (out == NULL)
    {
      sy_cli_printerr (_("“cert generate” needs --out PUBLIC.pem, the file the public certificate is written to"));
      return SY_CLI_EXIT_USAGE;
    }
  if (sy_cli_cert_refuse_existing_file (out, force))
    return SY_CLI_EXIT_USAGE;

  if (connection_name != NULL)
    {
      connection = sy_cli_context_find_connection (context, connection_name, &error);
      if (connection == NULL)
        return sy_cli_report_error (error, NULL);
    }

  /* Opened before the slow part: a broken database is reported at once. */
  state = sy_cli_cert_open_state_store (context, &error);
  if (state == NULL)
    return sy_cli_report_error (error, NULL);

  if (connection != NULL)
    {
      g_autoptr(SyCertificate) existing = sy_state_store_load_certificate (state, sy_connection_get_id (connection), &error);

      if (error != NULL)
        return sy_cli_report_error (error, NULL);
      if (existing != NULL && !force)
        {
          g_autofree char *quoted = sy_cli_quote_for_shell (sy_connection_get_name (connection));

          sy_cli_printerr (_("“%s” already has a certificate (SHA-256 %s); add --force to replace it and its private key "
                             "(export the key first with “%s cert export-key --connection %s --out FILE” if you may still need it)"),
                           sy_connection_get_name (connection), sy_certificate_get_sha256_fingerprint (existing),
                           g_get_prgname (), quoted);
          return SY_CLI_EXIT_USAGE;
        }
      replaced = existing != NULL;
    }

  progress = !sy_cli_context_get_json (context) && isatty (STDERR_FILENO);
  if (progress)
    {
      g_autofree char *message = describe_key_spec (spec);

      g_printerr ("%s", message);
    }
  sy_certificate_generate_async (spec, subject, (guint) days, sy_cli_context_get_cancellable (context),
                                 sy_cli_store_result, &result);
  sy_cli_await (&result);
  certificate = sy_certificate_generate_finish (result, &key, &error);
  if (progress)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
    }
  if (certificate == NULL)
    return sy_cli_report_error (error, NULL);

  pem = sy_certificate_to_pem (certificate);
  temporary = write_temporary_public_file (out, pem, &error);
  if (temporary == NULL)
    return sy_cli_report_error (error, NULL);

  if (connection != NULL)
    id = g_strdup (sy_connection_get_id (connection));
  else
    id = pending_id_for (certificate);

  /* The key first: without a keyring there is nothing to keep it in, and
   * then nothing at all is written. */
  if (!store_key (context, id, connection, certificate, key, &error))
    {
      g_unlink (temporary);
      return sy_cli_report_error (error, _("Could not keep the private key in the keyring, so nothing was written"));
    }

  if (!sy_state_store_save_certificate (state, id, certificate, &error))
    {
      g_unlink (temporary);
      clear_key_or_warn (context, id);
      return sy_cli_report_error (error, _("Could not keep the certificate, so nothing was written"));
    }

  if (g_rename (temporary, out) != 0)
    {
      int saved_errno = errno;

      g_unlink (temporary);
      clear_key_or_warn (context, id);
      sy_state_store_delete_certificate (state, id, NULL);
      sy_cli_printerr (_("Could not write %s: %s"), out, g_strerror (saved_errno));
      return SY_CLI_EXIT_USAGE;
    }

  if (replaced)
    forget_netsuite_certificate_id (context, connection);

  now = g_date_time_new_now_utc ();
  problems = sy_certificate_check_netsuite (certificate, now);

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonObject) object = sy_cli_cert_to_json (certificate, now, (const char * const *) problems);

      json_object_set_string_member (object, "out", out);
      if (connection != NULL)
        json_object_set_string_member (object, "connection", sy_connection_get_name (connection));
      else
        json_object_set_null_member (object, "connection");
      sy_cli_cert_print_json_object (object);
    }
  else
    {
      g_print (_("Generated a key pair and a self-signed certificate.\n\n"));
      sy_cli_cert_print_certificate (certificate, now, (const char * const *) problems);
      g_print ("\n");
      g_print (_("The public certificate is in %s: upload it to NetSuite.\n"), out);
      if (connection != NULL)
        g_print (_("The private key is in the keyring, for “%s”.\n"), sy_connection_get_name (connection));
      else
        {
          g_autofree char *quoted = sy_cli_quote_for_shell (out);

          g_print (_("The private key is in the keyring. Attach it to a connection with “%s cert import %s --connection NAME”.\n"),
                   g_get_prgname (), quoted);
        }
    }
  sy_cli_cert_warn_about_problems ((const char * const *) problems);

  return SY_CLI_EXIT_OK;
}

/* --- cert import ---------------------------------------------------- */

typedef enum
{
  KEY_NONE,      /* the certificate alone */
  KEY_STORED,    /* from --key-file */
  KEY_ATTACHED,  /* waiting in the keyring since `cert generate`, now the connection's */
  KEY_KEPT,      /* the connection already had this certificate's key */
} KeyOutcome;

static const char *
key_outcome_id (KeyOutcome outcome)
{
  switch (outcome)
    {
    case KEY_STORED:
      return "stored";
    case KEY_ATTACHED:
      return "attached";
    case KEY_KEPT:
      return "kept";
    case KEY_NONE:
    default:
      return "none";
    }
}

/* The certificate and key of a PKCS#12 bundle, or NULL in *out_certificate
 * with the problem reported and the exit status returned. */
static int
import_pkcs12 (const char     *path,
               GBytes         *bytes,
               gboolean        passphrase_stdin,
               SyCertificate **out_certificate,
               SyPrivateKey  **out_key)
{
  g_autoptr(SyCliPassphrase) passphrase = NULL;
  g_autoptr(GError) error = NULL;

  if (passphrase_stdin)
    {
      passphrase = read_passphrase_from_stdin (path, &error);
      if (passphrase == NULL)
        return sy_cli_report_error (error, NULL);
    }

  *out_certificate = sy_pkcs12_import (bytes, passphrase, out_key, &error);
  if (*out_certificate != NULL)
    return SY_CLI_EXIT_OK;

  if (g_error_matches (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_BAD_PASSPHRASE) && passphrase == NULL)
    {
      g_autofree char *reason = sy_cli_describe_error (error);

      sy_cli_printerr (_("%s: %s; add --passphrase-stdin and write the passphrase to standard input"),
                       path, reason);
      return SY_CLI_EXIT_USAGE;
    }
  return sy_cli_report_error (error, path);
}

static int
cert_import (SyCliContext   *context,
             char         ***args)
{
  g_autofree char *key_file = NULL;
  g_autofree char *connection_name = NULL;
  gboolean passphrase_stdin = FALSE;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "key-file", 0, 0, G_OPTION_ARG_FILENAME, &key_file,
      N_("The certificate's private key (PEM or DER; PKCS#8, PKCS#1 or SEC1; encrypted or not)"), N_("KEY.pem") },
    { "passphrase-stdin", 0, 0, G_OPTION_ARG_NONE, &passphrase_stdin,
      N_("Read the passphrase of an encrypted --key-file, or of a PKCS#12 FILE, from standard input"), NULL },
    { "connection", 0, 0, G_OPTION_ARG_STRING, &connection_name,
      N_("Keep the certificate (and key) for this connection"), N_("NAME") },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("Replace the connection's certificate and key when it has others"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(SyStateStore) state = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_auto(GStrv) problems = NULL;
  g_autofree char *pending_id = NULL;
  g_autofree char *id = NULL;
  SyConnection *connection = NULL;
  KeyOutcome key_outcome = KEY_NONE;
  gboolean clear_stale_key = FALSE;
  gboolean replaced = FALSE;
  gboolean stored = FALSE;
  const char *path;
  int exit_code;

  if (!sy_cli_parse_command (context, args, "cert import FILE [--key-file KEY.pem] [--passphrase-stdin] [--connection NAME]",
                             _("Imports a certificate (PEM or DER) and optionally its private key, or a PKCS#12 bundle "
                               "(.p12, .pfx) holding both, checks it against NetSuite's rules and keeps it: the certificate "
                               "in the state database, the key in the keyring. The passphrase of a bundle is read from "
                               "standard input with --passphrase-stdin.\n\n"
                               "A certificate NetSuite would refuse (RSA-2048, valid over 730 days, expired…) is still "
                               "imported: each problem is printed as a warning and the exit status stays 0. A key that does "
                               "not belong to the certificate, or a wrong passphrase, stores nothing.\n\n"
                               "Without --key-file, a key made by “cert generate” for this certificate is found in the keyring "
                               "and attached to the connection. Without --connection, a certificate and key wait in the keyring "
                               "to be attached later the same way; a certificate alone is only checked.\n\n"
                               "Exit status: 0 imported (possibly with warnings); 2 unreadable input, wrong key or passphrase, "
                               "no keyring."),
                             entries, 1, 1, &exit_code))
    return exit_code;
  path = (*args)[1];

  bytes = read_file (path, &error);
  if (bytes == NULL)
    return sy_cli_report_error (error, NULL);
  if (sy_pkcs12_detect (bytes))
    {
      if (key_file != NULL)
        {
          sy_cli_printerr (_("%s is a PKCS#12 bundle, which holds its own private key: leave out --key-file"), path);
          return SY_CLI_EXIT_USAGE;
        }
      exit_code = import_pkcs12 (path, bytes, passphrase_stdin, &certificate, &key);
      if (certificate == NULL)
        return exit_code;
      if (key != NULL)
        key_outcome = KEY_STORED;
    }
  else if (passphrase_stdin && key_file == NULL)
    {
      sy_cli_printerr (_("--passphrase-stdin is the passphrase of --key-file or of a PKCS#12 bundle, and neither was given"));
      return SY_CLI_EXIT_USAGE;
    }
  else
    {
      certificate = sy_cli_cert_load_certificate_file (path, &error);
      if (certificate == NULL)
        return sy_cli_report_error (error, NULL);
    }

  if (key_file != NULL)
    {
      g_autoptr(GBytes) key_bytes = read_file (key_file, &error);
      g_autoptr(SyCliPassphrase) passphrase = NULL;

      if (key_bytes == NULL)
        return sy_cli_report_error (error, NULL);
      if (passphrase_stdin)
        {
          passphrase = read_passphrase_from_stdin (key_file, &error);
          if (passphrase == NULL)
            return sy_cli_report_error (error, NULL);
        }

      key = sy_private_key_new_from_data (key_bytes, passphrase, &error);
      if (key == NULL)
        {
          if (g_error_matches (error, SY_CERTIFICATE_ERROR, SY_CERTIFICATE_ERROR_BAD_PASSPHRASE) && passphrase == NULL)
            {
              g_autofree char *reason = sy_cli_describe_error (error);

              sy_cli_printerr (_("%s: %s; add --passphrase-stdin and write the passphrase to standard input"),
                               key_file, reason);
              return SY_CLI_EXIT_USAGE;
            }
          return sy_cli_report_error (error, key_file);
        }

      if (!sy_certificate_matches_key (certificate, key))
        {
          sy_cli_printerr (_("The private key in %s does not belong to the certificate in %s, so nothing was stored"),
                           key_file, path);
          return SY_CLI_EXIT_USAGE;
        }
      key_outcome = KEY_STORED;
    }

  if (connection_name != NULL)
    {
      connection = sy_cli_context_find_connection (context, connection_name, &error);
      if (connection == NULL)
        return sy_cli_report_error (error, NULL);
    }

  pending_id = pending_id_for (certificate);
  now = g_date_time_new_now_utc ();
  problems = sy_certificate_check_netsuite (certificate, now);

  if (connection == NULL && key == NULL)
    {
      /* A certificate alone is worth nothing without a connection: it is
       * checked and shown, and nothing is stored. */
      stored = FALSE;
      goto report;
    }

  state = sy_cli_cert_open_state_store (context, &error);
  if (state == NULL)
    return sy_cli_report_error (error, NULL);

  if (connection != NULL)
    {
      g_autoptr(SyCertificate) existing = NULL;
      g_autoptr(SyPrivateKey) connection_key = NULL;
      g_autoptr(GError) lookup_error = NULL;
      gboolean same;

      id = g_strdup (sy_connection_get_id (connection));
      existing = sy_state_store_load_certificate (state, id, &error);
      if (error != NULL)
        return sy_cli_report_error (error, NULL);
      same = existing != NULL &&
             g_strcmp0 (sy_certificate_get_sha256_fingerprint (existing),
                        sy_certificate_get_sha256_fingerprint (certificate)) == 0;
      if (existing != NULL && !same && !force)
        {
          sy_cli_printerr (_("“%s” already has another certificate (SHA-256 %s); add --force to replace it and its private key"),
                           sy_connection_get_name (connection), sy_certificate_get_sha256_fingerprint (existing));
          return SY_CLI_EXIT_USAGE;
        }
      replaced = existing != NULL && !same;

      if (key == NULL)
        {
          key = lookup_key (context, pending_id, &lookup_error);
          if (key != NULL)
            key_outcome = KEY_ATTACHED;
          else if (!g_error_matches (lookup_error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND))
            {
              /* The certificate is useful without its key (to show, to
               * check): a keyring that cannot be asked does not stop it. */
              sy_cli_printerr (_("Could not look for the certificate's private key in the keyring: %s"),
                               lookup_error->message);
              g_clear_error (&lookup_error);
            }
          else
            {
              g_clear_error (&lookup_error);
              connection_key = lookup_key (context, id, &lookup_error);
              if (connection_key != NULL && sy_certificate_matches_key (certificate, connection_key))
                key_outcome = KEY_KEPT;
              else if (connection_key != NULL)
                {
                  if (!force)
                    {
                      sy_cli_printerr (_("“%s” has a private key in the keyring that does not belong to this certificate; "
                                         "give the certificate's key with --key-file, or add --force to remove the old key"),
                                       sy_connection_get_name (connection));
                      return SY_CLI_EXIT_USAGE;
                    }
                  clear_stale_key = TRUE;
                }
            }
        }
    }
  else
    id = g_strdup (pending_id);

  if (key_outcome == KEY_STORED || key_outcome == KEY_ATTACHED)
    {
      if (!store_key (context, id, connection, certificate, key, &error))
        return sy_cli_report_error (error, _("Could not keep the private key in the keyring, so nothing was stored"));
    }

  if (!sy_state_store_save_certificate (state, id, certificate, &error))
    {
      if (key_outcome == KEY_STORED || key_outcome == KEY_ATTACHED)
        clear_key_or_warn (context, id);
      return sy_cli_report_error (error, _("Could not keep the certificate, so nothing was stored"));
    }
  stored = TRUE;

  if (clear_stale_key)
    clear_key_or_warn (context, id);
  if (connection != NULL && (key_outcome == KEY_ATTACHED || key_outcome == KEY_STORED))
    {
      g_autoptr(GError) delete_error = NULL;

      /* Moved, not copied: one key, in one place. A copy of this pair that
       * waited for a connection (imported or generated without one) is
       * not needed any more either. */
      clear_key_or_warn (context, pending_id);
      if (!sy_state_store_delete_certificate (state, pending_id, &delete_error))
        sy_cli_report_error (delete_error, NULL);
    }
  if (replaced)
    forget_netsuite_certificate_id (context, connection);

report:
  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonObject) object = sy_cli_cert_to_json (certificate, now, (const char * const *) problems);

      if (connection != NULL)
        json_object_set_string_member (object, "connection", sy_connection_get_name (connection));
      else
        json_object_set_null_member (object, "connection");
      json_object_set_boolean_member (object, "stored", stored);
      json_object_set_string_member (object, "private_key", key_outcome_id (key_outcome));
      sy_cli_cert_print_json_object (object);
    }
  else
    {
      if (connection != NULL)
        {
          const char *name = sy_connection_get_name (connection);

          switch (key_outcome)
            {
            case KEY_STORED:
              g_print (_("Imported the certificate and its private key for “%s”.\n\n"), name);
              break;
            case KEY_ATTACHED:
              g_print (_("Imported the certificate for “%s” and attached its private key from the keyring.\n\n"), name);
              break;
            case KEY_KEPT:
              g_print (_("Imported the certificate for “%s”; its private key was already in the keyring.\n\n"), name);
              break;
            case KEY_NONE:
            default:
              g_print (_("Imported the certificate for “%s”, without a private key (add --key-file KEY.pem to sign NetSuite logins).\n\n"),
                       name);
              break;
            }
        }
      else if (stored)
        {
          g_autofree char *quoted = sy_cli_quote_for_shell (path);

          g_print (_("Kept the certificate and its private key. Attach them to a connection with “%s cert import %s --connection NAME”.\n\n"),
                   g_get_prgname (), quoted);
        }
      else
        g_print (_("Checked the certificate; nothing was stored (add --connection NAME to keep it for a connection).\n\n"));
      sy_cli_cert_print_certificate (certificate, now, (const char * const *) problems);
    }
  sy_cli_cert_warn_about_problems ((const char * const *) problems);

  return SY_CLI_EXIT_OK;
}

static const SyCliCommand cert_commands[] = {
  { "generate", N_("Generate a key pair and a self-signed certificate"), cert_generate },
  { "import", N_("Import a certificate and optionally its private key"), cert_import },
  { "show", N_("Show a certificate and check it against NetSuite's rules"), sy_cli_cert_show },
  { "export-key", N_("Write a connection's private key to a 0600 file"), sy_cli_cert_export_key },
  { NULL }
};

int
sy_cli_cert_run (SyCliContext  *context,
                 char         **args)
{
  return sy_cli_run_group (context, "cert", N_("Generate, import, show and export certificates"),
                           cert_commands, args);
}
