/* The gateway's offer to a browser, and the pieces of SDP that its offers
 * and answers share (origin, transport attributes, outgoing stream). */
#define G_LOG_DOMAIN "rtc2sip-sdp"
#include <string.h>

#include "signalling/sdp/sdp_negotiate.h"

void
sdp_negotiate_set_origin(sdp_session *s, const sdp_browser_leg_params *p)
{
  s->origin_username = g_strdup("-");
  s->origin_sess_id = g_strdup_printf("%" G_GUINT64_FORMAT, p->session_id);
  s->origin_sess_version = g_strdup_printf("%" G_GUINT64_FORMAT, p->session_version);
  s->origin_nettype = g_strdup("IN");
  s->origin_addrtype = g_strdup("IP4");
  s->origin_address = g_strdup(p->origin_address ? p->origin_address : "127.0.0.1");
  s->name = g_strdup("-");
  s->ice_lite = p->ice_lite;
  if (p->msid_stream)
    s->msid_semantic = g_strdup_printf("WMS %s", p->msid_stream);
}

static void
set_connection(sdp_connection *c, const char *addrtype, const char *address)
{
  g_free(c->nettype);
  g_free(c->addrtype);
  g_free(c->address);
  c->nettype = g_strdup("IN");
  c->addrtype = g_strdup(addrtype);
  c->address = g_strdup(address);
}

/* The default candidate (RFC 8839 §4.2.1): the first UDP candidate of
 * component 1 with an IP address, else the first of component 1. */
static const sdp_candidate *
default_candidate(const GPtrArray *cands)
{
  const sdp_candidate *any = NULL;
  for (guint i = 0; cands && i < cands->len; i++) {
    const sdp_candidate *c = cands->pdata[i];
    if (c->component != 1)
      continue;
    if (c->transport == SDP_CANDIDATE_TRANSPORT_UDP &&
        (c->address_kind == SDP_CANDIDATE_ADDRESS_IPV4 || c->address_kind == SDP_CANDIDATE_ADDRESS_IPV6))
      return c;
    if (!any)
      any = c;
  }
  return any;
}

void
sdp_negotiate_add_transport(sdp_media *m, const sdp_browser_leg_params *p, sdp_setup setup,
                            gboolean with_candidates)
{
  const sdp_candidate *def = with_candidates ? default_candidate(p->candidates) : NULL;
  m->port = 9; /* RFC 8840 §4.1.1: the discard port while trickling */
  set_connection(&m->connection, "IP4", "0.0.0.0");
  if (def) {
    m->port = def->port;
    if (def->address_kind == SDP_CANDIDATE_ADDRESS_IPV4)
      set_connection(&m->connection, "IP4", def->address);
    else if (def->address_kind == SDP_CANDIDATE_ADDRESS_IPV6)
      set_connection(&m->connection, "IP6", def->address);
  }
  if (with_candidates && p->candidates)
    for (guint i = 0; i < p->candidates->len; i++)
      g_ptr_array_add(m->candidates, sdp_candidate_copy(p->candidates->pdata[i]));
  m->end_of_candidates = p->end_of_candidates;
  m->ice_ufrag = g_strdup(p->ice_ufrag);
  m->ice_pwd = g_strdup(p->ice_pwd);
  m->ice_options = g_strdup("trickle");
  g_array_append_val(m->fingerprints, *p->fingerprint);
  m->setup = setup;
  m->rtcp_mux = TRUE;
}

void
sdp_negotiate_add_stream(sdp_media *m, const sdp_browser_leg_params *p, guint32 ssrc,
                         const char *track)
{
  if (p->msid_stream) {
    sdp_msid ms = { g_strdup(p->msid_stream), g_strdup(track) };
    g_array_append_val(m->msids, ms);
  }
  if (p->cname) {
    sdp_ssrc s = { ssrc, g_strdup("cname"), g_strdup(p->cname) };
    g_array_append_val(m->ssrcs, s);
  }
}

static gboolean
params_ok(const sdp_browser_leg_params *p, const char **reason)
{
  if (!p || !p->ice_ufrag || !p->ice_pwd || strlen(p->ice_ufrag) < 4 || strlen(p->ice_pwd) < 22) {
    *reason = "the gateway's ICE credentials are missing or too short";
    return FALSE;
  }
  if (!p->fingerprint) {
    *reason = "the gateway's fingerprint is missing";
    return FALSE;
  }
  return TRUE;
}

sdp_session *
sdp_offer_to_browser(const sdp_browser_leg_params *p, const char **reason)
{
  const char *unused;
  const sdp_codec *codecs;
  guint n;

  if (!reason)
    reason = &unused;
  if (!params_ok(p, reason))
    return NULL;
  codecs = p->audio_codecs;
  n = p->n_audio_codecs;
  if (!codecs)
    codecs = sdp_codec_default_audio(&n);
  if (n == 0) {
    *reason = "no audio codec to offer";
    return NULL;
  }

  g_autoptr(sdp_session) s = sdp_session_new();
  sdp_negotiate_set_origin(s, p);
  sdp_group bundle = { g_strdup("BUNDLE"), g_ptr_array_new_with_free_func(g_free) };
  g_ptr_array_add(bundle.mids, g_strdup("0"));
  g_array_append_val(s->groups, bundle);

  sdp_media *m = sdp_media_new(SDP_MEDIA_AUDIO);
  g_ptr_array_add(s->media, m);
  m->proto = g_strdup("UDP/TLS/RTP/SAVPF");
  sdp_negotiate_add_transport(m, p, SDP_SETUP_ACTPASS, TRUE);
  m->mid = g_strdup("0");
  if (p->keep_mid_extension) {
    sdp_extmap e = { 1, SDP_DIRECTION_NONE, g_strdup("urn:ietf:params:rtp-hdrext:sdes:mid"), NULL };
    g_array_append_val(m->extmaps, e);
  }
  m->direction = SDP_DIRECTION_SENDRECV;
  m->rtcp_rsize = TRUE;
  for (guint i = 0; i < n; i++) {
    const sdp_codec *c = &codecs[i];
    if (c->pt > 127 || !c->encoding || !c->clock_rate) {
      *reason = "an audio codec to offer has no payload type, name or clock rate";
      return NULL;
    }
    g_ptr_array_add(m->formats, g_strdup_printf("%u", c->pt));
    sdp_rtpmap r = { c->pt, g_strdup(c->encoding), c->clock_rate, c->channels > 1 ? c->channels : 0 };
    g_array_append_val(m->rtpmaps, r);
    if (c->fmtp) {
      sdp_fmtp f = { c->pt, g_strdup(c->fmtp) };
      g_array_append_val(m->fmtps, f);
    }
  }
  sdp_negotiate_add_stream(m, p, p->audio_ssrc, p->audio_track);
  return g_steal_pointer(&s);
}
