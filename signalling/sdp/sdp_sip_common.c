/* SIP leg: key-exchange policies, a=crypto shape, addresses, hold and
 * re-INVITE change detection, and the small builders the offer and answer
 * share. */
#define G_LOG_DOMAIN "rtc2sip-sdp"
#include <errno.h>
#include <string.h>

#include "signalling/sdp/sdp_private.h"
#include "signalling/sdp/sdp_sip_private.h"

const char *
sdp_sip_kx_name(sdp_sip_key_exchange kx)
{
  switch (kx) {
  case SDP_SIP_KX_SDES:
    return "sdes";
  case SDP_SIP_KX_DTLS_SRTP:
    return "dtls-srtp";
  case SDP_SIP_KX_RTP:
    return "rtp";
  default:
    return "none";
  }
}

static const sdp_sip_kx_policy default_policy = {
  { SDP_SIP_KX_SDES, SDP_SIP_KX_DTLS_SRTP, SDP_SIP_KX_RTP }, 3, NULL
};

const sdp_sip_kx_policy *
sdp_sip_kx_policy_default(void)
{
  return &default_policy;
}

gboolean
sdp_sip_kx_policy_has(const sdp_sip_kx_policy *p, sdp_sip_key_exchange kx)
{
  for (guint i = 0; i < p->n && i < SDP_SIP_KX_MAX; i++)
    if (p->order[i] == kx)
      return TRUE;
  return FALSE;
}

int
sdp_sip_kx_policy_parse(const char *text, sdp_sip_kx_policy *out, const char **reason)
{
  memset(out, 0, sizeof(*out));
  g_auto(GStrv) words = g_strsplit_set(text ? text : "", ", \t", -1);
  for (guint i = 0; words[i]; i++) {
    sdp_sip_key_exchange kx;
    if (!*words[i])
      continue;
    if (g_ascii_strcasecmp(words[i], "sdes") == 0)
      kx = SDP_SIP_KX_SDES;
    else if (g_ascii_strcasecmp(words[i], "dtls-srtp") == 0 ||
             g_ascii_strcasecmp(words[i], "dtls") == 0 ||
             g_ascii_strcasecmp(words[i], "srtp-dtls") == 0)
      kx = SDP_SIP_KX_DTLS_SRTP;
    else if (g_ascii_strcasecmp(words[i], "rtp") == 0)
      kx = SDP_SIP_KX_RTP;
    else {
      *reason = "unknown key exchange (want sdes, dtls-srtp or rtp)";
      return -EINVAL;
    }
    if (sdp_sip_kx_policy_has(out, kx)) {
      *reason = "a key exchange is listed twice";
      return -EINVAL;
    }
    out->order[out->n++] = kx;
  }
  if (out->n == 0) {
    *reason = "the key exchange list is empty";
    return -EINVAL;
  }
  return 0;
}

gboolean
sdp_sip_crypto_split(const char *value, guint *tag, const char **suite, gsize *suite_len)
{
  sdp_cursor c = { value, value + strlen(value) };
  const char *tok;
  gsize len;
  guint64 t;
  if (!sdp_cursor_token(&c, &tok, &len) || len > 9 || !sdp_parse_uint(tok, len, G_MAXUINT32, &t))
    return FALSE;
  *tag = t;
  if (!sdp_cursor_token(&c, suite, suite_len) || !sdp_is_token(*suite, *suite_len))
    return FALSE;
  return sdp_cursor_token(&c, &tok, &len);
}

gint
sdp_sip_audio_index(const sdp_session *s)
{
  for (guint i = 0; i < s->media->len; i++) {
    const sdp_media *m = s->media->pdata[i];
    if (m->type == SDP_MEDIA_AUDIO && m->port != 0 && sdp_proto_is_rtp(m->proto))
      return i;
  }
  return -1;
}

const char *
sdp_sip_media_address(const sdp_session *s, const sdp_media *m, gboolean *ipv6)
{
  const sdp_connection *c = m->connection.address ? &m->connection : &s->connection;
  *ipv6 = c->addrtype && g_ascii_strcasecmp(c->addrtype, "IP6") == 0;
  return c->address;
}

gboolean
sdp_sip_address_is_hold(const char *address)
{
  return address && strcmp(address, "0.0.0.0") == 0;
}

