/* rtc2sip-bench --target rtpengine: the same calls through rtpengine, for
 * comparison.
 *
 * rtpengine is only a media relay: the bench plays the signalling itself,
 * over rtpengine's ng control protocol (bencode dictionaries over UDP, each
 * message prefixed by a cookie that the reply repeats). Per call:
 *   offer  - the browser's SDP (ICE, DTLS-SRTP, rtcp-mux); flags ICE=remove,
 *            rtcp-mux demux and the phone's transport (RTP/SAVP for SDES,
 *            RTP/AVP for plain RTP, UDP/TLS/RTP/SAVP for DTLS-SRTP). The
 *            reply's SDP is the phone's offer.
 *   answer - the phone's SDP answer; flags ICE=force and UDP/TLS/RTP/SAVPF,
 *            so the reply is an answer the browser can use (candidates,
 *            fingerprint, setup).
 *   delete - at the end.
 * rtpengine runs in userspace (table -1) on 127.0.0.1, started by the bench
 * with a log in the work folder. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/bench/bench.h"
#include "tests/bench/bench_bencode.h"

#define NG_MAX 65536

typedef enum { NG_OFFER, NG_ANSWER, NG_DELETE } ng_command;

struct bench_rtpengine {
  bench *b;
  GSocket *socket;
  GSource *source;
  guint16 port;
  guint64 next_cookie;
  GHashTable *pending; /* cookie (owned) -> GUINT_TO_POINTER(call index << 2 | command) */
};

static const char *
transport_toward_phone(bench_keying k)
{
  return k == BENCH_KEYING_SDES ? "RTP/SAVP" : k == BENCH_KEYING_RTP ? "RTP/AVP" : "UDP/TLS/RTP/SAVP";
}

static void
ng_send(bench_rtpengine *ng, bench_call *call, ng_command cmd, const GString *dict)
{
  g_autofree char *cookie = g_strdup_printf("%" G_GUINT64_FORMAT, ++ng->next_cookie);
  g_autoptr(GString) msg = g_string_new(cookie);
  g_string_append_c(msg, ' ');
  g_string_append_len(msg, dict->str, (gssize)dict->len);
  if (ng->b->opt.verbose)
    g_printerr("ng -> %.*s\n", (int)MIN(msg->len, 300), msg->str);
  g_hash_table_insert(ng->pending, g_strdup(cookie),
                      GUINT_TO_POINTER((call ? call->index : 0) << 2 | cmd));
  g_socket_send(ng->socket, msg->str, msg->len, NULL, NULL);
}

static void
call_ids(GString *d, bench_call *call)
{
  g_autofree char *call_id = g_strdup_printf("bench-%u", call->index);
  g_autofree char *from_tag = g_strdup_printf("b%u", call->index);
  bench_bencode_pair(d, "call-id", call_id);
  bench_bencode_pair(d, "from-tag", from_tag);
}

void
bench_rtpengine_offer(bench_call *call, const char *sdp)
{
  bench *b = call->b;
  g_autoptr(GString) d = g_string_new(NULL);
  bench_bencode_begin_dict(d);
  bench_bencode_pair(d, "command", "offer");
  call_ids(d, call);
  bench_bencode_pair(d, "sdp", sdp);
  bench_bencode_pair(d, "ICE", "remove");
  bench_bencode_pair(d, "transport-protocol", transport_toward_phone(b->opt.keying));
  bench_bencode_string(d, "rtcp-mux");
  bench_bencode_begin_list(d);
  bench_bencode_string(d, "demux");
  bench_bencode_end(d);
  bench_bencode_end(d);
  ng_send(b->rtpengine, call, NG_OFFER, d);
}

static void
send_answer(bench_call *call, const char *sdp)
{
  g_autoptr(GString) d = g_string_new(NULL);
  g_autofree char *to_tag = g_strdup_printf("p%u", call->index);
  bench_bencode_begin_dict(d);
  bench_bencode_pair(d, "command", "answer");
  call_ids(d, call);
  bench_bencode_pair(d, "to-tag", to_tag);
  bench_bencode_pair(d, "sdp", sdp);
  bench_bencode_pair(d, "ICE", "force");
  bench_bencode_pair(d, "transport-protocol", "UDP/TLS/RTP/SAVPF");
  bench_bencode_end(d);
  ng_send(call->b->rtpengine, call, NG_ANSWER, d);
}

void
bench_rtpengine_delete(bench_call *call)
{
  if (!call->t_offer)
    return;
  g_autoptr(GString) d = g_string_new(NULL);
  bench_bencode_begin_dict(d);
  bench_bencode_pair(d, "command", "delete");
  call_ids(d, call);
  bench_bencode_end(d);
  ng_send(call->b->rtpengine, call, NG_DELETE, d);
}

