/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "sy-test-support.h"
#include "sy-webhook-signature.h"

/* A throw-away secret: it reaches openssl on its command line, which a
 * real secret never may. */
#define SECRET "t3st-wh00k secret/ä"
#define NOW ((gint64) 1765000000)

static const char *sample_body =
  "{\"id\":\"evt_1\",\"type\":\"record.created\",\"entity\":\"wms/sales-orders\","
  "\"key\":\"SO-1001\",\"occurred_at\":\"2025-12-06T05:46:40Z\"}";

/* What `openssl dgst -sha256 -hmac SECRET -binary | base64` says about
 * `body`, post-processed by `filter` (a shell pipeline stage, or NULL). */
static char *
openssl_signature (const char *secret,
                   GBytes     *body,
                   const char *filter)
{
  g_autofree char *dir = sy_test_make_tmpdir ("webhook-openssl");
  g_autofree char *path = g_build_filename (dir, "body", NULL);
  g_autofree char *script = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  gsize size;
  const char *data = g_bytes_get_data (body, &size);

  g_assert_true (g_file_set_contents (path, data ? data : "", (gssize) size, &error));
  g_assert_no_error (error);
  script = g_strdup_printf ("openssl dgst -sha256 -hmac \"$1\" -binary \"$2\" | base64 -w0%s%s",
                            filter ? " | " : "", filter ? filter : "");
  {
    const char *argv[] = { "/bin/sh", "-c", script, "sh", secret, path, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                  &out, &err, &status, &error);
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("openssl failed: %s", err);
  sy_test_remove_tree (dir);
  g_assert_cmpstr (err, ==, "");
  g_strstrip (out);
  g_assert_cmpuint (strlen (out), >, 0);
  return g_steal_pointer (&out);
}

static char *
openssl_for_scheme (SyWebhookScheme  scheme,
                    const char      *secret,
                    GBytes          *body)
{
  switch (scheme)
    {
    case SY_WEBHOOK_SCHEME_MAKINI:
    case SY_WEBHOOK_SCHEME_APIDECK:
      return openssl_signature (secret, body, NULL);
    case SY_WEBHOOK_SCHEME_MERGE:
      return openssl_signature (secret, body, "tr '+/' '-_' | tr -d '='");
    case SY_WEBHOOK_SCHEME_RUTTER:
      return openssl_signature (secret, body, "sed 's/^/sha256=/'");
    default:
      g_assert_not_reached ();
    }
}

static void
assert_verifies (SyWebhookScheme  scheme,
                 const char      *secret,
                 GBytes          *body,
                 const char      *signature)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_webhook_verify (scheme, secret, body, signature, NULL, NOW, 0, &error));
  g_assert_no_error (error);
}

static void
assert_rejects (SyWebhookScheme  scheme,
                const char      *secret,
                GBytes          *body,
                const char      *signature,
                SyWebhookError   code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (sy_webhook_verify (scheme, secret, body, signature, NULL, NOW, 0, &error));
  g_assert_error (error, SY_WEBHOOK_ERROR, (int) code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_cmpstr (error->message, !=, "");
}

static GBytes *
binary_body (void)
{
  guint8 data[300];

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i * 7 + 3);
  data[10] = 0;
  return g_bytes_new (data, sizeof data);
}

