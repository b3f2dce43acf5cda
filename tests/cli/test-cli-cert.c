/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-error.h"
#include "sy-secret-store.h"
#include "sy-state-store.h"
#include "sy-cli-test-support.h"
#include "sy-test-support.h"

/* `switchyard-cli cert …` and `netsuite test` as a user runs them: a child
 * process with its own configuration and state directories, the real
 * keyring of the test session, openssl to make and check certificates, and
 * a real switchyard-sandbox for the NetSuite login. */

/* Runs in its work directory: the files a user hands over or gets. */
typedef SyCliFixture Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  sy_cli_fixture_set_up (fixture, "cli-cert", TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_cli_fixture_tear_down (fixture);
}

static char *
work_path (Fixture    *fixture,
           const char *name)
{
  return g_build_filename (fixture->work_dir, name, NULL);
}

/* openssl, in the work directory; returns its exit status. */
static int
run_openssl_argv (Fixture            *fixture,
                  const char * const *args,
                  char              **out)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *ignored_out = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) "openssl");
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (fixture->work_dir, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
                NULL, NULL, out != NULL ? out : &ignored_out, &err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("openssl %s: %s", args[0], err);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

#define run_openssl(fixture, out, ...) \
  ({ \
    const char * const openssl_args[] = { __VA_ARGS__, NULL }; \
    run_openssl_argv ((fixture), openssl_args, (out)); \
  })

static JsonObject *
parse_json_object (const char *text)
{
  g_autoptr(JsonNode) root = sy_test_parse_json (text);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static void
add_connection (Fixture    *fixture,
                const char *name)
{
  g_auto(SyCliRun) run = { 0 };
  const char *url = fixture->sandbox != NULL ? sy_sandbox_process_get_url (fixture->sandbox) : "http://127.0.0.1:9";

  sy_cli_run (fixture, "not-a-real-token\n", &run, "connection", "add", name, "--url", url, "--token-stdin", "--no-test");
  g_assert_cmpint (run.status, ==, 0);
}

static char *
connection_id (Fixture    *fixture,
               const char *name)
{
  g_auto(SyCliRun) run = { 0 };
  g_autoptr(JsonObject) root = NULL;
  JsonArray *connections;

  sy_cli_run (fixture, NULL, &run, "connection", "list", "--json");
  g_assert_cmpint (run.status, ==, 0);
  root = parse_json_object (run.out);
  connections = json_object_get_array_member (root, "connections");
  for (guint i = 0; i < json_array_get_length (connections); i++)
    {
      JsonObject *connection = json_array_get_object_element (connections, i);

      if (g_strcmp0 (json_object_get_string_member (connection, "name"), name) == 0)
        return g_strdup (json_object_get_string_member (connection, "id"));
    }
  g_assert_not_reached ();
}

/* The keyring as the CLI left it: the base64 of the key's PEM, or NULL. */
static char *
keyring_private_key (const char *id)
{
  g_autoptr(SySecretStore) secrets = sy_secret_store_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;

  sy_secret_store_lookup_async (secrets, id, SY_SECRET_KIND_PRIVATE_KEY, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  secret = sy_secret_store_lookup_finish (secrets, result, &error);
  if (secret == NULL && error != NULL)
    g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
  return secret;
}

/* "certificate:" and the fingerprint in lower-case hex without colons. */
static char *
pending_id (const char *fingerprint)
{
  GString *id = g_string_new ("certificate:");

  for (const char *p = fingerprint; *p != '\0'; p++)
    if (*p != ':')
      g_string_append_c (id, g_ascii_tolower (*p));
  return g_string_free (id, FALSE);
}

/* The lines of a private key's PEM that give the key away: long enough
 * not to turn up anywhere by chance, and not among the certificate's own
 * (a PKCS#8 key also holds the public key, which the certificate shares). */
static GStrv
secret_pem_lines (const char *key_pem,
                  const char *certificate_pem)
{
  g_auto(GStrv) lines = g_strsplit (key_pem, "\n", -1);
  g_autoptr(GStrvBuilder) body = g_strv_builder_new ();

  for (gsize i = 0; lines[i] != NULL; i++)
    if (strlen (lines[i]) >= 32 && !g_str_has_prefix (lines[i], "-----") &&
        strstr (certificate_pem, lines[i]) == NULL)
      g_strv_builder_add (body, lines[i]);
  return g_strv_builder_end (body);
}

/* Every regular file under dir with its bytes, to look into later. */
static void
snapshot_files (const char *dir_path,
                GHashTable *files)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        snapshot_files (path, files);
      else if (g_file_get_contents (path, &contents, &length, NULL))
        g_hash_table_insert (files, g_steal_pointer (&path), g_bytes_new_take (contents, length));
    }
}

static void
assert_snapshot_lacks (GHashTable  *files,
                       const char  *needle)
{
  GHashTableIter iter;
  gpointer path, bytes;

  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, &path, &bytes))
    {
      gsize length;
      const char *data = g_bytes_get_data (bytes, &length);

      if (memmem (data, length, needle, strlen (needle)) != NULL)
        g_error ("%s holds part of the private key", (const char *) path);
    }
}

static void
test_help (Fixture       *fixture,
           gconstpointer  data)
{
  const char * const *commands[] = {
    (const char * const[]) { "cert", "--help", NULL },
    (const char * const[]) { "cert", "generate", "--help", NULL },
    (const char * const[]) { "cert", "import", "--help", NULL },
    (const char * const[]) { "cert", "show", "--help", NULL },
    (const char * const[]) { "cert", "export-key", "--help", NULL },
    (const char * const[]) { "netsuite", "--help", NULL },
    (const char * const[]) { "netsuite", "test", "--help", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run_argv (fixture, NULL, commands[i], &run);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_nonnull (strstr (run.out, "Usage"));
      g_assert_cmpstr (run.err, ==, "");
    }

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "--help");
    g_assert_nonnull (strstr (run.out, "cert"));
    g_assert_nonnull (strstr (run.out, "netsuite"));
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--help");
    g_assert_nonnull (strstr (run.out, "--type"));
    g_assert_nonnull (strstr (run.out, "ec-p521"));
    g_assert_nonnull (strstr (run.out, "--connection"));
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "import", "--help");
    g_assert_nonnull (strstr (run.out, "--passphrase-stdin"));
  }
}

