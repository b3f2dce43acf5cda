/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-sandbox-query.h"

typedef enum
{
  OP_EQUAL,
  OP_GREATER,
  OP_GREATER_OR_EQUAL,
  OP_LESS,
  OP_LESS_OR_EQUAL,
  OP_CONTAINS,
  OP_STARTS_WITH,
} FilterOp;

typedef struct
{
  char *field;
  FilterOp op;
  char *value;
  gboolean is_number;
  double number;
  gboolean is_time;
  gint64 time;
} Filter;

typedef struct
{
  char *field;
  gboolean descending;
} SortKey;

struct _SySandboxQuery
{
  GArray *filters;   /* Filter */
  GArray *sorts;     /* SortKey */
  gboolean match_any;
};

static void
filter_clear (Filter *filter)
{
  g_free (filter->field);
  g_free (filter->value);
}

static void
sort_key_clear (SortKey *sort)
{
  g_free (sort->field);
}

void
sy_sandbox_query_free (SySandboxQuery *self)
{
  g_array_unref (self->filters);
  g_array_unref (self->sorts);
  g_free (self);
}

static gboolean
parse_number (const char *text,
              double     *number)
{
  char *end = NULL;

  if (text == NULL || *text == '\0' || g_ascii_isspace (*text))
    return FALSE;
  *number = g_ascii_strtod (text, &end);
  return end != NULL && *end == '\0';
}

/* ISO 8601 date-times, with UTC assumed where no offset is given, and bare
 * dates (midnight UTC). */
static gboolean
parse_time (const char *text,
            gint64     *time)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) parsed = NULL;
  g_autofree char *with_time = NULL;
  gsize length;

  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;
  length = strlen (text);
  if (length < 10 || text[4] != '-')
    return FALSE;
  if (length == 10)
    text = with_time = g_strconcat (text, "T00:00:00", NULL);

  utc = g_time_zone_new_utc ();
  parsed = g_date_time_new_from_iso8601 (text, utc);
  if (parsed == NULL)
    return FALSE;
  *time = g_date_time_to_unix (parsed);
  return TRUE;
}

static gboolean
parse_op (const char *name,
          FilterOp   *op)
{
  static const struct { const char *name; FilterOp op; } ops[] = {
    { "eq", OP_EQUAL },
    { "gt", OP_GREATER },
    { "gteq", OP_GREATER_OR_EQUAL },
    { "lt", OP_LESS },
    { "lted", OP_LESS_OR_EQUAL },
    { "lteq", OP_LESS_OR_EQUAL },
    { "contains", OP_CONTAINS },
    { "startsWith", OP_STARTS_WITH },
  };

  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (g_str_equal (name, ops[i].name))
      {
        *op = ops[i].op;
        return TRUE;
      }
  return FALSE;
}

static void
add_error (JsonObject *errors,
           const char *param,
           const char *message)
{
  JsonArray *array = json_array_new ();

  json_array_add_string_element (array, message);
  json_object_set_array_member (errors, param, array);
}

/* "filter[name]" → "name", or NULL. */
static char *
bracketed (const char *param,
           const char *prefix)
{
  gsize prefix_length = strlen (prefix);
  gsize length = strlen (param);

  if (length < prefix_length + 2 || strncmp (param, prefix, prefix_length) != 0 ||
      param[prefix_length] != '[' || param[length - 1] != ']')
    return NULL;
  return g_strndup (param + prefix_length + 1, length - prefix_length - 2);
}

static int
compare_filters (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (((const Filter *) a)->field, ((const Filter *) b)->field);
}

static int
compare_sort_keys (gconstpointer a,
                   gconstpointer b)
{
  return strcmp (((const SortKey *) a)->field, ((const SortKey *) b)->field);
}

