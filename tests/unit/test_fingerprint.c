/* Fingerprints: all six hashes against openssl's figures for a committed
 * certificate, formatting, parsing and every malformed case. */
#include <errno.h>
#include <gnutls/x509.h>
#include <string.h>

#include "certs/fingerprint.h"
#include "tests/unit/testutil.h"

/* DER of tests/data/certs/test.pem. Caller frees. */
static GBytes *
load_test_der(void)
{
  g_autoptr(GBytes) pem = testutil_load("certs/test.pem");
  gnutls_x509_crt_t crt;
  gnutls_datum_t in = { (unsigned char *)g_bytes_get_data(pem, NULL), (unsigned)g_bytes_get_size(pem) };
  gnutls_datum_t der = { 0 };
  g_assert_cmpint(gnutls_x509_crt_init(&crt), ==, 0);
  g_assert_cmpint(gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM), ==, 0);
  g_assert_cmpint(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), ==, 0);
  GBytes *out = g_bytes_new(der.data, der.size);
  gnutls_free(der.data);
  gnutls_x509_crt_deinit(crt);
  return out;
}

/* openssl names sha-256 "sha256"; SDP says "sha-256". */
static const char *
sdp_name(const char *openssl_name)
{
  static const char *map[][2] = { { "md5", "md5" },         { "sha1", "sha-1" },
                                  { "sha224", "sha-224" }, { "sha256", "sha-256" },
                                  { "sha384", "sha-384" }, { "sha512", "sha-512" } };
  for (guint i = 0; i < G_N_ELEMENTS(map); i++)
    if (strcmp(map[i][0], openssl_name) == 0)
      return map[i][1];
  g_assert_not_reached();
}

static void
test_against_openssl(void)
{
  g_autoptr(GBytes) der = load_test_der();
  g_autoptr(GBytes) expected = testutil_load("certs/test.fingerprints.openssl");
  g_autofree char *text = g_strndup(g_bytes_get_data(expected, NULL), g_bytes_get_size(expected));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  guint checked = 0;

  for (guint i = 0; lines[i]; i++) {
    if (!*lines[i])
      continue;
    g_auto(GStrv) parts = g_strsplit(lines[i], " ", 2);
    const char *name = sdp_name(parts[0]);
    fingerprint_hash hash;
    fingerprint fp, parsed;
    char buf[FINGERPRINT_MAX_TEXT];
    const char *reason = NULL;

    g_assert_cmpint(fingerprint_hash_from_name(name, strlen(name), &hash), ==, 0);
    g_assert_cmpint(fingerprint_compute(hash, g_bytes_get_data(der, NULL), g_bytes_get_size(der), &fp), ==, 0);
    g_autofree char *want = g_strdup_printf("%s %s", name, parts[1]);
    g_assert_cmpstr(fingerprint_format(&fp, buf), ==, want);

    g_assert_cmpint(fingerprint_parse(want, strlen(want), &parsed, &reason), ==, 0);
    g_assert_null(reason);
    g_assert_true(fingerprint_equal(&fp, &parsed));
    g_assert_true(fingerprint_verify(&parsed, g_bytes_get_data(der, NULL), g_bytes_get_size(der)));

    /* Lower-case hex and upper-case hash names parse to the same value. */
    g_autofree char *lower = g_ascii_strdown(want, -1);
    g_autofree char *upper = g_ascii_strup(want, -1);
    g_assert_cmpint(fingerprint_parse(lower, strlen(lower), &parsed, NULL), ==, 0);
    g_assert_true(fingerprint_equal(&fp, &parsed));
    g_assert_cmpint(fingerprint_parse(upper, strlen(upper), &parsed, NULL), ==, 0);
    g_assert_true(fingerprint_equal(&fp, &parsed));
    checked++;
  }
  g_assert_cmpuint(checked, ==, FINGERPRINT_HASH_COUNT);
}

static void
test_mismatch(void)
{
  g_autoptr(GBytes) der = load_test_der();
  g_autoptr(GBytes) other_pem = testutil_load("certs/other.pem");
  fingerprint fp, flipped;
  gsize len;
  const guint8 *data = g_bytes_get_data(der, &len);

  for (guint h = 0; h < FINGERPRINT_HASH_COUNT; h++) {
    g_assert_cmpint(fingerprint_compute(h, data, len, &fp), ==, 0);
    for (guint i = 0; i < fp.len; i++) {
      flipped = fp;
      flipped.digest[i] ^= 0x01;
      g_assert_false(fingerprint_equal(&fp, &flipped));
      g_assert_false(fingerprint_verify(&flipped, data, len));
    }
    /* Same digest bytes under another hash name never compare equal. */
    flipped = fp;
    flipped.hash = (h + 1) % FINGERPRINT_HASH_COUNT;
    g_assert_false(fingerprint_equal(&fp, &flipped));
    /* A different certificate does not verify. */
    g_assert_false(fingerprint_verify(&fp, g_bytes_get_data(other_pem, NULL), g_bytes_get_size(other_pem)));
  }
}

