/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-connection.h"
#include "sy-error.h"

/* Long enough for any real system's name, short enough to fit a sidebar. */
#define NAME_MAX_CHARS 100

G_DEFINE_ENUM_TYPE (SyConnectionStatus, sy_connection_status,
  G_DEFINE_ENUM_VALUE (SY_CONNECTION_STATUS_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (SY_CONNECTION_STATUS_ACTIVE, "active"),
  G_DEFINE_ENUM_VALUE (SY_CONNECTION_STATUS_NEEDS_REAUTH, "needs-reauth"),
  G_DEFINE_ENUM_VALUE (SY_CONNECTION_STATUS_UNREACHABLE, "unreachable"),
  G_DEFINE_ENUM_VALUE (SY_CONNECTION_STATUS_NO_KEYRING, "no-keyring"))

struct _SyConnection
{
  GObject             parent_instance;

  char               *id;
  char               *name;
  char               *base_url;
  char               *platform;
  char               *domain;
  SyConnectionStatus  status;
  char               *status_message;
  gint64              last_success_at;

  /* Kept whole, including keys this version does not know, so that a file
   * written by a newer version survives being loaded and saved by this one. */
  JsonObject         *options;
  JsonObject         *unknown_members;
};

G_DEFINE_FINAL_TYPE (SyConnection, sy_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_BASE_URL,
  PROP_PLATFORM,
  PROP_DOMAIN,
  PROP_STATUS,
  PROP_STATUS_MESSAGE,
  PROP_LAST_SUCCESS_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_RECORDS_WRITTEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const known_members[] = {
  "id", "name", "base_url", "platform", "domain", "options", NULL
};

static JsonNode *deep_copy_node (JsonNode *node);

static JsonObject *
deep_copy_object (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &member_name, &member))
    json_object_set_member (copy, member_name, deep_copy_node (member));

  return copy;
}

/* json_node_copy() shares objects and arrays; an independent copy keeps the
 * caller's tree and ours from changing each other. */
static JsonNode *
deep_copy_node (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonNode *copy = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (copy, deep_copy_object (json_node_get_object (node)));
        return copy;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        JsonArray *array_copy = json_array_sized_new (json_array_get_length (array));
        JsonNode *copy = json_node_new (JSON_NODE_ARRAY);

        for (guint i = 0; i < json_array_get_length (array); i++)
          json_array_add_element (array_copy, deep_copy_node (json_array_get_element (array, i)));
        json_node_take_array (copy, array_copy);
        return copy;
      }

    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
sy_connection_finalize (GObject *object)
{
  SyConnection *self = SY_CONNECTION (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->base_url);
  g_free (self->platform);
  g_free (self->domain);
  g_free (self->status_message);
  g_clear_pointer (&self->options, json_object_unref);
  g_clear_pointer (&self->unknown_members, json_object_unref);

  G_OBJECT_CLASS (sy_connection_parent_class)->finalize (object);
}

static void
sy_connection_constructed (GObject *object)
{
  SyConnection *self = SY_CONNECTION (object);

  G_OBJECT_CLASS (sy_connection_parent_class)->constructed (object);

  if (self->id == NULL || *self->id == '\0')
    {
      g_free (self->id);
      self->id = g_uuid_string_random ();
    }
}

