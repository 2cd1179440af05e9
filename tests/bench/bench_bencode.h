/* Bencode (the encoding of rtpengine's ng control protocol) for the load
 * generator: a writer that appends to a GString and a sans-IO reader that
 * validates one value and looks up members of a dictionary without
 * allocating. Fuzz target: tests/fuzz/fuzz_bench_bencode.c.
 *
 *   value  = string | integer | list | dict
 *   string = length ":" bytes        ("4:spam")
 *   integer = "i" ["-"] digits "e"   ("i42e")
 *   list   = "l" *value "e"
 *   dict   = "d" *(string value) "e"
 */
#pragma once
#include <glib.h>

/* Deepest nesting the reader accepts. */
#define BENCH_BENCODE_MAX_DEPTH 32

void bench_bencode_string(GString *out, const char *s);
void bench_bencode_int(GString *out, gint64 v);
/* "d", "l" and "e" for dictionaries and lists; dictionary members are
 * written as a string key then a value. */
void bench_bencode_begin_dict(GString *out);
void bench_bencode_begin_list(GString *out);
void bench_bencode_end(GString *out);
/* A dictionary member with a string value. */
void bench_bencode_pair(GString *out, const char *key, const char *value);

/* Length of the one value at the start of BUF (LEN bytes), or -EINVAL when
 * it is malformed, truncated or nested deeper than BENCH_BENCODE_MAX_DEPTH. */
gssize bench_bencode_value_length(const char *buf, gsize len);
/* The same for a value nested DEPTH levels deep (its containers count
 * against BENCH_BENCODE_MAX_DEPTH). */
gssize bench_bencode_value_length_at(const char *buf, gsize len, guint depth);

/* BUF (LEN bytes) holds one dictionary. Finds member KEY and, when its value
 * is a string, points *VALUE at its bytes (inside BUF) and sets *VALUE_LEN.
 * Returns 0, -ENOENT (no such key, or not a string), or -EINVAL (BUF is not
 * one well-formed dictionary). */
int bench_bencode_dict_string(const char *buf, gsize len, const char *key, const char **value,
                              gsize *value_len);
