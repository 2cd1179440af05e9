/* SDP writer: the data model back to text with CRLF line ends. The order is
 * fixed (see sdp.h), so parse(write(s)) gives s back field for field. */
#define G_LOG_DOMAIN "rtc2sip-sdp"
#include <string.h>

#include "signalling/sdp/sdp.h"

static void
line(GString *out, char type, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
line(GString *out, char type, const char *fmt, ...)
{
  va_list ap;
  g_string_append_c(out, type);
  g_string_append_c(out, '=');
  va_start(ap, fmt);
  g_string_append_vprintf(out, fmt, ap);
  va_end(ap);
  g_string_append(out, "\r\n");
}

static void
write_lines(GString *out, const GArray *lines, const char *types)
{
  for (const char *t = types; *t; t++)
    for (guint i = 0; i < lines->len; i++) {
      const sdp_line *l = &g_array_index(lines, sdp_line, i);
      if (l->type == *t)
        line(out, l->type, "%s", l->value);
    }
}

static void
write_connection(GString *out, const sdp_connection *c)
{
  if (c->address)
    line(out, 'c', "%s %s %s", c->nettype, c->addrtype, c->address);
}

static void
write_bandwidths(GString *out, const GArray *b)
{
  for (guint i = 0; i < b->len; i++) {
    const sdp_bandwidth *bw = &g_array_index(b, sdp_bandwidth, i);
    line(out, 'b', "%s:%" G_GUINT64_FORMAT, bw->type, bw->value);
  }
}

static void
write_attrs(GString *out, const GArray *attrs)
{
  for (guint i = 0; i < attrs->len; i++) {
    const sdp_attr *a = &g_array_index(attrs, sdp_attr, i);
    if (a->value)
      line(out, 'a', "%s:%s", a->name, a->value);
    else
      line(out, 'a', "%s", a->name);
  }
}

static void
write_ice(GString *out, const char *ufrag, const char *pwd, const char *options)
{
  if (ufrag)
    line(out, 'a', "ice-ufrag:%s", ufrag);
  if (pwd)
    line(out, 'a', "ice-pwd:%s", pwd);
  if (options)
    line(out, 'a', "ice-options:%s", options);
}

static void
write_dtls(GString *out, const GArray *fingerprints, sdp_setup setup)
{
  char buf[FINGERPRINT_MAX_TEXT];
  for (guint i = 0; i < fingerprints->len; i++)
    line(out, 'a', "fingerprint:%s", fingerprint_format(&g_array_index(fingerprints, fingerprint, i), buf));
  if (setup != SDP_SETUP_NONE)
    line(out, 'a', "setup:%s", sdp_setup_name(setup));
}

static void
write_media(GString *out, const sdp_media *m)
{
  g_string_append_printf(out, "m=%s %u", m->media, m->port);
  if (m->port_count)
    g_string_append_printf(out, "/%u", m->port_count);
  g_string_append_printf(out, " %s", m->proto ? m->proto : "RTP/AVP");
  for (guint i = 0; i < m->formats->len; i++)
    g_string_append_printf(out, " %s", (const char *)m->formats->pdata[i]);
  g_string_append(out, "\r\n");

  write_lines(out, m->lines, "i");
  write_connection(out, &m->connection);
  write_bandwidths(out, m->bandwidths);
  write_lines(out, m->lines, "k");

  if (m->has_rtcp) {
    if (m->rtcp_connection.address)
      line(out, 'a', "rtcp:%u %s %s %s", m->rtcp_port, m->rtcp_connection.nettype,
           m->rtcp_connection.addrtype, m->rtcp_connection.address);
    else
      line(out, 'a', "rtcp:%u", m->rtcp_port);
  }
  for (guint i = 0; i < m->candidates->len; i++) {
    g_autofree char *c = sdp_candidate_write_value(m->candidates->pdata[i]);
    line(out, 'a', "candidate:%s", c);
  }
  if (m->end_of_candidates)
    line(out, 'a', "end-of-candidates");
  write_ice(out, m->ice_ufrag, m->ice_pwd, m->ice_options);
  write_dtls(out, m->fingerprints, m->setup);
  if (m->mid)
    line(out, 'a', "mid:%s", m->mid);
  if (m->bundle_only)
    line(out, 'a', "bundle-only");
  for (guint i = 0; i < m->extmaps->len; i++) {
    const sdp_extmap *e = &g_array_index(m->extmaps, sdp_extmap, i);
    g_string_append_printf(out, "a=extmap:%u", e->id);
    if (e->direction != SDP_DIRECTION_NONE)
      g_string_append_printf(out, "/%s", sdp_direction_name(e->direction));
    g_string_append_printf(out, " %s", e->uri);
    if (e->attributes)
      g_string_append_printf(out, " %s", e->attributes);
    g_string_append(out, "\r\n");
  }
  if (m->direction != SDP_DIRECTION_NONE)
    line(out, 'a', "%s", sdp_direction_name(m->direction));
  for (guint i = 0; i < m->msids->len; i++) {
    const sdp_msid *ms = &g_array_index(m->msids, sdp_msid, i);
    if (ms->track)
      line(out, 'a', "msid:%s %s", ms->stream, ms->track);
    else
      line(out, 'a', "msid:%s", ms->stream);
  }
  if (m->rtcp_mux)
    line(out, 'a', "rtcp-mux");
  if (m->rtcp_mux_only)
    line(out, 'a', "rtcp-mux-only");
  if (m->rtcp_rsize)
    line(out, 'a', "rtcp-rsize");
  for (guint i = 0; i < m->rtpmaps->len; i++) {
    const sdp_rtpmap *r = &g_array_index(m->rtpmaps, sdp_rtpmap, i);
    if (r->channels)
      line(out, 'a', "rtpmap:%u %s/%u/%u", r->pt, r->encoding, r->clock_rate, r->channels);
    else
      line(out, 'a', "rtpmap:%u %s/%u", r->pt, r->encoding, r->clock_rate);
  }
  for (guint i = 0; i < m->rtcp_fbs->len; i++) {
    const sdp_rtcp_fb *f = &g_array_index(m->rtcp_fbs, sdp_rtcp_fb, i);
    g_string_append(out, "a=rtcp-fb:");
    if (f->pt < 0)
      g_string_append_c(out, '*');
    else
      g_string_append_printf(out, "%d", f->pt);
    g_string_append_printf(out, " %s", f->type);
    if (f->params)
      g_string_append_printf(out, " %s", f->params);
    g_string_append(out, "\r\n");
  }
  for (guint i = 0; i < m->fmtps->len; i++) {
    const sdp_fmtp *f = &g_array_index(m->fmtps, sdp_fmtp, i);
    if (f->params && *f->params)
      line(out, 'a', "fmtp:%u %s", f->pt, f->params);
    else
      line(out, 'a', "fmtp:%u", f->pt);
  }
  for (guint i = 0; i < m->ssrc_groups->len; i++) {
    const sdp_ssrc_group *g = &g_array_index(m->ssrc_groups, sdp_ssrc_group, i);
    g_string_append_printf(out, "a=ssrc-group:%s", g->semantics);
    for (guint j = 0; j < g->ssrcs->len; j++)
      g_string_append_printf(out, " %u", g_array_index(g->ssrcs, guint32, j));
    g_string_append(out, "\r\n");
  }
  for (guint i = 0; i < m->ssrcs->len; i++) {
    const sdp_ssrc *s = &g_array_index(m->ssrcs, sdp_ssrc, i);
    if (s->value)
      line(out, 'a', "ssrc:%u %s:%s", s->ssrc, s->attribute, s->value);
    else
      line(out, 'a', "ssrc:%u %s", s->ssrc, s->attribute);
  }
  for (guint i = 0; i < m->crypto->len; i++)
    line(out, 'a', "crypto:%s", (const char *)m->crypto->pdata[i]);
  write_attrs(out, m->attributes);
}

char *
sdp_session_write(const sdp_session *s)
{
  GString *out = g_string_sized_new(1024);

  line(out, 'v', "%u", s->version);
  line(out, 'o', "%s %s %s %s %s %s", s->origin_username ? s->origin_username : "-",
       s->origin_sess_id ? s->origin_sess_id : "0",
       s->origin_sess_version ? s->origin_sess_version : "0",
       s->origin_nettype ? s->origin_nettype : "IN",
       s->origin_addrtype ? s->origin_addrtype : "IP4",
       s->origin_address ? s->origin_address : "127.0.0.1");
  /* An empty name is written "s= " (RFC 8866 §5.3's advice). */
  line(out, 's', "%s", s->name && *s->name ? s->name : " ");
  write_lines(out, s->lines, "iuep");
  write_connection(out, &s->connection);
  write_bandwidths(out, s->bandwidths);
  line(out, 't', "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, s->time_start, s->time_stop);
  write_lines(out, s->lines, "r");
  for (guint i = 0; i < s->extra_times->len; i++)
    line(out, 't', "%s", (const char *)s->extra_times->pdata[i]);
  write_lines(out, s->lines, "zk");

  for (guint i = 0; i < s->groups->len; i++) {
    const sdp_group *g = &g_array_index(s->groups, sdp_group, i);
    g_string_append_printf(out, "a=group:%s", g->semantics);
    for (guint j = 0; j < g->mids->len; j++)
      g_string_append_printf(out, " %s", (const char *)g->mids->pdata[j]);
    g_string_append(out, "\r\n");
  }
  if (s->ice_lite)
    line(out, 'a', "ice-lite");
  write_ice(out, s->ice_ufrag, s->ice_pwd, s->ice_options);
  write_dtls(out, s->fingerprints, s->setup);
  if (s->direction != SDP_DIRECTION_NONE)
    line(out, 'a', "%s", sdp_direction_name(s->direction));
  if (s->msid_semantic)
    line(out, 'a', "msid-semantic: %s", s->msid_semantic);
  write_attrs(out, s->attributes);

  for (guint i = 0; i < s->media->len; i++)
    write_media(out, s->media->pdata[i]);
  return g_string_free(out, FALSE);
}
