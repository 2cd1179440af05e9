/* Browser tokens: vectors computed independently with Python, the tokens
 * docs/auth.md's Python, Node and shell snippets produce, expiry and
 * leeway, every truncation and every single-byte change, and each
 * malformed shape with its reason. */
#include <errno.h>
#include <string.h>

#include "signalling/browser/browser_token.h"
#include "tests/unit/testutil.h"

/* Computed with:
 * python3 -c "
 * import hmac,hashlib,base64
 * def t(secret,exp,user):
 *     msg=('%d:%s'%(exp,user)).encode()
 *     sig=base64.urlsafe_b64encode(hmac.new(secret,msg,hashlib.sha256).digest()).rstrip(b'=').decode()
 *     return '%d:%s:%s'%(exp,user,sig)
 * print(t(b'correct horse battery staple',1700000000,'alice'))
 * print(t(b'correct horse battery staple',1893456000,'bob.smith'))
 * print(t(b'k',0,'a'))
 * print(t(b'\x00\x01\x02secret\xff',999999999999,'%C3%A9t%C3%A9+1;x=y?z/w'))
 * print(t(b'x'*100,1800000000,'a'*64))" */
typedef struct {
  const char *secret;
  gsize secret_len;
  gint64 expiry;
  const char *user;
  const char *token;
} vector;

static const vector vectors[] = {
  { "correct horse battery staple", 28, 1700000000, "alice",
    "1700000000:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik" },
  { "correct horse battery staple", 28, 1893456000, "bob.smith",
    "1893456000:bob.smith:VHVA9FIaruEOSi9mFRclTkuPAYgcC7GWguk87c_7t58" },
  { "k", 1, 0, "a", "0:a:AnnUW0Mf8yGmCZhmaHGpuCZ4fVigxP6a2Ff5aIbKkGs" },
  { "\x00\x01\x02secret\xff", 10, G_GINT64_CONSTANT(999999999999), "%C3%A9t%C3%A9+1;x=y?z/w",
    "999999999999:%C3%A9t%C3%A9+1;x=y?z/w:NcOqi5H_X6lLhfhAmoVE04sYFGZtw1QiGPW-NA5-OXg" },
  { "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 100,
    1800000000, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "1800000000:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:"
    "p0t8kRa1hTuCVra6mosfK5K5onUZCBWF8GLt_EC2WIo" },
};

#define SECRET "correct horse battery staple"

static int
verify(const char *token, const char *secret, gint64 now, gint64 leeway, char **user, const char **reason)
{
  return browser_token_verify(token, strlen(token), (const guint8 *)secret, strlen(secret), now, leeway,
                              user, reason);
}

static void
test_vectors(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(vectors); i++) {
    const vector *v = &vectors[i];
    g_autofree char *user = NULL;
    const char *reason = NULL;
    g_assert_cmpint(browser_token_verify(v->token, strlen(v->token), (const guint8 *)v->secret, v->secret_len,
                                         v->expiry - 1, 0, &user, &reason),
                    ==, 0);
    g_assert_cmpstr(user, ==, v->user);
    g_autofree char *minted = browser_token_mint((const guint8 *)v->secret, v->secret_len, v->expiry, v->user);
    g_assert_cmpstr(minted, ==, v->token);
  }
}

/* docs/auth.md's snippets, run by hand with a fixed clock (now = 1764288000):
 *   python3: rtc2sip_token('change-me-to-32-random-bytes', 'alice', now=1764288000)
 *            rtc2sip_token('s3cr3t with spaces', 'bob.smith+1', ttl=3600, now=1764288000)
 *   node:    rtc2sipToken('change-me-to-32-random-bytes', 'alice', 300, 1764288000)
 *            rtc2sipToken('s3cr3t with spaces', 'bob.smith+1', 3600, 1764288000)
 *   shell:   NOW=1764288000 sh mint.sh   (the openssl snippet)
 * All three printed the same tokens. */
