/* Fuzz target: the SDP parser and writer. What parses must write, parse
 * back, and equal the first parse in every field; and answering it as a
 * browser offer must never crash. The SIP-leg functions run on it too: as
 * a phone's offer (inspect with a policy picked by the input's length, the
 * browser codec list, our answer, which must parse back), as an answer to
 * the gateway's SIP offer, and hold/change detection. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signalling/sdp/sdp.h"
#include "signalling/sdp/sdp_negotiate.h"
#include "signalling/sdp/sdp_sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
write_parses(const sdp_session *s, const char *what)
{
  const char *reason = NULL;
  sdp_session *back = NULL;
  char *text = sdp_session_write(s);
  if (sdp_session_parse(text, strlen(text), 0, &back, &reason) != 0) {
    fprintf(stderr, "%s does not parse: %s\n%s", what, reason, text);
    abort();
  }
  sdp_session_free(back);
  g_free(text);
}

static void
fuzz_sip(const sdp_session *s, const sdp_session *again, size_t size, const fingerprint *fp)
{
  static const char *const policies[] = { "sdes,dtls-srtp,rtp", "dtls-srtp,sdes,rtp", "rtp", "sdes",
                                          "dtls-srtp", "rtp,dtls-srtp,sdes", "sdes,dtls-srtp" };
  static const char *const crypto[] = { "1 AES_CM_128_HMAC_SHA1_80 inline:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB",
                                        "2 AES_CM_128_HMAC_SHA1_32 inline:QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC" };
  const char *reason = NULL;
  sdp_sip_kx_policy pol;
  if (sdp_sip_kx_policy_parse(policies[size % G_N_ELEMENTS(policies)], &pol, &reason) != 0)
    abort();

  if (sdp_sip_is_hold(s) != sdp_sip_is_hold(again) || sdp_sip_changes(s, again) != 0) {
    fprintf(stderr, "hold or changes differ between equal sessions\n");
    abort();
  }

  /* As a phone's offer. */
  sdp_sip_offer_info info;
  if (sdp_sip_inspect_offer(s, &pol, &info, &reason) == 0) {
    GArray *codecs = sdp_sip_browser_codecs(&info, NULL, 0);
    char *mine = NULL;
    guint tag;
    const char *suite;
    gsize len;
    if (info.kx == SDP_SIP_KX_SDES) {
      if (!info.crypto || !sdp_sip_crypto_split(info.crypto, &tag, &suite, &len))
        abort();
      mine = g_strdup_printf("%u %.*s inline:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", tag, (int)len,
                             suite);
    }
    sdp_sip_answer_params ap = { .connection_address = "192.0.2.1", .rtp_port = 4000,
                                 .rtcp_mux = (size & 4) != 0, .codecs = (const sdp_codec *)codecs->data,
                                 .n_codecs = codecs->len, .ptime = 20, .kx = info.kx,
                                 .crypto = mine, .fingerprint = fp };
    sdp_session *answer = sdp_sip_answer(s, &ap, &reason);
    if (answer) {
      write_parses(answer, "our SIP answer");
      sdp_session_free(answer);
    } else if (!reason) {
      abort();
    }
    g_free(mine);
    g_array_unref(codecs);
  } else if (!reason) {
    abort();
  }
  sdp_sip_offer_info_clear(&info);

  /* As the answer to our offer. */
  const sdp_codec ours[] = { { "opus", 48000, 2, 111, NULL }, { "PCMU", 8000, 1, 0, NULL },
                             { "telephone-event", 8000, 1, 101, "0-15" } };
  sdp_sip_offer_params op = { .connection_address = "192.0.2.1", .rtp_port = 4000, .codecs = ours,
                              .n_codecs = 3, .policy = &pol, .crypto = crypto, .n_crypto = 2,
                              .fingerprint = fp };
  sdp_session *offer = sdp_sip_offer(&op, &reason);
  if (!offer)
    abort();
  write_parses(offer, "our SIP offer");
  sdp_sip_answer_result r;
  if (sdp_sip_parse_answer(offer, s, &r, &reason) != 0 && !reason)
    abort();
  if (r.accepted && (!r.rtp_address || !r.codecs || r.kx == SDP_SIP_KX_NONE))
    abort();
  sdp_sip_answer_result_clear(&r);
  sdp_session_free(offer);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  sdp_session *s = NULL, *again = NULL, *answer = NULL;
  const char *reason = NULL;
  /* The length's parity picks the parse flags, so both policies get fuzzed. */
  guint flags = (size & 1) ? SDP_PARSE_ALLOW_MISSING_S_T : 0;

  if (sdp_session_parse((const char *)data, size, flags, &s, &reason) != 0) {
    if (!reason || s)
      abort();
    return 0;
  }
  char *text = sdp_session_write(s);
  if (sdp_session_parse(text, strlen(text), 0, &again, &reason) != 0) {
    fprintf(stderr, "written SDP does not parse: %s\n%s", reason, text);
    abort();
  }
  if (!sdp_session_equal(s, again)) {
    fprintf(stderr, "written SDP parses to something else:\n%s", text);
    abort();
  }

  fingerprint fp = { FINGERPRINT_HASH_SHA256, 32, { 1, 2, 3 } };
  sdp_browser_leg_params p = { .ice_ufrag = "abcd", .ice_pwd = "0123456789abcdefghijkl",
                               .fingerprint = &fp, .accept_video = (size & 2) != 0,
                               .keep_mid_extension = TRUE, .audio_ssrc = 1, .video_ssrc = 2,
                               .cname = "c", .msid_stream = "s", .audio_track = "a" };
  if (sdp_answer_browser_offer(s, &p, &answer, &reason) == 0) {
    char *atext = sdp_session_write(answer);
    sdp_session *back = NULL;
    if (sdp_session_parse(atext, strlen(atext), 0, &back, &reason) != 0) {
      fprintf(stderr, "our answer does not parse: %s\n%s", reason, atext);
      abort();
    }
    sdp_session_free(back);
    g_free(atext);
    sdp_session_free(answer);
  } else if (!reason) {
    abort();
  }
  fuzz_sip(s, again, size, &fp);
  g_free(text);
  sdp_session_free(again);
  sdp_session_free(s);
  return 0;
}
