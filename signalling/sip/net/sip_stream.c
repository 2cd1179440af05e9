/* TCP and TLS connections (RFC 3261 §18.3): listeners, accepted and
 * outgoing connections, framing with sip_stream_framer, bounded outgoing
 * queues, CRLF keep-alives, limits and the idle timeout. TLS specifics are
 * in sip_tls.c. */
#define G_LOG_DOMAIN "rtc2sip-sip-net"
#include "signalling/sip/net/sip_transport_private.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/* Reads per dispatch on one connection before giving others a turn. */
#define STREAM_READ_BATCH 16
#define STREAM_READ_CHUNK 16384

static const char crlf[] = "\r\n";

sip_conn *sip_conn_ref(sip_conn *c) {
  c->ref_count++;
  return c;
}

void sip_conn_unref(sip_conn *c) {
  if (--c->ref_count > 0)
    return;
  g_queue_clear_full(&c->out, (GDestroyNotify)g_bytes_unref);
  sip_stream_framer_free(c->framer);
  if (c->tls)
    gnutls_deinit(c->tls);
  if (c->socket)
    g_object_unref(c->socket);
  g_free(c->key);
  g_free(c->server_name);
  g_free(c);
}

static char *conn_key(sip_transport_kind kind, const char *host, guint16 port) {
  return g_strdup_printf("%d|%s|%u", (int)kind, host, port);
}

static guint address_count(sip_transport *t, const char *host) {
  return GPOINTER_TO_UINT(g_hash_table_lookup(t->per_address, host));
}

static void address_add(sip_transport *t, const char *host, int delta) {
  guint n = address_count(t, host);
  n = (guint)((int)n + delta);
  if (n == 0)
    g_hash_table_remove(t->per_address, host);
  else
    g_hash_table_replace(t->per_address, g_strdup(host), GUINT_TO_POINTER(n));
}

void sip_conn_close(sip_conn *c, int error, const char *reason) {
  if (c->state == SIP_CONN_CLOSED)
    return;
  sip_transport *t = c->transport;
  /* Reported: failures to connect or handshake, and losses with data queued. */
  gboolean report = error != 0 && (c->out_len > 0 || c->state != SIP_CONN_OPEN);
  g_debug("%s connection %" G_GUINT64_FORMAT " with %s:%u closed%s%s",
          sip_transport_name(c->kind), c->id, c->peer.host, c->peer.port, reason ? ": " : "",
          reason ? reason : "");
  c->state = SIP_CONN_CLOSED;
  if (g_hash_table_lookup(t->by_key, c->key) == c)
    g_hash_table_remove(t->by_key, c->key);
  address_add(t, c->peer.host, -1);
  if (c->source) {
    g_source_destroy(c->source);
    g_source_unref(c->source);
    c->source = NULL;
  }
  if (c->socket)
    g_socket_close(c->socket, NULL);
  g_queue_clear_full(&c->out, (GDestroyNotify)g_bytes_unref);
  c->out_len = c->out_offset = 0;
  sip_addr to = c->peer;
  g_hash_table_remove(t->conns, &c->id);
  if (report)
    sip_transport_report_error(t, &to, error, reason ? reason : "connection lost");
  sip_conn_unref(c);   /* the table's reference */
}

void sip_conn_update_events(sip_conn *c) {
  if (c->state == SIP_CONN_CLOSED || !c->source)
    return;
  GIOCondition events = 0;
  switch (c->state) {
  case SIP_CONN_CONNECTING:
    events = G_IO_OUT;
    break;
  case SIP_CONN_HANDSHAKING:
    events = G_IO_IN | (sip_tls_conn_wants_write(c) ? G_IO_OUT : 0);
    break;
  case SIP_CONN_OPEN:
    events = G_IO_IN | (c->out_len > 0 || c->tls_pending ? G_IO_OUT : 0);
    break;
  case SIP_CONN_CLOSED:
    break;
  }
  if (events != c->events) {
    g_source_modify_unix_fd(c->source, c->fd_tag, events);
    c->events = events;
  }
}

/* Appends DATA (a new reference) to the outgoing queue. FALSE when the
 * queue would exceed its cap; the caller closes. */
static gboolean conn_enqueue(sip_conn *c, GBytes *data) {
  gsize len = g_bytes_get_size(data);
  if (len == 0)
    return TRUE;
  if (c->out_len + len > c->transport->max_queued)
    return FALSE;
  g_queue_push_tail(&c->out, g_bytes_ref(data));
  c->out_len += len;
  return TRUE;
}

