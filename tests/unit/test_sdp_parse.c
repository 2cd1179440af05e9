/* SDP parser and writer: every fixture of tests/data/sdp/ (real Chromium and
 * Firefox SDP, RFC 4317, SIP phones) parses, round-trips and survives every
 * truncation; field checks on each kind; every malformed case has a reason. */
#include <errno.h>
#include <string.h>

#include "signalling/sdp/sdp.h"
#include "tests/unit/testutil.h"

/* Names of every *.sdp directly under tests/data/sdp/. Caller frees. */
static GPtrArray *
fixture_names(void)
{
  g_autofree char *dir_path = testutil_data_path("sdp");
  g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  g_assert_nonnull(dir);
  while ((name = g_dir_read_name(dir)))
    if (g_str_has_suffix(name, ".sdp"))
      g_ptr_array_add(names, g_strdup_printf("sdp/%s", name));
  g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
  return names;
}

static sdp_session *
parse_fixture(const char *name)
{
  g_autoptr(GBytes) data = testutil_load(name);
  sdp_session *s = NULL;
  const char *reason = NULL;
  int rc = sdp_session_parse(g_bytes_get_data(data, NULL), g_bytes_get_size(data), 0, &s, &reason);
  if (rc != 0)
    g_error("%s: %s", name, reason);
  return s;
}

static sdp_session *
parse_text(const char *text)
{
  sdp_session *s = NULL;
  const char *reason = NULL;
  if (sdp_session_parse(text, strlen(text), 0, &s, &reason) != 0)
    g_error("parse failed: %s\n%s", reason, text);
  return s;
}

