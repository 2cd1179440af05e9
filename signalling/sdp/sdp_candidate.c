/* ICE candidate attribute (RFC 8839 §5.1, RFC 6544 tcptype, and the
 * extension pairs browsers add: generation, ufrag, network-id, network-cost). */
#define G_LOG_DOMAIN "rtc2sip-sdp"
#include <errno.h>
#include <string.h>

#include "signalling/sdp/sdp_candidate.h"
#include "signalling/sdp/sdp_private.h"

static void
extension_clear(gpointer p)
{
  sdp_candidate_extension *e = p;
  g_free(e->name);
  g_free(e->value);
}

sdp_candidate *
sdp_candidate_new(void)
{
  sdp_candidate *c = g_new0(sdp_candidate, 1);
  c->component = 1;
  c->rport = -1;
  c->generation = -1;
  c->network_id = -1;
  c->network_cost = -1;
  c->extensions = g_array_new(FALSE, TRUE, sizeof(sdp_candidate_extension));
  g_array_set_clear_func(c->extensions, extension_clear);
  return c;
}

void
sdp_candidate_free(sdp_candidate *c)
{
  if (!c)
    return;
  g_free(c->foundation);
  g_free(c->address);
  g_free(c->raddr);
  g_free(c->ufrag);
  g_array_unref(c->extensions);
  g_free(c);
}

sdp_candidate *
sdp_candidate_copy(const sdp_candidate *c)
{
  sdp_candidate *n = sdp_candidate_new();
  GArray *ext = n->extensions;
  *n = *c;
  n->extensions = ext;
  n->foundation = g_strdup(c->foundation);
  n->address = g_strdup(c->address);
  n->raddr = g_strdup(c->raddr);
  n->ufrag = g_strdup(c->ufrag);
  for (guint i = 0; i < c->extensions->len; i++) {
    const sdp_candidate_extension *e = &g_array_index(c->extensions, sdp_candidate_extension, i);
    sdp_candidate_extension copy = { g_strdup(e->name), g_strdup(e->value) };
    g_array_append_val(n->extensions, copy);
  }
  return n;
}

const char *
sdp_candidate_type_name(sdp_candidate_type type)
{
  static const char *names[] = { "host", "srflx", "prflx", "relay" };
  return (guint)type < G_N_ELEMENTS(names) ? names[type] : "host";
}

const char *
sdp_candidate_transport_name(sdp_candidate_transport transport)
{
  return transport == SDP_CANDIDATE_TRANSPORT_TCP ? "tcp" : "udp";
}

const char *
sdp_candidate_tcptype_name(sdp_candidate_tcptype tcptype)
{
  static const char *names[] = { "", "active", "passive", "so" };
  return (guint)tcptype < G_N_ELEMENTS(names) ? names[tcptype] : "";
}

static gboolean
is_ice_char(char ch)
{
  return g_ascii_isalnum(ch) || ch == '+' || ch == '/';
}

/* Classifies a connection-address: IPv4, IPv6, an mDNS .local name or
 * another host name. FALSE when it is none of these. */
static gboolean
classify_address(const char *s, gsize len, sdp_candidate_address_kind *kind)
{
  if (len == 0 || len > 253)
    return FALSE;
  g_autofree char *copy = g_strndup(s, len);
  if (strlen(copy) != len)
    return FALSE;
  if (g_hostname_is_ip_address(copy)) {
    *kind = strchr(copy, ':') ? SDP_CANDIDATE_ADDRESS_IPV6 : SDP_CANDIDATE_ADDRESS_IPV4;
    return TRUE;
  }
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum(copy[i]) && copy[i] != '-' && copy[i] != '.' && copy[i] != '_')
      return FALSE;
  if (copy[0] == '.' || strstr(copy, ".."))
    return FALSE;
  /* A name made of digits and dots only is a broken IPv4 address. */
  if (strspn(copy, "0123456789.") == len)
    return FALSE;
  *kind = (len > 6 && g_ascii_strcasecmp(copy + len - 6, ".local") == 0) ? SDP_CANDIDATE_ADDRESS_MDNS
                                                                        : SDP_CANDIDATE_ADDRESS_FQDN;
  return TRUE;
}

#define FAIL(code, why)                                                                            \
  do {                                                                                             \
    *reason = (why);                                                                               \
    return (code);                                                                                 \
  } while (0)

