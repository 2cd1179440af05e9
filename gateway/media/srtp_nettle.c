/* nettle inside libsrtp2 (see srtp_nettle.h). */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/srtp_nettle.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <nettle/aes.h>
#include <nettle/ctr.h>
#include <nettle/gcm.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/memxor.h>
#include <nettle/sha1.h>
#include <string.h>

#define ICM_SALT_LEN 14
#define ICM_BLOCK 16
/* The low 16 bits of the counter block count blocks within one packet
 * (RFC 3711 §4.1.1): one IV covers at most 2^16 blocks of keystream. */
#define ICM_MAX_BYTES_PER_IV (65536u * ICM_BLOCK)

/* ---- AES-ICM (RFC 3711 §4.1.1, RFC 6188 §3) ---- */

typedef struct {
  union {
    struct aes128_ctx a128;
    struct aes192_ctx a192;
    struct aes256_ctx a256;
  } aes;
  nettle_cipher_func *encrypt_block;
  gsize key_size;               /* AES key bytes: 16, 24 or 32 */
  guint8 offset[ICM_BLOCK];     /* master salt || 0x0000 */
  guint8 ctr[ICM_BLOCK];        /* next counter block */
  guint8 ks[ICM_BLOCK];         /* keystream of a partly used block */
  gsize ks_left;                /* unused bytes at the end of ks */
  gsize used;                   /* keystream bytes since set_iv */
} icm_state;

typedef struct {
  srtp_cipher_t cipher; /* first: libsrtp frees through this pointer */
  icm_state state;
} icm_block;

static srtp_err_status_t
ctr_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
  (void)tag_len;
  const srtp_cipher_type_t *type;
  int algorithm;
  switch (key_len) {
  case SRTP_AES_ICM_128_KEY_LEN_WSALT:
    type = &srtp_nettle_aes_icm_128;
    algorithm = SRTP_AES_ICM_128;
    break;
  case SRTP_AES_ICM_192_KEY_LEN_WSALT:
    type = &srtp_nettle_aes_icm_192;
    algorithm = SRTP_AES_ICM_192;
    break;
  case SRTP_AES_ICM_256_KEY_LEN_WSALT:
    type = &srtp_nettle_aes_icm_256;
    algorithm = SRTP_AES_ICM_256;
    break;
  default:
    return srtp_err_status_bad_param;
  }
  icm_block *b = g_try_new0(icm_block, 1);
  if (!b)
    return srtp_err_status_alloc_fail;
  b->cipher.type = type;
  b->cipher.state = &b->state;
  b->cipher.key_len = key_len;
  b->cipher.algorithm = algorithm;
  b->state.key_size = (gsize)key_len - ICM_SALT_LEN;
  *cp = &b->cipher;
  return srtp_err_status_ok;
}

static srtp_err_status_t
ctr_dealloc(srtp_cipher_pointer_t c)
{
  icm_block *b = (icm_block *)c;
  gnutls_memset(b, 0, sizeof *b);
  g_free(b);
  return srtp_err_status_ok;
}

/* KEY is the AES key followed by the 14-byte master salt. */
static srtp_err_status_t
ctr_init(void *sv, const uint8_t *key)
{
  icm_state *s = sv;
  switch (s->key_size) {
  case AES128_KEY_SIZE:
    aes128_set_encrypt_key(&s->aes.a128, key);
    s->encrypt_block = (nettle_cipher_func *)aes128_encrypt;
    break;
  case AES192_KEY_SIZE:
    aes192_set_encrypt_key(&s->aes.a192, key);
    s->encrypt_block = (nettle_cipher_func *)aes192_encrypt;
    break;
  case AES256_KEY_SIZE:
    aes256_set_encrypt_key(&s->aes.a256, key);
    s->encrypt_block = (nettle_cipher_func *)aes256_encrypt;
    break;
  default:
    return srtp_err_status_bad_param;
  }
  memset(s->offset, 0, sizeof s->offset);
  memcpy(s->offset, key + s->key_size, ICM_SALT_LEN);
  memcpy(s->ctr, s->offset, sizeof s->ctr);
  s->ks_left = 0;
  s->used = 0;
  return srtp_err_status_ok;
}

