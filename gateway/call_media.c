/* The worker side of a call: creates, feeds and destroys its media leg on
 * the media worker, and reports back to the main thread by message. */
#define G_LOG_DOMAIN "rtc2sip-call"
#include "gateway/call_private.h"

#include <errno.h>

static gateway *event_target;

void
call_media_set_gateway(gateway *gw)
{
  event_target = gw;
}

call_media *
call_media_ref(call_media *m)
{
  g_atomic_int_inc(&m->refcount);
  return m;
}

void
call_media_unref(call_media *m)
{
  if (!m || !g_atomic_int_dec_and_test(&m->refcount))
    return;
  g_warn_if_fail(m->leg == NULL);
  identity_unref(m->identity);
  if (m->remote_fingerprints)
    g_array_unref(m->remote_fingerprints);
  g_free(m->remote_ufrag);
  g_free(m->remote_pwd);
  if (m->remote_candidates)
    g_ptr_array_unref(m->remote_candidates);
  g_free(m);
}

void
call_media_event_free(call_media_event *e)
{
  g_free(e->ufrag);
  g_free(e->pwd);
  g_free(e->candidate);
  g_free(e->reason);
  g_free(e->profile);
  g_free(e->remote_fingerprint);
  g_free(e->selected_pair);
  g_free(e);
}

static gboolean
deliver_event(gpointer data)
{
  call_on_media_event(event_target, data);
  return G_SOURCE_REMOVE;
}

/* Queues E for the main thread (takes it). */
static void
post(call_media_event *e)
{
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, deliver_event, e, (GDestroyNotify)call_media_event_free);
  g_source_attach(source, g_main_context_default());
  g_source_unref(source);
}

static call_media_event *
event_new(call_media *m, call_media_event_type type)
{
  call_media_event *e = g_new0(call_media_event, 1);
  e->type = type;
  e->serial = m->serial;
  return e;
}

/* Runs on the worker for every event of the leg. */
static void
on_leg_event(media_leg *leg, const media_leg_event *ev, gpointer user_data)
{
  call_media *m = user_data;
  call_media_event *e;

  switch (ev->type) {
  case MEDIA_LEG_EVENT_CANDIDATE:
    e = event_new(m, CALL_MEDIA_CANDIDATE);
    e->candidate = g_strdup(ev->candidate);
    e->candidate_end = ev->candidate == NULL;
    break;
  case MEDIA_LEG_EVENT_ICE_STATE:
    e = event_new(m, CALL_MEDIA_ICE_STATE);
    e->ice_state = ev->ice_state;
    e->selected_pair = media_leg_selected_pair(leg);
    break;
  case MEDIA_LEG_EVENT_SECURED: {
    dtls_srtp_session *dtls = media_leg_dtls(leg);
    e = event_new(m, CALL_MEDIA_SECURED);
    e->profile = g_strdup(srtp_profile_name(dtls_srtp_session_keys(dtls)->profile));
    e->dtls_role = m->dtls_role;
    const fingerprint *fp = dtls_srtp_session_remote_fingerprint(dtls);
    e->remote_fingerprint = fp ? fingerprint_to_string(fp) : NULL;
    e->dtls_duration_us = media_leg_dtls_duration_us(leg);
    break;
  }
  case MEDIA_LEG_EVENT_MEDIA:
    e = event_new(m, CALL_MEDIA_FLOWING);
    break;
  case MEDIA_LEG_EVENT_FAILED:
    e = event_new(m, CALL_MEDIA_FAILED);
    e->reason = g_strdup(ev->reason);
    break;
  default:
    return;
  }
  post(e);
}