/* Marks LEN octets of the head of the queue written. */
void sip_conn_consumed(sip_conn *c, gsize len) {
  c->transport->stats.bytes_out += len;
  c->last_activity_us = g_get_monotonic_time();
  while (len > 0) {
    GBytes *head = g_queue_peek_head(&c->out);
    gsize left = g_bytes_get_size(head) - c->out_offset;
    gsize take = MIN(left, len);
    c->out_offset += take;
    c->out_len -= take;
    len -= take;
    if (c->out_offset == g_bytes_get_size(head)) {
      g_bytes_unref(g_queue_pop_head(&c->out));
      c->out_offset = 0;
    }
  }
}

/* Plain TCP: writes what the socket takes. 0 or a negative errno. */
static int tcp_flush(sip_conn *c) {
  while (c->out_len > 0) {
    GOutputVector vec[16];
    guint n = 0;
    gsize offset = c->out_offset;
    for (GList *l = c->out.head; l && n < G_N_ELEMENTS(vec); l = l->next, n++) {
      gsize size = 0;
      const guint8 *bytes = g_bytes_get_data(l->data, &size);
      vec[n].buffer = bytes + offset;
      vec[n].size = size - offset;
      offset = 0;
    }
    g_autoptr(GError) error = NULL;
    gssize sent = g_socket_send_message(c->socket, NULL, vec, (gint)n, NULL, 0, 0, NULL, &error);
    if (sent < 0)
      return sip_transport_errno(error);
    sip_conn_consumed(c, (gsize)sent);
  }
  return 0;
}

gboolean sip_conn_received(sip_conn *c, const guint8 *data, gsize len) {
  sip_transport *t = c->transport;
  t->stats.bytes_in += len;
  c->last_activity_us = g_get_monotonic_time();
  sip_error err = { 0 };
  int rc = sip_stream_framer_feed(c->framer, data, len, &err);
  for (guint pings = sip_stream_framer_take_pings(c->framer); pings > 0; pings--) {
    t->stats.keepalive_pings++;
    g_autoptr(GBytes) pong = g_bytes_new_static(crlf, 2);
    if (!conn_enqueue(c, pong)) {
      sip_conn_close(c, -ENOBUFS, "outgoing queue full");
      return FALSE;
    }
  }
  (void)sip_stream_framer_take_pongs(c->framer);
  GBytes *message;
  while ((message = sip_stream_framer_pop(c->framer))) {
    sip_transport_deliver(t, &c->peer, message);
    g_bytes_unref(message);
    if (c->state == SIP_CONN_CLOSED)
      return FALSE;
  }
  if (rc < 0) {
    t->stats.framing_errors++;
    g_info("%s connection from %s:%u: framing error (%s); closing", sip_transport_name(c->kind),
           c->peer.host, c->peer.port, err.reason ? err.reason : "broken stream");
    /* Answers to the messages framed before the error go out first (as far
     * as the socket takes them now). */
    if (c->state == SIP_CONN_OPEN)
      (void)(c->tls ? sip_tls_conn_flush(c) : tcp_flush(c));
    sip_conn_close(c, 0, err.reason);
    return FALSE;
  }
  return TRUE;
}

/* Plain TCP: reads and frames. FALSE when the connection was closed. */
static gboolean tcp_read(sip_conn *c) {
  sip_transport *t = c->transport;
  for (int n = 0; n < STREAM_READ_BATCH; n++) {
    g_autoptr(GError) error = NULL;
    gssize len = g_socket_receive(c->socket, (char *)t->dgram_buf, STREAM_READ_CHUNK, NULL,
                                  &error);
    if (len < 0) {
      if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return TRUE;
      sip_conn_close(c, sip_transport_errno(error), error->message);
      return FALSE;
    }
    if (len == 0) {
      sip_conn_close(c, -ECONNRESET, "connection closed by the peer");
      return FALSE;
    }
    if (!sip_conn_received(c, t->dgram_buf, (gsize)len))
      return FALSE;
  }
  return TRUE;
}

static void conn_opened(sip_conn *c) {
  c->state = SIP_CONN_OPEN;
  g_debug("%s connection %" G_GUINT64_FORMAT " with %s:%u open", sip_transport_name(c->kind),
          c->id, c->peer.host, c->peer.port);
}

/* Returns FALSE when C was closed. */
static gboolean conn_start_tls(sip_conn *c) {
  const char *reason = NULL;
  if (sip_tls_conn_start(c, &reason) < 0) {
    c->transport->stats.tls_handshake_failures++;
    sip_conn_close(c, -EPROTO, reason);
    return FALSE;
  }
  c->state = SIP_CONN_HANDSHAKING;
  return TRUE;
}

