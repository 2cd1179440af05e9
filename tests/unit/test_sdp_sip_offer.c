/* SIP leg, our side offers: key-exchange policies, the gateway's SIP offer
 * from the real Chromium offer for every policy (golden), offer options and
 * refusals, reading SIP answers (baresip plain and SDES, a=rtcp, IPv6,
 * DTLS with sha-1, hold, rejected) field by field, answer refusals, hold
 * detection and re-INVITE changes. */
#include "tests/unit/sdp_sip_testutil.h"

static GArray *
chromium_codecs(sdp_session **browser)
{
  GArray *codecs = NULL;
  const char *reason = NULL;
  *browser = parse_fixture("sdp/chromium-audio-offer.sdp");
  g_assert_cmpint(sdp_sip_codecs_from_browser_offer(*browser, NULL, 0, &codecs, &reason), ==, 0);
  return codecs;
}

static sdp_sip_offer_params
offer_params(const GArray *codecs, const sdp_sip_kx_policy *pol)
{
  load_gateway_fp();
  sdp_sip_offer_params p = {
    .session_id = 7316450582127400000ull,
    .session_version = 1,
    .connection_address = GW_ADDRESS,
    .rtp_port = RTP_PORT,
    .codecs = (const sdp_codec *)codecs->data,
    .n_codecs = codecs->len,
    .policy = pol,
    .crypto = gateway_crypto,
    .n_crypto = 2,
    .fingerprint = &gateway_fp,
  };
  return p;
}

/* Our default offer (policy POLICY_TEXT) made from the Chromium fixture. */
static sdp_session *
our_offer(const char *policy_text)
{
  g_autoptr(sdp_session) browser = NULL;
  g_autoptr(GArray) codecs = chromium_codecs(&browser);
  sdp_sip_kx_policy pol = policy(policy_text);
  sdp_sip_offer_params p = offer_params(codecs, &pol);
  const char *reason = NULL;
  sdp_session *offer = sdp_sip_offer(&p, &reason);
  g_assert_nonnull(offer);
  return offer;
}

static void
test_policy_parse(void)
{
  sdp_sip_kx_policy p;
  const char *reason = NULL;
  g_assert_cmpint(sdp_sip_kx_policy_parse("SDES, DTLS, rtp", &p, &reason), ==, 0);
  g_assert_cmpuint(p.n, ==, 3);
  g_assert_cmpint(p.order[1], ==, SDP_SIP_KX_DTLS_SRTP);
  g_assert_cmpint(sdp_sip_kx_policy_parse(" rtp ", &p, &reason), ==, 0);
  g_assert_cmpuint(p.n, ==, 1);
  g_assert_cmpint(sdp_sip_kx_policy_parse("sdes,sdes", &p, &reason), ==, -EINVAL);
  g_assert_cmpint(sdp_sip_kx_policy_parse("zrtp", &p, &reason), ==, -EINVAL);
  g_assert_cmpint(sdp_sip_kx_policy_parse(" , ", &p, &reason), ==, -EINVAL);
  g_assert_cmpstr(reason, ==, "the key exchange list is empty");
  const sdp_sip_kx_policy *d = sdp_sip_kx_policy_default();
  g_assert_cmpstr(sdp_sip_kx_name(d->order[0]), ==, "sdes");
  g_assert_cmpstr(sdp_sip_kx_name(d->order[1]), ==, "dtls-srtp");
  g_assert_cmpstr(sdp_sip_kx_name(d->order[2]), ==, "rtp");
}

static void
test_crypto_split(void)
{
  guint tag;
  const char *suite;
  gsize len;
  g_assert_true(sdp_sip_crypto_split(CRYPTO_32, &tag, &suite, &len));
  g_assert_cmpuint(tag, ==, 2);
  g_assert_cmpuint(len, ==, strlen("AES_CM_128_HMAC_SHA1_32"));
  g_assert_false(sdp_sip_crypto_split("1 AES_CM_128_HMAC_SHA1_80", &tag, &suite, &len));
  g_assert_false(sdp_sip_crypto_split("x AES inline:a", &tag, &suite, &len));
  g_assert_false(sdp_sip_crypto_split("1234567890 AES inline:a", &tag, &suite, &len));
  g_assert_false(sdp_sip_crypto_split("", &tag, &suite, &len));
}

