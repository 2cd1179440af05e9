/* SDES crypto attributes, RFC 4568 (see sdes.h). */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/sdes.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>

#define SDES_MAX_TAG 999999999u
/* RFC 4568 §6.1 / RFC 3711 §9.2: no master key lives longer than 2^48
 * packets. */
#define SDES_MAX_LIFETIME_EXP 48

static const struct {
  const char *name;
  media_srtp_suite suite;
} suite_aliases[] = {
  /* The names RFC 6188 registered are AES_192_CM_… and AES_256_CM_…; some
   * phones and SBCs write the AES_CM_<bits>_… order of the 128-bit suite. */
  { "AES_CM_192_HMAC_SHA1_80", MEDIA_SRTP_AES_192_CM_HMAC_SHA1_80 },
  { "AES_CM_192_HMAC_SHA1_32", MEDIA_SRTP_AES_192_CM_HMAC_SHA1_32 },
  { "AES_CM_256_HMAC_SHA1_80", MEDIA_SRTP_AES_256_CM_HMAC_SHA1_80 },
  { "AES_CM_256_HMAC_SHA1_32", MEDIA_SRTP_AES_256_CM_HMAC_SHA1_32 },
};

int
sdes_suite_from_name(const char *name, gsize len, media_srtp_suite *out)
{
  if (media_srtp_suite_from_name(name, len, out) == 0)
    return 0;
  for (guint i = 0; i < G_N_ELEMENTS(suite_aliases); i++) {
    if (strlen(suite_aliases[i].name) == len && memcmp(suite_aliases[i].name, name, len) == 0) {
      *out = suite_aliases[i].suite;
      return 0;
    }
  }
  return -ENOENT;
}

void
sdes_crypto_attr_clear(sdes_crypto_attr *attr)
{
  gnutls_memset(attr, 0, sizeof *attr);
}

/* ---- small lexing helpers over [p, end) ---- */

static gboolean
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

/* Decimal of 1..MAX_DIGITS digits filling [p, end) exactly. */
static gboolean
parse_decimal(const char *p, const char *end, guint max_digits, guint64 *out)
{
  gsize n = (gsize)(end - p);
  guint64 v = 0;
  if (n == 0 || n > max_digits)
    return FALSE;
  for (; p < end; p++) {
    if (!is_digit(*p))
      return FALSE;
    v = v * 10 + (guint64)(*p - '0');
  }
  *out = v;
  return TRUE;
}

