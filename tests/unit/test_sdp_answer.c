/* Offer/answer for the browser leg: golden answers to real Chromium and
 * Firefox offers, the refusal rules, setup roles, directions, codec
 * filtering, video echo, data channels, and the gateway's own offer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "signalling/sdp/sdp.h"
#include "signalling/sdp/sdp_codec.h"
#include "signalling/sdp/sdp_negotiate.h"
#include "tests/unit/testutil.h"

#define UFRAG "gw4U"
#define PWD "gatewayPassword+0123456789"
#define FP_TEXT                                                                                    \
  "sha-256 12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0"
#define SSRC 305419896u
#define SSRC_TEXT "305419896"
#define VIDEO_SSRC 2596069104u
#define VIDEO_SSRC_TEXT "2596069104"
#define CNAME "rtc2sip-test"

static fingerprint gateway_fp;

static sdp_browser_leg_params
default_params(void)
{
  const char *reason = NULL;
  g_assert_cmpint(fingerprint_parse(FP_TEXT, strlen(FP_TEXT), &gateway_fp, &reason), ==, 0);
  sdp_browser_leg_params p = {
    .ice_ufrag = UFRAG,
    .ice_pwd = PWD,
    .fingerprint = &gateway_fp,
    .audio_ssrc = SSRC,
    .video_ssrc = VIDEO_SSRC,
    .cname = CNAME,
    .msid_stream = "rtc2sip",
    .audio_track = "rtc2sip-audio",
    .video_track = "rtc2sip-video",
    .session_id = 4611686018427387904ull,
    .session_version = 2,
  };
  return p;
}

static char *
load_text(const char *name)
{
  g_autoptr(GBytes) b = testutil_load(name);
  return g_strndup(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
}

static sdp_session *
parse_text(const char *text)
{
  sdp_session *s = NULL;
  const char *reason = NULL;
  if (sdp_session_parse(text, strlen(text), 0, &s, &reason) != 0)
    g_error("parse: %s", reason);
  return s;
}

static sdp_session *
parse_fixture(const char *name)
{
  g_autofree char *text = load_text(name);
  return parse_text(text);
}

/* The fixture NAME with every FROM replaced by TO (FROM must occur). */
static sdp_session *
parse_edited(const char *name, const char *from, const char *to)
{
  g_autofree char *text = load_text(name);
  g_assert_nonnull(strstr(text, from));
  g_auto(GStrv) parts = g_strsplit(text, from, -1);
  g_autofree char *edited = g_strjoinv(to, parts);
  return parse_text(edited);
}

static sdp_session *
answer_ok(const sdp_session *offer, const sdp_browser_leg_params *p)
{
  sdp_session *answer = NULL;
  const char *reason = NULL;
  int rc = sdp_answer_browser_offer(offer, p, &answer, &reason);
  if (rc != 0)
    g_error("answer refused: %s", reason);
  /* Whatever we answer parses back to itself. */
  g_autofree char *text = sdp_session_write(answer);
  g_autoptr(sdp_session) again = parse_text(text);
  g_assert_true(sdp_session_equal(answer, again));
  return answer;
}

static void
answer_refused(const sdp_session *offer, const sdp_browser_leg_params *p, int want,
               const char *want_reason)
{
  sdp_session *answer = NULL;
  const char *reason = NULL;
  g_assert_cmpint(sdp_answer_browser_offer(offer, p, &answer, &reason), ==, want);
  g_assert_null(answer);
  g_assert_cmpstr(reason, ==, want_reason);
}

