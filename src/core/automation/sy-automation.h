/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sy-clock.h"
#include "sy-connection-store.h"
#include "sy-mapping.h"
#include "sy-secret-store.h"
#include "sy-state-store.h"
#include "sy-sync-types.h"

G_BEGIN_DECLS

#define SY_TYPE_AUTOMATION (sy_automation_get_type ())
G_DECLARE_FINAL_TYPE (SyAutomation, sy_automation, SY, AUTOMATION, GObject)

/* Runs mappings without a person (docs/architecture.md §6): on their
 * schedule (the mapping file's "automation" member) and when a verified
 * webhook event says their source changed. Every run is an incremental
 * SySyncJob of the mapping, with the connections' tokens from the keyring,
 * recorded with its cause ("scheduled", "webhook").
 *
 * At most one run per mapping at a time: a run asked for while one runs
 * (a schedule coming due, any number of changes) is queued once and
 * starts when the running one ends, and picks up everything changed.
 *
 * Schedules: "every_minutes" counts from the start of the pair's last run;
 * "at" times are local times of the clock's time zone (daylight saving
 * time included: a time that does not exist that day comes when the clock
 * has moved past it). A mapping with a schedule that never ran runs at
 * start, as does one whose schedule came due while nothing ran it.
 *
 * Signals (on the main context):
 *  "run-started"  (SyMapping *mapping, const char *cause, gint64 resumed):
 *                  resumed is the id of the run it resumes, or 0 for a new one
 *  "run-queued"   (SyMapping *mapping, const char *cause): asked for while
 *                  one runs; emitted once per queued run, not per request
 *  "run-finished" (SyMapping *mapping, const char *cause, SySyncRun *run
 *                  or NULL when none was created, GError *error or NULL) */
SyAutomation *sy_automation_new                (SyStateStore        *state,
                                                SyConnectionStore   *connections,
                                                SySecretStore       *secrets,
                                                SyClock             *clock);
/* Before start. The mapping is kept as it is now. */
void          sy_automation_add_mapping        (SyAutomation        *self,
                                                SyMapping           *mapping);
/* How new runs write (default: the preferences). Before start. */
void          sy_automation_set_sync_options   (SyAutomation        *self,
                                                const SySyncOptions *options);

/* Reads each mapping's last run, resumes the runs of a cause that a stop
 * or a crash interrupted, starts the runs that are due (or were asked for
 * before, or that an accepted webhook event stored since the last run
 * calls for, "on_changes"), and arms the schedules. Fails, starting nothing, when state.db
 * cannot list the runs. */
void          sy_automation_start_async        (SyAutomation        *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      sy_automation_start_finish       (SyAutomation        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

/* A verified change of entity in connection_name: runs (or queues a run
 * of) each mapping from there whose automation has "on_changes". */
void          sy_automation_notify_change      (SyAutomation        *self,
                                                const char          *connection_name,
                                                const char          *entity);
/* The same for the webhook event kept in state.db as event_row (its row
 * in webhook_events): once the run that reads the change ends, the event
 * is marked with what it started ("sync run 12"). */
void          sy_automation_notify_event       (SyAutomation        *self,
                                                const char          *connection_name,
                                                const char          *entity,
                                                gint64               event_row);
/* Runs (or queues a run of) a mapping added before, with that cause. */
void          sy_automation_request_run        (SyAutomation        *self,
                                                SyMapping           *mapping,
                                                const char          *cause);

/* No run starts any more; the running ones stop after the batch in flight
 * (resumable: the next start resumes them). Finishes when none runs. A
 * second call cancels the requests in flight. */
void          sy_automation_stop_async         (SyAutomation        *self,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      sy_automation_stop_finish        (SyAutomation        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

/* Mappings with a run going (or opening its connections) now. */
guint         sy_automation_get_n_running      (SyAutomation        *self);
/* When the mapping's schedule next comes due, or NULL (no schedule, or a
 * run of it is queued). */
GDateTime    *sy_automation_dup_next_due       (SyAutomation        *self,
                                                SyMapping           *mapping);

G_END_DECLS
