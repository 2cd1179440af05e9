/* rtc2sip-bench: the simulated browser of one call.
 *
 * A page's WebSocket (hello, call with an SDP offer carrying every host
 * candidate, answer, trickled candidates), a full controlling ICE agent
 * (ice/ice_session.c, host candidates on 127.0.0.1), DTLS-SRTP with the
 * gateway's own core (gateway/media/dtls_srtp.c) in the role the answer's
 * a=setup leaves us, and libsrtp2 contexts (media_srtp.c) for the keys it
 * exports (RFC 5764 §4.2). */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "certs/identity.h"
#include "ice/ice_consent.h"
#include "ice/ice_session.h"
#include "signalling/sdp/sdp.h"
#include "tests/bench/bench.h"
#include "tests/bench/bench_ws.h"

#define DGRAM_MAX 1500

static void
send_json(bench_call *call, JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, root);
  gsize len;
  g_autofree char *text = json_generator_to_data(gen, &len);
  if (call->ws)
    bench_ws_send_text(call->ws, text, len);
}

/* One datagram toward the relay: through libnice until ICE completed, then
 * on the taken-over socket. */
static int
browser_transmit(bench_call *call, const guint8 *buf, gsize len)
{
  if (call->consent) {
    socklen_t to_len;
    const struct sockaddr *to = ice_consent_remote(call->consent, &to_len);
    return sendto(call->fd, buf, len, MSG_DONTWAIT, to, to_len) < 0 ? -errno : (int)len;
  }
  return call->ice ? ice_session_send(call->ice, buf, len) : -ENOTCONN;
}

/* ---- DTLS ------------------------------------------------------------------ */

static void
dtls_flush(bench_call *call)
{
  guint8 buf[DGRAM_MAX];
  gsize len;
  while (call->dtls && dtls_srtp_session_pop_datagram(call->dtls, buf, sizeof buf, &len))
    browser_transmit(call, buf, len);
  dtls_srtp_event ev;
  while (call->dtls && dtls_srtp_session_poll_event(call->dtls, &ev)) {
    if (ev.type == DTLS_SRTP_EVENT_CONNECTED) {
      const dtls_srtp_keys *k = dtls_srtp_session_keys(call->dtls);
      media_srtp_suite suite;
      g_autoptr(GError) error = NULL;
      if (media_srtp_suite_from_profile(k->profile, &suite) < 0 ||
          !(call->srtp_tx = media_srtp_new(suite, k->local_key, k->local_key_len, TRUE, &error)) ||
          !(call->srtp_rx = media_srtp_new(suite, k->remote_key, k->remote_key_len, FALSE, &error))) {
        bench_call_fail(call, "browser SRTP: %s", error ? error->message : "no profile");
        return;
      }
      call->t_dtls_done = g_get_monotonic_time();
      call->browser_media = TRUE;
      bench_dtls_done(call);
    } else if (!call->ended) {
      bench_call_fail(call, "browser DTLS: %s", ev.reason);
      return;
    }
  }
}

static void hand_over(bench_call *call);

void
bench_browser_tick(bench_call *call, gint64 now_us)
{
  if (call->ice_completed && call->ice && !call->ended)
    hand_over(call);
  if (call->consent && !call->ended) {
    guint8 out[ICE_STUN_MAX];
    gsize out_len;
    switch (ice_consent_tick(call->consent, now_us, out, &out_len)) {
    case ICE_CONSENT_SEND:
      browser_transmit(call, out, out_len);
      break;
    case ICE_CONSENT_LOST:
      bench_call_fail(call, "browser: ICE consent lost");
      return;
    case ICE_CONSENT_WAIT:
      break;
    }
  }
  if (!call->dtls)
    return;
  gint64 d = dtls_srtp_session_next_deadline(call->dtls);
  if (d >= 0 && d <= now_us) {
    dtls_srtp_session_tick(call->dtls, now_us);
    dtls_flush(call);
  }
}

/* ---- ICE ------------------------------------------------------------------- */

static void send_offer(bench_call *call);

static void
on_candidate(const char *candidate, gpointer user_data)
{
  bench_call *call = user_data;
  if (candidate) {
    g_string_append_printf(call->candidates, "a=%s\r\n", candidate);
    return;
  }
  g_string_append(call->candidates, "a=end-of-candidates\r\n");
  call->gathered = TRUE;
  send_offer(call);
}

static void
on_ice_state(ice_state state, gpointer user_data)
{
  bench_call *call = user_data;
  if (state == ICE_STATE_FAILED && !call->ended) {
    bench_call_fail(call, "browser ICE failed");
    return;
  }
  if (state == ICE_STATE_CONNECTED && call->dtls &&
      dtls_srtp_session_state(call->dtls) == DTLS_SRTP_NEW) {
    gint64 now = g_get_monotonic_time();
    call->t_dtls_start = now;
    if (call->b->first_dtls_start == 0)
      call->b->first_dtls_start = now;
    dtls_srtp_session_start(call->dtls, now);
    dtls_flush(call);
  }
}

