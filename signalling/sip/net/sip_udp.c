/* UDP: one socket per listen spec; each datagram is one message (RFC 3261
 * §18.1); replies leave from the listening socket of the destination's
 * family so that the peer sees our Via port (RFC 3581). */
#define G_LOG_DOMAIN "rtc2sip-sip-net"
#include "signalling/sip/net/sip_transport_private.h"

#include <errno.h>
#include <netinet/in.h>

/* Datagrams read per dispatch before giving other sources a turn. */
#define UDP_BATCH 64

static gboolean only_crlf(const guint8 *data, gsize len) {
  for (gsize i = 0; i < len; i++)
    if (data[i] != '\r' && data[i] != '\n')
      return FALSE;
  return TRUE;
}

static gboolean udp_readable(GSocket *socket, GIOCondition condition, gpointer data) {
  sip_transport_listener *l = data;
  sip_transport *t = l->transport;
  for (int n = 0; n < UDP_BATCH; n++) {
    g_autoptr(GSocketAddress) from_address = NULL;
    g_autoptr(GError) error = NULL;
    gssize len = g_socket_receive_from(socket, &from_address, (char *)t->dgram_buf, 65535, NULL,
                                       &error);
    if (len < 0) {
      if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_debug("UDP receive on %s:%u: %s", l->host, l->port, error->message);
      break;
    }
    t->stats.datagrams_in++;
    t->stats.bytes_in += (guint64)len;
    if (len == 0 || only_crlf(t->dgram_buf, (gsize)len)) {
      /* RFC 5626 §4.4.1 keep-alives on UDP are STUN; CRLF ones are dropped. */
      if (len > 0)
        t->stats.keepalive_pings++;
      t->stats.dropped++;
      continue;
    }
    sip_addr from;
    if (!sip_transport_socket_address(from_address, &from, SIP_TRANSPORT_UDP)) {
      t->stats.dropped++;
      continue;
    }
    g_autoptr(GBytes) message = g_bytes_new(t->dgram_buf, (gsize)len);
    sip_transport_deliver(t, &from, message);
  }
  return G_SOURCE_CONTINUE;
}

int sip_udp_listener_start(sip_transport_listener *l, GError **error) {
  g_autoptr(GInetAddress) ip = sip_transport_parse_ip(l->host);
  if (!ip) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "not an IP address");
    return -EINVAL;
  }
  l->family = g_inet_address_get_family(ip);
  l->socket = g_socket_new(l->family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (!l->socket)
    return -EIO;
  g_socket_set_blocking(l->socket, FALSE);
  if (l->family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option(l->socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, NULL);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new(ip, l->port);
  /* No SO_REUSEADDR: on UDP it would let two processes share the port. */
  if (!g_socket_bind(l->socket, address, FALSE, error))
    return -EADDRINUSE;
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(l->socket, error);
  if (!bound)
    return -EIO;
  l->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  l->source = g_socket_create_source(l->socket, G_IO_IN, NULL);
  g_source_set_callback(l->source, G_SOURCE_FUNC(udp_readable), l, NULL);
  g_source_attach(l->source, l->transport->context);
  return 0;
}

int sip_udp_send(sip_transport *t, const sip_addr *to, GBytes *data) {
  g_autoptr(GInetAddress) ip = sip_transport_parse_ip(to->host);
  if (!ip || to->port == 0)
    return -EINVAL;
  GSocketFamily family = g_inet_address_get_family(ip);
  sip_transport_listener *l = NULL;
  for (guint i = 0; i < t->listeners->len && !l; i++) {
    sip_transport_listener *cand = g_ptr_array_index(t->listeners, i);
    if (cand->kind == SIP_TRANSPORT_UDP && cand->family == family)
      l = cand;
  }
  if (!l)
    return -EAFNOSUPPORT;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new(ip, to->port);
  gsize len = 0;
  const char *bytes = g_bytes_get_data(data, &len);
  g_autoptr(GError) error = NULL;
  gssize sent = g_socket_send_to(l->socket, address, bytes, len, NULL, &error);
  if (sent < 0) {
    t->stats.send_errors++;
    g_debug("UDP send to %s:%u: %s", to->host, to->port, error->message);
    return sip_transport_errno(error);
  }
  t->stats.datagrams_out++;
  t->stats.messages_out++;
  t->stats.bytes_out += (guint64)sent;
  return 0;
}
