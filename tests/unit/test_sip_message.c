/* SIP message layer on realistic messages (baresip, sipp, a PBX's 401,
 * IPv6, tel: and compact forms in tests/data/sip/), the limits, URIs, and
 * every truncated length of each message. */
#include <errno.h>
#include <string.h>

#include "signalling/sip/sip_framer.h"
#include "tests/unit/testutil.h"

static const char *const supported[] = { "100rel", "replaces", "timer", NULL };

static const char *const real_files[] = {
  "sip/baresip-invite.sip", "sip/sipp-uac-invite.sip", "sip/sipp-200ok.sip",
  "sip/baresip-register.sip", "sip/register-401.sip", "sip/register-auth.sip",
  "sip/ipv6-options.sip", "sip/tel-invite.sip",
};

static void
assert_slice(sip_slice s, const char *expected)
{
  g_autofree char *got = sip_slice_dup(s);
  g_assert_cmpstr(got, ==, expected);
}

/* Parses and validates a file of tests/data; MSG keeps the bytes. */
static void
load_valid(const char *file, sip_message *msg)
{
  g_autoptr(GBytes) b = testutil_load(file);
  sip_error err = { 0 };
  if (sip_message_parse_bytes(msg, b, SIP_FRAMING_STREAM, NULL, &err) < 0)
    g_error("%s: parse: %s", file, err.reason);
  if (sip_message_validate(msg, supported, &err) < 0)
    g_error("%s: validate: %s", file, err.reason);
}

static void
test_all_valid(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(real_files); i++) {
    g_auto(sip_message) msg = SIP_MESSAGE_INIT;
    load_valid(real_files[i], &msg);
    g_assert_cmpuint(msg.len, ==, msg.buf_len);
  }
}

static void
test_baresip_invite(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_message_ids ids;
  sip_name_addr na;
  sip_uri uri;

  load_valid("sip/baresip-invite.sip", &msg);
  g_assert_true(msg.is_request);
  g_assert_cmpint(msg.method_id, ==, SIP_METHOD_INVITE);
  g_assert_cmpint(sip_message_request_uri_parse(&msg, &uri, NULL), ==, 0);
  g_assert_cmpint(uri.scheme, ==, SIP_URI_SIP);
  assert_slice(uri.user, "bob");
  assert_slice(uri.host, "127.0.0.1");
  g_assert_cmpuint(uri.port, ==, 5060);

  g_assert_cmpint(sip_message_get_ids(&msg, &ids, NULL), ==, 0);
  assert_slice(ids.top_via.branch, "z9hG4bK8d2a6f4c1b7e39a0");
  assert_slice(ids.top_via.sent_by, "127.0.0.1:5062");
  assert_slice(ids.top_via.transport, "UDP");
  g_assert_true(ids.top_via.has_rport);
  g_assert_cmpint(ids.top_via.rport, ==, -1);
  g_assert_cmpint(ids.method, ==, SIP_METHOD_INVITE);
  g_assert_cmpuint(ids.cseq.number, ==, 17045);
  assert_slice(ids.call_id, "7c3d1e9f0a2b4c68");
  assert_slice(ids.from_tag, "f1c3e7a9b2d45e60");
  g_assert_cmpuint(ids.to_tag.len, ==, 0);

  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_CONTACT, 0, &na, NULL), ==, 0);
  g_assert_true(sip_uri_param(&na.uri, "transport", NULL));
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_ALLOW), ==, 11);
  g_assert_true(sip_message_has_token(&msg, SIP_HDR_ALLOW, "REFER"));
  g_assert_false(sip_message_has_token(&msg, SIP_HDR_ALLOW, "refer"));
  g_assert_true(sip_message_has_token(&msg, SIP_HDR_SUPPORTED, "Replaces"));
  {
    sip_slice ct;
    g_assert_cmpint(sip_message_content_type(&msg, &ct, NULL), ==, 0);
    assert_slice(ct, "application/sdp");
  }
  g_assert_true(msg.has_content_length);
  g_assert_cmpuint(msg.body.len, ==, msg.content_length);
  g_assert_true(g_str_has_prefix(msg.body.p, "v=0\r\n"));
}

