/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdarg.h>

#include <glib/gi18n.h>

#include "sy-mapping.h"
#include "sy-mapping-transform.h"

/* ---- where members were in the file ---- */

/* Positions are packed into one guint so that the tables hold no
 * allocations of their own: line * 4096 + column (capped). */
#define POS_PACK(line, column) (((line) << 12) | MIN ((column), 4095u))
#define POS_LINE(pos) ((pos) >> 12)
#define POS_COLUMN(pos) ((pos) & 4095u)

struct _SyMappingLocator
{
  char *filename;
  JsonParser *parser;
  GHashTable *containers;   /* JsonObject/JsonArray * → packed start position */
  GHashTable *members;      /* "%p/member" → packed position */
  GArray *open;             /* packed start positions of open containers */
  GError *error;
};

SyMappingLocator *
sy_mapping_locator_new (const char *filename)
{
  SyMappingLocator *locator = g_new0 (SyMappingLocator, 1);

  locator->filename = g_strdup (filename);
  locator->containers = g_hash_table_new (NULL, NULL);
  locator->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  locator->open = g_array_new (FALSE, FALSE, sizeof (guint));
  return locator;
}

void
sy_mapping_locator_free (SyMappingLocator *locator)
{
  if (locator == NULL)
    return;
  if (locator->parser != NULL)
    g_signal_handlers_disconnect_by_data (locator->parser, locator);
  g_clear_object (&locator->parser);
  g_free (locator->filename);
  g_hash_table_unref (locator->containers);
  g_hash_table_unref (locator->members);
  g_array_unref (locator->open);
  g_clear_error (&locator->error);
  g_free (locator);
}

static guint
current_pos (SyMappingLocator *locator)
{
  return POS_PACK (json_parser_get_current_line (locator->parser),
                   (guint) json_parser_get_current_pos (locator->parser));
}

static void
on_container_start (JsonParser       *parser,
                    SyMappingLocator *locator)
{
  guint pos = current_pos (locator);

  g_array_append_val (locator->open, pos);
}

static void
on_container_end (JsonParser       *parser,
                  gpointer          container,
                  SyMappingLocator *locator)
{
  guint pos = 0;

  if (locator->open->len > 0)
    {
      pos = g_array_index (locator->open, guint, locator->open->len - 1);
      g_array_set_size (locator->open, locator->open->len - 1);
    }
  g_hash_table_insert (locator->containers, container, GUINT_TO_POINTER (pos));
}

static char *
member_key (gconstpointer container,
            const char   *member)
{
  return g_strdup_printf ("%p/%s", container, member);
}

static void
on_object_member (JsonParser       *parser,
                  JsonObject       *object,
                  const char       *member,
                  SyMappingLocator *locator)
{
  char *key = member_key (object, member);
  JsonNode *value = json_object_get_member (object, member);
  gpointer child = NULL;
  guint pos;

  if (value != NULL && JSON_NODE_HOLDS_OBJECT (value))
    child = json_node_get_object (value);
  else if (value != NULL && JSON_NODE_HOLDS_ARRAY (value))
    child = json_node_get_array (value);

  /* A container's member sits where the container starts; a scalar's
   * where the parser just read it. */
  if (child != NULL && g_hash_table_contains (locator->containers, child))
    pos = GPOINTER_TO_UINT (g_hash_table_lookup (locator->containers, child));
  else
    pos = current_pos (locator);

  if (g_hash_table_contains (locator->members, key) && locator->error == NULL)
    {
      g_autofree char *reason = g_strdup_printf (_("“%s” appears twice in the same object"), member);
      locator->error = sy_mapping_error_new_at (SY_MAPPING_ERROR_INVALID, locator->filename,
                                                POS_LINE (pos), POS_COLUMN (pos), reason);
    }
  g_hash_table_insert (locator->members, key, GUINT_TO_POINTER (pos));
}

void
sy_mapping_locator_attach (SyMappingLocator *locator,
                           JsonParser       *parser)
{
  g_set_object (&locator->parser, parser);
  g_signal_connect (parser, "object-start", G_CALLBACK (on_container_start), locator);
  g_signal_connect (parser, "array-start", G_CALLBACK (on_container_start), locator);
  g_signal_connect (parser, "object-end", G_CALLBACK (on_container_end), locator);
  g_signal_connect (parser, "array-end", G_CALLBACK (on_container_end), locator);
  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member), locator);
}

GError *
sy_mapping_locator_take_error (SyMappingLocator *locator)
{
  return g_steal_pointer (&locator->error);
}

void
sy_mapping_locator_find (SyMappingLocator *locator,
                         gconstpointer     container,
                         const char       *member,
                         guint            *line,
                         guint            *column)
{
  guint pos = 0;

  if (locator != NULL && container != NULL)
    {
      if (member != NULL)
        {
          g_autofree char *key = member_key (container, member);
          pos = GPOINTER_TO_UINT (g_hash_table_lookup (locator->members, key));
        }
      if (pos == 0)
        pos = GPOINTER_TO_UINT (g_hash_table_lookup (locator->containers, container));
    }
  *line = POS_LINE (pos);
  *column = POS_COLUMN (pos);
}

GError *
sy_mapping_locator_error (SyMappingLocator *locator,
                          gconstpointer     container,
                          const char       *member,
                          const char       *format,
                          ...)
{
  g_autofree char *formatted = NULL;
  g_autofree char *reason = NULL;
  va_list args;
  guint line, column;

  va_start (args, format);
  formatted = g_strdup_vprintf (format, args);
  va_end (args);
  /* Member names are quoted as the file spells them, and json-glib turns
   * an escaped lone surrogate ("\ud800") into bytes that are not UTF-8. */
  reason = g_utf8_make_valid (formatted, -1);

  sy_mapping_locator_find (locator, container, member, &line, &column);
  return sy_mapping_error_new_at (SY_MAPPING_ERROR_INVALID,
                                  locator != NULL ? locator->filename : NULL,
                                  line, column, reason);
}
