/* WebSocket Origin checks: canonical parsing (RFC 6454), the allowed list,
 * `*`, the null origin, and the gateway's own origins derived from its
 * listen address, including the same-host rule for wildcard listeners. */
#include <errno.h>
#include <string.h>

#include "signalling/browser/browser_origin.h"
#include "tests/unit/testutil.h"

static void
expect_canonical(const char *in, const char *want)
{
  g_autofree char *canon = NULL;
  const char *reason = NULL;
  int rc = browser_origin_parse(in, strlen(in), &canon, &reason);
  if (rc != 0)
    g_error("%s refused: %s", in, reason);
  g_assert_cmpstr(canon, ==, want);
}

static void
test_parse_canonical(void)
{
  expect_canonical("https://app.example.com", "https://app.example.com");
  expect_canonical("HTTPS://App.Example.COM", "https://app.example.com");
  expect_canonical("https://app.example.com:443", "https://app.example.com");
  expect_canonical("http://app.example.com:80", "http://app.example.com");
  expect_canonical("http://app.example.com:443", "http://app.example.com:443");
  expect_canonical("https://app.example.com:80", "https://app.example.com:80");
  expect_canonical("http://127.0.0.1:8080", "http://127.0.0.1:8080");
  expect_canonical("http://127.0.0.1:08080", "http://127.0.0.1:8080");
  expect_canonical("http://[::1]:8080", "http://[::1]:8080");
  expect_canonical("http://[0:0:0:0:0:0:0:1]:8080", "http://[::1]:8080");
  expect_canonical("http://[2001:DB8::A]", "http://[2001:db8::a]");
  expect_canonical("wss://gw.example.com:443", "wss://gw.example.com");
  expect_canonical("http://xn--bcher-kva.example", "http://xn--bcher-kva.example");
  expect_canonical("chrome-extension://abcdefghijklmnop", "chrome-extension://abcdefghijklmnop");
  expect_canonical("http://localhost:3000", "http://localhost:3000");
}

static void
test_parse_refused(void)
{
  g_autofree char *longhost = g_strnfill(254, 'a');
  g_autofree char *longhost_origin = g_strconcat("http://", longhost, NULL);
  g_autofree char *big = g_strnfill(600, 'a');
  g_autofree char *big_origin = g_strconcat("http://", big, NULL);
  const char *bad[] = {
    "", "http", "http:", "http:/", "http://", "http//x", "http:/x", "://x", "1http://x",
    "http://x/", "http://x/path", "http://x?q", "http://x#f", "http://x:", "http://x:0", "http://x:65536",
    "http://x:123456", "http://x:8o", "http://x:80:80", "http://user@x", "http://user:pw@x", "http://x y",
    "http://x\r\n", "http://[::1", "http://[zz::1]", "http://[1.2.3.4]", "http://[]", "http://[::1]x",
    "http://%41", "http://a b", "http://x, http://y", "http://x http://y", longhost_origin, big_origin,
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *canon = NULL;
    const char *reason = NULL;
    int rc = browser_origin_parse(bad[i], strlen(bad[i]), &canon, &reason);
    if (rc != -EINVAL)
      g_error("%s: rc %d canon %s", bad[i], rc, canon ? canon : "(null)");
    g_assert_null(canon);
    g_assert_nonnull(reason);
  }
  const char *reason = NULL;
  g_assert_cmpint(browser_origin_parse("null", 4, NULL, &reason), ==, -EACCES);
  g_assert_nonnull(strstr(reason, "null origin"));
  g_assert_cmpint(browser_origin_parse("NULL", 4, NULL, NULL), ==, -EACCES);
  g_assert_cmpint(browser_origin_parse(NULL, 0, NULL, NULL), ==, -EINVAL);
}

/* Every prefix of each good origin parses or fails cleanly, reading only
 * its LEN bytes. */
