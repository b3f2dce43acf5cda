/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-cli-test-support.h"

G_BEGIN_DECLS

/* What the tests of `connection link` share: a sandbox, the CLI, and the
 * browser's part played with HTTP requests (the authorisation URL with
 * `&auto=allow|deny`, then the redirect to the CLI's loopback listener). */

typedef struct
{
  SyCliFixture  cli;
  SoupSession  *session;
  char         *files_dir;
  guint         forced_expiries;
} SyLinkTestFixture;

typedef enum
{
  BROWSER_ALLOW,
  BROWSER_ALLOW_ERP,
  BROWSER_DENY,
  BROWSER_WRONG_STATE,
} SyLinkTestBrowser;

void sy_link_test_fixture_set_up (SyLinkTestFixture *fixture, gconstpointer data);
void sy_link_test_fixture_tear_down (SyLinkTestFixture *fixture, gconstpointer data);
void sy_link_test_start_sandbox (SyLinkTestFixture *fixture, const char * const *extra_args);
char * sy_link_test_play_browser (SyLinkTestFixture *fixture, const char *authorize_url, const char *extra_query);
void sy_link_test_run_link (SyLinkTestFixture *fixture, const char *name, SyLinkTestBrowser browser, SyCliRun *run);
JsonObject * sy_link_test_find_connection (SyLinkTestFixture *fixture, const char *name);
char * sy_link_test_lookup_secret (const char *connection_id, const char *kind);
void sy_link_test_assert_not_in_files (const char *dir, const char *needle);
gint64 sy_link_test_link_counter (SyLinkTestFixture *fixture, const char *group, const char *member);
void sy_link_test_inspect (SyLinkTestFixture *fixture, const char *path);
void sy_link_test_write_mapping (SyLinkTestFixture *fixture, const char *path);
char * sy_link_test_parse_run_id (const char *json_text);
void sy_link_test_assert_nothing_stored (SyLinkTestFixture *fixture, const char *name);
void sy_link_test_link_both (SyLinkTestFixture *fixture);

G_END_DECLS
