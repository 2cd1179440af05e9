/* What every media leg shares: DTLS-SRTP glue, SRTP contexts, the receive
 * and forward path (see media_leg.h). The transports are media_leg_ice.c
 * and media_leg_rtp.c. */
#define G_LOG_DOMAIN "rtc2sip-media"
#include "gateway/media/media_leg_private.h"

#include <errno.h>
#include <string.h>

#include "gateway/media/rtp_demux.h"

void
media_leg_emit(media_leg *leg, const media_leg_event *event)
{
  if (leg->on_event)
    leg->on_event(leg, event, leg->user_data);
}

void
media_leg_fail(media_leg *leg, const char *reason)
{
  if (leg->failed)
    return;
  leg->failed = TRUE;
  media_leg_event ev = { .type = MEDIA_LEG_EVENT_FAILED, .reason = reason };
  media_leg_emit(leg, &ev);
}

media_leg *
media_leg_alloc(const media_leg_common *common, const media_transport_ops *ops)
{
  media_leg *leg = g_new0(media_leg, 1);
  leg->context = common->context;
  leg->ssrc = common->ssrc;
  leg->on_event = common->on_event;
  leg->user_data = common->user_data;
  leg->ops = ops;
  leg->te_pt_in = leg->te_pt_out = -1;
  leg->clock_rate = 8000;
  if (leg->ssrc)
    rtp_rewrite_stream_init(&leg->stream, RTP_REWRITE_CONTINUOUS, leg->ssrc, 8000, TRUE);
  return leg;
}

static void dtls_schedule(media_leg *leg, media_component c);

static dtls_srtp_session *
session_of(media_leg *leg, media_component c)
{
  return c == MEDIA_COMPONENT_RTP ? leg->dtls : leg->dtls_rtcp;
}

static GSource **
timer_of(media_leg *leg, media_component c)
{
  return c == MEDIA_COMPONENT_RTP ? &leg->dtls_timer : &leg->dtls_rtcp_timer;
}

/* Fresh SRTP contexts into *IN and *OUT (replacing any). FALSE with ERROR. */
static gboolean
make_contexts(media_srtp **in_out, media_srtp **out_out, media_srtp_suite suite, const guint8 *local_key,
              gsize local_len, const guint8 *remote_key, gsize remote_len, GError **error)
{
  g_autoptr(media_srtp) in = media_srtp_new(suite, remote_key, remote_len, FALSE, error);
  if (!in)
    return FALSE;
  g_autoptr(media_srtp) out = media_srtp_new(suite, local_key, local_len, TRUE, error);
  if (!out)
    return FALSE;
  media_srtp_free(*in_out);
  media_srtp_free(*out_out);
  *in_out = g_steal_pointer(&in);
  *out_out = g_steal_pointer(&out);
  return TRUE;
}

static gboolean
install_keys(media_leg *leg, media_srtp_suite suite, const guint8 *local_key, gsize local_len,
             const guint8 *remote_key, gsize remote_len, GError **error)
{
  return make_contexts(&leg->srtp_in, &leg->srtp_out, suite, local_key, local_len, remote_key, remote_len,
                       error);
}

static void start_session(media_leg *leg, media_component c);
static void start_deferred_rtcp(media_leg *leg);

