/* Calls on the main thread: set-up from the page's offer, the events of the
 * media leg, the messages to the page, and the end (see call.h). */
#define G_LOG_DOMAIN "rtc2sip-call"
#include "gateway/call_private.h"
#include "signalling/sdp/sdp_negotiate.h"

#include <errno.h>
#include <string.h>

const char *
call_state_name(call_state state)
{
  switch (state) {
  case CALL_STATE_STARTING: return "starting";
  case CALL_STATE_ANSWERED: return "answered";
  case CALL_STATE_SECURED: return "secured";
  case CALL_STATE_CONNECTED: return "connected";
  case CALL_STATE_ENDED: return "ended";
  }
  return "unknown";
}

static void
call_free(call *c)
{
  if (c->pending_candidates)
    g_ptr_array_unref(c->pending_candidates);
  if (c->offer)
    sdp_session_free(c->offer);
  call_media_unref(c->media);
  g_free(c->name);
  g_free(c->local_ufrag);
  g_free(c->local_pwd);
  g_free(c->remote_fingerprint);
  g_free(c->profile);
  g_free(c->selected_pair);
  g_free(c->from);
  g_free(c->to);
  g_free(c->end_reason);
  g_free(c);
}

/* The audio m-line the browser leg carries: the first one not rejected. */
static const sdp_media *
offer_audio(const sdp_session *offer, guint *index)
{
  for (guint i = 0; i < offer->media->len; i++) {
    const sdp_media *m = offer->media->pdata[i];
    if (m->type == SDP_MEDIA_AUDIO && !sdp_media_is_rejected(m)) {
      *index = i;
      return m;
    }
  }
  return NULL;
}

/* Checks what the browser leg needs from an offer. Returns NULL or a
 * sentence for the page (caller frees). */
static char *
check_offer(const sdp_session *offer, const sdp_media *audio)
{
  const char *ufrag, *pwd;
  if (!audio)
    return g_strdup("sdp: the offer has no audio m-line; the gateway carries audio calls");
  if (!sdp_media_ice_credentials(offer, audio, &ufrag, &pwd))
    return g_strdup("sdp: the offer has no a=ice-ufrag/a=ice-pwd: the gateway needs ICE");
  if (sdp_media_fingerprints(offer, audio)->len == 0)
    return g_strdup("sdp: the offer has no a=fingerprint: DTLS-SRTP needs the browser's "
                    "certificate fingerprint");
  if (!audio->rtcp_mux)
    return g_strdup("sdp: the offer has no a=rtcp-mux: the browser leg requires RTP and RTCP on one port");
  if (strcmp(audio->proto, "UDP/TLS/RTP/SAVPF") != 0 && strcmp(audio->proto, "UDP/TLS/RTP/SAVP") != 0)
    return g_strdup_printf("sdp: the audio m-line uses %s: the browser leg needs UDP/TLS/RTP/SAVPF",
                           audio->proto);
  return NULL;
}

static void
send_to_page(call *c)
{
  if (c->conn)
    browser_conn_flush(c->conn);
}

