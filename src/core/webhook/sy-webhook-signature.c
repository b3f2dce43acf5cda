/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sy-json.h"
#include "sy-webhook-signature.h"

#define DIGEST_LEN 32

G_DEFINE_QUARK (sy-webhook-error-quark, sy_webhook_error)

static const char * const scheme_names[] = {
  [SY_WEBHOOK_SCHEME_MAKINI] = "makini",
  [SY_WEBHOOK_SCHEME_MERGE] = "merge",
  [SY_WEBHOOK_SCHEME_RUTTER] = "rutter",
  [SY_WEBHOOK_SCHEME_APIDECK] = "apideck",
};

static const char * const scheme_headers[] = {
  [SY_WEBHOOK_SCHEME_MAKINI] = "X-Signature",
  [SY_WEBHOOK_SCHEME_MERGE] = "X-Merge-Webhook-Signature",
  [SY_WEBHOOK_SCHEME_RUTTER] = "X-Rutter-Signature",
  [SY_WEBHOOK_SCHEME_APIDECK] = "X-Apideck-Signature",
};

#define RUTTER_PREFIX "sha256="

gboolean
sy_webhook_scheme_from_string (const char      *text,
                               SyWebhookScheme *scheme)
{
  g_return_val_if_fail (scheme != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (scheme_names); i++)
    if (g_ascii_strcasecmp (text, scheme_names[i]) == 0)
      {
        *scheme = (SyWebhookScheme) i;
        return TRUE;
      }
  return FALSE;
}

const char *
sy_webhook_scheme_to_string (SyWebhookScheme scheme)
{
  g_return_val_if_fail (scheme <= SY_WEBHOOK_SCHEME_LAST, NULL);

  return scheme_names[scheme];
}

const char *
sy_webhook_scheme_default_header (SyWebhookScheme scheme)
{
  g_return_val_if_fail (scheme <= SY_WEBHOOK_SCHEME_LAST, NULL);

  return scheme_headers[scheme];
}

/* --- Apideck's canonical body ------------------------------------------
 *
 * Apideck documents its rule in "Webhook Signature Verification"
 * (https://developers.apideck.com/guides/webhook-signature-verification):
 * the x-apideck-signature header is the HMAC-SHA256, keyed with the API
 * key, of the request body with every object's keys sorted alphabetically,
 * recursively, arrays kept in order, serialised as JavaScript's
 * JSON.stringify() does (no whitespace); the digest is sent base64-encoded.
 * So the body is parsed and written again the way JSON.stringify() writes
 * it: strings escape only '"', '\\' and control characters, numbers use the
 * shortest form that reads back to the same double. A body that is not
 * JSON, or nests deeper than SY_JSON_MAX_DEPTH (which json-glib could not
 * parse without risking the stack), is signed as it is. */

static void canonical_node (GString *out, JsonNode *node);

static void
canonical_string (GString    *out,
                  const char *text)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) text; *p; p++)
    switch (*p)
      {
      case '"': g_string_append (out, "\\\""); break;
      case '\\': g_string_append (out, "\\\\"); break;
      case '\b': g_string_append (out, "\\b"); break;
      case '\f': g_string_append (out, "\\f"); break;
      case '\n': g_string_append (out, "\\n"); break;
      case '\r': g_string_append (out, "\\r"); break;
      case '\t': g_string_append (out, "\\t"); break;
      default:
        if (*p < 0x20)
          g_string_append_printf (out, "\\u%04x", *p);
        else
          g_string_append_c (out, (char) *p);
      }
  g_string_append_c (out, '"');
}

static void
canonical_double (GString *out,
                  double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (value == (double) (gint64) value && ABS (value) < 1e21)
    {
      g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) value);
      return;
    }
  for (int precision = 1; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  g_string_append (out, buffer);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
canonical_object (GString    *out,
                  JsonObject *object)
{
  g_autoptr(GList) members = json_object_get_members (object);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (GList *l = members; l; l = l->next)
    g_ptr_array_add (names, l->data);
  g_ptr_array_sort (names, compare_names);

  g_string_append_c (out, '{');
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      if (i > 0)
        g_string_append_c (out, ',');
      canonical_string (out, name);
      g_string_append_c (out, ':');
      canonical_node (out, json_object_get_member (object, name));
    }
  g_string_append_c (out, '}');
}

static void
canonical_node (GString  *out,
                JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      canonical_object (out, json_node_get_object (node));
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        g_string_append_c (out, '[');
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            canonical_node (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          canonical_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          canonical_string (out, json_node_get_string (node));
          break;
        default:
          g_string_append (out, "null");
          break;
        }
      break;
    default:
      g_assert_not_reached ();
    }
}

