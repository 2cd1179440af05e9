/* A minimal WebSocket client (RFC 6455): see bench_ws.h. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "tests/bench/bench_ws.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* ---- sans-IO ------------------------------------------------------------ */

char *
bench_ws_accept_for(const char *key)
{
  g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
  g_checksum_update(sha1, (const guchar *)key, strlen(key));
  g_checksum_update(sha1, (const guchar *)WS_GUID, strlen(WS_GUID));
  guint8 digest[20];
  gsize len = sizeof digest;
  g_checksum_get_digest(sha1, digest, &len);
  return g_base64_encode(digest, len);
}

/* Finds "\r\n\r\n" in BUF; returns the offset past it, or 0. */
static gsize
header_end(const char *buf, gsize len)
{
  for (gsize i = 0; i + 3 < len; i++)
    if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
      return i + 4;
  return 0;
}

gssize
bench_ws_parse_handshake(const char *buf, gsize len, const char *accept, const char **reason)
{
  const char *unused;
  if (!reason)
    reason = &unused;
  gsize end = header_end(buf, len);
  if (end == 0) {
    if (len > 16384) {
      *reason = "handshake response too long";
      return -EPROTO;
    }
    return 0;
  }
  /* Status line: "HTTP/1.1 101 ...". */
  if (end < 12 || memcmp(buf, "HTTP/1.1 101", 12) != 0) {
    *reason = "the server did not switch protocols (no 101)";
    return -EPROTO;
  }
  /* Header lines: look for Sec-WebSocket-Accept (any case). */
  static const char name[] = "sec-websocket-accept:";
  gsize pos = 0;
  while (pos < end && buf[pos] != '\n')
    pos++;
  pos++;
  while (pos < end - 2) {
    gsize line_end = pos;
    while (line_end < end && buf[line_end] != '\r')
      line_end++;
    gsize n = strlen(name);
    if (line_end - pos > n && g_ascii_strncasecmp(buf + pos, name, n) == 0) {
      gsize v = pos + n;
      while (v < line_end && (buf[v] == ' ' || buf[v] == '\t'))
        v++;
      gsize vend = line_end;
      while (vend > v && (buf[vend - 1] == ' ' || buf[vend - 1] == '\t'))
        vend--;
      if (vend - v == strlen(accept) && memcmp(buf + v, accept, vend - v) == 0)
        return (gssize)end;
      *reason = "wrong Sec-WebSocket-Accept";
      return -EPROTO;
    }
    pos = line_end + 2;
  }
  *reason = "no Sec-WebSocket-Accept";
  return -EPROTO;
}

gssize
bench_ws_parse_frame(guint8 *buf, gsize len, bench_ws_frame *out, const char **reason)
{
  const char *unused;
  if (!reason)
    reason = &unused;
  if (len < 2)
    return 0;
  gboolean fin = (buf[0] & 0x80) != 0;
  guint opcode = buf[0] & 0x0f;
  if (buf[0] & 0x70) {
    *reason = "reserved bits set";
    return -EPROTO;
  }
  if ((opcode > 2 && opcode < 8) || opcode > 10) {
    *reason = "unknown opcode";
    return -EPROTO;
  }
  gboolean masked = (buf[1] & 0x80) != 0;
  guint64 plen = buf[1] & 0x7f;
  gsize pos = 2;
  if (plen == 126) {
    if (len < 4)
      return 0;
    plen = (guint64)buf[2] << 8 | buf[3];
    pos = 4;
  } else if (plen == 127) {
    if (len < 10)
      return 0;
    plen = 0;
    for (int i = 0; i < 8; i++)
      plen = plen << 8 | buf[2 + i];
    pos = 10;
  }
  if (opcode >= 8 && (plen > 125 || !fin)) {
    *reason = "control frame too long or fragmented";
    return -EPROTO;
  }
  if (plen > BENCH_WS_MAX_MESSAGE) {
    *reason = "frame too long";
    return -EPROTO;
  }
  guint8 mask[4] = { 0 };
  if (masked) {
    if (len < pos + 4)
      return 0;
    memcpy(mask, buf + pos, 4);
    pos += 4;
  }
  if (len - pos < plen)
    return 0;
  if (masked)
    for (guint64 i = 0; i < plen; i++)
      buf[pos + i] ^= mask[i & 3];
  out->fin = fin;
  out->opcode = opcode;
  out->payload = buf + pos;
  out->payload_len = plen;
  return (gssize)(pos + plen);
}

