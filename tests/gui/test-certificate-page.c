/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "sy-certificate-page-private.h"
#include "sy-connection-page.h"
#include "sy-connection-store.h"
#include "sy-error.h"
#include "sy-generate-certificate-dialog-private.h"
#include "sy-gui-test-util.h"
#include "sy-secret-store.h"
#include "sy-state-store.h"
#include "sy-test-support.h"
#include "sy-window-private.h"

typedef struct
{
  char              *config_dir;
  char              *state_dir;
  char              *work_dir;
  SyConnectionStore *connections;
  SyConnection      *connection;
  SySecretStore     *secrets;
  SyStateStore      *state;
  GtkWindow         *window;
  SyCertificatePage *page;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyConnection) connection = NULL;

  fixture->config_dir = sy_test_make_tmpdir ("certificate-page-config");
  fixture->state_dir = sy_test_make_tmpdir ("certificate-page-state");
  fixture->work_dir = sy_test_make_tmpdir ("certificate-page-files");

  fixture->connections = sy_connection_store_new (fixture->config_dir);
  connection = sy_connection_new ("NetSuite Production", "http://127.0.0.1:9");
  sy_connection_set_platform (connection, "netsuite");
  g_assert_true (sy_connection_store_add (fixture->connections, connection, &error));
  g_assert_no_error (error);
  fixture->connection = g_object_ref (connection);

  fixture->secrets = sy_secret_store_new ();
  fixture->state = sy_state_store_open (fixture->state_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->state);

  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 760, 1000);
  fixture->page = SY_CERTIFICATE_PAGE (sy_certificate_page_new ());
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->page));
  gtk_window_present (fixture->window);
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 2);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog;

  while ((dialog = sy_gui_test_find_message_dialog ()) != NULL)
    sy_gui_test_respond (dialog, "close");

  sy_certificate_page_set_connection (fixture->page, NULL, NULL, NULL, NULL);
  sy_gui_test_destroy_window (fixture->window);

  sy_secret_store_clear_async (fixture->secrets, sy_connection_get_id (fixture->connection),
                               NULL, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  sy_secret_store_clear_finish (fixture->secrets, result, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 10; i++)
    sy_gui_test_iterate ();

  g_clear_object (&fixture->connection);
  g_clear_object (&fixture->connections);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->state);
  sy_test_remove_tree (fixture->config_dir);
  sy_test_remove_tree (fixture->state_dir);
  sy_test_remove_tree (fixture->work_dir);
  g_free (fixture->config_dir);
  g_free (fixture->state_dir);
  g_free (fixture->work_dir);
}

static void
show_connection (Fixture *fixture)
{
  sy_certificate_page_set_connection (fixture->page, fixture->connection, fixture->connections,
                                      fixture->secrets, fixture->state);
  SY_GUI_WAIT_FOR (!sy_gui_test_get_boolean (fixture->page, "busy"));
}

/* Every label a person can see on the page now: hidden stack pages and
 * collapsed rows do not count. */
static void
collect_visible_text (GtkWidget *widget,
                      GString   *text)
{
  if (!gtk_widget_get_visible (widget) || !gtk_widget_get_child_visible (widget))
    return;

  if (GTK_IS_LABEL (widget))
    {
      g_string_append (text, gtk_label_get_text (GTK_LABEL (widget)));
      g_string_append_c (text, '\n');
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_visible_text (child, text);
}

static char *
get_visible_text (gpointer widget)
{
  GString *text = g_string_new (NULL);

  collect_visible_text (GTK_WIDGET (widget), text);
  return g_string_free (text, FALSE);
}

#define assert_shows(widget, needle) \
  G_STMT_START { \
    g_autofree char *shown_ = get_visible_text (widget); \
    if (strstr (shown_, (needle)) == NULL) \
      g_error ("“%s” is not shown; the page shows:\n%s", (needle), shown_); \
  } G_STMT_END

#define assert_not_shows(widget, needle) \
  G_STMT_START { \
    g_autofree char *shown_ = get_visible_text (widget); \
    if (strstr (shown_, (needle)) != NULL) \
      g_error ("“%s” should not be shown; the page shows:\n%s", (needle), shown_); \
  } G_STMT_END

static GtkWidget *
find_label_with_text (GtkWidget  *widget,
                      const char *needle)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), needle) != NULL)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label_with_text (child, needle);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* What a mouse click does, at once (activation clicks a moment later). */
static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static SyGenerateCertificateDialog *
find_generate_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (SY_IS_GENERATE_CERTIFICATE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return SY_GENERATE_CERTIFICATE_DIALOG (window);
    }
  return NULL;
}

/* Opens the dialog as Ctrl+G would (answering "Replace" when a
 * certificate is there already) and fills it in. */
