/* A browser media leg: ICE + DTLS-SRTP + SRTP (see media_leg.h). */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/media_leg.h"

#include <errno.h>
#include <string.h>

#include "gateway/media/rtp_demux.h"

/* Room for the largest datagram we relay plus the SRTP tag growth. */
#define MEDIA_PACKET_MAX 1500
#define MEDIA_PACKET_ROOM (MEDIA_PACKET_MAX + 64)

struct media_leg {
  GMainContext *context;
  ice_session *ice;
  dtls_srtp_session *dtls;
  media_srtp *srtp_in, *srtp_out;
  media_leg *peer;
  guint32 ssrc;
  GSource *dtls_timer;
  gboolean failed, media_seen;
  media_leg_event_func on_event;
  gpointer user_data;
  media_leg_stats stats;
  guint8 scratch[MEDIA_PACKET_ROOM];
};

static void
emit(media_leg *leg, const media_leg_event *event)
{
  if (leg->on_event)
    leg->on_event(leg, event, leg->user_data);
}

static void
fail(media_leg *leg, const char *reason)
{
  if (leg->failed)
    return;
  leg->failed = TRUE;
  media_leg_event ev = { .type = MEDIA_LEG_EVENT_FAILED, .reason = reason };
  emit(leg, &ev);
}

static void dtls_schedule(media_leg *leg);

/* Sends what the DTLS core queued, handles its events, re-arms its timer. */
static void
dtls_flush(media_leg *leg)
{
  guint8 buf[MEDIA_PACKET_ROOM];
  gsize len;
  dtls_srtp_event ev;

  while (dtls_srtp_session_pop_datagram(leg->dtls, buf, sizeof buf, &len))
    ice_session_send(leg->ice, buf, len);

  while (dtls_srtp_session_poll_event(leg->dtls, &ev)) {
    if (ev.type == DTLS_SRTP_EVENT_CONNECTED) {
      const dtls_srtp_keys *keys = dtls_srtp_session_keys(leg->dtls);
      g_autoptr(GError) error = NULL;
      media_srtp_suite suite;
      if (media_srtp_suite_from_profile(keys->profile, &suite) < 0) {
        fail(leg, "DTLS negotiated no SRTP profile");
        return;
      }
      leg->srtp_in = media_srtp_new(suite, keys->remote_key, keys->remote_key_len, FALSE, &error);
      if (leg->srtp_in)
        leg->srtp_out = media_srtp_new(suite, keys->local_key, keys->local_key_len, TRUE, &error);
      if (!leg->srtp_out) {
        g_warning("cannot key SRTP: %s", error->message);
        fail(leg, "SRTP could not be keyed");
        return;
      }
      media_leg_event out = { .type = MEDIA_LEG_EVENT_SECURED };
      emit(leg, &out);
    } else if (ev.type == DTLS_SRTP_EVENT_FAILED) {
      fail(leg, ev.reason ? ev.reason : "DTLS handshake failed");
      return;
    } else if (ev.type == DTLS_SRTP_EVENT_CLOSED) {
      fail(leg, "the browser closed DTLS");
      return;
    }
  }
  dtls_schedule(leg);
}

static gboolean
on_dtls_timer(gpointer data)
{
  media_leg *leg = data;
  g_source_unref(leg->dtls_timer);
  leg->dtls_timer = NULL;
  dtls_srtp_session_tick(leg->dtls, g_get_monotonic_time());
  dtls_flush(leg);
  return G_SOURCE_REMOVE;
}

static void
dtls_schedule(media_leg *leg)
{
  gint64 deadline = dtls_srtp_session_next_deadline(leg->dtls);
  if (leg->dtls_timer) {
    g_source_destroy(leg->dtls_timer);
    g_source_unref(leg->dtls_timer);
    leg->dtls_timer = NULL;
  }
  if (deadline < 0)
    return;
  gint64 wait_ms = (deadline - g_get_monotonic_time() + 999) / 1000;
  leg->dtls_timer = g_timeout_source_new((guint)CLAMP(wait_ms, 0, G_MAXINT));
  g_source_set_callback(leg->dtls_timer, on_dtls_timer, leg, NULL);
  g_source_attach(leg->dtls_timer, leg->context);
}

/* Protects and sends a packet that another leg decrypted into BUF (which has
 * MEDIA_PACKET_ROOM bytes of room). */
static void
forward(media_leg *to, guint8 *buf, gsize len, gboolean rtcp)
{
  if (!to || !to->srtp_out) {
    if (to)
      to->stats.dropped++;
    return;
  }
  if (to->ssrc) {
    guint32 be = GUINT32_TO_BE(to->ssrc);
    memcpy(buf + (rtcp ? 4 : 8), &be, 4);
  }
  int rc = rtcp ? media_srtp_protect_rtcp(to->srtp_out, buf, &len, MEDIA_PACKET_ROOM)
                : media_srtp_protect(to->srtp_out, buf, &len, MEDIA_PACKET_ROOM);
  if (rc < 0) {
    to->stats.srtp_other_fail++;
    return;
  }
  if (ice_session_send(to->ice, buf, len) > 0) {
    if (rtcp)
      to->stats.rtcp_out++;
    else
      to->stats.rtp_out++;
    to->stats.bytes_out += len;
  }
}

