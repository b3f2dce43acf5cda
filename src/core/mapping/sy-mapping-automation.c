/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-mapping.h"
#include "sy-mapping-private.h"

/* The optional "automation" member of a mapping file: when the mapping runs
 * without a person (docs/architecture.md §6). */

static const char *const automation_members[] = { "every_minutes", "at", "on_changes", NULL };

gboolean
sy_mapping_parse_time (const char *text,
                       guint      *hour,
                       guint      *minute)
{
  guint h, m;

  g_return_val_if_fail (text != NULL, FALSE);

  /* Exactly "HH:MM": a file is compared and merged as text, so one time
   * has one spelling. */
  if (strlen (text) != 5 || text[2] != ':' ||
      !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[1]) ||
      !g_ascii_isdigit (text[3]) || !g_ascii_isdigit (text[4]))
    return FALSE;
  h = (guint) (text[0] - '0') * 10 + (guint) (text[1] - '0');
  m = (guint) (text[3] - '0') * 10 + (guint) (text[4] - '0');
  if (h > 23 || m > 59)
    return FALSE;
  if (hour != NULL)
    *hour = h;
  if (minute != NULL)
    *minute = m;
  return TRUE;
}

gboolean
sy_mapping_parse_automation (SyMapping         *self,
                             JsonObject        *root,
                             SyMappingLocator  *locator,
                             GError           **error)
{
  JsonNode *node = json_object_get_member (root, "automation");
  JsonObject *automation;
  g_autoptr(GPtrArray) times = g_ptr_array_new_with_free_func (g_free);
  guint every_minutes = 0;
  gboolean on_changes = FALSE;
  g_autoptr(GList) members = NULL;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      *error = sy_mapping_locator_error (locator, root, "automation",
                                         _("“automation” must be an object {\"every_minutes\": …, \"at\": […], \"on_changes\": …}"));
      return FALSE;
    }
  automation = json_node_get_object (node);

  members = json_object_get_members (automation);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (automation_members, l->data))
      {
        g_autofree char *list = g_strjoinv (", ", (char **) automation_members);

        *error = sy_mapping_locator_error (locator, automation, l->data, _("%s has no member “%s” (known: %s)"),
                                           _("“automation”"), (const char *) l->data, list);
        return FALSE;
      }

  if ((node = json_object_get_member (automation, "every_minutes")) != NULL)
    {
      gint64 value;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
          (value = json_node_get_int (node)) < 1 || value > SY_MAPPING_EVERY_MINUTES_MAX)
        {
          *error = sy_mapping_locator_error (locator, automation, "every_minutes",
                                             _("“every_minutes” must be a whole number of minutes from 1 to %d (a week)"),
                                             SY_MAPPING_EVERY_MINUTES_MAX);
          return FALSE;
        }
      every_minutes = (guint) value;
    }

  if ((node = json_object_get_member (automation, "at")) != NULL)
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          *error = sy_mapping_locator_error (locator, automation, "at",
                                             _("“at” must be a list of local times such as [\"06:00\", \"18:30\"]"));
          return FALSE;
        }
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          const char *text = NULL;

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
            text = json_node_get_string (element);
          if (text == NULL || !sy_mapping_parse_time (text, NULL, NULL))
            {
              *error = sy_mapping_locator_error (locator, automation, "at",
                                                 _("element %u of “at” is not a time of day written HH:MM (00:00 to 23:59)"),
                                                 i + 1);
              return FALSE;
            }
          for (guint j = 0; j < times->len; j++)
            if (g_str_equal (g_ptr_array_index (times, j), text))
              {
                *error = sy_mapping_locator_error (locator, automation, "at",
                                                   _("“at” lists %s twice"), text);
                return FALSE;
              }
          g_ptr_array_add (times, g_strdup (text));
        }
    }

  if ((node = json_object_get_member (automation, "on_changes")) != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        {
          *error = sy_mapping_locator_error (locator, automation, "on_changes",
                                             _("“on_changes” must be true or false"));
          return FALSE;
        }
      on_changes = json_node_get_boolean (node);
    }

  g_ptr_array_add (times, NULL);
  g_strfreev (self->at_times);
  self->at_times = (GStrv) g_ptr_array_steal (times, NULL);
  self->every_minutes = every_minutes;
  self->on_changes = on_changes;
  return TRUE;
}

/* What was set, in a fixed order, on one line; nothing when nothing is
 * set, so that a file without the member is written as it was. */
void
sy_mapping_append_automation (SyMapping *self,
                              GString   *out)
{
  gboolean first = TRUE;

  if (!sy_mapping_has_automation (self))
    return;

  g_string_append (out, ",\n  \"automation\": {");
  if (self->every_minutes > 0)
    {
      g_string_append_printf (out, "\"every_minutes\": %u", self->every_minutes);
      first = FALSE;
    }
  if (self->at_times[0] != NULL)
    {
      g_string_append (out, first ? "\"at\": [" : ", \"at\": [");
      for (guint i = 0; self->at_times[i] != NULL; i++)
        g_string_append_printf (out, i > 0 ? ", \"%s\"" : "\"%s\"", self->at_times[i]);
      g_string_append_c (out, ']');
      first = FALSE;
    }
  if (self->on_changes)
    g_string_append (out, first ? "\"on_changes\": true" : ", \"on_changes\": true");
  g_string_append_c (out, '}');
}

gboolean
sy_mapping_has_automation (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), FALSE);

  return self->every_minutes > 0 || self->at_times[0] != NULL || self->on_changes;
}

guint
sy_mapping_get_every_minutes (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), 0);

  return self->every_minutes;
}

const char * const *
sy_mapping_get_at_times (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), NULL);

  return (const char * const *) self->at_times;
}

gboolean
sy_mapping_get_on_changes (SyMapping *self)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), FALSE);

  return self->on_changes;
}

gboolean
sy_mapping_set_automation (SyMapping          *self,
                           guint               every_minutes,
                           const char * const *at_times,
                           gboolean            on_changes,
                           GError            **error)
{
  g_return_val_if_fail (SY_IS_MAPPING (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (every_minutes > SY_MAPPING_EVERY_MINUTES_MAX)
    {
      g_set_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID,
                   _("“every_minutes” must be a whole number of minutes from 1 to %d (a week)"),
                   SY_MAPPING_EVERY_MINUTES_MAX);
      return FALSE;
    }
  for (guint i = 0; at_times != NULL && at_times[i] != NULL; i++)
    {
      if (!sy_mapping_parse_time (at_times[i], NULL, NULL))
        {
          g_autofree char *shown = g_utf8_make_valid (at_times[i], -1);

          g_set_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID,
                       _("“%s” is not a time of day written HH:MM (00:00 to 23:59)"), shown);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (g_str_equal (at_times[i], at_times[j]))
          {
            g_set_error (error, SY_MAPPING_ERROR, SY_MAPPING_ERROR_INVALID,
                         _("“at” lists %s twice"), at_times[i]);
            return FALSE;
          }
    }

  g_strfreev (self->at_times);
  self->at_times = at_times != NULL ? g_strdupv ((char **) at_times) : g_new0 (char *, 1);
  self->every_minutes = every_minutes;
  self->on_changes = on_changes;
  g_signal_emit_by_name (self, "changed");
  return TRUE;
}
