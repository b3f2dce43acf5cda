/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "switchyard-api"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-json.h"
#include "sy-page-iterator.h"

typedef enum
{
  NEXT_BY_PAGE_NUMBER,
  NEXT_BY_CURSOR,
  NEXT_BY_LINK,
} NextMode;

struct _SyPageIterator
{
  GObject      parent_instance;

  SyApiClient *client;
  char        *entity;
  char        *entity_path;
  GError      *entity_error;
  guint        per_page;
  /* Already escaped "name=value" query parameters. */
  GPtrArray   *query_params;

  NextMode     mode;
  gint64       next_page;
  char        *next_cursor;
  char        *next_link;
  /* Every cursor and link followed so far: a server that hands one out
   * again would otherwise be followed in a circle forever. */
  GHashTable  *followed;
  gint64       previous_current_page;
  /* A fingerprint of every page handed out (its keys, in order): a server
   * that ignores the page asked for and sends pages already read, in
   * turn or in a cycle, would otherwise be read forever. Fingerprints
   * rather than pages, so that only the page being handed out is held. */
  GHashTable  *seen_pages;

  GError      *deferred_error;
  gboolean     pending;
  gboolean     done;
  guint        pages_read;
  gint64       total;
};

G_DEFINE_FINAL_TYPE (SyPageIterator, sy_page_iterator, G_TYPE_OBJECT)

static void
sy_page_iterator_finalize (GObject *object)
{
  SyPageIterator *self = SY_PAGE_ITERATOR (object);

  g_clear_object (&self->client);
  g_free (self->entity);
  g_free (self->entity_path);
  g_clear_error (&self->entity_error);
  g_ptr_array_unref (self->query_params);
  g_free (self->next_cursor);
  g_free (self->next_link);
  g_hash_table_unref (self->followed);
  g_hash_table_unref (self->seen_pages);
  g_clear_error (&self->deferred_error);

  G_OBJECT_CLASS (sy_page_iterator_parent_class)->finalize (object);
}

static void
sy_page_iterator_class_init (SyPageIteratorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_page_iterator_finalize;
}

static void
sy_page_iterator_init (SyPageIterator *self)
{
  self->query_params = g_ptr_array_new_with_free_func (g_free);
  self->followed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->seen_pages = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->mode = NEXT_BY_PAGE_NUMBER;
  self->next_page = 1;
  self->total = -1;
}

SyPageIterator *
sy_page_iterator_new (SyApiClient *client,
                      const char  *entity,
                      guint        per_page)
{
  SyPageIterator *self;

  g_return_val_if_fail (SY_IS_API_CLIENT (client), NULL);
  g_return_val_if_fail (entity != NULL, NULL);
  g_return_val_if_fail (per_page > 0, NULL);

  self = g_object_new (SY_TYPE_PAGE_ITERATOR, NULL);
  self->client = g_object_ref (client);
  self->entity = g_strdup (entity);
  self->per_page = per_page;
  /* An invalid entity is reported by the first next_async(), where the
   * caller is ready to show an error. */
  self->entity_path = sy_api_client_entity_path (entity, &self->entity_error);

  return self;
}

static void
add_query_param (SyPageIterator *self,
                 const char     *name,
                 const char     *value)
{
  g_autofree char *escaped_name = g_uri_escape_string (name, NULL, FALSE);
  g_autofree char *escaped_value = g_uri_escape_string (value, NULL, FALSE);

  g_ptr_array_add (self->query_params, g_strconcat (escaped_name, "=", escaped_value, NULL));
}

void
sy_page_iterator_add_filter (SyPageIterator *self,
                             const char     *field,
                             const char     *op,
                             const char     *value)
{
  g_autofree char *name = NULL;

  g_return_if_fail (SY_IS_PAGE_ITERATOR (self));
  g_return_if_fail (field != NULL && *field != '\0');
  g_return_if_fail (value != NULL);
  g_return_if_fail (self->pages_read == 0 && !self->pending);

  if (op != NULL)
    name = g_strdup_printf ("filter[%s:%s]", field, op);
  else
    name = g_strdup_printf ("filter[%s]", field);

  add_query_param (self, name, value);
}

void
sy_page_iterator_set_sort (SyPageIterator *self,
                           const char     *field,
                           gboolean        descending)
{
  g_autofree char *name = NULL;

  g_return_if_fail (SY_IS_PAGE_ITERATOR (self));
  g_return_if_fail (field != NULL && *field != '\0');
  g_return_if_fail (self->pages_read == 0 && !self->pending);

  name = g_strdup_printf ("sort[%s]", field);
  add_query_param (self, name, descending ? "1" : "0");
}

gboolean
sy_page_iterator_is_done (SyPageIterator *self)
{
  g_return_val_if_fail (SY_IS_PAGE_ITERATOR (self), TRUE);

  /* Not done until the caller has been told why the reading stopped. */
  return self->done && self->deferred_error == NULL;
}

