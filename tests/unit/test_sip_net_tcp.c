/* TCP transport: framing across writes, several messages per write,
 * keep-alives, framing errors, bounded buffering, connection reuse,
 * refused connects, connection limits. Real sockets on 127.0.0.1. */
#include <errno.h>
#include <string.h>

#include "tests/unit/test_sip_net_util.h"

typedef struct {
  net_collector c;
  sip_transport *t;
  guint16 port;
} tcp_fixture;

static void fixture_set_up(tcp_fixture *f, gconstpointer data) {
  net_collector_init(&f->c);
  f->t = net_transport_new(SIP_TRANSPORT_TCP, "127.0.0.1", &f->c, NULL);
  f->port = sip_transport_local_port(f->t, SIP_TRANSPORT_TCP);
  g_assert_cmpuint(f->port, !=, 0);
}

static void fixture_tear_down(tcp_fixture *f, gconstpointer data) {
  sip_transport_free(f->t);
  net_collector_clear(&f->c);
}

static sip_transport_stats stats_of(sip_transport *t) {
  sip_transport_stats s;
  sip_transport_get_stats(t, &s);
  return s;
}

/* One message cut at every octet boundary, the two parts written
 * separately, the second only once the transport has read the first. */
static void test_split_every_boundary(tcp_fixture *f, gconstpointer data) {
  g_autoptr(GSocket) s = net_tcp_client("127.0.0.1", f->port);
  g_autofree char *msg = net_make_request(7, "v=0\r\n");
  gsize len = strlen(msg);
  guint64 total = 0;
  for (gsize cut = 1; cut < len; cut++) {
    net_write_all(s, msg, cut);
    total += cut;
    g_assert_true(net_wait_stat(f->t, NET_STAT(bytes_in), total));
    g_assert_cmpuint(f->c.messages->len, ==, cut - 1);
    net_write_all(s, msg + cut, len - cut);
    total += len - cut;
    g_assert_true(net_wait_messages(&f->c, (guint)cut));
    gsize got_len = 0;
    const char *got = net_message_text(&f->c, (guint)cut - 1, &got_len);
    g_assert_cmpmem(got, got_len, msg, len);
  }
  const sip_addr *from = &g_array_index(f->c.messages, net_received, 0).from;
  g_assert_cmpint(from->kind, ==, SIP_TRANSPORT_TCP);
  g_assert_cmpuint(from->connection_id, !=, 0);
  g_assert_cmpstr(from->host, ==, "127.0.0.1");
  sip_transport_stats st = stats_of(f->t);
  g_assert_cmpuint(st.connections_open, ==, 1);
  g_assert_cmpuint(st.connections_total, ==, 1);
  g_assert_cmpuint(st.framing_errors, ==, 0);
}

/* Several messages (and keep-alive CRLFs between them) in one write. */
static void test_several_in_one_write(tcp_fixture *f, gconstpointer data) {
  g_autoptr(GSocket) s = net_tcp_client("127.0.0.1", f->port);
  g_autoptr(GString) all = g_string_new(NULL);
  g_autofree char *m1 = net_make_request(1, NULL);
  g_autofree char *m2 = net_make_request(2, "body\r\n\r\nwith blank lines");
  g_autofree char *m3 = net_make_request(3, "x");
  g_string_append(all, m1);
  g_string_append(all, m2);
  g_string_append(all, "\r\n");
  g_string_append(all, m3);
  net_write_all(s, all->str, all->len);
  g_assert_true(net_wait_messages(&f->c, 3));
  const char *expected[] = { m1, m2, m3 };
  for (guint i = 0; i < 3; i++) {
    gsize len = 0;
    const char *got = net_message_text(&f->c, i, &len);
    g_assert_cmpmem(got, len, expected[i], strlen(expected[i]));
  }
}

