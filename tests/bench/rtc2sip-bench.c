/* rtc2sip-bench: N concurrent calls through the gateway for T seconds.
 *
 *   tests/bench/rtc2sip-bench [--calls N] [--duration S] [--rate R]
 *       [--keying sdes|dtls-srtp|rtp] [--ptime MS] [--codec pcmu|pcma]
 *       [--json] [--gateway PATH] [--target gateway|rtpengine] [--rtpengine PATH]
 *       [--setup-timeout S] [--hold S] [--ramp [--plot FILE.svg]] [--compare] [--keep] [--verbose]
 *
 * It starts the gateway itself on loopback with a configuration it writes
 * (a trunk "bench" pointing at its own SIP phone, numbers starting with 9
 * routed there, the trunk's key-exchange set to --keying), sets up calls at
 * R per second (a simulated browser per call: WebSocket, full ICE,
 * DTLS-SRTP; a simulated SIP phone answering), and once every call is up
 * (or failed) measures S seconds of G.711 both ways: 50 packets/s per
 * direction per call at 20 ms, each payload stamped with its send time and
 * a sequence number. Then it hangs up, stops the gateway and reports (see
 * docs/performance.md, "Load generator: rtc2sip-bench"). Exit status 0 when
 * every call was set up and media arrived both ways on every call. */
#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certs/identity.h"
#include "gateway/media/dtls_srtp.h"
#include "tests/bench/bench.h"
#include "tests/bench/bench_report.h"

#define TICK_MS 1

typedef enum { PHASE_SETUP, PHASE_STEADY, PHASE_DRAIN, PHASE_TEARDOWN } bench_phase;

typedef struct {
  bench b;
  bench_phase phase;
  gint64 t_begin, t_phase;
  gint64 last_slow_tick;
  bench_report report;
} bench_run;

static bench_run run;

/* ---- calls ----------------------------------------------------------------- */

void
bench_call_fail(bench_call *call, const char *fmt, ...)
{
  if (call->failed || call->ended)
    return;
  va_list ap;
  va_start(ap, fmt);
  call->failure = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  call->failed = TRUE;
  call->ended = TRUE;
  call->browser_media = FALSE;
  call->b->failed++;
  if (call->b->opt.verbose)
    g_printerr("%s failed: %s\n", call->id, call->failure);
}

void
bench_call_check_ready(bench_call *call)
{
  if (call->t_ready || !call->first_at_browser || !call->first_at_phone)
    return;
  call->t_ready = g_get_monotonic_time();
  call->b->ready++;
}

void
bench_dtls_done(bench_call *call)
{
  bench *b = call->b;
  b->dtls_done++;
  b->last_dtls_done = g_get_monotonic_time();
}

static void
start_call(bench *b, guint i)
{
  bench_call *call = &b->calls[i];
  call->b = b;
  call->index = i;
  g_snprintf(call->id, sizeof call->id, "c%u", i);
  g_snprintf(call->user, sizeof call->user, "9%06u", i);
  call->t_start = g_get_monotonic_time();
  call->next_send_us = call->t_start + (gint64)(i % b->opt.ptime_ms) * 1000;
  b->started++;
  bench_browser_start(call);
}

/* ---- the tick: media for every call, timers, phases -------------------------- */

static void
send_media(bench *b, gint64 now)
{
  static guint8 buf[1500];
  gint64 ptime_us = (gint64)b->opt.ptime_ms * 1000;
  for (guint i = 0; i < b->started; i++) {
    bench_call *call = &b->calls[i];
    if (call->ended || now < call->next_send_us)
      continue;
    call->next_send_us += ptime_us;
    /* Fell behind: skip the missed packets (no burst to catch up) but keep
     * the call's place in the packet time, so calls stay spread out. */
    if (call->next_send_us <= now)
      call->next_send_us += ((now - call->next_send_us) / ptime_us + 1) * ptime_us;
    bench_browser_send(call, buf, sizeof buf);
    bench_phone_send(call, buf, sizeof buf);
  }
}

/* --hold: calls whose media has flowed for hold_s hang up (the gateway
 * sends the phone its BYE); a second later their sockets close. */
