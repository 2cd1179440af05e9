/* SDP parser (RFC 8866 and the attributes listed in sdp.h). The policy,
 * strict and lenient, is described at the top of sdp.h. */
#define G_LOG_DOMAIN "rtc2sip-sdp"
#include <errno.h>
#include <string.h>

#include "signalling/sdp/sdp.h"
#include "signalling/sdp/sdp_private.h"

#define FAIL(code, why)                                                                            \
  do {                                                                                             \
    *reason = (why);                                                                               \
    return (code);                                                                                 \
  } while (0)

/* Splits off the next token of CUR into a new string, or returns NULL. */
static char *
next_token_dup(sdp_cursor *cur)
{
  const char *tok;
  gsize len;
  if (!sdp_cursor_token(cur, &tok, &len))
    return NULL;
  return g_strndup(tok, len);
}

static gboolean
is_ice_chars(const char *s)
{
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum(*s) && *s != '+' && *s != '/')
      return FALSE;
  return TRUE;
}

/* The rest of CUR as a new string, or NULL when nothing is left. */
static char *
rest_dup(sdp_cursor *cur)
{
  if (!sdp_cursor_more(cur))
    return NULL;
  return g_strndup(cur->p, cur->end - cur->p);
}

/* "IN IP4 192.0.2.1": three tokens, nothing after. */
static int
parse_connection(const char *v, gsize len, sdp_connection *out, const char **reason)
{
  sdp_cursor cur = { v, v + len };
  char *nettype = next_token_dup(&cur);
  char *addrtype = next_token_dup(&cur);
  char *address = next_token_dup(&cur);
  if (!address || sdp_cursor_more(&cur) || !sdp_is_token(nettype, strlen(nettype)) ||
      !sdp_is_token(addrtype, strlen(addrtype))) {
    g_free(nettype);
    g_free(addrtype);
    g_free(address);
    FAIL(-EINVAL, "c= is not \"NETTYPE ADDRTYPE ADDRESS\"");
  }
  out->nettype = nettype;
  out->addrtype = addrtype;
  out->address = address;
  return 0;
}

static int
parse_bandwidth(const char *v, gsize len, GArray *into, const char **reason)
{
  const char *colon = memchr(v, ':', len);
  guint64 value;
  if (!colon || !sdp_is_token(v, colon - v))
    FAIL(-EINVAL, "b= is not \"TYPE:VALUE\"");
  if (!sdp_parse_uint(colon + 1, v + len - colon - 1, G_MAXUINT64, &value))
    FAIL(-ERANGE, "b= value is not a number");
  sdp_bandwidth b = { g_strndup(v, colon - v), value };
  g_array_append_val(into, b);
  return 0;
}

static int
parse_origin(sdp_session *s, const char *v, gsize len, const char **reason)
{
  sdp_cursor cur = { v, v + len };
  char *f[6];
  guint n = 0;
  while (n < 6 && (f[n] = next_token_dup(&cur)))
    n++;
  if (n < 6 || sdp_cursor_more(&cur)) {
    for (guint i = 0; i < n; i++)
      g_free(f[i]);
    FAIL(-EINVAL, "o= does not have six fields");
  }
  s->origin_username = f[0];
  s->origin_sess_id = f[1];
  s->origin_sess_version = f[2];
  s->origin_nettype = f[3];
  s->origin_addrtype = f[4];
  s->origin_address = f[5];
  for (int i = 1; i <= 2; i++) {
    gsize l = strlen(f[i]);
    if (l == 0 || l > 64 || strspn(f[i], "0123456789") != l)
      FAIL(-EINVAL, "o= session id or version is not a number");
  }
  return 0;
}

static int
parse_time(sdp_session *s, gboolean first, const char *v, gsize len, const char **reason)
{
  sdp_cursor cur = { v, v + len };
  const char *a, *b;
  gsize al, bl;
  guint64 start, stop;
  if (!sdp_cursor_token(&cur, &a, &al) || !sdp_cursor_token(&cur, &b, &bl) ||
      sdp_cursor_more(&cur))
    FAIL(-EINVAL, "t= is not \"START STOP\"");
  if (!sdp_parse_uint(a, al, G_MAXUINT64, &start) || !sdp_parse_uint(b, bl, G_MAXUINT64, &stop))
    FAIL(-ERANGE, "t= times are not numbers");
  if (first) {
    s->time_start = start;
    s->time_stop = stop;
  } else {
    g_ptr_array_add(s->extra_times, g_strndup(v, len));
  }
  return 0;
}