/* CRLFCRLF ping -> CRLF pong (RFC 5626 §4.4.1). */
static void test_ping_pong(tcp_fixture *f, gconstpointer data) {
  g_autoptr(GSocket) s = net_tcp_client("127.0.0.1", f->port);
  net_write_all(s, "\r\n\r\n", 4);
  g_autoptr(GString) acc = g_string_new(NULL);
  g_assert_true(net_read_at_least(s, acc, 2));
  g_assert_cmpstr(acc->str, ==, "\r\n");
  g_assert_cmpuint(stats_of(f->t).keepalive_pings, ==, 1);
  g_assert_cmpuint(f->c.messages->len, ==, 0);
}

/* No Content-Length on a stream: the stream cannot be resynchronised. */
static void test_missing_content_length(tcp_fixture *f, gconstpointer data) {
  g_autoptr(GSocket) s = net_tcp_client("127.0.0.1", f->port);
  const char *msg = "OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
                    "Via: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK1\r\n"
                    "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n";
  net_write_all(s, msg, strlen(msg));
  g_assert_true(net_wait_closed(s));
  sip_transport_stats st = stats_of(f->t);
  g_assert_cmpuint(st.framing_errors, ==, 1);
  g_assert_cmpuint(st.connections_open, ==, 0);
  g_assert_cmpuint(f->c.messages->len, ==, 0);
}

/* A 10 MB header: refused once max_message octets came without an empty
 * line; the transport never reads (or holds) much more than that. */
static void test_huge_header(tcp_fixture *f, gconstpointer data) {
  g_autoptr(GSocket) s = net_tcp_client("127.0.0.1", f->port);
  const char *start = "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nX-Big: ";
  net_write_all(s, start, strlen(start));
  char chunk[16384];
  memset(chunk, 'a', sizeof chunk);
  gsize written = strlen(start);
  gboolean closed = FALSE;
  gint64 deadline = g_get_monotonic_time() + NET_TIMEOUT_MS * 1000;
  while (written < 10 * 1024 * 1024 && !closed && g_get_monotonic_time() < deadline) {
    g_autoptr(GError) error = NULL;
    gssize n = g_socket_send(s, chunk, sizeof chunk, NULL, &error);
    if (n > 0)
      written += (gsize)n;
    else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      g_main_context_iteration(NULL, TRUE);
    else
      closed = TRUE;   /* EPIPE / ECONNRESET: the transport closed */
    g_main_context_iteration(NULL, FALSE);
  }
  g_assert_true(net_wait_stat(f->t, NET_STAT(framing_errors), 1));
  sip_transport_stats st = stats_of(f->t);
  g_assert_cmpuint(st.connections_open, ==, 0);
  g_assert_cmpuint(st.bytes_in, <=, SIP_DEFAULT_MAX_MESSAGE + 16384);
  g_assert_cmpuint(f->c.messages->len, ==, 0);
}

/* RFC 3261 §18: a connection is reused for sends to its peer's host:port,
 * whichever side opened it. */