static gboolean
do_create(gpointer data)
{
  call_media *m = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *trace_name = g_strdup_printf("DTLS.SRTP.%" G_GUINT64_FORMAT, m->serial);

  media_leg_ice_config cfg = {
    .common = {
      .context = media_worker_context(m->worker),
      .ssrc = m->ssrc,
      .on_event = on_leg_event,
      .user_data = m,
    },
    .dtls = {
      .identity = m->identity,
      .role = m->dtls_role,
      .remote_fingerprints = (const fingerprint *)m->remote_fingerprints->data,
      .n_remote_fingerprints = m->remote_fingerprints->len,
      .trace_name = trace_name,
    },
  };
  cfg.ice.controlling = FALSE; /* the gateway answers the browser's offer */
  cfg.ice.addresses = (const char *const *)m->ice.addresses;
  cfg.ice.port_min = m->ice.port_min;
  cfg.ice.port_max = m->ice.port_max;
  cfg.ice.stun_server = m->ice.stun_host;
  cfg.ice.stun_port = m->ice.stun_port;
  cfg.ice.turn_server = m->ice.turn_host;
  cfg.ice.turn_port = m->ice.turn_port;
  cfg.ice.turn_username = m->ice.turn_username;
  cfg.ice.turn_password = m->ice.turn_password;
  cfg.ice.consent_freshness = m->ice.consent_freshness;

  m->leg = media_leg_new_ice(&cfg, &error);
  if (!m->leg) {
    call_media_event *e = event_new(m, CALL_MEDIA_FAILED);
    e->reason = g_strdup_printf("the gateway could not set up media: %s", error->message);
    post(e);
    return G_SOURCE_REMOVE;
  }
  if (m->echo)
    media_leg_set_peer(m->leg, m->leg);

  call_media_event *ready = event_new(m, CALL_MEDIA_READY);
  ready->ufrag = g_strdup(media_leg_local_ufrag(m->leg));
  ready->pwd = g_strdup(media_leg_local_pwd(m->leg));
  post(ready);

  media_leg_set_remote_credentials(m->leg, m->remote_ufrag, m->remote_pwd);
  for (guint i = 0; i < m->remote_candidates->len; i++) {
    const char *reason = NULL;
    if (media_leg_add_remote_candidate(m->leg, m->remote_candidates->pdata[i], &reason) < 0)
      g_debug("call %" G_GUINT64_FORMAT ": offer candidate skipped: %s", m->serial, reason);
  }
  if (m->remote_end_of_candidates)
    media_leg_remote_gathering_done(m->leg);
  return G_SOURCE_REMOVE;
}

void
call_media_create(call_media *m)
{
  media_worker_invoke(m->worker, do_create, call_media_ref(m), (GDestroyNotify)call_media_unref);
}

typedef struct {
  call_media *media;
  char *candidate;
} candidate_cmd;

static void
candidate_cmd_free(candidate_cmd *c)
{
  call_media_unref(c->media);
  g_free(c->candidate);
  g_free(c);
}

static gboolean
do_add_candidate(gpointer data)
{
  candidate_cmd *c = data;
  const char *reason = NULL;
  if (!c->media->leg)
    return G_SOURCE_REMOVE;
  if (!c->candidate)
    media_leg_remote_gathering_done(c->media->leg);
  else if (media_leg_add_remote_candidate(c->media->leg, c->candidate, &reason) < 0)
    g_debug("call %" G_GUINT64_FORMAT ": candidate skipped (%s): %s", c->media->serial, reason,
            c->candidate);
  return G_SOURCE_REMOVE;
}

void
call_media_add_candidate(call_media *m, const char *candidate)
{
  candidate_cmd *c = g_new0(candidate_cmd, 1);
  c->media = call_media_ref(m);
  c->candidate = g_strdup(candidate);
  media_worker_invoke(m->worker, do_add_candidate, c, (GDestroyNotify)candidate_cmd_free);
}

static gboolean
do_destroy(gpointer data)
{
  call_media *m = data;
  call_media_event *e = event_new(m, CALL_MEDIA_RELEASED);
  if (m->leg) {
    media_leg_get_stats(m->leg, &e->stats);
    media_leg_free(m->leg);
    m->leg = NULL;
  }
  media_worker_add_calls(m->worker, -1);
  post(e);
  return G_SOURCE_REMOVE;
}

static gboolean
do_stats(gpointer data)
{
  call_media *m = data;
  if (!m->leg)
    return G_SOURCE_REMOVE;
  call_media_event *e = event_new(m, CALL_MEDIA_STATS);
  media_leg_get_stats(m->leg, &e->stats);
  post(e);
  return G_SOURCE_REMOVE;
}

void
call_media_request_stats(call_media *m)
{
  media_worker_invoke(m->worker, do_stats, call_media_ref(m), (GDestroyNotify)call_media_unref);
}

void
call_media_destroy(call_media *m)
{
  media_worker_invoke(m->worker, do_destroy, call_media_ref(m), (GDestroyNotify)call_media_unref);
}
