/* TLS on stream connections (RFC 3261 §26.2.1, RFC 5630): GnuTLS sessions
 * driven on the non-blocking socket through our own push/pull, server side
 * with the gateway identity, client side per sip_tls_client_policy. */
#define G_LOG_DOMAIN "rtc2sip-sip-net"
#include "signalling/sip/net/sip_transport_private.h"

#include <errno.h>

#define TLS_READ_CHUNK 16384

int sip_tls_transport_init(sip_transport *t, GError **error) {
  int rc = gnutls_certificate_allocate_credentials(&t->tls_client_cred);
  if (rc == 0 && t->identity)
    rc = identity_set_credentials(t->identity, t->tls_client_cred);
  if (rc == 0 && t->identity) {
    rc = gnutls_certificate_allocate_credentials(&t->tls_server_cred);
    if (rc == 0)
      rc = identity_set_credentials(t->identity, t->tls_server_cred);
  }
  if (rc < 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS credentials: %s", gnutls_strerror(rc));
    return -EIO;
  }
  return 0;
}

void sip_tls_transport_clear(sip_transport *t) {
  if (t->tls_server_cred)
    gnutls_certificate_free_credentials(t->tls_server_cred);
  if (t->tls_client_cred)
    gnutls_certificate_free_credentials(t->tls_client_cred);
  if (t->tls_client_cred_trust)
    gnutls_certificate_free_credentials(t->tls_client_cred_trust);
  t->tls_server_cred = t->tls_client_cred = t->tls_client_cred_trust = NULL;
}

/* Credentials with the system trust store, loaded on first use. */
static gnutls_certificate_credentials_t trust_credentials(sip_transport *t) {
  if (t->tls_client_cred_trust)
    return t->tls_client_cred_trust;
  if (gnutls_certificate_allocate_credentials(&t->tls_client_cred_trust) < 0)
    return NULL;
  int n = gnutls_certificate_set_x509_system_trust(t->tls_client_cred_trust);
  if (n < 0)
    g_warning("cannot load the system trust store: %s", gnutls_strerror(n));
  else if (n == 0)
    g_warning("the system trust store is empty: TLS peers cannot be verified");
  if (t->identity)
    identity_set_credentials(t->identity, t->tls_client_cred_trust);
  return t->tls_client_cred_trust;
}

static ssize_t tls_push(gnutls_transport_ptr_t ptr, const void *data, size_t len) {
  sip_conn *c = ptr;
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_send(c->socket, data, len, NULL, &error);
  if (n < 0) {
    gnutls_transport_set_errno(c->tls, g_error_matches(error, G_IO_ERROR,
                                                       G_IO_ERROR_WOULD_BLOCK) ? EAGAIN : EPIPE);
    return -1;
  }
  return n;
}

static ssize_t tls_pull(gnutls_transport_ptr_t ptr, void *data, size_t len) {
  sip_conn *c = ptr;
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_receive(c->socket, data, len, NULL, &error);
  if (n < 0) {
    gnutls_transport_set_errno(c->tls, g_error_matches(error, G_IO_ERROR,
                                                       G_IO_ERROR_WOULD_BLOCK) ? EAGAIN
                                                                               : ECONNRESET);
    return -1;
  }
  return n;
}

/* Pinned certificate: exactly the peer certificate whose fingerprint was
 * given (any hash of certs/fingerprint.h), no CA check. */
static int verify_pin(gnutls_session_t session) {
  sip_conn *c = gnutls_session_get_ptr(session);
  unsigned int n = 0;
  const gnutls_datum_t *certs = gnutls_certificate_get_peers(session, &n);
  if (!certs || n == 0) {
    g_info("TLS peer %s:%u sent no certificate", c->peer.host, c->peer.port);
    return GNUTLS_E_CERTIFICATE_ERROR;
  }
  if (!fingerprint_verify(&c->pin, certs[0].data, certs[0].size)) {
    g_info("TLS peer %s:%u: certificate does not match the pinned fingerprint", c->peer.host,
           c->peer.port);
    return GNUTLS_E_CERTIFICATE_ERROR;
  }
  return 0;
}