/* The "done when" command, checked with openssl. */
static void
test_generate (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *pub = work_path (fixture, "pub.pem");
  g_autofree char *text = NULL;
  g_autofree char *verify = NULL;
  g_autofree char *first_pem = NULL;
  g_autofree char *key_id = NULL;
  g_autofree char *still_valid = g_strdup_printf ("%d", 730 * 86400 - 600);
  g_autofree char *expired_by = g_strdup_printf ("%d", 730 * 86400 + 600);
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  g_autoptr(JsonObject) shown = NULL;
  char *encoded;
  const char *fingerprint;

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "rsa-3072", "--subject", "CN=Test", "--out", "pub.pem");
    g_assert_cmpint (run.status, ==, 0);
    /* Piped: no progress line. */
    g_assert_null (strstr (run.err, "Generating"));
    g_assert_nonnull (strstr (run.out, "CN=Test"));
    g_assert_nonnull (strstr (run.out, "3072"));
    g_assert_nonnull (strstr (run.out, "cert import pub.pem --connection NAME"));
  }

  g_assert_true (g_file_test (pub, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (sy_test_file_mode (pub), ==, 0644);
  first_pem = sy_test_read_text (pub);
  g_assert_true (g_str_has_prefix (first_pem, "-----BEGIN CERTIFICATE-----"));
  g_assert_null (strstr (first_pem, "PRIVATE KEY"));

  g_assert_cmpint (run_openssl (fixture, &text, "x509", "-in", "pub.pem", "-noout", "-text"), ==, 0);
  g_assert_nonnull (strstr (text, "Public-Key: (3072 bit)"));
  g_assert_nonnull (strstr (text, "rsassaPss"));
  g_assert_nonnull (strstr (text, "CA:FALSE"));
  g_assert_nonnull (strstr (text, "Digital Signature"));
  /* Valid for 730 days from now: not expiring within 730 days less ten
   * minutes, expired 730 days and ten minutes from now. */
  g_assert_cmpint (run_openssl (fixture, NULL, "x509", "-in", "pub.pem", "-noout", "-checkend", still_valid), ==, 0);
  g_assert_cmpint (run_openssl (fixture, NULL, "x509", "-in", "pub.pem", "-noout", "-checkend", expired_by), ==, 1);
  g_assert_cmpint (run_openssl (fixture, &verify, "verify", "-CAfile", "pub.pem", "pub.pem"), ==, 0);
  g_assert_nonnull (strstr (verify, "pub.pem: OK"));

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "show", "pub.pem", "--json");
    g_assert_cmpint (run.status, ==, 0);
    shown = parse_json_object (run.out);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    /* The words the certificate page uses too (sy_certificate_describe_key). */
    sy_cli_run (fixture, NULL, &run, "cert", "show", "pub.pem");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "RSA, 3072 bits"));
  }
  g_assert_cmpstr (json_object_get_string_member (shown, "subject"), ==, "CN=Test");
  g_assert_cmpstr (json_object_get_string_member (shown, "key_type"), ==, "rsa");
  g_assert_cmpint (json_object_get_int_member (shown, "key_bits"), ==, 3072);
  g_assert_cmpstr (json_object_get_string_member (shown, "signature_algorithm"), ==, "RSA-PSS-SHA256");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (shown, "netsuite_problems")), ==, 0);
  fingerprint = json_object_get_string_member (shown, "sha256_fingerprint");

  /* The key waits in the keyring under the certificate's fingerprint… */
  key_id = pending_id (fingerprint);
  encoded = keyring_private_key (key_id);
  g_assert_nonnull (encoded);
  /* …and in no file. */
  snapshot_files (fixture->config_dir, files);
  snapshot_files (fixture->state_dir, files);
  snapshot_files (fixture->work_dir, files);
  {
    gsize length;
    g_autofree guchar *pem = g_base64_decode (encoded, &length);
    g_autofree char *pem_text = g_strndup ((const char *) pem, length);
    g_auto(GStrv) body = secret_pem_lines (pem_text, first_pem);

    g_assert_true (g_str_has_prefix (pem_text, "-----BEGIN PRIVATE KEY-----"));
    g_assert_cmpuint (g_strv_length (body), >, 10);
    for (gsize i = 0; body[i] != NULL; i++)
      assert_snapshot_lacks (files, body[i]);
    assert_snapshot_lacks (files, encoded);
  }
  sy_secret_free (encoded);

  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *after = NULL;

    /* An existing file is kept… */
    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "ec-p256", "--subject", "CN=Other", "--out", "pub.pem");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_nonnull (strstr (run.err, "--force"));
    after = sy_test_read_text (pub);
    g_assert_cmpstr (after, ==, first_pem);
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) generated = NULL;
    g_autofree char *after = NULL;

    /* …unless replaced on purpose. */
    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "ec-p256", "--subject", "CN=Other,O=Example Ltd",
                "--days", "30", "--out", "pub.pem", "--force", "--json");
    g_assert_cmpint (run.status, ==, 0);
    generated = parse_json_object (run.out);
    g_assert_cmpstr (json_object_get_string_member (generated, "key_type"), ==, "ec");
    g_assert_cmpstr (json_object_get_string_member (generated, "curve"), ==, "P-256");
    g_assert_cmpstr (json_object_get_string_member (generated, "signature_algorithm"), ==, "ECDSA-SHA256");
    g_assert_cmpint (json_object_get_int_member (generated, "days_left"), >=, 29);
    g_assert_cmpint (json_object_get_int_member (generated, "days_left"), <=, 30);
    g_assert_true (json_object_get_null_member (generated, "connection"));
    after = sy_test_read_text (pub);
    g_assert_cmpstr (after, !=, first_pem);
    g_assert_cmpuint (sy_test_file_mode (pub), ==, 0644);
  }
}

static void
assert_no_file_but (Fixture    *fixture,
                    const char *only)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->work_dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_strcmp0 (name, only) != 0)
      g_error ("%s was left in the work directory", name);
}

