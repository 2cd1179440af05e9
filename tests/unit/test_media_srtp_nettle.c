/* nettle inside libsrtp2: AES-ICM against the RFC 3711 B.2 and RFC 6188 §7
 * keystreams, AES-GCM against the GCM specification's test cases 4 and 16,
 * HMAC-SHA1 against RFC 2202, all fed through libsrtp's own type
 * interface, and packet-for-packet equality with stock libsrtp.
 *
 * Stock libsrtp cannot live in the same process once the nettle types are
 * installed (the crypto kernel is global), so main() forks an oracle child
 * before anything initializes libsrtp. The child sets
 * RTC2SIP_SRTP_CRYPTO=libsrtp and serves protect/unprotect requests over a
 * SOCK_SEQPACKET socketpair; the parent (nettle installed) sends each
 * packet both ways and compares. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateway/media/media_srtp.h"
#include "gateway/media/srtp_nettle.h"

static void
unhex(const char *hex, guint8 *out, gsize len)
{
  g_assert_cmpuint(strlen(hex), ==, 2 * len);
  for (gsize i = 0; i < len; i++)
    out[i] = (guint8)(g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]));
}

static void
assert_hex(const guint8 *got, const char *hex)
{
  gsize len = strlen(hex) / 2;
  g_autofree guint8 *want = g_malloc(len);
  unhex(hex, want, len);
  g_assert_cmpmem(got, len, want, len);
}

/* ---- keystream vectors through srtp_cipher_type_t ---- */

typedef struct {
  const srtp_cipher_type_t *type;
  const char *key_salt; /* AES key || 14-byte salt */
  const char *first;    /* blocks with counter ...0000, 0001, 0002 */
  const char *last;     /* blocks with counter ...FEFF, FF00, FF01 */
} keystream_vector;

#define SALT_F0 "f0f1f2f3f4f5f6f7f8f9fafbfcfd"
static const keystream_vector vectors[] = {
  { &srtp_nettle_aes_icm_128, "2b7e151628aed2a6abf7158809cf4f3c" SALT_F0, /* RFC 3711 B.2 */
    "e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab41e95b3bb0a2e8dd477901e4fca894c0",
    "ec8cdf7398607cb0f2d21675ea9ea1e4362b7c3c6773516318a077d7fc5073ae6a2cc3787889374fbeb4c81b17ba6c44" },
  { &srtp_nettle_aes_icm_192, "eab234764e517b2d3d160d587d8c86219740f65f99b6bcf7" SALT_F0, /* RFC 6188 §7.3 */
    "35096cba4610028dc1b57503804ce37c5de986291dcce161d5165ec4568f5c9a474a40c77894bc17180202272a4c264d",
    "d108d1a31a00bad6367ec23eb044b415c8f57129fdeb970b59f917b257662d4ca5dab625811034e8cebdfeb6dc158dd3" },
  { &srtp_nettle_aes_icm_256, "57f82fe3613fd170a85ec93c40b1f0922ec4cb0dc025b58272147cc438944a98" SALT_F0, /* §7.1 */
    "92bdd28a93c3f52511c677d08b5515a49da71b2378a854f67050756ded165bac63c4868b7096d88421b563b8c94c9a31",
    "cea518c90fd91ced9cbb18c078a547113dbc4814f4da5f00a08772b63c6a046d6eb246913062a16891433e97dd01a57f" },
};
#define KS_BLOCKS 0xff02 /* counters 0000..FF01 */

static srtp_cipher_t *
cipher_new(const keystream_vector *v)
{
  gsize key_len = strlen(v->key_salt) / 2;
  guint8 key[46];
  unhex(v->key_salt, key, key_len);
  srtp_cipher_t *c = NULL;
  g_assert_cmpint(v->type->alloc(&c, (int)key_len, 0), ==, srtp_err_status_ok);
  g_assert_true(c->type == v->type);
  g_assert_cmpint(c->key_len, ==, (int)key_len);
  g_assert_cmpint(v->type->init(c->state, key), ==, srtp_err_status_ok);
  return c;
}