static SyGenerateCertificateDialog *
open_generate_dialog (Fixture    *fixture,
                      SyKeySpec   spec,
                      const char *common_name,
                      const char *organisation)
{
  SyGenerateCertificateDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->page), "certificate.generate", NULL));
  if (sy_certificate_page_get_certificate (fixture->page) != NULL)
    {
      AdwMessageDialog *confirm = NULL;

      SY_GUI_WAIT_FOR ((confirm = sy_gui_test_find_message_dialog ()) != NULL);
      g_assert_cmpstr (adw_message_dialog_get_heading (confirm), ==, "Replace the Certificate?");
      sy_gui_test_respond (confirm, "replace");
    }

  SY_GUI_WAIT_FOR ((dialog = find_generate_dialog ()) != NULL);

  /* The defaults NetSuite wants. */
  g_assert_cmpint (sy_generate_certificate_dialog_get_key_spec (dialog), ==, SY_KEY_SPEC_RSA_3072);
  g_assert_cmpuint (sy_generate_certificate_dialog_get_days (dialog), ==, 730);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (sy_gui_test_get_child (dialog, SY_TYPE_GENERATE_CERTIFICATE_DIALOG, "generate_button"))));

  adw_combo_row_set_selected (ADW_COMBO_ROW (sy_gui_test_get_child (dialog, SY_TYPE_GENERATE_CERTIFICATE_DIALOG, "key_type_row")), spec);
  gtk_editable_set_text (GTK_EDITABLE (sy_gui_test_get_child (dialog, SY_TYPE_GENERATE_CERTIFICATE_DIALOG, "common_name_row")), common_name);
  if (organisation != NULL)
    gtk_editable_set_text (GTK_EDITABLE (sy_gui_test_get_child (dialog, SY_TYPE_GENERATE_CERTIFICATE_DIALOG, "organisation_row")), organisation);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (sy_gui_test_get_child (dialog, SY_TYPE_GENERATE_CERTIFICATE_DIALOG, "generate_button"))));
  g_assert_cmpint (sy_generate_certificate_dialog_get_key_spec (dialog), ==, spec);

  return dialog;
}

static gboolean
dialog_is_gone (gpointer user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(GObject) dialog = g_weak_ref_get (ref);

  return dialog == NULL || !gtk_widget_get_visible (GTK_WIDGET (dialog));
}

static void
wait_until_imported (Fixture       *fixture,
                     SyCertificate *before)
{
  SY_GUI_WAIT_FOR ((sy_certificate_page_get_certificate (fixture->page) != NULL
                    && sy_certificate_page_get_certificate (fixture->page) != before
                    && !sy_gui_test_get_boolean (fixture->page, "busy"))
                   || sy_gui_test_find_message_dialog () != NULL);
  if (sy_gui_test_find_message_dialog () != NULL)
    g_error ("Import asked: %s — %s", adw_message_dialog_get_heading (sy_gui_test_find_message_dialog ()),
             adw_message_dialog_get_body (sy_gui_test_find_message_dialog ()));
}

static void
generate (Fixture                     *fixture,
          SyGenerateCertificateDialog *dialog)
{
  SyCertificate *before = sy_certificate_page_get_certificate (fixture->page);
  GWeakRef ref;

  g_weak_ref_init (&ref, dialog);
  gtk_widget_activate (GTK_WIDGET (sy_gui_test_get_child (dialog, SY_TYPE_GENERATE_CERTIFICATE_DIALOG, "generate_button")));
  sy_gui_test_wait_until (dialog_is_gone, &ref, 60, "the generate dialog to close");
  g_weak_ref_clear (&ref);

  wait_until_imported (fixture, before);
  g_assert_cmpstr (sy_certificate_page_get_view (fixture->page), ==, "certificate");
  g_assert_null (sy_certificate_page_get_error (fixture->page));
}

static char *
lookup_key (Fixture *fixture,
            GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sy_secret_store_lookup_async (fixture->secrets, sy_connection_get_id (fixture->connection),
                                SY_SECRET_KIND_PRIVATE_KEY, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  return sy_secret_store_lookup_finish (fixture->secrets, result, error);
}

static void
assert_in_no_file (Fixture    *fixture,
                   const char *needle)
{
  const char *dirs[] = { fixture->config_dir, fixture->state_dir, fixture->work_dir };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autoptr(GPtrArray) files = sy_test_files_containing (dirs[i], needle);
      g_assert_cmpuint (files->len, ==, 0);
    }
}

/* The certificate shown is the one in state.db, its key is in the
 * keyring, and the key is in no file. */
static SyCertificate *
assert_stored (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SyCertificate) stored = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  SyCertificate *shown = sy_certificate_page_get_certificate (fixture->page);
  char *secret;
  char *pem;
  const char *body;

  stored = sy_state_store_load_certificate (fixture->state, sy_connection_get_id (fixture->connection), &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);
  g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (stored), ==, sy_certificate_get_sha256_fingerprint (shown));
  g_assert_nonnull (find_label_with_text (GTK_WIDGET (fixture->page), sy_certificate_get_sha256_fingerprint (stored)));

  secret = lookup_key (fixture, &error);
  g_assert_no_error (error);
  g_assert_nonnull (secret);
  key = sy_private_key_new_from_base64 (secret, &error);
  g_assert_no_error (error);
  g_assert_true (sy_certificate_matches_key (stored, key));

  /* A slice of the keyring's base64 and of the key's PEM body. */
  {
    g_autofree char *slice = g_strndup (secret + strlen (secret) / 2, 48);
    assert_in_no_file (fixture, slice);
  }
  pem = sy_private_key_to_pem (key);
  body = strchr (pem, '\n');
  g_assert_nonnull (body);
  {
    g_autofree char *slice = g_strndup (body + 1, 48);
    assert_in_no_file (fixture, slice);
  }
  sy_secret_free (pem);
  sy_secret_free (secret);

  return g_steal_pointer (&stored);
}

static void
test_empty_state (Fixture       *fixture,
                  gconstpointer  user_data)
{
  /* No connection: nothing to act on. */
  g_assert_cmpstr (sy_certificate_page_get_view (fixture->page), ==, "empty");
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (fixture->page), "certificate.generate", NULL)
                  && find_generate_dialog () != NULL);

  show_connection (fixture);
  g_assert_cmpstr (sy_certificate_page_get_view (fixture->page), ==, "empty");
  g_assert_null (sy_certificate_page_get_certificate (fixture->page));
  assert_shows (fixture->page, "No Certificate");
  assert_shows (fixture->page, "Generate…");
  assert_shows (fixture->page, "Import Certificate…");
  assert_not_shows (fixture->page, "Expires in");

  g_free (sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "certificate-page-empty"));
}

