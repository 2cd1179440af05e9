/* RFC 4733 telephone-event sender and receiver (see rtp_event.h). */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/rtp_event.h"

#include <errno.h>
#include <string.h>

static const char event_chars[16] = { '0', '1', '2', '3', '4', '5', '6', '7',
                                      '8', '9', '*', '#', 'A', 'B', 'C', 'D' };

char
rtp_event_char(guint code)
{
  return code < 16 ? event_chars[code] : '\0';
}

int
rtp_event_code(char c)
{
  if (c >= 'a' && c <= 'd')
    c = (char)(c - 'a' + 'A');
  for (int i = 0; i < 16; i++)
    if (event_chars[i] == c && c != '\0')
      return i;
  return -1;
}

static guint32
units(gint64 us, guint rate)
{
  return (guint32)(guint64)(us * (gint64)rate / G_USEC_PER_SEC);
}

/* ---- sender ---- */

struct rtp_event_sender {
  rtp_event_sender_config cfg;
  gint64 epoch_us;
  gint64 duration_us, gap_us, ptime_us;
  guint n_updates; /* packets before the end packets */
  char queue[RTP_EVENT_MAX_QUEUE];
  guint q_head, q_len;
  gint64 next_start_us; /* earliest start of the next event */
  /* The event in progress. */
  gboolean active;
  char digit;
  gint64 start_us;
  guint index;    /* next packet: 0..n_updates-1 updates, then 3 end packets */
  gboolean sent_any;
};

void
rtp_event_sender_config_init(rtp_event_sender_config *cfg)
{
  cfg->payload_type = 101;
  cfg->clock_rate = 8000;
  cfg->duration_ms = 100;
  cfg->gap_ms = 50;
  cfg->ptime_ms = 20;
  cfg->volume = 10;
}

rtp_event_sender *
rtp_event_sender_new(const rtp_event_sender_config *cfg, gint64 epoch_us, const char **reason)
{
  const char *r = NULL;
  if (cfg->clock_rate < 1000 || cfg->clock_rate > 96000)
    r = "telephone-event clock rate out of range";
  else if (cfg->ptime_ms == 0 || cfg->ptime_ms > 1000)
    r = "telephone-event ptime out of range";
  else if (cfg->duration_ms == 0 ||
           (guint64)cfg->duration_ms * cfg->clock_rate / 1000 > G_MAXUINT16)
    r = "telephone-event duration does not fit 16 bits of clock units";
  else if (cfg->gap_ms > 10000)
    r = "telephone-event gap out of range";
  else if (cfg->payload_type > 127)
    r = "telephone-event payload type out of range";
  else if (cfg->volume > 63)
    r = "telephone-event volume out of range";
  if (r) {
    if (reason)
      *reason = r;
    return NULL;
  }
  rtp_event_sender *s = g_new0(rtp_event_sender, 1);
  s->cfg = *cfg;
  s->epoch_us = epoch_us;
  s->duration_us = (gint64)cfg->duration_ms * 1000;
  s->gap_us = (gint64)cfg->gap_ms * 1000;
  s->ptime_us = (gint64)cfg->ptime_ms * 1000;
  s->n_updates = (cfg->duration_ms + cfg->ptime_ms - 1) / cfg->ptime_ms - 1;
  s->next_start_us = G_MININT64;
  return s;
}

void
rtp_event_sender_free(rtp_event_sender *s)
{
  g_free(s);
}

int
rtp_event_sender_queue(rtp_event_sender *s, const char *digits, gint64 now_us)
{
  gsize n = strlen(digits);
  for (gsize i = 0; i < n; i++)
    if (rtp_event_code(digits[i]) < 0)
      return -EINVAL;
  if (s->q_len + n > RTP_EVENT_MAX_QUEUE)
    return -ENOSPC;
  if (!s->active && s->q_len == 0)
    s->next_start_us = MAX(s->next_start_us, now_us);
  for (gsize i = 0; i < n; i++) {
    char c = rtp_event_char((guint)rtp_event_code(digits[i]));
    s->queue[(s->q_head + s->q_len) % RTP_EVENT_MAX_QUEUE] = c;
    s->q_len++;
  }
  return 0;
}