static void
test_keystream(gconstpointer data)
{
  const keystream_vector *v = data;
  srtp_cipher_t *c = cipher_new(v);
  guint8 iv[16] = { 0 };
  gsize len = (gsize)KS_BLOCKS * 16;
  g_autofree guint8 *ks = g_malloc0(len);
  unsigned int n = (unsigned int)len;
  g_assert_cmpint(v->type->set_iv(c->state, iv, srtp_direction_encrypt), ==, srtp_err_status_ok);
  g_assert_cmpint(v->type->encrypt(c->state, ks, &n), ==, srtp_err_status_ok);
  g_assert_cmpuint(n, ==, len);
  assert_hex(ks, v->first);
  assert_hex(ks + len - 48, v->last);

  /* The same stream in odd-sized pieces (a partial block carries over). */
  g_autofree guint8 *pieces = g_malloc0(len);
  static const guint steps[] = { 1, 7, 16, 15, 33, 100, 3, 172, 1400 };
  g_assert_cmpint(v->type->set_iv(c->state, iv, srtp_direction_decrypt), ==, srtp_err_status_ok);
  for (gsize off = 0, i = 0; off < len; i++) {
    unsigned int step = (unsigned int)MIN(steps[i % G_N_ELEMENTS(steps)], len - off);
    g_assert_cmpint(v->type->decrypt(c->state, pieces + off, &step), ==, srtp_err_status_ok);
    off += step;
  }
  g_assert_cmpmem(pieces, len, ks, len);

  /* One IV covers 2^16 blocks; the next byte is refused, as libsrtp does. */
  g_assert_cmpint(v->type->set_iv(c->state, iv, srtp_direction_encrypt), ==, srtp_err_status_ok);
  g_autofree guint8 *big = g_malloc0(65536 * 16 + 1);
  n = 65536 * 16;
  g_assert_cmpint(v->type->encrypt(c->state, big, &n), ==, srtp_err_status_ok);
  n = 1;
  g_assert_cmpint(v->type->encrypt(c->state, big, &n), ==, srtp_err_status_terminus);
  g_assert_cmpint(v->type->dealloc(c), ==, srtp_err_status_ok);
}

/* The IV is XORed onto salt || 0000: RFC 3711 §4.1.1 for SSRC and index. */
static void
test_iv_layout(void)
{
  srtp_cipher_t *c = cipher_new(&vectors[0]);
  /* With IV = salt the counter block is zero: keystream = AES_k(0). */
  guint8 iv[16] = { 0 };
  unhex(SALT_F0, iv, 14);
  guint8 out[16] = { 0 };
  unsigned int n = sizeof out;
  g_assert_cmpint(c->type->set_iv(c->state, iv, srtp_direction_encrypt), ==, srtp_err_status_ok);
  g_assert_cmpint(c->type->encrypt(c->state, out, &n), ==, srtp_err_status_ok);
  /* FIPS-197-style check: AES-128(2b7e1516..., 0^128). */
  assert_hex(out, "7df76b0c1ab899b33e42f047b91b546f");
  g_assert_cmpint(c->type->dealloc(c), ==, srtp_err_status_ok);

  /* Key lengths other than 30/38/46 (AES key + salt) are refused. */
  srtp_cipher_t *bad = NULL;
  g_assert_cmpint(srtp_nettle_aes_icm_128.alloc(&bad, 16, 0), ==, srtp_err_status_bad_param);
  g_assert_cmpint(srtp_nettle_aes_icm_128.alloc(&bad, 32, 0), ==, srtp_err_status_bad_param);
  g_assert_null(bad);
}

/* ---- AES-GCM through the AEAD calls (GCM spec test cases 4 and 16) ---- */

typedef struct {
  const srtp_cipher_type_t *type;
  const char *key_salt; /* AES key || 12 bytes libsrtp counts as salt */
  const char *out;      /* ciphertext || 16-byte tag */
} gcm_vector;

#define GCM_K "feffe9928665731c6d6a8f9467308308"
#define GCM_PAD "0102030405060708090a0b0c"
static const gcm_vector gcm_vectors[] = {
  { &srtp_nettle_aes_gcm_128, GCM_K GCM_PAD,
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa05"
    "1ba30b396a0aac973d58e0915bc94fbc3221a5db94fae95ae7121a47" },
  { &srtp_nettle_aes_gcm_256, GCM_K GCM_K GCM_PAD,
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10568288"
    "38c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b" },
};