static void test_connection_reuse(tcp_fixture *f, gconstpointer data) {
  net_collector ca;
  net_collector_init(&ca);
  sip_transport *a = net_transport_new(SIP_TRANSPORT_TCP, "127.0.0.1", &ca, NULL);
  sip_addr to_b;
  g_assert_true(sip_addr_set(&to_b, SIP_TRANSPORT_TCP, "127.0.0.1", f->port, 0));
  g_autofree char *m1 = net_make_request(1, NULL);
  g_autoptr(GBytes) b1 = g_bytes_new(m1, strlen(m1));
  g_assert_cmpint(sip_transport_send(a, &to_b, b1, NULL), ==, 0);
  g_assert_cmpint(sip_transport_send(a, &to_b, b1, NULL), ==, 0);   /* queued on the same */
  g_assert_true(net_wait_messages(&f->c, 2));
  sip_addr from_a = g_array_index(f->c.messages, net_received, 0).from;
  g_assert_cmpuint(from_a.connection_id, ==,
                   g_array_index(f->c.messages, net_received, 1).from.connection_id);

  /* B answers to A's address without a connection id: the inbound one. */
  sip_addr back = from_a;
  back.connection_id = 0;
  g_autoptr(GBytes) reply = g_bytes_new_static("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", 37);
  g_assert_cmpint(sip_transport_send(f->t, &back, reply, NULL), ==, 0);
  /* And with the id. */
  g_assert_cmpint(sip_transport_send(f->t, &from_a, reply, NULL), ==, 0);
  g_assert_true(net_wait_messages(&ca, 2));
  guint64 a_conn = g_array_index(ca.messages, net_received, 0).from.connection_id;
  g_assert_cmpuint(a_conn, ==, g_array_index(ca.messages, net_received, 1).from.connection_id);
  g_assert_cmpuint(g_array_index(ca.messages, net_received, 0).from.port, ==, f->port);

  /* A sends again: same connection. */
  g_assert_cmpint(sip_transport_send(a, &to_b, b1, NULL), ==, 0);
  g_assert_true(net_wait_messages(&f->c, 3));
  g_assert_cmpuint(g_array_index(f->c.messages, net_received, 2).from.connection_id, ==,
                   from_a.connection_id);
  g_assert_cmpuint(stats_of(a).connections_total, ==, 1);
  g_assert_cmpuint(stats_of(f->t).connections_total, ==, 1);
  g_assert_cmpuint(stats_of(f->t).messages_out, ==, 2);

  /* Unknown connection ids are refused. */
  sip_addr gone = from_a;
  gone.connection_id = 9999;
  g_assert_cmpint(sip_transport_send(f->t, &gone, reply, NULL), ==, -ENOTCONN);

  /* A's transport goes away: B sees the connection close. */
  sip_transport_free(a);
  g_assert_true(net_wait_stat_below(f->t, NET_STAT(connections_open), 1));
  g_assert_cmpuint(f->c.errors->len, ==, 0);   /* nothing was queued */
  net_collector_clear(&ca);
}

static guint16 closed_port(void) {
  g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) a = g_inet_socket_address_new(lo, 0);
  g_assert_true(g_socket_bind(s, a, FALSE, NULL));
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(s, NULL);
  guint16 port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_socket_close(s, NULL);   /* bound, never listened: connects are refused */
  return port;
}

static void test_connect_refused(tcp_fixture *f, gconstpointer data) {
  sip_addr to;
  g_assert_true(sip_addr_set(&to, SIP_TRANSPORT_TCP, "127.0.0.1", closed_port(), 0));
  g_autoptr(GBytes) msg = g_bytes_new_static("x", 1);
  g_assert_cmpint(sip_transport_send(f->t, &to, msg, NULL), ==, 0);
  g_assert_true(net_wait_errors(&f->c, 1));
  net_error *e = &g_array_index(f->c.errors, net_error, 0);
  g_assert_cmpint(e->error, ==, -ECONNREFUSED);
  g_assert_cmpstr(e->to.host, ==, "127.0.0.1");
  g_assert_cmpuint(e->to.port, ==, to.port);
  g_assert_nonnull(e->reason);
  sip_transport_stats st = stats_of(f->t);
  g_assert_cmpuint(st.send_errors, ==, 1);
  g_assert_cmpuint(st.connections_open, ==, 0);
}

