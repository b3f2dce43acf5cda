/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the parts of the mapping editor share: its instance struct and helpers.
 * Only its own files include this; tests include sy-mapping-editor-private.h. */

#include <glib/gi18n.h>

#include "sy-catalogue.h"
#include "sy-mapping-editor-private.h"

G_BEGIN_DECLS

#define DEMO_MAPPING_RESOURCE "/io/github/switchyard/Switchyard/demo/mintsoft-to-netsuite.json"
#define DEMO_MAPPING_FILE "mintsoft-to-netsuite.json"

struct _SyMappingEditor
{
  AdwBin             parent_instance;

  SyConnectionStore *connections;
  SySecretStore     *secrets;
  SyCatalogue       *catalogue;
  char              *mappings_dir;

  SyMapping         *mapping;
  GFile             *file;
  char              *saved_data;      /* what the file holds, NULL: never saved */
  gboolean           dirty;
  char              *last_toast;
  GCancellable      *cancellable;
  gboolean           updating;

  GListStore        *source_fields;
  GListStore        *target_fields;
  GtkStringList     *source_entities;
  GtkStringList     *target_entities;

  AdwViewSwitcherTitle *window_title;
  AdwHeaderBar      *header_bar;
  GtkMenuButton     *open_button;
  GtkPopover        *open_popover;
  GtkListBox        *open_list;
  AdwToastOverlay   *toast_overlay;
  AdwLeaflet        *leaflet;
  GtkWidget         *rules_pane;
  GtkWidget         *pane_button;
  guint              fold_idle;
  AdwEntryRow       *name_row;
  AdwComboRow       *source_connection_row;
  AdwComboRow       *source_entity_row;
  AdwComboRow       *target_connection_row;
  AdwComboRow       *target_entity_row;
  GtkWidget         *ends_box;
  AdwActionRow      *match_source_row;
  AdwActionRow      *match_target_row;
  GtkWidget         *match_source;
  GtkWidget         *match_target;
  GtkListBox        *rule_list;
  GtkWidget         *no_rules_label;
  GHashTable        *untouched_rules; /* new rules the user has not changed yet */
  GtkWidget         *unused_group;
  GtkListBox        *unused_list;
  SyMappingPreview  *preview;
  GtkWidget         *automation_group;
  GtkSpinButton     *every_spin;
  GtkSwitch         *every_switch;
  AdwEntryRow       *at_row;
  AdwActionRow      *at_error_row;
  GtkSwitch         *on_changes_switch;

  /* The safety rules of sy-sync-check.h: a connection the mapping names
   * that does not exist, or source and target the same. */
  AdwActionRow      *connection_error_row;
  char              *connection_problem;   /* "connection-problem", NULL when none */
  gboolean           connections_changing; /* from the store's items-changed to connections_idle */
  guint              connections_idle;
  /* What the connection rows offer: the store's connections, and the name
   * the mapping holds as a stand-in when no connection has it, so that the
   * row shows that name rather than another connection. */
  GListStore        *source_choices;
  GListStore        *target_choices;
};

static inline GtkWindow *
get_window (SyMappingEditor *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static inline void
add_toast (SyMappingEditor *self,
           const char      *title)
{
  AdwToast *toast = adw_toast_new (title);

  g_free (self->last_toast);
  self->last_toast = g_strdup (title);
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static inline AdwMessageDialog *
new_message (SyMappingEditor *self,
             const char      *heading,
             const char      *body)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (get_window (self), heading, body));

  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  return dialog;
}

/* sy-mapping-editor.c */
void     sy_mapping_editor_show_error         (SyMappingEditor *self,
                                               const char      *heading,
                                               const char      *body);
const char *sy_mapping_editor_display_name    (SyMappingEditor *self);
void     sy_mapping_editor_update_title       (SyMappingEditor *self);
void     sy_mapping_editor_update_dirty       (SyMappingEditor *self);
void     sy_mapping_editor_mark_saved         (SyMappingEditor *self,
                                               GFile           *file);

/* sy-mapping-editor-rules.c: the rule list, edited in place */
void     sy_mapping_editor_rebuild_rules      (SyMappingEditor *self,
                                               SyMappingRule   *focus);
void     sy_mapping_editor_highlight_problems (SyMappingEditor *self);
void     sy_mapping_editor_rule_activated_cb  (SyMappingEditor *self,
                                               GtkListBoxRow   *row);
void     sy_mapping_editor_add_rule_action    (GtkWidget       *widget,
                                               const char      *action_name,
                                               GVariant        *parameter);
/* Shows every rule's problem, also of rules not touched yet: a save was
 * tried. */
void     sy_mapping_editor_touch_rules        (SyMappingEditor *self);
/* Lists the source fields of the samples that no rule reads. */
void     sy_mapping_editor_update_unused      (SyMappingEditor *self);

/* sy-mapping-editor-automation.c: the "automation" member */
void     sy_mapping_editor_show_automation    (SyMappingEditor *self);
void     sy_mapping_editor_automation_changed_cb (SyMappingEditor *self);

/* sy-mapping-editor-files.c: save, open, import, export, new, duplicate,
 * sync; and the question about unsaved changes before any of them */
void     sy_mapping_editor_open_row_activated_cb (SyMappingEditor *self,
                                                  GtkListBoxRow   *row);
void     sy_mapping_editor_open_popover_shown_cb (SyMappingEditor *self);
void     sy_mapping_editor_save_action         (GtkWidget       *widget,
                                                const char      *action_name,
                                                GVariant        *parameter);
void     sy_mapping_editor_save_as_action      (GtkWidget       *widget,
                                                const char      *action_name,
                                                GVariant        *parameter);
void     sy_mapping_editor_open_action         (GtkWidget       *widget,
                                                const char      *action_name,
                                                GVariant        *parameter);
void     sy_mapping_editor_open_file_action    (GtkWidget       *widget,
                                                const char      *action_name,
                                                GVariant        *parameter);
void     sy_mapping_editor_import_action       (GtkWidget       *widget,
                                                const char      *action_name,
                                                GVariant        *parameter);
void     sy_mapping_editor_export_action       (GtkWidget       *widget,
                                                const char      *action_name,
                                                GVariant        *parameter);
void     sy_mapping_editor_new_action          (GtkWidget       *widget,
                                                const char      *action_name,
                                                GVariant        *parameter);
void     sy_mapping_editor_duplicate_action    (GtkWidget       *widget,
                                                const char      *action_name,
                                                GVariant        *parameter);
void     sy_mapping_editor_sync_action         (GtkWidget       *widget,
                                                const char      *action_name,
                                                GVariant        *parameter);

G_END_DECLS
