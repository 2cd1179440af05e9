/* Calls from the page to SIP (main thread): the dial plan, the SIP offer
 * (one m-line with every mechanism of the key-exchange policy, then one
 * mechanism at a time after a 488), the INVITE and its answers. */
#define G_LOG_DOMAIN "rtc2sip-call"
#include "gateway/call_private.h"

#include <errno.h>
#include <string.h>

#include "gateway/dialplan.h"
#include "gateway/sip_ua.h"
#include "signalling/sdp/sdp_negotiate.h"
#include "signalling/sip/sip_writer.h"

/* ---- routing -------------------------------------------------------------- */

typedef struct {
  char *trunk;             /* NULL: direct */
  char *request_uri;
  sip_addr next_hop;
  char *from_domain;
} route;

static void
route_clear(route *r)
{
  g_free(r->trunk);
  g_free(r->request_uri);
  g_free(r->from_domain);
}

static gboolean
trunk_next_hop(const gateway *gw, const char *trunk, sip_addr *out, char **domain, char **host, guint16 *port)
{
  g_autofree char *section = g_strdup_printf("trunk:%s", trunk);
  const char *reason;
  if (!config_parse_listen(config_get_string(gw->cfg, section, "address"), host, port, &reason))
    return FALSE;
  const char *t = config_get_string(gw->cfg, section, "transport");
  sip_transport_kind kind = !g_ascii_strcasecmp(t, "tcp") ? SIP_TRANSPORT_TCP
                          : !g_ascii_strcasecmp(t, "tls") ? SIP_TRANSPORT_TLS : SIP_TRANSPORT_UDP;
  const char *d = config_get_string(gw->cfg, section, "domain");
  *domain = g_strdup(*d ? d : *host);
  return g_hostname_is_ip_address(*host) && sip_addr_set(out, kind, *host, *port, 0);
}

/* [route] allow-direct: auto allows direct SIP URIs only while nothing is
 * exposed (SIP and the page listener both on loopback). */
static gboolean
route_allow_direct(gateway *gw)
{
  const char *allow = config_get_string(gw->cfg, "route", "allow-direct");
  if (!strcmp(allow, "auto"))
    return sip_ua_loopback_only(gw->sip) && config_listen_is_loopback(config_get_string(gw->cfg, "http", "listen"));
  return !strcmp(allow, "true");
}

/* The host and port of a direct SIP URI (default 5060, or 5061 for sips:;
 * localhost is 127.0.0.1). FALSE when it names no IP address and port. */
static gboolean
direct_host_port(const char *to, char **host, guint16 *port)
{
  if (!dialplan_uri_host_port(to, host, port))
    return FALSE;
  if (!*port)
    *port = !g_ascii_strncasecmp(to, "sips:", 5) ? 5061 : 5060;
  if (!g_ascii_strcasecmp(*host, "localhost")) {
    g_free(*host);
    *host = g_strdup("127.0.0.1");
  }
  return g_hostname_is_ip_address(*host);
}

/* Where a page's call to TO goes: a trunk by the [route] rules, or directly
 * to a SIP URI's host when allowed; never to the gateway itself. Returns 0
 * or a negative errno with the error code and a sentence for the page. */
