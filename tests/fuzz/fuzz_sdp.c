/* Fuzz target: the SDP parser and writer. What parses must write, parse
 * back, and equal the first parse in every field; and answering it as a
 * browser offer must never crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signalling/sdp/sdp.h"
#include "signalling/sdp/sdp_negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
  g_free(text);
  sdp_session_free(again);
  sdp_session_free(s);
  return 0;
}
