/* The ICE transport of a media leg (browser legs): a libnice session with
 * one component (rtcp-mux), DTLS-SRTP started once ICE connects. */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/media_leg_private.h"

#include <errno.h>

static int
ice_send(media_leg *leg, media_component component, const guint8 *buf, gsize len)
{
  return ice_session_send(leg->transport, buf, len); /* RTCP is muxed */
}

static void
ice_free(media_leg *leg)
{
  ice_session_free(leg->transport);
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
on_ice_state(ice_state state, gpointer user_data)
{
  media_leg *leg = user_data;
  media_leg_event ev = { .type = MEDIA_LEG_EVENT_ICE_STATE, .ice_state = state };
  media_leg_emit(leg, &ev);
  if (state == ICE_STATE_CONNECTED) {
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
  ic.user_data = leg;
  leg->transport = ice_session_new(&ic, error);
  if (!leg->transport) {
    media_leg_free(leg);
    return NULL;
  }
  return leg;
}

const char *
media_leg_local_ufrag(const media_leg *leg)
{
  return ice_session_local_ufrag(leg->transport);
}

const char *
media_leg_local_pwd(const media_leg *leg)
{
  return ice_session_local_pwd(leg->transport);
}

int
media_leg_set_remote_credentials(media_leg *leg, const char *ufrag, const char *pwd)
{
  return ice_session_set_remote_credentials(leg->transport, ufrag, pwd);
}

int
media_leg_add_remote_candidate(media_leg *leg, const char *candidate, const char **reason)
{
  return ice_session_add_remote_candidate(leg->transport, candidate, reason);
}

void
media_leg_remote_gathering_done(media_leg *leg)
{
  ice_session_remote_gathering_done(leg->transport);
}

char *
media_leg_selected_pair(media_leg *leg)
{
  return ice_session_selected_pair(leg->transport);
}
