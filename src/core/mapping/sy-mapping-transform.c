/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <glib/gi18n.h>

#include "sy-mapping.h"
#include "sy-mapping-transform.h"

/* ---- transforms ---- */

typedef enum
{
  STEP_DATE,
  STEP_NUMBER,
  STEP_LOOKUP,
  STEP_TRIM,
  STEP_UPPER,
  STEP_LOWER,
} StepKind;

typedef struct
{
  StepKind kind;

  /* date */
  char *from;             /* strptime format, or NULL for ISO 8601 / YYYY-MM-DD */
  char *to;               /* g_date_time_format format, or NULL for ISO 8601 */

  /* number */
  gint scale;             /* -1: keep the precision */
  char decimal;
  char thousands;         /* '\0': none accepted */

  /* lookup */
  GHashTable *table;      /* char * → JsonNode * */
} Step;

struct _SyTransform
{
  guint n_steps;
  Step *steps;
};

void
sy_transform_free (SyTransform *transform)
{
  if (transform == NULL)
    return;
  for (guint i = 0; i < transform->n_steps; i++)
    {
      g_free (transform->steps[i].from);
      g_free (transform->steps[i].to);
      g_clear_pointer (&transform->steps[i].table, g_hash_table_unref);
    }
  g_free (transform->steps);
  g_free (transform);
}

#define FAIL(container, member, ...) \
  G_STMT_START { \
    *reason = g_strdup_printf (__VA_ARGS__); \
    *fault_container = (container); \
    *fault_member = (member); \
    return FALSE; \
  } G_STMT_END

static gboolean
check_format (const char *format,
              const char *known,
              gboolean    allow_colons)
{
  for (const char *p = format; *p != '\0'; p++)
    {
      if (*p != '%')
        continue;
      p++;
      /* GLib's padding and alternative-digit modifiers. */
      while (*p != '\0' && strchr ("_-0^#EO", *p) != NULL)
        p++;
      if (allow_colons)
        while (*p == ':')
          p++;
      if (*p == '\0' || strchr (known, *p) == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_string_member (JsonObject *object,
                  const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
compile_date (JsonObject     *options,
              Step           *step,
              char          **reason,
              gconstpointer  *fault_container,
              const char    **fault_member)
{
  g_autoptr(GList) members = json_object_get_members (options);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "from") && !g_str_equal (l->data, "to"))
      FAIL (options, l->data, _("the date transform has no option “%s” (it knows “from” and “to”)"),
            (const char *) l->data);

  if (!json_object_has_member (options, "to"))
    FAIL (options, NULL, _("the date transform needs “to”, the output format (e.g. “%%Y-%%m-%%d”)"));
  if (!is_string_member (options, "to"))
    FAIL (options, "to", _("the date transform’s “to” must be a string"));
  if (json_object_has_member (options, "from") && !is_string_member (options, "from"))
    FAIL (options, "from", _("the date transform’s “from” must be a string"));

  {
    const char *to = json_object_get_string_member (options, "to");

    if (g_ascii_strcasecmp (to, "iso8601") == 0)
      step->to = NULL;
    else if (*to == '\0' || !check_format (to, "aAbBcCdeFgGhHIjklmMpPrRsStTuVwxXyYzZ%", TRUE))
      FAIL (options, "to", _("“%s” is not a date format GLib understands (use directives such as %%Y, %%m, %%d, %%H)"), to);
    else
      step->to = g_strdup (to);
  }

  if (json_object_has_member (options, "from"))
    {
      const char *from = json_object_get_string_member (options, "from");

      if (g_ascii_strcasecmp (from, "iso8601") == 0)
        step->from = NULL;
      else if (strchr (from, '%') == NULL ||
               !check_format (from, "aAbBcCdDeFgGhHIjmMnprRsStTuUVwWxXyYzZ%", FALSE))
        FAIL (options, "from", _("“%s” is not a date format (use “iso8601” or directives such as %%d/%%m/%%Y)"), from);
      else
        step->from = g_strdup (from);
    }
  return TRUE;
}

static gboolean
compile_number (JsonObject     *options,
                Step           *step,
                char          **reason,
                gconstpointer  *fault_container,
                const char    **fault_member)
{
  g_autoptr(GList) members = json_object_get_members (options);

  step->scale = -1;
  step->decimal = '.';
  step->thousands = '\0';

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (options, name);

      if (g_str_equal (name, "scale"))
        {
          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
              json_node_get_int (node) < 0 || json_node_get_int (node) > 12)
            FAIL (options, name, _("the number transform’s “scale” must be a whole number from 0 to 12"));
          step->scale = (gint) json_node_get_int (node);
        }
      else if (g_str_equal (name, "decimal"))
        {
          const char *text = is_string_member (options, name) ? json_node_get_string (node) : NULL;

          if (text == NULL || (!g_str_equal (text, ".") && !g_str_equal (text, ",")))
            FAIL (options, name, _("the number transform’s “decimal” must be “.” or “,”"));
          step->decimal = text[0];
        }
      else if (g_str_equal (name, "thousands"))
        {
          const char *text = is_string_member (options, name) ? json_node_get_string (node) : NULL;

          if (text == NULL || (!g_str_equal (text, ",") && !g_str_equal (text, ".") &&
                               !g_str_equal (text, " ") && !g_str_equal (text, "")))
            FAIL (options, name, _("the number transform’s “thousands” must be “,”, “.”, “ ” or “”"));
          step->thousands = text[0];
        }
      else
        FAIL (options, name, _("the number transform has no option “%s” (it knows “scale”, “decimal” and “thousands”)"),
              name);
    }

  if (step->thousands == step->decimal)
    FAIL (options, "thousands", _("the number transform’s “thousands” and “decimal” separators must differ"));
  return TRUE;
}

