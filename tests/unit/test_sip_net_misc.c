/* The [sip] listen syntax, bind errors, RFC 3263 resolution of IP literals
 * and /etc/hosts names (SRV needs a DNS server: not tested here). */
#include <errno.h>
#include <string.h>

#include "signalling/sip/net/sip_resolve.h"
#include "tests/unit/test_sip_net_util.h"

static void test_listen_parse_good(void) {
  g_autoptr(GArray) specs = g_array_new(FALSE, TRUE, sizeof(sip_listen_spec));
  const char *reason = NULL;
  g_assert_cmpint(sip_listen_parse("udp:127.0.0.1:5060, tcp:[::1]:5070,tls:0.0.0.0:5061 "
                                   " UDP:[::]  tls:10.0.0.1\ttcp:192.0.2.1:0",
                                   specs, &reason), ==, 0);
  g_assert_cmpuint(specs->len, ==, 6);
  struct {
    sip_transport_kind kind;
    const char *host;
    guint16 port;
  } expected[] = {
    { SIP_TRANSPORT_UDP, "127.0.0.1", 5060 }, { SIP_TRANSPORT_TCP, "::1", 5070 },
    { SIP_TRANSPORT_TLS, "0.0.0.0", 5061 },   { SIP_TRANSPORT_UDP, "::", 5060 },
    { SIP_TRANSPORT_TLS, "10.0.0.1", 5061 },  { SIP_TRANSPORT_TCP, "192.0.2.1", 0 },
  };
  for (guint i = 0; i < specs->len; i++) {
    const sip_listen_spec *s = &g_array_index(specs, sip_listen_spec, i);
    g_assert_cmpint(s->kind, ==, expected[i].kind);
    g_assert_cmpstr(s->host, ==, expected[i].host);
    g_assert_cmpuint(s->port, ==, expected[i].port);
  }
  sip_listen_specs_clear(specs);
  g_assert_cmpuint(specs->len, ==, 0);
}

static void test_listen_parse_errors(void) {
  const char *bad[] = {
    "",                       "  , ",
    "127.0.0.1:5060",         "sctp:127.0.0.1:5060",
    "udp:",                   "udp:pbx.example.com:5060",
    "udp:127.0.0.1:",         "udp:127.0.0.1:65536",
    "udp:127.0.0.1:50x",      "udp:127.0.0.1:-1",
    "tcp:::1:5060",           "tcp:[::1",
    "tcp:[::1]5060",          "tcp:[127.0.0.1]:5060",
    "udp:127.0.0.1:5060, tcp:bad", "tls:[::1]:123456",
  };
  g_autoptr(GArray) specs = g_array_new(FALSE, TRUE, sizeof(sip_listen_spec));
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    const char *reason = NULL;
    g_assert_cmpint(sip_listen_parse(bad[i], specs, &reason), ==, -EINVAL);
    g_assert_nonnull(reason);
    g_assert_cmpuint(specs->len, ==, 0);   /* nothing appended on error */
  }
  g_assert_cmpint(sip_listen_parse(NULL, specs, NULL), ==, -EINVAL);
  /* Every truncation of a good value parses or fails cleanly. */
  const char *good = "udp:127.0.0.1:5060, tcp:[::1]:5060, tls:127.0.0.1:5061";
  for (gsize n = 0; n <= strlen(good); n++) {
    g_autofree char *cut = g_strndup(good, n);
    const char *reason = NULL;
    if (sip_listen_parse(cut, specs, &reason) == 0)
      sip_listen_specs_clear(specs);
    else
      g_assert_nonnull(reason);
  }
}

static void bind_taken(sip_transport_kind kind, const char *prefix) {
  net_collector c;
  net_collector_init(&c);
  sip_transport *t = net_transport_new(kind, "127.0.0.1", &c, NULL);
  guint16 port = sip_transport_local_port(t, kind);
  sip_listen_spec spec = { kind, "127.0.0.1", port };
  sip_transport_config config = { 0 };
  config.listen = &spec;
  config.n_listen = 1;
  g_autoptr(GError) error = NULL;
  g_assert_null(sip_transport_new(&config, &error));
  g_assert_nonnull(error);
  g_autofree char *expected = g_strdup_printf("%s:127.0.0.1:%u: ", prefix, port);
  if (!g_str_has_prefix(error->message, expected))
    g_error("unexpected message: %s", error->message);
  g_assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE));
  sip_transport_free(t);
  net_collector_clear(&c);
}

static void test_bind_taken_udp(void) {
  bind_taken(SIP_TRANSPORT_UDP, "udp");
}

static void test_bind_taken_tcp(void) {
  bind_taken(SIP_TRANSPORT_TCP, "tcp");
}

/* Several listeners: the first of each kind gives local_port. */
static void test_several_listeners(void) {
  g_autoptr(GArray) specs = g_array_new(FALSE, TRUE, sizeof(sip_listen_spec));
  g_assert_cmpint(sip_listen_parse("udp:127.0.0.1:0 tcp:127.0.0.1:0 udp:[::1]:0", specs, NULL),
                  ==, 0);
  sip_transport_config config = { 0 };
  config.listen = (const sip_listen_spec *)specs->data;
  config.n_listen = specs->len;
  g_autoptr(GError) error = NULL;
  sip_transport *t = sip_transport_new(&config, &error);
  if (!t && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED)) {
    g_test_skip("no IPv6");
  } else {
    g_assert_no_error(error);
    g_assert_cmpuint(sip_transport_local_port(t, SIP_TRANSPORT_UDP), !=, 0);
    g_assert_cmpuint(sip_transport_local_port(t, SIP_TRANSPORT_TCP), !=, 0);
    g_assert_cmpstr(sip_transport_local_host(t, SIP_TRANSPORT_UDP), ==, "127.0.0.1");
    g_assert_cmpuint(sip_transport_local_port(t, SIP_TRANSPORT_TLS), ==, 0);
    sip_transport_free(t);
  }
  sip_listen_specs_clear(specs);
}