static gboolean
file_has_contents (const char *path,
                   const char *expected)
{
  g_autofree char *contents = NULL;

  return g_file_get_contents (path, &contents, NULL, NULL) && g_strcmp0 (contents, expected) == 0;
}

static void
test_generate_ec (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(SyCertificate) stored = NULL;
  g_autoptr(GFile) exported = NULL;
  g_autofree char *exported_path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *shown = NULL;
  SyGenerateCertificateDialog *dialog;
  AdwExpanderRow *details;

  show_connection (fixture);
  dialog = open_generate_dialog (fixture, SY_KEY_SPEC_EC_P256, "Acme Integration", "Acme, Ltd");
  {
    g_autofree char *subject = sy_generate_certificate_dialog_get_subject (dialog);
    g_assert_cmpstr (subject, ==, "CN=Acme Integration,O=Acme\\, Ltd");
  }
  generate (fixture, dialog);
  stored = assert_stored (fixture);

  g_assert_cmpint (sy_certificate_get_key_type (stored), ==, SY_KEY_TYPE_EC);
  g_assert_cmpstr (sy_certificate_get_curve (stored), ==, "P-256");

  shown = get_visible_text (fixture->page);
  g_assert_nonnull (strstr (shown, "Acme Integration"));
  g_assert_nonnull (strstr (shown, "Acme, Ltd"));
  g_assert_nonnull (strstr (shown, "Self-signed"));
  g_assert_true (strstr (shown, "Expires in 730 days") != NULL || strstr (shown, "Expires in 729 days") != NULL);
  /* A fresh certificate passes NetSuite's check. */
  assert_not_shows (fixture->page, "NetSuite Will Refuse");
  g_assert_false (sy_gui_test_get_boolean (fixture->page, "needs-attention"));
  /* Details are folded away until asked for. */
  assert_not_shows (fixture->page, sy_certificate_get_sha256_fingerprint (stored));

  details = ADW_EXPANDER_ROW (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "details_row"));
  adw_expander_row_set_expanded (details, TRUE);
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 20);
  assert_shows (fixture->page, "EC P-256, 256 bits");
  assert_shows (fixture->page, sy_certificate_get_sha256_fingerprint (stored));
  assert_shows (fixture->page, sy_certificate_get_serial (stored));
  assert_shows (fixture->page, sy_certificate_get_signature_algorithm (stored));

  /* The copy button puts the fingerprint on the clipboard. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->page), "certificate.copy-fingerprint", NULL));
  {
    GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture->page));
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *copied = NULL;

    gdk_clipboard_read_text_async (clipboard, NULL, sy_test_store_result, &result);
    sy_test_await (&result);
    copied = gdk_clipboard_read_text_finish (clipboard, result, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (copied, ==, sy_certificate_get_sha256_fingerprint (stored));
  }

  g_free (sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "certificate-page"));

  /* Export writes the public PEM, nothing more. */
  exported_path = g_build_filename (fixture->work_dir, "exported.pem", NULL);
  exported = g_file_new_for_path (exported_path);
  sy_certificate_page_export_to_file (fixture->page, exported);
  SY_GUI_WAIT_FOR (g_file_test (exported_path, G_FILE_TEST_EXISTS));
  pem = sy_certificate_to_pem (stored);
  SY_GUI_WAIT_FOR (file_has_contents (exported_path, pem));
  g_assert_true (g_file_get_contents (exported_path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "PRIVATE KEY"));
}

static void
test_generate_rsa (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(SyCertificate) first = NULL;
  g_autoptr(SyCertificate) stored = NULL;
  SyGenerateCertificateDialog *dialog;

  show_connection (fixture);
  generate (fixture, open_generate_dialog (fixture, SY_KEY_SPEC_EC_P256, "First", NULL));
  first = g_object_ref (sy_certificate_page_get_certificate (fixture->page));

  /* Replacing asks first; then RSA 3072, the default, with the spinner. */
  dialog = open_generate_dialog (fixture, SY_KEY_SPEC_RSA_3072, "RSA Integration", NULL);
  g_free (sy_gui_test_screenshot (GTK_WIDGET (dialog), "generate-certificate-dialog"));
  g_object_ref (dialog);
  gtk_widget_activate (GTK_WIDGET (sy_gui_test_get_child (dialog, SY_TYPE_GENERATE_CERTIFICATE_DIALOG, "generate_button")));
  /* A button's activation clicks it a moment later, as a key press does. */
  SY_GUI_WAIT_FOR (sy_gui_test_get_boolean (dialog, "busy") || !gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_null (sy_generate_certificate_dialog_get_error (dialog));
  if (gtk_widget_get_visible (GTK_WIDGET (dialog)))
    g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (sy_gui_test_get_child (dialog, SY_TYPE_GENERATE_CERTIFICATE_DIALOG, "generate_button"))));
  g_object_unref (dialog);
  SY_GUI_WAIT_FOR (find_generate_dialog () == NULL);
  wait_until_imported (fixture, first);

  stored = assert_stored (fixture);
  g_assert_cmpint (sy_certificate_get_key_type (stored), ==, SY_KEY_TYPE_RSA);
  g_assert_cmpuint (sy_certificate_get_key_bits (stored), ==, 3072);
  g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (stored), !=, sy_certificate_get_sha256_fingerprint (first));
  assert_shows (fixture->page, "RSA Integration");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "details_row")), TRUE);
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 20);
  assert_shows (fixture->page, "RSA, 3072 bits");
}

