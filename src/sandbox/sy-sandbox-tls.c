/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <time.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sy-sandbox-tls.h"

/* Long enough for any benchmark or soak run; the CA dies with the
 * process anyway. */
#define VALIDITY_SECONDS (30 * 24 * 3600)
/* Clients whose clock is a little behind still accept the certificates. */
#define BACKDATE_SECONDS 3600

struct _SySandboxTls
{
  char *dir;
  char *ca_file;
  GTlsCertificate *certificate;
};

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)

static gboolean
check (int      ret,
       GError **error)
{
  if (ret >= 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Could not make the TLS certificates: %s"), gnutls_strerror (ret));
  return FALSE;
}

/* ECDSA P-256: made in a millisecond, so the start-up does not wait. */
static gnutls_x509_privkey_t
generate_key (GError **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;

  if (!check (gnutls_x509_privkey_init (&key), error) ||
      !check (gnutls_x509_privkey_generate2 (key, GNUTLS_PK_ECDSA,
                                             GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                             0, NULL, 0), error))
    return NULL;
  return g_steal_pointer (&key);
}

/* The fields both certificates share: version, a random positive serial
 * (so that a client caching by issuer and serial never mixes two runs),
 * validity, subject, key and its identifier. */
static gnutls_x509_crt_t
new_certificate (gnutls_x509_privkey_t   key,
                 const char             *common_name,
                 GError                **error)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  guchar serial[16];
  guchar key_id[64];
  size_t key_id_size = sizeof key_id;
  time_t now = time (NULL);

  if (!check (gnutls_x509_crt_init (&crt), error) ||
      !check (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial), error))
    return NULL;
  serial[0] &= 0x7f;
  serial[0] |= 0x01;

  if (!check (gnutls_x509_crt_set_version (crt, 3), error) ||
      !check (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), error) ||
      !check (gnutls_x509_crt_set_activation_time (crt, now - BACKDATE_SECONDS), error) ||
      !check (gnutls_x509_crt_set_expiration_time (crt, now + VALIDITY_SECONDS), error) ||
      !check (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                             "Switchyard Sandbox", strlen ("Switchyard Sandbox")), error) ||
      !check (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                             common_name, strlen (common_name)), error) ||
      !check (gnutls_x509_crt_set_key (crt, key), error) ||
      !check (gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA1, key_id, &key_id_size), error) ||
      !check (gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_size), error))
    return NULL;
  return g_steal_pointer (&crt);
}

static char *
export_certificate (gnutls_x509_crt_t   crt,
                    GError            **error)
{
  gnutls_datum_t pem = { NULL, 0 };
  char *text;

  if (!check (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &pem), error))
    return NULL;
  text = g_strndup ((const char *) pem.data, pem.size);
  gnutls_free (pem.data);
  return text;
}

