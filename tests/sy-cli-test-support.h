/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sy-sandbox-process.h"

G_BEGIN_DECLS

/* switchyard-cli as a user runs it: a child process with its own
 * configuration and state directories, the real keyring of the test
 * session and, when a test starts one, a real switchyard-sandbox. */
typedef struct
{
  char             *config_dir;
  char             *state_dir;
  /* The CLI's working directory (the files a user hands over or gets), or
   * NULL to run it in the test's own. */
  char             *work_dir;
  SySandboxProcess *sandbox;
  /* Run the CLI where no Secret Service can be reached. */
  gboolean          no_keyring;
} SyCliFixture;

/* Makes "<prefix>-config", "<prefix>-state" and, with with_work_dir,
 * "<prefix>-work" temporary directories. */
void       sy_cli_fixture_set_up          (SyCliFixture       *fixture,
                                           const char         *prefix,
                                           gboolean            with_work_dir);
/* Stops the sandbox, if any, and removes the directories. */
void       sy_cli_fixture_tear_down       (SyCliFixture       *fixture);

typedef struct
{
  int   status;
  char *out;
  char *err;
} SyCliRun;

void       sy_cli_run_clear               (SyCliRun           *run);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SyCliRun, sy_cli_run_clear)

/* $SWITCHYARD_CLI, the fixture's directories, then args; NULL-terminated
 * for g_subprocess_launcher_spawnv(). */
GPtrArray *sy_cli_argv                    (SyCliFixture       *fixture,
                                           const char * const *args);
/* Runs switchyard-cli with the NULL-terminated arguments and input (NULL:
 * an empty, closed standard input) and waits for it while iterating the
 * main context, so that a server in the test keeps answering. Fails the
 * test unless the CLI exits normally (a crash or sanitizer abort never
 * is acceptable). */
void       sy_cli_run_argv                (SyCliFixture       *fixture,
                                           const char         *input,
                                           const char * const *args,
                                           SyCliRun           *run);

#define sy_cli_run(fixture, input, run, ...) \
  G_STMT_START { \
    const char * const sy_cli_run_args[] = { __VA_ARGS__, NULL }; \
    sy_cli_run_argv ((fixture), (input), sy_cli_run_args, (run)); \
  } G_STMT_END

/* `connection add NAME --url SANDBOX --token-stdin` with the token of the
 * sandbox's seeded system ("wms", "erp") on standard input, as a user
 * would paste it (and `--ca-file CA` for a sandbox started with --tls);
 * asserts it succeeds. */
void       sy_cli_add_connection          (SyCliFixture       *fixture,
                                           const char         *name,
                                           const char         *system);

/* Asserts the CLI said what went wrong in exactly one prefixed line. */
void       sy_cli_assert_one_error_line   (const SyCliRun     *run);

/* The newlines in text. */
guint      sy_test_count_lines            (const char         *text);
/* Parses JSON text, failing the test if it is not. */
JsonNode  *sy_test_parse_json             (const char         *text);
/* A file's contents, failing the test if it cannot be read. */
char      *sy_test_read_text              (const char         *path);
/* A file's permission bits, failing the test if it does not exist. */
guint      sy_test_file_mode              (const char         *path);

G_END_DECLS
