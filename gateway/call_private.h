/* Internals shared by the call files: call.c and call_sip.c (main thread)
 * and call_media.c (the worker side). */
#pragma once
#include "gateway/call.h"
#include "gateway/media/media_leg.h"
#include "gateway/media/sdes.h"
#include "signalling/sdp/sdp_sip.h"
#include "signalling/sip/sip_stack.h"

/* Most a=crypto lines we offer. */
#define SDES_MAX_OFFER 8

/* DTLS parameters of the browser leg (from the browser's SDP). */
typedef struct {
  dtls_role role;
  GArray *fingerprints;          /* of fingerprint */
} call_dtls_params;

/* The handle a call and its worker share. Only the worker touches the legs.
 * Reference counted because commands in flight hold it. */
typedef struct {
  gint refcount;
  guint64 serial;
  media_worker *worker;
  media_leg *browser;            /* worker only */
  media_leg *sip;                /* worker only; NULL for echo calls */
  /* creation parameters */
  identity *identity;
  gboolean ice_controlling;      /* TRUE when the gateway offers to the browser */
  call_dtls_params dtls;         /* fingerprints empty: configured later */
  char *remote_ufrag, *remote_pwd;
  GPtrArray *remote_candidates;  /* of char* */
  gboolean remote_end_of_candidates;
  gateway_ice_settings ice;      /* borrowed from the gateway, which outlives the workers */
  guint32 browser_ssrc;          /* the gateway's SSRC toward the browser */
  gboolean echo;
  guint trace_browser, trace_sip; /* the legs' numbers in DTLS trace names */
  gboolean trace_browser_always, trace_sip_always; /* [trace] dtls-browser, dtls-sip */
  gboolean with_sip;             /* create a SIP (RTP) leg too */
  char *sip_bind;                /* its local address */
  guint16 sip_port_min, sip_port_max;
} call_media;

/* How the SIP leg is set up once both SDPs are known. */
typedef struct {
  char *host;
  guint16 rtp_port, rtcp_port;
  gboolean rtcp_mux;
  gboolean sdes;                 /* else plain RTP */
  media_srtp_suite suite;
  guint8 local_key[MEDIA_SRTP_MAX_KEY_LEN], remote_key[MEDIA_SRTP_MAX_KEY_LEN];
  gsize local_key_len, remote_key_len;
  rtp_rewrite_pt_map to_sip, to_browser; /* payload types on the way to each leg */
  guint clock_rate;
  guint32 sip_ssrc;              /* the gateway's SSRC toward the phone */
  int te_from_sip, te_to_sip;    /* telephone-event PTs, -1: none */
  int te_from_browser;           /* the browser's own telephone-event PT: dropped, we resend */
  gboolean dtls;                 /* DTLS-SRTP keys the SIP leg */
  dtls_role dtls_role;
  GArray *dtls_fingerprints;     /* of fingerprint, the phone's; owned by whoever holds this */
} call_sip_media;

call_media *call_media_ref(call_media *m);
void call_media_unref(call_media *m);

/* Main → worker. */
void call_media_create(call_media *m);
void call_media_add_candidate(call_media *m, const char *candidate /* NULL = end */);
/* The browser's answer to our offer (calls from SIP). Takes the strings. */
void call_media_browser_remote(call_media *m, char *ufrag, char *pwd, GPtrArray *candidates,
                               gboolean end_of_candidates, dtls_role role, GArray *fingerprints);
/* The SIP leg's peer and keys (copied; keys wiped after use). */
void call_media_sip_configure(call_media *m, const call_sip_media *sip);
/* A re-INVITE moved the peer or changed keys: address and keys only (keys
 * when SIP->sdes), the payload types stay. */
void call_media_sip_update(call_media *m, const call_sip_media *sip);
void call_media_send_dtmf(call_media *m, const char *digits, guint duration_ms);
void call_media_destroy(call_media *m);
/* Asks the worker for the legs' counters (a CALL_MEDIA_STATS event). */
void call_media_request_stats(call_media *m);

/* Worker → main: delivered on the main thread to call_on_media_event() if
 * the call still exists. */
typedef enum {
  CALL_MEDIA_READY,       /* ufrag, pwd; sip_port, sip_address with a SIP leg */
  CALL_MEDIA_CANDIDATE,   /* candidate (NULL = end) */
  CALL_MEDIA_ICE_STATE,   /* ice_state, selected_pair */
  CALL_MEDIA_SECURED,     /* profile, dtls_role, remote_fingerprint */
  CALL_MEDIA_FLOWING,     /* the first RTP packet from the browser */
  CALL_MEDIA_FAILED,      /* reason */
  CALL_MEDIA_DTMF,        /* digit, from the SIP leg */
  CALL_MEDIA_SIP_SECURED, /* the SIP leg's DTLS-SRTP: profile, dtls_role, remote_fingerprint */
  CALL_MEDIA_RELEASED,    /* the legs are gone; stats final */
  CALL_MEDIA_STATS,       /* stats, on request */
} call_media_event_type;

typedef struct {
  call_media_event_type type;
  guint64 serial;
  char *ufrag, *pwd, *candidate, *reason, *profile, *remote_fingerprint, *selected_pair;
  char *sip_address;
  guint16 sip_port;
  gboolean candidate_end;
  ice_state ice_state;
  dtls_role dtls_role;
  gint64 dtls_duration_us;     /* SECURED: from the first flight to keys */
  char digit;
  media_leg_stats stats;       /* the browser leg */
  media_leg_stats sip_stats;   /* the SIP leg */
} call_media_event;

void call_media_event_free(call_media_event *e);

/* Set once at start-up: where worker events go. */
void call_media_set_gateway(gateway *gw);

