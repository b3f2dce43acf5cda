/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "sy-sandbox-entity.h"

G_BEGIN_DECLS

/* The filters and sorts of one list request: filter[field],
 * filter[field:op] (gt, gteq, lt, lted, contains, startsWith),
 * filterMatch=any|all and sort[field]=0|1 (0 ascending). */
typedef struct _SySandboxQuery SySandboxQuery;

/* NULL with *field_errors set ({"param": ["message"]}) when a parameter
 * is malformed. params is the decoded query string. */
SySandboxQuery *sy_sandbox_query_new    (GHashTable      *params,
                                         JsonObject     **field_errors);
void            sy_sandbox_query_free   (SySandboxQuery  *self);
/* Whether the query keeps every record in creation order. */
gboolean        sy_sandbox_query_is_identity (SySandboxQuery *self);
/* The matching records (const SySandboxRecord *), in the asked order;
 * ties stay in creation order. Read-only: the array may be the entity's
 * cached order. */
GPtrArray      *sy_sandbox_query_run    (SySandboxQuery  *self,
                                         SySandboxEntity *entity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySandboxQuery, sy_sandbox_query_free)

G_END_DECLS
