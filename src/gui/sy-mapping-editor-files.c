/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-application-private.h"
#include "sy-file.h"
#include "sy-mapping-editor-internal.h"
#include "sy-sync-check.h"

/* The file flows: save and save as, open, import, export, new, duplicate
 * and sync, each after asking about unsaved changes when there are any. */

typedef void (*ProceedFunc) (SyMappingEditor *self,
                             gpointer         data);

typedef struct
{
  ProceedFunc    func;
  gpointer       data;
  GDestroyNotify destroy;
} Pending;

static void
pending_free (Pending *pending)
{
  if (pending == NULL)
    return;
  if (pending->destroy != NULL)
    pending->destroy (pending->data);
  g_free (pending);
}

static Pending *
pending_new (ProceedFunc    func,
             gpointer       data,
             GDestroyNotify destroy)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->func = func;
  pending->data = data;
  pending->destroy = destroy;
  return pending;
}

static void
pending_run (SyMappingEditor *self,
             Pending         *pending)
{
  if (pending == NULL)
    return;
  pending->func (self, pending->data);
  pending_free (pending);
}

/* Saving */

typedef struct
{
  SyMappingEditor *self;
  GFile           *file;
  Pending         *pending;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->file);
  pending_free (data->pending);
  g_free (data);
}

/* A mapping saved in the configuration's mappings/ folder may have a new
 * schedule: the application's automation loads the folder again. */
static void
reload_automation (SyMappingEditor *self,
                   GFile           *file)
{
  GtkWindow *window = get_window (self);
  GtkApplication *app = window ? gtk_window_get_application (window) : NULL;
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autoptr(GFile) mappings = NULL;

  if (!SY_IS_APPLICATION (app) || parent == NULL)
    return;
  mappings = g_file_new_build_filename (sy_application_get_config_dir (SY_APPLICATION (app)), "mappings", NULL);
  if (g_file_equal (parent, mappings))
    sy_application_reload_automation (SY_APPLICATION (app));
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  SaveData *data = user_data;
  SyMappingEditor *self = data->self;
  g_autoptr(GError) error = NULL;

  if (!sy_mapping_save_finish (SY_MAPPING (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *heading = g_strdup_printf (_("“%s” Could Not Be Saved"), sy_mapping_editor_display_name (self));
          sy_mapping_editor_show_error (self, heading, error->message);
        }
      save_data_free (data);
      return;
    }

  if (SY_MAPPING (source) == self->mapping)
    {
      g_autofree char *toast = g_strdup_printf (_("Saved “%s”"), sy_mapping_editor_display_name (self));

      sy_mapping_editor_mark_saved (self, data->file);
      add_toast (self, toast);
    }
  reload_automation (self, data->file);
  pending_run (self, g_steal_pointer (&data->pending));
  save_data_free (data);
}

/* A mapping that writes back into its own source is never kept. A
 * missing connection is: its name stays in the file, for a person may add
 * that connection again (sy-sync-check.h). */
static gboolean
check_not_into_source (SyMappingEditor *self)
{
  g_autoptr(GPtrArray) problems = sy_mapping_check_connections (self->mapping, NULL);
  g_autofree char *heading = NULL;

  if (problems->len == 0)
    return TRUE;

  heading = g_strdup_printf (_("“%s” Cannot Be Saved"), sy_mapping_editor_display_name (self));
  sy_mapping_editor_show_error (self, heading, ((SyMappingProblem *) g_ptr_array_index (problems, 0))->message);
  return FALSE;
}

static void
save_to (SyMappingEditor *self,
         GFile           *file,
         Pending         *pending)
{
  SaveData *data;
  g_autoptr(GFile) parent = NULL;

  /* Every way of saving ends here (Save As and Duplicate too). */
  if (!check_not_into_source (self))
    {
      pending_free (pending);
      return;
    }

  data = g_new0 (SaveData, 1);
  parent = g_file_get_parent (file);

  if (parent != NULL)
    g_file_make_directory_with_parents (parent, NULL, NULL);

  data->self = g_object_ref (self);
  data->file = g_object_ref (file);
  data->pending = pending;
  sy_mapping_save_async (self->mapping, file, self->cancellable, saved_cb, data);
}

static char *
file_name_for (const char *name)
{
  GString *out = g_string_new (NULL);
  g_autofree char *stripped = g_strstrip (g_strdup (name));

  for (const char *p = stripped; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || c == '\\' || g_unichar_iscntrl (c) || (out->len == 0 && c == '.'))
        g_string_append_c (out, '-');
      else
        g_string_append_unichar (out, c);
    }
  if (out->len == 0)
    g_string_append (out, "mapping");
  g_string_append (out, ".json");
  return g_string_free (out, FALSE);
}

