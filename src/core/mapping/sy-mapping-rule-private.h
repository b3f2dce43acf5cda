/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sy-mapping-rule.h"
#include "sy-mapping-transform.h"

G_BEGIN_DECLS

/* Internal to sy-mapping-rule*.c: the instance struct, shared by the
 * object, JSON (parsing, writing) and applying files. */

struct _SyMappingRule
{
  GObject parent_instance;

  char *target;
  SyMappingRuleKind kind;
  char *source;
  char *template_;
  JsonNode *value;
  JsonNode *transform;
  JsonNode *default_value;
  gboolean required;
  GListModel *children;

  /* Compiled when the rule changes, read (never written) while applying,
   * so that applying needs no lock and parses nothing. */
  SyPath *target_path;
  SyPath *source_path;
  char *source_reason;
  SyTemplate *template_compiled;
  char *template_reason;
  SyTransform *transform_compiled;
  GPtrArray *child_rules;    /* children's items, NULL without "each" */

  /* The catalogue's type for the target, remembered for the catalogue,
   * entity and path it was looked up for. Replaced whole, atomically,
   * never changed in place: threads applying the mapping may read an old
   * one, so the old ones live until the rule is finalized. */
  gpointer type_cache;       /* TypeCache * */
  GSList *old_type_caches;
  GMutex type_cache_lock;
};

typedef enum
{
  FIELD_UNCHECKED,
  FIELD_TEXT,
  FIELD_INTEGER,
  FIELD_NUMBER,
  FIELD_BOOLEAN,
  FIELD_OBJECT,
  FIELD_ARRAY,
} FieldKind;

typedef struct
{
  SyCatalogue *catalogue;
  char *entity;
  char *path;
  FieldKind kind;
} TypeCache;

static inline gboolean
node_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

G_END_DECLS
