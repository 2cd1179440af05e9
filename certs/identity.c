/* The gateway identity: generate, store, load (see identity.h). */
#define G_LOG_DOMAIN "rtc2sip-certs"
#include "certs/identity.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <string.h>

struct identity {
  gint refcount;
  gnutls_x509_crt_t crt;
  gnutls_x509_privkey_t key;
  guint8 *der;
  gsize der_len;
  gint64 expires;
  fingerprint sha256;
};

#define IDENTITY_ERROR (g_quark_from_static_string("rtc2sip-identity"))

/* Wipes key material from memory before it is freed. */
static void
secure_zero_key(void *data, gsize len)
{
  gnutls_memset(data, 0, len);
}

static void
set_gnutls_error(GError **error, int rc, const char *what)
{
  g_set_error(error, IDENTITY_ERROR, rc, "%s: %s", what, gnutls_strerror(rc));
}

/* Takes ownership of CRT and KEY; computes DER and the fingerprint. */
static identity *
identity_wrap(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, GError **error)
{
  gnutls_datum_t der = { 0 };
  int rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der);
  if (rc < 0) {
    set_gnutls_error(error, rc, "cannot encode the certificate");
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
    return NULL;
  }
  identity *id = g_new0(identity, 1);
  id->refcount = 1;
  id->crt = crt;
  id->key = key;
  id->der = g_memdup2(der.data, der.size);
  id->der_len = der.size;
  gnutls_free(der.data);
  id->expires = gnutls_x509_crt_get_expiration_time(crt);
  fingerprint_compute(FINGERPRINT_HASH_SHA256, id->der, id->der_len, &id->sha256);
  return id;
}

