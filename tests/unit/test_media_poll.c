/* The media workers' epoll source (media_poll) and the SIP legs' sockets
 * on it, over real UDP sockets on loopback. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/media/media_leg.h"
#include "gateway/media/media_poll.h"

/* A UDP socket bound to 127.0.0.1 on a free port; *PORT gets the port. */
static int
udp_socket(guint16 *port)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  g_assert_cmpint(fd, >=, 0);
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  g_assert_cmpint(bind(fd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
  socklen_t len = sizeof sin;
  g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
  if (port)
    *port = ntohs(sin.sin_port);
  return fd;
}

static void
send_to(int fd, guint16 port, const void *buf, gsize len)
{
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  g_assert_cmpint(sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof to), ==, (gssize)len);
}

/* Iterates CONTEXT until *COUNTER reaches WANT (or 2 s pass). */
static void
run_until(GMainContext *context, const guint *counter, guint want)
{
  gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (*counter < want && g_get_monotonic_time() < end)
    g_main_context_iteration(context, FALSE);
}

typedef struct {
  media_poll *poll;
  int fds[3];
  media_poll_watch *watches[3];
  guint calls[3];
  guint total;
  int remove_other; /* index of a watch the first callback removes, -1: none */
} poll_fixture;

static void
on_fd(int fd, gpointer data)
{
  poll_fixture *f = data;
  int i = fd == f->fds[0] ? 0 : fd == f->fds[1] ? 1 : 2;
  char buf[64];
  while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
    ;
  f->calls[i]++;
  f->total++;
  if (f->remove_other >= 0 && f->remove_other != i) {
    media_poll_remove(f->poll, f->watches[f->remove_other]);
    f->watches[f->remove_other] = NULL;
    f->remove_other = -1;
  }
}

static void
test_one_source_many_sockets(void)
{
  g_autoptr(GMainContext) context = g_main_context_new();
  poll_fixture f = { .remove_other = -1 };
  f.poll = media_poll_ref_for_context(context);
  /* One poll per context, shared by every user. */
  media_poll *again = media_poll_ref_for_context(context);
  g_assert_true(again == f.poll);
  media_poll_unref(again);

  guint16 ports[3];
  for (int i = 0; i < 3; i++) {
    f.fds[i] = udp_socket(&ports[i]);
    f.watches[i] = media_poll_add(f.poll, f.fds[i], on_fd, &f);
    g_assert_nonnull(f.watches[i]);
  }
  g_assert_cmpuint(media_poll_count(f.poll), ==, 3);
  /* A descriptor twice: epoll refuses it. */
  errno = 0;
  g_assert_null(media_poll_add(f.poll, f.fds[0], on_fd, &f));
  g_assert_cmpint(errno, ==, EEXIST);

  int sender = udp_socket(NULL);
  for (int i = 0; i < 3; i++)
    send_to(sender, ports[i], "x", 1);
  run_until(context, &f.total, 3);
  for (int i = 0; i < 3; i++)
    g_assert_cmpuint(f.calls[i], ==, 1);

  /* Nothing ready: no callback. */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration(context, FALSE);
  g_assert_cmpuint(f.total, ==, 3);

  /* All three ready in one batch; the first callback removes another
   * watch, which must then not be called, even though the batch names it. */
  f.remove_other = 1;
  memset(f.calls, 0, sizeof f.calls);
  f.total = 0;
  for (int i = 0; i < 3; i++)
    send_to(sender, ports[i], "y", 1);
  g_usleep(20000); /* all three queued before the wake-up */
  g_main_context_iteration(context, FALSE);
  run_until(context, &f.total, 2);
  g_assert_cmpuint(f.total, ==, 2);
  g_assert_null(f.watches[1]);
  g_assert_cmpuint(f.calls[1], ==, 0);
  g_assert_cmpuint(media_poll_count(f.poll), ==, 2);
  /* The removed socket's datagram stays unread, and nothing calls for it. */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration(context, FALSE);
  g_assert_cmpuint(f.total, ==, 2);

  for (int i = 0; i < 3; i++) {
    media_poll_remove(f.poll, f.watches[i]);
    close(f.fds[i]);
  }
  g_assert_cmpuint(media_poll_count(f.poll), ==, 0);
  media_poll_unref(f.poll);
  close(sender);
}

