/* The browser WebSocket JSON protocol, version 1 (shared/PROTOCOL.md,
 * docs/protocol.md), as a sans-IO core.
 *
 * A browser_session is one WebSocket connection's protocol state: it parses
 * and checks the page's text frames, tracks which calls are open on the
 * connection, rate-limits the page and builds every gateway→page message.
 * It never touches a socket or the clock: the glue feeds it frames with the
 * current monotonic time and pops the text frames to send.
 *
 * Ownership: the session owns its queued output until popped; a popped
 * string, a request returned by browser_session_feed() and a list from
 * browser_session_list_calls() belong to the caller. Every const char *
 * and const JsonNode * argument is borrowed for the duration of the call.
 *
 * Strings the gateway hands to the builders may be anything: invalid UTF-8
 * is repaired (U+FFFD), NULL becomes JSON null or the field is left out as
 * documented per builder. The core writes strict JSON itself (json-glib
 * 1.6's generator writes control characters unescaped and non-finite
 * numbers as "inf.0", which browsers refuse). */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

#define BROWSER_PROTOCOL_VERSION 1

typedef enum {
  BROWSER_REQ_HELLO,
  BROWSER_REQ_REGISTER,
  BROWSER_REQ_UNREGISTER,
  BROWSER_REQ_CALL,
  BROWSER_REQ_CANDIDATE,
  BROWSER_REQ_ACCEPT,
  BROWSER_REQ_REJECT,
  BROWSER_REQ_HANGUP,
  BROWSER_REQ_DTMF,
  BROWSER_REQ_PING,
} browser_request_type;

/* The JSON "type" of a request ("hello"). Static string. */
const char *browser_request_type_name(browser_request_type type);

/* One checked request from the page. Every string is NUL-terminated valid
 * UTF-8 without control characters (sdp may hold CR, LF and TAB), owned by
 * the request; fields the type does not use, or optional fields the page
 * left out (or set to null), are NULL. */
typedef struct {
  browser_request_type type;
  JsonNode *id;   /* the page's "id" (string or number) or NULL */
  char *call;     /* "call": 1-64 visible ASCII characters */
  char *to;       /* call: SIP URI, number or name, or "echo" */
  char *sdp;      /* call, accept: starts with "v=0" */
  char *token;    /* hello */
  char *user;     /* register, unregister */
  char *uri;      /* register: "sip:" or "sips:" URI */
  char *auth_user, *password, *proxy; /* register */
  char *digits;   /* dtmf: 1-32 of 0-9 * # A-D (a-d are upper-cased) */
  guint status;      /* reject: 400-699, default 486 */
  guint duration_ms; /* dtmf: 40-6000, default 100 */
  struct {
    char *candidate;   /* "candidate:…", NULL when end_of_candidates */
    char *sdp_mid;     /* NULL when absent or null */
    gint sdp_mline_index; /* -1 when absent or null */
    /* TRUE for "candidate": null (end of all candidates) and for a
     * candidate object whose "candidate" is "" (end of candidates for that
     * m-line, sdp_mid/sdp_mline_index say which). */
    gboolean end_of_candidates;
  } candidate;
} browser_request;

