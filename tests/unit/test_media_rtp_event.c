/* RFC 4733 telephone-events: sender and receiver in virtual time. */
#include <errno.h>
#include <string.h>

#include "gateway/media/rtp_event.h"

#define MS 1000

static void
test_codes(void)
{
  const char *all = "0123456789*#ABCD";
  for (guint i = 0; i < 16; i++) {
    g_assert_cmpint(rtp_event_char(i), ==, all[i]);
    g_assert_cmpint(rtp_event_code(all[i]), ==, (int)i);
  }
  g_assert_cmpint(rtp_event_code('a'), ==, 12);
  g_assert_cmpint(rtp_event_code('d'), ==, 15);
  g_assert_cmpint(rtp_event_code('E'), ==, -1);
  g_assert_cmpint(rtp_event_code('\0'), ==, -1);
  g_assert_cmpint(rtp_event_code(' '), ==, -1);
  g_assert_cmpint(rtp_event_char(16), ==, '\0'); /* flash */
  g_assert_cmpint(rtp_event_char(255), ==, '\0');
}

typedef struct {
  rtp_event_packet p;
  gint64 at;
} sent;

/* Runs S from NOW to idle, jumping to each deadline; returns the packets. */
static GArray *
drain(rtp_event_sender *s, gint64 now)
{
  GArray *out = g_array_new(FALSE, TRUE, sizeof(sent));
  for (guint guard = 0; guard < 10000; guard++) {
    sent x;
    while (rtp_event_sender_poll(s, now, &x.p)) {
      x.at = now;
      g_array_append_val(out, x);
    }
    gint64 next = rtp_event_sender_next_deadline(s);
    if (next < 0)
      break;
    g_assert_cmpint(next, >, now);
    now = next;
  }
  return out;
}

static guint
duration_of(const rtp_event_packet *p)
{
  return ((guint)p->payload[2] << 8) | p->payload[3];
}

static void
check_one_digit(guint rate)
{
  rtp_event_sender_config cfg;
  rtp_event_sender_config_init(&cfg);
  cfg.clock_rate = rate;
  cfg.payload_type = 101;
  g_autoptr(rtp_event_sender) s = rtp_event_sender_new(&cfg, 1000 * MS, NULL);
  g_assert_nonnull(s);
  g_assert_cmpint(rtp_event_sender_next_deadline(s), ==, -1);
  g_assert_cmpint(rtp_event_sender_queue(s, "#", 1500 * MS), ==, 0);
  g_assert_cmpint(rtp_event_sender_next_deadline(s), ==, 1500 * MS);
  g_autoptr(GArray) pkts = drain(s, 1500 * MS);
  g_assert_cmpuint(pkts->len, ==, 7); /* 4 updates + 3 end packets */
  guint unit = rate / 50;             /* one 20 ms ptime in clock units */
  for (guint i = 0; i < pkts->len; i++) {
    const sent *x = &g_array_index(pkts, sent, i);
    g_assert_cmpint(x->at, ==, 1500 * MS + (gint64)i * 20 * MS);
    g_assert_cmpuint(x->p.payload[0], ==, 11);
    g_assert_cmpuint(x->p.payload[1] & 0x3f, ==, 10);
    g_assert_cmpint(x->p.marker, ==, i == 0);
    g_assert_cmpuint(x->p.timestamp_offset, ==, rate / 2); /* 500 ms after the epoch */
    g_assert_cmpint(x->p.event_start_us, ==, 1500 * MS);
    g_assert_cmpuint(x->p.payload_type, ==, 101);
    g_assert_cmpint(x->p.digit, ==, '#');
    if (i < 4) {
      g_assert_false(x->p.end);
      g_assert_cmpuint(x->p.payload[1] & 0x80, ==, 0);
      g_assert_cmpuint(duration_of(&x->p), ==, (i + 1) * unit);
    } else {
      g_assert_true(x->p.end);
      g_assert_cmpuint(x->p.payload[1] & 0x80, ==, 0x80);
      g_assert_cmpuint(duration_of(&x->p), ==, 5 * unit); /* 100 ms */
    }
  }
  g_assert_false(rtp_event_sender_busy(s));
}

static void
test_sender_8k(void)
{
  check_one_digit(8000);
}

static void
test_sender_48k(void)
{
  check_one_digit(48000);
}

