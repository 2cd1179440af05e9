/* The ICE transport of a media leg (browser legs): a libnice session with
 * one component (rtcp-mux), DTLS-SRTP started once ICE connects.
 *
 * Once ICE has completed on a UDP pair that is not relayed, the worker takes
 * the selected socket over (ice_session_handover) and frees the libnice
 * agent: the socket joins the worker's epoll source like the SIP legs'
 * sockets, datagrams are read with recvmmsg and sent with sendto, and the
 * STUN left on the pair (the browser's consent checks, ours every ~5 s) is
 * handled by the sans-IO core ice/ice_consent.c from a once-a-second
 * ticker. Until then, and for relayed pairs throughout, libnice does it all. */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/media_leg_private.h"
#include "gateway/media/media_poll.h"
#include "ice/ice_consent.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  ice_session *session; /* until the handover */
  gboolean consent_freshness;
  GSource *handover_source;
  /* After the handover. */
  int fd;
  media_poll *poll;
  media_poll_watch *watch;
  media_poll_ticker *ticker;
  ice_consent *consent; /* also keeps the credentials */
  char *pair;
} ice_transport;

static int
ice_send(media_leg *leg, media_component component, const guint8 *buf, gsize len)
{
  ice_transport *t = leg->transport;
  if (!t->consent)
    return ice_session_send(t->session, buf, len); /* RTCP is muxed */
  socklen_t to_len;
  const struct sockaddr *to = ice_consent_remote(t->consent, &to_len);
  ssize_t n = sendto(t->fd, buf, len, MSG_DONTWAIT, to, to_len);
  return n < 0 ? -errno : (int)n;
}

static void
ice_free(media_leg *leg)
{
  ice_transport *t = leg->transport;
  if (!t)
    return;
  if (t->handover_source) {
    g_source_destroy(t->handover_source);
    g_source_unref(t->handover_source);
  }
  ice_session_free(t->session);
  if (t->poll) {
    media_poll_remove(t->poll, t->watch); /* before the close */
    media_poll_remove_ticker(t->poll, t->ticker);
    media_poll_unref(t->poll);
  }
  if (t->fd >= 0)
    close(t->fd);
  ice_consent_free(t->consent);
  g_free(t->pair);
  g_free(t);
  leg->transport = NULL;
}

static const media_transport_ops ice_ops = { ice_send, ice_free };

static void
on_receive(const guint8 *data, gsize len, gpointer user_data)
{
  media_leg_receive(user_data, MEDIA_COMPONENT_RTP, data, len);
}

static void
on_candidate(const char *candidate, gpointer user_data)
{
  media_leg_event ev = { .type = MEDIA_LEG_EVENT_CANDIDATE, .candidate = candidate };
  media_leg_emit(user_data, &ev);
}

static void
consent_lost(media_leg *leg)
{
  media_leg_fail(leg, leg->dtls && dtls_srtp_session_state(leg->dtls) == DTLS_SRTP_CONNECTED
                        ? "ICE consent lost: the browser stopped answering"
                        : "ICE failed: no network path to the browser");
}

static void
on_ice_state(ice_state state, gpointer user_data)
{
  media_leg *leg = user_data;
  media_leg_event ev = { .type = MEDIA_LEG_EVENT_ICE_STATE, .ice_state = state };
  media_leg_emit(leg, &ev);
  if (state == ICE_STATE_CONNECTED) {
    leg->transport_up = TRUE;
    media_leg_start_dtls(leg);
  } else if (state == ICE_STATE_FAILED) {
    consent_lost(leg);
  }
}

static void
on_readable(int fd, gpointer data)
{
  media_leg *leg = data;
  ice_transport *t = leg->transport;
  media_poll_batch b;

  for (guint taken = 0; taken < MEDIA_POLL_PER_WAKEUP;) {
    guint n = media_poll_recv(fd, &b);
    for (guint i = 0; i < n; i++) {
      gsize len = b.len[i];
      const struct sockaddr *from = (const struct sockaddr *)&b.from[i];
      if (len > 0 && b.buf[i][0] < 4) { /* STUN (RFC 7983) */
        guint8 out[ICE_STUN_MAX];
        gsize out_len = 0;
        ice_consent_result r = ice_consent_feed(t->consent, g_get_monotonic_time(), b.buf[i], len, from,
                                                b.from_len[i], out, &out_len);
        if (r == ICE_CONSENT_REPLY)
          sendto(fd, out, out_len, MSG_DONTWAIT, from, b.from_len[i]);
        else if (r == ICE_CONSENT_DROPPED) {
          leg->stats.dropped++; /* counted with the leg's other drops */
          g_debug("ICE: STUN dropped: %s", ice_consent_drop_reason(t->consent));
        }
        continue;
      }
      /* (A failed leg still drains its socket until it is freed: the
       * epoll source is level-triggered.) */
      media_leg_receive(leg, MEDIA_COMPONENT_RTP, b.buf[i], len);
      if (!leg->transport)
        return;
    }
    taken += n;
    if (n < MEDIA_POLL_BATCH)
      return; /* drained */
  }
}

