/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-cli-test-support.h"
#include "sy-test-support.h"
#include "sy-webhook-signature.h"

/* `switchyard-cli webhook verify` as a developer runs it to debug a
 * delivery: the real binary, the body in a file, the secret on standard
 * input. */

#define SECRET "wh-secret with spaces"

static const char *sample_body =
  "{\"id\":\"evt_7\",\"type\":\"record.updated\",\"entity\":\"wms/sales-orders\","
  "\"key\":\"SO-7\",\"occurred_at\":\"2025-12-06T05:46:40Z\"}";

typedef struct
{
  SyCliFixture  cli;
  char         *body_path;
  GBytes       *body;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  sy_cli_fixture_set_up (&fixture->cli, "switchyard-cli-webhook", TRUE);
  fixture->body_path = g_build_filename (fixture->cli.work_dir, "body.json", NULL);
  fixture->body = g_bytes_new_static (sample_body, strlen (sample_body));
  g_assert_true (g_file_set_contents (fixture->body_path, sample_body, -1, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sy_cli_fixture_tear_down (&fixture->cli);
  g_free (fixture->body_path);
  g_bytes_unref (fixture->body);
}

/* Runs `webhook verify --json` and checks the verdict it prints. */
static void
assert_verdict (Fixture         *fixture,
                const char      *input,
                const char      *scheme,
                const char      *signature,
                gboolean         valid)
{
  g_auto(SyCliRun) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  sy_cli_run (&fixture->cli, input, &run, "webhook", "verify", "--json",
              "--scheme", scheme, "--signature", signature,
              "--body", fixture->body_path, "--secret-stdin");
  g_test_message ("%s %s: %s%s", scheme, signature, run.out, run.err);
  g_assert_cmpint (run.status, ==, valid ? 0 : 1);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpuint (sy_test_count_lines (run.out), ==, 1);
  node = sy_test_parse_json (run.out);
  object = json_node_get_object (node);
  g_assert_cmpint (json_object_get_boolean_member (object, "valid"), ==, valid);
  g_assert_cmpstr (json_object_get_string_member (object, "scheme"), ==, scheme);
  if (valid)
    g_assert_true (json_object_get_null_member (object, "reason"));
  else
    g_assert_cmpuint (strlen (json_object_get_string_member (object, "reason")), >, 0);
  g_assert_null (strstr (run.out, SECRET));
}

static void
test_verify_matches (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *openssl_out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *argv[] = {
    "/bin/sh", "-c", "openssl dgst -sha256 -hmac \"$1\" -binary \"$2\" | base64 -w0",
    "sh", SECRET, fixture->body_path, NULL
  };

  /* The signature a sender computes with openssl, on its own. */
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                &openssl_out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpuint (strlen (openssl_out), ==, 44);
  assert_verdict (fixture, SECRET "\n", "makini", openssl_out, TRUE);
  /* A line ending from a pipe or a file is not part of the secret. */
  assert_verdict (fixture, SECRET "\r\n", "makini", openssl_out, TRUE);
  assert_verdict (fixture, SECRET, "makini", openssl_out, TRUE);

  for (guint s = 0; s <= SY_WEBHOOK_SCHEME_LAST; s++)
    {
      g_autofree char *signature = sy_webhook_sign (s, SECRET, fixture->body, 0);
      g_autofree char *spaced = g_strdup_printf ("  %s \n", signature);

      assert_verdict (fixture, SECRET "\n", sy_webhook_scheme_to_string (s), signature, TRUE);
      assert_verdict (fixture, SECRET "\n", sy_webhook_scheme_to_string (s), spaced, TRUE);
    }

  /* The verdict in words. */
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, SECRET "\n", &run, "webhook", "verify", "--scheme", "makini",
                "--signature", openssl_out, "--body", fixture->body_path, "--secret-stdin");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "signature matches\n");
    g_assert_cmpstr (run.err, ==, "");
  }
}

