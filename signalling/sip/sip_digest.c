#define G_LOG_DOMAIN "rtc2sip-sip"
#include "signalling/sip/sip_digest.h"
#include "signalling/sip/sip_text.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

static int
fail(const char **reason, int code, const char *why)
{
  if (reason)
    *reason = why;
  return code;
}

void
sip_digest_challenge_clear(sip_digest_challenge *ch)
{
  g_clear_pointer(&ch->realm, g_free);
  g_clear_pointer(&ch->nonce, g_free);
  g_clear_pointer(&ch->opaque, g_free);
  g_clear_pointer(&ch->domain, g_free);
  memset(ch, 0, sizeof *ch);
}

const char *
sip_digest_algorithm_name(sip_digest_algorithm alg)
{
  switch (alg) {
  case SIP_DIGEST_MD5: return "MD5";
  case SIP_DIGEST_MD5_SESS: return "MD5-sess";
  case SIP_DIGEST_SHA256: return "SHA-256";
  case SIP_DIGEST_SHA256_SESS: return "SHA-256-sess";
  default: return "MD5";
  }
}

static char *
param_value(sip_slice v)
{
  if (v.len > 0 && v.p[0] == '"') {
    GString *s = g_string_new(NULL);
    sip_unquote(v, s);
    return g_string_free(s, FALSE);
  }
  return sip_slice_dup(v);
}

/* Reads the qop-options list ("auth,auth-int", quoted or not). */
static void
parse_qop(sip_digest_challenge *ch, sip_slice v)
{
  g_autofree char *text = param_value(v);
  g_auto(GStrv) parts = g_strsplit(text, ",", -1);
  for (guint i = 0; parts[i]; i++) {
    g_strstrip(parts[i]);
    if (g_ascii_strcasecmp(parts[i], "auth") == 0)
      ch->qop_auth = TRUE;
    else if (g_ascii_strcasecmp(parts[i], "auth-int") == 0)
      ch->qop_auth_int = TRUE;
  }
}

