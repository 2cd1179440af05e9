/* SIP transports of rtc2sip (RFC 3261 §18): the thin GLib glue between
 * sockets and the sans-IO SIP stack (signalling/sip/sip_stack.h).
 *
 * One sip_transport owns every listening socket (UDP, TCP, TLS; IPv4 and
 * IPv6) and every TCP/TLS connection. It lives on the main thread: its
 * sources are attached to the GMainContext that is thread-default when
 * sip_transport_new is called, and every call must come from that thread.
 *
 * What arrives is framed here and handed up as one complete message per
 * on_message call (a UDP datagram is one message; TCP and TLS streams go
 * through sip_stream_framer). CRLF keep-alives never reach on_message: on
 * UDP they are dropped and counted, on streams a CRLFCRLF ping is answered
 * with a CRLF pong (RFC 5626 §3.5.1).
 *
 * NAT (RFC 3581): UDP replies leave from the listening socket the request
 * arrived on, so the peer's source port matches our Via sent-by. The stack
 * adds ";rport" to its Vias and reads "received"/"rport" from responses;
 * nothing extra is done here.
 *
 * Ownership: the transport copies CONFIG (strings included) and takes a
 * reference on CONFIG->identity. GBytes handed to on_message are borrowed
 * for the call (take a reference to keep them). sip_transport_send takes
 * its own reference on DATA. Callbacks are never called from inside
 * sip_transport_send or after sip_transport_free returns; calling
 * sip_transport_free from inside a callback is not supported. */
#pragma once
#include <gio/gio.h>

#include "certs/fingerprint.h"
#include "certs/identity.h"
#include "signalling/sip/sip_stack.h"

typedef struct sip_transport sip_transport;

typedef struct {
  sip_transport_kind kind;
  const char *host;            /* IP literal; "0.0.0.0" / "::" for any */
  guint16 port;                /* 0: pick a free one */
} sip_listen_spec;

typedef struct {
  gboolean verify;             /* TRUE: system trust store + host name check (server_name) */
  const char *server_name;     /* SNI and name to check; NULL: the destination host */
  const fingerprint *pin;      /* non-NULL: accept exactly this certificate, no CA check */
} sip_tls_client_policy;

typedef struct {
  /* One complete SIP message; FROM->connection_id is set for TCP/TLS. */
  void (*on_message)(const sip_addr *from, GBytes *message, gpointer user_data);
  /* Asynchronous failures: connect refused, TLS handshake failed, a
   * connection lost with data queued, the outgoing queue overflowing.
   * ERROR is a negative errno, REASON a sentence. TO carries the
   * connection id (0 if the connection never existed). */
  void (*on_send_error)(const sip_addr *to, int error, const char *reason, gpointer user_data);
  gpointer user_data;
} sip_transport_callbacks;

typedef struct {
  const sip_listen_spec *listen;
  guint n_listen;
  identity *identity;                  /* TLS certificate and key; needed for tls: listeners */
  sip_limits limits;                   /* framer limits; all zero: SIP_LIMITS_DEFAULT */
  guint max_connections;               /* 0: 1024 */
  guint max_connections_per_address;   /* 0: 64 */
  gint64 idle_timeout_us;              /* 0: 15 min; idle TCP/TLS connections are closed */
  gsize max_queued;                    /* outgoing octets per connection; 0: 1 MiB */
  gint64 connect_timeout_us;           /* TCP connect + TLS handshake; 0: 32 s (64*T1) */
  sip_transport_callbacks callbacks;
} sip_transport_config;

typedef struct {
  guint64 datagrams_in, datagrams_out, messages_in, messages_out, bytes_in, bytes_out,
      framing_errors, dropped, connections_open, connections_total, connections_refused,
      tls_handshake_failures, send_errors, keepalive_pings;
} sip_transport_stats;

#define SIP_TRANSPORT_DEFAULT_MAX_CONNECTIONS 1024
#define SIP_TRANSPORT_DEFAULT_MAX_PER_ADDRESS 64
#define SIP_TRANSPORT_DEFAULT_IDLE_TIMEOUT_US (15 * G_TIME_SPAN_MINUTE)
#define SIP_TRANSPORT_DEFAULT_MAX_QUEUED (1024 * 1024)
#define SIP_TRANSPORT_DEFAULT_CONNECT_TIMEOUT_US (32 * G_TIME_SPAN_SECOND)

/* Binds every listen spec. Returns NULL with ERROR naming the address that
 * could not be bound ("udp:127.0.0.1:5060: Address already in use"). */
sip_transport *sip_transport_new(const sip_transport_config *config, GError **error);
/* Closes everything (TLS close_notify best effort); no callback after it
 * returns. NULL is fine. */
void sip_transport_free(sip_transport *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sip_transport, sip_transport_free)

/* Sends one message (DATA: a reference is taken).
 * TO->connection_id != 0: on that connection (-ENOTCONN if it is gone).
 * 0 on UDP: a datagram from the listening socket of the destination's family.
 * 0 on TCP/TLS: reuses an open connection to host:port of that kind (either
 * direction, RFC 3261 §18) or opens one; data is queued until connected. TLS
 * clients follow POLICY (NULL: verify against the system trust store).
 * TO->host must be an IP literal (see sip_resolve.h for names).
 * Returns 0, or a negative errno for immediate failures: -EINVAL (bad
 * address), -EAFNOSUPPORT (no listener of that kind and family), -ENOTCONN,
 * -EMFILE (connection limits), -ENOBUFS (queue full: the connection is
 * closed), or the errno of a failed UDP send. */
int sip_transport_send(sip_transport *t, const sip_addr *to, GBytes *data,
                       const sip_tls_client_policy *policy);

/* The bound port of the first listener of KIND (after port 0), 0 if none. */
guint16 sip_transport_local_port(const sip_transport *t, sip_transport_kind kind);
/* The host of the first listener of KIND as configured, NULL if none. */
const char *sip_transport_local_host(const sip_transport *t, sip_transport_kind kind);
void sip_transport_get_stats(const sip_transport *t, sip_transport_stats *out);

/* Parses the [sip] listen syntax: "udp:127.0.0.1:5060, tcp:[::1]:5060,
 * tls:127.0.0.1:5061" (comma or white space separated; port optional:
 * 5060, 5061 for tls). Appends sip_listen_spec with newly allocated host
 * strings to OUT_SPECS; free them with sip_listen_specs_clear. Returns 0,
 * or a negative errno (-EINVAL) with *REASON a static
 * sentence; OUT_SPECS is then left as it was. */
int sip_listen_parse(const char *text, GArray *out_specs, const char **reason);
/* Frees the host strings of SPECS and empties it. */
void sip_listen_specs_clear(GArray *specs);
