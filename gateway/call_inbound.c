/* Calls from SIP to a page (main thread): a registered user's INVITE, the
 * offer to the browser, ringing and its timeout, accept and reject. */
#define G_LOG_DOMAIN "rtc2sip-call"
#include "gateway/call_private.h"

#include <errno.h>
#include <string.h>

#include "gateway/sip_ua.h"
#include "signalling/sdp/sdp_negotiate.h"
#include "signalling/sip/sip_writer.h"

/* ---- SIP → page ------------------------------------------------------------ */

static gboolean
on_ring_timeout(gpointer data)
{
  call *c = data;
  c->ring_timer = 0;
  call_end(c, "no answer", 480, TRUE);
  return G_SOURCE_REMOVE;
}

/* An INVITE for USER, a page registered on CONN. Returns the call, or NULL
 * when the INVITE was answered with an error. */
call *
call_sip_incoming(gateway *gw, const sip_event *ev, browser_conn *conn, const char *user)
{
  const sip_message *msg = ev->msg;
  g_autoptr(sdp_session) offer = NULL;
  const char *reason = NULL;
  if (!msg->body.len ||
      sdp_session_parse(msg->body.p, msg->body.len, SDP_PARSE_ALLOW_MISSING_S_T, &offer, &reason) < 0) {
    const char *hdrs[] = { "Warning", "399 rtc2sip \"an INVITE without a usable SDP offer\"", NULL };
    sip_ua_respond(gw->sip, ev->transaction, 488, NULL, hdrs, NULL, NULL);
    return NULL;
  }
  sdp_sip_kx_policy policy;
  call_sip_load_policy(gw, NULL, &policy);
  g_auto(sdp_sip_offer_info) info = { 0 };
  if (sdp_sip_inspect_offer(offer, &policy, &info, &reason) < 0) {
    g_autofree char *warning = g_strdup_printf("399 rtc2sip \"%s\"", reason);
    const char *hdrs[] = { "Warning", warning, NULL };
    sip_ua_respond(gw->sip, ev->transaction, 488, NULL, hdrs, NULL, NULL);
    g_message("INVITE for %s refused with 488: %s", user, reason);
    return NULL;
  }
  if (browser_session_call_count(conn->session) >= config_get_uint(gw->cfg, "browser", "max-calls")) {
    sip_ua_respond(gw->sip, ev->transaction, 486, NULL, NULL, NULL, NULL);
    return NULL;
  }
  g_autofree char *name = g_strdup_printf("in%" G_GUINT64_FORMAT, gw->next_serial + 1);
  sip_name_addr from;
  g_autofree char *from_text = NULL;
  if (sip_message_from(msg, &from, NULL) == 0)
    from_text = g_strndup(from.uri_text.p, from.uri_text.len);
  call *c = call_alloc(conn, name, CALL_INBOUND);
  c->from = g_strdup(from_text ? from_text : "unknown");
  c->to = g_strdup(user);
  c->invite_txn = ev->transaction;
  c->sip_transport = ev->from.kind == SIP_TRANSPORT_TLS ? "tls" : ev->from.kind == SIP_TRANSPORT_TCP ? "tcp" : "udp";
  c->sip_offer = g_steal_pointer(&offer);
  c->media->with_sip = TRUE;
  c->media->ice_controlling = TRUE;
  c->media->sip_bind = g_strdup(sip_ua_media_address(gw->sip));
  sip_ua_rtp_ports(gw->sip, &c->media->sip_port_min, &c->media->sip_port_max);
  call_register(c);
  sip_ua_bind_transaction(gw->sip, ev->transaction, c);
  g_message("call %s (#%" G_GUINT64_FORMAT ") from %s to page user %s", c->name, c->serial, c->from, user);
  call_media_create(c->media);
  return c->state == CALL_STATE_ENDED ? NULL : c;
}

