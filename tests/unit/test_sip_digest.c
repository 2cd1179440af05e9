/* Digest authentication: the worked examples of RFC 2617 §3.5 and RFC 7616
 * §3.9.1, and SIP-style vectors computed independently with Python:
 *
 *   python3 -c 'import hashlib
 *   H=lambda a,s: hashlib.new(a, s.encode()).hexdigest()
 *   N="1700000000/6f1c9a2b3d4e5f60718293a4b5c6d7e8"
 *   ha1=H("sha256","alice:asterisk:s3cr3t"); ha2=H("sha256","REGISTER:sip:pbx.example.com")
 *   print(H("sha256", f"{ha1}:{N}:00000001:a1b2c3d4:auth:{ha2}"))'
 *
 * (and the same with nc 00000002, MD5 without qop, MD5-sess, and
 * SHA-256-sess with auth-int over the body "v=0\r\n"). */
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_digest.h"
#include "signalling/sip/sip_message.h"
#include "tests/unit/testutil.h"

static void
parse_ok(sip_digest_challenge *ch, const char *text)
{
  const char *why = NULL;
  if (sip_digest_challenge_parse(ch, text, strlen(text), &why) != 0)
    g_error("challenge %s: %s", text, why);
}

/* The value of NAME=... in an Authorization value (without quotes). */
static char *
auth_param(const char *value, const char *name)
{
  g_autofree char *key = g_strdup_printf("%s=", name);
  const char *p = value;
  while ((p = strstr(p, key))) {
    if (p == value || p[-1] == ' ') {
      p += strlen(key);
      if (*p == '"') {
        const char *e = strchr(p + 1, '"');
        return g_strndup(p + 1, (gsize)(e - p - 1));
      }
      return g_strndup(p, strcspn(p, ","));
    }
    p++;
  }
  return NULL;
}

