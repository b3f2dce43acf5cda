/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-catalogue.h"
#include "sy-connection-services.h"
#include "sy-record-browser-private.h"
#include "sy-record-detail.h"
#include "sy-record-model.h"

struct _SyRecordBrowser
{
  GtkWidget          parent_instance;

  GtkDropDown       *entity_dropdown;
  GtkLabel          *count_label;
  GtkSpinner        *more_spinner;
  GtkSpinner        *loading_spinner;
  GtkStack          *stack;
  AdwStatusPage     *empty_page;
  AdwStatusPage     *error_page;
  GtkScrolledWindow *scrolled_window;
  GtkColumnView     *column_view;
  GtkRevealer       *more_error_revealer;
  GtkLabel          *more_error_label;
  GtkStack          *view_stack;
  GtkSearchBar      *search_bar;
  GtkSearchEntry    *search_entry;
  GtkDropDown       *field_dropdown;
  GtkMenuButton     *sort_button;
  SyRecordDetail    *detail;

  SyApiClient       *client;
  char              *domain;
  char              *entity;
  /* The entity ids behind the drop-down's labels, in the same order. */
  GPtrArray         *entities;
  SyRecordModel     *model;
  /* The same entity asked again (another search, sort, Refresh, a sync
   * that wrote): the rows on screen stay until its first page is in. */
  SyRecordModel     *pending_model;
  /* The connection behind the client, whose syncs say what they wrote. */
  SyConnection      *connection;
  gulong             written_handler;
  guint              written_reload_source;
  /* A write announced while the reload for an earlier one was running:
   * that reload may have read before it. */
  gboolean           written_during_reload;

  /* The query: filter[search_field:contains]=search_text, sort[sort_field]. */
  char              *search_text;
  char              *search_field;
  /* The fields offered for searching, behind the field drop-down's labels. */
  GPtrArray         *search_fields;
  char              *sort_field;
  gboolean           sort_descending;
  /* The fields the columns show, to keep them (and their sort arrow)
   * while the same query is reloaded. */
  GStrv              shown_columns;
  gboolean           rebuilding_columns;
  gboolean           updating_search_fields;
  /* Set by the column sorters when asked which column leads. */
  const char        *probed_sort_field;

  GdkFrameClock     *frame_clock;
  gulong             after_paint_handler;
  gboolean           fill_check_pending;
  double             last_upper;
  double             last_page_size;
  gboolean           loading;
  gboolean           updating_entities;
};

G_DEFINE_FINAL_TYPE (SyRecordBrowser, sy_record_browser, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ENTITY,
  PROP_LOADING,
  PROP_N_LOADED,
  PROP_SEARCH_TEXT,
  PROP_SEARCH_FIELD,
  PROP_SORT_FIELD,
  PROP_SORT_DESCENDING,
  PROP_DETAIL_RECORD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Enough rows to fill a tall window, few enough to arrive quickly. */
#define RECORDS_PER_PAGE 50

/* Column widths, in characters: values up to SHORT_COLUMN_CHARS are
 * shown whole, longer ones get up to LONG_COLUMN_CHARS before the
 * ellipsis. */
#define SHORT_COLUMN_CHARS 20
#define LONG_COLUMN_CHARS 32
#define WIDTH_SAMPLE_RECORDS 50

static const struct
{
  const char *entity;
  const char *label;
} known_entities[] = {
  { "wms/sales-orders", N_("Sales Orders") },
  { "wms/products", N_("Products") },
  { "wms/customers", N_("Customers") },
  { "wms/stocks", N_("Stock") },
  { "erp/sales-orders", N_("Sales Orders") },
  { "erp/customers", N_("Customers") },
  { "erp/products", N_("Products") },
  { "eam/work-orders", N_("Work Orders") },
  { "eam/assets", N_("Assets") },
};

static void update_state (SyRecordBrowser *self);
static void reload (SyRecordBrowser *self);
static void start_model (SyRecordBrowser *self,
                         gboolean         keep_columns);
static void clear_query (SyRecordBrowser *self);
static void show_detail (SyRecordBrowser *self,
                         SyRecord        *record);
static void watch_connection (SyRecordBrowser *self,
                              SyConnection    *connection);
static void on_records_written (SyRecordBrowser *self,
                                const char      *entity,
                                SyConnection    *connection);

static gboolean
entity_in_domain (const char *entity,
                  const char *domain)
{
  size_t length;

  if (domain == NULL)
    return TRUE;

  length = strlen (domain);
  return strncmp (entity, domain, length) == 0 && entity[length] == '/';
}

static char *
entity_label (const char *entity,
              const char *domain)
{
  g_autofree char *domain_name = NULL;
  const char *slash;

  for (guint i = 0; i < G_N_ELEMENTS (known_entities); i++)
    {
      if (!g_str_equal (known_entities[i].entity, entity))
        continue;
      if (domain != NULL)
        return g_strdup (_(known_entities[i].label));

      /* Without a domain the same entity appears once per domain. */
      domain_name = g_ascii_strup (entity, strchr (entity, '/') - entity);
      /* Translators: an entity and its domain in the entity picker, e.g. "Sales Orders (WMS)" */
      return g_strdup_printf (C_("entity in domain", "%s (%s)"), _(known_entities[i].label), domain_name);
    }

  /* An entity set by a caller that this list does not know. */
  slash = strchr (entity, '/');
  return g_strdup (slash != NULL ? slash + 1 : entity);
}

static guint
find_entity (SyRecordBrowser *self,
             const char      *entity)
{
  for (guint i = 0; entity != NULL && i < self->entities->len; i++)
    if (g_str_equal (g_ptr_array_index (self->entities, i), entity))
      return i;

  return GTK_INVALID_LIST_POSITION;
}

static void
rebuild_entities (SyRecordBrowser *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  g_ptr_array_set_size (self->entities, 0);
  for (guint i = 0; i < G_N_ELEMENTS (known_entities); i++)
    {
      g_autofree char *label = NULL;

      if (!entity_in_domain (known_entities[i].entity, self->domain))
        continue;
      label = entity_label (known_entities[i].entity, self->domain);
      g_ptr_array_add (self->entities, g_strdup (known_entities[i].entity));
      gtk_string_list_append (labels, label);
    }

  self->updating_entities = TRUE;
  gtk_drop_down_set_model (self->entity_dropdown, G_LIST_MODEL (labels));
  self->updating_entities = FALSE;
}

/* Shows entity in the drop-down, adding it when the list lacks it. */
static void
select_entity (SyRecordBrowser *self,
               const char      *entity)
{
  guint position = find_entity (self, entity);

  if (position == GTK_INVALID_LIST_POSITION && entity != NULL)
    {
      g_autofree char *label = entity_label (entity, self->domain);

      g_ptr_array_add (self->entities, g_strdup (entity));
      gtk_string_list_append (GTK_STRING_LIST (gtk_drop_down_get_model (self->entity_dropdown)), label);
      position = self->entities->len - 1;
    }

  self->updating_entities = TRUE;
  gtk_drop_down_set_selected (self->entity_dropdown, position);
  self->updating_entities = FALSE;
}

static void
remove_columns (SyRecordBrowser *self)
{
  GListModel *columns = gtk_column_view_get_columns (self->column_view);
  gboolean was_rebuilding = self->rebuilding_columns;

  /* Removing a sorted column changes the view's sorter: not a click. */
  self->rebuilding_columns = TRUE;
  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (self->column_view, column);
    }
  self->rebuilding_columns = was_rebuilding;
  g_clear_pointer (&self->shown_columns, g_strfreev);
  gtk_menu_button_set_menu_model (self->sort_button, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sort_button), FALSE);
}