static void
test_verify_mismatches (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *makini = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, fixture->body, 0);
  g_autofree char *merge = sy_webhook_sign (SY_WEBHOOK_SCHEME_MERGE, SECRET, fixture->body, 0);
  g_autofree char *other = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET "!", fixture->body, 0);
  g_autofree char *truncated = g_strndup (makini, 40);
  g_autofree char *flipped = g_strdup (makini);

  flipped[3] = flipped[3] == 'A' ? 'B' : 'A';

  assert_verdict (fixture, SECRET "!\n", "makini", makini, FALSE);
  assert_verdict (fixture, SECRET "\n", "makini", other, FALSE);
  assert_verdict (fixture, SECRET "\n", "makini", flipped, FALSE);
  assert_verdict (fixture, SECRET "\n", "makini", truncated, FALSE);
  /* Only one line ending is taken off: the rest is the secret's. */
  assert_verdict (fixture, SECRET "\n\n", "makini", makini, FALSE);
  assert_verdict (fixture, " " SECRET "\n", "makini", makini, FALSE);
  /* Another scheme's encoding, and no encoding at all, are verdicts too. */
  assert_verdict (fixture, SECRET "\n", "makini", merge, FALSE);
  assert_verdict (fixture, SECRET "\n", "rutter", makini, FALSE);
  assert_verdict (fixture, SECRET "\n", "makini", "not base64!", FALSE);

  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, SECRET "\n", &run, "webhook", "verify", "--scheme", "makini",
                "--signature", "%%%%", "--body", fixture->body_path, "--secret-stdin");
    g_assert_cmpint (run.status, ==, 1);
    g_assert_true (g_str_has_prefix (run.out, "signature does not match: "));
    g_assert_cmpuint (sy_test_count_lines (run.out), ==, 1);
    g_assert_cmpstr (run.err, ==, "");
  }

  /* The body changed by one byte. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *changed = g_strdup (sample_body);

    changed[10] ^= 1;
    g_assert_true (g_file_set_contents (fixture->body_path, changed, -1, &error));
    g_assert_no_error (error);
    assert_verdict (fixture, SECRET "\n", "makini", makini, FALSE);
  }
}

static void
test_verify_timestamp (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *makini = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, fixture->body, 0);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *fresh = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  g_autofree char *stale = g_strdup_printf ("%" G_GINT64_FORMAT, now - 7200);
  struct { const char *timestamp; const char *tolerance; int status; } cases[] = {
    { fresh, NULL, 0 },
    { stale, NULL, 1 },
    { stale, "86400", 0 },
    { "not a time", NULL, 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(SyCliRun) run = { 0 };
      g_autoptr(GPtrArray) args = g_ptr_array_new ();

      g_ptr_array_add (args, (gpointer) "webhook");
      g_ptr_array_add (args, (gpointer) "verify");
      g_ptr_array_add (args, (gpointer) "--scheme=makini");
      g_ptr_array_add (args, (gpointer) "--signature");
      g_ptr_array_add (args, makini);
      g_ptr_array_add (args, (gpointer) "--body");
      g_ptr_array_add (args, fixture->body_path);
      g_ptr_array_add (args, (gpointer) "--secret-stdin");
      g_ptr_array_add (args, (gpointer) "--timestamp");
      g_ptr_array_add (args, (gpointer) cases[i].timestamp);
      if (cases[i].tolerance != NULL)
        {
          g_ptr_array_add (args, (gpointer) "--tolerance");
          g_ptr_array_add (args, (gpointer) cases[i].tolerance);
        }
      g_ptr_array_add (args, NULL);
      sy_cli_run_argv (&fixture->cli, SECRET "\n", (const char * const *) args->pdata, &run);
      g_test_message ("case %u: %s%s", i, run.out, run.err);
      g_assert_cmpint (run.status, ==, cases[i].status);
      if (cases[i].status == 2)
        sy_cli_assert_one_error_line (&run);
    }
}

static void
test_verify_bad_input (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *makini = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, fixture->body, 0);
  g_autofree char *missing = g_build_filename (fixture->cli.work_dir, "missing.json", NULL);
  g_autofree char *big_path = g_build_filename (fixture->cli.work_dir, "big.json", NULL);
  g_autofree char *fits_path = g_build_filename (fixture->cli.work_dir, "fits.json", NULL);
  g_autofree char *big = g_malloc (SY_WEBHOOK_MAX_BODY + 1);
  g_autoptr(GBytes) fits_bytes = NULL;
  g_autofree char *fits_signature = NULL;
  g_autoptr(GError) error = NULL;
  const struct { const char *input; const char *args[12]; } cases[] = {
    { SECRET, { "--scheme", "stripe", "--signature", makini, "--body", fixture->body_path, "--secret-stdin" } },
    { SECRET, { "--signature", makini, "--body", fixture->body_path, "--secret-stdin" } },
    { SECRET, { "--scheme", "makini", "--body", fixture->body_path, "--secret-stdin" } },
    { SECRET, { "--scheme", "makini", "--signature", makini, "--secret-stdin" } },
    /* The secret is never taken from anywhere but standard input. */
    { SECRET, { "--scheme", "makini", "--signature", makini, "--body", fixture->body_path } },
    { SECRET, { "--scheme", "makini", "--signature", "", "--body", fixture->body_path, "--secret-stdin" } },
    { SECRET, { "--scheme", "makini", "--signature", " \t ", "--body", fixture->body_path, "--secret-stdin" } },
    { SECRET, { "--scheme", "makini", "--signature", makini, "--body", missing, "--secret-stdin" } },
    { SECRET, { "--scheme", "makini", "--signature", makini, "--body", fixture->cli.work_dir, "--secret-stdin" } },
    { SECRET, { "--scheme", "makini", "--signature", makini, "--body", big_path, "--secret-stdin" } },
    { "", { "--scheme", "makini", "--signature", makini, "--body", fixture->body_path, "--secret-stdin" } },
    { "\n", { "--scheme", "makini", "--signature", makini, "--body", fixture->body_path, "--secret-stdin" } },
    { SECRET, { "--scheme", "makini", "--signature", makini, "--body", fixture->body_path, "--secret-stdin",
                "--tolerance", "soon", "--timestamp", "0" } },
    { SECRET, { "--scheme", "makini", "--signature", makini, "--body", fixture->body_path, "--secret-stdin",
                "extra" } },
  };

  memset (big, '{', SY_WEBHOOK_MAX_BODY + 1);
  g_assert_true (g_file_set_contents (big_path, big, SY_WEBHOOK_MAX_BODY + 1, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(SyCliRun) run = { 0 };
      g_autoptr(GPtrArray) args = g_ptr_array_new ();

      g_ptr_array_add (args, (gpointer) "webhook");
      g_ptr_array_add (args, (gpointer) "verify");
      for (guint a = 0; cases[i].args[a] != NULL; a++)
        g_ptr_array_add (args, (gpointer) cases[i].args[a]);
      g_ptr_array_add (args, NULL);
      sy_cli_run_argv (&fixture->cli, cases[i].input, (const char * const *) args->pdata, &run);
      g_test_message ("case %u: %s%s", i, run.out, run.err);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      sy_cli_assert_one_error_line (&run);
      g_assert_null (strstr (run.err, SECRET));
    }

  /* Exactly the largest body allowed is checked. */
  fits_bytes = g_bytes_new (big, SY_WEBHOOK_MAX_BODY);
  g_assert_true (g_file_set_contents (fits_path, big, SY_WEBHOOK_MAX_BODY, &error));
  g_assert_no_error (error);
  fits_signature = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, fits_bytes, 0);
  {
    g_auto(SyCliRun) run = { 0 };

    sy_cli_run (&fixture->cli, SECRET, &run, "webhook", "verify", "--scheme", "makini",
                "--signature", fits_signature, "--body", fits_path, "--secret-stdin");
    g_assert_cmpint (run.status, ==, 0);
  }
}

