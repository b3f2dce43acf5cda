/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-sandbox-link.h"
#include "sy-sandbox-netsuite.h"
#include "sy-sandbox-server.h"
#include "sy-sandbox-webhooks.h"

G_BEGIN_DECLS

/* What sy-sandbox-server.c shares with sy-sandbox-inspection.c. */

/* How many API requests of one connection ("wms", "erp") were being
 * handled at once, at most: from the moment the sandbox takes a request
 * up to the release of its answer (--latency-ms holds it that long) or the
 * drop of its connection. So a test can see that a client overlaps its
 * requests without timing it. */
typedef struct
{
  guint reads;        /* GET now */
  guint writes;       /* POST, PUT, PATCH now */
  guint max_all;
  guint max_reads;
  guint max_writes;
} SySandboxConcurrency;

enum
{
  SY_SANDBOX_CONNECTION_WMS,
  SY_SANDBOX_CONNECTION_ERP,
  SY_SANDBOX_N_CONNECTIONS
};

struct _SySandboxServer
{
  GObject parent_instance;

  SySandboxData *data;
  SySandboxNetsuite *netsuite;
  SySandboxLink *link;
  SySandboxServerOptions options;
  SoupServer *server;
  char *url;
  char *wms_token;
  char *erp_token;

  /* The switches draw from a rand of their own, so that the data stays
   * the same whatever the switches are. */
  GRand *switch_rand;
  char *run_id;
  guint64 request_serial;

  GHashTable *status_counts;   /* status → count */
  GHashTable *method_counts;   /* interned method → count, every /api request */
  guint64 accepted;            /* connections accepted (TLS: handshakes begun) */
  guint64 dropped;             /* every connection closed unanswered */
  guint64 dropped_after;       /* of those, closed after the request was carried out */
  guint64 dropped_after_write; /* of those, a create or update that was stored */
  guint64 created;             /* records stored by POST, answered or not */
  guint64 updated;             /* records changed by PUT/PATCH, answered or not */
  GHashTable *rate_windows;    /* a connection's key (seeded token string, Link grant) → GQueue of monotonic times */
  GHashTable *delayed;         /* SoupServerMessage → GSource, held back by --latency-ms */
  GHashTable *idle_watches;    /* GSocket → GSource, keep-alive connections between requests */
  SySandboxWebhooks *webhooks; /* NULL without --webhook-url */
  GHashTable *in_flight;       /* SoupServerMessage → InFlight, API requests being handled */
  SySandboxConcurrency concurrency[SY_SANDBOX_N_CONNECTIONS];
  guint64 reads_beside_writes; /* GETs in flight at a moment a write was */
};

char *sy_sandbox_server_generate_json     (JsonNode          *node);
char *sy_sandbox_server_object_to_json    (JsonObject        *object);

/* A record was stored by a create (created) or changed: tells the
 * webhook receiver, if there is one. */
void  sy_sandbox_server_record_changed    (SySandboxServer       *self,
                                           SySandboxEntity       *entity,
                                           const SySandboxRecord *record,
                                           gboolean               created);

/* sy-sandbox-inspection.c: answers a request for /__sandbox/... */
void  sy_sandbox_server_handle_inspection (SySandboxServer   *self,
                                           SoupServerMessage *msg,
                                           const char        *path,
                                           GHashTable        *params);

G_END_DECLS