int
sdp_candidate_parse_value(const char *text, gsize len, sdp_candidate **out, const char **reason)
{
  const char *unused;
  const char *tok;
  gsize tlen;
  guint64 v;

  if (!reason)
    reason = &unused;
  *out = NULL;
  if (!text)
    FAIL(-EINVAL, "empty candidate");
  sdp_cursor cur = { text, text + len };
  while (cur.end > cur.p && (sdp_is_space(cur.end[-1]) || cur.end[-1] == '\r' || cur.end[-1] == '\n'))
    cur.end--;
  if (!sdp_is_text(cur.p, cur.end - cur.p))
    FAIL(-EINVAL, "candidate contains a control character");

  g_autoptr(sdp_candidate) c = sdp_candidate_new();

  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "empty candidate");
  if (tlen > 32)
    FAIL(-EINVAL, "candidate foundation longer than 32 characters");
  for (gsize i = 0; i < tlen; i++)
    if (!is_ice_char(tok[i]))
      FAIL(-EINVAL, "candidate foundation has a character outside ALPHA / DIGIT / + / /");
  c->foundation = g_strndup(tok, tlen);

  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "candidate ends before its component id");
  if (!sdp_parse_uint(tok, tlen, 256, &v) || tlen > 3 || v == 0)
    FAIL(-ERANGE, "candidate component id is not a number from 1 to 256");
  c->component = v;

  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "candidate ends before its transport");
  if (sdp_range_equal(tok, tlen, "udp"))
    c->transport = SDP_CANDIDATE_TRANSPORT_UDP;
  else if (sdp_range_equal(tok, tlen, "tcp"))
    c->transport = SDP_CANDIDATE_TRANSPORT_TCP;
  else if (sdp_is_token(tok, tlen))
    FAIL(-ENOTSUP, "candidate transport is neither UDP nor TCP");
  else
    FAIL(-EINVAL, "candidate transport is not a token");

  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "candidate ends before its priority");
  if (!sdp_parse_uint(tok, tlen, G_MAXUINT32, &v) || tlen > 10)
    FAIL(-ERANGE, "candidate priority is not a number from 0 to 4294967295");
  c->priority = v;

  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "candidate ends before its address");
  if (!classify_address(tok, tlen, &c->address_kind))
    FAIL(-EINVAL, "candidate address is neither an IP address nor a host name");
  c->address = g_strndup(tok, tlen);

  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "candidate ends before its port");
  if (!sdp_parse_uint(tok, tlen, 65535, &v))
    FAIL(-ERANGE, "candidate port is not a number from 0 to 65535");
  c->port = v;

  if (!sdp_cursor_token(&cur, &tok, &tlen) || !sdp_range_equal(tok, tlen, "typ"))
    FAIL(-EINVAL, "candidate has no \"typ\" after its port");
  if (!sdp_cursor_token(&cur, &tok, &tlen))
    FAIL(-EINVAL, "candidate ends before its type");
  if (sdp_range_equal(tok, tlen, "host"))
    c->type = SDP_CANDIDATE_HOST;
  else if (sdp_range_equal(tok, tlen, "srflx"))
    c->type = SDP_CANDIDATE_SRFLX;
  else if (sdp_range_equal(tok, tlen, "prflx"))
    c->type = SDP_CANDIDATE_PRFLX;
  else if (sdp_range_equal(tok, tlen, "relay"))
    c->type = SDP_CANDIDATE_RELAY;
  else
    FAIL(-EINVAL, "candidate type is not host, srflx, prflx or relay");

  /* raddr/rport, then extension pairs, all "name SP value". */
  while (sdp_cursor_token(&cur, &tok, &tlen)) {
    const char *name = tok;
    gsize nlen = tlen;
    const char *val;
    gsize vlen;
    if (!sdp_cursor_token(&cur, &val, &vlen))
      FAIL(-EINVAL, "candidate extension has a name but no value");
    if (sdp_range_equal(name, nlen, "raddr")) {
      sdp_candidate_address_kind kind;
      if (!classify_address(val, vlen, &kind))
        FAIL(-EINVAL, "candidate raddr is neither an IP address nor a host name");
      g_free(c->raddr);
      c->raddr = g_strndup(val, vlen);
    } else if (sdp_range_equal(name, nlen, "rport")) {
      if (!sdp_parse_uint(val, vlen, 65535, &v))
        FAIL(-ERANGE, "candidate rport is not a number from 0 to 65535");
      c->rport = v;
    } else if (sdp_range_equal(name, nlen, "tcptype")) {
      if (sdp_range_equal(val, vlen, "active"))
        c->tcptype = SDP_CANDIDATE_TCPTYPE_ACTIVE;
      else if (sdp_range_equal(val, vlen, "passive"))
        c->tcptype = SDP_CANDIDATE_TCPTYPE_PASSIVE;
      else if (sdp_range_equal(val, vlen, "so"))
        c->tcptype = SDP_CANDIDATE_TCPTYPE_SO;
      else
        FAIL(-EINVAL, "candidate tcptype is not active, passive or so");
    } else if (sdp_range_equal(name, nlen, "generation")) {
      if (!sdp_parse_uint(val, vlen, G_MAXUINT32, &v))
        FAIL(-ERANGE, "candidate generation is not a number from 0 to 4294967295");
      c->generation = v;
    } else if (sdp_range_equal(name, nlen, "network-id")) {
      if (!sdp_parse_uint(val, vlen, G_MAXUINT32, &v))
        FAIL(-ERANGE, "candidate network-id is not a number from 0 to 4294967295");
      c->network_id = v;
    } else if (sdp_range_equal(name, nlen, "network-cost")) {
      if (!sdp_parse_uint(val, vlen, G_MAXUINT32, &v))
        FAIL(-ERANGE, "candidate network-cost is not a number from 0 to 4294967295");
      c->network_cost = v;
    } else if (sdp_range_equal(name, nlen, "ufrag")) {
      g_free(c->ufrag);
      c->ufrag = g_strndup(val, vlen);
    } else {
      sdp_candidate_extension e = { g_strndup(name, nlen), g_strndup(val, vlen) };
      g_array_append_val(c->extensions, e);
    }
  }
  if (c->transport == SDP_CANDIDATE_TRANSPORT_TCP && c->tcptype == SDP_CANDIDATE_TCPTYPE_NONE)
    FAIL(-EINVAL, "TCP candidate without a tcptype");
  if (c->transport == SDP_CANDIDATE_TRANSPORT_UDP && c->tcptype != SDP_CANDIDATE_TCPTYPE_NONE)
    FAIL(-EINVAL, "UDP candidate with a tcptype");
  *out = g_steal_pointer(&c);
  return 0;
}