/* A SIP leg in plain RTP, peered with itself (as the echo does): a burst of
 * packets larger than one recvmmsg batch is read and every packet comes
 * back, in order. */
static void
test_rtp_leg_burst(void)
{
  g_autoptr(GMainContext) context = g_main_context_new();
  media_leg_rtp_config config = {
    .common = { .context = context },
    .bind_address = "127.0.0.1",
    .port_min = 31000,
    .port_max = 31999,
  };
  g_autoptr(GError) error = NULL;
  media_leg *leg = media_leg_new_rtp(&config, &error);
  g_assert_no_error(error);
  media_leg_set_peer(leg, leg);
  guint16 leg_port = media_leg_rtp_port(leg);

  guint16 phone_port;
  int phone = udp_socket(&phone_port);
  g_assert_cmpint(media_leg_set_remote(leg, "127.0.0.1", phone_port, 0, FALSE), ==, 0);

  enum { BURST = 40 };
  for (guint i = 0; i < BURST; i++) {
    guint8 pkt[172] = { 0x80, 0x00 };
    pkt[2] = i >> 8;
    pkt[3] = i & 0xff;
    pkt[11] = 0x42;
    send_to(phone, leg_port, pkt, sizeof pkt);
  }
  g_usleep(20000);
  media_leg_stats st;
  guint got = 0;
  gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (got < BURST && g_get_monotonic_time() < end) {
    g_main_context_iteration(context, FALSE);
    guint8 back[1500];
    gssize n;
    while ((n = recv(phone, back, sizeof back, MSG_DONTWAIT)) > 0) {
      g_assert_cmpint(n, ==, 172);
      g_assert_cmpuint((back[2] << 8) | back[3], ==, got);
      got++;
    }
  }
  g_assert_cmpuint(got, ==, BURST);
  media_leg_get_stats(leg, &st);
  g_assert_cmpuint(st.rtp_in, ==, BURST);
  g_assert_cmpuint(st.rtp_out, ==, BURST);

  media_leg_free(leg);
  /* The leg's watches are gone with it: its poll was its only user. */
  media_poll *p = media_poll_ref_for_context(context);
  g_assert_cmpuint(media_poll_count(p), ==, 0);
  media_poll_unref(p);
  close(phone);
}

typedef struct {
  media_poll *poll;
  media_poll_ticker *other;
  guint calls;
  gint64 last;
} ticker_state;

static void
on_tick_removing(gint64 now_us, gpointer data)
{
  ticker_state *t = data;
  t->calls++;
  t->last = now_us;
  /* Removing another ticker from inside the batch: it is not called again. */
  media_poll_remove_ticker(t->poll, t->other);
  t->other = NULL;
}

static void
on_tick_count(gint64 now_us, gpointer data)
{
  ticker_state *t = data;
  t->calls++;
}

/* One timer for all tickers of a context, about once a second. */
static void
test_tickers(void)
{
  g_autoptr(GMainContext) ctx = g_main_context_new();
  g_autoptr(media_poll) poll = media_poll_ref_for_context(ctx);
  ticker_state first = { .poll = poll }, second = { .poll = poll };
  /* The second is added first so that the first, removing it, runs after it once. */
  media_poll_ticker *t2 = media_poll_add_ticker(poll, on_tick_count, &second);
  first.other = t2;
  media_poll_ticker *t1 = media_poll_add_ticker(poll, on_tick_removing, &first);
  gint64 start = g_get_monotonic_time();
  while (first.calls < 2 && g_get_monotonic_time() - start < 5 * G_USEC_PER_SEC)
    g_main_context_iteration(ctx, TRUE);
  g_assert_cmpuint(first.calls, ==, 2);
  g_assert_cmpuint(second.calls, ==, 1);
  g_assert_cmpint(first.last - start, >=, 2 * G_USEC_PER_SEC - 50000);
  media_poll_remove_ticker(poll, t1);
  media_poll_remove_ticker(poll, NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/poll/one-source-many-sockets", test_one_source_many_sockets);
  g_test_add_func("/media/poll/rtp-leg-burst", test_rtp_leg_burst);
  g_test_add_func("/media/poll/tickers", test_tickers);
  return g_test_run();
}