/* IV is the 16-byte block libsrtp computed (SSRC, packet index or KDF
 * label, low 16 bits zero); the counter starts at IV XOR (salt || 0). */
static srtp_err_status_t
ctr_set_iv(void *sv, uint8_t *iv, srtp_cipher_direction_t direction)
{
  (void)direction;
  icm_state *s = sv;
  for (guint i = 0; i < ICM_BLOCK; i++)
    s->ctr[i] = s->offset[i] ^ iv[i];
  s->ks_left = 0;
  s->used = 0;
  return srtp_err_status_ok;
}

/* XORs the keystream into BUF; successive calls continue the stream. */
static srtp_err_status_t
ctr_encrypt(void *sv, uint8_t *buf, unsigned int *octets)
{
  icm_state *s = sv;
  gsize n = *octets;
  if (s->encrypt_block == NULL)
    return srtp_err_status_bad_param;
  if (n > ICM_MAX_BYTES_PER_IV - s->used)
    return srtp_err_status_terminus;
  s->used += n;

  gsize take = MIN(n, s->ks_left);
  if (take > 0) {
    memxor(buf, s->ks + ICM_BLOCK - s->ks_left, take);
    s->ks_left -= take;
    buf += take;
    n -= take;
  }
  gsize whole = n & ~(gsize)(ICM_BLOCK - 1);
  if (whole > 0) {
    ctr_crypt(&s->aes, s->encrypt_block, ICM_BLOCK, s->ctr, whole, buf, buf);
    buf += whole;
    n -= whole;
  }
  if (n > 0) {
    memset(s->ks, 0, sizeof s->ks);
    ctr_crypt(&s->aes, s->encrypt_block, ICM_BLOCK, s->ctr, ICM_BLOCK, s->ks, s->ks);
    memxor(buf, s->ks, n);
    s->ks_left = ICM_BLOCK - n;
  }
  return srtp_err_status_ok;
}

/* Self-test data libsrtp runs when the type is installed: the first three
 * keystream blocks of RFC 3711 B.2 and RFC 6188 §7 (zero IV, zero
 * plaintext). The unit test checks the full vectors. */
static const uint8_t kat_zero48[48];
static uint8_t kat_zero_iv[16];

