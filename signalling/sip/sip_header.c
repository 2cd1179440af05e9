#define G_LOG_DOMAIN "rtc2sip-sip"
#include "signalling/sip/sip_header.h"

#include <errno.h>
#include <string.h>

typedef struct {
  const char *name;
  char compact;
  gboolean list;
} hdr_info;

static const hdr_info hdr_table[SIP_HDR_COUNT] = {
  [SIP_HDR_OTHER] = { NULL, 0, FALSE },
  [SIP_HDR_ACCEPT] = { "Accept", 0, TRUE },
  [SIP_HDR_ACCEPT_CONTACT] = { "Accept-Contact", 'a', TRUE },
  [SIP_HDR_ACCEPT_ENCODING] = { "Accept-Encoding", 0, TRUE },
  [SIP_HDR_ACCEPT_LANGUAGE] = { "Accept-Language", 0, TRUE },
  [SIP_HDR_ALERT_INFO] = { "Alert-Info", 0, TRUE },
  [SIP_HDR_ALLOW] = { "Allow", 0, TRUE },
  [SIP_HDR_ALLOW_EVENTS] = { "Allow-Events", 'u', TRUE },
  [SIP_HDR_AUTHENTICATION_INFO] = { "Authentication-Info", 0, FALSE },
  [SIP_HDR_AUTHORIZATION] = { "Authorization", 0, FALSE },
  [SIP_HDR_CALL_ID] = { "Call-ID", 'i', FALSE },
  [SIP_HDR_CALL_INFO] = { "Call-Info", 0, TRUE },
  [SIP_HDR_CONTACT] = { "Contact", 'm', TRUE },
  [SIP_HDR_CONTENT_DISPOSITION] = { "Content-Disposition", 0, FALSE },
  [SIP_HDR_CONTENT_ENCODING] = { "Content-Encoding", 'e', TRUE },
  [SIP_HDR_CONTENT_LANGUAGE] = { "Content-Language", 0, TRUE },
  [SIP_HDR_CONTENT_LENGTH] = { "Content-Length", 'l', FALSE },
  [SIP_HDR_CONTENT_TYPE] = { "Content-Type", 'c', FALSE },
  [SIP_HDR_CSEQ] = { "CSeq", 0, FALSE },
  [SIP_HDR_DATE] = { "Date", 0, FALSE },
  [SIP_HDR_ERROR_INFO] = { "Error-Info", 0, TRUE },
  [SIP_HDR_EVENT] = { "Event", 'o', FALSE },
  [SIP_HDR_EXPIRES] = { "Expires", 0, FALSE },
  [SIP_HDR_FROM] = { "From", 'f', FALSE },
  [SIP_HDR_IDENTITY] = { "Identity", 'y', FALSE },
  [SIP_HDR_IN_REPLY_TO] = { "In-Reply-To", 0, TRUE },
  [SIP_HDR_MAX_FORWARDS] = { "Max-Forwards", 0, FALSE },
  [SIP_HDR_MIME_VERSION] = { "MIME-Version", 0, FALSE },
  [SIP_HDR_MIN_EXPIRES] = { "Min-Expires", 0, FALSE },
  [SIP_HDR_MIN_SE] = { "Min-SE", 0, FALSE },
  [SIP_HDR_ORGANIZATION] = { "Organization", 0, FALSE },
  [SIP_HDR_PATH] = { "Path", 0, TRUE },
  [SIP_HDR_PRIORITY] = { "Priority", 0, FALSE },
  [SIP_HDR_PROXY_AUTHENTICATE] = { "Proxy-Authenticate", 0, FALSE },
  [SIP_HDR_PROXY_AUTHORIZATION] = { "Proxy-Authorization", 0, FALSE },
  [SIP_HDR_PROXY_REQUIRE] = { "Proxy-Require", 0, TRUE },
  [SIP_HDR_RACK] = { "RAck", 0, FALSE },
  [SIP_HDR_REASON] = { "Reason", 0, TRUE },
  [SIP_HDR_RECORD_ROUTE] = { "Record-Route", 0, TRUE },
  [SIP_HDR_REFER_TO] = { "Refer-To", 'r', FALSE },
  [SIP_HDR_REFERRED_BY] = { "Referred-By", 'b', FALSE },
  [SIP_HDR_REJECT_CONTACT] = { "Reject-Contact", 'j', TRUE },
  [SIP_HDR_REPLY_TO] = { "Reply-To", 0, FALSE },
  [SIP_HDR_REQUEST_DISPOSITION] = { "Request-Disposition", 'd', TRUE },
  [SIP_HDR_REQUIRE] = { "Require", 0, TRUE },
  [SIP_HDR_RETRY_AFTER] = { "Retry-After", 0, FALSE },
  [SIP_HDR_ROUTE] = { "Route", 0, TRUE },
  [SIP_HDR_RSEQ] = { "RSeq", 0, FALSE },
  [SIP_HDR_SERVER] = { "Server", 0, FALSE },
  [SIP_HDR_SESSION_EXPIRES] = { "Session-Expires", 'x', FALSE },
  [SIP_HDR_SUBJECT] = { "Subject", 's', FALSE },
  [SIP_HDR_SUBSCRIPTION_STATE] = { "Subscription-State", 0, FALSE },
  [SIP_HDR_SUPPORTED] = { "Supported", 'k', TRUE },
  [SIP_HDR_TIMESTAMP] = { "Timestamp", 0, FALSE },
  [SIP_HDR_TO] = { "To", 't', FALSE },
  [SIP_HDR_UNSUPPORTED] = { "Unsupported", 0, TRUE },
  [SIP_HDR_USER_AGENT] = { "User-Agent", 0, FALSE },
  [SIP_HDR_VIA] = { "Via", 'v', TRUE },
  [SIP_HDR_WARNING] = { "Warning", 0, TRUE },
  [SIP_HDR_WWW_AUTHENTICATE] = { "WWW-Authenticate", 0, FALSE },
};

