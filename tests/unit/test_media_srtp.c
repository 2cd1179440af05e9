/* SRTP contexts: known-answer vectors, round trips for every suite, tamper,
 * replay, RTCP. */
#include <errno.h>
#include <string.h>

#include "gateway/media/media_srtp.h"

/* RFC 3711 B.3 master key and salt; libsrtp's srtp_validate() vectors
 * (test/srtp_driver.c) for AES_CM_128_HMAC_SHA1_80, SSRC 0xcafebabe. */
static const guint8 key_128[30] = {
  0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
  0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};
static const guint8 rtp_plain[28] = {
  0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xab, 0xab, 0xab, 0xab,
  0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
};
static const guint8 srtp_128_80[38] = {
  0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0x4e, 0x55, 0xdc, 0x4c,
  0xe7, 0x99, 0x78, 0xd8, 0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d, 0x24, 0x02, 0xb7, 0x8d, 0x6a, 0xcc,
  0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb,
};
static const guint8 rtcp_plain[24] = {
  0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
  0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
};
static const guint8 srtcp_128_80[38] = {
  0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0x71, 0x28, 0x03, 0x5b, 0xe4, 0x87, 0xb9, 0xbd,
  0xbe, 0xf8, 0x90, 0x41, 0xf9, 0x77, 0xa5, 0xa8, 0x80, 0x00, 0x00, 0x01, 0x99, 0x3e, 0x08, 0xcd,
  0x54, 0xd6, 0xc1, 0x23, 0x07, 0x98,
};
/* libsrtp's srtp_validate_aes_256() (AES_256_CM_HMAC_SHA1_80). */
static const guint8 key_256[46] = {
  0xf0, 0xf0, 0x49, 0x14, 0xb5, 0x13, 0xf2, 0x76, 0x3a, 0x1b, 0x1f, 0xa1, 0x30, 0xf1, 0x0e, 0x29,
  0x98, 0xf6, 0xf6, 0xe4, 0x3e, 0x43, 0x09, 0xd1, 0xe6, 0x22, 0xa0, 0xe3, 0x32, 0xb9, 0xf1, 0xb6,
  0x3b, 0x04, 0x80, 0x3d, 0xe5, 0x1e, 0xe7, 0xc9, 0x64, 0x23, 0xab, 0x5b, 0x78, 0xd2,
};
static const guint8 srtp_256_80[38] = {
  0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xf1, 0xd9, 0xde, 0x17,
  0xff, 0x25, 0x1f, 0xf1, 0xaa, 0x00, 0x77, 0x74, 0xb0, 0xb4, 0xb4, 0x0d, 0xa0, 0x8d, 0x9d, 0x9a,
  0x5b, 0x3a, 0x55, 0xd8, 0x87, 0x3b,
};
/* libsrtp's srtp_validate_gcm() (AEAD_AES_128_GCM, 16-byte tag). */
static const guint8 key_gcm[28] = {
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
  0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
};
static const guint8 srtp_gcm[44] = {
  0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xc5, 0x00, 0x2e, 0xde,
  0x04, 0xcf, 0xdd, 0x2e, 0xb9, 0x11, 0x59, 0xe0, 0x88, 0x0a, 0xa0, 0x6e, 0xd2, 0x97, 0x68, 0x26,
  0xf7, 0x96, 0xb2, 0x01, 0xdf, 0x31, 0x31, 0xa1, 0x27, 0xe8, 0xa3, 0x92,
};
static const guint8 srtcp_gcm[44] = {
  0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xc9, 0x8b, 0x8b, 0x5d, 0xf0, 0x39, 0x2a, 0x55,
  0x85, 0x2b, 0x6c, 0x21, 0xac, 0x8e, 0x70, 0x25, 0xc5, 0x2c, 0x6f, 0xbe, 0xa2, 0xb3, 0xb4, 0x46,
  0xea, 0x31, 0x12, 0x3b, 0xa8, 0x8c, 0xe6, 0x1e, 0x80, 0x00, 0x00, 0x01,
};

static media_srtp *
make(media_srtp_suite suite, const guint8 *key, gboolean outbound)
{
  g_autoptr(GError) error = NULL;
  media_srtp *ctx = media_srtp_new(suite, key, media_srtp_suite_key_length(suite), outbound, &error);
  g_assert_no_error(error);
  g_assert_nonnull(ctx);
  return ctx;
}

/* Protects PLAIN and expects CIPHER, then unprotects CIPHER back. */
static void
check_vector(media_srtp_suite suite, const guint8 *key, const guint8 *plain, gsize plain_len,
             const guint8 *cipher, gsize cipher_len, gboolean rtcp)
{
  g_autoptr(media_srtp) tx = make(suite, key, TRUE);
  g_autoptr(media_srtp) rx = make(suite, key, FALSE);
  guint8 buf[128];
  gsize len = plain_len;
  memcpy(buf, plain, plain_len);
  int rc = rtcp ? media_srtp_protect_rtcp(tx, buf, &len, sizeof buf)
                : media_srtp_protect(tx, buf, &len, sizeof buf);
  g_assert_cmpint(rc, ==, 0);
  g_assert_cmpmem(buf, len, cipher, cipher_len);

  memcpy(buf, cipher, cipher_len);
  len = cipher_len;
  rc = rtcp ? media_srtp_unprotect_rtcp(rx, buf, &len) : media_srtp_unprotect(rx, buf, &len);
  g_assert_cmpint(rc, ==, 0);
  g_assert_cmpmem(buf, len, plain, plain_len);
}

