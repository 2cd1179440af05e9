/* ICE candidate attribute: real browser candidates of every type and
 * transport, mDNS and IPv6, both trickle forms, round trips, truncations
 * and malformed values. */
#include <errno.h>
#include <string.h>

#include "signalling/sdp/sdp_candidate.h"

static sdp_candidate *
parse(const char *text)
{
  sdp_candidate *c = NULL;
  const char *reason = NULL;
  if (sdp_candidate_parse(text, strlen(text), &c, &reason) != 0)
    g_error("%s: %s", text, reason);
  /* Every candidate that parses writes and parses back to itself. */
  g_autofree char *written = sdp_candidate_write(c);
  g_autoptr(sdp_candidate) again = NULL;
  g_assert_cmpint(sdp_candidate_parse(written, strlen(written), &again, &reason), ==, 0);
  g_assert_true(sdp_candidate_equal(c, again));
  return c;
}

static void
test_host_udp(void)
{
  g_autoptr(sdp_candidate) c =
    parse("candidate:4087517750 1 udp 2122194687 192.0.2.2 34534 typ host generation 0 network-id 1");
  g_assert_cmpstr(c->foundation, ==, "4087517750");
  g_assert_cmpuint(c->component, ==, 1);
  g_assert_cmpint(c->transport, ==, SDP_CANDIDATE_TRANSPORT_UDP);
  g_assert_cmpuint(c->priority, ==, 2122194687u);
  g_assert_cmpstr(c->address, ==, "192.0.2.2");
  g_assert_cmpint(c->address_kind, ==, SDP_CANDIDATE_ADDRESS_IPV4);
  g_assert_cmpuint(c->port, ==, 34534);
  g_assert_cmpint(c->type, ==, SDP_CANDIDATE_HOST);
  g_assert_null(c->raddr);
  g_assert_cmpint(c->rport, ==, -1);
  g_assert_cmpint(c->generation, ==, 0);
  g_assert_cmpint(c->network_id, ==, 1);
  g_assert_cmpint(c->network_cost, ==, -1);
  g_assert_cmpuint(c->extensions->len, ==, 0);
  g_autofree char *text = sdp_candidate_write(c);
  g_assert_cmpstr(text, ==, "candidate:4087517750 1 udp 2122194687 192.0.2.2 34534 typ host generation 0 network-id 1");
}

static void
test_forms(void)
{
  /* "a=candidate:" as some browsers trickle it, and trailing CRLF/space. */
  g_autoptr(sdp_candidate) a = parse("a=candidate:1 1 UDP 1 10.0.0.1 5000 typ host\r\n");
  g_autoptr(sdp_candidate) b = parse("  candidate:1 1 udp 1 10.0.0.1 5000 typ host  ");
  g_assert_true(sdp_candidate_equal(a, b));
  g_autoptr(sdp_candidate) v = NULL;
  const char *reason = NULL;
  const char *value = "1 1 udp 1 10.0.0.1 5000 typ host";
  g_assert_cmpint(sdp_candidate_parse_value(value, strlen(value), &v, &reason), ==, 0);
  g_assert_true(sdp_candidate_equal(a, v));
  g_autofree char *w = sdp_candidate_write_value(v);
  g_assert_cmpstr(w, ==, value);
}

static void
test_srflx_relay_prflx(void)
{
  g_autoptr(sdp_candidate) s = parse("candidate:842163049 1 udp 1677729535 198.51.100.7 61665 typ srflx "
                                     "raddr 192.168.1.5 rport 61665 generation 0 ufrag sF0R network-cost 50");
  g_assert_cmpint(s->type, ==, SDP_CANDIDATE_SRFLX);
  g_assert_cmpstr(s->raddr, ==, "192.168.1.5");
  g_assert_cmpint(s->rport, ==, 61665);
  g_assert_cmpstr(s->ufrag, ==, "sF0R");
  g_assert_cmpint(s->network_cost, ==, 50);

  g_autoptr(sdp_candidate) r = parse("candidate:3 1 udp 41885439 203.0.113.9 3478 typ relay raddr 198.51.100.7 rport 61665");
  g_assert_cmpint(r->type, ==, SDP_CANDIDATE_RELAY);

  g_autoptr(sdp_candidate) p = parse("candidate:4 2 UDP 1845501695 198.51.100.8 40000 typ prflx raddr 0.0.0.0 rport 0");
  g_assert_cmpint(p->type, ==, SDP_CANDIDATE_PRFLX);
  g_assert_cmpuint(p->component, ==, 2);
  g_assert_cmpint(p->rport, ==, 0);
}

