/* The SIP leg of calls (main thread): page → SIP calls (route, offer,
 * INVITE, responses, CANCEL/BYE) and SIP → page calls (registered users,
 * the offer to the browser, accept/reject, ring timeout), SDES keys, the
 * payload-type maps and DTMF between the legs. */
#define G_LOG_DOMAIN "rtc2sip-call"
#include "gateway/call_private.h"

#include <errno.h>
#include <string.h>

#include "gateway/sip_ua.h"
#include "signalling/sip/sip_writer.h"
#include "signalling/sdp/sdp_negotiate.h"

/* ---- shared ---------------------------------------------------------------- */

/* Wipes and frees the SDES keys of our offer. */
static void
wipe_offer_keys(call *c)
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
    memset(c->crypto_attrs, 0, sizeof(sdes_crypto_attr) * SDES_MAX_OFFER);
    g_free(c->crypto_attrs);
    c->crypto_attrs = NULL;
  }
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
  wipe_offer_keys(c);
  g_free(c->sip_address);
  g_free(c->sip_keying);
  g_free(c->sip_suite);
  g_free(c->trunk);
  g_free(c->pending_route_uri);
  g_free(c->pending_from_domain);
  g_free(c->sip_profile);
  g_free(c->sip_remote_fingerprint);
  g_free(c->sip_local_fingerprint);
}

/* The key-exchange list of a trunk (or [sip]). */
static void
load_policy(const gateway *gw, const char *trunk, sdp_sip_kx_policy *policy)
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

static char **
sdes_suites(const gateway *gw, const char *trunk)
{
  g_autofree char *section = trunk ? g_strdup_printf("trunk:%s", trunk) : NULL;
  if (section && *config_get_string(gw->cfg, section, "sdes-suites"))
    return config_get_list(gw->cfg, section, "sdes-suites");
  return config_get_list(gw->cfg, "sip", "sdes-suites");
}

/* The SIP leg's SDES keys: OURS protect what we send, THEIRS what arrives. */
static void
media_sdes_keys(call_sip_media *m, const sdes_crypto_attr *ours, const sdes_crypto_attr *theirs)
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
static void
media_dtls(call *c, call_sip_media *m, sdp_setup local_setup, const GArray *fingerprints)
{
  m->dtls = TRUE;
  m->dtls_role = local_setup == SDP_SETUP_ACTIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
  m->dtls_fingerprints = g_array_sized_new(FALSE, FALSE, sizeof(fingerprint), fingerprints->len);
  g_array_append_vals(m->dtls_fingerprints, fingerprints->data, fingerprints->len);
  c->sip_dtls_role = m->dtls_role;
}

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
trunk_next_hop(const gateway *gw, const char *trunk, sip_addr *out, char **domain)
{
  g_autofree char *section = g_strdup_printf("trunk:%s", trunk);
  g_autofree char *host = NULL;
  guint16 port = 0;
  const char *reason;
  if (!config_parse_listen(config_get_string(gw->cfg, section, "address"), &host, &port, &reason))
    return FALSE;
  const char *t = config_get_string(gw->cfg, section, "transport");
  sip_transport_kind kind = !g_ascii_strcasecmp(t, "tcp") ? SIP_TRANSPORT_TCP
                          : !g_ascii_strcasecmp(t, "tls") ? SIP_TRANSPORT_TLS : SIP_TRANSPORT_UDP;
  const char *d = config_get_string(gw->cfg, section, "domain");
  *domain = g_strdup(*d ? d : host);
  return g_hostname_is_ip_address(host) && sip_addr_set(out, kind, host, port, 0);
}

/* Where a page's call to TO goes: a trunk by the [route] rules, or directly
 * to a SIP URI's host when allowed. Returns 0 or a negative errno with a
 * sentence in *MESSAGE. */
