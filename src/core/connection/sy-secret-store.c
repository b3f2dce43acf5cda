/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "sy-error.h"
#include "sy-secret-store-private.h"

#define DEFAULT_TIMEOUT_MS 10000

struct _SySecretStore
{
  GObject     parent_instance;

  guint       timeout_ms;

  /* In-memory mode only: "<connection-id>\n<kind>" → secret. */
  GHashTable *memory;

  /* Test hook: the next store of this kind fails (a keyring that refuses
   * one write), see sy-secret-store-private.h. */
  char       *fail_next_store_of;
};

G_DEFINE_FINAL_TYPE (SySecretStore, sy_secret_store, G_TYPE_OBJECT)

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    SY_SECRET_SCHEMA, SECRET_SCHEMA_NONE,
    {
      { "connection-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

static void
wipe_string (char *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
}

void
sy_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  wipe_string (secret);
  g_free (secret);
}

static void
sy_secret_store_finalize (GObject *object)
{
  SySecretStore *self = SY_SECRET_STORE (object);

  g_clear_pointer (&self->memory, g_hash_table_unref);
  g_free (self->fail_next_store_of);

  G_OBJECT_CLASS (sy_secret_store_parent_class)->finalize (object);
}

static void
sy_secret_store_class_init (SySecretStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_secret_store_finalize;
}

static void
sy_secret_store_init (SySecretStore *self)
{
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
}

SySecretStore *
sy_secret_store_new (void)
{
  return g_object_new (SY_TYPE_SECRET_STORE, NULL);
}

SySecretStore *
sy_secret_store_new_in_memory (void)
{
  SySecretStore *self = g_object_new (SY_TYPE_SECRET_STORE, NULL);

  self->memory = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) sy_secret_free);
  return self;
}

gboolean
sy_secret_store_is_in_memory (SySecretStore *self)
{
  g_return_val_if_fail (SY_IS_SECRET_STORE (self), FALSE);

  return self->memory != NULL;
}

/* timeout_ms: how long one call may wait for the keyring (default 10 s). */
void
sy_secret_store_set_timeout (SySecretStore *self,
                             guint          timeout_ms)
{
  g_return_if_fail (SY_IS_SECRET_STORE (self));

  self->timeout_ms = MAX (timeout_ms, 1);
}

/* Error mapping. */

static GError *
new_no_keyring_error (void)
{
  return g_error_new_literal (SY_SECRET_ERROR, SY_SECRET_ERROR_NO_KEYRING,
                              _("No keyring is available. Switchyard keeps tokens only in the "
                                "system keyring (Secret Service); start GNOME Keyring or another "
                                "Secret Service and try again."));
}

static GError *
new_timeout_error (void)
{
  return g_error_new_literal (SY_SECRET_ERROR, SY_SECRET_ERROR_TIMEOUT,
                              _("The keyring did not answer in time. It may be locked and waiting "
                                "for a password in a prompt that is not shown; unlock it and try again."));
}

static GError *
new_locked_error (void)
{
  return g_error_new_literal (SY_SECRET_ERROR, SY_SECRET_ERROR_LOCKED,
                              _("The keyring is locked. Unlock it (for example in Passwords and Keys) "
                                "and try again."));
}

static gboolean
means_no_keyring (const GError *error)
{
  if (error->domain == G_SPAWN_ERROR)
    return TRUE;

  if (error->domain == G_DBUS_ERROR)
    {
      switch (error->code)
        {
        case G_DBUS_ERROR_SERVICE_UNKNOWN:
        case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
        case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
        case G_DBUS_ERROR_SPAWN_FORK_FAILED:
        case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
        case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
        case G_DBUS_ERROR_SPAWN_FAILED:
        case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
        case G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID:
        case G_DBUS_ERROR_SPAWN_FILE_INVALID:
        case G_DBUS_ERROR_SPAWN_NO_MEMORY:
          return TRUE;
        default:
          return FALSE;
        }
    }

  /* GDBus reports this one as a plain G_IO_ERROR_FAILED. */
  if (error->domain == G_IO_ERROR && error->message != NULL &&
      strstr (error->message, "Cannot autolaunch D-Bus without X11") != NULL)
    return TRUE;

  return FALSE;
}

static GError *
map_keyring_error (GError *error)
{
  GError *mapped;

  if (means_no_keyring (error))
    mapped = new_no_keyring_error ();
  else if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED) ||
           /* Neither we nor the caller cancelled it: the keyring did,
            * as when its unlock prompt is dismissed. */
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    mapped = new_locked_error ();
  else
    {
      g_dbus_error_strip_remote_error (error);
      mapped = g_error_new (SY_SECRET_ERROR, SY_SECRET_ERROR_FAILED,
                            _("The keyring reported a problem: %s"), error->message);
    }

  g_error_free (error);
  return mapped;
}

/* One keyring call. The GTask is returned exactly once: by libsecret's
 * answer, by the timeout or by the caller's cancellation, whichever comes
 * first. A late answer from libsecret is then only cleaned up, so no call
 * can hang however the keyring behaves. */

