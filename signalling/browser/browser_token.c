/* Browser authentication tokens: EXPIRY:USER:SIG with an HMAC-SHA256
 * signature (see browser_token.h). */
#define G_LOG_DOMAIN "rtc2sip-browser"
#include "signalling/browser/browser_token.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#define SHA256_BYTES 32

static gboolean
is_hex(char c)
{
  return g_ascii_isxdigit(c);
}

/* RFC 3261: unreserved = alphanum / mark, user-unreserved. */
static gboolean
is_user_char(char c)
{
  if (g_ascii_isalnum(c))
    return TRUE;
  return c != '\0' && strchr("-_.!~*'()&=+$,;?/", c) != NULL;
}

gboolean
browser_token_user_valid(const char *user, gsize len, const char **reason)
{
  const char *why = NULL;
  if (len == 0)
    why = "malformed: the user is empty";
  else if (len > BROWSER_TOKEN_MAX_USER)
    why = "malformed: the user is longer than 64 characters";
  for (gsize i = 0; !why && i < len; i++) {
    char c = user[i];
    if (c == '%') {
      if (i + 2 >= len || !is_hex(user[i + 1]) || !is_hex(user[i + 2])) {
        why = "malformed: '%' in the user is not followed by two hex digits";
        break;
      }
      guint v = (guint)(g_ascii_xdigit_value(user[i + 1]) * 16 + g_ascii_xdigit_value(user[i + 2]));
      /* Escaped or not, these have no place in a From user part. */
      if (v <= 0x20 || v == 0x7f || v == '@' || v == ':') {
        why = "malformed: the user escapes a control character, space, '@' or ':'";
        break;
      }
      i += 2;
    } else if (c == ':') {
      why = "malformed: too many ':' (the user cannot contain ':')";
    } else if (c == '@') {
      why = "malformed: the user contains '@' (give the user part only)";
    } else if ((guchar)c <= 0x20 || (guchar)c >= 0x7f) {
      why = "malformed: the user contains a space, control or non-ASCII character";
    } else if (!is_user_char(c)) {
      why = "malformed: the user contains a character a SIP user part cannot";
    }
  }
  if (why && reason)
    *reason = why;
  return why == NULL;
}

/* Unpadded base64url of the HMAC-SHA256 of DATA under SECRET, in OUT
 * (BROWSER_TOKEN_SIG_CHARS + 1 bytes). FALSE if GnuTLS fails. */
static gboolean
sign(const guint8 *secret, gsize secret_len, const char *data, gsize len,
     char out[BROWSER_TOKEN_SIG_CHARS + 1])
{
  guint8 mac[SHA256_BYTES];
  if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, secret_len, data, len, mac) != 0)
    return FALSE;
  g_autofree char *b64 = g_base64_encode(mac, sizeof mac);
  gnutls_memset(mac, 0, sizeof mac);
  /* 32 bytes → 44 characters, the last one '='. */
  for (guint i = 0; i < BROWSER_TOKEN_SIG_CHARS; i++)
    out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
  out[BROWSER_TOKEN_SIG_CHARS] = '\0';
  return TRUE;
}

static gboolean
is_b64url_char(char c)
{
  return g_ascii_isalnum(c) || c == '-' || c == '_';
}

/* Checks the signature's characters and length; the comparison itself is
 * done on the text. NULL when fine. */
static const char *
check_sig_syntax(const char *sig, gsize len)
{
  for (gsize i = 0; i < len; i++) {
    if (sig[i] == '=')
      return "malformed: the signature is padded (base64url without '=')";
    if (sig[i] == '+' || sig[i] == '/')
      return "malformed: the signature uses '+' or '/' (use base64url: '-' and '_')";
    if (sig[i] == ':')
      return "malformed: too many ':' (the user cannot contain ':')";
    if (!is_b64url_char(sig[i]))
      return "malformed: the signature contains a character outside base64url";
  }
  if (len != BROWSER_TOKEN_SIG_CHARS)
    return "malformed: the signature is not 43 base64url characters (HMAC-SHA256)";
  return NULL;
}

