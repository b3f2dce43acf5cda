/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the stages of a sync job share: the job (sy-sync-job.c: batches,
 * commits, start and end), its source (sy-sync-source.c: keyset paging,
 * fetching the keys a retry reads), its records (sy-sync-record.c:
 * mapping, payload hash, outcomes) and its writer (sy-sync-writer.c:
 * sending, looking up lost creates, the failure policy, backoff). Every
 * stage runs on the job's main context; none of this is API. */

#include <json-glib/json-glib.h>

#include "sy-catalogue.h"
#include "sy-page-iterator.h"
#include "sy-rate-limiter.h"
#include "sy-sync-job.h"
#include "sy-sync-progress-private.h"

G_BEGIN_DECLS

#define SOURCE_PER_PAGE 100
/* Pages held at once: the one being cut into batches and the next. */
#define MAX_PAGES 2
#define BACKOFF_BASE_MS 250
/* Failures of source records without a key are kept under this prefix
 * and a hash of the record. */
#define SY_SYNC_KEYLESS_PREFIX "(no key) "

/* Where the source listing stands, for keyset paging: page numbers shift
 * when a record read earlier is edited meanwhile (it moves to the end of
 * the updatedAt order) and the record that slid onto the page already
 * read would be missed. So after each page the listing starts again from
 * the last updatedAt read (gteq), passing over the records of that same
 * instant already handed out. Only a page whose records all share one
 * instant goes on by page number. */
typedef struct
{
  char       *boundary;        /* the latest updatedAt handed out */
  GHashTable *boundary_keys;   /* keys handed out at that instant */
  gboolean    single_instant;  /* the last page's records all share one updatedAt */
  gboolean    disabled;        /* a record without key or updatedAt: no place in the order */
  GHashTable *repeated;        /* key → updatedAt listed more than once in one page, or NULL */
  /* What the listing was asked for, to check that the server honours it:
   * records from lower on (inclusive or not), sorted by updatedAt. */
  char       *lower;
  gboolean    lower_inclusive;
  /* Where the run reads from: what is left when the server is not to be
   * trusted with the filter and the order is filtered here. */
  char       *floor;
  gboolean    floor_inclusive;
  /* The server answered records outside the filter or out of order: the
   * listing is walked whole, page by page, and filtered here. */
  gboolean    untrusted;
} SySyncKeyset;

void            sy_sync_keyset_init            (SySyncKeyset *keyset);
void            sy_sync_keyset_clear           (SySyncKeyset *keyset);
/* The records of page (consumed) not handed out before, in order. */
JsonArray      *sy_sync_keyset_filter_page     (SySyncKeyset *keyset,
                                                JsonArray    *page);
/* Whether the listing should start again from the boundary (gteq); then
 * what it asks for is noted. */
gboolean        sy_sync_keyset_should_restart  (SySyncKeyset *keyset);
void            sy_sync_keyset_restarted       (SySyncKeyset *keyset);
/* The first listing asks for records after (or from) floor; NULL: all. */
void            sy_sync_keyset_set_floor       (SySyncKeyset *keyset,
                                                const char   *floor,
                                                gboolean      inclusive);

/* What a failed request of a record leads to. */
typedef enum
{
  SY_SYNC_RETRY_ABANDON,  /* cancelled: the record stops without an outcome */
  SY_SYNC_RETRY_FATAL,    /* every other record would fail the same way (401, 403): the run fails */
  SY_SYNC_RETRY_PACED,    /* 429: the server paces us; again after Retry-After, not an attempt */
  SY_SYNC_RETRY_BACKOFF,  /* transient: again after a backoff, while attempts last */
  SY_SYNC_RETRY_FAIL,     /* the record fails with this error */
} SySyncRetryAction;

/* was_create: the request was a create, or the lookup of one. Sets
 * *may_have_arrived when a create may have been made although no usable
 * answer came, so that it must be looked up before it is sent again. */
SySyncRetryAction sy_sync_classify_failure     (const GError *error,
                                                gboolean      was_create,
                                                gboolean     *may_have_arrived);

typedef enum
{
  MODE_NEW,
  MODE_RESUME,
  MODE_RETRY,
} JobMode;

typedef enum
{
  ACTION_NONE,
  ACTION_CREATE,
  ACTION_UPDATE,
} Action;

typedef enum
{
  BATCH_PREPARING,    /* mapped; waiting for the store's lookup and the in-flight mark */
  BATCH_DISPATCHING,
  BATCH_COMMITTING,
} BatchPhase;

typedef struct _Batch Batch;

typedef struct
{
  Batch        *batch;
  char         *source_key;
  char         *updated_at;
  JsonNode     *payload;
  char         *payload_hash;
  char         *match_value;
  char         *target_key;
  Action        action;
  gboolean      look_up_first;   /* the create may have reached the target */
  gboolean      adopt_lookup;    /* looked up because the key map was empty: found, it is updated */
  gboolean      missing;         /* retry: the source no longer has it */
  gboolean      keyless;         /* no key in the source: source_key is made up */
  char         *display_value;   /* SySyncResult.display_value */
  guint         attempts;        /* writes sent */
  guint         failed_lookups;
  guint         rate_limited;
  GSource      *wait_source;
  SyPageIterator *lookup;        /* the search for a create that may have arrived */
  SySyncResult *result;
} Record;