static void
test_kat_aes_cm_128_80(void)
{
  check_vector(MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, key_128, rtp_plain, sizeof rtp_plain,
               srtp_128_80, sizeof srtp_128_80, FALSE);
  check_vector(MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, key_128, rtcp_plain, sizeof rtcp_plain,
               srtcp_128_80, sizeof srtcp_128_80, TRUE);
  /* _32 differs only in the RTP tag length: the first 32 bytes agree. */
  check_vector(MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32, key_128, rtp_plain, sizeof rtp_plain,
               srtp_128_80, 32, FALSE);
}

static void
test_kat_aes_256_80(void)
{
  check_vector(MEDIA_SRTP_AES_256_CM_HMAC_SHA1_80, key_256, rtp_plain, sizeof rtp_plain,
               srtp_256_80, sizeof srtp_256_80, FALSE);
}

static void
test_kat_gcm_128(void)
{
  check_vector(MEDIA_SRTP_AEAD_AES_128_GCM, key_gcm, rtp_plain, sizeof rtp_plain, srtp_gcm,
               sizeof srtp_gcm, FALSE);
  check_vector(MEDIA_SRTP_AEAD_AES_128_GCM, key_gcm, rtcp_plain, sizeof rtcp_plain, srtcp_gcm,
               sizeof srtcp_gcm, TRUE);
}

static gsize
make_rtp(guint8 *buf, guint32 ssrc, guint16 seq, guint8 fill)
{
  buf[0] = 0x80;
  buf[1] = 0x6f;
  buf[2] = seq >> 8;
  buf[3] = seq & 0xff;
  memset(buf + 4, 0, 4);
  buf[8] = ssrc >> 24;
  buf[9] = ssrc >> 16;
  buf[10] = ssrc >> 8;
  buf[11] = ssrc;
  memset(buf + 12, fill, 160);
  return 172;
}

static void
test_round_trip(gconstpointer data)
{
  media_srtp_suite suite = GPOINTER_TO_INT(data);
  guint8 key[MEDIA_SRTP_MAX_KEY_LEN];
  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8)(i * 7 + suite);
  g_autoptr(media_srtp) tx = make(suite, key, TRUE);
  g_autoptr(media_srtp) rx = make(suite, key, FALSE);
  g_assert_cmpint(media_srtp_get_suite(tx), ==, suite);
  guint8 buf[256], plain[256];
  media_srtp_stats st;

  /* RTP, a few packets of two SSRCs, with a sequence jump. */
  const guint16 seqs[] = { 1, 2, 3, 5, 4, 3000, 3001, 40000 };
  for (guint i = 0; i < G_N_ELEMENTS(seqs); i++) {
    for (guint32 ssrc = 0x1000; ssrc <= 0x1001; ssrc++) {
      gsize len = make_rtp(buf, ssrc, seqs[i], (guint8)i);
      memcpy(plain, buf, len);
      gsize plain_len = len;
      g_assert_cmpint(media_srtp_protect(tx, buf, &len, sizeof buf), ==, 0);
      g_assert_cmpuint(len, ==, plain_len + media_srtp_suite_tag_length(suite));
      g_assert_cmpint(memcmp(buf + 12, plain + 12, 160), !=, 0);
      g_assert_cmpint(media_srtp_unprotect(rx, buf, &len), ==, 0);
      g_assert_cmpmem(buf, len, plain, plain_len);
    }
  }
  media_srtp_get_stats(rx, &st);
  g_assert_cmpuint(st.packets, ==, 2 * G_N_ELEMENTS(seqs));
  g_assert_cmpuint(st.replay_drops + st.auth_failures + st.other_errors, ==, 0);

  /* Tamper: one flipped bit anywhere is an authentication failure. */
  gsize len = make_rtp(buf, 0x1000, 40001, 0x55);
  g_assert_cmpint(media_srtp_protect(tx, buf, &len, sizeof buf), ==, 0);
  guint8 saved[256];
  memcpy(saved, buf, len);
  gsize saved_len = len;
  buf[20] ^= 0x01;
  g_assert_cmpint(media_srtp_unprotect(rx, buf, &len), ==, -EBADMSG);
  media_srtp_get_stats(rx, &st);
  g_assert_cmpuint(st.auth_failures, ==, 1);

  /* The genuine packet then passes, and its replay is dropped. */
  memcpy(buf, saved, saved_len);
  len = saved_len;
  g_assert_cmpint(media_srtp_unprotect(rx, buf, &len), ==, 0);
  memcpy(buf, saved, saved_len);
  len = saved_len;
  g_assert_cmpint(media_srtp_unprotect(rx, buf, &len), ==, -EALREADY);
  media_srtp_get_stats(rx, &st);
  g_assert_cmpuint(st.replay_drops, ==, 1);

  /* RTCP round trip, replay, tamper. */
  guint8 rtcp[64];
  memcpy(rtcp, rtcp_plain, sizeof rtcp_plain);
  len = sizeof rtcp_plain;
  g_assert_cmpint(media_srtp_protect_rtcp(tx, rtcp, &len, sizeof rtcp), ==, 0);
  memcpy(saved, rtcp, len);
  saved_len = len;
  g_assert_cmpint(media_srtp_unprotect_rtcp(rx, rtcp, &len), ==, 0);
  g_assert_cmpmem(rtcp, len, rtcp_plain, sizeof rtcp_plain);
  memcpy(rtcp, saved, saved_len);
  len = saved_len;
  g_assert_cmpint(media_srtp_unprotect_rtcp(rx, rtcp, &len), ==, -EALREADY);
  memcpy(rtcp, rtcp_plain, sizeof rtcp_plain); /* a fresh index, then tampered */
  len = sizeof rtcp_plain;
  g_assert_cmpint(media_srtp_protect_rtcp(tx, rtcp, &len, sizeof rtcp), ==, 0);
  rtcp[10] ^= 0x80;
  g_assert_cmpint(media_srtp_unprotect_rtcp(rx, rtcp, &len), ==, -EBADMSG);
  media_srtp_get_stats(rx, &st);
  g_assert_cmpuint(st.replay_drops, ==, 2);
  g_assert_cmpuint(st.auth_failures, ==, 2);
}