void
sdp_sip_rtcp(const sdp_media *m, const char *rtp_address, gboolean mux, const char **address,
             guint *port)
{
  *address = rtp_address;
  *port = m->port;
  if (mux)
    return;
  if (m->has_rtcp) {
    *port = m->rtcp_port;
    if (m->rtcp_connection.address)
      *address = m->rtcp_connection.address;
    return;
  }
  *port = m->port < 65535 ? m->port + 1 : 0;
}

static const char *
media_attr(const sdp_media *m, const char *name)
{
  for (guint i = 0; i < m->attributes->len; i++) {
    const sdp_attr *a = &g_array_index(m->attributes, sdp_attr, i);
    if (g_ascii_strcasecmp(a->name, name) == 0)
      return a->value ? a->value : "";
  }
  return NULL;
}

guint
sdp_sip_ptime(const sdp_media *m)
{
  const char *v = media_attr(m, "ptime");
  guint64 n;
  if (!v)
    return 0;
  while (sdp_is_space(*v))
    v++;
  gsize len = 0;
  while (g_ascii_isdigit(v[len]))
    len++;
  /* "20" and the odd "20.0"; anything else is ignored. */
  if (!sdp_parse_uint(v, len, 10000, &n))
    return 0;
  return n;
}

gboolean
sdp_sip_format_pt(const sdp_media *m, guint i, guint *pt)
{
  const char *f = m->formats->pdata[i];
  guint64 v;
  if (!sdp_parse_uint(f, strlen(f), 127, &v))
    return FALSE;
  *pt = v;
  return TRUE;
}

gint
sdp_sip_telephone_event_pt(const sdp_media *m)
{
  for (guint i = 0; i < m->formats->len; i++) {
    guint pt;
    sdp_codec c;
    if (sdp_sip_format_pt(m, i, &pt) && sdp_media_codec(m, pt, &c) &&
        g_ascii_strcasecmp(c.encoding, "telephone-event") == 0)
      return pt;
  }
  return -1;
}

void
sdp_sip_set_connection(sdp_connection *c, const char *address)
{
  g_free(c->nettype);
  g_free(c->addrtype);
  g_free(c->address);
  c->nettype = g_strdup("IN");
  c->addrtype = g_strdup(strchr(address, ':') ? "IP6" : "IP4");
  c->address = g_strdup(address);
}

void
sdp_sip_set_origin(sdp_session *s, guint64 id, guint64 version, const char *address)
{
  s->origin_username = g_strdup("-");
  s->origin_sess_id = g_strdup_printf("%" G_GUINT64_FORMAT, id);
  s->origin_sess_version = g_strdup_printf("%" G_GUINT64_FORMAT, version);
  s->origin_nettype = g_strdup("IN");
  s->origin_addrtype = g_strdup(strchr(address, ':') ? "IP6" : "IP4");
  s->origin_address = g_strdup(address);
  s->name = g_strdup("-");
}

void
sdp_sip_add_codec(sdp_media *m, const sdp_codec *c)
{
  g_ptr_array_add(m->formats, g_strdup_printf("%u", c->pt));
  sdp_rtpmap r = { c->pt, g_strdup(c->encoding), c->clock_rate, c->channels > 1 ? c->channels : 0 };
  g_array_append_val(m->rtpmaps, r);
  if (c->fmtp && *c->fmtp) {
    sdp_fmtp f = { c->pt, g_strdup(c->fmtp) };
    g_array_append_val(m->fmtps, f);
  }
}

void
sdp_sip_add_attr(sdp_media *m, const char *name, const char *value)
{
  sdp_attr a = { g_strdup(name), g_strdup(value) };
  g_array_append_val(m->attributes, a);
}

gboolean
sdp_sip_address_ok(const char *address)
{
  return address && g_hostname_is_ip_address(address) && !strchr(address, '%');
}

guint
sdp_sip_pick_pt(const sdp_codec *c, gboolean avoid_rtcp_range, gboolean *used)
{
  sdp_codec st;
  guint pt = c->pt;
  gboolean keep = pt < 128 && !used[pt] && !(avoid_rtcp_range && pt >= 64 && pt <= 95);
  if (keep && sdp_codec_static(pt, &st) && !sdp_codec_matches(&st, c))
    keep = FALSE;
  /* A dynamic codec may not sit on an unassigned static number either. */
  if (keep && pt < 35 && !sdp_codec_static(pt, &st))
    keep = FALSE;
  if (!keep) {
    pt = 128;
    for (guint p = 96; p < 128 && pt == 128; p++)
      if (!used[p])
        pt = p;
    for (guint p = 35; p < 64 && pt == 128; p++)
      if (!used[p])
        pt = p;
  }
  if (pt < 128)
    used[pt] = TRUE;
  return pt;
}