struct _Batch
{
  SySyncJob  *job;
  GPtrArray  *records;       /* Record */
  BatchPhase  phase;
  guint       next;          /* next record to dispatch */
  guint       n_unfinished;
  char       *checkpoint;    /* the largest updatedAt of this batch and all before */
};

typedef struct
{
  char    **keys;
  guint     n_keys;
  JsonNode **slots;
  guint     next;
  guint     n_pending;
  guint     n_done;
} KeyFetch;

struct _SySyncJob
{
  GObject          parent_instance;

  SyStateStore    *store;
  SyMapping       *mapping;
  SyConnectionStore *connections;  /* for the safety check, or NULL */
  char            *mapping_data;
  char            *cause;
  SyCatalogue     *catalogue;
  SyApiClient     *source;
  SyApiClient     *target;
  SySyncOptions    options;
  SySyncProgress  *progress;
  SyRateLimiter   *limiter;

  JobMode          mode;
  SySyncRun       *run;            /* as last loaded from the store */
  gint64           run_id;
  gint64           failed_run_id;  /* retry */
  char            *pair;
  char            *source_path;
  char            *target_path;
  SySyncLock      *lock;

  GTask           *task;
  GCancellable    *cancellable;    /* ours: aborts everything in flight */
  GSource         *user_cancel_source;

  /* Source. */
  SyPageIterator  *iterator;
  SySyncKeyset     keyset;
  /* Adoption (an empty key map): reading the target first. */
  gboolean         adopting;
  gboolean         adopt_by_lookup;  /* the match rule names no source key: creates are looked up */
  SyPageIterator  *adopt_iterator;
  guint64          adopted;
  guint            adopt_failures;
  gboolean         walking_whole;  /* the server ignores filter or order: every page, filtered here */
  GQueue           pages;          /* JsonArray, head being consumed */
  guint            page_pos;
  gboolean         page_pending;
  gboolean         source_done;
  GPtrArray       *retry_keys;
  guint            retry_pos;
  KeyFetch        *key_fetch;
  GHashTable      *missing_keys;
  /* Retry: source key → SySyncResult of the failed run's failure, so
   * that a refusal whose payload has not changed is not sent again. */
  GHashTable      *previous_failures;
  GHashTable      *open_keys;      /* source keys of the open batches */
  gint64           base_total;     /* records committed before this attempt */

  /* Writes. */
  GQueue           batches;        /* Batch, in source order */
  guint            in_flight;
  guint            pending_ops;    /* store operations whose answer is awaited */
  gboolean         committing;
  GSource         *delay_source;
  char            *high_water;     /* the largest updatedAt read */
  char            *checkpoint;     /* the last committed one */
  guint64          live_read;      /* read in batches not committed yet */

  gboolean         started;
  gboolean         paused;
  gboolean         stopping;
  gboolean         cancelled;
  gboolean         ending;
  GError          *fatal;
};

/* --- job (sy-sync-job.c) ---------------------------------------------- */

void            sy_sync_job_pump               (SySyncJob    *self);
void            sy_sync_job_set_fatal          (SySyncJob    *self,
                                                const GError *error);
SySyncJobState  sy_sync_job_running_state      (SySyncJob    *self);
void            sy_sync_job_update_counts      (SySyncJob    *self);
void            sy_sync_batch_free             (Batch        *batch);

/* --- adoption (sy-sync-adopt.c) --------------------------------------- */

/* Adopts the target's records into the empty key map, then starts the
 * source. */
void            sy_sync_adopt_start            (SySyncJob    *self);

/* --- source (sy-sync-source.c) ---------------------------------------- */

void            sy_sync_source_start           (SySyncJob    *self);
void            sy_sync_source_request_pages   (SySyncJob    *self);
guint           sy_sync_source_records_available (SySyncJob  *self);
JsonObject     *sy_sync_source_take_record     (SySyncJob    *self);
gboolean        sy_sync_source_next_is_open    (SySyncJob    *self);
void            sy_sync_key_fetch_free         (KeyFetch     *fetch);

/* --- records (sy-sync-record.c) --------------------------------------- */

Record         *sy_sync_record_new             (SySyncJob    *self,
                                                Batch        *batch,
                                                JsonObject   *source);
void            sy_sync_record_free            (Record       *record);
SySyncResult   *sy_sync_record_failed_result   (Record       *record,
                                                guint         status,
                                                const char   *message);
SySyncResult   *sy_sync_record_outcome_result  (Record       *record,
                                                SySyncOutcome outcome);
SySyncResult   *sy_sync_record_result_from_error (Record     *record,
                                                const GError *error);
/* SHA-256 of the payload in a canonical form: the same payload always
 * gives the same hash, whatever order its members were set in. */
char           *sy_sync_payload_hash           (JsonNode     *payload);
/* The text at a dotted path ("code", "address.city") of a record. */
char           *sy_sync_value_at               (JsonNode     *record,
                                                const char   *path);
gboolean        sy_sync_time_is_later          (const char   *a,
                                                const char   *b);
void            sy_sync_replace_str            (char        **pointer,
                                                const char   *value);

/* --- writer (sy-sync-writer.c) ---------------------------------------- */

void            sy_sync_writer_dispatch        (SySyncJob    *self);
void            sy_sync_writer_abandon_waiting (SySyncJob    *self);
void            sy_sync_record_step            (Record       *record);

G_END_DECLS
