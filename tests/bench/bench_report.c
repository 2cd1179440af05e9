/* rtc2sip-bench: /proc samples of the gateway and the report. */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tests/bench/bench_report.h"

/* utime + stime of PID in seconds, or -1. */
static double
proc_cpu_s(GPid pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return -1;
  const char *p = strrchr(text, ')');
  if (!p)
    return -1;
  g_auto(GStrv) f = g_strsplit(p + 2, " ", 14);
  if (g_strv_length(f) < 13)
    return -1;
  /* After "pid (comm) ": state is field 3, utime 14, stime 15. */
  double ticks = g_ascii_strtod(f[11], NULL) + g_ascii_strtod(f[12], NULL);
  return ticks / (double)sysconf(_SC_CLK_TCK);
}

/* A "Name:   value kB" line of /proc/PID/status, or -1. */
static gint64
proc_status(GPid pid, const char *name)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return -1;
  gsize n = strlen(name);
  for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
    if (strncmp(line, name, n) == 0 && line[n] == ':')
      return g_ascii_strtoll(line + n + 1, NULL, 10);
  return -1;
}

/* Entries of /proc/PID/fd. */
static guint
proc_fds(GPid pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/fd", (int)pid);
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  guint n = 0;
  while (dir && g_dir_read_name(dir))
    n++;
  return n;
}

