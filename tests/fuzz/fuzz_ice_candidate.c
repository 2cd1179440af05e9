/* Fuzz target: the ICE candidate attribute, as trickled by browsers. What
 * parses must write and parse back to the same candidate. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signalling/sdp/sdp_candidate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  sdp_candidate *c = NULL, *again = NULL;
  const char *reason = NULL;

  if (sdp_candidate_parse((const char *)data, size, &c, &reason) != 0) {
    if (!reason || c)
      abort();
    /* The same bytes as a bare attribute value. */
    if (sdp_candidate_parse_value((const char *)data, size, &c, &reason) != 0) {
      if (!reason || c)
        abort();
      return 0;
    }
  }
  char *text = sdp_candidate_write(c);
  if (sdp_candidate_parse(text, strlen(text), &again, &reason) != 0 || !sdp_candidate_equal(c, again))
    abort();
  g_free(text);
  sdp_candidate_free(again);
  sdp_candidate_free(c);
  return 0;
}