static int
route_call(gateway *gw, const char *to, route *r, browser_error_code *code, char **message)
{
  gboolean uri = g_str_has_prefix(to, "sip:") || g_str_has_prefix(to, "sips:");
  g_auto(GStrv) rules = config_get_list(gw->cfg, "route", "rules");
  const char *user = uri ? strchr(to, ':') + 1 : to;
  const char *at = uri ? strchr(user, '@') : NULL;
  g_autofree char *domain = at ? g_strndup(at + 1, strcspn(at + 1, ":;>?")) : NULL;

  for (guint i = 0; rules[i]; i++) {
    const char *eq = strchr(rules[i], '=');
    if (!eq)
      continue;
    g_autofree char *pattern = g_strstrip(g_strndup(rules[i], eq - rules[i]));
    const char *trunk = eq + 1;
    gboolean match = !strcmp(pattern, "*") ||
                     (pattern[0] == '@' && domain && !g_ascii_strcasecmp(pattern + 1, domain)) ||
                     (pattern[0] != '@' && !uri && g_str_has_prefix(to, pattern));
    if (!match)
      continue;
    r->trunk = g_strdup(g_strstrip(g_strdup(trunk)));
    g_free(r->trunk);
    r->trunk = g_strstrip(g_strdup(trunk));
    if (!trunk_next_hop(gw, r->trunk, &r->next_hop, &r->from_domain)) {
      *code = BROWSER_ERROR_INTERNAL;
      *message = g_strdup_printf("trunk %s has no usable address (trunk:%s.address)", r->trunk, r->trunk);
      return -EINVAL;
    }
    r->request_uri = uri ? g_strdup(to) : g_strdup_printf("sip:%s@%s", to, r->from_domain);
    return 0;
  }
  if (!uri) {
    *code = BROWSER_ERROR_NOT_FOUND;
    *message = g_strdup_printf("no [route] rule sends \"%s\" to a trunk", to);
    return -ENOENT;
  }
  const char *allow = config_get_string(gw->cfg, "route", "allow-direct");
  gboolean allowed = !strcmp(allow, "true") || (!strcmp(allow, "auto") && sip_ua_loopback_only(gw->sip));
  if (!allowed) {
    *code = BROWSER_ERROR_FORBIDDEN;
    *message = g_strdup("direct SIP URIs are not allowed here (route.allow-direct)");
    return -EPERM;
  }
  g_autofree char *hostport = g_strndup(at ? at + 1 : user, strcspn(at ? at + 1 : user, ";>?"));
  g_autofree char *host = NULL;
  guint16 port = 5060;
  if (hostport[0] == '[') {
    char *close = strchr(hostport, ']');
    host = close ? g_strndup(hostport + 1, close - hostport - 1) : NULL;
    if (close && close[1] == ':')
      port = (guint16)g_ascii_strtoull(close + 2, NULL, 10);
  } else {
    char *colon = strrchr(hostport, ':');
    host = colon ? g_strndup(hostport, colon - hostport) : g_strdup(hostport);
    if (colon)
      port = (guint16)g_ascii_strtoull(colon + 1, NULL, 10);
  }
  if (host && !strcmp(host, "localhost")) {
    g_free(host);
    host = g_strdup("127.0.0.1");
  }
  if (!host || !g_hostname_is_ip_address(host) || !port) {
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
  call *c = call_alloc(conn, name, CALL_OUTBOUND);
  c->from = g_strdup(conn->user ? conn->user : conn->peer);
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
  load_policy(gw, trunk, &policy);
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
static void
send_invite(call *c)
{
  gateway *gw = c->gw;
  sdp_sip_kx_policy policy;
  if (!offer_policy(gw, c->trunk, c->offer_variant, &policy)) {
    call_end(c, "the phone accepted none of the gateway's offers", 488, TRUE);
    return;
  }
  wipe_offer_keys(c);
  g_clear_pointer(&c->sip_offer, sdp_session_free);
  g_clear_pointer(&c->sip_local_fingerprint, g_free);
  c->crypto_offered = g_ptr_array_new_with_free_func(g_free);
  c->crypto_attrs = g_new0(sdes_crypto_attr, SDES_MAX_OFFER);
  if (sdp_sip_kx_policy_has(&policy, SDP_SIP_KX_SDES)) {
    g_auto(GStrv) suites = sdes_suites(gw, c->trunk);
    for (guint i = 0; suites[i] && c->crypto_offered->len < SDES_MAX_OFFER; i++) {
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
static void send_invite(call *c);
static gboolean offer_policy(const gateway *gw, const char *trunk, guint variant, sdp_sip_kx_policy *out);

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
      send_invite(c);
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
    media_sdes_keys(&m, ours, &theirs);
    c->sip_keying = g_strdup("sdes");
    g_free(c->sip_suite);
    c->sip_suite = g_strdup(media_srtp_suite_name(theirs.suite));
  } else if (res.kx == SDP_SIP_KX_DTLS_SRTP) {
    media_dtls(c, &m, res.local_setup, res.fingerprints);
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
    call_flush_candidates(c);
  } else {
    g_array_unref(browser_codecs);
  }
  g_message("call %s: SIP leg %s%s%s, RTP to %s:%u%s", c->name, c->sip_keying,
            c->sip_suite ? " " : "", c->sip_suite ? c->sip_suite : "", res.rtp_address, res.rtp_port,
            res.rtcp_mux ? " (rtcp-mux)" : "");
  call_send_security(c);
  return TRUE;
}

static void
on_invite_response(call *c, const sip_event *ev)
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
    send_invite(c);
    return;
  }
  g_autofree char *sentence = g_strdup_printf("%s (%u)", reason_text && *reason_text ? reason_text
                                              : sip_reason_phrase(status), status);
  c->dialog = 0;
  call_end(c, sentence, status, TRUE);
}

/* ---- SIP → page ------------------------------------------------------------ */

static gboolean
on_ring_timeout(gpointer data)
{
  call *c = data;
  c->ring_timer = 0;
  call_end(c, "no answer", 480, TRUE);
  return G_SOURCE_REMOVE;
}

/* An INVITE for USER, a page registered on CONN. */
void
call_sip_incoming(gateway *gw, const sip_event *ev, browser_conn *conn, const char *user)
{
  const sip_message *msg = ev->msg;
  g_autoptr(sdp_session) offer = NULL;
  const char *reason = NULL;
  if (!msg->body.len ||
      sdp_session_parse(msg->body.p, msg->body.len, SDP_PARSE_ALLOW_MISSING_S_T, &offer, &reason) < 0) {
    const char *hdrs[] = { "Warning", "399 rtc2sip \"an INVITE without a usable SDP offer\"", NULL };
    sip_ua_respond(gw->sip, ev->transaction, 488, NULL, hdrs, NULL, NULL);
    return;
  }
  sdp_sip_kx_policy policy;
  load_policy(gw, NULL, &policy);
  g_auto(sdp_sip_offer_info) info = { 0 };
  if (sdp_sip_inspect_offer(offer, &policy, &info, &reason) < 0) {
    g_autofree char *warning = g_strdup_printf("399 rtc2sip \"%s\"", reason);
    const char *hdrs[] = { "Warning", warning, NULL };
    sip_ua_respond(gw->sip, ev->transaction, 488, NULL, hdrs, NULL, NULL);
    g_message("INVITE for %s refused with 488: %s", user, reason);
    return;
  }
  if (browser_session_call_count(conn->session) >= config_get_uint(gw->cfg, "browser", "max-calls")) {
    sip_ua_respond(gw->sip, ev->transaction, 486, NULL, NULL, NULL, NULL);
    return;
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
}

/* Media legs exist: offer the call to the page and ring. */
static void
offer_to_page(call *c)
{
  gateway *gw = c->gw;
  sdp_sip_kx_policy policy;
  load_policy(gw, NULL, &policy);
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

void
call_sip_on_ready(call *c)
{
  if (c->kind == CALL_OUTBOUND)
    send_invite(c);
  else
    offer_to_page(c);
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
  sdp_sip_kx_policy policy;
  load_policy(gw, NULL, &policy);
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
    media_sdes_keys(&m, &ours, &theirs);
    c->sip_keying = g_strdup("sdes");
    c->sip_suite = g_strdup(media_srtp_suite_name(theirs.suite));
  } else if (info.kx == SDP_SIP_KX_DTLS_SRTP) {
    media_dtls(c, &m, info.local_setup, info.fingerprints);
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

/* A re-INVITE from the phone (hold, resume, a new address or keys): answer
 * with the same ports and keys and follow the new address. */
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
  load_policy(gw, c->trunk, &policy);
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
      media_sdes_keys(&m, &ours, &theirs);
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
  call_media_sip_update(c->media, &m);
  g_free(m.host);
  memset(&m, 0, sizeof m);
  memset(crypto, 0, sizeof crypto);
  g_message("call %s: re-INVITE from the phone (%s%s)", c->name, hold ? "hold" : "resume/update",
            changes & SDP_SIP_CHANGED_KEYS ? ", new keys" : "");
  if (changes & SDP_SIP_CHANGED_KEYS) {
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
    on_invite_response(c, ev);
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