static void
sy_connection_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SyConnection *self = SY_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_PLATFORM:
      g_value_set_string (value, self->platform);
      break;
    case PROP_DOMAIN:
      g_value_set_string (value, self->domain);
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_LAST_SUCCESS_AT:
      g_value_set_int64 (value, self->last_success_at);
      break;
    case PROP_STATUS_MESSAGE:
      g_value_set_string (value, self->status_message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_connection_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SyConnection *self = SY_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_NAME:
      sy_connection_set_name (self, g_value_get_string (value));
      break;
    case PROP_BASE_URL:
      sy_connection_set_base_url (self, g_value_get_string (value));
      break;
    case PROP_PLATFORM:
      sy_connection_set_platform (self, g_value_get_string (value));
      break;
    case PROP_DOMAIN:
      sy_connection_set_domain (self, g_value_get_string (value));
      break;
    case PROP_STATUS:
      sy_connection_set_status (self, g_value_get_enum (value), self->status_message);
      break;
    case PROP_STATUS_MESSAGE:
      sy_connection_set_status (self, self->status, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sy_connection_class_init (SyConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sy_connection_finalize;
  object_class->constructed = sy_connection_constructed;
  object_class->get_property = sy_connection_get_property;
  object_class->set_property = sy_connection_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, SY_DEFAULT_BASE_URL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PLATFORM] =
    g_param_spec_string ("platform", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DOMAIN] =
    g_param_spec_string ("domain", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       SY_TYPE_CONNECTION_STATUS, SY_CONNECTION_STATUS_UNKNOWN,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS_MESSAGE] =
    g_param_spec_string ("status-message", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Unix time of the last request that succeeded in this process, 0
   * before the first: a health sign, not saved. */
  properties[PROP_LAST_SUCCESS_AT] =
    g_param_spec_int64 ("last-success-at", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_RECORDS_WRITTEN] =
    g_signal_new ("records-written",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
sy_connection_init (SyConnection *self)
{
  self->base_url = g_strdup (SY_DEFAULT_BASE_URL);
  self->status = SY_CONNECTION_STATUS_UNKNOWN;
  self->options = json_object_new ();
  self->unknown_members = json_object_new ();
}

SyConnection *
sy_connection_new (const char *name,
                   const char *base_url)
{
  return g_object_new (SY_TYPE_CONNECTION,
                       "name", name,
                       "base-url", base_url ? base_url : SY_DEFAULT_BASE_URL,
                       NULL);
}

static gboolean
read_optional_string (JsonObject  *object,
                      const char  *member_name,
                      const char **out,
                      GError     **error)
{
  JsonNode *node = json_object_get_member (object, member_name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                   /* Translators: %s is a field name of connections.json */
                   _("The field “%s” of a connection is not text."), member_name);
      return FALSE;
    }

  *out = json_node_get_string (node);
  return TRUE;
}

SyConnection *
sy_connection_new_from_json (JsonObject  *object,
                             GError     **error)
{
  const char *id, *name, *base_url, *platform, *domain;
  JsonNode *options;
  SyConnection *self;
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!read_optional_string (object, "id", &id, error) ||
      !read_optional_string (object, "name", &name, error) ||
      !read_optional_string (object, "base_url", &base_url, error) ||
      !read_optional_string (object, "platform", &platform, error) ||
      !read_optional_string (object, "domain", &domain, error))
    return NULL;

  if (id == NULL || *id == '\0')
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                           _("A connection has no identifier."));
      return NULL;
    }
  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                           _("A connection has no name."));
      return NULL;
    }

  options = json_object_get_member (object, "options");
  if (options != NULL && !JSON_NODE_HOLDS_NULL (options) && !JSON_NODE_HOLDS_OBJECT (options))
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_BROKEN_FILE,
                           _("The options of a connection are not a JSON object."));
      return NULL;
    }

  self = g_object_new (SY_TYPE_CONNECTION,
                       "id", id,
                       "name", name,
                       "base-url", base_url ? base_url : SY_DEFAULT_BASE_URL,
                       "platform", platform,
                       "domain", domain,
                       NULL);

  if (options != NULL && JSON_NODE_HOLDS_OBJECT (options))
    {
      json_object_unref (self->options);
      self->options = deep_copy_object (json_node_get_object (options));
    }

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &member_name, &member))
    {
      if (!g_strv_contains (known_members, member_name))
        json_object_set_member (self->unknown_members, member_name, deep_copy_node (member));
    }

  return self;
}

static void
set_string_or_null (JsonObject *object,
                    const char *member_name,
                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member_name, value);
  else
    json_object_set_null_member (object, member_name);
}

JsonNode *
sy_connection_to_json (SyConnection *self)
{
  JsonObject *object;
  JsonNode *node;
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;

  g_return_val_if_fail (SY_IS_CONNECTION (self), NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "id", self->id);
  set_string_or_null (object, "name", self->name);
  set_string_or_null (object, "base_url", self->base_url);
  set_string_or_null (object, "platform", self->platform);
  set_string_or_null (object, "domain", self->domain);
  json_object_set_object_member (object, "options", deep_copy_object (self->options));

  json_object_iter_init (&iter, self->unknown_members);
  while (json_object_iter_next (&iter, &member_name, &member))
    json_object_set_member (object, member_name, deep_copy_node (member));

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

/**
 * sy_connection_get_options:
 *
 * The free-form "options" object of connections.json (per-platform
 * settings such as a NetSuite account id). Owned by the connection; change
 * it in place and save the store. Keys this version does not know are kept.
 */
JsonObject *
sy_connection_get_options (SyConnection *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION (self), NULL);

  return self->options;
}

