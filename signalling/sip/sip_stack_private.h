/* Private structures of the SIP UA core (sip_stack.h): transactions,
 * dialogs, registrations and the helpers the files share.
 *
 * Ownership: the stack owns every transaction (txns, by id), dialog and
 * registration. They refer to each other by id, never by pointer, so that
 * freeing one leaves no dangling reference; a lookup that fails is normal. */
#pragma once
#include "signalling/sip/sip_digest.h"
#include "signalling/sip/sip_stack.h"
#include "signalling/sip/sip_writer.h"

#define SIP_NEVER G_MAXINT64

typedef enum {
  SIP_TXN_TRYING,      /* non-INVITE client & server */
  SIP_TXN_CALLING,     /* INVITE client */
  SIP_TXN_PROCEEDING,
  SIP_TXN_COMPLETED,
  SIP_TXN_CONFIRMED,   /* INVITE server, after ACK */
  SIP_TXN_ACCEPTED,    /* RFC 6026, INVITE client and server after 2xx */
  SIP_TXN_TERMINATED,
} sip_txn_state;

/* Who a client transaction reports to. */
typedef enum {
  SIP_OWNER_NONE,
  SIP_OWNER_DIALOG,    /* INVITE, re-INVITE, BYE, INFO, UPDATE of a dialog */
  SIP_OWNER_REG,       /* REGISTER */
} sip_owner_kind;

/* Digest state of one requester (a dialog or a registration). */
typedef struct {
  char *username, *password;      /* NULL: no credentials */
  sip_digest_challenge www, proxy;
  gboolean have_www, have_proxy;
  char *answered_nonce;           /* the nonce a rejected request carried */
} sip_auth;

typedef struct {
  guint id;
  gboolean server, invite;
  sip_method method;
  sip_txn_state state;
  sip_addr peer;
  sip_addr source;                /* server: where the request came from */
  gboolean reliable;
  char *key;                      /* server: branch \n sent-by \n method; client: branch \n method */
  GBytes *request_bytes;          /* client: what we sent; NULL once a 2xx accepted an INVITE */
  sip_message *request;           /* client: our request parsed (NULL like request_bytes);
                                   * server: the received one */
  guint32 cseq;                   /* client: our CSeq number */
  GBytes *last_response;          /* server */
  guint last_status;              /* server: last status sent; client: last received */
  gint64 timer_retx, retx_interval, timer_fail, timer_end;
  /* client: how to rebuild the request for a digest retry */
  sip_owner_kind owner;
  guint owner_id;
  char *ruri;
  GString *base_headers;          /* From, To, Call-ID, Contact, Route, extra headers */
  char *content_type;
  GBytes *body;
  guint auth_retries;
  gboolean cancel_pending;        /* INVITE: CANCEL asked before any provisional */
  gboolean cancelled;             /* server INVITE: CANCEL received */
  guint dialog;                   /* server: dialog the request belongs to / created */
  char *to_tag;                   /* server INVITE: our tag for responses */
} sip_txn;

typedef enum {
  SIP_DIALOG_CALLING,    /* UAC INVITE sent, no To-tag yet */
  SIP_DIALOG_EARLY,
  SIP_DIALOG_CONFIRMED,
  SIP_DIALOG_TERMINATED,
} sip_dialog_state;

typedef struct {
  guint id;
  sip_dialog_state state;
  gboolean uac;
  char *call_id, *local_tag, *remote_tag;
  char *local_hdr, *remote_hdr;   /* From / To values of our requests, with tags
                                     (remote_hdr has no tag while CALLING) */
  guint32 local_cseq, remote_cseq;
  gboolean remote_cseq_set;
  char *remote_target;            /* URI */
  GPtrArray *route_set;           /* Route values in sending order */
  char *local_contact;            /* URI */
  sip_addr next_hop;
  sip_auth auth;
  guint invite_txn;               /* initial INVITE (client or server) */
  guint32 invite_cseq;
  /* UAS: 2xx retransmission until ACK (§13.3.1.4) */
  GBytes *uas_2xx;
  guint32 uas_2xx_cseq;
  gint64 t2xx_next, t2xx_interval, t2xx_giveup;
  /* UAC: last ACK sent for a 2xx, resent on a retransmitted 2xx */
  GBytes *last_ack;
  guint32 last_ack_cseq;
  /* re-INVITE / UPDATE in progress (glare, §14.1) */
  guint reinvite_out, reinvite_in;
  gint64 glare_retry_at;
  char *glare_type;
  GBytes *glare_body;
  gboolean bye_sent, cancel_requested;
  gboolean hidden;                /* another fork's dialog, being ended: no events */
} sip_dialog;

typedef struct {
  guint id;
  sip_registration_state state;
  char *registrar_uri, *aor, *contact, *call_id, *from_tag;
  guint32 cseq, requested, granted;
  sip_addr next_hop;
  sip_auth auth;
  guint txn;
  gint64 refresh_at;              /* next REGISTER, SIP_NEVER when none */
  guint failures;
  gboolean unregistering, remove_when_done;
} sip_registration;

struct sip_stack {
  sip_stack_config cfg;           /* strings below are owned copies */
  char *local_host[SIP_TRANSPORT_COUNT];
  char *contact_user, *user_agent;
  char **supported;
  gint64 t1, t2, t4;
  GRand *rand;
  guint next_id;
  GHashTable *txns;               /* id -> sip_txn (owned) */
  GHashTable *txn_keys;           /* key -> sip_txn (borrowed) */
  GHashTable *dialogs;            /* id -> sip_dialog (owned) */
  GHashTable *regs;               /* id -> sip_registration (owned) */
  GQueue outputs, events;
  gboolean draining, shutting_down;
  gint64 shutdown_deadline;
  sip_stack_stats stats;
};

