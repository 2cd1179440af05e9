/* The gateway's answer to a browser offer (rules in sdp_negotiate.h). */
#define G_LOG_DOMAIN "rtc2sip-sdp"
#include <errno.h>
#include <string.h>

#include "signalling/sdp/sdp_negotiate.h"

#define MID_EXTENSION "urn:ietf:params:rtp-hdrext:sdes:mid"

sdp_setup
sdp_answer_setup_role(sdp_setup offered)
{
  switch (offered) {
  case SDP_SETUP_ACTPASS:
  case SDP_SETUP_PASSIVE:
    return SDP_SETUP_ACTIVE;
  case SDP_SETUP_ACTIVE:
  case SDP_SETUP_NONE:
    return SDP_SETUP_PASSIVE;
  default:
    return SDP_SETUP_NONE;
  }
}

static sdp_direction
mirror(sdp_direction d)
{
  switch (d) {
  case SDP_DIRECTION_SENDONLY:
    return SDP_DIRECTION_RECVONLY;
  case SDP_DIRECTION_RECVONLY:
    return SDP_DIRECTION_SENDONLY;
  case SDP_DIRECTION_INACTIVE:
    return SDP_DIRECTION_INACTIVE;
  default:
    return SDP_DIRECTION_SENDRECV;
  }
}

static gboolean
proto_ok(const char *proto)
{
  return g_ascii_strcasecmp(proto, "UDP/TLS/RTP/SAVPF") == 0 ||
         g_ascii_strcasecmp(proto, "UDP/TLS/RTP/SAVP") == 0;
}

static void
add_format(sdp_media *am, const sdp_codec *c, const char *fmtp)
{
  g_ptr_array_add(am->formats, g_strdup_printf("%u", c->pt));
  sdp_rtpmap r = { c->pt, g_strdup(c->encoding), c->clock_rate, c->channels };
  g_array_append_val(am->rtpmaps, r);
  if (fmtp && *fmtp) {
    sdp_fmtp f = { c->pt, g_strdup(fmtp) };
    g_array_append_val(am->fmtps, f);
  }
}

/* Offered formats of M, filtered by the gateway's audio list. Returns the
 * number of voice codecs kept. */
static guint
answer_audio_codecs(const sdp_media *m, const sdp_browser_leg_params *p, sdp_media *am)
{
  const sdp_codec *local = p->audio_codecs;
  guint n_local = p->n_audio_codecs, voice = 0;
  if (!local)
    local = sdp_codec_default_audio(&n_local);
  for (guint i = 0; i < m->formats->len; i++) {
    guint pt = g_ascii_strtoull(m->formats->pdata[i], NULL, 10);
    sdp_codec c;
    if (!sdp_media_codec(m, pt, &c))
      continue;
    for (guint j = 0; j < n_local; j++) {
      if (!sdp_codec_matches(&c, &local[j]))
        continue;
      /* The answer's fmtp says what we want to receive: our own when
       * configured (no stereo Opus toward a mono bridge), else the offer's. */
      add_format(am, &c, local[j].fmtp ? local[j].fmtp : c.fmtp);
      if (sdp_codec_is_voice(&c))
        voice++;
      break;
    }
  }
  return voice;
}

static gboolean
feedback_kept(const sdp_rtcp_fb *f)
{
  if (g_ascii_strcasecmp(f->type, "nack") == 0)
    return !f->params || g_ascii_strcasecmp(f->params, "pli") == 0;
  if (g_ascii_strcasecmp(f->type, "ccm") == 0)
    return f->params && g_ascii_strcasecmp(f->params, "fir") == 0;
  return FALSE;
}

/* VP8 and H264 pass through for the echo test. Returns how many were kept. */
static guint
answer_video_codecs(const sdp_media *m, sdp_media *am)
{
  guint kept = 0;
  for (guint i = 0; i < m->formats->len; i++) {
    guint pt = g_ascii_strtoull(m->formats->pdata[i], NULL, 10);
    sdp_codec c;
    if (!sdp_media_codec(m, pt, &c) || c.clock_rate != 90000 ||
        (g_ascii_strcasecmp(c.encoding, "VP8") && g_ascii_strcasecmp(c.encoding, "H264")))
      continue;
    add_format(am, &c, c.fmtp);
    kept++;
    for (guint j = 0; j < m->rtcp_fbs->len; j++) {
      const sdp_rtcp_fb *f = &g_array_index(m->rtcp_fbs, sdp_rtcp_fb, j);
      if (f->pt != (gint)pt || !feedback_kept(f))
        continue;
      sdp_rtcp_fb copy = { f->pt, g_strdup(f->type), g_strdup(f->params) };
      g_array_append_val(am->rtcp_fbs, copy);
    }
  }
  /* Wildcard feedback applies to every kept format. */
  for (guint j = 0; kept && j < m->rtcp_fbs->len; j++) {
    const sdp_rtcp_fb *f = &g_array_index(m->rtcp_fbs, sdp_rtcp_fb, j);
    if (f->pt >= 0 || !feedback_kept(f))
      continue;
    sdp_rtcp_fb copy = { -1, g_strdup(f->type), g_strdup(f->params) };
    g_array_append_val(am->rtcp_fbs, copy);
  }
  return kept;
}

static void
reject(sdp_media *am, const sdp_media *m)
{
  am->port = 0;
  g_ptr_array_set_size(am->formats, 0);
  g_ptr_array_add(am->formats, g_strdup(m->formats->len ? m->formats->pdata[0] : "0"));
  am->connection.nettype = g_strdup("IN");
  am->connection.addrtype = g_strdup("IP4");
  am->connection.address = g_strdup("0.0.0.0");
}