static GFile *
file_in_mappings_dir (SyMappingEditor *self,
                      const char      *name)
{
  g_autofree char *basename = file_name_for (name);
  g_autofree char *path = g_build_filename (self->mappings_dir, basename, NULL);

  return g_file_new_for_path (path);
}

typedef struct
{
  SyMappingEditor *self;
  GtkWidget       *entry;
  GtkWidget       *hint;
  Pending         *pending;
} SaveAsData;

static void
save_as_data_free (SaveAsData *data)
{
  g_object_unref (data->self);
  pending_free (data->pending);
  g_free (data);
}

static void
save_as_name_changed_cb (GtkEditable      *entry,
                         AdwMessageDialog *dialog)
{
  SaveAsData *data = g_object_get_data (G_OBJECT (dialog), "sy-save-as");
  const char *name = gtk_editable_get_text (entry);
  g_autoptr(GFile) file = file_in_mappings_dir (data->self, name);
  g_autofree char *stripped = g_strstrip (g_strdup (name));
  gboolean empty = *stripped == '\0';
  gboolean taken = g_file_query_exists (file, NULL) &&
                   (data->self->file == NULL || !g_file_equal (file, data->self->file));

  adw_message_dialog_set_response_enabled (dialog, "save", !empty && !taken);
  gtk_label_set_text (GTK_LABEL (data->hint), taken ? _("A mapping of this name exists already") : "");
}

static void
save_as_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  SaveAsData *data = g_object_get_data (G_OBJECT (dialog), "sy-save-as");
  SyMappingEditor *self = data->self;
  const char *name;
  g_autoptr(GFile) file = NULL;

  if (!g_str_equal (response, "save"))
    return;

  name = gtk_editable_get_text (GTK_EDITABLE (data->entry));
  file = file_in_mappings_dir (self, name);
  if (g_strcmp0 (sy_mapping_get_name (self->mapping), name) != 0)
    {
      self->updating = TRUE;
      sy_mapping_set_name (self->mapping, name);
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
      self->updating = FALSE;
    }
  save_to (self, file, g_steal_pointer (&data->pending));
}

