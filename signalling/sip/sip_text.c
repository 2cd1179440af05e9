#define G_LOG_DOMAIN "rtc2sip-sip"
#include "signalling/sip/sip_text.h"

#include <errno.h>
#include <string.h>

int
sip_error_set(sip_error *err, int code, guint status, const char *reason)
{
  if (err) {
    err->code = code;
    err->status = status;
    err->reason = reason;
  }
  return code;
}

gboolean
sip_slice_eq(sip_slice s, const char *text)
{
  gsize n = strlen(text);
  return s.len == n && (n == 0 || memcmp(s.p, text, n) == 0);
}

gboolean
sip_slice_caseeq(sip_slice s, const char *text)
{
  gsize n = strlen(text);
  return s.len == n && (n == 0 || g_ascii_strncasecmp(s.p, text, n) == 0);
}

gboolean
sip_slice_caseeq_slice(sip_slice a, sip_slice b)
{
  return a.len == b.len && (a.len == 0 || g_ascii_strncasecmp(a.p, b.p, a.len) == 0);
}

char *
sip_slice_dup(sip_slice s)
{
  return g_strndup(s.p ? s.p : "", s.len);
}

gboolean
sip_is_token_char(char c)
{
  if (g_ascii_isalnum(c))
    return TRUE;
  switch (c) {
  case '-': case '.': case '!': case '%': case '*': case '_':
  case '+': case '`': case '\'': case '~':
    return TRUE;
  default:
    return FALSE;
  }
}

gboolean
sip_is_ws(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

sip_slice
sip_slice_trim(sip_slice s)
{
  while (s.len > 0 && sip_is_ws(s.p[0])) {
    s.p++;
    s.len--;
  }
  while (s.len > 0 && sip_is_ws(s.p[s.len - 1]))
    s.len--;
  return s;
}

void
sip_slice_skip_ws(sip_slice *s)
{
  while (s->len > 0 && sip_is_ws(s->p[0])) {
    s->p++;
    s->len--;
  }
}

gboolean
sip_slice_is_token(sip_slice s)
{
  if (s.len == 0)
    return FALSE;
  for (gsize i = 0; i < s.len; i++)
    if (!sip_is_token_char(s.p[i]))
      return FALSE;
  return TRUE;
}

int
sip_parse_uint(sip_slice s, guint64 max, guint64 *out)
{
  guint64 v = 0;
  if (s.len == 0)
    return -EINVAL;
  for (gsize i = 0; i < s.len; i++) {
    if (!g_ascii_isdigit(s.p[i]))
      return -EINVAL;
  }
  for (gsize i = 0; i < s.len; i++) {
    guint d = (guint)(s.p[i] - '0');
    if (v > (max - d) / 10)
      return -ERANGE;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

gsize
sip_quoted_len(sip_slice s)
{
  if (s.len == 0 || s.p[0] != '"')
    return 0;
  for (gsize i = 1; i < s.len; i++) {
    if (s.p[i] == '\\') {
      i++;            /* quoted-pair: skip the escaped octet */
      continue;
    }
    if (s.p[i] == '"')
      return i + 1;
  }
  return 0;
}

void
sip_unquote(sip_slice q, GString *out)
{
  if (q.len >= 2 && q.p[0] == '"' && q.p[q.len - 1] == '"') {
    q.p++;
    q.len -= 2;
  }
  for (gsize i = 0; i < q.len; i++) {
    if (q.p[i] == '\\' && i + 1 < q.len)
      i++;
    g_string_append_c(out, q.p[i]);
  }
}

/* Characters that end a parameter name or an unquoted value. */
static gboolean
param_stop(char c)
{
  return sip_is_ws(c) || c == ';' || c == '=' || c == ',' || c == '?' || c == '>' || c == '"';
}

int
sip_param_next(sip_slice *rest, sip_slice *name, sip_slice *value, gboolean *has_value)
{
  sip_slice r = *rest;
  gsize i;

  sip_slice_skip_ws(&r);
  if (r.len == 0) {
    *rest = r;
    return 0;
  }
  if (r.p[0] != ';')
    return -EBADMSG;
  r.p++;
  r.len--;
  sip_slice_skip_ws(&r);
  for (i = 0; i < r.len && !param_stop(r.p[i]); i++)
    ;
  if (i == 0)
    return -EBADMSG;
  *name = sip_slice_make(r.p, i);
  r.p += i;
  r.len -= i;
  *value = sip_slice_make(r.p, 0);
  *has_value = FALSE;

  sip_slice after = r;
  sip_slice_skip_ws(&after);
  if (after.len > 0 && after.p[0] == '=') {
    after.p++;
    after.len--;
    sip_slice_skip_ws(&after);
    if (after.len > 0 && after.p[0] == '"') {
      gsize q = sip_quoted_len(after);
      if (q == 0)
        return -EBADMSG;
      i = q;
    } else {
      for (i = 0; i < after.len && !param_stop(after.p[i]); i++)
        ;
      if (i == 0)
        return -EBADMSG;
    }
    *value = sip_slice_make(after.p, i);
    *has_value = TRUE;
    after.p += i;
    after.len -= i;
    r = after;
  }
  /* What follows must be the next ';' or the end. */
  after = r;
  sip_slice_skip_ws(&after);
  if (after.len > 0 && after.p[0] != ';')
    return -EBADMSG;
  *rest = r;
  return 1;
}

gboolean
sip_params_get(sip_slice params, const char *name, sip_slice *value)
{
  sip_slice n, v;
  gboolean hv;
  while (sip_param_next(&params, &n, &v, &hv) == 1) {
    if (sip_slice_caseeq(n, name)) {
      if (value)
        *value = v;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
valid_param_value(sip_slice v)
{
  if (v.len > 0 && v.p[0] == '"')
    return TRUE;                     /* sip_param_next checked the quotes */
  if (v.len > 0 && v.p[0] == '[') {  /* IPv6 reference */
    if (v.p[v.len - 1] != ']')
      return FALSE;
    for (gsize i = 1; i + 1 < v.len; i++)
      if (!g_ascii_isxdigit(v.p[i]) && v.p[i] != ':' && v.p[i] != '.')
        return FALSE;
    return TRUE;
  }
  return sip_slice_is_token(v);
}

gboolean
sip_params_valid(sip_slice params)
{
  sip_slice n, v;
  gboolean hv;
  int r;
  while ((r = sip_param_next(&params, &n, &v, &hv)) == 1) {
    if (!sip_slice_is_token(n) || (hv && !valid_param_value(v)))
      return FALSE;
  }
  return r == 0;
}

static int
hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = sip_ascii_lower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

gssize
sip_unescape(sip_slice s, char *out)
{
  gsize o = 0;
  for (gsize i = 0; i < s.len; i++) {
    if (s.p[i] == '%') {
      int hi, lo;
      if (i + 2 >= s.len)
        return -EINVAL;
      hi = hexval(s.p[i + 1]);
      lo = hexval(s.p[i + 2]);
      if (hi < 0 || lo < 0)
        return -EINVAL;
      out[o++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      out[o++] = s.p[i];
    }
  }
  return (gssize)o;
}