typedef struct {
  gboolean done;
  GArray *addrs;
  GError *error;
} resolve_result;

static void resolved(GArray *addrs, const GError *error, gpointer user_data) {
  resolve_result *r = user_data;
  g_assert_false(r->done);
  r->done = TRUE;
  r->addrs = addrs;
  r->error = error ? g_error_copy(error) : NULL;
}

static gboolean resolve_done(gpointer data) {
  return ((resolve_result *)data)->done;
}

static void resolve(const char *host, guint16 port, sip_transport_kind kind,
                    GCancellable *cancellable, resolve_result *r) {
  memset(r, 0, sizeof *r);
  sip_resolve_async(host, port, kind, cancellable, resolved, r);
  g_assert_false(r->done);   /* never from inside the call */
  g_assert_true(net_run_until(resolve_done, r, NET_TIMEOUT_MS));
}

static void resolve_result_clear(resolve_result *r) {
  if (r->addrs)
    g_array_unref(r->addrs);
  g_clear_error(&r->error);
}

static void test_resolve_literals(void) {
  struct {
    const char *host;
    guint16 port;
    sip_transport_kind kind;
    const char *want_host;
    guint16 want_port;
    sip_transport_kind want_kind;
  } cases[] = {
    { "192.0.2.7", 0, SIP_RESOLVE_ANY_TRANSPORT, "192.0.2.7", 5060, SIP_TRANSPORT_UDP },
    { "192.0.2.7", 5080, SIP_TRANSPORT_TCP, "192.0.2.7", 5080, SIP_TRANSPORT_TCP },
    { "192.0.2.7", 0, SIP_TRANSPORT_TLS, "192.0.2.7", 5061, SIP_TRANSPORT_TLS },
    { "[2001:db8::1]", 0, SIP_TRANSPORT_UDP, "2001:db8::1", 5060, SIP_TRANSPORT_UDP },
    { "2001:db8:0:0::1", 5999, SIP_TRANSPORT_TLS, "2001:db8::1", 5999, SIP_TRANSPORT_TLS },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    resolve_result r;
    resolve(cases[i].host, cases[i].port, cases[i].kind, NULL, &r);
    g_assert_no_error(r.error);
    g_assert_cmpuint(r.addrs->len, ==, 1);
    sip_addr *a = &g_array_index(r.addrs, sip_addr, 0);
    g_assert_cmpstr(a->host, ==, cases[i].want_host);
    g_assert_cmpuint(a->port, ==, cases[i].want_port);
    g_assert_cmpint(a->kind, ==, cases[i].want_kind);
    g_assert_cmpuint(a->connection_id, ==, 0);
    resolve_result_clear(&r);
  }
}

static void test_resolve_localhost(void) {
  resolve_result r;
  resolve("localhost", 5070, SIP_TRANSPORT_TCP, NULL, &r);
  g_assert_no_error(r.error);
  g_assert_cmpuint(r.addrs->len, >=, 1);
  for (guint i = 0; i < r.addrs->len; i++) {
    sip_addr *a = &g_array_index(r.addrs, sip_addr, i);
    g_assert_true(strcmp(a->host, "127.0.0.1") == 0 || strcmp(a->host, "::1") == 0);
    g_assert_cmpuint(a->port, ==, 5070);
    g_assert_cmpint(a->kind, ==, SIP_TRANSPORT_TCP);
  }
  resolve_result_clear(&r);
}

static void test_resolve_errors(void) {
  resolve_result r;
  resolve("bad:name", 5060, SIP_TRANSPORT_UDP, NULL, &r);
  g_assert_null(r.addrs);
  g_assert_nonnull(r.error);
  resolve_result_clear(&r);
  resolve("localhost", 5060, (sip_transport_kind)7, NULL, &r);
  g_assert_null(r.addrs);
  g_assert_nonnull(r.error);
  resolve_result_clear(&r);
  /* Cancelled before it started: one callback with G_IO_ERROR_CANCELLED. */
  g_autoptr(GCancellable) cancellable = g_cancellable_new();
  g_cancellable_cancel(cancellable);
  resolve("localhost", 5060, SIP_TRANSPORT_UDP, cancellable, &r);
  g_assert_null(r.addrs);
  g_assert_error(r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  resolve_result_clear(&r);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip-net/listen/parse-good", test_listen_parse_good);
  g_test_add_func("/sip-net/listen/parse-errors", test_listen_parse_errors);
  g_test_add_func("/sip-net/listen/bind-taken-udp", test_bind_taken_udp);
  g_test_add_func("/sip-net/listen/bind-taken-tcp", test_bind_taken_tcp);
  g_test_add_func("/sip-net/listen/several", test_several_listeners);
  g_test_add_func("/sip-net/resolve/literals", test_resolve_literals);
  g_test_add_func("/sip-net/resolve/localhost", test_resolve_localhost);
  g_test_add_func("/sip-net/resolve/errors", test_resolve_errors);
  return g_test_run();
}
