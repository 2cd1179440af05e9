/* UDP transport: real sockets on 127.0.0.1 and ::1, a plain GSocket peer. */
#include <errno.h>
#include <string.h>

#include "tests/unit/test_sip_net_util.h"

static GSocket *udp_peer(const char *host, guint16 *port) {
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(host);
  g_autoptr(GError) error = NULL;
  GSocket *s = g_socket_new(g_inet_address_get_family(ip), G_SOCKET_TYPE_DATAGRAM,
                            G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error(error);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(ip, 0);
  g_socket_bind(s, any, FALSE, &error);
  g_assert_no_error(error);
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(s, &error);
  *port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_socket_set_timeout(s, 5);   /* bounds the blocking receives below */
  return s;
}

static void peer_send(GSocket *s, const char *host, guint16 port, const char *data, gsize len) {
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(host);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new(ip, port);
  g_autoptr(GError) error = NULL;
  g_assert_cmpint(g_socket_send_to(s, to, data, len, NULL, &error), ==, (gssize)len);
  g_assert_no_error(error);
}

static void round_trip(const char *host) {
  net_collector c;
  net_collector_init(&c);
  sip_transport *t = net_transport_new(SIP_TRANSPORT_UDP, host, &c, NULL);
  guint16 port = sip_transport_local_port(t, SIP_TRANSPORT_UDP);
  g_assert_cmpuint(port, !=, 0);
  g_assert_cmpstr(sip_transport_local_host(t, SIP_TRANSPORT_UDP), ==, host);
  g_assert_cmpuint(sip_transport_local_port(t, SIP_TRANSPORT_TCP), ==, 0);
  g_assert_null(sip_transport_local_host(t, SIP_TRANSPORT_TLS));

  guint16 peer_port = 0;
  g_autoptr(GSocket) peer = udp_peer(host, &peer_port);
  g_autofree char *request = net_make_request(1, "hello");
  /* Keep-alives first: a double and a single CRLF, both dropped. */
  peer_send(peer, host, port, "\r\n\r\n", 4);
  peer_send(peer, host, port, "\r\n", 2);
  peer_send(peer, host, port, request, strlen(request));
  g_assert_true(net_wait_messages(&c, 1));
  gsize len = 0;
  const char *got = net_message_text(&c, 0, &len);
  g_assert_cmpmem(got, len, request, strlen(request));
  const sip_addr *from = &g_array_index(c.messages, net_received, 0).from;
  g_assert_cmpint(from->kind, ==, SIP_TRANSPORT_UDP);
  g_assert_cmpstr(from->host, ==, host);
  g_assert_cmpuint(from->port, ==, peer_port);
  g_assert_cmpuint(from->connection_id, ==, 0);

  /* The reply leaves from the listening socket (RFC 3581). */
  g_autofree char *reply = g_strdup("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  g_autoptr(GBytes) bytes = g_bytes_new(reply, strlen(reply));
  g_assert_cmpint(sip_transport_send(t, from, bytes, NULL), ==, 0);
  char buf[2048];
  GSocketAddress *src = NULL;
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_receive_from(peer, &src, buf, sizeof buf, NULL, &error);
  g_assert_no_error(error);
  g_autoptr(GSocketAddress) src_owned = src;
  g_assert_cmpmem(buf, n, reply, strlen(reply));
  g_assert_cmpuint(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(src)), ==, port);

  sip_transport_stats stats;
  sip_transport_get_stats(t, &stats);
  g_assert_cmpuint(stats.datagrams_in, ==, 3);
  g_assert_cmpuint(stats.messages_in, ==, 1);
  g_assert_cmpuint(stats.keepalive_pings, ==, 2);
  g_assert_cmpuint(stats.dropped, ==, 2);
  g_assert_cmpuint(stats.datagrams_out, ==, 1);
  g_assert_cmpuint(stats.messages_out, ==, 1);
  g_assert_cmpuint(stats.bytes_out, ==, strlen(reply));
  g_assert_cmpuint(stats.bytes_in, ==, 6 + strlen(request));
  sip_transport_free(t);
  net_collector_clear(&c);
}

static void test_udp_round_trip_v4(void) {
  round_trip("127.0.0.1");
}

static gboolean have_ipv6(void) {
  g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM,
                                      G_SOCKET_PROTOCOL_UDP, NULL);
  if (!s)
    return FALSE;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) a = g_inet_socket_address_new(lo, 0);
  return g_socket_bind(s, a, FALSE, NULL);
}

static void test_udp_round_trip_v6(void) {
  if (!have_ipv6()) {
    g_test_skip("no IPv6 loopback");
    return;
  }
  round_trip("::1");
}

/* Two transports talk to each other; a send to a family without a
 * listener and to a bad address fail at once. */
static void test_udp_two_transports(void) {
  net_collector ca, cb;
  net_collector_init(&ca);
  net_collector_init(&cb);
  sip_transport *a = net_transport_new(SIP_TRANSPORT_UDP, "127.0.0.1", &ca, NULL);
  sip_transport *b = net_transport_new(SIP_TRANSPORT_UDP, "127.0.0.1", &cb, NULL);
  sip_addr to;
  g_assert_true(sip_addr_set(&to, SIP_TRANSPORT_UDP, "127.0.0.1",
                             sip_transport_local_port(b, SIP_TRANSPORT_UDP), 0));
  for (guint i = 0; i < 5; i++) {
    g_autofree char *request = net_make_request(i, NULL);
    g_autoptr(GBytes) bytes = g_bytes_new(request, strlen(request));
    g_assert_cmpint(sip_transport_send(a, &to, bytes, NULL), ==, 0);
  }
  g_assert_true(net_wait_messages(&cb, 5));
  const sip_addr *from = &g_array_index(cb.messages, net_received, 0).from;
  g_assert_cmpuint(from->port, ==, sip_transport_local_port(a, SIP_TRANSPORT_UDP));
  g_autoptr(GBytes) reply = g_bytes_new_static("SIP/2.0 200 OK\r\n\r\n", 18);
  g_assert_cmpint(sip_transport_send(b, from, reply, NULL), ==, 0);
  g_assert_true(net_wait_messages(&ca, 1));

  sip_addr v6;
  g_assert_true(sip_addr_set(&v6, SIP_TRANSPORT_UDP, "::1", 5060, 0));
  g_assert_cmpint(sip_transport_send(a, &v6, reply, NULL), ==, -EAFNOSUPPORT);
  sip_addr bad;
  g_assert_true(sip_addr_set(&bad, SIP_TRANSPORT_UDP, "pbx.example.com", 5060, 0));
  g_assert_cmpint(sip_transport_send(a, &bad, reply, NULL), ==, -EINVAL);
  sip_transport_free(a);
  sip_transport_free(b);
  net_collector_clear(&ca);
  net_collector_clear(&cb);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip-net/udp/round-trip-v4", test_udp_round_trip_v4);
  g_test_add_func("/sip-net/udp/round-trip-v6", test_udp_round_trip_v6);
  g_test_add_func("/sip-net/udp/two-transports", test_udp_two_transports);
  return g_test_run();
}