static double
self_cpu_s(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

void
bench_report_baseline(bench_report *r, bench *b)
{
  r->rss_before_kib = proc_status(b->gateway_pid, "VmRSS");
  r->threads_before = (guint)proc_status(b->gateway_pid, "Threads");
  r->fds_before = proc_fds(b->gateway_pid);
}

static guint64
received_total(const bench *b)
{
  return b->dir[BENCH_DIR_TO_PHONE].received + b->dir[BENCH_DIR_TO_BROWSER].received;
}

void
bench_report_sample(bench_report *r, bench *b, gboolean start)
{
  if (start) {
    r->t0_us = g_get_monotonic_time();
    r->cpu0_s = proc_cpu_s(b->gateway_pid);
    r->self0_s = self_cpu_s();
    r->received0 = received_total(b);
    r->active_calls = b->ready;
  } else {
    r->t1_us = g_get_monotonic_time();
    r->cpu1_s = proc_cpu_s(b->gateway_pid);
    r->self1_s = self_cpu_s();
    g_autofree char *load = NULL;
    if (g_file_get_contents("/proc/loadavg", &load, NULL, NULL)) {
      g_strlcpy(r->loadavg, load, sizeof r->loadavg);
      char *sp = r->loadavg;
      for (int i = 0; i < 3 && sp; i++)
        sp = strchr(sp + 1, ' ');
      if (sp)
        *sp = '\0';
    }
    r->received1 = received_total(b);
    r->rss_steady_kib = proc_status(b->gateway_pid, "VmRSS");
    r->threads_steady = (guint)proc_status(b->gateway_pid, "Threads");
    r->fds_steady = proc_fds(b->gateway_pid);
  }
}

static int
cmp_double(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double
quantile(const GArray *sorted, double q)
{
  if (sorted->len == 0)
    return -1;
  guint i = (guint)(q * sorted->len);
  if (i >= sorted->len)
    i = sorted->len - 1;
  return g_array_index(sorted, double, i);
}

static const char *const keying_names[] = { "sdes", "dtls-srtp", "rtp" };
static const char *const dir_names[] = { "browser -> phone", "phone -> browser" };
static const char *const dir_keys[] = { "browser_to_phone", "phone_to_browser" };

static void
json_num(JsonBuilder *jb, const char *name, double v)
{
  json_builder_set_member_name(jb, name);
  json_builder_add_double_value(jb, v);
}

static void
json_int(JsonBuilder *jb, const char *name, gint64 v)
{
  json_builder_set_member_name(jb, name);
  json_builder_add_int_value(jb, v);
}

int
bench_report_print(bench_report *r, bench *b)
{
  const bench_options *o = &b->opt;
  g_autoptr(GArray) setup = g_array_new(FALSE, FALSE, sizeof(double));
  guint both_ways = 0, shown = 0;
  for (guint i = 0; i < o->calls; i++) {
    const bench_call *c = &b->calls[i];
    if (c->t_ready && c->t_offer) {
      double ms = (double)(c->t_ready - c->t_offer) / 1000.0;
      g_array_append_val(setup, ms);
    }
    if (c->received[BENCH_DIR_TO_PHONE] > 0 && c->received[BENCH_DIR_TO_BROWSER] > 0)
      both_ways++;
    if (c->failure && shown < 5) {
      g_print("failed: %s: %s\n", c->id, c->failure);
      shown++;
    }
  }
  g_array_sort(setup, cmp_double);
  double dtls_span = (double)(b->last_dtls_done - b->first_dtls_start) / 1e6;
  double dtls_rate = b->dtls_done > 0 && dtls_span > 0 ? b->dtls_done / dtls_span : 0;
  double wall = (double)(r->t1_us - r->t0_us) / 1e6;
  double cpu = r->cpu1_s - r->cpu0_s;
  guint64 relayed = r->received1 - r->received0;
  double us_per_pkt = relayed ? cpu * 1e6 / (double)relayed : 0;
  gint64 rss_delta = r->rss_steady_kib - r->rss_before_kib;
  double kib_per_call = r->active_calls ? (double)rss_delta / r->active_calls : 0;

  const char *target = o->target == BENCH_TARGET_RTPENGINE ? "rtpengine" : "gateway";
  g_autofree char *l_cpu = g_strdup_printf("%s CPU", target);
  g_autofree char *l_mem = g_strdup_printf("%s memory", target);
  g_autofree char *l_exit = g_strdup_printf("%s exit", target);
  g_print("rtc2sip-bench: %s, %u calls, %s toward SIP, %s %u ms, %.0f calls/s, %u s measured\n",
          target, o->calls, keying_names[o->keying], o->payload_type == 8 ? "PCMA" : "PCMU", o->ptime_ms,
          o->rate, o->duration_s);
  g_print("calls            set up %u, failed %u, media both ways on %u (set-up phase %.1f s)\n",
          b->ready, o->calls - b->ready, both_ways, r->setup_s);
  if (o->hold_s)
    g_print("churn            each call hung up %u s after its media flowed: %u hung up during the run, "
            "at most %u open at once\n",
            o->hold_s, b->hung_up, b->max_open);
  g_print("set-up time      p50 %.1f ms, p99 %.1f ms, max %.1f ms (call sent to media in both "
          "directions)\n",
          quantile(setup, 0.5), quantile(setup, 0.99), quantile(setup, 1.0));
  g_print("DTLS             %u handshakes in %.2f s: %.1f per second\n", b->dtls_done, dtls_span,
          dtls_rate);
  g_print("%-17s %10s %10s %8s %7s %9s %9s %9s\n", "measured phase", "sent", "relayed", "lost",
          "loss %", "p50 us", "p99 us", "max us");
  for (int d = 0; d < BENCH_DIRS; d++) {
    const bench_dir *x = &b->dir[d];
    gint64 lost = (gint64)x->sent_steady - (gint64)x->received_steady;
    g_print("%-17s %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %8" G_GINT64_FORMAT
            " %7.3f %9.0f %9.0f %9" G_GINT64_FORMAT "\n",
            dir_names[d], x->sent_steady, x->received_steady, lost,
            x->sent_steady ? 100.0 * (double)lost / (double)x->sent_steady : 0.0,
            bench_hist_quantile(&x->latency, 0.5), bench_hist_quantile(&x->latency, 0.99),
            x->latency.max_us);
  }
  g_print("whole run        sent %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT
          ", received %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT ", bad %" G_GUINT64_FORMAT
          " / %" G_GUINT64_FORMAT "\n",
          b->dir[0].sent, b->dir[1].sent, b->dir[0].received, b->dir[1].received, b->dir[0].bad,
          b->dir[1].bad);
  g_print("%-16s %.2f us per relayed packet (%.2f s CPU in %.1f s, %.0f%% of one core, "
          "%" G_GUINT64_FORMAT " packets)\n",
          l_cpu, us_per_pkt, cpu, wall, wall > 0 ? 100 * cpu / wall : 0, relayed);
  g_print("%-16s RSS %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT
          " KiB: %.1f KiB per call; threads %u -> %u; open files %u -> %u\n",
          l_mem, r->rss_before_kib, r->rss_steady_kib, kib_per_call, r->threads_before,
          r->threads_steady, r->fds_before, r->fds_steady);
  double self = r->self1_s - r->self0_s;
  g_print("bench CPU        %.2f s in %.1f s (%.0f%% of one core); load average %s\n", self, wall,
          wall > 0 ? 100 * self / wall : 0, r->loadavg);
  if (r->gateway_exit != 0)
    g_print("%-16s status %d after SIGTERM\n", l_exit, r->gateway_exit);

  if (o->json) {
    g_autoptr(JsonBuilder) jb = json_builder_new();
    json_builder_begin_object(jb);
    json_builder_set_member_name(jb, "target");
    json_builder_add_string_value(jb, target);
    json_int(jb, "calls", o->calls);
    json_builder_set_member_name(jb, "keying");
    json_builder_add_string_value(jb, keying_names[o->keying]);
    json_builder_set_member_name(jb, "codec");
    json_builder_add_string_value(jb, o->payload_type == 8 ? "pcma" : "pcmu");
    json_int(jb, "ptime_ms", o->ptime_ms);
    json_num(jb, "rate", o->rate);
    json_int(jb, "duration_s", o->duration_s);
    json_int(jb, "calls_set_up", b->ready);
    json_int(jb, "calls_failed", o->calls - b->ready);
    json_int(jb, "hold_s", o->hold_s);
    json_int(jb, "calls_hung_up", b->hung_up);
    json_int(jb, "max_open_calls", b->max_open);
    json_int(jb, "calls_media_both_ways", both_ways);
    json_num(jb, "setup_phase_s", r->setup_s);
    json_num(jb, "setup_ms_p50", quantile(setup, 0.5));
    json_num(jb, "setup_ms_p99", quantile(setup, 0.99));
    json_num(jb, "setup_ms_max", quantile(setup, 1.0));
    json_int(jb, "dtls_handshakes", b->dtls_done);
    json_num(jb, "dtls_handshakes_per_s", dtls_rate);
    for (int d = 0; d < BENCH_DIRS; d++) {
      const bench_dir *x = &b->dir[d];
      json_builder_set_member_name(jb, dir_keys[d]);
      json_builder_begin_object(jb);
      json_int(jb, "sent", (gint64)x->sent_steady);
      json_int(jb, "relayed", (gint64)x->received_steady);
      json_int(jb, "lost", (gint64)x->sent_steady - (gint64)x->received_steady);
      json_num(jb, "latency_us_p50", bench_hist_quantile(&x->latency, 0.5));
      json_num(jb, "latency_us_p99", bench_hist_quantile(&x->latency, 0.99));
      json_int(jb, "latency_us_max", x->latency.max_us);
      json_int(jb, "sent_total", (gint64)x->sent);
      json_int(jb, "received_total", (gint64)x->received);
      json_int(jb, "bad", (gint64)x->bad);
      json_builder_end_object(jb);
    }
    json_num(jb, "gateway_cpu_us_per_relayed_packet", us_per_pkt);
    json_num(jb, "gateway_cpu_s", cpu);
    json_num(jb, "measured_s", wall);
    json_int(jb, "gateway_rss_before_kib", r->rss_before_kib);
    json_int(jb, "gateway_rss_kib", r->rss_steady_kib);
    json_num(jb, "gateway_rss_kib_per_call", kib_per_call);
    json_int(jb, "gateway_threads_before", r->threads_before);
    json_int(jb, "gateway_threads", r->threads_steady);
    json_int(jb, "gateway_fds_before", r->fds_before);
    json_int(jb, "gateway_fds", r->fds_steady);
    json_int(jb, "gateway_exit", r->gateway_exit);
    json_num(jb, "bench_cpu_s", self);
    json_builder_set_member_name(jb, "load_average");
    json_builder_add_string_value(jb, r->loadavg);
    json_builder_end_object(jb);
    g_autoptr(JsonNode) root = json_builder_get_root(jb);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, root);
    g_autofree char *text = json_generator_to_data(gen, NULL);
    g_print("%s\n", text);
  }
  return b->ready == o->calls && both_ways == o->calls ? 0 : 1;
}