static void
test_generate_bad_input (Fixture       *fixture,
                         gconstpointer  data)
{
  const char * const *commands[] = {
    (const char * const[]) { "cert", "generate", "--type", "rsa-2048", "--subject", "CN=T", "--out", "x.pem", NULL },
    (const char * const[]) { "cert", "generate", "--type", "dsa", "--subject", "CN=T", "--out", "x.pem", NULL },
    (const char * const[]) { "cert", "generate", "--subject", "CN=T", "--out", "x.pem", NULL },
    (const char * const[]) { "cert", "generate", "--type", "ec-p256", "--days", "0", "--subject", "CN=T", "--out", "x.pem", NULL },
    (const char * const[]) { "cert", "generate", "--type", "ec-p256", "--days", "731", "--subject", "CN=T", "--out", "x.pem", NULL },
    (const char * const[]) { "cert", "generate", "--type", "ec-p256", "--days", "ten", "--subject", "CN=T", "--out", "x.pem", NULL },
    (const char * const[]) { "cert", "generate", "--type", "ec-p256", "--out", "x.pem", NULL },
    (const char * const[]) { "cert", "generate", "--type", "ec-p256", "--subject", "  ", "--out", "x.pem", NULL },
    (const char * const[]) { "cert", "generate", "--type", "ec-p256", "--subject", "no equals sign", "--out", "x.pem", NULL },
    (const char * const[]) { "cert", "generate", "--type", "ec-p256", "--subject", "CN=T", NULL },
    (const char * const[]) { "cert", "generate", "--type", "ec-p256", "--subject", "CN=T", "--out", "x.pem", "--connection", "nobody", NULL },
    (const char * const[]) { "cert", "generate", "--type", "ec-p256", "--subject", "CN=T", "--out", "x.pem", "extra", NULL },
    (const char * const[]) { "cert", "generate", "--type", "ec-p256", "--subject", "CN=T", "--out", "no-such-dir/x.pem", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run_argv (fixture, NULL, commands[i], &run);
      g_assert_cmpint (run.status, ==, 2);
      sy_cli_assert_one_error_line (&run);
      g_assert_cmpstr (run.out, ==, "");
      assert_no_file_but (fixture, NULL);
    }

  {
    g_auto(SyCliRun) run = { 0 };

    /* The core's explanation comes through. */
    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "ec-p256", "--subject", "no equals sign", "--out", "x.pem");
    g_assert_nonnull (strstr (run.err, "distinguished name"));
  }
}

static void
test_generate_no_keyring (Fixture       *fixture,
                          gconstpointer  data)
{
  g_auto(SyCliRun) run = { 0 };

  fixture->no_keyring = TRUE;
  sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "ec-p256", "--subject", "CN=T", "--out", "pub.pem");
  g_assert_cmpint (run.status, ==, 2);
  sy_cli_assert_one_error_line (&run);
  g_assert_nonnull (strstr (run.err, "keyring"));
  /* Nothing written, not even a temporary file. */
  assert_no_file_but (fixture, NULL);
}

static void
test_connection_key (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  g_autoptr(JsonObject) generated = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autofree char *id = NULL;
  g_autofree char *key_path = work_path (fixture, "key.pem");
  g_autofree char *key_pem = NULL;
  g_autofree char *cert_public = NULL;
  g_autofree char *key_public = NULL;
  g_autofree char *check = NULL;
  g_autofree char *pending = NULL;
  char *encoded;

  add_connection (fixture, "NetSuite Prod");
  add_connection (fixture, "Empty");
  id = connection_id (fixture, "NetSuite Prod");

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "ec-p384", "--subject", "CN=Prod,O=Example Ltd",
                "--out", "prod.pem", "--connection", "NetSuite Prod", "--json");
    g_assert_cmpint (run.status, ==, 0);
    generated = parse_json_object (run.out);
    g_assert_cmpstr (json_object_get_string_member (generated, "connection"), ==, "NetSuite Prod");
    g_assert_cmpstr (json_object_get_string_member (generated, "out"), ==, "prod.pem");
  }

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "show", "--connection", "NetSuite Prod", "--json");
    g_assert_cmpint (run.status, ==, 0);
    shown = parse_json_object (run.out);
    g_assert_cmpstr (json_object_get_string_member (shown, "sha256_fingerprint"), ==,
                     json_object_get_string_member (generated, "sha256_fingerprint"));
    g_assert_cmpstr (json_object_get_string_member (shown, "subject"), ==, "CN=Prod,O=Example Ltd");
    g_assert_cmpstr (json_object_get_string_member (shown, "curve"), ==, "P-384");
    g_assert_cmpint (json_object_get_int_member (shown, "key_bits"), ==, 384);
    g_assert_cmpstr (json_object_get_string_member (shown, "signature_algorithm"), ==, "ECDSA-SHA384");
    g_assert_cmpint (json_object_get_int_member (shown, "days_left"), >=, 729);
    g_assert_true (json_object_has_member (shown, "issuer"));
    g_assert_true (json_object_has_member (shown, "serial"));
    g_assert_true (json_object_has_member (shown, "not_before"));
    g_assert_true (json_object_has_member (shown, "not_after"));
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "show", "--connection", "NetSuite Prod");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "EC P-384, 384 bits"));
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "show", "--connection", "NetSuite Prod");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "days left"));
    g_assert_nonnull (strstr (run.out, "P-384"));
    g_assert_nonnull (strstr (run.out, json_object_get_string_member (generated, "sha256_fingerprint")));
    g_assert_nonnull (strstr (run.out, "meets NetSuite's requirements"));
  }

  /* Under the connection, and not left waiting under the fingerprint. */
  encoded = keyring_private_key (id);
  g_assert_nonnull (encoded);
  pending = pending_id (json_object_get_string_member (generated, "sha256_fingerprint"));
  g_assert_null (keyring_private_key (pending));

  /* Before the export, no file anywhere holds the key. */
  snapshot_files (fixture->config_dir, files);
  snapshot_files (fixture->state_dir, files);
  snapshot_files (fixture->work_dir, files);
  assert_snapshot_lacks (files, encoded);
  sy_secret_free (encoded);

  {
    g_auto(SyCliRun) run = { 0 };

    /* Replacing the connection's key takes --force. */
    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "ec-p256", "--subject", "CN=Again",
                "--out", "again.pem", "--connection", "NetSuite Prod");
    g_autofree char *again = work_path (fixture, "again.pem");

    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_false (g_file_test (again, G_FILE_TEST_EXISTS));
  }

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "export-key", "--connection", "NetSuite Prod", "--out", "key.pem");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpuint (sy_test_file_mode (key_path), ==, 0600);
    key_pem = sy_test_read_text (key_path);
    g_assert_true (g_str_has_prefix (key_pem, "-----BEGIN PRIVATE KEY-----"));
    /* The key is only in the file, never on the terminal. */
    {
      g_autofree char *cert_path = work_path (fixture, "prod.pem");
      g_autofree char *cert_pem = sy_test_read_text (cert_path);
      g_auto(GStrv) body = secret_pem_lines (key_pem, cert_pem);

      g_assert_cmpuint (g_strv_length (body), >=, 1);

      for (gsize i = 0; body[i] != NULL; i++)
        {
          g_assert_null (strstr (run.out, body[i]));
          g_assert_null (strstr (run.err, body[i]));
          assert_snapshot_lacks (files, body[i]);
        }
    }
  }

  g_assert_cmpint (run_openssl (fixture, &check, "pkey", "-in", "key.pem", "-check", "-noout"), ==, 0);
  /* It is the certificate's key. */
  g_assert_cmpint (run_openssl (fixture, &cert_public, "x509", "-in", "prod.pem", "-pubkey", "-noout"), ==, 0);
  g_assert_cmpint (run_openssl (fixture, &key_public, "pkey", "-in", "key.pem", "-pubout"), ==, 0);
  g_assert_cmpstr (cert_public, ==, key_public);

  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *after = NULL;

    sy_cli_run (fixture, NULL, &run, "cert", "export-key", "--connection", "NetSuite Prod", "--out", "key.pem");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_nonnull (strstr (run.err, "--force"));
    after = sy_test_read_text (key_path);
    g_assert_cmpstr (after, ==, key_pem);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    g_assert_cmpint (g_chmod (key_path, 0644), ==, 0);
    sy_cli_run (fixture, NULL, &run, "cert", "export-key", "--connection", "NetSuite Prod", "--out", "key.pem", "--force");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpuint (sy_test_file_mode (key_path), ==, 0600);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "export-key", "--connection", "Empty", "--out", "none.pem");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_autofree char *none = work_path (fixture, "none.pem");

    g_assert_nonnull (strstr (run.err, "no private key"));
    g_assert_false (g_file_test (none, G_FILE_TEST_EXISTS));
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "show", "--connection", "Empty");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "export-key", "--connection", "Nobody", "--out", "none.pem");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) replaced = NULL;
    g_autofree guchar *decoded = NULL;
    gsize length;

    /* With --force the connection gets the new pair. */
    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "rsa-4096", "--subject", "CN=Again",
                "--out", "again.pem", "--connection", "NetSuite Prod", "--force", "--json");
    g_assert_cmpint (run.status, ==, 0);
    replaced = parse_json_object (run.out);

    g_assert_cmpint (json_object_get_int_member (replaced, "key_bits"), ==, 4096);
    encoded = keyring_private_key (id);
    g_assert_nonnull (encoded);
    decoded = g_base64_decode (encoded, &length);
    g_assert_true (length != strlen (key_pem) || memcmp (decoded, key_pem, length) != 0);
    sy_secret_free (encoded);
  }

  /* Removing the connection forgets its certificate and its key too. */
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(SyStateStore) state = NULL;
    g_autoptr(SyCertificate) left = NULL;

    sy_cli_run (fixture, NULL, &run, "connection", "remove", "NetSuite Prod");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_null (keyring_private_key (id));

    state = sy_state_store_open (fixture->state_dir, &error);
    g_assert_no_error (error);
    left = sy_state_store_load_certificate (state, id, &error);
    g_assert_no_error (error);
    g_assert_null (left);
  }
}

