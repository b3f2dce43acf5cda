/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sy-connection-store.h"
#include "sy-file.h"
#include "sy-json.h"
#include "sy-error.h"
#include "sy-paths.h"

/* The newest layout of connections.json this version reads and writes. */
#define CONNECTIONS_FILE_VERSION 1

struct _SyConnectionStore
{
  GObject     parent_instance;

  char       *config_dir;
  char       *path;
  GPtrArray  *connections;
  char       *broken_path;

  /* Members of the file's top level this version does not know. */
  JsonObject *unknown_members;

  /* Set when saving would destroy data we could not read: a file written by
   * a newer version, or a broken file that could not be moved aside. */
  char       *save_refused_reason;

  /* Saves may run in worker threads; the snapshot taken last must be the
   * one left on disk, whatever order the threads finish in. */
  GMutex      write_lock;
  guint64     snapshot_serial;
  guint64     written_serial;
};

static void sy_connection_store_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SyConnectionStore, sy_connection_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      sy_connection_store_list_model_init))

static GType
sy_connection_store_get_item_type (GListModel *model)
{
  return SY_TYPE_CONNECTION;
}

static guint
sy_connection_store_get_n_items (GListModel *model)
{
  return SY_CONNECTION_STORE (model)->connections->len;
}

static gpointer
sy_connection_store_get_item (GListModel *model,
                              guint       position)
{
  SyConnectionStore *self = SY_CONNECTION_STORE (model);

  if (position >= self->connections->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->connections, position));
}

static void
sy_connection_store_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = sy_connection_store_get_item_type;
  iface->get_n_items = sy_connection_store_get_n_items;
  iface->get_item = sy_connection_store_get_item;
}

static void
sy_connection_store_finalize (GObject *object)
{
  SyConnectionStore *self = SY_CONNECTION_STORE (object);

  g_free (self->config_dir);
  g_free (self->path);
  g_ptr_array_unref (self->connections);
  g_free (self->broken_path);
  g_free (self->save_refused_reason);
  g_clear_pointer (&self->unknown_members, json_object_unref);
  g_mutex_clear (&self->write_lock);

  G_OBJECT_CLASS (sy_connection_store_parent_class)->finalize (object);
}

static void
sy_connection_store_class_init (SyConnectionStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_connection_store_finalize;
}

static void
sy_connection_store_init (SyConnectionStore *self)
{
  self->connections = g_ptr_array_new_with_free_func (g_object_unref);
  self->unknown_members = json_object_new ();
  g_mutex_init (&self->write_lock);
}

/* config_dir: NULL for the default (SWITCHYARD_CONFIG_DIR or XDG). */
SyConnectionStore *
sy_connection_store_new (const char *config_dir)
{
  SyConnectionStore *self = g_object_new (SY_TYPE_CONNECTION_STORE, NULL);

  self->config_dir = config_dir ? g_strdup (config_dir) : sy_paths_get_default_config_dir ();
  self->path = g_build_filename (self->config_dir, "connections.json", NULL);

  return self;
}

const char *
sy_connection_store_get_path (SyConnectionStore *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION_STORE (self), NULL);

  return self->path;
}

const char *
sy_connection_store_get_broken_path (SyConnectionStore *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION_STORE (self), NULL);

  return self->broken_path;
}

static char *
normalize_name (const char *name)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (name ? name : ""));
  g_autofree char *normalized = g_utf8_normalize (trimmed, -1, G_NORMALIZE_ALL);

  return g_utf8_casefold (normalized ? normalized : trimmed, -1);
}

gboolean
sy_connection_names_equal (const char *a,
                           const char *b)
{
  g_autofree char *first = normalize_name (a);
  g_autofree char *second = normalize_name (b);

  return g_strcmp0 (first, second) == 0;
}

SyConnection *
sy_connection_store_find_by_name (SyConnectionStore *self,
                                  const char        *name)
{
  g_autofree char *wanted = NULL;

  g_return_val_if_fail (SY_IS_CONNECTION_STORE (self), NULL);

  if (name == NULL)
    return NULL;

  wanted = normalize_name (name);
  for (guint i = 0; i < self->connections->len; i++)
    {
      SyConnection *connection = g_ptr_array_index (self->connections, i);
      g_autofree char *candidate = normalize_name (sy_connection_get_name (connection));

      if (g_strcmp0 (candidate, wanted) == 0)
        return connection;
    }

  return NULL;
}