static int
route_call(gateway *gw, const char *to, route *r, browser_error_code *code, char **message)
{
  gboolean uri = dialplan_is_uri(to);
  const char *reason = NULL;
  if (!uri && !dialplan_number_valid(to, &reason)) {
    *code = BROWSER_ERROR_BAD_REQUEST;
    *message = g_strdup_printf("to: %s", reason);
    return -EINVAL;
  }
  g_auto(dialplan_result) d = { 0 };
  dialplan_route(gw->dialplan, to, route_allow_direct(gw), &d);
  g_autofree char *host = NULL;
  guint16 port = 0;
  switch (d.action) {
  case DIALPLAN_DENY:
    *code = BROWSER_ERROR_FORBIDDEN;
    *message = g_strdup_printf("the dial plan does not allow calls to %s (route.rules: %s)", to, d.rule);
    return -EPERM;
  case DIALPLAN_NO_MATCH:
    *code = BROWSER_ERROR_FORBIDDEN;
    *message = uri ? g_strdup_printf("%s: no [route] rule matches it, and direct SIP URIs are not allowed "
                                     "here (route.allow-direct)", to)
                   : g_strdup_printf("%s is outside the dial plan: no [route] rule matches it", to);
    return -EPERM;
  case DIALPLAN_TRUNK:
    r->trunk = g_steal_pointer(&d.trunk);
    if (!trunk_next_hop(gw, r->trunk, &r->next_hop, &r->from_domain, &host, &port)) {
      *code = BROWSER_ERROR_INTERNAL;
      *message = g_strdup_printf("trunk %s has no usable address (trunk:%s.address)", r->trunk, r->trunk);
      return -EINVAL;
    }
    r->request_uri = uri ? g_strdup(to) : g_strdup_printf("sip:%s@%s", to, r->from_domain);
    break;
  case DIALPLAN_DIRECT: {
    if (!direct_host_port(to, &host, &port)) {
      *code = BROWSER_ERROR_BAD_REQUEST;
      *message = g_strdup_printf("to: %s must name an IP address and port for a direct call "
                                 "(host names need a trunk)", to);
      return -EINVAL;
    }
    sip_transport_kind kind = strstr(to, "transport=tcp") ? SIP_TRANSPORT_TCP
                            : g_str_has_prefix(to, "sips:") || strstr(to, "transport=tls") ? SIP_TRANSPORT_TLS
                                                                                              : SIP_TRANSPORT_UDP;
    sip_addr_set(&r->next_hop, kind, host, port, 0);
    r->request_uri = g_strdup(to);
    r->from_domain = g_strdup(sip_ua_local_host(gw->sip, kind));
    break;
  }
  }
  if (sip_ua_is_own_address(gw->sip, host, port)) {
    *code = BROWSER_ERROR_FORBIDDEN;
    *message = g_strdup_printf("%s leads back to the gateway's own SIP address %s:%u (a loop)", to, host, port);
    return -ELOOP;
  }
  return 0;
}

/* ---- page → SIP ------------------------------------------------------------ */

int
call_start_outbound(browser_conn *conn, const char *name, const char *to, const char *offer_text,
                    browser_error_code *code, char **message)
{
  gateway *gw = conn->gw;
  sdp_session *offer = NULL;
  route r = { 0 };
  if (route_call(gw, to, &r, code, message) < 0) {
    route_clear(&r);
    return -EINVAL;
  }
  if (call_parse_browser_offer(offer_text, &offer, code, message) < 0) {
    route_clear(&r);
    return -EINVAL;
  }
  GArray *codecs = NULL;
  const char *reason = NULL;
  guint n_allowed = 0;
  const sdp_codec *allowed = sdp_sip_default_codecs(&n_allowed);
  if (sdp_sip_codecs_from_browser_offer(offer, allowed, n_allowed, &codecs, &reason) < 0) {
    *code = BROWSER_ERROR_BAD_REQUEST;
    *message = g_strdup_printf("sdp: no codec of the offer can go to SIP: %s", reason);
    sdp_session_free(offer);
    route_clear(&r);
    return -EINVAL;
  }
  g_autofree char *trunk_slot = NULL;
  if (r.trunk && call_trunk_admit(gw, r.trunk, &trunk_slot, message) < 0) {
    *code = BROWSER_ERROR_BUSY;
    g_message("page %s: call to %s refused: %s", conn->peer, to, *message);
    g_array_unref(codecs);
    sdp_session_free(offer);
    route_clear(&r);
    return -EBUSY;
  }
  call *c = call_alloc(conn, name, CALL_OUTBOUND);
  if (trunk_slot)
    call_hold_limit(c, trunk_slot);
  c->from = g_strdup(conn->token_user ? conn->token_user : conn->user ? conn->user : conn->peer);
  c->to = g_strdup(to);
  c->trunk = g_steal_pointer(&r.trunk);
  c->sip_codecs = codecs;
  c->sip_transport = sip_transport_name(r.next_hop.kind)[1] == 'C' ? "tcp"
                   : r.next_hop.kind == SIP_TRANSPORT_TLS ? "tls" : "udp";
  c->media->with_sip = TRUE;
  c->media->sip_bind = g_strdup(sip_ua_media_address(gw->sip));
  sip_ua_rtp_ports(gw->sip, &c->media->sip_port_min, &c->media->sip_port_max);
  call_take_browser_offer(c, offer);
  c->pending_route_uri = g_steal_pointer(&r.request_uri);
  c->pending_next_hop = r.next_hop;
  c->pending_from_domain = g_steal_pointer(&r.from_domain);
  route_clear(&r);
  call_register(c);
  g_message("call %s (#%" G_GUINT64_FORMAT ") from %s to %s via %s", c->name, c->serial, c->from, to,
            c->trunk ? c->trunk : "a direct SIP URI");
  call_media_create(c->media);
  return 0;
}

