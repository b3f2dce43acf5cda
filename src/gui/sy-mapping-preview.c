/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "sy-api-client.h"
#include "sy-catalogue.h"
#include "sy-connection-check.h"
#include "sy-mapping-preview-private.h"
#include "sy-page-iterator.h"

/* Applying is fast; the delay only spares a redraw per keystroke. */
#define APPLY_DELAY_MS 150
#define DEFAULT_SAMPLES 5

typedef struct
{
  char  *message;
  guint  n_samples;
  guint  last_sample;
} ProblemSummary;

struct _SyMappingPreview
{
  GtkWidget          parent_instance;

  SyConnectionStore *connections;
  SySecretStore     *secrets;
  SyMapping         *mapping;
  SyCatalogue       *catalogue;
  JsonArray         *samples;
  GCancellable      *fetch_cancellable; /* of the fetch in flight, if any */
  char              *fetching_source;  /* its source, as fetched_source */
  char              *fetched_source;   /* "connection\nentity\nN" of the samples */
  GHashTable        *problems;         /* normalised field → ProblemSummary */
  GPtrArray         *all_problems;     /* "field: message" lines */
  char              *coverage_text;
  guint              n_samples;
  guint              n_applied;
  guint              apply_source;

  GtkWidget         *spin;
  GtkWidget         *coverage_label;
  GtkWidget         *stack;
  GtkWidget         *empty_page;
  GtkWidget         *error_page;
  GtkWidget         *sample_box;
};

G_DEFINE_FINAL_TYPE (SyMappingPreview, sy_mapping_preview, GTK_TYPE_WIDGET)

enum {
  SIGNAL_SAMPLES_CHANGED,
  SIGNAL_APPLIED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
problem_summary_free (ProblemSummary *summary)
{
  g_free (summary->message);
  g_free (summary);
}

static void apply_now (SyMappingPreview *self);
static void fetch (SyMappingPreview *self);

/* "lines[2].quantity" → "lines.quantity" */
static char *
normalise_field (const char *field)
{
  GString *out = g_string_new (NULL);

  for (const char *p = field; *p != '\0'; p++)
    {
      if (*p == '[')
        {
          const char *end = strchr (p, ']');
          if (end != NULL)
            {
              p = end;
              continue;
            }
        }
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static char *
source_identity (SyMappingPreview *self)
{
  const char *connection = sy_mapping_get_source_connection (self->mapping);
  const char *entity = sy_mapping_get_source_entity (self->mapping);

  if (connection == NULL || *connection == '\0' || entity == NULL || *entity == '\0')
    return NULL;
  return g_strdup_printf ("%s\n%s\n%u", connection, entity, self->n_samples);
}

static void
show_error (SyMappingPreview *self,
            const char       *title,
            const char       *description)
{
  adw_status_page_set_title (ADW_STATUS_PAGE (self->error_page), title);
  adw_status_page_set_description (ADW_STATUS_PAGE (self->error_page), description);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "error");
}

/* Rendering */

static GtkWidget *
json_label (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, TRUE);
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "monospace");
  gtk_widget_add_css_class (label, "sy-json");
  return label;
}

static GtkWidget *
caption (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "caption-heading");
  gtk_widget_add_css_class (label, "dim-label");
  return label;
}

