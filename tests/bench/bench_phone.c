/* rtc2sip-bench: the simulated SIP phone, a small purpose-built UAS.
 *
 * One UDP SIP socket on 127.0.0.1 that the gateway's trunk points to. An
 * INVITE for "9NNNNNN" belongs to call NNNNNN; it is answered at once with
 * 200 OK (retransmitted until the ACK, RFC 3261 §13.3.1.4) carrying SDES
 * (a=crypto AES_CM_128_HMAC_SHA1_80, RFC 4568), DTLS-SRTP (a=setup:active,
 * our fingerprint) or plain RTP, as --keying says; BYE gets 200. Messages are
 * parsed and written with the gateway's own SIP and SDP code
 * (signalling/sip, signalling/sdp), keys with gateway/media/sdes.c. Each
 * call's RTP has its own socket. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "certs/identity.h"
#include "gateway/media/sdes.h"
#include "signalling/sdp/sdp.h"
#include "signalling/sip/sip_message.h"
#include "signalling/sip/sip_uri.h"
#include "signalling/sip/sip_writer.h"
#include "tests/bench/bench.h"

#define DGRAM_MAX 1500
#define T1_US 500000
#define T2_US 4000000

struct bench_phone {
  bench *b;
  GSocket *socket;
  GSource *source;
  guint16 port;
  GHashTable *legs; /* Call-ID (owned) -> bench_phone_leg (owned) */
};

struct bench_phone_leg {
  bench_phone *phone;
  bench_call *call;
  GString *response;      /* our 200 OK, for retransmissions */
  GSocketAddress *sip_peer;
  gint64 next_retransmit, interval, give_up;
  gboolean acked, byed;
  GSocket *rtp;
  media_poll_watch *rtp_watch;
  GSocketAddress *media_to;
  media_srtp *tx, *rx;
  dtls_srtp_session *dtls;
  gboolean media; /* keys in (or plain RTP) and ACKed: the phone sends */
};

static void
leg_free(bench_phone_leg *leg)
{
  if (leg->call && leg->call->leg == leg)
    leg->call->leg = NULL;
  media_poll_remove(leg->phone->b->poll, leg->rtp_watch);
  if (leg->rtp) {
    g_socket_close(leg->rtp, NULL);
    g_object_unref(leg->rtp);
  }
  g_clear_object(&leg->media_to);
  g_clear_object(&leg->sip_peer);
  g_clear_pointer(&leg->tx, media_srtp_free);
  g_clear_pointer(&leg->rx, media_srtp_free);
  g_clear_pointer(&leg->dtls, dtls_srtp_session_free);
  if (leg->response)
    g_string_free(leg->response, TRUE);
  g_free(leg);
}

static void
sip_send(bench_phone *p, GSocketAddress *to, const GString *msg)
{
  g_socket_send_to(p->socket, to, msg->str, msg->len, NULL, NULL);
}

/* ---- media ------------------------------------------------------------------ */

static void
leg_dtls_flush(bench_phone_leg *leg)
{
  guint8 buf[DGRAM_MAX];
  gsize len;
  while (dtls_srtp_session_pop_datagram(leg->dtls, buf, sizeof buf, &len))
    g_socket_send_to(leg->rtp, leg->media_to, (const char *)buf, len, NULL, NULL);
  dtls_srtp_event ev;
  while (dtls_srtp_session_poll_event(leg->dtls, &ev)) {
    bench_call *call = leg->call;
    if (ev.type == DTLS_SRTP_EVENT_CONNECTED) {
      const dtls_srtp_keys *k = dtls_srtp_session_keys(leg->dtls);
      media_srtp_suite suite;
      g_autoptr(GError) error = NULL;
      if (media_srtp_suite_from_profile(k->profile, &suite) < 0 ||
          !(leg->tx = media_srtp_new(suite, k->local_key, k->local_key_len, TRUE, &error)) ||
          !(leg->rx = media_srtp_new(suite, k->remote_key, k->remote_key_len, FALSE, &error))) {
        bench_call_fail(call, "phone SRTP: %s", error ? error->message : "no profile");
        return;
      }
      leg->media = TRUE;
      call->phone_media = TRUE;
      bench_dtls_done(call);
    } else if (call && !call->ended) {
      bench_call_fail(call, "phone DTLS: %s", ev.reason);
      return;
    }
  }
}

