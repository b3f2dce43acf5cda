/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where a rule's value comes from. */
typedef enum
{
  SY_MAPPING_RULE_SOURCE,    /* "source": a dotted path in the source record */
  SY_MAPPING_RULE_VALUE,     /* "value": a constant */
  SY_MAPPING_RULE_TEMPLATE,  /* "template": "Order {orderNumber}" */
} SyMappingRuleKind;

GType sy_mapping_rule_kind_get_type (void) G_GNUC_CONST;
#define SY_TYPE_MAPPING_RULE_KIND (sy_mapping_rule_kind_get_type ())

#define SY_TYPE_MAPPING_RULE (sy_mapping_rule_get_type ())
G_DECLARE_FINAL_TYPE (SyMappingRule, sy_mapping_rule, SY, MAPPING_RULE, GObject)

/* One rule of a mapping (docs/architecture.md §5). Properties: "target", "kind",
 * "source", "template", "value" (JsonNode, boxed), "transform" (JsonNode
 * holding the transform object, or NULL), "default" (JsonNode or NULL),
 * "required", "children" (GListModel of SyMappingRule for "each"), all
 * notifying, so an editor can bind to them. Signal "changed" (no
 * arguments): a property of the rule or of a rule inside "each" changed,
 * or a rule was added to or removed from "children".
 *
 * Setting the source, template or value also sets the kind; the other two
 * are kept (switching back restores them) but only the kind's one is
 * written by sy_mapping_rule_to_json().
 *
 * Transforms, as accepted in "transform" (docs/architecture.md §5 plus two
 * conveniences):
 *   {"date": {"from"?: "iso8601" | strptime format, "to": "iso8601" | strftime format}}
 *       "from" defaults to ISO 8601 or YYYY-MM-DD; times without a zone are
 *       UTC; the output keeps the zone the input was written in.
 *   {"number": {"scale"?: 0..12, "decimal"?: "." | ",", "thousands"?: "," | "." | " " | ""}}
 *       rounds half away from zero on the decimal digits; a JSON integer
 *       when scale is 0 (or without scale for a whole number), else a
 *       double; thousands separators must group by three.
 *   {"lookup": {"GBP": "1", ...}}   a miss is a problem unless "default"
 *   {"trim": true}, {"upper": true}, {"lower": true}   Unicode-aware;
 *       non-strings pass unchanged
 *   "trim", "upper", "lower"   the same, as bare strings
 *   [t1, t2, ...]   applied in order; a value that becomes empty (a blank
 *       string trimmed) stops the chain and counts as missing.
 * "default" replaces a missing, null or empty value and a failed
 * transform; "required" makes a value still missing after that a
 * problem. Templates: "{dotted.path}" placeholders, "{{" and "}}" for
 * literal braces; a placeholder whose value is missing is a problem. */
SyMappingRule     *sy_mapping_rule_new           (const char        *target);
/* Parses one rule object (with its "each" children); errors are
 * SY_MAPPING_ERROR_INVALID with the member at fault named. */
SyMappingRule     *sy_mapping_rule_new_from_json (JsonObject        *object,
                                                  GError           **error);
JsonNode          *sy_mapping_rule_to_json       (SyMappingRule     *self);

const char        *sy_mapping_rule_get_target    (SyMappingRule     *self);
void               sy_mapping_rule_set_target    (SyMappingRule     *self,
                                                  const char        *target);
SyMappingRuleKind  sy_mapping_rule_get_kind      (SyMappingRule     *self);
const char        *sy_mapping_rule_get_source    (SyMappingRule     *self);
void               sy_mapping_rule_set_source    (SyMappingRule     *self,
                                                  const char        *path);
const char        *sy_mapping_rule_get_template  (SyMappingRule     *self);
void               sy_mapping_rule_set_template  (SyMappingRule     *self,
                                                  const char        *template_);
JsonNode          *sy_mapping_rule_get_value     (SyMappingRule     *self);
void               sy_mapping_rule_set_value     (SyMappingRule     *self,
                                                  JsonNode          *value);
/* The "transform" object, e.g. {"date": {"to": "%Y-%m-%d"}}, or NULL. */
JsonNode          *sy_mapping_rule_get_transform (SyMappingRule     *self);
/* Validates it (known transform names and options); FALSE and an error
 * leave the rule unchanged. */
gboolean           sy_mapping_rule_set_transform (SyMappingRule     *self,
                                                  JsonNode          *transform,
                                                  GError           **error);
JsonNode          *sy_mapping_rule_get_default   (SyMappingRule     *self);
void               sy_mapping_rule_set_default   (SyMappingRule     *self,
                                                  JsonNode          *value);
gboolean           sy_mapping_rule_get_required  (SyMappingRule     *self);
void               sy_mapping_rule_set_required  (SyMappingRule     *self,
                                                  gboolean           required);
/* NULL unless the rule maps an array with "each". */
GListModel        *sy_mapping_rule_get_children  (SyMappingRule     *self);
void               sy_mapping_rule_set_children  (SyMappingRule     *self,
                                                  GListModel        *children);

G_END_DECLS