typedef enum
{
  OPERATION_STORE,
  OPERATION_LOOKUP,
  OPERATION_CLEAR,
} OperationKind;

typedef struct
{
  OperationKind  kind;
  GHashTable    *attributes;
  char          *label;
  char          *secret;
  GCancellable  *keyring_cancellable;
  GSource       *timeout_source;
  GSource       *cancelled_source;
  gboolean       returned;
} Operation;

static void
operation_stop_watching (Operation *op)
{
  if (op->timeout_source != NULL)
    {
      g_source_destroy (op->timeout_source);
      g_clear_pointer (&op->timeout_source, g_source_unref);
    }
  if (op->cancelled_source != NULL)
    {
      g_source_destroy (op->cancelled_source);
      g_clear_pointer (&op->cancelled_source, g_source_unref);
    }
}

static void
operation_free (Operation *op)
{
  operation_stop_watching (op);
  g_clear_pointer (&op->attributes, g_hash_table_unref);
  g_free (op->label);
  sy_secret_free (op->secret);
  g_clear_object (&op->keyring_cancellable);
  g_free (op);
}

/* Returns FALSE when the task has already been returned. */
static gboolean
operation_claim (GTask *task)
{
  Operation *op = g_task_get_task_data (task);

  if (op->returned)
    return FALSE;

  op->returned = TRUE;
  operation_stop_watching (op);
  /* Whatever libsecret is still doing is of no use to anybody now. */
  g_cancellable_cancel (op->keyring_cancellable);
  return TRUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  GTask *task = user_data;

  if (operation_claim (task))
    g_task_return_error (task, new_timeout_error ());

  return G_SOURCE_REMOVE;
}

static gboolean
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;

  if (operation_claim (task))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "%s", _("The keyring operation was cancelled."));

  return G_SOURCE_REMOVE;
}

static void
on_store_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gboolean ok = secret_password_store_finish (result, &error);

  if (!operation_claim (task))
    {
      g_clear_error (&error);
      return;
    }

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, map_keyring_error (error));
}

static void
on_lookup_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *secret = secret_password_lookup_nonpageable_finish (result, &error);
  char *copy = NULL;

  if (secret != NULL)
    {
      copy = g_strdup (secret);
      wipe_string (secret);
      secret_password_free (secret);
    }

  if (!operation_claim (task))
    {
      sy_secret_free (copy);
      g_clear_error (&error);
      return;
    }

  if (copy != NULL)
    g_task_return_pointer (task, copy, (GDestroyNotify) sy_secret_free);
  else if (error != NULL)
    g_task_return_error (task, map_keyring_error (error));
  else
    g_task_return_new_error (task, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND,
                             "%s", _("No secret of this kind is stored for this connection."));
}

