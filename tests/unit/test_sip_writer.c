/* The writer: build → parse → same fields, and responses built from
 * received requests (RFC 3261 §8.2.6). */
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_writer.h"
#include "tests/unit/testutil.h"

static void
assert_slice(sip_slice s, const char *expected)
{
  g_autofree char *got = sip_slice_dup(s);
  g_assert_cmpstr(got, ==, expected);
}

static void
parse_ok(sip_message *msg, GString *text)
{
  sip_error err = { 0 };
  if (sip_message_parse(msg, text->str, text->len, SIP_FRAMING_STREAM, NULL, &err) < 0)
    g_error("parse: %s\n%s", err.reason, text->str);
  if (sip_message_validate(msg, NULL, &err) < 0)
    g_error("validate: %s\n%s", err.reason, text->str);
}

static void
test_request_round_trip(void)
{
  g_autoptr(GString) out = g_string_new(NULL);
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_message_ids ids;
  sip_name_addr na;
  const char *sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
                    "m=audio 4000 RTP/AVP 0\r\n";
  guint mf;

  sip_write_request_line(out, "INVITE", "sip:bob@example.com;transport=tcp");
  sip_write_header(out, "Via", "SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bKr0und;rport");
  sip_write_header(out, "Max-Forwards", "70");
  sip_write_header(out, "From", "\"Browser \\\"1\\\"\" <sip:webrtc@gw.example.com>;tag=ft1");
  sip_write_header(out, "To", "<sip:bob@example.com>");
  sip_write_header_printf(out, "Call-ID", "%s@%s", "c4ll", "gw.example.com");
  sip_write_header_printf(out, "CSeq", "%u %s", 4294967295u, "INVITE");
  sip_write_header(out, "Contact", "<sip:gw@[2001:db8::1]:5060;transport=tcp>;expires=60");
  sip_write_header(out, "Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS");
  sip_write_finish(out, "application/sdp", sdp, strlen(sdp));

  parse_ok(&msg, out);
  g_assert_cmpint(msg.method_id, ==, SIP_METHOD_INVITE);
  assert_slice(msg.request_uri, "sip:bob@example.com;transport=tcp");
  g_assert_cmpint(sip_message_get_ids(&msg, &ids, NULL), ==, 0);
  assert_slice(ids.top_via.branch, "z9hG4bKr0und");
  assert_slice(ids.top_via.host, "2001:db8::1");
  g_assert_cmpuint(ids.top_via.port, ==, 5060);
  assert_slice(ids.call_id, "c4ll@gw.example.com");
  g_assert_cmpuint(ids.cseq.number, ==, 4294967295u);
  assert_slice(ids.from_tag, "ft1");
  g_assert_cmpint(sip_message_from(&msg, &na, NULL), ==, 0);
  {
    g_autoptr(GString) dn = g_string_new(NULL);
    sip_name_addr_display(&na, dn);
    g_assert_cmpstr(dn->str, ==, "Browser \"1\"");
  }
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_CONTACT, 0, &na, NULL), ==, 0);
  g_assert_cmpint(na.expires, ==, 60);
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_ALLOW), ==, 5);
  g_assert_cmpint(sip_message_max_forwards(&msg, &mf, NULL), ==, 0);
  g_assert_cmpuint(mf, ==, 70);
  g_assert_cmpuint(msg.body.len, ==, strlen(sdp));
  g_assert_cmpmem(msg.body.p, msg.body.len, sdp, strlen(sdp));
  assert_slice(sip_message_header(&msg, SIP_HDR_CONTENT_TYPE)->value, "application/sdp");
}