int
call_start_echo(browser_conn *conn, const char *name, const char *offer_text,
                browser_error_code *code, char **message)
{
  gateway *gw = conn->gw;
  g_autoptr(sdp_session) offer = NULL;
  const char *reason = NULL;

  if (sdp_session_parse(offer_text, strlen(offer_text), 0, &offer, &reason) < 0) {
    *code = BROWSER_ERROR_BAD_REQUEST;
    *message = g_strdup_printf("sdp: the offer is not valid SDP: %s", reason);
    return -EINVAL;
  }
  guint audio_index = 0;
  const sdp_media *audio = offer_audio(offer, &audio_index);
  char *problem = check_offer(offer, audio);
  if (problem) {
    *code = BROWSER_ERROR_BAD_REQUEST;
    *message = problem;
    return -EINVAL;
  }

  call *c = g_new0(call, 1);
  c->gw = gw;
  c->serial = ++gw->next_serial;
  c->name = g_strdup(name);
  c->conn = conn;
  c->state = CALL_STATE_STARTING;
  c->started_us = g_get_monotonic_time();
  c->started_unix = g_get_real_time() / G_USEC_PER_SEC;
  c->direction = "echo";
  c->from = g_strdup(conn->peer);
  c->to = g_strdup("echo");
  c->pending_candidates = g_ptr_array_new_with_free_func(g_free);
  do {
    c->ssrc = g_random_int();
  } while (c->ssrc == 0);

  sdp_setup setup = sdp_media_setup(offer, audio);
  call_media *m = g_new0(call_media, 1);
  m->refcount = 1;
  m->serial = c->serial;
  m->worker = media_workers_pick(gw->workers);
  media_worker_add_calls(m->worker, 1);
  m->identity = identity_ref(gw->identity);
  /* RFC 5763 §5, RFC 8842: an active answerer is the DTLS client. */
  m->dtls_role = sdp_answer_setup_role(setup) == SDP_SETUP_ACTIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
  const GArray *fps = sdp_media_fingerprints(offer, audio);
  m->remote_fingerprints = g_array_sized_new(FALSE, FALSE, sizeof(fingerprint), fps->len);
  g_array_append_vals(m->remote_fingerprints, fps->data, fps->len);
  const char *ufrag, *pwd;
  sdp_media_ice_credentials(offer, audio, &ufrag, &pwd);
  m->remote_ufrag = g_strdup(ufrag);
  m->remote_pwd = g_strdup(pwd);
  m->remote_candidates = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < audio->candidates->len; i++)
    g_ptr_array_add(m->remote_candidates, sdp_candidate_write(audio->candidates->pdata[i]));
  m->remote_end_of_candidates = audio->end_of_candidates;
  m->ice = gw->ice;
  m->ssrc = c->ssrc;
  m->echo = TRUE;
  c->media = m;
  c->dtls_role = m->dtls_role;
  c->offer = g_steal_pointer(&offer);

  guint64 *key = g_new(guint64, 1);
  *key = c->serial;
  g_hash_table_insert(gw->calls, key, c);
  g_hash_table_insert(conn->calls, c->name, c);
  gw->counters.calls_total++;
  gateway_count(gw->counters.calls_by_kind, "echo none");
  g_message("call %s (#%" G_GUINT64_FORMAT ") from %s: echo, media on worker %u", c->name, c->serial,
            conn->peer, media_worker_index(m->worker));
  call_media_create(m);
  return 0;
}

/* The gateway's answer to the page's offer, once the leg has its ICE
 * credentials. Returns NULL with a reason. */
static char *
build_answer(call *c, const char **reason)
{
  sdp_browser_leg_params params = {
    .ice_ufrag = c->local_ufrag,
    .ice_pwd = c->local_pwd,
    .fingerprint = identity_fingerprint(c->gw->identity),
    .audio_ssrc = c->ssrc,
    .cname = "rtc2sip",
    .msid_stream = "rtc2sip",
    .audio_track = "audio",
    .session_id = c->serial + (guint64)g_get_real_time(),
    .session_version = 1,
  };
  g_autoptr(sdp_session) answer = NULL;
  if (sdp_answer_browser_offer(c->offer, &params, &answer, reason) < 0)
    return NULL;
  return sdp_session_write(answer);
}

static void
end_and_forget(call *c, const char *reason)
{
  call_end(c, reason, 0, TRUE);
}

static void
on_ready(call *c, call_media_event *e)
{
  c->local_ufrag = g_strdup(e->ufrag);
  c->local_pwd = g_strdup(e->pwd);
  const char *reason = NULL;
  g_autofree char *answer = build_answer(c, &reason);
  if (!answer) {
    g_autofree char *why = g_strdup_printf("the gateway cannot answer this offer: %s", reason);
    end_and_forget(c, why);
    return;
  }
  c->state = CALL_STATE_ANSWERED;
  if (c->conn) {
    browser_session_send_answer(c->conn->session, c->name, answer);
    for (guint i = 0; i < c->pending_candidates->len; i++)
      browser_session_send_candidate(c->conn->session, c->name, c->pending_candidates->pdata[i], "0", 0);
    if (c->pending_end_of_candidates)
      browser_session_send_candidate(c->conn->session, c->name, NULL, NULL, -1);
  }
  g_ptr_array_set_size(c->pending_candidates, 0);
  send_to_page(c);
}

static void
on_candidate(call *c, call_media_event *e)
{
  /* The answer's BUNDLE transport is the first m-line: mid "0" in browsers. */
  const sdp_media *audio = NULL;
  guint index = 0;
  audio = offer_audio(c->offer, &index);
  const char *mid = audio && audio->mid ? audio->mid : NULL;
  if (c->state == CALL_STATE_STARTING) {
    if (e->candidate_end)
      c->pending_end_of_candidates = TRUE;
    else
      g_ptr_array_add(c->pending_candidates, g_strdup(e->candidate));
    return;
  }
  if (c->conn) {
    browser_session_send_candidate(c->conn->session, c->name, e->candidate_end ? NULL : e->candidate,
                                   e->candidate_end ? NULL : mid, e->candidate_end ? -1 : (gint)index);
    send_to_page(c);
  }
}