static void
save_as (SyMappingEditor *self,
         Pending         *pending)
{
  AdwMessageDialog *dialog = new_message (self, _("Save Mapping As"), NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  SaveAsData *data = g_new0 (SaveAsData, 1);
  g_autofree char *body = g_strdup_printf (_("Mappings are kept in “%s”."), self->mappings_dir);

  adw_message_dialog_set_body (dialog, body);
  data->self = g_object_ref (self);
  data->pending = pending;
  data->entry = gtk_entry_new ();
  gtk_entry_set_activates_default (GTK_ENTRY (data->entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (data->entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Mapping name"), -1);
  data->hint = gtk_label_new (NULL);
  gtk_widget_add_css_class (data->hint, "error");
  gtk_box_append (GTK_BOX (box), data->entry);
  gtk_box_append (GTK_BOX (box), data->hint);
  adw_message_dialog_set_extra_child (dialog, box);
  g_object_set_data_full (G_OBJECT (dialog), "sy-save-as", data, (GDestroyNotify) save_as_data_free);

  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "save", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (data->entry, "changed", G_CALLBACK (save_as_name_changed_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (save_as_response_cb), NULL);

  gtk_editable_set_text (GTK_EDITABLE (data->entry), sy_mapping_get_name (self->mapping) ?: "");
  save_as_name_changed_cb (GTK_EDITABLE (data->entry), dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (data->entry);
}

/* A file the loader would refuse is no use to anyone: say what is missing
 * instead, and keep the work in the editor. */
static gboolean
check_savable (SyMappingEditor *self,
               gboolean         name_asked)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) reparsed = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *data = sy_mapping_to_data (self->mapping, NULL);

  /* Trying to save is when a new rule's problems start to count. */
  sy_mapping_editor_touch_rules (self);

  /* "Run at" times that were not taken must not be lost silently. */
  if (gtk_widget_get_visible (GTK_WIDGET (self->at_error_row)))
    {
      heading = g_strdup_printf (_("“%s” Cannot Be Saved Yet"), sy_mapping_editor_display_name (self));
      sy_mapping_editor_show_error (self, heading,
                                    adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->at_error_row)));
      return FALSE;
    }

  if (!check_not_into_source (self))
    return FALSE;

  /* Save As asks for the name: only the rest must be right already. */
  root = json_from_string (data, NULL);
  if (name_asked && root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      json_object_set_string_member (json_node_get_object (root), "name", sy_mapping_editor_display_name (self));
      g_free (data);
      data = json_to_string (root, TRUE);
    }

  reparsed = sy_mapping_new_from_data (data, -1, sy_mapping_editor_display_name (self), &error);
  if (reparsed != NULL)
    return TRUE;

  heading = g_strdup_printf (_("“%s” Cannot Be Saved Yet"), sy_mapping_editor_display_name (self));
  sy_mapping_editor_show_error (self, heading, error->message);
  return FALSE;
}

static void
save_then (SyMappingEditor *self,
           Pending         *pending)
{
  if (!check_savable (self, self->file == NULL))
    {
      pending_free (pending);
      return;
    }
  if (self->file == NULL)
    save_as (self, pending);
  else
    save_to (self, self->file, pending);
}

void
sy_mapping_editor_save_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  save_then (SY_MAPPING_EDITOR (widget), NULL);
}

void
sy_mapping_editor_save_as_action (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *parameter)
{
  if (check_savable (SY_MAPPING_EDITOR (widget), TRUE))
    save_as (SY_MAPPING_EDITOR (widget), NULL);
}

/* Unsaved changes */

static void
discard_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (user_data);
  Pending *pending = g_object_steal_data (G_OBJECT (dialog), "sy-pending");

  if (g_str_equal (response, "discard"))
    pending_run (self, pending);
  else if (g_str_equal (response, "save"))
    save_then (self, pending);
  else
    pending_free (pending);
}

/* Runs func once the user agrees to lose no work: at once when nothing is
 * unsaved, else after Save or Discard; never after Cancel. */
