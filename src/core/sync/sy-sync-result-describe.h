/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sy-sync-types.h"

G_BEGIN_DECLS

/* A failed record's status as a person reads it, short enough for a list
 * row: "Rejected by NetSuite (422)", "Not found (404)", "Unreachable",
 * "Rate-limited, gave up", "Server error (503)", "Mapping error".
 * target_platform_name (e.g. "NetSuite") names who rejected it; NULL
 * says "the target". Translated. */
char *sy_sync_result_describe_status (const SySyncResult *r,
                                      const char         *target_platform_name);

G_END_DECLS
