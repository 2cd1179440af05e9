/* Internals of the media leg shared by its transports. */
#pragma once
#include "gateway/media/media_leg.h"
#include "gateway/media/media_poll.h"

/* Room for the largest datagram we relay plus the SRTP tag growth. */
#define MEDIA_PACKET_MAX 1500
#define MEDIA_PACKET_ROOM (MEDIA_PACKET_MAX + 64)
/* Receive buffers (media_poll_batch) hold one byte more, so that a longer
 * datagram shows as one and is dropped. */
G_STATIC_ASSERT(MEDIA_POLL_DATAGRAM_ROOM == MEDIA_PACKET_MAX + 1);

typedef enum { MEDIA_COMPONENT_RTP, MEDIA_COMPONENT_RTCP } media_component;

typedef struct {
  /* Sends one datagram on COMPONENT; returns bytes sent or a negative errno. */
  int (*send)(media_leg *leg, media_component component, const guint8 *buf, gsize len);
  void (*free)(media_leg *leg);
} media_transport_ops;

struct media_leg {
  GMainContext *context;
  const media_transport_ops *ops;
  gpointer transport;             /* ice_session or media_rtp_transport */
  dtls_srtp_session *dtls;        /* on the RTP component */
  dtls_srtp_session *dtls_rtcp;   /* on the RTCP component (SIP legs without rtcp-mux) */
  GSource *dtls_rtcp_timer;
  /* A DTLS client's RTCP session is made once the RTP session connected, so
   * that it can resume it (the reference page's trace): its settings wait
   * here until then. */
  gboolean rtcp_deferred;
  identity *rtcp_identity;
  GArray *rtcp_fingerprints;   /* of fingerprint */
  char *rtcp_trace_name;
  gboolean rtcp_trace_always;
  media_srtp *srtp_in, *srtp_out;
  media_srtp *srtcp_in, *srtcp_out; /* from dtls_rtcp; NULL: SRTCP uses srtp_in/out */
  /* The latest DTLS datagram per component that came before DTLS was
   * configured (a phone answering setup:active sends its ClientHello with
   * its 200 OK, which the main thread may not have turned into a DTLS
   * session yet): fed to the session once it exists. */
  GBytes *early_dtls[2];
  media_leg *peer;
  guint32 ssrc;
  GSource *dtls_timer;
  gint64 dtls_started_us, dtls_connected_us;
  gboolean transport_up;          /* ICE connected: DTLS may start */
  gboolean failed, media_seen;
  media_leg_event_func on_event;
  gpointer user_data;
  media_leg_stats stats;
  /* Rewriting of what goes out to this leg. */
  gboolean has_pt_map;
  rtp_rewrite_pt_map pt_map;
  rtp_rewrite_stream stream;  /* CONTINUOUS when ssrc != 0 */
  guint clock_rate;
  /* RFC 4733. */
  int te_pt_in, te_pt_out;
  rtp_event_receiver *dtmf_in;
  rtp_event_sender *dtmf_out;
  GSource *dtmf_timer;
  guint32 dtmf_event_ts;
};

void media_leg_emit(media_leg *leg, const media_leg_event *event);
void media_leg_fail(media_leg *leg, const char *reason);
/* A datagram arrived on COMPONENT (from the transport's receive path). */
void media_leg_receive(media_leg *leg, media_component component, const guint8 *data, gsize len);
/* Creates the DTLS session (not started). */
gboolean media_leg_init_dtls(media_leg *leg, const media_leg_dtls_config *config, GError **error);
/* Starts the DTLS handshake (client) or readiness (server). */
void media_leg_start_dtls(media_leg *leg);
media_leg *media_leg_alloc(const media_leg_common *common, const media_transport_ops *ops);
