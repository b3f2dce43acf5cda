/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "sy-cli-groups.h"
#include "sy-error.h"
#include "sy-page-iterator.h"

#define DEFAULT_PER_PAGE 100
#define MAX_PER_PAGE 1000
#define MAX_CELL_WIDTH 32
#define MAX_EXTRA_COLUMNS 3

/* Fields that tell records apart for a person, in order of preference;
 * the table shows the first few the first record has. */
static const char * const useful_fields[] = {
  "orderNumber", "code", "name", "sku", "email", "statusKey", "status",
  "customerKey", "productKey", "quantity", "date", "total",
};

typedef struct
{
  gboolean   json;
  gboolean   progress;
  gboolean   progress_shown;
  /* The table's columns, chosen from the first record. */
  GPtrArray *columns;
  GArray    *widths;
  guint64    printed;
} RecordPrinter;

static void
record_printer_clear (RecordPrinter *printer)
{
  g_clear_pointer (&printer->columns, g_ptr_array_unref);
  g_clear_pointer (&printer->widths, g_array_unref);
}

/* A cell's text: scalars as they are, on one line; containers elided. */
static char *
cell_text (JsonObject *record,
           const char *field)
{
  JsonNode *node;
  char *text;

  if (!json_object_has_member (record, field))
    return g_strdup ("");

  node = json_object_get_member (record, field);
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_NULL:
      return g_strdup ("");
    case JSON_NODE_OBJECT:
      return g_strdup ("{…}");
    case JSON_NODE_ARRAY:
      return g_strdup_printf ("[%u]", json_array_get_length (json_node_get_array (node)));
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      text = g_strdup (json_node_get_string (node));
      break;
    case G_TYPE_INT64:
      text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];
        text = g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
      }
      break;
    case G_TYPE_BOOLEAN:
      text = g_strdup (json_node_get_boolean (node) ? "true" : "false");
      break;
    default:
      text = g_strdup ("");
      break;
    }

  /* Server data must not move the cursor or break the table. */
  for (char *p = text; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      *p = ' ';
  return text;
}

static gboolean
is_scalar_member (JsonObject *record,
                  const char *field)
{
  return json_object_has_member (record, field) &&
         JSON_NODE_HOLDS_VALUE (json_object_get_member (record, field));
}

static void
choose_columns (RecordPrinter *printer,
                JsonArray     *page)
{
  JsonObject *first = json_array_get_object_element (page, 0);

  printer->columns = g_ptr_array_new ();
  g_ptr_array_add (printer->columns, (gpointer) "key");
  g_ptr_array_add (printer->columns, (gpointer) "updatedAt");
  for (gsize i = 0; i < G_N_ELEMENTS (useful_fields) && printer->columns->len < 2 + MAX_EXTRA_COLUMNS; i++)
    if (first != NULL && is_scalar_member (first, useful_fields[i]))
      g_ptr_array_add (printer->columns, (gpointer) useful_fields[i]);

  /* The first page sets the widths; later pages are cut to fit, as the
   * table is printed while the records stream in. */
  printer->widths = g_array_sized_new (FALSE, TRUE, sizeof (int), printer->columns->len);
  for (guint c = 0; c < printer->columns->len; c++)
    {
      const char *field = g_ptr_array_index (printer->columns, c);
      int width = (int) strlen (field);

      for (guint r = 0; r < json_array_get_length (page); r++)
        {
          JsonObject *record = json_array_get_object_element (page, r);
          g_autofree char *text = record != NULL ? cell_text (record, field) : NULL;

          if (text != NULL)
            width = MAX (width, (int) g_utf8_strlen (text, -1));
        }
      width = MIN (width, MAX_CELL_WIDTH);
      g_array_append_val (printer->widths, width);
    }
}

static void
append_cell (GString    *line,
             const char *text,
             int         width,
             gboolean    last)
{
  int length = (int) g_utf8_strlen (text, -1);

  if (length > width)
    {
      const char *cut = g_utf8_offset_to_pointer (text, width - 1);
      g_string_append_len (line, text, cut - text);
      g_string_append (line, "…");
      length = width;
    }
  else
    g_string_append (line, text);

  if (!last)
    for (int i = length; i < width + 2; i++)
      g_string_append_c (line, ' ');
}