/* Sends what a DTLS core queued, handles its events, re-arms its timer. */
static void
dtls_flush(media_leg *leg, media_component c)
{
  dtls_srtp_session *dtls = session_of(leg, c);
  guint8 buf[MEDIA_PACKET_ROOM];
  gsize len;
  dtls_srtp_event ev;

  while (dtls_srtp_session_pop_datagram(dtls, buf, sizeof buf, &len))
    leg->ops->send(leg, c, buf, len);

  while (dtls_srtp_session_poll_event(dtls, &ev)) {
    if (ev.type == DTLS_SRTP_EVENT_CONNECTED) {
      const dtls_srtp_keys *keys = dtls_srtp_session_keys(dtls);
      g_autoptr(GError) error = NULL;
      media_srtp_suite suite;
      if (media_srtp_suite_from_profile(keys->profile, &suite) < 0) {
        media_leg_fail(leg, "DTLS negotiated no SRTP profile");
        return;
      }
      gboolean keyed = c == MEDIA_COMPONENT_RTP
        ? install_keys(leg, suite, keys->local_key, keys->local_key_len, keys->remote_key,
                       keys->remote_key_len, &error)
        : make_contexts(&leg->srtcp_in, &leg->srtcp_out, suite, keys->local_key, keys->local_key_len,
                        keys->remote_key, keys->remote_key_len, &error);
      if (!keyed) {
        g_warning("cannot key SRTP: %s", error->message);
        media_leg_fail(leg, "SRTP could not be keyed");
        return;
      }
      if (c == MEDIA_COMPONENT_RTP) {
        leg->dtls_connected_us = g_get_monotonic_time();
        media_leg_event out = { .type = MEDIA_LEG_EVENT_SECURED };
        media_leg_emit(leg, &out);
        if (leg->rtcp_deferred)
          start_deferred_rtcp(leg); /* the reference's "Unpause" */
      }
    } else if (ev.type == DTLS_SRTP_EVENT_FAILED) {
      media_leg_fail(leg, ev.reason ? ev.reason : "DTLS handshake failed");
      return;
    } else if (ev.type == DTLS_SRTP_EVENT_CLOSED) {
      media_leg_fail(leg, "the peer closed DTLS");
      return;
    }
  }
  dtls_schedule(leg, c);
}

static void
on_timer(media_leg *leg, media_component c)
{
  GSource **t = timer_of(leg, c);
  g_source_unref(*t);
  *t = NULL;
  dtls_srtp_session_tick(session_of(leg, c), g_get_monotonic_time());
  dtls_flush(leg, c);
}

static gboolean
on_dtls_timer(gpointer data)
{
  on_timer(data, MEDIA_COMPONENT_RTP);
  return G_SOURCE_REMOVE;
}

static gboolean
on_dtls_rtcp_timer(gpointer data)
{
  on_timer(data, MEDIA_COMPONENT_RTCP);
  return G_SOURCE_REMOVE;
}

static void
dtls_schedule(media_leg *leg, media_component c)
{
  GSource **t = timer_of(leg, c);
  gint64 deadline = dtls_srtp_session_next_deadline(session_of(leg, c));
  if (*t) {
    g_source_destroy(*t);
    g_source_unref(*t);
    *t = NULL;
  }
  if (deadline < 0)
    return;
  gint64 wait_ms = (deadline - g_get_monotonic_time() + 999) / 1000;
  *t = g_timeout_source_new((guint)CLAMP(wait_ms, 0, G_MAXINT));
  g_source_set_callback(*t, c == MEDIA_COMPONENT_RTP ? on_dtls_timer : on_dtls_rtcp_timer, leg, NULL);
  g_source_attach(*t, leg->context);
}

static void
start_session(media_leg *leg, media_component c)
{
  dtls_srtp_session *dtls = session_of(leg, c);
  if (!dtls || dtls_srtp_session_state(dtls) != DTLS_SRTP_NEW)
    return;
  dtls_srtp_session_start(dtls, g_get_monotonic_time());
  dtls_flush(leg, c);
}

gboolean
media_leg_init_dtls(media_leg *leg, const media_leg_dtls_config *config, GError **error)
{
  dtls_srtp_config dc = {
    .role = config->role,
    .identity = config->identity,
    .remote_fingerprints = config->remote_fingerprints,
    .n_remote_fingerprints = config->n_remote_fingerprints,
    .trace_name = config->trace_name,
    .trace_always = config->trace_always,
    .mtu = 1200,
  };
  leg->dtls = dtls_srtp_session_new(&dc, error);
  if (!leg->dtls)
    return FALSE;
  if (config->rtcp_session && config->role == DTLS_ROLE_CLIENT) {
    leg->rtcp_deferred = TRUE;
    leg->rtcp_identity = identity_ref(config->identity);
    leg->rtcp_fingerprints = g_array_sized_new(FALSE, FALSE, sizeof(fingerprint), config->n_remote_fingerprints);
    g_array_append_vals(leg->rtcp_fingerprints, config->remote_fingerprints, config->n_remote_fingerprints);
    leg->rtcp_trace_name = g_strdup(config->rtcp_trace_name);
    leg->rtcp_trace_always = config->trace_always;
  } else if (config->rtcp_session) {
    dc.trace_name = config->rtcp_trace_name;
    leg->dtls_rtcp = dtls_srtp_session_new(&dc, error);
    if (!leg->dtls_rtcp)
      return FALSE;
  }
  return TRUE;
}