static int
parse_media_line(sdp_media *m, const char *v, gsize len, const char **reason)
{
  sdp_cursor cur = { v, v + len };
  const char *tok;
  gsize tlen;
  guint64 n;

  if (!sdp_cursor_token(&cur, &tok, &tlen) || !sdp_is_token(tok, tlen))
    FAIL(-EINVAL, "m= media is not a token");
  g_free(m->media);
  m->media = g_strndup(tok, tlen);
  if (strcmp(m->media, "audio") == 0)
    m->type = SDP_MEDIA_AUDIO;
  else if (strcmp(m->media, "video") == 0)
    m->type = SDP_MEDIA_VIDEO;
  else if (strcmp(m->media, "application") == 0)
    m->type = SDP_MEDIA_APPLICATION;
  else
    m->type = SDP_MEDIA_OTHER;

  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "m= ends before its port");
  const char *slash = memchr(tok, '/', tlen);
  gsize plen = slash ? (gsize)(slash - tok) : tlen;
  if (!sdp_parse_uint(tok, plen, 65535, &n))
    FAIL(-ERANGE, "m= port is not a number from 0 to 65535");
  m->port = n;
  if (slash) {
    if (!sdp_parse_uint(slash + 1, tok + tlen - slash - 1, 65535, &n) || n == 0)
      FAIL(-ERANGE, "m= port count is not a number from 1 to 65535");
    m->port_count = n;
  }

  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "m= ends before its proto");
  /* proto = token *("/" token) */
  for (gsize i = 0, start = 0; i <= tlen; i++) {
    if (i == tlen || tok[i] == '/') {
      if (!sdp_is_token(tok + start, i - start))
        FAIL(-EINVAL, "m= proto is not TOKEN/TOKEN…");
      start = i + 1;
    }
  }
  m->proto = g_strndup(tok, tlen);
  gboolean rtp = sdp_proto_is_rtp(m->proto);

  while (sdp_cursor_token(&cur, &tok, &tlen)) {
    if (rtp) {
      if (!sdp_parse_uint(tok, tlen, 127, &n))
        FAIL(-EINVAL, "m= format of an RTP profile is not a payload type from 0 to 127");
    } else if (!sdp_is_token(tok, tlen)) {
      FAIL(-EINVAL, "m= format is not a token");
    }
    g_ptr_array_add(m->formats, g_strndup(tok, tlen));
  }
  if (m->formats->len == 0)
    FAIL(-EINVAL, "m= has no format");
  return 0;
}

static int
parse_direction(const char *name, sdp_direction *out)
{
  static const char *names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };
  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    if (g_ascii_strcasecmp(name, names[i]) == 0) {
      *out = SDP_DIRECTION_SENDRECV + i;
      return 0;
    }
  return -ENOENT;
}

static int
parse_setup(const char *value, sdp_setup *out, const char **reason)
{
  static const char *names[] = { "actpass", "active", "passive", "holdconn" };
  for (guint i = 0; value && i < G_N_ELEMENTS(names); i++)
    if (g_ascii_strcasecmp(value, names[i]) == 0) {
      *out = SDP_SETUP_ACTPASS + i;
      return 0;
    }
  FAIL(-EINVAL, "a=setup is not actpass, active, passive or holdconn");
}

static int
parse_fingerprint(const char *value, GArray *into, const char **reason)
{
  fingerprint fp;
  int rc;
  if (!value)
    FAIL(-EINVAL, "a=fingerprint without a value");
  rc = fingerprint_parse(value, strlen(value), &fp, reason);
  if (rc < 0)
    return rc;
  g_array_append_val(into, fp);
  return 0;
}

/* ice-ufrag, ice-pwd (RFC 8839 §5.4: 1*ice-char; the 4 and 22 character
 * minimums are checked by the answer rules, not here) and ice-options. */