static void
test_hex_form(void)
{
  fingerprint fp = { .hash = FINGERPRINT_HASH_SHA1, .len = 20 };
  char buf[FINGERPRINT_MAX_DIGEST * 2 + 1];
  for (guint i = 0; i < 20; i++)
    fp.digest[i] = (guint8)(i * 13);
  g_assert_cmpstr(fingerprint_format_hex(&fp, buf), ==, "000d1a2734414e5b6875828f9ca9b6c3d0ddeaf7");
  g_autofree char *s = fingerprint_to_string(&fp);
  g_assert_cmpstr(s, ==, "sha-1 00:0D:1A:27:34:41:4E:5B:68:75:82:8F:9C:A9:B6:C3:D0:DD:EA:F7");
}

static void
test_whitespace(void)
{
  const char *text = "  sha-1 \t 00:0D:1A:27:34:41:4E:5B:68:75:82:8F:9C:A9:B6:C3:D0:DD:EA:F7\r\n";
  fingerprint fp;
  g_assert_cmpint(fingerprint_parse(text, strlen(text), &fp, NULL), ==, 0);
  g_assert_cmpint(fp.hash, ==, FINGERPRINT_HASH_SHA1);
  g_assert_cmpint(fp.len, ==, 20);
  g_assert_cmpint(fp.digest[19], ==, 0xF7);
}

static void
test_malformed(void)
{
  static const struct {
    const char *text;
    int error;
    const char *reason_contains;
  } cases[] = {
    { "", -EINVAL, "empty" },
    { "   ", -EINVAL, "empty" },
    { "sha-256", -EINVAL, "missing digest" },
    { "sha-256AB:CD", -ENOENT, "unknown hash" },
    { "sha-256   ", -EINVAL, "missing digest" },
    { "sha256 AB:CD", -ENOENT, "unknown hash" },
    { "sha-3 AB:CD", -ENOENT, "unknown hash" },
    { "md4 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", -ENOENT, "unknown hash" },
    { "md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE", -ERANGE, "shorter" },
    { "md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00", -ERANGE, "longer" },
    { "md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FG", -EINVAL, "hex" },
    { "md5 00112233445566778899AABBCCDDEEFF", -EINVAL, "colons" },
    { "md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:", -EINVAL, "colons" },
    { "md5 :00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", -EINVAL, "hex" },
    { "md5 00::11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", -EINVAL, "hex" },
    { "md5 0:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", -EINVAL, "hex" },
    { "md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:F", -EINVAL, "single hex digit" },
    { "md5 00 11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", -EINVAL, "colons" },
    { "sha-1 -0:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33", -EINVAL, "hex" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    fingerprint fp;
    const char *reason = NULL;
    int rc = fingerprint_parse(cases[i].text, strlen(cases[i].text), &fp, &reason);
    g_test_message("case %u: \"%s\" -> %d (%s)", i, cases[i].text, rc, reason);
    g_assert_cmpint(rc, ==, cases[i].error);
    g_assert_nonnull(reason);
    g_assert_nonnull(strstr(reason, cases[i].reason_contains));
  }
  g_assert_cmpint(fingerprint_parse(NULL, 0, &(fingerprint){ 0 }, NULL), ==, -EINVAL);
}

/* Every truncation of a good fingerprint either parses or is refused cleanly. */
static void
test_truncations(void)
{
  const char *good = "sha-256 84:73:8B:C7:D0:CC:43:69:A2:B6:EB:7C:BA:50:DA:5F:11:57:CC:5F:75:68:8D:1E:AE:AC:D1:92:E9:AD:98:55";
  gsize n = strlen(good);
  for (gsize i = 0; i <= n; i++) {
    g_autofree char *copy = g_memdup2(good, i ? i : 1);
    fingerprint fp;
    const char *reason = NULL;
    int rc = fingerprint_parse(copy, i, &fp, &reason);
    if (i == n)
      g_assert_cmpint(rc, ==, 0);
    else
      g_assert_true(rc < 0 && reason);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fingerprint/against-openssl", test_against_openssl);
  g_test_add_func("/fingerprint/mismatch", test_mismatch);
  g_test_add_func("/fingerprint/hex-form", test_hex_form);
  g_test_add_func("/fingerprint/whitespace", test_whitespace);
  g_test_add_func("/fingerprint/malformed", test_malformed);
  g_test_add_func("/fingerprint/truncations", test_truncations);
  return g_test_run();
}
