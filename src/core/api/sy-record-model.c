/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-page-iterator.h"
#include "sy-record-model.h"

struct _SyRecordModel
{
  GObject         parent_instance;

  SyApiClient    *client;
  char           *entity;
  guint           per_page;

  SyPageIterator *iterator;
  GPtrArray      *records;
  GError         *error;
  GStrv           columns;
  gint64          total;

  /* Aborts the iterator's request when the model goes away. */
  GCancellable   *io_cancellable;
  /* The answer to a request the caller cancelled, for the next one. */
  JsonArray      *kept_page;
  guint           deliver_source;

  /* Whether a caller is waiting for a page ("loading"). */
  guint           loading : 1;
  /* Whether the iterator has a call running: it outlives a cancelled
   * request until its answer arrives. */
  guint           iterator_busy : 1;
  guint           kept_answer : 1;
  guint           has_more : 1;
  guint           disposed : 1;
};

static void sy_record_model_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SyRecordModel, sy_record_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      sy_record_model_list_model_iface_init))

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_ENTITY,
  PROP_PER_PAGE,
  PROP_LOADING,
  PROP_HAS_MORE,
  PROP_N_ITEMS,
  PROP_TOTAL,
  PROP_ERROR,
  PROP_COLUMNS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define DEFAULT_PER_PAGE 50
#define MAX_PER_PAGE 1000

/* Columns beyond key and updatedAt: what fits a window without scrolling
 * sideways. */
#define MAX_EXTRA_COLUMNS 5
/* Longer strings are descriptions or notes, not something to scan in a
 * column. */
#define MAX_COLUMN_TEXT 64

/* In order of usefulness for telling records apart at a glance. */
static const char * const preferred_fields[] = {
  "orderNumber", "code", "name", "status", "statusKey", "total",
  "customerKey", "productKey", "locationKey", "quantity", "sku", "price",
  "date", "currencyKey",
};

static const char * const never_extra_fields[] = {
  "key", "updatedAt", "createdAt", "deletedAt", "lines",
};

static GType
sy_record_model_get_item_type (GListModel *model)
{
  return SY_TYPE_RECORD;
}

static guint
sy_record_model_get_n_items (GListModel *model)
{
  SyRecordModel *self = SY_RECORD_MODEL (model);

  return self->records->len;
}

static gpointer
sy_record_model_get_item (GListModel *model,
                          guint       position)
{
  SyRecordModel *self = SY_RECORD_MODEL (model);

  if (position >= self->records->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->records, position));
}

static void
sy_record_model_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = sy_record_model_get_item_type;
  iface->get_n_items = sy_record_model_get_n_items;
  iface->get_item = sy_record_model_get_item;
}

static gboolean
field_present (JsonArray  *records,
               const char *field)
{
  guint n = json_array_get_length (records);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (records, i);
      JsonNode *member;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      member = json_object_get_member (json_node_get_object (element), field);
      if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
        return TRUE;
    }

  return FALSE;
}

static gboolean
is_short_scalar (JsonNode *node)
{
  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return strlen (json_node_get_string (node)) <= MAX_COLUMN_TEXT;

  return TRUE;
}

static gboolean
strv_contains (GPtrArray  *fields,
               const char *field)
{
  for (guint i = 0; i < fields->len; i++)
    if (g_str_equal (g_ptr_array_index (fields, i), field))
      return TRUE;

  return FALSE;
}

