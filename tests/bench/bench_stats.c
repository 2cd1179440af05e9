/* rtc2sip-bench: stamped RTP payloads and the latency histogram. */
#include <string.h>
#include <time.h>

#include "tests/bench/bench.h"

gint64
bench_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

void
bench_hist_add(bench_hist *h, gint64 us)
{
  if (us < 0)
    us = 0;
  if (us < BENCH_HIST_FINE)
    h->fine[us]++;
  else if ((us - BENCH_HIST_FINE) / 100 < BENCH_HIST_COARSE)
    h->coarse[(us - BENCH_HIST_FINE) / 100]++;
  else
    h->overflow++;
  h->count++;
  if (us > h->max_us)
    h->max_us = us;
}

double
bench_hist_quantile(const bench_hist *h, double q)
{
  if (h->count == 0)
    return -1;
  guint64 want = (guint64)(q * (double)h->count);
  if (want >= h->count)
    want = h->count - 1;
  guint64 seen = 0;
  for (guint i = 0; i < BENCH_HIST_FINE; i++) {
    seen += h->fine[i];
    if (seen > want)
      return i;
  }
  for (guint i = 0; i < BENCH_HIST_COARSE; i++) {
    seen += h->coarse[i];
    if (seen > want)
      return BENCH_HIST_FINE + i * 100.0 + 50;
  }
  return (double)h->max_us;
}

gsize
bench_rtp_build(bench_rtp_tx *tx, guint pt, guint ptime_ms, guint32 call, gboolean steady,
                guint8 *buf, gsize cap, gsize payload_len)
{
  g_assert(cap >= 12 + payload_len && payload_len >= sizeof(bench_stamp));
  buf[0] = 0x80;
  buf[1] = (guint8)(pt & 0x7f);
  buf[2] = (guint8)(tx->rtp_seq >> 8);
  buf[3] = (guint8)tx->rtp_seq;
  buf[4] = (guint8)(tx->timestamp >> 24);
  buf[5] = (guint8)(tx->timestamp >> 16);
  buf[6] = (guint8)(tx->timestamp >> 8);
  buf[7] = (guint8)tx->timestamp;
  buf[8] = (guint8)(tx->ssrc >> 24);
  buf[9] = (guint8)(tx->ssrc >> 16);
  buf[10] = (guint8)(tx->ssrc >> 8);
  buf[11] = (guint8)tx->ssrc;
  bench_stamp st = { BENCH_MAGIC, call, tx->seq, steady ? 1 : 0, bench_now_ns() };
  memcpy(buf + 12, &st, sizeof st);
  /* G.711 silence after the stamp (PCMU 0xFF, PCMA 0xD5). */
  memset(buf + 12 + sizeof st, pt == 8 ? 0xD5 : 0xFF, payload_len - sizeof st);
  tx->rtp_seq++;
  tx->timestamp += 8 * ptime_ms;
  tx->seq++;
  return 12 + payload_len;
}

gboolean
bench_rtp_receive(bench *b, bench_call *call, int dir, const guint8 *buf, gsize len)
{
  if (len < 12 || (buf[0] >> 6) != 2)
    return FALSE;
  gsize pos = 12 + 4 * (gsize)(buf[0] & 0x0f);
  if (buf[0] & 0x10) { /* header extension */
    if (len < pos + 4)
      return FALSE;
    pos += 4 + 4 * (gsize)((buf[pos + 2] << 8) | buf[pos + 3]);
  }
  if (len < pos + sizeof(bench_stamp))
    return FALSE;
  bench_stamp st;
  memcpy(&st, buf + pos, sizeof st);
  bench_dir *d = &b->dir[dir];
  if (st.magic != BENCH_MAGIC || st.call != call->index) {
    d->bad++;
    return FALSE;
  }
  gint64 now = bench_now_ns();
  d->received++;
  call->received[dir]++;
  if (st.steady) {
    d->received_steady++;
    bench_hist_add(&d->latency, (now - st.sent_ns) / 1000);
  }
  gboolean *first = dir == BENCH_DIR_TO_PHONE ? &call->first_at_phone : &call->first_at_browser;
  if (!*first) {
    *first = TRUE;
    bench_call_check_ready(call);
  }
  return TRUE;
}