static void
confirm_then (SyMappingEditor *self,
              ProceedFunc      func,
              gpointer         data,
              GDestroyNotify   destroy)
{
  Pending *pending = pending_new (func, data, destroy);
  AdwMessageDialog *dialog;

  sy_mapping_editor_update_dirty (self);
  if (!self->dirty)
    {
      pending_run (self, pending);
      return;
    }

  dialog = new_message (self, NULL, _("Unsaved changes are lost if you don’t save them."));
  adw_message_dialog_format_heading (dialog, _("Save Changes to “%s”?"), sy_mapping_editor_display_name (self));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "sy-pending", pending, (GDestroyNotify) pending_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (discard_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

typedef struct
{
  void   (*callback) (SyMappingEditor *editor, gboolean proceed, gpointer user_data);
  gpointer user_data;
  gboolean called;
} CloseData;

static void
close_proceed (SyMappingEditor *self,
               gpointer         data)
{
  CloseData *close = data;

  close->called = TRUE;
  close->callback (self, TRUE, close->user_data);
}

static void
close_data_free (gpointer data)
{
  CloseData *close = data;

  /* Cancelled: the caller learns it may not go ahead. */
  if (!close->called)
    close->callback (NULL, FALSE, close->user_data);
  g_free (close);
}

void
sy_mapping_editor_confirm_close (SyMappingEditor *self,
                                 void           (*callback) (SyMappingEditor *editor,
                                                             gboolean         proceed,
                                                             gpointer         user_data),
                                 gpointer         user_data)
{
  CloseData *close = g_new0 (CloseData, 1);

  g_return_if_fail (SY_IS_MAPPING_EDITOR (self));

  close->callback = callback;
  close->user_data = user_data;
  confirm_then (self, close_proceed, close, close_data_free);
}

/* Opening */

typedef struct
{
  SyMappingEditor *self;
  GFile           *file;
} LoadData;

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LoadData *data = user_data;
  g_autoptr(SyMappingEditor) self = data->self;
  g_autoptr(GFile) file = data->file;
  g_autoptr(GError) error = NULL;
  g_autoptr(SyMapping) mapping = sy_mapping_load_finish (result, &error);

  g_free (data);
  if (mapping == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        sy_mapping_editor_show_error (self, _("The Mapping Could Not Be Opened"), error->message);
      return;
    }
  sy_mapping_editor_set_mapping (self, mapping, file);
}

static void
open_file_now (SyMappingEditor *self,
               gpointer         user_data)
{
  LoadData *data = g_new0 (LoadData, 1);

  data->self = g_object_ref (self);
  data->file = g_object_ref (G_FILE (user_data));
  sy_mapping_load_async (data->file, self->cancellable, loaded_cb, data);
}

void
sy_mapping_editor_open_file (SyMappingEditor *self,
                             GFile           *file)
{
  g_return_if_fail (SY_IS_MAPPING_EDITOR (self));
  g_return_if_fail (G_IS_FILE (file));

  confirm_then (self, open_file_now, g_object_ref (file), g_object_unref);
}

void
sy_mapping_editor_open_row_activated_cb (SyMappingEditor *self,
                                         GtkListBoxRow   *row)
{
  GFile *file = g_object_get_data (G_OBJECT (row), "sy-file");

  gtk_popover_popdown (self->open_popover);
  if (file != NULL)
    sy_mapping_editor_open_file (self, file);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

void
sy_mapping_editor_open_popover_shown_cb (SyMappingEditor *self)
{
  g_autoptr(GDir) dir = g_dir_open (self->mappings_dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *child;
  const char *name;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->open_list))) != NULL)
    gtk_list_box_remove (self->open_list, child);

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *basename = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (self->mappings_dir, basename, NULL);
      g_autofree char *title = g_strndup (basename, strlen (basename) - strlen (".json"));
      GtkWidget *label = gtk_label_new (title);
      GtkWidget *row = gtk_list_box_row_new ();

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      g_object_set_data_full (G_OBJECT (row), "sy-file", g_file_new_for_path (path), g_object_unref);
      gtk_list_box_append (self->open_list, row);
    }

  if (names->len == 0)
    {
      GtkWidget *label = gtk_label_new (_("No saved mappings yet"));
      GtkWidget *row = gtk_list_box_row_new ();

      gtk_widget_add_css_class (label, "dim-label");
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_append (self->open_list, row);
    }
  else
    gtk_widget_grab_focus (gtk_widget_get_first_child (GTK_WIDGET (self->open_list)));
}

void
sy_mapping_editor_open_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);

  gtk_menu_button_popup (self->open_button);
}

/* File choosers */

typedef void (*ChosenFunc) (SyMappingEditor *self,
                            GFile           *file);

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (user_data);
  ChosenFunc func = g_object_get_data (G_OBJECT (chooser), "sy-chosen");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        func (self, file);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
