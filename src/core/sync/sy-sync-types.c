/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "sy-sync-types.h"

G_DEFINE_QUARK (sy-sync-error-quark, sy_sync_error)

#define DEFAULT_BATCH_SIZE   50
#define DEFAULT_DELAY_MS     0
#define DEFAULT_CONCURRENCY  4
#define DEFAULT_MAX_RPS      0.0
#define DEFAULT_TIMEOUT_S    30
#define DEFAULT_MAX_ATTEMPTS 8

/* The ranges of the GSettings keys (the preferences window), so that a
 * value the CLI accepts can also be kept as a default. Beyond them a value
 * is a typo, not a choice. max_attempts has no key. */
#define DELAY_MS_MAX     60000
#define MAX_RPS_MAX      1000.0
#define TIMEOUT_S_MAX    600
#define MAX_ATTEMPTS_MAX 100

void
sy_sync_options_init (SySyncOptions *options)
{
  g_return_if_fail (options != NULL);

  *options = (SySyncOptions) {
    .batch_size = DEFAULT_BATCH_SIZE,
    .delay_ms = DEFAULT_DELAY_MS,
    .concurrency = DEFAULT_CONCURRENCY,
    .max_rps = DEFAULT_MAX_RPS,
    .timeout_s = DEFAULT_TIMEOUT_S,
    .max_attempts = DEFAULT_MAX_ATTEMPTS,
    .full = FALSE,
    .dry_run = FALSE,
  };
}

gboolean
sy_sync_options_validate (const SySyncOptions  *options,
                          GError              **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;

  g_return_val_if_fail (options != NULL, FALSE);

  if (options->batch_size < 1 || options->batch_size > SY_SYNC_BATCH_SIZE_MAX)
    g_ptr_array_add (problems, g_strdup_printf (_("--batch-size must be between 1 and %d"),
                                                SY_SYNC_BATCH_SIZE_MAX));
  if (options->delay_ms > DELAY_MS_MAX)
    g_ptr_array_add (problems, g_strdup_printf (_("--delay-ms must be between 0 and %d milliseconds"),
                                                DELAY_MS_MAX));
  if (options->concurrency < 1 || options->concurrency > SY_SYNC_CONCURRENCY_MAX)
    g_ptr_array_add (problems, g_strdup_printf (_("--concurrency must be between 1 and %d"),
                                                SY_SYNC_CONCURRENCY_MAX));
  /* The negated comparison also catches NaN. */
  if (!(options->max_rps >= 0.0 && options->max_rps <= MAX_RPS_MAX))
    g_ptr_array_add (problems, g_strdup_printf (_("--max-rps must be between 0 (no limit) and %d"),
                                                (int) MAX_RPS_MAX));
  if (options->timeout_s < 1 || options->timeout_s > TIMEOUT_S_MAX)
    g_ptr_array_add (problems, g_strdup_printf (_("--timeout must be between 1 and %d seconds"),
                                                TIMEOUT_S_MAX));
  if (options->max_attempts < 1 || options->max_attempts > MAX_ATTEMPTS_MAX)
    g_ptr_array_add (problems, g_strdup_printf (_("--max-attempts must be between 1 and %d"),
                                                MAX_ATTEMPTS_MAX));

  if (problems->len == 0)
    return TRUE;

  g_ptr_array_add (problems, NULL);
  /* TRANSLATORS: joins several "--option must be ..." messages */
  joined = g_strjoinv (_("; "), (char **) problems->pdata);
  g_set_error_literal (error, SY_SYNC_ERROR, SY_SYNC_ERROR_INVALID_OPTIONS, joined);
  return FALSE;
}

/* Kept in state.db and printed by the CLI: never translated, never changed. */
static const char * const run_state_names[] = {
  [SY_SYNC_RUN_STATE_RUNNING] = "running",
  [SY_SYNC_RUN_STATE_INTERRUPTED] = "interrupted",
  [SY_SYNC_RUN_STATE_STOPPED] = "stopped",
  [SY_SYNC_RUN_STATE_FAILED] = "failed",
  [SY_SYNC_RUN_STATE_FINISHED] = "finished",
};

const char *
sy_sync_run_state_to_string (SySyncRunState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (run_state_names), NULL);

  return run_state_names[state];
}

gboolean
sy_sync_run_state_from_string (const char     *string,
                               SySyncRunState *state)
{
  g_return_val_if_fail (state != NULL, FALSE);

  if (string == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (run_state_names); i++)
    if (g_str_equal (string, run_state_names[i]))
      {
        *state = (SySyncRunState) i;
        return TRUE;
      }

  return FALSE;
}

const char *
sy_sync_run_state_get_label (SySyncRunState state)
{
  switch (state)
    {
    case SY_SYNC_RUN_STATE_RUNNING:
      /* TRANSLATORS: the state of a sync run */
      return C_("sync run state", "Running");
    case SY_SYNC_RUN_STATE_INTERRUPTED:
      /* TRANSLATORS: the state of a sync run whose process was killed or crashed */
      return C_("sync run state", "Interrupted");
    case SY_SYNC_RUN_STATE_STOPPED:
      /* TRANSLATORS: the state of a sync run the user stopped */
      return C_("sync run state", "Stopped");
    case SY_SYNC_RUN_STATE_FAILED:
      /* TRANSLATORS: the state of a sync run */
      return C_("sync run state", "Failed");
    case SY_SYNC_RUN_STATE_FINISHED:
      /* TRANSLATORS: the state of a sync run */
      return C_("sync run state", "Finished");
    default:
      g_return_val_if_reached (NULL);
    }
}