static void
test_codecs_from_chromium(void)
{
  g_autoptr(sdp_session) browser = NULL;
  g_autoptr(GArray) c = chromium_codecs(&browser);
  const struct {
    guint pt;
    const char *enc;
    guint clock;
  } want[] = { { 111, "opus", 48000 }, { 9, "G722", 8000 },   { 0, "PCMU", 8000 },
               { 8, "PCMA", 8000 },    { 110, "telephone-event", 48000 },
               { 126, "telephone-event", 8000 } };
  g_assert_cmpuint(c->len, ==, G_N_ELEMENTS(want));
  for (guint i = 0; i < c->len; i++) {
    const sdp_codec *x = &g_array_index(c, sdp_codec, i);
    g_assert_cmpuint(x->pt, ==, want[i].pt);
    g_assert_cmpstr(x->encoding, ==, want[i].enc);
    g_assert_cmpuint(x->clock_rate, ==, want[i].clock);
  }
  g_assert_cmpstr(g_array_index(c, sdp_codec, 0).fmtp, ==, "minptime=10;useinbandfec=1");

  /* Opus on a static number (18 = G729) moves to a dynamic one. */
  g_autoptr(sdp_session) moved = parse_edited("sdp/chromium-audio-offer.sdp", "111", "18");
  g_autoptr(GArray) m = NULL;
  const char *reason = NULL;
  g_assert_cmpint(sdp_sip_codecs_from_browser_offer(moved, NULL, 0, &m, &reason), ==, 0);
  g_assert_cmpstr(g_array_index(m, sdp_codec, 0).encoding, ==, "opus");
  g_assert_cmpuint(g_array_index(m, sdp_codec, 0).pt, ==, 96);

  /* Narrow list: PCMA only; telephone-event/48000 goes with opus. */
  const sdp_codec only[] = { { "PCMA", 8000, 1, 0, NULL }, { "telephone-event", 8000, 1, 0, "0-16" },
                             { "telephone-event", 48000, 1, 0, NULL } };
  g_autoptr(GArray) n = NULL;
  g_assert_cmpint(sdp_sip_codecs_from_browser_offer(browser, only, 3, &n, &reason), ==, 0);
  g_assert_cmpuint(n->len, ==, 2);
  g_assert_cmpuint(g_array_index(n, sdp_codec, 1).pt, ==, 126);
  g_assert_cmpstr(g_array_index(n, sdp_codec, 1).fmtp, ==, "0-16");

  const sdp_codec g729[] = { { "G729", 8000, 1, 18, NULL } };
  GArray *none = NULL;
  g_assert_cmpint(sdp_sip_codecs_from_browser_offer(browser, g729, 1, &none, &reason), ==, -ENOTSUP);
  g_assert_null(none);
}

static char *
golden_name(const sdp_sip_kx_policy *pol)
{
  GString *name = g_string_new("sdp/sip/golden/offer");
  const sdp_sip_key_exchange canon[] = { SDP_SIP_KX_SDES, SDP_SIP_KX_DTLS_SRTP, SDP_SIP_KX_RTP };
  for (guint i = 0; i < G_N_ELEMENTS(canon); i++)
    if (sdp_sip_kx_policy_has(pol, canon[i]))
      g_string_append_printf(name, "-%s", sdp_sip_kx_name(canon[i]));
  g_string_append(name, ".sdp");
  return g_string_free(name, FALSE);
}

/* The Chromium offer in, the SIP offer out, for every order of every set. */
static void
test_offer_golden_every_policy(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(all_policies); i++) {
    g_autoptr(sdp_session) offer = our_offer(all_policies[i]);
    sdp_sip_kx_policy pol = policy(all_policies[i]);
    g_autofree char *name = golden_name(&pol);
    g_test_message("policy %s -> %s", all_policies[i], name);
    assert_golden(offer, name);
  }
}