static void
test_gcm(gconstpointer data)
{
  const gcm_vector *v = data;
  guint8 key[44], iv[12], aad[20], plain[60], want[76];
  gsize key_len = strlen(v->key_salt) / 2;
  unhex(v->key_salt, key, key_len);
  unhex("cafebabefacedbaddecaf888", iv, sizeof iv);
  unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, sizeof aad);
  unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39", plain, sizeof plain);
  unhex(v->out, want, sizeof want);
  const srtp_cipher_type_t *t = v->type;
  for (int tag_len = 16; tag_len >= 8; tag_len -= 8) {
    srtp_cipher_t *c = NULL;
    g_assert_cmpint(t->alloc(&c, (int)key_len, tag_len), ==, srtp_err_status_ok);
    g_assert_true(c->type == t);
    g_assert_cmpint(t->init(c->state, key), ==, srtp_err_status_ok);
    /* AAD in odd pieces, as libsrtp hands over RTCP's (8 + 4 bytes). */
    static const guint splits[][2] = { { 20, 0 }, { 8, 12 }, { 3, 17 }, { 16, 4 }, { 0, 20 } };
    for (guint k = 0; k < G_N_ELEMENTS(splits); k++) {
      guint8 buf[76];
      memcpy(buf, plain, sizeof plain);
      unsigned int n = sizeof plain;
      uint32_t got = 0;
      g_assert_cmpint(t->set_iv(c->state, iv, srtp_direction_encrypt), ==, srtp_err_status_ok);
      g_assert_cmpint(t->set_aad(c->state, aad, splits[k][0]), ==, srtp_err_status_ok);
      g_assert_cmpint(t->set_aad(c->state, aad + splits[k][0], splits[k][1]), ==, srtp_err_status_ok);
      g_assert_cmpint(t->encrypt(c->state, buf, &n), ==, srtp_err_status_ok);
      g_assert_cmpuint(n, ==, sizeof plain);
      g_assert_cmpint(t->get_tag(c->state, buf + n, &got), ==, srtp_err_status_ok);
      g_assert_cmpuint(got, ==, (guint)tag_len);
      g_assert_cmpmem(buf, 60 + (gsize)tag_len, want, 60 + (gsize)tag_len);

      n = 60 + (unsigned int)tag_len;
      g_assert_cmpint(t->set_iv(c->state, iv, srtp_direction_decrypt), ==, srtp_err_status_ok);
      g_assert_cmpint(t->set_aad(c->state, aad, splits[k][1]), ==, srtp_err_status_ok);
      g_assert_cmpint(t->set_aad(c->state, aad + splits[k][1], splits[k][0]), ==, srtp_err_status_ok);
      g_assert_cmpint(t->decrypt(c->state, buf, &n), ==, srtp_err_status_ok);
      g_assert_cmpmem(buf, n, plain, sizeof plain);
    }
    /* A flipped bit in the ciphertext, the AAD or the tag fails. */
    for (guint where = 0; where < 3; where++) {
      guint8 buf[76], bad_aad[20];
      memcpy(buf, want, 60);
      memcpy(buf + 60, want + 60, (gsize)tag_len);
      memcpy(bad_aad, aad, sizeof aad);
      if (where == 0)
        buf[7] ^= 0x10;
      else if (where == 1)
        bad_aad[19] ^= 1;
      else
        buf[60 + tag_len - 1] ^= 0x80;
      unsigned int n = 60 + (unsigned int)tag_len;
      g_assert_cmpint(t->set_iv(c->state, iv, srtp_direction_decrypt), ==, srtp_err_status_ok);
      g_assert_cmpint(t->set_aad(c->state, bad_aad, sizeof bad_aad), ==, srtp_err_status_ok);
      g_assert_cmpint(t->decrypt(c->state, buf, &n), ==, srtp_err_status_auth_fail);
    }
    /* AAD only (SRTCP without encryption): encrypt(NULL, 0) yields the tag. */
    unsigned int zero = 0;
    g_assert_cmpint(t->set_iv(c->state, iv, srtp_direction_encrypt), ==, srtp_err_status_ok);
    g_assert_cmpint(t->set_aad(c->state, aad, sizeof aad), ==, srtp_err_status_ok);
    g_assert_cmpint(t->encrypt(c->state, NULL, &zero), ==, srtp_err_status_ok);
    guint8 tag[16];
    uint32_t got = 0;
    g_assert_cmpint(t->get_tag(c->state, tag, &got), ==, srtp_err_status_ok);
    unsigned int n = got;
    g_assert_cmpint(t->set_iv(c->state, iv, srtp_direction_decrypt), ==, srtp_err_status_ok);
    g_assert_cmpint(t->set_aad(c->state, aad, sizeof aad), ==, srtp_err_status_ok);
    g_assert_cmpint(t->decrypt(c->state, tag, &n), ==, srtp_err_status_ok);
    g_assert_cmpuint(n, ==, 0);
    g_assert_cmpint(t->set_iv(c->state, iv, srtp_direction_any), ==, srtp_err_status_bad_param);
    g_assert_cmpint(t->dealloc(c), ==, srtp_err_status_ok);
  }
  srtp_cipher_t *bad = NULL;
  g_assert_cmpint(t->alloc(&bad, (int)key_len, 12), ==, srtp_err_status_bad_param);
  g_assert_cmpint(t->alloc(&bad, 30, 16), ==, srtp_err_status_bad_param);
  g_assert_null(bad);
}