SyConnection *
sy_connection_store_find_by_id (SyConnectionStore *self,
                                const char        *id)
{
  g_return_val_if_fail (SY_IS_CONNECTION_STORE (self), NULL);

  if (id == NULL)
    return NULL;

  for (guint i = 0; i < self->connections->len; i++)
    {
      SyConnection *connection = g_ptr_array_index (self->connections, i);

      if (g_strcmp0 (sy_connection_get_id (connection), id) == 0)
        return connection;
    }

  return NULL;
}

static void
clear_connections (SyConnectionStore *self)
{
  guint removed = self->connections->len;

  if (removed == 0)
    return;

  g_ptr_array_set_size (self->connections, 0);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
}

/* Moves the file to <path>.broken-<timestamp>[-N] without ever replacing an
 * earlier broken copy: link() fails rather than overwrite. */
static char *
move_aside (const char  *path,
            GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *timestamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *base = g_strdup_printf ("%s.broken-%s", path, timestamp);

  for (guint attempt = 0; attempt < 1000; attempt++)
    {
      g_autofree char *candidate = attempt == 0 ? g_strdup (base)
                                                : g_strdup_printf ("%s-%u", base, attempt);
      int saved_errno;

      if (link (path, candidate) == 0)
        {
          if (g_unlink (path) != 0)
            {
              saved_errno = errno;
              g_unlink (candidate);
              g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                           _("Could not move “%s” aside: %s"), path, g_strerror (saved_errno));
              return NULL;
            }
          return g_steal_pointer (&candidate);
        }

      saved_errno = errno;
      if (saved_errno == EEXIST)
        continue;

      /* File systems without hard links: check, then rename. */
      if (saved_errno == EPERM || saved_errno == ENOTSUP || saved_errno == EXDEV)
        {
          if (g_file_test (candidate, G_FILE_TEST_EXISTS))
            continue;
          if (g_rename (path, candidate) == 0)
            return g_steal_pointer (&candidate);
          saved_errno = errno;
        }

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not move “%s” aside: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
               _("Could not move “%s” aside: too many broken copies already exist."), path);
  return NULL;
}

/* Parses the whole file before anything is changed, so that a broken file
 * leaves nothing half-loaded. */
static gboolean
parse_file (const char  *contents,
            gsize        length,
            GPtrArray   *connections,
            JsonObject  *unknown_members,
            gint64      *version_out,
            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) seen_ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonObject *root_object;
  JsonNode *version_node;
  JsonNode *list_node;
  JsonArray *list;
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;

  *version_out = CONNECTIONS_FILE_VERSION;

  if (!sy_json_parser_load (parser, contents, length, &local_error))
    {
      g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                   _("It is not valid JSON (%s)."), local_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                           _("It does not hold a JSON object."));
      return FALSE;
    }
  root_object = json_node_get_object (root);

  version_node = json_object_get_member (root_object, "version");
  if (version_node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (version_node) ||
          json_node_get_value_type (version_node) != G_TYPE_INT64 ||
          json_node_get_int (version_node) < 1)
        {
          g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                               _("Its “version” is not a positive whole number."));
          return FALSE;
        }
      *version_out = json_node_get_int (version_node);
      if (*version_out > CONNECTIONS_FILE_VERSION)
        return TRUE;
    }

  list_node = json_object_get_member (root_object, "connections");
  if (list_node != NULL && !JSON_NODE_HOLDS_NULL (list_node) && !JSON_NODE_HOLDS_ARRAY (list_node))
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                           _("Its “connections” is not a list."));
      return FALSE;
    }

  list = list_node && JSON_NODE_HOLDS_ARRAY (list_node) ? json_node_get_array (list_node) : NULL;
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonNode *entry = json_array_get_element (list, i);
      SyConnection *connection;

      if (!JSON_NODE_HOLDS_OBJECT (entry))
        {
          g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                       _("Connection number %u is not a JSON object."), i + 1);
          return FALSE;
        }

      connection = sy_connection_new_from_json (json_node_get_object (entry), &local_error);
      if (connection == NULL)
        {
          g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                       _("Connection number %u: %s"), i + 1, local_error->message);
          return FALSE;
        }
      g_ptr_array_add (connections, connection);

      if (!g_hash_table_add (seen_ids, (gpointer) sy_connection_get_id (connection)))
        {
          g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                       _("Connection number %u has the same identifier as an earlier one."), i + 1);
          return FALSE;
        }
    }

  json_object_iter_init (&iter, root_object);
  while (json_object_iter_next (&iter, &member_name, &member))
    {
      if (g_strcmp0 (member_name, "version") != 0 && g_strcmp0 (member_name, "connections") != 0)
        json_object_set_member (unknown_members, member_name, json_node_copy (member));
    }

  return TRUE;
}