static gboolean
compile_lookup (JsonObject     *table,
                Step           *step,
                char          **reason,
                gconstpointer  *fault_container,
                const char    **fault_member)
{
  g_autoptr(GList) members = json_object_get_members (table);

  step->table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_node_unref);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (table, l->data);

      if (!JSON_NODE_HOLDS_VALUE (node) && !JSON_NODE_HOLDS_NULL (node))
        FAIL (table, l->data, _("the lookup value for “%s” must be a string, a number, a boolean or null"),
              (const char *) l->data);
      g_hash_table_insert (step->table, g_strdup (l->data), sy_json_node_deep_copy (node));
    }
  return TRUE;
}

static gboolean
compile_step (JsonNode       *node,
              Step           *step,
              char          **reason,
              gconstpointer  *fault_container,
              const char    **fault_member)
{
  static const char *const names[] = { "date", "number", "lookup", "trim", "upper", "lower" };
  JsonObject *object;
  const char *name;
  JsonNode *options;
  guint kind;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);

      for (kind = STEP_TRIM; kind <= STEP_LOWER; kind++)
        if (g_str_equal (text, names[kind]))
          {
            step->kind = kind;
            return TRUE;
          }
      if (g_str_equal (text, "date") || g_str_equal (text, "number") || g_str_equal (text, "lookup"))
        FAIL (NULL, NULL, _("the %s transform needs options, e.g. {\"%s\": {…}}"), text, text);
      FAIL (NULL, NULL, _("unknown transform “%s” (known: date, number, lookup, trim, upper, lower)"), text);
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    FAIL (NULL, NULL, _("a transform must be an object such as {\"trim\": true}, a name or a list of these"));

  object = json_node_get_object (node);
  if (json_object_get_size (object) != 1)
    FAIL (object, NULL, _("a transform object must hold exactly one transform (use a list to chain them)"));

  {
    g_autoptr(GList) members = json_object_get_members (object);
    name = members->data;
  }
  options = json_object_get_member (object, name);

  for (kind = 0; kind < G_N_ELEMENTS (names); kind++)
    if (g_str_equal (name, names[kind]))
      break;
  if (kind == G_N_ELEMENTS (names))
    FAIL (object, name, _("unknown transform “%s” (known: date, number, lookup, trim, upper, lower)"), name);
  step->kind = kind;

  switch (step->kind)
    {
    case STEP_DATE:
    case STEP_NUMBER:
    case STEP_LOOKUP:
      if (!JSON_NODE_HOLDS_OBJECT (options))
        FAIL (object, name, _("the %s transform’s options must be an object"), name);
      if (step->kind == STEP_DATE)
        return compile_date (json_node_get_object (options), step, reason, fault_container, fault_member);
      if (step->kind == STEP_NUMBER)
        return compile_number (json_node_get_object (options), step, reason, fault_container, fault_member);
      return compile_lookup (json_node_get_object (options), step, reason, fault_container, fault_member);

    case STEP_TRIM:
    case STEP_UPPER:
    case STEP_LOWER:
    default:
      if (!JSON_NODE_HOLDS_VALUE (options) || json_node_get_value_type (options) != G_TYPE_BOOLEAN ||
          !json_node_get_boolean (options))
        FAIL (object, name, _("the %s transform takes no options: write {\"%s\": true}"), name, name);
      return TRUE;
    }
}

