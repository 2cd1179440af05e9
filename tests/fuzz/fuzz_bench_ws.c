/* Fuzz target: the load generator's WebSocket client parsers
 * (tests/bench/bench_ws.c). The first byte picks the handshake parser or
 * the frame parser; frames are parsed one after another as the client does,
 * and a frame written by bench_ws_write_frame must parse back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/bench_ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  guint8 *buf = g_memdup2(data + 1, size - 1);
  gsize len = size - 1;
  if (data[0] & 1) {
    /* Every prefix, as a response arriving in pieces would be seen. */
    for (gsize n = 0; n <= len; n++) {
      const char *reason = NULL;
      gssize r = bench_ws_parse_handshake((const char *)buf, n, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
                                          &reason);
      if (r > (gssize)n || (r < 0 && !reason))
        abort();
    }
  } else {
    gsize pos = 0;
    for (;;) {
      bench_ws_frame f;
      const char *reason = NULL;
      gssize r = bench_ws_parse_frame(buf + pos, len - pos, &f, &reason);
      if (r <= 0) {
        if (r < 0 && !reason)
          abort();
        break;
      }
      if ((gsize)r > len - pos || f.payload + f.payload_len > buf + pos + r)
        abort();
      /* Round trip: the client's own masked frame parses back. */
      GByteArray *out = g_byte_array_new();
      bench_ws_write_frame(out, f.opcode, f.payload, (gsize)f.payload_len, 0x12345678u);
      bench_ws_frame g;
      gssize r2 = bench_ws_parse_frame(out->data, out->len, &g, NULL);
      if (f.opcode < 8 && (r2 != (gssize)out->len || g.payload_len != f.payload_len ||
                           memcmp(g.payload, f.payload, (gsize)f.payload_len) != 0))
        abort();
      g_byte_array_unref(out);
      pos += (gsize)r;
    }
  }
  g_free(buf);
  return 0;
}
