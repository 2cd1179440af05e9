/* DTLS-SRTP (RFC 5764) key exchange over GnuTLS, sans-IO.
 *
 * A dtls_srtp_session is one DTLS 1.2 association on one ICE component. It
 * owns no socket and reads no clock: the glue feeds it datagrams whose first
 * byte is 20..63 (RFC 7983) with the current monotonic time, calls tick() at
 * next_deadline(), and pulls datagrams to send and events. It is used by one
 * thread at a time (the media worker owning the call) and takes no lock.
 *
 * The session holds a reference on its identity and copies the configured
 * remote fingerprints and trace name; the caller keeps ownership of what it
 * passed in. Key material is wiped when the session is freed.
 *
 * Security: the peer must present a certificate, and its DER must match at
 * least one of the configured fingerprints, each with its own hash (RFC 8122
 * §5); no CA or name checks are made. A mismatch fails the session at once
 * (event FAILED, reason "fingerprint mismatch"). Only DTLS 1.2 with ECDHE is
 * offered, with use_srtp SRTP_AES128_CM_HMAC_SHA1_80 (preferred) and _32.
 *
 * Time: GnuTLS runs its DTLS retransmission timers (RFC 6347 §4.2.4: 1 s,
 * doubling) on its own clock. dtls_srtp_global_init() points that clock at
 * the now_us the caller passes (see dtls_srtp_virtual_time()), so the same
 * code is exact in production and in virtual-time tests.
 *
 * Loss handling beyond GnuTLS 3.7 (both found with the lossy-network tests):
 * - GnuTLS drops a record of the next epoch (the peer's Finished) that comes
 *   before it has processed the peer's ChangeCipherSpec; the core keeps a
 *   copy of the last few such records and hands them to GnuTLS again after
 *   each datagram until the handshake ends ("Buffer handshake message of
 *   next epoch 1").
 * - A connected GnuTLS server resends its last flight only when the
 *   client's retransmitted Finished gets through; the core resends it on any
 *   record of the client's retransmitted flight (RFC 6347 §4.2.4), at most
 *   once per 500 ms.
 * - DTLS record replay protection is off (GNUTLS_NO_REPLAY_PROTECTION): the
 *   association carries no application data, handshake messages are
 *   de-duplicated by their message_seq, and GnuTLS 3.7's window wrongly
 *   discarded retransmitted Finished records as duplicates.
 *
 * Trace: with dtls_srtp_set_trace(TRUE) and a trace_name, each step is
 * logged (domain "rtc2sip-dtls", level MESSAGE) in the format of the
 * innovaphone DTLS-SRTP trace: "DTLS.SRTP.3: Write ClientHello". Lines:
 * Initialize, Initialized fingerprint=<hex>, Connect CLIENT|SERVER
 * options=<n> fingerprint=<hex>, Add ClientHello extension "use_srtp" (…),
 * Write|Read <HandshakeMessage> (ServerKeyExchange included),
 * Read ServerHello extension "use_srtp", Read HelloVerifyRequest (client),
 * Read ClientHello / Write HelloVerifyRequest (server cookie exchange),
 * Buffer handshake message of next epoch 1, Connected, Use SRTP <suite>,
 * Timeout, Ignore record (<why>), Disconnect (<reason>), Close error=<n>. */
#pragma once
#include <glib.h>

#include "certs/fingerprint.h"
#include "certs/identity.h"
#include "gateway/media/media_srtp.h"

typedef enum { DTLS_ROLE_CLIENT, DTLS_ROLE_SERVER } dtls_role;

typedef enum {
  DTLS_SRTP_NEW,
  DTLS_SRTP_HANDSHAKING,
  DTLS_SRTP_CONNECTED,
  DTLS_SRTP_FAILED,
  DTLS_SRTP_CLOSED
} dtls_srtp_state;

typedef enum {
  DTLS_SRTP_EVENT_CONNECTED,
  DTLS_SRTP_EVENT_FAILED,
  DTLS_SRTP_EVENT_CLOSED
} dtls_srtp_event_type;

/* Values of dtls_srtp_event.error and of the trace's "Close error=<n>". */
typedef enum {
  DTLS_SRTP_ERROR_NONE = 0,        /* closed normally */
  DTLS_SRTP_ERROR_TIMEOUT = 1,     /* "handshake timeout" */
  DTLS_SRTP_ERROR_PROTOCOL = 2,    /* "DTLS protocol error" */
  DTLS_SRTP_ERROR_ALERT = 3,       /* "fatal alert received" */
  DTLS_SRTP_ERROR_FINGERPRINT = 4, /* "fingerprint mismatch" (error=4 as on the reference page) */
  DTLS_SRTP_ERROR_NO_SRTP = 5,     /* "no SRTP profile negotiated" */
  DTLS_SRTP_ERROR_INTERNAL = 6,    /* "internal error" */
} dtls_srtp_error;

