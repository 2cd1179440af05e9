/* Calls on the main thread: the browser leg's set-up from the page's SDP,
 * the events of the media legs, the messages to the page, the end, and how
 * the admin sees a call (see call.h). The SIP leg is in call_sip.c. */
#define G_LOG_DOMAIN "rtc2sip-call"
#include "gateway/call_private.h"

#include <errno.h>
#include <string.h>

#include "gateway/limits.h"
#include "signalling/sdp/sdp_negotiate.h"

const char *
call_state_name(call_state state)
{
  switch (state) {
  case CALL_STATE_STARTING: return "starting";
  case CALL_STATE_RINGING: return "ringing";
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
  call_release_limit(c);
  call_sip_free(c);
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

call *
call_alloc(browser_conn *conn, const char *name, call_kind kind)
{
  gateway *gw = conn->gw;
  call *c = g_new0(call, 1);
  c->gw = gw;
  c->serial = ++gw->next_serial;
  c->name = g_strdup(name);
  c->conn = conn;
  c->kind = kind;
  c->state = CALL_STATE_STARTING;
  c->started_us = g_get_monotonic_time();
  c->last_media_us = c->started_us;
  c->started_unix = g_get_real_time() / G_USEC_PER_SEC;
  c->direction = kind == CALL_ECHO ? "echo" : kind == CALL_OUTBOUND ? "outbound" : "inbound";
  c->pending_candidates = g_ptr_array_new_with_free_func(g_free);
  do {
    c->ssrc = g_random_int();
  } while (c->ssrc == 0);

  call_media *m = g_new0(call_media, 1);
  m->refcount = 1;
  m->serial = c->serial;
  m->worker = media_workers_pick(gw->workers);
  media_worker_add_calls(m->worker, 1);
  m->identity = identity_ref(gw->identity);
  m->ice = gw->ice;
  m->browser_ssrc = c->ssrc;
  m->echo = kind == CALL_ECHO;
  /* Every DTLS session pair gets its own number in trace names. */
  static guint trace_counter;
  m->trace_browser = trace_counter++;
  m->trace_sip = trace_counter++;
  m->trace_browser_always = config_get_bool(gw->cfg, "trace", "dtls-browser");
  m->trace_sip_always = config_get_bool(gw->cfg, "trace", "dtls-sip");
  m->remote_candidates = g_ptr_array_new_with_free_func(g_free);
  c->media = m;
  return c;
}

void
call_register(call *c)
{
  guint64 *key = g_new(guint64, 1);
  *key = c->serial;
  g_hash_table_insert(c->gw->calls, key, c);
  if (c->conn)
    g_hash_table_insert(c->conn->calls, c->name, c);
  c->gw->counters.calls_total++;
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

/* Checks what the browser leg needs from an SDP. Returns NULL or a
 * sentence for the page (caller frees). */
static char *
check_browser_sdp(const sdp_session *sdp, const sdp_media *audio, const char *what)
{
  const char *ufrag, *pwd;
  if (!audio)
    return g_strdup_printf("sdp: the %s has no audio m-line; the gateway carries audio calls", what);
  if (!sdp_media_ice_credentials(sdp, audio, &ufrag, &pwd))
    return g_strdup_printf("sdp: the %s has no a=ice-ufrag/a=ice-pwd: the gateway needs ICE", what);
  if (sdp_media_fingerprints(sdp, audio)->len == 0)
    return g_strdup_printf("sdp: the %s has no a=fingerprint: DTLS-SRTP needs the browser's "
                           "certificate fingerprint", what);
  if (!audio->rtcp_mux)
    return g_strdup_printf("sdp: the %s has no a=rtcp-mux: the browser leg requires RTP and RTCP on one port", what);
  if (strcmp(audio->proto, "UDP/TLS/RTP/SAVPF") != 0 && strcmp(audio->proto, "UDP/TLS/RTP/SAVP") != 0)
    return g_strdup_printf("sdp: the audio m-line of the %s uses %s: the browser leg needs UDP/TLS/RTP/SAVPF",
                           what, audio->proto);
  return NULL;
}

void
call_flush_page(call *c)
{
  if (c->conn)
    browser_conn_flush(c->conn);
}

/* Fills the browser leg's remote side from the browser's SDP: ICE
 * credentials and candidates into M, and the DTLS parameters. */
static void
take_browser_transport(call_media *m, const sdp_session *sdp, const sdp_media *audio, dtls_role role,
                       char **ufrag_out, char **pwd_out, GPtrArray *candidates, GArray **fps_out)
{
  const char *ufrag, *pwd;
  sdp_media_ice_credentials(sdp, audio, &ufrag, &pwd);
  *ufrag_out = g_strdup(ufrag);
  *pwd_out = g_strdup(pwd);
  for (guint i = 0; i < audio->candidates->len; i++)
    g_ptr_array_add(candidates, sdp_candidate_write(audio->candidates->pdata[i]));
  const GArray *fps = sdp_media_fingerprints(sdp, audio);
  *fps_out = g_array_sized_new(FALSE, FALSE, sizeof(fingerprint), fps->len);
  g_array_append_vals(*fps_out, fps->data, fps->len);
  m->dtls.role = role;
}

int
call_parse_browser_offer(const char *text, sdp_session **out, browser_error_code *code, char **message)
{
  const char *reason = NULL;
  g_autoptr(sdp_session) offer = NULL;
  if (sdp_session_parse(text, strlen(text), 0, &offer, &reason) < 0) {
    *code = BROWSER_ERROR_BAD_REQUEST;
    *message = g_strdup_printf("sdp: the offer is not valid SDP: %s", reason);
    return -EINVAL;
  }
  guint index = 0;
  char *problem = check_browser_sdp(offer, offer_audio(offer, &index), "offer");
  if (problem) {
    *code = BROWSER_ERROR_BAD_REQUEST;
    *message = problem;
    return -EINVAL;
  }
  *out = g_steal_pointer(&offer);
  return 0;
}

/* Takes the browser's OFFER into a new call's media parameters. */
void
call_take_browser_offer(call *c, sdp_session *offer)
{
  guint index = 0;
  const sdp_media *audio = offer_audio(offer, &index);
  sdp_setup setup = sdp_media_setup(offer, audio);
  /* RFC 5763 §5, RFC 8842: an active answerer is the DTLS client. */
  dtls_role role = sdp_answer_setup_role(setup) == SDP_SETUP_ACTIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
  take_browser_transport(c->media, offer, audio, role, &c->media->remote_ufrag, &c->media->remote_pwd,
                         c->media->remote_candidates, &c->media->dtls.fingerprints);
  c->media->remote_end_of_candidates = audio->end_of_candidates;
  c->dtls_role = role;
  c->offer = offer;
}

int
call_start_echo(browser_conn *conn, const char *name, const char *offer_text,
                browser_error_code *code, char **message)
{
  sdp_session *offer = NULL;
  if (call_parse_browser_offer(offer_text, &offer, code, message) < 0)
    return -EINVAL;
  call *c = call_alloc(conn, name, CALL_ECHO);
  c->from = g_strdup(conn->peer);
  c->to = g_strdup("echo");
  call_take_browser_offer(c, offer);
  call_register(c);
  gateway_count(c->gw->counters.calls_by_kind, "echo none");
  g_message("call %s (#%" G_GUINT64_FORMAT ") from %s: echo, media on worker %u", c->name, c->serial,
            conn->peer, media_worker_index(c->media->worker));
  call_media_create(c->media);
  return 0;
}

char *
call_build_browser_answer(call *c, const sdp_codec *codecs, guint n_codecs, const char **reason)
{
  sdp_browser_leg_params params = {
    .ice_ufrag = c->local_ufrag,
    .ice_pwd = c->local_pwd,
    .fingerprint = identity_fingerprint(c->gw->identity),
    .audio_codecs = codecs,
    .n_audio_codecs = n_codecs,
    .audio_ssrc = c->ssrc,
    .cname = "rtc2sip",
    .msid_stream = "rtc2sip",
    .audio_track = "audio",
    .session_id = c->serial + (guint64)g_get_real_time(),
    .session_version = 1,
  };
  g_autoptr(sdp_session) answer = NULL;
  if (!c->offer) {
    *reason = "the browser's offer was already answered";
    return NULL;
  }
  if (sdp_answer_browser_offer(c->offer, &params, &answer, reason) < 0)
    return NULL;
  return sdp_session_write(answer);
}

void
call_forget_browser_offer(call *c)
{
  g_clear_pointer(&c->offer, sdp_session_free);
}

void
call_flush_candidates(call *c)
{
  c->page_has_sdp = TRUE;
  if (c->conn) {
    for (guint i = 0; i < c->pending_candidates->len; i++)
      browser_session_send_candidate(c->conn->session, c->name, c->pending_candidates->pdata[i], "0", 0);
    if (c->pending_end_of_candidates)
      browser_session_send_candidate(c->conn->session, c->name, NULL, NULL, -1);
  }
  g_ptr_array_set_size(c->pending_candidates, 0);
  call_flush_page(c);
}

static void
on_ready(call *c, call_media_event *e)
{
  c->local_ufrag = g_strdup(e->ufrag);
  c->local_pwd = g_strdup(e->pwd);
  if (e->sip_address) {
    c->sip_address = g_strdup(e->sip_address);
    c->sip_port = e->sip_port;
  }
  if (c->kind != CALL_ECHO) {
    call_sip_on_ready(c);
    return;
  }
  const char *reason = NULL;
  g_autofree char *answer = call_build_browser_answer(c, NULL, 0, &reason);
  if (!answer) {
    g_autofree char *why = g_strdup_printf("the gateway cannot answer this offer: %s", reason);
    call_end(c, why, 0, TRUE);
    return;
  }
  c->state = CALL_STATE_ANSWERED;
  if (c->conn)
    browser_session_send_answer(c->conn->session, c->name, answer);
  call_forget_browser_offer(c);
  call_flush_candidates(c);
}

static void
on_candidate(call *c, call_media_event *e)
{
  if (!c->page_has_sdp) {
    if (e->candidate_end)
      c->pending_end_of_candidates = TRUE;
    else
      g_ptr_array_add(c->pending_candidates, g_strdup(e->candidate));
    return;
  }
  if (c->conn) {
    /* One transport per browser leg: the first m-line, mid "0" in our
     * offers and in browsers' offers. */
    browser_session_send_candidate(c->conn->session, c->name, e->candidate_end ? NULL : e->candidate,
                                   e->candidate_end ? NULL : "0", e->candidate_end ? -1 : 0);
    call_flush_page(c);
  }
}

void
call_send_security(call *c)
{
  if (!c->conn || !c->secured)
    return;
  browser_security sec = { 0 };
  sec.browser_leg.keying = BROWSER_KEYING_DTLS_SRTP;
  sec.browser_leg.profile = c->profile;
  sec.browser_leg.dtls_role = c->dtls_role == DTLS_ROLE_CLIENT ? BROWSER_DTLS_ROLE_CLIENT
                                                               : BROWSER_DTLS_ROLE_SERVER;
  sec.browser_leg.local_fingerprint = c->gw->fingerprint_text;
  sec.browser_leg.remote_fingerprint = c->remote_fingerprint;
  sec.browser_leg.verified = c->remote_fingerprint ? BROWSER_VERIFIED_YES : BROWSER_VERIFIED_NO;
  sec.has_sip_leg = c->kind != CALL_ECHO;
  if (sec.has_sip_leg) {
    if (!c->sip_keying)
      return; /* sent once the SIP leg is keyed too */
    gboolean sdes = !strcmp(c->sip_keying, "sdes");
    gboolean dtls = !strcmp(c->sip_keying, "dtls-srtp");
    if (dtls && !c->sip_secured)
      return; /* sent once the phone's certificate was checked */
    sec.sip_leg.keying = sdes ? BROWSER_KEYING_SDES : dtls ? BROWSER_KEYING_DTLS_SRTP : BROWSER_KEYING_NONE;
    sec.sip_leg.suite = sdes ? c->sip_suite : NULL;
    if (dtls) {
      sec.sip_leg.profile = c->sip_profile;
      sec.sip_leg.dtls_role = c->sip_dtls_role == DTLS_ROLE_CLIENT ? BROWSER_DTLS_ROLE_CLIENT
                                                                   : BROWSER_DTLS_ROLE_SERVER;
      sec.sip_leg.local_fingerprint = c->sip_local_fingerprint;
      sec.sip_leg.remote_fingerprint = c->sip_remote_fingerprint;
    }
    sec.sip_leg.signalling = !g_strcmp0(c->sip_transport, "tls") ? BROWSER_SIGNALLING_TLS
                           : !g_strcmp0(c->sip_transport, "tcp") ? BROWSER_SIGNALLING_TCP
                                                                  : BROWSER_SIGNALLING_UDP;
    sec.sip_leg.verified = dtls ? (c->sip_remote_fingerprint ? BROWSER_VERIFIED_YES : BROWSER_VERIFIED_NO)
                                : BROWSER_VERIFIED_UNKNOWN;
  }
  sec.end_to_end = FALSE;
  browser_session_send_security(c->conn->session, c->name, &sec);
  call_flush_page(c);
}

void
call_on_media_event(gateway *gw, call_media_event *e)
{
  call *c = gateway_find_call(gw, e->serial);
  if (!c)
    return;
  switch (e->type) {
  case CALL_MEDIA_READY:
    if (c->state != CALL_STATE_ENDED)
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
    if (c->state < CALL_STATE_SECURED)
      c->state = CALL_STATE_SECURED;
    c->secured = TRUE;
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
    call_send_security(c);
    break;
  case CALL_MEDIA_FLOWING:
    if (!c->media_flowing) {
      c->media_flowing = TRUE;
      c->state = CALL_STATE_CONNECTED;
      if (c->kind == CALL_ECHO)
        c->answered_unix = g_get_real_time() / G_USEC_PER_SEC;
      g_message("call %s: connected after %" G_GINT64_FORMAT " ms", c->name,
                (g_get_monotonic_time() - c->started_us) / 1000);
      if (c->conn) {
        browser_session_send_connected(c->conn->session, c->name);
        call_flush_page(c);
      }
    }
    break;
  case CALL_MEDIA_SIP_SECURED:
    c->sip_secured = TRUE;
    g_free(c->sip_profile);
    c->sip_profile = g_strdup(e->profile);
    g_free(c->sip_remote_fingerprint);
    c->sip_remote_fingerprint = g_strdup(e->remote_fingerprint);
    gw->counters.dtls_handshakes++;
    gw->counters.dtls_seconds_sum += e->dtls_duration_us / 1e6;
    for (guint i = 0; i < GATEWAY_DTLS_BUCKETS; i++)
      if (e->dtls_duration_us / 1e6 <= gateway_dtls_bucket_bounds[i])
        gw->counters.dtls_buckets[i]++;
    g_message("call %s: SIP leg dtls-srtp %s, gateway is DTLS %s, phone %s verified", c->name, c->sip_profile,
              c->sip_dtls_role == DTLS_ROLE_CLIENT ? "client" : "server", c->sip_remote_fingerprint);
    call_send_security(c);
    break;
  case CALL_MEDIA_DTMF:
    g_message("call %s: DTMF %c from the SIP side", c->name, e->digit);
    if (c->conn) {
      browser_session_send_dtmf(c->conn->session, c->name, e->digit);
      call_flush_page(c);
    }
    break;
  case CALL_MEDIA_FAILED: {
    gboolean mismatch = e->reason && strstr(e->reason, "fingerprint mismatch");
    gboolean sip_side = e->reason && g_str_has_prefix(e->reason, "SIP leg:");
    if (mismatch)
      gw->counters.fingerprint_mismatches++;
    if (mismatch && sip_side) {
      gw->counters.calls_failed++;
      gateway_count(gw->counters.failures_by_reason, "fingerprint_mismatch");
      c->sip_end_reason = "SIP;cause=488;text=\"fingerprint mismatch on the SIP leg\"";
      call_end(c, "fingerprint mismatch on the SIP leg: the phone's DTLS certificate does not match the "
                  "fingerprint in its SDP", 0, TRUE);
      break;
    }
    gw->counters.calls_failed++;
    gateway_count(gw->counters.failures_by_reason,
                  mismatch ? "fingerprint_mismatch"
                  : e->reason && strstr(e->reason, "consent") ? "ice_consent_lost"
                  : e->reason && strstr(e->reason, "ICE") ? "ice_failed"
                  : e->reason && strstr(e->reason, "DTLS") ? "dtls_failed" : "media_failed");
    g_autofree char *reason = mismatch
      ? g_strdup("fingerprint mismatch on the browser leg: the browser's DTLS certificate does not "
                 "match the fingerprint in its SDP")
      : g_strdup(e->reason);
    call_end(c, reason, 0, TRUE);
    break;
  }
  case CALL_MEDIA_STATS:
    c->browser_stats = e->stats;
    c->sip_stats = e->sip_stats;
    break;
  case CALL_MEDIA_RELEASED: {
    media_leg_stats *st = &e->stats, *ss = &e->sip_stats;
    c->browser_stats = *st;
    c->sip_stats = *ss;
    gw->counters.packets_relayed += st->rtp_out + st->rtcp_out + ss->rtp_out + ss->rtcp_out;
    gw->counters.bytes_relayed += st->bytes_out + ss->bytes_out;
    gw->counters.srtp_auth_drops += st->srtp_auth_fail + ss->srtp_auth_fail;
    gw->counters.srtp_replay_drops += st->srtp_replay_fail + ss->srtp_replay_fail;
    g_hash_table_remove(gw->calls, &c->serial); /* frees the key */
    g_message("call %s (#%" G_GUINT64_FORMAT ") released: browser RTP in %" G_GUINT64_FORMAT
              " out %" G_GUINT64_FORMAT ", SIP RTP in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT
              ", SRTP drops auth %" G_GUINT64_FORMAT " replay %" G_GUINT64_FORMAT "; %u calls active",
              c->name, c->serial, st->rtp_in, st->rtp_out, ss->rtp_in, ss->rtp_out,
              st->srtp_auth_fail + ss->srtp_auth_fail, st->srtp_replay_fail + ss->srtp_replay_fail,
              gateway_active_calls(gw));
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
call_hold_limit(call *c, const char *key)
{
  if (!c->limit_keys)
    c->limit_keys = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(c->limit_keys, g_strdup(key));
}

int
call_trunk_admit(gateway *gw, const char *trunk, char **slot, char **message)
{
  *slot = NULL;
  if (!gw->limits)
    return 0;
  g_autofree char *section = g_strdup_printf("trunk:%s", trunk);
  guint open = (guint)config_get_uint(gw->cfg, section, "max-calls");
  guint cps = (guint)config_get_uint(gw->cfg, section, "calls-per-second");
  g_autofree char *open_key = g_strconcat("open:trunk:", trunk, NULL);
  g_autofree char *rate_key = g_strconcat("cps:trunk:", trunk, NULL);
  gboolean held = FALSE;
  int rc = limits_try_admit(gw->limits, g_get_monotonic_time(), open_key, open, rate_key, cps, LIMITS_SECOND_US,
                            &held);
  if (held)
    *slot = g_steal_pointer(&open_key);
  if (rc == -EBUSY)
    *message = g_strdup_printf("trunk %s already carries %u calls (trunk:%s.max-calls)", trunk, open, trunk);
  else if (rc == -EAGAIN)
    *message = g_strdup_printf("trunk %s takes at most %u new calls a second (trunk:%s.calls-per-second)", trunk,
                               cps, trunk);
  else if (rc < 0)
    *message = g_strdup("the gateway tracks too many callers right now (limits.table-size)");
  return rc < 0 ? -EBUSY : 0;
}

void
call_release_limit(call *c)
{
  for (guint i = 0; c->limit_keys && c->gw->limits && i < c->limit_keys->len; i++)
    limits_release(c->gw->limits, c->limit_keys->pdata[i]);
  g_clear_pointer(&c->limit_keys, g_ptr_array_unref);
}

void
call_end(call *c, const char *reason, guint sip_status, gboolean tell_page)
{
  if (c->state == CALL_STATE_ENDED)
    return;
  c->state = CALL_STATE_ENDED;
  c->end_reason = g_strdup(reason);
  call_release_limit(c);
  g_message("call %s ended: %s", c->name, reason);
  call_sip_end(c, sip_status);
  if (c->conn) {
    if (tell_page)
      browser_session_send_hangup(c->conn->session, c->name, reason, sip_status);
    browser_session_call_ended(c->conn->session, c->name);
    g_hash_table_remove(c->conn->calls, c->name);
    browser_conn_flush(c->conn);
    c->conn = NULL;
  }
  /* The call stays registered until the worker reports the legs released. */
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

gboolean
call_get_stats(const call *c, media_leg_stats *out)
{
  *out = c->browser_stats;
  out->rtp_out += c->sip_stats.rtp_out;
  out->rtcp_out += c->sip_stats.rtcp_out;
  out->bytes_out += c->sip_stats.bytes_out;
  out->srtp_auth_fail += c->sip_stats.srtp_auth_fail;
  out->srtp_replay_fail += c->sip_stats.srtp_replay_fail;
  return TRUE;
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
  if (c->trunk)
    add_string(b, "trunk", c->trunk);

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
  if (c->kind == CALL_ECHO) {
    json_builder_add_null_value(b);
  } else {
    json_builder_begin_object(b);
    add_string(b, "keying", c->sip_keying);
    add_string(b, "suite", c->sip_suite);
    add_string(b, "signalling", c->sip_transport);
    gboolean dtls = !g_strcmp0(c->sip_keying, "dtls-srtp");
    if (dtls) {
      add_string(b, "dtls_state", c->sip_secured ? "connected" : "handshaking");
      add_string(b, "dtls_role", c->sip_dtls_role == DTLS_ROLE_CLIENT ? "client" : "server");
      add_string(b, "profile", c->sip_profile);
      add_string(b, "local_fingerprint", c->sip_local_fingerprint);
      add_string(b, "remote_fingerprint", c->sip_remote_fingerprint);
    }
    json_builder_set_member_name(b, "verified");
    if (dtls && c->sip_secured)
      json_builder_add_boolean_value(b, c->sip_remote_fingerprint != NULL);
    else
      json_builder_add_null_value(b);
    g_autofree char *local = c->sip_address ? g_strdup_printf("%s:%u", c->sip_address, c->sip_port) : NULL;
    add_string(b, "local_rtp", local);
    describe_stats(&c->sip_stats, b);
    json_builder_end_object(b);
  }
  json_builder_end_object(b);
}

void
call_check_media_timeout(call *c, gint64 now_us, gint64 timeout_us)
{
  if (c->state < CALL_STATE_ANSWERED || c->state == CALL_STATE_ENDED)
    return;
  gint64 last = MAX(c->started_us, MAX(c->browser_stats.last_in_us, c->sip_stats.last_in_us));
  if (now_us - last < timeout_us)
    return;
  g_autofree char *reason = g_strdup_printf("no media from either side for %" G_GINT64_FORMAT " s",
                                            timeout_us / G_USEC_PER_SEC);
  c->gw->counters.calls_failed++;
  gateway_count(c->gw->counters.failures_by_reason, "rtp_timeout");
  call_end(c, reason, 0, TRUE);
}