static void
test_generate_cancel (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) closed = NULL;
  SyGenerateCertificateDialog *dialog;
  GWeakRef ref;
  char *secret;

  show_connection (fixture);
  dialog = open_generate_dialog (fixture, SY_KEY_SPEC_RSA_4096, "Never", NULL);
  click (GTK_WIDGET (sy_gui_test_get_child (dialog, SY_TYPE_GENERATE_CERTIFICATE_DIALOG, "generate_button")));
  g_assert_true (sy_gui_test_get_boolean (dialog, "busy"));
  g_weak_ref_init (&ref, dialog);
  click (GTK_WIDGET (sy_gui_test_get_child (dialog, SY_TYPE_GENERATE_CERTIFICATE_DIALOG, "cancel_button")));
  /* Closed, the dialog is gone at once, though its key is still being
   * made (its answer needs the main loop, which has not run since): kept
   * until the key came, it could outlive the window it is transient for,
   * and GTK 4.8 then disconnects from that freed window. */
  closed = g_weak_ref_get (&ref);
  g_weak_ref_clear (&ref);
  g_assert_null (closed);
  SY_GUI_WAIT_FOR (find_generate_dialog () == NULL);

  /* Give a key made anyway every chance to sneak in. */
  for (guint i = 0; i < 100; i++)
    sy_gui_test_iterate ();
  g_assert_null (sy_certificate_page_get_certificate (fixture->page));
  g_assert_cmpstr (sy_certificate_page_get_view (fixture->page), ==, "empty");
  g_assert_null (sy_state_store_load_certificate (fixture->state, sy_connection_get_id (fixture->connection), &error));
  g_assert_no_error (error);
  secret = lookup_key (fixture, &error);
  g_assert_null (secret);
  g_assert_error (error, SY_SECRET_ERROR, SY_SECRET_ERROR_NOT_FOUND);
}

/* openssl is the independent maker of the certificates imported here. */
static void
run_openssl (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) "openssl");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("openssl %s failed: %s", args[0], err);
}

static char *
make_weak_certificate (Fixture    *fixture,
                       const char *name)
{
  g_autofree char *cert = g_strdup_printf ("%s/%s-cert.pem", fixture->work_dir, name);
  g_autofree char *key = g_strdup_printf ("%s/%s-key.pem", fixture->work_dir, name);
  const char *args[] = { "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=weak",
                         "-days", "30", "-keyout", key, "-out", cert, NULL };

  run_openssl (args);
  return g_strdup_printf ("%s/%s", fixture->work_dir, name);
}

static void
test_import_weak (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autofree char *base = make_weak_certificate (fixture, "weak");
  g_autofree char *cert_path = g_strconcat (base, "-cert.pem", NULL);
  g_autofree char *key_path = g_strconcat (base, "-key.pem", NULL);
  g_autofree char *both_path = g_strconcat (base, "-both.pem", NULL);
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *both = NULL;
  g_autoptr(GFile) both_file = NULL;
  g_autoptr(SyCertificate) stored = NULL;
  GtkWidget *expiry;

  g_assert_true (g_file_get_contents (cert_path, &cert_pem, NULL, NULL));
  g_assert_true (g_file_get_contents (key_path, &key_pem, NULL, NULL));
  both = g_strconcat (cert_pem, key_pem, NULL);
  g_assert_true (g_file_set_contents (both_path, both, -1, NULL));

  show_connection (fixture);
  both_file = g_file_new_for_path (both_path);
  sy_certificate_page_import_file (fixture->page, both_file);
  wait_until_imported (fixture, NULL);

  /* The work dir holds openssl's key on purpose: check the stores only. */
  {
    g_autoptr(GError) error = NULL;
    char *secret;

    stored = sy_state_store_load_certificate (fixture->state, sy_connection_get_id (fixture->connection), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (stored), ==,
                     sy_certificate_get_sha256_fingerprint (sy_certificate_page_get_certificate (fixture->page)));
    secret = lookup_key (fixture, &error);
    g_assert_no_error (error);
    g_assert_nonnull (secret);
    sy_secret_free (secret);
  }

  /* NetSuite's objections, and the expiry warning. */
  assert_shows (fixture->page, "weak");
  assert_shows (fixture->page, "NetSuite Will Refuse This Certificate");
  assert_shows (fixture->page, "2048 bits");
  {
    g_autofree char *shown = get_visible_text (fixture->page);
    g_assert_true (strstr (shown, "Expires in 30 days") != NULL || strstr (shown, "Expires in 29 days") != NULL);
    g_assert_true (strstr (shown, "The certificate expires in 30 days") != NULL
                   || strstr (shown, "The certificate expires in 29 days") != NULL);
  }
  g_assert_true (sy_gui_test_get_boolean (fixture->page, "needs-attention"));
  expiry = find_label_with_text (GTK_WIDGET (fixture->page), "Expires in");
  g_assert_true (gtk_widget_has_css_class (expiry, "warning"));

  g_free (sy_gui_test_screenshot (GTK_WIDGET (fixture->window), "certificate-page-weak"));
}