static int
parse_ice(const char *name, const char *value, char **ufrag, char **pwd, char **options,
          const char **reason)
{
  if (g_ascii_strcasecmp(name, "ice-options") == 0) {
    if (!value || !*value)
      FAIL(-EINVAL, "a=ice-options without a value");
    g_free(*options);
    *options = g_strdup(value);
    return 0;
  }
  if (!value || !is_ice_chars(value) || strlen(value) > 256)
    FAIL(-EINVAL, "a=ice-ufrag or a=ice-pwd is not 1 to 256 of ALPHA / DIGIT / + / /");
  char **slot = g_ascii_strcasecmp(name, "ice-ufrag") == 0 ? ufrag : pwd;
  g_free(*slot);
  *slot = g_strdup(value);
  return 0;
}

static int
parse_group(sdp_session *s, const char *value, const char **reason)
{
  if (!value)
    FAIL(-EINVAL, "a=group without a value");
  sdp_cursor cur = { value, value + strlen(value) };
  const char *tok;
  gsize tlen;
  if (!sdp_cursor_token(&cur, &tok, &tlen) || !sdp_is_token(tok, tlen))
    FAIL(-EINVAL, "a=group semantics is not a token");
  sdp_group g = { g_strndup(tok, tlen), g_ptr_array_new_with_free_func(g_free) };
  g_array_append_val(s->groups, g);
  while (sdp_cursor_token(&cur, &tok, &tlen)) {
    if (!sdp_is_token(tok, tlen))
      FAIL(-EINVAL, "a=group identification tag is not a token");
    g_ptr_array_add(g.mids, g_strndup(tok, tlen));
  }
  return 0;
}

static int
parse_rtpmap(sdp_media *m, const char *value, const char **reason)
{
  const char *v = value ? value : "";
  sdp_cursor cur = { v, v + strlen(v) };
  const char *tok;
  gsize tlen;
  guint64 pt, clock, channels = 0;
  if (!sdp_cursor_token(&cur, &tok, &tlen) || !sdp_parse_uint(tok, tlen, 127, &pt))
    FAIL(-EINVAL, "a=rtpmap payload type is not a number from 0 to 127");
  if (!sdp_cursor_token(&cur, &tok, &tlen) || sdp_cursor_more(&cur))
    FAIL(-EINVAL, "a=rtpmap is not \"PT ENCODING/CLOCK[/CHANNELS]\"");
  const char *end = tok + tlen;
  const char *s1 = memchr(tok, '/', tlen);
  if (!s1 || s1 == tok || !sdp_is_token(tok, s1 - tok))
    FAIL(-EINVAL, "a=rtpmap encoding name is missing or not a token");
  const char *s2 = memchr(s1 + 1, '/', end - s1 - 1);
  const char *cend = s2 ? s2 : end;
  if (!sdp_parse_uint(s1 + 1, cend - s1 - 1, G_MAXUINT32, &clock) || clock == 0)
    FAIL(-ERANGE, "a=rtpmap clock rate is not a positive number");
  if (s2 && (!sdp_parse_uint(s2 + 1, end - s2 - 1, 255, &channels) || channels == 0))
    FAIL(-ERANGE, "a=rtpmap channel count is not a number from 1 to 255");
  sdp_rtpmap r = { pt, g_strndup(tok, s1 - tok), clock, channels };
  g_array_append_val(m->rtpmaps, r);
  return 0;
}

static int
parse_fmtp(sdp_media *m, const char *value, const char **reason)
{
  const char *v = value ? value : "";
  sdp_cursor cur = { v, v + strlen(v) };
  const char *tok;
  gsize tlen;
  guint64 pt;
  if (!sdp_cursor_token(&cur, &tok, &tlen) || !sdp_parse_uint(tok, tlen, 127, &pt))
    FAIL(-EINVAL, "a=fmtp payload type is not a number from 0 to 127");
  /* "a=fmtp:18" with nothing after it happens in SIP phones' SDP: kept as
   * empty parameters. */
  char *params = rest_dup(&cur);
  sdp_fmtp f = { pt, params ? params : g_strdup("") };
  g_array_append_val(m->fmtps, f);
  return 0;
}

