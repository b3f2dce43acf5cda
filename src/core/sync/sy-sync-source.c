/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-sync"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-json.h"
#include "sy-sync-job-private.h"

void
sy_sync_key_fetch_free (KeyFetch *fetch)
{
  for (guint i = 0; i < fetch->n_keys; i++)
    g_clear_pointer (&fetch->slots[i], json_node_unref);
  g_free (fetch->slots);
  g_free (fetch->keys);
  g_free (fetch);
}

/* --- source ----------------------------------------------------------- */

void
sy_sync_keyset_init (SySyncKeyset *keyset)
{
  memset (keyset, 0, sizeof *keyset);
  keyset->boundary_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
sy_sync_keyset_clear (SySyncKeyset *keyset)
{
  g_clear_pointer (&keyset->boundary, g_free);
  g_clear_pointer (&keyset->boundary_keys, g_hash_table_unref);
  g_clear_pointer (&keyset->repeated, g_hash_table_unref);
  g_clear_pointer (&keyset->lower, g_free);
  g_clear_pointer (&keyset->floor, g_free);
}

void
sy_sync_keyset_set_floor (SySyncKeyset *keyset,
                          const char   *floor,
                          gboolean      inclusive)
{
  sy_sync_replace_str (&keyset->floor, floor);
  keyset->floor_inclusive = inclusive;
  sy_sync_replace_str (&keyset->lower, floor);
  keyset->lower_inclusive = inclusive;
}

static gboolean
below (const char *updated_at,
       const char *bound,
       gboolean    inclusive)
{
  int order;

  if (bound == NULL)
    return FALSE;
  order = strcmp (updated_at, bound);
  return order < 0 || (order == 0 && !inclusive);
}

JsonArray *
sy_sync_keyset_filter_page (SySyncKeyset *keyset,
                            JsonArray    *page)
{
  JsonArray *kept = json_array_sized_new (json_array_get_length (page));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gboolean single_instant = TRUE;
  g_autofree char *first = NULL;
  g_autofree char *previous = NULL;

  for (guint i = 0; i < json_array_get_length (page); i++)
    {
      JsonNode *node = json_array_get_element (page, i);
      JsonObject *record = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autofree char *key = sy_json_object_dup_text (record, "key");
      g_autofree char *updated_at = sy_json_object_dup_text (record, "updatedAt");

      if (key == NULL || *key == '\0' || updated_at == NULL)
        {
          keyset->disabled = TRUE;
          json_array_add_element (kept, json_node_ref (node));
          continue;
        }

      /* A record outside what was asked for, or before the one it
       * follows: the server does not honour the filter or the order, and
       * paging from the last updatedAt read would never end or would skip
       * records. */
      if (!keyset->untrusted &&
          (below (updated_at, keyset->lower, keyset->lower_inclusive) ||
           (previous != NULL && strcmp (updated_at, previous) < 0)))
        {
          g_debug ("The source does not honour the updatedAt filter or order (%s after %s, asked from %s): reading it whole",
                   updated_at, previous ? previous : "-", keyset->lower ? keyset->lower : "-");
          keyset->untrusted = TRUE;
        }
      sy_sync_replace_str (&previous, updated_at);

      if (keyset->untrusted)
        {
          /* What the filter would have left; records met again are
           * passed over by the run's own results. */
          if (!below (updated_at, keyset->floor, keyset->floor_inclusive))
            json_array_add_element (kept, json_node_ref (node));
          continue;
        }

      /* The same record twice in one answer: a server that cannot keep
       * its order. Both copies fail, saying so, rather than one of them
       * silently winning. */
      if (g_strcmp0 (g_hash_table_lookup (seen, key), updated_at) == 0)
        {
          if (keyset->repeated == NULL)
            keyset->repeated = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_replace (keyset->repeated, g_strdup (key), g_strdup (updated_at));
          json_array_add_element (kept, json_node_ref (node));
          continue;
        }
      g_hash_table_replace (seen, g_strdup (key), g_strdup (updated_at));

      if (first == NULL)
        first = g_strdup (updated_at);
      else if (strcmp (first, updated_at) != 0)
        single_instant = FALSE;

      if (g_strcmp0 (updated_at, keyset->boundary) == 0)
        {
          if (g_hash_table_contains (keyset->boundary_keys, key))
            continue;
        }
      else if (sy_sync_time_is_later (updated_at, keyset->boundary))
        {
          sy_sync_replace_str (&keyset->boundary, updated_at);
          g_hash_table_remove_all (keyset->boundary_keys);
        }
      g_hash_table_add (keyset->boundary_keys, g_steal_pointer (&key));
      json_array_add_element (kept, json_node_ref (node));
    }

  keyset->single_instant = single_instant;
  json_array_unref (page);
  return kept;
}

gboolean
sy_sync_keyset_should_restart (SySyncKeyset *keyset)
{
  return !keyset->disabled && !keyset->untrusted && !keyset->single_instant && keyset->boundary != NULL;
}

void
sy_sync_keyset_restarted (SySyncKeyset *keyset)
{
  sy_sync_replace_str (&keyset->lower, keyset->boundary);
  keyset->lower_inclusive = TRUE;
}

static void
keyset_maybe_restart (SySyncJob *self)
{
  if (self->keyset.untrusted && !self->walking_whole)
    {
      /* From the first page, asking for nothing the server ignores. */
      self->walking_whole = TRUE;
      g_clear_object (&self->iterator);
      self->iterator = sy_page_iterator_new (self->source, sy_mapping_get_source_entity (self->mapping),
                                             SOURCE_PER_PAGE);
      return;
    }

  if (!sy_sync_keyset_should_restart (&self->keyset))
    return;

  g_clear_object (&self->iterator);
  self->iterator = sy_page_iterator_new (self->source, sy_mapping_get_source_entity (self->mapping),
                                         SOURCE_PER_PAGE);
  sy_page_iterator_set_sort (self->iterator, "updatedAt", FALSE);
  sy_page_iterator_add_filter (self->iterator, "updatedAt", "gteq", self->keyset.boundary);
  sy_sync_keyset_restarted (&self->keyset);
}

static void
on_page (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SySyncJob *self = user_data;
  g_autoptr(GError) error = NULL;
  JsonArray *page;

  self->page_pending = FALSE;
  page = sy_page_iterator_next_finish (SY_PAGE_ITERATOR (source), result, &error);

  if (page == NULL && error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_prefix_error (&error, _("Reading the source failed: "));
          sy_sync_job_set_fatal (self, error);
        }
      self->source_done = TRUE;
    }
  else if (page == NULL)
    self->source_done = TRUE;
  else
    {
      SyPageIterator *iterator = SY_PAGE_ITERATOR (source);

      if (sy_sync_progress_get_total (self->progress) < 0 && sy_page_iterator_get_total (iterator) >= 0)
        sy_sync_progress_set_total (self->progress, self->base_total + sy_page_iterator_get_total (iterator));

      page = sy_sync_keyset_filter_page (&self->keyset, page);
      if (json_array_get_length (page) > 0)
        g_queue_push_tail (&self->pages, page);
      else
        json_array_unref (page);

      /* Found out on the last page, the whole listing is still to read. */
      if (sy_page_iterator_is_done (iterator) && (!self->keyset.untrusted || self->walking_whole))
        self->source_done = TRUE;
      else
        keyset_maybe_restart (self);
    }

  if (sy_sync_progress_get_state (self->progress) == SY_SYNC_JOB_STATE_PREPARING)
    sy_sync_progress_set_state (self->progress, sy_sync_job_running_state (self));

  sy_sync_job_pump (self);
  g_object_unref (self);
}

