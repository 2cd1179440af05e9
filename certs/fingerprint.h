/* Certificate fingerprints as used in SDP (RFC 8122 §5):
 * "sha-256 AB:CD:…", over the certificate's DER encoding. */
#pragma once
#include <glib.h>

typedef enum {
  FINGERPRINT_HASH_MD5,
  FINGERPRINT_HASH_SHA1,
  FINGERPRINT_HASH_SHA224,
  FINGERPRINT_HASH_SHA256,
  FINGERPRINT_HASH_SHA384,
  FINGERPRINT_HASH_SHA512,
  FINGERPRINT_HASH_COUNT
} fingerprint_hash;

#define FINGERPRINT_MAX_DIGEST 64
/* Longest formatted fingerprint: "sha-512 " + 64*3-1 hex with colons + NUL. */
#define FINGERPRINT_MAX_TEXT (8 + FINGERPRINT_MAX_DIGEST * 3)

typedef struct {
  fingerprint_hash hash;
  guint8 len;                          /* digest length in bytes */
  guint8 digest[FINGERPRINT_MAX_DIGEST];
} fingerprint;

/* RFC 8122 hash name ("sha-256") for HASH. Static string. */
const char *fingerprint_hash_name(fingerprint_hash hash);
/* Digest length of HASH in bytes. */
guint fingerprint_hash_length(fingerprint_hash hash);
/* Looks up a hash name of LEN bytes, in any case ("SHA-256", "sha-1").
 * Returns 0, or -ENOENT for a name we do not know. */
int fingerprint_hash_from_name(const char *name, gsize len, fingerprint_hash *out);

/* Fingerprint of a DER certificate with HASH. Returns 0 or -EINVAL. */
int fingerprint_compute(fingerprint_hash hash, const guint8 *der, gsize der_len,
                        fingerprint *out);

/* Writes "sha-256 AB:CD:…" (upper-case hex, SDP form) into BUF, which holds
 * at least FINGERPRINT_MAX_TEXT bytes. Returns BUF. */
char *fingerprint_format(const fingerprint *fp, char *buf);
/* The same as a newly allocated string. Caller frees. */
char *fingerprint_to_string(const fingerprint *fp);
/* Hex digest only, lower case, no colons ("447af6…"): the trace form of the
 * reference page. BUF holds at least FINGERPRINT_MAX_DIGEST*2+1 bytes. */
char *fingerprint_format_hex(const fingerprint *fp, char *buf);

/* Parses the value of an a=fingerprint attribute: "HASH SP HEX:HEX:…", LEN
 * bytes (not NUL-terminated). Hash names and hex in any case; surrounding
 * white space allowed. Returns 0, or a negative errno with *REASON set to a
 * static sentence: -ENOENT unknown hash, -EINVAL bad syntax or hex, -ERANGE
 * wrong length for the hash. */
int fingerprint_parse(const char *text, gsize len, fingerprint *out, const char **reason);

/* Constant-time comparison of the digests (and equal hash and length). */
gboolean fingerprint_equal(const fingerprint *a, const fingerprint *b);

/* Does the DER certificate match EXPECTED, hashed with EXPECTED's hash? */
gboolean fingerprint_verify(const fingerprint *expected, const guint8 *der, gsize der_len);