sip_hdr_id
sip_hdr_lookup(sip_slice name)
{
  if (name.len == 1) {
    char c = sip_ascii_lower(name.p[0]);
    for (int i = 1; i < SIP_HDR_COUNT; i++)
      if (hdr_table[i].compact == c)
        return (sip_hdr_id)i;
    return SIP_HDR_OTHER;
  }
  for (int i = 1; i < SIP_HDR_COUNT; i++)
    if (sip_slice_caseeq(name, hdr_table[i].name))
      return (sip_hdr_id)i;
  return SIP_HDR_OTHER;
}

const char *
sip_hdr_name(sip_hdr_id id)
{
  return (id > SIP_HDR_OTHER && id < SIP_HDR_COUNT) ? hdr_table[id].name : NULL;
}

gboolean
sip_hdr_is_list(sip_hdr_id id)
{
  return (id > SIP_HDR_OTHER && id < SIP_HDR_COUNT) ? hdr_table[id].list : FALSE;
}

static const char *const method_names[] = {
  [SIP_METHOD_OTHER] = NULL,
  [SIP_METHOD_INVITE] = "INVITE",
  [SIP_METHOD_ACK] = "ACK",
  [SIP_METHOD_BYE] = "BYE",
  [SIP_METHOD_CANCEL] = "CANCEL",
  [SIP_METHOD_OPTIONS] = "OPTIONS",
  [SIP_METHOD_REGISTER] = "REGISTER",
  [SIP_METHOD_PRACK] = "PRACK",
  [SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
  [SIP_METHOD_NOTIFY] = "NOTIFY",
  [SIP_METHOD_PUBLISH] = "PUBLISH",
  [SIP_METHOD_INFO] = "INFO",
  [SIP_METHOD_REFER] = "REFER",
  [SIP_METHOD_MESSAGE] = "MESSAGE",
  [SIP_METHOD_UPDATE] = "UPDATE",
};

sip_method
sip_method_lookup(sip_slice name)
{
  for (guint i = 1; i < G_N_ELEMENTS(method_names); i++)
    if (sip_slice_eq(name, method_names[i]))
      return (sip_method)i;
  return SIP_METHOD_OTHER;
}

const char *
sip_method_name(sip_method m)
{
  return (guint)m < G_N_ELEMENTS(method_names) ? method_names[m] : NULL;
}

static int
fail(const char **reason, const char *why)
{
  if (reason)
    *reason = why;
  return -EBADMSG;
}

/* Reads a token at the start of *S (after LWS) into *OUT. */
static gboolean
take_token(sip_slice *s, sip_slice *out)
{
  gsize i = 0;
  sip_slice_skip_ws(s);
  while (i < s->len && sip_is_token_char(s->p[i]))
    i++;
  if (i == 0)
    return FALSE;
  *out = sip_slice_make(s->p, i);
  s->p += i;
  s->len -= i;
  return TRUE;
}

static gboolean
take_char(sip_slice *s, char c)
{
  sip_slice_skip_ws(s);
  if (s->len == 0 || s->p[0] != c)
    return FALSE;
  s->p++;
  s->len--;
  return TRUE;
}

int
sip_via_parse(sip_slice value, sip_via *out, const char **reason)
{
  sip_slice s = sip_slice_trim(value), name, v;
  gboolean hv;
  gsize i = 0;
  int r;

  memset(out, 0, sizeof *out);
  out->rport = -1;
  out->ttl = -1;
  if (!take_token(&s, &out->protocol) || !take_char(&s, '/') ||
      !take_token(&s, &out->version) || !take_char(&s, '/') ||
      !take_token(&s, &out->transport))
    return fail(reason, "malformed Via sent-protocol");
  if (s.len == 0 || !sip_is_ws(s.p[0]))
    return fail(reason, "Via without sent-by");
  sip_slice_skip_ws(&s);

  const char *start = s.p;
  if (s.len > 0 && s.p[0] == '[') {
    for (i = 1; i < s.len && s.p[i] != ']'; i++)
      if (!g_ascii_isxdigit(s.p[i]) && s.p[i] != ':' && s.p[i] != '.')
        return fail(reason, "malformed IPv6 reference in Via");
    if (i >= s.len || i < 3)
      return fail(reason, "malformed IPv6 reference in Via");
    out->host = sip_slice_make(s.p + 1, i - 1);
    out->host_ipv6 = TRUE;
    i++;
  } else {
    while (i < s.len && (g_ascii_isalnum(s.p[i]) || s.p[i] == '-' || s.p[i] == '.' || s.p[i] == '_'))
      i++;
    if (i == 0)
      return fail(reason, "Via without sent-by host");
    out->host = sip_slice_make(s.p, i);
  }
  s.p += i;
  s.len -= i;
  out->sent_by = sip_slice_make(start, (gsize)(s.p - start));
  {
    sip_slice t = s;
    if (take_char(&t, ':')) {
      guint64 port;
      sip_slice_skip_ws(&t);
      for (i = 0; i < t.len && g_ascii_isdigit(t.p[i]); i++)
        ;
      if (sip_parse_uint(sip_slice_make(t.p, i), 65535, &port) != 0)
        return fail(reason, "bad port in Via sent-by");
      out->port = (guint16)port;
      out->has_port = TRUE;
      t.p += i;
      t.len -= i;
      out->sent_by = sip_slice_make(start, (gsize)(t.p - start));
      s = t;
    }
  }
  sip_slice_skip_ws(&s);
  if (!sip_params_valid(s))
    return fail(reason, "malformed Via parameters");
  out->params = s;
  while ((r = sip_param_next(&s, &name, &v, &hv)) == 1) {
    guint64 n;
    if (sip_slice_caseeq(name, "branch")) {
      if (!hv)
        return fail(reason, "Via branch without value");
      out->branch = v;
      out->has_branch = TRUE;
    } else if (sip_slice_caseeq(name, "received")) {
      out->received = v;
      out->has_received = hv;
    } else if (sip_slice_caseeq(name, "maddr")) {
      out->maddr = v;
      out->has_maddr = hv;
    } else if (sip_slice_caseeq(name, "rport")) {
      out->has_rport = TRUE;
      if (hv) {
        if (sip_parse_uint(v, 65535, &n) != 0 || n == 0)
          return fail(reason, "bad Via rport value");
        out->rport = (gint32)n;
      }
    } else if (sip_slice_caseeq(name, "ttl")) {
      if (!hv || sip_parse_uint(v, 255, &n) != 0)
        return fail(reason, "bad Via ttl value");
      out->ttl = (gint32)n;
    }
  }
  return r < 0 ? fail(reason, "malformed Via parameters") : 0;
}

static gboolean
display_tokens_ok(sip_slice d)
{
  for (gsize i = 0; i < d.len; i++)
    if (!sip_is_token_char(d.p[i]) && !sip_is_ws(d.p[i]))
      return FALSE;
  return TRUE;
}

int
sip_name_addr_parse(sip_slice value, sip_name_addr *out, const char **reason)
{
  sip_slice s = sip_slice_trim(value), v;
  gsize i = 0;
  int r;

  memset(out, 0, sizeof *out);
  out->expires = -1;
  if (sip_slice_eq(s, "*")) {
    out->star = TRUE;
    return 0;
  }
  if (s.len > 0 && s.p[0] == '"') {
    gsize q = sip_quoted_len(s);
    if (q == 0)
      return fail(reason, "unterminated quoted display name");
    out->display = sip_slice_make(s.p, q);
    out->display_quoted = TRUE;
    s.p += q;
    s.len -= q;
    sip_slice_skip_ws(&s);
    if (s.len == 0 || s.p[0] != '<')
      return fail(reason, "quoted display name not followed by <URI>");
    i = 0;
  } else {
    while (i < s.len && (sip_is_token_char(s.p[i]) || sip_is_ws(s.p[i])))
      i++;
    if (i < s.len && s.p[i] == '<') {
      out->display = sip_slice_trim(sip_slice_make(s.p, i));
      if (!display_tokens_ok(out->display))
        return fail(reason, "invalid display name");
      s.p += i;
      s.len -= i;
      i = 0;
    } else {
      i = s.len + 1;   /* addr-spec */
    }
  }

  if (i == 0) {
    const char *gt = memchr(s.p, '>', s.len);
    if (!gt)
      return fail(reason, "name-addr without closing >");
    out->bracketed = TRUE;
    out->uri_text = sip_slice_make(s.p + 1, (gsize)(gt - s.p) - 1);
    s.len -= (gsize)(gt + 1 - s.p);
    s.p = gt + 1;
  } else {
    for (i = 0; i < s.len && s.p[i] != ';' && !sip_is_ws(s.p[i]); i++)
      ;
    out->uri_text = sip_slice_make(s.p, i);
    if (memchr(out->uri_text.p, '?', i) || memchr(out->uri_text.p, ',', i))
      return fail(reason, "URI with '?' or ',' outside <>");
    s.p += i;
    s.len -= i;
  }
  r = sip_uri_parse(out->uri_text, &out->uri, reason);
  if (r < 0)
    return r;
  sip_slice_skip_ws(&s);
  if (!sip_params_valid(s))
    return fail(reason, "malformed header parameters");
  out->params = s;
  if (sip_params_get(s, "tag", &v)) {
    if (v.len == 0)
      return fail(reason, "empty tag parameter");
    out->tag = v;
    out->has_tag = TRUE;
  }
  if (sip_params_get(s, "expires", &v)) {
    guint64 n = 0;
    r = sip_parse_uint(v, G_MAXUINT32, &n);
    if (r == -ERANGE)
      n = G_MAXUINT32;   /* RFC 3261 §20.19: treat larger values as 2**32-1 */
    else if (r < 0)
      return fail(reason, "bad expires parameter");
    out->expires = (gint64)n;
  }
  return 0;
}

void
sip_name_addr_display(const sip_name_addr *na, GString *out)
{
  if (na->display_quoted)
    sip_unquote(na->display, out);
  else
    g_string_append_len(out, na->display.p ? na->display.p : "", (gssize)na->display.len);
}

int
sip_cseq_parse(sip_slice value, sip_cseq *out, const char **reason)
{
  sip_slice s = sip_slice_trim(value);
  gsize i = 0;
  guint64 n;
  int r;

  memset(out, 0, sizeof *out);
  while (i < s.len && g_ascii_isdigit(s.p[i]))
    i++;
  r = sip_parse_uint(sip_slice_make(s.p, i), G_MAXUINT32, &n);
  if (r == -ERANGE) {
    if (reason)
      *reason = "CSeq number above 2**32-1";
    return -ERANGE;
  }
  if (r < 0 || i == s.len || !sip_is_ws(s.p[i]))
    return fail(reason, "malformed CSeq");
  out->number = (guint32)n;
  s.p += i;
  s.len -= i;
  sip_slice_skip_ws(&s);
  if (!sip_slice_is_token(s))
    return fail(reason, "malformed CSeq method");
  out->method = s;
  out->method_id = sip_method_lookup(s);
  return 0;
}