/* The client's RTCP session, resuming the RTP one (RFC 5764 §4.1: a second
 * DTLS session on the RTCP port keys SRTCP). */
static void
start_deferred_rtcp(media_leg *leg)
{
  g_autoptr(GBytes) resume = dtls_srtp_session_get_resume_data(leg->dtls);
  dtls_srtp_config dc = {
    .role = DTLS_ROLE_CLIENT,
    .identity = leg->rtcp_identity,
    .remote_fingerprints = (const fingerprint *)leg->rtcp_fingerprints->data,
    .n_remote_fingerprints = leg->rtcp_fingerprints->len,
    .trace_name = leg->rtcp_trace_name,
    .trace_always = leg->rtcp_trace_always,
    .mtu = 1200,
    .resume_data = resume,
  };
  g_autoptr(GError) error = NULL;
  leg->rtcp_deferred = FALSE;
  leg->dtls_rtcp = dtls_srtp_session_new(&dc, &error);
  if (!leg->dtls_rtcp) {
    g_warning("cannot start the RTCP DTLS session: %s", error->message);
    media_leg_fail(leg, "DTLS for RTCP could not start");
    return;
  }
  start_session(leg, MEDIA_COMPONENT_RTCP);
}

void
media_leg_start_dtls(media_leg *leg)
{
  if (!leg->dtls || dtls_srtp_session_state(leg->dtls) != DTLS_SRTP_NEW)
    return;
  if (!leg->dtls_started_us)
    leg->dtls_started_us = g_get_monotonic_time();
  start_session(leg, MEDIA_COMPONENT_RTP);
}

/* Hands DTLS datagrams that came before the sessions existed to them. */
static void
feed_early_dtls(media_leg *leg)
{
  for (media_component c = MEDIA_COMPONENT_RTP; c <= MEDIA_COMPONENT_RTCP; c++) {
    g_autoptr(GBytes) early = g_steal_pointer(&leg->early_dtls[c]);
    if (early && session_of(leg, c)) {
      gsize len;
      const guint8 *data = g_bytes_get_data(early, &len);
      media_leg_receive(leg, c, data, len);
    }
  }
}

gboolean
media_leg_configure_dtls(media_leg *leg, const media_leg_dtls_config *config, GError **error)
{
  if (leg->dtls) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "DTLS is already configured");
    return FALSE;
  }
  if (!media_leg_init_dtls(leg, config, error))
    return FALSE;
  if (leg->transport_up)
    media_leg_start_dtls(leg);
  feed_early_dtls(leg);
  return TRUE;
}

/* Drops the leg's DTLS sessions (both components) and their timers. The
 * SRTP contexts they keyed stay until new keys replace them. */
static void
drop_dtls(media_leg *leg)
{
  for (media_component c = MEDIA_COMPONENT_RTP; c <= MEDIA_COMPONENT_RTCP; c++) {
    GSource **t = timer_of(leg, c);
    if (*t) {
      g_source_destroy(*t);
      g_source_unref(*t);
      *t = NULL;
    }
  }
  g_clear_pointer(&leg->dtls, dtls_srtp_session_free);
  g_clear_pointer(&leg->dtls_rtcp, dtls_srtp_session_free);
  leg->rtcp_deferred = FALSE;
  g_clear_pointer(&leg->rtcp_identity, identity_unref);
  g_clear_pointer(&leg->rtcp_fingerprints, g_array_unref);
  g_clear_pointer(&leg->rtcp_trace_name, g_free);
  leg->dtls_started_us = leg->dtls_connected_us = 0;
}

gboolean
media_leg_restart_dtls(media_leg *leg, const media_leg_dtls_config *config, GError **error)
{
  drop_dtls(leg);
  if (!media_leg_init_dtls(leg, config, error))
    return FALSE;
  if (leg->transport_up)
    media_leg_start_dtls(leg);
  feed_early_dtls(leg);
  return TRUE;
}

gint64
media_leg_dtls_duration_us(const media_leg *leg)
{
  return leg->dtls_connected_us ? leg->dtls_connected_us - leg->dtls_started_us : 0;
}