typedef struct {
  dtls_srtp_event_type type;
  int error;          /* a dtls_srtp_error */
  const char *reason; /* static sentence, e.g. "fingerprint mismatch" */
} dtls_srtp_event;

typedef struct {
  srtp_profile profile;
  guint8 local_key[32];  /* master key || master salt, for protecting what WE send */
  guint local_key_len;
  guint8 remote_key[32]; /* for unprotecting what the peer sends */
  guint remote_key_len;
} dtls_srtp_keys;

/* A server's store of resumable sessions (see "Resumption" above), owned by
 * the caller (per call or per process); it must outlive every session
 * configured with it. Used by one thread at a time, like the sessions. */
typedef struct dtls_srtp_session_cache dtls_srtp_session_cache;

typedef struct {
  dtls_role role;
  identity *identity;                   /* the session takes a reference */
  const fingerprint *remote_fingerprints; /* copied; at least one */
  guint n_remote_fingerprints;
  const char *trace_name;               /* e.g. "DTLS.SRTP.3"; NULL = no trace */
  gboolean trace_always;                /* trace even while dtls_srtp_set_trace is off */
  guint mtu;                            /* 0 = DTLS_SRTP_DEFAULT_MTU */
  /* Client: resume the session this came from
   * (dtls_srtp_session_get_resume_data); unusable data gives a full
   * handshake. Copied (referenced); NULL = full handshake. */
  const GBytes *resume_data;
  /* Server: store resumable sessions here and resume those a client asks
   * for. Borrowed; NULL = no resumption. */
  dtls_srtp_session_cache *cache;
} dtls_srtp_config;

#define DTLS_SRTP_DEFAULT_MTU 1200
/* RFC 6347 §4.2.4.1 initial retransmission timer; GnuTLS doubles it. */
#define DTLS_SRTP_RETRANSMIT_MS 1000
/* The handshake fails when not done this long after it started. */
#define DTLS_SRTP_HANDSHAKE_TIMEOUT_MS 60000
/* Option bits of the trace's "Connect … options=<n>". */
#define DTLS_SRTP_OPTION_COOKIE 1   /* server: HelloVerifyRequest cookies */
#define DTLS_SRTP_OPTION_USE_SRTP 4 /* use_srtp required (always) */

typedef struct dtls_srtp_session dtls_srtp_session;

/* Process-wide set-up (GnuTLS clock hook, cookie key); idempotent and
 * thread-safe, also called by dtls_srtp_session_new. Call it from main()
 * before threads start using GnuTLS. */
void dtls_srtp_global_init(void);
/* TRUE when GnuTLS's DTLS timers follow the now_us passed in (its private
 * clock hook was found). FALSE: GnuTLS reads the real clock for its
 * retransmission timers; production works the same, but virtual-time tests
 * cannot make GnuTLS retransmit. */
gboolean dtls_srtp_virtual_time(void);