/* The mandatory transport features of an m-line we accept. */
static int
check_transport(const sdp_session *offer, const sdp_media *m, sdp_setup *setup, const char **reason)
{
  const char *ufrag, *pwd;
  if (!m->rtcp_mux) {
    *reason = "the offer lacks a=rtcp-mux, which this gateway requires";
    return -EPROTO;
  }
  if (sdp_media_fingerprints(offer, m)->len == 0) {
    *reason = "the offer has no a=fingerprint (DTLS-SRTP needs one)";
    return -EPROTO;
  }
  if (!sdp_media_ice_credentials(offer, m, &ufrag, &pwd)) {
    *reason = "the offer has no a=ice-ufrag and a=ice-pwd";
    return -EPROTO;
  }
  if (strlen(ufrag) < 4 || strlen(pwd) < 22) {
    *reason = "the offer's ICE ufrag is under 4 or its password under 22 characters";
    return -EPROTO;
  }
  *setup = sdp_answer_setup_role(sdp_media_setup(offer, m));
  if (*setup == SDP_SETUP_NONE) {
    *reason = "the offer's a=setup is holdconn";
    return -EPROTO;
  }
  return 0;
}

static void
keep_mid_extension(const sdp_media *m, sdp_media *am)
{
  for (guint i = 0; i < m->extmaps->len; i++) {
    const sdp_extmap *e = &g_array_index(m->extmaps, sdp_extmap, i);
    if (strcmp(e->uri, MID_EXTENSION) == 0) {
      sdp_extmap copy = { e->id, SDP_DIRECTION_NONE, g_strdup(e->uri), NULL };
      g_array_append_val(am->extmaps, copy);
      return;
    }
  }
}

int
sdp_answer_browser_offer(const sdp_session *offer, const sdp_browser_leg_params *p,
                         sdp_session **answer, const char **reason)
{
  const char *unused;
  gboolean have_audio = FALSE, have_video = FALSE, first = TRUE;
  int rc;

  if (!reason)
    reason = &unused;
  *answer = NULL;
  if (!p || !p->ice_ufrag || !p->ice_pwd || !p->fingerprint) {
    *reason = "the gateway's ICE credentials or fingerprint are missing";
    return -EINVAL;
  }
  if (offer->media->len == 0) {
    *reason = "the offer has no m= line";
    return -EPROTO;
  }

  g_autoptr(sdp_session) s = sdp_session_new();
  sdp_negotiate_set_origin(s, p);
  const sdp_group *offered_bundle = sdp_session_group(offer, "BUNDLE");
  sdp_group bundle = { g_strdup("BUNDLE"), g_ptr_array_new_with_free_func(g_free) };

  for (guint i = 0; i < offer->media->len; i++) {
    const sdp_media *m = offer->media->pdata[i];
    sdp_media *am = sdp_media_new(m->type);
    g_ptr_array_add(s->media, am);
    g_free(am->media);
    am->media = g_strdup(m->media);
    am->proto = g_strdup(m->proto);
    am->mid = g_strdup(m->mid);

    gboolean usable = !sdp_media_is_rejected(m) && proto_ok(m->proto) &&
                      ((m->type == SDP_MEDIA_AUDIO && !have_audio) ||
                       (m->type == SDP_MEDIA_VIDEO && !have_video && p->accept_video));
    if (usable) {
      guint kept = m->type == SDP_MEDIA_AUDIO ? answer_audio_codecs(m, p, am)
                                              : answer_video_codecs(m, am);
      usable = kept > 0;
    }
    if (!usable) {
      reject(am, m);
      continue;
    }

    sdp_setup setup;
    if ((rc = check_transport(offer, m, &setup, reason)) < 0) {
      g_ptr_array_unref(bundle.mids);
      g_free(bundle.semantics);
      return rc;
    }
    sdp_negotiate_add_transport(am, p, setup, first);
    first = FALSE;
    if (p->keep_mid_extension)
      keep_mid_extension(m, am);
    am->direction = mirror(sdp_media_direction(offer, m));
    am->rtcp_rsize = m->rtcp_rsize;
    if (am->direction == SDP_DIRECTION_SENDRECV || am->direction == SDP_DIRECTION_SENDONLY) {
      if (m->type == SDP_MEDIA_AUDIO)
        sdp_negotiate_add_stream(am, p, p->audio_ssrc, p->audio_track);
      else
        sdp_negotiate_add_stream(am, p, p->video_ssrc, p->video_track);
    }
    if (m->type == SDP_MEDIA_AUDIO)
      have_audio = TRUE;
    else
      have_video = TRUE;

    if (offered_bundle && m->mid)
      for (guint j = 0; j < offered_bundle->mids->len; j++)
        if (strcmp(offered_bundle->mids->pdata[j], m->mid) == 0) {
          g_ptr_array_add(bundle.mids, g_strdup(m->mid));
          break;
        }
  }

  if (!have_audio && !have_video) {
    g_ptr_array_unref(bundle.mids);
    g_free(bundle.semantics);
    *reason = "the offer has no audio (or allowed video) stream with a codec in common";
    return -ENOTSUP;
  }
  if (offered_bundle && bundle.mids->len) {
    g_array_prepend_val(s->groups, bundle);
  } else {
    g_ptr_array_unref(bundle.mids);
    g_free(bundle.semantics);
  }
  *answer = g_steal_pointer(&s);
  return 0;
}