/* Searching */

/* Fields that name a record, offered first for searching. */
static const char * const preferred_search_fields[] = {
  "orderNumber", "code", "sku", "name", "reference", "email",
};

static void
set_search_field (SyRecordBrowser *self,
                  const char      *field)
{
  if (g_strcmp0 (field, self->search_field) == 0)
    return;

  g_free (self->search_field);
  self->search_field = g_strdup (field);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_FIELD]);
}

static void
add_search_field (GPtrArray  *fields,
                  const char *field)
{
  for (guint i = 0; i < fields->len; i++)
    if (g_str_equal (g_ptr_array_index (fields, i), field))
      return;
  g_ptr_array_add (fields, g_strdup (field));
}

/* The entity's top-level text fields, from the catalogue: the server
 * filters with :contains on text. */
static void
rebuild_search_fields (SyRecordBrowser *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  GListModel *catalogue_fields = NULL;
  g_autoptr(GPtrArray) text_fields = g_ptr_array_new ();
  guint n;

  g_ptr_array_set_size (self->search_fields, 0);

  if (self->entity != NULL)
    catalogue_fields = sy_catalogue_get_fields (sy_catalogue_get_default (), self->entity);
  n = catalogue_fields != NULL ? g_list_model_get_n_items (catalogue_fields) : 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyCatalogueField) field = g_list_model_get_item (catalogue_fields, i);
      const char *path = sy_catalogue_field_get_path (field);

      if (strchr (path, '.') == NULL && strchr (path, '[') == NULL &&
          g_strcmp0 (sy_catalogue_field_get_field_type (field), "string") == 0)
        g_ptr_array_add (text_fields, (gpointer) path);
    }

  for (guint i = 0; i < G_N_ELEMENTS (preferred_search_fields); i++)
    for (guint j = 0; j < text_fields->len; j++)
      if (g_str_equal (g_ptr_array_index (text_fields, j), preferred_search_fields[i]))
        add_search_field (self->search_fields, preferred_search_fields[i]);
  /* Every record has a key; an entity the catalogue does not know still
   * has that to search. */
  if (self->entity != NULL)
    add_search_field (self->search_fields, "key");
  for (guint j = 0; j < text_fields->len; j++)
    add_search_field (self->search_fields, g_ptr_array_index (text_fields, j));

  for (guint i = 0; i < self->search_fields->len; i++)
    {
      g_autofree char *title = sy_record_get_field_title (g_ptr_array_index (self->search_fields, i));

      gtk_string_list_append (labels, title);
    }

  self->updating_search_fields = TRUE;
  gtk_drop_down_set_model (self->field_dropdown, G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (self->field_dropdown, 0);
  self->updating_search_fields = FALSE;
  set_search_field (self, self->search_fields->len > 0 ? g_ptr_array_index (self->search_fields, 0) : NULL);
}

static gboolean
search_active (SyRecordBrowser *self)
{
  return self->search_text != NULL && self->search_text[0] != '\0' && self->search_field != NULL;
}

/* Sorting: the server sorts (sort[field]), the column headers show it. */

typedef struct
{
  SyRecordBrowser *browser;
  char            *field;
} ColumnSort;

static void
column_sort_free (gpointer data)
{
  ColumnSort *sort = data;

  g_free (sort->field);
  g_free (sort);
}

/* Never used to order rows (the model is the server's order). The
 * view's sorter asks the sorter of the column clicked last first, and
 * inverts its answer for a descending column: asking it once tells
 * which column and which direction GTK 4.8 would otherwise keep to
 * itself. */
static int
column_sort_probe (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  ColumnSort *sort = user_data;

  sort->browser->probed_sort_field = sort->field;
  return GTK_ORDERING_SMALLER;
}

static void
on_sorter_changed (SyRecordBrowser *self)
{
  GtkSorter *sorter = gtk_column_view_get_sorter (self->column_view);
  g_autoptr(GObject) a = NULL;
  g_autoptr(GObject) b = NULL;
  GtkOrdering order;
  gboolean descending;

  if (self->rebuilding_columns || sorter == NULL)
    return;

  a = g_object_new (G_TYPE_OBJECT, NULL);
  b = g_object_new (G_TYPE_OBJECT, NULL);
  self->probed_sort_field = NULL;
  order = gtk_sorter_compare (sorter, a, b);
  descending = order == GTK_ORDERING_LARGER;

  if (g_strcmp0 (self->probed_sort_field, self->sort_field) == 0 && descending == self->sort_descending)
    return;

  g_free (self->sort_field);
  self->sort_field = g_strdup (self->probed_sort_field);
  self->sort_descending = self->sort_field != NULL && descending;
  self->probed_sort_field = NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_FIELD]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_DESCENDING]);
  start_model (self, TRUE);
}