static void
on_clear_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  /* FALSE without an error means there was nothing to remove: fine. */
  secret_password_clear_finish (result, &error);

  if (!operation_claim (task))
    {
      g_clear_error (&error);
      return;
    }

  if (error != NULL)
    g_task_return_error (task, map_keyring_error (error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_bus_ready (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Operation *op = g_task_get_task_data (task);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;

  bus = g_bus_get_finish (result, &error);

  if (op->returned)
    return;

  /* However the session bus is missing (no address, nothing listening,
   * no X11 to autolaunch one, no dbus-launch), there is no keyring. */
  if (bus == NULL)
    {
      operation_claim (task);
      g_task_return_error (task, new_no_keyring_error ());
      return;
    }

  /* libsecret finds the same, cached session bus. */
  switch (op->kind)
    {
    case OPERATION_STORE:
      secret_password_storev (get_schema (), op->attributes, SECRET_COLLECTION_DEFAULT,
                              op->label, op->secret, op->keyring_cancellable,
                              on_store_done, g_object_ref (task));
      /* libsecret has its own copy now. */
      g_clear_pointer (&op->secret, sy_secret_free);
      break;

    case OPERATION_LOOKUP:
      secret_password_lookupv (get_schema (), op->attributes, op->keyring_cancellable,
                               on_lookup_done, g_object_ref (task));
      break;

    case OPERATION_CLEAR:
      secret_password_clearv (get_schema (), op->attributes, op->keyring_cancellable,
                              on_clear_done, g_object_ref (task));
      break;

    default:
      g_assert_not_reached ();
    }
}

static GHashTable *
new_attributes (const char *connection_id,
                const char *kind)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (attributes, (gpointer) "connection-id", g_strdup (connection_id));
  if (kind != NULL)
    g_hash_table_insert (attributes, (gpointer) "kind", g_strdup (kind));

  return attributes;
}

static char *
memory_key (const char *connection_id,
            const char *kind)
{
  return g_strconcat (connection_id, "\n", kind, NULL);
}

static void
run_in_memory (SySecretStore *self,
               GTask         *task,
               Operation     *op)
{
  const char *connection_id = g_hash_table_lookup (op->attributes, "connection-id");
  const char *kind = g_hash_table_lookup (op->attributes, "kind");

  /* GTask delivers these results from an idle, never from inside the
   * _async() call, just as the keyring would. */
  switch (op->kind)
    {
    case OPERATION_STORE:
      g_hash_table_replace (self->memory, memory_key (connection_id, kind), g_steal_pointer (&op->secret));
      g_task_return_boolean (task, TRUE);
      break;

    case OPERATION_LOOKUP:
      {
        g_autofree char *key = memory_key (connection_id, kind);
        const char *secret = g_hash_table_lookup (self->memory, key);

        if (secret != NULL)
          g_task_return_pointer (task, g_strdup (secret), (GDestroyNotify) sy_secret_free);
        else
          g_task_return_new_error (task, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND,
                                   "%s", _("No secret of this kind is stored for this connection."));
      }
      break;

    case OPERATION_CLEAR:
      {
        g_autofree char *prefix = g_strconcat (connection_id, "\n", NULL);
        g_autofree char *exact_key = kind ? memory_key (connection_id, kind) : NULL;
        GHashTableIter iter;
        const char *key;

        g_hash_table_iter_init (&iter, self->memory);
        while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
          {
            if (exact_key != NULL ? strcmp (key, exact_key) == 0 : g_str_has_prefix (key, prefix))
              g_hash_table_iter_remove (&iter);
          }
        g_task_return_boolean (task, TRUE);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
start_operation (SySecretStore       *self,
                 Operation           *op,
                 gpointer             source_tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GMainContext *context = g_task_get_context (task);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) operation_free);

  if (g_task_return_error_if_cancelled (task))
    {
      op->returned = TRUE;
      return;
    }

  if (self->memory != NULL)
    {
      op->returned = TRUE;
      run_in_memory (self, task, op);
      return;
    }

  op->keyring_cancellable = g_cancellable_new ();

  /* The sources point at the task without owning it: they are destroyed
   * when the task is returned, and libsecret's callback keeps the task
   * alive until then. */
  op->timeout_source = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (op->timeout_source, on_timeout, task, NULL);
  g_source_set_static_name (op->timeout_source, "[switchyard] keyring timeout");
  g_source_attach (op->timeout_source, context);

  if (cancellable != NULL)
    {
      op->cancelled_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (op->cancelled_source, G_SOURCE_FUNC (on_caller_cancelled), task, NULL);
      g_source_set_static_name (op->cancelled_source, "[switchyard] keyring cancelled");
      g_source_attach (op->cancelled_source, context);
    }

  g_bus_get (G_BUS_TYPE_SESSION, op->keyring_cancellable, on_bus_ready, g_object_ref (task));
}

static Operation *
operation_new (OperationKind  kind,
               const char    *connection_id,
               const char    *secret_kind)
{
  Operation *op = g_new0 (Operation, 1);

  op->kind = kind;
  op->attributes = new_attributes (connection_id, secret_kind);
  return op;
}

void
sy_secret_store_fail_next_store (SySecretStore *self,
                                 const char    *kind)
{
  g_return_if_fail (SY_IS_SECRET_STORE (self));

  g_free (self->fail_next_store_of);
  self->fail_next_store_of = g_strdup (kind);
}

void
sy_secret_store_store_async (SySecretStore       *self,
                             const char          *connection_id,
                             const char          *kind,
                             const char          *label,
                             const char          *secret,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Operation *op;

  g_return_if_fail (SY_IS_SECRET_STORE (self));
  g_return_if_fail (connection_id != NULL);
  g_return_if_fail (kind != NULL);
  g_return_if_fail (secret != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (self->fail_next_store_of != NULL && g_str_equal (self->fail_next_store_of, kind))
    {
      g_clear_pointer (&self->fail_next_store_of, g_free);
      g_task_report_new_error (self, callback, user_data, sy_secret_store_store_async,
                               SY_SECRET_ERROR, SY_SECRET_ERROR_TIMEOUT, "%s",
                               "The keyring refused this write (a test asked it to)");
      return;
    }
  op = operation_new (OPERATION_STORE, connection_id, kind);
  op->label = g_strdup (label ? label : _("Switchyard secret"));
  op->secret = g_strdup (secret);

  start_operation (self, op, sy_secret_store_store_async, cancellable, callback, user_data);
}

gboolean
sy_secret_store_store_finish (SySecretStore  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (SY_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sy_secret_store_lookup_async (SySecretStore       *self,
                              const char          *connection_id,
                              const char          *kind,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (SY_IS_SECRET_STORE (self));
  g_return_if_fail (connection_id != NULL);
  g_return_if_fail (kind != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_operation (self, operation_new (OPERATION_LOOKUP, connection_id, kind),
                   sy_secret_store_lookup_async, cancellable, callback, user_data);
}

/* Returns a g_malloc()ed copy: free it with sy_secret_free(). */
char *
sy_secret_store_lookup_finish (SySecretStore  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (SY_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sy_secret_store_clear_async (SySecretStore       *self,
                             const char          *connection_id,
                             const char          *kind,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (SY_IS_SECRET_STORE (self));
  g_return_if_fail (connection_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_operation (self, operation_new (OPERATION_CLEAR, connection_id, kind),
                   sy_secret_store_clear_async, cancellable, callback, user_data);
}

gboolean
sy_secret_store_clear_finish (SySecretStore  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (SY_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