static void key_fetch_more (SySyncJob *self);

static void
key_fetch_finish (SySyncJob *self)
{
  KeyFetch *fetch = self->key_fetch;
  JsonArray *page = json_array_sized_new (fetch->n_keys);

  for (guint i = 0; i < fetch->n_keys; i++)
    if (fetch->slots[i] != NULL)
      json_array_add_element (page, g_steal_pointer (&fetch->slots[i]));

  g_clear_pointer (&self->key_fetch, sy_sync_key_fetch_free);
  self->page_pending = FALSE;
  if (self->retry_pos >= self->retry_keys->len)
    self->source_done = TRUE;

  if (json_array_get_length (page) > 0)
    g_queue_push_tail (&self->pages, page);
  else
    json_array_unref (page);

  if (sy_sync_progress_get_state (self->progress) == SY_SYNC_JOB_STATE_PREPARING)
    sy_sync_progress_set_state (self->progress, sy_sync_job_running_state (self));
}

typedef struct
{
  SySyncJob *job;
  guint      index;
} KeyFetchItem;

static void
on_key_fetched (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  KeyFetchItem *item = user_data;
  SySyncJob *self = item->job;
  KeyFetch *fetch = self->key_fetch;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  root = sy_api_client_get_finish (SY_API_CLIENT (source), result, &error);
  fetch->n_pending--;
  fetch->n_done++;

  if (root != NULL)
    {
      JsonNode *data = sy_json_unwrap_data (root);
      if (JSON_NODE_HOLDS_OBJECT (data))
        fetch->slots[item->index] = json_node_ref (data);
      else
        error = sy_api_error_new_full (SY_API_ERROR_INVALID_RESPONSE, 200, NULL, 0, NULL,
                                       _("The source’s answer for one record is not a record."));
    }

  if (error != NULL)
    {
      if (g_error_matches (error, SY_API_ERROR, SY_API_ERROR_NOT_FOUND))
        {
          /* Gone from the source: it fails again, saying so. */
          JsonObject *stub = json_object_new ();
          JsonNode *node = json_node_new (JSON_NODE_OBJECT);

          json_object_set_string_member (stub, "key", fetch->keys[item->index]);
          json_node_take_object (node, stub);
          fetch->slots[item->index] = node;
          g_hash_table_add (self->missing_keys, g_strdup (fetch->keys[item->index]));
        }
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_prefix_error (&error, _("Reading the source failed: "));
          sy_sync_job_set_fatal (self, error);
        }
    }

  g_free (item);

  if (self->fatal != NULL || self->cancelled)
    {
      if (fetch->n_pending == 0)
        {
          g_clear_pointer (&self->key_fetch, sy_sync_key_fetch_free);
          self->page_pending = FALSE;
          self->source_done = TRUE;
        }
    }
  else if (fetch->n_done == fetch->n_keys)
    key_fetch_finish (self);
  else
    key_fetch_more (self);

  sy_sync_job_pump (self);
  g_object_unref (self);
}