/* The column headers cannot be reached from the keyboard in GTK 4.8:
 * the same choice as a menu. */
static void
rebuild_sort_menu (SyRecordBrowser *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) fields = g_menu_new ();
  g_autoptr(GMenu) direction = g_menu_new ();
  GListModel *columns = gtk_column_view_get_columns (self->column_view);
  g_autoptr(GMenuItem) unsorted = g_menu_item_new (_("Server Order"), NULL);

  g_menu_item_set_action_and_target (unsorted, "browser.sort-field", "s", "");
  g_menu_append_item (fields, unsorted);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
      const char *field = g_object_get_data (G_OBJECT (column), "sy-field");
      g_autoptr(GMenuItem) item = NULL;

      if (gtk_column_view_column_get_sorter (column) == NULL || field == NULL)
        continue;
      item = g_menu_item_new (gtk_column_view_column_get_title (column), NULL);
      g_menu_item_set_action_and_target (item, "browser.sort-field", "s", field);
      g_menu_append_item (fields, item);
    }
  g_menu_append (direction, _("_Descending"), "browser.sort-descending");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (fields));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (direction));

  gtk_menu_button_set_menu_model (self->sort_button, G_MENU_MODEL (menu));
  gtk_widget_set_sensitive (GTK_WIDGET (self->sort_button), TRUE);
}

/* What a click on a header does: the view's sorter changes, and
 * on_sorter_changed() asks the server. */
static void
set_sort (SyRecordBrowser *self,
          const char      *field,
          gboolean         descending)
{
  GListModel *columns = gtk_column_view_get_columns (self->column_view);
  g_autoptr(GtkColumnViewColumn) found = NULL;

  if (field != NULL && field[0] == '\0')
    field = NULL;

  for (guint i = 0; field != NULL && found == NULL && i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      if (gtk_column_view_column_get_sorter (column) != NULL &&
          g_strcmp0 (g_object_get_data (G_OBJECT (column), "sy-field"), field) == 0)
        found = g_steal_pointer (&column);
    }
  /* Only what a column offers: the server may refuse other fields. */
  if (field != NULL && found == NULL)
    return;

  gtk_column_view_sort_by_column (self->column_view, found,
                                  descending ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING);
}

/* Nested values have no order the server could sort by. */
static gboolean
field_is_scalar (SyRecordBrowser *self,
                 const char      *field)
{
  GListModel *records = G_LIST_MODEL (self->model);
  guint n = MIN (g_list_model_get_n_items (records), WIDTH_SAMPLE_RECORDS);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyRecord) record = g_list_model_get_item (records, i);
      JsonNode *value = json_object_get_member (sy_record_get_object (record), field);

      if (value != NULL && (JSON_NODE_HOLDS_ARRAY (value) || JSON_NODE_HOLDS_OBJECT (value)))
        return FALSE;
    }

  return TRUE;
}

static void
cell_setup (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  guint width_chars = GPOINTER_TO_UINT (user_data);
  GtkWidget *inscription = gtk_inscription_new (NULL);

  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (inscription),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  /* Short values (keys, dates, amounts) are never cut: the table
   * scrolls sideways instead. Long ones give way first. */
  gtk_inscription_set_min_chars (GTK_INSCRIPTION (inscription), MIN (width_chars, SHORT_COLUMN_CHARS));
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (inscription), width_chars);
  gtk_list_item_set_child (list_item, inscription);
}

/* Rows are only created for what is on screen, so a column's width is
 * decided once, from the title and the records loaded so far. */
static guint
column_width_chars (SyRecordBrowser *self,
                    const char      *field,
                    const char      *title)
{
  GListModel *records = G_LIST_MODEL (self->model);
  guint n = MIN (g_list_model_get_n_items (records), WIDTH_SAMPLE_RECORDS);
  /* Digits are wider than the average character the width is counted in. */
  guint chars = g_utf8_strlen (title, -1) + 1;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SyRecord) record = g_list_model_get_item (records, i);
      g_autofree char *text = sy_record_get_display_text (record, field);

      chars = MAX (chars, (guint) g_utf8_strlen (text, -1) + 1);
    }

  return CLAMP (chars, 4, LONG_COLUMN_CHARS);
}

static void
cell_bind (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  const char *field = user_data;
  SyRecord *record = gtk_list_item_get_item (list_item);
  GtkWidget *inscription = gtk_list_item_get_child (list_item);
  g_autofree char *text = sy_record_get_display_text (record, field);

  gtk_inscription_set_text (GTK_INSCRIPTION (inscription), text);
  /* An ellipsized value can still be read in full. */
  gtk_widget_set_tooltip_text (inscription, text[0] != '\0' ? text : NULL);
}

static void
cell_unbind (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  GtkWidget *inscription = gtk_list_item_get_child (list_item);

  gtk_inscription_set_text (GTK_INSCRIPTION (inscription), NULL);
  gtk_widget_set_tooltip_text (inscription, NULL);
}