static gboolean conn_dispatch(gpointer data, GIOCondition revents) {
  sip_conn *c = sip_conn_ref(data);
  gboolean just_opened = FALSE;
  if (c->state == SIP_CONN_CONNECTING && revents) {
    g_autoptr(GError) error = NULL;
    if (!g_socket_check_connect_result(c->socket, &error)) {
      sip_conn_close(c, sip_transport_errno(error), error->message);
      goto out;
    }
    if (c->kind == SIP_TRANSPORT_TLS) {
      if (!conn_start_tls(c))
        goto out;
    } else {
      conn_opened(c);
      just_opened = TRUE;
    }
  }
  if (c->state == SIP_CONN_HANDSHAKING) {
    const char *reason = NULL;
    int rc = sip_tls_conn_handshake(c, &reason);
    if (rc == 0) {
      conn_opened(c);
      just_opened = TRUE;
    } else if (rc != -EAGAIN) {
      c->transport->stats.tls_handshake_failures++;
      g_info("TLS handshake with %s:%u failed: %s", c->peer.host, c->peer.port, reason);
      sip_conn_close(c, rc, reason);
      goto out;
    }
  }
  if (c->state == SIP_CONN_OPEN) {
    if (just_opened || (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
      gboolean alive = c->tls ? sip_tls_conn_read(c) : tcp_read(c);
      if (!alive)
        goto out;
    }
    if (c->out_len > 0 || c->tls_pending) {
      int rc = c->tls ? sip_tls_conn_flush(c) : tcp_flush(c);
      if (rc < 0 && rc != -EAGAIN) {
        sip_conn_close(c, rc, "send failed");
        goto out;
      }
    }
  }
  sip_conn_update_events(c);
out:
  sip_conn_unref(c);
  return G_SOURCE_CONTINUE;
}

/* Creates a connection on SOCKET (a new reference is taken) and links it. */
static sip_conn *conn_new(sip_transport *t, sip_transport_kind kind, GSocket *socket,
                          gboolean outgoing, const sip_addr *peer) {
  sip_conn *c = g_new0(sip_conn, 1);
  c->ref_count = 1;
  c->transport = t;
  c->id = t->next_id++;
  c->kind = kind;
  c->outgoing = outgoing;
  c->peer = *peer;
  c->peer.kind = kind;
  c->peer.connection_id = c->id;
  c->key = conn_key(kind, peer->host, peer->port);
  c->socket = g_object_ref(socket);
  c->framer = sip_stream_framer_new(&t->limits);
  c->last_activity_us = c->created_us = g_get_monotonic_time();
  g_queue_init(&c->out);
  g_socket_set_blocking(socket, FALSE);
  g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  g_hash_table_insert(t->conns, &c->id, c);
  g_hash_table_replace(t->by_key, c->key, c);
  address_add(t, peer->host, +1);
  t->stats.connections_total++;
  c->source = sip_transport_fd_source_new(g_socket_get_fd(socket), 0, conn_dispatch, c,
                                          &c->fd_tag);
  g_source_attach(c->source, t->context);
  return c;
}

static gboolean over_limits(sip_transport *t, const char *host) {
  return g_hash_table_size(t->conns) >= t->max_connections ||
         address_count(t, host) >= t->max_per_address;
}

static gboolean stream_acceptable(GSocket *socket, GIOCondition condition, gpointer data) {
  sip_transport_listener *l = data;
  sip_transport *t = l->transport;
  for (int n = 0; n < 64; n++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocket) s = g_socket_accept(socket, NULL, &error);
    if (!s) {
      if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_info("accept on %s:%u: %s", l->host, l->port, error->message);
      break;
    }
    g_autoptr(GSocketAddress) remote = g_socket_get_remote_address(s, NULL);
    sip_addr peer;
    if (!remote || !sip_transport_socket_address(remote, &peer, l->kind)) {
      g_socket_close(s, NULL);
      continue;
    }
    if (over_limits(t, peer.host)) {
      t->stats.connections_refused++;
      g_info("refusing a %s connection from %s:%u: connection limit", sip_transport_name(l->kind),
             peer.host, peer.port);
      g_socket_close(s, NULL);
      continue;
    }
    sip_conn *c = conn_new(t, l->kind, s, FALSE, &peer);
    if (l->kind == SIP_TRANSPORT_TLS) {
      if (!conn_start_tls(c))
        continue;
    } else {
      conn_opened(c);
    }
    sip_conn_update_events(c);
  }
  return G_SOURCE_CONTINUE;
}

