/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-sandbox-process.h"

G_BEGIN_DECLS

/* A new empty directory under the test's temporary directory. */
char             *sy_test_make_tmpdir       (const char         *prefix);
/* How many entries a directory holds (asserting that it opens), and how
 * many descriptors process pid has open (its /proc/PID/fd). */
guint             sy_test_count_dir_entries (const char         *path);
guint             sy_test_count_open_files  (const char         *pid);
/* Removes a directory tree made by sy_test_make_tmpdir(). */
void              sy_test_remove_tree       (const char         *path);

/* Iterates the thread-default main context until *result is set by an
 * async callback that stores it (see sy_test_store_result). */
void              sy_test_await             (GAsyncResult      **result);
/* A GAsyncReadyCallback whose user_data is a GAsyncResult ** to fill. */
void              sy_test_store_result      (GObject            *source,
                                             GAsyncResult       *result,
                                             gpointer            user_data);

/* Starts switchyard-sandbox with these extra arguments (NULL-terminated, or
 * NULL) and waits until it answers. Fails the test if it cannot start. */
SySandboxProcess *sy_test_start_sandbox     (const char * const *extra_args);

/* Runs switchyard-sandbox with args (NULL-terminated) to its end, for
 * options it refuses or prints and exits on; its exit status and output. */
void              sy_test_run_sandbox_binary (const char * const *args,
                                              int                *exit_status,
                                              char              **out,
                                              char              **err);

/* Every regular file under dir (recursively) whose bytes contain needle. */
GPtrArray        *sy_test_files_containing  (const char         *dir,
                                             const char         *needle);

G_END_DECLS