choose_file (SyMappingEditor      *self,
             const char           *title,
             GtkFileChooserAction  action,
             const char           *accept,
             const char           *suggested_name,
             ChosenFunc            func)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, get_window (self), action, accept, _("_Cancel"));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Mapping files"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_filter_add_mime_type (filter, "application/json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  if (suggested_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested_name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "sy-chosen", func);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_chosen (SyMappingEditor *self,
             GFile           *file)
{
  sy_mapping_editor_open_file (self, file);
}

void
sy_mapping_editor_open_file_action (GtkWidget  *widget,
                                    const char *action_name,
                                    GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);

  gtk_popover_popdown (self->open_popover);
  choose_file (self, _("Open Mapping"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), NULL, open_chosen);
}

/* Import copies a file into the mappings folder, once it is known to be a
 * valid mapping, then opens the copy. */
static void
import_now (SyMappingEditor *self,
            gpointer         data)
{
  GFile *file = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *basename = g_file_get_basename (file);
  g_autofree char *stem = NULL;
  g_autofree char *target_path = NULL;
  g_autoptr(SyMapping) mapping = NULL;
  g_autoptr(GFile) target = NULL;
  gsize length;

  /* A local file only when it is a regular one: a FIFO would freeze the
   * window for good. */
  if (path != NULL
      ? !sy_file_load_regular (path, SY_FILE_MAX_CONFIG_SIZE, &contents, &length, &error)
      : !g_file_load_contents (file, NULL, &contents, &length, NULL, &error))
    {
      sy_mapping_editor_show_error (self, _("The Mapping Could Not Be Imported"), error->message);
      return;
    }
  mapping = sy_mapping_new_from_data (contents, length, path ? path : basename, &error);
  if (mapping == NULL)
    {
      sy_mapping_editor_show_error (self, _("The Mapping Could Not Be Imported"), error->message);
      return;
    }

  g_mkdir_with_parents (self->mappings_dir, 0700);
  stem = g_str_has_suffix (basename, ".json") ? g_strndup (basename, strlen (basename) - 5) : g_strdup (basename);
  target_path = g_build_filename (self->mappings_dir, basename, NULL);
  if (!g_str_has_suffix (basename, ".json"))
    {
      g_free (target_path);
      target_path = g_strdup_printf ("%s/%s.json", self->mappings_dir, stem);
    }
  for (guint i = 2; g_file_test (target_path, G_FILE_TEST_EXISTS); i++)
    {
      g_free (target_path);
      target_path = g_strdup_printf ("%s/%s %u.json", self->mappings_dir, stem, i);
    }

  if (!g_file_set_contents_full (target_path, contents, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    {
      sy_mapping_editor_show_error (self, _("The Mapping Could Not Be Imported"), error->message);
      return;
    }

  target = g_file_new_for_path (target_path);
  sy_mapping_editor_set_mapping (self, mapping, target);
  {
    g_autofree char *target_name = g_file_get_basename (target);
    g_autofree char *toast = g_strdup_printf (_("Imported as “%s”"), target_name);
    add_toast (self, toast);
  }
}

void
sy_mapping_editor_import_file (SyMappingEditor *self,
                               GFile           *file)
{
  g_return_if_fail (SY_IS_MAPPING_EDITOR (self));
  g_return_if_fail (G_IS_FILE (file));

  confirm_then (self, import_now, g_object_ref (file), g_object_unref);
}

static void
import_chosen (SyMappingEditor *self,
               GFile           *file)
{
  sy_mapping_editor_import_file (self, file);
}

void
sy_mapping_editor_import_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  choose_file (SY_MAPPING_EDITOR (widget), _("Import Mapping"), GTK_FILE_CHOOSER_ACTION_OPEN,
               _("_Import"), NULL, import_chosen);
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SyMappingEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        sy_mapping_editor_show_error (self, _("The Mapping Could Not Be Exported"), error->message);
      return;
    }
  {
    g_autofree char *name = g_file_get_basename (G_FILE (source));
    g_autofree char *toast = g_strdup_printf (_("Exported to “%s”"), name);
    add_toast (self, toast);
  }
}

