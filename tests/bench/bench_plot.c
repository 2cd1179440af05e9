/* rtc2sip-bench --ramp --plot FILE.svg: the gateway's CPU time per relayed
 * packet and the p99 added latency against the call count, one point per
 * ramp run, as a self-contained SVG (two panels sharing the x axis). */
#include <math.h>
#include <stdio.h>

#include "tests/bench/bench.h"

#define W 760
#define PANEL_H 260
#define LEFT 70
#define RIGHT 20
#define TOP 40
#define GAP 70

static int
by_calls(gconstpointer a, gconstpointer b)
{
  const bench_plot_point *x = a, *y = b;
  return x->calls < y->calls ? -1 : x->calls > y->calls;
}

/* A "nice" upper bound for an axis holding values up to MAX. */
static double
nice_max(double max)
{
  if (max <= 0)
    return 1;
  double p = pow(10, floor(log10(max)));
  for (double m = 1; m <= 10; m += (m < 2 ? 0.5 : 1))
    if (m * p >= max)
      return m * p;
  return 10 * p;
}

static void
panel(GString *svg, int top, const char *title, const char *unit, const GArray *pts, double x_max,
      const double *(*value)(const bench_plot_point *, guint *n), double limit)
{
  double y_max = limit > 0 ? limit * 1.2 : 0;
  for (guint i = 0; i < pts->len; i++) {
    guint n = 0;
    const double *v = value(&g_array_index(pts, bench_plot_point, i), &n);
    for (guint k = 0; k < n; k++)
      y_max = MAX(y_max, v[k]);
  }
  y_max = nice_max(y_max);
  int pw = W - LEFT - RIGHT;
#define PX(x) (LEFT + (x) / x_max * pw)
#define PY(y) (top + PANEL_H - (y) / y_max * PANEL_H)
  g_string_append_printf(svg, "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
                         LEFT, top - 10, title);
  g_string_append_printf(svg, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n",
                         LEFT, top, pw, PANEL_H);
  for (int t = 0; t <= 4; t++) {
    double y = y_max * t / 4;
    g_string_append_printf(svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                                "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%g</text>\n",
                           LEFT, PY(y), LEFT + pw, PY(y), LEFT - 6, PY(y) + 4, y);
  }
  g_string_append_printf(svg, "<text x=\"14\" y=\"%d\" font-size=\"11\" transform=\"rotate(-90 14 %d)\" "
                              "text-anchor=\"middle\">%s</text>\n",
                         top + PANEL_H / 2, top + PANEL_H / 2, unit);
  if (limit > 0)
    g_string_append_printf(svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#c00\" "
                                "stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" "
                                "fill=\"#c00\" text-anchor=\"end\">goal %g %s</text>\n",
                           LEFT, PY(limit), LEFT + pw, PY(limit), LEFT + pw - 4, PY(limit) - 4, limit, unit);
  static const char *const colours[] = { "#1f77b4", "#ff7f0e" };
  guint series = 0;
  if (pts->len) {
    guint n = 0;
    value(&g_array_index(pts, bench_plot_point, 0), &n);
    series = n;
  }
  for (guint k = 0; k < series; k++) {
    g_string_append_printf(svg, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colours[k % 2]);
    for (guint i = 0; i < pts->len; i++) {
      guint n = 0;
      const bench_plot_point *p = &g_array_index(pts, bench_plot_point, i);
      const double *v = value(p, &n);
      if (k < n && v[k] >= 0)
        g_string_append_printf(svg, "%.1f,%.1f ", PX(p->calls), PY(v[k]));
    }
    g_string_append(svg, "\"/>\n");
    for (guint i = 0; i < pts->len; i++) {
      guint n = 0;
      const bench_plot_point *p = &g_array_index(pts, bench_plot_point, i);
      const double *v = value(p, &n);
      if (k < n && v[k] >= 0)
        g_string_append_printf(svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%u calls: %.2f %s"
                                    "</title></circle>\n",
                               PX(p->calls), PY(v[k]), colours[k % 2], p->calls, v[k], unit);
    }
  }
#undef PX
#undef PY
}

static const double *
cpu_of(const bench_plot_point *p, guint *n)
{
  *n = 1;
  return &p->us_per_packet;
}

static const double *
p99_of(const bench_plot_point *p, guint *n)
{
  *n = BENCH_DIRS;
  return p->p99_us;
}

gboolean
bench_plot_svg(const char *path, const GArray *points, const char *subtitle, GError **error)
{
  g_autoptr(GArray) pts = g_array_copy((GArray *)points);
  g_array_sort(pts, by_calls);
  double x_max = 1;
  for (guint i = 0; i < pts->len; i++)
    x_max = MAX(x_max, g_array_index(pts, bench_plot_point, i).calls);
  x_max = nice_max(x_max);
  int h = TOP + 2 * PANEL_H + GAP + 60;
  g_autoptr(GString) svg = g_string_new(NULL);
  g_string_append_printf(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                              "font-family=\"sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                         W, h);
  g_autofree char *escaped = g_markup_escape_text(subtitle, -1);
  g_string_append_printf(svg, "<text x=\"%d\" y=\"18\" font-size=\"12\" fill=\"#444\">%s</text>\n", LEFT, escaped);
  panel(svg, TOP + 10, "Gateway CPU time per relayed packet", "us", pts, x_max, cpu_of, 0);
  panel(svg, TOP + 10 + PANEL_H + GAP, "p99 added one-way latency (blue: browser to phone, orange: phone to browser)",
        "us", pts, x_max, p99_of, 1000);
  int axis_y = TOP + 10 + 2 * PANEL_H + GAP;
  for (int t = 0; t <= 5; t++) {
    double x = x_max * t / 5;
    double px = LEFT + x / x_max * (W - LEFT - RIGHT);
    g_string_append_printf(svg, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%g</text>\n", px,
                           axis_y + 16, x);
    g_string_append_printf(svg, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%g</text>\n", px,
                           TOP + 10 + PANEL_H + 16, x);
  }
  g_string_append_printf(svg, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">concurrent calls</text>\n",
                         LEFT + (W - LEFT - RIGHT) / 2, axis_y + 36);
  g_string_append(svg, "</svg>\n");
  return g_file_set_contents(path, svg->str, (gssize)svg->len, error);
}