static void
trace_records(bench_phone_leg *leg, const guint8 *buf, gsize n)
{
  g_autoptr(GString) g = g_string_new(NULL);
  for (gsize o = 0; o + 13 <= n;) {
    guint len = (guint)(buf[o + 11] << 8 | buf[o + 12]);
    g_string_append_printf(g, " [type %u epoch %u len %u]", buf[o], (guint)(buf[o + 3] << 8 | buf[o + 4]),
                           len);
    o += 13 + len;
  }
  g_printerr("DTLS.PHONE.%u: datagram in:%s\n", leg->call->index, g->str);
}

static void
on_rtp(int fd, gpointer user_data)
{
  bench_phone_leg *leg = user_data;
  static guint8 buf[DGRAM_MAX + MEDIA_SRTP_MAX_TRAILER];
  for (int i = 0; i < 64; i++) {
    gssize n = g_socket_receive_with_blocking(leg->rtp, (char *)buf, DGRAM_MAX, FALSE, NULL, NULL);
    if (n <= 0)
      break;
    if (!leg->call)
      continue;
    if (buf[0] >= 20 && buf[0] <= 63) {
      if (leg->phone->b->opt.verbose) /* the records of each DTLS datagram, for traces */
        trace_records(leg, buf, (gsize)n);
      if (leg->dtls) {
        dtls_srtp_session_feed(leg->dtls, g_get_monotonic_time(), buf, (gsize)n);
        leg_dtls_flush(leg);
      }
      continue;
    }
    if (buf[0] < 128 || buf[0] > 191 || n < 12 || (buf[1] >= 192 && buf[1] <= 223))
      continue;
    gsize len = (gsize)n;
    if (leg->rx && media_srtp_unprotect(leg->rx, buf, &len) < 0) {
      leg->phone->b->dir[BENCH_DIR_TO_PHONE].bad++;
      continue;
    }
    if (leg->phone->b->opt.keying != BENCH_KEYING_RTP && !leg->rx)
      continue;
    bench_rtp_receive(leg->phone->b, leg->call, BENCH_DIR_TO_PHONE, buf, len);
  }
}

void
bench_phone_send(bench_call *call, guint8 *buf, gsize cap)
{
  bench_phone_leg *leg = call->leg;
  if (!leg || !leg->media || call->ended)
    return;
  bench *b = call->b;
  gsize len = bench_rtp_build(&call->phone_tx, b->opt.payload_type, b->opt.ptime_ms, call->index,
                              b->steady, buf, cap, 8 * b->opt.ptime_ms);
  if (leg->tx && media_srtp_protect(leg->tx, buf, &len, cap) < 0)
    return;
  if (g_socket_send_to(leg->rtp, leg->media_to, (const char *)buf, len, NULL, NULL) < 0)
    return;
  bench_dir *d = &b->dir[BENCH_DIR_TO_BROWSER];
  d->sent++;
  call->sent[BENCH_DIR_TO_BROWSER]++;
  if (b->steady)
    d->sent_steady++;
}

/* ---- the INVITE ------------------------------------------------------------ */

