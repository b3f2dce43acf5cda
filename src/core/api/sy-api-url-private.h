/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A SY_API_ERROR_INVALID_URL error with message. */
GError *sy_api_invalid_url_error (const char  *message);

/* base_url parsed and normalised for use as the client's base: http or
 * https, a host, no user info, query or fragment, no trailing slash. */
GUri   *sy_api_parse_base_url    (const char  *base_url,
                                  GError     **error);

G_END_DECLS
