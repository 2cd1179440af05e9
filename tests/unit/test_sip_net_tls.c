/* TLS transport: a server with a generated identity, clients with a
 * pinned fingerprint (right and wrong), and with verify=TRUE against the
 * self-signed certificate. Real sockets on 127.0.0.1. */
#include <errno.h>
#include <string.h>

#include "tests/unit/test_sip_net_util.h"

typedef struct {
  identity *id;
  net_collector cs, cc;
  sip_transport *server, *client;
  sip_addr to;
} tls_fixture;

static void fixture_set_up(tls_fixture *f, gconstpointer data) {
  g_autoptr(GError) error = NULL;
  f->id = identity_generate(g_get_real_time() / G_USEC_PER_SEC, 3600, &error);
  g_assert_no_error(error);
  net_collector_init(&f->cs);
  net_collector_init(&f->cc);
  f->server = net_transport_new(SIP_TRANSPORT_TLS, "127.0.0.1", &f->cs, f->id);
  f->client = net_transport_new(SIP_TRANSPORT_TLS, NULL, &f->cc, NULL);
  g_assert_true(sip_addr_set(&f->to, SIP_TRANSPORT_TLS, "127.0.0.1",
                             sip_transport_local_port(f->server, SIP_TRANSPORT_TLS), 0));
}

static void fixture_tear_down(tls_fixture *f, gconstpointer data) {
  sip_transport_free(f->client);
  sip_transport_free(f->server);
  net_collector_clear(&f->cs);
  net_collector_clear(&f->cc);
  identity_unref(f->id);
}

static sip_transport_stats stats_of(sip_transport *t) {
  sip_transport_stats s;
  sip_transport_get_stats(t, &s);
  return s;
}

static void exchange(tls_fixture *f, const sip_tls_client_policy *policy) {
  g_autofree char *m1 = net_make_request(1, "over TLS");
  g_autofree char *m2 = net_make_request(2, NULL);
  g_autoptr(GBytes) b1 = g_bytes_new(m1, strlen(m1));
  g_autoptr(GBytes) b2 = g_bytes_new(m2, strlen(m2));
  g_assert_cmpint(sip_transport_send(f->client, &f->to, b1, policy), ==, 0);
  g_assert_cmpint(sip_transport_send(f->client, &f->to, b2, policy), ==, 0);
  g_assert_true(net_wait_messages(&f->cs, 2));
  gsize len = 0;
  const char *got = net_message_text(&f->cs, 0, &len);
  g_assert_cmpmem(got, len, m1, strlen(m1));
  got = net_message_text(&f->cs, 1, &len);
  g_assert_cmpmem(got, len, m2, strlen(m2));
  const sip_addr *from = &g_array_index(f->cs.messages, net_received, 0).from;
  g_assert_cmpint(from->kind, ==, SIP_TRANSPORT_TLS);
  g_assert_cmpuint(from->connection_id, !=, 0);

  /* The other way, on the same connection. */
  g_autoptr(GBytes) reply = g_bytes_new_static("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", 37);
  g_assert_cmpint(sip_transport_send(f->server, from, reply, NULL), ==, 0);
  g_assert_true(net_wait_messages(&f->cc, 1));
  got = net_message_text(&f->cc, 0, &len);
  g_assert_cmpmem(got, len, g_bytes_get_data(reply, NULL), 37);
  g_assert_cmpint(g_array_index(f->cc.messages, net_received, 0).from.kind, ==,
                  SIP_TRANSPORT_TLS);
  g_assert_cmpuint(f->cc.errors->len, ==, 0);
  g_assert_cmpuint(stats_of(f->client).tls_handshake_failures, ==, 0);
  g_assert_cmpuint(stats_of(f->server).tls_handshake_failures, ==, 0);
  g_assert_cmpuint(stats_of(f->client).connections_total, ==, 1);
}

static void test_pinned_sha256(tls_fixture *f, gconstpointer data) {
  sip_tls_client_policy policy = { FALSE, NULL, identity_fingerprint(f->id) };
  exchange(f, &policy);
}

static void test_pinned_sha1_and_keepalive(tls_fixture *f, gconstpointer data) {
  fingerprint fp;
  identity_fingerprint_with(f->id, FINGERPRINT_HASH_SHA1, &fp);
  /* verify=TRUE is overridden by the pin: no CA check. */
  sip_tls_client_policy policy = { TRUE, "sip.example.com", &fp };
  exchange(f, &policy);
  /* A keep-alive ping over TLS is answered (the client counts no message). */
  g_autoptr(GBytes) ping = g_bytes_new_static("\r\n\r\n", 4);
  const sip_addr *from = &g_array_index(f->cc.messages, net_received, 0).from;
  g_assert_cmpint(sip_transport_send(f->client, from, ping, NULL), ==, 0);
  g_assert_true(net_wait_stat(f->server, NET_STAT(keepalive_pings), 1));
}

