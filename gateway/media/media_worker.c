/* Media worker threads (see media_worker.h). */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/media_worker.h"

#include "gateway/media/media_poll.h"

struct media_worker {
  guint index;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  media_poll *poll; /* kept for the worker's life, not remade per call */
  gint calls;
};

struct media_workers {
  guint n;
  guint fill;
  media_worker *workers;
};

static gpointer
worker_main(gpointer data)
{
  media_worker *w = data;
  g_main_context_push_thread_default(w->context);
  g_main_loop_run(w->loop);
  /* Let sources released during shutdown run their destroy notifies. */
  while (g_main_context_iteration(w->context, FALSE))
    ;
  g_main_context_pop_thread_default(w->context);
  return NULL;
}

media_workers *
media_workers_new(guint n)
{
  if (n == 0)
    n = g_get_num_processors();
  media_workers *ws = g_new0(media_workers, 1);
  ws->n = n;
  ws->workers = g_new0(media_worker, n);
  for (guint i = 0; i < n; i++) {
    media_worker *w = &ws->workers[i];
    g_autofree char *name = g_strdup_printf("media-%u", i);
    w->index = i;
    w->context = g_main_context_new();
    w->loop = g_main_loop_new(w->context, FALSE);
    w->poll = media_poll_ref_for_context(w->context);
    w->thread = g_thread_new(name, worker_main, w);
  }
  return ws;
}

static gboolean
quit_loop(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

void
media_workers_free(media_workers *ws)
{
  if (!ws)
    return;
  for (guint i = 0; i < ws->n; i++)
    media_worker_invoke(&ws->workers[i], quit_loop, ws->workers[i].loop, NULL);
  for (guint i = 0; i < ws->n; i++) {
    media_worker *w = &ws->workers[i];
    g_thread_join(w->thread);
    media_poll_unref(w->poll);
    g_main_loop_unref(w->loop);
    g_main_context_unref(w->context);
  }
  g_free(ws->workers);
  g_free(ws);
}

guint
media_workers_count(const media_workers *ws)
{
  return ws->n;
}

void
media_workers_set_fill(media_workers *ws, guint fill)
{
  ws->fill = fill;
}

media_worker *
media_workers_pick(media_workers *ws)
{
  for (guint i = 0; ws->fill && i < ws->n; i++)
    if ((guint)g_atomic_int_get(&ws->workers[i].calls) < ws->fill)
      return &ws->workers[i];
  media_worker *best = &ws->workers[0];
  for (guint i = 1; i < ws->n; i++)
    if (g_atomic_int_get(&ws->workers[i].calls) < g_atomic_int_get(&best->calls))
      best = &ws->workers[i];
  return best;
}

GMainContext *
media_worker_context(media_worker *w)
{
  return w->context;
}

guint
media_worker_index(const media_worker *w)
{
  return w->index;
}

void
media_worker_add_calls(media_worker *w, gint delta)
{
  g_atomic_int_add(&w->calls, delta);
}

gint
media_worker_calls(const media_worker *w)
{
  return g_atomic_int_get(&w->calls);
}

void
media_worker_invoke(media_worker *w, GSourceFunc func, gpointer data, GDestroyNotify destroy)
{
  /* Always queued, never run in the caller's thread. */
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, func, data, destroy);
  g_source_attach(source, w->context);
  g_source_unref(source);
}
