/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-catalogue.h"
#include "sy-cli-test-support.h"
#include "sy-example-mapping.h"
#include "sy-mapping.h"
#include "sy-sandbox-client.h"
#include "sy-test-support.h"

/* The sync promise (docs/architecture.md §6) under everything at once:
 * 20,000 orders; a sandbox that answers 5xx, drops connections before
 * and after writing, rate-limits with 429 and stalls now and then; source
 * records edited while the runs read them; `switchyard-cli` killed with
 * SIGKILL three times and resumed; state.db deleted once between runs. At
 * the end the target must hold, for every source order, exactly one
 * record, and every field the mapping writes must have the value the
 * mapping makes of the source order as it is now.
 *
 * A failure names what differs: the counts, the first keys missing, extra,
 * duplicated or different (with the field and both values). */

#define N_RECORDS        20000
#define SOURCE_ENTITY    "wms/sales-orders"
#define TARGET_ENTITY    "erp/sales-orders"
#define MATCH_FIELD      "code"
#define SHOWN            8

/* Source edits while a CLI runs: a handful a second. */
#define TOUCH_EVERY_USEC (2 * G_USEC_PER_SEC)
/* A stall of the whole server (a latency spike every request in flight
 * meets) every few seconds. */
#define SPIKE_EVERY_USEC (10 * G_USEC_PER_SEC)
#define SPIKE_USEC       (500 * 1000)
#define POLL_USEC        (50 * 1000)

typedef struct
{
  SyCliFixture  cli;
  char         *mapping_path;
  SyMapping    *mapping;
  SoupSession  *session;
  GPid          sandbox_pid;
  guint         n_touches;       /* touch requests */
  guint         n_touched;       /* records edited, counted with repeats */
  guint         n_spikes;
  gint64        last_touch;
  gint64        last_spike;
} Fixture;

/* --- the sandbox ----------------------------------------------------- */

/* The pid of our child switchyard-sandbox. SySandboxProcess does not hand
 * it out (nothing but this test needs it), and it is our direct child, so
 * /proc names it. */