static void
on_reply(bench_rtpengine *ng, const char *buf, gsize len)
{
  const char *sp = memchr(buf, ' ', len);
  if (!sp)
    return;
  if (ng->b->opt.verbose)
    g_printerr("ng <- %.*s\n", (int)MIN(len, 300), buf);
  g_autofree char *cookie = g_strndup(buf, (gsize)(sp - buf));
  gpointer key, v;
  if (!g_hash_table_steal_extended(ng->pending, cookie, &key, &v))
    return;
  g_free(key);
  guint idx = GPOINTER_TO_UINT(v) >> 2;
  ng_command cmd = GPOINTER_TO_UINT(v) & 3;
  const char *dict = sp + 1;
  gsize dlen = len - (gsize)(dict - buf);
  const char *result, *sdp, *reason;
  gsize rlen, slen, reason_len;
  if (idx >= ng->b->opt.calls || cmd == NG_DELETE)
    return;
  bench_call *call = &ng->b->calls[idx];
  if (bench_bencode_dict_string(dict, dlen, "result", &result, &rlen) < 0) {
    bench_call_fail(call, "rtpengine: unreadable reply");
    return;
  }
  if (rlen != 2 || memcmp(result, "ok", 2) != 0) {
    if (bench_bencode_dict_string(dict, dlen, "error-reason", &reason, &reason_len) < 0) {
      reason = result;
      reason_len = rlen;
    }
    bench_call_fail(call, "rtpengine %s: %.*s", cmd == NG_OFFER ? "offer" : "answer",
                    (int)reason_len, reason);
    return;
  }
  if (bench_bencode_dict_string(dict, dlen, "sdp", &sdp, &slen) < 0) {
    bench_call_fail(call, "rtpengine: no sdp in the reply");
    return;
  }
  g_autofree char *text = g_strndup(sdp, slen);
  if (call->ended)
    return;
  if (cmd == NG_OFFER) {
    const char *why = NULL;
    g_autofree char *answer = bench_phone_answer(call, text, slen, &why);
    if (answer)
      send_answer(call, answer);
  } else {
    bench_browser_answer(call, text);
    bench_phone_media_start(call);
  }
}

static gboolean
on_readable(GSocket *socket, GIOCondition cond, gpointer user_data)
{
  bench_rtpengine *ng = user_data;
  (void)cond;
  static char buf[NG_MAX];
  for (int i = 0; i < 64; i++) {
    gssize n = g_socket_receive_with_blocking(socket, buf, sizeof buf, FALSE, NULL, NULL);
    if (n <= 0)
      break;
    on_reply(ng, buf, (gsize)n);
  }
  return G_SOURCE_CONTINUE;
}

/* Sends "ping" until rtpengine answers "pong", for up to 20 s. */
static gboolean
wait_for_pong(bench_rtpengine *ng)
{
  static const char ping[] = "0 d7:command4:pinge";
  char buf[256];
  for (int i = 0; i < 200; i++) {
    g_socket_send(ng->socket, ping, sizeof ping - 1, NULL, NULL);
    if (g_socket_condition_timed_wait(ng->socket, G_IO_IN, 100000, NULL, NULL)) {
      gssize n = g_socket_receive_with_blocking(ng->socket, buf, sizeof buf, FALSE, NULL, NULL);
      const char *v;
      gsize vl;
      if (n > 2 && buf[0] == '0' && buf[1] == ' ' &&
          bench_bencode_dict_string(buf + 2, (gsize)n - 2, "result", &v, &vl) == 0 && vl == 4 &&
          memcmp(v, "pong", 4) == 0)
        return TRUE;
    }
    g_usleep(100000); /* not listening yet (the send got ECONNREFUSED) */
  }
  return FALSE;
}

gboolean
bench_rtpengine_start(bench *b, guint16 ng_port, GError **error)
{
  g_autofree char *log = g_build_filename(b->workdir, "rtpengine.log", NULL);
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", log, g_strerror(errno));
    return FALSE;
  }
  g_autofree char *listen = g_strdup_printf("--listen-ng=127.0.0.1:%u", ng_port);
  const char *argv[] = { b->opt.rtpengine, "--config-file=none", "--table=-1", "--foreground",
                         "--log-stderr", b->opt.verbose ? "--log-level=7" : "--log-level=5",
                         "--interface=127.0.0.1", listen,
                         "--port-min=40000", "--port-max=49999", NULL };
  gboolean ok = g_spawn_async_with_fds(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL,
                                       NULL, &b->gateway_pid, -1, fd, fd, error);
  close(fd);
  if (!ok)
    return FALSE;
  bench_rtpengine *ng = g_new0(bench_rtpengine, 1);
  ng->b = b;
  ng->port = ng_port;
  ng->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  b->rtpengine = ng;
  ng->socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                            error);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new(lo, ng_port);
  if (!ng->socket || !g_socket_connect(ng->socket, to, NULL, error))
    return FALSE;
  if (!wait_for_pong(ng)) {
    g_autofree char *out = NULL;
    g_file_get_contents(log, &out, NULL, NULL);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "rtpengine did not answer ping:\n%s",
                out ? out : "");
    return FALSE;
  }
  g_socket_set_blocking(ng->socket, FALSE);
  ng->source = g_socket_create_source(ng->socket, G_IO_IN, NULL);
  g_source_set_callback(ng->source, G_SOURCE_FUNC(on_readable), ng, NULL);
  g_source_attach(ng->source, NULL);
  return TRUE;
}

void
bench_rtpengine_free(bench *b)
{
  bench_rtpengine *ng = b->rtpengine;
  if (!ng)
    return;
  if (ng->source) {
    g_source_destroy(ng->source);
    g_source_unref(ng->source);
  }
  if (ng->socket) {
    g_socket_close(ng->socket, NULL);
    g_object_unref(ng->socket);
  }
  g_hash_table_destroy(ng->pending);
  g_free(ng);
  b->rtpengine = NULL;
}