static void
rebuild_columns (SyRecordBrowser *self)
{
  const char * const *fields = self->model ? sy_record_model_get_columns (self->model) : NULL;
  guint n_fields = fields ? g_strv_length ((GStrv) fields) : 0;

  /* A reload of the same query (a sort, a sync that wrote) keeps its
   * columns; an empty answer keeps them too. */
  if (fields == NULL ||
      (self->shown_columns != NULL && g_strv_equal ((const char * const *) self->shown_columns, fields)))
    return;

  self->rebuilding_columns = TRUE;
  remove_columns (self);

  for (guint i = 0; i < n_fields; i++)
    {
      g_autoptr(GtkColumnViewColumn) column = NULL;
      g_autofree char *title = sy_record_get_field_title (fields[i]);
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      char *field = g_strdup (fields[i]);

      /* The factory owns its field name: columns outlive models. */
      g_object_set_data_full (G_OBJECT (factory), "sy-field", field, g_free);
      g_signal_connect (factory, "setup", G_CALLBACK (cell_setup),
                        GUINT_TO_POINTER (column_width_chars (self, fields[i], title)));
      g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), field);
      g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind), NULL);

      column = gtk_column_view_column_new (title, factory);
      g_object_set_data_full (G_OBJECT (column), "sy-field", g_strdup (fields[i]), g_free);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, i + 1 == n_fields);
      if (field_is_scalar (self, fields[i]))
        {
          ColumnSort *sort = g_new0 (ColumnSort, 1);
          g_autoptr(GtkCustomSorter) sorter = NULL;

          sort->browser = self;
          sort->field = g_strdup (fields[i]);
          sorter = gtk_custom_sorter_new (column_sort_probe, sort, column_sort_free);
          gtk_column_view_column_set_sorter (column, GTK_SORTER (sorter));
        }
      gtk_column_view_append_column (self->column_view, column);
      if (g_strcmp0 (fields[i], self->sort_field) == 0)
        gtk_column_view_sort_by_column (self->column_view, column,
                                        self->sort_descending ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING);
    }

  self->shown_columns = g_strdupv ((GStrv) fields);
  self->rebuilding_columns = FALSE;
  rebuild_sort_menu (self);
}

static char *
format_count (guint n)
{
  /* %' groups digits the way the user's locale does: 2,000 or 2 000. */
  return g_strdup_printf ("%'u", n);
}

static void
describe_error (const GError  *error,
                const char    *entity_label_text,
                const char   **icon_name,
                char         **title,
                char         **description)
{
  const char *request_id = sy_api_error_get_request_id (error);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *escaped = NULL;

  *icon_name = "dialog-error-symbolic";
  if (error->domain == SY_API_ERROR)
    {
      switch ((SyApiError) error->code)
        {
        case SY_API_ERROR_UNAUTHORIZED:
          *icon_name = "dialog-password-symbolic";
          *title = g_strdup (_("Not Signed In"));
          g_string_append (text, _("The server did not accept this connection’s token. Reconnect it with a new token."));
          break;
        case SY_API_ERROR_FORBIDDEN:
          *title = g_strdup (_("Permission Denied"));
          g_string_append_printf (text, _("This connection may not read %s."), entity_label_text);
          break;
        case SY_API_ERROR_NOT_FOUND:
          *title = g_strdup (_("Not Available"));
          g_string_append_printf (text, _("This system does not offer %s."), entity_label_text);
          break;
        case SY_API_ERROR_RATE_LIMITED:
          *title = g_strdup (_("Too Many Requests"));
          g_string_append (text, _("The server asked to slow down. Wait a moment, then try again."));
          break;
        case SY_API_ERROR_SERVER:
          *title = g_strdup (_("Server Problem"));
          g_string_append (text, _("The server could not answer just now. Try again later."));
          break;
        case SY_API_ERROR_NETWORK:
          *icon_name = "network-error-symbolic";
          *title = g_strdup (_("Cannot Reach the Server"));
          g_string_append (text, _("Check the network connection and the connection’s address."));
          break;
        case SY_API_ERROR_INVALID_RESPONSE:
          *title = g_strdup (_("Unexpected Answer"));
          g_string_append (text, _("The server sent something that is not a list of records."));
          break;
        case SY_API_ERROR_VALIDATION:
        case SY_API_ERROR_INVALID_URL:
        case SY_API_ERROR_HTTP:
        default:
          *title = g_strdup (_("Could Not Load Records"));
          g_string_append (text, error->message);
          break;
        }
    }
  else
    {
      *title = g_strdup (_("Could Not Load Records"));
      g_string_append (text, error->message);
    }

  if (request_id != NULL && request_id[0] != '\0')
    {
      g_string_append_c (text, '\n');
      /* Translators: the server's id of a failed request, to quote to its support */
      g_string_append_printf (text, _("Request ID: %s"), request_id);
    }

  escaped = g_markup_escape_text (text->str, -1);
  *description = g_steal_pointer (&escaped);
}

