/* SIP leg: reading a phone's offer, choosing its key exchange by policy,
 * and the gateway's answer (rules in sdp_sip.h). */
#define G_LOG_DOMAIN "rtc2sip-sdp"
#include <errno.h>
#include <string.h>

#include "signalling/sdp/sdp_negotiate.h"
#include "signalling/sdp/sdp_private.h"
#include "signalling/sdp/sdp_sip_private.h"

static const char *const default_suites[] = { "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
                                              NULL };

typedef enum { PROTO_OTHER, PROTO_AVP, PROTO_SAVP, PROTO_UDPTLS } proto_class;

static proto_class
classify(const char *proto)
{
  if (g_ascii_strcasecmp(proto, "RTP/AVP") == 0 || g_ascii_strcasecmp(proto, "RTP/AVPF") == 0)
    return PROTO_AVP;
  if (g_ascii_strcasecmp(proto, "RTP/SAVP") == 0 || g_ascii_strcasecmp(proto, "RTP/SAVPF") == 0)
    return PROTO_SAVP;
  if (g_ascii_strcasecmp(proto, "UDP/TLS/RTP/SAVP") == 0 ||
      g_ascii_strcasecmp(proto, "UDP/TLS/RTP/SAVPF") == 0)
    return PROTO_UDPTLS;
  return PROTO_OTHER;
}

static gboolean
suite_supported(const sdp_sip_kx_policy *pol, const char *suite, gsize len)
{
  const char *const *suites = pol->crypto_suites ? pol->crypto_suites : default_suites;
  for (guint i = 0; suites[i]; i++)
    if (strlen(suites[i]) == len && g_ascii_strncasecmp(suites[i], suite, len) == 0)
      return TRUE;
  return FALSE;
}

void
sdp_sip_offer_info_clear(sdp_sip_offer_info *info)
{
  if (info->codecs)
    g_array_unref(info->codecs);
  memset(info, 0, sizeof(*info));
  info->telephone_event_pt = -1;
}

/* What the offer supports, per the rules of sdp_sip.h. */
static void
offer_support(const sdp_session *offer, const sdp_media *m, const sdp_sip_kx_policy *pol,
              sdp_sip_offer_info *info)
{
  proto_class pc = classify(m->proto);
  if (pc == PROTO_AVP || pc == PROTO_SAVP)
    for (guint i = 0; i < m->crypto->len && !info->offers_sdes; i++) {
      const char *suite;
      gsize len;
      guint tag;
      if (sdp_sip_crypto_split(m->crypto->pdata[i], &tag, &suite, &len) &&
          suite_supported(pol, suite, len)) {
        info->offers_sdes = TRUE;
        info->crypto_tag = tag;
        info->crypto = m->crypto->pdata[i];
      }
    }
  const GArray *fps = sdp_media_fingerprints(offer, m);
  info->offer_setup = sdp_media_setup(offer, m);
  if (pc != PROTO_OTHER && fps->len > 0 && info->offer_setup != SDP_SETUP_HOLDCONN) {
    info->offers_dtls = TRUE;
    info->fingerprints = fps;
    info->offer_hash = g_array_index(fps, fingerprint, 0).hash;
    info->local_setup = sdp_answer_setup_role(info->offer_setup);
  }
  info->offers_rtp = pc == PROTO_AVP;
}