void
bench_ws_write_frame(GByteArray *out, guint opcode, const void *payload, gsize len, guint32 mask)
{
  guint8 hdr[14];
  gsize n = 0;
  hdr[n++] = 0x80 | (opcode & 0x0f);
  if (len < 126) {
    hdr[n++] = 0x80 | (guint8)len;
  } else if (len < 65536) {
    hdr[n++] = 0x80 | 126;
    hdr[n++] = (guint8)(len >> 8);
    hdr[n++] = (guint8)len;
  } else {
    hdr[n++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--)
      hdr[n++] = (guint8)((guint64)len >> (8 * i));
  }
  guint8 m[4] = { mask >> 24, mask >> 16, mask >> 8, mask };
  memcpy(hdr + n, m, 4);
  n += 4;
  g_byte_array_append(out, hdr, (guint)n);
  gsize start = out->len;
  g_byte_array_append(out, payload, (guint)len);
  for (gsize i = 0; i < len; i++)
    out->data[start + i] ^= m[i & 3];
}

/* ---- glue ------------------------------------------------------------------ */

struct bench_ws {
  GSocket *socket;
  media_poll *poll;
  media_poll_watch *watch;
  bench_ws_callbacks callbacks;
  gpointer user_data;
  char *accept;
  gboolean open;
  GByteArray *in;       /* received, not yet parsed */
  GByteArray *message;  /* a fragmented message being put together */
  GByteArray *out;      /* scratch for writing frames */
};

static void
ws_end(bench_ws *ws, const char *reason)
{
  media_poll_remove(ws->poll, ws->watch);
  ws->watch = NULL;
  ws->open = FALSE;
  if (ws->callbacks.on_close)
    ws->callbacks.on_close(reason, ws->user_data);
}

static void
ws_send_raw(bench_ws *ws, const guint8 *data, gsize len)
{
  GError *error = NULL;
  while (len > 0) {
    gssize n = g_socket_send_with_blocking(ws->socket, (const char *)data, len, TRUE, NULL, &error);
    if (n <= 0) {
      g_clear_error(&error);
      return;
    }
    data += n;
    len -= (gsize)n;
  }
}

/* Handles every complete frame in ws->in. Returns FALSE when the connection ended. */
static gboolean
ws_process(bench_ws *ws)
{
  gsize pos = 0;
  while (pos < ws->in->len) {
    bench_ws_frame f;
    const char *reason = NULL;
    gssize n = bench_ws_parse_frame(ws->in->data + pos, ws->in->len - pos, &f, &reason);
    if (n == 0)
      break;
    if (n < 0) {
      ws_end(ws, reason);
      return FALSE;
    }
    pos += (gsize)n;
    if (f.opcode == 8) {
      ws_end(ws, "closed by the gateway");
      return FALSE;
    }
    if (f.opcode == 9) {
      g_byte_array_set_size(ws->out, 0);
      bench_ws_write_frame(ws->out, 10, f.payload, (gsize)f.payload_len, g_random_int());
      ws_send_raw(ws, ws->out->data, ws->out->len);
      continue;
    }
    if (f.opcode == 10)
      continue;
    g_byte_array_append(ws->message, f.payload, (guint)f.payload_len);
    if (ws->message->len > BENCH_WS_MAX_MESSAGE) {
      ws_end(ws, "message too long");
      return FALSE;
    }
    if (f.fin) {
      guint8 nul = 0;
      g_byte_array_append(ws->message, &nul, 1);
      if (ws->callbacks.on_message)
        ws->callbacks.on_message((const char *)ws->message->data, ws->message->len - 1,
                                 ws->user_data);
      g_byte_array_set_size(ws->message, 0);
    }
  }
  g_byte_array_remove_range(ws->in, 0, (guint)pos);
  return TRUE;
}