static void
assert_round_trip(const sdp_session *s)
{
  g_autofree char *text = sdp_session_write(s);
  g_autoptr(sdp_session) again = NULL;
  const char *reason = NULL;
  g_assert_cmpint(sdp_session_parse(text, strlen(text), 0, &again, &reason), ==, 0);
  g_assert_true(sdp_session_equal(s, again));
  g_autofree char *text2 = sdp_session_write(again);
  g_assert_cmpstr(text, ==, text2);
  /* CRLF everywhere, no bare LF. */
  for (const char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
    g_assert_cmpint(p[-1], ==, '\r');
}

static void
test_fixtures_round_trip(void)
{
  g_autoptr(GPtrArray) names = fixture_names();
  g_assert_cmpuint(names->len, >=, 20);
  for (guint i = 0; i < names->len; i++) {
    g_autoptr(sdp_session) s = parse_fixture(names->pdata[i]);
    assert_round_trip(s);
  }
}

static void
test_fixtures_truncated(void)
{
  g_autoptr(GPtrArray) names = fixture_names();
  guint ok = 0, refused = 0;
  for (guint i = 0; i < names->len; i++) {
    g_autoptr(GBytes) data = testutil_load(names->pdata[i]);
    gsize size = g_bytes_get_size(data);
    for (gsize len = 0; len < size; len++) {
      /* An exact-size copy so ASan sees any overread. */
      g_autofree char *copy = g_memdup2(g_bytes_get_data(data, NULL), len ? len : 1);
      sdp_session *s = NULL;
      const char *reason = NULL;
      int rc = sdp_session_parse(copy, len, 0, &s, &reason);
      if (rc == 0) {
        assert_round_trip(s);
        sdp_session_free(s);
        ok++;
      } else {
        g_assert_cmpint(rc, <, 0);
        g_assert_nonnull(reason);
        g_assert_null(s);
        refused++;
      }
    }
  }
  g_test_message("truncations: %u parsed, %u refused", ok, refused);
  g_assert_cmpuint(ok, >, 0);
  g_assert_cmpuint(refused, >, 0);
}

static void
test_chromium_audio_offer(void)
{
  g_autoptr(sdp_session) s = parse_fixture("sdp/chromium-audio-offer.sdp");
  g_assert_cmpstr(s->origin_username, ==, "-");
  g_assert_cmpstr(s->origin_sess_id, ==, "8454093377823744873");
  g_assert_cmpstr(s->name, ==, "-");
  g_assert_cmpstr(s->msid_semantic, ==, "WMS 04e3b9dc-9084-4815-94ad-d9bcba3e134b");
  const sdp_group *b = sdp_session_group(s, "BUNDLE");
  g_assert_nonnull(b);
  g_assert_cmpuint(b->mids->len, ==, 1);
  g_assert_cmpstr(b->mids->pdata[0], ==, "0");
  g_assert_cmpuint(s->media->len, ==, 1);

  const sdp_media *m = s->media->pdata[0];
  g_assert_cmpint(m->type, ==, SDP_MEDIA_AUDIO);
  g_assert_cmpuint(m->port, ==, 46432);
  g_assert_cmpstr(m->proto, ==, "UDP/TLS/RTP/SAVPF");
  g_assert_cmpuint(m->formats->len, ==, 8);
  g_assert_cmpstr(m->connection.address, ==, "192.0.2.2");
  g_assert_true(m->has_rtcp);
  g_assert_cmpuint(m->rtcp_port, ==, 9);
  g_assert_cmpstr(m->rtcp_connection.address, ==, "0.0.0.0");
  g_assert_cmpuint(m->candidates->len, ==, 4);
  g_assert_false(m->end_of_candidates);
  const char *ufrag, *pwd;
  g_assert_true(sdp_media_ice_credentials(s, m, &ufrag, &pwd));
  g_assert_cmpstr(ufrag, ==, "Seo6");
  g_assert_cmpstr(pwd, ==, "FdHYKt6WRX0n1ZCq2uliMkQW");
  g_assert_true(sdp_media_has_ice_option(s, m, "trickle"));
  const GArray *fps = sdp_media_fingerprints(s, m);
  g_assert_cmpuint(fps->len, ==, 1);
  g_assert_cmpint(g_array_index(fps, fingerprint, 0).hash, ==, FINGERPRINT_HASH_SHA256);
  g_assert_cmpuint(g_array_index(fps, fingerprint, 0).digest[0], ==, 0xDE);
  g_assert_cmpint(sdp_media_setup(s, m), ==, SDP_SETUP_ACTPASS);
  g_assert_cmpstr(m->mid, ==, "0");
  g_assert_cmpuint(m->extmaps->len, ==, 4);
  g_assert_cmpuint(g_array_index(m->extmaps, sdp_extmap, 3).id, ==, 4);
  g_assert_cmpstr(g_array_index(m->extmaps, sdp_extmap, 3).uri, ==, "urn:ietf:params:rtp-hdrext:sdes:mid");
  g_assert_cmpint(m->direction, ==, SDP_DIRECTION_SENDRECV);
  g_assert_cmpuint(m->msids->len, ==, 1);
  g_assert_cmpstr(g_array_index(m->msids, sdp_msid, 0).track, ==, "3d1b0ac5-19ea-4eb1-9fd0-c6c8794fb770");
  g_assert_true(m->rtcp_mux);
  g_assert_true(m->rtcp_rsize);
  g_assert_cmpuint(m->rtpmaps->len, ==, 8);
  const sdp_rtpmap *opus = sdp_media_rtpmap(m, 111);
  g_assert_cmpstr(opus->encoding, ==, "opus");
  g_assert_cmpuint(opus->clock_rate, ==, 48000);
  g_assert_cmpuint(opus->channels, ==, 2);
  g_assert_cmpuint(sdp_media_rtpmap(m, 126)->clock_rate, ==, 8000);
  g_assert_cmpstr(sdp_media_fmtp(m, 111), ==, "minptime=10;useinbandfec=1");
  g_assert_cmpstr(sdp_media_fmtp(m, 63), ==, "111/111");
  g_assert_cmpuint(m->rtcp_fbs->len, ==, 1);
  g_assert_cmpstr(g_array_index(m->rtcp_fbs, sdp_rtcp_fb, 0).type, ==, "transport-cc");
  g_assert_cmpuint(m->ssrcs->len, ==, 2);
  g_assert_cmpuint(g_array_index(m->ssrcs, sdp_ssrc, 0).ssrc, ==, 194038805u);
  g_assert_cmpstr(g_array_index(m->ssrcs, sdp_ssrc, 0).attribute, ==, "cname");
  g_assert_cmpstr(g_array_index(m->ssrcs, sdp_ssrc, 0).value, ==, "lL2ri6UJLd5DxDLU");
  /* a=extmap-allow-mixed and a=rtcp-xr are kept as plain attributes. */
  g_assert_cmpuint(s->attributes->len, ==, 1);
  g_assert_cmpstr(g_array_index(s->attributes, sdp_attr, 0).name, ==, "extmap-allow-mixed");
  g_assert_cmpuint(m->attributes->len, ==, 1);
  g_assert_cmpstr(g_array_index(m->attributes, sdp_attr, 0).value, ==, "rcvr-rtt=all");
}

static void
test_chromium_av_and_trickle(void)
{
  g_autoptr(sdp_session) av = parse_fixture("sdp/chromium-av-offer.sdp");
  g_assert_cmpuint(av->media->len, ==, 2);
  const sdp_media *v = av->media->pdata[1];
  g_assert_cmpint(v->type, ==, SDP_MEDIA_VIDEO);
  g_assert_cmpstr(sdp_media_rtpmap(v, 96)->encoding, ==, "VP8");
  g_assert_cmpstr(sdp_media_fmtp(v, 97), ==, "apt=96");
  g_assert_cmpuint(v->ssrc_groups->len, ==, 1);
  g_assert_cmpstr(g_array_index(v->ssrc_groups, sdp_ssrc_group, 0).semantics, ==, "FID");
  g_assert_cmpuint(g_array_index(v->ssrc_groups, sdp_ssrc_group, 0).ssrcs->len, ==, 2);
  g_assert_cmpuint(sdp_session_group(av, "BUNDLE")->mids->len, ==, 2);

  g_autoptr(sdp_session) t = parse_fixture("sdp/chromium-audio-offer-trickle.sdp");
  const sdp_media *m = t->media->pdata[0];
  g_assert_cmpuint(m->candidates->len, ==, 0);
  g_assert_cmpuint(m->port, ==, 9);
  g_assert_cmpstr(m->connection.address, ==, "0.0.0.0");

  g_autoptr(sdp_session) dc = parse_fixture("sdp/chromium-audio-datachannel-offer.sdp");
  const sdp_media *app = dc->media->pdata[1];
  g_assert_cmpint(app->type, ==, SDP_MEDIA_APPLICATION);
  g_assert_cmpstr(app->proto, ==, "UDP/DTLS/SCTP");
  g_assert_cmpstr(app->formats->pdata[0], ==, "webrtc-datachannel");

  g_autoptr(sdp_session) mdns = parse_fixture("sdp/chromium-recvonly-mdns-offer.sdp");
  m = mdns->media->pdata[0];
  g_assert_cmpint(m->direction, ==, SDP_DIRECTION_RECVONLY);
  g_assert_cmpuint(m->candidates->len, >=, 1);
  const sdp_candidate *c = m->candidates->pdata[0];
  g_assert_cmpint(c->address_kind, ==, SDP_CANDIDATE_ADDRESS_MDNS);
  g_assert_cmpint(c->network_cost, ==, 999);

  g_autoptr(sdp_session) ans = parse_fixture("sdp/chromium-answer.sdp");
  g_assert_cmpint(sdp_media_setup(ans, ans->media->pdata[0]), ==, SDP_SETUP_ACTIVE);
  g_assert_cmpint(((sdp_media *)ans->media->pdata[1])->direction, ==, SDP_DIRECTION_RECVONLY);
}

static void
test_firefox_offer(void)
{
  g_autoptr(sdp_session) s = parse_fixture("sdp/firefox-audio-offer.sdp");
  g_assert_cmpstr(s->origin_username, ==, "mozilla...THIS_IS_SDPARTA-99.0");
  g_assert_cmpint(s->direction, ==, SDP_DIRECTION_SENDRECV);
  g_assert_cmpstr(s->msid_semantic, ==, "WMS *");
  g_assert_cmpstr(s->ice_options, ==, "trickle");
  g_assert_cmpuint(s->fingerprints->len, ==, 1);
  const sdp_media *m = s->media->pdata[0];
  /* The fingerprint is session-level only; the lookup falls back to it. */
  g_assert_cmpuint(m->fingerprints->len, ==, 0);
  g_assert_cmpuint(sdp_media_fingerprints(s, m)->len, ==, 1);
  g_assert_true(sdp_media_has_ice_option(s, m, "trickle"));
  g_assert_true(m->end_of_candidates);
  g_assert_cmpuint(m->candidates->len, ==, 8);
  const sdp_candidate *c = m->candidates->pdata[4];
  g_assert_cmpuint(c->component, ==, 2);
  g_assert_cmpint(c->address_kind, ==, SDP_CANDIDATE_ADDRESS_MDNS);
  g_assert_cmpint(((sdp_candidate *)m->candidates->pdata[2])->tcptype, ==, SDP_CANDIDATE_TCPTYPE_ACTIVE);
  g_assert_cmpuint(m->rtcp_port, ==, 40934);
  g_assert_true(g_str_has_suffix(m->rtcp_connection.address, ".local"));
  g_assert_cmpint(g_array_index(m->extmaps, sdp_extmap, 1).direction, ==, SDP_DIRECTION_RECVONLY);
  g_assert_cmpuint(sdp_media_rtpmap(m, 9)->channels, ==, 1);
  g_assert_cmpstr(g_array_index(m->msids, sdp_msid, 0).stream, ==, "{d6bc6985-d893-4ebc-945b-7a7a6f68f60d}");
  g_assert_cmpuint(m->rtcp_fbs->len, ==, 4);
}

static void
test_rfc4317(void)
{
  g_autoptr(sdp_session) o = parse_fixture("sdp/rfc4317-2.1-offer.sdp");
  g_assert_cmpstr(o->name, ==, "");
  g_assert_cmpstr(o->connection.address, ==, "host.atlanta.example.com");
  g_assert_cmpuint(o->media->len, ==, 2);
  const sdp_media *a = o->media->pdata[0];
  g_assert_cmpstr(a->proto, ==, "RTP/AVP");
  g_assert_cmpstr(sdp_media_rtpmap(a, 97)->encoding, ==, "iLBC");
  g_assert_cmpint(sdp_media_direction(o, a), ==, SDP_DIRECTION_SENDRECV);

  g_autoptr(sdp_session) r = parse_fixture("sdp/rfc4317-2.2-answer.sdp");
  g_assert_true(sdp_media_is_rejected(r->media->pdata[1]));
  g_assert_false(sdp_media_is_rejected(r->media->pdata[0]));

  g_autoptr(sdp_session) two = parse_fixture("sdp/rfc4317-2.4-offer.sdp");
  g_assert_cmpint(sdp_media_direction(two, two->media->pdata[1]), ==, SDP_DIRECTION_SENDONLY);

  g_autoptr(sdp_session) c = parse_fixture("sdp/rfc4317-2.8-answer.sdp");
  g_assert_cmpstr(((sdp_media *)c->media->pdata[1])->connection.address, ==, "otherhost.biloxi.example.com");
  g_assert_null(((sdp_media *)c->media->pdata[0])->connection.address);
}

static void
test_sip_phones(void)
{
  g_autoptr(sdp_session) b = parse_fixture("sdp/sip-baresip-rtpavp.sdp");
  const sdp_media *m = b->media->pdata[0];
  g_assert_cmpstr(g_array_index(m->bandwidths, sdp_bandwidth, 0).type, ==, "AS");
  g_assert_cmpuint(g_array_index(m->bandwidths, sdp_bandwidth, 0).value, ==, 96);
  g_assert_false(m->rtcp_mux);

  g_autoptr(sdp_session) sdes = parse_fixture("sdp/sip-savp-two-crypto.sdp");
  m = sdes->media->pdata[0];
  g_assert_cmpstr(m->proto, ==, "RTP/SAVP");
  g_assert_cmpuint(m->crypto->len, ==, 2);
  g_assert_true(g_str_has_prefix(m->crypto->pdata[1], "2 AES_CM_128_HMAC_SHA1_32 inline:"));
  /* Static payload types without rtpmap are not invented. */
  g_assert_null(sdp_media_rtpmap(m, 18));

  g_autoptr(sdp_session) d = parse_fixture("sdp/sip-dtls-sha1-actpass.sdp");
  m = d->media->pdata[0];
  g_assert_cmpuint(m->fingerprints->len, ==, 1);
  g_assert_cmpint(g_array_index(m->fingerprints, fingerprint, 0).hash, ==, FINGERPRINT_HASH_SHA1);
  g_assert_cmpint(m->setup, ==, SDP_SETUP_ACTPASS);

  g_autoptr(sdp_session) r = parse_fixture("sdp/sip-rtcp-port.sdp");
  m = r->media->pdata[0];
  g_assert_true(m->has_rtcp);
  g_assert_cmpuint(m->rtcp_port, ==, 6011);
  g_assert_cmpstr(m->rtcp_connection.address, ==, "192.0.2.34");
  g_assert_cmpint(m->direction, ==, SDP_DIRECTION_SENDONLY);

  g_autoptr(sdp_session) v6 = parse_fixture("sdp/sip-ipv6.sdp");
  g_assert_cmpstr(v6->connection.addrtype, ==, "IP6");
  g_assert_cmpstr(v6->connection.address, ==, "2001:db8::10");
  m = v6->media->pdata[0];
  g_assert_cmpuint(m->rtcp_port, ==, 49171);
  g_assert_null(m->rtcp_connection.address);
}

#define MIN_SDP "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

static void
test_lenient(void)
{
  /* LF only, trailing white space, blank lines, attribute names in any case. */
  g_autoptr(sdp_session) s = parse_text("v=0\no=- 1 1 IN IP4 127.0.0.1  \ns=x\t\n\nt=0 0\n"
                                        "m=audio 1000 RTP/AVP 0\na=RTCP-MUX\na=Mid:a\n"
                                        "a=x-unknown:some value\na=flag\n\n");
  g_assert_cmpstr(s->origin_address, ==, "127.0.0.1");
  g_assert_cmpstr(s->name, ==, "x");
  const sdp_media *m = s->media->pdata[0];
  g_assert_cmpstr(m->mid, ==, "a");
  g_assert_true(m->rtcp_mux);
  g_assert_cmpuint(m->attributes->len, ==, 2);
  g_assert_cmpstr(g_array_index(m->attributes, sdp_attr, 0).name, ==, "x-unknown");
  g_assert_cmpstr(g_array_index(m->attributes, sdp_attr, 0).value, ==, "some value");
  g_assert_null(g_array_index(m->attributes, sdp_attr, 1).value);
  assert_round_trip(s);
}

static void
test_lenient_case(void)
{
  g_autoptr(sdp_session) s = parse_text(MIN_SDP "m=audio 1000 RTP/AVP 0\r\na=RTCP-MUX\r\na=SendOnly\r\n"
                                                "a=candidate:1 1 UDP 1 10.0.0.1 5 typ host\r\n"
                                                "a=candidate:odd one out\r\n");
  const sdp_media *m = s->media->pdata[0];
  g_assert_true(m->rtcp_mux);
  g_assert_cmpint(m->direction, ==, SDP_DIRECTION_SENDONLY);
  g_assert_cmpuint(m->candidates->len, ==, 1);
  /* A candidate we cannot parse is kept as a plain attribute. */
  g_assert_cmpuint(m->attributes->len, ==, 1);
  g_assert_cmpstr(g_array_index(m->attributes, sdp_attr, 0).value, ==, "odd one out");
  assert_round_trip(s);
}

static void
test_missing_s_t(void)
{
  const char *text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nc=IN IP4 10.0.0.1\r\nm=audio 1 RTP/AVP 0\r\n";
  sdp_session *s = NULL;
  const char *reason = NULL;
  g_assert_cmpint(sdp_session_parse(text, strlen(text), 0, &s, &reason), ==, -EPROTO);
  g_assert_cmpstr(reason, ==, "SDP has no s= line");
  g_assert_cmpint(sdp_session_parse(text, strlen(text), SDP_PARSE_ALLOW_MISSING_S_T, &s, &reason), ==, 0);
  g_assert_cmpstr(s->name, ==, "-");
  g_assert_cmpuint(s->time_start, ==, 0);
  assert_round_trip(s);
  sdp_session_free(s);

  const char *no_t = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n";
  g_assert_cmpint(sdp_session_parse(no_t, strlen(no_t), 0, &s, &reason), ==, -EPROTO);
  g_assert_cmpstr(reason, ==, "SDP has no t= line");
}

static void
test_malformed(void)
{
  static const struct {
    const char *text;
    int rc;
  } cases[] = {
    { "", -EPROTO },
    { "\r\n", -EPROTO },
    { "o=- 1 1 IN IP4 127.0.0.1\r\nv=0\r\n", -EPROTO },
    { "v=1\r\n", -EINVAL },
    { "v=0\r\ns=-\r\n", -EPROTO },
    { "v=0\r\n", -EPROTO },
    { "v=0\r\no=- 1 1 IN IP4\r\ns=-\r\nt=0 0\r\n", -EINVAL },
    { "v=0\r\no=- x 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n", -EINVAL },
    { "v=0\r\no=- 1 1 IN IP4 h extra\r\ns=-\r\nt=0 0\r\n", -EINVAL },
    { MIN_SDP "s=again\r\n", -EPROTO },
    { MIN_SDP "v=0\r\n", -EPROTO },
    { MIN_SDP "o=- 1 1 IN IP4 h\r\n", -EPROTO },
    { MIN_SDP "x=unknown\r\n", -EINVAL },
    { MIN_SDP "A=upper\r\n", -EINVAL },
    { MIN_SDP "a\r\n", -EINVAL },
    { MIN_SDP "=a\r\n", -EINVAL },
    { MIN_SDP "a=\r\n", -EINVAL },
    { MIN_SDP "a=bad name\r\n", -EINVAL },
    { MIN_SDP "c=IN IP4\r\n", -EINVAL },
    { MIN_SDP "c=IN IP4 a b\r\n", -EINVAL },
    { MIN_SDP "c=IN IP4 a\r\nc=IN IP4 b\r\n", -EPROTO },
    { MIN_SDP "b=AS\r\n", -EINVAL },
    { MIN_SDP "b=AS:x\r\n", -ERANGE },
    { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0\r\n", -EINVAL },
    { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=a b\r\n", -ERANGE },
    { "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nr=1 2 3\r\nt=0 0\r\n", -EPROTO },
    { MIN_SDP "m=audio\r\n", -EINVAL },
    { MIN_SDP "m=audio 70000 RTP/AVP 0\r\n", -ERANGE },
    { MIN_SDP "m=audio -1 RTP/AVP 0\r\n", -ERANGE },
    { MIN_SDP "m=audio 1/0 RTP/AVP 0\r\n", -ERANGE },
    { MIN_SDP "m=audio 1 RTP/AVP\r\n", -EINVAL },
    { MIN_SDP "m=audio 1\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP//AVP 0\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 128\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP opus\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\ns=-\r\n", -EPROTO },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\nt=0 0\r\n", -EPROTO },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\nu=http://x\r\n", -EPROTO },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=rtpmap:0\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/0\r\n", -ERANGE },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000/0\r\n", -ERANGE },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=rtpmap:200 PCMU/8000\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=rtpmap:0 /8000\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=fmtp:x y\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=rtcp-fb:0\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=rtcp-fb:x nack\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=extmap:0 urn:x\r\n", -ERANGE },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=extmap:300 urn:x\r\n", -ERANGE },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=extmap:1/sideways urn:x\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=extmap:1\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=ssrc:x cname:y\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=ssrc:4294967296 cname:y\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=ssrc:1\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=ssrc-group:FID 1 x\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=msid:\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=msid:a b c\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=mid\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=mid:a b\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=setup:both\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=fingerprint:sha-256 00\r\n", -ERANGE },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=fingerprint:sha-999 00\r\n", -ENOENT },
    { MIN_SDP "a=fingerprint\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=ice-ufrag:a b\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=ice-pwd\r\n", -EINVAL },
    { MIN_SDP "a=ice-options\r\n", -EINVAL },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=rtcp:x\r\n", -ERANGE },
    { MIN_SDP "m=audio 1 RTP/AVP 0\r\na=rtcp:1 IN IP4\r\n", -EINVAL },
    { MIN_SDP "a=group\r\n", -EINVAL },
    { MIN_SDP "a=group:BUNDLE a,b\r\n", -EINVAL },
    { MIN_SDP "a=setup\r\n", -EINVAL },
    { "v=0\r\no=- 1 1 IN IP4 h\rs=-\r\nt=0 0\r\n", -EINVAL },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    sdp_session *s = NULL;
    const char *reason = NULL;
    int rc = sdp_session_parse(cases[i].text, strlen(cases[i].text), 0, &s, &reason);
    if (rc != cases[i].rc)
      g_error("case %u (%s): got %d (%s), want %d", i, cases[i].text, rc, reason, cases[i].rc);
    g_assert_null(s);
    g_assert_nonnull(reason);
    g_assert_cmpuint(strlen(reason), >, 8);
  }

  /* A NUL byte and an oversized SDP. */
  sdp_session *s = NULL;
  const char *reason = NULL;
  g_assert_cmpint(sdp_session_parse("v=0\0", 4, 0, &s, &reason), ==, -EINVAL);
  g_autofree char *big = g_malloc0(SDP_MAX_LENGTH + 1);
  g_assert_cmpint(sdp_session_parse(big, SDP_MAX_LENGTH + 1, 0, &s, &reason), ==, -E2BIG);
  g_assert_null(s);
}