gint64
rtp_event_sender_next_deadline(const rtp_event_sender *s)
{
  if (s->active)
    return s->start_us + (gint64)s->index * s->ptime_us;
  if (s->q_len > 0)
    return s->next_start_us;
  return -1;
}

gboolean
rtp_event_sender_busy(const rtp_event_sender *s)
{
  return s->active;
}

gboolean
rtp_event_sender_poll(rtp_event_sender *s, gint64 now_us, rtp_event_packet *out)
{
  if (!s->active) {
    if (s->q_len == 0 || now_us < s->next_start_us)
      return FALSE;
    s->digit = s->queue[s->q_head];
    s->q_head = (s->q_head + 1) % RTP_EVENT_MAX_QUEUE;
    s->q_len--;
    s->active = TRUE;
    s->start_us = s->next_start_us;
    s->index = 0;
    s->sent_any = FALSE;
  }
  gint64 due = s->start_us + (gint64)s->index * s->ptime_us;
  if (now_us < due)
    return FALSE;
  if (s->index < s->n_updates) {
    /* Late: skip updates a newer one supersedes, or go straight to the end. */
    gint64 reached = (now_us - s->start_us) / s->ptime_us;
    if (reached >= (gint64)s->n_updates)
      s->index = s->n_updates;
    else if (reached > (gint64)s->index)
      s->index = (guint)reached;
  }
  gboolean end = s->index >= s->n_updates;
  guint32 duration = end ? units(s->duration_us, s->cfg.clock_rate)
                         : units((gint64)(s->index + 1) * s->ptime_us, s->cfg.clock_rate);
  memset(out, 0, sizeof *out);
  out->payload[0] = (guint8)rtp_event_code(s->digit);
  out->payload[1] = (guint8)((end ? 0x80 : 0) | (s->cfg.volume & 0x3f));
  out->payload[2] = (guint8)(duration >> 8);
  out->payload[3] = (guint8)duration;
  out->payload_type = s->cfg.payload_type;
  out->marker = !s->sent_any;
  out->event_start_us = s->start_us;
  out->timestamp_offset = units(s->start_us - s->epoch_us, s->cfg.clock_rate);
  out->end = end;
  out->digit = s->digit;
  s->sent_any = TRUE;
  s->index++;
  if (s->index >= s->n_updates + 3) {
    s->active = FALSE;
    s->next_start_us = s->start_us + s->duration_us + s->gap_us;
  }
  return TRUE;
}

/* ---- receiver ---- */

#define RECENT_KEYS 8
#define REPORT_QUEUE 32
#define DEFAULT_END_TIMEOUT_MS 300

typedef struct {
  guint32 ts;
  guint8 code;
  gboolean used;
} event_key;

struct rtp_event_receiver {
  guint clock_rate;
  gint64 end_timeout_us;
  /* The event in progress. */
  gboolean active;
  guint8 code;
  guint32 first_ts;  /* timestamp of the first segment */
  guint32 ts;        /* timestamp of the current segment */
  guint32 duration;  /* of the current segment */
  gint64 last_us;
  /* Events already reported, to recognize their retransmissions. */
  event_key recent[RECENT_KEYS];
  guint recent_next;
  gboolean have_newest;
  guint32 newest_ts;
  rtp_event_report reports[REPORT_QUEUE];
  guint r_head, r_len;
  rtp_event_receiver_stats stats;
};

rtp_event_receiver *
rtp_event_receiver_new(guint clock_rate, guint end_timeout_ms)
{
  rtp_event_receiver *r = g_new0(rtp_event_receiver, 1);
  r->clock_rate = clock_rate ? clock_rate : 8000;
  r->end_timeout_us = (gint64)(end_timeout_ms ? end_timeout_ms : DEFAULT_END_TIMEOUT_MS) * 1000;
  return r;
}

void
rtp_event_receiver_free(rtp_event_receiver *r)
{
  g_free(r);
}

static void
report(rtp_event_receiver *r, rtp_event_kind kind, gboolean by_timeout)
{
  if (r->r_len == REPORT_QUEUE)
    return; /* the caller does not poll: keep the oldest */
  rtp_event_report *o = &r->reports[(r->r_head + r->r_len) % REPORT_QUEUE];
  o->kind = kind;
  o->code = r->code;
  o->digit = rtp_event_char(r->code);
  o->timestamp = r->first_ts;
  o->duration = (r->ts - r->first_ts) + r->duration;
  o->by_timeout = by_timeout;
  r->r_len++;
}

