/* SIP leg, the phone offers: the key exchange chosen for every policy and
 * every offer shape (the table the SIP-DTLS issue asks for), the 488
 * reasons, the offer's fields, the browser-leg codec list, golden answers,
 * directions and setup roles, answer refusals, and every truncation of every
 * SIP fixture (parsed or refused cleanly, then inspected and answered). */
#include "tests/unit/sdp_sip_testutil.h"

static const char *const offers[] = {
  "sdp/sip/offer-baresip-plain.sdp",      "sdp/sip/offer-baresip-srtp.sdp",
  "sdp/sip/offer-baresip-srtp-mand.sdp",  "sdp/sip/offer-baresip-srtp-mandf.sdp",
  "sdp/sip/offer-baresip-dtls.sdp",       "sdp/sip/offer-crypto-fingerprint.sdp",
};

/* Expected choice per policy (rows, in all_policies order) and offer
 * (columns, in offers order): R rtp, S sdes, D dtls-srtp, - refused (488).
 * What each offer supports: plain {R}; srtp (RTP/AVP + crypto) {S,R};
 * srtp-mand (RTP/SAVP) {S}; srtp-mandf (RTP/SAVPF) {S}; dtls {D};
 * crypto+fingerprint in RTP/AVP {S,D,R}. */
static const char *const table[] = {
  /* sdes               */ "-SSS-S",
  /* dtls-srtp          */ "----DD",
  /* rtp                */ "RR---R",
  /* sdes,dtls-srtp     */ "-SSSDS",
  /* dtls-srtp,sdes     */ "-SSSDD",
  /* sdes,rtp           */ "RSSS-S",
  /* rtp,sdes           */ "RRSS-R",
  /* dtls-srtp,rtp      */ "RR--DD",
  /* rtp,dtls-srtp      */ "RR--DR",
  /* sdes,dtls-srtp,rtp */ "RSSSDS",
  /* sdes,rtp,dtls-srtp */ "RSSSDS",
  /* dtls-srtp,sdes,rtp */ "RSSSDD",
  /* dtls-srtp,rtp,sdes */ "RRSSDD",
  /* rtp,sdes,dtls-srtp */ "RRSSDR",
  /* rtp,dtls-srtp,sdes */ "RRSSDR",
};

static char
kx_letter(sdp_sip_key_exchange kx)
{
  switch (kx) {
  case SDP_SIP_KX_SDES:
    return 'S';
  case SDP_SIP_KX_DTLS_SRTP:
    return 'D';
  case SDP_SIP_KX_RTP:
    return 'R';
  default:
    return '-';
  }
}

static void
test_policy_table(void)
{
  G_STATIC_ASSERT(G_N_ELEMENTS(table) == G_N_ELEMENTS(all_policies));
  for (guint o = 0; o < G_N_ELEMENTS(offers); o++) {
    g_autoptr(sdp_session) offer = parse_fixture(offers[o]);
    for (guint p = 0; p < G_N_ELEMENTS(all_policies); p++) {
      sdp_sip_kx_policy pol = policy(all_policies[p]);
      g_auto(sdp_sip_offer_info) info = { 0 };
      const char *reason = NULL;
      int rc = sdp_sip_inspect_offer(offer, &pol, &info, &reason);
      char got = rc == 0 ? kx_letter(info.kx) : '-';
      if (got != table[p][o])
        g_error("offer %s, policy %s: got %c, want %c (%s)", offers[o], all_policies[p], got,
                table[p][o], reason ? reason : "");
      if (rc != 0) {
        g_assert_cmpint(rc, ==, -ENOTSUP);
        g_assert_nonnull(reason);
      }
      g_assert_true(info.kx != SDP_SIP_KX_SDES || info.crypto);
    }
  }
}

static void
inspect(const char *name, const sdp_sip_kx_policy *pol, sdp_sip_offer_info *info, int want,
        const char *want_reason)
{
  g_autoptr(sdp_session) offer = parse_fixture(name);
  const char *reason = NULL;
  g_assert_cmpint(sdp_sip_inspect_offer(offer, pol, info, &reason), ==, want);
  if (want_reason)
    g_assert_cmpstr(reason, ==, want_reason);
  /* Strings borrow from the offer: only the fields checked after this
   * call are plain values. */
  info->rtp_address = info->rtcp_address = info->proto = info->crypto = NULL;
  info->fingerprints = NULL;
}