typedef enum { CALL_ECHO, CALL_OUTBOUND, CALL_INBOUND } call_kind;

struct call {
  gateway *gw;
  GPtrArray *limit_keys;  /* the [limits] concurrency slots it holds (char *), released at call_end */
  guint64 serial;
  char *name;
  browser_conn *conn;     /* NULL once the page's socket closed */
  call_kind kind;
  call_state state;
  call_media *media;
  char *local_ufrag, *local_pwd;
  guint32 ssrc;
  sdp_session *offer;     /* until answered: the browser's offer (echo, outbound) or our
                           * offer to the page (inbound) */
  GPtrArray *pending_candidates; /* local candidates before the page had our SDP */
  gboolean pending_end_of_candidates;
  gboolean page_has_sdp;  /* answer or incoming sent */
  gint64 started_us;
  char *remote_fingerprint, *profile;
  dtls_role dtls_role;
  char *selected_pair;
  ice_state ice_state;
  const char *direction;     /* "echo", "outbound" (page → SIP), "inbound" (SIP → page) */
  char *from, *to;
  gint64 started_unix, answered_unix; /* wall-clock seconds; 0: not yet */
  char *end_reason;
  media_leg_stats browser_stats, sip_stats; /* latest copies from the worker */
  gboolean secured, media_flowing;

  /* The SIP leg (outbound and inbound calls). */
  guint dialog;              /* sip_stack call/dialog handle, 0: none yet */
  guint invite_txn;          /* inbound: the INVITE server transaction */
  char *sip_address;         /* our RTP address and port */
  guint16 sip_port;
  sdp_session *sip_offer;    /* ours (outbound, until the SIP media is configured) or the
                              * phone's (inbound) */
  sdp_session *sip_answer;   /* the phone's (outbound) or ours (inbound, until the 200 went) */
  GArray *sip_codecs;        /* outbound: of sdp_codec offered to SIP */
  GPtrArray *crypto_offered; /* outbound: our a=crypto values (char*); secrets; wiped once
                              * the SIP media is configured */
  sdes_crypto_attr *crypto_attrs; /* outbound: their keys, n = crypto_offered->len */
  guint n_crypto_attrs;           /* entries allocated in crypto_attrs */
  char *sip_keying;          /* "sdes", "dtls-srtp", "none" */
  char *sip_profile, *sip_remote_fingerprint, *sip_local_fingerprint;
  dtls_role sip_dtls_role;
  GArray *sip_dtls_fingerprints; /* the phone's SDP fingerprints the DTLS session checks against */
  gboolean sip_secured;
  const char *sip_end_reason;  /* Reason header of our BYE, static */
  guint offer_variant;         /* outbound: which offer shape (see call_sip.c) */
  char *sip_suite;           /* SDES suite */
  const char *sip_transport; /* "udp", "tcp", "tls" */
  gboolean sip_answered;     /* 2xx (outbound) or accept (inbound) */
  gboolean sip_media_configured;
  guint ring_timer;          /* inbound: ring timeout source */
  char *trunk;               /* the trunk the call uses, or NULL (direct) */
  char *pending_route_uri;   /* outbound: the Request-URI, until the INVITE goes */
  char *pending_from_domain;
  sip_addr pending_next_hop;
  gint64 last_media_us;      /* for [media] rtp-timeout */
};

/* Delivered on the main thread (call_media.c posts it). */
void call_on_media_event(gateway *gw, call_media_event *e);

/* call.c, shared with call_sip.c. */
call *call_alloc(browser_conn *conn, const char *name, call_kind kind);
void call_register(call *c);
void call_send_security(call *c);
void call_flush_page(call *c);
/* Sends the pending local candidates after our SDP reached the page. */
void call_flush_candidates(call *c);
/* Frees c->offer once it was answered: the browser's offer once our answer
 * went to the page (echo, outbound), our offer to the page once the page
 * accepted (inbound). Nothing reads it after that, and an offer parses into
 * many small blocks the call would otherwise keep for its whole life. */
void call_forget_browser_offer(call *c);

/* call_sip.c: what both directions share. */
void call_sip_wipe_offer_keys(call *c);
void call_sip_load_policy(const gateway *gw, const char *trunk, sdp_sip_kx_policy *policy);
char **call_sip_sdes_suites(const gateway *gw, const char *trunk);
void call_sip_media_sdes_keys(call_sip_media *m, const sdes_crypto_attr *ours, const sdes_crypto_attr *theirs);
void call_sip_media_dtls(call *c, call_sip_media *m, sdp_setup local_setup, const GArray *fingerprints);
/* call_outbound.c */
void call_outbound_send_invite(call *c);
void call_outbound_on_invite_response(call *c, const sip_event *ev);
/* call_inbound.c */
void call_inbound_offer_to_page(call *c);

/* call_sip.c: the SIP leg's reactions to media events. */
void call_sip_on_ready(call *c);
void call_sip_end(call *c, guint sip_status);
void call_sip_free(call *c);
/* An INVITE for USER, whose page is CONN. Returns the call, or NULL when
 * the INVITE was refused. */
call *call_sip_incoming(gateway *gw, const sip_event *ev, browser_conn *conn, const char *user);
/* [trunk:TRUNK] max-calls and calls-per-second for one more call through
 * it. Returns 0 with the slot to hold in *SLOT (NULL: nothing to hold), or
 * -EBUSY with a sentence in *MESSAGE (logged by the caller). */
int call_trunk_admit(gateway *gw, const char *trunk, char **slot, char **message);
/* A SIP event about call C's dialog or INVITE. */
void call_sip_on_event(call *c, const sip_event *ev);
