/* Stream framing (RFC 3261 §18.3, RFC 5626 keep-alives): several messages
 * in one chunk, one message split at every byte boundary, CRLF pings and
 * pongs, a message without Content-Length, an oversized header. */
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_framer.h"
#include "tests/unit/testutil.h"

static const char *const files[] = {
  "sip/baresip-invite.sip", "sip/sipp-200ok.sip", "sip/baresip-register.sip",
  "sip/register-401.sip", "rfc4475/mpart01.dat",
};

/* The concatenation of FILES, with keep-alives between some of them. */
static GByteArray *
stream_of_files(gboolean keepalives, GPtrArray *parts)
{
  GByteArray *all = g_byte_array_new();
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    GBytes *b = testutil_load(files[i]);
    if (keepalives && i % 2 == 1)
      g_byte_array_append(all, (const guint8 *)"\r\n\r\n", 4);
    g_byte_array_append(all, g_bytes_get_data(b, NULL), (guint)g_bytes_get_size(b));
    g_ptr_array_add(parts, b);
  }
  return all;
}

static void
check_output(sip_stream_framer *f, GPtrArray *parts)
{
  for (guint i = 0; i < parts->len; i++) {
    g_autoptr(GBytes) got = sip_stream_framer_pop(f);
    g_assert_nonnull(got);
    g_assert_true(g_bytes_equal(got, parts->pdata[i]));
    g_auto(sip_message) msg = SIP_MESSAGE_INIT;
    sip_error err;
    g_assert_cmpint(sip_message_parse_bytes(&msg, got, SIP_FRAMING_STREAM, NULL, &err), ==, 0);
  }
  g_assert_null(sip_stream_framer_pop(f));
  g_assert_cmpuint(sip_stream_framer_buffered(f), ==, 0);
}

static void
test_one_chunk(void)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  g_autoptr(GByteArray) all = stream_of_files(TRUE, parts);
  g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
  sip_error err;

  g_assert_cmpint(sip_stream_framer_feed(f, all->data, all->len, &err), ==, 0);
  check_output(f, parts);
  g_assert_cmpuint(sip_stream_framer_take_pings(f), ==, 2);
  g_assert_cmpuint(sip_stream_framer_take_pings(f), ==, 0);
}

static void
test_every_split(void)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  g_autoptr(GByteArray) all = stream_of_files(FALSE, parts);
  sip_error err;

  /* Two chunks, cut at every boundary. */
  for (guint cut = 0; cut <= all->len; cut++) {
    g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
    g_assert_cmpint(sip_stream_framer_feed(f, all->data, cut, &err), ==, 0);
    g_assert_cmpint(sip_stream_framer_feed(f, all->data + cut, all->len - cut, &err), ==, 0);
    check_output(f, parts);
  }
  /* One byte at a time. */
  {
    g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
    for (guint i = 0; i < all->len; i++)
      g_assert_cmpint(sip_stream_framer_feed(f, all->data + i, 1, &err), ==, 0);
    check_output(f, parts);
  }
}

static void
test_keepalives(void)
{
  g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
  g_autoptr(GBytes) b = testutil_load("sip/sipp-200ok.sip");
  sip_error err;

  /* A ping alone, then a pong alone. */
  g_assert_cmpint(sip_stream_framer_feed(f, "\r\n\r\n", 4, &err), ==, 0);
  g_assert_cmpuint(sip_stream_framer_take_pings(f), ==, 1);
  g_assert_cmpint(sip_stream_framer_feed(f, "\r\n", 2, &err), ==, 0);
  g_assert_cmpuint(sip_stream_framer_take_pongs(f), ==, 1);
  g_assert_cmpuint(sip_stream_framer_take_pings(f), ==, 0);
  /* Three pings in a row, then a message. */
  g_assert_cmpint(sip_stream_framer_feed(f, "\r\n\r\n\r\n\r\n\r\n\r\n", 12, &err), ==, 0);
  g_assert_cmpint(sip_stream_framer_feed(f, g_bytes_get_data(b, NULL), g_bytes_get_size(b), &err), ==, 0);
  g_assert_cmpuint(sip_stream_framer_take_pings(f), ==, 3);
  g_autoptr(GBytes) got = sip_stream_framer_pop(f);
  g_assert_true(g_bytes_equal(got, b));
  /* A CR and LF arriving separately wait for each other. */
  g_assert_cmpint(sip_stream_framer_feed(f, "\r", 1, &err), ==, 0);
  g_assert_cmpuint(sip_stream_framer_buffered(f), ==, 1);
  g_assert_cmpint(sip_stream_framer_feed(f, "\n\r", 2, &err), ==, 0);
  g_assert_cmpint(sip_stream_framer_feed(f, "\n", 1, &err), ==, 0);
  g_assert_cmpuint(sip_stream_framer_take_pings(f), ==, 1);
  g_assert_cmpuint(sip_stream_framer_take_pongs(f), ==, 0);
  g_assert_cmpuint(sip_stream_framer_buffered(f), ==, 0);
}