/* Both live in "options": they are settings of the connection, not
 * secrets, and connections.json written by an older version stays valid. */
#define OPTION_ALLOW_INSECURE_HTTP "allow_insecure_http"
#define OPTION_CA_FILE             "ca_file"

gboolean
sy_connection_get_allow_insecure_http (SyConnection *self)
{
  JsonNode *node;

  g_return_val_if_fail (SY_IS_CONNECTION (self), FALSE);

  node = json_object_get_member (self->options, OPTION_ALLOW_INSECURE_HTTP);
  /* Only a real true counts: anything else in a hand-edited file is no. */
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}

void
sy_connection_set_allow_insecure_http (SyConnection *self,
                                       gboolean      allow)
{
  g_return_if_fail (SY_IS_CONNECTION (self));

  if (allow)
    json_object_set_boolean_member (self->options, OPTION_ALLOW_INSECURE_HTTP, TRUE);
  else if (json_object_has_member (self->options, OPTION_ALLOW_INSECURE_HTTP))
    json_object_remove_member (self->options, OPTION_ALLOW_INSECURE_HTTP);
}

const char *
sy_connection_get_ca_file (SyConnection *self)
{
  JsonNode *node;
  const char *path;

  g_return_val_if_fail (SY_IS_CONNECTION (self), NULL);

  node = json_object_get_member (self->options, OPTION_CA_FILE);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  path = json_node_get_string (node);
  return path != NULL && *path != '\0' ? path : NULL;
}

void
sy_connection_set_ca_file (SyConnection *self,
                           const char   *path)
{
  g_return_if_fail (SY_IS_CONNECTION (self));

  if (path != NULL && *path != '\0')
    json_object_set_string_member (self->options, OPTION_CA_FILE, path);
  else if (json_object_has_member (self->options, OPTION_CA_FILE))
    json_object_remove_member (self->options, OPTION_CA_FILE);
}

const char *
sy_connection_get_id (SyConnection *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION (self), NULL);

  return self->id;
}

const char *
sy_connection_get_name (SyConnection *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION (self), NULL);

  return self->name;
}

void
sy_connection_set_name (SyConnection *self,
                        const char   *name)
{
  g_return_if_fail (SY_IS_CONNECTION (self));

  if (set_string (&self->name, name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

const char *
sy_connection_get_base_url (SyConnection *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION (self), NULL);

  return self->base_url;
}

void
sy_connection_set_base_url (SyConnection *self,
                            const char   *base_url)
{
  g_return_if_fail (SY_IS_CONNECTION (self));

  if (set_string (&self->base_url, base_url))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);
}

const char *
sy_connection_get_platform (SyConnection *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION (self), NULL);

  return self->platform;
}

void
sy_connection_set_platform (SyConnection *self,
                            const char   *platform)
{
  g_return_if_fail (SY_IS_CONNECTION (self));

  if (set_string (&self->platform, platform))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLATFORM]);
}

const char *
sy_connection_get_domain (SyConnection *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION (self), NULL);

  return self->domain;
}

void
sy_connection_set_domain (SyConnection *self,
                          const char   *domain)
{
  g_return_if_fail (SY_IS_CONNECTION (self));

  if (set_string (&self->domain, domain))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOMAIN]);
}

SyConnectionStatus
sy_connection_get_status (SyConnection *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION (self), SY_CONNECTION_STATUS_UNKNOWN);

  return self->status;
}

const char *
sy_connection_get_status_message (SyConnection *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION (self), NULL);

  return self->status_message;
}

void
sy_connection_set_status (SyConnection       *self,
                          SyConnectionStatus  status,
                          const char         *message)
{
  gboolean status_changed;
  gboolean message_changed;

  g_return_if_fail (SY_IS_CONNECTION (self));

  status_changed = self->status != status;
  self->status = status;
  message_changed = set_string (&self->status_message, message);

  /* Both change together, so listeners see a consistent pair. */
  g_object_freeze_notify (G_OBJECT (self));
  if (status_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  if (message_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_MESSAGE]);
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
only_spaces (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (!g_unichar_isspace (g_utf8_get_char (p)))
        return FALSE;
    }

  return TRUE;
}

