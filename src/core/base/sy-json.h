/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Deepest nesting of arrays and objects accepted anywhere JSON enters:
 * json-glib's parser recurses once per level, and a hostile server or
 * file could otherwise exhaust the stack. Real answers, connection files
 * and mappings stay far below this. */
#define SY_JSON_MAX_DEPTH 64

#define SY_JSON_ERROR (sy_json_error_quark ())

typedef enum
{
  SY_JSON_ERROR_TOO_DEEP,
  SY_JSON_ERROR_NUMBER_TOO_LARGE,
} SyJsonError;

GQuark      sy_json_error_quark          (void);

/* Longest server text quoted in a user-visible message, in characters. */
#define SY_JSON_MAX_QUOTED_CHARS 200

/* The text of a JSON string or integer, as keys, ids and cursors come;
 * NULL for anything else (and for NULL). */
char       *sy_json_node_dup_text        (JsonNode    *node);
/* The same for a member of object; NULL when object is NULL or has no
 * such member. */
char       *sy_json_object_dup_text      (JsonObject  *object,
                                          const char  *member);

/* The API wraps answers in {"data": …}: the "data" member when root is an
 * object that has one (whatever it holds), otherwise root itself, for
 * servers that send the bare value. Borrowed; NULL only for NULL. */
JsonNode   *sy_json_unwrap_data          (JsonNode    *root);

/* Text a server sent, fit to be quoted in a message: valid UTF-8, control
 * characters and runs of whitespace folded into single spaces, cut after
 * SY_JSON_MAX_QUOTED_CHARS with an ellipsis. length -1: nul-terminated.
 * NULL for NULL or for text with nothing visible in it. */
char       *sy_json_quote_server_text    (const char  *text,
                                          gssize       length);

/* Checks, without parsing, that data nests arrays and objects at most
 * max_depth deep (brackets inside strings do not count). On failure sets
 * SY_JSON_ERROR_TOO_DEEP and the line where the limit was passed in
 * bad_line (may be NULL). length -1: nul-terminated. */
gboolean    sy_json_check_depth          (const char  *data,
                                          gssize       length,
                                          guint        max_depth,
                                          guint       *bad_line,
                                          GError     **error);

/* Checks, without parsing, that every whole number in data fits in 64
 * bits: json-glib 1.6 reads a larger one without an error as a wrong value
 * (9223372036854775808 as -9223372036854775808, longer ones as -1), which
 * would be written on to a target as if it were the record's. On failure
 * sets SY_JSON_ERROR_NUMBER_TOO_LARGE and the number's line in bad_line
 * (may be NULL). Numbers with a fraction or an exponent are doubles and
 * not checked. length -1: nul-terminated. */
gboolean    sy_json_check_integers       (const char  *data,
                                          gssize       length,
                                          guint       *bad_line,
                                          GError     **error);

/* json_parser_load_from_data() after sy_json_check_depth() with
 * SY_JSON_MAX_DEPTH and sy_json_check_integers(). */
gboolean    sy_json_parser_load          (JsonParser  *parser,
                                          const char  *data,
                                          gssize       length,
                                          GError     **error);

/* Mends the strings of a mutable tree that json-glib left invalid (it
 * makes an escaped lone surrogate, "\ud800", into bytes that are not
 * UTF-8): U+FFFD takes their place. sy_json_parser_load() does it.
 * NULL (an empty document's root) is fine. */
void        sy_json_repair_strings       (JsonNode    *node);

/* Parses data (depth-checked) and returns a new reference to its root;
 * NULL with error set when it does not parse, NULL without an error for
 * an empty document. */
JsonNode   *sy_json_parse                (const char  *data,
                                          gssize       length,
                                          GError     **error);

G_END_DECLS
