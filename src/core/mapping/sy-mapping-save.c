/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-mapping.h"
#include "sy-mapping-private.h"

/* ---- writing ---- */

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_double (GString *out,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  const char *text = g_ascii_formatd (buffer, sizeof buffer, "%.15g", value);

  if (g_ascii_strtod (text, NULL) != value)
    text = g_ascii_formatd (buffer, sizeof buffer, "%.17g", value);
  g_string_append (out, text);
  if (strpbrk (text, ".eEn") == NULL)
    g_string_append (out, ".0");
}

/* One line per node, the way §8 writes rules: {"a": 1, "b": [2, 3]}. A
 * rule's "each" list breaks onto lines of its own at indent + 2. */
static void
append_compact (GString    *out,
                JsonNode   *node,
                gboolean    is_rule,
                guint       indent)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = json_object_get_members (object);

        g_string_append_c (out, '{');
        for (GList *l = members; l != NULL; l = l->next)
          {
            JsonNode *member = json_object_get_member (object, l->data);

            if (l != members)
              g_string_append (out, ", ");
            append_json_string (out, l->data);
            g_string_append (out, ": ");
            if (is_rule && g_str_equal (l->data, "each") && JSON_NODE_HOLDS_ARRAY (member))
              {
                JsonArray *children = json_node_get_array (member);

                g_string_append_c (out, '[');
                for (guint i = 0; i < json_array_get_length (children); i++)
                  {
                    g_string_append (out, i > 0 ? ",\n" : "\n");
                    g_string_append_printf (out, "%*s", indent + 2, "");
                    append_compact (out, json_array_get_element (children, i), TRUE, indent + 2);
                  }
                g_string_append_c (out, ']');
              }
            else
              append_compact (out, member, FALSE, indent);
          }
        g_string_append_c (out, '}');
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        g_string_append_c (out, '[');
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            if (i > 0)
              g_string_append (out, ", ");
            append_compact (out, json_array_get_element (array, i), FALSE, indent);
          }
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;

    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          append_json_string (out, json_node_get_string (node));
          break;
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        default:
          append_double (out, json_node_get_double (node));
          break;
        }
      break;
    }
}

static void
append_end (GString    *out,
            const char *member,
            const char *first_name,
            const char *first,
            const char *second_name,
            const char *second)
{
  g_string_append (out, ",\n  ");
  append_json_string (out, member);
  g_string_append (out, ": {");
  append_json_string (out, first_name);
  g_string_append (out, ": ");
  append_json_string (out, first != NULL ? first : "");
  g_string_append (out, ", ");
  append_json_string (out, second_name);
  g_string_append (out, ": ");
  append_json_string (out, second != NULL ? second : "");
  g_string_append_c (out, '}');
}

char *
sy_mapping_to_data (SyMapping *self,
                    gsize     *length)
{
  GString *out = g_string_new ("{\n  \"version\": 1,\n  \"name\": ");

  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);

  append_json_string (out, self->name != NULL ? self->name : "");
  append_end (out, "source", "connection", self->source_connection, "entity", self->source_entity);
  append_end (out, "target", "connection", self->target_connection, "entity", self->target_entity);
  if (self->match_source != NULL || self->match_target != NULL)
    append_end (out, "match", "source", self->match_source, "target", self->match_target);
  sy_mapping_append_automation (self, out);

  g_string_append (out, ",\n  \"fields\": [");
  for (guint i = 0; i < self->rule_array->len; i++)
    {
      g_autoptr(JsonNode) rule = sy_mapping_rule_to_json (g_ptr_array_index (self->rule_array, i));

      g_string_append (out, i > 0 ? ",\n    " : "\n    ");
      append_compact (out, rule, TRUE, 4);
    }
  g_string_append (out, self->rule_array->len > 0 ? "\n  ]\n}\n" : "]\n}\n");

  if (length != NULL)
    *length = out->len;
  return g_string_free (out, FALSE);
}

gboolean
sy_mapping_save_file (SyMapping   *self,
                      const char  *path,
                      GError     **error)
{
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (SY_IS_MAPPING (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  data = sy_mapping_to_data (self, &length);
  /* Written to a temporary file, synced and renamed over the old one: a
   * failure at any point leaves the old file as it was. */
  return g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static void
save_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GFile *file = g_object_get_data (G_OBJECT (task), "file");
  GBytes *bytes = task_data;
  g_autofree char *path = g_file_get_path (file);
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  GError *error = NULL;
  gboolean ok;

  if (g_task_return_error_if_cancelled (task))
    return;

  /* A local file goes through g_file_set_contents_full(), which removes
   * its temporary file when a write fails; anything else through GIO. */
  if (path != NULL)
    ok = g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error);
  else
    ok = g_file_replace_contents (file, data, length, NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                  cancellable, &error);
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
sy_mapping_save_async (SyMapping           *self,
                       GFile               *file,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  char *data;
  gsize length;

  g_return_if_fail (SY_IS_MAPPING (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_mapping_save_async);

  /* Serialised here, on the caller's thread, so that later edits cannot
   * race the write; the thread writes a temporary file and renames it
   * over the old one only once everything was written. */
  data = sy_mapping_to_data (self, &length);
  g_task_set_task_data (task, g_bytes_new_take (data, length), (GDestroyNotify) g_bytes_unref);
  g_object_set_data_full (G_OBJECT (task), "file", g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, save_in_thread);
}

gboolean
sy_mapping_save_finish (SyMapping     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
