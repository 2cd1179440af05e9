/* Media worker threads: each runs its own GMainContext. A call's media
 * objects live on one worker for the call's whole life; other threads reach
 * them only through media_worker_invoke(). */
#pragma once
#include <glib.h>

typedef struct media_worker media_worker;
typedef struct media_workers media_workers;

/* Starts N workers (0 = one per core). */
media_workers *media_workers_new(guint n);
/* Stops every worker after the work already queued and joins the threads. */
void media_workers_free(media_workers *workers);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(media_workers, media_workers_free)

guint media_workers_count(const media_workers *workers);
/* Where new calls go: the first worker (by index) carrying fewer than FILL
 * calls, and once every worker carries FILL, the one carrying the fewest.
 * Packing calls onto fewer workers while the load is light means fewer
 * wake-ups per packet (a wake-up finds more packets waiting); 0 always picks
 * the least loaded (an even spread). Default 0. */
void media_workers_set_fill(media_workers *workers, guint fill);
/* The worker for a new call (see media_workers_set_fill); the caller then
 * counts its call with media_worker_add_calls(w, 1). */
media_worker *media_workers_pick(media_workers *workers);

GMainContext *media_worker_context(media_worker *w);
guint media_worker_index(const media_worker *w);
void media_worker_add_calls(media_worker *w, gint delta);
gint media_worker_calls(const media_worker *w);

/* Runs FUNC(DATA) once on the worker's thread; DESTROY(DATA) afterwards. */
void media_worker_invoke(media_worker *w, GSourceFunc func, gpointer data, GDestroyNotify destroy);
