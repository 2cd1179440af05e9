/* The sans-IO SIP user agent core of rtc2sip: transactions (RFC 3261 §17),
 * dialogs (§12-§15), CANCEL (§9), digest authentication of our requests
 * (§22) and registration clients (§10). One sip_stack per gateway.
 *
 * We are a user agent, never a proxy: Max-Forwards is checked only in the
 * sense that we never forward, so a request with Max-Forwards: 0 is
 * processed normally (RFC 3261 §8.2; a 483 would only come from forwarding).
 *
 * ── Driving the stack (what the transport glue does) ──────────────────────
 * The stack has no socket, no clock and no GSource. The glue:
 *   1. frames what arrives (a UDP datagram is one message; TCP/TLS streams
 *      go through sip_stream_framer) and calls
 *        sip_stack_feed(stack, now_us, &from, bytes)
 *      with FROM the source address (kind, IP literal, port, and for TCP/TLS
 *      the id of the connection it came on);
 *   2. after every feed / API call / tick, drains
 *        while (sip_stack_pop_output(stack, &out)) { send out.data to out.to; sip_outgoing_clear(&out); }
 *      For out.to.connection_id != 0 the glue sends on that connection; for 0
 *      on UDP it sends a datagram, on TCP/TLS it reuses a connection to that
 *      host:port or opens one. When a send fails the glue may call
 *      sip_stack_transport_error (the transaction then fails with 503, §8.1.3.1);
 *   3. drains events with sip_stack_pop_event and hands them to call logic;
 *   4. arms one timer at sip_stack_next_deadline(stack) (G_MAXINT64: none)
 *      and calls sip_stack_tick(stack, now_us) when it fires (early or late
 *      ticks are harmless).
 * Times are monotonic microseconds (g_get_monotonic_time in the glue).
 *
 * No DNS: every out-of-dialog request carries its next-hop sip_addr, chosen
 * by the caller (outbound proxy or a resolved target). In-dialog requests go
 * to the first Route / remote target when that host is an IP literal, else
 * to the next hop the dialog was set up through (see docs/sip.md).
 *
 * Ownership: the stack copies every string and buffer it is given. Popped
 * outputs and events belong to the caller (sip_outgoing_clear,
 * sip_event_clear). Handles (transaction, dialog, registration) are
 * non-zero guint ids; a stale handle is refused with -ENOENT, never a crash. */
#pragma once
#include "signalling/sip/sip_message.h"

typedef enum {
  SIP_TRANSPORT_UDP,
  SIP_TRANSPORT_TCP,
  SIP_TRANSPORT_TLS,
  SIP_TRANSPORT_COUNT
} sip_transport_kind;

/* An abstract transport address: no GLib networking object. */
typedef struct {
  sip_transport_kind kind;
  char host[64];            /* IP literal, IPv6 without brackets */
  guint16 port;
  guint64 connection_id;    /* TCP/TLS connection; 0 for UDP or "any connection" */
} sip_addr;

/* Fills ADDR. Returns FALSE when HOST does not fit. */
gboolean sip_addr_set(sip_addr *addr, sip_transport_kind kind, const char *host, guint16 port,
                      guint64 connection_id);
gboolean sip_transport_reliable(sip_transport_kind kind);
const char *sip_transport_name(sip_transport_kind kind);   /* "UDP", "TCP", "TLS" */

/* A message to send. DATA is owned by the holder. */
typedef struct {
  GBytes *data;
  sip_addr to;
  gboolean reliable;        /* TCP/TLS: the transport layer retransmits, we do not */
} sip_outgoing;
void sip_outgoing_clear(sip_outgoing *out);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sip_outgoing, sip_outgoing_clear)

/* Timer base values (RFC 3261 §17.1.1.1, Table 4). 0 takes the default. */
#define SIP_DEFAULT_T1_US (500 * 1000)
#define SIP_DEFAULT_T2_US (4 * 1000 * 1000)
#define SIP_DEFAULT_T4_US (5 * 1000 * 1000)

typedef struct {
  const char *host;         /* Via sent-by and Contact host; NULL: transport unused */
  guint16 port;
} sip_local_addr;

