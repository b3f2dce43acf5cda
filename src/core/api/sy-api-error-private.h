/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "sy-error.h"

G_BEGIN_DECLS

/* An error answer is read for its message only: the head is enough. */
#define SY_API_MAX_ERROR_BODY (64 * 1024)

/* The request id of an answer from its headers, reduced to the characters
 * ids are made of; NULL when there is none. */
char   *sy_api_header_request_id (SoupMessage *message);

/* Ends message with what the server said and the request id, and makes
 * the SY_API_ERROR of it. */
GError *sy_api_finish_error      (SyApiError   code,
                                  guint        status,
                                  const char  *request_id,
                                  guint        retry_after,
                                  GHashTable  *field_errors,
                                  GString     *message,
                                  const char  *server_message);

/* The SY_API_ERROR for an answer with a failure status to a request for
 * path, described from its status, headers and body (bytes, may be NULL). */
GError *sy_api_status_error      (const char  *path,
                                  SoupMessage *message,
                                  GBytes      *bytes);

G_END_DECLS
