/* The libnice adapter on real loopback sockets: two ICE sessions, one
 * controlling and one controlled, trickle candidates to each other, connect,
 * and exchange datagrams. libnice reads the real clock, so this is an
 * integration test with a generous timeout rather than a virtual-time one. */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ice/ice_consent.h"
#include "ice/ice_session.h"

typedef struct {
  ice_session *self;
  ice_session *other;
  GPtrArray *pending; /* candidates before the other side exists */
  ice_state state;
  guint received;
  guint8 last[64];
  gboolean gathered;
  gboolean completed;
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

static void
on_completed(gpointer data)
{
  side *s = data;
  s->completed = TRUE;
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
    .callbacks = { on_candidate, on_state, on_receive, on_completed },
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

static gboolean
both_received_a(side *a, side *b)
{
  return a->received > 0;
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

/* Gathers both, swaps credentials and candidates, and runs until DONE. */
static void
connect_pair(GMainContext *ctx, side *a, side *b, gboolean (*done)(side *, side *))
{
  g_assert_true(run_until(ctx, both_gathered, a, b, 5 * G_USEC_PER_SEC));
  g_assert_cmpint(ice_session_set_remote_credentials(a->self, ice_session_local_ufrag(b->self),
                                                     ice_session_local_pwd(b->self)), ==, 0);
  g_assert_cmpint(ice_session_set_remote_credentials(b->self, ice_session_local_ufrag(a->self),
                                                     ice_session_local_pwd(a->self)), ==, 0);
  exchange(a, b);
  exchange(b, a);
  g_assert_true(run_until(ctx, done, a, b, 10 * G_USEC_PER_SEC));
}

static void
test_connect_and_send(void)
{
  g_autoptr(GMainContext) ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  side a = { 0 }, b = { 0 };
  a.self = make(&a, TRUE, ctx);
  b.self = make(&b, FALSE, ctx);

  connect_pair(ctx, &a, &b, both_connected);
  g_assert_cmpuint(a.pending->len, >, 0);
  g_assert_nonnull(strstr(a.pending->pdata[0], "candidate:"));
  g_assert_nonnull(strstr(a.pending->pdata[0], "127.0.0.1"));

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

static gboolean
b_completed(side *a, side *b)
{
  return b->completed && a->state == ICE_STATE_CONNECTED;
}

/* Reads one datagram from FD within a second while iterating CTX (so that
 * the libnice side keeps running). */
static gssize
recv_within(GMainContext *ctx, int fd, guint8 *buf, gsize size, struct sockaddr_storage *from, socklen_t *from_len)
{
  gint64 end = g_get_monotonic_time() + G_USEC_PER_SEC;
  while (g_get_monotonic_time() < end) {
    g_main_context_iteration(ctx, FALSE);
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, 1) == 1) {
      *from_len = sizeof *from;
      return recvfrom(fd, buf, size, 0, (struct sockaddr *)from, from_len);
    }
  }
  return -1;
}

/* The controlled side takes the selected socket over once ICE completed,
 * frees its agent, and goes on with the consent core: media both ways and
 * a consent check that the libnice side answers on the real socket. */
static void
test_handover(void)
{
  g_autoptr(GMainContext) ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  side a = { 0 }, b = { 0 };
  a.self = make(&a, TRUE, ctx);
  b.self = make(&b, FALSE, ctx);
  ice_handover h;
  g_assert_false(ice_session_handover(b.self, &h)); /* not before ICE completed */
  connect_pair(ctx, &a, &b, b_completed);

  g_assert_true(ice_session_handover(b.self, &h));
  g_assert_cmpint(h.fd, >=, 0);
  g_assert_false(h.controlling);
  g_assert_cmpstr(h.remote_ufrag, ==, ice_session_local_ufrag(a.self));
  g_assert_nonnull(strstr(h.pair, "127.0.0.1"));
  ice_session_free(b.self); /* libnice's descriptor closes; ours stays */
  b.self = NULL;

  /* Media from the taken socket reaches the libnice side... */
  guint8 pkt[12] = { 0x80, 0x00, 0x00, 0x07 };
  g_assert_cmpint(sendto(h.fd, pkt, sizeof pkt, 0, (struct sockaddr *)&h.remote, h.remote_len), ==, sizeof pkt);
  g_assert_true(run_until(ctx, both_received_a, &a, &b, 5 * G_USEC_PER_SEC));
  g_assert_cmpuint(a.last[3], ==, 7);

  /* ...our consent check is answered by libnice... */
  ice_consent_config cc = {
    .local_ufrag = h.local_ufrag, .local_pwd = h.local_pwd, .remote_ufrag = h.remote_ufrag,
    .remote_pwd = h.remote_pwd, .controlling = h.controlling, .tie_breaker = 42, .priority = h.priority,
    .freshness = TRUE, .remote = (struct sockaddr *)&h.remote, .remote_len = h.remote_len,
  };
  g_autoptr(ice_consent) consent = ice_consent_new(&cc, g_get_monotonic_time());
  g_assert_nonnull(consent);
  guint8 out[ICE_STUN_MAX], in[1500];
  gsize out_len = 0;
  g_assert_cmpint(ice_consent_tick(consent, g_get_monotonic_time(), out, &out_len), ==, ICE_CONSENT_SEND);
  g_assert_cmpint(sendto(h.fd, out, out_len, 0, (struct sockaddr *)&h.remote, h.remote_len), ==, (gssize)out_len);
  gboolean refreshed = FALSE, got_media = FALSE;
  /* ...and libnice's media reaches us (STUN of its own may come first). */
  guint8 back[12] = { 0x80, 0x00, 0x00, 0x09 };
  g_assert_cmpint(ice_session_send(a.self, back, sizeof back), ==, sizeof back);
  for (int i = 0; i < 10 && !(refreshed && got_media); i++) {
    struct sockaddr_storage from;
    socklen_t from_len;
    gssize n = recv_within(ctx, h.fd, in, sizeof in, &from, &from_len);
    g_assert_cmpint(n, >, 0);
    if (in[0] < 4) {
      ice_consent_result r = ice_consent_feed(consent, g_get_monotonic_time(), in, n, (struct sockaddr *)&from,
                                              from_len, out, &out_len);
      refreshed = refreshed || r == ICE_CONSENT_REFRESHED;
      if (r == ICE_CONSENT_REPLY)
        sendto(h.fd, out, out_len, 0, (struct sockaddr *)&from, from_len);
    } else {
      got_media = n == sizeof back && in[3] == 9;
    }
  }
  g_assert_true(refreshed);
  g_assert_true(got_media);
  g_assert_cmpuint(ice_consent_get_stats(consent)->checks_answered, ==, 1);

  ice_handover_clear(&h);
  ice_session_free(a.self);
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
  g_test_add_func("/ice/loopback-handover", test_handover);
  return g_test_run();
}
