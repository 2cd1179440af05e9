/* SDES a=crypto attributes (RFC 4568, RFC 6188, RFC 7714 §12). */
#include <errno.h>
#include <string.h>

#include "gateway/media/sdes.h"

/* RFC 4568 §9.1 (the example with an MKI and FEC_ORDER). */
static const char rfc4568_example[] =
  "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 "
  "FEC_ORDER=FEC_SRTP";

static int
parse(const char *s, sdes_crypto_attr *a, const char **reason)
{
  return sdes_crypto_parse(s, strlen(s), a, reason);
}

static void
test_rfc4568_example(void)
{
  g_auto(sdes_crypto_attr) a;
  const char *reason = NULL;
  g_assert_cmpint(parse(rfc4568_example, &a, &reason), ==, 0);
  g_assert_cmpuint(a.tag, ==, 1);
  g_assert_true(a.suite_known);
  g_assert_cmpint(a.suite, ==, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80);
  g_assert_cmpuint(a.n_keys, ==, 1);
  g_assert_cmpuint(a.keys[0].key_len, ==, 30);
  g_assert_cmpmem(a.keys[0].key, 30, "YS___semctl () {\t220;}\n}\nunles", 30);
  g_assert_true(a.keys[0].has_lifetime);
  g_assert_true(a.keys[0].lifetime_is_power);
  g_assert_cmpuint(a.keys[0].lifetime_exponent, ==, 20);
  g_assert_cmpuint(a.keys[0].lifetime, ==, 1u << 20);
  g_assert_true(a.keys[0].has_mki);
  g_assert_cmpuint(a.keys[0].mki_value, ==, 1);
  g_assert_cmpuint(a.keys[0].mki_length, ==, 4);
  g_assert_true(a.has_fec_order);
  /* Parsed fine, but we cannot honour the MKI (nor FEC). */
  g_assert_false(sdes_crypto_supported(&a, &reason));
  g_assert_cmpstr(reason, ==, "SRTP MKI is not supported");
  /* Written back without FEC_ORDER (not kept). */
  char out[SDES_CRYPTO_MAX_LEN];
  g_assert_cmpint(sdes_crypto_format(&a, out, sizeof out), >, 0);
  g_assert_cmpstr(out, ==,
                  "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4");
  g_assert_cmpint(sdes_crypto_format_redacted(&a, out, sizeof out), >, 0);
  g_assert_cmpstr(out, ==, "1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>|2^20|1:4");
}

/* One good line per suite, written with padding as the writer does. */
static const struct {
  const char *line;
  media_srtp_suite suite;
  gsize key_len;
} per_suite[] = {
  { "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
    MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, 30 },
  { "2 AES_CM_128_HMAC_SHA1_32 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
    MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32, 30 },
  { "3 AES_192_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU=",
    MEDIA_SRTP_AES_192_CM_HMAC_SHA1_80, 38 },
  { "4 AES_192_CM_HMAC_SHA1_32 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU=",
    MEDIA_SRTP_AES_192_CM_HMAC_SHA1_32, 38 },
  { "5 AES_256_CM_HMAC_SHA1_80 "
    "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ==",
    MEDIA_SRTP_AES_256_CM_HMAC_SHA1_80, 46 },
  { "6 AES_256_CM_HMAC_SHA1_32 "
    "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ==",
    MEDIA_SRTP_AES_256_CM_HMAC_SHA1_32, 46 },
  { "7 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==",
    MEDIA_SRTP_AEAD_AES_128_GCM, 28 },
  { "8 AEAD_AES_256_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis=",
    MEDIA_SRTP_AEAD_AES_256_GCM, 44 },
};

static void
test_every_suite_round_trip(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(per_suite); i++) {
    g_auto(sdes_crypto_attr) a;
    const char *reason = NULL;
    g_assert_cmpint(parse(per_suite[i].line, &a, &reason), ==, 0);
    g_assert_true(a.suite_known);
    g_assert_cmpint(a.suite, ==, per_suite[i].suite);
    g_assert_cmpuint(a.tag, ==, i + 1);
    g_assert_cmpuint(a.keys[0].key_len, ==, per_suite[i].key_len);
    for (guint b = 0; b < per_suite[i].key_len; b++)
      g_assert_cmpuint(a.keys[0].key[b], ==, b);
    g_assert_true(sdes_crypto_supported(&a, NULL));
    char out[SDES_CRYPTO_MAX_LEN];
    int n = sdes_crypto_format(&a, out, sizeof out);
    g_assert_cmpint(n, ==, (int)strlen(per_suite[i].line));
    g_assert_cmpstr(out, ==, per_suite[i].line);
    /* Too small a buffer: -ENOSPC for every size short of the line. */
    for (gsize cap = 0; cap <= (gsize)n; cap++)
      g_assert_cmpint(sdes_crypto_format(&a, out, cap), ==, -ENOSPC);
  }
}

