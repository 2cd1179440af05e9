/* Fuzz target: the digest challenge parser, then an answer to what parsed. */
#include <stdint.h>
#include <stdlib.h>

#include "signalling/sip/sip_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_auto(sip_digest_challenge) ch = SIP_DIGEST_CHALLENGE_INIT;
  const char *why = NULL;

  if (sip_digest_challenge_parse(&ch, (const char *)data, size, &why) == 0) {
    g_autoptr(GString) out = g_string_new(NULL);
    sip_digest_request rq = { "user", "pass", "REGISTER", "sip:example.com", "0a4f113b", "b", 1 };
    if (sip_digest_authorize(&ch, &rq, out, &why) < 0)
      abort();
  } else if (!why) {
    abort();
  }
  return 0;
}
