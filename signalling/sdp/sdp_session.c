/* The SDP data model: construction, destruction, comparison and lookups. */
#define G_LOG_DOMAIN "rtc2sip-sdp"
#include <string.h>

#include "signalling/sdp/sdp.h"

static void
attr_clear(gpointer p)
{
  sdp_attr *a = p;
  g_free(a->name);
  g_free(a->value);
}

static void
line_clear(gpointer p)
{
  g_free(((sdp_line *)p)->value);
}

static void
bandwidth_clear(gpointer p)
{
  g_free(((sdp_bandwidth *)p)->type);
}

static void
rtpmap_clear(gpointer p)
{
  g_free(((sdp_rtpmap *)p)->encoding);
}

static void
fmtp_clear(gpointer p)
{
  g_free(((sdp_fmtp *)p)->params);
}

static void
rtcp_fb_clear(gpointer p)
{
  sdp_rtcp_fb *f = p;
  g_free(f->type);
  g_free(f->params);
}

static void
extmap_clear(gpointer p)
{
  sdp_extmap *e = p;
  g_free(e->uri);
  g_free(e->attributes);
}

static void
ssrc_clear(gpointer p)
{
  sdp_ssrc *s = p;
  g_free(s->attribute);
  g_free(s->value);
}

static void
ssrc_group_clear(gpointer p)
{
  sdp_ssrc_group *g = p;
  g_free(g->semantics);
  if (g->ssrcs)
    g_array_unref(g->ssrcs);
}

static void
msid_clear(gpointer p)
{
  sdp_msid *m = p;
  g_free(m->stream);
  g_free(m->track);
}

static void
group_clear(gpointer p)
{
  sdp_group *g = p;
  g_free(g->semantics);
  if (g->mids)
    g_ptr_array_unref(g->mids);
}

static void
connection_clear(sdp_connection *c)
{
  g_clear_pointer(&c->nettype, g_free);
  g_clear_pointer(&c->addrtype, g_free);
  g_clear_pointer(&c->address, g_free);
}

static GArray *
array_new(gsize size, GDestroyNotify clear)
{
  GArray *a = g_array_new(FALSE, TRUE, size);
  if (clear)
    g_array_set_clear_func(a, clear);
  return a;
}

const char *
sdp_media_type_name(sdp_media_type type)
{
  switch (type) {
  case SDP_MEDIA_AUDIO:
    return "audio";
  case SDP_MEDIA_VIDEO:
    return "video";
  case SDP_MEDIA_APPLICATION:
    return "application";
  default:
    return "text";
  }
}

const char *
sdp_direction_name(sdp_direction d)
{
  static const char *names[] = { "", "sendrecv", "sendonly", "recvonly", "inactive" };
  return (guint)d < G_N_ELEMENTS(names) ? names[d] : "";
}

const char *
sdp_setup_name(sdp_setup setup)
{
  static const char *names[] = { "", "actpass", "active", "passive", "holdconn" };
  return (guint)setup < G_N_ELEMENTS(names) ? names[setup] : "";
}

sdp_media *
sdp_media_new(sdp_media_type type)
{
  sdp_media *m = g_new0(sdp_media, 1);
  m->type = type;
  m->media = g_strdup(sdp_media_type_name(type));
  m->formats = g_ptr_array_new_with_free_func(g_free);
  m->lines = array_new(sizeof(sdp_line), line_clear);
  m->bandwidths = array_new(sizeof(sdp_bandwidth), bandwidth_clear);
  m->fingerprints = array_new(sizeof(fingerprint), NULL);
  m->rtpmaps = array_new(sizeof(sdp_rtpmap), rtpmap_clear);
  m->fmtps = array_new(sizeof(sdp_fmtp), fmtp_clear);
  m->rtcp_fbs = array_new(sizeof(sdp_rtcp_fb), rtcp_fb_clear);
  m->extmaps = array_new(sizeof(sdp_extmap), extmap_clear);
  m->ssrcs = array_new(sizeof(sdp_ssrc), ssrc_clear);
  m->ssrc_groups = array_new(sizeof(sdp_ssrc_group), ssrc_group_clear);
  m->msids = array_new(sizeof(sdp_msid), msid_clear);
  m->candidates = g_ptr_array_new_with_free_func((GDestroyNotify)sdp_candidate_free);
  m->crypto = g_ptr_array_new_with_free_func(g_free);
  m->attributes = array_new(sizeof(sdp_attr), attr_clear);
  return m;
}

