/* The worker side of a call: creates, feeds and destroys its media legs on
 * the media worker, and reports back to the main thread by message. */
#define G_LOG_DOMAIN "rtc2sip-call"
#include "gateway/call_private.h"

#include <errno.h>
#include <string.h>

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
  g_warn_if_fail(m->browser == NULL && m->sip == NULL);
  identity_unref(m->identity);
  if (m->dtls.fingerprints)
    g_array_unref(m->dtls.fingerprints);
  g_free(m->remote_ufrag);
  g_free(m->remote_pwd);
  if (m->remote_candidates)
    g_ptr_array_unref(m->remote_candidates);
  g_free(m->sip_bind);
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
  g_free(e->sip_address);
  g_free(e);
}

static gboolean
deliver_event(gpointer data)
{
  if (event_target)
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

/* Events of the browser leg. */
static void
on_browser_event(media_leg *leg, const media_leg_event *ev, gpointer user_data)
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
    e->dtls_role = m->dtls.role;
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

/* Events of the SIP leg: digits and failures matter. */
static void
on_sip_event(media_leg *leg, const media_leg_event *ev, gpointer user_data)
{
  call_media *m = user_data;
  call_media_event *e;
  if (ev->type == MEDIA_LEG_EVENT_SECURED) {
    dtls_srtp_session *dtls = media_leg_dtls(leg);
    e = event_new(m, CALL_MEDIA_SIP_SECURED);
    e->profile = g_strdup(srtp_profile_name(dtls_srtp_session_keys(dtls)->profile));
    const fingerprint *fp = dtls_srtp_session_remote_fingerprint(dtls);
    e->remote_fingerprint = fp ? fingerprint_to_string(fp) : NULL;
    e->dtls_duration_us = media_leg_dtls_duration_us(leg);
  } else if (ev->type == MEDIA_LEG_EVENT_DTMF) {
    e = event_new(m, CALL_MEDIA_DTMF);
    e->digit = ev->digit;
  } else if (ev->type == MEDIA_LEG_EVENT_FAILED) {
    e = event_new(m, CALL_MEDIA_FAILED);
    e->reason = g_strdup_printf("SIP leg: %s", ev->reason);
  } else {
    return;
  }
  post(e);
}

static media_leg_dtls_config
dtls_config(call_media *m, const char *trace_name)
{
  media_leg_dtls_config d = {
    .identity = m->identity,
    .role = m->dtls.role,
    .remote_fingerprints = m->dtls.fingerprints ? (const fingerprint *)m->dtls.fingerprints->data : NULL,
    .n_remote_fingerprints = m->dtls.fingerprints ? m->dtls.fingerprints->len : 0,
    .trace_name = trace_name,
    .trace_always = m->trace_browser_always,
  };
  return d;
}

static void
add_remote_ice(call_media *m)
{
  if (!m->remote_ufrag)
    return;
  media_leg_set_remote_credentials(m->browser, m->remote_ufrag, m->remote_pwd);
  for (guint i = 0; m->remote_candidates && i < m->remote_candidates->len; i++) {
    const char *reason = NULL;
    if (media_leg_add_remote_candidate(m->browser, m->remote_candidates->pdata[i], &reason) < 0)
      g_debug("call %" G_GUINT64_FORMAT ": candidate skipped: %s", m->serial, reason);
  }
  if (m->remote_end_of_candidates)
    media_leg_remote_gathering_done(m->browser);
}

static gboolean
do_create(gpointer data)
{
  call_media *m = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *trace_name = g_strdup_printf("DTLS.SRTP.%u", m->trace_browser);

  media_leg_ice_config cfg = {
    .common = {
      .context = media_worker_context(m->worker),
      .ssrc = m->browser_ssrc,
      .on_event = on_browser_event,
      .user_data = m,
    },
    .dtls = dtls_config(m, trace_name),
  };
  cfg.ice.controlling = m->ice_controlling;
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
  cfg.handover = m->ice.handover;

  m->browser = media_leg_new_ice(&cfg, &error);
  if (m->browser && m->with_sip) {
    media_leg_rtp_config rc = {
      .common = { .context = media_worker_context(m->worker), .on_event = on_sip_event, .user_data = m },
      .bind_address = m->sip_bind,
      .port_min = m->sip_port_min,
      .port_max = m->sip_port_max,
    };
    m->sip = media_leg_new_rtp(&rc, &error);
    if (!m->sip) {
      media_leg_free(m->browser);
      m->browser = NULL;
    }
  }
  if (!m->browser) {
    call_media_event *e = event_new(m, CALL_MEDIA_FAILED);
    e->reason = g_strdup_printf("the gateway could not set up media: %s", error->message);
    post(e);
    return G_SOURCE_REMOVE;
  }
  if (m->echo) {
    media_leg_set_peer(m->browser, m->browser);
  } else {
    media_leg_set_peer(m->browser, m->sip);
    media_leg_set_peer(m->sip, m->browser);
  }

  call_media_event *ready = event_new(m, CALL_MEDIA_READY);
  ready->ufrag = g_strdup(media_leg_local_ufrag(m->browser));
  ready->pwd = g_strdup(media_leg_local_pwd(m->browser));
  if (m->sip) {
    ready->sip_address = g_strdup(media_leg_rtp_address(m->sip));
    ready->sip_port = media_leg_rtp_port(m->sip);
  }
  post(ready);
  add_remote_ice(m);
  return G_SOURCE_REMOVE;
}

void
call_media_create(call_media *m)
{
  media_worker_invoke(m->worker, do_create, call_media_ref(m), (GDestroyNotify)call_media_unref);
}

typedef struct {
  call_media *media;
  char *text;
  guint number;
  call_sip_media sip;
} media_cmd;

static void
media_cmd_free(media_cmd *c)
{
  call_media_unref(c->media);
  g_free(c->text);
  g_free(c->sip.host);
  if (c->sip.dtls_fingerprints)
    g_array_unref(c->sip.dtls_fingerprints);
  memset(&c->sip, 0, sizeof c->sip); /* keys */
  g_free(c);
}

static media_cmd *
media_cmd_new(call_media *m)
{
  media_cmd *c = g_new0(media_cmd, 1);
  c->media = call_media_ref(m);
  return c;
}

static gboolean
do_add_candidate(gpointer data)
{
  media_cmd *c = data;
  const char *reason = NULL;
  if (!c->media->browser)
    return G_SOURCE_REMOVE;
  if (!c->text)
    media_leg_remote_gathering_done(c->media->browser);
  else if (media_leg_add_remote_candidate(c->media->browser, c->text, &reason) < 0)
    g_debug("call %" G_GUINT64_FORMAT ": candidate skipped (%s): %s", c->media->serial, reason, c->text);
  return G_SOURCE_REMOVE;
}

void
call_media_add_candidate(call_media *m, const char *candidate)
{
  media_cmd *c = media_cmd_new(m);
  c->text = g_strdup(candidate);
  media_worker_invoke(m->worker, do_add_candidate, c, (GDestroyNotify)media_cmd_free);
}

typedef struct {
  call_media *media;
  char *ufrag, *pwd;
  GPtrArray *candidates;
  gboolean end;
  dtls_role role;
  GArray *fingerprints;
} remote_cmd;

static void
remote_cmd_free(remote_cmd *c)
{
  call_media_unref(c->media);
  g_free(c->ufrag);
  g_free(c->pwd);
  if (c->candidates)
    g_ptr_array_unref(c->candidates);
  if (c->fingerprints)
    g_array_unref(c->fingerprints);
  g_free(c);
}

static gboolean
do_browser_remote(gpointer data)
{
  remote_cmd *c = data;
  call_media *m = c->media;
  if (!m->browser)
    return G_SOURCE_REMOVE;
  /* The worker owns these from now on. */
  g_free(m->remote_ufrag);
  g_free(m->remote_pwd);
  m->remote_ufrag = g_steal_pointer(&c->ufrag);
  m->remote_pwd = g_steal_pointer(&c->pwd);
  if (m->remote_candidates)
    g_ptr_array_unref(m->remote_candidates);
  m->remote_candidates = g_steal_pointer(&c->candidates);
  m->remote_end_of_candidates = c->end;
  m->dtls.role = c->role;
  if (m->dtls.fingerprints)
    g_array_unref(m->dtls.fingerprints);
  m->dtls.fingerprints = g_steal_pointer(&c->fingerprints);
  g_autofree char *trace_name = g_strdup_printf("DTLS.SRTP.%u", m->trace_browser);
  media_leg_dtls_config d = dtls_config(m, trace_name);
  g_autoptr(GError) error = NULL;
  if (!media_leg_configure_dtls(m->browser, &d, &error)) {
    call_media_event *e = event_new(m, CALL_MEDIA_FAILED);
    e->reason = g_strdup_printf("the gateway could not set up DTLS: %s", error->message);
    post(e);
    return G_SOURCE_REMOVE;
  }
  add_remote_ice(m);
  return G_SOURCE_REMOVE;
}

void
call_media_browser_remote(call_media *m, char *ufrag, char *pwd, GPtrArray *candidates,
                          gboolean end_of_candidates, dtls_role role, GArray *fingerprints)
{
  remote_cmd *c = g_new0(remote_cmd, 1);
  c->media = call_media_ref(m);
  c->ufrag = ufrag;
  c->pwd = pwd;
  c->candidates = candidates;
  c->end = end_of_candidates;
  c->role = role;
  c->fingerprints = fingerprints;
  media_worker_invoke(m->worker, do_browser_remote, c, (GDestroyNotify)remote_cmd_free);
}

/* The SIP leg's DTLS from S (role, the phone's fingerprints), configured
 * for the first time or, RESTART, as a new association. FALSE: logged. */
static gboolean
sip_dtls(call_media *m, const call_sip_media *s, gboolean restart)
{
  g_autofree char *srtp_name = g_strdup_printf("DTLS.SRTP.%u", m->trace_sip);
  g_autofree char *srtcp_name = g_strdup_printf("DTLS.SRTCP.%u", m->trace_sip);
  media_leg_dtls_config d = {
    .identity = m->identity,
    .role = s->dtls_role,
    .remote_fingerprints = (const fingerprint *)s->dtls_fingerprints->data,
    .n_remote_fingerprints = s->dtls_fingerprints->len,
    .trace_name = srtp_name,
    .rtcp_session = !s->rtcp_mux,
    .rtcp_trace_name = srtcp_name,
    .trace_always = m->trace_sip_always,
  };
  g_autoptr(GError) error = NULL;
  gboolean done = restart ? media_leg_restart_dtls(m->sip, &d, &error) : media_leg_configure_dtls(m->sip, &d, &error);
  if (!done)
    g_message("call %" G_GUINT64_FORMAT ": SIP leg DTLS could not be set up: %s", m->serial, error->message);
  return done;
}

static gboolean
do_sip_configure(gpointer data)
{
  media_cmd *c = data;
  call_media *m = c->media;
  call_sip_media *s = &c->sip;
  if (!m->sip || !m->browser)
    return G_SOURCE_REMOVE;
  if (media_leg_set_remote(m->sip, s->host, s->rtp_port, s->rtcp_port, s->rtcp_mux) < 0) {
    call_media_event *e = event_new(m, CALL_MEDIA_FAILED);
    e->reason = g_strdup_printf("the phone's media address %s is not usable", s->host);
    post(e);
    return G_SOURCE_REMOVE;
  }
  if (s->sdes) {
    g_autoptr(GError) error = NULL;
    if (media_leg_set_sdes(m->sip, s->suite, s->local_key, s->local_key_len, s->remote_key,
                           s->remote_key_len, &error) < 0) {
      call_media_event *e = event_new(m, CALL_MEDIA_FAILED);
      e->reason = g_strdup_printf("the SDES keys are not usable: %s", error->message);
      post(e);
      return G_SOURCE_REMOVE;
    }
  }
  if (s->dtls && !sip_dtls(m, s, FALSE)) {
    call_media_event *e = event_new(m, CALL_MEDIA_FAILED);
    e->reason = g_strdup("SIP leg: DTLS could not be set up");
    post(e);
    return G_SOURCE_REMOVE;
  }
  media_leg_set_relay(m->sip, &s->to_sip, s->sip_ssrc, s->clock_rate);
  media_leg_set_relay(m->browser, &s->to_browser, m->browser_ssrc, s->clock_rate);
  media_leg_set_dtmf(m->sip, s->te_from_sip, s->te_to_sip, s->clock_rate == 48000 ? 48000 : 8000);
  /* The browser's own RFC 4733 packets are not relayed: digits from the
   * page arrive as dtmf messages and are sent from the SIP leg. */
  media_leg_set_dtmf(m->browser, s->te_from_browser, -1, 48000);
  return G_SOURCE_REMOVE;
}

static gboolean
do_sip_update(gpointer data)
{
  media_cmd *c = data;
  call_media *m = c->media;
  call_sip_media *s = &c->sip;
  if (!m->sip)
    return G_SOURCE_REMOVE;
  media_leg_set_remote(m->sip, s->host, s->rtp_port, s->rtcp_port, s->rtcp_mux);
  if (s->sdes) {
    g_autoptr(GError) error = NULL;
    if (media_leg_set_sdes(m->sip, s->suite, s->local_key, s->local_key_len, s->remote_key,
                           s->remote_key_len, &error) < 0)
      g_message("call %" G_GUINT64_FORMAT ": new SDES keys not usable: %s", m->serial, error->message);
  }
  if (s->dtls && s->dtls_fingerprints && !sip_dtls(m, s, TRUE)) {
    call_media_event *e = event_new(m, CALL_MEDIA_FAILED);
    e->reason = g_strdup("SIP leg: the new DTLS association could not be set up");
    post(e);
  }
  return G_SOURCE_REMOVE;
}

void
call_media_sip_update(call_media *m, const call_sip_media *sip)
{
  media_cmd *c = media_cmd_new(m);
  c->sip = *sip;
  c->sip.host = g_strdup(sip->host);
  /* DTLS set: a new association (the phone's fingerprint or our role
   * changed); else the DTLS session is kept. */
  c->sip.dtls_fingerprints = sip->dtls && sip->dtls_fingerprints ? g_array_ref(sip->dtls_fingerprints) : NULL;
  media_worker_invoke(m->worker, do_sip_update, c, (GDestroyNotify)media_cmd_free);
}

void
call_media_sip_configure(call_media *m, const call_sip_media *sip)
{
  media_cmd *c = media_cmd_new(m);
  c->sip = *sip;
  c->sip.host = g_strdup(sip->host);
  if (sip->dtls_fingerprints)
    c->sip.dtls_fingerprints = g_array_ref(sip->dtls_fingerprints);
  media_worker_invoke(m->worker, do_sip_configure, c, (GDestroyNotify)media_cmd_free);
}

static gboolean
do_send_dtmf(gpointer data)
{
  media_cmd *c = data;
  if (c->media->sip && media_leg_send_dtmf(c->media->sip, c->text, c->number) < 0)
    g_message("call %" G_GUINT64_FORMAT ": cannot send DTMF over RTP (no telephone-event agreed?)",
              c->media->serial);
  return G_SOURCE_REMOVE;
}

void
call_media_send_dtmf(call_media *m, const char *digits, guint duration_ms)
{
  media_cmd *c = media_cmd_new(m);
  c->text = g_strdup(digits);
  c->number = duration_ms;
  media_worker_invoke(m->worker, do_send_dtmf, c, (GDestroyNotify)media_cmd_free);
}

static gboolean
do_stats(gpointer data)
{
  call_media *m = data;
  if (!m->browser)
    return G_SOURCE_REMOVE;
  call_media_event *e = event_new(m, CALL_MEDIA_STATS);
  media_leg_get_stats(m->browser, &e->stats);
  if (m->sip)
    media_leg_get_stats(m->sip, &e->sip_stats);
  post(e);
  return G_SOURCE_REMOVE;
}

void
call_media_request_stats(call_media *m)
{
  media_worker_invoke(m->worker, do_stats, call_media_ref(m), (GDestroyNotify)call_media_unref);
}

static gboolean
do_destroy(gpointer data)
{
  call_media *m = data;
  call_media_event *e = event_new(m, CALL_MEDIA_RELEASED);
  if (m->browser) {
    media_leg_get_stats(m->browser, &e->stats);
    media_leg_free(m->browser);
    m->browser = NULL;
  }
  if (m->sip) {
    media_leg_get_stats(m->sip, &e->sip_stats);
    media_leg_free(m->sip);
    m->sip = NULL;
  }
  media_worker_add_calls(m->worker, -1);
  post(e);
  return G_SOURCE_REMOVE;
}

void
call_media_destroy(call_media *m)
{
  media_worker_invoke(m->worker, do_destroy, call_media_ref(m), (GDestroyNotify)call_media_unref);
}