static void on_ice_receive(const guint8 *data, gsize len, gpointer user_data);

static void
on_completed(gpointer user_data)
{
  bench_call *call = user_data;
  call->ice_completed = TRUE; /* taken over from the next 10 ms tick, outside libnice's signal */
}

static void
on_socket_readable(int fd, gpointer user_data)
{
  bench_call *call = user_data;
  guint8 buf[DGRAM_MAX + 1];
  for (int i = 0; i < 64; i++) {
    struct sockaddr_storage from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(call->fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &from_len);
    if (n <= 0)
      return;
    if (buf[0] < 4) {
      guint8 out[ICE_STUN_MAX];
      gsize out_len;
      if (ice_consent_feed(call->consent, g_get_monotonic_time(), buf, (gsize)n, (struct sockaddr *)&from,
                           from_len, out, &out_len) == ICE_CONSENT_REPLY)
        sendto(call->fd, out, out_len, MSG_DONTWAIT, (struct sockaddr *)&from, from_len);
      continue;
    }
    on_ice_receive(buf, (gsize)n, call);
  }
}

static void
hand_over(bench_call *call)
{
  ice_handover h;
  if (!ice_session_handover(call->ice, &h)) {
    call->ice_completed = FALSE; /* relayed or not UDP: libnice goes on */
    return;
  }
  ice_consent_config cc = {
    .local_ufrag = h.local_ufrag, .local_pwd = h.local_pwd, .remote_ufrag = h.remote_ufrag,
    .remote_pwd = h.remote_pwd, .controlling = h.controlling,
    .tie_breaker = ((guint64)g_random_int() << 32) | g_random_int(), .priority = h.priority,
    .freshness = TRUE, .remote = (struct sockaddr *)&h.remote, .remote_len = h.remote_len,
  };
  call->consent = ice_consent_new(&cc, g_get_monotonic_time());
  call->watch = call->consent ? media_poll_add(call->b->poll, h.fd, on_socket_readable, call) : NULL;
  if (!call->watch) {
    g_clear_pointer(&call->consent, ice_consent_free);
    ice_handover_clear(&h);
    call->ice_completed = FALSE;
    return;
  }
  call->fd = h.fd;
  h.fd = -1;
  ice_handover_clear(&h);
  g_clear_pointer(&call->ice, ice_session_free);
}

static void
on_ice_receive(const guint8 *data, gsize len, gpointer user_data)
{
  bench_call *call = user_data;
  static guint8 buf[DGRAM_MAX + MEDIA_SRTP_MAX_TRAILER];
  if (len == 0 || len > DGRAM_MAX)
    return;
  if (data[0] >= 20 && data[0] <= 63) {
    if (call->dtls) {
      dtls_srtp_session_feed(call->dtls, g_get_monotonic_time(), data, len);
      dtls_flush(call);
    }
    return;
  }
  if (data[0] < 128 || data[0] > 191 || len < 12 || !call->srtp_rx)
    return;
  if (data[1] >= 192 && data[1] <= 223)
    return; /* RTCP */
  memcpy(buf, data, len);
  gsize n = len;
  if (media_srtp_unprotect(call->srtp_rx, buf, &n) < 0) {
    call->b->dir[BENCH_DIR_TO_BROWSER].bad++;
    return;
  }
  bench_rtp_receive(call->b, call, BENCH_DIR_TO_BROWSER, buf, n);
}

/* ---- signalling -------------------------------------------------------------- */

static void
send_offer(bench_call *call)
{
  /* Both the welcome and the end of gathering are needed. */
  if (call->t_offer || !call->welcomed || !call->gathered || call->ended)
    return;
  bench *b = call->b;
  const char *codec = b->opt.payload_type == 8 ? "PCMA" : "PCMU";
  char fp[FINGERPRINT_MAX_TEXT + 1];
  fingerprint_format(identity_fingerprint(b->identity), fp);
  g_autofree char *sdp = g_strdup_printf(
      "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "a=msid-semantic: WMS bench\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF %u\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
      "%sa=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
      "a=fingerprint:%s\r\na=setup:actpass\r\na=mid:0\r\na=sendrecv\r\n"
      "a=msid:bench audio\r\na=rtcp-mux\r\na=rtpmap:%u %s/8000\r\na=ptime:%u\r\n"
      "a=ssrc:%u cname:bench%u\r\n",
      g_random_int() & 0x7fffffff, b->opt.payload_type, call->candidates->str,
      ice_session_local_ufrag(call->ice), ice_session_local_pwd(call->ice), fp,
      b->opt.payload_type, codec, b->opt.ptime_ms, call->browser_tx.ssrc, call->index);
  g_autoptr(JsonBuilder) jb = json_builder_new();
  json_builder_begin_object(jb);
  json_builder_set_member_name(jb, "type");
  json_builder_add_string_value(jb, "call");
  json_builder_set_member_name(jb, "id");
  json_builder_add_int_value(jb, 2);
  json_builder_set_member_name(jb, "call");
  json_builder_add_string_value(jb, call->id);
  json_builder_set_member_name(jb, "to");
  json_builder_add_string_value(jb, call->user);
  json_builder_set_member_name(jb, "sdp");
  json_builder_add_string_value(jb, sdp);
  json_builder_end_object(jb);
  call->t_offer = g_get_monotonic_time();
  if (b->opt.target == BENCH_TARGET_RTPENGINE)
    bench_rtpengine_offer(call, sdp);
  else
    send_json(call, jb);
}

