/* RFC 7983 demultiplexing and RTP/RTCP header parsing. */
#include <string.h>

#include "gateway/media/rtp_demux.h"

static void
test_classify_every_first_byte(void)
{
  for (guint b = 0; b < 256; b++) {
    guint8 pkt[2] = { (guint8)b, 0 };
    rtp_demux_kind want;
    if (b <= 3)
      want = RTP_DEMUX_STUN;
    else if (b >= 20 && b <= 63)
      want = RTP_DEMUX_DTLS;
    else if (b >= 128 && b <= 191)
      want = RTP_DEMUX_RTP;
    else
      want = RTP_DEMUX_DROP;
    g_assert_cmpint(rtp_demux_classify(pkt, 2), ==, want);
  }
  /* RTCP by the second byte, 192..223 (RFC 5761 §4 / RFC 7983). */
  for (guint b = 0; b < 256; b++) {
    guint8 pkt[2] = { 0x80, (guint8)b };
    g_assert_cmpint(rtp_demux_classify(pkt, 2), ==,
                    b >= 192 && b <= 223 ? RTP_DEMUX_RTCP : RTP_DEMUX_RTP);
  }
  guint8 one = 0x80;
  g_assert_cmpint(rtp_demux_classify(&one, 1), ==, RTP_DEMUX_DROP);
  g_assert_cmpint(rtp_demux_classify(NULL, 0), ==, RTP_DEMUX_DROP);
  g_assert_cmpstr(rtp_demux_kind_name(RTP_DEMUX_RTCP), ==, "rtcp");
}

/* RTP with two CSRCs and a one-byte-header extension. */
static const guint8 rtp_full[] = {
  0x92, 0xef, 0x12, 0x34, 0x00, 0x01, 0x02, 0x03, 0xca, 0xfe, 0xba, 0xbe, /* V=2 X CC=2 M PT=111 */
  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,                         /* CSRCs */
  0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0x00, 0x00,                         /* extension, 1 word */
  'p', 'a', 'y', 'l', 'o', 'a', 'd',
};

static void
test_rtp_parse(void)
{
  rtp_header h;
  const char *reason = NULL;
  g_assert_cmpint(rtp_header_parse(rtp_full, sizeof rtp_full, &h, &reason), ==, 0);
  g_assert_cmpint(h.version, ==, 2);
  g_assert_true(h.extension);
  g_assert_true(h.marker);
  g_assert_false(h.padding);
  g_assert_cmpint(h.csrc_count, ==, 2);
  g_assert_cmpint(h.payload_type, ==, 111);
  g_assert_cmpint(h.seq, ==, 0x1234);
  g_assert_cmpuint(h.timestamp, ==, 0x00010203);
  g_assert_cmpuint(h.ssrc, ==, 0xcafebabe);
  g_assert_cmpint(h.ext_profile, ==, 0xbede);
  g_assert_cmpuint(h.ext_len, ==, 4);
  g_assert_cmpuint(h.header_len, ==, 28);

  /* Every truncation: no overread (ASan), and a reason when refused. The
   * header needs 28 bytes; any payload length from 0 parses. */
  for (gsize len = 0; len <= sizeof rtp_full; len++) {
    guint8 *copy = g_memdup2(rtp_full, len ? len : 1);
    reason = NULL;
    int rc = rtp_header_parse(copy, len, &h, &reason);
    if (len >= 28)
      g_assert_cmpint(rc, ==, 0);
    else {
      g_assert_cmpint(rc, <, 0);
      g_assert_nonnull(reason);
    }
    g_free(copy);
  }

  guint8 v1[12] = { 0x40 };
  g_assert_cmpint(rtp_header_parse(v1, sizeof v1, &h, &reason), <, 0);
  g_assert_cmpstr(reason, ==, "RTP version is not 2");
}

static const guint8 rtcp_rr[] = {
  0x81, 0xc9, 0x00, 0x07, 0x11, 0x22, 0x33, 0x44, /* RR, 1 report block, 32 bytes */
  0x55, 0x66, 0x77, 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0x81, 0xca, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44, /* SDES, compound */
};

static void
test_rtcp_parse(void)
{
  rtcp_header h;
  const char *reason = NULL;
  g_assert_cmpint(rtcp_header_parse(rtcp_rr, sizeof rtcp_rr, &h, &reason), ==, 0);
  g_assert_cmpint(h.packet_type, ==, 201);
  g_assert_cmpint(h.count, ==, 1);
  g_assert_cmpuint(h.packet_len, ==, 32);
  g_assert_cmpuint(h.sender_ssrc, ==, 0x11223344);
  g_assert_cmpint(rtp_demux_classify(rtcp_rr, sizeof rtcp_rr), ==, RTP_DEMUX_RTCP);
  for (gsize len = 0; len <= sizeof rtcp_rr; len++) {
    guint8 *copy = g_memdup2(rtcp_rr, len ? len : 1);
    reason = NULL;
    int rc = rtcp_header_parse(copy, len, &h, &reason);
    if (len >= 32)
      g_assert_cmpint(rc, ==, 0);
    else {
      g_assert_cmpint(rc, <, 0);
      g_assert_nonnull(reason);
    }
    g_free(copy);
  }
  guint8 bad_pt[8] = { 0x80, 0xe0, 0x00, 0x01 };
  g_assert_cmpint(rtcp_header_parse(bad_pt, sizeof bad_pt, &h, &reason), <, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/demux/classify", test_classify_every_first_byte);
  g_test_add_func("/media/demux/rtp", test_rtp_parse);
  g_test_add_func("/media/demux/rtcp", test_rtcp_parse);
  return g_test_run();
}