static void
test_sender_sequence(void)
{
  rtp_event_sender_config cfg;
  rtp_event_sender_config_init(&cfg);
  g_autoptr(rtp_event_sender) s = rtp_event_sender_new(&cfg, 0, NULL);
  g_assert_cmpint(rtp_event_sender_queue(s, "12", 0), ==, 0);
  g_assert_cmpint(rtp_event_sender_queue(s, "3#", 10 * MS), ==, 0);
  g_autoptr(GArray) pkts = drain(s, 0);
  g_assert_cmpuint(pkts->len, ==, 28);
  const char *want = "123#";
  for (guint e = 0; e < 4; e++) {
    const sent *first = &g_array_index(pkts, sent, e * 7);
    g_assert_cmpint(first->p.digit, ==, want[e]);
    g_assert_true(first->p.marker);
    /* 100 ms of tone, 50 ms of gap. */
    g_assert_cmpint(first->p.event_start_us, ==, (gint64)e * 150 * MS);
    g_assert_cmpuint(first->p.timestamp_offset, ==, e * 1200);
    for (guint i = 1; i < 7; i++)
      g_assert_false(g_array_index(pkts, sent, e * 7 + i).p.marker);
  }
  /* All or nothing. */
  g_assert_cmpint(rtp_event_sender_queue(s, "12x", 0), ==, -EINVAL);
  g_assert_cmpint(rtp_event_sender_next_deadline(s), ==, -1);
  char many[RTP_EVENT_MAX_QUEUE + 2];
  memset(many, '5', sizeof many - 1);
  many[sizeof many - 1] = '\0';
  g_assert_cmpint(rtp_event_sender_queue(s, many, 0), ==, -ENOSPC);
  many[RTP_EVENT_MAX_QUEUE] = '\0';
  g_assert_cmpint(rtp_event_sender_queue(s, many, 0), ==, 0);
  g_assert_cmpint(rtp_event_sender_queue(s, "1", 0), ==, -ENOSPC);
}

static void
test_sender_late_poll(void)
{
  rtp_event_sender_config cfg;
  rtp_event_sender_config_init(&cfg);
  g_autoptr(rtp_event_sender) s = rtp_event_sender_new(&cfg, 0, NULL);
  g_assert_cmpint(rtp_event_sender_queue(s, "7", 0), ==, 0);
  rtp_event_packet p;
  /* First poll 70 ms late: one update (the newest) with the marker. */
  g_assert_true(rtp_event_sender_poll(s, 70 * MS, &p));
  g_assert_true(p.marker);
  g_assert_false(p.end);
  g_assert_cmpuint(duration_of(&p), ==, 640);
  g_assert_false(rtp_event_sender_poll(s, 70 * MS, &p));
  g_assert_true(rtp_event_sender_busy(s));
  /* Very late: straight to the end packets. */
  g_assert_true(rtp_event_sender_poll(s, 500 * MS, &p));
  g_assert_true(p.end);
  g_assert_false(p.marker);
  g_assert_true(rtp_event_sender_poll(s, 500 * MS, &p));
  g_assert_true(rtp_event_sender_poll(s, 500 * MS, &p));
  g_assert_true(p.end);
  g_assert_false(rtp_event_sender_poll(s, 500 * MS, &p));
}

static void
test_sender_config(void)
{
  rtp_event_sender_config cfg;
  const char *reason = NULL;
  rtp_event_sender_config_init(&cfg);
  cfg.clock_rate = 48000;
  cfg.duration_ms = 2000; /* 96000 units: does not fit 16 bits */
  g_assert_null(rtp_event_sender_new(&cfg, 0, &reason));
  g_assert_nonnull(reason);
  rtp_event_sender_config_init(&cfg);
  cfg.ptime_ms = 0;
  g_assert_null(rtp_event_sender_new(&cfg, 0, NULL));
  rtp_event_sender_config_init(&cfg);
  cfg.payload_type = 128;
  g_assert_null(rtp_event_sender_new(&cfg, 0, NULL));
  /* A duration shorter than the ptime: only the end packets, the first marked. */
  rtp_event_sender_config_init(&cfg);
  cfg.duration_ms = 10;
  g_autoptr(rtp_event_sender) s = rtp_event_sender_new(&cfg, 0, NULL);
  g_assert_cmpint(rtp_event_sender_queue(s, "9", 0), ==, 0);
  g_autoptr(GArray) pkts = drain(s, 0);
  g_assert_cmpuint(pkts->len, ==, 3);
  g_assert_true(g_array_index(pkts, sent, 0).p.marker);
  g_assert_true(g_array_index(pkts, sent, 0).p.end);
  g_assert_cmpuint(duration_of(&g_array_index(pkts, sent, 2).p), ==, 80);
}

