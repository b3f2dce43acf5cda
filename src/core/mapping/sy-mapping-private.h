/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sy-mapping.h"
#include "sy-mapping-transform.h"

G_BEGIN_DECLS

/* Internal to sy-mapping*.c: the instance struct, shared by the object,
 * loading, writing, and applying and coverage files. */

struct _SyMapping
{
  GObject parent_instance;

  char *name;
  char *source_connection;
  char *source_entity;
  char *target_connection;
  char *target_entity;
  char *match_source;
  char *match_target;
  GListStore *rules;
  GPtrArray *rule_array;     /* the rules' items, for applying without refs */

  /* Where the file said what validate() may refuse, for its messages. */
  char *filename;
  guint source_entity_line;
  guint target_entity_line;
  guint source_connection_line;
  guint target_connection_line;

  /* The optional "automation" member (sy-mapping-automation.c). */
  guint every_minutes;      /* 0: no interval */
  GStrv at_times;           /* "HH:MM", never NULL */
  gboolean on_changes;
};

/* "automation" in a file, and back (sy-mapping-automation.c). */
gboolean sy_mapping_parse_automation  (SyMapping         *self,
                                       JsonObject        *root,
                                       SyMappingLocator  *locator,
                                       GError           **error);
void     sy_mapping_append_automation (SyMapping         *self,
                                       GString           *out);

G_END_DECLS
