/* The libnice adapter on real loopback sockets: two ICE sessions, one
 * controlling and one controlled, trickle candidates to each other, connect,
 * and exchange datagrams. libnice reads the real clock, so this is an
 * integration test with a generous timeout rather than a virtual-time one. */
#include <string.h>

#include "ice/ice_session.h"

typedef struct {
  ice_session *self;
  ice_session *other;
  GPtrArray *pending; /* candidates before the other side exists */
  ice_state state;
  guint received;
  guint8 last[64];
  gboolean gathered;
} side;

static void
on_candidate(const char *candidate, gpointer data)
{
  side *s = data;
  if (!candidate) {
    s->gathered = TRUE;
    return;
  }
  g_ptr_array_add(s->pending, g_strdup(candidate));
}

static void
on_state(ice_state state, gpointer data)
{
  side *s = data;
  s->state = state;
}

static void
on_receive(const guint8 *buf, gsize len, gpointer data)
{
  side *s = data;
  s->received++;
  memcpy(s->last, buf, MIN(len, sizeof s->last));
}

static ice_session *
make(side *s, gboolean controlling, GMainContext *ctx)
{
  static const char *const loopback[] = { "127.0.0.1", NULL };
  ice_session_config cfg = {
    .context = ctx,
    .controlling = controlling,
    .addresses = loopback,
    .consent_freshness = TRUE,
    .callbacks = { on_candidate, on_state, on_receive },
    .user_data = s,
  };
  g_autoptr(GError) error = NULL;
  s->pending = g_ptr_array_new_with_free_func(g_free);
  ice_session *ice = ice_session_new(&cfg, &error);
  g_assert_no_error(error);
  return ice;
}

static gboolean
run_until(GMainContext *ctx, gboolean (*done)(side *, side *), side *a, side *b, gint64 timeout_us)
{
  gint64 end = g_get_monotonic_time() + timeout_us;
  while (!done(a, b)) {
    if (g_get_monotonic_time() > end)
      return FALSE;
    g_main_context_iteration(ctx, FALSE);
    g_usleep(1000);
  }
  return TRUE;
}

static gboolean
both_gathered(side *a, side *b)
{
  return a->gathered && b->gathered;
}

static gboolean
both_connected(side *a, side *b)
{
  return a->state == ICE_STATE_CONNECTED && b->state == ICE_STATE_CONNECTED;
}

static gboolean
both_received(side *a, side *b)
{
  return a->received > 0 && b->received > 0;
}

static void
exchange(side *from, side *to)
{
  for (guint i = 0; i < from->pending->len; i++) {
    const char *reason = NULL;
    g_assert_cmpint(ice_session_add_remote_candidate(to->self, from->pending->pdata[i], &reason), ==, 0);
  }
  ice_session_remote_gathering_done(to->self);
}

static void
test_connect_and_send(void)
{
  g_autoptr(GMainContext) ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  side a = { 0 }, b = { 0 };
  a.self = make(&a, TRUE, ctx);
  b.self = make(&b, FALSE, ctx);

  g_assert_true(run_until(ctx, both_gathered, &a, &b, 5 * G_USEC_PER_SEC));
  g_assert_cmpuint(a.pending->len, >, 0);
  g_assert_nonnull(strstr(a.pending->pdata[0], "candidate:"));
  g_assert_nonnull(strstr(a.pending->pdata[0], "127.0.0.1"));

  g_assert_cmpint(ice_session_set_remote_credentials(a.self, ice_session_local_ufrag(b.self),
                                                     ice_session_local_pwd(b.self)), ==, 0);
  g_assert_cmpint(ice_session_set_remote_credentials(b.self, ice_session_local_ufrag(a.self),
                                                     ice_session_local_pwd(a.self)), ==, 0);
  exchange(&a, &b);
  exchange(&b, &a);
  g_assert_true(run_until(ctx, both_connected, &a, &b, 10 * G_USEC_PER_SEC));

  g_autofree char *pair = ice_session_selected_pair(a.self);
  g_assert_nonnull(pair);
  g_assert_nonnull(strstr(pair, "127.0.0.1"));

  /* RTP-looking datagrams both ways. */
  guint8 pkt[12] = { 0x80, 0x00, 0x00, 0x01 };
  g_assert_cmpint(ice_session_send(a.self, pkt, sizeof pkt), ==, sizeof pkt);
  pkt[3] = 2;
  g_assert_cmpint(ice_session_send(b.self, pkt, sizeof pkt), ==, sizeof pkt);
  g_assert_true(run_until(ctx, both_received, &a, &b, 5 * G_USEC_PER_SEC));
  g_assert_cmpuint(b.last[3], ==, 1);
  g_assert_cmpuint(a.last[3], ==, 2);

  ice_session_free(a.self);
  ice_session_free(b.self);
  g_ptr_array_unref(a.pending);
  g_ptr_array_unref(b.pending);
  g_main_context_pop_thread_default(ctx);
}

static void
test_bad_candidates(void)
{
  g_autoptr(GMainContext) ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  side a = { 0 };
  a.self = make(&a, FALSE, ctx);
  const char *reason = NULL;
  g_assert_cmpint(ice_session_add_remote_candidate(
                    a.self, "candidate:1 1 udp 2122260223 0b6c1d47-7f1e-4a8c-9a52-3e0c8f0a1b2c.local 53720 typ host",
                    &reason), <, 0);
  g_assert_nonnull(strstr(reason, "mDNS"));
  g_assert_cmpint(ice_session_add_remote_candidate(a.self, "garbage", &reason), <, 0);
  g_assert_nonnull(reason);
  g_assert_cmpint(ice_session_add_remote_candidate(a.self, "", &reason), <, 0);
  g_assert_cmpint(ice_session_add_remote_candidate(
                    a.self, "candidate:1 2 udp 2122260223 127.0.0.1 53720 typ host", &reason), <, 0);
  g_assert_nonnull(strstr(reason, "rtcp-mux"));
  /* Sending before ICE connects is refused, not crashed. */
  guint8 pkt[12] = { 0x80 };
  g_assert_cmpint(ice_session_send(a.self, pkt, sizeof pkt), <, 0);
  ice_session_free(a.self);
  g_ptr_array_unref(a.pending);
  g_main_context_pop_thread_default(ctx);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ice/loopback-connect-and-send", test_connect_and_send);
  g_test_add_func("/ice/bad-candidates", test_bad_candidates);
  return g_test_run();
}