static int
parse_rtcp_fb(sdp_media *m, const char *value, const char **reason)
{
  const char *v = value ? value : "";
  sdp_cursor cur = { v, v + strlen(v) };
  const char *tok;
  gsize tlen;
  guint64 pt;
  gint ipt;
  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "a=rtcp-fb without a value");
  if (tlen == 1 && tok[0] == '*')
    ipt = -1;
  else if (sdp_parse_uint(tok, tlen, 127, &pt))
    ipt = pt;
  else
    FAIL(-EINVAL, "a=rtcp-fb payload type is not * or a number from 0 to 127");
  if (!sdp_cursor_token(&cur, &tok, &tlen) || !sdp_is_token(tok, tlen))
    FAIL(-EINVAL, "a=rtcp-fb feedback type is missing or not a token");
  sdp_rtcp_fb f = { ipt, g_strndup(tok, tlen), rest_dup(&cur) };
  g_array_append_val(m->rtcp_fbs, f);
  return 0;
}

static int
parse_extmap(sdp_media *m, const char *value, const char **reason)
{
  const char *v = value ? value : "";
  sdp_cursor cur = { v, v + strlen(v) };
  const char *tok;
  gsize tlen;
  guint64 id;
  sdp_direction dir = SDP_DIRECTION_NONE;
  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "a=extmap without a value");
  const char *slash = memchr(tok, '/', tlen);
  if (!sdp_parse_uint(tok, slash ? (gsize)(slash - tok) : tlen, 255, &id) || id == 0)
    FAIL(-ERANGE, "a=extmap id is not a number from 1 to 255");
  if (slash) {
    g_autofree char *d = g_strndup(slash + 1, tok + tlen - slash - 1);
    if (parse_direction(d, &dir) < 0)
      FAIL(-EINVAL, "a=extmap direction is not sendrecv, sendonly, recvonly or inactive");
  }
  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "a=extmap has no URI");
  sdp_extmap e = { id, dir, g_strndup(tok, tlen), rest_dup(&cur) };
  g_array_append_val(m->extmaps, e);
  return 0;
}

static int
parse_ssrc(sdp_media *m, const char *value, const char **reason)
{
  const char *v = value ? value : "";
  sdp_cursor cur = { v, v + strlen(v) };
  const char *tok;
  gsize tlen;
  guint64 ssrc;
  if (!sdp_cursor_token(&cur, &tok, &tlen) || !sdp_parse_uint(tok, tlen, G_MAXUINT32, &ssrc))
    FAIL(-EINVAL, "a=ssrc id is not a number from 0 to 4294967295");
  if (!sdp_cursor_more(&cur))
    FAIL(-EINVAL, "a=ssrc has no attribute");
  const char *attr = cur.p;
  const char *colon = memchr(attr, ':', cur.end - attr);
  gsize alen = colon ? (gsize)(colon - attr) : (gsize)(cur.end - attr);
  if (!sdp_is_token(attr, alen))
    FAIL(-EINVAL, "a=ssrc attribute name is not a token");
  sdp_ssrc s = { ssrc, g_strndup(attr, alen), colon ? g_strndup(colon + 1, cur.end - colon - 1) : NULL };
  g_array_append_val(m->ssrcs, s);
  return 0;
}

static int
parse_ssrc_group(sdp_media *m, const char *value, const char **reason)
{
  const char *v = value ? value : "";
  sdp_cursor cur = { v, v + strlen(v) };
  const char *tok;
  gsize tlen;
  guint64 n;
  if (!sdp_cursor_token(&cur, &tok, &tlen) || !sdp_is_token(tok, tlen))
    FAIL(-EINVAL, "a=ssrc-group semantics is missing or not a token");
  sdp_ssrc_group g = { g_strndup(tok, tlen), g_array_new(FALSE, FALSE, sizeof(guint32)) };
  g_array_append_val(m->ssrc_groups, g);
  while (sdp_cursor_token(&cur, &tok, &tlen)) {
    if (!sdp_parse_uint(tok, tlen, G_MAXUINT32, &n))
      FAIL(-EINVAL, "a=ssrc-group member is not an SSRC number");
    guint32 ssrc = n;
    g_array_append_val(g.ssrcs, ssrc);
  }
  return 0;
}

