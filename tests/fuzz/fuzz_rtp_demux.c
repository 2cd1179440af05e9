/* Fuzz target: RFC 7983 demultiplexing and the RTP/RTCP header parsers. */
#include <stdint.h>
#include <stdlib.h>

#include "gateway/media/rtp_demux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  rtp_header rtp;
  rtcp_header rtcp;
  const char *reason = NULL;

  rtp_demux_kind kind = rtp_demux_classify(data, size);
  if (kind == RTP_DEMUX_RTP || kind == RTP_DEMUX_RTCP || size > 0) {
    if (rtp_header_parse(data, size, &rtp, &reason) == 0) {
      /* What parses lies inside the input. */
      if (rtp.header_len > size || rtp.header_len < RTP_FIXED_HEADER_LEN || rtp.version != 2)
        abort();
    } else if (!reason) {
      abort();
    }
    reason = NULL;
    if (rtcp_header_parse(data, size, &rtcp, &reason) == 0) {
      if (rtcp.packet_len > size || rtcp.packet_len < 4 || rtcp.packet_type < 192 ||
          rtcp.packet_type > 223)
        abort();
    } else if (!reason) {
      abort();
    }
  }
  /* The classification is a pure function of the first two bytes. */
  if (size >= 2) {
    uint8_t two[2] = { data[0], data[1] };
    if (rtp_demux_classify(two, 2) != kind)
      abort();
  }
  (void)rtp_demux_kind_name(kind);
  return 0;
}