static void
remember(rtp_event_receiver *r, guint32 ts, guint8 code)
{
  r->recent[r->recent_next] = (event_key){ ts, code, TRUE };
  r->recent_next = (r->recent_next + 1) % RECENT_KEYS;
}

static gboolean
seen(const rtp_event_receiver *r, guint32 ts, guint8 code)
{
  for (guint i = 0; i < RECENT_KEYS; i++)
    if (r->recent[i].used && r->recent[i].ts == ts && r->recent[i].code == code)
      return TRUE;
  return FALSE;
}

static void
finish(rtp_event_receiver *r, gboolean by_timeout)
{
  report(r, RTP_EVENT_DIGIT_END, by_timeout);
  r->active = FALSE;
}

int
rtp_event_receiver_feed(rtp_event_receiver *r, gint64 now_us, const guint8 *payload, gsize len,
                        guint32 ts, gboolean marker)
{
  if (!payload || len < RTP_EVENT_PAYLOAD_LEN) {
    r->stats.malformed++;
    return -EINVAL;
  }
  guint8 code = payload[0];
  gboolean end = (payload[1] & 0x80) != 0;
  guint32 duration = ((guint32)payload[2] << 8) | payload[3];
  r->stats.packets++;
  if (code > 15) {
    r->stats.ignored_events++;
    return 0;
  }
  if (r->active && ts == r->ts && code == r->code) {
    /* An update or an end packet of the event in progress. */
    r->last_us = now_us;
    r->duration = MAX(r->duration, duration);
    if (end) {
      remember(r, r->ts, r->code);
      finish(r, FALSE);
    } else {
      r->stats.duplicates++;
    }
    return 0;
  }
  if (seen(r, ts, code)) {
    r->stats.duplicates++;
    return 0;
  }
  if (r->active && code == r->code && !marker && r->duration >= 0x8000 &&
      ts - r->ts > 0 && ts - r->ts <= r->duration + r->clock_rate / 5) {
    /* The next segment of a long event (RFC 4733 §2.5.1.3). */
    remember(r, r->ts, r->code);
    r->ts = ts;
    r->duration = duration;
    r->last_us = now_us;
    r->newest_ts = ts;
    if (end) {
      remember(r, ts, code);
      finish(r, FALSE);
    }
    return 0;
  }
  if (r->have_newest) {
    gint32 behind = (gint32)(ts - r->newest_ts);
    if (behind < 0 && behind > -(gint32)(r->clock_rate * 2)) {
      /* An older event we never saw: reporting it now would reorder digits. */
      r->stats.late++;
      return 0;
    }
  }
  /* A new event. */
  if (r->active) {
    remember(r, r->ts, r->code);
    finish(r, TRUE);
  }
  r->active = TRUE;
  r->code = code;
  r->first_ts = r->ts = ts;
  r->duration = duration;
  r->last_us = now_us;
  r->have_newest = TRUE;
  r->newest_ts = ts;
  report(r, RTP_EVENT_DIGIT_START, FALSE);
  if (end) {
    remember(r, ts, code);
    finish(r, FALSE);
  }
  return 0;
}

void
rtp_event_receiver_tick(rtp_event_receiver *r, gint64 now_us)
{
  if (r->active && now_us - r->last_us >= r->end_timeout_us) {
    r->stats.timeouts++;
    remember(r, r->ts, r->code);
    finish(r, TRUE);
  }
}

gint64
rtp_event_receiver_next_deadline(const rtp_event_receiver *r)
{
  return r->active ? r->last_us + r->end_timeout_us : -1;
}

gboolean
rtp_event_receiver_poll(rtp_event_receiver *r, rtp_event_report *out)
{
  if (r->r_len == 0)
    return FALSE;
  *out = r->reports[r->r_head];
  r->r_head = (r->r_head + 1) % REPORT_QUEUE;
  r->r_len--;
  return TRUE;
}

void
rtp_event_receiver_get_stats(const rtp_event_receiver *r, rtp_event_receiver_stats *out)
{
  *out = r->stats;
}
