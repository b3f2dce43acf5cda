/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-signature-checker.h"
#include "sy-webhook-signature.h"

G_BEGIN_DECLS

typedef enum
{
  SY_SIGNATURE_VERDICT_INCOMPLETE,      /* body, signature or secret missing */
  SY_SIGNATURE_VERDICT_MATCHES,
  SY_SIGNATURE_VERDICT_DOES_NOT_MATCH,  /* wrong value, wrong encoding, ... */
  SY_SIGNATURE_VERDICT_TOO_LARGE,       /* body over SY_WEBHOOK_MAX_BODY */
} SySignatureVerdict;

/* The verdict shown; while a check is under way (is_checking), the one
 * before it. */
SySignatureVerdict  sy_signature_checker_get_verdict    (SySignatureChecker *self);
/* The verdict's title and the reason under it, as shown. */
const char         *sy_signature_checker_get_title      (SySignatureChecker *self);
const char         *sy_signature_checker_get_reason     (SySignatureChecker *self);
gboolean            sy_signature_checker_is_checking    (SySignatureChecker *self);

/* What a person types or pastes. */
void                sy_signature_checker_set_inputs     (SySignatureChecker *self,
                                                         SyWebhookScheme     scheme,
                                                         const char         *body,
                                                         const char         *signature,
                                                         const char         *secret);
/* The interactive widgets, for the tests' accessibility checks. */
GtkWidget          *sy_signature_checker_get_control    (SySignatureChecker *self,
                                                         const char         *name);

G_END_DECLS
