/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include <json-glib/json-glib.h>

#include "sy-sync-failure-item-private.h"
#include "sy-sync-failure-list-private.h"
#include "sy-sync-result-describe.h"

#define FLUSH_INTERVAL_MS 250

struct _SySyncFailureList
{
  AdwBin              parent_instance;

  GListStore         *store;
  GPtrArray          *queued;
  guint               flush_source;
  char               *target_platform_name;
  GtkSingleSelection *selection;
  GtkListView        *list_view;

  /* The detail pane of the selected record. */
  GtkRevealer        *detail_revealer;
  GtkLabel           *detail_title;
  GtkLabel           *detail_status;
  GtkLabel           *detail_reason;
  GtkLabel           *detail_fields;
  GtkLabel           *detail_request_id;
  GtkWidget          *copy_button;
};

G_DEFINE_FINAL_TYPE (SySyncFailureList, sy_sync_failure_list, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_TARGET_PLATFORM_NAME,
  PROP_SELECTED_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What a person knows the record by: the value the engine kept from the
 * mapping's match field (the order number), else the source key. */
static char *
failure_display_text (const SySyncResult *r)
{
  return g_strdup (r->display_value != NULL && *r->display_value != '\0' ? r->display_value : r->source_key);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  /* One line in the list; the whole reason is in the detail pane. */
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  SySyncFailureList *self = user_data;
  SySyncFailureItem *failure = gtk_list_item_get_item (item);
  const SySyncResult *result = sy_sync_failure_item_get_result (failure);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  g_autofree char *display = failure_display_text (result);
  g_autofree char *status = sy_sync_result_describe_status (result, self->target_platform_name);
  /* Translators: a failed record's readable status and the server's reason */
  g_autofree char *line = g_strdup_printf (_("%s · %s"), status, sy_sync_failure_item_get_reason (failure));
  /* Translators: a failed record in the list, for screen readers: its name and status */
  g_autofree char *accessible = g_strdup_printf (_("%s, %s"), display, status);

  gtk_label_set_text (GTK_LABEL (title), display ? display : "");
  gtk_label_set_text (GTK_LABEL (subtitle), line);
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (box) ? gtk_widget_get_parent (box) : box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

/* Field errors {"field": ["message", ...]} as one line per field. */
static char *
describe_field_errors (const char *field_errors)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GString) text = NULL;
  JsonObjectIter iter;
  const char *field;
  JsonNode *messages;

  if (field_errors == NULL || *field_errors == '\0')
    return NULL;
  root = json_from_string (field_errors, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup (field_errors);

  text = g_string_new (NULL);
  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &field, &messages))
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, "%s:", field);
      if (JSON_NODE_HOLDS_ARRAY (messages))
        {
          JsonArray *array = json_node_get_array (messages);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *message = json_array_get_element (array, i);

              if (JSON_NODE_HOLDS_VALUE (message) && json_node_get_value_type (message) == G_TYPE_STRING)
                g_string_append_printf (text, "%s %s", i > 0 ? ";" : "", json_node_get_string (message));
            }
        }
      else if (JSON_NODE_HOLDS_VALUE (messages) && json_node_get_value_type (messages) == G_TYPE_STRING)
        g_string_append_printf (text, " %s", json_node_get_string (messages));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
show_detail (SySyncFailureList *self)
{
  SySyncFailureItem *failure = gtk_single_selection_get_selected_item (self->selection);
  const SySyncResult *result;
  g_autofree char *display = NULL;
  g_autofree char *status = NULL;
  g_autofree char *fields = NULL;
  g_autofree char *attempts = NULL;

  gtk_revealer_set_reveal_child (self->detail_revealer, failure != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_ITEM]);
  if (failure == NULL)
    return;

  result = sy_sync_failure_item_get_result (failure);
  display = failure_display_text (result);
  status = sy_sync_result_describe_status (result, self->target_platform_name);
  /* Translators: a failed record's status and how many times it was sent */
  attempts = g_strdup_printf (ngettext ("%s · sent %u time", "%s · sent %u times", result->attempts),
                              status, result->attempts);
  gtk_label_set_text (self->detail_title, display ? display : "");
  gtk_label_set_text (self->detail_status, result->attempts > 0 ? attempts : status);
  /* The server's message once; its field errors below, one per line. */
  gtk_label_set_text (self->detail_reason,
                      result->message && *result->message ? result->message : _("No reason given"));
  fields = describe_field_errors (result->field_errors);
  gtk_label_set_text (self->detail_fields, fields ? fields : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_fields), fields != NULL);
  gtk_label_set_text (self->detail_request_id,
                      result->request_id && *result->request_id ? result->request_id : _("No request ID"));
  gtk_widget_set_sensitive (self->copy_button, result->request_id != NULL && *result->request_id != '\0');
}

static void
copy_request_id_cb (SySyncFailureList *self)
{
  SySyncFailureItem *failure = gtk_single_selection_get_selected_item (self->selection);
  const SySyncResult *result = failure ? sy_sync_failure_item_get_result (failure) : NULL;

  if (result == NULL || result->request_id == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), result->request_id);
}

static GtkWidget *
detail_label (gboolean wrap)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  if (wrap)
    {
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
    }
  else
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  return label;
}

