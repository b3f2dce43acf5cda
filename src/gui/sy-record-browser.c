/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-record-browser-private.h"
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

  SyApiClient       *client;
  char              *domain;
  char              *entity;
  /* The entity ids behind the drop-down's labels, in the same order. */
  GPtrArray         *entities;
  SyRecordModel     *model;

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

  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (self->column_view, column);
    }
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
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, i + 1 == n_fields);
      gtk_column_view_append_column (self->column_view, column);
    }
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

  if (g_str_equal (page, "empty"))
    adw_status_page_set_description (self->empty_page, _("There are no records of this kind yet."));

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

  if (self->model == NULL ||
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
drop_model (SyRecordBrowser *self)
{
  if (self->model == NULL)
    return;

  sy_record_model_cancel (self->model);
  g_signal_handlers_disconnect_by_data (self->model, self);
  gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->model);
}

static void
reload (SyRecordBrowser *self)
{
  GtkNoSelection *selection;

  drop_model (self);
  remove_columns (self);

  if (self->client != NULL && self->entity != NULL)
    {
      self->model = sy_record_model_new (self->client, self->entity, RECORDS_PER_PAGE);
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

      sy_record_model_load_more (self->model);
    }

  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_LOADED]);
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
  reload (self);
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
  reload (SY_RECORD_BROWSER (widget));
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

  g_object_class_install_properties (object_class, N_PROPS, properties);

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
  gtk_widget_class_bind_template_callback (widget_class, on_entity_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_try_again_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_edge_reached);

  gtk_widget_class_install_action (widget_class, "browser.refresh", NULL, refresh_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "browser.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "browser.refresh", NULL);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
sy_record_browser_init (SyRecordBrowser *self)
{
  GtkAdjustment *vadjustment;

  self->entities = g_ptr_array_new_with_free_func (g_free);

  gtk_widget_init_template (GTK_WIDGET (self));

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
  g_return_if_fail (SY_IS_RECORD_BROWSER (self));
  g_return_if_fail (client == NULL || SY_IS_API_CLIENT (client));

  drop_model (self);
  g_set_object (&self->client, client);

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
    }
  select_entity (self, self->entity);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browser.refresh", client != NULL);
  reload (self);
}

void
sy_record_browser_set_entity (SyRecordBrowser *self,
                              const char      *entity)
{
  g_return_if_fail (SY_IS_RECORD_BROWSER (self));

  if (g_strcmp0 (entity, self->entity) != 0)
    {
      g_free (self->entity);
      self->entity = g_strdup (entity);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENTITY]);
    }

  select_entity (self, entity);
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