static void
send_security(call *c)
{
  if (!c->conn)
    return;
  browser_security sec = { 0 };
  sec.browser_leg.keying = BROWSER_KEYING_DTLS_SRTP;
  sec.browser_leg.profile = c->profile;
  sec.browser_leg.dtls_role = c->dtls_role == DTLS_ROLE_CLIENT ? BROWSER_DTLS_ROLE_CLIENT
                                                               : BROWSER_DTLS_ROLE_SERVER;
  sec.browser_leg.local_fingerprint = c->gw->fingerprint_text;
  sec.browser_leg.remote_fingerprint = c->remote_fingerprint;
  sec.browser_leg.verified = c->remote_fingerprint ? BROWSER_VERIFIED_YES : BROWSER_VERIFIED_NO;
  sec.has_sip_leg = FALSE;
  sec.end_to_end = FALSE;
  browser_session_send_security(c->conn->session, c->name, &sec);
  send_to_page(c);
}

void
call_on_media_event(gateway *gw, call_media_event *e)
{
  call *c = gateway_find_call(gw, e->serial);
  if (!c)
    return;
  switch (e->type) {
  case CALL_MEDIA_READY:
    on_ready(c, e);
    break;
  case CALL_MEDIA_CANDIDATE:
    on_candidate(c, e);
    break;
  case CALL_MEDIA_ICE_STATE:
    c->ice_state = e->ice_state;
    g_free(c->selected_pair);
    c->selected_pair = g_strdup(e->selected_pair);
    g_debug("call %s: ICE %s %s", c->name, ice_state_name(e->ice_state),
            e->selected_pair ? e->selected_pair : "");
    break;
  case CALL_MEDIA_SECURED:
    c->state = CALL_STATE_SECURED;
    g_free(c->profile);
    c->profile = g_strdup(e->profile);
    g_free(c->remote_fingerprint);
    c->remote_fingerprint = g_strdup(e->remote_fingerprint);
    gw->counters.dtls_handshakes++;
    gw->counters.dtls_seconds_sum += e->dtls_duration_us / 1e6;
    for (guint i = 0; i < GATEWAY_DTLS_BUCKETS; i++)
      if (e->dtls_duration_us / 1e6 <= gateway_dtls_bucket_bounds[i])
        gw->counters.dtls_buckets[i]++;
    g_message("call %s: browser leg dtls-srtp %s, %s, browser %s verified", c->name, c->profile,
              c->dtls_role == DTLS_ROLE_CLIENT ? "gateway is DTLS client" : "gateway is DTLS server",
              c->remote_fingerprint);
    send_security(c);
    break;
  case CALL_MEDIA_FLOWING:
    if (c->state != CALL_STATE_CONNECTED) {
      c->state = CALL_STATE_CONNECTED;
      c->answered_unix = g_get_real_time() / G_USEC_PER_SEC;
      g_message("call %s: connected after %" G_GINT64_FORMAT " ms", c->name,
                (g_get_monotonic_time() - c->started_us) / 1000);
      if (c->conn) {
        browser_session_send_connected(c->conn->session, c->name);
        send_to_page(c);
      }
    }
    break;
  case CALL_MEDIA_FAILED: {
    gboolean mismatch = e->reason && strstr(e->reason, "fingerprint mismatch");
    if (mismatch)
      gw->counters.fingerprint_mismatches++;
    gw->counters.calls_failed++;
    gateway_count(gw->counters.failures_by_reason,
                  mismatch ? "fingerprint_mismatch"
                  : e->reason && strstr(e->reason, "consent") ? "ice_consent_lost"
                  : e->reason && strstr(e->reason, "ICE") ? "ice_failed"
                  : e->reason && strstr(e->reason, "DTLS") ? "dtls_failed" : "media_failed");
    g_autofree char *reason = mismatch
      ? g_strdup("fingerprint mismatch on the browser leg: the browser's DTLS certificate does not "
                 "match the fingerprint in its offer")
      : g_strdup(e->reason);
    call_end(c, reason, 0, TRUE);
    break;
  }
  case CALL_MEDIA_STATS:
    c->browser_stats = e->stats;
    break;
  case CALL_MEDIA_RELEASED: {
    media_leg_stats *st = &e->stats;
    c->browser_stats = *st;
    gw->counters.packets_relayed += st->rtp_out + st->rtcp_out;
    gw->counters.bytes_relayed += st->bytes_out;
    gw->counters.srtp_auth_drops += st->srtp_auth_fail;
    gw->counters.srtp_replay_drops += st->srtp_replay_fail;
    g_hash_table_remove(gw->calls, &c->serial); /* frees the key */
    g_message("call %s (#%" G_GUINT64_FORMAT ") released: RTP in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT
              ", RTCP in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT ", SRTP drops auth %" G_GUINT64_FORMAT
              " replay %" G_GUINT64_FORMAT "; %u calls active",
              c->name, c->serial, st->rtp_in, st->rtp_out, st->rtcp_in, st->rtcp_out, st->srtp_auth_fail,
              st->srtp_replay_fail, gateway_active_calls(gw));
    call_free(c);
    break;
  }
  }
}