GBytes *
sy_webhook_signed_bytes (SyWebhookScheme  scheme,
                         GBytes          *body)
{
  g_autoptr(JsonParser) parser = NULL;
  const char *data;
  gsize size;
  GString *out;

  if (scheme != SY_WEBHOOK_SCHEME_APIDECK)
    return g_bytes_ref (body);

  data = g_bytes_get_data (body, &size);
  parser = json_parser_new ();
  if (size == 0 || memchr (data, '\0', size) != NULL
      || !g_utf8_validate_len (data, size, NULL)
      || !sy_json_parser_load (parser, data, (gssize) size, NULL)
      || json_parser_get_root (parser) == NULL)
    return g_bytes_ref (body);

  out = g_string_new (NULL);
  canonical_node (out, json_parser_get_root (parser));
  return g_string_free_to_bytes (out);
}

static void
compute_digest (SyWebhookScheme  scheme,
                const char      *secret,
                GBytes          *body,
                guint8           digest[DIGEST_LEN])
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  g_autoptr(GBytes) covered = sy_webhook_signed_bytes (scheme, body);
  gsize size;
  const guchar *data = g_bytes_get_data (covered, &size);
  gsize digest_len = DIGEST_LEN;

  /* g_hmac_update() takes a gssize. */
  while (size > 0)
    {
      gsize chunk = MIN (size, (gsize) G_MAXSSIZE);

      g_hmac_update (hmac, data, (gssize) chunk);
      data += chunk;
      size -= chunk;
    }
  g_hmac_get_digest (hmac, digest, &digest_len);
  g_assert (digest_len == DIGEST_LEN);
}

static char *
encode_digest (SyWebhookScheme scheme,
               const guint8    digest[DIGEST_LEN])
{
  g_autofree char *base64 = g_base64_encode (digest, DIGEST_LEN);

  switch (scheme)
    {
    case SY_WEBHOOK_SCHEME_MAKINI:
    case SY_WEBHOOK_SCHEME_APIDECK:
      return g_steal_pointer (&base64);
    case SY_WEBHOOK_SCHEME_MERGE:
      g_strdelimit (base64, "+", '-');
      g_strdelimit (base64, "/", '_');
      if (strchr (base64, '=') != NULL)
        *strchr (base64, '=') = '\0';
      return g_steal_pointer (&base64);
    case SY_WEBHOOK_SCHEME_RUTTER:
      return g_strconcat (RUTTER_PREFIX, base64, NULL);
    default:
      g_return_val_if_reached (NULL);
    }
}

char *
sy_webhook_sign (SyWebhookScheme  scheme,
                 const char      *secret,
                 GBytes          *body,
                 gint64           timestamp)
{
  guint8 digest[DIGEST_LEN];

  g_return_val_if_fail (scheme <= SY_WEBHOOK_SCHEME_LAST, NULL);
  g_return_val_if_fail (secret != NULL && *secret != '\0', NULL);
  g_return_val_if_fail (body != NULL, NULL);

  compute_digest (scheme, secret, body, digest);
  return encode_digest (scheme, digest);
}

/* Strict base64 decoding (g_base64_decode() skips what it does not know,
 * so "abc!" would pass). `url` selects the URL-safe alphabet, which is
 * written without padding; the standard alphabet must be padded. */
static GByteArray *
decode_base64 (const char *text,
               gsize       length,
               gboolean    url)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint32 accumulator = 0;
  guint bits = 0;
  gsize data_len = length;

  if (!url)
    {
      if (length % 4 != 0)
        return NULL;
      while (data_len > 0 && length - data_len < 2 && text[data_len - 1] == '=')
        data_len--;
    }
  else if (length % 4 == 1)
    return NULL;

  for (gsize i = 0; i < data_len; i++)
    {
      char c = text[i];
      guint value;

      if (c >= 'A' && c <= 'Z')
        value = (guint) (c - 'A');
      else if (c >= 'a' && c <= 'z')
        value = (guint) (c - 'a') + 26;
      else if (c >= '0' && c <= '9')
        value = (guint) (c - '0') + 52;
      else if (c == (url ? '-' : '+'))
        value = 62;
      else if (c == (url ? '_' : '/'))
        value = 63;
      else
        return NULL;

      accumulator = (accumulator << 6) | value;
      bits += 6;
      if (bits >= 8)
        {
          guint8 byte;

          bits -= 8;
          byte = (guint8) ((accumulator >> bits) & 0xff);
          g_byte_array_append (out, &byte, 1);
        }
    }
  /* Left-over bits must be zero, or two strings would decode the same. */
  if ((accumulator & ((1u << bits) - 1)) != 0)
    return NULL;
  return g_steal_pointer (&out);
}