static void
test_errors(void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null(media_srtp_new(MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, key_128, 29, TRUE, &error));
  g_assert_nonnull(error);
  g_clear_error(&error);
  g_assert_null(media_srtp_new(MEDIA_SRTP_SUITE_COUNT, key_128, 30, TRUE, &error));
  g_assert_nonnull(error);

  g_autoptr(media_srtp) tx = make(MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, key_128, TRUE);
  g_autoptr(media_srtp) rx = make(MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, key_128, FALSE);
  guint8 buf[64];
  memcpy(buf, rtp_plain, sizeof rtp_plain);
  gsize len = sizeof rtp_plain;
  g_assert_cmpint(media_srtp_protect(tx, buf, &len, 30), ==, -ENOBUFS);
  g_assert_cmpint(media_srtp_unprotect(tx, buf, &len), ==, -EINVAL); /* wrong direction */
  /* Every truncation of an SRTP packet is refused without overreading. */
  for (gsize n = 0; n < sizeof srtp_128_80; n++) {
    guint8 *copy = g_memdup2(srtp_128_80, n ? n : 1);
    gsize l = n;
    g_assert_cmpint(media_srtp_unprotect(rx, copy, &l), <, 0);
    l = n;
    g_assert_cmpint(media_srtp_unprotect_rtcp(rx, copy, &l), <, 0);
    g_free(copy);
  }
  media_srtp_stats st;
  media_srtp_get_stats(rx, &st);
  g_assert_cmpuint(st.packets, ==, 0);
  g_assert_cmpuint(st.other_errors + st.auth_failures, ==, 2 * sizeof srtp_128_80);
}

static void
test_names(void)
{
  media_srtp_suite s;
  for (guint i = 0; i < MEDIA_SRTP_SUITE_COUNT; i++) {
    const char *name = media_srtp_suite_name(i);
    g_assert_cmpint(media_srtp_suite_from_name(name, strlen(name), &s), ==, 0);
    g_assert_cmpint(s, ==, i);
  }
  g_assert_cmpint(media_srtp_suite_from_name("F8_128_HMAC_SHA1_80", 19, &s), ==, -ENOENT);
  g_assert_cmpint(media_srtp_suite_from_profile(SRTP_PROFILE_AES128_CM_SHA1_80, &s), ==, 0);
  g_assert_cmpint(s, ==, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80);
  g_assert_cmpint(media_srtp_suite_from_profile(SRTP_PROFILE_NONE, &s), ==, -EINVAL);
  g_assert_cmpuint(media_srtp_suite_key_length(MEDIA_SRTP_AES_192_CM_HMAC_SHA1_32), ==, 38);
  g_assert_cmpuint(media_srtp_suite_key_length(MEDIA_SRTP_AEAD_AES_256_GCM), ==, 44);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/srtp/kat/aes-cm-128-hmac-sha1-80", test_kat_aes_cm_128_80);
  g_test_add_func("/media/srtp/kat/aes-256-cm-hmac-sha1-80", test_kat_aes_256_80);
  g_test_add_func("/media/srtp/kat/aead-aes-128-gcm", test_kat_gcm_128);
  for (guint i = 0; i < MEDIA_SRTP_SUITE_COUNT; i++) {
    g_autofree char *path = g_strdup_printf("/media/srtp/round-trip/%s", media_srtp_suite_name(i));
    g_test_add_data_func(path, GINT_TO_POINTER(i), test_round_trip);
  }
  g_test_add_func("/media/srtp/errors", test_errors);
  g_test_add_func("/media/srtp/names", test_names);
  return g_test_run();
}
