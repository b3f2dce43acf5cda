/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What the application last learned about a connection. Never persisted. */
typedef enum
{
  SY_CONNECTION_STATUS_UNKNOWN,
  SY_CONNECTION_STATUS_ACTIVE,
  SY_CONNECTION_STATUS_NEEDS_REAUTH,
  SY_CONNECTION_STATUS_UNREACHABLE,
  SY_CONNECTION_STATUS_NO_KEYRING,
} SyConnectionStatus;

GType sy_connection_status_get_type (void) G_GNUC_CONST;
#define SY_TYPE_CONNECTION_STATUS (sy_connection_status_get_type ())

#define SY_DEFAULT_BASE_URL "https://api.makini.io"

#define SY_TYPE_CONNECTION (sy_connection_get_type ())
G_DECLARE_FINAL_TYPE (SyConnection, sy_connection, SY, CONNECTION, GObject)

/* A connected system: everything about it except its secrets, which live in
 * the keyring under the connection's id. Properties: "id", "name",
 * "base-url", "platform", "domain", "status", "status-message".
 * Signal: "records-written" (const char *entity), see
 * sy_connection_notify_records_written(). */
SyConnection       *sy_connection_new                (const char         *name,
                                                      const char         *base_url);
/* Reads one entry of connections.json. */
SyConnection       *sy_connection_new_from_json      (JsonObject         *object,
                                                      GError            **error);
JsonNode           *sy_connection_to_json            (SyConnection       *self);
/* The free-form "options" object (per-platform settings), owned by the
 * connection: change it in place, then save the store. Unknown keys are kept. */
JsonObject         *sy_connection_get_options        (SyConnection       *self);

/* Whether the user allowed plain http:// to a host that is not this
 * machine, which sends the token unencrypted ("allow_insecure_http" in the
 * options). */
gboolean            sy_connection_get_allow_insecure_http (SyConnection *self);
void                sy_connection_set_allow_insecure_http (SyConnection *self,
                                                           gboolean      allow);
/* A PEM file of the certificate authorities to trust for this connection
 * instead of the system's ("ca_file" in the options), or NULL. */
const char         *sy_connection_get_ca_file        (SyConnection       *self);
void                sy_connection_set_ca_file        (SyConnection       *self,
                                                      const char         *path);

const char         *sy_connection_get_id             (SyConnection       *self);
const char         *sy_connection_get_name           (SyConnection       *self);
void                sy_connection_set_name           (SyConnection       *self,
                                                      const char         *name);
const char         *sy_connection_get_base_url       (SyConnection       *self);
void                sy_connection_set_base_url       (SyConnection       *self,
                                                      const char         *base_url);
/* e.g. "mintsoft", "netsuite"; may be NULL until tested. */
const char         *sy_connection_get_platform       (SyConnection       *self);
void                sy_connection_set_platform       (SyConnection       *self,
                                                      const char         *platform);
/* "wms", "erp", "eam"; may be NULL. */
const char         *sy_connection_get_domain         (SyConnection       *self);
void                sy_connection_set_domain         (SyConnection       *self,
                                                      const char         *domain);
SyConnectionStatus  sy_connection_get_status         (SyConnection       *self);
const char         *sy_connection_get_status_message (SyConnection       *self);
void                sy_connection_set_status         (SyConnection       *self,
                                                      SyConnectionStatus  status,
                                                      const char         *message);

/* Checks a base URL a user typed: http or https, with a host. */
gint64              sy_connection_get_last_success_at (SyConnection     *self);
/* Called (on the main context) for every request of the connection that
 * succeeded; clients opened with sy_connection_open_client_async() do. */
void                sy_connection_note_success       (SyConnection       *self);
/* Says that a sync created or updated records of entity (e.g.
 * "erp/sales-orders") in this connection, so that views showing them
 * reload: emits "records-written" (entity) from an idle on the main
 * context, whichever thread calls it. */
void                sy_connection_notify_records_written (SyConnection *self,
                                                          const char   *entity);
gboolean            sy_connection_validate_base_url  (const char         *base_url,
                                                      GError            **error);
/* Checks a name a user typed: not empty, not only spaces, printable. */
gboolean            sy_connection_validate_name      (const char         *name,
                                                      GError            **error);

G_END_DECLS
