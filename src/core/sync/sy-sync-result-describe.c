/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-sync-result-describe.h"

char *
sy_sync_result_describe_status (const SySyncResult *r,
                                const char         *target_platform_name)
{
  guint status;

  g_return_val_if_fail (r != NULL, NULL);

  status = r->status;
  if (status == 0)
    {
      /* No answer: either nothing was sent (the mapping or the source
       * record could not make a payload) or every attempt went unanswered. */
      if (r->attempts == 0)
        return g_strdup (_("Mapping error"));
      return g_strdup (_("Unreachable"));
    }
  if (status == 429)
    return g_strdup (_("Rate-limited, gave up"));
  if (status == 404)
    /* Translators: %u is an HTTP status (404) */
    return g_strdup_printf (_("Not found (%u)"), status);
  if (status == 401 || status == 403)
    /* Translators: %u is an HTTP status (401 or 403) */
    return g_strdup_printf (_("Access refused (%u)"), status);
  if (status == 408 || status == 504)
    /* Translators: %u is an HTTP status (408 or 504) */
    return g_strdup_printf (_("Timed out (%u)"), status);
  if (status >= 400 && status < 500)
    {
      if (target_platform_name != NULL && *target_platform_name != '\0')
        /* Translators: %s is a platform ("NetSuite"), %u an HTTP status (422) */
        return g_strdup_printf (_("Rejected by %s (%u)"), target_platform_name, status);
      /* Translators: %u is an HTTP status (422) */
      return g_strdup_printf (_("Rejected by the target (%u)"), status);
    }
  if (status >= 500 && status < 600)
    /* Translators: %u is an HTTP status (503) */
    return g_strdup_printf (_("Server error (%u)"), status);
  /* Translators: %u is an HTTP status */
  return g_strdup_printf (_("Failed (%u)"), status);
}