static void
add_remote_candidate(bench_call *call, const char *line)
{
  const char *reason = NULL;
  if (call->ice && ice_session_add_remote_candidate(call->ice, line, &reason) < 0 &&
      call->b->opt.verbose)
    g_printerr("%s: candidate refused (%s): %s\n", call->id, reason, line);
}

void
bench_browser_answer(bench_call *call, const char *text)
{
  g_autoptr(sdp_session) sdp = NULL;
  const char *reason = NULL;
  if (sdp_session_parse(text, strlen(text), 0, &sdp, &reason) < 0 || sdp->media->len < 1) {
    bench_call_fail(call, "the gateway's answer: %s", reason ? reason : "no media");
    return;
  }
  call->t_answer = g_get_monotonic_time();
  const sdp_media *m = g_ptr_array_index(sdp->media, 0);
  const char *ufrag, *pwd;
  if (!sdp_media_ice_credentials(sdp, m, &ufrag, &pwd) ||
      ice_session_set_remote_credentials(call->ice, ufrag, pwd) < 0) {
    bench_call_fail(call, "the gateway's answer has no ICE credentials");
    return;
  }
  const GArray *fps = sdp_media_fingerprints(sdp, m);
  sdp_setup setup = sdp_media_setup(sdp, m);
  if (fps->len == 0 || (setup != SDP_SETUP_ACTIVE && setup != SDP_SETUP_PASSIVE)) {
    bench_call_fail(call, "the gateway's answer has no fingerprint or setup");
    return;
  }
  dtls_srtp_config cfg = {
    .role = setup == SDP_SETUP_ACTIVE ? DTLS_ROLE_SERVER : DTLS_ROLE_CLIENT,
    .identity = call->b->identity,
    .remote_fingerprints = (const fingerprint *)fps->data,
    .n_remote_fingerprints = fps->len,
  };
  g_autoptr(GError) error = NULL;
  call->dtls = dtls_srtp_session_new(&cfg, &error);
  if (!call->dtls) {
    bench_call_fail(call, "browser DTLS: %s", error->message);
    return;
  }
  if (cfg.role == DTLS_ROLE_SERVER) {
    gint64 now = g_get_monotonic_time();
    call->t_dtls_start = now;
    if (call->b->first_dtls_start == 0)
      call->b->first_dtls_start = now;
    dtls_srtp_session_start(call->dtls, now);
  }
  /* Candidates inside the answer (the gateway may also trickle them). */
  const char *p = text;
  while ((p = strstr(p, "a=candidate:"))) {
    const char *end = strpbrk(p, "\r\n");
    g_autofree char *line = end ? g_strndup(p, (gsize)(end - p)) : g_strdup(p);
    add_remote_candidate(call, line);
    p += 12;
  }
  if (call->ice && ice_session_state(call->ice) == ICE_STATE_CONNECTED)
    on_ice_state(ICE_STATE_CONNECTED, call);
}

static void
on_ws_message(const char *text, gsize len, gpointer user_data)
{
  bench_call *call = user_data;
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, text, (gssize)len, NULL))
    return;
  JsonNode *root = json_parser_get_root(parser);
  if (!JSON_NODE_HOLDS_OBJECT(root))
    return;
  JsonObject *o = json_node_get_object(root);
  const char *type = json_object_get_string_member_with_default(o, "type", "");
  if (call->b->opt.verbose && strcmp(type, "candidate") != 0)
    g_printerr("%s <- %s\n", call->id, text);
  if (strcmp(type, "welcome") == 0) {
    call->welcomed = TRUE;
    send_offer(call);
  } else if (strcmp(type, "answer") == 0) {
    bench_browser_answer(call, json_object_get_string_member_with_default(o, "sdp", ""));
  } else if (strcmp(type, "candidate") == 0) {
    JsonNode *c = json_object_get_member(o, "candidate");
    if (c && JSON_NODE_HOLDS_OBJECT(c)) {
      const char *line =
          json_object_get_string_member_with_default(json_node_get_object(c), "candidate", NULL);
      if (line)
        add_remote_candidate(call, line);
    } else if (call->ice) {
      ice_session_remote_gathering_done(call->ice);
    }
  } else if (strcmp(type, "hangup") == 0 || strcmp(type, "error") == 0) {
    if (!call->ended)
      bench_call_fail(call, "%s from the gateway: %s", type,
                      json_object_get_string_member_with_default(
                          o, strcmp(type, "hangup") == 0 ? "reason" : "message", "?"));
  }
}

