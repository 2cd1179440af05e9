/* Fuzz target: the load generator's bencode reader (tests/bench/
 * bench_bencode.c), as used on rtpengine's ng replies: a value's length and
 * dictionary lookups. A value the reader accepts is re-checked inside a
 * dictionary and a list written by the writer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/bench_bencode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *buf = (const char *)data;
  gssize n = bench_bencode_value_length(buf, size);
  if (n > (gssize)size)
    abort();
  static const char *const keys[] = { "result", "sdp", "error-reason", "" };
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
    const char *v = NULL;
    gsize vl = 0;
    if (bench_bencode_dict_string(buf, size, keys[i], &v, &vl) == 0 &&
        (v < buf || v + vl > buf + size))
      abort();
  }
  /* Nested two levels deeper it is the same value, or refused only for
   * depth (a value at the depth limit cannot be wrapped). */
  gssize n2 = bench_bencode_value_length_at(buf, size, 2);
  if (n2 > 0 && n2 != n)
    abort();
  if (n2 > 0) {
    /* The accepted value inside a written dictionary and list. */
    GString *out = g_string_new(NULL);
    bench_bencode_begin_dict(out);
    bench_bencode_string(out, "a");
    bench_bencode_begin_list(out);
    g_string_append_len(out, buf, n);
    bench_bencode_int(out, -7);
    bench_bencode_end(out);
    bench_bencode_pair(out, "sdp", "v=0");
    bench_bencode_end(out);
    const char *v = NULL;
    gsize vl = 0;
    if (bench_bencode_value_length(out->str, out->len) != (gssize)out->len ||
        bench_bencode_dict_string(out->str, out->len, "sdp", &v, &vl) != 0 || vl != 3 ||
        memcmp(v, "v=0", 3) != 0)
      abort();
    g_string_free(out, TRUE);
  }
  return 0;
}