/* max_connections_per_address: the next connection is refused. */
static void test_limit_per_address(void) {
  net_collector c;
  net_collector_init(&c);
  sip_listen_spec spec = { SIP_TRANSPORT_TCP, "127.0.0.1", 0 };
  sip_transport_config config = { 0 };
  config.listen = &spec;
  config.n_listen = 1;
  config.max_connections_per_address = 2;
  config.callbacks = net_collector_callbacks(&c);
  g_autoptr(GError) error = NULL;
  sip_transport *t = sip_transport_new(&config, &error);
  g_assert_no_error(error);
  guint16 port = sip_transport_local_port(t, SIP_TRANSPORT_TCP);
  GSocket *s[3];
  for (guint i = 0; i < 3; i++)
    s[i] = net_tcp_client("127.0.0.1", port);
  g_assert_true(net_wait_stat(t, NET_STAT(connections_refused), 1));
  sip_transport_stats st = stats_of(t);
  g_assert_cmpuint(st.connections_open, ==, 2);
  g_assert_cmpuint(st.connections_total, ==, 2);
  /* An outgoing connection to the same address is over the limit too. */
  sip_addr to;
  g_assert_true(sip_addr_set(&to, SIP_TRANSPORT_TCP, "127.0.0.1", 9, 0));
  g_autoptr(GBytes) msg = g_bytes_new_static("x", 1);
  g_assert_cmpint(sip_transport_send(t, &to, msg, NULL), ==, -EMFILE);
  for (guint i = 0; i < 3; i++)
    g_object_unref(s[i]);
  sip_transport_free(t);
  net_collector_clear(&c);
}

/* The outgoing queue is capped: past max_queued the connection closes. */
static void test_queue_cap(void) {
  net_collector c;
  net_collector_init(&c);
  sip_transport_config config = { 0 };
  config.max_queued = 1000;
  config.callbacks = net_collector_callbacks(&c);
  sip_transport *t = sip_transport_new(&config, NULL);
  sip_addr to;
  g_assert_true(sip_addr_set(&to, SIP_TRANSPORT_TCP, "127.0.0.1", closed_port(), 0));
  g_autoptr(GBytes) msg = g_bytes_new_take(g_malloc0(600), 600);
  g_assert_cmpint(sip_transport_send(t, &to, msg, NULL), ==, 0);
  g_assert_cmpint(sip_transport_send(t, &to, msg, NULL), ==, -ENOBUFS);
  g_assert_cmpuint(stats_of(t).connections_open, ==, 0);
  sip_transport_free(t);
  g_assert_cmpuint(c.errors->len, ==, 0);   /* nothing after free */
  net_collector_clear(&c);
}

/* max_connections: overall limit, outgoing included. */
static void test_limit_total(void) {
  net_collector c;
  net_collector_init(&c);
  sip_listen_spec spec = { SIP_TRANSPORT_TCP, "127.0.0.1", 0 };
  sip_transport_config config = { 0 };
  config.listen = &spec;
  config.n_listen = 1;
  config.max_connections = 1;
  config.callbacks = net_collector_callbacks(&c);
  sip_transport *t = sip_transport_new(&config, NULL);
  guint16 port = sip_transport_local_port(t, SIP_TRANSPORT_TCP);
  g_autoptr(GSocket) s1 = net_tcp_client("127.0.0.1", port);
  g_autoptr(GSocket) s2 = net_tcp_client("127.0.0.1", port);
  g_assert_true(net_wait_stat(t, NET_STAT(connections_refused), 1));
  g_assert_true(net_wait_closed(s2));
  g_assert_cmpuint(stats_of(t).connections_open, ==, 1);
  sip_addr to;
  g_assert_true(sip_addr_set(&to, SIP_TRANSPORT_TCP, "192.0.2.1", 5060, 0));
  g_autoptr(GBytes) msg = g_bytes_new_static("x", 1);
  g_assert_cmpint(sip_transport_send(t, &to, msg, NULL), ==, -EMFILE);
  sip_transport_free(t);
  net_collector_clear(&c);
}

/* Idle connections are closed (no traffic either way for idle_timeout). */
static void test_idle_timeout(void) {
  net_collector c;
  net_collector_init(&c);
  sip_listen_spec spec = { SIP_TRANSPORT_TCP, "127.0.0.1", 0 };
  sip_transport_config config = { 0 };
  config.listen = &spec;
  config.n_listen = 1;
  config.idle_timeout_us = 200 * 1000;
  config.callbacks = net_collector_callbacks(&c);
  sip_transport *t = sip_transport_new(&config, NULL);
  g_autoptr(GSocket) s = net_tcp_client("127.0.0.1", sip_transport_local_port(t, SIP_TRANSPORT_TCP));
  g_assert_true(net_wait_stat(t, NET_STAT(connections_total), 1));
  g_assert_true(net_wait_closed(s));
  g_assert_cmpuint(stats_of(t).connections_open, ==, 0);
  g_assert_cmpuint(c.errors->len, ==, 0);
  sip_transport_free(t);
  net_collector_clear(&c);
}

