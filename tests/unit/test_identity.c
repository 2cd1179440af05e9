/* The gateway identity: generated ECDSA P-256, stored with the right modes,
 * reused, renewed before expiry, configured pairs checked. */
#include <glib/gstdio.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/stat.h>

#include "certs/identity.h"
#include "tests/unit/testutil.h"

static char *
make_tmpdir(void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("rtc2sip-identity-XXXXXX", &error);
  g_assert_no_error(error);
  return dir;
}

static void
remove_tree(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(dir, name, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_DIR))
      remove_tree(p);
    else
      g_unlink(p);
  }
  g_rmdir(dir);
}

static void
test_generate_store_reuse(void)
{
  g_autofree char *tmp = make_tmpdir();
  g_autofree char *state = g_build_filename(tmp, "state", "rtc2sip", NULL);
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  gboolean created = FALSE;

  g_autoptr(identity) first = identity_load_or_create(state, now, &created, &error);
  g_assert_no_error(error);
  g_assert_true(created);

  /* The folder is private, the key 0600. */
  GStatBuf st;
  g_assert_cmpint(g_stat(state, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0700);
  g_autofree char *key_path = g_build_filename(state, IDENTITY_KEY_FILE, NULL);
  g_assert_cmpint(g_stat(key_path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);

  /* ECDSA on P-256, self-signed, valid for a year. */
  g_autofree char *cert_path = g_build_filename(state, IDENTITY_CERT_FILE, NULL);
  g_autofree char *pem = NULL;
  gsize pem_len;
  g_assert_true(g_file_get_contents(cert_path, &pem, &pem_len, NULL));
  gnutls_x509_crt_t crt;
  gnutls_datum_t datum = { (unsigned char *)pem, (unsigned)pem_len };
  gnutls_ecc_curve_t curve;
  g_assert_cmpint(gnutls_x509_crt_init(&crt), ==, 0);
  g_assert_cmpint(gnutls_x509_crt_import(crt, &datum, GNUTLS_X509_FMT_PEM), ==, 0);
  g_assert_cmpint(gnutls_x509_crt_get_pk_algorithm(crt, NULL), ==, GNUTLS_PK_ECDSA);
  g_assert_cmpint(gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, NULL, NULL), ==, 0);
  g_assert_cmpint(curve, ==, GNUTLS_ECC_CURVE_SECP256R1);
  unsigned verify = 0;
  g_assert_cmpint(gnutls_x509_crt_verify(crt, &crt, 1, 0, &verify), ==, 0);
  g_assert_cmpuint(verify, ==, 0);
  gnutls_x509_crt_deinit(crt);
  g_assert_cmpint(identity_expires(first), >, now + IDENTITY_LIFETIME_S - 10);

  /* The fingerprint is the sha-256 of the stored DER. */
  gsize der_len;
  const guint8 *der = identity_der(first, &der_len);
  g_assert_true(fingerprint_verify(identity_fingerprint(first), der, der_len));
  g_assert_cmpint(identity_fingerprint(first)->hash, ==, FINGERPRINT_HASH_SHA256);

  /* A second start reuses it. */
  g_autoptr(identity) second = identity_load_or_create(state, now + 3600, &created, &error);
  g_assert_no_error(error);
  g_assert_false(created);
  g_assert_true(fingerprint_equal(identity_fingerprint(first), identity_fingerprint(second)));

  /* Within 30 days of expiry it is replaced. */
  gint64 late = identity_expires(first) - IDENTITY_RENEW_BEFORE_S + 60;
  g_autoptr(identity) third = identity_load_or_create(state, late, &created, &error);
  g_assert_no_error(error);
  g_assert_true(created);
  g_assert_false(fingerprint_equal(identity_fingerprint(first), identity_fingerprint(third)));
  g_assert_cmpint(g_stat(key_path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);

  remove_tree(tmp);
}

static void
test_corrupt_is_replaced(void)
{
  g_autofree char *tmp = make_tmpdir();
  g_autoptr(GError) error = NULL;
  g_autofree char *cert_path = g_build_filename(tmp, IDENTITY_CERT_FILE, NULL);
  gboolean created = FALSE;
  g_assert_true(g_file_set_contents(cert_path, "garbage", -1, NULL));
  g_autoptr(identity) id = identity_load_or_create(tmp, g_get_real_time() / G_USEC_PER_SEC, &created, &error);
  g_assert_no_error(error);
  g_assert_true(created);
  remove_tree(tmp);
}

static void
test_configured_pair(void)
{
  g_autofree char *cert = testutil_data_path("certs/test.pem");
  g_autofree char *key = testutil_data_path("certs/test.key");
  g_autofree char *other_key = testutil_data_path("certs/other.key");
  g_autoptr(GError) error = NULL;

  g_autoptr(identity) id = identity_load_files(cert, key, &error);
  g_assert_no_error(error);
  char buf[FINGERPRINT_MAX_TEXT];
  g_assert_cmpstr(fingerprint_format(identity_fingerprint(id), buf), ==,
                  "sha-256 84:73:8B:C7:D0:CC:43:69:A2:B6:EB:7C:BA:50:DA:5F:11:57:CC:5F:75:68:8D:1E:AE:AC:D1:92:E9:AD:98:55");

  fingerprint md5;
  identity_fingerprint_with(id, FINGERPRINT_HASH_MD5, &md5);
  g_assert_cmpstr(fingerprint_format(&md5, buf), ==, "md5 D9:DF:D6:93:F2:58:3B:04:A9:6C:39:E9:44:1B:55:3A");

  /* A key that is not the certificate's is refused. */
  g_autoptr(identity) bad = identity_load_files(cert, other_key, &error);
  g_assert_null(bad);
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, "does not hold the key"));

  /* Credentials accept the pair. */
  gnutls_certificate_credentials_t cred;
  g_assert_cmpint(gnutls_certificate_allocate_credentials(&cred), ==, 0);
  g_assert_cmpint(identity_set_credentials(id, cred), >=, 0);
  gnutls_certificate_free_credentials(cred);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/identity/generate-store-reuse", test_generate_store_reuse);
  g_test_add_func("/identity/corrupt-is-replaced", test_corrupt_is_replaced);
  g_test_add_func("/identity/configured-pair", test_configured_pair);
  return g_test_run();
}