/* Protects and sends a prepared packet to leg TO. */
static void
send_out(media_leg *to, guint8 *buf, gsize len, gboolean rtcp)
{
  if (to->srtp_out) {
    if (rtcp && (to->dtls_rtcp || to->rtcp_deferred) && !to->srtcp_out) {
      to->stats.dropped++; /* the RTCP session is not keyed yet */
      return;
    }
    int rc = rtcp ? media_srtp_protect_rtcp(to->srtcp_out ? to->srtcp_out : to->srtp_out, buf, &len,
                                            MEDIA_PACKET_ROOM)
                  : media_srtp_protect(to->srtp_out, buf, &len, MEDIA_PACKET_ROOM);
    if (rc < 0) {
      to->stats.srtp_other_fail++;
      return;
    }
  } else if (to->dtls) {
    to->stats.dropped++; /* DTLS not done yet: nothing goes out in the clear */
    return;
  }
  if (to->ops->send(to, rtcp ? MEDIA_COMPONENT_RTCP : MEDIA_COMPONENT_RTP, buf, len) > 0) {
    if (rtcp)
      to->stats.rtcp_out++;
    else
      to->stats.rtp_out++;
    to->stats.bytes_out += len;
    to->stats.last_out_us = g_get_monotonic_time();
  }
}

/* Rewrites a packet that leg FROM decrypted into BUF (MEDIA_PACKET_ROOM
 * bytes of room) for leg TO, then protects and sends it. */
static void
forward(media_leg *from, media_leg *to, guint8 *buf, gsize len, gboolean rtcp)
{
  if (!to)
    return;
  if (!rtcp) {
    if (to->has_pt_map && rtp_rewrite_pt_apply(&to->pt_map, buf, len) < 0) {
      to->stats.dropped++;
      return;
    }
    if (to->ssrc && rtp_rewrite_stream_apply(&to->stream, g_get_monotonic_time(), buf, len) < 0) {
      to->stats.dropped++;
      return;
    }
  } else {
    /* Senders as TO sees them; report blocks about the stream we send FROM
     * point back at its real source on TO's side. */
    rtp_rewrite_ssrc_map sender, media;
    rtp_rewrite_ssrc_map_init(&sender);
    rtp_rewrite_ssrc_map_init(&media);
    if (to->ssrc && to->stream.have_source)
      rtp_rewrite_ssrc_map_set(&sender, to->stream.src_ssrc, to->ssrc);
    if (from != to && from->ssrc && from->stream.have_source)
      rtp_rewrite_ssrc_map_set(&media, from->ssrc, from->stream.src_ssrc);
    if (rtp_rewrite_rtcp(&sender, &media, buf, len, NULL) < 0) {
      to->stats.dropped++;
      return;
    }
  }
  send_out(to, buf, len, rtcp);
}

/* An RFC 4733 packet from this leg: report its digits, relay nothing. */
static void
dtmf_in(media_leg *leg, const guint8 *pkt, gsize len)
{
  rtp_header h;
  if (rtp_header_parse(pkt, len, &h, NULL) < 0 || !leg->dtmf_in)
    return;
  rtp_event_receiver_feed(leg->dtmf_in, g_get_monotonic_time(), pkt + h.header_len,
                          len - h.header_len, h.timestamp, h.marker);
  rtp_event_report r;
  while (rtp_event_receiver_poll(leg->dtmf_in, &r)) {
    if (r.kind == RTP_EVENT_DIGIT_START) {
      media_leg_event ev = { .type = MEDIA_LEG_EVENT_DTMF, .digit = r.digit };
      media_leg_emit(leg, &ev);
    }
  }
}