int sip_stream_listener_start(sip_transport_listener *l, GError **error) {
  g_autoptr(GInetAddress) ip = sip_transport_parse_ip(l->host);
  if (!ip) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "not an IP address");
    return -EINVAL;
  }
  l->family = g_inet_address_get_family(ip);
  l->socket = g_socket_new(l->family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (!l->socket)
    return -EIO;
  g_socket_set_blocking(l->socket, FALSE);
  if (l->family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option(l->socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, NULL);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new(ip, l->port);
  if (!g_socket_bind(l->socket, address, TRUE, error))
    return -EADDRINUSE;
  g_socket_set_listen_backlog(l->socket, 128);
  if (!g_socket_listen(l->socket, error))
    return -EADDRINUSE;
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(l->socket, error);
  if (!bound)
    return -EIO;
  l->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  l->source = g_socket_create_source(l->socket, G_IO_IN, NULL);
  g_source_set_callback(l->source, G_SOURCE_FUNC(stream_acceptable), l, NULL);
  g_source_attach(l->source, l->transport->context);
  return 0;
}

/* Opens an outgoing connection to TO (an IP literal). NULL with *RC set. */
static sip_conn *conn_connect(sip_transport *t, const sip_addr *to, GInetAddress *ip,
                              const sip_tls_client_policy *policy, int *rc) {
  if (over_limits(t, to->host)) {
    t->stats.connections_refused++;
    *rc = -EMFILE;
    return NULL;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) s = g_socket_new(g_inet_address_get_family(ip), G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, &error);
  if (!s) {
    *rc = sip_transport_errno(error);
    return NULL;
  }
  g_socket_set_blocking(s, FALSE);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new(ip, to->port);
  gboolean connected = g_socket_connect(s, address, NULL, &error);
  if (!connected && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_PENDING)) {
    *rc = sip_transport_errno(error);
    return NULL;
  }
  sip_conn *c = conn_new(t, to->kind, s, TRUE, to);
  if (to->kind == SIP_TRANSPORT_TLS) {
    c->verify = policy ? policy->verify : TRUE;
    c->server_name = g_strdup(policy ? policy->server_name : NULL);
    if (policy && policy->pin) {
      c->pin = *policy->pin;
      c->has_pin = TRUE;
    }
  }
  /* Completion (and failure) is handled by conn_dispatch on POLLOUT, also
   * when the connect finished at once: callbacks never run from send. */
  c->state = SIP_CONN_CONNECTING;
  return c;
}

int sip_stream_send(sip_transport *t, const sip_addr *to, GBytes *data,
                    const sip_tls_client_policy *policy) {
  sip_conn *c = NULL;
  if (to->connection_id != 0) {
    c = g_hash_table_lookup(t->conns, &to->connection_id);
    if (!c || c->state == SIP_CONN_CLOSED)
      return -ENOTCONN;
  } else {
    g_autoptr(GInetAddress) ip = sip_transport_parse_ip(to->host);
    if (!ip || to->port == 0)
      return -EINVAL;
    sip_addr norm;
    g_autofree char *host = g_inet_address_to_string(ip);
    if (!sip_addr_set(&norm, to->kind, host, to->port, 0))
      return -EINVAL;
    g_autofree char *key = conn_key(to->kind, norm.host, norm.port);
    c = g_hash_table_lookup(t->by_key, key);
    if (!c) {
      int rc = 0;
      c = conn_connect(t, &norm, ip, policy, &rc);
      if (!c) {
        t->stats.send_errors++;
        return rc;
      }
    }
  }
  if (!conn_enqueue(c, data)) {
    t->stats.send_errors++;
    sip_conn_close(c, 0, "outgoing queue full");
    return -ENOBUFS;
  }
  t->stats.messages_out++;
  sip_conn_update_events(c);
  return 0;
}

void sip_stream_sweep(sip_transport *t, gint64 now_us) {
  GList *conns = g_hash_table_get_values(t->conns);
  for (GList *l = conns; l; l = l->next)
    sip_conn_ref(l->data);
  for (GList *l = conns; l; l = l->next) {
    sip_conn *c = l->data;
    gboolean opening = c->state == SIP_CONN_CONNECTING || c->state == SIP_CONN_HANDSHAKING;
    if (opening && now_us - c->created_us > t->connect_timeout_us) {
      if (c->state == SIP_CONN_HANDSHAKING)
        t->stats.tls_handshake_failures++;
      sip_conn_close(c, -ETIMEDOUT, c->state == SIP_CONN_CONNECTING ? "connect timed out"
                                                                     : "TLS handshake timed out");
    } else if (c->state != SIP_CONN_CLOSED && now_us - c->last_activity_us > t->idle_timeout_us) {
      g_debug("closing idle %s connection with %s:%u", sip_transport_name(c->kind), c->peer.host,
              c->peer.port);
      sip_conn_close(c, c->out_len > 0 ? -ETIMEDOUT : 0, "idle timeout");
    }
  }
  g_list_free_full(conns, (GDestroyNotify)sip_conn_unref);
}

void sip_conn_shutdown(sip_conn *c) {
  if (c->state == SIP_CONN_OPEN) {
    /* Best effort, without blocking: what the socket takes now, then the
     * TLS close_notify. */
    if (c->out_len > 0 || c->tls_pending)
      (void)(c->tls ? sip_tls_conn_flush(c) : tcp_flush(c));
    if (c->tls)
      sip_tls_conn_bye(c);
    g_socket_shutdown(c->socket, FALSE, TRUE, NULL);
  }
  sip_conn_close(c, 0, NULL);
}