static void
test_tcp(void)
{
  g_autoptr(sdp_candidate) a = parse("candidate:218646178 1 tcp 1518214911 192.0.2.2 9 typ host tcptype active generation 0 network-id 1");
  g_assert_cmpint(a->transport, ==, SDP_CANDIDATE_TRANSPORT_TCP);
  g_assert_cmpint(a->tcptype, ==, SDP_CANDIDATE_TCPTYPE_ACTIVE);
  g_assert_cmpuint(a->port, ==, 9);
  g_autoptr(sdp_candidate) p = parse("candidate:2 1 TCP 2105458943 10.0.0.2 9000 typ host tcptype passive");
  g_assert_cmpint(p->tcptype, ==, SDP_CANDIDATE_TCPTYPE_PASSIVE);
  g_autoptr(sdp_candidate) so = parse("candidate:2 1 tcp 2105458943 10.0.0.2 9000 typ host tcptype so");
  g_assert_cmpint(so->tcptype, ==, SDP_CANDIDATE_TCPTYPE_SO);
}

static void
test_mdns_ipv6(void)
{
  g_autoptr(sdp_candidate) m = parse("candidate:3680257732 1 udp 2113937151 10a6c140-b98f-4996-a04b-7739f0c4b59d.local 53203 typ host generation 0 network-cost 999");
  g_assert_cmpint(m->address_kind, ==, SDP_CANDIDATE_ADDRESS_MDNS);
  g_assert_cmpstr(m->address, ==, "10a6c140-b98f-4996-a04b-7739f0c4b59d.local");
  g_autoptr(sdp_candidate) up = parse("candidate:1 1 udp 1 ABC.LOCAL 1 typ host");
  g_assert_cmpint(up->address_kind, ==, SDP_CANDIDATE_ADDRESS_MDNS);
  g_autoptr(sdp_candidate) f = parse("candidate:1 1 udp 1 turn.example.com 1 typ relay");
  g_assert_cmpint(f->address_kind, ==, SDP_CANDIDATE_ADDRESS_FQDN);
  g_autoptr(sdp_candidate) v6 = parse("candidate:952390614 1 udp 2122265343 fd00::2 52563 typ host generation 0 network-id 2");
  g_assert_cmpint(v6->address_kind, ==, SDP_CANDIDATE_ADDRESS_IPV6);
  g_assert_cmpstr(v6->address, ==, "fd00::2");
  g_autoptr(sdp_candidate) v6r = parse("candidate:5 1 udp 1686052607 2001:db8::7 40000 typ srflx raddr fd00::2 rport 52563");
  g_assert_cmpstr(v6r->raddr, ==, "fd00::2");
}

static void
test_extensions(void)
{
  g_autoptr(sdp_candidate) c = parse("candidate:1 1 udp 1 10.0.0.1 5 typ host x-foo bar generation 3 x-baz 9");
  g_assert_cmpuint(c->extensions->len, ==, 2);
  g_assert_cmpstr(g_array_index(c->extensions, sdp_candidate_extension, 0).name, ==, "x-foo");
  g_assert_cmpstr(g_array_index(c->extensions, sdp_candidate_extension, 1).value, ==, "9");
  g_assert_cmpint(c->generation, ==, 3);
}

static void
test_truncated(void)
{
  const char *full = "candidate:842163049 1 udp 1677729535 198.51.100.7 61665 typ srflx raddr 192.168.1.5 rport 61665 tcptype x";
  const char *good = "a=candidate:842163049 1 tcp 1677729535 fd00::1 61665 typ srflx raddr 192.168.1.5 rport 61665 tcptype passive generation 0 ufrag abcd network-id 1 network-cost 10";
  const char *inputs[] = { full, good };
  for (guint k = 0; k < G_N_ELEMENTS(inputs); k++) {
    gsize n = strlen(inputs[k]);
    for (gsize len = 0; len <= n; len++) {
      g_autofree char *copy = g_memdup2(inputs[k], len ? len : 1);
      sdp_candidate *c = NULL;
      const char *reason = NULL;
      int rc = sdp_candidate_parse(copy, len, &c, &reason);
      if (rc == 0) {
        g_autofree char *w = sdp_candidate_write(c);
        sdp_candidate *again = NULL;
        g_assert_cmpint(sdp_candidate_parse(w, strlen(w), &again, &reason), ==, 0);
        g_assert_true(sdp_candidate_equal(c, again));
        sdp_candidate_free(again);
        sdp_candidate_free(c);
      } else {
        g_assert_null(c);
        g_assert_nonnull(reason);
      }
    }
  }
}