static void
test_truncations(void)
{
  const char *good[] = { "https://app.example.com:8443", "http://[2001:db8::1]:8080", "http://127.0.0.1" };
  for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
    gsize n = strlen(good[i]);
    for (gsize len = 0; len < n; len++) {
      g_autofree char *copy = g_memdup2(good[i], len ? len : 1);
      g_autofree char *canon = NULL;
      int rc = browser_origin_parse(copy, len, &canon, NULL);
      g_assert_true(rc == 0 || rc == -EINVAL);
      g_assert_true((rc == 0) == (canon != NULL));
    }
  }
}

static int
check(const browser_origin_policy *p, const char *origin, const char *host)
{
  const char *reason = NULL;
  int rc = browser_origin_policy_check(p, origin, host, &reason);
  if (rc != 0)
    g_assert_nonnull(reason);
  return rc;
}

static void
test_policy_list(void)
{
  g_autoptr(browser_origin_policy) p = browser_origin_policy_new();
  g_assert_cmpint(check(p, "https://app.example.com", NULL), ==, -EACCES); /* empty refuses all */
  g_assert_cmpint(browser_origin_policy_allow(p, "https://app.example.com", NULL), ==, 0);
  g_assert_cmpint(browser_origin_policy_allow(p, " http://127.0.0.1:8080/ ", NULL), ==, 0);
  g_assert_cmpint(browser_origin_policy_allow(p, "https://App.Example.com:443", NULL), ==, 0); /* duplicate */
  g_autofree char *d = browser_origin_policy_describe(p);
  g_assert_cmpstr(d, ==, "https://app.example.com, http://127.0.0.1:8080");

  g_assert_cmpint(check(p, "https://app.example.com", NULL), ==, 0);
  g_assert_cmpint(check(p, "https://APP.example.com:443", NULL), ==, 0);
  g_assert_cmpint(check(p, "http://127.0.0.1:8080", NULL), ==, 0);
  g_assert_cmpint(check(p, "http://app.example.com", NULL), ==, -EACCES);    /* scheme */
  g_assert_cmpint(check(p, "https://app.example.com:8443", NULL), ==, -EACCES); /* port */
  g_assert_cmpint(check(p, "https://evil.example.com", NULL), ==, -EACCES);
  g_assert_cmpint(check(p, "https://app.example.com.evil.example", NULL), ==, -EACCES);
  g_assert_cmpint(check(p, "https://example.com", NULL), ==, -EACCES);
  g_assert_cmpint(check(p, "http://localhost:8080", NULL), ==, -EACCES);
  g_assert_cmpint(check(p, "null", NULL), ==, -EACCES);
  g_assert_cmpint(check(p, NULL, "127.0.0.1:8080"), ==, -EACCES); /* not a browser */
  g_assert_cmpint(check(p, "https://app.example.com/", NULL), ==, -EINVAL);
  g_assert_cmpint(check(p, "garbage", NULL), ==, -EINVAL);
}

static void
test_policy_config_errors(void)
{
  g_autoptr(browser_origin_policy) p = browser_origin_policy_new();
  const char *bad[] = { "", "null", "app.example.com", "https://app.example.com/path", "https://*.example.com",
                        "**", "https://app.example.com//" };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    const char *reason = NULL;
    if (browser_origin_policy_allow(p, bad[i], &reason) != -EINVAL)
      g_error("config entry '%s' accepted", bad[i]);
    g_assert_nonnull(reason);
  }
  g_autofree char *d = browser_origin_policy_describe(p);
  g_assert_cmpstr(d, ==, "(none)");
}

static void
test_policy_any(void)
{
  g_autoptr(browser_origin_policy) p = browser_origin_policy_new();
  g_assert_cmpint(browser_origin_policy_allow(p, "*", NULL), ==, 0);
  g_assert_cmpint(check(p, "https://anything.example", NULL), ==, 0);
  g_assert_cmpint(check(p, "http://[::1]:1", NULL), ==, 0);
  g_assert_cmpint(check(p, NULL, NULL), ==, 0); /* non-browser clients under * */
  g_assert_cmpint(check(p, "null", NULL), ==, -EACCES);
  g_assert_cmpint(check(p, "http://x/", NULL), ==, -EINVAL);
  g_autofree char *d = browser_origin_policy_describe(p);
  g_assert_cmpstr(d, ==, "*");
}

