/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-automation.h"
#include "sy-connection-store.h"
#include "sy-mapping-library.h"
#include "sy-secret-store.h"
#include "sy-state-store.h"
#include "sy-webhook-receivers.h"

G_BEGIN_DECLS

#define SY_TYPE_APPLICATION (sy_application_get_type ())
G_DECLARE_FINAL_TYPE (SyApplication, sy_application, SY, APPLICATION, AdwApplication)

/* The application: one connection store and one secret store for all its
 * windows, the app.* actions and their shortcuts, and the embedded demo.
 * Construct properties "config-dir", "state-dir" and "demo" (also set by
 * --config-dir, --state-dir and --demo) must be set before startup. */
SyApplication     *sy_application_new                  (void);

SyConnectionStore *sy_application_get_connection_store (SyApplication *self);
/* The "secret-store" property: the keyring, or the demo's in-memory store
 * when the demo found no keyring. */
SySecretStore     *sy_application_get_secret_store     (SyApplication *self);
/* state.db in the state directory, or NULL when it could not be opened. */
SyStateStore      *sy_application_get_state_store      (SyApplication *self);
/* The application's running webhook receivers (they outlive the pages and
 * windows that start them; stopped at shutdown), or NULL without state.db. */
SyWebhookReceivers *sy_application_get_webhook_receivers (SyApplication *self);
const char        *sy_application_get_config_dir       (SyApplication *self);
const char        *sy_application_get_state_dir        (SyApplication *self);
gboolean           sy_application_get_demo_mode        (SyApplication *self);
/* The "automation" property: runs the mappings of the configuration's
 * mappings/ folder on their schedules and on changes (what `switchyard-cli
 * serve` does), for the application's lifetime, on the real clock. NULL
 * before startup, when state.db could not be opened, and while a reload
 * waits for the old one to stop (a change told then is not acted on: the
 * new one's start runs what came due). Saving a mapping
 * in the editor reloads the mappings into a new one (the running runs stop
 * after their batch and resume in it): look it up when needed, or follow
 * notify::automation, rather than keeping it. */
SyAutomation      *sy_application_get_automation       (SyApplication *self);
/* The configuration's mappings/ folder as a list model, for every view
 * (sidebar, removal dialog); created on first use, after startup. */
SyMappingLibrary  *sy_application_get_mapping_library  (SyApplication *self);
/* Why connections.json could not be loaded at startup, or NULL. */
const GError      *sy_application_get_load_error       (SyApplication *self);

G_END_DECLS