identity *
identity_generate(gint64 now_unix, gint64 lifetime_s, GError **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  guint8 serial[16];
  int rc;

  if ((rc = gnutls_x509_privkey_init(&key)) < 0 ||
      (rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                         GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0) {
    set_gnutls_error(error, rc, "cannot generate an ECDSA P-256 key");
    goto fail;
  }
  if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial)) < 0) {
    set_gnutls_error(error, rc, "cannot draw a serial number");
    goto fail;
  }
  serial[0] &= 0x7f; /* positive */
  serial[0] |= 0x01; /* and without a leading zero byte */
  if ((rc = gnutls_x509_crt_init(&crt)) < 0 ||
      (rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
      (rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
      (rc = gnutls_x509_crt_set_dn(crt, "CN=rtc2sip", NULL)) < 0 ||
      (rc = gnutls_x509_crt_set_key(crt, key)) < 0 ||
      (rc = gnutls_x509_crt_set_activation_time(crt, (time_t)(now_unix - 86400))) < 0 ||
      (rc = gnutls_x509_crt_set_expiration_time(crt, (time_t)(now_unix + lifetime_s))) < 0 ||
      (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
      (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
      (rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0) {
    set_gnutls_error(error, rc, "cannot make the self-signed certificate");
    goto fail;
  }
  return identity_wrap(crt, key, error);

fail:
  if (crt)
    gnutls_x509_crt_deinit(crt);
  if (key)
    gnutls_x509_privkey_deinit(key);
  return NULL;
}

/* Reads PEM files into a certificate and key and checks that they belong
 * together. Returns NULL with ERROR otherwise. */
static identity *
identity_from_pem(const char *cert_file, const char *key_file, GError **error)
{
  g_autofree char *cert_pem = NULL, *key_pem = NULL;
  gsize cert_len = 0, key_len = 0;
  gnutls_x509_crt_t crt = NULL;
  gnutls_x509_privkey_t key = NULL;
  guint8 id1[64], id2[64];
  size_t id1_len = sizeof id1, id2_len = sizeof id2;
  int rc;

  if (!g_file_get_contents(cert_file, &cert_pem, &cert_len, error) ||
      !g_file_get_contents(key_file, &key_pem, &key_len, error))
    return NULL;
  gnutls_datum_t cert_datum = { (unsigned char *)cert_pem, (unsigned)cert_len };
  gnutls_datum_t key_datum = { (unsigned char *)key_pem, (unsigned)key_len };

  if ((rc = gnutls_x509_crt_init(&crt)) < 0 ||
      (rc = gnutls_x509_crt_import(crt, &cert_datum, GNUTLS_X509_FMT_PEM)) < 0) {
    g_set_error(error, IDENTITY_ERROR, rc, "%s: not a PEM certificate: %s", cert_file,
                gnutls_strerror(rc));
    goto fail;
  }
  if ((rc = gnutls_x509_privkey_init(&key)) < 0 ||
      (rc = gnutls_x509_privkey_import2(key, &key_datum, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
    g_set_error(error, IDENTITY_ERROR, rc, "%s: not a PEM private key: %s", key_file,
                gnutls_strerror(rc));
    goto fail;
  }
  if ((rc = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, id1, &id1_len)) < 0 ||
      (rc = gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, id2, &id2_len)) < 0 ||
      id1_len != id2_len || memcmp(id1, id2, id1_len) != 0) {
    g_set_error(error, IDENTITY_ERROR, EINVAL, "%s does not hold the key of %s", key_file,
                cert_file);
    goto fail;
  }
  secure_zero_key(key_pem, key_len);
  return identity_wrap(crt, key, error);

fail:
  if (key_pem)
    secure_zero_key(key_pem, key_len);
  if (crt)
    gnutls_x509_crt_deinit(crt);
  if (key)
    gnutls_x509_privkey_deinit(key);
  return NULL;
}

identity *
identity_load_files(const char *cert_file, const char *key_file, GError **error)
{
  return identity_from_pem(cert_file, key_file, error);
}

/* Writes CERT and KEY into STATE_DIR: the key with mode 0600, each file
 * replaced atomically. */
static gboolean
identity_store(const identity *id, const char *state_dir, GError **error)
{
  gnutls_datum_t cert_pem = { 0 }, key_pem = { 0 };
  g_autofree char *cert_path = g_build_filename(state_dir, IDENTITY_CERT_FILE, NULL);
  g_autofree char *key_path = g_build_filename(state_dir, IDENTITY_KEY_FILE, NULL);
  gboolean ok = FALSE;
  int rc;

  if (g_mkdir_with_parents(state_dir, 0700) < 0) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                "cannot create the state folder %s: %s", state_dir, g_strerror(e));
    return FALSE;
  }
  if ((rc = gnutls_x509_crt_export2(id->crt, GNUTLS_X509_FMT_PEM, &cert_pem)) < 0 ||
      (rc = gnutls_x509_privkey_export2(id->key, GNUTLS_X509_FMT_PEM, &key_pem)) < 0) {
    set_gnutls_error(error, rc, "cannot encode the identity");
    goto out;
  }
  /* The key first, so that a certificate on disk always has its key. */
  if (!g_file_set_contents_full(key_path, (const char *)key_pem.data, key_pem.size,
                                G_FILE_SET_CONTENTS_CONSISTENT, 0600, error) ||
      !g_file_set_contents_full(cert_path, (const char *)cert_pem.data, cert_pem.size,
                                G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    goto out;
  ok = TRUE;
out:
  if (key_pem.data) {
    secure_zero_key(key_pem.data, key_pem.size);
    gnutls_free(key_pem.data);
  }
  gnutls_free(cert_pem.data);
  return ok;
}

identity *
identity_load_or_create(const char *state_dir, gint64 now_unix, gboolean *created, GError **error)
{
  g_autofree char *cert_path = g_build_filename(state_dir, IDENTITY_CERT_FILE, NULL);
  g_autofree char *key_path = g_build_filename(state_dir, IDENTITY_KEY_FILE, NULL);
  g_autoptr(GError) load_error = NULL;

  if (created)
    *created = FALSE;
  if (g_file_test(cert_path, G_FILE_TEST_EXISTS) || g_file_test(key_path, G_FILE_TEST_EXISTS)) {
    identity *id = identity_from_pem(cert_path, key_path, &load_error);
    if (id && id->expires - now_unix > IDENTITY_RENEW_BEFORE_S)
      return id;
    if (id) {
      g_message("the gateway certificate in %s expires within 30 days: replacing it", state_dir);
      identity_unref(id);
    } else {
      g_message("cannot use the stored identity (%s): generating a new one", load_error->message);
    }
  }

  identity *id = identity_generate(now_unix, IDENTITY_LIFETIME_S, error);
  if (!id)
    return NULL;
  if (!identity_store(id, state_dir, error)) {
    identity_unref(id);
    return NULL;
  }
  if (created)
    *created = TRUE;
  return id;
}

identity *
identity_ref(identity *id)
{
  g_atomic_int_inc(&id->refcount);
  return id;
}

void
identity_unref(identity *id)
{
  if (!id || !g_atomic_int_dec_and_test(&id->refcount))
    return;
  gnutls_x509_crt_deinit(id->crt);
  gnutls_x509_privkey_deinit(id->key);
  g_free(id->der);
  g_free(id);
}

const fingerprint *
identity_fingerprint(const identity *id)
{
  return &id->sha256;
}

void
identity_fingerprint_with(const identity *id, fingerprint_hash hash, fingerprint *out)
{
  fingerprint_compute(hash, id->der, id->der_len, out);
}

const guint8 *
identity_der(const identity *id, gsize *len)
{
  *len = id->der_len;
  return id->der;
}

gint64
identity_expires(const identity *id)
{
  return id->expires;
}

gnutls_pk_algorithm_t
identity_pk_algorithm(const identity *id)
{
  return (gnutls_pk_algorithm_t)gnutls_x509_crt_get_pk_algorithm(id->crt, NULL);
}

int
identity_set_credentials(const identity *id, gnutls_certificate_credentials_t cred)
{
  gnutls_x509_crt_t chain[1] = { id->crt };
  return gnutls_certificate_set_x509_key(cred, chain, 1, id->key);
}
