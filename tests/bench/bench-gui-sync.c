/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sy-gui-test-util.h"
#include "sy-mapping-editor.h"
#include "sy-run-panel-private.h"
#include "sy-test-support.h"

/* Issue 4: "The window stays responsive during a 100,000-record run."
 * The Sync window syncs a sandbox of 100,000 orders (no latency, 1 % of
 * them refused by the target, so that the failed list grows) while a
 * high-priority 10 ms timeout and the window's frame clock record how
 * long the main loop went without coming round. Prints the figures next
 * to their goals; fails only on wrong results (a run that does not end,
 * counts that do not add up), never on timings.
 * SWITCHYARD_BENCH_QUICK=1 syncs 10,000 records instead. */

#define TICK_MS 10
#define STALL_MS 100
/* The longest gaps, with what the run was doing, for whoever hunts them. */
#define N_WORST 8
/* What the window does once a run ends (history, failed list) counts too. */
#define AFTER_RUN_S 3

typedef struct
{
  gint64  gap_us;
  gint64  cpu_us;      /* the main thread ran in that gap */
  gint64  queued_us;   /* it could have run, but the CPUs were taken */
  gint64  at_us;       /* since the start */
  guint64 read;
  guint64 n_failed_listed;
} Gap;

typedef struct
{
  SyRunPanel *window;
  gint64        started_us;
  gint64        last_tick_us;
  gint64        last_frame_us;
  gint64        last_cpu_us;
  gint64        last_queued_us;
  gint64        longest_busy_us;
  GArray       *tick_gaps;    /* gint64 µs */
  GArray       *frame_gaps;   /* gint64 µs */
  Gap           worst[N_WORST];
  glong         rss_quarter_kib;
  glong         rss_half_kib;
  guint         n_records;
  gboolean      switched_page;
} Probe;

static glong
current_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line ? strtol (line + strlen ("VmRSS:"), NULL, 10) : 0;
}

/* CPU time of the calling thread: a long gap with little of it is the
 * machine being busy elsewhere (2 cores, the sandbox and Xvfb on them),
 * not work of the main loop. */
static gint64
thread_cpu_us (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}

/* How long the calling thread waited for a CPU while runnable, from the
 * scheduler's own account. */
static gint64
thread_queued_us (void)
{
  g_autofree char *schedstat = NULL;
  char **fields;
  gint64 queued = 0;

  if (!g_file_get_contents ("/proc/thread-self/schedstat", &schedstat, NULL, NULL))
    return 0;
  fields = g_strsplit (schedstat, " ", 3);
  if (g_strv_length (fields) >= 2)
    queued = g_ascii_strtoll (fields[1], NULL, 10) / 1000;
  g_strfreev (fields);
  return queued;
}

static guint64
job_read (Probe *probe)
{
  SySyncJob *job = sy_run_panel_get_job (probe->window);

  return job ? sy_sync_progress_get_read (sy_sync_job_get_progress (job)) : 0;
}

static void
remember_worst (Probe  *probe,
                gint64  gap_us,
                gint64  cpu_us,
                gint64  queued_us,
                gint64  now_us)
{
  guint slot = N_WORST;

  for (guint i = 0; i < N_WORST; i++)
    if (probe->worst[i].gap_us < gap_us && (slot == N_WORST || probe->worst[i].gap_us < probe->worst[slot].gap_us))
      slot = i;
  if (slot == N_WORST)
    return;
  probe->worst[slot].gap_us = gap_us;
  probe->worst[slot].cpu_us = cpu_us;
  probe->worst[slot].queued_us = queued_us;
  probe->worst[slot].at_us = now_us - probe->started_us;
  probe->worst[slot].read = job_read (probe);
  probe->worst[slot].n_failed_listed = sy_sync_failure_list_get_n_items (SY_SYNC_FAILURE_LIST (sy_gui_test_get_child (probe->window, SY_TYPE_RUN_PANEL, "failure_list")));
}

