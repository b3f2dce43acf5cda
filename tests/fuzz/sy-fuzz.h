/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What every harness exports: libFuzzer calls these, and so does
 * fuzz-replay.c, the main() that replays a corpus in the normal suite. */
int  LLVMFuzzerInitialize       (int            *argc,
                                 char         ***argv);
int  LLVMFuzzerTestOneInput     (const uint8_t  *data,
                                 size_t          size);

/* Once per process: a private HOME and XDG directories, no proxy, local
 * VFS, in-memory GSettings; warnings and criticals abort (a g_return_if_fail
 * that hostile input reaches is a bug), debug output is dropped. */
void        sy_fuzz_init          (void);
/* A directory made by sy_fuzz_init(), removed at exit. */
const char *sy_fuzz_get_tmpdir    (void);

/* Splits input at lines that read exactly "---" (the separator between a
 * file and what it is applied to, or between pages). Each part is a GBytes
 * of its own (a copy, so that ASan sees reads past its end); at most
 * max_parts, the last one keeping any further separators. */
GPtrArray  *sy_fuzz_split         (const uint8_t  *data,
                                   size_t          size,
                                   guint           max_parts);

/* Parses bytes as JSON as the application does; NULL when they are not. */
JsonNode   *sy_fuzz_parse_json    (GBytes         *bytes);

/* Iterates the default main context until *done. */
void        sy_fuzz_run_until     (const gboolean *done);

/* Aborts (a finding) unless text is valid UTF-8 without C0 controls other
 * than tab and newline: what a message quoting a server must be. */
void        sy_fuzz_assert_message (const char    *text);
/* Aborts unless text is valid UTF-8: what any message must be. Messages
 * about a local file may quote it as it is, control characters and all. */
void        sy_fuzz_assert_text    (const char    *text);

G_END_DECLS