void
sy_mapping_editor_export_file (SyMappingEditor *self,
                               GFile           *file)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize length = 0;
  char *data;

  g_return_if_fail (SY_IS_MAPPING_EDITOR (self));
  g_return_if_fail (G_IS_FILE (file));

  data = sy_mapping_to_data (self->mapping, &length);
  bytes = g_bytes_new_take (data, length ? length : strlen (data));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, exported_cb, g_object_ref (self));
}

static void
export_chosen (SyMappingEditor *self,
               GFile           *file)
{
  sy_mapping_editor_export_file (self, file);
}

void
sy_mapping_editor_export_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);
  g_autofree char *suggested = file_name_for (sy_mapping_editor_display_name (self));

  choose_file (self, _("Export Mapping"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), suggested, export_chosen);
}

static void
new_now (SyMappingEditor *self,
         gpointer         data)
{
  sy_mapping_editor_set_mapping (self, NULL, NULL);
}

void
sy_mapping_editor_new_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  confirm_then (SY_MAPPING_EDITOR (widget), new_now, NULL, NULL);
}

void
sy_mapping_editor_duplicate_action (GtkWidget  *widget,
                                    const char *action_name,
                                    GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  g_autofree char *data = sy_mapping_to_data (self->mapping, &length);
  g_autoptr(SyMapping) copy = sy_mapping_new_from_data (data, length ? length : strlen (data), NULL, &error);
  g_autofree char *name = NULL;

  if (copy == NULL)
    {
      sy_mapping_editor_show_error (self, _("The Mapping Could Not Be Duplicated"), error->message);
      return;
    }
  /* Translators: the name of a duplicated mapping */
  name = g_strdup_printf (_("%s (Copy)"), sy_mapping_editor_display_name (self));
  sy_mapping_set_name (copy, name);

  /* The original keeps its file, unchanged; the copy is new and unsaved,
   * so closing it asks before anything is lost. */
  sy_mapping_editor_set_mapping (self, copy, NULL);
  g_clear_pointer (&self->saved_data, g_free);
  sy_mapping_editor_update_dirty (self);
  sy_mapping_editor_update_title (self);
  save_as (self, NULL);
}

/* Sync */

static void
sync_now (SyMappingEditor *self,
          gpointer         data)
{
  g_autofree char *path = self->file ? g_file_get_path (self->file) : NULL;

  /* The application shows the mapping's runs and starts one there. */
  if (path != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "app.run-mapping", "s", path);
}

static void
save_before_sync_response_cb (AdwMessageDialog *dialog,
                              const char       *response,
                              gpointer          user_data)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (user_data);

  if (g_str_equal (response, "save"))
    save_then (self, pending_new (sync_now, NULL, NULL));
}

/* A sync reads the mapping file: what is only in the editor would not be
 * synced, so it is saved first. */
void
sy_mapping_editor_sync_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  SyMappingEditor *self = SY_MAPPING_EDITOR (widget);
  AdwMessageDialog *dialog;

  /* The action is disabled then; a caller that activates it anyway is
   * told why (the engine would refuse the run as well). */
  if (self->connection_problem != NULL)
    {
      sy_mapping_editor_show_error (self, _("This Mapping Cannot Be Synced"), self->connection_problem);
      return;
    }

  sy_mapping_editor_update_dirty (self);
  if (!self->dirty && self->file != NULL)
    {
      sync_now (self, NULL);
      return;
    }

  dialog = new_message (self, _("Save Before Syncing?"),
                        _("A sync uses the mapping as it is saved. Save your changes to sync them."));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "save", _("_Save and Sync"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (save_before_sync_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}