static void
expect_own(const char *host, guint port, gboolean tls, const char *want)
{
  g_autoptr(browser_origin_policy) p = browser_origin_policy_new();
  const char *reason = NULL;
  if (browser_origin_policy_allow_own(p, host, port, tls, &reason) != 0)
    g_error("own origin of %s:%u refused: %s", host, port, reason);
  g_autofree char *d = browser_origin_policy_describe(p);
  g_assert_cmpstr(d, ==, want);
}

static void
test_own_derivation(void)
{
  expect_own("127.0.0.1", 8080, FALSE, "http://127.0.0.1:8080, http://localhost:8080");
  expect_own("127.0.0.1", 8443, TRUE, "https://127.0.0.1:8443, https://localhost:8443");
  expect_own("127.0.0.1", 80, FALSE, "http://127.0.0.1, http://localhost");
  expect_own("127.0.0.1", 443, TRUE, "https://127.0.0.1, https://localhost");
  expect_own("127.0.1.1", 8080, FALSE, "http://127.0.1.1:8080, http://localhost:8080");
  expect_own("::1", 8080, FALSE, "http://[::1]:8080, http://localhost:8080");
  expect_own("[::1]", 8080, FALSE, "http://[::1]:8080, http://localhost:8080");
  expect_own("localhost", 8080, FALSE, "http://localhost:8080");
  expect_own("192.0.2.10", 8080, FALSE, "http://192.0.2.10:8080");
  expect_own("2001:DB8::10", 443, TRUE, "https://[2001:db8::10]");
  expect_own("GW.Example.com", 443, TRUE, "https://gw.example.com");
  expect_own("0.0.0.0", 8080, FALSE, "same-host http on port 8080 (IP or localhost)");
  expect_own("::", 8443, TRUE, "same-host https on port 8443 (IP or localhost)");
  expect_own("", 8080, FALSE, "same-host http on port 8080 (IP or localhost)");
  expect_own(NULL, 8080, FALSE, "same-host http on port 8080 (IP or localhost)");

  g_autoptr(browser_origin_policy) p = browser_origin_policy_new();
  g_assert_cmpint(browser_origin_policy_allow_own(p, "127.0.0.1", 0, FALSE, NULL), ==, -EINVAL);
  g_assert_cmpint(browser_origin_policy_allow_own(p, "127.0.0.1", 65536, FALSE, NULL), ==, -EINVAL);
  g_assert_cmpint(browser_origin_policy_allow_own(p, "bad host/", 8080, FALSE, NULL), ==, -EINVAL);
  g_assert_cmpint(browser_origin_policy_allow_own(p, "[::1", 8080, FALSE, NULL), ==, -EINVAL);
}

static void
test_own_loopback(void)
{
  g_autoptr(browser_origin_policy) p = browser_origin_policy_new();
  g_assert_cmpint(browser_origin_policy_allow_own(p, "127.0.0.1", 8080, FALSE, NULL), ==, 0);
  g_assert_cmpint(check(p, "http://127.0.0.1:8080", "127.0.0.1:8080"), ==, 0);
  g_assert_cmpint(check(p, "http://localhost:8080", "localhost:8080"), ==, 0);
  g_assert_cmpint(check(p, "http://LOCALHOST:8080", NULL), ==, 0);
  g_assert_cmpint(check(p, "https://127.0.0.1:8080", NULL), ==, -EACCES);
  g_assert_cmpint(check(p, "http://127.0.0.1:8081", NULL), ==, -EACCES);
  g_assert_cmpint(check(p, "http://127.0.0.1", NULL), ==, -EACCES);
  /* A page elsewhere, or a rebinding name, even with a matching Host. */
  g_assert_cmpint(check(p, "https://evil.example", "127.0.0.1:8080"), ==, -EACCES);
  g_assert_cmpint(check(p, "http://rebind.evil.example:8080", "rebind.evil.example:8080"), ==, -EACCES);
  /* Listing an origin adds to the own ones. */
  g_assert_cmpint(browser_origin_policy_allow(p, "https://app.example.com", NULL), ==, 0);
  g_assert_cmpint(check(p, "https://app.example.com", NULL), ==, 0);
  g_assert_cmpint(check(p, "http://localhost:8080", NULL), ==, 0);
}

