/* SRTP/SRTCP contexts over libsrtp2, one per direction.
 *
 * A media_srtp protects (outbound) or unprotects (inbound) every SSRC of one
 * direction of one transport with one master key, in place, without any
 * allocation per packet. A context is used by one media worker thread at a
 * time; it takes no lock. The caller owns the context and frees it with
 * media_srtp_free (g_autoptr works). Key material is copied and wiped on
 * free.
 *
 * Replay window: inbound contexts use a window of MEDIA_SRTP_REPLAY_WINDOW
 * packets per SSRC (libsrtp's maximum is 32768). A new SSRC gets a fresh
 * stream from the ssrc_any_inbound template, so it is never a replay; a
 * forward sequence jump of up to 2^15 is accepted (the ROC estimate of
 * RFC 3711 §3.3.1 follows it); a packet older than the window behind the
 * highest one seen is a replay drop. 1024 packets is about 20 s of 20 ms
 * audio and about 10 s of 100 packet/s video: far more reordering than any
 * real path shows, while keeping the bitmap at 128 bytes per stream.
 */
#pragma once
#include <glib.h>

/* DTLS-SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2). */
typedef enum {
  SRTP_PROFILE_NONE,
  SRTP_PROFILE_AES128_CM_SHA1_80,
  SRTP_PROFILE_AES128_CM_SHA1_32,
  SRTP_PROFILE_AEAD_AES_128_GCM,
  SRTP_PROFILE_AEAD_AES_256_GCM,
} srtp_profile;

/* SRTP crypto suites (SDES names of RFC 4568, RFC 6188, RFC 7714). */
typedef enum {
  MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80,
  MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32,
  MEDIA_SRTP_AES_192_CM_HMAC_SHA1_80,
  MEDIA_SRTP_AES_192_CM_HMAC_SHA1_32,
  MEDIA_SRTP_AES_256_CM_HMAC_SHA1_80,
  MEDIA_SRTP_AES_256_CM_HMAC_SHA1_32,
  MEDIA_SRTP_AEAD_AES_128_GCM,
  MEDIA_SRTP_AEAD_AES_256_GCM,
  MEDIA_SRTP_SUITE_COUNT
} media_srtp_suite;

#define MEDIA_SRTP_REPLAY_WINDOW 1024
/* Longest master key + master salt of any suite (AES-256: 32 + 14). */
#define MEDIA_SRTP_MAX_KEY_LEN 46
/* Bytes protect may add to an RTP packet (tag) or an RTCP packet (E+index,
 * tag); size buffers with at least this much room past the packet. */
#define MEDIA_SRTP_MAX_TRAILER 20

/* SDES name ("AES_CM_128_HMAC_SHA1_80"); static string. */
const char *media_srtp_suite_name(media_srtp_suite suite);
/* Looks up an SDES suite name of LEN bytes (exact case, RFC 4568).
 * Returns 0 or -ENOENT. */
int media_srtp_suite_from_name(const char *name, gsize len, media_srtp_suite *out);
/* The suite of a DTLS-SRTP profile. Returns 0, or -EINVAL for
 * SRTP_PROFILE_NONE or an unknown value. */
int media_srtp_suite_from_profile(srtp_profile profile, media_srtp_suite *out);
/* RFC 5764 name of a profile ("SRTP_AES128_CM_HMAC_SHA1_80"); static. */
const char *srtp_profile_name(srtp_profile profile);
/* Master key + master salt length of SUITE in bytes (30, 38, 46, 28, 44). */
gsize media_srtp_suite_key_length(media_srtp_suite suite);
/* Authentication tag length of SUITE for RTP in bytes (10, 4 or 16). */
gsize media_srtp_suite_tag_length(media_srtp_suite suite);

typedef struct {
  guint64 packets;       /* packets protected or unprotected successfully */
  guint64 auth_failures; /* unprotect: tag did not verify */
  guint64 replay_drops;  /* unprotect: replayed or too old; protect: repeated index */
  guint64 other_errors;  /* malformed packets, too small buffers, libsrtp errors */
} media_srtp_stats;

typedef struct media_srtp media_srtp;

/* Initializes libsrtp2 (once per process, thread-safe). Called by
 * media_srtp_new; call it early to learn about a broken libsrtp. Returns 0
 * or -EIO. */
int media_srtp_global_init(void);

/* A context for one direction: OUTBOUND protects what we send (any SSRC),
 * inbound unprotects what we receive (any SSRC). KEY_AND_SALT holds exactly
 * media_srtp_suite_key_length(SUITE) bytes (master key || master salt); it
 * is copied. Returns a new context or NULL with ERROR. */
media_srtp *media_srtp_new(media_srtp_suite suite, const guint8 *key_and_salt, gsize len,
                           gboolean outbound, GError **error);
void media_srtp_free(media_srtp *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(media_srtp, media_srtp_free)

media_srtp_suite media_srtp_get_suite(const media_srtp *ctx);

/* In-place SRTP: BUF holds an RTP packet of *LEN bytes in a buffer of CAP
 * bytes; on success *LEN becomes the SRTP length (CAP must leave
 * MEDIA_SRTP_MAX_TRAILER bytes). Returns 0 or a negative errno: -EINVAL
 * malformed, -ENOBUFS no room, -EALREADY repeated index, -EIO other. */
int media_srtp_protect(media_srtp *ctx, guint8 *buf, gsize *len, gsize cap);
/* In-place unprotect of an SRTP packet; *LEN shrinks to the RTP length.
 * Returns 0, -EBADMSG auth failure, -EALREADY replay, -EINVAL malformed,
 * -EIO other. Counted in the stats either way. */
int media_srtp_unprotect(media_srtp *ctx, guint8 *buf, gsize *len);
int media_srtp_protect_rtcp(media_srtp *ctx, guint8 *buf, gsize *len, gsize cap);
int media_srtp_unprotect_rtcp(media_srtp *ctx, guint8 *buf, gsize *len);

/* Copies the counters. */
void media_srtp_get_stats(const media_srtp *ctx, media_srtp_stats *out);
/* Static sentence for a return code of the calls above. */
const char *media_srtp_strerror(int rc);