static GPid
find_sandbox_pid (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  GPid found = 0;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *stat_path = NULL;
      g_autofree char *stat = NULL;
      const char *after_comm;
      char state;
      int ppid;

      if (!g_ascii_isdigit (*name))
        continue;
      stat_path = g_build_filename ("/proc", name, "stat", NULL);
      if (!g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      /* "pid (comm) state ppid ...": comm may hold spaces, not ')' here. */
      after_comm = strrchr (stat, ')');
      if (after_comm == NULL || sscanf (after_comm + 1, " %c %d", &state, &ppid) != 2 || ppid != getpid ())
        continue;
      if (strstr (stat, "(switchyard-sand") == NULL)
        continue;
      g_assert_cmpint (found, ==, 0);
      found = (GPid) g_ascii_strtoll (name, NULL, 10);
    }
  g_assert_cmpint (found, >, 0);
  return found;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  /* 5xx, drops (half of them after the write is stored), some latency on
   * every answer, and 429s once the target's token passes 200 requests a
   * second over a minute: what a fast machine reaches, so that a slow one
   * is not slowed down further. */
  const char * const sandbox_args[] = { "--records", G_STRINGIFY (N_RECORDS), "--latency-ms", "3",
                                        "--fail-rate", "0.02", "--drop-rate", "0.01",
                                        "--rate-limit", "12000", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *mapping = NULL;

  sy_cli_fixture_set_up (&fixture->cli, "sync-chaos", TRUE);
  fixture->session = soup_session_new_with_options ("timeout", 60, NULL);
  fixture->cli.sandbox = sy_test_start_sandbox (sandbox_args);
  fixture->sandbox_pid = find_sandbox_pid ();
  sy_cli_add_connection (&fixture->cli, "mintsoft", "wms");
  sy_cli_add_connection (&fixture->cli, "netsuite", "erp");

  /* The example, plus the field /__sandbox/touch edits, so that an edit
   * changes what the target must hold. */
  mapping = sy_example_mapping_with_addressee ();

  fixture->mapping_path = g_build_filename (fixture->cli.work_dir, "orders.json", NULL);
  g_file_set_contents (fixture->mapping_path, mapping, -1, &error);
  g_assert_no_error (error);
  fixture->mapping = sy_mapping_new_from_data (mapping, -1, "orders.json", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* A stopped sandbox would not hear SIGTERM. */
  if (fixture->sandbox_pid > 0)
    kill (fixture->sandbox_pid, SIGCONT);
  g_clear_object (&fixture->mapping);
  g_clear_object (&fixture->session);
  sy_cli_fixture_tear_down (&fixture->cli);
  g_clear_pointer (&fixture->mapping_path, g_free);
}

static gint64
target_count (Fixture *fixture)
{
  return sy_sandbox_client_count (fixture->cli.sandbox, fixture->session, TARGET_ENTITY);
}

/* Edits some source orders now: a different count each time, so that
 * the edits fall on different records (the sandbox spreads them evenly). */
static void
touch (Fixture *fixture)
{
  guint count = 6 + (fixture->n_touches * 7) % 15;
  g_autofree char *path = g_strdup_printf ("/__sandbox/touch?entity=" SOURCE_ENTITY "&count=%u", count);
  g_autoptr(JsonNode) answer = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "POST", path);

  g_assert_cmpint (json_object_get_int_member (json_node_get_object (answer), "touched"), ==, count);
  fixture->n_touches++;
  fixture->n_touched += count;
  fixture->last_touch = g_get_monotonic_time ();
}

/* Every request in flight waits while the server is stopped. Nothing in
 * between can fail the test, so the sandbox is never left stopped. */
static void
spike (Fixture *fixture)
{
  g_assert_cmpint (kill (fixture->sandbox_pid, SIGSTOP), ==, 0);
  g_usleep (SPIKE_USEC);
  g_assert_cmpint (kill (fixture->sandbox_pid, SIGCONT), ==, 0);
  fixture->n_spikes++;
  fixture->last_spike = g_get_monotonic_time ();
}

/* --- the CLI in the background --------------------------------------- */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  char             *first_line;
  gboolean          line_done;
  gboolean          exited;
} Child;

static void
on_first_line (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Child *child = user_data;

  child->first_line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  child->line_done = TRUE;
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Child *child = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  child->exited = TRUE;
}

/* Standard output piped (the run id is its first line), standard error
 * into the test's log. */
static Child *
spawn_cli (Fixture            *fixture,
           const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GPtrArray) argv = sy_cli_argv (&fixture->cli, args);
  g_autoptr(GError) error = NULL;
  Child *child = g_new0 (Child, 1);
  g_autofree char *command_line = g_strjoinv (" ", (char **) args);

  g_test_message ("switchyard-cli %s", command_line);
  g_subprocess_launcher_set_cwd (launcher, fixture->cli.work_dir);
  child->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->process));
  g_data_input_stream_read_line_async (child->out, G_PRIORITY_DEFAULT, NULL, on_first_line, child);
  g_subprocess_wait_async (child->process, NULL, on_exited, child);
  return child;
}

static void
child_free (Child *child)
{
  if (!child->exited)
    {
      g_subprocess_force_exit (child->process);
      while (!child->exited)
        g_main_context_iteration (NULL, TRUE);
    }
  while (!child->line_done)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&child->out);
  g_clear_object (&child->process);
  g_free (child->first_line);
  g_free (child);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Child, child_free)

static gint64
await_run_id (Child *child)
{
  guint64 id = 0;

  while (!child->line_done)
    g_main_context_iteration (NULL, TRUE);
  if (child->first_line == NULL ||
      !g_ascii_string_to_unsigned (child->first_line, 10, 1, G_MAXINT64, &id, NULL))
    g_error ("`sync` printed no run id first: “%s”", child->first_line ? child->first_line : "(nothing)");
  return (gint64) id;
}

/* Lets the child work, with source edits and server stalls, until it
 * exits, or (kill_at > 0) until the target holds kill_at records, when it
 * is killed with SIGKILL. The exit status, or -SIGKILL. */
