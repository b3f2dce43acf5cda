/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-mapping.h"
#include "sy-mapping-transform.h"

/* ---- JSON ---- */

JsonNode *
sy_json_node_deep_copy (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *source = json_node_get_object (node);
        JsonObject *copy = json_object_new ();
        JsonNode *result = json_node_new (JSON_NODE_OBJECT);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init_ordered (&iter, source);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          json_object_set_member (copy, name, sy_json_node_deep_copy (member));
        json_node_take_object (result, copy);
        return result;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *source = json_node_get_array (node);
        guint n = json_array_get_length (source);
        JsonArray *copy = json_array_sized_new (n);
        JsonNode *result = json_node_new (JSON_NODE_ARRAY);

        for (guint i = 0; i < n; i++)
          json_array_add_element (copy, sy_json_node_deep_copy (json_array_get_element (source, i)));
        json_node_take_array (result, copy);
        return result;
      }

    case JSON_NODE_NULL:
      return json_node_new (JSON_NODE_NULL);

    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          return json_node_init_string (json_node_alloc (), json_node_get_string (node));
        case G_TYPE_INT64:
          return json_node_init_int (json_node_alloc (), json_node_get_int (node));
        case G_TYPE_BOOLEAN:
          return json_node_init_boolean (json_node_alloc (), json_node_get_boolean (node));
        case G_TYPE_DOUBLE:
        default:
          return json_node_init_double (json_node_alloc (), json_node_get_double (node));
        }
    }
}

/* ---- dotted paths ---- */

SyPath *
sy_path_compile (const char  *dotted,
                 char       **reason)
{
  g_auto(GStrv) parts = NULL;
  SyPath *path;

  if (dotted == NULL || *dotted == '\0')
    {
      *reason = g_strdup (_("the path is empty"));
      return NULL;
    }

  parts = g_strsplit (dotted, ".", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0')
        {
          *reason = g_strdup_printf (_("the path “%s” has an empty part"), dotted);
          return NULL;
        }
    }

  path = g_new0 (SyPath, 1);
  path->n_segments = g_strv_length (parts);
  path->indices = g_new (gint, path->n_segments);
  for (guint i = 0; i < path->n_segments; i++)
    {
      const char *p = parts[i];
      gint64 index = -1;

      while (g_ascii_isdigit (*p))
        p++;
      if (*p == '\0' && p - parts[i] < 9)
        index = g_ascii_strtoll (parts[i], NULL, 10);
      path->indices[i] = (gint) index;
    }
  path->segments = g_steal_pointer (&parts);
  return path;
}

void
sy_path_free (SyPath *path)
{
  if (path == NULL)
    return;
  g_strfreev (path->segments);
  g_free (path->indices);
  g_free (path);
}

JsonNode *
sy_path_lookup (const SyPath *path,
                JsonObject   *object)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, path->segments[0]);
  for (guint i = 1; i < path->n_segments && node != NULL; i++)
    {
      JsonNodeType type = JSON_NODE_TYPE (node);

      if (type == JSON_NODE_OBJECT)
        node = json_object_get_member (json_node_get_object (node), path->segments[i]);
      else if (type == JSON_NODE_ARRAY && path->indices[i] >= 0)
        {
          JsonArray *array = json_node_get_array (node);

          if ((guint) path->indices[i] < json_array_get_length (array))
            node = json_array_get_element (array, path->indices[i]);
          else
            node = NULL;
        }
      else
        node = NULL;
    }
  return node;
}

/* ---- templates ---- */

typedef struct
{
  char *literal;     /* text before the placeholder */
  char *path_text;   /* NULL for the trailing literal */
  SyPath *path;
} TemplatePart;

struct _SyTemplate
{
  guint n_parts;
  TemplatePart *parts;
  gsize literal_length;
};

void
sy_template_free (SyTemplate *template_)
{
  if (template_ == NULL)
    return;
  for (guint i = 0; i < template_->n_parts; i++)
    {
      g_free (template_->parts[i].literal);
      g_free (template_->parts[i].path_text);
      sy_path_free (template_->parts[i].path);
    }
  g_free (template_->parts);
  g_free (template_);
}