static void
churn(bench *b, gint64 now)
{
  guint open = 0;
  for (guint i = 0; i < b->started; i++) {
    bench_call *call = &b->calls[i];
    if (!call->ended && call->t_ready && now - call->t_ready >= (gint64)b->opt.hold_s * 1000000) {
      call->ended = TRUE;
      call->t_hangup = now;
      b->hung_up++;
      bench_browser_hangup(call);
    } else if (call->t_hangup && !call->released && now - call->t_hangup >= 1000000) {
      call->released = TRUE;
      bench_browser_free(call);
    }
    if (!call->ended)
      open++;
  }
  b->max_open = MAX(b->max_open, open);
}

static void
enter(bench_phase phase, gint64 now)
{
  run.phase = phase;
  run.t_phase = now;
}

static gboolean
on_tick(gpointer user_data)
{
  bench *b = user_data;
  gint64 now = g_get_monotonic_time();
  if (run.phase == PHASE_SETUP) {
    guint due = (guint)((double)(now - run.t_begin) / 1e6 * b->opt.rate) + 1;
    while (b->started < MIN(due, b->opt.calls))
      start_call(b, b->started);
  }
  send_media(b, now);
  if (now - run.last_slow_tick >= 10000) {
    run.last_slow_tick = now;
    if (b->opt.hold_s)
      churn(b, now);
    for (guint i = 0; i < b->started; i++)
      bench_browser_tick(&b->calls[i], now);
    bench_phone_tick(b->phone, now);
  }
  switch (run.phase) {
  case PHASE_SETUP: {
    gboolean all_started = b->started == b->opt.calls;
    gboolean settled = all_started && b->ready + b->failed >= b->opt.calls;
    gboolean late = all_started && now - run.t_phase > ((gint64)b->opt.setup_timeout_s * 1000000 +
                                                       (gint64)(b->opt.calls / b->opt.rate * 1e6));
    if (late)
      for (guint i = 0; i < b->opt.calls; i++)
        if (!b->calls[i].t_ready)
          bench_call_fail(&b->calls[i],
                          "not set up within %u s (answer %s, browser keyed %s, phone keyed %s, "
                          "media at the browser %s, at the phone %s)",
                          b->opt.setup_timeout_s, b->calls[i].t_answer ? "yes" : "no",
                          b->calls[i].browser_media ? "yes" : "no",
                          b->calls[i].phone_media ? "yes" : "no",
                          b->calls[i].first_at_browser ? "yes" : "no",
                          b->calls[i].first_at_phone ? "yes" : "no");
    if (settled || late) {
      run.report.setup_s = (double)(now - run.t_begin) / 1e6;
      /* Let the last calls' first packets clear before measuring. */
      b->steady = TRUE;
      bench_report_sample(&run.report, b, TRUE);
      enter(PHASE_STEADY, now);
    }
    break;
  }
  case PHASE_STEADY:
    if (now - run.t_phase >= (gint64)b->opt.duration_s * 1000000) {
      b->steady = FALSE;
      bench_report_sample(&run.report, b, FALSE);
      enter(PHASE_DRAIN, now);
    }
    break;
  case PHASE_DRAIN:
    if (now - run.t_phase >= 500000) {
      for (guint i = 0; i < b->started; i++) {
        bench_call *call = &b->calls[i];
        if (!call->ended) {
          call->ended = TRUE;
          bench_browser_hangup(call);
        }
      }
      enter(PHASE_TEARDOWN, now);
    }
    break;
  case PHASE_TEARDOWN:
    if (now - run.t_phase >= 1000000) {
      g_main_loop_quit(b->loop);
      return G_SOURCE_REMOVE;
    }
    break;
  }
  return G_SOURCE_CONTINUE;
}

/* ---- the gateway process ------------------------------------------------------- */

static guint16
free_port(void)
{
  for (int attempt = 0; attempt < 100; attempt++) {
    g_autoptr(GSocket) tcp =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    if (!tcp || !g_socket_bind(tcp, any, FALSE, NULL))
      continue;
    g_autoptr(GSocketAddress) local = g_socket_get_local_address(tcp, NULL);
    guint16 port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
    g_autoptr(GSocket) udp =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
    g_autoptr(GSocketAddress) same = g_inet_socket_address_new(lo, port);
    if (udp && g_socket_bind(udp, same, FALSE, NULL))
      return port;
  }
  g_error("no free port");
}