static void
test_sipp_200(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_message_ids ids;
  sip_name_addr na;

  load_valid("sip/sipp-200ok.sip", &msg);
  g_assert_false(msg.is_request);
  g_assert_cmpuint(msg.status, ==, 200);
  assert_slice(msg.reason, "OK");
  g_assert_cmpint(sip_message_get_ids(&msg, &ids, NULL), ==, 0);
  g_assert_cmpint(ids.method, ==, SIP_METHOD_INVITE);
  assert_slice(ids.to_tag, "29812SIPpTag011");
  assert_slice(ids.top_via.received, "127.0.0.1");
  g_assert_cmpint(ids.top_via.rport, ==, 5061);
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_RECORD_ROUTE), ==, 2);
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_RECORD_ROUTE, 0, &na, NULL), ==, 0);
  g_assert_true(sip_uri_param(&na.uri, "lr", NULL));
  g_assert_cmpuint(na.uri.port, ==, 5070);
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_RECORD_ROUTE, 1, &na, NULL), ==, 0);
  assert_slice(na.uri.host, "10.0.0.1");
  g_assert_cmpuint(na.uri.user.len, ==, 0);
}

static void
test_register(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_name_addr na;
  sip_slice v;
  guint32 expires;
  sip_via via;

  load_valid("sip/baresip-register.sip", &msg);
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_CONTACT, 0, &na, NULL), ==, 0);
  g_assert_cmpint(na.expires, ==, 3600);
  g_assert_true(sip_params_get(na.params, "+sip.instance", &v));
  assert_slice(v, "\"<urn:uuid:2f1d54c7-9c41-4d0e-8f54-2f1d9c4a7b11>\"");
  g_assert_true(sip_params_get(na.params, "reg-id", &v));
  assert_slice(v, "1");
  g_assert_cmpint(sip_message_expires(&msg, &expires, NULL), ==, 0);
  g_assert_cmpuint(expires, ==, 3600);
  g_assert_cmpint(sip_message_via(&msg, 0, &via, NULL), ==, 0);
  g_assert_true(sip_params_get(via.params, "alias", NULL));
  assert_slice(via.transport, "TCP");
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_SUPPORTED), ==, 4);
  sip_message_clear(&msg);

  /* The 401: each WWW-Authenticate stays whole, commas and all. */
  load_valid("sip/register-401.sip", &msg);
  g_assert_cmpuint(msg.status, ==, 401);
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_WWW_AUTHENTICATE), ==, 2);
  g_assert_true(g_str_has_prefix(sip_message_header(&msg, SIP_HDR_WWW_AUTHENTICATE)->value.p,
                                 "Digest algorithm=SHA-256, realm=\"asterisk\""));
  {
    g_autofree char *www = sip_slice_dup(sip_message_header(&msg, SIP_HDR_WWW_AUTHENTICATE)->value);
    g_assert_true(g_str_has_suffix(www, "qop=\"auth\""));
  }
  g_assert_cmpint(sip_message_via(&msg, 0, &via, NULL), ==, 0);
  g_assert_cmpint(via.rport, ==, 49152);
  assert_slice(via.received, "198.51.100.7");
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_ALLOW), ==, 11);
  sip_message_clear(&msg);

  load_valid("sip/register-auth.sip", &msg);
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_AUTHORIZATION), ==, 1);
}