SySandboxQuery *
sy_sandbox_query_new (GHashTable  *params,
                      JsonObject **field_errors)
{
  g_autoptr(JsonObject) errors = json_object_new ();
  SySandboxQuery *self = g_new0 (SySandboxQuery, 1);
  GHashTableIter iter;
  gpointer param_pointer, value_pointer;

  self->filters = g_array_new (FALSE, TRUE, sizeof (Filter));
  g_array_set_clear_func (self->filters, (GDestroyNotify) filter_clear);
  self->sorts = g_array_new (FALSE, TRUE, sizeof (SortKey));
  g_array_set_clear_func (self->sorts, (GDestroyNotify) sort_key_clear);

  if (params != NULL)
    {
      g_hash_table_iter_init (&iter, params);
      while (g_hash_table_iter_next (&iter, &param_pointer, &value_pointer))
        {
          const char *param = param_pointer;
          const char *value = value_pointer;
          g_autofree char *filter_spec = bracketed (param, "filter");
          g_autofree char *sort_field = bracketed (param, "sort");

          if (g_str_equal (param, "filterMatch"))
            {
              if (g_str_equal (value, "any"))
                self->match_any = TRUE;
              else if (!g_str_equal (value, "all"))
                add_error (errors, param, "The filterMatch must be any or all.");
            }
          else if (filter_spec != NULL)
            {
              Filter filter = { 0 };
              const char *colon = strchr (filter_spec, ':');

              if (colon != NULL)
                {
                  if (!parse_op (colon + 1, &filter.op))
                    {
                      g_autofree char *message = g_strdup_printf ("The filter operator %s is not supported.",
                                                                  colon + 1);
                      add_error (errors, param, message);
                      continue;
                    }
                  filter.field = g_strndup (filter_spec, colon - filter_spec);
                }
              else
                filter.field = g_strdup (filter_spec);

              if (*filter.field == '\0')
                {
                  g_free (filter.field);
                  add_error (errors, param, "The filter needs a field name.");
                  continue;
                }

              filter.value = g_strdup (value);
              filter.is_number = parse_number (value, &filter.number);
              filter.is_time = parse_time (value, &filter.time);
              g_array_append_val (self->filters, filter);
            }
          else if (sort_field != NULL)
            {
              SortKey sort = { 0 };

              if (!g_str_equal (value, "0") && !g_str_equal (value, "1"))
                {
                  add_error (errors, param, "The sort direction must be 0 (ascending) or 1 (descending).");
                  continue;
                }
              sort.field = g_steal_pointer (&sort_field);
              sort.descending = g_str_equal (value, "1");
              g_array_append_val (self->sorts, sort);
            }
        }
    }

  if (json_object_get_size (errors) > 0)
    {
      sy_sandbox_query_free (self);
      *field_errors = g_steal_pointer (&errors);
      return NULL;
    }

  /* The hash table has no order: sort so that answers are reproducible. */
  g_array_sort (self->filters, compare_filters);
  g_array_sort (self->sorts, compare_sort_keys);
  *field_errors = NULL;
  return self;
}

gboolean
sy_sandbox_query_is_identity (SySandboxQuery *self)
{
  return self->filters->len == 0 && self->sorts->len == 0;
}

static gboolean
cached_time (const SySandboxRecord *record,
             const char            *field,
             gint64                *time)
{
  if (g_str_equal (field, "updatedAt"))
    *time = record->updated_at;
  else if (g_str_equal (field, "createdAt"))
    *time = record->created_at;
  else
    return FALSE;
  return TRUE;
}

static int
compare_int64 (gint64 a,
               gint64 b)
{
  return a < b ? -1 : a > b ? 1 : 0;
}

static int
compare_double (double a,
                double b)
{
  return a < b ? -1 : a > b ? 1 : 0;
}

static gboolean
ordering_matches (FilterOp op,
                  int      cmp)
{
  switch (op)
    {
    case OP_EQUAL: return cmp == 0;
    case OP_GREATER: return cmp > 0;
    case OP_GREATER_OR_EQUAL: return cmp >= 0;
    case OP_LESS: return cmp < 0;
    case OP_LESS_OR_EQUAL: return cmp <= 0;
    case OP_CONTAINS:
    case OP_STARTS_WITH:
    default:
      return FALSE;
    }
}

static gboolean
text_matches (const Filter *filter,
              const char   *text)
{
  switch (filter->op)
    {
    case OP_CONTAINS:
      return strcasestr (text, filter->value) != NULL;
    case OP_STARTS_WITH:
      return g_ascii_strncasecmp (text, filter->value, strlen (filter->value)) == 0;
    case OP_EQUAL:
    case OP_GREATER:
    case OP_GREATER_OR_EQUAL:
    case OP_LESS:
    case OP_LESS_OR_EQUAL:
    default:
      {
        double number;
        gint64 time;

        /* Equality is exact on text: keys like 0200… must not equal 200…. */
        if (filter->op == OP_EQUAL)
          return g_str_equal (text, filter->value);
        if (filter->is_number && parse_number (text, &number))
          return ordering_matches (filter->op, compare_double (number, filter->number));
        if (filter->is_time && parse_time (text, &time))
          return ordering_matches (filter->op, compare_int64 (time, filter->time));
        return ordering_matches (filter->op, strcmp (text, filter->value));
      }
    }
}

