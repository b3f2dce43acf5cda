/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "sy-json.h"

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root = sy_json_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  return root;
}

static void
test_node_text (void)
{
  g_autoptr(JsonNode) root = parse ("{\"s\": \"A-1\", \"i\": -42, \"d\": 1.5, \"b\": true, \"n\": null, \"o\": {}, \"a\": []}");
  JsonObject *object = json_node_get_object (root);
  g_autofree char *s = sy_json_object_dup_text (object, "s");
  g_autofree char *i = sy_json_object_dup_text (object, "i");

  g_assert_cmpstr (s, ==, "A-1");
  g_assert_cmpstr (i, ==, "-42");
  /* Keys and ids are strings or integers; anything else is no key. */
  g_assert_null (sy_json_object_dup_text (object, "d"));
  g_assert_null (sy_json_object_dup_text (object, "b"));
  g_assert_null (sy_json_object_dup_text (object, "n"));
  g_assert_null (sy_json_object_dup_text (object, "o"));
  g_assert_null (sy_json_object_dup_text (object, "a"));
  g_assert_null (sy_json_object_dup_text (object, "missing"));
  g_assert_null (sy_json_object_dup_text (NULL, "s"));
  g_assert_null (sy_json_node_dup_text (NULL));
}

static void
test_unwrap_data (void)
{
  g_autoptr(JsonNode) wrapped = parse ("{\"data\": [1, 2], \"meta\": {}}");
  g_autoptr(JsonNode) bare = parse ("{\"key\": \"1\"}");
  g_autoptr(JsonNode) list = parse ("[1]");
  g_autoptr(JsonNode) wrapped_null = parse ("{\"data\": null}");

  g_assert_true (JSON_NODE_HOLDS_ARRAY (sy_json_unwrap_data (wrapped)));
  g_assert_true (sy_json_unwrap_data (bare) == bare);
  g_assert_true (sy_json_unwrap_data (list) == list);
  /* What "data" holds is the caller's to judge. */
  g_assert_true (JSON_NODE_HOLDS_NULL (sy_json_unwrap_data (wrapped_null)));
  g_assert_null (sy_json_unwrap_data (NULL));
}

static void
test_quote_server_text (void)
{
  g_autofree char *plain = sy_json_quote_server_text ("  Order\tnot\r\nfound \x1b[31m ", -1);
  g_autofree char *invalid = sy_json_quote_server_text ("bad \xff byte", -1);
  g_autofree char *counted = sy_json_quote_server_text ("abcdef", 3);
  g_autoptr(GString) long_text = g_string_new (NULL);
  g_autofree char *cut = NULL;

  g_assert_cmpstr (plain, ==, "Order not found [31m");
  g_assert_true (g_utf8_validate (invalid, -1, NULL));
  g_assert_nonnull (strstr (invalid, "byte"));
  g_assert_cmpstr (counted, ==, "abc");
  g_assert_null (sy_json_quote_server_text (" \n\t ", -1));
  g_assert_null (sy_json_quote_server_text (NULL, -1));

  for (guint i = 0; i < 100000; i++)
    g_string_append (long_text, "é");
  cut = sy_json_quote_server_text (long_text->str, long_text->len);
  g_assert_cmpint (g_utf8_strlen (cut, -1), ==, SY_JSON_MAX_QUOTED_CHARS + 1);
  g_assert_true (g_str_has_suffix (cut, "…"));
}

static void
assert_too_deep (const char *text,
                 guint       max_depth)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (sy_json_check_depth (text, -1, max_depth, NULL, &error));
  g_assert_error (error, SY_JSON_ERROR, SY_JSON_ERROR_TOO_DEEP);
  g_assert_nonnull (strstr (error->message, "levels deep"));
}

static void
test_check_depth (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sy_json_check_depth ("[[[]]]", -1, 3, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sy_json_check_depth ("[[]] [[]] {\"a\": {\"b\": 1}}", -1, 2, NULL, NULL));
  assert_too_deep ("[[[[]]]]", 3);
  assert_too_deep ("{\"a\": [{\"b\": 1}]}", 2);

  /* Brackets in strings and comments do not nest... */
  g_assert_true (sy_json_check_depth ("[\"[[[[\", '{{{{', /* [[[[ */ 1]", -1, 1, NULL, NULL));
  /* ...and quotes in them do not hide the brackets after them. */
  assert_too_deep ("[\"a\\\"[\", [[1]]]", 2);
  assert_too_deep ("['a\\', [[1]]]", 2);
  assert_too_deep ("/* \" */ [[[1]]]", 2);
  /* An unterminated string hides nothing the parser would see. */
  g_assert_true (sy_json_check_depth ("[\"[[[[", -1, 1, NULL, NULL));

  /* A length stops the scan. */
  g_assert_true (sy_json_check_depth ("[[[[", 2, 2, NULL, NULL));
  g_assert_true (sy_json_check_depth (NULL, 0, 1, NULL, NULL));
}

static void
test_check_depth_line (void)
{
  g_autoptr(GError) error = NULL;
  guint line = 0;

  g_assert_false (sy_json_check_depth ("{\n \"a\":\n  [[\n\"x\n\"]]}", -1, 2, &line, &error));
  g_assert_cmpuint (line, ==, 3);
  g_assert_nonnull (strstr (error->message, "line 3"));
}

/* json-glib recurses per level: 100,000 levels would overflow the stack
 * before it could fail. The check stops that before the parser starts. */
