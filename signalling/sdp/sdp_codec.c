/* Codec names, the RFC 3551 static payload types and codec negotiation. */
#define G_LOG_DOMAIN "rtc2sip-sdp"
#include <string.h>

#include "signalling/sdp/sdp_codec.h"

static const sdp_codec default_audio[] = {
  { "opus", 48000, 2, 111, "minptime=10;useinbandfec=1" },
  { "G722", 8000, 1, 9, NULL },
  { "PCMU", 8000, 1, 0, NULL },
  { "PCMA", 8000, 1, 8, NULL },
  { "telephone-event", 48000, 1, 110, "0-15" },
  { "telephone-event", 8000, 1, 126, "0-15" },
};

const sdp_codec *
sdp_codec_default_audio(guint *n)
{
  *n = G_N_ELEMENTS(default_audio);
  return default_audio;
}

/* RFC 3551 §6, tables 4 and 5. */
static const struct {
  guint pt;
  const char *encoding;
  guint clock_rate;
  guint channels;
} static_pts[] = {
  { 0, "PCMU", 8000, 1 },    { 3, "GSM", 8000, 1 },     { 4, "G723", 8000, 1 },
  { 5, "DVI4", 8000, 1 },    { 6, "DVI4", 16000, 1 },   { 7, "LPC", 8000, 1 },
  { 8, "PCMA", 8000, 1 },    { 9, "G722", 8000, 1 },    { 10, "L16", 44100, 2 },
  { 11, "L16", 44100, 1 },   { 12, "QCELP", 8000, 1 },  { 13, "CN", 8000, 1 },
  { 14, "MPA", 90000, 0 },   { 15, "G728", 8000, 1 },   { 16, "DVI4", 11025, 1 },
  { 17, "DVI4", 22050, 1 },  { 18, "G729", 8000, 1 },   { 25, "CelB", 90000, 0 },
  { 26, "JPEG", 90000, 0 },  { 28, "nv", 90000, 0 },    { 31, "H261", 90000, 0 },
  { 32, "MPV", 90000, 0 },   { 33, "MP2T", 90000, 0 },  { 34, "H263", 90000, 0 },
};

gboolean
sdp_codec_static(guint pt, sdp_codec *out)
{
  memset(out, 0, sizeof(*out));
  out->pt = pt;
  for (guint i = 0; i < G_N_ELEMENTS(static_pts); i++)
    if (static_pts[i].pt == pt) {
      out->encoding = static_pts[i].encoding;
      out->clock_rate = static_pts[i].clock_rate;
      out->channels = static_pts[i].channels;
      return TRUE;
    }
  return FALSE;
}

gboolean
sdp_media_codec(const sdp_media *m, guint pt, sdp_codec *out)
{
  const sdp_rtpmap *r = sdp_media_rtpmap(m, pt);
  memset(out, 0, sizeof(*out));
  out->pt = pt;
  out->fmtp = sdp_media_fmtp(m, pt);
  if (r) {
    out->encoding = r->encoding;
    out->clock_rate = r->clock_rate;
    out->channels = r->channels;
    return TRUE;
  }
  for (guint i = 0; i < G_N_ELEMENTS(static_pts); i++)
    if (static_pts[i].pt == pt) {
      out->encoding = static_pts[i].encoding;
      out->clock_rate = static_pts[i].clock_rate;
      out->channels = static_pts[i].channels;
      return TRUE;
    }
  return FALSE;
}

gboolean
sdp_codec_matches(const sdp_codec *a, const sdp_codec *b)
{
  guint ca = a->channels ? a->channels : 1, cb = b->channels ? b->channels : 1;
  return a->encoding && b->encoding && g_ascii_strcasecmp(a->encoding, b->encoding) == 0 &&
         a->clock_rate == b->clock_rate && ca == cb;
}

gboolean
sdp_codec_is_voice(const sdp_codec *c)
{
  return c->encoding && g_ascii_strcasecmp(c->encoding, "telephone-event") != 0 &&
         g_ascii_strcasecmp(c->encoding, "CN") != 0 && g_ascii_strcasecmp(c->encoding, "red") != 0;
}

static guint
format_pt(const sdp_media *m, guint i, gboolean *ok)
{
  guint64 v = g_ascii_strtoull(m->formats->pdata[i], NULL, 10);
  *ok = v <= 127;
  return v;
}

GArray *
sdp_negotiated_codecs(const sdp_session *local, const sdp_session *remote, sdp_media_type type)
{
  GArray *out = g_array_new(FALSE, TRUE, sizeof(sdp_negotiated_codec));
  guint n = MIN(local->media->len, remote->media->len);
  for (guint i = 0; i < n; i++) {
    const sdp_media *lm = local->media->pdata[i], *rm = remote->media->pdata[i];
    if (lm->type != type || rm->type != type || !sdp_proto_is_rtp(rm->proto))
      continue;
    if (sdp_media_is_rejected(lm) || sdp_media_is_rejected(rm))
      continue;
    for (guint j = 0; j < rm->formats->len; j++) {
      gboolean ok;
      sdp_codec rc, lc;
      guint pt = format_pt(rm, j, &ok);
      if (!ok || !sdp_media_codec(rm, pt, &rc))
        continue;
      /* Prefer the same payload type on both sides, else the first match. */
      gboolean found = FALSE;
      if (sdp_media_codec(lm, pt, &lc) && sdp_codec_matches(&lc, &rc)) {
        for (guint k = 0; k < lm->formats->len && !found; k++)
          found = g_ascii_strtoull(lm->formats->pdata[k], NULL, 10) == pt;
      }
      for (guint k = 0; k < lm->formats->len && !found; k++) {
        guint lpt = format_pt(lm, k, &ok);
        found = ok && sdp_media_codec(lm, lpt, &lc) && sdp_codec_matches(&lc, &rc);
      }
      if (!found)
        continue;
      sdp_negotiated_codec nc = { lc.pt, rc.pt, rc.encoding, rc.clock_rate, rc.channels,
                                  lc.fmtp, rc.fmtp };
      g_array_append_val(out, nc);
    }
    break;
  }
  return out;
}
