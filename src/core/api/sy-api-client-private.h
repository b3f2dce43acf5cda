/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sy-api-client.h"

G_BEGIN_DECLS

/* For tests that bring back libsoup's lost requests (see
 * sy_api_client_new()): an idle timeout again, and how many attempts were
 * left behind because libsoup never ended them. */
void  sy_api_client_set_idle_timeout       (SyApiClient *self,
                                            guint        idle_timeout_s);
guint sy_api_client_get_abandoned_attempts (SyApiClient *self);

G_END_DECLS