/* Compares ANSWER's text with the golden file, placeholders substituted. */
static void
assert_golden(const sdp_session *answer, const char *golden_name)
{
  g_autofree char *golden = g_getenv("SDP_GOLDEN_UPDATE") ? g_strdup("") : load_text(golden_name);
  char fp[FINGERPRINT_MAX_TEXT];
  const char *subst[][2] = {
    { "{UFRAG}", UFRAG },
    { "{PWD}", PWD },
    { "{FINGERPRINT}", fingerprint_format(&gateway_fp, fp) },
    { "{SSRC}", SSRC_TEXT },
    { "{VIDEO_SSRC}", VIDEO_SSRC_TEXT },
    { "{CNAME}", CNAME },
  };
  for (guint i = 0; i < G_N_ELEMENTS(subst); i++) {
    g_auto(GStrv) parts = g_strsplit(golden, subst[i][0], -1);
    g_free(golden);
    golden = g_strjoinv(subst[i][1], parts);
  }
  /* The golden files are LF text; the writer emits CRLF. */
  g_auto(GStrv) lines = g_strsplit(golden, "\n", -1);
  g_autofree char *crlf = g_strjoinv("\r\n", lines);
  g_autofree char *text = sdp_session_write(answer);
  if (g_getenv("SDP_GOLDEN_UPDATE")) {
    /* Regenerates the golden file: values back to placeholders, LF ends. */
    g_autofree char *out = g_strdup(text);
    for (guint i = 0; i < G_N_ELEMENTS(subst); i++) {
      g_auto(GStrv) parts = g_strsplit(out, subst[i][1], -1);
      g_free(out);
      out = g_strjoinv(subst[i][0], parts);
    }
    g_auto(GStrv) outlines = g_strsplit(out, "\r\n", -1);
    g_autofree char *lf = g_strjoinv("\n", outlines);
    g_autofree char *path = testutil_data_path(golden_name);
    g_assert_true(g_file_set_contents(path, lf, -1, NULL));
    return;
  }
  g_assert_cmpstr(text, ==, crlf);
}

static const sdp_media *
media(const sdp_session *s, guint i)
{
  g_assert_cmpuint(i, <, s->media->len);
  return s->media->pdata[i];
}

static void
test_golden_chromium_audio(void)
{
  sdp_browser_leg_params p = default_params();
  g_autoptr(sdp_session) offer = parse_fixture(("sdp/chromium-audio-offer.sdp"));
  g_autoptr(sdp_session) answer = answer_ok(offer, &p);
  assert_golden(answer, "sdp/golden/chromium-audio-answer.sdp");
}

static void
test_golden_chromium_av_echo(void)
{
  sdp_browser_leg_params p = default_params();
  p.accept_video = TRUE;
  p.keep_mid_extension = TRUE;
  g_autoptr(sdp_session) offer = parse_fixture(("sdp/chromium-av-offer.sdp"));
  g_autoptr(sdp_session) answer = answer_ok(offer, &p);
  assert_golden(answer, "sdp/golden/chromium-av-echo-answer.sdp");
}

static void
test_golden_firefox(void)
{
  sdp_browser_leg_params p = default_params();
  g_autoptr(sdp_session) offer = parse_fixture(("sdp/firefox-audio-offer.sdp"));
  g_autoptr(sdp_session) answer = answer_ok(offer, &p);
  assert_golden(answer, "sdp/golden/firefox-audio-answer.sdp");
}

static void
test_golden_offer(void)
{
  sdp_browser_leg_params p = default_params();
  const char *reason = NULL;
  g_autoptr(sdp_session) offer = sdp_offer_to_browser(&p, &reason);
  g_assert_nonnull(offer);
  assert_golden(offer, "sdp/golden/offer-to-browser.sdp");
  g_autofree char *text = sdp_session_write(offer);
  g_autoptr(sdp_session) again = parse_text(text);
  g_assert_true(sdp_session_equal(offer, again));

  /* Missing credentials or fingerprint are refused. */
  sdp_browser_leg_params bad = p;
  bad.ice_pwd = "short";
  g_assert_null(sdp_offer_to_browser(&bad, &reason));
  g_assert_nonnull(reason);
  bad = p;
  bad.fingerprint = NULL;
  g_assert_null(sdp_offer_to_browser(&bad, &reason));
  bad = p;
  bad.n_audio_codecs = 0;
  bad.audio_codecs = (const sdp_codec[]){ { "PCMU", 8000, 1, 0, NULL } };
  g_assert_null(sdp_offer_to_browser(&bad, &reason));
  g_assert_cmpstr(reason, ==, "no audio codec to offer");
}

