/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Limits for what the loaders read: far above any real connections file,
 * mapping, certificate or key, far below what would hurt. */
#define SY_FILE_MAX_CONFIG_SIZE (16 * 1024 * 1024)
#define SY_FILE_MAX_KEY_SIZE    (1024 * 1024)

/* g_file_get_contents() for files that come from a user or a disk: only a
 * regular file is read (a FIFO, a device such as /dev/zero or a folder is
 * refused at once, without blocking), and only up to max_size bytes.
 * contents is nul-terminated. Errors are G_FILE_ERROR: NOENT and the like
 * as the system says, INVAL for a file that is not regular, FAILED for one
 * that is too large. */
gboolean sy_file_load_regular (const char  *path,
                               gsize        max_size,
                               char       **contents,
                               gsize       *length,
                               GError     **error);

/* The same in a worker thread, for callers on the main loop (a disk can be
 * slow). Finishes with the contents, nul-terminated, and their length. */
void     sy_file_load_regular_async  (const char           *path,
                                      gsize                 max_size,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
char    *sy_file_load_regular_finish (GAsyncResult         *result,
                                      gsize                *length,
                                      GError              **error);

G_END_DECLS