/* ---- receiver ---- */

static GString *
collect(rtp_event_receiver *r, guint *ends, guint *timeouts)
{
  GString *digits = g_string_new(NULL);
  rtp_event_report rep;
  while (rtp_event_receiver_poll(r, &rep)) {
    if (rep.kind == RTP_EVENT_DIGIT_START) {
      g_string_append_c(digits, rep.digit);
    } else {
      (*ends)++;
      if (rep.by_timeout)
        (*timeouts)++;
    }
  }
  return digits;
}

static guint8 *
payload(guint8 out[4], guint code, gboolean end, guint duration)
{
  out[0] = (guint8)code;
  out[1] = (guint8)((end ? 0x80 : 0) | 10);
  out[2] = (guint8)(duration >> 8);
  out[3] = (guint8)duration;
  return out;
}

/* Sender → receiver through a seeded lossy link; LOSS in percent. Checks
 * that every digit with at least one packet through is reported once, in
 * order, and every other digit not at all. */
static void
round_trip(guint rate, guint loss, guint32 seed)
{
  const char *digits = "123#*0ABCD9955";
  rtp_event_sender_config cfg;
  rtp_event_sender_config_init(&cfg);
  cfg.clock_rate = rate;
  g_autoptr(rtp_event_sender) s = rtp_event_sender_new(&cfg, 0, NULL);
  g_autoptr(rtp_event_receiver) r = rtp_event_receiver_new(rate, 0);
  g_autoptr(GRand) rnd = g_rand_new_with_seed(seed);
  g_autoptr(GString) expected = g_string_new(NULL);
  g_autoptr(GString) got = g_string_new(NULL);
  gboolean delivered[32] = { FALSE };
  gboolean end_delivered[32] = { FALSE };
  guint index = 0, ends = 0, timeouts = 0;
  const guint32 base = 0xfffff000u; /* the stream's timestamp wraps during the test */
  gint64 now = 0;
  g_assert_cmpint(rtp_event_sender_queue(s, digits, 0), ==, 0);
  for (guint guard = 0; guard < 10000; guard++) {
    rtp_event_packet p;
    while (rtp_event_sender_poll(s, now, &p)) {
      if (p.marker)
        index++;
      if (g_rand_int_range(rnd, 0, 100) < (gint32)loss)
        continue;
      delivered[index - 1] = TRUE;
      if (p.end)
        end_delivered[index - 1] = TRUE;
      g_assert_cmpint(rtp_event_receiver_feed(r, now, p.payload, 4, base + p.timestamp_offset,
                                              p.marker), ==, 0);
    }
    rtp_event_receiver_tick(r, now);
    g_autoptr(GString) part = collect(r, &ends, &timeouts);
    g_string_append(got, part->str);
    gint64 next = rtp_event_sender_next_deadline(s);
    gint64 rnext = rtp_event_receiver_next_deadline(r);
    if (next < 0 && rnext < 0)
      break;
    if (next < 0 || (rnext >= 0 && rnext < next))
      next = rnext;
    g_assert_cmpint(next, >=, now);
    now = MAX(next, now + 1);
  }
  g_assert_cmpuint(index, ==, strlen(digits));
  guint expected_timeouts = 0;
  for (guint i = 0; i < index; i++) {
    if (delivered[i])
      g_string_append_c(expected, digits[i]);
    if (delivered[i] && !end_delivered[i])
      expected_timeouts++;
  }
  g_assert_cmpstr(got->str, ==, expected->str);
  g_assert_cmpuint(ends, ==, expected->len);
  /* An event whose end packets were lost ends by timeout (or by the next
   * event, which also counts as by_timeout). */
  g_assert_cmpuint(timeouts, ==, expected_timeouts);
  if (loss == 0)
    g_assert_cmpstr(got->str, ==, digits);
}

static void
test_round_trip_8k(void)
{
  round_trip(8000, 0, 1);
}

static void
test_round_trip_48k(void)
{
  round_trip(48000, 0, 1);
}

static void
test_round_trip_lossy(void)
{
  for (guint32 seed = 1; seed <= 50; seed++) {
    round_trip(8000, 30, seed);
    round_trip(48000, 60, seed);
  }
}

