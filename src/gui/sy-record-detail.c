/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-record-detail.h"

struct _SyRecordDetail
{
  GtkWidget        parent_instance;

  GtkLabel        *title_label;
  AdwToastOverlay *toast_overlay;
  GtkListBox      *fields_list;

  SyRecord        *record;
};

G_DEFINE_FINAL_TYPE (SyRecordDetail, sy_record_detail, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_RECORD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What names a record in the title, best first. */
static const char * const title_fields[] = {
  "orderNumber", "code", "sku", "name", "key",
};

static GtkWidget *row_for_value (const char *title,
                                 const char *field,
                                 JsonNode   *value);

static gboolean
is_line_list (const char *field)
{
  return field != NULL &&
         (g_str_equal (field, "lines") || g_str_has_suffix (field, "lineItems") ||
          g_str_has_suffix (field, "LineItems"));
}

static GtkWidget *
value_label (JsonNode *value)
{
  g_autofree char *text = NULL;
  GtkWidget *label;

  /* Timestamps as the server sent them: this is where the exact value is
   * read, and copied. */
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    text = g_strdup (json_node_get_string (value));
  else if (value != NULL && !JSON_NODE_HOLDS_NULL (value))
    text = sy_record_describe_value (NULL, value);

  label = gtk_label_new (text != NULL && text[0] != '\0' ? text : C_("empty field", "—"));
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_RIGHT);
  /* Short values (keys, dates, amounts) on one line; long ones wrap.
   * Digits and capitals are wider than the average character counted. */
  gtk_label_set_width_chars (GTK_LABEL (label), MIN (g_utf8_strlen (gtk_label_get_text (GTK_LABEL (label)), -1) + 2, 22));
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_halign (label, GTK_ALIGN_END);
  if (text == NULL || text[0] == '\0')
    gtk_widget_add_css_class (label, "dim-label");
  return label;
}

static GtkWidget *
expander_for_object (const char *title,
                     JsonObject *object,
                     JsonNode   *value)
{
  GtkWidget *row = adw_expander_row_new ();
  g_autofree char *summary = sy_record_describe_value (NULL, value);
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), summary);

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &member_name, &member))
    {
      g_autofree char *member_title = sy_record_get_field_title (member_name);

      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), row_for_value (member_title, member_name, member));
    }

  return row;
}

static GtkWidget *
expander_for_array (const char *title,
                    const char *field,
                    JsonNode   *value)
{
  JsonArray *array = json_node_get_array (value);
  GtkWidget *row = adw_expander_row_new ();
  g_autofree char *summary = sy_record_describe_value (field, value);
  guint n = json_array_get_length (array);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), summary);
  gtk_widget_set_sensitive (row, n > 0);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *element_title = NULL;

      if (is_line_list (field))
        /* Translators: an order line in a record's details, counted from 1 */
        element_title = g_strdup_printf (_("Line %u"), i + 1);
      else
        /* Translators: an element of a list in a record's details, counted from 1 */
        element_title = g_strdup_printf (_("Item %u"), i + 1);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                row_for_value (element_title, NULL, json_array_get_element (array, i)));
    }

  return row;
}

static GtkWidget *
row_for_value (const char *title,
               const char *field,
               JsonNode   *value)
{
  GtkWidget *row;

  if (value != NULL && JSON_NODE_HOLDS_OBJECT (value))
    return expander_for_object (title, json_node_get_object (value), value);
  if (value != NULL && JSON_NODE_HOLDS_ARRAY (value))
    return expander_for_array (title, field, value);

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), value_label (value));
  return row;
}

static char *
record_title (SyRecord *record)
{
  for (guint i = 0; i < G_N_ELEMENTS (title_fields); i++)
    {
      g_autofree char *text = sy_record_get_display_text (record, title_fields[i]);

      if (text[0] != '\0')
        return g_steal_pointer (&text);
    }

  return g_strdup (_("Record"));
}

static void
rebuild (SyRecordDetail *self)
{
  GtkWidget *child;
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;
  g_autofree char *title = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->fields_list))) != NULL)
    gtk_list_box_remove (self->fields_list, child);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-json", self->record != NULL);
  if (self->record == NULL)
    {
      gtk_label_set_text (self->title_label, "");
      return;
    }

  title = record_title (self->record);
  gtk_label_set_text (self->title_label, title);

  json_object_iter_init_ordered (&iter, sy_record_get_object (self->record));
  while (json_object_iter_next_ordered (&iter, &member_name, &member))
    {
      g_autofree char *field_title = sy_record_get_field_title (member_name);
      GtkWidget *row = row_for_value (field_title, member_name, member);

      /* Order lines are what one opens an order for. */
      if (ADW_IS_EXPANDER_ROW (row) && is_line_list (member_name))
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
      gtk_list_box_append (self->fields_list, row);
    }
}

char *
sy_record_detail_dup_json (SyRecordDetail *self)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (SY_IS_RECORD_DETAIL (self), NULL);

  if (self->record == NULL)
    return NULL;

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, sy_record_get_object (self->record));
  return json_to_string (node, TRUE);
}

static void
copy_json_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SyRecordDetail *self = SY_RECORD_DETAIL (widget);
  g_autofree char *json = sy_record_detail_dup_json (self);

  if (json == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), json);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Copied as JSON")));
}

static void
sy_record_detail_dispose (GObject *object)
{
  SyRecordDetail *self = (SyRecordDetail *)object;
  GtkWidget *child;

  g_clear_object (&self->record);
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_RECORD_DETAIL);
  /* GTK 4.8 leaves the template's children to the widget. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sy_record_detail_parent_class)->dispose (object);
}

static void
sy_record_detail_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SyRecordDetail *self = SY_RECORD_DETAIL (object);

  switch (prop_id)
    {
    case PROP_RECORD:
      g_value_set_object (value, self->record);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_record_detail_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SyRecordDetail *self = SY_RECORD_DETAIL (object);

  switch (prop_id)
    {
    case PROP_RECORD:
      sy_record_detail_set_record (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_record_detail_class_init (SyRecordDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_record_detail_dispose;
  object_class->get_property = sy_record_detail_get_property;
  object_class->set_property = sy_record_detail_set_property;

  properties[PROP_RECORD] =
    g_param_spec_object ("record", NULL, NULL,
                         SY_TYPE_RECORD,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/sy-record-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, SyRecordDetail, title_label);
  gtk_widget_class_bind_template_child (widget_class, SyRecordDetail, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SyRecordDetail, fields_list);

  gtk_widget_class_install_action (widget_class, "detail.copy-json", NULL, copy_json_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "detail.copy-json", NULL);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
sy_record_detail_init (SyRecordDetail *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-json", FALSE);
}

GtkWidget *
sy_record_detail_new (void)
{
  return g_object_new (SY_TYPE_RECORD_DETAIL, NULL);
}

void
sy_record_detail_set_record (SyRecordDetail *self,
                             SyRecord       *record)
{
  g_return_if_fail (SY_IS_RECORD_DETAIL (self));
  g_return_if_fail (record == NULL || SY_IS_RECORD (record));

  if (!g_set_object (&self->record, record))
    return;

  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORD]);
}

SyRecord *
sy_record_detail_get_record (SyRecordDetail *self)
{
  g_return_val_if_fail (SY_IS_RECORD_DETAIL (self), NULL);

  return self->record;
}