guint
sy_page_iterator_get_pages_read (SyPageIterator *self)
{
  g_return_val_if_fail (SY_IS_PAGE_ITERATOR (self), 0);

  return self->pages_read;
}

gint64
sy_page_iterator_get_total (SyPageIterator *self)
{
  g_return_val_if_fail (SY_IS_PAGE_ITERATOR (self), -1);

  return self->total;
}

static char *
build_request_path (SyPageIterator *self)
{
  GString *path;

  if (self->mode == NEXT_BY_LINK)
    return g_strdup (self->next_link);

  path = g_string_new (self->entity_path);
  if (self->mode == NEXT_BY_CURSOR)
    {
      g_autofree char *escaped = g_uri_escape_string (self->next_cursor, NULL, FALSE);
      g_string_append_printf (path, "?cursor=%s", escaped);
    }
  else
    {
      g_string_append_printf (path, "?page=%" G_GINT64_FORMAT, self->next_page);
    }
  g_string_append_printf (path, "&per_page=%u", self->per_page);

  for (guint i = 0; i < self->query_params->len; i++)
    {
      g_string_append_c (path, '&');
      g_string_append (path, g_ptr_array_index (self->query_params, i));
    }

  return g_string_free (path, FALSE);
}

/* The answer was a 200: the status says so, the shape was wrong. */
static GError *
invalid_response (const char *message)
{
  return sy_api_error_new_full (SY_API_ERROR_INVALID_RESPONSE, 200, NULL, 0, NULL, message);
}

static GError *
repeated_page_error (SyPageIterator *self)
{
  g_autofree char *message = g_strdup_printf (_("The server returned the same page of %s again, after %u pages. Reading stopped there, as it would never end."),
                                              self->entity, self->pages_read);

  return invalid_response (message);
}

/* No list has this many pages; page numbers beyond it are nonsense, and
 * adding one to them must not overflow. */
#define MAX_PAGE_NUMBER G_MAXINT32

/* Cursors are opaque, but some servers send numbers. */
static char *
node_as_token (JsonNode *node)
{
  g_autofree char *text = sy_json_node_dup_text (node);

  return text != NULL && *text != '\0' ? g_steal_pointer (&text) : NULL;
}

static gboolean
member_as_int (JsonObject *object,
               const char *name,
               gint64     *out)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return FALSE;

  node = json_object_get_member (object, name);
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      *out = json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      {
        double value = json_node_get_double (node);

        /* Converting a double out of gint64's range is undefined. */
        if (!(value > -9.0e18 && value < 9.0e18))
          return FALSE;
        *out = (gint64) value;
        return TRUE;
      }
    case G_TYPE_STRING:
      return g_ascii_string_to_signed (json_node_get_string (node), 10, G_MININT64, G_MAXINT64, out, NULL);
    default:
      return FALSE;
    }
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;

  node = json_object_get_member (object, name);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The first 64 bits of a SHA-256 over the keys: enough to tell pages
 * apart, small enough to keep one per page of a long list. */
static gint64
page_fingerprint (JsonArray *records)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_length = sizeof digest;
  gint64 fingerprint;

  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);
      g_autofree char *key = node_as_token (json_object_get_member (record, "key"));

      /* Without a key, the whole record identifies it. */
      if (key == NULL)
        key = json_to_string (json_array_get_element (records, i), FALSE);

      g_checksum_update (checksum, (const guchar *) key, strlen (key) + 1);
    }

  g_checksum_get_digest (checksum, digest, &digest_length);
  memcpy (&fingerprint, digest, sizeof fingerprint);
  return fingerprint;
}

/* The path and query of a links.next URL, relative to the client's base
 * URL, or NULL when it points anywhere else: the bearer token must never
 * be sent to another server because a response said so. */