static gboolean
has_prefix(const char *p, const char *end, const char *prefix)
{
  gsize n = strlen(prefix);
  return (gsize)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

static gboolean
token_is(const char *p, const char *end, const char *word)
{
  return (gsize)(end - p) == strlen(word) && memcmp(p, word, (gsize)(end - p)) == 0;
}

static int
b64_value(char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (is_digit(c))
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* Strict base64 (RFC 3548 alphabet), padding optional. Returns the decoded
 * length or -1. */
static gssize
b64_decode(const char *p, const char *end, guint8 *out, gsize cap)
{
  gsize n = (gsize)(end - p), data = n, pad = 0;
  while (data > 0 && p[data - 1] == '=' && pad < 3) {
    data--;
    pad++;
  }
  if (data == 0 || pad > 2 || data % 4 == 1)
    return -1;
  if (pad > 0 && (data + pad) % 4 != 0)
    return -1;
  if (data * 3 / 4 > cap)
    return -1;
  guint32 acc = 0;
  guint bits = 0;
  gsize o = 0;
  for (gsize i = 0; i < data; i++) {
    int v = b64_value(p[i]);
    if (v < 0)
      return -1;
    acc = (acc << 6) | (guint32)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (guint8)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  return (gssize)o;
}

static gsize
b64_encode(const guint8 *in, gsize len, char *out)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  gsize o = 0, i = 0;
  for (; i + 3 <= len; i += 3) {
    guint32 v = ((guint32)in[i] << 16) | ((guint32)in[i + 1] << 8) | in[i + 2];
    out[o++] = alphabet[(v >> 18) & 63];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
    out[o++] = alphabet[v & 63];
  }
  if (len - i == 1) {
    guint32 v = (guint32)in[i] << 16;
    out[o++] = alphabet[(v >> 18) & 63];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = '=';
    out[o++] = '=';
  } else if (len - i == 2) {
    guint32 v = ((guint32)in[i] << 16) | ((guint32)in[i + 1] << 8);
    out[o++] = alphabet[(v >> 18) & 63];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
    out[o++] = '=';
  }
  return o;
}

/* ---- parsing ---- */

#define FAIL(sentence)                                                                           \
  do {                                                                                           \
    *reason = (sentence);                                                                        \
    return -EINVAL;                                                                              \
  } while (0)

static int
parse_lifetime(const char *p, const char *end, sdes_key_param *k, const char **reason)
{
  guint64 v;
  if (has_prefix(p, end, "2^")) {
    if (!parse_decimal(p + 2, end, 2, &v) || v > SDES_MAX_LIFETIME_EXP)
      FAIL("SDES key lifetime 2^n is not a power of 2 up to 2^48");
    k->lifetime_is_power = TRUE;
    k->lifetime_exponent = (guint)v;
    k->lifetime = G_GUINT64_CONSTANT(1) << v;
  } else {
    if (!parse_decimal(p, end, 15, &v) || v == 0 ||
        v > (G_GUINT64_CONSTANT(1) << SDES_MAX_LIFETIME_EXP))
      FAIL("SDES key lifetime is not a number of packets from 1 to 2^48");
    k->lifetime = v;
  }
  k->has_lifetime = TRUE;
  return 0;
}

static int
parse_mki(const char *p, const char *end, const char *colon, sdes_key_param *k,
          const char **reason)
{
  guint64 value, length;
  if (!parse_decimal(p, colon, 20, &value) || !parse_decimal(colon + 1, end, 3, &length) ||
      length < 1 || length > 128)
    FAIL("SDES MKI is not value:length with a length of 1 to 128 bytes");
  /* A 20-digit decimal may overflow 64 bits; the value must fit the length. */
  if ((gsize)(colon - p) == 20 || (length < 8 && value >> (8 * length) != 0))
    FAIL("SDES MKI value does not fit its length");
  k->has_mki = TRUE;
  k->mki_value = value;
  k->mki_length = (guint)length;
  return 0;
}

/* "inline:" key-salt ["|" lifetime] ["|" mki-value ":" mki-length] */
static int
parse_key_param(const char *p, const char *end, media_srtp_suite suite, sdes_key_param *k,
                const char **reason)
{
  if (!has_prefix(p, end, "inline:"))
    FAIL("SDES key parameter does not start with inline:");
  p += strlen("inline:");
  const char *bar = memchr(p, '|', (gsize)(end - p));
  const char *key_end = bar ? bar : end;
  gssize n = b64_decode(p, key_end, k->key, sizeof k->key);
  if (n < 0)
    FAIL("SDES key is not valid base64");
  k->key_len = (gsize)n;
  if (k->key_len != media_srtp_suite_key_length(suite))
    FAIL("SDES key length does not match the crypto suite");
  guint fields = 0;
  while (bar) {
    p = bar + 1;
    bar = memchr(p, '|', (gsize)(end - p));
    const char *field_end = bar ? bar : end;
    const char *colon = memchr(p, ':', (gsize)(field_end - p));
    int rc;
    if (++fields > 2)
      FAIL("SDES key parameter has too many |-separated fields");
    if (colon) {
      if (k->has_mki)
        FAIL("SDES key parameter has two MKIs");
      rc = parse_mki(p, field_end, colon, k, reason);
    } else {
      if (k->has_lifetime || k->has_mki)
        FAIL("SDES key lifetime must come once and before the MKI");
      rc = parse_lifetime(p, field_end, k, reason);
    }
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int
parse_session_param(const char *p, const char *end, sdes_crypto_attr *a, const char **reason)
{
  guint64 v;
  if (token_is(p, end, "UNENCRYPTED_SRTP")) {
    a->unencrypted_srtp = TRUE;
  } else if (token_is(p, end, "UNENCRYPTED_SRTCP")) {
    a->unencrypted_srtcp = TRUE;
  } else if (token_is(p, end, "UNAUTHENTICATED_SRTP")) {
    a->unauthenticated_srtp = TRUE;
  } else if (has_prefix(p, end, "KDR=")) {
    if (!parse_decimal(p + 4, end, 2, &v) || v > 24)
      FAIL("SDES KDR is not a number from 0 to 24");
    a->has_kdr = TRUE;
    a->kdr = (guint)v;
  } else if (has_prefix(p, end, "WSH=")) {
    if (!parse_decimal(p + 4, end, 9, &v) || v < 64)
      FAIL("SDES WSH is not a window size of at least 64");
    a->has_wsh = TRUE;
    a->wsh = (guint32)v;
  } else if (has_prefix(p, end, "FEC_ORDER=")) {
    if (!token_is(p + 10, end, "FEC_SRTP") && !token_is(p + 10, end, "SRTP_FEC"))
      FAIL("SDES FEC_ORDER is neither FEC_SRTP nor SRTP_FEC");
    a->has_fec_order = TRUE;
  } else if (has_prefix(p, end, "FEC_KEY=")) {
    if (end - p <= 8)
      FAIL("SDES FEC_KEY has no key parameters");
    a->has_fec_key = TRUE;
  } else if (*p == '-') {
    a->n_unknown_optional++;
  } else {
    a->n_unknown_mandatory++;
  }
  return 0;
}

static gboolean
is_space(char c)
{
  return c == ' ' || c == '\t';
}

static int
parse_inner(const char *p, const char *end, sdes_crypto_attr *a, const char **reason)
{
  while (p < end && is_space(*p))
    p++;
  while (end > p && (is_space(end[-1]) || end[-1] == '\r' || end[-1] == '\n'))
    end--;
  if (p == end)
    FAIL("SDES crypto attribute is empty");

  /* tag */
  const char *t = p;
  while (p < end && !is_space(*p))
    p++;
  guint64 tag;
  if (!parse_decimal(t, p, 9, &tag))
    FAIL("SDES crypto tag is not 1 to 9 digits");
  a->tag = (guint32)tag;
  while (p < end && is_space(*p))
    p++;

  /* crypto-suite */
  const char *s = p;
  while (p < end && !is_space(*p))
    p++;
  if (p == s)
    FAIL("SDES crypto attribute has no crypto suite");
  gsize name_len = MIN((gsize)(p - s), (gsize)SDES_SUITE_NAME_MAX);
  /* Kept for logs: nothing unprintable from the network goes into them. */
  for (gsize i = 0; i < name_len; i++)
    a->suite_name[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
  a->suite_name[name_len] = '\0';
  a->suite_known = sdes_suite_from_name(s, (gsize)(p - s), &a->suite) == 0;
  while (p < end && is_space(*p))
    p++;

  /* key-params */
  const char *kp = p;
  while (p < end && !is_space(*p))
    p++;
  if (p == kp)
    FAIL("SDES crypto attribute has no key parameters");
  if (!a->suite_known)
    return 0; /* key-params of a suite we do not know are not ours to judge */
  while (kp < p) {
    const char *semi = memchr(kp, ';', (gsize)(p - kp));
    const char *kend = semi ? semi : p;
    if (a->n_keys == SDES_MAX_KEY_PARAMS)
      FAIL("SDES crypto attribute has too many key parameters");
    int rc = parse_key_param(kp, kend, a->suite, &a->keys[a->n_keys], reason);
    if (rc < 0)
      return rc;
    a->n_keys++;
    if (!semi)
      break;
    kp = semi + 1;
    if (kp == p)
      FAIL("SDES key parameters end with ;");
  }

  /* session-params */
  while (p < end) {
    while (p < end && is_space(*p))
      p++;
    const char *sp = p;
    while (p < end && !is_space(*p))
      p++;
    if (p > sp) {
      int rc = parse_session_param(sp, p, a, reason);
      if (rc < 0)
        return rc;
    }
  }
  return 0;
}

int
sdes_crypto_parse(const char *value, gsize len, sdes_crypto_attr *out, const char **reason)
{
  const char *dummy;
  if (!reason)
    reason = &dummy;
  sdes_crypto_attr_clear(out);
  if (!value && len > 0) {
    *reason = "SDES crypto attribute is empty";
    return -EINVAL;
  }
  int rc = parse_inner(value ? value : "", (value ? value : "") + len, out, reason);
  if (rc < 0)
    sdes_crypto_attr_clear(out);
  return rc;
}

gboolean
sdes_crypto_supported(const sdes_crypto_attr *a, const char **reason)
{
  const char *r = NULL;
  if (!a->suite_known)
    r = "SDES crypto suite is not known";
  else if (a->n_keys == 0)
    r = "SDES crypto attribute has no key";
  else if (a->keys[0].has_mki)
    r = "SRTP MKI is not supported";
  else if (a->unencrypted_srtp || a->unencrypted_srtcp)
    r = "unencrypted SRTP or SRTCP is not supported";
  else if (a->unauthenticated_srtp)
    r = "unauthenticated SRTP is not supported";
  else if (a->has_kdr && a->kdr != 0)
    r = "SRTP key derivation rate other than 0 is not supported";
  else if (a->has_fec_order || a->has_fec_key)
    r = "SRTP FEC parameters are not supported";
  else if (a->n_unknown_mandatory > 0)
    r = "unknown SDES session parameter";
  if (r && reason)
    *reason = r;
  return r == NULL;
}

/* ---- writing ---- */

typedef struct {
  char *out;
  gsize cap, len;
  gboolean overflow;
} writer;

static void
put(writer *w, const char *s, gsize n)
{
  if (w->overflow || w->len + n + 1 > w->cap) {
    w->overflow = TRUE;
    return;
  }
  memcpy(w->out + w->len, s, n);
  w->len += n;
  w->out[w->len] = '\0';
}

static void
puts_(writer *w, const char *s)
{
  put(w, s, strlen(s));
}

static void
putu(writer *w, guint64 v)
{
  char buf[24];
  int n = g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, v);
  put(w, buf, (gsize)n);
}

static int
format(const sdes_crypto_attr *a, char *out, gsize cap, gboolean redact)
{
  writer w = { out, cap, 0, FALSE };
  if (cap > 0)
    out[0] = '\0';
  if (!redact && (!a->suite_known || a->n_keys == 0 || a->n_keys > SDES_MAX_KEY_PARAMS))
    return -EINVAL;
  putu(&w, a->tag);
  puts_(&w, " ");
  puts_(&w, a->suite_known ? media_srtp_suite_name(a->suite) : a->suite_name);
  puts_(&w, " ");
  guint n = MIN(MAX(a->n_keys, 1u), (guint)SDES_MAX_KEY_PARAMS);
  for (guint i = 0; i < n; i++) {
    const sdes_key_param *k = &a->keys[i];
    if (i > 0)
      puts_(&w, ";");
    puts_(&w, "inline:");
    if (redact || k->key_len > MEDIA_SRTP_MAX_KEY_LEN) {
      puts_(&w, "<redacted>");
    } else {
      char b64[(MEDIA_SRTP_MAX_KEY_LEN + 2) / 3 * 4 + 1];
      gsize bn = b64_encode(k->key, k->key_len, b64);
      put(&w, b64, bn);
      gnutls_memset(b64, 0, sizeof b64);
    }
    if (!a->suite_known || a->n_keys == 0)
      break;
    if (k->has_lifetime) {
      if (k->lifetime_is_power) {
        puts_(&w, "|2^");
        putu(&w, k->lifetime_exponent);
      } else {
        puts_(&w, "|");
        putu(&w, k->lifetime);
      }
    }
    if (k->has_mki) {
      puts_(&w, "|");
      putu(&w, k->mki_value);
      puts_(&w, ":");
      putu(&w, k->mki_length);
    }
  }
  if (a->has_kdr) {
    puts_(&w, " KDR=");
    putu(&w, a->kdr);
  }
  if (a->unencrypted_srtp)
    puts_(&w, " UNENCRYPTED_SRTP");
  if (a->unencrypted_srtcp)
    puts_(&w, " UNENCRYPTED_SRTCP");
  if (a->unauthenticated_srtp)
    puts_(&w, " UNAUTHENTICATED_SRTP");
  if (a->has_wsh) {
    puts_(&w, " WSH=");
    putu(&w, a->wsh);
  }
  if (w.overflow) {
    if (cap > 0)
      gnutls_memset(out, 0, cap);
    return -ENOSPC;
  }
  return (int)w.len;
}

int
sdes_crypto_format(const sdes_crypto_attr *attr, char *out, gsize cap)
{
  return format(attr, out, cap, FALSE);
}

int
sdes_crypto_format_redacted(const sdes_crypto_attr *attr, char *out, gsize cap)
{
  return format(attr, out, cap, TRUE);
}

int
sdes_crypto_generate(media_srtp_suite suite, guint32 tag, sdes_crypto_attr *out)
{
  sdes_crypto_attr_clear(out);
  if ((guint)suite >= MEDIA_SRTP_SUITE_COUNT || tag > SDES_MAX_TAG)
    return -EINVAL;
  out->tag = tag;
  out->suite = suite;
  out->suite_known = TRUE;
  g_strlcpy(out->suite_name, media_srtp_suite_name(suite), sizeof out->suite_name);
  out->n_keys = 1;
  out->keys[0].key_len = media_srtp_suite_key_length(suite);
  if (gnutls_rnd(GNUTLS_RND_KEY, out->keys[0].key, out->keys[0].key_len) < 0) {
    sdes_crypto_attr_clear(out);
    return -EIO;
  }
  return 0;
}

int
sdes_choose_answer(const sdes_crypto_attr *offers, gsize n_offers,
                   const media_srtp_suite *allowed, gsize n_allowed, gsize *chosen,
                   const char **reason)
{
  const char *first_reason = NULL;
  for (gsize i = 0; i < n_offers; i++) {
    const sdes_crypto_attr *o = &offers[i];
    gboolean ok = FALSE;
    if (!o->suite_known)
      continue;
    for (gsize j = 0; j < n_allowed && !ok; j++)
      ok = allowed[j] == o->suite;
    if (!ok)
      continue;
    const char *r = NULL;
    if (sdes_crypto_supported(o, &r)) {
      *chosen = i;
      return 0;
    }
    if (!first_reason)
      first_reason = r;
  }
  if (reason) {
    if (n_offers == 0)
      *reason = "no SDES crypto attribute offered";
    else
      *reason = first_reason ? first_reason : "none of the offered SRTP crypto suites is enabled";
  }
  return -ENOENT;
}