static void
test_known_answers (void)
{
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) json = g_bytes_new_static (sample_body, strlen (sample_body));
  g_autoptr(GBytes) binary = binary_body ();
  g_autofree char *big_data = g_malloc (SY_WEBHOOK_MAX_BODY);
  g_autoptr(GBytes) big = NULL;
  GBytes *bodies[4];

  for (gsize i = 0; i < SY_WEBHOOK_MAX_BODY; i++)
    big_data[i] = "abcdefghij\n"[i % 11];
  big = g_bytes_new_take (g_steal_pointer (&big_data), SY_WEBHOOK_MAX_BODY);
  bodies[0] = empty;
  bodies[1] = json;
  bodies[2] = binary;
  bodies[3] = big;

  for (guint s = 0; s <= SY_WEBHOOK_SCHEME_LAST; s++)
    for (guint b = 0; b < G_N_ELEMENTS (bodies); b++)
      {
        g_autofree char *expected = NULL;
        g_autofree char *signed_ = NULL;
        g_autofree char *padded = NULL;

        /* Apideck signs a JSON body's canonical form; the sample is
         * written that way already except for its key order, tested
         * apart below. */
        if (s == SY_WEBHOOK_SCHEME_APIDECK && bodies[b] == json)
          continue;

        expected = openssl_for_scheme (s, SECRET, bodies[b]);
        signed_ = sy_webhook_sign (s, SECRET, bodies[b], NOW);
        g_test_message ("%s, body %u: %s", sy_webhook_scheme_to_string (s), b, expected);
        g_assert_cmpstr (signed_, ==, expected);
        assert_verifies (s, SECRET, bodies[b], expected);

        padded = g_strdup_printf (" \t%s\r\n", expected);
        assert_verifies (s, SECRET, bodies[b], padded);
      }
}

static void
test_apideck_sorts_keys (void)
{
  const char *sent =
    "{ \"payload\": {\"entity_id\": \"123\", \"consumer_id\": \"c\\\"1\\\"\", "
    "\"event_type\": \"crm.contact.updated\", \"list\": [3, {\"z\": 1, \"a\": null}, 1.5, true]},"
    "  \"a\": \"é\\n\" }";
  const char *canonical =
    "{\"a\":\"é\\n\",\"payload\":{\"consumer_id\":\"c\\\"1\\\"\",\"entity_id\":\"123\","
    "\"event_type\":\"crm.contact.updated\",\"list\":[3,{\"a\":null,\"z\":1},1.5,true]}}";
  g_autoptr(GBytes) sent_bytes = g_bytes_new_static (sent, strlen (sent));
  g_autoptr(GBytes) canonical_bytes = g_bytes_new_static (canonical, strlen (canonical));
  g_autoptr(GBytes) not_json = g_bytes_new_static ("{not json", 9);
  g_autofree char *expected = openssl_signature (SECRET, canonical_bytes, NULL);
  g_autofree char *signed_ = sy_webhook_sign (SY_WEBHOOK_SCHEME_APIDECK, SECRET, sent_bytes, NOW);
  g_autofree char *raw = NULL;
  g_autofree char *not_json_expected = openssl_signature (SECRET, not_json, NULL);

  g_assert_cmpstr (signed_, ==, expected);
  assert_verifies (SY_WEBHOOK_SCHEME_APIDECK, SECRET, sent_bytes, expected);
  assert_verifies (SY_WEBHOOK_SCHEME_APIDECK, SECRET, canonical_bytes, expected);

  /* The signature of the bytes as sent is not Apideck's. */
  raw = openssl_signature (SECRET, sent_bytes, NULL);
  assert_rejects (SY_WEBHOOK_SCHEME_APIDECK, SECRET, sent_bytes, raw, SY_WEBHOOK_ERROR_MISMATCH);
  /* makini signs the bytes as sent. */
  assert_verifies (SY_WEBHOOK_SCHEME_MAKINI, SECRET, sent_bytes, raw);

  /* A body that is not JSON is signed as it is. */
  assert_verifies (SY_WEBHOOK_SCHEME_APIDECK, SECRET, not_json, not_json_expected);
}

static char *
flip_bit (const char *base64,
          guint       bit)
{
  gsize len;
  g_autofree guchar *raw = g_base64_decode (base64, &len);

  g_assert_cmpuint (len, ==, 32);
  raw[bit / 8] ^= (guchar) (1u << (bit % 8));
  return g_base64_encode (raw, len);
}