static void
set_loading (SyRecordBrowser *self,
             gboolean         loading)
{
  if (self->loading == loading)
    return;

  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
update_state (SyRecordBrowser *self)
{
  const GError *error = NULL;
  g_autofree char *count_text = NULL;
  const char *page;
  guint n = 0;
  gboolean loading = FALSE;
  gboolean has_more = FALSE;

  if (self->model != NULL)
    {
      n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
      error = sy_record_model_get_error (self->model);
      loading = sy_record_model_get_loading (self->model);
      has_more = sy_record_model_get_has_more (self->model);
    }
  if (self->pending_model != NULL)
    loading = TRUE;

  if (self->client == NULL || self->model == NULL)
    page = "none";
  else if (n > 0)
    page = "records";
  else if (error != NULL)
    page = "error";
  else if (loading || has_more)
    page = "loading";
  else
    page = "empty";

  if (error != NULL)
    {
      guint position = gtk_drop_down_get_selected (self->entity_dropdown);
      const char *icon_name = NULL;
      g_autofree char *label = NULL;
      g_autofree char *title = NULL;
      g_autofree char *description = NULL;

      label = position < self->entities->len
        ? entity_label (g_ptr_array_index (self->entities, position), self->domain)
        : g_strdup (self->entity);
      describe_error (error, label, &icon_name, &title, &description);
      adw_status_page_set_icon_name (self->error_page, icon_name);
      adw_status_page_set_title (self->error_page, title);
      adw_status_page_set_description (self->error_page, description);
      gtk_label_set_markup (self->more_error_label, description);
      /* One line under the table; all of it, request id included, on hover. */
      gtk_widget_set_tooltip_markup (GTK_WIDGET (self->more_error_label), description);
    }
  gtk_revealer_set_reveal_child (self->more_error_revealer, n > 0 && error != NULL);

  if (g_str_equal (page, "empty") && search_active (self))
    {
      guint position = gtk_drop_down_get_selected (self->entity_dropdown);
      g_autofree char *label = position < self->entities->len
        ? entity_label (g_ptr_array_index (self->entities, position), self->domain)
        : g_strdup (self->entity);
      g_autofree char *field_title = sy_record_get_field_title (self->search_field);
      g_autofree char *description = NULL;

      adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Matches"));
      /* Translators: e.g. "No Sales Orders contain “MS-99” in Order Number." */
      description = g_markup_printf_escaped (_("No %s contain “%s” in %s."), label, self->search_text, field_title);
      adw_status_page_set_description (self->empty_page, description);
    }
  else if (g_str_equal (page, "empty"))
    {
      adw_status_page_set_icon_name (self->empty_page, "folder-documents-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Records"));
      adw_status_page_set_description (self->empty_page, _("There are no records of this kind yet."));
    }

  gtk_stack_set_visible_child_name (self->stack, page);
  /* A spinning spinner animates even where it cannot be seen. */
  gtk_spinner_set_spinning (self->loading_spinner, g_str_equal (page, "loading"));

  if (n > 0 || (self->model != NULL && !loading && !has_more && error == NULL))
    {
      g_autofree char *number = format_count (n);

      if (has_more)
        count_text = g_strdup_printf (ngettext ("%s record loaded", "%s records loaded", n), number);
      else if (n == 0)
        count_text = g_strdup (_("No records"));
      else
        count_text = g_strdup_printf (ngettext ("All %s record", "All %s records", n), number);
    }
  gtk_label_set_text (self->count_label, count_text ? count_text : "");

  gtk_spinner_set_spinning (self->more_spinner, loading && n > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->more_spinner), loading && n > 0);

  set_loading (self, loading);
}

static void
maybe_load_more (SyRecordBrowser *self)
{
  GtkAdjustment *adjustment;
  double value, page_size, upper;

  if (self->model == NULL || self->pending_model != NULL ||
      !sy_record_model_get_has_more (self->model) ||
      sy_record_model_get_loading (self->model) ||
      sy_record_model_get_error (self->model) != NULL ||
      g_list_model_get_n_items (G_LIST_MODEL (self->model)) == 0)
    return;

  /* Before it has a size, a view looks "not full" whatever it holds:
   * asking then would fetch every page. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self->column_view)))
    return;

  adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  value = gtk_adjustment_get_value (adjustment);
  page_size = gtk_adjustment_get_page_size (adjustment);
  upper = gtk_adjustment_get_upper (adjustment);
  if (page_size <= 0)
    return;

  /* Within a screenful of the end, so that the next rows are there
   * before the user reaches them; also when the rows do not fill the
   * view at all. */
  if (value + 2 * page_size >= upper)
    sy_record_model_load_more (self->model);
}

static void
on_after_paint (GdkFrameClock   *frame_clock,
                SyRecordBrowser *self)
{
  if (!self->fill_check_pending)
    return;

  self->fill_check_pending = FALSE;
  maybe_load_more (self);
}

/* Whether the rows fill the view is only known once they are laid out,
 * which happens in the next frame; the adjustment even changes in the
 * middle of that layout, where a new request must not change the
 * toolbar. So the check waits for the frame to be painted. */
static void
queue_fill_view (SyRecordBrowser *self)
{
  if (self->fill_check_pending)
    return;

  self->fill_check_pending = TRUE;
  /* Any frame ends with after-paint; a redraw makes sure one comes. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_model_items_changed (SyRecordBrowser *self,
                        guint            position,
                        guint            removed,
                        guint            added,
                        GListModel      *model)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_LOADED]);
}

static void
on_model_state_changed (SyRecordBrowser *self,
                        GParamSpec      *pspec,
                        SyRecordModel   *model)
{
  update_state (self);
  if (!sy_record_model_get_loading (model))
    queue_fill_view (self);
}

static void
on_model_columns_changed (SyRecordBrowser *self,
                          GParamSpec      *pspec,
                          SyRecordModel   *model)
{
  rebuild_columns (self);
}

static void
drop_pending_model (SyRecordBrowser *self)
{
  self->written_during_reload = FALSE;
  if (self->pending_model == NULL)
    return;

  /* Disposing it aborts its request: the answer to an older query never
   * arrives after a newer one. */
  g_signal_handlers_disconnect_by_data (self->pending_model, self);
  g_clear_object (&self->pending_model);
}

static void
drop_model (SyRecordBrowser *self)
{
  drop_pending_model (self);
  if (self->model == NULL)
    return;

  sy_record_model_cancel (self->model);
  g_signal_handlers_disconnect_by_data (self->model, self);
  gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->model);
}

/* keep_columns: the same entity asked again (another search or sort, or
 * after a sync wrote): the columns and their sort arrow stay. */
static SyRecordModel *
new_query_model (SyRecordBrowser *self)
{
  SyRecordModel *model = sy_record_model_new (self->client, self->entity, RECORDS_PER_PAGE);

  if (search_active (self))
    sy_record_model_add_filter (model, self->search_field, "contains", self->search_text);
  if (self->sort_field != NULL)
    sy_record_model_set_sort (model, self->sort_field, self->sort_descending);
  return model;
}