gboolean
sy_sync_run_state_is_resumable (SySyncRunState state)
{
  return state == SY_SYNC_RUN_STATE_INTERRUPTED ||
         state == SY_SYNC_RUN_STATE_STOPPED ||
         state == SY_SYNC_RUN_STATE_FAILED;
}

static const char * const outcome_names[] = {
  [SY_SYNC_OUTCOME_CREATED] = "created",
  [SY_SYNC_OUTCOME_UPDATED] = "updated",
  [SY_SYNC_OUTCOME_UNCHANGED] = "unchanged",
  [SY_SYNC_OUTCOME_FAILED] = "failed",
  [SY_SYNC_OUTCOME_WOULD_CREATE] = "would-create",
  [SY_SYNC_OUTCOME_WOULD_UPDATE] = "would-update",
};

const char *
sy_sync_outcome_to_string (SySyncOutcome outcome)
{
  g_return_val_if_fail ((guint) outcome < G_N_ELEMENTS (outcome_names), NULL);

  return outcome_names[outcome];
}

gboolean
sy_sync_outcome_from_string (const char    *string,
                             SySyncOutcome *outcome)
{
  g_return_val_if_fail (outcome != NULL, FALSE);

  if (string == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (outcome_names); i++)
    if (g_str_equal (string, outcome_names[i]))
      {
        *outcome = (SySyncOutcome) i;
        return TRUE;
      }

  return FALSE;
}

/* --- SySyncRun -------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (SySyncRun, sy_sync_run, sy_sync_run_copy, sy_sync_run_free)

SySyncRun *
sy_sync_run_new (void)
{
  SySyncRun *run = g_new0 (SySyncRun, 1);

  run->state = SY_SYNC_RUN_STATE_RUNNING;
  sy_sync_options_init (&run->options);
  return run;
}

SySyncRun *
sy_sync_run_copy (const SySyncRun *run)
{
  SySyncRun *copy;

  g_return_val_if_fail (run != NULL, NULL);

  copy = g_new (SySyncRun, 1);
  *copy = *run;
  copy->mapping_name = g_strdup (run->mapping_name);
  copy->mapping_data = g_strdup (run->mapping_data);
  copy->pair = g_strdup (run->pair);
  copy->source_connection = g_strdup (run->source_connection);
  copy->source_entity = g_strdup (run->source_entity);
  copy->target_connection = g_strdup (run->target_connection);
  copy->target_entity = g_strdup (run->target_entity);
  copy->since = g_strdup (run->since);
  copy->checkpoint = g_strdup (run->checkpoint);
  copy->high_water = g_strdup (run->high_water);
  copy->message = g_strdup (run->message);
  copy->cause = g_strdup (run->cause);
  return copy;
}

void
sy_sync_run_free (SySyncRun *run)
{
  if (run == NULL)
    return;

  g_free (run->mapping_name);
  g_free (run->mapping_data);
  g_free (run->pair);
  g_free (run->source_connection);
  g_free (run->source_entity);
  g_free (run->target_connection);
  g_free (run->target_entity);
  g_free (run->since);
  g_free (run->checkpoint);
  g_free (run->high_water);
  g_free (run->message);
  g_free (run->cause);
  g_free (run);
}

guint64
sy_sync_run_get_written (const SySyncRun *run)
{
  g_return_val_if_fail (run != NULL, 0);

  return run->created + run->updated;
}

/* --- SySyncResult ----------------------------------------------------- */

G_DEFINE_BOXED_TYPE (SySyncResult, sy_sync_result, sy_sync_result_copy, sy_sync_result_free)

SySyncResult *
sy_sync_result_new (const char    *source_key,
                    SySyncOutcome  outcome)
{
  SySyncResult *result = g_new0 (SySyncResult, 1);

  result->source_key = g_strdup (source_key);
  result->outcome = outcome;
  return result;
}

SySyncResult *
sy_sync_result_copy (const SySyncResult *result)
{
  SySyncResult *copy;

  g_return_val_if_fail (result != NULL, NULL);

  copy = g_new (SySyncResult, 1);
  *copy = *result;
  copy->source_key = g_strdup (result->source_key);
  copy->target_key = g_strdup (result->target_key);
  copy->payload_hash = g_strdup (result->payload_hash);
  copy->updated_at = g_strdup (result->updated_at);
  copy->message = g_strdup (result->message);
  copy->field_errors = g_strdup (result->field_errors);
  copy->request_id = g_strdup (result->request_id);
  copy->display_value = g_strdup (result->display_value);
  return copy;
}

void
sy_sync_result_free (SySyncResult *result)
{
  if (result == NULL)
    return;

  g_free (result->source_key);
  g_free (result->target_key);
  g_free (result->payload_hash);
  g_free (result->updated_at);
  g_free (result->message);
  g_free (result->field_errors);
  g_free (result->request_id);
  g_free (result->display_value);
  g_free (result);
}

/* A newline cannot occur in a connection id or an entity name, so the
 * joined string names exactly one pair. */
char *
sy_sync_pair_for (const char *source_connection,
                  const char *source_entity,
                  const char *target_connection,
                  const char *target_entity)
{
  g_return_val_if_fail (source_connection != NULL, NULL);
  g_return_val_if_fail (source_entity != NULL, NULL);
  g_return_val_if_fail (target_connection != NULL, NULL);
  g_return_val_if_fail (target_entity != NULL, NULL);

  return g_strjoin ("\n", source_connection, source_entity, target_connection, target_entity, NULL);
}