typedef struct {
  sip_local_addr local[SIP_TRANSPORT_COUNT];
  const char *contact_user;      /* user part of our Contact ("rtc2sip"), may be NULL */
  const char *user_agent;        /* User-Agent / Server value, may be NULL */
  const char *const *supported;  /* option tags we support (NULL-terminated), may be NULL */
  gint64 t1_us, t2_us, t4_us;
  guint32 seed;                  /* tags, branches, Call-IDs, cnonces, backoff jitter;
                                    0: seeded from g_random (tests pass a fixed seed) */
} sip_stack_config;

typedef struct {
  const char *username;
  const char *password;
} sip_credentials;

typedef enum {
  SIP_EVENT_INCOMING_INVITE,   /* new INVITE server transaction: answer with sip_stack_respond */
  SIP_EVENT_INVITE_RESPONSE,   /* a response to an INVITE (or re-INVITE) we sent */
  SIP_EVENT_CANCELLED,         /* the peer cancelled an INVITE we had not answered (487 sent) */
  SIP_EVENT_ACK,               /* ACK for our 2xx (msg may carry the SDP answer) */
  SIP_EVENT_BYE,               /* the peer ended the dialog (200 sent) */
  SIP_EVENT_REINVITE,          /* in-dialog INVITE: answer with sip_stack_respond */
  SIP_EVENT_UPDATE,            /* in-dialog UPDATE: answer with sip_stack_respond */
  SIP_EVENT_INFO,              /* in-dialog INFO: answer with sip_stack_respond */
  SIP_EVENT_REQUEST_RESPONSE,  /* final response to BYE / INFO / UPDATE we sent */
  SIP_EVENT_DIALOG_ENDED,      /* timeout, 481, no ACK, BYE done: the dialog handle is gone */
  SIP_EVENT_REQUEST,           /* other out-of-dialog request: answer with sip_stack_respond.
                                  Not emitted today: OPTIONS is answered by the stack and
                                  every other method gets 405 / 501 */
  SIP_EVENT_REGISTRATION,      /* a registration client changed state */
  SIP_EVENT_SHUTDOWN_DONE,     /* sip_stack_shutdown finished (or timed out) */
} sip_event_type;

typedef enum {
  SIP_REG_REGISTERING,
  SIP_REG_REGISTERED,
  SIP_REG_FAILED,              /* will retry after a backoff */
  SIP_REG_UNREGISTERED,
} sip_registration_state;

typedef struct {
  sip_event_type type;
  guint transaction;           /* server transaction to answer (0 if none) */
  guint dialog;                /* dialog / call handle (0 if none) */
  guint registration;
  guint status;                /* response status; 408 for timeouts, 503 transport errors */
  char *reason;                /* why (static sentences are copied), may be NULL */
  sip_message *msg;            /* the request or response, owned by the event; may be NULL */
  sip_addr from;               /* where MSG came from */
  sip_registration_state reg_state;
  guint32 expires;             /* REGISTERED: granted seconds */
} sip_event;
void sip_event_clear(sip_event *ev);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sip_event, sip_event_clear)

typedef struct sip_stack sip_stack;

/* Copies CONFIG. */
sip_stack *sip_stack_new(const sip_stack_config *config);
void sip_stack_free(sip_stack *stack);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sip_stack, sip_stack_free)

/* One complete message from FROM (see above). Never fails: bad input is
 * answered statelessly (400, 416, 420, 505, 513) or dropped and counted. */
void sip_stack_feed(sip_stack *stack, gint64 now_us, const sip_addr *from, GBytes *message);
void sip_stack_tick(sip_stack *stack, gint64 now_us);
/* Earliest time a tick has work, G_MAXINT64 when none. */
gint64 sip_stack_next_deadline(const sip_stack *stack);
gboolean sip_stack_pop_output(sip_stack *stack, sip_outgoing *out);
gboolean sip_stack_pop_event(sip_stack *stack, sip_event *ev);
/* The glue could not send to TO: client transactions bound there fail
 * with 503. */
void sip_stack_transport_error(sip_stack *stack, gint64 now_us, const sip_addr *to);

/* While draining, new out-of-dialog requests (INVITE, OPTIONS) get 503. */
void sip_stack_set_draining(sip_stack *stack, gboolean draining);

/* Answers server transaction TXN (from INCOMING_INVITE, REINVITE, UPDATE,
 * INFO, REQUEST). HEADERS: NULL-terminated name, value pairs, may be NULL.
 * For an INVITE, a 101-199 or 2xx creates the dialog (To-tag, our Contact,
 * Record-Route copied) and *DIALOG (may be NULL) gets its handle; a 2xx is
 * then retransmitted until the ACK (§13.3.1.4). Session-Expires and Min-SE
 * of the request are copied into a 2xx unless HEADERS has them.
 * Returns 0, -ENOENT (no such transaction or already answered finally),
 * -EINVAL (bad status). */
