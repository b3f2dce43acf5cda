/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The preferences the GUI's preferences window writes and the CLI reads
 * (sy_sync_options_init_from_settings() in sy-sync-types.h covers the
 * sync defaults). Each falls back to the built-in value when the schema
 * is not installed, as when running from the build tree. */

/* The application's GSettings, or NULL when its schema is not installed:
 * g_settings_new() would abort then. */
GSettings *sy_settings_new_if_installed       (void);

/* The base URL new connections start with: the default-base-url key, or
 * SY_DEFAULT_BASE_URL. Never NULL or empty. */
char      *sy_settings_get_default_base_url   (void);

/* Seconds to wait for one request: the request-timeout key, or 30. */
guint      sy_settings_get_request_timeout    (void);

G_END_DECLS
