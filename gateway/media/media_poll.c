/* One epoll GSource per media worker context (see media_poll.h). */
#define _GNU_SOURCE /* recvmmsg */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/media_poll.h"

#include <errno.h>
#include <glib-unix.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Ready descriptors taken per wake-up; more wait for the next one. */
#define MEDIA_POLL_READY 128

struct media_poll_watch {
  int fd;
  media_poll_func func; /* NULL once removed */
  gpointer user_data;
};

struct media_poll_ticker {
  media_poll_tick_func func; /* NULL once removed */
  gpointer user_data;
};

struct media_poll {
  gint refcount;        /* under registry_lock */
  GMainContext *context;
  int epfd;
  GSource *source;
  guint watches;
  gboolean dispatching;
  /* Watches removed during a batch: freed when the batch is over, since
   * the batch may still name them. */
  GPtrArray *removed;
  struct epoll_event events[MEDIA_POLL_READY];
  GPtrArray *tickers;   /* of media_poll_ticker */
  GSource *tick_source; /* made with the first ticker */
  gboolean ticking;
};

static GMutex registry_lock;
static GHashTable *registry; /* GMainContext -> media_poll */

static gboolean
on_ready(gint fd, GIOCondition condition, gpointer data)
{
  media_poll *p = data;
  int n = epoll_wait(p->epfd, p->events, MEDIA_POLL_READY, 0);
  p->dispatching = TRUE;
  for (int i = 0; i < n; i++) {
    media_poll_watch *w = p->events[i].data.ptr;
    if (w->func)
      w->func(w->fd, w->user_data);
  }
  p->dispatching = FALSE;
  if (p->removed->len)
    g_ptr_array_set_size(p->removed, 0); /* frees them */
  return G_SOURCE_CONTINUE;
}

media_poll *
media_poll_ref_for_context(GMainContext *context)
{
  g_mutex_lock(&registry_lock);
  if (!registry)
    registry = g_hash_table_new(g_direct_hash, g_direct_equal);
  media_poll *p = g_hash_table_lookup(registry, context);
  if (p) {
    p->refcount++;
    g_mutex_unlock(&registry_lock);
    return p;
  }
  p = g_new0(media_poll, 1);
  p->refcount = 1;
  p->context = g_main_context_ref(context);
  p->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (p->epfd < 0)
    g_error("epoll_create1: %s", g_strerror(errno)); /* out of descriptors at start-up */
  p->removed = g_ptr_array_new_with_free_func(g_free);
  p->source = g_unix_fd_source_new(p->epfd, G_IO_IN);
  g_source_set_callback(p->source, G_SOURCE_FUNC(on_ready), p, NULL);
  g_source_attach(p->source, context);
  g_hash_table_insert(registry, context, p);
  g_mutex_unlock(&registry_lock);
  return p;
}

void
media_poll_unref(media_poll *p)
{
  if (!p)
    return;
  g_mutex_lock(&registry_lock);
  gboolean last = --p->refcount == 0;
  if (last)
    g_hash_table_remove(registry, p->context);
  g_mutex_unlock(&registry_lock);
  if (!last)
    return;
  g_warn_if_fail(p->watches == 0);
  g_source_destroy(p->source);
  g_source_unref(p->source);
  if (p->tick_source) {
    g_source_destroy(p->tick_source);
    g_source_unref(p->tick_source);
  }
  if (p->tickers) {
    g_warn_if_fail(p->tickers->len == 0);
    g_ptr_array_unref(p->tickers);
  }
  close(p->epfd);
  g_ptr_array_unref(p->removed);
  g_main_context_unref(p->context);
  g_free(p);
}

media_poll_watch *
media_poll_add(media_poll *p, int fd, media_poll_func func, gpointer user_data)
{
  media_poll_watch *w = g_new0(media_poll_watch, 1);
  w->fd = fd;
  w->func = func;
  w->user_data = user_data;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
  if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    int e = errno;
    g_free(w);
    errno = e;
    return NULL;
  }
  p->watches++;
  return w;
}

void
media_poll_remove(media_poll *p, media_poll_watch *w)
{
  if (!w)
    return;
  epoll_ctl(p->epfd, EPOLL_CTL_DEL, w->fd, NULL);
  p->watches--;
  w->func = NULL;
  if (p->dispatching)
    g_ptr_array_add(p->removed, w);
  else
    g_free(w);
}

guint
media_poll_count(const media_poll *p)
{
  return p->watches;
}

static gboolean
on_tick(gpointer data)
{
  media_poll *p = data;
  gint64 now = g_get_monotonic_time();
  p->ticking = TRUE;
  for (guint i = 0; i < p->tickers->len; i++) {
    media_poll_ticker *t = g_ptr_array_index(p->tickers, i);
    if (t->func)
      t->func(now, t->user_data);
  }
  p->ticking = FALSE;
  /* Sweep the ones removed meanwhile. */
  for (guint i = p->tickers->len; i-- > 0;) {
    media_poll_ticker *t = g_ptr_array_index(p->tickers, i);
    if (!t->func) {
      g_ptr_array_remove_index_fast(p->tickers, i);
      g_free(t);
    }
  }
  return G_SOURCE_CONTINUE;
}

media_poll_ticker *
media_poll_add_ticker(media_poll *p, media_poll_tick_func func, gpointer user_data)
{
  if (!p->tick_source) {
    p->tickers = g_ptr_array_new();
    p->tick_source = g_timeout_source_new(1000);
    g_source_set_callback(p->tick_source, on_tick, p, NULL);
    g_source_attach(p->tick_source, p->context);
  }
  media_poll_ticker *t = g_new0(media_poll_ticker, 1);
  t->func = func;
  t->user_data = user_data;
  g_ptr_array_add(p->tickers, t);
  return t;
}

void
media_poll_remove_ticker(media_poll *p, media_poll_ticker *t)
{
  if (!t)
    return;
  t->func = NULL;
  if (!p->ticking && g_ptr_array_remove_fast(p->tickers, t))
    g_free(t);
}

guint
media_poll_recv(int fd, media_poll_batch *b)
{
  struct iovec iov[MEDIA_POLL_BATCH];
  struct mmsghdr msg[MEDIA_POLL_BATCH];
  for (int i = 0; i < MEDIA_POLL_BATCH; i++) {
    iov[i].iov_base = b->buf[i];
    iov[i].iov_len = sizeof b->buf[i];
    msg[i].msg_hdr = (struct msghdr){
      .msg_name = &b->from[i], .msg_namelen = sizeof b->from[i], .msg_iov = &iov[i], .msg_iovlen = 1,
    };
  }
  int n = recvmmsg(fd, msg, MEDIA_POLL_BATCH, MSG_DONTWAIT, NULL);
  for (int i = 0; i < n; i++) {
    b->len[i] = msg[i].msg_len;
    b->from_len[i] = msg[i].msg_hdr.msg_namelen;
  }
  return n > 0 ? (guint)n : 0;
}