/* A state database that is not one: reported with its path, left alone,
 * and nothing half-done elsewhere. */
static void
test_broken_state_database (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *db_path = g_build_filename (fixture->state_dir, "state.db", NULL);
  g_autofree char *after = NULL;
  g_autofree char *id = NULL;
  const char *garbage = "This is a text file, not an SQLite database.\n";
  g_autoptr(GError) error = NULL;

  add_connection (fixture, "Broken");
  id = connection_id (fixture, "Broken");
  g_file_set_contents (db_path, garbage, -1, &error);
  g_assert_no_error (error);

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "ec-p256", "--subject", "CN=T",
                "--out", "pub.pem", "--connection", "Broken");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_nonnull (strstr (run.err, db_path));
    assert_no_file_but (fixture, NULL);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "show", "--connection", "Broken");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_nonnull (strstr (run.err, db_path));
  }

  after = sy_test_read_text (db_path);
  g_assert_cmpstr (after, ==, garbage);
  g_assert_null (keyring_private_key (id));
}

/* A certificate and key made by openssl, in the work directory. */
static void
make_openssl_pair (Fixture    *fixture,
                   const char *name,
                   const char *algorithm,
                   const char *option,
                   const char *days)
{
  g_autofree char *cert = g_strconcat (name, ".pem", NULL);
  g_autofree char *key = g_strconcat (name, ".key", NULL);
  g_autofree char *subject = g_strconcat ("/CN=", name, NULL);

  if (option != NULL)
    g_assert_cmpint (run_openssl (fixture, NULL, "req", "-x509", "-newkey", algorithm, "-pkeyopt", option,
                                  "-nodes", "-keyout", key, "-subj", subject, "-days", days, "-out", cert), ==, 0);
  else
    g_assert_cmpint (run_openssl (fixture, NULL, "req", "-x509", "-newkey", algorithm,
                                  "-nodes", "-keyout", key, "-subj", subject, "-days", days, "-out", cert), ==, 0);
}

static JsonObject *
import_json (Fixture    *fixture,
             const char *name,
             gboolean    with_key)
{
  g_auto(SyCliRun) run = { 0 };
  g_autofree char *cert = g_strconcat (name, ".pem", NULL);
  g_autofree char *key = g_strconcat (name, ".key", NULL);

  if (with_key)
    sy_cli_run (fixture, NULL, &run, "cert", "import", cert, "--key-file", key, "--json");
  else
    sy_cli_run (fixture, NULL, &run, "cert", "import", cert, "--json");
  g_assert_cmpint (run.status, ==, 0);
  return parse_json_object (run.out);
}