static void
key_fetch_more (SySyncJob *self)
{
  KeyFetch *fetch = self->key_fetch;

  while (fetch->next < fetch->n_keys && fetch->n_pending < self->options.concurrency)
    {
      KeyFetchItem *item = g_new0 (KeyFetchItem, 1);
      g_autofree char *escaped = g_uri_escape_string (fetch->keys[fetch->next], NULL, FALSE);
      g_autofree char *path = g_strconcat (self->source_path, "/", escaped, NULL);

      item->job = g_object_ref (self);
      item->index = fetch->next++;
      fetch->n_pending++;
      sy_api_client_get_async (self->source, path, self->cancellable, on_key_fetched, item);
    }
}

void
sy_sync_source_request_pages (SySyncJob *self)
{
  if (self->page_pending || self->source_done || self->fatal != NULL || self->cancelled || self->stopping ||
      self->adopting || g_queue_get_length (&self->pages) >= MAX_PAGES)
    return;
  /* Not started yet (a pause or stop while the run is being prepared). */
  if (self->iterator == NULL && self->retry_keys == NULL)
    return;

  if (self->retry_keys != NULL)
    {
      KeyFetch *fetch;
      guint n;

      if (self->retry_pos >= self->retry_keys->len)
        {
          self->source_done = TRUE;
          return;
        }

      n = MIN (SOURCE_PER_PAGE, self->retry_keys->len - self->retry_pos);
      fetch = g_new0 (KeyFetch, 1);
      fetch->n_keys = n;
      fetch->keys = g_new0 (char *, n);
      fetch->slots = g_new0 (JsonNode *, n);
      for (guint i = 0; i < n; i++)
        fetch->keys[i] = g_ptr_array_index (self->retry_keys, self->retry_pos + i);
      self->retry_pos += n;
      self->key_fetch = fetch;
      self->page_pending = TRUE;
      key_fetch_more (self);
      return;
    }

  /* Read ahead: the next page is asked for as soon as fewer than
   * MAX_PAGES wait, whatever the batches are doing, so that it arrives
   * while the records before it are written. */
  g_debug ("Reading a source page: %u held, %u batches open, %u requests in flight",
           g_queue_get_length (&self->pages), g_queue_get_length (&self->batches), self->in_flight);
  self->page_pending = TRUE;
  sy_page_iterator_next_async (self->iterator, self->cancellable, on_page, g_object_ref (self));
}

