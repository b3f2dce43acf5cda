/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sy-json.h"
#include "sy-paths.h"
#include "sy-sandbox-process.h"

/* Seeding tens of thousands of records under AddressSanitizer on a busy
 * two-core machine has taken close to ten seconds; a user waiting for the
 * demo is told within half a minute either way. */
#define DEFAULT_START_TIMEOUT_SECONDS 30
#define STOP_TIMEOUT_MS 2000

struct _SySandboxProcess
{
  GObject parent_instance;

  GStrv extra_args;
  guint start_timeout_seconds;
  GSubprocess *subprocess;
  GDataInputStream *stdout_stream;
  gboolean starting;

  char *url;
  char *wms_token;
  char *erp_token;
  char *ca_file;
  char *link_client_id;
  char *link_client_secret;
};

G_DEFINE_FINAL_TYPE (SySandboxProcess, sy_sandbox_process, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_START_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The state of one start: the first line is read with a cancellable of
 * our own, cancelled by the caller's cancellable or by the deadline. */
typedef struct
{
  GCancellable *read_cancellable;
  GCancellable *caller_cancellable;
  gulong caller_cancelled_id;
  GSource *deadline;
  gboolean timed_out;
} StartData;

static void
start_data_free (StartData *data)
{
  if (data->deadline != NULL)
    {
      g_source_destroy (data->deadline);
      g_source_unref (data->deadline);
    }
  if (data->caller_cancellable != NULL)
    {
      g_cancellable_disconnect (data->caller_cancellable, data->caller_cancelled_id);
      g_object_unref (data->caller_cancellable);
    }
  g_clear_object (&data->read_cancellable);
  g_free (data);
}

static gboolean
flag_done (gpointer user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

static void
subprocess_waited (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static void
sy_sandbox_process_terminate (SySandboxProcess *self)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GSource) deadline = NULL;
  gboolean exited = FALSE;
  gboolean timed_out = FALSE;

  if (self->subprocess == NULL)
    return;

  /* The sandbox gets a short while to shut down cleanly on SIGTERM; one
   * that does not is killed, so that nothing outlives its owner. A private
   * context keeps the caller's main loop from running under its feet. */
  g_subprocess_send_signal (self->subprocess, SIGTERM);

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);

  g_subprocess_wait_async (self->subprocess, NULL, subprocess_waited, &exited);
  deadline = g_timeout_source_new (STOP_TIMEOUT_MS);
  g_source_set_callback (deadline, flag_done, &timed_out, NULL);
  g_source_attach (deadline, context);

  while (!exited && !timed_out)
    g_main_context_iteration (context, TRUE);

  if (!exited)
    {
      g_subprocess_force_exit (self->subprocess);
      /* The async wait still holds pointers into this frame. */
      while (!exited)
        g_main_context_iteration (context, TRUE);
    }

  g_source_destroy (deadline);
  g_main_context_pop_thread_default (context);

  g_clear_object (&self->subprocess);
}

void
sy_sandbox_process_stop (SySandboxProcess *self)
{
  g_return_if_fail (SY_IS_SANDBOX_PROCESS (self));

  sy_sandbox_process_terminate (self);
  g_clear_object (&self->stdout_stream);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->wms_token, g_free);
  g_clear_pointer (&self->erp_token, g_free);
  g_clear_pointer (&self->ca_file, g_free);
  g_clear_pointer (&self->link_client_id, g_free);
  g_clear_pointer (&self->link_client_secret, g_free);
}

static void
sy_sandbox_process_dispose (GObject *object)
{
  SySandboxProcess *self = SY_SANDBOX_PROCESS (object);

  sy_sandbox_process_stop (self);

  G_OBJECT_CLASS (sy_sandbox_process_parent_class)->dispose (object);
}

static void
sy_sandbox_process_finalize (GObject *object)
{
  SySandboxProcess *self = SY_SANDBOX_PROCESS (object);

  g_strfreev (self->extra_args);
  g_free (self->url);
  g_free (self->wms_token);
  g_free (self->erp_token);
  g_free (self->ca_file);
  g_free (self->link_client_id);
  g_free (self->link_client_secret);

  G_OBJECT_CLASS (sy_sandbox_process_parent_class)->finalize (object);
}

