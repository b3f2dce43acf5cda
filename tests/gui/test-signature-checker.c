/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-application-private.h"
#include "sy-cli-test-support.h"
#include "sy-gui-test-util.h"
#include "sy-signature-checker-private.h"
#include "sy-test-support.h"
#include "sy-webhook-signature.h"

/* "Check a Signature…": the verdict follows what is typed, says why a
 * signature does not match, and the secret goes nowhere. */

#define SECRET "checker-secret-4f1e"

static const char *sample_body =
  "{\"id\":\"evt_42\",\"type\":\"record.created\",\"entity\":\"wms/sales-orders\","
  "\"key\":\"SO-42\",\"occurred_at\":\"2025-12-06T05:46:40Z\"}";

typedef struct
{
  char          *config_dir;
  char          *state_dir;
  SyApplication *app;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->config_dir = sy_test_make_tmpdir ("switchyard-checker-config");
  fixture->state_dir = sy_test_make_tmpdir ("switchyard-checker-state");
  fixture->app = sy_gui_test_start_app (fixture->config_dir, fixture->state_dir, FALSE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_gui_test_stop_app (fixture->app);
  sy_test_remove_tree (fixture->config_dir);
  sy_test_remove_tree (fixture->state_dir);
  g_free (fixture->config_dir);
  g_free (fixture->state_dir);
}

static SySignatureChecker *
find_checker (SyApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (SY_IS_SIGNATURE_CHECKER (l->data))
      return l->data;
  return NULL;
}

/* app.check-signature, as the menu item and Shift+Ctrl+K trigger it. */
static SySignatureChecker *
open_checker (Fixture *fixture)
{
  SySignatureChecker *checker;

  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "check-signature", NULL);
  checker = find_checker (fixture->app);
  g_assert_nonnull (checker);
  sy_gui_test_wait_frames (GTK_WIDGET (checker), 2);
  return checker;
}

/* Sets the inputs and waits for the verdict on them. */
static void
check (SySignatureChecker *checker,
       SyWebhookScheme     scheme,
       const char         *body,
       const char         *signature,
       const char         *secret)
{
  sy_signature_checker_set_inputs (checker, scheme, body, signature, secret);
  SY_GUI_WAIT_FOR (!sy_signature_checker_is_checking (checker));
  g_test_message ("%s: %s", sy_signature_checker_get_title (checker),
                  sy_signature_checker_get_reason (checker));
}

static void
test_action_and_shortcut (Fixture       *fixture,
                          gconstpointer  data)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture->app), "app.check-signature");
  g_auto(GStrv) actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (fixture->app), "<Shift><Control>k");
  const char * const controls[] = { "scheme", "signature", "secret", "body" };
  SySignatureChecker *first, *second;

  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "check-signature"));
  g_assert_true (accels != NULL && g_strv_contains ((const char * const *) accels, "<Shift><Control>k"));
  /* The shortcut is this action's alone. */
  g_assert_cmpuint (g_strv_length (actions), ==, 1);

  first = open_checker (fixture);
  second = open_checker (fixture);
  g_assert_true (first == second);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (first)) ==
                 GTK_WINDOW (sy_gui_test_get_window (fixture->app)));

  sy_gui_test_assert_buttons_labelled (GTK_WIDGET (first));
  for (gsize i = 0; i < G_N_ELEMENTS (controls); i++)
    {
      GtkWidget *control = sy_signature_checker_get_control (first, controls[i]);

      g_assert_nonnull (control);
      g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL));
    }
}

