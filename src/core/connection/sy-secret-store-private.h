/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sy-secret-store.h"

G_BEGIN_DECLS

/* For tests only: the next store of kind through self fails as a keyring
 * that refuses a write would (SY_SECRET_ERROR_TIMEOUT), once. Drives what
 * the token keeper does with a renewed pair it could not keep. */
void sy_secret_store_fail_next_store (SySecretStore *self,
                                      const char    *kind);

G_END_DECLS
