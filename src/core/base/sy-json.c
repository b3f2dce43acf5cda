/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sy-json.h"

G_DEFINE_QUARK (sy-json-error-quark, sy_json_error)

char *
sy_json_node_dup_text (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    default:
      return NULL;
    }
}

char *
sy_json_object_dup_text (JsonObject *object,
                         const char *member)
{
  g_return_val_if_fail (member != NULL, NULL);

  if (object == NULL)
    return NULL;
  return sy_json_node_dup_text (json_object_get_member (object, member));
}

JsonNode *
sy_json_unwrap_data (JsonNode *root)
{
  JsonNode *data;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return root;

  data = json_object_get_member (json_node_get_object (root), "data");
  return data != NULL ? data : root;
}

char *
sy_json_quote_server_text (const char *text,
                           gssize      length)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) collapsed = NULL;
  gboolean in_space = TRUE;
  gsize size;
  glong chars;

  if (text == NULL)
    return NULL;

  size = length < 0 ? strlen (text) : (gsize) length;
  /* Only the head is looked at: a 200 MB error page is not copied. */
  valid = g_utf8_make_valid (text, MIN (size, (gsize) SY_JSON_MAX_QUOTED_CHARS * 4));
  collapsed = g_string_new (NULL);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          if (!in_space)
            g_string_append_c (collapsed, ' ');
          in_space = TRUE;
          continue;
        }
      g_string_append_unichar (collapsed, c);
      in_space = FALSE;
    }
  g_strchomp (collapsed->str);
  collapsed->len = strlen (collapsed->str);

  if (collapsed->len == 0)
    return NULL;

  chars = g_utf8_strlen (collapsed->str, -1);
  if (chars > SY_JSON_MAX_QUOTED_CHARS || size > (gsize) SY_JSON_MAX_QUOTED_CHARS * 4)
    {
      g_autofree char *head = g_utf8_substring (collapsed->str, 0, MIN (chars, SY_JSON_MAX_QUOTED_CHARS));
      return g_strconcat (head, "…", NULL);
    }

  return g_string_free (g_steal_pointer (&collapsed), FALSE);
}

/* When p is at the start of a string in double quotes (with backslash
 * escapes) or in single quotes (without), or of a C comment, as json-glib's
 * scanner reads them: the last byte of it, counting its lines into *line.
 * Otherwise p itself. Either may be end at most. */
static const char *
skip_string_or_comment (const char *p,
                        const char *end,
                        guint      *line)
{
  switch (*p)
    {
    case '"':
      for (p++; p < end && *p != '"'; p++)
        {
          if (*p == '\\' && p + 1 < end)
            p++;
          if (*p == '\n')
            (*line)++;
        }
      return p;

    case '\'':
      for (p++; p < end && *p != '\''; p++)
        if (*p == '\n')
          (*line)++;
      return p;

    case '/':
      if (p + 1 < end && p[1] == '*')
        {
          for (p += 2; p < end && !(*p == '*' && p + 1 < end && p[1] == '/'); p++)
            if (*p == '\n')
              (*line)++;
          if (p < end)
            p++;
        }
      return p;

    default:
      return p;
    }
}

/* Whether the integer written as digits (no sign, no leading zeros)
 * fits in a gint64, negative or not: compared as text, since converting
 * it is what goes wrong. */
static gboolean
integer_digits_fit (const char *digits,
                    gsize       n_digits,
                    gboolean    negative)
{
  const char *limit = negative ? "9223372036854775808" : "9223372036854775807";
  gsize limit_digits = strlen (limit);

  if (n_digits != limit_digits)
    return n_digits < limit_digits;
  return strncmp (digits, limit, n_digits) <= 0;
}

/* When p is at a number (a digit or '-' where no name or number goes on):
 * the byte after it, and in *fits whether it is a double or a whole
 * number that fits in 64 bits. */
static const char *
skip_number (const char *p,
             const char *end,
             gboolean   *fits)
{
  gboolean negative = *p == '-';
  const char *digits;
  const char *q = negative ? p + 1 : p;

  while (q < end && *q == '0')
    q++;
  digits = q;
  while (q < end && g_ascii_isdigit (*q))
    q++;
  /* A fraction or an exponent makes it a double. */
  if (q < end && (*q == '.' || *q == 'e' || *q == 'E'))
    {
      while (q < end && (g_ascii_isalnum (*q) || *q == '.' || *q == '+' || *q == '-'))
        q++;
      *fits = TRUE;
    }
  else
    *fits = integer_digits_fit (digits, (gsize) (q - digits), negative);
  return q;
}

/* One pass for both checks, following json-glib's scanner where it
 * matters: strings in double quotes (with backslash escapes) and in single
 * quotes (without), and C comments, may hold brackets that do not nest
 * and digits that are not numbers. A bracket the scan counts that the
 * parser would not only makes the check stricter; the reverse cannot
 * happen. */
