/* Fuzz target: SDES a=crypto values (RFC 4568). Whatever parses must write
 * back, and the written form must parse to the same attribute. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/media/sdes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_or_abort(const sdes_crypto_attr *a, const sdes_crypto_attr *b)
{
  if (a->tag != b->tag || a->suite != b->suite || a->n_keys != b->n_keys ||
      a->unencrypted_srtp != b->unencrypted_srtp || a->unencrypted_srtcp != b->unencrypted_srtcp ||
      a->unauthenticated_srtp != b->unauthenticated_srtp || a->has_kdr != b->has_kdr ||
      a->kdr != b->kdr || a->has_wsh != b->has_wsh || a->wsh != b->wsh)
    abort();
  for (guint i = 0; i < a->n_keys; i++) {
    const sdes_key_param *x = &a->keys[i], *y = &b->keys[i];
    if (x->key_len != y->key_len || memcmp(x->key, y->key, x->key_len) != 0 ||
        x->has_lifetime != y->has_lifetime || x->lifetime != y->lifetime ||
        x->lifetime_is_power != y->lifetime_is_power || x->has_mki != y->has_mki ||
        x->mki_value != y->mki_value || x->mki_length != y->mki_length)
      abort();
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_auto(sdes_crypto_attr) a = { 0 };
  g_auto(sdes_crypto_attr) b = { 0 };
  const char *reason = NULL;
  char out[SDES_CRYPTO_MAX_LEN];

  if (sdes_crypto_parse((const char *)data, size, &a, &reason) < 0) {
    if (!reason)
      abort();
    return 0;
  }
  reason = NULL;
  if (!sdes_crypto_supported(&a, &reason) && !reason)
    abort();
  if (sdes_crypto_format_redacted(&a, out, sizeof out) < 0)
    abort();
  if (!a.suite_known)
    return 0;
  if (a.n_keys < 1 || a.keys[0].key_len != media_srtp_suite_key_length(a.suite))
    abort();
  int n = sdes_crypto_format(&a, out, sizeof out);
  if (n < 0 || (size_t)n != strlen(out))
    abort();
  if (sdes_crypto_parse(out, (gsize)n, &b, &reason) < 0)
    abort();
  same_or_abort(&a, &b);
  media_srtp_suite allowed[] = { a.suite };
  gsize chosen = 99;
  int rc = sdes_choose_answer(&a, 1, allowed, 1, &chosen, &reason);
  if ((rc == 0) != sdes_crypto_supported(&a, NULL) || (rc == 0 && chosen != 0))
    abort();
  return 0;
}
