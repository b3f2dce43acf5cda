/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-sync-failure-item.h"
#include "sy-sync-types.h"

G_BEGIN_DECLS

#define SY_TYPE_SYNC_FAILURE_LIST (sy_sync_failure_list_get_type ())
G_DECLARE_FINAL_TYPE (SySyncFailureList, sy_sync_failure_list, SY, SYNC_FAILURE_LIST, AdwBin)

/* The failed records of a sync run, one row each (what the record is
 * known by; its readable status and reason), and a detail pane for the
 * selected one: the whole reason, the server's field errors, the request
 * id with a Copy button. Properties: "target-platform-name" (who rejects:
 * "NetSuite"), "selected-item" (SySyncFailureItem or NULL). Records added one by one (a running job's
 * "record-failed") reach the model in batches a few times a second, so a
 * run that fails thousands of records does not rebuild rows for each. */
GtkWidget  *sy_sync_failure_list_new          (void);

void        sy_sync_failure_list_clear        (SySyncFailureList  *self);
/* Queued; shown within a fraction of a second. */
void        sy_sync_failure_list_add          (SySyncFailureList  *self,
                                               const SySyncResult *result);
/* A page of SySyncResult (as the state store lists them), shown at once. */
void        sy_sync_failure_list_add_page     (SySyncFailureList  *self,
                                               GPtrArray          *results);
/* Shows what is queued now. */
void        sy_sync_failure_list_flush        (SySyncFailureList  *self);

void        sy_sync_failure_list_set_target_platform_name (SySyncFailureList *self,
                                                           const char        *name);

/* Items shown plus those queued. */
guint       sy_sync_failure_list_get_n_items  (SySyncFailureList  *self);

G_END_DECLS