static void
test_empty_fmtp(void)
{
  g_autoptr(sdp_session) s = parse_text(MIN_SDP "m=audio 1 RTP/AVP 18\r\na=fmtp:18 \r\n");
  g_assert_cmpstr(sdp_media_fmtp(s->media->pdata[0], 18), ==, "");
  assert_round_trip(s);
}

static void
test_non_rtp_kept_raw(void)
{
  /* rtpmap/fmtp of a non-RTP m-line are kept as plain attributes. */
  g_autoptr(sdp_session) s = parse_text(MIN_SDP "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                                                "a=fmtp:webrtc-datachannel max-message-size=1\r\n"
                                                "a=sctp-port:5000\r\n");
  const sdp_media *m = s->media->pdata[0];
  g_assert_cmpuint(m->fmtps->len, ==, 0);
  g_assert_cmpuint(m->attributes->len, ==, 2);
  assert_round_trip(s);
}

static void
test_write_built(void)
{
  /* A session built in code writes what one expects, line for line. */
  g_autoptr(sdp_session) s = sdp_session_new();
  s->origin_username = g_strdup("-");
  s->origin_sess_id = g_strdup("42");
  s->origin_sess_version = g_strdup("2");
  s->origin_nettype = g_strdup("IN");
  s->origin_addrtype = g_strdup("IP4");
  s->origin_address = g_strdup("127.0.0.1");
  s->name = g_strdup("-");
  sdp_media *m = sdp_media_new(SDP_MEDIA_AUDIO);
  g_ptr_array_add(s->media, m);
  m->port = 5004;
  m->proto = g_strdup("RTP/AVP");
  g_ptr_array_add(m->formats, g_strdup("0"));
  m->direction = SDP_DIRECTION_RECVONLY;
  g_autofree char *text = sdp_session_write(s);
  g_assert_cmpstr(text, ==,
                  "v=0\r\no=- 42 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                  "m=audio 5004 RTP/AVP 0\r\na=recvonly\r\n");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp/parse/fixtures-round-trip", test_fixtures_round_trip);
  g_test_add_func("/sdp/parse/fixtures-truncated", test_fixtures_truncated);
  g_test_add_func("/sdp/parse/chromium-audio-offer", test_chromium_audio_offer);
  g_test_add_func("/sdp/parse/chromium-av-trickle-datachannel-mdns", test_chromium_av_and_trickle);
  g_test_add_func("/sdp/parse/firefox-offer", test_firefox_offer);
  g_test_add_func("/sdp/parse/rfc4317", test_rfc4317);
  g_test_add_func("/sdp/parse/sip-phones", test_sip_phones);
  g_test_add_func("/sdp/parse/lenient", test_lenient);
  g_test_add_func("/sdp/parse/lenient-case", test_lenient_case);
  g_test_add_func("/sdp/parse/missing-s-t", test_missing_s_t);
  g_test_add_func("/sdp/parse/malformed", test_malformed);
  g_test_add_func("/sdp/parse/non-rtp-kept-raw", test_non_rtp_kept_raw);
  g_test_add_func("/sdp/parse/empty-fmtp", test_empty_fmtp);
  g_test_add_func("/sdp/write/built", test_write_built);
  return g_test_run();
}