gboolean
sy_connection_store_load (SyConnectionStore  *self,
                          GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(JsonObject) unknown_members = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *moved_to = NULL;
  gsize length = 0;
  gint64 version = 0;
  guint added;

  g_return_val_if_fail (SY_IS_CONNECTION_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  clear_connections (self);
  g_clear_pointer (&self->broken_path, g_free);
  g_clear_pointer (&self->save_refused_reason, g_free);
  json_object_unref (self->unknown_members);
  self->unknown_members = json_object_new ();

  if (!sy_file_load_regular (self->path, SY_FILE_MAX_CONFIG_SIZE, &contents, &length, &local_error))
    {
      /* Not there at all (NOTDIR: not even its folder): an empty store. */
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
          g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
        return TRUE;

      /* Unreadable is not broken: the file may be fine, so keep it safe. */
      self->save_refused_reason =
        g_strdup_printf (_("The connections file “%s” could not be read, so it is not replaced: %s"),
                         self->path, local_error->message);
      g_set_error_literal (error, local_error->domain, local_error->code, self->save_refused_reason);
      return FALSE;
    }

  loaded = g_ptr_array_new_with_free_func (g_object_unref);
  unknown_members = json_object_new ();
  if (!parse_file (contents, length, loaded, unknown_members, &version, &local_error))
    {
      g_autoptr(GError) move_error = NULL;

      moved_to = move_aside (self->path, &move_error);
      if (moved_to == NULL)
        {
          self->save_refused_reason =
            g_strdup_printf (_("The connections file “%s” is damaged and could not be moved aside, "
                               "so it is not replaced. %s %s"),
                             self->path, local_error->message, move_error->message);
          g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                               self->save_refused_reason);
          return FALSE;
        }

      self->broken_path = g_steal_pointer (&moved_to);
      g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                   _("The connections file was damaged: %s It was kept as “%s”; "
                     "Switchyard starts with no connections."),
                   local_error->message, self->broken_path);
      return FALSE;
    }

  if (version > CONNECTIONS_FILE_VERSION)
    {
      /* A format macro inside _() would hide the string from xgettext. */
      g_autofree char *format = g_strdup_printf ("%" G_GINT64_FORMAT, version);

      self->save_refused_reason =
        g_strdup_printf (_("The connections file “%s” was written by a newer version of Switchyard "
                           "(format %s). Update Switchyard to use it; "
                           "it is left untouched."),
                         self->path, format);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, self->save_refused_reason);
      return FALSE;
    }

  json_object_unref (self->unknown_members);
  self->unknown_members = g_steal_pointer (&unknown_members);

  added = loaded->len;
  g_ptr_array_extend_and_steal (self->connections, g_steal_pointer (&loaded));
  if (added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, added);

  return TRUE;
}

static char *
serialize (SyConnectionStore *self)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *root_object = json_object_new ();
  JsonArray *list = json_array_new ();
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;
  g_autofree char *text = NULL;

  json_object_set_int_member (root_object, "version", CONNECTIONS_FILE_VERSION);
  for (guint i = 0; i < self->connections->len; i++)
    json_array_add_element (list, sy_connection_to_json (g_ptr_array_index (self->connections, i)));
  json_object_set_array_member (root_object, "connections", list);

  json_object_iter_init (&iter, self->unknown_members);
  while (json_object_iter_next (&iter, &member_name, &member))
    json_object_set_member (root_object, member_name, json_node_copy (member));

  json_node_take_object (root, root_object);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);

  text = json_generator_to_data (generator, NULL);
  /* A trailing newline keeps the file friendly to editors and diff. */
  return g_strconcat (text, "\n", NULL);
}

typedef struct
{
  char    *config_dir;
  char    *path;
  char    *contents;
  guint64  serial;
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_free (job->config_dir);
  g_free (job->path);
  g_free (job->contents);
  g_free (job);
}

static SaveJob *
save_job_new (SyConnectionStore *self)
{
  SaveJob *job = g_new0 (SaveJob, 1);

  job->config_dir = g_strdup (self->config_dir);
  job->path = g_strdup (self->path);
  job->contents = serialize (self);

  g_mutex_lock (&self->write_lock);
  job->serial = ++self->snapshot_serial;
  g_mutex_unlock (&self->write_lock);

  return job;
}

