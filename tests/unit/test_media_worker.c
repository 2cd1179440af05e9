/* Which media worker a new call goes to (media_workers_pick): packed up to
 * the fill, then the least loaded; fill 0 spreads evenly. */
#include "gateway/media/media_worker.h"

static guint
pick_and_count(media_workers *ws)
{
  media_worker *w = media_workers_pick(ws);
  media_worker_add_calls(w, 1);
  return media_worker_index(w);
}

static void
test_fill(void)
{
  g_autoptr(media_workers) ws = media_workers_new(3);
  media_workers_set_fill(ws, 2);
  guint order[9];
  for (guint i = 0; i < 9; i++)
    order[i] = pick_and_count(ws);
  /* Two each, in order, then round the least loaded (lowest index on ties). */
  static const guint want[9] = { 0, 0, 1, 1, 2, 2, 0, 1, 2 };
  for (guint i = 0; i < 9; i++)
    g_assert_cmpuint(order[i], ==, want[i]);
  /* A call ends on worker 0: the next one fills that place first. */
  media_worker *w0 = media_workers_pick(ws);
  g_assert_cmpuint(media_worker_index(w0), ==, 0);
  for (guint i = 0; i < 3; i++)
    media_worker_add_calls(w0, -1); /* worker 0 down to 0 calls */
  g_assert_cmpuint(pick_and_count(ws), ==, 0);
  g_assert_cmpuint(pick_and_count(ws), ==, 0);
  g_assert_cmpuint(pick_and_count(ws), ==, 0); /* all at 3 again: least loaded, first */
}

static void
test_spread(void)
{
  g_autoptr(media_workers) ws = media_workers_new(2);
  media_workers_set_fill(ws, 0);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpuint(pick_and_count(ws), ==, i % 2);
  g_assert_cmpint(media_worker_calls(media_workers_pick(ws)), ==, 3);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/worker/fill-then-least-loaded", test_fill);
  g_test_add_func("/media/worker/spread", test_spread);
  return g_test_run();
}
