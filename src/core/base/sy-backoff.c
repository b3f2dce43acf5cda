/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-backoff.h"

guint
sy_backoff_delay_ms (guint base_ms,
                     guint retry_index,
                     guint cap_ms)
{
  /* The shift stops well before base_ms could overflow 64 bits. */
  guint64 ceiling = (guint64) base_ms << MIN (retry_index, 20);

  ceiling = MIN (ceiling, (guint64) cap_ms);
  if (ceiling < 2)
    return (guint) ceiling;

  /* Equal jitter: at least half the step, so that retries do spread out,
   * and a random other half, so that clients do not retry in lockstep. */
  return (guint) (ceiling / 2 + g_random_int_range (0, (gint32) MIN (ceiling / 2, (guint64) G_MAXINT32 - 1) + 1));
}