static gboolean
filter_matches (const Filter          *filter,
                const SySandboxRecord *record)
{
  JsonNode *node;
  gint64 time;
  GType type;

  if (filter->is_time && filter->op != OP_CONTAINS && filter->op != OP_STARTS_WITH &&
      cached_time (record, filter->field, &time))
    return ordering_matches (filter->op, compare_int64 (time, filter->time));

  node = json_object_get_member (record->object, filter->field);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    return text_matches (filter, json_node_get_string (node));

  if (type == G_TYPE_BOOLEAN)
    {
      gboolean value = json_node_get_boolean (node);
      return filter->op == OP_EQUAL &&
             (g_str_equal (filter->value, value ? "true" : "false") ||
              g_str_equal (filter->value, value ? "1" : "0"));
    }

  if (filter->op == OP_CONTAINS || filter->op == OP_STARTS_WITH)
    {
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];

      if (type == G_TYPE_INT64)
        g_snprintf (buffer, sizeof buffer, "%" G_GINT64_FORMAT, json_node_get_int (node));
      else
        g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node));
      return text_matches (filter, buffer);
    }

  if (!filter->is_number)
    return FALSE;
  return ordering_matches (filter->op, compare_double (json_node_get_double (node), filter->number));
}

static gboolean
record_matches (SySandboxQuery        *self,
                const SySandboxRecord *record)
{
  for (guint i = 0; i < self->filters->len; i++)
    {
      gboolean matches = filter_matches (&g_array_index (self->filters, Filter, i), record);

      if (self->match_any && matches)
        return TRUE;
      if (!self->match_any && !matches)
        return FALSE;
    }
  return !self->match_any || self->filters->len == 0;
}

/* Missing or non-scalar values sort first. */
static int
compare_field (const SySandboxRecord *a,
               const SySandboxRecord *b,
               const char            *field)
{
  JsonNode *node_a, *node_b;
  gint64 time_a, time_b;
  gboolean scalar_a, scalar_b;
  GType type_a, type_b;

  if (cached_time (a, field, &time_a) && cached_time (b, field, &time_b))
    return compare_int64 (time_a, time_b);

  node_a = json_object_get_member (a->object, field);
  node_b = json_object_get_member (b->object, field);
  scalar_a = node_a != NULL && JSON_NODE_HOLDS_VALUE (node_a);
  scalar_b = node_b != NULL && JSON_NODE_HOLDS_VALUE (node_b);
  if (!scalar_a || !scalar_b)
    return (int) scalar_a - (int) scalar_b;

  type_a = json_node_get_value_type (node_a);
  type_b = json_node_get_value_type (node_b);
  if (type_a == G_TYPE_STRING && type_b == G_TYPE_STRING)
    {
      const char *text_a = json_node_get_string (node_a);
      const char *text_b = json_node_get_string (node_b);
      double number_a, number_b;

      /* Prices and totals are decimal strings: order them as numbers. */
      if (parse_number (text_a, &number_a) && parse_number (text_b, &number_b))
        return compare_double (number_a, number_b);
      return strcmp (text_a, text_b);
    }
  if (type_a != G_TYPE_STRING && type_b != G_TYPE_STRING)
    return compare_double (json_node_get_double (node_a), json_node_get_double (node_b));
  return type_a == G_TYPE_STRING ? 1 : -1;
}

static int
compare_records (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  SySandboxQuery *self = user_data;
  const SySandboxRecord *record_a = *(const SySandboxRecord * const *) a;
  const SySandboxRecord *record_b = *(const SySandboxRecord * const *) b;

  for (guint i = 0; i < self->sorts->len; i++)
    {
      const SortKey *sort = &g_array_index (self->sorts, SortKey, i);
      int cmp = compare_field (record_a, record_b, sort->field);

      if (cmp != 0)
        return sort->descending ? -cmp : cmp;
    }
  return 0;
}