static void
test_receiver_lost_start(void)
{
  g_autoptr(rtp_event_receiver) r = rtp_event_receiver_new(8000, 0);
  guint8 p[4];
  guint ends = 0, timeouts = 0;
  /* Start packet lost: the first update reports the digit. */
  g_assert_cmpint(rtp_event_receiver_feed(r, 20 * MS, payload(p, 5, FALSE, 320), 4, 1000, FALSE), ==, 0);
  g_assert_cmpint(rtp_event_receiver_feed(r, 40 * MS, payload(p, 5, FALSE, 480), 4, 1000, FALSE), ==, 0);
  g_autoptr(GString) d = collect(r, &ends, &timeouts);
  g_assert_cmpstr(d->str, ==, "5");
  g_assert_cmpuint(ends, ==, 0);
  /* Three end packets: one END, the rest duplicates. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint(rtp_event_receiver_feed(r, (100 + 20 * i) * MS, payload(p, 5, TRUE, 800), 4,
                                            1000, FALSE), ==, 0);
  rtp_event_report rep;
  g_assert_true(rtp_event_receiver_poll(r, &rep));
  g_assert_cmpint(rep.kind, ==, RTP_EVENT_DIGIT_END);
  g_assert_cmpuint(rep.duration, ==, 800);
  g_assert_cmpuint(rep.timestamp, ==, 1000);
  g_assert_false(rep.by_timeout);
  g_assert_false(rtp_event_receiver_poll(r, &rep));
  g_assert_cmpint(rtp_event_receiver_next_deadline(r), ==, -1);
  /* Only an end packet of a new event: START and END together. */
  g_assert_cmpint(rtp_event_receiver_feed(r, 300 * MS, payload(p, 12, TRUE, 800), 4, 3000, FALSE), ==, 0);
  g_autoptr(GString) d2 = collect(r, &ends, &timeouts);
  g_assert_cmpstr(d2->str, ==, "A");
  g_assert_cmpuint(ends, ==, 1);
  g_assert_cmpuint(timeouts, ==, 0);
  rtp_event_receiver_stats st;
  rtp_event_receiver_get_stats(r, &st);
  g_assert_cmpuint(st.packets, ==, 6);
  g_assert_cmpuint(st.duplicates, ==, 3); /* one update, two end repeats */
}

static void
test_receiver_lost_end(void)
{
  g_autoptr(rtp_event_receiver) r = rtp_event_receiver_new(48000, 0);
  guint8 p[4];
  guint ends = 0, timeouts = 0;
  g_assert_cmpint(rtp_event_receiver_feed(r, 0, payload(p, 1, FALSE, 960), 4, 5, TRUE), ==, 0);
  g_assert_cmpint(rtp_event_receiver_feed(r, 20 * MS, payload(p, 1, FALSE, 1920), 4, 5, FALSE), ==, 0);
  g_assert_cmpint(rtp_event_receiver_next_deadline(r), ==, 320 * MS);
  rtp_event_receiver_tick(r, 319 * MS);
  g_autoptr(GString) d = collect(r, &ends, &timeouts);
  g_assert_cmpstr(d->str, ==, "1");
  g_assert_cmpuint(ends, ==, 0);
  rtp_event_receiver_tick(r, 320 * MS);
  rtp_event_report rep;
  g_assert_true(rtp_event_receiver_poll(r, &rep));
  g_assert_cmpint(rep.kind, ==, RTP_EVENT_DIGIT_END);
  g_assert_true(rep.by_timeout);
  g_assert_cmpuint(rep.duration, ==, 1920);
  g_assert_cmpint(rtp_event_receiver_next_deadline(r), ==, -1);
  /* Its end packets arriving after the timeout are recognized. */
  g_assert_cmpint(rtp_event_receiver_feed(r, 400 * MS, payload(p, 1, TRUE, 4800), 4, 5, FALSE), ==, 0);
  g_assert_false(rtp_event_receiver_poll(r, &rep));
  /* The next event's start ends an open one (end packets lost). */
  g_assert_cmpint(rtp_event_receiver_feed(r, 500 * MS, payload(p, 2, FALSE, 960), 4, 48000, TRUE), ==, 0);
  g_assert_cmpint(rtp_event_receiver_feed(r, 700 * MS, payload(p, 3, FALSE, 960), 4, 58000, TRUE), ==, 0);
  g_autoptr(GString) d2 = collect(r, &ends, &timeouts);
  g_assert_cmpstr(d2->str, ==, "23");
  g_assert_cmpuint(ends, ==, 1);
  g_assert_cmpuint(timeouts, ==, 1);
}

