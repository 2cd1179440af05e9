/* Shared between the files of signalling/sip/net/: the transport object,
 * its listeners and its stream connections. Not for other modules. */
#pragma once
#include <gnutls/gnutls.h>

#include "signalling/sip/net/sip_transport.h"
#include "signalling/sip/sip_framer.h"

typedef struct sip_transport_listener sip_transport_listener;
typedef struct sip_conn sip_conn;

struct sip_transport_listener {
  sip_transport *transport;
  sip_transport_kind kind;
  char *host;                  /* as configured */
  guint16 port;                /* bound */
  GSocketFamily family;
  GSocket *socket;
  GSource *source;
};

typedef enum {
  SIP_CONN_CONNECTING,         /* TCP connect in progress */
  SIP_CONN_HANDSHAKING,        /* TLS handshake in progress */
  SIP_CONN_OPEN,
  SIP_CONN_CLOSED,             /* unlinked; freed on the last unref */
} sip_conn_state;

struct sip_conn {
  gint ref_count;
  sip_transport *transport;
  guint64 id;
  sip_transport_kind kind;
  gboolean outgoing;
  sip_conn_state state;
  sip_addr peer;               /* peer address; connection_id = id */
  char *key;                   /* "kind|host|port" reuse key */
  GSocket *socket;
  GSource *source;             /* custom source watching the fd */
  gpointer fd_tag;
  GIOCondition events;
  sip_stream_framer *framer;
  GQueue out;                  /* GBytes to write */
  gsize out_offset;            /* octets of the head already written */
  gsize out_len;               /* octets queued, head offset excluded */
  gint64 last_activity_us;
  gint64 created_us;
  /* TLS */
  gnutls_session_t tls;
  gsize tls_pending;           /* length of a record send that returned E_AGAIN */
  gboolean verify;
  char *server_name;
  fingerprint pin;
  gboolean has_pin;
};

struct sip_transport {
  GMainContext *context;
  sip_transport_callbacks callbacks;
  sip_limits limits;
  guint max_connections, max_per_address;
  gint64 idle_timeout_us;
  gint64 connect_timeout_us;
  gsize max_queued;
  identity *identity;
  GPtrArray *listeners;        /* sip_transport_listener*, owned */
  GHashTable *conns;           /* guint64* id -> sip_conn* (one reference) */
  GHashTable *by_key;          /* key -> sip_conn* (borrowed; latest connection) */
  GHashTable *per_address;     /* host -> count (GUINT_TO_POINTER) */
  guint64 next_id;
  GSource *sweep;
  guint8 *dgram_buf;           /* 65535 octets, shared by the UDP listeners */
  gnutls_certificate_credentials_t tls_server_cred;
  gnutls_certificate_credentials_t tls_client_cred;
  gnutls_certificate_credentials_t tls_client_cred_trust;  /* with the system trust store */
  gboolean warned_no_verify;
  sip_transport_stats stats;
};

/* sip_transport.c */
void sip_transport_report_error(sip_transport *t, const sip_addr *to, int error,
                                const char *reason);
void sip_transport_deliver(sip_transport *t, const sip_addr *from, GBytes *message);
/* Bound address of SOCKET as host text and port. */
gboolean sip_transport_socket_address(GSocketAddress *address, sip_addr *out,
                                      sip_transport_kind kind);
/* "udp:127.0.0.1:5060" / "tcp:[::1]:5060" for messages. Caller frees. */
char *sip_transport_format_address(sip_transport_kind kind, const char *host, guint16 port);
/* Parses an IP literal; NULL when HOST is not one. */
GInetAddress *sip_transport_parse_ip(const char *host);
/* A GSource dispatching FUNC(user_data, revents) when FD is ready. */
GSource *sip_transport_fd_source_new(int fd, GIOCondition events,
                                     gboolean (*func)(gpointer user_data, GIOCondition revents),
                                     gpointer user_data, gpointer *tag);

/* sip_udp.c */
int sip_udp_listener_start(sip_transport_listener *l, GError **error);
int sip_udp_send(sip_transport *t, const sip_addr *to, GBytes *data);

/* sip_stream.c */
int sip_stream_listener_start(sip_transport_listener *l, GError **error);
int sip_stream_send(sip_transport *t, const sip_addr *to, GBytes *data,
                    const sip_tls_client_policy *policy);
/* Unlinks and closes C; ERROR != 0 reports it through on_send_error when
 * the connection never opened or had data queued. */
void sip_conn_close(sip_conn *c, int error, const char *reason);
/* Graceful close for sip_transport_free: flush what the socket takes, TLS
 * close_notify, FIN. */
void sip_conn_shutdown(sip_conn *c);
sip_conn *sip_conn_ref(sip_conn *c);
void sip_conn_unref(sip_conn *c);
void sip_conn_update_events(sip_conn *c);
/* Marks LEN octets at the head of the outgoing queue as written. */
void sip_conn_consumed(sip_conn *c, gsize len);
/* Closes connections idle for longer than the idle timeout, and those
 * still connecting or handshaking after the connect timeout (reported). */
void sip_stream_sweep(sip_transport *t, gint64 now_us);
/* Frames DATA received on C; delivers messages and queues pongs. FALSE when
 * the connection was closed. */
gboolean sip_conn_received(sip_conn *c, const guint8 *data, gsize len);

/* sip_tls.c */
int sip_tls_transport_init(sip_transport *t, GError **error);
void sip_tls_transport_clear(sip_transport *t);
/* Sets up C->tls (server side when !C->outgoing; client side per C->verify,
 * C->server_name, C->pin). Returns 0 or -EPROTO. */
int sip_tls_conn_start(sip_conn *c, const char **reason);
/* Drives the handshake; 0 done, -EAGAIN wait, other negative: failed. */
int sip_tls_conn_handshake(sip_conn *c, const char **reason);
/* Reads and delivers decrypted data. FALSE when the connection was closed. */
gboolean sip_tls_conn_read(sip_conn *c);
/* Writes the queue; 0, -EAGAIN (wait for POLLOUT) or a negative errno. */
int sip_tls_conn_flush(sip_conn *c);
gboolean sip_tls_conn_wants_write(const sip_conn *c);
void sip_tls_conn_bye(sip_conn *c);

/* A negative errno for a GIOError. */
int sip_transport_errno(const GError *error);