static void
clear_progress (RecordPrinter *printer)
{
  if (printer->progress_shown)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
      printer->progress_shown = FALSE;
    }
}

static void
show_progress (RecordPrinter *printer,
               gint64         total)
{
  g_autofree char *count = g_strdup_printf ("%'" G_GUINT64_FORMAT, printer->printed);
  g_autofree char *text = NULL;

  if (!printer->progress)
    return;

  if (total >= 0)
    {
      g_autofree char *of = g_strdup_printf ("%'" G_GINT64_FORMAT, total);
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Read %s of %s record…", "Read %s of %s records…", (gulong) total),
                              count, of);
    }
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Read %s record…", "Read %s records…", (gulong) printer->printed),
                            count);

  g_printerr ("\r%s\033[K", text);
  printer->progress_shown = TRUE;
}

/* Prints a page, at most max_records of it. FALSE, with errno set, when
 * standard output cannot be written any more (a closed pipe: `| head`). */
static gboolean
print_page (RecordPrinter *printer,
            JsonArray     *page,
            guint64        max_records)
{
  guint length = json_array_get_length (page);
  guint count = (guint) MIN ((guint64) length, max_records);
  g_autoptr(GString) out = g_string_new (NULL);

  clear_progress (printer);

  if (printer->json)
    {
      for (guint i = 0; i < count; i++)
        {
          g_autofree char *line = json_to_string (json_array_get_element (page, i), FALSE);
          g_string_append (out, line);
          g_string_append_c (out, '\n');
        }
      /* Records are UTF-8 JSON whatever the locale: no conversion. */
      fwrite (out->str, 1, out->len, stdout);
    }
  else
    {
      if (printer->columns == NULL && count > 0)
        {
          choose_columns (printer, page);
          for (guint c = 0; c < printer->columns->len; c++)
            append_cell (out, g_ptr_array_index (printer->columns, c),
                         g_array_index (printer->widths, int, c), c + 1 == printer->columns->len);
          g_string_append_c (out, '\n');
        }
      for (guint i = 0; i < count; i++)
        {
          JsonObject *record = json_array_get_object_element (page, i);

          for (guint c = 0; c < printer->columns->len; c++)
            {
              g_autofree char *text = record != NULL
                                      ? cell_text (record, g_ptr_array_index (printer->columns, c))
                                      : g_strdup ("");
              append_cell (out, text, g_array_index (printer->widths, int, c),
                           c + 1 == printer->columns->len);
            }
          g_string_append_c (out, '\n');
        }
      g_print ("%s", out->str);
    }

  printer->printed += count;
  return fflush (stdout) == 0 && !ferror (stdout);
}

/* ISO 8601 as the API filters on it, in UTC. A date alone means its
 * midnight in UTC. */
static char *
parse_updated_since (const char *text)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (text, utc);
  g_autoptr(GDateTime) in_utc = NULL;

  if (when == NULL && strlen (text) == 10)
    {
      g_autofree char *midnight = g_strconcat (text, "T00:00:00Z", NULL);
      when = g_date_time_new_from_iso8601 (midnight, utc);
    }
  if (when == NULL)
    return NULL;

  in_utc = g_date_time_to_utc (when);
  if (g_date_time_get_microsecond (in_utc) != 0)
    return g_date_time_format (in_utc, "%Y-%m-%dT%H:%M:%S.%fZ");
  return g_date_time_format (in_utc, "%Y-%m-%dT%H:%M:%SZ");
}