static void
test_import_openssl (Fixture       *fixture,
                     gconstpointer  data)
{
  struct {
    const char *name;
    const char *algorithm;
    const char *option;
    const char *days;
    gboolean    accepted;
    const char *problem;
    gboolean    key_usable;
  } cases[] = {
    { "rsa3072", "rsa:3072", NULL, "365", TRUE, NULL, TRUE },
    { "rsa4096", "rsa:4096", NULL, "730", TRUE, NULL, TRUE },
    { "p256", "ec", "ec_paramgen_curve:P-256", "365", TRUE, NULL, TRUE },
    { "p384", "ec", "ec_paramgen_curve:P-384", "365", TRUE, NULL, TRUE },
    { "p521", "ec", "ec_paramgen_curve:P-521", "365", TRUE, NULL, TRUE },
    { "rsa2048", "rsa:2048", NULL, "365", FALSE, "2048", TRUE },
    { "k256", "ec", "ec_paramgen_curve:secp256k1", "365", FALSE, "curve", FALSE },
    { "long", "ec", "ec_paramgen_curve:P-256", "800", FALSE, "730", TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) imported = NULL;
      JsonArray *problems;

      make_openssl_pair (fixture, cases[i].name, cases[i].algorithm, cases[i].option, cases[i].days);
      imported = import_json (fixture, cases[i].name, cases[i].key_usable);
      problems = json_object_get_array_member (imported, "netsuite_problems");
      /* A certificate with its key waits for a connection; alone, it is
       * only checked. */
      g_assert_true (json_object_get_boolean_member (imported, "stored") == cases[i].key_usable);
      if (!cases[i].key_usable)
        {
          g_auto(SyCliRun) run = { 0 };
          g_autofree char *cert = g_strconcat (cases[i].name, ".pem", NULL);
          g_autofree char *key = g_strconcat (cases[i].name, ".key", NULL);

          /* A key Switchyard cannot sign with is refused, with the reason. */
          sy_cli_run (fixture, NULL, &run, "cert", "import", cert, "--key-file", key);
          g_assert_cmpint (run.status, ==, 2);
          sy_cli_assert_one_error_line (&run);
          g_assert_nonnull (strstr (run.err, "curve"));
        }
      if (cases[i].accepted)
        g_assert_cmpuint (json_array_get_length (problems), ==, 0);
      else
        {
          g_assert_cmpuint (json_array_get_length (problems), >=, 1);
          g_assert_nonnull (strstr (json_array_get_string_element (problems, 0), cases[i].problem));
        }
    }

  {
    g_auto(SyCliRun) run = { 0 };

    /* The warning is printed clearly, and the import still succeeds. */
    add_connection (fixture, "Old");
    sy_cli_run (fixture, NULL, &run, "cert", "import", "rsa2048.pem", "--key-file", "rsa2048.key", "--connection", "Old");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.err, "Warning"));
    g_assert_nonnull (strstr (run.err, "2048"));
    g_assert_nonnull (strstr (run.out, "does not meet NetSuite's requirements"));
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) shown = NULL;

    sy_cli_run (fixture, NULL, &run, "cert", "show", "--connection", "Old", "--json");
    g_assert_cmpint (run.status, ==, 0);
    shown = parse_json_object (run.out);
    g_assert_cmpint (json_object_get_int_member (shown, "key_bits"), ==, 2048);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (shown, "netsuite_problems")), >=, 1);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    /* DER, as some platforms hand certificates over. */
    g_assert_cmpint (run_openssl (fixture, NULL, "x509", "-in", "p256.pem", "-outform", "DER", "-out", "p256.der"), ==, 0);
    sy_cli_run (fixture, NULL, &run, "cert", "show", "p256.der");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "CN=p256"));
  }
}

static void
assert_nothing_stored (Fixture    *fixture,
                       const char *connection_name,
                       const char *id)
{
  g_auto(SyCliRun) run = { 0 };
  char *encoded = keyring_private_key (id);

  g_assert_null (encoded);
  sy_cli_run (fixture, NULL, &run, "cert", "show", "--connection", connection_name);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "has no certificate"));
}

/* A FIFO or /dev/zero handed over as a certificate or key: read whole,
 * one hangs for ever (deaf to SIGTERM), the other eats the memory. */
static void
test_import_not_regular (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *fifo = work_path (fixture, "fifo.pem");
  const char * const *cases[] = {
    (const char * const[]) { "cert", "import", "fifo.pem", "--connection", "Target", NULL },
    (const char * const[]) { "cert", "import", "/dev/zero", "--connection", "Target", NULL },
    (const char * const[]) { "cert", "import", "first.pem", "--key-file", "fifo.pem", "--connection", "Target", NULL },
    (const char * const[]) { "cert", "import", "first.pem", "--key-file", "/dev/zero", "--connection", "Target", NULL },
    (const char * const[]) { "cert", "show", "/dev/zero", NULL },
    (const char * const[]) { "cert", "show", "fifo.pem", NULL },
  };

  add_connection (fixture, "Target");
  make_openssl_pair (fixture, "first", "ec", "ec_paramgen_curve:P-256", "365");
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run_argv (fixture, NULL, cases[i], &run);
      g_assert_cmpint (run.status, ==, 2);
      sy_cli_assert_one_error_line (&run);
      g_assert_true (strstr (run.err, "not a regular file") != NULL);
    }
}

