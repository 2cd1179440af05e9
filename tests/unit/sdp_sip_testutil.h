/* Helpers shared by tests/unit/test_sdp_sip_*.c: fixtures, the gateway's
 * keys and fingerprint, golden comparison with placeholders. */
#pragma once
#include <errno.h>
#include <string.h>

#include "signalling/sdp/sdp.h"
#include "signalling/sdp/sdp_sip.h"
#include "tests/unit/testutil.h"

#define GW_ADDRESS "198.51.100.1"
#define RTP_PORT 47012
#define RTP_PORT_TEXT "47012"
#define CRYPTO_80 "1 AES_CM_128_HMAC_SHA1_80 inline:R2F0ZXdheUtleUZvclNJUDgwLUFBQUFBQUFBQUFB"
#define CRYPTO_32 "2 AES_CM_128_HMAC_SHA1_32 inline:R2F0ZXdheUtleUZvclNJUDMyLUJCQkJCQkJCQkJC"
#define ANSWER_KEY "R2F0ZXdheUFuc3dlcktleTgwLUNDQ0NDQ0NDQ0ND"
#define FP_TEXT                                                                                    \
  "sha-256 12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0"

static fingerprint gateway_fp G_GNUC_UNUSED;
static const char *const gateway_crypto[] G_GNUC_UNUSED = { CRYPTO_80, CRYPTO_32 };

static G_GNUC_UNUSED void
load_gateway_fp(void)
{
  const char *reason = NULL;
  g_assert_cmpint(fingerprint_parse(FP_TEXT, strlen(FP_TEXT), &gateway_fp, &reason), ==, 0);
}

static G_GNUC_UNUSED char *
load_text(const char *name)
{
  g_autoptr(GBytes) b = testutil_load(name);
  return g_strndup(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
}

static G_GNUC_UNUSED sdp_session *
parse_text(const char *text)
{
  sdp_session *s = NULL;
  const char *reason = NULL;
  if (sdp_session_parse(text, strlen(text), SDP_PARSE_ALLOW_MISSING_S_T, &s, &reason) != 0)
    g_error("parse: %s", reason);
  return s;
}

static G_GNUC_UNUSED sdp_session *
parse_fixture(const char *name)
{
  g_autofree char *text = load_text(name);
  return parse_text(text);
}

/* The fixture NAME with every FROM replaced by TO (FROM must occur). */
static G_GNUC_UNUSED sdp_session *
parse_edited(const char *name, const char *from, const char *to)
{
  g_autofree char *text = load_text(name);
  g_assert_nonnull(strstr(text, from));
  g_auto(GStrv) parts = g_strsplit(text, from, -1);
  g_autofree char *edited = g_strjoinv(to, parts);
  return parse_text(edited);
}

static G_GNUC_UNUSED char *
replace_all(char *text, const char *from, const char *to)
{
  g_auto(GStrv) parts = g_strsplit(text, from, -1);
  g_free(text);
  return g_strjoinv(to, parts);
}

/* Compares S's text with the golden file, placeholders substituted;
 * SDP_GOLDEN_UPDATE=1 rewrites the golden file instead. */
static G_GNUC_UNUSED void
assert_golden(const sdp_session *s, const char *golden_name)
{
  char fp[FINGERPRINT_MAX_TEXT];
  const char *subst[][2] = {
    { "{CRYPTO_80}", CRYPTO_80 },         { "{CRYPTO_32}", CRYPTO_32 },
    { "{ANSWER_KEY}", ANSWER_KEY }, { "{FINGERPRINT}", fingerprint_format(&gateway_fp, fp) },
    { "{RTP_PORT}", RTP_PORT_TEXT },
  };
  g_autofree char *text = sdp_session_write(s);
  if (g_getenv("SDP_GOLDEN_UPDATE")) {
    g_autofree char *out = g_strdup(text);
    for (guint i = 0; i < G_N_ELEMENTS(subst); i++)
      out = replace_all(out, subst[i][1], subst[i][0]);
    out = replace_all(out, "\r\n", "\n");
    g_autofree char *path = testutil_data_path(golden_name);
    g_assert_true(g_file_set_contents(path, out, -1, NULL));
    return;
  }
  g_autofree char *golden = load_text(golden_name);
  for (guint i = 0; i < G_N_ELEMENTS(subst); i++)
    golden = replace_all(golden, subst[i][0], subst[i][1]);
  golden = replace_all(golden, "\n", "\r\n");
  g_assert_cmpstr(text, ==, golden);
  /* And what we write parses back to the same. */
  g_autoptr(sdp_session) back = parse_text(text);
  g_assert_true(sdp_session_equal(s, back));
}

static G_GNUC_UNUSED sdp_sip_kx_policy
policy(const char *text)
{
  sdp_sip_kx_policy p;
  const char *reason = NULL;
  g_assert_cmpint(sdp_sip_kx_policy_parse(text, &p, &reason), ==, 0);
  return p;
}

/* Every order of every non-empty subset of { sdes, dtls-srtp, rtp }. */
static const char *const all_policies[] G_GNUC_UNUSED = {
  "sdes",           "dtls-srtp",      "rtp",
  "sdes,dtls-srtp", "dtls-srtp,sdes", "sdes,rtp",
  "rtp,sdes",       "dtls-srtp,rtp",  "rtp,dtls-srtp",
  "sdes,dtls-srtp,rtp", "sdes,rtp,dtls-srtp", "dtls-srtp,sdes,rtp",
  "dtls-srtp,rtp,sdes", "rtp,sdes,dtls-srtp", "rtp,dtls-srtp,sdes",
};