static int
parse_msid(sdp_media *m, const char *value, const char **reason)
{
  const char *v = value ? value : "";
  sdp_cursor cur = { v, v + strlen(v) };
  const char *tok;
  gsize tlen;
  if (!sdp_cursor_token(&cur, &tok, &tlen) || !sdp_is_token(tok, tlen))
    FAIL(-EINVAL, "a=msid stream id is missing or not a token");
  char *stream = g_strndup(tok, tlen);
  char *track = NULL;
  if (sdp_cursor_token(&cur, &tok, &tlen)) {
    if (!sdp_is_token(tok, tlen) || sdp_cursor_more(&cur)) {
      g_free(stream);
      FAIL(-EINVAL, "a=msid track id is not a single token");
    }
    track = g_strndup(tok, tlen);
  }
  sdp_msid ms = { stream, track };
  g_array_append_val(m->msids, ms);
  return 0;
}

static int
parse_rtcp(sdp_media *m, const char *value, const char **reason)
{
  const char *v = value ? value : "";
  sdp_cursor cur = { v, v + strlen(v) };
  const char *tok;
  gsize tlen;
  guint64 port;
  if (!sdp_cursor_token(&cur, &tok, &tlen) || !sdp_parse_uint(tok, tlen, 65535, &port))
    FAIL(-ERANGE, "a=rtcp port is not a number from 0 to 65535");
  /* A repeated a=rtcp replaces the earlier one. */
  g_clear_pointer(&m->rtcp_connection.nettype, g_free);
  g_clear_pointer(&m->rtcp_connection.addrtype, g_free);
  g_clear_pointer(&m->rtcp_connection.address, g_free);
  if (sdp_cursor_more(&cur)) {
    int rc = parse_connection(cur.p, cur.end - cur.p, &m->rtcp_connection, reason);
    if (rc < 0)
      FAIL(rc, "a=rtcp address is not \"NETTYPE ADDRTYPE ADDRESS\"");
  }
  m->has_rtcp = TRUE;
  m->rtcp_port = port;
  return 0;
}

static void
keep_attr(GArray *into, const char *name, const char *value)
{
  sdp_attr a = { g_strdup(name), g_strdup(value) };
  g_array_append_val(into, a);
}

static int
session_attr(sdp_session *s, const char *name, const char *value, const char **reason)
{
  sdp_direction dir;
  if (g_ascii_strcasecmp(name, "group") == 0)
    return parse_group(s, value, reason);
  if (g_ascii_strcasecmp(name, "msid-semantic") == 0 && value) {
    while (sdp_is_space(*value))
      value++;
    g_free(s->msid_semantic);
    s->msid_semantic = g_strdup(value);
    return 0;
  }
  if (g_ascii_strcasecmp(name, "ice-ufrag") == 0 || g_ascii_strcasecmp(name, "ice-pwd") == 0 ||
      g_ascii_strcasecmp(name, "ice-options") == 0)
    return parse_ice(name, value, &s->ice_ufrag, &s->ice_pwd, &s->ice_options, reason);
  if (g_ascii_strcasecmp(name, "ice-lite") == 0 && !value) {
    s->ice_lite = TRUE;
    return 0;
  }
  if (g_ascii_strcasecmp(name, "fingerprint") == 0)
    return parse_fingerprint(value, s->fingerprints, reason);
  if (g_ascii_strcasecmp(name, "setup") == 0)
    return parse_setup(value, &s->setup, reason);
  if (!value && parse_direction(name, &dir) == 0) {
    s->direction = dir;
    return 0;
  }
  keep_attr(s->attributes, name, value);
  return 0;
}