/* Media legs exist: offer the call to the page and ring. */
void
call_inbound_offer_to_page(call *c)
{
  gateway *gw = c->gw;
  sdp_sip_kx_policy policy;
  call_sip_load_policy(gw, NULL, &policy);
  g_auto(sdp_sip_offer_info) info = { 0 };
  const char *reason = NULL;
  if (sdp_sip_inspect_offer(c->sip_offer, &policy, &info, &reason) < 0) {
    call_end(c, reason, 488, TRUE);
    return;
  }
  guint n_allowed = 0;
  const sdp_codec *allowed = sdp_sip_default_codecs(&n_allowed);
  g_autoptr(GArray) codecs = sdp_sip_browser_codecs(&info, allowed, n_allowed);
  sdp_browser_leg_params params = {
    .ice_ufrag = c->local_ufrag,
    .ice_pwd = c->local_pwd,
    .fingerprint = identity_fingerprint(gw->identity),
    .audio_codecs = codecs ? (const sdp_codec *)codecs->data : NULL,
    .n_audio_codecs = codecs ? codecs->len : 0,
    .audio_ssrc = c->ssrc,
    .cname = "rtc2sip",
    .msid_stream = "rtc2sip",
    .audio_track = "audio",
    .session_id = c->serial + (guint64)g_get_real_time(),
    .session_version = 1,
  };
  g_autoptr(sdp_session) browser_offer = codecs && codecs->len ? sdp_offer_to_browser(&params, &reason) : NULL;
  if (!browser_offer) {
    call_end(c, reason ? reason : "no codec of the phone's offer can go to the browser", 488, TRUE);
    return;
  }
  c->offer = g_steal_pointer(&browser_offer); /* for the inbound kind: our offer to the page */
  g_autofree char *text = sdp_session_write(c->offer);
  if (!c->conn || browser_session_send_incoming(c->conn->session, c->name, c->from, c->to, text) < 0) {
    call_end(c, "the page cannot take another call", 486, FALSE);
    return;
  }
  call_flush_candidates(c);
  c->state = CALL_STATE_RINGING;
  sip_ua_respond(gw->sip, c->invite_txn, 180, NULL, NULL, NULL, NULL);
  c->ring_timer = g_timeout_add_seconds((guint)config_get_uint(gw->cfg, "call", "ring-timeout"),
                                        on_ring_timeout, c);
}