static void
test_import_bad_input (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *der = NULL;
  g_autofree char *two = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(GError) error = NULL;
  gsize der_length;
  guint8 garbage[512];
  const struct {
    const char *input;
    const char * const *args;
    const char *message;
  } cases[] = {
    { NULL, (const char * const[]) { "cert", "import", "garbage.pem", "--connection", "Target", NULL }, "not a certificate" },
    { NULL, (const char * const[]) { "cert", "import", "empty.pem", "--connection", "Target", NULL }, "empty" },
    { NULL, (const char * const[]) { "cert", "import", "two.pem", "--connection", "Target", NULL }, "2 certificates" },
    { NULL, (const char * const[]) { "cert", "import", "truncated.der", "--connection", "Target", NULL }, "damaged" },
    { NULL, (const char * const[]) { "cert", "import", "missing.pem", "--connection", "Target", NULL }, "missing.pem" },
    { NULL, (const char * const[]) { "cert", "import", "first.pem", "--key-file", "second.key", "--connection", "Target", NULL }, "does not belong" },
    { NULL, (const char * const[]) { "cert", "import", "first.pem", "--key-file", "encrypted.key", "--connection", "Target", NULL }, "--passphrase-stdin" },
    { "wrong\n", (const char * const[]) { "cert", "import", "first.pem", "--key-file", "encrypted.key", "--passphrase-stdin", "--connection", "Target", NULL }, "passphrase is wrong" },
    { "", (const char * const[]) { "cert", "import", "first.pem", "--key-file", "encrypted.key", "--passphrase-stdin", "--connection", "Target", NULL }, "No passphrase" },
    { NULL, (const char * const[]) { "cert", "import", "first.pem", "--key-file", "first.pem", "--connection", "Target", NULL }, "not a private key" },
    { NULL, (const char * const[]) { "cert", "import", "first.pem", "--passphrase-stdin", "--connection", "Target", NULL }, "--key-file" },
    { NULL, (const char * const[]) { "cert", "import", "first.pem", "--connection", "Nobody", NULL }, "Nobody" },
    { NULL, (const char * const[]) { "cert", "show", "garbage.pem", NULL }, "not a certificate" },
    { NULL, (const char * const[]) { "cert", "show", NULL }, "--connection" },
    { NULL, (const char * const[]) { "cert", "show", "first.pem", "--connection", "Target", NULL }, "--connection" },
  };

  add_connection (fixture, "Target");
  id = connection_id (fixture, "Target");

  for (gsize i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) g_test_rand_int_range (0, 256);
  {
    g_autofree char *path = work_path (fixture, "garbage.pem");
    g_file_set_contents (path, (const char *) garbage, sizeof garbage, &error);
    g_assert_no_error (error);
  }
  {
    g_autofree char *path = work_path (fixture, "empty.pem");
    g_file_set_contents (path, "", 0, &error);
    g_assert_no_error (error);
  }
  make_openssl_pair (fixture, "first", "ec", "ec_paramgen_curve:P-256", "365");
  make_openssl_pair (fixture, "second", "ec", "ec_paramgen_curve:P-256", "365");
  {
    g_autofree char *first_path = work_path (fixture, "first.pem");
    g_autofree char *second_path = work_path (fixture, "second.pem");
    g_autofree char *two_path = work_path (fixture, "two.pem");

    first = sy_test_read_text (first_path);
    second = sy_test_read_text (second_path);
    two = g_strconcat (first, second, NULL);
    g_file_set_contents (two_path, two, -1, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpint (run_openssl (fixture, NULL, "x509", "-in", "first.pem", "-outform", "DER", "-out", "first.der"), ==, 0);
  {
    g_autofree char *der_path = work_path (fixture, "first.der");
    g_autofree char *truncated_path = work_path (fixture, "truncated.der");

    g_file_get_contents (der_path, &der, &der_length, &error);
    g_assert_no_error (error);
    g_file_set_contents (truncated_path, der, der_length / 2, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpint (run_openssl (fixture, NULL, "pkcs8", "-topk8", "-in", "first.key", "-out", "encrypted.key",
                                "-passout", "pass:correct horse"), ==, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run_argv (fixture, cases[i].input, cases[i].args, &run);
      g_assert_cmpint (run.status, ==, 2);
      sy_cli_assert_one_error_line (&run);
      g_assert_nonnull (strstr (run.err, cases[i].message));
      g_assert_cmpstr (run.out, ==, "");
      assert_nothing_stored (fixture, "Target", id);
    }

  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *exported_public = NULL;
    g_autofree char *original_public = NULL;

    /* The right passphrase, with a space in it, from standard input. */
    sy_cli_run (fixture, "correct horse\n", &run, "cert", "import", "first.pem", "--key-file", "encrypted.key",
                "--passphrase-stdin", "--connection", "Target");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_null (strstr (run.out, "correct horse"));
    g_assert_null (strstr (run.err, "correct horse"));

    sy_cli_run_clear (&run);
    sy_cli_run (fixture, NULL, &run, "cert", "export-key", "--connection", "Target", "--out", "exported.key");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpint (run_openssl (fixture, &exported_public, "pkey", "-in", "exported.key", "-pubout"), ==, 0);
    g_assert_cmpint (run_openssl (fixture, &original_public, "pkey", "-in", "first.key", "-pubout"), ==, 0);
    g_assert_cmpstr (exported_public, ==, original_public);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    /* Another certificate over it takes --force… */
    sy_cli_run (fixture, NULL, &run, "cert", "import", "second.pem", "--key-file", "second.key", "--connection", "Target");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_nonnull (strstr (run.err, "--force"));
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) shown = NULL;

    /* …and leaves the first in place. */
    sy_cli_run (fixture, NULL, &run, "cert", "show", "--connection", "Target", "--json");
    g_assert_cmpint (run.status, ==, 0);
    shown = parse_json_object (run.out);
    g_assert_cmpstr (json_object_get_string_member (shown, "subject"), ==, "CN=first");
  }
}

/* A PKCS#12 bundle, as certificates are often handed over: the
 * certificate and its key from one file, the passphrase from standard
 * input. */
static void
test_import_pkcs12 (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *pass_path = work_path (fixture, "pass.txt");
  g_autoptr(GError) error = NULL;
  const struct {
    const char *input;
    const char * const *args;
    const char *message;
  } cases[] = {
    { NULL, (const char * const[]) { "cert", "import", "bundle.p12", "--connection", "Target", NULL }, "--passphrase-stdin" },
    { "wrong\n", (const char * const[]) { "cert", "import", "bundle.p12", "--passphrase-stdin", "--connection", "Target", NULL }, "passphrase is wrong" },
    { "", (const char * const[]) { "cert", "import", "bundle.p12", "--passphrase-stdin", "--connection", "Target", NULL }, "No passphrase" },
    { "correct horse\n", (const char * const[]) { "cert", "import", "bundle.p12", "--key-file", "bundle.key", "--passphrase-stdin", "--connection", "Target", NULL }, "--key-file" },
    { NULL, (const char * const[]) { "cert", "show", "bundle.p12", NULL }, "PKCS#12" },
  };

  add_connection (fixture, "Target");
  id = connection_id (fixture, "Target");
  make_openssl_pair (fixture, "bundle", "ec", "ec_paramgen_curve:P-256", "365");
  g_file_set_contents (pass_path, "correct horse", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run_openssl (fixture, NULL, "pkcs12", "-export", "-in", "bundle.pem", "-inkey", "bundle.key",
                                "-passout", "file:pass.txt", "-out", "bundle.p12"), ==, 0);
  g_assert_cmpint (run_openssl (fixture, NULL, "pkcs12", "-export", "-in", "bundle.pem", "-inkey", "bundle.key",
                                "-passout", "pass:", "-out", "open.p12"), ==, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(SyCliRun) run = { 0 };

      sy_cli_run_argv (fixture, cases[i].input, cases[i].args, &run);
      g_assert_cmpint (run.status, ==, 2);
      sy_cli_assert_one_error_line (&run);
      g_assert_nonnull (strstr (run.err, cases[i].message));
      g_assert_cmpstr (run.out, ==, "");
      assert_nothing_stored (fixture, "Target", id);
    }

  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) imported = NULL;
    g_autofree char *exported_public = NULL;
    g_autofree char *original_public = NULL;

    sy_cli_run (fixture, "correct horse\n", &run, "cert", "import", "bundle.p12",
                "--passphrase-stdin", "--connection", "Target", "--json");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_null (strstr (run.out, "correct horse"));
    g_assert_null (strstr (run.err, "correct horse"));
    imported = parse_json_object (run.out);
    g_assert_cmpstr (json_object_get_string_member (imported, "subject"), ==, "CN=bundle");
    g_assert_cmpstr (json_object_get_string_member (imported, "private_key"), ==, "stored");
    g_assert_true (json_object_get_boolean_member (imported, "stored"));

    sy_cli_run_clear (&run);
    sy_cli_run (fixture, NULL, &run, "cert", "export-key", "--connection", "Target", "--out", "exported.key");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpint (run_openssl (fixture, &exported_public, "pkey", "-in", "exported.key", "-pubout"), ==, 0);
    g_assert_cmpint (run_openssl (fixture, &original_public, "pkey", "-in", "bundle.key", "-pubout"), ==, 0);
    g_assert_cmpstr (exported_public, ==, original_public);
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) imported = NULL;

    /* A bundle without a passphrase needs none. */
    add_connection (fixture, "Open");
    sy_cli_run (fixture, NULL, &run, "cert", "import", "open.p12", "--connection", "Open", "--json");
    g_assert_cmpint (run.status, ==, 0);
    imported = parse_json_object (run.out);
    g_assert_cmpstr (json_object_get_string_member (imported, "private_key"), ==, "stored");
  }
}