/* --- hold and changes --- */

gboolean
sdp_sip_is_hold(const sdp_session *s)
{
  gint i = sdp_sip_audio_index(s);
  gboolean ipv6;
  if (i < 0)
    return FALSE;
  const sdp_media *m = s->media->pdata[i];
  sdp_direction d = sdp_media_direction(s, m);
  return d == SDP_DIRECTION_SENDONLY || d == SDP_DIRECTION_INACTIVE ||
         sdp_sip_address_is_hold(sdp_sip_media_address(s, m, &ipv6));
}

static gboolean
str_eq(const char *a, const char *b)
{
  return g_strcmp0(a, b) == 0;
}

static gboolean
codecs_equal(const sdp_media *a, const sdp_media *b)
{
  if (a->formats->len != b->formats->len)
    return FALSE;
  for (guint i = 0; i < a->formats->len; i++) {
    guint pa, pb;
    sdp_codec ca, cb;
    if (!str_eq(a->formats->pdata[i], b->formats->pdata[i]))
      return FALSE;
    if (!sdp_sip_format_pt(a, i, &pa) || !sdp_sip_format_pt(b, i, &pb))
      continue;
    gboolean ka = sdp_media_codec(a, pa, &ca), kb = sdp_media_codec(b, pb, &cb);
    if (ka != kb || (ka && !sdp_codec_matches(&ca, &cb)) || !str_eq(ca.fmtp, cb.fmtp))
      return FALSE;
  }
  return TRUE;
}

static gboolean
crypto_equal(const GPtrArray *a, const GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!str_eq(a->pdata[i], b->pdata[i]))
      return FALSE;
  return TRUE;
}

static gboolean
fingerprints_equal(const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!fingerprint_equal(&g_array_index(a, fingerprint, i), &g_array_index(b, fingerprint, i)))
      return FALSE;
  return TRUE;
}

guint
sdp_sip_changes(const sdp_session *old_sdp, const sdp_session *new_sdp)
{
  gint io = sdp_sip_audio_index(old_sdp), in = sdp_sip_audio_index(new_sdp);
  guint changes = 0;
  gboolean v6o, v6n;
  if (io < 0 || in < 0)
    return io == in ? 0 : SDP_SIP_CHANGED_MEDIA;
  const sdp_media *o = old_sdp->media->pdata[io], *n = new_sdp->media->pdata[in];
  const char *ao = sdp_sip_media_address(old_sdp, o, &v6o), *an = sdp_sip_media_address(new_sdp, n, &v6n);
  const char *rao, *ran;
  guint rpo, rpn;
  sdp_sip_rtcp(o, ao, o->rtcp_mux, &rao, &rpo);
  sdp_sip_rtcp(n, an, n->rtcp_mux, &ran, &rpn);
  if (io != in)
    changes |= SDP_SIP_CHANGED_MEDIA;
  if (!str_eq(ao, an) || o->port != n->port || !str_eq(rao, ran) || rpo != rpn ||
      o->rtcp_mux != n->rtcp_mux)
    changes |= SDP_SIP_CHANGED_ADDRESS;
  if (!codecs_equal(o, n))
    changes |= SDP_SIP_CHANGED_CODECS;
  if (g_ascii_strcasecmp(o->proto, n->proto) != 0 || !crypto_equal(o->crypto, n->crypto) ||
      !fingerprints_equal(sdp_media_fingerprints(old_sdp, o), sdp_media_fingerprints(new_sdp, n)) ||
      sdp_media_setup(old_sdp, o) != sdp_media_setup(new_sdp, n))
    changes |= SDP_SIP_CHANGED_KEYS;
  if (sdp_media_direction(old_sdp, o) != sdp_media_direction(new_sdp, n) ||
      sdp_sip_is_hold(old_sdp) != sdp_sip_is_hold(new_sdp))
    changes |= SDP_SIP_CHANGED_DIRECTION;
  return changes;
}
