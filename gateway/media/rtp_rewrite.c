/* In-place RTP/RTCP rewriting (see rtp_rewrite.h). */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/rtp_rewrite.h"

#include <errno.h>
#include <string.h>

#include "gateway/media/rtp_demux.h"

static guint32
get32(const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static void
put32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

/* ---- payload types ---- */

void
rtp_rewrite_pt_map_init(rtp_rewrite_pt_map *map)
{
  for (guint i = 0; i < 128; i++)
    map->out[i] = -1;
}

int
rtp_rewrite_pt_map_set(rtp_rewrite_pt_map *map, int pt_in, int pt_out)
{
  if (pt_in < 0 || pt_in > 127 || pt_out > 127 || (pt_out >= 72 && pt_out <= 76))
    return -EINVAL;
  map->out[pt_in] = (gint16)(pt_out < 0 ? -1 : pt_out);
  return 0;
}

int
rtp_rewrite_pt_apply(const rtp_rewrite_pt_map *map, guint8 *pkt, gsize len)
{
  if (!pkt || len < RTP_FIXED_HEADER_LEN || (pkt[0] >> 6) != 2)
    return -EINVAL;
  gint16 out = map->out[pkt[1] & 0x7f];
  if (out < 0)
    return -ENOENT;
  pkt[1] = (guint8)((pkt[1] & 0x80) | out);
  return 0;
}

/* ---- SSRC maps ---- */

void
rtp_rewrite_ssrc_map_init(rtp_rewrite_ssrc_map *map)
{
  memset(map, 0, sizeof *map);
}

int
rtp_rewrite_ssrc_map_set(rtp_rewrite_ssrc_map *map, guint32 from, guint32 to)
{
  for (guint i = 0; i < map->n; i++) {
    if (map->from[i] == from) {
      map->to[i] = to;
      return 0;
    }
  }
  if (map->n == RTP_REWRITE_SSRC_PAIRS)
    return -ENOSPC;
  map->from[map->n] = from;
  map->to[map->n] = to;
  map->n++;
  return 0;
}

void
rtp_rewrite_ssrc_map_remove(rtp_rewrite_ssrc_map *map, guint32 from)
{
  for (guint i = 0; i < map->n; i++) {
    if (map->from[i] == from) {
      map->n--;
      map->from[i] = map->from[map->n];
      map->to[i] = map->to[map->n];
      return;
    }
  }
}

gboolean
rtp_rewrite_ssrc_map_lookup(const rtp_rewrite_ssrc_map *map, guint32 from, guint32 *to)
{
  if (!map)
    return FALSE;
  for (guint i = 0; i < map->n && i < RTP_REWRITE_SSRC_PAIRS; i++) {
    if (map->from[i] == from) {
      *to = map->to[i];
      return TRUE;
    }
  }
  return FALSE;
}

static void
map_at(const rtp_rewrite_ssrc_map *map, guint8 *p)
{
  guint32 to;
  if (rtp_rewrite_ssrc_map_lookup(map, get32(p), &to))
    put32(p, to);
}

int
rtp_rewrite_rtp_ssrc(const rtp_rewrite_ssrc_map *sender, guint8 *pkt, gsize len)
{
  if (!pkt || len < RTP_FIXED_HEADER_LEN || (pkt[0] >> 6) != 2)
    return -EINVAL;
  map_at(sender, pkt + 8);
  return 0;
}

/* ---- RTCP ---- */

#define RTCP_SR 200
#define RTCP_RR 201
#define RTCP_SDES 202
#define RTCP_BYE 203
#define RTCP_APP 204
#define RTCP_RTPFB 205
#define RTCP_PSFB 206
#define RTCP_XR 207
#define PSFB_FIR 4

#define BAD(sentence)                                                                            \
  do {                                                                                           \
    *reason = (sentence);                                                                        \
    return -EINVAL;                                                                              \
  } while (0)

/* SDES chunks of the packet [p, end) (RFC 3550 §6.5). */
static int
walk_sdes(guint8 *p, guint8 *end, guint count, const rtp_rewrite_ssrc_map *sender,
          gboolean apply, const char **reason)
{
  guint8 *start = p;
  for (guint c = 0; c < count; c++) {
    if (end - p < 4)
      BAD("RTCP SDES chunk overruns its packet");
    if (apply)
      map_at(sender, p);
    p += 4;
    for (;;) {
      if (p >= end)
        BAD("RTCP SDES chunk has no end");
      if (*p == 0) {
        /* The null item, then padding to the next 32-bit boundary. */
        p++;
        gsize off = (gsize)(p - start);
        gsize pad = (4 - off % 4) % 4;
        if ((gsize)(end - p) < pad)
          BAD("RTCP SDES chunk padding overruns its packet");
        p += pad;
        break;
      }
      if (end - p < 2 || (gsize)(end - p) < 2 + (gsize)p[1])
        BAD("RTCP SDES item overruns its packet");
      p += 2 + p[1];
    }
  }
  return 0;
}

static int
walk_one(guint8 *p, gsize plen, const rtp_rewrite_ssrc_map *sender,
         const rtp_rewrite_ssrc_map *media, gboolean apply, const char **reason)
{
  guint count = p[0] & 0x1f;
  guint8 type = p[1];
  gsize blocks_at;
  switch (type) {
  case RTCP_SR:
  case RTCP_RR:
    blocks_at = type == RTCP_SR ? 28 : 8;
    if (plen < blocks_at || (plen - blocks_at) / 24 < count)
      BAD("RTCP report blocks overrun their packet");
    if (apply) {
      map_at(sender, p + 4);
      for (guint i = 0; i < count; i++)
        map_at(media, p + blocks_at + 24 * i);
    }
    return 0;
  case RTCP_SDES:
    return walk_sdes(p + 4, p + plen, count, sender, apply, reason);
  case RTCP_BYE:
    if ((plen - 4) / 4 < count)
      BAD("RTCP BYE SSRCs overrun their packet");
    if (apply)
      for (guint i = 0; i < count; i++)
        map_at(sender, p + 4 + 4 * i);
    return 0;
  case RTCP_RTPFB:
  case RTCP_PSFB:
    if (plen < 12)
      BAD("RTCP feedback packet is shorter than 12 bytes");
    if (apply) {
      map_at(sender, p + 4);
      map_at(media, p + 8);
      if (type == RTCP_PSFB && count == PSFB_FIR)
        for (gsize off = 12; off + 8 <= plen; off += 8)
          map_at(media, p + off);
    }
    return 0;
  case RTCP_APP:
  case RTCP_XR:
    if (plen < 8)
      BAD("RTCP packet is too short for its sender SSRC");
    if (apply)
      map_at(sender, p + 4);
    return 0;
  default:
    return 0; /* not ours to interpret */
  }
}

static int
walk(guint8 *pkt, gsize len, const rtp_rewrite_ssrc_map *sender,
     const rtp_rewrite_ssrc_map *media, gboolean apply, const char **reason)
{
  gsize off = 0;
  if (len == 0)
    BAD("RTCP packet is empty");
  while (off < len) {
    if (len - off < 4)
      BAD("RTCP header is truncated");
    guint8 *p = pkt + off;
    if ((p[0] >> 6) != 2)
      BAD("RTCP version is not 2");
    gsize plen = ((gsize)((p[2] << 8) | p[3]) + 1) * 4;
    if (plen > len - off)
      BAD("RTCP length overruns the compound packet");
    int rc = walk_one(p, plen, sender, media, apply, reason);
    if (rc < 0)
      return rc;
    off += plen;
  }
  return 0;
}

int
rtp_rewrite_rtcp(const rtp_rewrite_ssrc_map *sender, const rtp_rewrite_ssrc_map *media,
                 guint8 *pkt, gsize len, const char **reason)
{
  const char *dummy;
  if (!reason)
    reason = &dummy;
  if (!pkt)
    BAD("RTCP packet is empty");
  int rc = walk(pkt, len, sender, media, FALSE, reason);
  if (rc < 0)
    return rc;
  return walk(pkt, len, sender, media, TRUE, reason);
}

/* ---- stream continuity ---- */

void
rtp_rewrite_stream_init(rtp_rewrite_stream *st, rtp_rewrite_mode mode, guint32 out_ssrc,
                        guint clock_rate, gboolean marker_on_change)
{
  memset(st, 0, sizeof *st);
  st->mode = mode;
  st->out_ssrc = out_ssrc;
  st->clock_rate = clock_rate ? clock_rate : 8000;
  st->marker_on_change = marker_on_change;
}

static guint32
elapsed_units(const rtp_rewrite_stream *st, gint64 now_us)
{
  gint64 us = now_us - st->last_us;
  if (us <= 0)
    return 1;
  /* Cap at an hour so the product cannot overflow. */
  us = MIN(us, (gint64)3600 * G_USEC_PER_SEC);
  guint32 u = (guint32)(us * (gint64)st->clock_rate / G_USEC_PER_SEC);
  return MAX(u, 1u);
}

int
rtp_rewrite_stream_apply(rtp_rewrite_stream *st, gint64 now_us, guint8 *pkt, gsize len)
{
  if (!pkt || len < RTP_FIXED_HEADER_LEN || (pkt[0] >> 6) != 2)
    return -EINVAL;
  if (st->mode == RTP_REWRITE_PASS_THROUGH)
    return 0;
  guint16 seq = (guint16)((pkt[2] << 8) | pkt[3]);
  guint32 ts = get32(pkt + 4);
  guint32 ssrc = get32(pkt + 8);
  gboolean change = FALSE, first = !st->have_source;

  if (first) {
    st->have_source = TRUE;
    st->src_ssrc = ssrc;
    st->seq_delta = 0;
    st->ts_delta = 0;
    st->last_in_seq = seq;
  } else if (ssrc != st->src_ssrc) {
    if (st->have_prev && ssrc == st->prev_ssrc && now_us - st->change_us < RTP_REWRITE_STALE_US) {
      st->stale_drops++;
      return -ESTALE;
    }
    change = TRUE;
  } else {
    gint16 d = (gint16)(guint16)(seq - st->last_in_seq);
    if (d > RTP_REWRITE_MAX_SEQ_JUMP || d < -RTP_REWRITE_MAX_SEQ_BACK)
      change = TRUE;
  }
  if (change) {
    /* Continue right after what we sent last, in the time that passed. */
    st->source_changes++;
    if (ssrc != st->src_ssrc) {
      st->prev_ssrc = st->src_ssrc;
      st->have_prev = TRUE;
    }
    st->src_ssrc = ssrc;
    st->seq_delta = (guint16)(st->last_out_seq + 1 - seq);
    st->ts_delta = st->last_out_ts + elapsed_units(st, now_us) - ts;
    st->last_in_seq = seq;
    st->mark_next = st->marker_on_change;
    st->change_us = now_us;
  }
  guint16 out_seq = (guint16)(seq + st->seq_delta);
  guint32 out_ts = ts + st->ts_delta;
  pkt[2] = (guint8)(out_seq >> 8);
  pkt[3] = (guint8)out_seq;
  put32(pkt + 4, out_ts);
  put32(pkt + 8, st->out_ssrc);
  if (st->mark_next) {
    pkt[1] |= 0x80;
    st->mark_next = FALSE;
  }
  /* Track the newest packet (reordered older ones do not move it back). */
  gint16 ahead = (gint16)(guint16)(seq - st->last_in_seq);
  if (ahead > 0 || change || first) {
    st->last_in_seq = seq;
    st->last_out_seq = out_seq;
    st->last_out_ts = out_ts;
    st->last_us = now_us;
  }
  return 0;
}

gboolean
rtp_rewrite_stream_insert(rtp_rewrite_stream *st, gint64 now_us, guint16 *seq, guint32 *ts)
{
  if (st->mode != RTP_REWRITE_CONTINUOUS || !st->have_source)
    return FALSE;
  /* Shift the source's later packets by one to make room. */
  st->seq_delta++;
  st->last_out_seq++;
  *seq = st->last_out_seq;
  *ts = st->last_out_ts + (now_us > st->last_us ? elapsed_units(st, now_us) : 0);
  return TRUE;
}
