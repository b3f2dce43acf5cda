/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "sy-fuzz.h"

static char *tmpdir;

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
      /* A finding: libFuzzer keeps the input that led here. */
      abort ();
    }
  /* Millions of inputs: messages and debug lines would only slow them. */
  return G_LOG_WRITER_HANDLED;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
remove_tmpdir (void)
{
  if (tmpdir != NULL)
    remove_tree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

void
sy_fuzz_init (void)
{
  const char *xdg[] = { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR" };
  g_autoptr(GError) error = NULL;

  if (tmpdir != NULL)
    return;

  tmpdir = g_dir_make_tmp ("switchyard-fuzz-XXXXXX", &error);
  g_assert_no_error (error);
  atexit (remove_tmpdir);

  /* Before any thread exists: setenv is not thread-safe. */
  g_setenv ("HOME", tmpdir, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (tmpdir, xdg[i], NULL);

      g_mkdir_with_parents (dir, 0700);
      g_setenv (xdg[i], dir, TRUE);
    }
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_setenv ("GIO_USE_VFS", "local", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("no_proxy", "*", TRUE);
  g_unsetenv ("G_MESSAGES_DEBUG");

  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
}

const char *
sy_fuzz_get_tmpdir (void)
{
  return tmpdir;
}

GPtrArray *
sy_fuzz_split (const uint8_t *data,
               size_t         size,
               guint          max_parts)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const char *text = (const char *) data;
  size_t start = 0;
  size_t line = 0;

  g_return_val_if_fail (max_parts > 0, parts);

  while (line <= size && parts->len + 1 < max_parts)
    {
      const char *newline = line < size ? memchr (text + line, '\n', size - line) : NULL;
      size_t line_end = newline != NULL ? (size_t) (newline - text) : size;

      if (line_end - line == 3 && memcmp (text + line, "---", 3) == 0)
        {
          /* The newline before the separator belongs to it. */
          size_t part_end = line > start ? line - 1 : start;

          g_ptr_array_add (parts, g_bytes_new (text + start, part_end - start));
          start = newline != NULL ? line_end + 1 : size;
        }
      if (newline == NULL)
        break;
      line = line_end + 1;
    }
  g_ptr_array_add (parts, g_bytes_new (text + start, size - start));

  return parts;
}

JsonNode *
sy_fuzz_parse_json (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  if (length == 0 || !json_parser_load_from_data (parser, data, length, NULL) ||
      json_parser_get_root (parser) == NULL)
    return NULL;

  return json_node_ref (json_parser_get_root (parser));
}

void
sy_fuzz_run_until (const gboolean *done)
{
  while (!*done)
    g_main_context_iteration (NULL, TRUE);
  /* What the answer set off (a connection closing) ends here too, so
   * that nothing is half done when the process ends. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
sy_fuzz_assert_message (const char *text)
{
  if (text == NULL)
    return;

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_printerr ("not valid UTF-8: %s\n", text);
      abort ();
    }
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 && *p != '\t' && *p != '\n')
        {
          g_printerr ("a control character in a message: %s\n", text);
          abort ();
        }
    }
}

void
sy_fuzz_assert_text (const char *text)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    {
      g_printerr ("not valid UTF-8: %s\n", text);
      abort ();
    }
}
