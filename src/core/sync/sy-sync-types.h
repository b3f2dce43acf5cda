/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The plain data of the sync engine (docs/architecture.md §6), shared by the state
 * store that keeps it, the job that produces it, and the CLI and GUI that
 * show it. */

/* The sync engine's own failures; what the API or state.db report keeps
 * its own domain (SY_API_ERROR, G_IO_ERROR), with context prefixed. */
#define SY_SYNC_ERROR (sy_sync_error_quark ())

typedef enum
{
  SY_SYNC_ERROR_PAIR_BUSY,        /* another process or job syncs this source into this target */
  SY_SYNC_ERROR_NO_SUCH_RUN,
  SY_SYNC_ERROR_NOT_RESUMABLE,    /* finished, or its kept mapping no longer fits */
  SY_SYNC_ERROR_INVALID_MAPPING,  /* the mapping cannot be synced (no match rule, unknown entity) */
  SY_SYNC_ERROR_INVALID_OPTIONS,  /* an option out of range */
  SY_SYNC_ERROR_INVALID_RESULT,   /* a result the store cannot keep (a bug, not the user's) */
  SY_SYNC_ERROR_ALREADY_RAN,      /* a job runs once */
  SY_SYNC_ERROR_UNSAFE_MAPPING,   /* a connection it names is missing, or source and target are the same (sy-sync-check.h) */
} SySyncError;

GQuark sy_sync_error_quark (void);

#define SY_SYNC_BATCH_SIZE_MAX  100
#define SY_SYNC_CONCURRENCY_MAX 32

/* How a run writes. Copy it by value. */
typedef struct
{
  guint    batch_size;    /* records per committed batch, 1..100 (default 50) */
  guint    delay_ms;      /* pause between batches (default 0) */
  guint    concurrency;   /* writes in flight, 1..32 (default 4) */
  double   max_rps;       /* requests per second to the target, 0 = no limit */
  guint    timeout_s;     /* per request (default 30) */
  guint    max_attempts;  /* writes per record, the first one included (default 8) */
  gboolean full;          /* read everything, not only what changed since the last run */
  gboolean dry_run;       /* compute every write, send none */
} SySyncOptions;

/* Built-in defaults. */
void      sy_sync_options_init                (SySyncOptions       *options);
/* The user's defaults from GSettings (the preferences window) where the
 * schema is installed, else the built-in ones. full and dry_run are FALSE. */
void      sy_sync_options_init_from_settings  (SySyncOptions       *options);
/* Every value out of range, in one message naming the option
 * ("--batch-size must be between 1 and 100"). SY_SYNC_ERROR_INVALID_OPTIONS. */
gboolean  sy_sync_options_validate            (const SySyncOptions *options,
                                               GError             **error);

typedef enum
{
  SY_SYNC_RUN_STATE_RUNNING,      /* a process is working on it now */
  SY_SYNC_RUN_STATE_INTERRUPTED,  /* marked running, but no process holds it: killed or crashed */
  SY_SYNC_RUN_STATE_STOPPED,      /* stopped by the user (Ctrl-C, Stop) */
  SY_SYNC_RUN_STATE_FAILED,       /* ended by an error that stops every record (401, unreachable) */
  SY_SYNC_RUN_STATE_FINISHED,     /* every record read has an outcome */
} SySyncRunState;

/* "running", "interrupted", ... as kept in state.db and printed by the CLI
 * (--json); and a translated word for people. */
const char     *sy_sync_run_state_to_string   (SySyncRunState  state);
gboolean        sy_sync_run_state_from_string (const char     *string,
                                               SySyncRunState *state);
const char     *sy_sync_run_state_get_label   (SySyncRunState  state);
/* Whether `sync resume` can continue it: interrupted, stopped or failed. */
gboolean        sy_sync_run_state_is_resumable (SySyncRunState state);