static int
parse_challenge(sip_digest_challenge *ch, sip_slice s, const char **reason)
{
  gsize i = 0;
  gboolean qop_given = FALSE;

  s = sip_slice_trim(s);
  while (i < s.len && sip_is_token_char(s.p[i]))
    i++;
  if (!sip_slice_caseeq(sip_slice_make(s.p, i), "Digest") || (i < s.len && !sip_is_ws(s.p[i])))
    return fail(reason, -EINVAL, "not a Digest challenge");
  s.p += i;
  s.len -= i;

  for (;;) {
    sip_slice name, value;
    sip_slice_skip_ws(&s);
    while (s.len > 0 && (s.p[0] == ',' || sip_is_ws(s.p[0]))) {
      s.p++;
      s.len--;
    }
    if (s.len == 0)
      break;
    for (i = 0; i < s.len && sip_is_token_char(s.p[i]); i++)
      ;
    if (i == 0)
      return fail(reason, -EBADMSG, "malformed challenge parameter");
    name = sip_slice_make(s.p, i);
    s.p += i;
    s.len -= i;
    sip_slice_skip_ws(&s);
    if (s.len == 0 || s.p[0] != '=')
      return fail(reason, -EBADMSG, "challenge parameter without value");
    s.p++;
    s.len--;
    sip_slice_skip_ws(&s);
    if (s.len > 0 && s.p[0] == '"') {
      i = sip_quoted_len(s);
      if (i == 0)
        return fail(reason, -EBADMSG, "unterminated quoted string in challenge");
    } else {
      for (i = 0; i < s.len && s.p[i] != ',' && !sip_is_ws(s.p[i]); i++)
        ;
      if (i == 0)
        return fail(reason, -EBADMSG, "empty challenge parameter value");
    }
    value = sip_slice_make(s.p, i);
    s.p += i;
    s.len -= i;
    sip_slice_skip_ws(&s);
    if (s.len > 0 && s.p[0] != ',')
      return fail(reason, -EBADMSG, "missing comma between challenge parameters");

    char **slot = NULL;
    if (sip_slice_caseeq(name, "realm"))
      slot = &ch->realm;
    else if (sip_slice_caseeq(name, "nonce"))
      slot = &ch->nonce;
    else if (sip_slice_caseeq(name, "opaque"))
      slot = &ch->opaque;
    else if (sip_slice_caseeq(name, "domain"))
      slot = &ch->domain;
    if (slot) {
      if (*slot)
        return fail(reason, -EBADMSG, "repeated challenge parameter");
      *slot = param_value(value);
    } else if (sip_slice_caseeq(name, "algorithm")) {
      g_autofree char *a = param_value(value);
      ch->algorithm_given = TRUE;
      if (g_ascii_strcasecmp(a, "MD5") == 0)
        ch->algorithm = SIP_DIGEST_MD5;
      else if (g_ascii_strcasecmp(a, "MD5-sess") == 0)
        ch->algorithm = SIP_DIGEST_MD5_SESS;
      else if (g_ascii_strcasecmp(a, "SHA-256") == 0)
        ch->algorithm = SIP_DIGEST_SHA256;
      else if (g_ascii_strcasecmp(a, "SHA-256-sess") == 0)
        ch->algorithm = SIP_DIGEST_SHA256_SESS;
      else
        return fail(reason, -ENOTSUP, "unsupported digest algorithm");
    } else if (sip_slice_caseeq(name, "qop")) {
      qop_given = TRUE;
      parse_qop(ch, value);
    } else if (sip_slice_caseeq(name, "stale")) {
      g_autofree char *v = param_value(value);
      ch->stale = g_ascii_strcasecmp(v, "true") == 0;
    }
    /* Unknown parameters (charset, userhash…) are ignored. */
  }
  if (!ch->realm || !ch->nonce)
    return fail(reason, -EBADMSG, "challenge without realm or nonce");
  if (qop_given && !ch->qop_auth && !ch->qop_auth_int)
    return fail(reason, -ENOTSUP, "challenge offers no qop we know");
  return 0;
}

int
sip_digest_challenge_parse(sip_digest_challenge *ch, const char *value, gsize len,
                           const char **reason)
{
  int r;
  sip_digest_challenge_clear(ch);
  r = parse_challenge(ch, sip_slice_make(value, len), reason);
  if (r < 0)
    sip_digest_challenge_clear(ch);
  return r;
}

static gboolean
is_sha256(sip_digest_algorithm alg)
{
  return alg == SIP_DIGEST_SHA256 || alg == SIP_DIGEST_SHA256_SESS;
}

/* Hex digest of the concatenation of the strings in PARTS, joined by ':'. */
static int
hash_hex(sip_digest_algorithm alg, const char *const *parts, guint n, char out[SIP_DIGEST_HEX_MAX])
{
  g_autoptr(GString) s = g_string_new(NULL);
  guint8 digest[32];
  gsize dlen = is_sha256(alg) ? 32 : 16;
  for (guint i = 0; i < n; i++) {
    if (i > 0)
      g_string_append_c(s, ':');
    g_string_append(s, parts[i]);
  }
  if (gnutls_hash_fast(is_sha256(alg) ? GNUTLS_DIG_SHA256 : GNUTLS_DIG_MD5, s->str, s->len,
                       digest) < 0)
    return -EINVAL;
  for (gsize i = 0; i < dlen; i++)
    g_snprintf(out + 2 * i, 3, "%02x", digest[i]);
  return 0;
}

