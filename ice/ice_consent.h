/* Keeping a connected ICE pair alive without the ICE agent (sans-IO).
 *
 * Once ICE has finished on a browser leg, all that is left of it is the
 * selected pair's STUN traffic: the browser's binding requests (its consent
 * checks, RFC 7675, and any late connectivity check) must be answered, and
 * the gateway's own consent checks must be sent every ~5 s and answered
 * within 30 s or the leg ends. This core does exactly that for one pair, so
 * that the media worker can take the selected socket over from libnice
 * (see ice_session_handover) and drop the agent: no libnice timers, sources
 * or buffers per call afterwards.
 *
 * Messages are RFC 5389 STUN with ICE's short-term credentials (RFC 8445
 * 7.2): MESSAGE-INTEGRITY (HMAC-SHA1 keyed with the password of the agent
 * the request goes to) and FINGERPRINT. Input and output are bytes and a
 * monotonic time in microseconds; no socket, no clock. Transaction IDs and
 * the check interval's jitter come from GLib's random numbers. */
#pragma once
#include <glib.h>
#include <sys/socket.h>

/* The largest message this core writes: a request with 256-character
 * ufrags on both sides. */
#define ICE_STUN_MAX 600

/* RFC 7675: a check every 5 s (randomized to 4-6 s), consent gone after
 * 30 s without an answer. */
#define ICE_CONSENT_INTERVAL_US (5 * G_USEC_PER_SEC)
#define ICE_CONSENT_TIMEOUT_US (30 * G_USEC_PER_SEC)

typedef struct ice_consent ice_consent;

typedef struct {
  const char *local_ufrag, *local_pwd;   /* ours: requests to us carry them */
  const char *remote_ufrag, *remote_pwd; /* the browser's */
  gboolean controlling;                  /* our ICE role */
  guint64 tie_breaker;
  guint32 priority;   /* PRIORITY of our checks (our candidate's) */
  gboolean freshness; /* send checks and end on silence (RFC 7675); FALSE: only answer */
  const struct sockaddr *remote; /* the selected pair's remote address */
  socklen_t remote_len;
} ice_consent_config;

/* NULL when a credential is missing or longer than 256 characters, or the
 * address is not IPv4/IPv6. The first check is due at once. */
ice_consent *ice_consent_new(const ice_consent_config *config, gint64 now_us);
void ice_consent_free(ice_consent *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ice_consent, ice_consent_free)

typedef enum {
  ICE_CONSENT_DROPPED,   /* not for us, malformed or not authentic: dropped (see ice_consent_drop_reason) */
  ICE_CONSENT_IGNORED,   /* a valid message that needs nothing (an indication, an error answer) */
  ICE_CONSENT_REPLY,     /* a binding request: OUT holds the answer, to send back to FROM */
  ICE_CONSENT_REFRESHED, /* an answer to one of our checks: consent renewed */
} ice_consent_result;

/* One datagram whose first byte is 0-3 (RFC 7983), from FROM. OUT must hold
 * ICE_STUN_MAX bytes. An authentic request with USE-CANDIDATE from another
 * address while we are controlled moves the pair's remote end there
 * (the browser nominated another of its candidates). */
ice_consent_result ice_consent_feed(ice_consent *c, gint64 now_us, const guint8 *buf, gsize len,
                                    const struct sockaddr *from, socklen_t from_len, guint8 *out,
                                    gsize *out_len);
/* Why the last ICE_CONSENT_DROPPED happened (static text). */
const char *ice_consent_drop_reason(const ice_consent *c);

typedef enum {
  ICE_CONSENT_WAIT, /* nothing to do before ice_consent_next_deadline */
  ICE_CONSENT_SEND, /* OUT holds a consent check for the remote address */
  ICE_CONSENT_LOST, /* no answer for ICE_CONSENT_TIMEOUT_US: stop sending, end the leg */
} ice_consent_tick_result;

ice_consent_tick_result ice_consent_tick(ice_consent *c, gint64 now_us, guint8 *out, gsize *out_len);
/* When to tick next (G_MAXINT64 without freshness checks). */
gint64 ice_consent_next_deadline(const ice_consent *c);

/* Where the pair's datagrams go (changes on a nomination, see feed). */
const struct sockaddr *ice_consent_remote(const ice_consent *c, socklen_t *len);

/* The credentials it was made with (borrowed). */
const char *ice_consent_local_ufrag(const ice_consent *c);
const char *ice_consent_local_pwd(const ice_consent *c);
const char *ice_consent_remote_ufrag(const ice_consent *c);

/* Counters (tests, stats). */
typedef struct {
  guint64 requests_answered, checks_sent, checks_answered, dropped, moves;
} ice_consent_stats;
const ice_consent_stats *ice_consent_get_stats(const ice_consent *c);

/* STUN primitives, exposed for the tests and the fuzz target. */
/* Validates the header and attribute layout of a STUN message; on success
 * *TYPE is the message type. Returns NULL or a reason. */
const char *ice_stun_check(const guint8 *buf, gsize len, guint16 *type);
/* Finds attribute ATTR (the first one, before MESSAGE-INTEGRITY unless ATTR
 * is MESSAGE-INTEGRITY or FINGERPRINT); returns its value and length, or NULL. */
const guint8 *ice_stun_attr(const guint8 *buf, gsize len, guint16 attr, guint16 *attr_len);
/* TRUE when MESSAGE-INTEGRITY is present and right for KEY, and a
 * FINGERPRINT, when present, is right too. */
gboolean ice_stun_authentic(const guint8 *buf, gsize len, const char *key);