int sip_tls_conn_start(sip_conn *c, const char **reason) {
  sip_transport *t = c->transport;
  gnutls_certificate_credentials_t cred;
  if (!c->outgoing)
    cred = t->tls_server_cred;
  else if (!c->has_pin && c->verify)
    cred = trust_credentials(t);
  else
    cred = t->tls_client_cred;
  if (!cred) {
    *reason = "no TLS credentials";
    return -EPROTO;
  }
  int rc = gnutls_init(&c->tls, (c->outgoing ? GNUTLS_CLIENT : GNUTLS_SERVER) | GNUTLS_NONBLOCK);
  if (rc == 0)
    rc = gnutls_set_default_priority(c->tls);
  if (rc == 0)
    rc = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred);
  if (rc < 0) {
    *reason = gnutls_strerror(rc);
    return -EPROTO;
  }
  gnutls_session_set_ptr(c->tls, c);
  gnutls_transport_set_ptr(c->tls, c);
  gnutls_transport_set_push_function(c->tls, tls_push);
  gnutls_transport_set_pull_function(c->tls, tls_pull);
  if (c->outgoing) {
    const char *name = c->server_name;
    g_autoptr(GInetAddress) literal = sip_transport_parse_ip(name);
    if (name && !literal)   /* SNI carries DNS names only (RFC 6066 §3) */
      gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, name, strlen(name));
    if (c->has_pin) {
      gnutls_session_set_verify_function(c->tls, verify_pin);
    } else if (c->verify) {
      gnutls_session_set_verify_cert(c->tls, name ? name : c->peer.host, 0);
    } else if (!t->warned_no_verify) {
      t->warned_no_verify = TRUE;
      g_warning("TLS to %s:%u without any certificate check (verify off, no pin): "
                "anyone on the path can read and change the signalling",
                c->peer.host, c->peer.port);
    }
  }
  return 0;
}

int sip_tls_conn_handshake(sip_conn *c, const char **reason) {
  int rc = gnutls_handshake(c->tls);
  if (rc == 0) {
    g_debug("TLS with %s:%u: %s", c->peer.host, c->peer.port,
            gnutls_protocol_get_name(gnutls_protocol_get_version(c->tls)));
    return 0;
  }
  if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED || !gnutls_error_is_fatal(rc))
    return -EAGAIN;
  if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
    gnutls_datum_t text = { 0 };
    unsigned int status = gnutls_session_get_verify_cert_status(c->tls);
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0) {
      g_info("TLS peer %s:%u: %s", c->peer.host, c->peer.port, (const char *)text.data);
      gnutls_free(text.data);
    }
  }
  *reason = gnutls_strerror(rc);
  return -EPROTO;
}

gboolean sip_tls_conn_wants_write(const sip_conn *c) {
  return c->tls && gnutls_record_get_direction(c->tls) == 1;
}

gboolean sip_tls_conn_read(sip_conn *c) {
  guint8 *buf = c->transport->dgram_buf;
  for (;;) {
    ssize_t n = gnutls_record_recv(c->tls, buf, TLS_READ_CHUNK);
    if (n > 0) {
      if (!sip_conn_received(c, buf, (gsize)n))
        return FALSE;
      continue;
    }
    if (n == GNUTLS_E_AGAIN)
      return TRUE;
    if (n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_REHANDSHAKE)
      continue;
    if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION) {
      sip_conn_close(c, -ECONNRESET, "connection closed by the peer");
      return FALSE;
    }
    if (!gnutls_error_is_fatal((int)n))
      continue;
    sip_conn_close(c, -EPROTO, gnutls_strerror((int)n));
    return FALSE;
  }
}

int sip_tls_conn_flush(sip_conn *c) {
  while (c->out_len > 0) {
    GBytes *head = g_queue_peek_head(&c->out);
    gsize size = 0;
    const guint8 *bytes = g_bytes_get_data(head, &size);
    gsize len = c->tls_pending ? c->tls_pending : MIN(size - c->out_offset, TLS_READ_CHUNK);
    ssize_t n = gnutls_record_send(c->tls, bytes + c->out_offset, len);
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
      c->tls_pending = len;
      return -EAGAIN;
    }
    if (n < 0)
      return -EPIPE;
    c->tls_pending = 0;
    sip_conn_consumed(c, (gsize)n);
  }
  return 0;
}

void sip_tls_conn_bye(sip_conn *c) {
  if (c->tls)
    (void)gnutls_bye(c->tls, GNUTLS_SHUT_WR);
}
