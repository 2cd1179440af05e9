/* SIP leg: the gateway's offer to a SIP phone, the codecs it takes from a
 * browser offer, and reading the phone's answer (rules in sdp_sip.h). */
#define G_LOG_DOMAIN "rtc2sip-sdp"
#include <errno.h>
#include <string.h>

#include "signalling/sdp/sdp_private.h"
#include "signalling/sdp/sdp_sip_private.h"

static const sdp_codec sip_codecs[] = {
  { "opus", 48000, 2, 0, NULL },
  { "G722", 8000, 1, 0, NULL },
  { "PCMU", 8000, 1, 0, NULL },
  { "PCMA", 8000, 1, 0, NULL },
  { "telephone-event", 48000, 1, 0, NULL },
  { "telephone-event", 8000, 1, 0, NULL },
};

const sdp_codec *
sdp_sip_default_codecs(guint *n)
{
  *n = G_N_ELEMENTS(sip_codecs);
  return sip_codecs;
}

static gboolean
is_dtmf(const sdp_codec *c)
{
  return c->encoding && g_ascii_strcasecmp(c->encoding, "telephone-event") == 0;
}

/* --- the offer --- */

static gboolean
offer_params_ok(const sdp_sip_offer_params *p, const sdp_sip_kx_policy *pol, const char **reason)
{
  if (!sdp_sip_address_ok(p->connection_address) ||
      (p->origin_address && !sdp_sip_address_ok(p->origin_address))) {
    *reason = "the gateway's media address is missing or not an IP address";
    return FALSE;
  }
  if (p->rtp_port == 0 || p->rtp_port > 65535 || p->rtcp_port > 65535 ||
      (p->rtcp_port == 0 && p->rtp_port == 65535)) {
    *reason = "the gateway's RTP or RTCP port is out of range";
    return FALSE;
  }
  if (!p->codecs || p->n_codecs == 0) {
    *reason = "no audio codec to offer";
    return FALSE;
  }
  if (pol->n == 0 || pol->n > SDP_SIP_KX_MAX) {
    *reason = "the key exchange list is empty";
    return FALSE;
  }
  if (sdp_sip_kx_policy_has(pol, SDP_SIP_KX_SDES)) {
    if (!p->crypto || p->n_crypto == 0) {
      *reason = "SDES is listed but no a=crypto line was given";
      return FALSE;
    }
    for (guint i = 0; i < p->n_crypto; i++) {
      guint tag;
      const char *suite;
      gsize len;
      if (!p->crypto[i] || !sdp_is_text(p->crypto[i], strlen(p->crypto[i])) ||
          !sdp_sip_crypto_split(p->crypto[i], &tag, &suite, &len)) {
        *reason = "an a=crypto value to offer is malformed";
        return FALSE;
      }
    }
  }
  if (sdp_sip_kx_policy_has(pol, SDP_SIP_KX_DTLS_SRTP) && !p->fingerprint) {
    *reason = "DTLS-SRTP is listed but no fingerprint was given";
    return FALSE;
  }
  return TRUE;
}