static int
drive (Fixture *fixture,
       Child   *child,
       gint64   kill_at,
       gboolean chaos)
{
  gint64 started = g_get_monotonic_time ();
  gint64 count = 0;

  fixture->last_touch = fixture->last_spike = started;
  for (;;)
    {
      gint64 now;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (child->exited)
        break;
      count = target_count (fixture);
      if (kill_at > 0 && count >= kill_at)
        {
          g_subprocess_send_signal (child->process, SIGKILL);
          while (!child->exited)
            g_main_context_iteration (NULL, TRUE);
          g_assert_true (g_subprocess_get_if_signaled (child->process));
          g_test_message ("  killed after %.1f s at %" G_GINT64_FORMAT " target records "
                          "(%u touch requests, %u stalls so far)",
                          (g_get_monotonic_time () - started) / 1e6, target_count (fixture),
                          fixture->n_touches, fixture->n_spikes);
          return -SIGKILL;
        }
      now = g_get_monotonic_time ();
      if (chaos && now - fixture->last_touch >= TOUCH_EVERY_USEC)
        touch (fixture);
      if (chaos && now - fixture->last_spike >= SPIKE_EVERY_USEC)
        spike (fixture);
      g_usleep (POLL_USEC);
    }

  if (g_subprocess_get_if_signaled (child->process))
    g_error ("switchyard-cli was killed by signal %d (%s)", g_subprocess_get_term_sig (child->process),
             g_strsignal (g_subprocess_get_term_sig (child->process)));
  g_test_message ("  exited with %d after %.1f s, %" G_GINT64_FORMAT " target records",
                  g_subprocess_get_exit_status (child->process), (g_get_monotonic_time () - started) / 1e6,
                  target_count (fixture));
  if (kill_at > 0)
    g_error ("switchyard-cli exited (status %d) before the target held %" G_GINT64_FORMAT
             " records (it holds %" G_GINT64_FORMAT "): the test meant to kill it there",
             g_subprocess_get_exit_status (child->process), kill_at, count);
  return g_subprocess_get_exit_status (child->process);
}

/* `sync run` killed once the target holds kill_at records; its run id. */
static gint64
run_and_kill (Fixture *fixture,
              gint64   kill_at)
{
  const char * const args[] = { "sync", "run", fixture->mapping_path, "--concurrency", "8",
                                "--batch-size", "100", NULL };
  g_autoptr(Child) child = spawn_cli (fixture, args);
  gint64 run_id = await_run_id (child);

  drive (fixture, child, kill_at, TRUE);
  return run_id;
}

static int
resume (Fixture *fixture,
        gint64   run_id,
        gint64   kill_at)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);
  const char * const args[] = { "sync", "resume", id, NULL };
  g_autoptr(Child) child = spawn_cli (fixture, args);

  return drive (fixture, child, kill_at, TRUE);
}

static void
delete_state_db (Fixture *fixture)
{
  for (const char * const *suffix = (const char * const[]) { "", "-wal", "-shm", "-journal", NULL };
       *suffix != NULL; suffix++)
    {
      g_autofree char *name = g_strconcat ("state.db", *suffix, NULL);
      g_autofree char *path = g_build_filename (fixture->cli.state_dir, name, NULL);

      if (g_unlink (path) != 0)
        g_assert_cmpint (errno, ==, ENOENT);
      else
        g_test_message ("  deleted %s", name);
    }
}

/* --- source against target ------------------------------------------- */

static char *
node_text (JsonNode *node)
{
  if (node == NULL)
    return g_strdup ("(absent)");
  return json_to_string (node, FALSE);
}

static gboolean
is_number (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         (json_node_get_value_type (node) == G_TYPE_INT64 || json_node_get_value_type (node) == G_TYPE_DOUBLE);
}

/* The first place (a path under prefix) where actual lacks or differs
 * from what expected holds, or NULL. actual may hold more members. */