int
sdp_sip_inspect_offer(const sdp_session *offer, const sdp_sip_kx_policy *policy,
                      sdp_sip_offer_info *info, const char **reason)
{
  const sdp_sip_kx_policy *pol = policy ? policy : sdp_sip_kx_policy_default();
  memset(info, 0, sizeof(*info));
  sdp_sip_offer_info_clear(info);
  gint idx = sdp_sip_audio_index(offer);
  if (idx < 0) {
    *reason = "the offer has no usable audio m-line";
    return -EPROTO;
  }
  const sdp_media *m = offer->media->pdata[idx];
  info->media_index = idx;
  info->proto = m->proto;
  info->rtp_address = sdp_sip_media_address(offer, m, &info->ipv6);
  if (!info->rtp_address) {
    *reason = "the offer has no connection address";
    return -EPROTO;
  }
  info->rtp_port = m->port;
  info->rtcp_mux = m->rtcp_mux;
  sdp_sip_rtcp(m, info->rtp_address, FALSE, &info->rtcp_address, &info->rtcp_port);
  info->direction = sdp_media_direction(offer, m);
  info->hold = sdp_sip_is_hold(offer);
  info->ptime = sdp_sip_ptime(m);
  info->telephone_event_pt = sdp_sip_telephone_event_pt(m);
  info->codecs = g_array_new(FALSE, TRUE, sizeof(sdp_codec));
  for (guint i = 0; i < m->formats->len; i++) {
    guint pt;
    sdp_codec c;
    if (sdp_sip_format_pt(m, i, &pt) && sdp_media_codec(m, pt, &c))
      g_array_append_val(info->codecs, c);
  }

  offer_support(offer, m, pol, info);
  for (guint i = 0; i < pol->n && i < SDP_SIP_KX_MAX && info->kx == SDP_SIP_KX_NONE; i++) {
    sdp_sip_key_exchange kx = pol->order[i];
    if ((kx == SDP_SIP_KX_SDES && info->offers_sdes) ||
        (kx == SDP_SIP_KX_DTLS_SRTP && info->offers_dtls) || (kx == SDP_SIP_KX_RTP && info->offers_rtp))
      info->kx = kx;
  }
  if (info->kx != SDP_SIP_KX_SDES) {
    info->crypto = NULL;
    info->crypto_tag = 0;
  }
  if (info->kx == SDP_SIP_KX_NONE) {
    gboolean any_crypto = m->crypto->len > 0, any_fp = sdp_media_fingerprints(offer, m)->len > 0;
    if (classify(m->proto) == PROTO_OTHER)
      *reason = "the offer's audio transport is not RTP/AVP, RTP/SAVP or UDP/TLS/RTP/SAVP";
    else if (info->offers_rtp && !any_crypto && !any_fp)
      *reason = "unencrypted RTP is not accepted: SRTP is required";
    else if (any_crypto && !info->offers_sdes && sdp_sip_kx_policy_has(pol, SDP_SIP_KX_SDES))
      *reason = "none of the offered SRTP crypto suites is supported";
    else
      *reason = "the offer has no key exchange that is allowed here";
    return -ENOTSUP;
  }
  return 0;
}

GArray *
sdp_sip_browser_codecs(const sdp_sip_offer_info *info, const sdp_codec *allowed, guint n_allowed)
{
  if (!info->codecs)
    return g_array_new(FALSE, TRUE, sizeof(sdp_codec));
  return sdp_sip_filter_codecs(info->codecs, allowed, n_allowed, TRUE);
}

/* --- the answer --- */

static sdp_direction
answer_direction(sdp_direction offered, sdp_direction wanted)
{
  gboolean peer_sends = offered == SDP_DIRECTION_SENDRECV || offered == SDP_DIRECTION_SENDONLY;
  gboolean peer_receives = offered == SDP_DIRECTION_SENDRECV || offered == SDP_DIRECTION_RECVONLY;
  gboolean we_send = wanted == SDP_DIRECTION_NONE || wanted == SDP_DIRECTION_SENDRECV ||
                     wanted == SDP_DIRECTION_SENDONLY;
  gboolean we_receive = wanted == SDP_DIRECTION_NONE || wanted == SDP_DIRECTION_SENDRECV ||
                        wanted == SDP_DIRECTION_RECVONLY;
  gboolean send = peer_receives && we_send, recv = peer_sends && we_receive;
  if (send && recv)
    return SDP_DIRECTION_SENDRECV;
  if (send)
    return SDP_DIRECTION_SENDONLY;
  if (recv)
    return SDP_DIRECTION_RECVONLY;
  return SDP_DIRECTION_INACTIVE;
}

static gboolean
answer_params_ok(const sdp_sip_answer_params *p, const char **reason)
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
    *reason = "no audio codec to answer with";
    return FALSE;
  }
  return TRUE;
}

/* The offered codecs of OM that are in P's list, in the offer's order. */
static gboolean
answer_codecs(const sdp_media *om, const sdp_sip_answer_params *p, sdp_media *am)
{
  gboolean voice = FALSE;
  for (guint i = 0; i < om->formats->len; i++) {
    guint pt;
    sdp_codec oc;
    if (!sdp_sip_format_pt(om, i, &pt) || !sdp_media_codec(om, pt, &oc))
      continue;
    for (guint j = 0; j < p->n_codecs; j++) {
      if (!sdp_codec_matches(&oc, &p->codecs[j]))
        continue;
      if (p->codecs[j].fmtp)
        oc.fmtp = p->codecs[j].fmtp;
      if (oc.fmtp && !sdp_is_text(oc.fmtp, strlen(oc.fmtp)))
        oc.fmtp = NULL;
      if (sdp_media_rtpmap(am, pt))
        break; /* a repeated format */
      sdp_sip_add_codec(am, &oc);
      voice |= sdp_codec_is_voice(&oc);
      break;
    }
  }
  return voice;
}

