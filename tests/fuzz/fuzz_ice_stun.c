/* Fuzz target: STUN datagrams from the browser once the media worker has
 * taken the selected pair over from libnice (ice/ice_consent.c). The input
 * is fed as it came, from a fixed address; whatever the core answers must
 * be a well-formed, authentic STUN message. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ice/ice_consent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct sockaddr_in br = { .sin_family = AF_INET, .sin_port = htons(50000) };
  br.sin_addr.s_addr = htonl(0xC0000207);
  ice_consent_config cfg = {
    .local_ufrag = "gwuf", .local_pwd = "gateway-password-0123456789", .remote_ufrag = "bruf",
    .remote_pwd = "browser-password-0123456789", .freshness = TRUE,
    .remote = (struct sockaddr *)&br, .remote_len = sizeof br,
  };
  ice_consent *c = ice_consent_new(&cfg, 0);
  uint8_t out[ICE_STUN_MAX];
  gsize olen = 0;
  /* A check first, so that an answer to it can be matched. */
  ice_consent_tick(c, 0, out, &olen);
  ice_consent_result r = ice_consent_feed(c, 1, data, size, (struct sockaddr *)&br, sizeof br, out, &olen);
  if (r == ICE_CONSENT_REPLY) {
    guint16 type = 0;
    if (olen > ICE_STUN_MAX || ice_stun_check(out, olen, &type) || type != 0x0101 ||
        !ice_stun_authentic(out, olen, cfg.local_pwd))
      abort();
  } else if (olen != 0) {
    abort();
  }
  if (r == ICE_CONSENT_DROPPED && !*ice_consent_drop_reason(c))
    abort();
  guint16 alen = 0;
  (void)ice_stun_attr(data, size, 0x0006, &alen);
  ice_consent_free(c);
  return 0;
}
