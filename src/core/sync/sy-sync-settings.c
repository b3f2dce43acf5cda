/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-connection.h"
#include "sy-sync-settings.h"
#include "sy-sync-types.h"

GSettings *
sy_settings_new_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* No schema source at all when no schema directory exists anywhere. */
  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    return NULL;

  return g_settings_new_full (schema, NULL, NULL);
}

void
sy_sync_options_init_from_settings (SySyncOptions *options)
{
  g_autoptr(GSettings) settings = NULL;

  g_return_if_fail (options != NULL);

  sy_sync_options_init (options);

  settings = sy_settings_new_if_installed ();
  if (settings == NULL)
    return;

  /* The schema's ranges match the engine's, but a schema of an older or
   * newer version may not: keep within what the engine accepts. */
  options->batch_size = CLAMP (g_settings_get_uint (settings, "sync-batch-size"), 1, SY_SYNC_BATCH_SIZE_MAX);
  options->delay_ms = g_settings_get_uint (settings, "sync-delay-ms");
  options->concurrency = CLAMP (g_settings_get_uint (settings, "sync-concurrency"), 1, SY_SYNC_CONCURRENCY_MAX);
  options->max_rps = MAX (g_settings_get_double (settings, "sync-max-rps"), 0.0);
  options->timeout_s = MAX (g_settings_get_uint (settings, "request-timeout"), 1);
}

char *
sy_settings_get_default_base_url (void)
{
  g_autoptr(GSettings) settings = sy_settings_new_if_installed ();
  g_autofree char *url = NULL;

  if (settings != NULL)
    url = g_strstrip (g_settings_get_string (settings, "default-base-url"));
  if (url == NULL || *url == '\0')
    return g_strdup (SY_DEFAULT_BASE_URL);

  return g_steal_pointer (&url);
}

guint
sy_settings_get_request_timeout (void)
{
  SySyncOptions options;

  sy_sync_options_init_from_settings (&options);
  return options.timeout_s;
}
