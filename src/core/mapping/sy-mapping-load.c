/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "sy-file.h"
#include "sy-json.h"
#include "sy-mapping.h"
#include "sy-mapping-private.h"
#include "sy-mapping-transform.h"

/* ---- parsing ---- */

static const char *const top_members[] = { "version", "name", "source", "target", "match", "automation", "fields", NULL };
static const char *const end_members[] = { "connection", "entity", NULL };
static const char *const match_members[] = { "source", "target", NULL };

static gboolean
check_members (JsonObject         *object,
               const char * const *known,
               const char         *what,
               SyMappingLocator   *locator,
               GError            **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (known, l->data))
        {
          g_autofree char *list = g_strjoinv (", ", (char **) known);
          *error = sy_mapping_locator_error (locator, object, l->data, _("%s has no member “%s” (known: %s)"),
                                             what, (const char *) l->data, list);
          return FALSE;
        }
    }
  return TRUE;
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static gboolean
is_entity_name (const char *entity)
{
  const char *slash = strchr (entity, '/');

  if (slash == NULL || slash == entity || slash[1] == '\0' || strchr (slash + 1, '/') != NULL)
    return FALSE;
  for (const char *p = entity; *p != '\0'; p++)
    if (p != slash && !g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* "source" or "target": {"connection", "entity"}. */
static gboolean
parse_end (JsonObject        *root,
           const char        *member,
           SyMappingLocator  *locator,
           const char       **connection,
           const char       **entity,
           GError           **error)
{
  JsonNode *node = json_object_get_member (root, member);
  g_autofree char *what = g_strdup_printf (_("the mapping’s “%s”"), member);
  JsonObject *object;

  if (node == NULL)
    {
      *error = sy_mapping_locator_error (locator, root, NULL,
                                         _("the mapping has no “%s” (write {\"connection\": …, \"entity\": …})"),
                                         member);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      *error = sy_mapping_locator_error (locator, root, member,
                                         _("the mapping’s “%s” must be an object {\"connection\": …, \"entity\": …}"),
                                         member);
      return FALSE;
    }
  object = json_node_get_object (node);
  if (!check_members (object, end_members, what, locator, error))
    return FALSE;

  /* A connection that is missing, empty or unknown here is for the
   * caller to report (the file is shareable, and a draft may lack one). */
  *connection = get_string (object, "connection");
  if (*connection == NULL && json_object_has_member (object, "connection"))
    {
      *error = sy_mapping_locator_error (locator, object, "connection",
                                         _("the mapping’s “%s”: “connection” must be the name of a connection"),
                                         member);
      return FALSE;
    }
  if (*connection != NULL && **connection == '\0')
    *connection = NULL;
  *entity = get_string (object, "entity");
  if (*entity == NULL || !is_entity_name (*entity))
    {
      *error = sy_mapping_locator_error (locator, object, json_object_has_member (object, "entity") ? "entity" : NULL,
                                         _("the mapping’s “%s” needs an “entity” of the form domain/name, e.g. “wms/sales-orders”"),
                                         member);
      return FALSE;
    }
  return TRUE;
}

static SyMapping *
parse_mapping (JsonNode          *root_node,
               SyMappingLocator  *locator,
               const char        *filename,
               GError           **error)
{
  g_autoptr(SyMapping) self = NULL;
  g_autoptr(GHashTable) targets = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObject *root;
  JsonNode *node;
  const char *name;
  const char *source_connection, *source_entity, *target_connection, *target_entity;
  JsonArray *fields;
  guint column;

  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    {
      *error = sy_mapping_error_new_at (SY_MAPPING_ERROR_INVALID, filename, 1, 1,
                                        _("a mapping file holds one JSON object"));
      return NULL;
    }
  root = json_node_get_object (root_node);
  if (!check_members (root, top_members, _("a mapping"), locator, error))
    return NULL;

  node = json_object_get_member (root, "version");
  if (node == NULL)
    {
      *error = sy_mapping_locator_error (locator, root, NULL, _("the mapping has no “version” (write \"version\": 1)"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) != 1)
    {
      *error = sy_mapping_locator_error (locator, root, "version",
                                         _("this application reads mapping files of version 1 only"));
      return NULL;
    }

  name = get_string (root, "name");
  if (name == NULL || *name == '\0')
    {
      *error = sy_mapping_locator_error (locator, root, json_object_has_member (root, "name") ? "name" : NULL,
                                         _("the mapping needs a “name”, a non-empty string"));
      return NULL;
    }

  if (!parse_end (root, "source", locator, &source_connection, &source_entity, error) ||
      !parse_end (root, "target", locator, &target_connection, &target_entity, error))
    return NULL;

  self = sy_mapping_new ();
  self->filename = g_strdup (filename);
  sy_mapping_set_name (self, name);
  sy_mapping_set_source (self, source_connection, source_entity);
  sy_mapping_set_target (self, target_connection, target_entity);
  sy_mapping_locator_find (locator, json_object_get_object_member (root, "source"), "entity",
                           &self->source_entity_line, &column);
  sy_mapping_locator_find (locator, json_object_get_object_member (root, "target"), "entity",
                           &self->target_entity_line, &column);
  sy_mapping_locator_find (locator, json_object_get_object_member (root, "source"), "connection",
                           &self->source_connection_line, &column);
  sy_mapping_locator_find (locator, json_object_get_object_member (root, "target"), "connection",
                           &self->target_connection_line, &column);

  if ((node = json_object_get_member (root, "match")) != NULL)
    {
      JsonObject *match;
      const char *match_source, *match_target;
      g_autofree char *reason = NULL;
      SyPath *path;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          *error = sy_mapping_locator_error (locator, root, "match",
                                             _("“match” must be an object {\"source\": …, \"target\": …}"));
          return NULL;
        }
      match = json_node_get_object (node);
      if (!check_members (match, match_members, _("“match”"), locator, error))
        return NULL;
      match_source = get_string (match, "source");
      match_target = get_string (match, "target");
      if (match_source == NULL || match_target == NULL)
        {
          *error = sy_mapping_locator_error (locator, match, match_source == NULL ? "source" : "target",
                                             _("“match” needs both “source” (a source field) and “target” (the target field holding it)"));
          return NULL;
        }
      if ((path = sy_path_compile (match_source, &reason)) == NULL ||
          (sy_path_free (path), (path = sy_path_compile (match_target, &reason)) == NULL))
        {
          *error = sy_mapping_locator_error (locator, match, NULL, _("“match”: %s"), reason);
          return NULL;
        }
      sy_path_free (path);
      sy_mapping_set_match (self, match_source, match_target);
    }

  if (!sy_mapping_parse_automation (self, root, locator, error))
    return NULL;

  node = json_object_get_member (root, "fields");
  if (node == NULL)
    {
      *error = sy_mapping_locator_error (locator, root, NULL, _("the mapping has no “fields”, its list of rules"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      *error = sy_mapping_locator_error (locator, root, "fields", _("“fields” must be a list of rules"));
      return NULL;
    }

  fields = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (fields); i++)
    {
      JsonNode *element = json_array_get_element (fields, i);
      g_autoptr(SyMappingRule) rule = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          *error = sy_mapping_locator_error (locator, root, "fields",
                                             _("element %u of “fields” is not a rule object"), i + 1);
          return NULL;
        }
      rule = sy_mapping_rule_parse (json_node_get_object (element), locator, error);
      if (rule == NULL)
        return NULL;
      if (!g_hash_table_add (targets, (gpointer) sy_mapping_rule_get_target (rule)))
        {
          *error = sy_mapping_locator_error (locator, json_node_get_object (element), "target",
                                             _("two rules write “%s”"), sy_mapping_rule_get_target (rule));
          return NULL;
        }
      g_list_store_append (self->rules, rule);
    }

  return g_steal_pointer (&self);
}

/* json-glib's message starts with "<data>:LINE:COLUMN: "; the position is
 * reported separately, in our own format. */
static const char *
strip_position (const char *message,
                guint      *line,
                guint      *column)
{
  const char *p = message;
  char *end;

  if (!g_str_has_prefix (p, "<data>:"))
    return message;
  p += strlen ("<data>:");
  *line = (guint) g_ascii_strtoull (p, &end, 10);
  p = end;
  if (*p == ':')
    {
      *column = (guint) g_ascii_strtoull (p + 1, &end, 10);
      p = end;
    }
  while (*p == ':' || *p == ' ')
    p++;
  return p;
}

SyMapping *
sy_mapping_new_from_data (const char  *data,
                          gssize       length,
                          const char  *filename,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(SyMappingLocator) locator = sy_mapping_locator_new (filename);
  g_autoptr(GError) local_error = NULL;
  GError *duplicate;
  SyMapping *self;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (data);

  /* Before json-glib, which recurses once per level: a file of deeply
   * nested "each" would overflow the stack, or take time and memory
   * growing with the square of its depth to check. */
  {
    guint line = 0;

    if (!sy_json_check_depth (data, length, SY_JSON_MAX_DEPTH, &line, NULL))
      {
        g_autofree char *reason = g_strdup_printf (_("lists and objects are nested more than %u levels deep; nest “each” less deeply"),
                                                   SY_JSON_MAX_DEPTH);

        g_propagate_error (error, sy_mapping_error_new_at (SY_MAPPING_ERROR_PARSE, filename, line, 0, reason));
        return NULL;
      }
    if (!sy_json_check_integers (data, length, &line, NULL))
      {
        g_propagate_error (error, sy_mapping_error_new_at (SY_MAPPING_ERROR_PARSE, filename, line, 0,
                                                           _("a whole number is too large to be kept exactly; write it as text, in quotes")));
        return NULL;
      }
  }

  sy_mapping_locator_attach (locator, parser);
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      guint line = 0, column = 0;
      const char *detail = strip_position (local_error->message, &line, &column);
      /* json-glib quotes the bad string's bytes as they are. */
      g_autofree char *valid_detail = g_utf8_make_valid (detail, -1);
      g_autofree char *reason = g_strdup_printf (_("not valid JSON: %s"), valid_detail);

      if (line == 0)
        line = 1;
      g_propagate_error (error, sy_mapping_error_new_at (SY_MAPPING_ERROR_PARSE, filename, line, column, reason));
      return NULL;
    }

  if ((duplicate = sy_mapping_locator_take_error (locator)) != NULL)
    {
      g_propagate_error (error, duplicate);
      return NULL;
    }

  sy_json_repair_strings (json_parser_get_root (parser));
  self = parse_mapping (json_parser_get_root (parser), locator, filename, &local_error);
  if (self == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return self;
}

SyMapping *
sy_mapping_load_file (const char  *path,
                      GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!sy_file_load_regular (path, SY_FILE_MAX_CONFIG_SIZE, &contents, &length, error))
    return NULL;
  return sy_mapping_new_from_data (contents, length, path, error);
}

static void
load_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *contents = NULL;
  g_autofree char *shown = g_file_get_parse_name (file);
  gsize length;
  GError *error = NULL;
  SyMapping *mapping;

  /* A local file goes through the same checks as any other (a FIFO would
   * block this thread for good); others are what GIO makes of them. */
  if (g_file_peek_path (file) != NULL
      ? !sy_file_load_regular (g_file_peek_path (file), SY_FILE_MAX_CONFIG_SIZE, &contents, &length, &error)
      : !g_file_load_contents (file, cancellable, &contents, &length, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  mapping = sy_mapping_new_from_data (contents, length, shown, &error);
  if (mapping == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, mapping, g_object_unref);
}

void
sy_mapping_load_async (GFile               *file,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sy_mapping_load_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_in_thread);
}

SyMapping *
sy_mapping_load_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
sy_mapping_list_files (const char  *dir,
                       GError     **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *name;

  g_return_val_if_fail (dir != NULL, NULL);

  listing = g_dir_open (dir, 0, &local_error);
  if (listing == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&paths);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  while ((name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_suffix (name, ".json") && name[0] != '.')
      g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (paths, compare_paths);
  return g_steal_pointer (&paths);
}
