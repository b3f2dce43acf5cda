/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-error.h"

typedef struct
{
  guint       status;
  guint       retry_after;
  char       *request_id;
  GHashTable *field_errors;
} SyApiErrorPrivate;

static void
sy_api_error_private_init (SyApiErrorPrivate *priv)
{
}

static void
sy_api_error_private_copy (const SyApiErrorPrivate *src,
                           SyApiErrorPrivate       *dest)
{
  dest->status = src->status;
  dest->retry_after = src->retry_after;
  dest->request_id = g_strdup (src->request_id);
  dest->field_errors = src->field_errors ? g_hash_table_ref (src->field_errors) : NULL;
}

static void
sy_api_error_private_clear (SyApiErrorPrivate *priv)
{
  g_clear_pointer (&priv->request_id, g_free);
  g_clear_pointer (&priv->field_errors, g_hash_table_unref);
}

G_DEFINE_EXTENDED_ERROR (SyApiError, sy_api_error)

G_DEFINE_QUARK (sy-config-error-quark, sy_config_error)
G_DEFINE_QUARK (sy-secret-error-quark, sy_secret_error)

GError *
sy_api_error_new_full (SyApiError  code,
                       guint       status,
                       const char *request_id,
                       guint       retry_after,
                       GHashTable *field_errors,
                       const char *message)
{
  GError *error = g_error_new_literal (SY_API_ERROR, code, message);
  SyApiErrorPrivate *priv = sy_api_error_get_private (error);

  priv->status = status;
  priv->retry_after = retry_after;
  priv->request_id = g_strdup (request_id);
  priv->field_errors = field_errors ? g_hash_table_ref (field_errors) : NULL;

  return error;
}

guint
sy_api_error_get_status (const GError *error)
{
  SyApiErrorPrivate *priv = sy_api_error_get_private (error);

  return priv ? priv->status : 0;
}

const char *
sy_api_error_get_request_id (const GError *error)
{
  SyApiErrorPrivate *priv = sy_api_error_get_private (error);

  return priv ? priv->request_id : NULL;
}

guint
sy_api_error_get_retry_after (const GError *error)
{
  SyApiErrorPrivate *priv = sy_api_error_get_private (error);

  return priv ? priv->retry_after : 0;
}

GHashTable *
sy_api_error_get_field_errors (const GError *error)
{
  SyApiErrorPrivate *priv = sy_api_error_get_private (error);

  return priv ? priv->field_errors : NULL;
}

gboolean
sy_api_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != SY_API_ERROR)
    return FALSE;

  return error->code == SY_API_ERROR_RATE_LIMITED ||
         error->code == SY_API_ERROR_SERVER ||
         error->code == SY_API_ERROR_NETWORK;
}
