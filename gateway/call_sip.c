/* The SIP leg of calls (main thread), what page → SIP (call_outbound.c) and
 * SIP → page (call_inbound.c) calls share: the key-exchange policy, SDES
 * and DTLS settings of the SIP leg, DTMF, the SIP events of an established
 * call (re-INVITE, INFO, BYE) and its end. */
#define G_LOG_DOMAIN "rtc2sip-call"
#include "gateway/call_private.h"

#include <errno.h>
#include <string.h>

#include "gateway/sip_ua.h"
#include "signalling/sdp/sdp_negotiate.h"
#include "signalling/sip/sip_writer.h"

/* ---- shared ---------------------------------------------------------------- */

/* Wipes and frees the SDES keys of our offer. */
void
call_sip_wipe_offer_keys(call *c)
{
  if (c->crypto_offered) {
    for (guint i = 0; i < c->crypto_offered->len; i++) {
      char *s = c->crypto_offered->pdata[i];
      memset(s, 0, strlen(s));
    }
    g_ptr_array_unref(c->crypto_offered);
    c->crypto_offered = NULL;
  }
  if (c->crypto_attrs) {
    memset(c->crypto_attrs, 0, sizeof(sdes_crypto_attr) * c->n_crypto_attrs);
    g_free(c->crypto_attrs);
    c->crypto_attrs = NULL;
  }
  c->n_crypto_attrs = 0;
}

void
call_sip_free(call *c)
{
  if (c->ring_timer)
    g_source_remove(c->ring_timer);
  if (c->sip_offer)
    sdp_session_free(c->sip_offer);
  if (c->sip_answer)
    sdp_session_free(c->sip_answer);
  if (c->sip_codecs)
    g_array_unref(c->sip_codecs);
  call_sip_wipe_offer_keys(c);
  g_free(c->sip_address);
  g_free(c->sip_keying);
  g_free(c->sip_suite);
  g_free(c->trunk);
  g_free(c->pending_route_uri);
  g_free(c->pending_from_domain);
  g_free(c->sip_profile);
  g_free(c->sip_remote_fingerprint);
  if (c->sip_dtls_fingerprints)
    g_array_unref(c->sip_dtls_fingerprints);
  g_free(c->sip_local_fingerprint);
}

/* The key-exchange list of a trunk (or [sip]). */
void
call_sip_load_policy(const gateway *gw, const char *trunk, sdp_sip_kx_policy *policy)
{
  g_autofree char *section = trunk ? g_strdup_printf("trunk:%s", trunk) : NULL;
  const char *text = section && *config_get_string(gw->cfg, section, "key-exchange")
                       ? config_get_string(gw->cfg, section, "key-exchange")
                       : config_get_string(gw->cfg, "sip", "key-exchange");
  const char *reason = NULL;
  sdp_sip_kx_policy parsed;
  if (sdp_sip_kx_policy_parse(text, &parsed, &reason) < 0)
    parsed = *sdp_sip_kx_policy_default();
  *policy = parsed;
  policy->crypto_suites = NULL;
}

char **
call_sip_sdes_suites(const gateway *gw, const char *trunk)
{
  g_autofree char *section = trunk ? g_strdup_printf("trunk:%s", trunk) : NULL;
  if (section && *config_get_string(gw->cfg, section, "sdes-suites"))
    return config_get_list(gw->cfg, section, "sdes-suites");
  return config_get_list(gw->cfg, "sip", "sdes-suites");
}

/* The SIP leg's SDES keys: OURS protect what we send, THEIRS what arrives. */
void
call_sip_media_sdes_keys(call_sip_media *m, const sdes_crypto_attr *ours, const sdes_crypto_attr *theirs)
{
  m->sdes = TRUE;
  m->suite = theirs->suite;
  memcpy(m->local_key, ours->keys[0].key, ours->keys[0].key_len);
  m->local_key_len = ours->keys[0].key_len;
  memcpy(m->remote_key, theirs->keys[0].key, theirs->keys[0].key_len);
  m->remote_key_len = theirs->keys[0].key_len;
}

/* The SIP leg's DTLS-SRTP: our setup role (RFC 5763: active is the DTLS
 * client) and the phone's fingerprints. */