static void
test_mismatches (void)
{
  g_autoptr(GBytes) body = g_bytes_new_static (sample_body, strlen (sample_body));
  g_autofree char *makini = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, NOW);
  g_autofree char *merge = sy_webhook_sign (SY_WEBHOOK_SCHEME_MERGE, SECRET, body, NOW);
  g_autofree char *rutter = sy_webhook_sign (SY_WEBHOOK_SCHEME_RUTTER, SECRET, body, NOW);
  g_autofree char *other_secret = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET "x", body, NOW);
  g_autofree char *changed = g_strdup (sample_body);
  g_autoptr(GBytes) changed_body = NULL;
  g_autofree char *truncated_block = g_strndup (makini, strlen (makini) - 4);
  g_autofree char *truncated_char = g_strndup (makini, strlen (makini) - 1);
  g_autofree char *truncated_merge = g_strndup (merge, strlen (merge) - 3);
  g_autofree char *truncated_merge_char = g_strndup (merge, strlen (merge) - 1);
  g_autofree char *rutter_bare = g_strdup (rutter + strlen ("sha256="));
  g_autofree char *rutter_upper = g_strconcat ("SHA256=", makini, NULL);
  g_autofree char *hex = NULL;
  g_autoptr(GString) hex_builder = g_string_new (NULL);
  gsize raw_len;
  g_autofree guchar *raw = g_base64_decode (makini, &raw_len);

  /* Every bit of the digest counts, the first as much as the last. */
  for (guint bit = 0; bit < 256; bit += 37)
    {
      g_autofree char *flipped = flip_bit (makini, bit);
      g_autofree char *flipped_rutter = g_strconcat ("sha256=", flipped, NULL);

      assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, flipped, SY_WEBHOOK_ERROR_MISMATCH);
      assert_rejects (SY_WEBHOOK_SCHEME_RUTTER, SECRET, body, flipped_rutter, SY_WEBHOOK_ERROR_MISMATCH);
    }
  {
    g_autofree char *last = flip_bit (makini, 255);

    assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, last, SY_WEBHOOK_ERROR_MISMATCH);
  }

  /* Truncated: a shorter digest that is valid base64, or not base64. */
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, truncated_block, SY_WEBHOOK_ERROR_MISMATCH);
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, truncated_char, SY_WEBHOOK_ERROR_MALFORMED);
  assert_rejects (SY_WEBHOOK_SCHEME_MERGE, SECRET, body, truncated_merge, SY_WEBHOOK_ERROR_MISMATCH);
  {
    g_autoptr(GError) error = NULL;

    /* Whether the last character's left-over bits happen to be zero
     * decides between the two verdicts; either way it is no match. */
    g_assert_false (sy_webhook_verify (SY_WEBHOOK_SCHEME_MERGE, SECRET, body, truncated_merge_char,
                                       NULL, NOW, 0, &error));
    g_assert_true (g_error_matches (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MISMATCH)
                   || g_error_matches (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MALFORMED));
  }

  /* Another scheme's encoding of the right digest. */
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, merge, SY_WEBHOOK_ERROR_MALFORMED);
  assert_rejects (SY_WEBHOOK_SCHEME_MERGE, SECRET, body, makini, SY_WEBHOOK_ERROR_MALFORMED);
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, rutter, SY_WEBHOOK_ERROR_MALFORMED);
  assert_rejects (SY_WEBHOOK_SCHEME_RUTTER, SECRET, body, makini, SY_WEBHOOK_ERROR_MALFORMED);
  assert_rejects (SY_WEBHOOK_SCHEME_RUTTER, SECRET, body, rutter_upper, SY_WEBHOOK_ERROR_MALFORMED);
  assert_verifies (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, rutter_bare);
  /* Hex is the usual other encoding; its 64 characters are valid base64
   * of 48 bytes. */
  for (gsize i = 0; i < raw_len; i++)
    g_string_append_printf (hex_builder, "%02x", raw[i]);
  hex = g_string_free (g_steal_pointer (&hex_builder), FALSE);
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, hex, SY_WEBHOOK_ERROR_MISMATCH);

  /* Wrong secret. */
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, other_secret, SY_WEBHOOK_ERROR_MISMATCH);

  /* Empty, missing, not base64. */
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, "", SY_WEBHOOK_ERROR_MALFORMED);
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, " \t\n", SY_WEBHOOK_ERROR_MALFORMED);
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, NULL, SY_WEBHOOK_ERROR_MALFORMED);
  assert_rejects (SY_WEBHOOK_SCHEME_RUTTER, SECRET, body, "sha256=", SY_WEBHOOK_ERROR_MISMATCH);
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, "!!!!", SY_WEBHOOK_ERROR_MALFORMED);
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, "ab=c", SY_WEBHOOK_ERROR_MALFORMED);
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, "QQ==QQ==", SY_WEBHOOK_ERROR_MALFORMED);
  /* Non-zero bits past the end would let two strings stand for one digest. */
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, "QR==", SY_WEBHOOK_ERROR_MALFORMED);
  {
    g_autofree char *inner_space = g_strdup (makini);

    inner_space[5] = ' ';
    assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, inner_space, SY_WEBHOOK_ERROR_MALFORMED);
  }

  /* The body changed by one byte. */
  changed[strlen (changed) - 3] ^= 1;
  changed_body = g_bytes_new (changed, strlen (changed));
  for (guint s = 0; s <= SY_WEBHOOK_SCHEME_LAST; s++)
    {
      g_autofree char *good = sy_webhook_sign (s, SECRET, body, NOW);

      assert_verifies (s, SECRET, body, good);
      assert_rejects (s, SECRET, changed_body, good, SY_WEBHOOK_ERROR_MISMATCH);
    }

  /* An empty secret is a configuration mistake, not a verdict. */
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, "", body, makini, SY_WEBHOOK_ERROR_MALFORMED);
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, NULL, body, makini, SY_WEBHOOK_ERROR_MALFORMED);
}