static void
sy_sandbox_process_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SySandboxProcess *self = SY_SANDBOX_PROCESS (object);

  switch (prop_id)
    {
    case PROP_START_TIMEOUT:
      g_value_set_uint (value, self->start_timeout_seconds);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_sandbox_process_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SySandboxProcess *self = SY_SANDBOX_PROCESS (object);

  switch (prop_id)
    {
    case PROP_START_TIMEOUT:
      if (self->start_timeout_seconds != g_value_get_uint (value))
        {
          self->start_timeout_seconds = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_sandbox_process_class_init (SySandboxProcessClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sy_sandbox_process_dispose;
  object_class->finalize = sy_sandbox_process_finalize;
  object_class->get_property = sy_sandbox_process_get_property;
  object_class->set_property = sy_sandbox_process_set_property;

  /* How long the first line may take, in seconds. */
  properties[PROP_START_TIMEOUT] =
    g_param_spec_uint ("start-timeout", NULL, NULL,
                       1, 3600, DEFAULT_START_TIMEOUT_SECONDS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sy_sandbox_process_init (SySandboxProcess *self)
{
  self->start_timeout_seconds = DEFAULT_START_TIMEOUT_SECONDS;
}

SySandboxProcess *
sy_sandbox_process_new (const char * const *extra_args)
{
  SySandboxProcess *self = g_object_new (SY_TYPE_SANDBOX_PROCESS, NULL);

  self->extra_args = g_strdupv ((char **) extra_args);
  return self;
}

#ifdef __linux__
static void
die_with_parent (gpointer user_data)
{
  /* A test that crashes must not leave a server behind. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}
#endif

static gboolean
parse_ready_line (SySandboxProcess  *self,
                  const char        *line,
                  GError           **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;
  JsonObject *tokens;
  const char *url;
  const char *wms;
  const char *erp;
  const char *ca_file;

  if (!sy_json_parser_load (parser, line, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root))
    goto garbage;

  object = json_node_get_object (root);
  url = json_object_get_string_member_with_default (object, "url", NULL);
  if (!json_object_has_member (object, "tokens") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "tokens")))
    goto garbage;
  tokens = json_object_get_object_member (object, "tokens");
  wms = json_object_get_string_member_with_default (tokens, "wms", NULL);
  erp = json_object_get_string_member_with_default (tokens, "erp", NULL);

  /* "ca" comes with --tls, and only then. */
  ca_file = json_object_get_string_member_with_default (object, "ca", NULL);

  if (url == NULL || wms == NULL || erp == NULL || *wms == '\0' || *erp == '\0')
    goto garbage;
  if (ca_file == NULL ? !g_str_has_prefix (url, "http://")
                      : !g_str_has_prefix (url, "https://") || !g_path_is_absolute (ca_file))
    goto garbage;

  g_free (self->url);
  self->url = g_strdup (url);
  g_free (self->wms_token);
  self->wms_token = g_strdup (wms);
  g_free (self->erp_token);
  self->erp_token = g_strdup (erp);
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);

  /* An older sandbox announces no integration app: Link is then simply
   * unavailable, not a broken start. */
  g_clear_pointer (&self->link_client_id, g_free);
  g_clear_pointer (&self->link_client_secret, g_free);
  if (json_object_has_member (object, "link") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "link")))
    {
      JsonObject *link = json_object_get_object_member (object, "link");

      self->link_client_id = g_strdup (json_object_get_string_member_with_default (link, "client_id", NULL));
      self->link_client_secret = g_strdup (json_object_get_string_member_with_default (link, "client_secret", NULL));
    }
  return TRUE;

garbage:
  /* The line may hold tokens: it is not quoted in the message. */
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               _("The sandbox server did not announce its address and tokens as expected"));
  return FALSE;
}

static void
first_line_read (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SySandboxProcess *self = g_task_get_source_object (task);
  StartData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  self->starting = FALSE;
  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                    NULL, &error);

  if (line == NULL)
    {
      if (data->timed_out)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                 _("The sandbox server did not start within %d seconds"),
                                 (int) SY_SANDBOX_PROCESS (g_task_get_source_object (task))->start_timeout_seconds);
      else if (g_cancellable_is_cancelled (data->caller_cancellable))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 _("Starting the sandbox server was cancelled"));
      else if (error != NULL)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                 _("Could not read from the sandbox server: %s"), error->message);
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                 _("The sandbox server exited before it was ready"));
      sy_sandbox_process_stop (self);
      return;
    }

  if (!parse_ready_line (self, line, &error))
    {
      sy_sandbox_process_stop (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static gboolean
start_deadline_reached (gpointer user_data)
{
  StartData *data = user_data;

  data->timed_out = TRUE;
  g_cancellable_cancel (data->read_cancellable);
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  GCancellable *read_cancellable = user_data;

  g_cancellable_cancel (read_cancellable);
}

void
sy_sandbox_process_start_async (SySandboxProcess    *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *program = NULL;
  StartData *data;

  g_return_if_fail (SY_IS_SANDBOX_PROCESS (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_sandbox_process_start_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (self->subprocess != NULL || self->starting)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _("The sandbox server is already running"));
      return;
    }

  program = sy_paths_find_sandbox ();
  if (program == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The sandbox server program “switchyard-sandbox” was not found; "
                                 "set SWITCHYARD_SANDBOX to its path or install it"));
      return;
    }

  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, program);
  for (guint i = 0; self->extra_args != NULL && self->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, self->extra_args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
#ifdef __linux__
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
#endif
  self->subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                   &error);
  if (self->subprocess == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("Could not start the sandbox server “%s”: %s"),
                               program, error->message);
      return;
    }

  self->stdout_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->subprocess));
  self->starting = TRUE;

  data = g_new0 (StartData, 1);
  data->read_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled),
                                                         data->read_cancellable, NULL);
    }
  data->deadline = g_timeout_source_new_seconds (self->start_timeout_seconds);
  g_source_set_callback (data->deadline, start_deadline_reached, data, NULL);
  g_source_attach (data->deadline, g_task_get_context (task));
  g_task_set_task_data (task, data, (GDestroyNotify) start_data_free);

  g_data_input_stream_read_line_async (self->stdout_stream, G_PRIORITY_DEFAULT,
                                       data->read_cancellable, first_line_read,
                                       g_steal_pointer (&task));
}