static GtkWidget *
build_sample_card (guint       index,
                   JsonObject *record,
                   JsonObject *payload,
                   GPtrArray  *problems)
{
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  g_autoptr(JsonNode) record_node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) payload_node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *title = NULL;
  g_autofree char *status = NULL;
  g_autofree char *key = NULL;
  GtkWidget *header, *title_label, *status_label, *expander, *record_label, *columns;

  if (json_object_has_member (record, "key") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (record, "key")))
    {
      JsonNode *key_node = json_object_get_member (record, "key");

      key = json_node_get_value_type (key_node) == G_TYPE_STRING
            ? g_strdup (json_node_get_string (key_node))
            : json_to_string (key_node, FALSE);
    }

  gtk_widget_add_css_class (card, "card");
  gtk_widget_add_css_class (card, "sy-sample");

  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);
  gtk_widget_set_margin_top (header, 9);
  if (key != NULL)
    /* Translators: a sample record's number and its key */
    title = g_strdup_printf (_("Sample %u · %s"), index + 1, key);
  else
    title = g_strdup_printf (_("Sample %u"), index + 1);
  title_label = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (title_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title_label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title_label, TRUE);
  gtk_widget_add_css_class (title_label, "heading");
  if (problems->len > 0)
    status = g_strdup_printf (ngettext ("%u problem", "%u problems", problems->len), problems->len);
  else
    status = g_strdup (_("No problems"));
  status_label = gtk_label_new (status);
  gtk_widget_add_css_class (status_label, problems->len > 0 ? "error" : "success");
  gtk_box_append (GTK_BOX (header), title_label);
  gtk_box_append (GTK_BOX (header), status_label);
  gtk_box_append (GTK_BOX (card), header);

  for (guint i = 0; i < problems->len; i++)
    {
      SyMappingProblem *problem = g_ptr_array_index (problems, i);
      g_autofree char *text = g_strdup_printf ("%s: %s", problem->field, problem->message);
      GtkWidget *label = gtk_label_new (text);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_widget_add_css_class (label, "error");
      gtk_widget_add_css_class (label, "sy-problem");
      gtk_box_append (GTK_BOX (card), label);
    }

  json_node_set_object (record_node, record);
  json_node_set_object (payload_node, payload);

  columns = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (columns, 12);
  gtk_widget_set_margin_end (columns, 12);
  gtk_widget_set_margin_bottom (columns, 9);
  gtk_box_append (GTK_BOX (columns), caption (_("Target Payload")));
  gtk_box_append (GTK_BOX (columns), json_label (payload_node));
  expander = gtk_expander_new_with_mnemonic (_("_Source Record"));
  record_label = json_label (record_node);
  gtk_expander_set_child (GTK_EXPANDER (expander), record_label);
  gtk_expander_set_expanded (GTK_EXPANDER (expander), index == 0);
  /* GTK 4.8 hands Tab to a collapsed expander's child, which is not in the
   * window then: a selectable label claims the focus it cannot take, and
   * Tab never leaves the expander. Hidden, it takes no focus at all. */
  g_object_bind_property (expander, "expanded", record_label, "can-focus", G_BINDING_SYNC_CREATE);
  {
    /* Translators: the accessible name of the expander showing a sample's source record */
    g_autofree char *name = g_strdup_printf (_("Source record of sample %u"), index + 1);

    gtk_accessible_update_property (GTK_ACCESSIBLE (expander), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  }
  gtk_box_append (GTK_BOX (columns), expander);
  gtk_box_append (GTK_BOX (card), columns);

  return card;
}

static void
clear_samples (SyMappingPreview *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->sample_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->sample_box), child);
}

static void
update_coverage (SyMappingPreview *self)
{
  g_autoptr(SyMappingCoverage) coverage = NULL;
  GString *text = g_string_new (NULL);
  const char *target = sy_mapping_get_target_entity (self->mapping);
  guint n;

  g_clear_pointer (&self->coverage_text, g_free);
  if (target == NULL || !sy_catalogue_has_entity (self->catalogue, target))
    {
      gtk_widget_set_visible (self->coverage_label, FALSE);
      g_string_free (text, TRUE);
      return;
    }

  coverage = sy_mapping_get_coverage (self->mapping, self->catalogue, self->samples);

  n = coverage && coverage->required_unmapped ? g_strv_length (coverage->required_unmapped) : 0;
  if (n > 0)
    {
      g_autofree char *list = g_strjoinv (", ", coverage->required_unmapped);
      g_string_append_printf (text, ngettext ("%u required field unmapped: %s", "%u required fields unmapped: %s", n),
                              n, list);
    }
  n = coverage && coverage->common_unmapped ? g_strv_length (coverage->common_unmapped) : 0;
  if (n > 0)
    {
      g_autofree char *list = g_strjoinv (", ", coverage->common_unmapped);
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, ngettext ("%u commonly needed field unmapped: %s",
                                              "%u commonly needed fields unmapped: %s", n),
                              n, list);
    }
  n = coverage && coverage->source_unused ? g_strv_length (coverage->source_unused) : 0;
  if (n > 0)
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, ngettext ("%u source field unused", "%u source fields unused", n), n);
    }
  if (text->len == 0)
    g_string_append (text, _("Every required field is mapped"));

  self->coverage_text = g_string_free (text, FALSE);
  gtk_label_set_text (GTK_LABEL (self->coverage_label), self->coverage_text);
  if (coverage && coverage->required_unmapped && coverage->required_unmapped[0] != NULL)
    gtk_widget_add_css_class (self->coverage_label, "warning");
  else
    gtk_widget_remove_css_class (self->coverage_label, "warning");
  if (coverage && coverage->source_unused && coverage->source_unused[0] != NULL)
    {
      g_autofree char *unused = g_strjoinv (", ", coverage->source_unused);
      g_autofree char *tooltip = g_strdup_printf (_("Unused source fields: %s"), unused);
      gtk_widget_set_tooltip_text (self->coverage_label, tooltip);
    }
  else
    gtk_widget_set_tooltip_text (self->coverage_label, NULL);
  gtk_widget_set_visible (self->coverage_label, TRUE);
}

