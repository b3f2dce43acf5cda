/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-http-body.h"

#define READ_CHUNK (64 * 1024)

typedef struct
{
  GInputStream *stream;
  GByteArray   *received;
  gsize         max_size;
  gboolean      truncated;
} BodyRead;

static void
body_read_free (BodyRead *read)
{
  /* Closing is asynchronous and needs no answer: the stream is done with. */
  g_input_stream_close_async (read->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_object_unref (read->stream);
  g_clear_pointer (&read->received, g_byte_array_unref);
  g_free (read);
}

/* Appends what was read, up to max_size in all. Whether the body is
 * complete: an empty read (its end) or one that passed max_size, which
 * sets *truncated. Shared by the asynchronous and blocking readers. */
static gboolean
body_append (GByteArray   *received,
             const guint8 *data,
             gsize         size,
             gsize         max_size,
             gboolean     *truncated)
{
  if (size == 0)
    return TRUE;
  if (received->len + size > max_size)
    {
      g_byte_array_append (received, data, max_size - received->len);
      *truncated = TRUE;
      return TRUE;
    }
  g_byte_array_append (received, data, size);
  return FALSE;
}

static void read_chunk (GTask *task);

static void
on_chunk (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BodyRead *read = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (chunk == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (body_append (read->received, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk), read->max_size,
                   &read->truncated))
    {
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&read->received)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }

  read_chunk (g_steal_pointer (&task));
}

static void
read_chunk (GTask *task)
{
  BodyRead *read = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (read->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_chunk, task);
}

void
sy_http_body_read_async (GInputStream        *stream,
                         gsize                max_size,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;
  BodyRead *read;

  g_return_if_fail (G_IS_INPUT_STREAM (stream));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_http_body_read_async);
  g_task_set_name (task, "[switchyard] http body read");
  read = g_new0 (BodyRead, 1);
  read->stream = g_object_ref (stream);
  read->received = g_byte_array_new ();
  read->max_size = max_size;
  g_task_set_task_data (task, read, (GDestroyNotify) body_read_free);

  read_chunk (task);
}

GBytes *
sy_http_body_read_finish (GAsyncResult  *result,
                          gboolean      *truncated,
                          GError       **error)
{
  GTask *task;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_http_body_read_async, NULL);

  task = G_TASK (result);
  if (truncated != NULL)
    *truncated = ((BodyRead *) g_task_get_task_data (task))->truncated;
  return g_task_propagate_pointer (task, error);
}

GBytes *
sy_http_body_read (GInputStream  *stream,
                   gsize          max_size,
                   gboolean      *truncated,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GByteArray) received = g_byte_array_new ();
  g_autofree guint8 *chunk = g_malloc (READ_CHUNK);
  gboolean cut = FALSE;
  gssize size;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  do
    {
      size = g_input_stream_read (stream, chunk, READ_CHUNK, cancellable, error);
      if (size < 0)
        return NULL;
    }
  while (!body_append (received, chunk, size, max_size, &cut));

  if (truncated != NULL)
    *truncated = cut;
  return g_byte_array_free_to_bytes (g_steal_pointer (&received));
}