/* The sort keys as one string; fields escaped so that no two lists of
 * keys give the same string. */
static char *
describe_sorts (SySandboxQuery *self)
{
  GString *description = g_string_new (NULL);

  for (guint i = 0; i < self->sorts->len; i++)
    {
      const SortKey *sort = &g_array_index (self->sorts, SortKey, i);
      g_autofree char *field = g_strescape (sort->field, NULL);

      g_string_append_printf (description, "%c%s\n", sort->descending ? '-' : '+', field);
    }
  return g_string_free (description, FALSE);
}

/* All records in the asked order, sorted once and then remembered by the
 * entity until it changes: a client paging through a sorted list asks
 * for the same order once per page. */
static GPtrArray *
sorted_records (SySandboxQuery  *self,
                SySandboxEntity *entity)
{
  g_autofree char *order_key = describe_sorts (self);
  GPtrArray *order = sy_sandbox_entity_get_cached_order (entity, order_key);
  guint n_records;

  if (order != NULL)
    return g_ptr_array_ref (order);

  n_records = sy_sandbox_entity_get_n_records (entity);
  order = g_ptr_array_sized_new (n_records);
  for (guint i = 0; i < n_records; i++)
    g_ptr_array_add (order, (gpointer) sy_sandbox_entity_get_record (entity, i));
  /* g_ptr_array_sort_with_data() is a stable merge sort: ties keep key order. */
  g_ptr_array_sort_with_data (order, compare_records, self);
  sy_sandbox_entity_set_cached_order (entity, order_key, order);
  return order;
}

/* Where matches can start in records sorted by the query. Keyset paging
 * asks for updatedAt ≥ the last page's end, sorted by updatedAt: the
 * records before that form a prefix, found by bisection rather than
 * tested one by one on every page (which made a full read quadratic). */
static guint
first_possible_match (SySandboxQuery *self,
                      GPtrArray      *sorted,
                      gboolean       *all_after_match)
{
  const SortKey *sort;
  gint64 time;

  *all_after_match = FALSE;
  if (self->match_any || sorted->len == 0)
    return 0;

  sort = &g_array_index (self->sorts, SortKey, 0);
  if (sort->descending || !cached_time (g_ptr_array_index (sorted, 0), sort->field, &time))
    return 0;

  for (guint i = 0; i < self->filters->len; i++)
    {
      const Filter *filter = &g_array_index (self->filters, Filter, i);
      guint low = 0, high = sorted->len;

      if (!filter->is_time || !g_str_equal (filter->field, sort->field) ||
          (filter->op != OP_GREATER && filter->op != OP_GREATER_OR_EQUAL))
        continue;

      /* Ascending times: this filter fails on a prefix and holds after. */
      while (low < high)
        {
          guint middle = low + (high - low) / 2;

          if (filter_matches (filter, g_ptr_array_index (sorted, middle)))
            high = middle;
          else
            low = middle + 1;
        }
      *all_after_match = self->filters->len == 1;
      return low;
    }
  return 0;
}

GPtrArray *
sy_sandbox_query_run (SySandboxQuery  *self,
                      SySandboxEntity *entity)
{
  g_autoptr(GPtrArray) candidates = NULL;
  GPtrArray *matches;

  if (self->sorts->len > 0)
    {
      candidates = sorted_records (self, entity);
      if (self->filters->len == 0)
        return g_steal_pointer (&candidates);
    }

  /* Filtering the stably sorted records keeps the order (and the key
   * order of ties) that sorting the matches would give. */
  matches = g_ptr_array_sized_new (64);
  if (candidates != NULL)
    {
      gboolean all_after_match;
      guint first = first_possible_match (self, candidates, &all_after_match);

      for (guint i = first; i < candidates->len; i++)
        {
          const SySandboxRecord *record = g_ptr_array_index (candidates, i);

          if (all_after_match || record_matches (self, record))
            g_ptr_array_add (matches, (gpointer) record);
        }
    }
  else
    {
      guint n_records = sy_sandbox_entity_get_n_records (entity);

      for (guint i = 0; i < n_records; i++)
        {
          const SySandboxRecord *record = sy_sandbox_entity_get_record (entity, i);

          if (self->filters->len == 0 || record_matches (self, record))
            g_ptr_array_add (matches, (gpointer) record);
        }
    }

  return matches;
}
