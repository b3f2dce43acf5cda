/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-cli-test-support.h"

G_BEGIN_DECLS

/* What the sync benchmarks share: one `switchyard-cli sync run`, timed
 * from the spawn of the process to its exit, and the check that a run
 * left the target holding the source's orders. */

/* SWITCHYARD_BENCH_QUICK=1: the sizes scaled down for a smoke run. */
gboolean  sy_bench_is_quick                 (void);

typedef struct
{
  int       status;
  double    seconds;      /* from the spawn to the exit */
  glong     max_rss_kib;  /* the child's peak resident set (wait4) */
  gint64    run_id;
  JsonNode *summary;      /* the --json object */
} SyBenchRun;

void      sy_bench_run_clear                (SyBenchRun         *run);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SyBenchRun, sy_bench_run_clear)

/* `sync run MAPPING --json extra_args...` (NULL-terminated) in the
 * fixture's directories, timed, with its peak RSS and its summary. */
void      sy_bench_run_sync                 (SyCliFixture       *cli,
                                             const char         *mapping_path,
                                             const char * const *extra_args,
                                             SyBenchRun         *run);

/* A member of the run's --json summary; fails if it is missing. */
gint64    sy_bench_run_int                  (const SyBenchRun   *run,
                                             const char         *member);

/* The target holds exactly the source's orders: one record for each,
 * carrying its key as the code and its order number (and, with
 * compare_addressee, its shipment addressee), and nothing else. */
void      sy_bench_assert_target_is_source  (SySandboxProcess   *sandbox,
                                             SoupSession        *session,
                                             guint               n_records,
                                             gboolean            compare_addressee);

G_END_DECLS
