/* One media leg of a call: a transport (ICE toward a browser, or plain UDP
 * sockets toward a SIP peer), optionally a DTLS-SRTP session on it, and the
 * two SRTP contexts (keyed by DTLS or by SDES) — or none for plain RTP.
 * A leg lives on one media worker; every function runs on that worker's
 * thread and every callback fires there.
 *
 * Unprotected RTP and RTCP from a leg go to its peer leg, which rewrites,
 * protects and sends them (the echo call peers a leg with itself). This is
 * the per-packet path: no lock, no allocation. */
#pragma once
#include <gio/gio.h>

#include "certs/identity.h"
#include "gateway/media/dtls_srtp.h"
#include "gateway/media/media_srtp.h"
#include "gateway/media/rtp_event.h"
#include "gateway/media/rtp_rewrite.h"
#include "ice/ice_session.h"

typedef struct media_leg media_leg;

typedef enum {
  MEDIA_LEG_EVENT_CANDIDATE,      /* ICE legs: "candidate:…", or NULL = end of candidates */
  MEDIA_LEG_EVENT_ICE_STATE,      /* ICE legs: ice_state */
  MEDIA_LEG_EVENT_SECURED,        /* DTLS-SRTP done: keys installed */
  MEDIA_LEG_EVENT_MEDIA,          /* the first authenticated RTP packet arrived */
  MEDIA_LEG_EVENT_FAILED,         /* reason: a sentence for the page */
  MEDIA_LEG_EVENT_DTMF,           /* digit: an RFC 4733 event arrived from this leg */
} media_leg_event_type;

typedef struct {
  media_leg_event_type type;
  const char *candidate;
  ice_state ice_state;
  const char *reason;
  char digit;
} media_leg_event;

typedef void (*media_leg_event_func)(media_leg *leg, const media_leg_event *event, gpointer user_data);

/* What every leg has. */
typedef struct {
  GMainContext *context;          /* the worker's */
  guint32 ssrc;                   /* the gateway's SSRC toward this leg (0: keep the sender's) */
  media_leg_event_func on_event;
  gpointer user_data;
} media_leg_common;

/* DTLS-SRTP on a leg. */
typedef struct {
  identity *identity;             /* referenced */
  dtls_role role;
  const fingerprint *remote_fingerprints;
  guint n_remote_fingerprints;
  const char *trace_name;         /* "DTLS.SRTP.<n>" */
  /* A second session on the RTCP component (SIP legs without rtcp-mux,
   * RFC 5764 §4.1): it keys SRTCP and starts once the first connected. */
  gboolean rtcp_session;
  const char *rtcp_trace_name;    /* "DTLS.SRTCP.<n>" */
  gboolean trace_always;          /* trace this leg whatever the global switch says */
} media_leg_dtls_config;

/* A browser leg: ICE (rtcp-mux) and DTLS-SRTP. */
typedef struct {
  media_leg_common common;
  media_leg_dtls_config dtls;
  ice_session_config ice;         /* callbacks and context are filled in by the leg */
  /* Once ICE completed on a UDP pair that is not relayed, take its socket
   * over from libnice and free the agent (media_leg_ice.c). */
  gboolean handover;
} media_leg_ice_config;

/* A SIP leg: UDP sockets for RTP and RTCP (or one with rtcp-mux). */
typedef struct {
  media_leg_common common;
  const char *bind_address;       /* local IP to bind */
  guint16 port_min, port_max;     /* even RTP port, RTCP = RTP + 1; 0, 0 = any */
} media_leg_rtp_config;

typedef struct {
  guint64 rtp_in, rtp_out, rtcp_in, rtcp_out;
  guint64 bytes_in, bytes_out;
  guint64 srtp_auth_fail, srtp_replay_fail, srtp_other_fail;
  guint64 dropped; /* unknown first byte, too large, before keys, wrong source */
  gint64 last_in_us, last_out_us; /* monotonic time of the last packet each way, 0: none */
} media_leg_stats;