static void
test_import_separate_key (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autofree char *weak = make_weak_certificate (fixture, "first");
  g_autofree char *other = make_weak_certificate (fixture, "other");
  g_autofree char *cert_path = g_strconcat (weak, "-cert.pem", NULL);
  g_autofree char *key_path = g_strconcat (weak, "-key.pem", NULL);
  g_autofree char *other_key_path = g_strconcat (other, "-key.pem", NULL);
  g_autofree char *encrypted_path = g_strconcat (weak, "-encrypted.pem", NULL);
  g_autofree char *pass_path = g_build_filename (fixture->work_dir, "pass.txt", NULL);
  g_autofree char *passout = g_strconcat ("file:", pass_path, NULL);
  g_autoptr(GFile) cert_file = NULL;
  g_autoptr(GFile) other_key_file = NULL;
  g_autoptr(GFile) encrypted_file = NULL;
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog = NULL;
  GtkEditable *entry;

  g_assert_true (g_file_set_contents (pass_path, "correct horse", -1, NULL));
  {
    const char *args[] = { "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", key_path,
                           "-out", encrypted_path, "-passout", passout, NULL };
    run_openssl (args);
  }
  cert_file = g_file_new_for_path (cert_path);
  other_key_file = g_file_new_for_path (other_key_path);
  encrypted_file = g_file_new_for_path (encrypted_path);

  show_connection (fixture);

  /* The wrong key: refused in words, nothing stored. */
  sy_certificate_page_import_files (fixture->page, cert_file, other_key_file);
  SY_GUI_WAIT_FOR ((dialog = sy_gui_test_find_message_dialog ()) != NULL);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Wrong Private Key");
  sy_gui_test_respond (dialog, "close");
  g_assert_null (sy_certificate_page_get_certificate (fixture->page));
  g_assert_null (sy_state_store_load_certificate (fixture->state, sy_connection_get_id (fixture->connection), &error));
  g_assert_no_error (error);

  /* An encrypted key: the passphrase is asked for, again when wrong. */
  sy_certificate_page_import_files (fixture->page, cert_file, encrypted_file);
  SY_GUI_WAIT_FOR ((dialog = sy_gui_test_find_message_dialog ()) != NULL);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Unlock the Private Key");
  entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  gtk_editable_set_text (entry, "wrong horse");
  sy_gui_test_respond (dialog, "unlock");
  SY_GUI_WAIT_FOR ((dialog = sy_gui_test_find_message_dialog ()) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "does not unlock"));
  entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  gtk_editable_set_text (entry, "correct horse");
  sy_gui_test_respond (dialog, "unlock");
  wait_until_imported (fixture, NULL);
  assert_shows (fixture->page, "weak");
  {
    char *secret = lookup_key (fixture, &error);
    g_assert_no_error (error);
    g_assert_nonnull (secret);
    sy_secret_free (secret);
  }
}