sdp_session *
sdp_sip_offer(const sdp_sip_offer_params *p, const char **reason)
{
  const char *unused;
  if (!reason)
    reason = &unused;
  if (!p) {
    *reason = "no offer parameters";
    return NULL;
  }
  const sdp_sip_kx_policy *pol = p->policy ? p->policy : sdp_sip_kx_policy_default();
  if (!offer_params_ok(p, pol, reason))
    return NULL;
  gboolean rtp = sdp_sip_kx_policy_has(pol, SDP_SIP_KX_RTP);
  gboolean sdes = sdp_sip_kx_policy_has(pol, SDP_SIP_KX_SDES);
  gboolean dtls = sdp_sip_kx_policy_has(pol, SDP_SIP_KX_DTLS_SRTP);

  g_autoptr(sdp_session) s = sdp_session_new();
  sdp_sip_set_origin(s, p->session_id, p->session_version,
                     p->origin_address ? p->origin_address : p->connection_address);
  sdp_sip_set_connection(&s->connection, p->connection_address);
  sdp_media *m = sdp_media_new(SDP_MEDIA_AUDIO);
  g_ptr_array_add(s->media, m);
  m->port = p->rtp_port;
  m->proto = g_strdup(rtp ? "RTP/AVP" : sdes ? "RTP/SAVP" : "UDP/TLS/RTP/SAVP");
  for (guint i = 0; i < p->n_codecs; i++) {
    const sdp_codec *c = &p->codecs[i];
    if (c->pt > 127 || !c->encoding || !sdp_is_token(c->encoding, strlen(c->encoding)) ||
        !c->clock_rate || (c->fmtp && !sdp_is_text(c->fmtp, strlen(c->fmtp)))) {
      *reason = "an audio codec to offer has no payload type, name or clock rate";
      return NULL;
    }
    for (guint j = 0; j < i; j++)
      if (p->codecs[j].pt == c->pt) {
        *reason = "two audio codecs to offer share a payload type";
        return NULL;
      }
    sdp_sip_add_codec(m, c);
  }
  guint rtcp_port = p->rtcp_port ? p->rtcp_port : p->rtp_port + 1;
  if (rtcp_port != p->rtp_port + 1) {
    m->has_rtcp = TRUE;
    m->rtcp_port = rtcp_port;
  }
  m->rtcp_mux = !p->no_rtcp_mux;
  if (sdes)
    for (guint i = 0; i < p->n_crypto; i++)
      g_ptr_array_add(m->crypto, g_strdup(p->crypto[i]));
  if (dtls) {
    g_array_append_val(m->fingerprints, *p->fingerprint);
    m->setup = SDP_SETUP_ACTPASS;
  }
  m->direction = p->direction != SDP_DIRECTION_NONE ? p->direction : SDP_DIRECTION_SENDRECV;
  g_autofree char *ptime = g_strdup_printf("%u", p->ptime ? p->ptime : 20);
  sdp_sip_add_attr(m, "ptime", ptime);
  return g_steal_pointer(&s);
}

/* --- codecs from a browser offer --- */

int
sdp_sip_codecs_from_browser_offer(const sdp_session *offer, const sdp_codec *allowed,
                                  guint n_allowed, GArray **out, const char **reason)
{
  gint idx = sdp_sip_audio_index(offer);
  *out = NULL;
  if (!allowed)
    allowed = sdp_sip_default_codecs(&n_allowed);
  if (idx < 0) {
    *reason = "the browser offer has no audio m-line";
    return -EPROTO;
  }
  const sdp_media *m = offer->media->pdata[idx];
  g_autoptr(GArray) offered = g_array_new(FALSE, TRUE, sizeof(sdp_codec));
  for (guint i = 0; i < m->formats->len; i++) {
    guint pt;
    sdp_codec c;
    if (sdp_sip_format_pt(m, i, &pt) && sdp_media_codec(m, pt, &c))
      g_array_append_val(offered, c);
  }
  GArray *res = sdp_sip_filter_codecs(offered, allowed, n_allowed, FALSE);
  if (res->len == 0 || !sdp_codec_is_voice(&g_array_index(res, sdp_codec, 0))) {
    g_array_unref(res);
    *reason = "the browser offers no codec the SIP side can take";
    return -ENOTSUP;
  }
  *out = res;
  return 0;
}

GArray *
sdp_sip_filter_codecs(const GArray *in, const sdp_codec *allowed, guint n_allowed,
                      gboolean avoid_rtcp_range)
{
  gboolean used[128] = { FALSE };
  if (!allowed)
    allowed = sdp_sip_default_codecs(&n_allowed);
  g_autoptr(GArray) voice = g_array_new(FALSE, TRUE, sizeof(sdp_codec));
  g_autoptr(GArray) dtmf = g_array_new(FALSE, TRUE, sizeof(sdp_codec));
  g_autofree gboolean *taken = g_new0(gboolean, n_allowed + 1);
  for (guint i = 0; i < in->len; i++) {
    sdp_codec c = g_array_index(in, sdp_codec, i);
    for (guint j = 0; j < n_allowed; j++) {
      if (taken[j] || !sdp_codec_matches(&c, &allowed[j]))
        continue;
      taken[j] = TRUE;
      if (allowed[j].fmtp)
        c.fmtp = allowed[j].fmtp;
      g_array_append_val(is_dtmf(&c) ? dtmf : voice, c);
      break;
    }
  }
  /* Numbers: voice codecs claim theirs first, then telephone-event. */
  GArray *res = g_array_new(FALSE, TRUE, sizeof(sdp_codec));
  for (guint i = 0; i < voice->len; i++) {
    sdp_codec c = g_array_index(voice, sdp_codec, i);
    c.pt = sdp_sip_pick_pt(&c, avoid_rtcp_range, used);
    if (c.pt < 128)
      g_array_append_val(res, c);
  }
  for (guint i = 0; i < dtmf->len; i++) {
    sdp_codec c = g_array_index(dtmf, sdp_codec, i);
    gboolean rate_kept = FALSE;
    for (guint j = 0; j < res->len; j++)
      rate_kept |= g_array_index(res, sdp_codec, j).clock_rate == c.clock_rate;
    if (!rate_kept)
      continue;
    c.pt = sdp_sip_pick_pt(&c, avoid_rtcp_range, used);
    if (c.pt < 128)
      g_array_append_val(res, c);
  }
  return res;
}

