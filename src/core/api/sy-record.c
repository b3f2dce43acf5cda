/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-json.h"
#include "sy-record.h"

struct _SyRecord
{
  GObject     parent_instance;

  JsonObject *object;
  char       *key;
};

G_DEFINE_FINAL_TYPE (SyRecord, sy_record, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_OBJECT,
  PROP_KEY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* An object cell shows this many of its values: enough to recognise an
 * address, short enough for a column. */
#define OBJECT_SUMMARY_VALUES 3

static void
sy_record_set_object (SyRecord   *self,
                      JsonObject *object)
{
  g_return_if_fail (self->object == NULL);

  self->object = object ? json_object_ref (object) : json_object_new ();
  self->key = sy_json_object_dup_text (self->object, "key");
}

static void
sy_record_finalize (GObject *object)
{
  SyRecord *self = (SyRecord *)object;

  g_clear_pointer (&self->object, json_object_unref);
  g_clear_pointer (&self->key, g_free);

  G_OBJECT_CLASS (sy_record_parent_class)->finalize (object);
}

static void
sy_record_constructed (GObject *object)
{
  SyRecord *self = (SyRecord *)object;

  G_OBJECT_CLASS (sy_record_parent_class)->constructed (object);

  if (self->object == NULL)
    sy_record_set_object (self, NULL);
}

static void
sy_record_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SyRecord *self = SY_RECORD (object);

  switch (prop_id)
    {
    case PROP_OBJECT:
      g_value_set_boxed (value, self->object);
      break;
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_record_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  SyRecord *self = SY_RECORD (object);

  switch (prop_id)
    {
    case PROP_OBJECT:
      sy_record_set_object (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_record_class_init (SyRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sy_record_constructed;
  object_class->finalize = sy_record_finalize;
  object_class->get_property = sy_record_get_property;
  object_class->set_property = sy_record_set_property;

  properties[PROP_OBJECT] =
    g_param_spec_boxed ("object", NULL, NULL,
                        JSON_TYPE_OBJECT,
                        (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_record_init (SyRecord *self)
{
}

SyRecord *
sy_record_new (JsonObject *object)
{
  return g_object_new (SY_TYPE_RECORD, "object", object, NULL);
}

JsonObject *
sy_record_get_object (SyRecord *self)
{
  g_return_val_if_fail (SY_IS_RECORD (self), NULL);

  return self->object;
}

const char *
sy_record_get_key (SyRecord *self)
{
  g_return_val_if_fail (SY_IS_RECORD (self), NULL);

  return self->key;
}

/* A timestamp the server sends as ISO 8601 reads better in the user's
 * time zone and without seconds and fractions; anything that does not
 * parse as a full date-time is left as it is. */
static char *
describe_string (const char *text)
{
  g_autoptr(GDateTime) parsed = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *one_line = NULL;

  if (text == NULL)
    return g_strdup ("");

  if (strlen (text) >= 16 && g_ascii_isdigit (text[0]) && text[4] == '-')
    parsed = g_date_time_new_from_iso8601 (text, NULL);
  if (parsed != NULL)
    {
      local = g_date_time_to_local (parsed);
      if (local != NULL)
        return g_date_time_format (local, "%Y-%m-%d %H:%M");
    }

  /* A cell holds one line. */
  one_line = g_strdup (text);
  g_strdelimit (one_line, "\r\n\t", ' ');
  return g_steal_pointer (&one_line);
}

/* What tells the elements of a nested list apart, best first. */
static const char * const element_name_fields[] = {
  "sku", "code", "name", "orderNumber", "productKey", "itemKey", "key",
};

#define ARRAY_SUMMARY_VALUES 3

/* An element of a nested list in a few characters: "4 × SKU-1" for an
 * order line, the value itself for a scalar; NULL when nothing names it. */
static char *
describe_element (JsonNode *element)
{
  JsonObject *object;
  JsonNode *quantity;

  if (JSON_NODE_TYPE (element) == JSON_NODE_VALUE)
    {
      g_autofree char *text = sy_record_describe_value (NULL, element);

      return text[0] != '\0' ? g_steal_pointer (&text) : NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (element))
    return NULL;

  object = json_node_get_object (element);
  quantity = json_object_get_member (object, "quantity");
  for (guint i = 0; i < G_N_ELEMENTS (element_name_fields); i++)
    {
      JsonNode *member = json_object_get_member (object, element_name_fields[i]);
      g_autofree char *name = NULL;

      if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_VALUE)
        continue;
      name = sy_record_describe_value (element_name_fields[i], member);
      if (name[0] == '\0')
        continue;
      if (quantity != NULL && JSON_NODE_TYPE (quantity) == JSON_NODE_VALUE)
        {
          g_autofree char *amount = sy_record_describe_value ("quantity", quantity);

          /* Translators: an order line in a table cell: quantity and product, e.g. "4 × SKU-1" */
          return g_strdup_printf (C_("order line", "%s × %s"), amount, name);
        }
      return g_steal_pointer (&name);
    }

  return NULL;
}

static char *
describe_array (const char *field,
                JsonArray  *array)
{
  guint n = json_array_get_length (array);
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree char *count = NULL;

  if (field != NULL &&
      (g_str_equal (field, "lines") || g_str_has_suffix (field, "lineItems") ||
       g_str_has_suffix (field, "LineItems")))
    count = g_strdup_printf (ngettext ("%u line", "%u lines", n), n);
  else
    count = g_strdup_printf (ngettext ("%u item", "%u items", n), n);

  /* "4 lines" alone says nothing about an order: name the first few. */
  for (guint i = 0; i < MIN (n, ARRAY_SUMMARY_VALUES); i++)
    {
      g_autofree char *name = describe_element (json_array_get_element (array, i));

      if (name == NULL)
        return g_steal_pointer (&count);
      if (i > 0)
        g_string_append (names, _(", "));
      g_string_append (names, name);
    }
  if (names->len == 0)
    return g_steal_pointer (&count);
  if (n > ARRAY_SUMMARY_VALUES)
    g_string_append (names, "…");

  /* Translators: a nested list in a table cell: its size, then its first elements, e.g. "3 lines: 4 × SKU-1, 2 × SKU-2, 1 × SKU-3" */
  return g_strdup_printf (C_("nested list", "%s: %s"), count, names->str);
}

static char *
describe_object (JsonObject *object)
{
  g_autoptr(GString) summary = g_string_new (NULL);
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;
  guint shown = 0;

  json_object_iter_init_ordered (&iter, object);
  while (shown < OBJECT_SUMMARY_VALUES && json_object_iter_next_ordered (&iter, &member_name, &member))
    {
      g_autofree char *text = NULL;

      if (JSON_NODE_TYPE (member) != JSON_NODE_VALUE)
        continue;
      text = sy_record_describe_value (member_name, member);
      if (text[0] == '\0')
        continue;
      if (shown > 0)
        /* Translators: separates the values of a nested object in a table cell */
        g_string_append (summary, _(", "));
      g_string_append (summary, text);
      shown++;
    }

  return g_string_free (g_steal_pointer (&summary), FALSE);
}

char *
sy_record_describe_value (const char *field,
                          JsonNode   *value)
{
  if (value == NULL)
    return g_strdup ("");

  switch (JSON_NODE_TYPE (value))
    {
    case JSON_NODE_NULL:
      return g_strdup ("");
    case JSON_NODE_ARRAY:
      return describe_array (field, json_node_get_array (value));
    case JSON_NODE_OBJECT:
      return describe_object (json_node_get_object (value));
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (value))
    {
    case G_TYPE_STRING:
      return describe_string (json_node_get_string (value));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
    case G_TYPE_DOUBLE:
      /* Enough digits for amounts and quantities, without float noise. */
      return g_strdup_printf ("%.12g", json_node_get_double (value));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (value) ? _("Yes") : _("No"));
    default:
      return g_strdup ("");
    }
}

char *
sy_record_get_display_text (SyRecord   *self,
                            const char *field)
{
  g_return_val_if_fail (SY_IS_RECORD (self), NULL);
  g_return_val_if_fail (field != NULL, NULL);

  return sy_record_describe_value (field, json_object_get_member (self->object, field));
}

static const struct
{
  const char *field;
  const char *title;
} known_titles[] = {
  { "key", N_("Key") },
  { "code", N_("Code") },
  { "name", N_("Name") },
  { "orderNumber", N_("Order Number") },
  { "status", N_("Status") },
  { "statusKey", N_("Status") },
  { "total", N_("Total") },
  { "customerKey", N_("Customer") },
  { "productKey", N_("Product") },
  { "locationKey", N_("Location") },
  { "currencyKey", N_("Currency") },
  { "date", N_("Date") },
  { "quantity", N_("Quantity") },
  { "price", N_("Price") },
  { "sku", N_("SKU") },
  { "lines", N_("Lines") },
  { "createdAt", N_("Created") },
  { "updatedAt", N_("Updated") },
};

/* Fields nobody translated yet still get a readable title: camelCase and
 * snake_case become capitalised words. */
static char *
title_from_identifier (const char *field)
{
  g_autoptr(GString) title = g_string_new (NULL);
  gboolean word_start = TRUE;

  for (const char *p = field; *p != '\0'; p++)
    {
      if (*p == '_' || *p == '-')
        {
          word_start = TRUE;
          continue;
        }
      if (g_ascii_isupper (*p) && title->len > 0 && !g_ascii_isupper (p[-1]))
        word_start = TRUE;
      if (word_start && title->len > 0)
        g_string_append_c (title, ' ');
      g_string_append_c (title, word_start ? g_ascii_toupper (*p) : *p);
      word_start = FALSE;
    }

  return g_string_free (g_steal_pointer (&title), FALSE);
}

char *
sy_record_get_field_title (const char *field)
{
  g_return_val_if_fail (field != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (known_titles); i++)
    if (g_str_equal (field, known_titles[i].field))
      return g_strdup (_(known_titles[i].title));

  return title_from_identifier (field);
}