/* The SDP answer for OFFER per --keying, or NULL with *WHY. Sets up LEG's keys. */
static char *
answer_sdp(bench_phone_leg *leg, const sdp_session *offer, const sdp_media *m, const char **why)
{
  bench *b = leg->phone->b;
  GString *a = g_string_new(NULL);
  guint16 port = 0;
  g_autoptr(GSocketAddress) local = g_socket_get_local_address(leg->rtp, NULL);
  if (local)
    port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
  g_string_append_printf(a,
                         "v=0\r\no=bench %u 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                         "t=0 0\r\nm=audio %u %s %u\r\n",
                         g_random_int() & 0x7fffffff, port, m->proto, b->opt.payload_type);
  g_string_append_printf(a, "a=rtpmap:%u %s/8000\r\na=ptime:%u\r\na=sendrecv\r\n",
                         b->opt.payload_type, b->opt.payload_type == 8 ? "PCMA" : "PCMU",
                         b->opt.ptime_ms);
  if (m->rtcp_mux)
    g_string_append(a, "a=rtcp-mux\r\n");
  if (b->opt.keying == BENCH_KEYING_SDES) {
    sdes_crypto_attr offers[8];
    gsize n = 0;
    for (guint i = 0; m->crypto && i < m->crypto->len && n < G_N_ELEMENTS(offers); i++) {
      const char *v = g_ptr_array_index(m->crypto, i);
      if (sdes_crypto_parse(v, strlen(v), &offers[n], NULL) == 0)
        n++;
    }
    static const media_srtp_suite allowed[] = { MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80 };
    gsize chosen;
    g_auto(sdes_crypto_attr) mine = { 0 };
    char line[SDES_CRYPTO_MAX_LEN];
    g_autoptr(GError) error = NULL;
    if (sdes_choose_answer(offers, n, allowed, 1, &chosen, why) < 0 ||
        sdes_crypto_generate(offers[chosen].suite, offers[chosen].tag, &mine) < 0 ||
        sdes_crypto_format(&mine, line, sizeof line) < 0 ||
        !(leg->rx = media_srtp_new(offers[chosen].suite, offers[chosen].keys[0].key,
                                   offers[chosen].keys[0].key_len, FALSE, &error)) ||
        !(leg->tx = media_srtp_new(mine.suite, mine.keys[0].key, mine.keys[0].key_len, TRUE,
                                   &error))) {
      for (gsize i = 0; i < n; i++)
        sdes_crypto_attr_clear(&offers[i]);
      if (!*why)
        *why = "no usable a=crypto in the offer";
      g_string_free(a, TRUE);
      return NULL;
    }
    for (gsize i = 0; i < n; i++)
      sdes_crypto_attr_clear(&offers[i]);
    g_string_append_printf(a, "a=crypto:%s\r\n", line);
  } else if (b->opt.keying == BENCH_KEYING_DTLS) {
    const GArray *fps = sdp_media_fingerprints(offer, m);
    if (fps->len == 0) {
      *why = "no fingerprint in the offer";
      g_string_free(a, TRUE);
      return NULL;
    }
    g_autofree char *trace = g_strdup_printf("DTLS.PHONE.%u", leg->call->index);
    dtls_srtp_config cfg = {
      .role = DTLS_ROLE_CLIENT,
      .identity = b->identity,
      .remote_fingerprints = (const fingerprint *)fps->data,
      .n_remote_fingerprints = fps->len,
      .trace_name = b->opt.verbose ? trace : NULL,
      .trace_always = b->opt.verbose,
    };
    leg->dtls = dtls_srtp_session_new(&cfg, NULL);
    if (!leg->dtls) {
      *why = "DTLS session";
      g_string_free(a, TRUE);
      return NULL;
    }
    char fp[FINGERPRINT_MAX_TEXT + 1];
    fingerprint_format(identity_fingerprint(b->identity), fp);
    g_string_append_printf(a, "a=fingerprint:%s\r\na=setup:active\r\n", fp);
  }
  return g_string_free(a, FALSE);
}

static bench_call *
call_for_uri(bench_phone *p, const sip_message *msg)
{
  sip_uri uri;
  if (sip_message_request_uri_parse(msg, &uri, NULL) < 0 || uri.user.len < 2 ||
      uri.user.len > 10 || uri.user.p[0] != '9')
    return NULL;
  char digits[12];
  memcpy(digits, uri.user.p + 1, uri.user.len - 1);
  digits[uri.user.len - 1] = '\0';
  char *end;
  unsigned long i = strtoul(digits, &end, 10);
  if (*end || i >= p->b->opt.calls)
    return NULL;
  return &p->b->calls[i];
}

static void
reply(bench_phone *p, GSocketAddress *from, const sip_message *req, guint status)
{
  g_autoptr(GString) out = g_string_new(NULL);
  if (sip_write_response_to(out, req, status, NULL, "bench") < 0)
    return;
  sip_write_finish(out, NULL, NULL, 0);
  sip_send(p, from, out);
}

/* Makes CALL's leg (under KEY in the table) for the SDP OFFER of LEN bytes
 * and returns the SDP answer (caller frees), or NULL with the call failed
 * and *WHY set. */