int
sdp_candidate_parse(const char *text, gsize len, sdp_candidate **out, const char **reason)
{
  const char *unused;
  if (!reason)
    reason = &unused;
  *out = NULL;
  if (!text)
    FAIL(-EINVAL, "empty candidate");
  while (len && sdp_is_space(*text)) {
    text++;
    len--;
  }
  while (len && (sdp_is_space(text[len - 1]) || text[len - 1] == '\r' || text[len - 1] == '\n'))
    len--;
  if (len >= 2 && text[0] == 'a' && text[1] == '=') {
    text += 2;
    len -= 2;
  }
  /* What browsers trickle when gathering is over (RFC 8840 §4.4, W3C
   * webrtc: an empty candidate string). */
  if (len == 0 || sdp_range_equal(text, len, "end-of-candidates"))
    FAIL(-ENODATA, "end of candidates, not a candidate");
  if (len < 10 || g_ascii_strncasecmp(text, "candidate:", 10) != 0)
    FAIL(-EINVAL, "not a candidate (want \"candidate:\" or \"a=candidate:\")");
  return sdp_candidate_parse_value(text + 10, len - 10, out, reason);
}

char *
sdp_candidate_write_value(const sdp_candidate *c)
{
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "%s %u %s %u %s %u typ %s", c->foundation ? c->foundation : "0",
                         c->component, sdp_candidate_transport_name(c->transport), c->priority,
                         c->address ? c->address : "0.0.0.0", c->port,
                         sdp_candidate_type_name(c->type));
  if (c->raddr)
    g_string_append_printf(s, " raddr %s", c->raddr);
  if (c->rport >= 0)
    g_string_append_printf(s, " rport %d", c->rport);
  if (c->tcptype != SDP_CANDIDATE_TCPTYPE_NONE)
    g_string_append_printf(s, " tcptype %s", sdp_candidate_tcptype_name(c->tcptype));
  if (c->generation >= 0)
    g_string_append_printf(s, " generation %" G_GINT64_FORMAT, c->generation);
  if (c->ufrag)
    g_string_append_printf(s, " ufrag %s", c->ufrag);
  if (c->network_id >= 0)
    g_string_append_printf(s, " network-id %" G_GINT64_FORMAT, c->network_id);
  if (c->network_cost >= 0)
    g_string_append_printf(s, " network-cost %" G_GINT64_FORMAT, c->network_cost);
  for (guint i = 0; i < c->extensions->len; i++) {
    const sdp_candidate_extension *e = &g_array_index(c->extensions, sdp_candidate_extension, i);
    g_string_append_printf(s, " %s %s", e->name, e->value);
  }
  return g_string_free(s, FALSE);
}

char *
sdp_candidate_write(const sdp_candidate *c)
{
  g_autofree char *value = sdp_candidate_write_value(c);
  return g_strconcat("candidate:", value, NULL);
}

gboolean
sdp_candidate_equal(const sdp_candidate *a, const sdp_candidate *b)
{
  if (g_strcmp0(a->foundation, b->foundation) || a->component != b->component ||
      a->transport != b->transport || a->priority != b->priority ||
      g_strcmp0(a->address, b->address) || a->address_kind != b->address_kind ||
      a->port != b->port || a->type != b->type || g_strcmp0(a->raddr, b->raddr) ||
      a->rport != b->rport || a->tcptype != b->tcptype || a->generation != b->generation ||
      g_strcmp0(a->ufrag, b->ufrag) || a->network_id != b->network_id ||
      a->network_cost != b->network_cost || a->extensions->len != b->extensions->len)
    return FALSE;
  for (guint i = 0; i < a->extensions->len; i++) {
    const sdp_candidate_extension *x = &g_array_index(a->extensions, sdp_candidate_extension, i);
    const sdp_candidate_extension *y = &g_array_index(b->extensions, sdp_candidate_extension, i);
    if (strcmp(x->name, y->name) || strcmp(x->value, y->value))
      return FALSE;
  }
  return TRUE;
}