static void
apply_now (SyMappingPreview *self)
{
  guint n;

  g_clear_handle_id (&self->apply_source, g_source_remove);
  g_hash_table_remove_all (self->problems);
  g_ptr_array_set_size (self->all_problems, 0);
  clear_samples (self);

  if (self->mapping == NULL)
    return;

  update_coverage (self);

  if (self->samples == NULL)
    return;

  n = json_array_get_length (self->samples);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (self->samples, i);
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_mapping_problem_free);
      g_autoptr(JsonObject) payload = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;

      payload = sy_mapping_apply (self->mapping, json_node_get_object (node), self->catalogue, problems);
      if (payload == NULL)
        payload = json_object_new ();

      for (guint j = 0; j < problems->len; j++)
        {
          SyMappingProblem *problem = g_ptr_array_index (problems, j);
          g_autofree char *field = normalise_field (problem->field);
          ProblemSummary *summary = g_hash_table_lookup (self->problems, field);

          g_ptr_array_add (self->all_problems, g_strdup_printf ("%s: %s", problem->field, problem->message));
          if (summary == NULL)
            {
              summary = g_new0 (ProblemSummary, 1);
              summary->message = g_strdup (problem->message);
              summary->last_sample = G_MAXUINT;
              g_hash_table_insert (self->problems, g_steal_pointer (&field), summary);
            }
          if (summary->last_sample != i)
            {
              summary->n_samples++;
              summary->last_sample = i;
            }
        }

      gtk_box_append (GTK_BOX (self->sample_box),
                      build_sample_card (i, json_node_get_object (node), payload, problems));
    }

  self->n_applied++;
  g_signal_emit (self, signals[SIGNAL_APPLIED], 0);
}

static gboolean
apply_timeout_cb (gpointer user_data)
{
  SyMappingPreview *self = user_data;

  self->apply_source = 0;
  apply_now (self);
  return G_SOURCE_REMOVE;
}

static void
mapping_changed_cb (SyMappingPreview *self)
{
  g_autofree char *identity = source_identity (self);

  /* Another source needs other samples; the same one only a new run. A
   * fetch of this very source in flight applies the mapping when it lands:
   * restarting it on every edit would never let it land. */
  if (identity != NULL && g_strcmp0 (identity, self->fetching_source) == 0)
    return;
  if (g_strcmp0 (identity, self->fetched_source) != 0)
    {
      fetch (self);
      return;
    }
  if (self->apply_source == 0)
    self->apply_source = g_timeout_add (APPLY_DELAY_MS, apply_timeout_cb, self);
}

/* Fetching samples */

typedef struct
{
  SyMappingPreview *self;
  GCancellable     *cancellable;
  char             *identity;
  char             *entity;
  SyPageIterator   *iterator;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->cancellable);
  g_free (data->identity);
  g_free (data->entity);
  g_clear_object (&data->iterator);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FetchData, fetch_data_free)

/* Whatever a replaced or cancelled fetch brings back (records, an error
 * other than "cancelled", or a late success) belongs to another source or
 * sample size: it must not touch the state of the fetch that replaced it. */
static gboolean
fetch_is_current (FetchData *data)
{
  return data->cancellable == data->self->fetch_cancellable
         && !g_cancellable_is_cancelled (data->cancellable);
}

static void
fetch_done (SyMappingPreview *self)
{
  g_clear_object (&self->fetch_cancellable);
  g_clear_pointer (&self->fetching_source, g_free);
}