static void
test_import_garbage (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autofree char *path = g_build_filename (fixture->work_dir, "garbage.pem", NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog = NULL;

  g_assert_true (g_file_set_contents (path, "this is not a certificate\n", -1, NULL));
  file = g_file_new_for_path (path);

  show_connection (fixture);
  sy_certificate_page_import_file (fixture->page, file);
  SY_GUI_WAIT_FOR ((dialog = sy_gui_test_find_message_dialog ()) != NULL);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Certificate Not Imported");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "garbage.pem"));
  sy_gui_test_respond (dialog, "close");
  g_assert_null (sy_certificate_page_get_certificate (fixture->page));
  g_assert_null (sy_state_store_load_certificate (fixture->state, sy_connection_get_id (fixture->connection), &error));
  g_assert_no_error (error);
}

/* Certificates and keys are read as the CLI reads them: a FIFO, a device
 * or a huge file is refused at once, where reading it would never finish
 * or would fill memory; the page stays usable and stores nothing. */
static void
test_import_not_regular (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autofree char *weak = make_weak_certificate (fixture, "fifo");
  g_autofree char *cert_path = g_strconcat (weak, "-cert.pem", NULL);
  g_autofree char *fifo_path = g_build_filename (fixture->work_dir, "pipe.pem", NULL);
  g_autofree char *huge_path = g_build_filename (fixture->work_dir, "huge.pem", NULL);
  g_autoptr(GFile) cert_file = NULL;
  g_autoptr(GFile) fifo = NULL;
  g_autoptr(GFile) zero = g_file_new_for_path ("/dev/zero");
  g_autoptr(GFile) huge = NULL;
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog = NULL;

  g_assert_cmpint (mkfifo (fifo_path, 0600), ==, 0);
  fifo = g_file_new_for_path (fifo_path);
  cert_file = g_file_new_for_path (cert_path);
  /* Sparse: larger than any certificate without taking the disk. */
  {
    int fd = g_open (huge_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    g_assert_cmpint (fd, >=, 0);
    g_assert_cmpint (ftruncate (fd, 64 * 1024 * 1024), ==, 0);
    g_assert_cmpint (close (fd), ==, 0);
  }
  huge = g_file_new_for_path (huge_path);

  show_connection (fixture);

  sy_certificate_page_import_file (fixture->page, fifo);
  SY_GUI_WAIT_FOR ((dialog = sy_gui_test_find_message_dialog ()) != NULL);
  g_test_message ("FIFO: %s", adw_message_dialog_get_body (dialog));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Certificate Not Imported");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "pipe.pem"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "not a regular file"));
  sy_gui_test_respond (dialog, "close");
  SY_GUI_WAIT_FOR (!sy_gui_test_get_boolean (fixture->page, "busy"));

  sy_certificate_page_import_file (fixture->page, zero);
  SY_GUI_WAIT_FOR ((dialog = sy_gui_test_find_message_dialog ()) != NULL);
  g_test_message ("/dev/zero: %s", adw_message_dialog_get_body (dialog));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Certificate Not Imported");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "not a regular file"));
  sy_gui_test_respond (dialog, "close");

  sy_certificate_page_import_file (fixture->page, huge);
  SY_GUI_WAIT_FOR ((dialog = sy_gui_test_find_message_dialog ()) != NULL);
  g_test_message ("huge: %s", adw_message_dialog_get_body (dialog));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Certificate Not Imported");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "is larger than"));
  sy_gui_test_respond (dialog, "close");

  /* A good certificate whose key file is the FIFO. */
  sy_certificate_page_import_files (fixture->page, cert_file, fifo);
  SY_GUI_WAIT_FOR ((dialog = sy_gui_test_find_message_dialog ()) != NULL);
  g_test_message ("key FIFO: %s", adw_message_dialog_get_body (dialog));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Private Key Not Imported");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "pipe.pem"));
  sy_gui_test_respond (dialog, "close");

  SY_GUI_WAIT_FOR (!sy_gui_test_get_boolean (fixture->page, "busy"));
  g_assert_null (sy_certificate_page_get_certificate (fixture->page));
  g_assert_null (sy_state_store_load_certificate (fixture->state, sy_connection_get_id (fixture->connection), &error));
  g_assert_no_error (error);

  /* And the page still imports what it should. */
  {
    g_autofree char *key_path = g_strconcat (weak, "-key.pem", NULL);
    g_autoptr(GFile) key_file = g_file_new_for_path (key_path);

    sy_certificate_page_import_files (fixture->page, cert_file, key_file);
    wait_until_imported (fixture, NULL);
    assert_shows (fixture->page, "weak");
  }
}

/* A PKCS#12 bundle: certificate and key from one file, the passphrase
 * asked for (again when wrong). */
static void
test_import_pkcs12 (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autofree char *base = make_weak_certificate (fixture, "bundle");
  g_autofree char *cert_path = g_strconcat (base, "-cert.pem", NULL);
  g_autofree char *key_path = g_strconcat (base, "-key.pem", NULL);
  g_autofree char *bundle_path = g_strconcat (base, ".p12", NULL);
  g_autofree char *pass_path = g_build_filename (fixture->work_dir, "pass.txt", NULL);
  g_autofree char *passout = g_strconcat ("file:", pass_path, NULL);
  g_autoptr(GFile) bundle_file = NULL;
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog = NULL;
  GtkEditable *entry;

  g_assert_true (g_file_set_contents (pass_path, "correct horse", -1, NULL));
  {
    const char *args[] = { "pkcs12", "-export", "-in", cert_path, "-inkey", key_path,
                           "-passout", passout, "-out", bundle_path, NULL };
    run_openssl (args);
  }
  bundle_file = g_file_new_for_path (bundle_path);

  show_connection (fixture);
  sy_certificate_page_import_file (fixture->page, bundle_file);
  SY_GUI_WAIT_FOR ((dialog = sy_gui_test_find_message_dialog ()) != NULL);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Unlock the Private Key");
  entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  gtk_editable_set_text (entry, "wrong horse");
  sy_gui_test_respond (dialog, "unlock");
  SY_GUI_WAIT_FOR ((dialog = sy_gui_test_find_message_dialog ()) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "does not unlock"));
  g_assert_null (sy_certificate_page_get_certificate (fixture->page));
  entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  gtk_editable_set_text (entry, "correct horse");
  sy_gui_test_respond (dialog, "unlock");
  wait_until_imported (fixture, NULL);
  assert_shows (fixture->page, "weak");
  {
    g_autoptr(SyCertificate) stored = NULL;
    char *secret;

    stored = sy_state_store_load_certificate (fixture->state, sy_connection_get_id (fixture->connection), &error);
    g_assert_no_error (error);
    g_assert_nonnull (stored);
    secret = lookup_key (fixture, &error);
    g_assert_no_error (error);
    g_assert_nonnull (secret);
    sy_secret_free (secret);
  }
}

/* What NetSuite shows after an upload: the sandbox's stand-in. */
static char *
upload_to_sandbox (SySandboxProcess *sandbox,
                   SyCertificate    *certificate,
                   const char       *account,
                   const char       *client_id)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), "/__sandbox/netsuite/certificates", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = sy_certificate_to_pem (certificate);
  char *json;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "account");
  json_builder_add_string_value (builder, account);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, client_id);
  json_builder_set_member_name (builder, "certificate");
  json_builder_add_string_value (builder, pem);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  body = g_bytes_new_take (json, strlen (json));
  soup_message_set_request_body_from_bytes (message, "application/json", body);

  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  answer = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), <, 300);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), &error));
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "certificate_id"));
}