static void
test_verdict_follows_input (Fixture       *fixture,
                            gconstpointer  data)
{
  SySignatureChecker *checker = open_checker (fixture);
  g_autoptr(GBytes) body = g_bytes_new_static (sample_body, strlen (sample_body));
  g_autofree char *makini = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, 0);
  g_autofree char *merge = sy_webhook_sign (SY_WEBHOOK_SCHEME_MERGE, SECRET, body, 0);
  g_autofree char *with_newline = g_strconcat (sample_body, "\n", NULL);
  g_autofree char *large = g_malloc (SY_WEBHOOK_MAX_BODY + 2);
  const char *reason;

  /* Empty: it says what is missing, all of it. */
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_INCOMPLETE);
  reason = sy_signature_checker_get_reason (checker);
  g_assert_cmpuint (sy_test_count_lines (reason), ==, 2);
  g_assert_nonnull (strstr (reason, "body"));
  g_assert_nonnull (strstr (reason, "signature"));
  g_assert_nonnull (strstr (reason, "secret"));

  check (checker, SY_WEBHOOK_SCHEME_MAKINI, sample_body, makini, SECRET);
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_MATCHES);

  /* Only the secret is missing: only it is asked for. */
  check (checker, SY_WEBHOOK_SCHEME_MAKINI, sample_body, makini, "");
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_INCOMPLETE);
  reason = sy_signature_checker_get_reason (checker);
  g_assert_nonnull (strstr (reason, "secret"));
  g_assert_null (strstr (reason, "body"));

  /* Wrong secret, wrong scheme, not base64: each says why. */
  check (checker, SY_WEBHOOK_SCHEME_MAKINI, sample_body, makini, SECRET "x");
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_DOES_NOT_MATCH);
  g_assert_nonnull (strstr (sy_signature_checker_get_reason (checker), "HMAC-SHA256"));

  check (checker, SY_WEBHOOK_SCHEME_MERGE, sample_body, makini, SECRET);
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_DOES_NOT_MATCH);
  g_assert_nonnull (strstr (sy_signature_checker_get_reason (checker), "base64url"));

  check (checker, SY_WEBHOOK_SCHEME_MERGE, sample_body, merge, SECRET);
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_MATCHES);

  check (checker, SY_WEBHOOK_SCHEME_MAKINI, sample_body, "not a signature!", SECRET);
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_DOES_NOT_MATCH);
  g_assert_nonnull (strstr (sy_signature_checker_get_reason (checker), "base64"));

  /* A line break pasted after the body is pointed out. */
  check (checker, SY_WEBHOOK_SCHEME_MAKINI, with_newline, makini, SECRET);
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_DOES_NOT_MATCH);
  g_assert_nonnull (strstr (sy_signature_checker_get_reason (checker), "line break"));

  memset (large, 'a', SY_WEBHOOK_MAX_BODY + 1);
  large[SY_WEBHOOK_MAX_BODY + 1] = '\0';
  check (checker, SY_WEBHOOK_SCHEME_MAKINI, large, makini, SECRET);
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_TOO_LARGE);

  /* Typing into the body, one change at a time, ends on the latest verdict. */
  check (checker, SY_WEBHOOK_SCHEME_MAKINI, "", makini, SECRET);
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_INCOMPLETE);
  {
    GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (sy_signature_checker_get_control (checker, "body")));

    for (const char *p = sample_body; *p; p++)
      {
        GtkTextIter end;

        gtk_text_buffer_get_end_iter (buffer, &end);
        gtk_text_buffer_insert (buffer, &end, p, 1);
      }
    SY_GUI_WAIT_FOR (!sy_signature_checker_is_checking (checker));
    g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_MATCHES);
  }
}

static void
test_secret_goes_nowhere (Fixture       *fixture,
                          gconstpointer  data)
{
  SySignatureChecker *checker = open_checker (fixture);
  g_autoptr(GBytes) body = g_bytes_new_static (sample_body, strlen (sample_body));
  g_autofree char *makini = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, 0);
  g_autoptr(GPtrArray) in_config = NULL;
  g_autoptr(GPtrArray) in_state = NULL;

  check (checker, SY_WEBHOOK_SCHEME_MAKINI, sample_body, makini, SECRET);
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_MATCHES);
  /* Neither the verdict nor its reason repeats the secret. */
  g_assert_null (strstr (sy_signature_checker_get_title (checker), SECRET));
  g_assert_null (strstr (sy_signature_checker_get_reason (checker), SECRET));

  /* Closed, the window is gone entirely (nothing holds it, or its text). */
  sy_gui_test_destroy_window (checker);
  g_assert_null (find_checker (fixture->app));
  in_config = sy_test_files_containing (fixture->config_dir, SECRET);
  in_state = sy_test_files_containing (fixture->state_dir, SECRET);
  g_assert_cmpuint (in_config->len, ==, 0);
  g_assert_cmpuint (in_state->len, ==, 0);

  /* Opened again, it starts empty. */
  checker = open_checker (fixture);
  g_assert_cmpint (sy_signature_checker_get_verdict (checker), ==, SY_SIGNATURE_VERDICT_INCOMPLETE);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (sy_signature_checker_get_control (checker, "secret"))), ==, "");
}

int
main (int   argc,
      char *argv[])
{
  sy_gui_test_init (&argc, &argv);

  g_test_add ("/gui/signature-checker/action-and-shortcut", Fixture, NULL,
              fixture_set_up, test_action_and_shortcut, fixture_tear_down);
  g_test_add ("/gui/signature-checker/verdict-follows-input", Fixture, NULL,
              fixture_set_up, test_verdict_follows_input, fixture_tear_down);
  g_test_add ("/gui/signature-checker/secret-goes-nowhere", Fixture, NULL,
              fixture_set_up, test_secret_goes_nowhere, fixture_tear_down);

  return g_test_run ();
}