static void
test_group_listed (Fixture       *fixture,
                   gconstpointer  data)
{
  g_auto(SyCliRun) top = { 0 };
  g_auto(SyCliRun) group = { 0 };

  sy_cli_run (&fixture->cli, NULL, &top, "--help");
  g_assert_cmpint (top.status, ==, 0);
  g_assert_nonnull (strstr (top.out, "webhook"));

  sy_cli_run (&fixture->cli, NULL, &group, "webhook", "--help");
  g_assert_cmpint (group.status, ==, 0);
  g_assert_nonnull (strstr (group.out, "verify"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli-webhook/verify-matches", Fixture, NULL,
              fixture_set_up, test_verify_matches, fixture_tear_down);
  g_test_add ("/cli-webhook/verify-mismatches", Fixture, NULL,
              fixture_set_up, test_verify_mismatches, fixture_tear_down);
  g_test_add ("/cli-webhook/verify-timestamp", Fixture, NULL,
              fixture_set_up, test_verify_timestamp, fixture_tear_down);
  g_test_add ("/cli-webhook/verify-bad-input", Fixture, NULL,
              fixture_set_up, test_verify_bad_input, fixture_tear_down);
  g_test_add ("/cli-webhook/group-listed", Fixture, NULL,
              fixture_set_up, test_group_listed, fixture_tear_down);

  return g_test_run ();
}
