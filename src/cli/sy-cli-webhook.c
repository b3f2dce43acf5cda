/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "sy-cli-groups.h"
#include "sy-file.h"
#include "sy-webhook-signature.h"

/* Far above any webhook secret, small enough that a wrong pipe (a file,
 * a binary) is refused instead of read whole. */
#define SECRET_MAX_BYTES (64 * 1024)

/* The webhook secret comes from standard input and nowhere else: argv and
 * the environment are visible to other processes and end up in shell
 * history. A secret may hold spaces; only one line ending is taken off.
 * Returns NULL with *error set when there is none or it cannot be one;
 * free the result with sy_secret_free(). */
static SyCliSecret *
read_secret_from_stdin (const char  *command,
                        GError     **error)
{
  char *buffer = g_malloc0 (SECRET_MAX_BYTES + 2);
  SyCliSecret *secret = NULL;
  gsize length = 0;

  if (isatty (STDIN_FILENO))
    {
      struct termios saved, quiet;
      gboolean restore = FALSE;

      g_printerr ("%s", _("Webhook secret: "));
      if (tcgetattr (STDIN_FILENO, &saved) == 0)
        {
          quiet = saved;
          quiet.c_lflag &= ~(tcflag_t) ECHO;
          quiet.c_lflag |= ECHONL;
          restore = tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
      if (fgets (buffer, SECRET_MAX_BYTES + 2, stdin) != NULL)
        length = strlen (buffer);
      if (restore)
        tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
    }
  else
    {
      ssize_t n;

      while (length < SECRET_MAX_BYTES + 1 &&
             (n = read (STDIN_FILENO, buffer + length, SECRET_MAX_BYTES + 1 - length)) != 0)
        {
          if (n < 0)
            {
              if (errno == EINTR)
                continue;
              break;
            }
          length += (gsize) n;
        }
    }

  if (length > 0 && buffer[length - 1] == '\n')
    length--;
  if (length > 0 && buffer[length - 1] == '\r')
    length--;

  if (length > SECRET_MAX_BYTES)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The data on standard input is too long to be a webhook secret"));
  else if (length == 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("No webhook secret on standard input: write it to standard input of “%s … --secret-stdin”"),
                 command);
  else if (memchr (buffer, '\0', length) != NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The webhook secret on standard input holds a NUL byte"));
  else
    {
      secret = g_malloc (length + 1);
      memcpy (secret, buffer, length);
      secret[length] = '\0';
    }

  explicit_bzero (buffer, SECRET_MAX_BYTES + 2);
  g_free (buffer);
  return secret;
}

static gboolean
parse_scheme (const char      *text,
              SyWebhookScheme *scheme)
{
  if (sy_webhook_scheme_from_string (text, scheme))
    return TRUE;
  sy_cli_printerr (_("“%s” is not a webhook signature scheme: use makini, merge, rutter or apideck"), text);
  return FALSE;
}

static void
print_verdict (SyCliContext    *context,
               SyWebhookScheme  scheme,
               const GError    *error)
{
  if (sy_cli_context_get_json (context))
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();

      json_object_set_boolean_member (object, "valid", error == NULL);
      json_object_set_string_member (object, "scheme", sy_webhook_scheme_to_string (scheme));
      if (error != NULL)
        json_object_set_string_member (object, "reason", error->message);
      else
        json_object_set_null_member (object, "reason");
      json_node_take_object (node, object);
      sy_cli_print_json (node, FALSE);
    }
  else if (error == NULL)
    g_print ("%s\n", _("signature matches"));
  else
    g_print (_("signature does not match: %s\n"), error->message);
}

static int
webhook_verify (SyCliContext   *context,
                char         ***args)
{
  g_autofree char *scheme_name = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *body_path = NULL;
  g_autofree char *timestamp = NULL;
  g_autofree char *tolerance_text = NULL;
  gboolean secret_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "scheme", 0, 0, G_OPTION_ARG_STRING, &scheme_name,
      N_("How the signature is encoded: makini, merge, rutter or apideck"), N_("SCHEME") },
    { "signature", 0, 0, G_OPTION_ARG_STRING, &signature,
      N_("The signature header's value, as received"), N_("SIG") },
    { "body", 0, 0, G_OPTION_ARG_FILENAME, &body_path,
      N_("A file holding the delivery's raw body, byte for byte"), N_("FILE") },
    { "secret-stdin", 0, 0, G_OPTION_ARG_NONE, &secret_stdin,
      N_("Read the webhook secret from standard input (required)"), NULL },
    { "timestamp", 0, 0, G_OPTION_ARG_STRING, &timestamp,
      N_("The delivery's timestamp (Unix seconds or milliseconds, or ISO 8601), checked against --tolerance"),
      N_("TIME") },
    { "tolerance", 0, 0, G_OPTION_ARG_STRING, &tolerance_text,
      N_("How far --timestamp may be from now (default 300)"), N_("SECONDS") },
    { NULL }
  };
  g_autoptr(SyCliSecret) secret = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *stripped = NULL;
  SyWebhookScheme scheme;
  guint64 tolerance = 300;
  gsize length = 0;
  int exit_code;

  if (!sy_cli_parse_command (context, args,
                             "webhook verify --scheme S --signature SIG --body FILE --secret-stdin",
                             _("Checks a webhook delivery's signature: the HMAC-SHA256 of the body with the secret, "
                               "encoded as the scheme says (makini: base64; merge: base64url without padding; "
                               "rutter: “sha256=” and base64; apideck: base64 of the body with its keys sorted). "
                               "The secret is read from standard input, never from the command line.\n\n"
                               "Prints “signature matches” or “signature does not match” and why; with --json "
                               "{\"valid\", \"scheme\", \"reason\"}.\n\n"
                               "Exit status: 0 the signature matches; 1 it does not (a wrong value, a signature "
                               "that is not in the scheme's encoding, a timestamp outside the tolerance); 2 bad "
                               "input: an unknown scheme, a missing option, an empty signature or secret, a body "
                               "that cannot be read or is larger than 1 MiB."),
                             entries, 0, 0, &exit_code))
    return exit_code;

  if (scheme_name == NULL || signature == NULL || body_path == NULL || !secret_stdin)
    {
      sy_cli_printerr (_("“webhook verify” needs %s"),
                       scheme_name == NULL ? "--scheme S" :
                       signature == NULL ? "--signature SIG" :
                       body_path == NULL ? "--body FILE" : "--secret-stdin");
      return SY_CLI_EXIT_USAGE;
    }
  if (!parse_scheme (scheme_name, &scheme))
    return SY_CLI_EXIT_USAGE;
  stripped = g_strstrip (g_strdup (signature));
  if (*stripped == '\0')
    {
      sy_cli_printerr (_("The signature is empty: give the signature header's value with --signature"));
      return SY_CLI_EXIT_USAGE;
    }
  if (tolerance_text != NULL &&
      !sy_cli_parse_count ("--tolerance", tolerance_text, G_MAXINT32, &tolerance))
    return SY_CLI_EXIT_USAGE;

  if (!sy_file_load_regular (body_path, SY_WEBHOOK_MAX_BODY, &contents, &length, &error))
    {
      g_autofree char *shown = g_filename_display_name (body_path);

      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_FAILED))
        sy_cli_printerr (_("%s: the body is larger than 1 MiB, more than any delivery is allowed"), shown);
      else
        sy_cli_printerr ("%s", error->message);
      return SY_CLI_EXIT_USAGE;
    }
  body = g_bytes_new_take (g_steal_pointer (&contents), length);

  secret = read_secret_from_stdin ("webhook verify", &error);
  if (secret == NULL)
    {
      sy_cli_printerr ("%s", error->message);
      return SY_CLI_EXIT_USAGE;
    }

  if (sy_webhook_verify (scheme, secret, body, signature, timestamp,
                         g_get_real_time () / G_USEC_PER_SEC, (gint64) tolerance, &error))
    {
      print_verdict (context, scheme, NULL);
      return SY_CLI_EXIT_OK;
    }

  /* A signature that is there but wrong, in any way, is the verdict the
   * developer asked for; only a check that could not be made is bad input. */
  if (g_error_matches (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_TOO_LARGE) ||
      (g_error_matches (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MALFORMED) && timestamp != NULL &&
       sy_webhook_verify (scheme, secret, body, signature, NULL, 0, 0, NULL)))
    {
      /* The second case: a genuine signature with a --timestamp that is
       * not a time. */
      sy_cli_printerr ("%s", error->message);
      return SY_CLI_EXIT_USAGE;
    }
  print_verdict (context, scheme, error);
  return SY_CLI_EXIT_RECORDS_FAILED;
}

/* The `webhook` group's commands; `secret` and `listen` join them here. */
static const SyCliCommand webhook_commands[] = {
  { "verify", N_("Check a webhook delivery's signature"), webhook_verify },
  { NULL }
};

int
sy_cli_webhook_run (SyCliContext  *context,
                    char         **args)
{
  return sy_cli_run_group (context, "webhook", N_("Check webhook signatures"),
                           webhook_commands, args);
}