static void
on_receive(const guint8 *data, gsize len, gpointer user_data)
{
  media_leg *leg = user_data;
  rtp_demux_kind kind = rtp_demux_classify(data, len);

  if (kind == RTP_DEMUX_DTLS) {
    dtls_srtp_session_feed(leg->dtls, g_get_monotonic_time(), data, len);
    dtls_flush(leg);
    return;
  }
  if ((kind != RTP_DEMUX_RTP && kind != RTP_DEMUX_RTCP) || !leg->srtp_in || len > MEDIA_PACKET_MAX) {
    leg->stats.dropped++;
    return;
  }
  gboolean rtcp = kind == RTP_DEMUX_RTCP;
  if (rtcp && len < 8) {
    leg->stats.dropped++;
    return;
  }
  memcpy(leg->scratch, data, len);
  int rc = rtcp ? media_srtp_unprotect_rtcp(leg->srtp_in, leg->scratch, &len)
                : media_srtp_unprotect(leg->srtp_in, leg->scratch, &len);
  if (rc < 0) {
    if (rc == -EBADMSG)
      leg->stats.srtp_auth_fail++;
    else if (rc == -EALREADY)
      leg->stats.srtp_replay_fail++;
    else
      leg->stats.srtp_other_fail++;
    return;
  }
  leg->stats.bytes_in += len;
  if (rtcp) {
    leg->stats.rtcp_in++;
  } else {
    leg->stats.rtp_in++;
    if (!leg->media_seen) {
      leg->media_seen = TRUE;
      media_leg_event ev = { .type = MEDIA_LEG_EVENT_MEDIA };
      emit(leg, &ev);
    }
  }
  forward(leg->peer, leg->scratch, len, rtcp);
}

static void
on_candidate(const char *candidate, gpointer user_data)
{
  media_leg_event ev = { .type = MEDIA_LEG_EVENT_CANDIDATE, .candidate = candidate };
  emit(user_data, &ev);
}

static void
on_ice_state(ice_state state, gpointer user_data)
{
  media_leg *leg = user_data;
  media_leg_event ev = { .type = MEDIA_LEG_EVENT_ICE_STATE, .ice_state = state };
  emit(leg, &ev);
  if (state == ICE_STATE_CONNECTED && dtls_srtp_session_state(leg->dtls) == DTLS_SRTP_NEW) {
    dtls_srtp_session_start(leg->dtls, g_get_monotonic_time());
    dtls_flush(leg);
  } else if (state == ICE_STATE_FAILED) {
    fail(leg, dtls_srtp_session_state(leg->dtls) == DTLS_SRTP_CONNECTED
                  ? "ICE consent lost: the browser stopped answering"
                  : "ICE failed: no network path to the browser");
  }
}

media_leg *
media_leg_new(const media_leg_config *config, GError **error)
{
  media_leg *leg = g_new0(media_leg, 1);
  leg->context = config->context;
  leg->ssrc = config->ssrc;
  leg->on_event = config->on_event;
  leg->user_data = config->user_data;

  dtls_srtp_config dc = {
    .role = config->dtls_role,
    .identity = config->identity,
    .remote_fingerprints = config->remote_fingerprints,
    .n_remote_fingerprints = config->n_remote_fingerprints,
    .trace_name = config->trace_name,
    .mtu = 1200,
  };
  leg->dtls = dtls_srtp_session_new(&dc, error);
  if (!leg->dtls) {
    media_leg_free(leg);
    return NULL;
  }

  ice_session_config ic = config->ice;
  ic.context = config->context;
  ic.callbacks.on_candidate = on_candidate;
  ic.callbacks.on_state = on_ice_state;
  ic.callbacks.on_receive = on_receive;
  ic.user_data = leg;
  leg->ice = ice_session_new(&ic, error);
  if (!leg->ice) {
    media_leg_free(leg);
    return NULL;
  }
  return leg;
}

void
media_leg_free(media_leg *leg)
{
  if (!leg)
    return;
  leg->on_event = NULL;
  if (leg->dtls_timer) {
    g_source_destroy(leg->dtls_timer);
    g_source_unref(leg->dtls_timer);
  }
  ice_session_free(leg->ice);
  dtls_srtp_session_free(leg->dtls);
  media_srtp_free(leg->srtp_in);
  media_srtp_free(leg->srtp_out);
  g_free(leg);
}

void
media_leg_set_peer(media_leg *leg, media_leg *peer)
{
  leg->peer = peer;
}

const char *
media_leg_local_ufrag(const media_leg *leg)
{
  return ice_session_local_ufrag(leg->ice);
}

const char *
media_leg_local_pwd(const media_leg *leg)
{
  return ice_session_local_pwd(leg->ice);
}

int
media_leg_set_remote_credentials(media_leg *leg, const char *ufrag, const char *pwd)
{
  return ice_session_set_remote_credentials(leg->ice, ufrag, pwd);
}

int
media_leg_add_remote_candidate(media_leg *leg, const char *candidate, const char **reason)
{
  return ice_session_add_remote_candidate(leg->ice, candidate, reason);
}

void
media_leg_remote_gathering_done(media_leg *leg)
{
  ice_session_remote_gathering_done(leg->ice);
}

void
media_leg_get_stats(const media_leg *leg, media_leg_stats *out)
{
  *out = leg->stats;
}

dtls_srtp_session *
media_leg_dtls(media_leg *leg)
{
  return leg->dtls;
}

char *
media_leg_selected_pair(media_leg *leg)
{
  return ice_session_selected_pair(leg->ice);
}
