/* Certificate fingerprints: compute, format, parse, compare (RFC 8122). */
#define G_LOG_DOMAIN "rtc2sip-certs"
#include "certs/fingerprint.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <string.h>

static const struct {
  const char *name;
  guint length;
  gnutls_digest_algorithm_t algorithm;
} hashes[FINGERPRINT_HASH_COUNT] = {
  [FINGERPRINT_HASH_MD5] = { "md5", 16, GNUTLS_DIG_MD5 },
  [FINGERPRINT_HASH_SHA1] = { "sha-1", 20, GNUTLS_DIG_SHA1 },
  [FINGERPRINT_HASH_SHA224] = { "sha-224", 28, GNUTLS_DIG_SHA224 },
  [FINGERPRINT_HASH_SHA256] = { "sha-256", 32, GNUTLS_DIG_SHA256 },
  [FINGERPRINT_HASH_SHA384] = { "sha-384", 48, GNUTLS_DIG_SHA384 },
  [FINGERPRINT_HASH_SHA512] = { "sha-512", 64, GNUTLS_DIG_SHA512 },
};

const char *
fingerprint_hash_name(fingerprint_hash hash)
{
  return hash < FINGERPRINT_HASH_COUNT ? hashes[hash].name : "unknown";
}

guint
fingerprint_hash_length(fingerprint_hash hash)
{
  return hash < FINGERPRINT_HASH_COUNT ? hashes[hash].length : 0;
}

int
fingerprint_hash_from_name(const char *name, gsize len, fingerprint_hash *out)
{
  for (guint i = 0; i < FINGERPRINT_HASH_COUNT; i++) {
    if (strlen(hashes[i].name) == len && g_ascii_strncasecmp(name, hashes[i].name, len) == 0) {
      *out = i;
      return 0;
    }
  }
  return -ENOENT;
}

int
fingerprint_compute(fingerprint_hash hash, const guint8 *der, gsize der_len, fingerprint *out)
{
  if (hash >= FINGERPRINT_HASH_COUNT || (!der && der_len))
    return -EINVAL;
  memset(out, 0, sizeof *out);
  if (gnutls_hash_fast(hashes[hash].algorithm, der, der_len, out->digest) < 0)
    return -EINVAL;
  out->hash = hash;
  out->len = hashes[hash].length;
  return 0;
}

char *
fingerprint_format(const fingerprint *fp, char *buf)
{
  static const char hex[] = "0123456789ABCDEF";
  char *p = g_stpcpy(buf, fingerprint_hash_name(fp->hash));
  *p++ = ' ';
  for (guint i = 0; i < fp->len; i++) {
    if (i)
      *p++ = ':';
    *p++ = hex[fp->digest[i] >> 4];
    *p++ = hex[fp->digest[i] & 15];
  }
  *p = '\0';
  return buf;
}

char *
fingerprint_to_string(const fingerprint *fp)
{
  char buf[FINGERPRINT_MAX_TEXT];
  return g_strdup(fingerprint_format(fp, buf));
}

char *
fingerprint_format_hex(const fingerprint *fp, char *buf)
{
  static const char hex[] = "0123456789abcdef";
  char *p = buf;
  for (guint i = 0; i < fp->len; i++) {
    *p++ = hex[fp->digest[i] >> 4];
    *p++ = hex[fp->digest[i] & 15];
  }
  *p = '\0';
  return buf;
}

static int
hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
is_space(char c)
{
  return c == ' ' || c == '\t';
}

int
fingerprint_parse(const char *text, gsize len, fingerprint *out, const char **reason)
{
  const char *p = text, *end = text + len;
  const char *unused;
  fingerprint fp = { 0 };

  if (!reason)
    reason = &unused;
  if (!text) {
    *reason = "empty fingerprint";
    return -EINVAL;
  }
  while (p < end && is_space(*p))
    p++;
  while (end > p && (is_space(end[-1]) || end[-1] == '\r' || end[-1] == '\n'))
    end--;
  if (p == end) {
    *reason = "empty fingerprint";
    return -EINVAL;
  }

  const char *name = p;
  while (p < end && !is_space(*p))
    p++;
  if (fingerprint_hash_from_name(name, p - name, &fp.hash) < 0) {
    *reason = "unknown hash function (want md5, sha-1, sha-224, sha-256, sha-384 or sha-512)";
    return -ENOENT;
  }
  while (p < end && is_space(*p))
    p++;
  if (p == end) {
    *reason = "missing digest after the hash name";
    return -EINVAL;
  }

  guint want = fingerprint_hash_length(fp.hash);
  guint n = 0;
  while (p < end) {
    if (end - p < 2) {
      *reason = "digest byte with a single hex digit";
      return -EINVAL;
    }
    int hi = hex_value(p[0]), lo = hex_value(p[1]);
    if (hi < 0 || lo < 0) {
      *reason = "digest is not hex pairs separated by colons";
      return -EINVAL;
    }
    if (n == want) {
      *reason = "digest longer than the hash function produces";
      return -ERANGE;
    }
    fp.digest[n++] = (guint8)(hi << 4 | lo);
    p += 2;
    if (p == end)
      break;
    if (*p != ':' || p + 1 == end) {
      *reason = "digest is not hex pairs separated by colons";
      return -EINVAL;
    }
    p++;
  }
  if (n != want) {
    *reason = "digest shorter than the hash function produces";
    return -ERANGE;
  }
  fp.len = (guint8)n;
  *out = fp;
  *reason = NULL;
  return 0;
}

gboolean
fingerprint_equal(const fingerprint *a, const fingerprint *b)
{
  guint8 diff = 0;
  if (a->hash != b->hash || a->len != b->len || a->len > FINGERPRINT_MAX_DIGEST)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    diff |= a->digest[i] ^ b->digest[i];
  return diff == 0;
}

gboolean
fingerprint_verify(const fingerprint *expected, const guint8 *der, gsize der_len)
{
  fingerprint actual;
  if (fingerprint_compute(expected->hash, der, der_len, &actual) < 0)
    return FALSE;
  return fingerprint_equal(expected, &actual);
}
