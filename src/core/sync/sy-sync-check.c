/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-sync-check.h"

char *
sy_sync_describe_missing_connection (const char *name)
{
  return g_strdup_printf (_("Connection “%s” no longer exists — pick another or add it"), name != NULL ? name : "");
}

/* As the store compares names: case-insensitive, surrounding spaces
 * ignored. */
static gboolean
same_connection (SyConnectionStore *connections,
                 const char        *a,
                 const char        *b)
{
  if (connections != NULL)
    {
      SyConnection *ca = sy_connection_store_find_by_name (connections, a != NULL ? a : "");
      SyConnection *cb = sy_connection_store_find_by_name (connections, b != NULL ? b : "");

      if (ca != NULL && cb != NULL)
        return ca == cb;
    }
  return sy_connection_names_equal (a, b);
}

static GPtrArray *
check_names (const char        *source_connection,
             const char        *source_entity,
             const char        *target_connection,
             const char        *target_entity,
             SyConnectionStore *connections)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_mapping_problem_free);
  gboolean source_missing = FALSE;

  /* A mapping without a connection yet (a new one) has nothing to refer
   * to: the editor asks for one; the engine's own checks refuse it. */
  if (connections != NULL && source_connection != NULL && *source_connection != '\0' &&
      sy_connection_store_find_by_name (connections, source_connection) == NULL)
    {
      g_autofree char *message = sy_sync_describe_missing_connection (source_connection);

      source_missing = TRUE;
      g_ptr_array_add (problems, sy_mapping_problem_new_full ("source.connection", message, TRUE));
    }

  if (connections != NULL && target_connection != NULL && *target_connection != '\0' &&
      sy_connection_store_find_by_name (connections, target_connection) == NULL &&
      !(source_missing && same_connection (NULL, source_connection, target_connection)))
    {
      g_autofree char *message = sy_sync_describe_missing_connection (target_connection);

      g_ptr_array_add (problems, sy_mapping_problem_new_full ("target.connection", message, TRUE));
    }

  if (source_connection != NULL && *source_connection != '\0' &&
      target_connection != NULL && *target_connection != '\0' &&
      source_entity != NULL && *source_entity != '\0' &&
      g_strcmp0 (source_entity, target_entity) == 0 &&
      same_connection (connections, source_connection, target_connection))
    {
      g_ptr_array_add (problems,
                       sy_mapping_problem_new_full ("target",
                                                    _("Source and target are the same — records would be written back where they came from"),
                                                    TRUE));
    }

  return problems;
}

GPtrArray *
sy_mapping_check_connections (SyMapping         *mapping,
                              SyConnectionStore *connections)
{
  g_return_val_if_fail (SY_IS_MAPPING (mapping), NULL);
  g_return_val_if_fail (connections == NULL || SY_IS_CONNECTION_STORE (connections), NULL);

  return check_names (sy_mapping_get_source_connection (mapping), sy_mapping_get_source_entity (mapping),
                      sy_mapping_get_target_connection (mapping), sy_mapping_get_target_entity (mapping),
                      connections);
}

static gboolean
problems_to_error (GPtrArray  *problems,
                   GError    **error)
{
  g_autoptr(GString) message = NULL;

  if (problems->len == 0)
    return TRUE;

  message = g_string_new (NULL);
  for (guint i = 0; i < problems->len; i++)
    {
      if (i > 0)
        g_string_append_c (message, '\n');
      g_string_append (message, ((SyMappingProblem *) g_ptr_array_index (problems, i))->message);
    }
  g_set_error_literal (error, SY_SYNC_ERROR, SY_SYNC_ERROR_UNSAFE_MAPPING, message->str);
  return FALSE;
}

gboolean
sy_sync_check_mapping (SyMapping          *mapping,
                       SyConnectionStore  *connections,
                       GError            **error)
{
  g_autoptr(GPtrArray) problems = NULL;

  g_return_val_if_fail (SY_IS_MAPPING (mapping), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  problems = sy_mapping_check_connections (mapping, connections);
  return problems_to_error (problems, error);
}

gboolean
sy_sync_check_run (const SySyncRun    *run,
                   SyConnectionStore  *connections,
                   GError            **error)
{
  g_autoptr(GPtrArray) problems = NULL;

  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (connections == NULL || SY_IS_CONNECTION_STORE (connections), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  problems = check_names (run->source_connection, run->source_entity,
                          run->target_connection, run->target_entity, connections);
  return problems_to_error (problems, error);
}