static char *
first_difference (JsonNode   *expected,
                  JsonNode   *actual,
                  const char *prefix)
{
  if (actual == NULL || JSON_NODE_TYPE (expected) != JSON_NODE_TYPE (actual))
    return g_strdup (prefix);

  switch (JSON_NODE_TYPE (expected))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *want = json_node_get_object (expected);
        JsonObject *have = json_node_get_object (actual);
        g_autoptr(GList) members = json_object_get_members (want);

        for (GList *l = members; l != NULL; l = l->next)
          {
            g_autofree char *path = *prefix ? g_strconcat (prefix, ".", l->data, NULL) : g_strdup (l->data);
            char *found = first_difference (json_object_get_member (want, l->data),
                                            json_object_get_member (have, l->data), path);

            if (found != NULL)
              return found;
          }
        return NULL;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *want = json_node_get_array (expected);
        JsonArray *have = json_node_get_array (actual);

        if (json_array_get_length (want) != json_array_get_length (have))
          return g_strdup (prefix);
        for (guint i = 0; i < json_array_get_length (want); i++)
          {
            g_autofree char *path = g_strdup_printf ("%s[%u]", prefix, i);
            char *found = first_difference (json_array_get_element (want, i),
                                            json_array_get_element (have, i), path);

            if (found != NULL)
              return found;
          }
        return NULL;
      }
    case JSON_NODE_NULL:
      return NULL;
    case JSON_NODE_VALUE:
      if (is_number (expected) && is_number (actual))
        return json_node_get_double (expected) == json_node_get_double (actual) ? NULL : g_strdup (prefix);
      return json_node_equal (expected, actual) ? NULL : g_strdup (prefix);
    default:
      g_assert_not_reached ();
    }
}

/* The node at a path made by first_difference(). */
static JsonNode *
node_at (JsonNode   *root,
         const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node = root;

  for (guint i = 0; parts[i] != NULL && node != NULL; i++)
    {
      char *bracket = strchr (parts[i], '[');
      char *rest;

      if (bracket != NULL)
        *bracket = '\0';
      if (*parts[i] != '\0')
        {
          if (!JSON_NODE_HOLDS_OBJECT (node))
            return NULL;
          node = json_object_get_member (json_node_get_object (node), parts[i]);
        }
      for (rest = bracket; rest != NULL && node != NULL; rest = strchr (rest + 1, '['))
        {
          guint64 index = g_ascii_strtoull (rest + 1, NULL, 10);

          if (!JSON_NODE_HOLDS_ARRAY (node) || index >= json_array_get_length (json_node_get_array (node)))
            return NULL;
          node = json_array_get_element (json_node_get_array (node), index);
        }
    }
  return node;
}

typedef struct
{
  guint    n;
  GString *examples;
} Finding;