static void
test_login (Fixture       *fixture,
            gconstpointer  user_data)
{
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (NULL);
  g_autofree char *token_url = g_strconcat (sy_sandbox_process_get_url (sandbox), "/services/rest/auth/oauth2/v1/token", NULL);
  g_autofree char *certificate_id = NULL;
  g_autoptr(SyConnectionStore) reloaded = NULL;
  g_autoptr(GError) error = NULL;
  SyConnection *saved;
  JsonObject *netsuite;
  GtkWidget *error_label;

  show_connection (fixture);
  generate (fixture, open_generate_dialog (fixture, SY_KEY_SPEC_EC_P256, "Login Test", NULL));
  certificate_id = upload_to_sandbox (sandbox, sy_certificate_page_get_certificate (fixture->page),
                                      "TSTDRV1234567", "client-abc");

  gtk_editable_set_text (GTK_EDITABLE (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "account_row")), "TSTDRV1234567");
  gtk_editable_set_text (GTK_EDITABLE (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "client_id_row")), "client-abc");
  gtk_editable_set_text (GTK_EDITABLE (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "certificate_id_row")), certificate_id);
  gtk_editable_set_text (GTK_EDITABLE (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "token_url_row")), token_url);

  click (GTK_WIDGET (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "test_login_button")));
  g_assert_true (sy_gui_test_get_boolean (fixture->page, "busy"));
  SY_GUI_WAIT_FOR (!sy_gui_test_get_boolean (fixture->page, "busy"));
  g_assert_null (sy_certificate_page_get_error (fixture->page));
  g_assert_nonnull (sy_certificate_page_get_login_result (fixture->page));
  assert_shows (fixture->page, "NetSuite issued an access token");

  /* The set-up is kept with the connection, where the CLI finds it too. */
  for (guint i = 0; i < 20; i++)
    sy_gui_test_iterate ();
  reloaded = sy_connection_store_new (fixture->config_dir);
  g_assert_true (sy_connection_store_load (reloaded, &error));
  g_assert_no_error (error);
  saved = sy_connection_store_find_by_id (reloaded, sy_connection_get_id (fixture->connection));
  g_assert_nonnull (saved);
  netsuite = json_object_get_object_member (sy_connection_get_options (saved), "netsuite");
  g_assert_cmpstr (json_object_get_string_member (netsuite, "account"), ==, "TSTDRV1234567");
  g_assert_cmpstr (json_object_get_string_member (netsuite, "client_id"), ==, "client-abc");
  g_assert_cmpstr (json_object_get_string_member (netsuite, "certificate_id"), ==, certificate_id);
  g_assert_cmpstr (json_object_get_string_member (netsuite, "token_url"), ==, token_url);

  /* A certificate id NetSuite does not know: its reason, inline. */
  gtk_editable_set_text (GTK_EDITABLE (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "certificate_id_row")), "not-uploaded");
  click (GTK_WIDGET (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "test_login_button")));
  SY_GUI_WAIT_FOR (!sy_gui_test_get_boolean (fixture->page, "busy"));
  g_assert_null (sy_certificate_page_get_login_result (fixture->page));
  g_assert_nonnull (sy_certificate_page_get_error (fixture->page));
  g_test_message ("Refusal shown: %s", sy_certificate_page_get_error (fixture->page));
  g_assert_nonnull (strstr (sy_certificate_page_get_error (fixture->page), "invalid_"));
  error_label = find_label_with_text (GTK_WIDGET (fixture->page), "invalid_client");
  g_assert_nonnull (error_label);
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_true (gtk_widget_has_css_class (error_label, "error"));

  /* A missing field is named before anything is sent. */
  gtk_editable_set_text (GTK_EDITABLE (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "client_id_row")), "");
  click (GTK_WIDGET (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "test_login_button")));
  SY_GUI_WAIT_FOR (!sy_gui_test_get_boolean (fixture->page, "busy"));
  g_assert_nonnull (strstr (sy_certificate_page_get_error (fixture->page), "client ID"));

  sy_sandbox_process_stop (sandbox);
}

/* Every control a screen reader reaches says what it is: buttons have a
 * label, or (icon-only) a tooltip next to their accessible label. */
static void
assert_labelled (GtkWidget *widget)
{
  if (!gtk_widget_get_visible (widget) || !gtk_widget_get_child_visible (widget))
    return;

  if (GTK_IS_BUTTON (widget))
    {
      const char *label = gtk_button_get_label (GTK_BUTTON (widget));
      const char *tooltip = gtk_widget_get_tooltip_text (widget);
      GtkWidget *child = gtk_button_get_child (GTK_BUTTON (widget));

      if ((label == NULL || *label == '\0') && (tooltip == NULL || *tooltip == '\0')
          && !(child != NULL && GTK_IS_LABEL (child)))
        g_error ("A %s in %s has neither a label nor a tooltip", G_OBJECT_TYPE_NAME (widget),
                 G_OBJECT_TYPE_NAME (gtk_widget_get_parent (widget)));
    }

  /* A spin button's own +/- and a toast's close button are GTK's and
   * libadwaita's business. */
  if (GTK_IS_SPIN_BUTTON (widget) || g_str_equal (G_OBJECT_TYPE_NAME (widget), "AdwToastWidget"))
    return;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    assert_labelled (child);
}

static void
assert_mnemonic (GtkWidget  *widget,
                 const char *label_text)
{
  GtkWidget *label = find_label_with_text (widget, label_text);

  g_assert_nonnull (label);
  g_assert_true (gtk_label_get_use_underline (GTK_LABEL (label)));
  g_assert_cmpuint (gtk_label_get_mnemonic_keyval (GTK_LABEL (label)), !=, GDK_KEY_VoidSymbol);
}

