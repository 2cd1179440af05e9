/* Internals shared by call.c (main thread) and call_media.c (worker side). */
#pragma once
#include "gateway/call.h"
#include "gateway/media/media_leg.h"

/* What the main thread hands to a worker to create a browser media leg, and
 * the handle both sides keep. Only the worker touches LEG. Reference counted
 * because commands in flight hold it. */
typedef struct {
  gint refcount;
  guint64 serial;
  media_worker *worker;
  media_leg *leg;                /* worker only */
  /* creation parameters */
  identity *identity;
  dtls_role dtls_role;
  GArray *remote_fingerprints;   /* of fingerprint */
  char *remote_ufrag, *remote_pwd;
  GPtrArray *remote_candidates;  /* of char*, from the offer */
  gboolean remote_end_of_candidates;
  gateway_ice_settings ice;      /* borrowed from the gateway, which outlives the workers */
  guint32 ssrc;
  gboolean echo;
} call_media;

call_media *call_media_ref(call_media *m);
void call_media_unref(call_media *m);

/* Main → worker. */
void call_media_create(call_media *m);
void call_media_add_candidate(call_media *m, const char *candidate /* NULL = end */);
void call_media_destroy(call_media *m);
/* Asks the worker for the leg's counters (a CALL_MEDIA_STATS event). */
void call_media_request_stats(call_media *m);

/* Worker → main: what happened to a leg, delivered on the main thread to
 * call_on_media_event() if the call still exists. */
typedef enum {
  CALL_MEDIA_READY,       /* ufrag, pwd */
  CALL_MEDIA_CANDIDATE,   /* candidate (NULL = end) */
  CALL_MEDIA_ICE_STATE,   /* ice_state, selected_pair */
  CALL_MEDIA_SECURED,     /* profile, dtls_role, remote_fingerprint */
  CALL_MEDIA_FLOWING,
  CALL_MEDIA_FAILED,      /* reason */
  CALL_MEDIA_RELEASED,    /* the leg is gone; stats final */
  CALL_MEDIA_STATS,       /* stats, on request */
} call_media_event_type;

typedef struct {
  call_media_event_type type;
  guint64 serial;
  char *ufrag, *pwd, *candidate, *reason, *profile, *remote_fingerprint, *selected_pair;
  gboolean candidate_end;
  ice_state ice_state;
  dtls_role dtls_role;
  gint64 dtls_duration_us;     /* SECURED: from the first flight to keys */
  media_leg_stats stats;
} call_media_event;

void call_media_event_free(call_media_event *e);

/* Set once at start-up: where worker events go. */
void call_media_set_gateway(gateway *gw);

struct call {
  gateway *gw;
  guint64 serial;
  char *name;
  browser_conn *conn;     /* NULL once the page's socket closed */
  call_state state;
  call_media *media;
  char *local_ufrag, *local_pwd;
  guint32 ssrc;
  sdp_session *offer;
  GPtrArray *pending_candidates; /* local candidates before the answer went out */
  gboolean pending_end_of_candidates;
  gint64 started_us;
  char *remote_fingerprint, *profile;
  dtls_role dtls_role;
  char *selected_pair;
  ice_state ice_state;
  gboolean media_released;
  const char *direction;     /* "echo", "outbound" (page → SIP), "inbound" (SIP → page) */
  char *from, *to;
  gint64 started_unix, answered_unix; /* wall-clock seconds; 0: not yet */
  char *end_reason;
  media_leg_stats browser_stats;      /* latest copy from the worker */
};

/* Delivered on the main thread (call_media.c posts it). */
void call_on_media_event(gateway *gw, call_media_event *e);