static void
test_488_reasons(void)
{
  sdp_sip_kx_policy srtp = policy("sdes,dtls-srtp");
  g_auto(sdp_sip_offer_info) a = { 0 };
  inspect("sdp/sip/offer-baresip-plain.sdp", &srtp, &a, -ENOTSUP,
          "unencrypted RTP is not accepted: SRTP is required");
  const char *const gcm[] = { "AEAD_AES_256_GCM", NULL };
  sdp_sip_kx_policy only_gcm = policy("sdes");
  only_gcm.crypto_suites = gcm;
  g_auto(sdp_sip_offer_info) b = { 0 };
  inspect("sdp/sip/offer-baresip-srtp-mand.sdp", &only_gcm, &b, -ENOTSUP,
          "none of the offered SRTP crypto suites is supported");
  sdp_sip_kx_policy dtls = policy("dtls-srtp");
  g_auto(sdp_sip_offer_info) c = { 0 };
  inspect("sdp/sip/offer-baresip-srtp.sdp", &dtls, &c, -ENOTSUP,
          "the offer has no key exchange that is allowed here");
  g_autoptr(sdp_session) video_only = parse_edited("sdp/sip/offer-baresip-plain.sdp", "m=audio", "m=video");
  g_auto(sdp_sip_offer_info) d = { 0 };
  const char *reason = NULL;
  g_assert_cmpint(sdp_sip_inspect_offer(video_only, NULL, &d, &reason), ==, -EPROTO);
  g_assert_cmpstr(reason, ==, "the offer has no usable audio m-line");
}

static void
test_inspect_fields(void)
{
  g_autoptr(sdp_session) plain = parse_fixture("sdp/sip/offer-baresip-plain.sdp");
  g_auto(sdp_sip_offer_info) i = { 0 };
  const char *reason = NULL;
  g_assert_cmpint(sdp_sip_inspect_offer(plain, NULL, &i, &reason), ==, 0);
  g_assert_cmpint(i.kx, ==, SDP_SIP_KX_RTP);
  g_assert_cmpstr(i.rtp_address, ==, "192.0.2.10");
  g_assert_cmpuint(i.rtp_port, ==, 10054);
  g_assert_cmpuint(i.rtcp_port, ==, 10055);
  g_assert_false(i.rtcp_mux);
  g_assert_false(i.hold);
  g_assert_cmpuint(i.codecs->len, ==, 5);
  g_assert_cmpint(i.telephone_event_pt, ==, 101);
  g_assert_cmpuint(i.ptime, ==, 20);
  g_assert_true(i.offers_rtp && !i.offers_sdes && !i.offers_dtls);

  /* baresip srtp: AES_256 first (not in the default list), so tag 2. */
  g_autoptr(sdp_session) srtp = parse_fixture("sdp/sip/offer-baresip-srtp.sdp");
  g_auto(sdp_sip_offer_info) s = { 0 };
  g_assert_cmpint(sdp_sip_inspect_offer(srtp, NULL, &s, &reason), ==, 0);
  g_assert_cmpint(s.kx, ==, SDP_SIP_KX_SDES);
  g_assert_cmpuint(s.crypto_tag, ==, 2);
  g_assert_true(g_str_has_prefix(s.crypto, "2 AES_CM_128_HMAC_SHA1_80 inline:"));
  g_assert_true(s.rtcp_mux);
  const char *const with256[] = { "AES_256_CM_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_80", NULL };
  sdp_sip_kx_policy pol = *sdp_sip_kx_policy_default();
  pol.crypto_suites = with256;
  g_auto(sdp_sip_offer_info) s2 = { 0 };
  g_assert_cmpint(sdp_sip_inspect_offer(srtp, &pol, &s2, &reason), ==, 0);
  g_assert_cmpuint(s2.crypto_tag, ==, 1);

  /* baresip dtls_srtp: session-level fingerprint, media-level setup. */
  g_autoptr(sdp_session) dtls = parse_fixture("sdp/sip/offer-baresip-dtls.sdp");
  g_auto(sdp_sip_offer_info) d = { 0 };
  g_assert_cmpint(sdp_sip_inspect_offer(dtls, NULL, &d, &reason), ==, 0);
  g_assert_cmpint(d.kx, ==, SDP_SIP_KX_DTLS_SRTP);
  g_assert_cmpint(d.offer_hash, ==, FINGERPRINT_HASH_SHA256);
  g_assert_cmpuint(d.fingerprints->len, ==, 1);
  g_assert_cmpint(d.offer_setup, ==, SDP_SETUP_ACTPASS);
  g_assert_cmpint(d.local_setup, ==, SDP_SETUP_ACTIVE);
  g_assert_null(d.crypto);

  /* Hold offers. */
  g_autoptr(sdp_session) held = parse_edited("sdp/sip/offer-baresip-plain.sdp", "a=sendrecv", "a=sendonly");
  g_auto(sdp_sip_offer_info) h = { 0 };
  g_assert_cmpint(sdp_sip_inspect_offer(held, NULL, &h, &reason), ==, 0);
  g_assert_true(h.hold);
  g_assert_cmpint(h.direction, ==, SDP_DIRECTION_SENDONLY);
}