static void
test_doc_snippets(void)
{
  g_autofree char *u1 = NULL, *u2 = NULL;
  g_assert_cmpint(verify("1764288300:alice:SqImXg9WLrcDSa1cK3ZLLpXIL5XPbUqe9n87TUtTGVs",
                         "change-me-to-32-random-bytes", 1764288000, 0, &u1, NULL),
                  ==, 0);
  g_assert_cmpstr(u1, ==, "alice");
  g_assert_cmpint(verify("1764291600:bob.smith+1:Dix-8fAPPpV6WQSXxHSKyVgKVILyQPd_VPZ0X6zQ14k",
                         "s3cr3t with spaces", 1764288000, 0, &u2, NULL),
                  ==, 0);
  g_assert_cmpstr(u2, ==, "bob.smith+1");
}

static void
test_expiry(void)
{
  const char *t = vectors[0].token; /* expires 1700000000 */
  const char *reason = NULL;
  g_assert_cmpint(verify(t, SECRET, 1700000000, 0, NULL, NULL), ==, 0);
  g_assert_cmpint(verify(t, SECRET, 1700000001, 0, NULL, &reason), ==, -EKEYEXPIRED);
  g_assert_cmpstr(reason, ==, "expired");
  g_assert_cmpint(verify(t, SECRET, 1700000030, 30, NULL, NULL), ==, 0);
  g_assert_cmpint(verify(t, SECRET, 1700000031, 30, NULL, NULL), ==, -EKEYEXPIRED);
  g_assert_cmpint(verify(t, SECRET, 1700000001, -5, NULL, NULL), ==, -EKEYEXPIRED);
  g_assert_cmpint(verify(t, SECRET, G_MAXINT64, G_MAXINT64, NULL, NULL), ==, 0);
  g_assert_cmpint(verify(t, SECRET, G_MAXINT64, 30, NULL, NULL), ==, -EKEYEXPIRED);
  /* Far future is fine (the website chooses the lifetime)... */
  g_assert_cmpint(verify(t, SECRET, 0, 0, NULL, NULL), ==, 0);
  g_assert_cmpint(verify(t, SECRET, G_MININT64, 0, NULL, NULL), ==, 0);
  /* ...and "expired" is only said of a genuine token. */
  g_assert_cmpint(verify(t, "wrong", 1800000000, 0, NULL, &reason), ==, -EACCES);
  g_assert_cmpstr(reason, ==, "bad signature");
}

static void
test_wrong_secret(void)
{
  const char *reason = NULL;
  g_autofree char *user = NULL;
  g_assert_cmpint(verify(vectors[0].token, "correct horse battery stapl", 0, 0, &user, &reason), ==, -EACCES);
  g_assert_cmpstr(reason, ==, "bad signature");
  g_assert_null(user);
  g_assert_cmpint(verify(vectors[0].token, "correct horse battery staple ", 0, 0, NULL, NULL), ==, -EACCES);
  g_assert_cmpint(browser_token_verify(vectors[0].token, strlen(vectors[0].token), (const guint8 *)"", 0, 0, 0,
                                       NULL, &reason),
                  ==, -ENOKEY);
  g_assert_cmpint(browser_token_verify(vectors[0].token, strlen(vectors[0].token), NULL, 5, 0, 0, NULL, NULL), ==,
                  -ENOKEY);
  /* Tokens signed for one user cannot be moved to another. */
  g_assert_cmpint(verify("1700000000:alicf:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", SECRET, 0, 0, NULL,
                         NULL),
                  ==, -EACCES);
}

/* Every strict prefix of every vector is refused (and does not crash). */
static void
test_truncations(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(vectors); i++) {
    const vector *v = &vectors[i];
    gsize n = strlen(v->token);
    for (gsize len = 0; len < n; len++) {
      /* A copy of exactly LEN bytes, so ASan sees any over-read. */
      g_autofree char *copy = g_memdup2(v->token, len ? len : 1);
      g_autofree char *user = NULL;
      const char *reason = NULL;
      int rc = browser_token_verify(copy, len, (const guint8 *)v->secret, v->secret_len, 0, 0, &user, &reason);
      g_assert_cmpint(rc, <, 0);
      g_assert_null(user);
      g_assert_nonnull(reason);
    }
  }
}

