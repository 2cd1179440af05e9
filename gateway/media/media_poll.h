/* One epoll GSource per media worker context for all the media sockets on
 * it.
 *
 * GLib 2.74 polls every source's descriptor with poll() and walks every
 * source in prepare and check on each wake-up, so with a GSource per socket
 * a worker's wake-up costs every socket of every call on it (measured: most
 * of the media workers' CPU, see docs/performance.md). Sockets watched here
 * share one epoll descriptor in one GSource: a wake-up costs the sockets that
 * are ready, and all of them are dispatched in that one wake-up.
 *
 * Level-triggered: a callback that leaves data unread is called again on the
 * next wake-up. Every function runs on the context's thread, except
 * media_poll_ref_for_context and media_poll_unref, which may run anywhere. */
#pragma once
#include <glib.h>
#include <sys/socket.h>

typedef struct media_poll media_poll;
typedef struct media_poll_watch media_poll_watch;

/* FD is readable (or has an error pending, which the read reports). */
typedef void (*media_poll_func)(int fd, gpointer user_data);

/* The poll of CONTEXT, made and attached on first use; returns a new
 * reference (the caller unrefs it). */
media_poll *media_poll_ref_for_context(GMainContext *context);
/* Drops a reference; the last one removes the source and closes the epoll
 * descriptor (every watch must be removed by then). */
void media_poll_unref(media_poll *poll);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(media_poll, media_poll_unref)

/* Calls FUNC(FD, USER_DATA) from the context while FD is readable. Returns
 * the watch, or NULL with errno set when epoll refuses the descriptor. The
 * descriptor stays the caller's: remove the watch before closing it. */
media_poll_watch *media_poll_add(media_poll *poll, int fd, media_poll_func func, gpointer user_data);
/* Stops watching (NULL is ignored). Safe from inside any watch's callback:
 * a removed watch is never called again, even later in the same batch. */
void media_poll_remove(media_poll *poll, media_poll_watch *watch);

/* Once-a-second work for things living on the context (ICE consent checks
 * of handed-over browser legs): one timer per poll, whatever the count, so
 * that a thousand calls do not put a thousand timeouts on the context for
 * GLib to walk on every wake-up. NOW_US is g_get_monotonic_time(). */
typedef struct media_poll_ticker media_poll_ticker;
typedef void (*media_poll_tick_func)(gint64 now_us, gpointer user_data);
media_poll_ticker *media_poll_add_ticker(media_poll *poll, media_poll_tick_func func, gpointer user_data);
/* NULL is ignored; safe from inside any ticker's callback. */
void media_poll_remove_ticker(media_poll *poll, media_poll_ticker *ticker);

/* Draining a readable socket: one recvmmsg takes up to MEDIA_POLL_BATCH
 * datagrams into a batch on the caller's stack (nothing allocated); a
 * callback should take at most MEDIA_POLL_PER_WAKEUP from one socket per
 * wake-up, so that one busy socket cannot starve the others, and can stop
 * early when a call returned fewer than MEDIA_POLL_BATCH (drained). */
#define MEDIA_POLL_BATCH 16
#define MEDIA_POLL_PER_WAKEUP 64
#define MEDIA_POLL_DATAGRAM_ROOM 1501 /* one more than the largest datagram relayed: longer ones show */
typedef struct {
  guint8 buf[MEDIA_POLL_BATCH][MEDIA_POLL_DATAGRAM_ROOM];
  gsize len[MEDIA_POLL_BATCH];
  struct sockaddr_storage from[MEDIA_POLL_BATCH];
  socklen_t from_len[MEDIA_POLL_BATCH];
} media_poll_batch;
/* Returns how many datagrams were taken into B (0: none waiting, or an error). */
guint media_poll_recv(int fd, media_poll_batch *b);

/* Watches on POLL (tests). */
guint media_poll_count(const media_poll *poll);
