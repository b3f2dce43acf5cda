/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-certificate.h"
#include "sy-cli-cert-private.h"
#include "sy-cli-command.h"
#include "sy-connection-services.h"
#include "sy-error.h"

/* `cert show` and `cert export-key`, and how a certificate is shown
 * (also after `cert generate` and `cert import`). */

/* --- showing a certificate ------------------------------------------ */

static const char *
key_type_id (SyKeyType type)
{
  switch (type)
    {
    case SY_KEY_TYPE_RSA:
      return "rsa";
    case SY_KEY_TYPE_EC:
      return "ec";
    case SY_KEY_TYPE_UNKNOWN:
    default:
      return "unknown";
    }
}

static char *
format_date (GDateTime *date)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (date);

  return g_date_time_format (utc, "%Y-%m-%d %H:%M:%S UTC");
}

static char *
format_iso8601 (GDateTime *date)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (date);

  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

static char *
describe_days_left (gint64 days_left)
{
  gint64 days = days_left >= 0 ? days_left : -days_left;
  g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, days);
  gulong plural = (gulong) MIN (days, (gint64) G_MAXLONG);

  if (days_left >= 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s day left", "%s days left", plural), count);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "expired %s day ago", "expired %s days ago", plural), count);
}

JsonObject *
sy_cli_cert_to_json (SyCertificate      *certificate,
                     GDateTime          *now,
                     const char * const *problems)
{
  JsonObject *object = json_object_new ();
  g_autofree char *not_before = format_iso8601 (sy_certificate_get_not_before (certificate));
  g_autofree char *not_after = format_iso8601 (sy_certificate_get_not_after (certificate));
  const char *curve = sy_certificate_get_curve (certificate);
  JsonArray *problem_array = json_array_new ();

  json_object_set_string_member (object, "subject", sy_certificate_get_subject (certificate));
  json_object_set_string_member (object, "issuer", sy_certificate_get_issuer (certificate));
  json_object_set_string_member (object, "serial", sy_certificate_get_serial (certificate));
  json_object_set_string_member (object, "not_before", not_before);
  json_object_set_string_member (object, "not_after", not_after);
  json_object_set_int_member (object, "days_left", sy_certificate_get_days_left (certificate, now));
  json_object_set_string_member (object, "key_type", key_type_id (sy_certificate_get_key_type (certificate)));
  json_object_set_int_member (object, "key_bits", sy_certificate_get_key_bits (certificate));
  if (curve != NULL)
    json_object_set_string_member (object, "curve", curve);
  else
    json_object_set_null_member (object, "curve");
  json_object_set_string_member (object, "signature_algorithm", sy_certificate_get_signature_algorithm (certificate));
  json_object_set_string_member (object, "sha256_fingerprint", sy_certificate_get_sha256_fingerprint (certificate));
  for (gsize i = 0; problems != NULL && problems[i] != NULL; i++)
    json_array_add_string_element (problem_array, problems[i]);
  json_object_set_array_member (object, "netsuite_problems", problem_array);

  return object;
}

void
sy_cli_cert_print_json_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  sy_cli_print_json (node, FALSE);
}

static void
append_field (GString    *text,
              const char *label,
              const char *value)
{
  const int width = 21;
  int length = (int) g_utf8_strlen (label, -1);

  g_string_append (text, label);
  g_string_append_c (text, ':');
  for (int i = length + 1; i < width; i++)
    g_string_append_c (text, ' ');
  g_string_append_printf (text, " %s\n", value);
}

/* What GNOME's certificate viewer shows, then NetSuite's verdict. */
void
sy_cli_cert_print_certificate (SyCertificate      *certificate,
                               GDateTime          *now,
                               const char * const *problems)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *not_before = format_date (sy_certificate_get_not_before (certificate));
  g_autofree char *not_after = format_date (sy_certificate_get_not_after (certificate));
  g_autofree char *days_left = describe_days_left (sy_certificate_get_days_left (certificate, now));
  g_autofree char *not_after_line = g_strdup_printf ("%s (%s)", not_after, days_left);
  g_autofree char *key = sy_certificate_describe_key (certificate);

  append_field (text, _("Subject"), sy_certificate_get_subject (certificate));
  append_field (text, _("Issuer"), sy_certificate_get_issuer (certificate));
  append_field (text, _("Serial number"), sy_certificate_get_serial (certificate));
  append_field (text, _("Not valid before"), not_before);
  append_field (text, _("Not valid after"), not_after_line);
  append_field (text, _("Public key"), key);
  append_field (text, _("Signature algorithm"), sy_certificate_get_signature_algorithm (certificate));
  append_field (text, _("SHA-256 fingerprint"), sy_certificate_get_sha256_fingerprint (certificate));

  if (problems == NULL || problems[0] == NULL)
    append_field (text, _("NetSuite"), _("meets NetSuite's requirements"));
  else
    {
      append_field (text, _("NetSuite"), _("does not meet NetSuite's requirements:"));
      for (gsize i = 0; problems[i] != NULL; i++)
        g_string_append_printf (text, "  – %s\n", problems[i]);
    }

  g_print ("%s", text->str);
}

/* Import and generate succeed with a certificate NetSuite would refuse
 * (it may be meant for something else), but say so where it is seen. */