static int
media_attr(sdp_media *m, const char *name, const char *value, const char **reason)
{
  sdp_direction dir;
  gboolean rtp = sdp_proto_is_rtp(m->proto);
  if (g_ascii_strcasecmp(name, "mid") == 0) {
    if (!value || !sdp_is_token(value, strlen(value)))
      FAIL(-EINVAL, "a=mid is not a token");
    g_free(m->mid);
    m->mid = g_strdup(value);
    return 0;
  }
  if (!value && parse_direction(name, &dir) == 0) {
    m->direction = dir;
    return 0;
  }
  if (g_ascii_strcasecmp(name, "ice-ufrag") == 0 || g_ascii_strcasecmp(name, "ice-pwd") == 0 ||
      g_ascii_strcasecmp(name, "ice-options") == 0)
    return parse_ice(name, value, &m->ice_ufrag, &m->ice_pwd, &m->ice_options, reason);
  if (g_ascii_strcasecmp(name, "fingerprint") == 0)
    return parse_fingerprint(value, m->fingerprints, reason);
  if (g_ascii_strcasecmp(name, "setup") == 0)
    return parse_setup(value, &m->setup, reason);
  if (!value) {
    gboolean *flag = NULL;
    if (g_ascii_strcasecmp(name, "rtcp-mux") == 0)
      flag = &m->rtcp_mux;
    else if (g_ascii_strcasecmp(name, "rtcp-mux-only") == 0)
      flag = &m->rtcp_mux_only;
    else if (g_ascii_strcasecmp(name, "rtcp-rsize") == 0)
      flag = &m->rtcp_rsize;
    else if (g_ascii_strcasecmp(name, "bundle-only") == 0)
      flag = &m->bundle_only;
    else if (g_ascii_strcasecmp(name, "end-of-candidates") == 0)
      flag = &m->end_of_candidates;
    if (flag) {
      *flag = TRUE;
      return 0;
    }
  }
  if (g_ascii_strcasecmp(name, "rtcp") == 0)
    return parse_rtcp(m, value, reason);
  if (g_ascii_strcasecmp(name, "candidate") == 0 && value) {
    sdp_candidate *c = NULL;
    const char *why = NULL;
    if (sdp_candidate_parse_value(value, strlen(value), &c, &why) == 0) {
      g_ptr_array_add(m->candidates, c);
      return 0;
    }
    g_debug("keeping a candidate we cannot parse as a plain attribute: %s", why);
    keep_attr(m->attributes, name, value);
    return 0;
  }
  if (g_ascii_strcasecmp(name, "crypto") == 0 && value) {
    g_ptr_array_add(m->crypto, g_strdup(value));
    return 0;
  }
  if (g_ascii_strcasecmp(name, "extmap") == 0)
    return parse_extmap(m, value, reason);
  if (g_ascii_strcasecmp(name, "ssrc") == 0)
    return parse_ssrc(m, value, reason);
  if (g_ascii_strcasecmp(name, "ssrc-group") == 0)
    return parse_ssrc_group(m, value, reason);
  if (g_ascii_strcasecmp(name, "msid") == 0)
    return parse_msid(m, value, reason);
  if (rtp) {
    if (g_ascii_strcasecmp(name, "rtpmap") == 0)
      return parse_rtpmap(m, value, reason);
    if (g_ascii_strcasecmp(name, "fmtp") == 0)
      return parse_fmtp(m, value, reason);
    if (g_ascii_strcasecmp(name, "rtcp-fb") == 0)
      return parse_rtcp_fb(m, value, reason);
  }
  keep_attr(m->attributes, name, value);
  return 0;
}

/* Splits "a=" VALUE into NAME and optional VALUE and hands it on. */
static int
parse_attribute(sdp_session *s, sdp_media *m, const char *v, gsize len, const char **reason)
{
  const char *colon = memchr(v, ':', len);
  gsize nlen = colon ? (gsize)(colon - v) : len;
  if (!sdp_is_token(v, nlen))
    FAIL(-EINVAL, "attribute name is not a token");
  g_autofree char *name = g_strndup(v, nlen);
  g_autofree char *value = colon ? g_strndup(colon + 1, v + len - colon - 1) : NULL;
  return m ? media_attr(m, name, value, reason) : session_attr(s, name, value, reason);
}

/* Keeps an i u e p r z k line. The lines are stored in RFC 8866 order of
 * their types (stable within a type), the order the writer emits them in. */
static void
keep_line(GArray *into, char type, const char *v, gsize len)
{
  static const char order[] = "iueprzk";
  sdp_line l = { type, g_strndup(v, len) };
  guint pos = into->len;
  while (pos > 0 && strchr(order, g_array_index(into, sdp_line, pos - 1).type) > strchr(order, type))
    pos--;
  g_array_insert_val(into, pos, l);
}

