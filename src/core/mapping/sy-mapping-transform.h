/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "sy-catalogue.h"
#include "sy-mapping-rule.h"

G_BEGIN_DECLS

/* Internal to sy-mapping*.c and sy-mapping-rule*.c: the compiled forms of
 * paths, templates and transforms that applying a mapping runs on, so
 * that nothing is parsed again per record, and the line bookkeeping that
 * lets a refusal name the line of the member at fault. */

/* ---- where members were in the file ---- */

typedef struct _SyMappingLocator SyMappingLocator;

SyMappingLocator *sy_mapping_locator_new      (const char       *filename);
void              sy_mapping_locator_free     (SyMappingLocator *locator);
/* Connects to the parser's signals; call before loading. */
void              sy_mapping_locator_attach   (SyMappingLocator *locator,
                                               JsonParser       *parser);
/* An error found while parsing (a duplicate member), or NULL. */
GError           *sy_mapping_locator_take_error (SyMappingLocator *locator);
/* The line/column of member of object (member NULL: the object itself). */
void              sy_mapping_locator_find     (SyMappingLocator *locator,
                                               gconstpointer     container,
                                               const char       *member,
                                               guint            *line,
                                               guint            *column);
/* A SY_MAPPING_ERROR "FILE:LINE: reason" at that member. locator may be
 * NULL (a rule parsed on its own): then the message is the reason. */
GError           *sy_mapping_locator_error    (SyMappingLocator *locator,
                                               gconstpointer     container,
                                               const char       *member,
                                               const char       *format,
                                               ...) G_GNUC_PRINTF (4, 5);
GError           *sy_mapping_error_new_at     (gint              code,
                                               const char       *filename,
                                               guint             line,
                                               guint             column,
                                               const char       *reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyMappingLocator, sy_mapping_locator_free)

/* ---- JSON ---- */

/* A copy that shares nothing with node. json_node_copy() shares the
 * value and its reference count, which is not atomic: applying a mapping
 * from several threads must never touch the records' or the rules'
 * reference counts. */
JsonNode *sy_json_node_deep_copy (JsonNode *node);
/* Appends the text form of a scalar; FALSE for null, objects and arrays.
 * Shared by templates and the text forms of transforms. */
gboolean  sy_mapping_append_scalar (GString  *out,
                                    JsonNode *node);

/* ---- dotted paths ---- */

typedef struct
{
  guint n_segments;
  char **segments;   /* owned; a segment of digits also indexes an array */
  gint *indices;     /* -1 or the array index a segment spells */
} SyPath;

/* NULL and a reason when the path is empty or has an empty segment. */
SyPath   *sy_path_compile  (const char   *dotted,
                            char        **reason);
void      sy_path_free     (SyPath       *path);
/* Borrowed node or NULL when absent. */
JsonNode *sy_path_lookup   (const SyPath *path,
                            JsonObject   *object);

/* ---- templates ---- */

typedef struct _SyTemplate SyTemplate;

SyTemplate *sy_template_compile    (const char        *text,
                                    char             **reason);
void        sy_template_free       (SyTemplate        *template_);
/* The rendered text, or NULL and *missing set to the first placeholder
 * whose path is missing, null or not a scalar (borrowed). */
char       *sy_template_render     (const SyTemplate  *template_,
                                    JsonObject        *object,
                                    const char       **missing);
/* Adds the first segment of every placeholder path to set. */
void        sy_template_add_roots  (const SyTemplate  *template_,
                                    GHashTable        *set);

/* ---- transforms ---- */

typedef struct _SyTransform SyTransform;

/* Compiles a transform node: an object with exactly one of date, number,
 * lookup, trim, upper, lower; the bare strings "trim", "upper", "lower";
 * or an array of these, applied in order. On failure, NULL, a reason and
 * (when known) the object and member at fault. */
SyTransform *sy_transform_compile (JsonNode           *node,
                                   char              **reason,
                                   gconstpointer      *fault_container,
                                   const char        **fault_member);
void         sy_transform_free    (SyTransform        *transform);
/* A new node, or NULL and a reason for the user. value is never NULL,
 * null or an empty string here. */
JsonNode    *sy_transform_apply   (const SyTransform  *transform,
                                   JsonNode           *value,
                                   char              **reason);

/* ---- rules, as the mapping parser sees them ---- */

SyMappingRule *sy_mapping_rule_parse (JsonObject       *object,
                                      SyMappingLocator *locator,
                                      GError          **error);

/* Where a nested rule sits: "lines", element 2 → "lines[2].quantity". */
typedef struct _SyFieldPrefix SyFieldPrefix;
struct _SyFieldPrefix
{
  const SyFieldPrefix *parent;
  const char *target;
  guint index;
};

typedef struct
{
  SyCatalogue *catalogue;   /* NULL: no type checks */
  const char *entity;       /* the target entity */
  GPtrArray *problems;      /* of SyMappingProblem, or NULL */
} SyApplyContext;

/* Applies one rule to record, writing into out. Reads only compiled
 * state: safe from several threads on a rule nobody edits. */
void       sy_mapping_rule_apply_to         (SyMappingRule       *self,
                                             JsonObject          *record,
                                             JsonObject          *out,
                                             SyApplyContext      *context,
                                             const SyFieldPrefix *prefix);
/* Adds the top-level source fields the rule reads to set (char *, owned). */
void       sy_mapping_rule_add_source_roots (SyMappingRule       *self,
                                             GHashTable          *set);
/* The "each" rules as an array (borrowed), or NULL. */
GPtrArray *sy_mapping_rule_get_child_rules  (SyMappingRule       *self);

G_END_DECLS
