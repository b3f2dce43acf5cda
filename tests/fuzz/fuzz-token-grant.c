/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sy-error.h"
#include "sy-fuzz.h"
#include "sy-json.h"
#include "sy-token-keeper.h"

/* A token endpoint's answer (POST /link/token, POST
 * /api/system/connections) as the server sends it, read into a grant. A
 * grant always has an access token and a sane expiry; an answer that is
 * not one is an error with a message fit to show. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  sy_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(SyTokenGrant) grant = NULL;
  g_autoptr(SyTokenGrant) copy = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  if (!sy_json_parser_load (parser, (const char *) data, size, NULL))
    return 0;
  root = json_parser_get_root (parser);

  grant = sy_token_grant_new_from_json (root, &error);
  if (grant == NULL)
    {
      if (error == NULL || !g_utf8_validate (error->message, -1, NULL))
        abort ();
      return 0;
    }
  if (error != NULL || grant->access_token == NULL || *grant->access_token == '\0' ||
      grant->expires_at < 0 || grant->obtained_at <= 0)
    abort ();

  copy = sy_token_grant_copy (grant);
  if (strcmp (copy->access_token, grant->access_token) != 0 ||
      g_strcmp0 (copy->refresh_token, grant->refresh_token) != 0 || copy->expires_at != grant->expires_at)
    abort ();
  return 0;
}