static void
test_browser_codecs(void)
{
  g_autoptr(sdp_session) plain = parse_fixture("sdp/sip/offer-baresip-plain.sdp");
  g_auto(sdp_sip_offer_info) i = { 0 };
  const char *reason = NULL;
  g_assert_cmpint(sdp_sip_inspect_offer(plain, NULL, &i, &reason), ==, 0);
  g_autoptr(GArray) c = sdp_sip_browser_codecs(&i, NULL, 0);
  const guint want[] = { 96, 9, 0, 8, 101 };
  g_assert_cmpuint(c->len, ==, G_N_ELEMENTS(want));
  for (guint k = 0; k < c->len; k++)
    g_assert_cmpuint(g_array_index(c, sdp_codec, k).pt, ==, want[k]);
  g_assert_cmpstr(g_array_index(c, sdp_codec, 0).fmtp, ==, "stereo=1;sprop-stereo=1");

  /* A phone's opus on 72 cannot go to a browser leg with rtcp-mux. */
  g_autoptr(sdp_session) p72 = parse_edited("sdp/sip/offer-baresip-plain.sdp", "96", "72");
  g_auto(sdp_sip_offer_info) j = { 0 };
  g_assert_cmpint(sdp_sip_inspect_offer(p72, NULL, &j, &reason), ==, 0);
  g_autoptr(GArray) d = sdp_sip_browser_codecs(&j, NULL, 0);
  g_assert_cmpuint(g_array_index(d, sdp_codec, 0).pt, ==, 96);
  g_assert_cmpstr(g_array_index(d, sdp_codec, 0).encoding, ==, "opus");

  /* G729 only: nothing for the browser. */
  g_autoptr(sdp_session) g729 = parse_edited("sdp/sip/offer-baresip-plain.sdp", "96 9 0 8 101", "18");
  g_auto(sdp_sip_offer_info) k = { 0 };
  g_assert_cmpint(sdp_sip_inspect_offer(g729, NULL, &k, &reason), ==, 0);
  g_autoptr(GArray) e = sdp_sip_browser_codecs(&k, NULL, 0);
  g_assert_cmpuint(e->len, ==, 0);
}

static sdp_sip_answer_params
answer_params(const GArray *codecs, sdp_sip_key_exchange kx, const char *crypto)
{
  load_gateway_fp();
  sdp_sip_answer_params p = {
    .session_id = 5250914426115620000ull,
    .session_version = 1,
    .connection_address = GW_ADDRESS,
    .rtp_port = RTP_PORT,
    .rtcp_mux = TRUE,
    .codecs = (const sdp_codec *)codecs->data,
    .n_codecs = codecs->len,
    .ptime = 20,
    .kx = kx,
    .crypto = crypto,
    .fingerprint = &gateway_fp,
  };
  return p;
}

/* Our crypto line for the offer's chosen one: its tag and suite. */
static char *
answer_crypto(const sdp_sip_offer_info *info)
{
  guint tag;
  const char *suite;
  gsize len;
  if (info->kx != SDP_SIP_KX_SDES)
    return NULL;
  g_assert_true(sdp_sip_crypto_split(info->crypto, &tag, &suite, &len));
  return g_strdup_printf("%u %.*s inline:%s", tag, (int)len, suite, ANSWER_KEY);
}