static gboolean
make_certificates (SySandboxTls  *self,
                   GError       **error)
{
  static const guchar loopback[4] = { 127, 0, 0, 1 };
  g_auto(gnutls_x509_privkey_t) ca_key = NULL;
  g_auto(gnutls_x509_privkey_t) server_key = NULL;
  g_auto(gnutls_x509_crt_t) ca = NULL;
  g_auto(gnutls_x509_crt_t) server = NULL;
  g_autofree char *ca_pem = NULL;
  g_autofree char *server_pem = NULL;
  g_autofree char *bundle = NULL;
  gnutls_datum_t key_pem = { NULL, 0 };
  guchar ca_key_id[64];
  size_t ca_key_id_size = sizeof ca_key_id;
  gboolean ok;

  if ((ca_key = generate_key (error)) == NULL ||
      (ca = new_certificate (ca_key, "Switchyard Sandbox throw-away CA", error)) == NULL)
    return FALSE;
  /* pathlen 0: this CA signs the server certificate and nothing below it. */
  if (!check (gnutls_x509_crt_set_basic_constraints (ca, 1, 0), error) ||
      !check (gnutls_x509_crt_set_key_usage (ca, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN |
                                                 GNUTLS_KEY_DIGITAL_SIGNATURE), error) ||
      !check (gnutls_x509_crt_sign2 (ca, ca, ca_key, GNUTLS_DIG_SHA256, 0), error) ||
      !check (gnutls_x509_crt_get_subject_key_id (ca, ca_key_id, &ca_key_id_size, NULL), error))
    return FALSE;

  if ((server_key = generate_key (error)) == NULL ||
      (server = new_certificate (server_key, "127.0.0.1", error)) == NULL)
    return FALSE;
  /* Clients match the host against the subject alternative names only. */
  if (!check (gnutls_x509_crt_set_basic_constraints (server, 0, -1), error) ||
      !check (gnutls_x509_crt_set_key_usage (server, GNUTLS_KEY_DIGITAL_SIGNATURE), error) ||
      !check (gnutls_x509_crt_set_key_purpose_oid (server, GNUTLS_KP_TLS_WWW_SERVER, 0), error) ||
      !check (gnutls_x509_crt_set_subject_alt_name (server, GNUTLS_SAN_IPADDRESS, loopback,
                                                    sizeof loopback, GNUTLS_FSAN_APPEND), error) ||
      !check (gnutls_x509_crt_set_subject_alt_name (server, GNUTLS_SAN_DNSNAME, "localhost",
                                                    strlen ("localhost"), GNUTLS_FSAN_APPEND), error) ||
      !check (gnutls_x509_crt_set_authority_key_id (server, ca_key_id, ca_key_id_size), error) ||
      !check (gnutls_x509_crt_sign2 (server, ca, ca_key, GNUTLS_DIG_SHA256, 0), error))
    return FALSE;

  if ((ca_pem = export_certificate (ca, error)) == NULL ||
      (server_pem = export_certificate (server, error)) == NULL ||
      !check (gnutls_x509_privkey_export2_pkcs8 (server_key, GNUTLS_X509_FMT_PEM, NULL,
                                                 GNUTLS_PKCS_PLAIN, &key_pem), error))
    return FALSE;

  /* The chain (server, then CA) and the key in one PEM text, as
   * g_tls_certificate_new_from_pem() takes them; the key stays in memory
   * and is wiped from every copy once GLib has parsed it. */
  bundle = g_strdup_printf ("%s%s%.*s", server_pem, ca_pem, (int) key_pem.size, key_pem.data);
  gnutls_memset (key_pem.data, 0, key_pem.size);
  gnutls_free (key_pem.data);
  self->certificate = g_tls_certificate_new_from_pem (bundle, -1, error);
  gnutls_memset (bundle, 0, strlen (bundle));
  if (self->certificate == NULL)
    return FALSE;

  self->ca_file = g_build_filename (self->dir, "ca.pem", NULL);
  ok = g_file_set_contents (self->ca_file, ca_pem, -1, error);
  if (!ok)
    g_clear_pointer (&self->ca_file, g_free);
  return ok;
}

SySandboxTls *
sy_sandbox_tls_new (GError **error)
{
  g_autoptr(SySandboxTls) self = g_new0 (SySandboxTls, 1);

  /* Mode 0700, under $TMPDIR: nobody else can swap the CA a test trusts. */
  self->dir = g_dir_make_tmp ("switchyard-sandbox-tls-XXXXXX", error);
  if (self->dir == NULL || !make_certificates (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
sy_sandbox_tls_free (SySandboxTls *self)
{
  if (self == NULL)
    return;
  if (self->ca_file != NULL)
    g_unlink (self->ca_file);
  if (self->dir != NULL)
    g_rmdir (self->dir);
  g_free (self->ca_file);
  g_free (self->dir);
  g_clear_object (&self->certificate);
  g_free (self);
}

const char *
sy_sandbox_tls_get_ca_file (SySandboxTls *self)
{
  return self->ca_file;
}

GTlsCertificate *
sy_sandbox_tls_get_certificate (SySandboxTls *self)
{
  return self->certificate;
}
