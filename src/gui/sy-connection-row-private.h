/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-connection-row.h"

G_BEGIN_DECLS

SyCertificate *sy_connection_row_get_certificate         (SyConnectionRow    *self);
/* The warning shown ("Certificate expires in 12 days"), or NULL. */
const char    *sy_connection_row_get_certificate_warning (SyConnectionRow    *self);
/* The warning shown under the address, the worst of sign-in expiry,
 * platform sync and certificate, or NULL. */
const char    *sy_connection_row_get_warning             (SyConnectionRow    *self);

G_END_DECLS