static sdp_session *
answer_fixture(const char *name, const char *policy_text, sdp_direction dir)
{
  g_autoptr(sdp_session) offer = parse_fixture(name);
  sdp_sip_kx_policy pol = policy(policy_text);
  g_auto(sdp_sip_offer_info) info = { 0 };
  const char *reason = NULL;
  g_assert_cmpint(sdp_sip_inspect_offer(offer, &pol, &info, &reason), ==, 0);
  g_autoptr(GArray) codecs = sdp_sip_browser_codecs(&info, NULL, 0);
  g_autofree char *crypto = answer_crypto(&info);
  sdp_sip_answer_params p = answer_params(codecs, info.kx, crypto);
  p.direction = dir;
  sdp_session *a = sdp_sip_answer(offer, &p, &reason);
  if (!a)
    g_error("%s: %s", name, reason);
  return a;
}

static void
test_answers_golden(void)
{
  for (guint o = 0; o < G_N_ELEMENTS(offers); o++) {
    g_autoptr(sdp_session) a = answer_fixture(offers[o], "sdes,dtls-srtp,rtp", SDP_DIRECTION_NONE);
    g_autofree char *base = g_path_get_basename(offers[o]);
    g_autofree char *golden = g_strdup_printf("sdp/sip/golden/answer-to-%s", base);
    assert_golden(a, golden);
  }
  g_autoptr(sdp_session) d = answer_fixture("sdp/sip/offer-crypto-fingerprint.sdp", "dtls-srtp,sdes,rtp",
                                            SDP_DIRECTION_NONE);
  assert_golden(d, "sdp/sip/golden/answer-to-offer-crypto-fingerprint-dtls-first.sdp");
  g_autoptr(sdp_session) r = answer_fixture("sdp/sip/offer-crypto-fingerprint.sdp", "rtp,sdes,dtls-srtp",
                                            SDP_DIRECTION_NONE);
  assert_golden(r, "sdp/sip/golden/answer-to-offer-crypto-fingerprint-rtp-first.sdp");
}

static sdp_direction
answered_direction(const char *from, const char *to, sdp_direction ours)
{
  g_autoptr(sdp_session) offer = parse_edited("sdp/sip/offer-baresip-plain.sdp", from, to);
  g_auto(sdp_sip_offer_info) info = { 0 };
  const char *reason = NULL;
  g_assert_cmpint(sdp_sip_inspect_offer(offer, NULL, &info, &reason), ==, 0);
  g_autoptr(GArray) codecs = sdp_sip_browser_codecs(&info, NULL, 0);
  sdp_sip_answer_params p = answer_params(codecs, info.kx, NULL);
  p.direction = ours;
  g_autoptr(sdp_session) a = sdp_sip_answer(offer, &p, &reason);
  g_assert_nonnull(a);
  return ((sdp_media *)a->media->pdata[0])->direction;
}

static void
test_answer_directions_and_roles(void)
{
  g_assert_cmpint(answered_direction("a=sendrecv", "a=sendrecv", SDP_DIRECTION_NONE), ==, SDP_DIRECTION_SENDRECV);
  g_assert_cmpint(answered_direction("a=sendrecv", "a=sendonly", SDP_DIRECTION_NONE), ==, SDP_DIRECTION_RECVONLY);
  g_assert_cmpint(answered_direction("a=sendrecv", "a=recvonly", SDP_DIRECTION_NONE), ==, SDP_DIRECTION_SENDONLY);
  g_assert_cmpint(answered_direction("a=sendrecv", "a=inactive", SDP_DIRECTION_NONE), ==, SDP_DIRECTION_INACTIVE);
  g_assert_cmpint(answered_direction("a=sendrecv\n", "", SDP_DIRECTION_NONE), ==, SDP_DIRECTION_SENDRECV);
  g_assert_cmpint(answered_direction("a=sendrecv", "a=sendrecv", SDP_DIRECTION_SENDONLY), ==, SDP_DIRECTION_SENDONLY);
  g_assert_cmpint(answered_direction("a=sendrecv", "a=sendonly", SDP_DIRECTION_SENDONLY), ==, SDP_DIRECTION_INACTIVE);

  const struct {
    const char *offered;
    sdp_setup want;
  } roles[] = { { "a=setup:actpass", SDP_SETUP_ACTIVE },
                { "a=setup:active", SDP_SETUP_PASSIVE },
                { "a=setup:passive", SDP_SETUP_ACTIVE },
                { "", SDP_SETUP_PASSIVE } };
  for (guint i = 0; i < G_N_ELEMENTS(roles); i++) {
    g_autoptr(sdp_session) offer = parse_edited("sdp/sip/offer-baresip-dtls.sdp", "a=setup:actpass", roles[i].offered);
    g_auto(sdp_sip_offer_info) info = { 0 };
    const char *reason = NULL;
    g_assert_cmpint(sdp_sip_inspect_offer(offer, NULL, &info, &reason), ==, 0);
    g_assert_cmpint(info.local_setup, ==, roles[i].want);
    g_autoptr(GArray) codecs = sdp_sip_browser_codecs(&info, NULL, 0);
    sdp_sip_answer_params p = answer_params(codecs, info.kx, NULL);
    g_autoptr(sdp_session) a = sdp_sip_answer(offer, &p, &reason);
    g_assert_nonnull(a);
    g_assert_cmpint(((sdp_media *)a->media->pdata[0])->setup, ==, roles[i].want);
  }
}

