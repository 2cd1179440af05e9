/* The ICE transport of a media leg (browser legs): a libnice session with
 * one component (rtcp-mux), DTLS-SRTP started once ICE connects. Once a pair
 * is selected, its socket is read from the worker's epoll source
 * (media_poll.h) instead of libnice's own GSource per socket. */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/media_leg_private.h"
#include "gateway/media/media_poll.h"

#include <errno.h>

typedef struct {
  ice_session *session;
  media_poll *poll;
  media_poll_watch *watch;  /* the selected pair's socket, once taken */
  GSource *take_source;     /* the deferred move to the epoll source */
} ice_transport;

static ice_session *
session_of_leg(const media_leg *leg)
{
  const ice_transport *t = leg->transport;
  return t->session;
}

static int
ice_send(media_leg *leg, media_component component, const guint8 *buf, gsize len)
{
  return ice_session_send(session_of_leg(leg), buf, len); /* RTCP is muxed */
}

static void
ice_free(media_leg *leg)
{
  ice_transport *t = leg->transport;
  if (!t)
    return;
  if (t->take_source) {
    g_source_destroy(t->take_source);
    g_source_unref(t->take_source);
  }
  /* Off the epoll set before libnice closes the socket. */
  media_poll_remove(t->poll, t->watch);
  media_poll_unref(t->poll);
  ice_session_free(t->session);
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
on_media_readable(int fd, gpointer data)
{
  /* libnice reads what is waiting; data comes back through on_receive. */
  ice_session_dispatch(session_of_leg(data));
}

static void
watch_media_fd(media_leg *leg, int fd)
{
  ice_transport *t = leg->transport;
  media_poll_remove(t->poll, t->watch);
  t->watch = NULL;
  if (fd < 0)
    return; /* back on libnice's own sources */
  t->watch = media_poll_add(t->poll, fd, on_media_readable, leg);
  if (!t->watch) /* cannot happen with a fresh socket; the call would go silent */
    media_leg_fail(leg, "the gateway could not watch the ICE socket");
}

static void
on_media_fd(int fd, gpointer user_data)
{
  watch_media_fd(user_data, fd);
}

static gboolean
take_media_fd(gpointer data)
{
  media_leg *leg = data;
  ice_transport *t = leg->transport;
  g_source_unref(t->take_source);
  t->take_source = NULL;
  int fd = ice_session_take_media_fd(t->session);
  if (fd >= 0)
    watch_media_fd(leg, fd);
  return G_SOURCE_REMOVE;
}

static void
on_candidate(const char *candidate, gpointer user_data)
{
  media_leg_event ev = { .type = MEDIA_LEG_EVENT_CANDIDATE, .candidate = candidate };
  media_leg_emit(user_data, &ev);
}

static void
on_ice_state(ice_state state, gpointer user_data)
{
  media_leg *leg = user_data;
  media_leg_event ev = { .type = MEDIA_LEG_EVENT_ICE_STATE, .ice_state = state };
  media_leg_emit(leg, &ev);
  if (state == ICE_STATE_CONNECTED) {
    ice_transport *t = leg->transport;
    /* Not from inside libnice's signal: from the context, right after. */
    if (!t->watch && !t->take_source) {
      t->take_source = g_idle_source_new();
      g_source_set_priority(t->take_source, G_PRIORITY_HIGH);
      g_source_set_callback(t->take_source, take_media_fd, leg, NULL);
      g_source_attach(t->take_source, leg->context);
    }
    leg->transport_up = TRUE;
    media_leg_start_dtls(leg);
  } else if (state == ICE_STATE_FAILED) {
    media_leg_fail(leg, leg->dtls && dtls_srtp_session_state(leg->dtls) == DTLS_SRTP_CONNECTED
                          ? "ICE consent lost: the browser stopped answering"
                          : "ICE failed: no network path to the browser");
  }
}

media_leg *
media_leg_new_ice(const media_leg_ice_config *config, GError **error)
{
  media_leg *leg = media_leg_alloc(&config->common, &ice_ops);
  if (config->dtls.n_remote_fingerprints && !media_leg_init_dtls(leg, &config->dtls, error)) {
    media_leg_free(leg);
    return NULL;
  }
  ice_session_config ic = config->ice;
  ic.context = config->common.context;
  ic.callbacks.on_candidate = on_candidate;
  ic.callbacks.on_state = on_ice_state;
  ic.callbacks.on_receive = on_receive;
  ic.callbacks.on_media_fd = on_media_fd;
  ic.user_data = leg;
  ice_transport *t = g_new0(ice_transport, 1);
  t->poll = media_poll_ref_for_context(config->common.context);
  leg->transport = t;
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
  return ice_session_local_ufrag(session_of_leg(leg));
}

const char *
media_leg_local_pwd(const media_leg *leg)
{
  return ice_session_local_pwd(session_of_leg(leg));
}

int
media_leg_set_remote_credentials(media_leg *leg, const char *ufrag, const char *pwd)
{
  return ice_session_set_remote_credentials(session_of_leg(leg), ufrag, pwd);
}

int
media_leg_add_remote_candidate(media_leg *leg, const char *candidate, const char **reason)
{
  return ice_session_add_remote_candidate(session_of_leg(leg), candidate, reason);
}

void
media_leg_remote_gathering_done(media_leg *leg)
{
  ice_session_remote_gathering_done(session_of_leg(leg));
}

char *
media_leg_selected_pair(media_leg *leg)
{
  return ice_session_selected_pair(session_of_leg(leg));
}
