/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How a sender encodes the HMAC-SHA256 of a delivery's body in its
 * signature header (docs/architecture.md, webhooks). */
typedef enum
{
  SY_WEBHOOK_SCHEME_MAKINI,   /* base64 of the digest, padded */
  SY_WEBHOOK_SCHEME_MERGE,    /* base64url of the digest, no padding */
  SY_WEBHOOK_SCHEME_RUTTER,   /* "sha256=" + base64 of the digest */
  SY_WEBHOOK_SCHEME_APIDECK,  /* base64 of the digest of the key-sorted JSON body */
} SyWebhookScheme;

#define SY_WEBHOOK_SCHEME_LAST SY_WEBHOOK_SCHEME_APIDECK

#define SY_WEBHOOK_ERROR (sy_webhook_error_quark ())

typedef enum
{
  SY_WEBHOOK_ERROR_MISMATCH,   /* well-formed signature, wrong value → exit 1 / 401 */
  SY_WEBHOOK_ERROR_MALFORMED,  /* missing/undecodable signature, bad input → exit 2 / 401 */
  SY_WEBHOOK_ERROR_EXPIRED,    /* timestamp outside the tolerance → 401 (replay) */
  SY_WEBHOOK_ERROR_TOO_LARGE,  /* body over SY_WEBHOOK_MAX_BODY → 413 */
} SyWebhookError;

#define SY_WEBHOOK_MAX_BODY (1024 * 1024)

GQuark      sy_webhook_error_quark           (void);

/* Accepts the names sy_webhook_scheme_to_string() gives ("makini",
 * "merge", "rutter", "apideck"), case-insensitively. */
gboolean    sy_webhook_scheme_from_string    (const char      *text,
                                              SyWebhookScheme *scheme);
const char *sy_webhook_scheme_to_string      (SyWebhookScheme  scheme);
/* "X-Signature" for makini. */
const char *sy_webhook_scheme_default_header (SyWebhookScheme  scheme);

/* The bytes a scheme's HMAC covers: the body as it came, or (apideck) its
 * canonical form, keys sorted, no spaces. Two bodies with the same signed
 * bytes are the same delivery, however they are spaced. */
GBytes     *sy_webhook_signed_bytes          (SyWebhookScheme  scheme,
                                              GBytes          *body);

/* The signature a sender puts in the header (for the sandbox, tests and the
 * GUI's example). None of the four schemes signs a timestamp, so
 * `timestamp` does not change the result; it is part of the call so that a
 * scheme that does sign one can be added without changing callers. */
char       *sy_webhook_sign                  (SyWebhookScheme  scheme,
                                              const char      *secret,
                                              GBytes          *body,
                                              gint64           timestamp);

/* Constant-time comparison of the computed HMAC-SHA256 with the one in
 * `signature` (surrounding whitespace is ignored).
 *
 * `timestamp` is the delivery's timestamp or NULL: Unix seconds, Unix
 * milliseconds (13 digits or more) or ISO 8601 with a zone. When it is
 * given and tolerance_s > 0, a genuine delivery whose timestamp is further
 * than tolerance_s from now_s, in either direction, is EXPIRED; the
 * signature is checked first, so a forged delivery is never EXPIRED. */
gboolean    sy_webhook_verify                (SyWebhookScheme  scheme,
                                              const char      *secret,
                                              GBytes          *body,
                                              const char      *signature,
                                              const char      *timestamp,
                                              gint64           now_s,
                                              gint64           tolerance_s,
                                              GError         **error);

G_END_DECLS