SyTemplate *
sy_template_compile (const char  *text,
                     char       **reason)
{
  g_autoptr(GArray) parts = g_array_new (FALSE, TRUE, sizeof (TemplatePart));
  g_autoptr(GString) literal = g_string_new (NULL);
  SyTemplate *template_;
  gsize literal_length = 0;
  const char *p = text;

  while (*p != '\0')
    {
      if (p[0] == '{' && p[1] == '{')
        {
          g_string_append_c (literal, '{');
          p += 2;
        }
      else if (p[0] == '}' && p[1] == '}')
        {
          g_string_append_c (literal, '}');
          p += 2;
        }
      else if (p[0] == '{')
        {
          const char *close = strchr (p + 1, '}');
          g_autofree char *path_text = NULL;
          g_autofree char *path_reason = NULL;
          TemplatePart part = { 0, };

          if (close == NULL)
            {
              *reason = g_strdup_printf (_("the template has a “{” without its “}” (write “{{” for a literal “{”)"));
              goto fail;
            }
          path_text = g_strstrip (g_strndup (p + 1, close - p - 1));
          part.path = sy_path_compile (path_text, &path_reason);
          if (part.path == NULL)
            {
              *reason = g_strdup_printf (_("the template placeholder “{%s}” is not a field path: %s"),
                                         path_text, path_reason);
              goto fail;
            }
          literal_length += literal->len;
          part.literal = g_strdup (literal->str);
          part.path_text = g_steal_pointer (&path_text);
          g_array_append_val (parts, part);
          g_string_truncate (literal, 0);
          p = close + 1;
        }
      else
        {
          g_string_append_c (literal, *p);
          p++;
        }
    }

  {
    TemplatePart tail = { g_strdup (literal->str), NULL, NULL };
    literal_length += literal->len;
    g_array_append_val (parts, tail);
  }

  template_ = g_new0 (SyTemplate, 1);
  template_->n_parts = parts->len;
  template_->literal_length = literal_length;
  template_->parts = (TemplatePart *) (gpointer) g_array_free (g_steal_pointer (&parts), FALSE);
  return template_;

fail:
  for (guint i = 0; i < parts->len; i++)
    {
      TemplatePart *part = &g_array_index (parts, TemplatePart, i);
      g_free (part->literal);
      g_free (part->path_text);
      sy_path_free (part->path);
    }
  return NULL;
}

/* Appends the text form of a scalar; FALSE for null, objects and arrays. */
gboolean
sy_mapping_append_scalar (GString  *out,
                          JsonNode *node)
{
  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return FALSE;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      g_string_append (out, json_node_get_string (node));
      return TRUE;
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      return TRUE;
    case G_TYPE_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];
        g_string_append (out, g_ascii_formatd (buffer, sizeof buffer, "%.15g", json_node_get_double (node)));
        return TRUE;
      }
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      return TRUE;
    default:
      return FALSE;
    }
}

char *
sy_template_render (const SyTemplate  *template_,
                    JsonObject        *object,
                    const char       **missing)
{
  GString *out = g_string_sized_new (template_->literal_length + 16 * template_->n_parts);

  for (guint i = 0; i < template_->n_parts; i++)
    {
      const TemplatePart *part = &template_->parts[i];

      g_string_append (out, part->literal);
      if (part->path != NULL && !sy_mapping_append_scalar (out, sy_path_lookup (part->path, object)))
        {
          *missing = part->path_text;
          g_string_free (out, TRUE);
          return NULL;
        }
    }
  return g_string_free (out, FALSE);
}

void
sy_template_add_roots (const SyTemplate *template_,
                       GHashTable       *set)
{
  for (guint i = 0; i < template_->n_parts; i++)
    if (template_->parts[i].path != NULL)
      g_hash_table_add (set, g_strdup (template_->parts[i].path->segments[0]));
}