void
sdp_media_free(sdp_media *m)
{
  if (!m)
    return;
  g_free(m->media);
  g_free(m->proto);
  g_ptr_array_unref(m->formats);
  g_array_unref(m->lines);
  connection_clear(&m->connection);
  g_array_unref(m->bandwidths);
  g_free(m->mid);
  g_free(m->ice_ufrag);
  g_free(m->ice_pwd);
  g_free(m->ice_options);
  g_array_unref(m->fingerprints);
  connection_clear(&m->rtcp_connection);
  g_array_unref(m->rtpmaps);
  g_array_unref(m->fmtps);
  g_array_unref(m->rtcp_fbs);
  g_array_unref(m->extmaps);
  g_array_unref(m->ssrcs);
  g_array_unref(m->ssrc_groups);
  g_array_unref(m->msids);
  g_ptr_array_unref(m->candidates);
  g_ptr_array_unref(m->crypto);
  g_array_unref(m->attributes);
  g_free(m);
}

sdp_session *
sdp_session_new(void)
{
  sdp_session *s = g_new0(sdp_session, 1);
  s->lines = array_new(sizeof(sdp_line), line_clear);
  s->bandwidths = array_new(sizeof(sdp_bandwidth), bandwidth_clear);
  s->extra_times = g_ptr_array_new_with_free_func(g_free);
  s->groups = array_new(sizeof(sdp_group), group_clear);
  s->fingerprints = array_new(sizeof(fingerprint), NULL);
  s->attributes = array_new(sizeof(sdp_attr), attr_clear);
  s->media = g_ptr_array_new_with_free_func((GDestroyNotify)sdp_media_free);
  return s;
}

void
sdp_session_free(sdp_session *s)
{
  if (!s)
    return;
  g_free(s->origin_username);
  g_free(s->origin_sess_id);
  g_free(s->origin_sess_version);
  g_free(s->origin_nettype);
  g_free(s->origin_addrtype);
  g_free(s->origin_address);
  g_free(s->name);
  g_array_unref(s->lines);
  connection_clear(&s->connection);
  g_array_unref(s->bandwidths);
  g_ptr_array_unref(s->extra_times);
  g_array_unref(s->groups);
  g_free(s->msid_semantic);
  g_free(s->ice_ufrag);
  g_free(s->ice_pwd);
  g_free(s->ice_options);
  g_array_unref(s->fingerprints);
  g_array_unref(s->attributes);
  g_ptr_array_unref(s->media);
  g_free(s);
}

/* --- equality --- */

#define STR_EQ(x, y) (g_strcmp0((x), (y)) == 0)

static gboolean
strv_equal(const GPtrArray *a, const GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!STR_EQ(a->pdata[i], b->pdata[i]))
      return FALSE;
  return TRUE;
}

static gboolean
connection_equal(const sdp_connection *a, const sdp_connection *b)
{
  return STR_EQ(a->nettype, b->nettype) && STR_EQ(a->addrtype, b->addrtype) &&
         STR_EQ(a->address, b->address);
}

static gboolean
lines_equal(const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++) {
    const sdp_line *x = &g_array_index(a, sdp_line, i), *y = &g_array_index(b, sdp_line, i);
    if (x->type != y->type || !STR_EQ(x->value, y->value))
      return FALSE;
  }
  return TRUE;
}

static gboolean
attrs_equal(const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++) {
    const sdp_attr *x = &g_array_index(a, sdp_attr, i), *y = &g_array_index(b, sdp_attr, i);
    if (!STR_EQ(x->name, y->name) || !STR_EQ(x->value, y->value))
      return FALSE;
  }
  return TRUE;
}

static gboolean
bandwidths_equal(const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++) {
    const sdp_bandwidth *x = &g_array_index(a, sdp_bandwidth, i);
    const sdp_bandwidth *y = &g_array_index(b, sdp_bandwidth, i);
    if (!STR_EQ(x->type, y->type) || x->value != y->value)
      return FALSE;
  }
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

