/* RFC 7983 demultiplexing and RTP/RTCP header parsing (see rtp_demux.h). */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/rtp_demux.h"

#include <errno.h>

static guint16
read_u16(const guint8 *p)
{
  return (guint16)((p[0] << 8) | p[1]);
}

static guint32
read_u32(const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static int
fail(const char **reason, const char *why)
{
  if (reason)
    *reason = why;
  return -EINVAL;
}

rtp_demux_kind
rtp_demux_classify(const guint8 *data, gsize len)
{
  if (!data || len == 0)
    return RTP_DEMUX_DROP;
  guint8 b = data[0];
  if (b <= 3)
    return RTP_DEMUX_STUN;
  if (b >= 20 && b <= 63)
    return RTP_DEMUX_DTLS;
  if (b >= 128 && b <= 191) {
    if (len < 2)
      return RTP_DEMUX_DROP;
    return data[1] >= 192 && data[1] <= 223 ? RTP_DEMUX_RTCP : RTP_DEMUX_RTP;
  }
  return RTP_DEMUX_DROP;
}

const char *
rtp_demux_kind_name(rtp_demux_kind kind)
{
  switch (kind) {
  case RTP_DEMUX_STUN: return "stun";
  case RTP_DEMUX_DTLS: return "dtls";
  case RTP_DEMUX_RTP: return "rtp";
  case RTP_DEMUX_RTCP: return "rtcp";
  case RTP_DEMUX_DROP: break;
  }
  return "drop";
}

int
rtp_header_parse(const guint8 *data, gsize len, rtp_header *out, const char **reason)
{
  if (!data || len < RTP_FIXED_HEADER_LEN)
    return fail(reason, "RTP packet shorter than its fixed header");
  rtp_header h = { 0 };
  h.version = data[0] >> 6;
  if (h.version != 2)
    return fail(reason, "RTP version is not 2");
  h.padding = (data[0] & 0x20) != 0;
  h.extension = (data[0] & 0x10) != 0;
  h.csrc_count = data[0] & 0x0f;
  h.marker = (data[1] & 0x80) != 0;
  h.payload_type = data[1] & 0x7f;
  h.seq = read_u16(data + 2);
  h.timestamp = read_u32(data + 4);
  h.ssrc = read_u32(data + 8);
  gsize off = RTP_FIXED_HEADER_LEN + (gsize)h.csrc_count * 4;
  if (off > len)
    return fail(reason, "RTP CSRC list runs past the packet");
  if (h.extension) {
    if (len - off < 4)
      return fail(reason, "RTP header extension head runs past the packet");
    h.ext_profile = read_u16(data + off);
    h.ext_len = (gsize)read_u16(data + off + 2) * 4;
    off += 4;
    if (h.ext_len > len - off)
      return fail(reason, "RTP header extension runs past the packet");
    off += h.ext_len;
  }
  h.header_len = off;
  *out = h;
  return 0;
}

int
rtcp_header_parse(const guint8 *data, gsize len, rtcp_header *out, const char **reason)
{
  if (!data || len < 8)
    return fail(reason, "RTCP packet shorter than 8 bytes");
  rtcp_header h = { 0 };
  h.version = data[0] >> 6;
  if (h.version != 2)
    return fail(reason, "RTCP version is not 2");
  h.padding = (data[0] & 0x20) != 0;
  h.count = data[0] & 0x1f;
  h.packet_type = data[1];
  if (h.packet_type < 192 || h.packet_type > 223)
    return fail(reason, "RTCP packet type out of range");
  h.packet_len = ((gsize)read_u16(data + 2) + 1) * 4;
  if (h.packet_len > len)
    return fail(reason, "RTCP length field runs past the packet");
  h.sender_ssrc = read_u32(data + 4);
  *out = h;
  return 0;
}