gboolean
sy_connection_validate_name (const char  *name,
                             GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_NAME,
                           _("Enter a name for the connection."));
      return FALSE;
    }

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_NAME,
                           _("The name contains characters that are not valid text."));
      return FALSE;
    }

  if (only_spaces (name))
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_NAME,
                           _("The name cannot consist of spaces only."));
      return FALSE;
    }

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        {
          g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_NAME,
                               _("The name cannot contain line breaks, tabs or other control characters."));
          return FALSE;
        }
    }

  if (g_utf8_strlen (name, -1) > NAME_MAX_CHARS)
    {
      g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_NAME,
                   ngettext ("The name is too long: use at most %d character.",
                             "The name is too long: use at most %d characters.",
                             NAME_MAX_CHARS),
                   NAME_MAX_CHARS);
      return FALSE;
    }

  return TRUE;
}

/* The URL is never quoted back in these messages: a user may have pasted a
 * token into it, and error messages end up in logs and terminals. */
gboolean
sy_connection_validate_base_url (const char  *base_url,
                                 GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (base_url == NULL || *base_url == '\0')
    {
      g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_URL,
                   _("Enter the address of the API, for example %s."), SY_DEFAULT_BASE_URL);
      return FALSE;
    }

  for (const char *p = base_url; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
        {
          g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_URL,
                               _("The address cannot contain spaces or line breaks."));
          return FALSE;
        }
    }

  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    {
      g_set_error (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_URL,
                   _("This is not a valid web address. Enter an address like %s."),
                   SY_DEFAULT_BASE_URL);
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_URL,
                           _("The address must start with “https://” (or “http://” for a local test server)."));
      return FALSE;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_URL,
                           _("The address contains a user name or password (the part before “@”). "
                             "Do not put a token in the address: Switchyard keeps tokens in the "
                             "keyring. Remove that part and enter the token in its own field."));
      return FALSE;
    }

  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_URL,
                           _("The address has no server name, as in https://api.makini.io."));
      return FALSE;
    }

  if (g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, SY_CONFIG_ERROR, SY_CONFIG_ERROR_INVALID_URL,
                           _("The address cannot contain a “#” part. Remove it and everything after it."));
      return FALSE;
    }

  return TRUE;
}

gint64
sy_connection_get_last_success_at (SyConnection *self)
{
  g_return_val_if_fail (SY_IS_CONNECTION (self), 0);
  return self->last_success_at;
}

void
sy_connection_note_success (SyConnection *self)
{
  gint64 now;

  g_return_if_fail (SY_IS_CONNECTION (self));

  /* Whole seconds: a sync would otherwise notify at every request. */
  now = g_get_real_time () / G_USEC_PER_SEC;
  if (now == self->last_success_at)
    return;
  self->last_success_at = now;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SUCCESS_AT]);
}

typedef struct
{
  SyConnection *connection;
  char         *entity;
} RecordsWritten;

static gboolean
emit_records_written (gpointer user_data)
{
  RecordsWritten *written = user_data;

  g_signal_emit (written->connection, signals[SIGNAL_RECORDS_WRITTEN], 0, written->entity);

  return G_SOURCE_REMOVE;
}

static void
records_written_free (gpointer data)
{
  RecordsWritten *written = data;

  g_object_unref (written->connection);
  g_free (written->entity);
  g_free (written);
}

void
sy_connection_notify_records_written (SyConnection *self,
                                      const char   *entity)
{
  RecordsWritten *written;
  g_autoptr(GSource) source = NULL;

  g_return_if_fail (SY_IS_CONNECTION (self));
  g_return_if_fail (entity != NULL);

  /* Views listen on the main context; a sync may run on another one.
   * Always from an idle, also on the main thread: the listeners run
   * after the code that wrote, never inside it. Not
   * g_main_context_invoke(): it would emit on this thread when no other
   * happens to own the main context at this moment. */
  written = g_new0 (RecordsWritten, 1);
  written->connection = g_object_ref (self);
  written->entity = g_strdup (entity);
  source = g_idle_source_new ();
  g_source_set_name (source, "[switchyard] records written");
  g_source_set_callback (source, emit_records_written, written, records_written_free);
  g_source_attach (source, g_main_context_default ());
}