static void
test_setup_roles(void)
{
  g_assert_cmpint(sdp_answer_setup_role(SDP_SETUP_ACTPASS), ==, SDP_SETUP_ACTIVE);
  g_assert_cmpint(sdp_answer_setup_role(SDP_SETUP_ACTIVE), ==, SDP_SETUP_PASSIVE);
  g_assert_cmpint(sdp_answer_setup_role(SDP_SETUP_PASSIVE), ==, SDP_SETUP_ACTIVE);
  g_assert_cmpint(sdp_answer_setup_role(SDP_SETUP_NONE), ==, SDP_SETUP_PASSIVE);
  g_assert_cmpint(sdp_answer_setup_role(SDP_SETUP_HOLDCONN), ==, SDP_SETUP_NONE);

  sdp_browser_leg_params p = default_params();
  const char *name = "sdp/chromium-audio-offer.sdp";
  g_autoptr(sdp_session) actpass = parse_fixture((name));
  g_autoptr(sdp_session) a1 = answer_ok(actpass, &p);
  g_assert_cmpint(media(a1, 0)->setup, ==, SDP_SETUP_ACTIVE);

  g_autoptr(sdp_session) active = parse_edited(name, "a=setup:actpass", "a=setup:active");
  g_autoptr(sdp_session) a2 = answer_ok(active, &p);
  g_assert_cmpint(media(a2, 0)->setup, ==, SDP_SETUP_PASSIVE);

  g_autoptr(sdp_session) passive = parse_edited(name, "a=setup:actpass", "a=setup:passive");
  g_autoptr(sdp_session) a3 = answer_ok(passive, &p);
  g_assert_cmpint(media(a3, 0)->setup, ==, SDP_SETUP_ACTIVE);

  g_autoptr(sdp_session) hold = parse_edited(name, "a=setup:actpass", "a=setup:holdconn");
  answer_refused(hold, &p, -EPROTO, "the offer's a=setup is holdconn");

  /* Firefox puts its fingerprint at session level: still accepted. */
  g_autoptr(sdp_session) ff = parse_fixture(("sdp/firefox-audio-offer.sdp"));
  g_autoptr(sdp_session) a4 = answer_ok(ff, &p);
  g_assert_cmpint(media(a4, 0)->setup, ==, SDP_SETUP_ACTIVE);
}