/* sip_stack.c */
guint sip_stack_new_id(sip_stack *stack);
void sip_stack_random_token(sip_stack *stack, char *out, gsize n);   /* N-1 chars + NUL */
void sip_stack_send(sip_stack *stack, const sip_addr *to, GBytes *data);
sip_event *sip_stack_queue_event(sip_stack *stack, sip_event_type type);
void sip_stack_write_via(sip_stack *stack, GString *out, sip_transport_kind kind,
                         const char *branch);
char *sip_stack_default_contact(sip_stack *stack, sip_transport_kind kind);
void sip_write_extra_headers(GString *out, const char *const *headers);
sip_message *sip_stack_parse_own(GBytes *bytes);
/* A response to server transaction TXN, sent and remembered. */
void sip_stack_reply(sip_stack *stack, gint64 now, sip_txn *txn, guint status,
                     const char *reason, const char *const *headers, const char *ctype,
                     const void *body, gsize len);

/* sip_transaction.c */
sip_txn *sip_txn_get(sip_stack *stack, guint id);
/* Creates and sends a client transaction; takes BASE_HEADERS. */
sip_txn *sip_txn_client_start(sip_stack *stack, gint64 now, const char *method, const char *ruri,
                              const sip_addr *to, guint32 cseq, GString *base_headers,
                              const char *content_type, const void *body, gsize body_len,
                              sip_owner_kind owner, guint owner_id, const char *auth_lines);
sip_txn *sip_txn_server_new(sip_stack *stack, gint64 now, const sip_addr *from,
                            sip_message *request, const sip_message_ids *ids);
/* The server transaction a request belongs to (ACK → its INVITE). */
sip_txn *sip_txn_server_match(sip_stack *stack, const sip_message_ids *ids, sip_method as);
/* A final/provisional response was sent on server txn. */
void sip_txn_server_sent(sip_stack *stack, gint64 now, sip_txn *txn, guint status, GBytes *resp);
/* A retransmitted request or an ACK reached server transaction TXN. */
void sip_txn_server_request(sip_stack *stack, gint64 now, sip_txn *txn, const sip_message *msg);
/* A response arrived; returns FALSE when no client transaction matched. */
gboolean sip_txn_client_response(sip_stack *stack, gint64 now, const sip_addr *from,
                                 sip_message *msg, const sip_message_ids *ids);
void sip_txn_tick(sip_stack *stack, gint64 now);
gint64 sip_txn_next_deadline(const sip_stack *stack);
void sip_txn_terminate(sip_stack *stack, sip_txn *txn);
void sip_txn_send_cancel(sip_stack *stack, gint64 now, sip_txn *invite);
void sip_txn_free(sip_txn *txn);
void sip_txn_sweep(sip_stack *stack);

/* sip_dialog.c: transaction-user side */
void sip_dialog_free(sip_dialog *d);
sip_dialog *sip_dialog_get(sip_stack *stack, guint id);
/* A final or provisional response for a client transaction owned by a dialog
 * (status 408/503 for a timeout / transport error, MSG NULL). */
void sip_dialog_client_result(sip_stack *stack, gint64 now, sip_txn *txn, guint status,
                              sip_message *msg, const sip_addr *from);
/* A 2xx to INVITE with no transaction left: re-ACK. Returns TRUE if matched. */
gboolean sip_dialog_stray_2xx(sip_stack *stack, gint64 now, sip_message *msg,
                              const sip_message_ids *ids);
/* In-dialog request (To-tag present) that matched no transaction. */
void sip_dialog_request(sip_stack *stack, gint64 now, sip_txn *txn, sip_message *msg,
                        const sip_message_ids *ids);
/* An INVITE server transaction got its response: dialog creation. */
guint sip_dialog_uas_respond(sip_stack *stack, gint64 now, sip_txn *txn, guint status,
                             const char *reason, const char *const *headers, const char *ctype,
                             const void *body, gsize len);
void sip_dialog_tick(sip_stack *stack, gint64 now);
gint64 sip_dialog_next_deadline(const sip_stack *stack);
void sip_dialog_end(sip_stack *stack, sip_dialog *d, guint status, const char *why);
/* Build and send an in-dialog request. */
sip_txn *sip_dialog_send_request(sip_stack *stack, gint64 now, sip_dialog *d, const char *method,
                                 const char *ctype, const void *body, gsize len);
/* Dialog of a request with a To-tag, or NULL. */
sip_dialog *sip_dialog_find(sip_stack *stack, sip_slice call_id, sip_slice local_tag,
                            sip_slice remote_tag);

/* sip_auth.c */
void sip_auth_init(sip_auth *auth, const sip_credentials *creds);
void sip_auth_clear(sip_auth *auth);
/* After 401/407 on TXN: TRUE when a new transaction was started (the caller
 * forgets the old one); FALSE to fail with the status. */
sip_txn *sip_auth_retry(sip_stack *stack, gint64 now, sip_auth *auth, sip_txn *txn,
                        const sip_message *resp, guint32 new_cseq);
/* Authorization lines for a new request answering known challenges, or NULL. */
char *sip_auth_lines(sip_stack *stack, sip_auth *auth, const char *method, const char *ruri,
                     const void *body, gsize len);

/* sip_registration.c */
void sip_registration_free(sip_registration *reg);
void sip_registration_client_result(sip_stack *stack, gint64 now, sip_txn *txn, guint status,
                                    sip_message *msg);
void sip_registration_tick(sip_stack *stack, gint64 now);
gint64 sip_registration_next_deadline(const sip_stack *stack);
/* Emits SIP_EVENT_SHUTDOWN_DONE once shutting down and nothing is left. */
void sip_registration_check_shutdown(sip_stack *stack);