static void
test_offer_options(void)
{
  g_autoptr(sdp_session) browser = NULL;
  g_autoptr(GArray) codecs = chromium_codecs(&browser);
  sdp_sip_offer_params p = offer_params(codecs, NULL);
  const char *reason = NULL;
  p.connection_address = "2001:db8::1";
  p.rtcp_port = 47020;
  p.no_rtcp_mux = TRUE;
  p.ptime = 30;
  p.direction = SDP_DIRECTION_SENDONLY;
  g_autoptr(sdp_session) s = sdp_sip_offer(&p, &reason);
  g_assert_nonnull(s);
  const sdp_media *m = s->media->pdata[0];
  g_assert_cmpstr(s->connection.addrtype, ==, "IP6");
  g_assert_cmpstr(s->origin_addrtype, ==, "IP6");
  g_assert_true(m->has_rtcp);
  g_assert_cmpuint(m->rtcp_port, ==, 47020);
  g_assert_false(m->rtcp_mux);
  g_assert_cmpint(m->direction, ==, SDP_DIRECTION_SENDONLY);
  g_assert_true(sdp_sip_is_hold(s));
  g_autofree char *text = sdp_session_write(s);
  g_assert_nonnull(strstr(text, "a=ptime:30\r\n"));
  g_assert_nonnull(strstr(text, "a=rtcp:47020\r\n"));

  /* Refusals. */
  const struct {
    const char *what;
    const char *reason;
  } bad[] = {
    { "address", "the gateway's media address is missing or not an IP address" },
    { "port", "the gateway's RTP or RTCP port is out of range" },
    { "codecs", "no audio codec to offer" },
    { "crypto", "SDES is listed but no a=crypto line was given" },
    { "badcrypto", "an a=crypto value to offer is malformed" },
    { "fingerprint", "DTLS-SRTP is listed but no fingerprint was given" },
    { "pt", "two audio codecs to offer share a payload type" },
  };
  const char *const broken_crypto[] = { "1 AES_CM_128_HMAC_SHA1_80" };
  const sdp_codec twice[] = { { "PCMU", 8000, 1, 0, NULL }, { "PCMA", 8000, 1, 0, NULL } };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    sdp_sip_offer_params q = offer_params(codecs, NULL);
    if (i == 0)
      q.connection_address = "gateway.example.com";
    else if (i == 1)
      q.rtp_port = 65535;
    else if (i == 2)
      q.n_codecs = 0;
    else if (i == 3)
      q.n_crypto = 0;
    else if (i == 4)
      q.crypto = broken_crypto, q.n_crypto = 1;
    else if (i == 5)
      q.fingerprint = NULL;
    else
      q.codecs = twice, q.n_codecs = 2;
    reason = NULL;
    g_assert_null(sdp_sip_offer(&q, &reason));
    g_assert_cmpstr(reason, ==, bad[i].reason);
  }
  /* rtp alone needs neither keys nor fingerprint. */
  sdp_sip_kx_policy rtp = policy("rtp");
  sdp_sip_offer_params q = offer_params(codecs, &rtp);
  q.crypto = NULL, q.n_crypto = 0, q.fingerprint = NULL;
  g_autoptr(sdp_session) plain = sdp_sip_offer(&q, &reason);
  g_assert_nonnull(plain);
}

/* --- answers to our offer --- */

/* Results borrow from the offer: offers live until the end of the run. */
static GPtrArray *kept_offers;

static void
read_answer(const char *offer_policy, sdp_session *answer, sdp_sip_answer_result *r, int want,
            const char *want_reason)
{
  sdp_session *offer = our_offer(offer_policy);
  const char *reason = NULL;
  g_ptr_array_add(kept_offers, offer);
  int rc = sdp_sip_parse_answer(offer, answer, r, &reason);
  if (rc != 0)
    g_test_message("refused: %s", reason);
  g_assert_cmpint(rc, ==, want);
  if (want_reason)
    g_assert_cmpstr(reason, ==, want_reason);
}

static void
assert_codec(const sdp_sip_answer_result *r, guint i, guint local, guint remote, const char *enc)
{
  g_assert_cmpuint(i, <, r->codecs->len);
  const sdp_negotiated_codec *c = &g_array_index(r->codecs, sdp_negotiated_codec, i);
  g_assert_cmpuint(c->local_pt, ==, local);
  g_assert_cmpuint(c->remote_pt, ==, remote);
  g_assert_cmpstr(c->encoding, ==, enc);
}

