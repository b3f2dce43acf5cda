/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sy-api-client.h"

G_BEGIN_DECLS

/* For tests of requests libsoup does not end in time (see
 * sy_api_client_new() and on_attempt_abandoned()): an idle timeout again,
 * how many attempts were left behind because they did not end once
 * cancelled, how many of those ended later (their answers ignored), and
 * how many connections a request waits for, uncancellably, inside
 * libsoup when all are taken. */
void  sy_api_client_set_idle_timeout             (SyApiClient *self,
                                                  guint        idle_timeout_s);
guint sy_api_client_get_abandoned_attempts       (SyApiClient *self);
guint sy_api_client_get_late_answers             (SyApiClient *self);
guint sy_api_client_get_max_connections_per_host (SyApiClient *self);

G_END_DECLS
