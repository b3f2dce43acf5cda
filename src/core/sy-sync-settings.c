/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-sync-types.h"

/* Placeholder until the preferences land: the built-in defaults. */
void
sy_sync_options_init_from_settings (SySyncOptions *options)
{
  g_return_if_fail (options != NULL);

  sy_sync_options_init (options);
}