static void
test_receiver_repeated_digit_and_late(void)
{
  g_autoptr(rtp_event_receiver) r = rtp_event_receiver_new(8000, 0);
  guint8 p[4];
  guint ends = 0, timeouts = 0;
  /* "55": same event code, two timestamps → two digits. */
  for (guint e = 0; e < 2; e++) {
    guint32 ts = 100 + e * 1200;
    for (guint i = 0; i < 4; i++)
      rtp_event_receiver_feed(r, 0, payload(p, 5, FALSE, 160 * (i + 1)), 4, ts, i == 0);
    for (guint i = 0; i < 3; i++)
      rtp_event_receiver_feed(r, 0, payload(p, 5, TRUE, 800), 4, ts, FALSE);
  }
  /* A late packet of an event we never saw, older than the newest: dropped
   * (reporting it would reorder the digits). */
  rtp_event_receiver_feed(r, 0, payload(p, 7, FALSE, 160), 4, 700, FALSE);
  /* Non-DTMF events (16 = flash) and short payloads. */
  rtp_event_receiver_feed(r, 0, payload(p, 16, FALSE, 160), 4, 5000, TRUE);
  g_assert_cmpint(rtp_event_receiver_feed(r, 0, p, 3, 5000, TRUE), ==, -EINVAL);
  g_assert_cmpint(rtp_event_receiver_feed(r, 0, NULL, 0, 5000, TRUE), ==, -EINVAL);
  g_autoptr(GString) d = collect(r, &ends, &timeouts);
  g_assert_cmpstr(d->str, ==, "55");
  g_assert_cmpuint(ends, ==, 2);
  rtp_event_receiver_stats st;
  rtp_event_receiver_get_stats(r, &st);
  g_assert_cmpuint(st.late, ==, 1);
  g_assert_cmpuint(st.ignored_events, ==, 1);
  g_assert_cmpuint(st.malformed, ==, 2);
  /* A timestamp far behind (a restarted stream) is a new event, not late. */
  rtp_event_receiver_feed(r, 0, payload(p, 8, FALSE, 160), 4, 0x80000000u, TRUE);
  g_autoptr(GString) d2 = collect(r, &ends, &timeouts);
  g_assert_cmpstr(d2->str, ==, "8");
}

static void
test_receiver_long_event(void)
{
  /* RFC 4733 §2.5.1.3: a key held past 0xFFFF units continues in a new
   * segment (new timestamp, no marker): still one digit. */
  g_autoptr(rtp_event_receiver) r = rtp_event_receiver_new(8000, 0);
  guint8 p[4];
  guint ends = 0, timeouts = 0;
  gint64 now = 0;
  rtp_event_receiver_feed(r, now, payload(p, 0, FALSE, 160), 4, 1000, TRUE);
  for (guint d = 320; d <= 0xffff; d += 160) {
    now += 20 * MS;
    rtp_event_receiver_feed(r, now, payload(p, 0, FALSE, d), 4, 1000, FALSE);
  }
  now += 20 * MS;
  rtp_event_receiver_feed(r, now, payload(p, 0, FALSE, 160), 4, 1000 + 0xffff, FALSE);
  now += 20 * MS;
  rtp_event_receiver_feed(r, now, payload(p, 0, TRUE, 320), 4, 1000 + 0xffff, FALSE);
  g_autoptr(GString) d = collect(r, &ends, &timeouts);
  g_assert_cmpstr(d->str, ==, "0");
  g_assert_cmpuint(ends, ==, 1);
  g_assert_cmpuint(timeouts, ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/rtp-event/codes", test_codes);
  g_test_add_func("/media/rtp-event/sender-8k", test_sender_8k);
  g_test_add_func("/media/rtp-event/sender-48k", test_sender_48k);
  g_test_add_func("/media/rtp-event/sender-sequence", test_sender_sequence);
  g_test_add_func("/media/rtp-event/sender-late-poll", test_sender_late_poll);
  g_test_add_func("/media/rtp-event/sender-config", test_sender_config);
  g_test_add_func("/media/rtp-event/round-trip-8k", test_round_trip_8k);
  g_test_add_func("/media/rtp-event/round-trip-48k", test_round_trip_48k);
  g_test_add_func("/media/rtp-event/round-trip-lossy", test_round_trip_lossy);
  g_test_add_func("/media/rtp-event/receiver-lost-start", test_receiver_lost_start);
  g_test_add_func("/media/rtp-event/receiver-lost-end", test_receiver_lost_end);
  g_test_add_func("/media/rtp-event/receiver-repeated-digit-and-late", test_receiver_repeated_digit_and_late);
  g_test_add_func("/media/rtp-event/receiver-long-event", test_receiver_long_event);
  return g_test_run();
}