static void
page_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(FetchData) data = user_data;
  SyMappingPreview *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) page = NULL;

  page = sy_page_iterator_next_finish (SY_PAGE_ITERATOR (source), result, &error);
  if (!fetch_is_current (data))
    return;
  fetch_done (self);
  if (error != NULL)
    {
      g_autofree char *reason = sy_describe_error (error);
      show_error (self, _("Samples Could Not Be Fetched"), reason);
      return;
    }

  g_clear_pointer (&self->samples, json_array_unref);
  self->samples = page ? json_array_ref (page) : json_array_new ();
  g_free (self->fetched_source);
  self->fetched_source = g_steal_pointer (&data->identity);

  if (json_array_get_length (self->samples) == 0)
    {
      adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("No Sample Records"));
      adw_status_page_set_description (ADW_STATUS_PAGE (self->empty_page),
                                       _("The source has no records of this entity to preview the mapping on."));
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
    }
  else
    gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "samples");

  g_signal_emit (self, signals[SIGNAL_SAMPLES_CHANGED], 0);
  apply_now (self);
}

static void
client_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(FetchData) data = user_data;
  SyMappingPreview *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyApiClient) client = NULL;

  client = sy_connection_open_client_finish (result, &error);
  if (!fetch_is_current (data))
    return;
  if (client == NULL)
    {
      g_autofree char *reason = sy_describe_error (error);

      fetch_done (self);
      show_error (self, _("Samples Could Not Be Fetched"), reason);
      return;
    }

  data->iterator = sy_page_iterator_new (client, data->entity, self->n_samples);
  sy_page_iterator_next_async (data->iterator, data->cancellable, page_fetched_cb, data);
  g_steal_pointer (&data);
}

static void
start_fetch (SyMappingPreview *self)
{
  g_autofree char *identity = NULL;
  const char *name;
  SyConnection *connection;
  FetchData *data;

  identity = self->mapping ? source_identity (self) : NULL;
  if (identity == NULL)
    {
      adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("Choose a Source"));
      adw_status_page_set_description (ADW_STATUS_PAGE (self->empty_page),
                                       _("Sample records of the source connection and entity show here, mapped as the rules say."));
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
      apply_now (self);
      return;
    }

  name = sy_mapping_get_source_connection (self->mapping);
  connection = self->connections ? sy_connection_store_find_by_name (self->connections, name) : NULL;
  if (connection == NULL || self->secrets == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("There is no connection named “%s”. Choose another source connection."), name);
      show_error (self, _("Source Connection Missing"), text);
      apply_now (self);
      return;
    }

  self->fetch_cancellable = g_cancellable_new ();
  self->fetching_source = g_strdup (identity);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "loading");

  data = g_new0 (FetchData, 1);
  data->self = g_object_ref (self);
  data->cancellable = g_object_ref (self->fetch_cancellable);
  data->identity = g_steal_pointer (&identity);
  data->entity = g_strdup (sy_mapping_get_source_entity (self->mapping));
  sy_connection_open_client_async (self->secrets, connection, data->cancellable,
                                   client_opened_cb, data);
}

static void
fetch (SyMappingPreview *self)
{
  g_cancellable_cancel (self->fetch_cancellable);
  fetch_done (self);
  g_clear_pointer (&self->samples, json_array_unref);
  g_clear_pointer (&self->fetched_source, g_free);

  start_fetch (self);

  /* Last: a handler may change the mapping and so come back here; it must
   * find the new fetch in place, not start a second one beside it. */
  g_signal_emit (self, signals[SIGNAL_SAMPLES_CHANGED], 0);
}

void
sy_mapping_preview_reload (SyMappingPreview *self)
{
  g_return_if_fail (SY_IS_MAPPING_PREVIEW (self));
  fetch (self);
}

static void
spin_changed_cb (SyMappingPreview *self)
{
  sy_mapping_preview_set_sample_size (self, gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->spin)));
}

/* GObject */

static void
sy_mapping_preview_dispose (GObject *object)
{
  SyMappingPreview *self = SY_MAPPING_PREVIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->fetch_cancellable);
  fetch_done (self);
  g_clear_handle_id (&self->apply_source, g_source_remove);
  if (self->mapping != NULL)
    g_signal_handlers_disconnect_by_data (self->mapping, self);
  g_clear_object (&self->mapping);
  g_clear_object (&self->connections);
  g_clear_object (&self->secrets);
  g_clear_object (&self->catalogue);
  g_clear_pointer (&self->samples, json_array_unref);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sy_mapping_preview_parent_class)->dispose (object);
}

