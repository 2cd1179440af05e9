/* rtc2sip-bench --ramp: runs the bench again and again (each run a fresh
 * gateway) with more calls until a run does not hold: a call failed, loss
 * above 0.1% in either direction, or p99 added latency above 1 ms. The
 * count doubles from --calls until a run fails, then the interval between
 * the last run that held and the first that did not is halved three times.
 * Prints one line per run and the largest count that held. */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "tests/bench/bench.h"

#define RAMP_MAX_LOSS 0.001
#define RAMP_MAX_P99_US 1000.0

typedef struct {
  guint calls;
  gboolean ran, held;
  double loss[BENCH_DIRS], p99[BENCH_DIRS];
  guint failed;
  double gateway_us_per_packet, rss_kib_per_call, bench_cpu_s, measured_s;
  char load[64];
} ramp_step;

double
bench_member_num(JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member(o, name);
  return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_double(n) : -1;
}

JsonObject *
bench_run_child(char **argv, const char *const *extra, JsonParser **parser_out)
{
  GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
  for (char **a = argv; *a; a++)
    g_ptr_array_add(args, g_strdup(*a));
  g_ptr_array_add(args, g_strdup("--json"));
  for (const char *const *a = extra; a && *a; a++)
    g_ptr_array_add(args, g_strdup(*a));
  g_ptr_array_add(args, NULL);
  g_autofree char *out = NULL;
  int status = 0;
  gboolean ok = g_spawn_sync(NULL, (char **)args->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                             NULL, &out, NULL, &status, NULL);
  g_ptr_array_unref(args);
  *parser_out = NULL;
  if (!ok || !out)
    return NULL;
  char *last = strrchr(g_strchomp(out), '\n');
  last = last ? last + 1 : out;
  JsonParser *parser = json_parser_new();
  if (!json_parser_load_from_data(parser, last, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    g_object_unref(parser);
    return NULL;
  }
  *parser_out = parser;
  return json_node_get_object(json_parser_get_root(parser));
}

/* One run of ARGV with --calls N --json; fills *STEP. */
static void
ramp_run(char **argv, guint n, ramp_step *step)
{
  memset(step, 0, sizeof *step);
  step->calls = n;
  g_autofree char *count = g_strdup_printf("%u", n);
  const char *extra[] = { "--calls", count, NULL };
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *o = bench_run_child(argv, extra, &parser);
  if (!o)
    return;
  static const char *const dirs[] = { "browser_to_phone", "phone_to_browser" };
  step->ran = TRUE;
  step->held = TRUE;
  step->failed = (guint)bench_member_num(o, "calls_failed");
  if (step->failed > 0)
    step->held = FALSE;
  for (int d = 0; d < BENCH_DIRS; d++) {
    JsonObject *x = json_object_get_object_member(o, dirs[d]);
    double sent = x ? bench_member_num(x, "sent") : 0, lost = x ? bench_member_num(x, "lost") : 0;
    step->loss[d] = sent > 0 ? lost / sent : 1;
    step->p99[d] = x ? bench_member_num(x, "latency_us_p99") : -1;
    if (step->loss[d] > RAMP_MAX_LOSS || step->p99[d] < 0 || step->p99[d] > RAMP_MAX_P99_US)
      step->held = FALSE;
  }
  step->gateway_us_per_packet = bench_member_num(o, "gateway_cpu_us_per_relayed_packet");
  step->rss_kib_per_call = bench_member_num(o, "gateway_rss_kib_per_call");
  step->bench_cpu_s = bench_member_num(o, "bench_cpu_s");
  step->measured_s = bench_member_num(o, "measured_s");
  g_strlcpy(step->load, json_object_get_string_member_with_default(o, "load_average", ""),
            sizeof step->load);
}

static void
ramp_print(const ramp_step *s)
{
  if (!s->ran) {
    g_print("%6u calls: the run did not finish\n", s->calls);
    return;
  }
  g_print("%6u calls: %-5s failed %u, loss %.3f%% / %.3f%%, p99 %.0f / %.0f us, gateway %.2f us/pkt, "
          "%.0f KiB/call, bench %.0f%% of a core, load %s\n",
          s->calls, s->held ? "held" : "NOT", s->failed, 100 * s->loss[0], 100 * s->loss[1],
          s->p99[0], s->p99[1], s->gateway_us_per_packet, s->rss_kib_per_call,
          s->measured_s > 0 ? 100 * s->bench_cpu_s / s->measured_s : 0, s->load);
}

int
bench_ramp(char **argv, const bench_options *o)
{
  g_autoptr(GArray) steps = g_array_new(FALSE, TRUE, sizeof(ramp_step));
  guint good = 0, bad = 0;
  g_print("rtc2sip-bench --ramp: the largest call count with no failed call, loss <= %.1f%% and "
          "p99 <= %.0f us both ways\n",
          100 * RAMP_MAX_LOSS, RAMP_MAX_P99_US);
  for (guint n = o->calls; n <= 100000; n *= 2) {
    ramp_step s;
    ramp_run(argv, n, &s);
    ramp_print(&s);
    g_array_append_val(steps, s);
    if (!s.held) {
      bad = n;
      break;
    }
    good = n;
  }
  for (int round = 0; round < 3 && bad > good + 1 && good > 0; round++) {
    guint n = good + (bad - good) / 2;
    ramp_step s;
    ramp_run(argv, n, &s);
    ramp_print(&s);
    g_array_append_val(steps, s);
    if (s.held)
      good = n;
    else
      bad = n;
  }
  g_print("largest count that held: %u (first that did not: %u)\n", good, bad);
  if (o->plot) {
    g_autoptr(GArray) pts = g_array_new(FALSE, TRUE, sizeof(bench_plot_point));
    for (guint i = 0; i < steps->len; i++) {
      const ramp_step *s = &g_array_index(steps, ramp_step, i);
      if (!s->ran)
        continue;
      bench_plot_point p = { .calls = s->calls, .us_per_packet = s->gateway_us_per_packet,
                             .p99_us = { s->p99[0], s->p99[1] } };
      g_array_append_val(pts, p);
    }
    g_autofree char *subtitle = g_strdup_printf("rtc2sip-bench --ramp, %s toward SIP; largest count that held: %u",
                                                o->keying == BENCH_KEYING_DTLS ? "DTLS-SRTP"
                                                : o->keying == BENCH_KEYING_RTP ? "plain RTP" : "SDES",
                                                good);
    g_autoptr(GError) error = NULL;
    if (bench_plot_svg(o->plot, pts, subtitle, &error))
      g_print("plot: %s\n", o->plot);
    else
      g_printerr("rtc2sip-bench: --plot: %s\n", error->message);
  }
  if (o->json) {
    g_autoptr(JsonBuilder) jb = json_builder_new();
    json_builder_begin_object(jb);
    json_builder_set_member_name(jb, "largest_calls_held");
    json_builder_add_int_value(jb, good);
    json_builder_set_member_name(jb, "steps");
    json_builder_begin_array(jb);
    for (guint i = 0; i < steps->len; i++) {
      const ramp_step *s = &g_array_index(steps, ramp_step, i);
      json_builder_begin_object(jb);
      json_builder_set_member_name(jb, "calls");
      json_builder_add_int_value(jb, s->calls);
      json_builder_set_member_name(jb, "held");
      json_builder_add_boolean_value(jb, s->held);
      json_builder_set_member_name(jb, "loss_browser_to_phone");
      json_builder_add_double_value(jb, s->loss[0]);
      json_builder_set_member_name(jb, "loss_phone_to_browser");
      json_builder_add_double_value(jb, s->loss[1]);
      json_builder_set_member_name(jb, "p99_us_browser_to_phone");
      json_builder_add_double_value(jb, s->p99[0]);
      json_builder_set_member_name(jb, "p99_us_phone_to_browser");
      json_builder_add_double_value(jb, s->p99[1]);
      json_builder_end_object(jb);
    }
    json_builder_end_array(jb);
    json_builder_end_object(jb);
    g_autoptr(JsonNode) root = json_builder_get_root(jb);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, root);
    g_autofree char *text = json_generator_to_data(gen, NULL);
    g_print("%s\n", text);
  }
  return good > 0 ? 0 : 1;
}