static void
test_answer_baresip_plain(void)
{
  g_autoptr(sdp_session) a = parse_fixture("sdp/sip/answer-baresip-plain.sdp");
  g_auto(sdp_sip_answer_result) r = { 0 };
  read_answer("sdes,dtls-srtp,rtp", a, &r, 0, NULL);
  g_assert_true(r.accepted);
  g_assert_cmpint(r.kx, ==, SDP_SIP_KX_RTP);
  g_assert_cmpstr(r.rtp_address, ==, "192.0.2.10");
  g_assert_cmpuint(r.rtp_port, ==, 10054);
  g_assert_cmpstr(r.rtcp_address, ==, "192.0.2.10");
  g_assert_cmpuint(r.rtcp_port, ==, 10055);
  g_assert_false(r.ipv6);
  g_assert_false(r.rtcp_mux);
  g_assert_false(r.hold);
  g_assert_cmpint(r.direction, ==, SDP_DIRECTION_SENDRECV);
  g_assert_cmpuint(r.codecs->len, ==, 2);
  assert_codec(&r, 0, 111, 111, "opus");
  g_assert_cmpuint(g_array_index(r.codecs, sdp_negotiated_codec, 0).channels, ==, 2);
  g_assert_cmpuint(g_array_index(r.codecs, sdp_negotiated_codec, 0).clock_rate, ==, 48000);
  assert_codec(&r, 1, 126, 126, "telephone-event");
  g_assert_cmpint(r.telephone_event_pt, ==, 126);
  g_assert_cmpint(r.local_telephone_event_pt, ==, 126);
  g_assert_cmpuint(r.ptime, ==, 20);
  g_assert_null(r.crypto);
}

static void
test_answer_baresip_sdes(void)
{
  g_autoptr(sdp_session) a80 = parse_fixture("sdp/sip/answer-baresip-sdes80.sdp");
  g_auto(sdp_sip_answer_result) r = { 0 };
  read_answer("sdes,dtls-srtp,rtp", a80, &r, 0, NULL);
  g_assert_true(r.accepted);
  g_assert_cmpint(r.kx, ==, SDP_SIP_KX_SDES);
  g_assert_cmpuint(r.crypto_tag, ==, 1);
  g_assert_cmpstr(r.crypto, ==, "1 AES_CM_128_HMAC_SHA1_80 inline:s0cYk5uEyrUSPR3m4gdWWzNWQRHQAyYjJJNoYvuP");
  g_assert_cmpstr(r.offer_crypto, ==, CRYPTO_80);
  g_assert_true(r.rtcp_mux);
  g_assert_cmpuint(r.rtcp_port, ==, 10000);
  assert_codec(&r, 0, 0, 0, "PCMU");

  /* The _32 variant answers in RTP/SAVP to our best-effort RTP/AVP. */
  g_autoptr(sdp_session) a32 = parse_fixture("sdp/sip/answer-baresip-sdes32.sdp");
  g_auto(sdp_sip_answer_result) r32 = { 0 };
  read_answer("sdes,dtls-srtp,rtp", a32, &r32, 0, NULL);
  g_assert_cmpint(r32.kx, ==, SDP_SIP_KX_SDES);
  g_assert_cmpuint(r32.crypto_tag, ==, 2);
  g_assert_cmpstr(r32.offer_crypto, ==, CRYPTO_32);
  g_assert_false(r32.rtcp_mux);
  g_assert_cmpuint(r32.rtcp_port, ==, 11001);
  assert_codec(&r32, 0, 9, 9, "G722");
  /* And to an SDES-only offer (RTP/SAVP). */
  g_auto(sdp_sip_answer_result) rs = { 0 };
  read_answer("sdes", a32, &rs, 0, NULL);
  g_assert_cmpint(rs.kx, ==, SDP_SIP_KX_SDES);
}