static char *
leg_answer(bench_phone *p, bench_call *call, const char *key, const char *text, gsize len,
           const char **why)
{
  g_autoptr(sdp_session) offer = NULL;
  *why = NULL;
  if (sdp_session_parse(text, len, SDP_PARSE_ALLOW_MISSING_S_T, &offer, why) < 0 ||
      offer->media->len < 1) {
    if (!*why)
      *why = "no media";
    bench_call_fail(call, "the offer to the phone: %s", *why);
    return NULL;
  }
  const sdp_media *m = g_ptr_array_index(offer->media, 0);
  const char *addr = m->connection.address ? m->connection.address : offer->connection.address;
  if (!addr) {
    *why = "no c= line";
    bench_call_fail(call, "the offer to the phone has no c= line");
    return NULL;
  }
  bench_phone_leg *leg = g_new0(bench_phone_leg, 1);
  leg->phone = p;
  leg->call = call;
  call->leg = leg;
  g_hash_table_insert(p->legs, g_strdup(key), leg);
  leg->media_to = g_inet_socket_address_new_from_string(addr, m->port);
  g_autoptr(GError) error = NULL;
  leg->rtp = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  if (!leg->media_to || !leg->rtp || !g_socket_bind(leg->rtp, any, FALSE, &error)) {
    *why = "RTP socket";
    bench_call_fail(call, "phone RTP socket: %s", error ? error->message : addr);
    return NULL;
  }
  g_socket_set_blocking(leg->rtp, FALSE);
  leg->rtp_watch = media_poll_add(p->b->poll, g_socket_get_fd(leg->rtp), on_rtp, leg);
  if (!leg->rtp_watch)
    g_error("epoll_ctl: %s", g_strerror(errno));
  call->phone_tx.ssrc = g_random_int();
  call->phone_tx.rtp_seq = (guint16)g_random_int();
  call->phone_tx.timestamp = g_random_int();
  char *sdp = answer_sdp(leg, offer, m, why);
  if (!sdp)
    bench_call_fail(call, "phone: %s", *why);
  return sdp;
}

static void
on_invite(bench_phone *p, GSocketAddress *from, const sip_message *msg, const char *call_id)
{
  bench_phone_leg *leg = g_hash_table_lookup(p->legs, call_id);
  if (leg) { /* a retransmission (or a re-INVITE: answer it the same way) */
    if (leg->response)
      sip_send(p, from, leg->response);
    return;
  }
  bench_call *call = call_for_uri(p, msg);
  if (!call || call->leg || call->ended) {
    reply(p, from, msg, 404);
    return;
  }
  const char *why = NULL;
  g_autofree char *sdp = leg_answer(p, call, call_id, msg->body.p, msg->body.len, &why);
  if (!sdp) {
    reply(p, from, msg, 488);
    return;
  }
  leg = call->leg;
  leg->sip_peer = g_object_ref(from);
  leg->response = g_string_new(NULL);
  sip_write_response_to(leg->response, msg, 200, NULL, "bench");
  sip_write_header_printf(leg->response, "Contact", "<sip:phone@127.0.0.1:%u>", p->port);
  sip_write_finish(leg->response, "application/sdp", sdp, strlen(sdp));
  sip_send(p, from, leg->response);
  gint64 now = g_get_monotonic_time();
  leg->interval = T1_US;
  leg->next_retransmit = now + T1_US;
  leg->give_up = now + 64 * T1_US;
}

static void
on_ack(bench_phone_leg *leg)
{
  if (leg->acked)
    return;
  leg->acked = TRUE;
  if (!leg->dtls) {
    leg->media = TRUE;
    leg->call->phone_media = TRUE;
    return;
  }
  gint64 now = g_get_monotonic_time();
  bench *b = leg->phone->b;
  if (b->first_dtls_start == 0)
    b->first_dtls_start = now;
  dtls_srtp_session_start(leg->dtls, now);
  leg_dtls_flush(leg);
}