static void
test_own_wildcard(void)
{
  g_autoptr(browser_origin_policy) p = browser_origin_policy_new();
  g_assert_cmpint(browser_origin_policy_allow_own(p, "0.0.0.0", 8080, FALSE, NULL), ==, 0);
  g_assert_cmpint(browser_origin_policy_allow_own(p, "0.0.0.0", 8080, FALSE, NULL), ==, 0); /* idempotent */
  g_autofree char *d = browser_origin_policy_describe(p);
  g_assert_cmpstr(d, ==, "same-host http on port 8080 (IP or localhost)");
  /* The page came from the address the WebSocket goes to. */
  g_assert_cmpint(check(p, "http://192.0.2.10:8080", "192.0.2.10:8080"), ==, 0);
  g_assert_cmpint(check(p, "http://[2001:db8::1]:8080", "[2001:DB8:0::1]:8080"), ==, 0);
  g_assert_cmpint(check(p, "http://localhost:8080", "localhost:8080"), ==, 0);
  g_assert_cmpint(check(p, "http://127.0.0.1:8080", "127.0.0.1:8080"), ==, 0);
  /* Not without a Host, not another host, port or scheme. */
  g_assert_cmpint(check(p, "http://192.0.2.10:8080", NULL), ==, -EACCES);
  g_assert_cmpint(check(p, "http://192.0.2.10:8080", "192.0.2.11:8080"), ==, -EACCES);
  g_assert_cmpint(check(p, "http://192.0.2.10:8080", "192.0.2.10"), ==, -EACCES);
  g_assert_cmpint(check(p, "http://192.0.2.10:9090", "192.0.2.10:9090"), ==, -EACCES);
  g_assert_cmpint(check(p, "https://192.0.2.10:8080", "192.0.2.10:8080"), ==, -EACCES);
  g_assert_cmpint(check(p, "http://evil.example:8080", "192.0.2.10:8080"), ==, -EACCES);
  /* DNS names are what rebinding controls: list them explicitly. */
  g_assert_cmpint(check(p, "http://gw.example.com:8080", "gw.example.com:8080"), ==, -EACCES);
  g_assert_cmpint(check(p, "http://192.0.2.10:8080", "192.0.2.10:8080/x"), ==, -EACCES);
  g_assert_cmpint(check(p, "http://192.0.2.10:8080", "bad host"), ==, -EACCES);
  g_assert_cmpint(check(p, "null", "192.0.2.10:8080"), ==, -EACCES);
  g_assert_cmpint(check(p, NULL, "192.0.2.10:8080"), ==, -EACCES);

  /* Default ports: an https listener on 443 and a Host without port. */
  g_autoptr(browser_origin_policy) q = browser_origin_policy_new();
  g_assert_cmpint(browser_origin_policy_allow_own(q, "::", 443, TRUE, NULL), ==, 0);
  g_assert_cmpint(check(q, "https://192.0.2.10", "192.0.2.10"), ==, 0);
  g_assert_cmpint(check(q, "https://192.0.2.10", "192.0.2.10:443"), ==, 0);
  g_assert_cmpint(check(q, "http://192.0.2.10", "192.0.2.10"), ==, -EACCES);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/browser_origin/parse_canonical", test_parse_canonical);
  g_test_add_func("/browser_origin/parse_refused", test_parse_refused);
  g_test_add_func("/browser_origin/truncations", test_truncations);
  g_test_add_func("/browser_origin/policy_list", test_policy_list);
  g_test_add_func("/browser_origin/policy_config_errors", test_policy_config_errors);
  g_test_add_func("/browser_origin/policy_any", test_policy_any);
  g_test_add_func("/browser_origin/own_derivation", test_own_derivation);
  g_test_add_func("/browser_origin/own_loopback", test_own_loopback);
  g_test_add_func("/browser_origin/own_wildcard", test_own_wildcard);
  return g_test_run();
}