void browser_request_free(browser_request *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(browser_request, browser_request_free)

typedef struct {
  gsize max_message_bytes;         /* default 64 KiB; 0 means the default */
  guint max_calls;                 /* open calls per connection, default 4; 0 = no limit */
  guint max_messages_per_second;   /* token bucket, default 50, burst 2x; 0 = no limit */
  /* Default TRUE: before the gateway has answered a hello with welcome,
   * every request but hello and ping is refused with "unauthorized". */
  gboolean require_hello;
} browser_limits;

#define BROWSER_DEFAULT_MAX_MESSAGE_BYTES (64 * 1024)
#define BROWSER_DEFAULT_MAX_CALLS 4
#define BROWSER_DEFAULT_MAX_MESSAGES_PER_SECOND 50
/* JSON nesting deeper than this is refused before parsing. */
#define BROWSER_MAX_JSON_DEPTH 32

void browser_limits_init_default(browser_limits *l);

typedef enum {
  BROWSER_ERROR_BAD_REQUEST,
  BROWSER_ERROR_UNAUTHORIZED,
  BROWSER_ERROR_FORBIDDEN,
  BROWSER_ERROR_NOT_FOUND,
  BROWSER_ERROR_BUSY,
  BROWSER_ERROR_UNAVAILABLE,
  BROWSER_ERROR_INTERNAL,
} browser_error_code;

/* "bad_request", … Static string. */
const char *browser_error_code_name(browser_error_code code);

/* The security event (PROTOCOL.md "The security event"). */
typedef enum {
  BROWSER_KEYING_NONE,
  BROWSER_KEYING_DTLS_SRTP,
  BROWSER_KEYING_SDES,
} browser_keying;

typedef enum {
  BROWSER_VERIFIED_UNKNOWN, /* JSON null */
  BROWSER_VERIFIED_NO,
  BROWSER_VERIFIED_YES,
} browser_verified;

typedef enum { BROWSER_DTLS_ROLE_CLIENT, BROWSER_DTLS_ROLE_SERVER } browser_dtls_role;
typedef enum { BROWSER_SIGNALLING_UDP, BROWSER_SIGNALLING_TCP, BROWSER_SIGNALLING_TLS } browser_signalling;

typedef struct {
  browser_keying keying;
  /* dtls-srtp: */
  const char *profile;            /* "SRTP_AES128_CM_HMAC_SHA1_80"; NULL → null */
  browser_dtls_role dtls_role;
  const char *local_fingerprint;  /* "sha-256 5E:…"; NULL → null */
  const char *remote_fingerprint; /* the hash the peer used; NULL → null */
  browser_verified verified;      /* dtls-srtp only; sdes and none: always null */
  /* sdes: */
  const char *suite;              /* "AES_256_CM_HMAC_SHA1_80"; NULL → null */
  browser_signalling signalling;
} browser_security_leg;

typedef struct {
  browser_security_leg browser_leg;
  /* FALSE for calls without a SIP leg ("echo"): "sip_leg" is then null. */
  gboolean has_sip_leg;
  browser_security_leg sip_leg;
  gboolean end_to_end;
} browser_security;

typedef struct browser_session browser_session;

/* LIMITS is copied; NULL means the defaults. */
browser_session *browser_session_new(const browser_limits *limits);
void browser_session_free(browser_session *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(browser_session, browser_session_free)

/* Feeds one text frame of LEN bytes (need not be NUL-terminated) received at
 * NOW_US (monotonic microseconds).
 * Returns 0 and a request in *OUT (caller frees) when the gateway must act;
 * returns 0 with *OUT == NULL when the core answered by itself (ping → pong);
 * returns a negative errno when the message was refused; the matching
 * "error" message (code, sentence naming the field, echoed id and call) has
 * then been queued as output and nothing else changed:
 *   -EAGAIN   busy: rate exceeded
 *   -EMSGSIZE bad_request: frame longer than max_message_bytes
 *   -EINVAL   bad_request: not strict JSON, not an object, bad or missing field
 *   -EACCES   unauthorized: before welcome (require_hello)
 *   -EALREADY bad_request: hello after welcome, accept of an accepted call
 *   -EEXIST   bad_request: call with an id already open on this connection
 *   -EBUSY    busy: max_calls open
 *   -ENOENT   not_found: candidate/accept/reject/hangup/dtmf for a call
 *             that is not open on this connection
 *   -EPERM    bad_request: accept/reject of a call the page started
 * Call tracking: a returned call request has opened its call; a returned
 * hangup or reject has closed its call (the page knows it ended: the core
 * sends no more messages about it). */
int browser_session_feed(browser_session *s, gint64 now_us, const char *text, gsize len,
                         browser_request **out);

/* Next outgoing text frame, in order, or NULL when none. Caller frees. */
char *browser_session_pop_output(browser_session *s);
/* Number of queued outgoing frames, and their total length in bytes. The
 * core never drops output: a glue whose page stops reading should close
 * the connection when output_bytes grows past what it is willing to hold. */
guint browser_session_output_length(const browser_session *s);
gsize browser_session_output_bytes(const browser_session *s);

/* Has the gateway sent welcome on this connection? */
gboolean browser_session_is_welcomed(const browser_session *s);

/* Call tracking. call_ended closes CALL silently: the gateway calls it
 * when a call ends without a hangup message to the page (after a
 * browser_session_send_error refusing the call request, say). To tell the
 * page, use browser_session_send_hangup, which closes the call too; calling
 * call_ended first would suppress that hangup. Unknown or already closed
 * CALL is fine. */
void browser_session_call_ended(browser_session *s, const char *call);
gboolean browser_session_has_call(const browser_session *s, const char *call);
guint browser_session_call_count(const browser_session *s);
/* The open calls' ids, sorted, for hanging them all up when the socket
 * closes. Caller frees (g_strfreev). */
char **browser_session_list_calls(const browser_session *s);

/* Builders: each queues one gateway→page message (docs/protocol.md).
 * There is no generic acknowledgement (PROTOCOL.md has none): hello gets
 * welcome, register/unregister get registered/unregistered, call gets its
 * answer (or hangup), ping gets pong from the core; candidate, accept,
 * reject, hangup and dtmf get nothing when they work, an error when not.
 *
 * The call-bound builders return 0, or -ENOENT and queue nothing when CALL
 * is not open on this connection (the page hung up or rejected it, or the
 * gateway already ended it): the page never hears of a call it does not
 * know. The first answer or hangup of a call the page started carries the
 * "id" of its call request. */

/* welcome: ID echoed (NULL → left out), version 1, FINGERPRINT
 * ("sha-256 AB:…"), ICE_SERVERS (a JSON array, copied; NULL or not an
 * array → []). Marks the session welcomed (see require_hello). */
void browser_session_send_welcome(browser_session *s, const JsonNode *id, const char *fingerprint,
                                  JsonNode *ice_servers);
int browser_session_send_answer(browser_session *s, const char *call, const char *sdp);
/* Offers a call to the page and opens it. Returns 0, -EEXIST when CALL is
 * already open, -EBUSY when max_calls are open, -EINVAL when CALL is not a
 * valid call id; nothing is queued on failure (answer the SIP side 486). */
int browser_session_send_incoming(browser_session *s, const char *call, const char *from,
                                  const char *to, const char *sdp);
/* REASON NULL → "". */
int browser_session_send_progress(browser_session *s, const char *call, guint status,
                                  const char *reason);
/* CANDIDATE NULL: "candidate": null (end of candidates). SDP_MID NULL and
 * MLINE_INDEX < 0 are written as null. */
int browser_session_send_candidate(browser_session *s, const char *call, const char *candidate,
                                   const char *sdp_mid, gint mline_index);
int browser_session_send_connected(browser_session *s, const char *call);
int browser_session_send_security(browser_session *s, const char *call, const browser_security *sec);
/* Closes CALL. REASON NULL → ""; SIP_STATUS 0 leaves "sip_status" out. */
int browser_session_send_hangup(browser_session *s, const char *call, const char *reason,
                                guint sip_status);
int browser_session_send_dtmf(browser_session *s, const char *call, char digit);
/* "registered" or, when REGISTERED is FALSE, "unregistered"; ID and URI
 * NULL → left out. */
void browser_session_send_registered(browser_session *s, const JsonNode *id, const char *user,
                                     const char *uri, gboolean registered);
/* error: ID and CALL NULL → left out; MESSAGE a sentence a person can act on. */
void browser_session_send_error(browser_session *s, const JsonNode *id, const char *call,
                                browser_error_code code, const char *message);
/* The gateway's refusal of request R (returned by browser_session_feed):
 * an error echoing R's id and call. For a refused call request the call is
 * also closed, so its name is free again (what browser_session_call_ended
 * would do). */
void browser_session_refuse(browser_session *s, const browser_request *r, browser_error_code code,
                            const char *message);

/* Strict JSON text (RFC 8259) of NODE, with the writer every gateway→page
 * message uses: control characters escaped, invalid UTF-8 repaired,
 * non-finite numbers written as null. The admin API uses it too. Caller
 * frees. */
char *browser_json_to_string(const JsonNode *node);
