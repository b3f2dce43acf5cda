/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-sync-failure-list-private.h"

#define FLUSH_INTERVAL_MS 250

struct _SySyncFailureList
{
  AdwBin         parent_instance;

  GListStore    *store;
  GPtrArray     *queued;
  guint          flush_source;
  GtkColumnView *column_view;
};

G_DEFINE_FINAL_TYPE (SySyncFailureList, sy_sync_failure_list, ADW_TYPE_BIN)

typedef enum
{
  COLUMN_SOURCE_KEY,
  COLUMN_STATUS,
  COLUMN_REASON,
  COLUMN_REQUEST_ID,
} Column;

static gboolean
query_reason_tooltip_cb (GtkWidget  *label,
                         int         x,
                         int         y,
                         gboolean    keyboard_mode,
                         GtkTooltip *tooltip,
                         gpointer    user_data)
{
  const char *text = gtk_label_get_text (GTK_LABEL (label));

  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  if (column == COLUMN_STATUS)
    gtk_widget_add_css_class (label, "numeric");
  if (column == COLUMN_SOURCE_KEY || column == COLUMN_REQUEST_ID)
    gtk_widget_add_css_class (label, "monospace");
  /* Reasons are long: the whole of it on hover, as the export has it. The
   * text is asked for only on hover: gtk_widget_set_tooltip_text() in bind
   * makes GTK 4.8 query the pointer from the X server, a round trip per
   * row bound, which stalled the window while a run filled the list. */
  if (column == COLUMN_REASON)
    {
      gtk_widget_set_has_tooltip (label, TRUE);
      g_signal_connect (label, "query-tooltip", G_CALLBACK (query_reason_tooltip_cb), NULL);
    }
  gtk_list_item_set_child (item, label);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  SySyncFailureItem *failure = gtk_list_item_get_item (item);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  g_autofree char *status = NULL;
  const char *text = NULL;

  switch (column)
    {
    case COLUMN_SOURCE_KEY:
      text = sy_sync_failure_item_get_source_key (failure);
      break;
    case COLUMN_STATUS:
      text = status = sy_sync_failure_item_dup_status_text (failure);
      break;
    case COLUMN_REASON:
      text = sy_sync_failure_item_get_reason (failure);
      break;
    case COLUMN_REQUEST_ID:
      text = sy_sync_failure_item_get_request_id (failure);
      break;
    default:
      g_assert_not_reached ();
    }

  gtk_label_set_text (label, text ? text : "");
}

static void
add_column (SySyncFailureList *self,
            const char        *title,
            Column             column,
            int                fixed_width,
            gboolean           expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *view_column;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), GINT_TO_POINTER (column));
  view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (view_column, TRUE);
  gtk_column_view_column_set_expand (view_column, expand);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (view_column, fixed_width);
  gtk_column_view_append_column (self->column_view, view_column);
  g_object_unref (view_column);
}

static gboolean
flush_cb (gpointer user_data)
{
  SySyncFailureList *self = user_data;

  self->flush_source = 0;
  sy_sync_failure_list_flush (self);
  return G_SOURCE_REMOVE;
}

void
sy_sync_failure_list_flush (SySyncFailureList *self)
{
  g_return_if_fail (SY_IS_SYNC_FAILURE_LIST (self));

  g_clear_handle_id (&self->flush_source, g_source_remove);
  if (self->queued->len == 0)
    return;
  g_list_store_splice (self->store, g_list_model_get_n_items (G_LIST_MODEL (self->store)), 0,
                       self->queued->pdata, self->queued->len);
  g_ptr_array_set_size (self->queued, 0);
}

void
sy_sync_failure_list_clear (SySyncFailureList *self)
{
  g_return_if_fail (SY_IS_SYNC_FAILURE_LIST (self));

  g_clear_handle_id (&self->flush_source, g_source_remove);
  g_ptr_array_set_size (self->queued, 0);
  g_list_store_remove_all (self->store);
}

void
sy_sync_failure_list_add (SySyncFailureList  *self,
                          const SySyncResult *result)
{
  g_return_if_fail (SY_IS_SYNC_FAILURE_LIST (self));
  g_return_if_fail (result != NULL);

  g_ptr_array_add (self->queued, sy_sync_failure_item_new (result));
  if (self->flush_source == 0)
    self->flush_source = g_timeout_add (FLUSH_INTERVAL_MS, flush_cb, self);
}

void
sy_sync_failure_list_add_page (SySyncFailureList *self,
                               GPtrArray         *results)
{
  g_return_if_fail (SY_IS_SYNC_FAILURE_LIST (self));
  g_return_if_fail (results != NULL);

  for (guint i = 0; i < results->len; i++)
    g_ptr_array_add (self->queued, sy_sync_failure_item_new (g_ptr_array_index (results, i)));
  sy_sync_failure_list_flush (self);
}

GListModel *
sy_sync_failure_list_get_model (SySyncFailureList *self)
{
  g_return_val_if_fail (SY_IS_SYNC_FAILURE_LIST (self), NULL);
  return G_LIST_MODEL (self->store);
}

guint
sy_sync_failure_list_get_n_items (SySyncFailureList *self)
{
  g_return_val_if_fail (SY_IS_SYNC_FAILURE_LIST (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->store)) + self->queued->len;
}

GtkColumnView *
sy_sync_failure_list_get_column_view (SySyncFailureList *self)
{
  g_return_val_if_fail (SY_IS_SYNC_FAILURE_LIST (self), NULL);
  return self->column_view;
}

static void
sy_sync_failure_list_dispose (GObject *object)
{
  SySyncFailureList *self = SY_SYNC_FAILURE_LIST (object);

  g_clear_handle_id (&self->flush_source, g_source_remove);
  adw_bin_set_child (ADW_BIN (self), NULL);
  self->column_view = NULL;
  g_clear_object (&self->store);
  g_clear_pointer (&self->queued, g_ptr_array_unref);

  G_OBJECT_CLASS (sy_sync_failure_list_parent_class)->dispose (object);
}

static void
sy_sync_failure_list_class_init (SySyncFailureListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = sy_sync_failure_list_dispose;
}

static void
sy_sync_failure_list_init (SySyncFailureList *self)
{
  GtkSelectionModel *selection;
  GtkWidget *scrolled;

  self->store = g_list_store_new (SY_TYPE_SYNC_FAILURE_ITEM);
  self->queued = g_ptr_array_new_with_free_func (g_object_unref);

  selection = GTK_SELECTION_MODEL (gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->store))));
  gtk_single_selection_set_autoselect (GTK_SINGLE_SELECTION (selection), FALSE);
  gtk_single_selection_set_can_unselect (GTK_SINGLE_SELECTION (selection), TRUE);
  self->column_view = GTK_COLUMN_VIEW (gtk_column_view_new (selection));
  gtk_column_view_set_show_row_separators (self->column_view, TRUE);
  gtk_column_view_set_reorderable (self->column_view, FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->column_view), "data-table");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->column_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Failed records"), -1);

  add_column (self, _("Source Key"), COLUMN_SOURCE_KEY, 140, FALSE);
  add_column (self, _("Status"), COLUMN_STATUS, 70, FALSE);
  add_column (self, _("Reason"), COLUMN_REASON, 320, TRUE);
  add_column (self, _("Request ID"), COLUMN_REQUEST_ID, 150, FALSE);

  scrolled = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->column_view));
  adw_bin_set_child (ADW_BIN (self), scrolled);
}

GtkWidget *
sy_sync_failure_list_new (void)
{
  return g_object_new (SY_TYPE_SYNC_FAILURE_LIST, NULL);
}