SyTransform *
sy_transform_compile (JsonNode       *node,
                      char          **reason,
                      gconstpointer  *fault_container,
                      const char    **fault_member)
{
  g_autoptr(GArray) steps = g_array_new (FALSE, TRUE, sizeof (Step));
  SyTransform *transform;
  gboolean ok = TRUE;

  *fault_container = NULL;
  *fault_member = NULL;

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      if (json_array_get_length (array) == 0)
        {
          *reason = g_strdup (_("an empty list of transforms"));
          return NULL;
        }
      for (guint i = 0; i < json_array_get_length (array) && ok; i++)
        {
          Step step = { 0, };
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_ARRAY (element))
            {
              *reason = g_strdup (_("a list of transforms cannot hold another list"));
              ok = FALSE;
              break;
            }
          ok = compile_step (element, &step, reason, fault_container, fault_member);
          g_array_append_val (steps, step);
        }
    }
  else if (node != NULL)
    {
      Step step = { 0, };

      ok = compile_step (node, &step, reason, fault_container, fault_member);
      g_array_append_val (steps, step);
    }
  else
    {
      *reason = g_strdup (_("the transform is empty"));
      return NULL;
    }

  transform = g_new0 (SyTransform, 1);
  transform->n_steps = steps->len;
  transform->steps = (Step *) (gpointer) g_array_free (g_steal_pointer (&steps), FALSE);
  if (!ok)
    {
      sy_transform_free (transform);
      return NULL;
    }
  return transform;
}

