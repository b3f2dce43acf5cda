/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>

#include "sy-error.h"
#include "sy-fuzz.h"
#include "sy-fuzz-http.h"
#include "sy-page-iterator.h"

/* A listing, as pages separated by "---" lines, each a JSON body a server
 * answers with (then empty pages for ever). SyPageIterator follows
 * whatever paging the pages describe: page numbers, links, cursors, none.
 * It must end, always, and hand out only records. */

/* Far more requests than pages given means the iterator is going round in
 * a circle on the empty pages that follow. */
#define MAX_PAGES 64
#define MAX_EXTRA_REQUESTS 8

typedef struct
{
  gboolean   done;
  JsonArray *records;
  GError    *error;
} Outcome;

static void
on_next (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->records = sy_page_iterator_next_finish (SY_PAGE_ITERATOR (source), result, &outcome->error);
  outcome->done = TRUE;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  sy_fuzz_init ();
  sy_fuzz_http_get_client ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  SyApiClient *client = sy_fuzz_http_get_client ();
  g_autoptr(GPtrArray) pages = sy_fuzz_split (data, size, MAX_PAGES);
  g_autoptr(SyPageIterator) iterator = NULL;
  guint calls = 0;

  sy_fuzz_http_reset ();
  for (guint i = 0; i < pages->len; i++)
    sy_fuzz_http_queue_json (200, g_ptr_array_index (pages, i));

  iterator = sy_page_iterator_new (client, "wms/sales-orders", 2);
  sy_page_iterator_add_filter (iterator, "updatedAt", "gteq", "2024-01-01T00:00:00Z");
  sy_page_iterator_set_sort (iterator, "updatedAt", FALSE);

  for (;;)
    {
      Outcome outcome = { 0 };

      if (++calls > pages->len + MAX_EXTRA_REQUESTS)
        {
          g_printerr ("the page iterator does not end: %u calls for %u pages\n", calls, pages->len);
          abort ();
        }

      sy_page_iterator_next_async (iterator, NULL, on_next, &outcome);
      sy_fuzz_run_until (&outcome.done);

      if (outcome.error != NULL)
        {
          if (outcome.records != NULL || outcome.error->domain != SY_API_ERROR)
            abort ();
          sy_fuzz_assert_message (outcome.error->message);
          g_clear_error (&outcome.error);
          /* A broken contract ends the listing; a transport error would
           * ask for the same page again, which the queue no longer has. */
          if (sy_page_iterator_is_done (iterator))
            break;
          continue;
        }
      if (outcome.records == NULL)
        break;

      for (guint i = 0; i < json_array_get_length (outcome.records); i++)
        if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (outcome.records, i)))
          abort ();
      json_array_unref (outcome.records);
    }

  (void) sy_page_iterator_get_total (iterator);
  (void) sy_page_iterator_get_pages_read (iterator);
  sy_fuzz_http_reset ();
  return 0;
}
