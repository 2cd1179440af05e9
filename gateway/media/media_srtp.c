/* SRTP contexts over libsrtp2 (see media_srtp.h). */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/media_srtp.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <srtp2/srtp.h>
#include <string.h>

#include "gateway/media/rtp_demux.h"
#include "gateway/media/srtp_nettle.h"

#define MEDIA_SRTP_ERROR (g_quark_from_static_string("rtc2sip-media-srtp"))

struct media_srtp {
  srtp_t session;
  media_srtp_suite suite;
  gboolean outbound;
  gsize rtp_trailer;  /* bytes protect adds to RTP */
  gsize rtcp_trailer; /* bytes protect_rtcp adds to RTCP */
  media_srtp_stats stats;
  guint8 key[MEDIA_SRTP_MAX_KEY_LEN];
};

typedef void (*policy_setter)(srtp_crypto_policy_t *p);

static void
set_aes_cm_128_hmac_sha1_80(srtp_crypto_policy_t *p)
{
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p);
}

static const struct {
  const char *name;
  gsize key_len;
  gsize tag_len;
  policy_setter rtp;  /* RTP policy */
  policy_setter rtcp; /* RTCP policy: the _32 suites keep an 80-bit SRTCP tag (RFC 4568 §6.2.1) */
} suites[MEDIA_SRTP_SUITE_COUNT] = {
  [MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 30, 10,
    set_aes_cm_128_hmac_sha1_80, set_aes_cm_128_hmac_sha1_80 },
  [MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 30, 4,
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, set_aes_cm_128_hmac_sha1_80 },
  [MEDIA_SRTP_AES_192_CM_HMAC_SHA1_80] = { "AES_192_CM_HMAC_SHA1_80", 38, 10,
    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80, srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80 },
  [MEDIA_SRTP_AES_192_CM_HMAC_SHA1_32] = { "AES_192_CM_HMAC_SHA1_32", 38, 4,
    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32, srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80 },
  [MEDIA_SRTP_AES_256_CM_HMAC_SHA1_80] = { "AES_256_CM_HMAC_SHA1_80", 46, 10,
    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
  [MEDIA_SRTP_AES_256_CM_HMAC_SHA1_32] = { "AES_256_CM_HMAC_SHA1_32", 46, 4,
    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
  [MEDIA_SRTP_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 28, 16,
    srtp_crypto_policy_set_aes_gcm_128_16_auth, srtp_crypto_policy_set_aes_gcm_128_16_auth },
  [MEDIA_SRTP_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 44, 16,
    srtp_crypto_policy_set_aes_gcm_256_16_auth, srtp_crypto_policy_set_aes_gcm_256_16_auth },
};

static gboolean
suite_valid(media_srtp_suite suite)
{
  return (guint)suite < MEDIA_SRTP_SUITE_COUNT;
}

const char *
media_srtp_suite_name(media_srtp_suite suite)
{
  return suite_valid(suite) ? suites[suite].name : "unknown";
}

int
media_srtp_suite_from_name(const char *name, gsize len, media_srtp_suite *out)
{
  for (guint i = 0; i < MEDIA_SRTP_SUITE_COUNT; i++) {
    if (strlen(suites[i].name) == len && memcmp(suites[i].name, name, len) == 0) {
      *out = (media_srtp_suite)i;
      return 0;
    }
  }
  return -ENOENT;
}

int
media_srtp_suite_from_profile(srtp_profile profile, media_srtp_suite *out)
{
  switch (profile) {
  case SRTP_PROFILE_AES128_CM_SHA1_80: *out = MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80; return 0;
  case SRTP_PROFILE_AES128_CM_SHA1_32: *out = MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32; return 0;
  case SRTP_PROFILE_AEAD_AES_128_GCM: *out = MEDIA_SRTP_AEAD_AES_128_GCM; return 0;
  case SRTP_PROFILE_AEAD_AES_256_GCM: *out = MEDIA_SRTP_AEAD_AES_256_GCM; return 0;
  case SRTP_PROFILE_NONE: break;
  }
  return -EINVAL;
}

const char *
srtp_profile_name(srtp_profile profile)
{
  switch (profile) {
  case SRTP_PROFILE_AES128_CM_SHA1_80: return "SRTP_AES128_CM_HMAC_SHA1_80";
  case SRTP_PROFILE_AES128_CM_SHA1_32: return "SRTP_AES128_CM_HMAC_SHA1_32";
  case SRTP_PROFILE_AEAD_AES_128_GCM: return "SRTP_AEAD_AES_128_GCM";
  case SRTP_PROFILE_AEAD_AES_256_GCM: return "SRTP_AEAD_AES_256_GCM";
  case SRTP_PROFILE_NONE: break;
  }
  return "none";
}

gsize
media_srtp_suite_key_length(media_srtp_suite suite)
{
  return suite_valid(suite) ? suites[suite].key_len : 0;
}

gsize
media_srtp_suite_tag_length(media_srtp_suite suite)
{
  return suite_valid(suite) ? suites[suite].tag_len : 0;
}

static gsize init_result; /* 1 + srtp_err_status_t */

int
media_srtp_global_init(void)
{
  if (g_once_init_enter(&init_result)) {
    srtp_err_status_t st = srtp_init();
    if (st != srtp_err_status_ok)
      g_warning("libsrtp2 failed to initialize (status %d)", (int)st);
    else
      srtp_nettle_install();
    g_once_init_leave(&init_result, 1 + (gsize)st);
  }
  return init_result == 1 ? 0 : -EIO;
}

media_srtp *
media_srtp_new(media_srtp_suite suite, const guint8 *key_and_salt, gsize len, gboolean outbound,
               GError **error)
{
  if (!suite_valid(suite)) {
    g_set_error(error, MEDIA_SRTP_ERROR, EINVAL, "unknown SRTP suite %d", (int)suite);
    return NULL;
  }
  if (!key_and_salt || len != suites[suite].key_len) {
    g_set_error(error, MEDIA_SRTP_ERROR, EINVAL, "%s needs %" G_GSIZE_FORMAT
                " bytes of master key and salt, not %" G_GSIZE_FORMAT,
                suites[suite].name, suites[suite].key_len, len);
    return NULL;
  }
  if (media_srtp_global_init() < 0) {
    g_set_error(error, MEDIA_SRTP_ERROR, EIO, "libsrtp2 failed to initialize");
    return NULL;
  }

  media_srtp *ctx = g_new0(media_srtp, 1);
  ctx->suite = suite;
  ctx->outbound = outbound;
  memcpy(ctx->key, key_and_salt, len);

  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  suites[suite].rtp(&policy.rtp);
  suites[suite].rtcp(&policy.rtcp);
  policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = ctx->key;
  policy.window_size = MEDIA_SRTP_REPLAY_WINDOW;
  policy.allow_repeat_tx = 0;
  policy.next = NULL;

  srtp_err_status_t st = srtp_create(&ctx->session, &policy);
  if (st != srtp_err_status_ok) {
    g_set_error(error, MEDIA_SRTP_ERROR, EIO, "libsrtp2 refused %s (status %d)",
                suites[suite].name, (int)st);
    gnutls_memset(ctx->key, 0, sizeof ctx->key);
    g_free(ctx);
    return NULL;
  }
  ctx->rtp_trailer = policy.rtp.auth_tag_len;
  ctx->rtcp_trailer = 4 + (gsize)policy.rtcp.auth_tag_len;
  return ctx;
}

void
media_srtp_free(media_srtp *ctx)
{
  if (!ctx)
    return;
  if (ctx->session)
    srtp_dealloc(ctx->session);
  gnutls_memset(ctx->key, 0, sizeof ctx->key);
  g_free(ctx);
}

media_srtp_suite
media_srtp_get_suite(const media_srtp *ctx)
{
  return ctx->suite;
}

/* Maps a libsrtp status to our return code and counts it. */
static int
account(media_srtp *ctx, srtp_err_status_t st)
{
  switch (st) {
  case srtp_err_status_ok:
    ctx->stats.packets++;
    return 0;
  case srtp_err_status_auth_fail:
    ctx->stats.auth_failures++;
    return -EBADMSG;
  case srtp_err_status_replay_fail:
  case srtp_err_status_replay_old:
    ctx->stats.replay_drops++;
    return -EALREADY;
  case srtp_err_status_bad_param:
  case srtp_err_status_parse_err:
    ctx->stats.other_errors++;
    return -EINVAL;
  default:
    ctx->stats.other_errors++;
    return -EIO;
  }
}

static int
count_other(media_srtp *ctx, int rc)
{
  ctx->stats.other_errors++;
  return rc;
}

int
media_srtp_protect(media_srtp *ctx, guint8 *buf, gsize *len, gsize cap)
{
  rtp_header h;
  if (!ctx->outbound)
    return count_other(ctx, -EINVAL);
  if (rtp_header_parse(buf, *len, &h, NULL) < 0 || *len > G_MAXINT - MEDIA_SRTP_MAX_TRAILER)
    return count_other(ctx, -EINVAL);
  if (cap < *len + ctx->rtp_trailer)
    return count_other(ctx, -ENOBUFS);
  int n = (int)*len;
  int rc = account(ctx, srtp_protect(ctx->session, buf, &n));
  if (rc == 0)
    *len = (gsize)n;
  return rc;
}

int
media_srtp_unprotect(media_srtp *ctx, guint8 *buf, gsize *len)
{
  rtp_header h;
  if (ctx->outbound)
    return count_other(ctx, -EINVAL);
  if (rtp_header_parse(buf, *len, &h, NULL) < 0 || *len > G_MAXINT ||
      *len < h.header_len + ctx->rtp_trailer)
    return count_other(ctx, -EINVAL);
  int n = (int)*len;
  int rc = account(ctx, srtp_unprotect(ctx->session, buf, &n));
  if (rc == 0)
    *len = (gsize)n;
  return rc;
}

/* Version 2 and room for the header and sender SSRC. The length field is
 * left to libsrtp, which protects the whole (compound) datagram. */
static gboolean
rtcp_plausible(const guint8 *buf, gsize len)
{
  return buf && len >= 8 && (buf[0] >> 6) == 2;
}

int
media_srtp_protect_rtcp(media_srtp *ctx, guint8 *buf, gsize *len, gsize cap)
{
  if (!ctx->outbound)
    return count_other(ctx, -EINVAL);
  if (!rtcp_plausible(buf, *len) || *len > G_MAXINT - MEDIA_SRTP_MAX_TRAILER)
    return count_other(ctx, -EINVAL);
  if (cap < *len + ctx->rtcp_trailer)
    return count_other(ctx, -ENOBUFS);
  int n = (int)*len;
  int rc = account(ctx, srtp_protect_rtcp(ctx->session, buf, &n));
  if (rc == 0)
    *len = (gsize)n;
  return rc;
}

int
media_srtp_unprotect_rtcp(media_srtp *ctx, guint8 *buf, gsize *len)
{
  if (ctx->outbound)
    return count_other(ctx, -EINVAL);
  if (!rtcp_plausible(buf, *len) || *len > G_MAXINT ||
      *len < 8 + ctx->rtcp_trailer)
    return count_other(ctx, -EINVAL);
  int n = (int)*len;
  int rc = account(ctx, srtp_unprotect_rtcp(ctx->session, buf, &n));
  if (rc == 0)
    *len = (gsize)n;
  return rc;
}

void
media_srtp_get_stats(const media_srtp *ctx, media_srtp_stats *out)
{
  *out = ctx->stats;
}

const char *
media_srtp_strerror(int rc)
{
  switch (rc) {
  case 0: return "ok";
  case -EBADMSG: return "SRTP authentication failed";
  case -EALREADY: return "SRTP replay";
  case -EINVAL: return "malformed RTP/RTCP packet";
  case -ENOBUFS: return "no room for the SRTP trailer";
  default: return "SRTP error";
  }
}