static gboolean
check_text (const char  *data,
            gssize       length,
            guint        max_depth,
            gboolean     check_integers,
            guint       *bad_line,
            GError     **error)
{
  const char *p;
  const char *end;
  guint depth = 0;
  guint line = 1;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (data == NULL)
    return TRUE;

  end = data + (length < 0 ? strlen (data) : (gsize) length);
  for (p = data; p < end; p++)
    {
      switch (*p)
        {
        case '\n':
          line++;
          break;

        case '"':
        case '\'':
        case '/':
          p = skip_string_or_comment (p, end, &line);
          break;

        case '[':
        case '{':
          if (++depth > max_depth)
            {
              if (bad_line != NULL)
                *bad_line = line;
              g_set_error (error, SY_JSON_ERROR, SY_JSON_ERROR_TOO_DEEP,
                           _("The data nests lists and objects more than %u levels deep (line %u)."),
                           max_depth, line);
              return FALSE;
            }
          break;

        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;

        default:
          if (check_integers && (g_ascii_isdigit (*p) || *p == '-') &&
              (p == data || !(g_ascii_isalnum (p[-1]) || p[-1] == '_' || p[-1] == '.')))
            {
              gboolean fits;

              p = skip_number (p, end, &fits) - 1;
              if (!fits)
                {
                  if (bad_line != NULL)
                    *bad_line = line;
                  g_set_error (error, SY_JSON_ERROR, SY_JSON_ERROR_NUMBER_TOO_LARGE,
                               _("The data holds a whole number too large to be kept exactly (line %u)."),
                               line);
                  return FALSE;
                }
            }
          break;
        }

      if (p >= end)
        break;
    }

  return TRUE;
}

gboolean
sy_json_check_depth (const char  *data,
                     gssize       length,
                     guint        max_depth,
                     guint       *bad_line,
                     GError     **error)
{
  return check_text (data, length, max_depth, FALSE, bad_line, error);
}

gboolean
sy_json_check_integers (const char  *data,
                        gssize       length,
                        guint       *bad_line,
                        GError     **error)
{
  return check_text (data, length, G_MAXUINT, TRUE, bad_line, error);
}

/* json-glib turns an escaped lone surrogate ("\ud800") into bytes that
 * are not UTF-8 (found by tests/fuzz). Written out again they make a file
 * nothing reads (a saved connections.json would be moved aside as broken
 * on the next start), or a payload or an output line that is not text.
 * Such a string gets U+FFFD in place of the bad bytes, as any text quoted
 * from a server does. The recursion is as deep as the document, which
 * sy_json_check_depth() bounds. */
void
sy_json_repair_strings (JsonNode *node)
{
  /* An empty document has no root. */
  if (node == NULL)
    return;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GPtrArray) bad_names = g_ptr_array_new_with_free_func (g_free);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, object);
        while (json_object_iter_next (&iter, &name, &member))
          {
            sy_json_repair_strings (member);
            /* Member names take escapes too (found by tests/fuzz). */
            if (!g_utf8_validate (name, -1, NULL))
              g_ptr_array_add (bad_names, g_strdup (name));
          }

        /* Renamed after the walk: the iterator must not see the object change. */
        for (guint i = 0; i < bad_names->len; i++)
          {
            const char *bad_name = g_ptr_array_index (bad_names, i);
            g_autoptr(JsonNode) moved = json_object_dup_member (object, bad_name);
            g_autofree char *valid = g_utf8_make_valid (bad_name, -1);

            json_object_remove_member (object, bad_name);
            json_object_set_member (object, valid, g_steal_pointer (&moved));
          }
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          sy_json_repair_strings (json_array_get_element (array, i));
      }
      break;

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING &&
          !g_utf8_validate (json_node_get_string (node), -1, NULL))
        {
          g_autofree char *valid = g_utf8_make_valid (json_node_get_string (node), -1);

          json_node_set_string (node, valid);
        }
      /* A number beyond a double's range ("1e4000") parses as infinity,
       * which json-glib writes back as "inf": a file nothing reads, a
       * payload no server accepts (found by tests/fuzz). It holds no
       * value anyone can use, so it reads as null. */
      else if (json_node_get_value_type (node) == G_TYPE_DOUBLE &&
               !isfinite (json_node_get_double (node)))
        json_node_init_null (node);
      else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        {
          /* json-glib 1.6 writes a double whose shortest form has an
           * exponent but no point ("1e+40") with ".0" added: "1e+40.0",
           * which nothing reads back (found by tests/fuzz). The next
           * double towards zero, one unit in the last place away, has a
           * point ("9.9999999999999993e+39") and is what is kept. */
          double value = json_node_get_double (node);
          char text[G_ASCII_DTOSTR_BUF_SIZE];

          for (guint i = 0; i < 4; i++)
            {
              g_ascii_dtostr (text, sizeof text, value);
              if (strchr (text, 'e') == NULL || strchr (text, '.') != NULL)
                break;
              value = nextafter (value, 0.0);
            }
          if (value != json_node_get_double (node))
            json_node_set_double (node, value);
        }
      break;

    case JSON_NODE_NULL:
    default:
      break;
    }
}

gboolean
sy_json_parser_load (JsonParser  *parser,
                     const char  *data,
                     gssize       length,
                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (JSON_IS_PARSER (parser), FALSE);

  /* Both checks in one pass: pages can be tens of megabytes. */
  if (!check_text (data, length, SY_JSON_MAX_DEPTH, TRUE, NULL, error))
    return FALSE;
  if (!json_parser_load_from_data (parser, data != NULL ? data : "", length, &local_error))
    {
      /* json-glib quotes a bad string's bytes as they are; a message is
       * shown, so it must be text (found by tests/fuzz). */
      if (!g_utf8_validate (local_error->message, -1, NULL))
        {
          char *valid = g_utf8_make_valid (local_error->message, -1);

          g_free (local_error->message);
          local_error->message = valid;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* An immutable parser's nodes are sealed; its only user quotes what it
   * reads through sy_json_quote_server_text(), which mends text itself. */
  root = json_parser_get_root (parser);
  if (root != NULL && !json_node_is_immutable (root))
    sy_json_repair_strings (root);
  return TRUE;
}

JsonNode *
sy_json_parse (const char  *data,
               gssize       length,
               GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!sy_json_parser_load (parser, data, length, error))
    return NULL;

  root = json_parser_get_root (parser);
  return root != NULL ? json_node_ref (root) : NULL;
}