void
media_leg_receive(media_leg *leg, media_component component, const guint8 *data, gsize len)
{
  rtp_demux_kind kind = rtp_demux_classify(data, len);

  if (kind == RTP_DEMUX_DTLS) {
    dtls_srtp_session *dtls = session_of(leg, component);
    if (dtls) {
      if (!leg->dtls_started_us)
        leg->dtls_started_us = g_get_monotonic_time();
      dtls_srtp_session_feed(dtls, g_get_monotonic_time(), data, len);
      dtls_flush(leg, component);
    } else if (!leg->dtls && len <= MEDIA_PACKET_MAX) {
      /* Not configured yet: keep the latest for when it is. */
      if (leg->early_dtls[component])
        g_bytes_unref(leg->early_dtls[component]);
      leg->early_dtls[component] = g_bytes_new(data, len);
    } else {
      leg->stats.dropped++;
    }
    return;
  }
  if ((kind != RTP_DEMUX_RTP && kind != RTP_DEMUX_RTCP) || len > MEDIA_PACKET_MAX ||
      (leg->dtls && !leg->srtp_in)) {
    leg->stats.dropped++;
    return;
  }
  gboolean rtcp = kind == RTP_DEMUX_RTCP;
  if (rtcp && len < 8) {
    leg->stats.dropped++;
    return;
  }
  /* On the worker's stack rather than in the leg: 1.5 KiB less per leg. */
  guint8 pkt[MEDIA_PACKET_ROOM];
  memcpy(pkt, data, len);
  if (leg->srtp_in) {
    media_srtp *rtcp_in = component == MEDIA_COMPONENT_RTCP && leg->srtcp_in ? leg->srtcp_in : leg->srtp_in;
    int rc = rtcp ? media_srtp_unprotect_rtcp(rtcp_in, pkt, &len)
                  : media_srtp_unprotect(leg->srtp_in, pkt, &len);
    if (rc < 0) {
      if (rc == -EBADMSG)
        leg->stats.srtp_auth_fail++;
      else if (rc == -EALREADY)
        leg->stats.srtp_replay_fail++;
      else
        leg->stats.srtp_other_fail++;
      return;
    }
  }
  leg->stats.bytes_in += len;
  leg->stats.last_in_us = g_get_monotonic_time();
  if (rtcp) {
    leg->stats.rtcp_in++;
  } else {
    leg->stats.rtp_in++;
    if (!leg->media_seen) {
      leg->media_seen = TRUE;
      media_leg_event ev = { .type = MEDIA_LEG_EVENT_MEDIA };
      media_leg_emit(leg, &ev);
    }
  }
  if (!rtcp && leg->te_pt_in >= 0 && len >= 2 && (pkt[1] & 0x7f) == leg->te_pt_in) {
    dtmf_in(leg, pkt, len);
    return;
  }
  forward(leg, leg->peer, pkt, len, rtcp);
}

void
media_leg_set_relay(media_leg *leg, const rtp_rewrite_pt_map *pt_map, guint32 ssrc, guint clock_rate)
{
  leg->has_pt_map = pt_map != NULL;
  if (pt_map)
    leg->pt_map = *pt_map;
  if (ssrc && (ssrc != leg->ssrc || !leg->clock_rate))
    rtp_rewrite_stream_init(&leg->stream, RTP_REWRITE_CONTINUOUS, ssrc, clock_rate ? clock_rate : 8000, TRUE);
  leg->ssrc = ssrc;
  leg->clock_rate = clock_rate ? clock_rate : 8000;
}

void
media_leg_set_dtmf(media_leg *leg, int te_pt_in, int te_pt_out, guint clock_rate)
{
  leg->te_pt_in = te_pt_in;
  leg->te_pt_out = te_pt_out;
  rtp_event_receiver_free(leg->dtmf_in);
  leg->dtmf_in = te_pt_in >= 0 ? rtp_event_receiver_new(clock_rate ? clock_rate : 8000, 0) : NULL;
  rtp_event_sender_free(leg->dtmf_out);
  leg->dtmf_out = NULL;
  if (te_pt_out >= 0) {
    rtp_event_sender_config cfg;
    rtp_event_sender_config_init(&cfg);
    cfg.payload_type = (guint8)te_pt_out;
    cfg.clock_rate = clock_rate ? clock_rate : 8000;
    leg->dtmf_out = rtp_event_sender_new(&cfg, g_get_monotonic_time(), NULL);
  }
}

static void dtmf_schedule(media_leg *leg);

/* Sends the RFC 4733 packets that are due, inside the stream toward LEG. */
static void
dtmf_send_due(media_leg *leg)
{
  rtp_event_packet p;
  gint64 now = g_get_monotonic_time();
  while (rtp_event_sender_poll(leg->dtmf_out, now, &p)) {
    guint16 seq;
    guint32 ts;
    if (!rtp_rewrite_stream_insert(&leg->stream, now, &seq, &ts))
      continue; /* no stream yet: nothing to insert into */
    if (p.marker)
      leg->dtmf_event_ts = ts;
    guint8 buf[MEDIA_PACKET_ROOM];
    buf[0] = 0x80;
    buf[1] = (guint8)((p.marker ? 0x80 : 0) | p.payload_type);
    buf[2] = seq >> 8;
    buf[3] = seq & 0xff;
    guint32 be_ts = GUINT32_TO_BE(leg->dtmf_event_ts), be_ssrc = GUINT32_TO_BE(leg->ssrc);
    memcpy(buf + 4, &be_ts, 4);
    memcpy(buf + 8, &be_ssrc, 4);
    memcpy(buf + 12, p.payload, RTP_EVENT_PAYLOAD_LEN);
    send_out(leg, buf, 12 + RTP_EVENT_PAYLOAD_LEN, FALSE);
  }
  dtmf_schedule(leg);
}