void
call_add_remote_candidate(call *c, const char *candidate)
{
  if (c->state == CALL_STATE_ENDED)
    return;
  call_media_add_candidate(c->media, candidate);
}

void
call_end(call *c, const char *reason, guint sip_status, gboolean tell_page)
{
  if (c->state == CALL_STATE_ENDED)
    return;
  c->state = CALL_STATE_ENDED;
  c->end_reason = g_strdup(reason);
  g_message("call %s ended: %s", c->name, reason);
  if (c->conn) {
    if (tell_page)
      browser_session_send_hangup(c->conn->session, c->name, reason, sip_status);
    browser_session_call_ended(c->conn->session, c->name);
    g_hash_table_remove(c->conn->calls, c->name);
    browser_conn_flush(c->conn);
    c->conn = NULL;
  }
  /* The call stays registered until the worker reports the leg released. */
  call_media_destroy(c->media);
}

void
call_detach_connection(call *c)
{
  c->conn = NULL;
  call_end(c, "the page closed its WebSocket", 0, FALSE);
}

const char *
call_name(const call *c)
{
  return c->name;
}

guint64
call_serial(const call *c)
{
  return c->serial;
}

void
call_refresh_stats(call *c)
{
  if (c->state != CALL_STATE_ENDED)
    call_media_request_stats(c->media);
}

static void
add_string(JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name(b, key);
  if (value)
    json_builder_add_string_value(b, value);
  else
    json_builder_add_null_value(b);
}

static void
add_int(JsonBuilder *b, const char *key, gint64 value)
{
  json_builder_set_member_name(b, key);
  json_builder_add_int_value(b, value);
}

static void
describe_stats(const media_leg_stats *st, JsonBuilder *b)
{
  json_builder_set_member_name(b, "packets");
  json_builder_begin_object(b);
  add_int(b, "rtp_in", (gint64)st->rtp_in);
  add_int(b, "rtp_out", (gint64)st->rtp_out);
  add_int(b, "rtcp_in", (gint64)st->rtcp_in);
  add_int(b, "rtcp_out", (gint64)st->rtcp_out);
  add_int(b, "bytes_in", (gint64)st->bytes_in);
  add_int(b, "bytes_out", (gint64)st->bytes_out);
  add_int(b, "srtp_auth_drops", (gint64)st->srtp_auth_fail);
  add_int(b, "srtp_replay_drops", (gint64)st->srtp_replay_fail);
  add_int(b, "dropped", (gint64)st->dropped);
  json_builder_end_object(b);
}

void
call_describe(const call *c, JsonBuilder *b)
{
  json_builder_begin_object(b);
  g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, c->serial);
  add_string(b, "id", id);
  add_string(b, "name", c->name);
  add_string(b, "direction", c->direction);
  add_string(b, "from", c->from);
  add_string(b, "to", c->to);
  add_string(b, "state", call_state_name(c->state));
  add_int(b, "started", c->started_unix);
  json_builder_set_member_name(b, "answered");
  if (c->answered_unix)
    json_builder_add_int_value(b, c->answered_unix);
  else
    json_builder_add_null_value(b);
  if (c->end_reason)
    add_string(b, "end_reason", c->end_reason);

  json_builder_set_member_name(b, "browser_leg");
  json_builder_begin_object(b);
  add_string(b, "keying", "dtls-srtp");
  add_string(b, "ice_state", ice_state_name(c->ice_state));
  add_string(b, "selected_pair", c->selected_pair);
  add_string(b, "dtls_state", c->profile ? "connected" : c->state == CALL_STATE_ENDED ? "closed" : "handshaking");
  add_string(b, "dtls_role", c->dtls_role == DTLS_ROLE_CLIENT ? "client" : "server");
  add_string(b, "profile", c->profile);
  add_string(b, "local_fingerprint", c->gw->fingerprint_text);
  add_string(b, "remote_fingerprint", c->remote_fingerprint);
  json_builder_set_member_name(b, "verified");
  if (c->profile)
    json_builder_add_boolean_value(b, c->remote_fingerprint != NULL);
  else
    json_builder_add_null_value(b);
  describe_stats(&c->browser_stats, b);
  json_builder_end_object(b);

  json_builder_set_member_name(b, "sip_leg");
  json_builder_add_null_value(b); /* echo: no SIP leg */
  json_builder_end_object(b);
}

gboolean
call_get_stats(const call *c, media_leg_stats *out)
{
  *out = c->browser_stats;
  return TRUE;
}