/* --- the answer to our offer --- */

void
sdp_sip_answer_result_clear(sdp_sip_answer_result *r)
{
  if (r->codecs)
    g_array_unref(r->codecs);
  memset(r, 0, sizeof(*r));
  r->telephone_event_pt = -1;
  r->local_telephone_event_pt = -1;
}

/* Our a=crypto line with TAG, or NULL. */
static const char *
offer_crypto(const sdp_media *om, guint tag, const char **suite, gsize *suite_len)
{
  for (guint i = 0; i < om->crypto->len; i++) {
    guint t;
    if (sdp_sip_crypto_split(om->crypto->pdata[i], &t, suite, suite_len) && t == tag)
      return om->crypto->pdata[i];
  }
  return NULL;
}

static int
answer_sdes(const sdp_media *om, const sdp_media *am, sdp_sip_answer_result *r, const char **reason)
{
  for (guint i = 0; i < am->crypto->len; i++) {
    const char *value = am->crypto->pdata[i], *asuite, *osuite, *ours;
    gsize alen, olen;
    guint tag;
    if (!sdp_sip_crypto_split(value, &tag, &asuite, &alen))
      continue;
    ours = offer_crypto(om, tag, &osuite, &olen);
    if (!ours)
      continue;
    if (alen != olen || g_ascii_strncasecmp(asuite, osuite, alen) != 0) {
      *reason = "the answer's a=crypto suite differs from ours with that tag";
      return -ENOTSUP;
    }
    r->kx = SDP_SIP_KX_SDES;
    r->crypto_tag = tag;
    r->crypto = value;
    r->offer_crypto = ours;
    return 0;
  }
  *reason = om->crypto->len ? "the answer's a=crypto tag is not one we offered"
                            : "the answer has a=crypto but we did not offer SDES";
  return -ENOTSUP;
}

static int
answer_dtls(const sdp_session *answer, const sdp_media *om, const sdp_media *am,
            sdp_sip_answer_result *r, const char **reason)
{
  if (om->fingerprints->len == 0) {
    *reason = "the answer has a fingerprint but we did not offer DTLS-SRTP";
    return -ENOTSUP;
  }
  sdp_setup setup = sdp_media_setup(answer, am);
  if (setup == SDP_SETUP_NONE)
    setup = SDP_SETUP_ACTIVE; /* RFC 4145 §4: absent means active */
  if (setup != SDP_SETUP_ACTIVE && setup != SDP_SETUP_PASSIVE) {
    *reason = "the answer's a=setup must be active or passive";
    return -EPROTO;
  }
  r->kx = SDP_SIP_KX_DTLS_SRTP;
  r->fingerprints = sdp_media_fingerprints(answer, am);
  r->remote_setup = setup;
  r->local_setup = setup == SDP_SETUP_ACTIVE ? SDP_SETUP_PASSIVE : SDP_SETUP_ACTIVE;
  return 0;
}

static gboolean
proto_is(const char *proto, const char *want)
{
  return g_ascii_strcasecmp(proto, want) == 0;
}

