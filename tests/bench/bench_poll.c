/* rtc2sip-bench: one epoll GSource for many sockets.
 *
 * GLib 2.74 polls every source's file descriptor with poll() and walks
 * every source on each wake-up, so with a GSource per socket the cost of a
 * wake-up grows with the number of calls (measured: poll and GLib's source
 * bookkeeping were most of the load generator's CPU at 200 calls). Sockets
 * registered here share one epoll descriptor in one GSource: a wake-up costs
 * the sockets that are ready, not all of them. */
#include <errno.h>
#include <glib-unix.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "tests/bench/bench_poll.h"

#define MAX_EVENTS 256

struct bench_poll {
  int epfd;
  guint source_id;
};

struct bench_poll_watch {
  int fd;
  bench_poll_func func;
  gpointer user_data;
};

static gboolean
on_epoll(gint fd, GIOCondition cond, gpointer user_data)
{
  (void)cond;
  (void)user_data;
  struct epoll_event ev[MAX_EVENTS];
  int n = epoll_wait(fd, ev, MAX_EVENTS, 0);
  for (int i = 0; i < n; i++) {
    bench_poll_watch *w = ev[i].data.ptr;
    w->func(w->user_data);
  }
  return G_SOURCE_CONTINUE;
}

bench_poll *
bench_poll_new(void)
{
  bench_poll *p = g_new0(bench_poll, 1);
  p->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (p->epfd < 0)
    g_error("epoll_create1: %s", g_strerror(errno));
  p->source_id = g_unix_fd_add(p->epfd, G_IO_IN, on_epoll, p);
  return p;
}

void
bench_poll_free(bench_poll *p)
{
  if (!p)
    return;
  g_source_remove(p->source_id);
  close(p->epfd);
  g_free(p);
}

bench_poll_watch *
bench_poll_add(bench_poll *p, int fd, bench_poll_func func, gpointer user_data)
{
  bench_poll_watch *w = g_new0(bench_poll_watch, 1);
  w->fd = fd;
  w->func = func;
  w->user_data = user_data;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
  if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    g_error("epoll_ctl: %s", g_strerror(errno));
  return w;
}

void
bench_poll_remove(bench_poll *p, bench_poll_watch *w)
{
  if (!w)
    return;
  epoll_ctl(p->epfd, EPOLL_CTL_DEL, w->fd, NULL);
  g_free(w);
}