static void
on_ws_open(gpointer user_data)
{
  bench_call *call = user_data;
  g_autoptr(JsonBuilder) jb = json_builder_new();
  json_builder_begin_object(jb);
  json_builder_set_member_name(jb, "type");
  json_builder_add_string_value(jb, "hello");
  json_builder_set_member_name(jb, "id");
  json_builder_add_int_value(jb, 1);
  json_builder_end_object(jb);
  send_json(call, jb);
}

static void
on_ws_close(const char *reason, gpointer user_data)
{
  bench_call *call = user_data;
  if (!call->ended)
    bench_call_fail(call, "WebSocket: %s", reason);
}

void
bench_browser_start(bench_call *call)
{
  static const char *const addresses[] = { "127.0.0.1", NULL };
  call->candidates = g_string_new(NULL);
  call->fd = -1;
  call->browser_tx.ssrc = g_random_int();
  call->browser_tx.rtp_seq = (guint16)g_random_int();
  call->browser_tx.timestamp = g_random_int();
  ice_session_config cfg = {
    .context = NULL,
    .controlling = TRUE,
    .addresses = addresses,
    .consent_freshness = TRUE,
    .callbacks = { on_candidate, on_ice_state, on_ice_receive, on_completed },
    .user_data = call,
  };
  g_autoptr(GError) error = NULL;
  call->ice = ice_session_new(&cfg, &error);
  if (!call->ice) {
    bench_call_fail(call, "browser ICE: %s", error->message);
    return;
  }
  if (call->b->opt.target == BENCH_TARGET_RTPENGINE) {
    call->welcomed = TRUE; /* no WebSocket: the bench signals through ng */
    send_offer(call);      /* gathering may have finished already */
    return;
  }
  static const bench_ws_callbacks wcb = { on_ws_open, on_ws_message, on_ws_close };
  call->ws = bench_ws_connect(call->b->poll, call->b->http_port, &wcb, call, &error);
  if (!call->ws)
    bench_call_fail(call, "WebSocket: %s", error->message);
}

void
bench_browser_send(bench_call *call, guint8 *buf, gsize cap)
{
  if (!call->browser_media || call->ended)
    return;
  bench *b = call->b;
  gsize len = bench_rtp_build(&call->browser_tx, b->opt.payload_type, b->opt.ptime_ms,
                              call->index, b->steady, buf, cap, 8 * b->opt.ptime_ms);
  if (media_srtp_protect(call->srtp_tx, buf, &len, cap) < 0)
    return;
  if (browser_transmit(call, buf, len) < 0)
    return;
  bench_dir *d = &b->dir[BENCH_DIR_TO_PHONE];
  d->sent++;
  call->sent[BENCH_DIR_TO_PHONE]++;
  if (b->steady)
    d->sent_steady++;
}

void
bench_browser_hangup(bench_call *call)
{
  if (call->b->opt.target == BENCH_TARGET_RTPENGINE) {
    bench_rtpengine_delete(call);
    return;
  }
  if (!call->ws || !call->t_offer)
    return;
  g_autoptr(JsonBuilder) jb = json_builder_new();
  json_builder_begin_object(jb);
  json_builder_set_member_name(jb, "type");
  json_builder_add_string_value(jb, "hangup");
  json_builder_set_member_name(jb, "call");
  json_builder_add_string_value(jb, call->id);
  json_builder_end_object(jb);
  send_json(call, jb);
}

void
bench_browser_free(bench_call *call)
{
  g_clear_pointer(&call->ws, bench_ws_free);
  g_clear_pointer(&call->ice, ice_session_free);
  media_poll_remove(call->b->poll, call->watch);
  call->watch = NULL;
  if (call->consent) /* the descriptor is ours only after the hand-over */
    close(call->fd);
  call->fd = -1;
  g_clear_pointer(&call->consent, ice_consent_free);
  g_clear_pointer(&call->dtls, dtls_srtp_session_free);
  g_clear_pointer(&call->srtp_tx, media_srtp_free);
  g_clear_pointer(&call->srtp_rx, media_srtp_free);
  if (call->candidates)
    g_string_free(call->candidates, TRUE);
  call->candidates = NULL;
}