int sip_stack_respond(sip_stack *stack, gint64 now_us, guint txn, guint status,
                      const char *reason, const char *const *headers, const char *content_type,
                      const void *body, gsize body_len, guint *dialog);

typedef struct {
  const char *request_uri;       /* "sip:bob@192.0.2.9" */
  const char *from;              /* name-addr without tag: "\"Alice\" <sip:alice@gw.example>" */
  const char *to;                /* name-addr without tag */
  const char *contact;           /* URI; NULL: built from config */
  const char *const *route;      /* Route values ("<sip:proxy.example;lr>"), NULL-terminated */
  sip_addr next_hop;             /* where the INVITE is sent */
  const char *content_type;
  const void *body;
  gsize body_len;
  const char *const *headers;    /* NULL-terminated name, value pairs */
  const sip_credentials *credentials;  /* for 401/407, may be NULL */
} sip_invite_params;

/* Sends an INVITE; returns the dialog (call) handle, 0 on bad parameters.
 * Every handle ends with exactly one SIP_EVENT_DIALOG_ENDED (a failed call
 * first gets its final INVITE_RESPONSE). A 401/407 is answered once with
 * CREDENTIALS (new INVITE, same Call-ID and From tag, CSeq + 1). */
guint sip_stack_invite(sip_stack *stack, gint64 now_us, const sip_invite_params *params);
/* CANCEL the INVITE of call DIALOG (§9.1): sent at once when a provisional
 * response has arrived, else as soon as one does. If a 2xx wins the race
 * the call is ACKed and ended with BYE. The handle ends with
 * INVITE_RESPONSE (487 usually) then DIALOG_ENDED. Returns 0 or -ENOENT. */
int sip_stack_cancel(sip_stack *stack, gint64 now_us, guint dialog);
/* BYE on a confirmed dialog; on a UAC dialog not yet answered this is
 * sip_stack_cancel. An unanswered incoming call is refused with
 * sip_stack_respond instead (-EINVAL here). The dialog ends with
 * SIP_EVENT_DIALOG_ENDED when the BYE is answered. Returns 0, -ENOENT. */
int sip_stack_bye(sip_stack *stack, gint64 now_us, guint dialog);
/* The same with a Reason header (RFC 3326), e.g.
 * "SIP;cause=488;text=\"fingerprint mismatch on the SIP leg\"". */
int sip_stack_bye_reason(sip_stack *stack, gint64 now_us, guint dialog, const char *reason);
/* Re-INVITE with a new offer. -EBUSY while one is pending (either way). */
int sip_stack_reinvite(sip_stack *stack, gint64 now_us, guint dialog, const char *content_type,
                       const void *body, gsize body_len);
int sip_stack_info(sip_stack *stack, gint64 now_us, guint dialog, const char *content_type,
                   const void *body, gsize body_len);
/* The ACK of a 2xx (initial INVITE or re-INVITE) is sent by the stack,
 * without a body: offers go in the INVITE, answers in the 2xx. */

/* ── Registration clients ── */
typedef struct {
  const char *registrar_uri;     /* Request-URI: "sip:pbx.example.com" */
  const char *aor;               /* To / From URI: "sip:alice@pbx.example.com" */
  const char *contact;           /* contact URI; NULL: built from config */
  guint32 expires;               /* requested seconds (0: 3600) */
  sip_addr next_hop;
  const sip_credentials *credentials;
} sip_registration_params;

/* Starts registering. Returns the registration handle (0 on bad params). */
guint sip_stack_register(sip_stack *stack, gint64 now_us, const sip_registration_params *params);
/* Unregisters (expires=0) and forgets the registration after that. */
int sip_stack_unregister(sip_stack *stack, gint64 now_us, guint registration);
/* Unregisters everything, ends dialogs with BYE, then emits
 * SIP_EVENT_SHUTDOWN_DONE once every request finished or after 64*T1. */
void sip_stack_shutdown(sip_stack *stack, gint64 now_us);

/* Counters for the admin. */
typedef struct {
  guint64 received, sent, retransmissions, stray_responses, stateless_responses,
      bad_messages;
} sip_stack_stats;
void sip_stack_get_stats(const sip_stack *stack, sip_stack_stats *out);