GStrv
sy_record_model_propose_columns (JsonArray *records)
{
  g_autoptr(GPtrArray) columns = g_ptr_array_new_with_free_func (g_free);
  guint n_extra = 0;
  guint n_records;

  g_return_val_if_fail (records != NULL, NULL);

  /* Every record has a key, and the browser is where users check what
   * changed when: both lead even on a page that lacks them. */
  g_ptr_array_add (columns, g_strdup ("key"));
  if (field_present (records, "updatedAt") || json_array_get_length (records) == 0)
    g_ptr_array_add (columns, g_strdup ("updatedAt"));

  for (guint i = 0; i < G_N_ELEMENTS (preferred_fields) && n_extra < MAX_EXTRA_COLUMNS; i++)
    if (field_present (records, preferred_fields[i]))
      {
        g_ptr_array_add (columns, g_strdup (preferred_fields[i]));
        n_extra++;
      }

  /* Entities nobody anticipated still get their short scalar fields, in
   * the order the server lists them. */
  n_records = json_array_get_length (records);
  for (guint i = 0; i < n_records && n_extra < MAX_EXTRA_COLUMNS; i++)
    {
      JsonNode *element = json_array_get_element (records, i);
      JsonObjectIter iter;
      const char *member_name;
      JsonNode *member;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;

      json_object_iter_init_ordered (&iter, json_node_get_object (element));
      while (n_extra < MAX_EXTRA_COLUMNS && json_object_iter_next_ordered (&iter, &member_name, &member))
        {
          if (!is_short_scalar (member) ||
              g_strv_contains ((const char * const *) never_extra_fields, member_name) ||
              strv_contains (columns, member_name))
            continue;
          g_ptr_array_add (columns, g_strdup (member_name));
          n_extra++;
        }
    }

  if (field_present (records, "lines"))
    g_ptr_array_add (columns, g_strdup ("lines"));

  g_ptr_array_add (columns, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&columns), FALSE);
}

static void page_ready_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data);

static void
start_page_request (SyRecordModel *self)
{
  GWeakRef *model_ref = g_new0 (GWeakRef, 1);

  /* A weak reference: a model dropped mid-request must be finalized
   * then, not when the server answers, and the answer then lands
   * nowhere. */
  g_weak_ref_init (model_ref, self);

  g_clear_object (&self->io_cancellable);
  self->io_cancellable = g_cancellable_new ();
  self->iterator_busy = TRUE;
  sy_page_iterator_next_async (self->iterator, self->io_cancellable, page_ready_cb, model_ref);
}

static void
append_page (SyRecordModel *self,
             JsonArray     *page)
{
  guint position = self->records->len;
  guint n = json_array_get_length (page);
  guint added = 0;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (page, i);

      /* Only objects are records; anything else would be a server bug
       * that the table cannot show anyway. */
      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      g_ptr_array_add (self->records, sy_record_new (json_node_get_object (element)));
      added++;
    }

  if (self->columns == NULL && added > 0)
    {
      self->columns = sy_record_model_propose_columns (page);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLUMNS]);
    }

  if (added > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position, 0, added);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

/* Ends the request the caller made: a page (NULL once there are no
 * more) or an error. */
static void
finish_loading (SyRecordModel *self,
                JsonArray     *page,
                GError        *error)
{
  gint64 total;

  self->loading = FALSE;

  g_object_freeze_notify (G_OBJECT (self));

  if (error != NULL)
    {
      g_clear_error (&self->error);
      self->error = g_error_copy (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  else
    {
      if (page != NULL)
        append_page (self, page);

      total = sy_page_iterator_get_total (self->iterator);
      if (total != self->total)
        {
          self->total = total;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
        }

      if (page == NULL || sy_page_iterator_is_done (self->iterator))
        {
          self->has_more = FALSE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_MORE]);
        }
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
page_ready_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GWeakRef *model_ref = user_data;
  g_autoptr(SyRecordModel) self = g_weak_ref_get (model_ref);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) page = NULL;

  g_weak_ref_clear (model_ref);
  g_free (model_ref);

  page = sy_page_iterator_next_finish (SY_PAGE_ITERATOR (source), result, &error);

  if (self == NULL || self->disposed)
    return;

  self->iterator_busy = FALSE;

  if (self->loading)
    {
      finish_loading (self, page, error);
      return;
    }

  /* The caller gave up on this page, but the iterator has moved past
   * it: keep it for the next load_more(), or no record would be
   * skipped silently. A failure moved nothing and is simply dropped. */
  if (error == NULL)
    {
      g_clear_pointer (&self->kept_page, json_array_unref);
      self->kept_page = g_steal_pointer (&page);
      self->kept_answer = TRUE;
    }
}

