/* rtc2sip-bench --compare: the same run against the gateway and then
 * against rtpengine (each a child run of this program with --target and
 * --json, a fresh relay each time), printed side by side. */
#include <json-glib/json-glib.h>
#include <string.h>

#include "tests/bench/bench.h"

static const char *const targets[] = { "gateway", "rtpengine" };

static double
dir_num(JsonObject *o, const char *dir, const char *name)
{
  JsonObject *x = o && json_object_has_member(o, dir) ? json_object_get_object_member(o, dir) : NULL;
  return x ? bench_member_num(x, name) : -1;
}

static double
per_core(JsonObject *o, const char *cpu)
{
  double s = o ? bench_member_num(o, "measured_s") : 0;
  return s > 0 ? 100 * bench_member_num(o, cpu) / s : -1;
}

int
bench_compare(char **argv, const bench_options *o)
{
  JsonParser *parsers[2] = { NULL, NULL };
  JsonObject *r[2];
  for (int t = 0; t < 2; t++) {
    const char *extra[] = { "--target", targets[t], NULL };
    r[t] = bench_run_child(argv, extra, &parsers[t]);
  }
  static const char *const keying_names[] = { "sdes", "dtls-srtp", "rtp" };
  g_print("rtc2sip-bench --compare: %u calls, %s toward SIP, %u s measured\n", o->calls,
          keying_names[o->keying], o->duration_s);
  g_print("%-36s %16s %16s\n", "", targets[0], targets[1]);
  for (int t = 0; t < 2; t++)
    if (!r[t])
      g_print("(the %s run did not finish)\n", targets[t]);
#define ROW(label, fmt, expr)                                                                     \
  do {                                                                                            \
    char a[32], b[32];                                                                            \
    JsonObject *x = r[0];                                                                         \
    g_snprintf(a, sizeof a, fmt, x ? (expr) : -1.0);                                              \
    x = r[1];                                                                                     \
    g_snprintf(b, sizeof b, fmt, x ? (expr) : -1.0);                                              \
    g_print("%-36s %16s %16s\n", label, a, b);                                                    \
  } while (0)
  ROW("calls set up", "%.0f", bench_member_num(x, "calls_set_up"));
  ROW("calls failed", "%.0f", bench_member_num(x, "calls_failed"));
  ROW("set-up p50 ms", "%.1f", bench_member_num(x, "setup_ms_p50"));
  ROW("set-up p99 ms", "%.1f", bench_member_num(x, "setup_ms_p99"));
  ROW("lost browser -> phone", "%.0f", dir_num(x, "browser_to_phone", "lost"));
  ROW("lost phone -> browser", "%.0f", dir_num(x, "phone_to_browser", "lost"));
  ROW("latency p50 us browser -> phone", "%.0f", dir_num(x, "browser_to_phone", "latency_us_p50"));
  ROW("latency p99 us browser -> phone", "%.0f", dir_num(x, "browser_to_phone", "latency_us_p99"));
  ROW("latency max us browser -> phone", "%.0f", dir_num(x, "browser_to_phone", "latency_us_max"));
  ROW("latency p50 us phone -> browser", "%.0f", dir_num(x, "phone_to_browser", "latency_us_p50"));
  ROW("latency p99 us phone -> browser", "%.0f", dir_num(x, "phone_to_browser", "latency_us_p99"));
  ROW("latency max us phone -> browser", "%.0f", dir_num(x, "phone_to_browser", "latency_us_max"));
  ROW("relay CPU us per relayed packet", "%.2f",
      bench_member_num(x, "gateway_cpu_us_per_relayed_packet"));
  ROW("relay CPU % of one core", "%.0f", per_core(x, "gateway_cpu_s"));
  ROW("relay RSS KiB per call", "%.1f", bench_member_num(x, "gateway_rss_kib_per_call"));
  ROW("bench CPU % of one core", "%.0f", per_core(x, "bench_cpu_s"));
#undef ROW
  double cpu[2] = { -1, -1 };
  for (int t = 0; t < 2; t++)
    if (r[t])
      cpu[t] = bench_member_num(r[t], "gateway_cpu_us_per_relayed_packet");
  if (cpu[0] > 0 && cpu[1] > 0)
    g_print("CPU per relayed packet, gateway / rtpengine: %.2f (issue 9's goal: at most 0.67)\n",
            cpu[0] / cpu[1]);
  for (int t = 0; t < 2; t++)
    if (r[t])
      g_print("load average during the %s run: %s\n", targets[t],
              json_object_get_string_member_with_default(r[t], "load_average", "?"));
  if (o->json) {
    g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
    g_autoptr(JsonObject) both = json_object_new();
    for (int t = 0; t < 2; t++)
      if (r[t])
        json_object_set_object_member(both, targets[t], json_object_ref(r[t]));
    if (cpu[0] > 0 && cpu[1] > 0)
      json_object_set_double_member(both, "cpu_ratio_gateway_to_rtpengine", cpu[0] / cpu[1]);
    json_node_set_object(root, both);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, root);
    g_autofree char *text = json_generator_to_data(gen, NULL);
    g_print("%s\n", text);
  }
  int rc = 0;
  for (int t = 0; t < 2; t++) {
    if (!r[t] || bench_member_num(r[t], "calls_failed") != 0)
      rc = 1;
    g_clear_object(&parsers[t]);
  }
  return rc;
}
