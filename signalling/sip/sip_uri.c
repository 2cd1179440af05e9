#define G_LOG_DOMAIN "rtc2sip-sip"
#include "signalling/sip/sip_uri.h"

#include <errno.h>
#include <string.h>

static int
fail(const char **reason, const char *why)
{
  if (reason)
    *reason = why;
  return -EBADMSG;
}

/* Length of the scheme of TEXT (before ':'), or 0 if TEXT has none. */
static gsize
scheme_len(sip_slice text)
{
  gsize i;
  if (text.len == 0 || !g_ascii_isalpha(text.p[0]))
    return 0;
  for (i = 1; i < text.len; i++) {
    char c = text.p[i];
    if (c == ':')
      return i;
    if (!g_ascii_isalnum(c) && c != '+' && c != '-' && c != '.')
      return 0;
  }
  return 0;
}

gboolean
sip_uri_is_absolute(sip_slice text)
{
  gsize n = scheme_len(text);
  if (n == 0 || n + 1 >= text.len)
    return FALSE;
  for (gsize i = 0; i < text.len; i++) {
    guchar c = (guchar)text.p[i];
    if (c <= 0x20 || c == 0x7f)
      return FALSE;
  }
  return TRUE;
}

static gboolean
is_unreserved(char c)
{
  if (g_ascii_isalnum(c))
    return TRUE;
  return strchr("-_.!~*'()", c) != NULL && c != '\0';
}

/* Checks the characters of a user or password part; escapes must be
 * complete. EXTRA lists the reserved characters allowed as such. */
static gboolean
valid_userinfo_part(sip_slice s, const char *extra)
{
  for (gsize i = 0; i < s.len; i++) {
    char c = s.p[i];
    if (c == '%') {
      if (i + 2 >= s.len || !g_ascii_isxdigit(s.p[i + 1]) || !g_ascii_isxdigit(s.p[i + 2]))
        return FALSE;
      i += 2;
    } else if (!is_unreserved(c) && (c == '\0' || !strchr(extra, c))) {
      return FALSE;
    }
  }
  return TRUE;
}

static int
parse_hostport(sip_slice s, sip_uri *out, gsize *used, const char **reason)
{
  gsize i = 0;
  if (s.len > 0 && s.p[0] == '[') {
    for (i = 1; i < s.len && s.p[i] != ']'; i++)
      if (!g_ascii_isxdigit(s.p[i]) && s.p[i] != ':' && s.p[i] != '.')
        return fail(reason, "malformed IPv6 reference in URI host");
    if (i >= s.len || i < 3)
      return fail(reason, "malformed IPv6 reference in URI host");
    out->host = sip_slice_make(s.p + 1, i - 1);
    out->host_ipv6 = TRUE;
    i++;
  } else {
    while (i < s.len && (g_ascii_isalnum(s.p[i]) || s.p[i] == '-' || s.p[i] == '.' || s.p[i] == '_'))
      i++;
    if (i == 0)
      return fail(reason, "URI without host");
    out->host = sip_slice_make(s.p, i);
  }
  if (i < s.len && s.p[i] == ':') {
    gsize start = ++i;
    guint64 port = 0;
    while (i < s.len && g_ascii_isdigit(s.p[i]))
      i++;
    if (sip_parse_uint(sip_slice_make(s.p + start, i - start), 65535, &port) != 0)
      return fail(reason, "bad port number in URI");
    out->port = (guint16)port;
    out->has_port = TRUE;
  }
  *used = i;
  return 0;
}

static int
parse_sip(sip_slice rest, sip_uri *out, const char **reason)
{
  const char *at = memchr(rest.p, '@', rest.len);
  gsize used = 0;
  int r;

  if (at) {
    sip_slice ui = sip_slice_make(rest.p, (gsize)(at - rest.p));
    const char *colon = memchr(ui.p, ':', ui.len);
    if (colon) {
      out->user = sip_slice_make(ui.p, (gsize)(colon - ui.p));
      out->password = sip_slice_make(colon + 1, ui.len - out->user.len - 1);
      out->has_password = TRUE;
    } else {
      out->user = ui;
    }
    if (out->user.len == 0)
      return fail(reason, "empty user part in URI");
    if (!valid_userinfo_part(out->user, "&=+$,;?/"))
      return fail(reason, "invalid character in URI user part");
    if (out->has_password && !valid_userinfo_part(out->password, "&=+$,"))
      return fail(reason, "invalid character in URI password");
    rest.p = at + 1;
    rest.len -= ui.len + 1;
  }
  r = parse_hostport(rest, out, &used, reason);
  if (r < 0)
    return r;
  rest.p += used;
  rest.len -= used;
  if (rest.len > 0 && rest.p[0] == ';') {
    const char *q = memchr(rest.p, '?', rest.len);
    gsize n = q ? (gsize)(q - rest.p) : rest.len;
    sip_slice params = sip_slice_make(rest.p, n), it = params, name, value;
    gboolean hv;
    while ((r = sip_param_next(&it, &name, &value, &hv)) == 1)
      ;
    if (r < 0)
      return fail(reason, "malformed URI parameter");
    out->params = params;
    rest.p += n;
    rest.len -= n;
  }
  if (rest.len > 0 && rest.p[0] == '?') {
    out->headers = sip_slice_make(rest.p + 1, rest.len - 1);
    out->has_headers = TRUE;
    rest.len = 0;
  }
  if (rest.len > 0)
    return fail(reason, "unexpected character after URI host");
  return 0;
}

static int
parse_tel(sip_slice rest, sip_uri *out, const char **reason)
{
  const char *semi = memchr(rest.p, ';', rest.len);
  gsize n = semi ? (gsize)(semi - rest.p) : rest.len;
  out->user = sip_slice_make(rest.p, n);
  if (n == 0)
    return fail(reason, "tel: URI without a number");
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isxdigit(rest.p[i]) && !strchr("+-.()*#", rest.p[i]))
      return fail(reason, "invalid character in tel: number");
  if (semi) {
    sip_slice it = sip_slice_make(semi, rest.len - n), name, value;
    gboolean hv;
    int r;
    out->params = it;
    while ((r = sip_param_next(&it, &name, &value, &hv)) == 1)
      ;
    if (r < 0)
      return fail(reason, "malformed tel: URI parameter");
  }
  return 0;
}

int
sip_uri_parse(sip_slice text, sip_uri *out, const char **reason)
{
  gsize n;
  memset(out, 0, sizeof *out);
  if (!sip_uri_is_absolute(text))
    return fail(reason, "not an absolute URI");
  n = scheme_len(text);
  out->scheme_text = sip_slice_make(text.p, n);
  out->opaque = sip_slice_make(text.p + n + 1, text.len - n - 1);
  if (sip_slice_caseeq(out->scheme_text, "sip")) {
    out->scheme = SIP_URI_SIP;
    return parse_sip(out->opaque, out, reason);
  }
  if (sip_slice_caseeq(out->scheme_text, "sips")) {
    out->scheme = SIP_URI_SIPS;
    return parse_sip(out->opaque, out, reason);
  }
  if (sip_slice_caseeq(out->scheme_text, "tel")) {
    out->scheme = SIP_URI_TEL;
    return parse_tel(out->opaque, out, reason);
  }
  out->scheme = SIP_URI_OTHER;
  return 0;
}

gboolean
sip_uri_param(const sip_uri *uri, const char *name, sip_slice *value)
{
  return sip_params_get(uri->params, name, value);
}
