/* The gateway's identity: one ECDSA P-256 key and self-signed certificate,
 * generated once into the state folder and reused for every DTLS session
 * (RFC 8122: only its fingerprint matters), or an operator's configured pair.
 *
 * An identity is immutable once made and reference counted, so media workers
 * may hold it across threads. */
#pragma once
#include <glib.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "certs/fingerprint.h"

typedef struct identity identity;

/* A generated certificate is replaced at start when it expires within this. */
#define IDENTITY_RENEW_BEFORE_S (30 * 24 * 3600)
/* Lifetime of a generated certificate. */
#define IDENTITY_LIFETIME_S (365 * 24 * 3600)

#define IDENTITY_CERT_FILE "identity.pem"
#define IDENTITY_KEY_FILE "identity.key"

/* Generates a fresh ECDSA P-256 key and a self-signed certificate valid from
 * NOW_UNIX - 1 day for LIFETIME_S seconds. Returns a new reference. */
identity *identity_generate(gint64 now_unix, gint64 lifetime_s, GError **error);

/* Loads STATE_DIR/identity.pem and identity.key, or generates and stores them
 * (directory 0700, key 0600) when missing, unreadable as a pair, or expiring
 * within IDENTITY_RENEW_BEFORE_S of NOW_UNIX. *CREATED (optional) tells whether
 * a new identity was written. Returns a new reference or NULL with ERROR. */
identity *identity_load_or_create(const char *state_dir, gint64 now_unix, gboolean *created,
                                  GError **error);

/* Loads an operator's PEM certificate (the first of a chain) and private key;
 * fails when the key does not belong to the certificate. */
identity *identity_load_files(const char *cert_file, const char *key_file, GError **error);

identity *identity_ref(identity *id);
void identity_unref(identity *id);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(identity, identity_unref)

/* The certificate's sha-256 fingerprint (what the gateway puts in its SDP). */
const fingerprint *identity_fingerprint(const identity *id);
/* The certificate's fingerprint with another hash (an answer may use the
 * hash of the offer). */
void identity_fingerprint_with(const identity *id, fingerprint_hash hash, fingerprint *out);
/* DER encoding of the certificate; borrowed. */
const guint8 *identity_der(const identity *id, gsize *len);
/* Unix time the certificate expires. */
gint64 identity_expires(const identity *id);
/* The certificate's public key algorithm (GNUTLS_PK_ECDSA, GNUTLS_PK_RSA…). */
gnutls_pk_algorithm_t identity_pk_algorithm(const identity *id);

/* Installs the certificate and key into CRED (for DTLS and TLS servers and
 * clients). Returns a GnuTLS error code. */
int identity_set_credentials(const identity *id, gnutls_certificate_credentials_t cred);
