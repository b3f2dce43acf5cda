/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SY_TYPE_SIGNATURE_CHECKER (sy_signature_checker_get_type ())
G_DECLARE_FINAL_TYPE (SySignatureChecker, sy_signature_checker, SY, SIGNATURE_CHECKER, AdwWindow)

/* "Check a Signature…" (app.check-signature): a developer pastes a webhook
 * delivery's body and signature, enters the secret and picks the scheme,
 * and sees as they type whether the signature matches and, if not, why.
 * The secret stays in the window: it is never stored or logged. */
SySignatureChecker *sy_signature_checker_new (GtkWindow *parent);

G_END_DECLS