char *
bench_phone_answer(bench_call *call, const char *offer, gsize len, const char **why)
{
  bench_phone *p = call->b->phone;
  g_autofree char *key = g_strdup_printf("ng-%u", call->index);
  if (call->leg) {
    *why = "the phone has answered already";
    return NULL;
  }
  return leg_answer(p, call, key, offer, len, why);
}

void
bench_phone_media_start(bench_call *call)
{
  if (call->leg)
    on_ack(call->leg);
}

static gboolean
on_sip(GSocket *socket, GIOCondition cond, gpointer user_data)
{
  bench_phone *p = user_data;
  (void)cond;
  static char buf[65536];
  for (int i = 0; i < 64; i++) {
    GSocketAddress *from = NULL;
    gssize n = g_socket_receive_from(socket, &from, buf, sizeof buf, NULL, NULL);
    if (n <= 0) {
      g_clear_object(&from);
      break;
    }
    g_auto(sip_message) msg = SIP_MESSAGE_INIT;
    sip_error err;
    sip_message_ids ids;
    if (sip_message_parse(&msg, buf, (gsize)n, SIP_FRAMING_DATAGRAM, NULL, &err) < 0 ||
        !msg.is_request || sip_message_get_ids(&msg, &ids, &err) < 0) {
      g_object_unref(from);
      continue;
    }
    g_autofree char *call_id = sip_slice_dup(ids.call_id);
    bench_phone_leg *leg = g_hash_table_lookup(p->legs, call_id);
    switch (msg.method_id) {
    case SIP_METHOD_INVITE:
      on_invite(p, from, &msg, call_id);
      break;
    case SIP_METHOD_ACK:
      if (leg)
        on_ack(leg);
      break;
    case SIP_METHOD_BYE:
      reply(p, from, &msg, leg ? 200 : 481);
      if (leg) {
        leg->byed = TRUE;
        leg->media = FALSE;
        if (leg->call && !leg->call->ended)
          bench_call_fail(leg->call, "BYE from the gateway");
      }
      break;
    default:
      reply(p, from, &msg, 200);
      break;
    }
    g_object_unref(from);
  }
  return G_SOURCE_CONTINUE;
}

void
bench_phone_tick(bench_phone *p, gint64 now_us)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, p->legs);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    bench_phone_leg *leg = value;
    if (!leg->acked && leg->response && now_us >= leg->next_retransmit) {
      if (now_us >= leg->give_up) {
        g_string_free(leg->response, TRUE);
        leg->response = NULL;
        if (leg->call && !leg->call->ended)
          bench_call_fail(leg->call, "no ACK for the phone's 200 OK");
        continue;
      }
      sip_send(p, leg->sip_peer, leg->response);
      leg->interval = MIN(leg->interval * 2, T2_US);
      leg->next_retransmit = now_us + leg->interval;
    }
    if (leg->dtls) {
      gint64 d = dtls_srtp_session_next_deadline(leg->dtls);
      if (d >= 0 && d <= now_us) {
        dtls_srtp_session_tick(leg->dtls, now_us);
        leg_dtls_flush(leg);
      }
    }
  }
}

bench_phone *
bench_phone_new(bench *b, GError **error)
{
  g_autoptr(GSocket) socket =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (!socket)
    return NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  if (!g_socket_bind(socket, any, FALSE, error))
    return NULL;
  g_autoptr(GSocketAddress) local = g_socket_get_local_address(socket, error);
  if (!local)
    return NULL;
  g_socket_set_blocking(socket, FALSE);
  bench_phone *p = g_new0(bench_phone, 1);
  p->b = b;
  p->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
  p->socket = g_steal_pointer(&socket);
  p->legs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)leg_free);
  p->source = g_socket_create_source(p->socket, G_IO_IN, NULL);
  g_source_set_callback(p->source, G_SOURCE_FUNC(on_sip), p, NULL);
  g_source_attach(p->source, NULL);
  return p;
}

guint16
bench_phone_port(const bench_phone *p)
{
  return p->port;
}

void
bench_phone_free(bench_phone *p)
{
  if (!p)
    return;
  g_source_destroy(p->source);
  g_source_unref(p->source);
  g_hash_table_destroy(p->legs);
  g_socket_close(p->socket, NULL);
  g_object_unref(p->socket);
  g_free(p);
}