static void
test_ipv6(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_uri uri;
  sip_via via;
  sip_name_addr na;

  load_valid("sip/ipv6-options.sip", &msg);
  g_assert_cmpint(sip_message_request_uri_parse(&msg, &uri, NULL), ==, 0);
  g_assert_true(uri.host_ipv6);
  assert_slice(uri.host, "2001:db8::20");
  g_assert_cmpuint(uri.port, ==, 5070);
  g_assert_cmpint(sip_message_via(&msg, 0, &via, NULL), ==, 0);
  g_assert_true(via.host_ipv6);
  assert_slice(via.host, "2001:db8::10");
  assert_slice(via.sent_by, "[2001:db8::10]:5062");
  g_assert_cmpint(via.rport, ==, 5062);
  assert_slice(via.received, "[2001:db8::10]");
  g_assert_cmpint(sip_message_via(&msg, 1, &via, NULL), ==, 0);
  assert_slice(via.sent_by, "[2001:db8::1]");
  g_assert_false(via.has_port);
  assert_slice(via.maddr, "[ff02::1]");
  g_assert_cmpint(via.ttl, ==, 1);
  g_assert_cmpint(sip_message_from(&msg, &na, NULL), ==, 0);
  g_assert_cmpint(na.uri.scheme, ==, SIP_URI_SIPS);
  g_assert_true(na.uri.host_ipv6);
  g_assert_cmpint(sip_message_name_addr(&msg, SIP_HDR_ROUTE, 0, &na, NULL), ==, 0);
  assert_slice(na.uri.host, "2001:db8::99");
}

static void
test_tel_compact(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_uri uri;
  sip_slice v;
  sip_name_addr na;

  load_valid("sip/tel-invite.sip", &msg);
  g_assert_cmpint(sip_message_request_uri_parse(&msg, &uri, NULL), ==, 0);
  g_assert_cmpint(uri.scheme, ==, SIP_URI_TEL);
  assert_slice(uri.user, "+1-201-555-0123");
  g_assert_true(sip_uri_param(&uri, "phone-context", &v));
  assert_slice(v, "example.com");
  g_assert_cmpint(sip_message_to(&msg, &na, NULL), ==, 0);
  g_assert_cmpint(na.uri.scheme, ==, SIP_URI_TEL);
  /* Compact forms map to their headers. */
  g_assert_nonnull(sip_message_header(&msg, SIP_HDR_VIA));
  g_assert_nonnull(sip_message_header(&msg, SIP_HDR_CALL_ID));
  g_assert_nonnull(sip_message_header(&msg, SIP_HDR_CONTACT));
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_SUPPORTED), ==, 2);
  g_assert_true(sip_message_has_token(&msg, SIP_HDR_SUPPORTED, "timer"));
  assert_slice(sip_message_header(&msg, SIP_HDR_SESSION_EXPIRES)->value, "1800;refresher=uac");
  assert_slice(sip_message_header(&msg, SIP_HDR_EVENT)->value, "dialog");
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_ALLOW_EVENTS), ==, 2);
  assert_slice(sip_message_header(&msg, SIP_HDR_CONTENT_ENCODING)->value, "gzip");
  assert_slice(sip_message_header(&msg, SIP_HDR_CONTENT_LENGTH)->name, "Content-Length");
  g_assert_cmpuint(msg.body.len, ==, 0);
}

static void
test_header_names(void)
{
  static const struct { const char *name; sip_hdr_id id; } names[] = {
    { "i", SIP_HDR_CALL_ID }, { "m", SIP_HDR_CONTACT }, { "f", SIP_HDR_FROM },
    { "t", SIP_HDR_TO }, { "V", SIP_HDR_VIA }, { "l", SIP_HDR_CONTENT_LENGTH },
    { "c", SIP_HDR_CONTENT_TYPE }, { "k", SIP_HDR_SUPPORTED }, { "s", SIP_HDR_SUBJECT },
    { "e", SIP_HDR_CONTENT_ENCODING }, { "o", SIP_HDR_EVENT }, { "u", SIP_HDR_ALLOW_EVENTS },
    { "r", SIP_HDR_REFER_TO }, { "x", SIP_HDR_SESSION_EXPIRES }, { "b", SIP_HDR_REFERRED_BY },
    { "CALL-id", SIP_HDR_CALL_ID }, { "www-authenticate", SIP_HDR_WWW_AUTHENTICATE },
    { "q", SIP_HDR_OTHER }, { "X-Custom", SIP_HDR_OTHER },
  };
  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    g_assert_cmpint(sip_hdr_lookup(sip_slice_make(names[i].name, strlen(names[i].name))), ==,
                    names[i].id);
  g_assert_false(sip_hdr_is_list(SIP_HDR_WWW_AUTHENTICATE));
  g_assert_false(sip_hdr_is_list(SIP_HDR_AUTHORIZATION));
  g_assert_false(sip_hdr_is_list(SIP_HDR_DATE));
  g_assert_false(sip_hdr_is_list(SIP_HDR_OTHER));
  g_assert_true(sip_hdr_is_list(SIP_HDR_VIA));
  g_assert_cmpstr(sip_hdr_name(SIP_HDR_CALL_ID), ==, "Call-ID");
}