static GtkWidget *
build_detail (SySyncFailureList *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *id_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  self->detail_title = GTK_LABEL (detail_label (TRUE));
  gtk_widget_add_css_class (GTK_WIDGET (self->detail_title), "title-4");
  self->detail_status = GTK_LABEL (detail_label (TRUE));
  gtk_widget_add_css_class (GTK_WIDGET (self->detail_status), "heading");
  self->detail_reason = GTK_LABEL (detail_label (TRUE));
  self->detail_fields = GTK_LABEL (detail_label (TRUE));
  gtk_widget_add_css_class (GTK_WIDGET (self->detail_fields), "monospace");
  self->detail_request_id = GTK_LABEL (detail_label (FALSE));
  gtk_widget_set_hexpand (GTK_WIDGET (self->detail_request_id), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->detail_request_id), "monospace");
  gtk_widget_add_css_class (GTK_WIDGET (self->detail_request_id), "dim-label");

  self->copy_button = gtk_button_new_with_mnemonic (_("_Copy Request ID"));
  gtk_widget_set_tooltip_text (self->copy_button, _("Copy the request ID, for the target's support"));
  g_signal_connect_swapped (self->copy_button, "clicked", G_CALLBACK (copy_request_id_cb), self);
  gtk_box_append (GTK_BOX (id_box), GTK_WIDGET (self->detail_request_id));
  gtk_box_append (GTK_BOX (id_box), self->copy_button);

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->detail_title));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->detail_status));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->detail_reason));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->detail_fields));
  gtk_box_append (GTK_BOX (box), id_box);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 240);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (scrolled), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Failed record details"), -1);
  return scrolled;
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

void
sy_sync_failure_list_set_target_platform_name (SySyncFailureList *self,
                                               const char        *name)
{
  g_return_if_fail (SY_IS_SYNC_FAILURE_LIST (self));

  if (g_strcmp0 (self->target_platform_name, name) == 0)
    return;
  g_free (self->target_platform_name);
  self->target_platform_name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET_PLATFORM_NAME]);
}

static void
sy_sync_failure_list_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  SySyncFailureList *self = SY_SYNC_FAILURE_LIST (object);

  switch (prop_id)
    {
    case PROP_TARGET_PLATFORM_NAME:
      g_value_set_string (value, self->target_platform_name);
      break;
    case PROP_SELECTED_ITEM:
      g_value_set_object (value, self->selection ? gtk_single_selection_get_selected_item (self->selection) : NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_sync_failure_list_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  SySyncFailureList *self = SY_SYNC_FAILURE_LIST (object);

  switch (prop_id)
    {
    case PROP_TARGET_PLATFORM_NAME:
      sy_sync_failure_list_set_target_platform_name (self, g_value_get_string (value));
      break;
    case PROP_SELECTED_ITEM:
      {
        SySyncFailureItem *item = g_value_get_object (value);
        guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

        gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
        for (guint i = 0; item != NULL && i < n; i++)
          {
            g_autoptr(SySyncFailureItem) candidate = g_list_model_get_item (G_LIST_MODEL (self->store), i);

            if (candidate == item)
              gtk_single_selection_set_selected (self->selection, i);
          }
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_sync_failure_list_dispose (GObject *object)
{
  SySyncFailureList *self = SY_SYNC_FAILURE_LIST (object);

  g_clear_handle_id (&self->flush_source, g_source_remove);
  adw_bin_set_child (ADW_BIN (self), NULL);
  self->list_view = NULL;
  g_clear_object (&self->selection);
  g_clear_object (&self->store);
  g_clear_pointer (&self->target_platform_name, g_free);
  g_clear_pointer (&self->queued, g_ptr_array_unref);

  G_OBJECT_CLASS (sy_sync_failure_list_parent_class)->dispose (object);
}

static void
sy_sync_failure_list_class_init (SySyncFailureListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_sync_failure_list_dispose;
  object_class->get_property = sy_sync_failure_list_get_property;
  object_class->set_property = sy_sync_failure_list_set_property;

  /* Who rejected a record: "Rejected by NetSuite (422)". */
  properties[PROP_TARGET_PLATFORM_NAME] =
    g_param_spec_string ("target-platform-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The record the detail pane shows (SySyncFailureItem), or NULL. */
  properties[PROP_SELECTED_ITEM] =
    g_param_spec_object ("selected-item", NULL, NULL, SY_TYPE_SYNC_FAILURE_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_sync_failure_list_init (SySyncFailureList *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled;

  self->store = g_list_store_new (SY_TYPE_SYNC_FAILURE_ITEM);
  self->queued = g_ptr_array_new_with_free_func (g_object_unref);

  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->store)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (show_detail), self);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  self->list_view = GTK_LIST_VIEW (gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)), factory));
  gtk_list_view_set_show_separators (self->list_view, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Failed records"), -1);

  scrolled = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->list_view));
  gtk_box_append (GTK_BOX (box), scrolled);

  self->detail_revealer = GTK_REVEALER (gtk_revealer_new ());
  gtk_revealer_set_transition_type (self->detail_revealer, GTK_REVEALER_TRANSITION_TYPE_SLIDE_UP);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_revealer_set_child (self->detail_revealer, build_detail (self));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->detail_revealer));
  adw_bin_set_child (ADW_BIN (self), box);
}

GtkWidget *
sy_sync_failure_list_new (void)
{
  return g_object_new (SY_TYPE_SYNC_FAILURE_LIST, NULL);
}