static void
test_too_large (void)
{
  gsize size = SY_WEBHOOK_MAX_BODY + 1;
  g_autoptr(GBytes) body = g_bytes_new_take (g_malloc0 (size), size);
  g_autoptr(GBytes) fits = g_bytes_new_from_bytes (body, 0, SY_WEBHOOK_MAX_BODY);
  g_autofree char *signature = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, fits, NOW);

  assert_verifies (SY_WEBHOOK_SCHEME_MAKINI, SECRET, fits, signature);
  assert_rejects (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, signature, SY_WEBHOOK_ERROR_TOO_LARGE);
}

static void
test_timestamps (void)
{
  g_autoptr(GBytes) body = g_bytes_new_static (sample_body, strlen (sample_body));
  g_autofree char *good = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, NOW);
  g_autofree char *forged = sy_webhook_sign (SY_WEBHOOK_SCHEME_MAKINI, SECRET "x", body, NOW);
  g_autofree char *now_text = g_strdup_printf ("%" G_GINT64_FORMAT, NOW);
  g_autofree char *edge_past = g_strdup_printf ("%" G_GINT64_FORMAT, NOW - 300);
  g_autofree char *edge_future = g_strdup_printf ("%" G_GINT64_FORMAT, NOW + 300);
  g_autofree char *past = g_strdup_printf ("%" G_GINT64_FORMAT, NOW - 301);
  g_autofree char *future = g_strdup_printf ("%" G_GINT64_FORMAT, NOW + 301);
  g_autofree char *millis = g_strdup_printf ("%" G_GINT64_FORMAT "123", NOW - 10);
  g_autofree char *old_millis = g_strdup_printf ("%" G_GINT64_FORMAT "000", NOW - 3600);
  g_autoptr(GDateTime) now_dt = g_date_time_new_from_unix_utc (NOW);
  g_autoptr(GDateTime) old_dt = g_date_time_add_seconds (now_dt, -1000);
  g_autofree char *iso_now = g_date_time_format_iso8601 (now_dt);
  g_autofree char *iso_old = g_date_time_format_iso8601 (old_dt);
  const struct { const char *timestamp; gint64 tolerance; int code; } cases[] = {
    { NULL, 300, -1 },
    { now_text, 300, -1 },
    { edge_past, 300, -1 },
    { edge_future, 300, -1 },
    { past, 300, SY_WEBHOOK_ERROR_EXPIRED },
    { future, 300, SY_WEBHOOK_ERROR_EXPIRED },
    /* No tolerance: the timestamp is not looked at. */
    { past, 0, -1 },
    { "yesterday", 0, -1 },
    { millis, 300, -1 },
    { old_millis, 300, SY_WEBHOOK_ERROR_EXPIRED },
    { iso_now, 300, -1 },
    { iso_old, 300, SY_WEBHOOK_ERROR_EXPIRED },
    { "2025-12-06T05:46:40+01:00", 300, SY_WEBHOOK_ERROR_EXPIRED },
    { "yesterday", 300, SY_WEBHOOK_ERROR_MALFORMED },
    { "", 300, SY_WEBHOOK_ERROR_MALFORMED },
    { "12x", 300, SY_WEBHOOK_ERROR_MALFORMED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = sy_webhook_verify (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, good,
                                       cases[i].timestamp, NOW, cases[i].tolerance, &error);

      g_test_message ("case %u: %s", i, cases[i].timestamp);
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, SY_WEBHOOK_ERROR, cases[i].code);
        }
    }

  /* A forged delivery is a mismatch, whatever its timestamp says. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (sy_webhook_verify (SY_WEBHOOK_SCHEME_MAKINI, SECRET, body, forged,
                                       past, NOW, 300, &error));
    g_assert_error (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MISMATCH);
  }
}

static void
test_scheme_names (void)
{
  SyWebhookScheme scheme = SY_WEBHOOK_SCHEME_RUTTER;

  for (guint s = 0; s <= SY_WEBHOOK_SCHEME_LAST; s++)
    {
      g_autofree char *upper = g_ascii_strup (sy_webhook_scheme_to_string (s), -1);

      g_assert_true (sy_webhook_scheme_from_string (sy_webhook_scheme_to_string (s), &scheme));
      g_assert_cmpint (scheme, ==, s);
      g_assert_true (sy_webhook_scheme_from_string (upper, &scheme));
      g_assert_cmpint (scheme, ==, s);
      g_assert_nonnull (sy_webhook_scheme_default_header (s));
    }
  g_assert_cmpstr (sy_webhook_scheme_to_string (SY_WEBHOOK_SCHEME_MAKINI), ==, "makini");
  g_assert_cmpstr (sy_webhook_scheme_default_header (SY_WEBHOOK_SCHEME_MAKINI), ==, "X-Signature");
  scheme = SY_WEBHOOK_SCHEME_MERGE;
  g_assert_false (sy_webhook_scheme_from_string ("stripe", &scheme));
  g_assert_false (sy_webhook_scheme_from_string ("", &scheme));
  g_assert_false (sy_webhook_scheme_from_string (NULL, &scheme));
  g_assert_cmpint (scheme, ==, SY_WEBHOOK_SCHEME_MERGE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/webhook-signature/known-answers", test_known_answers);
  g_test_add_func ("/webhook-signature/apideck-sorts-keys", test_apideck_sorts_keys);
  g_test_add_func ("/webhook-signature/mismatches", test_mismatches);
  g_test_add_func ("/webhook-signature/too-large", test_too_large);
  g_test_add_func ("/webhook-signature/timestamps", test_timestamps);
  g_test_add_func ("/webhook-signature/scheme-names", test_scheme_names);

  return g_test_run ();
}