static void
test_refusals(void)
{
  sdp_browser_leg_params p = default_params();
  const char *name = "sdp/chromium-audio-offer.sdp";

  g_autoptr(sdp_session) no_mux = parse_edited(name, "a=rtcp-mux\r\n", "");
  answer_refused(no_mux, &p, -EPROTO, "the offer lacks a=rtcp-mux, which this gateway requires");

  g_autoptr(sdp_session) no_fp = parse_edited(name, "a=fingerprint:", "a=x-fingerprint:");
  answer_refused(no_fp, &p, -EPROTO, "the offer has no a=fingerprint (DTLS-SRTP needs one)");

  g_autoptr(sdp_session) no_ufrag = parse_edited(name, "a=ice-ufrag:", "a=x-ice-ufrag:");
  answer_refused(no_ufrag, &p, -EPROTO, "the offer has no a=ice-ufrag and a=ice-pwd");

  g_autoptr(sdp_session) short_pwd = parse_edited(name, "a=ice-pwd:", "a=ice-pwd:x\r\na=x-old:");
  answer_refused(short_pwd, &p, -EPROTO,
                 "the offer's ICE ufrag is under 4 or its password under 22 characters");

  /* No codec in common: the only m-line is rejected, so nothing is left. */
  sdp_browser_leg_params only_g729 = p;
  only_g729.audio_codecs = (const sdp_codec[]){ { "G729", 8000, 1, 18, NULL } };
  only_g729.n_audio_codecs = 1;
  g_autoptr(sdp_session) chrome = parse_fixture((name));
  answer_refused(chrome, &only_g729, -ENOTSUP,
                 "the offer has no audio (or allowed video) stream with a codec in common");

  /* telephone-event alone is not enough. */
  sdp_browser_leg_params dtmf_only = p;
  dtmf_only.audio_codecs = (const sdp_codec[]){ { "telephone-event", 8000, 1, 126, NULL } };
  dtmf_only.n_audio_codecs = 1;
  answer_refused(chrome, &dtmf_only, -ENOTSUP,
                 "the offer has no audio (or allowed video) stream with a codec in common");

  /* Plain RTP/AVP (a SIP phone's offer) is not a browser leg. */
  g_autoptr(sdp_session) avp = parse_fixture(("sdp/sip-baresip-rtpavp.sdp"));
  answer_refused(avp, &p, -ENOTSUP,
                 "the offer has no audio (or allowed video) stream with a codec in common");

  /* An offer without media. */
  g_autoptr(sdp_session) empty = parse_text("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
  answer_refused(empty, &p, -EPROTO, "the offer has no m= line");

  /* Bad params. */
  sdp_browser_leg_params bad = p;
  bad.fingerprint = NULL;
  answer_refused(chrome, &bad, -EINVAL, "the gateway's ICE credentials or fingerprint are missing");
}

static void
test_video(void)
{
  sdp_browser_leg_params p = default_params();
  g_autoptr(sdp_session) offer = parse_fixture(("sdp/chromium-av-offer.sdp"));

  /* Without video: the video m-line gets port 0 and leaves the BUNDLE group. */
  g_autoptr(sdp_session) no_video = answer_ok(offer, &p);
  g_assert_cmpuint(no_video->media->len, ==, 2);
  g_assert_true(sdp_media_is_rejected(media(no_video, 1)));
  g_assert_cmpstr(media(no_video, 1)->mid, ==, "1");
  g_assert_cmpuint(media(no_video, 1)->formats->len, ==, 1);
  const sdp_group *b = sdp_session_group(no_video, "BUNDLE");
  g_assert_cmpuint(b->mids->len, ==, 1);
  g_assert_cmpstr(b->mids->pdata[0], ==, "0");

  /* With video (echo): VP8 and H264 only, offer's pts, fmtp, filtered rtcp-fb. */
  p.accept_video = TRUE;
  g_autoptr(sdp_session) echo = answer_ok(offer, &p);
  const sdp_media *v = media(echo, 1);
  g_assert_false(sdp_media_is_rejected(v));
  g_assert_cmpuint(sdp_session_group(echo, "BUNDLE")->mids->len, ==, 2);
  for (guint i = 0; i < v->rtpmaps->len; i++) {
    const sdp_rtpmap *r = &g_array_index(v->rtpmaps, sdp_rtpmap, i);
    g_assert_true(strcmp(r->encoding, "VP8") == 0 || strcmp(r->encoding, "H264") == 0);
  }
  g_assert_cmpstr(v->formats->pdata[0], ==, "96");
  const sdp_media *ov = media(offer, 1);
  for (guint i = 0; i < v->formats->len; i++) {
    guint pt = atoi(v->formats->pdata[i]);
    g_assert_cmpstr(sdp_media_fmtp(v, pt), ==, sdp_media_fmtp(ov, pt));
  }
  for (guint i = 0; i < v->rtcp_fbs->len; i++) {
    const sdp_rtcp_fb *f = &g_array_index(v->rtcp_fbs, sdp_rtcp_fb, i);
    g_assert_true(strcmp(f->type, "nack") == 0 || strcmp(f->type, "ccm") == 0);
  }
  g_assert_cmpuint(v->rtcp_fbs->len, >, 0);
  g_assert_cmpuint(g_array_index(v->ssrcs, sdp_ssrc, 0).ssrc, ==, VIDEO_SSRC);
  /* Candidates only on the first (BUNDLE-tagged) m-line. */
  g_assert_cmpuint(v->candidates->len, ==, 0);
}

static void
test_data_channel(void)
{
  sdp_browser_leg_params p = default_params();
  g_autoptr(sdp_session) offer = parse_fixture(("sdp/chromium-audio-datachannel-offer.sdp"));
  g_autoptr(sdp_session) answer = answer_ok(offer, &p);
  const sdp_media *app = media(answer, 1);
  g_assert_cmpint(app->type, ==, SDP_MEDIA_APPLICATION);
  g_assert_cmpuint(app->port, ==, 0);
  g_assert_cmpstr(app->proto, ==, "UDP/DTLS/SCTP");
  g_assert_cmpstr(app->formats->pdata[0], ==, "webrtc-datachannel");
  g_assert_cmpstr(app->mid, ==, "1");
  g_assert_null(app->ice_ufrag);
  const sdp_group *b = sdp_session_group(answer, "BUNDLE");
  g_assert_cmpuint(b->mids->len, ==, 1);
}

static void
test_codec_filter_and_order(void)
{
  sdp_browser_leg_params p = default_params();
  g_autoptr(sdp_session) offer = parse_fixture(("sdp/chromium-audio-offer.sdp"));

  /* Default list: opus, G722, PCMU, PCMA, both telephone-events, in the
   * offer's order; red and CN dropped. */
  g_autoptr(sdp_session) a = answer_ok(offer, &p);
  const sdp_media *m = media(a, 0);
  const char *want[] = { "111", "9", "0", "8", "110", "126" };
  g_assert_cmpuint(m->formats->len, ==, G_N_ELEMENTS(want));
  for (guint i = 0; i < G_N_ELEMENTS(want); i++)
    g_assert_cmpstr(m->formats->pdata[i], ==, want[i]);
  g_assert_cmpstr(sdp_media_fmtp(m, 111), ==, "minptime=10;useinbandfec=1");
  g_assert_null(sdp_media_fmtp(m, 63));
  g_assert_cmpuint(m->rtcp_fbs->len, ==, 0);
  g_assert_cmpuint(m->extmaps->len, ==, 0);

  /* A configured list in another order: the answer keeps the offer's order,
   * CN is accepted when configured. */
  const sdp_codec mine[] = {
    { "PCMA", 8000, 1, 8, NULL },
    { "CN", 8000, 1, 13, NULL },
    { "PCMU", 8000, 1, 0, NULL },
    { "telephone-event", 8000, 1, 101, "0-16" },
  };
  p.audio_codecs = mine;
  p.n_audio_codecs = G_N_ELEMENTS(mine);
  g_autoptr(sdp_session) b = answer_ok(offer, &p);
  m = media(b, 0);
  const char *want2[] = { "0", "8", "13", "126" };
  g_assert_cmpuint(m->formats->len, ==, G_N_ELEMENTS(want2));
  for (guint i = 0; i < G_N_ELEMENTS(want2); i++)
    g_assert_cmpstr(m->formats->pdata[i], ==, want2[i]);
  /* The configured fmtp wins; a codec configured without one takes none. */
  g_assert_cmpstr(sdp_media_fmtp(m, 126), ==, "0-16");
  g_assert_null(sdp_media_fmtp(m, 0));

  /* Negotiated list with the pt mapping. */
  g_autoptr(GArray) n = sdp_negotiated_codecs(b, offer, SDP_MEDIA_AUDIO);
  g_assert_cmpuint(n->len, ==, 4);
  const sdp_negotiated_codec *first = &g_array_index(n, sdp_negotiated_codec, 0);
  g_assert_cmpstr(first->encoding, ==, "PCMU");
  g_assert_cmpuint(first->local_pt, ==, 0);
  g_assert_cmpuint(first->remote_pt, ==, 0);
}

static void
test_negotiated_pt_mapping(void)
{
  /* The gateway offers telephone-event as 101; a SIP-style answer maps it to
   * 96 and leaves out opus: the list pairs 101 with 96. */
  sdp_browser_leg_params p = default_params();
  const sdp_codec mine[] = {
    { "opus", 48000, 2, 111, NULL },
    { "PCMU", 8000, 1, 0, NULL },
    { "telephone-event", 8000, 1, 101, "0-15" },
  };
  p.audio_codecs = mine;
  p.n_audio_codecs = G_N_ELEMENTS(mine);
  g_autoptr(sdp_session) offer = sdp_offer_to_browser(&p, NULL);
  g_autoptr(sdp_session) answer = parse_text("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                                             "m=audio 9 UDP/TLS/RTP/SAVPF 0 96\r\n"
                                             "a=rtpmap:96 telephone-event/8000\r\n"
                                             "a=fmtp:96 0-11\r\n");
  g_autoptr(GArray) n = sdp_negotiated_codecs(offer, answer, SDP_MEDIA_AUDIO);
  g_assert_cmpuint(n->len, ==, 2);
  const sdp_negotiated_codec *pcmu = &g_array_index(n, sdp_negotiated_codec, 0);
  const sdp_negotiated_codec *te = &g_array_index(n, sdp_negotiated_codec, 1);
  g_assert_cmpstr(pcmu->encoding, ==, "PCMU");
  g_assert_cmpuint(te->local_pt, ==, 101);
  g_assert_cmpuint(te->remote_pt, ==, 96);
  g_assert_cmpstr(te->local_fmtp, ==, "0-15");
  g_assert_cmpstr(te->remote_fmtp, ==, "0-11");

  /* Real Chromium answer to a Chromium offer: audio agreed, video recvonly. */
  g_autoptr(sdp_session) co = parse_fixture(("sdp/chromium-answer-offer.sdp"));
  g_autoptr(sdp_session) ca = parse_fixture(("sdp/chromium-answer.sdp"));
  g_autoptr(GArray) audio = sdp_negotiated_codecs(co, ca, SDP_MEDIA_AUDIO);
  g_assert_cmpuint(audio->len, ==, 8);
  g_assert_cmpuint(g_array_index(audio, sdp_negotiated_codec, 0).remote_pt, ==, 111);
  g_autoptr(GArray) video = sdp_negotiated_codecs(co, ca, SDP_MEDIA_VIDEO);
  g_assert_cmpuint(video->len, >, 0);
}

static void
test_directions(void)
{
  sdp_browser_leg_params p = default_params();
  const char *name = "sdp/chromium-audio-offer.sdp";
  static const struct {
    const char *offered;
    sdp_direction answered;
    gboolean we_send;
  } cases[] = {
    { "a=sendrecv", SDP_DIRECTION_SENDRECV, TRUE },
    { "a=sendonly", SDP_DIRECTION_RECVONLY, FALSE },
    { "a=recvonly", SDP_DIRECTION_SENDONLY, TRUE },
    { "a=inactive", SDP_DIRECTION_INACTIVE, FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(sdp_session) offer = parse_edited(name, "a=sendrecv", cases[i].offered);
    g_autoptr(sdp_session) answer = answer_ok(offer, &p);
    const sdp_media *m = media(answer, 0);
    g_assert_cmpint(m->direction, ==, cases[i].answered);
    g_assert_cmpuint(m->msids->len, ==, cases[i].we_send ? 1 : 0);
    g_assert_cmpuint(m->ssrcs->len, ==, cases[i].we_send ? 1 : 0);
  }
  /* Session-level direction (as Firefox writes it) counts when the m-line
   * has none. */
  g_autoptr(sdp_session) ff = parse_edited("sdp/firefox-audio-offer.sdp", "t=0 0\r\na=sendrecv",
                                           "t=0 0\r\na=sendonly");
  g_autoptr(sdp_session) o2 = NULL;
  /* The m-line also says sendrecv; drop it so the session level applies. */
  g_autofree char *text = sdp_session_write(ff);
  g_auto(GStrv) parts = g_strsplit(text, "a=sendrecv\r\n", -1);
  g_autofree char *edited = g_strjoinv("", parts);
  o2 = parse_text(edited);
  g_autoptr(sdp_session) a2 = answer_ok(o2, &p);
  g_assert_cmpint(media(a2, 0)->direction, ==, SDP_DIRECTION_RECVONLY);
}

static void
test_candidates_in_answer(void)
{
  sdp_browser_leg_params p = default_params();
  g_autoptr(GPtrArray) cands = g_ptr_array_new_with_free_func((GDestroyNotify)sdp_candidate_free);
  const char *lines[] = { "candidate:1 1 tcp 1518214911 192.0.2.9 9 typ host tcptype passive",
                          "candidate:2 1 udp 2122194687 192.0.2.9 40000 typ host" };
  for (guint i = 0; i < G_N_ELEMENTS(lines); i++) {
    sdp_candidate *c = NULL;
    g_assert_cmpint(sdp_candidate_parse(lines[i], strlen(lines[i]), &c, NULL), ==, 0);
    g_ptr_array_add(cands, c);
  }
  p.candidates = cands;
  p.end_of_candidates = TRUE;
  g_autoptr(sdp_session) offer = parse_fixture(("sdp/chromium-audio-offer.sdp"));
  g_autoptr(sdp_session) answer = answer_ok(offer, &p);
  const sdp_media *m = media(answer, 0);
  g_assert_cmpuint(m->candidates->len, ==, 2);
  g_assert_true(m->end_of_candidates);
  /* The default candidate is the UDP one. */
  g_assert_cmpuint(m->port, ==, 40000);
  g_assert_cmpstr(m->connection.address, ==, "192.0.2.9");
}

static void
test_codec_lookup(void)
{
  /* Static payload types without rtpmap (RFC 3551), rtpmap winning over
   * the static table, case-insensitive names, channel counts. */
  g_autoptr(sdp_session) s = parse_text("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                                        "m=audio 1 RTP/AVP 18 0 9 96 97 2\r\n"
                                        "a=rtpmap:9 G722/16000\r\n"
                                        "a=rtpmap:96 OPUS/48000/2\r\n"
                                        "a=rtpmap:97 TELEPHONE-EVENT/48000\r\n");
  const sdp_media *m = media(s, 0);
  sdp_codec c;
  g_assert_true(sdp_media_codec(m, 18, &c));
  g_assert_cmpstr(c.encoding, ==, "G729");
  g_assert_cmpuint(c.clock_rate, ==, 8000);
  g_assert_true(sdp_media_codec(m, 9, &c));
  g_assert_cmpuint(c.clock_rate, ==, 16000); /* as written, though RFC 3551 says 8000 */
  g_assert_false(sdp_media_codec(m, 2, &c)); /* unassigned static type */

  const sdp_codec opus = { "opus", 48000, 2, 111, NULL }, opus_mono = { "opus", 48000, 1, 111, NULL };
  const sdp_codec te8 = { "telephone-event", 8000, 0, 126, NULL };
  const sdp_codec te48 = { "telephone-event", 48000, 0, 110, NULL };
  g_assert_true(sdp_media_codec(m, 96, &c));
  g_assert_true(sdp_codec_matches(&c, &opus));
  g_assert_false(sdp_codec_matches(&c, &opus_mono));
  g_assert_true(sdp_media_codec(m, 97, &c));
  g_assert_true(sdp_codec_matches(&c, &te48));
  g_assert_false(sdp_codec_matches(&c, &te8));
  g_assert_false(sdp_codec_is_voice(&c));
  g_assert_true(sdp_codec_is_voice(&opus));
}

static void
test_session_level_transport(void)
{
  /* ICE credentials, fingerprint and setup at session level only, no
   * BUNDLE, no mid: accepted, and the answer has no group. A bundle-only
   * m-line (port 0) is not a rejection; an m-line the offer rejected stays
   * rejected. */
  sdp_browser_leg_params p = default_params();
  g_autoptr(sdp_session) offer = parse_text(
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
    "a=fingerprint:sha-256 " "12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0\r\n"
    "a=setup:passive\r\n"
    "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\na=rtcp-mux\r\n"
    "m=audio 0 UDP/TLS/RTP/SAVPF 8\r\na=bundle-only\r\na=rtcp-mux\r\n");
  g_autoptr(sdp_session) answer = answer_ok(offer, &p);
  g_assert_true(sdp_media_is_rejected(media(answer, 0)));
  const sdp_media *m = media(answer, 1);
  g_assert_false(sdp_media_is_rejected(m));
  g_assert_cmpstr(m->formats->pdata[0], ==, "8");
  g_assert_cmpint(m->setup, ==, SDP_SETUP_ACTIVE);
  g_assert_null(m->mid);
  g_assert_cmpuint(answer->groups->len, ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp/answer/golden-chromium-audio", test_golden_chromium_audio);
  g_test_add_func("/sdp/answer/golden-chromium-av-echo", test_golden_chromium_av_echo);
  g_test_add_func("/sdp/answer/golden-firefox", test_golden_firefox);
  g_test_add_func("/sdp/offer/golden", test_golden_offer);
  g_test_add_func("/sdp/answer/setup-roles", test_setup_roles);
  g_test_add_func("/sdp/answer/refusals", test_refusals);
  g_test_add_func("/sdp/answer/video", test_video);
  g_test_add_func("/sdp/answer/data-channel", test_data_channel);
  g_test_add_func("/sdp/answer/codec-filter-and-order", test_codec_filter_and_order);
  g_test_add_func("/sdp/answer/negotiated-pt-mapping", test_negotiated_pt_mapping);
  g_test_add_func("/sdp/answer/directions", test_directions);
  g_test_add_func("/sdp/answer/candidates", test_candidates_in_answer);
  g_test_add_func("/sdp/codec/lookup", test_codec_lookup);
  g_test_add_func("/sdp/answer/session-level-transport", test_session_level_transport);
  return g_test_run();
}
