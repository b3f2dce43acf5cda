/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How long to wait before retry number retry_index (0 for the first
 * retry): base_ms doubled per retry, at most cap_ms, with equal jitter. */
guint sy_backoff_delay_ms (guint base_ms,
                           guint retry_index,
                           guint cap_ms);

G_END_DECLS
