/* Helpers of the SIP stack tests: a stack on a fake clock, messages built
 * with sip_writer and outputs parsed back with sip_message. */
#pragma once
#include "signalling/sip/sip_stack.h"
#include "signalling/sip/sip_writer.h"

#define MS 1000
#define SEC G_USEC_PER_SEC

typedef struct {
  sip_message *msg;   /* parsed */
  sip_addr to;
  gboolean reliable;
} tu_out;

sip_stack *tu_stack_new(guint32 seed, const char *host);
sip_addr tu_addr(sip_transport_kind kind, const char *host, guint16 port);

/* Next output parsed (caller frees with tu_out_free), or NULL. */
tu_out *tu_pop(sip_stack *stack);
void tu_out_free(tu_out *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(tu_out, tu_out_free)
/* Pops and discards every output; returns how many. */
guint tu_drain(sip_stack *stack);
/* Pops an output that must be a request METHOD / response STATUS. */
tu_out *tu_expect_request(sip_stack *stack, const char *method);
tu_out *tu_expect_response(sip_stack *stack, guint status);
void tu_expect_no_output(sip_stack *stack);

void tu_feed(sip_stack *stack, gint64 now, const sip_addr *from, const char *text);
void tu_feed_string(sip_stack *stack, gint64 now, const sip_addr *from, GString *text);

/* A request from the peer at 192.0.2.9:5070 (UDP). HEADERS: extra lines. */
GString *tu_request(const char *method, const char *branch, const char *call_id,
                    const char *from_tag, const char *to_tag, guint32 cseq, const char *extra,
                    const char *body);
/* A response to request REQ (a parsed output). */
GString *tu_response(const sip_message *req, guint status, const char *to_tag,
                     const char *extra);

/* The next event, which must be TYPE. */
void tu_expect_event(sip_stack *stack, sip_event_type type, sip_event *ev);
void tu_expect_no_event(sip_stack *stack);

/* Header value as a new string, or NULL. */
char *tu_header(const sip_message *msg, const char *name);
/* Advances *NOW to the next deadline (must be <= LIMIT) and ticks. */
gboolean tu_advance(sip_stack *stack, gint64 *now, gint64 limit);