static void
test_response_to(void)
{
  g_auto(sip_message) req = SIP_MESSAGE_INIT;
  g_auto(sip_message) resp = SIP_MESSAGE_INIT;
  g_autoptr(GBytes) b = testutil_load("sip/baresip-invite.sip");
  g_autoptr(GString) out = g_string_new(NULL);
  sip_message_ids rq, rs;

  g_assert_cmpint(sip_message_parse_bytes(&req, b, SIP_FRAMING_DATAGRAM, NULL, NULL), ==, 0);
  g_assert_cmpint(sip_write_response_to(out, &req, 180, NULL, "totag1"), ==, 0);
  sip_write_header(out, "Contact", "<sip:gw@127.0.0.1:5060>");
  sip_write_finish(out, NULL, NULL, 0);
  g_assert_true(g_str_has_prefix(out->str, "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;"));
  parse_ok(&resp, out);
  g_assert_cmpint(sip_message_get_ids(&req, &rq, NULL), ==, 0);
  g_assert_cmpint(sip_message_get_ids(&resp, &rs, NULL), ==, 0);
  g_assert_true(sip_slice_caseeq_slice(rq.top_via.branch, rs.top_via.branch));
  g_assert_true(sip_slice_caseeq_slice(rq.call_id, rs.call_id));
  g_assert_true(sip_slice_caseeq_slice(rq.from_tag, rs.from_tag));
  g_assert_cmpuint(rs.cseq.number, ==, rq.cseq.number);
  g_assert_cmpint(rs.method, ==, SIP_METHOD_INVITE);
  assert_slice(rs.to_tag, "totag1");
  g_assert_cmpuint(resp.status, ==, 180);
  g_assert_cmpuint(resp.body.len, ==, 0);
}

static void
test_response_keeps_tag_and_all_vias(void)
{
  /* wsinv: three folded Via values, a To that already has a tag. */
  g_auto(sip_message) req = SIP_MESSAGE_INIT;
  g_auto(sip_message) resp = SIP_MESSAGE_INIT;
  g_autoptr(GBytes) b = testutil_load("rfc4475/wsinv.dat");
  g_autoptr(GString) out = g_string_new(NULL);
  sip_via a, c;
  sip_name_addr to;

  g_assert_cmpint(sip_message_parse_bytes(&req, b, SIP_FRAMING_DATAGRAM, NULL, NULL), ==, 0);
  g_assert_cmpint(sip_write_response_to(out, &req, 200, "Fine", "ignored"), ==, 0);
  sip_write_finish(out, NULL, NULL, 0);
  parse_ok(&resp, out);
  assert_slice(resp.reason, "Fine");
  g_assert_cmpuint(sip_message_header_count(&resp, SIP_HDR_VIA), ==, 3);
  for (guint i = 0; i < 3; i++) {
    g_assert_cmpint(sip_message_via(&req, i, &a, NULL), ==, 0);
    g_assert_cmpint(sip_message_via(&resp, i, &c, NULL), ==, 0);
    g_assert_true(sip_slice_caseeq_slice(a.branch, c.branch));
    g_assert_true(sip_slice_caseeq_slice(a.host, c.host));
  }
  g_assert_cmpint(sip_message_to(&resp, &to, NULL), ==, 0);
  assert_slice(to.tag, "1918181833n");
  /* Folded values were written on one line. */
  g_assert_null(strstr(out->str, "\r\n "));
}

static void
test_response_to_broken_request(void)
{
  /* insuf lacks From, To, Call-ID: the 400 copies what is there. */
  g_auto(sip_message) req = SIP_MESSAGE_INIT;
  g_auto(sip_message) resp = SIP_MESSAGE_INIT;
  g_autoptr(GBytes) b = testutil_load("rfc4475/insuf.dat");
  g_autoptr(GString) out = g_string_new(NULL);
  sip_error err;

  g_assert_cmpint(sip_message_parse_bytes(&req, b, SIP_FRAMING_DATAGRAM, NULL, NULL), ==, 0);
  g_assert_cmpint(sip_message_validate(&req, NULL, &err), <, 0);
  g_assert_cmpint(sip_write_response_to(out, &req, err.status, err.reason, "t"), ==, 0);
  sip_write_finish(out, NULL, NULL, 0);
  g_assert_cmpint(sip_message_parse(&resp, out->str, out->len, SIP_FRAMING_STREAM, NULL, &err), ==, 0);
  g_assert_cmpuint(resp.status, ==, 400);
  g_assert_nonnull(sip_message_header(&resp, SIP_HDR_VIA));
  g_assert_nonnull(sip_message_header(&resp, SIP_HDR_CSEQ));
  /* A response cannot be answered. */
  g_assert_cmpint(sip_write_response_to(out, &resp, 200, NULL, NULL), ==, -EINVAL);
}