/* Each answered format must be a codec we offered. */
static int
answer_codecs(const sdp_media *om, const sdp_media *am, sdp_sip_answer_result *r,
              const char **reason)
{
  gboolean voice = FALSE;
  r->codecs = g_array_new(FALSE, TRUE, sizeof(sdp_negotiated_codec));
  for (guint i = 0; i < am->formats->len; i++) {
    guint apt, opt = 0;
    sdp_codec ac, oc;
    gboolean found = FALSE;
    if (!sdp_sip_format_pt(am, i, &apt) || !sdp_media_codec(am, apt, &ac)) {
      *reason = "the answer has a payload type without a known codec";
      return -ENOTSUP;
    }
    /* Same number first, then any matching codec of ours. */
    if (sdp_media_codec(om, apt, &oc) && sdp_codec_matches(&oc, &ac))
      for (guint k = 0; k < om->formats->len && !found; k++)
        found = sdp_sip_format_pt(om, k, &opt) && opt == apt;
    for (guint k = 0; k < om->formats->len && !found; k++)
      found = sdp_sip_format_pt(om, k, &opt) && sdp_media_codec(om, opt, &oc) &&
              sdp_codec_matches(&oc, &ac);
    if (!found) {
      *reason = "the answer has a codec we did not offer";
      return -ENOTSUP;
    }
    sdp_negotiated_codec nc = { opt, apt, ac.encoding, ac.clock_rate, ac.channels, oc.fmtp, ac.fmtp };
    g_array_append_val(r->codecs, nc);
    if (is_dtmf(&ac)) {
      if (r->telephone_event_pt < 0) {
        r->telephone_event_pt = apt;
        r->local_telephone_event_pt = opt;
      }
    } else if (sdp_codec_is_voice(&ac)) {
      voice = TRUE;
    }
  }
  if (!voice) {
    *reason = "the answer has no voice codec";
    return -ENOTSUP;
  }
  return 0;
}

int
sdp_sip_parse_answer(const sdp_session *offer, const sdp_session *answer,
                     sdp_sip_answer_result *r, const char **reason)
{
  int rc;
  memset(r, 0, sizeof(*r));
  sdp_sip_answer_result_clear(r);
  if (offer->media->len == 0 || answer->media->len == 0) {
    *reason = "the answer has no m-line";
    return -EPROTO;
  }
  if (answer->media->len != offer->media->len) {
    *reason = "the answer's m-lines do not match the offer's";
    return -EPROTO;
  }
  const sdp_media *om = offer->media->pdata[0], *am = answer->media->pdata[0];
  if (am->type != SDP_MEDIA_AUDIO || om->type != SDP_MEDIA_AUDIO) {
    *reason = "the answer's first m-line is not audio";
    return -EPROTO;
  }
  r->proto = am->proto;
  if (am->port == 0)
    return 0; /* rejected */

  r->rtp_address = sdp_sip_media_address(answer, am, &r->ipv6);
  if (!r->rtp_address) {
    *reason = "the answer has no connection address";
    return -EPROTO;
  }
  r->rtp_port = am->port;
  r->rtcp_mux = om->rtcp_mux && am->rtcp_mux;
  sdp_sip_rtcp(am, r->rtp_address, r->rtcp_mux, &r->rtcp_address, &r->rtcp_port);
  r->direction = sdp_media_direction(answer, am);
  r->hold = r->direction == SDP_DIRECTION_SENDONLY || r->direction == SDP_DIRECTION_INACTIVE ||
            sdp_sip_address_is_hold(r->rtp_address);
  r->ptime = sdp_sip_ptime(am);

  /* Key exchange: crypto, else fingerprint, else plain. */
  gboolean best_effort = proto_is(om->proto, "RTP/AVP");
  if (am->crypto->len) {
    rc = answer_sdes(om, am, r, reason);
    if (rc == 0 && !proto_is(am->proto, om->proto) && !(best_effort && proto_is(am->proto, "RTP/SAVP")))
      goto bad_proto;
  } else if (sdp_media_fingerprints(answer, am)->len) {
    rc = answer_dtls(answer, om, am, r, reason);
    if (rc == 0 && !proto_is(am->proto, om->proto) &&
        !(best_effort && proto_is(am->proto, "UDP/TLS/RTP/SAVP")))
      goto bad_proto;
  } else {
    if (!best_effort) {
      *reason = "the answer has no key exchange but we required SRTP";
      return -ENOTSUP;
    }
    rc = 0;
    r->kx = SDP_SIP_KX_RTP;
    if (!proto_is(am->proto, om->proto))
      goto bad_proto;
  }
  if (rc == 0)
    rc = answer_codecs(om, am, r, reason);
  r->accepted = rc == 0;
  return rc;

bad_proto:
  *reason = "the answer's proto does not match the offer's";
  return -ENOTSUP;
}
