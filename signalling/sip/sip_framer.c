#define G_LOG_DOMAIN "rtc2sip-sip"
#include "signalling/sip/sip_framer.h"

#include <errno.h>
#include <string.h>

struct sip_stream_framer {
  sip_limits limits;
  GByteArray *buf;
  GQueue ready;      /* GBytes, oldest first */
  guint pings;
  guint pongs;
  gsize scanned;     /* no header end before this offset */
  gsize need;        /* length of the message being received, once known */
  sip_error error;   /* code != 0 once broken */
};

sip_stream_framer *
sip_stream_framer_new(const sip_limits *limits)
{
  sip_stream_framer *f = g_new0(sip_stream_framer, 1);
  f->limits = limits ? *limits : SIP_LIMITS_DEFAULT;
  if (f->limits.max_message == 0)
    f->limits.max_message = SIP_DEFAULT_MAX_MESSAGE;
  f->buf = g_byte_array_new();
  g_queue_init(&f->ready);
  return f;
}

void
sip_stream_framer_free(sip_stream_framer *f)
{
  if (!f)
    return;
  g_queue_clear_full(&f->ready, (GDestroyNotify)g_bytes_unref);
  g_byte_array_unref(f->buf);
  g_free(f);
}

static int
broken(sip_stream_framer *f, int code, guint status, const char *reason)
{
  return sip_error_set(&f->error, code, status, reason);
}

/* Drops keep-alive CRLFs at the front of the buffer. Returns FALSE when
 * the front is a CR or CRLF that needs more octets to be read. */
static gboolean
skip_keepalives(sip_stream_framer *f)
{
  const guint8 *d = f->buf->data;
  gsize n = f->buf->len, i = 0;
  gboolean complete = TRUE;

  while (i < n && (d[i] == '\r' || d[i] == '\n')) {
    if (n - i >= 4 && memcmp(d + i, "\r\n\r\n", 4) == 0) {
      f->pings++;
      i += 4;
    } else if (n - i >= 2 && d[i] == '\r' && d[i + 1] == '\n') {
      if (n - i == 3 && d[i + 2] == '\r') {
        complete = FALSE;        /* maybe the second half of a ping */
        break;
      }
      f->pongs++;
      i += 2;
    } else if (n - i == 1 && d[i] == '\r') {
      complete = FALSE;
      break;
    } else {
      i++;                       /* a stray CR or LF */
    }
  }
  if (i > 0) {
    g_byte_array_remove_range(f->buf, 0, (guint)i);
    f->scanned = 0;
  }
  return complete;
}

/* Offset just past the empty line ending the header section, searching
 * from FROM; 0 when it has not arrived. */
static gsize
find_header_end(const guint8 *d, gsize len, gsize from)
{
  for (gsize i = from; i < len; i++) {
    if (d[i] != '\n')
      continue;
    if (i + 1 < len && d[i + 1] == '\n')
      return i + 2;
    if (i + 2 < len && d[i + 1] == '\r' && d[i + 2] == '\n')
      return i + 3;
  }
  return 0;
}

/* Moves every complete message of the buffer to the ready queue. */
static int
extract(sip_stream_framer *f)
{
  for (;;) {
    gsize hdr_len;
    guint64 cl = 0;
    int r;

    if (f->need > 0 && f->buf->len < f->need)
      return 0;   /* still receiving a body: nothing to rescan */
    if (f->need == 0 && (!skip_keepalives(f) || f->buf->len == 0))
      return 0;
    /* Each octet is searched once, so a slow sender costs linear time. */
    hdr_len = find_header_end(f->buf->data, f->buf->len, f->scanned);
    if (hdr_len == 0) {
      if (f->buf->len >= f->limits.max_message)
        return broken(f, -EMSGSIZE, 513, "header section larger than the size limit");
      f->scanned = f->buf->len >= 2 ? f->buf->len - 2 : 0;
      return 0;
    }
    r = sip_message_scan_content_length((const char *)f->buf->data, hdr_len, &cl);
    if (r == -ENOENT)
      return broken(f, -EBADMSG, 400, "no Content-Length on a stream transport");
    if (r < 0)
      return broken(f, -EBADMSG, 400, "bad Content-Length on a stream transport");
    if (cl > f->limits.max_message || hdr_len + cl > f->limits.max_message)
      return broken(f, -EMSGSIZE, 413, "body larger than the size limit");
    gsize total = hdr_len + (gsize)cl;
    if (f->buf->len < total) {
      f->need = total;
      return 0;
    }
    g_queue_push_tail(&f->ready, g_bytes_new(f->buf->data, total));
    g_byte_array_remove_range(f->buf, 0, (guint)total);
    f->need = 0;
    f->scanned = 0;
  }
}

int
sip_stream_framer_feed(sip_stream_framer *f, const void *data, gsize len, sip_error *err)
{
  const guint8 *p = data;
  int r;

  while (f->error.code == 0 && len > 0) {
    gsize room = f->limits.max_message > f->buf->len ? f->limits.max_message - f->buf->len : 0;
    gsize n = MIN(len, room);
    if (n == 0) {
      broken(f, -EMSGSIZE, 513, "message larger than the size limit");
      break;
    }
    g_byte_array_append(f->buf, p, (guint)n);
    p += n;
    len -= n;
    r = extract(f);
    if (r < 0)
      break;
  }
  if (f->error.code != 0) {
    /* Nothing more is kept: a broken stream is closed by the caller. */
    g_byte_array_set_size(f->buf, 0);
    if (err)
      *err = f->error;
    return f->error.code;
  }
  return 0;
}

GBytes *
sip_stream_framer_pop(sip_stream_framer *f)
{
  return g_queue_pop_head(&f->ready);
}

guint
sip_stream_framer_take_pings(sip_stream_framer *f)
{
  guint n = f->pings;
  f->pings = 0;
  return n;
}

guint
sip_stream_framer_take_pongs(sip_stream_framer *f)
{
  guint n = f->pongs;
  f->pongs = 0;
  return n;
}

gsize
sip_stream_framer_buffered(const sip_stream_framer *f)
{
  return f->buf->len;
}