static gboolean
answer_keys(const sdp_session *offer, const sdp_media *om, const sdp_sip_answer_params *p,
            sdp_media *am, const char **reason)
{
  proto_class pc = classify(om->proto);
  switch (p->kx) {
  case SDP_SIP_KX_SDES: {
    const char *mine, *theirs;
    gsize mlen, tlen;
    guint mtag, ttag;
    gboolean found = FALSE;
    if (pc != PROTO_AVP && pc != PROTO_SAVP) {
      *reason = "SDES cannot be used with the offer's transport";
      return FALSE;
    }
    if (!p->crypto || !sdp_is_text(p->crypto, strlen(p->crypto)) ||
        !sdp_sip_crypto_split(p->crypto, &mtag, &mine, &mlen)) {
      *reason = "our a=crypto value is missing or malformed";
      return FALSE;
    }
    for (guint i = 0; i < om->crypto->len && !found; i++)
      found = sdp_sip_crypto_split(om->crypto->pdata[i], &ttag, &theirs, &tlen) && ttag == mtag &&
              tlen == mlen && g_ascii_strncasecmp(theirs, mine, mlen) == 0;
    if (!found) {
      *reason = "our a=crypto tag and suite are not among the offer's";
      return FALSE;
    }
    g_ptr_array_add(am->crypto, g_strdup(p->crypto));
    return TRUE;
  }
  case SDP_SIP_KX_DTLS_SRTP: {
    sdp_setup role = sdp_answer_setup_role(sdp_media_setup(offer, om));
    if (pc == PROTO_OTHER || sdp_media_fingerprints(offer, om)->len == 0) {
      *reason = "the offer has no fingerprint for DTLS-SRTP";
      return FALSE;
    }
    if (role == SDP_SETUP_NONE) {
      *reason = "the offer's a=setup does not allow a DTLS connection";
      return FALSE;
    }
    if (!p->fingerprint) {
      *reason = "our fingerprint is missing";
      return FALSE;
    }
    g_array_append_val(am->fingerprints, *p->fingerprint);
    am->setup = role;
    return TRUE;
  }
  case SDP_SIP_KX_RTP:
    if (pc != PROTO_AVP) {
      *reason = "the offer requires SRTP: plain RTP cannot answer it";
      return FALSE;
    }
    return TRUE;
  default:
    *reason = "no key exchange was chosen";
    return FALSE;
  }
}

sdp_session *
sdp_sip_answer(const sdp_session *offer, const sdp_sip_answer_params *p, const char **reason)
{
  const char *unused;
  if (!reason)
    reason = &unused;
  if (!p || !answer_params_ok(p, reason))
    return NULL;
  gint idx = sdp_sip_audio_index(offer);
  if (idx < 0) {
    *reason = "the offer has no usable audio m-line";
    return NULL;
  }
  g_autoptr(sdp_session) s = sdp_session_new();
  sdp_sip_set_origin(s, p->session_id, p->session_version,
                     p->origin_address ? p->origin_address : p->connection_address);
  sdp_sip_set_connection(&s->connection, p->connection_address);
  for (guint i = 0; i < offer->media->len; i++) {
    const sdp_media *om = offer->media->pdata[i];
    sdp_media *am = sdp_media_new(om->type);
    g_ptr_array_add(s->media, am);
    g_free(am->media);
    am->media = g_strdup(om->media);
    am->proto = g_strdup(om->proto);
    if ((gint)i != idx) {
      /* Rejected (RFC 3264 §6): port 0, the offer's formats. */
      for (guint j = 0; j < om->formats->len; j++)
        g_ptr_array_add(am->formats, g_strdup(om->formats->pdata[j]));
      continue;
    }
    am->port = p->rtp_port;
    if (!answer_codecs(om, p, am)) {
      *reason = "no voice codec in common with the offer";
      return NULL;
    }
    guint rtcp_port = p->rtcp_port ? p->rtcp_port : p->rtp_port + 1;
    if (rtcp_port != p->rtp_port + 1) {
      am->has_rtcp = TRUE;
      am->rtcp_port = rtcp_port;
    }
    am->rtcp_mux = om->rtcp_mux && p->rtcp_mux;
    if (!answer_keys(offer, om, p, am, reason))
      return NULL;
    am->direction = answer_direction(sdp_media_direction(offer, om), p->direction);
    if (p->ptime) {
      g_autofree char *ptime = g_strdup_printf("%u", p->ptime);
      sdp_sip_add_attr(am, "ptime", ptime);
    }
  }
  return g_steal_pointer(&s);
}
