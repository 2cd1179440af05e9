/* Digest authentication as a client (RFC 2617, RFC 7616, RFC 8760; RFC
 * 3261 §22.4): parse a WWW-Authenticate / Proxy-Authenticate challenge,
 * compute the response and write the Authorization / Proxy-Authorization
 * value. MD5, MD5-sess, SHA-256 and SHA-256-sess, through GnuTLS.
 *
 *   g_auto(sip_digest_challenge) ch = SIP_DIGEST_CHALLENGE_INIT;
 *   if (sip_digest_challenge_parse(&ch, value.p, value.len, &why) == 0) {
 *     sip_digest_request rq = { "alice", "secret", "REGISTER", "sip:example.com",
 *                               cnonce_from_a_random_source, NULL, 0 };
 *     sip_digest_authorize(&ch, &rq, out, &why);   // "Digest username=…"
 *   }
 *
 * A challenge keeps the nonce count: each sip_digest_authorize with qop
 * increments it (nc=00000001, 00000002, …); a new challenge (new nonce)
 * starts again at 1. Ownership: the challenge owns its strings; clear it
 * with sip_digest_challenge_clear. */
#pragma once
#include <glib.h>

typedef enum {
  SIP_DIGEST_MD5,
  SIP_DIGEST_MD5_SESS,
  SIP_DIGEST_SHA256,
  SIP_DIGEST_SHA256_SESS,
} sip_digest_algorithm;

typedef struct {
  char *realm;
  char *nonce;
  char *opaque;          /* NULL when absent */
  char *domain;          /* NULL when absent */
  sip_digest_algorithm algorithm;
  gboolean algorithm_given;
  gboolean qop_auth;
  gboolean qop_auth_int;
  gboolean stale;
  guint32 nc;            /* nonce count of the last response */
} sip_digest_challenge;

#define SIP_DIGEST_CHALLENGE_INIT { 0 }

/* Parses a challenge value ("Digest realm=…, nonce=…"), LEN octets.
 * Returns 0, or a negative errno with *REASON a static sentence:
 * -EINVAL not a Digest challenge, -ENOTSUP unknown algorithm or no usable
 * qop, -EBADMSG bad syntax or no realm / nonce. */
int sip_digest_challenge_parse(sip_digest_challenge *ch, const char *value, gsize len,
                               const char **reason);
void sip_digest_challenge_clear(sip_digest_challenge *ch);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sip_digest_challenge, sip_digest_challenge_clear)

/* RFC name of ALG ("MD5", "SHA-256-sess"). */
const char *sip_digest_algorithm_name(sip_digest_algorithm alg);

typedef struct {
  const char *username;
  const char *password;
  const char *method;     /* the request's method ("INVITE") */
  const char *uri;        /* its Request-URI, as sent */
  const char *cnonce;     /* client nonce, chosen by the caller */
  const void *body;       /* the body, for qop=auth-int only */
  gsize body_len;
} sip_digest_request;

/* Longest hex digest + NUL. */
#define SIP_DIGEST_HEX_MAX 65

/* The "response" value for the given inputs, lower-case hex into OUT.
 * QOP is NULL (RFC 2069 style), "auth" or "auth-int"; NC is the 8-hex nonce
 * count. Returns 0 or -EINVAL. */
int sip_digest_response(sip_digest_algorithm alg, const char *username, const char *realm,
                        const char *password, const char *nonce, const char *nc,
                        const char *cnonce, const char *qop, const char *method,
                        const char *uri, const void *body, gsize body_len,
                        char out[SIP_DIGEST_HEX_MAX]);

/* Appends the Authorization (or Proxy-Authorization) value answering CH
 * to OUT. Uses qop=auth when offered, else auth-int, else no qop (RFC 2069);
 * increments CH's nonce count when a qop is used. Returns 0 or -EINVAL with
 * *REASON. */
int sip_digest_authorize(sip_digest_challenge *ch, const sip_digest_request *rq, GString *out,
                         const char **reason);