static void
test_keyboard (Fixture       *fixture,
               gconstpointer  user_data)
{
  SyGenerateCertificateDialog *dialog;
  AdwMessageDialog *confirm = NULL;

  show_connection (fixture);
  assert_mnemonic (GTK_WIDGET (fixture->page), "Generate…");
  assert_mnemonic (GTK_WIDGET (fixture->page), "Import Certificate…");

  /* Ctrl+G opens the generate dialog; Escape closes it. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->page), "<Control>g", "certificate.generate");
  SY_GUI_WAIT_FOR ((dialog = find_generate_dialog ()) != NULL);
  assert_labelled (GTK_WIDGET (dialog));
  sy_gui_test_press_shortcut (GTK_WIDGET (dialog), "Escape", "window.close");
  SY_GUI_WAIT_FOR (find_generate_dialog () == NULL);

  generate (fixture, open_generate_dialog (fixture, SY_KEY_SPEC_EC_P256, "Keys", NULL));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (sy_gui_test_get_child (fixture->page, SY_TYPE_CERTIFICATE_PAGE, "details_row")), TRUE);
  sy_gui_test_wait_frames (GTK_WIDGET (fixture->window), 5);
  assert_labelled (GTK_WIDGET (fixture->page));
  assert_mnemonic (GTK_WIDGET (fixture->page), "Export Public Certificate…");

  /* Ctrl+I imports: with a certificate there, it asks before replacing. */
  sy_gui_test_press_shortcut (GTK_WIDGET (fixture->page), "<Control>i", "certificate.import");
  SY_GUI_WAIT_FOR ((confirm = sy_gui_test_find_message_dialog ()) != NULL);
  g_assert_cmpstr (adw_message_dialog_get_heading (confirm), ==, "Replace the Certificate?");
  sy_gui_test_respond (confirm, "cancel");
  g_assert_nonnull (sy_certificate_page_get_certificate (fixture->page));
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* In the application: the connection page has a Certificate tab showing
 * the certificate kept in the application's state.db, and the tab asks for
 * attention when the certificate runs out within 30 days. */
static void
test_in_application (void)
{
  g_autofree char *config_dir = sy_test_make_tmpdir ("certificate-app-config");
  g_autofree char *state_dir = sy_test_make_tmpdir ("certificate-app-state");
  g_autoptr(SyConnectionStore) connections = sy_connection_store_new (config_dir);
  g_autoptr(SyConnection) connection = sy_connection_new ("NetSuite", "http://127.0.0.1:9");
  g_autoptr(SyCertificate) certificate = NULL;
  g_autoptr(SyPrivateKey) key = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyApplication *app;
  SyWindow *window;
  SyConnectionPage *connection_page;
  SyCertificatePage *page;
  AdwViewStack *view_stack;

  g_assert_true (sy_connection_store_add (connections, connection, &error));
  sy_certificate_generate_async (SY_KEY_SPEC_EC_P256, "CN=Soon Expiring", 10, NULL, sy_test_store_result, &result);
  sy_test_await (&result);
  certificate = sy_certificate_generate_finish (result, &key, &error);
  g_assert_no_error (error);
  {
    g_autoptr(SyStateStore) state = sy_state_store_open (state_dir, &error);
    g_assert_no_error (error);
    g_assert_true (sy_state_store_save_certificate (state, sy_connection_get_id (connection), certificate, &error));
    g_assert_no_error (error);
  }

  app = sy_gui_test_start_app (config_dir, state_dir, FALSE);
  g_assert_nonnull (sy_application_get_state_store (app));
  window = sy_gui_test_get_window (app);
  sy_window_select_connection (window, sy_connection_store_find_by_name (sy_application_get_connection_store (app), "NetSuite"));
  connection_page = SY_CONNECTION_PAGE (sy_gui_test_get_child (window, SY_TYPE_WINDOW, "connection_page"));
  page = SY_CERTIFICATE_PAGE (find_descendant (GTK_WIDGET (connection_page), SY_TYPE_CERTIFICATE_PAGE));
  g_assert_nonnull (page);
  view_stack = ADW_VIEW_STACK (find_descendant (GTK_WIDGET (connection_page), ADW_TYPE_VIEW_STACK));
  g_assert_nonnull (view_stack);

  SY_GUI_WAIT_FOR (sy_certificate_page_get_certificate (page) != NULL);
  g_assert_cmpstr (sy_certificate_get_sha256_fingerprint (sy_certificate_page_get_certificate (page)), ==,
                   sy_certificate_get_sha256_fingerprint (certificate));
  g_assert_true (sy_gui_test_get_boolean (page, "needs-attention"));
  g_assert_true (adw_view_stack_page_get_needs_attention (adw_view_stack_get_page (view_stack, GTK_WIDGET (page))));

  adw_view_stack_set_visible_child_name (view_stack, "certificate");
  assert_shows (page, "Soon Expiring");
  g_free (sy_gui_test_screenshot (GTK_WIDGET (window), "window-certificate"));

  sy_gui_test_stop_app (app);
  sy_test_remove_tree (config_dir);
  sy_test_remove_tree (state_dir);
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add ("/gui/certificate-page/empty-state", Fixture, NULL, fixture_set_up, test_empty_state, fixture_tear_down);
  g_test_add ("/gui/certificate-page/generate-ec", Fixture, NULL, fixture_set_up, test_generate_ec, fixture_tear_down);
  g_test_add ("/gui/certificate-page/generate-rsa", Fixture, NULL, fixture_set_up, test_generate_rsa, fixture_tear_down);
  g_test_add ("/gui/certificate-page/generate-cancel", Fixture, NULL, fixture_set_up, test_generate_cancel, fixture_tear_down);
  g_test_add ("/gui/certificate-page/import-weak", Fixture, NULL, fixture_set_up, test_import_weak, fixture_tear_down);
  g_test_add ("/gui/certificate-page/import-separate-key", Fixture, NULL, fixture_set_up, test_import_separate_key, fixture_tear_down);
  g_test_add ("/gui/certificate-page/import-garbage", Fixture, NULL, fixture_set_up, test_import_garbage, fixture_tear_down);
  g_test_add ("/gui/certificate-page/import-not-regular", Fixture, NULL, fixture_set_up, test_import_not_regular, fixture_tear_down);
  g_test_add ("/gui/certificate-page/import-pkcs12", Fixture, NULL, fixture_set_up, test_import_pkcs12, fixture_tear_down);
  g_test_add ("/gui/certificate-page/login", Fixture, NULL, fixture_set_up, test_login, fixture_tear_down);
  g_test_add ("/gui/certificate-page/keyboard", Fixture, NULL, fixture_set_up, test_keyboard, fixture_tear_down);
  g_test_add_func ("/gui/certificate-page/in-application", test_in_application);

  return g_test_run ();
}