void
call_sip_media_dtls(call *c, call_sip_media *m, sdp_setup local_setup, const GArray *fingerprints)
{
  m->dtls = TRUE;
  m->dtls_role = local_setup == SDP_SETUP_ACTIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
  m->dtls_fingerprints = g_array_sized_new(FALSE, FALSE, sizeof(fingerprint), fingerprints->len);
  g_array_append_vals(m->dtls_fingerprints, fingerprints->data, fingerprints->len);
  c->sip_dtls_role = m->dtls_role;
  if (c->sip_dtls_fingerprints)
    g_array_unref(c->sip_dtls_fingerprints);
  c->sip_dtls_fingerprints = g_array_ref(m->dtls_fingerprints);
}

void
call_sip_on_ready(call *c)
{
  if (c->kind == CALL_OUTBOUND)
    call_outbound_send_invite(c);
  else
    call_inbound_offer_to_page(c);
}

int
call_send_dtmf(call *c, const char *digits, guint duration_ms, browser_error_code *code, char **message)
{
  if (c->kind == CALL_ECHO || !c->sip_media_configured) {
    *code = BROWSER_ERROR_BAD_REQUEST;
    *message = g_strdup_printf("call %s has no SIP leg to send DTMF to (yet)", c->name);
    return -EINVAL;
  }
  g_autofree char *section = c->trunk ? g_strdup_printf("trunk:%s", c->trunk) : NULL;
  if (section && !g_ascii_strcasecmp(config_get_string(c->gw->cfg, section, "dtmf"), "info")) {
    for (const char *d = digits; *d; d++)
      sip_ua_info_dtmf(c->gw->sip, c->dialog, *d, duration_ms);
    return 0;
  }
  call_media_send_dtmf(c->media, digits, duration_ms);
  return 0;
}

/* ---- SIP events for a call --------------------------------------------------- */

/* "Signal=5" in an application/dtmf-relay (or dtmf) INFO body. */
static char
info_digit(const sip_message *msg)
{
  g_autofree char *body = g_strndup(msg->body.p, msg->body.len);
  const char *sig = strstr(body, "Signal=");
  if (sig) {
    sig += 7;
    while (*sig == ' ')
      sig++;
    return g_ascii_toupper(*sig);
  }
  g_strstrip(body);
  return strlen(body) == 1 ? g_ascii_toupper(body[0]) : 0;
}

/* Do two fingerprint sets hold the same fingerprints (in any order)? */
static gboolean
same_fingerprints(const GArray *a, const GArray *b)
{
  if (!a || !b || a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++) {
    const fingerprint *x = &g_array_index(a, fingerprint, i);
    gboolean found = FALSE;
    for (guint k = 0; k < b->len && !found; k++) {
      const fingerprint *y = &g_array_index(b, fingerprint, k);
      found = x->hash == y->hash && x->len == y->len && memcmp(x->digest, y->digest, x->len) == 0;
    }
    if (!found)
      return FALSE;
  }
  return TRUE;
}

/* A re-INVITE from the phone (hold, resume, a new address or keys): answer
 * with the same ports and keys and follow the new address. With DTLS-SRTP,
 * a new fingerprint or setup role means a new DTLS association (RFC 5763
 * §5, RFC 8842 §4); the same ones keep the session. */