static void
test_answer_rtcp_ipv6(void)
{
  g_autoptr(sdp_session) a = parse_fixture("sdp/sip/answer-rtcp.sdp");
  g_auto(sdp_sip_answer_result) r = { 0 };
  read_answer("sdes,dtls-srtp,rtp", a, &r, 0, NULL);
  g_assert_cmpstr(r.rtp_address, ==, "192.0.2.33");
  g_assert_cmpuint(r.rtp_port, ==, 6000);
  g_assert_cmpstr(r.rtcp_address, ==, "192.0.2.34");
  g_assert_cmpuint(r.rtcp_port, ==, 6011);
  g_assert_cmpuint(r.ptime, ==, 30);
  assert_codec(&r, 0, 8, 8, "PCMA");

  g_autoptr(sdp_session) v6 = parse_fixture("sdp/sip/answer-ipv6.sdp");
  g_auto(sdp_sip_answer_result) r6 = { 0 };
  read_answer("rtp", v6, &r6, 0, NULL);
  g_assert_true(r6.ipv6);
  g_assert_cmpstr(r6.rtp_address, ==, "2001:db8::20"); /* media-level c= wins */
  g_assert_cmpuint(r6.rtcp_port, ==, 49171);
  g_assert_cmpint(r6.telephone_event_pt, ==, -1);
  g_assert_cmpuint(r6.codecs->len, ==, 2);
}

static void
test_answer_dtls(void)
{
  g_autoptr(sdp_session) a = parse_fixture("sdp/sip/answer-dtls-sha1.sdp");
  g_auto(sdp_sip_answer_result) r = { 0 };
  read_answer("dtls-srtp", a, &r, 0, NULL);
  g_assert_cmpint(r.kx, ==, SDP_SIP_KX_DTLS_SRTP);
  g_assert_cmpuint(r.fingerprints->len, ==, 1);
  g_assert_cmpint(g_array_index(r.fingerprints, fingerprint, 0).hash, ==, FINGERPRINT_HASH_SHA1);
  g_assert_cmpint(r.remote_setup, ==, SDP_SETUP_ACTIVE);
  g_assert_cmpint(r.local_setup, ==, SDP_SETUP_PASSIVE);
  assert_codec(&r, 0, 9, 9, "G722");
  /* UDP/TLS/RTP/SAVP to our best-effort RTP/AVP: the secure profile. */
  g_auto(sdp_sip_answer_result) rb = { 0 };
  read_answer("sdes,dtls-srtp,rtp", a, &rb, 0, NULL);
  g_assert_cmpint(rb.kx, ==, SDP_SIP_KX_DTLS_SRTP);
  /* Best effort RTP/AVP with a fingerprint, passive. */
  g_autoptr(sdp_session) be = parse_edited("sdp/sip/answer-dtls-sha1.sdp", "UDP/TLS/RTP/SAVP", "RTP/AVP");
  sdp_media *m = be->media->pdata[0];
  m->setup = SDP_SETUP_PASSIVE;
  g_auto(sdp_sip_answer_result) rp = { 0 };
  read_answer("dtls-srtp,rtp", be, &rp, 0, NULL);
  g_assert_cmpint(rp.kx, ==, SDP_SIP_KX_DTLS_SRTP);
  g_assert_cmpint(rp.local_setup, ==, SDP_SETUP_ACTIVE);
  /* No a=setup: read as active (RFC 4145). */
  m->setup = SDP_SETUP_NONE;
  g_auto(sdp_sip_answer_result) rn = { 0 };
  read_answer("dtls-srtp,rtp", be, &rn, 0, NULL);
  g_assert_cmpint(rn.remote_setup, ==, SDP_SETUP_ACTIVE);
  /* actpass in an answer is refused. */
  m->setup = SDP_SETUP_ACTPASS;
  g_auto(sdp_sip_answer_result) ra = { 0 };
  read_answer("dtls-srtp,rtp", be, &ra, -EPROTO, "the answer's a=setup must be active or passive");
  /* DTLS-SRTP answer to an offer without it. */
  g_auto(sdp_sip_answer_result) rx = { 0 };
  read_answer("sdes,rtp", a, &rx, -ENOTSUP, "the answer has a fingerprint but we did not offer DTLS-SRTP");
}

