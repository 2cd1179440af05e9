/* One media leg toward a browser: an ICE session, a DTLS-SRTP session on it
 * and the two SRTP contexts keyed from it. Lives on one media worker; every
 * function runs on that worker's thread and every callback fires there.
 *
 * Unprotected RTP and RTCP from the leg go to its peer leg, which protects
 * and sends them (the echo call peers a leg with itself). This is the
 * per-packet path: no lock, no allocation. */
#pragma once
#include <glib.h>

#include "certs/identity.h"
#include "gateway/media/dtls_srtp.h"
#include "gateway/media/media_srtp.h"
#include "ice/ice_session.h"

typedef struct media_leg media_leg;

typedef enum {
  MEDIA_LEG_EVENT_CANDIDATE,      /* candidate: "candidate:…", or NULL = end of candidates */
  MEDIA_LEG_EVENT_ICE_STATE,      /* ice_state */
  MEDIA_LEG_EVENT_SECURED,        /* DTLS-SRTP done: keys installed */
  MEDIA_LEG_EVENT_MEDIA,          /* the first authenticated RTP packet arrived */
  MEDIA_LEG_EVENT_FAILED,         /* reason: a sentence for the page */
} media_leg_event_type;

typedef struct {
  media_leg_event_type type;
  const char *candidate;
  ice_state ice_state;
  const char *reason;
} media_leg_event;

typedef void (*media_leg_event_func)(media_leg *leg, const media_leg_event *event, gpointer user_data);

typedef struct {
  GMainContext *context;          /* the worker's */
  identity *identity;             /* referenced */
  dtls_role dtls_role;
  const fingerprint *remote_fingerprints;
  guint n_remote_fingerprints;
  const char *trace_name;         /* "DTLS.SRTP.<n>", or NULL */
  ice_session_config ice;         /* callbacks and context are filled in by the leg */
  guint32 ssrc;                   /* the gateway's SSRC toward this leg (0: keep the sender's) */
  media_leg_event_func on_event;
  gpointer user_data;
} media_leg_config;

typedef struct {
  guint64 rtp_in, rtp_out, rtcp_in, rtcp_out;
  guint64 bytes_in, bytes_out;
  guint64 srtp_auth_fail, srtp_replay_fail, srtp_other_fail;
  guint64 dropped; /* unknown first byte, too large, or before keys */
} media_leg_stats;

media_leg *media_leg_new(const media_leg_config *config, GError **error);
/* Stops the leg; no callback fires after it returns. */
void media_leg_free(media_leg *leg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(media_leg, media_leg_free)

/* Where this leg's decrypted packets go (NULL: dropped). The echo uses the
 * leg itself. */
void media_leg_set_peer(media_leg *leg, media_leg *peer);

const char *media_leg_local_ufrag(const media_leg *leg);
const char *media_leg_local_pwd(const media_leg *leg);
int media_leg_set_remote_credentials(media_leg *leg, const char *ufrag, const char *pwd);
int media_leg_add_remote_candidate(media_leg *leg, const char *candidate, const char **reason);
void media_leg_remote_gathering_done(media_leg *leg);

void media_leg_get_stats(const media_leg *leg, media_leg_stats *out);
dtls_srtp_session *media_leg_dtls(media_leg *leg);
char *media_leg_selected_pair(media_leg *leg);
