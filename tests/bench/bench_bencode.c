/* Bencode writer and reader: see bench_bencode.h. */
#include <errno.h>
#include <string.h>

#include "tests/bench/bench_bencode.h"

void
bench_bencode_string(GString *out, const char *s)
{
  g_string_append_printf(out, "%zu:", strlen(s));
  g_string_append(out, s);
}

void
bench_bencode_int(GString *out, gint64 v)
{
  g_string_append_printf(out, "i%" G_GINT64_FORMAT "e", v);
}

void
bench_bencode_begin_dict(GString *out)
{
  g_string_append_c(out, 'd');
}

void
bench_bencode_begin_list(GString *out)
{
  g_string_append_c(out, 'l');
}

void
bench_bencode_end(GString *out)
{
  g_string_append_c(out, 'e');
}

void
bench_bencode_pair(GString *out, const char *key, const char *value)
{
  bench_bencode_string(out, key);
  bench_bencode_string(out, value);
}

/* A string at BUF: sets *START and *SLEN to its bytes; returns its total
 * length or -EINVAL. */
static gssize
string_at(const char *buf, gsize len, gsize *start, gsize *slen)
{
  gsize i = 0, n = 0;
  if (len == 0 || !g_ascii_isdigit(buf[0]))
    return -EINVAL;
  /* No leading zeros except "0:"; at most 9 digits (under 1 GB). */
  if (buf[0] == '0' && len > 1 && buf[1] != ':')
    return -EINVAL;
  while (i < len && g_ascii_isdigit(buf[i])) {
    if (i >= 9)
      return -EINVAL;
    n = n * 10 + (gsize)(buf[i] - '0');
    i++;
  }
  if (i >= len || buf[i] != ':')
    return -EINVAL;
  i++;
  if (len - i < n)
    return -EINVAL;
  *start = i;
  *slen = n;
  return (gssize)(i + n);
}

static gssize
value_length(const char *buf, gsize len, guint depth)
{
  if (len == 0 || depth > BENCH_BENCODE_MAX_DEPTH)
    return -EINVAL;
  gsize start, slen;
  switch (buf[0]) {
  case 'i': {
    gsize i = 1;
    if (i < len && buf[i] == '-')
      i++;
    gsize digits = i;
    while (i < len && g_ascii_isdigit(buf[i]) && i - digits < 19)
      i++;
    if (i == digits || i >= len || buf[i] != 'e')
      return -EINVAL;
    /* "i-0e" and leading zeros are not canonical. */
    if (buf[digits] == '0' && (i - digits > 1 || digits == 2))
      return -EINVAL;
    return (gssize)(i + 1);
  }
  case 'l':
  case 'd': {
    gboolean dict = buf[0] == 'd';
    gsize pos = 1;
    for (;;) {
      if (pos >= len)
        return -EINVAL;
      if (buf[pos] == 'e')
        return (gssize)(pos + 1);
      if (dict) {
        gssize k = string_at(buf + pos, len - pos, &start, &slen);
        if (k < 0)
          return -EINVAL;
        pos += (gsize)k;
      }
      gssize v = value_length(buf + pos, len - pos, depth + 1);
      if (v < 0)
        return -EINVAL;
      pos += (gsize)v;
    }
  }
  default:
    return string_at(buf, len, &start, &slen);
  }
}

gssize
bench_bencode_value_length_at(const char *buf, gsize len, guint depth)
{
  return value_length(buf, len, depth);
}

gssize
bench_bencode_value_length(const char *buf, gsize len)
{
  return value_length(buf, len, 0);
}

int
bench_bencode_dict_string(const char *buf, gsize len, const char *key, const char **value,
                          gsize *value_len)
{
  gssize total = value_length(buf, len, 0);
  if (total < 0 || (gsize)total != len || buf[0] != 'd')
    return -EINVAL;
  gsize klen_want = strlen(key);
  gsize pos = 1;
  while (buf[pos] != 'e') {
    gsize ks, kl, vs, vl;
    gssize k = string_at(buf + pos, len - pos, &ks, &kl);
    const char *kp = buf + pos + ks;
    pos += (gsize)k;
    gssize v = value_length(buf + pos, len - pos, 1);
    if (kl == klen_want && memcmp(kp, key, kl) == 0) {
      if (string_at(buf + pos, len - pos, &vs, &vl) < 0)
        return -ENOENT;
      *value = buf + pos + vs;
      *value_len = vl;
      return 0;
    }
    pos += (gsize)v;
  }
  return -ENOENT;
}