static void
install_model (SyRecordBrowser *self,
               SyRecordModel   *model)
{
  GtkNoSelection *selection;

  self->model = model;
  g_signal_connect_object (self->model, "items-changed",
                           G_CALLBACK (on_model_items_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "notify::loading",
                           G_CALLBACK (on_model_state_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "notify::error",
                           G_CALLBACK (on_model_state_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "notify::has-more",
                           G_CALLBACK (on_model_state_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "notify::columns",
                           G_CALLBACK (on_model_columns_changed), self, G_CONNECT_SWAPPED);

  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
}

static void
on_pending_model_loaded (SyRecordBrowser *self,
                         GParamSpec      *pspec,
                         SyRecordModel   *pending)
{
  GtkAdjustment *vadjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  double value = gtk_adjustment_get_value (vadjustment);
  SyRecordModel *model;
  gboolean written_meanwhile = self->written_during_reload;

  if (sy_record_model_get_loading (pending))
    return;

  model = g_steal_pointer (&self->pending_model);
  g_signal_handlers_disconnect_by_data (model, self);
  drop_model (self);
  install_model (self, model);
  rebuild_columns (self);
  /* Where the user was, as far as the first page reaches; scrolling on
   * loads the rest. */
  gtk_adjustment_set_value (vadjustment, value);

  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_LOADED]);
  queue_fill_view (self);

  if (written_meanwhile)
    on_records_written (self, self->entity, self->connection);
}

static void
start_model (SyRecordBrowser *self,
             gboolean         keep_columns)
{
  g_clear_handle_id (&self->written_reload_source, g_source_remove);

  if (keep_columns && self->client != NULL && self->entity != NULL &&
      self->model != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->model)) > 0)
    {
      drop_pending_model (self);
      /* The old query's next page would only be thrown away. */
      sy_record_model_cancel (self->model);
      self->pending_model = new_query_model (self);
      g_signal_connect_object (self->pending_model, "notify::loading",
                               G_CALLBACK (on_pending_model_loaded), self, G_CONNECT_SWAPPED);
      sy_record_model_load_more (self->pending_model);
      update_state (self);
      return;
    }

  drop_model (self);
  if (!keep_columns)
    remove_columns (self);

  if (self->client != NULL && self->entity != NULL)
    {
      install_model (self, new_query_model (self));
      sy_record_model_load_more (self->model);
    }

  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_LOADED]);
}

static void
clear_query (SyRecordBrowser *self)
{
  if (self->sort_field != NULL)
    {
      g_clear_pointer (&self->sort_field, g_free);
      self->sort_descending = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_FIELD]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_DESCENDING]);
    }
  if (self->search_text != NULL)
    {
      g_clear_pointer (&self->search_text, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_TEXT]);
    }
  /* Without a search the entry's own change signal finds nothing new. */
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  rebuild_search_fields (self);
}

/* Another entity or connection: its own columns, no search, no sort. */
static void
reload (SyRecordBrowser *self)
{
  if (sy_record_detail_get_record (self->detail) != NULL)
    show_detail (self, NULL);
  start_model (self, FALSE);
}

static void
on_entity_selected (SyRecordBrowser *self)
{
  guint position;
  const char *entity;

  if (self->updating_entities)
    return;

  position = gtk_drop_down_get_selected (self->entity_dropdown);
  if (position >= self->entities->len)
    return;

  entity = g_ptr_array_index (self->entities, position);
  if (g_strcmp0 (entity, self->entity) == 0)
    return;

  g_free (self->entity);
  self->entity = g_strdup (entity);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENTITY]);
  clear_query (self);
  reload (self);
}

static void
on_search_changed (SyRecordBrowser *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (g_strcmp0 (stripped, self->search_text ? self->search_text : "") == 0)
    return;

  g_free (self->search_text);
  self->search_text = stripped[0] != '\0' ? g_steal_pointer (&stripped) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_TEXT]);
  /* Dropping the model cancels the answer to the previous text. */
  start_model (self, TRUE);
}

static void
on_search_field_selected (SyRecordBrowser *self)
{
  guint position;

  if (self->updating_search_fields)
    return;

  position = gtk_drop_down_get_selected (self->field_dropdown);
  if (position >= self->search_fields->len)
    return;

  set_search_field (self, g_ptr_array_index (self->search_fields, position));
  if (self->search_text != NULL)
    start_model (self, TRUE);
}

static void
on_search_mode_changed (SyRecordBrowser *self)
{
  /* Closing the search shows every record again. */
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

/* The detail view */

static void
show_detail (SyRecordBrowser *self,
             SyRecord        *record)
{
  sy_record_detail_set_record (self->detail, record);
  gtk_stack_set_visible_child_name (self->view_stack, record != NULL ? "detail" : "list");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browser.back", record != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browser.search", record == NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DETAIL_RECORD]);
}

static void
on_row_activated (SyRecordBrowser *self,
                  guint            position)
{
  g_autoptr(SyRecord) record = NULL;

  if (self->model == NULL)
    return;

  record = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  if (record == NULL)
    return;

  show_detail (self, record);
  /* The Back button, first in the detail's toolbar. */
  gtk_widget_child_focus (GTK_WIDGET (self->detail), GTK_DIR_TAB_FORWARD);
}

static void
back_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SyRecordBrowser *self = SY_RECORD_BROWSER (widget);

  show_detail (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

static void
search_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SyRecordBrowser *self = SY_RECORD_BROWSER (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* Records written by a sync */

/* A sync writes batch after batch: one reload for the lot that arrives
 * within a second, so that a long sync costs the server (and its rate
 * limit, which the sync shares) one listing a second at most. */
#define WRITTEN_RELOAD_DELAY_MS 1000

static gboolean
written_reload_cb (gpointer user_data)
{
  SyRecordBrowser *self = user_data;

  self->written_reload_source = 0;
  start_model (self, TRUE);
  return G_SOURCE_REMOVE;
}

static void
on_records_written (SyRecordBrowser *self,
                    const char      *entity,
                    SyConnection    *connection)
{
  if (g_strcmp0 (entity, self->entity) != 0 || self->written_reload_source != 0)
    return;

  /* Replacing a reload in flight with a new one, batch after batch,
   * could keep the list from ever landing: the next one waits for it. */
  if (self->pending_model != NULL)
    {
      self->written_during_reload = TRUE;
      return;
    }

  self->written_reload_source = g_timeout_add (WRITTEN_RELOAD_DELAY_MS, written_reload_cb, self);
}

static void
watch_connection (SyRecordBrowser *self,
                  SyConnection    *connection)
{
  if (self->connection == connection)
    return;

  g_clear_signal_handler (&self->written_handler, self->connection);
  g_clear_handle_id (&self->written_reload_source, g_source_remove);
  g_set_object (&self->connection, connection);
  if (connection != NULL)
    self->written_handler = g_signal_connect_object (connection, "records-written",
                                                     G_CALLBACK (on_records_written), self,
                                                     G_CONNECT_SWAPPED);
}

static void
on_try_again_clicked (SyRecordBrowser *self)
{
  /* A first page that failed starts over, which also picks up a token
   * fixed meanwhile; a later page is asked for again. */
  if (self->model != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->model)) > 0)
    sy_record_model_load_more (self->model);
  else
    reload (self);
}