/* The key-exchange list for offer number VARIANT of a call: 0 is the whole
 * policy (every listed mechanism in one m-line); after a 488 the next
 * offers carry one encrypted mechanism each, in the policy's order, for
 * phones that refuse best-effort or mixed offers. FALSE: none left. */
static gboolean
offer_policy(const gateway *gw, const char *trunk, guint variant, sdp_sip_kx_policy *out)
{
  sdp_sip_kx_policy policy;
  call_sip_load_policy(gw, trunk, &policy);
  if (variant == 0) {
    *out = policy;
    return TRUE;
  }
  guint seen = 0;
  gboolean single = policy.n == 1;
  for (guint i = 0; i < policy.n && !single; i++) {
    if (policy.order[i] == SDP_SIP_KX_RTP)
      continue;
    if (++seen == variant) {
      *out = policy;
      out->order[0] = policy.order[i];
      out->n = 1;
      return TRUE;
    }
  }
  return FALSE;
}

/* The SIP offer, once our RTP port is known; then the INVITE. */
void
call_outbound_send_invite(call *c)
{
  gateway *gw = c->gw;
  sdp_sip_kx_policy policy;
  if (!offer_policy(gw, c->trunk, c->offer_variant, &policy)) {
    call_end(c, "the phone accepted none of the gateway's offers", 488, TRUE);
    return;
  }
  call_sip_wipe_offer_keys(c);
  g_clear_pointer(&c->sip_offer, sdp_session_free);
  g_clear_pointer(&c->sip_local_fingerprint, g_free);
  c->crypto_offered = g_ptr_array_new_with_free_func(g_free);
  if (sdp_sip_kx_policy_has(&policy, SDP_SIP_KX_SDES)) {
    g_auto(GStrv) suites = call_sip_sdes_suites(gw, c->trunk);
    /* One entry per suite we may offer (about 0.9 KiB each: an attribute has
     * room for SDES_MAX_KEY_PARAMS keys), not SDES_MAX_OFFER: the call keeps
     * them until it ends. */
    c->n_crypto_attrs = MIN(g_strv_length(suites), SDES_MAX_OFFER);
    c->crypto_attrs = g_new0(sdes_crypto_attr, c->n_crypto_attrs);
    for (guint i = 0; suites[i] && c->crypto_offered->len < c->n_crypto_attrs; i++) {
      media_srtp_suite suite;
      if (sdes_suite_from_name(suites[i], strlen(suites[i]), &suite) < 0)
        continue;
      sdes_crypto_attr *a = &c->crypto_attrs[c->crypto_offered->len];
      if (sdes_crypto_generate(suite, c->crypto_offered->len + 1, a) < 0)
        continue;
      char buf[SDES_CRYPTO_MAX_LEN];
      if (sdes_crypto_format(a, buf, sizeof buf) < 0)
        continue;
      g_ptr_array_add(c->crypto_offered, g_strdup(buf));
    }
  }
  sdp_sip_offer_params p = {
    .session_id = c->serial + (guint64)g_get_real_time(),
    .session_version = 1,
    .connection_address = c->sip_address,
    .rtp_port = c->sip_port,
    .codecs = (const sdp_codec *)c->sip_codecs->data,
    .n_codecs = c->sip_codecs->len,
    .policy = &policy,
    .crypto = (const char *const *)c->crypto_offered->pdata,
    .n_crypto = c->crypto_offered->len,
    .fingerprint = identity_fingerprint(gw->identity),
  };
  if (sdp_sip_kx_policy_has(&policy, SDP_SIP_KX_DTLS_SRTP))
    c->sip_local_fingerprint = g_strdup(gw->fingerprint_text);
  const char *reason = NULL;
  c->sip_offer = sdp_sip_offer(&p, &reason);
  if (!c->sip_offer) {
    g_autofree char *why = g_strdup_printf("the gateway cannot make a SIP offer: %s", reason);
    call_end(c, why, 0, TRUE);
    return;
  }
  g_autofree char *body = sdp_session_write(c->sip_offer);
  c->dialog = sip_ua_invite(gw->sip, c, c->pending_route_uri, c->pending_from_domain, &c->pending_next_hop,
                            body);
  if (!c->dialog) {
    call_end(c, "the gateway could not send the INVITE", 0, TRUE);
    return;
  }
  c->state = CALL_STATE_STARTING;
}

/* The phone's answer (in a 183 or the 2xx): key the SIP leg, answer the page. */