media_leg *media_leg_new_ice(const media_leg_ice_config *config, GError **error);
media_leg *media_leg_new_rtp(const media_leg_rtp_config *config, GError **error);
/* Stops the leg; no callback fires after it returns. */
void media_leg_free(media_leg *leg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(media_leg, media_leg_free)

/* Where this leg's decrypted packets go (NULL: dropped). The echo uses the
 * leg itself. */
void media_leg_set_peer(media_leg *leg, media_leg *peer);

/* DTLS-SRTP for a leg created without it (an ICE leg whose peer's answer,
 * with its fingerprints and setup role, arrives later). Starts once the
 * transport is up. Returns FALSE with ERROR. */
gboolean media_leg_configure_dtls(media_leg *leg, const media_leg_dtls_config *config, GError **error);
/* A new DTLS association (RFC 5763 §5: the peer's fingerprint or the setup
 * role changed in a re-offer): the current sessions are dropped, new ones
 * made from CONFIG and started as media_leg_configure_dtls does. Media
 * keeps flowing on the old SRTP keys until the new handshake replaces them. */
gboolean media_leg_restart_dtls(media_leg *leg, const media_leg_dtls_config *config, GError **error);

/* ICE legs. */
const char *media_leg_local_ufrag(const media_leg *leg);
const char *media_leg_local_pwd(const media_leg *leg);
int media_leg_set_remote_credentials(media_leg *leg, const char *ufrag, const char *pwd);
int media_leg_add_remote_candidate(media_leg *leg, const char *candidate, const char **reason);
void media_leg_remote_gathering_done(media_leg *leg);
char *media_leg_selected_pair(media_leg *leg);

/* RTP legs. */
guint16 media_leg_rtp_port(const media_leg *leg);
const char *media_leg_rtp_address(const media_leg *leg);
/* Where to send (and, until packets latch it, expect) media. RTCP_PORT 0
 * with RTCP_MUX FALSE means RTP port + 1. Returns 0 or -EINVAL. */
int media_leg_set_remote(media_leg *leg, const char *host, guint16 rtp_port, guint16 rtcp_port,
                         gboolean rtcp_mux);
/* SDES keys (RFC 4568): LOCAL protects what we send, REMOTE unprotects what
 * arrives. Replaces earlier keys (re-keying). Returns 0 or -EINVAL. */
int media_leg_set_sdes(media_leg *leg, media_srtp_suite suite, const guint8 *local_key,
                       gsize local_len, const guint8 *remote_key, gsize remote_len, GError **error);

/* How packets are rewritten on their way OUT to this leg: payload types
 * mapped by PT_MAP (copied; NULL: unchanged), and with SSRC non-zero one
 * continuous stream under that SSRC (sequence and timestamp kept smooth
 * when the source changes SSRC, e.g. after hold), CLOCK_RATE its RTP clock. */
void media_leg_set_relay(media_leg *leg, const rtp_rewrite_pt_map *pt_map, guint32 ssrc,
                         guint clock_rate);
/* RFC 4733 on this leg: TE_PT_IN is the telephone-event payload type this
 * leg sends us (its digits become MEDIA_LEG_EVENT_DTMF and are not relayed),
 * TE_PT_OUT the one we send it; -1 for none. */
void media_leg_set_dtmf(media_leg *leg, int te_pt_in, int te_pt_out, guint clock_rate);
/* Queues DIGITS as RFC 4733 events toward this leg (needs set_relay with an
 * SSRC and set_dtmf with TE_PT_OUT). Returns 0, -ENOTSUP or -EINVAL. */
int media_leg_send_dtmf(media_leg *leg, const char *digits, guint duration_ms);

void media_leg_get_stats(const media_leg *leg, media_leg_stats *out);
dtls_srtp_session *media_leg_dtls(media_leg *leg);
/* How long the DTLS handshake took (first flight to keys), 0 if not done. */
gint64 media_leg_dtls_duration_us(const media_leg *leg);
