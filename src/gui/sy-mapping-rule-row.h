/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sy-field-chooser.h"
#include "sy-mapping-rule.h"

G_BEGIN_DECLS

#define SY_TYPE_MAPPING_RULE_ROW (sy_mapping_rule_row_get_type ())
G_DECLARE_FINAL_TYPE (SyMappingRuleRow, sy_mapping_rule_row, SY, MAPPING_RULE_ROW, GtkListBoxRow)

/* One rule of a mapping, edited in place and read as the data flows:
 * where the value comes from (a source field, a constant or a template) →
 * its transform (a short summary; the whole of it and the default in a
 * popover, dates chosen by example) → the target field, and whether it is
 * required. One line where there is room, wrapped on a phone. A rule of an "each"
 * array (parent not NULL) is indented and offered the fields below its
 * parent's. Every edit goes straight to the rule and emits "edited". The
 * row's actions (rule.remove, rule.move-up, rule.move-down, rule.add-item,
 * rule.toggle-each; Delete, Alt+Up, Alt+Down) emit "action-requested" with
 * the action's name: the editor owns the list. */
GtkWidget      *sy_mapping_rule_row_new              (SyMappingRule    *rule,
                                                      SyMappingRule    *parent,
                                                      GListModel       *target_fields,
                                                      GListModel       *source_fields);
SyMappingRule  *sy_mapping_rule_row_get_rule         (SyMappingRuleRow *self);
/* The rule whose "each" holds this one, or NULL. */
SyMappingRule  *sy_mapping_rule_row_get_parent_rule  (SyMappingRuleRow *self);
/* Shows the problems the preview found for this rule (NULL: none) as an
 * error style, an icon, a tooltip and an accessible description. */
void            sy_mapping_rule_row_set_problem      (SyMappingRuleRow *self,
                                                      const char       *message);

/* A new rule starts untouched (pass FALSE): its problem is kept but not
 * shown until the user changes the row or tries to save. Property
 * "touched"; "problem", "transform-summary", "transform-text" and
 * "date-example" are read-only. */
void            sy_mapping_rule_row_set_touched      (SyMappingRuleRow *self,
                                                      gboolean          touched);
gboolean        sy_mapping_rule_row_get_touched      (SyMappingRuleRow *self);

/* Offers an item rule the fields below its parent's target and source
 * again, after they changed. */
void            sy_mapping_rule_row_update_prefixes    (SyMappingRuleRow *self);
/* Moves the keyboard focus to the first field of the row. */
void            sy_mapping_rule_row_focus_first        (SyMappingRuleRow *self);

G_END_DECLS