gboolean
sy_sandbox_process_start_finish (SySandboxProcess  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (SY_IS_SANDBOX_PROCESS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

gboolean
sy_sandbox_process_start_sync (SySandboxProcess  *self,
                               GCancellable      *cancellable,
                               GError           **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  g_return_val_if_fail (SY_IS_SANDBOX_PROCESS (self), FALSE);

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);

  sy_sandbox_process_start_async (self, cancellable, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);

  ok = sy_sandbox_process_start_finish (self, result, error);
  g_main_context_pop_thread_default (context);

  return ok;
}

const char *
sy_sandbox_process_get_url (SySandboxProcess *self)
{
  g_return_val_if_fail (SY_IS_SANDBOX_PROCESS (self), NULL);

  return self->url;
}

const char *
sy_sandbox_process_get_token (SySandboxProcess *self,
                              const char       *connection)
{
  g_return_val_if_fail (SY_IS_SANDBOX_PROCESS (self), NULL);
  g_return_val_if_fail (connection != NULL, NULL);

  if (g_str_equal (connection, "wms"))
    return self->wms_token;
  if (g_str_equal (connection, "erp"))
    return self->erp_token;
  return NULL;
}

const char *
sy_sandbox_process_get_ca_file (SySandboxProcess *self)
{
  g_return_val_if_fail (SY_IS_SANDBOX_PROCESS (self), NULL);

  return self->ca_file;
}

const char *
sy_sandbox_process_get_link_client_id (SySandboxProcess *self)
{
  g_return_val_if_fail (SY_IS_SANDBOX_PROCESS (self), NULL);

  return self->link_client_id;
}

const char *
sy_sandbox_process_get_link_client_secret (SySandboxProcess *self)
{
  g_return_val_if_fail (SY_IS_SANDBOX_PROCESS (self), NULL);

  return self->link_client_secret;
}