static void
test_injection(void)
{
  g_autoptr(GString) out = g_string_new(NULL);
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err;

  sip_write_status_line(out, 200, "OK\r\nX-Evil: 1");
  sip_write_header(out, "Subject", "hello\r\nVia: SIP/2.0/UDP evil");
  sip_write_finish(out, NULL, NULL, 0);
  g_assert_cmpint(sip_message_parse(&msg, out->str, out->len, SIP_FRAMING_STREAM, NULL, &err), ==, 0);
  g_assert_null(sip_message_header(&msg, SIP_HDR_VIA));
  g_assert_null(sip_message_header_by_name(&msg, "X-Evil"));
  assert_slice(sip_message_header(&msg, SIP_HDR_SUBJECT)->value, "hello Via: SIP/2.0/UDP evil");
}

static void
test_reason_phrases(void)
{
  g_assert_cmpstr(sip_reason_phrase(100), ==, "Trying");
  g_assert_cmpstr(sip_reason_phrase(416), ==, "Unsupported URI Scheme");
  g_assert_cmpstr(sip_reason_phrase(420), ==, "Bad Extension");
  g_assert_cmpstr(sip_reason_phrase(505), ==, "Version Not Supported");
  g_assert_cmpstr(sip_reason_phrase(513), ==, "Message Too Large");
  g_assert_cmpstr(sip_reason_phrase(499), ==, "Client Error");
}

/* RFC 3581 §4 and RFC 3261 §18.2.1: received and rport in the top Via. */
static void
test_response_from_source(void)
{
  static const struct {
    const char *via;
    const char *want;
  } cases[] = {
    { "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport",
      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;received=198.51.100.7;rport=40000\r\n" },
    { "SIP/2.0/UDP 198.51.100.7:5060;rport;branch=z9hG4bK2",
      "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK2;received=198.51.100.7;rport=40000\r\n" },
    { "SIP/2.0/UDP pc.example.com;branch=z9hG4bK3",
      "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bK3;received=198.51.100.7\r\n" },
    { "SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK4",
      "Via: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK4\r\n" },
    { "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK5;received=10.0.0.1;rport=1",
      "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK5;received=198.51.100.7;rport=40000\r\n" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *text = g_strdup_printf(
      "OPTIONS sip:gw@198.51.100.1 SIP/2.0\r\nVia: %s\r\nVia: SIP/2.0/UDP 10.1.1.1;branch=z9hG4bKup\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:gw@c>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
      cases[i].via);
    g_auto(sip_message) msg = SIP_MESSAGE_INIT;
    sip_error err;
    g_assert_cmpint(sip_message_parse(&msg, text, strlen(text), SIP_FRAMING_DATAGRAM, NULL, &err), ==, 0);
    g_autoptr(GString) out = g_string_new(NULL);
    g_assert_cmpint(sip_write_response_from(out, &msg, 200, NULL, "t", "198.51.100.7", 40000), ==, 0);
    g_assert_nonnull(strstr(out->str, cases[i].want));
    /* Only the top Via is touched. */
    g_assert_nonnull(strstr(out->str, "Via: SIP/2.0/UDP 10.1.1.1;branch=z9hG4bKup\r\n"));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip/writer/request-round-trip", test_request_round_trip);
  g_test_add_func("/sip/writer/response-to", test_response_to);
  g_test_add_func("/sip/writer/response-keeps-tag", test_response_keeps_tag_and_all_vias);
  g_test_add_func("/sip/writer/response-to-broken", test_response_to_broken_request);
  g_test_add_func("/sip/writer/injection", test_injection);
  g_test_add_func("/sip/writer/reason-phrases", test_reason_phrases);
  g_test_add_func("/sip/writer/response-from-source", test_response_from_source);
  return g_test_run();
}
