/* Keeping a connected ICE pair alive without the ICE agent (see ice_consent.h). */
#include "ice/ice_consent.h"

#include <netinet/in.h>
#include <nettle/hmac.h>
#include <string.h>

#define STUN_HEADER 20
#define STUN_COOKIE 0x2112A442u

#define STUN_BINDING_REQUEST 0x0001
#define STUN_BINDING_INDICATION 0x0011
#define STUN_BINDING_SUCCESS 0x0101
#define STUN_BINDING_ERROR 0x0111

#define ATTR_USERNAME 0x0006
#define ATTR_MESSAGE_INTEGRITY 0x0008
#define ATTR_XOR_MAPPED_ADDRESS 0x0020
#define ATTR_PRIORITY 0x0024
#define ATTR_USE_CANDIDATE 0x0025
#define ATTR_FINGERPRINT 0x8028
#define ATTR_ICE_CONTROLLED 0x8029
#define ATTR_ICE_CONTROLLING 0x802A

#define FINGERPRINT_XOR 0x5354554Eu
#define MAX_UFRAG 256
/* Checks whose answers still count: six are sent in 30 s. */
#define OUTSTANDING 8

struct ice_consent {
  char *local_ufrag, *local_pwd, *remote_ufrag, *remote_pwd;
  gboolean controlling, freshness;
  guint64 tie_breaker;
  guint32 priority;
  struct sockaddr_storage remote;
  socklen_t remote_len;
  gint64 next_check_us, expires_us;
  gboolean lost;
  guint8 sent[OUTSTANDING][12]; /* transaction IDs of our latest checks */
  guint n_sent;
  const char *drop_reason;
  ice_consent_stats stats;
};

static guint16
get16(const guint8 *p)
{
  return (guint16)(p[0] << 8 | p[1]);
}