static gboolean
start_gateway(bench *b, GError **error)
{
  static const char *const keying[] = { "sdes", "dtls-srtp", "rtp" };
  b->http_port = free_port();
  b->admin_port = free_port();
  b->sip_port = free_port();
  g_autofree char *conf = g_build_filename(b->workdir, "rtc2sip.ini", NULL);
  g_autofree char *state = g_build_filename(b->workdir, "state", NULL);
  g_autofree char *text = g_strdup_printf(
      "# written by rtc2sip-bench\n"
      "[general]\nstate-dir = %s\n"
      "[http]\nlisten = 127.0.0.1:%u\n"
      "[admin]\nlisten = 127.0.0.1:%u\n"
      "[sip]\nlisten = udp:127.0.0.1:%u\n"
      "[trunk:bench]\naddress = 127.0.0.1:%u\nkey-exchange = %s\n"
      "sdes-suites = AES_CM_128_HMAC_SHA1_80\n"
      "[route]\nrules = 9=bench\n",
      state, b->http_port, b->admin_port, b->sip_port, bench_phone_port(b->phone),
      keying[b->opt.keying]);
  if (!g_file_set_contents(conf, text, -1, error))
    return FALSE;
  g_autofree char *log = g_build_filename(b->workdir, "gateway.log", NULL);
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", log, g_strerror(errno));
    return FALSE;
  }
  const char *argv[] = { b->opt.gateway, "--config", conf, NULL };
  gboolean ok = g_spawn_async_with_fds(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL,
                                       NULL, &b->gateway_pid, -1, fd, fd, error);
  close(fd);
  if (!ok)
    return FALSE;
  /* Wait for "serving http://…". */
  for (int i = 0; i < 600; i++) {
    g_autofree char *out = NULL;
    if (g_file_get_contents(log, &out, NULL, NULL) && strstr(out, "serving http://"))
      return TRUE;
    if (waitpid(b->gateway_pid, NULL, WNOHANG) == b->gateway_pid) {
      b->gateway_pid = 0;
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the gateway exited at start:\n%s",
                  out ? out : "");
      return FALSE;
    }
    g_usleep(50000);
  }
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the gateway did not start in 30 s");
  return FALSE;
}

