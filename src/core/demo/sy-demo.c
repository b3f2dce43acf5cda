/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sy-connection-services.h"
#include "sy-demo.h"
#include "sy-error.h"

static const char * const demo_sandbox_args[] = { "--invalid-rate", "0.02", NULL };

struct _SyDemo
{
  GObject            parent_instance;

  SyConnectionStore *connections;
  SySecretStore     *secrets;
  SySandboxProcess  *sandbox;
  GPtrArray         *demo_connections;
  char              *keyring_message;
  gboolean           tokens_in_memory;
};

G_DEFINE_FINAL_TYPE (SyDemo, sy_demo, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TOKENS_IN_MEMORY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  const char *name;
  const char *sandbox_connection;
  const char *platform;
  const char *domain;
} DemoConnection;

static const DemoConnection demo_connections[] = {
  { SY_DEMO_MINTSOFT_NAME, "wms", "mintsoft", "wms" },
  { SY_DEMO_NETSUITE_NAME, "erp", "netsuite", "erp" },
};

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) || !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_unlink (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_rmdir (path);
}

static gboolean
make_fresh_dir (const char  *path,
                GError     **error)
{
  remove_tree (path);
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the demo folder “%s”: %s"),
                   path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
sy_demo_prepare_dirs (const char  *base_dir,
                      char       **config_dir,
                      char       **state_dir,
                      GError     **error)
{
  g_autofree char *base = NULL;
  g_autofree char *config = NULL;
  g_autofree char *state = NULL;

  if (base_dir != NULL)
    base = g_strdup (base_dir);
  else
    base = g_build_filename (g_get_user_cache_dir (), "switchyard", "demo", NULL);

  config = g_build_filename (base, "config", NULL);
  state = g_build_filename (base, "state", NULL);

  if (!make_fresh_dir (config, error) || !make_fresh_dir (state, error))
    return FALSE;

  if (config_dir != NULL)
    *config_dir = g_steal_pointer (&config);
  if (state_dir != NULL)
    *state_dir = g_steal_pointer (&state);
  return TRUE;
}

static void
sy_demo_dispose (GObject *object)
{
  SyDemo *self = SY_DEMO (object);

  if (self->sandbox != NULL)
    sy_sandbox_process_stop (self->sandbox);
  g_clear_object (&self->sandbox);
  g_clear_object (&self->connections);
  g_clear_object (&self->secrets);
  g_clear_pointer (&self->demo_connections, g_ptr_array_unref);

  G_OBJECT_CLASS (sy_demo_parent_class)->dispose (object);
}

static void
sy_demo_finalize (GObject *object)
{
  SyDemo *self = SY_DEMO (object);

  g_free (self->keyring_message);

  G_OBJECT_CLASS (sy_demo_parent_class)->finalize (object);
}

static void
sy_demo_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  SyDemo *self = SY_DEMO (object);

  switch (prop_id)
    {
    case PROP_TOKENS_IN_MEMORY:
      g_value_set_boolean (value, self->tokens_in_memory);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_demo_class_init (SyDemoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_demo_dispose;
  object_class->finalize = sy_demo_finalize;
  object_class->get_property = sy_demo_get_property;

  properties[PROP_TOKENS_IN_MEMORY] =
    g_param_spec_boolean ("tokens-in-memory", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_demo_init (SyDemo *self)
{
  self->demo_connections = g_ptr_array_new_with_free_func (g_object_unref);
}

SyDemo *
sy_demo_new (SyConnectionStore *connections,
             SySecretStore     *secrets)
{
  SyDemo *self;

  g_return_val_if_fail (SY_IS_CONNECTION_STORE (connections), NULL);
  g_return_val_if_fail (SY_IS_SECRET_STORE (secrets), NULL);

  self = g_object_new (SY_TYPE_DEMO, NULL);
  self->connections = g_object_ref (connections);
  self->secrets = g_object_ref (secrets);
  self->tokens_in_memory = sy_secret_store_is_in_memory (secrets);

  return self;
}

SySecretStore *
sy_demo_get_secret_store (SyDemo *self)
{
  g_return_val_if_fail (SY_IS_DEMO (self), NULL);
  return self->secrets;
}

gboolean
sy_demo_get_tokens_in_memory (SyDemo *self)
{
  g_return_val_if_fail (SY_IS_DEMO (self), FALSE);
  return self->tokens_in_memory;
}

const char *
sy_demo_get_keyring_message (SyDemo *self)
{
  g_return_val_if_fail (SY_IS_DEMO (self), NULL);
  return self->keyring_message;
}

SySandboxProcess *
sy_demo_get_sandbox (SyDemo *self)
{
  g_return_val_if_fail (SY_IS_DEMO (self), NULL);
  return self->sandbox;
}

GPtrArray *
sy_demo_get_connections (SyDemo *self)
{
  g_return_val_if_fail (SY_IS_DEMO (self), NULL);
  return self->demo_connections;
}

/* Start: sandbox, then each demo connection in turn (token, then entry). */

typedef struct
{
  guint         index;
  SyConnection *connection;
} StartData;

static void
start_data_free (StartData *data)
{
  g_clear_object (&data->connection);
  g_free (data);
}

static void store_next_token (GTask *task);

static gboolean
is_no_keyring_error (const GError *error)
{
  /* A keyring that stays locked or never answers is as good as none for a
   * demo that must show data within seconds. */
  return g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NO_KEYRING) ||
         g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_LOCKED) ||
         g_error_matches (error, SY_SECRET_ERROR, SY_SECRET_ERROR_TIMEOUT);
}

static void
connection_added_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SyDemo *self = g_task_get_source_object (task);
  StartData *data = g_task_get_task_data (task);
  g_autoptr(SyConnection) added = NULL;
  g_autoptr(GError) error = NULL;

  added = sy_connection_add_finish (result, NULL, &error);
  if (added == NULL)
    {
      if (is_no_keyring_error (error) && !self->tokens_in_memory)
        {
          g_clear_object (&self->secrets);
          self->secrets = sy_secret_store_new_in_memory ();
          self->tokens_in_memory = TRUE;
          g_free (self->keyring_message);
          self->keyring_message = g_strdup (error->message);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKENS_IN_MEMORY]);
          g_clear_object (&data->connection);
          store_next_token (g_steal_pointer (&task));
          return;
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_clear_object (&data->connection);
  g_ptr_array_add (self->demo_connections, g_steal_pointer (&added));
  data->index++;
  store_next_token (g_steal_pointer (&task));
}

static void
store_next_token (GTask *task)
{
  SyDemo *self = g_task_get_source_object (task);
  StartData *data = g_task_get_task_data (task);
  const DemoConnection *demo;
  const char *token;

  if (data->index >= G_N_ELEMENTS (demo_connections))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  demo = &demo_connections[data->index];
  token = sy_sandbox_process_get_token (self->sandbox, demo->sandbox_connection);
  if (token == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The demo server gave no token for “%s”"), demo->name);
      g_object_unref (task);
      return;
    }

  /* Fixed ids, so a demo that crashed before clearing its tokens has them
   * replaced by the next demo's instead of leaving them in the keyring. */
  {
    g_autoptr(JsonObject) object = json_object_new ();
    g_autofree char *id = g_strconcat ("demo-", demo->sandbox_connection, NULL);
    g_autoptr(GError) error = NULL;

    json_object_set_string_member (object, "id", id);
    json_object_set_string_member (object, "name", demo->name);
    json_object_set_string_member (object, "base_url", sy_sandbox_process_get_url (self->sandbox));
    data->connection = sy_connection_new_from_json (object, &error);
    if (data->connection == NULL)
      {
        g_task_return_error (task, g_steal_pointer (&error));
        g_object_unref (task);
        return;
      }
  }
  sy_connection_set_platform (data->connection, demo->platform);
  sy_connection_set_domain (data->connection, demo->domain);

  sy_connection_add_async (self->connections, self->secrets, data->connection, token,
                           SY_CONNECTION_ADD_DEFAULT, g_task_get_cancellable (task),
                           connection_added_cb, task);
}

static void
sandbox_started_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!sy_sandbox_process_start_finish (SY_SANDBOX_PROCESS (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  store_next_token (g_steal_pointer (&task));
}

void
sy_demo_start_async (SyDemo              *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SY_IS_DEMO (self));
  g_return_if_fail (self->sandbox == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_demo_start_async);
  g_task_set_task_data (task, g_new0 (StartData, 1), (GDestroyNotify) start_data_free);

  /* A few orders the ERP refuses, so that a demo sync has failed records
   * to show, export and retry. */
  self->sandbox = sy_sandbox_process_new (demo_sandbox_args);
  sy_sandbox_process_start_async (self->sandbox, cancellable, sandbox_started_cb,
                                  g_steal_pointer (&task));
}

gboolean
sy_demo_start_finish (SyDemo        *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Stop: clear each demo connection's secrets, then stop the sandbox. */

typedef struct
{
  guint   index;
  GError *first_error;
} StopData;

static void
stop_data_free (StopData *data)
{
  g_clear_error (&data->first_error);
  g_free (data);
}

static void clear_next_token (GTask *task);

static void
token_cleared_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StopData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!sy_secret_store_clear_finish (SY_SECRET_STORE (source), result, &error) &&
      data->first_error == NULL)
    data->first_error = g_steal_pointer (&error);

  data->index++;
  clear_next_token (g_steal_pointer (&task));
}

static void
clear_next_token (GTask *task)
{
  SyDemo *self = g_task_get_source_object (task);
  StopData *data = g_task_get_task_data (task);
  SyConnection *connection;

  if (data->index >= self->demo_connections->len)
    {
      if (self->sandbox != NULL)
        sy_sandbox_process_stop (self->sandbox);

      if (data->first_error != NULL)
        g_task_return_error (task, g_steal_pointer (&data->first_error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  connection = g_ptr_array_index (self->demo_connections, data->index);
  sy_secret_store_clear_async (self->secrets, sy_connection_get_id (connection), NULL,
                               g_task_get_cancellable (task), token_cleared_cb, task);
}

void
sy_demo_stop_async (SyDemo              *self,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SY_IS_DEMO (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_demo_stop_async);
  g_task_set_task_data (task, g_new0 (StopData, 1), (GDestroyNotify) stop_data_free);
  clear_next_token (task);
}

gboolean
sy_demo_stop_finish (SyDemo        *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