/* FINAL: the answer came in a 2xx (else a 183). */
static gboolean
take_sip_answer(call *c, const char *body, gsize len, gboolean final)
{
  g_autoptr(sdp_session) answer = NULL;
  const char *reason = NULL;
  if (sdp_session_parse(body, len, SDP_PARSE_ALLOW_MISSING_S_T, &answer, &reason) < 0) {
    g_autofree char *why = g_strdup_printf("the phone's SDP is not valid: %s", reason);
    call_end(c, why, 488, TRUE);
    return FALSE;
  }
  g_auto(sdp_sip_answer_result) res = { 0 };
  if (sdp_sip_parse_answer(c->sip_offer, answer, &res, &reason) < 0 || !res.accepted || !res.codecs->len) {
    sdp_sip_kx_policy next;
    if (c->dialog && offer_policy(c->gw, c->trunk, c->offer_variant + 1, &next)) {
      /* Some phones answer an offer with a mechanism it did not carry (a
       * fingerprint to an SDES offer): end that dialog and make the next
       * offer, as after a 488. */
      g_message("call %s: unusable answer to offer %u (%s); offering %s alone", c->name, c->offer_variant + 1,
                reason ? reason : "no common codec", sdp_sip_kx_name(next.order[0]));
      if (final)
        sip_ua_bye(c->gw->sip, c->dialog);
      else
        sip_ua_cancel(c->gw->sip, c->dialog);
      c->dialog = 0;
      c->offer_variant++;
      call_outbound_send_invite(c);
      return FALSE;
    }
    g_autofree char *why = g_strdup_printf("the phone's answer is not usable: %s",
                                           reason ? reason : "no common codec");
    call_end(c, why, 488, TRUE);
    return FALSE;
  }
  call_sip_media m = { 0 };
  m.host = g_strdup(res.rtp_address);
  m.rtp_port = res.rtp_port;
  m.rtcp_port = res.rtcp_port;
  m.rtcp_mux = res.rtcp_mux;
  m.sip_ssrc = g_random_int() | 1;
  g_free(c->sip_keying);
  if (res.kx == SDP_SIP_KX_SDES) {
    g_auto(sdes_crypto_attr) theirs = { 0 };
    if (sdes_crypto_parse(res.crypto, strlen(res.crypto), &theirs, &reason) < 0 || !theirs.suite_known) {
      g_autofree char *why = g_strdup_printf("the phone's a=crypto is not usable: %s", reason ? reason : "unknown suite");
      g_free(m.host);
      call_end(c, why, 488, TRUE);
      return FALSE;
    }
    const sdes_crypto_attr *ours = NULL;
    for (guint i = 0; i < c->crypto_offered->len; i++)
      if (c->crypto_attrs[i].tag == theirs.tag)
        ours = &c->crypto_attrs[i];
    if (!ours) {
      g_free(m.host);
      call_end(c, "the phone answered a crypto tag we did not offer", 488, TRUE);
      return FALSE;
    }
    call_sip_media_sdes_keys(&m, ours, &theirs);
    c->sip_keying = g_strdup("sdes");
    g_free(c->sip_suite);
    c->sip_suite = g_strdup(media_srtp_suite_name(theirs.suite));
  } else if (res.kx == SDP_SIP_KX_DTLS_SRTP) {
    call_sip_media_dtls(c, &m, res.local_setup, res.fingerprints);
    c->sip_keying = g_strdup("dtls-srtp");
  } else {
    c->sip_keying = g_strdup("none");
  }
  /* We offered the browser's payload types: the phone sends with those,
   * we send with the phone's. */
  rtp_rewrite_pt_map_init(&m.to_sip);
  rtp_rewrite_pt_map_init(&m.to_browser);
  GArray *browser_codecs = g_array_new(FALSE, TRUE, sizeof(sdp_codec));
  for (guint i = 0; i < res.codecs->len; i++) {
    const sdp_negotiated_codec *p = &g_array_index(res.codecs, sdp_negotiated_codec, i);
    rtp_rewrite_pt_map_set(&m.to_sip, (int)p->local_pt, (int)p->remote_pt);
    rtp_rewrite_pt_map_set(&m.to_browser, (int)p->local_pt, (int)p->local_pt);
    sdp_codec bc = { .encoding = p->encoding, .clock_rate = p->clock_rate, .channels = p->channels,
                     .pt = p->local_pt, .fmtp = p->local_fmtp };
    g_array_append_val(browser_codecs, bc);
    if (!m.clock_rate && g_ascii_strcasecmp(p->encoding, "telephone-event") != 0)
      m.clock_rate = !g_ascii_strcasecmp(p->encoding, "G722") ? 8000 : p->clock_rate;
  }
  m.te_from_sip = res.local_telephone_event_pt;
  m.te_to_sip = res.telephone_event_pt;
  m.te_from_browser = -1;
  for (guint i = 0; i < browser_codecs->len; i++) {
    const sdp_codec *bc = &g_array_index(browser_codecs, sdp_codec, i);
    if (!g_ascii_strcasecmp(bc->encoding, "telephone-event"))
      m.te_from_browser = (int)bc->pt;
  }
  call_media_sip_configure(c->media, &m);
  c->sip_media_configured = TRUE;
  g_free(m.host);
  if (m.dtls_fingerprints)
    g_array_unref(m.dtls_fingerprints);
  memset(&m, 0, sizeof m);
  c->sip_answer = g_steal_pointer(&answer);

  if (!c->page_has_sdp) {
    g_autofree char *browser_answer = call_build_browser_answer(
      c, (const sdp_codec *)browser_codecs->data, browser_codecs->len, &reason);
    g_array_unref(browser_codecs);
    if (!browser_answer) {
      g_autofree char *why = g_strdup_printf("the gateway cannot answer the page: %s", reason);
      call_end(c, why, 0, TRUE);
      return FALSE;
    }
    if (c->conn)
      browser_session_send_answer(c->conn->session, c->name, browser_answer);
    call_forget_browser_offer(c);
    call_flush_candidates(c);
  } else {
    g_array_unref(browser_codecs);
  }
  g_message("call %s: SIP leg %s%s%s, RTP to %s:%u%s", c->name, c->sip_keying,
            c->sip_suite ? " " : "", c->sip_suite ? c->sip_suite : "", res.rtp_address, res.rtp_port,
            res.rtcp_mux ? " (rtcp-mux)" : "");
  call_send_security(c);
  /* Our offer and its SDES keys are read only here, and this runs only
   * until the SIP leg's media is configured (a re-INVITE from the phone is
   * compared with its answer): wipe and free them now, not at the call's
   * end. */
  call_sip_wipe_offer_keys(c);
  g_clear_pointer(&c->sip_offer, sdp_session_free);
  return TRUE;
}