int
call_accept(call *c, const char *answer_text, browser_error_code *code, char **message)
{
  gateway *gw = c->gw;
  const char *reason = NULL;
  if (c->kind != CALL_INBOUND || c->state != CALL_STATE_RINGING) {
    *code = BROWSER_ERROR_BAD_REQUEST;
    *message = g_strdup_printf("call %s is not ringing on this page", c->name);
    return -EINVAL;
  }
  g_autoptr(sdp_session) answer = NULL;
  if (sdp_session_parse(answer_text, strlen(answer_text), 0, &answer, &reason) < 0) {
    *code = BROWSER_ERROR_BAD_REQUEST;
    *message = g_strdup_printf("sdp: the answer is not valid SDP: %s", reason);
    return -EINVAL;
  }
  const sdp_media *audio = answer->media->len ? answer->media->pdata[0] : NULL;
  const char *ufrag, *pwd;
  if (!audio || sdp_media_is_rejected(audio) || !sdp_media_ice_credentials(answer, audio, &ufrag, &pwd) ||
      sdp_media_fingerprints(answer, audio)->len == 0) {
    *code = BROWSER_ERROR_BAD_REQUEST;
    *message = g_strdup("sdp: the answer must accept the audio m-line with ICE credentials and a fingerprint");
    return -EINVAL;
  }
  /* The browser's setup: active makes it the DTLS client and us the server. */
  sdp_setup setup = sdp_media_setup(answer, audio);
  dtls_role role = setup == SDP_SETUP_PASSIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
  c->dtls_role = role;
  GPtrArray *candidates = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < audio->candidates->len; i++)
    g_ptr_array_add(candidates, sdp_candidate_write(audio->candidates->pdata[i]));
  const GArray *fps = sdp_media_fingerprints(answer, audio);
  GArray *fp_copy = g_array_sized_new(FALSE, FALSE, sizeof(fingerprint), fps->len);
  g_array_append_vals(fp_copy, fps->data, fps->len);
  call_media_browser_remote(c->media, g_strdup(ufrag), g_strdup(pwd), candidates, audio->end_of_candidates,
                            role, fp_copy);

  /* The codecs the browser kept, in the phone's numbering for the SIP answer. */
  g_autoptr(GArray) pairs = sdp_negotiated_codecs(c->offer, answer, SDP_MEDIA_AUDIO);
  call_forget_browser_offer(c); /* the page answered it: not read again */
  sdp_sip_kx_policy policy;
  call_sip_load_policy(gw, NULL, &policy);
  g_auto(sdp_sip_offer_info) info = { 0 };
  sdp_sip_inspect_offer(c->sip_offer, &policy, &info, &reason);
  GArray *final = g_array_new(FALSE, TRUE, sizeof(sdp_codec));
  call_sip_media m = { 0 };
  rtp_rewrite_pt_map_init(&m.to_sip);
  rtp_rewrite_pt_map_init(&m.to_browser);
  m.te_from_sip = m.te_to_sip = m.te_from_browser = -1;
  for (guint i = 0; pairs && i < pairs->len; i++) {
    const sdp_negotiated_codec *p = &g_array_index(pairs, sdp_negotiated_codec, i);
    for (guint k = 0; k < info.codecs->len; k++) {
      const sdp_codec *sc = &g_array_index(info.codecs, sdp_codec, k);
      sdp_codec bc = { .encoding = p->encoding, .clock_rate = p->clock_rate, .channels = p->channels };
      if (!sdp_codec_matches(sc, &bc))
        continue;
      g_array_append_val(final, *sc);
      /* The phone sends with its own numbers; the browser with ours. */
      rtp_rewrite_pt_map_set(&m.to_browser, (int)sc->pt, (int)p->local_pt);
      rtp_rewrite_pt_map_set(&m.to_sip, (int)p->local_pt, (int)sc->pt);
      if (!g_ascii_strcasecmp(sc->encoding, "telephone-event")) {
        m.te_from_sip = m.te_to_sip = (int)sc->pt;
        m.te_from_browser = (int)p->local_pt;
      } else if (!m.clock_rate) {
        m.clock_rate = !g_ascii_strcasecmp(sc->encoding, "G722") ? 8000 : sc->clock_rate;
      }
      break;
    }
  }
  if (!final->len || !m.clock_rate) {
    g_array_unref(final);
    call_end(c, "the browser accepted no codec the phone offered", 488, TRUE);
    return 0;
  }
  g_auto(sdes_crypto_attr) ours = { 0 };
  char crypto[SDES_CRYPTO_MAX_LEN] = "";
  if (info.kx == SDP_SIP_KX_SDES) {
    g_auto(sdes_crypto_attr) theirs = { 0 };
    if (sdes_crypto_parse(info.crypto, strlen(info.crypto), &theirs, &reason) < 0 || !theirs.suite_known ||
        sdes_crypto_generate(theirs.suite, theirs.tag, &ours) < 0 ||
        sdes_crypto_format(&ours, crypto, sizeof crypto) < 0) {
      g_array_unref(final);
      call_end(c, "the phone's a=crypto line is not usable", 488, TRUE);
      return 0;
    }
    call_sip_media_sdes_keys(&m, &ours, &theirs);
    c->sip_keying = g_strdup("sdes");
    c->sip_suite = g_strdup(media_srtp_suite_name(theirs.suite));
  } else if (info.kx == SDP_SIP_KX_DTLS_SRTP) {
    call_sip_media_dtls(c, &m, info.local_setup, info.fingerprints);
    c->sip_keying = g_strdup("dtls-srtp");
  } else {
    c->sip_keying = g_strdup("none");
  }
  /* Our fingerprint with the hash the phone used (RFC 8122 §5). */
  fingerprint ours_fp;
  identity_fingerprint_with(gw->identity, info.kx == SDP_SIP_KX_DTLS_SRTP ? info.offer_hash : FINGERPRINT_HASH_SHA256,
                            &ours_fp);
  if (m.dtls)
    c->sip_local_fingerprint = fingerprint_to_string(&ours_fp);
  sdp_sip_answer_params ap = {
    .session_id = c->serial + (guint64)g_get_real_time(),
    .session_version = 1,
    .connection_address = c->sip_address,
    .rtp_port = c->sip_port,
    .rtcp_mux = TRUE,
    .codecs = (const sdp_codec *)final->data,
    .n_codecs = final->len,
    .kx = info.kx,
    .crypto = m.sdes ? crypto : NULL,
    .fingerprint = m.dtls ? &ours_fp : NULL,
  };
  c->sip_answer = sdp_sip_answer(c->sip_offer, &ap, &reason);
  g_array_unref(final);
  memset(crypto, 0, sizeof crypto);
  if (!c->sip_answer) {
    if (m.dtls_fingerprints)
      g_array_unref(m.dtls_fingerprints);
    memset(&m, 0, sizeof m);
    call_end(c, reason, 488, TRUE);
    return 0;
  }
  m.host = g_strdup(info.rtp_address);
  m.rtp_port = info.rtp_port;
  m.rtcp_port = info.rtcp_port;
  m.rtcp_mux = info.rtcp_mux;
  m.sip_ssrc = g_random_int() | 1;
  call_media_sip_configure(c->media, &m);
  g_free(m.host);
  if (m.dtls_fingerprints)
    g_array_unref(m.dtls_fingerprints);
  memset(&m, 0, sizeof m);
  c->sip_media_configured = TRUE;

  g_autofree char *body = sdp_session_write(c->sip_answer);
  /* Sent in the 200 (retransmitted as text by the SIP stack); a re-INVITE
   * from the phone is compared with its offer and answered afresh. */
  g_clear_pointer(&c->sip_answer, sdp_session_free);
  if (c->ring_timer) {
    g_source_remove(c->ring_timer);
    c->ring_timer = 0;
  }
  c->dialog = sip_ua_respond(gw->sip, c->invite_txn, 200, NULL, NULL, "application/sdp", body);
  c->invite_txn = 0;
  c->sip_answered = TRUE;
  c->answered_unix = g_get_real_time() / G_USEC_PER_SEC;
  c->state = CALL_STATE_ANSWERED;
  g_message("call %s: accepted by the page; SIP leg %s%s%s", c->name, c->sip_keying,
            c->sip_suite ? " " : "", c->sip_suite ? c->sip_suite : "");
  call_send_security(c);
  return 0;
}

void
call_reject(call *c, guint status)
{
  g_autofree char *reason = g_strdup_printf("rejected by the page (%u)", status);
  call_end(c, reason, status, FALSE);
}