static void
finding_add (Finding    *finding,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
finding_add (Finding    *finding,
             const char *format,
             ...)
{
  va_list ap;

  if (finding->examples == NULL)
    finding->examples = g_string_new (NULL);
  if (finding->n++ >= SHOWN)
    return;
  va_start (ap, format);
  g_string_append (finding->examples, "\n    ");
  g_string_append_vprintf (finding->examples, format, ap);
  va_end (ap);
}

static void
report_finding (GString    *report,
                Finding    *finding,
                const char *what)
{
  if (finding->n == 0)
    return;
  g_string_append_printf (report, "\n  %u %s%s:%s", finding->n, what,
                          finding->n > SHOWN ? ", the first ones" : "", finding->examples->str);
  g_string_free (finding->examples, TRUE);
}

/* Everything in which the target is not the mapped source, as one
 * message; NULL when it is exactly that. */
static char *
compare_source_and_target (Fixture *fixture,
                           GString *context)
{
  g_autoptr(GPtrArray) source = sy_sandbox_client_list_all (fixture->cli.sandbox, fixture->session, "wms",
                                                            SOURCE_ENTITY);
  g_autoptr(GPtrArray) target = sy_sandbox_client_list_all (fixture->cli.sandbox, fixture->session, "erp",
                                                            TARGET_ENTITY);
  /* match value → GPtrArray of target records */
  g_autoptr(GHashTable) by_match = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                          (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GHashTable) source_keys = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 server_duplicates = sy_sandbox_client_duplicates (fixture->cli.sandbox, fixture->session, TARGET_ENTITY,
                                                           MATCH_FIELD);
  Finding missing = { 0 }, duplicated = { 0 }, extra = { 0 }, different = { 0 }, unmappable = { 0 };
  GString *report = g_string_new (NULL);
  GHashTableIter iter;
  gpointer value;

  for (guint i = 0; i < target->len; i++)
    {
      JsonObject *record = g_ptr_array_index (target, i);
      const char *match = json_object_get_string_member_with_default (record, MATCH_FIELD, NULL);
      GPtrArray *same;

      if (match == NULL)
        {
          finding_add (&extra, "target %s has no %s", json_object_get_string_member_with_default (record, "key", "?"),
                       MATCH_FIELD);
          continue;
        }
      same = g_hash_table_lookup (by_match, match);
      if (same == NULL)
        {
          same = g_ptr_array_new ();
          g_hash_table_insert (by_match, (gpointer) match, same);
        }
      g_ptr_array_add (same, record);
    }

  for (guint i = 0; i < source->len; i++)
    {
      JsonObject *record = g_ptr_array_index (source, i);
      const char *key = json_object_get_string_member (record, "key");
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sy_mapping_problem_free);
      g_autoptr(JsonObject) payload = sy_mapping_apply (fixture->mapping, record, sy_catalogue_get_default (),
                                                        problems);
      g_autoptr(JsonNode) expected = json_node_init_object (json_node_alloc (), payload);
      GPtrArray *same = g_hash_table_lookup (by_match, key);
      g_autoptr(JsonNode) target_node = NULL;
      g_autofree char *where = NULL;

      g_hash_table_add (source_keys, (gpointer) key);
      for (guint p = 0; p < problems->len; p++)
        {
          SyMappingProblem *problem = g_ptr_array_index (problems, p);

          if (problem->blocking)
            finding_add (&unmappable, "%s: %s: %s", key, problem->field, problem->message);
        }
      if (same == NULL)
        {
          finding_add (&missing, "%s", key);
          continue;
        }
      if (same->len > 1)
        finding_add (&duplicated, "%s: %u target records", key, same->len);

      target_node = json_node_init_object (json_node_alloc (), g_ptr_array_index (same, 0));
      where = first_difference (expected, target_node, "");
      if (where != NULL)
        {
          g_autofree char *want = node_text (node_at (expected, where));
          g_autofree char *have = node_text (node_at (target_node, where));

          finding_add (&different, "%s: %s should be %s (source updatedAt %s), the target has %s", key,
                       *where ? where : "(the record)", want,
                       json_object_get_string_member_with_default (record, "updatedAt", "?"), have);
        }
    }

  g_hash_table_iter_init (&iter, by_match);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *same = value;
      JsonObject *record = g_ptr_array_index (same, 0);
      const char *match = json_object_get_string_member (record, MATCH_FIELD);

      if (!g_hash_table_contains (source_keys, match))
        finding_add (&extra, "target %s has %s %s, which no source order has",
                     json_object_get_string_member_with_default (record, "key", "?"), MATCH_FIELD, match);
    }

  if (source->len != N_RECORDS || target->len != source->len || server_duplicates != 0 || missing.n + duplicated.n +
      extra.n + different.n + unmappable.n > 0)
    {
      g_string_append_printf (report, "the target is not the source, record for record (%s):\n"
                              "  %u source orders (seeded %d), %u target orders, "
                              "/__sandbox/duplicates counts %" G_GINT64_FORMAT,
                              context->str, source->len, N_RECORDS, target->len, server_duplicates);
      report_finding (report, &missing, "source orders not in the target");
      report_finding (report, &duplicated, "source orders more than once in the target");
      report_finding (report, &extra, "target orders from no source order");
      report_finding (report, &different, "target orders that differ from their source order");
      report_finding (report, &unmappable, "source orders the mapping refuses (the test's mapping is wrong)");
      return g_string_free (report, FALSE);
    }
  g_string_free (report, TRUE);
  if (missing.examples) g_string_free (missing.examples, TRUE);
  if (duplicated.examples) g_string_free (duplicated.examples, TRUE);
  if (extra.examples) g_string_free (extra.examples, TRUE);
  if (different.examples) g_string_free (different.examples, TRUE);
  if (unmappable.examples) g_string_free (unmappable.examples, TRUE);
  return NULL;
}