/* Generated without a connection, attached later by importing the public
 * certificate: the key follows it. */
static void
test_attach_pending_key (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(JsonObject) generated = NULL;
  g_autoptr(JsonObject) imported = NULL;
  g_autofree char *pending = NULL;
  g_autofree char *id = NULL;
  g_autofree char *cert_public = NULL;
  g_autofree char *key_public = NULL;
  char *encoded;

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "ec-p256", "--subject", "CN=Later", "--out", "later.pem", "--json");
    g_assert_cmpint (run.status, ==, 0);
    generated = parse_json_object (run.out);
  }
  pending = pending_id (json_object_get_string_member (generated, "sha256_fingerprint"));
  encoded = keyring_private_key (pending);
  g_assert_nonnull (encoded);
  sy_secret_free (encoded);

  add_connection (fixture, "Later");
  id = connection_id (fixture, "Later");
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "import", "later.pem", "--connection", "Later", "--json");
    g_assert_cmpint (run.status, ==, 0);
    imported = parse_json_object (run.out);
    g_assert_cmpstr (json_object_get_string_member (imported, "private_key"), ==, "attached");
    g_assert_cmpstr (json_object_get_string_member (imported, "connection"), ==, "Later");
  }

  /* Moved: under the connection, no longer under the fingerprint. */
  g_assert_null (keyring_private_key (pending));
  encoded = keyring_private_key (id);
  g_assert_nonnull (encoded);
  sy_secret_free (encoded);

  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) again = NULL;

    /* Importing the same certificate again keeps the key. */
    sy_cli_run (fixture, NULL, &run, "cert", "import", "later.pem", "--connection", "Later", "--json");
    g_assert_cmpint (run.status, ==, 0);
    again = parse_json_object (run.out);
    g_assert_cmpstr (json_object_get_string_member (again, "private_key"), ==, "kept");
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "export-key", "--connection", "Later", "--out", "later.key");
    g_assert_cmpint (run.status, ==, 0);
  }
  g_assert_cmpint (run_openssl (fixture, &cert_public, "x509", "-in", "later.pem", "-pubkey", "-noout"), ==, 0);
  g_assert_cmpint (run_openssl (fixture, &key_public, "pkey", "-in", "later.key", "-pubout"), ==, 0);
  g_assert_cmpstr (cert_public, ==, key_public);
}

/* Uploads a public certificate to the sandbox's NetSuite, as a user does
 * in NetSuite's UI; returns the certificate id it shows. */
static char *
upload_certificate (Fixture    *fixture,
                    const char *account,
                    const char *client_id,
                    const char *pem_name)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (fixture->sandbox), "/__sandbox/netsuite/certificates", NULL);
  g_autofree char *path = work_path (fixture, pem_name);
  g_autofree char *pem = sy_test_read_text (path);
  g_autofree char *text = NULL;
  g_autofree char *answer_text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "account");
  json_builder_add_string_value (builder, account);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, client_id);
  json_builder_set_member_name (builder, "certificate");
  json_builder_add_string_value (builder, pem);
  json_builder_end_object (builder);
  request = json_builder_get_root (builder);
  text = json_to_string (request, FALSE);
  body = g_bytes_new (text, strlen (text));
  message = soup_message_new (SOUP_METHOD_POST, url);
  soup_message_set_request_body_from_bytes (message, "application/json", body);
  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  answer = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);
  answer_text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  g_test_message ("upload → %u %s", soup_message_get_status (message), answer_text);
  g_assert_cmpuint (soup_message_get_status (message), <, 300);

  object = parse_json_object (answer_text);
  g_assert_true (json_object_has_member (object, "certificate_id"));
  return g_strdup (json_object_get_string_member (object, "certificate_id"));
}

/* Whether text holds a run of 40 or more hex digits or base64url, as an
 * access token or a JWT would be. */
static gboolean
holds_token_like_text (const char *text)
{
  g_autoptr(GRegex) regex = g_regex_new ("[0-9a-fA-F]{40,}|eyJ[A-Za-z0-9_-]{10,}", 0, 0, NULL);

  return g_regex_match (regex, text, 0, NULL);
}

static void
mark_gone (SoupServerMessage *msg)
{
  g_object_set_data (G_OBJECT (msg), "gone", GINT_TO_POINTER (TRUE));
}

static gboolean
trickle_one_byte (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  if (g_object_get_data (G_OBJECT (msg), "gone") != NULL)
    return G_SOURCE_REMOVE;
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC, " ", 1);
  soup_server_message_unpause (msg);
  return G_SOURCE_CONTINUE;
}

/* A byte every 2 s, for ever: libsoup's idle timeout never fires. */
static void
trickle_handler (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, "application/json", NULL);
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC, "{", 1);
  g_signal_connect (msg, "finished", G_CALLBACK (mark_gone), NULL);
  g_signal_connect (msg, "disconnected", G_CALLBACK (mark_gone), NULL);
  g_timeout_add_full (G_PRIORITY_DEFAULT, 2000, trickle_one_byte, g_object_ref (msg), g_object_unref);
}

/* `netsuite test` against a token URL that trickles: it waited for ever.
 * Now it gives up at its deadline (30 s) with exit code 3. */