static int
records_list (SyCliContext   *context,
              char         ***args)
{
  g_autofree char *limit_text = NULL;
  g_autofree char *since_text = NULL;
  g_autofree char *per_page_text = NULL;
  const GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_STRING, &limit_text,
      N_("Stop after N records"), N_("N") },
    { "updated-since", 0, 0, G_OPTION_ARG_STRING, &since_text,
      N_("Only records updated at or after this ISO 8601 time, oldest first"), N_("ISO8601") },
    { "per-page", 0, 0, G_OPTION_ARG_STRING, &per_page_text,
      N_("Records per request (default 100)"), N_("N") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SyApiClient) client = NULL;
  g_autoptr(SyPageIterator) iterator = NULL;
  g_autofree char *entity_path = NULL;
  g_autofree char *since = NULL;
  RecordPrinter printer = { 0 };
  SyConnection *connection;
  const char *name;
  const char *entity;
  guint64 limit = G_MAXUINT64;
  guint64 per_page = DEFAULT_PER_PAGE;
  int exit_code = SY_CLI_EXIT_OK;

  if (!sy_cli_parse_command (context, args, "records list NAME ENTITY",
                             _("Streams the records of an entity (e.g. wms/sales-orders) of a connection: "
                               "a table, or one JSON object per line with --json.\n\n"
                               "Exit status: 0 when every record was read; 2 for a usage error, an unknown "
                               "connection, or an entity the system does not have (the server answers 404); "
                               "3 when the connection fails (authentication, network, server errors). "
                               "Records printed before a failure are complete and stay printed."),
                             entries, 2, 2, &exit_code))
    return exit_code;
  name = (*args)[1];
  entity = (*args)[2];

  entity_path = sy_api_client_entity_path (entity, &error);
  if (entity_path == NULL)
    return sy_cli_report_error (error, NULL);

  if (limit_text != NULL && !sy_cli_parse_count ("--limit", limit_text, G_MAXINT64, &limit))
    return SY_CLI_EXIT_USAGE;
  if (per_page_text != NULL)
    {
      if (!sy_cli_parse_count ("--per-page", per_page_text, MAX_PER_PAGE, &per_page))
        return SY_CLI_EXIT_USAGE;
    }
  else if (limit < per_page)
    {
      /* Fetch no more than asked for. */
      per_page = limit;
    }

  if (since_text != NULL)
    {
      since = parse_updated_since (since_text);
      if (since == NULL)
        {
          sy_cli_printerr (_("--updated-since wants an ISO 8601 date and time such as 2024-05-01T00:00:00Z, not “%s”"),
                           since_text);
          return SY_CLI_EXIT_USAGE;
        }
    }

  connection = sy_cli_context_find_connection (context, name, &error);
  if (connection == NULL)
    return sy_cli_report_error (error, NULL);

  client = sy_cli_context_create_client (context, connection, &error);
  if (client == NULL)
    return sy_cli_report_error (error, NULL);

  iterator = sy_page_iterator_new (client, entity, (guint) per_page);
  if (since != NULL)
    {
      sy_page_iterator_add_filter (iterator, "updatedAt", "gteq", since);
      sy_page_iterator_set_sort (iterator, "updatedAt", FALSE);
    }

  printer.json = sy_cli_context_get_json (context);
  printer.progress = !printer.json && isatty (STDERR_FILENO);

  while (printer.printed < limit)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(JsonArray) page = NULL;

      sy_page_iterator_next_async (iterator, sy_cli_context_get_cancellable (context),
                                   sy_cli_store_result, &result);
      sy_cli_await (&result);
      page = sy_page_iterator_next_finish (iterator, result, &error);
      if (page == NULL)
        break;

      if (!print_page (&printer, page, limit - printer.printed))
        {
          int saved_errno = errno;

          clear_progress (&printer);
          record_printer_clear (&printer);
          /* The reader has all it wanted: stop fetching, quietly. */
          clearerr (stdout);
          if (saved_errno == EPIPE)
            return SY_CLI_EXIT_OK;
          sy_cli_printerr (_("Could not write to standard output: %s"), g_strerror (saved_errno));
          return SY_CLI_EXIT_USAGE;
        }
      if (printer.printed < limit)
        show_progress (&printer, sy_page_iterator_get_total (iterator));
    }

  clear_progress (&printer);

  if (error != NULL)
    {
      /* What was printed stays printed: the output so far is valid. */
      if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_NOT_FOUND))
        {
          g_autofree char *reason = sy_cli_describe_error (error);

          sy_cli_printerr (_("“%s” has no entity “%s” (%s)"), name, entity, reason);
          exit_code = SY_CLI_EXIT_USAGE;
        }
      else
        exit_code = sy_cli_report_error (error, _("Could not read the records"));
    }
  else if (!printer.json && printer.printed == 0)
    {
      g_print (_("No records.\n"));
    }

  record_printer_clear (&printer);
  return exit_code;
}

static const SyCliCommand records_commands[] = {
  { "list", N_("Stream the records of an entity"), records_list },
  { NULL }
};

int
sy_cli_records_run (SyCliContext  *context,
                    char         **args)
{
  return sy_cli_run_group (context, "records", N_("Read records from a connection"),
                           records_commands, args);
}
