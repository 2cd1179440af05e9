/* rtc2sip-bench: the gateway's process figures (/proc) and the report. */
#pragma once
#include "tests/bench/bench.h"

typedef struct {
  /* Before any call. */
  gint64 rss_before_kib;
  guint threads_before;
  /* Start and end of the measured phase. */
  gint64 t0_us, t1_us;
  double cpu0_s, cpu1_s;           /* the gateway's utime + stime */
  double self0_s, self1_s;         /* the bench's own */
  char loadavg[64];                /* /proc/loadavg at the end */
  guint64 received0, received1;    /* packets received, both directions */
  gint64 rss_steady_kib;           /* at the end of the measured phase */
  guint threads_steady;
  guint fds_before, fds_steady;    /* open file descriptors */
  guint active_calls;              /* set up and not failed, at the start */
  double setup_s;                  /* length of the set-up phase */
  int gateway_exit;                /* its exit status after SIGTERM, -1 killed */
} bench_report;

void bench_report_baseline(bench_report *r, bench *b);
/* START: the measured phase begins; else it ends. */
void bench_report_sample(bench_report *r, bench *b, gboolean start);
/* Prints the table (and the JSON object with --json). Returns the exit
 * status: 0 when every call was set up and media arrived both ways on
 * every call. */
int bench_report_print(bench_report *r, bench *b);