void
sy_cli_cert_warn_about_problems (const char * const *problems)
{
  for (gsize i = 0; problems != NULL && problems[i] != NULL; i++)
    sy_cli_printerr (_("Warning: %s"), problems[i]);
}

/* --- cert show ------------------------------------------------------ */

int
sy_cli_cert_show (SyCliContext   *context,
                  char         ***args)
{
  g_autofree char *connection_name = NULL;
  const GOptionEntry entries[] = {
    { "connection", 0, 0, G_OPTION_ARG_STRING, &connection_name,
      N_("Show the certificate kept for this connection"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_auto(GStrv) problems = NULL;
  SyConnection *connection = NULL;
  int exit_code;

  if (!sy_cli_parse_command (context, args, "cert show FILE | --connection NAME",
                             _("Shows a certificate (a PEM or DER file, or the one kept for a connection) and checks it "
                               "against NetSuite's rules.\n\n"
                               "Exit status: 0 shown, even when NetSuite would refuse it (the problems are listed); "
                               "2 unreadable input, or no certificate for the connection."),
                             entries, 0, 1, &exit_code))
    return exit_code;

  if ((connection_name == NULL) == ((*args)[1] == NULL))
    {
      sy_cli_printerr (_("Give either a FILE or --connection NAME: usage is “%s cert show FILE | --connection NAME”"),
                       g_get_prgname ());
      return SY_CLI_EXIT_USAGE;
    }

  if (connection_name != NULL)
    {
      g_autoptr(SyStateStore) state = NULL;

      connection = sy_cli_context_find_connection (context, connection_name, &error);
      if (connection == NULL)
        return sy_cli_report_error (error, NULL);
      state = sy_cli_cert_open_state_store (context, &error);
      if (state == NULL)
        return sy_cli_report_error (error, NULL);
      certificate = sy_state_store_load_certificate (state, sy_connection_get_id (connection), &error);
      if (error != NULL)
        return sy_cli_report_error (error, NULL);
      if (certificate == NULL)
        {
          g_autofree char *quoted = sy_cli_quote_for_shell (sy_connection_get_name (connection));

          sy_cli_printerr (_("“%s” has no certificate; generate one with “%s cert generate … --connection %s” or import one with “%s cert import FILE --connection %s”"),
                           sy_connection_get_name (connection), g_get_prgname (), quoted, g_get_prgname (), quoted);
          return SY_CLI_EXIT_USAGE;
        }
    }
  else
    {
      certificate = sy_cli_cert_load_certificate_file ((*args)[1], &error);
      if (certificate == NULL)
        return sy_cli_report_error (error, NULL);
    }

  now = g_date_time_new_now_utc ();
  problems = sy_certificate_check_netsuite (certificate, now);

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonObject) object = sy_cli_cert_to_json (certificate, now, (const char * const *) problems);

      if (connection != NULL)
        json_object_set_string_member (object, "connection", sy_connection_get_name (connection));
      sy_cli_cert_print_json_object (object);
    }
  else
    sy_cli_cert_print_certificate (certificate, now, (const char * const *) problems);

  return SY_CLI_EXIT_OK;
}

/* --- cert export-key ------------------------------------------------ */

int
sy_cli_cert_export_key (SyCliContext   *context,
                        char         ***args)
{
  g_autofree char *connection_name = NULL;
  g_autofree char *out = NULL;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "connection", 0, 0, G_OPTION_ARG_STRING, &connection_name,
      N_("The connection whose private key to export"), N_("NAME") },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out,
      N_("Write the private key (unencrypted PKCS#8 PEM, mode 0600) to this file"), N_("FILE") },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("Replace an existing file"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  SyConnection *connection;
  int exit_code;

  if (!sy_cli_parse_command (context, args, "cert export-key --connection NAME --out FILE",
                             _("Writes a connection's private key from the keyring to a file only you can read (mode 0600). "
                               "Anyone with this file can log in as the integration: keep it safe, delete it when done.\n\n"
                               "Exit status: 0 written; 2 no such connection, no key, an existing file, no keyring."),
                             entries, 0, 0, &exit_code))
    return exit_code;

  if (connection_name == NULL || out == NULL)
    {
      sy_cli_printerr (_("Missing arguments: usage is “%s cert export-key --connection NAME --out FILE”"),
                       g_get_prgname ());
      return SY_CLI_EXIT_USAGE;
    }

  connection = sy_cli_context_find_connection (context, connection_name, &error);
  if (connection == NULL)
    return sy_cli_report_error (error, NULL);
  if (sy_cli_cert_refuse_existing_file (out, force))
    return SY_CLI_EXIT_USAGE;

  key = sy_cli_cert_lookup_connection_key (context, connection, &error);
  if (key == NULL)
    return sy_cli_report_error (error, NULL);

  if (!sy_private_key_export (key, out, &error))
    return sy_cli_report_error (error, NULL);

  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_string_member (object, "connection", sy_connection_get_name (connection));
      json_object_set_string_member (object, "out", out);
      json_object_set_string_member (object, "mode", "0600");
      sy_cli_cert_print_json_object (object);
    }
  else
    g_print (_("Wrote the private key of “%s” to %s (readable by you only). Anyone with this file can log in as the integration: delete it when done.\n"),
             sy_connection_get_name (connection), out);

  return SY_CLI_EXIT_OK;
}
