/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-mapping-rule-row.h"

G_BEGIN_DECLS

/* The row's parts and what its controls do. */

/* Opens the transform popover. */
void            sy_mapping_rule_row_edit_transform     (SyMappingRuleRow *self);
GtkDropDown    *sy_mapping_rule_row_get_kind_dropdown  (SyMappingRuleRow *self);
const char     *sy_mapping_rule_row_get_problem      (SyMappingRuleRow *self);
GtkCheckButton *sy_mapping_rule_row_get_required_check (SyMappingRuleRow *self);
SyFieldChooser *sy_mapping_rule_row_get_source_chooser (SyMappingRuleRow *self);
SyFieldChooser *sy_mapping_rule_row_get_target_chooser (SyMappingRuleRow *self);
GtkEditable    *sy_mapping_rule_row_get_value_entry    (SyMappingRuleRow *self);
/* Sets the transform as the popover does: "none", "date", "number",
 * "lookup", "trim", "upper" or "lower", with its option (the date format,
 * the scale, or key=value lines). FALSE when the rule refused it. */
gboolean        sy_mapping_rule_row_set_transform_choice (SyMappingRuleRow *self,
                                                          const char       *kind,
                                                          const char       *option);

G_END_DECLS
