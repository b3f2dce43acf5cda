/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sy-file.h"

static gboolean
set_errno_error (GError     **error,
                 int          saved_errno,
                 gboolean     opening,
                 const char  *path)
{
  g_autofree char *shown = g_filename_display_name (path);

  if (opening)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                 _("Could not open “%s”: %s"), shown, g_strerror (saved_errno));
  else
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                 _("Could not read “%s”: %s"), shown, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
too_large_error (GError     **error,
                 const char  *path,
                 gsize        max_size)
{
  g_autofree char *shown = g_filename_display_name (path);
  g_autofree char *limit = g_format_size (max_size);

  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
               _("“%s” is larger than %s, more than such a file can hold; it was not read."),
               shown, limit);
  return FALSE;
}

gboolean
sy_file_load_regular (const char  *path,
                      gsize        max_size,
                      char       **contents,
                      gsize       *length,
                      GError     **error)
{
  g_autofree char *buffer = NULL;
  struct stat info;
  gsize size;
  gsize capacity;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (contents != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
   * writer, and nothing (not even SIGTERM's handler) would run meanwhile. */
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    return set_errno_error (error, errno, TRUE, path);

  if (fstat (fd, &info) != 0)
    {
      int saved_errno = errno;

      close (fd);
      return set_errno_error (error, saved_errno, FALSE, path);
    }

  if (!S_ISREG (info.st_mode))
    {
      g_autofree char *shown = g_filename_display_name (path);

      close (fd);
      g_set_error (error, G_FILE_ERROR, S_ISDIR (info.st_mode) ? G_FILE_ERROR_ISDIR : G_FILE_ERROR_INVAL,
                   _("“%s” is not a regular file (a folder, a pipe or a device); only a file can be read here."),
                   shown);
      return FALSE;
    }

  if (info.st_size < 0 || (guint64) info.st_size > max_size)
    {
      close (fd);
      return too_large_error (error, path, max_size);
    }

  /* The size may change under us: read until the end, never past the
   * limit, with room for the terminating nul. */
  capacity = (gsize) info.st_size + 1;
  buffer = g_malloc (capacity);
  size = 0;
  for (;;)
    {
      gssize n;

      if (size + 1 >= capacity)
        {
          if (capacity >= max_size + 2)
            {
              close (fd);
              return too_large_error (error, path, max_size);
            }
          capacity = MIN (capacity * 2, max_size + 2);
          buffer = g_realloc (buffer, capacity);
        }

      n = read (fd, buffer + size, capacity - 1 - size);
      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          close (fd);
          return set_errno_error (error, saved_errno, FALSE, path);
        }
      if (n == 0)
        break;
      size += (gsize) n;
    }
  close (fd);

  if (size > max_size)
    return too_large_error (error, path, max_size);

  buffer[size] = '\0';
  *contents = g_steal_pointer (&buffer);
  if (length != NULL)
    *length = size;
  return TRUE;
}

typedef struct
{
  char  *path;
  gsize  max_size;
  gsize  length;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->path);
  g_free (data);
}

static void
load_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LoadData *data = task_data;
  GError *error = NULL;
  char *contents = NULL;

  if (!sy_file_load_regular (data->path, data->max_size, &contents, &data->length, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, contents, g_free);
}

void
sy_file_load_regular_async (const char          *path,
                            gsize                max_size,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (path != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_file_load_regular_async);
  g_task_set_name (task, "[switchyard] load regular file");
  data = g_new0 (LoadData, 1);
  data->path = g_strdup (path);
  data->max_size = max_size;
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_in_thread);
}

char *
sy_file_load_regular_finish (GAsyncResult  *result,
                             gsize         *length,
                             GError       **error)
{
  char *contents;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_file_load_regular_async, NULL);

  contents = g_task_propagate_pointer (G_TASK (result), error);
  if (contents != NULL && length != NULL)
    *length = ((LoadData *) g_task_get_task_data (G_TASK (result)))->length;
  return contents;
}
