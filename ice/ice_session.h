/* The libnice adapter: one ICE session (one agent, one stream, one component:
 * rtcp-mux and BUNDLE on the browser leg) living on one media worker's
 * GMainContext. Every function must be called on that context's thread, and
 * every callback runs there.
 *
 * libnice reads the clock and owns its sockets, so this is glue, tested by
 * loopback integration tests rather than virtual time. */
#pragma once
#include <gio/gio.h>
#include <sys/socket.h>

typedef struct ice_session ice_session;

typedef enum {
  ICE_STATE_NEW,
  ICE_STATE_CHECKING,
  ICE_STATE_CONNECTED, /* a working pair: media may flow */
  ICE_STATE_FAILED,    /* checks failed, or consent lost (RFC 7675) */
} ice_state;

typedef struct {
  /* A local candidate as an SDP attribute value ("candidate:…"), or NULL when
   * gathering is done (end of candidates). */
  void (*on_candidate)(const char *candidate, gpointer user_data);
  void (*on_state)(ice_state state, gpointer user_data);
  /* A datagram from the peer. BUF is libnice's and only valid during the call. */
  void (*on_receive)(const guint8 *buf, gsize len, gpointer user_data);
  /* ICE finished (libnice's READY: the nominated pair is final and no
   * checks are left): the moment ice_session_handover can be called. */
  void (*on_completed)(gpointer user_data);
} ice_session_callbacks;

typedef struct {
  GMainContext *context;       /* the worker's context */
  gboolean controlling;        /* TRUE when the gateway offered */
  const char *const *addresses; /* local IP addresses to gather on; NULL = all interfaces */
  guint16 port_min, port_max;  /* 0, 0 = any */
  const char *stun_server;     /* IP address, NULL = none */
  guint16 stun_port;
  const char *turn_server;     /* IP address, NULL = none */
  guint16 turn_port;
  const char *turn_username, *turn_password;
  gboolean consent_freshness;  /* RFC 7675: end when the peer stops answering */
  ice_session_callbacks callbacks;
  gpointer user_data;
} ice_session_config;

#define ICE_ERROR (g_quark_from_static_string("rtc2sip-ice"))

/* Creates the agent and its stream and starts gathering. Candidates arrive
 * through on_candidate. Returns NULL with ERROR when no candidate can be had. */
ice_session *ice_session_new(const ice_session_config *config, GError **error);
/* Stops everything; no callback runs after it returns. */
void ice_session_free(ice_session *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ice_session, ice_session_free)

/* Local ICE credentials (valid from creation on); borrowed. */
const char *ice_session_local_ufrag(const ice_session *s);
const char *ice_session_local_pwd(const ice_session *s);

/* The peer's credentials (from its SDP). Returns 0 or -EINVAL. */
int ice_session_set_remote_credentials(ice_session *s, const char *ufrag, const char *pwd);
/* One remote candidate, "candidate:…" with or without "a=". mDNS ".local"
 * names cannot be resolved here: -ENOTSUP with *REASON set, never fatal.
 * Other unusable lines: -EINVAL with *REASON. */
int ice_session_add_remote_candidate(ice_session *s, const char *candidate, const char **reason);
/* The peer said end-of-candidates. */
void ice_session_remote_gathering_done(ice_session *s);

/* Sends one datagram on the selected pair. Returns bytes sent or -EAGAIN
 * when no pair is ready. */
int ice_session_send(ice_session *s, const guint8 *buf, gsize len);

/* What the caller needs to keep the selected pair alive itself
 * (ice_consent.h) once libnice is gone. */
typedef struct {
  int fd; /* a duplicate of the selected socket's descriptor: the caller's to close */
  struct sockaddr_storage remote;
  socklen_t remote_len;
  char *local_ufrag, *local_pwd, *remote_ufrag, *remote_pwd;
  gboolean controlling; /* the role ICE ended with */
  guint32 priority;     /* the local candidate's */
  char *pair;           /* as ice_session_selected_pair */
} ice_handover;
void ice_handover_clear(ice_handover *h);

/* Takes the selected pair's socket over from libnice: fills OUT and
 * returns TRUE when ICE completed on a UDP pair whose local candidate is not
 * relayed (a TURN allocation needs libnice's refreshes); the caller then
 * frees the session (which closes libnice's descriptor; the duplicate keeps
 * the socket, and whatever waits in it, for the caller). FALSE: nothing
 * changed, keep using the session. */
gboolean ice_session_handover(ice_session *s, ice_handover *out);

ice_state ice_session_state(const ice_session *s);
const char *ice_state_name(ice_state state);
/* "local 127.0.0.1:40000 host ↔ remote 127.0.0.1:50000 host", or NULL. Caller frees. */
char *ice_session_selected_pair(ice_session *s);