static void
test_netsuite_trickled_answer (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *token_url = NULL;
  g_auto(SyCliRun) run = { 0 };
  GSList *uris;

  soup_server_add_handler (server, NULL, trickle_handler, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  token_url = g_strdup_printf ("http://127.0.0.1:%d/services/rest/auth/oauth2/v1/token", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  add_connection (fixture, "NS");
  {
    g_auto(SyCliRun) generate = { 0 };

    sy_cli_run (fixture, NULL, &generate, "cert", "generate", "--type", "ec-p256", "--subject", "CN=Switchyard",
                "--out", "ns.pem", "--connection", "NS");
    g_assert_cmpint (generate.status, ==, 0);
  }

  sy_cli_run (fixture, NULL, &run, "netsuite", "test", "--connection", "NS", "--account", "TST123", "--client-id", "C",
              "--certificate-id", "0123456789abcdef", "--token-url", token_url);
  g_assert_cmpint (run.status, ==, 3);
  sy_cli_assert_one_error_line (&run);
  g_assert_nonnull (strstr (run.err, "did not answer in time"));
  g_assert_cmpstr (run.out, ==, "");
  soup_server_disconnect (server);
}

static void
test_netsuite_login (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *token_url = NULL;
  g_autofree char *certificate_id = NULL;
  g_autofree char *ec_certificate_id = NULL;
  g_autofree char *connections_path = g_build_filename (fixture->config_dir, "connections.json", NULL);
  g_autofree char *connections = NULL;

  fixture->sandbox = sy_test_start_sandbox (NULL);
  token_url = g_strconcat (sy_sandbox_process_get_url (fixture->sandbox), "/services/rest/auth/oauth2/v1/token", NULL);
  add_connection (fixture, "NS");
  add_connection (fixture, "NS EC");
  add_connection (fixture, "No key");

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "rsa-3072", "--subject", "CN=Switchyard",
                "--out", "ns.pem", "--connection", "NS");
    g_assert_cmpint (run.status, ==, 0);
  }
  certificate_id = upload_certificate (fixture, "TST123", "C", "ns.pem");

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "netsuite", "test", "--connection", "NS", "--account", "TST123", "--client-id", "C",
                "--certificate-id", certificate_id, "--token-url", token_url);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "NetSuite login works: a Bearer token valid for 3600 s was issued"));
    /* The token itself is never shown. */
    g_assert_false (holds_token_like_text (run.out));
    g_assert_false (holds_token_like_text (run.err));
  }

  /* Remembered for the connection, and none of it secret. */
  connections = sy_test_read_text (connections_path);
  g_assert_nonnull (strstr (connections, certificate_id));
  g_assert_nonnull (strstr (connections, "TST123"));
  {
    g_auto(SyCliRun) run = { 0 };
    g_autoptr(JsonObject) answer = NULL;

    /* Everything remembered, the token URL included. */
    sy_cli_run (fixture, NULL, &run, "netsuite", "test", "--connection", "NS", "--json");
    g_assert_cmpint (run.status, ==, 0);
    answer = parse_json_object (run.out);
    g_assert_true (json_object_get_boolean_member (answer, "ok"));
    g_assert_cmpstr (json_object_get_string_member (answer, "certificate_id"), ==, certificate_id);
    g_assert_cmpstr (json_object_get_string_member (answer, "token_url"), ==, token_url);
    g_assert_cmpstr (json_object_get_string_member (answer, "token_type"), ==, "Bearer");
    g_assert_cmpint (json_object_get_int_member (answer, "expires_in"), ==, 3600);
    g_assert_false (json_object_has_member (answer, "access_token"));
    g_assert_false (holds_token_like_text (run.out));
  }

  {
    g_auto(SyCliRun) run = { 0 };

    /* A wrong certificate id: NetSuite's refusal and its reason. */
    sy_cli_run (fixture, NULL, &run, "netsuite", "test", "--connection", "NS", "--account", "TST123", "--client-id", "C",
                "--certificate-id", "0123456789abcdef", "--token-url", token_url);
    g_assert_cmpint (run.status, ==, 3);
    sy_cli_assert_one_error_line (&run);
    g_assert_nonnull (strstr (run.err, "invalid_client"));
    g_assert_cmpstr (run.out, ==, "");
  }
  {
    g_auto(SyCliRun) run = { 0 };

    /* A wrong client id too. */
    sy_cli_run (fixture, NULL, &run, "netsuite", "test", "--connection", "NS", "--account", "TST123", "--client-id", "D",
                "--certificate-id", certificate_id, "--token-url", token_url);
    g_assert_cmpint (run.status, ==, 3);
    sy_cli_assert_one_error_line (&run);
  }

  {
    g_auto(SyCliRun) run = { 0 };

    /* An EC key signs with ES256. */
    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "ec-p256", "--subject", "CN=Switchyard EC",
                "--out", "ns-ec.pem", "--connection", "NS EC");
    g_assert_cmpint (run.status, ==, 0);
    ec_certificate_id = upload_certificate (fixture, "TST123", "C", "ns-ec.pem");
    sy_cli_run_clear (&run);
    sy_cli_run (fixture, NULL, &run, "netsuite", "test", "--connection", "NS EC", "--account", "TST123", "--client-id", "C",
                "--certificate-id", ec_certificate_id, "--token-url", token_url);
    g_assert_cmpint (run.status, ==, 0);
  }

  {
    g_auto(SyCliRun) run = { 0 };

    /* No key for the connection: the user's to fix, not the server's. */
    sy_cli_run (fixture, NULL, &run, "netsuite", "test", "--connection", "No key", "--account", "TST123", "--client-id", "C",
                "--certificate-id", certificate_id, "--token-url", token_url);
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_nonnull (strstr (run.err, "no private key"));
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "netsuite", "test", "--connection", "NS", "--account", "not an account!",
                "--client-id", "C", "--certificate-id", certificate_id);
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
  }
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (fixture, NULL, &run, "netsuite", "test", "--connection", "No key");
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_nonnull (strstr (run.err, "--account"));
  }
  {
    g_auto(SyCliRun) run = { 0 };
    g_autofree char *after = NULL;

    /* A new certificate makes the old certificate id meaningless: it is
     * forgotten, the account and client id are kept. */
    sy_cli_run (fixture, NULL, &run, "cert", "generate", "--type", "ec-p256", "--subject", "CN=Renewed",
                "--out", "renewed.pem", "--connection", "NS", "--force");
    g_assert_cmpint (run.status, ==, 0);
    after = sy_test_read_text (connections_path);
    g_assert_null (strstr (after, certificate_id));
    g_assert_nonnull (strstr (after, "TST123"));

    sy_cli_run_clear (&run);
    sy_cli_run (fixture, NULL, &run, "netsuite", "test", "--connection", "NS", "--token-url", token_url);
    g_assert_cmpint (run.status, ==, 2);
    sy_cli_assert_one_error_line (&run);
    g_assert_nonnull (strstr (run.err, "--certificate-id"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cli-cert/help", test_help);
  ADD ("/cli-cert/generate", test_generate);
  ADD ("/cli-cert/generate-bad-input", test_generate_bad_input);
  ADD ("/cli-cert/generate-no-keyring", test_generate_no_keyring);
  ADD ("/cli-cert/connection-key", test_connection_key);
  ADD ("/cli-cert/broken-state-database", test_broken_state_database);
  ADD ("/cli-cert/import-openssl", test_import_openssl);
  ADD ("/cli-cert/import-bad-input", test_import_bad_input);
  ADD ("/cli-cert/import-pkcs12", test_import_pkcs12);
  ADD ("/cli-cert/attach-pending-key", test_attach_pending_key);
  ADD ("/cli-cert/netsuite-login", test_netsuite_login);
  ADD ("/cli-cert/netsuite-trickled-answer", test_netsuite_trickled_answer);
  ADD ("/cli-cert/import-not-regular", test_import_not_regular);
#undef ADD

  return g_test_run ();
}