static void
test_no_content_length(void)
{
  g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
  g_autoptr(GBytes) good = testutil_load("sip/sipp-200ok.sip");
  g_autoptr(GBytes) bad = testutil_load("rfc4475/inv2543.dat");
  sip_error err = { 0 };

  g_assert_cmpint(sip_stream_framer_feed(f, g_bytes_get_data(good, NULL), g_bytes_get_size(good), &err), ==, 0);
  g_assert_cmpint(sip_stream_framer_feed(f, g_bytes_get_data(bad, NULL), g_bytes_get_size(bad), &err), ==, -EBADMSG);
  g_assert_cmpuint(err.status, ==, 400);
  g_assert_nonnull(err.reason);
  /* The message before the error is still delivered; the stream stays broken. */
  g_autoptr(GBytes) got = sip_stream_framer_pop(f);
  g_assert_true(g_bytes_equal(got, good));
  g_assert_cmpint(sip_stream_framer_feed(f, g_bytes_get_data(good, NULL), g_bytes_get_size(good), &err), ==, -EBADMSG);
  g_assert_null(sip_stream_framer_pop(f));
  g_assert_cmpuint(sip_stream_framer_buffered(f), ==, 0);
}

static void
test_bad_content_length(void)
{
  static const char *const bad[] = {
    "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab",
    "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 12abc\r\n\r\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
    sip_error err = { 0 };
    g_assert_cmpint(sip_stream_framer_feed(f, bad[i], strlen(bad[i]), &err), ==, -EBADMSG);
    g_assert_cmpuint(err.status, ==, 400);
  }
  /* A folded Content-Length is still read. */
  {
    const char *m = "SIP/2.0 200 OK\r\nContent-Length:\r\n 3\r\n\r\nabcSIP/2.0 100 Trying\r\nl: 0\r\n\r\n";
    g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
    g_assert_cmpint(sip_stream_framer_feed(f, m, strlen(m), NULL), ==, 0);
    g_autoptr(GBytes) a = sip_stream_framer_pop(f);
    g_autoptr(GBytes) b = sip_stream_framer_pop(f);
    g_assert_cmpuint(g_bytes_get_size(a), ==, strlen(m) - 28);
    g_assert_nonnull(b);
  }
}

static void
test_oversized(void)
{
  sip_error err = { 0 };
  /* A 10 MB header: refused once the limit is reached, never buffered. */
  {
    g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
    gsize total = 10 * 1024 * 1024;
    g_autofree char *big = g_malloc(total);
    const char *start = "INVITE sip:a@b SIP/2.0\r\nX-Big: ";
    memset(big, 'x', total);
    memcpy(big, start, strlen(start));
    g_assert_cmpint(sip_stream_framer_feed(f, big, total, &err), ==, -EMSGSIZE);
    g_assert_cmpuint(err.status, ==, 513);
    g_assert_cmpuint(sip_stream_framer_buffered(f), ==, 0);
  }
  /* The same in 1 KiB chunks: the error comes at the limit. */
  {
    g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
    char chunk[1024];
    gsize fed = 0;
    int r = 0;
    memset(chunk, 'y', sizeof chunk);
    memcpy(chunk, "INVITE sip:a@b SIP/2.0\r\nX: ", 27);
    while (r == 0 && fed < 10 * 1024 * 1024) {
      r = sip_stream_framer_feed(f, chunk, sizeof chunk, &err);
      fed += sizeof chunk;
      memset(chunk, 'y', 27);
      g_assert_cmpuint(sip_stream_framer_buffered(f), <=, SIP_DEFAULT_MAX_MESSAGE);
    }
    g_assert_cmpint(r, ==, -EMSGSIZE);
    g_assert_cmpuint(fed, ==, SIP_DEFAULT_MAX_MESSAGE);
  }
  /* A body announced beyond the limit: 413 before any body arrives. */
  {
    g_autoptr(sip_stream_framer) f = sip_stream_framer_new(NULL);
    const char *m = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 1000000\r\n\r\n";
    g_assert_cmpint(sip_stream_framer_feed(f, m, strlen(m), &err), ==, -EMSGSIZE);
    g_assert_cmpuint(err.status, ==, 413);
  }
  /* Custom limits. */
  {
    sip_limits lim = { 200, 16, 100 };
    g_autoptr(sip_stream_framer) f = sip_stream_framer_new(&lim);
    g_autoptr(GBytes) b = testutil_load("sip/sipp-200ok.sip");
    g_assert_cmpint(sip_stream_framer_feed(f, g_bytes_get_data(b, NULL), g_bytes_get_size(b), &err), ==, -EMSGSIZE);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip/framer/one-chunk", test_one_chunk);
  g_test_add_func("/sip/framer/every-split", test_every_split);
  g_test_add_func("/sip/framer/keepalives", test_keepalives);
  g_test_add_func("/sip/framer/no-content-length", test_no_content_length);
  g_test_add_func("/sip/framer/bad-content-length", test_bad_content_length);
  g_test_add_func("/sip/framer/oversized", test_oversized);
  return g_test_run();
}