int
sdp_session_parse(const char *text, gsize len, guint flags, sdp_session **out, const char **reason)
{
  const char *unused;
  if (!reason)
    reason = &unused;
  *out = NULL;
  if (len > SDP_MAX_LENGTH)
    FAIL(-E2BIG, "SDP longer than 256 KiB");
  if (!text || len == 0)
    FAIL(-EPROTO, "empty SDP");
  if (memchr(text, '\0', len))
    FAIL(-EINVAL, "SDP contains a NUL byte");

  g_autoptr(sdp_session) s = sdp_session_new();
  sdp_media *m = NULL;
  const char *p = text, *end = text + len;
  guint n = 0;
  gboolean have_s = FALSE, have_t = FALSE, have_c = FALSE, media_c = FALSE;
  int rc;

  while (p < end) {
    const char *eol = memchr(p, '\n', end - p);
    const char *next = eol ? eol + 1 : end;
    const char *le = eol ? eol : end;
    while (le > p && (le[-1] == '\r' || sdp_is_space(le[-1])))
      le--;
    const char *line = p;
    gsize llen = le - p;
    p = next;
    if (llen == 0)
      continue; /* blank lines: lenient */
    if (memchr(line, '\r', llen))
      FAIL(-EINVAL, "SDP line contains a bare CR");
    if (llen < 2 || line[1] != '=' || !g_ascii_islower(line[0]))
      FAIL(-EINVAL, "SDP line is not \"TYPE=VALUE\"");
    char type = line[0];
    const char *v = line + 2;
    gsize vlen = llen - 2;

    if (n == 0) {
      if (type != 'v')
        FAIL(-EPROTO, "SDP does not start with v=");
      if (vlen != 1 || v[0] != '0')
        FAIL(-EINVAL, "SDP version is not 0");
      n++;
      continue;
    }
    if (n == 1) {
      if (type != 'o')
        FAIL(-EPROTO, "SDP line after v= is not o=");
      if ((rc = parse_origin(s, v, vlen, reason)) < 0)
        return rc;
      n++;
      continue;
    }
    n++;
    switch (type) {
    case 'v':
    case 'o':
      FAIL(-EPROTO, "second v= or o= line");
    case 's':
      if (m)
        FAIL(-EPROTO, "s= inside a media section");
      if (have_s)
        FAIL(-EPROTO, "second s= line");
      have_s = TRUE;
      s->name = g_strndup(v, vlen);
      break;
    case 't':
      if (m)
        FAIL(-EPROTO, "t= inside a media section");
      if ((rc = parse_time(s, !have_t, v, vlen, reason)) < 0)
        return rc;
      have_t = TRUE;
      break;
    case 'u':
    case 'e':
    case 'p':
    case 'r':
    case 'z':
      if (m)
        FAIL(-EPROTO, "session-level line (u e p r z) inside a media section");
      if (type == 'r' && !have_t)
        FAIL(-EPROTO, "r= before any t=");
      keep_line(s->lines, type, v, vlen);
      break;
    case 'i':
    case 'k':
      keep_line(m ? m->lines : s->lines, type, v, vlen);
      break;
    case 'c':
      if (m ? media_c : have_c)
        FAIL(-EPROTO, "second c= line in one section");
      if ((rc = parse_connection(v, vlen, m ? &m->connection : &s->connection, reason)) < 0)
        return rc;
      if (m)
        media_c = TRUE;
      else
        have_c = TRUE;
      break;
    case 'b':
      if ((rc = parse_bandwidth(v, vlen, m ? m->bandwidths : s->bandwidths, reason)) < 0)
        return rc;
      break;
    case 'a':
      if ((rc = parse_attribute(s, m, v, vlen, reason)) < 0)
        return rc;
      break;
    case 'm':
      m = sdp_media_new(SDP_MEDIA_OTHER);
      g_ptr_array_add(s->media, m);
      media_c = FALSE;
      if ((rc = parse_media_line(m, v, vlen, reason)) < 0)
        return rc;
      break;
    default:
      FAIL(-EINVAL, "SDP line of an unknown type");
    }
  }
  if (n < 2)
    FAIL(-EPROTO, "SDP ends before o=");
  if (!have_s) {
    if (!(flags & SDP_PARSE_ALLOW_MISSING_S_T))
      FAIL(-EPROTO, "SDP has no s= line");
    s->name = g_strdup("-");
  }
  if (!have_t && !(flags & SDP_PARSE_ALLOW_MISSING_S_T))
    FAIL(-EPROTO, "SDP has no t= line");
  *out = g_steal_pointer(&s);
  return 0;
}
