/* In-place RTP/RTCP rewriting: PT map, SSRC maps over compound RTCP, stream
 * continuity across source changes. */
#include <errno.h>
#include <string.h>

#include "gateway/media/rtp_rewrite.h"

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

static void
make_rtp(guint8 *pkt, guint8 pt, gboolean marker, guint16 seq, guint32 ts, guint32 ssrc)
{
  memset(pkt, 0, 20);
  pkt[0] = 0x80;
  pkt[1] = (guint8)((marker ? 0x80 : 0) | pt);
  pkt[2] = (guint8)(seq >> 8);
  pkt[3] = (guint8)seq;
  put32(pkt + 4, ts);
  put32(pkt + 8, ssrc);
  memcpy(pkt + 12, "payload!", 8);
}

static guint16
seq_of(const guint8 *p)
{
  return (guint16)((p[2] << 8) | p[3]);
}

static void
test_pt_map(void)
{
  rtp_rewrite_pt_map m;
  rtp_rewrite_pt_map_init(&m);
  guint8 pkt[20];
  make_rtp(pkt, 111, TRUE, 1, 2, 3);
  g_assert_cmpint(rtp_rewrite_pt_apply(&m, pkt, sizeof pkt), ==, -ENOENT);
  g_assert_cmpuint(pkt[1], ==, 0x80 | 111);
  static const struct {
    int in, out, rc;
  } sets[] = {
    { 111, 96, 0 }, { 0, 0, 0 }, { 101, -1, 0 }, { 8, 127, 0 },
    { 128, 0, -EINVAL }, { -1, 0, -EINVAL }, { 0, 128, -EINVAL }, { 0, 72, -EINVAL },
    { 0, 76, -EINVAL }, { 9, 77, 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(sets); i++)
    g_assert_cmpint(rtp_rewrite_pt_map_set(&m, sets[i].in, sets[i].out), ==, sets[i].rc);
  static const struct {
    guint8 pt;
    gboolean marker;
    int rc;
    guint8 byte1;
  } apply[] = {
    { 111, TRUE, 0, 0x80 | 96 }, { 111, FALSE, 0, 96 }, { 0, TRUE, 0, 0x80 }, { 8, FALSE, 0, 127 },
    { 101, TRUE, -ENOENT, 0x80 | 101 }, { 9, FALSE, 0, 77 }, { 18, FALSE, -ENOENT, 18 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(apply); i++) {
    make_rtp(pkt, apply[i].pt, apply[i].marker, 1, 2, 3);
    g_assert_cmpint(rtp_rewrite_pt_apply(&m, pkt, sizeof pkt), ==, apply[i].rc);
    g_assert_cmpuint(pkt[1], ==, apply[i].byte1);
  }
  /* Not RTP: version 1, and every truncation below the fixed header. */
  make_rtp(pkt, 111, FALSE, 1, 2, 3);
  pkt[0] = 0x40;
  g_assert_cmpint(rtp_rewrite_pt_apply(&m, pkt, sizeof pkt), ==, -EINVAL);
  g_assert_cmpint(rtp_rewrite_pt_apply(&m, NULL, 0), ==, -EINVAL);
  make_rtp(pkt, 111, FALSE, 1, 2, 3);
  for (gsize n = 0; n < 12; n++) {
    g_autofree guint8 *copy = g_memdup2(pkt, n ? n : 1);
    g_assert_cmpint(rtp_rewrite_pt_apply(&m, copy, n), ==, -EINVAL);
  }
}

static void
test_ssrc_map(void)
{
  rtp_rewrite_ssrc_map m;
  guint32 to = 0;
  rtp_rewrite_ssrc_map_init(&m);
  g_assert_false(rtp_rewrite_ssrc_map_lookup(&m, 1, &to));
  g_assert_false(rtp_rewrite_ssrc_map_lookup(NULL, 1, &to));
  for (guint32 i = 1; i <= RTP_REWRITE_SSRC_PAIRS; i++)
    g_assert_cmpint(rtp_rewrite_ssrc_map_set(&m, i, i * 100), ==, 0);
  g_assert_cmpint(rtp_rewrite_ssrc_map_set(&m, 99, 1), ==, -ENOSPC);
  g_assert_cmpint(rtp_rewrite_ssrc_map_set(&m, 2, 222), ==, 0); /* replace */
  g_assert_true(rtp_rewrite_ssrc_map_lookup(&m, 2, &to));
  g_assert_cmpuint(to, ==, 222);
  rtp_rewrite_ssrc_map_remove(&m, 1);
  rtp_rewrite_ssrc_map_remove(&m, 12345);
  g_assert_false(rtp_rewrite_ssrc_map_lookup(&m, 1, &to));
  g_assert_true(rtp_rewrite_ssrc_map_lookup(&m, 4, &to));
  g_assert_cmpuint(to, ==, 400);
  g_assert_cmpint(rtp_rewrite_ssrc_map_set(&m, 99, 1), ==, 0);

  guint8 pkt[20];
  make_rtp(pkt, 0, FALSE, 1, 2, 4);
  g_assert_cmpint(rtp_rewrite_rtp_ssrc(&m, pkt, sizeof pkt), ==, 0);
  g_assert_cmpuint(get32(pkt + 8), ==, 400);
  g_assert_cmpint(rtp_rewrite_rtp_ssrc(&m, pkt, sizeof pkt), ==, 0); /* 400 is not mapped */
  g_assert_cmpuint(get32(pkt + 8), ==, 400);
  g_assert_cmpint(rtp_rewrite_rtp_ssrc(&m, pkt, 11), ==, -EINVAL);
}

/* ---- RTCP ---- */

#define PHONE 0x11111111u  /* the sender of the compound */
#define OURS 0x22222222u   /* what we send to the phone (reported on) */
#define OTHER 0x33333333u  /* an SSRC in no map */
#define B_OUT 0xaaaaaaaau  /* what the browser should see for PHONE */
#define B_SRC 0xbbbbbbbbu  /* the browser SSRC that OURS stands for */

typedef struct {
  guint8 buf[512];
  gsize len;
} builder;

static guint8 *
add_packet(builder *b, guint8 count, guint8 pt, gsize body_len)
{
  g_assert_true(body_len % 4 == 0);
  guint8 *p = b->buf + b->len;
  memset(p, 0, 4 + body_len);
  p[0] = (guint8)(0x80 | count);
  p[1] = pt;
  p[2] = (guint8)((body_len / 4) >> 8);
  p[3] = (guint8)(body_len / 4);
  b->len += 4 + body_len;
  return p;
}

static void
build_compound(builder *b)
{
  b->len = 0;
  /* SR, two report blocks: about OURS and about OTHER. */
  guint8 *sr = add_packet(b, 2, 200, 4 + 20 + 48);
  put32(sr + 4, PHONE);
  put32(sr + 28, OURS);
  put32(sr + 52, OTHER);
  /* SDES: two chunks, CNAME "ab" (needs 3 bytes of padding with the null) and
   * an empty chunk. */
  guint8 *sdes = add_packet(b, 2, 202, 4 + 8 + 4 + 4);
  put32(sdes + 4, PHONE);
  sdes[8] = 1;
  sdes[9] = 2;
  sdes[10] = 'a';
  sdes[11] = 'b';
  /* sdes[12..15]: null item + padding */
  put32(sdes + 16, OTHER);
  /* sdes[20..23]: null item + padding */
  /* RTPFB generic NACK about OURS. */
  guint8 *nack = add_packet(b, 1, 205, 12);
  put32(nack + 4, PHONE);
  put32(nack + 8, OURS);
  /* PSFB PLI about OURS. */
  guint8 *pli = add_packet(b, 1, 206, 8);
  put32(pli + 4, PHONE);
  put32(pli + 8, OURS);
  /* PSFB FIR: media source 0, FCI about OURS. */
  guint8 *fir = add_packet(b, 4, 206, 16);
  put32(fir + 4, PHONE);
  put32(fir + 12, OURS);
  /* RR with no report block, APP, XR, an unknown type, BYE of PHONE. */
  guint8 *rr = add_packet(b, 0, 201, 4);
  put32(rr + 4, PHONE);
  guint8 *app = add_packet(b, 0, 204, 8);
  put32(app + 4, PHONE);
  memcpy(app + 8, "NAME", 4);
  guint8 *xr = add_packet(b, 0, 207, 4);
  put32(xr + 4, PHONE);
  guint8 *unk = add_packet(b, 0, 195, 4);
  put32(unk + 4, PHONE);
  guint8 *bye = add_packet(b, 2, 203, 8);
  put32(bye + 4, PHONE);
  put32(bye + 8, OTHER);
}

static void
maps(rtp_rewrite_ssrc_map *sender, rtp_rewrite_ssrc_map *media)
{
  rtp_rewrite_ssrc_map_init(sender);
  rtp_rewrite_ssrc_map_init(media);
  rtp_rewrite_ssrc_map_set(sender, PHONE, B_OUT);
  rtp_rewrite_ssrc_map_set(media, OURS, B_SRC);
}

static void
test_rtcp_compound(void)
{
  builder b;
  rtp_rewrite_ssrc_map sender, media;
  maps(&sender, &media);
  build_compound(&b);
  const char *reason = NULL;
  g_assert_cmpint(rtp_rewrite_rtcp(&sender, &media, b.buf, b.len, &reason), ==, 0);
  const guint8 *p = b.buf;
  /* SR */
  g_assert_cmpuint(get32(p + 4), ==, B_OUT);
  g_assert_cmpuint(get32(p + 28), ==, B_SRC);
  g_assert_cmpuint(get32(p + 52), ==, OTHER);
  p += 4 + 72;
  /* SDES */
  g_assert_cmpuint(get32(p + 4), ==, B_OUT);
  g_assert_cmpmem(p + 10, 2, "ab", 2);
  g_assert_cmpuint(get32(p + 16), ==, OTHER);
  p += 24;
  /* NACK, PLI */
  g_assert_cmpuint(get32(p + 4), ==, B_OUT);
  g_assert_cmpuint(get32(p + 8), ==, B_SRC);
  p += 16;
  g_assert_cmpuint(get32(p + 4), ==, B_OUT);
  g_assert_cmpuint(get32(p + 8), ==, B_SRC);
  p += 12;
  /* FIR */
  g_assert_cmpuint(get32(p + 4), ==, B_OUT);
  g_assert_cmpuint(get32(p + 8), ==, 0);
  g_assert_cmpuint(get32(p + 12), ==, B_SRC);
  p += 20;
  /* RR, APP, XR, unknown (left alone), BYE */
  g_assert_cmpuint(get32(p + 4), ==, B_OUT);
  p += 8;
  g_assert_cmpuint(get32(p + 4), ==, B_OUT);
  g_assert_cmpmem(p + 8, 4, "NAME", 4);
  p += 12;
  g_assert_cmpuint(get32(p + 4), ==, B_OUT);
  p += 8;
  g_assert_cmpuint(get32(p + 4), ==, PHONE);
  p += 8;
  g_assert_cmpuint(get32(p + 4), ==, B_OUT);
  g_assert_cmpuint(get32(p + 8), ==, OTHER);
  p += 12;
  g_assert_true(p == b.buf + b.len);

  /* NULL maps: validation only. */
  build_compound(&b);
  builder copy = b;
  g_assert_cmpint(rtp_rewrite_rtcp(NULL, NULL, b.buf, b.len, NULL), ==, 0);
  g_assert_cmpmem(b.buf, b.len, copy.buf, copy.len);
}

static void
test_rtcp_every_truncation(void)
{
  builder b, orig;
  rtp_rewrite_ssrc_map sender, media;
  maps(&sender, &media);
  build_compound(&orig);
  guint ok = 0;
  for (gsize n = 0; n <= orig.len; n++) {
    g_autofree guint8 *copy = g_memdup2(orig.buf, n ? n : 1);
    const char *reason = NULL;
    int rc = rtp_rewrite_rtcp(&sender, &media, copy, n, &reason);
    if (rc == 0) {
      ok++;
    } else {
      g_assert_cmpint(rc, ==, -EINVAL);
      g_assert_nonnull(reason);
      g_assert_cmpmem(copy, n, orig.buf, n); /* untouched */
    }
  }
  g_assert_cmpuint(ok, ==, 10); /* exactly at the end of each of the 10 packets */
  (void)b;
}

static void
test_rtcp_malformed(void)
{
  rtp_rewrite_ssrc_map sender, media;
  maps(&sender, &media);
  static const struct {
    const char *name;
    guint8 bytes[32];
    gsize len;
  } cases[] = {
    { "version 0", { 0x00, 201, 0, 1, 0x11, 0x11, 0x11, 0x11 }, 8 },
    { "length past the end", { 0x80, 201, 0, 2, 0x11, 0x11, 0x11, 0x11 }, 8 },
    { "SR without sender info", { 0x80, 200, 0, 1, 0x11, 0x11, 0x11, 0x11 }, 8 },
    { "RR claiming a block", { 0x81, 201, 0, 1, 0x11, 0x11, 0x11, 0x11 }, 8 },
    { "RR claiming 31 blocks", { 0x9f, 201, 0, 7, 0x11, 0x11, 0x11, 0x11 }, 32 },
    { "SDES item overrun", { 0x81, 202, 0, 2, 0x11, 0x11, 0x11, 0x11, 1, 9, 'a', 'b' }, 12 },
    { "SDES chunk without end", { 0x81, 202, 0, 2, 0x11, 0x11, 0x11, 0x11, 1, 2, 'a', 'b' }, 12 },
    { "SDES two chunks, room for one", { 0x82, 202, 0, 2, 0x11, 0x11, 0x11, 0x11, 0, 0, 0, 0 }, 12 },
    { "BYE count overrun", { 0x82, 203, 0, 1, 0x11, 0x11, 0x11, 0x11 }, 8 },
    { "PLI without media source", { 0x81, 206, 0, 1, 0x11, 0x11, 0x11, 0x11 }, 8 },
    { "APP without SSRC", { 0x80, 204, 0, 0 }, 4 },
    { "good then junk", { 0x80, 201, 0, 1, 0x11, 0x11, 0x11, 0x11, 0x80 }, 9 },
    { "good then bad version", { 0x80, 201, 0, 1, 0x11, 0x11, 0x11, 0x11, 0x40, 201, 0, 1, 1, 2, 3, 4 }, 16 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree guint8 *copy = g_memdup2(cases[i].bytes, cases[i].len);
    const char *reason = NULL;
    if (rtp_rewrite_rtcp(&sender, &media, copy, cases[i].len, &reason) != -EINVAL)
      g_error("accepted: %s", cases[i].name);
    g_assert_nonnull(reason);
    g_assert_cmpmem(copy, cases[i].len, cases[i].bytes, cases[i].len);
  }
  g_assert_cmpint(rtp_rewrite_rtcp(&sender, &media, NULL, 0, NULL), ==, -EINVAL);
  guint8 one = 0x80;
  g_assert_cmpint(rtp_rewrite_rtcp(&sender, &media, &one, 0, NULL), ==, -EINVAL);
}

/* ---- stream continuity ---- */

#define MS 1000

static void
test_stream_continuous(void)
{
  rtp_rewrite_stream st;
  rtp_rewrite_stream_init(&st, RTP_REWRITE_CONTINUOUS, 0xcafe0001u, 8000, TRUE);
  guint8 pkt[20];
  gint64 now = 0;
  /* Source A: seq 65533.. (wraps), ts 1000 + 160 k. */
  for (guint k = 0; k < 5; k++, now += 20 * MS) {
    make_rtp(pkt, 0, k == 0, (guint16)(65533 + k), 1000 + 160 * k, 0xaaaa);
    g_assert_cmpint(rtp_rewrite_stream_apply(&st, now, pkt, sizeof pkt), ==, 0);
    g_assert_cmpuint(seq_of(pkt), ==, (guint16)(65533 + k));
    g_assert_cmpuint(get32(pkt + 4), ==, 1000 + 160 * k);
    g_assert_cmpuint(get32(pkt + 8), ==, 0xcafe0001u);
    g_assert_cmpint(pkt[1] & 0x80, ==, k == 0 ? 0x80 : 0);
    g_assert_cmpmem(pkt + 12, 8, "payload!", 8);
  }
  /* Last out: seq 1, ts 1640 at 80 ms. Hold: 2 s of silence, then source B
   * with a random start. */
  now = 80 * MS + 2000 * MS;
  make_rtp(pkt, 0, FALSE, 40000, 777777, 0xbbbb);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, now, pkt, sizeof pkt), ==, 0);
  g_assert_cmpuint(seq_of(pkt), ==, 2);
  g_assert_cmpuint(get32(pkt + 4), ==, 1640 + 16000);
  g_assert_cmpuint(get32(pkt + 8), ==, 0xcafe0001u);
  g_assert_cmpint(pkt[1] & 0x80, ==, 0x80); /* new talkspurt */
  g_assert_cmpuint(st.source_changes, ==, 1);
  make_rtp(pkt, 0, FALSE, 40001, 777777 + 160, 0xbbbb);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, now + 20 * MS, pkt, sizeof pkt), ==, 0);
  g_assert_cmpuint(seq_of(pkt), ==, 3);
  g_assert_cmpuint(get32(pkt + 4), ==, 1640 + 16000 + 160);
  g_assert_cmpint(pkt[1] & 0x80, ==, 0);
  /* A late packet of A: dropped. */
  make_rtp(pkt, 0, FALSE, 2, 1800, 0xaaaa);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, now + 25 * MS, pkt, sizeof pkt), ==, -ESTALE);
  g_assert_cmpuint(st.stale_drops, ==, 1);
  /* A reordered packet of B keeps its place and does not move the stream. */
  make_rtp(pkt, 0, FALSE, 40003, 777777 + 480, 0xbbbb);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, now + 60 * MS, pkt, sizeof pkt), ==, 0);
  g_assert_cmpuint(seq_of(pkt), ==, 5);
  make_rtp(pkt, 0, FALSE, 40002, 777777 + 320, 0xbbbb);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, now + 61 * MS, pkt, sizeof pkt), ==, 0);
  g_assert_cmpuint(seq_of(pkt), ==, 4);
  g_assert_cmpuint(get32(pkt + 4), ==, 1640 + 16000 + 320);
  g_assert_cmpuint(st.last_out_seq, ==, 5);
  /* A sequence jump within B (a restarted encoder): resync. */
  make_rtp(pkt, 0, FALSE, 50000, 900000, 0xbbbb);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, now + 80 * MS, pkt, sizeof pkt), ==, 0);
  g_assert_cmpuint(seq_of(pkt), ==, 6);
  g_assert_cmpuint(get32(pkt + 4), ==, 1640 + 16000 + 480 + 160);
  g_assert_cmpuint(st.source_changes, ==, 2);
  /* The relay inserts a packet (an RFC 4733 event): the source's next
   * packet moves one sequence number up. */
  guint16 iseq;
  guint32 its;
  g_assert_true(rtp_rewrite_stream_insert(&st, now + 90 * MS, &iseq, &its));
  g_assert_cmpuint(iseq, ==, 7);
  g_assert_cmpuint(its, ==, 1640 + 16000 + 480 + 160 + 80);
  make_rtp(pkt, 0, FALSE, 50001, 900160, 0xbbbb);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, now + 100 * MS, pkt, sizeof pkt), ==, 0);
  g_assert_cmpuint(seq_of(pkt), ==, 8);
  /* A third source C: B's packets right after the change are late ones. */
  make_rtp(pkt, 0, FALSE, 9, 5000, 0xcccc);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, now + 120 * MS, pkt, sizeof pkt), ==, 0);
  g_assert_cmpuint(seq_of(pkt), ==, 9);
  make_rtp(pkt, 0, FALSE, 50002, 900320, 0xbbbb);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, now + 125 * MS, pkt, sizeof pkt), ==, -ESTALE);
  /* B coming back for good later (music on hold over): a change again. */
  make_rtp(pkt, 0, FALSE, 50100, 916000, 0xbbbb);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, now + 1120 * MS, pkt, sizeof pkt), ==, 0);
  g_assert_cmpuint(seq_of(pkt), ==, 10);
  g_assert_cmpuint(get32(pkt + 4), ==, 1640 + 16000 + 480 + 160 + 160 + 160 + 8000);
  g_assert_cmpuint(st.source_changes, ==, 4);
  /* Malformed: untouched. */
  for (gsize n = 0; n < 12; n++) {
    g_autofree guint8 *copy = g_memdup2(pkt, n ? n : 1);
    g_assert_cmpint(rtp_rewrite_stream_apply(&st, now, copy, n), ==, -EINVAL);
  }
}