static void
test_rfc2617(void)
{
  g_auto(sip_digest_challenge) ch = SIP_DIGEST_CHALLENGE_INIT;
  g_autoptr(GString) out = g_string_new(NULL);
  const char *why;

  parse_ok(&ch, "Digest\r\n realm=\"testrealm@host.com\",\r\n qop=\"auth,auth-int\",\r\n"
                " nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
                " opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  g_assert_cmpstr(ch.realm, ==, "testrealm@host.com");
  g_assert_true(ch.qop_auth);
  g_assert_true(ch.qop_auth_int);
  g_assert_cmpint(ch.algorithm, ==, SIP_DIGEST_MD5);
  sip_digest_request rq = { "Mufasa", "Circle Of Life", "GET", "/dir/index.html", "0a4f113b", NULL, 0 };
  g_assert_cmpint(sip_digest_authorize(&ch, &rq, out, &why), ==, 0);
  g_assert_cmpstr(out->str, ==,
                  "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
                  "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
                  "response=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\", "
                  "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001");
}

static void
test_rfc7616(void)
{
  static const struct { const char *alg; const char *response; } v[] = {
    { "MD5", "8ca523f5e9506fed4657c9700eebdbec" },
    { "SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(v); i++) {
    g_auto(sip_digest_challenge) ch = SIP_DIGEST_CHALLENGE_INIT;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autofree char *text = g_strdup_printf(
        "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=%s, "
        "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
        "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"", v[i].alg);
    parse_ok(&ch, text);
    sip_digest_request rq = { "Mufasa", "Circle of Life", "GET", "/dir/index.html",
                              "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", NULL, 0 };
    g_assert_cmpint(sip_digest_authorize(&ch, &rq, out, NULL), ==, 0);
    g_autofree char *resp = auth_param(out->str, "response");
    g_autofree char *alg = auth_param(out->str, "algorithm");
    g_assert_cmpstr(resp, ==, v[i].response);
    g_assert_cmpstr(alg, ==, v[i].alg);
  }
}

#define SIP_NONCE "1700000000/6f1c9a2b3d4e5f60718293a4b5c6d7e8"

static void
test_sip_register_401(void)
{
  /* The SHA-256 challenge of a real-looking 401, nonce counts 1 and 2. */
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  g_autoptr(GBytes) b = testutil_load("sip/register-401.sip");
  g_auto(sip_digest_challenge) ch = SIP_DIGEST_CHALLENGE_INIT;
  const sip_header *h;

  g_assert_cmpint(sip_message_parse_bytes(&msg, b, SIP_FRAMING_DATAGRAM, NULL, NULL), ==, 0);
  h = sip_message_header(&msg, SIP_HDR_WWW_AUTHENTICATE);
  g_assert_cmpint(sip_digest_challenge_parse(&ch, h->value.p, h->value.len, NULL), ==, 0);
  g_assert_cmpint(ch.algorithm, ==, SIP_DIGEST_SHA256);
  g_assert_cmpstr(ch.nonce, ==, SIP_NONCE);
  sip_digest_request rq = { "alice", "s3cr3t", "REGISTER", "sip:pbx.example.com", "a1b2c3d4", NULL, 0 };
  {
    g_autoptr(GString) out = g_string_new(NULL);
    g_assert_cmpint(sip_digest_authorize(&ch, &rq, out, NULL), ==, 0);
    g_autofree char *resp = auth_param(out->str, "response");
    g_autofree char *nc = auth_param(out->str, "nc");
    g_assert_cmpstr(resp, ==, "abc0d1be6f75cbc49b3d2e5949265d86a4031ae35859fdb116b2d38bbbe922af");
    g_assert_cmpstr(nc, ==, "00000001");
  }
  {
    g_autoptr(GString) out = g_string_new(NULL);
    g_assert_cmpint(sip_digest_authorize(&ch, &rq, out, NULL), ==, 0);
    g_autofree char *resp = auth_param(out->str, "response");
    g_autofree char *nc = auth_param(out->str, "nc");
    g_assert_cmpstr(resp, ==, "7ae019a4adf781c4a627f26954ec57047b266812a21bafde67259e272e248a0a");
    g_assert_cmpstr(nc, ==, "00000002");
  }
  /* The second challenge, MD5 */
  h = sip_message_header_next(&msg, h);
  g_assert_cmpint(sip_digest_challenge_parse(&ch, h->value.p, h->value.len, NULL), ==, 0);
  g_assert_cmpint(ch.algorithm, ==, SIP_DIGEST_MD5);
  g_assert_cmpuint(ch.nc, ==, 0);   /* new challenge, count starts again */
}

static void
test_sip_variants(void)
{
  char out[SIP_DIGEST_HEX_MAX];

  /* RFC 2069 style: no qop. */
  {
    g_auto(sip_digest_challenge) ch = SIP_DIGEST_CHALLENGE_INIT;
    g_autoptr(GString) s = g_string_new(NULL);
    parse_ok(&ch, "Digest realm=\"asterisk\", nonce=\"" SIP_NONCE "\"");
    sip_digest_request rq = { "alice", "s3cr3t", "INVITE", "sip:bob@pbx.example.com", "unused", NULL, 0 };
    g_assert_cmpint(sip_digest_authorize(&ch, &rq, s, NULL), ==, 0);
    g_assert_cmpstr(s->str, ==, "Digest username=\"alice\", realm=\"asterisk\", nonce=\"" SIP_NONCE
                    "\", uri=\"sip:bob@pbx.example.com\", response=\"58ca7c66c096777482d45b71ad7239b8\"");
    g_assert_cmpuint(ch.nc, ==, 0);
  }
  g_assert_cmpint(sip_digest_response(SIP_DIGEST_MD5_SESS, "alice", "asterisk", "s3cr3t", SIP_NONCE,
                                      "00000001", "a1b2c3d4", "auth", "REGISTER",
                                      "sip:pbx.example.com", NULL, 0, out), ==, 0);
  g_assert_cmpstr(out, ==, "f4f1d29beddfe4b1d51a82b3ccd7da33");
  g_assert_cmpint(sip_digest_response(SIP_DIGEST_SHA256_SESS, "alice", "asterisk", "s3cr3t",
                                      SIP_NONCE, "00000001", "a1b2c3d4", "auth-int", "INVITE",
                                      "sip:bob@pbx.example.com", "v=0\r\n", 5, out), ==, 0);
  g_assert_cmpstr(out, ==, "68ea7c803d32fad59354929404198a31dfb479f4a1394bc425978ffc47f583c8");
  /* auth-int only: the body is hashed in. */
  {
    g_auto(sip_digest_challenge) ch = SIP_DIGEST_CHALLENGE_INIT;
    g_autoptr(GString) s = g_string_new(NULL);
    parse_ok(&ch, "Digest realm=\"asterisk\",nonce=\"" SIP_NONCE "\",qop=auth-int,algorithm=SHA-256-sess");
    sip_digest_request rq = { "alice", "s3cr3t", "INVITE", "sip:bob@pbx.example.com", "a1b2c3d4", "v=0\r\n", 5 };
    g_assert_cmpint(sip_digest_authorize(&ch, &rq, s, NULL), ==, 0);
    g_autofree char *resp = auth_param(s->str, "response");
    g_autofree char *qop = auth_param(s->str, "qop");
    g_assert_cmpstr(resp, ==, "68ea7c803d32fad59354929404198a31dfb479f4a1394bc425978ffc47f583c8");
    g_assert_cmpstr(qop, ==, "auth-int");
  }
}

static void
test_challenge_parse(void)
{
  static const struct { const char *text; int code; } cases[] = {
    { "Basic realm=\"x\"", -EINVAL },
    { "Digestive realm=\"x\", nonce=\"y\"", -EINVAL },
    { "Digest realm=\"x\"", -EBADMSG },
    { "Digest nonce=\"y\"", -EBADMSG },
    { "Digest realm=\"x, nonce=\"y\"", -EBADMSG },
    { "Digest realm=\"x\" nonce=\"y\"", -EBADMSG },
    { "Digest realm=\"x\", nonce=", -EBADMSG },
    { "Digest realm=\"x\", realm=\"z\", nonce=\"y\"", -EBADMSG },
    { "Digest realm=\"x\", nonce=\"y\", algorithm=SHA-512-256", -ENOTSUP },
    { "Digest realm=\"x\", nonce=\"y\", qop=\"auth-conf\"", -ENOTSUP },
    { "Digest realm=\"x\", nonce=\"y\", stale=TRUE, algorithm=md5-SESS, unknown=\"a,b\"", 0 },
    { "digest REALM=\"a \\\"quoted\\\" realm\",,  nonce=y", 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_auto(sip_digest_challenge) ch = SIP_DIGEST_CHALLENGE_INIT;
    const char *why = NULL;
    g_test_message("%s", cases[i].text);
    g_assert_cmpint(sip_digest_challenge_parse(&ch, cases[i].text, strlen(cases[i].text), &why), ==,
                    cases[i].code);
    if (cases[i].code)
      g_assert_nonnull(why);
    if (i == 10) {
      g_assert_true(ch.stale);
      g_assert_cmpint(ch.algorithm, ==, SIP_DIGEST_MD5_SESS);
    }
    if (i == 11) {
      g_assert_cmpstr(ch.realm, ==, "a \"quoted\" realm");
      g_autoptr(GString) s = g_string_new(NULL);
      sip_digest_request rq = { "u\"q", "p", "BYE", "sip:x", NULL, NULL, 0 };
      g_assert_cmpint(sip_digest_authorize(&ch, &rq, s, NULL), ==, 0);
      g_assert_true(g_str_has_prefix(s->str, "Digest username=\"u\\\"q\", realm=\"a \\\"quoted\\\" realm\""));
    }
  }
  /* Every truncation of a challenge is handled. */
  const char *full = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
                     "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c\", algorithm=MD5";
  for (gsize n = 0; n <= strlen(full); n++) {
    g_auto(sip_digest_challenge) ch = SIP_DIGEST_CHALLENGE_INIT;
    char *copy = g_memdup2(full, n ? n : 1);
    const char *why = NULL;
    if (sip_digest_challenge_parse(&ch, copy, n, &why) < 0)
      g_assert_nonnull(why);
    g_free(copy);
  }
  /* No cnonce where one is needed. */
  {
    g_auto(sip_digest_challenge) ch = SIP_DIGEST_CHALLENGE_INIT;
    g_autoptr(GString) s = g_string_new(NULL);
    const char *why = NULL;
    parse_ok(&ch, "Digest realm=\"x\", nonce=\"y\", qop=auth");
    sip_digest_request rq = { "u", "p", "BYE", "sip:x", NULL, NULL, 0 };
    g_assert_cmpint(sip_digest_authorize(&ch, &rq, s, &why), ==, -EINVAL);
    g_assert_nonnull(why);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip/digest/rfc2617", test_rfc2617);
  g_test_add_func("/sip/digest/rfc7616", test_rfc7616);
  g_test_add_func("/sip/digest/sip-401", test_sip_register_401);
  g_test_add_func("/sip/digest/variants", test_sip_variants);
  g_test_add_func("/sip/digest/challenge-parse", test_challenge_parse);
  return g_test_run();
}