static gboolean
media_equal(const sdp_media *a, const sdp_media *b)
{
  if (a->type != b->type || !STR_EQ(a->media, b->media) || a->port != b->port ||
      a->port_count != b->port_count || !STR_EQ(a->proto, b->proto) ||
      !strv_equal(a->formats, b->formats) || !lines_equal(a->lines, b->lines) ||
      !connection_equal(&a->connection, &b->connection) ||
      !bandwidths_equal(a->bandwidths, b->bandwidths) || !STR_EQ(a->mid, b->mid) ||
      a->direction != b->direction || !STR_EQ(a->ice_ufrag, b->ice_ufrag) ||
      !STR_EQ(a->ice_pwd, b->ice_pwd) || !STR_EQ(a->ice_options, b->ice_options) ||
      !fingerprints_equal(a->fingerprints, b->fingerprints) || a->setup != b->setup ||
      a->rtcp_mux != b->rtcp_mux || a->rtcp_mux_only != b->rtcp_mux_only ||
      a->rtcp_rsize != b->rtcp_rsize || a->bundle_only != b->bundle_only ||
      a->has_rtcp != b->has_rtcp || a->rtcp_port != b->rtcp_port ||
      !connection_equal(&a->rtcp_connection, &b->rtcp_connection) ||
      a->end_of_candidates != b->end_of_candidates || !strv_equal(a->crypto, b->crypto) ||
      !attrs_equal(a->attributes, b->attributes))
    return FALSE;

  if (a->rtpmaps->len != b->rtpmaps->len || a->fmtps->len != b->fmtps->len ||
      a->rtcp_fbs->len != b->rtcp_fbs->len || a->extmaps->len != b->extmaps->len ||
      a->ssrcs->len != b->ssrcs->len || a->ssrc_groups->len != b->ssrc_groups->len ||
      a->msids->len != b->msids->len || a->candidates->len != b->candidates->len)
    return FALSE;
  for (guint i = 0; i < a->rtpmaps->len; i++) {
    const sdp_rtpmap *x = &g_array_index(a->rtpmaps, sdp_rtpmap, i);
    const sdp_rtpmap *y = &g_array_index(b->rtpmaps, sdp_rtpmap, i);
    if (x->pt != y->pt || !STR_EQ(x->encoding, y->encoding) || x->clock_rate != y->clock_rate ||
        x->channels != y->channels)
      return FALSE;
  }
  for (guint i = 0; i < a->fmtps->len; i++) {
    const sdp_fmtp *x = &g_array_index(a->fmtps, sdp_fmtp, i);
    const sdp_fmtp *y = &g_array_index(b->fmtps, sdp_fmtp, i);
    if (x->pt != y->pt || !STR_EQ(x->params, y->params))
      return FALSE;
  }
  for (guint i = 0; i < a->rtcp_fbs->len; i++) {
    const sdp_rtcp_fb *x = &g_array_index(a->rtcp_fbs, sdp_rtcp_fb, i);
    const sdp_rtcp_fb *y = &g_array_index(b->rtcp_fbs, sdp_rtcp_fb, i);
    if (x->pt != y->pt || !STR_EQ(x->type, y->type) || !STR_EQ(x->params, y->params))
      return FALSE;
  }
  for (guint i = 0; i < a->extmaps->len; i++) {
    const sdp_extmap *x = &g_array_index(a->extmaps, sdp_extmap, i);
    const sdp_extmap *y = &g_array_index(b->extmaps, sdp_extmap, i);
    if (x->id != y->id || x->direction != y->direction || !STR_EQ(x->uri, y->uri) ||
        !STR_EQ(x->attributes, y->attributes))
      return FALSE;
  }
  for (guint i = 0; i < a->ssrcs->len; i++) {
    const sdp_ssrc *x = &g_array_index(a->ssrcs, sdp_ssrc, i);
    const sdp_ssrc *y = &g_array_index(b->ssrcs, sdp_ssrc, i);
    if (x->ssrc != y->ssrc || !STR_EQ(x->attribute, y->attribute) || !STR_EQ(x->value, y->value))
      return FALSE;
  }
  for (guint i = 0; i < a->ssrc_groups->len; i++) {
    const sdp_ssrc_group *x = &g_array_index(a->ssrc_groups, sdp_ssrc_group, i);
    const sdp_ssrc_group *y = &g_array_index(b->ssrc_groups, sdp_ssrc_group, i);
    if (!STR_EQ(x->semantics, y->semantics) || x->ssrcs->len != y->ssrcs->len ||
        (x->ssrcs->len &&
         memcmp(x->ssrcs->data, y->ssrcs->data, x->ssrcs->len * sizeof(guint32)) != 0))
      return FALSE;
  }
  for (guint i = 0; i < a->msids->len; i++) {
    const sdp_msid *x = &g_array_index(a->msids, sdp_msid, i);
    const sdp_msid *y = &g_array_index(b->msids, sdp_msid, i);
    if (!STR_EQ(x->stream, y->stream) || !STR_EQ(x->track, y->track))
      return FALSE;
  }
  for (guint i = 0; i < a->candidates->len; i++)
    if (!sdp_candidate_equal(a->candidates->pdata[i], b->candidates->pdata[i]))
      return FALSE;
  return TRUE;
}