guint
sy_sync_source_records_available (SySyncJob *self)
{
  guint n = 0;
  guint i = 0;

  for (GList *l = self->pages.head; l != NULL; l = l->next, i++)
    {
      guint length = json_array_get_length (l->data);

      n += i == 0 ? length - self->page_pos : length;
    }
  return n;
}

/* The next source record, taken from the pages (a new reference). */
JsonObject *
sy_sync_source_take_record (SySyncJob *self)
{
  JsonArray *page = g_queue_peek_head (&self->pages);
  JsonNode *node;
  JsonObject *record = NULL;

  if (page == NULL)
    return NULL;

  node = json_array_get_element (page, self->page_pos++);
  if (JSON_NODE_HOLDS_OBJECT (node))
    record = json_object_ref (json_node_get_object (node));

  if (self->page_pos >= json_array_get_length (page))
    {
      json_array_unref (g_queue_pop_head (&self->pages));
      self->page_pos = 0;
    }

  return record;
}

/* The key of the record sy_sync_source_take_record() would hand out next, or NULL. */
static char *
peek_record_key (SySyncJob *self)
{
  JsonArray *page = g_queue_peek_head (&self->pages);
  JsonNode *node;

  if (page == NULL)
    return NULL;

  node = json_array_get_element (page, self->page_pos);
  return JSON_NODE_HOLDS_OBJECT (node) ? sy_json_object_dup_text (json_node_get_object (node), "key") : NULL;
}

/* Whether the next record is one an open batch still holds: read again
 * because it was edited during the run. It waits until that batch is
 * committed, so that its create is never sent twice at once and its
 * second payload goes out as an update. */
gboolean
sy_sync_source_next_is_open (SySyncJob *self)
{
  g_autofree char *key = peek_record_key (self);

  return key != NULL && g_hash_table_contains (self->open_keys, key);
}

void
sy_sync_source_start (SySyncJob *self)
{
  const SySyncRun *run = self->run;

  if (self->retry_keys != NULL)
    {
      sy_sync_progress_set_total (self->progress, self->retry_keys->len);
      sy_sync_job_pump (self);
      return;
    }

  self->iterator = sy_page_iterator_new (self->source, sy_mapping_get_source_entity (self->mapping),
                                         SOURCE_PER_PAGE);
  sy_page_iterator_set_sort (self->iterator, "updatedAt", FALSE);

  if (self->mode == MODE_RESUME && run->checkpoint != NULL)
    {
      /* Records at the checkpoint itself may be committed or not: those
       * that are come back as done and are passed over. */
      sy_page_iterator_add_filter (self->iterator, "updatedAt", "gteq", run->checkpoint);
      sy_sync_keyset_set_floor (&self->keyset, run->checkpoint, TRUE);
      self->base_total = run->read;
    }
  else if (run->since != NULL)
    {
      sy_page_iterator_add_filter (self->iterator, "updatedAt", "gt", run->since);
      sy_sync_keyset_set_floor (&self->keyset, run->since, FALSE);
    }

  if (self->mode == MODE_RESUME)
    {
      self->base_total = run->read;
      sy_sync_replace_str (&self->checkpoint, run->checkpoint);
      sy_sync_replace_str (&self->high_water, run->high_water);
    }

  sy_sync_job_pump (self);
}
