/* A minimal WebSocket client (RFC 6455) for the load generator: one
 * connection per simulated page, text frames only, over a GSocket on the
 * default main context.
 *
 * The parsing is sans-IO (bench_ws_parse_handshake, bench_ws_parse_frame:
 * bytes in, a result out, no allocation) and has a fuzz target
 * (tests/fuzz/fuzz_bench_ws.c). The glue (bench_ws_connect and the rest)
 * owns the socket. */
#pragma once
#include <gio/gio.h>

#include "gateway/media/media_poll.h"

/* Longest message we take from the gateway. */
#define BENCH_WS_MAX_MESSAGE (256 * 1024)

/* Parses the server's handshake response at the start of BUF (LEN bytes).
 * ACCEPT is the Sec-WebSocket-Accept value we expect. Returns the header
 * length (through the empty line) when complete and valid, 0 when more bytes
 * are needed, or -EPROTO (not 101, or a wrong or missing accept) with
 * *REASON set to a static sentence. */
gssize bench_ws_parse_handshake(const char *buf, gsize len, const char *accept,
                                const char **reason);

typedef struct {
  gboolean fin;
  guint opcode; /* 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong */
  const guint8 *payload; /* points into the buffer; unmasked in place when masked */
  guint64 payload_len;
} bench_ws_frame;

/* Parses one frame at the start of BUF (LEN bytes). A masked frame is
 * unmasked in place. Returns the frame's length when complete, 0 when more
 * bytes are needed, or -EPROTO (reserved bits, unknown opcode, a control
 * frame over 125 bytes or fragmented, payload over BENCH_WS_MAX_MESSAGE)
 * with *REASON set. */
gssize bench_ws_parse_frame(guint8 *buf, gsize len, bench_ws_frame *out, const char **reason);

/* Appends one masked client frame (FIN set) of OPCODE carrying LEN bytes. */
void bench_ws_write_frame(GByteArray *out, guint opcode, const void *payload, gsize len,
                          guint32 mask);

/* The Sec-WebSocket-Accept for KEY (base64 of SHA-1 of KEY + GUID). Caller frees. */
char *bench_ws_accept_for(const char *key);

typedef struct bench_ws bench_ws;
typedef struct {
  void (*on_open)(gpointer user_data);
  /* One complete text message; TEXT is NUL-terminated and only valid during the call. */
  void (*on_message)(const char *text, gsize len, gpointer user_data);
  /* The connection ended (closed by the server, an error, or a protocol error). */
  void (*on_close)(const char *reason, gpointer user_data);
} bench_ws_callbacks;

/* Connects to ws://127.0.0.1:PORT/ws with Origin http://127.0.0.1:PORT.
 * Callbacks run from POLL on the default main context; callbacks must not
 * free the connection. Returns NULL with ERROR when the TCP connection fails. */
bench_ws *bench_ws_connect(media_poll *poll, guint16 port, const bench_ws_callbacks *callbacks,
                           gpointer user_data, GError **error);
/* Sends one text message. Returns 0 or -EPIPE. */
int bench_ws_send_text(bench_ws *ws, const char *text, gsize len);
/* Closes without calling back. */
void bench_ws_free(bench_ws *ws);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(bench_ws, bench_ws_free)
