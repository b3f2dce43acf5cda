/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sy-cli-context.h"
#include "sy-error.h"
#include "sy-connection-services.h"
#include "sy-paths.h"

/* Long enough for a keyring that starts on first use, short enough that
 * an unlock prompt nobody sees does not hang a script. */
#define SECRET_TIMEOUT_MS 20000

struct _SyCliContext
{
  char              *config_dir;
  char              *state_dir;
  gboolean           json;

  GOptionEntry      *global_entries;

  SyConnectionStore *connections;
  SySecretStore     *secrets;
  GCancellable      *cancellable;
  guint              sigint_source;
  guint              sigterm_source;
  SyCliInterruptFunc interrupt_func;
  gpointer           interrupt_data;
};

static gboolean
set_config_dir (const char  *option_name,
                const char  *value,
                gpointer     data,
                GError     **error)
{
  SyCliContext *self = data;

  g_free (self->config_dir);
  self->config_dir = g_strdup (value);
  return TRUE;
}

static gboolean
set_state_dir (const char  *option_name,
               const char  *value,
               gpointer     data,
               GError     **error)
{
  SyCliContext *self = data;

  g_free (self->state_dir);
  self->state_dir = g_strdup (value);
  return TRUE;
}

static gboolean
set_json (const char  *option_name,
          const char  *value,
          gpointer     data,
          GError     **error)
{
  SyCliContext *self = data;

  self->json = TRUE;
  return TRUE;
}

/* The first Ctrl+C cancels what is running so that the command can stop
 * cleanly (or, when the command asked for it, tells the command to wind
 * down gently, and the next one cancels); the handler then goes, so that
 * one more ends the program at once should anything not stop. */
static gboolean
handle_signal (SyCliContext *self,
               guint        *source)
{
  SyCliInterruptFunc interrupt_func = self->interrupt_func;

  if (interrupt_func != NULL)
    {
      self->interrupt_func = NULL;
      interrupt_func (self->interrupt_data);
      return G_SOURCE_CONTINUE;
    }

  *source = 0;
  g_cancellable_cancel (self->cancellable);
  return G_SOURCE_REMOVE;
}

static gboolean
cancel_on_sigint (gpointer user_data)
{
  SyCliContext *self = user_data;

  return handle_signal (self, &self->sigint_source);
}

static gboolean
cancel_on_sigterm (gpointer user_data)
{
  SyCliContext *self = user_data;

  return handle_signal (self, &self->sigterm_source);
}

SyCliContext *
sy_cli_context_new (void)
{
  SyCliContext *self = g_new0 (SyCliContext, 1);
  /* Callbacks rather than plain strings: the options may be parsed twice
   * (before and after the command) and a callback can free the old value. */
  const GOptionEntry entries[] = {
    { "config-dir", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK, set_config_dir,
      N_("Read and write the configuration (connections, mappings) in DIR"), N_("DIR") },
    { "state-dir", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK, set_state_dir,
      N_("Keep the state database (runs, checkpoints) in DIR"), N_("DIR") },
    { "json", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, set_json,
      N_("Print machine-readable JSON"), NULL },
    { NULL }
  };

  self->global_entries = g_memdup2 (entries, sizeof entries);
  self->cancellable = g_cancellable_new ();
  self->sigint_source = g_unix_signal_add (SIGINT, cancel_on_sigint, self);
  self->sigterm_source = g_unix_signal_add (SIGTERM, cancel_on_sigterm, self);

  return self;
}

void
sy_cli_context_free (SyCliContext *self)
{
  if (self == NULL)
    return;

  g_clear_handle_id (&self->sigint_source, g_source_remove);
  g_clear_handle_id (&self->sigterm_source, g_source_remove);
  g_clear_object (&self->connections);
  g_clear_object (&self->secrets);
  g_clear_object (&self->cancellable);
  g_free (self->global_entries);
  g_free (self->config_dir);
  g_free (self->state_dir);
  g_free (self);
}

GOptionGroup *
sy_cli_context_create_option_group (SyCliContext       *self,
                                    const GOptionEntry *entries)
{
  /* The callbacks of the global options receive the group's user data. */
  GOptionGroup *group = g_option_group_new (NULL, NULL, NULL, self, NULL);

  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  if (entries != NULL)
    g_option_group_add_entries (group, entries);
  g_option_group_add_entries (group, self->global_entries);

  return group;
}

