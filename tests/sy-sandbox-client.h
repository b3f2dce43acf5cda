/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-sandbox-process.h"

G_BEGIN_DECLS

/* A test's own reader of a switchyard-sandbox's data, through the API
 * with a seeded connection's token ("wms", "erp"), as an outside checker
 * would read it. It rides out the faults the sandbox was told to inject
 * (5xx, dropped connections, 429 with Retry-After) by asking again, and
 * fails the test only when an answer is wrong or never comes. */

/* GET path_and_query (e.g. "/api/erp/sales-orders?per_page=500") with the
 * system's token; the parsed body of its 200 answer. */
JsonNode  *sy_sandbox_client_get      (SySandboxProcess *sandbox,
                                       SoupSession      *session,
                                       const char       *system,
                                       const char       *path_and_query);

/* Every record of entity (e.g. "wms/sales-orders"), page after page, in
 * the server's order: a GPtrArray of JsonObject. Read while nothing
 * writes to the entity, or the pages shift under the reader. */
GPtrArray *sy_sandbox_client_list_all (SySandboxProcess *sandbox,
                                       SoupSession      *session,
                                       const char       *system,
                                       const char       *entity);

/* The inspection endpoints (no token, no injected faults). */
JsonNode  *sy_sandbox_client_inspect  (SySandboxProcess *sandbox,
                                       SoupSession      *session,
                                       const char       *method,
                                       const char       *path_and_query);
/* /__sandbox/stats' in_flight.<connection>.<member>, or in_flight.<member>
 * when connection is NULL (e.g. "erp", "max_reads"). */
gint64     sy_sandbox_client_in_flight (SySandboxProcess *sandbox,
                                        SoupSession      *session,
                                        const char       *connection,
                                        const char       *member);
/* /__sandbox/stats' entities.<entity>.count. */
gint64     sy_sandbox_client_count    (SySandboxProcess *sandbox,
                                       SoupSession      *session,
                                       const char       *entity);
/* /__sandbox/duplicates' answer for entity and field. */
gint64     sy_sandbox_client_duplicates (SySandboxProcess *sandbox,
                                         SoupSession      *session,
                                         const char       *entity,
                                         const char       *field);

G_END_DECLS