/* --- the test -------------------------------------------------------- */

static void
test_chaos (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GString) context = g_string_new (NULL);
  g_autofree char *difference = NULL;
  gint64 started = g_get_monotonic_time ();
  gint64 first_run, second_run, at_delete;
  int resumed_status, final_status;
  g_autoptr(GString) stages = g_string_new (NULL);
  gint64 stage_start = started;
  g_autoptr(JsonNode) stats = NULL;
  g_autofree char *statuses = NULL;

#define STAGE_DONE() \
  G_STMT_START { \
    gint64 stage_now = g_get_monotonic_time (); \
    g_string_append_printf (stages, "%s%.0f", stages->len ? ", " : "", (stage_now - stage_start) / 1e6); \
    stage_start = stage_now; \
  } G_STMT_END

  g_test_message ("1. sync run, killed at 3,000 target records");
  first_run = run_and_kill (fixture, 3000);
  STAGE_DONE ();
  touch (fixture);

  g_test_message ("2. sync resume %" G_GINT64_FORMAT ", killed at 8,000", first_run);
  resume (fixture, first_run, 8000);
  STAGE_DONE ();
  touch (fixture);

  g_test_message ("3. state.db deleted; a new sync run, killed 4,000 target records later");
  delete_state_db (fixture);
  at_delete = target_count (fixture);
  second_run = run_and_kill (fixture, at_delete + 4000);
  STAGE_DONE ();
  touch (fixture);

  g_test_message ("4. sync resume %" G_GINT64_FORMAT " to its end", second_run);
  resumed_status = resume (fixture, second_run, 0);
  STAGE_DONE ();

  /* Edits made after the resumed run read its last page belong to the
   * next run: one more, with nothing edited while it runs. */
  g_test_message ("5. an incremental sync run, the source left alone");
  {
    const char * const args[] = { "sync", "run", fixture->mapping_path, "--concurrency", "8", NULL };
    g_autoptr(Child) child = spawn_cli (fixture, args);

    final_status = drive (fixture, child, 0, FALSE);
  }
  STAGE_DONE ();
#undef STAGE_DONE

  stats = sy_sandbox_client_inspect (fixture->cli.sandbox, fixture->session, "GET", "/__sandbox/stats");
  statuses = json_to_string (json_object_get_member (json_node_get_object (stats), "requests"), FALSE);

  g_string_printf (context, "%u touch requests editing %u orders, %u server stalls of %d ms, "
                   "3 kills, state.db deleted at %" G_GINT64_FORMAT " target orders; "
                   "the resumed run exited %d, the last run %d; answers by status %s; "
                   "%.0f s (stages: %s s)",
                   fixture->n_touches, fixture->n_touched, fixture->n_spikes, SPIKE_USEC / 1000, at_delete,
                   resumed_status, final_status, statuses, (g_get_monotonic_time () - started) / 1e6,
                   stages->str);
  g_test_message ("%s", context->str);

  difference = compare_source_and_target (fixture, context);
  if (difference != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (difference, "\n", -1);
      g_autofree char *one_line = NULL;

      /* TAP wants one line per message; the assertion gets them all. */
      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_test_message ("%s", lines[i]);
          g_strstrip (lines[i]);
        }
      one_line = g_strjoinv (" | ", lines);
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, one_line);
    }
  g_assert_cmpint (resumed_status, ==, 0);
  g_assert_cmpint (final_status, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/sync-chaos/kills-edits-faults-lost-state", Fixture, NULL, fixture_set_up, test_chaos,
              fixture_tear_down);

  return g_test_run ();
}
