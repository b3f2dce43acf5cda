/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Not for the rest of the application: what only the widget's own files
 * and the tests call. */

#include "sy-sync-failure-list.h"

G_BEGIN_DECLS

/* The list's model and view. */

/* A GListModel of SySyncFailureItem. */
GListModel *sy_sync_failure_list_get_model    (SySyncFailureList  *self);

G_END_DECLS