static void
test_answer_hold_rejected(void)
{
  g_autoptr(sdp_session) h = parse_fixture("sdp/sip/answer-hold.sdp");
  g_auto(sdp_sip_answer_result) r = { 0 };
  read_answer("sdes,dtls-srtp,rtp", h, &r, 0, NULL);
  g_assert_true(r.accepted);
  g_assert_true(r.hold);
  g_assert_cmpint(r.direction, ==, SDP_DIRECTION_SENDONLY);

  g_autoptr(sdp_session) z = parse_edited("sdp/sip/answer-baresip-plain.sdp", "IN IP4 192.0.2.10\nt=",
                                          "IN IP4 0.0.0.0\nt=");
  g_auto(sdp_sip_answer_result) rz = { 0 };
  read_answer("sdes,dtls-srtp,rtp", z, &rz, 0, NULL);
  g_assert_true(rz.hold);
  g_assert_cmpint(rz.direction, ==, SDP_DIRECTION_SENDRECV);

  g_autoptr(sdp_session) rej = parse_fixture("sdp/sip/answer-rejected.sdp");
  g_auto(sdp_sip_answer_result) rr = { 0 };
  read_answer("sdes,dtls-srtp,rtp", rej, &rr, 0, NULL);
  g_assert_false(rr.accepted);
  g_assert_null(rr.codecs);
}

