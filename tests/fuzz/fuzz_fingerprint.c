/* Fuzz target: the a=fingerprint value parser and its round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "certs/fingerprint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fingerprint fp, again;
  const char *reason = NULL;
  char buf[FINGERPRINT_MAX_TEXT];

  if (fingerprint_parse((const char *)data, size, &fp, &reason) == 0) {
    /* What parses formats, and what we format parses back to the same. */
    fingerprint_format(&fp, buf);
    if (fingerprint_parse(buf, strlen(buf), &again, &reason) != 0 || !fingerprint_equal(&fp, &again))
      abort();
  } else if (!reason) {
    abort();
  }
  return 0;
}
