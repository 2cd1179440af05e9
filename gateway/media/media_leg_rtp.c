/* The UDP transport of a media leg (SIP legs): an RTP socket on an even port
 * and an RTCP socket on the next one (unused with rtcp-mux), symmetric
 * latching to where accepted packets come from. Raw sockets watched by the
 * worker's epoll source (media_poll.h) and drained with recvmmsg: receive
 * and send allocate nothing. */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/media_leg_private.h"
#include "gateway/media/media_poll.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  int fd[2];
  media_poll *poll;
  media_poll_watch *watch[2];
  guint16 port;
  char *address;
  int family;
  struct sockaddr_storage remote[2];
  socklen_t remote_len[2];
  gboolean rtcp_mux;
  gboolean latched[2];
} rtp_transport;

static int
rtp_send(media_leg *leg, media_component component, const guint8 *buf, gsize len)
{
  rtp_transport *t = leg->transport;
  int c = t->rtcp_mux ? MEDIA_COMPONENT_RTP : component;
  if (!t->remote_len[c])
    return -ENOTCONN;
  ssize_t n = sendto(t->fd[c], buf, len, 0, (struct sockaddr *)&t->remote[c], t->remote_len[c]);
  return n < 0 ? -errno : (int)n;
}

static void
rtp_free(media_leg *leg)
{
  rtp_transport *t = leg->transport;
  if (!t)
    return;
  for (int c = 0; c < 2; c++) {
    media_poll_remove(t->poll, t->watch[c]); /* before the close */
    if (t->fd[c] >= 0)
      close(t->fd[c]);
  }
  media_poll_unref(t->poll);
  g_free(t->address);
  g_free(t);
  leg->transport = NULL;
}

static const media_transport_ops rtp_ops = { rtp_send, rtp_free };

static gboolean
same_address(const struct sockaddr_storage *a, socklen_t alen, const struct sockaddr_storage *b, socklen_t blen)
{
  return alen == blen && memcmp(a, b, alen) == 0;
}

static void
on_readable(int fd, gpointer data)
{
  media_leg *leg = data;
  rtp_transport *t = leg->transport;
  media_component c = fd == t->fd[MEDIA_COMPONENT_RTP] ? MEDIA_COMPONENT_RTP : MEDIA_COMPONENT_RTCP;
  media_poll_batch b;

  for (guint taken = 0; taken < MEDIA_POLL_PER_WAKEUP;) {
    guint n = media_poll_recv(fd, &b);
    for (guint i = 0; i < n; i++) {
      guint64 accepted = leg->stats.rtp_in + leg->stats.rtcp_in;
      media_leg_receive(leg, c, b.buf[i], b.len[i]);
      if (!leg->transport)
        return;
      /* Symmetric RTP: answer where accepted (authenticated, for SRTP)
       * packets come from. */
      socklen_t from_len = b.from_len[i];
      if (leg->stats.rtp_in + leg->stats.rtcp_in > accepted &&
          !same_address(&b.from[i], from_len, &t->remote[c], t->remote_len[c])) {
        if (t->latched[c])
          g_debug("media source moved (component %d)", c);
        memcpy(&t->remote[c], &b.from[i], from_len);
        t->remote_len[c] = from_len;
        t->latched[c] = TRUE;
      }
    }
    taken += n;
    if (n < MEDIA_POLL_BATCH)
      return; /* drained: no extra call to learn it */
  }
}

static int
bind_udp(int family, const void *addr, guint16 port)
{
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  struct sockaddr_storage ss = { 0 };
  socklen_t len;
  if (family == AF_INET) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    memcpy(&sin->sin_addr, addr, 4);
    len = sizeof *sin;
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    memcpy(&sin6->sin6_addr, addr, 16);
    len = sizeof *sin6;
  }
  if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

media_leg *
media_leg_new_rtp(const media_leg_rtp_config *config, GError **error)
{
  guint8 addr[16];
  int family = AF_INET;
  if (inet_pton(AF_INET, config->bind_address, addr) != 1) {
    family = AF_INET6;
    if (inet_pton(AF_INET6, config->bind_address, addr) != 1) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "media: %s is not an IP address",
                  config->bind_address);
      return NULL;
    }
  }
  guint16 lo = config->port_min ? config->port_min : 20000;
  guint16 hi = config->port_max ? config->port_max : 29999;
  lo += lo & 1; /* even */
  if (hi <= lo) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "media: empty RTP port range");
    return NULL;
  }
  rtp_transport *t = g_new0(rtp_transport, 1);
  t->fd[0] = t->fd[1] = -1;
  t->family = family;
  t->address = g_strdup(config->bind_address);

  /* Try even ports from a random place in the range. */
  guint pairs = (hi - lo) / 2;
  guint start = g_random_int_range(0, pairs);
  for (guint i = 0; i < pairs && t->fd[0] < 0; i++) {
    guint16 port = lo + 2 * ((start + i) % pairs);
    int rtp = bind_udp(family, addr, port);
    if (rtp < 0)
      continue;
    int rtcp = bind_udp(family, addr, port + 1);
    if (rtcp < 0) {
      close(rtp);
      continue;
    }
    t->fd[0] = rtp;
    t->fd[1] = rtcp;
    t->port = port;
  }
  if (t->fd[0] < 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                "media: no free RTP/RTCP port pair in %u-%u on %s", lo, hi, config->bind_address);
    g_free(t->address);
    g_free(t);
    return NULL;
  }

  media_leg *leg = media_leg_alloc(&config->common, &rtp_ops);
  leg->transport = t;
  t->poll = media_poll_ref_for_context(config->common.context);
  for (int c = 0; c < 2; c++) {
    t->watch[c] = media_poll_add(t->poll, t->fd[c], on_readable, leg);
    if (!t->watch[c]) {
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "media: cannot watch the RTP socket: %s",
                  g_strerror(errno));
      media_leg_free(leg);
      return NULL;
    }
  }
  return leg;
}

guint16
media_leg_rtp_port(const media_leg *leg)
{
  const rtp_transport *t = leg->transport;
  return t ? t->port : 0;
}

const char *
media_leg_rtp_address(const media_leg *leg)
{
  const rtp_transport *t = leg->transport;
  return t ? t->address : NULL;
}

static gboolean
make_address(const char *host, guint16 port, struct sockaddr_storage *ss, socklen_t *len)
{
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *sin = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    *len = sizeof *sin;
    return TRUE;
  }
  if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    *len = sizeof *sin6;
    return TRUE;
  }
  return FALSE;
}

int
media_leg_set_remote(media_leg *leg, const char *host, guint16 rtp_port, guint16 rtcp_port,
                     gboolean rtcp_mux)
{
  rtp_transport *t = leg->transport;
  struct sockaddr_storage rtp, rtcp;
  socklen_t rtp_len, rtcp_len;
  if (!t || !make_address(host, rtp_port, &rtp, &rtp_len) ||
      !make_address(host, rtcp_port ? rtcp_port : (guint16)(rtp_port + 1), &rtcp, &rtcp_len))
    return -EINVAL;
  if (rtp.ss_family != t->family)
    return -EAFNOSUPPORT;
  t->remote[0] = rtp;
  t->remote_len[0] = rtp_len;
  t->remote[1] = rtcp;
  t->remote_len[1] = rtcp_len;
  t->rtcp_mux = rtcp_mux;
  t->latched[0] = t->latched[1] = FALSE;
  if (!leg->transport_up) {
    leg->transport_up = TRUE;
    media_leg_start_dtls(leg); /* a DTLS client starts once it knows where to */
  }
  return 0;
}