static void
test_answer_refusals(void)
{
  const struct {
    const char *policy, *fixture, *from, *to;
    int rc;
    const char *reason;
  } cases[] = {
    { "sdes,dtls-srtp,rtp", "answer-baresip-plain.sdp", "111 126", "111 126 18", -ENOTSUP,
      "the answer has a codec we did not offer" },
    { "sdes,dtls-srtp,rtp", "answer-baresip-plain.sdp", "111 126", "126", -ENOTSUP,
      "the answer has no voice codec" },
    { "sdes,dtls-srtp,rtp", "answer-baresip-plain.sdp", "111 126", "111 99", -ENOTSUP,
      "the answer has a payload type without a known codec" },
    { "sdes,dtls-srtp,rtp", "answer-baresip-sdes80.sdp", "crypto:1 ", "crypto:7 ", -ENOTSUP,
      "the answer's a=crypto tag is not one we offered" },
    { "sdes,dtls-srtp,rtp", "answer-baresip-sdes80.sdp", "SHA1_80", "SHA1_32", -ENOTSUP,
      "the answer's a=crypto suite differs from ours with that tag" },
    { "dtls-srtp,rtp", "answer-baresip-sdes80.sdp", "SHA1_80", "SHA1_80", -ENOTSUP,
      "the answer has a=crypto but we did not offer SDES" },
    { "sdes,dtls-srtp,rtp", "answer-baresip-plain.sdp", "RTP/AVP", "RTP/SAVPF", -ENOTSUP,
      "the answer's proto does not match the offer's" },
    { "sdes,dtls-srtp,rtp", "answer-baresip-sdes80.sdp", "RTP/AVP", "RTP/SAVPF", -ENOTSUP,
      "the answer's proto does not match the offer's" },
    { "sdes,dtls-srtp", "answer-baresip-plain.sdp", "RTP/AVP", "RTP/SAVP", -ENOTSUP,
      "the answer has no key exchange but we required SRTP" },
    { "sdes,dtls-srtp,rtp", "answer-baresip-plain.sdp", "m=audio", "m=video", -EPROTO,
      "the answer's first m-line is not audio" },
    { "sdes,dtls-srtp,rtp", "answer-ipv6.sdp", "c=IN IP6 2001:db8::20\n", "", -EPROTO, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = g_strdup_printf("sdp/sip/%s", cases[i].fixture);
    g_autoptr(sdp_session) a = parse_edited(name, cases[i].from, cases[i].to);
    g_auto(sdp_sip_answer_result) r = { 0 };
    if (i == G_N_ELEMENTS(cases) - 1) {
      /* No c= anywhere. */
      g_clear_pointer(&a->connection.address, g_free);
    }
    read_answer(cases[i].policy, a, &r, cases[i].rc, cases[i].reason);
    g_assert_false(r.accepted);
  }
  /* No m-line at all. */
  g_autoptr(sdp_session) empty = parse_text("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n");
  g_auto(sdp_sip_answer_result) r = { 0 };
  read_answer("rtp", empty, &r, -EPROTO, "the answer has no m-line");
}

/* --- hold and changes --- */

static void
test_hold_and_changes(void)
{
  g_autoptr(sdp_session) plain = parse_fixture("sdp/sip/answer-baresip-plain.sdp");
  g_autoptr(sdp_session) hold = parse_fixture("sdp/sip/answer-hold.sdp");
  g_autoptr(sdp_session) rfc2543 = parse_edited("sdp/sip/answer-baresip-plain.sdp", "IN IP4 192.0.2.10\nt=",
                                                "IN IP4 0.0.0.0\nt=");
  g_autoptr(sdp_session) inactive = parse_edited("sdp/sip/answer-baresip-plain.sdp", "a=sendrecv", "a=inactive");
  g_autoptr(sdp_session) recvonly = parse_edited("sdp/sip/answer-baresip-plain.sdp", "a=sendrecv", "a=recvonly");
  g_assert_false(sdp_sip_is_hold(plain));
  g_assert_true(sdp_sip_is_hold(hold));
  g_assert_true(sdp_sip_is_hold(rfc2543));
  g_assert_true(sdp_sip_is_hold(inactive));
  g_assert_false(sdp_sip_is_hold(recvonly));

  g_assert_cmpuint(sdp_sip_changes(plain, plain), ==, 0);
  g_assert_cmpuint(sdp_sip_changes(plain, hold), ==, SDP_SIP_CHANGED_DIRECTION);
  g_assert_cmpuint(sdp_sip_changes(plain, rfc2543), ==, SDP_SIP_CHANGED_ADDRESS | SDP_SIP_CHANGED_DIRECTION);
  g_autoptr(sdp_session) moved = parse_edited("sdp/sip/answer-baresip-plain.sdp", "10054", "10056");
  g_assert_cmpuint(sdp_sip_changes(plain, moved), ==, SDP_SIP_CHANGED_ADDRESS);
  g_autoptr(sdp_session) codec = parse_edited("sdp/sip/answer-baresip-plain.sdp", "stereo=1;", "");
  g_assert_cmpuint(sdp_sip_changes(plain, codec), ==, SDP_SIP_CHANGED_CODECS);
  g_autoptr(sdp_session) sdes = parse_fixture("sdp/sip/answer-baresip-sdes80.sdp");
  g_autoptr(sdp_session) rekey = parse_edited("sdp/sip/answer-baresip-sdes80.sdp", "inline:s0cY", "inline:Zz9Y");
  g_assert_cmpuint(sdp_sip_changes(sdes, rekey), ==, SDP_SIP_CHANGED_KEYS);
  g_autoptr(sdp_session) dtls = parse_fixture("sdp/sip/answer-dtls-sha1.sdp");
  g_autoptr(sdp_session) newfp = parse_edited("sdp/sip/answer-dtls-sha1.sdp", "4A:AD", "4B:AD");
  g_assert_cmpuint(sdp_sip_changes(dtls, newfp), ==, SDP_SIP_CHANGED_KEYS);
  g_autoptr(sdp_session) rej = parse_fixture("sdp/sip/answer-rejected.sdp");
  g_assert_cmpuint(sdp_sip_changes(plain, rej), ==, SDP_SIP_CHANGED_MEDIA);
  g_assert_false(sdp_sip_is_hold(rej));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  kept_offers = g_ptr_array_new_with_free_func((GDestroyNotify)sdp_session_free);
  g_test_add_func("/sdp-sip/policy/parse", test_policy_parse);
  g_test_add_func("/sdp-sip/crypto/split", test_crypto_split);
  g_test_add_func("/sdp-sip/offer/codecs-from-chromium", test_codecs_from_chromium);
  g_test_add_func("/sdp-sip/offer/golden-every-policy", test_offer_golden_every_policy);
  g_test_add_func("/sdp-sip/offer/options-and-refusals", test_offer_options);
  g_test_add_func("/sdp-sip/answer/baresip-plain", test_answer_baresip_plain);
  g_test_add_func("/sdp-sip/answer/baresip-sdes", test_answer_baresip_sdes);
  g_test_add_func("/sdp-sip/answer/rtcp-ipv6", test_answer_rtcp_ipv6);
  g_test_add_func("/sdp-sip/answer/dtls", test_answer_dtls);
  g_test_add_func("/sdp-sip/answer/hold-rejected", test_answer_hold_rejected);
  g_test_add_func("/sdp-sip/answer/refusals", test_answer_refusals);
  g_test_add_func("/sdp-sip/hold-and-changes", test_hold_and_changes);
  int rc = g_test_run();
  g_ptr_array_unref(kept_offers);
  return rc;
}