void
call_outbound_on_invite_response(call *c, const sip_event *ev)
{
  guint status = ev->status;
  const char *reason = ev->msg && ev->msg->reason.len ? NULL : NULL;
  g_autofree char *reason_text = ev->msg ? g_strndup(ev->msg->reason.p, ev->msg->reason.len) : g_strdup(ev->reason);
  (void)reason;
  gboolean has_sdp = ev->msg && ev->msg->body.len > 0;
  if (status < 200) {
    if (status > 100) {
      c->state = CALL_STATE_RINGING;
      if (c->conn) {
        browser_session_send_progress(c->conn->session, c->name, status, reason_text);
        call_flush_page(c);
      }
      if (has_sdp && !c->sip_media_configured)
        take_sip_answer(c, ev->msg->body.p, ev->msg->body.len, FALSE);
    }
    return;
  }
  if (status < 300) {
    if (c->state == CALL_STATE_ENDED)
      return;
    if (!c->sip_media_configured) {
      if (!has_sdp) {
        call_end(c, "the phone answered without SDP", 0, TRUE);
        return;
      }
      if (!take_sip_answer(c, ev->msg->body.p, ev->msg->body.len, TRUE))
        return;
    }
    c->sip_answered = TRUE;
    c->answered_unix = g_get_real_time() / G_USEC_PER_SEC;
    if (c->state < CALL_STATE_ANSWERED)
      c->state = CALL_STATE_ANSWERED;
    g_message("call %s: answered (%u)", c->name, status);
    return;
  }
  sdp_sip_kx_policy next;
  if (status == 488 && !c->sip_media_configured && c->state != CALL_STATE_ENDED &&
      offer_policy(c->gw, c->trunk, c->offer_variant + 1, &next)) {
    /* The phone refused this offer's media: try the next shape. */
    c->offer_variant++;
    g_message("call %s: 488 to offer %u; offering %s alone", c->name, c->offer_variant,
              sdp_sip_kx_name(next.order[0]));
    c->dialog = 0;
    call_outbound_send_invite(c);
    return;
  }
  g_autofree char *sentence = g_strdup_printf("%s (%u)", reason_text && *reason_text ? reason_text
                                              : sip_reason_phrase(status), status);
  c->dialog = 0;
  call_end(c, sentence, status, TRUE);
}
