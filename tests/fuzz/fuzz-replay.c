/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sy-fuzz.h"

/* Replays every input of a corpus once through a harness, without
 * libFuzzer: the normal suite (gcc, sanitizers or not) keeps every input
 * that ever crashed a harness from crashing it again. */

static int
compare_names (const void *a,
               const void *b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static guint
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      g_printerr ("%s\n", error->message);
      exit (1);
    }
  /* libFuzzer hands over exactly the bytes: a copy of that size, with no
   * terminating NUL to lean on. */
  {
    g_autofree guint8 *exact = g_malloc (MAX (length, 1));

    memcpy (exact, contents, length);

    LLVMFuzzerTestOneInput (exact, length);
  }
  printf ("replayed %s (%" G_GSIZE_FORMAT " bytes)\n", path, length);
  fflush (stdout);
  return 1;
}

static guint
replay_path (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint count = 0;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return replay_file (path);

  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      exit (1);
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    count += replay_path (g_ptr_array_index (names, i));
  return count;
}

int
main (int    argc,
      char **argv)
{
  guint count = 0;

  LLVMFuzzerInitialize (&argc, &argv);

  for (int i = 1; i < argc; i++)
    count += replay_path (argv[i]);

  /* An empty corpus is a mistake in the build, not a pass. */
  if (count == 0)
    {
      g_printerr ("no input to replay\n");
      return 1;
    }
  printf ("%u inputs, no finding\n", count);
  return 0;
}