static void
sy_mapping_preview_finalize (GObject *object)
{
  SyMappingPreview *self = SY_MAPPING_PREVIEW (object);

  g_free (self->fetched_source);
  g_free (self->coverage_text);
  g_hash_table_unref (self->problems);
  g_ptr_array_unref (self->all_problems);

  G_OBJECT_CLASS (sy_mapping_preview_parent_class)->finalize (object);
}

static void
sy_mapping_preview_class_init (SyMappingPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sy_mapping_preview_dispose;
  object_class->finalize = sy_mapping_preview_finalize;

  signals[SIGNAL_SAMPLES_CHANGED] =
    g_signal_new ("samples-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_APPLIED] =
    g_signal_new ("applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sy-mapping-preview");
}

static void
sy_mapping_preview_init (SyMappingPreview *self)
{
  GtkWidget *header, *title, *label, *reload, *scrolled, *spinner, *loading;

  self->n_samples = DEFAULT_SAMPLES;
  self->catalogue = g_object_ref (sy_catalogue_get_default ());
  self->problems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) problem_summary_free);
  self->all_problems = g_ptr_array_new_with_free_func (g_free);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);

  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);
  gtk_widget_set_margin_top (header, 12);
  title = gtk_label_new (_("Preview"));
  gtk_widget_add_css_class (title, "title-4");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_hexpand (title, TRUE);
  label = gtk_label_new_with_mnemonic (_("Sa_mples"));
  self->spin = gtk_spin_button_new_with_range (1, 50, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->spin), self->n_samples);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->spin);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Number of sample records"), -1);
  g_signal_connect_swapped (self->spin, "value-changed", G_CALLBACK (spin_changed_cb), self);
  reload = gtk_button_new_from_icon_name ("view-refresh-symbolic");
  gtk_widget_set_tooltip_text (reload, _("Fetch Samples Again"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (reload), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Fetch Samples Again"), -1);
  g_signal_connect_swapped (reload, "clicked", G_CALLBACK (sy_mapping_preview_reload), self);
  gtk_box_append (GTK_BOX (header), title);
  gtk_box_append (GTK_BOX (header), label);
  gtk_box_append (GTK_BOX (header), self->spin);
  gtk_box_append (GTK_BOX (header), reload);
  gtk_widget_set_parent (header, GTK_WIDGET (self));

  self->coverage_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->coverage_label), 0);
  gtk_label_set_wrap (GTK_LABEL (self->coverage_label), TRUE);
  gtk_widget_set_margin_start (self->coverage_label, 12);
  gtk_widget_set_margin_end (self->coverage_label, 12);
  gtk_widget_set_margin_top (self->coverage_label, 6);
  gtk_widget_add_css_class (self->coverage_label, "sy-coverage");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->coverage_label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Coverage"), -1);
  gtk_widget_set_visible (self->coverage_label, FALSE);
  gtk_widget_set_parent (self->coverage_label, GTK_WIDGET (self));

  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_widget_set_parent (self->stack, GTK_WIDGET (self));

  self->empty_page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_page), "view-list-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("Choose a Source"));
  gtk_widget_add_css_class (self->empty_page, "compact");
  gtk_stack_add_named (GTK_STACK (self->stack), self->empty_page, "empty");

  loading = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_valign (loading, GTK_ALIGN_CENTER);
  spinner = gtk_spinner_new ();
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spinner), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Fetching sample records"), -1);
  gtk_box_append (GTK_BOX (loading), spinner);
  gtk_box_append (GTK_BOX (loading), gtk_label_new (_("Fetching sample records…")));
  gtk_stack_add_named (GTK_STACK (self->stack), loading, "loading");

  self->error_page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->error_page), "dialog-warning-symbolic");
  gtk_widget_add_css_class (self->error_page, "compact");
  gtk_stack_add_named (GTK_STACK (self->stack), self->error_page, "error");

  self->sample_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (self->sample_box, 12);
  gtk_widget_set_margin_end (self->sample_box, 12);
  gtk_widget_set_margin_top (self->sample_box, 12);
  gtk_widget_set_margin_bottom (self->sample_box, 12);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->sample_box);
  /* It takes the focus itself so that the keyboard can scroll it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (scrolled), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Sample records"), -1);
  gtk_stack_add_named (GTK_STACK (self->stack), scrolled, "samples");

  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
}

GtkWidget *
sy_mapping_preview_new (void)
{
  return g_object_new (SY_TYPE_MAPPING_PREVIEW, NULL);
}

void
sy_mapping_preview_set_stores (SyMappingPreview  *self,
                               SyConnectionStore *connections,
                               SySecretStore     *secrets)
{
  g_return_if_fail (SY_IS_MAPPING_PREVIEW (self));

  g_set_object (&self->connections, connections);
  g_set_object (&self->secrets, secrets);
}

void
sy_mapping_preview_set_mapping (SyMappingPreview *self,
                                SyMapping        *mapping)
{
  g_return_if_fail (SY_IS_MAPPING_PREVIEW (self));

  if (self->mapping == mapping)
    return;
  if (self->mapping != NULL)
    g_signal_handlers_disconnect_by_data (self->mapping, self);
  g_set_object (&self->mapping, mapping);
  if (mapping != NULL)
    g_signal_connect_swapped (mapping, "changed", G_CALLBACK (mapping_changed_cb), self);
  fetch (self);
}

SyMapping *
sy_mapping_preview_get_mapping (SyMappingPreview *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_PREVIEW (self), NULL);
  return self->mapping;
}

void
sy_mapping_preview_set_sample_size (SyMappingPreview *self,
                                    guint             n_samples)
{
  g_return_if_fail (SY_IS_MAPPING_PREVIEW (self));

  n_samples = CLAMP (n_samples, 1, 50);
  if (n_samples == self->n_samples)
    return;
  self->n_samples = n_samples;
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->spin), n_samples);
  fetch (self);
}

JsonArray *
sy_mapping_preview_get_samples (SyMappingPreview *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_PREVIEW (self), NULL);
  return self->samples;
}

const char *
sy_mapping_preview_get_state (SyMappingPreview *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_PREVIEW (self), NULL);
  return gtk_stack_get_visible_child_name (GTK_STACK (self->stack));
}

guint
sy_mapping_preview_get_n_applied (SyMappingPreview *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_PREVIEW (self), 0);
  return self->n_applied;
}

char *
sy_mapping_preview_describe_problems (SyMappingPreview *self,
                                      const char       *field)
{
  ProblemSummary *summary;
  guint n_samples;

  g_return_val_if_fail (SY_IS_MAPPING_PREVIEW (self), NULL);

  summary = g_hash_table_lookup (self->problems, field);
  if (summary == NULL)
    return NULL;

  n_samples = self->samples ? json_array_get_length (self->samples) : 0;
  /* Translators: a problem of a mapping rule, and in how many of the sample records it occurs */
  return g_strdup_printf (ngettext ("%s (in %u of %u sample)", "%s (in %u of %u samples)", n_samples),
                          summary->message, summary->n_samples, n_samples);
}

char *
sy_mapping_preview_dump_problems (SyMappingPreview *self)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (SY_IS_MAPPING_PREVIEW (self), NULL);

  for (guint i = 0; i < self->all_problems->len; i++)
    g_string_append_printf (text, "%s\n", (char *) g_ptr_array_index (self->all_problems, i));
  return g_string_free (text, FALSE);
}

const char *
sy_mapping_preview_get_coverage_text (SyMappingPreview *self)
{
  g_return_val_if_fail (SY_IS_MAPPING_PREVIEW (self), NULL);
  return self->coverage_text;
}

GListModel *
sy_mapping_preview_discover_fields (SyMappingPreview *self)
{
  const char *entity;

  g_return_val_if_fail (SY_IS_MAPPING_PREVIEW (self), NULL);

  entity = self->mapping ? sy_mapping_get_source_entity (self->mapping) : NULL;
  if (entity == NULL || *entity == '\0')
    return NULL;
  if (self->samples != NULL)
    return sy_catalogue_discover_fields (self->catalogue, entity, self->samples);
  if (!sy_catalogue_has_entity (self->catalogue, entity))
    return NULL;
  return g_object_ref (sy_catalogue_get_fields (self->catalogue, entity));
}