static const uint8_t kat_key_128[30] = {
  0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
  0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t kat_ks_128[48] = {
  0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4,
  0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
  0x41, 0xe9, 0x5b, 0x3b, 0xb0, 0xa2, 0xe8, 0xdd, 0x47, 0x79, 0x01, 0xe4, 0xfc, 0xa8, 0x94, 0xc0,
};
static const uint8_t kat_key_192[38] = {
  0xea, 0xb2, 0x34, 0x76, 0x4e, 0x51, 0x7b, 0x2d, 0x3d, 0x16, 0x0d, 0x58, 0x7d, 0x8c, 0x86, 0x21,
  0x97, 0x40, 0xf6, 0x5f, 0x99, 0xb6, 0xbc, 0xf7,
  0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t kat_ks_192[48] = {
  0x35, 0x09, 0x6c, 0xba, 0x46, 0x10, 0x02, 0x8d, 0xc1, 0xb5, 0x75, 0x03, 0x80, 0x4c, 0xe3, 0x7c,
  0x5d, 0xe9, 0x86, 0x29, 0x1d, 0xcc, 0xe1, 0x61, 0xd5, 0x16, 0x5e, 0xc4, 0x56, 0x8f, 0x5c, 0x9a,
  0x47, 0x4a, 0x40, 0xc7, 0x78, 0x94, 0xbc, 0x17, 0x18, 0x02, 0x02, 0x27, 0x2a, 0x4c, 0x26, 0x4d,
};
static const uint8_t kat_key_256[46] = {
  0x57, 0xf8, 0x2f, 0xe3, 0x61, 0x3f, 0xd1, 0x70, 0xa8, 0x5e, 0xc9, 0x3c, 0x40, 0xb1, 0xf0, 0x92,
  0x2e, 0xc4, 0xcb, 0x0d, 0xc0, 0x25, 0xb5, 0x82, 0x72, 0x14, 0x7c, 0xc4, 0x38, 0x94, 0x4a, 0x98,
  0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static const uint8_t kat_ks_256[48] = {
  0x92, 0xbd, 0xd2, 0x8a, 0x93, 0xc3, 0xf5, 0x25, 0x11, 0xc6, 0x77, 0xd0, 0x8b, 0x55, 0x15, 0xa4,
  0x9d, 0xa7, 0x1b, 0x23, 0x78, 0xa8, 0x54, 0xf6, 0x70, 0x50, 0x75, 0x6d, 0xed, 0x16, 0x5b, 0xac,
  0x63, 0xc4, 0x86, 0x8b, 0x70, 0x96, 0xd8, 0x84, 0x21, 0xb5, 0x63, 0xb8, 0xc9, 0x4c, 0x9a, 0x31,
};

#define ICM_KAT(key, ks) \
  { sizeof key, key, kat_zero_iv, 48, kat_zero48, 48, ks, 0, NULL, 0, NULL }
static const srtp_cipher_test_case_t kat_icm_128 = ICM_KAT(kat_key_128, kat_ks_128);
static const srtp_cipher_test_case_t kat_icm_192 = ICM_KAT(kat_key_192, kat_ks_192);
static const srtp_cipher_test_case_t kat_icm_256 = ICM_KAT(kat_key_256, kat_ks_256);

#define ICM_TYPE(bits, id_) \
  { ctr_alloc, ctr_dealloc, ctr_init, NULL, ctr_encrypt, ctr_encrypt, ctr_set_iv, NULL, \
    "AES-" #bits " counter mode using nettle", &kat_icm_##bits, id_ }
const srtp_cipher_type_t srtp_nettle_aes_icm_128 = ICM_TYPE(128, SRTP_AES_ICM_128);
const srtp_cipher_type_t srtp_nettle_aes_icm_192 = ICM_TYPE(192, SRTP_AES_ICM_192);
const srtp_cipher_type_t srtp_nettle_aes_icm_256 = ICM_TYPE(256, SRTP_AES_ICM_256);

/* ---- AES-GCM (RFC 7714) through libsrtp's AEAD calls ----
 * libsrtp computes the 12-byte IV (salt XOR SSRC/index) itself; per packet
 * it calls set_iv, set_aad once (RTP) or twice (RTCP: header, then the
 * E+index word), then encrypt + get_tag, or decrypt over ciphertext || tag. */

#define GCM_IV_LEN 12
#define GCM_TAG_MAX 16

typedef struct {
  union {
    struct gcm_aes128_ctx g128;
    struct gcm_aes256_ctx g256;
  } gcm;
  gsize key_size;              /* 16 or 32 */
  gsize tag_size;              /* 16 or 8 */
  guint8 aad[GCM_BLOCK_SIZE];  /* AAD bytes not yet hashed (< one block) */
  gsize aad_len;
  guint8 tag[GCM_TAG_MAX];     /* tag of the last encrypt, for get_tag */
  gboolean iv_set;
} gcm_state;

typedef struct {
  srtp_cipher_t cipher; /* first: libsrtp frees through this pointer */
  gcm_state state;
} gcm_block;

static srtp_err_status_t
aead_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
  gcm_block *b;
  if (tag_len != 16 && tag_len != 8)
    return srtp_err_status_bad_param;
  if (key_len != SRTP_AES_GCM_128_KEY_LEN_WSALT && key_len != SRTP_AES_GCM_256_KEY_LEN_WSALT)
    return srtp_err_status_bad_param;
  b = g_try_new0(gcm_block, 1);
  if (!b)
    return srtp_err_status_alloc_fail;
  gboolean is128 = key_len == SRTP_AES_GCM_128_KEY_LEN_WSALT;
  b->cipher.type = is128 ? &srtp_nettle_aes_gcm_128 : &srtp_nettle_aes_gcm_256;
  b->cipher.algorithm = is128 ? SRTP_AES_GCM_128 : SRTP_AES_GCM_256;
  b->cipher.state = &b->state;
  b->cipher.key_len = key_len;
  b->state.key_size = is128 ? AES128_KEY_SIZE : AES256_KEY_SIZE;
  b->state.tag_size = (gsize)tag_len;
  *cp = &b->cipher;
  return srtp_err_status_ok;
}

static srtp_err_status_t
aead_dealloc(srtp_cipher_pointer_t c)
{
  gcm_block *b = (gcm_block *)c;
  gnutls_memset(b, 0, sizeof *b);
  g_free(b);
  return srtp_err_status_ok;
}

/* KEY is the AES key (the salt that follows it is libsrtp's business). */
static srtp_err_status_t
aead_init(void *sv, const uint8_t *key)
{
  gcm_state *s = sv;
  if (s->key_size == AES128_KEY_SIZE)
    gcm_aes128_set_key(&s->gcm.g128, key);
  else
    gcm_aes256_set_key(&s->gcm.g256, key);
  s->iv_set = FALSE;
  s->aad_len = 0;
  return srtp_err_status_ok;
}

static srtp_err_status_t
aead_set_iv(void *sv, uint8_t *iv, srtp_cipher_direction_t direction)
{
  gcm_state *s = sv;
  if (direction != srtp_direction_encrypt && direction != srtp_direction_decrypt)
    return srtp_err_status_bad_param;
  if (s->key_size == AES128_KEY_SIZE)
    gcm_aes128_set_iv(&s->gcm.g128, GCM_IV_LEN, iv);
  else
    gcm_aes256_set_iv(&s->gcm.g256, GCM_IV_LEN, iv);
  s->aad_len = 0;
  s->iv_set = TRUE;
  return srtp_err_status_ok;
}

static void
aead_hash_aad(gcm_state *s, gsize len, const uint8_t *data)
{
  if (s->key_size == AES128_KEY_SIZE)
    gcm_aes128_update(&s->gcm.g128, len, data);
  else
    gcm_aes256_update(&s->gcm.g256, len, data);
}

/* nettle wants every AAD piece but the last to be whole blocks, and libsrtp
 * hands RTCP's AAD over in two odd-sized pieces: hold back the tail. */
static srtp_err_status_t
aead_set_aad(void *sv, const uint8_t *aad, uint32_t len)
{
  gcm_state *s = sv;
  if (!s->iv_set)
    return srtp_err_status_bad_param;
  if (len == 0)
    return srtp_err_status_ok;
  if (s->aad_len > 0) {
    gsize take = MIN(len, GCM_BLOCK_SIZE - s->aad_len);
    memcpy(s->aad + s->aad_len, aad, take);
    s->aad_len += take;
    aad += take;
    len -= (uint32_t)take;
    if (s->aad_len < GCM_BLOCK_SIZE)
      return srtp_err_status_ok;
    aead_hash_aad(s, GCM_BLOCK_SIZE, s->aad);
    s->aad_len = 0;
  }
  gsize whole = len & ~(uint32_t)(GCM_BLOCK_SIZE - 1);
  if (whole > 0)
    aead_hash_aad(s, whole, aad);
  memcpy(s->aad, aad + whole, len - whole);
  s->aad_len = len - whole;
  return srtp_err_status_ok;
}

static void
aead_flush_aad(gcm_state *s)
{
  if (s->aad_len > 0)
    aead_hash_aad(s, s->aad_len, s->aad);
  s->aad_len = 0;
  s->iv_set = FALSE; /* one message per IV */
}

/* Encrypts *OCTETS bytes in place (BUF may be NULL when there are none);
 * the tag waits for get_tag. */
static srtp_err_status_t
aead_encrypt(void *sv, uint8_t *buf, unsigned int *octets)
{
  gcm_state *s = sv;
  if (!s->iv_set || (!buf && *octets > 0))
    return srtp_err_status_bad_param;
  aead_flush_aad(s);
  if (s->key_size == AES128_KEY_SIZE) {
    if (*octets > 0)
      gcm_aes128_encrypt(&s->gcm.g128, *octets, buf, buf);
    gcm_aes128_digest(&s->gcm.g128, s->tag_size, s->tag);
  } else {
    if (*octets > 0)
      gcm_aes256_encrypt(&s->gcm.g256, *octets, buf, buf);
    gcm_aes256_digest(&s->gcm.g256, s->tag_size, s->tag);
  }
  return srtp_err_status_ok;
}

static srtp_err_status_t
aead_get_tag(void *sv, uint8_t *tag, uint32_t *len)
{
  gcm_state *s = sv;
  memcpy(tag, s->tag, s->tag_size);
  *len = (uint32_t)s->tag_size;
  return srtp_err_status_ok;
}

/* BUF holds ciphertext || tag; on success *OCTETS drops the tag. */
static srtp_err_status_t
aead_decrypt(void *sv, uint8_t *buf, unsigned int *octets)
{
  gcm_state *s = sv;
  if (!s->iv_set || !buf || *octets < s->tag_size)
    return srtp_err_status_bad_param;
  gsize n = *octets - s->tag_size;
  guint8 tag[GCM_TAG_MAX];
  aead_flush_aad(s);
  if (s->key_size == AES128_KEY_SIZE) {
    if (n > 0)
      gcm_aes128_decrypt(&s->gcm.g128, n, buf, buf);
    gcm_aes128_digest(&s->gcm.g128, s->tag_size, tag);
  } else {
    if (n > 0)
      gcm_aes256_decrypt(&s->gcm.g256, n, buf, buf);
    gcm_aes256_digest(&s->gcm.g256, s->tag_size, tag);
  }
  if (!memeql_sec(tag, buf + n, s->tag_size))
    return srtp_err_status_auth_fail;
  *octets = (unsigned int)n;
  return srtp_err_status_ok;
}

/* Self-test data: test cases 4 and 16 of the GCM specification (McGrew and
 * Viega), the vectors libsrtp's own GCM types carry; 12 bytes of salt pad
 * the key to libsrtp's length. */
static const uint8_t kat_gcm_key_128[28] = {
  0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
};
static const uint8_t kat_gcm_key_256[44] = {
  0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
  0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
};
static uint8_t kat_gcm_iv[12] = {
  0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
};
static const uint8_t kat_gcm_aad[20] = {
  0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef,
  0xab, 0xad, 0xda, 0xd2,
};
static const uint8_t kat_gcm_plain[60] = {
  0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26, 0x9a,
  0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31, 0x8a, 0x72,
  0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49, 0xa6, 0xb5, 0x25,
  0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39,
};
static const uint8_t kat_gcm_out_128[76] = {
  0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24, 0x4b, 0x72, 0x21, 0xb7, 0x84, 0xd0, 0xd4, 0x9c,
  0xe3, 0xaa, 0x21, 0x2f, 0x2c, 0x02, 0xa4, 0xe0, 0x35, 0xc1, 0x7e, 0x23, 0x29, 0xac, 0xa1, 0x2e,
  0x21, 0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c, 0x7d, 0x8f, 0x6a, 0x5a, 0xac, 0x84, 0xaa, 0x05,
  0x1b, 0xa3, 0x0b, 0x39, 0x6a, 0x0a, 0xac, 0x97, 0x3d, 0x58, 0xe0, 0x91,
  0x5b, 0xc9, 0x4f, 0xbc, 0x32, 0x21, 0xa5, 0xdb, 0x94, 0xfa, 0xe9, 0x5a, 0xe7, 0x12, 0x1a, 0x47,
};
static const uint8_t kat_gcm_out_256[76] = {
  0x52, 0x2d, 0xc1, 0xf0, 0x99, 0x56, 0x7d, 0x07, 0xf4, 0x7f, 0x37, 0xa3, 0x2a, 0x84, 0x42, 0x7d,
  0x64, 0x3a, 0x8c, 0xdc, 0xbf, 0xe5, 0xc0, 0xc9, 0x75, 0x98, 0xa2, 0xbd, 0x25, 0x55, 0xd1, 0xaa,
  0x8c, 0xb0, 0x8e, 0x48, 0x59, 0x0d, 0xbb, 0x3d, 0xa7, 0xb0, 0x8b, 0x10, 0x56, 0x82, 0x88, 0x38,
  0xc5, 0xf6, 0x1e, 0x63, 0x93, 0xba, 0x7a, 0x0a, 0xbc, 0xc9, 0xf6, 0x62,
  0x76, 0xfc, 0x6e, 0xce, 0x0f, 0x4e, 0x17, 0x68, 0xcd, 0xdf, 0x88, 0x53, 0xbb, 0x2d, 0x55, 0x1b,
};
#define GCM_KAT(key, out) \
  { sizeof key, key, kat_gcm_iv, sizeof kat_gcm_plain, kat_gcm_plain, sizeof out, out, \
    sizeof kat_gcm_aad, kat_gcm_aad, 16, NULL }
static const srtp_cipher_test_case_t kat_gcm_128 = GCM_KAT(kat_gcm_key_128, kat_gcm_out_128);
static const srtp_cipher_test_case_t kat_gcm_256 = GCM_KAT(kat_gcm_key_256, kat_gcm_out_256);

#define GCM_TYPE(bits, id_) \
  { aead_alloc, aead_dealloc, aead_init, aead_set_aad, aead_encrypt, aead_decrypt, aead_set_iv, \
    aead_get_tag, "AES-" #bits " GCM using nettle", &kat_gcm_##bits, id_ }
const srtp_cipher_type_t srtp_nettle_aes_gcm_128 = GCM_TYPE(128, SRTP_AES_GCM_128);
const srtp_cipher_type_t srtp_nettle_aes_gcm_256 = GCM_TYPE(256, SRTP_AES_GCM_256);

/* ---- HMAC-SHA1 (RFC 2104, RFC 3711 §4.2.1) ---- */

/* libsrtp only ever keys it with 20 bytes; longer keys (RFC 2202 cases 6
 * and 7 use 80) are hashed by HMAC as usual. */
#define HMAC_MAX_KEY_LEN 128

/* HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)). The two keyed hash
 * states are all a key needs; nettle's hmac_sha1_ctx carries a third, working
 * one, so two of those (keyed and working) were 624 bytes per auth object, 8
 * objects per call. This is 312. */
typedef struct {
  struct sha1_ctx outer; /* after K ^ opad */
  struct sha1_ctx inner; /* after K ^ ipad: start copies it */
  struct sha1_ctx work;  /* inner plus the message so far */
} hmac_state;

typedef struct {
  srtp_auth_t auth; /* first: libsrtp frees through this pointer */
  hmac_state state;
} hmac_block;

static srtp_err_status_t
auth_alloc(srtp_auth_pointer_t *ap, int key_len, int out_len)
{
  if (key_len < 0 || key_len > HMAC_MAX_KEY_LEN || out_len < 0 || out_len > SHA1_DIGEST_SIZE)
    return srtp_err_status_bad_param;
  hmac_block *b = g_try_new0(hmac_block, 1);
  if (!b)
    return srtp_err_status_alloc_fail;
  b->auth.type = &srtp_nettle_hmac_sha1;
  b->auth.state = &b->state;
  b->auth.out_len = out_len;
  b->auth.key_len = key_len;
  b->auth.prefix_len = 0;
  *ap = &b->auth;
  return srtp_err_status_ok;
}

static srtp_err_status_t
auth_dealloc(srtp_auth_pointer_t a)
{
  hmac_block *b = (hmac_block *)a;
  gnutls_memset(b, 0, sizeof *b);
  g_free(b);
  return srtp_err_status_ok;
}

static srtp_err_status_t
auth_init(void *sv, const uint8_t *key, int key_len)
{
  hmac_state *s = sv;
  if (key_len < 0 || key_len > HMAC_MAX_KEY_LEN)
    return srtp_err_status_bad_param;
  struct hmac_sha1_ctx keyed;
  hmac_sha1_set_key(&keyed, (size_t)key_len, key);
  s->outer = keyed.outer;
  s->inner = keyed.inner;
  s->work = keyed.inner;
  gnutls_memset(&keyed, 0, sizeof keyed);
  return srtp_err_status_ok;
}

static srtp_err_status_t
auth_start(void *sv)
{
  hmac_state *s = sv;
  s->work = s->inner;
  return srtp_err_status_ok;
}

static srtp_err_status_t
auth_update(void *sv, const uint8_t *buf, int octets)
{
  hmac_state *s = sv;
  if (octets < 0)
    return srtp_err_status_bad_param;
  sha1_update(&s->work, (size_t)octets, buf);
  return srtp_err_status_ok;
}

/* Hashes BUF as the last part of the message and writes the first TAG_LEN
 * bytes of the MAC; leaves WORK keyed again for the next packet. */
static srtp_err_status_t
auth_compute(void *sv, const uint8_t *buf, int octets, int tag_len, uint8_t *tag)
{
  hmac_state *s = sv;
  if (octets < 0 || tag_len < 0 || tag_len > SHA1_DIGEST_SIZE)
    return srtp_err_status_bad_param;
  uint8_t inner_digest[SHA1_DIGEST_SIZE];
  sha1_update(&s->work, (size_t)octets, buf);
  sha1_digest(&s->work, sizeof inner_digest, inner_digest);
  struct sha1_ctx outer = s->outer;
  sha1_update(&outer, sizeof inner_digest, inner_digest);
  sha1_digest(&outer, (size_t)tag_len, tag);
  s->work = s->inner;
  gnutls_memset(inner_digest, 0, sizeof inner_digest);
  gnutls_memset(&outer, 0, sizeof outer);
  return srtp_err_status_ok;
}

/* RFC 2202 test case 1. */
static const uint8_t kat_hmac_key[20] = {
  0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
  0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t kat_hmac_data[8] = { 'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e' };
static const uint8_t kat_hmac_tag[20] = {
  0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
  0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const srtp_auth_test_case_t kat_hmac = {
  sizeof kat_hmac_key, kat_hmac_key, sizeof kat_hmac_data, kat_hmac_data,
  sizeof kat_hmac_tag, kat_hmac_tag, NULL,
};

const srtp_auth_type_t srtp_nettle_hmac_sha1 = {
  auth_alloc, auth_dealloc, auth_init, auth_compute, auth_update, auth_start,
  "HMAC-SHA1 using nettle", &kat_hmac, SRTP_HMAC_SHA1,
};

/* ---- install ---- */

enum { INSTALL_DONE = 1, INSTALL_SKIPPED, INSTALL_FAILED };
static gsize install_outcome;

static gboolean
replace_all(void)
{
  static const srtp_cipher_type_t *const ciphers[] = {
    &srtp_nettle_aes_icm_128, &srtp_nettle_aes_icm_192, &srtp_nettle_aes_icm_256,
    &srtp_nettle_aes_gcm_128, &srtp_nettle_aes_gcm_256,
  };
  gboolean ok = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS(ciphers); i++) {
    srtp_err_status_t st = srtp_replace_cipher_type(ciphers[i], ciphers[i]->id);
    if (st != srtp_err_status_ok) {
      g_warning("libsrtp2 refused the nettle %s (status %d); keeping its own",
                ciphers[i]->description, (int)st);
      ok = FALSE;
    }
  }
  srtp_err_status_t st = srtp_replace_auth_type(&srtp_nettle_hmac_sha1, SRTP_HMAC_SHA1);
  if (st != srtp_err_status_ok) {
    g_warning("libsrtp2 refused the nettle HMAC-SHA1 (status %d); keeping its own", (int)st);
    ok = FALSE;
  }
  return ok;
}

int
srtp_nettle_install(void)
{
  if (g_once_init_enter(&install_outcome)) {
    const char *choice = g_getenv("RTC2SIP_SRTP_CRYPTO");
    gsize outcome;
    if (choice && g_ascii_strcasecmp(choice, "libsrtp") == 0) {
      g_info("RTC2SIP_SRTP_CRYPTO=libsrtp: SRTP crypto stays libsrtp2's own");
      outcome = INSTALL_SKIPPED;
    } else {
      if (choice && *choice && g_ascii_strcasecmp(choice, "nettle") != 0)
        g_warning("RTC2SIP_SRTP_CRYPTO=%s is neither nettle nor libsrtp; using nettle", choice);
      outcome = replace_all() ? INSTALL_DONE : INSTALL_FAILED;
      if (outcome == INSTALL_DONE)
        g_info("SRTP crypto: nettle (AES-ICM, AES-GCM and HMAC-SHA1 inside libsrtp2)");
    }
    g_once_init_leave(&install_outcome, outcome);
  }
  switch (install_outcome) {
  case INSTALL_DONE: return 0;
  case INSTALL_SKIPPED: return 1;
  default: return -EIO;
  }
}

gboolean
srtp_nettle_installed(void)
{
  return __atomic_load_n(&install_outcome, __ATOMIC_ACQUIRE) == INSTALL_DONE;
}

const char *
srtp_nettle_backend(void)
{
  return srtp_nettle_installed() ? "nettle" : "libsrtp";
}