static void
on_readable(int fd, gpointer user_data)
{
  bench_ws *ws = user_data;
  guint8 buf[65536];
  GError *error = NULL;
  gssize n =
      g_socket_receive_with_blocking(ws->socket, (char *)buf, sizeof buf, FALSE, NULL, &error);
  if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
    g_clear_error(&error);
    return;
  }
  g_clear_error(&error);
  if (n <= 0) {
    ws_end(ws, "the gateway closed the connection");
    return;
  }
  g_byte_array_append(ws->in, buf, (guint)n);
  if (!ws->open) {
    const char *reason = NULL;
    gssize hl = bench_ws_parse_handshake((const char *)ws->in->data, ws->in->len, ws->accept,
                                         &reason);
    if (hl == 0)
      return;
    if (hl < 0) {
      ws_end(ws, reason);
      return;
    }
    g_byte_array_remove_range(ws->in, 0, (guint)hl);
    ws->open = TRUE;
    if (ws->callbacks.on_open)
      ws->callbacks.on_open(ws->user_data);
  }
  ws_process(ws);
}

bench_ws *
bench_ws_connect(media_poll *poll, guint16 port, const bench_ws_callbacks *callbacks, gpointer user_data,
                 GError **error)
{
  g_autoptr(GSocket) socket =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (!socket)
    return NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, port);
  if (!g_socket_connect(socket, addr, NULL, error))
    return NULL;
  g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  bench_ws *ws = g_new0(bench_ws, 1);
  ws->socket = g_steal_pointer(&socket);
  ws->callbacks = *callbacks;
  ws->user_data = user_data;
  ws->in = g_byte_array_new();
  ws->message = g_byte_array_new();
  ws->out = g_byte_array_new();
  guint8 nonce[16];
  for (int i = 0; i < 16; i++)
    nonce[i] = (guint8)g_random_int();
  g_autofree char *key = g_base64_encode(nonce, sizeof nonce);
  ws->accept = bench_ws_accept_for(key);
  g_autofree char *req = g_strdup_printf(
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:%u\r\n\r\n",
      port, key, port);
  ws_send_raw(ws, (const guint8 *)req, strlen(req));
  ws->poll = poll;
  ws->watch = media_poll_add(poll, g_socket_get_fd(ws->socket), on_readable, ws);
  if (!ws->watch)
    g_error("epoll_ctl: %s", g_strerror(errno));
  return ws;
}

int
bench_ws_send_text(bench_ws *ws, const char *text, gsize len)
{
  if (!ws->open)
    return -EPIPE;
  g_byte_array_set_size(ws->out, 0);
  bench_ws_write_frame(ws->out, 1, text, len, g_random_int());
  ws_send_raw(ws, ws->out->data, ws->out->len);
  return 0;
}

void
bench_ws_free(bench_ws *ws)
{
  if (!ws)
    return;
  media_poll_remove(ws->poll, ws->watch);
  if (ws->open) {
    g_byte_array_set_size(ws->out, 0);
    guint8 code[2] = { 0x03, 0xe8 }; /* 1000 */
    bench_ws_write_frame(ws->out, 8, code, 2, g_random_int());
    ws_send_raw(ws, ws->out->data, ws->out->len);
  }
  g_socket_close(ws->socket, NULL);
  g_object_unref(ws->socket);
  g_byte_array_unref(ws->in);
  g_byte_array_unref(ws->message);
  g_byte_array_unref(ws->out);
  g_free(ws->accept);
  g_free(ws);
}