static void
test_padding_optional(void)
{
  /* The 46-byte key without its "==" and the 38-byte key without "=". */
  static const char *unpadded[] = {
    "5 AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ",
    "3 AES_192_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU",
    "7 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw",
  };
  for (guint i = 0; i < G_N_ELEMENTS(unpadded); i++) {
    g_auto(sdes_crypto_attr) a;
    g_assert_cmpint(parse(unpadded[i], &a, NULL), ==, 0);
    g_assert_cmpuint(a.keys[0].key_len, ==, media_srtp_suite_key_length(a.suite));
    g_assert_cmpuint(a.keys[0].key[a.keys[0].key_len - 1], ==, a.keys[0].key_len - 1);
  }
  /* Wrong padding. */
  static const char *bad[] = {
    "5 AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ=",
    "5 AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ===",
    "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd====",
    "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoL=A0ODxAREhMUFRYXGBkaGxwd",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_auto(sdes_crypto_attr) a;
    const char *reason = NULL;
    g_assert_cmpint(parse(bad[i], &a, &reason), ==, -EINVAL);
    g_assert_nonnull(reason);
  }
}

static void
test_aliases_and_unknown_suites(void)
{
  g_auto(sdes_crypto_attr) a;
  g_assert_cmpint(parse("9 AES_CM_256_HMAC_SHA1_80 "
                        "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ==",
                        &a, NULL), ==, 0);
  g_assert_cmpint(a.suite, ==, MEDIA_SRTP_AES_256_CM_HMAC_SHA1_80);
  g_assert_cmpstr(a.suite_name, ==, "AES_CM_256_HMAC_SHA1_80");
  char out[SDES_CRYPTO_MAX_LEN];
  g_assert_cmpint(sdes_crypto_format(&a, out, sizeof out), >, 0);
  g_assert_true(g_str_has_prefix(out, "9 AES_256_CM_HMAC_SHA1_80 inline:")); /* canonical name */
  g_assert_cmpint(parse("9 AES_CM_192_HMAC_SHA1_32 "
                        "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU=", &a, NULL), ==, 0);
  g_assert_cmpint(a.suite, ==, MEDIA_SRTP_AES_192_CM_HMAC_SHA1_32);
  g_assert_cmpint(parse("9 AES_CM_256_HMAC_SHA1_32 "
                        "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ==",
                        &a, NULL), ==, 0);
  g_assert_cmpint(a.suite, ==, MEDIA_SRTP_AES_256_CM_HMAC_SHA1_32);
  g_assert_cmpint(parse("9 AES_CM_192_HMAC_SHA1_80 "
                        "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU=", &a, NULL), ==, 0);
  g_assert_cmpint(a.suite, ==, MEDIA_SRTP_AES_192_CM_HMAC_SHA1_80);

  /* Unknown suites parse (their key params are not ours to judge). */
  const char *reason = NULL;
  g_assert_cmpint(parse("3 F8_128_HMAC_SHA1_80 inline:NDliMWIzZGE1ZTAwZjA5ZGFhNjQ5YmEANTMzYzA0", &a,
                        &reason), ==, 0);
  g_assert_false(a.suite_known);
  g_assert_cmpstr(a.suite_name, ==, "F8_128_HMAC_SHA1_80");
  g_assert_false(sdes_crypto_supported(&a, &reason));
  g_assert_cmpstr(reason, ==, "SDES crypto suite is not known");
  g_assert_cmpint(sdes_crypto_format(&a, out, sizeof out), ==, -EINVAL);
  g_assert_cmpint(sdes_crypto_format_redacted(&a, out, sizeof out), >, 0);
  g_assert_cmpstr(out, ==, "3 F8_128_HMAC_SHA1_80 inline:<redacted>");
  g_assert_cmpint(sdes_crypto_parse("4 X\001\x7fY k:v", 10, &a, NULL), ==, 0);
  g_assert_cmpstr(a.suite_name, ==, "X??Y");
  g_assert_cmpint(parse("4 SEED_128_GCM_96 whatever:else KDR=99", &a, NULL), ==, 0);
  g_assert_false(a.suite_known);
  /* Names are case-sensitive (RFC 4568 registers them upper case). */
  g_assert_cmpint(parse("1 aes_cm_128_hmac_sha1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
                        &a, NULL), ==, 0);
  g_assert_false(a.suite_known);
}