static void
test_uris(void)
{
  static const struct { const char *uri; int ok; const char *user, *host; int port; } uris[] = {
    { "sip:alice@example.com", 0, "alice", "example.com", -1 },
    { "sips:alice:secret@example.com:5061;transport=tcp?subject=hi", 0, "alice", "example.com", 5061 },
    { "sip:example.com", 0, "", "example.com", -1 },
    { "sip:[::1]:5060", 0, "", "::1", 5060 },
    { "SIP:Bob@Example.COM", 0, "Bob", "Example.COM", -1 },
    { "tel:+358-555-1234567;postd=pp22", 0, "+358-555-1234567", "", -1 },
    { "sip:alice@example.com:65536", -EBADMSG, NULL, NULL, 0 },
    { "sip:alice@example.com:", -EBADMSG, NULL, NULL, 0 },
    { "sip:@example.com", -EBADMSG, NULL, NULL, 0 },
    { "sip:alice@", -EBADMSG, NULL, NULL, 0 },
    { "sip:[::1", -EBADMSG, NULL, NULL, 0 },
    { "sip:a%4@example.com", -EBADMSG, NULL, NULL, 0 },
    { "sip:alice@exa mple.com", -EBADMSG, NULL, NULL, 0 },
    { "sip:alice@example.com;;", -EBADMSG, NULL, NULL, 0 },
    { "sip:alice@host<x", -EBADMSG, NULL, NULL, 0 },
    { "tel:", -EBADMSG, NULL, NULL, 0 },
    { "tel:12 34", -EBADMSG, NULL, NULL, 0 },
    { "1sip:x", -EBADMSG, NULL, NULL, 0 },
    { "mailto:x@example.com", 0, NULL, NULL, 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(uris); i++) {
    sip_uri u;
    const char *why = NULL;
    int r = sip_uri_parse(sip_slice_make(uris[i].uri, strlen(uris[i].uri)), &u, &why);
    g_test_message("%s", uris[i].uri);
    g_assert_cmpint(r, ==, uris[i].ok);
    if (r < 0) {
      g_assert_nonnull(why);
      continue;
    }
    if (uris[i].user)
      assert_slice(u.user, uris[i].user);
    if (uris[i].host && u.scheme != SIP_URI_TEL)
      assert_slice(u.host, uris[i].host);
    if (uris[i].port >= 0 && uris[i].user) {
      g_assert_true(u.has_port);
      g_assert_cmpint(u.port, ==, uris[i].port);
    }
  }
  {
    sip_uri u;
    const char *t = "sips:alice:secret@example.com:5061;transport=tcp;lr?subject=hi&x=y";
    g_assert_cmpint(sip_uri_parse(sip_slice_make(t, strlen(t)), &u, NULL), ==, 0);
    assert_slice(u.password, "secret");
    assert_slice(u.params, ";transport=tcp;lr");
    assert_slice(u.headers, "subject=hi&x=y");
  }
}

static int
parse_text(sip_message *msg, const char *text, sip_framing framing, const sip_limits *lim,
           sip_error *err)
{
  return sip_message_parse(msg, text, strlen(text), framing, lim, err);
}

#define BASE_HEADERS \
  "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKabc\r\n" \
  "From: <sip:a@example.com>;tag=1\r\n" \
  "To: <sip:b@example.com>\r\n" \
  "Call-ID: x@y\r\n"

static void
test_parse_errors(void)
{
  static const struct { const char *text; int code; guint status; } bad[] = {
    { "", -EBADMSG, 400 },
    { "\r\n\r\n", -EBADMSG, 400 },
    { "INVITE sip:b@example.com SIP/2.0", -EBADMSG, 400 },
    { "INVITE sip:b@example.com SIP/2.0\r\n" BASE_HEADERS, -EBADMSG, 400 },
    { "INVITE sip:b@example.com SIP/2.0\r\n: empty name\r\n\r\n", -EBADMSG, 400 },
    { "INVITE sip:b@example.com SIP/2.0\r\nNoColon\r\n\r\n", -EBADMSG, 400 },
    { "INVITE sip:b@example.com SIP/2.0\r\n folded first\r\n\r\n", -EBADMSG, 400 },
    { "INVITE sip:b@example.com SIP/2.0\r\nX: a\rb\r\n\r\n", -EBADMSG, 400 },
    { "INV(TE sip:b@example.com SIP/2.0\r\n\r\n", -EBADMSG, 400 },
    { "INVITE sip:b@example.com SIP/2\r\n\r\n", -EBADMSG, 400 },
    { "INVITE sip:b@example.com SIP/2.1\r\n\r\n", -EPROTONOSUPPORT, 505 },
    { "INVITE sip:b@example.com HTTP/1.1\r\n\r\n", -EBADMSG, 400 },
    { "INVITE example.com SIP/2.0\r\n\r\n", -EBADMSG, 400 },
    { "SIP/2.0 99 Low\r\n\r\n", -EBADMSG, 0 },
    { "SIP/2.0 700 High\r\n\r\n", -EBADMSG, 0 },
    { "SIP/2.0 20x OK\r\n\r\n", -EBADMSG, 0 },
    { "SIP/2.0 200OK\r\n\r\n", -EBADMSG, 0 },
    { "SIP/3.0 200 OK\r\n\r\n", -EPROTONOSUPPORT, 0 },
    { "SIP/2.0 200 OK\r\nContent-Length: 5\r\n\r\nabc", -EBADMSG, 0 },
    { "OPTIONS sip:b@example.com SIP/2.0\r\nl: 1x\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:b@example.com SIP/2.0\r\nl: +1\r\n\r\nx", -EBADMSG, 400 },
    { "OPTIONS sip:b@example.com SIP/2.0\r\nl: 99999999999999999999999\r\n\r\n", -EMSGSIZE, 413 },
    { "OPTIONS sip:b@example.com SIP/2.0\r\nl: 70000\r\n\r\n", -EMSGSIZE, 413 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_auto(sip_message) msg = SIP_MESSAGE_INIT;
    sip_error err = { 0 };
    g_test_message("case %u", i);
    g_assert_cmpint(parse_text(&msg, bad[i].text, SIP_FRAMING_DATAGRAM, NULL, &err), ==, bad[i].code);
    g_assert_cmpint(err.code, ==, bad[i].code);
    g_assert_cmpuint(err.status, ==, bad[i].status);
    g_assert_nonnull(err.reason);
  }
}

static void
test_tolerated(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err;
  sip_via via;
  sip_cseq cseq;

  /* Leading CRLFs are skipped; bare LF line ends and folds are read. */
  g_assert_cmpint(parse_text(&msg, "\r\n\r\nOPTIONS sip:b@example.com SIP/2.0\n"
                             "Via: SIP/2.0/UDP\n  192.0.2.1;branch=z9hG4bKabc\n"
                             "From: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\n"
                             "Call-ID: x@y\nCSeq: 1\n\tOPTIONS\nl: 0\n\n",
                             SIP_FRAMING_STREAM, NULL, &err), ==, 0);
  g_assert_cmpint(sip_message_validate(&msg, NULL, &err), ==, 0);
  g_assert_cmpint(sip_message_via(&msg, 0, &via, NULL), ==, 0);
  assert_slice(via.host, "192.0.2.1");
  g_assert_cmpint(sip_message_cseq(&msg, &cseq, NULL), ==, 0);
  assert_slice(cseq.method, "OPTIONS");
  /* Two equal Content-Length values are not a conflict. */
  g_assert_cmpint(parse_text(&msg, "SIP/2.0 200 OK\r\nl: 2\r\nContent-Length: 2\r\n\r\nab",
                             SIP_FRAMING_STREAM, NULL, &err), ==, 0);
  assert_slice(msg.body, "ab");
}

static void
test_validation(void)
{
  static const struct { const char *text; int code; guint status; } cases[] = {
    { "REGISTER sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 REGISTER\r\nContact: *\r\nExpires: 0\r\n\r\n", 0, 0 },
    { "REGISTER sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 REGISTER\r\nContact: *, <sip:a@b>\r\n\r\n", -EBADMSG, 400 },
    { "INVITE sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 INVITE\r\nContact: *\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 OPTIONS\r\nMax-Forwards: 256\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 OPTIONS\r\nMax-Forwards: 1\r\nMax-Forwards: 1\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 options\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: OPTIONS\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 4294967296 OPTIONS\r\n\r\n", -ERANGE, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 4294967295 OPTIONS\r\n\r\n", 0, 0 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 OPTIONS\r\nRequire: timer, 100rel\r\n\r\n", 0, 0 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 OPTIONS\r\nRequire: foo\r\n\r\n", -ENOTSUP, 420 },
    { "ACK sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 ACK\r\nRequire: foo\r\n\r\n", 0, 0 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 OPTIONS\r\nExpires: soon\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 OPTIONS\r\nExpires: 99999999999\r\n\r\n", 0, 0 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 OPTIONS\r\nRoute: sip:proxy;lr\r\n\r\n", 0, 0 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 OPTIONS\r\nRoute: <sip:proxy;lr\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 OPTIONS\r\nVia: SIP/2.0/UDP\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/3.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n", -EPROTONOSUPPORT, 505 },
    { "OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;rport=0\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;ttl=256\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h:99999\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n", -EBADMSG, 400 },
    { "OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: \r\nCSeq: 1 OPTIONS\r\n\r\n", -EBADMSG, 400 },
    { "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCSeq: 1 INVITE\r\n\r\n", -ENOENT, 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_auto(sip_message) msg = SIP_MESSAGE_INIT;
    sip_error err = { 0 };
    g_test_message("case %u", i);
    g_assert_cmpint(parse_text(&msg, cases[i].text, SIP_FRAMING_DATAGRAM, NULL, &err), ==, 0);
    g_assert_cmpint(sip_message_validate(&msg, supported, &err), ==, cases[i].code);
    g_assert_cmpuint(err.status, ==, cases[i].status);
    if (cases[i].code)
      g_assert_nonnull(err.reason);
  }
}

static void
test_limits(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err;
  g_autoptr(GString) s = g_string_new("OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 OPTIONS\r\n");
  gsize base = s->len;
  sip_limits lim = SIP_LIMITS_DEFAULT;

  /* Header count: list values count one each. */
  for (guint i = 0; i < 130; i++)
    g_string_append(s, "Supported: a, b\r\n");
  g_string_append(s, "\r\n");
  g_assert_cmpint(sip_message_parse(&msg, s->str, s->len, SIP_FRAMING_DATAGRAM, NULL, &err), ==, -E2BIG);
  g_assert_cmpuint(err.status, ==, 400);
  lim.max_headers = 1000;   /* capped at SIP_MESSAGE_MAX_HEADERS */
  g_assert_cmpint(sip_message_parse(&msg, s->str, s->len, SIP_FRAMING_DATAGRAM, &lim, &err), ==, -E2BIG);

  /* Line length, including folded lines. */
  g_string_truncate(s, base);
  g_string_append(s, "X-Long: ");
  for (guint i = 0; i < 9000; i++)
    g_string_append_c(s, 'a');
  g_string_append(s, "\r\n\r\n");
  g_assert_cmpint(sip_message_parse(&msg, s->str, s->len, SIP_FRAMING_DATAGRAM, NULL, &err), ==, -EMSGSIZE);
  g_assert_cmpuint(err.status, ==, 400);
  g_string_truncate(s, base);
  g_string_append(s, "X-Long: a");
  for (guint i = 0; i < 2000; i++)
    g_string_append(s, "\r\n aaaa");
  g_string_append(s, "\r\n\r\n");
  g_assert_cmpint(sip_message_parse(&msg, s->str, s->len, SIP_FRAMING_DATAGRAM, NULL, &err), ==, -EMSGSIZE);
  lim = SIP_LIMITS_DEFAULT;
  lim.max_line = 32 * 1024;
  g_assert_cmpint(sip_message_parse(&msg, s->str, s->len, SIP_FRAMING_DATAGRAM, &lim, &err), ==, 0);

  /* Whole message size. */
  g_string_truncate(s, base);
  for (guint i = 0; i < 700; i++)
    g_string_append(s, "X-Pad: 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234\r\n");
  g_string_append(s, "\r\n");
  lim = SIP_LIMITS_DEFAULT;
  lim.max_headers = SIP_MESSAGE_MAX_HEADERS;
  g_assert_cmpint(sip_message_parse(&msg, s->str, s->len, SIP_FRAMING_DATAGRAM, &lim, &err), ==, -EMSGSIZE);
  g_assert_cmpuint(err.status, ==, 513);

  /* Body larger than allowed, by Content-Length. */
  lim = (sip_limits){ 1024, 32, 256 };
  g_string_truncate(s, base);
  g_string_append(s, "Content-Length: 2000\r\n\r\n");
  for (guint i = 0; i < 2000; i++)
    g_string_append_c(s, 'b');
  g_assert_cmpint(sip_message_parse(&msg, s->str, s->len, SIP_FRAMING_DATAGRAM, &lim, &err), ==, -EMSGSIZE);
  g_assert_cmpuint(err.status, == , 513);   /* the datagram itself is too large */
  g_assert_cmpint(sip_message_parse(&msg, s->str, base + 24, SIP_FRAMING_DATAGRAM, &lim, &err), ==, -EMSGSIZE);
  g_assert_cmpuint(err.status, ==, 413);    /* the header fits, the announced body does not */
}

/* The header array grows as the parser needs it, keeps every value in
 * order, and a small message does not pay for SIP_MESSAGE_MAX_HEADERS. */
static void
test_header_array(void)
{
  g_auto(sip_message) msg = SIP_MESSAGE_INIT;
  sip_error err;
  g_autoptr(GString) s = g_string_new("OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 1 OPTIONS\r\n\r\n");
  g_assert_cmpint(sip_message_parse(&msg, s->str, s->len, SIP_FRAMING_DATAGRAM, NULL, &err), ==, 0);
  g_assert_cmpuint(msg.n_headers, ==, 5);
  g_assert_cmpuint(msg.headers_cap, ==, SIP_MESSAGE_FIRST_HEADERS);

  /* 5 + 200 values: grows past the first array several times. */
  g_string_truncate(s, s->len - 2);
  for (guint i = 0; i < 100; i++)
    g_string_append_printf(s, "X-N: %u\r\nSupported: t%u\r\n", i, i);
  g_string_append(s, "\r\n");
  sip_limits lim = SIP_LIMITS_DEFAULT;
  lim.max_headers = SIP_MESSAGE_MAX_HEADERS;
  g_assert_cmpint(sip_message_parse(&msg, s->str, s->len, SIP_FRAMING_DATAGRAM, &lim, &err), ==, 0);
  g_assert_cmpuint(msg.n_headers, ==, 205);
  g_assert_cmpuint(msg.headers_cap, >=, 205);
  g_assert_cmpuint(msg.headers_cap, <=, SIP_MESSAGE_MAX_HEADERS);
  g_assert_cmpuint(sip_message_header_count(&msg, SIP_HDR_SUPPORTED), ==, 100);
  for (guint i = 0; i < 100; i++) {
    g_autofree char *want = g_strdup_printf("t%u", i);
    assert_slice(sip_message_header_at(&msg, SIP_HDR_SUPPORTED, i)->value, want);
  }
  const sip_header *call_id = sip_message_header(&msg, SIP_HDR_CALL_ID);
  g_assert_nonnull(call_id);
  assert_slice(call_id->value, "x@y");

  /* Parsing again into the same message reuses the array. */
  g_string_assign(s, "OPTIONS sip:example.com SIP/2.0\r\n" BASE_HEADERS "CSeq: 2 OPTIONS\r\n\r\n");
  g_assert_cmpint(sip_message_parse(&msg, s->str, s->len, SIP_FRAMING_DATAGRAM, NULL, &err), ==, 0);
  g_assert_cmpuint(msg.n_headers, ==, 5);
  sip_message_clear(&msg);
  g_assert_null(msg.headers);
  g_assert_cmpuint(msg.headers_cap, ==, 0);
}

static void
test_bytes_ownership(void)
{
  g_autoptr(sip_message) msg = sip_message_new();
  g_autoptr(GBytes) b = testutil_load("sip/sipp-uac-invite.sip");
  sip_slice id;
  g_assert_cmpint(sip_message_parse_bytes(msg, b, SIP_FRAMING_DATAGRAM, NULL, NULL), ==, 0);
  g_clear_pointer(&b, g_bytes_unref);   /* the message keeps its own reference */
  g_assert_cmpint(sip_message_call_id(msg, &id, NULL), ==, 0);
  assert_slice(id, "1-4157@127.0.0.1");
  /* Reparse into the same message drops the old reference. */
  b = testutil_load("sip/sipp-200ok.sip");
  g_assert_cmpint(sip_message_parse_bytes(msg, b, SIP_FRAMING_DATAGRAM, NULL, NULL), ==, 0);
  g_assert_cmpuint(msg->status, ==, 200);
}

static void
test_truncated(void)
{
  for (guint f = 0; f < G_N_ELEMENTS(real_files); f++) {
    g_autoptr(GBytes) b = testutil_load(real_files[f]);
    const char *data = g_bytes_get_data(b, NULL);
    gsize len = g_bytes_get_size(b);
    for (gsize n = 0; n <= len; n++) {
      char *copy = g_memdup2(data, n ? n : 1);
      g_auto(sip_message) msg = SIP_MESSAGE_INIT;
      sip_error err;
      sip_message_ids ids;
      int r = sip_message_parse(&msg, copy, n, SIP_FRAMING_STREAM, NULL, &err);
      if (n < len)
        g_assert_cmpint(r, <, 0);   /* a stream message is never complete early */
      else
        g_assert_cmpint(r, ==, 0);
      if (sip_message_parse(&msg, copy, n, SIP_FRAMING_DATAGRAM, NULL, &err) == 0) {
        (void)sip_message_validate(&msg, supported, &err);
        (void)sip_message_get_ids(&msg, &ids, &err);
      }
      g_autoptr(sip_stream_framer) fr = sip_stream_framer_new(NULL);
      g_assert_cmpint(sip_stream_framer_feed(fr, copy, n, &err), ==, 0);
      GBytes *m = sip_stream_framer_pop(fr);
      g_assert_true((m != NULL) == (n == len));
      if (m)
        g_bytes_unref(m);
      g_free(copy);
    }
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sip/message/all-valid", test_all_valid);
  g_test_add_func("/sip/message/baresip-invite", test_baresip_invite);
  g_test_add_func("/sip/message/sipp-200", test_sipp_200);
  g_test_add_func("/sip/message/register", test_register);
  g_test_add_func("/sip/message/ipv6", test_ipv6);
  g_test_add_func("/sip/message/tel-compact", test_tel_compact);
  g_test_add_func("/sip/message/header-names", test_header_names);
  g_test_add_func("/sip/message/uris", test_uris);
  g_test_add_func("/sip/message/parse-errors", test_parse_errors);
  g_test_add_func("/sip/message/tolerated", test_tolerated);
  g_test_add_func("/sip/message/validation", test_validation);
  g_test_add_func("/sip/message/limits", test_limits);
  g_test_add_func("/sip/message/header-array", test_header_array);
  g_test_add_func("/sip/message/bytes-ownership", test_bytes_ownership);
  g_test_add_func("/sip/message/truncated", test_truncated);
  return g_test_run();
}