static void
on_reinvite(call *c, const sip_event *ev)
{
  gateway *gw = c->gw;
  g_autoptr(sdp_session) offer = NULL;
  const char *reason = NULL;
  if (!ev->msg->body.len ||
      sdp_session_parse(ev->msg->body.p, ev->msg->body.len, SDP_PARSE_ALLOW_MISSING_S_T, &offer, &reason) < 0) {
    /* An offerless re-INVITE would need our offer in the 200: refuse. */
    sip_ua_respond(gw->sip, ev->transaction, 488, NULL, NULL, NULL, NULL);
    return;
  }
  gboolean hold = sdp_sip_is_hold(offer);
  guint changes = c->kind == CALL_INBOUND ? sdp_sip_changes(c->sip_offer, offer)
                                          : (c->sip_answer ? sdp_sip_changes(c->sip_answer, offer) : 0);
  sdp_sip_kx_policy policy;
  call_sip_load_policy(gw, c->trunk, &policy);
  g_auto(sdp_sip_offer_info) info = { 0 };
  if (sdp_sip_inspect_offer(offer, &policy, &info, &reason) < 0) {
    g_autofree char *warning = g_strdup_printf("399 rtc2sip \"%s\"", reason);
    const char *hdrs[] = { "Warning", warning, NULL };
    sip_ua_respond(gw->sip, ev->transaction, 488, NULL, hdrs, NULL, NULL);
    return;
  }
  /* Our answer: our address and the codecs of the offer (the browser leg
   * is not renegotiated), the key exchange of the call. */
  const char *our_crypto = NULL;
  g_auto(sdes_crypto_attr) ours = { 0 };
  char crypto[SDES_CRYPTO_MAX_LEN] = "";
  call_sip_media m = { 0 };
  if (info.kx == SDP_SIP_KX_SDES) {
    g_auto(sdes_crypto_attr) theirs = { 0 };
    if (sdes_crypto_parse(info.crypto, strlen(info.crypto), &theirs, &reason) == 0 && theirs.suite_known &&
        sdes_crypto_generate(theirs.suite, theirs.tag, &ours) == 0 &&
        sdes_crypto_format(&ours, crypto, sizeof crypto) == 0) {
      our_crypto = crypto;
      call_sip_media_sdes_keys(&m, &ours, &theirs);
    }
  }
  sdp_sip_answer_params ap = {
    .session_id = c->serial + (guint64)g_get_real_time(),
    .session_version = 2,
    .connection_address = c->sip_address,
    .rtp_port = c->sip_port,
    .rtcp_mux = TRUE,
    .codecs = (const sdp_codec *)info.codecs->data,
    .n_codecs = info.codecs->len,
    .kx = info.kx,
    .crypto = our_crypto,
    .fingerprint = identity_fingerprint(gw->identity),
  };
  /* DTLS: our fingerprint with the phone's hash, and whether the
   * association is new. */
  fingerprint ours_fp;
  gboolean redo_dtls = FALSE;
  if (info.kx == SDP_SIP_KX_DTLS_SRTP) {
    identity_fingerprint_with(gw->identity, info.offer_hash, &ours_fp);
    ap.fingerprint = &ours_fp;
    dtls_role role = info.local_setup == SDP_SETUP_ACTIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
    redo_dtls = g_strcmp0(c->sip_keying, "dtls-srtp") != 0 || role != c->sip_dtls_role ||
                !same_fingerprints(c->sip_dtls_fingerprints, info.fingerprints);
  }
  g_autoptr(sdp_session) answer = sdp_sip_answer(offer, &ap, &reason);
  if (!answer) {
    sip_ua_respond(gw->sip, ev->transaction, 488, NULL, NULL, NULL, NULL);
    return;
  }
  g_autofree char *body = sdp_session_write(answer);
  sip_ua_respond(gw->sip, ev->transaction, 200, NULL, NULL, "application/sdp", body);

  /* Follow the phone: address, keys (payload types stay as agreed). */
  m.host = g_strdup(info.rtp_address);
  m.rtp_port = info.rtp_port;
  m.rtcp_port = info.rtcp_port;
  m.rtcp_mux = info.rtcp_mux;
  m.clock_rate = 8000;
  rtp_rewrite_pt_map_init(&m.to_sip);
  rtp_rewrite_pt_map_init(&m.to_browser);
  m.te_from_sip = m.te_to_sip = info.telephone_event_pt;
  m.te_from_browser = -1;
  if (c->sip_media_configured && !m.sdes && !g_strcmp0(c->sip_keying, "sdes"))
    g_message("call %s: the phone's re-INVITE dropped SDES", c->name);
  if (redo_dtls) {
    call_sip_media_dtls(c, &m, info.local_setup, info.fingerprints);
    g_free(c->sip_local_fingerprint);
    c->sip_local_fingerprint = fingerprint_to_string(&ours_fp);
    g_clear_pointer(&c->sip_remote_fingerprint, g_free);
    c->sip_secured = FALSE;
    g_message("call %s: the phone's re-INVITE asks for a new DTLS association (gateway DTLS %s)", c->name,
              m.dtls_role == DTLS_ROLE_CLIENT ? "client" : "server");
  }
  call_media_sip_update(c->media, &m);
  g_free(m.host);
  if (m.dtls_fingerprints)
    g_array_unref(m.dtls_fingerprints);
  memset(&m, 0, sizeof m);
  /* The next re-INVITE compares against this one. */
  if (c->kind == CALL_INBOUND) {
    sdp_session_free(c->sip_offer);
    c->sip_offer = g_steal_pointer(&offer);
  } else if (c->sip_answer) {
    sdp_session_free(c->sip_answer);
    c->sip_answer = g_steal_pointer(&offer);
  }
  memset(crypto, 0, sizeof crypto);
  g_message("call %s: re-INVITE from the phone (%s%s)", c->name, hold ? "hold" : "resume/update",
            changes & SDP_SIP_CHANGED_KEYS ? ", new keys" : "");
  if ((changes & SDP_SIP_CHANGED_KEYS) || redo_dtls) {
    g_free(c->sip_keying);
    c->sip_keying = g_strdup(info.kx == SDP_SIP_KX_SDES ? "sdes" : info.kx == SDP_SIP_KX_DTLS_SRTP ? "dtls-srtp" : "none");
    call_send_security(c);
  }
}