/* Every single-byte change at every position fails. */
static void
test_single_changes(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(vectors); i++) {
    const vector *v = &vectors[i];
    gsize n = strlen(v->token);
    g_autofree char *copy = g_strdup(v->token);
    for (gsize pos = 0; pos < n; pos++) {
      char orig = copy[pos];
      for (guint b = 0; b < 256; b++) {
        if ((char)b == orig)
          continue;
        copy[pos] = (char)b;
        g_autofree char *user = NULL;
        int rc = browser_token_verify(copy, n, (const guint8 *)v->secret, v->secret_len, 0, 0, &user, NULL);
        if (rc == 0)
          g_error("token %u accepted with byte %zu changed to 0x%02x", i, pos, b);
        g_assert_null(user);
      }
      copy[pos] = orig;
    }
  }
}

typedef struct {
  const char *token;
  int rc;
  const char *reason; /* a substring */
} bad_case;

static void
test_malformed(void)
{
  g_autofree char *long_user = g_strnfill(65, 'a');
  g_autofree char *long_user_token = g_strdup_printf("1700000000:%s:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik",
                                                     long_user);
  g_autofree char *huge = g_strnfill(513, 'a');
  const bad_case cases[] = {
    { "", -EINVAL, "empty" },
    { "1700000000", -EINVAL, "not EXPIRY:USER:SIGNATURE" },
    { "1700000000:alice", -EINVAL, "not EXPIRY:USER:SIGNATURE" },
    { "1700000000:alice:", -EINVAL, "43" },
    { "1700000000:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik=", -EINVAL, "padded" },
    { "1700000000:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik:", -EINVAL, "':'" },
    { "1700000000:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK/BDhbLVrDQTduik", -EINVAL, "'+' or '/'" },
    { "1700000000:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK+BDhbLVrDQTduik", -EINVAL, "'+' or '/'" },
    { "1700000000:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK BDhbLVrDQTduik", -EINVAL, "base64url" },
    { "1700000000:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduikA", -EINVAL, "43" },
    { "+1700000000:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "sign" },
    { "-1700000000:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "sign" },
    { "01700000000:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "leading zero" },
    { "1700000000000:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "12 digits" },
    { "17000000x0:alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "decimal" },
    { ":alice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "expiry is empty" },
    { "1700000000::o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "user is empty" },
    { "1700000000:alice@example.com:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "'@'" },
    { "1700000000:al ice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "space" },
    { "1700000000:al\tice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "control" },
    { "1700000000:al\xc3\xa9:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "non-ASCII" },
    { "1700000000:al<ice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "SIP user part cannot" },
    { "1700000000:al\"ice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "SIP user part cannot" },
    { "1700000000:al%40ice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "escapes" },
    { "1700000000:al%3aice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "escapes" },
    { "1700000000:al%20ice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "escapes" },
    { "1700000000:al%00ice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "escapes" },
    { "1700000000:al%zzice:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "two hex digits" },
    { "1700000000:alice%4:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "two hex digits" },
    { "1700000000:alice%:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik", -EINVAL, "two hex digits" },
    { long_user_token, -EINVAL, "64" },
    { huge, -EINVAL, "512" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *reason = NULL;
    char *user = (char *)"untouched";
    int rc = verify(cases[i].token, SECRET, 0, 0, &user, &reason);
    if (rc != cases[i].rc || !reason || !strstr(reason, cases[i].reason))
      g_error("case %u (%s): rc %d reason %s", i, cases[i].token, rc, reason ? reason : "(null)");
    g_assert_cmpstr(user, ==, "untouched");
    if (rc == -EINVAL)
      g_assert_true(g_str_has_prefix(reason, "malformed: "));
  }
  /* An embedded NUL: the length counts, not the terminator. */
  const char nul[] = "1700000000:al\0ce:o8Fh0Yad0EWWfMLZmjK772v2YjFK_BDhbLVrDQTduik";
  g_assert_cmpint(browser_token_verify(nul, sizeof nul - 1, (const guint8 *)SECRET, strlen(SECRET), 0, 0, NULL,
                                       NULL),
                  ==, -EINVAL);
  /* Trailing bytes past LEN are not read. */
  g_autofree char *padded = g_strconcat(vectors[0].token, "garbage", NULL);
  g_assert_cmpint(browser_token_verify(padded, strlen(vectors[0].token), (const guint8 *)SECRET, strlen(SECRET),
                                       0, 0, NULL, NULL),
                  ==, 0);
  g_assert_cmpint(browser_token_verify(NULL, 0, (const guint8 *)SECRET, strlen(SECRET), 0, 0, NULL, NULL), ==,
                  -EINVAL);
}

/* A 512-byte token is not refused for its length (but a 64-char user
 * caps real tokens far below that); 513 is. */
static void
test_length_limit(void)
{
  g_autofree char *t512 = g_strnfill(512, 'a');
  g_autofree char *t513 = g_strnfill(513, 'a');
  const char *reason = NULL;
  verify(t512, SECRET, 0, 0, NULL, &reason);
  g_assert_false(strstr(reason, "512"));
  verify(t513, SECRET, 0, 0, NULL, &reason);
  g_assert_nonnull(strstr(reason, "512"));
}

static void
test_user_valid(void)
{
  const char *ok[] = { "alice", "a", "+15551234567", "bob.smith", "a-b_c.d!e~f*g'h(i)j", "&=+$,;?/",
                       "%C3%A9", "%25", "%7e" };
  const char *bad[] = { "", "a:b", "a@b", "a b", "a\x7f", "a%", "a%4", "a%g0", "a%7F", "a%3A", "a%40",
                        "a#b", "a[b", "a\\b", "a|b", "a<b", "a`b", "a{b" };
  for (guint i = 0; i < G_N_ELEMENTS(ok); i++)
    g_assert_true(browser_token_user_valid(ok[i], strlen(ok[i]), NULL));
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    const char *reason = NULL;
    if (browser_token_user_valid(bad[i], strlen(bad[i]), &reason))
      g_error("user %s accepted", bad[i]);
    g_assert_true(g_str_has_prefix(reason, "malformed: "));
  }
}

static void
test_mint_refuses(void)
{
  const guint8 *s = (const guint8 *)SECRET;
  g_assert_null(browser_token_mint(s, 0, 1, "alice"));
  g_assert_null(browser_token_mint(s, 5, -1, "alice"));
  g_assert_null(browser_token_mint(s, 5, G_GINT64_CONSTANT(1000000000000), "alice"));
  g_assert_null(browser_token_mint(s, 5, 1, "al:ice"));
  g_assert_null(browser_token_mint(s, 5, 1, "alice@example.com"));
  g_assert_null(browser_token_mint(s, 5, 1, NULL));
  /* Mint and verify round-trip for every allowed character. */
  g_autofree char *t = browser_token_mint(s, 5, 1800000000, "Az09-_.!~*'()&=+$,;?/%41");
  g_autofree char *user = NULL;
  g_assert_cmpint(browser_token_verify(t, strlen(t), s, 5, 1800000000, 0, &user, NULL), ==, 0);
  g_assert_cmpstr(user, ==, "Az09-_.!~*'()&=+$,;?/%41");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/browser_token/vectors", test_vectors);
  g_test_add_func("/browser_token/doc_snippets", test_doc_snippets);
  g_test_add_func("/browser_token/expiry", test_expiry);
  g_test_add_func("/browser_token/wrong_secret", test_wrong_secret);
  g_test_add_func("/browser_token/truncations", test_truncations);
  g_test_add_func("/browser_token/single_changes", test_single_changes);
  g_test_add_func("/browser_token/malformed", test_malformed);
  g_test_add_func("/browser_token/length_limit", test_length_limit);
  g_test_add_func("/browser_token/user_valid", test_user_valid);
  g_test_add_func("/browser_token/mint_refuses", test_mint_refuses);
  return g_test_run();
}