/* ---- HMAC-SHA1 through srtp_auth_type_t (RFC 2202 §3) ---- */

static void
test_hmac_rfc2202(void)
{
  static const struct {
    const char *key_hex; /* NULL: repeat key_byte key_len times */
    guint8 key_byte;
    int key_len;
    const char *data;    /* NULL: repeat data_byte 50 times */
    guint8 data_byte;
    const char *mac;
  } cases[] = {
    { NULL, 0x0b, 20, "Hi There", 0, "b617318655057264e28bc0b6fb378c8ef146be00" },
    { "4a656665", 0, 4, "what do ya want for nothing?", 0, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
    { NULL, 0xaa, 20, NULL, 0xdd, "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
    { "0102030405060708090a0b0c0d0e0f10111213141516171819", 0, 25, NULL, 0xcd,
      "4c9007f4026250c6bc8414f9bf50c86c2d7235da" },
    { NULL, 0x0c, 20, "Test With Truncation", 0, "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04" },
    { NULL, 0xaa, 80, "Test Using Larger Than Block-Size Key - Hash Key First", 0,
      "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
    { NULL, 0xaa, 80, "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data", 0,
      "e8e99d0f45237d786d6bbaa7965c7808bbff1a91" },
  };
  static const int tag_lens[] = { 20, 10, 4 };
  const srtp_auth_type_t *at = &srtp_nettle_hmac_sha1;
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    guint8 key[80], data[80], want[20];
    if (cases[i].key_hex)
      unhex(cases[i].key_hex, key, (gsize)cases[i].key_len);
    else
      memset(key, cases[i].key_byte, (gsize)cases[i].key_len);
    gsize data_len = cases[i].data ? strlen(cases[i].data) : 50;
    if (cases[i].data)
      memcpy(data, cases[i].data, data_len);
    else
      memset(data, cases[i].data_byte, data_len);
    unhex(cases[i].mac, want, 20);
    for (guint t = 0; t < G_N_ELEMENTS(tag_lens); t++) {
      srtp_auth_t *a = NULL;
      g_assert_cmpint(at->alloc(&a, cases[i].key_len, tag_lens[t]), ==, srtp_err_status_ok);
      g_assert_true(a->type == at);
      g_assert_cmpint(a->out_len, ==, tag_lens[t]);
      g_assert_cmpint(a->prefix_len, ==, 0);
      g_assert_cmpint(at->init(a->state, key, a->key_len), ==, srtp_err_status_ok);
      /* Twice: in one piece, then split (update + compute) after start. */
      for (int round = 0; round < 2; round++) {
        guint8 tag[20] = { 0 };
        g_assert_cmpint(at->start(a->state), ==, srtp_err_status_ok);
        int split = round == 0 ? 0 : (int)data_len / 3;
        g_assert_cmpint(at->update(a->state, data, split), ==, srtp_err_status_ok);
        g_assert_cmpint(at->compute(a->state, data + split, (int)data_len - split, a->out_len, tag),
                        ==, srtp_err_status_ok);
        g_assert_cmpmem(tag, (gsize)tag_lens[t], want, (gsize)tag_lens[t]);
      }
      /* An abandoned message does not leak into the next one. */
      guint8 tag[20];
      g_assert_cmpint(at->update(a->state, data, 5), ==, srtp_err_status_ok);
      g_assert_cmpint(at->start(a->state), ==, srtp_err_status_ok);
      g_assert_cmpint(at->compute(a->state, data, (int)data_len, a->out_len, tag), ==, srtp_err_status_ok);
      g_assert_cmpmem(tag, (gsize)tag_lens[t], want, (gsize)tag_lens[t]);
      g_assert_cmpint(at->dealloc(a), ==, srtp_err_status_ok);
    }
  }
  srtp_auth_t *bad = NULL;
  g_assert_cmpint(at->alloc(&bad, 20, 21), ==, srtp_err_status_bad_param);
  g_assert_null(bad);
}

/* ---- the stock libsrtp oracle ---- */

enum { OP_HELLO = 1, OP_NEW, OP_PROTECT, OP_UNPROTECT, OP_PROTECT_RTCP, OP_UNPROTECT_RTCP, OP_QUIT };
#define MSG_MAX 2048

static int oracle_fd = -1;
static pid_t oracle_pid = -1;

static G_NORETURN void
oracle_serve(int fd)
{
  g_setenv("RTC2SIP_SRTP_CRYPTO", "libsrtp", TRUE);
  media_srtp *out = NULL, *in = NULL;
  guint8 req[MSG_MAX], rep[MSG_MAX];
  for (;;) {
    ssize_t n = recv(fd, req, sizeof req, 0);
    if (n < 2)
      break;
    gint32 rc = 0;
    gsize len = (gsize)n - 2, rep_len = 4;
    switch (req[0]) {
    case OP_HELLO:
      rc = media_srtp_global_init();
      memcpy(rep + 4, srtp_nettle_backend(), strlen(srtp_nettle_backend()));
      rep_len += strlen(srtp_nettle_backend());
      break;
    case OP_NEW:
      g_clear_pointer(&out, media_srtp_free);
      g_clear_pointer(&in, media_srtp_free);
      out = media_srtp_new((media_srtp_suite)req[1], req + 2, len, TRUE, NULL);
      in = media_srtp_new((media_srtp_suite)req[1], req + 2, len, FALSE, NULL);
      rc = out && in ? 0 : -EINVAL;
      break;
    default:
      memcpy(rep + 4, req + 2, len);
      if (req[0] == OP_PROTECT)
        rc = media_srtp_protect(out, rep + 4, &len, sizeof rep - 4);
      else if (req[0] == OP_UNPROTECT)
        rc = media_srtp_unprotect(in, rep + 4, &len);
      else if (req[0] == OP_PROTECT_RTCP)
        rc = media_srtp_protect_rtcp(out, rep + 4, &len, sizeof rep - 4);
      else if (req[0] == OP_UNPROTECT_RTCP)
        rc = media_srtp_unprotect_rtcp(in, rep + 4, &len);
      else
        goto done;
      rep_len += len;
      break;
    }
    memcpy(rep, &rc, 4);
    if (send(fd, rep, rep_len, 0) != (ssize_t)rep_len)
      break;
  }
done:
  _exit(0);
}

/* Sends OP with BYTES to the oracle; the reply's bytes land in OUT. */
static int
oracle_call(guint8 op, guint8 arg, const guint8 *bytes, gsize len, guint8 *out, gsize *out_len)
{
  guint8 req[MSG_MAX], rep[MSG_MAX];
  g_assert_cmpuint(len + 2, <=, sizeof req);
  req[0] = op;
  req[1] = arg;
  if (len)
    memcpy(req + 2, bytes, len);
  g_assert_cmpint(send(oracle_fd, req, len + 2, 0), ==, (ssize_t)(len + 2));
  ssize_t n = recv(oracle_fd, rep, sizeof rep, 0);
  g_assert_cmpint(n, >=, 4);
  gint32 rc;
  memcpy(&rc, rep, 4);
  if (out) {
    memcpy(out, rep + 4, (gsize)n - 4);
    *out_len = (gsize)n - 4;
  }
  return rc;
}

static void
test_backends(void)
{
  g_assert_cmpint(media_srtp_global_init(), ==, 0);
  g_assert_true(srtp_nettle_installed());
  g_assert_cmpstr(srtp_nettle_backend(), ==, "nettle");
  g_assert_cmpint(srtp_nettle_install(), ==, 0); /* idempotent */
  guint8 name[64];
  gsize len = 0;
  g_assert_cmpint(oracle_call(OP_HELLO, 0, NULL, 0, name, &len), ==, 0);
  g_assert_cmpmem(name, len, "libsrtp", 7);
}

/* ---- random packets ---- */

static gsize
random_rtp(GRand *r, guint i, guint32 fixed_ssrc, guint8 *p)
{
  gsize size = (gsize)g_rand_int_range(r, 12, 1401);
  for (gsize k = 0; k < size; k++)
    p[k] = (guint8)g_rand_int(r);
  guint cc = (guint)g_rand_int_range(r, 0, (gint32)MIN(16, (size - 12) / 4 + 1));
  gsize hdr = 12 + 4 * cc;
  p[0] = (guint8)(0x80 | cc);
  if (size >= hdr + 4 && g_rand_int_range(r, 0, 4) == 0) { /* header extension */
    gsize words = (gsize)g_rand_int_range(r, 0, (gint32)MIN(8, (size - hdr - 4) / 4 + 1));
    p[0] |= 0x10;
    p[hdr + 2] = 0;
    p[hdr + 3] = (guint8)words;
  }
  p[1] = (guint8)g_rand_int_range(r, 0, 256) & 0xff; /* marker + any PT */
  if (i % 2) {
    /* One stream, consecutive sequence numbers through the 65535 wrap
     * (the rollover counter enters the IV). */
    guint16 seq = (guint16)(65000 + i / 2);
    p[2] = (guint8)(seq >> 8);
    p[3] = (guint8)seq;
    p[8] = (guint8)(fixed_ssrc >> 24);
    p[9] = (guint8)(fixed_ssrc >> 16);
    p[10] = (guint8)(fixed_ssrc >> 8);
    p[11] = (guint8)fixed_ssrc;
  }
  return size;
}

static gsize
random_rtcp(GRand *r, guint8 *p)
{
  gsize size = (gsize)g_rand_int_range(r, 12, 1401);
  for (gsize k = 0; k < size; k++)
    p[k] = (guint8)g_rand_int(r);
  p[0] = (guint8)(0x80 | (p[0] & 0x1f));
  p[1] = (guint8)g_rand_int_range(r, 200, 205);
  p[2] = (guint8)((size / 4 - 1) >> 8);
  p[3] = (guint8)(size / 4 - 1);
  return size;
}

#define PACKETS 2000

static void
test_equal_to_stock(gconstpointer data)
{
  media_srtp_suite suite = (media_srtp_suite)GPOINTER_TO_INT(data);
  g_assert_cmpint(media_srtp_global_init(), ==, 0);
  g_assert_true(srtp_nettle_installed());
  g_autoptr(GRand) r = g_rand_new_with_seed(0x5e7f0000u + (guint32)suite);
  guint8 key[MEDIA_SRTP_MAX_KEY_LEN];
  gsize key_len = media_srtp_suite_key_length(suite);
  for (gsize k = 0; k < key_len; k++)
    key[k] = (guint8)g_rand_int(r);
  g_autoptr(GError) error = NULL;
  g_autoptr(media_srtp) out = media_srtp_new(suite, key, key_len, TRUE, &error);
  g_assert_no_error(error);
  g_autoptr(media_srtp) in = media_srtp_new(suite, key, key_len, FALSE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(oracle_call(OP_NEW, (guint8)suite, key, key_len, NULL, NULL), ==, 0);
  guint32 fixed_ssrc = g_rand_int(r);

  for (int rtcp = 0; rtcp < 2; rtcp++) {
    for (guint i = 0; i < PACKETS; i++) {
      guint8 plain[1400], mine[1400 + MEDIA_SRTP_MAX_TRAILER], stock[MSG_MAX], back[MSG_MAX];
      gsize len = rtcp ? random_rtcp(r, plain) : random_rtp(r, i, fixed_ssrc, plain);
      gsize mine_len = len, stock_len = 0, back_len = 0;
      memcpy(mine, plain, len);
      /* Protect on both sides: byte-equal. */
      int rc = rtcp ? media_srtp_protect_rtcp(out, mine, &mine_len, sizeof mine)
                    : media_srtp_protect(out, mine, &mine_len, sizeof mine);
      g_assert_cmpint(rc, ==, 0);
      rc = oracle_call(rtcp ? OP_PROTECT_RTCP : OP_PROTECT, 0, plain, len, stock, &stock_len);
      g_assert_cmpint(rc, ==, 0);
      g_assert_cmpmem(mine, mine_len, stock, stock_len);
      /* Each side unprotects the other's packet. */
      rc = rtcp ? media_srtp_unprotect_rtcp(in, stock, &stock_len)
                : media_srtp_unprotect(in, stock, &stock_len);
      g_assert_cmpint(rc, ==, 0);
      g_assert_cmpmem(stock, stock_len, plain, len);
      rc = oracle_call(rtcp ? OP_UNPROTECT_RTCP : OP_UNPROTECT, 0, mine, mine_len, back, &back_len);
      g_assert_cmpint(rc, ==, 0);
      g_assert_cmpmem(back, back_len, plain, len);
    }
  }
  /* A flipped bit fails on both sides. */
  guint8 plain[172] = { 0x80, 0x00, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef };
  guint8 pkt[172 + MEDIA_SRTP_MAX_TRAILER];
  gsize len = sizeof plain;
  memcpy(pkt, plain, len);
  g_assert_cmpint(media_srtp_protect(out, pkt, &len, sizeof pkt), ==, 0);
  pkt[len - 1] ^= 1;
  guint8 back[MSG_MAX];
  gsize back_len;
  g_assert_cmpint(oracle_call(OP_UNPROTECT, 0, pkt, len, back, &back_len), ==, -EBADMSG);
  g_assert_cmpint(media_srtp_unprotect(in, pkt, &len), ==, -EBADMSG);
}

static const media_srtp_suite all_suites[] = {
  MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32,
  MEDIA_SRTP_AES_192_CM_HMAC_SHA1_80, MEDIA_SRTP_AES_192_CM_HMAC_SHA1_32,
  MEDIA_SRTP_AES_256_CM_HMAC_SHA1_80, MEDIA_SRTP_AES_256_CM_HMAC_SHA1_32,
  MEDIA_SRTP_AEAD_AES_128_GCM, MEDIA_SRTP_AEAD_AES_256_GCM,
};

int
main(int argc, char **argv)
{
  g_unsetenv("RTC2SIP_SRTP_CRYPTO");
  g_test_init(&argc, &argv, NULL);

  /* Fork the stock oracle before this process initializes libsrtp. */
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    g_error("socketpair: %s", g_strerror(errno));
  oracle_pid = fork();
  if (oracle_pid < 0)
    g_error("fork: %s", g_strerror(errno));
  if (oracle_pid == 0) {
    close(sv[0]);
    oracle_serve(sv[1]);
  }
  close(sv[1]);
  oracle_fd = sv[0];

  g_test_add_data_func("/media/srtp-nettle/keystream/rfc3711-b2-aes-128", &vectors[0], test_keystream);
  g_test_add_data_func("/media/srtp-nettle/keystream/rfc6188-aes-192", &vectors[1], test_keystream);
  g_test_add_data_func("/media/srtp-nettle/keystream/rfc6188-aes-256", &vectors[2], test_keystream);
  g_test_add_func("/media/srtp-nettle/iv-layout", test_iv_layout);
  g_test_add_data_func("/media/srtp-nettle/gcm/aes-128", &gcm_vectors[0], test_gcm);
  g_test_add_data_func("/media/srtp-nettle/gcm/aes-256", &gcm_vectors[1], test_gcm);
  g_test_add_func("/media/srtp-nettle/hmac-sha1/rfc2202", test_hmac_rfc2202);
  g_test_add_func("/media/srtp-nettle/backends", test_backends);
  for (guint i = 0; i < G_N_ELEMENTS(all_suites); i++) {
    g_autofree char *path = g_strdup_printf("/media/srtp-nettle/equal-to-stock/%s",
                                            media_srtp_suite_name(all_suites[i]));
    g_test_add_data_func(path, GINT_TO_POINTER(all_suites[i]), test_equal_to_stock);
  }
  int rc = g_test_run();

  guint8 quit = OP_QUIT;
  (void)!send(oracle_fd, &quit, 1, 0);
  close(oracle_fd);
  int status = 0;
  waitpid(oracle_pid, &status, 0);
  return rc;
}