static guint32
get32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static void
put16(guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static void
put32(guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

/* CRC-32 (ISO-HDLC, the one STUN's FINGERPRINT uses), bit by bit: these
 * messages are rare and short. */
static guint32
crc32_of(const guint8 *p, gsize len)
{
  guint32 crc = 0xFFFFFFFFu;
  for (gsize i = 0; i < len; i++) {
    crc ^= p[i];
    for (int b = 0; b < 8; b++)
      crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
  }
  return ~crc;
}

const char *
ice_stun_check(const guint8 *buf, gsize len, guint16 *type)
{
  if (len < STUN_HEADER)
    return "shorter than a STUN header";
  if (buf[0] & 0xC0)
    return "not STUN (the first two bits are set)";
  if (get32(buf + 4) != STUN_COOKIE)
    return "no STUN magic cookie";
  guint16 body = get16(buf + 2);
  if (body % 4 || (gsize)body + STUN_HEADER != len)
    return "STUN length does not match the datagram";
  for (gsize off = STUN_HEADER; off < len;) {
    if (len - off < 4)
      return "truncated STUN attribute header";
    gsize alen = get16(buf + off + 2);
    gsize padded = (alen + 3) & ~(gsize)3;
    if (padded > len - off - 4)
      return "STUN attribute runs past the message";
    off += 4 + padded;
  }
  if (type)
    *type = get16(buf) & 0x3FFF;
  return NULL;
}

/* Offset of the attribute header of ATTR, or 0. Attributes after
 * MESSAGE-INTEGRITY other than FINGERPRINT are ignored (RFC 5389 15.4). */
static gsize
attr_offset(const guint8 *buf, gsize len, guint16 attr)
{
  gboolean after_integrity = FALSE;
  for (gsize off = STUN_HEADER; off + 4 <= len;) {
    guint16 t = get16(buf + off);
    gsize alen = get16(buf + off + 2);
    if (t == attr && (!after_integrity || attr == ATTR_FINGERPRINT))
      return off;
    if (t == ATTR_MESSAGE_INTEGRITY)
      after_integrity = TRUE;
    off += 4 + ((alen + 3) & ~(gsize)3);
  }
  return 0;
}

const guint8 *
ice_stun_attr(const guint8 *buf, gsize len, guint16 attr, guint16 *attr_len)
{
  if (ice_stun_check(buf, len, NULL))
    return NULL;
  gsize off = attr_offset(buf, len, attr);
  if (!off)
    return NULL;
  if (attr_len)
    *attr_len = get16(buf + off + 2);
  return buf + off + 4;
}

/* HMAC-SHA1 of BUF[0, upto) with the header's length field saying the
 * message ends at END (the end of the MESSAGE-INTEGRITY attribute). */
static void
integrity(const guint8 *buf, gsize upto, gsize end, const char *key, guint8 mac[20])
{
  struct hmac_sha1_ctx ctx;
  guint8 header[STUN_HEADER];
  memcpy(header, buf, STUN_HEADER);
  put16(header + 2, (guint16)(end - STUN_HEADER));
  hmac_sha1_set_key(&ctx, strlen(key), (const guint8 *)key);
  hmac_sha1_update(&ctx, STUN_HEADER, header);
  hmac_sha1_update(&ctx, upto - STUN_HEADER, buf + STUN_HEADER);
  hmac_sha1_digest(&ctx, 20, mac);
}

gboolean
ice_stun_authentic(const guint8 *buf, gsize len, const char *key)
{
  if (ice_stun_check(buf, len, NULL))
    return FALSE;
  gsize mi = attr_offset(buf, len, ATTR_MESSAGE_INTEGRITY);
  if (!mi || get16(buf + mi + 2) != 20)
    return FALSE;
  gsize fp = attr_offset(buf, len, ATTR_FINGERPRINT);
  if (fp) {
    /* FINGERPRINT is the last attribute and covers everything before it. */
    if (get16(buf + fp + 2) != 4 || fp + 8 != len ||
        (crc32_of(buf, fp) ^ FINGERPRINT_XOR) != get32(buf + fp + 4))
      return FALSE;
  }
  guint8 mac[20];
  integrity(buf, mi, mi + 24, key, mac);
  guint8 diff = 0;
  for (int i = 0; i < 20; i++)
    diff |= mac[i] ^ buf[mi + 4 + i];
  return diff == 0;
}

/* Writing: a message is built in OUT, attributes appended at *LEN. */
static void
begin(guint8 *out, gsize *len, guint16 type, const guint8 tid[12])
{
  put16(out, type);
  put16(out + 2, 0);
  put32(out + 4, STUN_COOKIE);
  memcpy(out + 8, tid, 12);
  *len = STUN_HEADER;
}

static guint8 *
add_attr(guint8 *out, gsize *len, guint16 type, gsize alen)
{
  guint8 *a = out + *len;
  put16(a, type);
  put16(a + 2, (guint16)alen);
  gsize padded = (alen + 3) & ~(gsize)3;
  memset(a + 4, 0, padded);
  *len += 4 + padded;
  put16(out + 2, (guint16)(*len - STUN_HEADER));
  return a + 4;
}

/* MESSAGE-INTEGRITY then FINGERPRINT, as ICE wants every check to end. */
static void
finish(guint8 *out, gsize *len, const char *key)
{
  gsize mi = *len;
  add_attr(out, len, ATTR_MESSAGE_INTEGRITY, 20);
  integrity(out, mi, *len, key, out + mi + 4);
  gsize fp = *len;
  guint8 *v = add_attr(out, len, ATTR_FINGERPRINT, 4);
  put32(v, crc32_of(out, fp) ^ FINGERPRINT_XOR);
}

static gboolean
add_xor_address(guint8 *out, gsize *len, const struct sockaddr *addr)
{
  if (addr->sa_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
    guint8 *v = add_attr(out, len, ATTR_XOR_MAPPED_ADDRESS, 8);
    v[1] = 0x01;
    put16(v + 2, ntohs(sin->sin_port) ^ (STUN_COOKIE >> 16));
    put32(v + 4, ntohl(sin->sin_addr.s_addr) ^ STUN_COOKIE);
    return TRUE;
  }
  if (addr->sa_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
    guint8 *v = add_attr(out, len, ATTR_XOR_MAPPED_ADDRESS, 20);
    v[1] = 0x02;
    put16(v + 2, ntohs(sin6->sin6_port) ^ (STUN_COOKIE >> 16));
    /* XORed with the cookie and the transaction ID, which follow each other in the header. */
    for (int i = 0; i < 16; i++)
      v[4 + i] = sin6->sin6_addr.s6_addr[i] ^ out[4 + i];
    return TRUE;
  }
  return FALSE;
}

static gboolean
valid_credential(const char *s)
{
  return s && *s && strlen(s) <= MAX_UFRAG;
}

static gboolean
set_remote(ice_consent *c, const struct sockaddr *addr, socklen_t len)
{
  if (!addr || len > sizeof c->remote ||
      (addr->sa_family == AF_INET && len < sizeof(struct sockaddr_in)) ||
      (addr->sa_family == AF_INET6 && len < sizeof(struct sockaddr_in6)) ||
      (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
    return FALSE;
  memset(&c->remote, 0, sizeof c->remote);
  memcpy(&c->remote, addr, len);
  c->remote_len = len;
  return TRUE;
}

ice_consent *
ice_consent_new(const ice_consent_config *config, gint64 now_us)
{
  if (!valid_credential(config->local_ufrag) || !valid_credential(config->local_pwd) ||
      !valid_credential(config->remote_ufrag) || !valid_credential(config->remote_pwd))
    return NULL;
  ice_consent *c = g_new0(ice_consent, 1);
  if (!set_remote(c, config->remote, config->remote_len)) {
    g_free(c);
    return NULL;
  }
  c->local_ufrag = g_strdup(config->local_ufrag);
  c->local_pwd = g_strdup(config->local_pwd);
  c->remote_ufrag = g_strdup(config->remote_ufrag);
  c->remote_pwd = g_strdup(config->remote_pwd);
  c->controlling = config->controlling;
  c->tie_breaker = config->tie_breaker;
  c->priority = config->priority;
  c->freshness = config->freshness;
  /* The agent had consent up to now. */
  c->expires_us = now_us + ICE_CONSENT_TIMEOUT_US;
  c->next_check_us = now_us;
  return c;
}

void
ice_consent_free(ice_consent *c)
{
  if (!c)
    return;
  g_free(c->local_ufrag);
  /* Passwords are keys: wipe them. */
  if (c->local_pwd)
    memset(c->local_pwd, 0, strlen(c->local_pwd));
  if (c->remote_pwd)
    memset(c->remote_pwd, 0, strlen(c->remote_pwd));
  g_free(c->local_pwd);
  g_free(c->remote_ufrag);
  g_free(c->remote_pwd);
  g_free(c);
}

static ice_consent_result
drop(ice_consent *c, const char *reason)
{
  c->drop_reason = reason;
  c->stats.dropped++;
  return ICE_CONSENT_DROPPED;
}

static gboolean
same_address(const struct sockaddr *a, socklen_t alen, const struct sockaddr_storage *b, socklen_t blen)
{
  if (a->sa_family != ((const struct sockaddr *)b)->sa_family)
    return FALSE;
  if (a->sa_family == AF_INET) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
    return alen >= sizeof *x && x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
  return alen >= sizeof *x && x->sin6_port == y->sin6_port &&
         memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
}

static ice_consent_result
answer_request(ice_consent *c, const guint8 *buf, gsize len, const struct sockaddr *from,
               socklen_t from_len, guint8 *out, gsize *out_len)
{
  /* USERNAME is "our ufrag:their ufrag" (RFC 8445 7.2.2). */
  guint16 ulen = 0;
  const guint8 *user = ice_stun_attr(buf, len, ATTR_USERNAME, &ulen);
  gsize ours = strlen(c->local_ufrag);
  if (!user || ulen <= ours || user[ours] != ':' || memcmp(user, c->local_ufrag, ours) != 0)
    return drop(c, "binding request for another ufrag");
  if (!ice_stun_authentic(buf, len, c->local_pwd))
    return drop(c, "binding request failed MESSAGE-INTEGRITY or FINGERPRINT");
  if (from->sa_family != AF_INET && from->sa_family != AF_INET6)
    return drop(c, "binding request from an unknown address family");
  if (!same_address(from, from_len, &c->remote, c->remote_len)) {
    /* A late check on another of the browser's candidates: answered; a
     * nomination of it (we are controlled) moves the pair. */
    if (!c->controlling && ice_stun_attr(buf, len, ATTR_USE_CANDIDATE, NULL) &&
        set_remote(c, from, from_len))
      c->stats.moves++;
  }
  begin(out, out_len, STUN_BINDING_SUCCESS, buf + 8);
  add_xor_address(out, out_len, from);
  finish(out, out_len, c->local_pwd);
  c->stats.requests_answered++;
  return ICE_CONSENT_REPLY;
}

ice_consent_result
ice_consent_feed(ice_consent *c, gint64 now_us, const guint8 *buf, gsize len,
                 const struct sockaddr *from, socklen_t from_len, guint8 *out, gsize *out_len)
{
  guint16 type = 0;
  *out_len = 0;
  const char *bad = ice_stun_check(buf, len, &type);
  if (bad)
    return drop(c, bad);
  if (!from)
    return drop(c, "no source address");
  switch (type) {
  case STUN_BINDING_REQUEST:
    return answer_request(c, buf, len, from, from_len, out, out_len);
  case STUN_BINDING_INDICATION:
    return ICE_CONSENT_IGNORED; /* a keepalive */
  case STUN_BINDING_SUCCESS:
  case STUN_BINDING_ERROR: {
    gboolean ours = FALSE;
    for (guint i = 0; i < MIN(c->n_sent, OUTSTANDING); i++)
      ours = ours || memcmp(c->sent[i], buf + 8, 12) == 0;
    if (!ours)
      return drop(c, "answer to a check we did not send");
    if (!ice_stun_authentic(buf, len, c->remote_pwd))
      return drop(c, "answer failed MESSAGE-INTEGRITY or FINGERPRINT");
    if (type == STUN_BINDING_ERROR)
      return ICE_CONSENT_IGNORED; /* consent is not renewed by a refusal */
    if (!c->lost)
      c->expires_us = now_us + ICE_CONSENT_TIMEOUT_US;
    c->stats.checks_answered++;
    return ICE_CONSENT_REFRESHED;
  }
  default:
    return drop(c, "a STUN method other than Binding");
  }
}

const char *
ice_consent_drop_reason(const ice_consent *c)
{
  return c->drop_reason ? c->drop_reason : "";
}

static void
write_check(ice_consent *c, guint8 *out, gsize *out_len)
{
  guint8 tid[12];
  for (int i = 0; i < 12; i += 4)
    put32(tid + i, g_random_int());
  memcpy(c->sent[c->n_sent % OUTSTANDING], tid, 12);
  c->n_sent++;

  begin(out, out_len, STUN_BINDING_REQUEST, tid);
  gsize ru = strlen(c->remote_ufrag), lu = strlen(c->local_ufrag);
  guint8 *user = add_attr(out, out_len, ATTR_USERNAME, ru + 1 + lu);
  memcpy(user, c->remote_ufrag, ru);
  user[ru] = ':';
  memcpy(user + ru + 1, c->local_ufrag, lu);
  put32(add_attr(out, out_len, ATTR_PRIORITY, 4), c->priority);
  guint8 *role = add_attr(out, out_len, c->controlling ? ATTR_ICE_CONTROLLING : ATTR_ICE_CONTROLLED, 8);
  put32(role, (guint32)(c->tie_breaker >> 32));
  put32(role + 4, (guint32)c->tie_breaker);
  finish(out, out_len, c->remote_pwd);
}

ice_consent_tick_result
ice_consent_tick(ice_consent *c, gint64 now_us, guint8 *out, gsize *out_len)
{
  *out_len = 0;
  if (!c->freshness || c->lost)
    return ICE_CONSENT_WAIT;
  if (now_us >= c->expires_us) {
    c->lost = TRUE;
    return ICE_CONSENT_LOST;
  }
  if (now_us < c->next_check_us)
    return ICE_CONSENT_WAIT;
  /* RFC 7675 5.1: randomized to 0.8-1.2 of the interval. */
  c->next_check_us = now_us + g_random_int_range(ICE_CONSENT_INTERVAL_US * 8 / 10,
                                                 ICE_CONSENT_INTERVAL_US * 12 / 10 + 1);
  write_check(c, out, out_len);
  c->stats.checks_sent++;
  return ICE_CONSENT_SEND;
}

gint64
ice_consent_next_deadline(const ice_consent *c)
{
  if (!c->freshness || c->lost)
    return G_MAXINT64;
  return MIN(c->next_check_us, c->expires_us);
}

const struct sockaddr *
ice_consent_remote(const ice_consent *c, socklen_t *len)
{
  if (len)
    *len = c->remote_len;
  return (const struct sockaddr *)&c->remote;
}

const ice_consent_stats *
ice_consent_get_stats(const ice_consent *c)
{
  return &c->stats;
}

const char *
ice_consent_local_ufrag(const ice_consent *c)
{
  return c->local_ufrag;
}

const char *
ice_consent_local_pwd(const ice_consent *c)
{
  return c->local_pwd;
}

const char *
ice_consent_remote_ufrag(const ice_consent *c)
{
  return c->remote_ufrag;
}
