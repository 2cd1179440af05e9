/* Shared between dtls_srtp.c and dtls_trace.c; not for other modules. */
#pragma once
#include <gnutls/gnutls.h>

#include "gateway/media/dtls_srtp.h"

#define DTLS_SRTP_MAX_QUEUED 64 /* datagrams waiting to be popped */
#define DTLS_SRTP_MAX_EVENTS 4

struct dtls_srtp_session {
  dtls_role role;
  identity *identity;
  fingerprint *remote_fps;
  guint n_remote_fps;
  char *trace_name;
  gboolean trace_always;
  guint mtu;

  gnutls_session_t tls;
  gnutls_certificate_credentials_t cred;
  dtls_srtp_state state;
  gboolean cookie_ok;          /* server: a ClientHello with a valid cookie arrived */
  guint8 cookie_client[16];    /* server: what the cookie is bound to */

  /* The datagram being fed; the pull callback hands it to GnuTLS once. */
  const guint8 *in_data;
  gsize in_len;
  GByteArray *in_filtered;     /* the records of a datagram we let through */
  guint read_epoch;            /* 0 until the peer's ChangeCipherSpec */
  GPtrArray *last_flight;      /* GBytes: our final flight (server), for resending */
  gint64 last_flight_sent;     /* when we last resent it */
  GPtrArray *held;             /* GBytes: records of the next epoch, for re-injection */
  /* Client, full handshake: our second flight (Certificate … Finished) as
   * first sent, while we wait for the server's ChangeCipherSpec and
   * Finished; a retransmission of the server's first flight is answered
   * with it instead of being shown to GnuTLS (see filter_records). */
  gboolean finished_written;
  GPtrArray *client_flight;    /* GBytes */
  gint64 client_flight_sent;

  GQueue out;                  /* of GBytes */
  dtls_srtp_event events[DTLS_SRTP_MAX_EVENTS];
  guint n_events;

  gint64 now_us;               /* last time seen; never goes back */
  gint64 deadline;             /* next tick, or -1 */
  gint64 handshake_deadline;   /* -1 until the handshake starts */

  gboolean verified;           /* the peer certificate matched */
  fingerprint matched;
  dtls_srtp_keys keys;
  gboolean first_client_hello_done;

  /* Resumption (dtls_resume.c). */
  dtls_srtp_session_cache *cache; /* server; borrowed */
  guint8 try_id[32];              /* client: the session id we try to resume */
  gsize try_id_len;               /* 0 = not trying */
  gboolean try_traced;
  gboolean resumed;
  unsigned int resume_profile;    /* the original session's gnutls_srtp_profile_t, or 0 */
  unsigned int hello_profile;     /* client: use_srtp of a resuming ServerHello, or 0 */

  guint64 ignored_records;
  guint64 dropped_datagrams;
};

/* dtls_trace.c */
gboolean dtls_trace_enabled(const dtls_srtp_session *s);
void dtls_trace(const dtls_srtp_session *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* "ClientHello", "ChangeCipherSpec", … for a gnutls_handshake_description_t. */
const char *dtls_trace_message_name(unsigned int htype);
/* The GnuTLS handshake hook: Read/Write lines and use_srtp lines. */
int dtls_trace_hook(gnutls_session_t tls, unsigned int htype, unsigned when, unsigned int incoming,
                    const gnutls_datum_t *msg);
