/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-sync"

#include <glib/gi18n.h>

#include "sy-backoff.h"
#include "sy-json.h"
#include "sy-sync-job-private.h"

/* A pair whose key map is empty — state.db was lost, or this is the first
 * run — first adopts what the target already holds: it reads the target's
 * records once and files each under the source key its match field names,
 * so that a run after a lost state.db updates what is there instead of
 * creating it all again. When the match rule does not name the source
 * key, a target value cannot be traced back to a source record; then
 * every create of the run is looked up by its match field before it is
 * sent, as after a lost answer. */

/* Records per page of the target while adopting; one transaction each. */
#define ADOPT_PER_PAGE 100
#define ADOPT_BACKOFF_CAP_MS 10000

static void adopt_next (SySyncJob *self);

static void
adopt_end (SySyncJob *self)
{
  self->adopting = FALSE;
  g_clear_object (&self->adopt_iterator);

  if (self->fatal != NULL || self->cancelled)
    {
      sy_sync_job_pump (self);
      return;
    }
  sy_sync_source_start (self);
}

static void
on_adopted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SySyncJob) self = user_data;
  g_autoptr(GError) error = NULL;

  self->pending_ops--;
  if (!sy_state_store_adopt_keys_finish (SY_STATE_STORE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_prefix_error (&error, _("The records the target already holds could not be noted: "));
          sy_sync_job_set_fatal (self, error);
        }
      adopt_end (self);
      return;
    }

  /* After the last page, the pair is adopted. */
  if (self->cancelled || self->fatal != NULL || sy_page_iterator_is_done (self->adopt_iterator))
    adopt_end (self);
  else
    adopt_next (self);
}

static gboolean
on_adopt_wait_done (gpointer user_data)
{
  SySyncJob *self = user_data;

  self->pending_ops--;
  if (self->cancelled || self->fatal != NULL)
    adopt_end (self);
  else
    adopt_next (self);
  return G_SOURCE_REMOVE;
}

/* Notes the pairs found on a page; the last call (complete) also marks the
 * pair adopted, so that a run stopped halfway adopts again. */
static void
adopt_keys (SySyncJob *self,
            GPtrArray *source_keys,
            GPtrArray *target_keys,
            gboolean   complete)
{
  g_ptr_array_add (source_keys, NULL);
  g_ptr_array_add (target_keys, NULL);
  self->pending_ops++;
  /* Without a cancellable: a page noted whole or not at all. */
  sy_state_store_adopt_keys_async (self->store, self->pair, (const char * const *) source_keys->pdata,
                                   (const char * const *) target_keys->pdata, complete, NULL, on_adopted,
                                   g_object_ref (self));
}

static void
on_adopt_page (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SySyncJob) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) page = NULL;
  g_autoptr(GPtrArray) source_keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) target_keys = g_ptr_array_new_with_free_func (g_free);
  const char *match_field = sy_mapping_get_match_target (self->mapping);

  self->pending_ops--;
  page = sy_page_iterator_next_finish (SY_PAGE_ITERATOR (source), result, &error);
  /* The target's client does not retry while the job runs (the job paces
   * every request): a page that failed on the way is asked for again. */
  if (page == NULL && error != NULL && sy_api_error_is_transient (error) && !self->cancelled &&
      self->fatal == NULL && ++self->adopt_failures < self->options.max_attempts)
    {
      guint delay_ms = sy_backoff_delay_ms (BACKOFF_BASE_MS, self->adopt_failures - 1, ADOPT_BACKOFF_CAP_MS);
      g_autoptr(GSource) wait = g_timeout_source_new (delay_ms);

      g_debug ("Reading the target to adopt it failed (%s), again in %u ms", error->message, delay_ms);
      self->pending_ops++;
      g_source_set_name (wait, "[switchyard] sync adoption retry wait");
      g_source_set_callback (wait, on_adopt_wait_done, g_object_ref (self), g_object_unref);
      g_source_attach (wait, g_main_context_get_thread_default ());
      return;
    }
  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_prefix_error (&error, _("Reading what the target already holds failed: "));
          sy_sync_job_set_fatal (self, error);
        }
      adopt_end (self);
      return;
    }
  if (self->cancelled || self->fatal != NULL)
    {
      adopt_end (self);
      return;
    }

  for (guint i = 0; page != NULL && i < json_array_get_length (page); i++)
    {
      JsonNode *node = json_array_get_element (page, i);
      g_autofree char *value = sy_sync_value_at (node, match_field);
      g_autofree char *key = NULL;

      if (value == NULL || *value == '\0' || !JSON_NODE_HOLDS_OBJECT (node))
        continue;
      key = sy_json_object_dup_text (json_node_get_object (node), "key");
      if (key == NULL || *key == '\0')
        continue;
      g_ptr_array_add (source_keys, g_steal_pointer (&value));
      g_ptr_array_add (target_keys, g_steal_pointer (&key));
    }
  self->adopted += source_keys->len;

  if (page == NULL || sy_page_iterator_is_done (self->adopt_iterator))
    adopt_keys (self, source_keys, target_keys, TRUE);
  else if (source_keys->len > 0)
    adopt_keys (self, source_keys, target_keys, FALSE);
  else
    adopt_next (self);
}

static void
adopt_next (SySyncJob *self)
{
  self->pending_ops++;
  sy_page_iterator_next_async (self->adopt_iterator, self->cancellable, on_adopt_page, g_object_ref (self));
}

void
sy_sync_adopt_start (SySyncJob *self)
{
  if (g_strcmp0 (sy_mapping_get_match_source (self->mapping), "key") != 0)
    {
      self->adopt_by_lookup = TRUE;
      sy_sync_source_start (self);
      return;
    }

  g_debug ("The key map of %s is empty: adopting what the target holds", self->pair);
  self->adopting = TRUE;
  self->adopt_iterator = sy_page_iterator_new (self->target, sy_mapping_get_target_entity (self->mapping),
                                               ADOPT_PER_PAGE);
  adopt_next (self);
}