typedef enum
{
  SY_SYNC_OUTCOME_CREATED,
  SY_SYNC_OUTCOME_UPDATED,
  SY_SYNC_OUTCOME_UNCHANGED,     /* the target already holds this payload: nothing sent ("skipped") */
  SY_SYNC_OUTCOME_FAILED,
  SY_SYNC_OUTCOME_WOULD_CREATE,  /* dry run */
  SY_SYNC_OUTCOME_WOULD_UPDATE,  /* dry run */
} SySyncOutcome;

const char     *sy_sync_outcome_to_string     (SySyncOutcome   outcome);
gboolean        sy_sync_outcome_from_string   (const char     *string,
                                               SySyncOutcome  *outcome);

/* One run, as state.db keeps it. Counts are of distinct source records. */
typedef struct
{
  gint64          id;
  SySyncRunState  state;
  char           *mapping_name;
  char           *mapping_data;       /* the mapping file's JSON when the run started: resume uses it */
  char           *pair;               /* sy_sync_pair_for() of the four below */
  char           *source_connection;
  char           *source_entity;
  char           *target_connection;
  char           *target_entity;
  gint64          retry_of;           /* the run whose failed records this one retries, or 0 */
  SySyncOptions   options;
  gint64          started_at;         /* Unix seconds */
  gint64          finished_at;        /* 0 while not finished */
  guint64         read;
  guint64         created;
  guint64         updated;
  guint64         failed;
  guint64         skipped;
  char           *since;              /* the updatedAt the run read from (exclusive); NULL: full */
  char           *checkpoint;         /* the largest updatedAt of a committed record; NULL: none yet */
  char           *high_water;         /* the largest updatedAt read; the next incremental run starts there */
  char           *message;            /* why it failed or stopped, or NULL */
  char           *cause;              /* "scheduled", "webhook", or NULL when a person started it */
} SySyncRun;

#define SY_TYPE_SYNC_RUN (sy_sync_run_get_type ())
GType       sy_sync_run_get_type   (void) G_GNUC_CONST;
SySyncRun  *sy_sync_run_new        (void);
SySyncRun  *sy_sync_run_copy       (const SySyncRun *run);
void        sy_sync_run_free       (SySyncRun       *run);
guint64     sy_sync_run_get_written (const SySyncRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySyncRun, sy_sync_run_free)

/* What happened to one source record in one run: committed with its
 * batch, listed by `sync errors` when it failed. */
typedef struct
{
  char          *source_key;
  SySyncOutcome  outcome;
  char          *target_key;     /* created, updated, unchanged, would-update */
  char          *payload_hash;   /* SHA-256 of the payload sent; unchanged payloads are skipped */
  char          *updated_at;     /* the source record's updatedAt */
  /* Failures: */
  guint          status;         /* HTTP status, 0 when no answer (network, mapping) */
  char          *message;        /* the server's message, or ours */
  char          *field_errors;   /* JSON object {"field": ["message", ...]}, or NULL */
  char          *request_id;
  guint          attempts;
  gint64         at;             /* Unix seconds */
  /* What a person knows the record by: the source value of the mapping's
   * match field, or (when that is the source key itself) of the first
   * required rule's source field, when it is text or a number; else NULL.
   * Show display_value ?: source_key. */
  char          *display_value;
} SySyncResult;

#define SY_TYPE_SYNC_RESULT (sy_sync_result_get_type ())
GType          sy_sync_result_get_type (void) G_GNUC_CONST;
SySyncResult  *sy_sync_result_new      (const char         *source_key,
                                        SySyncOutcome       outcome);
SySyncResult  *sy_sync_result_copy     (const SySyncResult *result);
void           sy_sync_result_free     (SySyncResult       *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SySyncResult, sy_sync_result_free)

/* The identity of "this source into this target" that the key map and the
 * incremental high-water mark belong to, and that only one process may
 * sync at a time. */
char       *sy_sync_pair_for       (const char *source_connection,
                                    const char *source_entity,
                                    const char *target_connection,
                                    const char *target_entity);

G_END_DECLS