static gboolean
deliver_kept_page_cb (gpointer user_data)
{
  SyRecordModel *self = user_data;
  g_autoptr(JsonArray) page = g_steal_pointer (&self->kept_page);

  self->deliver_source = 0;
  self->kept_answer = FALSE;
  finish_loading (self, page, NULL);

  return G_SOURCE_REMOVE;
}

/* Whether the query may still change: nothing asked yet. */
static gboolean
query_open (SyRecordModel *self)
{
  return self->iterator != NULL && !self->iterator_busy && !self->kept_answer &&
         self->records->len == 0 && sy_page_iterator_get_pages_read (self->iterator) == 0;
}

void
sy_record_model_add_filter (SyRecordModel *self,
                            const char    *field,
                            const char    *op,
                            const char    *value)
{
  g_return_if_fail (SY_IS_RECORD_MODEL (self));
  g_return_if_fail (field != NULL && value != NULL);
  g_return_if_fail (query_open (self));

  sy_page_iterator_add_filter (self->iterator, field, op, value);
}

void
sy_record_model_set_sort (SyRecordModel *self,
                          const char    *field,
                          gboolean       descending)
{
  g_return_if_fail (SY_IS_RECORD_MODEL (self));
  g_return_if_fail (field != NULL);
  g_return_if_fail (query_open (self));

  sy_page_iterator_set_sort (self->iterator, field, descending);
}