/* Compares every byte whatever the lengths, so the time taken says
 * nothing about where the first difference is. */
static gboolean
digests_equal (const guint8 expected[DIGEST_LEN],
               const guint8 *received,
               gsize         received_len)
{
  guint8 difference = received_len == DIGEST_LEN ? 0 : 1;

  for (gsize i = 0; i < DIGEST_LEN; i++)
    difference |= expected[i] ^ (i < received_len ? received[i] : 0);
  return difference == 0;
}

static gboolean
parse_timestamp (const char *text,
                 gint64     *seconds)
{
  g_autoptr(GDateTime) when = NULL;
  guint64 number;
  const char *end;

  if (g_ascii_isdigit (text[0]))
    {
      end = NULL;
      number = g_ascii_strtoull (text, (char **) &end, 10);
      if (end != NULL && *end == '\0' && number <= G_MAXINT64)
        {
          /* Milliseconds since 1970 have 13 digits until the year 2286. */
          *seconds = strlen (text) >= 13 ? (gint64) (number / 1000) : (gint64) number;
          return TRUE;
        }
    }
  when = g_date_time_new_from_iso8601 (text, NULL);
  if (when == NULL)
    return FALSE;
  *seconds = g_date_time_to_unix (when);
  return TRUE;
}

gboolean
sy_webhook_verify (SyWebhookScheme  scheme,
                   const char      *secret,
                   GBytes          *body,
                   const char      *signature,
                   const char      *timestamp,
                   gint64           now_s,
                   gint64           tolerance_s,
                   GError         **error)
{
  g_autofree char *stripped = NULL;
  g_autoptr(GByteArray) received = NULL;
  guint8 expected[DIGEST_LEN];
  const char *encoded;
  gsize encoded_len;

  g_return_val_if_fail (scheme <= SY_WEBHOOK_SCHEME_LAST, FALSE);
  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (secret == NULL || *secret == '\0')
    {
      g_set_error_literal (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MALFORMED,
                           _("No webhook secret is set"));
      return FALSE;
    }
  if (g_bytes_get_size (body) > SY_WEBHOOK_MAX_BODY)
    {
      g_set_error (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_TOO_LARGE,
                   _("The body is larger than %d bytes"), SY_WEBHOOK_MAX_BODY);
      return FALSE;
    }

  stripped = g_strstrip (g_strdup (signature != NULL ? signature : ""));
  if (*stripped == '\0')
    {
      g_set_error_literal (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MALFORMED,
                           _("The signature is missing"));
      return FALSE;
    }

  encoded = stripped;
  if (scheme == SY_WEBHOOK_SCHEME_RUTTER)
    {
      if (!g_str_has_prefix (stripped, RUTTER_PREFIX))
        {
          g_set_error (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MALFORMED,
                       _("The signature does not start with “%s”"), RUTTER_PREFIX);
          return FALSE;
        }
      encoded += strlen (RUTTER_PREFIX);
    }
  encoded_len = strlen (encoded);

  received = decode_base64 (encoded, encoded_len, scheme == SY_WEBHOOK_SCHEME_MERGE);
  if (received == NULL)
    {
      g_set_error_literal (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MALFORMED,
                           scheme == SY_WEBHOOK_SCHEME_MERGE
                           ? _("The signature is not unpadded base64url")
                           : _("The signature is not base64"));
      return FALSE;
    }

  compute_digest (scheme, secret, body, expected);
  if (!digests_equal (expected, received->data, received->len))
    {
      if (received->len != DIGEST_LEN)
        g_set_error (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MISMATCH,
                     _("The signature holds %u bytes, not the %d of an HMAC-SHA256"),
                     received->len, DIGEST_LEN);
      else
        g_set_error_literal (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MISMATCH,
                             _("The signature is not the body’s HMAC-SHA256 with this secret"));
      return FALSE;
    }

  if (timestamp != NULL && tolerance_s > 0)
    {
      gint64 when;

      if (!parse_timestamp (timestamp, &when))
        {
          g_set_error (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_MALFORMED,
                       _("The timestamp “%s” is not a time"), timestamp);
          return FALSE;
        }
      if (when < now_s - tolerance_s || when > now_s + tolerance_s)
        {
          g_autofree char *away = g_strdup_printf ("%" G_GINT64_FORMAT, ABS (when - now_s));
          g_autofree char *allowed = g_strdup_printf ("%" G_GINT64_FORMAT, tolerance_s);

          /* Translators: both are numbers of seconds. */
          g_set_error (error, SY_WEBHOOK_ERROR, SY_WEBHOOK_ERROR_EXPIRED,
                       _("The timestamp is %s s away from now, more than the %s s allowed"),
                       away, allowed);
          return FALSE;
        }
    }
  return TRUE;
}
