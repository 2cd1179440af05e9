/* RFC 7983 first-byte demultiplexing of a media port, and minimal RTP
 * (RFC 3550 §5.1) and RTCP (§6.4) header parsing.
 *
 * Everything here reads a caller-owned buffer and writes only the caller's
 * output struct: no allocation, no state, safe on any thread. */
#pragma once
#include <glib.h>

typedef enum {
  RTP_DEMUX_DROP, /* nothing we speak (ZRTP 16-19, TURN channels 64-79, junk) */
  RTP_DEMUX_STUN, /* first byte 0-3 */
  RTP_DEMUX_DTLS, /* first byte 20-63 */
  RTP_DEMUX_RTP,  /* first byte 128-191, second byte not 192-223 */
  RTP_DEMUX_RTCP, /* first byte 128-191, second byte 192-223 */
} rtp_demux_kind;

/* Sorts one datagram of LEN bytes. Empty or one-byte RTP-range datagrams are
 * RTP_DEMUX_DROP. */
rtp_demux_kind rtp_demux_classify(const guint8 *data, gsize len);
/* "stun", "dtls", "rtp", "rtcp", "drop". Static string. */
const char *rtp_demux_kind_name(rtp_demux_kind kind);

#define RTP_FIXED_HEADER_LEN 12

typedef struct {
  guint8 version;
  gboolean padding, extension, marker;
  guint8 csrc_count;
  guint8 payload_type;
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
  guint16 ext_profile;    /* when extension: "defined by profile" (0xBEDE…) */
  gsize ext_len;          /* extension data in bytes, without its 4-byte head */
  gsize header_len;       /* fixed header + CSRCs + extension: payload offset */
} rtp_header;

/* Parses the RTP header at DATA (LEN bytes). Padding is not examined (in SRTP
 * it is encrypted). Returns 0, or -EINVAL with *REASON (optional) set to a
 * static sentence. */
int rtp_header_parse(const guint8 *data, gsize len, rtp_header *out, const char **reason);

typedef struct {
  guint8 version;
  gboolean padding;
  guint8 count;         /* reception report count / subtype */
  guint8 packet_type;   /* 200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP, 205/206 feedback */
  gsize packet_len;     /* (length + 1) * 4: the first packet of a compound */
  guint32 sender_ssrc;
} rtcp_header;

/* Parses the first RTCP header of a (possibly compound, possibly SRTCP)
 * packet. Needs 8 bytes and a length field that fits in LEN. Returns 0 or
 * -EINVAL with *REASON (optional). */
int rtcp_header_parse(const guint8 *data, gsize len, rtcp_header *out, const char **reason);