gboolean
sdp_session_equal(const sdp_session *a, const sdp_session *b)
{
  if (a->version != b->version || !STR_EQ(a->origin_username, b->origin_username) ||
      !STR_EQ(a->origin_sess_id, b->origin_sess_id) ||
      !STR_EQ(a->origin_sess_version, b->origin_sess_version) ||
      !STR_EQ(a->origin_nettype, b->origin_nettype) ||
      !STR_EQ(a->origin_addrtype, b->origin_addrtype) ||
      !STR_EQ(a->origin_address, b->origin_address) || !STR_EQ(a->name, b->name) ||
      !lines_equal(a->lines, b->lines) || !connection_equal(&a->connection, &b->connection) ||
      !bandwidths_equal(a->bandwidths, b->bandwidths) || a->time_start != b->time_start ||
      a->time_stop != b->time_stop || !strv_equal(a->extra_times, b->extra_times) ||
      !STR_EQ(a->msid_semantic, b->msid_semantic) || !STR_EQ(a->ice_ufrag, b->ice_ufrag) ||
      !STR_EQ(a->ice_pwd, b->ice_pwd) || !STR_EQ(a->ice_options, b->ice_options) ||
      a->ice_lite != b->ice_lite || !fingerprints_equal(a->fingerprints, b->fingerprints) ||
      a->setup != b->setup || a->direction != b->direction ||
      !attrs_equal(a->attributes, b->attributes) || a->groups->len != b->groups->len ||
      a->media->len != b->media->len)
    return FALSE;
  for (guint i = 0; i < a->groups->len; i++) {
    const sdp_group *x = &g_array_index(a->groups, sdp_group, i);
    const sdp_group *y = &g_array_index(b->groups, sdp_group, i);
    if (!STR_EQ(x->semantics, y->semantics) || !strv_equal(x->mids, y->mids))
      return FALSE;
  }
  for (guint i = 0; i < a->media->len; i++)
    if (!media_equal(a->media->pdata[i], b->media->pdata[i]))
      return FALSE;
  return TRUE;
}

/* --- lookups --- */

sdp_direction
sdp_media_direction(const sdp_session *s, const sdp_media *m)
{
  if (m->direction != SDP_DIRECTION_NONE)
    return m->direction;
  if (s->direction != SDP_DIRECTION_NONE)
    return s->direction;
  return SDP_DIRECTION_SENDRECV;
}

const GArray *
sdp_media_fingerprints(const sdp_session *s, const sdp_media *m)
{
  return m->fingerprints->len ? m->fingerprints : s->fingerprints;
}

sdp_setup
sdp_media_setup(const sdp_session *s, const sdp_media *m)
{
  return m->setup != SDP_SETUP_NONE ? m->setup : s->setup;
}

gboolean
sdp_media_ice_credentials(const sdp_session *s, const sdp_media *m, const char **ufrag,
                          const char **pwd)
{
  const char *u = m->ice_ufrag ? m->ice_ufrag : s->ice_ufrag;
  const char *p = m->ice_pwd ? m->ice_pwd : s->ice_pwd;
  if (ufrag)
    *ufrag = u;
  if (pwd)
    *pwd = p;
  return u && p;
}

static gboolean
options_have(const char *options, const char *option)
{
  if (!options)
    return FALSE;
  g_auto(GStrv) words = g_strsplit_set(options, " \t", -1);
  for (guint i = 0; words[i]; i++)
    if (strcmp(words[i], option) == 0)
      return TRUE;
  return FALSE;
}

gboolean
sdp_media_has_ice_option(const sdp_session *s, const sdp_media *m, const char *option)
{
  return options_have(m->ice_options, option) || options_have(s->ice_options, option);
}

const sdp_rtpmap *
sdp_media_rtpmap(const sdp_media *m, guint pt)
{
  for (guint i = 0; i < m->rtpmaps->len; i++)
    if (g_array_index(m->rtpmaps, sdp_rtpmap, i).pt == pt)
      return &g_array_index(m->rtpmaps, sdp_rtpmap, i);
  return NULL;
}

const char *
sdp_media_fmtp(const sdp_media *m, guint pt)
{
  for (guint i = 0; i < m->fmtps->len; i++)
    if (g_array_index(m->fmtps, sdp_fmtp, i).pt == pt)
      return g_array_index(m->fmtps, sdp_fmtp, i).params;
  return NULL;
}

const sdp_group *
sdp_session_group(const sdp_session *s, const char *semantics)
{
  for (guint i = 0; i < s->groups->len; i++)
    if (g_ascii_strcasecmp(g_array_index(s->groups, sdp_group, i).semantics, semantics) == 0)
      return &g_array_index(s->groups, sdp_group, i);
  return NULL;
}

gboolean
sdp_media_is_rejected(const sdp_media *m)
{
  return m->port == 0 && !m->bundle_only;
}

gboolean
sdp_proto_is_rtp(const char *proto)
{
  static const char *rtp[] = { "RTP/AVP",          "RTP/SAVP",          "RTP/AVPF",
                               "RTP/SAVPF",        "UDP/TLS/RTP/SAVP",  "UDP/TLS/RTP/SAVPF",
                               "TCP/TLS/RTP/SAVP", "TCP/TLS/RTP/SAVPF", "TCP/RTP/AVP" };
  if (!proto)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(rtp); i++)
    if (g_ascii_strcasecmp(proto, rtp[i]) == 0)
      return TRUE;
  return FALSE;
}
