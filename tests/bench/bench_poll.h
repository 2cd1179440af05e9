/* rtc2sip-bench: one epoll GSource on the default main context for many
 * sockets (see bench_poll.c for why). Level-triggered: a callback that
 * leaves data unread is called again on the next wake-up. */
#pragma once
#include <glib.h>

typedef struct bench_poll bench_poll;
typedef struct bench_poll_watch bench_poll_watch;
typedef void (*bench_poll_func)(gpointer user_data);

bench_poll *bench_poll_new(void);
void bench_poll_free(bench_poll *p);
/* Calls FUNC(USER_DATA) from the main loop while FD is readable. */
bench_poll_watch *bench_poll_add(bench_poll *p, int fd, bench_poll_func func, gpointer user_data);
/* Stops watching and frees W; NULL is ignored. Safe from inside W's own
 * FUNC (epoll reports a descriptor once per batch), not from inside another
 * watch's FUNC (W may still be named later in the same batch). */
void bench_poll_remove(bench_poll *p, bench_poll_watch *w);
