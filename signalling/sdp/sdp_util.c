/* Small lexical helpers for SDP (RFC 8866 §9 grammar pieces). */
#define G_LOG_DOMAIN "rtc2sip-sdp"
#include <string.h>

#include "signalling/sdp/sdp_private.h"

gboolean
sdp_cursor_more(sdp_cursor *c)
{
  while (c->p < c->end && sdp_is_space(*c->p))
    c->p++;
  return c->p < c->end;
}

gboolean
sdp_cursor_token(sdp_cursor *c, const char **tok, gsize *len)
{
  if (!sdp_cursor_more(c))
    return FALSE;
  const char *start = c->p;
  while (c->p < c->end && !sdp_is_space(*c->p))
    c->p++;
  *tok = start;
  *len = c->p - start;
  return TRUE;
}

gboolean
sdp_parse_uint(const char *s, gsize len, guint64 max, guint64 *out)
{
  guint64 v = 0;
  if (len == 0 || len > 20)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return FALSE;
    guint d = s[i] - '0';
    if (v > (G_MAXUINT64 - d) / 10)
      return FALSE;
    v = v * 10 + d;
  }
  if (v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
sdp_is_text(const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (s[i] == '\0' || s[i] == '\r' || s[i] == '\n')
      return FALSE;
  return TRUE;
}

gboolean
sdp_is_token(const char *s, gsize len)
{
  /* token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E */
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    unsigned char ch = s[i];
    if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '(' || ch == ')' || ch == ',' || ch == '/' ||
        ch == ':' || ch == ';' || ch == '<' || ch == '=' || ch == '>' || ch == '?' || ch == '@' ||
        ch == '[' || ch == '\\' || ch == ']')
      return FALSE;
  }
  return TRUE;
}

gboolean
sdp_range_equal(const char *s, gsize len, const char *word)
{
  return strlen(word) == len && g_ascii_strncasecmp(s, word, len) == 0;
}