static char *
link_on_same_server (SyPageIterator *self,
                     const char     *link)
{
  const char *base_url = sy_api_client_get_base_url (self->client);
  g_autoptr(GUri) base = g_uri_parse (base_url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  g_autoptr(GUri) resolved = NULL;
  const char *base_path;
  gsize base_path_length;
  const char *path;
  const char *query;

  if (base == NULL)
    return NULL;

  resolved = g_uri_parse_relative (base, link, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  if (resolved == NULL ||
      g_strcmp0 (g_uri_get_scheme (resolved), g_uri_get_scheme (base)) != 0 ||
      g_ascii_strcasecmp (g_uri_get_host (resolved) ? g_uri_get_host (resolved) : "", g_uri_get_host (base)) != 0 ||
      g_uri_get_port (resolved) != g_uri_get_port (base))
    return NULL;

  /* Normalisation turns an empty base path into "/". */
  base_path = g_uri_get_path (base);
  base_path_length = strlen (base_path);
  if (base_path_length > 0 && base_path[base_path_length - 1] == '/')
    base_path_length--;
  path = g_uri_get_path (resolved);
  if (strncmp (path, base_path, base_path_length) != 0)
    return NULL;
  path += base_path_length;
  if (*path != '/')
    return NULL;

  query = g_uri_get_query (resolved);
  return query ? g_strconcat (path, "?", query, NULL) : g_strdup (path);
}

/* A page whose number is not past the previous one's is one already read
 * (a page asked for by cursor may carry any number, or a constant one). */
static gboolean
check_page_numbers_sane (SyPageIterator  *self,
                         JsonObject      *envelope,
                         GError         **error)
{
  JsonObject *meta = object_member (envelope, "meta");
  const char *members[] = { "current_page", "last_page" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      gint64 number;

      if (member_as_int (meta, members[i], &number) && (number < 0 || number > MAX_PAGE_NUMBER))
        {
          /* A format macro inside _() would hide the string from xgettext. */
          g_autofree char *shown = g_strdup_printf ("%" G_GINT64_FORMAT, number);
          g_autofree char *message = g_strdup_printf (_("The server’s list of %s gives %s as its “%s”, which no list can have. Reading stopped there."),
                                                      self->entity, shown, members[i]);

          g_propagate_error (error, invalid_response (message));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_page_number_advances (SyPageIterator  *self,
                            JsonObject      *envelope,
                            GError         **error)
{
  gint64 current_page;

  if (self->mode == NEXT_BY_CURSOR ||
      !member_as_int (object_member (envelope, "meta"), "current_page", &current_page))
    return TRUE;

  if (self->previous_current_page > 0 && current_page <= self->previous_current_page)
    {
      /* A format macro inside _() would hide the string from xgettext. */
      g_autofree char *page = g_strdup_printf ("%" G_GINT64_FORMAT, current_page);
      g_autofree char *message = g_strdup_printf (_("The server returned page %s of %s again. Reading stopped there, as it would never end."),
                                                  page, self->entity);
      g_propagate_error (error, invalid_response (message));
      return FALSE;
    }

  self->previous_current_page = current_page;
  return TRUE;
}

/* Works out from one page's envelope where the next page is, or that there
 * is none. Returns FALSE with error when the next page cannot be followed:
 * the page itself is good, but the list cannot be read to its end. */
static gboolean
plan_next_page (SyPageIterator  *self,
                JsonObject      *envelope,
                guint            n_records,
                GError         **error)
{
  JsonObject *meta = object_member (envelope, "meta");
  JsonObject *links = object_member (envelope, "links");
  gint64 current_page = 0;
  gint64 last_page = 0;
  gboolean has_current_page = member_as_int (meta, "current_page", &current_page);
  gboolean has_last_page = member_as_int (meta, "last_page", &last_page);
  gint64 total;

  if (member_as_int (meta, "total", &total) && total >= 0)
    self->total = total;

  if (n_records == 0)
    {
      self->done = TRUE;
      return TRUE;
    }

  if (!has_current_page && self->mode == NEXT_BY_PAGE_NUMBER)
    current_page = self->next_page;

  if (envelope != NULL && json_object_has_member (envelope, "next_cursor"))
    {
      g_autofree char *cursor = node_as_token (json_object_get_member (envelope, "next_cursor"));

      if (cursor == NULL)
        {
          self->done = TRUE;
          return TRUE;
        }
      if (!g_hash_table_add (self->followed, g_strconcat ("cursor:", cursor, NULL)))
        {
          g_autofree char *message = g_strdup_printf (_("The server returned the same page of %s again: it handed out a cursor it had already given. Reading stopped there, as it would never end."),
                                                      self->entity);
          g_propagate_error (error, invalid_response (message));
          return FALSE;
        }
      self->mode = NEXT_BY_CURSOR;
      g_free (self->next_cursor);
      self->next_cursor = g_steal_pointer (&cursor);
      return TRUE;
    }

  /* Page numbers we build ourselves keep the filters and sorts, whatever
   * the server puts in its links. */
  if (has_last_page && (has_current_page || self->mode == NEXT_BY_PAGE_NUMBER))
    {
      if (current_page >= last_page)
        self->done = TRUE;
      self->mode = NEXT_BY_PAGE_NUMBER;
      self->next_page = current_page + 1;
      return TRUE;
    }

  if (links != NULL && json_object_has_member (links, "next"))
    {
      g_autofree char *link = node_as_token (json_object_get_member (links, "next"));
      g_autofree char *relative = NULL;

      if (link == NULL)
        {
          self->done = TRUE;
          return TRUE;
        }

      relative = link_on_same_server (self, link);
      if (relative != NULL)
        {
          if (!g_hash_table_add (self->followed, g_strconcat ("link:", relative, NULL)))
            {
              g_propagate_error (error, invalid_response (_("The server returned the same page again: its link to the next page leads to a page already read. Reading stopped there, as it would never end.")));
              return FALSE;
            }
          self->mode = NEXT_BY_LINK;
          g_free (self->next_link);
          self->next_link = g_steal_pointer (&relative);
          return TRUE;
        }

      /* Pages asked for by number can go on by number; after following
       * links there is no telling what the next page would be, and stopping
       * quietly would pass a partial list off as the whole. */
      if (self->mode == NEXT_BY_LINK)
        {
          g_autofree char *message = g_strdup_printf (_("The server’s link to the next page of %s leads outside the connection’s address. Reading stopped there."),
                                                      self->entity);
          g_propagate_error (error, invalid_response (message));
          return FALSE;
        }
      g_debug ("%s: ignoring a next link outside the base URL", self->entity);
    }

  if (self->mode != NEXT_BY_PAGE_NUMBER)
    {
      /* A server that gave cursors or links and then stops giving them
       * has nothing more to give. */
      self->done = TRUE;
      return TRUE;
    }

  if (n_records < self->per_page)
    self->done = TRUE;
  self->next_page = current_page + 1;
  return TRUE;
}

static gboolean
read_page (SyPageIterator  *self,
           JsonNode        *root,
           JsonArray      **records_out,
           GError         **error)
{
  JsonObject *envelope = NULL;
  JsonArray *records;
  gint64 fingerprint = 0;
  guint n_records;

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonNode *data = sy_json_unwrap_data (root);

      envelope = json_node_get_object (root);
      if (!JSON_NODE_HOLDS_ARRAY (data))
        {
          g_autofree char *message = g_strdup_printf (_("The server’s list of %s holds no records (its “data” is not a list)."), self->entity);
          g_propagate_error (error, invalid_response (message));
          return FALSE;
        }
      records = json_node_get_array (data);
    }
  else if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
    {
      /* A bare list without an envelope: no paging hints, only its length. */
      records = json_node_get_array (root);
    }
  else
    {
      g_autofree char *message = g_strdup_printf (_("The server’s list of %s is not a JSON object."), self->entity);
      g_propagate_error (error, invalid_response (message));
      return FALSE;
    }

  n_records = json_array_get_length (records);
  for (guint i = 0; i < n_records; i++)
    {
      if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (records, i)))
        {
          g_autofree char *message = g_strdup_printf (_("The server’s list of %s holds something that is not a record."), self->entity);
          g_propagate_error (error, invalid_response (message));
          return FALSE;
        }
    }

  if (!check_page_numbers_sane (self, envelope, error))
    return FALSE;

  if (n_records > 0)
    {
      fingerprint = page_fingerprint (records);
      if (g_hash_table_contains (self->seen_pages, &fingerprint))
        {
          g_propagate_error (error, repeated_page_error (self));
          return FALSE;
        }
      if (!check_page_number_advances (self, envelope, error))
        return FALSE;
    }

  /* The records are handed out all the same; the error ends the reading
   * at the next call, so the caller knows the list is incomplete. */
  if (!plan_next_page (self, envelope, n_records, &self->deferred_error))
    self->done = TRUE;

  self->pages_read++;
  if (n_records > 0)
    g_hash_table_add (self->seen_pages, g_memdup2 (&fingerprint, sizeof fingerprint));

  *records_out = json_array_ref (records);
  return TRUE;
}

static void
on_page (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyPageIterator *self = g_task_get_source_object (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *records = NULL;

  self->pending = FALSE;

  root = sy_api_client_get_finish (SY_API_CLIENT (source), result, &error);
  if (root == NULL)
    {
      /* Nothing moved on: calling next again asks for the same page. */
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!read_page (self, root, &records, &error))
    {
      /* A server that breaks the contract will not mend on a retry. */
      self->done = TRUE;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_debug ("%s: page %u, %u records%s", self->entity, self->pages_read,
           json_array_get_length (records), self->done ? ", the last" : "");
  g_task_return_pointer (task, records, (GDestroyNotify) json_array_unref);
}

void
sy_page_iterator_next_async (SyPageIterator      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (SY_IS_PAGE_ITERATOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_page_iterator_next_async);

  if (self->pending)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "%s", _("The next page is already being read."));
      return;
    }

  if (self->entity_error != NULL)
    {
      g_task_return_error (task, g_error_copy (self->entity_error));
      return;
    }

  if (self->deferred_error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&self->deferred_error));
      return;
    }

  if (self->done)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  path = build_request_path (self);
  self->pending = TRUE;
  sy_api_client_get_async (self->client, path, cancellable, on_page, g_steal_pointer (&task));
}

JsonArray *
sy_page_iterator_next_finish (SyPageIterator  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (SY_IS_PAGE_ITERATOR (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_page_iterator_next_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