/* Runs in any thread. */
static gboolean
save_job_write (SyConnectionStore  *self,
                SaveJob            *job,
                GError            **error)
{
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->write_lock);
  g_autoptr(GError) local_error = NULL;

  /* A newer snapshot is already on disk: writing this one would undo it. */
  if (job->serial < self->written_serial)
    return TRUE;

  if (g_mkdir_with_parents (job->config_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create the folder “%s”: %s"), job->config_dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (!g_file_set_contents_full (job->path, job->contents, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Could not save the connections: %s"), local_error->message);
      return FALSE;
    }

  self->written_serial = job->serial;
  return TRUE;
}

static gboolean
check_save_allowed (SyConnectionStore  *self,
                    GError            **error)
{
  if (self->save_refused_reason != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, self->save_refused_reason);
      return FALSE;
    }

  return TRUE;
}

gboolean
sy_connection_store_save (SyConnectionStore  *self,
                          GError            **error)
{
  SaveJob *job;
  gboolean ok;

  g_return_val_if_fail (SY_IS_CONNECTION_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_save_allowed (self, error))
    return FALSE;

  job = save_job_new (self);
  ok = save_job_write (self, job, error);
  save_job_free (job);

  return ok;
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (save_job_write (source_object, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The snapshot is taken now, on the calling thread; only the write runs in
 * a worker, so later changes to the store are not part of this save. */
void
sy_connection_store_save_async (SyConnectionStore   *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (SY_IS_CONNECTION_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_connection_store_save_async);

  if (!check_save_allowed (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_set_task_data (task, save_job_new (self), (GDestroyNotify) save_job_free);
  g_task_run_in_thread (task, save_thread);
}

gboolean
sy_connection_store_save_finish (SyConnectionStore  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (SY_IS_CONNECTION_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
contains_connection (SyConnectionStore *self,
                     SyConnection      *connection,
                     guint             *position)
{
  return g_ptr_array_find (self->connections, connection, position);
}

gboolean
sy_connection_store_add (SyConnectionStore  *self,
                         SyConnection       *connection,
                         GError            **error)
{
  SyConnection *existing;
  const char *name;
  guint position;

  g_return_val_if_fail (SY_IS_CONNECTION_STORE (self), FALSE);
  g_return_val_if_fail (SY_IS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  name = sy_connection_get_name (connection);
  if (!sy_connection_validate_name (name, error) ||
      !sy_connection_validate_base_url (sy_connection_get_base_url (connection), error))
    return FALSE;

  existing = sy_connection_store_find_by_name (self, name);
  if (existing != NULL && existing != connection)
    {
      g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_DUPLICATE_NAME,
                   _("There is already a connection named “%s”. Choose another name."),
                   sy_connection_get_name (existing));
      return FALSE;
    }

  if (contains_connection (self, connection, NULL) ||
      sy_connection_store_find_by_id (self, sy_connection_get_id (connection)) != NULL)
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_DUPLICATE_NAME,
                           _("This connection has already been added."));
      return FALSE;
    }

  /* Listeners hear of the change only once it is on disk. */
  position = self->connections->len;
  g_ptr_array_add (self->connections, g_object_ref (connection));
  if (!sy_connection_store_save (self, error))
    {
      g_ptr_array_remove_index (self->connections, position);
      return FALSE;
    }

  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  return TRUE;
}

gboolean
sy_connection_store_remove (SyConnectionStore  *self,
                            SyConnection       *connection,
                            GError            **error)
{
  g_autoptr(SyConnection) removed = NULL;
  guint position;

  g_return_val_if_fail (SY_IS_CONNECTION_STORE (self), FALSE);
  g_return_val_if_fail (SY_IS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!contains_connection (self, connection, &position))
    {
      SyConnection *same_id = sy_connection_store_find_by_id (self, sy_connection_get_id (connection));

      if (same_id == NULL || !contains_connection (self, same_id, &position))
        {
          g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_NOT_FOUND,
                       _("There is no connection named “%s”."),
                       sy_connection_get_name (connection) ? sy_connection_get_name (connection) : "");
          return FALSE;
        }
    }

  removed = g_ptr_array_steal_index (self->connections, position);
  if (!sy_connection_store_save (self, error))
    {
      g_ptr_array_insert (self->connections, position, g_steal_pointer (&removed));
      return FALSE;
    }

  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  return TRUE;
}