static void expect_failure(tls_fixture *f, const sip_tls_client_policy *policy) {
  g_autofree char *m1 = net_make_request(1, NULL);
  g_autoptr(GBytes) b1 = g_bytes_new(m1, strlen(m1));
  g_assert_cmpint(sip_transport_send(f->client, &f->to, b1, policy), ==, 0);
  g_assert_true(net_wait_errors(&f->cc, 1));
  net_error *e = &g_array_index(f->cc.errors, net_error, 0);
  g_assert_cmpint(e->error, ==, -EPROTO);
  g_assert_cmpuint(e->to.port, ==, f->to.port);
  g_assert_nonnull(e->reason);
  g_assert_cmpuint(stats_of(f->client).tls_handshake_failures, ==, 1);
  g_assert_cmpuint(stats_of(f->client).connections_open, ==, 0);
  /* The server sees the handshake fail too, and delivers nothing. */
  g_assert_true(net_wait_stat(f->server, NET_STAT(tls_handshake_failures), 1));
  g_assert_cmpuint(f->cs.messages->len, ==, 0);
}

static void test_wrong_pin(tls_fixture *f, gconstpointer data) {
  fingerprint wrong = *identity_fingerprint(f->id);
  wrong.digest[0] ^= 0x01;
  sip_tls_client_policy policy = { FALSE, NULL, &wrong };
  expect_failure(f, &policy);
}

static void test_verify_self_signed(tls_fixture *f, gconstpointer data) {
  sip_tls_client_policy policy = { TRUE, NULL, NULL };
  expect_failure(f, &policy);
}

static void test_default_policy_verifies(tls_fixture *f, gconstpointer data) {
  expect_failure(f, NULL);
}

/* verify = FALSE without a pin: accepted, with one warning for the
 * operator. Run in a subprocess where warnings are not fatal. */
static void test_no_verification(void) {
  if (g_test_subprocess()) {
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    tls_fixture f;
    fixture_set_up(&f, NULL);
    sip_tls_client_policy policy = { FALSE, NULL, NULL };
    exchange(&f, &policy);
    fixture_tear_down(&f, NULL);
    return;
  }
  g_test_trap_subprocess(NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*without any certificate check*");
}

/* A server that accepts TCP but never speaks TLS: the handshake times out
 * (connect_timeout_us) and is reported. */
static void test_handshake_timeout(void) {
  g_autoptr(GSocket) mute = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                         G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  g_assert_true(g_socket_bind(mute, any, TRUE, NULL));
  g_assert_true(g_socket_listen(mute, NULL));   /* the kernel completes connects */
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(mute, NULL);
  net_collector c;
  net_collector_init(&c);
  sip_transport_config config = { 0 };
  config.connect_timeout_us = 200 * 1000;
  config.callbacks = net_collector_callbacks(&c);
  sip_transport *t = sip_transport_new(&config, NULL);
  sip_addr to;
  g_assert_true(sip_addr_set(&to, SIP_TRANSPORT_TLS, "127.0.0.1",
                             g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)), 0));
  g_autoptr(GBytes) msg = g_bytes_new_static("x", 1);
  g_assert_cmpint(sip_transport_send(t, &to, msg, NULL), ==, 0);
  g_assert_true(net_wait_errors(&c, 1));
  net_error *e = &g_array_index(c.errors, net_error, 0);
  g_assert_cmpint(e->error, ==, -ETIMEDOUT);
  g_assert_cmpuint(stats_of(t).tls_handshake_failures, ==, 1);
  g_assert_cmpuint(stats_of(t).connections_open, ==, 0);
  sip_transport_free(t);
  net_collector_clear(&c);
}

/* A TLS listener without an identity is a configuration error. */
static void test_listener_needs_identity(void) {
  sip_listen_spec spec = { SIP_TRANSPORT_TLS, "127.0.0.1", 0 };
  sip_transport_config config = { 0 };
  config.listen = &spec;
  config.n_listen = 1;
  g_autoptr(GError) error = NULL;
  g_assert_null(sip_transport_new(&config, &error));
  g_assert_nonnull(error);
  g_assert_true(g_str_has_prefix(error->message, "tls:127.0.0.1:0: "));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
  g_test_add(path, tls_fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("/sip-net/tls/pinned-sha256", test_pinned_sha256);
  ADD("/sip-net/tls/pinned-sha1-keepalive", test_pinned_sha1_and_keepalive);
  ADD("/sip-net/tls/wrong-pin", test_wrong_pin);
  ADD("/sip-net/tls/verify-self-signed", test_verify_self_signed);
  ADD("/sip-net/tls/default-policy-verifies", test_default_policy_verifies);
  g_test_add_func("/sip-net/tls/no-verification", test_no_verification);
  g_test_add_func("/sip-net/tls/handshake-timeout", test_handshake_timeout);
  g_test_add_func("/sip-net/tls/listener-needs-identity", test_listener_needs_identity);
  return g_test_run();
}
