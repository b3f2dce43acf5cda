/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-state-store-private.h"

/* The certificates table (the 0 → 1 step of migrations[] in
 * sy-state-store.c). Like the sync tables, every operation hands its work
 * to the store's worker thread; the *_work functions below are the only
 * code that touches the handle. */

/* What a certificate operation needs, copied on the caller's thread so
 * that the worker shares no object with it. */
typedef struct
{
  char     *connection_id;
  char     *pem;
  char     *sha256;
  char     *subject;
  gint64    not_after;
  gboolean  has_not_after;
} Request;

static void
request_free (Request *request)
{
  g_free (request->connection_id);
  g_free (request->pem);
  g_free (request->sha256);
  g_free (request->subject);
  g_free (request);
}

static Request *
request_new (const char *connection_id)
{
  Request *request = g_new0 (Request, 1);

  request->connection_id = g_strdup (connection_id);
  return request;
}

/* sha256 is kept as lower-case hex without colons: the form that names a
 * certificate elsewhere (a keyring entry of a key not yet attached). */
static char *
canonical_fingerprint (SyCertificate *certificate)
{
  const char *fingerprint = sy_certificate_get_sha256_fingerprint (certificate);
  GString *canonical = g_string_new (NULL);

  for (const char *p = fingerprint; p != NULL && *p != '\0'; p++)
    if (*p != ':')
      g_string_append_c (canonical, g_ascii_tolower (*p));

  return g_string_free (canonical, FALSE);
}

static Request *
save_request_new (const char    *connection_id,
                  SyCertificate *certificate)
{
  Request *request = request_new (connection_id);
  GDateTime *not_after = sy_certificate_get_not_after (certificate);

  request->pem = sy_certificate_to_pem (certificate);
  request->sha256 = canonical_fingerprint (certificate);
  request->subject = g_strdup (sy_certificate_get_subject (certificate));
  if (not_after != NULL)
    {
      request->not_after = g_date_time_to_unix (not_after);
      request->has_not_after = TRUE;
    }

  return request;
}

static gpointer
save_certificate_work (sqlite3     *db,
                       const char  *path,
                       gpointer     data,
                       GError     **error)
{
  Request *request = data;
  sqlite3_stmt *statement = NULL;
  gboolean ok;

  /* An upsert rather than INSERT OR REPLACE: REPLACE deletes the row first,
   * which would cascade to any table that comes to reference it. */
  ok = sqlite3_prepare_v2 (db,
                           "INSERT INTO certificates (connection_id, pem, sha256, subject, not_after, created_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                           "ON CONFLICT (connection_id) DO UPDATE SET "
                           "pem = excluded.pem, sha256 = excluded.sha256, subject = excluded.subject, "
                           "not_after = excluded.not_after, created_at = excluded.created_at",
                           -1, &statement, NULL) == SQLITE_OK;
  if (ok)
    {
      sqlite3_bind_text (statement, 1, request->connection_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 2, request->pem, -1, SQLITE_STATIC);
      sqlite3_bind_text (statement, 3, request->sha256, -1, SQLITE_STATIC);
      if (request->subject != NULL)
        sqlite3_bind_text (statement, 4, request->subject, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (statement, 4);
      if (request->has_not_after)
        sqlite3_bind_int64 (statement, 5, request->not_after);
      else
        sqlite3_bind_null (statement, 5);
      sqlite3_bind_int64 (statement, 6, g_get_real_time () / G_USEC_PER_SEC);
      ok = sqlite3_step (statement) == SQLITE_DONE;
    }

  if (!ok)
    sy_state_store_set_sqlite_error (error, db, path);
  sqlite3_finalize (statement);
  return ok ? GINT_TO_POINTER (TRUE) : NULL;
}

/* NULL and no error when the connection has no certificate. */
static gpointer
load_certificate_work (sqlite3     *db,
                       const char  *path,
                       gpointer     data,
                       GError     **error)
{
  Request *request = data;
  sqlite3_stmt *statement = NULL;
  g_autoptr(GBytes) pem = NULL;
  g_autoptr(GError) local_error = NULL;
  SyCertificate *certificate;
  int status;

  if (sqlite3_prepare_v2 (db, "SELECT pem FROM certificates WHERE connection_id = ?1",
                          -1, &statement, NULL) != SQLITE_OK)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      return NULL;
    }
  sqlite3_bind_text (statement, 1, request->connection_id, -1, SQLITE_STATIC);

  status = sqlite3_step (statement);
  if (status == SQLITE_ROW)
    pem = g_bytes_new (sqlite3_column_text (statement, 0), sqlite3_column_bytes (statement, 0));
  else if (status != SQLITE_DONE)
    {
      sy_state_store_set_sqlite_error (error, db, path);
      sqlite3_finalize (statement);
      return NULL;
    }
  sqlite3_finalize (statement);

  if (pem == NULL)
    return NULL;

  certificate = sy_certificate_new_from_data (pem, &local_error);
  if (certificate == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The certificate kept in %s could not be read: %s"),
                 path, local_error->message);

  return certificate;
}