static void
test_malformed(void)
{
  static const struct {
    const char *text;
    int rc;
  } cases[] = {
    { "", -ENODATA },
    { " \r\n", -ENODATA },
    { "a=end-of-candidates", -ENODATA },
    { "end-of-candidates\r\n", -ENODATA },
    { "a=", -ENODATA },
    { "candidate", -EINVAL },
    { "candidate:", -EINVAL },
    { "cand:1 1 udp 1 10.0.0.1 5 typ host", -EINVAL },
    { "candidate:1", -EINVAL },
    { "candidate:1 0 udp 1 10.0.0.1 5 typ host", -ERANGE },
    { "candidate:1 257 udp 1 10.0.0.1 5 typ host", -ERANGE },
    { "candidate:1 x udp 1 10.0.0.1 5 typ host", -ERANGE },
    { "candidate:1 1 sctp 1 10.0.0.1 5 typ host", -ENOTSUP },
    { "candidate:1 1 udp 4294967296 10.0.0.1 5 typ host", -ERANGE },
    { "candidate:1 1 udp -1 10.0.0.1 5 typ host", -ERANGE },
    { "candidate:1 1 udp 1 10.0.0.256 5 typ host", -EINVAL },
    { "candidate:1 1 udp 1 bad!host 5 typ host", -EINVAL },
    { "candidate:1 1 udp 1 [fd00::1] 5 typ host", -EINVAL },
    { "candidate:1 1 udp 1 10.0.0.1 65536 typ host", -ERANGE },
    { "candidate:1 1 udp 1 10.0.0.1 5 type host", -EINVAL },
    { "candidate:1 1 udp 1 10.0.0.1 5 typ", -EINVAL },
    { "candidate:1 1 udp 1 10.0.0.1 5 typ nat", -EINVAL },
    { "candidate:1 1 udp 1 10.0.0.1 5 typ host raddr", -EINVAL },
    { "candidate:1 1 udp 1 10.0.0.1 5 typ host raddr !", -EINVAL },
    { "candidate:1 1 udp 1 10.0.0.1 5 typ host rport 70000", -ERANGE },
    { "candidate:1 1 udp 1 10.0.0.1 5 typ host generation x", -ERANGE },
    { "candidate:1 1 udp 1 10.0.0.1 5 typ host network-id -1", -ERANGE },
    { "candidate:1 1 udp 1 10.0.0.1 5 typ host network-cost 1.5", -ERANGE },
    { "candidate:1 1 udp 1 10.0.0.1 5 typ host tcptype active", -EINVAL },
    { "candidate:1 1 tcp 1 10.0.0.1 5 typ host", -EINVAL },
    { "candidate:1 1 tcp 1 10.0.0.1 5 typ host tcptype both", -EINVAL },
    { "candidate:f*o 1 udp 1 10.0.0.1 5 typ host", -EINVAL },
    { "candidate:123456789012345678901234567890123 1 udp 1 10.0.0.1 5 typ host", -EINVAL },
    { "candidate:1 1 udp 1 10.0.0.1 5 typ host\nx", -EINVAL },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    sdp_candidate *c = NULL;
    const char *reason = NULL;
    int rc = sdp_candidate_parse(cases[i].text, strlen(cases[i].text), &c, &reason);
    if (rc != cases[i].rc)
      g_error("case %u (%s): got %d (%s), want %d", i, cases[i].text, rc, reason, cases[i].rc);
    g_assert_null(c);
    g_assert_nonnull(reason);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp/candidate/host-udp", test_host_udp);
  g_test_add_func("/sdp/candidate/forms", test_forms);
  g_test_add_func("/sdp/candidate/srflx-relay-prflx", test_srflx_relay_prflx);
  g_test_add_func("/sdp/candidate/tcp", test_tcp);
  g_test_add_func("/sdp/candidate/mdns-ipv6", test_mdns_ipv6);
  g_test_add_func("/sdp/candidate/extensions", test_extensions);
  g_test_add_func("/sdp/candidate/truncated", test_truncated);
  g_test_add_func("/sdp/candidate/malformed", test_malformed);
  return g_test_run();
}