/* Parses the EXPIRY field; NULL when fine. */
static const char *
parse_expiry(const char *s, gsize len, gint64 *out)
{
  if (len == 0)
    return "malformed: the expiry is empty";
  if (s[0] == '+' || s[0] == '-')
    return "malformed: the expiry has a sign";
  if (len > BROWSER_TOKEN_MAX_EXPIRY_DIGITS)
    return "malformed: the expiry has more than 12 digits";
  if (s[0] == '0' && len > 1)
    return "malformed: the expiry has a leading zero";
  gint64 v = 0;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isdigit(s[i]))
      return "malformed: the expiry is not decimal Unix seconds";
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return NULL;
}

int
browser_token_verify(const char *token, gsize len, const guint8 *secret, gsize secret_len,
                     gint64 now_unix, gint64 leeway_s, char **user_out, const char **reason)
{
  const char *dummy;
  if (!reason)
    reason = &dummy;
  if (secret_len == 0 || !secret) {
    *reason = "the gateway has no token secret configured";
    return -ENOKEY;
  }
  if (!token || len == 0) {
    *reason = "malformed: the token is empty";
    return -EINVAL;
  }
  if (len > BROWSER_TOKEN_MAX_BYTES) {
    *reason = "malformed: the token is longer than 512 bytes";
    return -EINVAL;
  }
  const char *c1 = memchr(token, ':', len);
  if (!c1) {
    *reason = "malformed: not EXPIRY:USER:SIGNATURE";
    return -EINVAL;
  }
  gsize rest = len - (gsize)(c1 + 1 - token);
  const char *c2 = memchr(c1 + 1, ':', rest);
  if (!c2) {
    *reason = "malformed: not EXPIRY:USER:SIGNATURE";
    return -EINVAL;
  }
  gint64 expiry = 0;
  const char *why = parse_expiry(token, (gsize)(c1 - token), &expiry);
  if (!why) {
    const char *user = c1 + 1;
    gsize user_len = (gsize)(c2 - user);
    const char *sig = c2 + 1;
    gsize sig_len = len - (gsize)(sig - token);
    if (browser_token_user_valid(user, user_len, &why))
      why = check_sig_syntax(sig, sig_len);
  }
  if (why) {
    *reason = why;
    return -EINVAL;
  }

  char want[BROWSER_TOKEN_SIG_CHARS + 1];
  gsize signed_len = (gsize)(c2 - token);
  if (!sign(secret, secret_len, token, signed_len, want)) {
    *reason = "the gateway could not compute HMAC-SHA256";
    return -EIO;
  }
  /* Constant time over the 43 characters. */
  int diff = gnutls_memcmp(want, c2 + 1, BROWSER_TOKEN_SIG_CHARS);
  gnutls_memset(want, 0, sizeof want);
  if (diff != 0) {
    *reason = "bad signature";
    return -EACCES;
  }
  if (leeway_s < 0)
    leeway_s = 0;
  /* expiry >= 0, so now_unix - expiry cannot overflow here. */
  if (now_unix > expiry && now_unix - expiry > leeway_s) {
    *reason = "expired";
    return -EKEYEXPIRED;
  }
  if (user_out)
    *user_out = g_strndup(c1 + 1, (gsize)(c2 - c1 - 1));
  return 0;
}

char *
browser_token_mint(const guint8 *secret, gsize secret_len, gint64 expiry, const char *user)
{
  if (!secret || secret_len == 0 || !user || expiry < 0 || expiry > G_GINT64_CONSTANT(999999999999))
    return NULL;
  if (!browser_token_user_valid(user, strlen(user), NULL))
    return NULL;
  g_autofree char *signed_part = g_strdup_printf("%" G_GINT64_FORMAT ":%s", expiry, user);
  char sig[BROWSER_TOKEN_SIG_CHARS + 1];
  if (!sign(secret, secret_len, signed_part, strlen(signed_part), sig))
    return NULL;
  return g_strconcat(signed_part, ":", sig, NULL);
}