static const char *
node_string (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static char *
node_text (JsonNode *node)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (!sy_mapping_append_scalar (out, node))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static JsonNode *
string_node_take (char *text)
{
  JsonNode *node = json_node_alloc ();

  json_node_init_string (node, text);
  g_free (text);
  return node;
}

/* ---- date ---- */

static GDateTime *
parse_plain_date (const char *text)
{
  int year, month, day;

  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return NULL;
  for (guint i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
      return NULL;
  year = (int) g_ascii_strtoll (text, NULL, 10);
  month = (int) g_ascii_strtoll (text + 5, NULL, 10);
  day = (int) g_ascii_strtoll (text + 8, NULL, 10);
  return g_date_time_new_utc (year, month, day, 0, 0, 0);
}

static GDateTime *
parse_date (const Step *step,
            const char *text)
{
  if (step->from == NULL)
    {
      static GTimeZone *utc;
      GDateTime *time;

      if (g_once_init_enter (&utc))
        g_once_init_leave (&utc, g_time_zone_new_utc ());

      /* Times without a zone are read as UTC: the result must not depend
       * on the machine that applies the mapping. */
      time = g_date_time_new_from_iso8601 (text, utc);
      if (time == NULL && strlen (text) > 10 && text[10] == ' ')
        {
          /* "2024-06-01 10:11:12", as databases and spreadsheets write it. */
          g_autofree char *with_t = g_strdup (text);

          with_t[10] = 'T';
          time = g_date_time_new_from_iso8601 (with_t, utc);
        }
      return time != NULL ? time : parse_plain_date (text);
    }
  else
    {
      struct tm tm = { 0, };
      g_autoptr(GTimeZone) zone = NULL;
      GDateTime *time;
      const char *end;

      tm.tm_year = 70;
      tm.tm_mday = 1;
      end = strptime (text, step->from, &tm);
      if (end == NULL)
        return NULL;
      while (g_ascii_isspace (*end))
        end++;
      if (*end != '\0')
        return NULL;
      zone = g_time_zone_new_offset ((gint32) tm.tm_gmtoff);
      time = g_date_time_new (zone, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                              tm.tm_hour, tm.tm_min, tm.tm_sec);
      /* strptime() reads %s into the machine's zone; the result must not
       * depend on the machine. */
      if (time != NULL && strstr (step->from, "%s") != NULL)
        {
          GDateTime *utc_time = g_date_time_to_utc (time);

          g_date_time_unref (time);
          time = utc_time;
        }
      return time;
    }
}

static JsonNode *
apply_date (const Step  *step,
            JsonNode    *value,
            char       **reason)
{
  const char *text = node_string (value);
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *number_text = NULL;
  char *formatted;

  /* Seconds since 1970 often come as a JSON number: "from": "%s". */
  if (text == NULL && step->from != NULL && JSON_NODE_HOLDS_VALUE (value) &&
      json_node_get_value_type (value) == G_TYPE_INT64)
    text = number_text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));

  if (text == NULL)
    {
      g_autofree char *shown = node_text (value);
      *reason = g_strdup_printf (_("“%s” is not a date"), shown != NULL ? shown : "…");
      return NULL;
    }

  time = parse_date (step, text);
  if (time == NULL)
    {
      if (step->from != NULL)
        *reason = g_strdup_printf (_("“%s” is not a date in the format “%s”"), text, step->from);
      else
        *reason = g_strdup_printf (_("“%s” is not an ISO 8601 date"), text);
      return NULL;
    }

  formatted = step->to != NULL ? g_date_time_format (time, step->to) : g_date_time_format_iso8601 (time);
  if (formatted == NULL)
    {
      *reason = g_strdup_printf (_("the date “%s” cannot be written in the format “%s”"), text, step->to);
      return NULL;
    }
  return string_node_take (formatted);
}

/* ---- number ---- */

/* Reads text with the step's separators into a plain decimal string
 * "[-]digits[.digits]" in digits; FALSE when it is not such a number. */
static gboolean
normalise_number (const Step *step,
                  const char *text,
                  GString    *digits)
{
  const char *p = text;
  const char *end = text + strlen (text);
  guint group = 0;
  gboolean seen_separator = FALSE;
  gboolean any_digit = FALSE;

  /* Unicode white space at either end (a no-break space from a
   * spreadsheet, say) is not part of the number. */
  while (p < end && g_unichar_isspace (g_utf8_get_char (p)))
    p = g_utf8_next_char (p);
  while (end > p)
    {
      const char *prev = g_utf8_find_prev_char (p, end);
      if (prev == NULL || !g_unichar_isspace (g_utf8_get_char (prev)))
        break;
      end = prev;
    }

  if (p < end && (*p == '-' || *p == '+'))
    {
      if (*p == '-')
        g_string_append_c (digits, '-');
      p++;
    }

  for (; p < end; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          g_string_append_c (digits, *p);
          group++;
          any_digit = TRUE;
        }
      else if (step->thousands != '\0' && *p == step->thousands)
        {
          /* Grouping must be regular, or "1,5" could silently become 15. */
          if (group == 0 || (seen_separator && group != 3) || (!seen_separator && group > 3))
            return FALSE;
          seen_separator = TRUE;
          group = 0;
        }
      else
        break;
    }
  if (seen_separator && group != 3)
    return FALSE;

  if (p < end && *p == step->decimal)
    {
      p++;
      g_string_append_c (digits, '.');
      /* ".5" is a number; "." is not. */
      for (; p < end && g_ascii_isdigit (*p); p++)
        {
          g_string_append_c (digits, *p);
          any_digit = TRUE;
        }
    }

  return any_digit && p == end;
}