/* SIGTERM, then SIGKILL after 10 s. Returns the exit status, or -1. */
static int
stop_gateway(bench *b)
{
  if (b->gateway_pid <= 0)
    return -1;
  kill(b->gateway_pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 200; i++) {
    if (waitpid(b->gateway_pid, &status, WNOHANG) == b->gateway_pid) {
      b->gateway_pid = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    g_usleep(50000);
  }
  kill(b->gateway_pid, SIGKILL);
  waitpid(b->gateway_pid, &status, 0);
  b->gateway_pid = 0;
  return -1;
}

/* ---- main ---------------------------------------------------------------- */

/* Removes the work folder (config, logs, the gateway's state), or says where
 * it is with --keep. */
static void
done_with_workdir(const char *dir, gboolean keep)
{
  if (!dir)
    return;
  if (keep) {
    g_printerr("rtc2sip-bench: work folder %s\n", dir);
    return;
  }
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
  if (system(cmd) != 0)
    g_printerr("rtc2sip-bench: could not remove %s\n", dir);
}

static char *
default_gateway(const char *argv0)
{
  g_autofree char *dir = g_path_get_dirname(argv0);
  char *path = g_build_filename(dir, "..", "..", "gateway", "rtc2sip", NULL);
  if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
    return path;
  g_free(path);
  return g_strdup("rtc2sip");
}

int
main(int argc, char **argv)
{
  bench *b = &run.b;
  bench_options *o = &b->opt;
  gint calls = 10, duration = 10, ptime = 20, setup_timeout = 30, hold = 0;
  double rate = 50;
  g_autofree char *keying = NULL, *codec = NULL, *gateway = NULL, *target = NULL, *rtpengine = NULL;
  g_autofree char *plot = NULL;
  gboolean json = FALSE, verbose = FALSE, keep = FALSE, ramp = FALSE, compare = FALSE;
  g_auto(GStrv) original = g_strdupv(argv);
  GOptionEntry entries[] = {
    { "calls", 'n', 0, G_OPTION_ARG_INT, &calls, "Concurrent calls (10)", "N" },
    { "duration", 'd', 0, G_OPTION_ARG_INT, &duration, "Seconds of measured media (10)", "S" },
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate, "Calls set up per second (50)", "R" },
    { "keying", 'k', 0, G_OPTION_ARG_STRING, &keying,
      "What the SIP phone uses: sdes (default), dtls-srtp or rtp", "KIND" },
    { "ptime", 0, 0, G_OPTION_ARG_INT, &ptime, "Packet time in ms (20)", "MS" },
    { "codec", 0, 0, G_OPTION_ARG_STRING, &codec, "pcmu (default) or pcma", "NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Also print the results as one JSON object", NULL },
    { "gateway", 0, 0, G_OPTION_ARG_FILENAME, &gateway,
      "The gateway binary to start (default: the built gateway/rtc2sip)", "PATH" },
    { "target", 0, 0, G_OPTION_ARG_STRING, &target,
      "The relay under test: gateway (default) or rtpengine (signalled over its ng protocol)",
      "NAME" },
    { "rtpengine", 0, 0, G_OPTION_ARG_FILENAME, &rtpengine,
      "The rtpengine binary for --target rtpengine (default: rtpengine)", "PATH" },
    { "setup-timeout", 0, 0, G_OPTION_ARG_INT, &setup_timeout,
      "Seconds after the last call started before unfinished set-ups count as failed (30)", "S" },
    { "ramp", 0, 0, G_OPTION_ARG_NONE, &ramp,
      "Run again with twice the calls (from --calls) until loss > 0.1% or p99 > 1 ms, then "
      "narrow down; report the largest count that held",
      NULL },
    { "hold", 0, 0, G_OPTION_ARG_INT, &hold,
      "Sustained set-up: each call hangs up S seconds after its media flows while new ones keep "
      "starting at --rate (0: calls last to the end)", "S" },
    { "plot", 0, 0, G_OPTION_ARG_FILENAME, &plot,
      "With --ramp: draw CPU per packet and p99 latency against the call count into FILE.svg", "FILE.svg" },
    { "compare", 0, 0, G_OPTION_ARG_NONE, &compare,
      "Run once against the gateway and once against rtpengine (the only relay to compare with; "
      "\"--compare rtpengine\" says the same), and print them side by side with the CPU ratio",
      NULL },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Keep the work folder (config, gateway log)", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Print failures and signalling", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- load generator for rtc2sip");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    g_printerr("rtc2sip-bench: %s\n", error->message);
    return 2;
  }
  /* The one relay --compare knows may be named after it. */
  for (int i = 1; i < argc; i++) {
    if (!(compare && strcmp(argv[i], "rtpengine") == 0)) {
      g_printerr("rtc2sip-bench: unexpected argument %s (see --help)\n", argv[i]);
      return 2;
    }
  }
  if (calls < 1 || calls > 100000 || duration < 1 || rate <= 0 || ptime < 10 || ptime > 60 ||
      ptime % 10 || setup_timeout < 1) {
    g_printerr("rtc2sip-bench: --calls 1..100000, --duration >= 1, --rate > 0, "
               "--ptime 10..60 in steps of 10, --setup-timeout >= 1\n");
    return 2;
  }
  o->calls = (guint)calls;
  o->duration_s = (guint)duration;
  o->rate = rate;
  o->ptime_ms = (guint)ptime;
  o->setup_timeout_s = (guint)setup_timeout;
  o->json = json;
  o->verbose = verbose;
  if (!keying || strcmp(keying, "sdes") == 0)
    o->keying = BENCH_KEYING_SDES;
  else if (strcmp(keying, "dtls-srtp") == 0)
    o->keying = BENCH_KEYING_DTLS;
  else if (strcmp(keying, "rtp") == 0)
    o->keying = BENCH_KEYING_RTP;
  else {
    g_printerr("rtc2sip-bench: --keying is sdes, dtls-srtp or rtp\n");
    return 2;
  }
  if (!codec || strcmp(codec, "pcmu") == 0)
    o->payload_type = 0;
  else if (strcmp(codec, "pcma") == 0)
    o->payload_type = 8;
  else {
    g_printerr("rtc2sip-bench: --codec is pcmu or pcma\n");
    return 2;
  }
  if (!target || strcmp(target, "gateway") == 0)
    o->target = BENCH_TARGET_GATEWAY;
  else if (strcmp(target, "rtpengine") == 0)
    o->target = BENCH_TARGET_RTPENGINE;
  else {
    g_printerr("rtc2sip-bench: --target is gateway or rtpengine\n");
    return 2;
  }
  o->rtpengine = g_strdup(rtpengine ? rtpengine : "rtpengine");
  o->gateway = gateway ? g_strdup(gateway) : default_gateway(argv[0]);
  if (plot && !ramp) {
    g_printerr("rtc2sip-bench: --plot needs --ramp\n");
    return 2;
  }
  o->plot = plot;
  if (hold < 0) {
    g_printerr("rtc2sip-bench: --hold >= 0\n");
    return 2;
  }
  o->hold_s = (guint)hold;
  if (ramp || compare) {
    /* The runs: this program again, without --ramp, --compare and --json. */
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_ptr_array_add(args, (gpointer) "/proc/self/exe");
    for (char **a = original + 1; *a; a++)
      if (!strcmp(*a, "--plot") && a[1])
        a++; /* and its FILE */
      else if (!strcmp(*a, "--compare") && a[1] && !strcmp(a[1], "rtpengine"))
        a++; /* and the relay it names */
      else if (strcmp(*a, "--ramp") != 0 && strcmp(*a, "--compare") != 0 && strcmp(*a, "--json") != 0 &&
               !g_str_has_prefix(*a, "--plot="))
        g_ptr_array_add(args, *a);
    g_ptr_array_add(args, (gpointer) "--gateway");
    g_ptr_array_add(args, o->gateway);
    g_ptr_array_add(args, (gpointer) "--rtpengine");
    g_ptr_array_add(args, o->rtpengine);
    g_ptr_array_add(args, NULL);
    int rc = ramp ? bench_ramp((char **)args->pdata, o) : bench_compare((char **)args->pdata, o);
    g_free(o->gateway);
    g_free(o->rtpengine);
    return rc;
  }

  signal(SIGPIPE, SIG_IGN);
  dtls_srtp_global_init();
  if (media_srtp_global_init() < 0) {
    g_printerr("rtc2sip-bench: libsrtp2 did not initialize\n");
    return 1;
  }
  b->identity = identity_generate(g_get_real_time() / 1000000 - 3600, 24 * 3600, &error);
  if (!b->identity) {
    g_printerr("rtc2sip-bench: identity: %s\n", error->message);
    return 1;
  }
  b->poll = media_poll_ref_for_context(g_main_context_default());
  b->workdir = g_dir_make_tmp("rtc2sip-bench-XXXXXX", &error);
  b->phone = b->workdir ? bench_phone_new(b, &error) : NULL;
  gboolean started = b->phone && (o->target == BENCH_TARGET_RTPENGINE
                                     ? bench_rtpengine_start(b, free_port(), &error)
                                     : start_gateway(b, &error));
  if (!started) {
    g_printerr("rtc2sip-bench: %s\n", error->message);
    stop_gateway(b);
    done_with_workdir(b->workdir, keep);
    return 1;
  }
  b->calls = g_new0(bench_call, o->calls);
  b->loop = g_main_loop_new(NULL, FALSE);
  g_usleep(200000);
  bench_report_baseline(&run.report, b);

  run.t_begin = g_get_monotonic_time();
  enter(PHASE_SETUP, run.t_begin);
  g_timeout_add(TICK_MS, on_tick, b);
  g_main_loop_run(b->loop);

  int gw_status = stop_gateway(b);
  run.report.gateway_exit = gw_status;
  for (guint i = 0; i < b->started; i++)
    bench_browser_free(&b->calls[i]);
  bench_phone_free(b->phone);
  b->phone = NULL;
  bench_rtpengine_free(b);
  media_poll_unref(b->poll);
  int rc = bench_report_print(&run.report, b);
  done_with_workdir(b->workdir, keep);
  for (guint i = 0; i < o->calls; i++)
    g_free(b->calls[i].failure);
  g_free(b->calls);
  identity_unref(b->identity);
  g_main_loop_unref(b->loop);
  g_free(b->workdir);
  g_free(o->gateway);
  g_free(o->rtpengine);
  return rc;
}