static void
test_lifetime_and_mki(void)
{
  g_auto(sdes_crypto_attr) a;
  const char *reason = NULL;
  char out[SDES_CRYPTO_MAX_LEN];
  static const char *good[] = {
    "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^31",
    "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1048576",
    "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^48",
    "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|281474976710656",
    "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|255:1",
    "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|1:32",
    "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|18446744073709551:128",
    "1 AES_CM_128_HMAC_SHA1_80 "
      "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|1:4;"
      "inline:HRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgEA|2^20|2:4",
  };
  for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
    g_assert_cmpint(parse(good[i], &a, &reason), ==, 0);
    g_assert_cmpint(sdes_crypto_format(&a, out, sizeof out), ==, (int)strlen(good[i]));
    g_assert_cmpstr(out, ==, good[i]);
  }
  g_assert_cmpuint(a.n_keys, ==, 2);
  g_assert_cmpuint(a.keys[1].mki_value, ==, 2);
  g_assert_cmpuint(a.keys[1].key[0], ==, 0x1d);
  g_assert_cmpint(parse(good[1], &a, NULL), ==, 0);
  g_assert_false(a.keys[0].lifetime_is_power);
  g_assert_cmpuint(a.keys[0].lifetime, ==, 1048576);
  g_assert_true(sdes_crypto_supported(&a, NULL)); /* a lifetime alone is fine */
  g_assert_cmpint(parse(good[4], &a, NULL), ==, 0);
  g_assert_false(a.keys[0].has_lifetime);
  g_assert_cmpuint(a.keys[0].mki_value, ==, 255);
  g_assert_false(sdes_crypto_supported(&a, &reason));
  g_assert_cmpstr(reason, ==, "SRTP MKI is not supported");
}

static const char *malformed[] = {
  "",
  "   ",
  "\r\n",
  "1",
  "1 ",
  "1 AES_CM_128_HMAC_SHA1_80",
  "1 AES_CM_128_HMAC_SHA1_80 ",
  "AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", /* no tag */
  "x AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
  "1234567890 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
  "-1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
  "1a AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
  "1 AES_CM_128_HMAC_SHA1_80 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", /* no inline: */
  "1 AES_CM_128_HMAC_SHA1_80 uri:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
  "1 AES_CM_128_HMAC_SHA1_80 inline:",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx!d", /* bad base64 */
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw",  /* 29.25 bytes */
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx",   /* 29 bytes */
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", /* 33 */
  "1 AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", /* 30 for 46 */
  "1 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",        /* 30 for 28 */
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|0",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^49",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^x",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|3^20",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|281474976710657",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1:",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|:4",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1:0",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1:129",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1:1000",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|256:1",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1:x",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1:4|2^20",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|2^20",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1:4|2:4",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|1:4|x",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd;",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd;;",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd KDR=25",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd KDR=",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd KDR=100",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd WSH=63",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd WSH=x",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd FEC_ORDER=X",
  "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd FEC_KEY=",
};

static void
test_malformed(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(malformed); i++) {
    g_auto(sdes_crypto_attr) a;
    const char *reason = NULL;
    if (parse(malformed[i], &a, &reason) != -EINVAL)
      g_error("accepted: \"%s\"", malformed[i]);
    g_assert_nonnull(reason);
    /* Nothing left behind on error. */
    g_assert_cmpuint(a.n_keys, ==, 0);
    g_assert_cmpuint(a.keys[0].key[0], ==, 0);
  }
  g_auto(sdes_crypto_attr) a;
  g_assert_cmpint(sdes_crypto_parse(NULL, 0, &a, NULL), ==, -EINVAL);
}