static gpointer
delete_certificate_work (sqlite3     *db,
                         const char  *path,
                         gpointer     data,
                         GError     **error)
{
  Request *request = data;

  return sy_state_store_exec_with_text (db, path, "DELETE FROM certificates WHERE connection_id = ?1",
                                        request->connection_id, error) ? GINT_TO_POINTER (TRUE) : NULL;
}

void
sy_state_store_save_certificate_async (SyStateStore        *self,
                                       const char          *connection_id,
                                       SyCertificate       *certificate,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (connection_id != NULL);
  g_return_if_fail (SY_IS_CERTIFICATE (certificate));

  sy_state_store_run_async (self, save_certificate_work,
                            save_request_new (connection_id, certificate),
                            (GDestroyNotify) request_free, NULL,
                            sy_state_store_save_certificate_async,
                            cancellable, callback, user_data);
}

gboolean
sy_state_store_save_certificate_finish (SyStateStore  *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_state_store_save_certificate_async, FALSE);

  return sy_state_store_run_finish (self, result, error) != NULL;
}

gboolean
sy_state_store_save_certificate (SyStateStore   *self,
                                 const char     *connection_id,
                                 SyCertificate  *certificate,
                                 GError        **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (connection_id != NULL, FALSE);
  g_return_val_if_fail (SY_IS_CERTIFICATE (certificate), FALSE);

  return sy_state_store_run (self, save_certificate_work,
                             save_request_new (connection_id, certificate),
                             (GDestroyNotify) request_free, error) != NULL;
}

void
sy_state_store_load_certificate_async (SyStateStore        *self,
                                       const char          *connection_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (SY_IS_STATE_STORE (self));
  g_return_if_fail (connection_id != NULL);

  sy_state_store_run_async (self, load_certificate_work, request_new (connection_id),
                            (GDestroyNotify) request_free, g_object_unref,
                            sy_state_store_load_certificate_async,
                            cancellable, callback, user_data);
}

SyCertificate *
sy_state_store_load_certificate_finish (SyStateStore  *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sy_state_store_load_certificate_async, NULL);

  return sy_state_store_run_finish (self, result, error);
}

SyCertificate *
sy_state_store_load_certificate (SyStateStore  *self,
                                 const char    *connection_id,
                                 GError       **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), NULL);
  g_return_val_if_fail (connection_id != NULL, NULL);

  return sy_state_store_run (self, load_certificate_work, request_new (connection_id),
                             (GDestroyNotify) request_free, error);
}

gboolean
sy_state_store_delete_certificate (SyStateStore  *self,
                                   const char    *connection_id,
                                   GError       **error)
{
  g_return_val_if_fail (SY_IS_STATE_STORE (self), FALSE);
  g_return_val_if_fail (connection_id != NULL, FALSE);

  return sy_state_store_run (self, delete_certificate_work, request_new (connection_id),
                             (GDestroyNotify) request_free, error) != NULL;
}