void
sy_record_model_load_more (SyRecordModel *self)
{
  g_return_if_fail (SY_IS_RECORD_MODEL (self));

  if (self->loading || !self->has_more || self->disposed || self->iterator == NULL)
    return;

  g_object_freeze_notify (G_OBJECT (self));

  self->loading = TRUE;
  if (self->kept_answer)
    /* Asynchronous like any other answer: callers rely on it. */
    self->deliver_source = g_idle_add (deliver_kept_page_cb, self);
  else if (!self->iterator_busy)
    start_page_request (self);
  /* else the abandoned request is still running; its answer is this
   * one. */

  if (self->error != NULL)
    {
      g_clear_error (&self->error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);

  g_object_thaw_notify (G_OBJECT (self));
}

void
sy_record_model_cancel (SyRecordModel *self)
{
  g_return_if_fail (SY_IS_RECORD_MODEL (self));

  if (!self->loading)
    return;

  /* The request itself runs on (see start_page_request): cancelling it
   * could lose a page that already arrived, and the iterator cannot
   * take it back. */
  g_clear_handle_id (&self->deliver_source, g_source_remove);
  self->loading = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
sy_record_model_constructed (GObject *object)
{
  SyRecordModel *self = (SyRecordModel *)object;

  G_OBJECT_CLASS (sy_record_model_parent_class)->constructed (object);

  if (self->client != NULL && self->entity != NULL)
    self->iterator = sy_page_iterator_new (self->client, self->entity, self->per_page);
  else
    self->has_more = FALSE;
}

static void
sy_record_model_dispose (GObject *object)
{
  SyRecordModel *self = (SyRecordModel *)object;

  self->disposed = TRUE;
  g_clear_handle_id (&self->deliver_source, g_source_remove);
  if (self->io_cancellable != NULL)
    g_cancellable_cancel (self->io_cancellable);
  g_clear_object (&self->io_cancellable);
  g_clear_pointer (&self->kept_page, json_array_unref);
  g_clear_object (&self->iterator);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (sy_record_model_parent_class)->dispose (object);
}

static void
sy_record_model_finalize (GObject *object)
{
  SyRecordModel *self = (SyRecordModel *)object;

  g_clear_pointer (&self->records, g_ptr_array_unref);
  g_clear_pointer (&self->entity, g_free);
  g_clear_pointer (&self->columns, g_strfreev);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (sy_record_model_parent_class)->finalize (object);
}

static void
sy_record_model_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SyRecordModel *self = SY_RECORD_MODEL (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_ENTITY:
      g_value_set_string (value, self->entity);
      break;
    case PROP_PER_PAGE:
      g_value_set_uint (value, self->per_page);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, sy_record_model_get_loading (self));
      break;
    case PROP_HAS_MORE:
      g_value_set_boolean (value, self->has_more);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->records->len);
      break;
    case PROP_TOTAL:
      g_value_set_int64 (value, self->total);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_COLUMNS:
      g_value_set_boxed (value, self->columns);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_record_model_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SyRecordModel *self = SY_RECORD_MODEL (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_ENTITY:
      self->entity = g_value_dup_string (value);
      break;
    case PROP_PER_PAGE:
      self->per_page = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_record_model_class_init (SyRecordModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sy_record_model_constructed;
  object_class->dispose = sy_record_model_dispose;
  object_class->finalize = sy_record_model_finalize;
  object_class->get_property = sy_record_model_get_property;
  object_class->set_property = sy_record_model_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         SY_TYPE_API_CLIENT,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ENTITY] =
    g_param_spec_string ("entity", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PER_PAGE] =
    g_param_spec_uint ("per-page", NULL, NULL,
                       1, MAX_PER_PAGE, DEFAULT_PER_PAGE,
                       (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_HAS_MORE] =
    g_param_spec_boolean ("has-more", NULL, NULL,
                          TRUE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_TOTAL] =
    g_param_spec_int64 ("total", NULL, NULL,
                        -1, G_MAXINT64, -1,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL,
                        G_TYPE_ERROR,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  properties[PROP_COLUMNS] =
    g_param_spec_boxed ("columns", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_record_model_init (SyRecordModel *self)
{
  self->records = g_ptr_array_new_with_free_func (g_object_unref);
  self->per_page = DEFAULT_PER_PAGE;
  self->total = -1;
  self->has_more = TRUE;
}

SyRecordModel *
sy_record_model_new (SyApiClient *client,
                     const char  *entity,
                     guint        per_page)
{
  g_return_val_if_fail (SY_IS_API_CLIENT (client), NULL);
  g_return_val_if_fail (entity != NULL, NULL);

  return g_object_new (SY_TYPE_RECORD_MODEL,
                       "client", client,
                       "entity", entity,
                       "per-page", CLAMP (per_page, 1, MAX_PER_PAGE),
                       NULL);
}

SyApiClient *
sy_record_model_get_client (SyRecordModel *self)
{
  g_return_val_if_fail (SY_IS_RECORD_MODEL (self), NULL);

  return self->client;
}

const char *
sy_record_model_get_entity (SyRecordModel *self)
{
  g_return_val_if_fail (SY_IS_RECORD_MODEL (self), NULL);

  return self->entity;
}

gboolean
sy_record_model_get_loading (SyRecordModel *self)
{
  g_return_val_if_fail (SY_IS_RECORD_MODEL (self), FALSE);

  return self->loading;
}

gboolean
sy_record_model_get_has_more (SyRecordModel *self)
{
  g_return_val_if_fail (SY_IS_RECORD_MODEL (self), FALSE);

  return self->has_more;
}

gint64
sy_record_model_get_total (SyRecordModel *self)
{
  g_return_val_if_fail (SY_IS_RECORD_MODEL (self), -1);

  return self->total;
}

const GError *
sy_record_model_get_error (SyRecordModel *self)
{
  g_return_val_if_fail (SY_IS_RECORD_MODEL (self), NULL);

  return self->error;
}

const char * const *
sy_record_model_get_columns (SyRecordModel *self)
{
  g_return_val_if_fail (SY_IS_RECORD_MODEL (self), NULL);

  return (const char * const *) self->columns;
}