static void
test_stream_video_no_marker(void)
{
  rtp_rewrite_stream st;
  rtp_rewrite_stream_init(&st, RTP_REWRITE_CONTINUOUS, 7, 90000, FALSE);
  guint8 pkt[20];
  make_rtp(pkt, 96, FALSE, 10, 0, 1);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, 0, pkt, sizeof pkt), ==, 0);
  make_rtp(pkt, 96, FALSE, 30000, 55, 2);
  g_assert_cmpint(rtp_rewrite_stream_apply(&st, 0, pkt, sizeof pkt), ==, 0);
  g_assert_cmpuint(seq_of(pkt), ==, 11);
  g_assert_cmpuint(get32(pkt + 4), ==, 1); /* same instant: one clock unit on */
  g_assert_cmpint(pkt[1] & 0x80, ==, 0);
}

static void
test_stream_pass_through(void)
{
  rtp_rewrite_stream st;
  rtp_rewrite_stream_init(&st, RTP_REWRITE_PASS_THROUGH, 0xcafe0001u, 8000, TRUE);
  guint8 pkt[20], orig[20];
  guint16 seq;
  guint32 ts;
  static const guint32 ssrcs[] = { 0xaaaa, 0xaaaa, 0xbbbb, 0xaaaa };
  for (guint k = 0; k < G_N_ELEMENTS(ssrcs); k++) {
    make_rtp(pkt, 0, FALSE, (guint16)(k * 9999), k * 12345, ssrcs[k]);
    memcpy(orig, pkt, sizeof pkt);
    g_assert_cmpint(rtp_rewrite_stream_apply(&st, k * 20 * MS, pkt, sizeof pkt), ==, 0);
    g_assert_cmpmem(pkt, sizeof pkt, orig, sizeof orig);
  }
  g_assert_false(rtp_rewrite_stream_insert(&st, 0, &seq, &ts));
  rtp_rewrite_stream_init(&st, RTP_REWRITE_CONTINUOUS, 1, 8000, TRUE);
  g_assert_false(rtp_rewrite_stream_insert(&st, 0, &seq, &ts)); /* nothing sent yet */
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/rtp-rewrite/pt-map", test_pt_map);
  g_test_add_func("/media/rtp-rewrite/ssrc-map", test_ssrc_map);
  g_test_add_func("/media/rtp-rewrite/rtcp-compound", test_rtcp_compound);
  g_test_add_func("/media/rtp-rewrite/rtcp-every-truncation", test_rtcp_every_truncation);
  g_test_add_func("/media/rtp-rewrite/rtcp-malformed", test_rtcp_malformed);
  g_test_add_func("/media/rtp-rewrite/stream-continuous", test_stream_continuous);
  g_test_add_func("/media/rtp-rewrite/stream-video-no-marker", test_stream_video_no_marker);
  g_test_add_func("/media/rtp-rewrite/stream-pass-through", test_stream_pass_through);
  return g_test_run();
}