static void
test_answer_refusals(void)
{
  g_autoptr(sdp_session) mand = parse_fixture("sdp/sip/offer-baresip-srtp-mand.sdp");
  g_autoptr(sdp_session) plain = parse_fixture("sdp/sip/offer-baresip-plain.sdp");
  g_autoptr(sdp_session) dtls = parse_fixture("sdp/sip/offer-baresip-dtls.sdp");
  const sdp_codec pcmu[] = { { "PCMU", 8000, 1, 0, NULL } };
  const sdp_codec g729[] = { { "G729", 8000, 1, 18, NULL } };
  GArray pcmu_arr = { (gchar *)pcmu, 1 }, g729_arr = { (gchar *)g729, 1 };
  const struct {
    const sdp_session *offer;
    const GArray *codecs;
    sdp_sip_key_exchange kx;
    const char *crypto;
    const char *reason;
  } cases[] = {
    { mand, &pcmu_arr, SDP_SIP_KX_RTP, NULL, "the offer requires SRTP: plain RTP cannot answer it" },
    { dtls, &pcmu_arr, SDP_SIP_KX_RTP, NULL, "the offer requires SRTP: plain RTP cannot answer it" },
    { mand, &pcmu_arr, SDP_SIP_KX_SDES, "9 AES_CM_128_HMAC_SHA1_80 inline:" ANSWER_KEY,
      "our a=crypto tag and suite are not among the offer's" },
    { mand, &pcmu_arr, SDP_SIP_KX_SDES, "2 AES_CM_128_HMAC_SHA1_32 inline:" ANSWER_KEY,
      "our a=crypto tag and suite are not among the offer's" },
    { mand, &pcmu_arr, SDP_SIP_KX_SDES, "2 AES_CM_128_HMAC_SHA1_80", "our a=crypto value is missing or malformed" },
    { dtls, &pcmu_arr, SDP_SIP_KX_SDES, "1 AES_CM_128_HMAC_SHA1_80 inline:" ANSWER_KEY,
      "SDES cannot be used with the offer's transport" },
    { plain, &pcmu_arr, SDP_SIP_KX_DTLS_SRTP, NULL, "the offer has no fingerprint for DTLS-SRTP" },
    { plain, &g729_arr, SDP_SIP_KX_RTP, NULL, "no voice codec in common with the offer" },
    { plain, &pcmu_arr, SDP_SIP_KX_NONE, NULL, "no key exchange was chosen" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    sdp_sip_answer_params p = answer_params(cases[i].codecs, cases[i].kx, cases[i].crypto);
    const char *reason = NULL;
    g_assert_null(sdp_sip_answer(cases[i].offer, &p, &reason));
    g_assert_cmpstr(reason, ==, cases[i].reason);
  }
  sdp_sip_answer_params p = answer_params(&pcmu_arr, SDP_SIP_KX_RTP, NULL);
  const char *reason = NULL;
  p.connection_address = NULL;
  g_assert_null(sdp_sip_answer(plain, &p, &reason));
  p = answer_params(&pcmu_arr, SDP_SIP_KX_RTP, NULL);
  p.rtp_port = 0;
  g_assert_null(sdp_sip_answer(plain, &p, &reason));
  g_assert_cmpstr(reason, ==, "the gateway's RTP or RTCP port is out of range");
  /* An offer with audio and video: video rejected, audio answered. */
  g_autoptr(sdp_session) av = parse_edited("sdp/sip/offer-baresip-plain.sdp", "a=ptime:20\n",
                                           "a=ptime:20\nm=video 10056 RTP/AVP 96\na=rtpmap:96 H264/90000\n");
  p = answer_params(&pcmu_arr, SDP_SIP_KX_RTP, NULL);
  g_autoptr(sdp_session) a = sdp_sip_answer(av, &p, &reason);
  g_assert_nonnull(a);
  g_assert_cmpuint(a->media->len, ==, 2);
  g_assert_cmpuint(((sdp_media *)a->media->pdata[1])->port, ==, 0);
  g_assert_cmpstr(((sdp_media *)a->media->pdata[1])->media, ==, "video");
}

/* Every truncation of every SIP fixture parses or is refused cleanly, and
 * what parses goes through inspect/answer and answer-reading. */
static void
test_fixtures_truncated(void)
{
  g_autofree char *dir_path = testutil_data_path("sdp/sip");
  g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
  const char *name;
  guint ok = 0, refused = 0, answered = 0;
  g_autoptr(sdp_session) our = NULL;
  {
    const sdp_codec codecs[] = { { "opus", 48000, 2, 111, NULL }, { "PCMU", 8000, 1, 0, NULL },
                                 { "telephone-event", 8000, 1, 126, "0-15" } };
    load_gateway_fp();
    sdp_sip_offer_params op = { .connection_address = GW_ADDRESS, .rtp_port = RTP_PORT,
                                .codecs = codecs, .n_codecs = 3, .crypto = gateway_crypto,
                                .n_crypto = 2, .fingerprint = &gateway_fp };
    const char *reason = NULL;
    our = sdp_sip_offer(&op, &reason);
    g_assert_nonnull(our);
  }
  g_assert_nonnull(dir);
  while ((name = g_dir_read_name(dir))) {
    if (!g_str_has_suffix(name, ".sdp"))
      continue;
    g_autofree char *rel = g_strdup_printf("sdp/sip/%s", name);
    g_autoptr(GBytes) data = testutil_load(rel);
    gsize size = g_bytes_get_size(data);
    for (gsize len = 0; len <= size; len++) {
      g_autofree char *copy = g_memdup2(g_bytes_get_data(data, NULL), len ? len : 1);
      sdp_session *s = NULL;
      const char *reason = NULL;
      int rc = sdp_session_parse(copy, len, SDP_PARSE_ALLOW_MISSING_S_T, &s, &reason);
      if (rc != 0) {
        g_assert_cmpint(rc, <, 0);
        g_assert_nonnull(reason);
        g_assert_null(s);
        refused++;
        continue;
      }
      ok++;
      g_auto(sdp_sip_offer_info) info = { 0 };
      if (sdp_sip_inspect_offer(s, NULL, &info, &reason) == 0) {
        g_autoptr(GArray) codecs = sdp_sip_browser_codecs(&info, NULL, 0);
        g_autofree char *crypto = answer_crypto(&info);
        if (codecs->len) {
          sdp_sip_answer_params p = answer_params(codecs, info.kx, crypto);
          g_autoptr(sdp_session) a = sdp_sip_answer(s, &p, &reason);
          answered += a != NULL;
        }
      } else {
        g_assert_nonnull(reason);
      }
      g_auto(sdp_sip_answer_result) r = { 0 };
      if (sdp_sip_parse_answer(our, s, &r, &reason) != 0)
        g_assert_nonnull(reason);
      (void)sdp_sip_is_hold(s);
      g_assert_cmpuint(sdp_sip_changes(s, s), ==, 0);
      sdp_session_free(s);
    }
  }
  g_test_message("%u parsed, %u refused, %u answered", ok, refused, answered);
  g_assert_cmpuint(ok, >, 0);
  g_assert_cmpuint(answered, >, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp-sip/incoming/policy-table", test_policy_table);
  g_test_add_func("/sdp-sip/incoming/488-reasons", test_488_reasons);
  g_test_add_func("/sdp-sip/incoming/inspect-fields", test_inspect_fields);
  g_test_add_func("/sdp-sip/incoming/browser-codecs", test_browser_codecs);
  g_test_add_func("/sdp-sip/incoming/answers-golden", test_answers_golden);
  g_test_add_func("/sdp-sip/incoming/directions-and-roles", test_answer_directions_and_roles);
  g_test_add_func("/sdp-sip/incoming/answer-refusals", test_answer_refusals);
  g_test_add_func("/sdp-sip/fixtures-truncated", test_fixtures_truncated);
  return g_test_run();
}