int
sip_digest_response(sip_digest_algorithm alg, const char *username, const char *realm,
                    const char *password, const char *nonce, const char *nc,
                    const char *cnonce, const char *qop, const char *method,
                    const char *uri, const void *body, gsize body_len,
                    char out[SIP_DIGEST_HEX_MAX])
{
  char ha1[SIP_DIGEST_HEX_MAX], ha2[SIP_DIGEST_HEX_MAX], hbody[SIP_DIGEST_HEX_MAX];
  gboolean sess = alg == SIP_DIGEST_MD5_SESS || alg == SIP_DIGEST_SHA256_SESS;

  if (!username || !realm || !password || !nonce || !method || !uri)
    return -EINVAL;
  if ((qop || sess) && !cnonce)
    return -EINVAL;
  if (hash_hex(alg, (const char *const[]){ username, realm, password }, 3, ha1) < 0)
    return -EINVAL;
  if (sess && hash_hex(alg, (const char *const[]){ ha1, nonce, cnonce }, 3, ha1) < 0)
    return -EINVAL;
  if (qop && strcmp(qop, "auth-int") == 0) {
    guint8 digest[32];
    gsize dlen = is_sha256(alg) ? 32 : 16;
    if (gnutls_hash_fast(is_sha256(alg) ? GNUTLS_DIG_SHA256 : GNUTLS_DIG_MD5,
                         body ? body : "", body_len, digest) < 0)
      return -EINVAL;
    for (gsize i = 0; i < dlen; i++)
      g_snprintf(hbody + 2 * i, 3, "%02x", digest[i]);
    if (hash_hex(alg, (const char *const[]){ method, uri, hbody }, 3, ha2) < 0)
      return -EINVAL;
  } else if (hash_hex(alg, (const char *const[]){ method, uri }, 2, ha2) < 0) {
    return -EINVAL;
  }
  if (qop) {
    if (!nc)
      return -EINVAL;
    return hash_hex(alg, (const char *const[]){ ha1, nonce, nc, cnonce, qop, ha2 }, 6, out);
  }
  return hash_hex(alg, (const char *const[]){ ha1, nonce, ha2 }, 3, out);
}

static void
append_quoted(GString *out, const char *name, const char *value)
{
  g_string_append_printf(out, ", %s=\"", name);
  for (const char *p = value; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c(out, '\\');
    if (*p != '\r' && *p != '\n')
      g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}

int
sip_digest_authorize(sip_digest_challenge *ch, const sip_digest_request *rq, GString *out,
                     const char **reason)
{
  char response[SIP_DIGEST_HEX_MAX], nc[9];
  const char *qop = ch->qop_auth ? "auth" : ch->qop_auth_int ? "auth-int" : NULL;

  if (!ch->realm || !ch->nonce)
    return fail(reason, -EINVAL, "no challenge to answer");
  if (qop && ch->nc == G_MAXUINT32)
    return fail(reason, -EINVAL, "nonce count exhausted");
  g_snprintf(nc, sizeof nc, "%08x", ch->nc + 1);
  if (sip_digest_response(ch->algorithm, rq->username, ch->realm, rq->password, ch->nonce, nc,
                          rq->cnonce, qop, rq->method, rq->uri, rq->body, rq->body_len,
                          response) < 0)
    return fail(reason, -EINVAL, "missing input for the digest response");
  if (qop)
    ch->nc++;

  g_string_append(out, "Digest");
  {
    /* First parameter without the leading comma. */
    gsize mark = out->len;
    append_quoted(out, "username", rq->username);
    g_string_erase(out, (gssize)mark, 1);
  }
  append_quoted(out, "realm", ch->realm);
  append_quoted(out, "nonce", ch->nonce);
  append_quoted(out, "uri", rq->uri);
  append_quoted(out, "response", response);
  if (ch->algorithm_given)
    g_string_append_printf(out, ", algorithm=%s", sip_digest_algorithm_name(ch->algorithm));
  if (rq->cnonce && (qop || ch->algorithm == SIP_DIGEST_MD5_SESS ||
                     ch->algorithm == SIP_DIGEST_SHA256_SESS))
    append_quoted(out, "cnonce", rq->cnonce);
  if (ch->opaque)
    append_quoted(out, "opaque", ch->opaque);
  if (qop)
    g_string_append_printf(out, ", qop=%s, nc=%s", qop, nc);
  return 0;
}