void
call_sip_on_event(call *c, const sip_event *ev)
{
  switch (ev->type) {
  case SIP_EVENT_INVITE_RESPONSE:
    call_outbound_on_invite_response(c, ev);
    break;
  case SIP_EVENT_CANCELLED:
    c->invite_txn = 0;
    call_end(c, "the caller cancelled", 487, TRUE);
    break;
  case SIP_EVENT_BYE:
    c->dialog = 0;
    call_end(c, "the phone hung up", 0, TRUE);
    break;
  case SIP_EVENT_REINVITE:
  case SIP_EVENT_UPDATE:
    on_reinvite(c, ev);
    break;
  case SIP_EVENT_INFO: {
    char digit = ev->msg ? info_digit(ev->msg) : 0;
    sip_ua_respond(c->gw->sip, ev->transaction, 200, NULL, NULL, NULL, NULL);
    if (digit && strchr("0123456789*#ABCD", digit) && c->conn) {
      g_message("call %s: DTMF %c by SIP INFO", c->name, digit);
      browser_session_send_dtmf(c->conn->session, c->name, digit);
      call_flush_page(c);
    }
    break;
  }
  case SIP_EVENT_DIALOG_ENDED:
    if (c->dialog == ev->dialog) {
      c->dialog = 0;
      if (c->state != CALL_STATE_ENDED) {
        g_autofree char *why = g_strdup_printf("the SIP dialog ended%s%s", ev->reason ? ": " : "",
                                               ev->reason ? ev->reason : "");
        call_end(c, why, ev->status, TRUE);
      }
    }
    break;
  default:
    break;
  }
}

/* The call ends on our side: CANCEL, BYE or a final answer to the phone. */
void
call_sip_end(call *c, guint sip_status)
{
  gateway *gw = c->gw;
  if (c->ring_timer) {
    g_source_remove(c->ring_timer);
    c->ring_timer = 0;
  }
  if (c->kind == CALL_OUTBOUND && c->dialog) {
    if (c->sip_answered)
      sip_ua_bye_reason(gw->sip, c->dialog, c->sip_end_reason);
    else
      sip_ua_cancel(gw->sip, c->dialog);
  } else if (c->kind == CALL_INBOUND) {
    if (c->invite_txn) {
      guint status = sip_status >= 400 ? sip_status : 486;
      sip_ua_respond(gw->sip, c->invite_txn, status, NULL, NULL, NULL, NULL);
      c->invite_txn = 0;
    } else if (c->dialog) {
      sip_ua_bye_reason(gw->sip, c->dialog, c->sip_end_reason);
    }
  }
  if (gw->sip)
    sip_ua_forget_call(gw->sip, c);
  c->dialog = 0;
}