/* A new session in state NEW, or NULL with ERROR for a bad configuration. */
dtls_srtp_session *dtls_srtp_session_new(const dtls_srtp_config *config, GError **error);
void dtls_srtp_session_free(dtls_srtp_session *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(dtls_srtp_session, dtls_srtp_session_free)

/* NEW -> HANDSHAKING. Client: queues the ClientHello. Server: waits for one
 * (a server also starts by itself when fed a ClientHello while NEW).
 * Returns 0, or -EALREADY when not NEW. */
int dtls_srtp_session_start(dtls_srtp_session *s, gint64 now_us);
/* One received datagram (first byte 20..63). Returns 0 when taken (records
 * that cannot be used are counted and traced "Ignore record (…)"), -EINVAL
 * when it is no DTLS at all, -EPIPE when the session has ended. */
int dtls_srtp_session_feed(dtls_srtp_session *s, gint64 now_us, const guint8 *data, gsize len);
/* Runs timers that are due at NOW_US (retransmission, handshake timeout).
 * Returns 0. */
int dtls_srtp_session_tick(dtls_srtp_session *s, gint64 now_us);
/* Monotonic time of the next tick() needed, or -1 for none. */
gint64 dtls_srtp_session_next_deadline(const dtls_srtp_session *s);
/* Pops the next datagram to send into BUF (CAP bytes; give at least the MTU;
 * a larger datagram is dropped and counted). FALSE when none is queued. */
gboolean dtls_srtp_session_pop_datagram(dtls_srtp_session *s, guint8 *buf, gsize cap, gsize *len);
/* Pops the next event. FALSE when none. */
gboolean dtls_srtp_session_poll_event(dtls_srtp_session *s, dtls_srtp_event *event);
dtls_srtp_state dtls_srtp_session_state(const dtls_srtp_session *s);
/* The exported SRTP keys; valid once CONNECTED, NULL before. Borrowed. */
const dtls_srtp_keys *dtls_srtp_session_keys(const dtls_srtp_session *s);
/* The configured remote fingerprint that matched the peer's certificate
 * (with the hash named there), or NULL before it was checked. Borrowed. */
const fingerprint *dtls_srtp_session_remote_fingerprint(const dtls_srtp_session *s);
/* Sends close_notify (when HANDSHAKING or CONNECTED) and ends the session:
 * state CLOSED, event CLOSED. */
void dtls_srtp_session_close(dtls_srtp_session *s, gint64 now_us);
/* Records that arrived and were not used (garbage, wrong epoch,
 * application data, retransmissions GnuTLS dropped). */
guint64 dtls_srtp_session_ignored_records(const dtls_srtp_session *s);

/* The global runtime trace switch (atomic). */
void dtls_srtp_set_trace(gboolean on);
gboolean dtls_srtp_get_trace(void);
/* Receives every trace line ("DTLS.SRTP.0: Connected") instead of g_log,
 * from whichever thread traces; NULL restores g_log. For tests. */
typedef void (*dtls_srtp_trace_sink)(const char *line, gpointer user_data);
void dtls_srtp_set_trace_sink(dtls_srtp_trace_sink sink, gpointer user_data);

const char *dtls_srtp_state_name(dtls_srtp_state state);

/* ---- Resumption (RFC 5246 §7.3 abbreviated handshake) --------------------
 * The RTCP session of a call without rtcp-mux resumes the RTP session's
 * DTLS session: client with config.resume_data from the first session,
 * server with the config.cache the first session stored into. The resumed
 * session exports its own SRTP keys (RFC 5764 §4.2: from its own randoms,
 * so they differ from the first session's) with the profile of the original
 * session, and the peer's certificate (kept in the session data) is checked
 * against the configured fingerprints as in a full handshake.
 * GnuTLS 3.7.9 cannot unpack its own data for a use_srtp session; the core
 * rewrites it (dtls_resume.c).
 * GnuTLS 3.7.9 also ignores use_srtp in a resumed handshake: as a server it
 * neither reads it in the ClientHello nor puts it in its ServerHello, as a
 * client it does not read it in the ServerHello. The core then uses the
 * profile the ServerHello names (client) or the original session's
 * (remembered in the resume data and in the cache) and exports the keys
 * itself. Caveat for the server role: a resuming client that insists on
 * use_srtp in the ServerHello (OpenSSL's SSL_get_selected_srtp_profile()
 * returns NULL without it; the handshake itself and the exported keys are
 * fine) cannot tell the profile; give the server a cache only toward peers
 * that cope, or toward our own client core. The client role has no such
 * caveat (verified against openssl s_server: "Reused session-id", equal
 * keys; across the RTP and RTCP ports against OpenSSL in interop suite
 * 45). Trace lines: client "Try resume session
 * <hex id>" (before Write ClientHello), "Resume session <hex id>" (after the
 * ServerHello agreed), "Store session <hex id>" (after a full handshake);
 * server "Store session <hex id>" and "Resume session <hex id>". The
 * client's "Store session" comes when the caller takes the resume data
 * (after "Connected"), so sessions nobody resumes trace as before. */

/* Client, CONNECTED: the data to resume this session with (opaque; the
 * caller unrefs it), or NULL (not connected, not a client, itself resumed,
 * or GnuTLS gave no resumable data). It holds the session's master secret: keep it in
 * memory, per call, and drop it with the call. */
GBytes *dtls_srtp_session_get_resume_data(dtls_srtp_session *s);
/* TRUE once CONNECTED by an abbreviated handshake. */
gboolean dtls_srtp_session_resumed(const dtls_srtp_session *s);

/* MAX_ENTRIES: the oldest entry goes when full (0 counts as 1). */
dtls_srtp_session_cache *dtls_srtp_session_cache_new(guint max_entries);
void dtls_srtp_session_cache_free(dtls_srtp_session_cache *c);
guint dtls_srtp_session_cache_size(const dtls_srtp_session_cache *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(dtls_srtp_session_cache, dtls_srtp_session_cache_free)
