/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Failures of a request to the unified API. Errors in this domain carry
 * the HTTP status, the server's request id and, for 422, the per-field
 * messages: see the sy_api_error_get_*() accessors. */
#define SY_API_ERROR (sy_api_error_quark ())

typedef enum
{
  SY_API_ERROR_UNAUTHORIZED,     /* 401: token invalid or needs re-authorisation */
  SY_API_ERROR_FORBIDDEN,        /* 403 */
  SY_API_ERROR_NOT_FOUND,        /* 404 */
  SY_API_ERROR_VALIDATION,       /* 422, with field errors */
  SY_API_ERROR_RATE_LIMITED,     /* 429, with Retry-After */
  SY_API_ERROR_SERVER,           /* 5xx */
  SY_API_ERROR_NETWORK,          /* unreachable, refused, dropped, TLS */
  SY_API_ERROR_INVALID_RESPONSE, /* not JSON, wrong shape, a page that repeats */
  SY_API_ERROR_INVALID_URL,      /* not an http(s) URL */
  SY_API_ERROR_HTTP,             /* any other unexpected status */
} SyApiError;

GQuark       sy_api_error_quark             (void);
/* 0 when the error never got an HTTP answer. */
guint        sy_api_error_get_status        (const GError *error);
const char  *sy_api_error_get_request_id    (const GError *error);
/* Seconds the server asked us to wait (429, 503), or 0. */
guint        sy_api_error_get_retry_after   (const GError *error);
/* field name → GStrv of messages, or NULL. Owned by the error. */
GHashTable  *sy_api_error_get_field_errors  (const GError *error);
/* Whether retrying the same idempotent request may succeed. */
gboolean     sy_api_error_is_transient      (const GError *error);

GError      *sy_api_error_new_full          (SyApiError   code,
                                             guint        status,
                                             const char  *request_id,
                                             guint        retry_after,
                                             GHashTable  *field_errors,
                                             const char  *message);

/* Problems with the user's configuration: connections.json, names, URLs. */
#define SY_CONFIG_ERROR (sy_config_error_quark ())

typedef enum
{
  SY_CONFIG_ERROR_BROKEN_FILE,     /* did not parse; moved aside */
  SY_CONFIG_ERROR_DUPLICATE_NAME,
  SY_CONFIG_ERROR_INVALID_NAME,
  SY_CONFIG_ERROR_INVALID_URL,
  SY_CONFIG_ERROR_NOT_FOUND,
  SY_CONFIG_ERROR_INSECURE_URL,    /* plain http to another machine, not allowed */
  SY_CONFIG_ERROR_CA_FILE,         /* the connection's CA file cannot be used */
} SyConfigError;

GQuark sy_config_error_quark (void);

/* The keyring. */
#define SY_SECRET_ERROR (sy_secret_error_quark ())

typedef enum
{
  SY_SECRET_ERROR_NO_KEYRING,  /* no Secret Service reachable */
  SY_SECRET_ERROR_LOCKED,      /* the collection stayed locked */
  SY_SECRET_ERROR_TIMEOUT,     /* no answer in time (an invisible prompt?) */
  SY_SECRET_ERROR_NOT_FOUND,
  SY_SECRET_ERROR_FAILED,
} SySecretError;

GQuark sy_secret_error_quark (void);

G_END_DECLS