static void
on_edge_reached (SyRecordBrowser *self,
                 GtkPositionType  position)
{
  /* At the bottom edge the check in maybe_load_more() holds. */
  if (position == GTK_POS_BOTTOM)
    queue_fill_view (self);
}

static void
on_vadjustment_changed (SyRecordBrowser *self,
                        GtkAdjustment   *adjustment)
{
  double upper = gtk_adjustment_get_upper (adjustment);
  double page_size = gtk_adjustment_get_page_size (adjustment);

  /* The view reconfigures its adjustment on every layout; only a new
   * size is news, or each check would draw a frame that checks again. */
  if (upper == self->last_upper && page_size == self->last_page_size)
    return;

  self->last_upper = upper;
  self->last_page_size = page_size;
  queue_fill_view (self);
}

static void
on_vadjustment_value_changed (SyRecordBrowser *self)
{
  queue_fill_view (self);
}

static void
refresh_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  /* The same query again: what the user searched and sorted stays. */
  start_model (SY_RECORD_BROWSER (widget), TRUE);
}

static void
sy_record_browser_realize (GtkWidget *widget)
{
  SyRecordBrowser *self = SY_RECORD_BROWSER (widget);

  GTK_WIDGET_CLASS (sy_record_browser_parent_class)->realize (widget);

  self->frame_clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  self->after_paint_handler = g_signal_connect (self->frame_clock, "after-paint",
                                                G_CALLBACK (on_after_paint), self);
}

static void
sy_record_browser_unrealize (GtkWidget *widget)
{
  SyRecordBrowser *self = SY_RECORD_BROWSER (widget);

  g_clear_signal_handler (&self->after_paint_handler, self->frame_clock);
  g_clear_object (&self->frame_clock);

  GTK_WIDGET_CLASS (sy_record_browser_parent_class)->unrealize (widget);
}

static void
sy_record_browser_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (sy_record_browser_parent_class)->map (widget);

  queue_fill_view (SY_RECORD_BROWSER (widget));
}

