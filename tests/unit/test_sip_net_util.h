/* Helpers for the signalling/sip/net tests: a callback collector, running
 * the default GMainContext until a condition holds (bounded by a timeout),
 * plain client sockets. */
#pragma once
#include "signalling/sip/net/sip_transport.h"

typedef struct {
  sip_addr from;
  GBytes *message;
} net_received;

typedef struct {
  GArray *messages;     /* net_received */
  GArray *errors;       /* net_error */
} net_collector;

typedef struct {
  sip_addr to;
  int error;
  char *reason;
} net_error;

void net_collector_init(net_collector *c);
void net_collector_clear(net_collector *c);
/* Callbacks collecting into the net_collector passed as user data. */
sip_transport_callbacks net_collector_callbacks(net_collector *c);
/* Text of message I. */
const char *net_message_text(net_collector *c, guint i, gsize *len);

/* Runs the default context until COND(DATA) or TIMEOUT_MS; returns COND's
 * last value. */
gboolean net_run_until(gboolean (*cond)(gpointer data), gpointer data, guint timeout_ms);
#define NET_TIMEOUT_MS 5000

typedef struct {
  net_collector *collector;
  guint messages, errors;
} net_wait;
gboolean net_wait_done(gpointer wait);
/* Waits for N messages (and M errors) in total. */
gboolean net_wait_messages(net_collector *c, guint n);
gboolean net_wait_errors(net_collector *c, guint n);

/* A small valid request with Content-Length (and a body when BODY). Caller
 * frees. */
char *net_make_request(guint seq, const char *body);

/* A connected, non-blocking TCP client to HOST:PORT with TCP_NODELAY. */
GSocket *net_tcp_client(const char *host, guint16 port);
/* Writes all of DATA (running the loop while the socket is full). */
void net_write_all(GSocket *s, const void *data, gsize len);
/* Reads into ACC until it holds at least N octets; FALSE on timeout/EOF. */
gboolean net_read_at_least(GSocket *s, GString *acc, gsize n);
/* Waits for EOF or a reset on S. */
gboolean net_wait_closed(GSocket *s);

/* Transport with one listener. */
sip_transport *net_transport_new(sip_transport_kind kind, const char *host, net_collector *c,
                                 identity *id);
/* Waits until T's stats satisfy FIELD >= VALUE. FIELD: offset in the stats. */
gboolean net_wait_stat(sip_transport *t, gsize field_offset, guint64 value);
#define NET_STAT(field) G_STRUCT_OFFSET(sip_transport_stats, field)
/* Waits until T's stats satisfy FIELD < VALUE. */
gboolean net_wait_stat_below(sip_transport *t, gsize field_offset, guint64 value);
