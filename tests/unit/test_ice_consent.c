/* The consent core (ice/ice_consent.c): RFC 5769's sample request, both
 * directions against libnice's own STUN agent (what the bench's browsers and
 * libnice peers run), RFC 7675 timing in virtual time, nominations, and
 * every truncation and flipped byte of good messages. */
#include <arpa/inet.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>
#include <string.h>

#include "ice/ice_consent.h"

#define GW_UFRAG "gwuf"
#define GW_PWD "gateway-password-0123456789"
#define BR_UFRAG "bruf"
#define BR_PWD "browser-password-0123456789"

/* RFC 5769 2.1: username "evtj:h6vY", password "VOkJxbRl1RmTxUk/WvJxBt". */
static const guint8 rfc5769_request[] = {
  0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
  0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
  0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
  0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
  0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
  0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
  0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

static struct sockaddr_in
addr4(const char *ip, guint16 port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

static ice_consent *
make(gboolean controlling, gboolean freshness, const struct sockaddr_in *remote, gint64 now)
{
  ice_consent_config cfg = {
    .local_ufrag = GW_UFRAG, .local_pwd = GW_PWD, .remote_ufrag = BR_UFRAG, .remote_pwd = BR_PWD,
    .controlling = controlling, .tie_breaker = 0x0102030405060708ull, .priority = 2130706431,
    .freshness = freshness, .remote = (const struct sockaddr *)remote, .remote_len = sizeof *remote,
  };
  return ice_consent_new(&cfg, now);
}

static const uint16_t known[] = {
  STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
  STUN_ATTRIBUTE_PRIORITY, STUN_ATTRIBUTE_USE_CANDIDATE, STUN_ATTRIBUTE_ICE_CONTROLLED,
  STUN_ATTRIBUTE_ICE_CONTROLLING, STUN_ATTRIBUTE_FINGERPRINT, 0,
};

static void
browser_agent(StunAgent *agent)
{
  stun_agent_init(agent, known, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
}

/* A browser's connectivity/consent check to the gateway, made by libnice's STUN. */
static gsize
browser_check(StunAgent *agent, guint8 *buf, gsize size, gboolean use_candidate)
{
  StunMessage msg;
  const char *user = GW_UFRAG ":" BR_UFRAG;
  return stun_usage_ice_conncheck_create(agent, &msg, buf, size, (const uint8_t *)user, strlen(user),
                                         (const uint8_t *)GW_PWD, strlen(GW_PWD), use_candidate,
                                         TRUE, 1845501695, 0x1111222233334444ull, NULL,
                                         STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
}

static void
test_rfc5769_sample(void)
{
  guint16 type = 0, ulen = 0;
  g_assert_null(ice_stun_check(rfc5769_request, sizeof rfc5769_request, &type));
  g_assert_cmpuint(type, ==, 0x0001);
  const guint8 *user = ice_stun_attr(rfc5769_request, sizeof rfc5769_request, 0x0006, &ulen);
  g_assert_nonnull(user);
  g_assert_cmpmem(user, ulen, "evtj:h6vY", 9);
  g_assert_true(ice_stun_authentic(rfc5769_request, sizeof rfc5769_request, "VOkJxbRl1RmTxUk/WvJxBt"));
  g_assert_false(ice_stun_authentic(rfc5769_request, sizeof rfc5769_request, "VOkJxbRl1RmTxUk/WvJxBu"));
  guint8 copy[sizeof rfc5769_request];
  /* (Except the FINGERPRINT's own header: renamed, it is an attribute
   * after MESSAGE-INTEGRITY, which receivers ignore.) */
  for (gsize i = 0; i < sizeof copy - 8; i++) {
    memcpy(copy, rfc5769_request, sizeof copy);
    copy[i] ^= 0x01;
    g_assert_false(ice_stun_authentic(copy, sizeof copy, "VOkJxbRl1RmTxUk/WvJxBt"));
  }
}

/* A browser check through C from BR; libnice (AGENT, which made the check)
 * must accept the answer; returns the address the answer maps BR to. */
static struct sockaddr_storage
answered_by(ice_consent *c, StunAgent *agent, const struct sockaddr *br, socklen_t br_len)
{
  guint8 req[ICE_STUN_MAX], out[ICE_STUN_MAX];
  gsize rlen = browser_check(agent, req, sizeof req, FALSE), olen = 0;
  g_assert_cmpuint(rlen, >, 20);
  g_assert_cmpint(ice_consent_feed(c, 1, req, rlen, br, br_len, out, &olen), ==, ICE_CONSENT_REPLY);
  StunMessage msg;
  g_assert_cmpint(stun_agent_validate(agent, &msg, out, olen, NULL, NULL), ==, STUN_VALIDATION_SUCCESS);
  struct sockaddr_storage mapped;
  socklen_t mlen = sizeof mapped;
  g_assert_cmpint(stun_usage_ice_conncheck_process(&msg, &mapped, &mlen, STUN_USAGE_ICE_COMPATIBILITY_RFC5245),
                  ==, STUN_USAGE_ICE_RETURN_SUCCESS);
  return mapped;
}

static void
test_answer_browser_check(void)
{
  struct sockaddr_in br = addr4("192.0.2.7", 50000);
  g_autoptr(ice_consent) c = make(FALSE, TRUE, &br, 0);
  StunAgent agent;
  browser_agent(&agent);
  /* libnice accepts the answer and reads the browser's own address from it. */
  struct sockaddr_storage mapped = answered_by(c, &agent, (struct sockaddr *)&br, sizeof br);
  const struct sockaddr_in *m = (const struct sockaddr_in *)&mapped;
  g_assert_cmpint(m->sin_family, ==, AF_INET);
  g_assert_cmpuint(m->sin_port, ==, br.sin_port);
  g_assert_cmpuint(m->sin_addr.s_addr, ==, br.sin_addr.s_addr);
  g_assert_cmpuint(ice_consent_get_stats(c)->requests_answered, ==, 1);

  /* A check for another ufrag or with another password: dropped. */
  guint8 req[ICE_STUN_MAX], out[ICE_STUN_MAX];
  gsize rlen, olen;
  StunMessage msg;
  const char *user = "other:" BR_UFRAG;
  rlen = stun_usage_ice_conncheck_create(&agent, &msg, req, sizeof req, (const uint8_t *)user, strlen(user),
                                         (const uint8_t *)GW_PWD, strlen(GW_PWD), FALSE, TRUE, 1, 2, NULL,
                                         STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  g_assert_cmpint(ice_consent_feed(c, 2, req, rlen, (struct sockaddr *)&br, sizeof br, out, &olen), ==,
                  ICE_CONSENT_DROPPED);
  user = GW_UFRAG ":" BR_UFRAG;
  rlen = stun_usage_ice_conncheck_create(&agent, &msg, req, sizeof req, (const uint8_t *)user, strlen(user),
                                         (const uint8_t *)"wrong", 5, FALSE, TRUE, 1, 2, NULL,
                                         STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  g_assert_cmpint(ice_consent_feed(c, 3, req, rlen, (struct sockaddr *)&br, sizeof br, out, &olen), ==,
                  ICE_CONSENT_DROPPED);
  g_assert_nonnull(strstr(ice_consent_drop_reason(c), "MESSAGE-INTEGRITY"));
}

static void
test_answer_ipv6(void)
{
  struct sockaddr_in6 br = { .sin6_family = AF_INET6, .sin6_port = htons(40000) };
  inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &br.sin6_addr);
  ice_consent_config cfg = {
    .local_ufrag = GW_UFRAG, .local_pwd = GW_PWD, .remote_ufrag = BR_UFRAG, .remote_pwd = BR_PWD,
    .freshness = TRUE, .remote = (struct sockaddr *)&br, .remote_len = sizeof br,
  };
  g_autoptr(ice_consent) c = ice_consent_new(&cfg, 0);
  StunAgent agent;
  browser_agent(&agent);
  struct sockaddr_storage mapped = answered_by(c, &agent, (struct sockaddr *)&br, sizeof br);
  const struct sockaddr_in6 *m = (const struct sockaddr_in6 *)&mapped;
  g_assert_cmpint(m->sin6_family, ==, AF_INET6);
  g_assert_cmpuint(m->sin6_port, ==, br.sin6_port);
  g_assert_cmpmem(&m->sin6_addr, 16, &br.sin6_addr, 16);
}

/* The browser side of our consent check: libnice validates it and answers. */
static gsize
browser_answer(const guint8 *check, gsize len, const struct sockaddr_in *gw, guint8 *out, gsize size,
               gboolean browser_controlling)
{
  StunAgent agent;
  browser_agent(&agent);
  StunDefaultValidaterData data[] = {
    { (uint8_t *)BR_UFRAG ":" GW_UFRAG, strlen(BR_UFRAG ":" GW_UFRAG), (uint8_t *)BR_PWD, strlen(BR_PWD) },
    { NULL, 0, NULL, 0 },
  };
  StunMessage req, resp;
  g_assert_cmpint(stun_agent_validate(&agent, &req, check, len, stun_agent_default_validater, data), ==,
                  STUN_VALIDATION_SUCCESS);
  struct sockaddr_storage src = { 0 };
  memcpy(&src, gw, sizeof *gw);
  bool control = browser_controlling;
  size_t plen = size;
  g_assert_cmpint(stun_usage_ice_conncheck_create_reply(&agent, &req, &resp, out, &plen, &src, sizeof *gw,
                                                        &control, 0x99, STUN_USAGE_ICE_COMPATIBILITY_RFC5245),
                  ==, STUN_USAGE_ICE_RETURN_SUCCESS);
  g_assert_cmpint(control, ==, browser_controlling); /* no role conflict */
  return plen;
}

static void
test_consent_checks(void)
{
  struct sockaddr_in br = addr4("192.0.2.7", 50000), gw = addr4("198.51.100.1", 40000);
  gint64 t = (gint64)1000 * G_USEC_PER_SEC;
  for (int controlling = 0; controlling < 2; controlling++) {
    g_autoptr(ice_consent) c = make(controlling, TRUE, &br, t);
    guint8 out[ICE_STUN_MAX], ans[ICE_STUN_MAX], junk[ICE_STUN_MAX];
    gsize olen = 0, jlen = 0;
    gint64 now = t;
    /* Answered checks keep consent for a minute and more. */
    while (now < t + (gint64)70 * G_USEC_PER_SEC) {
      ice_consent_tick_result r = ice_consent_tick(c, now, out, &olen);
      g_assert_cmpint(r, !=, ICE_CONSENT_LOST);
      if (r == ICE_CONSENT_SEND) {
        gsize alen = browser_answer(out, olen, &gw, ans, sizeof ans, !controlling);
        g_assert_cmpint(ice_consent_feed(c, now + 1000, ans, alen, (struct sockaddr *)&br, sizeof br, junk, &jlen),
                        ==, ICE_CONSENT_REFRESHED);
        /* The same answer again is still ours; a stranger's is not. */
        ans[10] ^= 0xff;
        g_assert_cmpint(ice_consent_feed(c, now + 1000, ans, alen, (struct sockaddr *)&br, sizeof br, junk, &jlen),
                        ==, ICE_CONSENT_DROPPED);
      }
      gint64 next = ice_consent_next_deadline(c);
      g_assert_cmpint(next, >, now);
      g_assert_cmpint(next - now, <=, 6 * G_USEC_PER_SEC);
      now = next;
    }
    const ice_consent_stats *s = ice_consent_get_stats(c);
    /* 70 s at 4-6 s a check. */
    g_assert_cmpuint(s->checks_sent, >=, 12);
    g_assert_cmpuint(s->checks_sent, <=, 19);
    g_assert_cmpuint(s->checks_answered, ==, s->checks_sent);
  }
}

static void
test_consent_lost(void)
{
  struct sockaddr_in br = addr4("192.0.2.7", 50000);
  gint64 t = 5 * G_USEC_PER_SEC;
  g_autoptr(ice_consent) c = make(TRUE, TRUE, &br, t);
  guint8 out[ICE_STUN_MAX];
  gsize olen;
  gint64 now = t;
  ice_consent_tick_result r;
  guint sent = 0;
  while ((r = ice_consent_tick(c, now, out, &olen)) != ICE_CONSENT_LOST) {
    sent += r == ICE_CONSENT_SEND;
    g_assert_cmpint(now, <, t + ICE_CONSENT_TIMEOUT_US);
    now = ice_consent_next_deadline(c);
  }
  g_assert_cmpint(now, ==, t + ICE_CONSENT_TIMEOUT_US);
  g_assert_cmpuint(sent, >=, 5);
  /* After that: quiet for good. */
  g_assert_cmpint(ice_consent_next_deadline(c), ==, G_MAXINT64);
  g_assert_cmpint(ice_consent_tick(c, now + G_USEC_PER_SEC, out, &olen), ==, ICE_CONSENT_WAIT);

  /* Without freshness: never a check, never lost, requests still answered. */
  g_autoptr(ice_consent) quiet = make(TRUE, FALSE, &br, t);
  g_assert_cmpint(ice_consent_tick(quiet, t + (gint64)3600 * G_USEC_PER_SEC, out, &olen), ==, ICE_CONSENT_WAIT);
  g_assert_cmpint(ice_consent_next_deadline(quiet), ==, G_MAXINT64);
}

static void
test_nomination_moves(void)
{
  struct sockaddr_in br = addr4("192.0.2.7", 50000), other = addr4("192.0.2.8", 50002);
  StunAgent agent;
  browser_agent(&agent);
  guint8 req[ICE_STUN_MAX], out[ICE_STUN_MAX];
  gsize olen;
  socklen_t len;
  /* Controlled: a plain check from elsewhere is answered and moves nothing;
   * a nomination moves the pair. */
  g_autoptr(ice_consent) c = make(FALSE, TRUE, &br, 0);
  gsize rlen = browser_check(&agent, req, sizeof req, FALSE);
  g_assert_cmpint(ice_consent_feed(c, 1, req, rlen, (struct sockaddr *)&other, sizeof other, out, &olen), ==,
                  ICE_CONSENT_REPLY);
  g_assert_cmpuint(((const struct sockaddr_in *)ice_consent_remote(c, &len))->sin_port, ==, br.sin_port);
  rlen = browser_check(&agent, req, sizeof req, TRUE);
  g_assert_cmpint(ice_consent_feed(c, 2, req, rlen, (struct sockaddr *)&other, sizeof other, out, &olen), ==,
                  ICE_CONSENT_REPLY);
  const struct sockaddr_in *now = (const struct sockaddr_in *)ice_consent_remote(c, &len);
  g_assert_cmpuint(len, ==, sizeof other);
  g_assert_cmpuint(now->sin_port, ==, other.sin_port);
  g_assert_cmpuint(now->sin_addr.s_addr, ==, other.sin_addr.s_addr);
  g_assert_cmpuint(ice_consent_get_stats(c)->moves, ==, 1);
  /* Controlling: the browser does not nominate; nothing moves. */
  g_autoptr(ice_consent) d = make(TRUE, TRUE, &br, 0);
  g_assert_cmpint(ice_consent_feed(d, 2, req, rlen, (struct sockaddr *)&other, sizeof other, out, &olen), ==,
                  ICE_CONSENT_REPLY);
  g_assert_cmpuint(((const struct sockaddr_in *)ice_consent_remote(d, &len))->sin_port, ==, br.sin_port);
}

static void
test_bad_input(void)
{
  struct sockaddr_in br = addr4("192.0.2.7", 50000);
  g_autoptr(ice_consent) c = make(FALSE, TRUE, &br, 0);
  StunAgent agent;
  browser_agent(&agent);
  guint8 req[ICE_STUN_MAX], out[ICE_STUN_MAX], copy[ICE_STUN_MAX];
  gsize rlen = browser_check(&agent, req, sizeof req, TRUE), olen;
  /* Every truncation, and every single flipped byte, is dropped. */
  for (gsize n = 0; n < rlen; n++) {
    g_autofree guint8 *cut = g_memdup2(req, n); /* exact size, for ASan */
    g_assert_cmpint(ice_consent_feed(c, 1, cut, n, (struct sockaddr *)&br, sizeof br, out, &olen), ==,
                    ICE_CONSENT_DROPPED);
  }
  for (gsize i = 0; i < rlen; i++) {
    if (i >= rlen - 8 && i < rlen - 4)
      continue; /* the FINGERPRINT's header, see test_rfc5769_sample */
    memcpy(copy, req, rlen);
    copy[i] ^= 0x40;
    g_assert_cmpint(ice_consent_feed(c, 1, copy, rlen, (struct sockaddr *)&br, sizeof br, out, &olen), ==,
                    ICE_CONSENT_DROPPED);
  }
  g_assert_cmpuint(ice_consent_get_stats(c)->requests_answered, ==, 0);
  /* An attribute length that runs past the end. */
  memcpy(copy, req, rlen);
  copy[22] = 0xff;
  g_assert_nonnull(ice_stun_check(copy, rlen, NULL));
  /* Bad configurations. */
  ice_consent_config cfg = { .local_ufrag = GW_UFRAG, .local_pwd = GW_PWD, .remote_ufrag = BR_UFRAG,
                             .remote = (struct sockaddr *)&br, .remote_len = sizeof br };
  g_assert_null(ice_consent_new(&cfg, 0));
  cfg.remote_pwd = BR_PWD;
  cfg.remote_len = 4;
  g_assert_null(ice_consent_new(&cfg, 0));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ice/consent/rfc5769-sample-request", test_rfc5769_sample);
  g_test_add_func("/ice/consent/answers-libnice-check", test_answer_browser_check);
  g_test_add_func("/ice/consent/answers-ipv6", test_answer_ipv6);
  g_test_add_func("/ice/consent/checks-answered-by-libnice", test_consent_checks);
  g_test_add_func("/ice/consent/lost-after-30s", test_consent_lost);
  g_test_add_func("/ice/consent/nomination-moves-pair", test_nomination_moves);
  g_test_add_func("/ice/consent/bad-input", test_bad_input);
  return g_test_run();
}