static void
sy_record_browser_dispose (GObject *object)
{
  SyRecordBrowser *self = (SyRecordBrowser *)object;
  GtkWidget *child;

  drop_model (self);
  watch_connection (self, NULL);
  g_clear_object (&self->client);

  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_RECORD_BROWSER);
  /* Children without an id (the separator) are not the template's to
   * remove. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sy_record_browser_parent_class)->dispose (object);
}

static void
sy_record_browser_finalize (GObject *object)
{
  SyRecordBrowser *self = (SyRecordBrowser *)object;

  g_clear_pointer (&self->entities, g_ptr_array_unref);
  g_clear_pointer (&self->search_fields, g_ptr_array_unref);
  g_clear_pointer (&self->search_text, g_free);
  g_clear_pointer (&self->search_field, g_free);
  g_clear_pointer (&self->sort_field, g_free);
  g_clear_pointer (&self->shown_columns, g_strfreev);
  g_clear_pointer (&self->domain, g_free);
  g_clear_pointer (&self->entity, g_free);

  G_OBJECT_CLASS (sy_record_browser_parent_class)->finalize (object);
}

static void
sy_record_browser_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SyRecordBrowser *self = SY_RECORD_BROWSER (object);

  switch (prop_id)
    {
    case PROP_ENTITY:
      g_value_set_string (value, self->entity);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_N_LOADED:
      g_value_set_uint (value, sy_record_browser_get_n_loaded (self));
      break;
    case PROP_SEARCH_TEXT:
      g_value_set_string (value, self->search_text);
      break;
    case PROP_SEARCH_FIELD:
      g_value_set_string (value, self->search_field);
      break;
    case PROP_SORT_FIELD:
      /* Never NULL: the Sort menu's action state is a string. */
      g_value_set_string (value, self->sort_field != NULL ? self->sort_field : "");
      break;
    case PROP_SORT_DESCENDING:
      g_value_set_boolean (value, self->sort_descending);
      break;
    case PROP_DETAIL_RECORD:
      g_value_set_object (value, g_str_equal (gtk_stack_get_visible_child_name (self->view_stack), "detail")
                                 ? sy_record_detail_get_record (self->detail) : NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_record_browser_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SyRecordBrowser *self = SY_RECORD_BROWSER (object);

  switch (prop_id)
    {
    case PROP_ENTITY:
      sy_record_browser_set_entity (self, g_value_get_string (value));
      break;
    case PROP_SORT_FIELD:
      set_sort (self, g_value_get_string (value), self->sort_descending);
      break;
    case PROP_SORT_DESCENDING:
      if (self->sort_field != NULL)
        set_sort (self, self->sort_field, g_value_get_boolean (value));
      else
        /* Nothing to turn round: the menu's check mark stays off. */
        g_object_notify_by_pspec (object, properties[PROP_SORT_DESCENDING]);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_record_browser_class_init (SyRecordBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_record_browser_dispose;
  object_class->finalize = sy_record_browser_finalize;
  object_class->get_property = sy_record_browser_get_property;
  object_class->set_property = sy_record_browser_set_property;

  widget_class->realize = sy_record_browser_realize;
  widget_class->unrealize = sy_record_browser_unrealize;
  widget_class->map = sy_record_browser_map;

  properties[PROP_ENTITY] =
    g_param_spec_string ("entity", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_N_LOADED] =
    g_param_spec_uint ("n-loaded", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /* The query the list shows: filter[search-field:contains]=search-text
   * (NULL text: no search), sort[sort-field] ("": the server's order). */
  properties[PROP_SEARCH_TEXT] =
    g_param_spec_string ("search-text", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_SEARCH_FIELD] =
    g_param_spec_string ("search-field", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /* Writable for the Sort menu ("": the server's order); only the
   * fields of sortable columns are taken. */
  properties[PROP_SORT_FIELD] =
    g_param_spec_string ("sort-field", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SORT_DESCENDING] =
    g_param_spec_boolean ("sort-descending", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* The record the detail view shows, NULL while the list is shown. */
  properties[PROP_DETAIL_RECORD] =
    g_param_spec_object ("detail-record", NULL, NULL,
                         SY_TYPE_RECORD,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SY_TYPE_RECORD_DETAIL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/sy-record-browser.ui");
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, entity_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, count_label);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, more_spinner);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, stack);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, error_page);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, column_view);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, more_error_revealer);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, more_error_label);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, search_bar);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, field_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, sort_button);
  gtk_widget_class_bind_template_child (widget_class, SyRecordBrowser, detail);
  gtk_widget_class_bind_template_callback (widget_class, on_entity_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_try_again_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_edge_reached);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_field_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_search_mode_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);

  /* F5 and Ctrl+R are the window's Refresh (win.refresh), which also
   * checks the connections; this is what it does to the list. */
  gtk_widget_class_install_action (widget_class, "browser.refresh", NULL, refresh_activated);
  gtk_widget_class_install_action (widget_class, "browser.back", NULL, back_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "browser.back", NULL);
  /* While the window's application accelerator for Alt+Left
   * (win.go-back) exists, it is handled before this one. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "browser.back", NULL);
  gtk_widget_class_install_action (widget_class, "browser.search", NULL, search_activated);
  gtk_widget_class_install_property_action (widget_class, "browser.sort-field", "sort-field");
  gtk_widget_class_install_property_action (widget_class, "browser.sort-descending", "sort-descending");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "browser.search", NULL);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
sy_record_browser_init (SyRecordBrowser *self)
{
  GtkAdjustment *vadjustment;

  self->entities = g_ptr_array_new_with_free_func (g_free);
  self->search_fields = g_ptr_array_new_with_free_func (g_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_signal_connect_object (gtk_column_view_get_sorter (self->column_view), "changed",
                           G_CALLBACK (on_sorter_changed), self, G_CONNECT_SWAPPED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browser.back", FALSE);

  vadjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  g_signal_connect_object (vadjustment, "value-changed",
                           G_CALLBACK (on_vadjustment_value_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vadjustment, "changed",
                           G_CALLBACK (on_vadjustment_changed), self, G_CONNECT_SWAPPED);

  rebuild_entities (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browser.refresh", FALSE);
  update_state (self);
}

GtkWidget *
sy_record_browser_new (void)
{
  return g_object_new (SY_TYPE_RECORD_BROWSER, NULL);
}

void
sy_record_browser_set_client (SyRecordBrowser *self,
                              SyApiClient     *client,
                              const char      *domain)
{
  gboolean entity_changed = FALSE;

  g_return_if_fail (SY_IS_RECORD_BROWSER (self));
  g_return_if_fail (client == NULL || SY_IS_API_CLIENT (client));

  drop_model (self);
  g_set_object (&self->client, client);
  {
    g_autoptr(SyConnection) connection = client != NULL ? sy_connection_dup_for_client (client) : NULL;

    watch_connection (self, connection);
  }

  if (g_strcmp0 (domain, self->domain) != 0 || self->entities->len == 0)
    {
      g_free (self->domain);
      self->domain = g_strdup (domain);
      rebuild_entities (self);
    }

  /* Stay on the same kind of records when the new connection offers
   * them; otherwise start with the first one it offers. */
  if (find_entity (self, self->entity) == GTK_INVALID_LIST_POSITION)
    {
      g_free (self->entity);
      self->entity = self->entities->len > 0 ? g_strdup (g_ptr_array_index (self->entities, 0)) : NULL;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENTITY]);
      entity_changed = TRUE;
    }
  select_entity (self, self->entity);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browser.refresh", client != NULL);
  /* The window's Refresh opens the connection's client again: the same
   * records, still searched and sorted as they were. */
  if (entity_changed || self->search_fields->len == 0)
    clear_query (self);
  reload (self);
}

void
sy_record_browser_set_entity (SyRecordBrowser *self,
                              const char      *entity)
{
  gboolean changed;

  g_return_if_fail (SY_IS_RECORD_BROWSER (self));

  changed = g_strcmp0 (entity, self->entity) != 0;
  if (changed)
    {
      g_free (self->entity);
      self->entity = g_strdup (entity);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENTITY]);
    }

  select_entity (self, entity);
  if (changed || self->search_fields->len == 0)
    clear_query (self);
  reload (self);
}

const char *
sy_record_browser_get_entity (SyRecordBrowser *self)
{
  g_return_val_if_fail (SY_IS_RECORD_BROWSER (self), NULL);

  return self->entity;
}

guint
sy_record_browser_get_n_loaded (SyRecordBrowser *self)
{
  g_return_val_if_fail (SY_IS_RECORD_BROWSER (self), 0);

  return self->model ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;
}

gboolean
sy_record_browser_get_loading (SyRecordBrowser *self)
{
  g_return_val_if_fail (SY_IS_RECORD_BROWSER (self), FALSE);

  return self->loading;
}

void
sy_record_browser_load_more (SyRecordBrowser *self)
{
  g_return_if_fail (SY_IS_RECORD_BROWSER (self));

  if (self->model != NULL)
    sy_record_model_load_more (self->model);
}
