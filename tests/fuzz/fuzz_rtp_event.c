/* Fuzz target: the RFC 4733 receiver fed random payloads, timestamps,
 * markers and clock jumps; and, when the first byte is odd, the sender's
 * packets for digits taken from the input, which the receiver must report
 * exactly once each, in order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/media/rtp_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
sender_round_trip(const uint8_t *data, size_t size)
{
  char digits[RTP_EVENT_MAX_QUEUE + 1];
  size_t n = 0;
  for (size_t i = 2; i < size && n < RTP_EVENT_MAX_QUEUE; i++)
    if (rtp_event_char(data[i] % 16))
      digits[n++] = rtp_event_char(data[i] % 16);
  digits[n] = '\0';
  rtp_event_sender_config cfg;
  rtp_event_sender_config_init(&cfg);
  cfg.clock_rate = (data[1] & 1) ? 48000 : 8000;
  cfg.ptime_ms = 10 + 10 * (data[1] >> 1 & 3);
  cfg.duration_ms = 40 + (data[1] >> 3) * 10;
  cfg.gap_ms = (data[1] >> 5) * 10;
  g_autoptr(rtp_event_sender) s = rtp_event_sender_new(&cfg, 0, NULL);
  g_autoptr(rtp_event_receiver) r = rtp_event_receiver_new(cfg.clock_rate, 0);
  if (!s || rtp_event_sender_queue(s, digits, 0) < 0)
    abort();
  size_t got = 0;
  gint64 now = 0;
  for (int guard = 0; guard < 100000; guard++) {
    rtp_event_packet p;
    while (rtp_event_sender_poll(s, now, &p))
      rtp_event_receiver_feed(r, now, p.payload, sizeof p.payload, p.timestamp_offset, p.marker);
    rtp_event_report rep;
    while (rtp_event_receiver_poll(r, &rep)) {
      if (rep.kind == RTP_EVENT_DIGIT_START) {
        if (got >= n || rep.digit != digits[got])
          abort();
        got++;
      } else if (rep.by_timeout) {
        abort();
      }
    }
    gint64 next = rtp_event_sender_next_deadline(s);
    if (next < 0)
      break;
    if (next <= now)
      abort();
    now = next;
  }
  if (got != n)
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  if (data[0] & 1) {
    sender_round_trip(data, size);
    return 0;
  }
  g_autoptr(rtp_event_receiver) r = rtp_event_receiver_new((data[1] & 1) ? 48000 : 8000, 0);
  gint64 now = 0;
  /* Records: 4 payload bytes, 4 timestamp bytes, flags, time step. */
  for (size_t off = 2; off + 10 <= size; off += 10) {
    const uint8_t *rec = data + off;
    guint32 ts = ((guint32)rec[4] << 24) | ((guint32)rec[5] << 16) | ((guint32)rec[6] << 8) | rec[7];
    guint8 flags = rec[8];
    now += (gint64)rec[9] * 1000 * ((flags & 4) ? 100 : 1);
    if (flags & 2) {
      gint64 d = rtp_event_receiver_next_deadline(r);
      if (d >= 0 && d > now)
        now = d;
      rtp_event_receiver_tick(r, now);
    }
    if (rtp_event_receiver_feed(r, now, rec, (flags & 8) ? (flags >> 4) % 4 : 4, ts, flags & 1) < 0 &&
        !(flags & 8))
      abort();
    rtp_event_report rep;
    while (rtp_event_receiver_poll(r, &rep))
      if (rep.digit == '\0' || rtp_event_code(rep.digit) != rep.code)
        abort();
  }
  rtp_event_receiver_stats st;
  rtp_event_receiver_get_stats(r, &st);
  return 0;
}