static gboolean
tick_cb (gpointer user_data)
{
  Probe *probe = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 gap = now - probe->last_tick_us;
  gint64 cpu = thread_cpu_us ();
  gint64 queued = thread_queued_us ();
  guint64 read;

  g_array_append_val (probe->tick_gaps, gap);
  remember_worst (probe, gap, cpu - probe->last_cpu_us, queued - probe->last_queued_us, now);
  probe->longest_busy_us = MAX (probe->longest_busy_us, cpu - probe->last_cpu_us);
  probe->last_tick_us = now;
  probe->last_cpu_us = cpu;
  probe->last_queued_us = queued;

  /* Memory at a quarter and at half of the run: flat means the end is no
   * higher than these. */
  read = job_read (probe);
  if (probe->rss_quarter_kib == 0 && read >= probe->n_records / 4)
    probe->rss_quarter_kib = current_rss_kib ();
  if (probe->rss_half_kib == 0 && read >= probe->n_records / 2)
    probe->rss_half_kib = current_rss_kib ();

  /* Half the run on the progress page, half looking at the failed list
   * as it grows, as a user would. */
  if (!probe->switched_page && read >= probe->n_records / 2)
    {
      probe->switched_page = TRUE;
      adw_view_stack_set_visible_child_name (sy_gui_test_get_child (probe->window, SY_TYPE_RUN_PANEL, "view_stack"), "failures");
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
frame_cb (GtkWidget     *widget,
          GdkFrameClock *clock,
          gpointer       user_data)
{
  Probe *probe = user_data;
  gint64 now = g_get_monotonic_time ();

  if (probe->last_frame_us != 0)
    {
      gint64 gap = now - probe->last_frame_us;

      g_array_append_val (probe->frame_gaps, gap);
    }
  probe->last_frame_us = now;
  return G_SOURCE_CONTINUE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

typedef struct
{
  double longest_ms;
  double p99_ms;
  double median_ms;
  guint  n_over;
  guint  n;
} GapFigures;

static GapFigures
gap_figures (GArray *gaps)
{
  GapFigures figures = { 0 };

  figures.n = gaps->len;
  if (gaps->len == 0)
    return figures;
  g_array_sort (gaps, compare_gint64);
  figures.longest_ms = g_array_index (gaps, gint64, gaps->len - 1) / 1000.0;
  figures.p99_ms = g_array_index (gaps, gint64, MIN (gaps->len - 1, (guint) (gaps->len * 0.99))) / 1000.0;
  figures.median_ms = g_array_index (gaps, gint64, gaps->len / 2) / 1000.0;
  for (guint i = 0; i < gaps->len; i++)
    if (g_array_index (gaps, gint64, i) > STALL_MS * 1000)
      figures.n_over++;
  return figures;
}

static JsonObject *
inspect (SySandboxProcess *sandbox,
         const char       *path_and_query)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 120, NULL);
  g_autofree char *url = g_strconcat (sy_sandbox_process_get_url (sandbox), path_and_query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  /* After the run: nothing else waits on the main loop then. */
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static gboolean
window_ready (SyRunPanel *window)
{
  return g_strcmp0 (sy_gui_test_get_stack_page (window, SY_TYPE_RUN_PANEL, "content_stack"), "sync") == 0 &&
         sy_run_panel_get_mapping (window) != NULL &&
         !sy_run_panel_get_history_loading (window);
}

static void
print_gaps (const char       *what,
            const char       *longest,
            const GapFigures *figures)
{
  printf ("%s (%u gaps measured):\n", what, figures->n);
  printf ("  %s: %.0f ms (goal < %d ms)\n", longest, figures->longest_ms, STALL_MS);
  printf ("  99th percentile gap: %.1f ms (goal < 50 ms), median %.1f ms\n", figures->p99_ms, figures->median_ms);
  printf ("  gaps > %d ms: %u (goal 0)\n", STALL_MS, figures->n_over);
}

static void
bench_window_sync (void)
{
  gboolean quick = g_strcmp0 (g_getenv ("SWITCHYARD_BENCH_QUICK"), "1") == 0;
  guint n_records = quick ? 10000 : 100000;
  g_autofree char *records = g_strdup_printf ("%u", n_records);
  const char *args[] = { "--records", records, "--invalid-rate", "0.01", NULL };
  g_autoptr(SySandboxProcess) sandbox = sy_test_start_sandbox (args);
  g_autofree char *config_dir = sy_test_make_tmpdir ("switchyard-bench-config");
  g_autofree char *state_dir = sy_test_make_tmpdir ("switchyard-bench-state");
  g_autofree char *mapping_path = g_build_filename (config_dir, "mappings", "mintsoft-to-netsuite.json", NULL);
  g_autoptr(GFile) mapping_file = g_file_new_for_path (mapping_path);
  g_autoptr(JsonObject) stats = NULL;
  g_autoptr(JsonObject) duplicates = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) tick_gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) frame_gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  struct rusage usage = { 0 };
  g_autofree char *loadavg = NULL;
  SySyncOptions options;
  SyApplication *app;
  SyRunPanel *window;
  SySyncProgress *progress;
  Probe probe = { 0 };
  GapFigures ticks, frames;
  guint tick_source, frame_callback;
  gint64 finished_us;
  guint64 read, written, failed, skipped;
  gint64 invalid, target_count;
  double seconds;
  glong rss_before_kib, rss_end_kib;

  app = sy_gui_test_start_app (config_dir, state_dir, FALSE);
  sy_gui_test_add_sandbox_connection (app, sandbox, SY_DEMO_MINTSOFT_NAME, "wms", "wms");
  sy_gui_test_add_sandbox_connection (app, sandbox, SY_DEMO_NETSUITE_NAME, "erp", "erp");
  g_assert_true (sy_mapping_editor_install_demo_mapping_for (app, &error));
  g_assert_no_error (error);

  window = sy_gui_test_show_runs (app, mapping_file);
  gtk_window_set_default_size (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (window))), 900, 760);
  SY_GUI_WAIT_FOR (window_ready (window));
  sy_run_panel_get_options (window, &options);
  options.batch_size = 100;
  options.concurrency = 8;
  options.delay_ms = 0;
  options.max_rps = 0;
  options.full = TRUE;
  sy_run_panel_set_options (window, &options);
  adw_view_stack_set_visible_child_name (sy_gui_test_get_child (window, SY_TYPE_RUN_PANEL, "view_stack"), "run");
  sy_gui_test_wait_frames (GTK_WIDGET (window), 5);
  rss_before_kib = current_rss_kib ();

  probe.window = window;
  probe.tick_gaps = tick_gaps;
  probe.frame_gaps = frame_gaps;
  probe.n_records = n_records;
  probe.started_us = probe.last_tick_us = g_get_monotonic_time ();
  probe.last_cpu_us = thread_cpu_us ();
  probe.last_queued_us = thread_queued_us ();
  tick_source = g_timeout_add_full (G_PRIORITY_HIGH, TICK_MS, tick_cb, &probe, NULL);
  frame_callback = gtk_widget_add_tick_callback (GTK_WIDGET (window), frame_cb, &probe, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "runs.start", NULL));
  g_assert_true (sy_run_panel_get_busy (window));
  /* A full run shows its plan first; the measure is of the run. */
  {
    AdwMessageDialog *plan;

    SY_GUI_WAIT_FOR ((plan = sy_gui_test_find_message_dialog ()) != NULL);
    sy_gui_test_respond (plan, "write");
  }
  {
    /* Generous: a run that stops moving is a wrong result, not a slow one. */
    gint64 give_up = g_get_monotonic_time () + (gint64) (quick ? 600 : 3000) * G_USEC_PER_SEC;

    while (sy_run_panel_get_busy (window))
      {
        if (g_get_monotonic_time () > give_up)
          g_error ("The run did not finish: %s", gtk_label_get_text (sy_gui_test_get_child (window, SY_TYPE_RUN_PANEL, "status_label")));
        g_main_context_iteration (NULL, TRUE);
      }
  }
  finished_us = g_get_monotonic_time ();
  while (g_get_monotonic_time () < finished_us + AFTER_RUN_S * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick_source);
  gtk_widget_remove_tick_callback (GTK_WIDGET (window), frame_callback);
  rss_end_kib = current_rss_kib ();
  getrusage (RUSAGE_SELF, &usage);
  g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL);

  /* Right results: every record read once; each written or failed; the
   * failed ones exactly the sandbox's invalid orders, all in the list. */
  progress = sy_sync_job_get_progress (sy_run_panel_get_job (window));
  g_test_message ("Status: %s", gtk_label_get_text (sy_gui_test_get_child (window, SY_TYPE_RUN_PANEL, "status_label")));
  g_assert_cmpint (sy_sync_progress_get_state (progress), ==, SY_SYNC_JOB_STATE_FINISHED);
  read = sy_sync_progress_get_read (progress);
  written = sy_sync_progress_get_written (progress);
  failed = sy_sync_progress_get_failed (progress);
  skipped = sy_sync_progress_get_skipped (progress);
  stats = inspect (sandbox, "/__sandbox/stats");
  duplicates = inspect (sandbox, "/__sandbox/duplicates?entity=erp/sales-orders&field=code");
  invalid = json_object_get_int_member (stats, "invalid_source_records");
  target_count = json_object_get_int_member (json_object_get_object_member (json_object_get_object_member (stats, "entities"),
                                                                             "erp/sales-orders"),
                                             "count");
  g_assert_cmpuint (read, ==, n_records);
  g_assert_cmpuint (written + failed + skipped, ==, read);
  g_assert_cmpint (invalid, >, 0);
  g_assert_cmpuint (failed, ==, (guint64) invalid);
  g_assert_cmpint (target_count, ==, (gint64) written);
  g_assert_cmpint (json_object_get_int_member (duplicates, "duplicates"), ==, 0);
  SY_GUI_WAIT_FOR (!sy_run_panel_get_failures_loading (window));
  sy_sync_failure_list_flush (SY_SYNC_FAILURE_LIST (sy_gui_test_get_child (window, SY_TYPE_RUN_PANEL, "failure_list")));
  g_assert_cmpuint (sy_sync_failure_list_get_n_items (SY_SYNC_FAILURE_LIST (sy_gui_test_get_child (window, SY_TYPE_RUN_PANEL, "failure_list"))), ==, failed);

  seconds = (finished_us - probe.started_us) / (double) G_USEC_PER_SEC;
  ticks = gap_figures (tick_gaps);
  frames = gap_figures (frame_gaps);

  printf ("Sync window, %u records (sandbox without latency, --invalid-rate 0.01; batch 100, 8 in flight):\n",
          n_records);
  printf ("  records: %" G_GUINT64_FORMAT " read, %" G_GUINT64_FORMAT " written, %" G_GUINT64_FORMAT
          " failed (= the sandbox's %" G_GINT64_FORMAT " invalid), %" G_GUINT64_FORMAT " skipped"
          " (goal: all %u read, each written or failed once)\n",
          read, written, failed, invalid, skipped, n_records);
  printf ("  duration: %.1f s, %.0f records/s (goal: the window does not slow the run; compare with"
          " bench-sync memory, the CLI on the same data)\n", seconds, read / seconds);
  printf ("  load average when it ended: %s", loadavg);
  print_gaps ("main loop, a G_PRIORITY_HIGH timeout every 10 ms (the run and 3 s after it)",
              "longest main-loop stall", &ticks);
  printf ("  longest the main thread itself worked between two ticks: %.0f ms of CPU (goal < 50 ms)\n",
          probe.longest_busy_us / 1000.0);
  print_gaps ("frame clock of the window (Xvfb)", "longest gap between frames", &frames);
  printf ("  frames drawn: %u in %.1f s (%.0f per second; goal ≥ 30)\n", frames.n, seconds, frames.n / seconds);
  printf ("memory of the process (the app and the benchmark):\n");
  printf ("  RSS before the run %.1f MiB, at a quarter %.1f MiB, at half %.1f MiB, at the end %.1f MiB\n",
          rss_before_kib / 1024.0, probe.rss_quarter_kib / 1024.0, probe.rss_half_kib / 1024.0,
          rss_end_kib / 1024.0);
  printf ("  growth from a quarter to the end: %.1f MiB (goal flat: < 10 MiB)\n",
          (rss_end_kib - probe.rss_quarter_kib) / 1024.0);
  printf ("  peak RSS: %.1f MiB (goal < 256 MiB)\n", usage.ru_maxrss / 1024.0);
  /* What is neither running nor queued was spent blocked: waiting on the X
   * server's answers, or idle in poll() for up to a tick. */
  printf ("longest stalls (gap: the main thread running, waiting for a CPU, blocked or idle; when; records read;"
          " failed listed):\n");
  for (guint i = 0; i < N_WORST; i++)
    for (guint j = i + 1; j < N_WORST; j++)
      if (probe.worst[j].gap_us > probe.worst[i].gap_us)
        {
          Gap swap = probe.worst[i];

          probe.worst[i] = probe.worst[j];
          probe.worst[j] = swap;
        }
  for (guint i = 0; i < N_WORST && probe.worst[i].gap_us > 0; i++)
    printf ("  %.0f ms: %.0f ms running, %.0f ms waiting for a CPU, %.0f ms blocked or idle; at %.1f s, %"
            G_GUINT64_FORMAT " read, %" G_GUINT64_FORMAT " listed\n",
            probe.worst[i].gap_us / 1000.0, probe.worst[i].cpu_us / 1000.0, probe.worst[i].queued_us / 1000.0,
            MAX (0, probe.worst[i].gap_us - probe.worst[i].cpu_us - probe.worst[i].queued_us) / 1000.0,
            probe.worst[i].at_us / (double) G_USEC_PER_SEC,
            probe.worst[i].read, probe.worst[i].n_failed_listed);
  fflush (stdout);

  sy_gui_test_stop_app (app);
  sy_test_remove_tree (config_dir);
  sy_test_remove_tree (state_dir);
}

/* The test framework prints debug messages; the app does not, and a line
 * per request would be most of what the main loop does. */
static GLogWriterOutput
drop_debug_writer (GLogLevelFlags   log_level,
                   const GLogField *fields,
                   gsize            n_fields,
                   gpointer         user_data)
{
  if (log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

int
main (int   argc,
      char *argv[])
{
  g_log_set_writer_func (drop_debug_writer, NULL, NULL);
  sy_gui_test_init (&argc, &argv);
  bench_window_sync ();
  return 0;
}