static gboolean
on_dtmf_timer(gpointer data)
{
  media_leg *leg = data;
  g_source_unref(leg->dtmf_timer);
  leg->dtmf_timer = NULL;
  dtmf_send_due(leg);
  return G_SOURCE_REMOVE;
}

static void
dtmf_schedule(media_leg *leg)
{
  if (leg->dtmf_timer) {
    g_source_destroy(leg->dtmf_timer);
    g_source_unref(leg->dtmf_timer);
    leg->dtmf_timer = NULL;
  }
  gint64 deadline = rtp_event_sender_next_deadline(leg->dtmf_out);
  if (deadline < 0 || deadline == G_MAXINT64)
    return;
  gint64 wait_ms = (deadline - g_get_monotonic_time() + 999) / 1000;
  leg->dtmf_timer = g_timeout_source_new((guint)CLAMP(wait_ms, 0, G_MAXINT));
  g_source_set_callback(leg->dtmf_timer, on_dtmf_timer, leg, NULL);
  g_source_attach(leg->dtmf_timer, leg->context);
}

int
media_leg_send_dtmf(media_leg *leg, const char *digits, guint duration_ms)
{
  if (!leg->dtmf_out || !leg->ssrc)
    return -ENOTSUP;
  if (rtp_event_sender_queue(leg->dtmf_out, digits, g_get_monotonic_time()) < 0)
    return -EINVAL;
  dtmf_send_due(leg);
  return 0;
}

int
media_leg_set_sdes(media_leg *leg, media_srtp_suite suite, const guint8 *local_key, gsize local_len,
                   const guint8 *remote_key, gsize remote_len, GError **error)
{
  return install_keys(leg, suite, local_key, local_len, remote_key, remote_len, error) ? 0 : -EINVAL;
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
  if (leg->dtls_rtcp_timer) {
    g_source_destroy(leg->dtls_rtcp_timer);
    g_source_unref(leg->dtls_rtcp_timer);
  }
  if (leg->dtmf_timer) {
    g_source_destroy(leg->dtmf_timer);
    g_source_unref(leg->dtmf_timer);
  }
  rtp_event_receiver_free(leg->dtmf_in);
  rtp_event_sender_free(leg->dtmf_out);
  if (leg->ops && leg->ops->free)
    leg->ops->free(leg);
  dtls_srtp_session_free(leg->dtls);
  dtls_srtp_session_free(leg->dtls_rtcp);
  for (guint i = 0; i < G_N_ELEMENTS(leg->early_dtls); i++)
    if (leg->early_dtls[i])
      g_bytes_unref(leg->early_dtls[i]);
  media_srtp_free(leg->srtp_in);
  media_srtp_free(leg->srtp_out);
  media_srtp_free(leg->srtcp_in);
  media_srtp_free(leg->srtcp_out);
  if (leg->rtcp_identity)
    identity_unref(leg->rtcp_identity);
  if (leg->rtcp_fingerprints)
    g_array_unref(leg->rtcp_fingerprints);
  g_free(leg->rtcp_trace_name);
  g_free(leg);
}

void
media_leg_set_peer(media_leg *leg, media_leg *peer)
{
  leg->peer = peer;
}

void
media_leg_get_stats(const media_leg *leg, media_leg_stats *out)
{
  *out = leg->stats;
  media_srtp_stats s;
  if (leg->srtp_in) {
    media_srtp_get_stats(leg->srtp_in, &s);
    out->srtp_auth_fail = s.auth_failures;
    out->srtp_replay_fail = s.replay_drops;
  }
}

dtls_srtp_session *
media_leg_dtls(media_leg *leg)
{
  return leg->dtls;
}
