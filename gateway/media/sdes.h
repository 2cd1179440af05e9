/* SDES: the SDP "a=crypto:" attribute of RFC 4568 (with the suites of
 * RFC 6188 and RFC 7714 §12), parsed, classified, chosen and written.
 *
 * Everything here works on caller-owned values: a parsed attribute is a
 * plain struct (no pointers into the input, no allocation) that holds key
 * material; callers wipe it with sdes_crypto_attr_clear when done
 * (g_auto(sdes_crypto_attr) does that). Nothing here logs a key: use
 * sdes_crypto_format_redacted for log lines.
 *
 * Parsing takes the attribute VALUE, i.e. what follows "a=crypto:":
 *   tag SP crypto-suite SP key-params *(";" key-params) [SP session-params]
 * key-params = "inline:" base64(key||salt) ["|" lifetime] ["|" MKI ":" length]
 *
 * Base64: RFC 4568 §6.1 points at RFC 3548 base64, which pads with '='. The
 * writer always pads (30 bytes → 40 characters, no '=' needed; 28 → 40 with
 * "=="; 38 → 52 with "="; 44 → 60 with "="; 46 → 64 with "=="). The parser
 * accepts the key with or without padding, because phones and browsers
 * differ; stray characters, padding in the middle or a wrong amount of
 * padding are errors.
 *
 * Session parameters (RFC 4568 §6.3): parsed into flags. Which of them we can
 * honour is a separate question answered by sdes_crypto_supported: window
 * size hints (WSH) and KDR=0 only. An unknown parameter starting with '-' is
 * optional and ignored (§6.3.7 / §9.2 srtp-session-extension); any other
 * unknown parameter makes the line unsupported, not malformed.
 */
#pragma once
#include <glib.h>

#include "gateway/media/media_srtp.h"

/* Key parameters kept per attribute; RFC 4568 allows several (each with an
 * MKI). We keep up to this many and use the first. */
#define SDES_MAX_KEY_PARAMS 8
/* Longest attribute value sdes_crypto_format writes (8 keys with MKI). */
#define SDES_CRYPTO_MAX_LEN 1024
/* Longest suite name we keep for an unknown suite (longer ones are cut). */
#define SDES_SUITE_NAME_MAX 48

typedef struct {
  guint8 key[MEDIA_SRTP_MAX_KEY_LEN]; /* master key || master salt */
  gsize key_len;
  gboolean has_lifetime;
  gboolean lifetime_is_power; /* written as 2^n */
  guint lifetime_exponent;    /* n when lifetime_is_power */
  guint64 lifetime;           /* packets: 2^n or the decimal value */
  gboolean has_mki;
  guint64 mki_value;
  guint mki_length; /* bytes, 1..128 */
} sdes_key_param;

typedef struct {
  guint32 tag; /* 1*9DIGIT */
  gboolean suite_known;
  media_srtp_suite suite;                /* when suite_known */
  char suite_name[SDES_SUITE_NAME_MAX + 1]; /* as offered; unprintables → '?' */
  guint n_keys;                          /* >= 1 when suite_known */
  sdes_key_param keys[SDES_MAX_KEY_PARAMS];
  /* Session parameters. */
  gboolean unencrypted_srtp, unencrypted_srtcp, unauthenticated_srtp;
  gboolean has_kdr;
  guint kdr; /* 0..24 */
  gboolean has_wsh;
  guint32 wsh; /* >= 64 */
  gboolean has_fec_order, has_fec_key;
  guint n_unknown_mandatory; /* unknown parameters without a leading '-' */
  guint n_unknown_optional;  /* unknown parameters with a leading '-' (ignored) */
} sdes_crypto_attr;

/* Wipes the key material and resets *ATTR. */
void sdes_crypto_attr_clear(sdes_crypto_attr *attr);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sdes_crypto_attr, sdes_crypto_attr_clear)

/* Parses VALUE (LEN bytes, not NUL-terminated necessarily; trailing CR/LF
 * and spaces are ignored) into *OUT. An unknown suite name is not an error:
 * it returns 0 with out->suite_known FALSE (the key params are then not
 * interpreted). Returns 0, or -EINVAL with *REASON (optional) set to a static
 * sentence; *OUT is wiped on error. */
int sdes_crypto_parse(const char *value, gsize len, sdes_crypto_attr *out, const char **reason);

/* Whether we can use ATTR as it stands: a known suite, no MKI on the key we
 * use, no UNENCRYPTED_*, UNAUTHENTICATED_SRTP, FEC or KDR other than 0, no
 * unknown mandatory session parameter. When not, *REASON (optional) gets a
 * static sentence fit for a SIP Warning header. */
gboolean sdes_crypto_supported(const sdes_crypto_attr *attr, const char **reason);

/* Writes the attribute value of a known-suite ATTR ("1 AES_CM_128_HMAC_SHA1_80
 * inline:...") NUL-terminated into OUT (CAP bytes). Returns the length
 * written (without the NUL), -EINVAL for an unknown suite or no key, or
 * -ENOSPC. FEC_ORDER/FEC_KEY and unknown parameters are not written. */
int sdes_crypto_format(const sdes_crypto_attr *attr, char *out, gsize cap);
/* Same, with every key written as "inline:<redacted>"; also works for an
 * unknown suite. For logs. */
int sdes_crypto_format_redacted(const sdes_crypto_attr *attr, char *out, gsize cap);

/* Fills *OUT with TAG, SUITE and a fresh random master key and salt
 * (gnutls_rnd GNUTLS_RND_KEY), no lifetime, no MKI, no session parameter.
 * Returns 0, -EINVAL (bad suite or tag > 999999999) or -EIO (no randomness). */
int sdes_crypto_generate(media_srtp_suite suite, guint32 tag, sdes_crypto_attr *out);

/* Answerer choice (RFC 4568 §7.1.2): the first of the N_OFFERS offered
 * attributes (in the offer's order, which is the offerer's preference) whose
 * suite is in ALLOWED (a set; its order does not matter) and which
 * sdes_crypto_supported accepts. The answer must keep the chosen offer's
 * tag: the answer line is sdes_crypto_generate(offers[*CHOSEN].suite,
 * offers[*CHOSEN].tag, &answer). Returns 0 with *CHOSEN set, or -ENOENT with *REASON (optional) set to
 * a static sentence for a 488 Warning: the reason of the first rejected
 * offer with an allowed suite, else "none of the offered SRTP crypto suites
 * is enabled". */
int sdes_choose_answer(const sdes_crypto_attr *offers, gsize n_offers,
                       const media_srtp_suite *allowed, gsize n_allowed, gsize *chosen,
                       const char **reason);

/* Looks up an SDES suite name, including the aliases AES_CM_192_… and
 * AES_CM_256_… some phones write. Returns 0 or -ENOENT. */
int sdes_suite_from_name(const char *name, gsize len, media_srtp_suite *out);