static void
on_tick(gint64 now_us, gpointer data)
{
  media_leg *leg = data;
  ice_transport *t = leg->transport;
  if (leg->failed)
    return;
  guint8 out[ICE_STUN_MAX];
  gsize out_len = 0;
  switch (ice_consent_tick(t->consent, now_us, out, &out_len)) {
  case ICE_CONSENT_SEND: {
    socklen_t to_len;
    const struct sockaddr *to = ice_consent_remote(t->consent, &to_len);
    sendto(t->fd, out, out_len, MSG_DONTWAIT, to, to_len);
    break;
  }
  case ICE_CONSENT_LOST:
    consent_lost(leg);
    break;
  case ICE_CONSENT_WAIT:
    break;
  }
}

static gboolean
hand_over(gpointer data)
{
  media_leg *leg = data;
  ice_transport *t = leg->transport;
  g_clear_pointer(&t->handover_source, g_source_unref);
  ice_handover h;
  if (leg->failed || !ice_session_handover(t->session, &h))
    return G_SOURCE_REMOVE; /* libnice goes on doing it all */
  ice_consent_config cc = {
    .local_ufrag = h.local_ufrag, .local_pwd = h.local_pwd,
    .remote_ufrag = h.remote_ufrag, .remote_pwd = h.remote_pwd,
    .controlling = h.controlling, .tie_breaker = ((guint64)g_random_int() << 32) | g_random_int(),
    .priority = h.priority, .freshness = t->consent_freshness,
    .remote = (struct sockaddr *)&h.remote, .remote_len = h.remote_len,
  };
  ice_consent *consent = ice_consent_new(&cc, g_get_monotonic_time());
  if (!consent) {
    ice_handover_clear(&h);
    return G_SOURCE_REMOVE;
  }
  t->poll = media_poll_ref_for_context(leg->context);
  t->watch = media_poll_add(t->poll, h.fd, on_readable, leg);
  if (!t->watch) {
    g_warning("ICE: cannot watch the selected socket (%s); libnice keeps it", g_strerror(errno));
    ice_consent_free(consent);
    ice_handover_clear(&h);
    return G_SOURCE_REMOVE;
  }
  t->fd = h.fd;
  h.fd = -1;
  t->consent = consent;
  t->pair = g_steal_pointer(&h.pair);
  ice_handover_clear(&h);
  /* libnice closes its descriptor; ours keeps the socket and what waits in it. */
  g_clear_pointer(&t->session, ice_session_free);
  t->ticker = media_poll_add_ticker(t->poll, on_tick, leg);
  g_debug("ICE: %s taken over from libnice", t->pair);
  return G_SOURCE_REMOVE;
}

static void
on_completed(gpointer user_data)
{
  media_leg *leg = user_data;
  ice_transport *t = leg->transport;
  /* Not from inside libnice's signal: right after, from the context. */
  if (t->handover_source || t->consent)
    return;
  t->handover_source = g_idle_source_new();
  g_source_set_priority(t->handover_source, G_PRIORITY_HIGH);
  g_source_set_callback(t->handover_source, hand_over, leg, NULL);
  g_source_attach(t->handover_source, leg->context);
}

media_leg *
media_leg_new_ice(const media_leg_ice_config *config, GError **error)
{
  media_leg *leg = media_leg_alloc(&config->common, &ice_ops);
  ice_transport *t = g_new0(ice_transport, 1);
  t->fd = -1;
  t->consent_freshness = config->ice.consent_freshness;
  leg->transport = t;
  if (config->dtls.n_remote_fingerprints && !media_leg_init_dtls(leg, &config->dtls, error)) {
    media_leg_free(leg);
    return NULL;
  }
  ice_session_config ic = config->ice;
  ic.context = config->common.context;
  ic.callbacks.on_candidate = on_candidate;
  ic.callbacks.on_state = on_ice_state;
  ic.callbacks.on_receive = on_receive;
  if (config->handover)
    ic.callbacks.on_completed = on_completed;
  ic.user_data = leg;
  t->session = ice_session_new(&ic, error);
  if (!t->session) {
    media_leg_free(leg);
    return NULL;
  }
  return leg;
}

const char *
media_leg_local_ufrag(const media_leg *leg)
{
  const ice_transport *t = leg->transport;
  return t->session ? ice_session_local_ufrag(t->session) : ice_consent_local_ufrag(t->consent);
}

const char *
media_leg_local_pwd(const media_leg *leg)
{
  const ice_transport *t = leg->transport;
  return t->session ? ice_session_local_pwd(t->session) : ice_consent_local_pwd(t->consent);
}

int
media_leg_set_remote_credentials(media_leg *leg, const char *ufrag, const char *pwd)
{
  ice_transport *t = leg->transport;
  if (t->session)
    return ice_session_set_remote_credentials(t->session, ufrag, pwd);
  /* After ICE: the same credentials again (a re-offer) are fine; an ICE
   * restart is not supported. */
  return ufrag && g_strcmp0(ufrag, ice_consent_remote_ufrag(t->consent)) == 0 ? 0 : -ENOTSUP;
}

int
media_leg_add_remote_candidate(media_leg *leg, const char *candidate, const char **reason)
{
  ice_transport *t = leg->transport;
  if (t->session)
    return ice_session_add_remote_candidate(t->session, candidate, reason);
  return 0; /* late trickle after ICE completed: nothing to check any more */
}

void
media_leg_remote_gathering_done(media_leg *leg)
{
  ice_transport *t = leg->transport;
  if (t->session)
    ice_session_remote_gathering_done(t->session);
}

char *
media_leg_selected_pair(media_leg *leg)
{
  ice_transport *t = leg->transport;
  return t->session ? ice_session_selected_pair(t->session) : g_strdup(t->pair);
}