/* Rounds a plain decimal string to scale decimals, half away from zero,
 * on the digits themselves so that "1.005" gives 1.01. */
static void
round_decimal (GString *digits,
               gint     scale)
{
  const char *dot = strchr (digits->str, '.');
  gsize keep;
  gboolean up;
  gssize i;

  if (dot == NULL || scale < 0)
    return;
  if ((gsize) (digits->str + digits->len - dot - 1) <= (gsize) scale)
    return;

  keep = (dot - digits->str) + (scale > 0 ? scale + 1 : 0);
  up = digits->str[(dot - digits->str) + scale + 1] >= '5';
  g_string_truncate (digits, keep);

  for (i = (gssize) digits->len - 1; up && i >= 0; i--)
    {
      char c = digits->str[i];

      if (c == '.')
        continue;
      if (c == '-')
        break;
      if (c == '9')
        digits->str[i] = '0';
      else
        {
          digits->str[i] = c + 1;
          up = FALSE;
        }
    }
  if (up)
    g_string_insert_c (digits, digits->str[0] == '-' ? 1 : 0, '1');
}

static JsonNode *
number_node_from_digits (const Step  *step,
                         GString     *digits,
                         const char  *shown,
                         char       **reason)
{
  JsonNode *node = json_node_alloc ();
  gboolean integral;

  round_decimal (digits, step->scale);
  /* "12." rounded to no decimals is 12. */
  if (step->scale == 0 && digits->len > 0 && digits->str[digits->len - 1] == '.')
    g_string_truncate (digits, digits->len - 1);
  integral = strchr (digits->str, '.') == NULL;

  if (integral && (step->scale <= 0))
    {
      char *end = NULL;
      gint64 number;

      errno = 0;
      number = g_ascii_strtoll (digits->str, &end, 10);
      if (errno == 0 && end != NULL && *end == '\0')
        return json_node_init_int (node, number);
      if (step->scale == 0)
        {
          json_node_unref (node);
          *reason = g_strdup_printf (_("“%s” is too large a whole number"), shown);
          return NULL;
        }
    }
  return json_node_init_double (node, g_ascii_strtod (digits->str, NULL));
}

static JsonNode *
apply_number (const Step  *step,
              JsonNode    *value,
              char       **reason)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  g_autoptr(GString) digits = NULL;
  const char *text;

  if (JSON_NODE_HOLDS_VALUE (value))
    {
      switch (json_node_get_value_type (value))
        {
        case G_TYPE_INT64:
          /* The common case, kept free of allocations beyond the node. */
          if (step->scale <= 0)
            return json_node_init_int (json_node_alloc (), json_node_get_int (value));
          return json_node_init_double (json_node_alloc (), (double) json_node_get_int (value));

        case G_TYPE_DOUBLE:
          {
            Step plain = *step;
            double number = json_node_get_double (value);

            plain.decimal = '.';
            plain.thousands = '\0';
            digits = g_string_sized_new (48);
            /* Rounded on its shortest decimal form, so that 2.675 is the
             * 2.675 the user sees, not the binary 2.67499999...; small
             * magnitudes that print with an exponent get plain digits. */
            text = g_ascii_formatd (buffer, sizeof buffer, "%.15g", number);
            if (strchr (text, 'e') != NULL && ABS (number) < 1e15)
              text = g_ascii_formatd (buffer, sizeof buffer, "%.15f", number);
            else if (strchr (text, 'e') != NULL && ABS (number) < 9e18)
              text = g_ascii_formatd (buffer, sizeof buffer, "%.0f", number);
            if (!normalise_number (&plain, text, digits))
              {
                *reason = g_strdup_printf (_("“%s” cannot be rounded to a whole number"), text);
                if (step->scale != 0)
                  {
                    g_clear_pointer (reason, g_free);
                    return json_node_init_double (json_node_alloc (), number);
                  }
                return NULL;
              }
            return number_node_from_digits (&plain, digits, text, reason);
          }

        case G_TYPE_STRING:
          text = json_node_get_string (value);
          digits = g_string_sized_new (32);
          if (!normalise_number (step, text, digits))
            {
              *reason = g_strdup_printf (_("“%s” is not a number"), text);
              return NULL;
            }
          return number_node_from_digits (step, digits, text, reason);

        default:
          break;
        }
    }

  {
    g_autofree char *shown = node_text (value);
    *reason = g_strdup_printf (_("“%s” is not a number"), shown != NULL ? shown : "…");
  }
  return NULL;
}