const char *
sy_cli_context_get_config_dir (SyCliContext *self)
{
  if (self->config_dir == NULL)
    self->config_dir = sy_paths_get_default_config_dir ();
  return self->config_dir;
}

const char *
sy_cli_context_get_state_dir (SyCliContext *self)
{
  if (self->state_dir == NULL)
    self->state_dir = sy_paths_get_default_state_dir ();
  return self->state_dir;
}

gboolean
sy_cli_context_get_json (SyCliContext *self)
{
  return self->json;
}

GCancellable *
sy_cli_context_get_cancellable (SyCliContext *self)
{
  return self->cancellable;
}

void
sy_cli_context_set_interrupt_func (SyCliContext       *self,
                                   SyCliInterruptFunc  interrupt_func,
                                   gpointer            user_data)
{
  self->interrupt_func = interrupt_func;
  self->interrupt_data = user_data;
}

SyConnectionStore *
sy_cli_context_get_connections (SyCliContext  *self,
                                GError       **error)
{
  g_autoptr(SyConnectionStore) store = NULL;
  g_autoptr(GError) local_error = NULL;

  if (self->connections != NULL)
    return self->connections;

  store = sy_connection_store_new (sy_cli_context_get_config_dir (self));
  if (!sy_connection_store_load (store, &local_error))
    {
      if (!g_error_matches (local_error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      /* The file is kept, renamed: say where, so that nothing feels lost. */
      if (sy_connection_store_get_broken_path (store) != NULL)
        sy_cli_printerr (_("%s could not be read and was moved aside to %s; carrying on with no connections"),
                         sy_connection_store_get_path (store),
                         sy_connection_store_get_broken_path (store));
      else
        sy_cli_printerr ("%s", local_error->message);
    }

  self->connections = g_steal_pointer (&store);
  return self->connections;
}

SySecretStore *
sy_cli_context_get_secrets (SyCliContext *self)
{
  if (self->secrets == NULL)
    {
      self->secrets = sy_secret_store_new ();
      sy_secret_store_set_timeout (self->secrets, SECRET_TIMEOUT_MS);
    }
  return self->secrets;
}

SyConnection *
sy_cli_context_find_connection (SyCliContext  *self,
                                const char    *name,
                                GError       **error)
{
  SyConnectionStore *store = sy_cli_context_get_connections (self, error);
  SyConnection *connection;

  if (store == NULL)
    return NULL;

  connection = sy_connection_store_find_by_name (store, name);
  if (connection == NULL)
    {
      g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_NOT_FOUND,
                   _("There is no connection named “%s” (see “switchyard-cli connection list”)"),
                   name);
      return NULL;
    }

  return connection;
}

void
sy_cli_warn_if_token_in_clear (SyConnection *connection)
{
  if (sy_connection_sends_token_in_clear (connection))
    sy_cli_printerr (_("Warning: the token of “%s” is sent unencrypted over plain HTTP to %s (allowed with --allow-insecure-http)"),
                     sy_connection_get_name (connection), sy_connection_get_base_url (connection));
}

SyApiClient *
sy_cli_context_create_client (SyCliContext  *self,
                              SyConnection  *connection,
                              GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  SyApiClient *client;

  sy_connection_open_client_async (sy_cli_context_get_secrets (self), connection,
                                   self->cancellable, sy_cli_store_result, &result);
  sy_cli_await (&result);
  client = sy_connection_open_client_finish (result, &local_error);

  if (g_error_matches (local_error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND))
    {
      g_autofree char *quoted = sy_cli_quote_for_shell (sy_connection_get_name (connection));

      g_set_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND,
                   _("The keyring holds no token for “%s”; add one with “switchyard-cli connection add %s --replace --url URL --token-stdin”"),
                   sy_connection_get_name (connection), quoted);
      return NULL;
    }
  if (client == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  /* Said every time: the token goes out with the first request. */
  sy_cli_warn_if_token_in_clear (connection);
  return client;
}

void
sy_cli_store_result (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

void
sy_cli_await (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

/* A name as a user would type it in the suggested command. */
char *
sy_cli_quote_for_shell (const char *name)
{
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-+@", *p) == NULL)
      return g_shell_quote (name);
  return g_strdup (name);
}

void
sy_cli_printerr (const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* Whatever went to stdout so far must come before the error. */
  fflush (stdout);
  g_printerr ("%s: %s\n", g_get_prgname (), message);
}

int
sy_cli_exit_code_for_error (const GError *error)
{
  if (error == NULL)
    return SY_CLI_EXIT_OK;

  if (error->domain == SY_API_ERROR)
    {
      switch ((SyApiError) error->code)
        {
        case SY_API_ERROR_INVALID_URL:
        case SY_API_ERROR_VALIDATION:
          return SY_CLI_EXIT_USAGE;
        case SY_API_ERROR_UNAUTHORIZED:
        case SY_API_ERROR_FORBIDDEN:
        case SY_API_ERROR_NOT_FOUND:
        case SY_API_ERROR_RATE_LIMITED:
        case SY_API_ERROR_SERVER:
        case SY_API_ERROR_NETWORK:
        case SY_API_ERROR_INVALID_RESPONSE:
        case SY_API_ERROR_HTTP:
        default:
          return SY_CLI_EXIT_CONNECTION;
        }
    }

  /* The core reports network trouble as SY_API_ERROR; these are here in
   * case a lower layer's error ever comes through unwrapped. */
  if (error->domain == G_TLS_ERROR || error->domain == G_RESOLVER_ERROR ||
      error->domain == JSON_PARSER_ERROR)
    return SY_CLI_EXIT_CONNECTION;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return SY_CLI_EXIT_INTERRUPTED;

  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_CONNECTION_REFUSED:
        case G_IO_ERROR_HOST_NOT_FOUND:
        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NETWORK_UNREACHABLE:
        case G_IO_ERROR_TIMED_OUT:
        case G_IO_ERROR_CONNECTION_CLOSED:
        case G_IO_ERROR_PROXY_FAILED:
          return SY_CLI_EXIT_CONNECTION;
        default:
          return SY_CLI_EXIT_USAGE;
        }
    }

  /* SY_CONFIG_ERROR, SY_SECRET_ERROR (no keyring, no token), files. */
  return SY_CLI_EXIT_USAGE;
}

char *
sy_cli_describe_error (const GError *error)
{
  return sy_describe_error_one_line (error);
}

int
sy_cli_report_error (const GError *error,
                     const char   *prefix)
{
  g_autofree char *description = NULL;

  /* The user pressed Ctrl+C: no need to explain their own decision. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      sy_cli_printerr ("%s", _("Interrupted"));
      return SY_CLI_EXIT_INTERRUPTED;
    }

  description = sy_cli_describe_error (error);
  if (prefix != NULL && *prefix != '\0')
    sy_cli_printerr ("%s: %s", prefix, description);
  else
    sy_cli_printerr ("%s", description);

  return sy_cli_exit_code_for_error (error);
}

void
sy_cli_print_json (JsonNode *node,
                   gboolean  pretty)
{
  g_autofree char *text = json_to_string (node, pretty);

  /* JSON is UTF-8 whatever the locale: bypass g_print's conversion. */
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

char *
sy_cli_read_stdin (const char *prompt,
                   gsize       max_bytes,
                   gsize      *length)
{
  char *buffer = g_malloc0 (max_bytes + 2);
  gsize read_bytes = 0;

  if (isatty (STDIN_FILENO))
    {
      struct termios saved, quiet;
      gboolean restore = FALSE;

      g_printerr ("%s", prompt);
      if (tcgetattr (STDIN_FILENO, &saved) == 0)
        {
          quiet = saved;
          quiet.c_lflag &= ~(tcflag_t) ECHO;
          quiet.c_lflag |= ECHONL;
          restore = tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
      if (fgets (buffer, (int) MIN (max_bytes + 2, G_MAXINT), stdin) != NULL)
        read_bytes = strlen (buffer);
      if (restore)
        tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
    }
  else
    {
      ssize_t n;

      while (read_bytes < max_bytes + 1 &&
             (n = read (STDIN_FILENO, buffer + read_bytes, max_bytes + 1 - read_bytes)) != 0)
        {
          if (n < 0)
            {
              if (errno == EINTR)
                continue;
              break;
            }
          read_bytes += (gsize) n;
        }
    }

  *length = read_bytes;
  return buffer;
}

void
sy_cli_stdin_free (char  *buffer,
                   gsize  max_bytes)
{
  if (buffer == NULL)
    return;
  explicit_bzero (buffer, max_bytes + 2);
  g_free (buffer);
}