static void
test_session_params(void)
{
  static const struct {
    const char *params;
    gboolean supported;
    const char *reason;
  } cases[] = {
    { "", TRUE, NULL },
    { "KDR=0", TRUE, NULL },
    { "WSH=64", TRUE, NULL },
    { "WSH=4096 KDR=0", TRUE, NULL },
    { "-X-FUTURE=1", TRUE, NULL },
    { "KDR=24", FALSE, "SRTP key derivation rate other than 0 is not supported" },
    { "UNENCRYPTED_SRTP", FALSE, "unencrypted SRTP or SRTCP is not supported" },
    { "UNENCRYPTED_SRTCP", FALSE, "unencrypted SRTP or SRTCP is not supported" },
    { "UNAUTHENTICATED_SRTP", FALSE, "unauthenticated SRTP is not supported" },
    { "FEC_ORDER=SRTP_FEC", FALSE, "SRTP FEC parameters are not supported" },
    { "FEC_KEY=inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", FALSE,
      "SRTP FEC parameters are not supported" },
    { "FUTURE_PARAM", FALSE, "unknown SDES session parameter" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *line = g_strdup_printf(
      "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd %s", cases[i].params);
    g_auto(sdes_crypto_attr) a;
    const char *reason = NULL;
    g_assert_cmpint(parse(line, &a, &reason), ==, 0);
    g_assert_cmpint(sdes_crypto_supported(&a, &reason), ==, cases[i].supported);
    if (!cases[i].supported)
      g_assert_cmpstr(reason, ==, cases[i].reason);
  }
  g_auto(sdes_crypto_attr) a;
  g_assert_cmpint(parse("1  AES_CM_128_HMAC_SHA1_80\tinline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
                        "  KDR=0 UNENCRYPTED_SRTCP UNENCRYPTED_SRTP UNAUTHENTICATED_SRTP WSH=128 -x \r\n",
                        &a, NULL), ==, 0);
  g_assert_true(a.has_kdr && a.unencrypted_srtcp && a.unencrypted_srtp && a.unauthenticated_srtp);
  g_assert_cmpuint(a.wsh, ==, 128);
  g_assert_cmpuint(a.n_unknown_optional, ==, 1);
  char out[SDES_CRYPTO_MAX_LEN];
  g_assert_cmpint(sdes_crypto_format(&a, out, sizeof out), >, 0);
  g_assert_cmpstr(out, ==, "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
                           " KDR=0 UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP WSH=128");
}

static void
test_every_truncation(void)
{
  const char *lines[G_N_ELEMENTS(per_suite) + 2];
  for (guint i = 0; i < G_N_ELEMENTS(per_suite); i++)
    lines[i] = per_suite[i].line;
  lines[G_N_ELEMENTS(per_suite)] = rfc4568_example;
  lines[G_N_ELEMENTS(per_suite) + 1] =
    "12 AES_CM_128_HMAC_SHA1_32 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|1:4;"
    "inline:HRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgEA|2^20|2:4 KDR=0 WSH=64";
  for (guint i = 0; i < G_N_ELEMENTS(lines); i++) {
    gsize len = strlen(lines[i]);
    for (gsize n = 0; n <= len; n++) {
      /* A heap copy of exactly N bytes, so ASan sees any overread. */
      g_autofree char *copy = g_memdup2(lines[i], n ? n : 1);
      g_auto(sdes_crypto_attr) a;
      const char *reason = NULL;
      int rc = sdes_crypto_parse(copy, n, &a, &reason);
      g_assert_true(rc == 0 || (rc == -EINVAL && reason));
    }
  }
}

static void
test_choose_answer(void)
{
  const char *offer_lines[] = {
    "1 F8_128_HMAC_SHA1_80 inline:NDliMWIzZGE1ZTAwZjA5ZGFhNjQ5YmEANTMzYzA0",
    "2 AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ==|2^31|1:1",
    "3 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd KDR=0",
    "4 AES_CM_128_HMAC_SHA1_32 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
  };
  sdes_crypto_attr offers[G_N_ELEMENTS(offer_lines)];
  for (guint i = 0; i < G_N_ELEMENTS(offer_lines); i++)
    g_assert_cmpint(parse(offer_lines[i], &offers[i], NULL), ==, 0);
  gsize chosen = 99;
  const char *reason = NULL;
  /* The offer's order wins over the order of our list. */
  media_srtp_suite ours[] = { MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80,
                              MEDIA_SRTP_AES_256_CM_HMAC_SHA1_80 };
  g_assert_cmpint(sdes_choose_answer(offers, 4, ours, 3, &chosen, &reason), ==, 0);
  g_assert_cmpuint(chosen, ==, 2); /* 256 has an MKI: skipped; the tag to keep is 3 */
  g_assert_cmpuint(offers[chosen].tag, ==, 3);
  g_assert_cmpint(sdes_choose_answer(offers, 4, ours, 1, &chosen, &reason), ==, 0);
  g_assert_cmpuint(chosen, ==, 3);
  /* Only the MKI line is allowed: its reason goes into the Warning. */
  media_srtp_suite only256[] = { MEDIA_SRTP_AES_256_CM_HMAC_SHA1_80 };
  g_assert_cmpint(sdes_choose_answer(offers, 4, only256, 1, &chosen, &reason), ==, -ENOENT);
  g_assert_cmpstr(reason, ==, "SRTP MKI is not supported");
  media_srtp_suite gcm[] = { MEDIA_SRTP_AEAD_AES_128_GCM };
  g_assert_cmpint(sdes_choose_answer(offers, 4, gcm, 1, &chosen, &reason), ==, -ENOENT);
  g_assert_cmpstr(reason, ==, "none of the offered SRTP crypto suites is enabled");
  g_assert_cmpint(sdes_choose_answer(offers, 0, ours, 3, &chosen, &reason), ==, -ENOENT);
  g_assert_cmpstr(reason, ==, "no SDES crypto attribute offered");
  g_assert_cmpint(sdes_choose_answer(offers, 4, ours, 0, &chosen, NULL), ==, -ENOENT);
  for (guint i = 0; i < G_N_ELEMENTS(offers); i++)
    sdes_crypto_attr_clear(&offers[i]);
}

static void
test_generate(void)
{
  for (guint s = 0; s < MEDIA_SRTP_SUITE_COUNT; s++) {
    g_auto(sdes_crypto_attr) a;
    g_auto(sdes_crypto_attr) b;
    g_auto(sdes_crypto_attr) c;
    g_assert_cmpint(sdes_crypto_generate((media_srtp_suite)s, 7, &a), ==, 0);
    g_assert_cmpint(sdes_crypto_generate((media_srtp_suite)s, 7, &b), ==, 0);
    g_assert_cmpuint(a.keys[0].key_len, ==, media_srtp_suite_key_length((media_srtp_suite)s));
    g_assert_true(memcmp(a.keys[0].key, b.keys[0].key, a.keys[0].key_len) != 0);
    g_assert_true(sdes_crypto_supported(&a, NULL));
    char out[SDES_CRYPTO_MAX_LEN];
    int n = sdes_crypto_format(&a, out, sizeof out);
    g_assert_cmpint(n, >, 0);
    g_assert_cmpint(sdes_crypto_parse(out, (gsize)n, &c, NULL), ==, 0);
    g_assert_cmpmem(c.keys[0].key, c.keys[0].key_len, a.keys[0].key, a.keys[0].key_len);
    g_assert_cmpuint(c.tag, ==, 7);
    /* A key from it works in libsrtp. */
    g_autoptr(GError) error = NULL;
    g_autoptr(media_srtp) ctx = media_srtp_new(a.suite, a.keys[0].key, a.keys[0].key_len, TRUE, &error);
    g_assert_no_error(error);
    g_assert_nonnull(ctx);
  }
  /* 64 keys, all different. */
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                                     (GDestroyNotify)g_bytes_unref, NULL);
  for (guint i = 0; i < 64; i++) {
    g_auto(sdes_crypto_attr) a;
    g_assert_cmpint(sdes_crypto_generate(MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, 1, &a), ==, 0);
    g_assert_true(g_hash_table_add(seen, g_bytes_new(a.keys[0].key, a.keys[0].key_len)));
  }
  g_auto(sdes_crypto_attr) a;
  g_assert_cmpint(sdes_crypto_generate(MEDIA_SRTP_SUITE_COUNT, 1, &a), ==, -EINVAL);
  g_assert_cmpint(sdes_crypto_generate(MEDIA_SRTP_AEAD_AES_128_GCM, 1000000000, &a), ==, -EINVAL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/sdes/rfc4568-example", test_rfc4568_example);
  g_test_add_func("/media/sdes/every-suite-round-trip", test_every_suite_round_trip);
  g_test_add_func("/media/sdes/padding-optional", test_padding_optional);
  g_test_add_func("/media/sdes/aliases-and-unknown-suites", test_aliases_and_unknown_suites);
  g_test_add_func("/media/sdes/lifetime-and-mki", test_lifetime_and_mki);
  g_test_add_func("/media/sdes/malformed", test_malformed);
  g_test_add_func("/media/sdes/session-params", test_session_params);
  g_test_add_func("/media/sdes/every-truncation", test_every_truncation);
  g_test_add_func("/media/sdes/choose-answer", test_choose_answer);
  g_test_add_func("/media/sdes/generate", test_generate);
  return g_test_run();
}