/* ---- lookup and text ---- */

static JsonNode *
apply_lookup (const Step  *step,
              JsonNode    *value,
              char       **reason)
{
  const char *text = node_string (value);
  g_autofree char *owned = NULL;
  JsonNode *found;

  if (text == NULL)
    text = owned = node_text (value);
  if (text == NULL)
    {
      *reason = g_strdup (_("only a single value can be looked up"));
      return NULL;
    }
  found = g_hash_table_lookup (step->table, text);
  if (found == NULL)
    {
      *reason = g_strdup_printf (_("“%s” is not in the lookup table"), text);
      return NULL;
    }
  return sy_json_node_deep_copy (found);
}

static char *
trim_unicode (const char *text)
{
  const char *start = text;
  const char *end = text + strlen (text);

  while (start < end && g_unichar_isspace (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  while (end > start)
    {
      const char *prev = g_utf8_find_prev_char (start, end);
      if (prev == NULL || !g_unichar_isspace (g_utf8_get_char (prev)))
        break;
      end = prev;
    }
  return g_strndup (start, end - start);
}

static JsonNode *
apply_text (const Step *step,
            JsonNode   *value)
{
  const char *text = node_string (value);

  /* Numbers and booleans have no case and no padding: pass them on. */
  if (text == NULL)
    return sy_json_node_deep_copy (value);

  switch (step->kind)
    {
    case STEP_TRIM:
      return string_node_take (trim_unicode (text));
    case STEP_UPPER:
      return string_node_take (g_utf8_strup (text, -1));
    case STEP_LOWER:
    default:
      return string_node_take (g_utf8_strdown (text, -1));
    }
}

JsonNode *
sy_transform_apply (const SyTransform  *transform,
                    JsonNode           *value,
                    char              **reason)
{
  JsonNode *current = NULL;

  for (guint i = 0; i < transform->n_steps; i++)
    {
      const Step *step = &transform->steps[i];
      JsonNode *input = current != NULL ? current : value;
      JsonNode *next;

      switch (step->kind)
        {
        case STEP_DATE:
          next = apply_date (step, input, reason);
          break;
        case STEP_NUMBER:
          next = apply_number (step, input, reason);
          break;
        case STEP_LOOKUP:
          next = apply_lookup (step, input, reason);
          break;
        case STEP_TRIM:
        case STEP_UPPER:
        case STEP_LOWER:
        default:
          next = apply_text (step, input);
          break;
        }

      g_clear_pointer (&current, json_node_unref);
      if (next == NULL)
        return NULL;
      current = next;

      /* What became empty ("   " trimmed) is left to the rule's default
       * and required handling rather than failing the next step. */
      if (JSON_NODE_HOLDS_NULL (current) ||
          (node_string (current) != NULL && *node_string (current) == '\0'))
        break;
    }
  return current;
}