static void
test_parse_refuses_deep_nesting (void)
{
  const gsize levels = 100000;
  g_autofree char *text = g_malloc (2 * levels + 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) deep = NULL;
  g_autoptr(GString) ok = g_string_new (NULL);
  g_autoptr(JsonNode) ok_root = NULL;

  memset (text, '[', levels);
  memset (text + levels, ']', levels);
  text[2 * levels] = '\0';

  deep = sy_json_parse (text, -1, &error);
  g_assert_null (deep);
  g_assert_error (error, SY_JSON_ERROR, SY_JSON_ERROR_TOO_DEEP);
  g_clear_error (&error);

  g_assert_false (sy_json_parser_load (parser, text, 2 * levels, &error));
  g_assert_error (error, SY_JSON_ERROR, SY_JSON_ERROR_TOO_DEEP);
  g_clear_error (&error);

  for (guint i = 0; i < SY_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, '[');
  for (guint i = 0; i < SY_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, ']');
  ok_root = sy_json_parse (ok->str, ok->len, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (ok_root));
}

static void
test_parse_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) broken = sy_json_parse ("{\"a\":", -1, &error);
  g_autoptr(JsonNode) empty = NULL;

  g_assert_null (broken);
  g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
  g_clear_error (&error);

  empty = sy_json_parse ("", 0, &error);
  g_assert_null (empty);
  g_assert_no_error (error);
}

/* What parses is text again: a lone surrogate escape becomes U+FFFD and a
 * number beyond a double's range null, so writing the tree out gives JSON
 * that reads back (json-glib would write "inf"). */
static void
test_parse_mends_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = sy_json_parse ("{\"big\": 1e4000, \"small\": -1e4000, \"fine\": 1.5,"
                                            " \"list\": [1e999], \"text\": \"\\ud800x\","
                                            " \"exponent\": 1e40, \"negative\": -2E+300, \"tiny\": 1e-40}", -1, &error);
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *written = NULL;
  JsonObject *object;

  g_assert_no_error (error);
  object = json_node_get_object (root);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "big")));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "small")));
  g_assert_cmpfloat (json_object_get_double_member (object, "fine"), ==, 1.5);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_array_get_element (json_object_get_array_member (object, "list"), 0)));
  g_assert_true (g_utf8_validate (json_object_get_string_member (object, "text"), -1, NULL));

  /* json-glib would write 1e40 as "1e+40.0": it is kept one unit in the
   * last place nearer zero, which it writes readably. */
  g_assert_cmpfloat (json_object_get_double_member (object, "exponent"), <, 1e40);
  g_assert_cmpfloat (json_object_get_double_member (object, "exponent"), >, 0.9999999e40);
  g_assert_cmpfloat (json_object_get_double_member (object, "tiny"), ==, 1e-40);

  written = json_to_string (root, FALSE);
  g_test_message ("%s", written);
  g_assert_null (strstr (written, "inf"));
  again = sy_json_parse (written, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (again), "exponent"), ==,
                     json_object_get_double_member (object, "exponent"));
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (again), "negative"), ==,
                     json_object_get_double_member (object, "negative"));
}

/* json-glib 1.6 reads a whole number beyond 64 bits as a wrong one, with
 * no error (9223372036854775808 as its negative, longer ones as -1): such
 * a document is refused, and the line of the number said. */
static void
test_parse_refuses_wrapping_integers (void)
{
  static const char * const refused[] = {
    "[9223372036854775808]",
    "[-9223372036854775809]",
    "{\"id\": 123456789012345678901234567890}",
    "[18446744073709551615]",
    "[1, 2,\n 99999999999999999999]",
  };
  guint line = 0;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = sy_json_parse (refused[i], -1, &error);

      g_test_message ("%s", refused[i]);
      g_assert_null (root);
      g_assert_error (error, SY_JSON_ERROR, SY_JSON_ERROR_NUMBER_TOO_LARGE);
    }
  g_assert_false (sy_json_check_integers ("{\n\"a\": 1,\n\"b\": -99999999999999999999\n}", -1, &line, NULL));
  g_assert_cmpuint (line, ==, 3);

  /* The limits themselves, leading zeros, doubles, and digits in strings,
   * comments and names are kept. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = sy_json_parse ("{\"max\": 9223372036854775807, \"min\": -9223372036854775808,"
                                              " \"text\": \"99999999999999999999\", \"double\": 99999999999999999999.5,"
                                              " \"exponent\": 1e30, \"big_exponent\": 12345678901234567890123e-3,"
                                              " \"k99999999999999999999\": 0 /* 99999999999999999999 */}", -1, &error);
    JsonObject *object;

    g_assert_no_error (error);
    object = json_node_get_object (root);
    g_assert_cmpint (json_object_get_int_member (object, "max"), ==, G_MAXINT64);
    g_assert_cmpint (json_object_get_int_member (object, "min"), ==, G_MININT64);
    g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, "99999999999999999999");
    g_assert_cmpfloat (json_object_get_double_member (object, "double"), >, 9.9e19);
    g_assert_cmpfloat (json_object_get_double_member (object, "big_exponent"), >, 1.2e19);
  }
  g_assert_true (sy_json_check_integers ("[0000000000000000000000001, -0, 0]", -1, NULL, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/node-text", test_node_text);
  g_test_add_func ("/json/unwrap-data", test_unwrap_data);
  g_test_add_func ("/json/quote-server-text", test_quote_server_text);
  g_test_add_func ("/json/check-depth", test_check_depth);
  g_test_add_func ("/json/check-depth-line", test_check_depth_line);
  g_test_add_func ("/json/parse-refuses-deep-nesting", test_parse_refuses_deep_nesting);
  g_test_add_func ("/json/parse-errors", test_parse_errors);
  g_test_add_func ("/json/parse-mends-values", test_parse_mends_values);
  g_test_add_func ("/json/parse-refuses-wrapping-integers", test_parse_refuses_wrapping_integers);

  return g_test_run ();
}
