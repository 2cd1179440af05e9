/* Fuzz target: browser authentication input. The first byte picks a mode:
 *   0: the rest is a token from a page, verified with a fixed secret at a
 *      few clock values: an accepted token must be exactly what
 *      browser_token_mint() writes for its fields;
 *   1: the rest is "EXPIRY-BYTES(5) USER" for browser_token_mint(): a
 *      minted token must verify, and fail with its last byte changed;
 *   2: the rest is "ORIGIN\nHOST": parsed, canonical forms re-parse to
 *      themselves, and the policy decision is consistent. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signalling/browser/browser_origin.h"
#include "signalling/browser/browser_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const guint8 secret[] = "correct horse battery staple";
#define SECRET_LEN (sizeof secret - 1)

static void
fuzz_verify(const char *t, size_t n)
{
  static const gint64 nows[] = { 0, 1700000000, G_GINT64_CONSTANT(999999999999), G_MAXINT64 };
  for (guint i = 0; i < G_N_ELEMENTS(nows); i++) {
    char *user = NULL;
    const char *reason = NULL;
    int rc = browser_token_verify(t, n, secret, SECRET_LEN, nows[i], 30, &user, &reason);
    if (rc != 0) {
      if (user || !reason || (rc != -EINVAL && rc != -EACCES && rc != -EKEYEXPIRED))
        abort();
      continue;
    }
    if (!user || !browser_token_user_valid(user, strlen(user), NULL))
      abort();
    gint64 expiry = g_ascii_strtoll(t, NULL, 10);
    char *again = browser_token_mint(secret, SECRET_LEN, expiry, user);
    if (!again || strlen(again) != n || memcmp(again, t, n) != 0)
      abort();
    g_free(again);
    g_free(user);
  }
}

static void
fuzz_mint(const uint8_t *data, size_t size)
{
  if (size < 5)
    return;
  gint64 expiry = 0;
  for (guint i = 0; i < 5; i++)
    expiry = expiry << 8 | data[i];
  expiry -= 1000; /* a few negative ones too */
  char *user = g_strndup((const char *)data + 5, size - 5);
  char *t = browser_token_mint(secret, SECRET_LEN, expiry, user);
  /* (g_strndup stops at a NUL.) */
  gboolean valid = browser_token_user_valid(user, strlen(user), NULL) && expiry >= 0 &&
                   expiry <= G_GINT64_CONSTANT(999999999999);
  if ((t != NULL) != valid)
    abort();
  if (t) {
    char *back = NULL;
    gsize n = strlen(t);
    if (browser_token_verify(t, n, secret, SECRET_LEN, expiry, 0, &back, NULL) != 0 || strcmp(back, user) != 0)
      abort();
    t[n - 1] = t[n - 1] == 'A' ? 'B' : 'A';
    if (browser_token_verify(t, n, secret, SECRET_LEN, expiry, 0, NULL, NULL) == 0)
      abort();
    g_free(back);
  }
  g_free(t);
  g_free(user);
}

static void
fuzz_origin(const char *s, size_t n)
{
  const char *nl = memchr(s, '\n', n);
  size_t olen = nl ? (size_t)(nl - s) : n;
  char *origin = g_strndup(s, olen);
  char *host = nl ? g_strndup(nl + 1, n - olen - 1) : NULL;
  char *canon = NULL;
  int rc = browser_origin_parse(s, olen, &canon, NULL);
  if ((rc == 0) != (canon != NULL))
    abort();
  if (canon) {
    char *again = NULL;
    if (browser_origin_parse(canon, strlen(canon), &again, NULL) != 0 || strcmp(again, canon) != 0)
      abort();
    g_free(again);
  }
  browser_origin_policy *p = browser_origin_policy_new();
  browser_origin_policy_allow_own(p, "0.0.0.0", 8080, FALSE, NULL);
  browser_origin_policy_allow_own(p, "127.0.0.1", 8443, TRUE, NULL);
  browser_origin_policy_allow(p, "https://app.example.com", NULL);
  browser_origin_policy_allow_own(p, host ? host : "", 443, TRUE, NULL);
  if (canon && strlen(origin) == olen) {
    /* Whatever the policy says about the header, it says about its
     * canonical form. */
    int a = browser_origin_policy_check(p, origin, host, NULL);
    int b = browser_origin_policy_check(p, canon, host, NULL);
    if (a != b)
      abort();
  } else {
    browser_origin_policy_check(p, origin, host, NULL);
  }
  char *d = browser_origin_policy_describe(p);
  g_free(d);
  browser_origin_policy_free(p);
  g_free(canon);
  g_free(host);
  g_free(origin);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  switch (data[0] % 3) {
  case 0:
    fuzz_verify((const char *)data + 1, size - 1);
    break;
  case 1:
    fuzz_mint(data + 1, size - 1);
    break;
  default:
    fuzz_origin((const char *)data + 1, size - 1);
    break;
  }
  return 0;
}
