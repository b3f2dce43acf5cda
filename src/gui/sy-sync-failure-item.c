/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sy-sync-failure-item-private.h"

struct _SySyncFailureItem
{
  GObject       parent_instance;

  SySyncResult *result;
  char         *reason;
};

G_DEFINE_FINAL_TYPE (SySyncFailureItem, sy_sync_failure_item, G_TYPE_OBJECT)

/* Field errors arrive as {"field": ["message", ...]}: people read them as
 * "field: message; message". Anything else is shown as it came. */
static void
append_field_errors (GString    *reason,
                     const char *field_errors)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObjectIter iter;
  const char *field;
  JsonNode *messages;

  if (field_errors == NULL || *field_errors == '\0')
    return;

  root = json_from_string (field_errors, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_string_append_printf (reason, "%s%s", reason->len > 0 ? " " : "", field_errors);
      return;
    }

  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &field, &messages))
    {
      g_string_append_printf (reason, "%s%s:", reason->len > 0 ? " " : "", field);
      if (JSON_NODE_HOLDS_ARRAY (messages))
        {
          JsonArray *array = json_node_get_array (messages);
          guint n = json_array_get_length (array);

          for (guint i = 0; i < n; i++)
            {
              JsonNode *message = json_array_get_element (array, i);

              if (JSON_NODE_HOLDS_VALUE (message) && json_node_get_value_type (message) == G_TYPE_STRING)
                g_string_append_printf (reason, "%s %s", i > 0 ? ";" : "", json_node_get_string (message));
            }
        }
      else if (JSON_NODE_HOLDS_VALUE (messages) && json_node_get_value_type (messages) == G_TYPE_STRING)
        g_string_append_printf (reason, " %s", json_node_get_string (messages));
    }
}

static void
sy_sync_failure_item_finalize (GObject *object)
{
  SySyncFailureItem *self = SY_SYNC_FAILURE_ITEM (object);

  g_clear_pointer (&self->result, sy_sync_result_free);
  g_free (self->reason);

  G_OBJECT_CLASS (sy_sync_failure_item_parent_class)->finalize (object);
}

static void
sy_sync_failure_item_class_init (SySyncFailureItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sy_sync_failure_item_finalize;
}

static void
sy_sync_failure_item_init (SySyncFailureItem *self)
{
}

SySyncFailureItem *
sy_sync_failure_item_new (const SySyncResult *result)
{
  SySyncFailureItem *self;
  GString *reason;

  g_return_val_if_fail (result != NULL, NULL);

  self = g_object_new (SY_TYPE_SYNC_FAILURE_ITEM, NULL);
  self->result = sy_sync_result_copy (result);

  reason = g_string_new (result->message);
  append_field_errors (reason, result->field_errors);
  if (reason->len == 0)
    g_string_append (reason, _("No reason given"));
  self->reason = g_string_free (reason, FALSE);
  return self;
}

const SySyncResult *
sy_sync_failure_item_get_result (SySyncFailureItem *self)
{
  g_return_val_if_fail (SY_IS_SYNC_FAILURE_ITEM (self), NULL);
  return self->result;
}

const char *
sy_sync_failure_item_get_source_key (SySyncFailureItem *self)
{
  g_return_val_if_fail (SY_IS_SYNC_FAILURE_ITEM (self), NULL);
  return self->result->source_key;
}

guint
sy_sync_failure_item_get_status (SySyncFailureItem *self)
{
  g_return_val_if_fail (SY_IS_SYNC_FAILURE_ITEM (self), 0);
  return self->result->status;
}

char *
sy_sync_failure_item_dup_status_text (SySyncFailureItem *self)
{
  g_return_val_if_fail (SY_IS_SYNC_FAILURE_ITEM (self), NULL);

  if (self->result->status == 0)
    /* Translators: the HTTP status of a failed record that got no answer */
    return g_strdup (C_("http status", "—"));
  return g_strdup_printf ("%u", self->result->status);
}

const char *
sy_sync_failure_item_get_reason (SySyncFailureItem *self)
{
  g_return_val_if_fail (SY_IS_SYNC_FAILURE_ITEM (self), NULL);
  return self->reason;
}

const char *
sy_sync_failure_item_get_request_id (SySyncFailureItem *self)
{
  g_return_val_if_fail (SY_IS_SYNC_FAILURE_ITEM (self), NULL);
  return self->result->request_id;
}
