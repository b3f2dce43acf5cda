/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-api-client.h"
#include "sy-connection-store.h"
#include "sy-secret-store.h"

G_BEGIN_DECLS

/* The exit codes of docs/architecture.md §8; scripts depend on them. */
typedef enum
{
  SY_CLI_EXIT_OK = 0,
  SY_CLI_EXIT_RECORDS_FAILED = 1,
  SY_CLI_EXIT_USAGE = 2,
  SY_CLI_EXIT_CONNECTION = 3,
  /* As shells report a program killed by SIGINT. */
  SY_CLI_EXIT_INTERRUPTED = 130,
} SyCliExit;

/* Tokens, secrets and passphrases come from standard input and nowhere
 * else: argv and the environment are visible to other processes and end
 * up in shell history. Reads at most max_bytes + 1 bytes (one more than
 * allowed, so that too much shows) into a zeroed buffer of max_bytes + 2:
 * on a terminal one line, without echo, after prompt on standard error;
 * otherwise all there is. Returns the buffer, *length what was read; the
 * caller takes what it needs and wipes the buffer with
 * sy_cli_stdin_free(). */
char              *sy_cli_read_stdin                (const char         *prompt,
                                                     gsize               max_bytes,
                                                     gsize              *length);
void               sy_cli_stdin_free                (char               *buffer,
                                                     gsize               max_bytes);

/* What every command shares: the global options, the stores opened from
 * them, and a way to wait for the core's async calls from straight-line
 * command code. */
typedef struct _SyCliContext SyCliContext;

SyCliContext      *sy_cli_context_new               (void);
void               sy_cli_context_free              (SyCliContext       *self);

/* A group holding entries (may be NULL) and the global options
 * (--config-dir, --state-dir, --json): every GOptionContext uses one as its
 * main group, so that the global options are accepted anywhere. */
GOptionGroup      *sy_cli_context_create_option_group (SyCliContext     *self,
                                                       const GOptionEntry *entries);

/* Options given, or the defaults (SWITCHYARD_CONFIG_DIR, XDG, ...). */
const char        *sy_cli_context_get_config_dir    (SyCliContext       *self);
const char        *sy_cli_context_get_state_dir     (SyCliContext       *self);
gboolean           sy_cli_context_get_json          (SyCliContext       *self);

/* Loaded on first use. A broken connections.json is reported on stderr
 * (it was moved aside) and the store carries on empty; other failures
 * return NULL with error set. */
SyConnectionStore *sy_cli_context_get_connections   (SyCliContext       *self,
                                                     GError            **error);
SySecretStore     *sy_cli_context_get_secrets       (SyCliContext       *self);
/* NULL with SY_CONFIG_ERROR_NOT_FOUND when there is no such connection. */
SyConnection      *sy_cli_context_find_connection   (SyCliContext       *self,
                                                     const char         *name,
                                                     GError            **error);
/* A client for a connection, with its token from the keyring (which the
 * client keeps in memory only), opened by the connection services. Warns
 * on stderr when the token goes over plain HTTP. */
SyApiClient       *sy_cli_context_create_client     (SyCliContext       *self,
                                                     SyConnection       *connection,
                                                     GError            **error);

/* Warns on stderr when the connection sends its token unencrypted (plain
 * http to another machine, which the user allowed): before every use. */
void               sy_cli_warn_if_token_in_clear    (SyConnection       *connection);

/* Cancelled on SIGINT/SIGTERM, so that a long command stops cleanly. */
GCancellable      *sy_cli_context_get_cancellable   (SyCliContext       *self);

/* A command that can stop more gently than by cancelling (sync: after the
 * batch in flight) sets this: the first SIGINT/SIGTERM calls it, once,
 * instead of cancelling; the next one cancels. NULL: cancel at once. */
typedef void (*SyCliInterruptFunc) (gpointer user_data);
void               sy_cli_context_set_interrupt_func (SyCliContext      *self,
                                                      SyCliInterruptFunc interrupt_func,
                                                      gpointer           user_data);

/* Iterates the main context until an async call has finished: pass
 * sy_cli_store_result as its callback and the address of a NULL
 * GAsyncResult pointer as its user data. */
void               sy_cli_await                     (GAsyncResult      **result);
void               sy_cli_store_result              (GObject            *source,
                                                     GAsyncResult       *result,
                                                     gpointer            user_data);

/* name quoted for a shell only where it needs to be, for the commands
 * that messages suggest. */
char              *sy_cli_quote_for_shell           (const char         *name);

/* Prints "switchyard-cli: <message>" on stderr. */
void               sy_cli_printerr                  (const char         *format,
                                                     ...) G_GNUC_PRINTF (1, 2);
/* sy_describe_error_one_line(): an error's message on one line, with the
 * server's request id when there is one. */
char              *sy_cli_describe_error            (const GError       *error);
/* Prints an error with the server's request id when there is one, and
 * returns the exit code it means. prefix may be NULL. */
int                sy_cli_report_error              (const GError       *error,
                                                     const char         *prefix);
/* The exit code an error means (2 for input and configuration, 3 for the
 * connection and authentication). */
int                sy_cli_exit_code_for_error       (const GError       *error);

/* Writes a JSON document as one line on stdout. */
void               sy_cli_print_json                (JsonNode           *node,
                                                     gboolean            pretty);

/* A secret string that sy_secret_free() wipes and frees. */
typedef char SyCliSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyCliSecret, sy_secret_free)

G_END_DECLS