/* Two transports over ::1: request one way, response back on the same
 * connection. */
static void test_ipv6(void) {
  net_collector ca, cb;
  net_collector_init(&ca);
  net_collector_init(&cb);
  sip_listen_spec spec = { SIP_TRANSPORT_TCP, "::1", 0 };
  sip_transport_config config = { 0 };
  config.listen = &spec;
  config.n_listen = 1;
  config.callbacks = net_collector_callbacks(&cb);
  g_autoptr(GError) error = NULL;
  sip_transport *b = sip_transport_new(&config, &error);
  if (!b) {
    g_test_skip("no IPv6 loopback");
    net_collector_clear(&ca);
    net_collector_clear(&cb);
    return;
  }
  sip_transport *a = net_transport_new(SIP_TRANSPORT_TCP, NULL, &ca, NULL);
  sip_addr to;
  g_assert_true(sip_addr_set(&to, SIP_TRANSPORT_TCP, "0:0::1",
                             sip_transport_local_port(b, SIP_TRANSPORT_TCP), 0));
  g_autofree char *m = net_make_request(1, NULL);
  g_autoptr(GBytes) bytes = g_bytes_new(m, strlen(m));
  g_assert_cmpint(sip_transport_send(a, &to, bytes, NULL), ==, 0);
  g_assert_true(net_wait_messages(&cb, 1));
  const sip_addr *from = &g_array_index(cb.messages, net_received, 0).from;
  g_assert_cmpstr(from->host, ==, "::1");
  g_autoptr(GBytes) reply = g_bytes_new_static("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", 37);
  g_assert_cmpint(sip_transport_send(b, from, reply, NULL), ==, 0);
  g_assert_true(net_wait_messages(&ca, 1));
  g_assert_cmpstr(g_array_index(ca.messages, net_received, 0).from.host, ==, "::1");
  /* "0:0::1" and "::1" are the same destination: the connection is reused. */
  sip_addr same;
  g_assert_true(sip_addr_set(&same, SIP_TRANSPORT_TCP, "::1", to.port, 0));
  g_assert_cmpint(sip_transport_send(a, &same, bytes, NULL), ==, 0);
  g_assert_true(net_wait_messages(&cb, 2));
  g_assert_cmpuint(stats_of(a).connections_total, ==, 1);
  sip_transport_free(a);
  sip_transport_free(b);
  net_collector_clear(&ca);
  net_collector_clear(&cb);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
  g_test_add(path, tcp_fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("/sip-net/tcp/split-every-boundary", test_split_every_boundary);
  ADD("/sip-net/tcp/several-in-one-write", test_several_in_one_write);
  ADD("/sip-net/tcp/ping-pong", test_ping_pong);
  ADD("/sip-net/tcp/missing-content-length", test_missing_content_length);
  ADD("/sip-net/tcp/huge-header", test_huge_header);
  ADD("/sip-net/tcp/connection-reuse", test_connection_reuse);
  ADD("/sip-net/tcp/connect-refused", test_connect_refused);
  g_test_add_func("/sip-net/tcp/limit-per-address", test_limit_per_address);
  g_test_add_func("/sip-net/tcp/queue-cap", test_queue_cap);
  g_test_add_func("/sip-net/tcp/limit-total", test_limit_total);
  g_test_add_func("/sip-net/tcp/idle-timeout", test_idle_timeout);
  g_test_add_func("/sip-net/tcp/ipv6", test_ipv6);
  return g_test_run();
}
